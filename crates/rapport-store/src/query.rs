//! Reading the book through its indexes: filtered lists, substring search, the agenda,
//! the change feed, and `doctor`, which checks every index against the documents.

pub use crate::filter::Filter;
use crate::index::{date_key, index_keys, search_text, text_key, IndexKind, Summary};
use crate::tables::*;
use crate::write::load_row;
use crate::{Store, StoreError};
use rapport_model::{normalize_text, CustomerId, Date};
use redb::{ReadableMultimapTable, ReadableTable, ReadableTableMetadata};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One row of a list.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ListRow {
    /// Internal id.
    pub id: CustomerId,
    /// The list row.
    #[serde(flatten)]
    pub summary: Summary,
}

/// One agenda entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AgendaItem {
    /// Overdue, today or upcoming.
    pub when: AgendaWhen,
    /// Due date.
    pub due: Date,
    /// Assignee.
    pub assignee: String,
    /// What to do.
    pub what: String,
    /// Customer number.
    pub number: String,
    /// Customer name.
    pub customer: String,
}

/// The first items of an agenda and how many it holds in all (like a list page).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Agenda {
    /// Items on the agenda in all.
    pub total: usize,
    /// The first `limit` of them: overdue first, then by due date.
    pub items: Vec<AgendaItem>,
}

impl Agenda {
    /// The first `limit` of `items` (all of them without a limit), with their total.
    pub fn first(mut items: Vec<AgendaItem>, limit: Option<usize>) -> Agenda {
        let total = items.len();
        items.truncate(limit.unwrap_or(usize::MAX));
        Agenda { total, items }
    }
}

/// Agenda section.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum AgendaWhen {
    /// Past due.
    Overdue,
    /// Due today.
    Today,
    /// Due in the next 7 days.
    Upcoming,
}

/// What `doctor` found.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DoctorReport {
    /// Customers checked.
    pub customers: u64,
    /// Index entries checked.
    pub index_entries: u64,
    /// Every inconsistency, in words.
    pub problems: Vec<String>,
}

impl Store {
    fn ids_for(
        &self,
        index: &impl ReadableMultimapTable<&'static [u8], u64>,
        k: &[u8],
    ) -> Result<BTreeSet<Row>, StoreError> {
        let mut out = BTreeSet::new();
        for v in index.get(k)? {
            out.insert(v?.value());
        }
        Ok(out)
    }

    fn ids_in_range(
        &self,
        index: &impl ReadableMultimapTable<&'static [u8], u64>,
        from: &[u8],
        to: &[u8],
    ) -> Result<BTreeSet<Row>, StoreError> {
        let mut out = BTreeSet::new();
        for e in index.range(from..=to)? {
            let (_, vals) = e?;
            for v in vals {
                out.insert(v?.value());
            }
        }
        Ok(out)
    }

    /// Customers whose owner is `owner` as [`rapport_model::member_key`] compares names:
    /// the index holds owners as written, and a team has few, so each is compared.
    fn ids_of_owner(
        &self,
        index: &impl ReadableMultimapTable<&'static [u8], u64>,
        owner: &str,
    ) -> Result<BTreeSet<Row>, StoreError> {
        let want = rapport_model::member_key(owner);
        let (from, to) = ([IndexKind::Owner as u8], [IndexKind::Owner as u8 + 1]);
        let mut out = BTreeSet::new();
        for e in index.range(from.as_slice()..to.as_slice())? {
            let (k, vals) = e?;
            let held = std::str::from_utf8(&k.value()[1..]).map(rapport_model::member_key);
            if held.is_ok_and(|h| h == want) {
                for v in vals {
                    out.insert(v?.value());
                }
            }
        }
        Ok(out)
    }

    /// Customers matching every filter, ordered by number: the indexes narrow the book,
    /// [`crate::Matcher`] decides.
    pub fn list(&self, f: &Filter) -> Result<Vec<ListRow>, StoreError> {
        let txn = self.db().begin_read()?;
        let index = txn.open_multimap_table(INDEX)?;
        let mut sets: Vec<BTreeSet<Row>> = Vec::new();
        let mut eq = |kind: IndexKind, v: &Option<String>| -> Result<(), StoreError> {
            if let Some(v) = v {
                sets.push(self.ids_for(&index, &text_key(kind, v))?);
            }
            Ok(())
        };
        eq(IndexKind::Industry, &f.industry)?;
        eq(IndexKind::Stage, &f.stage.map(|s| s.as_str().to_string()))?;
        eq(IndexKind::Source, &f.source)?;
        eq(IndexKind::Tier, &f.tier)?;
        if let Some(owner) = &f.owner {
            sets.push(self.ids_of_owner(&index, owner)?);
        }
        if let Some(t) = &f.tag {
            let mut s = self.ids_for(&index, &text_key(IndexKind::Tag, t))?;
            s.extend(self.ids_for(&index, &text_key(IndexKind::RuleTag, t))?);
            sets.push(s);
        }
        if f.to_fill {
            sets.push(self.ids_in_range(&index, &[IndexKind::ToFill as u8], &[IndexKind::ToFill as u8, u8::MAX])?);
        }
        if f.created_since.is_some() || f.created_until.is_some() {
            let from = date_key(IndexKind::Created, f.created_since.unwrap_or(Date::MIN));
            let to = date_key(IndexKind::Created, f.created_until.unwrap_or(Date::MAX));
            sets.push(self.ids_in_range(&index, &from, &to)?);
        }
        let summaries = txn.open_table(SUMMARY)?;
        let ids = txn.open_table(IDS)?;
        let mut result: BTreeSet<Row> = if sets.is_empty() {
            summaries.iter()?.map(|e| e.map(|(k, _)| k.value())).collect::<Result<_, _>>()?
        } else {
            sets.sort_by_key(|s| s.len());
            let mut it = sets.into_iter();
            let mut acc = it.next().unwrap_or_default();
            for s in it {
                acc.retain(|x| s.contains(x));
            }
            acc
        };
        if let Some(since) = f.no_interaction_cutoff() {
            // Anyone with a follow-up after the cut-off is out.
            let recent = self.ids_in_range(
                &index,
                &date_key(IndexKind::LastInteraction, since.succ_opt().unwrap_or(since)),
                &date_key(IndexKind::LastInteraction, Date::MAX),
            )?;
            result.retain(|x| !recent.contains(x));
        }
        if !f.include_archived {
            let archived = self.ids_for(&index, &[IndexKind::Archived as u8])?;
            result.retain(|x| !archived.contains(x));
        }
        // The indexes chose the candidates; the one filter decision keeps or drops each.
        let matcher = crate::Matcher::of(f);
        let mut rows = Vec::with_capacity(result.len());
        for k in result {
            if let (Some(v), Some(id)) = (summaries.get(k)?, id_at(&ids, k)?) {
                let summary: Summary = postcard::from_bytes(v.value())?;
                if matcher.matches(&summary) {
                    rows.push(ListRow { id, summary });
                }
            }
        }
        rows.sort_by(|a, b| a.summary.number.cmp(&b.summary.number));
        Ok(rows)
    }

    /// Every customer with a key field still to fill, with those fields (sorted), read from
    /// the index (for the reports' count).
    pub fn to_fill(&self) -> Result<std::collections::BTreeMap<CustomerId, Vec<String>>, StoreError> {
        let txn = self.db().begin_read()?;
        let index = txn.open_multimap_table(INDEX)?;
        let ids = txn.open_table(IDS)?;
        let mut out: std::collections::BTreeMap<CustomerId, Vec<String>> = std::collections::BTreeMap::new();
        let (from, to) = ([IndexKind::ToFill as u8], [IndexKind::ToFill as u8, u8::MAX]);
        for e in index.range(from.as_slice()..=to.as_slice())? {
            let (k, vals) = e?;
            let field = String::from_utf8_lossy(&k.value()[1..]).into_owned();
            for v in vals {
                if let Some(id) = id_at(&ids, v?.value())? {
                    out.entry(id).or_default().push(field.clone());
                }
            }
        }
        Ok(out)
    }

    /// Customers whose name, number, contact names, phones or emails contain `q`
    /// (normalised: case and full-width folded; Chinese matched as typed).
    pub fn search(&self, q: &str, include_archived: bool) -> Result<Vec<ListRow>, StoreError> {
        let needle = normalize_text(q);
        if needle.is_empty() {
            return Err(rapport_model::FieldError::new("query", "is empty").into());
        }
        let txn = self.db().begin_read()?;
        let search = txn.open_table(SEARCH)?;
        let summaries = txn.open_table(SUMMARY)?;
        let ids = txn.open_table(IDS)?;
        let mut rows = Vec::new();
        for e in search.iter()? {
            let (k, text) = e?;
            if search_matches(text.value(), &needle) {
                if let (Some(v), Some(id)) = (summaries.get(k.value())?, id_at(&ids, k.value())?) {
                    let summary: Summary = postcard::from_bytes(v.value())?;
                    if include_archived || !summary.archived {
                        rows.push(ListRow { id, summary });
                    }
                }
            }
        }
        rows.sort_by(|a, b| a.summary.number.cmp(&b.summary.number));
        Ok(rows)
    }

    /// The list row of one customer.
    pub fn summary(&self, id: CustomerId) -> Result<Summary, StoreError> {
        let txn = self.db().begin_read()?;
        let t = txn.open_table(SUMMARY)?;
        let row = row_of(&txn.open_table(ROWS)?, id)?.ok_or_else(|| StoreError::NotFound(id.to_hex()))?;
        let v = t.get(row)?.ok_or_else(|| StoreError::NotFound(id.to_hex()))?;
        Ok(postcard::from_bytes(v.value())?)
    }

    /// The list rows of the given customers (unknown ids are skipped), ordered by number.
    pub fn summaries_of(&self, ids: &[CustomerId]) -> Result<Vec<ListRow>, StoreError> {
        let txn = self.db().begin_read()?;
        let rows = txn.open_table(ROWS)?;
        let t = txn.open_table(SUMMARY)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = row_of(&rows, *id)? {
                if let Some(v) = t.get(row)? {
                    out.push(ListRow { id: *id, summary: postcard::from_bytes(v.value())? });
                }
            }
        }
        out.sort_by(|a, b| a.summary.number.cmp(&b.summary.number));
        Ok(out)
    }

    /// Every list row (for book-wide views such as tiers and the agenda).
    pub fn all_summaries(&self) -> Result<Vec<ListRow>, StoreError> {
        let mut out = Vec::new();
        self.each_summary(|r| out.push(r))?;
        Ok(out)
    }

    /// Hands every customer's list row to `f`, one at a time, so a caller keeping only
    /// part of each row never holds the whole book's rows at once.
    pub fn each_summary(&self, mut f: impl FnMut(ListRow)) -> Result<(), StoreError> {
        let txn = self.db().begin_read()?;
        let t = txn.open_table(SUMMARY)?;
        let ids = txn.open_table(IDS)?;
        for e in t.iter()? {
            let (k, v) = e?;
            if let Some(id) = id_at(&ids, k.value())? {
                f(ListRow { id, summary: postcard::from_bytes(v.value())? });
            }
        }
        Ok(())
    }

    /// [`Store::each_summary`], with each customer's search text (what [`Store::search`]
    /// looks in), for a model that searches in memory.
    pub fn each_summary_with_search(&self, mut f: impl FnMut(ListRow, String)) -> Result<(), StoreError> {
        let txn = self.db().begin_read()?;
        let t = txn.open_table(SUMMARY)?;
        let ids = txn.open_table(IDS)?;
        let search = txn.open_table(SEARCH)?;
        for e in t.iter()? {
            let (k, v) = e?;
            if let Some(id) = id_at(&ids, k.value())? {
                let text = search.get(k.value())?.map(|t| t.value().to_string()).unwrap_or_default();
                f(ListRow { id, summary: postcard::from_bytes(v.value())? }, text);
            }
        }
        Ok(())
    }

    /// One customer's list row and search text.
    pub fn summary_with_search(&self, id: CustomerId) -> Result<(Summary, String), StoreError> {
        let txn = self.db().begin_read()?;
        let row = row_of(&txn.open_table(ROWS)?, id)?.ok_or_else(|| StoreError::NotFound(id.to_hex()))?;
        let summaries = txn.open_table(SUMMARY)?;
        let v = summaries.get(row)?.ok_or_else(|| StoreError::NotFound(id.to_hex()))?;
        let text = txn.open_table(SEARCH)?.get(row)?.map(|t| t.value().to_string()).unwrap_or_default();
        Ok((postcard::from_bytes(v.value())?, text))
    }

    /// Every customer's rule facts, as stored by the deriver.
    pub fn all_facts(&self) -> Result<Vec<(CustomerId, Vec<u8>)>, StoreError> {
        let txn = self.db().begin_read()?;
        let t = txn.open_table(FACTS)?;
        let ids = txn.open_table(IDS)?;
        let mut out = Vec::with_capacity(t.len()? as usize);
        for e in t.iter()? {
            let (k, v) = e?;
            if let Some(id) = id_at(&ids, k.value())? {
                out.push((id, v.value().to_vec()));
            }
        }
        Ok(out)
    }

    /// Open tasks and next actions: overdue, due today and in the next 7 days; only
    /// `assignee`'s when given, names compared as [`rapport_model::member_key`] does (`li wei`
    /// is `Li Wei`). An assignee the book does not know (not this node's member, no
    /// customer's owner, no open item's assignee) is an error naming it: a typo must not
    /// read as an empty agenda.
    pub fn agenda(&self, today: Date, assignee: Option<&str>) -> Result<Vec<AgendaItem>, StoreError> {
        let rows = self.all_summaries()?;
        Ok(agenda_of(rows.iter(), today, assignee, &self.identity().member_name, None)?.items)
    }

    /// Change-feed events after `cursor`: (sequence, customer id).
    pub fn events_after(&self, cursor: u64, limit: usize) -> Result<Vec<(u64, CustomerId)>, StoreError> {
        let txn = self.db().begin_read()?;
        let t = txn.open_table(EVENTS)?;
        let mut out = Vec::new();
        for e in t.range(cursor.saturating_add(1)..)?.take(limit) {
            let (s, v) = e?;
            let b = v.value();
            if b.len() < 16 {
                continue;
            }
            let mut id = [0u8; 16];
            id.copy_from_slice(&b[..16]);
            out.push((s.value(), CustomerId(id)));
        }
        Ok(out)
    }

    /// Sequence number of the latest change-feed event (0 when there is none).
    pub fn last_event_seq(&self) -> Result<u64, StoreError> {
        let txn = self.db().begin_read()?;
        let t = txn.open_table(EVENTS)?;
        let last = t.last()?.map(|(s, _)| s.value());
        Ok(last.unwrap_or(0))
    }

    /// Checks every index entry, list row, search text and number against the documents,
    /// in both directions: nothing missing, nothing stale, nothing pointing nowhere.
    pub fn doctor(&self) -> Result<DoctorReport, StoreError> {
        self.doctor_with(&mut |_, _| {})
    }

    /// [`Store::doctor`], telling `progress` (customers checked, customers in all) every
    /// [`crate::PROGRESS_STEP`] customers and at the end.
    pub fn doctor_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<DoctorReport, StoreError> {
        let txn = self.db().begin_read()?;
        let docs = txn.open_table(DOCS)?;
        let chunks = txn.open_table(CHUNKS)?;
        let ids = txn.open_table(IDS)?;
        let rows = txn.open_table(ROWS)?;
        let sums = txn.open_table(SUMMARY)?;
        let search = txn.open_table(SEARCH)?;
        let numbers = txn.open_table(NUMBERS)?;
        let index = txn.open_multimap_table(INDEX)?;
        let deriver = self.deriver();
        let mut report = DoctorReport::default();
        let mut expected: BTreeSet<(Vec<u8>, Row)> = BTreeSet::new();
        let total = docs.len()?;
        for e in docs.iter()? {
            let (k, _) = e?;
            let k = k.value();
            report.customers += 1;
            crate::step(progress, report.customers, total);
            let Some(id) = id_at(&ids, k)? else {
                report.problems.push(format!("row {k}: document without a customer id"));
                continue;
            };
            if row_of(&rows, id)? != Some(k) {
                report.problems.push(format!("customer {id}: id does not map back to row {k}"));
            }
            let read = load_row(self.codec(), &docs, &chunks, k).and_then(|d| {
                // The checks any node or relay makes before keeping a document, not only a read:
                // a document adopted before nodes checked them is named here.
                d.map(|mut d| -> Result<_, StoreError> { Ok((d.check(id)?, d.conflicts_quick()?, d.heads())) })
                    .transpose()
            });
            let (c, conflicts, heads_now) = match read {
                Ok(Some(parts)) => parts,
                Ok(None) => continue,
                Err(e) => {
                    report.problems.push(format!("customer {id}: the document does not pass the checks: {e}"));
                    continue;
                }
            };
            if txn.open_table(HEADS)?.get(k)?.map(|v| crate::decode_heads(v.value())) != Some(heads_now) {
                report.problems.push(format!("{}: stored heads missing or stale", c.number));
            }
            // A current stored view is what API reads serve; it must say what the document
            // says. (A value written before views has none; a customer with chunks is read
            // from its document.)
            match crate::view::current_view(self.codec(), &docs, &chunks, k) {
                Ok(Some((vc, vconf))) if vc == c && vconf == conflicts => {}
                Ok(Some(_)) => report.problems.push(format!("{}: stored view is stale", c.number)),
                Ok(None) => {}
                Err(e) => report.problems.push(format!("{}: stored view unreadable: {e}", c.number)),
            }
            let derived = deriver.derive(&c);
            let want = Summary::of(&c, &derived);
            match sums.get(k)? {
                None => report.problems.push(format!("{}: list row missing", c.number)),
                Some(v) => match postcard::from_bytes::<Summary>(v.value()) {
                    Ok(have) if have == want => {}
                    Ok(_) => report.problems.push(format!("{}: list row is stale", c.number)),
                    Err(e) => report.problems.push(format!("{}: list row unreadable: {e}", c.number)),
                },
            }
            if search.get(k)?.map(|v| v.value().to_string()) != Some(search_text(&c)) {
                report.problems.push(format!("{}: search text missing or stale", c.number));
            }
            match numbers.get(c.number.as_str())?.map(|v| v.value()) {
                Some(v) if v == k => {}
                // A merged-away customer's number belongs to its survivor once that arrived.
                Some(_) if c.merged_into.is_some() => {}
                _ => report.problems.push(format!("{}: number does not resolve to this customer", c.number)),
            }
            for a in &c.absorbed {
                if numbers.get(a.number.as_str())?.map(|v| v.value()) != Some(k) {
                    report
                        .problems
                        .push(format!("{}: merged-away number {} does not resolve here", c.number, a.number));
                }
            }
            for ik in index_keys(&c, &derived) {
                expected.insert((ik, k));
            }
        }
        progress(report.customers, total.max(report.customers));
        let mut actual: BTreeSet<(Vec<u8>, Row)> = BTreeSet::new();
        for e in index.iter()? {
            let (ik, vals) = e?;
            for v in vals {
                actual.insert((ik.value().to_vec(), v?.value()));
            }
        }
        report.index_entries = actual.len() as u64;
        let describe = |ik: &[u8]| -> String {
            let kind = IndexKind::ALL
                .iter()
                .find(|k| **k as u8 == ik.first().copied().unwrap_or(0))
                .map(|k| k.name())
                .unwrap_or("unknown");
            format!("{kind}={}", String::from_utf8_lossy(ik.get(1..).unwrap_or(&[])))
        };
        for (ik, k) in expected.difference(&actual) {
            report.problems.push(format!("index {} missing for row {k}", describe(ik)));
        }
        for (ik, k) in actual.difference(&expected) {
            report.problems.push(format!("index {} points at row {k} but should not", describe(ik)));
        }
        for e in sums.iter()? {
            let (k, _) = e?;
            if docs.get(k.value())?.is_none() {
                report.problems.push(format!("list row for missing row {}", k.value()));
            }
        }
        for e in numbers.iter()? {
            let (n, k) = e?;
            if docs.get(k.value())?.is_none() {
                report.problems.push(format!("number {} points at missing row {}", n.value(), k.value()));
            }
        }
        Ok(report)
    }
}

/// Bytes one table holds, as redb counts them.
#[derive(Clone, Debug, Serialize)]
pub struct TableBytes {
    /// Table name.
    pub table: &'static str,
    /// Entries.
    pub entries: u64,
    /// Key and value bytes stored.
    pub stored: u64,
    /// Page and tree overhead.
    pub metadata: u64,
    /// Unused space inside the table's pages.
    pub fragmented: u64,
}

impl Store {
    /// Where the bytes of the store go, table by table.
    pub fn table_bytes(&self) -> Result<Vec<TableBytes>, StoreError> {
        let txn = self.db().begin_read()?;
        let mut out = Vec::new();
        macro_rules! t {
            ($def:expr, $name:literal) => {{
                let t = txn.open_table($def)?;
                let s = t.stats()?;
                out.push(TableBytes {
                    table: $name,
                    entries: t.len()?,
                    stored: s.stored_bytes(),
                    metadata: s.metadata_bytes(),
                    fragmented: s.fragmented_bytes(),
                });
            }};
        }
        t!(ROWS, "rows");
        t!(IDS, "ids");
        t!(DOCS, "docs");
        t!(CHUNKS, "doc_chunks");
        t!(SUMMARY, "summary");
        t!(SEARCH, "search");
        t!(FACTS, "facts");
        t!(NUMBERS, "numbers");
        t!(EVENTS, "events");
        let t = txn.open_multimap_table(INDEX)?;
        let s = t.stats()?;
        out.push(TableBytes {
            table: "index",
            entries: t.len()?,
            stored: s.stored_bytes(),
            metadata: s.metadata_bytes(),
            fragmented: s.fragmented_bytes(),
        });
        Ok(out)
    }
}

fn unknown_assignee(name: &str) -> StoreError {
    StoreError::Invalid(
        rapport_model::FieldError::new(
            "assignee",
            format!("no one named `{name}` owns a customer or has an open item in this book; check the spelling"),
        )
        .into(),
    )
}

/// Whether a customer's search text holds `needle` (normalised with
/// `rapport_model::normalize_text`): the one decision every search makes.
pub fn search_matches(text: &str, needle: &str) -> bool {
    text.contains(needle)
}

/// The agenda of `rows` as of `today`: open items overdue, due today or in the next 7 days,
/// only `assignee`'s when given (an assignee no row knows is an error; `me` always is),
/// the first `limit` in order with the total. The store's agenda and the node's in-memory
/// list model both ask this. Only the items kept are copied and sorted: on a 100,000-customer
/// book the rest cost a comparison each.
pub fn agenda_of<'a>(
    rows: impl IntoIterator<Item = &'a ListRow>,
    today: Date,
    assignee: Option<&str>,
    me: &str,
    limit: Option<usize>,
) -> Result<Agenda, StoreError> {
    let horizon = today + chrono::Duration::days(7);
    let want = assignee.map(rapport_model::member_key);
    // Names repeat (a team has a few members): each is normalised once.
    let mut seen: Vec<(&'a str, bool)> = Vec::new();
    let mut wanted = |name: &'a str| -> bool {
        let Some(w) = &want else { return true };
        if let Some((_, ok)) = seen.iter().find(|(n, _)| *n == name) {
            return *ok;
        }
        let ok = *w == rapport_model::member_key(name);
        seen.push((name, ok));
        ok
    };
    let mut known = want.as_ref().is_some_and(|w| *w == rapport_model::member_key(me));
    let mut found: Vec<(AgendaWhen, Date, &'a str, &'a str, &'a ListRow, &'a str)> = Vec::new();
    for row in rows {
        known = known || (want.is_some() && wanted(&row.summary.owner));
        if row.summary.archived {
            continue;
        }
        for item in &row.summary.open_items {
            if !wanted(&item.assignee) {
                continue;
            }
            known = true;
            if item.due > horizon {
                continue;
            }
            let when = match item.due.cmp(&today) {
                std::cmp::Ordering::Less => AgendaWhen::Overdue,
                std::cmp::Ordering::Equal => AgendaWhen::Today,
                std::cmp::Ordering::Greater => AgendaWhen::Upcoming,
            };
            found.push((when, item.due, &row.summary.number, &item.what, row, &item.assignee));
        }
    }
    if let (Some(name), false) = (assignee, known) {
        return Err(unknown_assignee(name));
    }
    let total = found.len();
    let order = |a: &(AgendaWhen, Date, &str, &str, &ListRow, &str),
                 b: &(AgendaWhen, Date, &str, &str, &ListRow, &str)| {
        (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3))
    };
    let keep = limit.unwrap_or(usize::MAX).min(total);
    if keep < total {
        found.select_nth_unstable_by(keep, order);
        found.truncate(keep);
    }
    found.sort_by(order);
    let items = found
        .into_iter()
        .map(|(when, due, number, what, row, assignee)| AgendaItem {
            when,
            due,
            assignee: assignee.to_string(),
            what: what.to_string(),
            number: number.to_string(),
            customer: row.summary.name.clone(),
        })
        .collect();
    Ok(Agenda { total, items })
}
