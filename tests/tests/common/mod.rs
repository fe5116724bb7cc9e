//! Shared pieces of the sync tests: a real relay process, nodes, snapshots.
#![allow(dead_code)]

pub mod craft;

use rapport_model::*;
use rapport_node::{Clock, LocalBook};
use rapport_store::{Filter, Store};
use rapport_sync::{sync_once, HttpTransport};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn bin(name: &str) -> PathBuf {
    // Test executables live in target/<profile>/deps; binaries one level up.
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    dir.join(name)
}

pub struct Relay {
    pub child: Child,
    pub dir: PathBuf,
    /// The member listener (sync, counters).
    pub url: String,
    /// The loopback admin listener (admin API, per-team metrics).
    pub admin_url: String,
}

impl Relay {
    pub fn start(dir: &Path) -> Relay {
        let _ = std::fs::remove_file(dir.join("relay.json"));
        let child = Command::new(bin("rapport-relay"))
            .args(["--data"])
            .arg(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("relay starts (build it with `cargo build -p rapport-relay`)");
        // Owned from here on, so the process is killed and reaped on every path.
        let mut relay = Relay { child, dir: dir.to_path_buf(), url: String::new(), admin_url: String::new() };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(text) = std::fs::read_to_string(dir.join("relay.json")) {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                    if let (Some(addr), Some(admin)) = (v["addr"].as_str(), v["admin"].as_str()) {
                        relay.url = format!("http://{addr}");
                        relay.admin_url = format!("http://{admin}");
                        return relay;
                    }
                }
            }
            assert!(Instant::now() < deadline, "relay did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn admin(&self, args: &[&str]) -> String {
        let out =
            Command::new(bin("rapport-relay")).arg("--data").arg(&self.dir).args(args).output().expect("admin command");
        assert!(out.status.success(), "rapport-relay {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Creates team `name` with `members`; returns each member's token, in order.
    pub fn team(&self, name: &str, members: &[&str]) -> Vec<String> {
        self.admin(&["team", "create", name]);
        members.iter().map(|m| self.admin(&["member", "add", name, m, "--role", "admin"])).collect()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A company customer as `customer add` takes it: name, industry C, source referral.
pub fn company(name: &str) -> NewCustomer {
    NewCustomer {
        kind: Some(Kind::Company),
        name: name.into(),
        industry: Some("C".into()),
        source: Some("referral".into()),
        ..Default::default()
    }
}

pub fn at(s: &str) -> DateTime {
    parse_datetime("t", s).expect("date")
}

/// A new store `DIR/NAME.redb` with the default settings.
pub fn new_store(dir: &Path, name: &str) -> Store {
    Store::init(
        &dir.join(format!("{name}.redb")),
        name,
        rapport_node::default_settings_doc().expect("settings"),
        Vec::new(),
    )
    .expect("init")
}

pub fn node(dir: &Path, name: &str) -> LocalBook {
    LocalBook::open(new_store(dir, name), Clock::Fixed(at("2026-03-02 18:00"))).expect("open").0
}

/// A bare store (no node around it) whose rules engine is installed, as a syncing
/// process without the CLI would have it.
pub fn store_with_rules(dir: &Path, name: &str) -> std::sync::Arc<Store> {
    let s = new_store(dir, name);
    rapport_node::engine::install(&s, at("2026-03-02 18:00").date(), false).expect("rules");
    std::sync::Arc::new(s)
}

/// Deterministic pseudo-random numbers (tests print the seed).
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

pub fn sync(book: &LocalBook, url: &str, token: &str) -> rapport_sync::SyncReport {
    let r = sync_once(&book.store, &mut HttpTransport::new(url, token)).expect("sync");
    // As the node does after every sync: edits from now on follow the roster it brought.
    rapport_node::install_guard(&book.store).expect("guard");
    if r.settings_changed {
        book.refresh_tags().expect("refresh");
    }
    r
}

/// Number, heads, rule tags and tier of every customer.
pub type Snapshot = Vec<(String, Vec<rapport_doc::ChangeHash>, Vec<String>, Option<String>)>;

pub fn snapshot(book: &LocalBook) -> Snapshot {
    book.list(&Filter { include_archived: true, ..Default::default() })
        .expect("list")
        .into_iter()
        .map(|r| {
            (r.summary.number.clone(), book.store.heads_of(r.id).expect("heads"), r.summary.rule_tags, r.summary.tier)
        })
        .collect()
}
