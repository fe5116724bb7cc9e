//! One-time sign-in codes for the browser: `rapport open` (through the API) and `rapport
//! serve` mint one, the web app trades it for a session. The API token itself never goes
//! into a URL; a code is good once, for [`SIGN_IN_CODE_LIFETIME`], and only its hash is kept.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a sign-in link works.
pub const SIGN_IN_CODE_LIFETIME: Duration = Duration::from_secs(300);

/// Most codes waiting at once; minting more drops the oldest (a loop that mints codes
/// cannot grow the node's memory).
const MAX_WAITING: usize = 64;

/// The codes minted and not yet used, by the hash of each.
#[derive(Default)]
pub struct SignInCodes {
    waiting: Mutex<HashMap<[u8; 32], Instant>>,
}

/// Why no code could be minted.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed ({0}); cannot make a sign-in link")]
pub struct NoRandomness(String);

fn hash(code: &str) -> [u8; 32] {
    *blake3::hash(code.as_bytes()).as_bytes()
}

impl SignInCodes {
    /// A fresh code: 32 random bytes as 64 hex digits.
    pub fn mint(&self) -> Result<String, NoRandomness> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| NoRandomness(e.to_string()))?;
        let code = hex::encode(b);
        let now = Instant::now();
        if let Ok(mut w) = self.waiting.lock() {
            w.retain(|_, minted| now.duration_since(*minted) < SIGN_IN_CODE_LIFETIME);
            if w.len() >= MAX_WAITING {
                if let Some(oldest) = w.iter().min_by_key(|(_, t)| **t).map(|(k, _)| *k) {
                    w.remove(&oldest);
                }
            }
            w.insert(hash(&code), now);
        }
        Ok(code)
    }

    /// Uses `code` up: true if it was minted here, unused and not expired. Looked up by
    /// its hash, so how long this takes says nothing about how close a guess was.
    pub fn redeem(&self, code: &str) -> bool {
        if code.len() != 64 {
            return false;
        }
        let Ok(mut w) = self.waiting.lock() else { return false };
        match w.remove(&hash(code)) {
            Some(minted) => minted.elapsed() < SIGN_IN_CODE_LIFETIME,
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_works_once_and_only_as_minted() {
        let codes = SignInCodes::default();
        let code = codes.mint().unwrap_or_default();
        assert_eq!(code.len(), 64);
        assert!(!codes.redeem(&code.to_uppercase()), "a code is taken exactly as minted");
        assert!(!codes.redeem(""));
        assert!(codes.redeem(&code));
        assert!(!codes.redeem(&code), "a code is good once");
    }

    #[test]
    fn minting_in_a_loop_keeps_a_bounded_number_of_codes() {
        let codes = SignInCodes::default();
        let first = codes.mint().unwrap_or_default();
        for _ in 0..MAX_WAITING {
            let _ = codes.mint();
        }
        assert!(codes.waiting.lock().map(|w| w.len()).unwrap_or(0) <= MAX_WAITING);
        assert!(!codes.redeem(&first), "the oldest code made room");
    }
}
