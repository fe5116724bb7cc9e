//! The `rapport-relay` binary: team and member administration on stopped and running
//! relays, health and metrics. (Building this test also builds the binary that the
//! multi-node tests in `tests/` start.)

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn relay(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rapport-relay"))
        .arg("--data")
        .arg(dir)
        .args(args)
        .output()
        .expect("run rapport-relay")
}

#[test]
fn administration_works_stopped_and_running() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("relay");
    assert!(relay(&dir, &["team", "create", "east"]).status.success());
    let dup = relay(&dir, &["team", "create", "east"]);
    assert!(!dup.status.success(), "a team name is unique");
    let token = String::from_utf8_lossy(&relay(&dir, &["member", "add", "east", "li"]).stdout).trim().to_string();
    assert_eq!(token.len(), 64);
    assert!(!relay(&dir, &["member", "add", "nowhere", "li"]).status.success(), "unknown team");
    let db = std::fs::read(dir.join("relay.redb")).expect("admin db");
    assert!(!db.windows(token.len()).any(|w| w == token.as_bytes()), "tokens are stored hashed, never in clear");

    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport-relay"))
        .arg("--data")
        .arg(&dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let deadline = Instant::now() + Duration::from_secs(20);
    let addr = loop {
        if let Some(a) = std::fs::read_to_string(dir.join("relay.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["addr"].as_str().map(String::from))
        {
            break a;
        }
        assert!(Instant::now() < deadline, "relay did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    // While it runs, administration goes through its loopback admin API.
    let second = relay(&dir, &["member", "add", "east", "wang"]);
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    let revoke = relay(&dir, &["member", "revoke", "east", "li"]);
    assert!(revoke.status.success(), "{}", String::from_utf8_lossy(&revoke.stderr));
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let health =
        agent.get(&format!("http://{addr}/health")).call().expect("health").body_mut().read_to_string().expect("body");
    assert_eq!(health, "ok");
    let metrics = agent
        .get(&format!("http://{addr}/metrics"))
        .call()
        .expect("metrics")
        .body_mut()
        .read_to_string()
        .expect("body");
    assert!(metrics.contains("rapport_relay_requests_total{kind=\"push\"} 0"), "{metrics}");
    // The admin API refuses callers without the admin token.
    let r =
        agent.post(&format!("http://{addr}/admin/teams")).send_json(serde_json::json!({ "name": "x" })).expect("post");
    assert_eq!(r.status().as_u16(), 401);
    // SIGTERM stops it and removes relay.json.
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let status = child.wait().expect("wait");
    assert!(status.success(), "graceful stop");
    assert!(!dir.join("relay.json").exists());
}
