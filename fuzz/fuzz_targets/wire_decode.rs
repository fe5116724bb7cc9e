//! Any bytes as a sync frame: `rapport_sync::decode`, and a re-encoding round trip when they decode.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rapport_fuzz::harness::wire_decode(data);
});
