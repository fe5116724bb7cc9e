//! Customer records as Automerge documents.
//!
//! One document per customer holds the record, its contacts, follow-ups, service
//! records, orders, tasks, manual tags and custom fields (layout in
//! `docs/architecture.md`). Items live in maps keyed by random item ids, so two members
//! adding follow-ups offline both keep theirs; scalar fields are last-writer-wins with
//! the losing value kept and reported by [`CustomerDoc::conflicts`]; notes are
//! Automerge text and merge character by character. Every change carries its author,
//! time, a one-line description and, where the domain asks for one, the reason.

mod check;
mod read;
mod reauthor;
mod schema;
mod settings;
mod shape;
mod write;

pub use automerge::{ActorId, ChangeHash};
pub use read::Conflict;
pub use reauthor::Reauthored;
pub use settings::{AuditEntry, RuleRecord, SettingsDoc};
pub use shape::{authors, inspect, Limits, Shape, LIMITS};
pub use write::ChangeMeta;

use automerge::AutoCommit;
use serde::{Deserialize, Serialize};

/// Why a document could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// The bytes are not an Automerge document.
    #[error("not a valid customer document: {0}")]
    Corrupt(#[from] automerge::AutomergeError),
    /// A required field is missing or has the wrong type.
    #[error("customer document field `{field}`: {reason}")]
    Field {
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The document was written by a newer Rapport.
    #[error("customer document has schema {found}; this Rapport reads up to {supported}")]
    Schema {
        /// Version in the document.
        found: u64,
        /// Newest version understood.
        supported: u64,
    },
    /// The bytes are not Automerge's format (found before Automerge is asked to load them).
    #[error("not Automerge data: {0}")]
    Malformed(String),
    /// The document, or one change to it, is over a limit every node and relay enforces.
    #[error("{what}: {found} is over the limit of {limit} (see docs/sync.md, \"Limits\")")]
    OverLimit {
        /// What was counted, e.g. `operations in one change`.
        what: String,
        /// How many there are.
        found: u64,
        /// The limit.
        limit: u64,
    },
    /// A change after the one that created the document alters a field set once.
    #[error("`{field}` is set once, when the document is created; a later change alters it")]
    SetOnce {
        /// The field: `id`, `number` or `schema`.
        field: String,
    },
    /// The document is for another customer than the one it was sent as.
    #[error("the document is customer {found}, sent as customer {expected}")]
    WrongCustomer {
        /// The id it was sent under.
        expected: String,
        /// The id it holds.
        found: String,
    },
    /// A value is not one local input could have written.
    #[error("customer document: {0}")]
    Invalid(#[from] rapport_model::ValidationError),
    /// An item addressed by id is not there.
    #[error("{kind} `{id}` not found on this customer")]
    NoSuchItem {
        /// contact, task, ...
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
}

/// A customer's Automerge document.
pub struct CustomerDoc {
    doc: AutoCommit,
}

/// One entry of a customer's history.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Change hash (hex).
    pub hash: String,
    /// Automerge actor (hex): member and device.
    pub actor: String,
    /// Member name.
    pub author: String,
    /// When, local time of the author, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    /// What changed.
    pub what: String,
    /// Stated reason, if any.
    pub why: Option<String>,
}

impl CustomerDoc {
    /// Loads a saved document (full save followed by any incremental chunks).
    pub fn load(bytes: &[u8]) -> Result<CustomerDoc, DocError> {
        Ok(CustomerDoc { doc: AutoCommit::load(bytes)? })
    }

    /// Applies incremental changes saved after the base document.
    pub fn load_incremental(&mut self, bytes: &[u8]) -> Result<(), DocError> {
        self.doc.load_incremental(bytes)?;
        Ok(())
    }

    /// Sets the actor subsequent edits are made as.
    pub fn set_actor(&mut self, actor: ActorId) {
        self.doc.set_actor(actor);
    }

    /// The whole document, compressed.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The whole document without Automerge's per-column compression, for callers that
    /// compress the whole document themselves.
    pub fn save_plain(&mut self) -> Vec<u8> {
        self.doc.save_nocompress()
    }

    /// Changes made after `heads`, as Automerge change bytes.
    pub fn save_after(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    /// Changes made since the last `save` / `save_incremental`.
    pub fn save_incremental(&mut self) -> Vec<u8> {
        self.doc.save_incremental()
    }

    /// The document's heads, sorted.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        let mut h = self.doc.get_heads();
        h.sort();
        h
    }

    /// Merges another copy of the same customer into this one.
    pub fn merge(&mut self, other: &mut CustomerDoc) -> Result<(), DocError> {
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    /// A copy that can be edited independently (for offline-edit simulation and tests).
    pub fn fork(&mut self) -> CustomerDoc {
        CustomerDoc { doc: self.doc.fork() }
    }

    /// Direct access for the sync layer.
    pub fn automerge(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    /// Wraps an Automerge document (e.g. one received by sync).
    pub fn from_automerge(doc: AutoCommit) -> CustomerDoc {
        CustomerDoc { doc }
    }
}

/// A change a document holds: who wrote it (its actor's bytes: member id, then device id)
/// and its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authored {
    /// The actor's bytes.
    pub actor: Vec<u8>,
    /// The change's hash.
    pub hash: ChangeHash,
}

/// Every change `doc` holds that is not in the history of `since` (every change when
/// `since` is empty), with its author: what a receiver checks the authorship of.
pub fn changes_since(doc: &mut AutoCommit, since: &[ChangeHash]) -> Vec<Authored> {
    doc.get_changes(since)
        .into_iter()
        .map(|c| Authored { actor: c.actor_id().to_bytes().to_vec(), hash: c.hash() })
        .collect()
}

/// The changes of `doc` after `known` that a member may push to the relay: those written
/// as `member` (their actor begins with its id), or listed in `anyones` (the settings
/// document's genesis, which every node writes identically), whose dependencies the relay
/// holds or that go out with them, as concatenated change chunks. `None` when every change after `known`
/// is the member's (the caller sends what it would have sent anyway). Changes by others,
/// and the member's changes built on them, wait until their authors push theirs: a member
/// pushes only what they wrote (the relay refuses anything else).
pub fn own_changes_after(
    doc: &mut AutoCommit,
    known: &[ChangeHash],
    member: &[u8],
    anyones: &[ChangeHash],
) -> Option<(Vec<u8>, usize)> {
    let known: Vec<ChangeHash> = known.iter().copied().filter(|h| doc.get_change_by_hash(h).is_some()).collect();
    let after = doc.get_changes(&known);
    let mine = |c: &automerge::Change| c.actor_id().to_bytes().starts_with(member) || anyones.contains(&c.hash());
    if after.iter().all(|c| mine(c)) {
        return None;
    }
    let pending: std::collections::HashSet<ChangeHash> = after.iter().map(|c| c.hash()).collect();
    let mut sent: std::collections::HashSet<ChangeHash> = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut waiting = 0;
    // Changes come in causal order, so a dependency is decided before what needs it.
    for c in after {
        let ready = c.deps().iter().all(|d| !pending.contains(d) || sent.contains(d));
        match (mine(c), ready) {
            (true, true) => {
                sent.insert(c.hash());
                out.extend_from_slice(c.raw_bytes());
            }
            (true, false) => waiting += 1,
            (false, _) => {}
        }
    }
    Some((out, waiting))
}

/// Hex form of a heads list, joined by `.`: a short stable ETag-like string.
pub fn heads_string(heads: &[ChangeHash]) -> String {
    heads.iter().map(|h| h.to_string()).collect::<Vec<_>>().join(".")
}
