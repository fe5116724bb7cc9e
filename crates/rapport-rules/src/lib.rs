//! Tag rules and tiers for Rapport: pure, deterministic functions from customer facts, a
//! rule set, tier settings and an as-of date to derived figures, tags and tiers.
//!
//! * [`Facts`]: the compact per-customer input, extracted from a [`rapport_model::Customer`].
//! * [`Figures`]: derived figures as of a date (domain.md section 3).
//! * The rule language: [`parse`] a condition into an [`Expr`], decide it with [`eval`],
//!   say why with [`explain`]. [`Rule`] is the stored form, [`CompiledRules`] the runnable
//!   one; [`default_rules`] are domain.md section 4. A condition is bounded in length
//!   ([`MAX_CONDITION_CHARS`]) and nesting ([`MAX_NESTING`]). See `docs/rules.md`.
//! * Tiers: grades, composite S/A/B/C, customer value, cadence ([`TierSettings`]); ABC and
//!   RFM across the book ([`Book`], [`BookBoundaries`]). See `docs/tiers.md`.
//!
//! * The team's settings document read and checked as a whole ([`TeamSettings`]): the one
//!   check every node and the relay apply before keeping a settings document.
//!
//! Nothing here does I/O or keeps state; money is fen and rates exact fractions.

#![warn(missing_docs)]

mod book;
mod error;
mod facts;
mod figures;
mod lang;
mod num;
mod rules;
mod team;
mod tiers;

pub use book::{
    evaluate_customer, AbcClass, Book, BookBoundaries, BookEvaluation, CustomerEvaluation, RfmScores, TierModel,
    TierRow, TierSummary,
};
pub use error::RulesError;
pub use facts::{date_of, day_of, Day, DealFact, Facts, InteractionFact, OrderFact, ServiceFact, FACTS_VERSION};
pub use figures::{CategoryAmount, Figures, OrderTrend, Unit, Window};
pub use lang::ast::{field_named, CmpOp, DateLit, EnumKind, Expr, Field, FieldInfo, FieldRef, Literal, Type, FIELDS};
pub use lang::eval::{eval, eval_with_tags, explain, Explanation};
pub use lang::parser::parse;
pub use lang::{ParseError, MAX_CONDITION_CHARS, MAX_NESTING};
pub use num::{Decimal, Ratio};
pub use rules::{
    default_rules, CompiledRule, CompiledRules, Rule, RuleError, RuleExplanation, TAG_ACTIVE, TAG_CHURN_RISK,
    TAG_DORMANT, TAG_HIGH_VALUE, TAG_POTENTIAL, TAG_REAWAKEN,
};
pub use team::{default_settings_doc, default_settings_heads, records_of, TeamSettings};
pub use tiers::{
    activity_grade, cadence_overdue, composite_tier, customer_value, grades, loyalty_grade, value_grade, AbcSettings,
    ActivityGrades, CompositeSettings, Grade, Grades, LoyaltyGrades, OverdueInfo, Tier, TierPolicies, TierPolicy,
    TierSettings, ValueFormula, ValueGrades,
};
