//! The team as this node last heard it from its relay: the roster and who this node's
//! member is in it. Kept in the store's node settings, so the write rules, `rapport team`
//! and the read scope work offline.

use crate::{SyncError, Transport};
use rapport_model::CustomerId;
use rapport_roles::{Member, MemberId, Role, Roster};
use rapport_store::{Store, StoreError};
use rapport_wire::{decode, encode, Message, RosterMember};
use serde::{Deserialize, Serialize};

/// Node setting holding the [`TeamView`] (JSON).
const TEAM_KEY: &str = "team";

/// The team as the relay last described it to this node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    /// The roster.
    pub roster: Roster,
    /// This node's member.
    pub you: Member,
    /// Set when the relay said this member was removed from the team, with its words: the
    /// team's data was removed from this store then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<String>,
}

impl TeamView {
    /// The team as last heard, if a relay ever described it.
    pub fn load(store: &Store) -> Result<Option<TeamView>, StoreError> {
        match store.node_meta(TEAM_KEY)? {
            Some(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|e| StoreError::Db(format!("the stored team roster is unreadable: {e}"))),
            None => Ok(None),
        }
    }

    /// Stores this view.
    pub fn save(&self, store: &Store) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(self).map_err(|e| StoreError::Db(e.to_string()))?;
        store.set_node_meta(TEAM_KEY, &bytes)
    }

    /// The view from a relay's `Team` answer; a member whose role this version does not
    /// know is refused rather than guessed at.
    pub fn from_wire(team: String, you: RosterMember, members: Vec<RosterMember>) -> Result<TeamView, String> {
        let member = |m: RosterMember| -> Result<Member, String> {
            let role = Role::parse(&m.role).map_err(|e| format!("the relay's roster: {}: {e}", m.name))?;
            Ok(Member { id: m.id.map(MemberId), name: m.name, role, groups: m.groups, active: m.active })
        };
        let members = members.into_iter().map(member).collect::<Result<Vec<_>, _>>()?;
        Ok(TeamView { roster: Roster { team, members }, you: member(you)?, revoked: None })
    }

    /// What this node's read scope depends on: its member's role, groups and standing and,
    /// for a scope of groups, which members share a group with it. The book is listed
    /// again from the start only when this changes.
    pub fn scope_key(&self) -> String {
        let me = &self.you;
        let mut key = format!("{:?}|{}|{:?}", me.role, me.active, me.groups);
        if rapport_roles::matrix().scope(me.role, rapport_roles::Action::Read) == rapport_roles::Scope::Group {
            let mut peers: Vec<String> = self
                .roster
                .members
                .iter()
                .filter(|m| m.active && m.groups.iter().any(|g| me.groups.contains(g)))
                .map(|m| rapport_model::member_key(&m.name))
                .collect();
            peers.sort();
            key.push_str(&peers.join("|"));
        }
        key
    }

    /// Whether this node may keep a customer owned by `owner`.
    pub fn may_read(&self, owner: &str) -> bool {
        self.revoked.is_none() && rapport_roles::may_read(&self.roster, &self.you, owner)
    }
}

/// Asks the relay behind `transport` for the roster, as the member `member` (absent for a
/// node that has none yet) on device `device`. A revoked token is [`SyncError::Revoked`].
pub fn ask_roster(
    transport: &mut dyn Transport,
    member: Option<[u8; 16]>,
    device: [u8; 8],
) -> Result<(TeamView, u64, u64), SyncError> {
    let req = encode(&Message::Roster { member, device });
    let resp = transport.call(&req)?;
    let (sent, received) = (req.len() as u64, resp.len() as u64);
    match decode(&resp)? {
        Message::Team { team, you, members } => {
            let view = TeamView::from_wire(team, you, members)
                .map_err(|detail| SyncError::Peer { code: "roster".into(), detail })?;
            if view.you.id.is_none() {
                return Err(SyncError::Peer {
                    code: "roster".into(),
                    detail: "the relay gave this member no id".into(),
                });
            }
            Ok((view, sent, received))
        }
        Message::Error { code, detail } => Err(SyncError::Peer { code, detail }),
        _ => Err(SyncError::Peer { code: "protocol".into(), detail: "expected Team".into() }),
    }
}

/// What a paired peer may receive from this node and send to it, under the team's roster:
/// the peer is the member its pairing bound. Both ends hold each other to it: a node
/// answering a peer lists and sends only customers the peer may read and takes only
/// changes the two of them wrote that the author's role allows; a node syncing with a peer
/// sends only what the peer may read and keeps only what passes the same checks.
pub struct PeerRules {
    view: TeamView,
    peer: rapport_roles::Member,
}

impl PeerRules {
    /// The rules for the paired member named `peer`, when this store has a roster (`None`
    /// without one: a team from before roles, or no team). Refused when either member was
    /// removed from the team or the peer is not a member.
    pub fn for_peer(store: &Store, peer: &str) -> Result<Option<PeerRules>, String> {
        let Some(view) = TeamView::load(store).map_err(|e| e.to_string())? else { return Ok(None) };
        if let Some(why) = &view.revoked {
            return Err(why.clone());
        }
        let peer = match view.roster.owner(peer) {
            Ok(m) if m.id.is_some() => m.clone(),
            Ok(m) => return Err(format!("{} has not synced with the team's relay yet; pair once they have", m.name)),
            Err(e) => return Err(format!("the peer: {e}")),
        };
        Ok(Some(PeerRules { view, peer }))
    }

    /// The peer's member name.
    pub fn peer_name(&self) -> &str {
        &self.peer.name
    }

    /// Whether the peer may receive a customer owned by `owner`.
    pub fn may_send(&self, owner: &str) -> bool {
        rapport_roles::may_read(&self.view.roster, &self.peer, owner)
    }

    /// The changes in `changes` that neither member of this link wrote, as a refusal.
    fn authors(&self, changes: &[rapport_doc::Authored], also: &[rapport_doc::ChangeHash]) -> Result<(), String> {
        let ids: Vec<MemberId> = [self.peer.id, self.view.you.id].into_iter().flatten().collect();
        match rapport_roles::foreign_change(changes, &ids, also) {
            None => Ok(()),
            Some(c) => Err(format!(
                "a change written by a third member (actor {}): changes travel peer to peer only between the two members who wrote them; the rest goes through the relay",
                hex::encode(&c.actor)
            )),
        }
    }

    /// Whether a customer document from the peer may be kept here: it passes the checks
    /// every node makes, every change new here was written by one of the two members, the
    /// peer's role allows what they do, and this member may read the result.
    pub fn check_customer(&self, store: &Store, id: CustomerId, bytes: &[u8]) -> Result<(), String> {
        let text = |e: rapport_doc::DocError| e.to_string();
        let held = match store.load_doc(id) {
            Ok(d) => Some(d),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.to_string()),
        };
        let (mut merged, before_heads, before) = match held {
            Some(mut d) => {
                let heads = d.heads();
                let before = d.read().map_err(text)?;
                (d.with_untrusted(bytes).map_err(text)?, heads, Some(before))
            }
            None => (rapport_doc::CustomerDoc::load_untrusted(bytes).map_err(text)?, Vec::new(), None),
        };
        let after = merged.check(id).map_err(text)?;
        self.authors(&rapport_doc::changes_since(merged.automerge(), &before_heads), &[])?;
        if merged.heads() != before_heads {
            rapport_roles::check_customer(&self.view.roster, &self.peer, before.as_ref(), &after)
                .map_err(|e| format!("{}'s role ({}): {e}", self.peer.name, self.peer.role))?;
        }
        if !self.view.may_read(&after.owner) {
            return Err(format!("customer {} is outside your read scope", after.number));
        }
        Ok(())
    }

    /// Whether settings changes from the peer may be kept here (the same rules).
    pub fn check_settings(&self, store: &Store, bytes: &[u8]) -> Result<(), String> {
        let text = |e: rapport_doc::DocError| e.to_string();
        let mut held = store.settings_doc().map_err(|e| e.to_string())?;
        let before_heads = held.heads();
        let before = rapport_roles::SettingsView::read(&held).map_err(text)?;
        let mut merged = held.with_untrusted(bytes).map_err(text)?;
        self.authors(
            &rapport_doc::changes_since(merged.automerge(), &before_heads),
            rapport_rules::default_settings_heads(),
        )?;
        let after = rapport_roles::SettingsView::read(&merged).map_err(text)?;
        rapport_roles::check_settings(&self.view.roster, &self.peer, &before, &after)
            .map_err(|e| format!("{}'s role ({}): {e}", self.peer.name, self.peer.role))
    }

    /// This node's member id, whose changes alone it sends to the peer.
    pub fn own_id(&self) -> Option<[u8; 16]> {
        self.view.you.id.map(|i| i.0)
    }
}
