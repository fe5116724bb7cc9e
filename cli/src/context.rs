//! What every command needs: where the data lives, the clock, the book (the store itself
//! or the running node), bad-input errors and the list printout. Imports no other
//! command file, so command files depend on it and never on each other.

use crate::out::{self, opt};
use anyhow::Result;
use rapport_doc::SettingsDoc;
use rapport_model::*;
use rapport_node::{parse_day, Book, LocalBook, LocalNode, Node, NodeControl};
use rapport_store::{ListRow, Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A failure the user can fix by changing the command.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// The data directory: `--data-dir`, else `$RAPPORT_DATA`, else the platform data dir.
pub fn data_dir(flag: &Option<PathBuf>) -> Result<PathBuf> {
    if let Some(d) = flag {
        return Ok(d.clone());
    }
    if let Some(d) = std::env::var_os("RAPPORT_DATA").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    dirs::data_dir()
        .map(|d| d.join("rapport"))
        .ok_or_else(|| InputError("no data directory: pass --data-dir or set RAPPORT_DATA".into()).into())
}

pub use rapport_node::store_path;

/// Now, as the member's wall clock (`RAPPORT_NOW=YYYY-MM-DDTHH:MM:SS` pins it for tests).
pub fn now() -> DateTime {
    std::env::var("RAPPORT_NOW")
        .ok()
        .and_then(|t| parse_datetime("RAPPORT_NOW", &t).ok())
        .unwrap_or_else(|| chrono::Local::now().naive_local().with_nanosecond_zero())
}

trait NoNanos {
    fn with_nanosecond_zero(self) -> Self;
}
impl NoNanos for DateTime {
    fn with_nanosecond_zero(self) -> Self {
        chrono::Timelike::with_nanosecond(&self, 0).unwrap_or(self)
    }
}

/// The clock books use: pinned by `RAPPORT_NOW`, else the system clock.
pub fn clock() -> rapport_node::Clock {
    match std::env::var("RAPPORT_NOW").ok().and_then(|t| parse_datetime("RAPPORT_NOW", &t).ok()) {
        Some(t) => rapport_node::Clock::Fixed(t),
        None => rapport_node::Clock::System,
    }
}

/// Today's date.
pub fn today() -> Date {
    now().date()
}

/// The book behind a data directory: the store itself, or the running node's API.
///
/// redb lets one process hold a store: when `Store::open` finds it locked, a node is
/// running (`rapport serve`), and the command goes through its API with the same output
/// and exit codes.
pub fn open(dir: &Path) -> Result<Box<dyn Book>> {
    match Store::open(&store_path(dir)) {
        Ok(store) => {
            let (book, _) = LocalBook::open(store, clock())?;
            Ok(Box::new(book))
        }
        Err(StoreError::Locked(_)) => Ok(Box::new(rapport_api::RemoteBook::connect(dir)?)),
        Err(e) => Err(e.into()),
    }
}

/// The node behind a data directory, for sync, relay, peers and sample data: a node run
/// by this command when no node holds the store, else the running node's API.
pub fn open_node(dir: &Path) -> Result<Box<dyn NodeControl>> {
    match Store::open(&store_path(dir)) {
        Ok(store) => {
            let (book, _) = LocalBook::open(store, clock())?;
            let node = Node::new(Arc::new(book), dir)?;
            Ok(Box::new(LocalNode::new(node)?))
        }
        Err(StoreError::Locked(_)) => Ok(Box::new(rapport_api::RemoteNode::connect(dir)?)),
        Err(e) => Err(e.into()),
    }
}

/// A store error naming a field.
pub fn input(e: FieldError) -> anyhow::Error {
    StoreError::Invalid(e.into()).into()
}

/// A bad-input error naming `field`.
pub fn input_error(field: &str, reason: &str) -> anyhow::Error {
    input(FieldError::new(field, reason))
}

/// Phone numbers masked unless `--reveal`.
pub fn masking(reveal: bool) -> Masking {
    if reveal {
        Masking::Revealed
    } else {
        Masking::Masked
    }
}

/// The settings document every new store starts from: the default rules and tiers.
pub fn default_settings() -> Result<SettingsDoc> {
    Ok(rapport_node::default_settings_doc()?)
}

/// `--as-of DATE`, or today.
pub fn as_of_date(v: &Option<String>) -> Result<Date> {
    match v {
        Some(d) => Ok(parse_day("as_of", d).map_err(input)?),
        None => Ok(today()),
    }
}

pub fn print_rows(rows: &[ListRow], limit: Option<usize>, json: bool, reveal: bool) -> Result<()> {
    let m = masking(reveal);
    let shown: Vec<&ListRow> = rows.iter().take(limit.unwrap_or(usize::MAX)).collect();
    if json {
        let items: Vec<serde_json::Value> = shown
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id, "number": r.summary.number, "name": r.summary.name, "kind": r.summary.kind,
                    "industry": r.summary.industry, "stage": r.summary.stage, "owner": r.summary.owner,
                    "source": r.summary.source, "created": r.summary.created, "last_interaction": r.summary.last_interaction,
                    "archived": r.summary.archived, "contact": r.summary.contact,
                    "phone": r.summary.phone.as_deref().map(|p| m.phone(p)),
                    "tags": r.summary.tags, "rule_tags": r.summary.rule_tags, "tier": r.summary.tier,
                })
            })
            .collect();
        return out::json(&serde_json::json!({ "total": rows.len(), "items": items }));
    }
    let table: Vec<Vec<String>> = shown
        .iter()
        .map(|r| {
            let s = &r.summary;
            vec![
                s.number.clone(),
                s.name.clone(),
                s.industry.clone(),
                s.stage.clone(),
                s.owner.clone(),
                opt(&s.last_interaction),
                s.contact.clone().unwrap_or_default(),
                s.phone.as_deref().map(|p| m.phone(p)).unwrap_or_default(),
            ]
        })
        .collect();
    out::table(&["number", "name", "ind", "stage", "owner", "last contact", "contact", "phone"], &table);
    println!("{} of {} customer(s)", shown.len(), rows.len());
    Ok(())
}
