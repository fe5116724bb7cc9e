//! What the command line needs from a customer book, whoever holds the store.
//!
//! When no node runs, the CLI opens the store itself ([`LocalBook`]); while `rapport serve`
//! holds it (redb allows one process per file), the same calls go over the local HTTP API
//! (the API crate's client implements this trait, and its server answers with
//! [`LocalBook`]). Commands are written once against this trait, so output and exit codes
//! are the same either way. Its operations fail with [`NodeError`]: the store's own errors
//! as they are, and a running node that cannot be reached or read as errors of their own.

use crate::engine::{self, Refresh, RuleEngine};
use crate::error::NodeError;
use crate::export::ExportRequest;
use crate::import::{ImportReport, ImportRequest};
use rapport_doc::AuditEntry;
use rapport_doc::{Conflict, HistoryEntry};
use rapport_model::*;
use rapport_reports::{Report, ReportName, ReportRow, Window};
use rapport_rules::{Figures, Rule, RuleExplanation, TierModel, TierSettings, TierSummary};
use rapport_store::{
    Actor, Agenda, DoctorReport, Duplicates, Filter, Identity, ListRow, MergeOutcome, Store, StoreError, Summary,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A customer as `customer show` presents it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CustomerView {
    /// The record.
    pub customer: Customer,
    /// Tags added by rules.
    pub rule_tags: Vec<String>,
    /// Composite tier.
    pub tier: Option<String>,
    /// Concurrent edits.
    pub conflicts: Vec<Conflict>,
}

/// Result of a write: the customer as stored and the id of any item created.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Written {
    /// Customer number.
    pub customer: String,
    /// Customer id.
    pub id: CustomerId,
    /// New item's id, if one was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<ItemId>,
}

impl Written {
    /// The result of writing `c`.
    pub fn of(c: &Customer, item: Option<ItemId>) -> Written {
        Written { customer: c.number.clone(), id: c.id, item }
    }
}

/// The operations of the command line.
pub trait Book: Send + Sync {
    /// This node's member.
    fn identity(&self) -> Result<Identity, NodeError>;
    /// Creates a customer.
    fn add_customer(&self, new: &NewCustomer) -> Result<Customer, NodeError>;
    /// Reads a customer by number or id.
    fn customer(&self, key: &str) -> Result<CustomerView, NodeError>;
    /// Changes a customer's fields.
    fn patch_customer(&self, key: &str, patch: &CustomerPatch, why: Option<String>) -> Result<Written, NodeError>;
    /// Archives or restores.
    fn set_archived(&self, key: &str, archived: bool, why: Option<String>) -> Result<Written, NodeError>;
    /// Lists with filters.
    fn list(&self, filter: &Filter) -> Result<Vec<ListRow>, NodeError>;
    /// Substring search.
    fn search(&self, q: &str, archived: bool) -> Result<Vec<ListRow>, NodeError>;
    /// Adds a contact.
    fn add_contact(&self, key: &str, new: &NewContact, why: Option<String>) -> Result<Written, NodeError>;
    /// Edits a contact.
    fn edit_contact(
        &self,
        key: &str,
        contact: &str,
        patch: &ContactPatch,
        why: Option<String>,
    ) -> Result<Written, NodeError>;
    /// Records a follow-up.
    fn add_interaction(&self, key: &str, new: &NewInteraction) -> Result<Written, NodeError>;
    /// Records a service case.
    fn add_service(&self, key: &str, new: &NewServiceRecord) -> Result<Written, NodeError>;
    /// Records an order.
    fn add_order(&self, key: &str, new: &NewOrder) -> Result<Written, NodeError>;
    /// Adds a task.
    fn add_task(&self, key: &str, new: &NewTask) -> Result<Written, NodeError>;
    /// Completes a task.
    fn complete_task(&self, key: &str, task: &str, done: &TaskCompletion) -> Result<Written, NodeError>;
    /// The agenda as of `today`: only `assignee`'s when given (an assignee the book does
    /// not know is an error), the first `limit` items with the total.
    fn agenda(&self, today: Date, assignee: Option<&str>, limit: Option<usize>) -> Result<Agenda, NodeError>;
    /// A customer's history.
    fn history(&self, key: &str) -> Result<Vec<HistoryEntry>, NodeError>;
    /// Index check.
    fn doctor(&self) -> Result<DoctorReport, NodeError>;
    /// [`Book::doctor`], telling `progress` (customers checked, customers in all) as it
    /// goes where the book can (a running node's book does the work out of sight).
    fn doctor_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<DoctorReport, NodeError> {
        let _ = progress;
        self.doctor()
    }
    /// Index rebuild.
    fn reindex(&self) -> Result<u64, NodeError>;
    /// [`Book::reindex`], telling `progress` (customers done, customers in all) where it can.
    fn reindex_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<u64, NodeError> {
        let _ = progress;
        self.reindex()
    }
    /// A customer's derived figures as of a date.
    fn figures(&self, key: &str, as_of: Date) -> Result<Figures, NodeError>;
    /// The team's rules, in evaluation order, with compile errors if any.
    fn rules(&self) -> Result<Vec<RuleInfo>, NodeError>;
    /// Adds (`create`) or replaces a rule; the book is re-evaluated.
    fn put_rule(&self, rule: &Rule, create: bool) -> Result<Refresh, NodeError>;
    /// Removes a rule; the book is re-evaluated.
    fn remove_rule(&self, name: &str) -> Result<Refresh, NodeError>;
    /// Customers a draft rule would tag, without saving it.
    fn test_rule(&self, draft: &Rule, as_of: Date) -> Result<Vec<ListRow>, NodeError>;
    /// Every rule, matched or not, with the figures that decided it.
    fn explain(&self, key: &str, as_of: Date) -> Result<Explanation, NodeError>;
    /// Re-evaluates every customer for `as_of` (today when it is the node's date).
    fn refresh_tags(&self) -> Result<Refresh, NodeError>;
    /// Customers with their tier under `model` as of a date.
    fn tiers(&self, model: TierModel, as_of: Date) -> Result<Vec<TierLine>, NodeError>;
    /// Counts and revenue share per tier.
    fn tiers_summary(&self, model: TierModel, as_of: Date) -> Result<TierSummary, NodeError>;
    /// The tier settings.
    fn tier_settings(&self) -> Result<TierSettings, NodeError>;
    /// Changes tier settings (JSON values by top-level field); the book is re-evaluated.
    fn set_tier_settings(
        &self,
        values: &std::collections::BTreeMap<String, serde_json::Value>,
    ) -> Result<Refresh, NodeError>;
    /// Likely duplicate customers (same credit code, phone or normalised name): the most
    /// certain `limit` pairs, with the total.
    fn duplicates(&self, limit: Option<usize>) -> Result<Duplicates, NodeError>;
    /// Merges customer `merge` into `keep`: every item and missing field moves over, and
    /// `merge`'s number becomes an alias of `keep`.
    fn merge(&self, keep: &str, merge: &str, why: Option<String>) -> Result<MergeOutcome, NodeError>;
    /// Book reports (see `rapport-reports`) over `window`; the `tiers` report uses `model`.
    fn reports(&self, names: &[ReportName], window: &Window, model: TierModel) -> Result<Vec<Report>, NodeError>;
    /// Imports a CSV or XLSX sheet, all or nothing; `progress` hears (work done, work in
    /// all) while the sheet is checked and stored.
    fn import(&self, req: &ImportRequest, progress: &mut dyn FnMut(u64, u64)) -> Result<ImportReport, NodeError>;
    /// Exports the customers a filter selects; a revealing export is first written to the
    /// audit log. Returns the file's bytes.
    fn export(&self, req: &ExportRequest) -> Result<Vec<u8>, NodeError>;
    /// [`Book::export`], telling `progress` (customers read, customers to export) where it can.
    fn export_with(&self, req: &ExportRequest, progress: &mut dyn FnMut(u64, u64)) -> Result<Vec<u8>, NodeError> {
        let _ = progress;
        self.export(req)
    }
    /// The team's audit log (revealing exports), oldest first.
    fn audit(&self) -> Result<Vec<AuditEntry>, NodeError>;
    /// The team's roster as this node last received it, and this node's member in it.
    fn team(&self) -> Result<crate::Team, NodeError>;
}

/// A rule as listed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RuleInfo {
    /// The rule.
    #[serde(flatten)]
    pub rule: Rule,
    /// Why it does not compile, if it does not (it is then skipped).
    pub error: Option<String>,
}

/// `rules explain`: a customer's figures and every rule's verdict.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Explanation {
    /// Customer number.
    pub number: String,
    /// Customer name.
    pub name: String,
    /// As-of date.
    pub as_of: Date,
    /// Figures.
    pub figures: Figures,
    /// Each rule, matched or not, and why.
    pub rules: Vec<RuleExplanation>,
    /// Composite tier and its reason.
    pub tier: String,
    /// Why that tier.
    pub tier_reason: String,
}

/// One customer in `rapport tiers`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TierLine {
    /// Customer number.
    pub number: String,
    /// Name.
    pub name: String,
    /// Tier label under the model (S/A/B/C, A/B/C, or an RFM code).
    pub tier: String,
    /// Why.
    pub reason: String,
    /// 12-month amount.
    pub amount_12m: Money,
    /// Strategy text of the composite tier.
    pub strategy: String,
    /// Customer value.
    pub customer_value: Money,
}

/// The book in a store this process opened.
pub struct LocalBook {
    /// The store.
    pub store: Store,
    clock: Clock,
    engine: std::sync::RwLock<Arc<RuleEngine>>,
}

/// Where a book gets the time from.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    /// The member's wall clock.
    System,
    /// A fixed time (tests, reproducible demos).
    Fixed(DateTime),
}

impl Clock {
    /// The current time on this clock.
    pub fn now(self) -> DateTime {
        match self {
            Clock::Fixed(t) => t,
            Clock::System => {
                let t = chrono::Local::now().naive_local();
                chrono::Timelike::with_nanosecond(&t, 0).unwrap_or(t)
            }
        }
    }
}

/// The customer `key` names for a merge into `keep`. Once merged, a customer's number is an
/// alias of the survivor; naming it again for the same survivor means the merged-away
/// customer itself, so repeating a merge takes over what was added to it since.
fn absorbed_named(store: &Store, keep: CustomerId, key: &str) -> Result<CustomerId, StoreError> {
    let id = store.resolve(key)?;
    if id != keep {
        return Ok(id);
    }
    let wanted = key.trim().to_uppercase();
    Ok(store.get(keep)?.absorbed.iter().find(|a| a.number.to_uppercase() == wanted).map(|a| a.id).unwrap_or(id))
}

pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> StoreError {
    StoreError::Invalid(FieldError::new(field, reason).into())
}

impl LocalBook {
    /// Opens the book on `store`: installs the rules engine for `now`'s date and
    /// re-evaluates the book if the rules, settings or date changed since last time.
    pub fn open(store: Store, clock: Clock) -> Result<(LocalBook, Option<Refresh>), StoreError> {
        crate::team::install_guard(&store)?;
        let (engine, refreshed) = engine::install(&store, clock.now().date(), false)?;
        Ok((LocalBook { store, clock, engine: std::sync::RwLock::new(engine) }, refreshed))
    }

    /// Now, on this book's clock.
    pub fn now(&self) -> DateTime {
        self.clock.now()
    }

    /// The engine for today; when the date has moved on since it was built (a node that
    /// runs past midnight), the book is re-evaluated first so tags never lag the date.
    fn engine(&self) -> Arc<RuleEngine> {
        let current = match self.engine.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        if current.as_of == self.now().date() {
            return current;
        }
        match engine::install(&self.store, self.now().date(), false) {
            Ok((e, _)) => {
                if let Ok(mut g) = self.engine.write() {
                    *g = e.clone();
                }
                e
            }
            Err(_) => current,
        }
    }

    fn reinstall(&self) -> Result<Refresh, StoreError> {
        let (engine, refreshed) = engine::install(&self.store, self.now().date(), true)?;
        if let Ok(mut g) = self.engine.write() {
            *g = engine;
        }
        refreshed.ok_or_else(|| StoreError::Db("refresh did not run".into()))
    }

    fn change_settings(
        &self,
        f: impl FnOnce(&mut rapport_doc::SettingsDoc, rapport_doc::ChangeMeta) -> Result<(), StoreError>,
    ) -> Result<Refresh, StoreError> {
        let meta = rapport_doc::ChangeMeta::new(&self.store.identity().member_name, self.now());
        self.store.edit_settings(
            |doc| f(doc, meta),
            // The check every node and the relay make before keeping a settings document.
            |doc| Ok(rapport_rules::TeamSettings::read(doc).map(|_| ())?),
        )?;
        self.reinstall()
    }

    /// Facts of every customer that is not archived: archived customers take no part in
    /// book-wide shares and quintiles.
    fn live_facts(&self) -> Result<(Vec<rapport_rules::Facts>, Arc<RuleEngine>), StoreError> {
        let engine = self.engine();
        let facts = engine::all_facts(&self.store)?.into_iter().filter(|f| !f.archived).collect();
        Ok((facts, engine))
    }

    /// The node's member acting now.
    pub fn actor(&self) -> Actor {
        // Writes derive tags with the current engine: make sure it is today's.
        let _ = self.engine();
        Actor { name: self.store.identity().member_name.clone(), now: self.now() }
    }
}

/// Reads the customer view from a store (shared by the CLI and the API).
pub fn customer_view(store: &Store, id: CustomerId) -> Result<CustomerView, StoreError> {
    let mut doc = store.load_doc(id)?;
    let customer = doc.read()?;
    let conflicts = doc.conflicts_quick()?;
    let Summary { rule_tags, tier, .. } = store.summary(id)?;
    Ok(CustomerView { customer, rule_tags, tier, conflicts })
}

/// The [`Book`] operations on the store itself, failing with the store's errors; the
/// trait's implementation below calls these.
impl LocalBook {
    /// See [`Book`].
    pub fn identity(&self) -> Result<Identity, StoreError> {
        Ok((*self.store.identity()).clone())
    }
    /// See [`Book`].
    pub fn add_customer(&self, new: &NewCustomer) -> Result<Customer, StoreError> {
        let mut new = new.clone();
        if let Some(o) = new.owner.as_deref().filter(|o| !o.trim().is_empty()) {
            new.owner = Some(crate::team::owner_in_roster(&self.store, o)?);
        }
        self.store.add_customer(&new, &self.actor())
    }
    /// See [`Book`].
    pub fn customer(&self, key: &str) -> Result<CustomerView, StoreError> {
        customer_view(&self.store, self.store.resolve(key)?)
    }
    /// See [`Book`].
    pub fn patch_customer(&self, key: &str, patch: &CustomerPatch, why: Option<String>) -> Result<Written, StoreError> {
        let mut patch = patch.clone();
        if let Some(o) = patch.owner.as_deref().filter(|o| !o.trim().is_empty()) {
            patch.owner = Some(crate::team::owner_in_roster(&self.store, o)?);
        }
        let c = self.store.patch_customer(self.store.resolve(key)?, &patch, why, &self.actor())?;
        Ok(Written::of(&c, None))
    }
    /// See [`Book`].
    pub fn set_archived(&self, key: &str, archived: bool, why: Option<String>) -> Result<Written, StoreError> {
        let c = self.store.set_archived(self.store.resolve(key)?, archived, why, &self.actor())?;
        Ok(Written::of(&c, None))
    }
    /// See [`Book`].
    pub fn list(&self, filter: &Filter) -> Result<Vec<ListRow>, StoreError> {
        self.store.list(filter)
    }
    /// See [`Book`].
    pub fn search(&self, q: &str, archived: bool) -> Result<Vec<ListRow>, StoreError> {
        self.store.search(q, archived)
    }
    /// See [`Book`].
    pub fn add_contact(&self, key: &str, new: &NewContact, why: Option<String>) -> Result<Written, StoreError> {
        let (c, item) = self.store.add_contact(self.store.resolve(key)?, new, why, &self.actor())?;
        Ok(Written::of(&c, Some(item)))
    }
    /// See [`Book`].
    pub fn edit_contact(
        &self,
        key: &str,
        contact: &str,
        patch: &ContactPatch,
        why: Option<String>,
    ) -> Result<Written, StoreError> {
        let c = self.store.edit_contact(self.store.resolve(key)?, contact, patch, why, &self.actor())?;
        Ok(Written::of(&c, None))
    }
    /// See [`Book`].
    pub fn add_interaction(&self, key: &str, new: &NewInteraction) -> Result<Written, StoreError> {
        let (c, item) = self.store.add_interaction(self.store.resolve(key)?, new, &self.actor())?;
        Ok(Written::of(&c, Some(item)))
    }
    /// See [`Book`].
    pub fn add_service(&self, key: &str, new: &NewServiceRecord) -> Result<Written, StoreError> {
        let (c, item) = self.store.add_service(self.store.resolve(key)?, new, &self.actor())?;
        Ok(Written::of(&c, Some(item)))
    }
    /// See [`Book`].
    pub fn add_order(&self, key: &str, new: &NewOrder) -> Result<Written, StoreError> {
        let (c, item) = self.store.add_order(self.store.resolve(key)?, new, &self.actor())?;
        Ok(Written::of(&c, Some(item)))
    }
    /// See [`Book`].
    pub fn add_task(&self, key: &str, new: &NewTask) -> Result<Written, StoreError> {
        let (c, item) = self.store.add_task(self.store.resolve(key)?, new, &self.actor())?;
        Ok(Written::of(&c, Some(item)))
    }
    /// See [`Book`].
    pub fn complete_task(&self, key: &str, task: &str, done: &TaskCompletion) -> Result<Written, StoreError> {
        let c = self.store.complete_task(self.store.resolve(key)?, task, done, &self.actor())?;
        Ok(Written::of(&c, None))
    }
    /// See [`Book`].
    pub fn agenda(&self, today: Date, assignee: Option<&str>, limit: Option<usize>) -> Result<Agenda, StoreError> {
        Ok(Agenda::first(self.store.agenda(today, assignee)?, limit))
    }
    /// See [`Book`].
    pub fn history(&self, key: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        Ok(self.store.load_doc(self.store.resolve(key)?)?.history())
    }
    /// See [`Book`].
    pub fn doctor(&self) -> Result<DoctorReport, StoreError> {
        self.doctor_with(&mut |_, _| {})
    }
    /// See [`Book`].
    pub fn doctor_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<DoctorReport, StoreError> {
        let mut report = self.store.doctor_with(progress)?;
        if let Some(problem) = &self.engine().problem {
            report.problems.insert(0, problem.clone());
        }
        Ok(report)
    }
    /// See [`Book`].
    pub fn reindex(&self) -> Result<u64, StoreError> {
        self.store.reindex()
    }
    /// See [`Book`].
    pub fn reindex_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<u64, StoreError> {
        self.store.reindex_with(progress)
    }
    /// See [`Book`].
    pub fn figures(&self, key: &str, as_of: Date) -> Result<Figures, StoreError> {
        let c = self.store.get(self.store.resolve(key)?)?;
        Ok(Figures::compute(&rapport_rules::Facts::from_customer(&c), as_of))
    }
    /// See [`Book`].
    pub fn rules(&self) -> Result<Vec<RuleInfo>, StoreError> {
        let engine = self.engine();
        Ok(engine
            .rules
            .iter()
            .map(|r| RuleInfo { rule: r.clone(), error: r.compile().err().map(|e| e.to_string()) })
            .collect())
    }
    /// See [`Book`].
    pub fn put_rule(&self, rule: &Rule, create: bool) -> Result<Refresh, StoreError> {
        if rule.name.trim().is_empty() {
            return Err(invalid("name", "a rule needs a name"));
        }
        if rule.tag.trim().is_empty() {
            return Err(invalid("tag", "a rule needs the tag it adds"));
        }
        rule.compile().map_err(|e| invalid("condition", e.to_string()))?;
        let mut rules = self.engine().rules.clone();
        match (rules.iter().position(|r| r.name == rule.name), create) {
            (Some(_), true) => {
                return Err(invalid("name", format!("a rule named `{}` already exists; use edit", rule.name)))
            }
            (None, false) => return Err(StoreError::NotFound(format!("rule {}", rule.name))),
            (Some(i), false) => rules[i] = rule.clone(),
            (None, true) => rules.push(rule.clone()),
        }
        let records = engine::records_of(&rules);
        let record =
            records.into_iter().find(|r| r.name == rule.name).ok_or_else(|| StoreError::NotFound(rule.name.clone()))?;
        self.change_settings(|doc, meta| Ok(doc.put_rule(&record, meta)?))
    }
    /// See [`Book`].
    pub fn remove_rule(&self, name: &str) -> Result<Refresh, StoreError> {
        if !self.engine().rules.iter().any(|r| r.name == name) {
            return Err(StoreError::NotFound(format!("rule {name}")));
        }
        self.change_settings(|doc, meta| Ok(doc.remove_rule(name, meta)?))
    }
    /// See [`Book`].
    pub fn test_rule(&self, draft: &Rule, as_of: Date) -> Result<Vec<ListRow>, StoreError> {
        let (facts, engine) = self.live_facts()?;
        let ids = rapport_rules::Book::test_rule(&facts, &engine.rules, draft, as_of)
            .map_err(|e| invalid("condition", e.to_string()))?;
        self.store.summaries_of(&ids)
    }

    /// See [`Book`].
    pub fn explain(&self, key: &str, as_of: Date) -> Result<Explanation, StoreError> {
        let c = self.store.get(self.store.resolve(key)?)?;
        let engine = self.engine();
        let facts = rapport_rules::Facts::from_customer(&c);
        let figures = Figures::compute(&facts, as_of);
        let rules = engine.compiled.explain(&facts, &figures, as_of);
        let e = rapport_rules::evaluate_customer(&facts, &engine.compiled, &engine.settings, as_of);
        Ok(Explanation {
            number: c.number,
            name: c.name,
            as_of,
            figures,
            rules,
            tier: e.tier.as_str().to_string(),
            tier_reason: e.tier_reason,
        })
    }
    /// See [`Book`].
    pub fn refresh_tags(&self) -> Result<Refresh, StoreError> {
        self.reinstall()
    }
    /// See [`Book`].
    pub fn tiers(&self, model: TierModel, as_of: Date) -> Result<Vec<TierLine>, StoreError> {
        let (facts, engine) = self.live_facts()?;
        let eval = rapport_rules::Book::evaluate_compiled(&facts, &engine.compiled, &engine.settings, as_of);
        let mut lines: Vec<TierLine> = eval
            .customers
            .into_iter()
            .map(|c| {
                let (tier, reason) = match model {
                    TierModel::Sabc => (c.tier.as_str().to_string(), c.tier_reason.clone()),
                    TierModel::Abc => {
                        let class = c.abc.map(|a| a.as_str().to_string()).unwrap_or_default();
                        (
                            class.clone(),
                            format!("{class}: 12-month amount {} by share of the book's revenue", c.figures.amount_12m),
                        )
                    }
                    TierModel::Rfm => {
                        let code = c.rfm.map(|r| r.code()).unwrap_or_default();
                        (code.clone(), format!("recency/frequency/monetary quintiles {code}"))
                    }
                };
                TierLine {
                    number: c.number,
                    name: c.name,
                    tier,
                    reason,
                    amount_12m: c.figures.amount_12m,
                    strategy: c.strategy,
                    customer_value: c.customer_value,
                }
            })
            .collect();
        lines.sort_by(|a, b| {
            a.tier.cmp(&b.tier).then_with(|| b.amount_12m.cmp(&a.amount_12m)).then_with(|| a.number.cmp(&b.number))
        });
        Ok(lines)
    }
    /// See [`Book`].
    pub fn tiers_summary(&self, model: TierModel, as_of: Date) -> Result<TierSummary, StoreError> {
        let (facts, engine) = self.live_facts()?;
        Ok(rapport_rules::Book::evaluate_compiled(&facts, &engine.compiled, &engine.settings, as_of).summary(model))
    }
    /// See [`Book`].
    pub fn tier_settings(&self) -> Result<TierSettings, StoreError> {
        Ok(self.engine().settings.clone())
    }
    /// See [`Book`].
    pub fn set_tier_settings(
        &self,
        values: &std::collections::BTreeMap<String, serde_json::Value>,
    ) -> Result<Refresh, StoreError> {
        let mut merged = match serde_json::to_value(&self.engine().settings) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        for (k, v) in values {
            if !merged.contains_key(k) {
                let known: Vec<&String> = merged.keys().collect();
                return Err(invalid(
                    &format!("settings.{k}"),
                    format!(
                        "unknown setting; known: {}",
                        known.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            merged.insert(k.clone(), v.clone());
        }
        let s: TierSettings = serde_json::from_value(serde_json::Value::Object(merged))
            .map_err(|e| invalid("settings", e.to_string()))?;
        s.validate().map_err(|e| invalid("settings", e.to_string()))?;
        let changed: std::collections::BTreeMap<String, String> =
            values.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
        self.change_settings(|doc, meta| Ok(doc.set_settings(&changed, meta)?))
    }
    /// See [`Book`].
    pub fn duplicates(&self, limit: Option<usize>) -> Result<Duplicates, StoreError> {
        Ok(self.store.duplicates()?.first(limit))
    }
    /// See [`Book`].
    pub fn merge(&self, keep: &str, merge: &str, why: Option<String>) -> Result<MergeOutcome, StoreError> {
        let keep = self.store.resolve(keep)?;
        let merge = absorbed_named(&self.store, keep, merge)?;
        self.store.merge_customers(keep, merge, why, &self.actor())
    }
    /// See [`Book`].
    pub fn import(&self, req: &ImportRequest, progress: &mut dyn FnMut(u64, u64)) -> Result<ImportReport, StoreError> {
        crate::import::import(&self.store, req, &self.actor(), progress)
    }
    /// See [`Book`].
    pub fn export(&self, req: &ExportRequest) -> Result<Vec<u8>, StoreError> {
        self.export_with(req, &mut |_, _| {})
    }
    /// See [`Book`].
    pub fn export_with(&self, req: &ExportRequest, progress: &mut dyn FnMut(u64, u64)) -> Result<Vec<u8>, StoreError> {
        // Parsed before the audit entry, so a refused export is not logged.
        let fields = crate::export::parse_fields(&req.fields)?;
        if req.reveal {
            let what = format!(
                "export with contact data revealed: format {}, fields {}, customers {}{}",
                req.format.as_str(),
                if req.fields.trim().is_empty() { "(all)" } else { req.fields.trim() },
                crate::export::describe_filter(&req.filter),
                if req.all_contacts { ", every contact" } else { "" }
            );
            let meta = rapport_doc::ChangeMeta::new(&self.store.identity().member_name, self.now());
            self.store.edit_settings(|doc| Ok(doc.record_audit(&what, meta)?), |_| Ok(()))?;
        }
        Ok(crate::export::export(&self.store, req, &fields, progress)?.0)
    }
    /// A contact's data unmasked, for one person to read: written to the team's audit log
    /// first (who, when, which customer and contact), like a revealing export.
    pub fn reveal_contact(&self, key: &str, contact: &str) -> Result<Contact, StoreError> {
        let view = self.customer(key)?;
        let c = view.customer.find_contact(contact).cloned().ok_or_else(|| {
            StoreError::NotFound(format!("customer {} has no contact {contact}", view.customer.number))
        })?;
        let what = format!(
            "contact data revealed: customer {} ({}), contact {}",
            view.customer.number, view.customer.name, c.name
        );
        let meta = rapport_doc::ChangeMeta::new(&self.store.identity().member_name, self.now());
        self.store.edit_settings(|doc| Ok(doc.record_audit(&what, meta)?), |_| Ok(()))?;
        Ok(c)
    }
    /// See [`Book`].
    pub fn team(&self) -> Result<crate::Team, StoreError> {
        crate::Team::of(&self.store)
    }
    /// See [`Book`].
    pub fn audit(&self) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(self.store.settings_doc()?.audit()?)
    }
    /// See [`Book`].
    pub fn reports(&self, names: &[ReportName], window: &Window, model: TierModel) -> Result<Vec<Report>, StoreError> {
        self.reports_of(names, window, model, None)
    }
    /// [`LocalBook::reports`] over the customers of `owners` only (member names, compared
    /// as `member_key` does); every customer with `None`. Tags and tiers stay those of the
    /// whole book (a customer's tier does not move with the filter); the tier summary then
    /// counts the customers kept, by their composite tier.
    pub fn reports_of(
        &self,
        names: &[ReportName],
        window: &Window,
        model: TierModel,
        owners: Option<&std::collections::BTreeSet<String>>,
    ) -> Result<Vec<Report>, StoreError> {
        window.validate().map_err(|e| invalid("from", e.to_string()))?;
        let keys: Option<std::collections::BTreeSet<String>> =
            owners.map(|o| o.iter().map(|n| rapport_model::member_key(n)).collect());
        let engine = self.engine();
        let facts = engine::all_facts(&self.store)?;
        // Tags and tiers as of the report's date, not the ones stored for today; only the
        // churn-risk list and the tier summary read them, so only they pay for evaluating
        // every rule on every customer.
        let needs_rules = names.iter().any(|n| matches!(n, ReportName::ChurnRisk | ReportName::Tiers));
        let live: Vec<rapport_rules::Facts> =
            if needs_rules { facts.iter().filter(|f| !f.archived).cloned().collect() } else { Vec::new() };
        let eval = rapport_rules::Book::evaluate_compiled(&live, &engine.compiled, &engine.settings, window.as_of);
        let derived: std::collections::HashMap<CustomerId, (&[String], &str)> =
            eval.customers.iter().map(|c| (c.id, (c.rule_tags.as_slice(), c.tier.as_str()))).collect();
        let to_fill = self.store.to_fill()?;
        let rows: Vec<ReportRow<'_>> = facts
            .iter()
            .filter(|f| keys.as_ref().is_none_or(|k| k.contains(&rapport_model::member_key(&f.owner))))
            .map(|f| {
                let (rule_tags, tier) = derived.get(&f.id).map_or((&[][..], None), |(t, tier)| (*t, Some(*tier)));
                let to_fill = to_fill.get(&f.id).map_or(&[][..], Vec::as_slice);
                ReportRow { facts: f, rule_tags, tier, to_fill }
            })
            .collect();
        let summary = (keys.is_none() && names.contains(&ReportName::Tiers)).then(|| eval.summary(model));
        rapport_reports::compute_all(names, &rows, window, summary.as_ref()).map_err(|e| invalid("from", e.to_string()))
    }
}

impl Book for LocalBook {
    fn identity(&self) -> Result<Identity, NodeError> {
        Ok(LocalBook::identity(self)?)
    }
    fn add_customer(&self, new: &NewCustomer) -> Result<Customer, NodeError> {
        Ok(LocalBook::add_customer(self, new)?)
    }
    fn customer(&self, key: &str) -> Result<CustomerView, NodeError> {
        Ok(LocalBook::customer(self, key)?)
    }
    fn patch_customer(&self, key: &str, patch: &CustomerPatch, why: Option<String>) -> Result<Written, NodeError> {
        Ok(LocalBook::patch_customer(self, key, patch, why)?)
    }
    fn set_archived(&self, key: &str, archived: bool, why: Option<String>) -> Result<Written, NodeError> {
        Ok(LocalBook::set_archived(self, key, archived, why)?)
    }
    fn list(&self, filter: &Filter) -> Result<Vec<ListRow>, NodeError> {
        Ok(LocalBook::list(self, filter)?)
    }
    fn search(&self, q: &str, archived: bool) -> Result<Vec<ListRow>, NodeError> {
        Ok(LocalBook::search(self, q, archived)?)
    }
    fn add_contact(&self, key: &str, new: &NewContact, why: Option<String>) -> Result<Written, NodeError> {
        Ok(LocalBook::add_contact(self, key, new, why)?)
    }
    fn edit_contact(
        &self,
        key: &str,
        contact: &str,
        patch: &ContactPatch,
        why: Option<String>,
    ) -> Result<Written, NodeError> {
        Ok(LocalBook::edit_contact(self, key, contact, patch, why)?)
    }
    fn add_interaction(&self, key: &str, new: &NewInteraction) -> Result<Written, NodeError> {
        Ok(LocalBook::add_interaction(self, key, new)?)
    }
    fn add_service(&self, key: &str, new: &NewServiceRecord) -> Result<Written, NodeError> {
        Ok(LocalBook::add_service(self, key, new)?)
    }
    fn add_order(&self, key: &str, new: &NewOrder) -> Result<Written, NodeError> {
        Ok(LocalBook::add_order(self, key, new)?)
    }
    fn add_task(&self, key: &str, new: &NewTask) -> Result<Written, NodeError> {
        Ok(LocalBook::add_task(self, key, new)?)
    }
    fn complete_task(&self, key: &str, task: &str, done: &TaskCompletion) -> Result<Written, NodeError> {
        Ok(LocalBook::complete_task(self, key, task, done)?)
    }
    fn agenda(&self, today: Date, assignee: Option<&str>, limit: Option<usize>) -> Result<Agenda, NodeError> {
        Ok(LocalBook::agenda(self, today, assignee, limit)?)
    }
    fn history(&self, key: &str) -> Result<Vec<HistoryEntry>, NodeError> {
        Ok(LocalBook::history(self, key)?)
    }
    fn doctor(&self) -> Result<DoctorReport, NodeError> {
        Ok(LocalBook::doctor(self)?)
    }
    fn doctor_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<DoctorReport, NodeError> {
        Ok(LocalBook::doctor_with(self, progress)?)
    }
    fn reindex(&self) -> Result<u64, NodeError> {
        Ok(LocalBook::reindex(self)?)
    }
    fn reindex_with(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<u64, NodeError> {
        Ok(LocalBook::reindex_with(self, progress)?)
    }
    fn figures(&self, key: &str, as_of: Date) -> Result<Figures, NodeError> {
        Ok(LocalBook::figures(self, key, as_of)?)
    }
    fn rules(&self) -> Result<Vec<RuleInfo>, NodeError> {
        Ok(LocalBook::rules(self)?)
    }
    fn put_rule(&self, rule: &Rule, create: bool) -> Result<Refresh, NodeError> {
        Ok(LocalBook::put_rule(self, rule, create)?)
    }
    fn remove_rule(&self, name: &str) -> Result<Refresh, NodeError> {
        Ok(LocalBook::remove_rule(self, name)?)
    }
    fn test_rule(&self, draft: &Rule, as_of: Date) -> Result<Vec<ListRow>, NodeError> {
        Ok(LocalBook::test_rule(self, draft, as_of)?)
    }
    fn explain(&self, key: &str, as_of: Date) -> Result<Explanation, NodeError> {
        Ok(LocalBook::explain(self, key, as_of)?)
    }
    fn refresh_tags(&self) -> Result<Refresh, NodeError> {
        Ok(LocalBook::refresh_tags(self)?)
    }
    fn tiers(&self, model: TierModel, as_of: Date) -> Result<Vec<TierLine>, NodeError> {
        Ok(LocalBook::tiers(self, model, as_of)?)
    }
    fn tiers_summary(&self, model: TierModel, as_of: Date) -> Result<TierSummary, NodeError> {
        Ok(LocalBook::tiers_summary(self, model, as_of)?)
    }
    fn tier_settings(&self) -> Result<TierSettings, NodeError> {
        Ok(LocalBook::tier_settings(self)?)
    }
    fn set_tier_settings(
        &self,
        values: &std::collections::BTreeMap<String, serde_json::Value>,
    ) -> Result<Refresh, NodeError> {
        Ok(LocalBook::set_tier_settings(self, values)?)
    }
    fn duplicates(&self, limit: Option<usize>) -> Result<Duplicates, NodeError> {
        Ok(LocalBook::duplicates(self, limit)?)
    }
    fn merge(&self, keep: &str, merge: &str, why: Option<String>) -> Result<MergeOutcome, NodeError> {
        Ok(LocalBook::merge(self, keep, merge, why)?)
    }
    fn reports(&self, names: &[ReportName], window: &Window, model: TierModel) -> Result<Vec<Report>, NodeError> {
        Ok(LocalBook::reports(self, names, window, model)?)
    }
    fn import(&self, req: &ImportRequest, progress: &mut dyn FnMut(u64, u64)) -> Result<ImportReport, NodeError> {
        Ok(LocalBook::import(self, req, progress)?)
    }
    fn export(&self, req: &ExportRequest) -> Result<Vec<u8>, NodeError> {
        Ok(LocalBook::export(self, req)?)
    }
    fn export_with(&self, req: &ExportRequest, progress: &mut dyn FnMut(u64, u64)) -> Result<Vec<u8>, NodeError> {
        Ok(LocalBook::export_with(self, req, progress)?)
    }
    fn audit(&self) -> Result<Vec<AuditEntry>, NodeError> {
        Ok(LocalBook::audit(self)?)
    }
    fn team(&self) -> Result<crate::Team, NodeError> {
        Ok(LocalBook::team(self)?)
    }
}
