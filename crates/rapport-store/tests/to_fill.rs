//! Legacy won customers imported without deal date or contract number: flagged 待补充 in
//! `Customer::to_fill`, accepted by the document check every node and the relay run, listed
//! by the `to_fill` filter, and unflagged by the local edit that fills the deal. A won
//! customer without a deal and without the flag is still refused.

use rapport_doc::{ActorId, ChangeMeta, CustomerDoc, SettingsDoc};
use rapport_model::*;
use rapport_store::{Actor, Filter, Store};

fn at(s: &str) -> DateTime {
    parse_datetime("t", s).expect("test date")
}

fn new_store(dir: &tempfile::TempDir) -> Store {
    let settings = SettingsDoc::genesis(&[], &Default::default()).expect("settings");
    Store::init(&dir.path().join("book.redb"), "Li Wei", settings, Vec::new()).expect("init")
}

fn li_wei() -> Actor {
    Actor { name: "Li Wei".into(), now: at("2026-01-05 09:00") }
}

/// What the import plans for a legacy won row with an amount and nothing else.
fn legacy_won() -> NewCustomer {
    NewCustomer {
        kind: Some(Kind::Company),
        name: "老客户机械有限公司".into(),
        industry: Some("C".into()),
        source: Some("展会".into()),
        stage: Some(Stage::Won),
        to_fill: ["deal.amount", "deal.date", "deal.contract_no"].iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn deal() -> Deal {
    Deal { amount: Money::yuan(50_000), date: parse_date("d", "2023-06-01").expect("d"), contract_no: "HT-9".into() }
}

#[test]
fn a_flagged_legacy_customer_is_stored_listed_and_passes_the_document_check() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir);
    let by = li_wei();
    let legacy = store.add_customer(&legacy_won(), &by).expect("a flagged won customer is valid");
    let plain = NewCustomer {
        kind: Some(Kind::Company),
        name: "新客户".into(),
        industry: Some("C".into()),
        source: Some("referral".into()),
        ..Default::default()
    };
    store.add_customer(&plain, &by).expect("plain");
    assert_eq!(store.get(legacy.id).expect("get").to_fill.len(), 3);

    let flagged = store.list(&Filter { to_fill: true, ..Default::default() }).expect("list");
    assert_eq!(flagged.iter().map(|r| r.summary.name.as_str()).collect::<Vec<_>>(), vec!["老客户机械有限公司"]);
    assert_eq!(store.list(&Filter::default()).expect("all").len(), 2);
    let by_customer = store.to_fill().expect("to_fill");
    assert_eq!(by_customer.get(&legacy.id).map(Vec::len), Some(3));

    // The document a peer or the relay receives passes the shared check.
    let mut doc =
        CustomerDoc::create(&legacy, ActorId::from(vec![7u8; 16]), ChangeMeta::new("Li Wei", by.now)).expect("doc");
    let read = doc.check(legacy.id).expect("a flagged legacy customer passes the check");
    assert_eq!(read.to_fill, legacy.to_fill);
    assert_eq!(store.doctor().expect("doctor").problems, Vec::<String>::new());
}

#[test]
fn an_unflagged_won_customer_without_a_deal_is_refused_by_the_check() {
    let mut c = legacy_won().validate("Li Wei", at("2026-01-05 09:00")).expect("valid");
    c.number = "MFG-2026-TEST00-001".into();
    c.to_fill.clear();
    let err = c.check().expect_err("won without deal or flag");
    assert!(err.fields.iter().any(|f| f.field == "deal"), "{err}");
    let mut doc =
        CustomerDoc::create(&c, ActorId::from(vec![7u8; 16]), ChangeMeta::new("Li Wei", c.created_at)).expect("doc");
    assert!(doc.check(c.id).is_err(), "a peer's document with such a customer is refused");
    // Junk in the flag is refused too.
    c.to_fill.insert("deal.colour".into());
    let err = c.check().expect_err("unknown flag");
    assert!(err.fields.iter().any(|f| f.field == "to_fill"), "{err}");
    // Local input cannot set the flag: JSON has no such field.
    let json = r#"{"kind":"company","name":"x","industry":"C","source":"s","stage":"won","to_fill":["deal.date"]}"#;
    assert!(serde_json::from_str::<NewCustomer>(json).is_err());
}

#[test]
fn filling_the_deal_locally_clears_the_flag_and_local_edits_keep_requiring_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir);
    let by = li_wei();
    let c = store.add_customer(&legacy_won(), &by).expect("legacy");
    // A placeholder is not a contract number a member can type.
    let placeholder = Deal { contract_no: TO_FILL.into(), ..deal() };
    let err = store
        .patch_customer(c.id, &CustomerPatch { deal: Some(placeholder), ..Default::default() }, None, &by)
        .expect_err("待补充 typed as a contract number");
    assert!(err.to_string().contains("deal.contract_no"), "{err}");
    // Stage won by hand still needs the whole deal.
    let intent = store
        .add_customer(&NewCustomer { stage: Some(Stage::Intent), to_fill: Default::default(), ..legacy_won() }, &by)
        .expect("intent");
    let err = store
        .patch_customer(
            intent.id,
            &CustomerPatch { stage: Some(Stage::Won), ..Default::default() },
            Some("签约".into()),
            &by,
        )
        .expect_err("won without deal");
    assert!(err.to_string().contains("deal"), "{err}");

    let filled = store
        .patch_customer(c.id, &CustomerPatch { deal: Some(deal()), ..Default::default() }, None, &by)
        .expect("fill the deal");
    assert!(filled.to_fill.is_empty(), "{:?}", filled.to_fill);
    assert_eq!(filled.deal, Some(deal()));
    assert!(store.list(&Filter { to_fill: true, ..Default::default() }).expect("list").is_empty());
    assert_eq!(store.doctor().expect("doctor").problems, Vec::<String>::new());
}

#[test]
fn other_phones_are_stored_masked_matched_and_searched_like_the_phone() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir);
    let by = li_wei();
    let contact = |phone: &str, other: &[&str]| NewContact {
        name: "张伟".into(),
        phone: Some(phone.into()),
        other_phones: other.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let with = |name: &str, c: NewContact| NewCustomer {
        kind: Some(Kind::Company),
        name: name.into(),
        industry: Some("C".into()),
        source: Some("展会".into()),
        contacts: vec![c],
        ..Default::default()
    };
    let a = store.add_customer(&with("甲公司", contact("13812345678", &["021-12345678"])), &by).expect("a");
    store.add_customer(&with("乙公司", contact("02112345678", &[])), &by).expect("b");
    assert_eq!(store.get(a.id).expect("get").contacts[0].other_phones, vec!["021-12345678".to_string()]);
    let found = store.duplicates().expect("dedupe");
    assert_eq!(found.pairs.len(), 1);
    assert!(found.pairs[0].reasons.iter().any(|r| r.contains("021-****5678")), "{:?}", found.pairs[0].reasons);
    assert_eq!(store.search("021-1234", false).expect("search").len(), 2);
    assert_eq!(mask_phone("021-12345678"), "021-****5678");
    // Bad or too many other phones are refused by the input check.
    let bad = store.add_customer(&with("丙公司", contact("13812345678", &["12345"])), &by).expect_err("bad");
    assert!(bad.to_string().contains("other_phones"), "{bad}");
    let many: Vec<String> = (0..6).map(|i| format!("0571-888888{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let err = store.add_customer(&with("丁公司", contact("13812345678", &many)), &by).expect_err("too many");
    assert!(err.to_string().contains("at most 5"), "{err}");
}

/// The owner filter compares member names in any case and width (`wang fang`, `ＷＡＮＧ
/// ＦＡＮＧ`), through the same `member_key` the API's in-memory list uses.
#[test]
fn the_owner_filter_finds_a_member_in_any_case_and_width() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir);
    for (name, owner) in [("甲机械有限公司", "Wang Fang"), ("乙机械有限公司", "Li Wei")] {
        let new = NewCustomer {
            kind: Some(Kind::Company),
            name: name.into(),
            industry: Some("C".into()),
            source: Some("展会".into()),
            owner: Some(owner.into()),
            ..Default::default()
        };
        let c = new.validate("Li Wei", at("2026-01-05 09:00")).expect("valid");
        store.create(c, ChangeMeta::new("Li Wei", at("2026-01-05 09:00"))).expect("create");
    }
    for asked in ["Wang Fang", "wang fang", "WANG  FANG", "ｗａｎｇ　ｆａｎｇ"] {
        let rows = store.list(&Filter { owner: Some(asked.into()), ..Default::default() }).expect("list");
        let names: Vec<&str> = rows.iter().map(|r| r.summary.name.as_str()).collect();
        assert_eq!(names, ["甲机械有限公司"], "{asked}");
    }
    assert!(store.list(&Filter { owner: Some("wang".into()), ..Default::default() }).expect("list").is_empty());
}
