//! What a customer document must be before any store keeps it, whoever wrote it.
//!
//! The same checks run in three places: after every local write, before a node adopts a
//! document from a relay or a peer, and on the relay before it stores a push. A document
//! one of them accepts is one all of them accept, so a member with a token and a tool that
//! writes Automerge directly can no more break the team than the `rapport` command can.
//! (The settings document's rules are in `settings.rs` and in the rules crate, which parses
//! rule conditions and tier settings.)

use crate::schema::{ID, NUMBER, SCHEMA};
use crate::shape::{inspect, Limits, LIMITS};
use crate::{CustomerDoc, DocError};
use automerge::{AutoCommit, Automerge, ObjId as ExId, ReadDoc, ROOT};
use rapport_model::{Customer, CustomerId};

/// Fields of a customer document that its first change sets and no later change may alter:
/// a change that rewrote `number` could take over another customer's number.
pub(crate) const CUSTOMER_SET_ONCE: [&str; 3] = [SCHEMA, ID, NUMBER];

impl CustomerDoc {
    /// Loads a whole document that came from elsewhere, after [`inspect`] has bounded what
    /// loading it may cost. The caller still [`check`](CustomerDoc::check)s it.
    pub fn load_untrusted(bytes: &[u8]) -> Result<CustomerDoc, DocError> {
        Ok(CustomerDoc { doc: load_untrusted(bytes)? })
    }

    /// A copy of this document with bytes from elsewhere applied; this one is left as it
    /// was, so bytes that fail leave nothing half-applied. The caller still checks the copy.
    pub fn with_untrusted(&mut self, bytes: &[u8]) -> Result<CustomerDoc, DocError> {
        Ok(CustomerDoc { doc: with_untrusted(&mut self.doc, bytes)? })
    }

    /// This document with bytes from elsewhere applied, for a caller that loaded it only to
    /// merge them and drops it when they fail: no copy is made (a copy costs about a tenth
    /// of loading). The caller still checks the result.
    pub fn merged_untrusted(self, bytes: &[u8]) -> Result<CustomerDoc, DocError> {
        Ok(CustomerDoc { doc: merged_untrusted(self.doc, bytes)? })
    }

    /// Everything a stored customer document must be: within [`LIMITS`]; created by one
    /// change that set its `schema`, `id` and `number`, which no later change alters;
    /// readable completely under the schema this build knows; every value one local input
    /// could have written (`Customer::check`); and customer `id`. Returns the customer.
    pub fn check(&mut self, id: CustomerId) -> Result<Customer, DocError> {
        check_history(self.doc.document(), &LIMITS, &CUSTOMER_SET_ONCE)?;
        let c = self.read()?;
        if c.id != id {
            return Err(DocError::WrongCustomer { expected: id.to_hex(), found: c.id.to_hex() });
        }
        c.check()?;
        Ok(c)
    }
}

pub(crate) fn load_untrusted(bytes: &[u8]) -> Result<AutoCommit, DocError> {
    inspect(bytes, &LIMITS)?;
    Ok(AutoCommit::load(bytes)?)
}

pub(crate) fn with_untrusted(doc: &mut AutoCommit, bytes: &[u8]) -> Result<AutoCommit, DocError> {
    merged_untrusted(doc.fork(), bytes)
}

pub(crate) fn merged_untrusted(mut doc: AutoCommit, bytes: &[u8]) -> Result<AutoCommit, DocError> {
    inspect(bytes, &LIMITS)?;
    doc.load_incremental(bytes)?;
    Ok(doc)
}

/// The history rules shared by customer and settings documents: sizes within `limits`,
/// exactly one change without dependencies (the one that created the document), and each
/// of `set_once` holding exactly one value, written by that change.
pub(crate) fn check_history(am: &Automerge, limits: &Limits, set_once: &[&str]) -> Result<(), DocError> {
    let over = |what: &str, found: u64, limit: u64| DocError::OverLimit { what: what.to_string(), found, limit };
    let heads = am.get_heads().len() as u64;
    if heads > limits.heads {
        return Err(over("concurrent heads", heads, limits.heads));
    }
    let (mut ops, mut bytes) = (0u64, 0u64);
    let mut root = None;
    for c in am.get_changes(&[]) {
        let (n, b) = (c.len() as u64, c.raw_bytes().len() as u64);
        if n > limits.change_ops {
            return Err(over("operations in one change", n, limits.change_ops));
        }
        if b > limits.change_bytes {
            return Err(over("bytes in one change", b, limits.change_bytes));
        }
        ops += n;
        bytes += b;
        if c.deps().is_empty() {
            if root.is_some() {
                return Err(DocError::SetOnce { field: "the document itself: two changes each create it".into() });
            }
            root = Some(c);
        }
    }
    if ops > limits.doc_ops {
        return Err(over("operations in one document", ops, limits.doc_ops));
    }
    if bytes > limits.doc_bytes {
        return Err(over("bytes in one document", bytes, limits.doc_bytes));
    }
    let root = root.ok_or_else(|| DocError::Field { field: "document".into(), reason: "is empty".into() })?;
    let first = root.start_op().get();
    for key in set_once {
        match am.get_all(ROOT, *key)?.as_slice() {
            [(_, ExId::Id(counter, actor, _))]
                if actor == root.actor_id() && (first..=root.max_op()).contains(counter) => {}
            [] => return Err(DocError::Field { field: key.to_string(), reason: "is missing".into() }),
            _ => return Err(DocError::SetOnce { field: key.to_string() }),
        }
    }
    Ok(())
}
