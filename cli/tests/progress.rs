//! Progress bars: drawn on standard error when it is a terminal, and never when it is not
//! (a pipe, a log file) or with `--json`. Real processes: a relay on loopback and the
//! `rapport` binary, run once with piped output and once inside a pseudo-terminal
//! (`script`, from util-linux).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::*;

/// Enough customers for a sync that takes more than one batch each way.
const CUSTOMERS: &str = "1500";

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

/// What a bar leaves on standard error: its labels, carriage returns, terminal escapes.
fn has_a_bar(stderr: &str) -> bool {
    ["sending", "receiving", "documents", "customers (", "\r", "\u{1b}["].iter().any(|m| stderr.contains(m))
}

#[test]
fn bars_are_drawn_on_a_terminal_only_and_never_with_json() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(tmp.path());
    let relay_url = relay.url.clone();
    let tokens: Vec<String> = ["a", "b", "c"].iter().map(|m| relay.member(m)).collect();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));

    // Piped (as every other test runs): the result, no bar.
    let demo = ok_output(&a, &["demo", "--customers", CUSTOMERS]);
    assert!(!has_a_bar(&String::from_utf8_lossy(&demo.stderr)), "{:?}", String::from_utf8_lossy(&demo.stderr));
    ok_output(&a, &["relay", "set", &relay_url, &tokens[0]]);
    let up = ok_output(&a, &["sync"]);
    let err = String::from_utf8_lossy(&up.stderr);
    assert!(!has_a_bar(&err), "a bar on a pipe: {err:?}");
    assert!(String::from_utf8_lossy(&up.stdout).contains(CUSTOMERS), "{}", String::from_utf8_lossy(&up.stdout));
    for args in [&["doctor"][..], &["reindex"], &["export", "--fields", "number,name"]] {
        let o = ok_output(&a, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!has_a_bar(&err), "rapport {args:?} drew a bar on a pipe: {err:?}");
    }

    // --json: nothing on standard error at all.
    ok_output(&b, &["init", "--name", "Wang Fang"]);
    ok_output(&b, &["relay", "set", &relay_url, &tokens[1]]);
    let down = ok_output(&b, &["--json", "sync"]);
    assert!(down.stderr.is_empty(), "--json sync wrote to stderr: {:?}", String::from_utf8_lossy(&down.stderr));
    let report: serde_json::Value = serde_json::from_slice(&down.stdout).expect("sync --json");
    let relay_report = report.as_object().and_then(|m| m.values().next()).expect("the relay's report");
    assert_eq!(relay_report["received_new"].to_string(), CUSTOMERS, "{report}");

    // A terminal: the bars show (this is what makes the two checks above mean something).
    ok_output(&c, &["init", "--name", "Zhang Min"]);
    ok_output(&c, &["relay", "set", &relay_url, &tokens[2]]);
    let shown = on_a_terminal(&c, &["sync"]);
    assert!(shown.contains("receiving") && shown.contains("documents"), "no sync bar on a terminal: {shown:?}");
    let shown = on_a_terminal(&c, &["doctor"]);
    assert!(shown.contains("checking"), "no doctor bar on a terminal: {shown:?}");
    // ...and --json keeps even a terminal quiet.
    let shown = on_a_terminal(&c, &["--json", "doctor"]);
    assert!(!shown.contains("checking"), "--json drew a bar on a terminal: {shown:?}");
}

/// The node's first sync with the relay has ended (the relay was empty then).
fn synced_once(data: &Path) -> bool {
    let o = rapport(data, &["--json", "sync", "status"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    v["peers"].as_array().is_some_and(|lines| lines.iter().any(|l| l["last_success"].is_string()))
}

#[test]
fn bars_are_drawn_through_a_running_node() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(tmp.path());
    let relay_url = relay.url.clone();
    let tokens: Vec<String> = ["owner", "served"].iter().map(|m| relay.member(m)).collect();
    let (owner, served, sample) = (tmp.path().join("owner"), tmp.path().join("served"), tmp.path().join("sample"));

    // A serving node syncs once with the still empty relay; its timer then sleeps for an
    // hour, so the book uploaded next reaches it only through `rapport sync` below.
    ok_output(&served, &["init", "--name", "Li Lei"]);
    ok_output(&served, &["relay", "set", &relay_url, &tokens[1]]);
    let _served = serve(&served);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !synced_once(&served) {
        assert!(Instant::now() < deadline, "the serving node never synced with the relay");
        std::thread::sleep(Duration::from_millis(100));
    }
    ok_output(&owner, &["demo", "--customers", CUSTOMERS]);
    ok_output(&owner, &["relay", "set", &relay_url, &tokens[0]]);
    ok_output(&owner, &["sync"]);

    assert_held(&served);
    // The node's change feed carries the sync's progress for a user interface to draw.
    let addr = wait_json(&served.join("serve.json"), "url").trim_start_matches("http://").to_string();
    let token = String::from_utf8_lossy(&ok_output(&served, &["token", "show"]).stdout).trim().to_string();
    let mut feed = std::net::TcpStream::connect(&addr).expect("connect to the node");
    feed.set_read_timeout(Some(Duration::from_millis(200))).expect("timeout");
    std::io::Write::write_all(
        &mut feed,
        format!("GET /v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n").as_bytes(),
    )
    .expect("ask for the change feed");
    let shown = on_a_terminal(&served, &["sync"]);
    assert!(shown.contains("receiving") && shown.contains("documents"), "no sync bar through the node: {shown:?}");
    let mut seen = String::new();
    let mut buf = [0u8; 65536];
    let deadline = Instant::now() + Duration::from_secs(5);
    while !seen.contains("event: progress") && Instant::now() < deadline {
        if let Ok(n) = std::io::Read::read(&mut feed, &mut buf) {
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
    assert!(seen.contains("event: progress") && seen.contains("\"eta_ms\""), "no progress on the change feed: {seen}");
    assert!(ok_output(&served, &["list", "--limit", "1", "--json"]).status.success());

    // Long work on the book through a running node: a node with sample data only.
    ok_output(&sample, &["init", "--name", "Han Mei"]);
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
