//! `rapport peer invite|add|list|invites|cancel`: pairing this node with a teammate's over
//! iroh. Parse, ask the node (this command's own, or the running one), print; the pairing
//! itself runs inside the node.

use crate::args::PeerCmd;
use crate::context::open_node;
use crate::out;
use anyhow::Result;
use rapport_node::{InviteRequest, InviteState, NodeControl};
use std::path::Path;
use std::time::{Duration, Instant};

/// How often `peer invite` looks whether the teammate paired.
const PAIRING_POLL: Duration = Duration::from_millis(500);

/// Runs one `rapport peer` command.
pub fn run(dir: &Path, cmd: PeerCmd, json: bool) -> Result<()> {
    match cmd {
        PeerCmd::Invite { listen, relays, wait, expires } => {
            invite(dir, &InviteRequest { listen, relays, expires, wait }, json)
        }
        PeerCmd::Add { ticket } => add(dir, &ticket, json),
        PeerCmd::List => list(dir, json),
        PeerCmd::Invites => invitations(dir, json),
        PeerCmd::Cancel { id } => cancel(dir, &id, json),
    }
}

/// `rapport peer invite`: prints a ticket, then waits (at most `--wait` seconds) for the
/// teammate to pair and says who did. The node listens meanwhile; a running node goes on
/// answering every other command.
fn invite(dir: &Path, req: &InviteRequest, json: bool) -> Result<()> {
    let node = open_node(dir)?;
    let invited = node.invite(req)?;
    if json {
        out::json(
            &serde_json::json!({ "ticket": invited.ticket, "addrs": invited.addrs, "invitation": invited.invitation }),
        )?;
    } else {
        println!("{}", invited.ticket);
        eprintln!("give this ticket to your teammate: rapport peer add TICKET");
        eprintln!(
            "invitation {} is valid until {} (cancel it with `rapport peer cancel {}`)",
            invited.invitation.id, invited.invitation.expires, invited.invitation.id
        );
        eprintln!("listening on {} for {} s (Ctrl-C to stop)", invited.addrs.join(", "), req.wait);
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let paired_by = wait_for_pairing(node.as_ref(), &invited.invitation.id, Duration::from_secs(req.wait))?;
    match paired_by {
        Some(who) if !json => eprintln!("paired with {who}"),
        None if !json => eprintln!("no teammate paired within {} s", req.wait),
        _ => {}
    }
    Ok(())
}

/// Who used invitation `id`, once someone has; `None` when `wait` ran out first or the
/// invitation was cancelled or expired.
fn wait_for_pairing(node: &dyn NodeControl, id: &str, wait: Duration) -> Result<Option<String>> {
    let started = Instant::now();
    while started.elapsed() < wait {
        match node.invitations()?.into_iter().find(|i| i.id == id) {
            Some(i) if i.state == InviteState::Used => return Ok(Some(i.used_by.unwrap_or_default())),
            Some(i) if i.state == InviteState::Open => {}
            _ => return Ok(None),
        }
        std::thread::sleep(PAIRING_POLL.min(wait.saturating_sub(started.elapsed())));
    }
    Ok(None)
}

/// `rapport peer add TICKET`: pairs with the inviting node, then syncs with it once.
fn add(dir: &Path, ticket: &str, json: bool) -> Result<()> {
    let paired = open_node(dir)?.add_peer(ticket)?;
    if json {
        return out::json(&serde_json::json!({ "peer": paired.peer, "sync": paired.sync }));
    }
    println!("paired with {} ({})", paired.peer.name, paired.peer.id);
    println!(
        "synced: sent {}, received {} new and {} updated ({:.1} s)",
        paired.sync.sent, paired.sync.received_new, paired.sync.received_merged, paired.seconds
    );
    Ok(())
}

/// `rapport peer list`.
fn list(dir: &Path, json: bool) -> Result<()> {
    let all = open_node(dir)?.peers()?;
    if json {
        return out::json(&all);
    }
    let rows: Vec<Vec<String>> = all.iter().map(|p| vec![p.name.clone(), p.id.clone(), p.addrs.join(" ")]).collect();
    out::table(&["name", "endpoint", "addresses"], &rows);
    Ok(())
}

/// `rapport peer invites`.
fn invitations(dir: &Path, json: bool) -> Result<()> {
    let all = open_node(dir)?.invitations()?;
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
fn cancel(dir: &Path, id: &str, json: bool) -> Result<()> {
    let cancelled = open_node(dir)?.cancel_invitation(id)?;
    if json {
        return out::json(&cancelled);
    }
    println!("cancelled invitation {}: its ticket no longer pairs", cancelled.id);
    Ok(())
}
