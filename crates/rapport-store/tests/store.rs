//! The store on a real redb file: writes, indexes, doctor, reindex, merges.

use proptest::prelude::*;
use rapport_doc::{ActorId, ChangeMeta, CustomerDoc, SettingsDoc};
use rapport_model::*;
use rapport_store::{index_keys, Derived, Filter, Store, StoreError, Summary};

fn at(s: &str) -> DateTime {
    parse_datetime("t", s).expect("test date")
}

fn new_store(dir: &tempfile::TempDir) -> Store {
    let settings = SettingsDoc::genesis(&[], &Default::default()).expect("settings");
    Store::init(&dir.path().join("book.redb"), "Li Wei", settings, Vec::new()).expect("init")
}

fn company(name: &str, industry: &str, phone: &str) -> Customer {
    NewCustomer {
        kind: Some(Kind::Company),
        name: name.into(),
        industry: Some(industry.into()),
        source: Some("referral".into()),
        contacts: vec![NewContact { name: "王小明".into(), phone: Some(phone.into()), ..Default::default() }],
        ..Default::default()
    }
    .validate("Li Wei", at("2026-01-05 09:00"))
    .expect("valid")
}

#[test]
fn create_mints_unique_numbers_and_indexes() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir);
    let a = store
        .create(
            company("苏州恒瑞精密机械有限公司", "C", "13812345678"),
            ChangeMeta::new("Li Wei", at("2026-01-05 09:00")),
        )
        .expect("a");
    let b = store
        .create(
            company("Harbor Logistics Co., Ltd.", "G", "13900001111"),
            ChangeMeta::new("Li Wei", at("2026-01-05 09:00")),
        )
        .expect("b");
    let code = &store.identity().device_code;
    assert_eq!(a.number, format!("MFG-2026-{code}-001"));
    assert_eq!(b.number, format!("LOG-2026-{code}-002"));
    assert_eq!(store.resolve(&a.number).expect("resolve"), a.id);
    assert_eq!(store.resolve(&a.id.to_hex()).expect("resolve id"), a.id);
    assert!(matches!(store.resolve("MFG-2026-XXXXXX-009"), Err(StoreError::NotFound(_))));
    let rows = store.list(&Filter { industry: Some("C".into()), ..Default::default() }).expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].summary.number, a.number);
    assert_eq!(store.search("恒瑞", false).expect("search").len(), 1);
    assert_eq!(store.search("HARBOR", false).expect("search").len(), 1);
    assert_eq!(store.search("5678", false).expect("search phone").len(), 1);
    assert!(store.doctor().expect("doctor").problems.is_empty());
}

#[test]
fn edits_move_index_entries_and_archive_hides() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir);
    let a = store
        .create(company("恒瑞", "C", "13812345678"), ChangeMeta::new("Li Wei", at("2026-01-05 09:00")))
        .expect("a");
    let patch = CustomerPatch { stage: Some(Stage::Intent), owner: Some("Wang Fang".into()), ..Default::default() };
    for _ in 0..20 {
        // Many edits force chunk compaction along the way.
        let p = patch.clone();
        store
            .edit(
                a.id,
                Box::new(move |d: &mut CustomerDoc, cur: &Customer| {
                    Ok(d.apply_patch(&p.validate(cur)?, ChangeMeta::new("Li Wei", at("2026-01-06 09:00")))?)
                }),
            )
            .expect("edit");
    }
    let by_stage = |s| store.list(&Filter { stage: Some(s), ..Default::default() }).expect("list").len();
    assert_eq!(by_stage(Stage::Intent), 1);
    assert_eq!(by_stage(Stage::Potential), 0);
    assert_eq!(store.list(&Filter { owner: Some("Wang Fang".into()), ..Default::default() }).expect("owner").len(), 1);
    store
        .edit(
            a.id,
            Box::new(|d: &mut CustomerDoc, _: &Customer| {
                Ok(d.set_archived(true, ChangeMeta::new("Li Wei", at("2026-01-07 09:00")))?)
            }),
        )
        .expect("archive");
    assert_eq!(store.list(&Filter::default()).expect("list").len(), 0);
    assert_eq!(store.list(&Filter { include_archived: true, ..Default::default() }).expect("list").len(), 1);
    assert!(store.doctor().expect("doctor").problems.is_empty());
    assert_eq!(store.reindex().expect("reindex"), 1);
    assert!(store.doctor().expect("doctor").problems.is_empty());
    assert_eq!(store.get(a.id).expect("get").owner, "Wang Fang");
}

#[test]
fn failed_edit_writes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir);
    let a = store
        .create(company("恒瑞", "C", "13812345678"), ChangeMeta::new("Li Wei", at("2026-01-05 09:00")))
        .expect("a");
    let before = store.load_doc(a.id).expect("doc").heads();
    let bad = CustomerPatch { stage: Some(Stage::Won), ..Default::default() };
    let err = store
        .edit(
            a.id,
            Box::new(move |d: &mut CustomerDoc, cur: &Customer| {
                Ok(d.apply_patch(&bad.validate(cur)?, ChangeMeta::new("Li Wei", at("2026-01-06 09:00")))?)
            }),
        )
        .expect_err("won without deal");
    assert!(err.to_string().contains("deal"), "{err}");
    assert_eq!(store.load_doc(a.id).expect("doc").heads(), before);
    assert_eq!(store.events_after(0, 100).expect("events").len(), 1);
}

#[test]
fn refuses_a_file_that_is_not_a_store_and_leaves_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("book.redb");
    std::fs::write(&path, b"just some text, not a database").expect("write");
    let err = Store::open(&path).err().expect("must refuse");
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), b"just some text, not a database");
    assert!(matches!(Store::open(&dir.path().join("missing.redb")), Err(StoreError::NotInitialized(_))));
}

#[test]
fn merged_documents_are_adopted_and_indexed() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = new_store(&dir);
    let a = store
        .create(company("恒瑞", "C", "13812345678"), ChangeMeta::new("Li Wei", at("2026-01-05 09:00")))
        .expect("a");
    let mut remote = store.load_doc(a.id).expect("doc").fork();
    remote.set_actor(ActorId::from(vec![9u8; 24]));
    remote
        .apply_patch(
            &CustomerPatch { source: Some("partner".into()), ..Default::default() },
            ChangeMeta::new("Zhang Min", at("2026-01-09 09:00")),
        )
        .expect("remote");
    let c = store.merge_doc(&mut remote).expect("merge");
    assert_eq!(c.source, "partner");
    assert_eq!(store.list(&Filter { source: Some("partner".into()), ..Default::default() }).expect("list").len(), 1);
    assert!(store.doctor().expect("doctor").problems.is_empty());
}

#[derive(Clone, Debug)]
enum Op {
    Owner(u8),
    Stage(u8),
    Tag(u8, bool),
    Phone(u8),
    Notes(u8),
    FollowUp(u8),
    Archive(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4).prop_map(Op::Owner),
        (0u8..3).prop_map(Op::Stage),
        (0u8..4, any::<bool>()).prop_map(|(t, b)| Op::Tag(t, b)),
        (0u8..4).prop_map(Op::Phone),
        (0u8..4).prop_map(Op::Notes),
        (0u8..4).prop_map(Op::FollowUp),
        any::<bool>().prop_map(Op::Archive),
    ]
}

fn apply(doc: &mut CustomerDoc, op: &Op) {
    let m = ChangeMeta::new("P", at("2026-03-01 10:00"));
    let cur = doc.read().expect("read");
    let owners = ["Li Wei", "Wang Fang", "Zhang Min", "Chen Jie"];
    let r = match op {
        Op::Owner(i) => {
            doc.apply_patch(&CustomerPatch { owner: Some(owners[*i as usize].into()), ..Default::default() }, m)
        }
        Op::Stage(i) => {
            let s = [Stage::Potential, Stage::Intent, Stage::Dormant][*i as usize];
            doc.apply_patch(&CustomerPatch { stage: Some(s), ..Default::default() }, m)
        }
        Op::Tag(i, add) => {
            let t = ["VIP", "展会2025", "key", "cold"][*i as usize].to_string();
            let p = if *add {
                CustomerPatch { add_tags: [t].into(), ..Default::default() }
            } else {
                CustomerPatch { remove_tags: [t].into(), ..Default::default() }
            };
            doc.apply_patch(&p, m)
        }
        Op::Phone(i) => {
            let id = cur.contacts[0].id.0.clone();
            doc.edit_contact(
                &id,
                &ContactPatch { phone: Some(Some(format!("1380000000{i}"))), ..Default::default() },
                m,
            )
        }
        Op::Notes(i) => {
            doc.apply_patch(&CustomerPatch { notes: Some(format!("{} note{i}", cur.notes)), ..Default::default() }, m)
        }
        Op::FollowUp(i) => {
            let x = NewInteraction {
                channel: Some(Channel::Phone),
                summary: format!("call {i}"),
                at: Some(format!("2026-03-0{} 10:00", i + 1)),
                ..Default::default()
            }
            .validate("P", at("2026-03-01 10:00"))
            .expect("valid");
            doc.add_interaction(&x, m)
        }
        Op::Archive(b) => doc.set_archived(*b, m),
    };
    r.expect("apply");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Forks edited independently and merged in every order give identical documents
    /// and identical index entries.
    #[test]
    fn merge_order_does_not_matter(ops in proptest::collection::vec(proptest::collection::vec(op(), 0..6), 3)) {
        let mut c = company("恒瑞精密", "C", "13812345678");
        c.number = "MFG-2026-AAAAAA-001".into();
        let mut base = CustomerDoc::create(&c, ActorId::from(vec![1u8; 24]), ChangeMeta::new("Li Wei", at("2026-01-05 09:00"))).expect("create");
        let mut forks: Vec<CustomerDoc> = (0..3).map(|i| { let mut f = base.fork(); f.set_actor(ActorId::from(vec![10 + i as u8; 24])); f }).collect();
        for (f, ops) in forks.iter_mut().zip(&ops) {
            for o in ops { apply(f, o); }
        }
        let saved: Vec<Vec<u8>> = forks.iter_mut().map(|f| f.save()).collect();
        let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        let mut results = Vec::new();
        for order in orders {
            let mut acc = CustomerDoc::load(&saved[order[0]]).expect("load");
            for &i in &order[1..] {
                let mut other = CustomerDoc::load(&saved[i]).expect("load");
                acc.merge(&mut other).expect("merge");
            }
            let cust = acc.read().expect("read");
            let keys = index_keys(&cust, &Derived::default());
            let summary = Summary::of(&cust, &Derived::default());
            results.push((acc.heads(), cust, keys, summary, acc.conflicts().expect("conflicts")));
        }
        for r in &results[1..] {
            prop_assert_eq!(&r.0, &results[0].0);
            prop_assert_eq!(&r.1, &results[0].1);
            prop_assert_eq!(&r.2, &results[0].2);
            prop_assert_eq!(&r.3, &results[0].3);
            prop_assert_eq!(&r.4, &results[0].4);
        }
    }
}
