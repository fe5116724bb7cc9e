//! The node's store: every customer's Automerge document and its secondary indexes in
//! one redb file, always written together.
//!
//! A write loads the document, applies the edit as one Automerge change, appends the
//! change bytes, recomputes the customer's list row, search text, derived tags and index
//! keys, and commits all of it in one durable redb transaction. A crash therefore leaves
//! either the old state or the new one, never an index that points at a missing or
//! stale record; `doctor` proves it and `reindex` rebuilds from the documents.
//!
//! Which customers a list filter selects is decided here, once ([`Matcher`]): the indexes
//! only narrow the candidates, and every other reader of list rows asks the same matcher.
//!
//! What it must never do: link the rules engine (derived tags come through the
//! [`Deriver`] the node installs), talk to the network, or leave a write half-applied.

mod codec;
mod dedupe;
mod disk;
mod filter;
mod identity;
mod import;
mod index;
mod layout;
mod ops;
mod query;
mod remove;
mod replica;
mod restore;
mod tables;
mod view;
mod write;

pub use codec::DocCodec;
pub use dedupe::{CrowdedKey, DuplicatePair, Duplicates, CROWDED};
pub use disk::bytes_on_disk;
pub use filter::{Matcher, Probe};
pub use identity::Identity;
pub use import::{CustomerUpdate, MatchedBy, RowKeys};
pub use index::{
    date_key, days, index_keys, search_text, text_key, Derived, IndexKey, IndexKind, OpenItem, OpenItemKind, Summary,
    CADENCE_PREFIX, NEXT_ACTION_PREFIX,
};
pub use ops::{Actor, MergeOutcome};
pub use query::{agenda_of, search_matches, Agenda, AgendaItem, AgendaWhen, DoctorReport, Filter, ListRow, TableBytes};
pub use replica::{decode_heads, encode_heads, AdoptResult, Adopted, PreparedAdoption, Versions};
pub use restore::Recovered;
pub use view::{packing_sample, StoredView};
pub use write::Edit;

use rapport_doc::{CustomerDoc, DocError, SettingsDoc};
use rapport_model::{Customer, CustomerId, ValidationError};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use tables::*;

/// Anything that can go wrong in the store. Every variant says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Input failed validation; nothing was written.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// No customer with that number or id.
    #[error("no customer `{0}` in this book")]
    NotFound(String),
    /// The store file does not exist yet.
    #[error("no Rapport store at {0}; run `rapport init --name \"Your Name\"` first")]
    NotInitialized(PathBuf),
    /// `init` on an existing store.
    #[error("a Rapport store already exists at {0}")]
    AlreadyInitialized(PathBuf),
    /// The file is not a Rapport store (or is damaged); it was left untouched.
    #[error("{path} is not a readable Rapport store ({reason}); the file was left untouched")]
    NotAStore {
        /// The file.
        path: PathBuf,
        /// What redb said.
        reason: String,
    },
    /// The disk failed under the store (full, over quota, an I/O error): nothing was written.
    #[error("the store cannot be written now: {0}; free disk space, and writes go through again within a second")]
    Unwritable(String),
    /// Another process holds the store.
    #[error("the store at {0} is in use by another process (is `rapport serve` running?)")]
    Locked(PathBuf),
    /// The file could not be opened or created.
    #[error("cannot use {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A stored document is unreadable, or an item in it is missing.
    #[error(transparent)]
    Doc(#[from] DocError),
    /// The member's role does not allow this edit; nothing was written. The text names
    /// the rule (`your role (sales rep) cannot change deal amounts, ...`).
    #[error("{0}")]
    Forbidden(String),
    /// The database failed.
    #[error("storage error: {0}")]
    Db(String),
}

macro_rules! db_err {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self { StoreError::Db(e.to_string()) }
        }
    )*};
}
db_err!(
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError,
    postcard::Error
);

impl From<rapport_model::FieldError> for StoreError {
    fn from(e: rapport_model::FieldError) -> Self {
        StoreError::Invalid(e.into())
    }
}

/// Computes what rules derive from a customer (rule tags, tier, facts). The store calls
/// it inside every write transaction; the rules crate provides the real one.
pub trait Deriver: Send + Sync {
    /// Derived data for one customer.
    fn derive(&self, c: &Customer) -> Derived;
}

/// Decides whether a local edit may be made: the node installs the team's write rules
/// (`rapport-roles`, read against the roster and this node's member). The store asks it
/// inside every local write, with the customer before and after the edit, and writes
/// nothing when it refuses. Documents adopted from a relay or a peer are not local edits
/// and are not asked about (the relay, and a node answering a peer, check those).
pub trait Guard: Send + Sync {
    /// Whether the edit from `before` (`None`: a new customer) to `after` is allowed; the
    /// refusal names the rule.
    fn customer(&self, before: Option<&Customer>, after: &Customer) -> Result<(), String>;
    /// Whether the settings change from `before` to `after` is allowed.
    fn settings(&self, before: &SettingsDoc, after: &SettingsDoc) -> Result<(), String>;
}

/// Allows every edit: a store of a member without a team, or a team without roles.
pub struct Unguarded;

impl Guard for Unguarded {
    fn customer(&self, _: Option<&Customer>, _: &Customer) -> Result<(), String> {
        Ok(())
    }
    fn settings(&self, _: &SettingsDoc, _: &SettingsDoc) -> Result<(), String> {
        Ok(())
    }
}

/// Derives nothing: a store without rules.
pub struct NoRules;

impl Deriver for NoRules {
    fn derive(&self, _: &Customer) -> Derived {
        Derived::default()
    }
}

/// Customers written by one piece of work from which the store gives back the pages it
/// freed ([`Store::after_bulk`]).
pub const BULK: u64 = 1_000;

/// An open store.
pub struct Store {
    db: disk::Handle,
    path: PathBuf,
    /// Replaced only by `recover_device`.
    identity: RwLock<Arc<Identity>>,
    codec: DocCodec,
    deriver: RwLock<Arc<dyn Deriver>>,
    guard: RwLock<Arc<dyn Guard>>,
}

fn open_error(path: &Path, e: redb::DatabaseError) -> StoreError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Locked(path.to_path_buf()),
        redb::DatabaseError::Storage(redb::StorageError::Io(io)) if io.kind() == std::io::ErrorKind::WouldBlock => {
            StoreError::Locked(path.to_path_buf())
        }
        redb::DatabaseError::Storage(redb::StorageError::Io(io)) => {
            StoreError::Io { path: path.to_path_buf(), source: io }
        }
        other => StoreError::NotAStore { path: path.to_path_buf(), reason: other.to_string() },
    }
}

impl Store {
    /// Creates a new store with a fresh member identity, the default settings document and
    /// the dictionary documents are compressed with (empty: plain zstd).
    pub fn init(
        path: &Path,
        member_name: &str,
        settings: SettingsDoc,
        dictionary: Vec<u8>,
    ) -> Result<Store, StoreError> {
        if member_name.trim().is_empty() {
            return Err(rapport_model::FieldError::new("name", "the member name is required").into());
        }
        if path.exists() {
            // Say what is really there: a store, or a file that is not one.
            check_magic(path)?;
            return Err(StoreError::AlreadyInitialized(path.to_path_buf()));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        create_private_file(path)?;
        let db = match Database::create(path) {
            Ok(db) => db,
            Err(e) => {
                // Leave nothing behind that would make a retry say "already exists".
                let _ = std::fs::remove_file(path);
                return Err(open_error(path, e));
            }
        };
        let identity = Identity::generate(member_name.trim());
        let mut settings = settings;
        let txn = db.begin_write()?;
        {
            create_tables(&txn)?;
            let mut meta = txn.open_table(META)?;
            meta.insert(META_IDENTITY, serde_json::to_vec(&identity).unwrap_or_default().as_slice())?;
            meta.insert(META_FORMAT, FORMAT_VERSION.to_le_bytes().as_slice())?;
            meta.insert(META_DICT, dictionary.as_slice())?;
            layout::mark_current(&mut meta)?;
            let mut s = txn.open_table(SETTINGS)?;
            s.insert(SETTINGS_KEY, settings.save().as_slice())?;
        }
        txn.commit()?;
        let codec = DocCodec::new(dictionary);
        Ok(Store {
            db: disk::Handle::new(db, path.to_path_buf(), None),
            path: path.to_path_buf(),
            identity: RwLock::new(Arc::new(identity)),
            codec,
            deriver: RwLock::new(Arc::new(NoRules)),
            guard: RwLock::new(Arc::new(Unguarded)),
        })
    }

    /// Opens an existing store. A file that is not a Rapport store is refused and left
    /// as it was.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with_cache(path, None)
    }

    /// Opens an existing store with redb's page cache limited to `cache_bytes` (redb's
    /// default, 1 GiB, when `None`): a long-running node keeps its memory bounded.
    pub fn open_with_cache(path: &Path, cache_bytes: Option<usize>) -> Result<Store, StoreError> {
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NotInitialized(path.to_path_buf()))
            }
            Err(e) => return Err(StoreError::Io { path: path.to_path_buf(), source: e }),
            Ok(m) if m.is_dir() => {
                return Err(StoreError::NotAStore { path: path.to_path_buf(), reason: "it is a directory".into() })
            }
            Ok(_) => {}
        }
        // Refuse files that do not start with redb's magic number before redb touches them.
        check_magic(path)?;
        // Stores created before files were private are tightened now.
        make_private(path, PRIVATE_FILE)?;
        let db = match cache_bytes {
            Some(bytes) => Database::builder().set_cache_size(bytes).open(path),
            None => Database::open(path),
        }
        .map_err(|e| open_error(path, e))?;
        let txn = db.begin_read()?;
        let meta = txn
            .open_table(META)
            .map_err(|e| StoreError::NotAStore { path: path.to_path_buf(), reason: e.to_string() })?;
        let identity: Identity = match meta.get(META_IDENTITY)? {
            Some(v) => serde_json::from_slice::<Identity>(v.value())
                .map_err(|e| e.to_string())
                .and_then(|id| id.check().map(|()| id))
                .map_err(|e| StoreError::NotAStore { path: path.to_path_buf(), reason: format!("identity: {e}") })?,
            None => {
                return Err(StoreError::NotAStore { path: path.to_path_buf(), reason: "no member identity".into() })
            }
        };
        let codec = DocCodec::new(meta.get(META_DICT)?.map(|v| v.value().to_vec()).unwrap_or_default());
        drop(meta);
        drop(txn);
        // Rows an earlier version wrote are brought to this layout before anything reads one.
        layout::ensure_current(&db, &codec)?;
        Ok(Store {
            db: disk::Handle::new(db, path.to_path_buf(), cache_bytes),
            path: path.to_path_buf(),
            identity: RwLock::new(Arc::new(identity)),
            codec,
            deriver: RwLock::new(Arc::new(NoRules)),
            guard: RwLock::new(Arc::new(Unguarded)),
        })
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The member and device this node writes as.
    pub fn identity(&self) -> Arc<Identity> {
        match self.identity.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Writes as the member the team's relay says this node's token belongs to: its name
    /// (authors and owners are written with it) and its id. A different id (a node from
    /// before roles whose member the relay gave another id, or a store made before
    /// `rapport join`) means a new actor, so a new device id too: changes already written
    /// keep their old actor. Returns whether anything changed.
    pub fn take_member(&self, name: &str, member_id: &str) -> Result<bool, StoreError> {
        let old = self.identity();
        if old.member_name == name && old.member_id == member_id {
            return Ok(false);
        }
        let mut new = if old.member_id == member_id { (*old).clone() } else { old.with_new_device() };
        new.member_name = name.to_string();
        if new.member_id != member_id {
            new.member_id = member_id.to_string();
            new.previous_devices.clear();
            new.device_code = rapport_model::device_code(&new.actor_bytes());
        }
        new.check().map_err(|e| StoreError::Db(format!("the relay's member id: {e}")))?;
        let txn = self.db().begin_write()?;
        Store::store_identity(&txn, &new)?;
        txn.commit()?;
        self.use_identity(new);
        Ok(true)
    }

    /// Writes a new identity inside `txn`; [`Store::use_identity`] once it is committed.
    pub(crate) fn store_identity(txn: &redb::WriteTransaction, id: &Identity) -> Result<(), StoreError> {
        txn.open_table(META)?.insert(META_IDENTITY, serde_json::to_vec(id).unwrap_or_default().as_slice())?;
        Ok(())
    }

    /// Writes as `id` from now on (stored by [`Store::store_identity`] first).
    pub(crate) fn use_identity(&self, id: Identity) {
        match self.identity.write() {
            Ok(mut g) => *g = Arc::new(id),
            Err(p) => *p.into_inner() = Arc::new(id),
        }
    }

    /// Installs the rules that derive tags and tiers on every write.
    pub fn set_deriver(&self, d: Arc<dyn Deriver>) {
        if let Ok(mut g) = self.deriver.write() {
            *g = d;
        }
    }

    pub(crate) fn deriver(&self) -> Arc<dyn Deriver> {
        match self.deriver.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Installs the write rules every local edit is checked against.
    pub fn set_guard(&self, g: Arc<dyn Guard>) {
        match self.guard.write() {
            Ok(mut w) => *w = g,
            Err(p) => *p.into_inner() = g,
        }
    }

    /// Refuses a local edit of a customer the installed write rules do not allow.
    pub(crate) fn guarded(&self, before: Option<&Customer>, after: &Customer) -> Result<(), StoreError> {
        let g = match self.guard.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        g.customer(before, after).map_err(StoreError::Forbidden)
    }

    /// Applies `f` to the settings document as a local edit (as this node's member) and
    /// stores it, unless the installed write rules refuse the change or `check` refuses
    /// the result; nothing is written then.
    pub fn edit_settings(
        &self,
        f: impl FnOnce(&mut SettingsDoc) -> Result<(), StoreError>,
        check: impl FnOnce(&mut SettingsDoc) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let before = self.settings_doc()?;
        let mut doc = self.settings_doc()?;
        doc.set_actor(self.identity().actor());
        f(&mut doc)?;
        check(&mut doc)?;
        let g = match self.guard.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        g.settings(&before, &doc).map_err(StoreError::Forbidden)?;
        self.save_settings_doc(&mut doc)
    }

    /// Loads a customer's document.
    pub fn load_doc(&self, id: CustomerId) -> Result<CustomerDoc, StoreError> {
        let txn = self.db().begin_read()?;
        let docs = txn.open_table(DOCS)?;
        let chunks = txn.open_table(CHUNKS)?;
        write::load_doc(&self.codec, &txn.open_table(ROWS)?, &docs, &chunks, id)?
            .ok_or_else(|| StoreError::NotFound(id.to_hex()))
    }

    /// Reads a customer.
    pub fn get(&self, id: CustomerId) -> Result<Customer, StoreError> {
        Ok(self.load_doc(id)?.read()?)
    }

    /// Reads a customer's record and contacts, without its activity lists.
    pub fn get_record(&self, id: CustomerId) -> Result<Customer, StoreError> {
        Ok(self.load_doc(id)?.read_record()?)
    }

    /// Finds a customer by number (or merged-away alias) or internal id.
    pub fn resolve(&self, key: &str) -> Result<CustomerId, StoreError> {
        let key = key.trim();
        let txn = self.db().begin_read()?;
        let numbers = txn.open_table(NUMBERS)?;
        let ids = txn.open_table(IDS)?;
        for k in [key.to_string(), key.to_uppercase()] {
            if let Some(row) = numbers.get(k.as_str())?.map(|v| v.value()) {
                if let Some(id) = id_at(&ids, row)? {
                    return Ok(id);
                }
            }
        }
        if let Ok(id) = key.parse::<CustomerId>() {
            if row_of(&txn.open_table(ROWS)?, id)?.is_some() {
                return Ok(id);
            }
        }
        Err(StoreError::NotFound(key.to_string()))
    }

    /// The settings document (rules and tier settings).
    pub fn settings_doc(&self) -> Result<SettingsDoc, StoreError> {
        let txn = self.db().begin_read()?;
        let t = txn.open_table(SETTINGS)?;
        let bytes = t.get(SETTINGS_KEY)?.ok_or_else(|| StoreError::Db("settings document missing".into()))?;
        Ok(SettingsDoc::load(bytes.value())?)
    }

    /// Replaces the stored settings document.
    pub fn save_settings_doc(&self, doc: &mut SettingsDoc) -> Result<(), StoreError> {
        let txn = self.db().begin_write()?;
        {
            let mut t = txn.open_table(SETTINGS)?;
            t.insert(SETTINGS_KEY, doc.save().as_slice())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// The derived state last recorded by `update_derived` (empty if never).
    pub fn derived_state(&self) -> Result<String, StoreError> {
        let txn = self.db().begin_read()?;
        let meta = txn.open_table(META)?;
        let state =
            meta.get(META_DERIVED)?.map(|v| String::from_utf8_lossy(v.value()).into_owned()).unwrap_or_default();
        Ok(state)
    }

    /// Number of customers (archived included).
    pub fn count(&self) -> Result<u64, StoreError> {
        let txn = self.db().begin_read()?;
        Ok(txn.open_table(DOCS)?.len()?)
    }

    /// Gives the file's free pages back to the file system. redb writes copy-on-write: a
    /// transaction that rewrites much of the book (a first sync, a reindex, a large import)
    /// leaves the pages it replaced free inside the file, and a file once grown never
    /// shrinks on its own (a 10,000-customer book went from 36 MB to 72 MB at its first
    /// upload and to 144 MB after a reindex). Waits briefly for transactions under way;
    /// `Ok(false)` if the store stayed in use (nothing changed).
    pub fn compact(&self) -> Result<bool, StoreError> {
        self.db.compact()
    }

    /// After work that wrote `customers` customers: compacts when that is bulk work
    /// ([`BULK`] customers or more) and more than a twentieth of the file's bytes on disk are
    /// in no page. Smaller work leaves few free pages, which the next writes reuse, and one
    /// edit never pays for a compaction. What the work wrote is durable already: a
    /// compaction that cannot run (the store stayed in use, the disk failed) leaves the
    /// file as large as it was, and the next bulk work tries again.
    pub fn after_bulk(&self, customers: u64) {
        if customers < BULK {
            return;
        }
        // Only when a good part of the file is free: a download appends, and moving every
        // page of a 100,000-customer store to give back a few costs 2.7 s.
        if self.db.free_bytes().is_ok_and(|(free, on_disk)| free > on_disk / 20) {
            let _ = self.compact();
        }
    }

    pub(crate) fn codec(&self) -> &DocCodec {
        &self.codec
    }

    pub(crate) fn db(&self) -> disk::Db<'_> {
        self.db.db()
    }

    /// Why the store cannot be written now (the disk is full or failing), if it cannot.
    /// While it cannot, the database is reopened at most once a second on use, and writes
    /// go through again as soon as the disk takes them.
    pub fn unwritable(&self) -> Option<String> {
        self.db.unwritable()
    }
}

/// Owner read and write: the mode of the store file (it holds the book, the node's network
/// key and pairing invitations).
const PRIVATE_FILE: u32 = 0o600;
/// Owner only: the mode of a data directory.
const PRIVATE_DIR: u32 = 0o700;

/// Makes `path` owner-only (`mode`) if other users can read or enter it. A file owned by
/// another user (the system refuses to change its mode) is left to its owner. Unix only;
/// other systems keep their own access control.
#[cfg(unix)]
fn make_private(path: &Path, mode: u32) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let io = |e| StoreError::Io { path: path.to_path_buf(), source: e };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.permissions().mode() & 0o077 == 0 {
        return Ok(());
    }
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        Err(e) if e.kind() != std::io::ErrorKind::PermissionDenied => Err(io(e)),
        _ => Ok(()),
    }
}

#[cfg(not(unix))]
fn make_private(_: &Path, _: u32) -> Result<(), StoreError> {
    Ok(())
}

/// Makes a data directory owner-only (0700 on Unix) if other users can read or enter it:
/// it holds the store, the API token and the node's address file. Nothing happens when it
/// does not exist.
pub fn make_data_dir_private(dir: &Path) -> Result<(), StoreError> {
    if !dir.is_dir() {
        return Ok(());
    }
    make_private(dir, PRIVATE_DIR)
}

/// Creates the directory of a new store owner-only (missing parents get the usual mode).
/// An existing directory is left as it is: it may be any directory a caller chose; the
/// CLI tightens its data directory itself ([`make_data_dir_private`]).
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.exists() {
        return Ok(());
    }
    let io = |e| StoreError::Io { path: dir.to_path_buf(), source: e };
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, PRIVATE_DIR);
    match b.create(dir) {
        Ok(()) => Ok(()),
        // Created meanwhile by someone else: theirs to set.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io(e)),
    }
}

/// Creates the empty store file owner-only, so the book is never readable by others, not
/// even between creation and a later chmod.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, PRIVATE_FILE);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(StoreError::AlreadyInitialized(path.to_path_buf()))
        }
        Err(e) => Err(StoreError::Io { path: path.to_path_buf(), source: e }),
    }
}

fn check_magic(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    if path.is_dir() {
        return Err(StoreError::NotAStore { path: path.to_path_buf(), reason: "it is a directory".into() });
    }
    let mut f = std::fs::File::open(path).map_err(|e| StoreError::Io { path: path.to_path_buf(), source: e })?;
    let mut head = [0u8; 9];
    let n = f.read(&mut head).map_err(|e| StoreError::Io { path: path.to_path_buf(), source: e })?;
    if n < head.len() || &head != b"redb\x1A\x0A\xA9\x0D\x0A" {
        return Err(StoreError::NotAStore { path: path.to_path_buf(), reason: "not a redb database file".into() });
    }
    Ok(())
}

/// How often long store work (doctor, reindex) tells its progress observer: every this
/// many customers, and once at the end.
pub const PROGRESS_STEP: u64 = 1000;

/// `f` of every item, in order, the items shared out in equal parts between the cores
/// (at most 8 threads): what bulk work does outside its write transaction (Automerge,
/// reading, packing, deriving). `None` if a worker thread panicked.
pub(crate) fn on_every_core<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Option<Vec<R>> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
    let per = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> =
            items.chunks(per).map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<R>>())).collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            out.extend(h.join().ok()?);
        }
        Some(out)
    })
}

/// Tells `progress` about `done` of `total` when `done` is a multiple of [`PROGRESS_STEP`].
pub(crate) fn step(progress: &mut dyn FnMut(u64, u64), done: u64, total: u64) {
    if done.is_multiple_of(PROGRESS_STEP) {
        progress(done, total.max(done));
    }
}
