//! [`Figures`]: what a customer's activity adds up to as of a date (domain.md section 3).
//!
//! Only activity dated on or before the as-of date counts, so re-running with an earlier
//! date reproduces what the book said then. Time windows ("the last 30 days", "the last 12
//! months") are half-open: a window of N days or months as of day T holds the days after
//! `T - N` up to and including `T`. So an interaction exactly 90 days ago is *not* within
//! 90 days, and `days_since_last_interaction` is then exactly 90: the two readings agree.
//!
//! Rates are exact fractions; the `_bp` fields (basis points, rounded half up) are for
//! display only and the `*_rate()` methods give the exact values used in decisions.

use crate::facts::{date_of, day_of, Day, Facts};
use crate::num::Ratio;
use chrono::Months;
use rapport_model::{Date, IntentLevel, Money, Satisfaction, ServiceKind, Stage};
use serde::{Deserialize, Serialize};

/// A unit of a time window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Calendar days.
    Days,
    /// Seven days.
    Weeks,
    /// Calendar months (the same day of an earlier month, clamped to its last day).
    Months,
    /// Twelve calendar months.
    Years,
}

impl Unit {
    /// English plural name.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Days => "days",
            Unit::Weeks => "weeks",
            Unit::Months => "months",
            Unit::Years => "years",
        }
    }
}

/// A span of time ending on the as-of date, e.g. 12 months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    /// How many units.
    pub amount: u32,
    /// Which unit.
    pub unit: Unit,
}

impl Window {
    /// `n` days.
    pub const fn days(n: u32) -> Window {
        Window { amount: n, unit: Unit::Days }
    }

    /// `n` months.
    pub const fn months(n: u32) -> Window {
        Window { amount: n, unit: Unit::Months }
    }

    /// The day `amount units` before `as_of`: the exclusive start of the window, and the
    /// date that `N units ago` means.
    pub fn start(self, as_of: Date) -> Day {
        let today = day_of(as_of);
        let months = match self.unit {
            Unit::Days => return today.saturating_sub(self.amount.min(i32::MAX as u32) as i32),
            Unit::Weeks => return today.saturating_sub((u64::from(self.amount) * 7).min(i32::MAX as u64) as i32),
            Unit::Months => self.amount,
            Unit::Years => self.amount.saturating_mul(12),
        };
        as_of.checked_sub_months(Months::new(months)).map_or(i32::MIN, day_of)
    }

    /// Whether `day` lies in the window ending on `today` (`start < day <= today`).
    pub fn holds(start: Day, today: Day, day: Day) -> bool {
        day > start && day <= today
    }
}

impl std::fmt::Display for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = self.unit.as_str();
        if self.amount == 1 {
            write!(f, "1 {}", &unit[..unit.len() - 1])
        } else {
            write!(f, "{} {unit}", self.amount)
        }
    }
}

/// Whether orders are coming faster or slower: orders in the last 6 months against the 6
/// months before them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderTrend {
    /// Fewer orders in the last 6 months than in the 6 before.
    Falling,
    /// As many.
    Steady,
    /// More.
    Rising,
}

impl OrderTrend {
    /// Every value, in order.
    pub const ALL: &'static [OrderTrend] = &[OrderTrend::Falling, OrderTrend::Steady, OrderTrend::Rising];

    /// Stable English name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderTrend::Falling => "falling",
            OrderTrend::Steady => "steady",
            OrderTrend::Rising => "rising",
        }
    }

    /// Chinese term.
    pub fn zh(self) -> &'static str {
        match self {
            OrderTrend::Falling => "下降",
            OrderTrend::Steady => "平稳",
            OrderTrend::Rising => "上升",
        }
    }
}

/// Amount bought in one product category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryAmount {
    /// Product category.
    pub category: String,
    /// Amount ordered in it.
    pub amount: Money,
    /// Number of orders in it.
    pub orders: u32,
}

/// A customer's derived figures as of a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// The date the figures are for.
    pub as_of: Date,
    /// Amount ordered in the last 12 months.
    pub amount_12m: Money,
    /// Amount ordered ever (up to the as-of date).
    pub amount_total: Money,
    /// Orders ever.
    pub order_count: u32,
    /// Orders in the last 12 months.
    pub orders_12m: u32,
    /// Average order amount (lifetime), rounded half up to the fen; `None` with no orders.
    pub avg_order: Option<Money>,
    /// Repeat purchases: orders dated after the day of the first order. Several orders
    /// placed on the first day are one first purchase.
    pub repeat_purchases: u32,
    /// Repurchase rate, repeat purchases / orders, in basis points (display; see
    /// [`Figures::repurchase_rate`]).
    pub repurchase_rate_bp: u32,
    /// Day of the first order.
    pub first_order: Option<Date>,
    /// Day of the last order.
    pub last_order: Option<Date>,
    /// Days since the last order; `None` with no orders.
    pub days_since_last_order: Option<i32>,
    /// Top 3 product categories by amount (ties by name).
    pub top_categories: Vec<CategoryAmount>,
    /// Follow-ups ever.
    pub interaction_count: u32,
    /// Follow-ups in the last 30 days.
    pub interactions_30d: u32,
    /// Follow-ups in the last 90 days.
    pub interactions_90d: u32,
    /// Day of the last follow-up.
    pub last_interaction: Option<Date>,
    /// Days since the last follow-up; `None` if there never was one.
    pub days_since_last_interaction: Option<i32>,
    /// Last contact: the last follow-up, or the created date when there is none.
    pub last_contact: Date,
    /// Days since [`Figures::last_contact`], never negative. This is what the rule field
    /// `days_since_last_interaction` reads.
    pub days_since_last_contact: i32,
    /// Intent level of the latest follow-up that judged one.
    pub latest_intent: Option<IntentLevel>,
    /// Service records ever.
    pub service_count: u32,
    /// Complaints (service records of kind complaint).
    pub complaints: u32,
    /// Complaint rate, complaints / orders (complaints / 1 with no orders), in basis points
    /// (display; see [`Figures::complaint_rate`]).
    pub complaint_rate_bp: u32,
    /// Service records with a satisfaction score.
    pub rated_services: u32,
    /// Sum of their scores in hundredths.
    pub satisfaction_sum: u32,
    /// Average satisfaction, rounded half up to hundredths; `None` with no scores.
    pub avg_satisfaction: Option<Satisfaction>,
    /// First contact: the earlier of the created date and the first follow-up.
    pub first_contact: Date,
    /// Deal date, when it is on or before the as-of date.
    pub won_on: Option<Date>,
    /// Whether the customer counts as won as of the date: it has a deal dated on or before
    /// it, or, lacking a deal record, its stage is won.
    pub won: bool,
    /// Follow-ups on or before the deal date.
    pub follow_ups_to_won: Option<u32>,
    /// Days from first contact to the deal date.
    pub days_to_won: Option<i32>,
    /// Orders in the last 6 months.
    pub orders_last_6m: u32,
    /// Orders in the 6 months before those.
    pub orders_prev_6m: u32,
    /// Falling when `orders_last_6m < orders_prev_6m`, rising when greater, else steady.
    pub order_trend: OrderTrend,
}

fn bp(num: u64, den: u64) -> u32 {
    if den == 0 {
        return 0;
    }
    let scaled = u128::from(num) * 10_000;
    let den = u128::from(den);
    u32::try_from((scaled + den / 2) / den).unwrap_or(u32::MAX)
}

impl Figures {
    /// Computes the figures of `facts` as of `as_of`.
    pub fn compute(facts: &Facts, as_of: Date) -> Figures {
        let today = day_of(as_of);
        let m12 = Window::months(12).start(as_of);
        let m6 = Window::months(6).start(as_of);

        // Orders.
        let mut total: i64 = 0;
        let mut amount_12m: i64 = 0;
        let mut count: u32 = 0;
        let mut orders_12m: u32 = 0;
        let mut last6: u32 = 0;
        let mut prev6: u32 = 0;
        let mut first: Option<Day> = None;
        let mut last: Option<Day> = None;
        let mut cats: Vec<(&str, i64, u32)> = Vec::new();
        for o in facts.orders.iter().filter(|o| o.day <= today) {
            total = total.saturating_add(o.amount);
            count += 1;
            if o.day > m12 {
                amount_12m = amount_12m.saturating_add(o.amount);
                orders_12m += 1;
            }
            if o.day > m6 {
                last6 += 1;
            } else if o.day > m12 {
                prev6 += 1;
            }
            first = Some(first.map_or(o.day, |f| f.min(o.day)));
            last = Some(last.map_or(o.day, |l| l.max(o.day)));
            match cats.iter_mut().find(|c| c.0 == o.category) {
                Some(c) => {
                    c.1 = c.1.saturating_add(o.amount);
                    c.2 += 1;
                }
                None => cats.push((&o.category, o.amount, 1)),
            }
        }
        let repeat = match first {
            Some(f) => facts.orders.iter().filter(|o| o.day > f && o.day <= today).count() as u32,
            None => 0,
        };
        cats.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let top_categories = cats
            .iter()
            .take(3)
            .map(|(c, a, n)| CategoryAmount { category: (*c).to_string(), amount: Money(*a), orders: *n })
            .collect();
        let avg_order = if count > 0 {
            Ratio::new(i128::from(total), i128::from(count)).map(|r| Money(r.round() as i64))
        } else {
            None
        };

        // Follow-ups.
        let mut icount = 0u32;
        let mut i30 = 0u32;
        let mut i90 = 0u32;
        let mut last_i: Option<Day> = None;
        let mut intent: Option<(Day, IntentLevel)> = None;
        for i in facts.interactions.iter().filter(|i| i.day <= today) {
            icount += 1;
            if i.day > today.saturating_sub(30) {
                i30 += 1;
            }
            if i.day > today.saturating_sub(90) {
                i90 += 1;
            }
            last_i = Some(last_i.map_or(i.day, |l| l.max(i.day)));
            if let Some(level) = i.intent {
                // Later in the list wins on the same day: the list is in time order.
                if intent.is_none_or(|(d, _)| i.day >= d) {
                    intent = Some((i.day, level));
                }
            }
        }
        let last_contact = last_i.unwrap_or(facts.created);

        // Service records.
        let mut scount = 0u32;
        let mut complaints = 0u32;
        let mut rated = 0u32;
        let mut sat_sum = 0u32;
        for s in facts.services.iter().filter(|s| s.day <= today) {
            scount += 1;
            if s.kind == ServiceKind::Complaint {
                complaints += 1;
            }
            if let Some(h) = s.satisfaction {
                rated += 1;
                sat_sum = sat_sum.saturating_add(u32::from(h));
            }
        }
        let avg_satisfaction = if rated > 0 {
            Ratio::new(i128::from(sat_sum), i128::from(rated))
                .and_then(|r| u16::try_from(r.round()).ok())
                .and_then(|h| Satisfaction::from_hundredths(h).ok())
        } else {
            None
        };

        // Winning.
        let first_contact = facts.first_contact();
        let deal_day = facts.deal.as_ref().map(|d| d.day).filter(|d| *d <= today);
        let won = match &facts.deal {
            Some(d) => d.day <= today,
            None => facts.stage == Stage::Won,
        };
        let follow_ups_to_won = deal_day.map(|w| facts.interactions.iter().filter(|i| i.day <= w).count() as u32);
        let days_to_won = deal_day.map(|w| w.saturating_sub(first_contact).max(0));

        Figures {
            as_of,
            amount_12m: Money(amount_12m),
            amount_total: Money(total),
            order_count: count,
            orders_12m,
            avg_order,
            repeat_purchases: repeat,
            repurchase_rate_bp: bp(u64::from(repeat), u64::from(count)),
            first_order: first.map(date_of),
            last_order: last.map(date_of),
            days_since_last_order: last.map(|l| today.saturating_sub(l)),
            top_categories,
            interaction_count: icount,
            interactions_30d: i30,
            interactions_90d: i90,
            last_interaction: last_i.map(date_of),
            days_since_last_interaction: last_i.map(|l| today.saturating_sub(l)),
            last_contact: date_of(last_contact),
            days_since_last_contact: today.saturating_sub(last_contact).max(0),
            latest_intent: intent.map(|(_, l)| l),
            service_count: scount,
            complaints,
            complaint_rate_bp: bp(u64::from(complaints), u64::from(count.max(1))),
            rated_services: rated,
            satisfaction_sum: sat_sum,
            avg_satisfaction,
            first_contact: date_of(first_contact),
            won_on: deal_day.map(date_of),
            won,
            follow_ups_to_won,
            days_to_won,
            orders_last_6m: last6,
            orders_prev_6m: prev6,
            order_trend: match last6.cmp(&prev6) {
                std::cmp::Ordering::Less => OrderTrend::Falling,
                std::cmp::Ordering::Equal => OrderTrend::Steady,
                std::cmp::Ordering::Greater => OrderTrend::Rising,
            },
        }
    }

    /// Exact repurchase rate in percent: `100 * repeat_purchases / order_count`, zero with
    /// no orders.
    pub fn repurchase_rate(&self) -> Ratio {
        if self.order_count == 0 {
            return Ratio::ZERO;
        }
        Ratio::new(i128::from(self.repeat_purchases) * 100, i128::from(self.order_count)).unwrap_or(Ratio::ZERO)
    }

    /// Exact complaint rate in percent: `100 * complaints / order_count`, or
    /// `100 * complaints` with no orders (a complaint without any order is a 100% rate).
    pub fn complaint_rate(&self) -> Ratio {
        Ratio::new(i128::from(self.complaints) * 100, i128::from(self.order_count.max(1))).unwrap_or(Ratio::ZERO)
    }

    /// Exact average satisfaction in points (1-5).
    pub fn avg_satisfaction_exact(&self) -> Option<Ratio> {
        if self.rated_services == 0 {
            return None;
        }
        Ratio::new(i128::from(self.satisfaction_sum), i128::from(self.rated_services) * 100)
    }

    /// Exact average order amount in yuan.
    pub fn avg_order_exact(&self) -> Option<Ratio> {
        if self.order_count == 0 {
            return None;
        }
        Ratio::new(i128::from(self.amount_total.fen()), i128::from(self.order_count) * 100)
    }
}
