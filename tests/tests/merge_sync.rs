//! The same duplicate pair merged on two offline nodes, then synced through a real relay:
//! both nodes end with identical documents, no conflict shown, every follow-up kept, and the
//! absorbed number resolving to the survivor everywhere, including on a third node that
//! only ever saw the merged result. And the same pair merged in opposite directions on two
//! nodes: one customer (the same on every node) is kept active with everything.

mod common;

use common::*;
use rapport_model::*;
use rapport_node::LocalBook;

fn company(book: &LocalBook, name: &str, phone: &str) -> Customer {
    let new = NewCustomer {
        kind: Some(Kind::Company),
        name: name.into(),
        industry: Some("C".into()),
        source: Some("展会".into()),
        contacts: vec![NewContact {
            name: format!("{name} 联系人"), phone: Some(phone.into()), ..Default::default()
        }],
        ..Default::default()
    };
    book.add_customer(&new).expect("add")
}

fn follow_up(book: &LocalBook, key: &str, summary: &str) {
    let i = NewInteraction { channel: Some(Channel::Phone), summary: summary.into(), ..Default::default() };
    book.add_interaction(key, &i).expect("follow-up");
}

#[test]
fn a_pair_merged_on_two_offline_nodes_converges_through_the_relay() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    let tokens = relay.team("east", &["li", "wang", "zhang"]);
    let nodes: Vec<LocalBook> = ["li", "wang", "zhang"].iter().map(|m| node(tmp.path(), m)).collect();

    let keep = company(&nodes[0], "苏州恒瑞精密机械有限公司", "13812345678");
    let gone = company(&nodes[0], "苏州恒瑞精密机械", "13900001111");
    follow_up(&nodes[0], &gone.number, "first call");
    sync(&nodes[0], &relay.url, &tokens[0]);
    sync(&nodes[1], &relay.url, &tokens[1]);
    let pairs = nodes[1].duplicates(None).expect("dedupe").pairs;
    assert_eq!(pairs.len(), 1);
    assert_eq!(
        (pairs[0].keep.summary.number.as_str(), pairs[0].merge.summary.number.as_str()),
        (keep.number.as_str(), gone.number.as_str())
    );

    // Offline: node 1 adds a follow-up to the duplicate, then both nodes merge the pair.
    follow_up(&nodes[1], &gone.number, "visit, before anyone merged");
    nodes[0].merge(&keep.number, &gone.number, Some("same company".into())).expect("merge on li");
    nodes[1].merge(&keep.number, &gone.number, Some("duplicate".into())).expect("merge on wang");

    for _ in 0..2 {
        for (n, t) in nodes.iter().zip(&tokens) {
            sync(n, &relay.url, t);
        }
    }
    let snaps: Vec<Snapshot> = nodes.iter().map(snapshot).collect();
    assert_eq!(snaps[0], snaps[1]);
    assert_eq!(snaps[0], snaps[2]);
    for n in &nodes {
        let view = n.customer(&gone.number).expect("the absorbed number resolves");
        assert_eq!(view.customer.id, keep.id);
        assert!(view.conflicts.is_empty(), "the same merge twice is not a conflict: {:?}", view.conflicts);
        let mut summaries: Vec<&str> = view.customer.interactions.iter().map(|i| i.summary.as_str()).collect();
        summaries.sort();
        assert_eq!(summaries, ["first call", "visit, before anyone merged"]);
        assert_eq!(view.customer.contacts.len(), 2);
        assert!(n.duplicates(None).expect("dedupe").pairs.is_empty());
        assert!(n.doctor().expect("doctor").problems.is_empty());
        let history = n.history(&gone.id.to_hex()).expect("history");
        assert!(history.iter().any(|h| h.what.starts_with("merged into")));
    }
}

#[test]
fn opposite_merges_made_at_the_same_time_keep_one_customer_everywhere() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    let tokens = relay.team("west", &["li", "wang", "zhang"]);
    let nodes: Vec<LocalBook> = ["li", "wang", "zhang"].iter().map(|m| node(tmp.path(), m)).collect();

    let a = company(&nodes[0], "成都卓润农业科技有限公司", "13812345678");
    let b = company(&nodes[0], "成都卓润农业", "13900001111");
    follow_up(&nodes[0], &a.number, "call to a");
    follow_up(&nodes[0], &b.number, "call to b");
    sync(&nodes[0], &relay.url, &tokens[0]);
    sync(&nodes[1], &relay.url, &tokens[1]);

    // Offline, each node merges the pair the other way round.
    nodes[0].merge(&a.number, &b.number, Some("b is the duplicate".into())).expect("merge b into a");
    nodes[1].merge(&b.number, &a.number, Some("a is the duplicate".into())).expect("merge a into b");

    for _ in 0..3 {
        for (n, t) in nodes.iter().zip(&tokens) {
            sync(n, &relay.url, t);
        }
    }
    let (keep, gone) = if a.id.0 < b.id.0 { (&a, &b) } else { (&b, &a) };
    let snaps: Vec<Snapshot> = nodes.iter().map(snapshot).collect();
    assert_eq!(snaps[0], snaps[1]);
    assert_eq!(snaps[0], snaps[2]);
    for n in &nodes {
        for key in [&a.number, &b.number] {
            let view = n.customer(key).expect("both numbers resolve");
            assert_eq!(view.customer.id, keep.id, "{key} resolves to the customer kept");
        }
        let kept = n.customer(&keep.id.to_hex()).expect("kept").customer;
        assert!(!kept.archived && kept.merged_into.is_none(), "the customer kept is active: {kept:?}");
        assert_eq!(kept.absorbed.iter().map(|x| x.id).collect::<Vec<_>>(), vec![gone.id]);
        let mut summaries: Vec<&str> = kept.interactions.iter().map(|i| i.summary.as_str()).collect();
        summaries.sort();
        assert_eq!(summaries, ["call to a", "call to b"]);
        let other = n.customer(&gone.id.to_hex()).expect("other").customer;
        assert!(other.archived && other.merged_into == Some(keep.id));
        assert!(other.absorbed.is_empty(), "the opposite merge is undone: {:?}", other.absorbed);
        assert!(n.doctor().expect("doctor").problems.is_empty());
        let active = n.list(&rapport_store::Filter::default()).expect("list");
        assert_eq!(active.iter().filter(|r| r.id == a.id || r.id == b.id).count(), 1, "one of the pair is active");
    }
}
