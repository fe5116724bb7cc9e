//! The Rapport team relay.
//!
//! A small server IT runs so that members who are never online at the same time still
//! exchange changes. Each team's documents live in their own redb file; members
//! authenticate with per-member bearer tokens that the relay stores only as BLAKE3 hashes
//! and that can be revoked at once. The relay treats documents as opaque Automerge
//! documents: it merges what members push, keeps a change log per team, and answers the
//! sync protocol (`docs/sync.md`), whose frames, messages and limits it shares with the
//! nodes through `rapport-wire`.
//!
//! What it must never do: link a node's store or sync session (`rapport-store`,
//! `rapport-sync`, `rapport-node`; `tests/links.rs` checks the dependency graph), keep a
//! document that fails the checks every node makes (`rapport-doc`, `rapport-rules`), or
//! hold a token in clear.
//!
//! The relay guards its own resources: the member-facing listener ([`listener`]) closes
//! connections whose headers, bodies or response reads stall, limits connections per
//! address and in total, checks the bearer token before it reads a body and keeps the
//! memory held by request bodies under a budget. Administration ([`control`]) works on a
//! stopped relay's files or through a running relay's own loopback admin listener.

pub mod admin;
pub mod control;
pub mod files;
pub mod http;
pub mod listener;
pub mod memory;
pub mod metrics;
pub mod serve;
pub mod team;

/// Anything that can go wrong in the relay.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// Storage failed.
    #[error("storage: {0}")]
    Storage(String),
    /// The request names something that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Bad administrative input.
    #[error("{0}")]
    Invalid(String),
    /// The data directory is held by a running relay.
    #[error("the relay data at {0} is in use by a running relay")]
    Locked(String),
    /// The running relay could not be reached or failed the administrative call.
    #[error("the running relay: {0}")]
    Remote(String),
    /// The relay's disk cannot take writes now (full, over quota, failing). Nothing half
    /// written is kept; the relay takes requests again once the disk does, without a restart.
    #[error("the relay's disk cannot take writes: {0}; free space on the relay's disk (the relay recovers by itself)")]
    Disk(String),
}

impl RelayError {
    /// Storage failed: a failing disk is [`RelayError::Disk`], anything else `Storage`.
    fn of_storage(e: redb::Error) -> RelayError {
        match e {
            redb::Error::PreviousIo => RelayError::Disk(rapport_disk::EARLIER_WRITE_FAILED.into()),
            redb::Error::Io(io) => RelayError::Disk(rapport_disk::write_failure(&io)),
            other => RelayError::Storage(other.to_string()),
        }
    }
}

macro_rules! storage_err {
    ($($t:ty),*) => {$(
        impl From<$t> for RelayError {
            fn from(e: $t) -> Self { RelayError::Storage(e.to_string()) }
        }
    )*};
}
storage_err!(std::io::Error);

// redb's errors, each classified: a failing disk is told apart from other storage errors.
macro_rules! redb_err {
    ($($t:ty),*) => {$(
        impl From<$t> for RelayError {
            fn from(e: $t) -> Self { RelayError::of_storage(e.into()) }
        }
    )*};
}
redb_err!(redb::Error, redb::TransactionError, redb::TableError, redb::StorageError, redb::CommitError);

impl From<redb::DatabaseError> for RelayError {
    fn from(e: redb::DatabaseError) -> Self {
        match e {
            redb::DatabaseError::DatabaseAlreadyOpen => RelayError::Locked("relay data".into()),
            other => RelayError::of_storage(other.into()),
        }
    }
}

/// A random token of 32 bytes as 64 hex digits.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    if getrandom::fill(&mut b).is_err() {
        // No OS randomness: derive from time and pid; tokens stay unique, not secret-grade.
        let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
        b = *blake3::hash(seed.as_bytes()).as_bytes();
    }
    hex::encode(b)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    *blake3::hash(token.trim().as_bytes()).as_bytes()
}
