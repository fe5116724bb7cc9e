//! `rapport join URL TOKEN`: becoming a member of a team on this computer.
//!
//! The relay is the team's authority: the member's id, name and role come from it, never
//! from the command line, so no node writes as a member other than the one its token
//! belongs to. The first sync is the caller's (through the node, so its progress shows).

use crate::relay::{parse_relay, save_relay};
use crate::{store_path, LocalBook, NodeError};
use rapport_store::{Store, StoreError};
use rapport_sync::{ask_roster, HttpTransport, SyncError, TeamView};
use std::path::Path;

/// What joining did.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Joined {
    /// Team name.
    pub team: String,
    /// The member this node writes as.
    pub member: String,
    /// Their role, as the matrix names it.
    pub role: String,
    /// Whether the store was created now (rather than an existing store joining).
    pub created: bool,
}

fn id_bytes<const N: usize>(hex_text: &str) -> Option<[u8; N]> {
    hex::decode(hex_text).ok().and_then(|b| <[u8; N]>::try_from(b.as_slice()).ok())
}

/// Joins the team of the relay at `url` with `token`: creates the store with `create`
/// (given the member's name) when there is none, or takes an existing store that belongs
/// to no team or to this one. A store of another team, or the sample book of `serve
/// --demo`, is refused. Keeps the relay for the node's syncs.
pub fn join(
    dir: &Path,
    url: &str,
    token: &str,
    create: impl FnOnce(&Path, &str) -> Result<Store, StoreError>,
) -> Result<Joined, NodeError> {
    let cfg = parse_relay(url, token)?;
    let path = store_path(dir);
    let existing = if path.exists() { Some(Store::open(&path)?) } else { None };
    let (member, device) = match &existing {
        Some(s) => {
            let me = s.identity();
            (id_bytes::<16>(&me.member_id), id_bytes::<8>(&me.device_id).unwrap_or_default())
        }
        None => (None, id_bytes::<8>(&rapport_model::ItemId::random().0).unwrap_or_default()),
    };
    let mut transport = HttpTransport::new(&cfg.url, &cfg.token);
    let (view, _, _) = ask_roster(&mut transport, member, device).map_err(|e| match e {
        SyncError::Revoked(why) => NodeError::Relay(format!("the relay refuses this token: {why}")),
        SyncError::Unauthorized(_) | SyncError::Unreachable { .. } | SyncError::Peer { .. } => {
            // The same words `relay set` gives for a wrong token, scheme or address.
            crate::relay::verify_relay(&cfg).err().unwrap_or_else(|| NodeError::Relay(e.to_string()))
        }
        other => other.into(),
    })?;
    let team = view.roster.team.clone();
    let store = match existing {
        Some(store) => {
            if let Some(held) = TeamView::load(&store)? {
                if held.roster.team != team {
                    return Err(NodeError::Refused(format!(
                        "this store holds the book of team {}; join team {team} with a data directory of its own \
                         (`rapport --data-dir DIR join URL TOKEN`)",
                        held.roster.team
                    )));
                }
            }
            let (book, _) = LocalBook::open(store, crate::Clock::System)?;
            if let Some(why) = crate::team_refusal(&book)? {
                return Err(NodeError::Refused(why));
            }
            (book.store, false)
        }
        None => (create(&path, &view.you.name)?, true),
    };
    let (store, created) = store;
    let id = view.you.id.map(|i| i.to_hex()).unwrap_or_default();
    store.take_member(&view.you.name, &id)?;
    save_relay(dir, &cfg)?;
    Ok(Joined { team, member: view.you.name.clone(), role: view.you.role.label().to_string(), created })
}
