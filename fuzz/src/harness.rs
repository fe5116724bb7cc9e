//! What each fuzz target does with one input, and what must hold afterwards.
//!
//! Every byte from a relay or a peer is hostile. These functions feed such bytes to the code
//! that reads them: the sync wire decoder, the relay's push (`TeamStore::push`), a node's
//! adoption (`Store::adopt_batch`, the settings document's pull path) and a node's answer to
//! a peer (`rapport_sync::answer`). Besides "never panics", they assert what a team relies
//! on: every document a store holds afterwards loads and passes the same check a node makes
//! before keeping one (`CustomerDoc::check`, `TeamSettings::read`); a refused document
//! leaves the held copy as it was; the heads a store reports are the heads it holds; and the
//! changes a store serves after a node's old heads bring that node to the same heads.
//!
//! The cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`) call these through the `rapport-fuzz`
//! library; the stable replay test (`tests/tests/fuzz_replay.rs`) compiles this same file
//! with `#[path]` and feeds it the committed corpus plus mutations, so CI runs exactly the
//! code the fuzzers run.
//!
//! Each input starts from the same store: a template file made once per process is copied
//! into a fresh directory, opened, and the directory removed at once (the open file lives
//! on), so an input's outcome never depends on the inputs before it and a crash reproduces
//! from its one input, and nothing is left behind when a fuzzer stops. The directory is on
//! `/dev/shm` where there is one: redb's durable commits cost nothing on tmpfs.
//!
//! Input formats:
//! * `wire_decode`, `peer_answer`: the input is one sync frame (`rapport_sync::encode`).
//! * `relay_push`, `node_adopt`: a batch ([`encode_batch`]): one flags byte (bit 0: start
//!   from a team or node that holds no customer yet), then up to [`MAX_ITEMS`] items, each a
//!   selector byte (its value mod 4: 0 the settings document, 1 and 2 the seeded customers
//!   A and B, 3 a customer whose 16-byte id follows), a 4-byte little-endian length (cut to
//!   the bytes left) and that many Automerge bytes.

use rapport_doc::{ChangeHash, ChangeMeta, CustomerDoc, SettingsDoc};
use rapport_model::{Customer, CustomerId, Date};
use rapport_relay::team::{Caller, Changes, TeamStore};
use rapport_rules::TeamSettings;
use rapport_store::Store;
use rapport_sync::{DocChanges, DocHeads, DocResult, Message};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The actor the seeded documents are written as.
const SEED_ACTOR: &[u8; 24] = b"rapport-fuzz-seed-member";

/// The id the team settings document travels under.
pub const SETTINGS: [u8; 16] = rapport_sync::SETTINGS_ID;
/// Items read from one batch input at most.
pub const MAX_ITEMS: usize = 8;
/// Customers every seeded store holds (selectors 1 and 2).
pub const SEEDED: usize = 2;
/// Date the node's rules engine evaluates for.
pub const AS_OF: (i32, u32, u32) = (2026, 3, 2);

/// What one input did: documents (or frames) accepted and refused. The replay test checks
/// that its corpus reaches both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Documents stored or adopted (frames decoded, for the wire decoder).
    pub accepted: usize,
    /// Documents refused (frames refused).
    pub refused: usize,
}

impl std::ops::AddAssign for Outcome {
    fn add_assign(&mut self, o: Outcome) {
        self.accepted += o.accepted;
        self.refused += o.refused;
    }
}

/// Where a batch item goes.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// The team settings document.
    Settings,
    /// Seeded customer 0 (A) or 1 (B).
    Seeded(usize),
    /// Any customer id.
    Id([u8; 16]),
}

/// A batch input: where to start, and the items.
#[derive(Debug, Default)]
pub struct Batch {
    /// Start from a store that holds no customer (the settings document is still there on
    /// a node, and absent on the relay).
    pub empty: bool,
    /// Document id and Automerge bytes.
    pub items: Vec<([u8; 16], Vec<u8>)>,
}

/// The bytes of a batch input.
pub fn encode_batch(empty: bool, items: &[(Target, &[u8])]) -> Vec<u8> {
    let mut out = vec![u8::from(empty)];
    for (target, bytes) in items {
        match target {
            Target::Settings => out.push(0),
            Target::Seeded(i) => out.push(1 + (*i as u8 % SEEDED as u8)),
            Target::Id(id) => {
                out.push(3);
                out.extend_from_slice(id);
            }
        }
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// Reads a batch input. Every input reads as some batch: a short or missing field ends it.
pub fn parse_batch(data: &[u8]) -> Batch {
    let Some((&flags, mut rest)) = data.split_first() else { return Batch::default() };
    let mut batch = Batch { empty: flags & 1 == 1, items: Vec::new() };
    let seeded = seeded_ids();
    while batch.items.len() < MAX_ITEMS {
        let Some((&selector, after)) = rest.split_first() else { break };
        rest = after;
        let id = match selector % 4 {
            0 => SETTINGS,
            s @ (1 | 2) => seeded[usize::from(s) - 1],
            _ => {
                let Some((id, after)) = rest.split_first_chunk::<16>() else { break };
                rest = after;
                *id
            }
        };
        let Some((len, after)) = rest.split_first_chunk::<4>() else { break };
        let len = (u32::from_le_bytes(*len) as usize).min(after.len());
        let (bytes, after) = after.split_at(len);
        rest = after;
        batch.items.push((id, bytes.to_vec()));
    }
    batch
}

/// The seeded customers: demo customers with fixed numbers, each created by one change of a
/// fixed actor at a fixed time, so their documents (and so their heads) are the same in
/// every process and seed inputs can carry changes on top of them.
pub fn seeded_docs() -> Vec<(Customer, CustomerDoc)> {
    (0..SEEDED as u64).map(seeded_doc).collect()
}

/// Demo customer `i` of the fuzz book as a document, numbered `MFG-2026-FUZZ00-00{i+1}`.
pub fn seeded_doc(i: u64) -> (Customer, CustomerDoc) {
    let book = rapport_demo::DemoBook::new(2026, as_of(), &["Li Wei", "Wang Fang"]);
    let mut c = book.customer(i, &rapport_demo::DemoProfile::realistic());
    c.number = format!("MFG-2026-FUZZ00-{:03}", i + 1);
    let actor = rapport_doc::ActorId::from(SEED_ACTOR.as_slice());
    let doc = CustomerDoc::create(&c, actor, ChangeMeta::new("Li Wei", c.created_at))
        .unwrap_or_else(|e| panic!("seeded customer {i}: {e}"));
    (c, doc)
}

fn seeded_ids() -> [[u8; 16]; SEEDED] {
    // Demo ids depend on (seed, index) only; computing them is cheap next to a store.
    static IDS: std::sync::OnceLock<[[u8; 16]; SEEDED]> = std::sync::OnceLock::new();
    *IDS.get_or_init(|| {
        let mut ids = [[0; 16]; SEEDED];
        for (i, (c, _)) in seeded_docs().into_iter().enumerate() {
            ids[i] = c.id.0;
        }
        ids
    })
}

/// The date the node's rules evaluate for.
pub fn as_of() -> Date {
    Date::from_ymd_opt(AS_OF.0, AS_OF.1, AS_OF.2).unwrap_or_default()
}

/// The settings document every new book starts from.
pub fn genesis() -> SettingsDoc {
    rapport_rules::default_settings_doc().unwrap_or_else(|e| panic!("default settings: {e}"))
}

/// A fresh directory for one store: in memory where the machine has `/dev/shm`.
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
    tempfile::Builder::new()
        .prefix("rapport-fuzz-")
        .tempdir_in(&base)
        .or_else(|_| tempfile::tempdir())
        .unwrap_or_else(|e| panic!("no scratch directory: {e}"))
}

/// Opens a copy of a template store file; the copy's directory is gone when this returns
/// (the open file lives until the store is dropped).
fn open_copy<S>(template: &[u8], open: impl FnOnce(&Path) -> S) -> S {
    let dir = scratch();
    let path = dir.path().join("store.redb");
    std::fs::write(&path, template).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    open(&path)
}

fn read_template(path: &PathBuf) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading template {}: {e}", path.display()))
}

fn hashes(h: &[ChangeHash]) -> Vec<[u8; 32]> {
    h.iter().map(|c| c.0).collect()
}

fn hex(id: &[u8; 16]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// `wire_decode`: any bytes either decode to a message that encodes and decodes back to
/// itself, or are refused with an error.
pub fn wire_decode(data: &[u8]) -> Outcome {
    let Ok(m) = rapport_sync::decode(data) else { return Outcome { accepted: 0, refused: 1 } };
    let frame = rapport_sync::encode(&m);
    assert_eq!(rapport_sync::decode(&frame).as_ref(), Ok(&m), "a decoded message does not survive re-encoding");
    assert!(frame.len() <= data.len(), "re-encoding {} bytes gave {} bytes", data.len(), frame.len());
    Outcome { accepted: 1, refused: 0 }
}

/// A held document must load as a stranger's bytes would and pass the check every node
/// makes, with the heads the store reports for it.
fn verify_document(who: &str, id: &[u8; 16], bytes: &[u8], heads: &[[u8; 32]]) {
    let mut held: Vec<[u8; 32]> = if *id == SETTINGS {
        let mut d = SettingsDoc::load_untrusted(bytes)
            .unwrap_or_else(|e| panic!("{who} holds a settings document that does not load: {e}"));
        if let Err(e) = TeamSettings::read(&mut d) {
            panic!("{who} holds a settings document that fails TeamSettings::read: {e}");
        }
        hashes(&d.heads())
    } else {
        let mut d = CustomerDoc::load_untrusted(bytes)
            .unwrap_or_else(|e| panic!("{who} holds customer {} that does not load: {e}", hex(id)));
        if let Err(e) = d.check(CustomerId(*id)) {
            panic!("{who} holds customer {} that fails CustomerDoc::check: {e}", hex(id));
        }
        hashes(&d.heads())
    };
    held.sort();
    let mut reported = heads.to_vec();
    reported.sort();
    assert_eq!(held, reported, "{who} reports other heads for {} than the document it holds", hex(id));
}

/// Changes served after a node's old heads must bring the node's old copy to the heads the
/// store holds now, and pass the check there.
fn verify_catch_up(who: &str, id: &[u8; 16], old: &[u8], changes: &[u8], now: &[[u8; 32]]) {
    let mut now = now.to_vec();
    now.sort();
    let heads = if *id == SETTINGS {
        let Ok(mut base) = SettingsDoc::load(old) else { panic!("{who}: the old settings document does not load") };
        let mut new = base
            .with_untrusted(changes)
            .unwrap_or_else(|e| panic!("{who} serves settings changes a node cannot apply: {e}"));
        if let Err(e) = TeamSettings::read(&mut new) {
            panic!("{who} serves settings changes a node refuses: {e}");
        }
        hashes(&new.heads())
    } else {
        let Ok(mut base) = CustomerDoc::load(old) else { panic!("{who}: the old copy of {} does not load", hex(id)) };
        let mut new = base
            .with_untrusted(changes)
            .unwrap_or_else(|e| panic!("{who} serves changes to {} a node cannot apply: {e}", hex(id)));
        if let Err(e) = new.check(CustomerId(*id)) {
            panic!("{who} serves changes to {} that a node refuses: {e}", hex(id));
        }
        hashes(&new.heads())
    };
    assert_eq!(heads, now, "{who}: a node catching up on {} does not reach the store's heads", hex(id));
}

/// The relay side: a team store seeded with the settings genesis and the seeded customers,
/// and an empty one.
pub struct RelayHarness {
    seeded: Vec<u8>,
    empty: Vec<u8>,
}

impl Default for RelayHarness {
    fn default() -> Self {
        Self::new()
    }
}

impl RelayHarness {
    /// Makes the two template team files.
    pub fn new() -> RelayHarness {
        let dir = scratch();
        let (seeded, empty) = (dir.path().join("seeded.redb"), dir.path().join("empty.redb"));
        {
            let team = TeamStore::open(&seeded).unwrap_or_else(|e| panic!("relay template: {e}"));
            let mut docs = vec![DocChanges { id: SETTINGS, bytes: genesis().save() }];
            for (c, mut d) in seeded_docs() {
                docs.push(DocChanges { id: c.id.0, bytes: d.save() });
            }
            let results = team.push(&docs, &pusher()).unwrap_or_else(|e| panic!("relay template: {e}"));
            assert!(results.iter().all(|r| matches!(r, DocResult::Stored(_))), "relay template: {results:?}");
            drop(TeamStore::open(&empty).unwrap_or_else(|e| panic!("relay template: {e}")));
        }
        RelayHarness { seeded: read_template(&seeded), empty: read_template(&empty) }
    }

    fn open(&self, empty: bool) -> TeamStore {
        let template = if empty { &self.empty } else { &self.seeded };
        open_copy(template, |p| TeamStore::open(p).unwrap_or_else(|e| panic!("relay store copy: {e}")))
    }

    /// `relay_push`: a push of the batch's documents to the relay.
    pub fn push(&self, data: &[u8]) -> Outcome {
        let batch = parse_batch(data);
        let team = self.open(batch.empty);
        let docs: Vec<DocChanges> = batch.items.into_iter().map(|(id, bytes)| DocChanges { id, bytes }).collect();
        let before = held_by_relay(&team);
        // The whole held copy of each pushed document that exists, to check catching up.
        let old: BTreeMap<[u8; 16], Vec<u8>> = docs
            .iter()
            .filter(|d| before.contains_key(&d.id))
            .map(|d| (d.id, whole_from_relay(&team, &d.id)))
            .collect();
        let results =
            team.push(&docs, &pusher()).unwrap_or_else(|e| panic!("the relay failed a push instead of refusing: {e}"));
        assert_eq!(results.len(), docs.len(), "one result per pushed document");
        let mut expected = before.clone();
        let mut outcome = Outcome::default();
        for (d, r) in docs.iter().zip(&results) {
            match r {
                DocResult::Stored(h) => {
                    assert_eq!(h.id, d.id, "results are in push order");
                    expected.insert(d.id, h.heads.clone());
                    outcome.accepted += 1;
                }
                DocResult::Refused { id, reason } => {
                    assert_eq!(*id, d.id, "results are in push order");
                    assert!(!reason.is_empty(), "a refusal says why");
                    outcome.refused += 1;
                }
            }
        }
        let after = held_by_relay(&team);
        assert_eq!(after, expected, "the relay holds other heads than its results say (a refused document changed?)");
        for (id, heads) in &after {
            if before.get(id) == Some(heads) {
                continue;
            }
            verify_document("the relay", id, &whole_from_relay(&team, id), heads);
            if let (Some(old_doc), Some(old_heads)) = (old.get(id), before.get(id)) {
                let served = team
                    .fetch(&[DocHeads { id: *id, heads: old_heads.clone() }], &pusher())
                    .unwrap_or_else(|e| panic!("the relay failed a fetch: {e}"));
                let [d] = served.as_slice() else { panic!("the relay sent {} documents for one", served.len()) };
                verify_catch_up("the relay", id, old_doc, &d.bytes, heads);
            }
        }
        outcome
    }
}

/// The member who pushes: the team's one admin, whose member id begins the seed actor (the
/// corpus's changes are theirs; a change written as anyone else is refused as a forgery).
fn pusher() -> Caller {
    let mut id = [0u8; 16];
    id.copy_from_slice(&SEED_ACTOR[..16]);
    Caller::sole_admin(id, "Li Wei")
}

/// Every document the relay holds, with its heads, from its change log.
fn held_by_relay(team: &TeamStore) -> BTreeMap<[u8; 16], Vec<[u8; 32]>> {
    let Changes { docs, more, .. } =
        team.changes(0, u32::MAX, &pusher()).unwrap_or_else(|e| panic!("relay changes: {e}"));
    assert!(!more, "a small team's log fits one page");
    docs.into_iter().map(|d| (d.id, d.heads)).collect()
}

fn whole_from_relay(team: &TeamStore, id: &[u8; 16]) -> Vec<u8> {
    let sent = team
        .fetch(&[DocHeads { id: *id, heads: Vec::new() }], &pusher())
        .unwrap_or_else(|e| panic!("relay fetch: {e}"));
    match sent.as_slice() {
        [d] if d.id == *id => d.bytes.clone(),
        other => panic!("the relay lists {} but does not send it: {} documents", hex(id), other.len()),
    }
}

/// The node side: a node store with the rules engine installed, seeded with the seeded
/// customers (adopted as from a relay), and one without customers.
pub struct NodeHarness {
    seeded: Vec<u8>,
    empty: Vec<u8>,
}

impl Default for NodeHarness {
    fn default() -> Self {
        Self::new()
    }
}

impl NodeHarness {
    /// Makes the two template store files.
    pub fn new() -> NodeHarness {
        let dir = scratch();
        let (seeded, empty) = (dir.path().join("seeded.redb"), dir.path().join("empty.redb"));
        for (path, customers) in [(&seeded, true), (&empty, false)] {
            let store =
                Store::init(path, "Fuzz", genesis(), Vec::new()).unwrap_or_else(|e| panic!("node template: {e}"));
            rapport_node::engine::install(&store, as_of(), true).unwrap_or_else(|e| panic!("node template: {e}"));
            if customers {
                let items = seeded_docs().into_iter().map(|(c, mut d)| (c.id, d.save())).collect();
                let results = store.adopt_batch(items).unwrap_or_else(|e| panic!("node template: {e}"));
                for r in results {
                    r.unwrap_or_else(|e| panic!("node template: a seeded customer is refused: {e}"));
                }
            }
        }
        NodeHarness { seeded: read_template(&seeded), empty: read_template(&empty) }
    }

    fn open(&self, empty: bool) -> Store {
        let template = if empty { &self.empty } else { &self.seeded };
        open_copy(template, |p| {
            let store = Store::open(p).unwrap_or_else(|e| panic!("node store copy: {e}"));
            rapport_node::engine::install(&store, as_of(), false).unwrap_or_else(|e| panic!("rules engine: {e}"));
            store
        })
    }

    /// `node_adopt`: the batch's documents as a node pulls them. Each is first read on its
    /// own as a stranger's bytes (`load_untrusted` then the check); then customers are
    /// adopted in one batch (`Store::adopt_batch`) and settings documents take the pull
    /// path (applied to a copy of the held settings, kept only if `TeamSettings::read`
    /// accepts it).
    pub fn adopt(&self, data: &[u8]) -> Outcome {
        let batch = parse_batch(data);
        for (id, bytes) in &batch.items {
            read_alone(id, bytes);
        }
        let store = self.open(batch.empty);
        let (settings, customers): (Vec<_>, Vec<_>) = batch.items.into_iter().partition(|(id, _)| *id == SETTINGS);
        let settings_before = store.settings_doc().unwrap_or_else(|e| panic!("settings: {e}")).save();
        let mut outcome = Outcome::default();
        for (_, bytes) in &settings {
            if pull_settings(&store, bytes) {
                outcome.accepted += 1;
            } else {
                outcome.refused += 1;
            }
        }
        let ids: Vec<[u8; 16]> = customers.iter().map(|(id, _)| *id).collect();
        let before: BTreeMap<[u8; 16], Vec<ChangeHash>> = ids.iter().map(|id| (*id, node_heads(&store, id))).collect();
        let old: BTreeMap<[u8; 16], Vec<u8>> = before
            .iter()
            .filter(|(_, h)| !h.is_empty())
            .map(|(id, _)| (*id, store.stored_bytes(CustomerId(*id)).map(|b| b.0).unwrap_or_default()))
            .collect();
        let items = customers.into_iter().map(|(id, bytes)| (CustomerId(id), bytes)).collect();
        let results =
            store.adopt_batch(items).unwrap_or_else(|e| panic!("the node failed an adoption instead of refusing: {e}"));
        assert_eq!(results.len(), ids.len(), "one result per adopted document");
        let mut adopted = std::collections::BTreeSet::new();
        for (id, r) in ids.iter().zip(&results) {
            match r {
                Ok((_, c)) => {
                    assert_eq!(c.id.0, *id, "an adopted customer is the one it was sent as");
                    adopted.insert(*id);
                    outcome.accepted += 1;
                }
                Err(_) => outcome.refused += 1,
            }
        }
        for id in &ids {
            let now = node_heads(&store, id);
            if !adopted.contains(id) {
                assert_eq!(now, before[id], "a refused document changed customer {}", hex(id));
            } else if let Some(old_doc) = old.get(id) {
                if now != before[id] {
                    let (changes, _) = store
                        .changes_after(CustomerId(*id), &before[id])
                        .unwrap_or_else(|e| panic!("the node cannot serve changes: {e}"));
                    verify_catch_up("the node", id, old_doc, &changes, &hashes(&now));
                }
            }
        }
        verify_node(&store);
        if settings.is_empty() {
            let now = store.settings_doc().unwrap_or_else(|e| panic!("settings: {e}")).save();
            assert_eq!(now, settings_before, "the settings document changed without a settings item");
        }
        outcome
    }

    /// `peer_answer`: the input as a frame from a paired peer, answered by a seeded node.
    pub fn answer(&self, data: &[u8]) -> Outcome {
        let Ok(request) = rapport_sync::decode(data) else { return Outcome { accepted: 0, refused: 1 } };
        let store = self.open(false);
        let pushed: Option<Vec<[u8; 16]>> = match &request {
            Message::Push { docs } => Some(docs.iter().map(|d| d.id).collect()),
            _ => None,
        };
        let (reply, _) = rapport_sync::answer(&store, request, None)
            .unwrap_or_else(|e| panic!("the node failed a peer's request instead of refusing it: {e}"));
        let frame = rapport_sync::encode(&reply);
        assert!(frame.len() <= rapport_sync::MAX_FRAME + 4, "the answer does not fit one frame");
        assert_eq!(rapport_sync::decode(&frame).as_ref(), Ok(&reply), "the answer does not survive its frame");
        let mut outcome = Outcome::default();
        match (&pushed, &reply) {
            (Some(ids), Message::Pushed { results }) => {
                assert_eq!(results.len(), ids.len(), "one result per pushed document");
                for (id, r) in ids.iter().zip(results) {
                    let got = match r {
                        DocResult::Stored(h) => {
                            outcome.accepted += 1;
                            h.id
                        }
                        DocResult::Refused { id, .. } => {
                            outcome.refused += 1;
                            *id
                        }
                    };
                    assert_eq!(got, *id, "results are in push order");
                }
            }
            (_, Message::Error { .. }) => outcome.refused += 1,
            _ => outcome.accepted += 1,
        }
        verify_node(&store);
        outcome
    }
}

/// A node's first look at bytes on their own: a refusal or a document that checks.
fn read_alone(id: &[u8; 16], bytes: &[u8]) {
    if *id == SETTINGS {
        if let Ok(mut d) = SettingsDoc::load_untrusted(bytes) {
            let _ = TeamSettings::read(&mut d);
        }
    } else if let Ok(mut d) = CustomerDoc::load_untrusted(bytes) {
        if let Ok(c) = d.check(CustomerId(*id)) {
            assert_eq!(c.id.0, *id, "a checked customer is the one it was sent as");
            assert!(c.check().is_ok(), "a checked document reads as a customer that fails Customer::check");
        }
    }
}

/// The node's pull of a settings document (`rapport_sync` does the same): applied to a
/// copy of the held one and kept only if the team's settings read from it. Whether it was.
fn pull_settings(store: &Store, bytes: &[u8]) -> bool {
    let mut held = store.settings_doc().unwrap_or_else(|e| panic!("settings: {e}"));
    let before = held.heads();
    let Ok(mut trial) = held.with_untrusted(bytes) else { return false };
    if TeamSettings::read(&mut trial).is_err() {
        return false;
    }
    if trial.heads() != before {
        store.save_settings_doc(&mut trial).unwrap_or_else(|e| panic!("saving settings: {e}"));
    }
    true
}

fn node_heads(store: &Store, id: &[u8; 16]) -> Vec<ChangeHash> {
    let mut h = store.heads_of(CustomerId(*id)).unwrap_or_else(|e| panic!("heads: {e}"));
    h.sort();
    h
}

/// Everything a node holds checks: `doctor` loads and checks every customer against its
/// indexes, and the settings document passes `TeamSettings::read`.
fn verify_node(store: &Store) {
    let report = store.doctor().unwrap_or_else(|e| panic!("doctor failed: {e}"));
    assert!(report.problems.is_empty(), "the node holds documents that fail the checks: {:?}", report.problems);
    let mut settings = store.settings_doc().unwrap_or_else(|e| panic!("settings: {e}"));
    let bytes = settings.save();
    verify_document("the node", &SETTINGS, &bytes, &hashes(&settings.heads()));
}

/// Heads as the wire carries them, for seed inputs.
pub fn wire_heads(h: &[ChangeHash]) -> Vec<[u8; 32]> {
    hashes(h)
}
