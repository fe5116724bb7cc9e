//! The fuzz targets' corpus, replayed on the stable toolchain in every CI run.
//!
//! `fuzz/` holds cargo-fuzz targets for the wire decoder, the relay's push, a node's
//! adoption and a node's answer to a peer (README.md, "Fuzzing"). They need nightly compiler
//! flags, so CI cannot run them; this test runs the same harness (`fuzz/src/harness.rs`,
//! compiled here with `#[path]`) over every committed corpus file of every target, then
//! over a few thousand deterministic mutations of them (bit flips, interesting bytes,
//! truncations, deletions, duplications, splices, length fields in three encodings), within
//! a time budget. A missing or empty corpus fails the test.
//!
//! A failing input is written to `target/tmp/fuzz-replay/` and named in the failure; run it
//! with `cargo fuzz run TARGET FILE` (or add it to `fuzz/corpus/TARGET/`) to investigate.
//!
//! The seed corpus is written by the ignored test `write_seed_corpus` below
//! (`cargo test -p rapport-integration --test fuzz_replay -- --ignored write_seed_corpus`):
//! real frames of every message kind, real customer and settings documents and changes,
//! and the hostile inputs of `common::craft`.

mod common;
#[allow(dead_code)]
#[path = "../../fuzz/src/harness.rs"]
mod harness;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ScalarValue, ROOT};
use common::craft;
use harness::{encode_batch, NodeHarness, Outcome, RelayHarness, Target, SETTINGS};
use rapport_doc::{ChangeMeta, CustomerDoc, RuleRecord};
use rapport_sync::{encode, DocChanges, DocHeads, DocResult, Message};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A corpus file: name and bytes.
type Named = (String, Vec<u8>);

const TARGETS: [&str; 4] = ["wire_decode", "relay_push", "node_adopt", "peer_answer"];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target)
}

/// Every committed corpus file of a target, by name. Missing or empty fails: a replay that
/// replays nothing must not pass.
fn corpus(target: &str) -> Vec<Named> {
    let dir = corpus_dir(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("fuzz corpus {} is missing: {e}", dir.display()));
    let mut out: Vec<Named> = entries
        .map(|e| {
            let path = e.expect("corpus entry").path();
            let name = path.file_name().expect("file name").to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (name, bytes)
        })
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "fuzz corpus {} is empty", dir.display());
    out
}

/// Runs one input; a panic keeps the input in `target/tmp/fuzz-replay/` and fails the test
/// naming it.
fn run_one(target: &str, what: &str, input: &[u8], run: &dyn Fn(&[u8]) -> Outcome) -> Outcome {
    if let Ok(outcome) = catch_unwind(AssertUnwindSafe(|| run(input))) {
        return outcome;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-replay");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{target}-{}", what.replace(['/', ' '], "_")));
    let _ = std::fs::write(&file, input);
    panic!("{target}: {what} fails; the input is in {} (cargo fuzz run {target} FILE)", file.display());
}

/// How a target's inputs are mutated beyond raw bytes.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// A batch input: raw bytes are fine (lengths are cut to what is there).
    Batch,
    /// A sync frame: mostly keep the frame header right, and mutate the Automerge bytes
    /// inside a `Push` or `Docs` so the answer path sees them.
    Frame,
}

/// Replays the corpus, then up to `mutations` mutations of it within `budget`. The corpus
/// must reach both sides of the target: something accepted and something refused.
fn replay(target: &str, shape: Shape, mutations: usize, budget: Duration, run: &dyn Fn(&[u8]) -> Outcome) {
    let entries = corpus(target);
    let start = Instant::now();
    let mut seen = Outcome::default();
    for (name, bytes) in &entries {
        seen += run_one(target, name, bytes, run);
    }
    assert!(seen.accepted > 0 && seen.refused > 0, "{target}: the corpus only reaches one side: {seen:?}");
    let replayed = start.elapsed();
    let mut rng = common::Lcg(target.bytes().fold(0x5eed, |h, b| h.wrapping_mul(31) ^ u64::from(b)));
    let mut done = 0;
    while done < mutations && start.elapsed() < budget {
        let (name, base) = &entries[rng.next(entries.len() as u64) as usize];
        let input = mutate(&mut rng, base, &entries, shape);
        seen += run_one(target, &format!("mutation {done} of {name}"), &input, run);
        done += 1;
    }
    eprintln!(
        "{target}: {} corpus files in {:.1} s, {done} mutations in {:.1} s; {} accepted, {} refused",
        entries.len(),
        replayed.as_secs_f64(),
        (start.elapsed() - replayed).as_secs_f64(),
        seen.accepted,
        seen.refused,
    );
    // The budget guards CI time on a loaded machine (a quiet one runs every mutation well
    // within it); a few hundred means the harness itself got slow, which must be seen.
    assert!(
        done >= MIN_MUTATIONS.min(mutations),
        "{target}: only {done} of {mutations} mutations ran within {budget:?}"
    );
}

/// Mutations each target must get through within its budget, however busy the machine.
const MIN_MUTATIONS: usize = 200;
/// Time each target's mutations may take: the four targets run two at a time on a 2-core
/// machine, so the whole test stays under a minute.
const BUDGET: Duration = Duration::from_secs(20);

const INTERESTING: [u64; 14] =
    [0, 1, 2, 16, 32, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fff_ffff, 0xffff_ffff, u64::MAX];

fn leb(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

/// One to three random edits of `base`.
fn mutate_bytes(rng: &mut common::Lcg, base: &[u8], others: &[Named]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.next(3) {
        let len = v.len() as u64;
        let at = rng.next(len.max(1)) as usize;
        match rng.next(9) {
            0 if !v.is_empty() => v[at] ^= 1 << rng.next(8),
            1 if !v.is_empty() => v[at] = INTERESTING[rng.next(INTERESTING.len() as u64) as usize] as u8,
            2 => v.truncate(at),
            3 => {
                let end = (at + 1 + rng.next(64) as usize).min(v.len());
                v.drain(at.min(end)..end);
            }
            4 if !v.is_empty() => {
                let end = (at + 1 + rng.next(256) as usize).min(v.len());
                let copy = v[at..end].to_vec();
                let to = rng.next(len) as usize;
                v.splice(to..to, copy);
            }
            5 => {
                let (_, other) = &others[rng.next(others.len() as u64) as usize];
                let from = rng.next(other.len() as u64 + 1) as usize;
                v.truncate(at);
                v.extend_from_slice(&other[from..]);
            }
            6 if v.len() >= 4 => {
                // A 4-byte length: the frame header is big-endian, batch lengths little.
                let at = at.min(v.len() - 4);
                let n = interesting(rng, len) as u32;
                let b = if rng.next(2) == 0 { n.to_be_bytes() } else { n.to_le_bytes() };
                v[at..at + 4].copy_from_slice(&b);
            }
            7 if !v.is_empty() => {
                // A LEB128 length or count, as Automerge and postcard encode them.
                let n = interesting(rng, len);
                v.splice(at..at + 1, leb(n));
            }
            _ if !v.is_empty() => v[at] = rng.next(256) as u8,
            _ => v.push(rng.next(256) as u8),
        }
    }
    v
}

fn interesting(rng: &mut common::Lcg, len: u64) -> u64 {
    match rng.next(3) {
        0 => len.saturating_sub(rng.next(8)),
        1 => len + rng.next(8),
        _ => INTERESTING[rng.next(INTERESTING.len() as u64) as usize],
    }
}

/// Sets a frame's length header to the bytes that follow it.
fn fix_frame_header(v: &mut Vec<u8>) {
    if v.len() < 4 {
        v.resize(4, 0);
    }
    let n = (v.len() - 4) as u32;
    v[..4].copy_from_slice(&n.to_be_bytes());
}

fn mutate(rng: &mut common::Lcg, base: &[u8], others: &[Named], shape: Shape) -> Vec<u8> {
    if shape == Shape::Batch {
        return mutate_bytes(rng, base, others);
    }
    // Half the time, mutate the Automerge bytes of one document inside the message.
    if rng.next(2) == 0 {
        if let Ok(mut m) = rapport_sync::decode(base) {
            let docs = match &mut m {
                Message::Push { docs } | Message::Docs { docs } => docs,
                _ => return mutate_bytes(rng, base, others),
            };
            if !docs.is_empty() {
                let i = rng.next(docs.len() as u64) as usize;
                docs[i].bytes = mutate_bytes(rng, &docs[i].bytes, &[(String::new(), docs[i].bytes.clone())]);
                return encode(&m);
            }
        }
    }
    let mut v = mutate_bytes(rng, base, others);
    if rng.next(4) != 0 {
        fix_frame_header(&mut v);
    }
    v
}

#[test]
fn wire_decode_corpus_and_mutations() {
    replay("wire_decode", Shape::Frame, 20_000, BUDGET, &harness::wire_decode);
}

#[test]
fn relay_push_corpus_and_mutations() {
    let h = RelayHarness::new();
    replay("relay_push", Shape::Batch, 3000, BUDGET, &|d| h.push(d));
}

#[test]
fn node_adopt_corpus_and_mutations() {
    let h = NodeHarness::new();
    replay("node_adopt", Shape::Batch, 3000, BUDGET, &|d| h.adopt(d));
}

#[test]
fn peer_answer_corpus_and_mutations() {
    let h = NodeHarness::new();
    replay("peer_answer", Shape::Frame, 3000, BUDGET, &|d| h.answer(d));
}

/// The harness reports what it sees: a valid new customer is accepted and the same
/// customer sent under another id refused, through the functions the fuzzers call.
#[test]
fn the_harness_accepts_what_is_valid_and_refuses_what_is_not() {
    let (c, mut d) = harness::seeded_doc(5);
    let bytes = d.save();
    let items = [(Target::Id(c.id.0), bytes.as_slice()), (Target::Id([5; 16]), bytes.as_slice())];
    let batch = encode_batch(true, &items);
    let parsed = harness::parse_batch(&batch);
    assert!(parsed.empty);
    assert_eq!(parsed.items.iter().map(|i| i.0).collect::<Vec<_>>(), vec![c.id.0, [5; 16]]);
    let both = Outcome { accepted: 1, refused: 1 };
    assert_eq!(RelayHarness::new().push(&batch), both);
    assert_eq!(NodeHarness::new().adopt(&batch), both);
    let docs = items.iter().map(|(t, b)| DocChanges { id: id_of(*t, &[]), bytes: b.to_vec() }).collect();
    assert_eq!(NodeHarness::new().answer(&encode(&Message::Push { docs })), both);
    assert_eq!(harness::wire_decode(&encode(&Message::Welcome)), Outcome { accepted: 1, refused: 0 });
    assert_eq!(harness::wire_decode(b"\0\0\0\x01\x07"), Outcome { accepted: 0, refused: 1 });
}

// ---- The seed corpus ----------------------------------------------------------------------

fn meta() -> ChangeMeta {
    ChangeMeta::new("Wang Fang", common::at("2026-03-02 10:00"))
}

/// Named Automerge inputs for the batch targets and the frames built from them.
struct Seeds {
    batches: Vec<Named>,
    frames: Vec<Named>,
}

impl Seeds {
    fn batch(&mut self, name: &str, empty: bool, items: &[(Target, &[u8])]) {
        self.batches.push((name.to_string(), encode_batch(empty, items)));
    }

    fn frame(&mut self, name: &str, m: &Message) {
        self.frames.push((name.to_string(), encode(m)));
    }
}

fn id_of(t: Target, seeded: &[[u8; 16]]) -> [u8; 16] {
    match t {
        Target::Settings => SETTINGS,
        Target::Seeded(i) => seeded[i],
        Target::Id(id) => id,
    }
}

/// A compressed change chunk (Automerge chunk type 2) holding `change`'s data: what a tool
/// may send instead of the plain chunk, small on the wire.
fn compressed_chunk(change: &[u8]) -> Vec<u8> {
    use std::io::Write;
    // The plain chunk: magic (4), checksum (4), type (1), LEB128 length, data.
    let mut at = 9;
    while change[at] & 0x80 != 0 {
        at += 1;
    }
    let data = &change[at + 1..];
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).expect("deflate");
    let data = enc.finish().expect("deflate");
    let mut chunk = change[..8].to_vec();
    chunk.push(2);
    chunk.extend(leb(data.len() as u64));
    chunk.extend_from_slice(&data);
    chunk
}

fn build_seeds() -> Seeds {
    let mut s = Seeds { batches: Vec::new(), frames: Vec::new() };
    let mut docs = harness::seeded_docs();
    let seeded: Vec<[u8; 16]> = docs.iter().map(|(c, _)| c.id.0).collect();
    let (a, b) = (Target::Seeded(0), Target::Seeded(1));
    let (ca, mut da) = docs.remove(0);
    let (_, mut db) = docs.remove(0);
    let mut genesis = harness::genesis();
    let mut settings_am: AutoCommit = genesis.automerge().fork();
    let mut a_am: AutoCommit = da.automerge().fork();
    let mut b_am: AutoCommit = db.automerge().fork();

    // Valid documents and changes.
    let genesis_bytes = genesis.save();
    let a_whole = da.save();
    let a_plain = da.save_plain();
    let (cc, mut dc) = harness::seeded_doc(2);
    let c_new = dc.save();
    let c = Target::Id(cc.id.0);
    let a_archived = {
        let mut d = da.fork();
        d.set_archived(true, meta()).expect("archive");
        d.save_after(&da.heads())
    };
    let a_priority = {
        let mut d = da.fork();
        let patch = rapport_model::CustomerPatch { priority: Some(true), ..Default::default() };
        d.apply_patch(&patch, meta()).expect("patch");
        d.save_after(&da.heads())
    };
    let a_edited_whole = {
        let mut d = da.fork();
        d.set_archived(true, meta()).expect("archive");
        d.save()
    };
    let b_order = {
        let mut d = db.fork();
        let order = rapport_model::Order {
            id: rapport_model::ItemId("f0220000000000a1".into()),
            date: harness::as_of(),
            amount: rapport_model::Money(12_800_000),
            category: "bearings".into(),
            product: Some("6204-2RS".into()),
        };
        d.add_order(&order, meta()).expect("order");
        d.save_after(&db.heads())
    };
    let settings_rule = {
        let mut d = genesis.fork();
        let rule = RuleRecord {
            name: "big_spender".into(),
            tag: "大客户".into(),
            when: "amount_total > 1000000".into(),
            enabled: true,
            position: 1000,
        };
        d.put_rule(&rule, meta()).expect("rule");
        let base = genesis.heads();
        d.automerge().save_after(&base)
    };

    // Hostile documents and changes (common::craft: what a tool writing Automerge sends).
    let settings_not_json = craft::settings_not_json(&mut settings_am);
    let settings_bad_rule = craft::change(&mut settings_am, |d| {
        let rules = craft::root_map(d, "rules");
        let r = d.put_object(&rules, "broken", automerge::ObjType::Map).expect("rule");
        d.put(&r, "tag", "x").expect("put");
        d.put(&r, "when", "amount_total >").expect("put");
        d.put(&r, "enabled", true).expect("put");
        d.put(&r, "position", 5i64).expect("put");
    });
    let settings_schema = craft::rewrite_root(&mut settings_am, "schema", ScalarValue::Uint(2));
    let settings_unknown_key = craft::rewrite_root(&mut settings_am, "evil", ScalarValue::Str("x".into()));
    let a_number = craft::rewrite_root(&mut a_am, "number", ScalarValue::Str("MFG-2026-FUZZ00-002".into()));
    let a_id = craft::rewrite_root(
        &mut a_am,
        "id",
        ScalarValue::Str(seeded[1].iter().map(|b| format!("{b:02x}")).collect::<String>().into()),
    );
    let a_schema = craft::rewrite_root(&mut a_am, "schema", ScalarValue::Uint(99));
    let a_empty_name = craft::rewrite_root(&mut a_am, "name", ScalarValue::Str("".into()));
    let a_bad_stage = craft::rewrite_root(&mut a_am, "stage", ScalarValue::Str("bogus".into()));
    let a_stage_type = craft::rewrite_root(&mut a_am, "stage", ScalarValue::Int(3));
    let a_deleted_contacts = craft::change(&mut a_am, |d| {
        d.delete(ROOT, "contacts").expect("delete");
    });
    let b_many_ops = craft::many_ops_change(&mut b_am, 120_000);
    let b_many_ops_compressed = compressed_chunk(&craft::many_ops_change(&mut b_am, 300_000));
    let bomb = craft::deflate_bomb(64 << 20);
    let (newer_c, newer) = {
        let mut c = craft::customer("未来公司");
        c.schema = rapport_model::SCHEMA_VERSION + 1;
        let mut d =
            CustomerDoc::create(&c, craft::attacker(), ChangeMeta::new("Mallory", c.created_at)).expect("create");
        (c, d.save())
    };
    let second_root_a = {
        // Another document claiming to create customer A (its id and number).
        let mut c = craft::customer("苏州恒瑞精密机械有限公司");
        c.id = ca.id;
        c.number = ca.number.clone();
        let mut d =
            CustomerDoc::create(&c, craft::attacker(), ChangeMeta::new("Mallory", c.created_at)).expect("create");
        d.save()
    };
    let number_taken = {
        let (mut c, _) = harness::seeded_doc(3);
        c.number = ca.number.clone();
        let mut d = CustomerDoc::create(&c, craft::attacker(), meta()).expect("create");
        (c.id.0, d.save())
    };
    let (attacker_c, mut attacker_doc) = craft::customer_doc("深圳前海微众科技有限公司");
    let attacker_whole = attacker_doc.save();

    let singles: Vec<(&str, Target, &[u8])> = vec![
        ("settings-genesis", Target::Settings, &genesis_bytes),
        ("settings-new-rule", Target::Settings, &settings_rule),
        ("settings-not-json", Target::Settings, &settings_not_json),
        ("settings-bad-rule", Target::Settings, &settings_bad_rule),
        ("settings-schema-rewrite", Target::Settings, &settings_schema),
        ("settings-unknown-key", Target::Settings, &settings_unknown_key),
        ("settings-as-customer", a, &genesis_bytes),
        ("customer-as-settings", Target::Settings, &a_whole),
        ("a-whole", a, &a_whole),
        ("a-whole-plain", a, &a_plain),
        ("a-archived", a, &a_archived),
        ("a-priority", a, &a_priority),
        ("a-edited-whole", a, &a_edited_whole),
        ("a-sent-as-b", b, &a_whole),
        ("a-number-rewrite", a, &a_number),
        ("a-id-rewrite", a, &a_id),
        ("a-schema-rewrite", a, &a_schema),
        ("a-empty-name", a, &a_empty_name),
        ("a-bad-stage", a, &a_bad_stage),
        ("a-stage-not-text", a, &a_stage_type),
        ("a-contacts-deleted", a, &a_deleted_contacts),
        ("a-second-creation", a, &second_root_a),
        ("b-order", b, &b_order),
        ("b-120k-ops", b, &b_many_ops),
        ("b-300k-ops-compressed", b, &b_many_ops_compressed),
        ("deflate-bomb-64mib", a, &bomb),
        ("deflate-bomb-64mib-settings", Target::Settings, &bomb),
        ("c-new", c, &c_new),
        ("newer-schema", Target::Id(newer_c.id.0), &newer),
        ("number-taken", Target::Id(number_taken.0), &number_taken.1),
        ("attacker-new", Target::Id(attacker_c.id.0), &attacker_whole),
        ("empty-bytes", a, b""),
        ("not-automerge", Target::Id([7; 16]), b"not automerge at all"),
    ];
    for (name, t, bytes) in &singles {
        s.batch(name, false, &[(*t, bytes)]);
        s.frame(
            &format!("push-{name}"),
            &Message::Push { docs: vec![DocChanges { id: id_of(*t, &seeded), bytes: bytes.to_vec() }] },
        );
    }
    s.batch("empty-team-genesis-and-new", true, &[(Target::Settings, &genesis_bytes), (c, &c_new), (a, &a_whole)]);
    s.batch("empty-team-changes-without-base", true, &[(a, &a_archived), (Target::Settings, &settings_rule)]);
    let mixed: [(Target, &[u8]); 6] = [
        (Target::Settings, &settings_rule),
        (a, &a_archived),
        (a, &a_priority),
        (b, &b_order),
        (c, &c_new),
        (a, &a_number),
    ];
    s.batch("mixed", false, &mixed);
    s.frame(
        "push-mixed",
        &Message::Push {
            docs: mixed.iter().map(|(t, b)| DocChanges { id: id_of(*t, &seeded), bytes: b.to_vec() }).collect(),
        },
    );
    s.batch("same-customer-twice", false, &[(a, &a_archived), (a, &a_edited_whole), (a, &a_priority)]);

    // Every other message kind.
    let a_heads = harness::wire_heads(&da.heads());
    let genesis_heads = harness::wire_heads(&genesis.heads());
    let requests = [
        ("changes-all", Message::Changes { since: 0, limit: 100 }),
        ("changes-zero-limit", Message::Changes { since: 0, limit: 0 }),
        ("changes-past-end", Message::Changes { since: u64::MAX, limit: u32::MAX }),
        (
            "fetch",
            Message::Fetch {
                docs: vec![
                    DocHeads { id: SETTINGS, heads: Vec::new() },
                    DocHeads { id: SETTINGS, heads: genesis_heads.clone() },
                    DocHeads { id: seeded[0], heads: Vec::new() },
                    DocHeads { id: seeded[1], heads: a_heads.clone() },
                    DocHeads { id: seeded[0], heads: vec![[7; 32]] },
                    DocHeads { id: [9; 16], heads: Vec::new() },
                ],
            },
        ),
        (
            "hello",
            Message::Hello { pairing: Some([3; 32]), addrs: vec!["127.0.0.1:7879".into()], name: "Li Wei".into() },
        ),
        ("hello-paired", Message::Hello { pairing: None, addrs: Vec::new(), name: String::new() }),
        ("welcome", Message::Welcome),
        ("error", Message::Error { code: "bad_request".into(), detail: "not a request".into() }),
        (
            "pushed",
            Message::Pushed {
                results: vec![
                    DocResult::Stored(DocHeads { id: seeded[0], heads: a_heads.clone() }),
                    DocResult::Refused { id: seeded[1], reason: "no".into() },
                ],
            },
        ),
        (
            "changed",
            Message::Changed {
                docs: vec![DocHeads { id: SETTINGS, heads: genesis_heads }],
                gone: Vec::new(),
                cursor: 4,
                more: true,
            },
        ),
        ("docs", Message::Docs { docs: vec![DocChanges { id: seeded[0], bytes: a_archived.clone() }] }),
    ];
    for (name, m) in &requests {
        s.frame(name, m);
    }
    // Frames the decoder refuses.
    let good = encode(&Message::Changes { since: 1, limit: 10 });
    let mut bad_version = good.clone();
    bad_version[4] = 2;
    let mut trailing = good.clone();
    trailing.push(0);
    let mut short_header = good.clone();
    short_header[3] += 1;
    let mut payload_left_over = good.clone();
    payload_left_over.push(0);
    fix_frame_header(&mut payload_left_over);
    let mut unknown_variant = good.clone();
    unknown_variant[5] = 200;
    let refused = [
        ("bad-version", bad_version),
        ("bytes-after-frame", trailing),
        ("truncated", short_header),
        ("bytes-after-message", payload_left_over),
        ("unknown-message", unknown_variant),
        ("over-max-frame", vec![0x02, 0x00, 0x00, 0x01, 1]),
        ("empty-payload", vec![0, 0, 0, 0]),
    ];
    s.frames.extend(refused.into_iter().map(|(n, f)| (n.to_string(), f)));
    s
}

/// Writes the seed corpus: `seed-*` files in `fuzz/corpus/TARGET/`, replacing earlier seeds
/// and leaving inputs the fuzzers found alone.
#[test]
#[ignore = "writes the seed corpus into fuzz/corpus; run by hand (README.md, Fuzzing)"]
fn write_seed_corpus() {
    let seeds = build_seeds();
    let small_frames: Vec<Named> = seeds.frames.iter().filter(|(_, f)| f.len() <= 4096).cloned().collect();
    let sets: [(&str, &[Named]); 4] = [
        ("wire_decode", &small_frames),
        ("relay_push", &seeds.batches),
        ("node_adopt", &seeds.batches),
        ("peer_answer", &seeds.frames),
    ];
    let mut total = 0;
    for (target, files) in sets {
        assert!(TARGETS.contains(&target));
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).expect("corpus dir");
        for e in std::fs::read_dir(&dir).expect("corpus dir") {
            let p = e.expect("entry").path();
            if p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("seed-")) {
                std::fs::remove_file(&p).expect("remove old seed");
            }
        }
        for (name, bytes) in files {
            std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("write seed");
            total += bytes.len();
        }
        eprintln!("{target}: {} seeds", files.len());
    }
    eprintln!("{total} bytes of seeds");
}
