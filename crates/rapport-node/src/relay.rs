//! Where a node syncs to: the team relay's URL and this member's token, kept in
//! `DATA_DIR/relay.json` (owner-only: it holds a credential), and the check that a URL and
//! token work before they are kept.

use crate::error::NodeError;
use rapport_sync::{HttpTransport, Message, SyncError, Transport};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Shortest token a relay hands out; anything shorter is a paste mistake.
const MIN_TOKEN_CHARS: usize = 16;
/// Longest URL or token kept.
const MAX_FIELD_CHARS: usize = 2_000;

/// Where this node syncs to.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RelayConfig {
    /// Relay base URL, without a trailing `/`.
    pub url: String,
    /// This member's token on the relay.
    pub token: String,
}

/// The relay configuration file of a data directory.
pub fn relay_config_path(dir: &Path) -> PathBuf {
    dir.join("relay.json")
}

/// The relay this node syncs with: `None` when none is set.
pub fn load_relay(dir: &Path) -> Result<Option<RelayConfig>, NodeError> {
    let path = relay_config_path(dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(NodeError::Relay(format!("cannot read {}: {e}", path.display()))),
    };
    serde_json::from_str(&text).map(Some).map_err(|_| {
        NodeError::Relay(format!("{} is damaged; run `rapport relay set URL TOKEN` again", path.display()))
    })
}

/// Keeps `cfg` as the data directory's relay, owner-only.
pub fn save_relay(dir: &Path, cfg: &RelayConfig) -> Result<(), NodeError> {
    let path = relay_config_path(dir);
    let text = serde_json::to_string_pretty(cfg).map_err(|e| NodeError::Relay(e.to_string()))?;
    crate::files::write_private(&path, text.as_bytes())
        .map_err(|e| NodeError::Relay(format!("cannot write {}: {e}", path.display())))
}

/// Checks the form of a relay URL and token (no network): an `http://` or `https://` URL
/// and a token long enough to be one.
pub fn parse_relay(url: &str, token: &str) -> Result<RelayConfig, NodeError> {
    let url = url.trim().trim_end_matches('/');
    let token = token.trim();
    if url.len() > MAX_FIELD_CHARS {
        return Err(NodeError::input("url", format!("is longer than {MAX_FIELD_CHARS} characters")));
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(NodeError::input("url", "must start with http:// or https://"));
    }
    if token.len() < MIN_TOKEN_CHARS {
        return Err(NodeError::input("token", "is too short to be a relay token"));
    }
    if token.len() > MAX_FIELD_CHARS || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(NodeError::input("token", "is not a relay token (it has spaces or is too long)"));
    }
    Ok(RelayConfig { url: url.to_string(), token: token.to_string() })
}

/// A request that changes nothing: "what changed after the end of your log?".
fn probe_request() -> Vec<u8> {
    rapport_sync::encode(&Message::Changes { since: u64::MAX, limit: 1 })
}

/// Asks the relay once, with the token, whether it would sync with us; a refusal is
/// explained in words (wrong scheme, wrong token, not a relay), not as a TLS error code.
pub fn verify_relay(cfg: &RelayConfig) -> Result<(), NodeError> {
    let mut transport = HttpTransport::new(&cfg.url, &cfg.token);
    match transport.call(&probe_request()) {
        Ok(body) => match rapport_sync::decode(&body) {
            Ok(Message::Changed { .. }) => Ok(()),
            Ok(Message::Error { detail, .. }) => Err(NodeError::Relay(format!("the relay at {} refused: {detail}", cfg.url))),
            _ => Err(not_a_relay(&cfg.url)),
        },
        Err(SyncError::Unauthorized(why)) => Err(NodeError::Relay(format!(
            "the relay at {} does not accept this token ({why}); check that you pasted the whole token, or ask the relay's operator for a new one",
            cfg.url
        ))),
        Err(SyncError::Revoked(why)) => Err(NodeError::Relay(format!("the relay at {} refuses this token: {why}", cfg.url))),
        Err(SyncError::Unreachable { reason, .. }) => Err(unreachable(cfg, &reason)),
        Err(e @ SyncError::Certificate { .. }) => Err(NodeError::Relay(e.to_string())),
        Err(SyncError::Peer { code, detail }) => Err(http_answer(cfg, &code, &detail)),
        Err(_) => Err(not_a_relay(&cfg.url)),
    }
}

fn not_a_relay(url: &str) -> NodeError {
    NodeError::Relay(format!(
        "{url} answered, but not as a Rapport relay does; check the address (the relay's member port, not its admin port)"
    ))
}

/// The same address with the other scheme.
fn other_scheme(url: &str) -> Option<String> {
    url.strip_prefix("https://")
        .map(|rest| format!("http://{rest}"))
        .or_else(|| url.strip_prefix("http://").map(|rest| format!("https://{rest}")))
}

/// Whether a Rapport relay answers at `url` at all (any token); one that speaks TLS with a
/// certificate this computer does not trust counts: the scheme is still the right one.
fn answers_at(url: &str) -> bool {
    let mut t = HttpTransport::new(url, "probe-token-that-no-relay-accepts");
    !matches!(t.call(&probe_request()), Err(SyncError::Unreachable { .. }))
}

fn unreachable(cfg: &RelayConfig, reason: &str) -> NodeError {
    if let Some(other) = other_scheme(&cfg.url) {
        if answers_at(&other) {
            let (said, speaks) =
                if cfg.url.starts_with("https://") { ("https", "plain HTTP") } else { ("http", "HTTPS") };
            return NodeError::Relay(format!(
                "the relay answers {speaks}, not {said}: use `rapport relay set {other} TOKEN`"
            ));
        }
    }
    NodeError::Relay(format!(
        "cannot reach the relay at {}: {reason}; check the address and that the relay is running",
        cfg.url
    ))
}

fn http_answer(cfg: &RelayConfig, code: &str, detail: &str) -> NodeError {
    let lower = detail.to_ascii_lowercase();
    if cfg.url.starts_with("http://") && (lower.contains("https") || lower.contains("ssl") || lower.contains("tls")) {
        if let Some(other) = other_scheme(&cfg.url) {
            return NodeError::Relay(format!(
                "the relay at {} expects HTTPS, not plain http: use `rapport relay set {other} TOKEN`",
                cfg.url
            ));
        }
    }
    NodeError::Relay(format!(
        "{} answered {} instead of syncing; check the address (the relay's member port, not its admin port)",
        cfg.url,
        code.replace('_', " ").to_uppercase()
    ))
}
