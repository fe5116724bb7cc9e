//! Concurrent offline edits merge the way a user expects.

use rapport_doc::{ActorId, ChangeMeta, CustomerDoc};
use rapport_model::*;

fn at(s: &str) -> DateTime {
    parse_datetime("t", s).expect("test date")
}

fn base() -> CustomerDoc {
    let new = NewCustomer {
        kind: Some(Kind::Company),
        name: "苏州恒瑞精密机械有限公司".into(),
        industry: Some("C".into()),
        source: Some("trade_show".into()),
        notes: Some("Met at the fair.".into()),
        contacts: vec![NewContact {
            name: "王小明".into(), phone: Some("13812345678".into()), ..Default::default()
        }],
        ..Default::default()
    };
    let mut c = new.validate("Li Wei", at("2026-01-05 09:00")).expect("valid");
    c.number = "MFG-2026-ABCDEF-001".into();
    CustomerDoc::create(&c, ActorId::from(vec![1u8; 24]), ChangeMeta::new("Li Wei", at("2026-01-05 09:00")))
        .expect("create")
}

fn fork_as(doc: &mut CustomerDoc, actor: u8) -> CustomerDoc {
    let mut f = doc.fork();
    f.set_actor(ActorId::from(vec![actor; 24]));
    f
}

fn meta(who: &str) -> ChangeMeta {
    ChangeMeta::new(who, at("2026-02-01 10:00"))
}

#[test]
fn different_fields_both_survive() {
    let mut a = base();
    let mut b = fork_as(&mut a, 2);
    a.apply_patch(&CustomerPatch { owner: Some("Wang Fang".into()), ..Default::default() }, meta("A")).expect("a");
    b.apply_patch(&CustomerPatch { size: Some(Some("100-500".into())), ..Default::default() }, meta("B")).expect("b");
    a.merge(&mut b).expect("merge");
    let c = a.read().expect("read");
    assert_eq!(c.owner, "Wang Fang");
    assert_eq!(c.size.as_deref(), Some("100-500"));
    assert!(a.conflicts().expect("conflicts").is_empty());
}

#[test]
fn follow_ups_added_on_two_nodes_both_survive() {
    let mut a = base();
    let mut b = fork_as(&mut a, 2);
    let i1 =
        NewInteraction {
            channel: Some(Channel::Phone), summary: "电话沟通三季度采购量".into(), ..Default::default()
        }
        .validate("A", at("2026-02-01 10:00"))
        .expect("i1");
    let i2 = NewInteraction { channel: Some(Channel::Visit), summary: "Site visit".into(), ..Default::default() }
        .validate("B", at("2026-02-01 11:00"))
        .expect("i2");
    a.add_interaction(&i1, meta("A")).expect("a");
    b.add_interaction(&i2, meta("B")).expect("b");
    a.merge(&mut b).expect("merge");
    let c = a.read().expect("read");
    assert_eq!(c.interactions.len(), 2);
    assert_eq!(c.interactions[0].summary, "电话沟通三季度采购量");
    assert_eq!(c.interactions[1].summary, "Site visit");
}

#[test]
fn notes_merge_as_text() {
    let mut a = base();
    let mut b = fork_as(&mut a, 2);
    a.apply_patch(
        &CustomerPatch { notes: Some("Important: Met at the fair.".into()), ..Default::default() },
        meta("A"),
    )
    .expect("a");
    b.apply_patch(
        &CustomerPatch { notes: Some("Met at the fair. Wants quarterly delivery.".into()), ..Default::default() },
        meta("B"),
    )
    .expect("b");
    a.merge(&mut b).expect("merge");
    assert_eq!(a.read().expect("read").notes, "Important: Met at the fair. Wants quarterly delivery.");
}

#[test]
fn same_field_conflict_is_deterministic_and_visible() {
    let mut a = base();
    let mut b = fork_as(&mut a, 2);
    a.apply_patch(&CustomerPatch { owner: Some("Wang Fang".into()), ..Default::default() }, meta("A")).expect("a");
    b.apply_patch(&CustomerPatch { owner: Some("Zhang Min".into()), ..Default::default() }, meta("B")).expect("b");
    let mut a2 = a.fork();
    let mut b2 = b.fork();
    a.merge(&mut b).expect("merge ab");
    b2.merge(&mut a2).expect("merge ba");
    let (ca, cb) = (a.read().expect("a"), b2.read().expect("b"));
    assert_eq!(ca.owner, cb.owner, "same winner in both merge orders");
    let conflicts = a.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].field, "owner");
    assert_eq!(conflicts[0].value, ca.owner);
    let loser = if ca.owner == "Wang Fang" { "Zhang Min" } else { "Wang Fang" };
    assert_eq!(conflicts[0].losing, vec![loser.to_string()]);
}

#[test]
fn contact_fields_merge_per_field() {
    let mut a = base();
    let id = a.read().expect("read").contacts[0].id.0.clone();
    let mut b = fork_as(&mut a, 2);
    a.edit_contact(&id, &ContactPatch { phone: Some(Some("13900001111".into())), ..Default::default() }, meta("A"))
        .expect("a");
    b.edit_contact(&id, &ContactPatch { email: Some(Some("wang@hengrui.cn".into())), ..Default::default() }, meta("B"))
        .expect("b");
    a.merge(&mut b).expect("merge");
    let c = a.read().expect("read");
    assert_eq!(c.contacts[0].phone.as_deref(), Some("13900001111"));
    assert_eq!(c.contacts[0].email.as_deref(), Some("wang@hengrui.cn"));
}

#[test]
fn history_records_author_time_and_reason() {
    let mut a = base();
    let deal = Deal {
        amount: Money::yuan(120_000),
        date: parse_date("d", "2026-02-01").expect("d"),
        contract_no: "HT-2026-001".into(),
    };
    a.apply_patch(
        &CustomerPatch { stage: Some(Stage::Won), deal: Some(deal), ..Default::default() },
        meta("Wang Fang").because(Some("signed".into())),
    )
    .expect("won");
    let h = a.history();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].author, "Li Wei");
    assert_eq!(h[1].author, "Wang Fang");
    assert_eq!(h[1].why.as_deref(), Some("signed"));
    assert!(h[1].what.contains("stage potential -> won"), "{}", h[1].what);
    assert_eq!(h[1].at, "2026-02-01 10:00:00");
}

#[test]
fn round_trips_through_save_and_load() {
    let mut a = base();
    let bytes = a.save();
    let b = CustomerDoc::load(&bytes).expect("load");
    assert_eq!(a.read().expect("a"), b.read().expect("b"));
    assert!(CustomerDoc::load(b"not a document").is_err());
}

/// Edits made within the same second are listed in the order they were made (each after
/// the change it builds on), not by hash.
#[test]
fn history_lists_edits_of_the_same_second_in_the_order_they_were_made() {
    let mut a = base();
    let same = ChangeMeta::new("Wang Fang", at("2026-02-01 10:00"));
    for i in 0..12 {
        let notes = format!("call {i}");
        let why = Some(format!("call {i}"));
        a.apply_patch(&CustomerPatch { notes: Some(notes), ..Default::default() }, same.clone().because(why))
            .expect("edit");
    }
    let h = a.history();
    assert_eq!(h.len(), 13);
    let order: Vec<usize> =
        h[1..].iter().filter_map(|e| e.why.as_deref()?.strip_prefix("call ")?.parse().ok()).collect();
    assert_eq!(order, (0..12).collect::<Vec<_>>(), "{:?}", h.iter().map(|e| &e.why).collect::<Vec<_>>());
}
