//! The parsed form of a rule condition: [`Expr`], the fields it can read ([`FIELDS`]) and
//! their types. Parsing resolves field names and type-checks literals, so an `Expr` never
//! names an unknown field or compares a date with a stage.
//!
//! `Expr` prints back in canonical form (`Display`), which parses to the same `Expr`.

use crate::facts::{date_of, Day};
use crate::figures::{OrderTrend, Window};
use crate::num::Ratio;
use rapport_model::{IntentLevel, Kind, Stage};
use std::fmt;

/// The type of a field, which decides the operators and literals it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// A count, a number of days or a score.
    Number,
    /// A rate in percent (`60` or `60%` means sixty percent).
    Percent,
    /// Money in yuan (`500000`, `500000.50`, `50万`), compared to the fen.
    Money,
    /// A calendar date.
    Date,
    /// Text; `=` ignores ASCII case.
    Text,
    /// Industry code; literals are normalised (`制造业`, `manufacturing`, `MFG` are `C`).
    Industry,
    /// One of a closed set of values.
    Enum(EnumKind),
    /// True or false.
    Bool,
    /// A list of texts (tags, categories).
    List,
    /// A team-defined field: text that compares as a number or date when the literal is one.
    Custom,
}

impl Type {
    /// How the type is described in documentation and errors.
    pub fn describe(self) -> &'static str {
        match self {
            Type::Number => "number",
            Type::Percent => "percent",
            Type::Money => "money (yuan)",
            Type::Date => "date",
            Type::Text => "text",
            Type::Industry => "industry",
            Type::Enum(EnumKind::Kind) => "kind: company | person",
            Type::Enum(EnumKind::Stage) => "stage: potential | intent | won | lost | dormant",
            Type::Enum(EnumKind::Intent) => "intent: low < medium < high",
            Type::Enum(EnumKind::Trend) => "trend: falling < steady < rising",
            Type::Bool => "true/false",
            Type::List => "list of text",
            Type::Custom => "custom text",
        }
    }
}

/// The closed vocabularies a field can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EnumKind {
    /// Company or person.
    Kind,
    /// Sales stage.
    Stage,
    /// Intent level (ordered).
    Intent,
    /// Order trend (ordered).
    Trend,
}

impl EnumKind {
    /// English names, in ordinal order.
    pub fn names(self) -> Vec<&'static str> {
        match self {
            EnumKind::Kind => Kind::ALL.iter().map(|k| k.as_str()).collect(),
            EnumKind::Stage => Stage::ALL.iter().map(|k| k.as_str()).collect(),
            EnumKind::Intent => IntentLevel::ALL.iter().map(|k| k.as_str()).collect(),
            EnumKind::Trend => OrderTrend::ALL.iter().map(|k| k.as_str()).collect(),
        }
    }

    /// The English name of an ordinal.
    pub fn name(self, ordinal: u8) -> &'static str {
        let i = usize::from(ordinal);
        match self {
            EnumKind::Kind => Kind::ALL.get(i).map_or("?", |k| k.as_str()),
            EnumKind::Stage => Stage::ALL.get(i).map_or("?", |k| k.as_str()),
            EnumKind::Intent => IntentLevel::ALL.get(i).map_or("?", |k| k.as_str()),
            EnumKind::Trend => OrderTrend::ALL.get(i).map_or("?", |k| k.as_str()),
        }
    }

    /// Parses an English name (any case) or the Chinese term to its ordinal.
    pub fn parse(self, text: &str) -> Option<u8> {
        let pos = match self {
            EnumKind::Kind => Kind::parse(text).ok().and_then(|v| Kind::ALL.iter().position(|x| *x == v)),
            EnumKind::Stage => Stage::parse(text).ok().and_then(|v| Stage::ALL.iter().position(|x| *x == v)),
            EnumKind::Intent => {
                IntentLevel::parse(text).ok().and_then(|v| IntentLevel::ALL.iter().position(|x| *x == v))
            }
            EnumKind::Trend => OrderTrend::ALL
                .iter()
                .position(|t| t.as_str().eq_ignore_ascii_case(text.trim()) || t.zh() == text.trim()),
        };
        pos.and_then(|p| u8::try_from(p).ok())
    }

    /// Whether `<` and `>` make sense (intent and trend are ordered; kind and stage not).
    pub fn ordered(self) -> bool {
        matches!(self, EnumKind::Intent | EnumKind::Trend)
    }
}

/// A field a condition can read. Each variant's name in rules, type and meaning are in
/// [`FIELDS`] (and `docs/rules.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // documented by the FIELDS table
pub enum Field {
    Number,
    Name,
    Kind,
    Stage,
    Industry,
    Source,
    Owner,
    Created,
    Priority,
    Archived,
    Tags,
    Won,
    DealAmount,
    DealDate,
    OrdersCount,
    OrdersAmount,
    OrdersAvg,
    InteractionsCount,
    ServicesCount,
    Complaints,
    Amount12m,
    AmountTotal,
    OrderCount,
    Orders12m,
    AvgOrder,
    RepeatPurchases,
    RepurchaseRate,
    FirstOrder,
    LastOrder,
    DaysSinceLastOrder,
    Categories,
    TopCategories,
    Interactions30d,
    Interactions90d,
    LastInteraction,
    LastContact,
    DaysSinceLastInteraction,
    Intent,
    ComplaintRate,
    AvgSatisfaction,
    FirstContact,
    FollowUpsToWon,
    DaysToWon,
    OrdersLast6m,
    OrdersPrev6m,
    OrderTrend,
    /// `custom.<name>`.
    Custom,
}

/// Name, type and meaning of a field.
#[derive(Clone, Copy, Debug)]
pub struct FieldInfo {
    /// The name written in rules.
    pub name: &'static str,
    /// The field.
    pub field: Field,
    /// Its type.
    pub ty: Type,
    /// Whether it takes `within N days|weeks|months|years`.
    pub windowed: bool,
    /// One-line meaning.
    pub doc: &'static str,
}

macro_rules! fields {
    ($($name:literal => $f:ident : $ty:expr, $w:literal, $doc:literal;)+) => {
        /// Every field of the language (except `custom.<name>`), in documentation order.
        pub const FIELDS: &[FieldInfo] = &[$(FieldInfo { name: $name, field: Field::$f, ty: $ty, windowed: $w, doc: $doc }),+];
    };
}

use EnumKind as E;
use Type as T;
fields! {
    "number" => Number: T::Text, false, "customer number";
    "name" => Name: T::Text, false, "customer name";
    "kind" => Kind: T::Enum(E::Kind), false, "company or person";
    "stage" => Stage: T::Enum(E::Stage), false, "current sales stage";
    "industry" => Industry: T::Industry, false, "industry code (C, F, I, ...); literals may be names";
    "source" => Source: T::Text, false, "where the customer came from";
    "owner" => Owner: T::Text, false, "member responsible";
    "created" => Created: T::Date, false, "date the record was created";
    "priority" => Priority: T::Bool, false, "high-priority flag";
    "archived" => Archived: T::Bool, false, "archived flag";
    "tags" => Tags: T::List, false, "manual tags and the tags of earlier rules";
    "won" => Won: T::Bool, false, "has a deal dated on or before the as-of date (or stage won without a deal record)";
    "deal.amount" => DealAmount: T::Money, false, "deal amount";
    "deal.date" => DealDate: T::Date, false, "deal date";
    "orders.count" => OrdersCount: T::Number, true, "number of orders";
    "orders.amount" => OrdersAmount: T::Money, true, "sum of order amounts";
    "orders.avg" => OrdersAvg: T::Money, true, "average order amount (not set without orders)";
    "interactions.count" => InteractionsCount: T::Number, true, "number of follow-ups";
    "services.count" => ServicesCount: T::Number, true, "number of service records";
    "complaints" => Complaints: T::Number, true, "number of complaints";
    "amount_12m" => Amount12m: T::Money, false, "amount ordered in the last 12 months";
    "amount_total" => AmountTotal: T::Money, false, "amount ordered ever";
    "order_count" => OrderCount: T::Number, false, "orders ever";
    "orders_12m" => Orders12m: T::Number, false, "orders in the last 12 months";
    "avg_order" => AvgOrder: T::Money, false, "average order amount, lifetime";
    "repeat_purchases" => RepeatPurchases: T::Number, false, "orders dated after the first order's day";
    "repurchase_rate" => RepurchaseRate: T::Percent, false, "repeat_purchases / order_count, percent";
    "first_order" => FirstOrder: T::Date, false, "date of the first order";
    "last_order" => LastOrder: T::Date, false, "date of the last order";
    "days_since_last_order" => DaysSinceLastOrder: T::Number, false, "days since the last order (not set without orders)";
    "categories" => Categories: T::List, false, "every product category ordered";
    "top_categories" => TopCategories: T::List, false, "the top 3 categories by amount";
    "interactions_30d" => Interactions30d: T::Number, false, "follow-ups in the last 30 days";
    "interactions_90d" => Interactions90d: T::Number, false, "follow-ups in the last 90 days";
    "last_interaction" => LastInteraction: T::Date, false, "date of the last follow-up (not set if none)";
    "last_contact" => LastContact: T::Date, false, "last follow-up, or the created date if none";
    "days_since_last_interaction" => DaysSinceLastInteraction: T::Number, false, "days since last_contact (counts from created when there was no follow-up)";
    "intent" => Intent: T::Enum(E::Intent), false, "intent level of the latest follow-up that judged one";
    "complaint_rate" => ComplaintRate: T::Percent, false, "complaints / order_count, percent";
    "avg_satisfaction" => AvgSatisfaction: T::Number, false, "average satisfaction 1-5 (not set without scores)";
    "first_contact" => FirstContact: T::Date, false, "earlier of created and the first follow-up";
    "follow_ups_to_won" => FollowUpsToWon: T::Number, false, "follow-ups on or before the deal date";
    "days_to_won" => DaysToWon: T::Number, false, "days from first contact to the deal date";
    "orders_last_6m" => OrdersLast6m: T::Number, false, "orders in the last 6 months";
    "orders_prev_6m" => OrdersPrev6m: T::Number, false, "orders in the 6 months before those";
    "order_trend" => OrderTrend: T::Enum(E::Trend), false, "falling, steady or rising";
}

impl Field {
    /// The field's entry in [`FIELDS`]; `None` for [`Field::Custom`].
    pub fn info(self) -> Option<&'static FieldInfo> {
        FIELDS.iter().find(|f| f.field == self)
    }

    /// The field's type.
    pub fn ty(self) -> Type {
        self.info().map_or(Type::Custom, |i| i.ty)
    }
}

/// Looks a field up by name (ASCII case ignored).
pub fn field_named(name: &str) -> Option<&'static FieldInfo> {
    FIELDS.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// A field as written in a condition, with its optional time window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRef {
    /// Which field.
    pub field: Field,
    /// The name after `custom.`, for custom fields.
    pub custom: Option<String>,
    /// `within N units`, for windowed fields.
    pub window: Option<Window>,
}

impl FieldRef {
    /// The field's type.
    pub fn ty(&self) -> Type {
        self.field.ty()
    }
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.custom, self.field.info()) {
            (Some(name), _) if is_plain_name(name) => write!(f, "custom.{name}")?,
            (Some(name), _) => write!(f, "custom.{}", quote(name))?,
            (None, Some(info)) => f.write_str(info.name)?,
            (None, None) => f.write_str("custom")?,
        }
        if let Some(w) = self.window {
            write!(f, " within {w}")?;
        }
        Ok(())
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Whether `ordering` (value compared with literal) satisfies the operator.
    pub fn test(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ordering == Equal,
            CmpOp::Ne => ordering != Equal,
            CmpOp::Lt => ordering == Less,
            CmpOp::Le => ordering != Greater,
            CmpOp::Gt => ordering == Greater,
            CmpOp::Ge => ordering != Less,
        }
    }

    /// Whether the operator needs an order (`<`, `<=`, `>`, `>=`).
    pub fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }
}

/// A date literal; relative forms are resolved against the as-of date when evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateLit {
    /// `2024-01-01`.
    Day(Day),
    /// `today`: the as-of date.
    Today,
    /// `3 months ago`: the start of the window of that span.
    Ago(Window),
}

/// A literal value, already checked against the field's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    /// A number; for money fields in yuan, for percent fields in percent.
    Number(Ratio),
    /// A date.
    Date(DateLit),
    /// Text.
    Text(String),
    /// An enum value by ordinal.
    Enum(EnumKind, u8),
    /// `true` or `false`.
    Bool(bool),
}

/// A parsed condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// `true` or `false`.
    Const(bool),
    /// `not X`.
    Not(Box<Expr>),
    /// `X and Y and ...` (two or more).
    And(Vec<Expr>),
    /// `X or Y or ...` (two or more).
    Or(Vec<Expr>),
    /// `has tag "X"`.
    HasTag(String),
    /// `field op value`.
    Compare {
        /// Left side.
        field: FieldRef,
        /// Operator.
        op: CmpOp,
        /// Right side.
        value: Literal,
    },
    /// `field [not] in [a, b]`.
    In {
        /// Left side.
        field: FieldRef,
        /// `not in`.
        negated: bool,
        /// The list.
        values: Vec<Literal>,
    },
    /// `field [not] contains "x"`: substring of text, or element of a list.
    Contains {
        /// Left side.
        field: FieldRef,
        /// `not contains`.
        negated: bool,
        /// What to look for.
        value: String,
    },
    /// `field is [not] set`.
    IsSet {
        /// The field.
        field: FieldRef,
        /// `is not set`.
        negated: bool,
    },
    /// A true/false field on its own, e.g. `priority`.
    Flag(FieldRef),
}

pub(crate) fn is_plain_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !crate::lang::lexer::is_keyword(s)
}

pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Number(r) => f.write_str(&r.to_decimal_string(6)),
            Literal::Date(DateLit::Day(d)) => write!(f, "{}", date_of(*d)),
            Literal::Date(DateLit::Today) => f.write_str("today"),
            Literal::Date(DateLit::Ago(w)) => write!(f, "{w} ago"),
            Literal::Text(t) => f.write_str(&quote(t)),
            Literal::Enum(k, o) => f.write_str(k.name(*o)),
            Literal::Bool(b) => write!(f, "{b}"),
        }
    }
}

fn list(values: &[Literal]) -> String {
    let items: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    format!("[{}]", items.join(", "))
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Const(b) => write!(f, "{b}"),
            Expr::Not(e) => match **e {
                Expr::And(_) | Expr::Or(_) => write!(f, "not ({e})"),
                _ => write!(f, "not {e}"),
            },
            Expr::And(es) => {
                for (i, e) in es.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and ")?;
                    }
                    // A nested `and` keeps its parentheses so it parses back to the same tree.
                    match e {
                        Expr::Or(_) | Expr::And(_) => write!(f, "({e})")?,
                        _ => write!(f, "{e}")?,
                    }
                }
                Ok(())
            }
            Expr::Or(es) => {
                for (i, e) in es.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" or ")?;
                    }
                    match e {
                        Expr::Or(_) => write!(f, "({e})")?,
                        _ => write!(f, "{e}")?,
                    }
                }
                Ok(())
            }
            Expr::HasTag(t) => write!(f, "has tag {}", quote(t)),
            Expr::Compare { field, op, value } => write!(f, "{field} {} {value}", op.as_str()),
            Expr::In { field, negated, values } => {
                write!(f, "{field} {}in {}", if *negated { "not " } else { "" }, list(values))
            }
            Expr::Contains { field, negated, value } => {
                write!(f, "{field} {}contains {}", if *negated { "not " } else { "" }, quote(value))
            }
            Expr::IsSet { field, negated } => {
                write!(f, "{field} is {}set", if *negated { "not " } else { "" })
            }
            Expr::Flag(field) => write!(f, "{field}"),
        }
    }
}
