//! Bearer-token authentication and the token file.
//!
//! The token lives in `DATA_DIR/token` (created by `rapport init`, mode 0600). The server
//! checks every request against it in constant time; the file is re-read whenever its
//! modification time or size changes, so `rapport token rotate` takes effect on a running
//! node at the next request and the old token stops working at once.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// File name of the token inside a data directory.
pub const TOKEN_FILE: &str = "token";

/// Why the token file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Reading or writing the file failed.
    #[error("cannot use the token file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file holds no token.
    #[error("the token file {0} is empty; run `rapport token rotate`")]
    Empty(PathBuf),
}

/// The token file of a data directory.
pub fn token_path(data_dir: &Path) -> PathBuf {
    data_dir.join(TOKEN_FILE)
}

/// A fresh random token: 32 bytes as 64 hex digits.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    if getrandom::fill(&mut b).is_err() {
        // No OS randomness: derive something unpredictable enough from time and address
        // rather than refusing to start (the file is still 0600).
        let t = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let a = &b as *const _ as usize as u128;
        b[..16].copy_from_slice(&(t ^ a.rotate_left(64)).to_le_bytes());
    }
    hex::encode(b)
}

/// Writes a file only its owner can read (it holds a credential), replacing any old one
/// atomically: written beside it, synced, then renamed over it.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    rapport_node::write_private(path, contents)
}

/// Writes a new token to the data directory with mode 0600 (replacing any old one
/// atomically) and returns it.
pub fn write_new_token(data_dir: &Path) -> Result<String, TokenError> {
    let token = new_token();
    let path = token_path(data_dir);
    write_private(&path, format!("{token}\n").as_bytes())
        .map_err(|source| TokenError::Io { path: path.clone(), source })?;
    Ok(token)
}

/// Reads the token of a data directory.
pub fn read_token(data_dir: &Path) -> Result<String, TokenError> {
    let path = token_path(data_dir);
    let text = std::fs::read_to_string(&path).map_err(|source| TokenError::Io { path: path.clone(), source })?;
    let t = text.trim().to_string();
    if t.is_empty() {
        return Err(TokenError::Empty(path));
    }
    Ok(t)
}

/// Reads the token, creating one if the data directory has none yet.
pub fn ensure_token(data_dir: &Path) -> Result<String, TokenError> {
    match read_token(data_dir) {
        Ok(t) => Ok(t),
        Err(TokenError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            write_new_token(data_dir)
        }
        Err(e) => Err(e),
    }
}

/// What identifies one version of the token file: modification time, length and inode
/// (rotation replaces the file, so the inode changes even within one clock tick).
type Stamp = (SystemTime, u64, u64);

fn stamp(meta: &std::fs::Metadata) -> Stamp {
    #[cfg(unix)]
    let ino = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let ino = 0;
    (meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), meta.len(), ino)
}

/// Where the server gets the token it accepts.
pub enum TokenSource {
    /// A fixed token (tests, embedding).
    Fixed(String),
    /// The token file, re-read when it changes.
    File {
        /// The file.
        path: PathBuf,
        /// Last version of the file seen and the token read then.
        cache: Mutex<Option<(Stamp, String)>>,
    },
}

impl From<String> for TokenSource {
    fn from(t: String) -> Self {
        TokenSource::Fixed(t)
    }
}

impl From<&str> for TokenSource {
    fn from(t: &str) -> Self {
        TokenSource::Fixed(t.to_string())
    }
}

impl TokenSource {
    /// The token file at `path`.
    pub fn file(path: PathBuf) -> TokenSource {
        TokenSource::File { path, cache: Mutex::new(None) }
    }

    /// Whether `offered` is the current token (constant time in the token's bytes). An
    /// unreadable or empty token file accepts nothing.
    pub fn accepts(&self, offered: &str) -> bool {
        match self {
            TokenSource::Fixed(t) => !t.is_empty() && constant_time_eq(t.as_bytes(), offered.as_bytes()),
            TokenSource::File { path, cache } => {
                let Ok(meta) = std::fs::metadata(path) else { return false };
                let stamp = stamp(&meta);
                let mut guard = match cache.lock() {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
                let fresh = matches!(&*guard, Some((s, _)) if *s == stamp);
                if !fresh {
                    let Ok(text) = std::fs::read_to_string(path) else { return false };
                    *guard = Some((stamp, text.trim().to_string()));
                }
                match &*guard {
                    Some((_, t)) if !t.is_empty() => constant_time_eq(t.as_bytes(), offered.as_bytes()),
                    _ => false,
                }
            }
        }
    }
}

/// Compares two byte strings in time that depends on their lengths only, never on where
/// they first differ (`subtle`; token lengths are public, their bytes are not).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn rotation_is_seen_at_once() -> Result<(), TokenError> {
        let dir = tempfile::tempdir().map_err(|source| TokenError::Io { path: "tmp".into(), source })?;
        let first = write_new_token(dir.path())?;
        let src = TokenSource::file(token_path(dir.path()));
        assert!(src.accepts(&first));
        let second = write_new_token(dir.path())?;
        assert!(!src.accepts(&first), "the old token must stop working after rotation");
        assert!(src.accepts(&second));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(token_path(dir.path())).map(|m| m.permissions().mode()).unwrap_or(0);
            assert_eq!(mode & 0o777, 0o600);
        }
        Ok(())
    }
}
