//! Background sync while `rapport serve` runs: with the relay and with paired peers,
//! soon after every local change and on a timer otherwise, backing off while the network
//! is away. Incoming changes land in the store like any write, so they reach the indexes,
//! tags and the `/v1/events` feed; the outcome of each sync is kept for `sync status` and
//! `GET /v1/sync`.

use crate::peer::{on_change, sync_with, NodeBook};
use anyhow::Result;
use rapport_node::LocalBook;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Changes are pushed this soon after they happen (batched).
const AFTER_CHANGE: Duration = Duration::from_secs(2);
/// Longest wait after repeated failures.
const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// The running background work.
pub struct Background {
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    endpoint: Option<iroh::Endpoint>,
}

impl Background {
    /// Stops every task and closes the peer endpoint.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            t.abort();
        }
        if let Some(ep) = self.endpoint {
            ep.close().await;
        }
    }
}

fn backoff(failures: u32, interval: Duration) -> Duration {
    if failures == 0 {
        return interval;
    }
    (Duration::from_secs(5) * 2u32.saturating_pow(failures.min(8))).min(MAX_BACKOFF)
}

/// Starts background sync with the configured relay (if any) and, with `p2p_listen`, an
/// iroh endpoint that serves paired peers and syncs with them.
pub async fn start(
    dir: &Path,
    book: Arc<LocalBook>,
    p2p_listen: Option<&str>,
    interval_secs: u64,
) -> Result<Background> {
    let (stop, stopped) = watch::channel(false);
    let interval = Duration::from_secs(interval_secs.max(1));
    let mut tasks = Vec::new();
    let mut endpoint = None;
    let relay = crate::sync::relay_config(dir);
    if let Some(addr) = p2p_listen {
        let addr = addr.parse().map_err(|_| {
            crate::commands::input_error("p2p_listen", &format!("`{addr}` is not an address such as 0.0.0.0:7879"))
        })?;
        let ep = rapport_p2p::bind(&book.store, addr, false).await?;
        eprintln!("peer-to-peer: listening on {:?} as {}", ep.bound_sockets(), ep.id());
        tasks.push(tokio::spawn(rapport_p2p::serve(
            ep.clone(),
            Arc::new(NodeBook(book.clone())),
            on_change(book.clone()),
        )));
        endpoint = Some(ep);
    }
    if relay.is_none() && endpoint.is_none() {
        return Ok(Background { stop, tasks, endpoint });
    }
    let ep = endpoint.clone();
    let mut stopped2 = stopped.clone();
    tasks.push(tokio::spawn(async move {
        let mut last_seen = u64::MAX;
        let mut last_sync = Instant::now() - interval;
        let mut failures = 0u32;
        loop {
            if *stopped2.borrow() {
                return;
            }
            let seq = book.store.last_event_seq().unwrap_or(0);
            let changed = seq != last_seen;
            let due = last_sync.elapsed() >= backoff(failures, interval)
                || (changed && failures == 0 && last_sync.elapsed() >= AFTER_CHANGE);
            if due {
                last_sync = Instant::now();
                let mut ok = true;
                if let Some(cfg) = relay.clone() {
                    let b = book.clone();
                    match tokio::task::spawn_blocking(move || crate::sync::sync_relay(&b, &cfg)).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => {
                            ok = false;
                            eprintln!("background sync with the relay failed: {e}");
                        }
                        Err(e) => {
                            ok = false;
                            eprintln!("background sync stopped unexpectedly: {e}");
                        }
                    }
                }
                if let Some(ep) = &ep {
                    for p in rapport_p2p::peers(&book.store).unwrap_or_default() {
                        if let Err(e) =
                            tokio::time::timeout(Duration::from_secs(120), sync_with(book.clone(), ep, p.clone()))
                                .await
                                .unwrap_or_else(|_| Err("timed out".into()))
                        {
                            eprintln!("background sync with peer {} failed: {e}", p.name);
                        }
                    }
                }
                failures = if ok { 0 } else { failures.saturating_add(1) };
                // Our own sync writes events too; only changes after it count as new.
                last_seen = book.store.last_event_seq().unwrap_or(seq);
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = stopped2.changed() => {}
            }
        }
    }));
    Ok(Background { stop, tasks, endpoint })
}
