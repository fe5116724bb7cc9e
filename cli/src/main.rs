//! `rapport`: the node's command line.
//!
//! Each command opens the store (or, while `rapport serve` holds it, goes through the
//! running node's API), does one thing and exits with 0 (success), 2 (bad input: an
//! invalid value, an unknown customer, no store yet, a book that may not take it) or 1
//! (store, network or system failure). Errors name the field and the reason; nothing is
//! written when a command fails. The binary only parses, calls `rapport_node` (the book
//! and the node runtime) and prints; command files share `context`, `args` and `out` and
//! never import each other.

mod args;
mod bench;
mod bench_exchange;
mod bench_http;
mod bench_live;
mod bench_web;
mod commands;
mod context;
mod demo;
mod exchange;
mod out;
mod peer;
mod progress;
mod report;
mod rules;
mod serve;
mod sync;
mod team;

use args::Cli;
use clap::Parser;
use context::InputError;
use rapport_node::NodeError;
use rapport_store::StoreError;
use std::process::ExitCode;

fn exit_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<InputError>().is_some()
        || e.downcast_ref::<rapport_model::ValidationError>().is_some()
        || e.downcast_ref::<rapport_model::FieldError>().is_some()
    {
        return 2;
    }
    if let Some(n) = e.downcast_ref::<NodeError>() {
        return if n.is_bad_input() { 2 } else { 1 };
    }
    match e.downcast_ref::<StoreError>() {
        Some(s) if rapport_node::store_error_is_bad_input(s) => 2,
        _ => 1,
    }
}

/// The fields a validation error names, for `--json` errors.
fn invalid_fields(e: &anyhow::Error) -> serde_json::Value {
    let store = e.downcast_ref::<StoreError>().or(match e.downcast_ref::<NodeError>() {
        Some(NodeError::Store(s)) => Some(s),
        _ => None,
    });
    match (store, e.downcast_ref::<rapport_model::ValidationError>()) {
        (Some(StoreError::Invalid(v)), _) | (_, Some(v)) => serde_json::to_value(&v.fields).unwrap_or_default(),
        _ => serde_json::Value::Array(Vec::new()),
    }
}

fn main() -> ExitCode {
    // Behave like other Unix tools when the output pipe closes (`rapport list | head`).
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let json = cli.json;
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = exit_code(&e);
            if json {
                let fields = invalid_fields(&e);
                let body = serde_json::json!({ "error": format!("{e:#}"), "fields": fields, "exit_code": code });
                eprintln!("{body}");
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(code)
        }
    }
}
