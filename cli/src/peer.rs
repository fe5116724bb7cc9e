//! `rapport peer invite|add|list|invites|cancel` and peer-to-peer sync: pairing this node
//! with a teammate's over iroh and syncing directly, with no relay in between.

use crate::commands::{clock, store_path};
use crate::out;
use anyhow::{Context, Result};
use rapport_node::{Book, LocalBook};
use rapport_p2p::{
    bind, cancel_invitation, connect, invite_for, pair, parse_ttl, peers, serve, IrohTransport, PeerError, PeerInfo,
    StoreHandle, Ticket,
};
use rapport_store::Store;
use rapport_sync::{status, sync_once, Answered, SyncReport};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The node's book as the peer-to-peer server sees it.
pub struct NodeBook(pub Arc<LocalBook>);

impl StoreHandle for NodeBook {
    fn store(&self) -> &Store {
        &self.0.store
    }
}

/// What to do when a peer wrote into this node: re-evaluate tags if settings changed.
pub fn on_change(book: Arc<LocalBook>) -> Arc<dyn Fn(Answered) + Send + Sync> {
    Arc::new(move |done: Answered| {
        if done.settings_changed {
            if let Err(e) = book.refresh_tags() {
                eprintln!("p2p: re-evaluating tags after a settings change failed: {e}");
            }
        }
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")
}

fn parse_addr(listen: &str) -> Result<SocketAddr> {
    listen.parse().map_err(|_| {
        crate::commands::input_error("listen", &format!("`{listen}` is not an address such as 0.0.0.0:7879"))
    })
}

fn open_book(dir: &Path) -> Result<Arc<LocalBook>> {
    let store = Store::open(&store_path(dir))?;
    Ok(Arc::new(LocalBook::open(store, clock())?.0))
}

/// An invitation that cannot be made or cancelled as asked is bad input (exit 2).
fn invitation_error(field: &str, e: PeerError) -> anyhow::Error {
    match e {
        PeerError::Invitation(why) => crate::commands::input_error(field, &why),
        other => other.into(),
    }
}

/// `rapport peer invite`: prints a ticket, then serves peers until `wait` runs out or
/// Ctrl-C, so the teammate can pair and sync.
pub fn invite_and_serve(dir: &Path, listen: &str, relays: bool, wait: u64, expires: &str, json: bool) -> Result<()> {
    let addr = parse_addr(listen)?;
    let ttl = parse_ttl(expires).map_err(|e| invitation_error("expires", e))?;
    let book = open_book(dir)?;
    let rt = runtime()?;
    rt.block_on(async {
        let ep = bind(&book.store, addr, relays).await?;
        let (ticket, invitation) = invite_for(&book.store, &ep, ttl).map_err(|e| invitation_error("expires", e))?;
        if json {
            out::json(
                &serde_json::json!({ "ticket": ticket.encode(), "addrs": ticket.addrs, "invitation": invitation }),
            )?;
        } else {
            println!("{}", ticket.encode());
            eprintln!("give this ticket to your teammate: rapport peer add TICKET");
            eprintln!(
                "invitation {} is valid until {} (cancel it with `rapport peer cancel {}`)",
                invitation.id, invitation.expires, invitation.id
            );
            eprintln!("listening on {} for {wait} s (Ctrl-C to stop)", ticket.addrs.join(", "));
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let server = tokio::spawn(serve(ep.clone(), Arc::new(NodeBook(book.clone())), on_change(book.clone())));
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(wait)) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        server.abort();
        ep.close().await;
        anyhow::Ok(())
    })
}

/// The outcome of syncing with one peer: the report and seconds, or why it failed.
pub type PeerSync = Result<(SyncReport, f64), String>;

/// Syncs once with one peer over an open endpoint; returns the report and seconds.
pub async fn sync_with(book: Arc<LocalBook>, ep: &iroh::Endpoint, peer: PeerInfo) -> PeerSync {
    let started = Instant::now();
    let conn = connect(&book.store, ep, &peer, None).await.map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Handle::current();
    let b = book.clone();
    let key = format!("peer:{}", peer.id);
    let r = tokio::task::spawn_blocking(move || {
        let r = sync_once(&b.store, &mut IrohTransport::new(conn, rt, &peer));
        let at = crate::commands::now().format("%Y-%m-%d %H:%M:%S").to_string();
        match &r {
            Ok(rep) => {
                if rep.settings_changed {
                    let _ = b.refresh_tags();
                }
                let _ = status::record_success(&b.store, &key, rep, &at);
            }
            Err(e) => {
                let _ = status::record_error(&b.store, &key, &e.to_string(), &at);
            }
        }
        r
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    Ok((r, started.elapsed().as_secs_f64()))
}

/// `rapport peer add TICKET`: pairs with the inviting node, then syncs with it once.
pub fn add(dir: &Path, ticket: &str, json: bool) -> Result<()> {
    let ticket = Ticket::decode(ticket).map_err(|e| crate::commands::input_error("ticket", &e.to_string()))?;
    let book = open_book(dir)?;
    let rt = runtime()?;
    rt.block_on(async {
        let ep = bind(&book.store, parse_addr("0.0.0.0:0")?, false).await?;
        let peer = pair(&book.store, &ep, &ticket).await?;
        let r = sync_with(book.clone(), &ep, peer.clone()).await;
        ep.close().await;
        let (report, secs) =
            r.map_err(|e| anyhow::anyhow!("paired with {}, but the first sync failed: {e}", peer.name))?;
        if json {
            out::json(&serde_json::json!({ "peer": peer, "sync": report }))
        } else {
            println!("paired with {} ({})", peer.name, peer.id);
            println!(
                "synced: sent {}, received {} new and {} updated ({secs:.1} s)",
                report.sent, report.received_new, report.received_merged
            );
            Ok(())
        }
    })
}

/// `rapport peer list`.
pub fn list(dir: &Path, json: bool) -> Result<()> {
    let store = Store::open(&store_path(dir))?;
    let all = peers(&store)?;
    if json {
        return out::json(&all);
    }
    let rows: Vec<Vec<String>> = all.iter().map(|p| vec![p.name.clone(), p.id.clone(), p.addrs.join(" ")]).collect();
    out::table(&["name", "endpoint", "addresses"], &rows);
    Ok(())
}

/// `rapport peer invites`.
pub fn invitations(dir: &Path, json: bool) -> Result<()> {
    let store = Store::open(&store_path(dir))?;
    let all = rapport_p2p::invitations(&store)?;
    if json {
        return out::json(&all);
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                i.state.as_str().to_string(),
                i.created.clone(),
                i.expires.clone(),
                i.used_by.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out::table(&["id", "state", "created", "expires", "used by"], &rows);
    Ok(())
}

/// `rapport peer cancel ID`.
pub fn cancel(dir: &Path, id: &str, json: bool) -> Result<()> {
    let store = Store::open(&store_path(dir))?;
    let cancelled = cancel_invitation(&store, id).map_err(|e| invitation_error("id", e))?;
    if json {
        return out::json(&cancelled);
    }
    println!("cancelled invitation {}: its ticket no longer pairs", cancelled.id);
    Ok(())
}

/// Syncs with every paired peer that answers; one result per peer.
pub fn sync_peers(book: &Arc<LocalBook>) -> Result<Vec<(String, PeerSync)>> {
    let rt = runtime()?;
    rt.block_on(async {
        let ep = bind(&book.store, parse_addr("0.0.0.0:0")?, false).await?;
        let mut out = Vec::new();
        for p in peers(&book.store)? {
            let name = format!("peer {} ({})", p.name, p.id.chars().take(10).collect::<String>());
            let r = tokio::time::timeout(Duration::from_secs(120), sync_with(book.clone(), &ep, p))
                .await
                .unwrap_or_else(|_| Err("timed out".into()));
            out.push((name, r));
        }
        ep.close().await;
        anyhow::Ok(out)
    })
}
