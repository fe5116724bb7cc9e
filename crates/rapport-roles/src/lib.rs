//! Team roles, the roster, and the rules that decide what a member may read and change.
//!
//! The rules are the matrix in `docs/permissions.md`, compiled in and read when first
//! used ([`matrix`]): the table is the rule, not a copy of it. The node (before a local
//! edit is made), the relay (for every pushed document, against the pushing member) and a
//! node answering a paired peer all call the same two functions, [`check_customer`] and
//! [`check_settings`], and decide read scope with [`may_read`].
//!
//! What it must never do: depend on a store, a network stack or the relay, or decide
//! anything from a document's bytes alone. It compares what a document says before and
//! after a change (its read model), so a change is judged by what it does, whoever's
//! Automerge code wrote it.

#![warn(missing_docs)]

mod check;
mod matrix;
mod roster;

pub use check::{check_authorship, check_customer, check_settings, foreign_change, touched, Refusal, SettingsView};
pub use matrix::{matrix, Action, Matrix, Scope};
pub use roster::{may, may_read, Member, MemberId, Role, Roster, RosterError};
