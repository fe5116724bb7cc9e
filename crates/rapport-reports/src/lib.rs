//! Book reports computed from rule facts: what a manager reads to judge the book.
//!
//! Eight reports ([`ReportName`]), each a pure function of the customers' [`Facts`], the
//! rule tags and composite tier the node derived for them ([`ReportRow`]), a [`Window`]
//! (`--from`, `--to`, `--as-of`) and, for the tier report, the book's [`TierSummary`]:
//!
//! | report | what |
//! | --- | --- |
//! | `sources` | source mix (客户来源): customers, share, won, conversion, won amount per source |
//! | `industries` | industry distribution (行业分布): the same per industry |
//! | `funnel` | stage funnel potential → intent → won with conversion and drop-off per step |
//! | `conversion` | average and median follow-ups and days to win, overall, per owner and per source |
//! | `owners` | owner performance: customers, won, conversion, won amount, deals closed in the window |
//! | `churn-risk` | customers tagged churn risk (流失风险客户) with the figures behind it |
//! | `concentration` | revenue concentration: share of the top 20% of buyers, Pareto curve, deciles |
//! | `tiers` | the tier summary (S/A/B/C, ABC or RFM): customers and revenue per tier |
//!
//! **Who is counted.** Archived customers are left out unless [`Window::include_archived`]
//! is set, and customers created after the as-of date did not exist yet and are left out
//! too. All activity is read as of the as-of date through [`Figures::compute`] (orders,
//! follow-ups and deals dated later are ignored).
//!
//! **What `--from` / `--to` filter** (both inclusive, either may be omitted):
//!
//! * *cohort* reports (`sources`, `industries`, `funnel`, `conversion`, `owners`) count the
//!   customers **created** in the window and follow each of them up to the as-of date: "of
//!   the customers we acquired in Q1, how many have we won, and for how much". A cohort is
//!   the only way to make conversion rates honest: a rate whose numerator and denominator
//!   come from different populations can exceed 100%.
//! * `owners` adds deals **closed** in the window (deal date in the window, any creation
//!   date): what each owner signed in the period.
//! * `concentration` is about money flowing in, so it filters **order dates** and counts
//!   every customer in scope whatever its creation date.
//! * `churn-risk` and `tiers` describe the book's state on the as-of date and ignore
//!   `--from` / `--to`.
//!
//! **Numbers.** Money is integer fen and shown in yuan with exactly two decimals
//! ([`Money::to_decimal`] in tables, `¥1,234.50` in charts). Shares and rates are basis points
//! (`_bp`, 1 bp = 0.01%) rounded half up from exact integer fractions; a rate whose
//! denominator is zero is `None` (shown `—`), never a division by zero. Averages and
//! medians are exact fractions rounded half up to one decimal ([`Tenths`]).
//!
//! Renderers: [`render_csv`] (UTF-8 with BOM, for Excel), [`render_text`] (aligned, Chinese
//! width-aware) and [`render_html`] (one self-contained page with inline SVG charts, no
//! JavaScript, no external resources). `docs/reports.md` defines every figure.

#![warn(missing_docs)]

mod compute;
mod fmt;
mod html;
mod model;
mod render;
mod svg;

pub use compute::{compute, compute_all};
pub use fmt::{percent, Tenths};
pub use html::{render_html, render_sections, MAX_HTML_ROWS};
pub use model::{
    ChurnFigures, ChurnRow, ConcentrationFigures, ConversionFigures, CurvePoint, Decile, FunnelFigures, FunnelStep,
    Group, MixFigures, OwnerFigures, OwnerRow, Report, ReportFigures, Table, TopCustomer, WinSpeed,
};
pub use render::{render_csv, render_text};

use rapport_model::Date;
#[cfg(doc)]
use rapport_model::Money;
use rapport_rules::Facts;
#[cfg(doc)]
use rapport_rules::{Figures, TierSummary};
use serde::{Deserialize, Serialize};

/// What went wrong asking for a report. Computing and rendering never fail otherwise.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The report name is not one of [`ReportName::all`] or their aliases.
    #[error("`{name}` is not a report; use one of: {valid}")]
    UnknownReport {
        /// What was asked for.
        name: String,
        /// The valid names, comma-separated.
        valid: String,
    },
    /// `--from` is after `--to`.
    #[error("the window starts on {from}, after it ends on {to}; --from must be on or before --to")]
    BadWindow {
        /// Start of the window.
        from: Date,
        /// End of the window.
        to: Date,
    },
}

/// One customer as the reports see it: its facts and what the node derived for it.
#[derive(Clone, Copy, Debug)]
pub struct ReportRow<'a> {
    /// The customer's rule inputs.
    pub facts: &'a Facts,
    /// Tags added by rules (manual tags are in `facts.manual_tags`).
    pub rule_tags: &'a [String],
    /// Composite tier (`S`, `A`, `B`, `C`) if the node has derived one.
    pub tier: Option<&'a str>,
    /// Key fields still to fill (待补充, `Customer::to_fill`); the funnel counts them.
    pub to_fill: &'a [String],
}

/// Which customers and which dates a report covers. See the crate documentation for what
/// `from` and `to` filter in each report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// First day, inclusive; `None`: from the beginning.
    pub from: Option<Date>,
    /// Last day, inclusive; `None`: up to the as-of date.
    pub to: Option<Date>,
    /// The date the book is read as of: later activity is ignored.
    pub as_of: Date,
    /// Count archived customers too (default: left out).
    #[serde(default)]
    pub include_archived: bool,
}

impl Window {
    /// The whole book as of a date.
    pub fn as_of(as_of: Date) -> Window {
        Window { from: None, to: None, as_of, include_archived: false }
    }

    /// Refuses a window that starts after it ends.
    pub fn validate(&self) -> Result<(), ReportError> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if from > to => Err(ReportError::BadWindow { from, to }),
            _ => Ok(()),
        }
    }

    /// Whether `date` lies in `from ..= to` (the as-of limit is applied separately).
    pub fn holds(&self, date: Date) -> bool {
        self.from.is_none_or(|f| date >= f) && self.to.is_none_or(|t| date <= t)
    }

    /// The window in words, e.g. `2024-01-01 to 2024-03-31` or `up to 2024-03-31`.
    pub fn describe(&self) -> String {
        match (self.from, self.to) {
            (Some(f), Some(t)) => format!("{f} to {t}"),
            (Some(f), None) => format!("from {f}"),
            (None, Some(t)) => format!("up to {t}"),
            (None, None) => "any date".to_string(),
        }
    }
}

/// The reports, in the order the all-reports page shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportName {
    /// Source mix (客户来源).
    Sources,
    /// Industry distribution (行业分布).
    Industries,
    /// Stage funnel (销售漏斗).
    Funnel,
    /// Average follow-ups and days to win (成交周期).
    Conversion,
    /// Owner performance (负责人业绩).
    Owners,
    /// Churn-risk list (流失风险客户). Serialised `churn-risk`, like [`ReportName::as_str`].
    #[serde(rename = "churn-risk")]
    ChurnRisk,
    /// Revenue concentration (收入集中度).
    Concentration,
    /// Tier summary (客户分层).
    Tiers,
}

impl ReportName {
    /// Every report, in display order.
    pub fn all() -> &'static [ReportName] {
        &[
            ReportName::Sources,
            ReportName::Industries,
            ReportName::Funnel,
            ReportName::Conversion,
            ReportName::Owners,
            ReportName::ChurnRisk,
            ReportName::Concentration,
            ReportName::Tiers,
        ]
    }

    /// The stable name used on the command line and in URLs (`churn-risk`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ReportName::Sources => "sources",
            ReportName::Industries => "industries",
            ReportName::Funnel => "funnel",
            ReportName::Conversion => "conversion",
            ReportName::Owners => "owners",
            ReportName::ChurnRisk => "churn-risk",
            ReportName::Concentration => "concentration",
            ReportName::Tiers => "tiers",
        }
    }

    /// The title, English and Chinese.
    pub fn title(self) -> &'static str {
        match self {
            ReportName::Sources => "Source mix (客户来源)",
            ReportName::Industries => "Industry distribution (行业分布)",
            ReportName::Funnel => "Stage funnel (销售漏斗)",
            ReportName::Conversion => "Follow-ups and days to win (成交周期)",
            ReportName::Owners => "Owner performance (负责人业绩)",
            ReportName::ChurnRisk => "Churn-risk customers (流失风险客户)",
            ReportName::Concentration => "Revenue concentration (收入集中度)",
            ReportName::Tiers => "Tier summary (客户分层)",
        }
    }

    /// Extra names accepted by [`str::parse`], besides [`ReportName::as_str`].
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            ReportName::Sources => &["source", "source-mix", "来源", "客户来源"],
            ReportName::Industries => &["industry", "industry-distribution", "行业", "行业分布"],
            ReportName::Funnel => &["stages", "stage-funnel", "漏斗", "销售漏斗"],
            ReportName::Conversion => &["win", "days-to-win", "follow-ups", "win-speed", "成交周期"],
            ReportName::Owners => &["owner", "owner-performance", "performance", "负责人", "业绩"],
            ReportName::ChurnRisk => &["churn", "churn-risk-list", "流失风险", "流失风险客户"],
            ReportName::Concentration => &["pareto", "revenue-concentration", "top20", "集中度"],
            ReportName::Tiers => &["tier", "tier-summary", "分层", "客户分层"],
        }
    }
}

impl std::fmt::Display for ReportName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ReportName {
    type Err = ReportError;

    /// Accepts the stable name in any ASCII case, with `_` for `-`, and a few aliases
    /// (`source`, `pareto`, `churn`, `漏斗`, ...).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace('_', "-");
        ReportName::all().iter().copied().find(|n| n.as_str() == t || n.aliases().contains(&t.as_str())).ok_or_else(
            || ReportError::UnknownReport {
                name: s.to_string(),
                valid: ReportName::all().iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", "),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_with_aliases_and_errors_list_the_valid_ones() {
        for n in ReportName::all() {
            assert_eq!(n.as_str().parse::<ReportName>(), Ok(*n));
            assert_eq!(n.as_str().to_uppercase().replace('-', "_").parse::<ReportName>(), Ok(*n));
        }
        assert_eq!("pareto".parse::<ReportName>(), Ok(ReportName::Concentration));
        assert_eq!("漏斗".parse::<ReportName>(), Ok(ReportName::Funnel));
        assert_eq!(" churn ".parse::<ReportName>(), Ok(ReportName::ChurnRisk));
        let e = "revenue".parse::<ReportName>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "`revenue` is not a report; use one of: sources, industries, funnel, conversion, owners, churn-risk, \
             concentration, tiers"
        );
    }

    #[test]
    fn window_refuses_from_after_to() {
        let d = |m| Date::from_ymd_opt(2024, m, 1).unwrap();
        let mut w = Window::as_of(d(6));
        assert!(w.validate().is_ok());
        w.from = Some(d(3));
        w.to = Some(d(2));
        assert_eq!(w.validate(), Err(ReportError::BadWindow { from: d(3), to: d(2) }));
        w.to = Some(d(3));
        assert!(w.validate().is_ok());
        assert!(w.holds(d(3)) && !w.holds(d(4)) && !w.holds(d(2)));
    }
}
