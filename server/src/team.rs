//! One team's documents on the relay: the latest merged copy of each document, its heads,
//! and a change log with one entry per document (its latest change), so "what changed
//! since cursor C" costs the number of changed documents, not the size of the book.

use crate::RelayError;
use automerge::{AutoCommit, ChangeHash};
use rapport_sync::{DocChanges, DocHeads, DocResult};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};
use std::path::Path;

/// Document id -> row. Rows are allocated in order, so the tables below keyed by row grow
/// by appending (full pages, sequential writes) instead of inserting at random places.
const ROWS: TableDefinition<u128, u64> = TableDefinition::new("rows");
/// Row -> zstd-compressed Automerge document.
const DOCS: TableDefinition<u64, &[u8]> = TableDefinition::new("docs_by_row");
/// Row -> document id (16 bytes) then its heads (32-byte hashes).
const HEADS: TableDefinition<u64, &[u8]> = TableDefinition::new("heads_by_row");
/// Log sequence -> row.
const LOG: TableDefinition<u64, u64> = TableDefinition::new("log_rows");
/// Row -> its current log sequence.
const LATEST: TableDefinition<u64, u64> = TableDefinition::new("latest_by_row");

/// The first layout, keyed by document id (random), migrated on open.
mod v1 {
    use redb::TableDefinition;
    pub const DOCS: TableDefinition<u128, &[u8]> = TableDefinition::new("docs");
    pub const HEADS: TableDefinition<u128, &[u8]> = TableDefinition::new("heads");
    pub const LOG: TableDefinition<u64, u128> = TableDefinition::new("log");
    pub const LATEST: TableDefinition<u128, u64> = TableDefinition::new("latest");
}

/// A team's document store.
pub struct TeamStore {
    db: Database,
}

/// The `HEADS` value: the document id, then its heads.
fn id_and_heads(id: u128, h: &[ChangeHash]) -> Vec<u8> {
    let mut v = Vec::with_capacity(16 + 32 * h.len());
    v.extend_from_slice(&id.to_be_bytes());
    v.extend(h.iter().flat_map(|c| c.0));
    v
}

fn heads_of(bytes: &[u8]) -> Vec<[u8; 32]> {
    bytes.chunks_exact(32).filter_map(|c| <[u8; 32]>::try_from(c).ok()).collect()
}

/// Splits a `HEADS` value into the document id and its heads.
fn split_heads(v: &[u8]) -> Option<([u8; 16], Vec<[u8; 32]>)> {
    let (id, heads) = v.split_at_checked(16)?;
    Some((<[u8; 16]>::try_from(id).ok()?, heads_of(heads)))
}

fn sorted_heads(doc: &mut AutoCommit) -> Vec<ChangeHash> {
    let mut h = doc.get_heads();
    h.sort();
    h
}

/// zstd contexts reused for every document a thread packs or unpacks (creating one per
/// document cost more than compressing a small document).
struct Zstd {
    c: Option<zstd::bulk::Compressor<'static>>,
    d: Option<zstd::bulk::Decompressor<'static>>,
}

impl Zstd {
    fn new() -> Zstd {
        Zstd { c: None, d: None }
    }

    fn unpack(&mut self, stored: &[u8]) -> Result<Vec<u8>, RelayError> {
        let bad = |e: std::io::Error| RelayError::Storage(format!("stored document unreadable: {e}"));
        let d = match &mut self.d {
            Some(d) => d,
            None => self.d.insert(zstd::bulk::Decompressor::new().map_err(bad)?),
        };
        let size = zstd::zstd_safe::get_frame_content_size(stored)
            .ok()
            .flatten()
            .map_or(rapport_sync::MAX_FRAME, |s| (s as usize).min(rapport_sync::MAX_FRAME));
        d.decompress(stored, size).map_err(bad)
    }

    fn pack(&mut self, doc: &[u8]) -> Result<Vec<u8>, RelayError> {
        let err = |e: std::io::Error| RelayError::Storage(e.to_string());
        let c = match &mut self.c {
            Some(c) => c,
            None => self.c.insert(zstd::bulk::Compressor::new(1).map_err(err)?),
        };
        c.compress(doc).map_err(err)
    }
}

/// A pushed document checked and merged, ready to write.
enum Prepared {
    Write { id: u128, stored: Vec<u8>, heads: Vec<ChangeHash> },
    Same { id: u128, heads: Vec<ChangeHash> },
    Refused { id: [u8; 16], reason: String },
}

impl TeamStore {
    /// Opens (or creates) a team's file.
    pub fn open(path: &Path) -> Result<TeamStore, RelayError> {
        let db = Database::create(path)?;
        let txn = db.begin_write()?;
        txn.open_table(ROWS)?;
        txn.open_table(DOCS)?;
        txn.open_table(HEADS)?;
        txn.open_table(LOG)?;
        txn.open_table(LATEST)?;
        Self::migrate_v1(&txn)?;
        txn.commit()?;
        Ok(TeamStore { db })
    }

    /// Moves a file of the first layout (tables keyed by document id) to rows, keeping
    /// log sequences, so members' cursors stay valid. Runs in the opening transaction.
    fn migrate_v1(txn: &redb::WriteTransaction) -> Result<(), RelayError> {
        let exists = |name: &str| -> Result<bool, RelayError> { Ok(txn.list_tables()?.any(|t| t.name() == name)) };
        if !exists(v1::DOCS.name())? {
            return Ok(());
        }
        {
            let old_docs = txn.open_table(v1::DOCS)?;
            let old_heads = txn.open_table(v1::HEADS)?;
            let old_log = txn.open_table(v1::LOG)?;
            let mut rows = txn.open_table(ROWS)?;
            let mut docs = txn.open_table(DOCS)?;
            let mut heads = txn.open_table(HEADS)?;
            let mut log = txn.open_table(LOG)?;
            let mut latest = txn.open_table(LATEST)?;
            let mut next_row = 0u64;
            for e in old_log.iter()? {
                let (seq, id) = e?;
                let (seq, id) = (seq.value(), id.value());
                let Some(doc) = old_docs.get(id)? else { continue };
                let h = old_heads.get(id)?.map(|v| v.value().to_vec()).unwrap_or_default();
                let mut value = id.to_be_bytes().to_vec();
                value.extend_from_slice(&h);
                rows.insert(id, next_row)?;
                docs.insert(next_row, doc.value())?;
                heads.insert(next_row, value.as_slice())?;
                log.insert(seq, next_row)?;
                latest.insert(next_row, seq)?;
                next_row += 1;
            }
        }
        txn.delete_table(v1::DOCS)?;
        txn.delete_table(v1::HEADS)?;
        txn.delete_table(v1::LOG)?;
        txn.delete_table(v1::LATEST)?;
        Ok(())
    }

    /// Number of documents held.
    pub fn len(&self) -> Result<u64, RelayError> {
        use redb::ReadableTableMetadata;
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(ROWS)?.len()?)
    }

    /// Whether the team holds no document yet.
    pub fn is_empty(&self) -> Result<bool, RelayError> {
        Ok(self.len()? == 0)
    }

    fn prepare(z: &mut Zstd, existing: Option<Vec<u8>>, d: &DocChanges) -> Prepared {
        let id = u128::from_be_bytes(d.id);
        let refuse = |reason: String| Prepared::Refused { id: d.id, reason };
        let mut doc = match existing {
            Some(stored) => {
                let bytes = match z.unpack(&stored) {
                    Ok(b) => b,
                    Err(e) => return refuse(e.to_string()),
                };
                let mut doc = match AutoCommit::load(&bytes) {
                    Ok(d) => d,
                    Err(e) => return refuse(format!("stored document unreadable: {e}")),
                };
                let before = sorted_heads(&mut doc);
                // Apply to a copy so bad bytes never leave a half-merged document.
                let mut trial = doc.fork();
                if let Err(e) = trial.load_incremental(&d.bytes) {
                    return refuse(format!("not Automerge changes: {e}"));
                }
                let after = sorted_heads(&mut trial);
                if after == before {
                    return Prepared::Same { id, heads: before };
                }
                trial
            }
            None => {
                let mut doc = match AutoCommit::load(&d.bytes) {
                    Ok(doc) => doc,
                    Err(e) => return refuse(format!("not an Automerge document: {e}")),
                };
                // A new document loaded whole from the bytes: store them as they came.
                let heads = sorted_heads(&mut doc);
                if heads.is_empty() {
                    return refuse("empty document".into());
                }
                return match z.pack(&d.bytes) {
                    Ok(stored) => Prepared::Write { id, stored, heads },
                    Err(e) => refuse(e.to_string()),
                };
            }
        };
        let heads = sorted_heads(&mut doc);
        if heads.is_empty() {
            return refuse("empty document".into());
        }
        match z.pack(&doc.save_nocompress()) {
            Ok(stored) => Prepared::Write { id, stored, heads },
            Err(e) => refuse(e.to_string()),
        }
    }

    /// Merges pushed documents (checked on every core) and records them in the log, in
    /// one durable transaction. One result per document, in order.
    ///
    /// Documents are read and merged before the write transaction starts, so pushes from
    /// several members run at once; inside the transaction each document's heads are
    /// compared with those it was merged against, and a document another push changed
    /// meanwhile is merged again with the current copy, so no push loses another's changes.
    pub fn push(&self, docs: &[DocChanges]) -> Result<Vec<DocResult>, RelayError> {
        type Base = (Option<Vec<u8>>, Option<Vec<u8>>);
        let existing: Vec<Base> = {
            let txn = self.db.begin_read()?;
            let rows = txn.open_table(ROWS)?;
            let t = txn.open_table(DOCS)?;
            let h = txn.open_table(HEADS)?;
            docs.iter()
                .map(|d| {
                    let Some(row) = rows.get(u128::from_be_bytes(d.id))?.map(|v| v.value()) else {
                        return Ok((None, None));
                    };
                    let doc = t.get(row)?.map(|v| v.value().to_vec());
                    let heads = h.get(row)?.map(|v| v.value().to_vec());
                    Ok::<_, redb::StorageError>((doc, heads))
                })
                .collect::<Result<_, _>>()?
        };
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
        let per = docs.len().div_ceil(threads).max(1);
        let mut work: Vec<(usize, Base)> = existing.into_iter().enumerate().collect();
        let mut prepared: Vec<(usize, Option<Vec<u8>>, Prepared)> = std::thread::scope(|s| {
            let handles: Vec<_> = work
                .chunks_mut(per)
                .map(|part| {
                    s.spawn(move || {
                        let mut z = Zstd::new();
                        part.iter_mut()
                            .map(|(i, (doc, heads))| (*i, heads.take(), Self::prepare(&mut z, doc.take(), &docs[*i])))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
        });
        if prepared.len() != docs.len() {
            return Err(RelayError::Storage("a worker thread failed while checking a push".into()));
        }
        prepared.sort_by_key(|(i, _, _)| *i);
        let txn = self.db.begin_write()?;
        let mut results = Vec::with_capacity(docs.len());
        {
            let mut t_rows = txn.open_table(ROWS)?;
            let mut t_docs = txn.open_table(DOCS)?;
            let mut t_heads = txn.open_table(HEADS)?;
            let mut t_log = txn.open_table(LOG)?;
            let mut t_latest = txn.open_table(LATEST)?;
            let mut next = match t_log.last()? {
                Some((k, _)) => k.value() + 1,
                None => 1,
            };
            let mut next_row = match t_docs.last()? {
                Some((k, _)) => k.value() + 1,
                None => 0,
            };
            let mut z = Zstd::new();
            for (i, base, mut p) in prepared {
                let id = u128::from_be_bytes(docs[i].id);
                let row = t_rows.get(id)?.map(|v| v.value());
                let now = match row {
                    Some(r) => t_heads.get(r)?.map(|v| v.value().to_vec()),
                    None => None,
                };
                if now != base {
                    // Another push changed this document after it was read: merge again.
                    let current = match row {
                        Some(r) => t_docs.get(r)?.map(|v| v.value().to_vec()),
                        None => None,
                    };
                    p = Self::prepare(&mut z, current, &docs[i]);
                }
                match p {
                    Prepared::Write { id, stored, heads } => {
                        let row = match row {
                            Some(r) => r,
                            None => {
                                t_rows.insert(id, next_row)?;
                                next_row += 1;
                                next_row - 1
                            }
                        };
                        t_docs.insert(row, stored.as_slice())?;
                        t_heads.insert(row, id_and_heads(id, &heads).as_slice())?;
                        let old = t_latest.get(row)?.map(|v| v.value());
                        if let Some(old) = old {
                            t_log.remove(old)?;
                        }
                        t_log.insert(next, row)?;
                        t_latest.insert(row, next)?;
                        next += 1;
                        results.push(DocResult::Stored(DocHeads {
                            id: id.to_be_bytes(),
                            heads: heads.iter().map(|h| h.0).collect(),
                        }));
                    }
                    Prepared::Same { id, heads } => results.push(DocResult::Stored(DocHeads {
                        id: id.to_be_bytes(),
                        heads: heads.iter().map(|h| h.0).collect(),
                    })),
                    Prepared::Refused { id, reason } => results.push(DocResult::Refused { id, reason }),
                }
            }
        }
        txn.commit()?;
        Ok(results)
    }

    /// Documents changed after `since`, with heads; the cursor to continue from, and
    /// whether more follow.
    pub fn changes(&self, since: u64, limit: u32) -> Result<(Vec<DocHeads>, u64, bool), RelayError> {
        let txn = self.db.begin_read()?;
        let log = txn.open_table(LOG)?;
        let heads = txn.open_table(HEADS)?;
        let mut out = Vec::new();
        let mut cursor = since;
        let mut more = false;
        for e in log.range(since.saturating_add(1)..)? {
            let (seq, row) = e?;
            if out.len() >= limit as usize {
                more = true;
                break;
            }
            cursor = seq.value();
            let entry = heads.get(row.value())?.and_then(|v| split_heads(v.value()));
            let Some((id, heads)) = entry else {
                return Err(RelayError::Storage(format!("log entry {cursor} names a missing document")));
            };
            out.push(DocHeads { id, heads });
        }
        Ok((out, cursor, more))
    }

    /// For each document, the changes after the heads the caller has (the whole document
    /// when it has none, or none we know).
    pub fn fetch(&self, wanted: &[DocHeads]) -> Result<Vec<DocChanges>, RelayError> {
        let txn = self.db.begin_read()?;
        let rows = txn.open_table(ROWS)?;
        let docs = txn.open_table(DOCS)?;
        let mut out = Vec::with_capacity(wanted.len());
        let mut z = Zstd::new();
        for w in wanted {
            let Some(row) = rows.get(u128::from_be_bytes(w.id))?.map(|v| v.value()) else { continue };
            let Some(stored) = docs.get(row)? else { continue };
            let bytes = z.unpack(stored.value())?;
            if w.heads.is_empty() {
                out.push(DocChanges { id: w.id, bytes });
                continue;
            }
            let mut doc = AutoCommit::load(&bytes).map_err(|e| RelayError::Storage(e.to_string()))?;
            let known: Vec<ChangeHash> =
                w.heads.iter().map(|h| ChangeHash(*h)).filter(|h| doc.get_change_by_hash(h).is_some()).collect();
            let b = if known.is_empty() { bytes } else { doc.save_after(&known) };
            out.push(DocChanges { id: w.id, bytes: b });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;

    fn doc(name: &str, id: u8) -> (u128, Vec<u8>, Vec<ChangeHash>) {
        let mut d = AutoCommit::new();
        let _ = d.put(automerge::ROOT, "name", name);
        let heads = sorted_heads(&mut d);
        (u128::from_be_bytes([id; 16]), d.save_nocompress(), heads)
    }

    #[test]
    fn a_first_layout_file_is_migrated_with_its_log() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("team.redb");
        let (a, b) = (doc("a", 1), doc("b", 2));
        {
            let db = Database::create(&path)?;
            let txn = db.begin_write()?;
            {
                let mut docs = txn.open_table(v1::DOCS)?;
                let mut heads = txn.open_table(v1::HEADS)?;
                let mut log = txn.open_table(v1::LOG)?;
                let mut latest = txn.open_table(v1::LATEST)?;
                for (seq, (id, bytes, h)) in [(5u64, &a), (7, &b)] {
                    docs.insert(*id, zstd::bulk::compress(bytes, 1)?.as_slice())?;
                    let hb: Vec<u8> = h.iter().flat_map(|c| c.0).collect();
                    heads.insert(*id, hb.as_slice())?;
                    log.insert(seq, *id)?;
                    latest.insert(*id, seq)?;
                }
            }
            txn.commit()?;
        }
        let store = TeamStore::open(&path)?;
        assert_eq!(store.len()?, 2);
        let (listed, cursor, more) = store.changes(0, 10)?;
        assert_eq!((cursor, more), (7, false));
        assert_eq!(listed.iter().map(|d| d.id).collect::<Vec<_>>(), vec![a.0.to_be_bytes(), b.0.to_be_bytes()]);
        assert_eq!(listed[1].heads, b.2.iter().map(|h| h.0).collect::<Vec<_>>());
        assert_eq!(store.changes(5, 10)?.0.len(), 1);
        let fetched = store.fetch(&[DocHeads { id: b.0.to_be_bytes(), heads: Vec::new() }])?;
        assert_eq!(fetched[0].bytes, b.1);
        // A new document after the migration gets the next row and the next sequence.
        let c = doc("c", 3);
        let r = store.push(&[DocChanges { id: c.0.to_be_bytes(), bytes: c.1 }])?;
        assert!(matches!(r[0], DocResult::Stored(_)));
        let (listed, cursor, _) = store.changes(7, 10)?;
        assert_eq!((listed.len(), cursor), (1, 8));
        drop(store);
        // Opening again does not migrate twice.
        assert_eq!(TeamStore::open(&path)?.len()?, 3);
        Ok(())
    }
}
