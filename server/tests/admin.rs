//! The `rapport-relay` binary: team and member administration on stopped and running
//! relays (names with spaces and in Chinese included), the separate loopback admin
//! listener, health and metrics. (Building this test also builds the binary that the
//! multi-node tests in `tests/` start.)

mod common;

use common::*;
use std::time::Duration;

#[test]
fn administration_works_stopped_and_running() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("relay");
    admin_ok(&dir, &["team", "create", "east"]);
    let dup = relay_cmd(&dir, &["team", "create", "east"]);
    assert!(!dup.status.success(), "a team name is unique");
    assert_eq!(dup.status.code(), Some(2), "bad input exits 2");
    let token = admin_ok(&dir, &["member", "add", "east", "li", "--role", "admin"]);
    assert_eq!(token.len(), 64);
    let unknown = relay_cmd(&dir, &["member", "add", "nowhere", "li", "--role", "admin"]);
    assert!(!unknown.status.success(), "unknown team");
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no team `nowhere`"));
    let db = std::fs::read(dir.join("relay.redb")).expect("admin db");
    assert!(!db.windows(token.len()).any(|w| w == token.as_bytes()), "tokens are stored hashed, never in clear");

    let mut relay = RunningRelay::start(&dir, &[]);
    // While it runs, administration goes through its loopback admin listener.
    let second = relay_cmd(&dir, &["member", "add", "east", "wang", "--role", "admin"]);
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    assert_eq!(admin_ok(&dir, &["team", "list"]), "east", "team list works while the relay runs");
    admin_ok(&dir, &["member", "revoke", "east", "li"]);
    assert_eq!(sync_status(&relay.addr, &token), 401, "li is refused at the next request");
    assert_eq!(get(&relay.addr, "/health"), (200, "ok".to_string()));
    let (_, metrics) = get(&relay.addr, "/metrics");
    assert!(metrics.contains("rapport_relay_requests_total{kind=\"push\"} 0"), "{metrics}");
    // SIGTERM stops it and removes relay.json.
    assert!(relay.stop(Duration::from_secs(20)).success(), "graceful stop");
    assert!(!dir.join("relay.json").exists());
}

/// `member revoke east "Li Wei"` failed on a running relay ("http: invalid uri character")
/// and Li Wei kept syncing. Names with spaces and in Chinese work in every command, with
/// the relay running and stopped, and a revoked member's next real sync gets 401.
#[test]
fn names_with_spaces_and_chinese_work_in_every_command_running_and_stopped() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("relay");
    admin_ok(&dir, &["team", "create", "华东 销售"]);
    let team = "华东 销售";
    // Stopped: add, list, revoke.
    let li_stopped = admin_ok(&dir, &["member", "add", team, "Li Wei", "--role", "admin"]);
    let wang_stopped = admin_ok(&dir, &["member", "add", team, "王小明", "--role", "admin"]);
    assert_eq!(
        admin_ok(&dir, &["member", "list", team]),
        "Li Wei\tadmin\t-\tactive (1 token(s))\tno device yet\n王小明\tadmin\t-\tactive (1 token(s))\tno device yet"
    );
    admin_ok(&dir, &["member", "revoke", team, "王小明"]);

    let mut relay = RunningRelay::start(&dir, &[]);
    assert_eq!(sync_status(&relay.addr, &li_stopped), 200, "Li Wei syncs");
    assert_eq!(sync_status(&relay.addr, &wang_stopped), 401, "revoked while stopped: refused once running");
    // Running: add, list, revoke through the admin listener.
    let zhao = admin_ok(&dir, &["member", "add", team, "赵 敏", "--role", "admin"]);
    assert_eq!(sync_status(&relay.addr, &zhao), 200, "a member added while running syncs at once");
    let revoke = relay_cmd(&dir, &["member", "revoke", team, "Li Wei"]);
    assert!(revoke.status.success(), "{}", String::from_utf8_lossy(&revoke.stderr));
    assert_eq!(String::from_utf8_lossy(&revoke.stdout).trim(), "revoked 1 token(s) of Li Wei in 华东 销售");
    assert_eq!(sync_status(&relay.addr, &li_stopped), 401, "Li Wei's next sync is refused");
    admin_ok(&dir, &["member", "revoke", team, "赵 敏"]);
    assert_eq!(sync_status(&relay.addr, &zhao), 401, "赵 敏's next sync is refused");
    assert_eq!(
        admin_ok(&dir, &["member", "list", team]),
        "Li Wei\tadmin\t-\trevoked (1 token(s))\tno device yet\n王小明\tadmin\t-\trevoked (1 token(s))\tno device yet\n赵 敏\tadmin\t-\trevoked (1 token(s))\tno device yet"
    );
    // A revoked name may be added again (a new token; the old one stays refused).
    let li_again = admin_ok(&dir, &["member", "add", team, "Li Wei", "--role", "admin"]);
    assert_eq!(sync_status(&relay.addr, &li_again), 200);
    assert_eq!(sync_status(&relay.addr, &li_stopped), 401);
    let missing = relay_cmd(&dir, &["member", "revoke", team, "Nobody Here"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no active member `Nobody Here`"));
    assert!(relay.stop(Duration::from_secs(20)).success());
    assert_eq!(
        admin_ok(&dir, &["member", "list", team]),
        "Li Wei\tadmin\t-\tactive (1 token(s), 1 revoked)\tno device yet\n王小明\tadmin\t-\trevoked (1 token(s))\tno device yet\n赵 敏\tadmin\t-\trevoked (1 token(s))\tno device yet",
        "stopped again, the list reads the same data"
    );
}

/// Adding a name that already has an active token is refused with the way out; with
/// `--another-token` the member gets a second token and revoking the name revokes both.
#[test]
fn adding_an_existing_member_is_refused_unless_another_token_is_asked_for() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("relay");
    admin_ok(&dir, &["team", "create", "east"]);
    let first = admin_ok(&dir, &["member", "add", "east", "Li Wei", "--role", "admin"]);
    let check = |running: bool| {
        let again = relay_cmd(&dir, &["member", "add", "east", " Li Wei ", "--role", "admin"]);
        assert_eq!(again.status.code(), Some(2), "running: {running}");
        assert!(again.stdout.is_empty(), "no token is printed");
        let why = String::from_utf8_lossy(&again.stderr);
        assert!(why.contains("already a member") && why.contains("--another-token"), "running: {running}: {why}");
    };
    check(false);
    let relay = RunningRelay::start(&dir, &[]);
    check(true);
    let second = admin_ok(&dir, &["member", "add", "east", "Li Wei", "--another-token"]);
    assert_ne!(first, second);
    assert_eq!(admin_ok(&dir, &["member", "list", "east"]), "Li Wei\tadmin\t-\tactive (2 token(s))\tno device yet");
    assert_eq!(sync_status(&relay.addr, &first), 200);
    assert_eq!(sync_status(&relay.addr, &second), 200);
    assert_eq!(admin_ok(&dir, &["member", "revoke", "east", "Li Wei"]), "revoked 2 token(s) of Li Wei in east");
    assert_eq!(sync_status(&relay.addr, &first), 401);
    assert_eq!(sync_status(&relay.addr, &second), 401);
    // Names are checked the same way running and stopped.
    for bad in ["", "   ", "tab\there", &"长".repeat(101)] {
        let out = relay_cmd(&dir, &["member", "add", "east", bad, "--role", "admin"]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}

/// The admin API is on its own loopback listener: the member listener has no /admin, its
/// /metrics names no team; the admin listener's /metrics does, and it refuses calls
/// without the admin token. A non-loopback admin address is refused at start.
#[test]
fn the_admin_api_and_team_ids_are_only_on_the_loopback_admin_listener() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("relay");
    admin_ok(&dir, &["team", "create", "east"]);
    let token = admin_ok(&dir, &["member", "add", "east", "li", "--role", "admin"]);
    let relay = RunningRelay::start(&dir, &[]);
    assert_ne!(relay.addr, relay.admin);
    assert!(relay.admin.starts_with("127.0.0.1:"), "{}", relay.admin);
    assert_eq!(sync_status(&relay.addr, &token), 200, "opens the team's store");
    let admin_token = std::fs::read_to_string(dir.join("admin.token")).expect("admin token");
    let bearer = format!("Bearer {}", admin_token.trim());
    let post = |addr: &str, path: &str, auth: Option<&str>| {
        let mut r = agent().post(&format!("http://{addr}{path}"));
        if let Some(a) = auth {
            r = r.header("Authorization", a);
        }
        r.send_json(serde_json::json!({ "name": "x" })).expect("post").status().as_u16()
    };
    // The member listener does not serve the admin API, even with the admin token.
    assert_eq!(post(&relay.addr, "/admin/teams", Some(&bearer)), 404);
    assert_eq!(agent().get(&format!("http://{}/admin/teams", relay.addr)).call().expect("get").status().as_u16(), 404);
    // The admin listener wants the admin token.
    assert_eq!(post(&relay.admin, "/admin/teams", None), 401);
    assert_eq!(post(&relay.admin, "/admin/teams", Some("Bearer wrong")), 401);
    assert_eq!(post(&relay.admin, "/admin/teams", Some(&bearer)), 200);
    // Team ids: only on the admin listener.
    let team_id = std::fs::read_dir(dir.join("teams"))
        .expect("teams")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(String::from))
        .next()
        .expect("a team file");
    let (_, member_metrics) = get(&relay.addr, "/metrics");
    assert!(member_metrics.contains("rapport_relay_requests_total{kind=\"changes\"} 1"), "{member_metrics}");
    assert!(!member_metrics.contains(&team_id), "team ids leak on the member listener: {member_metrics}");
    assert!(!member_metrics.contains("rapport_relay_team_documents"), "{member_metrics}");
    let (_, admin_metrics) = get(&relay.admin, "/metrics");
    assert!(
        admin_metrics.contains(&format!("rapport_relay_team_documents{{team=\"{team_id}\"}} 0")),
        "{admin_metrics}"
    );

    let other = tmp.path().join("other");
    for addr in ["0.0.0.0:0", "192.0.2.1:9000"] {
        let out = relay_cmd(&other, &["serve", "--listen", "127.0.0.1:0", "--admin-listen", addr]);
        assert_eq!(out.status.code(), Some(2), "{addr}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a loopback address"), "{addr}");
        assert!(!other.join("relay.json").exists());
    }
}

/// `Authorization: bearer` is accepted in any letter case (RFC 9110 11.1).
#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("relay");
    admin_ok(&dir, &["team", "create", "east"]);
    let token = admin_ok(&dir, &["member", "add", "east", "li", "--role", "admin"]);
    let relay = RunningRelay::start(&dir, &[]);
    let frame = rapport_wire::encode(&rapport_wire::Message::Changes { since: 0, limit: 10 });
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let (status, _) = sync_post(&relay.addr, Some(&format!("{scheme} {token}")), &frame);
        assert_eq!(status, 200, "{scheme}");
    }
    for wrong in [format!("Basic {token}"), format!("Bearer{token}"), "Bearer ".to_string(), token.clone()] {
        let (status, body) = sync_post(&relay.addr, Some(&wrong), &frame);
        assert_eq!(status, 401, "{wrong}");
        assert!(matches!(rapport_wire::decode(&body), Ok(rapport_wire::Message::Error { .. })), "a readable refusal");
    }
}

/// Roles and groups through the command line, stopped and running, with Chinese names and
/// names with spaces: set-role changes them, a missing or bad role is refused naming the
/// choices, and revoke --reassign-to refuses an heir who is not an active member before it
/// revokes anything.
#[test]
fn roles_and_groups_are_set_and_listed_running_and_stopped() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("relay");
    admin_ok(&dir, &["team", "create", "华东 销售"]);
    let team = "华东 销售";
    let no_role = relay_cmd(&dir, &["member", "add", team, "王小明"]);
    assert_eq!(no_role.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_role.stderr).contains("--role is required: sales-rep, customer-service"));
    let bad = relay_cmd(&dir, &["member", "add", team, "王小明", "--role", "boss"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`boss` is not a role"));
    admin_ok(&dir, &["member", "add", team, "王小明", "--role", "销售", "--group", "华东 一组"]);
    let relay = RunningRelay::start(&dir, &[]);
    admin_ok(&dir, &["member", "add", team, "Li Wei", "--role", "manager", "--group", "华东 一组"]);
    let set = admin_ok(&dir, &["member", "set-role", team, "王小明", "--role", "customer-service", "--no-groups"]);
    assert_eq!(set, "王小明\tcustomer service");
    let list = admin_ok(&dir, &["member", "list", team]);
    assert_eq!(
        list,
        "Li Wei\tmanager\t华东 一组\tactive (1 token(s))\tno device yet\n王小明\tcustomer service\t-\tactive (1 token(s))\tno device yet"
    );
    let heir = relay_cmd(&dir, &["member", "revoke", team, "王小明", "--reassign-to", "Nobody"]);
    assert_eq!(heir.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&heir.stderr).contains("--reassign-to: `Nobody` is not a member"));
    assert!(
        admin_ok(&dir, &["member", "list", team]).contains("王小明\tcustomer service\t-\tactive"),
        "nothing revoked"
    );
    let out = admin_ok(&dir, &["member", "revoke", team, "王小明", "--reassign-to", "Li Wei"]);
    assert_eq!(out, "revoked 1 token(s) of 王小明 in 华东 销售\n0 customer(s) reassigned to Li Wei");
    drop(relay);
    let json: serde_json::Value =
        serde_json::from_str(&admin_ok(&dir, &["member", "list", team, "--json"])).expect("json");
    assert_eq!(json[1]["name"], "王小明");
    assert_eq!(json[1]["revoked"], true);
    assert_eq!(json[0]["role"], "manager");
}
