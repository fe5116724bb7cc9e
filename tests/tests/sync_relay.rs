//! Nodes sync through a real `rapport-relay` process on loopback: offline edits on three
//! nodes converge (same heads, same tags and tiers), a relay killed with SIGKILL mid-sync
//! and restarted loses nothing, and revoked or wrong tokens are refused.

mod common;

use common::*;
use rapport_model::*;
use rapport_node::LocalBook;
use rapport_store::Filter;
use rapport_sync::{sync_once, HttpTransport};
use std::time::Duration;

#[test]
fn three_nodes_converge_through_the_relay() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    // The owners the nodes set are members: owners must be.
    let tokens = relay.team("east", &["Li Wei", "Wang Fang", "Zhang Min"]);
    let nodes: Vec<LocalBook> = ["li", "wang", "zhang"].iter().map(|m| node(tmp.path(), m)).collect();
    let book = rapport_demo::DemoBook::new(3, at("2026-03-02 18:00").date(), &["Li Wei", "Wang Fang"]);
    let customers: Vec<Customer> =
        (0..200).map(|i| book.customer(i, &rapport_demo::DemoProfile::realistic())).collect();
    nodes[0].store.create_many(customers, "li", at("2026-03-01 09:00")).expect("seed");
    let first = sync(&nodes[0], &relay.url, &tokens[0]);
    assert_eq!(first.sent, 200);
    for (n, t) in nodes.iter().zip(&tokens).skip(1) {
        let r = sync(n, &relay.url, t);
        assert_eq!(r.received_new, 200);
    }
    // Offline edits on every node.
    let numbers: Vec<String> = snapshot(&nodes[0]).into_iter().map(|s| s.0).collect();
    let target = &numbers[0];
    nodes[0]
        .patch_customer(target, &CustomerPatch { owner: Some("Li Wei".into()), ..Default::default() }, None)
        .expect("a");
    nodes[1]
        .patch_customer(target, &CustomerPatch { size: Some(Some("500-1000".into())), ..Default::default() }, None)
        .expect("b");
    nodes[2]
        .patch_customer(target, &CustomerPatch { owner: Some("Zhang Min".into()), ..Default::default() }, None)
        .expect("c");
    for (i, n) in nodes.iter().enumerate() {
        n.add_interaction(
            target,
            &NewInteraction {
                channel: Some(Channel::Visit),
                summary: format!("visit from node {i}"),
                ..Default::default()
            },
        )
        .expect("follow-up");
    }
    nodes[1].set_archived(&numbers[1], true, Some("duplicate".into())).expect("archive");
    nodes[2]
        .patch_customer(
            &numbers[1],
            &CustomerPatch { notes: Some("still talking to them".into()), ..Default::default() },
            None,
        )
        .expect("edit archived");
    nodes[0].put_rule(&rapport_rules::Rule::new("big", "大客户", "amount_total > 300000"), true).expect("rule on a");
    nodes[1].put_rule(&rapport_rules::Rule::new("quiet", "安静客户", "interactions_90d = 0"), true).expect("rule on b");
    // Sync in a scrambled order, twice round.
    for order in [[2, 0, 1], [1, 2, 0]] {
        for i in order {
            sync(&nodes[i], &relay.url, &tokens[i]);
        }
    }
    let a = snapshot(&nodes[0]);
    assert_eq!(a, snapshot(&nodes[1]));
    assert_eq!(a, snapshot(&nodes[2]));
    let c = nodes[0].customer(target).expect("customer").customer;
    assert_eq!(c.size.as_deref(), Some("500-1000"));
    assert_eq!(c.interactions.iter().filter(|i| i.summary.starts_with("visit from node")).count(), 3);
    let rules: Vec<String> = nodes[2].rules().expect("rules").into_iter().map(|r| r.rule.name).collect();
    assert!(rules.contains(&"big".to_string()) && rules.contains(&"quiet".to_string()), "{rules:?}");
    for n in &nodes {
        assert!(n.store.doctor().expect("doctor").problems.is_empty());
    }
    // An edit after the initial sync sends only the change, not the document.
    nodes[0]
        .add_interaction(
            &numbers[5],
            &NewInteraction { channel: Some(Channel::Phone), summary: "short call".into(), ..Default::default() },
        )
        .expect("edit");
    let r = sync(&nodes[0], &relay.url, &tokens[0]);
    assert_eq!(r.sent, 1);
    assert!(r.bytes_sent < 2_000, "one follow-up cost {} bytes", r.bytes_sent);
}

#[test]
fn wrong_and_revoked_tokens_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    relay.admin(&["team", "create", "east"]);
    relay.admin(&["team", "create", "west"]);
    let east = relay.admin(&["member", "add", "east", "li", "--role", "admin"]);
    let west = relay.admin(&["member", "add", "west", "bob", "--role", "admin"]);
    let a = node(tmp.path(), "li");
    a.add_customer(&NewCustomer {
        kind: Some(Kind::Company),
        name: "恒瑞精密".into(),
        industry: Some("C".into()),
        source: Some("referral".into()),
        ..Default::default()
    })
    .expect("add");
    sync(&a, &relay.url, &east);
    // Another team sees nothing of east's book.
    let b = node(tmp.path(), "bob");
    let r = sync(&b, &relay.url, &west);
    assert_eq!(r.received_new, 0);
    assert_eq!(b.list(&Filter::default()).expect("list").len(), 0);
    let err = sync_once(&a.store, &mut HttpTransport::new(&relay.url, "not-a-token")).expect_err("wrong token");
    assert!(matches!(err, rapport_sync::SyncError::Unauthorized(_)), "{err}");
    relay.admin(&["member", "revoke", "east", "li"]);
    let err = sync_once(&a.store, &mut HttpTransport::new(&relay.url, &east)).expect_err("revoked");
    assert!(matches!(&err, rapport_sync::SyncError::Revoked(why) if why.contains("li was removed")), "{err}");
}

#[test]
fn a_relay_killed_mid_sync_loses_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay_dir = tmp.path().join("relay");
    let mut relay = Relay::start(&relay_dir);
    relay.admin(&["team", "create", "east"]);
    let token = relay.admin(&["member", "add", "east", "li", "--role", "admin"]);
    let a = node(tmp.path(), "li");
    let book = rapport_demo::DemoBook::new(9, at("2026-03-02 18:00").date(), &["Li Wei"]);
    a.store
        .create_many(
            (0..3000).map(|i| book.customer(i, &rapport_demo::DemoProfile::bench())).collect(),
            "li",
            at("2026-03-01 09:00"),
        )
        .expect("seed");
    // Kill the relay while the first upload is under way.
    let url = relay.url.clone();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        relay.kill();
        relay
    });
    let first = sync_once(&a.store, &mut HttpTransport::new(&url, &token));
    let relay = killer.join().expect("killer");
    drop(relay);
    let relay = Relay::start(&relay_dir);
    let _ = first; // may or may not have finished before the kill
    let r = sync(&a, &relay.url, &token);
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    // A fresh node receives every customer.
    let b = node(tmp.path(), "wang");
    let token_b = relay.admin(&["member", "add", "east", "wang", "--role", "admin"]);
    let r = sync(&b, &relay.url, &token_b);
    assert_eq!(r.received_new, 3000);
    assert_eq!(snapshot(&a), snapshot(&b));
}
