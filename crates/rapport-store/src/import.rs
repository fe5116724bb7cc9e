//! Storing an imported sheet: finding which rows are customers the book already holds,
//! and writing every new customer and every added contact in one transaction, so an
//! import is applied whole or not at all.

use crate::index::{text_key, IndexKind};
use crate::ops::Actor;
use crate::tables::*;
use crate::write::DocBytes;
use crate::{Store, StoreError};
use rapport_doc::ChangeMeta;
use rapport_model::{Contact, ContactPatch, Customer, CustomerId, CustomerPatch};
use redb::{ReadableMultimapTable, ReadableTable};
use serde::{Deserialize, Serialize};

/// How an imported row was recognised as a customer the book already holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The customer number (a re-imported export).
    Number,
    /// The unified social credit code.
    CreditCode,
    /// The normalised name.
    Name,
}

/// What an import changes on a customer the book already holds: values the sheet filled
/// in (or, asked to, overwrote), contacts it added and contacts whose empty fields it filled.
/// Stored as one write of the customer, in the import's transaction.
#[derive(Clone, Debug)]
pub struct CustomerUpdate {
    /// The customer.
    pub id: CustomerId,
    /// Its own fields to set; checked against the record as stored when written.
    pub patch: Option<CustomerPatch>,
    /// Contacts to add.
    pub add_contacts: Vec<Contact>,
    /// Contacts to change, by item id.
    pub edit_contacts: Vec<(String, ContactPatch)>,
    /// Follow-ups to add (from the sheet's follow-up columns).
    pub add_interactions: Vec<rapport_model::Interaction>,
}

/// What identifies an imported row: its number, credit code and normalised name.
#[derive(Clone, Debug, Default)]
pub struct RowKeys {
    /// Customer number, if the sheet has one.
    pub number: Option<String>,
    /// Credit code, if any.
    pub credit_code: Option<String>,
    /// Normalised name (see `normalize_name`).
    pub name: String,
}

impl Store {
    /// For each row, the customer already in the book it matches (by number, then credit
    /// code, then normalised name), read in one transaction.
    pub fn match_existing(&self, rows: &[RowKeys]) -> Result<Vec<Option<(CustomerId, MatchedBy)>>, StoreError> {
        let txn = self.db().begin_read()?;
        let numbers = txn.open_table(NUMBERS)?;
        let ids = txn.open_table(IDS)?;
        let index = txn.open_multimap_table(INDEX)?;
        let first = |key: Vec<u8>| -> Result<Option<CustomerId>, StoreError> {
            let mut rows = index.get(key.as_slice())?;
            match rows.next() {
                Some(r) => Ok(id_at(&ids, r?.value())?),
                None => Ok(None),
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let by_number = match &r.number {
                Some(n) => match numbers.get(n.as_str())? {
                    Some(row) => id_at(&ids, row.value())?,
                    None => None,
                },
                None => None,
            };
            let found = match by_number {
                Some(id) => Some((id, MatchedBy::Number)),
                None => match &r.credit_code {
                    Some(cc) => first(text_key(IndexKind::CreditCode, cc))?.map(|id| (id, MatchedBy::CreditCode)),
                    None => None,
                },
            };
            let found = match found {
                Some(f) => Some(f),
                None if !r.name.is_empty() => {
                    first(text_key(IndexKind::Name, &r.name))?.map(|id| (id, MatchedBy::Name))
                }
                None => None,
            };
            out.push(found);
        }
        Ok(out)
    }

    /// Writes an import in one durable transaction: every customer in `create` (numbers
    /// minted for those without one; a number from the sheet is kept when it is a valid
    /// customer number no one here holds) and every update of an existing customer (one
    /// write each, its history naming `by` and the reason `what`). Nothing is written if
    /// any part fails, a patch the record as stored refuses included. Returns the numbers of
    /// the created customers, in order. `progress` hears (customers stored, customers to
    /// store) as the work goes.
    pub fn import(
        &self,
        mut create: Vec<Customer>,
        updates: Vec<CustomerUpdate>,
        by: &Actor,
        what: &str,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Vec<String>, StoreError> {
        let txn = self.db().begin_write()?;
        {
            let numbers = txn.open_table(NUMBERS)?;
            for c in create.iter_mut() {
                if !c.number.is_empty() {
                    let valid = looks_like_number(&c.number);
                    if !valid || numbers.get(c.number.as_str())?.is_some() {
                        c.number.clear();
                    }
                }
            }
        }
        let unnumbered = create.iter().filter(|c| c.number.is_empty()).count() as u64;
        if unnumbered > 0 {
            let first = self.mint_number(&txn, unnumbered)?;
            for (seq, c) in (first..).zip(create.iter_mut().filter(|c| c.number.is_empty())) {
                c.number = self.number_for(c, seq);
            }
        }
        // Build in slices, each customer dropped once written, so neither the packed
        // documents nor the customers of a huge sheet are all held at once.
        const SLICE: usize = 2000;
        let mut numbers = Vec::with_capacity(create.len());
        let total = create.len() as u64;
        let mut rest = create.into_iter();
        loop {
            let slice: Vec<Customer> = rest.by_ref().take(SLICE).collect();
            if slice.is_empty() {
                break;
            }
            for b in self.build_new(&slice, &by.name, by.now) {
                let (c, bytes, derived, heads) = b?;
                self.write_state(&txn, &c, DocBytes::Full(&bytes), Some(derived), &heads)?;
                numbers.push(c.number);
            }
            progress(numbers.len() as u64, total);
        }
        let updated = updates.len() as u64;
        for u in updates {
            self.write_update(&txn, u, by, what)?;
        }
        txn.commit()?;
        self.after_bulk(numbers.len() as u64 + updated);
        Ok(numbers)
    }
}

impl Store {
    /// Applies one [`CustomerUpdate`] inside `txn` and stores the customer once.
    fn write_update(
        &self,
        txn: &redb::WriteTransaction,
        u: CustomerUpdate,
        by: &Actor,
        what: &str,
    ) -> Result<(), StoreError> {
        let meta = || ChangeMeta::new(&by.name, by.now).because(Some(what.to_string()));
        let mut doc = self.load_for_edit(txn, u.id)?;
        let heads = doc.heads();
        let before = doc.read()?;
        if let Some(patch) = u.patch.filter(|p| !p.is_empty()) {
            let current = doc.read()?;
            let patch = patch.validate(&current)?;
            doc.apply_patch(&patch, meta())?;
        }
        for (item, patch) in &u.edit_contacts {
            let patch = patch.validate()?;
            doc.edit_contact(item, &patch, meta())?;
        }
        for ct in &u.add_contacts {
            doc.add_contact(ct, meta())?;
        }
        for i in &u.add_interactions {
            doc.add_interaction(i, meta())?;
        }
        self.write_edited(txn, u.id, &mut doc, &heads, Some(&before))?;
        Ok(())
    }
}

/// Whether `s` has the shape of a customer number (`MFG-2026-K3Q7MX-007`): a sheet's number
/// is only kept when it could have been minted by a node.
fn looks_like_number(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    matches!(parts.as_slice(), [prefix, year, device, seq]
        if (2..=4).contains(&prefix.len()) && prefix.chars().all(|c| c.is_ascii_uppercase())
            && year.len() == 4 && year.chars().all(|c| c.is_ascii_digit())
            && !device.is_empty() && device.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && !seq.is_empty() && seq.chars().all(|c| c.is_ascii_digit()))
}
