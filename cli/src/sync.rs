//! `rapport relay set`, `rapport sync` and `rapport sync status`: parse, ask the node
//! (this command's own, or the running one), print.

use crate::context::open_node;
use crate::out;
use anyhow::Result;
use rapport_node::SyncOutcome;
use rapport_sync::SyncReport;
use std::path::Path;

/// `rapport relay set URL TOKEN`: checked against the relay first; a running node syncs
/// with it at once.
pub fn set_relay(dir: &Path, url: &str, token: &str, json: bool) -> Result<()> {
    // Malformed input is refused before looking for a store or a node.
    rapport_node::parse_relay(url, token)?;
    let url = open_node(dir)?.set_relay(url, token)?;
    if json {
        out::json(&serde_json::json!({ "relay": url }))
    } else {
        println!("this node now syncs with {url}");
        Ok(())
    }
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
    if report.relay_restored {
        println!(
            "  the relay no longer held what it had taken from this team before (was it restored from a backup?): this node listed everything it holds and sent back what it lacked"
        );
    }
    for r in &report.refused {
        println!("  refused: {r}");
    }
}

/// `rapport sync [--peers]`: one full sync with the relay and/or every paired peer.
pub fn sync(dir: &Path, peers: bool, json: bool) -> Result<()> {
    let node = open_node(dir)?;
    if !json {
        if let Some(relay) = node.sync_status()?.relay {
            eprintln!("syncing with {relay} ...");
        }
    }
    let bars = crate::progress::SyncBars::new(json);
    let results = node.sync_observed(peers, &|p| bars.observe(p));
    drop(bars);
    let results = results?;
    let mut reports = serde_json::Map::new();
    let mut refused = 0;
    for SyncOutcome { with, report, error, seconds } in results {
        match (report, error) {
            (Some(report), _) => {
                refused += report.refused.len();
                if !json {
                    print_report(&with, &report, seconds);
                }
                reports.insert(with, serde_json::to_value(&report)?);
            }
            // The relay failing fails the command, as it always did; a peer that does not
            // answer is reported and the others still sync.
            (None, Some(e)) if with.starts_with("relay:") => anyhow::bail!(e),
            (None, e) => {
                let e = e.unwrap_or_default();
                if !json {
                    println!("{with}: {e}");
                }
                reports.insert(with, serde_json::json!({ "error": e }));
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

/// `rapport sync discard NUMBER`.
pub fn discard(dir: &Path, customer: &str, out: Option<std::path::PathBuf>, json: bool) -> Result<()> {
    let d = open_node(dir)?.discard(customer, out)?;
    if json {
        return out::json(&d);
    }
    println!("{} change(s) to customer {} written to {}", d.changes, d.customer, d.file);
    if d.reset {
        println!("customer {} is now as the relay holds it", d.customer);
    } else {
        println!("customer {} was removed here: the relay holds none you may read", d.customer);
    }
    Ok(())
}

/// `rapport sync status`.
pub fn status(dir: &Path, json: bool) -> Result<()> {
    let s = open_node(dir)?.sync_status()?;
    if json {
        return out::json(&s);
    }
    println!("relay  {}", s.relay.as_deref().unwrap_or("(none; rapport relay set URL TOKEN)"));
    if s.peers.is_empty() {
        println!("never synced");
    }
    for l in s.peers {
        println!("{}", l.peer);
        println!("  in step       {}", if l.in_step { "yes" } else { "no" });
        println!("  last success  {}", l.status.last_success.as_deref().unwrap_or("never"));
        if let Some((when, why)) = &l.status.last_error {
            println!("  last error    {when}: {why}");
        }
        println!("  pending       {} customer(s) written here and not yet sent", l.pending);
        if let Some(at) = &l.status.relay_restored_at {
            println!("  restored      {at}: the relay had lost what it took before (a backup restored?); this node sent back what it lacked");
        }
        if let Some(p) = &l.progress {
            println!(
                "  syncing now   sent {} of {}, received {} of {} documents{}",
                p.sent,
                p.to_send,
                p.received,
                p.to_receive,
                crate::progress::time_left(p)
            );
        }
        if !l.status.refused.is_empty() {
            println!("  refused       {} document(s), tried again at every sync:", l.status.refused.len());
            for r in &l.status.refused {
                println!("    {r}");
            }
        }
    }
    Ok(())
}
