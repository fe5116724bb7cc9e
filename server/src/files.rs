//! The relay's files on disk: everything in the data directory is private to the relay's
//! user (directories 0700, files 0600), the admin token, and `relay.json`, which tells the
//! administrative commands where a running relay's admin API listens.
//!
//! Older relays created their files with the default mode (often 0644 or 0755); the relay
//! tightens them whenever it opens them.

use crate::{random_token, RelayError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The admin token's file name in the data directory.
pub const ADMIN_TOKEN: &str = "admin.token";
/// The running relay's addresses; present only while it runs.
pub const RELAY_JSON: &str = "relay.json";

/// Creates `dir` (and missing parents) readable by this user only, and tightens it to 0700
/// if it already exists.
pub fn private_dir(dir: &Path) -> Result<(), RelayError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| io_error(dir, "creating", e))?;
    set_mode(dir, 0o700)
}

/// Tightens an existing file to 0600; a missing file is left missing.
pub fn private_file(path: &Path) -> Result<(), RelayError> {
    match std::fs::metadata(path) {
        Ok(_) => set_mode(path, 0o600),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error(path, "reading", e)),
    }
}

/// Writes `text` to `path`, private from the first byte on (0600 also when the file
/// existed with a looser mode).
pub fn write_private(path: &Path, text: &str) -> Result<(), RelayError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    private_file(path)?;
    let mut f = options.open(path).map_err(|e| io_error(path, "writing", e))?;
    f.write_all(text.as_bytes()).map_err(|e| io_error(path, "writing", e))?;
    f.sync_all().map_err(|e| io_error(path, "writing", e))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<(), RelayError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| io_error(path, "restricting the permissions of", e))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<(), RelayError> {
    Ok(())
}

fn io_error(path: &Path, doing: &str, e: std::io::Error) -> RelayError {
    RelayError::Storage(format!("{doing} {}: {e}", path.display()))
}

/// Tightens every file and directory a relay keeps in `dir`, as older relays left them.
pub fn tighten_data_dir(dir: &Path) -> Result<(), RelayError> {
    private_dir(dir)?;
    for name in ["relay.redb", ADMIN_TOKEN, RELAY_JSON] {
        private_file(&dir.join(name))?;
    }
    let teams = dir.join("teams");
    private_dir(&teams)?;
    let entries = std::fs::read_dir(&teams).map_err(|e| io_error(&teams, "listing", e))?;
    for entry in entries {
        let path = entry.map_err(|e| io_error(&teams, "listing", e))?.path();
        if path.is_file() {
            private_file(&path)?;
        }
    }
    Ok(())
}

/// The admin token of the relay at `dir`, created (0600) on first use.
pub fn admin_token(dir: &Path) -> Result<String, RelayError> {
    let path = dir.join(ADMIN_TOKEN);
    match std::fs::read_to_string(&path) {
        Ok(t) if !t.trim().is_empty() => {
            private_file(&path)?;
            return Ok(t.trim().to_string());
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&path, "reading", e)),
    }
    private_dir(dir)?;
    let t = random_token();
    write_private(&path, &t)?;
    Ok(t)
}

/// What a running relay tells the administrative commands: `DATA/relay.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RelayInfo {
    /// The member-facing listener (`/v1/sync`, `/metrics` without team ids, `/health`).
    pub addr: String,
    /// The loopback admin listener (`/admin/*`, `/metrics` with team ids, `/health`).
    pub admin: String,
    /// The relay's process id.
    pub pid: u32,
}

impl RelayInfo {
    fn path(dir: &Path) -> PathBuf {
        dir.join(RELAY_JSON)
    }

    /// Writes `DATA/relay.json` (0600).
    pub fn write(&self, dir: &Path) -> Result<(), RelayError> {
        let text = serde_json::to_string(self).map_err(|e| RelayError::Storage(e.to_string()))?;
        write_private(&Self::path(dir), &text)
    }

    /// Reads `DATA/relay.json` of a running relay.
    pub fn read(dir: &Path) -> Result<RelayInfo, RelayError> {
        let path = Self::path(dir);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            RelayError::Remote(format!(
                "the relay data at {} is in use, but {} cannot be read ({e}); is the relay still starting?",
                dir.display(),
                path.display()
            ))
        })?;
        serde_json::from_str(&text).map_err(|e| {
            RelayError::Remote(format!(
                "{} is not what this version of rapport-relay writes ({e}); restart the relay",
                path.display()
            ))
        })
    }

    /// Removes `DATA/relay.json` when the relay stops.
    pub fn remove(dir: &Path) {
        let _ = std::fs::remove_file(Self::path(dir));
    }
}
