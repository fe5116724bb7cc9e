//! The relay's files are private: its data directory and `teams/` are 0700; relay.redb,
//! every team file, admin.token and relay.json are 0600, also when an older relay left
//! them readable by others.
#![cfg(unix)]

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

fn set_mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
}

fn team_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("teams")).expect("teams").filter_map(|e| Some(e.ok()?.path())).collect()
}

/// Every file and directory the relay keeps, with the mode it must have.
fn expected(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut all = vec![
        (dir.to_path_buf(), 0o700),
        (dir.join("teams"), 0o700),
        (dir.join("relay.redb"), 0o600),
        (dir.join("admin.token"), 0o600),
    ];
    if dir.join("relay.json").exists() {
        all.push((dir.join("relay.json"), 0o600));
    }
    let teams = team_files(dir);
    assert!(!teams.is_empty(), "a team file exists");
    all.extend(teams.into_iter().map(|p| (p, 0o600)));
    all
}

fn assert_private(dir: &Path, when: &str) {
    for (p, want) in expected(dir) {
        assert_eq!(mode(&p), want, "{when}: {} is {:o}, not {want:o}", p.display(), mode(&p));
    }
}

#[test]
fn the_relay_creates_its_files_private_and_tightens_an_older_relays() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("relay");
    admin_ok(&dir, &["team", "create", "east"]);
    assert_eq!(mode(&dir), 0o700, "created by an admin command");
    assert_eq!(mode(&dir.join("relay.redb")), 0o600);
    let token = admin_ok(&dir, &["member", "add", "east", "li", "--role", "admin"]);
    let mut relay = RunningRelay::start(&dir, &[]);
    assert_eq!(sync_status(&relay.addr, &token), 200, "creates the team's file");
    assert_private(&dir, "fresh, running");
    assert!(relay.stop(Duration::from_secs(20)).success());

    // An older relay left everything readable by others.
    let loosen = || {
        std::fs::write(dir.join("relay.json"), "{}").expect("stale relay.json");
        for (p, m) in expected(&dir) {
            set_mode(&p, if m == 0o700 { 0o755 } else { 0o644 });
        }
    };
    loosen();
    let relay = RunningRelay::start(&dir, &[]);
    assert_private(&dir, "older files, once the relay opened them");
    drop(relay);

    // The administrative commands on a stopped relay tighten them too.
    let _ = std::fs::remove_file(dir.join("relay.json"));
    loosen();
    admin_ok(&dir, &["member", "list", "east"]);
    assert_private(&dir, "older files, after an admin command");
}
