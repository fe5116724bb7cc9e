//! Writing customer documents: the first change that creates one, and every later edit,
//! each committed with who, when, what and why.

use crate::schema::*;
use crate::{CustomerDoc, DocError};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, ROOT};
use rapport_model::{
    Contact, ContactPatch, Customer, CustomerPatch, DateTime, Interaction, Order, ServiceRecord, Stage, Task, TaskDone,
};
use serde::{Deserialize, Serialize};

/// Who makes a change, when, and why; stored as the Automerge change message.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChangeMeta {
    /// Member name.
    #[serde(rename = "by")]
    pub author: String,
    /// Author's wall-clock time.
    #[serde(skip)]
    pub at: Option<DateTime>,
    /// One-line description, filled in by the edit itself.
    #[serde(default)]
    pub what: String,
    /// Stated reason (变更原因).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

impl ChangeMeta {
    /// A change by `author` at `at`.
    pub fn new(author: &str, at: DateTime) -> ChangeMeta {
        ChangeMeta { author: author.to_string(), at: Some(at), what: String::new(), why: None }
    }
    /// With a reason.
    pub fn because(mut self, why: Option<String>) -> ChangeMeta {
        self.why = why.filter(|w| !w.trim().is_empty());
        self
    }
}

fn put_opt(doc: &mut AutoCommit, obj: &ObjId, key: &str, v: Option<&str>) -> Result<(), DocError> {
    match v {
        Some(s) => doc.put(obj, key, s)?,
        None => {
            if doc.get(obj, key)?.is_some() {
                doc.delete(obj, key)?;
            }
        }
    }
    Ok(())
}

pub(crate) fn fmt_dt(dt: &DateTime) -> String {
    dt.format(DATETIME_FMT).to_string()
}

fn map_at(doc: &mut AutoCommit, parent: &ObjId, key: &str) -> Result<ObjId, DocError> {
    match doc.get(parent, key)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Ok(doc.put_object(parent, key, ObjType::Map)?),
    }
}

/// Clears the to-fill flags of `fields` (a local edit filled them); says which it cleared.
fn filled(doc: &mut AutoCommit, fields: &[&str], what: &mut Vec<String>) -> Result<(), DocError> {
    let Some((automerge::Value::Object(ObjType::Map), o)) = doc.get(&ROOT, TO_FILL)? else { return Ok(()) };
    for f in fields {
        if doc.get(&o, *f)?.is_some() {
            doc.delete(&o, *f)?;
            what.push(format!("{f} no longer to fill"));
        }
    }
    Ok(())
}

fn write_contact(doc: &mut AutoCommit, contacts: &ObjId, c: &Contact) -> Result<(), DocError> {
    let o = doc.put_object(contacts, c.id.0.as_str(), ObjType::Map)?;
    doc.put(&o, "name", c.name.as_str())?;
    put_opt(doc, &o, "position", c.position.as_deref())?;
    put_opt(doc, &o, "phone", c.phone.as_deref())?;
    put_opt(doc, &o, "email", c.email.as_deref())?;
    put_opt(doc, &o, "wechat", c.wechat.as_deref())?;
    doc.put(&o, "primary", c.primary)?;
    // Space-separated (a canonical phone holds no space); absent when there are none, so
    // contacts without them keep the shape they had.
    if !c.other_phones.is_empty() {
        doc.put(&o, "other_phones", c.other_phones.join(" "))?;
    }
    Ok(())
}

fn write_interaction(doc: &mut AutoCommit, list: &ObjId, i: &Interaction) -> Result<(), DocError> {
    let o = doc.put_object(list, i.id.0.as_str(), ObjType::Map)?;
    doc.put(&o, "at", fmt_dt(&i.at))?;
    doc.put(&o, "channel", i.channel.as_str())?;
    doc.put(&o, "summary", i.summary.as_str())?;
    put_opt(doc, &o, "feedback", i.feedback.as_deref())?;
    put_opt(doc, &o, "intent", i.intent.map(|x| x.as_str()))?;
    doc.put(&o, "author", i.author.as_str())?;
    if let Some(n) = &i.next_action {
        doc.put(&o, "next_what", n.what.as_str())?;
        doc.put(&o, "next_due", n.due.format(DATE_FMT).to_string())?;
        doc.put(&o, "next_assignee", n.assignee.as_str())?;
    }
    Ok(())
}

fn write_service(doc: &mut AutoCommit, list: &ObjId, s: &ServiceRecord) -> Result<(), DocError> {
    let o = doc.put_object(list, s.id.0.as_str(), ObjType::Map)?;
    doc.put(&o, "at", fmt_dt(&s.at))?;
    doc.put(&o, "type", s.kind.as_str())?;
    doc.put(&o, "summary", s.summary.as_str())?;
    put_opt(doc, &o, "result", s.result.as_deref())?;
    if let Some(sat) = s.satisfaction {
        doc.put(&o, "satisfaction", ScalarValue::Uint(u64::from(sat.hundredths())))?;
    }
    Ok(())
}

fn write_order(doc: &mut AutoCommit, list: &ObjId, x: &Order) -> Result<(), DocError> {
    let o = doc.put_object(list, x.id.0.as_str(), ObjType::Map)?;
    doc.put(&o, "date", x.date.format(DATE_FMT).to_string())?;
    doc.put(&o, "amount_fen", ScalarValue::Int(x.amount.fen()))?;
    doc.put(&o, "category", x.category.as_str())?;
    put_opt(doc, &o, "product", x.product.as_deref())?;
    Ok(())
}

fn write_task(doc: &mut AutoCommit, list: &ObjId, t: &Task) -> Result<(), DocError> {
    let o = doc.put_object(list, t.id.0.as_str(), ObjType::Map)?;
    doc.put(&o, "what", t.what.as_str())?;
    doc.put(&o, "assignee", t.assignee.as_str())?;
    doc.put(&o, "due", t.due.format(DATE_FMT).to_string())?;
    if let Some(d) = &t.done {
        write_done(doc, &o, d)?;
    }
    Ok(())
}

fn write_done(doc: &mut AutoCommit, task: &ObjId, d: &TaskDone) -> Result<(), DocError> {
    doc.put(task, "done_at", fmt_dt(&d.at))?;
    put_opt(doc, task, "done_result", d.result.as_deref())?;
    Ok(())
}

fn write_deal(doc: &mut AutoCommit, deal: Option<&rapport_model::Deal>) -> Result<(), DocError> {
    match deal {
        Some(d) => {
            let o = map_at(doc, &ROOT, DEAL)?;
            doc.put(&o, "amount_fen", ScalarValue::Int(d.amount.fen()))?;
            doc.put(&o, "date", d.date.format(DATE_FMT).to_string())?;
            doc.put(&o, "contract_no", d.contract_no.as_str())?;
        }
        None => put_opt(doc, &ROOT, DEAL, None)?,
    }
    Ok(())
}

impl CustomerDoc {
    /// Creates the document of a new customer in one change made by `actor`.
    pub fn create(c: &Customer, actor: ActorId, meta: ChangeMeta) -> Result<CustomerDoc, DocError> {
        let mut doc = AutoCommit::new().with_actor(actor);
        let d = &mut doc;
        d.put(ROOT, SCHEMA, ScalarValue::Uint(c.schema))?;
        d.put(ROOT, ID, c.id.to_hex())?;
        d.put(ROOT, NUMBER, c.number.as_str())?;
        d.put(ROOT, KIND, c.kind.as_str())?;
        d.put(ROOT, NAME, c.name.as_str())?;
        put_opt(d, &ROOT, CREDIT_CODE, c.credit_code.as_deref())?;
        d.put(ROOT, INDUSTRY, c.industry.as_str())?;
        put_opt(d, &ROOT, SIZE, c.size.as_deref())?;
        put_opt(d, &ROOT, REVENUE_BAND, c.revenue_band.as_deref())?;
        let addr = d.put_object(ROOT, ADDRESS, ObjType::Map)?;
        let a = &c.address;
        for (k, v) in ADDRESS_FIELDS.iter().zip([&a.province, &a.city, &a.district, &a.street]) {
            put_opt(d, &addr, k, v.as_deref())?;
        }
        d.put(ROOT, SOURCE, c.source.as_str())?;
        d.put(ROOT, STAGE, c.stage.as_str())?;
        write_deal(d, c.deal.as_ref())?;
        put_opt(d, &ROOT, LOST_REASON, c.lost_reason.as_deref())?;
        d.put(ROOT, OWNER, c.owner.as_str())?;
        d.put(ROOT, ENTERED_BY, c.entered_by.as_str())?;
        d.put(ROOT, CREATED_AT, fmt_dt(&c.created_at))?;
        let needs = d.put_object(ROOT, NEEDS, ObjType::Map)?;
        let n = &c.needs;
        let dc = &n.decision_chain;
        for (k, v) in NEEDS_FIELDS.iter().zip([
            &n.pain_points,
            &n.timeline,
            &n.budget,
            &dc.purchaser,
            &dc.evaluator,
            &dc.approver,
        ]) {
            put_opt(d, &needs, k, v.as_deref())?;
        }
        let notes = d.put_object(ROOT, NOTES, ObjType::Text)?;
        if !c.notes.is_empty() {
            d.splice_text(&notes, 0, 0, &c.notes)?;
        }
        d.put(ROOT, PRIORITY, c.priority)?;
        d.put(ROOT, ARCHIVED, c.archived)?;
        let tags = d.put_object(ROOT, TAGS, ObjType::Map)?;
        for t in &c.manual_tags {
            d.put(&tags, t.as_str(), true)?;
        }
        let custom = d.put_object(ROOT, CUSTOM, ObjType::Map)?;
        for (k, v) in &c.custom {
            d.put(&custom, k.as_str(), v.as_str())?;
        }
        // Only a legacy import flags fields: other documents keep the shape they had.
        if !c.to_fill.is_empty() {
            let o = d.put_object(ROOT, TO_FILL, ObjType::Map)?;
            for f in &c.to_fill {
                d.put(&o, f.as_str(), true)?;
            }
        }
        let contacts = d.put_object(ROOT, CONTACTS, ObjType::Map)?;
        for x in &c.contacts {
            write_contact(d, &contacts, x)?;
        }
        let list = d.put_object(ROOT, INTERACTIONS, ObjType::Map)?;
        for x in &c.interactions {
            write_interaction(d, &list, x)?;
        }
        let list = d.put_object(ROOT, SERVICE, ObjType::Map)?;
        for x in &c.service_records {
            write_service(d, &list, x)?;
        }
        let list = d.put_object(ROOT, ORDERS, ObjType::Map)?;
        for x in &c.orders {
            write_order(d, &list, x)?;
        }
        let list = d.put_object(ROOT, TASKS, ObjType::Map)?;
        for x in &c.tasks {
            write_task(d, &list, x)?;
        }
        let mut doc = CustomerDoc { doc };
        let what = format!("created {} {}", c.number, c.name);
        doc.commit(meta, what);
        Ok(doc)
    }

    fn commit(&mut self, mut meta: ChangeMeta, what: String) {
        meta.what = what;
        let message = serde_json::to_string(&meta).unwrap_or_default();
        let mut opts = automerge::transaction::CommitOptions::default().with_message(message);
        if let Some(at) = meta.at {
            opts = opts.with_time(at.and_utc().timestamp());
        }
        self.doc.commit_with(opts);
    }

    /// Runs `f` as one change; on error nothing is committed.
    fn change<F>(&mut self, meta: ChangeMeta, f: F) -> Result<(), DocError>
    where
        F: FnOnce(&mut AutoCommit) -> Result<String, DocError>,
    {
        match f(&mut self.doc) {
            Ok(what) => {
                self.commit(meta, what);
                Ok(())
            }
            Err(e) => {
                self.doc.rollback();
                Err(e)
            }
        }
    }

    /// Applies a validated patch to the record's own fields as one change.
    pub fn apply_patch(&mut self, p: &CustomerPatch, meta: ChangeMeta) -> Result<(), DocError> {
        self.change(meta, |d| {
            let mut what = Vec::new();
            let set =
                |d: &mut AutoCommit, key: &str, v: Option<&str>, what: &mut Vec<String>| -> Result<(), DocError> {
                    put_opt(d, &ROOT, key, v)?;
                    what.push(match v {
                        Some(v) => format!("{key} = {v}"),
                        None => format!("{key} cleared"),
                    });
                    Ok(())
                };
            if let Some(v) = &p.name {
                set(d, NAME, Some(v), &mut what)?;
            }
            if let Some(v) = p.kind {
                set(d, KIND, Some(v.as_str()), &mut what)?;
            }
            if let Some(v) = &p.credit_code {
                set(d, CREDIT_CODE, v.as_deref(), &mut what)?;
            }
            if let Some(v) = &p.industry {
                set(d, INDUSTRY, Some(v), &mut what)?;
            }
            if let Some(v) = &p.size {
                set(d, SIZE, v.as_deref(), &mut what)?;
            }
            if let Some(v) = &p.revenue_band {
                set(d, REVENUE_BAND, v.as_deref(), &mut what)?;
            }
            if let Some(v) = &p.source {
                set(d, SOURCE, Some(v), &mut what)?;
                if v != rapport_model::TO_FILL {
                    filled(d, &["source"], &mut what)?;
                }
            }
            if let Some(v) = &p.owner {
                set(d, OWNER, Some(v), &mut what)?;
            }
            if let Some(a) = &p.address {
                let o = map_at(d, &ROOT, ADDRESS)?;
                for (k, v) in ADDRESS_FIELDS.iter().zip([&a.province, &a.city, &a.district, &a.street]) {
                    if let Some(v) = v {
                        put_opt(d, &o, k, v.as_deref())?;
                        what.push(format!("address.{k} = {}", v.as_deref().unwrap_or("(cleared)")));
                    }
                }
            }
            if let Some(n) = &p.needs {
                let o = map_at(d, &ROOT, NEEDS)?;
                for (k, v) in NEEDS_FIELDS.iter().zip([
                    &n.pain_points,
                    &n.timeline,
                    &n.budget,
                    &n.purchaser,
                    &n.evaluator,
                    &n.approver,
                ]) {
                    if let Some(v) = v {
                        put_opt(d, &o, k, v.as_deref())?;
                        what.push(format!("needs.{k} = {}", v.as_deref().unwrap_or("(cleared)")));
                    }
                }
            }
            if let Some(stage) = p.stage {
                let from = match d.get(&ROOT, STAGE)? {
                    Some((v, _)) => v.to_str().unwrap_or("").to_string(),
                    None => String::new(),
                };
                d.put(ROOT, STAGE, stage.as_str())?;
                what.push(format!("stage {from} -> {stage}"));
                if stage != Stage::Lost {
                    put_opt(d, &ROOT, LOST_REASON, None)?;
                }
            }
            if let Some(deal) = &p.deal {
                write_deal(d, Some(deal))?;
                what.push(format!("deal {} on {} contract {}", deal.amount, deal.date, deal.contract_no));
                filled(d, &rapport_model::TO_FILL_DEAL, &mut what)?;
            }
            if let Some(r) = &p.lost_reason {
                set(d, LOST_REASON, Some(r), &mut what)?;
            }
            if let Some(text) = &p.notes {
                let notes = match d.get(&ROOT, NOTES)? {
                    Some((automerge::Value::Object(ObjType::Text), id)) => id,
                    _ => d.put_object(ROOT, NOTES, ObjType::Text)?,
                };
                d.update_text(&notes, text)?;
                what.push("notes edited".into());
            }
            if let Some(v) = p.priority {
                d.put(ROOT, PRIORITY, v)?;
                what.push(format!("priority = {v}"));
            }
            if !p.custom.is_empty() {
                let o = map_at(d, &ROOT, CUSTOM)?;
                for (k, v) in &p.custom {
                    put_opt(d, &o, k, v.as_deref())?;
                    what.push(format!("custom.{k} = {}", v.as_deref().unwrap_or("(removed)")));
                }
            }
            if !p.add_tags.is_empty() || !p.remove_tags.is_empty() {
                let o = map_at(d, &ROOT, TAGS)?;
                for t in &p.add_tags {
                    d.put(&o, t.trim(), true)?;
                    what.push(format!("tag +{t}"));
                }
                for t in &p.remove_tags {
                    put_opt(d, &o, t.trim(), None)?;
                    what.push(format!("tag -{t}"));
                }
            }
            Ok(what.join(", "))
        })
    }

    /// Archives (or restores) the customer.
    pub fn set_archived(&mut self, archived: bool, meta: ChangeMeta) -> Result<(), DocError> {
        self.change(meta, |d| {
            d.put(ROOT, ARCHIVED, archived)?;
            Ok(if archived { "archived".into() } else { "restored".into() })
        })
    }

    /// Adds a contact; making it primary clears the flag on the others.
    pub fn add_contact(&mut self, c: &Contact, meta: ChangeMeta) -> Result<(), DocError> {
        self.change(meta, |d| {
            let list = map_at(d, &ROOT, CONTACTS)?;
            if c.primary {
                clear_primary(d, &list)?;
            }
            write_contact(d, &list, c)?;
            Ok(format!("contact {} added", c.name))
        })
    }

    /// Edits a contact's fields one by one, so concurrent edits of other fields survive.
    pub fn edit_contact(&mut self, id: &str, p: &ContactPatch, meta: ChangeMeta) -> Result<(), DocError> {
        self.change(meta, |d| {
            let list = map_at(d, &ROOT, CONTACTS)?;
            let o = match d.get(&list, id)? {
                Some((automerge::Value::Object(ObjType::Map), o)) => o,
                _ => return Err(DocError::NoSuchItem { kind: "contact", id: id.to_string() }),
            };
            let mut what = Vec::new();
            if let Some(n) = &p.name {
                d.put(&o, "name", n.as_str())?;
                what.push(format!("name = {n}"));
            }
            for (k, v) in [("position", &p.position), ("phone", &p.phone), ("email", &p.email), ("wechat", &p.wechat)] {
                if let Some(v) = v {
                    put_opt(d, &o, k, v.as_deref())?;
                    // Contact data itself is not copied into history: history is shown
                    // to people who may not see unmasked contact data.
                    what.push(format!("{k} changed"));
                }
            }
            if let Some(pr) = p.primary {
                if pr {
                    clear_primary(d, &list)?;
                }
                d.put(&o, "primary", pr)?;
                what.push(format!("primary = {pr}"));
            }
            Ok(format!("contact {id}: {}", what.join(", ")))
        })
    }

    /// Adds a follow-up.
    pub fn add_interaction(&mut self, i: &Interaction, meta: ChangeMeta) -> Result<(), DocError> {
        self.change(meta, |d| {
            let list = map_at(d, &ROOT, INTERACTIONS)?;
            write_interaction(d, &list, i)?;
            Ok(format!("follow-up by {} ({})", i.channel, i.at.date()))
        })
    }

    /// Adds a service record.
    pub fn add_service(&mut self, s: &ServiceRecord, meta: ChangeMeta) -> Result<(), DocError> {
        self.change(meta, |d| {
            let list = map_at(d, &ROOT, SERVICE)?;
            write_service(d, &list, s)?;
            Ok(format!("service record ({}) added", s.kind))
        })
    }

    /// Adds an order.
    pub fn add_order(&mut self, o: &Order, meta: ChangeMeta) -> Result<(), DocError> {
        self.change(meta, |d| {
            let list = map_at(d, &ROOT, ORDERS)?;
            write_order(d, &list, o)?;
            Ok(format!("order {} on {} ({})", o.amount, o.date, o.category))
        })
    }

    /// Adds a task.
    pub fn add_task(&mut self, t: &Task, meta: ChangeMeta) -> Result<(), DocError> {
        self.change(meta, |d| {
            let list = map_at(d, &ROOT, TASKS)?;
            write_task(d, &list, t)?;
            Ok(format!("task `{}` for {} due {}", t.what, t.assignee, t.due))
        })
    }

    /// Marks a task done.
    pub fn complete_task(&mut self, id: &str, done: &TaskDone, meta: ChangeMeta) -> Result<(), DocError> {
        self.change(meta, |d| {
            let list = map_at(d, &ROOT, TASKS)?;
            let o = match d.get(&list, id)? {
                Some((automerge::Value::Object(ObjType::Map), o)) => o,
                _ => return Err(DocError::NoSuchItem { kind: "task", id: id.to_string() }),
            };
            write_done(d, &o, done)?;
            Ok(format!("task {id} done"))
        })
    }

    /// Takes in everything of `other` (a customer being merged into this one) as one
    /// change: every contact, follow-up, service record, order and task under its own
    /// item id, the fields this customer leaves empty, manual tags and custom fields it
    /// lacks, and an `absorbed` entry that keeps `other`'s number resolvable.
    ///
    /// Items already present are not rewritten, so repeating the merge (to pick up items
    /// added to `other` afterwards) only adds what is new. Every value comes from `other`
    /// alone, which is why the same merge made on two offline nodes converges to the same
    /// record: the only difference is two identical copies of an item, and readers see
    /// one of them.
    pub fn absorb(&mut self, other: &Customer, meta: ChangeMeta) -> Result<usize, DocError> {
        let mut added = 0usize;
        self.change(meta, |d| {
            let mine_has_primary = {
                let list = map_at(d, &ROOT, CONTACTS)?;
                d.keys(&list).count() > 0
            };
            macro_rules! copy_items {
                ($key:expr, $items:expr, $write:expr) => {{
                    let list = map_at(d, &ROOT, $key)?;
                    for item in $items {
                        if d.get(&list, item.id.0.as_str())?.is_none() {
                            $write(d, &list, item)?;
                            added += 1;
                        }
                    }
                }};
            }
            let contacts: Vec<Contact> = other
                .contacts
                .iter()
                .map(|c| Contact { primary: c.primary && !mine_has_primary, ..c.clone() })
                .collect();
            copy_items!(CONTACTS, &contacts, write_contact);
            copy_items!(INTERACTIONS, &other.interactions, write_interaction);
            copy_items!(SERVICE, &other.service_records, write_service);
            copy_items!(ORDERS, &other.orders, write_order);
            copy_items!(TASKS, &other.tasks, write_task);
            let fill = |d: &mut AutoCommit, obj: &ObjId, key: &str, v: Option<&str>| -> Result<(), DocError> {
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    if d.get(obj, key)?.is_none() {
                        d.put(obj, key, v)?;
                    }
                }
                Ok(())
            };
            fill(d, &ROOT, CREDIT_CODE, other.credit_code.as_deref())?;
            fill(d, &ROOT, SIZE, other.size.as_deref())?;
            fill(d, &ROOT, REVENUE_BAND, other.revenue_band.as_deref())?;
            let a = &other.address;
            let addr = map_at(d, &ROOT, ADDRESS)?;
            for (k, v) in ADDRESS_FIELDS.iter().zip([&a.province, &a.city, &a.district, &a.street]) {
                fill(d, &addr, k, v.as_deref())?;
            }
            let n = &other.needs;
            let c = &n.decision_chain;
            let needs = map_at(d, &ROOT, NEEDS)?;
            for (k, v) in NEEDS_FIELDS.iter().zip([
                &n.pain_points,
                &n.timeline,
                &n.budget,
                &c.purchaser,
                &c.evaluator,
                &c.approver,
            ]) {
                fill(d, &needs, k, v.as_deref())?;
            }
            let tags = map_at(d, &ROOT, TAGS)?;
            for t in &other.manual_tags {
                if d.get(&tags, t.as_str())?.is_none() {
                    d.put(&tags, t.as_str(), true)?;
                }
            }
            let custom = map_at(d, &ROOT, CUSTOM)?;
            for (k, v) in &other.custom {
                fill(d, &custom, k, Some(v))?;
            }
            if other.priority {
                d.put(ROOT, PRIORITY, true)?;
            }
            let absorbed = map_at(d, &ROOT, ABSORBED)?;
            let key = other.id.to_hex();
            if d.get(&absorbed, key.as_str())?.is_none() {
                let o = d.put_object(&absorbed, key.as_str(), ObjType::Map)?;
                d.put(&o, "number", other.number.as_str())?;
                d.put(&o, "name", other.name.as_str())?;
                if !other.notes.is_empty() {
                    d.put(&o, "notes", other.notes.as_str())?;
                }
            }
            Ok(format!("merged {} {} into this customer ({added} items taken over)", other.number, other.name))
        })?;
        Ok(added)
    }

    /// Marks this customer as merged into `into`: archived, and pointing at the survivor.
    pub fn merged_into(&mut self, into: &Customer, meta: ChangeMeta) -> Result<(), DocError> {
        self.change(meta, |d| {
            d.put(ROOT, MERGED_INTO, into.id.to_hex())?;
            d.put(ROOT, ARCHIVED, true)?;
            Ok(format!("merged into {} {}", into.number, into.name))
        })
    }

    /// Keeps this customer after two nodes merged it and `other` into each other at the
    /// same time (each merge archived the customer it absorbed): it no longer points
    /// anywhere and is active again. It already holds `other`'s items from its own merge.
    pub fn keep_after_opposite_merges(&mut self, other: &Customer, meta: ChangeMeta) -> Result<(), DocError> {
        self.change(meta, |d| {
            d.delete(ROOT, MERGED_INTO)?;
            d.put(ROOT, ARCHIVED, false)?;
            Ok(format!(
                "kept: {} {} was merged into this customer on one node while this customer was merged into it on another",
                other.number, other.name
            ))
        })
    }

    /// The other half of [`CustomerDoc::keep_after_opposite_merges`]: this customer stays
    /// merged into `survivor` and no longer lists `survivor` as absorbed into it.
    pub fn drop_opposite_merge(&mut self, survivor: &Customer, meta: ChangeMeta) -> Result<(), DocError> {
        self.change(meta, |d| {
            let absorbed = map_at(d, &ROOT, ABSORBED)?;
            d.delete(&absorbed, survivor.id.to_hex().as_str())?;
            Ok(format!(
                "merged into {} {}: the opposite merge made at the same time on another node is undone",
                survivor.number, survivor.name
            ))
        })
    }

    /// Records a change with no data, e.g. a merge of another customer.
    pub fn note_event(&mut self, what: &str, meta: ChangeMeta) {
        self.commit(meta, what.to_string());
    }
}

fn clear_primary(d: &mut AutoCommit, list: &ObjId) -> Result<(), DocError> {
    let keys: Vec<String> = d.keys(list).collect();
    for k in keys {
        if let Some((automerge::Value::Object(ObjType::Map), o)) = d.get(list, &k)? {
            if matches!(d.get(&o, "primary")?, Some((automerge::Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Boolean(true)))
            {
                d.put(&o, "primary", false)?;
            }
        }
    }
    Ok(())
}
