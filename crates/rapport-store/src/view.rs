//! The customer as JSON, stored behind its whole document (see `codec.rs`), so reading a
//! customer needs no Automerge load.
//!
//! The view holds what depends only on the document: the record and its conflicts,
//! serialized exactly as a reader would serialize them. What depends on rules or on the
//! date (rule tags, tier, figures) is not in it; a reader takes those from the list row and
//! the stored facts, which are written in the same transaction as the document. A view
//! is only current while no change chunk has been appended after the full save; the
//! reader checks that and otherwise loads the document.

use crate::index::Summary;
use crate::tables::*;
use crate::{decode_heads, Store, StoreError};
use rapport_doc::{ChangeHash, Conflict, CustomerDoc};
use rapport_model::{Customer, CustomerId};
use redb::ReadableDatabase;

/// Layout version of the view. A build that serializes customers differently bumps it,
/// and views of other versions are ignored (the document is loaded instead).
const VIEW_VERSION: u8 = 1;

/// Serializes the view of a customer: `[version][customer JSON length: u32 LE][customer
/// JSON][conflicts JSON]`.
pub(crate) fn encode(c: &Customer, conflicts: &[Conflict]) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(8 * 1024);
    out.push(VIEW_VERSION);
    out.extend_from_slice(&[0; 4]);
    serde_json::to_writer(&mut out, c).map_err(|e| StoreError::Db(format!("cannot encode customer {}: {e}", c.id)))?;
    let len = (out.len() - 5) as u32;
    out[1..5].copy_from_slice(&len.to_le_bytes());
    serde_json::to_writer(&mut out, conflicts)
        .map_err(|e| StoreError::Db(format!("cannot encode the conflicts of customer {}: {e}", c.id)))?;
    Ok(out)
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

/// A customer as stored JSON, with the rest of what a read shows.
pub struct StoredView {
    bytes: Vec<u8>,
    split: usize,
    /// Document heads.
    pub heads: Vec<ChangeHash>,
    /// List row (rule tags, tier, number).
    pub summary: Summary,
    /// Rule inputs as the deriver stored them (empty in a store without rules).
    pub facts: Vec<u8>,
}

impl StoredView {
    /// The record as JSON, exactly as `serde_json` writes a [`Customer`].
    pub fn customer_json(&self) -> &[u8] {
        &self.bytes[5..self.split]
    }

    /// The conflicts as a JSON array.
    pub fn conflicts_json(&self) -> &[u8] {
        &self.bytes[self.split..]
    }
}

/// Where the customer JSON of a view ends, if the view is of this build's version.
fn split_of(view: &[u8]) -> Option<usize> {
    let (&version, rest) = view.split_first()?;
    let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    (version == VIEW_VERSION && 5 + len <= view.len()).then_some(5 + len)
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
        let Some(split) = split_of(&bytes) else { return Ok(None) };
        let summary = match txn.open_table(SUMMARY)?.get(row)? {
            Some(v) => postcard::from_bytes(v.value())?,
            None => return Ok(None),
        };
        let heads = txn.open_table(HEADS)?.get(row)?.map(|v| decode_heads(v.value())).unwrap_or_default();
        let facts = txn.open_table(FACTS)?.get(row)?.map(|v| v.value().to_vec()).unwrap_or_default();
        Ok(Some(StoredView { bytes, split, heads, summary, facts }))
    }
}
