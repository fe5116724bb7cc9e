//! One team's documents on the relay: the latest merged copy of each document, its heads,
//! and a change log with one entry per document (its latest change), so "what changed
//! since cursor C" costs the number of changed documents, not the size of the book.

use crate::RelayError;
use automerge::{AutoCommit, ChangeHash};
use rapport_doc::{changes_since, ChangeMeta, CustomerDoc, DocError, SettingsDoc};
use rapport_model::{member_key, Customer, CustomerId, CustomerPatch};
use rapport_roles::{
    check_authorship, check_customer, check_settings, matrix, may_read, Action, Member, Roster, Scope, SettingsView,
};
use rapport_rules::TeamSettings;
use rapport_wire::{DocChanges, DocHeads, DocResult, LogMark};
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
/// Customer number -> the document that holds it: a new document claiming a number held by
/// another is refused, as every node would refuse it (two customers, one number).
const NUMBERS: TableDefinition<&str, u128> = TableDefinition::new("numbers");

/// Row -> the customer's owners (JSON list of names): the current one first, then earlier
/// ones, most recent first (at most [`MAX_PAST_OWNERS`]). Read scope is decided on the
/// current owner; a member who could read a customer under an earlier owner is told it is
/// gone when it changes.
const OWNERS: TableDefinition<u64, &[u8]> = TableDefinition::new("owners_by_row");

/// Earlier owners remembered per customer.
const MAX_PAST_OWNERS: usize = 16;

/// The actor the relay writes its own changes as (a reassignment when a member is
/// revoked): member id `rapport-relay` padded, device zero. No member has this id.
pub const RELAY_ACTOR: [u8; 24] = *b"rapport-relay\0\0\0\0\0\0\0\0\0\0\0";

/// Who pushes or pulls: a member, and the roster their rules are read against.
pub struct Caller {
    /// The member.
    pub member: Member,
    /// The team's roster.
    pub roster: Roster,
}

impl Caller {
    /// A team of one admin with member id `id`: what a relay of a single member checks.
    pub fn sole_admin(id: [u8; 16], name: &str) -> Caller {
        let member = Member {
            id: Some(rapport_roles::MemberId(id)),
            name: name.to_string(),
            role: rapport_roles::Role::Admin,
            groups: Vec::new(),
            active: true,
        };
        Caller { roster: Roster { team: String::new(), members: vec![member.clone()] }, member }
    }

    /// Whether this member reads every customer (no per-document scope check needed).
    fn reads_all(&self) -> bool {
        self.member.active && matrix().scope(self.member.role, Action::Read) == Scope::All
    }

    fn may_read(&self, owners: &[String]) -> bool {
        owners.first().is_some_and(|o| may_read(&self.roster, &self.member, o))
    }
}

fn owners_of(v: Option<&[u8]>) -> Vec<String> {
    v.and_then(|b| serde_json::from_slice(b).ok()).unwrap_or_default()
}

/// The owners list after a write that leaves the customer with `owner`.
fn owners_after(mut past: Vec<String>, owner: &str) -> Vec<String> {
    if past.first().is_some_and(|o| o == owner) {
        return past;
    }
    past.retain(|o| member_key(o) != member_key(owner));
    past.insert(0, owner.to_string());
    past.truncate(MAX_PAST_OWNERS + 1);
    past
}

/// The first layout, keyed by document id (random), migrated on open.
mod v1 {
    use redb::TableDefinition;
    pub const DOCS: TableDefinition<u128, &[u8]> = TableDefinition::new("docs");
    pub const HEADS: TableDefinition<u128, &[u8]> = TableDefinition::new("heads");
    pub const LOG: TableDefinition<u64, u128> = TableDefinition::new("log");
    pub const LATEST: TableDefinition<u128, u64> = TableDefinition::new("latest");
}

/// First log sequence of each era -> the era's id. An era begins with the first write
/// after the file is opened (a relay start, or a reopen after a disk failure), so a copy
/// restored from a backup, or a snapshot rolled back, lacks the eras (or the tail of the
/// era) that came after it: that is how a node learns the relay lost what it once saw
/// ([`TeamStore::mark`]). Log sequences only grow (the last entry is never removed without
/// a later one), so each era's first sequence is unique.
const ERAS: TableDefinition<u64, u128> = TableDefinition::new("eras");

/// An era's id -> its first log sequence.
const ERA_STARTS: TableDefinition<u128, u64> = TableDefinition::new("era_starts");

/// A team's document store.
pub struct TeamStore {
    db: Database,
    /// The era this opening of the file writes in, once its first write committed.
    era: std::sync::Mutex<Option<u128>>,
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

fn hex(id: &[u8]) -> String {
    hex::encode(id)
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
            .map_or(rapport_wire::MAX_FRAME, |s| (s as usize).min(rapport_wire::MAX_FRAME));
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

/// A document kind the relay keeps, with the check every node makes before keeping one.
trait Checkable: Sized {
    fn load_stored(bytes: &[u8]) -> Result<Self, DocError>;
    fn load_untrusted(bytes: &[u8]) -> Result<Self, DocError>;
    /// This document with pushed bytes merged (it was loaded only for that).
    fn merged_untrusted(self, bytes: &[u8]) -> Result<Self, DocError>;
    /// The check every node makes; what the write rules read.
    fn check(&mut self, id: [u8; 16]) -> Result<Subject, DocError>;
    /// What the write rules read of a held copy (already checked when it was stored).
    fn subject(&mut self) -> Result<Subject, DocError>;
    fn automerge(&mut self) -> &mut AutoCommit;
}

impl Checkable for CustomerDoc {
    fn load_stored(bytes: &[u8]) -> Result<Self, DocError> {
        CustomerDoc::load(bytes)
    }
    fn load_untrusted(bytes: &[u8]) -> Result<Self, DocError> {
        CustomerDoc::load_untrusted(bytes)
    }
    fn merged_untrusted(self, bytes: &[u8]) -> Result<Self, DocError> {
        CustomerDoc::merged_untrusted(self, bytes)
    }
    fn check(&mut self, id: [u8; 16]) -> Result<Subject, DocError> {
        CustomerDoc::check(self, CustomerId(id)).map(|c| Subject::Customer(Box::new(c)))
    }
    fn subject(&mut self) -> Result<Subject, DocError> {
        self.read().map(|c| Subject::Customer(Box::new(c)))
    }
    fn automerge(&mut self) -> &mut AutoCommit {
        CustomerDoc::automerge(self)
    }
}

impl Checkable for SettingsDoc {
    fn load_stored(bytes: &[u8]) -> Result<Self, DocError> {
        SettingsDoc::load(bytes)
    }
    fn load_untrusted(bytes: &[u8]) -> Result<Self, DocError> {
        SettingsDoc::load_untrusted(bytes)
    }
    fn merged_untrusted(self, bytes: &[u8]) -> Result<Self, DocError> {
        SettingsDoc::merged_untrusted(self, bytes)
    }
    fn check(&mut self, _: [u8; 16]) -> Result<Subject, DocError> {
        TeamSettings::read(self)?;
        SettingsView::read(self).map(Subject::Settings)
    }
    fn subject(&mut self) -> Result<Subject, DocError> {
        SettingsView::read(self).map(Subject::Settings)
    }
    fn automerge(&mut self) -> &mut AutoCommit {
        SettingsDoc::automerge(self)
    }
}

/// What the write rules read of a document.
enum Subject {
    Customer(Box<Customer>),
    Settings(SettingsView),
}

impl Subject {
    fn customer(&self) -> Option<&Customer> {
        match self {
            Subject::Customer(c) => Some(c),
            Subject::Settings(_) => None,
        }
    }
}

/// A pushed document that passed the checks.
enum Checked {
    /// New here: store the pushed bytes as they came (and claim its number).
    New(Vec<ChangeHash>, Option<Customer>),
    /// Merged with the copy held here: its new save.
    Merged(Vec<u8>, Vec<ChangeHash>, Option<Customer>),
    /// Nothing new.
    Same(Vec<ChangeHash>),
}

/// Whether the caller may make the change from `before` (`None`: new here) to `after`,
/// every new change being theirs.
fn permitted(
    caller: &Caller,
    changes: &[rapport_doc::Authored],
    before: Option<&Subject>,
    after: &Subject,
) -> Result<(), String> {
    check_authorship(&caller.member, changes, rapport_rules::default_settings_heads())?;
    match (before, after) {
        (b, Subject::Customer(a)) => {
            check_customer(&caller.roster, &caller.member, b.and_then(Subject::customer), a).map_err(|e| e.to_string())
        }
        (b, Subject::Settings(a)) => {
            let genesis = || -> SettingsView {
                rapport_rules::default_settings_doc().ok().and_then(|d| SettingsView::read(&d).ok()).unwrap_or_default()
            };
            let before = match b {
                Some(Subject::Settings(v)) => v.clone(),
                _ => genesis(),
            };
            check_settings(&caller.roster, &caller.member, &before, a).map_err(|e| e.to_string())
        }
    }
}

/// Loads or merges pushed bytes (into a copy loaded for this alone: bad bytes never leave a
/// half-merged document), checks the result with the same function nodes use, then checks
/// that every new change is the caller's and that their role allows what it does.
fn checked<D: Checkable>(id: [u8; 16], base: Option<&[u8]>, pushed: &[u8], caller: &Caller) -> Result<Checked, String> {
    let text = |e: DocError| e.to_string();
    let Some(base) = base else {
        let mut doc = D::load_untrusted(pushed).map_err(text)?;
        let after = doc.check(id).map_err(text)?;
        let changes = changes_since(doc.automerge(), &[]);
        permitted(caller, &changes, None, &after)?;
        let heads = sorted_heads(doc.automerge());
        return Ok(Checked::New(heads, after.customer().cloned()));
    };
    let mut held = D::load_stored(base).map_err(text)?;
    let before = sorted_heads(held.automerge());
    let subject_before = held.subject().map_err(text)?;
    let mut doc = held.merged_untrusted(pushed).map_err(text)?;
    let after = sorted_heads(doc.automerge());
    if after == before {
        return Ok(Checked::Same(before));
    }
    let subject_after = doc.check(id).map_err(text)?;
    let changes = changes_since(doc.automerge(), &before);
    permitted(caller, &changes, Some(&subject_before), &subject_after)?;
    Ok(Checked::Merged(doc.automerge().save_nocompress(), after, subject_after.customer().cloned()))
}

/// A page of the change log as one member sees it.
#[derive(Debug)]
pub struct Changes {
    /// Changed documents the member may read, with their heads.
    pub docs: Vec<DocHeads>,
    /// Changed documents the member may no longer read.
    pub gone: Vec<[u8; 16]>,
    /// Cursor after this page.
    pub cursor: u64,
    /// More follow.
    pub more: bool,
}

/// A pushed document checked and merged, ready to write.
enum Prepared {
    Write { id: u128, stored: Vec<u8>, heads: Vec<ChangeHash>, number: Option<String>, owner: Option<String> },
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
        txn.open_table(ERAS)?;
        txn.open_table(ERA_STARTS)?;
        Self::migrate_v1(&txn)?;
        Self::index_numbers(&txn)?;
        Self::index_owners(&txn)?;
        txn.commit()?;
        Ok(TeamStore { db, era: std::sync::Mutex::new(None) })
    }

    /// Starts this opening's era in `txn` when the write it holds is the first since the
    /// file was opened and it logs from `first` on; returns the new era, to be remembered
    /// once `txn` commits ([`TeamStore::era_committed`]).
    fn begin_era(&self, txn: &redb::WriteTransaction, first: u64) -> Result<Option<u128>, RelayError> {
        if self.era.lock().map(|e| e.is_some()).unwrap_or(false) {
            return Ok(None);
        }
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|e| RelayError::Storage(format!("no randomness for the log's era: {e}")))?;
        let era = u128::from_be_bytes(b).max(1);
        txn.open_table(ERAS)?.insert(first, era)?;
        txn.open_table(ERA_STARTS)?.insert(era, first)?;
        Ok(Some(era))
    }

    /// Remembers the era a committed write began.
    fn era_committed(&self, era: Option<u128>) {
        if let (Some(era), Ok(mut slot)) = (era, self.era.lock()) {
            slot.get_or_insert(era);
        }
    }

    /// Where the log stands now, and whether it holds `seen`: the era `seen` names is in
    /// this file and reached `seen.seq` here. A file restored from a copy taken before
    /// `seen` fails one of the two: the era began after the copy, or the copy cut it short.
    pub fn mark(&self, seen: Option<LogMark>) -> Result<(LogMark, bool), RelayError> {
        let txn = self.db.begin_read()?;
        let log = txn.open_table(LOG)?;
        let last = log.last()?.map(|(s, _)| s.value()).unwrap_or(0);
        let eras = txn.open_table(ERAS)?;
        let era = eras.last()?.map(|(_, e)| e.value()).unwrap_or(0);
        let now = LogMark { era: era.to_be_bytes(), seq: last };
        let Some(seen) = seen else { return Ok((now, true)) };
        let start = match u128::from_be_bytes(seen.era) {
            // Before this relay kept eras: the era of everything before the first one.
            0 => Some(0),
            id => txn.open_table(ERA_STARTS)?.get(id)?.map(|v| v.value()),
        };
        let held = match start {
            None => false,
            Some(start) => match eras.range(start.saturating_add(1)..)?.next() {
                Some(next) => seen.seq < next?.0.value(),
                None => seen.seq <= last,
            },
        };
        Ok((now, held))
    }

    /// Reads every customer the file holds (for an index it did not keep before), calling
    /// `f` with its row, id and record (`None`: unreadable).
    fn each_customer(
        txn: &redb::WriteTransaction,
        mut f: impl FnMut(u64, [u8; 16], Option<Customer>) -> Result<(), RelayError>,
    ) -> Result<(), RelayError> {
        let docs = txn.open_table(DOCS)?;
        let heads = txn.open_table(HEADS)?;
        let mut z = Zstd::new();
        for e in docs.iter()? {
            let (row, stored) = e?;
            let Some((id, _)) = heads.get(row.value())?.and_then(|v| split_heads(v.value())) else { continue };
            if id == rapport_wire::SETTINGS_ID {
                continue;
            }
            let c = z
                .unpack(stored.value())
                .ok()
                .and_then(|b| CustomerDoc::load(&b).ok())
                .and_then(|d| d.read_record().ok());
            f(row.value(), id, c)?;
        }
        Ok(())
    }

    /// Builds the number index of a file written before the relay kept one, in the opening
    /// transaction (once: every document is read for its number).
    fn index_numbers(txn: &redb::WriteTransaction) -> Result<(), RelayError> {
        if txn.list_tables()?.any(|t| t.name() == NUMBERS.name()) {
            return Ok(());
        }
        let mut numbers = txn.open_table(NUMBERS)?;
        Self::each_customer(txn, |_, id, c| {
            match c.map(|c| c.number) {
                Some(n) if numbers.get(n.as_str())?.is_none() => {
                    numbers.insert(n.as_str(), u128::from_be_bytes(id))?;
                }
                Some(n) => eprintln!("relay: customer number {n} is held by two documents; the first keeps it"),
                None => eprintln!("relay: document {} is unreadable; its number is not indexed", hex(&id)),
            }
            Ok(())
        })
    }

    /// Builds the owner index of a file written before the relay kept one, in the opening
    /// transaction (once: every customer is read for its owner).
    fn index_owners(txn: &redb::WriteTransaction) -> Result<(), RelayError> {
        if txn.list_tables()?.any(|t| t.name() == OWNERS.name()) {
            return Ok(());
        }
        let mut owners = txn.open_table(OWNERS)?;
        Self::each_customer(txn, |row, id, c| {
            match c.map(|c| c.owner) {
                Some(o) => {
                    owners.insert(row, serde_json::to_vec(&[o]).unwrap_or_default().as_slice())?;
                }
                None => eprintln!("relay: document {} is unreadable; it is in no one's read scope", hex(&id)),
            }
            Ok(())
        })
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

    /// The position of the team's change log (0 when empty).
    pub fn last_seq(&self) -> Result<u64, RelayError> {
        let txn = self.db.begin_read()?;
        let log = txn.open_table(LOG)?;
        let last = log.last()?.map(|(s, _)| s.value());
        Ok(last.unwrap_or(0))
    }

    /// Whether the team holds no document yet.
    pub fn is_empty(&self) -> Result<bool, RelayError> {
        Ok(self.len()? == 0)
    }

    /// Checks one pushed document as every node would before keeping it, merged with the
    /// copy held here (if any): what to write, or why it is refused.
    fn prepare(z: &mut Zstd, existing: Option<&[u8]>, d: &DocChanges, caller: &Caller) -> Prepared {
        let id = u128::from_be_bytes(d.id);
        let base = match existing.map(|stored| z.unpack(stored)).transpose() {
            Ok(b) => b,
            Err(e) => return Prepared::Refused { id: d.id, reason: e.to_string() },
        };
        let checked = if d.id == rapport_wire::SETTINGS_ID {
            checked::<SettingsDoc>(d.id, base.as_deref(), &d.bytes, caller)
        } else {
            checked::<CustomerDoc>(d.id, base.as_deref(), &d.bytes, caller)
        };
        match checked {
            Ok(Checked::Same(heads)) => Prepared::Same { id, heads },
            // A new document loaded whole from the bytes: store them as they came.
            Ok(Checked::New(heads, c)) => match z.pack(&d.bytes) {
                Ok(stored) => {
                    let (number, owner) = c.map(|c| (c.number, c.owner)).unzip();
                    Prepared::Write { id, stored, heads, number, owner }
                }
                Err(e) => Prepared::Refused { id: d.id, reason: e.to_string() },
            },
            Ok(Checked::Merged(saved, heads, c)) => match z.pack(&saved) {
                Ok(stored) => Prepared::Write { id, stored, heads, number: None, owner: c.map(|c| c.owner) },
                Err(e) => Prepared::Refused { id: d.id, reason: e.to_string() },
            },
            Err(reason) => Prepared::Refused { id: d.id, reason },
        }
    }

    /// Merges pushed documents (checked on every core) and records them in the log, in
    /// one durable transaction. One result per document, in order.
    ///
    /// Documents are read and merged before the write transaction starts, so pushes from
    /// several members run at once; inside the transaction each document's heads are
    /// compared with those it was merged against, and a document another push changed
    /// meanwhile is merged again with the current copy, so no push loses another's changes.
    pub fn push(&self, docs: &[DocChanges], caller: &Caller) -> Result<Vec<DocResult>, RelayError> {
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
        // Documents are handed out one at a time, so a core that drew smaller ones keeps
        // working instead of idling while another finishes a fixed share.
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let (next, existing) = (&next, &existing);
        let mut prepared: Vec<(usize, Option<Vec<u8>>, Prepared)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads.min(docs.len()))
                .map(|_| {
                    s.spawn(move || {
                        let mut z = Zstd::new();
                        let mut out = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some((doc, heads)) = existing.get(i) else { break out };
                            out.push((i, heads.clone(), Self::prepare(&mut z, doc.as_deref(), &docs[i], caller)));
                        }
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
        // The log sequences this write takes: from `first_logged`, if any (`logged`).
        let (first_logged, logged);
        {
            let mut t_rows = txn.open_table(ROWS)?;
            let mut t_docs = txn.open_table(DOCS)?;
            let mut t_heads = txn.open_table(HEADS)?;
            let mut t_log = txn.open_table(LOG)?;
            let mut t_latest = txn.open_table(LATEST)?;
            let mut t_numbers = txn.open_table(NUMBERS)?;
            let mut t_owners = txn.open_table(OWNERS)?;
            let mut next = match t_log.last()? {
                Some((k, _)) => k.value() + 1,
                None => 1,
            };
            first_logged = next;
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
                    p = Self::prepare(&mut z, current.as_deref(), &docs[i], caller);
                }
                if let Prepared::Write { number: Some(n), .. } = &p {
                    let holder = t_numbers.get(n.as_str())?.map(|v| v.value());
                    match holder {
                        Some(holder) if holder != id => {
                            p = Prepared::Refused {
                                id: docs[i].id,
                                reason: format!(
                                    "customer number {n} is already held by customer {}",
                                    hex(&holder.to_be_bytes())
                                ),
                            }
                        }
                        Some(_) => {}
                        None => {
                            t_numbers.insert(n.as_str(), id)?;
                        }
                    }
                }
                match p {
                    Prepared::Write { id, stored, heads, owner, .. } => {
                        let row = match row {
                            Some(r) => r,
                            None => {
                                t_rows.insert(id, next_row)?;
                                next_row += 1;
                                next_row - 1
                            }
                        };
                        if let Some(owner) = owner {
                            let past = owners_of(t_owners.get(row)?.as_ref().map(|v| v.value()));
                            let now = owners_after(past.clone(), &owner);
                            if now != past {
                                t_owners.insert(row, serde_json::to_vec(&now).unwrap_or_default().as_slice())?;
                            }
                        }
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
            logged = next > first_logged;
        }
        let era = if logged { self.begin_era(&txn, first_logged)? } else { None };
        txn.commit()?;
        self.era_committed(era);
        Ok(results)
    }

    /// Documents changed after `since` that the caller may read, with heads; those that
    /// changed and that the caller could read under an earlier owner but not now (gone);
    /// the cursor to continue from, and whether more follow.
    pub fn changes(&self, since: u64, limit: u32, caller: &Caller) -> Result<Changes, RelayError> {
        let txn = self.db.begin_read()?;
        let log = txn.open_table(LOG)?;
        let heads = txn.open_table(HEADS)?;
        let owners = txn.open_table(OWNERS)?;
        let all = caller.reads_all();
        let mut out = Changes { docs: Vec::new(), gone: Vec::new(), cursor: since, more: false };
        let mut used = 0;
        for e in log.range(since.saturating_add(1)..)? {
            let (seq, row) = e?;
            let row = row.value();
            let entry = heads.get(row)?.and_then(|v| split_heads(v.value()));
            let Some((id, heads)) = entry else {
                return Err(RelayError::Storage(format!("log entry {} names a missing document", seq.value())));
            };
            // Heads are bounded per document, but a page is also kept within one frame.
            let len = 16 + 32 * heads.len();
            if out.docs.len() + out.gone.len() >= limit as usize || !rapport_wire::fits(used, len) {
                out.more = true;
                break;
            }
            used += len;
            out.cursor = seq.value();
            if all || id == rapport_wire::SETTINGS_ID {
                out.docs.push(DocHeads { id, heads });
                continue;
            }
            let names = owners_of(owners.get(row)?.as_ref().map(|v| v.value()));
            if caller.may_read(&names) {
                out.docs.push(DocHeads { id, heads });
            } else if names.iter().skip(1).any(|o| may_read(&caller.roster, &caller.member, o)) {
                out.gone.push(id);
            }
        }
        Ok(out)
    }

    /// Whether the caller may read document `id` (the settings document: every member).
    fn readable(
        &self,
        txn: &redb::ReadTransaction,
        row: u64,
        id: [u8; 16],
        caller: &Caller,
    ) -> Result<bool, RelayError> {
        if caller.reads_all() || id == rapport_wire::SETTINGS_ID {
            return Ok(caller.member.active);
        }
        let owners = txn.open_table(OWNERS)?;
        let names = owners_of(owners.get(row)?.as_ref().map(|v| v.value()));
        Ok(caller.may_read(&names))
    }

    /// Gives every customer owned by `from` to `to`, as changes the relay writes (its own
    /// actor), logged like a push so every member's next sync brings them. Returns how many.
    pub fn reassign(&self, from: &str, to: &str) -> Result<usize, RelayError> {
        let txn = self.db.begin_write()?;
        let mut moved = 0;
        let first_logged;
        {
            let mut t_docs = txn.open_table(DOCS)?;
            let mut t_heads = txn.open_table(HEADS)?;
            let mut t_log = txn.open_table(LOG)?;
            let mut t_latest = txn.open_table(LATEST)?;
            let mut t_owners = txn.open_table(OWNERS)?;
            let rows: Vec<(u64, Vec<String>)> = t_owners
                .iter()?
                .filter_map(|e| e.ok())
                .map(|(k, v)| (k.value(), owners_of(Some(v.value()))))
                .filter(|(_, o)| o.first().is_some_and(|o| member_key(o) == member_key(from)))
                .collect();
            let mut next = match t_log.last()? {
                Some((k, _)) => k.value() + 1,
                None => 1,
            };
            first_logged = next;
            let mut z = Zstd::new();
            let at = chrono::Local::now().naive_local();
            for (row, past) in rows {
                let Some(stored) = t_docs.get(row)?.map(|v| v.value().to_vec()) else { continue };
                let Some((id, _)) = t_heads.get(row)?.and_then(|v| split_heads(v.value())) else { continue };
                let mut doc = CustomerDoc::load(&z.unpack(&stored)?).map_err(|e| RelayError::Storage(e.to_string()))?;
                doc.set_actor(automerge::ActorId::from(RELAY_ACTOR.as_slice()));
                let patch = CustomerPatch { owner: Some(to.to_string()), ..Default::default() };
                let meta =
                    ChangeMeta::new("rapport-relay", at).because(Some(format!("{from} was removed from the team")));
                doc.apply_patch(&patch, meta).map_err(|e| RelayError::Storage(e.to_string()))?;
                doc.check(CustomerId(id)).map_err(|e| RelayError::Storage(e.to_string()))?;
                let heads = sorted_heads(doc.automerge());
                t_docs.insert(row, z.pack(&doc.save_plain())?.as_slice())?;
                t_heads.insert(row, id_and_heads(u128::from_be_bytes(id), &heads).as_slice())?;
                t_owners.insert(row, serde_json::to_vec(&owners_after(past, to)).unwrap_or_default().as_slice())?;
                let old = t_latest.get(row)?.map(|v| v.value());
                if let Some(old) = old {
                    t_log.remove(old)?;
                }
                t_log.insert(next, row)?;
                t_latest.insert(row, next)?;
                next += 1;
                moved += 1;
            }
        }
        let era = if moved > 0 { self.begin_era(&txn, first_logged)? } else { None };
        txn.commit()?;
        self.era_committed(era);
        Ok(moved)
    }

    /// For each document, in order, the changes after the heads the caller has (the whole
    /// document when it has none, or none we know), as many as fit one response
    /// ([`rapport_wire::fits`]): the caller asks again for the rest. A document held here
    /// over the document limits (stored before they existed) is left out and logged; the
    /// caller reports it as not sent.
    ///
    /// A document the caller may not read is answered as one the relay does not hold.
    pub fn fetch(&self, wanted: &[DocHeads], caller: &Caller) -> Result<Vec<DocChanges>, RelayError> {
        let txn = self.db.begin_read()?;
        let rows = txn.open_table(ROWS)?;
        let docs = txn.open_table(DOCS)?;
        let mut out = Vec::with_capacity(wanted.len());
        let mut used = 0;
        let mut z = Zstd::new();
        for w in wanted {
            let Some(row) = rows.get(u128::from_be_bytes(w.id))?.map(|v| v.value()) else { continue };
            if !self.readable(&txn, row, w.id, caller)? {
                continue;
            }
            let Some(stored) = docs.get(row)? else { continue };
            let bytes = match z.unpack(stored.value()) {
                Ok(b) if (b.len() as u64) <= rapport_doc::LIMITS.doc_bytes => b,
                Ok(b) => {
                    eprintln!("relay: not sending document {}: {} bytes, over the document limit", hex(&w.id), b.len());
                    continue;
                }
                Err(e) => {
                    eprintln!("relay: not sending document {}: {e}", hex(&w.id));
                    continue;
                }
            };
            let bytes = if w.heads.is_empty() {
                bytes
            } else {
                let mut doc = AutoCommit::load(&bytes).map_err(|e| RelayError::Storage(e.to_string()))?;
                let known: Vec<ChangeHash> =
                    w.heads.iter().map(|h| ChangeHash(*h)).filter(|h| doc.get_change_by_hash(h).is_some()).collect();
                if known.is_empty() {
                    bytes
                } else {
                    doc.save_after(&known)
                }
            };
            if !rapport_wire::fits(used, bytes.len()) {
                break;
            }
            used += bytes.len();
            out.push(DocChanges { id: w.id, bytes });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The member the test documents are written by (actor `[1; 24]`), an admin.
    fn admin() -> Caller {
        Caller::sole_admin([1; 16], "Li Wei")
    }

    /// A customer document as a node writes it, with id `[id; 16]`.
    fn doc(name: &str, id: u8) -> (u128, Vec<u8>, Vec<ChangeHash>) {
        let at = rapport_model::parse_datetime("t", "2026-03-01 09:00").unwrap_or_default();
        let input = rapport_model::NewCustomer {
            kind: Some(rapport_model::Kind::Company),
            name: name.into(),
            industry: Some("C".into()),
            source: Some("referral".into()),
            ..Default::default()
        };
        let mut c = input.validate("Li Wei", at).unwrap_or_else(|e| panic!("{e}"));
        c.id = CustomerId([id; 16]);
        c.number = format!("MFG-2026-TEST00-{id:03}");
        let mut d = CustomerDoc::create(
            &c,
            automerge::ActorId::from(vec![1u8; 24]),
            rapport_doc::ChangeMeta::new("Li Wei", at),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let heads = sorted_heads(d.automerge());
        (u128::from_be_bytes([id; 16]), d.save_plain(), heads)
    }

    /// A node's recorded log position is held until the file is replaced by a copy taken
    /// before it: a backup taken with the relay stopped (the position's era began after
    /// the copy) or a snapshot taken while it ran (the copy cut the era short).
    #[test]
    fn a_copy_older_than_a_nodes_log_position_does_not_hold_it() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("team.redb");
        let push = |store: &TeamStore, i: u8| -> Result<(), Box<dyn std::error::Error>> {
            let d = doc(&format!("c{i}"), i);
            let r = store.push(&[DocChanges { id: d.0.to_be_bytes(), bytes: d.1 }], &admin())?;
            assert!(matches!(r[0], DocResult::Stored(_)), "{r:?}");
            Ok(())
        };
        let store = TeamStore::open(&path)?;
        // An empty file, or one from before eras: era zero.
        let (empty, held) = store.mark(None)?;
        assert!(held);
        assert_eq!(empty, LogMark { era: [0; 16], seq: 0 });
        assert!(store.mark(Some(LogMark { era: [0; 16], seq: 0 }))?.1);
        assert!(!store.mark(Some(LogMark { era: [0; 16], seq: 1 }))?.1, "a position past the log");
        push(&store, 1)?;
        let (one, _) = store.mark(None)?;
        assert_ne!(one.era, [0; 16], "the first write began an era");
        assert_eq!(one.seq, 1);
        push(&store, 2)?;
        let (two, _) = store.mark(None)?;
        assert_eq!((two.era, two.seq), (one.era, 2), "one era per opening");
        drop(store);
        // Backed up with the relay stopped, then opened again: a new era at the first write.
        let backup = dir.path().join("backup.redb");
        std::fs::copy(&path, &backup)?;
        let store = TeamStore::open(&path)?;
        assert_eq!(store.mark(None)?.0, two, "no era before a write");
        push(&store, 3)?;
        let (three, _) = store.mark(None)?;
        assert_ne!(three.era, two.era);
        for seen in [one, two, three] {
            assert!(store.mark(Some(seen))?.1, "the live file holds {seen:?}");
        }
        // A filesystem snapshot taken while it ran, between two writes of one era.
        push(&store, 4)?;
        let (four, _) = store.mark(None)?;
        let snapshot = dir.path().join("snapshot.redb");
        std::fs::copy(&path, &snapshot)?;
        push(&store, 5)?;
        let (five, _) = store.mark(None)?;
        assert_eq!(five.era, four.era);
        drop(store);

        let restored = TeamStore::open(&backup)?;
        assert!(restored.mark(Some(two))?.1, "what the backup holds");
        assert!(!restored.mark(Some(three))?.1, "an era that began after the backup");
        assert!(!restored.mark(Some(LogMark { era: [7; 16], seq: 1 }))?.1, "an era never seen here");
        // Writes after the restore begin another era, and the lost one stays unknown.
        push(&restored, 6)?;
        assert!(!restored.mark(Some(three))?.1);
        assert!(restored.mark(Some(restored.mark(None)?.0))?.1);
        drop(restored);

        // Rolled back to the snapshot: the era is there but cut short, so a position it
        // reached before the snapshot is held and one after is not, before and after the
        // next write begins another era.
        let rolled_back = TeamStore::open(&snapshot)?;
        assert!(rolled_back.mark(Some(four))?.1);
        assert!(!rolled_back.mark(Some(five))?.1, "a position the snapshot never reached");
        push(&rolled_back, 7)?;
        assert!(rolled_back.mark(Some(four))?.1);
        assert!(!rolled_back.mark(Some(five))?.1, "a position the snapshot never reached");
        Ok(())
    }

    #[test]
    fn a_held_document_over_the_limits_is_listed_but_not_sent_and_the_rest_is() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let store = TeamStore::open(&dir.path().join("team.redb"))?;
        let (a, b) = (doc("a", 1), doc("b", 2));
        let r = store.push(
            &[DocChanges { id: a.0.to_be_bytes(), bytes: a.1 }, DocChanges { id: b.0.to_be_bytes(), bytes: b.1 }],
            &admin(),
        )?;
        assert!(r.iter().all(|x| matches!(x, DocResult::Stored(_))), "{r:?}");
        // As a relay that stored it before the limits existed would hold it.
        {
            let txn = store.db.begin_write()?;
            let row = txn.open_table(ROWS)?.get(a.0)?.map(|v| v.value()).ok_or("row")?;
            let huge = vec![0u8; rapport_doc::LIMITS.doc_bytes as usize + 1];
            txn.open_table(DOCS)?.insert(row, zstd::bulk::compress(&huge, 1)?.as_slice())?;
            txn.commit()?;
        }
        assert_eq!(store.changes(0, 10, &admin())?.docs.len(), 2);
        let wanted = [a.0, b.0].map(|id| DocHeads { id: id.to_be_bytes(), heads: Vec::new() });
        let sent = store.fetch(&wanted, &admin())?;
        assert_eq!(sent.iter().map(|d| d.id).collect::<Vec<_>>(), vec![b.0.to_be_bytes()]);
        Ok(())
    }

    #[test]
    fn a_fetch_answers_what_fits_one_frame_and_the_rest_when_asked_again() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = TeamStore::open(&dir.path().join("team.redb"))?;
        // As many documents as large as the limits allow as fit one frame, and one more.
        let n = (rapport_wire::RESPONSE_BUDGET as u64 / rapport_doc::LIMITS.doc_bytes) as u8 + 1;
        let docs: Vec<_> = (1..=n).map(|i| doc(&format!("c{i}"), i)).collect();
        let pushed: Vec<DocChanges> =
            docs.iter().map(|d| DocChanges { id: d.0.to_be_bytes(), bytes: d.1.clone() }).collect();
        store.push(&pushed, &admin())?;
        {
            let txn = store.db.begin_write()?;
            for d in &docs {
                let row = txn.open_table(ROWS)?.get(d.0)?.map(|v| v.value()).ok_or("row")?;
                let mut big = d.1.clone();
                big.resize(rapport_doc::LIMITS.doc_bytes as usize - 100, 0);
                txn.open_table(DOCS)?.insert(row, zstd::bulk::compress(&big, 1)?.as_slice())?;
            }
            txn.commit()?;
        }
        let wanted: Vec<DocHeads> =
            docs.iter().map(|d| DocHeads { id: d.0.to_be_bytes(), heads: Vec::new() }).collect();
        let first = store.fetch(&wanted, &admin())?;
        assert_eq!(first.len(), docs.len() - 1);
        let size: usize = first.iter().map(|d| d.bytes.len() + 64).sum();
        assert!(size <= rapport_wire::RESPONSE_BUDGET);
        let rest = store.fetch(&wanted[first.len()..], &admin())?;
        assert_eq!(rest.len(), 1);
        Ok(())
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
        // The owner index is built on open from the documents: read scope works at once.
        let rep = |name: &str| {
            let mut c = Caller::sole_admin([2; 16], name);
            c.member.role = rapport_roles::Role::SalesRep;
            c.roster.members = vec![c.member.clone()];
            c
        };
        assert_eq!(store.changes(0, 10, &rep("Li Wei"))?.docs.len(), 2, "Li Wei owns both");
        assert_eq!(store.changes(0, 10, &rep("Wang Fang"))?.docs.len(), 0, "Wang Fang owns neither");
        let Changes { docs: listed, cursor, more, .. } = store.changes(0, 10, &admin())?;
        assert_eq!((cursor, more), (7, false));
        assert_eq!(listed.iter().map(|d| d.id).collect::<Vec<_>>(), vec![a.0.to_be_bytes(), b.0.to_be_bytes()]);
        assert_eq!(listed[1].heads, b.2.iter().map(|h| h.0).collect::<Vec<_>>());
        assert_eq!(store.changes(5, 10, &admin())?.docs.len(), 1);
        let fetched = store.fetch(&[DocHeads { id: b.0.to_be_bytes(), heads: Vec::new() }], &admin())?;
        assert_eq!(fetched[0].bytes, b.1);
        // A new document after the migration gets the next row and the next sequence.
        let c = doc("c", 3);
        let r = store.push(&[DocChanges { id: c.0.to_be_bytes(), bytes: c.1 }], &admin())?;
        assert!(matches!(r[0], DocResult::Stored(_)));
        let Changes { docs: listed, cursor, .. } = store.changes(7, 10, &admin())?;
        assert_eq!((listed.len(), cursor), (1, 8));
        drop(store);
        // Opening again does not migrate twice.
        assert_eq!(TeamStore::open(&path)?.len()?, 3);
        Ok(())
    }
}
