//! The team's settings document: tag rules and tier settings, shared like customers.
//!
//! Rules sit in a map keyed by rule name and each field is its own register, so two
//! members editing different rules (or different fields of one rule) both keep their
//! edits. The document's first change, holding the default rules and settings, is made
//! by a fixed actor at a fixed time, so it is byte-identical on every node: nodes
//! initialised apart share it and merge without a spurious conflict.

use crate::{ChangeMeta, DocError, HistoryEntry};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const RULES: &str = "rules";
const SETTINGS: &str = "settings";
const AUDIT: &str = "audit";
const GENESIS_ACTOR: [u8; 16] = *b"rapport-settings";

/// A tag rule as stored: the rules crate parses `when`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRecord {
    /// Stable name, the key of the rule.
    pub name: String,
    /// Tag the rule adds.
    pub tag: String,
    /// Condition in the rule language.
    pub when: String,
    /// Disabled rules are kept but not evaluated.
    pub enabled: bool,
    /// Evaluation order (ascending, then name); a rule may test tags of earlier rules.
    pub position: i64,
}

/// The settings document.
pub struct SettingsDoc {
    doc: AutoCommit,
}

fn get_scalar(d: &AutoCommit, o: &ObjId, k: &str) -> Result<Option<ScalarValue>, DocError> {
    Ok(match d.get(o, k)? {
        Some((Value::Scalar(s), _)) => Some(s.into_owned()),
        _ => None,
    })
}

fn map(d: &AutoCommit, k: &str) -> Result<Option<ObjId>, DocError> {
    Ok(match d.get(&ROOT, k)? {
        Some((Value::Object(ObjType::Map), o)) => Some(o),
        _ => None,
    })
}

impl SettingsDoc {
    /// The identical first change every node starts from.
    pub fn genesis(rules: &[RuleRecord], settings: &BTreeMap<String, String>) -> Result<SettingsDoc, DocError> {
        let mut doc = AutoCommit::new().with_actor(ActorId::from(GENESIS_ACTOR.as_slice()));
        doc.put(ROOT, "schema", ScalarValue::Uint(1))?;
        let r = doc.put_object(ROOT, RULES, ObjType::Map)?;
        for rule in rules {
            write_rule(&mut doc, &r, rule)?;
        }
        let s = doc.put_object(ROOT, SETTINGS, ObjType::Map)?;
        for (k, v) in settings {
            doc.put(&s, k.as_str(), v.as_str())?;
        }
        let meta = ChangeMeta {
            author: "Rapport".into(),
            at: None,
            what: "default rules and tier settings".into(),
            why: None,
        };
        let msg = serde_json::to_string(&meta).unwrap_or_default();
        doc.commit_with(automerge::transaction::CommitOptions::default().with_message(msg).with_time(0));
        Ok(SettingsDoc { doc })
    }

    /// Loads a saved settings document.
    pub fn load(bytes: &[u8]) -> Result<SettingsDoc, DocError> {
        Ok(SettingsDoc { doc: AutoCommit::load(bytes)? })
    }

    /// Sets the actor subsequent edits are made as.
    pub fn set_actor(&mut self, actor: ActorId) {
        self.doc.set_actor(actor);
    }

    /// Whole document.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// Heads, sorted.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        let mut h = self.doc.get_heads();
        h.sort();
        h
    }

    /// Merges another copy.
    pub fn merge(&mut self, other: &mut SettingsDoc) -> Result<(), DocError> {
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    /// Independent copy.
    pub fn fork(&mut self) -> SettingsDoc {
        SettingsDoc { doc: self.doc.fork() }
    }

    /// Direct access for the sync layer.
    pub fn automerge(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    /// Every rule, in evaluation order.
    pub fn rules(&self) -> Result<Vec<RuleRecord>, DocError> {
        let d = &self.doc;
        let Some(r) = map(d, RULES)? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for name in d.keys(&r) {
            let Some((Value::Object(ObjType::Map), o)) = d.get(&r, name.as_str())? else { continue };
            let text = |k: &str| -> Result<String, DocError> {
                Ok(match get_scalar(d, &o, k)? {
                    Some(ScalarValue::Str(s)) => s.to_string(),
                    _ => String::new(),
                })
            };
            out.push(RuleRecord {
                tag: text("tag")?,
                when: text("when")?,
                enabled: !matches!(get_scalar(d, &o, "enabled")?, Some(ScalarValue::Boolean(false))),
                position: match get_scalar(d, &o, "position")? {
                    Some(ScalarValue::Int(i)) => i,
                    Some(ScalarValue::Uint(u)) => i64::try_from(u).unwrap_or(i64::MAX),
                    _ => 0,
                },
                name,
            });
        }
        out.sort_by(|a, b| a.position.cmp(&b.position).then_with(|| a.name.cmp(&b.name)));
        Ok(out)
    }

    /// Adds or replaces a rule, writing only the fields that differ so concurrent edits
    /// to other fields survive.
    pub fn put_rule(&mut self, rule: &RuleRecord, meta: ChangeMeta) -> Result<(), DocError> {
        let existing = self.rules()?.into_iter().find(|r| r.name == rule.name);
        let r = match map(&self.doc, RULES)? {
            Some(r) => r,
            None => self.doc.put_object(ROOT, RULES, ObjType::Map)?,
        };
        let what = match &existing {
            None => {
                write_rule(&mut self.doc, &r, rule)?;
                format!("rule {} added", rule.name)
            }
            Some(old) => {
                let Some((Value::Object(ObjType::Map), o)) = self.doc.get(&r, rule.name.as_str())? else {
                    return Err(DocError::NoSuchItem { kind: "rule", id: rule.name.clone() });
                };
                if old.tag != rule.tag {
                    self.doc.put(&o, "tag", rule.tag.as_str())?;
                }
                if old.when != rule.when {
                    self.doc.put(&o, "when", rule.when.as_str())?;
                }
                if old.enabled != rule.enabled {
                    self.doc.put(&o, "enabled", rule.enabled)?;
                }
                if old.position != rule.position {
                    self.doc.put(&o, "position", rule.position)?;
                }
                format!("rule {} edited", rule.name)
            }
        };
        self.commit(meta, what);
        Ok(())
    }

    /// Removes a rule.
    pub fn remove_rule(&mut self, name: &str, meta: ChangeMeta) -> Result<(), DocError> {
        let r = map(&self.doc, RULES)?.ok_or_else(|| DocError::NoSuchItem { kind: "rule", id: name.to_string() })?;
        if self.doc.get(&r, name)?.is_none() {
            return Err(DocError::NoSuchItem { kind: "rule", id: name.to_string() });
        }
        self.doc.delete(&r, name)?;
        self.commit(meta, format!("rule {name} removed"));
        Ok(())
    }

    /// Tier settings as key/value text.
    pub fn settings(&self) -> Result<BTreeMap<String, String>, DocError> {
        let d = &self.doc;
        let mut out = BTreeMap::new();
        if let Some(s) = map(d, SETTINGS)? {
            for k in d.keys(&s) {
                if let Some(ScalarValue::Str(v)) = get_scalar(d, &s, &k)? {
                    out.insert(k, v.to_string());
                }
            }
        }
        Ok(out)
    }

    /// Sets several settings in one change.
    pub fn set_settings(&mut self, values: &BTreeMap<String, String>, meta: ChangeMeta) -> Result<(), DocError> {
        let s = match map(&self.doc, SETTINGS)? {
            Some(s) => s,
            None => self.doc.put_object(ROOT, SETTINGS, ObjType::Map)?,
        };
        for (k, v) in values {
            self.doc.put(&s, k.as_str(), v.as_str())?;
        }
        let keys: Vec<&str> = values.keys().map(String::as_str).collect();
        self.commit(meta, format!("settings changed: {}", keys.join(", ")));
        Ok(())
    }

    /// Records an audited action, e.g. an export that revealed contact data, in the team's
    /// audit log. Entries are keyed by a random id, so entries made on several nodes at
    /// once all survive a merge.
    pub fn record_audit(&mut self, what: &str, meta: ChangeMeta) -> Result<(), DocError> {
        let log = match map(&self.doc, AUDIT)? {
            Some(l) => l,
            None => self.doc.put_object(ROOT, AUDIT, ObjType::Map)?,
        };
        let id = rapport_model::ItemId::random();
        let e = self.doc.put_object(&log, id.0.as_str(), ObjType::Map)?;
        let at = meta.at.map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string()).unwrap_or_default();
        self.doc.put(&e, "at", at)?;
        self.doc.put(&e, "by", meta.author.as_str())?;
        self.doc.put(&e, "what", what)?;
        self.commit(meta, format!("audit: {what}"));
        Ok(())
    }

    /// The audit log, oldest first.
    pub fn audit(&self) -> Result<Vec<AuditEntry>, DocError> {
        let Some(log) = map(&self.doc, AUDIT)? else { return Ok(Vec::new()) };
        let text = |o: &ObjId, k: &str| -> Result<String, DocError> {
            Ok(match self.doc.get(o, k)? {
                Some((Value::Scalar(s), _)) => match s.as_ref() {
                    ScalarValue::Str(t) => t.to_string(),
                    _ => String::new(),
                },
                _ => String::new(),
            })
        };
        let mut out = Vec::new();
        for k in self.doc.keys(&log) {
            if let Some((Value::Object(ObjType::Map), o)) = self.doc.get(&log, k.as_str())? {
                out.push(AuditEntry { at: text(&o, "at")?, by: text(&o, "by")?, what: text(&o, "what")? });
            }
        }
        out.sort_by(|a, b| (&a.at, &a.by, &a.what).cmp(&(&b.at, &b.by, &b.what)));
        Ok(out)
    }

    /// Who changed the rules and settings.
    pub fn history(&mut self) -> Vec<HistoryEntry> {
        crate::CustomerDoc::history_of(&mut self.doc)
    }

    fn commit(&mut self, mut meta: ChangeMeta, what: String) {
        meta.what = what;
        let msg = serde_json::to_string(&meta).unwrap_or_default();
        let mut opts = automerge::transaction::CommitOptions::default().with_message(msg);
        if let Some(at) = meta.at {
            opts = opts.with_time(at.and_utc().timestamp());
        }
        self.doc.commit_with(opts);
    }
}

fn write_rule(doc: &mut AutoCommit, rules: &ObjId, rule: &RuleRecord) -> Result<(), DocError> {
    let o = doc.put_object(rules, rule.name.as_str(), ObjType::Map)?;
    doc.put(&o, "tag", rule.tag.as_str())?;
    doc.put(&o, "when", rule.when.as_str())?;
    doc.put(&o, "enabled", rule.enabled)?;
    doc.put(&o, "position", rule.position)?;
    Ok(())
}

/// One entry of the team's audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When, `YYYY-MM-DDTHH:MM:SS` in the author's clock.
    pub at: String,
    /// Member.
    pub by: String,
    /// What was done.
    pub what: String,
}
