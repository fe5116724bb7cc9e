//! One bad document must never stop a team. A member's token and a tool that writes
//! Automerge directly (`common::craft`) send what no Rapport edit would: settings that are
//! not JSON, oversized changes, changes of hundreds of thousands of operations, rewrites of
//! a customer's number, documents of a newer schema. A real relay refuses each with a
//! reason naming the rule, nodes refuse the same from a relay that does not check, and
//! everyone else keeps syncing.

mod common;

use automerge::{AutoCommit, ScalarValue};
use common::craft::{self, HostileRelay};
use common::*;
use rapport_model::*;
use rapport_node::LocalBook;
use rapport_store::Filter;
use rapport_sync::{status, HttpTransport, SETTINGS_ID};

fn settings_of(book: &LocalBook) -> AutoCommit {
    let mut s = book.store.settings_doc().expect("settings");
    s.automerge().fork()
}

fn customer_am(book: &LocalBook, number: &str) -> AutoCommit {
    let id = book.store.resolve(number).expect("resolve");
    let mut doc = book.store.load_doc(id).expect("doc");
    doc.automerge().fork()
}

fn works(book: &LocalBook, customers: usize) {
    let rows = book.list(&Filter { include_archived: true, ..Default::default() }).expect("list works");
    assert_eq!(rows.len(), customers);
    let doctor = book.doctor().expect("doctor works");
    assert!(doctor.problems.is_empty(), "doctor: {:?}", doctor.problems);
}

#[test]
fn a_settings_document_nodes_cannot_read_is_refused_by_the_relay_and_by_nodes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    let tokens = relay.team("east", &["Li Wei", "Mallory"]);
    let li = node(tmp.path(), "li");
    li.add_customer(&company("苏州恒瑞精密机械有限公司")).expect("add");
    sync(&li, &relay.url, &tokens[0]);

    // Through the relay: refused with the field named, nothing stored.
    let bad = craft::settings_not_json(&mut settings_of(&li));
    let mut mallory = HttpTransport::new(&relay.url, &tokens[1]);
    craft::bind_attacker(&mut mallory);
    let results = craft::push(&mut mallory, vec![(CustomerId(SETTINGS_ID), bad.clone())]);
    assert!(craft::refusal(&results[0]).contains("settings.abc"), "{results:?}");
    let wang = node(tmp.path(), "wang");
    let r = sync(&wang, &relay.url, &tokens[0]);
    assert_eq!((r.received_new, r.refused.len()), (1, 0));
    works(&wang, 1);

    // A rule nested 1,100 parentheses deep, which once overflowed every node's parser.
    let deep = craft::settings_deep_rule(&mut settings_of(&li), 1100);
    let results = craft::push(&mut mallory, vec![(CustomerId(SETTINGS_ID), deep.clone())]);
    let why = craft::refusal(&results[0]);
    assert!(why.contains("rules.deep.when") && why.contains("column"), "{why}");
    let (answer, _) = rapport_sync::answer(
        &wang.store,
        rapport_sync::Message::Push { docs: vec![rapport_sync::DocChanges { id: SETTINGS_ID, bytes: deep }] },
        None,
    )
    .expect("answered");
    let rapport_sync::Message::Pushed { results } = answer else { panic!("{answer:?}") };
    assert!(craft::refusal(&results[0]).contains("rules.deep.when"));

    // From a relay that does not check: the node refuses it, says so, and keeps working.
    let mut hostile = HostileRelay { settings: Some(bad.clone()), ..Default::default() };
    let r = rapport_sync::sync_once(&wang.store, &mut hostile).expect("sync completes");
    assert!(r.refused.iter().any(|x| x.customer == "settings" && x.reason.contains("settings.abc")), "{r:?}");
    status::record_success(&wang.store, "relay:hostile", &r, "now").expect("status");
    let hostile_line = status::lines(&wang.store).expect("status").into_iter().find(|l| l.peer == "relay:hostile");
    let hostile_line = hostile_line.expect("a status line for the hostile relay");
    assert!(!hostile_line.status.refused.is_empty() && !hostile_line.in_step, "{hostile_line:?}");
    works(&wang, 1);

    // Over a peer link: the answering node refuses it too.
    let (answer, _) = rapport_sync::answer(
        &wang.store,
        rapport_sync::Message::Push { docs: vec![rapport_sync::DocChanges { id: SETTINGS_ID, bytes: bad }] },
        None,
    )
    .expect("answered");
    let rapport_sync::Message::Pushed { results } = answer else { panic!("{answer:?}") };
    assert!(craft::refusal(&results[0]).contains("settings.abc"));
    works(&wang, 1);
}

#[test]
fn a_node_that_already_holds_an_unreadable_settings_document_still_opens_and_says_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    let tokens = relay.team("east", &["Li Wei"]);
    let path = {
        let li = node(tmp.path(), "li");
        li.add_customer(&company("甲公司")).expect("add");
        sync(&li, &relay.url, &tokens[0]);
        // Written as an older node adopted it, before nodes checked settings documents.
        let bad = craft::settings_not_json(&mut settings_of(&li));
        let mut doc = li.store.settings_doc().expect("settings");
        doc.automerge().load_incremental(&bad).expect("apply");
        li.store.save_settings_doc(&mut doc).expect("save");
        li.store.path().to_path_buf()
    };
    let store = rapport_store::Store::open(&path).expect("the store opens");
    let (li, _) = LocalBook::open(store, rapport_node::Clock::Fixed(at("2026-03-02 18:00"))).expect("the node opens");
    assert_eq!(li.list(&Filter::default()).expect("list").len(), 1);
    let doctor = li.doctor().expect("doctor");
    assert!(doctor.problems.iter().any(|p| p.contains("settings.abc")), "{:?}", doctor.problems);
    let lines = status::lines(&li.store).expect("sync status");
    assert!(lines.iter().all(|l| l.status.refused.iter().any(|r| r.reason.contains("settings.abc"))), "{lines:?}");
    // It keeps syncing customers both ways.
    li.add_customer(&company("乙公司")).expect("add");
    let r = sync(&li, &relay.url, &tokens[0]);
    assert_eq!(r.sent, 1);
}

#[test]
fn oversized_documents_and_changes_are_refused_per_document_and_never_stall_a_pull() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    let tokens = relay.team("east", &["Li Wei", "Mallory"]);
    let li = node(tmp.path(), "li");
    let victim = li.add_customer(&company("丙公司")).expect("add");
    let other = li.add_customer(&company("丁公司")).expect("add");
    sync(&li, &relay.url, &tokens[0]);
    let limits = rapport_doc::LIMITS;
    let mut mallory = HttpTransport::new(&relay.url, &tokens[1]);
    craft::bind_attacker(&mut mallory);

    // Two 20 MiB changes to one customer: each refused, naming the limit.
    let mut doc = customer_am(&li, &victim.number);
    let big = craft::big_change(&mut doc, 20 << 20, 'x');
    for _ in 0..2 {
        let results = craft::push(&mut mallory, vec![(victim.id, big.clone())]);
        assert!(craft::refusal(&results[0]).contains("bytes"), "{results:?}");
    }
    // 300,000 operations that are small on the wire.
    let ops_base = doc.get_heads();
    let ops = craft::many_ops_change(&mut doc, 300_000);
    assert!((ops.len() as u64) < limits.change_bytes, "the change is small: {} bytes", ops.len());
    let results = craft::push(&mut mallory, vec![(victim.id, ops.clone())]);
    assert!(craft::refusal(&results[0]).contains("operations in one change"), "{results:?}");
    // Changes each within the change limit that together take the document over its own.
    let each = (limits.change_bytes as usize) * 9 / 10;
    let mut stored = 0;
    let mut refused = None;
    for fill in ('a'..='z').take(limits.doc_bytes as usize / each + 2) {
        let c = craft::big_change(&mut doc, each, fill);
        match &craft::push(&mut mallory, vec![(victim.id, c.clone())])[0] {
            rapport_sync::DocResult::Stored(_) => {
                doc.load_incremental(&c).expect("apply");
                stored += 1;
            }
            rapport_sync::DocResult::Refused { reason, .. } => {
                refused = Some(reason.clone());
                break;
            }
        }
    }
    let reason = refused.expect("the document limit is reached");
    assert!(reason.contains("bytes in one document"), "{reason}");
    assert!(stored >= 1);

    // A new member still receives the whole book, and edits keep flowing.
    let wang = node(tmp.path(), "wang");
    let r = sync(&wang, &relay.url, &tokens[0]);
    assert_eq!((r.received_new, r.refused.len()), (2, 0), "{:?}", r.refused);
    li.add_interaction(
        &other.number,
        &NewInteraction { channel: Some(Channel::Phone), summary: "回访".into(), ..Default::default() },
    )
    .expect("follow-up");
    sync(&li, &relay.url, &tokens[0]);
    assert_eq!(sync(&wang, &relay.url, &tokens[0]).received_merged, 1);

    // A relay that does not check: the node refuses the oversized change and the rest of
    // the pull goes through; a document the relay will not send is reported and skipped.
    let fresh = node(tmp.path(), "zhao");
    let mut hostile = HostileRelay::default();
    // The same 300,000-operation change, after the customer as it was when it was made.
    let mut whole = customer_am(&li, &victim.number).fork_at(&ops_base).expect("fork").save();
    whole.extend(&ops);
    hostile.docs.push((victim.id, whole));
    hostile.docs.push((other.id, customer_am(&li, &other.number).save()));
    hostile.withheld.push(CustomerId([9; 16]));
    let r = rapport_sync::sync_once(&fresh.store, &mut hostile).expect("the pull completes");
    assert_eq!(r.received_new, 1, "{r:?}");
    assert_eq!(r.refused.len(), 2, "{:?}", r.refused);
    assert!(r.refused.iter().any(|x| x.reason.contains("operations")), "{:?}", r.refused);
    assert!(r.refused.iter().any(|x| x.reason.contains("does not send")), "{:?}", r.refused);
    works(&fresh, 1);
}

#[test]
fn a_customer_number_id_or_schema_cannot_be_rewritten_by_a_later_change() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    let tokens = relay.team("east", &["Li Wei", "Mallory"]);
    let li = node(tmp.path(), "li");
    let victim = li.add_customer(&company("受害公司")).expect("add");
    let mine = li.add_customer(&company("攻击者公司")).expect("add");
    sync(&li, &relay.url, &tokens[0]);
    let mut mallory = HttpTransport::new(&relay.url, &tokens[1]);
    craft::bind_attacker(&mut mallory);
    let mut doc = customer_am(&li, &mine.number);
    let attacks = [
        ("number", craft::rewrite_root(&mut doc, "number", ScalarValue::Str(victim.number.clone().into()))),
        ("id", craft::rewrite_root(&mut doc, "id", ScalarValue::Str(victim.id.to_hex().into()))),
        ("schema", craft::rewrite_root(&mut doc, "schema", ScalarValue::Uint(2))),
    ];
    for (field, bytes) in &attacks {
        let results = craft::push(&mut mallory, vec![(mine.id, bytes.clone())]);
        let why = craft::refusal(&results[0]);
        assert!(why.contains(&format!("`{field}` is set once")), "{field}: {why}");
        // Nodes refuse the same change from a peer or a relay that does not check.
        let mut hostile = HostileRelay::default();
        let mut whole = customer_am(&li, &mine.number).save();
        whole.extend(bytes);
        hostile.docs.push((mine.id, whole));
        let fresh = node(tmp.path(), &format!("n-{field}"));
        let r = rapport_sync::sync_once(&fresh.store, &mut hostile).expect("sync");
        assert!(r.refused.iter().any(|x| x.reason.contains("is set once")), "{field}: {r:?}");
    }
    // A new document claiming the victim's number is refused too.
    let mut thief = craft::customer("冒名公司");
    thief.number = victim.number.clone();
    let mut doc = rapport_doc::CustomerDoc::create(
        &thief,
        craft::attacker(),
        rapport_doc::ChangeMeta::new("Mallory", thief.created_at),
    )
    .expect("create");
    let results = craft::push(&mut mallory, vec![(thief.id, doc.save())]);
    assert!(craft::refusal(&results[0]).contains("is already held by customer"), "{results:?}");
    // The victim's next follow-up lands on the victim.
    let wang = node(tmp.path(), "wang");
    sync(&wang, &relay.url, &tokens[0]);
    let w = wang
        .add_interaction(
            &victim.number,
            &NewInteraction { channel: Some(Channel::Visit), summary: "上门拜访".into(), ..Default::default() },
        )
        .expect("follow-up");
    assert_eq!(w.id, victim.id);

    // A document of a newer schema is refused with the reason, not hidden.
    let mut c = craft::customer("未来公司");
    c.schema = SCHEMA_VERSION + 1;
    let mut newer =
        rapport_doc::CustomerDoc::create(&c, craft::attacker(), rapport_doc::ChangeMeta::new("Mallory", c.created_at))
            .expect("create");
    let results = craft::push(&mut mallory, vec![(c.id, newer.save())]);
    let why = craft::refusal(&results[0]);
    assert!(why.contains(&format!("schema {}", SCHEMA_VERSION + 1)), "{why}");
}
