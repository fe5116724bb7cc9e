//! Progress bars: drawn on standard error when it is a terminal, and never when it is not
//! (a pipe, a log file) or with `--json`. Real processes: a relay on loopback and the
//! `rapport` binary, run once with piped output and once inside a pseudo-terminal
//! (`script`, from util-linux).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "2026-03-02T10:00:00";
/// Enough customers for a sync that takes more than one batch each way.
const CUSTOMERS: &str = "1500";

fn rapport(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("RAPPORT_NOW", NOW)
        .output()
        .expect("run rapport")
}

fn ok(data: &Path, args: &[&str]) -> Output {
    let o = rapport(data, args);
    assert!(o.status.success(), "rapport {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

/// Runs `rapport` with its standard error on a pseudo-terminal and returns what the
/// terminal showed (standard output and error together).
fn on_a_terminal(data: &Path, args: &[&str]) -> String {
    let mut line = format!("'{}' --data-dir '{}'", env!("CARGO_BIN_EXE_rapport"), data.display());
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    let o = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("RAPPORT_NOW", NOW)
        .env("COLUMNS", "120")
        .stdin(Stdio::null())
        .output()
        .expect("`script` (util-linux) runs a command on a pseudo-terminal; install it to run this test");
    let shown = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "rapport {args:?} on a terminal failed: {shown}");
    shown
}

fn relay_bin() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_rapport")).with_file_name("rapport-relay")
}

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_json(path: &Path, key: &str) -> String {
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

/// What a bar leaves on standard error: its labels, carriage returns, terminal escapes.
fn has_a_bar(stderr: &str) -> bool {
    ["sending", "receiving", "documents", "customers (", "\r", "\u{1b}["].iter().any(|m| stderr.contains(m))
}

#[test]
fn bars_are_drawn_on_a_terminal_only_and_never_with_json() {
    assert!(relay_bin().exists(), "{} is missing; `cargo test --workspace` builds it", relay_bin().display());
    let tmp = tempfile::tempdir().expect("tmp");
    let relay_dir = tmp.path().join("relay");
    let _relay = Proc(
        Command::new(relay_bin())
            .arg("--data")
            .arg(&relay_dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stderr(Stdio::null())
            .spawn()
            .expect("relay"),
    );
    let relay_url = format!("http://{}", wait_json(&relay_dir.join("relay.json"), "addr"));
    let admin = |args: &[&str]| {
        let o = Command::new(relay_bin()).arg("--data").arg(&relay_dir).args(args).output().expect("admin");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    admin(&["team", "create", "east"]);
    let tokens: Vec<String> =
        ["a", "b", "c"].iter().map(|m| admin(&["member", "add", "east", m, "--role", "admin"])).collect();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));

    // Piped (as every other test runs): the result, no bar.
    let demo = ok(&a, &["demo", "--customers", CUSTOMERS]);
    assert!(!has_a_bar(&String::from_utf8_lossy(&demo.stderr)), "{:?}", String::from_utf8_lossy(&demo.stderr));
    ok(&a, &["relay", "set", &relay_url, &tokens[0]]);
    let up = ok(&a, &["sync"]);
    let err = String::from_utf8_lossy(&up.stderr);
    assert!(!has_a_bar(&err), "a bar on a pipe: {err:?}");
    assert!(String::from_utf8_lossy(&up.stdout).contains(CUSTOMERS), "{}", String::from_utf8_lossy(&up.stdout));
    for args in [&["doctor"][..], &["reindex"], &["export", "--fields", "number,name"]] {
        let o = ok(&a, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!has_a_bar(&err), "rapport {args:?} drew a bar on a pipe: {err:?}");
    }

    // --json: nothing on standard error at all.
    ok(&b, &["init", "--name", "Wang Fang"]);
    ok(&b, &["relay", "set", &relay_url, &tokens[1]]);
    let down = ok(&b, &["--json", "sync"]);
    assert!(down.stderr.is_empty(), "--json sync wrote to stderr: {:?}", String::from_utf8_lossy(&down.stderr));
    let report: serde_json::Value = serde_json::from_slice(&down.stdout).expect("sync --json");
    let relay_report = report.as_object().and_then(|m| m.values().next()).expect("the relay's report");
    assert_eq!(relay_report["received_new"].to_string(), CUSTOMERS, "{report}");

    // A terminal: the bars show (this is what makes the two checks above mean something).
    ok(&c, &["init", "--name", "Zhang Min"]);
    ok(&c, &["relay", "set", &relay_url, &tokens[2]]);
    let shown = on_a_terminal(&c, &["sync"]);
    assert!(shown.contains("receiving") && shown.contains("documents"), "no sync bar on a terminal: {shown:?}");
    let shown = on_a_terminal(&c, &["doctor"]);
    assert!(shown.contains("checking"), "no doctor bar on a terminal: {shown:?}");
    // ...and --json keeps even a terminal quiet.
    let shown = on_a_terminal(&c, &["--json", "doctor"]);
    assert!(!shown.contains("checking"), "--json drew a bar on a terminal: {shown:?}");
}

/// `rapport serve` on port 0 (background sync on a long timer), stopped with the test.
fn serve(data: &Path) -> Proc {
    let node = Proc(
        Command::new(env!("CARGO_BIN_EXE_rapport"))
            .arg("--data-dir")
            .arg(data)
            .args(["serve", "--listen", "127.0.0.1:0", "--sync-interval", "3600"])
            .env("RAPPORT_NOW", NOW)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve"),
    );
    wait_json(&data.join("serve.json"), "url");
    node
}

/// The node's first sync with the relay has ended (the relay was empty then).
fn synced_once(data: &Path) -> bool {
    let o = rapport(data, &["--json", "sync", "status"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    v["peers"].as_array().is_some_and(|lines| lines.iter().any(|l| l["last_success"].is_string()))
}

fn assert_held(data: &Path) {
    let direct = rapport_store::Store::open(&data.join("book.redb"));
    assert!(matches!(direct, Err(rapport_store::StoreError::Locked(_))), "the node holds the store");
}

#[test]
fn bars_are_drawn_through_a_running_node() {
    assert!(relay_bin().exists(), "{} is missing; `cargo test --workspace` builds it", relay_bin().display());
    let tmp = tempfile::tempdir().expect("tmp");
    let relay_dir = tmp.path().join("relay");
    let _relay = Proc(
        Command::new(relay_bin())
            .arg("--data")
            .arg(&relay_dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stderr(Stdio::null())
            .spawn()
            .expect("relay"),
    );
    let relay_url = format!("http://{}", wait_json(&relay_dir.join("relay.json"), "addr"));
    let admin = |args: &[&str]| {
        let o = Command::new(relay_bin()).arg("--data").arg(&relay_dir).args(args).output().expect("admin");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    admin(&["team", "create", "east"]);
    let tokens: Vec<String> =
        ["owner", "served"].iter().map(|m| admin(&["member", "add", "east", m, "--role", "admin"])).collect();
    let (owner, served, sample) = (tmp.path().join("owner"), tmp.path().join("served"), tmp.path().join("sample"));

    // A serving node syncs once with the still empty relay; its timer then sleeps for an
    // hour, so the book uploaded next reaches it only through `rapport sync` below.
    ok(&served, &["init", "--name", "Li Lei"]);
    ok(&served, &["relay", "set", &relay_url, &tokens[1]]);
    let _served = serve(&served);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !synced_once(&served) {
        assert!(Instant::now() < deadline, "the serving node never synced with the relay");
        std::thread::sleep(Duration::from_millis(100));
    }
    ok(&owner, &["demo", "--customers", CUSTOMERS]);
    ok(&owner, &["relay", "set", &relay_url, &tokens[0]]);
    ok(&owner, &["sync"]);

    assert_held(&served);
    let shown = on_a_terminal(&served, &["sync"]);
    assert!(shown.contains("receiving") && shown.contains("documents"), "no sync bar through the node: {shown:?}");
    assert!(ok(&served, &["list", "--limit", "1", "--json"]).status.success());

    // Long work on the book through a running node: a node with sample data only.
    ok(&sample, &["init", "--name", "Han Mei"]);
    let _sample = serve(&sample);
    assert_held(&sample);
    let shown = on_a_terminal(&sample, &["demo", "--customers", "3000"]);
    assert!(shown.contains("creating") && shown.contains("customers ("), "no demo bar through the node: {shown:?}");
    let out = tmp.path().join("out.csv");
    let out = out.to_str().expect("a UTF-8 temp path");
    for (args, label) in [
        (&["doctor"][..], "checking"),
        (&["reindex"], "reindexing"),
        (&["export", "--fields", "number,name,stage", "--output", out], "exporting"),
    ] {
        let shown = on_a_terminal(&sample, args);
        assert!(shown.contains(label), "rapport {args:?} drew no bar through the node: {shown:?}");
        // --json keeps the terminal quiet through the node too.
        if args[0] != "export" {
            let mut quiet = vec!["--json"];
            quiet.extend_from_slice(args);
            let shown = on_a_terminal(&sample, &quiet);
            assert!(!shown.contains(label), "--json drew a bar through the node: {shown:?}");
        }
    }
}
