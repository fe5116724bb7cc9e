//! What a failed write to the disk means, said so that whoever reads it can act.
//!
//! A node's store and the relay both keep going after their disk fills up: they refuse
//! writes with the reason, drop the database handle whose write failed, and take writes
//! again once space is freed. Which failures are the disk's (full, over quota, failing)
//! and how they are worded is decided here, once, because the relay must not link a
//! node's store (`server/tests/links.rs`).
//!
//! This crate must never depend on a storage engine or on anything else of Rapport: it
//! reads only the operating system's error, so either side can call it.

/// The storage engine refuses every write after one failed, until the file is opened
/// again; this is what that refusal means.
pub const EARLIER_WRITE_FAILED: &str = "an earlier write to the disk failed";

/// `ENOSPC` on Linux and the BSDs.
const NO_SPACE: i32 = 28;
/// `EDQUOT` on Linux.
const OVER_QUOTA: i32 = 122;

/// Why a write to the disk failed, for a member or IT to read: a full disk and an
/// exceeded quota are named, anything else is given as the system said it.
pub fn write_failure(io: &std::io::Error) -> String {
    match io.raw_os_error() {
        Some(NO_SPACE) => "the disk is full (no space left on device)".into(),
        Some(OVER_QUOTA) => "the disk quota is exceeded".into(),
        _ => format!("writing to the disk failed: {io}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_and_an_exceeded_quota_are_named() {
        assert_eq!(write_failure(&std::io::Error::from_raw_os_error(28)), "the disk is full (no space left on device)");
        assert_eq!(write_failure(&std::io::Error::from_raw_os_error(122)), "the disk quota is exceeded");
    }

    #[test]
    fn any_other_failure_is_given_as_the_system_said_it() {
        let eio = std::io::Error::from_raw_os_error(5);
        let said = write_failure(&eio);
        assert!(said.starts_with("writing to the disk failed: "), "{said}");
        assert!(said.contains(&eio.to_string()), "{said}");
    }
}
