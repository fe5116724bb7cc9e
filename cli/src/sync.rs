//! `rapport relay set`, `rapport sync` and `rapport sync status`: syncing this node's book
//! with the team relay.

use crate::commands::{clock, store_path};
use crate::out;
use anyhow::{Context, Result};
use rapport_node::{Book, LocalBook};
use rapport_store::{Store, StoreError};
use rapport_sync::{sync_once, HttpTransport, SyncReport};
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

/// The outcome of the last sync, for `sync status`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SyncStatus {
    /// Relay URL.
    pub relay: Option<String>,
    /// When the last sync succeeded.
    pub last_success: Option<String>,
    /// What it did.
    pub last_report: Option<SyncReport>,
    /// When the last sync failed, and why.
    pub last_error: Option<(String, String)>,
    /// Customers written here and not yet sent.
    pub pending: Option<usize>,
}

fn config_path(dir: &Path) -> PathBuf {
    dir.join("relay.json")
}

fn status_path(dir: &Path) -> PathBuf {
    dir.join("sync-status.json")
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
    write_private(&config_path(dir), &serde_json::to_string_pretty(&cfg)?)?;
    if json {
        out::json(&serde_json::json!({ "relay": cfg.url }))
    } else {
        println!("this node now syncs with {}", cfg.url);
        Ok(())
    }
}

/// Writes a file only this user can read (it holds a credential).
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

fn config(dir: &Path) -> Result<RelayConfig> {
    let text = std::fs::read_to_string(config_path(dir))
        .map_err(|_| crate::commands::input_error("relay", "no relay configured; run `rapport relay set URL TOKEN`"))?;
    serde_json::from_str(&text).context("relay.json is damaged; run `rapport relay set URL TOKEN` again")
}

fn save_status(dir: &Path, s: &SyncStatus) {
    if let Ok(text) = serde_json::to_string_pretty(s) {
        let _ = std::fs::write(status_path(dir), text);
    }
}

fn load_status(dir: &Path) -> SyncStatus {
    std::fs::read_to_string(status_path(dir)).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

/// `rapport sync`: one full sync with the relay.
pub fn sync(dir: &Path, json: bool) -> Result<()> {
    let cfg = config(dir)?;
    let store = Store::open(&store_path(dir))?;
    let (book, _) = LocalBook::open(store, clock())?;
    let mut transport = HttpTransport::new(&cfg.url, &cfg.token);
    if !json {
        eprintln!("syncing with {} ...", cfg.url);
    }
    let started = std::time::Instant::now();
    let mut status = load_status(dir);
    status.relay = Some(cfg.url.clone());
    let now = crate::commands::now().format("%Y-%m-%d %H:%M:%S").to_string();
    match sync_once(&book.store, &mut transport) {
        Ok(report) => {
            if report.settings_changed {
                book.refresh_tags()?;
            }
            status.last_success = Some(now);
            status.last_report = Some(report.clone());
            status.pending = Some(0);
            save_status(dir, &status);
            if json {
                return out::json(&report);
            }
            println!(
                "sent {} customer(s), received {} new and {} updated, {} with concurrent edits; {} bytes up, {} bytes down, {:.1} s",
                report.sent,
                report.received_new,
                report.received_merged,
                report.conflicts,
                report.bytes_sent,
                report.bytes_received,
                started.elapsed().as_secs_f64()
            );
            if report.settings_changed {
                println!("team rules or tier settings changed; tags re-evaluated");
            }
            for r in &report.refused {
                println!("  refused: {r}");
            }
            Ok(())
        }
        Err(e) => {
            status.last_error = Some((now, e.to_string()));
            save_status(dir, &status);
            Err(e.into())
        }
    }
}

/// `rapport sync status`.
pub fn status(dir: &Path, json: bool) -> Result<()> {
    let mut s = load_status(dir);
    if let Ok(cfg) = config(dir) {
        s.relay = Some(cfg.url.clone());
        if let Ok(store) = Store::open(&store_path(dir)) {
            let peer = format!("relay:{}", cfg.url);
            let cursor = store.sync_cursor(&peer, "pushed")?;
            s.pending = Some(store.changed_since(cursor, usize::MAX)?.0.len());
        }
    }
    if json {
        return out::json(&s);
    }
    println!("relay         {}", s.relay.as_deref().unwrap_or("(none; rapport relay set URL TOKEN)"));
    println!("last success  {}", s.last_success.as_deref().unwrap_or("never"));
    if let Some((when, why)) = &s.last_error {
        println!("last error    {when}: {why}");
    }
    if let Some(p) = s.pending {
        println!("pending       {p} customer(s) written here and not yet sent");
    }
    Ok(())
}
