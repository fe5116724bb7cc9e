//! Running the relay: the member listener, the loopback admin listener, `relay.json`, and
//! a graceful stop on SIGTERM or Ctrl-C.

use crate::files::{admin_token, RelayInfo};
use crate::http::{admin_router, member_router, BodyLimits, Relay};
use crate::listener::{serve, ConnectionLimits};
use crate::RelayError;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Connections the admin listener accepts at once (it serves the local command line).
const ADMIN_CONNECTIONS: usize = 16;

/// How the relay serves.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The member-facing address.
    pub listen: SocketAddr,
    /// The admin API's address; must be a loopback address.
    pub admin_listen: SocketAddr,
    /// Connection limits and timeouts of the member listener.
    pub connections: ConnectionLimits,
    /// How request bodies are read.
    pub bodies: BodyLimits,
}

/// Refuses an admin address that other hosts could reach.
pub fn check_admin_address(addr: &SocketAddr) -> Result<(), RelayError> {
    if addr.ip().is_loopback() {
        return Ok(());
    }
    Err(RelayError::Invalid(format!(
        "--admin-listen {addr} is not a loopback address; the admin API must only be reachable from this host \
         (use 127.0.0.1:PORT or [::1]:PORT)"
    )))
}

/// Serves until SIGTERM or Ctrl-C: requests in flight finish (for at most the drain
/// time), then `relay.json` is removed.
pub fn run(dir: &Path, config: ServeConfig) -> Result<(), RelayError> {
    check_admin_address(&config.admin_listen)?;
    let token = admin_token(dir)?;
    let relay = Arc::new(Relay::open(dir.to_path_buf(), token, config.bodies.clone())?);
    crate::memory::return_freed_memory();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run_listeners(dir, config, relay))
}

async fn run_listeners(dir: &Path, config: ServeConfig, relay: Arc<Relay>) -> Result<(), RelayError> {
    let bind = |addr: SocketAddr| async move {
        tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| RelayError::Invalid(format!("cannot listen on {addr}: {e}")))
    };
    let members = bind(config.listen).await?;
    let admin = bind(config.admin_listen).await?;
    let info = RelayInfo {
        addr: members.local_addr()?.to_string(),
        admin: admin.local_addr()?.to_string(),
        pid: std::process::id(),
    };
    info.write(dir)?;
    eprintln!(
        "rapport-relay listening on http://{} (admin API on http://{}; data {})",
        info.addr,
        info.admin,
        dir.display()
    );
    let admin_limits = ConnectionLimits {
        max_connections: ADMIN_CONNECTIONS,
        max_per_address: ADMIN_CONNECTIONS,
        ..config.connections.clone()
    };
    let (stop_tx, stop) = watch::channel(false);
    let member_task = tokio::spawn(serve(
        members,
        member_router(relay.clone()),
        config.connections.clone(),
        relay.metrics.clone(),
        stop.clone(),
    ));
    let admin_task = tokio::spawn(serve(admin, admin_router(relay.clone()), admin_limits, relay.metrics.clone(), stop));
    shutdown_signal().await;
    eprintln!("rapport-relay stopping: finishing requests in flight");
    // Notice streams are not work in flight: they end now, and nodes reconnect to the
    // relay that replaces this one.
    relay.end_notice_streams();
    let _ = stop_tx.send(true);
    let _ = member_task.await;
    let _ = admin_task.await;
    RelayInfo::remove(dir);
    eprintln!("rapport-relay stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
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

/// Default limits, as `rapport-relay serve` documents them.
pub mod defaults {
    use super::Duration;

    /// Seconds for a request's headers to arrive (also the keep-alive idle time).
    pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
    /// Seconds for a request's body to arrive.
    pub const BODY_TIMEOUT: Duration = Duration::from_secs(120);
    /// Seconds a client may read nothing of its response.
    pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
    /// Open connections in total: every serving node keeps one notice stream open, so a
    /// team of a thousand online members needs more than a thousand (measured: 1,000 idle
    /// streams cost the relay about 24 MiB).
    pub const MAX_CONNECTIONS: usize = 2048;
    /// Open connections from one address: an office behind one address holds a notice
    /// stream per running node plus the syncs under way (at 64, fifty nodes on one address
    /// had their syncs refused as soon as a notice woke them all).
    pub const MAX_CONNECTIONS_PER_ADDRESS: usize = 256;
    /// MiB of request bodies held at once.
    pub const MAX_BODY_MEMORY_MIB: usize = 96;
    /// Seconds to wait for requests in flight on shutdown.
    pub const DRAIN: Duration = Duration::from_secs(30);
}
