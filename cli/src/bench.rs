//! `rapport bench`: store figures on generated books, printed as JSON.
//!
//! For each size it generates the bench-shaped book (3 contacts, 10 follow-ups, 5 orders,
//! 2 service records per customer) into a fresh store, then times whole `rapport`
//! processes for the commands a user waits on: cold `customer show`, a filtered list
//! and a name search. Process wall time includes start-up and opening the store, which
//! is what a user feels.

use crate::args::BenchArgs;
use crate::context::{default_settings, now, store_path, today};
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
        let store = Store::init(&path, "Bench", default_settings()?, rapport_node::dictionary::train()?)?;
        // Install the rules engine so every stored customer gets its facts, tags and tier.
        let (book, _) = rapport_node::LocalBook::open(store, crate::context::clock())?;
        let store = book.store;
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
        let store = Store::open(&path)?;
        let t = Instant::now();
        store.compact()?;
        let compact_s = t.elapsed().as_secs_f64();
        drop(store);
        let compacted = std::fs::metadata(&path)?.len();
        let tables = Store::open(&path)?.table_bytes()?;
        let rules = rules_figures(&path)?;
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
            "rules": rules,
            "exchange": crate::bench_exchange::figures(&dir, &base.join(format!("exchange-{n}")))?,
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

/// Issue 3's figures: full recompute split per stage, re-evaluation after one edit,
/// `rules test`, and the three tier models.
fn rules_figures(path: &Path) -> Result<serde_json::Value> {
    use rapport_node::{engine, LocalBook};
    let (book, _) = LocalBook::open(Store::open(path)?, crate::context::clock())?;
    let as_of = today();
    let engine = engine::engine_for(&book.store, as_of)?;
    let t = Instant::now();
    let facts = engine::all_facts(&book.store)?;
    let read_decode_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let eval = rapport_rules::Book::evaluate_compiled(&facts, &engine.compiled, &engine.settings, as_of);
    let evaluate_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let summaries: Vec<_> =
        [rapport_rules::TierModel::Sabc, rapport_rules::TierModel::Abc, rapport_rules::TierModel::Rfm]
            .into_iter()
            .map(|m| eval.summary(m))
            .collect();
    let summaries_ms = t.elapsed().as_secs_f64() * 1000.0;
    drop(eval);
    drop(summaries);
    // The whole refresh as `rapport tags refresh` runs it (threads, and writing changed rows).
    let t = Instant::now();
    let refresh = engine::refresh(&book.store, &engine)?;
    let refresh_unchanged_ms = t.elapsed().as_secs_f64() * 1000.0;
    // Force every derived row to be rewritten: derive as of a year later, then back.
    let later = engine::engine_for(&book.store, as_of + chrono::Duration::days(365))?;
    let t = Instant::now();
    let moved = engine::refresh(&book.store, &later)?;
    let refresh_date_change_ms = t.elapsed().as_secs_f64() * 1000.0;
    engine::refresh(&book.store, &engine)?;
    // One edit: a durable follow-up, which re-derives that customer inside the write.
    let first = book.store.all_summaries()?.into_iter().next().map(|r| r.summary.number).unwrap_or_default();
    let new = rapport_model::NewInteraction {
        channel: Some(rapport_model::Channel::Phone),
        summary: "bench call".into(),
        ..Default::default()
    };
    let mut edit_ms = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        book.add_interaction(&first, &new)?;
        edit_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let c = book.store.get(book.store.resolve(&first)?)?;
    let f = rapport_rules::Facts::from_customer(&c);
    let t = Instant::now();
    for _ in 0..1000 {
        let _ = rapport_rules::evaluate_customer(&f, &engine.compiled, &engine.settings, as_of);
    }
    let eval_one_us = t.elapsed().as_secs_f64() * 1000.0;
    let draft = rapport_rules::Rule::new("draft", "draft", "orders.amount within 6 months > 200000 and intent = high");
    let t = Instant::now();
    let matched = book.test_rule(&draft, as_of)?.len();
    let rules_test_ms = t.elapsed().as_secs_f64() * 1000.0;
    let mut tiers_ms = serde_json::Map::new();
    for (name, m) in [
        ("sabc", rapport_rules::TierModel::Sabc),
        ("abc", rapport_rules::TierModel::Abc),
        ("rfm", rapport_rules::TierModel::Rfm),
    ] {
        let t = Instant::now();
        book.tiers(m, as_of)?;
        tiers_ms.insert(name.into(), serde_json::json!(t.elapsed().as_secs_f64() * 1000.0));
    }
    Ok(serde_json::json!({
        "full_recompute_stages_ms": {
            "read_and_decode_facts": read_decode_ms,
            "figures_tags_tiers_abc_rfm_1_thread": evaluate_ms,
            "tier_summaries_3_models": summaries_ms,
        },
        "refresh_nothing_changed_ms": refresh_unchanged_ms,
        "refresh_customers": refresh.customers,
        "refresh_after_date_change_ms": refresh_date_change_ms,
        "refresh_after_date_change_rows_rewritten": moved.changed,
        "edit_one_customer_durable_ms_median": median_ms(edit_ms),
        "evaluate_one_customer_us": eval_one_us,
        "rules_test_ms": rules_test_ms,
        "rules_test_matched": matched,
        "tiers_command_ms": tiers_ms,
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
