//! Sync benchmark: a real `rapport-relay` process on loopback and real stores.
//!
//! For each book size: initial upload node -> relay, download relay -> fresh node, then
//! 100 customers edited on one node (one follow-up each) reaching another node through
//! the relay (time and bytes on the wire), and the relay's peak RSS. Finally many nodes
//! syncing through one relay at once. Prints JSON.
//!
//! `cargo bench -p rapport-integration --bench sync -- 1000,10000,100000 [NODES]`
//! (build the relay first: `cargo build --release -p rapport-relay`). NODES 0 skips the
//! many-nodes run; `SYNC_BENCH_RELAY_ONLY=1` skips peer-to-peer.

mod common;

use common::Relay;
use iroh as iroh_ep;
use rapport_model::*;
use rapport_node::{Clock, LocalBook};
use rapport_store::Store;
use rapport_sync::{sync_once, HttpTransport};
use std::path::Path;
use std::time::Instant;

fn now() -> DateTime {
    parse_datetime("t", "2026-03-02 18:00").unwrap_or_default()
}

fn node(dir: &Path, name: &str) -> Result<LocalBook, String> {
    let store = Store::init(
        &dir.join(format!("{name}.redb")),
        name,
        rapport_node::default_settings_doc().map_err(|e| e.to_string())?,
        rapport_node::dictionary::train().map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    LocalBook::open(store, Clock::Fixed(now())).map(|b| b.0).map_err(|e| e.to_string())
}

fn run_size(base: &Path, n: u64) -> Result<serde_json::Value, String> {
    let dir = base.join(format!("size-{n}"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let relay = Relay::start(&dir.join("relay"))?;
    relay.admin(&["team", "create", "bench"])?;
    let ta = relay.admin(&["member", "add", "bench", "a", "--role", "admin"])?;
    let tb = relay.admin(&["member", "add", "bench", "b", "--role", "admin"])?;
    let a = node(&dir, "a")?;
    let demo = rapport_demo::DemoBook::new(11, now().date(), &["Li Wei", "Wang Fang"]);
    let mut i = 0;
    while i < n {
        let end = (i + 20_000).min(n);
        a.store
            .create_many((i..end).map(|k| demo.customer(k, &rapport_demo::DemoProfile::bench())).collect(), "a", now())
            .map_err(|e| e.to_string())?;
        i = end;
    }
    let t = Instant::now();
    let up = sync_once(&a.store, &mut HttpTransport::new(&relay.url, &ta)).map_err(|e| e.to_string())?;
    let upload_s = t.elapsed().as_secs_f64();
    let uploader_disk = per_customer_on_disk(&a.store, n);
    let b = node(&dir, "b")?;
    let t = Instant::now();
    let down = sync_once(&b.store, &mut HttpTransport::new(&relay.url, &tb)).map_err(|e| e.to_string())?;
    let download_s = t.elapsed().as_secs_f64();
    let joined_disk = per_customer_on_disk(&b.store, n);
    // 100 customers edited on A, one follow-up each, reaching B through the relay.
    let numbers: Vec<String> =
        a.store.all_summaries().map_err(|e| e.to_string())?.into_iter().take(100).map(|r| r.summary.number).collect();
    for num in &numbers {
        a.add_interaction(
            num,
            &NewInteraction {
                channel: Some(Channel::Phone),
                summary: "回访：确认下季度订单".into(),
                intent: Some(IntentLevel::High),
                ..Default::default()
            },
        )
        .map_err(|e| e.to_string())?;
    }
    let t = Instant::now();
    let push = sync_once(&a.store, &mut HttpTransport::new(&relay.url, &ta)).map_err(|e| e.to_string())?;
    let pull = sync_once(&b.store, &mut HttpTransport::new(&relay.url, &tb)).map_err(|e| e.to_string())?;
    let edits_s = t.elapsed().as_secs_f64();
    let wire = push.bytes_sent + push.bytes_received + pull.bytes_sent + pull.bytes_received;
    Ok(serde_json::json!({
        "customers": n,
        "upload_s": upload_s,
        "upload_bytes": up.bytes_sent,
        "download_s": download_s,
        "download_bytes": down.bytes_received,
        "downloaded_customers": down.received_new,
        "end_to_end_s": upload_s + download_s,
        "edits_100": {
            "seconds": edits_s,
            "wire_bytes_total": wire,
            "bytes_per_edit": wire as f64 / 100.0,
            "sent": push.sent,
            "received": pull.received_merged,
        },
        "relay_peak_rss_mib": relay.peak_rss_mib(),
        "bytes_per_customer_on_disk": { "uploader_after_upload": uploader_disk, "joined_by_sync": joined_disk },
    }))
}

/// Bytes the store's file takes on disk per customer ([`rapport_store::bytes_on_disk`]).
fn per_customer_on_disk(store: &Store, customers: u64) -> u64 {
    rapport_store::bytes_on_disk(store.path()).map(|b| b / customers.max(1)).unwrap_or(0)
}

/// The same figures peer-to-peer over iroh on loopback: a fresh node downloads from a
/// node holding the book, the book's node uploads to a fresh node, then 100 edits.
fn p2p_size(base: &Path, n: u64) -> Result<serde_json::Value, String> {
    use rapport_p2p::{bind, connect, invite, pair, serve, IrohTransport, PeerInfo};
    use std::sync::Arc;
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let dir = base.join(format!("p2p-{n}"));
    std::fs::create_dir_all(&dir).map_err(|x| e(&x))?;
    let open = |name: &str| -> Result<Arc<Store>, String> {
        let s = Store::init(
            &dir.join(format!("{name}.redb")),
            name,
            rapport_node::default_settings_doc().map_err(|x| e(&x))?,
            rapport_node::dictionary::train().map_err(|x| e(&x))?,
        )
        .map_err(|x| e(&x))?;
        rapport_node::engine::install(&s, now().date(), false).map_err(|x| e(&x))?;
        Ok(Arc::new(s))
    };
    let (a, down_node, up_node) = (open("a")?, open("down")?, open("up")?);
    let demo = rapport_demo::DemoBook::new(11, now().date(), &["Li Wei", "Wang Fang"]);
    let mut i = 0;
    while i < n {
        let end = (i + 20_000).min(n);
        a.create_many((i..end).map(|k| demo.customer(k, &rapport_demo::DemoProfile::bench())).collect(), "a", now())
            .map_err(|x| e(&x))?;
        i = end;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|x| e(&x))?;
    let addr: std::net::SocketAddr = "127.0.0.1:0".parse().map_err(|x: std::net::AddrParseError| e(&x))?;
    let noop: Arc<dyn Fn(rapport_sync::Answered) + Send + Sync> = Arc::new(|_| {});
    let result = rt.block_on(async {
        let ep_a = bind(&a, addr, false).await.map_err(|x| e(&x))?;
        let ep_down = bind(&down_node, addr, false).await.map_err(|x| e(&x))?;
        let ep_up = bind(&up_node, addr, false).await.map_err(|x| e(&x))?;
        let sa = tokio::spawn(serve(ep_a.clone(), a.clone(), noop.clone()));
        let su = tokio::spawn(serve(ep_up.clone(), up_node.clone(), noop.clone()));
        let peer_a = pair(&down_node, &ep_down, &invite(&a, &ep_a).map_err(|x| e(&x))?).await.map_err(|x| e(&x))?;
        let peer_up = pair(&a, &ep_a, &invite(&up_node, &ep_up).map_err(|x| e(&x))?).await.map_err(|x| e(&x))?;
        let run = |from: Arc<Store>, ep: iroh_ep::Endpoint, peer: PeerInfo| async move {
            let conn = connect(&from, &ep, &peer, None).await.map_err(|x| e(&x))?;
            let h = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || sync_once(&from, &mut IrohTransport::new(conn, h, &peer)))
                .await
                .map_err(|x| e(&x))?
                .map_err(|x| e(&x))
        };
        let t = Instant::now();
        let down = run(down_node.clone(), ep_down.clone(), peer_a.clone()).await?;
        let download_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let up = run(a.clone(), ep_a.clone(), peer_up.clone()).await?;
        let upload_s = t.elapsed().as_secs_f64();
        // The node the book was pushed to, once the pushes are over.
        let disk = serde_json::json!({
            "joined_by_sync": per_customer_on_disk(&down_node, n),
            "pushed_to": per_customer_on_disk(&up_node, n),
        });
        let actor = rapport_store::Actor { name: "a".into(), now: now() };
        for row in a.all_summaries().map_err(|x| e(&x))?.into_iter().take(100) {
            let f = NewInteraction {
                channel: Some(Channel::Phone),
                summary: "回访：确认下季度订单".into(),
                ..Default::default()
            };
            a.add_interaction(row.id, &f, &actor).map_err(|x| e(&x))?;
        }
        let t = Instant::now();
        let edits = run(down_node.clone(), ep_down.clone(), peer_a.clone()).await?;
        let edits_s = t.elapsed().as_secs_f64();
        sa.abort();
        su.abort();
        ep_a.close().await;
        ep_down.close().await;
        ep_up.close().await;
        Ok::<_, String>(serde_json::json!({
            "customers": n,
            "download_s": download_s,
            "downloaded_customers": down.received_new,
            "download_bytes": down.bytes_received,
            "upload_s": upload_s,
            "uploaded_customers": up.sent,
            "bytes_per_customer_on_disk": disk,
            "edits_100": {
                "seconds": edits_s,
                "received": edits.received_merged,
                "wire_bytes_total": edits.bytes_sent + edits.bytes_received,
                "bytes_per_edit": (edits.bytes_sent + edits.bytes_received) as f64 / 100.0,
            },
        }))
    });
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn many_nodes(base: &Path, nodes: usize) -> Result<serde_json::Value, String> {
    let dir = base.join("many");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let relay = Relay::start(&dir.join("relay"))?;
    relay.admin(&["team", "create", "bench"])?;
    let mut books = Vec::new();
    for k in 0..nodes {
        let token = relay.admin(&["member", "add", "bench", &format!("m{k}"), "--role", "admin"])?;
        let book = node(&dir, &format!("n{k}"))?;
        let demo = rapport_demo::DemoBook::new(100 + k as u64, now().date(), &["Li Wei"]);
        book.store
            .create_many((0..20).map(|i| demo.customer(i, &rapport_demo::DemoProfile::bench())).collect(), "m", now())
            .map_err(|e| e.to_string())?;
        books.push((book, token));
    }
    let url = relay.url.clone();
    let t = Instant::now();
    // Two rounds: everyone uploads, then everyone receives everyone else's customers.
    let mut errors = 0;
    let mut bytes = 0u64;
    for _ in 0..2 {
        let results: Vec<Result<rapport_sync::SyncReport, String>> = std::thread::scope(|s| {
            let hs: Vec<_> = books
                .iter()
                .map(|(b, tok)| {
                    let url = url.clone();
                    s.spawn(move || sync_once(&b.store, &mut HttpTransport::new(&url, tok)).map_err(|e| e.to_string()))
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("panicked".into()))).collect()
        });
        for r in results {
            match r {
                Ok(rep) => bytes += rep.bytes_sent + rep.bytes_received,
                Err(_) => errors += 1,
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let expected = (nodes * 20) as u64;
    let complete = books.iter().filter(|(b, _)| b.store.count().unwrap_or(0) == expected).count();
    Ok(serde_json::json!({
        "nodes": nodes,
        "customers_each": 20,
        "seconds": secs,
        "syncs_per_second": (2 * nodes) as f64 / secs,
        "wire_bytes": bytes,
        "errors": errors,
        "nodes_with_every_customer": complete,
        "relay_peak_rss_mib": relay.peak_rss_mib(),
    }))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let sizes: Vec<u64> = args
        .first()
        .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![1000, 10_000]);
    let nodes: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let base = std::env::temp_dir().join(format!("rapport-sync-bench-{}", std::process::id()));
    let mut results = Vec::new();
    let mut p2p = Vec::new();
    for n in sizes {
        match run_size(&base, n) {
            Ok(v) => results.push(v),
            Err(e) => results.push(serde_json::json!({ "customers": n, "error": e })),
        }
        let _ = std::fs::remove_dir_all(base.join(format!("size-{n}")));
        if std::env::var_os("SYNC_BENCH_RELAY_ONLY").is_some() {
            continue;
        }
        match p2p_size(&base, n) {
            Ok(v) => p2p.push(v),
            Err(e) => p2p.push(serde_json::json!({ "customers": n, "error": e })),
        }
    }
    let many = if nodes == 0 {
        serde_json::json!(null)
    } else {
        many_nodes(&base, nodes).unwrap_or_else(|e| serde_json::json!({ "error": e }))
    };
    let _ = std::fs::remove_dir_all(&base);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "{}",
        serde_json::to_string_pretty(
            &serde_json::json!({ "cores": cores, "relay": results, "peer_to_peer": p2p, "many_nodes": many })
        )
        .unwrap_or_default()
    );
}
