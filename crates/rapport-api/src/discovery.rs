//! `DATA_DIR/serve.json`: where a running node listens, so the command line can find it.
//!
//! `rapport serve` writes the file once it is listening (its address may have been
//! chosen by the OS with port 0) and removes it on a clean shutdown. A stale file left
//! by a crash is harmless: the CLI only reads it when the store is locked, which means a
//! node is running.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// File name inside the data directory.
pub const SERVE_FILE: &str = "serve.json";

/// Where a node listens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServeInfo {
    /// Socket address, e.g. `127.0.0.1:7878`.
    pub address: String,
    /// Base URL, e.g. `http://127.0.0.1:7878`.
    pub url: String,
    /// Process id of the node.
    pub pid: u32,
}

/// Why `serve.json` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// Reading or writing failed.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a node description.
    #[error("{path} is not readable: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// The file in a data directory.
pub fn serve_path(dir: &Path) -> PathBuf {
    dir.join(SERVE_FILE)
}

/// Writes the file (atomically).
pub fn write_serve_info(dir: &Path, info: &ServeInfo) -> Result<(), DiscoveryError> {
    let path = serve_path(dir);
    let tmp = dir.join(".serve.json.tmp");
    let text = serde_json::to_string_pretty(info)
        .map_err(|e| DiscoveryError::Invalid { path: path.clone(), reason: e.to_string() })?;
    std::fs::write(&tmp, text).map_err(|source| DiscoveryError::Io { path: tmp.clone(), source })?;
    std::fs::rename(&tmp, &path).map_err(|source| DiscoveryError::Io { path, source })
}

/// Reads the file.
pub fn read_serve_info(dir: &Path) -> Result<ServeInfo, DiscoveryError> {
    let path = serve_path(dir);
    let text = std::fs::read_to_string(&path).map_err(|source| DiscoveryError::Io { path: path.clone(), source })?;
    serde_json::from_str(&text).map_err(|e| DiscoveryError::Invalid { path, reason: e.to_string() })
}

/// Removes the file if it is there.
pub fn remove_serve_info(dir: &Path) {
    let _ = std::fs::remove_file(serve_path(dir));
}
