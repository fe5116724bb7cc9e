//! The member and device a node writes as.
//!
//! The Automerge actor id of every change is the member id (16 bytes) followed by the
//! device id (8 bytes): the same member on two laptops writes as two actors, and any
//! change can be attributed to its member by its first 16 bytes. A later issue binds the
//! member id to a signing key so peers can verify authorship.

use rapport_doc::ActorId;
use serde::{Deserialize, Serialize};

/// Who this node writes as.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Identity {
    /// Member name, as shown in history.
    pub member_name: String,
    /// Member id, 32 hex digits.
    pub member_id: String,
    /// Device id, 16 hex digits.
    pub device_id: String,
    /// Six-character code used in customer numbers minted here.
    pub device_code: String,
    /// Device ids this store wrote as before, oldest first: a store restored from a backup
    /// (or copied) takes a new device id, because its old one has written changes elsewhere
    /// that it does not hold (see `Store::recover_device`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_devices: Vec<String>,
}

/// Member ids are 16 bytes, device ids 8.
const MEMBER_ID_BYTES: usize = 16;
const DEVICE_ID_BYTES: usize = 8;

/// The bytes of an id written as `len` bytes of hex, or why it is not one.
fn id_bytes(field: &str, text: &str, len: usize) -> Result<Vec<u8>, String> {
    match hex::decode(text) {
        Ok(b) if b.len() == len => Ok(b),
        _ => Err(format!("{field} `{text}` is not {} hex digits", 2 * len)),
    }
}

fn id_or_hash(text: &str, len: usize) -> Vec<u8> {
    id_bytes("id", text, len).unwrap_or_else(|_| blake3::hash(text.as_bytes()).as_bytes()[..len].to_vec())
}

impl Identity {
    /// A new member on a new device.
    pub fn generate(member_name: &str) -> Identity {
        let member = rapport_model::CustomerId::random().to_hex();
        let device = rapport_model::ItemId::random().0;
        let mut id = Identity {
            member_name: member_name.to_string(),
            member_id: member,
            device_id: device,
            device_code: String::new(),
            previous_devices: Vec::new(),
        };
        id.device_code = rapport_model::device_code(&id.actor_bytes());
        id
    }

    /// The same member on a new device id (and so a new actor and device code), with the
    /// current one remembered.
    pub fn with_new_device(&self) -> Identity {
        let mut id = self.clone();
        id.previous_devices.push(std::mem::replace(&mut id.device_id, rapport_model::ItemId::random().0));
        id.device_code = rapport_model::device_code(&id.actor_bytes());
        id
    }

    /// Whether every id is well formed. A store checks its identity when it opens, so an
    /// actor is never built from a damaged one (a short actor would misattribute changes).
    pub fn check(&self) -> Result<(), String> {
        id_bytes("member_id", &self.member_id, MEMBER_ID_BYTES)?;
        id_bytes("device_id", &self.device_id, DEVICE_ID_BYTES)?;
        for d in &self.previous_devices {
            id_bytes("previous device id", d, DEVICE_ID_BYTES)?;
        }
        Ok(())
    }

    /// Actor bytes: member id then device id. An id that is not hex (which [`Identity::check`]
    /// refuses when the store opens) contributes its text's hash rather than nothing, so two
    /// damaged identities still never share an actor.
    pub fn actor_bytes(&self) -> Vec<u8> {
        let mut b = id_or_hash(&self.member_id, MEMBER_ID_BYTES);
        b.extend(id_or_hash(&self.device_id, DEVICE_ID_BYTES));
        b
    }

    /// The Automerge actor of this member on this device.
    pub fn actor(&self) -> ActorId {
        ActorId::from(self.actor_bytes())
    }
}
