//! What every stored customer keeps, whoever wrote it.
//!
//! Local writes check their input with the rules in `input.rs`; documents also arrive from
//! peers and relays, written by any tool. [`Customer::check`] holds a stored customer to
//! the same field rules (the same validators), so a customer one node writes is a customer
//! every node and the relay accept, and one they refuse could not have been written here.
//!
//! Rules here are on single values, with one exception. Two members' valid edits merge
//! field by field, so a rule that ties fields together can be broken by a merge of two
//! valid edits; refusing that merge would stop the team. Such rules stay with the edits
//! that make them (`check_stage_change`). The exception: a won customer without a deal
//! record must say so in [`Customer::to_fill`] (`deal.amount` or `deal.date`). No edit
//! removes a deal once written (a stage change keeps it), so no merge of valid edits can
//! break this; only a document written by another tool can, and it is refused.

use crate::ValidationError;
use crate::{
    industry, validate_credit_code, validate_email, validate_phone, validate_tag, Customer, FieldError, TO_FILL_FIELDS,
};

/// Longest customer name, in characters (as `customer add` allows).
pub const MAX_NAME_CHARS: usize = 200;

fn required(errs: &mut Vec<FieldError>, field: &str, v: &str) {
    if v.trim().is_empty() {
        errs.push(FieldError::new(field, "is empty"));
    }
}

fn accepted(errs: &mut Vec<FieldError>, field: &str, r: Result<String, FieldError>) {
    if let Err(mut e) = r {
        e.field = field.to_string();
        errs.push(e);
    }
}

impl Customer {
    /// Whether the deal's amount or date is marked to fill, so the customer may be won
    /// without a deal record.
    pub fn deal_to_fill(&self) -> bool {
        self.to_fill.iter().any(|f| f == "deal.amount" || f == "deal.date")
    }

    /// Checks every value of a stored customer against the rules local input is held to.
    pub fn check(&self) -> Result<(), ValidationError> {
        let mut errs = Vec::new();
        required(&mut errs, "name", &self.name);
        if self.name.chars().count() > MAX_NAME_CHARS {
            errs.push(FieldError::new("name", format!("is longer than {MAX_NAME_CHARS} characters")));
        }
        required(&mut errs, "number", &self.number);
        if let Some(code) = &self.credit_code {
            accepted(&mut errs, "credit_code", validate_credit_code(code));
        }
        if let Err(e) = industry(&self.industry) {
            errs.push(e);
        }
        required(&mut errs, "source", &self.source);
        if let Some(d) = &self.deal {
            required(&mut errs, "deal.contract_no", &d.contract_no);
        }
        if self.stage == crate::Stage::Won && self.deal.is_none() && !self.deal_to_fill() {
            errs.push(FieldError::new(
                "deal",
                "a won customer needs its deal (amount, date, contract number), or the missing ones marked to fill",
            ));
        }
        // A flagged legacy customer (won without deal date, say) is valid: the flag is
        // what says so. Only the names are checked, so a document cannot carry junk there.
        for f in &self.to_fill {
            if !TO_FILL_FIELDS.contains(&f.as_str()) {
                errs.push(FieldError::new(
                    "to_fill",
                    format!("`{f}` is not a field that can be marked to fill ({})", TO_FILL_FIELDS.join(", ")),
                ));
            }
        }
        for tag in &self.manual_tags {
            if let Err(e) = validate_tag(tag) {
                errs.push(e);
            }
        }
        for c in &self.contacts {
            let at = |f: &str| format!("contacts.{}.{f}", c.id.0);
            required(&mut errs, &at("name"), &c.name);
            if let Some(p) = &c.phone {
                accepted(&mut errs, &at("phone"), validate_phone(p));
            }
            for p in &c.other_phones {
                accepted(&mut errs, &at("other_phones"), validate_phone(p));
            }
            if c.other_phones.len() > crate::MAX_OTHER_PHONES {
                errs.push(FieldError::new(
                    at("other_phones"),
                    format!("holds {} phones; at most {}", c.other_phones.len(), crate::MAX_OTHER_PHONES),
                ));
            }
            if let Some(e) = &c.email {
                accepted(&mut errs, &at("email"), validate_email(e));
            }
        }
        for i in &self.interactions {
            required(&mut errs, &format!("interactions.{}.summary", i.id.0), &i.summary);
        }
        for s in &self.service_records {
            required(&mut errs, &format!("service.{}.summary", s.id.0), &s.summary);
        }
        for o in &self.orders {
            required(&mut errs, &format!("orders.{}.category", o.id.0), &o.category);
        }
        for t in &self.tasks {
            required(&mut errs, &format!("tasks.{}.what", t.id.0), &t.what);
        }
        ValidationError::check(errs)
    }
}
