//! `rapport-relay`: run the team relay and administer its teams and members.
//!
//! While the relay runs it holds its data files, so the administrative commands then go
//! through its loopback-only admin API (address in `DATA/relay.json`, token in
//! `DATA/admin.token`); when it is stopped they open the data directly. Either way a
//! revoked member is refused on their very next request.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use rapport_relay::admin::Admin;
use rapport_relay::http::{router, Relay};
use rapport_relay::{random_token, RelayError};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// Serve the sync protocol, /metrics and /health.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: String,
    },
    /// Teams.
    #[command(subcommand)]
    Team(TeamCmd),
    /// Members and their tokens.
    #[command(subcommand)]
    Member(MemberCmd),
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
        /// Member name.
        name: String,
    },
    /// Revoke every token of a member, effective on their next request.
    Revoke {
        /// Team name.
        team: String,
        /// Member name.
        name: String,
    },
}

fn data_dir(flag: &Option<PathBuf>) -> PathBuf {
    flag.clone()
        .or_else(|| std::env::var_os("RAPPORT_RELAY_DATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("relay-data"))
}

fn admin_token(dir: &Path) -> Result<String> {
    let path = dir.join("admin.token");
    if let Ok(t) = std::fs::read_to_string(&path) {
        return Ok(t.trim().to_string());
    }
    std::fs::create_dir_all(dir)?;
    let t = random_token();
    write_private(&path, &t)?;
    Ok(t)
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path).with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// Runs an admin call directly on the data, or through the running relay.
fn admin_call<T: serde::de::DeserializeOwned>(
    dir: &Path,
    direct: impl FnOnce(&Admin) -> Result<T, RelayError>,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<T> {
    match Admin::open(dir) {
        Ok(a) => Ok(direct(&a)?),
        Err(RelayError::Locked(_)) => {
            let info: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join("relay.json"))
                    .context("the relay data is in use, but relay.json is missing")?,
            )?;
            let addr = info["addr"].as_str().context("relay.json has no addr")?;
            let token = admin_token(dir)?;
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            let url = format!("http://{addr}{path}");
            let req = agent.post(&url).header("Authorization", &format!("Bearer {token}"));
            let mut resp = match body {
                Some(b) => req.send_json(b),
                None => req.send_empty(),
            }
            .with_context(|| format!("calling the running relay at {addr}"))?;
            let status = resp.status().as_u16();
            let text = resp.body_mut().read_to_string()?;
            if status != 200 {
                bail!("{text}");
            }
            Ok(serde_json::from_str(&text)?)
        }
        Err(e) => Err(e.into()),
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let dir = data_dir(&cli.data);
    match cli.command {
        Command::Serve { listen } => serve(&dir, &listen),
        Command::Team(TeamCmd::Create { name }) => {
            let t: rapport_relay::admin::Team =
                admin_call(&dir, |a| a.create_team(&name), "/admin/teams", Some(serde_json::json!({ "name": name })))?;
            println!("team {} created", t.name);
            Ok(())
        }
        Command::Team(TeamCmd::List) => {
            let teams: Vec<rapport_relay::admin::Team> = match Admin::open(&dir) {
                Ok(a) => a.teams()?,
                Err(RelayError::Locked(_)) => {
                    bail!("the relay is running; list teams with its admin API (GET /admin/teams)")
                }
                Err(e) => return Err(e.into()),
            };
            for t in teams {
                println!("{}", t.name);
            }
            Ok(())
        }
        Command::Member(MemberCmd::Add { team, name }) => {
            let path = format!("/admin/teams/{team}/members");
            let token: String =
                admin_call(&dir, |a| a.add_member(&team, &name), &path, Some(serde_json::json!({ "name": name })))?;
            println!("{token}");
            eprintln!("member {name} added to {team}; give them this token (it is not shown again): rapport relay set URL TOKEN");
            Ok(())
        }
        Command::Member(MemberCmd::Revoke { team, name }) => {
            let path = format!("/admin/teams/{team}/members/{name}/revoke");
            let n: usize = admin_call(&dir, |a| a.revoke(&team, &name), &path, None)?;
            println!("revoked {n} token(s) of {name} in {team}");
            Ok(())
        }
    }
}

fn serve(dir: &Path, listen: &str) -> Result<()> {
    let addr: SocketAddr =
        listen.parse().with_context(|| format!("`{listen}` is not an address such as 127.0.0.1:8787"))?;
    let token = admin_token(dir)?;
    let relay = Arc::new(Relay::open(dir.to_path_buf(), token)?);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
        let local = listener.local_addr()?;
        write_private(
            &dir.join("relay.json"),
            &serde_json::json!({ "addr": local.to_string(), "pid": std::process::id() }).to_string(),
        )?;
        eprintln!("rapport-relay listening on http://{local} (data {})", dir.display());
        let app = router(relay).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
        let _ = std::fs::remove_file(dir.join("relay.json"));
        eprintln!("rapport-relay stopped");
        Ok(())
    })
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
