//! Administering a relay, stopped or running.
//!
//! A stopped relay's data is opened directly. A running relay holds its data files, so the
//! same calls then go to its admin listener (loopback address in `DATA/relay.json`, admin
//! token in `DATA/admin.token`). Names travel in JSON bodies, never in URLs, so any name
//! ("Li Wei", "王小明") works the same either way. Either way a revoked member is refused
//! on their very next request.

use crate::admin::{Admin, MemberSummary, RosterEntry, Team};
use crate::files::{admin_token, private_file, tighten_data_dir, RelayInfo};
use crate::http::{revoke_and_reassign, MemberRef, NewTeam, Revoked, TeamRef};
use crate::team::TeamStore;
use crate::RelayError;
use rapport_roles::Role;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Longest wait for the running relay to answer an admin call.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Where administrative calls go.
pub enum Control {
    /// The relay is stopped: its data is open here.
    Direct(Admin, PathBuf),
    /// The relay runs: calls go to its admin listener.
    Running {
        /// The admin listener's address.
        addr: String,
        /// The admin token.
        token: String,
    },
}

impl Control {
    /// Opens the relay data at `dir` (making its files private, as the relay does), or
    /// finds the running relay that holds it.
    pub fn open(dir: &Path) -> Result<Control, RelayError> {
        match Admin::open(dir) {
            Ok(admin) => {
                tighten_data_dir(dir)?;
                Ok(Control::Direct(admin, dir.to_path_buf()))
            }
            Err(RelayError::Locked(_)) => {
                let info = RelayInfo::read(dir)?;
                Ok(Control::Running { addr: info.admin, token: admin_token(dir)? })
            }
            Err(e) => Err(e),
        }
    }

    /// Creates a team.
    pub fn create_team(&self, name: &str) -> Result<Team, RelayError> {
        match self {
            Control::Direct(a, _) => a.create_team(name),
            Control::Running { .. } => self.post("/admin/teams", &NewTeam { name: name.to_string() }),
        }
    }

    /// Every team.
    pub fn teams(&self) -> Result<Vec<Team>, RelayError> {
        match self {
            Control::Direct(a, _) => a.teams(),
            Control::Running { .. } => self.call("/admin/teams", None),
        }
    }

    /// Adds a member with a role and groups and returns their new token. A name with an
    /// active token is refused unless `another` asks for one more token (role and groups
    /// then stay as they are, and `role` may be absent).
    pub fn add_member(
        &self,
        team: &str,
        name: &str,
        role: Option<Role>,
        groups: &[String],
        another: bool,
    ) -> Result<String, RelayError> {
        let role = match (role, another) {
            (Some(r), _) => r,
            (None, true) => Role::Admin,
            (None, false) => {
                return Err(RelayError::Invalid(
                    "--role is required: sales-rep, customer-service, manager or admin".into(),
                ))
            }
        };
        match self {
            Control::Direct(a, _) => a.add_member(team, name, role, groups, another),
            Control::Running { .. } => self.post(
                "/admin/members",
                &MemberRef { role: Some(role), groups: Some(groups.to_vec()), ..member(team, name, another) },
            ),
        }
    }

    /// Changes a member's role and (when given) groups.
    pub fn set_role(
        &self,
        team: &str,
        name: &str,
        role: Option<Role>,
        groups: Option<&[String]>,
    ) -> Result<RosterEntry, RelayError> {
        match self {
            Control::Direct(a, _) => a.set_role(team, name, role, groups),
            Control::Running { .. } => self.post(
                "/admin/members/role",
                &MemberRef { role, groups: groups.map(<[String]>::to_vec), ..member(team, name, false) },
            ),
        }
    }

    /// Revokes every token of a member and gives their customers to `reassign_to`.
    pub fn revoke(&self, team: &str, name: &str, reassign_to: Option<&str>) -> Result<Revoked, RelayError> {
        match self {
            Control::Direct(a, dir) => {
                let t = a.team(team)?;
                let path = dir.join("teams").join(format!("{}.redb", t.id));
                if let Some(parent) = path.parent() {
                    crate::files::private_dir(parent)?;
                }
                let store = TeamStore::open(&path)?;
                private_file(&path)?;
                revoke_and_reassign(a, &store, &t, name, reassign_to)
            }
            Control::Running { .. } => self.post(
                "/admin/members/revoke",
                &MemberRef { reassign_to: reassign_to.map(str::to_string), ..member(team, name, false) },
            ),
        }
    }

    /// The members of a team with their roles, groups, devices and tokens.
    pub fn members(&self, team: &str) -> Result<Vec<MemberSummary>, RelayError> {
        match self {
            Control::Direct(a, _) => a.members(team),
            Control::Running { .. } => self.post("/admin/members/list", &TeamRef { team: team.to_string() }),
        }
    }

    fn post<B: serde::Serialize, T: serde::de::DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, RelayError> {
        let body = serde_json::to_value(body).map_err(|e| RelayError::Remote(e.to_string()))?;
        self.call(path, Some(body))
    }

    /// One call to the admin listener; its refusals come back as the same errors the
    /// direct calls give.
    fn call<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, RelayError> {
        let Control::Running { addr, token } = self else {
            return Err(RelayError::Remote("not a running relay".into()));
        };
        let agent: ureq::Agent =
            ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(CALL_TIMEOUT)).build().into();
        let url = format!("http://{addr}{path}");
        let auth = format!("Bearer {token}");
        let unreachable = |e: ureq::Error| RelayError::Remote(format!("calling its admin listener at {addr}: {e}"));
        let mut resp = match body {
            Some(b) => agent.post(&url).header("Authorization", &auth).send_json(b),
            None => agent.get(&url).header("Authorization", &auth).call(),
        }
        .map_err(unreachable)?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().with_config().limit(16 << 20).read_to_string().map_err(unreachable)?;
        match status {
            200 => serde_json::from_str(&text)
                .map_err(|e| RelayError::Remote(format!("its answer to {path} is not what this version expects: {e}"))),
            400 | 422 => Err(RelayError::Invalid(text)),
            404 if text.is_empty() => Err(RelayError::Remote(format!(
                "it has no {path}; it may be an older version: restart it with this rapport-relay"
            ))),
            404 => Err(RelayError::NotFound(text)),
            _ => Err(RelayError::Remote(format!("HTTP {status}: {text}"))),
        }
    }
}

fn member(team: &str, name: &str, another: bool) -> MemberRef {
    MemberRef { team: team.to_string(), name: name.to_string(), another, ..MemberRef::default() }
}
