//! One self-contained HTML page for one report or all of them: inline CSS, inline SVG
//! charts, no JavaScript, no CDN, no external fonts, so it opens from a file or an e-mail
//! attachment and prints. Every piece of user text (names, owners, sources, notes) goes
//! through [`esc`].

use crate::fmt::{opt, percent};
use crate::svg::{self, Bar, Step};
use crate::{Report, ReportFigures, Table};
use rapport_model::{DateTime, Money};
use std::fmt::Write;

/// Table rows shown on the page per report; the CSV export has them all.
pub const MAX_HTML_ROWS: usize = 1_000;

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font-family:-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;\
margin:0 auto;max-width:1100px;padding:16px 24px;color:#222;background:#fff}\
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:0 0 6px;border-bottom:2px solid #4e79a7;padding-bottom:4px}\
nav a{margin-right:12px;color:#4e79a7;text-decoration:none}section{margin:28px 0;page-break-inside:avoid}\
.meta,.scope,.muted{color:#666;font-size:13px}.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:10px 0}\
.kpi{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}.kpi b{display:block;font-size:20px}\
.kpi span{color:#666;font-size:12px}table{border-collapse:collapse;font-size:13px;margin:8px 0}\
th,td{border-bottom:1px solid #e3e3e3;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f4f6f9}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
ul.notes{color:#555;font-size:12px;padding-left:18px}svg.chart{display:block;margin:8px 0;max-width:100%;height:auto}\
svg text{font-size:12px;fill:#333}svg .ctitle{font-weight:bold;font-size:13px}svg .muted{fill:#777}\
svg .bar{fill:#4e79a7}svg .step1{fill:#59a14f}svg .step2{fill:#f28e2b}svg .grid{stroke:#e5e5e5}\
svg .diag{stroke:#bbb;stroke-dasharray:4 4}svg .curve{fill:none;stroke:#4e79a7;stroke-width:2.5}\
svg .mark{stroke:#e15759;stroke-dasharray:3 3}svg .dot{fill:#e15759}svg .tick{fill:#777;font-size:11px}\
@media print{nav{display:none}}";

/// One self-contained page with `reports` (one or all), titled `title`, stamped with
/// `generated_at`. Each report is a section with its key figures, a chart, its table (at
/// most [`MAX_HTML_ROWS`] rows, saying how many were left out) and its notes.
pub fn render_html(reports: &[Report], title: &str, generated_at: DateTime) -> String {
    let mut s = String::with_capacity(16_384);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head><body><header><h1>{t}</h1>\
         <p class=\"meta\">Generated {g}",
        t = esc(title),
        g = generated_at.format("%Y-%m-%d %H:%M"),
    );
    if let Some(r) = reports.first() {
        let _ = write!(s, " · as of {}", r.window.as_of);
        if r.window.from.is_some() || r.window.to.is_some() {
            let _ = write!(s, " · window {}", esc(&r.window.describe()));
        }
    }
    s.push_str("</p>");
    if reports.len() > 1 {
        s.push_str("<nav>");
        for r in reports {
            let _ = write!(s, "<a href=\"#{}\">{}</a>", r.name.as_str(), esc(&r.title));
        }
        s.push_str("</nav>");
    }
    s.push_str("</header><main>");
    s.push_str(&render_sections(reports));
    s.push_str("</main></body></html>\n");
    s
}

/// The reports' sections alone (key figures, chart, table, notes each), for a page that
/// has its own frame and styles (the web app's).
pub fn render_sections(reports: &[Report]) -> String {
    let mut s = String::with_capacity(16_384);
    if reports.is_empty() {
        s.push_str("<p class=\"muted\">No reports.</p>");
    }
    for r in reports {
        section(&mut s, r);
    }
    s
}

fn kpis(s: &mut String, items: &[(&str, String)]) {
    s.push_str("<div class=\"kpis\">");
    for (label, value) in items {
        let _ = write!(s, "<div class=\"kpi\"><b>{}</b><span>{}</span></div>", esc(value), esc(label));
    }
    s.push_str("</div>");
}

/// Rows a long table shows before "show all".
const SHOWN_ROWS: usize = 20;

fn table(s: &mut String, t: &Table) {
    let class = |i: usize| if t.numeric.get(i).copied().unwrap_or(false) { " class=\"n\"" } else { "" };
    // Amount columns (headed `... (¥)`) read as the cards do: `¥1,234,567.89`.
    let money = |i: usize| t.headers.get(i).is_some_and(|h| h.ends_with("(¥)"));
    let head = |s: &mut String| {
        s.push_str("<table><thead><tr>");
        for (i, h) in t.headers.iter().enumerate() {
            let _ = write!(s, "<th{}>{}</th>", class(i), esc(h));
        }
        s.push_str("</tr></thead><tbody>");
    };
    let rows = |s: &mut String, rows: &[Vec<String>]| {
        for row in rows {
            s.push_str("<tr>");
            for (i, c) in row.iter().enumerate() {
                let shown = match Money::parse("amount", c) {
                    Ok(m) if money(i) => m.to_string(),
                    _ => c.clone(),
                };
                let _ = write!(s, "<td{}>{}</td>", class(i), esc(&shown));
            }
            s.push_str("</tr>");
        }
    };
    let all = &t.rows[..t.rows.len().min(MAX_HTML_ROWS)];
    let (top, rest) = all.split_at(all.len().min(SHOWN_ROWS));
    head(s);
    rows(s, top);
    s.push_str("</tbody></table>");
    if !rest.is_empty() {
        // A long list (the churn-risk list, owners of a big team) shows its top rows; the
        // others are one click away, with no script.
        let _ = write!(s, "<details class=\"more\"><summary>Show all {} rows</summary>", all.len());
        head(s);
        rows(s, rest);
        s.push_str("</tbody></table></details>");
    }
    if t.rows.len() > MAX_HTML_ROWS {
        let _ = write!(
            s,
            "<p class=\"muted\">Showing the first {MAX_HTML_ROWS} of {} rows; the CSV export has all of them.</p>",
            t.rows.len()
        );
    }
    if t.rows.is_empty() {
        s.push_str("<p class=\"muted\">No rows.</p>");
    }
}

fn yuan(m: Money) -> String {
    m.to_string()
}

fn section(s: &mut String, r: &Report) {
    let _ = write!(
        s,
        "<section id=\"{}\"><h2>{}</h2><p class=\"scope\">{}</p>",
        r.name.as_str(),
        esc(&r.title),
        esc(&r.scope)
    );
    match &r.figures {
        ReportFigures::Sources(f) | ReportFigures::Industries(f) => {
            kpis(
                s,
                &[
                    ("customers", f.customers.to_string()),
                    ("won", f.won.to_string()),
                    ("conversion", percent(f.conversion_bp)),
                    ("won amount", yuan(f.won_amount)),
                ],
            );
            let customers: Vec<Bar> = f
                .groups
                .iter()
                .map(|g| Bar {
                    label: g.label.clone(),
                    value: i128::from(g.customers),
                    text: format!("{} ({})", g.customers, percent(g.customer_share_bp)),
                })
                .collect();
            s.push_str(&svg::hbar("Customers", &customers));
            let mut won: Vec<&crate::Group> = f.groups.iter().collect();
            won.sort_by(|a, b| b.won_amount.cmp(&a.won_amount).then_with(|| a.label.cmp(&b.label)));
            let won: Vec<Bar> = won
                .iter()
                .map(|g| Bar {
                    label: g.label.clone(),
                    value: i128::from(g.won_amount.fen()),
                    text: format!("{} · {} won, {}", yuan(g.won_amount), g.won, percent(g.conversion_bp)),
                })
                .collect();
            s.push_str(&svg::hbar("Won amount", &won));
        }
        ReportFigures::Funnel(f) => {
            kpis(
                s,
                &[("customers", f.customers.to_string()), ("overall conversion", percent(f.overall_conversion_bp))],
            );
            let steps: Vec<Step> = f
                .steps
                .iter()
                .map(|st| Step {
                    label: format!("{} {}", st.stage.as_str(), st.stage.zh()),
                    reached: st.reached,
                    text: format!(
                        "drop-off {}: {} lost, {} dormant; {} open",
                        percent(st.drop_off_bp),
                        st.dropped_lost,
                        st.dropped_dormant,
                        st.open
                    ),
                })
                .collect();
            let conv: Vec<String> = f
                .steps
                .iter()
                .filter(|st| st.advanced.is_some())
                .map(|st| format!("{} converted", percent(st.conversion_bp)))
                .collect();
            s.push_str(&svg::funnel("Funnel", &steps, &conv));
        }
        ReportFigures::Conversion(f) => {
            kpis(
                s,
                &[
                    ("won with a deal date", f.all.won.to_string()),
                    ("average follow-ups to win", opt(f.all.avg_follow_ups)),
                    ("average days to win", opt(f.all.avg_days)),
                    ("median days to win", opt(f.all.median_days)),
                ],
            );
            let bars: Vec<Bar> = f
                .by_owner
                .iter()
                .map(|w| Bar {
                    label: w.label.clone(),
                    value: w.avg_days.map_or(0, |t| i128::from(t.0)),
                    text: format!("{} days, {} follow-ups ({} won)", opt(w.avg_days), opt(w.avg_follow_ups), w.won),
                })
                .collect();
            s.push_str(&svg::hbar("Average days to win by owner", &bars));
        }
        ReportFigures::Owners(f) => {
            kpis(
                s,
                &[
                    ("customers", f.customers.to_string()),
                    ("won", f.won.to_string()),
                    ("won amount", yuan(f.won_amount)),
                    ("closed in the window", yuan(f.closed_amount)),
                ],
            );
            let bars: Vec<Bar> = f
                .owners
                .iter()
                .map(|o| Bar {
                    label: o.group.label.clone(),
                    value: i128::from(o.group.won_amount.fen()),
                    text: format!(
                        "{} · {}/{} won ({})",
                        yuan(o.group.won_amount),
                        o.group.won,
                        o.group.customers,
                        percent(o.group.conversion_bp)
                    ),
                })
                .collect();
            s.push_str(&svg::hbar("Won amount by owner", &bars));
        }
        ReportFigures::ChurnRisk(f) => {
            kpis(
                s,
                &[
                    ("customers at risk", f.at_risk.to_string()),
                    ("share of customers", percent(f.at_risk_share_bp)),
                    ("12-month amount at risk", yuan(f.amount_12m_at_risk)),
                    ("share of 12-month amount", percent(f.amount_share_bp)),
                ],
            );
            let mut by_owner: std::collections::BTreeMap<&str, (u32, i128)> = Default::default();
            for row in &f.rows {
                let e = by_owner.entry(&row.owner).or_default();
                e.0 += 1;
                e.1 += i128::from(row.amount_12m.fen());
            }
            let mut bars: Vec<Bar> = by_owner
                .into_iter()
                .map(|(o, (n, a))| Bar {
                    label: if o.trim().is_empty() { "(none)".to_string() } else { o.to_string() },
                    value: i128::from(n),
                    text: format!("{n} customers, {}", yuan(Money(i64::try_from(a).unwrap_or(i64::MAX)))),
                })
                .collect();
            bars.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
            s.push_str(&svg::hbar("Customers at risk by owner", &bars));
        }
        ReportFigures::Concentration(f) => {
            kpis(
                s,
                &[
                    ("share of the top 20% of buyers", percent(f.top_share_bp)),
                    ("top buyers", format!("{} of {}", f.top_count, f.buyers)),
                    ("their revenue", yuan(f.top_revenue)),
                    ("revenue in the window", yuan(f.revenue)),
                ],
            );
            let label = format!("top 20% of buyers: {} of revenue", percent(f.top_share_bp));
            let top = f.top_share_bp.map(|revenue_share_bp| crate::CurvePoint {
                customer_share_bp: crate::fmt::share_bp(i128::from(f.top_count), i128::from(f.buyers)).unwrap_or(0),
                revenue_share_bp,
            });
            s.push_str(&svg::pareto("Pareto curve", &f.curve, top, &label));
        }
        ReportFigures::Tiers(t) => {
            kpis(s, &[("customers", t.customers.to_string()), ("12-month amount", yuan(t.amount_12m))]);
            let customers: Vec<Bar> = t
                .rows
                .iter()
                .map(|r| Bar {
                    label: r.tier.clone(),
                    value: i128::from(r.customers),
                    text: format!("{} ({})", r.customers, percent(Some(r.customer_share_bp))),
                })
                .collect();
            s.push_str(&svg::hbar("Customers per tier", &customers));
            let revenue: Vec<Bar> = t
                .rows
                .iter()
                .map(|r| Bar {
                    label: r.tier.clone(),
                    value: i128::from(r.amount_12m.fen()),
                    text: format!("{} ({})", yuan(r.amount_12m), percent(Some(r.revenue_share_bp))),
                })
                .collect();
            s.push_str(&svg::hbar("12-month amount per tier", &revenue));
        }
    }
    table(s, &r.table);
    if let ReportFigures::Concentration(f) = &r.figures {
        if !f.top.is_empty() {
            s.push_str("<h3>Largest buyers</h3>");
            let top = Table {
                headers: ["rank", "number", "name", "revenue (¥)", "share", "cumulative share"]
                    .iter()
                    .map(|h| h.to_string())
                    .collect(),
                numeric: vec![true, false, false, true, true, true],
                rows: f
                    .top
                    .iter()
                    .map(|c| {
                        vec![
                            c.rank.to_string(),
                            c.number.clone(),
                            c.name.clone(),
                            c.revenue.to_decimal(),
                            percent(c.revenue_share_bp),
                            percent(c.cumulative_share_bp),
                        ]
                    })
                    .collect(),
            };
            table(s, &top);
        }
    }
    if !r.notes.is_empty() {
        s.push_str("<ul class=\"notes\">");
        for n in &r.notes {
            let _ = write!(s, "<li>{}</li>", esc(n));
        }
        s.push_str("</ul>");
    }
    s.push_str("</section>");
}
