//! `rapport sync discard NUMBER`: giving up local changes the relay refuses.
//!
//! A change refused later (the member's role changed while they were offline) is never
//! lost silently: the customer stays listed as refused by `sync status` until the member
//! discards it. Discarding writes what this node has that the relay does not (the
//! customer as held here, and each change not in the relay's copy) to a private file,
//! then takes the relay's copy, or removes the customer where the relay has none for
//! this member.

use crate::runtime::Node;
use crate::NodeError;
use rapport_sync::{decode, encode, DocHeads, HttpTransport, Message, Transport};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What a discard did.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Discarded {
    /// The customer's number.
    pub customer: String,
    /// The file the local changes were written to.
    pub file: String,
    /// Changes made here that the relay did not hold.
    pub changes: usize,
    /// True when the relay's copy replaced this node's; false when the customer was
    /// removed here (the relay holds none this member may read).
    pub reset: bool,
}

/// What the discard file holds.
#[derive(Serialize)]
struct DiscardFile<'a> {
    customer: &'a str,
    discarded_at: String,
    reason: &'a str,
    /// The customer as this node held it, with the discarded changes.
    here: &'a rapport_model::Customer,
    /// Each change this node had that the relay's copy does not.
    changes: Vec<rapport_doc::HistoryEntry>,
}

impl Node {
    /// Discards this node's changes to customer `key` that the relay does not hold: writes
    /// them to `out` (default `DATA_DIR/discarded/NUMBER-TIME.json`, owner-only), then
    /// resets the customer to the relay's copy.
    pub async fn discard(self: &std::sync::Arc<Self>, key: &str, out: Option<PathBuf>) -> Result<Discarded, NodeError> {
        let Some(cfg) = self.relay() else {
            return Err(NodeError::input("relay", "no relay configured: there is no relay copy to go back to"));
        };
        let _one = self.syncing.lock().await;
        let node = self.clone();
        let key = key.to_string();
        tokio::task::spawn_blocking(move || node.discard_blocking(&key, &cfg.url, &cfg.token, out))
            .await
            .map_err(|e| NodeError::Relay(format!("the discard stopped unexpectedly: {e}")))?
    }

    fn discard_blocking(
        &self,
        key: &str,
        url: &str,
        token: &str,
        out: Option<PathBuf>,
    ) -> Result<Discarded, NodeError> {
        let store = &self.book.store;
        let id = store.resolve(key)?;
        let mut doc = store.load_doc(id)?;
        let here = doc.read().map_err(rapport_store::StoreError::from)?;
        let mut transport = HttpTransport::new(url, token);
        let peer = transport.peer();
        let answer =
            transport.call(&encode(&Message::Fetch { docs: vec![DocHeads { id: id.0, heads: Vec::new() }] }))?;
        let theirs = match decode(&answer).map_err(rapport_sync::SyncError::from)? {
            Message::Docs { docs } => docs.into_iter().find(|d| d.id == id.0).map(|d| d.bytes),
            Message::Error { code, detail } => return Err(rapport_sync::SyncError::Peer { code, detail }.into()),
            _ => return Err(NodeError::Relay("the relay answered a fetch with something else".into())),
        };
        let relay_doc = match &theirs {
            Some(b) => Some(rapport_doc::CustomerDoc::load_untrusted(b).map_err(rapport_store::StoreError::from)?),
            None => None,
        };
        let mut relay_doc = relay_doc;
        let changes: Vec<rapport_doc::HistoryEntry> = doc
            .history()
            .into_iter()
            .filter(|h| {
                let held = relay_doc.as_mut().is_some_and(|r| {
                    h.hash
                        .parse::<rapport_doc::ChangeHash>()
                        .is_ok_and(|c| r.automerge().get_change_by_hash(&c).is_some())
                });
                !held
            })
            .collect();
        let reason = rapport_sync::status::load(store)?
            .get(&peer)
            .and_then(|s| s.refused.iter().find(|r| r.customer == id.to_hex()).map(|r| r.reason.clone()))
            .unwrap_or_else(|| "discarded by the member".to_string());
        let now = self.book.now();
        let path = match out {
            Some(p) => p,
            None => {
                let dir = self.dir.join("discarded");
                rapport_store::make_data_dir_private(&self.dir)?;
                std::fs::create_dir_all(&dir)
                    .map_err(|e| NodeError::Failed(format!("cannot create {}: {e}", dir.display())))?;
                dir.join(format!("{}-{}.json", here.number, now.format("%Y%m%dT%H%M%S")))
            }
        };
        let file = DiscardFile {
            customer: &here.number,
            discarded_at: now.format("%Y-%m-%d %H:%M:%S").to_string(),
            reason: &reason,
            here: &here,
            changes: changes.clone(),
        };
        let text = serde_json::to_vec_pretty(&file).map_err(|e| NodeError::Failed(e.to_string()))?;
        crate::write_private(&path, &text)
            .map_err(|e| NodeError::Failed(format!("cannot write {}: {e}; nothing was discarded", path.display())))?;
        store.reset_to(id, theirs.as_deref(), &peer)?;
        rapport_sync::status::forget_refusal(store, &peer, &id.to_hex())?;
        self.changed();
        Ok(Discarded {
            customer: here.number,
            file: path.display().to_string(),
            changes: changes.len(),
            reset: theirs.is_some(),
        })
    }
}
