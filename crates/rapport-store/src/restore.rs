//! A store restored from a backup, or copied to a second machine.
//!
//! Such a store writes as the same Automerge actor as the copy that went on without it,
//! so its next edits reuse that actor's sequence numbers and its next customers reuse the
//! device's customer numbers. Relays and peers refuse the reused sequence numbers
//! ("duplicate seq") for good, and a reused customer number makes two customers claim one
//! number. When a sync meets such a refusal, [`Store::recover_device`] takes a new device
//! id (so a new actor and a fresh device code for numbers) and makes this device's unsent
//! changes again under it; the sync then sends them.

use crate::replica::SYNC_HEADS;
use crate::tables::*;
use crate::write::{checked_local, DocBytes};
use crate::{Store, StoreError};
use rapport_doc::{ActorId, ChangeHash};
use rapport_model::{industry, CustomerId, CustomerNumber};
use redb::ReadableTable;

/// What [`Store::recover_device`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recovered {
    /// The device id given up.
    pub previous_device: String,
    /// The device id written as from now on.
    pub device: String,
    /// Its device code, in the numbers of customers created from now on.
    pub device_code: String,
    /// Customers whose unsent changes were made again.
    pub customers: usize,
    /// Changes made again under the new device.
    pub changes_remade: usize,
    /// Others' changes built on unsent ones, left out (their authors send them again).
    pub left_out: usize,
    /// Customers created here and never sent, whose number was minted again elsewhere
    /// possibly: (old number, new number).
    pub renumbered: Vec<(String, String)>,
}

impl Store {
    /// Takes a new device id and makes every change this member's devices wrote here that
    /// `peer` does not hold again under it, in one durable transaction. A customer created
    /// here that `peer` never acknowledged gets a number from the new device code, since
    /// the old code's next numbers may already be in use elsewhere.
    pub fn recover_device(&self, peer: &str) -> Result<Recovered, StoreError> {
        let old = self.identity();
        let ours: Vec<ActorId> = std::iter::once(old.device_id.clone())
            .chain(old.previous_devices.iter().cloned())
            .map(|device| crate::Identity { device_id: device, ..(*old).clone() }.actor())
            .collect();
        let new = old.with_new_device();
        let mut done = Recovered {
            previous_device: old.device_id.clone(),
            device: new.device_id.clone(),
            device_code: new.device_code.clone(),
            ..Recovered::default()
        };
        let candidates = self.not_held_by(peer)?;
        let txn = self.db().begin_write()?;
        Store::store_identity(&txn, &new)?;
        txn.open_table(META)?.insert(META_SEQ, 0u64.to_le_bytes().as_slice())?;
        let mut minted: u64 = 0;
        for (id, known) in candidates {
            let mut doc = self.load_for_edit(&txn, id)?;
            let known: Vec<ChangeHash> =
                known.into_iter().filter(|h| doc.automerge().get_change_by_hash(h).is_some()).collect();
            let unsent: Vec<ActorId> =
                doc.automerge().get_changes(&known).iter().map(|c| c.actor_id().clone()).collect();
            let Some(old_actor) = ours.iter().find(|a| unsent.contains(a)) else { continue };
            let created_here = known.is_empty()
                && doc.automerge().get_changes(&[]).iter().any(|c| c.deps().is_empty() && ours.contains(c.actor_id()));
            let before = doc.read()?;
            let number = if created_here {
                minted += 1;
                let prefix = industry(&before.industry).map(|i| i.prefix).unwrap_or("GEN");
                let year = chrono::Datelike::year(&before.created_at);
                Some(
                    CustomerNumber { prefix: prefix.into(), year, device: new.device_code.clone(), seq: minted }
                        .to_string(),
                )
            } else {
                None
            };
            let (mut rebuilt, r) = doc.reauthored(&known, old_actor, new.actor(), number.as_deref())?;
            let c = checked_local(&mut rebuilt, id)?;
            let full = crate::view::pack_full(self.codec(), &mut rebuilt, &c)?;
            self.write_state(&txn, &c, DocBytes::Full(&full), None, &rebuilt.heads())?;
            if let Some(n) = number {
                done.renumbered.push((before.number, n));
            }
            done.customers += 1;
            done.changes_remade += r.remade;
            done.left_out += r.left_out;
        }
        txn.open_table(META)?.insert(META_SEQ, minted.to_le_bytes().as_slice())?;
        txn.commit()?;
        self.use_identity(new);
        Ok(done)
    }

    /// Every customer whose heads here differ from those `peer` is known to hold, with the
    /// latter.
    fn not_held_by(&self, peer: &str) -> Result<Vec<(CustomerId, Vec<ChangeHash>)>, StoreError> {
        let txn = self.db().begin_read()?;
        let ids = txn.open_table(IDS)?;
        let heads = txn.open_table(HEADS)?;
        let known = match txn.open_table(SYNC_HEADS) {
            Ok(t) => Some(t),
            Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for e in ids.iter()? {
            let (row, key) = e?;
            let id = id_of(key.value());
            let ours = heads.get(row.value())?.map(|v| v.value().to_vec()).unwrap_or_default();
            let theirs = match &known {
                Some(t) => t.get((peer, key.value()))?.map(|v| v.value().to_vec()).unwrap_or_default(),
                None => Vec::new(),
            };
            if ours != theirs {
                out.push((id, crate::decode_heads(&theirs)));
            }
        }
        Ok(out)
    }

    /// Keeps this device's number sequence past a number it minted that arrives from
    /// elsewhere (a store restored from a backup has forgotten the numbers it minted since).
    pub(crate) fn note_number(&self, txn: &redb::WriteTransaction, number: &str) -> Result<(), StoreError> {
        let Some(n) = CustomerNumber::parse(number) else { return Ok(()) };
        if n.device != self.identity().device_code {
            return Ok(());
        }
        let mut meta = txn.open_table(META)?;
        let seq = meta
            .get(META_SEQ)?
            .and_then(|v| v.value().get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()))
            .map(u64::from_le_bytes)
            .unwrap_or(0);
        if n.seq > seq {
            meta.insert(META_SEQ, n.seq.to_le_bytes().as_slice())?;
        }
        Ok(())
    }
}
