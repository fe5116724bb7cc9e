//! `rapport relay set`, `rapport sync` and `rapport sync status`: syncing this node's book
//! with the team relay.

use crate::commands::{clock, store_path};
use crate::out;
use anyhow::{Context, Result};
use rapport_node::{Book, LocalBook};
use rapport_store::{Store, StoreError};
use rapport_sync::{status, sync_once_with, HttpTransport, ProgressObserver, SyncReport};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where this node syncs to.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RelayConfig {
    /// Relay base URL.
    pub url: String,
    /// This member's token on the relay.
    pub token: String,
}

fn config_path(dir: &Path) -> PathBuf {
    dir.join("relay.json")
}

/// `rapport relay set URL TOKEN`.
pub fn set_relay(dir: &Path, url: &str, token: &str, json: bool) -> Result<()> {
    let url = url.trim().trim_end_matches('/');
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(crate::commands::input_error("url", "must start with http:// or https://"));
    }
    if token.trim().len() < 16 {
        return Err(crate::commands::input_error("token", "is too short to be a relay token"));
    }
    if !store_path(dir).exists() {
        return Err(StoreError::NotInitialized(store_path(dir)).into());
    }
    let cfg = RelayConfig { url: url.to_string(), token: token.trim().to_string() };
    let path = config_path(dir);
    rapport_api::auth::write_private(&path, serde_json::to_string_pretty(&cfg)?.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    if json {
        out::json(&serde_json::json!({ "relay": cfg.url }))
    } else {
        println!("this node now syncs with {}", cfg.url);
        Ok(())
    }
}

fn config(dir: &Path) -> Result<RelayConfig> {
    let text = std::fs::read_to_string(config_path(dir))
        .map_err(|_| crate::commands::input_error("relay", "no relay configured; run `rapport relay set URL TOKEN`"))?;
    serde_json::from_str(&text).context("relay.json is damaged; run `rapport relay set URL TOKEN` again")
}

/// The relay this node syncs with, if one is set.
pub fn relay_config(dir: &Path) -> Option<RelayConfig> {
    config(dir).ok()
}

/// Prints a sync report.
fn print_report(what: &str, report: &SyncReport, secs: f64) {
    println!(
        "{what}: sent {} customer(s), received {} new and {} updated, {} with concurrent edits; {} bytes up, {} bytes down, {secs:.1} s",
        report.sent, report.received_new, report.received_merged, report.conflicts, report.bytes_sent, report.bytes_received
    );
    if report.settings_changed {
        println!("  team rules or tier settings changed; tags re-evaluated");
    }
    if let Some(d) = &report.device_renewed {
        println!(
            "  this store was restored from a backup or copied: the relay holds changes it does not. It now writes as a new device (numbers ...-{}-NNN) and sent {} change(s) on {} customer(s) again",
            d.device_code, d.changes_remade, d.customers
        );
        for (old, new) in &d.renumbered {
            println!("  customer {old} created here is now {new} (its number may have been used since the backup)");
        }
    }
    for r in &report.refused {
        println!("  refused: {r}");
    }
}

fn stamp() -> String {
    crate::commands::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// One sync with the relay, recording its outcome in the store; used by `rapport sync`
/// and by the running node's background sync.
pub fn sync_relay(book: &LocalBook, cfg: &RelayConfig) -> Result<SyncReport, rapport_sync::SyncError> {
    sync_relay_with(book, cfg, &|_| {})
}

/// [`sync_relay`], telling `progress` how far the sync has got.
fn sync_relay_with(
    book: &LocalBook,
    cfg: &RelayConfig,
    progress: ProgressObserver<'_>,
) -> Result<SyncReport, rapport_sync::SyncError> {
    let mut transport = HttpTransport::new(&cfg.url, &cfg.token);
    let peer = rapport_sync::Transport::peer(&transport);
    match sync_once_with(&book.store, &mut transport, progress) {
        Ok(report) => {
            if report.settings_changed {
                book.refresh_tags()?;
            }
            status::record_success(&book.store, &peer, &report, &stamp())?;
            Ok(report)
        }
        Err(e) => {
            let _ = status::record_error(&book.store, &peer, &e.to_string(), &stamp());
            Err(e)
        }
    }
}

/// `rapport sync [--peers]`: one full sync with the relay and/or every paired peer.
pub fn sync(dir: &Path, peers: bool, json: bool) -> Result<()> {
    let store = Store::open(&store_path(dir))?;
    let (book, _) = LocalBook::open(store, clock())?;
    let mut reports = serde_json::Map::new();
    let mut refused = 0;
    let relay = relay_config(dir);
    if relay.is_none() && !peers {
        return Err(crate::commands::input_error(
            "relay",
            "no relay configured; run `rapport relay set URL TOKEN`, or sync with paired peers: `rapport sync --peers`",
        ));
    }
    if let Some(cfg) = relay {
        if !json {
            eprintln!("syncing with {} ...", cfg.url);
        }
        let started = std::time::Instant::now();
        let bars = crate::progress::SyncBars::new(json);
        let report = sync_relay_with(&book, &cfg, &|p| bars.observe(p));
        drop(bars);
        let report = report?;
        refused += report.refused.len();
        if !json {
            print_report(&cfg.url, &report, started.elapsed().as_secs_f64());
        }
        reports.insert(format!("relay:{}", cfg.url), serde_json::to_value(&report)?);
    }
    if peers {
        let book = std::sync::Arc::new(book);
        for (name, r) in crate::peer::sync_peers(&book)? {
            match r {
                Ok((report, secs)) => {
                    refused += report.refused.len();
                    if !json {
                        print_report(&name, &report, secs);
                    }
                    reports.insert(name, serde_json::to_value(&report)?);
                }
                Err(e) => {
                    if !json {
                        println!("{name}: {e}");
                    }
                    reports.insert(name, serde_json::json!({ "error": e }));
                }
            }
        }
    }
    if json {
        out::json(&reports)?;
    }
    // Never reported as a success while a document is stuck.
    if refused > 0 {
        anyhow::bail!(
            "{refused} document(s) were not exchanged (listed above, and by `rapport sync status`); every sync tries them again"
        );
    }
    Ok(())
}

/// `rapport sync status`.
pub fn status(dir: &Path, json: bool) -> Result<()> {
    let store = Store::open(&store_path(dir))?;
    let lines = status::lines(&store)?;
    let relay = relay_config(dir).map(|c| c.url);
    if json {
        return out::json(&serde_json::json!({ "relay": relay, "peers": lines }));
    }
    println!("relay  {}", relay.as_deref().unwrap_or("(none; rapport relay set URL TOKEN)"));
    if lines.is_empty() {
        println!("never synced");
    }
    for l in lines {
        println!("{}", l.peer);
        println!("  in step       {}", if l.in_step { "yes" } else { "no" });
        println!("  last success  {}", l.status.last_success.as_deref().unwrap_or("never"));
        if let Some((when, why)) = &l.status.last_error {
            println!("  last error    {when}: {why}");
        }
        println!("  pending       {} customer(s) written here and not yet sent", l.pending);
        if !l.status.refused.is_empty() {
            println!("  refused       {} document(s), tried again at every sync:", l.status.refused.len());
            for r in &l.status.refused {
                println!("    {r}");
            }
        }
    }
    Ok(())
}
