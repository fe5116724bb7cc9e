//! What a report holds: its figures (typed, for JSON and charts) and a generic table (for
//! CSV, the terminal and the HTML page).
//!
//! Money is [`Money`] (serialised as a decimal string, `"1234.50"`), shares and rates are
//! basis points (`_bp`, `None` when the denominator is zero), averages [`Tenths`].

use crate::{ReportName, Tenths, Window};
use rapport_model::{Date, Money, Satisfaction, Stage};
use rapport_rules::{OrderTrend, TierSummary};
use serde::{Deserialize, Serialize};

/// One computed report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Which report.
    pub name: ReportName,
    /// Title, English and Chinese.
    pub title: String,
    /// The window it was computed for.
    pub window: Window,
    /// Who is counted, in one sentence, e.g. `12 customers created 2024-01-01 to 2024-03-31
    /// (archived left out), followed up to 2024-06-30`.
    pub scope: String,
    /// The definitions a reader needs to trust the numbers.
    pub notes: Vec<String>,
    /// The figures, typed.
    pub figures: ReportFigures,
    /// The same figures as a table of display strings.
    pub table: Table,
}

/// A table of display strings: what CSV, the terminal and the HTML page show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Column headings.
    pub headers: Vec<String>,
    /// Per column: whether it holds numbers (right-aligned; never formula-escaped in CSV).
    pub numeric: Vec<bool>,
    /// Rows, each as long as `headers`.
    pub rows: Vec<Vec<String>>,
}

/// The figures of each report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "report", content = "data")]
pub enum ReportFigures {
    /// Source mix.
    Sources(MixFigures),
    /// Industry distribution.
    Industries(MixFigures),
    /// Stage funnel.
    Funnel(FunnelFigures),
    /// Follow-ups and days to win.
    Conversion(ConversionFigures),
    /// Owner performance.
    Owners(OwnerFigures),
    /// Churn-risk list.
    #[serde(rename = "churn-risk")]
    ChurnRisk(ChurnFigures),
    /// Revenue concentration.
    Concentration(ConcentrationFigures),
    /// Tier summary, the rules crate's own type.
    Tiers(TierSummary),
}

/// One group of a mix: a source, an industry or an owner, over the cohort.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The value as stored (`""` when not filled in).
    pub key: String,
    /// The value as shown: the industry with its Chinese name (`C 制造业`), `(none)` when empty.
    pub label: String,
    /// Customers of the cohort in the group.
    pub customers: u32,
    /// Their share of the cohort.
    pub customer_share_bp: Option<u32>,
    /// Of them, won as of the as-of date.
    pub won: u32,
    /// `won / customers`.
    pub conversion_bp: Option<u32>,
    /// Sum of the deal amounts of the won ones (a won customer without a deal record adds 0).
    pub won_amount: Money,
    /// Share of the cohort's won amount.
    pub won_amount_share_bp: Option<u32>,
}

/// Source mix or industry distribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MixFigures {
    /// Customers in the cohort.
    pub customers: u32,
    /// Of them, won.
    pub won: u32,
    /// Overall conversion, `won / customers`.
    pub conversion_bp: Option<u32>,
    /// Won amount of the cohort.
    pub won_amount: Money,
    /// One per distinct value, most customers first (then larger won amount, then label).
    pub groups: Vec<Group>,
}

/// One step of the funnel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelStep {
    /// The stage reached: potential, intent or won.
    pub stage: Stage,
    /// Customers that reached this stage (or a later one).
    pub reached: u32,
    /// Share of the cohort that reached it.
    pub reached_share_bp: Option<u32>,
    /// Of them, customers that reached the next stage; `None` for won, the last step.
    pub advanced: Option<u32>,
    /// `advanced / reached`: the step's conversion rate.
    pub conversion_bp: Option<u32>,
    /// Of them, customers now lost that did not reach the next stage (for won: lost after
    /// winning).
    pub dropped_lost: u32,
    /// Likewise, now dormant.
    pub dropped_dormant: u32,
    /// `(dropped_lost + dropped_dormant) / reached`: the step's drop-off rate.
    pub drop_off_bp: Option<u32>,
    /// The rest: still open at this stage (for won: still won, or re-engaged).
    pub open: u32,
}

/// Stage funnel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelFigures {
    /// Customers in the cohort.
    pub customers: u32,
    /// Potential, intent, won.
    pub steps: Vec<FunnelStep>,
    /// `won / customers`.
    pub overall_conversion_bp: Option<u32>,
    /// Customers per current stage, in stage order.
    pub by_stage: Vec<(Stage, u32)>,
    /// Lost or dormant customers without a deal counted as having reached intent because a
    /// follow-up judged their intent medium or high (facts keep no stage history).
    pub intent_inferred: u32,
    /// Customers of the cohort with key fields still to fill (待补充): legacy imports
    /// without deal date or contract number, say.
    #[serde(default)]
    pub to_fill: u32,
    /// Of those, how many lack each field, by field name.
    #[serde(default)]
    pub to_fill_by_field: Vec<(String, u32)>,
}

/// How fast one group of customers was won.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WinSpeed {
    /// `all`, `owner` or `source`.
    pub dimension: String,
    /// The owner or source (`(all)` for the whole cohort).
    pub label: String,
    /// Won customers with a deal date (the ones whose speed is known).
    pub won: u32,
    /// Sum of their follow-ups on or before the deal date.
    pub follow_ups_total: u64,
    /// Average follow-ups to win.
    pub avg_follow_ups: Option<Tenths>,
    /// Median follow-ups to win.
    pub median_follow_ups: Option<Tenths>,
    /// Sum of their days from first contact to the deal.
    pub days_total: i64,
    /// Average days to win.
    pub avg_days: Option<Tenths>,
    /// Median days to win.
    pub median_days: Option<Tenths>,
    /// Fastest win in days.
    pub min_days: Option<i64>,
    /// Slowest win in days.
    pub max_days: Option<i64>,
}

/// Follow-ups and days to win.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversionFigures {
    /// Customers in the cohort.
    pub customers: u32,
    /// The whole cohort.
    pub all: WinSpeed,
    /// Won customers without a deal record (stage won, no deal date): left out of speeds.
    pub won_without_deal: u32,
    /// Per owner, most wins first (then owner).
    pub by_owner: Vec<WinSpeed>,
    /// Per source, most wins first (then source).
    pub by_source: Vec<WinSpeed>,
}

/// One owner's performance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerRow {
    /// Cohort figures of the owner's customers (`key` is the owner).
    #[serde(flatten)]
    pub group: Group,
    /// Deals dated in the window (any creation date) of the owner's customers.
    pub deals_closed: u32,
    /// Their amount.
    pub closed_amount: Money,
}

/// Owner performance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerFigures {
    /// Customers in the cohort.
    pub customers: u32,
    /// Of them, won.
    pub won: u32,
    /// Won amount of the cohort.
    pub won_amount: Money,
    /// Deals closed in the window.
    pub deals_closed: u32,
    /// Their amount.
    pub closed_amount: Money,
    /// Largest won amount first (then more customers, then owner).
    pub owners: Vec<OwnerRow>,
}

/// One churn-risk customer and the figures behind the tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChurnRow {
    /// Customer number.
    pub number: String,
    /// Customer name.
    pub name: String,
    /// Owner.
    pub owner: String,
    /// Current stage.
    pub stage: Stage,
    /// Composite tier, if derived.
    pub tier: Option<String>,
    /// Amount ordered in the 12 months to the as-of date: the revenue at risk.
    pub amount_12m: Money,
    /// Amount ordered ever.
    pub amount_total: Money,
    /// Deal amount, if won.
    pub deal_amount: Option<Money>,
    /// Last follow-up, or the created date without any.
    pub last_contact: Date,
    /// Days since then.
    pub days_since_last_contact: i32,
    /// Orders in the last 6 months.
    pub orders_last_6m: u32,
    /// Orders in the 6 months before.
    pub orders_prev_6m: u32,
    /// Falling, steady or rising.
    pub order_trend: OrderTrend,
    /// Average satisfaction, if scored.
    pub avg_satisfaction: Option<Satisfaction>,
    /// Complaints ever.
    pub complaints: u32,
    /// Which of the default churn-risk conditions hold, in words; `tagged by hand` or
    /// `tagged by rule` when none does (a manual tag or a team-edited rule).
    pub signals: Vec<String>,
}

/// Churn-risk list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChurnFigures {
    /// Customers in scope.
    pub customers: u32,
    /// Of them, tagged churn risk.
    pub at_risk: u32,
    /// `at_risk / customers`.
    pub at_risk_share_bp: Option<u32>,
    /// 12-month amount of the book in scope.
    pub amount_12m: Money,
    /// 12-month amount of the customers at risk.
    pub amount_12m_at_risk: Money,
    /// Its share of the book's.
    pub amount_share_bp: Option<u32>,
    /// Largest 12-month amount first, then longest without contact, then number.
    pub rows: Vec<ChurnRow>,
}

/// One point of the Pareto (Lorenz) curve: the top `customer_share_bp` of buyers bring
/// `revenue_share_bp` of the revenue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Share of buyers, largest first.
    pub customer_share_bp: u32,
    /// Their cumulative share of revenue.
    pub revenue_share_bp: u32,
}

/// One tenth of the buyers, largest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decile {
    /// 1 = the top 10% of buyers.
    pub decile: u32,
    /// Buyers in it.
    pub customers: u32,
    /// Their revenue.
    pub revenue: Money,
    /// Its share of the revenue.
    pub revenue_share_bp: Option<u32>,
    /// Cumulative share up to and including this decile.
    pub cumulative_share_bp: Option<u32>,
}

/// One of the largest buyers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopCustomer {
    /// 1 = largest.
    pub rank: u32,
    /// Customer number.
    pub number: String,
    /// Customer name.
    pub name: String,
    /// Revenue in the window.
    pub revenue: Money,
    /// Its share of the revenue.
    pub revenue_share_bp: Option<u32>,
    /// Cumulative share up to and including this customer.
    pub cumulative_share_bp: Option<u32>,
}

/// Revenue concentration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcentrationFigures {
    /// Customers in scope.
    pub customers: u32,
    /// Of them, with positive net revenue in the window.
    pub buyers: u32,
    /// Their revenue (sum of positive net revenues).
    pub revenue: Money,
    /// Buyers in the top 20%: `ceil(buyers / 5)`.
    pub top_count: u32,
    /// Their revenue.
    pub top_revenue: Money,
    /// Its share of the revenue: the headline figure.
    pub top_share_bp: Option<u32>,
    /// The Pareto curve from (0, 0) to (100%, 100%): one point per buyer up to 100 buyers,
    /// one per percent of buyers above.
    pub curve: Vec<CurvePoint>,
    /// The ten deciles of buyers.
    pub deciles: Vec<Decile>,
    /// The 20 largest buyers.
    pub top: Vec<TopCustomer>,
}
