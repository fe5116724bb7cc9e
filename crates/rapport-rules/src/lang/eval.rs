//! Deciding a condition for one customer: [`eval`] answers yes or no, [`explain`] also says
//! which values decided it.
//!
//! A comparison whose field has no value (no orders yet, no satisfaction score, a missing
//! custom field) is false, whatever the operator, including `!=` and `not in`; `not (...)`
//! of it is then true, and `is set` / `is not set` test for the value itself.

use super::ast::{DateLit, EnumKind, Expr, Field, FieldRef, Literal, Type};
use super::MAX_NESTING;
use crate::facts::{date_of, day_of, Day, Facts};
use crate::figures::{Figures, Window};
use crate::num::{percent_text, Ratio};
use rapport_model::{IntentLevel, Kind, Money, Stage};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// What one customer looks like to a condition.
struct Ctx<'a> {
    facts: &'a Facts,
    figures: &'a Figures,
    as_of: rapport_model::Date,
    today: Day,
    rule_tags: &'a [&'a str],
}

enum Val<'a> {
    Missing,
    Num(Ratio),
    Date(Day),
    Text(&'a str),
    Enum(u8),
    Bool(bool),
    List(Vec<&'a str>),
}

fn count(n: usize) -> Val<'static> {
    Val::Num(Ratio::int(n as i128))
}

fn yuan(fen: i64) -> Ratio {
    Ratio::new(i128::from(fen), 100).unwrap_or(Ratio::ZERO)
}

fn ordinal<T: PartialEq>(all: &[T], v: &T) -> u8 {
    all.iter().position(|x| x == v).and_then(|p| u8::try_from(p).ok()).unwrap_or(0)
}

impl<'a> Ctx<'a> {
    fn window(&self, fr: &FieldRef) -> Option<(Day, Day)> {
        fr.window.map(|w| (w.start(self.as_of), self.today))
    }

    fn value(&self, fr: &'a FieldRef) -> Val<'a> {
        let f = self.facts;
        let g = self.figures;
        let today = self.today;
        let in_window = |day: Day| match self.window(fr) {
            Some((start, end)) => Window::holds(start, end, day),
            None => day <= today,
        };
        match fr.field {
            Field::Number => Val::Text(&f.number),
            Field::Name => Val::Text(&f.name),
            Field::Kind => Val::Enum(ordinal(Kind::ALL, &f.kind)),
            Field::Stage => Val::Enum(ordinal(Stage::ALL, &f.stage)),
            Field::Industry => Val::Text(&f.industry),
            Field::Source => Val::Text(&f.source),
            Field::Owner => Val::Text(&f.owner),
            Field::Created => Val::Date(f.created),
            Field::Priority => Val::Bool(f.priority),
            Field::Archived => Val::Bool(f.archived),
            Field::Tags => {
                Val::List(f.manual_tags.iter().map(String::as_str).chain(self.rule_tags.iter().copied()).collect())
            }
            Field::Won => Val::Bool(g.won),
            Field::DealAmount => f.deal.as_ref().map_or(Val::Missing, |d| Val::Num(yuan(d.amount))),
            Field::DealDate => f.deal.as_ref().map_or(Val::Missing, |d| Val::Date(d.day)),
            Field::OrdersCount => count(f.orders.iter().filter(|o| in_window(o.day)).count()),
            Field::OrdersAmount => {
                let sum: i128 = f.orders.iter().filter(|o| in_window(o.day)).map(|o| i128::from(o.amount)).sum();
                Val::Num(Ratio::new(sum, 100).unwrap_or(Ratio::ZERO))
            }
            Field::OrdersAvg => {
                let (n, sum) = f
                    .orders
                    .iter()
                    .filter(|o| in_window(o.day))
                    .fold((0i128, 0i128), |(n, s), o| (n + 1, s + i128::from(o.amount)));
                Ratio::new(sum, n * 100).map_or(Val::Missing, Val::Num)
            }
            Field::InteractionsCount => count(f.interactions.iter().filter(|i| in_window(i.day)).count()),
            Field::ServicesCount => count(f.services.iter().filter(|s| in_window(s.day)).count()),
            Field::Complaints => count(
                f.services
                    .iter()
                    .filter(|s| s.kind == rapport_model::ServiceKind::Complaint && in_window(s.day))
                    .count(),
            ),
            Field::Amount12m => Val::Num(yuan(g.amount_12m.fen())),
            Field::AmountTotal => Val::Num(yuan(g.amount_total.fen())),
            Field::OrderCount => count(g.order_count as usize),
            Field::Orders12m => count(g.orders_12m as usize),
            Field::AvgOrder => g.avg_order_exact().map_or(Val::Missing, Val::Num),
            Field::RepeatPurchases => count(g.repeat_purchases as usize),
            Field::RepurchaseRate => Val::Num(g.repurchase_rate()),
            Field::FirstOrder => g.first_order.map_or(Val::Missing, |d| Val::Date(day_of(d))),
            Field::LastOrder => g.last_order.map_or(Val::Missing, |d| Val::Date(day_of(d))),
            Field::DaysSinceLastOrder => {
                g.days_since_last_order.map_or(Val::Missing, |d| Val::Num(Ratio::int(i128::from(d))))
            }
            Field::Categories => {
                let mut cats: Vec<&str> =
                    f.orders.iter().filter(|o| o.day <= today).map(|o| o.category.as_str()).collect();
                cats.sort_unstable();
                cats.dedup();
                Val::List(cats)
            }
            Field::TopCategories => Val::List(g.top_categories.iter().map(|c| c.category.as_str()).collect()),
            Field::Interactions30d => count(g.interactions_30d as usize),
            Field::Interactions90d => count(g.interactions_90d as usize),
            Field::LastInteraction => g.last_interaction.map_or(Val::Missing, |d| Val::Date(day_of(d))),
            Field::LastContact => Val::Date(day_of(g.last_contact)),
            Field::DaysSinceLastInteraction => Val::Num(Ratio::int(i128::from(g.days_since_last_contact))),
            Field::Intent => g.latest_intent.map_or(Val::Missing, |l| Val::Enum(ordinal(IntentLevel::ALL, &l))),
            Field::ComplaintRate => Val::Num(g.complaint_rate()),
            Field::AvgSatisfaction => g.avg_satisfaction_exact().map_or(Val::Missing, Val::Num),
            Field::FirstContact => Val::Date(day_of(g.first_contact)),
            Field::FollowUpsToWon => g.follow_ups_to_won.map_or(Val::Missing, |n| count(n as usize)),
            Field::DaysToWon => g.days_to_won.map_or(Val::Missing, |d| Val::Num(Ratio::int(i128::from(d)))),
            Field::OrdersLast6m => count(g.orders_last_6m as usize),
            Field::OrdersPrev6m => count(g.orders_prev_6m as usize),
            Field::OrderTrend => Val::Enum(ordinal(crate::figures::OrderTrend::ALL, &g.order_trend)),
            Field::Custom => fr.custom.as_deref().and_then(|n| f.custom_field(n)).map_or(Val::Missing, Val::Text),
        }
    }

    fn date(&self, d: &DateLit) -> Day {
        match d {
            DateLit::Day(d) => *d,
            DateLit::Today => self.today,
            DateLit::Ago(w) => w.start(self.as_of),
        }
    }

    fn has_tag(&self, tag: &str) -> bool {
        self.facts.manual_tags.iter().any(|t| text_eq(t, tag)) || self.rule_tags.iter().any(|t| text_eq(t, tag))
    }
}

fn text_eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn parse_custom_number(s: &str) -> Option<Ratio> {
    let t: String = s.trim().chars().filter(|c| !matches!(c, ',' | '，' | ' ')).collect();
    Ratio::parse_decimal(&t)
}

/// Orders a value against a literal; `None` when they cannot be compared (missing value,
/// custom text that is not a number or date).
fn order(ctx: &Ctx<'_>, v: &Val<'_>, lit: &Literal) -> Option<Ordering> {
    match (v, lit) {
        (Val::Num(a), Literal::Number(b)) => Some(a.cmp(b)),
        (Val::Date(a), Literal::Date(d)) => Some(a.cmp(&ctx.date(d))),
        (Val::Text(a), Literal::Text(b)) => Some(if text_eq(a, b) { Ordering::Equal } else { (*a).cmp(b.as_str()) }),
        (Val::Text(a), Literal::Number(b)) => parse_custom_number(a).map(|x| x.cmp(b)),
        (Val::Text(a), Literal::Date(d)) => {
            rapport_model::parse_date("custom", a).ok().map(|x| day_of(x).cmp(&ctx.date(d)))
        }
        (Val::Enum(a), Literal::Enum(_, b)) => Some(a.cmp(b)),
        (Val::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn matches_in(ctx: &Ctx<'_>, v: &Val<'_>, values: &[Literal]) -> Option<bool> {
    match v {
        Val::Missing => None,
        Val::List(items) => {
            Some(items.iter().any(|i| values.iter().any(|l| matches!(l, Literal::Text(t) if text_eq(i, t)))))
        }
        v => {
            let mut comparable = false;
            for l in values {
                match order(ctx, v, l) {
                    Some(Ordering::Equal) => return Some(true),
                    Some(_) => comparable = true,
                    None => {}
                }
            }
            comparable.then_some(false)
        }
    }
}

fn contains(v: &Val<'_>, needle: &str) -> Option<bool> {
    match v {
        Val::Text(t) => Some(t.to_lowercase().contains(&needle.to_lowercase())),
        Val::List(items) => Some(items.iter().any(|i| text_eq(i, needle))),
        _ => None,
    }
}

fn is_set(v: &Val<'_>) -> bool {
    match v {
        Val::Missing => false,
        Val::Text(t) => !t.trim().is_empty(),
        Val::List(items) => !items.is_empty(),
        _ => true,
    }
}

/// How deep evaluation descends into an [`Expr`] before giving up. A parsed condition never
/// comes near it (each level of [`MAX_NESTING`] adds at most an `or` and an `and`); only an
/// `Expr` built in code can, and it is then not matched rather than overflowing the stack.
const EVAL_DEPTH: usize = 4 * MAX_NESTING;

/// Evaluation stopped at [`EVAL_DEPTH`]; the whole condition is then not matched.
struct TooDeep;

fn deeper(depth: usize) -> Result<usize, TooDeep> {
    if depth >= EVAL_DEPTH {
        Err(TooDeep)
    } else {
        Ok(depth + 1)
    }
}

fn decide(ctx: &Ctx<'_>, e: &Expr, depth: usize) -> Result<bool, TooDeep> {
    let depth = deeper(depth)?;
    Ok(match e {
        Expr::Const(b) => *b,
        Expr::Not(inner) => !decide(ctx, inner, depth)?,
        Expr::And(es) => {
            for e in es {
                if !decide(ctx, e, depth)? {
                    return Ok(false);
                }
            }
            true
        }
        Expr::Or(es) => {
            for e in es {
                if decide(ctx, e, depth)? {
                    return Ok(true);
                }
            }
            false
        }
        Expr::HasTag(t) => ctx.has_tag(t),
        Expr::Compare { field, op, value } => {
            let v = ctx.value(field);
            order(ctx, &v, value).is_some_and(|o| op.test(o))
        }
        Expr::In { field, negated, values } => {
            let v = ctx.value(field);
            matches_in(ctx, &v, values).is_some_and(|m| m != *negated)
        }
        Expr::Contains { field, negated, value } => {
            let v = ctx.value(field);
            contains(&v, value).is_some_and(|m| m != *negated)
        }
        Expr::IsSet { field, negated } => is_set(&ctx.value(field)) != *negated,
        Expr::Flag(field) => matches!(ctx.value(field), Val::Bool(true)),
    })
}

/// Decides `expr` for a customer, with manual tags only for `has tag`.
pub fn eval(expr: &Expr, facts: &Facts, figures: &Figures, as_of: rapport_model::Date) -> bool {
    eval_with_tags(expr, facts, figures, as_of, &[])
}

/// Decides `expr` for a customer; `rule_tags` are the tags earlier rules gave it, which
/// `has tag` and `tags` see next to the manual tags.
pub fn eval_with_tags(
    expr: &Expr,
    facts: &Facts,
    figures: &Figures,
    as_of: rapport_model::Date,
    rule_tags: &[&str],
) -> bool {
    let ctx = Ctx { facts, figures, as_of, today: day_of(as_of), rule_tags };
    decide(&ctx, expr, 0).unwrap_or(false)
}

/// A decision and the values that made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// Whether the condition holds.
    pub matched: bool,
    /// The comparisons that decided it, e.g. `days_since_last_interaction = 95 >= 90`.
    pub reasons: Vec<String>,
}

/// Decides `expr` like [`eval_with_tags`] and says why: for `and`, every part when it holds
/// or the first part that fails; for `or`, the first part that holds or every part when
/// none does.
pub fn explain(
    expr: &Expr,
    facts: &Facts,
    figures: &Figures,
    as_of: rapport_model::Date,
    rule_tags: &[&str],
) -> Explanation {
    let ctx = Ctx { facts, figures, as_of, today: day_of(as_of), rule_tags };
    let mut reasons = Vec::new();
    match why(&ctx, expr, &mut reasons, 0) {
        Ok(matched) => Explanation { matched, reasons },
        Err(TooDeep) => Explanation {
            matched: false,
            reasons: vec![format!("the condition is nested too deeply to evaluate (more than {EVAL_DEPTH} levels)")],
        },
    }
}

fn why(ctx: &Ctx<'_>, e: &Expr, out: &mut Vec<String>, depth: usize) -> Result<bool, TooDeep> {
    let depth = deeper(depth)?;
    Ok(match e {
        Expr::Const(b) => {
            out.push(format!("{b}"));
            *b
        }
        Expr::Not(inner) => !why(ctx, inner, out, depth)?,
        Expr::And(es) => {
            let mut all = Vec::new();
            for e in es {
                let mut part = Vec::new();
                if !why(ctx, e, &mut part, depth)? {
                    out.extend(part);
                    return Ok(false);
                }
                all.extend(part);
            }
            out.extend(all);
            true
        }
        Expr::Or(es) => {
            let mut all = Vec::new();
            for e in es {
                let mut part = Vec::new();
                if why(ctx, e, &mut part, depth)? {
                    out.extend(part);
                    return Ok(true);
                }
                all.extend(part);
            }
            out.extend(all);
            false
        }
        Expr::HasTag(t) => {
            let m = ctx.has_tag(t);
            out.push(format!("{} tag {}", if m { "has" } else { "no" }, super::ast::quote(t)));
            m
        }
        Expr::Compare { field, op, value } => {
            let v = ctx.value(field);
            let m = order(ctx, &v, value).is_some_and(|o| op.test(o));
            let rhs = format!("{} {}", op.as_str(), show_lit(ctx, field.ty(), value));
            out.push(describe(field, &v, &rhs, m));
            m
        }
        Expr::In { field, negated, values } => {
            let v = ctx.value(field);
            let m = matches_in(ctx, &v, values).is_some_and(|m| m != *negated);
            let items: Vec<String> = values.iter().map(|l| show_lit(ctx, field.ty(), l)).collect();
            let rhs = format!("{}in [{}]", if *negated { "not " } else { "" }, items.join(", "));
            out.push(describe(field, &v, &rhs, m));
            m
        }
        Expr::Contains { field, negated, value } => {
            let v = ctx.value(field);
            let m = contains(&v, value).is_some_and(|m| m != *negated);
            let rhs = format!("{}contains {}", if *negated { "not " } else { "" }, super::ast::quote(value));
            out.push(describe(field, &v, &rhs, m));
            m
        }
        Expr::IsSet { field, negated } => {
            let v = ctx.value(field);
            let set = is_set(&v);
            out.push(if set {
                format!("{field} is set ({})", show_val(field, &v))
            } else {
                format!("{field} is not set")
            });
            set != *negated
        }
        Expr::Flag(field) => {
            let v = ctx.value(field);
            let m = matches!(v, Val::Bool(true));
            out.push(format!("{field} = {m}"));
            m
        }
    })
}

fn describe(field: &FieldRef, v: &Val<'_>, rhs: &str, matched: bool) -> String {
    match v {
        Val::Missing => format!("{field} is not set, so `{rhs}` is false"),
        v if matched => format!("{field} = {} {rhs}", show_val(field, v)),
        v => format!("{field} = {}, not {rhs}", show_val(field, v)),
    }
}

fn show_num(ty: Type, r: Ratio) -> String {
    match ty {
        Type::Money => match r.mul_int(100) {
            Some(f) => Money(f.round() as i64).to_string(),
            None => r.to_decimal_string(2),
        },
        Type::Percent => percent_text(r),
        _ => r.to_decimal_string(2),
    }
}

fn show_val(field: &FieldRef, v: &Val<'_>) -> String {
    let ty = field.ty();
    match v {
        Val::Missing => "not set".into(),
        Val::Num(r) => show_num(ty, *r),
        Val::Date(d) => date_of(*d).to_string(),
        Val::Text(t) => super::ast::quote(t),
        Val::Enum(o) => match ty {
            Type::Enum(k) => k.name(*o).to_string(),
            _ => o.to_string(),
        },
        Val::Bool(b) => b.to_string(),
        Val::List(items) => {
            let q: Vec<String> = items.iter().map(|i| super::ast::quote(i)).collect();
            format!("[{}]", q.join(", "))
        }
    }
}

fn show_lit(ctx: &Ctx<'_>, ty: Type, l: &Literal) -> String {
    match l {
        Literal::Number(r) => show_num(ty, *r),
        Literal::Date(DateLit::Day(d)) => date_of(*d).to_string(),
        Literal::Date(d @ DateLit::Today) => format!("{} (today)", date_of(ctx.date(d))),
        Literal::Date(d @ DateLit::Ago(w)) => format!("{} ({w} ago)", date_of(ctx.date(d))),
        Literal::Text(t) => super::ast::quote(t),
        Literal::Enum(k, o) => EnumKind::name(*k, *o).to_string(),
        Literal::Bool(b) => b.to_string(),
    }
}
