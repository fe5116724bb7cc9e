//! The team's rules and tier settings, read from the settings document and checked.
//!
//! The settings document travels like a customer, and every node parses what it holds, so
//! it is checked as a whole before any store keeps it: after a local rules or settings
//! edit, before a node adopts one from a relay or a peer, and on the relay before it stores
//! a push. [`TeamSettings::read`] is that check; each of those places calls it.

use crate::{default_rules, CompiledRules, Rule, RulesError, TierSettings};
use rapport_doc::{DocError, RuleRecord, SettingsDoc};
use std::collections::BTreeMap;

/// The team's rules and tier settings, as the settings document holds them.
pub struct TeamSettings {
    /// Rules in evaluation order.
    pub rules: Vec<Rule>,
    /// The same rules, compiled.
    pub compiled: CompiledRules,
    /// Tier settings (fields the document does not hold keep their defaults).
    pub tiers: TierSettings,
}

fn field(field: String, reason: String) -> DocError {
    DocError::Field { field, reason }
}

impl TeamSettings {
    /// Reads a settings document, refusing it unless it reads back completely under the
    /// current schema ([`SettingsDoc::check_shape`]), every rule compiles (its condition
    /// parses within the language's bounds, its name and tag are not empty) and every tier
    /// setting is a known setting with a valid value.
    pub fn read(doc: &mut SettingsDoc) -> Result<TeamSettings, DocError> {
        doc.check_shape()?;
        let rules: Vec<Rule> = doc
            .rules()?
            .into_iter()
            .map(|r| Rule { name: r.name, tag: r.tag, condition: r.when, enabled: r.enabled })
            .collect();
        let compiled = CompiledRules::compile(&rules).map_err(|e| match e {
            RulesError::Rule { rule, error } => field(format!("rules.{rule}.when"), error.to_string()),
            RulesError::BadRule { rule, why } => field(format!("rules.{rule}"), why),
            other => field("rules".into(), other.to_string()),
        })?;
        let tiers = tiers_of(&doc.settings()?)?;
        Ok(TeamSettings { rules, compiled, tiers })
    }

    /// The defaults a new book starts from (domain.md sections 4 and 5).
    pub fn defaults() -> TeamSettings {
        let rules = default_rules();
        let compiled = CompiledRules::compile_lenient(&rules);
        TeamSettings { rules, compiled, tiers: TierSettings::default() }
    }
}

/// Tier settings from the document's key/value text: one JSON value per top-level field, so
/// members changing different settings both keep their change.
fn tiers_of(stored: &BTreeMap<String, String>) -> Result<TierSettings, DocError> {
    let mut base = match serde_json::to_value(TierSettings::default()) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    for (k, v) in stored {
        if !base.contains_key(k) {
            return Err(field(format!("settings.{k}"), "is not a tier setting this Rapport knows".into()));
        }
        let value: serde_json::Value = serde_json::from_str(v)
            .map_err(|e| field(format!("settings.{k}"), format!("stored value is not JSON: {e}")))?;
        base.insert(k.clone(), value);
    }
    let s: TierSettings =
        serde_json::from_value(serde_json::Value::Object(base)).map_err(|e| field("settings".into(), e.to_string()))?;
    s.validate().map_err(|e| field("settings".into(), e.to_string()))?;
    Ok(s)
}

/// Tier settings as the document stores them.
pub fn settings_map(s: &TierSettings) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Ok(serde_json::Value::Object(m)) = serde_json::to_value(s) {
        for (k, v) in m {
            out.insert(k, v.to_string());
        }
    }
    out
}

/// Records for the settings document, positions spaced so rules can be inserted between.
pub fn records_of(rules: &[Rule]) -> Vec<RuleRecord> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| RuleRecord {
            name: r.name.clone(),
            tag: r.tag.clone(),
            when: r.condition.clone(),
            enabled: r.enabled,
            position: (i as i64 + 1) * 10,
        })
        .collect()
}

/// The settings document a new store starts from: the default rules and tier settings,
/// identical on every node.
pub fn default_settings_doc() -> Result<SettingsDoc, DocError> {
    SettingsDoc::genesis(&records_of(&default_rules()), &settings_map(&TierSettings::default()))
}

/// The heads of [`default_settings_doc`]: its one change, which every node writes
/// identically (as the genesis actor, not as a member), so authorship checks let it through
/// from anyone. Built once.
pub fn default_settings_heads() -> &'static [rapport_doc::ChangeHash] {
    static HEADS: std::sync::LazyLock<Vec<rapport_doc::ChangeHash>> =
        std::sync::LazyLock::new(|| default_settings_doc().map(|mut d| d.heads()).unwrap_or_default());
    &HEADS
}
