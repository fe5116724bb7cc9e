//! Shared pieces of the node's tests: dates and a node on a fresh store.
#![allow(dead_code)]

use rapport_model::{parse_datetime, DateTime};
use rapport_node::{default_settings_doc, Clock, LocalBook};
use rapport_store::Store;

pub fn at(s: &str) -> DateTime {
    parse_datetime("t", s).expect("date")
}

/// A node on a new store `DIR/NAME.redb` (default settings) whose clock reads `now`.
pub fn node(dir: &tempfile::TempDir, name: &str, now: &str) -> LocalBook {
    let store = Store::init(
        &dir.path().join(format!("{name}.redb")),
        name,
        default_settings_doc().expect("settings"),
        Vec::new(),
    )
    .expect("init");
    LocalBook::open(store, Clock::Fixed(at(now))).expect("open").0
}
