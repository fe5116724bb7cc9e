//! Sample data, kept apart from real books.
//!
//! Sample customers must never travel to a team: `demo` refuses a store that has a relay
//! or peers configured or has ever synced. The sample book of `serve --demo` is marked as
//! one when it is created, so it is never given a relay or peers later.

use crate::error::NodeError;
use crate::LocalBook;
use rapport_model::Customer;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The node setting that marks a sample book (`serve --demo`).
const DEMO_MARK: &str = "demo_data";
/// Most sample customers one request creates.
pub const MAX_DEMO_CUSTOMERS: u64 = 1_000_000;
/// Members the sample data is assigned to.
const DEMO_MEMBERS: [&str; 4] = ["Li Wei", "Wang Fang", "Zhang Min", "Chen Jie"];

/// What sample data to create.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoRequest {
    /// How many customers.
    pub customers: u64,
    /// Seed of the generator: the same seed gives the same book.
    pub seed: u64,
    /// The benchmark's shape instead of a realistic one.
    #[serde(default)]
    pub bench_shape: bool,
}

/// What `demo` created.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoCreated {
    /// The store file.
    pub store: String,
    /// Customers created.
    pub created: usize,
    /// The first new customer's number.
    pub first: Option<String>,
    /// Seconds it took.
    pub seconds: f64,
}

/// Marks the store as a sample book: it never gets a relay or peers.
pub fn mark_demo_book(book: &LocalBook) -> Result<(), NodeError> {
    Ok(book.store.set_node_meta(DEMO_MARK, b"1")?)
}

/// Whether the store is a sample book (`serve --demo`).
pub fn holds_demo_data(book: &LocalBook) -> Result<bool, NodeError> {
    Ok(book.store.node_meta(DEMO_MARK)?.is_some())
}

/// Why sample data may not go into this store, if it may not: it has a relay or peers,
/// or has synced, so it is (or will be) a team's real book.
pub fn demo_refusal(book: &LocalBook, dir: &Path) -> Result<Option<String>, NodeError> {
    let start_over = "sample data would travel to your team; try it in a data directory of its own: \
                      `rapport --data-dir /tmp/rapport-demo demo`";
    if let Some(relay) = crate::relay::load_relay(dir)? {
        return Ok(Some(format!("this store syncs with the relay {}: {start_over}", relay.url)));
    }
    if !rapport_p2p::peers(&book.store)?.is_empty() {
        return Ok(Some(format!("this store is paired with peers: {start_over}")));
    }
    if !rapport_sync::status::load(&book.store)?.is_empty() {
        return Ok(Some(format!("this store has synced with a team: {start_over}")));
    }
    Ok(None)
}

/// Why a store may not be given a relay or a peer, if it may not: it is a sample book.
pub fn team_refusal(book: &LocalBook) -> Result<Option<String>, NodeError> {
    Ok(holds_demo_data(book)?.then(|| {
        "this store is the sample book of `rapport serve --demo`, which must not travel to a team; \
         use a data directory of its own for the team's book (`rapport --data-dir DIR init NAME`)"
            .to_string()
    }))
}

/// Adds sample customers, after checking the store may take them; `progress` hears
/// (customers created, customers in all).
pub fn add_demo_data(
    book: &LocalBook,
    dir: &Path,
    req: &DemoRequest,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<DemoCreated, NodeError> {
    if req.customers > MAX_DEMO_CUSTOMERS {
        return Err(NodeError::input("customers", format!("is over {MAX_DEMO_CUSTOMERS}; create fewer at a time")));
    }
    // The API documents the seed as a 64-bit signed integer, which is what JSON readers
    // other than ours can hold.
    if req.seed > i64::MAX as u64 {
        return Err(NodeError::input("seed", format!("is over {}", i64::MAX)));
    }
    if let Some(why) = demo_refusal(book, dir)? {
        return Err(NodeError::Refused(why));
    }
    let started = std::time::Instant::now();
    let store = &book.store;
    let now = book.now();
    let gen = rapport_demo::DemoBook::new(req.seed, now.date(), &DEMO_MEMBERS);
    let profile =
        if req.bench_shape { rapport_demo::DemoProfile::bench() } else { rapport_demo::DemoProfile::realistic() };
    let offset = store.count()?;
    let customers: Vec<Customer> = (offset..offset + req.customers).map(|i| gen.customer(i, &profile)).collect();
    let numbers = store.create_many_with(customers, &store.identity().member_name.clone(), now, progress)?;
    Ok(DemoCreated {
        store: store.path().display().to_string(),
        created: numbers.len(),
        first: numbers.first().cloned(),
        seconds: started.elapsed().as_secs_f64(),
    })
}
