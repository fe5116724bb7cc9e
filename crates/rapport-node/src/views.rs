//! The node's read models: the list rows of the whole book in memory and the cache of
//! serialized customer responses, both following the store's change feed.
//!
//! The HTTP API serves lists and customer reads from [`Views`]; anything else that serves
//! many reads from one open store may too. A list page is a scan of memory instead of a
//! decode of every matching row, and a hot customer's response is served without reading
//! its document. Before every use each model applies the change-feed events it has not
//! seen, so a write by any route, or later by sync, is never served stale; after a rules
//! or settings change ([`Views::settings_changed`]) or when the date moves on, they reload.
//!
//! These models decide nothing themselves: which rows a filter keeps is
//! [`rapport_store::Matcher`]'s decision, the same one the store's index path and exports
//! take, and a response's body is [`crate::detail_json`]'s.

use crate::LocalBook;
use bytes::Bytes;
use rapport_model::{CustomerId, Date, FieldError};
use rapport_store::{agenda_of, search_matches, Filter, ListRow, Matcher, Probe, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Customers whose `GET` response is kept in memory.
pub const VIEW_CACHE_ENTRIES: usize = 4_096;

/// The read models of one open book.
pub struct Views {
    cache: ViewCache,
    lists: ListModel,
    /// Bumped after every change to rules or settings (derived tags and tiers move).
    settings_gen: AtomicU64,
}

impl Default for Views {
    fn default() -> Views {
        Views::new(VIEW_CACHE_ENTRIES)
    }
}

impl Views {
    /// Read models keeping at most `capacity` customer responses.
    pub fn new(capacity: usize) -> Views {
        Views { cache: ViewCache::new(capacity), lists: ListModel::default(), settings_gen: AtomicU64::new(0) }
    }

    /// Rules or settings changed: every derived tag and tier may move, so cached responses
    /// are dropped and the list rows reloaded on their next use.
    pub fn settings_changed(&self) {
        self.settings_gen.fetch_add(1, Ordering::SeqCst);
        self.cache.clear();
    }

    /// A number that changes whenever what the book's analyses read may have changed: a
    /// write or sync (the change feed's position), a rules or settings change, or the date.
    /// Equal numbers mean a report or a duplicate search computed under the one still holds.
    pub fn book_state(&self, book: &LocalBook) -> Result<(u64, u64, Date), StoreError> {
        Ok((book.store.last_event_seq()?, self.settings_gen.load(Ordering::SeqCst), book.now().date()))
    }

    /// A customer's response for `date` (a number or an id), from the cache when a
    /// current one is held, read and kept otherwise.
    pub fn customer(&self, book: &LocalBook, key: &str, date: Date) -> Result<Arc<CachedView>, StoreError> {
        let seen = self.cache.sync(&book.store)?;
        if let Some(v) = self.cache.get(key, date) {
            return Ok(v);
        }
        let id = book.store.resolve(key)?;
        let v = Arc::new(read_view(book, id, date)?);
        self.cache.put(id, seen, v.clone());
        Ok(v)
    }

    /// A customer's response as of a day other than today's, read and not kept.
    pub fn customer_as_of(book: &LocalBook, key: &str, as_of: Date) -> Result<CachedView, StoreError> {
        read_view(book, book.store.resolve(key)?, as_of)
    }

    /// The list rows passing `filter`, in no order; with `text`, only customers whose
    /// name, number, contact names, phones or emails contain it (as `search` finds them).
    pub fn list(&self, book: &LocalBook, filter: &Filter, text: Option<&str>) -> Result<Vec<Arc<ListRow>>, StoreError> {
        let matcher = Matcher::of(filter);
        let all = self.lists.rows(book, self.settings_gen.load(Ordering::SeqCst))?;
        match text.filter(|t| !t.trim().is_empty()) {
            None => Ok(all
                .values()
                .filter(|m| matcher.matches_probed(&m.probe, &m.row.summary))
                .map(|m| m.row.clone())
                .collect()),
            Some(t) => {
                // Searched in memory, with the store's own decision on each search text.
                let needle = rapport_model::normalize_text(t);
                if needle.is_empty() {
                    return Err(rapport_model::FieldError::new("query", "is empty").into());
                }
                Ok(all
                    .values()
                    .filter(|m| filter.include_archived || !m.row.summary.archived)
                    .filter(|m| search_matches(&m.search, &needle))
                    .filter(|m| matcher.matches_probed(&m.probe, &m.row.summary))
                    .map(|m| m.row.clone())
                    .collect())
            }
        }
    }

    /// The agenda as of the node's today (see [`rapport_store::agenda_of`]), from the
    /// rows in memory; another day's from the store.
    pub fn agenda(
        &self,
        book: &LocalBook,
        today: Date,
        assignee: Option<&str>,
        limit: Option<usize>,
    ) -> Result<rapport_store::Agenda, StoreError> {
        if today != book.now().date() {
            return book.agenda(today, assignee, limit);
        }
        let all = self.lists.rows(book, self.settings_gen.load(Ordering::SeqCst))?;
        let me = book.store.identity().member_name.clone();
        agenda_of(all.values().map(|m| m.row.as_ref()), today, assignee, &me, limit)
    }
}

/// Reads a customer's full response once (see [`crate::detail_json`]).
fn read_view(book: &LocalBook, id: CustomerId, as_of: Date) -> Result<CachedView, StoreError> {
    // Derived tags and tiers must be today's (a node running past midnight re-evaluates).
    let _ = book.actor();
    let d = crate::detail_json(&book.store, id, as_of)?;
    Ok(CachedView { date: as_of, number: d.number, heads: d.heads, body: Bytes::from(d.body) })
}

// ---------------------------------------------------------------------------------------
// Sorting and paging a list.

/// The sorts a list takes (`-` first for descending).
pub const SORT_KEYS: [&str; 4] = ["number", "name", "created", "last_interaction"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Number,
    Name,
    Created,
    LastInteraction,
}

/// A row's sort key, comparable without allocating; `None` dates sort first.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum KeyVal<'a> {
    Text(&'a str),
    Day(Option<Date>),
}

impl KeyVal<'_> {
    fn clone_key(&self) -> KeyVal<'_> {
        match self {
            KeyVal::Text(t) => KeyVal::Text(t),
            KeyVal::Day(d) => KeyVal::Day(*d),
        }
    }
}

fn key_of(r: &ListRow, k: SortBy) -> KeyVal<'_> {
    match k {
        SortBy::Number => KeyVal::Text(""),
        SortBy::Name => KeyVal::Text(&r.summary.name),
        SortBy::Created => KeyVal::Day(Some(r.summary.created)),
        SortBy::LastInteraction => KeyVal::Day(r.summary.last_interaction),
    }
}

/// The cursor text of a row's key.
fn key_text(r: &ListRow, k: SortBy) -> String {
    match key_of(r, k) {
        KeyVal::Text(t) => t.to_string(),
        KeyVal::Day(d) => d.map(|d| d.to_string()).unwrap_or_default(),
    }
}

/// One page of a sorted list.
pub struct RowPage {
    /// The page's rows, in order.
    pub rows: Vec<Arc<ListRow>>,
    /// Where the next page starts (`None` on the last page).
    pub next_cursor: Option<String>,
    /// Rows in the whole list.
    pub total: usize,
}

/// Sorts `rows` by `sort` (one of [`SORT_KEYS`], `-` first for descending; ties by number)
/// and cuts `limit` rows after `cursor` (a [`RowPage::next_cursor`]): rows after the cursor
/// are selected in linear time and only the page itself is sorted, so a page of a
/// 100,000-customer book costs a scan, not a sort.
pub fn page(rows: Vec<Arc<ListRow>>, sort: &str, limit: usize, cursor: Option<&str>) -> Result<RowPage, FieldError> {
    let sort = sort.trim();
    let (desc, name) = match sort.strip_prefix('-') {
        Some(n) => (true, n),
        None => (false, sort),
    };
    let key = match name {
        "number" => SortBy::Number,
        "name" => SortBy::Name,
        "created" => SortBy::Created,
        "last_interaction" => SortBy::LastInteraction,
        other => {
            return Err(FieldError::new(
                "sort",
                format!("`{other}` is not a sort; use {}, `-` first for descending", SORT_KEYS.join(", ")),
            ))
        }
    };
    let limit = limit.max(1);
    let total = rows.len();
    let order = |a: &Arc<ListRow>, b: &Arc<ListRow>| {
        let o = (key_of(a, key), a.summary.number.as_str()).cmp(&(key_of(b, key), b.summary.number.as_str()));
        if desc {
            o.reverse()
        } else {
            o
        }
    };
    let mut rest = rows;
    if let Some(c) = cursor {
        let bad = || FieldError::new("cursor", "is not a cursor this list returned");
        let text = hex::decode(c).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(bad)?;
        let (k, n) = text.split_once('\u{1f}').ok_or_else(bad)?;
        let after_key = match key {
            SortBy::Number | SortBy::Name => KeyVal::Text(k),
            SortBy::Created | SortBy::LastInteraction if k.is_empty() => KeyVal::Day(None),
            SortBy::Created | SortBy::LastInteraction => {
                KeyVal::Day(Some(rapport_model::parse_date("cursor", k).map_err(|_| bad())?))
            }
        };
        let after = (after_key, n);
        rest.retain(|r| {
            let o = (key_of(r, key), r.summary.number.as_str()).cmp(&(after.0.clone_key(), after.1));
            if desc {
                o == std::cmp::Ordering::Less
            } else {
                o == std::cmp::Ordering::Greater
            }
        });
    }
    let more = rest.len() > limit;
    if more {
        rest.select_nth_unstable_by(limit, order);
        rest.truncate(limit);
    }
    rest.sort_unstable_by(order);
    let next_cursor = if more {
        rest.last().map(|r| hex::encode(format!("{}\u{1f}{}", key_text(r, key), r.summary.number)))
    } else {
        None
    };
    Ok(RowPage { rows: rest, next_cursor, total })
}

// ---------------------------------------------------------------------------------------
// The cache of customer responses.

/// A customer's `GET` response, serialized once: the record, derived tags, tier,
/// conflicts and figures as of `date`, with the document heads for its ETag.
#[derive(Debug)]
pub struct CachedView {
    /// The day the figures are computed for.
    pub date: Date,
    /// Customer number.
    pub number: String,
    /// Document heads (the ETag).
    pub heads: String,
    /// The JSON body.
    pub body: Bytes,
}

struct CacheState {
    /// Change-feed sequence up to which writes have been applied to the cache.
    synced: u64,
    /// Bumped whenever the whole cache is dropped (rules or settings changed).
    generation: u64,
    /// The entries, least recently used evicted first (`lru`): a hot set stays cached
    /// however many other customers pass through.
    map: lru::LruCache<CustomerId, Arc<CachedView>>,
    /// Customer numbers (upper-case) to ids, for entries in the map.
    numbers: HashMap<String, CustomerId>,
}

impl CacheState {
    fn remove(&mut self, id: &CustomerId) {
        if let Some(v) = self.map.pop(id) {
            self.numbers.remove(&v.number.to_uppercase());
        }
    }
}

/// When a response was read: the feed position and cache generation it reflects.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Seen(u64, u64);

/// Serialized customer responses, bounded, invalidated by the change feed.
struct ViewCache {
    state: Mutex<CacheState>,
}

impl ViewCache {
    fn new(capacity: usize) -> ViewCache {
        let capacity = std::num::NonZeroUsize::new(capacity).unwrap_or(std::num::NonZeroUsize::MIN);
        ViewCache {
            state: Mutex::new(CacheState {
                synced: u64::MAX,
                generation: 0,
                map: lru::LruCache::new(capacity),
                numbers: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn clear(&self) {
        let mut g = self.lock();
        g.map.clear();
        g.numbers.clear();
        g.generation += 1;
    }

    /// Applies every change-feed event not yet seen; returns what the cache now reflects.
    fn sync(&self, store: &rapport_store::Store) -> Result<Seen, StoreError> {
        let synced = self.lock().synced;
        if synced == u64::MAX {
            // First use: nothing is cached yet; start from the feed's end.
            let last = store.last_event_seq()?;
            let mut g = self.lock();
            if g.synced == u64::MAX {
                g.synced = last;
            }
            return Ok(Seen(g.synced, g.generation));
        }
        let mut cursor = synced;
        loop {
            let events = store.events_after(cursor, 4096)?;
            let mut g = self.lock();
            if let Some(&(last, _)) = events.last() {
                if g.synced < last {
                    for (seq, id) in &events {
                        if *seq > g.synced {
                            g.remove(id);
                        }
                    }
                    g.synced = last;
                }
            }
            cursor = g.synced;
            if events.len() < 4096 {
                return Ok(Seen(g.synced, g.generation));
            }
        }
    }

    fn get(&self, key: &str, date: Date) -> Option<Arc<CachedView>> {
        let mut g = self.lock();
        let id = match g.numbers.get(&key.trim().to_uppercase()) {
            Some(id) => *id,
            None => key.trim().parse::<CustomerId>().ok()?,
        };
        // A view of another day is a miss and does not count as a use.
        if g.map.peek(&id).is_none_or(|v| v.date != date) {
            return None;
        }
        g.map.get(&id).cloned()
    }

    /// Stores a response read when the cache reflected `seen`, unless a write was applied
    /// or the cache dropped since (the response might predate them).
    fn put(&self, id: CustomerId, seen: Seen, view: Arc<CachedView>) {
        let mut g = self.lock();
        if Seen(g.synced, g.generation) != seen {
            return;
        }
        g.remove(&id);
        g.numbers.insert(view.number.to_uppercase(), id);
        if let Some((_, evicted)) = g.map.push(id, view) {
            g.numbers.remove(&evicted.number.to_uppercase());
        }
    }
}

// ---------------------------------------------------------------------------------------
// The list read model: every customer's list row in memory, following the change feed.

struct ModelState {
    synced: u64,
    generation: u64,
    date: Date,
    rows: Arc<ModelRows>,
}

/// Every list row with its probe, by customer.
type ModelRows = HashMap<CustomerId, ModelRow>;

/// One customer in the list model: the row (with its open items, for the agenda), the
/// probe the matcher reads first, and the search text.
#[derive(Clone)]
struct ModelRow {
    probe: Probe,
    row: Arc<ListRow>,
    search: Box<str>,
}

/// The list rows of the whole book, so a filtered, sorted page is a scan of memory
/// instead of a decode of every matching row from the store. Before each use it applies
/// the change feed (a re-read of each changed customer's row); after a rules or settings
/// change, or when the date moves on, it reloads.
#[derive(Default)]
struct ListModel {
    state: Mutex<Option<ModelState>>,
}

fn trimmed(mut r: ListRow, search: String) -> ModelRow {
    // The probe reads the whole row; index keys are not needed after it.
    let probe = Probe::of(&r.summary);
    r.summary.keys = Vec::new();
    ModelRow { probe, row: Arc::new(r), search: search.into_boxed_str() }
}

impl ListModel {
    fn rows(&self, book: &LocalBook, generation: u64) -> Result<Arc<ModelRows>, StoreError> {
        let today = book.now().date();
        let mut g = match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let fresh = g.as_ref().is_some_and(|m| m.generation == generation && m.date == today);
        if !fresh {
            // Make sure derived tags are today's before reading them.
            let _ = book.actor();
            let synced = book.store.last_event_seq()?;
            let mut rows = HashMap::with_capacity(book.store.count()? as usize);
            book.store.each_summary_with_search(|r, search| {
                rows.insert(r.id, trimmed(r, search));
            })?;
            *g = Some(ModelState { synced, generation, date: today, rows: Arc::new(rows) });
        }
        let Some(m) = g.as_mut() else { return Err(StoreError::Db("list model missing".into())) };
        loop {
            let events = book.store.events_after(m.synced, 4096)?;
            let Some(&(last, _)) = events.last() else { break };
            let rows = Arc::make_mut(&mut m.rows);
            for (_, id) in &events {
                match book.store.summary_with_search(*id) {
                    Ok((summary, search)) => {
                        rows.insert(*id, trimmed(ListRow { id: *id, summary }, search));
                    }
                    Err(StoreError::NotFound(_)) => {
                        rows.remove(id);
                    }
                    Err(e) => return Err(e),
                }
            }
            m.synced = last;
            if events.len() < 4096 {
                break;
            }
        }
        Ok(m.rows.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(n: u128) -> (CustomerId, Arc<CachedView>) {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        let number = format!("GEN-2026-TEST-{n:03}");
        let v = CachedView { date, number, heads: String::new(), body: Bytes::new() };
        (CustomerId(n.to_be_bytes()), Arc::new(v))
    }

    #[test]
    fn a_hot_set_survives_a_scan_of_other_customers() {
        let cache = ViewCache::new(100);
        let seen = Seen(0, 0);
        cache.lock().synced = 0;
        let date = view(0).1.date;
        for n in 0..20 {
            let (id, v) = view(n);
            cache.put(id, seen, v);
        }
        // 1,000 other customers pass through while the first 20 keep being read.
        for n in 1000..2000 {
            for hot in 0..20 {
                let key = format!("gen-2026-test-{hot:03}");
                assert!(cache.get(&key, date).is_some(), "hot customer {hot} evicted at {n}");
            }
            let (id, v) = view(n);
            cache.put(id, seen, v);
            assert!(cache.lock().map.len() <= 100);
        }
        // A date change is a miss, not a stale answer.
        let tomorrow = date.succ_opt().unwrap_or(date);
        assert!(cache.get("GEN-2026-TEST-000", tomorrow).is_none());
    }

    #[test]
    fn one_insert_past_capacity_evicts_exactly_the_least_recently_used() {
        let cache = ViewCache::new(4);
        let seen = Seen(0, 0);
        cache.lock().synced = 0;
        let date = view(0).1.date;
        for n in 0..4 {
            let (id, v) = view(n);
            cache.put(id, seen, v);
        }
        // Customer 0 is read, so customer 1 is now the least recently used.
        assert!(cache.get("GEN-2026-TEST-000", date).is_some());
        let (id, v) = view(4);
        cache.put(id, seen, v);
        assert!(cache.get("GEN-2026-TEST-001", date).is_none(), "the least recently used stays");
        for kept in [0, 2, 3, 4] {
            assert!(cache.get(&format!("GEN-2026-TEST-{kept:03}"), date).is_some(), "{kept} was evicted too");
        }
        // An evicted customer's number no longer resolves to it.
        assert!(!cache.lock().numbers.contains_key("GEN-2026-TEST-001"));
    }
}
