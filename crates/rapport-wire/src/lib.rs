//! Rapport's sync wire format: the messages nodes and the relay exchange, their framing,
//! and the limits both sides enforce.
//!
//! This crate is shared by the node's sync sessions (`rapport-sync`), peer-to-peer sync
//! (`rapport-p2p`) and the relay (`rapport-relay`), so both ends of a connection read and
//! write frames with the same code. It must never depend on a store, a document library
//! or a network stack: the relay links it without linking a node's store, and a change
//! here is a change of protocol (bump [`PROTOCOL_VERSION`] for anything incompatible;
//! `docs/sync.md` specifies every message).
//!
//! A frame is a 4-byte big-endian length, then the payload: one version byte
//! ([`PROTOCOL_VERSION`]) followed by the postcard encoding of a [`Message`]. Frames larger
//! than [`MAX_FRAME`] are refused before they are read, an unknown version is refused
//! rather than guessed at, and a payload must decode completely (no trailing bytes).

#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

/// Id under which the team settings document (rules, tier settings) travels: all zeros,
/// never a customer id.
pub const SETTINGS_ID: [u8; 16] = [0; 16];

/// Version of the message format; bumped on any incompatible change (2: the roster,
/// documents gone from a member's read scope, the `revoked` refusal).
pub const PROTOCOL_VERSION: u8 = 2;
/// Largest frame accepted, in bytes (payload included).
pub const MAX_FRAME: usize = 32 << 20;

/// Bytes of documents one response carries at most: a frame's worth, less room for the
/// message around them. A peer that has more to send sends the rest when asked again, so
/// no response is refused for its size however large the documents asked for are.
pub const RESPONSE_BUDGET: usize = MAX_FRAME - (1 << 20);

/// Whether one more document of `len` bytes fits a response that already carries `used`
/// bytes. The first document always fits: one within the document limits is far smaller
/// than a frame.
pub fn fits(used: usize, len: usize) -> bool {
    used == 0 || used.saturating_add(len).saturating_add(64) <= RESPONSE_BUDGET
}

/// A document's id and heads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocHeads {
    /// Customer id (all zeros: the team settings document).
    pub id: [u8; 16],
    /// Change hashes.
    pub heads: Vec<[u8; 32]>,
}

/// A position in a relay's team log: the era it was written in and its sequence number.
/// An era begins with the first write after the relay opens the team's file, so a file
/// restored from a backup (or a snapshot rolled back) lacks the eras, or the tail of the
/// era, that came after the copy, and a node can tell whether the relay still holds what
/// it once saw there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogMark {
    /// The era's random id (all zeros: before the relay kept eras).
    pub era: [u8; 16],
    /// The log position.
    pub seq: u64,
}

/// Automerge bytes for a document: a whole saved document or changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocChanges {
    /// Customer id.
    pub id: [u8; 16],
    /// Automerge bytes.
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

/// Outcome of one pushed document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocResult {
    /// Stored; the peer's heads now.
    Stored(DocHeads),
    /// Refused, with the reason; nothing was stored for it.
    Refused {
        /// Customer id.
        id: [u8; 16],
        /// Why.
        reason: String,
    },
}

/// A member as the roster sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterMember {
    /// Member id (absent for a member from before roles whose node has not synced since).
    pub id: Option<[u8; 16]>,
    /// Name.
    pub name: String,
    /// Role: `sales_rep`, `customer_service`, `manager` or `admin`.
    pub role: String,
    /// Groups.
    pub groups: Vec<String>,
    /// False once revoked.
    pub active: bool,
}

/// A sync request or response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// Request: apply these changes.
    Push {
        /// Documents and their changes.
        docs: Vec<DocChanges>,
    },
    /// Response to `Push`, one result per document in order.
    Pushed {
        /// Results.
        results: Vec<DocResult>,
    },
    /// Request: which documents changed after `since` in your log.
    Changes {
        /// Cursor from the last `Changed`.
        since: u64,
        /// At most this many documents.
        limit: u32,
    },
    /// Response: documents changed, with their heads, and the cursor to continue from.
    Changed {
        /// Changed documents.
        docs: Vec<DocHeads>,
        /// Documents that changed and that the member may no longer read (reassigned
        /// away): the node removes them.
        gone: Vec<[u8; 16]>,
        /// Cursor after these.
        cursor: u64,
        /// More changes follow.
        more: bool,
    },
    /// Request: send each document's changes after the given heads (empty: whole document).
    Fetch {
        /// What we have.
        docs: Vec<DocHeads>,
    },
    /// Response to `Fetch`.
    Docs {
        /// Changes per document; documents the peer does not have are left out.
        docs: Vec<DocChanges>,
    },
    /// First request on a peer-to-peer connection: a pairing secret from a ticket (absent
    /// once paired) and the addresses this node can be dialled at.
    Hello {
        /// Pairing secret from `rapport peer invite`, for the first connection.
        pairing: Option<[u8; 32]>,
        /// Addresses the sender listens on.
        addrs: Vec<String>,
        /// The sender's member name, for the peer list.
        name: String,
    },
    /// Response to `Hello`: accepted.
    Welcome,
    /// Request: the team's roster and who the caller is. `member` is the member id the
    /// node writes as (absent on a node that has none yet: `rapport join`), `device` its
    /// device id; the relay records the device and, for a member from before roles, binds
    /// the id.
    Roster {
        /// The member id the node writes as.
        member: Option<[u8; 16]>,
        /// The node's device id.
        device: [u8; 8],
    },
    /// Response to `Roster`.
    Team {
        /// Team name.
        team: String,
        /// The caller, as the roster has them (its id is the one to write as).
        you: RosterMember,
        /// Every member, revoked ones included, by name.
        members: Vec<RosterMember>,
    },
    /// Response: the request was refused.
    Error {
        /// Stable code, e.g. `bad_request`, `unauthorized`, `too_large`.
        code: String,
        /// Explanation.
        detail: String,
    },
    /// Request (a relay only): where the team's log stands now, and whether the relay still
    /// holds the position `seen` (the one this node recorded at the end of its last sync).
    /// Appended after the other messages, so the version stays: a relay from before it
    /// answers `bad_request`, and the node goes on without the check.
    Mark {
        /// The position this node last recorded, if any.
        seen: Option<LogMark>,
    },
    /// Response to `Mark`.
    Marked {
        /// Where the log stands now.
        now: LogMark,
        /// False when the relay no longer holds `seen`: it was restored from a copy older
        /// than that position, and lost what it took after the copy.
        held: bool,
    },
}

/// A frame that could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    /// Fewer bytes than the header says.
    #[error("truncated frame: header says {expected} bytes, got {got}")]
    Truncated {
        /// Bytes announced.
        expected: usize,
        /// Bytes present.
        got: usize,
    },
    /// Larger than [`MAX_FRAME`].
    #[error("frame of {0} bytes is over the {MAX_FRAME}-byte limit")]
    TooLarge(usize),
    /// Unknown protocol version.
    #[error("protocol version {0} is not supported (this node speaks {PROTOCOL_VERSION})")]
    Version(u8),
    /// The payload is not a message.
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// Encodes a message as one frame.
pub fn encode(m: &Message) -> Vec<u8> {
    let body = postcard::to_allocvec(m).unwrap_or_default();
    let mut out = Vec::with_capacity(body.len() + 5);
    out.extend_from_slice(&((body.len() + 1) as u32).to_be_bytes());
    out.push(PROTOCOL_VERSION);
    out.extend_from_slice(&body);
    out
}

/// Length of the frame starting at `bytes`, once its 4-byte header is there.
pub fn frame_len(bytes: &[u8]) -> Result<Option<usize>, WireError> {
    let Some(h) = bytes.get(..4) else { return Ok(None) };
    let n = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
    if n > MAX_FRAME {
        return Err(WireError::TooLarge(n));
    }
    Ok(Some(n + 4))
}

/// Decodes exactly one frame.
pub fn decode(bytes: &[u8]) -> Result<Message, WireError> {
    let total = frame_len(bytes)?.ok_or(WireError::Truncated { expected: 4, got: bytes.len() })?;
    if bytes.len() < total {
        return Err(WireError::Truncated { expected: total, got: bytes.len() });
    }
    if bytes.len() > total {
        return Err(WireError::Malformed(format!("{} bytes after the frame", bytes.len() - total)));
    }
    let payload = &bytes[4..total];
    let (&version, body) = payload.split_first().ok_or_else(|| WireError::Malformed("empty payload".into()))?;
    if version != PROTOCOL_VERSION {
        return Err(WireError::Version(version));
    }
    let (m, rest) = postcard::take_from_bytes::<Message>(body).map_err(|e| WireError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(WireError::Malformed(format!("{} bytes after the message", rest.len())));
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trips_and_refuses_bad_frames() {
        let m = Message::Changed {
            docs: vec![DocHeads { id: [1; 16], heads: vec![[2; 32]] }],
            gone: vec![[3; 16]],
            cursor: 9,
            more: true,
        };
        let f = encode(&m);
        assert_eq!(decode(&f), Ok(m));
        assert!(matches!(decode(&f[..f.len() - 1]), Err(WireError::Truncated { .. })));
        let mut v = f.clone();
        v[4] = 9;
        assert_eq!(decode(&v), Err(WireError::Version(9)));
        let mut big = vec![0xff, 0xff, 0xff, 0xff];
        big.push(1);
        assert!(matches!(decode(&big), Err(WireError::TooLarge(_))));
        let mut extra = f.clone();
        extra.push(0);
        assert!(matches!(decode(&extra), Err(WireError::Malformed(_))));
    }

    /// Document bytes are written as one byte string: the same bytes as the sequence of u8
    /// nodes before wrote, so old and new nodes read each other.
    #[test]
    fn document_bytes_keep_the_encoding_of_a_sequence_of_bytes() {
        #[derive(Serialize)]
        struct Before {
            id: [u8; 16],
            bytes: Vec<u8>,
        }
        let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let now = postcard::to_allocvec(&DocChanges { id: [3; 16], bytes: bytes.clone() }).unwrap_or_default();
        let before = postcard::to_allocvec(&Before { id: [3; 16], bytes: bytes.clone() }).unwrap_or_default();
        assert_eq!(now, before);
        assert_eq!(postcard::from_bytes::<DocChanges>(&before).ok(), Some(DocChanges { id: [3; 16], bytes }));
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode(&bytes);
        }
    }
}
