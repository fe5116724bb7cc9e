//! `rapport-relay`: run the team relay and administer its teams and members.
//!
//! While the relay runs it holds its data files, so the administrative commands then go
//! through its loopback-only admin listener (address in `DATA/relay.json`, token in
//! `DATA/admin.token`); when it is stopped they open the data directly. Either way a
//! revoked member is refused on their very next request.

use clap::{Parser, Subcommand};
use rapport_relay::control::Control;
use rapport_relay::http::BodyLimits;
use rapport_relay::listener::ConnectionLimits;
use rapport_relay::serve::{defaults, ServeConfig};
use rapport_relay::RelayError;
use rapport_roles::Role;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The Rapport team relay.
#[derive(Parser, Debug)]
#[command(name = "rapport-relay", version)]
struct Cli {
    /// Data directory (default: $RAPPORT_RELAY_DATA, else ./relay-data).
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the sync protocol, /metrics and /health; the admin API on its own loopback address.
    Serve(ServeArgs),
    /// Teams.
    #[command(subcommand)]
    Team(TeamCmd),
    /// Members and their tokens.
    #[command(subcommand)]
    Member(MemberCmd),
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Address members (or the TLS proxy in front) connect to.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Loopback address of the admin API (port 0: any free port; relay.json records it).
    #[arg(long, default_value = "127.0.0.1:0")]
    admin_listen: SocketAddr,
    /// Seconds a request's headers may take; also how long an idle connection stays open.
    #[arg(long, value_name = "SECS", default_value_t = defaults::HEADER_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a request's body may take to arrive once its token is accepted.
    #[arg(long, value_name = "SECS", default_value_t = defaults::BODY_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout: u64,
    /// Seconds a client may read nothing of its response before the connection closes.
    #[arg(long, value_name = "SECS", default_value_t = defaults::WRITE_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600))]
    write_timeout: u64,
    /// Open connections at most.
    #[arg(long, value_name = "N", default_value_t = defaults::MAX_CONNECTIONS as u64, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_connections: u64,
    /// Open connections from one client address at most (behind a reverse proxy every
    /// connection comes from the proxy's address).
    #[arg(long, value_name = "N", default_value_t = defaults::MAX_CONNECTIONS_PER_ADDRESS as u64, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_connections_per_ip: u64,
    /// MiB of request bodies held in memory at once over all requests (at least 33: one
    /// largest request); further requests wait up to the body timeout for room.
    #[arg(long, value_name = "MIB", default_value_t = defaults::MAX_BODY_MEMORY_MIB as u64, value_parser = clap::value_parser!(u64).range(33..=65_536))]
    max_body_memory: u64,
}

#[derive(Subcommand, Debug)]
enum TeamCmd {
    /// Create a team.
    Create {
        /// Team name.
        name: String,
    },
    /// List teams.
    List,
}

#[derive(Subcommand, Debug)]
enum MemberCmd {
    /// Add a member and print their token (shown once; stored hashed).
    Add {
        /// Team name.
        team: String,
        /// Member name (quote names with spaces: "Li Wei").
        name: String,
        /// Role: sales-rep, customer-service, manager or admin (docs/permissions.md).
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
        /// A group the member belongs to (repeat for several): managers see their groups.
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// Give a member who already has a token one more (for a second computer).
        #[arg(long)]
        another_token: bool,
    },
    /// Change a member's role and, with --group, their groups (effective at their next sync).
    SetRole {
        /// Team name.
        team: String,
        /// Member name.
        name: String,
        /// New role: sales-rep, customer-service, manager or admin.
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
        /// The member's groups, replacing the ones they had (repeat for several).
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// Remove the member from every group.
        #[arg(long, conflicts_with = "groups")]
        no_groups: bool,
    },
    /// Revoke every token of a member, effective on their next request; their node removes
    /// the team's data at its next contact.
    Revoke {
        /// Team name.
        team: String,
        /// Member name.
        name: String,
        /// Give the revoked member's customers to this member.
        #[arg(long, value_name = "MEMBER")]
        reassign_to: Option<String>,
    },
    /// List a team's members: role, groups, tokens, and the devices each has used with
    /// when they last synced.
    List {
        /// Team name.
        team: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).map_err(|e| e.to_string())
}

fn data_dir(flag: &Option<PathBuf>) -> PathBuf {
    flag.clone()
        .or_else(|| std::env::var_os("RAPPORT_RELAY_DATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("relay-data"))
}

fn serve_config(a: &ServeArgs) -> ServeConfig {
    let secs = Duration::from_secs;
    ServeConfig {
        listen: a.listen,
        admin_listen: a.admin_listen,
        connections: ConnectionLimits {
            header_timeout: secs(a.header_timeout),
            write_timeout: secs(a.write_timeout),
            max_connections: a.max_connections as usize,
            max_per_address: a.max_connections_per_ip as usize,
            drain: defaults::DRAIN,
        },
        bodies: BodyLimits { timeout: secs(a.body_timeout), memory: (a.max_body_memory as usize) << 20 },
    }
}

fn run(cli: Cli) -> Result<(), RelayError> {
    let dir = data_dir(&cli.data);
    match cli.command {
        Command::Serve(args) => rapport_relay::serve::run(&dir, serve_config(&args)),
        Command::Team(TeamCmd::Create { name }) => {
            let t = Control::open(&dir)?.create_team(&name)?;
            println!("team {} created", t.name);
            Ok(())
        }
        Command::Team(TeamCmd::List) => {
            for t in Control::open(&dir)?.teams()? {
                println!("{}", t.name);
            }
            Ok(())
        }
        Command::Member(MemberCmd::Add { team, name, role, groups, another_token }) => {
            let token = Control::open(&dir)?.add_member(&team, &name, role, &groups, another_token)?;
            println!("{token}");
            let name = name.trim();
            eprintln!(
                "member {name} added to {team}; give them this token (it is not shown again): rapport join URL TOKEN"
            );
            Ok(())
        }
        Command::Member(MemberCmd::SetRole { team, name, role, groups, no_groups }) => {
            let groups = (no_groups || !groups.is_empty()).then_some(groups);
            if role.is_none() && groups.is_none() {
                return Err(RelayError::Invalid("give --role, --group or --no-groups".into()));
            }
            let e = Control::open(&dir)?.set_role(&team, &name, role, groups.as_deref())?;
            println!("{}\t{}\t{}", e.name, e.role, e.groups.join(","));
            Ok(())
        }
        Command::Member(MemberCmd::Revoke { team, name, reassign_to }) => {
            let r = Control::open(&dir)?.revoke(&team, &name, reassign_to.as_deref())?;
            println!("revoked {} token(s) of {} in {team}", r.tokens, name.trim());
            if let Some(to) = reassign_to {
                println!("{} customer(s) reassigned to {}", r.reassigned, to.trim());
            }
            Ok(())
        }
        Command::Member(MemberCmd::List { team, json }) => {
            let members = Control::open(&dir)?.members(&team)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&members).map_err(|e| RelayError::Storage(e.to_string()))?);
                return Ok(());
            }
            for m in members {
                let state = match (m.entry.revoked, m.active_tokens, m.revoked_tokens) {
                    (true, _, r) => format!("revoked ({r} token(s))"),
                    (false, a, 0) => format!("active ({a} token(s))"),
                    (false, a, r) => format!("active ({a} token(s), {r} revoked)"),
                };
                let groups = if m.entry.groups.is_empty() { "-".to_string() } else { m.entry.groups.join(",") };
                let devices = if m.entry.devices.is_empty() {
                    "no device yet".to_string()
                } else {
                    m.entry.devices.iter().map(|(d, at)| format!("{d} last synced {at}")).collect::<Vec<_>>().join("; ")
                };
                println!("{}\t{}\t{groups}\t{state}\t{devices}", m.entry.name, m.entry.role);
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rapport-relay: {e}");
            match e {
                // Bad input: the message names what and why; nothing was written.
                RelayError::Invalid(_) | RelayError::NotFound(_) => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
