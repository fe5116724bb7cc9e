//! The node runtime over HTTP: sync, relay, peers, pairing and sample data.
//!
//! Handlers parse, call the [`rapport_node::Node`] and map the result; the command line
//! reaches the same operations through [`crate::client::RemoteNode`] while a node runs.

use crate::extract::{Json, OptionalJson, Path};
use crate::problem::{ApiError, Problem};
use crate::server::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rapport_node::{DemoRequest, InviteRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn json<T: Serialize>(status: StatusCode, v: &T) -> Response {
    match serde_json::to_vec(v) {
        Ok(body) => {
            let mut r = (status, body).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Err(e) => ApiError::Internal(format!("cannot encode the answer: {e}")).into_response(),
    }
}

/// Runs blocking node work on a blocking worker.
pub(crate) async fn blocking<T: Send + 'static>(
    s: &AppState,
    f: impl FnOnce(&rapport_node::Node) -> Result<T, rapport_node::NodeError> + Send + 'static,
) -> Result<T, ApiError> {
    let node = s.node().clone();
    tokio::task::spawn_blocking(move || f(&node))
        .await
        .map_err(|e| ApiError::Internal(format!("a worker failed: {e}")))?
        .map_err(ApiError::from)
}

/// `POST /v1/sync`: what to sync with.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// Also sync with every paired peer (default: the relay only).
    #[serde(default)]
    pub peers: bool,
}

/// One sync done by `POST /v1/sync`.
#[derive(ToSchema)]
pub struct SyncOutcomeOut {
    /// `relay:URL`, or `peer NAME (ENDPOINT…)`.
    pub with: String,
    /// What the sync did (documents sent and received, bytes, conflicts, refusals), when
    /// it succeeded.
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
    /// Why it failed, when it failed.
    pub error: Option<String>,
    /// Seconds it took.
    pub seconds: f64,
}

/// Syncs now with the relay and, with `peers`, every paired peer; one result each. A
/// failed sync is a result with `error`, not a failed request.
#[utoipa::path(post, path = "/v1/sync", tag = "node", request_body(content = Option<SyncRequest>, description = "Optional; without a body, the relay only."),
    responses((status = 200, description = "One result per relay or peer", body = Vec<SyncOutcomeOut>),
        (status = 502, description = "The peers could not be reached at all (`sync-failed`)", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn sync_now(
    State(s): State<AppState>,
    OptionalJson(req): OptionalJson<SyncRequest>,
) -> Result<Response, ApiError> {
    let results = s.node().sync_now(req.peers).await?;
    Ok(json(StatusCode::OK, &results))
}

/// How far the sync under way has got (the last sync's tally when none runs).
#[derive(ToSchema)]
pub struct SyncProgressOut {
    /// Customer documents to send (counted before the push starts).
    pub to_send: u64,
    /// Of them, documents the peer has answered for (stored or refused).
    pub sent: u64,
    /// Customer documents to fetch from the peer, as far as its listing has been read
    /// (read ahead up to 120,000 entries before the fetch starts).
    pub to_receive: u64,
    /// Of them, documents taken in here.
    pub received: u64,
    /// Request bytes sent.
    pub bytes_sent: u64,
    /// Response bytes received.
    pub bytes_received: u64,
    /// Milliseconds since the sync began.
    pub elapsed_ms: u64,
    /// Estimated milliseconds left (0 at the end; null before the first document is done
    /// and while the peer's listing has more than has been read).
    pub eta_ms: Option<u64>,
}

/// How far the sync under way has got, in documents and bytes both ways (the last sync's
/// tally when none runs): what `rapport sync` draws its bars from while a node runs.
#[utoipa::path(get, path = "/v1/sync/progress", tag = "node",
    responses((status = 200, description = "OK", body = SyncProgressOut)))]
pub(crate) async fn sync_progress(State(s): State<AppState>) -> Result<Response, ApiError> {
    let p = *s.node().sync_progress().borrow();
    Ok(json(StatusCode::OK, &p))
}

/// Long work the node runs for a caller, and how far it has got.
#[derive(ToSchema)]
pub struct WorkProgressOut {
    /// Counts the pieces of work the node has started; a new number is a new piece.
    pub run: u64,
    /// What the work is: `checking` (doctor), `reindexing`, `exporting`, `importing` or
    /// `creating` (sample customers); empty before any.
    pub task: String,
    /// Items done so far.
    pub done: u64,
    /// Items in all, as far as known.
    pub total: u64,
}

/// How far the long work last asked of the node (doctor, reindex, export, import, demo)
/// has got: what the command line draws its bars from while a node runs.
#[utoipa::path(get, path = "/v1/work/progress", tag = "node",
    responses((status = 200, description = "OK", body = WorkProgressOut)))]
pub(crate) async fn work_progress(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &s.node().work_progress()))
}

/// `POST /v1/sync/discard`: which customer's refused changes to give up.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscardRequest {
    /// Customer number or id.
    pub customer: String,
    /// Where to write the discarded changes (a path on the node's machine); default: a
    /// file under the node's data directory, `discarded/NUMBER-TIME.json`.
    #[serde(default)]
    pub out: Option<String>,
}

/// What a discard did.
#[derive(ToSchema)]
pub struct DiscardedOut {
    /// The customer's number.
    pub customer: String,
    /// The file the local changes were written to (owner-only).
    pub file: String,
    /// Changes made here that the relay did not hold.
    pub changes: usize,
    /// True when the relay's copy replaced this node's; false when the customer was removed
    /// here (the relay holds none this member may read).
    pub reset: bool,
}

/// Gives up this node's changes to a customer that the relay refuses (a role changed
/// while the member was offline): writes them to a file first, then takes the relay's copy.
#[utoipa::path(post, path = "/v1/sync/discard", tag = "node", request_body = DiscardRequest,
    responses((status = 200, description = "Written to the file and reset", body = DiscardedOut),
        (status = 404, description = "No such customer (`not-found`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No relay configured (`validation`)", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn discard(State(s): State<AppState>, Json(req): Json<DiscardRequest>) -> Result<Response, ApiError> {
    let out = req.out.map(std::path::PathBuf::from);
    let done = s.node().discard(&req.customer, out).await?;
    Ok(json(StatusCode::OK, &done))
}

/// `GET /v1/relay` and `PUT /v1/relay`: the relay this node syncs with.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct RelayOut {
    /// The relay's URL, or null when none is set.
    pub relay: Option<String>,
}

/// `PUT /v1/relay`: a relay and this member's token on it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelayIn {
    /// The relay's URL, `http://` or `https://`.
    pub url: String,
    /// This member's token on the relay.
    pub token: String,
}

/// The relay this node syncs with (its URL; the token is never sent back).
#[utoipa::path(get, path = "/v1/relay", tag = "node", responses((status = 200, description = "OK", body = RelayOut)))]
pub(crate) async fn get_relay(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &RelayOut { relay: s.node().relay().map(|r| r.url) }))
}

/// Sets the relay: the URL and token are first checked with one request to the relay (a
/// wrong token or an http/https mix-up is refused, in words), then kept, and the node
/// syncs with it at once.
#[utoipa::path(put, path = "/v1/relay", tag = "node", request_body = RelayIn,
    responses((status = 200, description = "Kept; the node now syncs with it", body = RelayOut),
        (status = 409, description = "The sample book of `serve --demo` never gets a relay (`refused`)", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn put_relay(State(s): State<AppState>, Json(req): Json<RelayIn>) -> Result<Response, ApiError> {
    let cfg = s.node().set_relay(&req.url, &req.token).await?;
    Ok(json(StatusCode::OK, &RelayOut { relay: Some(cfg.url) }))
}

/// A paired peer.
#[derive(ToSchema)]
pub struct PeerOut {
    /// Endpoint id.
    pub id: String,
    /// The teammate's member name.
    pub name: String,
    /// Addresses it was last reached at.
    pub addrs: Vec<String>,
}

/// `POST /v1/peers`: a ticket from a teammate's `rapport peer invite`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairIn {
    /// The ticket.
    pub ticket: String,
}

/// A pairing done, with the first sync.
#[derive(ToSchema)]
pub struct PairedOut {
    /// The new peer.
    pub peer: PeerOut,
    /// What the first sync did.
    #[schema(value_type = Object)]
    pub sync: serde_json::Value,
    /// Seconds the first sync took.
    pub seconds: f64,
}

/// Paired peers.
#[utoipa::path(get, path = "/v1/peers", tag = "node", responses((status = 200, description = "OK", body = Vec<PeerOut>)))]
pub(crate) async fn list_peers(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &blocking(&s, |n| n.peers()).await?))
}

/// Pairs with the node that made a ticket, then syncs with it once.
#[utoipa::path(post, path = "/v1/peers", tag = "node", request_body = PairIn,
    responses((status = 201, description = "Paired and synced", body = PairedOut),
        (status = 409, description = "The sample book of `serve --demo` never gets peers (`refused`)", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The pairing or the first sync failed (`sync-failed`)", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn add_peer(State(s): State<AppState>, Json(req): Json<PairIn>) -> Result<Response, ApiError> {
    let paired = s.node().add_peer(&req.ticket).await?;
    Ok(json(StatusCode::CREATED, &paired))
}

/// `POST /v1/peers/invitations`: the options of `rapport peer invite`.
#[derive(ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct InviteIn {
    /// Address to listen on for the teammate when the node does not listen for peers
    /// (`serve --p2p-listen`), e.g. `0.0.0.0:7879`.
    listen: String,
    /// Use iroh's public relays for NAT traversal (default false).
    #[serde(default)]
    relays: bool,
    /// How long the ticket pairs: `30m`, `1h`, `2d`.
    expires: String,
    /// Seconds the node listens for the teammate when it does not listen for peers.
    wait: u64,
}

/// An invitation as listed.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct InvitationOut {
    /// Short id.
    id: String,
    /// `open`, `used`, `cancelled` or `expired`.
    state: String,
    /// When it was made, RFC 3339 UTC.
    created: String,
    /// When its secret stops working, RFC 3339 UTC.
    expires: String,
    /// The member who paired with it.
    used_by: Option<String>,
}

/// A ticket made.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct InvitedOut {
    /// The ticket (`rapport peer add TICKET`).
    ticket: String,
    /// Addresses the teammate dials.
    addrs: Vec<String>,
    /// The invitation, to follow its state.
    invitation: InvitationOut,
}

/// Makes a pairing ticket. The pairing runs inside the node, beside every other request;
/// follow it with `GET /v1/peers/invitations`.
#[utoipa::path(post, path = "/v1/peers/invitations", tag = "node", request_body = InviteIn,
    responses((status = 201, description = "The ticket", body = InvitedOut),
        (status = 409, description = "The sample book of `serve --demo` never gets peers (`refused`)", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The node cannot listen for the teammate (`sync-failed`)", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn invite(State(s): State<AppState>, Json(req): Json<InviteRequest>) -> Result<Response, ApiError> {
    let invited = s.node().invite(&req).await?;
    Ok(json(StatusCode::CREATED, &invited))
}

/// Pairing invitations, open and past.
#[utoipa::path(get, path = "/v1/peers/invitations", tag = "node",
    responses((status = 200, description = "OK", body = Vec<InvitationOut>)))]
pub(crate) async fn list_invitations(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &blocking(&s, |n| n.invitations()).await?))
}

/// Cancels an open invitation: its ticket no longer pairs.
#[utoipa::path(delete, path = "/v1/peers/invitations/{id}", tag = "node", params(("id" = String, Path, description = "Invitation id")),
    responses((status = 200, description = "Cancelled", body = InvitationOut),
        (status = 422, description = "No open invitation with that id (`validation`)", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn cancel_invitation(State(s): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(json(StatusCode::OK, &blocking(&s, move |n| n.cancel_invitation(&id)).await?))
}

/// `POST /v1/demo`: sample data to create.
#[derive(ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct DemoIn {
    /// How many customers (at most 1,000,000).
    customers: u64,
    /// Seed of the generator.
    seed: u64,
    /// The benchmark's shape instead of a realistic one (default false).
    #[serde(default)]
    bench_shape: bool,
}

/// What `POST /v1/demo` created.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DemoOut {
    /// The store file.
    store: String,
    /// Customers created.
    created: usize,
    /// The first new customer's number.
    first: Option<String>,
    /// Seconds it took.
    seconds: f64,
}

/// Adds sample customers. Refused (409) on a store that has a relay or peers or has
/// synced: sample data must not travel to a team.
#[utoipa::path(post, path = "/v1/demo", tag = "node", request_body = DemoIn,
    responses((status = 201, description = "Created", body = DemoOut),
        (status = 409, description = "The book has a relay or peers or has synced (`refused`)", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn demo(State(s): State<AppState>, Json(req): Json<DemoRequest>) -> Result<Response, ApiError> {
    let created = blocking(&s, move |n| n.demo(&req, &mut n.track_work("creating"))).await?;
    Ok(json(StatusCode::CREATED, &created))
}

/// A one-time link that signs a browser in to the web app.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SignInLink {
    /// The path to open on this node (`/signin?code=...`): it works once, for 5 minutes.
    pub path: String,
}

/// A one-time sign-in link for the web app (what `rapport open` opens). The API token
/// never goes into a URL; the link's code is good once, for 5 minutes.
#[utoipa::path(post, path = "/v1/sign-in", tag = "node",
    responses((status = 201, description = "Created", body = SignInLink)))]
pub(crate) async fn sign_in_link(State(s): State<AppState>) -> Result<Response, ApiError> {
    let code = s.node().sign_in_codes().mint().map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(json(StatusCode::CREATED, &SignInLink { path: format!("/signin?code={code}") }))
}
