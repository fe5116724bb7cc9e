//! Removing customers from this store: what leaves a member's read scope (a customer
//! reassigned away, a role or group changed) and everything when the member is revoked.
//!
//! Customers are never deleted by an edit (they are archived); removal only forgets this
//! node's copy. Every trace goes in one transaction: the document and its chunks, the list
//! row and every index entry it had, search text, facts, numbers and aliases, and what each
//! peer is known to hold. A change-feed event for each removed customer tells the list
//! model and the view cache (which then find no row and drop theirs).

use crate::index::Summary;
use crate::replica::SYNC_HEADS;
use crate::tables::*;
use crate::{Store, StoreError};
use rapport_model::CustomerId;
use redb::{ReadableTable, ReadableTableMetadata};
use std::collections::HashSet;

impl Store {
    /// Removes these customers (ids not stored are skipped) and returns how many were.
    pub fn remove_customers(&self, ids: &[CustomerId]) -> Result<usize, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let txn = self.db().begin_write()?;
        let mut gone: HashSet<Row> = HashSet::new();
        {
            let mut rows = txn.open_table(ROWS)?;
            let mut id_table = txn.open_table(IDS)?;
            let mut docs = txn.open_table(DOCS)?;
            let mut chunks = txn.open_table(CHUNKS)?;
            let mut sums = txn.open_table(SUMMARY)?;
            let mut heads = txn.open_table(HEADS)?;
            let mut search = txn.open_table(SEARCH)?;
            let mut facts = txn.open_table(FACTS)?;
            let mut index = txn.open_multimap_table(INDEX)?;
            let mut events = txn.open_table(EVENTS)?;
            let mut seq = match events.last()? {
                Some((s, _)) => s.value() + 1,
                None => 1,
            };
            for id in ids {
                let Some(row) = rows.remove(key(*id))?.map(|v| v.value()) else { continue };
                id_table.remove(row)?;
                docs.remove(row)?;
                chunks.retain_in((row, 0)..=(row, u32::MAX), |_, _| false)?;
                let summary: Option<Summary> = match sums.remove(row)? {
                    Some(v) => postcard::from_bytes(v.value()).ok(),
                    None => None,
                };
                for k in summary.map(|s| s.keys).unwrap_or_default() {
                    index.remove(k.as_slice(), row)?;
                }
                heads.remove(row)?;
                search.remove(row)?;
                facts.remove(row)?;
                events.insert(seq, id.0.as_slice())?;
                seq += 1;
                gone.insert(row);
            }
            if !gone.is_empty() {
                // Numbers and merged-away aliases name rows; one pass drops all of them.
                txn.open_table(NUMBERS)?.retain(|_, row| !gone.contains(&row))?;
                let keys: HashSet<u128> = ids.iter().map(|id| key(*id)).collect();
                let mut held = txn.open_table(SYNC_HEADS)?;
                if !held.is_empty()? {
                    held.retain(|(_, id), _| !keys.contains(&id))?;
                }
            }
        }
        txn.commit()?;
        Ok(gone.len())
    }

    /// Every customer whose owner (by their list row) `pick` picks.
    pub fn owned_by(&self, pick: impl Fn(&str) -> bool) -> Result<Vec<CustomerId>, StoreError> {
        let mut out = Vec::new();
        self.each_summary(|r| {
            if pick(&r.summary.owner) {
                out.push(r.id);
            }
        })?;
        Ok(out)
    }
}

impl Store {
    /// Replaces this node's copy of a customer with `theirs` (the whole document as `peer`
    /// holds it), recorded as held by `peer`; removes the customer when `peer` holds none.
    /// What this node had that `peer` did not is dropped: the caller keeps it elsewhere
    /// first (`rapport sync discard` writes it to a file). The new copy passes the checks
    /// every node makes before keeping a document, or nothing changes.
    pub fn reset_to(&self, id: CustomerId, theirs: Option<&[u8]>, peer: &str) -> Result<(), StoreError> {
        let Some(bytes) = theirs else {
            self.remove_customers(&[id])?;
            return Ok(());
        };
        let mut doc = rapport_doc::CustomerDoc::load_untrusted(bytes)?;
        let c = doc.check(id)?;
        let heads = doc.heads();
        let full = crate::view::pack_full(self.codec(), &mut doc, &c)?;
        let txn = self.db().begin_write()?;
        self.write_state(&txn, &c, crate::write::DocBytes::Full(&full), None, &heads)?;
        txn.open_table(SYNC_HEADS)?.insert((peer, key(id)), crate::encode_heads(&heads).as_slice())?;
        txn.commit()?;
        Ok(())
    }
}
