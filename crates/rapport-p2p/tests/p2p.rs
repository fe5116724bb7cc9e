//! Two nodes sync directly over real iroh endpoints on loopback, with no relay and no
//! discovery: pairing with a ticket, edits on both sides converging, strangers refused,
//! and garbage from a paired peer dropping the connection without touching the store.

use rapport_model::*;
use rapport_p2p::{bind, connect, invite, pair, peers, serve, IrohTransport, PeerInfo, Ticket};
use rapport_store::{Actor, Store};
use rapport_sync::sync_once;
use std::sync::Arc;

fn now() -> DateTime {
    parse_datetime("t", "2026-03-02 18:00").expect("date")
}

fn store(dir: &std::path::Path, name: &str) -> Arc<Store> {
    let s = Store::init(
        &dir.join(format!("{name}.redb")),
        name,
        rapport_node::default_settings_doc().expect("settings"),
        Vec::new(),
    )
    .expect("init");
    Arc::new(s)
}

fn heads(s: &Store) -> Vec<(String, Vec<rapport_doc::ChangeHash>)> {
    let mut v: Vec<_> = s
        .all_summaries()
        .expect("rows")
        .into_iter()
        .map(|r| (r.summary.number, s.heads_of(r.id).expect("heads")))
        .collect();
    v.sort();
    v
}

fn loopback() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().expect("addr")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paired_nodes_sync_directly_and_strangers_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = store(tmp.path(), "li");
    let b = store(tmp.path(), "wang");
    let demo = rapport_demo::DemoBook::new(4, now().date(), &["Li Wei"]);
    a.create_many((0..300).map(|i| demo.customer(i, &rapport_demo::DemoProfile::bench())).collect(), "li", now())
        .expect("seed");
    let ep_a = bind(&a, loopback(), false).await.expect("bind a");
    let ep_b = bind(&b, loopback(), false).await.expect("bind b");
    let noop: Arc<dyn Fn(rapport_sync::Answered) + Send + Sync> = Arc::new(|_| {});
    let server_a = tokio::spawn(serve(ep_a.clone(), a.clone(), noop.clone()));
    let server_b = tokio::spawn(serve(ep_b.clone(), b.clone(), noop.clone()));

    // Pairing with a ticket; the ticket survives its text form.
    let ticket = Ticket::decode(&invite(&a, &ep_a).expect("invite").encode()).expect("ticket");
    let peer_a = pair(&b, &ep_b, &ticket).await.expect("pair");
    assert_eq!(peer_a.name, "li");
    assert!(
        peers(&a).expect("peers").iter().any(|p| p.id == ep_b.id().to_string()),
        "the inviter remembers the invitee"
    );
    // The secret works once.
    let again = pair(&b, &ep_b, &ticket).await;
    assert!(again.is_ok(), "a paired peer may present a used secret: it is known by id");

    // B pulls the book from A directly.
    let conn = connect(&b, &ep_b, &peer_a, None).await.expect("connect");
    let rt = tokio::runtime::Handle::current();
    let (b2, p) = (b.clone(), peer_a.clone());
    let r = tokio::task::spawn_blocking(move || sync_once(&b2, &mut IrohTransport::new(conn, rt, &p)))
        .await
        .expect("join")
        .expect("sync");
    assert_eq!(r.received_new, 300);
    assert_eq!(heads(&a), heads(&b));

    // Edits on both sides, then one sync from B converges both.
    let actor = |n: &str| Actor { name: n.into(), now: now() };
    let number = heads(&a)[0].0.clone();
    let id = a.resolve(&number).expect("id");
    a.add_interaction(
        id,
        &NewInteraction { channel: Some(Channel::Phone), summary: "from A".into(), ..Default::default() },
        &actor("li"),
    )
    .expect("a edit");
    b.add_interaction(
        id,
        &NewInteraction { channel: Some(Channel::Visit), summary: "from B".into(), ..Default::default() },
        &actor("wang"),
    )
    .expect("b edit");
    let conn = connect(&b, &ep_b, &peer_a, None).await.expect("connect");
    let rt = tokio::runtime::Handle::current();
    let (b2, p) = (b.clone(), peer_a.clone());
    let r = tokio::task::spawn_blocking(move || sync_once(&b2, &mut IrohTransport::new(conn, rt, &p)))
        .await
        .expect("join")
        .expect("sync");
    assert_eq!((r.sent, r.received_merged), (1, 1));
    assert_eq!(heads(&a), heads(&b));
    let c = b.get(id).expect("customer");
    assert!(
        c.interactions.iter().any(|i| i.summary == "from A") && c.interactions.iter().any(|i| i.summary == "from B")
    );
    assert!(a.doctor().expect("doctor").problems.is_empty() && b.doctor().expect("doctor").problems.is_empty());

    // A stranger (fresh store, fresh key) is refused, with or without a made-up secret.
    let c_store = store(tmp.path(), "stranger");
    let ep_c = bind(&c_store, loopback(), false).await.expect("bind c");
    let target = PeerInfo { id: ep_a.id().to_string(), name: "li".into(), addrs: ticket.addrs.clone() };
    assert!(connect(&c_store, &ep_c, &target, None).await.is_err());
    assert!(connect(&c_store, &ep_c, &target, Some([9; 32])).await.is_err());

    // Garbage from a paired peer: the connection is dropped and nothing changes.
    let before = heads(&a);
    let conn = connect(&b, &ep_b, &peer_a, None).await.expect("connect");
    for junk in
        [b"garbage".to_vec(), vec![0xff; 16], rapport_sync::encode(&rapport_sync::Message::Docs { docs: vec![] })]
    {
        if let Ok((mut send, mut recv)) = conn.open_bi().await {
            let _ = send.write_all(&junk).await;
            let _ = send.finish();
            let _ = recv.read_to_end(1 << 20).await;
        }
    }
    assert_eq!(heads(&a), before);
    ep_c.close().await;
    ep_b.close().await;
    ep_a.close().await;
    server_a.abort();
    server_b.abort();
}
