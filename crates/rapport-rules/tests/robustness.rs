//! Nothing a user or a corrupted cache can hand in makes the crate panic.

mod common;
use common::B;
use proptest::prelude::*;
use rapport_model::{Date, IntentLevel, ServiceKind};
use rapport_rules::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics(text in "\\PC{0,40}") {
        let _ = parse(&text);
    }

    #[test]
    fn parse_never_panics_on_rule_like_text(
        parts in prop::collection::vec(prop::sample::select(vec![
            "stage", "=", "won", "and", "or", "not", "(", ")", "[", "]", ",", "in", "within", "3", "months",
            "ago", "orders.amount", ">", "500000.5", "50万", "\"展会\"", "has", "tag", "custom.", "\"x", "2024-02-30",
            "is", "set", "today", "-", "¥", "%", "个月前", "contains", "#", "\n", "intent", "high",
        ]), 0..12)
    ) {
        let text = parts.join(" ");
        if let Ok(e) = parse(&text) {
            // What parses prints back to something that parses to the same thing.
            prop_assert_eq!(parse(&e.to_string()).ok(), Some(e));
        }
    }

    #[test]
    fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut b = vec![FACTS_VERSION];
        b.extend(bytes);
        let _ = Facts::decode(&b);
    }

    #[test]
    fn extreme_values_evaluate_without_panic(
        days in prop::collection::vec(any::<i32>(), 1..6),
        amounts in prop::collection::vec(any::<i64>(), 1..6),
        created in any::<i32>(),
        sat in any::<u16>(),
    ) {
        let mut f = B::new(1).build();
        f.created = created;
        for (d, a) in days.iter().zip(amounts.iter().cycle()) {
            f.orders.push(OrderFact { day: *d, amount: *a, category: "x".into() });
            f.interactions.push(InteractionFact { day: *d, intent: Some(IntentLevel::High) });
            f.services.push(ServiceFact { day: *d, kind: ServiceKind::Complaint, satisfaction: Some(sat) });
        }
        f.deal = Some(DealFact { day: days[0], amount: amounts[0] });
        let mut rules = default_rules();
        rules.push(Rule::new("all", "全部", "orders.amount within 100 years > 0 or orders.avg > 1 or deal.amount > 0 or last_order < 1000 years ago"));
        for as_of in [Date::MIN, Date::MAX, Date::from_ymd_opt(2024, 6, 30).unwrap_or_default()] {
            let e = Book::evaluate(std::slice::from_ref(&f), &rules, &TierSettings::default(), as_of);
            prop_assert_eq!(e.customers.len(), 1);
            let _ = CompiledRules::compile_lenient(&rules).explain(&f, &e.customers[0].figures, as_of);
        }
    }
}
