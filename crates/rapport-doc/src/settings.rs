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

const SCHEMA: &str = "schema";
/// Layout version of the settings document.
const SETTINGS_SCHEMA: u64 = 1;
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

fn bad(field: &str, reason: &str) -> DocError {
    DocError::Field { field: field.to_string(), reason: reason.to_string() }
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
        doc.put(ROOT, SCHEMA, ScalarValue::Uint(SETTINGS_SCHEMA))?;
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

    /// Every rule, in evaluation order. A rule whose fields are not of their types is an
    /// error naming it: the document then does not read back under this schema.
    pub fn rules(&self) -> Result<Vec<RuleRecord>, DocError> {
        let d = &self.doc;
        let Some(r) = map(d, RULES)? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for name in d.keys(&r) {
            let field = |k: &str| format!("rules.{name}.{k}");
            let Some((Value::Object(ObjType::Map), o)) = d.get(&r, name.as_str())? else {
                return Err(bad(&format!("rules.{name}"), "is not a rule"));
            };
            let text = |k: &str| -> Result<String, DocError> {
                match get_scalar(d, &o, k)? {
                    Some(ScalarValue::Str(s)) => Ok(s.to_string()),
                    _ => Err(bad(&field(k), "is not text")),
                }
            };
            out.push(RuleRecord {
                tag: text("tag")?,
                when: text("when")?,
                enabled: match get_scalar(d, &o, "enabled")? {
                    Some(ScalarValue::Boolean(b)) => b,
                    _ => return Err(bad(&field("enabled"), "is not true or false")),
                },
                position: match get_scalar(d, &o, "position")? {
                    Some(ScalarValue::Int(i)) => i,
                    Some(ScalarValue::Uint(u)) => {
                        i64::try_from(u).map_err(|_| bad(&field("position"), "is too large"))?
                    }
                    _ => return Err(bad(&field("position"), "is not a whole number")),
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

    /// Tier settings as key/value text; a value that is not text is an error naming it.
    pub fn settings(&self) -> Result<BTreeMap<String, String>, DocError> {
        let d = &self.doc;
        let mut out = BTreeMap::new();
        if let Some(s) = map(d, SETTINGS)? {
            for k in d.keys(&s) {
                match get_scalar(d, &s, &k)? {
                    Some(ScalarValue::Str(v)) => out.insert(k, v.to_string()),
                    _ => return Err(bad(&format!("settings.{k}"), "is not text")),
                };
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

    /// The audit log, oldest first; an entry whose fields are not text is an error naming it.
    pub fn audit(&self) -> Result<Vec<AuditEntry>, DocError> {
        let Some(log) = map(&self.doc, AUDIT)? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for k in self.doc.keys(&log) {
            let Some((Value::Object(ObjType::Map), o)) = self.doc.get(&log, k.as_str())? else {
                return Err(bad(&format!("audit.{k}"), "is not an audit entry"));
            };
            let text = |f: &str| -> Result<String, DocError> {
                match get_scalar(&self.doc, &o, f)? {
                    Some(ScalarValue::Str(s)) => Ok(s.to_string()),
                    _ => Err(bad(&format!("audit.{k}.{f}"), "is not text")),
                }
            };
            out.push(AuditEntry { at: text("at")?, by: text("by")?, what: text("what")? });
        }
        out.sort_by(|a, b| (&a.at, &a.by, &a.what).cmp(&(&b.at, &b.by, &b.what)));
        Ok(out)
    }

    /// Everything the settings document must be before any store keeps it, short of what
    /// only the rules crate can judge (rule conditions and tier-setting values; see
    /// `rapport_rules::TeamSettings::read`): within [`crate::LIMITS`], created by the one
    /// genesis change, which set `schema`, no later change altering it, a schema this build
    /// reads, no key this schema does not have, and every rule, setting and audit entry of
    /// its type.
    pub fn check_shape(&mut self) -> Result<(), DocError> {
        crate::check::check_history(self.doc.document(), &crate::LIMITS, &[SCHEMA])?;
        let d = &self.doc;
        let schema = match get_scalar(d, &ROOT, SCHEMA)? {
            Some(ScalarValue::Uint(u)) => u,
            Some(ScalarValue::Int(i)) => u64::try_from(i).map_err(|_| bad(SCHEMA, "is negative"))?,
            _ => return Err(bad(SCHEMA, "is not a version number")),
        };
        if schema > SETTINGS_SCHEMA {
            return Err(DocError::Schema { found: schema, supported: SETTINGS_SCHEMA });
        }
        for k in d.keys(&ROOT) {
            if ![SCHEMA, RULES, SETTINGS, AUDIT].contains(&k.as_str()) {
                return Err(bad(&k, "is not part of the settings document"));
            }
        }
        for k in [RULES, SETTINGS, AUDIT] {
            if d.get(&ROOT, k)?.is_some() && map(d, k)?.is_none() {
                return Err(bad(k, "is not a map"));
            }
        }
        self.rules()?;
        self.settings()?;
        self.audit()?;
        Ok(())
    }

    /// Loads a settings document that came from elsewhere, after [`crate::inspect`] has
    /// bounded what loading it may cost. The caller still checks it.
    pub fn load_untrusted(bytes: &[u8]) -> Result<SettingsDoc, DocError> {
        Ok(SettingsDoc { doc: crate::check::load_untrusted(bytes)? })
    }

    /// A copy of this document with bytes from elsewhere applied; this one is unchanged.
    pub fn with_untrusted(&mut self, bytes: &[u8]) -> Result<SettingsDoc, DocError> {
        Ok(SettingsDoc { doc: crate::check::with_untrusted(&mut self.doc, bytes)? })
    }

    /// This document with bytes from elsewhere applied, without a copy: for a caller that
    /// loaded it only to merge them. The caller still checks the result.
    pub fn merged_untrusted(self, bytes: &[u8]) -> Result<SettingsDoc, DocError> {
        Ok(SettingsDoc { doc: crate::check::merged_untrusted(self.doc, bytes)? })
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
