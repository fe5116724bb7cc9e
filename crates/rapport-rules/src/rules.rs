//! Tag rules as team data: [`Rule`] (what is stored and synced), [`CompiledRules`] (parsed,
//! ready to run), and the defaults of domain.md section 4 ([`default_rules`]).
//!
//! Rules run in the order given. Each matching rule adds its tag; a later rule sees the
//! tags of earlier ones through `has tag` and `tags`, next to the manual tags. Rule tags are
//! returned apart from manual tags, sorted, without duplicates.

use crate::facts::Facts;
use crate::figures::Figures;
use crate::lang::ast::Expr;
use crate::lang::eval::{eval_with_tags, explain, Explanation};
use crate::lang::parser::parse;
use crate::{ParseError, RulesError};
use rapport_model::Date;
use serde::{Deserialize, Serialize};

/// A tag rule as the team stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable key, e.g. `churn_risk`; unique within a rule set.
    pub name: String,
    /// The tag the rule adds, e.g. `流失风险客户`.
    pub tag: String,
    /// The condition, in the rule language.
    pub condition: String,
    /// Disabled rules are kept but not run.
    #[serde(default = "enabled_default")]
    pub enabled: bool,
}

fn enabled_default() -> bool {
    true
}

impl Rule {
    /// An enabled rule.
    pub fn new(name: impl Into<String>, tag: impl Into<String>, condition: impl Into<String>) -> Rule {
        Rule { name: name.into(), tag: tag.into(), condition: condition.into(), enabled: true }
    }

    /// Parses the condition and checks name and tag.
    pub fn compile(&self) -> Result<CompiledRule, RulesError> {
        if self.name.trim().is_empty() {
            return Err(RulesError::BadRule { rule: self.name.clone(), why: "the name is empty".into() });
        }
        if self.tag.trim().is_empty() {
            return Err(RulesError::BadRule { rule: self.name.clone(), why: "the tag is empty".into() });
        }
        let expr = parse(&self.condition)
            .map_err(|error| RulesError::Rule { rule: self.name.clone(), error: Box::new(error) })?;
        Ok(CompiledRule { name: self.name.clone(), tag: self.tag.clone(), expr, enabled: self.enabled })
    }
}

/// A rule whose condition has been parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledRule {
    /// Stable key.
    pub name: String,
    /// Tag added when the condition holds.
    pub tag: String,
    /// The parsed condition.
    pub expr: Expr,
    /// Whether the rule runs.
    pub enabled: bool,
}

/// A rule that could not be compiled, kept aside by [`CompiledRules::compile_lenient`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleError {
    /// Name of the rule.
    pub rule: String,
    /// Why it does not compile.
    pub message: String,
    /// The parse error, when the condition is at fault.
    pub parse: Option<ParseError>,
}

/// What one rule decided for one customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleExplanation {
    /// Rule name.
    pub rule: String,
    /// Its tag.
    pub tag: String,
    /// Whether it ran (disabled rules are listed but not run).
    pub enabled: bool,
    /// Whether it matched.
    pub matched: bool,
    /// The values that decided it.
    pub reasons: Vec<String>,
}

/// A rule set ready to run, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompiledRules {
    rules: Vec<CompiledRule>,
    errors: Vec<RuleError>,
}

impl CompiledRules {
    /// Compiles every rule; the first failure is an error. Duplicate names are refused.
    pub fn compile(rules: &[Rule]) -> Result<CompiledRules, RulesError> {
        let mut out = Vec::with_capacity(rules.len());
        for r in rules {
            if out.iter().any(|c: &CompiledRule| c.name == r.name) {
                return Err(RulesError::DuplicateRule(r.name.clone()));
            }
            out.push(r.compile()?);
        }
        Ok(CompiledRules { rules: out, errors: Vec::new() })
    }

    /// Compiles what compiles and records the rest in [`CompiledRules::errors`], so one bad
    /// rule synced from another node does not stop tagging. A later rule with the name of an
    /// earlier one is skipped.
    pub fn compile_lenient(rules: &[Rule]) -> CompiledRules {
        let mut out = CompiledRules::default();
        for r in rules {
            if out.rules.iter().any(|c| c.name == r.name) || out.errors.iter().any(|e| e.rule == r.name) {
                out.errors.push(RuleError {
                    rule: r.name.clone(),
                    message: RulesError::DuplicateRule(r.name.clone()).to_string(),
                    parse: None,
                });
                continue;
            }
            match r.compile() {
                Ok(c) => out.rules.push(c),
                Err(e) => out.errors.push(RuleError {
                    rule: r.name.clone(),
                    message: e.to_string(),
                    parse: match e {
                        RulesError::Rule { error, .. } => Some(*error),
                        _ => None,
                    },
                }),
            }
        }
        out
    }

    /// The compiled rules, in order.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Rules that did not compile (lenient compilation only).
    pub fn errors(&self) -> &[RuleError] {
        &self.errors
    }

    /// Runs the enabled rules in order and returns the rule tags, sorted and deduplicated.
    pub fn tags(&self, facts: &Facts, figures: &Figures, as_of: Date) -> Vec<String> {
        let mut got: Vec<&str> = Vec::new();
        for r in self.rules.iter().filter(|r| r.enabled) {
            if !got.contains(&r.tag.as_str()) && eval_with_tags(&r.expr, facts, figures, as_of, &got) {
                got.push(&r.tag);
            }
        }
        let mut tags: Vec<String> = got.into_iter().map(str::to_string).collect();
        tags.sort();
        tags
    }

    /// Runs every rule in order and says, for each, whether it matched and why. Disabled
    /// rules are listed as not matched, without running.
    pub fn explain(&self, facts: &Facts, figures: &Figures, as_of: Date) -> Vec<RuleExplanation> {
        let mut got: Vec<&str> = Vec::new();
        let mut out = Vec::with_capacity(self.rules.len());
        for r in &self.rules {
            if !r.enabled {
                out.push(RuleExplanation {
                    rule: r.name.clone(),
                    tag: r.tag.clone(),
                    enabled: false,
                    matched: false,
                    reasons: vec!["rule is disabled".into()],
                });
                continue;
            }
            let Explanation { matched, reasons } = explain(&r.expr, facts, figures, as_of, &got);
            if matched && !got.contains(&r.tag.as_str()) {
                got.push(&r.tag);
            }
            out.push(RuleExplanation { rule: r.name.clone(), tag: r.tag.clone(), enabled: true, matched, reasons });
        }
        out
    }
}

/// Tag of the default "active" rule.
pub const TAG_ACTIVE: &str = "活跃客户";
/// Tag of the default "to re-awaken" rule.
pub const TAG_REAWAKEN: &str = "待唤醒客户";
/// Tag of the default "churn risk" rule.
pub const TAG_CHURN_RISK: &str = "流失风险客户";
/// Tag of the default "high value" rule.
pub const TAG_HIGH_VALUE: &str = "高价值客户";
/// Tag of the default "potential" rule.
pub const TAG_POTENTIAL: &str = "潜力客户";
/// Tag of the default "dormant" rule.
pub const TAG_DORMANT: &str = "休眠客户";

/// The default rules of domain.md section 4, in the rule language. Boundaries:
///
/// * active: an order within the last 30 days (an order exactly 30 days ago is not);
/// * to re-awaken: 90 days or more since the last follow-up (exactly 90 matches; with no
///   follow-up ever, counted from the created date);
/// * churn risk: last contact 3 calendar months ago or earlier, or the order trend falling,
///   or average satisfaction below 3 (exactly 3 does not match);
/// * high value: more than ¥500,000 ordered within 12 months (exactly ¥500,000 does not);
/// * potential: the latest judged intent is high and the stage is not won;
/// * dormant: last contact 6 calendar months ago or earlier and never won.
pub fn default_rules() -> Vec<Rule> {
    vec![
        Rule::new("active", TAG_ACTIVE, "orders.count within 30 days >= 1"),
        Rule::new("reawaken", TAG_REAWAKEN, "days_since_last_interaction >= 90"),
        Rule::new(
            "churn_risk",
            TAG_CHURN_RISK,
            "last_contact <= 3 months ago or order_trend = falling or avg_satisfaction < 3",
        ),
        Rule::new("high_value", TAG_HIGH_VALUE, "orders.amount within 12 months > 500000"),
        Rule::new("potential", TAG_POTENTIAL, "intent = high and stage != won"),
        Rule::new("dormant", TAG_DORMANT, "last_contact <= 6 months ago and not won"),
    ]
}
