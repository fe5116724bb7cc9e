//! A running node syncs in the background: its writes reach the relay within seconds,
//! changes from another member arrive on its own, and `GET /v1/sync` and
//! `rapport sync status` report how it went. Real processes: a relay, a serving node,
//! and a second node driven by the CLI, all on loopback.

use std::process::{Command, Stdio};

mod common;
use common::*;

#[test]
fn a_serving_node_syncs_in_the_background() {
    if !relay_bin().exists() {
        panic!("{} is missing; `cargo test --workspace` builds it", relay_bin().display());
    }
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
    let (ta, tb) = (
        admin(&["member", "add", "east", "a", "--role", "admin"]),
        admin(&["member", "add", "east", "b", "--role", "admin"]),
    );
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(&a, &["demo", "--customers", "30"]);
    ok(&a, &["relay", "set", &relay_url, &ta]);
    ok(&b, &["init", "--name", "Wang Fang"]);
    ok(&b, &["relay", "set", &relay_url, &tb]);
    let _node = Proc(
        Command::new(env!("CARGO_BIN_EXE_rapport"))
            .arg("--data-dir")
            .arg(&a)
            .args(["serve", "--listen", "127.0.0.1:0", "--sync-interval", "1"])
            .env("RAPPORT_NOW", NOW)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve"),
    );
    let url = wait_json(&a.join("serve.json"), "url");
    // The node pushes its book on its own; B pulls it.
    eventually("B receives A's 30 customers", || {
        ok(&b, &["sync"]);
        ok(&b, &["--json", "list"]).contains("\"total\": 30")
    });
    // A write on the serving node (through its API) reaches B within seconds.
    let added = ok(
        &a,
        &[
            "--json",
            "customer",
            "add",
            "--kind",
            "company",
            "--name",
            "背景同步测试有限公司",
            "--industry",
            "C",
            "--source",
            "referral",
        ],
    );
    let number = serde_json::from_str::<serde_json::Value>(&added).expect("json")["number"]
        .as_str()
        .expect("number")
        .to_string();
    eventually("B receives the customer added on the serving node", || {
        ok(&b, &["sync"]);
        rapport(&b, &["customer", "show", &number]).status.success()
    });
    // B's edit arrives at the serving node without anyone running sync there.
    ok(&b, &["interaction", "add", &number, "--channel", "phone", "--summary", "来自B的跟进"]);
    ok(&b, &["sync"]);
    eventually("the serving node pulls B's follow-up", || {
        ok(&a, &["customer", "show", &number]).contains("来自B的跟进")
    });
    // The node reports its sync status over the API.
    let token = ok(&a, &["token", "show"]).trim().to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let body = agent
        .get(&format!("{url}/v1/sync"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("GET /v1/sync")
        .body_mut()
        .read_to_string()
        .expect("body");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let line = &v[0];
    assert!(line["peer"].as_str().is_some_and(|p| p.starts_with("relay:")), "{body}");
    assert!(line["last_success"].is_string(), "{body}");
    assert_eq!(line["pending"], 0, "{body}");
    let status = ok(&b, &["sync", "status"]);
    assert!(status.contains("last success") && status.contains("pending       0"), "{status}");
}
