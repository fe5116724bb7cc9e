//! Evaluation of the rule language on hand-made customers: every kind of field, missing
//! values, and explanations.

mod common;
use common::{d, AS_OF, B};
use rapport_model::{IntentLevel, ServiceKind};
use rapport_rules::*;

fn check(f: &Facts, rule: &str) -> bool {
    let e = parse(rule).unwrap_or_else(|err| panic!("`{rule}`: {err}"));
    eval(&e, f, &Figures::compute(f, d(AS_OF)), d(AS_OF))
}

fn why(f: &Facts, rule: &str) -> Explanation {
    let e = parse(rule).unwrap_or_else(|err| panic!("`{rule}`: {err}"));
    explain(&e, f, &Figures::compute(f, d(AS_OF)), d(AS_OF), &[])
}

fn sample() -> Facts {
    B::new(1)
        .tag("VIP")
        .custom("客单价", "1,200")
        .custom("续约日", "2024-06-01")
        .custom("备注", "abc")
        .intent("2024-06-01", IntentLevel::Medium)
        .order("2024-05-01", 100_000, "软件")
        .order("2024-06-01", 300_000, "硬件")
        .service("2024-06-02", ServiceKind::Complaint, Some(200))
        .build()
}

#[test]
fn record_fields() {
    let f = sample();
    for (rule, want) in [
        ("stage = intent", true),
        ("stage in [intent, won]", true),
        ("stage not in [intent, won]", false),
        ("kind = company", true),
        ("industry = 制造业", true),
        ("industry = manufacturing", true),
        ("industry in [F, J]", false),
        ("owner = \"LI\"", true),
        ("name contains \"客户\"", true),
        ("name not contains \"科技\"", true),
        ("source = 展会", true),
        ("number >= \"MFG-2023\"", true),
        ("created = 2023-01-01", true),
        ("created < 1 year ago", true),
        ("priority", false),
        ("not archived", true),
        ("priority = false", true),
        ("has tag \"VIP\"", true),
        ("has tag \"vip\"", true),
        ("tags contains \"vip\"", true),
        ("tags in [\"A\", \"VIP\"]", true),
        ("tags is set", true),
        ("won", false),
        ("deal.amount > 0", false),
        ("deal.amount is not set", true),
    ] {
        assert_eq!(check(&f, rule), want, "{rule}");
    }
}

#[test]
fn figures_and_windows() {
    let f = sample();
    for (rule, want) in [
        ("orders.count = 2", true),
        ("orders.count within 30 days = 1", true),
        ("orders.amount within 2 months = 4000", true),
        ("orders.amount within 1 month = 3000", true),
        ("orders.avg = 2000", true),
        ("orders.avg within 1 week is set", false),
        ("avg_order = 2000.00", true),
        ("amount_total = 0.4万", true),
        ("repurchase_rate = 50%", true),
        ("complaint_rate = 50", true),
        ("complaints within 30 days = 1", true),
        ("services.count within 3 days = 0", true),
        ("avg_satisfaction = 2", true),
        ("intent >= medium", true),
        ("intent = high", false),
        ("order_trend = rising", true),
        ("categories contains \"软件\"", true),
        ("top_categories in [\"硬件\"]", true),
        ("last_order = 2024-06-01", true),
        ("days_since_last_order = 29", true),
        ("last_interaction >= 30 days ago", true),
        ("last_contact = today", false),
        ("first_contact = 2023-01-01", true),
        ("interactions.count within 4 weeks = 0", true),
        ("interactions.count within 5 weeks = 1", true),
        ("interactions_30d = 1 and interactions_90d = 1", true),
        ("follow_ups_to_won is set", false),
    ] {
        assert_eq!(check(&f, rule), want, "{rule}");
    }
}

#[test]
fn custom_fields_compare_as_numbers_dates_or_text() {
    let f = sample();
    for (rule, want) in [
        ("custom.客单价 > 1000", true),
        ("custom.客单价 = 1200", true),
        ("custom.续约日 < 2024-07-01", true),
        ("custom.续约日 <= 29 days ago", true),
        ("custom.续约日 <= 1 month ago", false),
        ("custom.备注 = \"ABC\"", true),
        ("custom.备注 > 5", false),
        ("custom.备注 contains \"b\"", true),
        ("custom.\"客单价\" is set", true),
        ("custom.missing is set", false),
        ("custom.missing != 1", false),
        ("custom.missing not in [1, 2]", false),
        ("not (custom.missing = 1)", true),
    ] {
        assert_eq!(check(&f, rule), want, "{rule}");
    }
}

#[test]
fn missing_values_make_comparisons_false() {
    let f = B::new(1).build();
    assert!(!check(&f, "avg_satisfaction != 3"));
    assert!(!check(&f, "avg_satisfaction < 3"));
    assert!(check(&f, "not (avg_satisfaction >= 3)"));
    assert!(check(&f, "avg_satisfaction is not set"));
    assert!(!check(&f, "intent != high"));
    assert!(!check(&f, "last_order < today"));
    assert_eq!(
        why(&f, "avg_satisfaction < 3").reasons,
        vec!["avg_satisfaction is not set, so `< 3` is false".to_string()]
    );
}

#[test]
fn explanations_name_the_deciding_values() {
    let f = sample();
    let e = why(&f, "orders.count within 30 days >= 2 or repurchase_rate > 40% and has tag \"VIP\"");
    assert!(e.matched);
    assert_eq!(e.reasons, vec!["repurchase_rate = 50% > 40%".to_string(), "has tag \"VIP\"".to_string()]);
    let e = why(&f, "orders.count within 30 days >= 2 or stage = won");
    assert!(!e.matched);
    assert_eq!(
        e.reasons,
        vec!["orders.count within 30 days = 1, not >= 2".to_string(), "stage = intent, not = won".to_string()]
    );
    let e = why(&f, "stage in [intent, won] and amount_12m > 1万");
    assert_eq!(e.reasons, vec!["amount_12m = ¥4,000.00, not > ¥10,000.00".to_string()]);
    let e = why(&f, "not has tag \"VIP\"");
    assert!(!e.matched);
    let e = why(&f, "tags contains \"VIP\"");
    assert_eq!(e.reasons, vec!["tags = [\"VIP\"] contains \"VIP\"".to_string()]);
}

#[test]
fn rule_tags_from_earlier_rules_are_seen() {
    let f = sample();
    let e = parse("has tag \"活跃客户\" and tags contains \"VIP\"").expect("parses");
    let g = Figures::compute(&f, d(AS_OF));
    assert!(!eval(&e, &f, &g, d(AS_OF)));
    assert!(eval_with_tags(&e, &f, &g, d(AS_OF), &["活跃客户"]));
}
