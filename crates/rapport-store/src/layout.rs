//! The layout of stored list rows, and the upgrade of rows an earlier version wrote.
//!
//! List rows are postcard, which carries no field names or version, so the layout is
//! recorded in the store's metadata (`list_row_layout`). Layout 1 (no marker) kept each
//! open item as a bare `(due, assignee, what)` and recognised cadence follow-ups by their
//! text; layout 2 says what each item is ([`crate::OpenItemKind`]). Opening a store in
//! layout 1 upgrades every row once, in one transaction, before anything reads a row.

use crate::index::{document_items, Derived, OpenItem, OpenItemKind, Summary, CADENCE_PREFIX, NEXT_ACTION_PREFIX};
use crate::tables::*;
use crate::write::load_row;
use crate::{DocCodec, StoreError};
use rapport_model::{Customer, Date};
use redb::{Database, ReadableTable, Table};
use serde::Deserialize;

/// Metadata key of the list-row layout.
pub(crate) const META_ROW_LAYOUT: &str = "list_row_layout";

/// The layout this version writes.
pub(crate) const ROW_LAYOUT: u32 = 2;

/// Records that the rows are in [`ROW_LAYOUT`].
pub(crate) fn mark_current(meta: &mut Table<&str, &[u8]>) -> Result<(), StoreError> {
    meta.insert(META_ROW_LAYOUT, ROW_LAYOUT.to_le_bytes().as_slice())?;
    Ok(())
}

/// The layout recorded in a store (1 when none is: stores from before the marker).
fn recorded_layout(db: &Database) -> Result<u32, StoreError> {
    use redb::ReadableDatabase;
    let txn = db.begin_read()?;
    let meta = txn.open_table(META)?;
    let Some(v) = meta.get(META_ROW_LAYOUT)? else { return Ok(1) };
    let bytes: [u8; 4] = v
        .value()
        .try_into()
        .map_err(|_| StoreError::Db(format!("metadata `{META_ROW_LAYOUT}` is not a 4-byte number")))?;
    Ok(u32::from_le_bytes(bytes))
}

/// Brings the list rows to [`ROW_LAYOUT`] if an earlier version wrote them; refuses rows a
/// later version wrote. Returns how many rows were upgraded.
pub(crate) fn ensure_current(db: &Database, codec: &DocCodec) -> Result<u64, StoreError> {
    match recorded_layout(db)? {
        ROW_LAYOUT => Ok(0),
        1 => upgrade_from_1(db, codec),
        newer => Err(StoreError::Db(format!(
            "the list rows are in layout {newer}, written by a newer Rapport (this one reads layout {ROW_LAYOUT}); \
             upgrade Rapport to open this store"
        ))),
    }
}

/// A list row as layout 1 stored it.
#[derive(Deserialize)]
struct SummaryV1 {
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

/// Rewrites every layout-1 row in layout 2, and its index entries where they moved.
fn upgrade_from_1(db: &Database, codec: &DocCodec) -> Result<u64, StoreError> {
    let txn = db.begin_write()?;
    let mut upgraded = 0;
    {
        let docs = txn.open_table(DOCS)?;
        let chunks = txn.open_table(CHUNKS)?;
        let mut sums = txn.open_table(SUMMARY)?;
        let mut index = txn.open_multimap_table(INDEX)?;
        let rows: Vec<Row> = sums.iter()?.map(|e| e.map(|(k, _)| k.value())).collect::<Result<_, _>>()?;
        for row in rows {
            let Some(bytes) = sums.get(row)?.map(|v| v.value().to_vec()) else { continue };
            let customer = read_customer(codec, &docs, &chunks, row);
            let (old_keys, new) = match (postcard::from_bytes::<SummaryV1>(&bytes), customer) {
                (Ok(old), Some(c)) => (old.keys.clone(), from_document(&c, old)),
                (Ok(old), None) => (old.keys.clone(), without_document(old)),
                // Not a row of either layout: rebuilt from the document, without derived
                // parts until the next re-evaluation (doctor reports any stale index entry).
                (Err(_), Some(c)) => (Vec::new(), Summary::of(&c, &Derived::default())),
                // Nothing to rebuild from: left for doctor to report and reindex to drop.
                (Err(_), None) => continue,
            };
            for k in &old_keys {
                if new.keys.binary_search(k).is_err() {
                    index.remove(k.as_slice(), row)?;
                }
            }
            for k in &new.keys {
                if !old_keys.contains(k) {
                    index.insert(k.as_slice(), row)?;
                }
            }
            sums.insert(row, postcard::to_allocvec(&new)?.as_slice())?;
            upgraded += 1;
        }
        mark_current(&mut txn.open_table(META)?)?;
    }
    txn.commit()?;
    Ok(upgraded)
}

/// The customer of a row: from its stored view when current, else from its document.
/// `None` when neither can be read (doctor reports that row).
fn read_customer(
    codec: &DocCodec,
    docs: &impl ReadableTable<Row, &'static [u8]>,
    chunks: &impl ReadableTable<(Row, u32), &'static [u8]>,
    row: Row,
) -> Option<Customer> {
    if let Ok(Some((c, _))) = crate::view::current_view(codec, docs, chunks, row) {
        return Some(c);
    }
    load_row(codec, docs, chunks, row).ok().flatten().and_then(|d| d.read().ok())
}

/// The row rebuilt from the document, keeping the derived parts of the old row. The old
/// cadence follow-up is what the old row holds beyond the document's own items, so a
/// member's task that happens to start with the cadence label stays a task (and one that
/// an earlier re-evaluation dropped from the row comes back).
fn from_document(c: &Customer, old: SummaryV1) -> Summary {
    let mut extra = old.open_items;
    for item in document_items(c) {
        if let Some(i) =
            extra.iter().position(|(due, who, what)| (*due, who, what) == (item.due, &item.assignee, &item.what))
        {
            extra.remove(i);
        }
    }
    let follow_up = extra
        .into_iter()
        .find_map(|(due, _, what)| what.strip_prefix(CADENCE_PREFIX).map(|why| (due, why.to_string())));
    let derived = Derived { rule_tags: old.rule_tags, tier: old.tier, facts: Vec::new(), follow_up };
    Summary::of(c, &derived)
}

/// The row kept as it was, when its document cannot be read: items are classified by their
/// label, the best that can be done without the document.
fn without_document(old: SummaryV1) -> Summary {
    let mut open_items: Vec<OpenItem> = old
        .open_items
        .into_iter()
        .map(|(due, assignee, what)| {
            let kind = if what.starts_with(CADENCE_PREFIX) {
                OpenItemKind::Cadence
            } else if what.starts_with(NEXT_ACTION_PREFIX) {
                OpenItemKind::NextAction
            } else {
                OpenItemKind::Task
            };
            OpenItem { due, assignee, what, kind }
        })
        .collect();
    open_items.sort();
    Summary {
        number: old.number,
        name: old.name,
        kind: old.kind,
        industry: old.industry,
        stage: old.stage,
        owner: old.owner,
        source: old.source,
        created: old.created,
        last_interaction: old.last_interaction,
        archived: old.archived,
        priority: old.priority,
        contact: old.contact,
        phone: old.phone,
        tags: old.tags,
        rule_tags: old.rule_tags,
        tier: old.tier,
        open_items,
        keys: old.keys,
    }
}
