//! What an imported row brings to a customer the book already holds.
//!
//! A row matching an existing customer fills the fields the customer lacks (empty, `待补充`
//! or `未知`) and adds the contacts it does not have. Where the row and the customer hold
//! different values, each difference is reported as a [`ValueConflict`] and the stored value
//! is kept, unless the import was asked to let the file win (`--update`). Several rows
//! matching one customer build up one update, stored as one write.

use rapport_exchange::{Field, Fill, PlannedRow};
use rapport_model::{
    normalize_name, AddressPatch, Contact, ContactPatch, Customer, CustomerId, CustomerPatch, Deal, NeedsPatch, Stage,
};
use rapport_store::{CustomerUpdate, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A value of the sheet that differs from the one stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueConflict {
    /// Sheet row.
    pub row: u32,
    /// Column as headed in the file.
    pub column: String,
    /// The value the file holds (as it would be stored).
    pub file_value: String,
    /// The value the book holds.
    pub stored_value: String,
    /// True when the file's value replaced the stored one (`--update`).
    pub overwritten: bool,
}

/// Records a conflict: (field, file value, stored value, the row's updated columns).
type Report<'a> = dyn FnMut(&Field, String, String, &mut Vec<String>) + 'a;

/// Whether a value counts as absent: empty, or a marker the import itself writes.
fn blank(v: Option<&str>) -> bool {
    v.is_none_or(|v| {
        let v = v.trim();
        v.is_empty() || v == rapport_exchange::TO_FILL || v == rapport_exchange::UNKNOWN
    })
}

fn opt(v: &Option<String>) -> Option<&str> {
    v.as_deref()
}

/// A text field of the customer: how to read it on both sides and how to set it.
struct Slot {
    field: Field,
    stored: fn(&Customer) -> Option<&str>,
    file: fn(&rapport_model::NewCustomer) -> Option<&str>,
    set: fn(&mut Customer, &mut CustomerPatch, &str),
}

fn address(p: &mut CustomerPatch) -> &mut AddressPatch {
    p.address.get_or_insert_with(AddressPatch::default)
}

fn needs(p: &mut CustomerPatch) -> &mut NeedsPatch {
    p.needs.get_or_insert_with(NeedsPatch::default)
}

const SLOTS: &[Slot] = &[
    Slot {
        field: Field::Name,
        stored: |c| Some(&c.name),
        file: |n| Some(&n.name),
        set: |c, p, v| {
            c.name = v.into();
            p.name = Some(v.into());
        },
    },
    Slot {
        field: Field::CreditCode,
        stored: |c| opt(&c.credit_code),
        file: |n| opt(&n.credit_code),
        set: |c, p, v| {
            c.credit_code = Some(v.into());
            p.credit_code = Some(Some(v.into()));
        },
    },
    Slot {
        field: Field::Industry,
        stored: |c| Some(&c.industry),
        file: |n| opt(&n.industry),
        set: |c, p, v| {
            c.industry = v.into();
            p.industry = Some(v.into());
        },
    },
    Slot {
        field: Field::Size,
        stored: |c| opt(&c.size),
        file: |n| opt(&n.size),
        set: |c, p, v| {
            c.size = Some(v.into());
            p.size = Some(Some(v.into()));
        },
    },
    Slot {
        field: Field::RevenueBand,
        stored: |c| opt(&c.revenue_band),
        file: |n| opt(&n.revenue_band),
        set: |c, p, v| {
            c.revenue_band = Some(v.into());
            p.revenue_band = Some(Some(v.into()));
        },
    },
    Slot {
        field: Field::Province,
        stored: |c| opt(&c.address.province),
        file: |n| opt(&n.address.province),
        set: |c, p, v| {
            c.address.province = Some(v.into());
            address(p).province = Some(Some(v.into()));
        },
    },
    Slot {
        field: Field::City,
        stored: |c| opt(&c.address.city),
        file: |n| opt(&n.address.city),
        set: |c, p, v| {
            c.address.city = Some(v.into());
            address(p).city = Some(Some(v.into()));
        },
    },
    Slot {
        field: Field::District,
        stored: |c| opt(&c.address.district),
        file: |n| opt(&n.address.district),
        set: |c, p, v| {
            c.address.district = Some(v.into());
            address(p).district = Some(Some(v.into()));
        },
    },
    Slot {
        field: Field::Street,
        stored: |c| opt(&c.address.street),
        file: |n| opt(&n.address.street),
        set: |c, p, v| {
            c.address.street = Some(v.into());
            address(p).street = Some(Some(v.into()));
        },
    },
    Slot {
        field: Field::Source,
        stored: |c| Some(&c.source),
        file: |n| opt(&n.source),
        set: |c, p, v| {
            c.source = v.into();
            p.source = Some(v.into());
        },
    },
    Slot {
        field: Field::Owner,
        stored: |c| Some(&c.owner),
        file: |n| opt(&n.owner),
        set: |c, p, v| {
            c.owner = v.into();
            p.owner = Some(v.into());
        },
    },
    Slot {
        field: Field::Notes,
        stored: |c| Some(&c.notes),
        file: |n| opt(&n.notes),
        set: |c, p, v| {
            c.notes = v.into();
            p.notes = Some(v.into());
        },
    },
    Slot {
        field: Field::PainPoints,
        stored: |c| opt(&c.needs.pain_points),
        file: |n| opt(&n.needs.pain_points),
        set: |c, p, v| {
            c.needs.pain_points = Some(v.into());
            needs(p).pain_points = Some(Some(v.into()));
        },
    },
    Slot {
        field: Field::Timeline,
        stored: |c| opt(&c.needs.timeline),
        file: |n| opt(&n.needs.timeline),
        set: |c, p, v| {
            c.needs.timeline = Some(v.into());
            needs(p).timeline = Some(Some(v.into()));
        },
    },
    Slot {
        field: Field::Budget,
        stored: |c| opt(&c.needs.budget),
        file: |n| opt(&n.needs.budget),
        set: |c, p, v| {
            c.needs.budget = Some(v.into());
            needs(p).budget = Some(Some(v.into()));
        },
    },
    Slot {
        field: Field::Purchaser,
        stored: |c| opt(&c.needs.decision_chain.purchaser),
        file: |n| opt(&n.needs.decision_chain.purchaser),
        set: |c, p, v| {
            c.needs.decision_chain.purchaser = Some(v.into());
            needs(p).purchaser = Some(Some(v.into()));
        },
    },
    Slot {
        field: Field::Evaluator,
        stored: |c| opt(&c.needs.decision_chain.evaluator),
        file: |n| opt(&n.needs.decision_chain.evaluator),
        set: |c, p, v| {
            c.needs.decision_chain.evaluator = Some(v.into());
            needs(p).evaluator = Some(Some(v.into()));
        },
    },
    Slot {
        field: Field::Approver,
        stored: |c| opt(&c.needs.decision_chain.approver),
        file: |n| opt(&n.needs.decision_chain.approver),
        set: |c, p, v| {
            c.needs.decision_chain.approver = Some(v.into());
            needs(p).approver = Some(Some(v.into()));
        },
    },
];

/// Whether two values are the same for this field (names compare normalised).
fn same(field: &Field, a: &str, b: &str) -> bool {
    match field {
        Field::Name => normalize_name(a) == normalize_name(b),
        _ => a.trim() == b.trim(),
    }
}

fn deal_text(d: &Deal) -> String {
    format!("{} on {} contract {}", d.amount, d.date, d.contract_no)
}

/// The update being built for one existing customer.
pub(crate) struct Pending {
    id: CustomerId,
    /// The customer as it will be once the update is stored.
    working: Customer,
    patch: CustomerPatch,
    add_contacts: Vec<Contact>,
    edit_contacts: BTreeMap<String, ContactPatch>,
    add_interactions: Vec<rapport_model::Interaction>,
}

/// What one row did to its customer.
pub(crate) struct RowOutcome {
    /// Columns whose value the row filled in (or overwrote).
    pub fields: Vec<String>,
    /// Contacts added.
    pub contacts_added: usize,
    /// Follow-ups added from the sheet's follow-up columns.
    pub follow_ups_added: usize,
}

impl Pending {
    pub(crate) fn new(id: CustomerId, existing: Customer) -> Pending {
        Pending {
            id,
            working: existing,
            patch: CustomerPatch::default(),
            add_contacts: Vec::new(),
            edit_contacts: BTreeMap::new(),
            add_interactions: Vec::new(),
        }
    }

    /// Whether the rows taken so far change the customer.
    pub(crate) fn changes(&self) -> bool {
        !self.patch.is_empty()
            || !self.add_contacts.is_empty()
            || !self.edit_contacts.is_empty()
            || !self.add_interactions.is_empty()
    }

    /// The update to store, `None` when the rows brought nothing.
    pub(crate) fn into_update(self) -> Option<CustomerUpdate> {
        let patch = (!self.patch.is_empty()).then_some(self.patch);
        if patch.is_none()
            && self.add_contacts.is_empty()
            && self.edit_contacts.is_empty()
            && self.add_interactions.is_empty()
        {
            return None;
        }
        Some(CustomerUpdate {
            id: self.id,
            patch,
            add_contacts: self.add_contacts,
            edit_contacts: self.edit_contacts.into_iter().collect(),
            add_interactions: self.add_interactions,
        })
    }

    /// Takes what `r` brings: fills empty fields, reports (or with `overwrite` applies)
    /// differing ones, adds or completes contacts.
    pub(crate) fn take_row(
        &mut self,
        r: &PlannedRow,
        labels: &dyn Fn(&Field) -> String,
        overwrite: bool,
        (author, now): (&str, rapport_model::DateTime),
        conflicts: &mut Vec<ValueConflict>,
    ) -> Result<RowOutcome, StoreError> {
        let mut fields = Vec::new();
        let mut conflict = |field: &Field, file: String, stored: String, fields: &mut Vec<String>| {
            let column = labels(field);
            if overwrite {
                fields.push(column.clone());
            }
            conflicts.push(ValueConflict {
                row: r.row,
                column,
                file_value: file,
                stored_value: stored,
                overwritten: overwrite,
            });
        };
        let defaulted = |f: &Field| r.filled.iter().any(|x| &x.field == f && x.why != Fill::Dropped);
        let new = &r.new;

        if let Some(kind) = new.kind.filter(|k| *k != self.working.kind && !defaulted(&Field::Kind)) {
            conflict(&Field::Kind, kind.as_str().into(), self.working.kind.as_str().into(), &mut fields);
            if overwrite {
                self.working.kind = kind;
                self.patch.kind = Some(kind);
            }
        }
        for slot in SLOTS {
            if defaulted(&slot.field) {
                continue;
            }
            let file = (slot.file)(new);
            if blank(file) {
                continue;
            }
            let file = file.unwrap_or_default().trim().to_string();
            let stored = (slot.stored)(&self.working);
            if blank(stored) {
                (slot.set)(&mut self.working, &mut self.patch, &file);
                fields.push(labels(&slot.field));
            } else {
                let stored = stored.unwrap_or_default().to_string();
                if !same(&slot.field, &file, &stored) {
                    conflict(&slot.field, file.clone(), stored, &mut fields);
                    if overwrite {
                        (slot.set)(&mut self.working, &mut self.patch, &file);
                    }
                }
            }
        }
        self.take_stage(r, labels, overwrite, &mut fields, &mut conflict);
        if new.priority && !self.working.priority {
            self.working.priority = true;
            self.patch.priority = Some(true);
            fields.push(labels(&Field::Priority));
        }
        let tags: Vec<&String> = new.tags.iter().filter(|t| !self.working.manual_tags.contains(t.trim())).collect();
        if !tags.is_empty() {
            for t in tags {
                self.working.manual_tags.insert(t.trim().to_string());
                self.patch.add_tags.insert(t.clone());
            }
            fields.push(labels(&Field::Tags));
        }
        for (k, v) in &new.custom {
            let field = Field::Custom(k.clone());
            match self.working.custom.get(k) {
                Some(s) if !blank(Some(s)) => {
                    if s.trim() != v.trim() {
                        conflict(&field, v.clone(), s.clone(), &mut fields);
                        if overwrite {
                            self.working.custom.insert(k.clone(), v.clone());
                            self.patch.custom.insert(k.clone(), Some(v.clone()));
                        }
                    }
                }
                _ if blank(Some(v)) => {}
                _ => {
                    self.working.custom.insert(k.clone(), v.clone());
                    self.patch.custom.insert(k.clone(), Some(v.clone()));
                    fields.push(labels(&field));
                }
            }
        }
        let mut contacts_added = 0;
        for nc in &new.contacts {
            let c = nc.validate()?;
            if self.take_contact(c, labels, overwrite, &mut fields, &mut conflict) {
                contacts_added += 1;
            }
        }
        // Follow-up columns: a follow-up the customer already has (same time and text, as a
        // re-imported sheet brings) is not added twice.
        let mut follow_ups_added = 0;
        for f in &new.follow_ups {
            let i = f.validate(author, now)?;
            let held = |x: &rapport_model::Interaction| x.at == i.at && x.summary == i.summary;
            if !self.working.interactions.iter().any(held) && !self.add_interactions.iter().any(held) {
                self.working.interactions.push(i.clone());
                self.add_interactions.push(i);
                follow_ups_added += 1;
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        fields.retain(|f| seen.insert(f.clone()));
        Ok(RowOutcome { fields, contacts_added, follow_ups_added })
    }

    /// Stage, deal and lost reason: a deal fills a won customer lacking one; a different
    /// stage or deal is a conflict.
    fn take_stage(
        &mut self,
        r: &PlannedRow,
        labels: &dyn Fn(&Field) -> String,
        overwrite: bool,
        fields: &mut Vec<String>,
        conflict: &mut Report<'_>,
    ) {
        let new = &r.new;
        let Some(stage) = new.stage else { return };
        if stage != self.working.stage {
            conflict(&Field::Stage, stage.as_str().into(), self.working.stage.as_str().into(), fields);
            if overwrite {
                self.working.stage = stage;
                self.patch.stage = Some(stage);
                self.patch.deal.clone_from(&new.deal);
                self.patch.lost_reason.clone_from(&new.lost_reason);
                self.working.deal.clone_from(&new.deal);
            }
            return;
        }
        // Only a won customer's deal can be set (a lost one keeps the deal it had).
        if let Some(d) = new.deal.as_ref().filter(|d| self.working.deal.as_ref() != Some(d)) {
            let fill = self.working.deal.as_ref().is_none_or(deal_to_fill);
            if !fill {
                let stored = self.working.deal.as_ref().map(deal_text).unwrap_or_default();
                conflict(&Field::DealAmount, deal_text(d), stored, fields);
            }
            if stage == Stage::Won && (fill || overwrite) {
                self.working.deal = Some(d.clone());
                self.patch.deal = Some(d.clone());
                if fill {
                    fields.push(labels(&Field::DealAmount));
                }
            }
        }
        if stage == Stage::Lost {
            if let (Some(file), stored) = (&new.lost_reason, &self.working.lost_reason) {
                if blank(stored.as_deref()) {
                    self.working.lost_reason = Some(file.clone());
                    self.patch.lost_reason = Some(file.clone());
                    fields.push(labels(&Field::LostReason));
                }
            }
        }
    }

    /// Adds `c` when the customer has no contact with its phone, email or name; otherwise
    /// fills that contact's empty fields and reports differing ones. True when added.
    fn take_contact(
        &mut self,
        c: Contact,
        labels: &dyn Fn(&Field) -> String,
        overwrite: bool,
        fields: &mut Vec<String>,
        conflict: &mut Report<'_>,
    ) -> bool {
        let matches = |e: &Contact| {
            (c.phone.is_some() && e.phone == c.phone)
                || (c.email.is_some() && e.email == c.email)
                || (!blank(Some(&c.name)) && normalize_name(&e.name) == normalize_name(&c.name))
        };
        let Some(at) = self.working.contacts.iter().position(matches) else {
            let primary = self.working.contacts.is_empty();
            let c = Contact { primary, ..c };
            self.working.contacts.push(c.clone());
            self.add_contacts.push(c);
            return true;
        };
        let pending_add = self.add_contacts.iter().position(|a| a.id == self.working.contacts[at].id);
        let existing = &mut self.working.contacts[at];
        let mut patch = ContactPatch::default();
        let name_placeholder = blank(Some(&existing.name));
        if name_placeholder && !blank(Some(&c.name)) {
            existing.name.clone_from(&c.name);
            patch.name = Some(c.name.clone());
            fields.push(labels(&Field::ContactName));
        }
        type Part<'c> = (Field, fn(&mut Contact) -> &mut Option<String>, &'c Option<String>);
        let parts: [Part<'_>; 4] = [
            (Field::ContactPosition, |x| &mut x.position, &c.position),
            (Field::ContactPhone, |x| &mut x.phone, &c.phone),
            (Field::ContactEmail, |x| &mut x.email, &c.email),
            (Field::ContactWechat, |x| &mut x.wechat, &c.wechat),
        ];
        let mut changed: Vec<(Field, String)> = Vec::new();
        for (field, get, file) in parts {
            let Some(file) = file.as_deref().filter(|v| !blank(Some(v))) else { continue };
            let slot = get(existing);
            match slot.as_deref() {
                s if blank(s) => {
                    *slot = Some(file.to_string());
                    changed.push((field.clone(), file.to_string()));
                    fields.push(labels(&field));
                }
                Some(s) if s != file => {
                    conflict(&field, file.to_string(), s.to_string(), fields);
                    if overwrite {
                        *slot = Some(file.to_string());
                        changed.push((field.clone(), file.to_string()));
                    }
                }
                _ => {}
            }
        }
        for (field, v) in changed {
            let v = Some(Some(v));
            match field {
                Field::ContactPosition => patch.position = v,
                Field::ContactPhone => patch.phone = v,
                Field::ContactEmail => patch.email = v,
                _ => patch.wechat = v,
            }
        }
        let updated = existing.clone();
        match pending_add {
            // A contact this import adds anyway: add it complete.
            Some(i) => self.add_contacts[i] = updated,
            None if patch.name.is_some()
                || patch.position.is_some()
                || patch.phone.is_some()
                || patch.email.is_some()
                || patch.wechat.is_some() =>
            {
                let e = self.edit_contacts.entry(updated.id.0.clone()).or_default();
                merge_contact_patch(e, patch);
            }
            None => {}
        }
        false
    }
}

/// A won deal the import marked to fill in later counts as absent.
fn deal_to_fill(d: &Deal) -> bool {
    blank(Some(&d.contract_no)) && d.amount.fen() <= 0
}

fn merge_contact_patch(into: &mut ContactPatch, p: ContactPatch) {
    if p.name.is_some() {
        into.name = p.name;
    }
    if p.position.is_some() {
        into.position = p.position;
    }
    if p.phone.is_some() {
        into.phone = p.phone;
    }
    if p.email.is_some() {
        into.email = p.email;
    }
    if p.wechat.is_some() {
        into.wechat = p.wechat;
    }
}
