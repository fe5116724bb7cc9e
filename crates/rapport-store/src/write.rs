//! Writing customers: creation with number minting, edits as Automerge changes, bulk
//! loads, adoption of documents from elsewhere, and rebuilding indexes.

use crate::index::{search_text, Derived, Summary};
use crate::tables::*;
use crate::view::pack_full;
use crate::{Store, StoreError};
use rapport_doc::{ChangeMeta, CustomerDoc};
use rapport_model::{industry, Customer, CustomerId, CustomerNumber};
use redb::{ReadableTable, WriteTransaction};

/// Compact a document's change chunks into one full save after this many.
const MAX_CHUNKS: u32 = 16;

/// An edit applied to a customer document; returns an error to abort without writing.
pub type Edit<'a> = dyn FnOnce(&mut CustomerDoc, &Customer) -> Result<(), StoreError> + 'a;

pub(crate) fn load_doc(
    codec: &crate::DocCodec,
    rows: &impl ReadableTable<u128, u64>,
    docs: &impl ReadableTable<u64, &'static [u8]>,
    chunks: &impl ReadableTable<(u64, u32), &'static [u8]>,
    id: CustomerId,
) -> Result<Option<CustomerDoc>, StoreError> {
    match row_of(rows, id)? {
        Some(row) => load_row(codec, docs, chunks, row),
        None => Ok(None),
    }
}

pub(crate) fn load_row(
    codec: &crate::DocCodec,
    docs: &impl ReadableTable<u64, &'static [u8]>,
    chunks: &impl ReadableTable<(u64, u32), &'static [u8]>,
    row: Row,
) -> Result<Option<CustomerDoc>, StoreError> {
    stored_row(docs, chunks, row)?.map(|(full, tail)| loaded(codec, &full, &tail)).transpose()
}

/// A row's full save and its change chunks, as stored (packed).
type StoredRow = (Vec<u8>, Vec<Vec<u8>>);

/// A customer as reindex rebuilds it: as its document reads, packed anew, derived, heads.
type Rebuilt = (Customer, Vec<u8>, Derived, Vec<rapport_doc::ChangeHash>);

/// Customers reindexed per part: their bytes are read, then rebuilt on every core.
const REINDEX_BATCH: usize = 1000;

/// The bytes [`load_row`] loads, copied out of the tables so that other threads can load them.
fn stored_row(
    docs: &impl ReadableTable<u64, &'static [u8]>,
    chunks: &impl ReadableTable<(u64, u32), &'static [u8]>,
    row: Row,
) -> Result<Option<StoredRow>, StoreError> {
    let Some(full) = docs.get(row)? else { return Ok(None) };
    let tail = chunks
        .range((row, 0)..=(row, u32::MAX))?
        .map(|e| e.map(|(_, v)| v.value().to_vec()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some((full.value().to_vec(), tail)))
}

/// The document of a row's stored bytes: its full save with its change chunks applied.
fn loaded(codec: &crate::DocCodec, full: &[u8], chunks: &[Vec<u8>]) -> Result<CustomerDoc, StoreError> {
    let mut doc = CustomerDoc::load(&codec.unpack(full)?)?;
    for c in chunks {
        doc.load_incremental(&codec.unpack(c)?)?;
    }
    Ok(doc)
}

/// How many change chunks follow a row's full save.
pub(crate) fn chunk_count(chunks: &impl ReadableTable<(u64, u32), &'static [u8]>, row: Row) -> Result<u32, StoreError> {
    Ok(match chunks.range((row, 0)..=(row, u32::MAX))?.next_back() {
        Some(e) => e?.0.value().1 + 1,
        None => 0,
    })
}

/// [`CustomerDoc::check`] for a document this node has just written: a write that would take
/// the customer over a document limit is bad input (the request is refused and nothing is
/// written), named as such for the person who made it.
pub(crate) fn checked_local(doc: &mut CustomerDoc, id: CustomerId) -> Result<Customer, StoreError> {
    doc.check(id).map_err(|e| match e {
        rapport_doc::DocError::OverLimit { what, found, limit } => StoreError::Invalid(
            rapport_model::FieldError::new(
                "customer",
                format!("this change would take the customer's {what} to {found}, over the limit of {limit}"),
            )
            .into(),
        ),
        other => other.into(),
    })
}

/// The refusal for a customer arriving from elsewhere whose number another customer
/// already holds here, if that is the case (numbers are never shared, see `number.rs`).
pub(crate) fn number_taken(txn: &WriteTransaction, c: &Customer) -> Result<Option<StoreError>, StoreError> {
    let row = txn.open_table(NUMBERS)?.get(c.number.as_str())?.map(|h| h.value());
    let holder = match row {
        Some(row) => id_at(&txn.open_table(IDS)?, row)?,
        None => None,
    };
    // A number held as the alias of a merge (the survivor lists this customer as
    // absorbed, or this customer says where it went) is not a clash.
    let alias = match (holder, row) {
        (Some(h), Some(row)) if h != c.id => {
            c.merged_into == Some(h)
                || match txn.open_table(SUMMARY)?.get(row)? {
                    Some(v) => {
                        postcard::from_bytes::<Summary>(v.value()).map(|s| s.number != c.number).unwrap_or(false)
                    }
                    None => false,
                }
        }
        _ => false,
    };
    Ok(holder
        .filter(|h| *h != c.id && !alias)
        .map(|h| StoreError::Db(format!("customer number {} is already held by customer {h}", c.number))))
}

/// Points a customer's number, and the numbers of customers merged into it, at its row.
/// A merged-away customer keeps its own number only while the survivor has not claimed it,
/// so the alias wins whichever document is written first.
pub(crate) fn claim_numbers(numbers: &mut redb::Table<&str, Row>, c: &Customer, row: Row) -> Result<(), StoreError> {
    if c.merged_into.is_none() || numbers.get(c.number.as_str())?.is_none() {
        numbers.insert(c.number.as_str(), row)?;
    }
    for a in &c.absorbed {
        numbers.insert(a.number.as_str(), row)?;
    }
    Ok(())
}

/// A new customer's document built off the write transaction.
pub(crate) type Built = Result<(Customer, Vec<u8>, Derived, Vec<rapport_doc::ChangeHash>), StoreError>;

/// How the document bytes change in this write.
pub(crate) enum DocBytes<'a> {
    /// Replace with a full save and drop chunks.
    Full(&'a [u8]),
    /// Append one incremental chunk.
    Chunk(&'a [u8]),
}

impl Store {
    /// Mints the next customer number of this device for `c`.
    pub(crate) fn mint_number(&self, txn: &WriteTransaction, count: u64) -> Result<u64, StoreError> {
        let mut meta = txn.open_table(META)?;
        let seq = match meta.get(META_SEQ)? {
            Some(v) => {
                let b = v.value();
                let mut a = [0u8; 8];
                a.copy_from_slice(b.get(..8).unwrap_or(&[0; 8]));
                u64::from_le_bytes(a)
            }
            None => 0,
        };
        meta.insert(META_SEQ, (seq + count).to_le_bytes().as_slice())?;
        Ok(seq + 1)
    }

    pub(crate) fn number_for(&self, c: &Customer, seq: u64) -> String {
        let prefix = industry(&c.industry).map(|i| i.prefix).unwrap_or("GEN");
        CustomerNumber {
            prefix: prefix.to_string(),
            year: chrono::Datelike::year(&c.created_at),
            device: self.identity().device_code.clone(),
            seq,
        }
        .to_string()
    }

    /// Stores a new customer, minting its number, in one durable transaction.
    pub fn create(&self, mut c: Customer, meta: ChangeMeta) -> Result<Customer, StoreError> {
        let txn = self.db().begin_write()?;
        if c.number.is_empty() {
            let seq = self.mint_number(&txn, 1)?;
            c.number = self.number_for(&c, seq);
        }
        let mut doc = CustomerDoc::create(&c, self.identity().actor(), meta)?;
        let c = checked_local(&mut doc, c.id)?;
        self.guarded(None, &c)?;
        let bytes = pack_full(self.codec(), &mut doc, &c)?;
        self.write_state(&txn, &c, DocBytes::Full(&bytes), None, &doc.heads())?;
        txn.commit()?;
        Ok(c)
    }

    /// Stores many new customers quickly: documents are built on every core and written
    /// in batches; only the last batch waits for the disk, which makes all of them
    /// durable. Returns the numbers minted.
    pub fn create_many(
        &self,
        customers: Vec<Customer>,
        author: &str,
        at: rapport_model::DateTime,
    ) -> Result<Vec<String>, StoreError> {
        self.create_many_with(customers, author, at, &mut |_, _| {})
    }

    /// [`Store::create_many`], telling `progress` (customers stored, customers to store)
    /// after each batch is written.
    pub fn create_many_with(
        &self,
        customers: Vec<Customer>,
        author: &str,
        at: rapport_model::DateTime,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Vec<String>, StoreError> {
        let n = customers.len() as u64;
        if n == 0 {
            return Ok(Vec::new());
        }
        let txn = self.db().begin_write()?;
        let first = self.mint_number(&txn, n)?;
        txn.commit()?;
        let mut customers = customers;
        for (i, c) in customers.iter_mut().enumerate() {
            if c.number.is_empty() {
                c.number = self.number_for(c, first + i as u64);
            }
        }
        const BATCH: usize = 2000;
        let mut numbers = Vec::with_capacity(customers.len());
        for batch in customers.chunks(BATCH) {
            let built = self.build_new(batch, author, at);
            let txn = self.db().begin_write()?;
            for b in built {
                let (c, bytes, derived, heads) = b?;
                self.write_state(&txn, &c, DocBytes::Full(&bytes), Some(derived), &heads)?;
                numbers.push(c.number);
            }
            txn.commit()?;
            progress(numbers.len() as u64, n);
        }
        self.after_bulk(n);
        Ok(numbers)
    }

    /// Builds the documents of new customers (numbers already set) on every core: the
    /// stored customer as the document reads back, its packed bytes, derived state and heads.
    pub(crate) fn build_new(&self, batch: &[Customer], author: &str, at: rapport_model::DateTime) -> Vec<Built> {
        let actor = self.identity().actor();
        let deriver = self.deriver();
        let codec = self.codec().clone();
        let built = crate::on_every_core(batch, |c| {
            let mut doc = CustomerDoc::create(c, actor.clone(), ChangeMeta::new(author, at))?;
            // Index what the document says, not what was asked for: the two differ in
            // item order and normalisation.
            let stored = checked_local(&mut doc, c.id)?;
            self.guarded(None, &stored)?;
            let bytes = pack_full(&codec, &mut doc, &stored)?;
            let derived = deriver.derive(&stored);
            Ok((stored, bytes, derived, doc.heads()))
        });
        built.unwrap_or_else(|| vec![Err(StoreError::Db("a worker thread panicked".into()))])
    }

    /// Applies `f` to a customer's document as one change and stores the result with
    /// its indexes in one durable transaction. The document is read inside the write
    /// transaction, so concurrent edits of one customer never lose each other.
    pub fn edit(&self, id: CustomerId, f: Box<Edit<'_>>) -> Result<Customer, StoreError> {
        let txn = self.db().begin_write()?;
        let mut doc = {
            let docs = txn.open_table(DOCS)?;
            let chunks = txn.open_table(CHUNKS)?;
            load_doc(self.codec(), &txn.open_table(ROWS)?, &docs, &chunks, id)?
                .ok_or_else(|| StoreError::NotFound(id.to_hex()))?
        };
        doc.set_actor(self.identity().actor());
        let before = doc.read()?;
        let heads_before = doc.heads();
        f(&mut doc, &before)?;
        let after = self.write_edited(&txn, id, &mut doc, &heads_before, Some(&before))?;
        txn.commit()?;
        Ok(after)
    }

    /// Loads a customer's document for editing inside `txn`.
    pub(crate) fn load_for_edit(&self, txn: &WriteTransaction, id: CustomerId) -> Result<CustomerDoc, StoreError> {
        let docs = txn.open_table(DOCS)?;
        let chunks = txn.open_table(CHUNKS)?;
        let mut doc = load_doc(self.codec(), &txn.open_table(ROWS)?, &docs, &chunks, id)?
            .ok_or_else(|| StoreError::NotFound(id.to_hex()))?;
        doc.set_actor(self.identity().actor());
        Ok(doc)
    }

    /// Stores an edited document: the new changes as one chunk, or a full save once a
    /// customer has gathered enough chunks. The edited document passes the checks every
    /// node and the relay make ([`CustomerDoc::check`]), and the write rules allow the edit
    /// from `guard_from` (the customer as it was; `None` only for a repair the node makes
    /// of others' concurrent merges, which no member chose), or nothing is written.
    pub(crate) fn write_edited(
        &self,
        txn: &WriteTransaction,
        id: CustomerId,
        doc: &mut CustomerDoc,
        heads_before: &[rapport_doc::ChangeHash],
        guard_from: Option<&Customer>,
    ) -> Result<Customer, StoreError> {
        let after = checked_local(doc, id)?;
        if let Some(before) = guard_from {
            self.guarded(Some(before), &after)?;
        }
        let chunk = self.codec().pack(&doc.save_after(heads_before))?;
        let row = row_of(&txn.open_table(ROWS)?, after.id)?.ok_or_else(|| StoreError::NotFound(after.id.to_hex()))?;
        let compact = chunk_count(&txn.open_table(CHUNKS)?, row)? >= MAX_CHUNKS;
        if compact {
            let full = pack_full(self.codec(), doc, &after)?;
            self.write_state(txn, &after, DocBytes::Full(&full), None, &doc.heads())?;
        } else {
            self.write_state(txn, &after, DocBytes::Chunk(&chunk), None, &doc.heads())?;
        }
        Ok(after)
    }

    /// Merges a copy of a customer's document from elsewhere (another node, a backup)
    /// into the store, creating the customer if it is new. Refuses a document whose
    /// number is already held by a different customer.
    pub fn merge_doc(&self, other: &mut CustomerDoc) -> Result<Customer, StoreError> {
        let incoming = other.read()?;
        other.check(incoming.id)?;
        let txn = self.db().begin_write()?;
        let existing = {
            let docs = txn.open_table(DOCS)?;
            let chunks = txn.open_table(CHUNKS)?;
            load_doc(self.codec(), &txn.open_table(ROWS)?, &docs, &chunks, incoming.id)?
        };
        let (mut doc, was_new) = match existing {
            Some(mut d) => {
                d.merge(other)?;
                (d, false)
            }
            None => (other.fork(), true),
        };
        let c = doc.check(incoming.id)?;
        if was_new {
            if let Some(refusal) = number_taken(&txn, &c)? {
                return Err(refusal);
            }
        }
        let full = pack_full(self.codec(), &mut doc, &c)?;
        self.write_state(&txn, &c, DocBytes::Full(&full), None, &doc.heads())?;
        txn.commit()?;
        Ok(c)
    }

    /// Writes one customer's document bytes, list row, search text, facts, index entries
    /// and change-feed event inside `txn`.
    pub(crate) fn write_state(
        &self,
        txn: &WriteTransaction,
        c: &Customer,
        bytes: DocBytes<'_>,
        derived: Option<Derived>,
        heads: &[rapport_doc::ChangeHash],
    ) -> Result<(), StoreError> {
        let k = self.row_for(txn, c.id)?;
        {
            let mut docs = txn.open_table(DOCS)?;
            let mut chunks = txn.open_table(CHUNKS)?;
            match bytes {
                DocBytes::Full(b) => {
                    docs.insert(k, b)?;
                    chunks.retain_in((k, 0)..=(k, u32::MAX), |_, _| false)?;
                }
                DocBytes::Chunk(b) => {
                    let next = chunk_count(&chunks, k)?;
                    chunks.insert((k, next), b)?;
                }
            }
        }
        txn.open_table(HEADS)?.insert(k, crate::encode_heads(heads).as_slice())?;
        let derived = derived.unwrap_or_else(|| self.deriver().derive(c));
        let summary = Summary::of(c, &derived);
        let mut sums = txn.open_table(SUMMARY)?;
        let old: Option<Summary> = match sums.get(k)? {
            Some(v) => postcard::from_bytes(v.value()).ok(),
            None => None,
        };
        let mut index = txn.open_multimap_table(INDEX)?;
        let old_keys = old.as_ref().map(|o| o.keys.as_slice()).unwrap_or(&[]);
        for ok in old_keys {
            if summary.keys.binary_search(ok).is_err() {
                index.remove(ok.as_slice(), k)?;
            }
        }
        for nk in &summary.keys {
            if old_keys.binary_search(nk).is_err() {
                index.insert(nk.as_slice(), k)?;
            }
        }
        let mut numbers = txn.open_table(NUMBERS)?;
        if let Some(o) = &old {
            if o.number != c.number {
                numbers.remove(o.number.as_str())?;
            }
        }
        claim_numbers(&mut numbers, c, k)?;
        sums.insert(k, postcard::to_allocvec(&summary)?.as_slice())?;
        txn.open_table(SEARCH)?.insert(k, search_text(c).as_str())?;
        txn.open_table(FACTS)?.insert(k, derived.facts.as_slice())?;
        let mut events = txn.open_table(EVENTS)?;
        let seq = match events.last()? {
            Some((s, _)) => s.value() + 1,
            None => 1,
        };
        events.insert(seq, c.id.0.as_slice())?;
        Ok(())
    }

    /// Rewrites the derived parts of many customers' list rows and their rule-tag and tier
    /// index entries, in one transaction; rows whose derived state is unchanged are not
    /// written. `state` is recorded in the store's metadata as the derived state now held
    /// (e.g. the as-of date and settings version). Returns how many customers changed.
    pub fn update_derived(&self, items: Vec<(CustomerId, Derived)>, state: &str) -> Result<usize, StoreError> {
        let txn = self.db().begin_write()?;
        let mut changed = 0;
        {
            let rows = txn.open_table(ROWS)?;
            let mut sums = txn.open_table(SUMMARY)?;
            let mut index = txn.open_multimap_table(INDEX)?;
            for (id, d) in items {
                let Some(row) = row_of(&rows, id)? else { continue };
                let Some(mut summary) =
                    sums.get(row)?.map(|v| postcard::from_bytes::<Summary>(v.value())).transpose()?
                else {
                    continue;
                };
                let old_keys = summary.keys.clone();
                if !summary.set_derived(d.rule_tags, d.tier, d.follow_up) {
                    continue;
                }
                for ok in &old_keys {
                    if summary.keys.binary_search(ok).is_err() {
                        index.remove(ok.as_slice(), row)?;
                    }
                }
                for nk in &summary.keys {
                    if old_keys.binary_search(nk).is_err() {
                        index.insert(nk.as_slice(), row)?;
                    }
                }
                sums.insert(row, postcard::to_allocvec(&summary)?.as_slice())?;
                changed += 1;
            }
            txn.open_table(META)?.insert(META_DERIVED, state.as_bytes())?;
        }
        txn.commit()?;
        // New team settings re-derive the whole book (a first sync brings them).
        self.after_bulk(changed as u64);
        Ok(changed)
    }

    /// The row of a customer, allocating the next one for a new customer.
    fn row_for(&self, txn: &WriteTransaction, id: CustomerId) -> Result<Row, StoreError> {
        let mut rows = txn.open_table(ROWS)?;
        if let Some(r) = row_of(&rows, id)? {
            return Ok(r);
        }
        let mut meta = txn.open_table(META)?;
        let next = match meta.get(META_NEXT_ROW)? {
            Some(v) => {
                let mut a = [0u8; 8];
                a.copy_from_slice(v.value().get(..8).unwrap_or(&[0; 8]));
                u64::from_le_bytes(a)
            }
            None => 0,
        };
        meta.insert(META_NEXT_ROW, (next + 1).to_le_bytes().as_slice())?;
        rows.insert(key(id), next)?;
        txn.open_table(IDS)?.insert(next, key(id))?;
        Ok(next)
    }

    /// Rebuilds every list row, search text, fact row and index entry from the documents,
    /// and rewrites each document as one full save with its view.
    pub fn reindex(&self) -> Result<u64, StoreError> {
        self.reindex_with(&mut |_, _| {})
    }

    /// [`Store::reindex`], telling `progress` (customers done, customers in all) every
    /// [`crate::PROGRESS_STEP`] customers and at the end.
    pub fn reindex_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<u64, StoreError> {
        let txn = self.db().begin_write()?;
        let rows: Vec<Row> = {
            let docs = txn.open_table(DOCS)?;
            let rows = docs.iter()?.map(|e| e.map(|(k, _)| k.value())).collect::<Result<_, _>>()?;
            rows
        };
        txn.delete_multimap_table(INDEX)?;
        txn.open_multimap_table(INDEX)?;
        txn.open_table(SUMMARY)?.retain(|_, _| false)?;
        txn.open_table(SEARCH)?.retain(|_, _| false)?;
        txn.open_table(FACTS)?.retain(|_, _| false)?;
        let aliases: Vec<(String, Row)> = {
            let mut numbers = txn.open_table(NUMBERS)?;
            let all: Vec<(String, Row)> = numbers
                .iter()?
                .map(|e| e.map(|(k, v)| (k.value().to_string(), v.value())))
                .collect::<Result<_, _>>()?;
            numbers.retain(|_, _| false)?;
            all
        };
        let deriver = self.deriver();
        let codec = self.codec();
        let mut n = 0;
        let total = rows.len() as u64;
        let mut done = 0;
        // The tables are opened once: the loop writes every customer of the book.
        let mut docs = txn.open_table(DOCS)?;
        let mut chunks = txn.open_table(CHUNKS)?;
        let mut heads_by_row = txn.open_table(HEADS)?;
        let mut index = txn.open_multimap_table(INDEX)?;
        let mut numbers = txn.open_table(NUMBERS)?;
        let mut sums = txn.open_table(SUMMARY)?;
        let mut search = txn.open_table(SEARCH)?;
        let mut facts = txn.open_table(FACTS)?;
        for part in rows.chunks(REINDEX_BATCH) {
            // Bytes are read in the transaction; loading, reading and packing run on every core.
            let raw: Vec<Option<StoredRow>> = part
                .iter()
                .map(|&row| match stored_row(&docs, &chunks, row) {
                    Err(e @ StoreError::Unwritable(_)) => Err(e),
                    // Unreadable here: left out of the indexes and named by doctor.
                    Err(_) => Ok(None),
                    Ok(r) => Ok(r),
                })
                .collect::<Result<_, _>>()?;
            let rebuilt = crate::on_every_core(&raw, |r| -> Result<Option<Rebuilt>, StoreError> {
                let Some((full, chunks)) = r else { return Ok(None) };
                // A document that does not load or read is left out of the indexes (so of
                // lists) and named by doctor; the others are rebuilt.
                let Ok(mut doc) = loaded(codec, full, chunks) else { return Ok(None) };
                let Ok(c) = doc.read() else { return Ok(None) };
                // One full save with a current view: folds change chunks, and upgrades
                // values written before views (or with another view version).
                let full = pack_full(codec, &mut doc, &c)?;
                let derived = deriver.derive(&c);
                Ok(Some((c, full, derived, doc.heads())))
            })
            .ok_or_else(|| StoreError::Db("a worker thread panicked while reindexing".into()))?;
            for (&row, r) in part.iter().zip(rebuilt) {
                done += 1;
                crate::step(progress, done, total);
                let Some((c, full, derived, heads)) = r? else { continue };
                docs.insert(row, full.as_slice())?;
                chunks.retain_in((row, 0)..=(row, u32::MAX), |_, _| false)?;
                heads_by_row.insert(row, crate::encode_heads(&heads).as_slice())?;
                let summary = Summary::of(&c, &derived);
                for nk in &summary.keys {
                    index.insert(nk.as_slice(), row)?;
                }
                claim_numbers(&mut numbers, &c, row)?;
                sums.insert(row, postcard::to_allocvec(&summary)?.as_slice())?;
                search.insert(row, search_text(&c).as_str())?;
                facts.insert(row, derived.facts.as_slice())?;
                n += 1;
            }
        }
        // Aliases of merged-away customers still resolve to the surviving customer.
        for (num, row) in aliases {
            if numbers.get(num.as_str())?.is_none() && docs.get(row)?.is_some() {
                numbers.insert(num.as_str(), row)?;
            }
        }
        drop((docs, chunks, heads_by_row, index, numbers, sums, search, facts));
        txn.commit()?;
        progress(total, total);
        self.after_bulk(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_model::{Kind, NewCustomer};

    fn customer(name: &str) -> Customer {
        let at = rapport_model::parse_datetime("t", "2026-03-01 09:00").unwrap_or_default();
        let input = NewCustomer {
            kind: Some(Kind::Company),
            name: name.into(),
            industry: Some("C".into()),
            source: Some("referral".into()),
            ..Default::default()
        };
        input.validate("Li Wei", at).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn one_unreadable_document_is_named_by_doctor_and_skipped_by_reindex() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let settings = rapport_doc::SettingsDoc::genesis(&[], &Default::default())?;
        let store = Store::init(&dir.path().join("book.redb"), "Li Wei", settings, Vec::new())?;
        let at = rapport_model::parse_datetime("t", "2026-03-01 09:00")?;
        let good = store.create(customer("甲公司"), ChangeMeta::new("Li Wei", at))?;
        let bad = store.create(customer("乙公司"), ChangeMeta::new("Li Wei", at))?;
        // As a disk error or an older build could leave it.
        let txn = store.db().begin_write()?;
        {
            let row = row_of(&txn.open_table(ROWS)?, bad.id)?.ok_or("row")?;
            txn.open_table(DOCS)?.insert(row, [1u8, 0xde, 0xad, 0xbe, 0xef].as_slice())?;
        }
        txn.commit()?;
        let report = store.doctor()?;
        assert!(report.problems.iter().any(|p| p.contains(&bad.id.to_hex())), "{:?}", report.problems);
        assert_eq!(store.reindex()?, 1, "the readable customer is rebuilt");
        assert_eq!(store.get(good.id)?.name, "甲公司");
        assert!(store.get(bad.id).is_err());
        Ok(())
    }
}
