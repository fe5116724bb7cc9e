//! `rapport demo` and the sample book of `rapport serve --demo`: sample customers, never
//! into a book that syncs with a team (the node refuses; see `rapport_node::demo_refusal`).

use crate::context::{default_settings, open_node, store_path};
use crate::out;
use anyhow::Result;
use rapport_node::DemoRequest;
use rapport_store::Store;
use std::path::Path;

/// The member a new sample book belongs to.
const DEMO_MEMBER: &str = "Demo Owner";

/// Creates a sample book's store (its own member, its API token) if the data directory
/// has none yet; returns whether it did.
pub fn create_demo_store(dir: &Path) -> Result<bool> {
    let path = store_path(dir);
    if path.exists() {
        return Ok(false);
    }
    Store::init(&path, DEMO_MEMBER, default_settings()?, rapport_node::dictionary::train()?)?;
    rapport_store::make_data_dir_private(dir)?;
    rapport_api::auth::write_new_token(dir)?;
    Ok(true)
}

/// `rapport demo`: adds sample customers through the node (this command's own, or the
/// running one).
pub fn demo(dir: &Path, customers: u64, seed: u64, bench_shape: bool, json: bool) -> Result<()> {
    create_demo_store(dir)?;
    let bar = crate::progress::Counter::new(json, "creating");
    let created = open_node(dir)?
        .demo_observed(&DemoRequest { customers, seed, bench_shape }, &mut |done, total| bar.observe(done, total));
    drop(bar);
    let created = created?;
    if json {
        return out::json(
            &serde_json::json!({ "store": created.store, "created": created.created, "seconds": created.seconds }),
        );
    }
    println!("Created {} sample customers in {}  ({:.1} s).", created.created, created.store, created.seconds);
    println!("Try:  rapport list --stage intent --limit 10");
    println!("      rapport customer show {}", created.first.as_deref().unwrap_or("NUMBER"));
    println!("      rapport agenda --all");
    Ok(())
}
