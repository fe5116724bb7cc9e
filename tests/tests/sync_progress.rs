//! A sync tells its observer how far it has got, on a real store and a real relay: every
//! figure only grows (when everything counted was needed), done never passes the total, and the last report ends at the totals
//! and matches what the sync's report says it did, in both directions.

mod common;

use common::*;
use rapport_model::*;
use rapport_sync::{sync_once_with, HttpTransport, SyncProgress, SyncReport};
use std::sync::Mutex;

/// More customers than one push or fetch batch (1,000), so progress comes in steps.
const CUSTOMERS: u64 = 2_500;

/// Syncs `store` with the relay and returns the report and every progress report, in order.
fn sync_watched(store: &rapport_store::Store, url: &str, token: &str) -> (SyncReport, Vec<SyncProgress>) {
    let seen = Mutex::new(Vec::new());
    let record = |p: &SyncProgress| seen.lock().expect("progress log").push(*p);
    let report = sync_once_with(store, &mut HttpTransport::new(url, token), &record).expect("sync");
    (report, seen.into_inner().expect("progress log"))
}

/// Checks that no figure ever goes back and that done never passes the total.
fn assert_monotone(reports: &[SyncProgress]) {
    let figures = |p: &SyncProgress| [p.to_send, p.sent, p.to_receive, p.received, p.bytes_sent, p.bytes_received];
    for pair in reports.windows(2) {
        let (a, b) = (figures(&pair[0]), figures(&pair[1]));
        assert!(a.iter().zip(&b).all(|(x, y)| x <= y), "progress went back: {:?} then {:?}", pair[0], pair[1]);
    }
    for p in reports {
        assert!(p.sent <= p.to_send && p.received <= p.to_receive, "done passed the total: {p:?}");
    }
}

/// A relay with members li and wang, and li's book of `n` customers of `profile`.
fn seeded(
    tmp: &std::path::Path,
    seed: u64,
    n: u64,
    profile: &rapport_demo::DemoProfile,
) -> (Relay, Vec<String>, rapport_node::LocalBook) {
    let relay = Relay::start(&tmp.join("relay"));
    let tokens = relay.team("east", &["li", "wang"]);
    let sender = node(tmp, "li");
    let book = rapport_demo::DemoBook::new(seed, at("2026-03-02 18:00").date(), &["Li Wei", "Wang Fang"]);
    let customers: Vec<Customer> = (0..n).map(|i| book.customer(i, profile)).collect();
    sender.store.create_many(customers, "li", at("2026-03-01 09:00")).expect("seed");
    (relay, tokens, sender)
}

#[test]
fn sync_progress_grows_and_ends_at_the_totals_both_ways() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (relay, tokens, sender) = seeded(tmp.path(), 11, CUSTOMERS, &rapport_demo::DemoProfile::realistic());

    let (report, up) = sync_watched(&sender.store, &relay.url, &tokens[0]);
    assert_eq!(report.sent as u64, CUSTOMERS, "{report:?}");
    assert!(up.len() > 3, "a 2,500-customer push reports more than once: {} report(s)", up.len());
    assert_monotone(&up);
    let last = up.last().copied().unwrap_or_default();
    assert_eq!((last.to_send, last.sent), (CUSTOMERS, CUSTOMERS), "{last:?}");
    assert_eq!((last.bytes_sent, last.bytes_received), (report.bytes_sent, report.bytes_received));
    assert!(up.iter().any(|p| p.sent > 0 && p.sent < CUSTOMERS), "no report between start and end: {up:?}");

    let receiver = node(tmp.path(), "wang");
    let (report, down) = sync_watched(&receiver.store, &relay.url, &tokens[1]);
    assert_eq!(report.received_new as u64, CUSTOMERS, "{report:?}");
    assert_monotone(&down);
    let last = down.last().copied().unwrap_or_default();
    assert_eq!((last.to_receive, last.received), (CUSTOMERS, CUSTOMERS), "{last:?}");
    assert_eq!((last.bytes_sent, last.bytes_received), (report.bytes_sent, report.bytes_received));
    assert!(down.iter().any(|p| p.received > 0 && p.received < CUSTOMERS), "no report between start and end: {down:?}");

    // Nothing new: one quiet report stream that still ends at its (zero) totals.
    let (_, idle) = sync_watched(&receiver.store, &relay.url, &tokens[1]);
    assert_monotone(&idle);
    let last = idle.last().copied().unwrap_or_default();
    assert_eq!((last.to_send, last.sent, last.to_receive, last.received), (0, 0, 0, 0), "{last:?}");
}

/// The totals are whole before the work they count starts, so the estimate of the time
/// left holds from the first document: an upload counts what it will send before sending,
/// and a download reads the relay's listing ahead (here more than one page of 5,000) before
/// fetching. Before, the download counted a page at a time and said "about a second left"
/// at the end of each page.
#[test]
fn the_totals_are_whole_from_the_first_document_both_ways() {
    const MANY: u64 = 5_500;
    let tmp = tempfile::tempdir().expect("tmp");
    let (relay, tokens, sender) = seeded(tmp.path(), 13, MANY, &rapport_demo::DemoProfile::bench());

    let (report, up) = sync_watched(&sender.store, &relay.url, &tokens[0]);
    assert_eq!(report.sent as u64, MANY, "{report:?}");
    assert_monotone(&up);
    let under_way: Vec<&SyncProgress> = up.iter().filter(|p| p.sent > 0 && p.sent < MANY).collect();
    assert!(!under_way.is_empty());
    for p in under_way {
        assert_eq!(p.to_send, MANY, "the upload's total was not whole while it ran: {p:?}");
        assert!(p.eta_ms.is_some(), "no estimate while the upload ran: {p:?}");
    }

    let receiver = node(tmp.path(), "wang");
    let (report, down) = sync_watched(&receiver.store, &relay.url, &tokens[1]);
    assert_eq!(report.received_new as u64, MANY, "{report:?}");
    assert_monotone(&down);
    let under_way: Vec<&SyncProgress> = down.iter().filter(|p| p.received > 0 && p.received < MANY).collect();
    assert!(!under_way.is_empty());
    for p in under_way {
        assert_eq!(p.to_receive, MANY, "the download's total was not whole while it ran: {p:?}");
        assert!(p.eta_ms.is_some(), "no estimate while the download ran: {p:?}");
    }
}

/// While a running node syncs, its status line for that relay (`GET /v1/sync`, `rapport
/// sync status`) carries the sync's progress, and loses it when the sync ends; from the
/// moment the line appears it never goes missing, not even while the node settles after
/// the sync (here: re-deriving 2,500 customers' tags for the team's new rule). Before, the
/// progress left the line before the status was recorded, and a first sync read as
/// "never synced" meanwhile.
#[test]
fn a_nodes_status_line_shows_the_sync_under_way() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (relay, tokens, sender) = seeded(tmp.path(), 12, CUSTOMERS, &rapport_demo::DemoProfile::realistic());
    sender.put_rule(&rapport_rules::Rule::new("big", "大客户", "amount_total > 300000"), true).expect("rule");
    sync_watched(&sender.store, &relay.url, &tokens[0]);

    let dir = tmp.path().join("wang-data");
    std::fs::create_dir_all(&dir).expect("dir");
    rapport_node::save_relay(&dir, &rapport_node::RelayConfig { url: relay.url.clone(), token: tokens[1].clone() })
        .expect("relay");
    let receiver = std::sync::Arc::new(node(tmp.path(), "wang"));
    let node = rapport_node::Node::new(receiver, &dir).expect("node");
    let seen = Mutex::new(Vec::new());
    let (mut lined, mut missing) = (0u32, 0u32);
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let lines = node.sync_status().expect("status").peers;
                match (lines.is_empty(), lined) {
                    (false, _) => lined += 1,
                    (true, 1..) => missing += 1,
                    (true, 0) => {}
                }
                seen.lock().expect("seen").extend(lines.into_iter().filter_map(|l| l.progress.map(|p| (l.peer, p))));
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        });
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let outcome = rt.block_on(node.sync_now(false)).expect("sync").remove(0);
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(outcome.error.is_none(), "{outcome:?}");
    });
    let seen = seen.into_inner().expect("seen");
    let key = format!("relay:{}", relay.url);
    assert!(seen.iter().all(|(peer, _)| *peer == key), "progress on another line: {seen:?}");
    assert!(
        seen.iter().any(|(_, p)| p.to_receive == CUSTOMERS && p.received < CUSTOMERS),
        "the status line never showed the download under way ({} samples)",
        seen.len()
    );
    assert_eq!(
        missing,
        0,
        "the relay's line went missing in {missing} of {} status reads after it appeared",
        lined + missing
    );
    let after = node.sync_status().expect("status").peers;
    assert_eq!(after.len(), 1);
    assert!(after[0].progress.is_none() && after[0].status.last_success.is_some(), "{:?}", after[0]);
}
