//! The team on this node: the write rules installed in the store, and owners as members.
//!
//! The rules themselves are `rapport-roles` (the same function the relay runs); this file
//! only hands them the roster and this node's member as the last sync brought them.

use rapport_doc::SettingsDoc;
use rapport_model::{Customer, FieldError};
use rapport_roles::{check_customer, check_settings, SettingsView};
use rapport_store::{Guard, Store, StoreError, Unguarded};
use rapport_sync::TeamView;
use std::sync::Arc;

/// The team's write rules for this node's member.
struct RosterGuard {
    view: TeamView,
}

impl RosterGuard {
    fn revoked(&self) -> Result<(), String> {
        match &self.view.revoked {
            Some(why) => Err(format!("this device can no longer change the team's book: {why}")),
            None => Ok(()),
        }
    }
}

impl Guard for RosterGuard {
    fn customer(&self, before: Option<&Customer>, after: &Customer) -> Result<(), String> {
        self.revoked()?;
        check_customer(&self.view.roster, &self.view.you, before, after).map_err(|e| e.to_string())
    }

    fn settings(&self, before: &SettingsDoc, after: &SettingsDoc) -> Result<(), String> {
        self.revoked()?;
        let read = |d: &SettingsDoc| SettingsView::read(d).map_err(|e| e.to_string());
        check_settings(&self.view.roster, &self.view.you, &read(before)?, &read(after)?).map_err(|e| e.to_string())
    }
}

/// Installs the write rules of the team as the store last heard it from the relay; a
/// store that never received a roster (no relay, or a relay from before roles) allows
/// every edit, as before.
pub fn install_guard(store: &Store) -> Result<(), StoreError> {
    match TeamView::load(store)? {
        Some(view) => store.set_guard(Arc::new(RosterGuard { view })),
        None => store.set_guard(Arc::new(Unguarded)),
    }
    Ok(())
}

/// What this node's member may do, as the roster the store last received says (read once,
/// asked many times): the answers the store's guard will give when the writes come, so a
/// face can hide a control the guard would refuse.
pub struct Rights(Option<TeamView>);

impl Rights {
    /// The rights of this node's member, from the roster the store holds.
    pub fn load(store: &Store) -> Result<Rights, StoreError> {
        Ok(Rights(TeamView::load(store)?))
    }

    /// Whether the member may take `action` on a customer owned by `owner`: every action
    /// on a store that never received a roster, none on a revoked device.
    pub fn may(&self, action: rapport_roles::Action, owner: &str) -> bool {
        match &self.0 {
            None => true,
            Some(view) if view.revoked.is_some() => false,
            Some(view) => rapport_roles::may(&view.roster, &view.you, action, owner),
        }
    }
}

/// [`Rights::may`] for one question.
pub fn may_here(store: &Store, action: rapport_roles::Action, owner: &str) -> Result<bool, StoreError> {
    Ok(Rights::load(store)?.may(action, owner))
}

/// The member a customer's owner names, as the roster spells them; any name when this
/// node has no roster. An owner who is not an active member is refused naming `owner`.
pub fn owner_in_roster(store: &Store, owner: &str) -> Result<String, StoreError> {
    let Some(view) = TeamView::load(store)? else { return Ok(owner.to_string()) };
    match view.roster.owner(owner) {
        Ok(m) => Ok(m.name.clone()),
        Err(e) => Err(StoreError::Invalid(FieldError::new("owner", e.to_string()).into())),
    }
}

/// The team as `rapport team` and `GET /v1/team` show it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Team {
    /// Team name; `None` while this node has no roster (no relay yet, or a relay from
    /// before roles): every edit is then allowed here, as before.
    pub name: Option<String>,
    /// This node's member.
    pub you: Option<TeamMember>,
    /// Every member, revoked ones included, by name.
    pub members: Vec<TeamMember>,
    /// Set when the relay removed this member from the team, with its words.
    pub revoked: Option<String>,
}

/// A member as the team shows them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TeamMember {
    /// Name.
    pub name: String,
    /// Role, as the matrix names it (`sales rep`).
    pub role: String,
    /// Groups.
    pub groups: Vec<String>,
    /// False once revoked.
    pub active: bool,
}

impl Team {
    /// The team as this store last heard it.
    pub fn of(store: &Store) -> Result<Team, StoreError> {
        let Some(v) = TeamView::load(store)? else { return Ok(Team::default()) };
        let member = |m: &rapport_roles::Member| TeamMember {
            name: m.name.clone(),
            role: m.role.label().to_string(),
            groups: m.groups.clone(),
            active: m.active,
        };
        Ok(Team {
            name: Some(v.roster.team.clone()),
            you: Some(member(&v.you)),
            members: v.roster.members.iter().map(member).collect(),
            revoked: v.revoked.clone(),
        })
    }
}
