//! Three nodes, a relay and a direct link: A and B sync through a real relay process, B
//! and C directly over iroh on loopback; C reaches the relay once before pairing (peers are
//! members the relay knows) and again only after the edits: a member pushes only changes
//! they wrote (docs/permissions.md), so C's changes that B received directly wait when B
//! syncs, and go through once C pushes its own. Everyone edits
//! offline — the same customer's different fields and the same field, follow-ups on every
//! node, an archive racing an edit, rules changed on two nodes — then syncs in a scrambled
//! order. Every node ends with identical heads for every document and identical tags and
//! tiers.

mod common;

use common::*;
use rapport_model::*;
use rapport_store::{Actor, Store};
use rapport_sync::{sync_once, HttpTransport};
use std::sync::Arc;

/// Number, heads, rule tags and tier of every customer.
fn state(s: &Store) -> Snapshot {
    let mut v: Vec<_> = s
        .all_summaries()
        .expect("rows")
        .into_iter()
        .map(|r| (r.summary.number.clone(), s.heads_of(r.id).expect("heads"), r.summary.rule_tags, r.summary.tier))
        .collect();
    v.sort();
    v
}

fn via_relay(s: &Store, url: &str, token: &str) {
    let mut t = HttpTransport::new(url, token);
    let r = sync_once(s, &mut t).expect("relay sync");
    // As the node records it: what waits is tried again by the next sync.
    rapport_sync::status::record_success(s, &rapport_sync::Transport::peer(&t), &r, "2026-03-02 18:00")
        .expect("status");
    if r.settings_changed {
        rapport_node::engine::install(s, at("2026-03-02 18:00").date(), true).expect("refresh");
    }
}

#[test]
fn relay_and_direct_links_converge() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    relay.admin(&["team", "create", "east"]);
    // The nodes' members are admins (peers under roles are), and the demo book's owners are
    // members too: owners must be (a reassignment to anyone else is refused).
    let (ta, tb, tc) = (
        relay.admin(&["member", "add", "east", "a", "--role", "admin"]),
        relay.admin(&["member", "add", "east", "b", "--role", "admin"]),
        relay.admin(&["member", "add", "east", "c", "--role", "admin"]),
    );
    for owner in ["Li Wei", "Wang Fang", "Chen Jie"] {
        relay.admin(&["member", "add", "east", owner, "--role", "sales-rep"]);
    }
    let (a, b, c) =
        (store_with_rules(tmp.path(), "a"), store_with_rules(tmp.path(), "b"), store_with_rules(tmp.path(), "c"));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let loopback: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let (ep_b, ep_c) = rt.block_on(async {
        (
            rapport_p2p::bind(&b, loopback, false).await.expect("bind b"),
            rapport_p2p::bind(&c, loopback, false).await.expect("bind c"),
        )
    });
    let noop: Arc<dyn Fn(rapport_sync::Answered) + Send + Sync> = {
        let c = c.clone();
        Arc::new(move |done: rapport_sync::Answered| {
            if done.settings_changed {
                let _ = rapport_node::engine::install(&c, at("2026-03-02 18:00").date(), true);
            }
        })
    };
    // Under the roster a peer is a member whose id the relay has bound: B and C each sync
    // with the (empty) relay once before pairing, and B again to learn C's id.
    via_relay(&b, &relay.url, &tb);
    via_relay(&c, &relay.url, &tc);
    via_relay(&b, &relay.url, &tb);
    let server_c = rt.spawn(rapport_p2p::serve(ep_c.clone(), c.clone(), noop));
    let peer_c =
        rt.block_on(rapport_p2p::pair(&b, &ep_b, &rapport_p2p::invite(&c, &ep_c).expect("invite"))).expect("pair");
    let direct = |from: &Arc<Store>| {
        let conn = rt.block_on(rapport_p2p::connect(from, &ep_b, &peer_c, None)).expect("connect");
        let r = sync_once(from, &mut rapport_p2p::IrohTransport::new(conn, rt.handle().clone(), &peer_c))
            .expect("direct sync");
        if r.settings_changed {
            rapport_node::engine::install(from, at("2026-03-02 18:00").date(), true).expect("refresh");
        }
    };

    // A's book reaches everyone through the relay: under the roster a peer passes on only
    // what its own member wrote, so A's changes travel A -> relay -> B and C.
    let demo = rapport_demo::DemoBook::new(8, at("2026-03-02 18:00").date(), &["Li Wei", "Wang Fang"]);
    a.create_many(
        (0..150).map(|i| demo.customer(i, &rapport_demo::DemoProfile::realistic())).collect(),
        "a",
        at("2026-03-01 09:00"),
    )
    .expect("seed");
    via_relay(&a, &relay.url, &ta);
    via_relay(&b, &relay.url, &tb);
    via_relay(&c, &relay.url, &tc);
    direct(&b);
    assert_eq!(c.count().expect("count"), 150);

    // Offline edits everywhere.
    let ids: Vec<CustomerId> = a.all_summaries().expect("rows").into_iter().map(|r| r.id).collect();
    let who = |n: &str| Actor { name: n.into(), now: at("2026-03-02 12:00") };
    let t = ids[0];
    a.patch_customer(t, &CustomerPatch { owner: Some("Li Wei".into()), ..Default::default() }, None, &who("a"))
        .expect("a owner");
    b.patch_customer(t, &CustomerPatch { size: Some(Some("100-500".into())), ..Default::default() }, None, &who("b"))
        .expect("b size");
    c.patch_customer(t, &CustomerPatch { owner: Some("Chen Jie".into()), ..Default::default() }, None, &who("c"))
        .expect("c owner");
    for (n, s) in [("a", &a), ("b", &b), ("c", &c)] {
        let f = NewInteraction {
            channel: Some(Channel::Wechat),
            summary: format!("follow-up on {n}"),
            ..Default::default()
        };
        s.add_interaction(t, &f, &who(n)).expect("follow-up");
    }
    b.set_archived(ids[1], true, Some("merged elsewhere".into()), &who("b")).expect("archive");
    c.patch_customer(
        ids[1],
        &CustomerPatch { notes: Some("still buying".into()), ..Default::default() },
        None,
        &who("c"),
    )
    .expect("edit");
    let rule = |s: &Arc<Store>, name: &str, tag: &str, when: &str| {
        let mut doc = s.settings_doc().expect("settings");
        doc.set_actor(s.identity().actor());
        let pos = 1000 + name.len() as i64;
        let rec = rapport_doc::RuleRecord {
            name: name.into(),
            tag: tag.into(),
            when: when.into(),
            enabled: true,
            position: pos,
        };
        doc.put_rule(&rec, rapport_doc::ChangeMeta::new(name, at("2026-03-02 12:00"))).expect("rule");
        s.save_settings_doc(&mut doc).expect("save");
        rapport_node::engine::install(s, at("2026-03-02 18:00").date(), true).expect("refresh");
    };
    rule(&a, "big", "大客户", "amount_total > 300000");
    rule(&c, "quiet", "安静客户", "interactions_90d = 0");

    // Scrambled order, twice round.
    for _ in 0..2 {
        direct(&b);
        via_relay(&a, &relay.url, &ta);
        via_relay(&b, &relay.url, &tb);
        via_relay(&c, &relay.url, &tc);
        direct(&b);
        via_relay(&a, &relay.url, &ta);
    }
    let sa = state(&a);
    for (x, y) in sa.iter().zip(state(&b).iter()) {
        if x != y {
            eprintln!("DEBUG diff {x:?} {y:?}");
        }
    }
    assert_eq!(sa, state(&b), "A and B differ");
    assert_eq!(sa, state(&c), "A and C differ");
    let cust = c.get(t).expect("customer");
    assert_eq!(cust.size.as_deref(), Some("100-500"));
    assert_eq!(cust.interactions.iter().filter(|i| i.summary.starts_with("follow-up on")).count(), 3);
    let archived = a.get(ids[1]).expect("archived");
    assert!(archived.archived && archived.notes == "still buying");
    assert!(sa.iter().any(|(_, _, tags, _)| tags.iter().any(|t| t == "大客户")), "A's rule runs on every node");
    for s in [&a, &b, &c] {
        assert!(s.doctor().expect("doctor").problems.is_empty());
    }
    server_c.abort();
    rt.block_on(async {
        ep_b.close().await;
        ep_c.close().await;
    });
}
