//! The default rules of domain.md section 4 at their boundaries.

mod common;
use common::{d, AS_OF, B};
use rapport_model::{IntentLevel, ServiceKind, Stage};
use rapport_rules::*;

fn tags(f: &Facts) -> Vec<String> {
    let rules = CompiledRules::compile(&default_rules()).expect("defaults compile");
    let as_of = d(AS_OF);
    rules.tags(f, &Figures::compute(f, as_of), as_of)
}

fn has(f: &Facts, tag: &str) -> bool {
    tags(f).iter().any(|t| t == tag)
}

/// A customer with a follow-up yesterday and no orders: no default tag applies.
fn quiet() -> B {
    B::new(1).touch("2024-06-29")
}

#[test]
fn defaults_compile_and_quiet_customer_has_no_tags() {
    assert!(CompiledRules::compile(&default_rules()).is_ok());
    assert_eq!(tags(&quiet().build()), Vec::<String>::new());
}

#[test]
fn active_means_an_order_within_30_days() {
    assert!(has(&quiet().order("2024-06-30", 100, "x").build(), TAG_ACTIVE), "order today");
    assert!(has(&quiet().order("2024-06-01", 100, "x").build(), TAG_ACTIVE), "29 days ago");
    assert!(!has(&quiet().order("2024-05-31", 100, "x").build(), TAG_ACTIVE), "exactly 30 days ago is outside");
    assert!(!has(&quiet().order("2024-07-01", 100, "x").build(), TAG_ACTIVE), "after the as-of date");
}

#[test]
fn reawaken_matches_at_exactly_90_days() {
    // 2024-06-30 minus 90 days is 2024-04-01.
    assert!(has(&B::new(1).touch("2024-04-01").build(), TAG_REAWAKEN), "exactly 90 days");
    assert!(!has(&B::new(1).touch("2024-04-02").build(), TAG_REAWAKEN), "89 days");
    assert!(!has(&B::new(1).touch("2024-04-01").touch("2024-06-01").build(), TAG_REAWAKEN));
    // Never contacted: counted from the created date.
    assert!(has(&B::new(1).created("2024-04-01").build(), TAG_REAWAKEN), "created 90 days ago");
    assert!(!has(&B::new(1).created("2024-04-02").build(), TAG_REAWAKEN), "created 89 days ago");
    // A follow-up after the as-of date does not count.
    assert!(has(&B::new(1).touch("2024-04-01").touch("2024-07-05").build(), TAG_REAWAKEN));
}

#[test]
fn churn_risk_at_three_months_falling_orders_or_low_satisfaction() {
    // 2024-06-30 minus 3 months is 2024-03-30.
    assert!(has(&B::new(1).touch("2024-03-30").build(), TAG_CHURN_RISK), "exactly 3 months");
    assert!(!has(&B::new(1).touch("2024-03-31").build(), TAG_CHURN_RISK), "a day less");
    assert!(has(&B::new(1).created("2024-03-30").build(), TAG_CHURN_RISK), "never contacted, created 3 months ago");
    // Falling: one order in the 6 months before the last 6, none since.
    let falling = quiet().order("2023-09-15", 100, "x").build();
    assert_eq!(Figures::compute(&falling, d(AS_OF)).order_trend, OrderTrend::Falling);
    assert!(has(&falling, TAG_CHURN_RISK));
    let steady = quiet().order("2023-09-15", 100, "x").order("2024-02-01", 100, "x").build();
    assert_eq!(Figures::compute(&steady, d(AS_OF)).order_trend, OrderTrend::Steady);
    assert!(!has(&steady, TAG_CHURN_RISK));
    // Satisfaction: exactly 3 is not below 3; 2.99 is.
    let three = quiet().service("2024-06-01", ServiceKind::Question, Some(300)).build();
    assert!(!has(&three, TAG_CHURN_RISK));
    let avg_three = quiet()
        .service("2024-06-01", ServiceKind::Question, Some(250))
        .service("2024-06-02", ServiceKind::Question, Some(350))
        .build();
    assert!(!has(&avg_three, TAG_CHURN_RISK), "average exactly 3.00");
    let low = quiet()
        .service("2024-06-01", ServiceKind::Question, Some(299))
        .service("2024-06-02", ServiceKind::Question, None)
        .build();
    assert!(has(&low, TAG_CHURN_RISK), "2.99 < 3");
    // Exact average 2.995 rounds to 3.00 for display but still decides as below 3.
    let frac = quiet()
        .service("2024-06-01", ServiceKind::Question, Some(299))
        .service("2024-06-02", ServiceKind::Question, Some(300))
        .build();
    let g = Figures::compute(&frac, d(AS_OF));
    assert_eq!(g.avg_satisfaction.map(|s| s.hundredths()), Some(300));
    assert!(has(&frac, TAG_CHURN_RISK));
}

#[test]
fn high_value_is_strictly_over_500000_within_12_months() {
    let exact = quiet().order("2024-01-10", 30_000_000, "x").order("2024-05-10", 20_000_000, "y").build();
    assert!(!has(&exact, TAG_HIGH_VALUE), "exactly ¥500,000.00");
    let over = quiet().order("2024-01-10", 30_000_000, "x").order("2024-05-10", 20_000_001, "y").build();
    assert!(has(&over, TAG_HIGH_VALUE), "¥500,000.01");
    // 12 months before 2024-06-30 is 2023-06-30: an order that day is outside the window.
    let edge = quiet().order("2023-06-30", 100_000_000, "x").build();
    assert!(!has(&edge, TAG_HIGH_VALUE));
    let inside = quiet().order("2023-07-01", 100_000_000, "x").build();
    assert!(has(&inside, TAG_HIGH_VALUE));
}

#[test]
fn potential_is_latest_intent_high_and_not_won() {
    let p = B::new(1).intent("2024-06-20", IntentLevel::High).build();
    assert!(has(&p, TAG_POTENTIAL));
    let later_medium =
        B::new(1).intent("2024-06-10", IntentLevel::High).intent("2024-06-20", IntentLevel::Medium).build();
    assert!(!has(&later_medium, TAG_POTENTIAL));
    let later_unjudged = B::new(1).intent("2024-06-10", IntentLevel::High).touch("2024-06-20").build();
    assert!(has(&later_unjudged, TAG_POTENTIAL), "a follow-up without a judgement keeps the last one");
    let won = B::new(1).intent("2024-06-20", IntentLevel::High).deal("2024-06-25", 100).build();
    assert!(!has(&won, TAG_POTENTIAL));
    let lost = B::new(1).intent("2024-06-20", IntentLevel::High).stage(Stage::Lost).build();
    assert!(has(&lost, TAG_POTENTIAL), "a lost customer showing high intent again is potential");
}

#[test]
fn dormant_is_six_months_without_follow_up_and_never_won() {
    // 2024-06-30 minus 6 months is 2023-12-30.
    assert!(has(&B::new(1).touch("2023-12-30").build(), TAG_DORMANT), "exactly 6 months");
    assert!(!has(&B::new(1).touch("2023-12-31").build(), TAG_DORMANT));
    let won = B::new(1).touch("2023-06-01").deal("2023-05-01", 100).build();
    assert!(!has(&won, TAG_DORMANT), "won once");
    // A deal dated after the as-of date does not count as won yet.
    let future_deal = B::new(1).touch("2023-06-01").deal("2024-08-01", 100).build();
    assert!(has(&future_deal, TAG_DORMANT));
    let t = tags(&B::new(1).touch("2023-06-01").build());
    let mut want: Vec<String> = [TAG_REAWAKEN, TAG_CHURN_RISK, TAG_DORMANT].iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(t, want, "rule tags come sorted");
}

#[test]
fn later_rules_see_earlier_tags_and_explain_says_why() {
    let mut rules = default_rules();
    rules.push(Rule::new("vip_risk", "重点挽回", "has tag \"高价值客户\" and has tag \"流失风险客户\""));
    rules.insert(0, Rule::new("too_early", "提前", "has tag \"高价值客户\""));
    let compiled = CompiledRules::compile(&rules).expect("compile");
    let f = B::new(1).touch("2024-01-01").order("2024-01-10", 60_000_000, "x").build();
    let as_of = d(AS_OF);
    let g = Figures::compute(&f, as_of);
    let t = compiled.tags(&f, &g, as_of);
    assert!(t.contains(&"重点挽回".to_string()));
    assert!(!t.contains(&"提前".to_string()), "a rule does not see tags of later rules");
    let ex = compiled.explain(&f, &g, as_of);
    let reawaken = ex.iter().find(|e| e.rule == "reawaken").expect("listed");
    assert!(reawaken.matched);
    assert_eq!(reawaken.reasons, vec!["days_since_last_interaction = 181 >= 90".to_string()]);
    let hv = ex.iter().find(|e| e.rule == "high_value").expect("listed");
    assert_eq!(hv.reasons, vec!["orders.amount within 12 months = ¥600,000.00 > ¥500,000.00".to_string()]);
    let pot = ex.iter().find(|e| e.rule == "potential").expect("listed");
    assert!(!pot.matched);
    assert_eq!(pot.reasons, vec!["intent is not set, so `= high` is false".to_string()]);
    let churn = ex.iter().find(|e| e.rule == "churn_risk").expect("listed");
    assert_eq!(churn.reasons, vec!["last_contact = 2024-01-01 <= 2024-03-30 (3 months ago)".to_string()]);
}

#[test]
fn disabled_rules_do_not_run_and_bad_rules_are_reported() {
    let mut rules = default_rules();
    rules[1].enabled = false;
    rules.push(Rule::new("broken", "x", "stag = won"));
    let compiled = CompiledRules::compile_lenient(&rules);
    assert_eq!(compiled.errors().len(), 1);
    assert_eq!(compiled.errors()[0].rule, "broken");
    let f = B::new(1).touch("2024-01-01").build();
    let as_of = d(AS_OF);
    let t = compiled.tags(&f, &Figures::compute(&f, as_of), as_of);
    assert!(!t.contains(&TAG_REAWAKEN.to_string()));
    assert!(matches!(CompiledRules::compile(&rules), Err(RulesError::Rule { .. })));
    let mut dup = default_rules();
    dup.push(default_rules()[0].clone());
    assert_eq!(CompiledRules::compile(&dup), Err(RulesError::DuplicateRule("active".into())));
}
