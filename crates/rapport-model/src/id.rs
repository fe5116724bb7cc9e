//! Stable internal identifiers, separate from the human-readable customer number.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A customer's permanent internal id: 16 random bytes, shown as 32 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CustomerId(pub [u8; 16]);

impl CustomerId {
    /// A fresh random id.
    pub fn random() -> Self {
        CustomerId(random_bytes())
    }
    /// The id as 32 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS random source failing is not something a CRM can recover from; fall back to
    // a time- and counter-derived hash so ids stay unique within this process.
    if getrandom::fill(&mut b).is_err() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut h = blake3::Hasher::new();
        h.update(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        h.update(&now.to_le_bytes());
        h.update(&std::process::id().to_le_bytes());
        let out = h.finalize();
        b.copy_from_slice(&out.as_bytes()[..N]);
    }
    b
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomerId({})", self.to_hex())
    }
}

impl FromStr for CustomerId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let mut out = [0u8; 16];
        hex::decode_to_slice(s, &mut out).map_err(|_| format!("`{s}` is not a customer id (32 hex digits)"))?;
        Ok(CustomerId(out))
    }
}

impl Serialize for CustomerId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for CustomerId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Id of an item inside a customer (contact, interaction, order, ...): 8 random bytes as
/// 16 hex digits. Items are keyed by id in maps, so two members adding items offline never
/// collide and both additions survive a merge.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemId(pub String);

impl ItemId {
    /// A fresh random item id.
    pub fn random() -> Self {
        ItemId(hex::encode(random_bytes::<8>()))
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let id = CustomerId::random();
        assert_eq!(id.to_hex().parse::<CustomerId>(), Ok(id));
        assert!("xyz".parse::<CustomerId>().is_err());
        assert!("g".repeat(32).parse::<CustomerId>().is_err());
        assert_ne!(CustomerId::random(), CustomerId::random());
    }
}
