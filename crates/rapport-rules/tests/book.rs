//! Book-wide models: ABC by revenue share, RFM quintiles, cached boundaries, summaries, and
//! the property that input order never changes the result.

mod common;
use common::{d, AS_OF, B};
use proptest::prelude::*;
use rapport_model::{CustomerId, IntentLevel, Money, ServiceKind, Stage};
use rapport_rules::*;

fn with_amount(n: u8, yuan: i64) -> Facts {
    let b = B::new(n).touch("2024-06-20");
    if yuan > 0 {
        b.order("2024-05-01", yuan * 100, "x").build()
    } else {
        b.build()
    }
}

fn book(facts: &[Facts]) -> BookEvaluation {
    Book::evaluate(facts, &default_rules(), &TierSettings::default(), d(AS_OF))
}

fn abc(e: &BookEvaluation) -> Vec<AbcClass> {
    e.customers.iter().map(|c| c.abc.expect("scored")).collect()
}

#[test]
fn abc_by_cumulative_revenue_share() {
    use AbcClass::*;
    // Ids 1..5 with 100, 50, 30, 20, 0 yuan: before-shares 0%, 50%, 75%, 90%, -.
    let facts: Vec<Facts> =
        [100, 50, 30, 20, 0].iter().enumerate().map(|(i, y)| with_amount(i as u8 + 1, *y)).collect();
    assert_eq!(abc(&book(&facts)), vec![A, A, A, B, C]);
    // Exactly 80% before: B.
    let facts = vec![with_amount(1, 80), with_amount(2, 20)];
    assert_eq!(abc(&book(&facts)), vec![A, B]);
    // Equal amounts share a class.
    let facts: Vec<Facts> = (1..=4).map(|i| with_amount(i, 50)).collect();
    assert_eq!(abc(&book(&facts)), vec![A, A, A, A]);
    // No revenue at all: everyone C.
    let facts: Vec<Facts> = (1..=3).map(|i| with_amount(i, 0)).collect();
    assert_eq!(abc(&book(&facts)), vec![C, C, C]);
}

#[test]
fn rfm_quintiles_with_ties_taking_the_lowest_rank() {
    // Ten customers with 1..10 yuan: monetary scores 1,1,2,2,3,3,4,4,5,5.
    let facts: Vec<Facts> = (1..=10).map(|i| with_amount(i, i64::from(i))).collect();
    let e = book(&facts);
    let m: Vec<u8> = e.customers.iter().map(|c| c.rfm.expect("scored").monetary).collect();
    assert_eq!(m, vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    // All ordered the same day and once: ties everywhere, every score 1.
    let r: Vec<u8> = e.customers.iter().map(|c| c.rfm.expect("scored").recency).collect();
    assert_eq!(r, vec![1; 10]);
    // Recency: more recent is better, never ordered is worst.
    let facts = vec![
        B::new(1).order("2024-06-29", 100, "x").build(),
        B::new(2).order("2024-01-01", 100, "x").build(),
        B::new(3).build(),
        B::new(4).order("2024-06-01", 100, "x").build(),
        B::new(5).order("2023-01-01", 100, "x").build(),
    ];
    let e = book(&facts);
    let r: Vec<u8> = e.customers.iter().map(|c| c.rfm.expect("scored").recency).collect();
    assert_eq!(r, vec![5, 3, 1, 4, 2]);
    assert_eq!(RfmScores { recency: 5, frequency: 4, monetary: 5 }.code(), "545");
}

#[test]
fn one_customer_scored_against_cached_boundaries_matches_the_book() {
    let facts = sample_book(200);
    let e = book(&facts);
    let rules = CompiledRules::compile(&default_rules()).expect("defaults");
    let settings = TierSettings::default();
    for f in facts.iter().step_by(17) {
        let mut one = evaluate_customer(f, &rules, &settings, d(AS_OF));
        assert_eq!(one.abc, None);
        e.boundaries.apply(&mut one);
        assert_eq!(Some(&one), e.get(&f.id));
    }
    // Boundaries serialise (a store can cache them).
    let json = serde_json::to_string(&e.boundaries).expect("serialise");
    let back: BookBoundaries = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, e.boundaries);
    // A customer bigger than anyone is A and M5.
    let big = B::new(250).order("2024-06-01", 1_000_000_000_000, "x").build();
    let mut one = evaluate_customer(&big, &rules, &settings, d(AS_OF));
    e.boundaries.apply(&mut one);
    assert_eq!(one.abc, Some(AbcClass::A));
    assert_eq!(one.rfm.map(|r| r.monetary), Some(5));
}

#[test]
fn summary_counts_and_shares() {
    let facts: Vec<Facts> =
        [100, 50, 30, 20, 0].iter().enumerate().map(|(i, y)| with_amount(i as u8 + 1, *y)).collect();
    let e = book(&facts);
    let s = e.summary(TierModel::Abc);
    assert_eq!(s.customers, 5);
    assert_eq!(s.amount_12m, Money::yuan(200));
    let rows: Vec<(String, u32, u32)> =
        s.rows.iter().map(|r| (r.tier.clone(), r.customers, r.revenue_share_bp)).collect();
    assert_eq!(rows, vec![("A".into(), 3, 9000), ("B".into(), 1, 1000), ("C".into(), 1, 0)]);
    let sabc = e.summary(TierModel::Sabc);
    assert_eq!(sabc.rows.iter().map(|r| r.tier.as_str()).collect::<Vec<_>>(), vec!["S", "A", "B", "C"]);
    assert_eq!(sabc.rows.iter().map(|r| r.customers).sum::<u32>(), 5);
    let rfm = e.summary(TierModel::Rfm);
    assert_eq!(rfm.rows.iter().map(|r| r.customers).sum::<u32>(), 5);
    assert!(rfm.rows.windows(2).all(|w| w[0].tier > w[1].tier), "best code first");
    assert_eq!("rfm".parse::<TierModel>(), Ok(TierModel::Rfm));
}

#[test]
fn rules_test_lists_matching_customers() {
    let facts = vec![with_amount(1, 600_000), with_amount(2, 100), with_amount(3, 500_001)];
    let draft = Rule::new("big", "大客户", "has tag \"高价值客户\" and amount_12m > 550000");
    let ids = Book::test_rule(&facts, &default_rules(), &draft, d(AS_OF)).expect("compiles");
    assert_eq!(ids, vec![CustomerId([1; 16])]);
    let bad = Rule::new("big", "大客户", "amount_12m >");
    assert!(Book::test_rule(&facts, &default_rules(), &bad, d(AS_OF)).is_err());
    // Bad rules in a book evaluation are skipped and reported.
    let mut rules = default_rules();
    rules.push(Rule::new("broken", "x", "stage = wonn"));
    let e = Book::evaluate(&facts, &rules, &TierSettings::default(), d(AS_OF));
    assert_eq!(e.rule_errors.len(), 1);
    assert!(e.rule_errors[0].message.contains("did you mean `won`?"), "{}", e.rule_errors[0].message);
}

/// A deterministic sample book.
fn sample_book(n: usize) -> Vec<Facts> {
    let mut seed: u64 = 42;
    let mut next = |m: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    let base = rapport_rules::day_of(d("2022-06-30"));
    (0..n)
        .map(|i| {
            let mut f = B::new(0).build();
            let mut id = [0u8; 16];
            id[..8].copy_from_slice(&(i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
            f.id = CustomerId(id);
            f.created = base + next(400) as i32;
            for _ in 0..next(8) {
                f.orders.push(OrderFact {
                    day: base + next(760) as i32,
                    amount: next(30_000_000) as i64,
                    category: ["设备", "耗材", "服务"][next(3) as usize].into(),
                });
            }
            f.orders.sort_by_key(|o| o.day);
            for _ in 0..next(12) {
                let intent = [None, Some(IntentLevel::Low), Some(IntentLevel::Medium), Some(IntentLevel::High)]
                    [next(4) as usize];
                f.interactions.push(InteractionFact { day: base + next(760) as i32, intent });
            }
            f.interactions.sort_by_key(|i| i.day);
            for _ in 0..next(3) {
                let kind = [ServiceKind::Question, ServiceKind::Fault, ServiceKind::Complaint][next(3) as usize];
                f.services.push(ServiceFact {
                    day: base + next(760) as i32,
                    kind,
                    satisfaction: Some(100 + next(401) as u16),
                });
            }
            if next(4) == 0 {
                f.deal = Some(DealFact { day: base + next(700) as i32, amount: 100_000 });
                f.stage = Stage::Won;
            }
            f
        })
        .collect()
}

#[test]
fn sample_book_is_deterministic_under_reversal() {
    let facts = sample_book(300);
    let a = book(&facts);
    let mut rev = facts.clone();
    rev.reverse();
    assert_eq!(a, book(&rev));
    assert_eq!(a.customers.len(), 300);
    assert!(a.customers.windows(2).all(|w| w[0].id < w[1].id));
}

fn arb_facts(n: u8) -> impl Strategy<Value = Facts> {
    let base = rapport_rules::day_of(d("2023-01-01"));
    (
        prop::collection::vec((0i32..600, 0i64..80_000_000, 0usize..3), 0..6),
        prop::collection::vec((0i32..600, 0usize..4), 0..8),
        prop::collection::vec((0i32..600, 0usize..3, prop::option::of(100u16..=500)), 0..3),
        prop::option::of(0i32..600),
        0i32..500,
        any::<bool>(),
    )
        .prop_map(move |(orders, inter, services, deal, created, vip)| {
            let mut f = B::new(n).build();
            f.created = base + created;
            f.orders = orders
                .into_iter()
                .map(|(day, amount, c)| OrderFact {
                    day: base + day,
                    amount,
                    category: ["设备", "耗材", "服务"][c].into(),
                })
                .collect();
            f.orders.sort_by(|a, b| (a.day, a.amount, &a.category).cmp(&(b.day, b.amount, &b.category)));
            f.interactions = inter
                .into_iter()
                .map(|(day, i)| InteractionFact {
                    day: base + day,
                    intent: [None, Some(IntentLevel::Low), Some(IntentLevel::Medium), Some(IntentLevel::High)][i],
                })
                .collect();
            f.interactions.sort_by_key(|i| i.day);
            f.services = services
                .into_iter()
                .map(|(day, k, s)| ServiceFact {
                    day: base + day,
                    kind: [ServiceKind::Question, ServiceKind::Fault, ServiceKind::Complaint][k],
                    satisfaction: s,
                })
                .collect();
            f.services.sort_by_key(|s| s.day);
            if let Some(day) = deal {
                f.deal = Some(DealFact { day: base + day, amount: 1_000_000 });
                f.stage = Stage::Won;
            }
            if vip {
                f.manual_tags.push("VIP".into());
            }
            f
        })
}

fn arb_book() -> impl Strategy<Value = (Vec<Facts>, Vec<Facts>)> {
    (1u8..14).prop_flat_map(|n| (0..n).map(|i| arb_facts(i + 1)).collect::<Vec<_>>()).prop_flat_map(|facts| {
        let shuffled = Just(facts.clone()).prop_shuffle();
        (Just(facts), shuffled)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn book_evaluation_ignores_input_order((facts, shuffled) in arb_book()) {
        let mut rules = default_rules();
        rules.push(Rule::new("vip_active", "重点", "has tag \"VIP\" and has tag \"活跃客户\" or complaints within 6 months >= 1"));
        let settings = TierSettings::default();
        for as_of in [d("2024-06-30"), d("2023-09-15")] {
            let a = Book::evaluate(&facts, &rules, &settings, as_of);
            let b = Book::evaluate(&shuffled, &rules, &settings, as_of);
            prop_assert_eq!(&a, &b);
            // And the JSON a store would write is byte-identical.
            prop_assert_eq!(serde_json::to_string(&a).ok(), serde_json::to_string(&b).ok());
            for t in [TierModel::Sabc, TierModel::Abc, TierModel::Rfm] {
                prop_assert_eq!(a.summary(t), b.summary(t));
            }
        }
    }

    #[test]
    fn facts_round_trip_through_bytes(f in arb_facts(3)) {
        prop_assert_eq!(Facts::decode(&f.encode()).ok(), Some(f));
    }
}
