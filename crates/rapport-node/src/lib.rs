//! A Rapport node's customer book.
//!
//! Joins the store and the rules engine, and defines the operations people and scripts
//! perform ([`Book`]): the command line calls them on a [`LocalBook`] when it holds the
//! store itself, the HTTP API serves them from a [`LocalBook`], and the API's client
//! implements [`Book`] over HTTP, so every operation behaves the same whichever way in.

mod book;
mod dates;
mod detail;
pub mod engine;
mod export;
mod import;
mod import_update;

pub use book::{customer_view, Book, Clock, CustomerView, Explanation, LocalBook, RuleInfo, TierLine, Written};
pub use dates::{canonical_day, parse_day};
pub use detail::{detail_json, from_document as detail_json_from_document, CustomerDetailJson};
pub use engine::{default_settings_doc, Refresh};
pub use export::{parse_fields, ExportFormat, ExportRequest};
pub use import::{CreatedRow, FoldedRow, ImportReport, ImportRequest, MatchedRow, RejectedValue, ValueConflict};
