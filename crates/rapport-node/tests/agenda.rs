//! The agenda keeps every member's task through re-evaluation: derived cadence follow-ups
//! are told apart from tasks by what they are, not by their text.

mod common;

use common::{at, node};
use rapport_model::*;
use rapport_node::{Clock, LocalBook};
use rapport_rules::Rule;
use rapport_store::{AgendaItem, Store};
use std::collections::BTreeMap;

/// A member's task whose text reads like the label of a derived cadence follow-up.
const LOOKALIKE: &str = "cadence: call back";
/// And one like the label of a follow-up's next action.
const LOOKALIKE_NEXT: &str = "follow-up: send the quote";

fn d(s: &str) -> Date {
    parse_date("d", s).expect("date")
}

fn customer_with_lookalike_tasks(book: &LocalBook) -> String {
    let c = book
        .add_customer(&NewCustomer {
            kind: Some(Kind::Company),
            name: "恒瑞精密".into(),
            industry: Some("C".into()),
            source: Some("referral".into()),
            ..Default::default()
        })
        .expect("add");
    for (what, due) in [(LOOKALIKE, "2026-03-04"), (LOOKALIKE_NEXT, "2026-03-05")] {
        book.add_task(&c.number, &NewTask { what: what.into(), assignee: None, due: due.into() }).expect("task");
    }
    c.number
}

/// Every tier follows up every `days` days (or never), whatever tier the customer is in.
fn set_cadence(book: &LocalBook, days: Option<u32>) {
    let mut policies = book.tier_settings().expect("settings").policies;
    for p in [&mut policies.s, &mut policies.a, &mut policies.b, &mut policies.c] {
        p.cadence_days = days;
    }
    let values = BTreeMap::from([("policies".to_string(), serde_json::to_value(&policies).expect("json"))]);
    book.set_tier_settings(&values).expect("set cadence");
}

fn agenda(book: &LocalBook, today: &str) -> Vec<AgendaItem> {
    book.agenda(d(today), None, None).expect("agenda").items
}

fn texts(items: &[AgendaItem]) -> Vec<&str> {
    items.iter().map(|i| i.what.as_str()).collect()
}

/// The derived cadence follow-ups on the agenda (their text names the cadence).
fn derived(items: &[AgendaItem]) -> Vec<&AgendaItem> {
    items.iter().filter(|i| i.what.starts_with("cadence: ") && i.what.contains("follow up every")).collect()
}

fn assert_tasks_kept(book: &LocalBook, today: &str, after: &str) {
    let items = agenda(book, today);
    for t in [LOOKALIKE, LOOKALIKE_NEXT] {
        assert_eq!(texts(&items).iter().filter(|w| **w == t).count(), 1, "{t} after {after}: {:?}", texts(&items));
    }
    let problems = book.doctor().expect("doctor").problems;
    assert!(problems.is_empty(), "doctor after {after}: {problems:?}");
}

#[test]
fn a_members_task_that_reads_like_a_derived_follow_up_survives_every_re_evaluation() {
    let dir = tempfile::tempdir().expect("tmp");
    let book = node(&dir, "li", "2026-03-02 10:00");
    set_cadence(&book, Some(15));
    let number = customer_with_lookalike_tasks(&book);
    assert_tasks_kept(&book, "2026-03-02", "adding the tasks");
    assert!(derived(&agenda(&book, "2026-03-02")).is_empty(), "contacted today: no cadence follow-up yet");

    book.refresh_tags().expect("refresh");
    assert_tasks_kept(&book, "2026-03-02", "POST /v1/tags/refresh");
    book.put_rule(&Rule::new("tiny", "小客户", "amount_12m < 5000"), true).expect("rule");
    assert_tasks_kept(&book, "2026-03-02", "a rule change");
    set_cadence(&book, Some(14));
    assert_tasks_kept(&book, "2026-03-02", "a tier-settings change");

    // Eighteen days on, the cadence calls for a follow-up: it joins the tasks.
    let path = book.store.path().to_path_buf();
    drop(book);
    let (book, _) =
        LocalBook::open(Store::open(&path).expect("open"), Clock::Fixed(at("2026-03-20 10:00"))).expect("open");
    let today = "2026-03-20";
    assert_tasks_kept(&book, today, "the date moving on");
    let items = agenda(&book, today);
    let follow_ups = derived(&items);
    assert_eq!(follow_ups.len(), 1, "{:?}", texts(&items));
    assert_eq!((follow_ups[0].due, follow_ups[0].number.as_str()), (d("2026-03-16"), number.as_str()));
    assert!(follow_ups[0].what.contains("every 14 days"), "{}", follow_ups[0].what);

    book.refresh_tags().expect("refresh");
    assert_tasks_kept(&book, today, "a refresh with a follow-up due");
    assert_eq!(texts(&agenda(&book, today)), texts(&items), "a refresh that changes nothing changes nothing");

    // A new cadence replaces the follow-up, never adds a second one.
    set_cadence(&book, Some(10));
    assert_tasks_kept(&book, today, "a shorter cadence");
    let items = agenda(&book, today);
    let follow_ups = derived(&items);
    assert_eq!(follow_ups.len(), 1, "{:?}", texts(&items));
    assert_eq!(follow_ups[0].due, d("2026-03-12"));
    assert!(follow_ups[0].what.contains("every 10 days"), "{}", follow_ups[0].what);

    // No cadence: the follow-up goes, the tasks stay.
    set_cadence(&book, None);
    assert_tasks_kept(&book, today, "dropping the cadence");
    assert!(derived(&agenda(&book, today)).is_empty());

    // Completing the lookalike task is what removes it.
    let task = book.customer(&number).expect("view").customer.tasks[0].id.to_string();
    book.complete_task(&number, &task, &TaskCompletion { result: None }).expect("done");
    assert_eq!(texts(&agenda(&book, today)), vec![LOOKALIKE_NEXT]);
    assert!(book.doctor().expect("doctor").problems.is_empty());
}

/// A list row as Rapport stored it before open items said what they are (layout 1, no
/// `list_row_layout` in the metadata): items were bare `(due, assignee, what)`.
#[derive(serde::Serialize)]
struct RowV1 {
    number: String,
    name: String,
    kind: String,
    industry: String,
    stage: String,
    owner: String,
    source: String,
    created: Date,
    last_interaction: Option<Date>,
    archived: bool,
    priority: bool,
    contact: Option<String>,
    phone: Option<String>,
    tags: Vec<String>,
    rule_tags: Vec<String>,
    tier: Option<String>,
    open_items: Vec<(Date, String, String)>,
    keys: Vec<Vec<u8>>,
}

const SUMMARY: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("summary");
const META: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("meta");

/// Rewrites every list row of the store at `path` in layout 1, leaving out the items whose
/// text is `lost` (as the old re-evaluation did to a task that read like a cadence label).
fn rewrite_in_layout_1(path: &std::path::Path, lost: &str) {
    let db = redb::Database::open(path).expect("open redb");
    let txn = db.begin_write().expect("write");
    {
        let mut sums = txn.open_table(SUMMARY).expect("summary table");
        let rows: Vec<(u64, rapport_store::Summary)> = {
            use redb::ReadableTable;
            sums.iter()
                .expect("iter")
                .map(|e| {
                    let (k, v) = e.expect("row");
                    (k.value(), postcard::from_bytes(v.value()).expect("current row"))
                })
                .collect()
        };
        assert!(!rows.is_empty());
        for (row, s) in rows {
            let old = RowV1 {
                number: s.number,
                name: s.name,
                kind: s.kind,
                industry: s.industry,
                stage: s.stage,
                owner: s.owner,
                source: s.source,
                created: s.created,
                last_interaction: s.last_interaction,
                archived: s.archived,
                priority: s.priority,
                contact: s.contact,
                phone: s.phone,
                tags: s.tags,
                rule_tags: s.rule_tags,
                tier: s.tier,
                open_items: s
                    .open_items
                    .into_iter()
                    .filter(|i| i.what != lost)
                    .map(|i| (i.due, i.assignee, i.what))
                    .collect(),
                keys: s.keys,
            };
            sums.insert(row, postcard::to_allocvec(&old).expect("encode").as_slice()).expect("insert");
        }
        txn.open_table(META).expect("meta").remove("list_row_layout").expect("remove marker");
    }
    txn.commit().expect("commit");
}

fn open_at(path: &std::path::Path, now: &str) -> LocalBook {
    LocalBook::open(Store::open(path).expect("open store"), Clock::Fixed(at(now))).expect("open book").0
}

#[test]
fn list_rows_an_earlier_version_wrote_are_upgraded_on_open_and_lose_no_task() {
    let dir = tempfile::tempdir().expect("tmp");
    let book = node(&dir, "li", "2026-03-02 10:00");
    set_cadence(&book, Some(15));
    customer_with_lookalike_tasks(&book);
    let path = book.store.path().to_path_buf();
    drop(book);
    let book = open_at(&path, "2026-03-20 10:00");
    let before = agenda(&book, "2026-03-20");
    assert_eq!(derived(&before).len(), 1, "{:?}", texts(&before));
    drop(book);

    // An earlier version's store, whose re-evaluation had already dropped the lookalike task
    // from the row (the document still holds it).
    rewrite_in_layout_1(&path, LOOKALIKE);
    let book = open_at(&path, "2026-03-20 10:00");
    let after = agenda(&book, "2026-03-20");
    assert_eq!(texts(&after), texts(&before), "the upgrade restores the task and keeps the cadence follow-up");
    assert_eq!(after.iter().map(|i| i.due).collect::<Vec<_>>(), before.iter().map(|i| i.due).collect::<Vec<_>>());
    assert_tasks_kept(&book, "2026-03-20", "the upgrade");
    book.refresh_tags().expect("refresh");
    assert_tasks_kept(&book, "2026-03-20", "a refresh after the upgrade");
    assert_eq!(derived(&agenda(&book, "2026-03-20")).len(), 1);
    drop(book);

    // Opening again finds nothing to upgrade and the same agenda.
    let book = open_at(&path, "2026-03-20 10:00");
    assert_eq!(texts(&agenda(&book, "2026-03-20")), texts(&before));
    drop(book);

    // A layout from a newer version is refused, not misread.
    {
        let db = redb::Database::open(&path).expect("open redb");
        let txn = db.begin_write().expect("write");
        txn.open_table(META).expect("meta").insert("list_row_layout", 3u32.to_le_bytes().as_slice()).expect("mark");
        txn.commit().expect("commit");
    }
    let err = Store::open(&path).err().expect("a newer layout is refused");
    assert!(err.to_string().contains("newer Rapport"), "{err}");
}

/// The agenda the node serves from its list model is the store's agenda, item for item,
/// for everyone, for one member, after further writes, and with the same refusal of an
/// assignee nobody knows.
#[test]
fn the_list_models_agenda_is_the_stores() {
    let dir = tempfile::tempdir().expect("tmp");
    let book = node(&dir, "li", "2026-03-02 10:00");
    let views = rapport_node::Views::new(16);
    let today = d("2026-03-02");
    let mut numbers = Vec::new();
    let mut first_task = None;
    for (i, name) in ["恒瑞精密", "Acme Trading", "精密机械", "海天塑机"].iter().enumerate() {
        let c = book
            .add_customer(&NewCustomer {
                kind: Some(Kind::Company),
                name: name.to_string(),
                industry: Some("C".into()),
                source: Some("referral".into()),
                ..Default::default()
            })
            .expect("add");
        for (k, (who, due)) in
            [("li", "2026-02-20"), ("Wang Fang", "2026-03-02"), ("li", "2026-03-06"), ("li", "2026-04-30")]
                .iter()
                .enumerate()
        {
            let what = format!("task {i}-{k}");
            let w = book
                .add_task(&c.number, &NewTask { what, assignee: Some(who.to_string()), due: due.to_string() })
                .expect("task");
            first_task = first_task.or(w.item);
        }
        numbers.push(c.number);
    }
    let same = |label: &str| {
        for who in [None, Some("li"), Some("wang fang")] {
            let store = book.agenda(today, who, None).expect("store agenda");
            let model = views.agenda(&book, today, who, None).expect("model agenda");
            assert_eq!(format!("{:?}", store.items), format!("{:?}", model.items), "{label}, {who:?}");
            assert_eq!(store.total, model.total, "{label}, {who:?}");
            let first = views.agenda(&book, today, who, Some(3)).expect("model agenda");
            let head: Vec<_> = store.items.iter().take(3).collect();
            assert_eq!(
                format!("{head:?}"),
                format!("{:?}", first.items.iter().collect::<Vec<_>>()),
                "{label}, {who:?}"
            );
            assert_eq!(first.total, store.total, "the total counts every item, not the page");
        }
    };
    same("as built");
    let task = first_task.expect("a task id").0;
    book.complete_task(&numbers[0], &task, &TaskCompletion { result: None }).expect("done");
    book.set_archived(&numbers[1], true, Some("closed".into())).expect("archive");
    same("after writes");
    assert!(views.agenda(&book, today, Some("Nobody"), None).is_err(), "an unknown assignee is refused");
}
