//! The node's book: rules and settings as team data, derived tags kept out of documents,
//! re-evaluation when rules change, and identical answers on every node.

mod common;

use common::{at, node};
use rapport_doc::{ActorId, ChangeMeta};
use rapport_model::*;
use rapport_node::{default_settings_doc, Clock, LocalBook};
use rapport_rules::{Rule, TierModel};
use rapport_store::{Filter, Store};

#[test]
fn nodes_initialised_apart_share_the_default_settings() {
    let mut a = default_settings_doc().expect("a");
    let mut b = default_settings_doc().expect("b");
    assert_eq!(a.heads(), b.heads(), "the genesis change is identical on every node");
    a.merge(&mut b).expect("merge");
    assert_eq!(a.rules().expect("rules").len(), rapport_rules::default_rules().len());
}

#[test]
fn concurrent_edits_to_different_rules_merge() {
    let mut base = default_settings_doc().expect("settings");
    let mut a = base.fork();
    a.set_actor(ActorId::from(vec![1u8; 24]));
    let mut b = base.fork();
    b.set_actor(ActorId::from(vec![2u8; 24]));
    let mut ra = a.rules().expect("rules");
    ra.iter_mut().find(|r| r.name == "reawaken").expect("reawaken").when = "days_since_last_interaction >= 60".into();
    let rec = ra.into_iter().find(|r| r.name == "reawaken").expect("reawaken");
    a.put_rule(&rec, ChangeMeta::new("Li Wei", at("2026-03-01 10:00"))).expect("edit a");
    let mut rb = b.rules().expect("rules");
    rb.iter_mut().find(|r| r.name == "high_value").expect("high_value").when =
        "orders.amount within 12 months > 800000".into();
    let rec = rb.into_iter().find(|r| r.name == "high_value").expect("high_value");
    b.put_rule(&rec, ChangeMeta::new("Wang Fang", at("2026-03-01 10:05"))).expect("edit b");
    let mut s = std::collections::BTreeMap::new();
    s.insert("abc".to_string(), r#"{"a_share_bp":7000,"b_share_bp":9000}"#.to_string());
    b.set_settings(&s, ChangeMeta::new("Wang Fang", at("2026-03-01 10:06"))).expect("settings b");
    a.merge(&mut b).expect("merge");
    let rules = a.rules().expect("rules");
    assert_eq!(rules.iter().find(|r| r.name == "reawaken").expect("r").when, "days_since_last_interaction >= 60");
    assert_eq!(
        rules.iter().find(|r| r.name == "high_value").expect("h").when,
        "orders.amount within 12 months > 800000"
    );
    assert!(a.settings().expect("settings").contains_key("abc"));
}

fn won_customer(book: &LocalBook, name: &str, amount: &str) -> String {
    let c = book
        .add_customer(&NewCustomer {
            kind: Some(Kind::Company),
            name: name.into(),
            industry: Some("C".into()),
            source: Some("referral".into()),
            ..Default::default()
        })
        .expect("add");
    book.add_order(
        &c.number,
        &NewOrder {
            date: Some("2026-02-20".into()),
            amount: Some(Money::parse("a", amount).expect("amount")),
            category: "bearings".into(),
            product: None,
        },
    )
    .expect("order");
    c.number
}

#[test]
fn rule_tags_follow_edits_and_rule_changes_without_touching_documents() {
    let dir = tempfile::tempdir().expect("tmp");
    let book = node(&dir, "li", "2026-03-02 10:00");
    let big = won_customer(&book, "恒瑞精密", "600000");
    let small = won_customer(&book, "Acme Trading", "1000");
    let tagged = |tag: &str| -> Vec<String> {
        book.list(&Filter { tag: Some(tag.into()), ..Default::default() })
            .expect("list")
            .into_iter()
            .map(|r| r.summary.number)
            .collect()
    };
    assert_eq!(tagged("高价值客户"), vec![big.clone()]);
    assert_eq!(tagged("活跃客户").len(), 2, "ordered within 30 days");
    let heads_before = book.store.load_doc(book.store.resolve(&small).expect("id")).expect("doc").heads();
    book.put_rule(&Rule::new("tiny", "小客户", "amount_12m < 5000"), true).expect("add rule");
    assert_eq!(tagged("小客户"), vec![small.clone()]);
    let heads_after = book.store.load_doc(book.store.resolve(&small).expect("id")).expect("doc").heads();
    assert_eq!(heads_before, heads_after, "a derived tag never writes into the customer document");
    let test =
        book.test_rule(&Rule::new("draft", "x", "amount_12m >= 1000"), at("2026-03-02 10:00").date()).expect("test");
    assert_eq!(test.len(), 2);
    assert!(tagged("x").is_empty(), "rules test saves nothing");
    book.remove_rule("tiny").expect("remove");
    assert!(tagged("小客户").is_empty());
    let bad = book.put_rule(&Rule::new("bad", "t", "amount_12 > 1"), true).expect_err("unknown field");
    assert!(bad.to_string().contains("did you mean `amount_12m`"), "{bad}");
    let summary = book.tiers_summary(TierModel::Sabc, at("2026-03-02 10:00").date()).expect("summary");
    assert_eq!(summary.customers, 2);
    assert!(book.store.doctor().expect("doctor").problems.is_empty());
}

#[test]
fn the_date_moving_on_re_evaluates_the_book() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("b.redb");
    let store = Store::init(&path, "li", default_settings_doc().expect("settings"), Vec::new()).expect("init");
    let book = LocalBook::open(store, Clock::Fixed(at("2026-03-02 10:00"))).expect("open").0;
    let n = won_customer(&book, "恒瑞精密", "1000");
    let active =
        |b: &LocalBook| b.list(&Filter { tag: Some("活跃客户".into()), ..Default::default() }).expect("list").len();
    assert_eq!(active(&book), 1);
    drop(book);
    // Forty days later the order is no longer within 30 days: opening re-evaluates.
    let (book, refreshed) =
        LocalBook::open(Store::open(&path).expect("open"), Clock::Fixed(at("2026-04-11 10:00"))).expect("open");
    let r = refreshed.expect("a refresh ran because the date changed");
    assert_eq!((r.customers, r.changed), (1, 1));
    assert_eq!(active(&book), 0);
    assert!(book
        .explain(&n, at("2026-03-02 10:00").date())
        .expect("explain")
        .rules
        .iter()
        .any(|r| r.rule == "active" && r.matched));
}
