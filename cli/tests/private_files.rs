//! The data directory, the store and the token are private, from `init` on, and a data
//! directory and store left readable by an earlier version are tightened by the next
//! command; pairing invitations are listed and cancelled from the command line.
#![cfg(unix)]

use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_rapport");
const NOW: &str = "2026-03-02T10:00:00";

fn run(data: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("RAPPORT_NOW", NOW)
        .env_remove("RAPPORT_DATA")
        .output()
        .expect("spawn the rapport binary")
}

fn ok(data: &Path, args: &[&str]) -> String {
    let o = run(data, args);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert_eq!(o.status.code(), Some(0), "`rapport {}`: {}", args.join(" "), text(&o.stderr));
    text(&o.stdout)
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

fn chmod(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
}

#[test]
fn init_makes_private_files_and_later_commands_tighten_what_earlier_versions_left_open() {
    let tmp = tempfile::tempdir().expect("tmp");
    chmod(tmp.path(), 0o755);
    let data = tmp.path().join("rapport");
    ok(&data, &["init", "--name", "Li Wei"]);
    assert_eq!(mode(&data), 0o700, "data directory");
    assert_eq!(mode(&data.join("book.redb")), 0o600, "store");
    assert_eq!(mode(&data.join("token")), 0o600, "token");

    // As an earlier version left them.
    chmod(&data, 0o755);
    chmod(&data.join("book.redb"), 0o644);
    ok(&data, &["list"]);
    assert_eq!(mode(&data), 0o700, "data directory tightened");
    assert_eq!(mode(&data.join("book.redb")), 0o600, "store tightened");

    // A directory without a store is not touched.
    let other = tmp.path().join("elsewhere");
    std::fs::create_dir(&other).expect("mkdir");
    chmod(&other, 0o755);
    let o = run(&other, &["list"]);
    assert_eq!(o.status.code(), Some(2), "no store there");
    assert_eq!(mode(&other), 0o755);
}

#[test]
fn invitations_are_listed_and_cancelled_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("rapport");
    ok(&data, &["init", "--name", "Li Wei"]);
    let none: Value = serde_json::from_str(&ok(&data, &["--json", "peer", "invites"])).expect("json");
    assert_eq!(none, Value::Array(Vec::new()));

    let made: Value = serde_json::from_str(&ok(
        &data,
        &["--json", "peer", "invite", "--listen", "127.0.0.1:0", "--wait", "1", "--expires", "2h"],
    ))
    .expect("json");
    assert!(made["ticket"].as_str().is_some_and(|t| t.starts_with("rapport1")), "{made}");
    let id = made["invitation"]["id"].as_str().expect("id").to_string();
    assert_eq!(made["invitation"]["state"], "open");

    let listed: Value = serde_json::from_str(&ok(&data, &["--json", "peer", "invites"])).expect("json");
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["state"], "open");
    assert!(ok(&data, &["peer", "invites"]).contains(&id));

    ok(&data, &["peer", "cancel", &id]);
    let listed: Value = serde_json::from_str(&ok(&data, &["--json", "peer", "invites"])).expect("json");
    assert_eq!(listed[0]["state"], "cancelled");

    // Bad input exits 2 and says what is wrong.
    for (args, says) in [
        (vec!["peer", "cancel", &id], "already cancelled"),
        (vec!["peer", "cancel", "ffffffffffff"], "no invitation"),
        (vec!["peer", "invite", "--listen", "127.0.0.1:0", "--wait", "1", "--expires", "31d"], "expires"),
        (vec!["peer", "invite", "--listen", "127.0.0.1:0", "--wait", "1", "--expires", "soon"], "expires"),
    ] {
        let o = run(&data, &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "`{}`: {err}", args.join(" "));
        assert!(err.contains(says), "`{}`: {err}", args.join(" "));
    }
}
