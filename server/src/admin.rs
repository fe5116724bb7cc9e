//! Teams and members: who may sync into which team's documents.

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

/// The relay's administrative database.
pub struct Admin {
    db: Database,
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

impl Admin {
    /// Opens (or creates) `DATA/relay.redb`.
    pub fn open(dir: &Path) -> Result<Admin, RelayError> {
        std::fs::create_dir_all(dir)?;
        let db = Database::create(dir.join("relay.redb")).map_err(|e| match RelayError::from(e) {
            RelayError::Locked(_) => RelayError::Locked(dir.display().to_string()),
            other => other,
        })?;
        let txn = db.begin_write()?;
        txn.open_table(TEAMS)?;
        txn.open_table(MEMBERS)?;
        txn.commit()?;
        Ok(Admin { db })
    }

    /// Creates a team.
    pub fn create_team(&self, name: &str) -> Result<Team, RelayError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(RelayError::Invalid("a team name needs 1-100 characters".into()));
        }
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
    pub fn add_member(&self, team: &str, name: &str) -> Result<String, RelayError> {
        let team = self.team(team)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(RelayError::Invalid("a member needs a name".into()));
        }
        let token = random_token();
        let txn = self.db.begin_write()?;
        {
            let mut m = txn.open_table(MEMBERS)?;
            m.insert(
                &token_hash(&token),
                json(&Member { team: team.name, name: name.to_string(), revoked: false }).as_slice(),
            )?;
        }
        txn.commit()?;
        Ok(token)
    }

    /// Revokes every token of a member; returns how many were revoked.
    pub fn revoke(&self, team: &str, name: &str) -> Result<usize, RelayError> {
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

    /// Members of a team.
    pub fn members(&self, team: &str) -> Result<Vec<Member>, RelayError> {
        let txn = self.db.begin_read()?;
        let m = txn.open_table(MEMBERS)?;
        let mut out = Vec::new();
        for e in m.iter()? {
            let (_, v) = e?;
            if let Ok(mem) = serde_json::from_slice::<Member>(v.value()) {
                if mem.team == team {
                    out.push(mem);
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
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
