//! Customer numbers that nodes mint offline without ever colliding.
//!
//! A number reads `MFG-2026-K3Q7MX-007`: industry prefix, year of creation, the minting
//! device's code, and that device's sequence. The device code is six Crockford base-32
//! characters (30 bits) of the BLAKE3 hash of the device's Automerge actor id, and the
//! sequence is a counter kept in the device's store, incremented in the same transaction
//! that stores the customer and never decremented, so a number is never reused (archived
//! customers keep theirs). Two devices can only mint the same number if their device codes
//! collide; the store refuses to adopt a document whose number is already held by another
//! customer and reports it, see `docs/architecture.md`.

use std::fmt;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The six-character code of a device, derived from its actor id.
pub fn device_code(actor: &[u8]) -> String {
    let h = blake3::hash(actor);
    let b = h.as_bytes();
    let mut v = u64::from_be_bytes([0, 0, 0, b[0], b[1], b[2], b[3], b[4]]);
    let mut out = [0u8; 6];
    for slot in out.iter_mut().rev() {
        *slot = CROCKFORD[(v & 31) as usize];
        v >>= 5;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A customer number's parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerNumber {
    /// Industry prefix, e.g. `MFG`.
    pub prefix: String,
    /// Year the customer was created.
    pub year: i32,
    /// The minting device's code.
    pub device: String,
    /// The device's sequence number, from 1.
    pub seq: u64,
}

impl fmt::Display for CustomerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}-{:03}", self.prefix, self.year, self.device, self.seq)
    }
}

impl CustomerNumber {
    /// Reads a number back into its parts; `None` for text not in this form (numbers
    /// carried in from a spreadsheet keep whatever form they had).
    pub fn parse(text: &str) -> Option<CustomerNumber> {
        let mut parts = text.rsplitn(4, '-');
        let seq = parts.next()?;
        let device = parts.next()?;
        let year = parts.next()?;
        let prefix = parts.next()?;
        if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) || device.len() != 6 || prefix.is_empty() {
            return None;
        }
        Some(CustomerNumber {
            prefix: prefix.to_string(),
            year: year.parse().ok()?,
            device: device.to_string(),
            seq: seq.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_differs_per_device() {
        let a = device_code(b"device-a");
        let b = device_code(b"device-b");
        assert_eq!(a.len(), 6);
        assert_ne!(a, b);
        let n = CustomerNumber { prefix: "MFG".into(), year: 2026, device: a.clone(), seq: 7 };
        assert_eq!(n.to_string(), format!("MFG-2026-{a}-007"));
        assert_eq!(CustomerNumber::parse(&n.to_string()), Some(n));
        for other in ["", "MFG-2026-ABC-001", "MFG-2026-ABCDEF-x", "2026-ABCDEF-001", "客户001"] {
            assert_eq!(CustomerNumber::parse(other), None, "{other}");
        }
    }
}
