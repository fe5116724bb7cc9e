//! The relay's HTTP surface.
//!
//! The member listener ([`member_router`]) serves `POST /v1/sync` (the sync protocol,
//! bearer token per member), `GET /metrics` (Prometheus, counters only) and `GET /health`.
//! The admin listener ([`admin_router`]), bound to a loopback address of its own, serves
//! the admin API the `rapport-relay` command line uses while the relay runs (admin token),
//! `GET /metrics` with the per-team document counts, and `GET /health`.
//!
//! A sync request's token is checked from its headers before any of its body is read; a
//! body is read only up to the frame limit, within the body timeout, and only while the
//! memory budget for request bodies has room for it.

use crate::admin::{Admin, Authenticated, MemberSummary, RosterEntry, Team};
use crate::files::private_file;
use crate::metrics::Metrics;
use crate::team::{Caller, Changes, TeamStore};
use crate::RelayError;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::BodyExt;
use rapport_wire::{decode, encode, Message, RosterMember, WireError};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The largest sync request body: one frame at the frame limit, with a little slack.
pub const MAX_BODY: usize = rapport_wire::MAX_FRAME + 16;
/// The largest admin API request body (a team and a member name).
const MAX_ADMIN_BODY: usize = 16 * 1024;

/// How request bodies are read.
#[derive(Clone, Debug)]
pub struct BodyLimits {
    /// Longest time a request body may take to arrive, counted once its token is accepted.
    pub timeout: Duration,
    /// Bytes of request bodies held in memory at once, over all requests; a request waits
    /// (at most `timeout`) for room for its declared length. At least [`MAX_BODY`].
    pub memory: usize,
}

/// Shared relay state.
pub struct Relay {
    dir: PathBuf,
    /// Teams and members.
    pub admin: Admin,
    teams: Mutex<HashMap<String, Arc<TeamStore>>>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    admin_token: String,
    body_limits: BodyLimits,
    /// One permit per byte of request body held in memory.
    body_budget: Arc<Semaphore>,
    /// Per team, a counter bumped whenever its documents or roster change: what notice
    /// streams wait on.
    notices: Mutex<HashMap<String, tokio::sync::watch::Sender<u64>>>,
    /// Set once the relay is stopping: notice streams end then, since a graceful stop waits
    /// for every response still under way and a stream would otherwise hold it for the whole
    /// drain time.
    stopping: std::sync::atomic::AtomicBool,
}

impl Relay {
    /// Opens the relay's data directory and makes its files private (older relays left
    /// them readable by others).
    pub fn open(dir: PathBuf, admin_token: String, body_limits: BodyLimits) -> Result<Relay, RelayError> {
        if body_limits.memory < MAX_BODY || body_limits.memory > Semaphore::MAX_PERMITS {
            return Err(RelayError::Invalid(format!(
                "the memory for request bodies must hold at least one largest request ({} MiB), got {} bytes",
                MAX_BODY.div_ceil(1 << 20),
                body_limits.memory
            )));
        }
        let admin = Admin::open(&dir)?;
        crate::files::tighten_data_dir(&dir)?;
        Ok(Relay {
            dir,
            admin,
            teams: Mutex::new(HashMap::new()),
            metrics: Arc::new(Metrics::default()),
            admin_token,
            body_budget: Arc::new(Semaphore::new(body_limits.memory)),
            body_limits,
            notices: Mutex::new(HashMap::new()),
            stopping: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn notice_channel(&self, team_id: &str) -> Option<tokio::sync::watch::Receiver<u64>> {
        let mut map = self.notices.lock().ok()?;
        Some(map.entry(team_id.to_string()).or_insert_with(|| tokio::sync::watch::channel(0).0).subscribe())
    }

    /// Tells the team's notice streams that something changed (each then checks whether
    /// its member may read it).
    pub fn announce(&self, team_id: &str) {
        if let Ok(map) = self.notices.lock() {
            if let Some(tx) = map.get(team_id) {
                tx.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
    }

    /// Ends every notice stream, now and when one opens later: the relay is stopping.
    pub fn end_notice_streams(&self) {
        self.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
        self.announce_all();
    }

    fn stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Tells every team's notice streams (a roster change may end or widen any of them).
    pub fn announce_all(&self) {
        if let Ok(map) = self.notices.lock() {
            for tx in map.values() {
                tx.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
    }

    /// What a request that failed with `e` answers. A failing disk under `team`'s file
    /// drops its handle, so the next request opens it again at its last committed state:
    /// redb refuses every transaction after one failed write. (The members' file is
    /// dropped by `Admin::after`, for failures of its own calls.)
    fn failed(&self, team: Option<&str>, e: RelayError) -> Failure {
        match e {
            RelayError::Disk(_) => {
                if let (Some(id), Ok(mut map)) = (team, self.teams.lock()) {
                    map.remove(id);
                }
                Failure::Disk(e.to_string())
            }
            other => Failure::Internal(other.to_string()),
        }
    }

    /// [`Relay::failed`] for a call on the members' file: a failing disk drops its handle.
    fn members_failed(&self, e: RelayError) -> Failure {
        self.failed(None, self.admin.after(e))
    }

    /// The document store of a team, opened on first use (its file made private).
    pub fn team_store(&self, team: &Team) -> Result<Arc<TeamStore>, RelayError> {
        let mut map = self.teams.lock().map_err(|_| RelayError::Storage("team map poisoned".into()))?;
        if let Some(t) = map.get(&team.id) {
            return Ok(t.clone());
        }
        let path = self.dir.join("teams").join(format!("{}.redb", team.id));
        let t = Arc::new(TeamStore::open(&path).map_err(|e| match e {
            // Only after a failing disk dropped the team's handle, while a request that began
            // before still holds the old one: the next request opens it.
            RelayError::Locked(_) => RelayError::Storage(format!(
                "team file {} is reopening after a disk failure; try again in a moment",
                path.display()
            )),
            other => other,
        })?);
        private_file(&path)?;
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

/// The token of an `Authorization: Bearer TOKEN` header; the scheme is case-insensitive
/// (RFC 9110 section 11.1), so `bearer` and `BEARER` work as well.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

/// The member listener: sync, counters, health. No admin API, no team ids.
pub fn member_router(relay: Arc<Relay>) -> Router {
    Router::new()
        .route("/v1/sync", post(sync))
        .route("/v1/notices", get(notices))
        .route("/metrics", get(member_metrics))
        .route("/health", get(|| async { "ok" }))
        .with_state(relay)
}

/// The admin listener (loopback only): the admin API, metrics with team ids, health.
pub fn admin_router(relay: Arc<Relay>) -> Router {
    let admin = Router::new()
        .route("/admin/teams", get(admin_teams).post(admin_create_team))
        .route("/admin/members", post(admin_add_member))
        .route("/admin/members/revoke", post(admin_revoke))
        .route("/admin/members/role", post(admin_set_role))
        .route("/admin/members/list", post(admin_members))
        .route_layer(axum::middleware::from_fn_with_state(relay.clone(), require_admin));
    admin
        .route("/metrics", get(admin_metrics))
        .route("/health", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_ADMIN_BODY))
        .with_state(relay)
}

/// `POST /v1/sync`: the token first, then the body, then the request.
async fn sync(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match sync_request(&relay, &headers, body).await {
        Ok(bytes) => {
            Metrics::add(&relay.metrics.bytes_out, bytes.len() as u64);
            (StatusCode::OK, [("content-type", "application/x-rapport-sync")], bytes).into_response()
        }
        Err(failure) => refusal(&relay.metrics, peer, failure),
    }
}

async fn sync_request(relay: &Arc<Relay>, headers: &HeaderMap, body: Body) -> Result<Vec<u8>, Failure> {
    let token = bearer(headers).ok_or(Failure::NoToken)?;
    let (member, team) = member_team(relay, token).await?;
    let declared = declared_length(headers)?;
    let limits = &relay.body_limits;
    let budget = reserve_body_memory(relay, declared.unwrap_or(MAX_BODY)).await?;
    let bytes = tokio::time::timeout(limits.timeout, read_body(body, declared))
        .await
        .map_err(|_| Failure::BodyTimeout(limits.timeout))??;
    Metrics::add(&relay.metrics.bytes_in, bytes.len() as u64);
    let r = relay.clone();
    // The budget is held until the request is handled: its decoded form lives as long.
    let m = tokio::task::spawn_blocking(move || {
        let _budget = budget;
        handle(&r, &member, &team, &bytes)
    })
    .await
    .map_err(|e| Failure::Internal(format!("worker failed: {e}")))??;
    Ok(encode(&m))
}

/// The member whose token this is, and their team; revoked and unknown tokens are refused
/// (a revoked one saying so, so the node removes the team's data).
async fn member_team(relay: &Arc<Relay>, token: String) -> Result<(RosterEntry, Team), Failure> {
    let r = relay.clone();
    match tokio::task::spawn_blocking(move || r.admin.authenticate(&token)).await {
        Ok(Ok(Authenticated::Member(member, team))) => Ok((member, team)),
        Ok(Ok(Authenticated::Revoked(why))) => Err(Failure::Revoked(why)),
        Ok(Ok(Authenticated::Unknown)) => Err(Failure::Unauthorized),
        Ok(Err(e)) => Err(relay.members_failed(e)),
        Err(e) => Err(Failure::Internal(format!("worker failed: {e}"))),
    }
}

/// The body length the client declared, refused when over [`MAX_BODY`] before any of the
/// body is read. `None` for a chunked body.
fn declared_length(headers: &HeaderMap) -> Result<Option<usize>, Failure> {
    let Some(v) = headers.get("content-length") else { return Ok(None) };
    let n = v
        .to_str()
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
        .ok_or_else(|| Failure::Bad("the Content-Length header is not a number".into()))?;
    if n > MAX_BODY as u64 {
        return Err(Failure::TooLarge(n));
    }
    Ok(Some(n as usize))
}

/// Room for `bytes` of body in the memory budget, waiting at most the body timeout.
async fn reserve_body_memory(relay: &Relay, bytes: usize) -> Result<OwnedSemaphorePermit, Failure> {
    let n = u32::try_from(bytes.max(1)).map_err(|_| Failure::TooLarge(bytes as u64))?;
    let wait = relay.body_limits.timeout;
    match tokio::time::timeout(wait, relay.body_budget.clone().acquire_many_owned(n)).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_closed)) => Err(Failure::Internal("the body budget was closed".into())),
        Err(_) => Err(Failure::Busy(wait)),
    }
}

/// Reads a body of at most [`MAX_BODY`] bytes into one buffer sized once from the
/// declared length, so no buffer is ever grown and copied.
async fn read_body(mut body: Body, declared: Option<usize>) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Failure::Bad(format!("the request body broke off: {e}")))?;
        let Ok(data) = frame.into_data() else { continue };
        if out.len() + data.len() > MAX_BODY {
            return Err(Failure::TooLarge((out.len() + data.len()) as u64));
        }
        if out.capacity() - out.len() < data.len() {
            // Chunked: grow by doubling, never past the limit.
            let want = (out.capacity() * 2).max(out.len() + data.len()).min(MAX_BODY);
            out.reserve_exact(want - out.len());
        }
        out.extend_from_slice(&data);
    }
    Ok(out)
}

/// The response to a refused sync request, counted and logged with the peer.
fn refusal(metrics: &Metrics, peer: SocketAddr, failure: Failure) -> Response {
    let why = failure.to_string();
    let (status, code, counter) = match &failure {
        Failure::NoToken | Failure::Unauthorized => {
            (StatusCode::UNAUTHORIZED, "unauthorized", Some(&metrics.unauthorized))
        }
        Failure::Revoked(_) => (StatusCode::UNAUTHORIZED, "revoked", Some(&metrics.unauthorized)),
        Failure::Bad(_) => (StatusCode::BAD_REQUEST, "bad_request", Some(&metrics.bad_requests)),
        Failure::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", Some(&metrics.bad_requests)),
        Failure::BodyTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "timeout", Some(&metrics.bodies_timed_out)),
        Failure::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy", Some(&metrics.bodies_over_budget)),
        Failure::Stopping => (StatusCode::SERVICE_UNAVAILABLE, "stopping", None),
        Failure::Disk(_) => (StatusCode::INSUFFICIENT_STORAGE, "disk", None),
        Failure::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
    };
    if let Some(c) = counter {
        Metrics::add(c, 1);
    }
    eprintln!("relay: {peer}: refused: {why}");
    let detail = match failure {
        Failure::Internal(_) => "the relay failed; see its log".to_string(),
        _ => why,
    };
    error(status, code, detail)
}

/// Why a sync request was refused.
enum Failure {
    NoToken,
    Unauthorized,
    Revoked(String),
    Bad(String),
    TooLarge(u64),
    BodyTimeout(Duration),
    Busy(Duration),
    /// A notice stream asked for while the relay stops.
    Stopping,
    /// The relay's disk cannot take writes now.
    Disk(String),
    Internal(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::NoToken => write!(f, "a bearer token is required (Authorization: Bearer TOKEN)"),
            Failure::Unauthorized => write!(f, "unknown or revoked token"),
            Failure::Revoked(why) => write!(f, "{why}"),
            Failure::Bad(why) => write!(f, "{why}"),
            Failure::TooLarge(n) => write!(f, "a request body of {n} bytes is over the {MAX_BODY}-byte limit"),
            Failure::BodyTimeout(t) => write!(f, "the request body did not arrive within {}s", t.as_secs_f64()),
            Failure::Busy(t) => write!(
                f,
                "the relay is busy receiving other requests (no room for this body within {}s); retry shortly",
                t.as_secs_f64()
            ),
            Failure::Stopping => write!(f, "the relay is stopping; ask again once it is back"),
            Failure::Disk(why) => write!(f, "{why}"),
            Failure::Internal(why) => write!(f, "internal error: {why}"),
        }
    }
}

fn roster_member(m: &rapport_roles::Member) -> RosterMember {
    RosterMember {
        id: m.id.map(|i| i.0),
        name: m.name.clone(),
        role: serde_json::to_value(m.role).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
        groups: m.groups.clone(),
        active: m.active,
    }
}

/// Handles an authenticated member's request against their team's documents.
fn handle(relay: &Relay, member: &RosterEntry, team: &Team, body: &[u8]) -> Result<Message, Failure> {
    let msg = decode(body).map_err(|e: WireError| Failure::Bad(e.to_string()))?;
    // Each failure drops only the handle that failed (see `Relay::failed`).
    let members_failed = |e: RelayError| relay.members_failed(e);
    let team_failed = |e: RelayError| relay.failed(Some(&team.id), e);
    if let Message::Roster { member: claimed, device } = msg {
        let entry = relay.admin.check_in(member, claimed, device).map_err(members_failed)?;
        let roster = relay.admin.roster(&team.name).map_err(members_failed)?;
        return Ok(Message::Team {
            team: team.name.clone(),
            you: roster_member(&entry.member()),
            members: roster.members.iter().map(roster_member).collect(),
        });
    }
    let store = relay.team_store(team).map_err(team_failed)?;
    let caller = Caller { member: member.member(), roster: relay.admin.roster(&team.name).map_err(members_failed)? };
    match msg {
        Message::Push { docs } => {
            Metrics::add(&relay.metrics.push, 1);
            let results = store.push(&docs, &caller).map_err(team_failed)?;
            if results.iter().any(|r| matches!(r, rapport_wire::DocResult::Stored(_))) {
                relay.announce(&team.id);
            }
            for r in &results {
                match r {
                    rapport_wire::DocResult::Stored(_) => Metrics::add(&relay.metrics.docs_stored, 1),
                    rapport_wire::DocResult::Refused { reason, .. } => {
                        Metrics::add(&relay.metrics.docs_refused, 1);
                        eprintln!("relay: team {}: refused a document from {}: {reason}", team.id, member.name);
                    }
                }
            }
            Ok(Message::Pushed { results })
        }
        Message::Changes { since, limit } => {
            Metrics::add(&relay.metrics.changes, 1);
            let Changes { docs, gone, cursor, more } =
                store.changes(since, limit.clamp(1, 10_000), &caller).map_err(team_failed)?;
            Ok(Message::Changed { docs, gone, cursor, more })
        }
        Message::Mark { seen } => {
            Metrics::add(&relay.metrics.mark, 1);
            let (now, held) = store.mark(seen).map_err(team_failed)?;
            if !held {
                Metrics::add(&relay.metrics.marks_not_held, 1);
                eprintln!(
                    "relay: team {}: {} synced past what this relay holds (was it restored from a backup?); \
                     their node sends back what the relay lacks",
                    team.id, member.name
                );
            }
            Ok(Message::Marked { now, held })
        }
        Message::Fetch { docs } => {
            Metrics::add(&relay.metrics.fetch, 1);
            if docs.len() > 10_000 {
                return Err(Failure::Bad(format!("fetch of {} documents; at most 10000 per request", docs.len())));
            }
            Ok(Message::Docs { docs: store.fetch(&docs, &caller).map_err(team_failed)? })
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
        Message::Roster { .. } => "Roster",
        Message::Team { .. } => "Team",
        Message::Mark { .. } => "Mark",
        Message::Marked { .. } => "Marked",
    }
}

/// `GET /metrics` on the member listener: counters only.
async fn member_metrics(State(relay): State<Arc<Relay>>) -> Response {
    prometheus(relay.metrics.render(None))
}

/// `GET /metrics` on the admin listener: counters and documents per team id.
async fn admin_metrics(State(relay): State<Arc<Relay>>) -> Response {
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
    prometheus(relay.metrics.render(Some(&teams)))
}

fn prometheus(text: String) -> Response {
    ([("content-type", "text/plain; version=0.0.4")], text).into_response()
}

/// Lets only loopback callers with the admin token through to the admin API; runs before
/// any request body is read.
async fn require_admin(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !peer.ip().is_loopback() {
        return (StatusCode::FORBIDDEN, "the admin API answers loopback callers only").into_response();
    }
    match bearer(request.headers()) {
        Some(t) if constant_eq(t.as_bytes(), relay.admin_token.as_bytes()) => next.run(request).await,
        _ => {
            eprintln!("relay: {peer}: refused an admin call without the admin token");
            (StatusCode::UNAUTHORIZED, "the admin token (DATA/admin.token) is required").into_response()
        }
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Runs an admin call on a blocking thread (redb writes sync to disk) and answers JSON.
async fn admin_call<T, F>(relay: Arc<Relay>, call: F) -> Response
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&Admin) -> Result<T, RelayError> + Send + 'static,
{
    let r = relay.clone();
    let result = tokio::task::spawn_blocking(move || call(&r.admin).map_err(|e| r.admin.after(e)))
        .await
        .unwrap_or_else(|e| Err(RelayError::Storage(format!("worker failed: {e}"))));
    match result {
        Ok(v) => Json(v).into_response(),
        Err(RelayError::NotFound(m)) => (StatusCode::NOT_FOUND, m).into_response(),
        Err(RelayError::Invalid(m)) => (StatusCode::BAD_REQUEST, m).into_response(),
        Err(e @ RelayError::Disk(_)) => (StatusCode::INSUFFICIENT_STORAGE, e.to_string()).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// `POST /admin/teams`.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct NewTeam {
    /// Team name.
    pub name: String,
}

/// `POST /admin/members`, `/admin/members/revoke`, `/admin/members/role`: a member named
/// in the body, so any name (spaces, Chinese) travels as it is.
#[derive(serde::Serialize, serde::Deserialize, Default)]
pub struct MemberRef {
    /// Team name.
    pub team: String,
    /// Member name.
    pub name: String,
    /// Add a further token to a member who already has one.
    #[serde(default)]
    pub another: bool,
    /// The role (adding: required unless `another`; setting: unchanged when absent).
    #[serde(default)]
    pub role: Option<rapport_roles::Role>,
    /// Groups (setting: unchanged when absent).
    #[serde(default)]
    pub groups: Option<Vec<String>>,
    /// Revoking: the member who receives the revoked member's customers.
    #[serde(default)]
    pub reassign_to: Option<String>,
}

/// What `member revoke` did.
#[derive(serde::Serialize, serde::Deserialize, Debug)]
pub struct Revoked {
    /// Tokens revoked.
    pub tokens: usize,
    /// Customers given to the member named in `reassign_to`.
    pub reassigned: usize,
}

/// `POST /admin/members/list`.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct TeamRef {
    /// Team name.
    pub team: String,
}

async fn admin_teams(State(relay): State<Arc<Relay>>) -> Response {
    admin_call(relay, |a| a.teams()).await
}

async fn admin_create_team(State(relay): State<Arc<Relay>>, Json(b): Json<NewTeam>) -> Response {
    admin_call(relay, move |a| a.create_team(&b.name)).await
}

async fn admin_add_member(State(relay): State<Arc<Relay>>, Json(b): Json<MemberRef>) -> Response {
    admin_call(relay, move |a| {
        let role = b.role.unwrap_or(rapport_roles::Role::Admin);
        a.add_member(&b.team, &b.name, role, b.groups.as_deref().unwrap_or_default(), b.another)
    })
    .await
}

async fn admin_set_role(State(relay): State<Arc<Relay>>, Json(b): Json<MemberRef>) -> Response {
    let r = relay.clone();
    let answer = admin_call(relay, move |a| a.set_role(&b.team, &b.name, b.role, b.groups.as_deref())).await;
    r.announce_all();
    answer
}

async fn admin_revoke(State(relay): State<Arc<Relay>>, Json(b): Json<MemberRef>) -> Response {
    let r = relay.clone();
    let notify = relay.clone();
    let answer = admin_call(relay, move |a| {
        let team = a.team(&b.team)?;
        let reassigned =
            revoke_and_reassign(a, r.team_store(&team)?.as_ref(), &team, &b.name, b.reassign_to.as_deref())?;
        Ok(reassigned)
    })
    .await;
    // The revoked member's streams end at this notice; reassigned customers are news to
    // their new owner.
    notify.announce_all();
    answer
}

/// Revokes a member and gives their customers to `to` (an active member) in the team's
/// documents. The new owner is checked first, so a refused reassignment revokes nothing.
pub fn revoke_and_reassign(
    admin: &Admin,
    store: &TeamStore,
    team: &Team,
    name: &str,
    to: Option<&str>,
) -> Result<Revoked, RelayError> {
    if let Some(to) = to {
        let roster = admin.roster(&team.name)?;
        let heir = roster.owner(to).map_err(|e| RelayError::Invalid(format!("--reassign-to: {e}")))?;
        if heir.is_named(name) {
            return Err(RelayError::Invalid(format!("--reassign-to names {name}, the member being revoked")));
        }
    }
    let tokens = admin.revoke(&team.name, name)?;
    let reassigned = match to {
        Some(to) => {
            let heir = admin.roster(&team.name)?.owner(to).map(|m| m.name.clone()).unwrap_or_else(|_| to.to_string());
            store.reassign(name, &heir)?
        }
        None => 0,
    };
    Ok(Revoked { tokens, reassigned })
}

async fn admin_members(State(relay): State<Arc<Relay>>, Json(b): Json<TeamRef>) -> Response {
    admin_call(relay, move |a| -> Result<Vec<MemberSummary>, RelayError> { a.members(&b.team) }).await
}

/// A notice stream ends after this long, so a connection that died without a word is found
/// within it (the node gives up on a request after 35 s); the node connects again at once,
/// resuming from the stream's last id, so the new stream costs no sync.
pub const NOTICE_STREAM_LIFETIME: Duration = Duration::from_secs(25);

/// Where a node says its last stream ended (`Last-Event-ID`): the position in the team's
/// log its last event carried. Anything but a number is ignored (the node then syncs once
/// on its own, as on its first connection).
fn resumed_from(headers: &HeaderMap) -> Option<u64> {
    headers.get("last-event-id")?.to_str().ok()?.trim().parse().ok()
}

struct NoticeStream {
    relay: Arc<Relay>,
    token: String,
    team: Team,
    store: Arc<TeamStore>,
    cursor: u64,
    changes: tokio::sync::watch::Receiver<u64>,
    ends: tokio::time::Instant,
    _open: crate::metrics::OpenStream,
}

/// Whether something the stream's member may read changed after its cursor (the same
/// read-scope decision `Changes` takes); moves the cursor to the end of the log.
async fn news_for(s: &mut NoticeStream) -> Option<bool> {
    let (member, team) = member_team(&s.relay, s.token.clone()).await.ok()?;
    if team.id != s.team.id {
        return None;
    }
    let (relay, store, cursor, name) = (s.relay.clone(), s.store.clone(), s.cursor, team.name.clone());
    let checked = tokio::task::spawn_blocking(move || -> Result<(bool, u64), RelayError> {
        let caller = Caller { member: member.member(), roster: relay.admin.roster(&name)? };
        let last = store.last_seq()?;
        let c = store.changes(cursor, 1, &caller)?;
        Ok((!c.docs.is_empty() || !c.gone.is_empty(), last))
    })
    .await
    .ok()?
    .ok()?;
    s.cursor = checked.1;
    Some(checked.0)
}

/// An event of a notice stream: its kind and the position in the team's log it was sent
/// at (`id`), never anything of a document.
fn notice_event(kind: &str, at: u64) -> axum::response::sse::Event {
    axum::response::sse::Event::default().event(kind).id(at.to_string()).data("")
}

/// `GET /v1/notices`: a member's stream of server-sent events, one `event: changed` (with
/// no data) whenever a document the member may read changes, so a node pulls at once
/// instead of at its next timer tick. It carries no document data: the node asks for the
/// changes with its own `Changes` request. A missing, wrong or revoked token is refused like
/// a sync request, and a member revoked while the stream is open loses it at the next
/// notice. The stream starts with an `open` event (or `changed`, when resumed with
/// `Last-Event-ID` and something changed since) and ends after [`NOTICE_STREAM_LIFETIME`].
async fn notices(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    // A stream opened now would end at once and the node would ask again at once: it waits
    // (backs off) instead.
    if relay.stopping() {
        return refusal(&relay.metrics, peer, Failure::Stopping);
    }
    let Some(token) = bearer(&headers) else {
        return refusal(&relay.metrics, peer, Failure::NoToken);
    };
    let (_, team) = match member_team(&relay, token.clone()).await {
        Ok(t) => t,
        Err(f) => return refusal(&relay.metrics, peer, f),
    };
    let store = match relay.team_store(&team) {
        Ok(s) => s,
        Err(e) => return refusal(&relay.metrics, peer, relay.failed(Some(&team.id), e)),
    };
    let Some(changes) = relay.notice_channel(&team.id) else {
        return refusal(&relay.metrics, peer, Failure::Internal("the notice table is unusable".into()));
    };
    let st = store.clone();
    let Some(last) = tokio::task::spawn_blocking(move || st.last_seq()).await.ok().and_then(Result::ok) else {
        return refusal(&relay.metrics, peer, Failure::Internal("the team's log cannot be read".into()));
    };
    let open = crate::metrics::OpenStream::new(relay.metrics.clone());
    let mut state = NoticeStream {
        relay,
        token,
        team,
        store,
        cursor: last,
        changes,
        ends: tokio::time::Instant::now() + NOTICE_STREAM_LIFETIME,
        _open: open,
    };
    // The first event says where the stream starts, so the node can resume from there.
    // Resumed from an earlier stream's id, it is a notice if anything the member may read
    // changed in between; a log that went back (a relay restored from a backup) or a check
    // that could not be made counts as changed: the node syncs rather than miss something.
    let first = match resumed_from(&headers) {
        Some(from) if from <= last => {
            state.cursor = from;
            news_for(&mut state).await != Some(false)
        }
        Some(_) => true,
        None => false,
    };
    if first {
        Metrics::add(&state.relay.metrics.notices_sent, 1);
    }
    let opening = notice_event(if first { "changed" } else { "open" }, state.cursor);
    let opening = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(opening) });
    let stream = futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if s.relay.stopping() {
                return None;
            }
            tokio::select! {
                r = s.changes.changed() => if r.is_err() { return None; },
                _ = tokio::time::sleep_until(s.ends) => return None,
            }
            if s.relay.stopping() {
                return None;
            }
            match news_for(&mut s).await {
                None => return None,
                Some(false) => continue,
                Some(true) => {
                    Metrics::add(&s.relay.metrics.notices_sent, 1);
                    let event = notice_event("changed", s.cursor);
                    return Some((Ok::<_, std::convert::Infallible>(event), s));
                }
            }
        }
    });
    let mut response = axum::response::sse::Sse::new(futures_util::StreamExt::chain(opening, stream))
        .keep_alive(axum::response::sse::KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    // nginx in front would hold the events in its buffer until it fills: this asks it not to.
    response.headers_mut().insert("x-accel-buffering", axum::http::HeaderValue::from_static("no"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("authorization", v.parse().expect("header"));
        h
    }

    /// While the relay stops, a notice request is refused with 503 rather than given a
    /// stream that ends at once (which the node would ask for again at once, in a loop).
    #[test]
    fn a_notice_stream_asked_for_while_the_relay_stops_is_refused_with_503() -> Result<(), Box<dyn std::error::Error>> {
        use tower_service::Service;
        let tmp = tempfile::tempdir()?;
        let limits = BodyLimits { timeout: Duration::from_secs(5), memory: MAX_BODY };
        let relay = Arc::new(Relay::open(tmp.path().join("relay"), "admin".into(), limits)?);
        let ask = |router: &mut Router| {
            let mut req = axum::http::Request::get("/v1/notices")
                .header("authorization", "Bearer nobody")
                .body(axum::body::Body::empty())?;
            req.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 9))));
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let resp = rt.block_on(router.call(req))?;
            Ok::<_, Box<dyn std::error::Error>>(resp.status())
        };
        let mut router = member_router(relay.clone());
        assert_eq!(ask(&mut router)?, StatusCode::UNAUTHORIZED, "an unknown token before the stop");
        relay.end_notice_streams();
        assert_eq!(ask(&mut router)?, StatusCode::SERVICE_UNAVAILABLE, "any request once stopping");
        Ok(())
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case_and_nothing_else_is_a_token() {
        for v in ["Bearer abc", "bearer abc", "BEARER abc", "Bearer   abc  "] {
            assert_eq!(bearer(&auth(v)).as_deref(), Some("abc"), "{v}");
        }
        for v in ["Basic abc", "Bearerabc", "Bearer", "abc", "Bearer  "] {
            assert_eq!(bearer(&auth(v)), None, "{v}");
        }
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
