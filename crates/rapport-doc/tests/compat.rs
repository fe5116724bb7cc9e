//! Documents written by automerge 0.6.1 (every store and relay holds them) and by automerge
//! 0.12.0 (with this crate's 0.12 write path: `init_root_from_hydrate`,
//! `batch_create_object`) read back identically under the Automerge this build links, and
//! what this build saves loads back: the binary format is compatible both ways, so a team
//! can run both versions side by side during an upgrade.
//!
//! Each directory under `tests/fixtures/` was written by
//! `write_fixtures_with_this_automerge` with that Automerge linked, and is never
//! regenerated: its `expected.json` is what that version read from its own bytes.

use rapport_doc::{heads_string, ActorId, ChangeMeta, CustomerDoc, RuleRecord, SettingsDoc};
use rapport_model::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The fixture sets, by the Automerge version that wrote them.
const WRITERS: [&str; 2] = ["automerge-0.6.1", "automerge-0.12.0"];

fn dir(writer: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(writer)
}

fn read_fixture(writer: &str, name: &str) -> Vec<u8> {
    let path = dir(writer).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

fn at(s: &str) -> DateTime {
    parse_datetime("t", s).expect("test date")
}

fn meta(who: &str, when: &str) -> ChangeMeta {
    ChangeMeta::new(who, at(when))
}

/// Everything a node shows of a customer document.
fn customer_view(d: &mut CustomerDoc) -> Value {
    json!({
        "customer": serde_json::to_value(d.read().expect("read")).expect("json"),
        "conflicts": serde_json::to_value(d.conflicts().expect("conflicts")).expect("json"),
        "conflicts_quick": d.conflicts_quick().expect("conflicts").len(),
        "history": serde_json::to_value(d.history()).expect("json"),
        "heads": heads_string(&d.heads()),
    })
}

/// Everything a node shows of the settings document.
fn settings_view(d: &mut SettingsDoc) -> Value {
    json!({
        "rules": serde_json::to_value(d.rules().expect("rules")).expect("json"),
        "settings": serde_json::to_value(d.settings().expect("settings")).expect("json"),
        "audit": serde_json::to_value(d.audit().expect("audit")).expect("json"),
        "history": serde_json::to_value(d.history()).expect("json"),
        "heads": heads_string(&d.heads()),
    })
}

/// The customers of the fixtures: three demo customers with their activity, and one with
/// concurrent edits of the same fields (owner, a contact's phone, notes) by two actors.
struct Written {
    files: BTreeMap<String, Vec<u8>>,
    expected: BTreeMap<String, Value>,
}

fn demo_customers(w: &mut Written) {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).expect("date");
    let book = rapport_demo::DemoBook::new(11, today, &["Li Wei", "Wang Fang"]);
    for i in 0..3u64 {
        let mut c = book.customer(i, &rapport_demo::DemoProfile::realistic());
        c.number = format!("MFG-2026-FIXTUR-{i:03}");
        let mut d = CustomerDoc::create(&c, ActorId::from(vec![1u8; 24]), ChangeMeta::new("Li Wei", c.created_at))
            .expect("create");
        let name = format!("customer-{i}");
        w.files.insert(format!("{name}.compressed.am"), d.save());
        w.files.insert(format!("{name}.plain.am"), d.save_plain());
        w.expected.insert(format!("{name}.id"), json!(c.id.to_hex()));
        w.expected.insert(name, customer_view(&mut d));
    }
}

fn conflicting_customer(w: &mut Written) {
    let new = NewCustomer {
        kind: Some(Kind::Company),
        name: "苏州恒瑞精密机械有限公司".into(),
        industry: Some("C".into()),
        source: Some("trade_show".into()),
        notes: Some("Met at the fair.".into()),
        contacts: vec![NewContact {
            name: "王小明".into(), phone: Some("13812345678".into()), ..Default::default()
        }],
        ..Default::default()
    };
    let mut c = new.validate("Li Wei", at("2026-01-05 09:00")).expect("valid");
    c.number = "MFG-2026-FIXTUR-100".into();
    let mut a =
        CustomerDoc::create(&c, ActorId::from(vec![1u8; 24]), meta("Li Wei", "2026-01-05 09:00")).expect("create");
    w.files.insert("conflict.base.am".into(), a.save());
    let base_heads = a.heads();
    let mut b = a.fork();
    b.set_actor(ActorId::from(vec![2u8; 24]));
    let contact = c.contacts[0].id.0.clone();
    a.apply_patch(
        &CustomerPatch {
            owner: Some("Wang Fang".into()),
            notes: Some("Met at the fair. Wants a quote.".into()),
            ..Default::default()
        },
        meta("Li Wei", "2026-02-01 10:00").because(Some("she covers Suzhou".into())),
    )
    .expect("a");
    b.apply_patch(
        &CustomerPatch {
            owner: Some("Zhang Min".into()),
            notes: Some("Met at the fair in March.".into()),
            ..Default::default()
        },
        meta("Wang Fang", "2026-02-01 10:05"),
    )
    .expect("b");
    b.edit_contact(
        &contact,
        &ContactPatch { phone: Some(Some("13900001111".into())), ..Default::default() },
        meta("Wang Fang", "2026-02-01 10:06"),
    )
    .expect("b contact");
    let task = NewTask { what: "寄报价单".into(), assignee: Some("Li Wei".into()), due: "2026-02-10".into() }
        .validate("Li Wei")
        .expect("task");
    a.add_task(&task, meta("Li Wei", "2026-02-01 10:07")).expect("task");
    // The incremental chunks a node stores after its base document, and those a relay
    // sends: one per side.
    w.files.insert("conflict.a.incremental.am".into(), a.save_after(&base_heads));
    w.files.insert("conflict.b.incremental.am".into(), b.save_after(&base_heads));
    a.merge(&mut b).expect("merge");
    w.files.insert("conflict.merged.compressed.am".into(), a.save());
    w.files.insert("conflict.merged.plain.am".into(), a.save_plain());
    w.expected.insert("conflict.id".into(), json!(c.id.to_hex()));
    w.expected.insert("conflict".into(), customer_view(&mut a));
}

fn settings(w: &mut Written) {
    let rules = [RuleRecord {
        name: "big-deal".into(),
        tag: "大客户".into(),
        when: "deal.amount >= 100000".into(),
        enabled: true,
        position: 1,
    }];
    let values: BTreeMap<String, String> = [("tier.a".to_string(), "500000".to_string())].into();
    let mut s = SettingsDoc::genesis(&rules, &values).expect("genesis");
    s.set_actor(ActorId::from(vec![3u8; 24]));
    s.put_rule(
        &RuleRecord {
            name: "stale".into(), tag: "久未跟进".into(), when: "true".into(), enabled: false, position: 2
        },
        meta("Li Wei", "2026-03-01 08:00"),
    )
    .expect("rule");
    s.record_audit("export with contact data", meta("Li Wei", "2026-03-01 08:01")).expect("audit");
    w.files.insert("settings.am".into(), s.save());
    w.expected.insert("settings".into(), settings_view(&mut s));
}

/// Writes the fixtures of the Automerge version linked now. Run once per version, by hand:
/// `RAPPORT_FIXTURES=automerge-X.Y.Z cargo test -p rapport-doc --test compat -- --ignored write_fixtures`.
#[test]
#[ignore = "writes fixtures; run by hand only, once per Automerge version"]
fn write_fixtures_with_this_automerge() {
    let writer = std::env::var("RAPPORT_FIXTURES").expect("RAPPORT_FIXTURES names the directory to write");
    assert!(!dir(&writer).exists(), "fixtures are never regenerated: {writer} exists");
    let dir = dir(&writer);
    let mut w = Written { files: BTreeMap::new(), expected: BTreeMap::new() };
    demo_customers(&mut w);
    conflicting_customer(&mut w);
    settings(&mut w);
    std::fs::create_dir_all(&dir).expect("dir");
    for (name, bytes) in &w.files {
        std::fs::write(dir.join(name), bytes).expect("write");
    }
    let expected = serde_json::to_string_pretty(&w.expected).expect("json");
    std::fs::write(dir.join("expected.json"), expected + "\n").expect("write");
}

fn expected(writer: &str) -> Value {
    serde_json::from_slice(&read_fixture(writer, "expected.json")).expect("expected.json")
}

fn id_of(expected: &Value, name: &str) -> CustomerId {
    expected[format!("{name}.id")].as_str().expect("id").parse().expect("id")
}

/// Loads the way a relay or node takes bytes from elsewhere, and checks them.
fn load_checked(bytes: &[u8], id: CustomerId) -> CustomerDoc {
    let mut d = CustomerDoc::load_untrusted(bytes).expect("load");
    d.check(id).expect("check");
    d
}

/// Every customer fixture of `writer` as this build loads it.
fn loaded_customers(writer: &str) -> Vec<(String, CustomerDoc, CustomerId)> {
    let e = expected(writer);
    let read_fixture = |name: &str| read_fixture(writer, name);
    let mut out = Vec::new();
    for i in 0..3 {
        let name = format!("customer-{i}");
        for form in ["compressed", "plain"] {
            let d = load_checked(&read_fixture(&format!("{name}.{form}.am")), id_of(&e, &name));
            out.push((name.clone(), d, id_of(&e, &name)));
        }
    }
    let id = id_of(&e, "conflict");
    for form in ["compressed", "plain"] {
        out.push(("conflict".into(), load_checked(&read_fixture(&format!("conflict.merged.{form}.am")), id), id));
    }
    // A base document and the incremental chunks of both sides, as a store holds them.
    let mut d = load_checked(&read_fixture("conflict.base.am"), id);
    d = d.merged_untrusted(&read_fixture("conflict.a.incremental.am")).expect("a chunk");
    d = d.merged_untrusted(&read_fixture("conflict.b.incremental.am")).expect("b chunk");
    d.check(id).expect("check");
    out.push(("conflict".into(), d, id));
    out
}

#[test]
fn documents_written_by_automerge_0_6_1_and_0_12_read_identically() {
    for writer in WRITERS {
        let e = expected(writer);
        let loaded = loaded_customers(writer);
        assert_eq!(loaded.len(), 9);
        for (name, mut d, _) in loaded {
            assert_eq!(customer_view(&mut d), e[&name], "{writer} {name}");
        }
        assert!(!e["conflict"]["conflicts"].as_array().expect("conflicts").is_empty(), "{writer}: no conflicts");
        let mut s = SettingsDoc::load_untrusted(&read_fixture(writer, "settings.am")).expect("settings");
        s.check_shape().expect("settings shape");
        assert_eq!(settings_view(&mut s), e["settings"], "{writer}");
    }
}

/// Both versions wrote the same demo customers and read them the same way: only the change
/// hashes (and the history entries that show them) differ, as 0.12 writes a new document's
/// operations in another order.
#[test]
fn both_versions_wrote_the_same_customers() {
    let [old, new] = WRITERS.map(expected);
    for name in ["customer-0", "customer-1", "customer-2"] {
        for part in ["customer", "conflicts", "conflicts_quick"] {
            assert_eq!(old[name][part], new[name][part], "{name} {part}");
        }
    }
    // The customer with conflicts gets new random ids each time it is written.
    assert_eq!(old["conflict"]["conflicts"], new["conflict"]["conflicts"]);
    // Audit entries are keyed by random ids, so the settings' heads differ.
    for part in ["rules", "settings", "audit"] {
        assert_eq!(old["settings"][part], new["settings"][part], "settings {part}");
    }
}

#[test]
fn saves_of_documents_written_by_either_version_load_back_identically() {
    for writer in WRITERS {
        saves_load_back(writer);
    }
}

fn saves_load_back(writer: &str) {
    let e = expected(writer);
    let read_fixture = |name: &str| read_fixture(writer, name);
    for (name, mut d, id) in loaded_customers(writer) {
        let view = customer_view(&mut d);
        for bytes in [d.save(), d.save_plain()] {
            assert_eq!(customer_view(&mut load_checked(&bytes, id)), view, "{name}");
        }
        // An edit made by this build, sent as an incremental chunk, applies to the
        // document 0.6.1 wrote.
        let before = d.heads();
        d.set_actor(ActorId::from(vec![9u8; 24]));
        d.set_archived(true, meta("Li Wei", "2026-04-01 09:00")).expect("edit");
        let chunk = d.save_after(&before);
        let old = load_checked(&read_fixture(&format!("{}.am", first_form(&name))), id);
        let mut updated = old.merged_untrusted(&chunk).expect("chunk");
        if name == "conflict" {
            // The merged fixture is not the base: bring the rest in first.
            for side in ["a", "b"] {
                updated =
                    updated.merged_untrusted(&read_fixture(&format!("conflict.{side}.incremental.am"))).expect("side");
            }
        }
        assert_eq!(customer_view(&mut updated), customer_view(&mut d), "{name}");
        assert!(updated.read().expect("read").archived);
    }
    let mut s = SettingsDoc::load_untrusted(&read_fixture("settings.am")).expect("settings");
    let view = settings_view(&mut s);
    let mut again = SettingsDoc::load_untrusted(&s.save()).expect("settings again");
    again.check_shape().expect("shape");
    assert_eq!(settings_view(&mut again), view);
    assert_eq!(view, e["settings"]);
}

fn first_form(name: &str) -> String {
    if name == "conflict" {
        "conflict.base".into()
    } else {
        format!("{name}.plain")
    }
}

/// Nodes initialised apart share the settings document's first change only if every
/// version of Rapport writes it byte for byte the same: a node on this build joining a
/// team whose document 0.6.1 created must not make a second first change.
#[test]
fn settings_genesis_is_the_change_0_6_1_wrote() {
    let e = expected("automerge-0.6.1");
    let genesis_hash = e["settings"]["history"]
        .as_array()
        .expect("history")
        .iter()
        .find(|h| h["author"] == "Rapport")
        .and_then(|h| h["hash"].as_str())
        .expect("the fixture's first change")
        .to_string();
    let rules = [RuleRecord {
        name: "big-deal".into(),
        tag: "大客户".into(),
        when: "deal.amount >= 100000".into(),
        enabled: true,
        position: 1,
    }];
    let values: BTreeMap<String, String> = [("tier.a".to_string(), "500000".to_string())].into();
    let mut s = SettingsDoc::genesis(&rules, &values).expect("genesis");
    assert_eq!(heads_string(&s.heads()), genesis_hash);
    let mut stored = SettingsDoc::load(&read_fixture("automerge-0.6.1", "settings.am")).expect("fixture");
    stored.merge(&mut s).expect("merge");
    stored.check_shape().expect("one first change after the merge");
}
