//! What a customer document costs, per document, on bench-shaped customers (3 contacts,
//! 10 follow-ups, 5 orders, 2 service records): creating it (import, demo), an edit, saving
//! and loading it (the store), the stages every relay push and node adoption runs (inspect,
//! load, check) and merging an incremental chunk into a loaded document (sync). Prints one
//! JSON object. Times are CPU time of this thread (`/proc/thread-self/schedstat`), the best
//! of five runs, so other work on the machine does not count. Run with
//! `cargo bench -p rapport-doc --bench check [-- N]`; under `valgrind --tool=callgrind`
//! for instruction counts. `docs/architecture.md` ("Automerge version") has the figures.

use rapport_doc::{inspect, ActorId, ChangeMeta, CustomerDoc, LIMITS};
use rapport_model::{Channel, NewInteraction};
use std::hint::black_box;
use std::time::Instant;

/// CPU time this thread has used, in seconds; wall time where the kernel does not say. The
/// kernel advances it at scheduler ticks, so a stage is timed over all documents at once and
/// one that takes under a tick in all reads as 0 (`conflicts_quick` on one-change documents).
fn thread_cpu_seconds(start: Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .map_or_else(|| start.elapsed().as_secs_f64(), |ns| ns as f64 / 1e9)
}

fn micros_per_doc(n: usize, mut f: impl FnMut()) -> f64 {
    let origin = Instant::now();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = thread_cpu_seconds(origin);
        f();
        best = best.min((thread_cpu_seconds(origin) - t) * 1e6 / n as f64);
    }
    best
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(2000);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
    let book = rapport_demo::DemoBook::new(7, today, &["Li Wei", "Wang Fang"]);
    let actor = ActorId::from(vec![1u8; 24]);
    let customers: Vec<rapport_model::Customer> = (0..n as u64)
        .map(|i| {
            let mut c = book.customer(i, &rapport_demo::DemoProfile::bench());
            c.number = format!("MFG-2026-BENCH0-{i:03}");
            c
        })
        .collect();
    let create = |c: &rapport_model::Customer| {
        CustomerDoc::create(c, actor.clone(), ChangeMeta::new("Li Wei", c.created_at)).ok()
    };
    let create_us = micros_per_doc(n, || {
        for c in &customers {
            black_box(create(c).is_some());
        }
    });
    let mut docs: Vec<CustomerDoc> = customers.iter().filter_map(create).collect();
    let save_us = micros_per_doc(n, || {
        for d in docs.iter_mut() {
            black_box(d.save().len());
        }
    });
    let save_plain_us = micros_per_doc(n, || {
        for d in docs.iter_mut() {
            black_box(d.save_plain().len());
        }
    });
    let ids: Vec<_> = customers.iter().map(|c| c.id).collect();
    let plain: Vec<Vec<u8>> = docs.iter_mut().map(|d| d.save_plain()).collect();
    let compressed: Vec<Vec<u8>> = docs.iter_mut().map(|d| d.save()).collect();
    let inspect_us = micros_per_doc(n, || {
        for b in &plain {
            black_box(inspect(b, &LIMITS).is_ok());
        }
    });
    let load_us = micros_per_doc(n, || {
        for b in &plain {
            black_box(CustomerDoc::load(b).is_ok());
        }
    });
    let load_compressed_us = micros_per_doc(n, || {
        for b in &compressed {
            black_box(CustomerDoc::load(b).is_ok());
        }
    });
    let read_us = micros_per_doc(n, || {
        for d in &docs {
            black_box(d.read().is_ok());
        }
    });
    let check_us = micros_per_doc(n, || {
        for (d, id) in docs.iter_mut().zip(&ids) {
            black_box(d.check(*id).is_ok());
        }
    });
    let conflicts_us = micros_per_doc(n, || {
        for d in docs.iter_mut() {
            black_box(d.conflicts_quick().is_ok());
        }
    });
    let read_customers: Vec<rapport_model::Customer> = docs.iter().filter_map(|d| d.read().ok()).collect();
    let values_us = micros_per_doc(n, || {
        for c in &read_customers {
            black_box(c.check().is_ok());
        }
    });
    // One follow-up added by another member: the edit, and the chunk sync carries.
    let at = chrono::NaiveDateTime::new(today, chrono::NaiveTime::MIN);
    let follow_up =
        NewInteraction {
            channel: Some(Channel::Phone), summary: "电话沟通三季度采购量".into(), ..Default::default()
        }
        .validate("Wang Fang", at)
        .ok();
    let edit = |d: &mut CustomerDoc| {
        follow_up.as_ref().map(|i| d.add_interaction(i, ChangeMeta::new("Wang Fang", at)).is_ok())
    };
    let mut edited: Vec<CustomerDoc> = docs.iter_mut().map(|d| d.fork()).collect();
    let edit_us = micros_per_doc(n, || {
        for d in docs.iter_mut() {
            let mut f = d.fork();
            black_box(edit(&mut f));
        }
    });
    let fork_us = micros_per_doc(n, || {
        for d in docs.iter_mut() {
            black_box(d.fork());
        }
    });
    let chunks: Vec<Vec<u8>> = edited
        .iter_mut()
        .zip(docs.iter_mut())
        .map(|(e, d)| {
            let before = d.heads();
            edit(e);
            e.save_after(&before)
        })
        .collect();
    let load_merge_us = micros_per_doc(n, || {
        for (b, chunk) in plain.iter().zip(&chunks) {
            let merged = CustomerDoc::load(b).ok().and_then(|d| d.merged_untrusted(chunk).ok());
            black_box(merged.is_some());
        }
    });
    println!(
        "{}",
        serde_json::json!({
            "automerge": option_env!("RAPPORT_AUTOMERGE").unwrap_or("see Cargo.lock"),
            "documents": n,
            "plain_bytes_per_document": plain.iter().map(Vec::len).sum::<usize>() / n.max(1),
            "compressed_bytes_per_document": compressed.iter().map(Vec::len).sum::<usize>() / n.max(1),
            "threads": 1,
            "us_per_document (thread CPU, best of 5)": {
                "create (one change)": create_us,
                "edit: add a follow-up (fork excluded)": edit_us - fork_us,
                "save (compressed)": save_us,
                "save_plain (what the store zstd-packs)": save_plain_us,
                "inspect (bounds, before loading)": inspect_us,
                "load (plain)": load_us,
                "load (compressed)": load_compressed_us,
                "read under the schema": read_us,
                "check (history, read, values)": check_us,
                "of which values (Customer::check)": values_us,
                "of which history (limits, set-once)": check_us - read_us - values_us,
                "conflicts_quick": conflicts_us,
                "merge an incremental chunk (load + merge - load)": load_merge_us - load_us,
                "adopt: inspect + load + check": inspect_us + load_us + check_us,
            }
        })
    );
}
