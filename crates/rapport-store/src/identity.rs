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

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len() / 2).filter_map(|i| s.get(2 * i..2 * i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
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

    /// Actor bytes: member id then device id.
    pub fn actor_bytes(&self) -> Vec<u8> {
        let mut b = hex_bytes(&self.member_id);
        b.extend(hex_bytes(&self.device_id));
        b
    }

    /// The Automerge actor of this member on this device.
    pub fn actor(&self) -> ActorId {
        ActorId::from(self.actor_bytes())
    }
}
