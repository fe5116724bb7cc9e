//! Benchmark of book evaluation on generated customers (no criterion: plain timings).
//!
//! For 10,000 and 100,000 customers, each with 5 orders, 10 follow-ups and 2 service
//! records, prints one JSON object per book size with the milliseconds of each stage:
//! facts decode, figures, default tags, tiers (grades, composite, value, cadence, ABC and
//! RFM boundaries), the whole `Book::evaluate_compiled`, the same split over two threads,
//! a draft-rule test over the book, and the average microseconds to re-evaluate one edited
//! customer against cached boundaries; then, in a fresh process, the peak memory of decoding
//! and evaluating the largest book alone. Run with `cargo bench -p rapport-rules`.

use rapport_model::{CustomerId, Date, IntentLevel, Kind, ServiceKind, Stage};
use rapport_rules::*;
use std::hint::black_box;
use std::time::Instant;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, m: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % m.max(1)
    }
}

const CATEGORIES: &[&str] = &["工业设备", "耗材", "软件服务", "备件", "培训"];
const SOURCES: &[&str] = &["展会", "转介绍", "线上广告", "合作伙伴", "inbound"];
const OWNERS: &[&str] = &["li.wei", "zhang.min", "wang.fang", "chen.jie"];

fn generate(n: usize, as_of: Date) -> Vec<Facts> {
    let mut r = Lcg(0x5eed);
    let today = day_of(as_of);
    (0..n)
        .map(|i| {
            let mut id = [0u8; 16];
            id[..8].copy_from_slice(&r.next(u64::MAX).to_le_bytes());
            id[8..].copy_from_slice(&(i as u64).to_le_bytes());
            let created = today - 60 - r.next(1_000) as i32;
            let mut orders: Vec<OrderFact> = (0..5)
                .map(|_| OrderFact {
                    day: today - r.next(720) as i32,
                    amount: 10_000 + r.next(30_000_000) as i64,
                    category: CATEGORIES[r.next(CATEGORIES.len() as u64) as usize].to_string(),
                })
                .collect();
            orders.sort_by(|a, b| (a.day, a.amount, &a.category).cmp(&(b.day, b.amount, &b.category)));
            let mut interactions: Vec<InteractionFact> = (0..10)
                .map(|_| InteractionFact {
                    day: today - r.next(400) as i32,
                    intent: match r.next(4) {
                        0 => None,
                        1 => Some(IntentLevel::Low),
                        2 => Some(IntentLevel::Medium),
                        _ => Some(IntentLevel::High),
                    },
                })
                .collect();
            interactions.sort_by_key(|i| i.day);
            let mut services: Vec<ServiceFact> = (0..2)
                .map(|_| ServiceFact {
                    day: today - r.next(400) as i32,
                    kind: [ServiceKind::Question, ServiceKind::Fault, ServiceKind::Complaint][r.next(3) as usize],
                    satisfaction: Some(100 + r.next(401) as u16),
                })
                .collect();
            services.sort_by_key(|s| s.day);
            let won = r.next(3) == 0;
            Facts {
                id: CustomerId(id),
                number: format!("MFG-2024-K3Q7MX-{i:06}"),
                name: format!("上海精工机械{i}有限公司"),
                kind: if r.next(5) == 0 { Kind::Person } else { Kind::Company },
                stage: if won {
                    Stage::Won
                } else {
                    [Stage::Potential, Stage::Intent, Stage::Lost][r.next(3) as usize]
                },
                industry: ["C", "F", "I", "J"][r.next(4) as usize].to_string(),
                source: SOURCES[r.next(SOURCES.len() as u64) as usize].to_string(),
                owner: OWNERS[r.next(OWNERS.len() as u64) as usize].to_string(),
                created,
                priority: r.next(10) == 0,
                archived: false,
                manual_tags: if r.next(10) == 0 { vec!["VIP".to_string()] } else { Vec::new() },
                custom: Vec::new(),
                deal: won.then(|| DealFact { day: created + r.next(50) as i32, amount: 5_000_000 }),
                orders,
                interactions,
                services,
            }
        })
        .collect()
}

fn ms(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn run(n: usize) -> serde_json::Value {
    let as_of = Date::from_ymd_opt(2024, 6, 30).unwrap_or_default();
    let settings = TierSettings::default();
    let rules = CompiledRules::compile(&default_rules()).unwrap_or_default();
    let bytes: Vec<Vec<u8>> = generate(n, as_of).iter().map(Facts::encode).collect();
    let total_bytes: usize = bytes.iter().map(Vec::len).sum();

    let t = Instant::now();
    let facts: Vec<Facts> = bytes.iter().filter_map(|b| Facts::decode(b).ok()).collect();
    let decode_ms = ms(t);
    assert_eq!(facts.len(), n);

    let t = Instant::now();
    let figures: Vec<Figures> = facts.iter().map(|f| Figures::compute(f, as_of)).collect();
    let figures_ms = ms(t);

    let t = Instant::now();
    let tags: Vec<Vec<String>> = facts.iter().zip(&figures).map(|(f, g)| rules.tags(f, g, as_of)).collect();
    let tags_ms = ms(t);

    let t = Instant::now();
    let mut tiers = Vec::with_capacity(n);
    for ((f, g), tg) in facts.iter().zip(&figures).zip(&tags) {
        let gr = grades(f, g, &settings);
        let (tier, reason) = composite_tier(f, g, tg, &gr, &settings);
        let value = customer_value(f, g, &settings);
        let due = cadence_overdue(f, g, tier, &settings, as_of);
        tiers.push((tier, reason, value, due));
    }
    let per_customer_tiers_ms = ms(t);
    let t = Instant::now();
    let bounds = BookBoundaries::compute(&figures, &settings);
    let scored: Vec<(AbcClass, RfmScores)> =
        figures.iter().map(|g| (bounds.abc_class(g), bounds.rfm_scores(g))).collect();
    let book_models_ms = ms(t);
    black_box((&tiers, &scored));

    let t = Instant::now();
    let book = Book::evaluate_compiled(&facts, &rules, &settings, as_of);
    let full_ms = ms(t);

    // Two threads: each evaluates half, then boundaries over all.
    let t = Instant::now();
    let mid = facts.len() / 2;
    let (left, right) = facts.split_at(mid);
    let (mut a, b) = std::thread::scope(|s| {
        let h = s.spawn(|| right.iter().map(|f| evaluate_customer(f, &rules, &settings, as_of)).collect::<Vec<_>>());
        let a: Vec<_> = left.iter().map(|f| evaluate_customer(f, &rules, &settings, as_of)).collect();
        (a, h.join().unwrap_or_default())
    });
    a.extend(b);
    let bb = BookBoundaries::compute(a.iter().map(|c| &c.figures), &settings);
    for c in &mut a {
        bb.apply(c);
    }
    let two_threads_ms = ms(t);
    black_box(&a);

    // Re-evaluating one edited customer against cached boundaries.
    let sample = 1_000.min(n);
    let t = Instant::now();
    for f in facts.iter().take(sample) {
        let mut e = evaluate_customer(f, &rules, &settings, as_of);
        book.boundaries.apply(&mut e);
        black_box(e);
    }
    let one_us = t.elapsed().as_secs_f64() * 1e6 / sample as f64;

    // Testing a draft rule over the whole book.
    let draft = Rule::new(
        "draft",
        "草稿",
        "has tag \"高价值客户\" and repurchase_rate > 60% and orders.count within 90 days >= 2",
    );
    let t = Instant::now();
    let matched = Book::test_rule(&facts, &default_rules(), &draft, as_of).map(|v| v.len()).unwrap_or(0);
    let rule_test_ms = ms(t);

    let summary = book.summary(TierModel::Sabc);
    serde_json::json!({
        "customers": n,
        "facts_bytes_avg": (total_bytes as f64 / n as f64 * 10.0).round() / 10.0,
        "ms": {
            "facts_decode": decode_ms,
            "figures": figures_ms,
            "tags": tags_ms,
            "tiers_per_customer": per_customer_tiers_ms,
            "tiers_book_abc_rfm": book_models_ms,
            "stages_total": ((decode_ms + figures_ms + tags_ms + per_customer_tiers_ms + book_models_ms) * 1e3).round() / 1e3,
            "book_evaluate_1_thread": full_ms,
            "book_evaluate_2_threads": two_threads_ms,
            "rules_test_draft": rule_test_ms,
        },
        "one_customer_us": (one_us * 10.0).round() / 10.0,
        "draft_rule_matches": matched,
        "tiers": summary.rows.iter().map(|r| (r.tier.clone(), r.customers)).collect::<std::collections::BTreeMap<_, _>>(),
        "peak_rss_mib": peak_rss_kib().map(|k| (k as f64 / 1024.0 * 10.0).round() / 10.0),
    })
}

/// Peak memory of what a store would hold: the encoded facts, then one full evaluation.
fn memory_only(n: usize) -> serde_json::Value {
    let as_of = Date::from_ymd_opt(2024, 6, 30).unwrap_or_default();
    let bytes: Vec<Vec<u8>> = generate(n, as_of).iter().map(Facts::encode).collect();
    let facts: Vec<Facts> = bytes.iter().filter_map(|b| Facts::decode(b).ok()).collect();
    drop(bytes);
    let rules = CompiledRules::compile(&default_rules()).unwrap_or_default();
    let book = Book::evaluate_compiled(&facts, &rules, &TierSettings::default(), as_of);
    black_box(&book);
    serde_json::json!({ "memory_only_customers": n, "peak_rss_mib": peak_rss_kib().map(|k| (k as f64 / 1024.0 * 10.0).round() / 10.0) })
}

fn main() {
    if let Ok(n) = std::env::var("RAPPORT_RULES_BENCH_MEMORY") {
        println!("{}", memory_only(n.parse().unwrap_or(100_000)));
        return;
    }
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --benches`) runs a tiny book.
    let quick = !std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if quick { &[1_000] } else { &[10_000, 100_000] };
    for &n in sizes {
        println!("{}", run(n));
    }
    // Peak memory of decode + evaluation alone, in a fresh process.
    let n = sizes[sizes.len() - 1];
    if let Ok(exe) = std::env::current_exe() {
        if let Ok(out) = std::process::Command::new(exe).env("RAPPORT_RULES_BENCH_MEMORY", n.to_string()).output() {
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
    }
}
