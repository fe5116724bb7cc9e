//! Tiers (客户分层, domain.md section 5): value, loyalty and activity grades, the composite
//! S/A/B/C tier with its strategy and follow-up cadence, and customer value. The book-wide
//! models (classic ABC by revenue share, RFM quintiles) need every customer and live in
//! [`crate::book`].
//!
//! Every threshold is a team setting ([`TierSettings`], plain serde data). Decisions compare
//! exact fractions; amounts are fen and rates exact ratios, never floats.

use crate::facts::{date_of, day_of, Facts};
use crate::figures::Figures;
use crate::num::{percent_text, Decimal, Ratio};
use crate::rules::{TAG_CHURN_RISK, TAG_POTENTIAL};
use crate::RulesError;
use rapport_model::{Date, IntentLevel, Money, Stage};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A high / medium / low grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

impl Grade {
    /// English name.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::High => "high",
            Grade::Medium => "medium",
            Grade::Low => "low",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The composite tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    /// High value and high loyalty.
    S,
    /// Potential: tagged potential, or latest intent high and not won.
    A,
    /// Everyone else.
    B,
    /// Churn risk.
    C,
}

impl Tier {
    /// Every tier, in display order.
    pub const ALL: &'static [Tier] = &[Tier::S, Tier::A, Tier::B, Tier::C];

    /// The letter.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::S => "S",
            Tier::A => "A",
            Tier::B => "B",
            Tier::C => "C",
        }
    }

    /// Parses `S`, `A`, `B`, `C` (any case).
    pub fn parse(text: &str) -> Option<Tier> {
        Tier::ALL.iter().copied().find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Value grade from the 12-month amount: high when above `high_above`, medium from
/// `medium_from` up to and including `high_above`, low below `medium_from`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueGrades {
    /// High when the 12-month amount is strictly more (default ¥100,000).
    pub high_above: Money,
    /// Medium from this amount (inclusive, default ¥50,000); low below.
    pub medium_from: Money,
}

/// Loyalty grade from repurchase and complaint rates (percent). High when the repurchase
/// rate is strictly above `high_repurchase_above` and the complaint rate strictly below
/// `high_complaint_below`; otherwise medium when above `medium_repurchase_above` and below
/// `medium_complaint_below`; otherwise low.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoyaltyGrades {
    /// Default 60.
    pub high_repurchase_above: Decimal,
    /// Default 5.
    pub high_complaint_below: Decimal,
    /// Default 30.
    pub medium_repurchase_above: Decimal,
    /// Default 10.
    pub medium_complaint_below: Decimal,
}

/// Activity grade from follow-ups per month, averaged over the last `window_days` days (a
/// month counts as 30 days): high when strictly above `high_above_per_month`, medium from
/// `medium_from_per_month`, low below.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityGrades {
    /// Default 90.
    pub window_days: u32,
    /// Default 5.
    pub high_above_per_month: Decimal,
    /// Default 1.
    pub medium_from_per_month: Decimal,
}

/// How the composite tier is chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeSettings {
    /// Tag that makes a customer A (default `潜力客户`).
    pub potential_tag: String,
    /// Tag that makes a customer C (default `流失风险客户`).
    pub churn_risk_tag: String,
    /// Order in which S, A and C are tried; the first that applies wins, B is the rest.
    /// Default `[C, S, A]`: churn risk comes first, because a high-value customer who is
    /// drifting away needs the win-back treatment more than VIP visits.
    pub precedence: Vec<Tier>,
}

/// Classic ABC by share of 12-month revenue, in percent: customers are ranked by amount;
/// A while the revenue of strictly larger customers is below `a_share` of the total, B while
/// it is below `b_share`, C otherwise (and always C with no revenue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbcSettings {
    /// Default 80.
    pub a_share: Decimal,
    /// Default 95.
    pub b_share: Decimal,
}

/// Customer value = average order amount × repurchase frequency (orders in the last 12
/// months) × margin × referral coefficient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueFormula {
    /// Gross margin in percent (default 30).
    pub margin: Decimal,
    /// Referral coefficient for customers whose source is not listed below (default 1).
    pub referral_coefficient: Decimal,
    /// Coefficient by source, e.g. `转介绍` → 1.2 (source compared ignoring ASCII case).
    pub referral_by_source: BTreeMap<String, Decimal>,
}

/// What the team does with customers of one tier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierPolicy {
    /// Strategy text.
    pub strategy: String,
    /// Follow up at least every this many days; `None` for no cadence.
    pub cadence_days: Option<u32>,
}

/// Strategy and cadence per tier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierPolicies {
    /// S: VIP service, regular visits (default every 30 days).
    pub s: TierPolicy,
    /// A: targeted offers (high potential: weekly, 7 days).
    pub a: TierPolicy,
    /// B: standard service (no cadence).
    pub b: TierPolicy,
    /// C: win-back offer, find the churn reason (twice a month: 15 days).
    pub c: TierPolicy,
    /// Won customers of any tier get a satisfaction check at least this often (quarterly:
    /// 90 days); the shorter of this and the tier's cadence applies.
    pub won_check_days: Option<u32>,
}

/// Every tier setting; a team setting, synced like rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TierSettings {
    /// Value grade thresholds.
    pub value: ValueGrades,
    /// Loyalty grade thresholds.
    pub loyalty: LoyaltyGrades,
    /// Activity grade thresholds.
    pub activity: ActivityGrades,
    /// Composite S/A/B/C.
    pub composite: CompositeSettings,
    /// Classic ABC cut points.
    pub abc: AbcSettings,
    /// Customer value coefficients.
    pub customer_value: ValueFormula,
    /// Strategy and cadence per tier.
    pub policies: TierPolicies,
}

impl Default for TierSettings {
    fn default() -> Self {
        TierSettings {
            value: ValueGrades { high_above: Money::yuan(100_000), medium_from: Money::yuan(50_000) },
            loyalty: LoyaltyGrades {
                high_repurchase_above: Decimal::int(60),
                high_complaint_below: Decimal::int(5),
                medium_repurchase_above: Decimal::int(30),
                medium_complaint_below: Decimal::int(10),
            },
            activity: ActivityGrades {
                window_days: 90,
                high_above_per_month: Decimal::int(5),
                medium_from_per_month: Decimal::int(1),
            },
            composite: CompositeSettings {
                potential_tag: TAG_POTENTIAL.into(),
                churn_risk_tag: TAG_CHURN_RISK.into(),
                precedence: vec![Tier::C, Tier::S, Tier::A],
            },
            abc: AbcSettings { a_share: Decimal::int(80), b_share: Decimal::int(95) },
            customer_value: ValueFormula {
                margin: Decimal::int(30),
                referral_coefficient: Decimal::int(1),
                referral_by_source: BTreeMap::new(),
            },
            policies: TierPolicies {
                s: TierPolicy {
                    strategy: "VIP service, regular visits (VIP服务，定期拜访)".into(),
                    cadence_days: Some(30),
                },
                a: TierPolicy { strategy: "Targeted offers (针对性优惠)".into(), cadence_days: Some(7) },
                b: TierPolicy { strategy: "Standard service (标准服务)".into(), cadence_days: None },
                c: TierPolicy {
                    strategy: "Win-back offer, find the churn reason (挽回优惠，查明流失原因)".into(),
                    cadence_days: Some(15),
                },
                won_check_days: Some(90),
            },
        }
    }
}

impl TierSettings {
    /// The policy of a tier.
    pub fn policy(&self, tier: Tier) -> &TierPolicy {
        match tier {
            Tier::S => &self.policies.s,
            Tier::A => &self.policies.a,
            Tier::B => &self.policies.b,
            Tier::C => &self.policies.c,
        }
    }

    /// Checks that thresholds are in order (medium below high, A share below B share,
    /// percentages 0-100, window at least one day).
    pub fn validate(&self) -> Result<(), RulesError> {
        let bad = |s: &str| Err(RulesError::Settings(s.to_string()));
        if self.value.medium_from > self.value.high_above {
            return bad("value.medium_from must not exceed value.high_above");
        }
        if self.loyalty.medium_repurchase_above > self.loyalty.high_repurchase_above {
            return bad("loyalty.medium_repurchase_above must not exceed loyalty.high_repurchase_above");
        }
        if self.activity.window_days == 0 {
            return bad("activity.window_days must be at least 1");
        }
        if self.activity.medium_from_per_month > self.activity.high_above_per_month {
            return bad("activity.medium_from_per_month must not exceed activity.high_above_per_month");
        }
        let pct = |d: Decimal| d >= Decimal::int(0) && d <= Decimal::int(100);
        if !pct(self.abc.a_share) || !pct(self.abc.b_share) || self.abc.a_share > self.abc.b_share {
            return bad("abc shares must be percentages with a_share <= b_share");
        }
        if self.customer_value.margin < Decimal::int(0) || self.customer_value.referral_coefficient < Decimal::int(0) {
            return bad("customer_value margin and coefficients must not be negative");
        }
        if self.composite.precedence.contains(&Tier::B) {
            return bad("composite.precedence lists S, A and C; B is whoever is left");
        }
        Ok(())
    }
}

/// The three grades with the sentence that justifies each.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grades {
    /// Value grade.
    pub value: Grade,
    /// Why, e.g. `12-month amount ¥180,000.00 > ¥100,000.00`.
    pub value_reason: String,
    /// Loyalty grade.
    pub loyalty: Grade,
    /// Why.
    pub loyalty_reason: String,
    /// Activity grade.
    pub activity: Grade,
    /// Why.
    pub activity_reason: String,
}

fn pct(d: Decimal) -> String {
    percent_text(d.ratio())
}

/// Value grade of the 12-month amount.
pub fn value_grade(figures: &Figures, s: &TierSettings) -> (Grade, String) {
    let a = figures.amount_12m;
    let (hi, mid) = (s.value.high_above, s.value.medium_from);
    if a > hi {
        (Grade::High, format!("12-month amount {a} > {hi}"))
    } else if a >= mid {
        (Grade::Medium, format!("12-month amount {a} between {mid} and {hi}"))
    } else {
        (Grade::Low, format!("12-month amount {a} < {mid}"))
    }
}

/// Loyalty grade from repurchase rate and complaint rate.
pub fn loyalty_grade(figures: &Figures, s: &TierSettings) -> (Grade, String) {
    let l = &s.loyalty;
    let rr = figures.repurchase_rate();
    let cr = figures.complaint_rate();
    let (rr_t, cr_t) = (percent_text(rr), percent_text(cr));
    let high_r = rr > l.high_repurchase_above.ratio();
    let high_c = cr < l.high_complaint_below.ratio();
    if high_r && high_c {
        return (
            Grade::High,
            format!(
                "repurchase rate {rr_t} > {} with complaint rate {cr_t} < {}",
                pct(l.high_repurchase_above),
                pct(l.high_complaint_below)
            ),
        );
    }
    let not_high = if !high_r {
        format!("repurchase rate {rr_t} <= {}", pct(l.high_repurchase_above))
    } else {
        format!("complaint rate {cr_t} >= {}", pct(l.high_complaint_below))
    };
    let med_r = rr > l.medium_repurchase_above.ratio();
    let med_c = cr < l.medium_complaint_below.ratio();
    if med_r && med_c {
        return (
            Grade::Medium,
            format!(
                "repurchase rate {rr_t} > {} with complaint rate {cr_t} < {}, but {not_high}",
                pct(l.medium_repurchase_above),
                pct(l.medium_complaint_below)
            ),
        );
    }
    let why = if !med_r {
        format!("repurchase rate {rr_t} <= {}", pct(l.medium_repurchase_above))
    } else {
        format!("complaint rate {cr_t} >= {}", pct(l.medium_complaint_below))
    };
    (Grade::Low, why)
}

/// Follow-ups within the last `days` days of `as_of`.
fn interactions_within(facts: &Facts, as_of: Date, days: u32) -> u32 {
    let today = day_of(as_of);
    let start = today.saturating_sub(days.min(i32::MAX as u32) as i32);
    facts.interactions.iter().filter(|i| i.day > start && i.day <= today).count() as u32
}

/// Activity grade from follow-ups per month.
pub fn activity_grade(facts: &Facts, figures: &Figures, s: &TierSettings) -> (Grade, String) {
    let a = &s.activity;
    let days = a.window_days.max(1);
    let n = match days {
        30 => figures.interactions_30d,
        90 => figures.interactions_90d,
        _ => interactions_within(facts, figures.as_of, days),
    };
    // Per month = n * 30 / days.
    let per_month = Ratio::new(i128::from(n) * 30, i128::from(days)).unwrap_or(Ratio::ZERO);
    let shown = format!("{n} follow-ups in the last {days} days = {} per month", per_month.to_decimal_string(2));
    if per_month > a.high_above_per_month.ratio() {
        (Grade::High, format!("{shown} > {}", a.high_above_per_month))
    } else if per_month >= a.medium_from_per_month.ratio() {
        (Grade::Medium, format!("{shown}, between {} and {}", a.medium_from_per_month, a.high_above_per_month))
    } else {
        (Grade::Low, format!("{shown} < {}", a.medium_from_per_month))
    }
}

/// All three grades.
pub fn grades(facts: &Facts, figures: &Figures, s: &TierSettings) -> Grades {
    let (value, value_reason) = value_grade(figures, s);
    let (loyalty, loyalty_reason) = loyalty_grade(figures, s);
    let (activity, activity_reason) = activity_grade(facts, figures, s);
    Grades { value, value_reason, loyalty, loyalty_reason, activity, activity_reason }
}

fn tagged(facts: &Facts, rule_tags: &[String], tag: &str) -> bool {
    !tag.is_empty()
        && (rule_tags.iter().any(|t| t.eq_ignore_ascii_case(tag))
            || facts.manual_tags.iter().any(|t| t.eq_ignore_ascii_case(tag)))
}

/// The composite tier and a sentence saying why. `rule_tags` are the customer's rule tags;
/// manual tags count too. Tiers are tried in `composite.precedence` order (default C, S,
/// A); B is the rest.
pub fn composite_tier(
    facts: &Facts,
    figures: &Figures,
    rule_tags: &[String],
    grades: &Grades,
    s: &TierSettings,
) -> (Tier, String) {
    let c = &s.composite;
    let churn = tagged(facts, rule_tags, &c.churn_risk_tag);
    let high_s = grades.value == Grade::High && grades.loyalty == Grade::High;
    let potential_tag = tagged(facts, rule_tags, &c.potential_tag);
    let intent_high = figures.latest_intent == Some(IntentLevel::High) && facts.stage != Stage::Won;
    for tier in &c.precedence {
        match tier {
            Tier::C if churn => return (Tier::C, format!("C: tagged {} (churn risk)", c.churn_risk_tag)),
            Tier::S if high_s => {
                return (
                    Tier::S,
                    format!("S: {} (high value) and {} (high loyalty)", grades.value_reason, grades.loyalty_reason),
                )
            }
            Tier::A if potential_tag => return (Tier::A, format!("A: tagged {} (potential)", c.potential_tag)),
            Tier::A if intent_high => {
                return (Tier::A, format!("A: latest intent high and stage {}, not won (potential)", facts.stage))
            }
            _ => {}
        }
    }
    let mut why = Vec::new();
    if c.precedence.contains(&Tier::C) {
        why.push("no churn risk".to_string());
    }
    if c.precedence.contains(&Tier::S) {
        if grades.value != Grade::High {
            why.push(format!("not S: value {} ({})", grades.value, grades.value_reason));
        } else {
            why.push(format!("not S: loyalty {} ({})", grades.loyalty, grades.loyalty_reason));
        }
    }
    if c.precedence.contains(&Tier::A) {
        why.push("not potential".to_string());
    }
    (Tier::B, format!("B: {}", why.join("; ")))
}

/// Customer value = average order amount × orders in the last 12 months × margin ×
/// referral coefficient, rounded half away from zero to the fen. Zero without orders.
pub fn customer_value(facts: &Facts, figures: &Figures, s: &TierSettings) -> Money {
    if figures.order_count == 0 {
        return Money::ZERO;
    }
    let v = &s.customer_value;
    let coef = v
        .referral_by_source
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(facts.source.trim()))
        .map_or(v.referral_coefficient, |(_, c)| *c);
    // fen = total / count × orders_12m × margin% × coef, with margin and coef in 1/10000.
    let num = i128::from(figures.amount_total.fen())
        .checked_mul(i128::from(figures.orders_12m))
        .and_then(|x| x.checked_mul(i128::from(v.margin.units())))
        .and_then(|x| x.checked_mul(i128::from(coef.units())));
    let den = i128::from(figures.order_count) * 100 * i128::from(Decimal::SCALE) * i128::from(Decimal::SCALE);
    match num.and_then(|n| Ratio::new(n, den)) {
        Some(r) => Money(i64::try_from(r.round()).unwrap_or(i64::MAX)),
        None => Money(i64::MAX),
    }
}

/// A customer whose tier cadence says a follow-up is due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueInfo {
    /// The customer's tier.
    pub tier: Tier,
    /// Cadence that applies, in days.
    pub cadence_days: u32,
    /// Last contact (last follow-up, or created date).
    pub last_contact: Date,
    /// When the next follow-up was due.
    pub due: Date,
    /// Days past due; 0 means due today.
    pub days_overdue: i32,
    /// Human summary.
    pub reason: String,
}

/// Whether the cadence of `tier` (and, for won customers, the quarterly check) calls for a
/// follow-up by `as_of`: `Some` when the last contact plus the cadence is on or before
/// `as_of`. Archived customers never are.
pub fn cadence_overdue(
    facts: &Facts,
    figures: &Figures,
    tier: Tier,
    s: &TierSettings,
    as_of: Date,
) -> Option<OverdueInfo> {
    if facts.archived {
        return None;
    }
    let tier_days = s.policy(tier).cadence_days;
    let won_days = if figures.won { s.policies.won_check_days } else { None };
    let (days, why) = match (tier_days, won_days) {
        (Some(t), Some(w)) if w < t => (w, "quarterly satisfaction check of a won customer"),
        (Some(t), _) => (t, "tier cadence"),
        (None, Some(w)) => (w, "quarterly satisfaction check of a won customer"),
        (None, None) => return None,
    };
    let last = day_of(figures.last_contact);
    let due = last.saturating_add(days.min(i32::MAX as u32) as i32);
    let today = day_of(as_of);
    if due > today {
        return None;
    }
    let late = today.saturating_sub(due);
    Some(OverdueInfo {
        tier,
        cadence_days: days,
        last_contact: figures.last_contact,
        due: date_of(due),
        days_overdue: late,
        reason: format!(
            "{tier}: follow up every {days} days ({why}); last contact {}, due {}{}",
            figures.last_contact,
            date_of(due),
            if late == 0 { ", due today".to_string() } else { format!(", {late} days overdue") }
        ),
    })
}
