//! A store written before the redb 5 upgrade still opens, reads, checks clean and takes
//! writes. `fixtures/redb4-book.redb` was written by `rapport` built with redb 4.6
//! (`rapport init --name "Li Wei"`, then `rapport demo --customers 30 --seed 7`). redb 5
//! changed the on-disk form only of tables whose values are `Option<str/String/bool/char>`;
//! the store has none, so the file must open as it is. The book is opened as a node opens
//! it (rules engine installed, clock at the day it was written), so doctor checks the
//! derived tags and tiers too.

use rapport_model::*;
use rapport_node::{Clock, LocalBook};
use rapport_store::{Filter, Store};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../rapport-store/tests/fixtures/redb4-book.redb");

/// The store at `path` as a node opens it, on the day the fixture was written.
fn book(path: &std::path::Path) -> LocalBook {
    let written = parse_datetime("t", "2026-03-04 10:00").expect("time");
    LocalBook::open(Store::open(path).expect("a redb 4 store opens with redb 5"), Clock::Fixed(written))
        .expect("node")
        .0
}

/// A private copy of the fixture: opening a store may bring its layout up to date.
fn copied(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("book.redb");
    std::fs::copy(FIXTURE, &path).expect("copy the fixture");
    path
}

#[test]
fn a_store_written_with_redb_4_opens_reads_and_takes_writes() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = copied(&dir);
    let node = book(&path);
    assert_eq!(node.store.identity().member_name, "Li Wei");
    assert_eq!(node.store.count().expect("count"), 30);
    let report = node.doctor().expect("doctor");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let rows = node.list(&Filter::default()).expect("list");
    assert_eq!(rows.len(), 30);
    let first = &rows[0];
    let read = node.store.get(first.id).expect("read a document written by redb 4");
    assert_eq!(read.number, first.summary.number);

    let new = NewCustomer {
        kind: Some(Kind::Company),
        name: "恒瑞精密".into(),
        industry: Some("C".into()),
        source: Some("referral".into()),
        ..Default::default()
    };
    let added = node.add_customer(&new).expect("a write goes through");
    drop(node);

    let node = book(&path);
    assert_eq!(node.store.count().expect("count"), 31);
    assert_eq!(node.store.get(added.id).expect("read back").name, "恒瑞精密");
    let report = node.doctor().expect("doctor");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

/// A store whose identity names a member id that is not hex is refused when it opens,
/// naming the field, rather than writing changes under a truncated actor.
#[test]
fn a_store_with_a_damaged_member_id_is_refused_at_open() {
    const META: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("meta");
    let dir = tempfile::tempdir().expect("tmp");
    let path = copied(&dir);
    let mut identity: serde_json::Value = {
        let store = Store::open(&path).expect("open");
        serde_json::to_value(&*store.identity()).expect("identity json")
    };
    let good = identity["member_id"].as_str().expect("member id").to_string();
    // Two pairs that are not hex: the old decoder dropped them and made a 14-byte member.
    identity["member_id"] = format!("zz{}qq", &good[4..]).into();
    {
        let db = redb::Database::open(&path).expect("redb");
        let txn = db.begin_write().expect("txn");
        txn.open_table(META)
            .expect("meta")
            .insert("identity", serde_json::to_vec(&identity).expect("json").as_slice())
            .expect("insert");
        txn.commit().expect("commit");
    }
    let refused = Store::open(&path).err().expect("a damaged identity is refused");
    let text = refused.to_string();
    assert!(text.contains("member_id") && text.contains("not 32 hex digits"), "{text}");
    assert!(text.contains("left untouched"), "{text}");
}
