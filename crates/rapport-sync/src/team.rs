//! The team as this node last heard it from its relay: the roster and who this node's
//! member is in it. Kept in the store's node settings, so the write rules, `rapport team`
//! and the read scope work offline.

use crate::{SyncError, Transport};
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

    /// Why this node may not sync directly with the paired member named `peer`, if it may
    /// not. Until paired nodes check each other's read scope and write rules (not built
    /// yet, docs/permissions.md), a team with roles syncs peer to peer only between admins,
    /// who may read and change everything: any other pair would hand a member customers
    /// they may not read, or take changes their role does not allow.
    pub fn direct_sync_refusal(&self, peer: &str) -> Option<String> {
        if let Some(why) = &self.revoked {
            return Some(why.clone());
        }
        let admin = |m: &rapport_roles::Member| m.active && m.role == Role::Admin;
        if !admin(&self.you) {
            return Some(format!(
                "your role ({}) syncs through the team's relay only: under roles, peer-to-peer sync is between admins (docs/permissions.md)",
                self.you.role
            ));
        }
        match self.roster.named(peer) {
            Some(m) if admin(m) => None,
            Some(m) if !m.active => Some(format!("{} was removed from team {}", m.name, self.roster.team)),
            Some(m) => Some(format!(
                "{} is a {} and syncs through the team's relay only: under roles, peer-to-peer sync is between admins (docs/permissions.md)",
                m.name, m.role
            )),
            None => Some(format!("`{peer}` is not a member of team {}", self.roster.team)),
        }
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
