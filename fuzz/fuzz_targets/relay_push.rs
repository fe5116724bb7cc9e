//! A push to the relay (`TeamStore::push`) of the documents in a batch input (see `harness.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_fuzz::harness::RelayHarness;
use std::sync::OnceLock;

/// Template stores, made once per process; every input starts from a copy.
static H: OnceLock<RelayHarness> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let _ = H.get_or_init(RelayHarness::new).push(data);
});
