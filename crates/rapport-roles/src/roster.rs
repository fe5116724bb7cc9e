//! Roles, members and the team's roster, and the one decision "may this member do this
//! to a customer owned by that name".

use crate::{matrix, Action, Scope};
use rapport_model::member_key;
use serde::{Deserialize, Serialize};

/// A member's role (domain section 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads and edits the customers they own.
    SalesRep,
    /// Reads every customer; adds service records and follow-ups everywhere.
    CustomerService,
    /// Reads and edits the customers of their groups; reassigns, archives, merges.
    Manager,
    /// Everything, including rules, tiers and the roster.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::SalesRep, Role::CustomerService, Role::Manager, Role::Admin];

    /// The role as the matrix and messages name it (`sales rep`).
    pub fn label(self) -> &'static str {
        match self {
            Role::SalesRep => "sales rep",
            Role::CustomerService => "customer service",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// The role as typed on a command line: `sales-rep` (or `sales rep`, `rep`, `销售`),
    /// `customer-service` (`service`, `客服`), `manager` (`经理`), `admin` (`管理员`).
    pub fn parse(text: &str) -> Result<Role, RosterError> {
        let t = text.trim().to_lowercase().replace(['_', ' '], "-");
        match t.as_str() {
            "sales-rep" | "rep" | "sales" | "销售" => Ok(Role::SalesRep),
            "customer-service" | "service" | "客服" => Ok(Role::CustomerService),
            "manager" | "经理" => Ok(Role::Manager),
            "admin" | "管理员" => Ok(Role::Admin),
            _ => Err(RosterError::Role(text.to_string())),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A member id: the first 16 bytes of every Automerge actor the member writes as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MemberId(pub [u8; 16]);

impl MemberId {
    /// As 32 hex digits.
    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    /// From 32 hex digits.
    pub fn from_hex(text: &str) -> Option<MemberId> {
        let b = hex::decode(text.trim()).ok()?;
        Some(MemberId(<[u8; 16]>::try_from(b.as_slice()).ok()?))
    }

    /// The member part of an Automerge actor (member id then device id), if it has one.
    pub fn of_actor(actor: &[u8]) -> Option<MemberId> {
        Some(MemberId(<[u8; 16]>::try_from(actor.get(..16)?).ok()?))
    }
}

/// A member of the team, as the roster gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's id; `None` for a member from before roles whose node has not synced
    /// since (the relay binds the id the node writes as at its first sync).
    pub id: Option<MemberId>,
    /// Name, as owners and authors are written.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Groups, sorted.
    pub groups: Vec<String>,
    /// Revoked members keep their name in the roster (their customers name them) but may
    /// do nothing.
    pub active: bool,
}

impl Member {
    /// Whether `name` is this member's name, compared as owners are (any case and width).
    pub fn is_named(&self, name: &str) -> bool {
        member_key(&self.name) == member_key(name)
    }
}

/// The team's members.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    /// Team name.
    pub team: String,
    /// Every member, revoked ones included, by name.
    pub members: Vec<Member>,
}

/// A roster question that has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    /// Not a role.
    #[error("`{0}` is not a role: use sales-rep, customer-service, manager or admin")]
    Role(String),
    /// No such member.
    #[error("`{0}` is not a member of the team (rapport team lists them)")]
    NotAMember(String),
    /// A revoked member.
    #[error("`{0}` was revoked from the team")]
    Revoked(String),
}

impl Roster {
    /// The member of this name (any case and width), revoked or not.
    pub fn named(&self, name: &str) -> Option<&Member> {
        let key = member_key(name);
        self.members.iter().find(|m| member_key(&m.name) == key)
    }

    /// The member with this id.
    pub fn by_id(&self, id: MemberId) -> Option<&Member> {
        self.members.iter().find(|m| m.id == Some(id))
    }

    /// The active member of this name, as a customer's owner must be; the error says
    /// why not.
    pub fn owner(&self, name: &str) -> Result<&Member, RosterError> {
        match self.named(name) {
            Some(m) if m.active => Ok(m),
            Some(m) => Err(RosterError::Revoked(m.name.clone())),
            None => Err(RosterError::NotAMember(name.trim().to_string())),
        }
    }

    /// Whether `owner` names `member` or an active member sharing one of its groups.
    fn in_group(&self, member: &Member, owner: &str) -> bool {
        if member.is_named(owner) {
            return true;
        }
        match self.named(owner) {
            Some(o) if o.active => o.groups.iter().any(|g| member.groups.contains(g)),
            _ => false,
        }
    }
}

/// Whether `member` may do `action` to a customer owned by `owner` (for settings actions,
/// `owner` is ignored: their cells are `no` or `all`). A revoked member may do nothing.
pub fn may(roster: &Roster, member: &Member, action: Action, owner: &str) -> bool {
    if !member.active {
        return false;
    }
    match matrix().scope(member.role, action) {
        Scope::No => false,
        Scope::All => true,
        Scope::Own => member.is_named(owner),
        Scope::Group => roster.in_group(member, owner),
    }
}

/// Whether `member`'s node receives and keeps a customer owned by `owner`.
pub fn may_read(roster: &Roster, member: &Member, owner: &str) -> bool {
    may(roster, member, Action::Read, owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn member(name: &str, role: Role, groups: &[&str]) -> Member {
        Member {
            id: Some(MemberId(*blake3_like(name))),
            name: name.into(),
            role,
            groups: groups.iter().map(|g| g.to_string()).collect(),
            active: true,
        }
    }

    fn blake3_like(name: &str) -> &'static [u8; 16] {
        // A distinct id per name, without a hash dependency: leaked once per test member.
        let mut b = [0u8; 16];
        for (i, c) in name.bytes().enumerate() {
            b[i % 16] ^= c.wrapping_add(i as u8);
        }
        Box::leak(Box::new(b))
    }

    #[test]
    fn read_scope_follows_role_and_groups() {
        let rep = member("Li Wei", Role::SalesRep, &["north"]);
        let rep2 = member("王小明", Role::SalesRep, &["north"]);
        let south = member("Chen Jie", Role::SalesRep, &["south"]);
        let boss = member("Zhang Min", Role::Manager, &["north"]);
        let cs = member("Wang Fang", Role::CustomerService, &[]);
        let mut gone = member("Old Hand", Role::SalesRep, &["north"]);
        gone.active = false;
        let roster = Roster {
            team: "Acme".into(),
            members: vec![rep.clone(), rep2.clone(), south.clone(), boss.clone(), cs.clone(), gone.clone()],
        };
        assert!(may_read(&roster, &rep, "li wei"), "own, any case");
        assert!(!may_read(&roster, &rep, "王小明"), "a rep reads only their own");
        assert!(may_read(&roster, &boss, "王小明") && may_read(&roster, &boss, "Zhang Min"));
        assert!(!may_read(&roster, &boss, "Chen Jie"), "another group");
        assert!(!may_read(&roster, &boss, "Old Hand"), "a revoked owner's customers wait for reassignment");
        assert!(!may_read(&roster, &boss, "Nobody"), "an unknown owner");
        assert!(may_read(&roster, &cs, "Chen Jie") && may_read(&roster, &cs, "Nobody"));
        assert!(!may_read(&roster, &gone, "Old Hand"), "a revoked member reads nothing");
        assert_eq!(roster.owner("old hand"), Err(RosterError::Revoked("Old Hand".into())));
        assert_eq!(roster.owner(" Nobody "), Err(RosterError::NotAMember("Nobody".into())));
    }

    #[test]
    fn roles_parse_from_what_people_type() {
        for (t, r) in [
            ("sales-rep", Role::SalesRep),
            ("Sales Rep", Role::SalesRep),
            ("销售", Role::SalesRep),
            ("customer_service", Role::CustomerService),
            ("客服", Role::CustomerService),
            ("MANAGER", Role::Manager),
            ("管理员", Role::Admin),
        ] {
            assert_eq!(Role::parse(t), Ok(r), "{t}");
        }
        let e = Role::parse("boss").expect_err("not a role").to_string();
        assert!(e.contains("boss") && e.contains("sales-rep"), "{e}");
    }
}
