//! Benchmark of the reports on a generated book (no criterion: plain timings).
//!
//! Generates 100,000 customers' facts with a deterministic generator (5 orders, 10
//! follow-ups and 2 service records each, stages, owners, sources and industries spread like a
//! sales team's book, 15% tagged churn risk), then prints one JSON object with the
//! milliseconds of each report computed on its own (scoping and figures included), of all
//! eight at once (figures derived once), of the CSV and text rendering of each, and of the
//! all-reports HTML page with its size. Run with `cargo bench -p rapport-reports`; pass a
//! number to change the book size and `--html FILE` to keep the page (`cargo bench -p
//! rapport-reports -- 2000 --html /tmp/reports.html` makes a sample page to look at).

use rapport_model::{CustomerId, Date, IntentLevel, Kind, ServiceKind, Stage};
use rapport_reports::*;
use rapport_rules::{day_of, DealFact, Facts, InteractionFact, OrderFact, ServiceFact, TAG_CHURN_RISK};
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
const SOURCES: &[&str] = &["展会", "转介绍", "线上广告", "合作伙伴", "inbound", "电话营销", ""];
const INDUSTRIES: &[&str] = &["C", "F", "I", "J", "E", "M", "P", ""];
const TIERS: &[&str] = &["S", "A", "B", "B", "B", "C"];

struct Customer {
    facts: Facts,
    rule_tags: Vec<String>,
    tier: &'static str,
}

fn generate(n: usize, as_of: Date) -> Vec<Customer> {
    let mut r = Lcg(0x5eed);
    let today = day_of(as_of);
    let owners: Vec<String> = (0..20).map(|i| format!("销售{i:02}")).collect();
    (0..n)
        .map(|i| {
            let mut id = [0u8; 16];
            id[..8].copy_from_slice(&r.next(u64::MAX).to_le_bytes());
            id[8..].copy_from_slice(&(i as u64).to_le_bytes());
            let created = today - 30 - r.next(1_000) as i32;
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
                    day: created + r.next(900) as i32,
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
            let stage = [Stage::Potential, Stage::Intent, Stage::Won, Stage::Won, Stage::Lost, Stage::Dormant]
                [r.next(6) as usize];
            let deal = (stage == Stage::Won || (stage == Stage::Lost && r.next(3) == 0))
                .then(|| DealFact { day: created + r.next(200) as i32, amount: 100_000 + r.next(100_000_000) as i64 });
            let churn = r.next(100) < 15;
            Customer {
                facts: Facts {
                    id: CustomerId(id),
                    number: format!("MFG-2024-K3Q7MX-{i:06}"),
                    name: format!("上海精工机械{i}有限公司"),
                    kind: if r.next(5) == 0 { Kind::Person } else { Kind::Company },
                    stage,
                    industry: INDUSTRIES[r.next(INDUSTRIES.len() as u64) as usize].to_string(),
                    source: SOURCES[r.next(SOURCES.len() as u64) as usize].to_string(),
                    owner: owners[r.next(owners.len() as u64) as usize].clone(),
                    created,
                    priority: r.next(10) == 0,
                    archived: r.next(50) == 0,
                    manual_tags: vec![],
                    custom: vec![],
                    deal,
                    orders,
                    interactions,
                    services,
                },
                rule_tags: if churn { vec![TAG_CHURN_RISK.to_string()] } else { vec![] },
                tier: if churn { "C" } else { TIERS[r.next(TIERS.len() as u64) as usize] },
            }
        })
        .collect()
}

fn ms(start: Instant) -> f64 {
    (start.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let as_of = Date::from_ymd_opt(2026, 3, 2).expect("valid date");
    let t = Instant::now();
    let book = generate(n, as_of);
    let generate_ms = ms(t);
    let rows: Vec<ReportRow<'_>> = book
        .iter()
        .map(|c| ReportRow { facts: &c.facts, rule_tags: &c.rule_tags, tier: Some(c.tier), to_fill: &[] })
        .collect();
    let window = Window::as_of(as_of);
    let cohort = Window { from: Date::from_ymd_opt(2025, 1, 1), to: Date::from_ymd_opt(2025, 12, 31), ..window };

    let t = Instant::now();
    let figs: Vec<rapport_rules::Figures> =
        book.iter().map(|c| rapport_rules::Figures::compute(&c.facts, as_of)).collect();
    let figures_ms = ms(t);
    drop(black_box(figs));
    let mut each = Vec::new();
    let mut reports = Vec::new();
    for name in ReportName::all() {
        let t = Instant::now();
        let r = compute(*name, &rows, &window, None).expect("valid window");
        let compute_ms = ms(t);
        let t = Instant::now();
        let csv = black_box(render_csv(&r));
        let csv_ms = ms(t);
        let t = Instant::now();
        let text = black_box(render_text(&r));
        let text_ms = ms(t);
        each.push(format!(
            "\"{}\": {{\"compute_ms\": {compute_ms}, \"csv_ms\": {csv_ms}, \"text_ms\": {text_ms}, \"rows\": {}, \
             \"csv_bytes\": {}, \"text_bytes\": {}}}",
            name.as_str(),
            r.table.rows.len(),
            csv.len(),
            text.len()
        ));
        reports.push(r);
    }
    let t = Instant::now();
    let all = compute_all(ReportName::all(), &rows, &window, None).expect("valid window");
    let all_ms = ms(t);
    let t = Instant::now();
    black_box(compute_all(ReportName::all(), &rows, &cohort, None).expect("valid window"));
    let all_cohort_ms = ms(t);
    let generated = as_of.and_hms_opt(9, 0, 0).expect("valid time");
    let t = Instant::now();
    let page = black_box(render_html(&all, "Rapport book reports", generated));
    let html_ms = ms(t);
    assert_eq!(all, reports);
    let args: Vec<String> = std::env::args().collect();
    if let Some(path) = args.iter().position(|a| a == "--html").and_then(|i| args.get(i + 1)) {
        if let Err(e) = std::fs::write(path, &page) {
            eprintln!("cannot write {path}: {e}");
        }
    }
    println!(
        "{{\"customers\": {n}, \"generate_ms\": {generate_ms}, \"figures_only_ms\": {figures_ms}, \"reports\": {{{}}}, \"compute_all_ms\": {all_ms}, \
         \"compute_all_2025_cohort_ms\": {all_cohort_ms}, \"html_all_ms\": {html_ms}, \"html_all_bytes\": {}}}",
        each.join(", "),
        page.len()
    );
}
