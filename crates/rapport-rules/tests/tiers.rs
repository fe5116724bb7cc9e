//! Grades, composite tiers, customer value and cadence at their boundaries.

mod common;
use common::{d, AS_OF, B};
use rapport_model::{IntentLevel, Money, ServiceKind, Stage};
use rapport_rules::*;

fn eval(f: &Facts) -> CustomerEvaluation {
    eval_with(f, &TierSettings::default())
}

fn eval_with(f: &Facts, s: &TierSettings) -> CustomerEvaluation {
    let rules = CompiledRules::compile(&default_rules()).expect("defaults");
    evaluate_customer(f, &rules, s, d(AS_OF))
}

/// Recent follow-up and orders only in the last 6 months: no churn risk.
fn base() -> B {
    B::new(7).touch("2024-06-25")
}

#[test]
fn value_grade_boundaries() {
    let s = TierSettings::default();
    let grade =
        |fen: i64| value_grade(&Figures::compute(&base().order("2024-05-01", fen, "x").build(), d(AS_OF)), &s).0;
    assert_eq!(grade(10_000_001), Grade::High, "¥100,000.01");
    assert_eq!(grade(10_000_000), Grade::Medium, "exactly ¥100,000 is medium");
    assert_eq!(grade(5_000_000), Grade::Medium, "exactly ¥50,000 is medium");
    assert_eq!(grade(4_999_999), Grade::Low, "¥49,999.99");
    assert_eq!(value_grade(&Figures::compute(&base().build(), d(AS_OF)), &s).0, Grade::Low);
}

#[test]
fn repurchase_rate_counts_orders_after_the_first_day() {
    // 5 orders, 2 on the first day: 3 repeat purchases = exactly 60%.
    let f = base()
        .orders("2024-02-01", 2, 100)
        .order("2024-03-01", 100, "x")
        .order("2024-04-01", 100, "x")
        .order("2024-05-01", 100, "x")
        .build();
    let g = Figures::compute(&f, d(AS_OF));
    assert_eq!((g.order_count, g.repeat_purchases, g.repurchase_rate_bp), (5, 3, 6000));
    assert_eq!(g.repurchase_rate(), Ratio::int(60));
}

#[test]
fn loyalty_high_needs_repurchase_above_60_and_complaints_below_5() {
    let s = TierSettings::default();
    let loyalty = |f: &Facts| loyalty_grade(&Figures::compute(f, d(AS_OF)), &s);
    // Exactly 60%: not high, but medium (above 30%, complaints 0% < 10%).
    let sixty = base().orders("2024-02-01", 2, 100).orders("2024-03-01", 3, 100).build();
    let (g, why) = loyalty(&sixty);
    assert_eq!(g, Grade::Medium, "{why}");
    assert!(why.contains("repurchase rate 60% <= 60%"), "{why}");
    // 60.01%: 10,000 orders, 3,999 on the first day.
    let just_above = base().orders("2024-02-01", 3_999, 100).orders("2024-03-01", 6_001, 100).build();
    assert_eq!(Figures::compute(&just_above, d(AS_OF)).repurchase_rate_bp, 6001);
    assert_eq!(loyalty(&just_above).0, Grade::High);
    // Complaint rate exactly 5%: 20 orders on distinct days (95% repurchase), 1 complaint.
    let mut b = base();
    for day in 1..=20 {
        b = b.order(&format!("2024-05-{day:02}"), 100, "x");
    }
    let five = b.service("2024-05-21", ServiceKind::Complaint, None);
    let (g, why) = loyalty(&five.0.clone());
    assert_eq!(g, Grade::Medium, "exactly 5% is not below 5%: {why}");
    assert!(why.contains("complaint rate 5% >= 5%"), "{why}");
    let below = five.order("2024-05-22", 100, "x").build();
    assert_eq!(Figures::compute(&below, d(AS_OF)).complaint_rate_bp, 476);
    assert_eq!(loyalty(&below).0, Grade::High, "1 complaint in 21 orders = 4.76%");
    // Low: a single order.
    assert_eq!(loyalty(&base().order("2024-05-01", 100, "x").build()).0, Grade::Low);
    // No orders but a complaint: 100%.
    let g = Figures::compute(&base().service("2024-05-01", ServiceKind::Complaint, None).build(), d(AS_OF));
    assert_eq!(g.complaint_rate(), Ratio::int(100));
}

#[test]
fn activity_grade_is_per_month_over_90_days() {
    let s = TierSettings::default();
    let with = |n: usize| {
        let mut b = B::new(1);
        for i in 0..n {
            b = b.touch(&format!("2024-06-{:02}", 1 + i % 29));
        }
        activity_grade(&b.0, &Figures::compute(&b.0, d(AS_OF)), &s)
    };
    let (g, why) = with(15);
    assert_eq!(g, Grade::Medium, "exactly 5 per month is not above 5: {why}");
    assert_eq!(why, "15 follow-ups in the last 90 days = 5 per month, between 1 and 5");
    assert_eq!(with(16).0, Grade::High);
    assert_eq!(with(3).0, Grade::Medium, "exactly 1 per month");
    assert_eq!(with(2).0, Grade::Low);
}

/// 5 orders on distinct days in the last 6 months totalling ¥180,000: value high, loyalty
/// high (80% repurchase, no complaints).
fn s_customer() -> B {
    base()
        .order("2024-02-01", 3_600_000, "设备")
        .order("2024-03-01", 3_600_000, "设备")
        .order("2024-04-01", 3_600_000, "耗材")
        .order("2024-05-01", 3_600_000, "服务")
        .order("2024-06-01", 3_600_000, "设备")
}

#[test]
fn composite_s_with_reason() {
    let e = eval(&s_customer().build());
    assert_eq!(e.tier, Tier::S);
    assert_eq!(
        e.tier_reason,
        "S: 12-month amount ¥180,000.00 > ¥100,000.00 (high value) and repurchase rate 80% > 60% with complaint rate 0% < 5% (high loyalty)"
    );
    assert_eq!(e.strategy, TierSettings::default().policies.s.strategy);
    assert_eq!(e.figures.top_categories[0].category, "设备");
    assert_eq!(e.figures.top_categories[0].amount, Money::yuan(108_000));
    assert_eq!(e.figures.top_categories.len(), 3);
    // Ties by name: 服务 and 耗材 both ¥36,000; 服务 (U+670D) sorts before 耗材 (U+8017).
    assert_eq!(e.figures.top_categories[1].category, "服务");
}

#[test]
fn churn_risk_beats_s_by_default_and_precedence_is_a_setting() {
    // Same orders, but the last follow-up 3 months ago.
    let f = B::new(7)
        .touch("2024-03-30")
        .order("2024-02-01", 3_600_000, "x")
        .order("2024-03-01", 3_600_000, "x")
        .order("2024-04-01", 3_600_000, "x")
        .order("2024-05-01", 3_600_000, "x")
        .order("2024-06-01", 3_600_000, "x")
        .build();
    let e = eval(&f);
    assert_eq!((e.tier, e.tier_reason.as_str()), (Tier::C, "C: tagged 流失风险客户 (churn risk)"));
    let mut s = TierSettings::default();
    s.composite.precedence = vec![Tier::S, Tier::C, Tier::A];
    assert_eq!(eval_with(&f, &s).tier, Tier::S);
}

#[test]
fn composite_a_and_b() {
    let a = eval(&base().intent("2024-06-26", IntentLevel::High).build());
    assert_eq!((a.tier, a.tier_reason.as_str()), (Tier::A, "A: tagged 潜力客户 (potential)"));
    // With the potential rule gone, high intent without a win still makes A.
    let rules = CompiledRules::compile(&[]).expect("empty");
    let e = evaluate_customer(
        &base().intent("2024-06-26", IntentLevel::High).build(),
        &rules,
        &TierSettings::default(),
        d(AS_OF),
    );
    assert_eq!(e.tier_reason, "A: latest intent high and stage intent, not won (potential)");
    let manual = eval(&base().tag("潜力客户").build());
    assert_eq!(manual.tier, Tier::A, "manual tags count");
    let b = eval(&base().order("2024-06-01", 8_000_000, "x").build());
    assert_eq!(b.tier, Tier::B);
    assert_eq!(
        b.tier_reason,
        "B: no churn risk; not S: value medium (12-month amount ¥80,000.00 between ¥50,000.00 and ¥100,000.00); not potential"
    );
    let won_high = eval(&base().intent("2024-06-26", IntentLevel::High).deal("2024-06-01", 100).build());
    assert_eq!(won_high.tier, Tier::B, "won customers are not potential");
}

#[test]
fn customer_value_is_exact() {
    let f = s_customer().build();
    let e = eval(&f);
    // ¥36,000 average × 5 orders in 12 months × 30% × 1 = ¥54,000.
    assert_eq!(e.customer_value, Money::yuan(54_000));
    let mut s = TierSettings::default();
    s.customer_value.referral_by_source.insert("转介绍".into(), Decimal::parse("1.2").expect("decimal"));
    let referred = s_customer().source("转介绍").build();
    assert_eq!(customer_value(&referred, &Figures::compute(&referred, d(AS_OF)), &s), Money::yuan(64_800));
    // Rounding: ¥1 + ¥0.01 + ¥0.01 → average 0.34 (1.02 / 3) × 3 orders × 33.33% → fen rounded.
    s.customer_value.margin = Decimal::parse("33.33").expect("decimal");
    let odd = base().order("2024-05-01", 100, "x").order("2024-05-02", 1, "x").order("2024-05-03", 1, "x").build();
    // 102 fen × 3 / 3 × 0.3333 = 33.9966 fen → 34 fen.
    assert_eq!(customer_value(&odd, &Figures::compute(&odd, d(AS_OF)), &s), Money(34));
    assert_eq!(customer_value(&base().build(), &Figures::compute(&base().build(), d(AS_OF)), &s), Money::ZERO);
}

#[test]
fn cadence_by_tier() {
    let s = TierSettings::default();
    let as_of = d(AS_OF);
    let check = |f: &Facts, tier: Tier| cadence_overdue(f, &Figures::compute(f, as_of), tier, &s, as_of);
    // C: every 15 days. Last contact 15 days ago is due today; 14 days ago is not due.
    let c15 = B::new(1).touch("2024-06-15").build();
    let info = check(&c15, Tier::C).expect("due");
    assert_eq!((info.cadence_days, info.days_overdue, info.due), (15, 0, d("2024-06-30")));
    assert!(info.reason.contains("due today"), "{}", info.reason);
    assert!(check(&B::new(1).touch("2024-06-16").build(), Tier::C).is_none());
    // A: weekly.
    let a = check(&B::new(1).touch("2024-06-20").build(), Tier::A).expect("overdue");
    assert_eq!((a.cadence_days, a.days_overdue), (7, 3));
    // B: no cadence unless won, then quarterly.
    assert!(check(&B::new(1).touch("2024-01-01").build(), Tier::B).is_none());
    let won = B::new(1).touch("2024-04-01").deal("2024-01-01", 100).build();
    let w = check(&won, Tier::B).expect("quarterly check");
    assert_eq!((w.cadence_days, w.days_overdue), (90, 0));
    assert!(check(&B::new(1).touch("2024-04-02").deal("2024-01-01", 100).build(), Tier::B).is_none());
    // Archived customers never show.
    let mut archived = B::new(1).touch("2024-01-01").build();
    archived.archived = true;
    assert!(check(&archived, Tier::C).is_none());
    // Never contacted: counted from the created date.
    let fresh = B::new(1).created("2024-06-10").build();
    assert_eq!(check(&fresh, Tier::A).map(|i| i.days_overdue), Some(13));
}

#[test]
fn settings_are_plain_data_with_defaults() {
    let s = TierSettings::default();
    assert!(s.validate().is_ok());
    let json = serde_json::to_string(&s).expect("serialise");
    assert!(json.contains("\"high_above\":\"100000.00\""), "{json}");
    assert!(json.contains("\"high_repurchase_above\":\"60\""), "{json}");
    let back: TierSettings = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, s);
    // Missing sections take their defaults.
    let partial: TierSettings = serde_json::from_str(r#"{"abc":{"a_share":"70","b_share":"90"}}"#).expect("partial");
    assert_eq!(partial.abc.a_share, Decimal::int(70));
    assert_eq!(partial.value, s.value);
    let mut bad = s.clone();
    bad.abc.a_share = Decimal::int(99);
    assert!(bad.validate().is_err());
    let stage_won = B::new(1).stage(Stage::Won).build();
    assert!(Figures::compute(&stage_won, d(AS_OF)).won, "stage won without a deal record counts as won");
}
