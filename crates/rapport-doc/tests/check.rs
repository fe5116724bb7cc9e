//! `CustomerDoc::check` and `inspect`: what every node and the relay refuse, each case
//! crafted with Automerge directly as a hostile tool would write it.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use rapport_doc::{inspect, ChangeMeta, CustomerDoc, DocError, LIMITS};
use rapport_model::*;

fn at(s: &str) -> DateTime {
    parse_datetime("t", s).expect("test date")
}

fn customer() -> Customer {
    let new = NewCustomer {
        kind: Some(Kind::Company),
        name: "苏州恒瑞精密机械有限公司".into(),
        industry: Some("C".into()),
        source: Some("trade_show".into()),
        contacts: vec![NewContact {
            name: "王小明".into(), phone: Some("13812345678".into()), ..Default::default()
        }],
        ..Default::default()
    };
    let mut c = new.validate("Li Wei", at("2026-01-05 09:00")).expect("valid");
    c.number = "MFG-2026-ABCDEF-001".into();
    c
}

fn created(c: &Customer) -> CustomerDoc {
    CustomerDoc::create(c, ActorId::from(vec![1u8; 24]), ChangeMeta::new("Li Wei", at("2026-01-05 09:00")))
        .expect("create")
}

/// The document after one change by another actor, made with Automerge directly.
fn attacked(doc: &mut CustomerDoc, edit: impl FnOnce(&mut AutoCommit)) -> CustomerDoc {
    let heads = doc.heads();
    let mut am = doc.automerge().fork().with_actor(ActorId::from(vec![9u8; 24]));
    edit(&mut am);
    am.commit();
    let change = am.save_after(&heads);
    doc.with_untrusted(&change).expect("loads")
}

fn contact(am: &AutoCommit) -> automerge::ObjId {
    let Ok(Some((Value::Object(ObjType::Map), contacts))) = am.get(ROOT, "contacts") else { panic!("contacts") };
    let key = am.keys(&contacts).next().expect("a contact");
    let Ok(Some((Value::Object(ObjType::Map), c))) = am.get(&contacts, key.as_str()) else { panic!("contact") };
    c
}

#[test]
fn a_document_rapport_writes_passes_and_reads_back() {
    let c = customer();
    let mut doc = created(&c);
    assert_eq!(doc.check(c.id).expect("valid").name, c.name);
    let mut copy = CustomerDoc::load_untrusted(&doc.save()).expect("loads");
    assert_eq!(copy.check(c.id).expect("valid").number, c.number);
}

#[test]
fn a_later_change_to_a_field_set_once_is_refused_whether_it_wins_or_not() {
    let c = customer();
    for (key, value) in [
        ("number", ScalarValue::Str("MFG-2026-VICTIM-001".into())),
        ("id", ScalarValue::Str(CustomerId::random().to_hex().into())),
        ("schema", ScalarValue::Uint(2)),
    ] {
        let mut doc = created(&c);
        let mut bad = attacked(&mut doc, |am| {
            am.put(ROOT, key, value.clone()).expect("put");
        });
        match bad.check(c.id) {
            Err(DocError::SetOnce { field }) => assert_eq!(field, key),
            other => panic!("{key}: {other:?}"),
        }
        // A concurrent write that loses the merge is refused too: the value is no longer one.
        let mut doc = created(&c);
        let mut a = doc.fork();
        a.set_actor(ActorId::from(vec![0u8; 24]));
        a.automerge().put(ROOT, key, value.clone()).expect("put");
        a.automerge().commit();
        let mut b = doc.fork();
        b.set_actor(ActorId::from(vec![0xffu8; 24]));
        b.automerge().put(ROOT, "name", "x").expect("put");
        b.merge(&mut a).expect("merge");
        assert!(matches!(b.check(c.id), Err(DocError::SetOnce { .. })), "{key}");
    }
}

#[test]
fn a_newer_schema_wrong_customer_and_values_no_input_allows_are_refused() {
    let mut c = customer();
    c.schema = SCHEMA_VERSION + 1;
    let mut doc = created(&c);
    match doc.check(c.id) {
        Err(DocError::Schema { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION))
        }
        other => panic!("{other:?}"),
    }
    let c = customer();
    let mut doc = created(&c);
    assert!(matches!(doc.check(CustomerId::random()), Err(DocError::WrongCustomer { .. })));
    let mut bad = attacked(&mut doc, |am| {
        let o = contact(am);
        am.put(&o, "phone", "call me maybe").expect("put");
    });
    match bad.check(c.id) {
        Err(DocError::Invalid(v)) => assert!(v.fields[0].field.ends_with(".phone"), "{v}"),
        other => panic!("{other:?}"),
    }
    let mut bad = attacked(&mut doc, |am| {
        am.put(ROOT, "stage", 7).expect("put");
    });
    assert!(matches!(bad.check(c.id), Err(DocError::Field { .. })));
    let mut bad = attacked(&mut doc, |am| {
        am.put(ROOT, "industry", "ZZ").expect("put");
    });
    assert!(matches!(bad.check(c.id), Err(DocError::Invalid(_))));
}

#[test]
fn two_changes_that_each_create_the_document_are_refused() {
    let c = customer();
    let mut a = created(&c);
    let mut b = CustomerDoc::create(&c, ActorId::from(vec![2u8; 24]), ChangeMeta::new("x", c.created_at)).expect("b");
    a.merge(&mut b).expect("merge");
    assert!(matches!(a.check(c.id), Err(DocError::SetOnce { .. })));
}

#[test]
fn inspect_refuses_bombs_and_huge_changes_before_automerge_sees_them() {
    let c = customer();
    let mut doc = created(&c);
    let heads = doc.heads();
    let mut am = doc.automerge().fork().with_actor(ActorId::from(vec![9u8; 24]));
    let notes = match am.get(ROOT, "notes") {
        Ok(Some((Value::Object(ObjType::Text), id))) => id,
        other => panic!("{other:?}"),
    };
    am.splice_text(&notes, 0, 0, &"a".repeat(LIMITS.change_ops as usize + 1)).expect("splice");
    am.commit();
    let change = am.save_after(&heads);
    match inspect(&change, &LIMITS) {
        Err(DocError::OverLimit { what, found, .. }) => {
            assert_eq!(what, "operations in one change");
            assert!(found > LIMITS.change_ops);
        }
        other => panic!("{other:?}"),
    }
    assert!(doc.with_untrusted(&change).is_err(), "with_untrusted inspects first");
    // The same change inside a whole document: within what a document may hold, so it
    // loads (bounded), and the check refuses the change.
    let mut whole = CustomerDoc::load_untrusted(&am.save()).expect("within the document limits");
    match whole.check(c.id) {
        Err(DocError::OverLimit { what, .. }) => assert_eq!(what, "operations in one change"),
        other => panic!("{other:?}"),
    }
}
