//! `rapport-relay`: the team relay binary.
//!
//! The relay (team and member administration, document store and sync endpoint) is
//! specified by the sync issue and not built yet; this binary only reserves the name and
//! command-line shape so packaging and operations docs can refer to it. Every command
//! says so and exits with code 2 rather than pretending to work.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The Rapport team relay.
#[derive(Parser, Debug)]
#[command(name = "rapport-relay", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve teams over HTTP/WebSocket (not built yet).
    Serve,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let what = match cli.command {
        Some(Command::Serve) => "serve",
        None => "the relay",
    };
    eprintln!("rapport-relay: {what} is not built yet (see the sync issue); nothing was started");
    ExitCode::from(2)
}
