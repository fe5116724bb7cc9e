//! Compressed-data bombs: a few hundred kilobytes of deflate that Automerge would inflate to
//! gigabytes before checking anything. Sent at a real relay, pulled by a node from a relay
//! that does not check, and pushed over a peer link at a node answering sync: each is
//! refused with a reason, and memory stays bounded. One test in its own binary, so this
//! process's peak memory is its own.

mod common;

use common::craft::{self, HostileRelay};
use common::*;
use rapport_model::CustomerId;
use rapport_p2p::{bind, connect, invite, pair, serve, IrohTransport, Ticket};
use rapport_sync::HttpTransport;
use std::sync::Arc;

/// What one bomb inflates to: far past every limit, small enough to build quickly.
const INFLATED: usize = 512 << 20;
/// Peak memory allowed to this test process and to the relay, in MiB.
const BOUND_MIB: u64 = 200;

#[test]
fn compressed_bombs_are_refused_before_they_are_inflated() {
    let tmp = tempfile::tempdir().expect("tmp");
    let bombs = [craft::deflate_bomb(INFLATED), craft::document_bomb(INFLATED)];
    for b in &bombs {
        assert!(b.len() < 1 << 20, "a bomb is small on the wire: {} bytes", b.len());
    }
    let docs = || bombs.iter().enumerate().map(|(i, b)| (CustomerId([i as u8 + 1; 16]), b.clone())).collect();

    // At a real relay.
    let relay = Relay::start(&tmp.path().join("relay"));
    let tokens = relay.team("east", &["Mallory"]);
    let results = craft::push(&mut HttpTransport::new(&relay.url, &tokens[0]), docs());
    for r in &results {
        let why = craft::refusal(r);
        assert!(why.contains("decompressed"), "{why}");
    }
    let relay_peak = craft::peak_rss_mib(relay.child.id());
    assert!(relay_peak < BOUND_MIB, "relay peak {relay_peak} MiB");

    // Pulled by a node from a relay that does not check.
    let li = node(tmp.path(), "li");
    let mut hostile = HostileRelay { docs: docs(), ..Default::default() };
    let r = rapport_sync::sync_once(&li.store, &mut hostile).expect("the pull completes");
    assert_eq!(r.refused.len(), 2, "{:?}", r.refused);
    assert!(r.refused.iter().all(|x| x.reason.contains("decompressed")), "{:?}", r.refused);

    // Pushed over a peer link at a node answering sync.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let loopback: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let answering = store_with_rules(tmp.path(), "wang");
        let mallory = store_with_rules(tmp.path(), "mallory");
        let ep_a = bind(&answering, loopback, false).await.expect("bind");
        let ep_m = bind(&mallory, loopback, false).await.expect("bind");
        let noop: Arc<dyn Fn(rapport_sync::Answered) + Send + Sync> = Arc::new(|_| {});
        let server = tokio::spawn(serve(ep_a.clone(), answering.clone(), noop));
        let ticket = Ticket::decode(&invite(&answering, &ep_a).expect("invite").encode()).expect("ticket");
        let peer = pair(&mallory, &ep_m, &ticket).await.expect("pair");
        let conn = connect(&mallory, &ep_m, &peer, None).await.expect("connect");
        let handle = tokio::runtime::Handle::current();
        let items = docs();
        let results = tokio::task::spawn_blocking(move || {
            let mut t = IrohTransport::new(conn, handle, &peer);
            craft::push(&mut t, items)
        })
        .await
        .expect("push");
        for r in &results {
            assert!(craft::refusal(r).contains("decompressed"), "{r:?}");
        }
        assert_eq!(answering.count().expect("count"), 0, "nothing was stored");
        server.abort();
        ep_a.close().await;
        ep_m.close().await;
    });
    let own_peak = craft::own_peak_rss_mib();
    assert!(own_peak < BOUND_MIB, "this process's peak {own_peak} MiB");
}
