//! A laptop restored from yesterday's backup must not break the team: its first edits
//! reuse sequence numbers the relay already holds from the copy that went on without it,
//! and its first new customers reuse that copy's customer numbers. The node notices at its
//! next sync, takes a new device id and sends its edits again; nothing is lost and nothing
//! stays refused.

mod common;

use common::*;
use rapport_model::*;
use rapport_node::{Clock, LocalBook};
use rapport_store::{Filter, Store};
use rapport_sync::status;
use std::path::Path;

fn open(path: &Path) -> LocalBook {
    let store = Store::open(path).expect("open");
    LocalBook::open(store, Clock::Fixed(at("2026-03-02 18:00"))).expect("node").0
}

fn follow_up(summary: &str) -> NewInteraction {
    NewInteraction { channel: Some(Channel::Phone), summary: summary.into(), ..Default::default() }
}

fn summaries(book: &LocalBook, number: &str) -> Vec<String> {
    let id = book.store.resolve(number).expect("resolve");
    let mut v: Vec<String> = book.store.get(id).expect("get").interactions.into_iter().map(|i| i.summary).collect();
    v.sort();
    v
}

#[test]
fn a_store_restored_from_a_backup_takes_a_new_device_and_loses_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    let tokens = relay.team("east", &["Li Wei", "Wang Fang"]);
    let path = tmp.path().join("li.redb");
    let backup = tmp.path().join("backup.redb");

    // Day 1: a customer, synced; then the nightly backup.
    let x = {
        let li = node(tmp.path(), "li");
        let x = li.add_customer(&company("甲精密机械")).expect("add");
        sync(&li, &relay.url, &tokens[0]);
        x
    };
    std::fs::copy(&path, &backup).expect("backup");

    // Day 2: a follow-up and a new customer reach the relay; then the laptop dies.
    let (y, old_code) = {
        let li = open(&path);
        li.add_interaction(&x.number, &follow_up("day 2, before the crash")).expect("follow-up");
        let y = li.add_customer(&company("乙贸易")).expect("add");
        assert!(sync(&li, &relay.url, &tokens[0]).refused.is_empty());
        (y, li.store.identity().device_code.clone())
    };

    // The backup comes back, and work goes on before the first sync.
    std::fs::copy(&backup, &path).expect("restore");
    let li = open(&path);
    li.add_interaction(&x.number, &follow_up("day 2, after the restore")).expect("follow-up");
    let z = li.add_customer(&company("丙科技")).expect("add");
    assert_eq!(z.number, y.number, "the restored store mints the same number again");

    let r = sync(&li, &relay.url, &tokens[0]);
    let renewed = r.device_renewed.clone().expect("the node noticed it was restored");
    assert!(r.refused.is_empty(), "nothing stays refused: {:?}", r.refused);
    assert_ne!(renewed.device_code, old_code);
    assert_eq!(li.store.identity().device_code, renewed.device_code);
    let (old_z, new_z) = renewed.renumbered.first().cloned().expect("the new customer got a fresh number");
    assert_eq!(old_z, z.number);
    assert!(new_z.contains(&renewed.device_code), "{new_z}");

    // Both follow-ups on one customer; both new customers, each with its own number.
    assert_eq!(summaries(&li, &x.number), vec!["day 2, after the restore", "day 2, before the crash"]);
    assert_eq!(li.store.resolve(&y.number).expect("y"), y.id);
    assert_eq!(li.store.resolve(&new_z).expect("z"), z.id);
    for line in status::lines(&li.store).expect("status") {
        assert!(line.status.refused.is_empty(), "{line:?}");
        assert_eq!(line.pending, 0);
        assert!(line.in_step, "{line:?}");
    }
    let again = sync(&li, &relay.url, &tokens[0]);
    assert!(again.refused.is_empty() && again.device_renewed.is_none(), "{again:?}");
    assert!(li.add_customer(&company("丁物流")).expect("add").number.contains(&renewed.device_code));
    sync(&li, &relay.url, &tokens[0]);

    // A teammate sees all of it.
    let wang = node(tmp.path(), "wang");
    let w = sync(&wang, &relay.url, &tokens[1]);
    assert!(w.refused.is_empty(), "{:?}", w.refused);
    assert_eq!(wang.list(&Filter::default()).expect("list").len(), 4);
    assert_eq!(summaries(&wang, &x.number), summaries(&li, &x.number));
    assert!(wang.doctor().expect("doctor").problems.is_empty());
    assert!(li.doctor().expect("doctor").problems.is_empty());
}
