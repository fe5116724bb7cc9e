//! Live sync benchmark: NODES running nodes (`rapport_node::Node`, started as `rapport
//! serve` starts them, background sync with its timer at an hour) follow one real
//! `rapport-relay` process's notice streams; an edit on the first node is timed until each
//! other node holds it (the same heads for that customer). Prints JSON: the latency over
//! every (edit, receiving node) pair and the time until the last node had each edit.
//!
//! `cargo build --release -p rapport-relay && cargo bench -p rapport-integration --bench live -- 50 [EDITS]`
//!
//! The nodes share this process (one tokio runtime, a notice thread each); the relay is its
//! own process. Each node is a store in a temp directory, synced with the relay before it
//! starts.

mod common;

use common::Relay;
use rapport_model::*;
use rapport_node::{Clock, LocalBook, Node};
use rapport_store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn now() -> DateTime {
    parse_datetime("t", "2026-03-02 18:00").unwrap_or_default()
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn run(nodes: usize, edits: usize) -> Result<serde_json::Value, String> {
    let base = std::env::temp_dir().join(format!("rapport-live-bench-{}", std::process::id()));
    std::fs::create_dir_all(&base).map_err(|e| e.to_string())?;
    let relay = Relay::start(&base.join("relay"))?;
    relay.admin(&["team", "create", "bench"])?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let mut running: Vec<Arc<Node>> = Vec::new();
    let mut number = String::new();
    for k in 0..nodes {
        let name = format!("m{k}");
        let token = relay.admin(&["member", "add", "bench", &name, "--role", "admin"])?;
        let store = Store::init(
            &base.join(format!("{name}.redb")),
            &name,
            rapport_node::default_settings_doc().map_err(|e| e.to_string())?,
            rapport_node::dictionary::train().map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        let book = Arc::new(LocalBook::open(store, Clock::Fixed(now())).map_err(|e| e.to_string())?.0);
        if k == 0 {
            let demo = rapport_demo::DemoBook::new(7, now().date(), &["m0"]);
            let c = demo.customer(0, &rapport_demo::DemoProfile::bench());
            number = book.store.create_many(vec![c], "m0", now()).map_err(|e| e.to_string())?.remove(0);
        }
        let dir = base.join(&name);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        rapport_node::save_relay(&dir, &rapport_node::RelayConfig { url: relay.url.clone(), token })
            .map_err(|e| e.to_string())?;
        let node = Node::new(book, &dir).map_err(|e| e.to_string())?;
        let synced = rt.block_on(node.sync_now(false)).map_err(|e| e.to_string())?;
        if let Some(e) = synced.iter().find_map(|o| o.error.clone()) {
            return Err(format!("node {k}'s first sync: {e}"));
        }
        running.push(node);
    }
    let rss_before = relay.rss_mib("VmRSS:");
    for node in &running {
        rt.block_on(node.start(None, Duration::from_secs(3600))).map_err(|e| e.to_string())?;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while relay.notice_streams() < nodes as u64 {
        if Instant::now() > deadline {
            return Err(format!("only {} of {nodes} nodes follow the notices", relay.notice_streams()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Let the first syncs that every connection starts settle.
    std::thread::sleep(Duration::from_secs(2));
    let first = running[0].book().clone();
    let id = first.store.resolve(&number).map_err(|e| e.to_string())?;
    let mut samples = Vec::new();
    let mut last = Vec::new();
    for i in 0..edits {
        let mut watches: Vec<_> = running[1..].iter().map(|n| n.subscribe()).collect();
        for w in watches.iter_mut() {
            w.borrow_and_update();
        }
        let t = Instant::now();
        let input =
            NewInteraction { channel: Some(Channel::Phone), summary: format!("live {i}"), ..Default::default() };
        first.add_interaction(&number, &input).map_err(|e| e.to_string())?;
        running[0].changed();
        let heads = first.store.heads_of(id).map_err(|e| e.to_string())?;
        let times: Vec<Result<f64, String>> = rt.block_on(async {
            let tasks: Vec<_> = running[1..]
                .iter()
                .zip(watches)
                .map(|(n, mut w)| {
                    let (book, heads) = (n.book().clone(), heads.clone());
                    tokio::spawn(async move {
                        let until = tokio::time::Instant::now() + Duration::from_secs(30);
                        loop {
                            if book.store.heads_of(id).map_err(|e| e.to_string())? == heads {
                                return Ok(t.elapsed().as_secs_f64() * 1000.0);
                            }
                            if tokio::time::timeout_at(until, w.changed()).await.is_err() {
                                return Err("an edit did not arrive within 30 s".to_string());
                            }
                        }
                    })
                })
                .collect();
            let mut out = Vec::new();
            for task in tasks {
                out.push(task.await.unwrap_or_else(|e| Err(e.to_string())));
            }
            out
        });
        let times: Vec<f64> = times.into_iter().collect::<Result<_, _>>()?;
        last.push(times.iter().copied().fold(0.0, f64::max));
        samples.extend(times);
        std::thread::sleep(Duration::from_millis(500));
    }
    let rss = relay.rss_mib("VmHWM:");
    for node in &running {
        rt.block_on(node.stop());
    }
    let _ = std::fs::remove_dir_all(&base);
    samples.sort_by(f64::total_cmp);
    last.sort_by(f64::total_cmp);
    Ok(serde_json::json!({
        "what": "an edit on one running node until each other node holds it, through the relay's notices",
        "nodes": nodes,
        "edits": edits,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "p50_ms": percentile(&samples, 0.5),
        "p90_ms": percentile(&samples, 0.9),
        "p99_ms": percentile(&samples, 0.99),
        "max_ms": percentile(&samples, 1.0),
        "every_node_p50_ms": percentile(&last, 0.5),
        "every_node_max_ms": percentile(&last, 1.0),
        "relay_rss_mib_before_streams": rss_before,
        "relay_peak_rss_mib": rss,
    }))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let nodes: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(50);
    let edits: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20);
    let report = run(nodes.max(2), edits.max(1)).unwrap_or_else(|e| serde_json::json!({ "error": e }));
    println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
}
