//! Sync under faults, against a real relay process on loopback: connections cut at random
//! byte offsets by a proxy, a node killed with SIGKILL in the middle of `rapport sync`, and
//! hostile requests to the relay. Every case ends converged with nothing lost, finished
//! documents are not sent again, and hostile requests change nothing.

mod common;

use common::*;
use rapport_store::Store;
use rapport_sync::{encode, sync_once, DocChanges, HttpTransport, Message};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A TCP proxy that forwards to `target` and cuts each connection once `budget` bytes
/// (both directions together) have passed; `budget` is re-read for every connection.
struct CuttingProxy {
    addr: String,
    budget: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl CuttingProxy {
    fn start(target: String) -> CuttingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("addr").to_string();
        let budget = Arc::new(AtomicU64::new(u64::MAX));
        let stop = Arc::new(AtomicBool::new(false));
        listener.set_nonblocking(true).expect("nonblocking");
        let (b, s) = (budget.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        let Ok(server) = TcpStream::connect(&target) else { continue };
                        let left = Arc::new(AtomicU64::new(b.load(Ordering::Relaxed)));
                        for (mut from, mut to) in
                            [(client.try_clone().expect("clone"), server.try_clone().expect("clone")), (server, client)]
                        {
                            let left = left.clone();
                            std::thread::spawn(move || {
                                let mut buf = [0u8; 8192];
                                loop {
                                    let n = match from.read(&mut buf) {
                                        Ok(0) | Err(_) => break,
                                        Ok(n) => n,
                                    };
                                    let allowed = left.fetch_sub(
                                        n.min(left.load(Ordering::Relaxed) as usize) as u64,
                                        Ordering::Relaxed,
                                    );
                                    let send = n.min(allowed as usize);
                                    if send > 0 && to.write_all(&buf[..send]).is_err() {
                                        break;
                                    }
                                    if send < n {
                                        break;
                                    }
                                }
                                let _ = from.shutdown(Shutdown::Both);
                                let _ = to.shutdown(Shutdown::Both);
                            });
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        CuttingProxy { addr, budget, stop }
    }
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[test]
fn fifty_cut_connections_still_converge_without_redoing_finished_documents() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    relay.admin(&["team", "create", "east"]);
    let ta = relay.admin(&["member", "add", "east", "a", "--role", "admin"]);
    let tb = relay.admin(&["member", "add", "east", "b", "--role", "admin"]);
    let a = node(tmp.path(), "a");
    let b = node(tmp.path(), "b");
    let demo = rapport_demo::DemoBook::new(21, at("2026-03-02 18:00").date(), &["Li Wei"]);
    let n = 1200u64;
    a.store
        .create_many(
            (0..n).map(|i| demo.customer(i, &rapport_demo::DemoProfile::bench())).collect(),
            "a",
            at("2026-03-01 09:00"),
        )
        .expect("seed");
    let numbers: Vec<String> = a.store.all_summaries().expect("rows").into_iter().map(|r| r.summary.number).collect();
    let proxy = CuttingProxy::start(relay.url.trim_start_matches("http://").to_string());
    let via = format!("http://{}", proxy.addr);
    let peer = format!("relay:{via}");
    let seed = 0x5eed_u64 ^ std::process::id() as u64;
    println!("cut seed {seed}");
    let mut rng = Lcg(seed);
    let mut cuts = 0;
    for round in 0..25 {
        // Something to send every round: the whole book at first, then a few follow-ups.
        if round > 0 {
            for _ in 0..5 {
                let num = &numbers[rng.next(n) as usize];
                let f = rapport_model::NewInteraction {
                    channel: Some(rapport_model::Channel::Phone),
                    summary: format!("round {round}"),
                    ..Default::default()
                };
                a.add_interaction(num, &f).expect("edit");
            }
        }
        let size = if round == 0 { 6_000_000 } else { 12_000 };
        for (book, token, key) in [(&a, &ta, "pushed"), (&b, &tb, "pulled")] {
            let before = book.store.sync_cursor(&peer, key).expect("cursor");
            let acked: usize = if key == "pushed" {
                numbers
                    .iter()
                    .filter(|num| {
                        !book.store.peer_heads(&peer, book.store.resolve(num).expect("id")).expect("heads").is_empty()
                    })
                    .count()
            } else {
                0
            };
            proxy.budget.store(rng.next(size), Ordering::Relaxed);
            match sync_once(&book.store, &mut HttpTransport::new(&via, token)) {
                Err(_) => cuts += 1,
                Ok(r) if key == "pushed" && round == 0 => {
                    assert!(
                        r.sent <= n as usize - acked,
                        "resent finished documents: sent {} with {acked} already acknowledged",
                        r.sent
                    )
                }
                Ok(_) => {}
            }
            assert!(book.store.sync_cursor(&peer, key).expect("cursor") >= before, "a cursor went back");
            assert!(book.store.doctor().expect("doctor").problems.is_empty(), "store inconsistent after a cut");
        }
    }
    proxy.budget.store(u64::MAX, Ordering::Relaxed);
    let held = b.store.count().expect("count");
    sync_once(&a.store, &mut HttpTransport::new(&via, &ta)).expect("a without cuts");
    let r = sync_once(&b.store, &mut HttpTransport::new(&via, &tb)).expect("b without cuts");
    assert_eq!(r.received_new as u64, n - held, "documents received before a cut are not fetched again");
    println!("{cuts} of 50 syncs were cut");
    assert!(cuts >= 20, "the proxy cut too few connections ({cuts})");
    assert_eq!(snapshot(&a), snapshot(&b));
}

#[test]
fn a_node_killed_mid_sync_resumes_and_converges() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    relay.admin(&["team", "create", "east"]);
    let ta = relay.admin(&["member", "add", "east", "a", "--role", "admin"]);
    let tb = relay.admin(&["member", "add", "east", "b", "--role", "admin"]);
    // Node A is a real data directory driven by the `rapport` binary.
    let dir_a = tmp.path().join("a");
    let rapport = bin("rapport");
    let run = |args: &[&str]| {
        Command::new(&rapport)
            .arg("--data-dir")
            .arg(&dir_a)
            .args(args)
            .env("RAPPORT_NOW", "2026-03-02T18:00:00")
            .output()
            .expect("rapport")
    };
    assert!(run(&["demo", "--customers", "2000", "--bench-shape"]).status.success());
    assert!(run(&["relay", "set", &relay.url, &ta]).status.success());
    let mut rng = Lcg(7 ^ std::process::id() as u64);
    for _ in 0..5 {
        let mut child = Command::new(&rapport).arg("--data-dir").arg(&dir_a).arg("sync").spawn().expect("sync");
        std::thread::sleep(Duration::from_millis(100 + rng.next(900)));
        let _ = child.kill();
        let _ = child.wait();
        let doctor = run(&["doctor"]);
        assert!(doctor.status.success(), "doctor after a kill: {}", String::from_utf8_lossy(&doctor.stdout));
    }
    let done = run(&["--json", "sync"]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let b = node(tmp.path(), "b");
    let r = rapport_sync::sync_once(&b.store, &mut HttpTransport::new(&relay.url, &tb)).expect("b");
    assert_eq!(r.received_new, 2000);
    let a = Store::open(&dir_a.join("book.redb")).expect("open a");
    let (a, _) = rapport_node::LocalBook::open(a, rapport_node::Clock::Fixed(at("2026-03-02 18:00"))).expect("a");
    assert_eq!(snapshot(&a), snapshot(&b));
}

fn post(url: &str, token: Option<&str>, body: &[u8]) -> (u16, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut req = agent.post(&format!("{url}/v1/sync"));
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    match req.send(body) {
        Ok(mut r) => (r.status().as_u16(), r.body_mut().read_to_vec().unwrap_or_default()),
        Err(e) => (0, e.to_string().into_bytes()),
    }
}

/// The relay's per-team document counts (team ids are only on its admin listener).
fn documents(admin_url: &str) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let text = agent
        .get(&format!("{admin_url}/metrics"))
        .call()
        .ok()
        .and_then(|mut r| r.body_mut().read_to_string().ok())
        .unwrap_or_default();
    text.lines().filter(|l| l.starts_with("rapport_relay_team_documents")).collect::<Vec<_>>().join("\n")
}

#[test]
fn hostile_requests_are_dropped_and_change_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    relay.admin(&["team", "create", "east"]);
    let token = relay.admin(&["member", "add", "east", "a", "--role", "admin"]);
    let a = node(tmp.path(), "a");
    a.add_customer(&rapport_model::NewCustomer {
        kind: Some(rapport_model::Kind::Company),
        name: "恒瑞精密".into(),
        industry: Some("C".into()),
        source: Some("referral".into()),
        ..Default::default()
    })
    .expect("add");
    sync_once(&a.store, &mut HttpTransport::new(&relay.url, &token)).expect("sync");
    let before = documents(&relay.admin_url);
    assert!(before.contains("rapport_relay_team_documents{team="), "{before}");
    let valid = encode(&Message::Changes { since: 0, limit: 10 });
    let mut wrong_version = valid.clone();
    wrong_version[4] = 99;
    let mut oversized = ((rapport_sync::MAX_FRAME + 10) as u32).to_be_bytes().to_vec();
    oversized.extend(vec![1u8; 64]);
    let garbage_docs =
        encode(&Message::Push { docs: vec![DocChanges { id: [7; 16], bytes: b"definitely not automerge".to_vec() }] });
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("garbage", b"\x00\x01hello relay".to_vec(), 400),
        ("truncated", valid[..valid.len() - 2].to_vec(), 400),
        ("wrong version", wrong_version, 400),
        ("oversized header", oversized, 400),
        ("a response sent as a request", encode(&Message::Docs { docs: vec![] }), 400),
        ("empty body", Vec::new(), 400),
    ];
    for (what, body, want) in cases {
        let (status, resp) = post(&relay.url, Some(&token), &body);
        assert_eq!(status, want, "{what}");
        assert!(matches!(rapport_sync::decode(&resp), Ok(Message::Error { .. })), "{what}: a readable refusal");
    }
    // Bodies over the limit are refused before they are read.
    let (status, _) = post(&relay.url, Some(&token), &vec![0u8; rapport_sync::MAX_FRAME + 1024]);
    assert!(status == 413 || status == 0, "oversized body: {status}");
    // Invalid documents inside a valid push are refused one by one.
    let (status, resp) = post(&relay.url, Some(&token), &garbage_docs);
    assert_eq!(status, 200);
    match rapport_sync::decode(&resp) {
        Ok(Message::Pushed { results }) => assert!(matches!(results[0], rapport_sync::DocResult::Refused { .. })),
        other => panic!("expected Pushed, got {other:?}"),
    }
    // No or wrong token: refused.
    assert_eq!(post(&relay.url, None, &valid).0, 401);
    assert_eq!(post(&relay.url, Some("0000"), &valid).0, 401);
    assert_eq!(documents(&relay.admin_url), before, "hostile requests changed the relay's store");
    // The relay still serves the good member.
    let r = sync_once(&a.store, &mut HttpTransport::new(&relay.url, &token)).expect("still works");
    assert!(r.refused.is_empty());
}
