//! Several nodes, each with its own store, edit the same customers offline and exchange
//! documents in different orders: every node ends with the same customers, heads and
//! index entries, the same rule tags and tiers, and `doctor` is clean everywhere.

use rapport_doc::{ChangeMeta, CustomerDoc};
use rapport_model::*;
use rapport_store::{Filter, Store};

fn at(s: &str) -> DateTime {
    parse_datetime("t", s).expect("date")
}

fn node(dir: &tempfile::TempDir, name: &str) -> Store {
    let settings = rapport_node::default_settings_doc().expect("settings");
    let store = Store::init(&dir.path().join(format!("{name}.redb")), name, settings, Vec::new()).expect("init");
    // Every node runs the default rules as of the same date.
    let clock = rapport_node::Clock::Fixed(at("2026-03-02 18:00"));
    rapport_node::LocalBook::open(store, clock).expect("open").0.store
}

fn exchange(from: &Store, to: &Store) {
    for row in from.list(&Filter { include_archived: true, ..Default::default() }).expect("list") {
        let mut doc = from.load_doc(row.id).expect("load");
        to.merge_doc(&mut doc).expect("merge");
    }
}

#[test]
fn three_nodes_converge_after_offline_edits() {
    let dir = tempfile::tempdir().expect("tmp");
    let nodes = [node(&dir, "li"), node(&dir, "wang"), node(&dir, "zhang")];
    let today = Date::from_ymd_opt(2026, 3, 2).expect("date");
    let book = rapport_demo::DemoBook::new(5, today, &["Li Wei", "Wang Fang"]);
    let customers: Vec<Customer> = (0..30).map(|i| book.customer(i, &rapport_demo::DemoProfile::realistic())).collect();
    nodes[0].create_many(customers, "Li Wei", at("2026-03-01 09:00")).expect("seed");
    exchange(&nodes[0], &nodes[1]);
    exchange(&nodes[0], &nodes[2]);
    let ids: Vec<CustomerId> = nodes[0].list(&Filter::default()).expect("list").iter().map(|r| r.id).collect();

    // Offline: each node edits the same first customer and a few of its own.
    let first = ids[0];
    let patch = |p: CustomerPatch, who: &str| {
        let who = who.to_string();
        Box::new(move |d: &mut CustomerDoc, cur: &Customer| {
            Ok(d.apply_patch(&p.validate(cur)?, ChangeMeta::new(&who, at("2026-03-02 10:00")))?)
        })
    };
    nodes[0]
        .edit(first, patch(CustomerPatch { owner: Some("Li Wei".into()), ..Default::default() }, "Li Wei"))
        .expect("edit");
    nodes[1]
        .edit(first, patch(CustomerPatch { size: Some(Some("500-1000".into())), ..Default::default() }, "Wang Fang"))
        .expect("edit");
    nodes[2]
        .edit(first, patch(CustomerPatch { add_tags: ["VIP".to_string()].into(), ..Default::default() }, "Zhang Min"))
        .expect("edit");
    for (n, node) in nodes.iter().enumerate() {
        let i = NewInteraction {
            channel: Some(Channel::Phone),
            summary: format!("call from node {n}"),
            ..Default::default()
        }
        .validate("x", at("2026-03-02 11:00"))
        .expect("valid");
        node.edit(
            first,
            Box::new(move |d: &mut CustomerDoc, _: &Customer| {
                Ok(d.add_interaction(&i, ChangeMeta::new("x", at("2026-03-02 11:00")))?)
            }),
        )
        .expect("follow-up");
        node.edit(
            ids[1 + n],
            patch(CustomerPatch { notes: Some(format!("edited on node {n}")), ..Default::default() }, "x"),
        )
        .expect("notes");
    }
    nodes[1]
        .edit(
            ids[5],
            Box::new(|d: &mut CustomerDoc, _: &Customer| {
                Ok(d.set_archived(true, ChangeMeta::new("Wang Fang", at("2026-03-02 12:00")))?)
            }),
        )
        .expect("archive");
    nodes[2]
        .edit(ids[5], patch(CustomerPatch { source: Some("partner".into()), ..Default::default() }, "Zhang Min"))
        .expect("edit archived elsewhere");

    // Exchange in a ring, twice, so every change reaches every node.
    for _ in 0..2 {
        exchange(&nodes[0], &nodes[1]);
        exchange(&nodes[1], &nodes[2]);
        exchange(&nodes[2], &nodes[0]);
    }
    let snapshot = |s: &Store| -> Vec<(Customer, Vec<rapport_doc::ChangeHash>, rapport_store::Summary)> {
        ids.iter()
            .map(|id| {
                let mut d = s.load_doc(*id).expect("load");
                (d.read().expect("read"), d.heads(), s.summary(*id).expect("summary"))
            })
            .collect()
    };
    let a = snapshot(&nodes[0]);
    assert_eq!(a, snapshot(&nodes[1]));
    assert_eq!(a, snapshot(&nodes[2]));
    assert!(a.iter().all(|(_, _, s)| s.tier.is_some()), "every customer has a tier");
    assert!(a.iter().any(|(_, _, s)| !s.rule_tags.is_empty()), "rules tagged some customers");
    let c = &a[0].0;
    assert_eq!(c.owner, "Li Wei");
    assert_eq!(c.size.as_deref(), Some("500-1000"));
    assert!(c.manual_tags.contains("VIP"));
    assert_eq!(c.interactions.iter().filter(|i| i.summary.starts_with("call from node")).count(), 3);
    let archived = &a[5].0;
    assert!(archived.archived);
    assert_eq!(archived.source, "partner");
    for n in &nodes {
        assert!(n.doctor().expect("doctor").problems.is_empty());
    }
}
