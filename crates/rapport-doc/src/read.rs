//! Reading a customer document back into the domain model, with its conflicts and history.

use crate::schema::*;
use crate::{CustomerDoc, DocError, HistoryEntry};
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use rapport_model::{
    Absorbed, Address, Channel, Contact, Customer, CustomerId, Date, DateTime, Deal, DecisionChain, IntentLevel,
    Interaction, ItemId, Kind, Money, Needs, NextAction, Order, Satisfaction, ServiceKind, ServiceRecord, Stage, Task,
    TaskDone, SCHEMA_VERSION,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A field two members set concurrently: the value every node shows, and the others.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Conflict {
    /// Dotted path, e.g. `owner` or `contacts.3fa1….phone`.
    pub field: String,
    /// The value that won (deterministically, on every node).
    pub value: String,
    /// The values that lost, still kept in the document.
    pub losing: Vec<String>,
}

fn bad(field: &str, reason: &str) -> DocError {
    DocError::Field { field: field.to_string(), reason: reason.to_string() }
}

fn scalar_text(v: &ScalarValue) -> String {
    match v {
        ScalarValue::Str(s) => s.to_string(),
        other => other.to_string(),
    }
}

fn get_str(d: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<String>, DocError> {
    Ok(match d.get(obj, key)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Str(t) => Some(t.to_string()),
            ScalarValue::Null => None,
            _ => return Err(bad(key, "is not text")),
        },
        Some(_) => return Err(bad(key, "is not text")),
        None => None,
    })
}

fn req_str(d: &AutoCommit, obj: &ObjId, key: &str) -> Result<String, DocError> {
    get_str(d, obj, key)?.ok_or_else(|| bad(key, "is missing"))
}

fn get_bool(d: &AutoCommit, obj: &ObjId, key: &str) -> Result<bool, DocError> {
    Ok(matches!(d.get(obj, key)?, Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Boolean(true))))
}

fn get_int(d: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<i64>, DocError> {
    Ok(match d.get(obj, key)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Int(i) => Some(*i),
            ScalarValue::Uint(u) => Some(i64::try_from(*u).map_err(|_| bad(key, "is too large"))?),
            _ => return Err(bad(key, "is not a number")),
        },
        _ => None,
    })
}

fn get_map(d: &AutoCommit, obj: &ObjId, key: &str) -> Result<Option<ObjId>, DocError> {
    Ok(match d.get(obj, key)? {
        Some((Value::Object(ObjType::Map), id)) => Some(id),
        _ => None,
    })
}

fn parse_dt(key: &str, s: &str) -> Result<DateTime, DocError> {
    DateTime::parse_from_str(s, DATETIME_FMT).map_err(|_| bad(key, "is not a date-time"))
}

fn parse_d(key: &str, s: &str) -> Result<Date, DocError> {
    Date::parse_from_str(s, DATE_FMT).map_err(|_| bad(key, "is not a date"))
}

fn vocab<T>(key: &str, s: &str, parse: fn(&str) -> Result<T, rapport_model::FieldError>) -> Result<T, DocError> {
    parse(s).map_err(|e| bad(key, &e.reason))
}

/// Item maps (contacts, orders, ...) as (id, object) pairs in key order.
fn items(d: &AutoCommit, key: &str) -> Result<Vec<(String, ObjId)>, DocError> {
    let Some(list) = get_map(d, &ROOT, key)? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for k in d.keys(&list) {
        if let Some((Value::Object(ObjType::Map), o)) = d.get(&list, &k)? {
            out.push((k, o));
        }
    }
    Ok(out)
}

impl CustomerDoc {
    /// The customer as the document says after every merge.
    pub fn read(&self) -> Result<Customer, DocError> {
        self.read_parts(true)
    }

    /// The record and its contacts without the activity lists (follow-ups, service
    /// records, orders and tasks are left empty): what an export of the record needs, for
    /// a fraction of the reading.
    pub fn read_record(&self) -> Result<Customer, DocError> {
        self.read_parts(false)
    }

    fn read_parts(&self, activity: bool) -> Result<Customer, DocError> {
        let d = &self.doc;
        let items = |key: &str| -> Result<Vec<(String, ObjId)>, DocError> {
            if activity || key == CONTACTS || key == ABSORBED {
                items(d, key)
            } else {
                Ok(Vec::new())
            }
        };
        let schema = get_int(d, &ROOT, SCHEMA)?.ok_or_else(|| bad(SCHEMA, "is missing"))? as u64;
        if schema > SCHEMA_VERSION {
            return Err(DocError::Schema { found: schema, supported: SCHEMA_VERSION });
        }
        let id: CustomerId = req_str(d, &ROOT, ID)?.parse().map_err(|e: String| bad(ID, &e))?;
        let addr = get_map(d, &ROOT, ADDRESS)?;
        let a = |k: &str| -> Result<Option<String>, DocError> {
            match &addr {
                Some(o) => get_str(d, o, k),
                None => Ok(None),
            }
        };
        let address =
            Address { province: a("province")?, city: a("city")?, district: a("district")?, street: a("street")? };
        let needs_o = get_map(d, &ROOT, NEEDS)?;
        let n = |k: &str| -> Result<Option<String>, DocError> {
            match &needs_o {
                Some(o) => get_str(d, o, k),
                None => Ok(None),
            }
        };
        let needs = Needs {
            pain_points: n("pain_points")?,
            timeline: n("timeline")?,
            budget: n("budget")?,
            decision_chain: DecisionChain {
                purchaser: n("purchaser")?,
                evaluator: n("evaluator")?,
                approver: n("approver")?,
            },
        };
        let deal = match get_map(d, &ROOT, DEAL)? {
            Some(o) => Some(Deal {
                amount: Money(get_int(d, &o, "amount_fen")?.ok_or_else(|| bad("deal.amount_fen", "is missing"))?),
                date: parse_d("deal.date", &req_str(d, &o, "date")?)?,
                contract_no: req_str(d, &o, "contract_no")?,
            }),
            None => None,
        };
        let notes = match d.get(&ROOT, NOTES)? {
            Some((Value::Object(ObjType::Text), o)) => d.text(&o)?,
            _ => String::new(),
        };
        let manual_tags: BTreeSet<String> = match get_map(d, &ROOT, TAGS)? {
            Some(o) => d.keys(&o).collect(),
            None => BTreeSet::new(),
        };
        let mut custom = BTreeMap::new();
        if let Some(o) = get_map(d, &ROOT, CUSTOM)? {
            for k in d.keys(&o) {
                if let Some(v) = get_str(d, &o, &k)? {
                    custom.insert(k, v);
                }
            }
        }
        let mut contacts = Vec::new();
        for (k, o) in items(CONTACTS)? {
            contacts.push(Contact {
                id: ItemId(k),
                name: req_str(d, &o, "name")?,
                position: get_str(d, &o, "position")?,
                phone: get_str(d, &o, "phone")?,
                email: get_str(d, &o, "email")?,
                wechat: get_str(d, &o, "wechat")?,
                primary: get_bool(d, &o, "primary")?,
            });
        }
        // Primary first, then by name: a stable order on every node.
        contacts
            .sort_by(|a, b| b.primary.cmp(&a.primary).then_with(|| a.name.cmp(&b.name)).then_with(|| a.id.cmp(&b.id)));
        let mut interactions = Vec::new();
        for (k, o) in items(INTERACTIONS)? {
            let next_action = match (get_str(d, &o, "next_what")?, get_str(d, &o, "next_due")?) {
                (Some(what), Some(due)) => Some(NextAction {
                    what,
                    due: parse_d("next_due", &due)?,
                    assignee: get_str(d, &o, "next_assignee")?.unwrap_or_default(),
                }),
                _ => None,
            };
            interactions.push(Interaction {
                id: ItemId(k),
                at: parse_dt("at", &req_str(d, &o, "at")?)?,
                channel: vocab("channel", &req_str(d, &o, "channel")?, Channel::parse)?,
                summary: req_str(d, &o, "summary")?,
                feedback: get_str(d, &o, "feedback")?,
                intent: get_str(d, &o, "intent")?.map(|s| vocab("intent", &s, IntentLevel::parse)).transpose()?,
                author: get_str(d, &o, "author")?.unwrap_or_default(),
                next_action,
            });
        }
        interactions.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        let mut service_records = Vec::new();
        for (k, o) in items(SERVICE)? {
            service_records.push(ServiceRecord {
                id: ItemId(k),
                at: parse_dt("at", &req_str(d, &o, "at")?)?,
                kind: vocab("type", &req_str(d, &o, "type")?, ServiceKind::parse)?,
                summary: req_str(d, &o, "summary")?,
                result: get_str(d, &o, "result")?,
                satisfaction: match get_int(d, &o, "satisfaction")? {
                    Some(h) => Some(
                        u16::try_from(h)
                            .ok()
                            .and_then(|h| Satisfaction::from_hundredths(h).ok())
                            .ok_or_else(|| bad("satisfaction", "is outside 1-5"))?,
                    ),
                    None => None,
                },
            });
        }
        service_records.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        let mut orders = Vec::new();
        for (k, o) in items(ORDERS)? {
            orders.push(Order {
                id: ItemId(k),
                date: parse_d("date", &req_str(d, &o, "date")?)?,
                amount: Money(get_int(d, &o, "amount_fen")?.ok_or_else(|| bad("amount_fen", "is missing"))?),
                category: req_str(d, &o, "category")?,
                product: get_str(d, &o, "product")?,
            });
        }
        orders.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
        let mut tasks = Vec::new();
        for (k, o) in items(TASKS)? {
            let done = match get_str(d, &o, "done_at")? {
                Some(at) => Some(TaskDone { at: parse_dt("done_at", &at)?, result: get_str(d, &o, "done_result")? }),
                None => None,
            };
            tasks.push(Task {
                id: ItemId(k),
                what: req_str(d, &o, "what")?,
                assignee: req_str(d, &o, "assignee")?,
                due: parse_d("due", &req_str(d, &o, "due")?)?,
                done,
            });
        }
        tasks.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
        let merged_into = match get_str(d, &ROOT, MERGED_INTO)? {
            Some(s) => Some(s.parse::<CustomerId>().map_err(|e: String| bad(MERGED_INTO, &e))?),
            None => None,
        };
        let mut absorbed = Vec::new();
        for (k, o) in items(ABSORBED)? {
            absorbed.push(Absorbed {
                id: k.parse::<CustomerId>().map_err(|e: String| bad(ABSORBED, &e))?,
                number: req_str(d, &o, "number")?,
                name: req_str(d, &o, "name")?,
                notes: get_str(d, &o, "notes")?.unwrap_or_default(),
            });
        }
        absorbed.sort_by(|a, b| a.number.cmp(&b.number).then_with(|| a.id.cmp(&b.id)));
        Ok(Customer {
            id,
            number: req_str(d, &ROOT, NUMBER)?,
            schema,
            kind: vocab(KIND, &req_str(d, &ROOT, KIND)?, Kind::parse)?,
            name: req_str(d, &ROOT, NAME)?,
            credit_code: get_str(d, &ROOT, CREDIT_CODE)?,
            industry: req_str(d, &ROOT, INDUSTRY)?,
            size: get_str(d, &ROOT, SIZE)?,
            revenue_band: get_str(d, &ROOT, REVENUE_BAND)?,
            address,
            source: req_str(d, &ROOT, SOURCE)?,
            stage: vocab(STAGE, &req_str(d, &ROOT, STAGE)?, Stage::parse)?,
            deal,
            lost_reason: get_str(d, &ROOT, LOST_REASON)?,
            owner: req_str(d, &ROOT, OWNER)?,
            entered_by: req_str(d, &ROOT, ENTERED_BY)?,
            created_at: parse_dt(CREATED_AT, &req_str(d, &ROOT, CREATED_AT)?)?,
            needs,
            notes,
            priority: get_bool(d, &ROOT, PRIORITY)?,
            archived: get_bool(d, &ROOT, ARCHIVED)?,
            manual_tags,
            custom,
            contacts,
            interactions,
            service_records,
            orders,
            tasks,
            merged_into,
            absorbed,
        })
    }

    /// [`CustomerDoc::conflicts`], skipping the walk when the history is one line (one
    /// head, no change merging two others), as most customers' is: concurrent values need
    /// concurrent changes, and checking that costs far less than visiting every key.
    pub fn conflicts_quick(&mut self) -> Result<Vec<Conflict>, DocError> {
        let am = self.doc.document();
        if am.get_heads().len() <= 1 && am.get_changes(&[]).iter().all(|c| c.deps().len() <= 1) {
            return Ok(Vec::new());
        }
        self.conflicts()
    }

    /// Every scalar field that has concurrent values, walking the record and its items.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, DocError> {
        let mut out = Vec::new();
        walk_conflicts(&self.doc, &ROOT, "", &mut out)?;
        Ok(out)
    }

    /// Who changed what, when and why, oldest first.
    pub fn history(&mut self) -> Vec<HistoryEntry> {
        Self::history_of(&mut self.doc)
    }

    pub(crate) fn history_of(doc: &mut AutoCommit) -> Vec<HistoryEntry> {
        let mut out: Vec<HistoryEntry> = doc
            .get_changes(&[])
            .into_iter()
            .map(|c| {
                let meta: Option<crate::ChangeMeta> = c.message().and_then(|m| serde_json::from_str(m).ok());
                let at = chrono::DateTime::from_timestamp(c.timestamp(), 0)
                    .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default();
                HistoryEntry {
                    hash: c.hash().to_string(),
                    actor: c.actor_id().to_hex_string(),
                    author: meta.as_ref().map(|m| m.author.clone()).unwrap_or_else(|| "(unknown)".into()),
                    at,
                    what: meta.as_ref().map(|m| m.what.clone()).unwrap_or_default(),
                    why: meta.and_then(|m| m.why),
                }
            })
            .collect();
        // Causal order from get_changes, then time; stable across nodes because ties are
        // broken by hash.
        out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.hash.cmp(&b.hash)));
        out
    }
}

fn walk_conflicts(d: &AutoCommit, obj: &ObjId, prefix: &str, out: &mut Vec<Conflict>) -> Result<(), DocError> {
    for k in d.keys(obj) {
        let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        let all = d.get_all(obj, k.as_str())?;
        // Equal concurrent values (the same merge made on two nodes writes the same fields
        // and two copies of each item) are not a disagreement worth showing.
        let text = |v: &Value| match v {
            Value::Scalar(s) => scalar_text(s),
            Value::Object(t) => format!("({t})"),
        };
        if all.len() > 1 && all.iter().any(|(v, _)| text(v) != text(&all[0].0)) {
            // get() returns the winner; get_all lists every value including it.
            let winner = d.get(obj, k.as_str())?;
            let win_id = winner.as_ref().map(|(_, id)| id.clone());
            let value = winner.as_ref().map(|(v, _)| text(v)).unwrap_or_default();
            let losing = all.iter().filter(|(_, id)| Some(id) != win_id.as_ref()).map(|(v, _)| text(v)).collect();
            out.push(Conflict { field: path.clone(), value, losing });
        }
        if let Some((Value::Object(ObjType::Map), child)) = d.get(obj, k.as_str())? {
            walk_conflicts(d, &child, &path, out)?;
        }
    }
    Ok(())
}
