//! What the last syncs did, per relay or peer, kept in the store so `rapport sync status`,
//! the running node and `GET /v1/sync` all see the same thing.

use crate::SyncReport;
use rapport_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const KEY: &str = "sync.status";

/// One relay's or peer's sync history.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PeerStatus {
    /// When the last sync succeeded (node clock).
    pub last_success: Option<String>,
    /// What it did.
    pub last_report: Option<SyncReport>,
    /// When the last sync failed and why (cleared by the next success).
    pub last_error: Option<(String, String)>,
    /// Failures in a row (drives back-off).
    pub failures: u32,
    /// Documents the last successful sync did not exchange, and why: until each goes
    /// through (every sync tries again), this peer is not in step.
    #[serde(default)]
    pub refused: Vec<crate::Refusal>,
    /// When a sync last found the relay restored from a backup (it no longer held what this
    /// node saw there) and sent back what it lacked; kept, so the event stays visible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay_restored_at: Option<String>,
}

/// Status of every relay and peer this node synced with, keyed like sync state
/// (`relay:URL`, `peer:ENDPOINT`).
pub fn load(store: &Store) -> Result<BTreeMap<String, PeerStatus>, StoreError> {
    Ok(store.node_meta(KEY)?.and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default())
}

fn save(store: &Store, all: &BTreeMap<String, PeerStatus>) -> Result<(), StoreError> {
    store.set_node_meta(KEY, &serde_json::to_vec(all).unwrap_or_default())
}

/// Records a successful sync.
pub fn record_success(store: &Store, peer: &str, report: &SyncReport, at: &str) -> Result<(), StoreError> {
    let mut all = load(store)?;
    let s = all.entry(peer.to_string()).or_default();
    s.last_success = Some(at.to_string());
    s.last_report = Some(report.clone());
    s.last_error = None;
    s.failures = 0;
    s.refused = report.refused.clone();
    if report.relay_restored {
        s.relay_restored_at = Some(at.to_string());
    }
    save(store, &all)
}

/// Forgets the refusal of `customer` (hex id) by `peer`: its local changes were discarded.
pub fn forget_refusal(store: &Store, peer: &str, customer: &str) -> Result<(), StoreError> {
    let mut all = load(store)?;
    if let Some(s) = all.get_mut(peer) {
        s.refused.retain(|r| r.customer != customer);
    }
    save(store, &all)
}

/// Records a failed sync.
pub fn record_error(store: &Store, peer: &str, error: &str, at: &str) -> Result<u32, StoreError> {
    let mut all = load(store)?;
    let s = all.entry(peer.to_string()).or_default();
    s.last_error = Some((at.to_string(), error.to_string()));
    s.failures = s.failures.saturating_add(1);
    let n = s.failures;
    save(store, &all)?;
    Ok(n)
}

/// Customers written here that `peer` does not hold yet.
pub fn pending(store: &Store, peer: &str) -> Result<usize, StoreError> {
    unsent_after(store, peer, store.sync_cursor(peer, "pushed")?)
}

/// Customers written here after log position `cursor` whose heads `peer` does not hold:
/// what a push from there sends (before the write rules, which may hold some back).
pub(crate) fn unsent_after(store: &Store, peer: &str, cursor: u64) -> Result<usize, StoreError> {
    let (ids, _) = store.changed_since(cursor, usize::MAX)?;
    let mut n = 0;
    // One read transaction per chunk rather than two per customer.
    for chunk in ids.chunks(5000) {
        n += store.heads_with_peer(peer, chunk)?.iter().filter(|(ours, known)| ours != known).count();
    }
    Ok(n)
}

/// Status of every peer with its pending count, for display.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StatusLine {
    /// `relay:URL` or `peer:ENDPOINT`.
    pub peer: String,
    /// History.
    #[serde(flatten)]
    pub status: PeerStatus,
    /// Customers not yet sent.
    pub pending: usize,
    /// Whether this node and the peer hold the same book as far as this node knows: the
    /// last sync succeeded, nothing is pending and nothing is refused.
    pub in_step: bool,
    /// How far a sync with this relay or peer has got while one runs (documents and bytes
    /// both ways, time spent and an estimate of the time left); absent otherwise. Only a
    /// running node knows: [`lines`] leaves it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<crate::SyncProgress>,
}

impl StatusLine {
    /// The line of a relay or peer whose first sync is under way.
    pub fn starting(peer: String, progress: crate::SyncProgress) -> StatusLine {
        StatusLine { peer, status: PeerStatus::default(), pending: 0, in_step: false, progress: Some(progress) }
    }
}

/// Every peer's status line. A team settings document held here that does not pass the
/// checks (one adopted before nodes checked them) is listed as refused on every line: the
/// node works on the default rules until it is repaired, and is not in step with anyone.
pub fn lines(store: &Store) -> Result<Vec<StatusLine>, StoreError> {
    let unusable = match rapport_rules::TeamSettings::read(&mut store.settings_doc()?) {
        Ok(_) => None,
        Err(e) => Some(crate::Refusal {
            customer: crate::SETTINGS_NAME.into(),
            direction: crate::Direction::Received,
            reason: format!("held here but not used (the default rules and tier settings are): {e}"),
        }),
    };
    load(store)?
        .into_iter()
        .map(|(peer, mut status)| {
            status.refused.extend(unusable.clone());
            let pending = pending(store, &peer)?;
            let in_step = pending == 0
                && status.refused.is_empty()
                && status.last_error.is_none()
                && status.last_success.is_some();
            Ok(StatusLine { pending, peer, status, in_step, progress: None })
        })
        .collect()
}
