//! Teams and members: who may sync into which team's documents.

use crate::files::{private_dir, private_file};
use crate::{random_token, token_hash, RelayError};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Team name -> team record (JSON).
const TEAMS: TableDefinition<&str, &[u8]> = TableDefinition::new("teams");
/// Token hash -> member record (JSON).
const MEMBERS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("members");

/// A team.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Team {
    /// Name, unique.
    pub name: String,
    /// File-safe id.
    pub id: String,
}

/// A member's access to a team.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Member {
    /// Team name.
    pub team: String,
    /// Member name.
    pub name: String,
    /// Revoked members are refused at once.
    pub revoked: bool,
}

/// A member's tokens in a team, as `member list` shows them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemberSummary {
    /// Member name.
    pub name: String,
    /// Tokens that still sync.
    pub active_tokens: usize,
    /// Tokens that were revoked.
    pub revoked_tokens: usize,
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
    db: Database,
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

impl Admin {
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
        txn.commit()?;
        Ok(Admin { db })
    }

    /// Creates a team.
    pub fn create_team(&self, name: &str) -> Result<Team, RelayError> {
        let name = clean_name("team", name)?;
        let name = name.as_str();
        let txn = self.db.begin_write()?;
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
        let txn = self.db.begin_read()?;
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
        let txn = self.db.begin_read()?;
        let t = txn.open_table(TEAMS)?;
        let v = t.get(name.trim())?.ok_or_else(|| RelayError::NotFound(format!("no team `{name}`")))?;
        serde_json::from_slice(v.value()).map_err(|e| RelayError::Storage(e.to_string()))
    }

    /// Adds a member to a team and returns their token, shown once and stored hashed.
    ///
    /// A name that already has an active token in the team is refused unless `another` is
    /// set: then the member gets a second token (for a second computer), and revoking the
    /// name revokes both.
    pub fn add_member(&self, team: &str, name: &str, another: bool) -> Result<String, RelayError> {
        let team = self.team(team)?;
        let name = clean_name("member", name)?;
        let token = random_token();
        let txn = self.db.begin_write()?;
        {
            let mut m = txn.open_table(MEMBERS)?;
            let active = active_tokens(&m, &team.name, &name)?;
            if active > 0 && !another {
                return Err(RelayError::Invalid(format!(
                    "`{name}` is already a member of team `{}` with {active} active token(s); \
                     revoke them first, or add with --another-token to give {name} one more token \
                     (for a second computer)",
                    team.name
                )));
            }
            m.insert(&token_hash(&token), json(&Member { team: team.name, name, revoked: false }).as_slice())?;
        }
        txn.commit()?;
        Ok(token)
    }

    /// Revokes every token of a member; returns how many were revoked.
    pub fn revoke(&self, team: &str, name: &str) -> Result<usize, RelayError> {
        let team = self.team(team)?.name;
        let team = team.as_str();
        let txn = self.db.begin_write()?;
        let mut n = 0;
        {
            let mut m = txn.open_table(MEMBERS)?;
            let mut hits = Vec::new();
            for e in m.iter()? {
                let (k, v) = e?;
                if let Ok(mem) = serde_json::from_slice::<Member>(v.value()) {
                    if mem.team == team.trim() && mem.name == name.trim() && !mem.revoked {
                        hits.push((*k.value(), mem));
                    }
                }
            }
            for (k, mut mem) in hits {
                mem.revoked = true;
                m.insert(&k, json(&mem).as_slice())?;
                n += 1;
            }
        }
        txn.commit()?;
        if n == 0 {
            return Err(RelayError::NotFound(format!("no active member `{name}` in team `{team}`")));
        }
        Ok(n)
    }

    /// Members of a team, by name, with how many of their tokens are active and revoked.
    pub fn members(&self, team: &str) -> Result<Vec<MemberSummary>, RelayError> {
        let team = self.team(team)?;
        let txn = self.db.begin_read()?;
        let m = txn.open_table(MEMBERS)?;
        let mut by_name = std::collections::BTreeMap::<String, MemberSummary>::new();
        for e in m.iter()? {
            let (_, v) = e?;
            let Ok(mem) = serde_json::from_slice::<Member>(v.value()) else { continue };
            if mem.team != team.name {
                continue;
            }
            let s = by_name.entry(mem.name.clone()).or_insert_with(|| MemberSummary {
                name: mem.name.clone(),
                active_tokens: 0,
                revoked_tokens: 0,
            });
            if mem.revoked {
                s.revoked_tokens += 1;
            } else {
                s.active_tokens += 1;
            }
        }
        Ok(by_name.into_values().collect())
    }

    /// The member a token belongs to, if it is valid and not revoked.
    pub fn authenticate(&self, token: &str) -> Result<Option<(Member, Team)>, RelayError> {
        let txn = self.db.begin_read()?;
        let m = txn.open_table(MEMBERS)?;
        let Some(v) = m.get(&token_hash(token))? else { return Ok(None) };
        let Ok(mem) = serde_json::from_slice::<Member>(v.value()) else { return Ok(None) };
        if mem.revoked {
            return Ok(None);
        }
        drop(v);
        drop(m);
        drop(txn);
        let team = self.team(&mem.team)?;
        Ok(Some((mem, team)))
    }
}

/// How many tokens of member `name` in `team` are not revoked.
fn active_tokens(m: &redb::Table<&[u8; 32], &[u8]>, team: &str, name: &str) -> Result<usize, RelayError> {
    let mut n = 0;
    for e in m.iter()? {
        let (_, v) = e?;
        if let Ok(mem) = serde_json::from_slice::<Member>(v.value()) {
            if mem.team == team && mem.name == name && !mem.revoked {
                n += 1;
            }
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

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
