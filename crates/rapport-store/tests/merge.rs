//! Duplicates and merges on real redb files: finding pairs by credit code, phone and
//! normalised name; merging two customers keeping every item; the absorbed number as an
//! alias; and the same merge made on two offline stores converging.

use rapport_doc::SettingsDoc;
use rapport_model::*;
use rapport_store::{Actor, Filter, Store, StoreError};

fn at(s: &str) -> DateTime {
    parse_datetime("t", s).expect("test date")
}

fn new_store(dir: &tempfile::TempDir, who: &str) -> Store {
    let settings = SettingsDoc::genesis(&[], &Default::default()).expect("settings");
    Store::init(&dir.path().join("book.redb"), who, settings, Vec::new()).expect("init")
}

fn actor(name: &str) -> Actor {
    Actor { name: name.into(), now: at("2026-03-02 10:00") }
}

fn add(store: &Store, name: &str, credit: Option<&str>, phone: &str) -> Customer {
    let new = NewCustomer {
        kind: Some(Kind::Company),
        name: name.into(),
        credit_code: credit.map(str::to_string),
        industry: Some("C".into()),
        source: Some("展会".into()),
        contacts: vec![NewContact {
            name: format!("{name} 联系人"), phone: Some(phone.into()), ..Default::default()
        }],
        ..Default::default()
    };
    store.add_customer(&new, &actor("Li Wei")).expect("add")
}

fn follow_up(store: &Store, c: &Customer, summary: &str) {
    let i = NewInteraction {
        at: Some("2026-02-01 09:00".into()),
        channel: Some(Channel::Phone),
        summary: summary.into(),
        ..Default::default()
    };
    store.add_interaction(c.id, &i, &actor("Li Wei")).expect("interaction");
}

fn order(store: &Store, c: &Customer, yuan: i64) {
    let o = NewOrder {
        date: Some("2026-02-10".into()),
        amount: Some(Money(yuan * 100)),
        category: "bearings".into(),
        ..Default::default()
    };
    store.add_order(c.id, &o, &actor("Li Wei")).expect("order");
}

#[test]
fn dedupe_finds_pairs_by_credit_code_phone_and_normalised_name() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir, "Li Wei");
    let a = add(&store, "苏州恒瑞精密机械有限公司", Some("91350100M000100Y43"), "13812345678");
    let b = add(&store, "苏州恒瑞精密机械", None, "13900001111");
    let c = add(&store, "ＡＢＣ Trading Co., Ltd.", None, "13700002222");
    let d = add(&store, "abc trading", Some("91350100M000100Y43"), "13700002222");
    let _e = add(&store, "Unrelated Works", None, "13600003333");
    let f = add(&store, "Harbor Logistics", None, "13500004444");
    let g = add(&store, "Harbor Logistics Ltd.", None, "13400005555");
    store.set_archived(g.id, true, None, &actor("Li Wei")).expect("archive");
    let found = store.duplicates().expect("dedupe");
    let pairs: Vec<(String, String, u32)> =
        found.pairs.iter().map(|p| (p.keep.summary.name.clone(), p.merge.summary.name.clone(), p.score)).collect();
    // a-d share a credit code; c-d a phone and a name; a-b a name; f-g a name but g is archived.
    assert_eq!(
        pairs,
        vec![
            ("苏州恒瑞精密机械有限公司".to_string(), "abc trading".to_string(), 95),
            ("ＡＢＣ Trading Co., Ltd.".to_string(), "abc trading".to_string(), 85),
            ("苏州恒瑞精密机械有限公司".to_string(), "苏州恒瑞精密机械".to_string(), 65),
        ]
    );
    let cd = &found.pairs[1];
    assert_eq!(cd.reasons, vec!["same phone 137****2222".to_string(), "same normalised name `abctrading`".to_string()]);
    assert!(found.crowded.is_empty());
    let _ = (a, b, c, d, f);
}

#[test]
fn names_differing_only_by_invisible_characters_are_duplicates_and_found_by_search() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir, "Li Wei");
    let plain = add(&store, "恒瑞机械有限公司", None, "13812345678");
    let zero_width = add(&store, "恒\u{200B}瑞机械有限公司\u{FEFF}", None, "13900001111");
    let nbsp = add(&store, "Acme\u{00A0}Trading", None, "13700002222");
    let spaced = add(&store, "Acme Trading", None, "13600003333");
    let found = store.duplicates().expect("dedupe");
    let pairs: Vec<(String, String)> =
        found.pairs.iter().map(|p| (p.keep.summary.name.clone(), p.merge.summary.name.clone())).collect();
    assert!(pairs.contains(&(plain.name.clone(), zero_width.name.clone())), "{pairs:?}");
    assert!(
        pairs.contains(&(nbsp.name.clone(), spaced.name.clone()))
            || pairs.contains(&(spaced.name.clone(), nbsp.name.clone())),
        "{pairs:?}"
    );
    let hits: Vec<String> =
        store.search("恒瑞机械", false).expect("search").into_iter().map(|r| r.summary.name).collect();
    assert_eq!(hits.len(), 2, "{hits:?}");
    // Typed with an invisible character too.
    assert_eq!(store.search("恒瑞\u{200B}机械", false).expect("search").len(), 2);
    assert_eq!(store.search("acme trading", false).expect("search").len(), 2);
}

#[test]
fn a_key_shared_by_many_is_reported_once_not_as_pairs() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir, "Li Wei");
    for i in 0..(rapport_store::CROWDED + 1) {
        add(&store, &format!("Branch {i}"), None, "02161234567");
    }
    let found = store.duplicates().expect("dedupe");
    assert!(found.pairs.is_empty());
    assert_eq!(found.crowded.len(), 1);
    assert_eq!(found.crowded[0].customers, rapport_store::CROWDED + 1);
    assert_eq!(found.crowded[0].kind, "phone");
}

#[test]
fn merge_keeps_every_item_and_leaves_the_number_as_an_alias() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir, "Li Wei");
    let a = add(&store, "苏州恒瑞精密机械有限公司", None, "13812345678");
    let b = add(&store, "苏州恒瑞精密机械", Some("91350100M000100Y43"), "13900001111");
    follow_up(&store, &a, "first call");
    follow_up(&store, &b, "visit at the plant");
    order(&store, &b, 120_000);
    let out = store.merge_customers(a.id, b.id, Some("same company".into()), &actor("Li Wei")).expect("merge");
    assert_eq!(out.items_taken, 3, "one contact, one follow-up, one order");
    let s = out.survivor;
    assert_eq!(s.contacts.len(), 2);
    assert_eq!(s.contacts.iter().filter(|c| c.primary).count(), 1, "the survivor keeps one primary contact");
    assert_eq!(s.interactions.len(), 2);
    assert_eq!(s.orders.len(), 1);
    assert_eq!(s.credit_code.as_deref(), Some("91350100M000100Y43"), "a field the survivor lacked is filled");
    assert_eq!(s.absorbed.len(), 1);
    assert_eq!(s.absorbed[0].number, b.number);
    let gone = store.get(b.id).expect("absorbed doc");
    assert!(gone.archived);
    assert_eq!(gone.merged_into, Some(a.id));
    assert_eq!(store.resolve(&b.number).expect("alias"), a.id, "the absorbed number resolves to the survivor");
    let rows = store.list(&Filter::default()).expect("list");
    assert_eq!(rows.len(), 1);
    let history = store.load_doc(a.id).expect("doc").history();
    assert!(history.iter().any(|h| h.what.contains(&b.number) && h.why.as_deref() == Some("same company")));
    // Repeating the merge takes only what is new.
    let again = store.merge_customers(a.id, b.id, None, &actor("Li Wei")).expect("again");
    assert_eq!(again.items_taken, 0);
    assert!(store.doctor().expect("doctor").problems.is_empty());
    store.reindex().expect("reindex");
    assert_eq!(store.resolve(&b.number).expect("alias after reindex"), a.id);
}

#[test]
fn merge_refuses_what_makes_no_sense() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir, "Li Wei");
    let a = add(&store, "A Works", None, "13812345678");
    let b = add(&store, "B Works", None, "13900001111");
    let c = add(&store, "C Works", None, "13700001111");
    let bad = |r: Result<_, StoreError>, field: &str| match r {
        Err(StoreError::Invalid(v)) => assert!(v.to_string().contains(field), "{v}"),
        other => panic!("expected invalid {field}, got {other:?}"),
    };
    bad(store.merge_customers(a.id, a.id, None, &actor("Li Wei")), "customers");
    store.merge_customers(a.id, b.id, None, &actor("Li Wei")).expect("merge");
    bad(store.merge_customers(b.id, c.id, None, &actor("Li Wei")), "into");
    bad(store.merge_customers(c.id, b.id, None, &actor("Li Wei")), "customer");
}

#[test]
fn the_same_merge_on_two_offline_stores_converges() {
    let (d1, d2) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let (s1, s2) = (new_store(&d1, "Li Wei"), new_store(&d2, "Zhang Min"));
    let a = add(&s1, "Harbor Logistics Ltd.", None, "13812345678");
    let b = add(&s1, "Harbor Logistics", None, "13900001111");
    follow_up(&s1, &b, "call");
    for id in [a.id, b.id] {
        s2.merge_doc(&mut s1.load_doc(id).expect("doc")).expect("copy");
    }
    // Offline: both merge; node 2 also adds a follow-up to the absorbed customer first.
    follow_up(&s2, &b, "late visit");
    s1.merge_customers(a.id, b.id, None, &actor("Li Wei")).expect("merge 1");
    s2.merge_customers(a.id, b.id, None, &actor("Zhang Min")).expect("merge 2");
    for id in [a.id, b.id] {
        s2.merge_doc(&mut s1.load_doc(id).expect("doc")).expect("1 -> 2");
        s1.merge_doc(&mut s2.load_doc(id).expect("doc")).expect("2 -> 1");
    }
    for id in [a.id, b.id] {
        let (mut x, mut y) = (s1.load_doc(id).expect("1"), s2.load_doc(id).expect("2"));
        assert_eq!(x.heads(), y.heads());
        assert_eq!(x.read().expect("read"), y.read().expect("read"));
        assert!(x.conflicts().expect("conflicts").is_empty(), "{:?}", x.conflicts());
    }
    let survivor = s1.get(a.id).expect("survivor");
    assert_eq!(survivor.interactions.len(), 2, "both nodes' copies of the absorbed follow-ups");
    assert_eq!(survivor.contacts.len(), 2);
    for s in [&s1, &s2] {
        assert_eq!(s.resolve(&b.number).expect("alias"), a.id);
        assert!(s.doctor().expect("doctor").problems.is_empty());
    }
}
