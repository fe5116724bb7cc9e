//! `rapport`: the node's command line.
//!
//! Each command opens the store, does one thing and exits with 0 (success), 2 (bad input:
//! an invalid value, an unknown customer, no store yet) or 1 (store or system failure).
//! Errors name the field and the reason; nothing is written when a command fails.

mod args;
mod background;
mod bench;
mod bench_exchange;
mod bench_http;
mod commands;
mod dictionary;
mod exchange;
mod out;
mod peer;
mod progress;
mod report;
mod rules;
mod serve;
mod sync;

use args::Cli;
use clap::Parser;
use rapport_store::StoreError;
use std::process::ExitCode;

/// A failure the user can fix by changing the command.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

fn exit_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<InputError>().is_some()
        || e.downcast_ref::<rapport_model::ValidationError>().is_some()
        || e.downcast_ref::<rapport_model::FieldError>().is_some()
    {
        return 2;
    }
    match e.downcast_ref::<StoreError>() {
        Some(
            StoreError::Invalid(_)
            | StoreError::NotFound(_)
            | StoreError::NotInitialized(_)
            | StoreError::AlreadyInitialized(_),
        ) => 2,
        Some(StoreError::Doc(rapport_doc::DocError::NoSuchItem { .. })) => 2,
        _ => 1,
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
                let fields = match (e.downcast_ref::<StoreError>(), e.downcast_ref::<rapport_model::ValidationError>())
                {
                    (Some(StoreError::Invalid(v)), _) | (_, Some(v)) => {
                        serde_json::to_value(&v.fields).unwrap_or_default()
                    }
                    _ => serde_json::Value::Array(Vec::new()),
                };
                let body = serde_json::json!({ "error": format!("{e:#}"), "fields": fields, "exit_code": code });
                eprintln!("{body}");
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(code)
        }
    }
}
