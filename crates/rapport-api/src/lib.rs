//! Rapport's local HTTP API.
//!
//! Scripts and other tools drive a member's node through this API, and while a node runs
//! it is the only way in (redb allows one process per store), so the command line uses
//! it too.
//!
//! * [`server`]: the axum router over a [`rapport_node::Node`] and its book — every operation of
//!   the CLI under `/v1`, bearer-token auth, problem+json errors, the change feed as
//!   server-sent events, and the OpenAPI 3.1 document generated from the handlers.
//! * [`client`]: [`RemoteBook`], the [`rapport_node::Book`] operations over HTTP, and
//!   [`RemoteNode`], the [`rapport_node::NodeControl`] operations (sync, relay, peers,
//!   sample data), mapping problems back to the errors a local call would return.
//! * [`node_api`]: the routes of the node runtime ([`rapport_node::Node`]).
//! * [`auth`]: the token file and constant-time checks; [`discovery`]: `serve.json`.
//! * [`problem`]: the one error type and its HTTP mapping.
//! * [`extract`]: request extractors; JSON bodies are read strictly (an object where the
//!   document says object, no unknown or duplicate fields) so 400 means "not JSON" and
//!   422 "JSON of the wrong shape".
//! * [`schema`]: wire types and the document's schemas: every closed vocabulary, date and
//!   bound the server parses with, and the refusals every operation shares.
//!
//! Lists and customer reads are served from the node's read models
//! ([`rapport_node::Views`]), and query parameters are read by the node's
//! [`rapport_node::FilterText`], the reading the command line uses.
//!
//! What it must never do: hold a business rule or a read model of its own (handlers parse,
//! call the node, and map the result), answer without the bearer token, or read a body
//! past its limit.
//!
//! See `docs/api.md` for curl examples and how the contract is checked (Schemathesis).

#![warn(missing_docs)]

pub mod auth;
pub mod client;
pub mod discovery;
pub mod extract;
pub mod node_api;
pub mod problem;
pub mod schema;
pub mod server;

pub use client::{RemoteBook, RemoteNode};
pub use problem::{ApiError, Problem};
pub use server::{openapi, openapi_text, router, serve};
