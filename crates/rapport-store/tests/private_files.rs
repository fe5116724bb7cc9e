//! Files are private: a new store is created owner-only (0600) in a directory created
//! owner-only (0700), and a store created before that (0644) is tightened when opened. The
//! store holds the book, the node's network key and its pairing invitations.
#![cfg(unix)]

use rapport_doc::SettingsDoc;
use rapport_store::{make_data_dir_private, Store, StoreError};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

fn chmod(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
}

fn settings() -> SettingsDoc {
    SettingsDoc::genesis(&[], &Default::default()).expect("settings")
}

fn init(path: &Path) -> Store {
    Store::init(path, "Li Wei", settings(), Vec::new()).expect("init")
}

#[test]
fn a_new_store_and_the_directory_made_for_it_are_owner_only() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("home").join("rapport");
    let path = dir.join("book.redb");
    let store = init(&path);
    assert_eq!(mode(&path), 0o600, "store file");
    assert_eq!(mode(&dir), 0o700, "data directory");
    drop(store);
    assert_eq!(mode(&path), 0o600, "still after closing");
}

#[test]
fn a_store_created_before_is_tightened_when_opened() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("book.redb");
    drop(init(&path));
    // As earlier versions left it.
    chmod(&path, 0o644);
    let store = Store::open(&path).expect("open");
    assert_eq!(mode(&path), 0o600);
    drop(store);
    // Group-writable, world-readable variants too.
    for m in [0o664, 0o604, 0o640, 0o666] {
        chmod(&path, m);
        drop(Store::open(&path).expect("open"));
        assert_eq!(mode(&path), 0o600, "from {m:o}");
    }
}

#[test]
fn a_data_directory_created_before_is_tightened_and_a_missing_one_is_left_alone() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("rapport");
    make_data_dir_private(&dir).expect("nothing to do");
    assert!(!dir.exists(), "not created as a side effect");
    std::fs::create_dir(&dir).expect("mkdir");
    chmod(&dir, 0o755);
    drop(init(&dir.join("book.redb")));
    assert_eq!(mode(&dir), 0o755, "Store::init leaves a directory it did not create to its caller");
    make_data_dir_private(&dir).expect("tighten");
    assert_eq!(mode(&dir), 0o700);
}

#[test]
fn a_failed_init_leaves_no_file_behind_and_an_existing_one_is_untouched() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("book.redb");
    std::fs::write(&path, b"not a store").expect("write");
    chmod(&path, 0o644);
    let e = Store::init(&path, "Li Wei", settings(), Vec::new()).err().expect("refused");
    assert!(matches!(e, StoreError::NotAStore { .. }), "{e}");
    assert_eq!(std::fs::read(&path).expect("read"), b"not a store");
    assert_eq!(mode(&path), 0o644, "a file that is not ours is left as it was");
}
