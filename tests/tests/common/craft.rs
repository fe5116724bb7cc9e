//! The attacker's tool: Automerge changes written directly, not through Rapport's edits,
//! and raw sync requests that carry them. Every hostile-input test crafts its input here.
#![allow(dead_code)]

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use rapport_doc::CustomerDoc;
use rapport_model::{Customer, CustomerId};
use rapport_sync::{decode, encode, DocChanges, DocResult, Message, Transport};
use std::io::Write;

/// An actor no Rapport node uses: the attacker's own tool.
pub fn attacker() -> ActorId {
    ActorId::from(b"attacker-tool-00attacker".as_slice())
}

/// Makes the member behind `transport` write as the attacker's actor: at the member's
/// first contact the relay binds the id the node says it writes as. The attacker's changes
/// are then the member's own, and only the checks under test refuse them.
pub fn bind_attacker(transport: &mut dyn Transport) {
    let mut id = [0u8; 16];
    id.copy_from_slice(&attacker().to_bytes()[..16]);
    let (view, _, _) = rapport_sync::ask_roster(transport, Some(id), [0xAA; 8]).expect("roster");
    assert_eq!(view.you.id.map(|i| i.0), Some(id), "the relay binds the attacker's id to the member");
}

/// A valid new customer, as `customer add` would make it.
pub fn customer(name: &str) -> Customer {
    let mut c = super::company(name).validate("Mallory", super::at("2026-03-01 09:00")).expect("valid customer");
    c.number = format!("MFG-2026-ATTACK-{:03}", name.len());
    c
}

/// A customer document written by the attacker's actor, and its saved bytes.
pub fn customer_doc(name: &str) -> (Customer, AutoCommit) {
    let c = customer(name);
    let mut doc =
        CustomerDoc::create(&c, attacker(), rapport_doc::ChangeMeta::new("Mallory", c.created_at)).expect("create");
    let am = doc.automerge().fork().with_actor(attacker());
    (c, am)
}

/// One change made by the attacker on a copy of `base`: the change bytes only.
pub fn change(base: &mut AutoCommit, edit: impl FnOnce(&mut AutoCommit)) -> Vec<u8> {
    let heads = base.get_heads();
    let mut doc = base.fork().with_actor(attacker());
    edit(&mut doc);
    doc.commit_with(CommitOptions::default().with_message("{\"by\":\"Mallory\",\"what\":\"edit\"}"));
    doc.save_after(&heads)
}

/// The object id of a map at the root.
pub fn root_map(doc: &AutoCommit, key: &str) -> automerge::ObjId {
    match doc.get(ROOT, key) {
        Ok(Some((Value::Object(ObjType::Map), id))) => id,
        other => panic!("`{key}` is not a map: {other:?}"),
    }
}

/// A settings value that is not JSON: today every node adopts it and then fails to start.
pub fn settings_not_json(settings: &mut AutoCommit) -> Vec<u8> {
    change(settings, |d| {
        let s = root_map(d, "settings");
        d.put(&s, "abc", "this is not JSON").expect("put");
    })
}

/// A change that puts a `len`-byte string of `fill` into a custom field (a put of the value
/// already there is no change at all, so successive calls use different fills).
pub fn big_change(doc: &mut AutoCommit, len: usize, fill: char) -> Vec<u8> {
    change(doc, |d| {
        let custom = root_map(d, "custom");
        d.put(&custom, "blob", fill.to_string().repeat(len)).expect("put");
    })
}

/// A change of `n` operations that is small on the wire: one character per operation.
pub fn many_ops_change(doc: &mut AutoCommit, n: usize) -> Vec<u8> {
    change(doc, |d| {
        let notes = match d.get(ROOT, "notes") {
            Ok(Some((Value::Object(ObjType::Text), id))) => id,
            other => panic!("notes: {other:?}"),
        };
        d.splice_text(&notes, 0, 0, &"a".repeat(n)).expect("splice");
    })
}

/// A later change that rewrites a field set once at creation.
pub fn rewrite_root(doc: &mut AutoCommit, key: &str, value: ScalarValue) -> Vec<u8> {
    change(doc, |d| {
        d.put(ROOT, key, value).expect("put");
    })
}

/// A compressed change chunk (Automerge chunk type 2) that inflates to `inflated` bytes:
/// Automerge inflates such a chunk in full before it checks anything about it.
pub fn deflate_bomb(inflated: usize) -> Vec<u8> {
    let data = deflated_zeros(inflated);
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    leb(&mut chunk, data.len() as u64);
    chunk.extend_from_slice(&data);
    chunk
}

/// `n` zero bytes (rounded up to MiB), deflated: about a thousand times smaller.
fn deflated_zeros(n: usize) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..n.div_ceil(zeros.len()) {
        enc.write_all(&zeros).expect("deflate");
    }
    enc.finish().expect("deflate")
}

fn leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Pushes raw documents through `transport` (a relay or a peer) and returns each result.
pub fn push(transport: &mut dyn Transport, docs: Vec<(CustomerId, Vec<u8>)>) -> Vec<DocResult> {
    let m = Message::Push { docs: docs.into_iter().map(|(id, bytes)| DocChanges { id: id.0, bytes }).collect() };
    match decode(&transport.call(&encode(&m)).expect("push answered")).expect("frame") {
        Message::Pushed { results } => results,
        other => panic!("expected Pushed, got {other:?}"),
    }
}

/// The refusal reason of a result, or a panic saying it was stored.
pub fn refusal(r: &DocResult) -> &str {
    match r {
        DocResult::Refused { reason, .. } => reason,
        DocResult::Stored(_) => panic!("the hostile document was stored"),
    }
}

/// Peak resident memory of a process, in MiB (VmHWM).
pub fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb / 1024)
        .expect("VmHWM")
}

/// A relay (or peer) run by the attacker: it lists and sends whatever it was given,
/// unchecked, and accepts every push. Nodes must check what it sends themselves.
#[derive(Default)]
pub struct HostileRelay {
    /// Customers it lists and sends: id and Automerge bytes.
    pub docs: Vec<(CustomerId, Vec<u8>)>,
    /// A settings document (or changes to it) it lists and sends.
    pub settings: Option<Vec<u8>>,
    /// Customers it lists but never sends.
    pub withheld: Vec<CustomerId>,
}

impl Transport for HostileRelay {
    fn call(&mut self, request: &[u8]) -> Result<Vec<u8>, rapport_sync::SyncError> {
        // Heads no node holds, so every listed document is fetched.
        let heads = vec![[7u8; 32]];
        let reply = match decode(request)? {
            Message::Push { docs } => Message::Pushed {
                results: docs
                    .into_iter()
                    .map(|d| DocResult::Stored(rapport_sync::DocHeads { id: d.id, heads: Vec::new() }))
                    .collect(),
            },
            Message::Changes { .. } => {
                let mut docs = Vec::new();
                if self.settings.is_some() {
                    docs.push(rapport_sync::DocHeads { id: rapport_sync::SETTINGS_ID, heads: heads.clone() });
                }
                for id in self.docs.iter().map(|d| d.0).chain(self.withheld.iter().copied()) {
                    docs.push(rapport_sync::DocHeads { id: id.0, heads: heads.clone() });
                }
                Message::Changed { docs, gone: Vec::new(), cursor: 1, more: false }
            }
            Message::Fetch { docs } => {
                let mut out = Vec::new();
                for w in docs {
                    if w.id == rapport_sync::SETTINGS_ID {
                        if let Some(s) = &self.settings {
                            out.push(DocChanges { id: w.id, bytes: s.clone() });
                        }
                    } else if let Some((_, b)) = self.docs.iter().find(|d| d.0 .0 == w.id) {
                        out.push(DocChanges { id: w.id, bytes: b.clone() });
                    }
                }
                Message::Docs { docs: out }
            }
            other => Message::Error { code: "bad_request".into(), detail: format!("{other:?}") },
        };
        Ok(encode(&reply))
    }

    fn peer(&self) -> String {
        "relay:hostile".into()
    }
}

/// A document chunk (Automerge chunk type 0) with one deflated column that inflates to
/// `inflated` bytes: Automerge inflates document columns before it checks them.
pub fn document_bomb(inflated: usize) -> Vec<u8> {
    let column = deflated_zeros(inflated);
    let mut data = Vec::new();
    leb(&mut data, 1); // one actor
    leb(&mut data, 16);
    data.extend_from_slice(&[7; 16]);
    leb(&mut data, 0); // no heads
    leb(&mut data, 0); // no change columns
    leb(&mut data, 1); // one op column: the action column, deflated
    leb(&mut data, (4 << 4) | 2 | 8);
    leb(&mut data, column.len() as u64);
    data.extend_from_slice(&column);
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 0];
    leb(&mut chunk, data.len() as u64);
    chunk.extend_from_slice(&data);
    chunk
}

/// Peak resident memory of this process, in MiB.
pub fn own_peak_rss_mib() -> u64 {
    peak_rss_mib(std::process::id())
}

/// A rule whose condition nests `depth` parentheses: parsing it recursively once overflowed
/// every node's stack.
pub fn settings_deep_rule(settings: &mut AutoCommit, depth: usize) -> Vec<u8> {
    change(settings, |d| {
        let rules = root_map(d, "rules");
        let r = d.put_object(&rules, "deep", ObjType::Map).expect("rule");
        let when = format!("{}amount_total > 1{}", "(".repeat(depth), ")".repeat(depth));
        d.put(&r, "tag", "深").expect("tag");
        d.put(&r, "when", when).expect("when");
        d.put(&r, "enabled", true).expect("enabled");
        d.put(&r, "position", 1000i64).expect("position");
    })
}
