//! What the command-line tests share: running `rapport` and a relay as real processes on
//! loopback, and waiting for them. Each test file uses part of it.
#![allow(dead_code)]

pub mod gate;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const NOW: &str = "2026-03-02T10:00:00";

pub fn command(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rapport"));
    c.arg("--data-dir").arg(data).args(args).env("RAPPORT_NOW", NOW).env_remove("RAPPORT_DATA");
    c
}

pub fn rapport(data: &Path, args: &[&str]) -> Output {
    command(data, args).output().expect("run rapport")
}

/// Runs a command that must succeed; returns what it printed.
pub fn ok_output(data: &Path, args: &[&str]) -> Output {
    let o = rapport(data, args);
    assert!(
        o.status.success(),
        "rapport {args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Runs a command that must succeed; returns its standard output.
pub fn ok(data: &Path, args: &[&str]) -> String {
    String::from_utf8_lossy(&ok_output(data, args).stdout).into_owned()
}

/// Runs a command that must be refused with exit code 2; returns its standard error.
pub fn refused(data: &Path, args: &[&str]) -> String {
    let o = rapport(data, args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "rapport {args:?} must exit 2: {}{err}", String::from_utf8_lossy(&o.stdout));
    err
}

pub fn relay_bin() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_rapport")).with_file_name("rapport-relay")
}

pub struct Proc(pub Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn wait_json(path: &Path, key: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(v) =
            std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        {
            if let Some(s) = v[key].as_str() {
                return s.to_string();
            }
        }
        assert!(Instant::now() < deadline, "{} did not appear", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A relay on loopback with one team; `member` adds a member and returns its token.
pub struct Relay {
    _proc: Proc,
    pub dir: PathBuf,
    pub url: String,
}

impl Relay {
    pub fn start(tmp: &Path) -> Relay {
        assert!(relay_bin().exists(), "{} is missing; `cargo test --workspace` builds it", relay_bin().display());
        let dir = tmp.join("relay");
        let proc = Proc(
            Command::new(relay_bin())
                .arg("--data")
                .arg(&dir)
                .args(["serve", "--listen", "127.0.0.1:0"])
                .stderr(Stdio::null())
                .spawn()
                .expect("relay"),
        );
        let url = format!("http://{}", wait_json(&dir.join("relay.json"), "addr"));
        let relay = Relay { _proc: proc, dir, url };
        relay.admin(&["team", "create", "east"]);
        relay
    }

    /// Stops the relay process (its data stays).
    pub fn stop(&mut self) {
        let _ = self._proc.0.kill();
        let _ = self._proc.0.wait();
    }

    /// Starts a stopped relay again on the same address and data.
    pub fn start_again(&mut self) {
        let _ = std::fs::remove_file(self.dir.join("relay.json"));
        let addr = self.url.trim_start_matches("http://").to_string();
        self._proc = Proc(
            Command::new(relay_bin())
                .arg("--data")
                .arg(&self.dir)
                .args(["serve", "--listen", &addr])
                .stderr(Stdio::null())
                .spawn()
                .expect("relay"),
        );
        wait_json(&self.dir.join("relay.json"), "addr");
    }

    pub fn admin(&self, args: &[&str]) -> String {
        let o = Command::new(relay_bin()).arg("--data").arg(&self.dir).args(args).output().expect("admin");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    pub fn member(&self, name: &str) -> String {
        self.admin(&["member", "add", "east", name, "--role", "admin"])
    }
}

/// `rapport serve` on port 0 with its timer at an hour, stopped with the test.
pub fn serve(data: &Path) -> Proc {
    serve_with(data, &["--sync-interval", "3600"])
}

/// `rapport serve` on port 0 with `extra` options, stopped with the test. What it says
/// on standard error goes to `serve.log` beside its data (for a failing test's reader).
pub fn serve_with(data: &Path, extra: &[&str]) -> Proc {
    let _ = std::fs::remove_file(data.join("serve.json"));
    let args: Vec<&str> = ["serve", "--listen", "127.0.0.1:0"].iter().chain(extra).copied().collect();
    let log = std::fs::File::create(data.with_extension("serve.log")).expect("serve log");
    let node = Proc(command(data, &args).stdout(Stdio::null()).stderr(log).spawn().expect("serve"));
    wait_json(&data.join("serve.json"), "url");
    node
}

/// Adds a company customer (industry C, from a referral) on `data` and returns its number.
pub fn add_customer(data: &Path, name: &str) -> String {
    let out =
        ok(data, &["customer", "add", "--kind", "company", "--name", name, "--industry", "C", "--source", "referral"]);
    out.split_whitespace().next().expect("a number").to_string()
}

/// `rapport peer invite` on `data` (through its running node, if one runs), waiting up to
/// a minute for a teammate: the running command and the ticket it printed.
pub fn invite(data: &Path) -> (Proc, String) {
    let mut invite = command(data, &["peer", "invite", "--listen", "127.0.0.1:0", "--wait", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("invite");
    let mut ticket = String::new();
    let out = invite.stdout.take().expect("stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut ticket).expect("ticket line");
    (Proc(invite), ticket.trim().to_string())
}

pub fn assert_held(data: &Path) {
    let direct = rapport_store::Store::open(&data.join("book.redb"));
    assert!(matches!(direct, Err(rapport_store::StoreError::Locked(_))), "the node holds the store");
}
