//! A relay restored from a backup (IT restores last night's copy after a disk failure, or
//! rolls a filesystem snapshot back) no longer holds what it took since the backup. Every
//! member's node still believes it does: its push cursor and what it recorded as held by
//! the relay are past the backup, and its pull cursor is past the restored log, so the
//! lost customers would never be sent again and the relay's new log entries below the
//! cursor never pulled, while every node said "in step". Real processes: a relay, three
//! members' nodes driven by the CLI.

use std::path::{Path, PathBuf};

mod common;
use common::*;

/// Copies a stopped relay's data directory, as a backup does.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("backup dir");
    for e in std::fs::read_dir(from).expect("read relay dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

/// Li Wei on `a` and Wang Fang on `b`, set up with the relay; Zhao Min's token `tc` for a
/// node `c` that joins later.
struct Team {
    a: PathBuf,
    b: PathBuf,
    c: PathBuf,
    tc: String,
}

impl Team {
    fn on(relay: &Relay, tmp: &Path) -> Team {
        let (ta, tb, tc) = (relay.member("Li Wei"), relay.member("Wang Fang"), relay.member("Zhao Min"));
        let (a, b, c) = (tmp.join("a"), tmp.join("b"), tmp.join("c"));
        for (dir, name, token) in [(&a, "Li Wei", &ta), (&b, "Wang Fang", &tb)] {
            ok(dir, &["init", "--name", name]);
            ok(dir, &["relay", "set", &relay.url, token]);
        }
        Team { a, b, c, tc }
    }
}

/// A backup of the relay's data, taken with the relay stopped; the relay runs on after it.
fn back_up(relay: &mut Relay, tmp: &Path) -> PathBuf {
    relay.stop();
    let backup = tmp.join("relay-backup");
    copy_dir(&relay.dir, &backup);
    relay.start_again();
    backup
}

/// The relay's data replaced by `backup`, as IT restores it, and the relay started again.
fn restore(relay: &mut Relay, backup: &Path) {
    relay.stop();
    std::fs::remove_dir_all(&relay.dir).expect("remove the relay's data");
    copy_dir(backup, &relay.dir);
    relay.start_again();
}

fn total(data: &Path) -> u64 {
    let v: serde_json::Value = serde_json::from_str(&ok(data, &["--json", "list"])).expect("list json");
    v["total"].as_u64().expect("total")
}

#[test]
fn a_relay_restored_from_a_backup_is_given_back_what_it_lost() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut relay = Relay::start(tmp.path());
    let Team { a, b, c, tc } = Team::on(&relay, tmp.path());
    let first = add_customer(&a, "备份前一号有限公司");
    add_customer(&a, "备份前二号有限公司");
    ok(&a, &["sync"]);
    ok(&b, &["sync"]);

    // Last night's backup, taken with the relay stopped.
    let backup = back_up(&mut relay, tmp.path());

    // A day's work reaches the relay and the other member.
    add_customer(&a, "备份后三号有限公司");
    add_customer(&a, "备份后四号有限公司");
    ok(&a, &["interaction", "add", &first, "--channel", "phone", "--summary", "备份之后的跟进"]);
    // The team's settings document too: a rule added after the backup.
    ok(&a, &["rules", "add", "after_backup", "--tag", "备份后规则", "--when", "industry = C"]);
    ok(&a, &["sync"]);
    ok(&b, &["sync"]);
    let later = add_customer(&b, "备份后五号有限公司");
    ok(&b, &["sync"]);
    ok(&a, &["sync"]);
    assert_eq!(total(&b), 5);

    // The relay's disk fails; IT restores the backup.
    restore(&mut relay, &backup);
    let after = add_customer(&a, "恢复后六号有限公司");

    // Each member's next sync sees that the relay lost what it once held, says so, and
    // gives back what that member wrote (the relay takes a member's own changes only). B
    // syncs first: A's customers and follow-up, which B holds too, go back with A's sync.
    let out = ok(&b, &["sync"]);
    assert!(out.contains("restored from a backup") && out.contains("sent 1 customer(s)"), "B: {out}");
    let out = ok(&a, &["sync"]);
    assert!(out.contains("restored from a backup"), "the member was not told: {out}");
    ok(&b, &["sync"]);
    for (who, dir) in [("A", &a), ("B", &b)] {
        let status = ok(dir, &["sync", "status"]);
        assert!(status.contains("in step       yes") && status.contains("pending       0"), "{who}: {status}");
        assert!(status.contains("restored      ") && status.contains("sent back what it lacked"), "{who}: {status}");
        assert_eq!(total(dir), 6, "{who} misses a customer");
    }
    assert!(ok(&b, &["customer", "show", &after]).contains("恢复后六号有限公司"));

    // IT sees it on the relay's metrics: both members' syncs found it restored.
    let metrics = ureq::get(&format!("{}/metrics", relay.url))
        .call()
        .ok()
        .and_then(|mut r| r.body_mut().read_to_string().ok())
        .unwrap_or_default();
    assert!(metrics.contains("rapport_relay_marks_not_held_total 2"), "{metrics}");

    // A member who joins now gets the whole book, the day lost by the relay included.
    ok(&c, &["init", "--name", "Zhao Min"]);
    ok(&c, &["relay", "set", &relay.url, &tc]);
    ok(&c, &["sync"]);
    assert_eq!(total(&c), 6, "the relay did not get back what it lost");
    assert!(ok(&c, &["customer", "show", &first]).contains("备份之后的跟进"));
    assert!(ok(&c, &["customer", "show", &later]).contains("备份后五号有限公司"));
    assert!(ok(&c, &["rules", "list"]).contains("after_backup"), "the rule added after the backup was lost");

    // Once given back, a sync is an ordinary one again.
    let out = ok(&a, &["sync"]);
    assert!(!out.contains("restored from a backup"), "{out}");
}

/// The same with serving nodes whose timers sleep for an hour: the restored relay's log is
/// shorter than the position each node's notice stream resumes from, so the relay tells
/// each node at once that something changed, the node syncs, finds the relay restored, and
/// gives back what it lost, with nobody running `sync`.
#[test]
fn serving_nodes_give_a_restored_relay_back_what_it_lost_on_their_own() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut relay = Relay::start(tmp.path());
    let Team { a, b, c, tc } = Team::on(&relay, tmp.path());
    add_customer(&a, "备份前一号有限公司");
    ok(&a, &["sync"]);
    ok(&b, &["sync"]);
    let backup = back_up(&mut relay, tmp.path());

    let _na = serve(&a);
    let _nb = serve(&b);
    let lost_a = add_customer(&a, "备份后二号有限公司");
    let lost_b = add_customer(&b, "备份后三号有限公司");
    eventually("both serving nodes hold all three customers", || total(&a) == 3 && total(&b) == 3);

    restore(&mut relay, &backup);

    // Nobody edits and nobody runs sync: the notice streams coming back are enough.
    ok(&c, &["init", "--name", "Zhao Min"]);
    ok(&c, &["relay", "set", &relay.url, &tc]);
    eventually("the relay gets back both lost customers", || {
        ok(&c, &["sync"]);
        total(&c) == 3
    });
    assert!(ok(&c, &["customer", "show", &lost_a]).contains("备份后二号有限公司"));
    assert!(ok(&c, &["customer", "show", &lost_b]).contains("备份后三号有限公司"));
    for dir in [&a, &b] {
        let log = std::fs::read_to_string(dir.with_extension("serve.log")).unwrap_or_default();
        assert!(log.contains("restored from a backup"), "the serving node did not say so: {log}");
    }
}
