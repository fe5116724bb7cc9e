//! The relay's HTTP surface: `POST /v1/sync` (the sync protocol, bearer token per member),
//! `GET /metrics` (Prometheus), `GET /health`, and an admin API for the `rapport-relay`
//! command line while the relay runs (admin token, loopback callers only).

use crate::admin::{Admin, Team};
use crate::metrics::Metrics;
use crate::team::TeamStore;
use crate::RelayError;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rapport_sync::{decode, encode, Message, WireError};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Shared relay state.
pub struct Relay {
    dir: PathBuf,
    /// Teams and members.
    pub admin: Admin,
    teams: Mutex<HashMap<String, Arc<TeamStore>>>,
    /// Counters.
    pub metrics: Metrics,
    admin_token: String,
}

impl Relay {
    /// Opens the relay's data directory.
    pub fn open(dir: PathBuf, admin_token: String) -> Result<Relay, RelayError> {
        let admin = Admin::open(&dir)?;
        std::fs::create_dir_all(dir.join("teams"))?;
        Ok(Relay { dir, admin, teams: Mutex::new(HashMap::new()), metrics: Metrics::default(), admin_token })
    }

    /// The document store of a team, opened on first use.
    pub fn team_store(&self, team: &Team) -> Result<Arc<TeamStore>, RelayError> {
        let mut map = self.teams.lock().map_err(|_| RelayError::Storage("team map poisoned".into()))?;
        if let Some(t) = map.get(&team.id) {
            return Ok(t.clone());
        }
        let t = Arc::new(TeamStore::open(&self.dir.join("teams").join(format!("{}.redb", team.id)))?);
        map.insert(team.id.clone(), t.clone());
        Ok(t)
    }
}

fn frame(status: StatusCode, m: &Message) -> Response {
    (status, [("content-type", "application/x-rapport-sync")], encode(m)).into_response()
}

fn error(status: StatusCode, code: &str, detail: impl Into<String>) -> Response {
    frame(status, &Message::Error { code: code.into(), detail: detail.into() })
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// The router.
pub fn router(relay: Arc<Relay>) -> Router {
    Router::new()
        .route("/v1/sync", post(sync))
        .route("/metrics", get(metrics))
        .route("/health", get(|| async { "ok" }))
        .route("/admin/teams", get(admin_teams).post(admin_create_team))
        .route("/admin/teams/{team}/members", post(admin_add_member))
        .route("/admin/teams/{team}/members/{name}/revoke", post(admin_revoke))
        .layer(DefaultBodyLimit::max(rapport_sync::MAX_FRAME + 16))
        .with_state(relay)
}

async fn sync(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    Metrics::add(&relay.metrics.bytes_in, body.len() as u64);
    let Some(token) = bearer(&headers) else {
        Metrics::add(&relay.metrics.unauthorized, 1);
        eprintln!("relay: {peer}: refused: no bearer token");
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "a bearer token is required");
    };
    let r = relay.clone();
    let result = tokio::task::spawn_blocking(move || handle(&r, &token, &body)).await;
    let resp = match result {
        Ok(Ok(m)) => {
            let bytes = encode(&m);
            Metrics::add(&relay.metrics.bytes_out, bytes.len() as u64);
            return (StatusCode::OK, [("content-type", "application/x-rapport-sync")], bytes).into_response();
        }
        Ok(Err(e)) => e,
        Err(e) => Failure::Internal(format!("worker failed: {e}")),
    };
    match resp {
        Failure::Unauthorized => {
            Metrics::add(&relay.metrics.unauthorized, 1);
            eprintln!("relay: {peer}: refused: unknown or revoked token");
            error(StatusCode::UNAUTHORIZED, "unauthorized", "unknown or revoked token")
        }
        Failure::Bad(why) => {
            Metrics::add(&relay.metrics.bad_requests, 1);
            eprintln!("relay: {peer}: dropped a bad request: {why}");
            error(StatusCode::BAD_REQUEST, "bad_request", why)
        }
        Failure::Internal(why) => {
            eprintln!("relay: {peer}: internal error: {why}");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the relay failed; see its log")
        }
    }
}

enum Failure {
    Unauthorized,
    Bad(String),
    Internal(String),
}

fn handle(relay: &Relay, token: &str, body: &[u8]) -> Result<Message, Failure> {
    let (_member, team) = match relay.admin.authenticate(token) {
        Ok(Some(m)) => m,
        Ok(None) => return Err(Failure::Unauthorized),
        Err(e) => return Err(Failure::Internal(e.to_string())),
    };
    let msg = decode(body).map_err(|e: WireError| Failure::Bad(e.to_string()))?;
    let store = relay.team_store(&team).map_err(|e| Failure::Internal(e.to_string()))?;
    let internal = |e: RelayError| Failure::Internal(e.to_string());
    match msg {
        Message::Push { docs } => {
            Metrics::add(&relay.metrics.push, 1);
            let results = store.push(&docs).map_err(internal)?;
            for r in &results {
                match r {
                    rapport_sync::DocResult::Stored(_) => Metrics::add(&relay.metrics.docs_stored, 1),
                    rapport_sync::DocResult::Refused { reason, .. } => {
                        Metrics::add(&relay.metrics.docs_refused, 1);
                        eprintln!("relay: team {}: refused a document: {reason}", team.id);
                    }
                }
            }
            Ok(Message::Pushed { results })
        }
        Message::Changes { since, limit } => {
            Metrics::add(&relay.metrics.changes, 1);
            let (docs, cursor, more) = store.changes(since, limit.clamp(1, 10_000)).map_err(internal)?;
            Ok(Message::Changed { docs, cursor, more })
        }
        Message::Fetch { docs } => {
            Metrics::add(&relay.metrics.fetch, 1);
            if docs.len() > 10_000 {
                return Err(Failure::Bad(format!("fetch of {} documents; at most 10000 per request", docs.len())));
            }
            Ok(Message::Docs { docs: store.fetch(&docs).map_err(internal)? })
        }
        other => Err(Failure::Bad(format!("{} is not a request", kind(&other)))),
    }
}

fn kind(m: &Message) -> &'static str {
    match m {
        Message::Push { .. } => "Push",
        Message::Pushed { .. } => "Pushed",
        Message::Changes { .. } => "Changes",
        Message::Changed { .. } => "Changed",
        Message::Fetch { .. } => "Fetch",
        Message::Docs { .. } => "Docs",
        Message::Error { .. } => "Error",
        Message::Hello { .. } => "Hello",
        Message::Welcome => "Welcome",
    }
}

async fn metrics(State(relay): State<Arc<Relay>>) -> Response {
    let r = relay.clone();
    let teams = tokio::task::spawn_blocking(move || -> Vec<(String, u64)> {
        r.admin
            .teams()
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.id.clone(), r.team_store(&t).and_then(|s| s.len()).unwrap_or(0)))
            .collect()
    })
    .await
    .unwrap_or_default();
    ([("content-type", "text/plain; version=0.0.4")], relay.metrics.render(&teams)).into_response()
}

fn admin_ok(relay: &Relay, peer: &SocketAddr, headers: &HeaderMap) -> Result<(), Box<Response>> {
    if !peer.ip().is_loopback() {
        return Err(Box::new((StatusCode::FORBIDDEN, "the admin API answers loopback callers only").into_response()));
    }
    match bearer(headers) {
        Some(t) if constant_eq(t.as_bytes(), relay.admin_token.as_bytes()) => Ok(()),
        _ => Err(Box::new((StatusCode::UNAUTHORIZED, "admin token required").into_response())),
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn admin_result<T: serde::Serialize>(r: Result<T, RelayError>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(RelayError::NotFound(m)) => (StatusCode::NOT_FOUND, m).into_response(),
        Err(RelayError::Invalid(m)) => (StatusCode::BAD_REQUEST, m).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[derive(serde::Deserialize)]
struct NameBody {
    name: String,
}

async fn admin_teams(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = admin_ok(&relay, &peer, &headers) {
        return *r;
    }
    admin_result(relay.admin.teams())
}

async fn admin_create_team(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(b): Json<NameBody>,
) -> Response {
    if let Err(r) = admin_ok(&relay, &peer, &headers) {
        return *r;
    }
    admin_result(relay.admin.create_team(&b.name))
}

async fn admin_add_member(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(team): Path<String>,
    Json(b): Json<NameBody>,
) -> Response {
    if let Err(r) = admin_ok(&relay, &peer, &headers) {
        return *r;
    }
    admin_result(relay.admin.add_member(&team, &b.name))
}

async fn admin_revoke(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((team, name)): Path<(String, String)>,
) -> Response {
    if let Err(r) = admin_ok(&relay, &peer, &headers) {
        return *r;
    }
    admin_result(relay.admin.revoke(&team, &name))
}
