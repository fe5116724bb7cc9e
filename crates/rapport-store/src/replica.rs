//! What sync needs from the store: which documents changed since a cursor, a document's
//! heads and the changes after given heads, adoption of documents and changes arriving
//! from elsewhere (in bulk for a fresh node), and per-peer sync state that survives a
//! crash so an interrupted sync resumes without redoing finished documents.

use crate::tables::*;
use crate::write::{load_doc, DocBytes};
use crate::{Store, StoreError};
use rapport_doc::{ChangeHash, CustomerDoc};
use rapport_model::{Customer, CustomerId};
use redb::{ReadableTable, TableDefinition};

/// Per-peer sync state: (peer, key) -> bytes (cursors).
const SYNC_STATE: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("sync_state");
/// Node settings that are not team data: peer list, pairing secrets, network key.
const NODE_META: TableDefinition<&str, &[u8]> = TableDefinition::new("node_meta");
/// Heads a peer is known to hold, per (peer, customer id).
pub(crate) const SYNC_HEADS: TableDefinition<(&str, u128), &[u8]> = TableDefinition::new("sync_heads");

/// Encodes heads as concatenated 32-byte hashes.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

/// Decodes concatenated 32-byte hashes.
pub fn decode_heads(bytes: &[u8]) -> Vec<ChangeHash> {
    bytes.chunks_exact(32).filter_map(|c| <[u8; 32]>::try_from(c).ok().map(ChangeHash)).collect()
}

/// A customer's heads here and the heads a peer is known to hold.
pub type Versions = (Vec<ChangeHash>, Vec<ChangeHash>);

/// The outcome of one incoming document: adopted, or refused with the reason.
pub type AdoptResult = Result<(Adopted, Customer), StoreError>;

/// A batch of incoming documents checked and packed, ready for [`Store::commit_adoption`].
pub struct PreparedAdoption {
    items: Vec<(CustomerId, Vec<u8>)>,
    prepared: Vec<Option<Result<NewDoc, StoreError>>>,
}

/// A document new to this node, read and packed.
struct NewDoc {
    customer: Customer,
    derived: crate::Derived,
    heads: Vec<ChangeHash>,
    packed: Vec<u8>,
}

/// What happened to one incoming document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Adopted {
    /// A customer this node did not have.
    New,
    /// Changes merged into an existing customer.
    Merged,
    /// Nothing new.
    Unchanged,
}

impl Store {
    /// Customers written (locally or by sync) after event `cursor`, each once, and the
    /// last event sequence seen. At most `limit` events are read.
    pub fn changed_since(&self, cursor: u64, limit: usize) -> Result<(Vec<CustomerId>, u64), StoreError> {
        let events = self.events_after(cursor, limit)?;
        let last = events.last().map(|e| e.0).unwrap_or(cursor);
        let mut seen = std::collections::BTreeSet::new();
        let ids = events.into_iter().filter(|(_, id)| seen.insert(*id)).map(|(_, id)| id).collect();
        Ok((ids, last))
    }

    /// The current heads of a customer's document (empty if unknown).
    pub fn heads_of(&self, id: CustomerId) -> Result<Vec<ChangeHash>, StoreError> {
        let txn = self.db().begin_read()?;
        let Some(row) = row_of(&txn.open_table(ROWS)?, id)? else { return Ok(Vec::new()) };
        let t = txn.open_table(HEADS)?;
        let heads = t.get(row)?.map(|v| decode_heads(v.value())).unwrap_or_default();
        Ok(heads)
    }

    /// Current heads of many customers and the heads `peer` is known to hold for each, read
    /// in one transaction (empty when unknown).
    pub fn heads_with_peer(&self, peer: &str, ids: &[CustomerId]) -> Result<Vec<Versions>, StoreError> {
        let txn = self.db().begin_read()?;
        let rows = txn.open_table(ROWS)?;
        let heads = txn.open_table(HEADS)?;
        let known = match txn.open_table(SYNC_HEADS) {
            Ok(t) => Some(t),
            Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let ours = match row_of(&rows, *id)? {
                Some(row) => heads.get(row)?.map(|v| decode_heads(v.value())).unwrap_or_default(),
                None => Vec::new(),
            };
            let theirs = match &known {
                Some(t) => t.get((peer, key_of(*id)))?.map(|v| decode_heads(v.value())).unwrap_or_default(),
                None => Vec::new(),
            };
            out.push((ours, theirs));
        }
        Ok(out)
    }

    /// Automerge changes of a customer made after `heads` (the whole document when `heads`
    /// is empty), and the document's current heads.
    pub fn changes_after(
        &self,
        id: CustomerId,
        heads: &[ChangeHash],
    ) -> Result<(Vec<u8>, Vec<ChangeHash>), StoreError> {
        self.changes_after_by(id, heads, None).map(|(b, h, _)| (b, h))
    }

    /// [`Store::changes_after`], keeping only what `member` (a member id) wrote and may
    /// push to the relay ([`rapport_doc::own_changes_after`]); `None` keeps every change.
    /// Also returns how many of the member's changes must wait for others' to reach the
    /// relay first; the bytes are empty when nothing of the member's can go yet.
    pub fn changes_after_by(
        &self,
        id: CustomerId,
        heads: &[ChangeHash],
        member: Option<&[u8]>,
    ) -> Result<(Vec<u8>, Vec<ChangeHash>, usize), StoreError> {
        if heads.is_empty() {
            // The whole document: the stored save and its change chunks, concatenated,
            // load as one document, so nothing needs decoding or re-encoding.
            let (bytes, now) = self.stored_bytes(id)?;
            let Some(member) = member else { return Ok((bytes, now, 0)) };
            // Its headers name every author: a document only this member wrote goes as it is.
            if rapport_doc::authors(&bytes, &rapport_doc::LIMITS)?.iter().all(|a| a.starts_with(member)) {
                return Ok((bytes, now, 0));
            }
            let mut doc = self.load_doc(id)?;
            return Ok(match rapport_doc::own_changes_after(doc.automerge(), &[], member, &[]) {
                Some((own, waiting)) => (own, now, waiting),
                None => (bytes, now, 0),
            });
        }
        let mut doc = self.load_doc(id)?;
        if let Some(member) = member {
            if let Some((own, waiting)) = rapport_doc::own_changes_after(doc.automerge(), heads, member, &[]) {
                return Ok((own, doc.heads(), waiting));
            }
        }
        let now = doc.heads();
        // Heads we do not know (the peer is ahead) are ignored: we send what we have after
        // the heads we share.
        let known: Vec<ChangeHash> =
            heads.iter().copied().filter(|h| doc.automerge().get_change_by_hash(h).is_some()).collect();
        if known.is_empty() {
            return Ok((doc.save_plain(), now, 0));
        }
        Ok((doc.save_after(&known), now, 0))
    }

    /// A customer's whole document as Automerge bytes, straight from storage, and its heads.
    pub fn stored_bytes(&self, id: CustomerId) -> Result<(Vec<u8>, Vec<ChangeHash>), StoreError> {
        let txn = self.db().begin_read()?;
        let row = row_of(&txn.open_table(ROWS)?, id)?.ok_or_else(|| StoreError::NotFound(id.to_hex()))?;
        let docs = txn.open_table(DOCS)?;
        let full = docs.get(row)?.ok_or_else(|| StoreError::NotFound(id.to_hex()))?;
        let mut bytes = self.codec().unpack(full.value())?;
        for e in txn.open_table(CHUNKS)?.range((row, 0)..=(row, u32::MAX))? {
            let (_, v) = e?;
            bytes.extend(self.codec().unpack(v.value())?);
        }
        let heads = txn.open_table(HEADS)?.get(row)?.map(|v| decode_heads(v.value())).unwrap_or_default();
        Ok((bytes, heads))
    }

    /// Applies Automerge bytes (a saved document or changes) for customer `id`, creating
    /// the customer when new. Bytes that are not valid Automerge, or a document for a
    /// different customer, are refused and nothing is written.
    pub fn adopt(&self, id: CustomerId, bytes: &[u8]) -> Result<(Adopted, Customer), StoreError> {
        let mut out = self.adopt_batch(vec![(id, bytes.to_vec())])?;
        out.pop().ok_or_else(|| StoreError::Db("nothing adopted".into()))?
    }

    /// Applies many incoming documents in one durable transaction. Documents new to this
    /// node are decoded, checked and packed on every core first. Each item gets its own
    /// result: a refused item (invalid bytes, wrong id, number held by another customer)
    /// writes nothing and does not stop the others.
    pub fn adopt_batch(&self, items: Vec<(CustomerId, Vec<u8>)>) -> Result<Vec<AdoptResult>, StoreError> {
        let prepared = self.prepare_adoption(items)?;
        self.commit_adoption(prepared, None)
    }

    /// The first half of [`Store::adopt_batch`], which needs no write transaction: documents
    /// new to this node are loaded, read, checked, derived and packed on every core. A sync
    /// prepares the next batch this way while the previous one is written.
    pub fn prepare_adoption(&self, items: Vec<(CustomerId, Vec<u8>)>) -> Result<PreparedAdoption, StoreError> {
        let known: Vec<bool> = {
            let txn = self.db().begin_read()?;
            let rows = txn.open_table(ROWS)?;
            items.iter().map(|(id, _)| row_of(&rows, *id).map(|r| r.is_some())).collect::<Result<_, _>>()?
        };
        let codec = self.codec().clone();
        let deriver = self.deriver();
        let prepare = |id: CustomerId, bytes: &[u8]| -> Result<NewDoc, StoreError> {
            let mut doc = CustomerDoc::load_untrusted(bytes)?;
            let customer = doc.check(id)?;
            // The bytes loaded as a whole document: store them as they came, with the view.
            let view = crate::view::encode(&customer, &doc.conflicts_quick()?)?;
            let packed = codec.pack_with_view(bytes, &view)?;
            // Rule tags and tier are computed here, on every core, not in the write.
            let derived = deriver.derive(&customer);
            Ok(NewDoc { customer, derived, heads: doc.heads(), packed })
        };
        let fresh: Vec<usize> = (0..items.len()).filter(|i| !known[*i]).collect();
        let results = crate::on_every_core(&fresh, |&i| prepare(items[i].0, &items[i].1))
            .ok_or_else(|| StoreError::Db("a worker thread failed while reading incoming documents".into()))?;
        let mut prepared: Vec<Option<Result<NewDoc, StoreError>>> = (0..items.len()).map(|_| None).collect();
        for (i, r) in fresh.into_iter().zip(results) {
            prepared[i] = Some(r);
        }
        Ok(PreparedAdoption { items, prepared })
    }

    /// The second half of [`Store::adopt_batch`]: writes a prepared batch in one durable
    /// transaction. Customers that were not new when prepared are merged here; a customer
    /// prepared as new that exists by now (an earlier batch or another writer created it)
    /// is merged instead. With `from`, the peer the batch came from is recorded, in the same
    /// transaction, as holding each adopted customer at the heads it listed (`theirs`; what
    /// this node now holds where it listed none): a pull cut off after this commit (a
    /// crash, a full disk) never sends these back, and changes made here that the peer does
    /// not hold (one it refused, or one that waits for another member's) are still sent.
    pub fn commit_adoption(
        &self,
        batch: PreparedAdoption,
        from: Option<(&str, &std::collections::HashMap<CustomerId, Vec<ChangeHash>>)>,
    ) -> Result<Vec<AdoptResult>, StoreError> {
        let PreparedAdoption { items, mut prepared } = batch;
        let txn = self.db().begin_write()?;
        let mut out = Vec::with_capacity(items.len());
        for (i, (id, bytes)) in items.iter().enumerate() {
            // Outer error: storage failed, abort everything. Inner: this item was refused.
            let r = match prepared[i].take() {
                Some(Ok(p)) if row_of(&txn.open_table(ROWS)?, p.customer.id)?.is_none() => {
                    self.adopt_new(&txn, p.customer, p.derived, &p.packed, &p.heads)?
                }
                Some(Err(e)) => Err(e),
                Some(Ok(_)) | None => self.adopt_existing(&txn, *id, bytes)?,
            };
            if let (Some((peer, theirs)), Ok(_)) = (from, &r) {
                let rows = txn.open_table(ROWS)?;
                let now = match (theirs.get(id), row_of(&rows, *id)?) {
                    (Some(h), _) => encode_heads(h),
                    (None, Some(row)) => {
                        txn.open_table(HEADS)?.get(row)?.map(|v| v.value().to_vec()).unwrap_or_default()
                    }
                    (None, None) => Vec::new(),
                };
                txn.open_table(SYNC_HEADS)?.insert((peer, key_of(*id)), now.as_slice())?;
            }
            out.push(r);
        }
        txn.commit()?;
        Ok(out)
    }

    fn adopt_new(
        &self,
        txn: &redb::WriteTransaction,
        c: Customer,
        derived: crate::Derived,
        packed: &[u8],
        heads: &[ChangeHash],
    ) -> Result<AdoptResult, StoreError> {
        if let Some(refusal) = crate::write::number_taken(txn, &c)? {
            return Ok(Err(refusal));
        }
        self.note_number(txn, &c.number)?;
        self.write_state(txn, &c, DocBytes::Full(packed), Some(derived), heads)?;
        Ok(Ok((Adopted::New, c)))
    }

    fn adopt_existing(
        &self,
        txn: &redb::WriteTransaction,
        id: CustomerId,
        bytes: &[u8],
    ) -> Result<AdoptResult, StoreError> {
        let mut doc = {
            let rows = txn.open_table(ROWS)?;
            let docs = txn.open_table(DOCS)?;
            let chunks = txn.open_table(CHUNKS)?;
            match load_doc(self.codec(), &rows, &docs, &chunks, id)? {
                Some(d) => d,
                None => return Ok(Err(StoreError::NotFound(id.to_hex()))),
            }
        };
        let before = doc.heads();
        // The document was loaded for this merge alone: bytes that fail leave nothing
        // half-applied in the store, since nothing is written then.
        let mut doc = match doc.merged_untrusted(bytes) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e.into())),
        };
        if doc.heads() == before {
            return Ok(doc.read().map(|c| (Adopted::Unchanged, c)).map_err(Into::into));
        }
        let c = match doc.check(id) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e.into())),
        };
        let full = crate::view::pack_full(self.codec(), &mut doc, &c)?;
        self.write_state(txn, &c, DocBytes::Full(&full), None, &doc.heads())?;
        Ok(Ok((Adopted::Merged, c)))
    }

    /// Reads a per-peer cursor (0 when unset).
    pub fn sync_cursor(&self, peer: &str, key: &str) -> Result<u64, StoreError> {
        let txn = self.db().begin_read()?;
        let t = match txn.open_table(SYNC_STATE) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        let v = t.get((peer, key))?.map(|v| {
            let mut a = [0u8; 8];
            a.copy_from_slice(v.value().get(..8).unwrap_or(&[0; 8]));
            u64::from_le_bytes(a)
        });
        Ok(v.unwrap_or(0))
    }

    /// Records a per-peer cursor and the heads the peer now holds for some customers, in
    /// one durable transaction (so a crash never records progress that was not made).
    pub fn record_sync(
        &self,
        peer: &str,
        key: &str,
        cursor: u64,
        heads: &[(CustomerId, Vec<ChangeHash>)],
    ) -> Result<(), StoreError> {
        let txn = self.db().begin_write()?;
        {
            let mut t = txn.open_table(SYNC_STATE)?;
            t.insert((peer, key), cursor.to_le_bytes().as_slice())?;
            let mut h = txn.open_table(SYNC_HEADS)?;
            for (id, hs) in heads {
                h.insert((peer, key_of(*id)), encode_heads(hs).as_slice())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// A value recorded for a peer besides its cursors (`key`), e.g. the relay log position
    /// seen at the end of the last sync.
    pub fn sync_value(&self, peer: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db().begin_read()?;
        let t = match txn.open_table(SYNC_STATE) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let v = t.get((peer, key))?.map(|v| v.value().to_vec());
        Ok(v)
    }

    /// Records a value for a peer durably (see [`Store::sync_value`]).
    pub fn record_sync_value(&self, peer: &str, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let txn = self.db().begin_write()?;
        txn.open_table(SYNC_STATE)?.insert((peer, key), value)?;
        txn.commit()?;
        Ok(())
    }

    /// Forgets, in one durable transaction, everything recorded about what `peer` holds:
    /// both cursors go back to the start and no customer is known to be held there. The next
    /// sync lists the peer's whole log and sends whatever the peer lacks (a relay restored
    /// from a backup lost what it took after the copy, though this node recorded it as held).
    pub fn forget_peer_holdings(&self, peer: &str) -> Result<(), StoreError> {
        let txn = self.db().begin_write()?;
        {
            let mut state = txn.open_table(SYNC_STATE)?;
            for key in ["pulled", "pushed"] {
                state.insert((peer, key), 0u64.to_le_bytes().as_slice())?;
            }
            txn.open_table(SYNC_HEADS)?.retain_in((peer, 0)..=(peer, u128::MAX), |_, _| false)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Heads a peer is known to hold for a customer (empty when unknown).
    pub fn peer_heads(&self, peer: &str, id: CustomerId) -> Result<Vec<ChangeHash>, StoreError> {
        let txn = self.db().begin_read()?;
        let t = match txn.open_table(SYNC_HEADS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let heads = t.get((peer, key_of(id)))?.map(|v| decode_heads(v.value())).unwrap_or_default();
        Ok(heads)
    }
}

impl Store {
    /// A node setting (peer list, pairing secrets, network key), if set.
    pub fn node_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db().begin_read()?;
        let t = match txn.open_table(NODE_META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let v = t.get(key)?.map(|v| v.value().to_vec());
        Ok(v)
    }

    /// Sets a node setting durably.
    pub fn set_node_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let txn = self.db().begin_write()?;
        txn.open_table(NODE_META)?.insert(key, value)?;
        txn.commit()?;
        Ok(())
    }
}

fn key_of(id: CustomerId) -> u128 {
    key(id)
}
