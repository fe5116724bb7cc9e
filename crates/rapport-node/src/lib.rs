//! A Rapport node's customer book.
//!
//! Joins the store and the rules engine, and defines the operations people and scripts
//! perform ([`Book`]): the command line calls them on a [`LocalBook`] when it holds the
//! store itself, the HTTP API serves them from a [`LocalBook`], and the API's client
//! implements [`Book`] over HTTP, so every operation behaves the same whichever way in.
//!
//! * [`views`]: the read models a serving node keeps in memory (every list row, and the
//!   cache of serialized customer responses), following the store's change feed.
//! * [`FilterText`] and [`CustomerText`]: the one reading of the text people and scripts
//!   type for list filters and customer patches (command-line options, API query
//!   parameters).
//!
//! What it must never do: speak HTTP or parse command lines itself (the API and the CLI
//! are faces of it), decide filter matches anywhere but [`rapport_store::Matcher`], or
//! write to the store except through the store's operations.

mod book;
mod dates;
mod detail;
pub mod engine;
mod export;
mod import;
mod import_update;
mod text;
pub mod views;

pub use book::{customer_view, Book, Clock, CustomerView, Explanation, LocalBook, RuleInfo, TierLine, Written};
pub use dates::{canonical_day, parse_day};
pub use detail::{detail_json, from_document as detail_json_from_document, CustomerDetailJson};
pub use engine::{default_settings_doc, Refresh};
pub use export::{parse_fields, ExportFormat, ExportRequest};
pub use import::{CreatedRow, FoldedRow, ImportReport, ImportRequest, MatchedRow, RejectedValue, ValueConflict};
pub use text::{CustomerText, DateForms, FilterText};
pub use views::{CachedView, Views, VIEW_CACHE_ENTRIES};
