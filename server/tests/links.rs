//! The relay links the wire format and the document checks, never a node's store: a
//! relay operator's binary carries no node code, and a store change cannot change the
//! relay. Read from the workspace's resolved dependency graph (`cargo metadata`), so a
//! new dependency that drags the store in fails here, not in review.

use std::collections::{BTreeSet, HashMap};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Crates of a node that the relay must never link.
const NODE_ONLY: [&str; 5] = ["rapport-store", "rapport-sync", "rapport-node", "rapport-api", "rapport-p2p"];

/// Runs `cargo metadata` on the workspace, bounded in time.
fn metadata() -> serde_json::Value {
    let cargo = option_env!("CARGO").unwrap_or("cargo");
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let mut child = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--locked", "--manifest-path", manifest])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cargo metadata");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut out).map(|_| out)
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for cargo metadata") {
            assert!(status.success(), "cargo metadata failed: {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("cargo metadata did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = reader.join().expect("reader").expect("read cargo metadata");
    serde_json::from_slice(&out).expect("cargo metadata prints JSON")
}

/// Names of every package `root` links: its normal dependencies, transitively (dev and
/// build dependencies are not linked into the binary).
fn linked(meta: &serde_json::Value, root: &str) -> BTreeSet<String> {
    let packages = meta["packages"].as_array().expect("packages");
    let name_of: HashMap<&str, &str> = packages
        .iter()
        .map(|p| (p["id"].as_str().expect("package id"), p["name"].as_str().expect("package name")))
        .collect();
    let nodes = meta["resolve"]["nodes"].as_array().expect("resolve");
    let by_id: HashMap<&str, &serde_json::Value> =
        nodes.iter().map(|n| (n["id"].as_str().expect("node id"), n)).collect();
    let start = name_of.iter().find(|(_, n)| **n == root).map(|(id, _)| *id).expect("root package");
    let mut seen = BTreeSet::new();
    let mut todo = vec![start];
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in by_id[id]["deps"].as_array().expect("deps") {
            let normal = dep["dep_kinds"].as_array().expect("dep kinds").iter().any(|k| k["kind"].is_null());
            if normal {
                todo.push(dep["pkg"].as_str().expect("dep pkg"));
            }
        }
    }
    seen.into_iter().map(|id| name_of[id].to_string()).collect()
}

#[test]
fn the_relay_links_the_wire_format_and_the_document_checks_but_no_node_store() {
    let meta = metadata();
    let links = linked(&meta, "rapport-relay");
    for required in ["rapport-wire", "rapport-doc", "rapport-rules"] {
        assert!(links.contains(required), "the relay must link {required}; it links {links:?}");
    }
    let wrong: Vec<&str> = NODE_ONLY.iter().copied().filter(|c| links.contains(*c)).collect();
    assert!(wrong.is_empty(), "the relay links node crates {wrong:?}; only the wire format may be shared");
    // And the node side still shares the same wire crate.
    assert!(linked(&meta, "rapport-sync").contains("rapport-wire"));
}
