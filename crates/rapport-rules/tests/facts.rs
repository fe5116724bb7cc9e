//! Facts extracted from a full customer record, their binary form, and derived figures.

mod common;
use common::{d, AS_OF, B};
use rapport_model::*;
use rapport_rules::{day_of, Facts, Figures, OrderTrend, Window};

fn at(s: &str) -> DateTime {
    parse_datetime("at", s).expect("time")
}

/// A customer with 5 orders, 10 follow-ups and 2 service records.
fn customer() -> Customer {
    let orders = (0..5)
        .map(|i| Order {
            id: ItemId(format!("o{i:015}")),
            date: d("2024-01-15") + chrono::Days::new(30 * i),
            amount: Money::yuan(20_000 + 1_000 * i as i64),
            category: ["工业设备", "耗材"][i as usize % 2].into(),
            product: Some("型号 X".into()),
        })
        .rev()
        .collect();
    let interactions = (0..10)
        .map(|i| Interaction {
            id: ItemId(format!("i{i:015}")),
            at: at("2024-01-02 09:30") + chrono::Duration::days(14 * i),
            channel: Channel::Phone,
            summary: "回访".into(),
            feedback: None,
            intent: if i % 3 == 0 { Some(IntentLevel::High) } else { None },
            author: "li".into(),
            next_action: None,
        })
        .collect();
    let service_records = vec![
        ServiceRecord {
            id: ItemId("s1".into()),
            at: at("2024-03-01 10:00"),
            kind: ServiceKind::Complaint,
            summary: "延迟".into(),
            result: None,
            satisfaction: Some(Satisfaction::parse("2.5").expect("score")),
        },
        ServiceRecord {
            id: ItemId("s2".into()),
            at: at("2024-04-01 10:00"),
            kind: ServiceKind::Question,
            summary: "咨询".into(),
            result: None,
            satisfaction: Some(Satisfaction::parse("4").expect("score")),
        },
    ];
    Customer {
        id: CustomerId([9; 16]),
        number: "MFG-2024-K3Q7MX-001".into(),
        schema: SCHEMA_VERSION,
        kind: Kind::Company,
        name: "上海精工机械有限公司".into(),
        credit_code: None,
        industry: "C".into(),
        size: Some("100-500".into()),
        revenue_band: None,
        address: Address::default(),
        source: "展会".into(),
        stage: Stage::Won,
        deal: Some(Deal { amount: Money::yuan(20_000), date: d("2024-01-15"), contract_no: "HT-1".into() }),
        lost_reason: None,
        owner: "li.wei".into(),
        entered_by: "li.wei".into(),
        created_at: at("2023-12-20 08:00"),
        needs: Needs::default(),
        notes: "很长的备注".repeat(50),
        priority: true,
        archived: false,
        manual_tags: ["VIP".to_string()].into_iter().collect(),
        custom: [("客单价".to_string(), "1200".to_string())].into_iter().collect(),
        contacts: Vec::new(),
        interactions,
        service_records,
        orders,
        tasks: Vec::new(),
        merged_into: None,
        absorbed: Vec::new(),
        to_fill: Default::default(),
    }
}

#[test]
fn facts_from_customer_are_compact_and_round_trip() {
    let f = Facts::from_customer(&customer());
    assert_eq!(f.orders.len(), 5);
    assert!(f.orders.windows(2).all(|w| w[0].day <= w[1].day), "orders sorted by day");
    assert_eq!(f.interactions.len(), 10);
    assert_eq!(f.services[0].satisfaction, Some(250));
    assert_eq!(f.created, day_of(d("2023-12-20")));
    let bytes = f.encode();
    eprintln!("encoded facts: {} bytes", bytes.len());
    assert!(bytes.len() <= 300, "{} bytes", bytes.len());
    assert_eq!(Facts::decode(&bytes), Ok(f.clone()));
    assert!(Facts::decode(&bytes[..bytes.len() - 1]).is_err(), "truncated");
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Facts::decode(&longer).is_err(), "trailing bytes");
    // JSON shows the id as hex.
    let json = serde_json::to_string(&f).expect("json");
    assert!(json.contains("\"09090909090909090909090909090909\""), "{json}");
}

#[test]
fn figures_of_a_full_customer() {
    let f = Facts::from_customer(&customer());
    let g = Figures::compute(&f, d(AS_OF));
    assert_eq!(g.order_count, 5);
    assert_eq!(g.amount_total, Money::yuan(20_000 + 21_000 + 22_000 + 23_000 + 24_000));
    assert_eq!(g.amount_12m, g.amount_total);
    assert_eq!(g.avg_order, Some(Money::yuan(22_000)));
    assert_eq!(g.repeat_purchases, 4);
    assert_eq!(g.repurchase_rate_bp, 8000);
    assert_eq!(g.first_order, Some(d("2024-01-15")));
    assert_eq!(g.last_order, Some(d("2024-05-14")));
    assert_eq!(g.days_since_last_order, Some(47));
    assert_eq!(g.top_categories[0].category, "工业设备");
    assert_eq!(g.top_categories[0].orders, 3);
    assert_eq!(g.complaints, 1);
    assert_eq!(g.complaint_rate_bp, 2000);
    assert_eq!(g.avg_satisfaction.map(|s| s.hundredths()), Some(325));
    // Follow-ups every 14 days from 2024-01-02: last on 2024-05-07.
    assert_eq!(g.last_interaction, Some(d("2024-05-07")));
    assert_eq!(g.days_since_last_interaction, Some(54));
    assert_eq!(g.interactions_30d, 0);
    assert_eq!(g.interactions_90d, 3, "04-09, 04-23, 05-07");
    assert_eq!(g.latest_intent, Some(IntentLevel::High), "follow-up 9 (2024-05-07) judged high");
    // Won on 2024-01-15; first contact is the created date 2023-12-20; one follow-up before.
    assert_eq!(g.won_on, Some(d("2024-01-15")));
    assert_eq!(g.days_to_won, Some(26));
    assert_eq!(g.follow_ups_to_won, Some(1));
    assert_eq!((g.orders_last_6m, g.orders_prev_6m, g.order_trend), (5, 0, OrderTrend::Rising));
    // As of an earlier date only earlier activity counts.
    let early = Figures::compute(&f, d("2024-02-01"));
    assert_eq!(early.order_count, 1);
    assert_eq!(early.won_on, Some(d("2024-01-15")));
    let before_deal = Figures::compute(&f, d("2024-01-10"));
    assert!(!before_deal.won);
    assert_eq!(before_deal.days_to_won, None);
    assert_eq!(before_deal.avg_order, None);
    // Serialises for the CLI's --json.
    let json = serde_json::to_string(&g).expect("json");
    assert!(json.contains("\"amount_12m\":\"110000.00\""), "{json}");
}

#[test]
fn windows_are_half_open() {
    let f = B::new(1).touch("2024-06-01").touch("2024-05-31").touch("2024-04-01").touch("2024-04-02").build();
    let g = Figures::compute(&f, d(AS_OF));
    assert_eq!(g.interactions_30d, 1, "2024-05-31 is exactly 30 days before 2024-06-30");
    assert_eq!(g.interactions_90d, 3, "2024-04-01 is exactly 90 days before");
    // Calendar months clamp to the end of a shorter month.
    assert_eq!(Window::months(3).start(d("2024-05-31")), day_of(d("2024-02-29")));
    assert_eq!(Window::months(12).start(d("2024-02-29")), day_of(d("2023-02-28")));
    assert_eq!(Window::days(90).start(d(AS_OF)), day_of(d("2024-04-01")));
}
