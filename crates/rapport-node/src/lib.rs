//! A Rapport node: its customer book and the runtime that keeps it in step with the team.
//!
//! Joins the store and the rules engine (a [`LocalBook`] installs the rules engine as the
//! store's `Deriver`), and defines the operations people and scripts perform ([`Book`]):
//! the command line calls them on a [`LocalBook`] when it holds the store itself, the
//! HTTP API serves them from a [`LocalBook`], and the API's client implements [`Book`]
//! over HTTP, so every operation behaves the same whichever way in.
//!
//! [`Node`] is the runtime around the book: relay and peer configuration, background
//! sync woken by the change notification, pairing, sync status and sample data;
//! [`NodeControl`] is what the command line asks of it, locally ([`LocalNode`]) or over
//! the API. Errors of the runtime are [`NodeError`].
//!
//! * [`views`]: the read models a serving node keeps in memory (every list row, and the
//!   cache of serialized customer responses), following the store's change feed.
//! * [`FilterText`] and [`CustomerText`]: the one reading of the text people and scripts
//!   type for list filters and customer patches (command-line options, API query
//!   parameters).
//!
//! This crate never serves HTTP (the API crate does) and never writes to standard output;
//! the node's only words of its own are background failures on standard error, its log.
//! It never parses command lines itself, decides a filter match anywhere but
//! [`rapport_store::Matcher`], or writes to the store except through the store's operations.

mod book;
mod control;
mod dates;
mod demo;
mod detail;
pub mod dictionary;
mod discard;
pub mod engine;
mod error;
mod export;
mod files;
mod import;
mod import_update;
mod join;
mod relay;
mod runtime;
mod signin;
mod team;
mod text;
pub mod views;

pub use book::{customer_view, Book, Clock, CustomerView, Explanation, LocalBook, RuleInfo, TierLine, Written};
pub use control::{LocalNode, NodeControl};
pub use dates::{canonical_day, parse_day};
pub use demo::{add_demo_data, demo_refusal, holds_demo_data, mark_demo_book, team_refusal, DemoCreated, DemoRequest};
pub use detail::{detail_json, from_document as detail_json_from_document, CustomerDetailJson};
pub use discard::Discarded;
pub use engine::{default_settings_doc, Refresh};
pub use error::{store_error_is_bad_input, NodeError};
pub use export::{parse_fields, ExportFormat, ExportRequest};
pub use files::{store_path, write_private};
pub use import::{
    CreatedRow, FoldedRow, ImportReport, ImportRequest, MatchedRow, RejectedValue, UnknownOwner, ValueConflict,
};
pub use join::{join, Joined};
pub use rapport_p2p::{Invitation, InviteState, PeerInfo};
pub use rapport_roles::Action;
pub use rapport_sync::TeamView;
pub use relay::{load_relay, parse_relay, relay_config_path, save_relay, verify_relay, RelayConfig};
pub use runtime::{InviteRequest, Invited, Node, Paired, SyncOutcome, SyncStatus, WorkProgress, MAX_PAIRING_WINDOW};
pub use signin::{NoRandomness, SignInCodes, SIGN_IN_CODE_LIFETIME};
pub use team::{install_guard, may_here, owner_in_roster, Rights, Team, TeamMember};
pub use text::{
    given, ContactText, CustomerText, DateForms, FilterText, InteractionText, OrderText, ServiceText, TaskText,
};
pub use views::{CachedView, Views, VIEW_CACHE_ENTRIES};
