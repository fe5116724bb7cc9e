//! Sync between Rapport nodes and the team relay.
//!
//! Every node keeps a change log (the store's event table: one entry per customer write,
//! local or received). A sync session with a peer walks two cursors over logs instead of
//! comparing whole books: *push* sends, for each customer written since the last push,
//! the Automerge changes the peer does not have yet (computed from the heads the peer was
//! last known to hold); *pull* asks the peer for the customers written on its side since
//! our last pull, with their heads, and fetches only the changes after our own heads.
//! The cost of a sync therefore grows with the number of changed customers, not with the
//! size of the book, and a fresh node receives whole saved documents in bulk. Cursors and
//! known heads are recorded after each acknowledged batch, so an interrupted sync resumes
//! where it stopped. `docs/sync.md` specifies messages, framing and the state machine.
//!
//! The frames and messages themselves live in `rapport-wire` (re-exported here), which
//! the relay shares; this crate is the node's side and must never be linked by the relay,
//! nor change the wire format on its own.

mod answer;
mod progress;
mod session;
pub mod status;
mod team;

pub use answer::{answer, Answered};
pub use progress::{ProgressObserver, SyncProgress};
pub use session::{
    follow_notices, relay_key, sync_once, sync_once_with, Direction, HttpTransport, NoticeResume, Refusal, SyncReport,
    Transport, SETTINGS_ID, SETTINGS_NAME,
};
pub use team::{ask_roster, PeerRules, TeamView};
// The wire format lives in its own crate, shared with the relay; re-exported so a node's
// code names one sync crate.
pub use rapport_wire::{
    decode, encode, fits, DocChanges, DocHeads, DocResult, Message, WireError, MAX_FRAME, PROTOCOL_VERSION,
    RESPONSE_BUDGET,
};

/// Why a sync failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The peer could not be reached or the connection broke.
    #[error("cannot reach {peer}: {reason}")]
    Unreachable {
        /// Peer address.
        peer: String,
        /// What failed.
        reason: String,
    },
    /// The relay speaks TLS, but its certificate does not chain to a trusted authority.
    #[error(
        "{peer} presents a TLS certificate this computer does not trust ({reason}); if your organisation runs its own certificate authority, set SSL_CERT_FILE to its certificate (a PEM file) when you run rapport"
    )]
    Certificate {
        /// Peer address.
        peer: String,
        /// What the check found.
        reason: String,
    },
    /// The peer refused our credentials.
    #[error("the relay refused the token ({0}); ask the relay's operator for a new one")]
    Unauthorized(String),
    /// The relay says this node's member was removed from the team; the team's data was
    /// removed from this store.
    #[error("{0}")]
    Revoked(String),
    /// The peer sent something that is not a valid message.
    #[error("bad message from peer: {0}")]
    Wire(#[from] WireError),
    /// The peer answered with an error.
    #[error("peer error {code}: {detail}")]
    Peer {
        /// Stable code.
        code: String,
        /// Explanation.
        detail: String,
    },
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] rapport_store::StoreError),
}
