//! What checking a document costs, per document, on bench-shaped customers (3 contacts,
//! 10 follow-ups, 5 orders, 2 service records): the stages every relay push and node
//! adoption now runs, next to the Automerge load they already paid for. Prints one JSON
//! object. Run with `cargo bench -p rapport-doc --bench check`; under
//! `valgrind --tool=callgrind` for instruction counts that do not depend on machine load.

use rapport_doc::{inspect, ActorId, ChangeMeta, CustomerDoc, LIMITS};
use std::hint::black_box;
use std::time::Instant;

fn micros_per_doc(n: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
    best
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
    let book = rapport_demo::DemoBook::new(7, today, &["Li Wei", "Wang Fang"]);
    let actor = ActorId::from(vec![1u8; 24]);
    let saved: Vec<(rapport_model::CustomerId, Vec<u8>)> = (0..n as u64)
        .filter_map(|i| {
            let mut c = book.customer(i, &rapport_demo::DemoProfile::bench());
            c.number = format!("MFG-2026-BENCH0-{i:03}");
            let mut d = CustomerDoc::create(&c, actor.clone(), ChangeMeta::new("Li Wei", c.created_at)).ok()?;
            Some((c.id, d.save_plain()))
        })
        .collect();
    let mut docs: Vec<CustomerDoc> = saved.iter().filter_map(|(_, b)| CustomerDoc::load(b).ok()).collect();
    let inspect_us = micros_per_doc(n, || {
        for (_, b) in &saved {
            black_box(inspect(b, &LIMITS).is_ok());
        }
    });
    let load_us = micros_per_doc(n, || {
        for (_, b) in &saved {
            black_box(CustomerDoc::load(b).is_ok());
        }
    });
    let read_us = micros_per_doc(n, || {
        for d in &docs {
            black_box(d.read().is_ok());
        }
    });
    let check_us = micros_per_doc(n, || {
        for (d, (id, _)) in docs.iter_mut().zip(&saved) {
            black_box(d.check(*id).is_ok());
        }
    });
    let customers: Vec<rapport_model::Customer> = docs.iter().filter_map(|d| d.read().ok()).collect();
    let values_us = micros_per_doc(n, || {
        for c in &customers {
            black_box(c.check().is_ok());
        }
    });
    println!(
        "{}",
        serde_json::json!({
            "documents": n,
            "bytes_per_document": saved.iter().map(|(_, b)| b.len()).sum::<usize>() / n.max(1),
            "threads": 1,
            "us_per_document": {
                "inspect (bounds, before loading)": inspect_us,
                "automerge load (paid before)": load_us,
                "read under the schema": read_us,
                "check (history, read, values)": check_us,
                "of which values (Customer::check)": values_us,
                "of which history (limits, set-once)": check_us - read_us - values_us,
            }
        })
    );
}
