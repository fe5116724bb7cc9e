//! The database handle, and what happens when the disk fails under it.
//!
//! After one failed write (a full disk, a quota, an I/O error) redb refuses every later
//! transaction ("Previous I/O error occurred. Please close and re-open the database") until
//! the database is opened again: a long-running node answered every write with 500 until it
//! was restarted, while its health said ok. Every transaction here goes through [`Db`]: a
//! failure of the disk marks the store unwritable (with the reason, which health reports),
//! and from then on, at most once a second, the next use reopens the database and proves a
//! write goes through before the store is writable again. Nothing committed is lost: redb
//! rolls back the transaction that failed, and the reopened file is the last committed state.

use crate::StoreError;
use redb::{Database, ReadTransaction, WriteTransaction};
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// How often an unwritable store tries to reopen.
const RETRY: Duration = Duration::from_secs(1);

/// The open database, reopened after the disk failed.
pub(crate) struct Handle {
    db: RwLock<Option<Arc<Database>>>,
    path: PathBuf,
    cache_bytes: Option<usize>,
    /// Why the store cannot be written, and when to try again.
    unwritable: Mutex<Option<(String, Instant)>>,
}

/// A use of the database: its transactions report a failing disk to the handle.
pub(crate) struct Db<'a> {
    handle: &'a Handle,
}

/// A write transaction whose commit reports a failing disk.
pub(crate) struct Write<'a> {
    txn: WriteTransaction,
    handle: &'a Handle,
}

impl Deref for Write<'_> {
    type Target = WriteTransaction;
    fn deref(&self) -> &WriteTransaction {
        &self.txn
    }
}

impl DerefMut for Write<'_> {
    fn deref_mut(&mut self) -> &mut WriteTransaction {
        &mut self.txn
    }
}

impl Write<'_> {
    /// Commits durably; a failing disk marks the store unwritable.
    pub(crate) fn commit(self) -> Result<(), StoreError> {
        let handle = self.handle;
        self.txn.commit().map_err(|e| handle.failed(commit_storage(e)))
    }

    /// Drops the transaction without writing.
    pub(crate) fn abort(self) -> Result<(), StoreError> {
        Ok(self.txn.abort()?)
    }
}

fn commit_storage(e: redb::CommitError) -> Result<redb::StorageError, StoreError> {
    match e {
        redb::CommitError::Storage(s) => Ok(s),
        other => Err(StoreError::Db(other.to_string())),
    }
}

fn transaction_storage(e: redb::TransactionError) -> Result<redb::StorageError, StoreError> {
    match e {
        redb::TransactionError::Storage(s) => Ok(s),
        other => Err(StoreError::Db(other.to_string())),
    }
}

/// Whether a storage error means the disk cannot take writes now.
fn disk_failure(e: &redb::StorageError) -> Option<String> {
    match e {
        redb::StorageError::PreviousIo => Some(rapport_disk::EARLIER_WRITE_FAILED.into()),
        redb::StorageError::Io(io) => Some(rapport_disk::write_failure(io)),
        _ => None,
    }
}

impl Handle {
    pub(crate) fn new(db: Database, path: PathBuf, cache_bytes: Option<usize>) -> Handle {
        Handle { db: RwLock::new(Some(Arc::new(db))), path, cache_bytes, unwritable: Mutex::new(None) }
    }

    pub(crate) fn db(&self) -> Db<'_> {
        Db { handle: self }
    }

    /// Why the store cannot be written now, if it cannot. When it is time to try again,
    /// reopens the database and makes a small durable write to prove the disk takes writes.
    pub(crate) fn unwritable(&self) -> Option<String> {
        self.heal();
        self.reason()
    }

    fn reason(&self) -> Option<String> {
        match self.unwritable.lock() {
            Ok(g) => g.as_ref().map(|(r, _)| r.clone()),
            Err(p) => p.into_inner().as_ref().map(|(r, _)| r.clone()),
        }
    }

    /// Records a failure; a failing disk becomes [`StoreError::Unwritable`].
    fn failed(&self, e: Result<redb::StorageError, StoreError>) -> StoreError {
        let storage = match e {
            Ok(s) => s,
            Err(other) => return other,
        };
        match disk_failure(&storage) {
            Some(reason) => {
                let mut g = match self.unwritable.lock() {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
                // Keep the first reason: "an earlier write failed" says less than "disk full".
                let reason = match g.take() {
                    Some((first, _)) if matches!(storage, redb::StorageError::PreviousIo) => first,
                    _ => reason,
                };
                *g = Some((reason.clone(), Instant::now() + RETRY));
                StoreError::Unwritable(reason)
            }
            None => storage.into(),
        }
    }

    /// Reopens the database if the store is unwritable and it is time to try.
    fn heal(&self) {
        let due = match self.unwritable.lock() {
            Ok(mut g) => match g.as_mut() {
                Some((_, next)) if Instant::now() >= *next => {
                    *next = Instant::now() + RETRY;
                    true
                }
                _ => false,
            },
            Err(_) => false,
        };
        if due && self.reopen().is_ok() && self.probe().is_ok() {
            if let Ok(mut g) = self.unwritable.lock() {
                *g = None;
            }
        }
    }

    /// Closes and opens the database. Transactions still running keep the old file open, so
    /// this can fail; it is tried again later.
    fn reopen(&self) -> Result<(), StoreError> {
        let mut slot = match self.db.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        drop(slot.take());
        let db = match self.cache_bytes {
            Some(bytes) => Database::builder().set_cache_size(bytes).open(&self.path),
            None => Database::open(&self.path),
        }
        .map_err(|e| StoreError::Db(format!("reopening the store: {e}")))?;
        *slot = Some(Arc::new(db));
        Ok(())
    }

    /// A small durable write: whether the disk takes writes again.
    fn probe(&self) -> Result<(), StoreError> {
        let txn = self.db().begin_write()?;
        txn.open_table(crate::tables::META)?.insert(crate::tables::META_PROBE, &[][..])?;
        txn.commit()
    }

    fn database(&self) -> Result<Arc<Database>, StoreError> {
        self.heal();
        let slot = match self.db.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        slot.clone()
            .ok_or_else(|| StoreError::Unwritable(self.reason().unwrap_or_else(|| "the store is reopening".into())))
    }

    /// Gives the file's free pages back: pages move to the start of the file and the file
    /// is truncated. Needs the database to itself, so it waits (up to [`COMPACT_WAIT`]) for
    /// the transactions under way to end; new ones wait for it meanwhile. `Ok(false)` when
    /// the database stayed in use all that time (nothing changed; the next bulk work tries
    /// again).
    pub(crate) fn compact(&self) -> Result<bool, StoreError> {
        let until = Instant::now() + COMPACT_WAIT;
        loop {
            {
                let mut slot = match self.db.write() {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
                if let Some(db) = slot.as_mut().and_then(Arc::get_mut) {
                    // Balanced is what redb 4's only compaction did: pages move to the start
                    // and the file is truncated, without packing pages (which would slow the
                    // inserts that follow).
                    match db.compact(redb::CompactionMode::Balanced) {
                        Ok(_) => return Ok(true),
                        Err(redb::CompactionError::TransactionInProgress) => {}
                        Err(e) => return Err(StoreError::Db(format!("compacting the store: {e}"))),
                    }
                }
            }
            if Instant::now() >= until {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Bytes the file takes on disk in no page (what a compaction would give back), and
    /// the bytes it takes on disk. Asks redb for the pages in use in a write transaction
    /// (about 0.3 s on a 100,000-customer store, against 2.7 s for a compaction that finds
    /// little to move). The file's length is not the measure: redb grows a file by
    /// doubling its length, and the part not written yet is a hole that takes no space.
    pub(crate) fn free_bytes(&self) -> Result<(u64, u64), StoreError> {
        let meta = std::fs::metadata(&self.path).map_err(|e| StoreError::Db(e.to_string()))?;
        let len = written_bytes(&meta).min(meta.len());
        let db = self.database()?;
        let txn = db.begin_write().map_err(|e| StoreError::Db(e.to_string()))?;
        let stats = txn.stats().map_err(|e| StoreError::Db(e.to_string()))?;
        let used = stats.allocated_pages().saturating_mul(stats.page_size() as u64);
        txn.abort().map_err(|e| StoreError::Db(e.to_string()))?;
        Ok((len.saturating_sub(used), len))
    }
}

/// Bytes a file takes on disk: its blocks written, not its length (redb grows a file by
/// doubling its length, and the part not written yet is a hole that takes no space). Its
/// length where the platform does not say.
pub fn bytes_on_disk(path: &std::path::Path) -> std::io::Result<u64> {
    std::fs::metadata(path).map(|m| written_bytes(&m))
}

fn written_bytes(meta: &std::fs::Metadata) -> u64 {
    #[cfg(unix)]
    return std::os::unix::fs::MetadataExt::blocks(meta).saturating_mul(512);
    #[cfg(not(unix))]
    return meta.len();
}

/// How long compaction waits for the transactions under way to end.
const COMPACT_WAIT: Duration = Duration::from_secs(2);

impl<'a> Db<'a> {
    pub(crate) fn begin_read(&self) -> Result<ReadTransaction, StoreError> {
        let db = self.handle.database()?;
        redb::ReadableDatabase::begin_read(&*db).map_err(|e| self.handle.failed(transaction_storage(e)))
    }

    pub(crate) fn begin_write(&self) -> Result<Write<'a>, StoreError> {
        let db = self.handle.database()?;
        let txn = db.begin_write().map_err(|e| self.handle.failed(transaction_storage(e)))?;
        Ok(Write { txn, handle: self.handle })
    }
}
