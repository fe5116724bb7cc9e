//! Teams and members: who may sync into which team's documents.

use crate::files::{private_dir, private_file};
use crate::{random_token, token_hash, RelayError};
use rapport_model::member_key;
use rapport_roles::{MemberId, Role, Roster};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Team name -> team record (JSON).
const TEAMS: TableDefinition<&str, &[u8]> = TableDefinition::new("teams");
/// Token hash -> the member it belongs to (JSON [`Member`]).
const MEMBERS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("members");
/// Team and member key ([`roster_key`]) -> roster entry (JSON [`RosterEntry`]).
const ROSTER: TableDefinition<&str, &[u8]> = TableDefinition::new("roster");

/// A team.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Team {
    /// Name, unique.
    pub name: String,
    /// File-safe id.
    pub id: String,
}

/// A token's access to a team: which member it belongs to. A member has one token per
/// computer (`--another-token`); revoking the member revokes them all.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Member {
    /// Team name.
    pub team: String,
    /// Member name.
    pub name: String,
    /// Revoked tokens are refused at once.
    pub revoked: bool,
}

/// A member of a team's roster, as the relay keeps it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RosterEntry {
    /// Team name.
    pub team: String,
    /// Member name.
    pub name: String,
    /// Member id, 32 hex digits: the first half of every actor the member writes as.
    /// `None` for a member from before roles until their node's first sync binds the id it
    /// already writes as.
    pub id: Option<String>,
    /// Role.
    pub role: Role,
    /// Groups, sorted.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Revoked: every token refused, the node wipes the team's data at its next contact.
    pub revoked: bool,
    /// Device id (16 hex digits) -> when that device last asked for the roster (the start
    /// of every sync), UTC.
    #[serde(default)]
    pub devices: BTreeMap<String, String>,
}

impl RosterEntry {
    /// The entry as the roles crate reads it.
    pub fn member(&self) -> rapport_roles::Member {
        rapport_roles::Member {
            id: self.id.as_deref().and_then(MemberId::from_hex),
            name: self.name.clone(),
            role: self.role,
            groups: self.groups.clone(),
            active: !self.revoked,
        }
    }
}

/// A member as `member list` shows it: the roster entry and their tokens.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemberSummary {
    /// The roster entry.
    #[serde(flatten)]
    pub entry: RosterEntry,
    /// Tokens that still sync.
    pub active_tokens: usize,
    /// Tokens that were revoked.
    pub revoked_tokens: usize,
}

/// Who a token belongs to.
pub enum Authenticated {
    /// An active member of a team.
    Member(RosterEntry, Team),
    /// A revoked member: refused with a reason the node acts on (it removes the team's data).
    Revoked(String),
    /// Not a token of this relay.
    Unknown,
}

/// The roster key of a member: team, then the name compared as owners are.
fn roster_key(team: &str, name: &str) -> String {
    format!("{team}\0{}", member_key(name))
}

/// A group name as stored; the same rules as member names.
fn clean_groups(groups: &[String]) -> Result<Vec<String>, RelayError> {
    let mut out = groups.iter().map(|g| clean_name("group", g)).collect::<Result<Vec<_>, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// Longest team or member name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A team or member name as stored: trimmed, 1-100 characters, no control characters.
/// Spaces and any script are fine ("Li Wei", "王小明").
pub fn clean_name(what: &str, name: &str) -> Result<String, RelayError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS {
        return Err(RelayError::Invalid(format!("a {what} name needs 1-{MAX_NAME_CHARS} characters, got {chars}")));
    }
    if name.chars().any(char::is_control) {
        return Err(RelayError::Invalid(format!(
            "the {what} name `{}` contains a control character (a tab or line break?)",
            name.escape_debug()
        )));
    }
    Ok(name.to_string())
}

/// The relay's administrative database.
pub struct Admin {
    /// `None` after a failing disk dropped it, until the next use opens the file again.
    db: std::sync::RwLock<Option<std::sync::Arc<Database>>>,
    path: std::path::PathBuf,
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

impl Admin {
    /// The open database, opened again if a failing disk dropped it. redb refuses every
    /// transaction after one failed write until the file is opened again: without this a
    /// full disk on the relay host broke authentication for every team until a restart.
    fn db(&self) -> Result<std::sync::Arc<Database>, RelayError> {
        if let Some(db) = self.db.read().map_err(|_| RelayError::Storage("admin lock poisoned".into()))?.as_ref() {
            return Ok(db.clone());
        }
        let mut slot = self.db.write().map_err(|_| RelayError::Storage("admin lock poisoned".into()))?;
        if let Some(db) = slot.as_ref() {
            return Ok(db.clone());
        }
        // Fails (the file still locked) while a call that began before the failure holds
        // the old handle; the next use tries again.
        let db = std::sync::Arc::new(Database::create(&self.path).map_err(|e| match RelayError::from(e) {
            RelayError::Locked(_) => {
                RelayError::Storage("the members' file is reopening after a disk failure; try again in a moment".into())
            }
            other => other,
        })?);
        *slot = Some(db.clone());
        Ok(db)
    }

    /// Drops the database after `e` when it says the disk failed, so the next use opens the
    /// file again (at its last committed state). Returns `e`.
    pub fn after(&self, e: RelayError) -> RelayError {
        if matches!(e, RelayError::Disk(_)) {
            if let Ok(mut slot) = self.db.write() {
                *slot = None;
            }
        }
        e
    }

    /// Opens (or creates) `DATA/relay.redb`; the directory is made 0700 and the file 0600.
    pub fn open(dir: &Path) -> Result<Admin, RelayError> {
        private_dir(dir)?;
        let path = dir.join("relay.redb");
        let db = Database::create(&path).map_err(|e| match RelayError::from(e) {
            RelayError::Locked(_) => RelayError::Locked(dir.display().to_string()),
            other => other,
        })?;
        private_file(&path)?;
        let txn = db.begin_write()?;
        txn.open_table(TEAMS)?;
        txn.open_table(MEMBERS)?;
        Self::roster_from_tokens(&txn)?;
        txn.commit()?;
        Ok(Admin { db: std::sync::RwLock::new(Some(std::sync::Arc::new(db))), path })
    }

    /// Gives every member known only by their tokens (a relay from before roles) a roster
    /// entry: role admin, no id yet (the node's first sync binds the id it writes as), no
    /// group. Runs in the opening transaction; members with an entry are left alone.
    fn roster_from_tokens(txn: &redb::WriteTransaction) -> Result<(), RelayError> {
        let tokens = txn.open_table(MEMBERS)?;
        let mut roster = txn.open_table(ROSTER)?;
        let mut seen: BTreeMap<String, Member> = BTreeMap::new();
        for e in tokens.iter()? {
            let (_, v) = e?;
            let Ok(m) = serde_json::from_slice::<Member>(v.value()) else { continue };
            let key = roster_key(&m.team, &m.name);
            // A member is revoked when every token is.
            let all_revoked = seen.get(&key).is_none_or(|s| s.revoked) && m.revoked;
            seen.insert(key, Member { revoked: all_revoked, ..m });
        }
        for (key, m) in seen {
            if roster.get(key.as_str())?.is_some() {
                continue;
            }
            let entry = RosterEntry {
                team: m.team,
                name: m.name,
                id: None,
                role: Role::Admin,
                groups: Vec::new(),
                revoked: m.revoked,
                devices: BTreeMap::new(),
            };
            roster.insert(key.as_str(), json(&entry).as_slice())?;
        }
        Ok(())
    }

    /// Creates a team.
    pub fn create_team(&self, name: &str) -> Result<Team, RelayError> {
        let name = clean_name("team", name)?;
        let name = name.as_str();
        let txn = self.db()?.begin_write()?;
        let team = {
            let mut t = txn.open_table(TEAMS)?;
            if t.get(name)?.is_some() {
                return Err(RelayError::Invalid(format!("team `{name}` already exists")));
            }
            let id = blake3::hash(format!("{name}\0{}", random_token()).as_bytes()).to_hex()[..16].to_string();
            let team = Team { name: name.to_string(), id };
            t.insert(name, json(&team).as_slice())?;
            team
        };
        txn.commit()?;
        Ok(team)
    }

    /// Every team.
    pub fn teams(&self) -> Result<Vec<Team>, RelayError> {
        let txn = self.db()?.begin_read()?;
        let t = txn.open_table(TEAMS)?;
        let mut out = Vec::new();
        for e in t.iter()? {
            let (_, v) = e?;
            if let Ok(team) = serde_json::from_slice(v.value()) {
                out.push(team);
            }
        }
        Ok(out)
    }

    /// A team by name.
    pub fn team(&self, name: &str) -> Result<Team, RelayError> {
        let txn = self.db()?.begin_read()?;
        let t = txn.open_table(TEAMS)?;
        let v = t.get(name.trim())?.ok_or_else(|| RelayError::NotFound(format!("no team `{name}`")))?;
        serde_json::from_slice(v.value()).map_err(|e| RelayError::Storage(e.to_string()))
    }

    /// Adds a member to a team with a role and groups, and returns their token, shown
    /// once and stored hashed. The member gets a new id, which their node writes as.
    ///
    /// A name that already has an active token in the team is refused unless `another` is
    /// set: then the member gets a second token (for a second computer; role and groups
    /// stay as they are), and revoking the name revokes both. A revoked member added again
    /// is active again with the role and groups given, under the same id.
    pub fn add_member(
        &self,
        team: &str,
        name: &str,
        role: Role,
        groups: &[String],
        another: bool,
    ) -> Result<String, RelayError> {
        let team = self.team(team)?;
        let name = clean_name("member", name)?;
        let groups = clean_groups(groups)?;
        let token = random_token();
        let txn = self.db()?.begin_write()?;
        {
            let mut m = txn.open_table(MEMBERS)?;
            let mut r = txn.open_table(ROSTER)?;
            let key = roster_key(&team.name, &name);
            let existing = r.get(key.as_str())?.and_then(|v| serde_json::from_slice::<RosterEntry>(v.value()).ok());
            let active = active_tokens(&m, &team.name, &name)?;
            if active > 0 && !another {
                return Err(RelayError::Invalid(format!(
                    "`{name}` is already a member of team `{}` with {active} active token(s); \
                     revoke them first, or add with --another-token to give {name} one more token \
                     (for a second computer)",
                    team.name
                )));
            }
            let entry = match existing {
                Some(e) if another && !e.revoked => e,
                Some(e) => RosterEntry { role, groups, revoked: false, ..e },
                None if another => {
                    return Err(RelayError::NotFound(format!(
                        "`{name}` is not a member of team `{}`: add them without --another-token",
                        team.name
                    )))
                }
                None => RosterEntry {
                    team: team.name.clone(),
                    // The stored name keeps the case it was first given.
                    name: name.clone(),
                    id: Some(MemberId(new_member_id()).to_hex()),
                    role,
                    groups,
                    revoked: false,
                    devices: BTreeMap::new(),
                },
            };
            let stored_name = entry.name.clone();
            r.insert(key.as_str(), json(&entry).as_slice())?;
            m.insert(
                &token_hash(&token),
                json(&Member { team: team.name, name: stored_name, revoked: false }).as_slice(),
            )?;
        }
        txn.commit()?;
        Ok(token)
    }

    /// Changes a member's role and, when `groups` is given, their groups.
    pub fn set_role(
        &self,
        team: &str,
        name: &str,
        role: Option<Role>,
        groups: Option<&[String]>,
    ) -> Result<RosterEntry, RelayError> {
        let team = self.team(team)?;
        let groups = groups.map(clean_groups).transpose()?;
        let txn = self.db()?.begin_write()?;
        let entry = {
            let mut r = txn.open_table(ROSTER)?;
            let key = roster_key(&team.name, name);
            let mut e = r
                .get(key.as_str())?
                .and_then(|v| serde_json::from_slice::<RosterEntry>(v.value()).ok())
                .ok_or_else(|| RelayError::NotFound(format!("no member `{}` in team `{}`", name.trim(), team.name)))?;
            if let Some(role) = role {
                e.role = role;
            }
            if let Some(g) = groups {
                e.groups = g;
            }
            r.insert(key.as_str(), json(&e).as_slice())?;
            e
        };
        txn.commit()?;
        Ok(entry)
    }

    /// Revokes every token of a member; returns how many were revoked.
    pub fn revoke(&self, team: &str, name: &str) -> Result<usize, RelayError> {
        let team = self.team(team)?.name;
        let team = team.as_str();
        let txn = self.db()?.begin_write()?;
        let mut n = 0;
        {
            let mut m = txn.open_table(MEMBERS)?;
            let mut hits = Vec::new();
            let key = member_key(name);
            for e in m.iter()? {
                let (k, v) = e?;
                if let Ok(mem) = serde_json::from_slice::<Member>(v.value()) {
                    if mem.team == team && member_key(&mem.name) == key && !mem.revoked {
                        hits.push((*k.value(), mem));
                    }
                }
            }
            for (k, mut mem) in hits {
                mem.revoked = true;
                m.insert(&k, json(&mem).as_slice())?;
                n += 1;
            }
            let mut r = txn.open_table(ROSTER)?;
            let rk = roster_key(team, name);
            let entry = r.get(rk.as_str())?.and_then(|v| serde_json::from_slice::<RosterEntry>(v.value()).ok());
            if let Some(mut e) = entry.filter(|e| !e.revoked) {
                e.revoked = true;
                r.insert(rk.as_str(), json(&e).as_slice())?;
                n = n.max(1);
            }
        }
        if n == 0 {
            return Err(RelayError::NotFound(format!("no active member `{}` in team `{team}`", name.trim())));
        }
        txn.commit()?;
        Ok(n)
    }

    /// The members of a team, by name, with their tokens.
    pub fn members(&self, team: &str) -> Result<Vec<MemberSummary>, RelayError> {
        let team = self.team(team)?;
        let txn = self.db()?.begin_read()?;
        let m = txn.open_table(MEMBERS)?;
        let mut tokens = BTreeMap::<String, (usize, usize)>::new();
        for e in m.iter()? {
            let (_, v) = e?;
            let Ok(mem) = serde_json::from_slice::<Member>(v.value()) else { continue };
            if mem.team != team.name {
                continue;
            }
            let t = tokens.entry(member_key(&mem.name)).or_default();
            if mem.revoked {
                t.1 += 1;
            } else {
                t.0 += 1;
            }
        }
        let mut out: Vec<MemberSummary> = roster_entries(&txn.open_table(ROSTER)?, &team.name)?
            .into_iter()
            .map(|entry| {
                let (active_tokens, revoked_tokens) = tokens.get(&member_key(&entry.name)).copied().unwrap_or_default();
                MemberSummary { entry, active_tokens, revoked_tokens }
            })
            .collect();
        out.sort_by(|a, b| a.entry.name.cmp(&b.entry.name));
        Ok(out)
    }

    /// The roster of a team, as nodes and the write rules read it.
    pub fn roster(&self, team: &str) -> Result<Roster, RelayError> {
        let txn = self.db()?.begin_read()?;
        // A member's id is a placeholder until their first sync binds the one they write as:
        // others are not given it before then.
        let mut members: Vec<rapport_roles::Member> = roster_entries(&txn.open_table(ROSTER)?, team)?
            .iter()
            .map(|e| rapport_roles::Member {
                id: if e.devices.is_empty() { None } else { e.member().id },
                ..e.member()
            })
            .collect();
        members.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Roster { team: team.to_string(), members })
    }

    /// The member a token belongs to.
    pub fn authenticate(&self, token: &str) -> Result<Authenticated, RelayError> {
        let txn = self.db()?.begin_read()?;
        let m = txn.open_table(MEMBERS)?;
        let Some(v) = m.get(&token_hash(token))? else { return Ok(Authenticated::Unknown) };
        let Ok(mem) = serde_json::from_slice::<Member>(v.value()) else { return Ok(Authenticated::Unknown) };
        drop(v);
        let r = txn.open_table(ROSTER)?;
        let entry = r
            .get(roster_key(&mem.team, &mem.name).as_str())?
            .and_then(|v| serde_json::from_slice::<RosterEntry>(v.value()).ok());
        let entry = match entry {
            Some(e) if !mem.revoked && !e.revoked => e,
            _ => {
                return Ok(Authenticated::Revoked(format!(
                    "{} was removed from team {}: this device's copy of the team's book is removed",
                    mem.name, mem.team
                )))
            }
        };
        drop((m, r, txn));
        let team = self.team(&mem.team)?;
        Ok(Authenticated::Member(entry, team))
    }

    /// A node's first request of a sync: records its device, binds the id it writes as to
    /// a member who never synced (or is from before roles), and returns the member's entry
    /// (whose id the node must write as). A claimed id another member holds is not bound.
    pub fn check_in(
        &self,
        entry: &RosterEntry,
        claimed: Option<[u8; 16]>,
        device: [u8; 8],
    ) -> Result<RosterEntry, RelayError> {
        let txn = self.db()?.begin_write()?;
        let out = {
            let mut r = txn.open_table(ROSTER)?;
            let key = roster_key(&entry.team, &entry.name);
            let mut e = r
                .get(key.as_str())?
                .and_then(|v| serde_json::from_slice::<RosterEntry>(v.value()).ok())
                .unwrap_or_else(|| entry.clone());
            // Until a member's first sync, the id given at `member add` is a placeholder: a
            // node that already writes as an id (created with `init` before it had a token,
            // or from before roles) keeps it, unless another member holds it.
            if e.id.is_none() || e.devices.is_empty() {
                let held: Vec<String> = roster_entries(&r, &e.team)?
                    .into_iter()
                    .filter(|x| member_key(&x.name) != member_key(&e.name))
                    .filter_map(|x| x.id)
                    .collect();
                match claimed.map(|c| MemberId(c).to_hex()) {
                    Some(c) if !held.contains(&c) => e.id = Some(c),
                    _ if e.id.is_none() => e.id = Some(MemberId(new_member_id()).to_hex()),
                    _ => {}
                }
            }
            // Devices are few per member; the oldest is forgotten past a bound.
            e.devices.insert(hex::encode(device), now_utc());
            while e.devices.len() > MAX_DEVICES {
                let oldest = e.devices.iter().min_by(|a, b| a.1.cmp(b.1)).map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    e.devices.remove(&k);
                }
            }
            r.insert(key.as_str(), json(&e).as_slice())?;
            e
        };
        txn.commit()?;
        Ok(out)
    }
}

/// Devices remembered per member.
const MAX_DEVICES: usize = 32;

/// A new random member id.
fn new_member_id() -> [u8; 16] {
    let mut b = [0u8; 16];
    if let Ok(h) = hex::decode(&random_token()[..32]) {
        b.copy_from_slice(&h);
    }
    b
}

fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Every roster entry of a team.
fn roster_entries(
    r: &impl ReadableTable<&'static str, &'static [u8]>,
    team: &str,
) -> Result<Vec<RosterEntry>, RelayError> {
    let prefix = format!("{team}\0");
    let mut out = Vec::new();
    for e in r.range(prefix.as_str()..)? {
        let (k, v) = e?;
        if !k.value().starts_with(&prefix) {
            break;
        }
        if let Ok(entry) = serde_json::from_slice::<RosterEntry>(v.value()) {
            out.push(entry);
        }
    }
    Ok(out)
}

/// How many tokens of member `name` in `team` are not revoked.
fn active_tokens(m: &redb::Table<&[u8; 32], &[u8]>, team: &str, name: &str) -> Result<usize, RelayError> {
    let mut n = 0;
    for e in m.iter()? {
        let (_, v) = e?;
        if let Ok(mem) = serde_json::from_slice::<Member>(v.value()) {
            if mem.team == team && member_key(&mem.name) == member_key(name) && !mem.revoked {
                n += 1;
            }
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A relay from before roles knew members only by their tokens. Opened by this version,
    /// every member becomes an admin with no id; the first sync binds the id the node
    /// already writes as (unless another member holds it), and their tokens keep working.
    #[test]
    fn members_from_before_roles_become_admins_and_keep_their_ids() -> Result<(), RelayError> {
        let dir = tempfile::tempdir()?;
        let (li, wang) = {
            let a = Admin::open(dir.path())?;
            a.create_team("east")?;
            let li = a.add_member("east", "Li Wei", Role::SalesRep, &[], false)?;
            let wang = a.add_member("east", "王小明", Role::SalesRep, &[], false)?;
            a.revoke("east", "王小明")?;
            // As the older relay left its file: tokens only.
            let txn = a.db()?.begin_write()?;
            txn.delete_table(ROSTER)?;
            txn.commit()?;
            (li, wang)
        };
        let a = Admin::open(dir.path())?;
        let roster = a.roster("east")?;
        let names: Vec<(&str, Role, bool, bool)> =
            roster.members.iter().map(|m| (m.name.as_str(), m.role, m.active, m.id.is_none())).collect();
        assert_eq!(names, vec![("Li Wei", Role::Admin, true, true), ("王小明", Role::Admin, false, true)]);
        let Authenticated::Member(entry, _) = a.authenticate(&li)? else { panic!("Li Wei's token still works") };
        assert!(matches!(a.authenticate(&wang)?, Authenticated::Revoked(why) if why.contains("王小明")));
        let bound = a.check_in(&entry, Some([7; 16]), [1; 8])?;
        assert_eq!(bound.id, Some(MemberId([7; 16]).to_hex()), "the id the node writes as is kept");
        assert_eq!(bound.devices.len(), 1);
        // Once bound (a device has synced), another claim does not move it.
        let again = a.check_in(&bound, Some([9; 16]), [2; 8])?;
        assert_eq!(again.id, bound.id);
        assert_eq!(again.devices.len(), 2, "a second device of the same member");
        // Reopening does not redo the migration.
        drop(a);
        let a = Admin::open(dir.path())?;
        assert_eq!(a.roster("east")?.members[0].id, Some(MemberId([7; 16])));
        Ok(())
    }

    #[test]
    fn an_id_another_member_holds_is_never_bound() -> Result<(), RelayError> {
        let dir = tempfile::tempdir()?;
        let a = Admin::open(dir.path())?;
        a.create_team("east")?;
        let li = a.add_member("east", "Li Wei", Role::SalesRep, &["north".into()], false)?;
        let wang = a.add_member("east", "Wang Fang", Role::Manager, &["north".into(), " north ".into()], false)?;
        let Authenticated::Member(li, _) = a.authenticate(&li)? else { panic!("li") };
        let Authenticated::Member(wang, _) = a.authenticate(&wang)? else { panic!("wang") };
        assert_eq!(wang.groups, vec!["north".to_string()], "groups are trimmed and kept once");
        let li = a.check_in(&li, Some([5; 16]), [1; 8])?;
        let wang = a.check_in(&wang, Some([5; 16]), [2; 8])?;
        assert_ne!(wang.id, li.id, "Li Wei's id is not given to Wang Fang");
        Ok(())
    }

    #[test]
    fn names_keep_spaces_and_any_script_and_refuse_control_characters_and_length() {
        assert_eq!(clean_name("member", "  Li Wei ").expect("spaces"), "Li Wei");
        assert_eq!(clean_name("member", "王小明").expect("chinese"), "王小明");
        assert_eq!(clean_name("member", &"长".repeat(100)).expect("100 chars").chars().count(), 100);
        for bad in ["", "   ", "a\tb", "a\nb", "\u{7f}x"] {
            assert!(matches!(clean_name("member", bad), Err(RelayError::Invalid(_))), "{bad:?}");
        }
        let long = clean_name("team", &"长".repeat(101));
        assert!(matches!(long, Err(RelayError::Invalid(m)) if m.contains("team") && m.contains("101")));
    }
}
