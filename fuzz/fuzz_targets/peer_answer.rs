//! A frame from a paired peer, answered by a node (`rapport_sync::answer`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_fuzz::harness::NodeHarness;
use std::sync::OnceLock;

/// Template stores, made once per process; every input starts from a copy.
static H: OnceLock<NodeHarness> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let _ = H.get_or_init(NodeHarness::new).answer(data);
});
