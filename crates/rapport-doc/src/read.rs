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

/// One map of the document, read in one pass (`map_range`) instead of one lookup per key:
/// a customer is read about twice as fast, which every relay push and node adoption pays.
/// Entries come in key order, so a key is found by binary search.
struct Fields<'a> {
    entries: Vec<automerge::iter::MapRangeItem<'a>>,
}

impl<'a> Fields<'a> {
    fn of(d: &'a AutoCommit, obj: &ObjId) -> Fields<'a> {
        Fields { entries: d.map_range(obj, ..).collect() }
    }

    fn get(&self, key: &str) -> Option<&automerge::iter::MapRangeItem<'a>> {
        self.entries.binary_search_by(|e| e.key.cmp(key)).ok().and_then(|i| self.entries.get(i))
    }

    fn str(&self, key: &str) -> Result<Option<String>, DocError> {
        Ok(match self.get(key).map(|e| &e.value) {
            Some(Value::Scalar(s)) => match s.as_ref() {
                ScalarValue::Str(t) => Some(t.to_string()),
                ScalarValue::Null => None,
                _ => return Err(bad(key, "is not text")),
            },
            Some(_) => return Err(bad(key, "is not text")),
            None => None,
        })
    }

    fn req(&self, key: &str) -> Result<String, DocError> {
        self.str(key)?.ok_or_else(|| bad(key, "is missing"))
    }

    fn bool(&self, key: &str) -> Result<bool, DocError> {
        match self.get(key).map(|e| &e.value) {
            None => Ok(false),
            Some(Value::Scalar(s)) => match s.as_ref() {
                ScalarValue::Boolean(b) => Ok(*b),
                _ => Err(bad(key, "is not true or false")),
            },
            Some(_) => Err(bad(key, "is not true or false")),
        }
    }

    fn int(&self, key: &str) -> Result<Option<i64>, DocError> {
        Ok(match self.get(key).map(|e| &e.value) {
            Some(Value::Scalar(s)) => match s.as_ref() {
                ScalarValue::Int(i) => Some(*i),
                ScalarValue::Uint(u) => Some(i64::try_from(*u).map_err(|_| bad(key, "is too large"))?),
                _ => return Err(bad(key, "is not a number")),
            },
            Some(_) => return Err(bad(key, "is not a number")),
            None => None,
        })
    }

    /// A nested map; a value of another type where a map belongs does not read under the
    /// schema.
    fn map(&self, key: &str) -> Result<Option<ObjId>, DocError> {
        match self.get(key) {
            None => Ok(None),
            Some(e) if matches!(e.value, Value::Object(ObjType::Map)) => Ok(Some(e.id.clone())),
            Some(_) => Err(bad(key, "is not a map")),
        }
    }

    /// Item maps (contacts, orders, ...) under `key`, as (item id, object) in key order.
    fn items(&self, d: &'a AutoCommit, key: &str) -> Result<Vec<(String, ObjId)>, DocError> {
        let Some(list) = self.map(key)? else { return Ok(Vec::new()) };
        Fields::of(d, &list)
            .entries
            .into_iter()
            .map(|e| match e.value {
                Value::Object(ObjType::Map) => Ok((e.key.to_string(), e.id)),
                _ => Err(bad(&format!("{key}.{}", e.key), "is not an item")),
            })
            .collect()
    }
}

/// `DATE_FMT` and `DATETIME_FMT` exactly as written, read without chrono's format parser
/// (a customer holds dozens of dates, and every relay push and node adoption reads them).
fn number(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

fn ymd(b: &[u8]) -> Option<Date> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Date::from_ymd_opt(i32::try_from(number(&b[..4])?).ok()?, number(&b[5..7])?, number(&b[8..10])?)
}

fn parse_dt(key: &str, s: &str) -> Result<DateTime, DocError> {
    let b = s.as_bytes();
    let at = (b.len() == 19 && b[10] == b'T' && b[13] == b':' && b[16] == b':')
        .then(|| ymd(&b[..10])?.and_hms_opt(number(&b[11..13])?, number(&b[14..16])?, number(&b[17..19])?))
        .flatten();
    at.ok_or_else(|| bad(key, "is not a date-time"))
}

fn parse_d(key: &str, s: &str) -> Result<Date, DocError> {
    ymd(s.as_bytes()).ok_or_else(|| bad(key, "is not a date"))
}

fn vocab<T>(key: &str, s: &str, parse: fn(&str) -> Result<T, rapport_model::FieldError>) -> Result<T, DocError> {
    parse(s).map_err(|e| bad(key, &e.reason))
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
        let root = Fields::of(d, &ROOT);
        let items = |key: &str| -> Result<Vec<(String, ObjId)>, DocError> {
            if activity || key == CONTACTS || key == ABSORBED {
                root.items(d, key)
            } else {
                // Still of the right type, so a record read never accepts what a full read refuses.
                root.map(key).map(|_| Vec::new())
            }
        };
        let schema = root.int(SCHEMA)?.ok_or_else(|| bad(SCHEMA, "is missing"))?;
        let schema = u64::try_from(schema).map_err(|_| bad(SCHEMA, "is negative"))?;
        if schema > SCHEMA_VERSION {
            return Err(DocError::Schema { found: schema, supported: SCHEMA_VERSION });
        }
        let id: CustomerId = root.req(ID)?.parse().map_err(|e: String| bad(ID, &e))?;
        let map_fields =
            |key: &str| -> Result<Option<Fields<'_>>, DocError> { Ok(root.map(key)?.map(|o| Fields::of(d, &o))) };
        let addr = map_fields(ADDRESS)?;
        let a = |k: &str| -> Result<Option<String>, DocError> { addr.as_ref().map_or(Ok(None), |f| f.str(k)) };
        let address =
            Address { province: a("province")?, city: a("city")?, district: a("district")?, street: a("street")? };
        let needs_f = map_fields(NEEDS)?;
        let n = |k: &str| -> Result<Option<String>, DocError> { needs_f.as_ref().map_or(Ok(None), |f| f.str(k)) };
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
        let deal = match map_fields(DEAL)? {
            Some(f) => Some(Deal {
                amount: Money(f.int("amount_fen")?.ok_or_else(|| bad("deal.amount_fen", "is missing"))?),
                date: parse_d("deal.date", &f.req("date")?)?,
                contract_no: f.req("contract_no")?,
            }),
            None => None,
        };
        let notes = match root.get(NOTES) {
            Some(e) if matches!(e.value, Value::Object(ObjType::Text)) => d.text(&e.id)?,
            Some(_) => return Err(bad(NOTES, "is not text")),
            None => String::new(),
        };
        let manual_tags: BTreeSet<String> = match root.map(TAGS)? {
            Some(o) => d.keys(&o).collect(),
            None => BTreeSet::new(),
        };
        let to_fill: BTreeSet<String> = match root.map(TO_FILL)? {
            Some(o) => d.keys(&o).collect(),
            None => BTreeSet::new(),
        };
        let mut custom = BTreeMap::new();
        if let Some(f) = map_fields(CUSTOM)? {
            for e in &f.entries {
                if let Some(v) = f.str(e.key)? {
                    custom.insert(e.key.to_string(), v);
                }
            }
        }
        let mut contacts = Vec::new();
        for (k, o) in items(CONTACTS)? {
            let f = Fields::of(d, &o);
            contacts.push(Contact {
                id: ItemId(k),
                name: f.req("name")?,
                position: f.str("position")?,
                phone: f.str("phone")?,
                email: f.str("email")?,
                wechat: f.str("wechat")?,
                primary: f.bool("primary")?,
                other_phones: f
                    .str("other_phones")?
                    .map(|s| s.split_whitespace().map(str::to_string).collect())
                    .unwrap_or_default(),
            });
        }
        // Primary first, then by name: a stable order on every node.
        contacts
            .sort_by(|a, b| b.primary.cmp(&a.primary).then_with(|| a.name.cmp(&b.name)).then_with(|| a.id.cmp(&b.id)));
        let mut interactions = Vec::new();
        for (k, o) in items(INTERACTIONS)? {
            let f = Fields::of(d, &o);
            let next_action = match (f.str("next_what")?, f.str("next_due")?) {
                (Some(what), Some(due)) => Some(NextAction {
                    what,
                    due: parse_d("next_due", &due)?,
                    assignee: f.str("next_assignee")?.unwrap_or_default(),
                }),
                _ => None,
            };
            interactions.push(Interaction {
                id: ItemId(k),
                at: parse_dt("at", &f.req("at")?)?,
                channel: vocab("channel", &f.req("channel")?, Channel::parse)?,
                summary: f.req("summary")?,
                feedback: f.str("feedback")?,
                intent: f.str("intent")?.map(|s| vocab("intent", &s, IntentLevel::parse)).transpose()?,
                author: f.str("author")?.unwrap_or_default(),
                next_action,
            });
        }
        interactions.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        let mut service_records = Vec::new();
        for (k, o) in items(SERVICE)? {
            let f = Fields::of(d, &o);
            service_records.push(ServiceRecord {
                id: ItemId(k),
                at: parse_dt("at", &f.req("at")?)?,
                kind: vocab("type", &f.req("type")?, ServiceKind::parse)?,
                summary: f.req("summary")?,
                result: f.str("result")?,
                satisfaction: match f.int("satisfaction")? {
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
            let f = Fields::of(d, &o);
            orders.push(Order {
                id: ItemId(k),
                date: parse_d("date", &f.req("date")?)?,
                amount: Money(f.int("amount_fen")?.ok_or_else(|| bad("amount_fen", "is missing"))?),
                category: f.req("category")?,
                product: f.str("product")?,
            });
        }
        orders.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
        let mut tasks = Vec::new();
        for (k, o) in items(TASKS)? {
            let f = Fields::of(d, &o);
            let done = match f.str("done_at")? {
                Some(at) => Some(TaskDone { at: parse_dt("done_at", &at)?, result: f.str("done_result")? }),
                None => None,
            };
            tasks.push(Task {
                id: ItemId(k),
                what: f.req("what")?,
                assignee: f.req("assignee")?,
                due: parse_d("due", &f.req("due")?)?,
                done,
            });
        }
        tasks.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
        let merged_into = match root.str(MERGED_INTO)? {
            Some(s) => Some(s.parse::<CustomerId>().map_err(|e: String| bad(MERGED_INTO, &e))?),
            None => None,
        };
        let mut absorbed = Vec::new();
        for (k, o) in items(ABSORBED)? {
            let f = Fields::of(d, &o);
            absorbed.push(Absorbed {
                id: k.parse::<CustomerId>().map_err(|e: String| bad(ABSORBED, &e))?,
                number: f.req("number")?,
                name: f.req("name")?,
                notes: f.str("notes")?.unwrap_or_default(),
            });
        }
        absorbed.sort_by(|a, b| a.number.cmp(&b.number).then_with(|| a.id.cmp(&b.id)));
        Ok(Customer {
            id,
            number: root.req(NUMBER)?,
            schema,
            kind: vocab(KIND, &root.req(KIND)?, Kind::parse)?,
            name: root.req(NAME)?,
            credit_code: root.str(CREDIT_CODE)?,
            industry: root.req(INDUSTRY)?,
            size: root.str(SIZE)?,
            revenue_band: root.str(REVENUE_BAND)?,
            address,
            source: root.req(SOURCE)?,
            stage: vocab(STAGE, &root.req(STAGE)?, Stage::parse)?,
            deal,
            lost_reason: root.str(LOST_REASON)?,
            owner: root.req(OWNER)?,
            entered_by: root.req(ENTERED_BY)?,
            created_at: parse_dt(CREATED_AT, &root.req(CREATED_AT)?)?,
            needs,
            notes,
            priority: root.bool(PRIORITY)?,
            archived: root.bool(ARCHIVED)?,
            manual_tags,
            custom,
            contacts,
            interactions,
            service_records,
            orders,
            tasks,
            merged_into,
            absorbed,
            to_fill,
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
        // get_changes lists dependencies before what depends on them, so each change's
        // depth (one more than its deepest dependency) is known when it is reached.
        let mut depth: std::collections::HashMap<automerge::ChangeHash, usize> = std::collections::HashMap::new();
        let mut out: Vec<(usize, HistoryEntry)> = doc
            .get_changes(&[])
            .into_iter()
            .map(|c| {
                let d = 1 + c.deps().iter().filter_map(|h| depth.get(h)).max().copied().unwrap_or(0);
                depth.insert(c.hash(), d);
                let meta: Option<crate::ChangeMeta> = c.message().and_then(|m| serde_json::from_str(m).ok());
                let at = chrono::DateTime::from_timestamp(c.timestamp(), 0)
                    .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default();
                let entry = HistoryEntry {
                    hash: c.hash().to_string(),
                    actor: c.actor_id().to_hex_string(),
                    author: meta.as_ref().map(|m| m.author.clone()).unwrap_or_else(|| "(unknown)".into()),
                    at,
                    what: meta.as_ref().map(|m| m.what.clone()).unwrap_or_default(),
                    why: meta.and_then(|m| m.why),
                };
                (d, entry)
            })
            .collect();
        // By time (to the second); within one second a change comes after those it builds
        // on (its depth is greater); concurrent ones by hash, the same on every node.
        out.sort_by(|(da, a), (db, b)| a.at.cmp(&b.at).then(da.cmp(db)).then_with(|| a.hash.cmp(&b.hash)));
        out.into_iter().map(|(_, e)| e).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_exactly_as_written() {
        for s in ["2026-03-02", "1999-12-31", "2024-02-29"] {
            assert_eq!(parse_d("d", s).ok(), Date::parse_from_str(s, DATE_FMT).ok(), "{s}");
        }
        for s in ["2026-03-02T09:05:00", "2024-02-29T23:59:59"] {
            assert_eq!(parse_dt("t", s).ok(), DateTime::parse_from_str(s, DATETIME_FMT).ok(), "{s}");
        }
        for bad in [
            "2026-3-2",
            "2026-02-30",
            "2026-13-01",
            "20260302",
            "2026-03-02 09:05:00",
            "2026-03-02T25:00:00",
            "２０２６-03-02",
            "",
        ] {
            assert!(parse_d("d", bad).is_err(), "{bad}");
            assert!(parse_dt("t", bad).is_err(), "{bad}");
        }
    }
}
