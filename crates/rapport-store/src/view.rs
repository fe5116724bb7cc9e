//! The customer as read from its document, stored behind the whole document (see
//! `codec.rs`), so reading a customer needs no Automerge load.
//!
//! The view holds what depends only on the document: the record and its conflicts, in
//! postcard (half the bytes of JSON, so half the compression work on every full save, and
//! decoded in ~10 µs). What depends on rules or on the date (rule tags, tier, figures) is
//! not in it; a reader takes rule tags and tier from the list row, written in the same
//! transaction as the document, and computes figures. A view is only current while no
//! change chunk has been appended after the full save; the reader checks that and
//! otherwise loads the document.

use crate::index::Summary;
use crate::tables::*;
use crate::{decode_heads, Store, StoreError};
use rapport_doc::{ChangeHash, Conflict, CustomerDoc};
use rapport_model::{Customer, CustomerId};
use redb::ReadableDatabase;

/// Layout version of the view. A change to the fields of `Customer` (postcard has no
/// field names) must bump it; views of other versions are ignored and the document is
/// loaded instead, until `reindex` or the next full save rewrites them.
const VIEW_VERSION: u8 = 2;

/// Serializes the view of a customer: `[version][postcard (customer, conflicts)]`.
pub(crate) fn encode(c: &Customer, conflicts: &[Conflict]) -> Result<Vec<u8>, StoreError> {
    postcard::to_extend(&(c, conflicts), vec![VIEW_VERSION]).map_err(StoreError::from)
}

/// Decodes a view written by this build's layout; `None` for any other.
fn decode(view: &[u8]) -> Option<(Customer, Vec<Conflict>)> {
    match view.split_first() {
        Some((&VIEW_VERSION, body)) => postcard::from_bytes(body).ok(),
        _ => None,
    }
}

/// Packs a whole document with its view. `c` is what the document reads as.
pub(crate) fn pack_full(codec: &crate::DocCodec, doc: &mut CustomerDoc, c: &Customer) -> Result<Vec<u8>, StoreError> {
    let conflicts = doc.conflicts_quick()?;
    codec.pack_with_view(&doc.save_plain(), &encode(c, &conflicts)?)
}

/// The plain bytes a whole document is packed from, for training the store's dictionary.
pub fn packing_sample(doc: &mut CustomerDoc) -> Result<Vec<u8>, StoreError> {
    let c = doc.read()?;
    let conflicts = doc.conflicts_quick()?;
    Ok(crate::DocCodec::framed(&doc.save_plain(), &encode(&c, &conflicts)?))
}

/// A customer as its stored view says, with the rest of what a read shows.
pub struct StoredView {
    /// The record, as the document reads.
    pub customer: Customer,
    /// Its conflicts, as the document shows them.
    pub conflicts: Vec<Conflict>,
    /// Document heads.
    pub heads: Vec<ChangeHash>,
    /// List row (rule tags, tier, number).
    pub summary: Summary,
}

impl Store {
    /// A customer's stored view, or `None` when it has none that is current (changes were
    /// appended since the last full save, or the value predates views): the caller then
    /// loads the document. All parts are read in one transaction, so they agree.
    pub fn stored_view(&self, id: CustomerId) -> Result<Option<StoredView>, StoreError> {
        let txn = self.db().begin_read()?;
        let row = row_of(&txn.open_table(ROWS)?, id)?.ok_or_else(|| StoreError::NotFound(id.to_hex()))?;
        if txn.open_table(CHUNKS)?.range((row, 0)..=(row, u32::MAX))?.next().is_some() {
            return Ok(None);
        }
        let docs = txn.open_table(DOCS)?;
        let full = docs.get(row)?.ok_or_else(|| StoreError::NotFound(id.to_hex()))?;
        let Some(bytes) = self.codec().unpack_view(full.value())? else { return Ok(None) };
        let Some((customer, conflicts)) = decode(&bytes) else { return Ok(None) };
        let summary = match txn.open_table(SUMMARY)?.get(row)? {
            Some(v) => postcard::from_bytes(v.value())?,
            None => return Ok(None),
        };
        let heads = txn.open_table(HEADS)?.get(row)?.map(|v| decode_heads(v.value())).unwrap_or_default();
        Ok(Some(StoredView { customer, conflicts, heads, summary }))
    }
}
