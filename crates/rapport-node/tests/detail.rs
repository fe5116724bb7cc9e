//! A customer's detail JSON is the same bytes whether it comes from the view stored behind
//! the document or from the document itself: after creation, edits (change chunks, then
//! compaction), conflicting concurrent edits, a merge of two customers, and a reindex.

mod common;

use common::{at, node};
use rapport_model::*;
use rapport_node::{default_settings_doc, detail_json, detail_json_from_document, LocalBook};
use rapport_store::Store;

/// The clock of every node here.
const NOW: &str = "2026-03-01 10:00";

fn as_of() -> Date {
    at(NOW).date()
}

/// Both paths agree for `id`; returns whether the stored view was current.
fn same_both_ways(book: &LocalBook, id: CustomerId) -> bool {
    let fast = detail_json(&book.store, id, as_of()).expect("detail");
    let slow = detail_json_from_document(&book.store, id, as_of()).expect("from document");
    assert_eq!(String::from_utf8_lossy(&fast.body), String::from_utf8_lossy(&slow.body), "customer {id}");
    assert_eq!(fast.heads, slow.heads);
    assert_eq!(fast.number, slow.number);
    let parsed: serde_json::Value = serde_json::from_slice(&fast.body).expect("valid JSON");
    assert_eq!(parsed["customer"]["id"], id.to_hex());
    book.store.stored_view(id).expect("view").is_some()
}

fn rename(book: &LocalBook, key: &str, name: &str) {
    let patch = CustomerPatch { name: Some(name.into()), ..Default::default() };
    book.patch_customer(key, &patch, None).expect("rename");
}

#[test]
fn stored_view_and_document_give_the_same_detail() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = node(&dir, "a", NOW);
    let gen = rapport_demo::DemoBook::new(7, as_of(), &["Li Wei", "Wang Fang"]);
    let customers: Vec<Customer> = (0..40).map(|i| gen.customer(i, &rapport_demo::DemoProfile::realistic())).collect();
    let numbers = a.store.create_many(customers, "Li Wei", at("2026-03-01 09:00")).expect("create");
    let ids: Vec<CustomerId> = numbers.iter().map(|n| a.store.resolve(n).expect("id")).collect();
    for id in &ids {
        assert!(same_both_ways(&a, *id), "a new customer has a current view");
    }

    // An edit appends a change chunk: the view is no longer current and is not used.
    rename(&a, &numbers[0], "改名一次有限公司");
    assert!(!same_both_ways(&a, ids[0]), "the view predates the chunk");
    // Enough edits fold the chunks into a full save, with a fresh view.
    for i in 0..16 {
        rename(&a, &numbers[0], &format!("改名{i}有限公司"));
    }
    assert!(same_both_ways(&a, ids[0]), "compaction writes a current view");
    let detail: serde_json::Value =
        serde_json::from_slice(&detail_json(&a.store, ids[0], as_of()).expect("detail").body).expect("json");
    assert_eq!(detail["customer"]["name"], "改名15有限公司");

    // The same customer edited on two nodes at once: the merged document's view shows the
    // conflict exactly as the document does.
    let b = node(&dir, "b", NOW);
    let (bytes, _) = a.store.stored_bytes(ids[1]).expect("bytes");
    b.store.adopt(ids[1], &bytes).expect("adopt on b");
    assert!(same_both_ways(&b, ids[1]), "an adopted customer has a current view");
    rename(&a, &numbers[1], "甲方改的名字");
    rename(&b, &numbers[1], "乙方改的名字");
    let (theirs, _) = b.store.stored_bytes(ids[1]).expect("b bytes");
    a.store.adopt(ids[1], &theirs).expect("merge into a");
    assert!(same_both_ways(&a, ids[1]), "a merge writes a full save with its view");
    let detail: serde_json::Value =
        serde_json::from_slice(&detail_json(&a.store, ids[1], as_of()).expect("detail").body).expect("json");
    assert_eq!(detail["conflicts"].as_array().map(Vec::len), Some(1), "{}", detail["conflicts"]);

    // Merging two customers rewrites both; reindex rewrites every one with a view.
    a.merge(&numbers[2], &numbers[3], Some("same company".into())).expect("merge customers");
    a.store.reindex().expect("reindex");
    for id in &ids {
        assert!(same_both_ways(&a, *id), "reindex leaves every customer with a current view");
    }
}

#[test]
fn a_store_without_rules_serves_the_same_detail_from_its_views() {
    let dir = tempfile::tempdir().expect("tmp");
    // No rules engine: no rule tags or tier, and the view still gives the document's bytes.
    let store =
        Store::init(&dir.path().join("bare.redb"), "Li Wei", default_settings_doc().expect("settings"), Vec::new())
            .expect("init");
    let gen = rapport_demo::DemoBook::new(9, as_of(), &["Li Wei"]);
    let n = store
        .create_many(vec![gen.customer(0, &rapport_demo::DemoProfile::realistic())], "Li Wei", at("2026-03-01 09:00"))
        .expect("create");
    let id = store.resolve(&n[0]).expect("id");
    assert!(store.stored_view(id).expect("view").is_some());
    let fast = detail_json(&store, id, as_of()).expect("detail");
    let slow = detail_json_from_document(&store, id, as_of()).expect("document");
    assert_eq!(fast.body, slow.body);
}
