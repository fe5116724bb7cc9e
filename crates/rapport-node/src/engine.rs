//! Keeping rule tags and tiers in step with the customers, the rules and the date.
//!
//! The rules engine is installed into the store as its `Deriver`, so every write computes
//! the written customer's facts, rule tags, composite tier and cadence follow-up in the
//! same transaction. When the rules, the tier settings or the date change, [`refresh`]
//! re-evaluates the whole book from the stored facts (no document is loaded) and rewrites
//! only the rows whose derived state changed. Derived state never enters a customer
//! document, so two nodes never fight over it: each derives the same answer from the same
//! documents, settings and date.

use rapport_doc::SettingsDoc;
use rapport_model::{Customer, Date};
use rapport_rules::{evaluate_customer, CompiledRules, Facts, Rule, TeamSettings, TierSettings};
use rapport_store::{Derived, Store, StoreError};
use std::sync::Arc;

/// Rules, tier settings and the as-of date, compiled.
pub struct RuleEngine {
    /// Rules in evaluation order.
    pub rules: Vec<Rule>,
    /// Compiled rules (broken ones skipped and listed in `compiled.errors()`).
    pub compiled: CompiledRules,
    /// Tier settings.
    pub settings: TierSettings,
    /// Date the derived state is computed for.
    pub as_of: Date,
    /// Identifies this engine's inputs: as-of date and settings document heads.
    pub state: String,
    /// Why the team's settings document is not used, when it is not (the defaults are).
    pub problem: Option<String>,
}

impl rapport_store::Deriver for RuleEngine {
    fn derive(&self, c: &Customer) -> Derived {
        let facts = Facts::from_customer(c);
        Derived { facts: facts.encode(), ..derive_from(&facts, self) }
    }
}

/// Derived state of one customer; `facts` is left empty (the caller stores it if needed).
fn derive_from(facts: &Facts, engine: &RuleEngine) -> Derived {
    let e = evaluate_customer(facts, &engine.compiled, &engine.settings, engine.as_of);
    Derived {
        rule_tags: e.rule_tags,
        tier: Some(e.tier.as_str().to_string()),
        facts: Vec::new(),
        follow_up: e.follow_up.map(|f| (f.due, f.reason)),
    }
}

/// Records for the settings document, positions spaced so rules can be inserted between.
pub use rapport_rules::records_of;

/// The settings document a new store starts from: the default rules and tier settings of
/// the domain, identical on every node.
pub fn default_settings_doc() -> Result<SettingsDoc, StoreError> {
    Ok(rapport_rules::default_settings_doc()?)
}

/// Builds the engine for `as_of` from the store's settings document. A stored settings
/// document that does not pass [`TeamSettings::read`] (one adopted before nodes checked
/// them) is not used: the engine runs on the default rules and tier settings and says why
/// in `problem`, which `doctor` and `sync status` show, so the node keeps working.
pub fn engine_for(store: &Store, as_of: Date) -> Result<RuleEngine, StoreError> {
    let (team, problem) = match store.settings_doc().and_then(|mut d| Ok(TeamSettings::read(&mut d)?)) {
        Ok(team) => (team, None),
        Err(e) => (TeamSettings::defaults(), Some(format!("the team settings document is not used: {e}"))),
    };
    let TeamSettings { rules, compiled, tiers: settings } = team;
    // What derived tags depend on: the date, the rules and the settings. Not the settings
    // document's heads, which also move with its audit log (an export that reveals
    // contact data must not make every node re-evaluate its book).
    let inputs = serde_json::json!({ "rules": &rules, "settings": &settings });
    let state = format!("{as_of}|{inputs}");
    Ok(RuleEngine { rules, compiled, settings, as_of, state, problem })
}

/// What a refresh did.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Refresh {
    /// The as-of date.
    pub as_of: Date,
    /// Customers evaluated.
    pub customers: usize,
    /// Customers whose rule tags, tier or follow-up changed.
    pub changed: usize,
    /// Milliseconds spent.
    pub millis: u64,
}

/// Installs the engine for `as_of` and re-evaluates the book if the rules, settings or
/// date changed since the derived state was last written (or always, with `force`).
pub fn install(store: &Store, as_of: Date, force: bool) -> Result<(Arc<RuleEngine>, Option<Refresh>), StoreError> {
    let engine = Arc::new(engine_for(store, as_of)?);
    store.set_deriver(engine.clone());
    if !force && store.derived_state()? == engine.state {
        return Ok((engine, None));
    }
    let r = refresh(store, &engine)?;
    Ok((engine, Some(r)))
}

/// Decodes every customer's stored facts.
pub fn all_facts(store: &Store) -> Result<Vec<Facts>, StoreError> {
    store
        .all_facts()?
        .into_iter()
        .filter(|(_, b)| !b.is_empty())
        .map(|(id, b)| Facts::decode(&b).map_err(|e| StoreError::Db(format!("facts of customer {id}: {e}"))))
        .collect()
}

/// Re-evaluates every customer from stored facts and writes what changed.
pub fn refresh(store: &Store, engine: &RuleEngine) -> Result<Refresh, StoreError> {
    let start = std::time::Instant::now();
    let facts = all_facts(store)?;
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
    let per = facts.len().div_ceil(threads).max(1);
    let items: Vec<(rapport_model::CustomerId, Derived)> = std::thread::scope(|s| {
        let handles: Vec<_> = facts
            .chunks(per)
            .map(|part| s.spawn(move || part.iter().map(|f| (f.id, derive_from(f, engine))).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    let customers = items.len();
    let changed = store.update_derived(items, &engine.state)?;
    Ok(Refresh { as_of: engine.as_of, customers, changed, millis: start.elapsed().as_millis() as u64 })
}
