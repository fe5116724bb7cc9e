//! Computing the reports: scoping the book, then one function per report.
//!
//! Every per-customer figure (won, deal date, follow-ups and days to win, 12-month amount,
//! last contact, order trend, satisfaction) comes from [`Figures::compute`], so the reports
//! agree with rules, tiers and `rapport customer show` by construction. Sums are i128, so
//! no book overflows them; they are clamped to i64 fen only when stored as [`Money`].

use crate::fmt::{opt, percent, share_bp, Tenths};
use crate::model::*;
use crate::{ReportError, ReportName, ReportRow, Window};
use rapport_model::{IntentLevel, Money, Stage};
use rapport_rules::{day_of, Day, Facts, Figures, OrderTrend, TierModel, TierRow, TierSummary, TAG_CHURN_RISK};
use std::collections::BTreeMap;

/// Computes one report. See the crate documentation for who is counted and what the window
/// filters; `tiers` is the node's tier summary for the `tiers` report (when `None`, the
/// composite S/A/B/C summary is built from the rows' tiers).
pub fn compute(
    name: ReportName,
    rows: &[ReportRow<'_>],
    window: &Window,
    tiers: Option<&TierSummary>,
) -> Result<Report, ReportError> {
    window.validate()?;
    let scoped = Scoped::new(rows, window, name != ReportName::Concentration);
    Ok(scoped.report(name, tiers))
}

/// Computes several reports over the same book, deriving each customer's figures once.
pub fn compute_all(
    names: &[ReportName],
    rows: &[ReportRow<'_>],
    window: &Window,
    tiers: Option<&TierSummary>,
) -> Result<Vec<Report>, ReportError> {
    window.validate()?;
    let needs_figures = names.iter().any(|n| *n != ReportName::Concentration);
    let scoped = Scoped::new(rows, window, needs_figures);
    Ok(names.iter().map(|n| scoped.report(*n, tiers)).collect())
}

/// One customer in scope with its figures as of the window's date.
struct Item<'a> {
    row: ReportRow<'a>,
    figures: Option<Figures>,
}

impl Item<'_> {
    fn facts(&self) -> &Facts {
        self.row.facts
    }
}

/// The customers in scope: not archived (unless asked), created on or before the as-of date.
struct Scoped<'a> {
    window: Window,
    today: Day,
    from: Option<Day>,
    to: Option<Day>,
    items: Vec<Item<'a>>,
}

impl<'a> Scoped<'a> {
    fn new(rows: &[ReportRow<'a>], window: &Window, with_figures: bool) -> Scoped<'a> {
        let today = day_of(window.as_of);
        let in_scope: Vec<ReportRow<'a>> = rows
            .iter()
            .filter(|r| (window.include_archived || !r.facts.archived) && r.facts.created <= today)
            .copied()
            .collect();
        let items = if with_figures { with_figures_computed(in_scope, window.as_of) } else { bare(in_scope) };
        Scoped { window: *window, today, from: window.from.map(day_of), to: window.to.map(day_of), items }
    }

    fn in_window(&self, day: Day) -> bool {
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }

    /// The cohort: customers in scope created in the window, with their figures.
    fn cohort(&self) -> impl Iterator<Item = (&Facts, &Figures)> + '_ {
        self.items
            .iter()
            .filter(|i| self.in_window(i.facts().created))
            .filter_map(|i| i.figures.as_ref().map(|f| (i.facts(), f)))
    }

    fn report(&self, name: ReportName, tiers: Option<&TierSummary>) -> Report {
        let (scope, notes, figures, table) = match name {
            ReportName::Sources => {
                let f = self.mix(|f| &f.source, source_label);
                let t = mix_table("source", &f);
                (self.cohort_scope(f.customers), mix_notes("source"), ReportFigures::Sources(f), t)
            }
            ReportName::Industries => {
                let f = self.mix(|f| &f.industry, industry_label);
                let t = mix_table("industry", &f);
                (self.cohort_scope(f.customers), mix_notes("industry"), ReportFigures::Industries(f), t)
            }
            ReportName::Funnel => {
                let f = self.funnel();
                let t = funnel_table(&f);
                (self.cohort_scope(f.customers), funnel_notes(&f), ReportFigures::Funnel(f), t)
            }
            ReportName::Conversion => {
                let f = self.conversion();
                let t = conversion_table(&f);
                (self.cohort_scope(f.customers), conversion_notes(), ReportFigures::Conversion(f), t)
            }
            ReportName::Owners => {
                let f = self.owners();
                let t = owners_table(&f);
                (self.cohort_scope(f.customers), owners_notes(&self.window), ReportFigures::Owners(f), t)
            }
            ReportName::ChurnRisk => {
                let f = self.churn_risk();
                let t = churn_table(&f);
                (self.state_scope(f.customers), churn_notes(), ReportFigures::ChurnRisk(f), t)
            }
            ReportName::Concentration => {
                let f = self.concentration();
                let t = concentration_table(&f);
                let scope = format!(
                    "{} customers{}; orders dated {}, up to {}",
                    f.customers,
                    self.archived_words(),
                    self.window.describe(),
                    self.window.as_of
                );
                (scope, concentration_notes(), ReportFigures::Concentration(f), t)
            }
            ReportName::Tiers => {
                let (summary, from_rows) = match tiers {
                    Some(s) => (s.clone(), false),
                    None => (self.tier_summary(), true),
                };
                let t = tiers_table(&summary);
                let scope = if from_rows {
                    self.state_scope(summary.customers)
                } else {
                    format!(
                        "{} customers as the node's {} tier model summarised them; --from/--to do not apply",
                        summary.customers,
                        model_name(summary.model)
                    )
                };
                (scope, tiers_notes(summary.model), ReportFigures::Tiers(summary), t)
            }
        };
        Report { name, title: name.title().to_string(), window: self.window, scope, notes, figures, table }
    }

    fn archived_words(&self) -> &'static str {
        if self.window.include_archived {
            " (archived included)"
        } else {
            " (archived left out)"
        }
    }

    fn cohort_scope(&self, n: u32) -> String {
        let created = match (self.window.from, self.window.to) {
            (None, None) => format!("up to {}", self.window.as_of),
            _ => self.window.describe(),
        };
        format!("{n} customers created {created}{}, followed up to {}", self.archived_words(), self.window.as_of)
    }

    fn state_scope(&self, n: u32) -> String {
        format!("{n} customers on {}{}; --from/--to do not apply", self.window.as_of, self.archived_words())
    }

    // ----- source mix, industry distribution -------------------------------------------

    fn mix(&self, key: fn(&Facts) -> &str, label: fn(&str) -> String) -> MixFigures {
        let mut acc: BTreeMap<&str, Acc> = BTreeMap::new();
        let mut total = Acc::default();
        for (facts, fig) in self.cohort() {
            let a = acc.entry(key(facts)).or_default();
            a.add(facts, fig);
            total.add(facts, fig);
        }
        let mut groups: Vec<Group> = acc.into_iter().map(|(k, a)| a.group(k, label(k), &total)).collect();
        groups.sort_by(|a, b| {
            b.customers.cmp(&a.customers).then(b.won_amount.cmp(&a.won_amount)).then_with(|| a.label.cmp(&b.label))
        });
        MixFigures {
            customers: total.customers,
            won: total.won,
            conversion_bp: share_bp(i128::from(total.won), i128::from(total.customers)),
            won_amount: money(total.won_amount),
            groups,
        }
    }

    // ----- funnel ------------------------------------------------------------------------

    fn funnel(&self) -> FunnelFigures {
        let mut n = 0u32;
        let mut by_stage: Vec<(Stage, u32)> = Stage::ALL.iter().map(|s| (*s, 0)).collect();
        // [potential, intent, won] x [reached, dropped lost, dropped dormant, open]
        let mut steps = [[0u32; 4]; 3];
        let mut inferred = 0u32;
        for (facts, fig) in self.cohort() {
            n += 1;
            if let Some(s) = by_stage.iter_mut().find(|(s, _)| *s == facts.stage) {
                s.1 += 1;
            }
            let gone = matches!(facts.stage, Stage::Lost | Stage::Dormant);
            let won = fig.won;
            // Facts keep no stage history: a lost or dormant customer's last stage is known
            // only when it was won (the deal stays); otherwise a follow-up that judged its
            // intent medium or high is the evidence that it had become an intent customer.
            let evidence =
                gone && !won
                    && facts.interactions.iter().any(|i| {
                        i.day <= self.today && matches!(i.intent, Some(IntentLevel::Medium | IntentLevel::High))
                    });
            if evidence {
                inferred += 1;
            }
            let intent = won || matches!(facts.stage, Stage::Intent | Stage::Won) || evidence;
            // The furthest step reached; the customer's outcome is recorded at that step.
            let last = if won {
                2
            } else if intent {
                1
            } else {
                0
            };
            for step in steps.iter_mut().take(last + 1) {
                step[0] += 1;
            }
            let outcome = match facts.stage {
                Stage::Lost => 1,
                Stage::Dormant => 2,
                _ => 3,
            };
            steps[last][outcome] += 1;
        }
        let stages = [Stage::Potential, Stage::Intent, Stage::Won];
        let steps: Vec<FunnelStep> = (0..3)
            .map(|i| {
                let [reached, lost, dormant, open] = steps[i];
                let advanced = steps.get(i + 1).map(|next| next[0]);
                FunnelStep {
                    stage: stages[i],
                    reached,
                    reached_share_bp: share_bp(i128::from(reached), i128::from(n)),
                    advanced,
                    conversion_bp: advanced.and_then(|a| share_bp(i128::from(a), i128::from(reached))),
                    dropped_lost: lost,
                    dropped_dormant: dormant,
                    drop_off_bp: share_bp(i128::from(lost + dormant), i128::from(reached)),
                    open,
                }
            })
            .collect();
        let won = steps[2].reached;
        let (to_fill, to_fill_by_field) = self.to_fill();
        FunnelFigures {
            customers: n,
            overall_conversion_bp: share_bp(i128::from(won), i128::from(n)),
            steps,
            by_stage,
            intent_inferred: inferred,
            to_fill,
            to_fill_by_field,
        }
    }

    /// Customers of the cohort with key fields still to fill, and the count per field.
    fn to_fill(&self) -> (u32, Vec<(String, u32)>) {
        let mut customers = 0u32;
        let mut by_field: BTreeMap<&str, u32> = BTreeMap::new();
        let cohort = self.items.iter().filter(|i| i.figures.is_some() && self.in_window(i.facts().created));
        for item in cohort.filter(|i| !i.row.to_fill.is_empty()) {
            customers += 1;
            for f in item.row.to_fill {
                *by_field.entry(f).or_default() += 1;
            }
        }
        (customers, by_field.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    // ----- follow-ups and days to win --------------------------------------------------

    fn conversion(&self) -> ConversionFigures {
        let mut all = Speed::default();
        let mut by_owner: BTreeMap<&str, Speed> = BTreeMap::new();
        let mut by_source: BTreeMap<&str, Speed> = BTreeMap::new();
        let mut customers = 0u32;
        let mut without_deal = 0u32;
        for (facts, fig) in self.cohort() {
            customers += 1;
            match (fig.follow_ups_to_won, fig.days_to_won) {
                (Some(f), Some(d)) => {
                    for s in [
                        &mut all,
                        by_owner.entry(&facts.owner).or_default(),
                        by_source.entry(&facts.source).or_default(),
                    ] {
                        s.follow_ups.push(i64::from(f));
                        s.days.push(i64::from(d));
                    }
                }
                _ if fig.won => without_deal += 1,
                _ => {}
            }
        }
        let group = |dimension: &str, m: BTreeMap<&str, Speed>| -> Vec<WinSpeed> {
            let mut v: Vec<WinSpeed> = m.into_iter().map(|(k, s)| s.finish(dimension, plain_label(k))).collect();
            v.sort_by(|a, b| b.won.cmp(&a.won).then_with(|| a.label.cmp(&b.label)));
            v
        };
        ConversionFigures {
            customers,
            all: all.finish("all", "(all)".to_string()),
            won_without_deal: without_deal,
            by_owner: group("owner", by_owner),
            by_source: group("source", by_source),
        }
    }

    // ----- owner performance -----------------------------------------------------------

    fn owners(&self) -> OwnerFigures {
        let mut acc: BTreeMap<&str, (Acc, u32, i128)> = BTreeMap::new();
        let mut total = Acc::default();
        for (facts, fig) in self.cohort() {
            acc.entry(&facts.owner).or_default().0.add(facts, fig);
            total.add(facts, fig);
        }
        // Deals closed in the window: any customer in scope, whatever its creation date.
        let (mut closed, mut closed_amount) = (0u32, 0i128);
        for item in &self.items {
            let facts = item.facts();
            if let Some(d) = facts.deal.as_ref().filter(|d| d.day <= self.today && self.in_window(d.day)) {
                let e = acc.entry(&facts.owner).or_default();
                e.1 += 1;
                e.2 += i128::from(d.amount);
                closed += 1;
                closed_amount += i128::from(d.amount);
            }
        }
        let mut owners: Vec<OwnerRow> = acc
            .into_iter()
            .map(|(k, (a, n, amount))| OwnerRow {
                group: a.group(k, plain_label(k), &total),
                deals_closed: n,
                closed_amount: money(amount),
            })
            .collect();
        owners.sort_by(|a, b| {
            b.group
                .won_amount
                .cmp(&a.group.won_amount)
                .then(b.closed_amount.cmp(&a.closed_amount))
                .then(b.group.customers.cmp(&a.group.customers))
                .then_with(|| a.group.label.cmp(&b.group.label))
        });
        OwnerFigures {
            customers: total.customers,
            won: total.won,
            won_amount: money(total.won_amount),
            deals_closed: closed,
            closed_amount: money(closed_amount),
            owners,
        }
    }

    // ----- churn risk ------------------------------------------------------------------

    fn churn_risk(&self) -> ChurnFigures {
        let three_months = rapport_rules::Window::months(3).start(self.window.as_of);
        let mut customers = 0u32;
        let mut amount: i128 = 0;
        let mut at_risk: i128 = 0;
        let mut rows = Vec::new();
        for item in &self.items {
            let Some(fig) = item.figures.as_ref() else { continue };
            let facts = item.facts();
            customers += 1;
            amount += i128::from(fig.amount_12m.fen());
            let is_tag = |t: &String| t.eq_ignore_ascii_case(TAG_CHURN_RISK);
            let by_hand = facts.manual_tags.iter().any(is_tag);
            if !by_hand && !item.row.rule_tags.iter().any(is_tag) {
                continue;
            }
            at_risk += i128::from(fig.amount_12m.fen());
            // The conditions of the default churn-risk rule, so the reader sees which hold.
            let mut signals = Vec::new();
            if day_of(fig.last_contact) <= three_months {
                signals
                    .push(format!("no contact for {} days (since {})", fig.days_since_last_contact, fig.last_contact));
            }
            if fig.order_trend == OrderTrend::Falling {
                signals.push(format!(
                    "orders falling: {} in the last 6 months, {} in the 6 before",
                    fig.orders_last_6m, fig.orders_prev_6m
                ));
            }
            // Exact: the sum of scores below 3 per score, not the rounded average.
            if fig.rated_services > 0 && u64::from(fig.satisfaction_sum) < 300 * u64::from(fig.rated_services) {
                signals.push(format!("average satisfaction {} < 3", opt(fig.avg_satisfaction)));
            }
            if by_hand {
                signals.push("tagged by hand".to_string());
            } else if signals.is_empty() {
                signals.push("tagged by rule".to_string());
            }
            rows.push(ChurnRow {
                number: facts.number.clone(),
                name: facts.name.clone(),
                owner: facts.owner.clone(),
                stage: facts.stage,
                tier: item.row.tier.map(str::to_string),
                amount_12m: fig.amount_12m,
                amount_total: fig.amount_total,
                deal_amount: facts.deal.as_ref().map(|d| Money(d.amount)),
                last_contact: fig.last_contact,
                days_since_last_contact: fig.days_since_last_contact,
                orders_last_6m: fig.orders_last_6m,
                orders_prev_6m: fig.orders_prev_6m,
                order_trend: fig.order_trend,
                avg_satisfaction: fig.avg_satisfaction,
                complaints: fig.complaints,
                signals,
            });
        }
        rows.sort_by(|a, b| {
            b.amount_12m
                .cmp(&a.amount_12m)
                .then(b.days_since_last_contact.cmp(&a.days_since_last_contact))
                .then_with(|| a.number.cmp(&b.number))
        });
        let n = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        ChurnFigures {
            customers,
            at_risk: n,
            at_risk_share_bp: share_bp(i128::from(n), i128::from(customers)),
            amount_12m: money(amount),
            amount_12m_at_risk: money(at_risk),
            amount_share_bp: share_bp(at_risk, amount),
            rows,
        }
    }

    // ----- revenue concentration -------------------------------------------------------

    fn concentration(&self) -> ConcentrationFigures {
        let mut buyers: Vec<(i128, &Facts)> = Vec::new();
        for item in &self.items {
            let f = item.facts();
            let revenue: i128 = f
                .orders
                .iter()
                .filter(|o| o.day <= self.today && self.in_window(o.day))
                .map(|o| i128::from(o.amount))
                .sum();
            if revenue > 0 {
                buyers.push((revenue, f));
            }
        }
        // Ties by number, then id: which of two equal buyers ranks first never changes a sum.
        buyers.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.number.cmp(&b.1.number)).then(a.1.id.cmp(&b.1.id)));
        let n = buyers.len();
        let mut cumulative: Vec<i128> = Vec::with_capacity(n + 1);
        cumulative.push(0);
        for (r, _) in &buyers {
            let last = cumulative.last().copied().unwrap_or(0);
            cumulative.push(last + r);
        }
        let total = cumulative.last().copied().unwrap_or(0);
        let top_count = n.div_ceil(5);
        let top_revenue = cumulative[top_count];
        let n128 = n as i128;
        let point = |k: usize| CurvePoint {
            customer_share_bp: share_bp(k as i128, n128).unwrap_or(0),
            revenue_share_bp: share_bp(cumulative[k], total).unwrap_or(0),
        };
        let curve: Vec<CurvePoint> = if n == 0 {
            Vec::new()
        } else if n <= 100 {
            (0..=n).map(point).collect()
        } else {
            (0..=100usize).map(|p| point((p * n).div_ceil(100))).collect()
        };
        let deciles = (1..=10usize)
            .map(|d| {
                let (lo, hi) = (((d - 1) * n).div_ceil(10), (d * n).div_ceil(10));
                let revenue = cumulative[hi] - cumulative[lo];
                Decile {
                    decile: d as u32,
                    customers: (hi - lo) as u32,
                    revenue: money(revenue),
                    revenue_share_bp: share_bp(revenue, total),
                    cumulative_share_bp: share_bp(cumulative[hi], total),
                }
            })
            .collect();
        let top = buyers
            .iter()
            .take(20)
            .enumerate()
            .map(|(i, (r, f))| TopCustomer {
                rank: i as u32 + 1,
                number: f.number.clone(),
                name: f.name.clone(),
                revenue: money(*r),
                revenue_share_bp: share_bp(*r, total),
                cumulative_share_bp: share_bp(cumulative[i + 1], total),
            })
            .collect();
        ConcentrationFigures {
            customers: u32::try_from(self.items.len()).unwrap_or(u32::MAX),
            buyers: n as u32,
            revenue: money(total),
            top_count: top_count as u32,
            top_revenue: money(top_revenue),
            top_share_bp: share_bp(top_revenue, total),
            curve,
            deciles,
            top,
        }
    }

    // ----- tiers -----------------------------------------------------------------------

    /// The composite summary from the rows' own tiers, rounded like
    /// `BookEvaluation::summary`: for callers that have tiers but no summary at hand.
    fn tier_summary(&self) -> TierSummary {
        let mut rows: Vec<TierRow> = rapport_rules::Tier::ALL
            .iter()
            .map(|t| TierRow {
                tier: t.as_str().to_string(),
                customers: 0,
                customer_share_bp: 0,
                amount_12m: Money::ZERO,
                revenue_share_bp: 0,
            })
            .collect();
        let mut total: i128 = 0;
        let mut amounts: Vec<i128> = vec![0; rows.len()];
        let mut n = 0u32;
        for item in &self.items {
            let Some(fig) = item.figures.as_ref() else { continue };
            n += 1;
            total += i128::from(fig.amount_12m.fen());
            let Some(tier) = item.row.tier else { continue };
            let i = match rows.iter().position(|r| r.tier.eq_ignore_ascii_case(tier)) {
                Some(i) => i,
                None => {
                    rows.push(TierRow {
                        tier: tier.to_string(),
                        customers: 0,
                        customer_share_bp: 0,
                        amount_12m: Money::ZERO,
                        revenue_share_bp: 0,
                    });
                    amounts.push(0);
                    rows.len() - 1
                }
            };
            rows[i].customers += 1;
            amounts[i] += i128::from(fig.amount_12m.fen());
        }
        for (r, a) in rows.iter_mut().zip(&amounts) {
            r.amount_12m = money(*a);
            r.customer_share_bp = share_bp(i128::from(r.customers), i128::from(n)).unwrap_or(0);
            r.revenue_share_bp = share_bp(*a, total).unwrap_or(0);
        }
        TierSummary { model: TierModel::Sabc, customers: n, amount_12m: money(total), rows }
    }
}

fn bare(rows: Vec<ReportRow<'_>>) -> Vec<Item<'_>> {
    rows.into_iter().map(|row| Item { row, figures: None }).collect()
}

/// Below this many customers figures are derived on the calling thread.
const PARALLEL_FROM: usize = 20_000;

/// Derives every customer's figures. Figures are most of a report's cost (about 0.6 µs a
/// customer), so a large book is split over the available cores; each part keeps its order,
/// so the result is the same as on one thread.
fn with_figures_computed<'a>(rows: Vec<ReportRow<'a>>, as_of: rapport_model::Date) -> Vec<Item<'a>> {
    let one = |row: ReportRow<'a>| Item { figures: Some(Figures::compute(row.facts, as_of)), row };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if rows.len() < PARALLEL_FROM || threads < 2 {
        return rows.into_iter().map(one).collect();
    }
    let chunk = rows.len().div_ceil(threads);
    let parts: Vec<Vec<Item<'a>>> = std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                let work = move || part.iter().copied().map(one).collect::<Vec<_>>();
                (part, std::thread::Builder::new().spawn_scoped(s, work))
            })
            .collect();
        // A part whose thread could not be spawned (or failed) is computed here instead.
        handles
            .into_iter()
            .map(|(part, h)| match h.map(|h| h.join()) {
                Ok(Ok(items)) => items,
                _ => part.iter().copied().map(one).collect(),
            })
            .collect()
    });
    parts.into_iter().flatten().collect()
}

/// Fen sums as [`Money`], clamped to what i64 holds.
fn money(fen: i128) -> Money {
    Money(i64::try_from(fen).unwrap_or(if fen < 0 { i64::MIN } else { i64::MAX }))
}

/// Cohort counts of one group.
#[derive(Default)]
struct Acc {
    customers: u32,
    won: u32,
    won_amount: i128,
}

impl Acc {
    fn add(&mut self, facts: &Facts, fig: &Figures) {
        self.customers += 1;
        if fig.won {
            self.won += 1;
            // `won_on` is set only for a deal dated on or before the as-of date.
            if fig.won_on.is_some() {
                self.won_amount += facts.deal.as_ref().map_or(0, |d| i128::from(d.amount));
            }
        }
    }

    fn group(&self, key: &str, label: String, total: &Acc) -> Group {
        Group {
            key: key.to_string(),
            label,
            customers: self.customers,
            customer_share_bp: share_bp(i128::from(self.customers), i128::from(total.customers)),
            won: self.won,
            conversion_bp: share_bp(i128::from(self.won), i128::from(self.customers)),
            won_amount: money(self.won_amount),
            won_amount_share_bp: share_bp(self.won_amount, total.won_amount),
        }
    }
}

/// Follow-ups and days to win of one group.
#[derive(Default)]
struct Speed {
    follow_ups: Vec<i64>,
    days: Vec<i64>,
}

impl Speed {
    fn finish(mut self, dimension: &str, label: String) -> WinSpeed {
        self.follow_ups.sort_unstable();
        self.days.sort_unstable();
        let n = self.days.len() as i128;
        let f_sum: i64 = self.follow_ups.iter().sum();
        let d_sum: i64 = self.days.iter().sum();
        WinSpeed {
            dimension: dimension.to_string(),
            label,
            won: self.days.len() as u32,
            follow_ups_total: f_sum.max(0) as u64,
            avg_follow_ups: Tenths::ratio(i128::from(f_sum), n),
            median_follow_ups: Tenths::median(&self.follow_ups),
            days_total: d_sum,
            avg_days: Tenths::ratio(i128::from(d_sum), n),
            median_days: Tenths::median(&self.days),
            min_days: self.days.first().copied(),
            max_days: self.days.last().copied(),
        }
    }
}

/// A source or owner as shown: `(none)` when not filled in.
fn plain_label(key: &str) -> String {
    if key.trim().is_empty() {
        "(none)".to_string()
    } else {
        key.to_string()
    }
}

/// A usual source with its Chinese label, `referral 转介绍`; other sources as they are.
fn source_label(key: &str) -> String {
    match rapport_model::source_zh(key) {
        Some(zh) => format!("{key} {zh}"),
        None => plain_label(key),
    }
}

/// An industry code with its Chinese name, `C 制造业`; unknown codes as they are.
fn industry_label(key: &str) -> String {
    match rapport_model::industry(key) {
        Ok(i) => format!("{} {}", i.code, i.zh),
        Err(_) => plain_label(key),
    }
}

fn stage_label(s: Stage) -> String {
    format!("{} {}", s.as_str(), s.zh())
}

fn model_name(m: TierModel) -> &'static str {
    match m {
        TierModel::Sabc => "composite S/A/B/C",
        TierModel::Abc => "classic ABC",
        TierModel::Rfm => "RFM",
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn table(headers: &[(&str, bool)], rows: Vec<Vec<String>>) -> Table {
    Table {
        headers: headers.iter().map(|(h, _)| h.to_string()).collect(),
        numeric: headers.iter().map(|(_, n)| *n).collect(),
        rows,
    }
}

fn dec(m: Money) -> String {
    m.to_decimal()
}

// ----- tables and notes ----------------------------------------------------------------

fn mix_table(what: &str, f: &MixFigures) -> Table {
    let mut rows: Vec<Vec<String>> = f
        .groups
        .iter()
        .map(|g| {
            vec![
                g.label.clone(),
                g.customers.to_string(),
                percent(g.customer_share_bp),
                g.won.to_string(),
                percent(g.conversion_bp),
                dec(g.won_amount),
                percent(g.won_amount_share_bp),
            ]
        })
        .collect();
    rows.push(vec![
        "(total)".to_string(),
        f.customers.to_string(),
        percent(share_bp(i128::from(f.customers), i128::from(f.customers))),
        f.won.to_string(),
        percent(f.conversion_bp),
        dec(f.won_amount),
        percent(share_bp(i128::from(f.won_amount.fen()), i128::from(f.won_amount.fen()))),
    ]);
    table(
        &[
            (what, false),
            ("customers", true),
            ("share", true),
            ("won", true),
            ("conversion", true),
            ("won amount (¥)", true),
            ("won amount share", true),
        ],
        rows,
    )
}

fn mix_notes(what: &str) -> Vec<String> {
    vec![
        format!("One row per {what} of the customers created in the window (the cohort); `(none)` when not filled in."),
        "won: the customer has a deal dated on or before the as-of date (or, lacking a deal record, its stage is won), \
         even if it was lost later; conversion = won / customers."
            .to_string(),
        "won amount: the deal amounts of the won customers; shares are rounded half up to 0.01%; — means nothing to \
         divide by."
            .to_string(),
    ]
}

fn funnel_table(f: &FunnelFigures) -> Table {
    let rows = f
        .steps
        .iter()
        .map(|s| {
            vec![
                stage_label(s.stage),
                s.reached.to_string(),
                percent(s.reached_share_bp),
                opt(s.advanced),
                percent(s.conversion_bp),
                s.dropped_lost.to_string(),
                s.dropped_dormant.to_string(),
                percent(s.drop_off_bp),
                s.open.to_string(),
            ]
        })
        .collect();
    table(
        &[
            ("stage", false),
            ("reached", true),
            ("share of cohort", true),
            ("advanced", true),
            ("conversion", true),
            ("lost", true),
            ("dormant", true),
            ("drop-off", true),
            ("open", true),
        ],
        rows,
    )
}

fn funnel_notes(f: &FunnelFigures) -> Vec<String> {
    let mut notes = strings(&[
        "reached: a customer at a later stage counts as having passed the earlier ones; won means a deal dated on or \
         before the as-of date (or stage won without a deal record).",
        "Lost and dormant customers count at the furthest stage they are known to have reached: won when they have a \
         deal (they churned after winning), intent when a follow-up judged their intent medium or high (facts keep no \
         stage history, so this is the evidence used), potential otherwise.",
        "advanced: of those that reached the step, how many reached the next; conversion = advanced / reached; \
         drop-off = (lost + dormant that stopped at this step) / reached; open = still in progress at this step (for \
         won: still won or re-engaged).",
    ]);
    notes.push(match f.to_fill {
        0 => "to fill (待补充): no customer of the cohort has a key field still to fill.".to_string(),
        n => format!(
            "to fill (待补充): {n} customers of the cohort have key fields still to fill ({}); `rapport list \
             --to-fill` lists them.",
            f.to_fill_by_field.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
        ),
    });
    notes
}

fn conversion_table(f: &ConversionFigures) -> Table {
    let rows = std::iter::once(&f.all)
        .chain(&f.by_owner)
        .chain(&f.by_source)
        .map(|s| {
            vec![
                s.dimension.clone(),
                s.label.clone(),
                s.won.to_string(),
                opt(s.avg_follow_ups),
                opt(s.median_follow_ups),
                opt(s.avg_days),
                opt(s.median_days),
                opt(s.min_days),
                opt(s.max_days),
            ]
        })
        .collect();
    table(
        &[
            ("by", false),
            ("group", false),
            ("won", true),
            ("avg follow-ups", true),
            ("median follow-ups", true),
            ("avg days", true),
            ("median days", true),
            ("fastest (days)", true),
            ("slowest (days)", true),
        ],
        rows,
    )
}

fn conversion_notes() -> Vec<String> {
    strings(&[
        "Won customers of the cohort with a deal dated on or before the as-of date; a won customer without a deal \
         record has no win date and is left out (counted apart).",
        "follow-ups to win: follow-ups dated on or before the deal date; days to win: from first contact (the earlier \
         of the created date and the first follow-up) to the deal date, never negative (the rules' figures).",
        "Averages and medians are rounded half away from zero to one decimal; the median of an even count is the mean \
         of the two middle values.",
    ])
}

fn owners_table(f: &OwnerFigures) -> Table {
    let mut rows: Vec<Vec<String>> = f
        .owners
        .iter()
        .map(|o| {
            let g = &o.group;
            vec![
                g.label.clone(),
                g.customers.to_string(),
                g.won.to_string(),
                percent(g.conversion_bp),
                dec(g.won_amount),
                percent(g.won_amount_share_bp),
                o.deals_closed.to_string(),
                dec(o.closed_amount),
            ]
        })
        .collect();
    rows.push(vec![
        "(total)".to_string(),
        f.customers.to_string(),
        f.won.to_string(),
        percent(share_bp(i128::from(f.won), i128::from(f.customers))),
        dec(f.won_amount),
        percent(share_bp(i128::from(f.won_amount.fen()), i128::from(f.won_amount.fen()))),
        f.deals_closed.to_string(),
        dec(f.closed_amount),
    ]);
    table(
        &[
            ("owner", false),
            ("customers", true),
            ("won", true),
            ("conversion", true),
            ("won amount (¥)", true),
            ("won amount share", true),
            ("deals closed", true),
            ("closed amount (¥)", true),
        ],
        rows,
    )
}

fn owners_notes(w: &Window) -> Vec<String> {
    vec![
        "customers, won, conversion and won amount: the owner's customers created in the window, followed up to the \
         as-of date (see the source mix for won)."
            .to_string(),
        format!(
            "deals closed: deals dated {} and on or before {}, of the owner's customers whatever their creation date: \
             what the owner signed in the period.",
            w.describe(),
            w.as_of
        ),
        "The owner is the customer's current owner: a reassigned customer counts for its new owner.".to_string(),
    ]
}

fn churn_table(f: &ChurnFigures) -> Table {
    let rows = f
        .rows
        .iter()
        .map(|r| {
            vec![
                r.number.clone(),
                r.name.clone(),
                plain_label(&r.owner),
                stage_label(r.stage),
                r.tier.clone().unwrap_or_else(|| "—".to_string()),
                dec(r.amount_12m),
                r.last_contact.to_string(),
                r.days_since_last_contact.to_string(),
                format!("{} / {}", r.orders_last_6m, r.orders_prev_6m),
                opt(r.avg_satisfaction),
                r.complaints.to_string(),
                r.signals.join("; "),
            ]
        })
        .collect();
    table(
        &[
            ("number", false),
            ("name", false),
            ("owner", false),
            ("stage", false),
            ("tier", false),
            ("12-month amount (¥)", true),
            ("last contact", false),
            ("days since contact", true),
            ("orders 6m / prev 6m", true),
            ("avg satisfaction", true),
            ("complaints", true),
            ("signals", false),
        ],
        rows,
    )
}

fn churn_notes() -> Vec<String> {
    vec![
        format!(
            "Customers tagged {TAG_CHURN_RISK} on the as-of date, by a rule or by hand, largest 12-month amount first \
             (the revenue at risk), then longest without contact."
        ),
        "signals: which conditions of the default churn-risk rule hold (last contact 3 calendar months ago or \
         earlier, orders in the last 6 months fewer than in the 6 before, average satisfaction below 3); `tagged by \
         rule` when none does (the team changed the rule)."
            .to_string(),
        "last contact: the last follow-up, or the created date when there never was one.".to_string(),
    ]
}

fn concentration_table(f: &ConcentrationFigures) -> Table {
    let rows = f
        .deciles
        .iter()
        .map(|d| {
            vec![
                format!("{}–{}%", (d.decile - 1) * 10, d.decile * 10),
                d.customers.to_string(),
                dec(d.revenue),
                percent(d.revenue_share_bp),
                percent(d.cumulative_share_bp),
            ]
        })
        .collect();
    table(
        &[
            ("buyers (largest first)", false),
            ("buyers", true),
            ("revenue (¥)", true),
            ("share", true),
            ("cumulative share", true),
        ],
        rows,
    )
}

fn concentration_notes() -> Vec<String> {
    strings(&[
        "revenue: a customer's orders dated in the window and on or before the as-of date, net of negative orders; \
         buyers are the customers whose revenue is above zero, ranked largest first.",
        "top 20%: the ceil(buyers / 5) largest buyers (at least 20%; 1 of 1-5 buyers, 2 of 6-10); their share of the \
         revenue is rounded half up to 0.01%. Equal revenues never change the share, whichever ranks first.",
        "deciles: buyers ranked ceil((d-1)n/10)+1 to ceil(dn/10) form decile d; the curve plots the cumulative share of \
         revenue against the share of buyers.",
    ])
}

fn tiers_table(s: &TierSummary) -> Table {
    let rows = s
        .rows
        .iter()
        .map(|r| {
            vec![
                r.tier.clone(),
                r.customers.to_string(),
                percent(Some(r.customer_share_bp)),
                dec(r.amount_12m),
                percent(Some(r.revenue_share_bp)),
            ]
        })
        .collect();
    table(
        &[
            ("tier", false),
            ("customers", true),
            ("customer share", true),
            ("12-month amount (¥)", true),
            ("revenue share", true),
        ],
        rows,
    )
}

fn tiers_notes(model: TierModel) -> Vec<String> {
    vec![
        format!("Model: {}; see docs/tiers.md for how customers are tiered.", model_name(model)),
        "12-month amount: orders in the 12 calendar months to the as-of date; shares in basis points rounded half up \
         (revenue share 0 when the book has no revenue)."
            .to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_model::{CustomerId, Date, Kind};
    use rapport_rules::{DealFact, InteractionFact};

    #[test]
    fn figures_on_several_threads_keep_the_order_and_values() {
        let as_of = Date::from_ymd_opt(2024, 6, 30).unwrap_or(Date::MIN);
        let today = day_of(as_of);
        let book: Vec<Facts> = (0..PARALLEL_FROM as u32 + 5_003)
            .map(|i| {
                let mut id = [0u8; 16];
                id[..4].copy_from_slice(&i.to_be_bytes());
                Facts {
                    id: CustomerId(id),
                    number: format!("N{i}"),
                    name: String::new(),
                    kind: Kind::Company,
                    stage: Stage::Won,
                    industry: String::new(),
                    source: String::new(),
                    owner: String::new(),
                    created: today - 400,
                    priority: false,
                    archived: false,
                    manual_tags: vec![],
                    custom: vec![],
                    deal: Some(DealFact { day: today - (i % 300) as i32, amount: 1 }),
                    orders: vec![],
                    interactions: (0..i % 4)
                        .map(|k| InteractionFact { day: today - 350 + k as i32 * 20, intent: None })
                        .collect(),
                    services: vec![],
                }
            })
            .collect();
        let rows: Vec<ReportRow<'_>> =
            book.iter().map(|f| ReportRow { facts: f, rule_tags: &[], tier: None, to_fill: &[] }).collect();
        let items = with_figures_computed(rows.clone(), as_of);
        assert_eq!(items.len(), rows.len());
        for (item, f) in items.iter().zip(&book) {
            assert_eq!(item.row.facts.id, f.id);
            assert_eq!(item.figures.as_ref(), Some(&Figures::compute(f, as_of)));
        }
    }
}
