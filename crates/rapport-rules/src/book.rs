//! Book-wide evaluation: every customer's figures, rule tags, grades and composite tier,
//! plus the models that rank customers against each other (classic ABC by revenue share,
//! RFM quintiles).
//!
//! The per-customer part ([`evaluate_customer`]) needs nothing but the customer, so an
//! edited customer is re-evaluated alone. ABC and RFM need the whole book: their cut points
//! are [`BookBoundaries`], computed once from every customer's figures and then applied to
//! each customer, including a re-evaluated one.
//!
//! Output never depends on the order of the input: customers are sorted by id first, and
//! every tie is broken by value, never by position.

use crate::facts::Facts;
use crate::figures::Figures;
use crate::num::Decimal;
use crate::rules::{CompiledRules, Rule, RuleError};
use crate::tiers::{cadence_overdue, composite_tier, customer_value, grades, Grades, OverdueInfo, Tier, TierSettings};
use crate::RulesError;
use rapport_model::{CustomerId, Date, Money};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Classic ABC class by share of 12-month revenue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AbcClass {
    /// The customers that make the first `a_share` percent of revenue.
    A,
    /// The next, up to `b_share` percent.
    B,
    /// The rest, and every customer without revenue.
    C,
}

impl AbcClass {
    /// The letter.
    pub fn as_str(self) -> &'static str {
        match self {
            AbcClass::A => "A",
            AbcClass::B => "B",
            AbcClass::C => "C",
        }
    }
}

/// RFM scores, each 1 (worst fifth of the book) to 5 (best fifth).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RfmScores {
    /// Recency: fewer days since the last order is better; no order is worst.
    pub recency: u8,
    /// Frequency: orders in the last 12 months.
    pub frequency: u8,
    /// Monetary: amount in the last 12 months.
    pub monetary: u8,
}

impl RfmScores {
    /// The three digits, e.g. `545`.
    pub fn code(self) -> String {
        format!("{}{}{}", self.recency, self.frequency, self.monetary)
    }
}

impl fmt::Display for RfmScores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "R{} F{} M{}", self.recency, self.frequency, self.monetary)
    }
}

/// Which tier model a listing or summary uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierModel {
    /// Composite S/A/B/C.
    Sabc,
    /// Classic ABC by revenue share.
    Abc,
    /// RFM scores.
    Rfm,
}

impl std::str::FromStr for TierModel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sabc" => Ok(TierModel::Sabc),
            "abc" => Ok(TierModel::Abc),
            "rfm" => Ok(TierModel::Rfm),
            _ => Err(format!("`{s}` is not a tier model; use sabc, abc or rfm")),
        }
    }
}

/// Everything the book says about one customer as of a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerEvaluation {
    /// Customer id.
    pub id: CustomerId,
    /// Customer number.
    pub number: String,
    /// Customer name.
    pub name: String,
    /// Derived figures.
    pub figures: Figures,
    /// Tags added by rules, sorted (manual tags are not repeated here).
    pub rule_tags: Vec<String>,
    /// Value, loyalty and activity grades.
    pub grades: Grades,
    /// Composite tier.
    pub tier: Tier,
    /// Why, e.g. `S: 12-month amount ¥180,000.00 > ¥100,000.00 (high value) and ...`.
    pub tier_reason: String,
    /// The tier's strategy text.
    pub strategy: String,
    /// Customer value (see [`customer_value`]).
    pub customer_value: Money,
    /// Set when the tier cadence calls for a follow-up.
    pub follow_up: Option<OverdueInfo>,
    /// Classic ABC class; `None` until [`BookBoundaries::apply`].
    pub abc: Option<AbcClass>,
    /// RFM scores; `None` until [`BookBoundaries::apply`].
    pub rfm: Option<RfmScores>,
}

/// Evaluates one customer: figures, rule tags, grades, composite tier, strategy, customer
/// value and cadence. ABC and RFM are left `None`; apply [`BookBoundaries`] for them.
pub fn evaluate_customer(
    facts: &Facts,
    rules: &CompiledRules,
    settings: &TierSettings,
    as_of: Date,
) -> CustomerEvaluation {
    let figures = Figures::compute(facts, as_of);
    let rule_tags = rules.tags(facts, &figures, as_of);
    let grades = grades(facts, &figures, settings);
    let (tier, tier_reason) = composite_tier(facts, &figures, &rule_tags, &grades, settings);
    let follow_up = cadence_overdue(facts, &figures, tier, settings, as_of);
    CustomerEvaluation {
        id: facts.id,
        number: facts.number.clone(),
        name: facts.name.clone(),
        customer_value: customer_value(facts, &figures, settings),
        strategy: settings.policy(tier).strategy.clone(),
        figures,
        rule_tags,
        grades,
        tier,
        tier_reason,
        follow_up,
        abc: None,
        rfm: None,
    }
}

/// Book-wide cut points for ABC and RFM. Serialisable, so a store can cache them and score
/// a re-evaluated customer without looking at the rest of the book.
///
/// RFM keys, larger is better: recency is minus the days since the last order (no order
/// ranks below any order), frequency the orders in the last 12 months, monetary the
/// 12-month amount in fen. A customer's score is 1 + the number of cuts its key is strictly
/// above, which equals `1 + floor(5 * w / n)` where `w` counts customers with a strictly
/// worse key: equal keys always get equal scores (ties take the lowest rank).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookBoundaries {
    /// Customers in the book.
    pub customers: u32,
    /// Sum of positive 12-month amounts.
    pub revenue_12m: Money,
    /// Smallest 12-month amount classed A; `None` when no customer is.
    pub abc_a_min: Option<Money>,
    /// Smallest 12-month amount classed B or better.
    pub abc_b_min: Option<Money>,
    /// Four recency cuts (empty for an empty book).
    pub recency_cuts: Vec<i64>,
    /// Four frequency cuts.
    pub frequency_cuts: Vec<i64>,
    /// Four monetary cuts.
    pub monetary_cuts: Vec<i64>,
}

fn recency_key(f: &Figures) -> i64 {
    f.days_since_last_order.map_or(i64::MIN, |d| -i64::from(d))
}

fn cuts(mut keys: Vec<i64>) -> Vec<i64> {
    let n = keys.len();
    if n == 0 {
        return Vec::new();
    }
    keys.sort_unstable();
    (1..=4usize).map(|k| keys[(k * n).div_ceil(5) - 1]).collect()
}

fn score(cuts: &[i64], key: i64) -> u8 {
    1 + cuts.iter().filter(|c| key > **c).count() as u8
}

impl BookBoundaries {
    /// Computes the cut points from every customer's figures (any order).
    pub fn compute<'a>(figures: impl IntoIterator<Item = &'a Figures>, settings: &TierSettings) -> BookBoundaries {
        let mut amounts = Vec::new();
        let mut rec = Vec::new();
        let mut freq = Vec::new();
        let mut mon = Vec::new();
        for f in figures {
            amounts.push(f.amount_12m.fen());
            rec.push(recency_key(f));
            freq.push(i64::from(f.orders_12m));
            mon.push(f.amount_12m.fen());
        }
        let customers = u32::try_from(amounts.len()).unwrap_or(u32::MAX);
        amounts.retain(|a| *a > 0);
        amounts.sort_unstable_by(|a, b| b.cmp(a));
        let total: i128 = amounts.iter().map(|a| i128::from(*a)).sum();
        let scale = 100 * i128::from(Decimal::SCALE);
        let a_lim = i128::from(settings.abc.a_share.units()).saturating_mul(total);
        let b_lim = i128::from(settings.abc.b_share.units()).saturating_mul(total);
        let (mut a_min, mut b_min) = (None, None);
        let mut before: i128 = 0;
        let mut i = 0;
        while i < amounts.len() {
            let x = amounts[i];
            let mut group: i128 = 0;
            while i < amounts.len() && amounts[i] == x {
                group += i128::from(amounts[i]);
                i += 1;
            }
            // Revenue of strictly larger customers, as a share, against the cut points.
            if before.saturating_mul(scale) < a_lim {
                a_min = Some(Money(x));
            }
            if before.saturating_mul(scale) < b_lim {
                b_min = Some(Money(x));
            }
            before += group;
        }
        BookBoundaries {
            customers,
            revenue_12m: Money(i64::try_from(total).unwrap_or(i64::MAX)),
            abc_a_min: a_min,
            abc_b_min: b_min,
            recency_cuts: cuts(rec),
            frequency_cuts: cuts(freq),
            monetary_cuts: cuts(mon),
        }
    }

    /// The ABC class of a customer's 12-month amount.
    pub fn abc_class(&self, figures: &Figures) -> AbcClass {
        let x = figures.amount_12m;
        if x.fen() <= 0 {
            AbcClass::C
        } else if self.abc_a_min.is_some_and(|m| x >= m) {
            AbcClass::A
        } else if self.abc_b_min.is_some_and(|m| x >= m) {
            AbcClass::B
        } else {
            AbcClass::C
        }
    }

    /// The RFM scores of a customer.
    pub fn rfm_scores(&self, figures: &Figures) -> RfmScores {
        RfmScores {
            recency: score(&self.recency_cuts, recency_key(figures)),
            frequency: score(&self.frequency_cuts, i64::from(figures.orders_12m)),
            monetary: score(&self.monetary_cuts, figures.amount_12m.fen()),
        }
    }

    /// Sets the ABC class and RFM scores of an evaluation.
    pub fn apply(&self, e: &mut CustomerEvaluation) {
        e.abc = Some(self.abc_class(&e.figures));
        e.rfm = Some(self.rfm_scores(&e.figures));
    }
}

/// The whole book as of a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookEvaluation {
    /// The date.
    pub as_of: Date,
    /// Every customer, sorted by id.
    pub customers: Vec<CustomerEvaluation>,
    /// The ABC and RFM cut points used.
    pub boundaries: BookBoundaries,
    /// Rules that did not compile and were skipped.
    pub rule_errors: Vec<RuleError>,
}

/// One row of a [`TierSummary`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierRow {
    /// Tier label: `S`, `A`, ..., or an RFM code such as `545`.
    pub tier: String,
    /// Customers in it.
    pub customers: u32,
    /// Share of customers in basis points (rounded half up).
    pub customer_share_bp: u32,
    /// Their 12-month amount.
    pub amount_12m: Money,
    /// Share of the book's 12-month amount in basis points (rounded half up; 0 when the
    /// book has none).
    pub revenue_share_bp: u32,
}

/// Counts and revenue share per tier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierSummary {
    /// The model summarised.
    pub model: TierModel,
    /// Customers in the book.
    pub customers: u32,
    /// The book's 12-month amount.
    pub amount_12m: Money,
    /// One row per tier: S, A, B, C; A, B, C; or every RFM code present, best first.
    pub rows: Vec<TierRow>,
}

fn share_bp(part: i128, total: i128) -> u32 {
    if total <= 0 || part <= 0 {
        return 0;
    }
    u32::try_from((part * 10_000 + total / 2) / total).unwrap_or(u32::MAX)
}

impl BookEvaluation {
    /// The evaluation of one customer.
    pub fn get(&self, id: &CustomerId) -> Option<&CustomerEvaluation> {
        self.customers.binary_search_by(|c| c.id.cmp(id)).ok().map(|i| &self.customers[i])
    }

    /// Counts and revenue share per tier of `model`.
    pub fn summary(&self, model: TierModel) -> TierSummary {
        let label = |c: &CustomerEvaluation| -> String {
            match model {
                TierModel::Sabc => c.tier.as_str().to_string(),
                TierModel::Abc => c.abc.map_or("C", |a| a.as_str()).to_string(),
                TierModel::Rfm => c.rfm.map_or_else(|| "111".to_string(), |r| r.code()),
            }
        };
        let mut labels: Vec<String> = match model {
            TierModel::Sabc => Tier::ALL.iter().map(|t| t.as_str().to_string()).collect(),
            TierModel::Abc => ["A", "B", "C"].iter().map(|s| s.to_string()).collect(),
            TierModel::Rfm => {
                let mut codes: Vec<String> = self.customers.iter().map(label).collect();
                codes.sort_unstable_by(|a, b| b.cmp(a));
                codes.dedup();
                codes
            }
        };
        let mut rows: Vec<TierRow> = labels
            .drain(..)
            .map(|tier| TierRow {
                tier,
                customers: 0,
                customer_share_bp: 0,
                amount_12m: Money::ZERO,
                revenue_share_bp: 0,
            })
            .collect();
        let mut total: i128 = 0;
        for c in &self.customers {
            let l = label(c);
            total += i128::from(c.figures.amount_12m.fen());
            if let Some(r) = rows.iter_mut().find(|r| r.tier == l) {
                r.customers += 1;
                r.amount_12m = Money(r.amount_12m.fen().saturating_add(c.figures.amount_12m.fen()));
            }
        }
        let n = self.customers.len() as i128;
        for r in &mut rows {
            r.customer_share_bp = share_bp(i128::from(r.customers), n);
            r.revenue_share_bp = share_bp(i128::from(r.amount_12m.fen()), total);
        }
        TierSummary {
            model,
            customers: u32::try_from(self.customers.len()).unwrap_or(u32::MAX),
            amount_12m: Money(i64::try_from(total).unwrap_or(i64::MAX)),
            rows,
        }
    }
}

/// Book-wide entry points.
pub struct Book;

fn sorted(facts: &[Facts]) -> Vec<&Facts> {
    let mut v: Vec<&Facts> = facts.iter().collect();
    v.sort_by(|a, b| (a.id, &a.number, &a.name).cmp(&(b.id, &b.number, &b.name)));
    v
}

impl Book {
    /// Evaluates the whole book: rules are compiled leniently (rules that do not compile
    /// are skipped and listed in `rule_errors`).
    pub fn evaluate(facts: &[Facts], rules: &[Rule], settings: &TierSettings, as_of: Date) -> BookEvaluation {
        let compiled = CompiledRules::compile_lenient(rules);
        Self::evaluate_compiled(facts, &compiled, settings, as_of)
    }

    /// Evaluates the whole book with already compiled rules.
    pub fn evaluate_compiled(
        facts: &[Facts],
        rules: &CompiledRules,
        settings: &TierSettings,
        as_of: Date,
    ) -> BookEvaluation {
        let mut customers: Vec<CustomerEvaluation> =
            sorted(facts).into_iter().map(|f| evaluate_customer(f, rules, settings, as_of)).collect();
        let boundaries = BookBoundaries::compute(customers.iter().map(|c| &c.figures), settings);
        for c in &mut customers {
            boundaries.apply(c);
        }
        BookEvaluation { as_of, customers, boundaries, rule_errors: rules.errors().to_vec() }
    }

    /// Which customers a draft rule would tag, without saving it: the draft runs after the
    /// existing rules (or in place of the rule with its name), so it sees their tags.
    /// Returns matching ids, sorted.
    pub fn test_rule(
        facts: &[Facts],
        rules: &[Rule],
        draft: &Rule,
        as_of: Date,
    ) -> Result<Vec<CustomerId>, RulesError> {
        let compiled_draft = draft.compile()?;
        // The rules that run before the draft: those before the rule it replaces, or all.
        let at = rules.iter().position(|r| r.name == draft.name).unwrap_or(rules.len());
        let before = CompiledRules::compile_lenient(&rules[..at]);
        let mut out = Vec::new();
        for f in sorted(facts) {
            let figures = Figures::compute(f, as_of);
            let tags = before.tags(f, &figures, as_of);
            let refs: Vec<&str> = tags.iter().map(String::as_str).collect();
            if crate::lang::eval::eval_with_tags(&compiled_draft.expr, f, &figures, as_of, &refs) {
                out.push(f.id);
            }
        }
        Ok(out)
    }
}
