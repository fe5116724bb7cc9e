//! The node's one error type: what the runtime (sync, relay, peers, sample data) and the
//! client of a running node can fail with, on top of the store's own errors.

use rapport_store::StoreError;

/// Why a node operation failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The store failed or refused (bad input, not found, ...): the same error a local
    /// call returns.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The node will not do this on this store (e.g. sample data into a synced book).
    #[error("{0}")]
    Refused(String),
    /// The relay could not be used as configured; the message says what to change.
    #[error("{0}")]
    Relay(String),
    /// A sync with the relay or a peer failed (boxed: results stay small).
    #[error(transparent)]
    Sync(Box<rapport_sync::SyncError>),
    /// Pairing or peer-to-peer work failed (boxed: results stay small).
    #[error(transparent)]
    Peer(Box<rapport_p2p::PeerError>),
    /// The running node failed to do it (a sync or pairing that failed there).
    #[error("{0}")]
    Failed(String),
    /// The store is held by another process, but no running node answers for it.
    #[error("the store is in use by another process, but no running node was found ({0})")]
    NoNode(String),
    /// The running node could not be reached over its HTTP API.
    #[error("cannot reach the running node at {url}: {reason}; is `rapport serve` still running?")]
    Unreachable {
        /// The node's base URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The running node answered with something this client cannot read.
    #[error(
        "the running node at {url} sent an answer this command cannot read ({reason}); are both the same version?"
    )]
    BadAnswer {
        /// The node's base URL.
        url: String,
        /// What was wrong with it.
        reason: String,
    },
}

impl From<rapport_sync::SyncError> for NodeError {
    fn from(e: rapport_sync::SyncError) -> Self {
        match e {
            rapport_sync::SyncError::Store(s) => NodeError::Store(s),
            other => NodeError::Sync(Box::new(other)),
        }
    }
}

impl From<rapport_p2p::PeerError> for NodeError {
    fn from(e: rapport_p2p::PeerError) -> Self {
        match e {
            rapport_p2p::PeerError::Store(s) => NodeError::Store(s),
            other => NodeError::Peer(Box::new(other)),
        }
    }
}

impl NodeError {
    /// A bad-input error naming `field`: the store's validation error, so it reads and
    /// exits the same as any other refused value.
    pub fn input(field: &str, reason: impl Into<String>) -> NodeError {
        NodeError::Store(StoreError::Invalid(rapport_model::FieldError::new(field, reason.into()).into()))
    }

    /// Whether the user can fix this by changing the command or the store's setup (exit
    /// code 2), rather than a failure of the store, network or system (exit code 1).
    pub fn is_bad_input(&self) -> bool {
        match self {
            NodeError::Refused(_) | NodeError::Relay(_) => true,
            NodeError::Peer(p) => {
                matches!(**p, rapport_p2p::PeerError::Invitation(_) | rapport_p2p::PeerError::Ticket(_))
            }
            NodeError::Store(e) => store_error_is_bad_input(e),
            _ => false,
        }
    }
}

/// Store errors the user fixes by changing the command (exit code 2).
pub fn store_error_is_bad_input(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Invalid(_)
            | StoreError::Forbidden(_)
            | StoreError::NotFound(_)
            | StoreError::NotInitialized(_)
            | StoreError::AlreadyInitialized(_)
            | StoreError::Doc(rapport_doc::DocError::NoSuchItem { .. })
    )
}
