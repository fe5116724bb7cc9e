//! `rapport bench`: store figures on generated books, printed as JSON.
//!
//! For each size it generates the bench-shaped book (3 contacts, 10 follow-ups, 5 orders,
//! 2 service records per customer) into a fresh store, then times whole `rapport`
//! processes for the commands a user waits on: cold `customer show`, a filtered list
//! and a name search. Process wall time includes start-up and opening the store, which
//! is what a user feels.

use crate::args::BenchArgs;
use crate::commands::{default_settings, now, store_path, today};
use anyhow::{Context, Result};
use rapport_store::Store;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn median_ms(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Times `rapport ARGS` over `runs` runs; returns the median wall time in ms.
fn time_process(dir: &Path, args: &[&str], runs: usize) -> Result<f64> {
    let exe = std::env::current_exe().context("locating the rapport binary")?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let out = Command::new(&exe).arg("--data-dir").arg(dir).args(args).output()?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if !out.status.success() {
            anyhow::bail!("`rapport {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
        }
    }
    Ok(median_ms(times))
}

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the benchmark.
pub fn run(a: &BenchArgs) -> Result<()> {
    let tmp;
    let base = match &a.dir {
        Some(d) => d.clone(),
        None => {
            tmp = TempDir::new()?;
            tmp.0.clone()
        }
    };
    let mut results = Vec::new();
    for &n in &a.sizes {
        let dir = base.join(format!("book-{n}"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        let path = store_path(&dir);
        let store = Store::init(&path, "Bench", default_settings()?, crate::dictionary::train()?)?;
        let book = rapport_demo::DemoBook::new(7, today(), &["Li Wei", "Wang Fang", "Zhang Min", "Chen Jie"]);
        let profile = rapport_demo::DemoProfile::bench();
        let t = Instant::now();
        let mut numbers = Vec::new();
        // Generate and store in slices so memory stays bounded at any size.
        let slice = 20_000u64;
        let mut i = 0;
        while i < n {
            let end = (i + slice).min(n);
            let customers: Vec<_> = (i..end).map(|k| book.customer(k, &profile)).collect();
            numbers.extend(store.create_many(customers, "Bench", now())?);
            i = end;
        }
        let generate_s = t.elapsed().as_secs_f64();
        drop(store);
        let bytes = std::fs::metadata(&path)?.len();
        let mut store = Store::open(&path)?;
        let t = Instant::now();
        store.compact()?;
        let compact_s = t.elapsed().as_secs_f64();
        drop(store);
        let compacted = std::fs::metadata(&path)?.len();
        let tables = Store::open(&path)?.table_bytes()?;
        let probe = numbers.get(numbers.len() / 2).cloned().unwrap_or_default();
        let show_ms = time_process(&dir, &["customer", "show", &probe], 7)?;
        let list_ms = time_process(&dir, &["list", "--industry", "C", "--stage", "won", "--limit", "20"], 5)?;
        let list_intent_ms = time_process(&dir, &["list", "--industry", "C", "--stage", "intent", "--limit", "20"], 5)?;
        let search_ms = time_process(&dir, &["search", "精密"], 5)?;
        let list_rows = {
            let store = Store::open(&path)?;
            let f = rapport_store::Filter {
                industry: Some("C".into()),
                stage: Some(rapport_model::Stage::Won),
                ..Default::default()
            };
            store.list(&f)?.len()
        };
        results.push(serde_json::json!({
            "customers": n,
            "generate_and_store_s": generate_s,
            "file_bytes_after_load": bytes,
            "file_bytes_per_customer_after_load": bytes as f64 / n.max(1) as f64,
            "compact_s": compact_s,
            "store_bytes": compacted,
            "store_bytes_per_customer": compacted as f64 / n.max(1) as f64,
            "cold_customer_show_ms": show_ms,
            "list_industry_c_stage_won_ms": list_ms,
            "list_industry_c_stage_won_rows": list_rows,
            "list_industry_c_stage_intent_ms": list_intent_ms,
            "search_name_fragment_ms": search_ms,
            "tables": tables,
        }));
        if a.dir.is_none() {
            std::fs::remove_dir_all(&dir)?;
        }
    }
    crate::out::json(&serde_json::json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "peak_rss_kib": peak_rss_kib(),
        "results": results,
    }))
}

/// A directory removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let p = std::env::temp_dir().join(format!("rapport-bench-{}", std::process::id()));
        std::fs::create_dir_all(&p)?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
