//! The fuzz harness as a library for the fuzz targets. The code is in `harness.rs`, which
//! the stable replay test (`tests/tests/fuzz_replay.rs`) also compiles, with `#[path]`.

pub mod harness;
