//! Documents a node pulls (`Store::adopt_batch`, the settings pull path, `load_untrusted` + check), from a batch input (see `harness.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_fuzz::harness::NodeHarness;
use std::sync::OnceLock;

/// Template stores, made once per process; every input starts from a copy.
static H: OnceLock<NodeHarness> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let _ = H.get_or_init(NodeHarness::new).adopt(data);
});
