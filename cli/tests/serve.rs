//! `rapport serve` as a real process: the CLI goes through a running node with
//! byte-identical output and the same exit codes as on a stopped node, acknowledged
//! writes survive SIGTERM, the token is created with the store and rotation takes
//! effect on a running node, and non-loopback addresses need `--allow-remote`.

use rapport_node::Book;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rapport");
const NOW: &str = "2026-03-02T10:00:00";

fn command(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data-dir").arg(data).args(args).env("RAPPORT_NOW", NOW).env_remove("RAPPORT_DATA");
    c
}

fn run(data: &Path, args: &[&str]) -> Output {
    command(data, args).output().expect("spawn rapport")
}

fn ok(data: &Path, args: &[&str]) -> String {
    let o = run(data, args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "`rapport {}` failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A running `rapport serve` on port 0.
struct Serving {
    child: Child,
    data: PathBuf,
    url: String,
}

impl Serving {
    fn start(data: &Path) -> Serving {
        let child = command(data, &["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn serve");
        // Owned by `Serving` at once, so the process is reaped however the test ends.
        let mut node = Serving { child, data: data.to_path_buf(), url: String::new() };
        let serve_json = data.join("serve.json");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(text) = std::fs::read_to_string(&serve_json) {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                    if v["pid"] == node.child.id() {
                        node.url = v["url"].as_str().expect("url").to_string();
                        return node;
                    }
                }
            }
            assert!(Instant::now() < deadline, "the node did not write serve.json");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM and waits for a clean exit.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let k = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(k.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "the node exited with {status} on SIGTERM");
                break;
            }
            assert!(Instant::now() < deadline, "the node did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!self.data.join("serve.json").exists(), "serve.json is removed on a clean shutdown");
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn numbers(data: &Path) -> Vec<String> {
    let list: serde_json::Value = serde_json::from_str(&ok(data, &["--json", "list"])).expect("list JSON");
    list["items"].as_array().expect("items").iter().map(|i| i["number"].as_str().expect("n").to_string()).collect()
}

#[test]
fn the_cli_through_a_running_node_prints_the_same_bytes_and_exit_codes_as_on_a_stopped_node() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    ok(data, &["demo", "--customers", "40"]);
    let nums = numbers(data);
    let n = nums[nums.len() / 2].clone();
    let first = nums[0].clone();
    let task = {
        let shown: serde_json::Value =
            serde_json::from_str(&ok(data, &["--json", "customer", "show", &first])).expect("show JSON");
        shown["customer"]["tasks"][0]["id"].as_str().map(str::to_string)
    };
    let sheet = data.join("sheet.csv");
    std::fs::write(
        &sheet,
        "客户名称,所属行业,客户来源,联系人,联系方式\n杭州云启软件有限公司,I,转介绍,李娜,13900139000\n坏行,X,,,\n",
    )
    .expect("sheet");
    let sheet = sheet.to_string_lossy().into_owned();
    let mut commands: Vec<Vec<String>> = [
        vec!["--json", "list"],
        vec!["--json", "list", "--stage", "intent", "--limit", "5"],
        vec!["--json", "list", "--industry", "C", "--archived"],
        vec!["--json", "list", "--no-interaction-days", "30"],
        vec!["--json", "list", "--tier", "A", "--owner", "Li Wei"],
        vec!["list", "--created-since", "2025-06-01"],
        vec!["--json", "list", "--source", "referral", "--created-until", "2026-02-01"],
        vec!["--json", "list", "--tag", "流失风险客户", "--stage", "won"],
        vec!["--json", "search", "有限公司"],
        vec!["--json", "customer", "show", &n],
        vec!["--json", "--reveal", "customer", "show", &n, "--as-of", "2026-01-01"],
        vec!["customer", "show", &n],
        vec!["--json", "customer", "conflicts", &n],
        vec!["--json", "history", &n],
        vec!["--json", "agenda"],
        vec!["agenda", "--assignee", "Li Wei"],
        vec!["--json", "agenda", "--all", "--limit", "3"],
        vec!["--json", "tiers"],
        vec!["--json", "tiers", "summary"],
        vec!["--json", "tiers", "--model", "rfm", "--limit", "5"],
        vec!["tiers", "--model", "abc", "--tier", "A"],
        vec!["--json", "rules", "list"],
        vec!["--json", "rules", "explain", &n],
        vec!["--json", "rules", "test", "amount_12m > 100000"],
        vec!["--json", "doctor"],
        vec!["--json", "dedupe"],
        vec!["dedupe"],
        vec!["--json", "dedupe", "--limit", "1"],
        vec!["--json", "report", "all", "--as-of", "2026-06-01"],
        vec!["report", "funnel", "--from", "2025-01-01"],
        vec!["report", "owners", "--csv"],
        vec!["--json", "report", "tiers", "--model", "rfm"],
        vec!["export", "--fields", "number,name,contact_phone,stage"],
        vec!["export", "--format", "jsonl", "--industry", "C"],
        vec!["export", "--all-contacts", "--fields", "number,name,contact_name,contact_phone"],
        vec!["--json", "import", &sheet, "--dry-run"],
        vec!["import", &sheet, "--dry-run", "--skip-rejected"],
        // Refused: exit 2, nothing written.
        vec!["--json", "customer", "show", "MFG-2026-NOPE00-001"],
        vec!["customer", "show", "MFG-2026-NOPE00-001"],
        vec!["--json", "interaction", "add", &n, "--channel", "phone", "--summary", " "],
        vec!["--json", "order", "add", &n, "--amount", "-5", "--category", "x"],
        vec!["--json", "customer", "edit", &n, "--stage", "won"],
        vec!["--json", "customer", "add", "--kind", "company", "--name", "", "--credit-code", "123"],
        vec!["--json", "contact", "edit", &n, "nobody", "--name", "x", "--reason", "r"],
        vec!["--json", "task", "done", &n, "ffffffffffffffff"],
        vec!["--json", "rules", "remove", "no_such_rule"],
        vec!["--json", "rules", "add", "x", "--tag", "t", "--when", "amount_12m >"],
        vec!["--json", "rules", "test", "no_such_field > 1"],
        vec!["--json", "search", " "],
        vec!["--json", "tiers", "--model", "xyz"],
        vec!["--json", "merge", &n, &n],
        vec!["report", "nope"],
        vec!["export", "--fields", "number,shoe_size"],
        vec!["export", "--format", "xlsx"],
        vec!["import", &sheet],
        vec!["report", "funnel", "--from", "2026-05-01", "--to", "2026-01-01"],
        vec!["merge", &n, "MFG-2026-NOPE00-001"],
        // The node commands (issue 13): the same words and codes through the running node.
        vec!["sync", "status"],
        vec!["--json", "sync", "status"],
        vec!["--json", "peer", "list"],
        vec!["peer", "list"],
        vec!["--json", "peer", "invites"],
        vec!["doctor"],
        vec!["reindex"],
        vec!["--json", "reindex"],
        vec!["sync"],
        vec!["--json", "sync"],
        vec!["peer", "cancel", "nope"],
        vec!["--json", "peer", "add", "not-a-ticket"],
        vec!["relay", "set", "ftp://relay.example.com", "0123456789abcdef0123"],
        vec!["--json", "relay", "set", "http://relay.example.com", "short"],
        // Roles (issue 14): the team as the node holds it, and discard without a relay.
        vec!["team"],
        vec!["--json", "team"],
        vec!["sync", "discard", &n],
        vec!["--json", "sync", "discard"],
    ]
    .into_iter()
    .map(|c| c.into_iter().map(str::to_string).collect())
    .collect();
    if let Some(t) = task {
        commands.push(["--json", "task", "done", &n, &t].iter().map(|s| s.to_string()).collect());
    }
    let run_all = |data: &Path| -> Vec<(i32, String, String)> {
        commands
            .iter()
            .map(|c| {
                let args: Vec<&str> = c.iter().map(String::as_str).collect();
                let o = run(data, &args);
                (
                    o.status.code().unwrap_or(-1),
                    String::from_utf8_lossy(&o.stdout).into_owned(),
                    String::from_utf8_lossy(&o.stderr).into_owned(),
                )
            })
            .collect()
    };

    let node = Serving::start(data);
    // While the node runs, the store is held: the CLI must be going through the API.
    let direct = rapport_store::Store::open(&data.join("book.redb"));
    assert!(matches!(direct, Err(rapport_store::StoreError::Locked(_))), "the node holds the store");
    let through_api = run_all(data);
    node.stop();
    let direct = run_all(data);

    for ((c, api), local) in commands.iter().zip(&through_api).zip(&direct) {
        assert_eq!(api, local, "`rapport {}` differs through the node (left) and directly (right)", c.join(" "));
    }
    let codes: Vec<i32> = direct.iter().map(|r| r.0).collect();
    assert!(codes.iter().filter(|c| **c == 0).count() >= 22, "{codes:?}");
    assert!(codes.iter().filter(|c| **c == 2).count() >= 19, "the refused commands exit 2: {codes:?}");
}

#[test]
fn writes_acknowledged_through_the_node_survive_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    ok(data, &["init", "--name", "Li Wei"]);
    let node = Serving::start(data);
    let mut acknowledged = Vec::new();
    for i in 0..5 {
        let out = ok(
            data,
            &[
                "--json",
                "customer",
                "add",
                "--kind",
                "company",
                "--name",
                &format!("持久化测试{i}有限公司"),
                "--industry",
                "C",
                "--source",
                "referral",
            ],
        );
        let c: serde_json::Value = serde_json::from_str(&out).expect("customer JSON");
        let number = c["number"].as_str().expect("number").to_string();
        ok(data, &["interaction", "add", &number, "--channel", "visit", "--summary", &format!("拜访{i}")]);
        ok(data, &["order", "add", &number, "--amount", "1.5万", "--category", "bearings"]);
        acknowledged.push(number);
    }
    node.stop();
    for (i, number) in acknowledged.iter().enumerate() {
        let shown: serde_json::Value =
            serde_json::from_str(&ok(data, &["--json", "customer", "show", number])).expect("show JSON");
        assert_eq!(shown["customer"]["interactions"][0]["summary"], format!("拜访{i}"));
        assert_eq!(shown["customer"]["orders"][0]["amount"], "15000.00");
    }
    let doctor: serde_json::Value = serde_json::from_str(&ok(data, &["--json", "doctor"])).expect("doctor");
    assert_eq!(doctor["problems"], serde_json::json!([]));
    // And the node starts again on the same store.
    let again = Serving::start(data);
    assert_eq!(numbers(data).len(), 5);
    again.stop();
}

#[test]
fn the_token_is_created_with_the_store_and_rotation_takes_effect_while_serving() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    let o = run(data, &["token", "show"]);
    assert_eq!(o.status.code(), Some(2), "no store yet");
    ok(data, &["init", "--name", "Li Wei"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("token")).expect("token file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the token is readable by its owner only");
    }
    let first = ok(data, &["token", "show"]).trim().to_string();
    assert_eq!(first.len(), 64);
    let node = Serving::start(data);
    assert!(rapport_api::RemoteBook::new(&node.url, &first).identity().is_ok());
    let second = ok(data, &["token", "rotate"]).trim().to_string();
    assert_ne!(first, second);
    assert_eq!(ok(data, &["token", "show"]).trim(), second);
    let refused = rapport_api::RemoteBook::new(&node.url, &first).identity();
    assert!(refused.is_err(), "the old token stops working at once");
    assert!(rapport_api::RemoteBook::new(&node.url, &second).identity().is_ok());
    // The CLI reads the new token and still works through the node.
    assert!(ok(data, &["--json", "list"]).contains("\"total\": 0"));
    node.stop();
}

#[test]
fn serve_refuses_remote_addresses_without_allow_remote_and_a_second_node() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path();
    ok(data, &["init", "--name", "Li Wei"]);
    let o = run(data, &["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--allow-remote"));
    let o = run(data, &["serve", "--listen", "not-an-address"]);
    assert_eq!(o.status.code(), Some(2));
    let node = Serving::start(data);
    let o = run(data, &["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("in use by a running node"), "{o:?}");
    // `demo` no longer fails on a held store: it goes through the running node (issue 13).
    let o = run(data, &["demo", "--customers", "1"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(numbers(data).len(), 1);
    node.stop();
}
