//! The operations people and scripts perform on a customer book, shared by the command
//! line and the HTTP API so both accept and refuse exactly the same things.
//!
//! Each operation validates its input against the current record inside the write
//! transaction, applies it as one Automerge change with who, when and why, and returns
//! the customer as stored. Stage changes and contact-data edits need a reason.

use crate::{Store, StoreError};
use rapport_doc::{ChangeMeta, CustomerDoc, DocError};
use rapport_model::*;
use redb::ReadableTable;

/// Who is acting and when.
#[derive(Clone, Debug)]
pub struct Actor {
    /// Member name.
    pub name: String,
    /// Their wall clock.
    pub now: DateTime,
}

impl Actor {
    fn meta(&self, why: Option<String>) -> ChangeMeta {
        ChangeMeta::new(&self.name, self.now).because(why)
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> StoreError {
    StoreError::Invalid(FieldError::new(field, reason).into())
}

fn reason_or(why: Option<String>, what: &str) -> Result<String, StoreError> {
    match why.map(|w| w.trim().to_string()).filter(|w| !w.is_empty()) {
        Some(w) => Ok(w),
        None => Err(invalid("reason", format!("is required when changing {what}"))),
    }
}

impl Store {
    /// Creates a customer from validated input; the store mints its number.
    pub fn add_customer(&self, new: &NewCustomer, by: &Actor) -> Result<Customer, StoreError> {
        let c = new.validate(&by.name, by.now)?;
        self.create(c, by.meta(None))
    }

    /// Changes a customer's own fields; a stage change needs `why`.
    pub fn patch_customer(
        &self,
        id: CustomerId,
        patch: &CustomerPatch,
        why: Option<String>,
        by: &Actor,
    ) -> Result<Customer, StoreError> {
        let patch = patch.clone();
        let by = by.clone();
        self.edit(
            id,
            Box::new(move |d: &mut CustomerDoc, cur: &Customer| {
                let p = patch.validate(cur)?;
                let why = if p.needs_reason(cur) { Some(reason_or(why, "the stage")?) } else { why };
                Ok(d.apply_patch(&p, by.meta(why))?)
            }),
        )
    }

    /// Archives or restores a customer.
    pub fn set_archived(
        &self,
        id: CustomerId,
        archived: bool,
        why: Option<String>,
        by: &Actor,
    ) -> Result<Customer, StoreError> {
        let by = by.clone();
        self.edit(
            id,
            Box::new(move |d: &mut CustomerDoc, cur: &Customer| {
                if cur.archived == archived {
                    let state = if archived { "is already archived" } else { "is not archived" };
                    return Err(invalid("archived", format!("customer {} {state}", cur.number)));
                }
                Ok(d.set_archived(archived, by.meta(why))?)
            }),
        )
    }

    /// Adds a contact.
    pub fn add_contact(
        &self,
        id: CustomerId,
        new: &NewContact,
        why: Option<String>,
        by: &Actor,
    ) -> Result<(Customer, ItemId), StoreError> {
        let contact = new.validate()?;
        let item = contact.id.clone();
        let by = by.clone();
        let c = self
            .edit(id, Box::new(move |d: &mut CustomerDoc, _: &Customer| Ok(d.add_contact(&contact, by.meta(why))?)))?;
        Ok((c, item))
    }

    /// Edits a contact found by id or name; contact data changes need `why`.
    pub fn edit_contact(
        &self,
        id: CustomerId,
        contact: &str,
        patch: &ContactPatch,
        why: Option<String>,
        by: &Actor,
    ) -> Result<Customer, StoreError> {
        let patch = patch.validate()?;
        let why = reason_or(why, "contact data")?;
        let contact = contact.to_string();
        let by = by.clone();
        self.edit(
            id,
            Box::new(move |d: &mut CustomerDoc, cur: &Customer| {
                let item = cur
                    .find_contact(&contact)
                    .ok_or_else(|| DocError::NoSuchItem { kind: "contact", id: contact.clone() })?
                    .id
                    .0
                    .clone();
                Ok(d.edit_contact(&item, &patch, by.meta(Some(why)))?)
            }),
        )
    }

    /// Records a follow-up.
    pub fn add_interaction(
        &self,
        id: CustomerId,
        new: &NewInteraction,
        by: &Actor,
    ) -> Result<(Customer, ItemId), StoreError> {
        let i = new.validate(&by.name, by.now)?;
        let item = i.id.clone();
        let by = by.clone();
        let c = self
            .edit(id, Box::new(move |d: &mut CustomerDoc, _: &Customer| Ok(d.add_interaction(&i, by.meta(None))?)))?;
        Ok((c, item))
    }

    /// Records a service case.
    pub fn add_service(
        &self,
        id: CustomerId,
        new: &NewServiceRecord,
        by: &Actor,
    ) -> Result<(Customer, ItemId), StoreError> {
        let s = new.validate(by.now)?;
        let item = s.id.clone();
        let by = by.clone();
        let c =
            self.edit(id, Box::new(move |d: &mut CustomerDoc, _: &Customer| Ok(d.add_service(&s, by.meta(None))?)))?;
        Ok((c, item))
    }

    /// Records an order.
    pub fn add_order(&self, id: CustomerId, new: &NewOrder, by: &Actor) -> Result<(Customer, ItemId), StoreError> {
        let o = new.validate(by.now.date())?;
        let item = o.id.clone();
        let by = by.clone();
        let c =
            self.edit(id, Box::new(move |d: &mut CustomerDoc, _: &Customer| Ok(d.add_order(&o, by.meta(None))?)))?;
        Ok((c, item))
    }

    /// Adds a task.
    pub fn add_task(&self, id: CustomerId, new: &NewTask, by: &Actor) -> Result<(Customer, ItemId), StoreError> {
        let t = new.validate(&by.name)?;
        let item = t.id.clone();
        let by = by.clone();
        let c = self.edit(id, Box::new(move |d: &mut CustomerDoc, _: &Customer| Ok(d.add_task(&t, by.meta(None))?)))?;
        Ok((c, item))
    }

    /// Marks a task done; refuses one already done.
    pub fn complete_task(
        &self,
        id: CustomerId,
        task: &str,
        done: &TaskCompletion,
        by: &Actor,
    ) -> Result<Customer, StoreError> {
        let task = task.to_string();
        let record = done.at(by.now);
        let by = by.clone();
        self.edit(
            id,
            Box::new(move |d: &mut CustomerDoc, cur: &Customer| {
                match cur.tasks.iter().find(|t| t.id.0 == task) {
                    None => return Err(DocError::NoSuchItem { kind: "task", id: task.clone() }.into()),
                    Some(t) if t.done.is_some() => return Err(invalid("task", format!("`{task}` is already done"))),
                    Some(_) => {}
                }
                Ok(d.complete_task(&task, &record, by.meta(None))?)
            }),
        )
    }
}

/// What a merge did.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MergeOutcome {
    /// The surviving customer, with everything taken over.
    pub survivor: Customer,
    /// Number of the customer merged away; it keeps resolving to the survivor.
    pub absorbed_number: String,
    /// Contacts, follow-ups, service records, orders and tasks taken over by this merge
    /// (0 when repeating a merge that had nothing new to take).
    pub items_taken: usize,
}

impl Store {
    /// Merges customer `absorbed` into `survivor` in one transaction: the survivor takes
    /// every item and the fields it lacks, the absorbed customer is archived and points at
    /// the survivor, and its number becomes an alias of the survivor. Repeating a merge
    /// takes over items added to the absorbed customer since.
    pub fn merge_customers(
        &self,
        survivor: CustomerId,
        absorbed: CustomerId,
        why: Option<String>,
        by: &Actor,
    ) -> Result<MergeOutcome, StoreError> {
        if survivor == absorbed {
            return Err(invalid("customers", "a customer cannot be merged into itself"));
        }
        let txn = self.db().begin_write()?;
        let mut keep = self.load_for_edit(&txn, survivor)?;
        let mut gone = self.load_for_edit(&txn, absorbed)?;
        let (k, g) = (keep.read()?, gone.read()?);
        if let Some(next) = k.merged_into {
            return Err(invalid(
                "into",
                format!("customer {} was itself merged into {next}; merge into that customer instead", k.number),
            ));
        }
        if let Some(other) = g.merged_into.filter(|o| *o != survivor) {
            return Err(invalid("customer", format!("customer {} was already merged into {other}", g.number)));
        }
        let (heads_keep, heads_gone) = (keep.heads(), gone.heads());
        let items_taken = keep.absorb(&g, by.meta(why.clone()))?;
        let survivor_now = keep.read()?;
        if g.merged_into.is_none() {
            gone.merged_into(&survivor_now, by.meta(why))?;
        }
        self.write_edited(&txn, absorbed, &mut gone, &heads_gone, Some(&g))?;
        let survivor = self.write_edited(&txn, survivor, &mut keep, &heads_keep, Some(&k))?;
        txn.commit()?;
        Ok(MergeOutcome { survivor, absorbed_number: g.number, items_taken })
    }
}

impl Store {
    /// Repairs opposite merges (see below) among customers that just arrived by sync, in
    /// one durable transaction; returns how many pairs were repaired. Called after the
    /// sync has recorded what the peer holds, so the repair is a local change like any
    /// other and goes out with the next push.
    pub fn repair_opposite_merges_among(&self, ids: &[CustomerId]) -> Result<usize, StoreError> {
        // Only an archived customer can be half of such a pair; the list row says so
        // without loading the document.
        let archived: Vec<CustomerId> = {
            let txn = self.db().begin_read()?;
            let rows = txn.open_table(crate::tables::ROWS)?;
            let sums = txn.open_table(crate::tables::SUMMARY)?;
            let mut out = Vec::new();
            for id in ids {
                let Some(row) = crate::tables::row_of(&rows, *id)? else { continue };
                if let Some(v) = sums.get(row)? {
                    if postcard::from_bytes::<crate::Summary>(v.value())?.archived {
                        out.push(*id);
                    }
                }
            }
            out
        };
        if archived.is_empty() {
            return Ok(0);
        }
        let txn = self.db().begin_write()?;
        let mut repaired = 0;
        for id in archived {
            if self.repair_opposite_merges(&txn, id)? {
                repaired += 1;
            }
        }
        if repaired == 0 {
            txn.abort()?;
        } else {
            txn.commit()?;
        }
        Ok(repaired)
    }

    /// Two nodes merged `a` and another customer into each other at the same time; after
    /// sync each is archived and points at the other. Inside `txn`, keeps the one with the
    /// smaller id (every node picks the same one, so repairs made on several nodes agree)
    /// and undoes the opposite merge on the other. It already holds every item of both,
    /// from its own merge. Returns false, writing nothing, unless `a` is half of such a pair.
    fn repair_opposite_merges(&self, txn: &redb::WriteTransaction, a: CustomerId) -> Result<bool, StoreError> {
        let da = self.load_for_edit(txn, a)?;
        let ca = da.read()?;
        let Some(b) = ca.merged_into else { return Ok(false) };
        let db = match self.load_for_edit(txn, b) {
            Ok(d) => d,
            // The customer it was merged into has not arrived here yet.
            Err(StoreError::NotFound(_)) => return Ok(false),
            Err(e) => return Err(e),
        };
        let cb = db.read()?;
        if cb.merged_into != Some(a) {
            return Ok(false);
        }
        let (mut keep, mut gone, k, g) = if a.0 < b.0 { (da, db, ca, cb) } else { (db, da, cb, ca) };
        let now = chrono::Local::now().naive_local();
        let meta =
            || ChangeMeta::new(&self.identity().member_name, chrono::Timelike::with_nanosecond(&now, 0).unwrap_or(now));
        let (heads_keep, heads_gone) = (keep.heads(), gone.heads());
        keep.keep_after_opposite_merges(&g, meta())?;
        gone.drop_opposite_merge(&k, meta())?;
        // The survivor is written last: its numbers (its own, and the other's as an alias)
        // replace the alias the other's undone merge had claimed.
        self.write_edited(txn, g.id, &mut gone, &heads_gone, None)?;
        self.write_edited(txn, k.id, &mut keep, &heads_keep, None)?;
        Ok(true)
    }
}
