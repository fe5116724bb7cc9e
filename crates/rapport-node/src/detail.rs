//! The JSON of one customer as `GET /v1/customers/{key}` serves it: record, conflicts,
//! figures as of a date, rule tags and tier.
//!
//! It is built from the view stored behind the customer's document when that view is
//! current (a decompression and a postcard decode, about 30 µs), and from the document
//! otherwise (an Automerge load, about 0.3 ms). Both give the same bytes.

use rapport_doc::Conflict;
use rapport_model::{Customer, CustomerId, Date};
use rapport_rules::{Facts, Figures};
use rapport_store::{Store, StoreError, Summary};
use serde::Serialize;

/// A customer's detail JSON with what a cache needs to key and validate it.
pub struct CustomerDetailJson {
    /// Customer number.
    pub number: String,
    /// Document heads, as an ETag names them.
    pub heads: String,
    /// The response body.
    pub body: Vec<u8>,
}

/// The detail of a customer as of `as_of`, from its stored view when current.
pub fn detail_json(store: &Store, id: CustomerId, as_of: Date) -> Result<CustomerDetailJson, StoreError> {
    match store.stored_view(id)? {
        Some(v) => {
            let heads = rapport_doc::heads_string(&v.heads);
            encode(&v.customer, &v.conflicts, &v.summary, heads, as_of)
        }
        None => from_document(store, id, as_of),
    }
}

/// The detail read from the customer's document.
pub fn from_document(store: &Store, id: CustomerId, as_of: Date) -> Result<CustomerDetailJson, StoreError> {
    let mut doc = store.load_doc(id)?;
    let customer = doc.read()?;
    let conflicts = doc.conflicts_quick()?;
    let heads = rapport_doc::heads_string(&doc.heads());
    encode(&customer, &conflicts, &store.summary(id)?, heads, as_of)
}

fn encode(
    customer: &Customer,
    conflicts: &[Conflict],
    summary: &Summary,
    heads: String,
    as_of: Date,
) -> Result<CustomerDetailJson, StoreError> {
    // Fields in the order a JSON object map would sort them, as the first responses had.
    #[derive(Serialize)]
    struct Body<'a> {
        conflicts: &'a [Conflict],
        customer: &'a Customer,
        figures: &'a Figures,
        rule_tags: &'a [String],
        tier: &'a Option<String>,
    }
    let figures = Figures::compute(&Facts::from_customer(customer), as_of);
    let body = serde_json::to_vec(&Body {
        conflicts,
        customer,
        figures: &figures,
        rule_tags: &summary.rule_tags,
        tier: &summary.tier,
    })
    .map_err(|e| StoreError::Db(format!("cannot encode customer {}: {e}", customer.id)))?;
    Ok(CustomerDetailJson { number: customer.number.clone(), heads, body })
}
