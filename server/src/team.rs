//! One team's documents on the relay: the latest merged copy of each document, its heads,
//! and a change log with one entry per document (its latest change), so "what changed
//! since cursor C" costs the number of changed documents, not the size of the book.

use crate::RelayError;
use automerge::{AutoCommit, ChangeHash};
use rapport_sync::{DocChanges, DocHeads, DocResult};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::Path;

/// Document id -> zstd-compressed Automerge document.
const DOCS: TableDefinition<u128, &[u8]> = TableDefinition::new("docs");
/// Document id -> heads (32-byte hashes).
const HEADS: TableDefinition<u128, &[u8]> = TableDefinition::new("heads");
/// Log sequence -> document id.
const LOG: TableDefinition<u64, u128> = TableDefinition::new("log");
/// Document id -> its current log sequence.
const LATEST: TableDefinition<u128, u64> = TableDefinition::new("latest");

/// A team's document store.
pub struct TeamStore {
    db: Database,
}

fn heads_bytes(h: &[ChangeHash]) -> Vec<u8> {
    h.iter().flat_map(|c| c.0).collect()
}

fn heads_of(bytes: &[u8]) -> Vec<[u8; 32]> {
    bytes.chunks_exact(32).filter_map(|c| <[u8; 32]>::try_from(c).ok()).collect()
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
        txn.open_table(DOCS)?;
        txn.open_table(HEADS)?;
        txn.open_table(LOG)?;
        txn.open_table(LATEST)?;
        txn.commit()?;
        Ok(TeamStore { db })
    }

    /// Number of documents held.
    pub fn len(&self) -> Result<u64, RelayError> {
        use redb::ReadableTableMetadata;
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(DOCS)?.len()?)
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
            let t = txn.open_table(DOCS)?;
            let h = txn.open_table(HEADS)?;
            docs.iter()
                .map(|d| {
                    let id = u128::from_be_bytes(d.id);
                    let doc = t.get(id)?.map(|v| v.value().to_vec());
                    let heads = h.get(id)?.map(|v| v.value().to_vec());
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
            let mut t_docs = txn.open_table(DOCS)?;
            let mut t_heads = txn.open_table(HEADS)?;
            let mut t_log = txn.open_table(LOG)?;
            let mut t_latest = txn.open_table(LATEST)?;
            let mut next = match t_log.last()? {
                Some((k, _)) => k.value() + 1,
                None => 1,
            };
            let mut z = Zstd::new();
            for (i, base, mut p) in prepared {
                let id = u128::from_be_bytes(docs[i].id);
                let now = t_heads.get(id)?.map(|v| v.value().to_vec());
                if now != base {
                    // Another push changed this document after it was read: merge again.
                    let current = t_docs.get(id)?.map(|v| v.value().to_vec());
                    p = Self::prepare(&mut z, current, &docs[i]);
                }
                match p {
                    Prepared::Write { id, stored, heads } => {
                        t_docs.insert(id, stored.as_slice())?;
                        t_heads.insert(id, heads_bytes(&heads).as_slice())?;
                        let old = t_latest.get(id)?.map(|v| v.value());
                        if let Some(old) = old {
                            t_log.remove(old)?;
                        }
                        t_log.insert(next, id)?;
                        t_latest.insert(id, next)?;
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
            let (seq, id) = e?;
            if out.len() >= limit as usize {
                more = true;
                break;
            }
            cursor = seq.value();
            let h = heads.get(id.value())?.map(|v| heads_of(v.value())).unwrap_or_default();
            out.push(DocHeads { id: id.value().to_be_bytes(), heads: h });
        }
        Ok((out, cursor, more))
    }

    /// For each document, the changes after the heads the caller has (the whole document
    /// when it has none, or none we know).
    pub fn fetch(&self, wanted: &[DocHeads]) -> Result<Vec<DocChanges>, RelayError> {
        let txn = self.db.begin_read()?;
        let docs = txn.open_table(DOCS)?;
        let mut out = Vec::with_capacity(wanted.len());
        let mut z = Zstd::new();
        for w in wanted {
            let Some(stored) = docs.get(u128::from_be_bytes(w.id))? else { continue };
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
