//! The store gives its free pages back after bulk work. redb writes copy-on-write, so a
//! transaction that rewrites much of the book leaves the replaced pages free inside the
//! file, and the file never shrank: a 10,000-customer book doubled at its first upload and
//! doubled again at a reindex. Real stores, a real relay.

mod common;

use common::*;
use rapport_model::*;
use std::sync::Arc;

/// Syncs `book` with the relay as a running node does (and as `rapport sync` does): the
/// sync, then the node settling (new team settings re-derive every customer's tags).
fn node_sync(
    book: &Arc<rapport_node::LocalBook>,
    dir: &std::path::Path,
    url: &str,
    token: &str,
) -> rapport_sync::SyncReport {
    std::fs::create_dir_all(dir).expect("dir");
    rapport_node::save_relay(dir, &rapport_node::RelayConfig { url: url.into(), token: token.into() }).expect("relay");
    let node = rapport_node::Node::new(book.clone(), dir).expect("node");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let outcome = rt.block_on(node.sync_now(false)).expect("sync").remove(0);
    outcome.report.unwrap_or_else(|| panic!("sync failed: {:?}", outcome.error))
}

/// More customers than [`rapport_store::BULK`].
const CUSTOMERS: u64 = 1_500;

/// Bytes the store file takes on disk ([`rapport_store::bytes_on_disk`]: not its length).
fn on_disk(store: &rapport_store::Store) -> u64 {
    rapport_store::bytes_on_disk(store.path()).expect("store file")
}

#[test]
fn bulk_work_leaves_no_free_pages_behind() {
    let tmp = tempfile::tempdir().expect("tmp");
    let relay = Relay::start(&tmp.path().join("relay"));
    let tokens = relay.team("east", &["li", "wang"]);
    let sender = Arc::new(node(tmp.path(), "li"));
    let book = rapport_demo::DemoBook::new(13, at("2026-03-02 18:00").date(), &["Li Wei", "Wang Fang"]);
    let customers: Vec<Customer> =
        (0..CUSTOMERS).map(|i| book.customer(i, &rapport_demo::DemoProfile::realistic())).collect();
    sender.store.create_many(customers, "li", at("2026-03-01 09:00")).expect("seed");
    // A team rule every customer meets: a node that receives the team's settings re-derives
    // the tags of the whole book.
    let everyone = rapport_rules::Rule::new("everyone", "全部客户", "amount_total >= 0");
    sender.put_rule(&everyone, true).expect("rule");
    let created = on_disk(&sender.store);
    // Each step may add what it keeps (sync state per customer), never a second book.
    let within = |what: &str, bytes: u64| {
        assert!(bytes * 10 <= created * 12, "{what}: {bytes} bytes on disk, the book took {created} when created");
    };

    node_sync(&sender, &tmp.path().join("li-data"), &relay.url, &tokens[0]);
    within("after the first upload", on_disk(&sender.store));

    let receiver = Arc::new(node(tmp.path(), "wang"));
    let r = node_sync(&receiver, &tmp.path().join("wang-data"), &relay.url, &tokens[1]);
    assert_eq!(r.received_new as u64, CUSTOMERS);
    within("after joining by sync", on_disk(&receiver.store));

    sender.store.reindex().expect("reindex");
    within("after a reindex", on_disk(&sender.store));
    sender.store.reindex().expect("reindex again");
    within("after a second reindex", on_disk(&sender.store));

    // One edit is not bulk work: it writes into the pages freed before.
    let number = snapshot(&sender).into_iter().map(|s| s.0).next().expect("a customer");
    let input = NewInteraction { channel: Some(Channel::Phone), summary: "一次跟进".into(), ..Default::default() };
    sender.add_interaction(&number, &input).expect("edit");
    within("after one edit", on_disk(&sender.store));
}
