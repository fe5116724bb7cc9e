//! The node's HTTP server: routes under `/v1`, authentication, limits and the OpenAPI
//! document, all built from one table of documented handlers.
//!
//! Handlers are thin: they parse the request (through extractors whose rejections are
//! problems), call the [`Book`] operation on a blocking worker, and map the result. Every
//! route is registered through `utoipa_axum`'s `routes!`, which records its OpenAPI
//! operation at the same time, so the router and the document cannot disagree.
//!
//! `GET /v1/customers/{key}` and `GET /v1/customers` are the hot read paths: they are
//! served from the node's read models ([`rapport_node::Views`]: the cache of serialized
//! customer responses and the in-memory list rows, both following the change feed).

use crate::auth::TokenSource;
use crate::extract::{split_reason, Json, OptionalJson, Path, Query};
use crate::problem::{ApiError, Problem};
use crate::schema::*;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::stream::Stream;
use rapport_model::{
    parse_date, ContactPatch, CustomerPatch, Date, NewContact, NewCustomer, NewInteraction, NewOrder, NewServiceRecord,
    NewTask, TaskCompletion,
};
use rapport_node::{DateForms, ExportFormat, ExportRequest, FilterText, ImportRequest, LocalBook, Views};
use rapport_reports::{Report, ReportName, Window};
use rapport_rules::{Rule, TierModel};
use rapport_store::{Filter, ListRow, StoreError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest request body accepted (1 MiB); larger bodies get 413.
pub const BODY_LIMIT: usize = 1 << 20;

/// Customers whose `GET` response is kept in memory.
pub use rapport_node::VIEW_CACHE_ENTRIES;

/// Header that may carry the reason for a change instead of the body's `reason`.
pub const REASON_HEADER: &str = "x-rapport-reason";

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    book: Arc<LocalBook>,
    token: TokenSource,
    /// The node runtime: its change notification wakes change-feed streams and
    /// background sync after every write.
    node: Arc<rapport_node::Node>,
    openapi: OnceLock<Bytes>,
}

impl AppState {
    /// The node runtime the API is a face of.
    pub(crate) fn node(&self) -> &Arc<rapport_node::Node> {
        &self.0.node
    }
}

/// Tells change-feed streams that the server is shutting down, so graceful shutdown does
/// not wait for them.
#[derive(Clone)]
pub struct Closing(pub watch::Receiver<bool>);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rapport node API",
        description = "The local HTTP API of a Rapport node: everything the `rapport` command line does, for scripts. \
Every request needs `Authorization: Bearer TOKEN` (`rapport token show`). Errors are `application/problem+json`.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0")
    ),
    modifiers(&Security),
    components(schemas(
        Problem, ChangeEvent, Day, IndustryName, StageName, TierName, TierModelName, SortKey, ExportFormatName,
        ReportAlias, DayCount, PageSize, Count, Sequence, SequenceText, FileBytes
    )),
    tags(
        (name = "customers", description = "Customer records, their activity and tags"),
        (name = "rules", description = "Tag rules, tiers and settings"),
        (name = "node", description = "Health, agenda, change feed, maintenance")
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // Only the HTML report pages, which a browser opens without a header.
        openapi.security =
            Some(vec![utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

/// Every documented route. The router and the OpenAPI document both come from here.
fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(openapi_json))
        .routes(routes!(list_customers, create_customer))
        .routes(routes!(get_customer, patch_customer))
        .routes(routes!(archive_customer))
        .routes(routes!(restore_customer))
        .routes(routes!(add_tag, remove_tag))
        .routes(routes!(add_contact))
        .routes(routes!(edit_contact))
        .routes(routes!(add_interaction))
        .routes(routes!(add_service))
        .routes(routes!(add_order))
        .routes(routes!(add_task))
        .routes(routes!(complete_task))
        .routes(routes!(history))
        .routes(routes!(figures))
        .routes(routes!(explain))
        .routes(routes!(agenda))
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(replace_rule, delete_rule))
        .routes(routes!(test_rule))
        .routes(routes!(refresh_tags))
        .routes(routes!(tiers))
        .routes(routes!(tiers_summary))
        .routes(routes!(get_tier_settings, patch_tier_settings))
        .routes(routes!(doctor))
        .routes(routes!(duplicates))
        .routes(routes!(import_sheet))
        .routes(routes!(export_customers))
        .routes(routes!(audit_log))
        .routes(routes!(team))
        .routes(routes!(all_reports))
        .routes(routes!(one_report))
        .routes(routes!(merge_customer))
        .routes(routes!(sync_status, crate::node_api::sync_now))
        .routes(routes!(crate::node_api::get_relay, crate::node_api::put_relay))
        .routes(routes!(crate::node_api::discard))
        .routes(routes!(crate::node_api::sync_progress))
        .routes(routes!(crate::node_api::work_progress))
        .routes(routes!(crate::node_api::sign_in_link))
        .routes(routes!(crate::node_api::list_peers, crate::node_api::add_peer))
        .routes(routes!(crate::node_api::list_invitations, crate::node_api::invite))
        .routes(routes!(crate::node_api::cancel_invitation))
        .routes(routes!(crate::node_api::demo))
        .routes(routes!(reindex))
        .routes(routes!(events))
}

/// The router and its OpenAPI document, completed with the refusals every operation
/// shares (see [`crate::schema::complete`]).
fn parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = api_router().split_for_parts();
    crate::schema::complete(&mut doc);
    (router, doc)
}

/// The OpenAPI 3.1 document of the API, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    parts().1
}

/// The OpenAPI document as the server serves it and `docs/api/openapi.json` holds it:
/// pretty JSON with a trailing newline.
pub fn openapi_text() -> String {
    let mut s = openapi().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

/// The API over `node`, accepting `token` (a fixed token, or the token file re-read
/// when it changes).
pub fn router(node: Arc<rapport_node::Node>, token: impl Into<TokenSource>) -> Router {
    let state =
        AppState(Arc::new(Inner { book: node.book().clone(), token: token.into(), node, openapi: OnceLock::new() }));
    let (router, doc) = parts();
    let mut text = doc.to_pretty_json().unwrap_or_default();
    text.push('\n');
    let _ = state.0.openapi.set(Bytes::from(text));
    router
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            ApiError::Internal("the request handler failed; see the node's log".into()).into_response()
        }))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, ends
/// change-feed streams and waits (at most 5 s) for requests in flight to finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (closing_tx, closing_rx) = watch::channel(false);
    let (stopped_tx, stopped_rx) = tokio::sync::oneshot::channel::<()>();
    let router = router.layer(axum::Extension(Closing(closing_rx)));
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = closing_tx.send(true);
        let _ = stopped_tx.send(());
    });
    tokio::select! {
        r = server => r,
        _ = async {
            let _ = stopped_rx.await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        } => Ok(()),
    }
}

async fn authenticate(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let offered = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    // The token comes in the header only, never in a URL (the web app's report pages use
    // its session cookie).
    match offered {
        Some(t) if s.0.token.accepts(t) => next.run(req).await,
        _ => ApiError::Unauthorized.into_response(),
    }
}

async fn no_route(uri: Uri) -> ApiError {
    ApiError::NoRoute(uri.path().to_string())
}

async fn wrong_method(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed { method: method.to_string(), path: uri.path().to_string() }
}

/// Runs a book operation on a blocking worker.
async fn run<T: Send + 'static>(
    s: &AppState,
    f: impl FnOnce(&LocalBook) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let book = s.0.book.clone();
    tokio::task::spawn_blocking(move || f(&book))
        .await
        .map_err(|e| ApiError::Internal(format!("a worker failed: {e}")))?
        .map_err(ApiError::from)
}

/// Long work on the book (`f` hears how far it has got) whose progress a caller follows at
/// `GET /v1/work/progress` while the request runs.
fn tracked<T>(
    s: &AppState,
    task: &'static str,
    f: impl FnOnce(&LocalBook, &mut dyn FnMut(u64, u64)) -> Result<T, StoreError> + Send + 'static,
) -> impl FnOnce(&LocalBook) -> Result<T, StoreError> + Send + 'static {
    let node = s.0.node.clone();
    move |book| {
        let mut progress = node.track_work(task);
        f(book, &mut progress)
    }
}

/// Runs a write and wakes the change feed.
async fn write<T: Send + 'static>(
    s: &AppState,
    f: impl FnOnce(&LocalBook) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let r = run(s, f).await;
    s.0.node.changed();
    r
}

/// Runs a change to rules or settings: every derived tag and tier may move, so cached
/// customer responses are dropped.
async fn settings_write<T: Send + 'static>(
    s: &AppState,
    f: impl FnOnce(&LocalBook) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let r = write(s, f).await;
    s.0.node.views().settings_changed();
    r
}

fn json_response<T: serde::Serialize>(status: StatusCode, v: &T) -> Response {
    match serde_json::to_vec(v) {
        Ok(body) => {
            let mut r = (status, body).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Err(e) => ApiError::Internal(format!("cannot encode the response: {e}")).into_response(),
    }
}

fn ok<T: serde::Serialize>(v: &T) -> Response {
    json_response(StatusCode::OK, v)
}

/// The reason for a change: the body's `reason`, else the `X-Rapport-Reason` header, read
/// as UTF-8 (a Chinese reason is the common case; `to_str` would drop it as non-ASCII).
fn reason_from(headers: &HeaderMap, body: Option<String>) -> Result<Option<String>, ApiError> {
    if body.is_some() {
        return Ok(body);
    }
    let Some(v) = headers.get(REASON_HEADER) else { return Ok(None) };
    match std::str::from_utf8(v.as_bytes()) {
        Ok(t) => Ok(Some(t.trim().to_string()).filter(|t| !t.is_empty())),
        Err(_) => Err(ApiError::field("X-Rapport-Reason", "is not UTF-8 text")),
    }
}

fn as_of(book: &LocalBook, v: &Option<Day>) -> Result<Date, ApiError> {
    date_or_today(book, "as_of", v)
}

/// The date in query parameter `field`, or the node's today when it is absent.
fn date_or_today(book: &LocalBook, field: &str, v: &Option<Day>) -> Result<Date, ApiError> {
    match v {
        Some(d) => Ok(parse_date(field, d).map_err(StoreError::from)?),
        None => Ok(book.now().date()),
    }
}

fn etag_value(heads: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{heads}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// Whether an `If-None-Match` header matches `heads`.
fn none_match(headers: &HeaderMap, heads: &str) -> bool {
    let Some(v) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else { return false };
    v.split(',').map(|t| t.trim()).any(|t| {
        let t = t.strip_prefix("W/").unwrap_or(t);
        t == "*" || t.trim_matches('"') == heads
    })
}

/// The header that may carry the reason for a change (read by `reason_from`); this type
/// only documents it.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct ReasonHeader {
    /// Why, when the body has no `reason` (UTF-8 text, which may be Chinese; the body's `reason` wins).
    #[param(rename = "X-Rapport-Reason", required = false)]
    x_rapport_reason: String,
}

/// A written customer's response, with its new ETag.
async fn written(s: &AppState, status: StatusCode, w: rapport_node::Written) -> Result<Response, ApiError> {
    let id = w.id;
    let heads = run(s, move |b| Ok(rapport_doc::heads_string(&b.store.load_doc(id)?.heads()))).await?;
    let mut r = json_response(status, &w);
    r.headers_mut().insert(header::ETAG, etag_value(&heads));
    Ok(r)
}

// ---------------------------------------------------------------------------------------
// Handlers.

/// Health and identity of the node.
#[utoipa::path(get, path = "/v1/health", tag = "node",
    responses((status = 200, description = "The node answers and can write", body = Health),
        (status = 503, description = "The node answers but its store cannot be written (the disk is full or failing); `problem` says why. Writes go through again by themselves once the disk takes them.", body = Health),
        (status = 401, description = "Missing or wrong token", body = Problem, content_type = "application/problem+json")))]
async fn health(State(s): State<AppState>) -> Result<Response, ApiError> {
    let h = run(&s, |b| {
        let id = b.identity()?;
        let problem = b.store.unwritable();
        Ok(Health {
            status: if problem.is_some() { "degraded" } else { "ok" }.into(),
            problem,
            version: env!("CARGO_PKG_VERSION").into(),
            identity: IdentityOut {
                member_name: id.member_name,
                member_id: id.member_id,
                device_id: id.device_id,
                device_code: id.device_code,
            },
            last_event: b.store.last_event_seq().unwrap_or_default(),
        })
    })
    .await?;
    if h.problem.is_some() {
        return Ok(json_response(StatusCode::SERVICE_UNAVAILABLE, &h));
    }
    Ok(ok(&h))
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "node",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json")))]
async fn openapi_json(State(s): State<AppState>) -> Response {
    let body = s.0.openapi.get().cloned().unwrap_or_default();
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Filters, search, sort and paging of the customer list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Industry: section letter, number prefix, English or Chinese name (any ASCII case).
    pub industry: Option<IndustryName>,
    /// Stage: potential, intent, won, lost or dormant (any ASCII case), or the Chinese term.
    pub stage: Option<StageName>,
    /// Source.
    pub source: Option<String>,
    /// Owner (a member name, in any case and width: `li wei` finds `Li Wei`).
    pub owner: Option<String>,
    /// Manual or rule tag.
    pub tag: Option<String>,
    /// Composite tier S, A, B or C (any ASCII case).
    pub tier: Option<TierName>,
    /// Created on or after this day.
    pub created_since: Option<Day>,
    /// Created on or before this day.
    pub created_until: Option<Day>,
    /// No follow-up in the last N days (counted back from `today`), at most 36500.
    pub no_interaction_days: Option<DayCount>,
    /// The date `no_interaction_days` counts back from (default: the node's today).
    pub today: Option<Day>,
    /// Include archived customers.
    pub archived: Option<bool>,
    /// Only customers with key fields still to fill (待补充), e.g. legacy won customers imported without deal date or contract number.
    pub to_fill: Option<bool>,
    /// Full text: a fragment of name, number, contact name, phone or email.
    pub q: Option<String>,
    /// number, name, created or last_interaction; prefix `-` for descending (default number).
    pub sort: Option<SortKey>,
    /// Page size, 1-10000 (default 50).
    pub limit: Option<PageSize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListQuery {
    /// The filter these parameters ask for, read as the command line reads its options
    /// ([`FilterText::parse`]), with dates strictly `YYYY-MM-DD` as the document says.
    fn filter(&self, today: Date) -> Result<Filter, ApiError> {
        let text = FilterText {
            industry: self.industry.as_deref().map(str::to_string),
            stage: self.stage.as_deref().map(str::to_string),
            source: self.source.clone(),
            owner: self.owner.clone(),
            tag: self.tag.clone(),
            tier: self.tier.as_deref().map(str::to_string),
            created_since: self.created_since.as_deref().map(str::to_string),
            created_until: self.created_until.as_deref().map(str::to_string),
            no_interaction_days: self.no_interaction_days.as_ref().map(|n| n.0),
            archived: self.archived.unwrap_or(false),
            to_fill: self.to_fill.unwrap_or(false),
        };
        Ok(text.parse(today, DateForms::Strict)?)
    }
}

/// Sorts rows and cuts the page after `cursor` (see [`rapport_node::views::page`]).
fn page(rows: Vec<Arc<ListRow>>, q: &ListQuery) -> Result<ListPage, ApiError> {
    let limit = q.limit.as_ref().map_or(50, |l| l.0);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::field("limit", format!("must be between 1 and {}", MAX_PAGE)));
    }
    let sort = q.sort.as_deref().unwrap_or("number");
    let p = rapport_node::views::page(rows, sort, limit, q.cursor.as_deref()).map_err(StoreError::from)?;
    let items: Vec<ListItem> = p.rows.iter().map(|r| ListItem::of(r)).collect();
    Ok(ListPage { items, next_cursor: p.next_cursor, total: p.total })
}

/// List customers: every filter of `rapport list`, full-text `q`, sort and cursor paging.
#[utoipa::path(get, path = "/v1/customers", tag = "customers", params(ListQuery),
    responses((status = 200, description = "OK", body = ListPage), (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn list_customers(State(s): State<AppState>, Query(q): Query<ListQuery>) -> Result<Response, ApiError> {
    let today = date_or_today(&s.0.book, "today", &q.today)?;
    let filter = q.filter(today)?;
    let text = q.q.clone();
    let st = s.clone();
    let rows: Vec<Arc<ListRow>> = run(&s, move |b| st.0.node.views().list(b, &filter, text.as_deref())).await?;
    Ok(ok(&page(rows, &q)?))
}

/// Create a customer.
#[utoipa::path(post, path = "/v1/customers", tag = "customers", request_body = NewCustomerInput,
    responses((status = 201, description = "Created; the record as stored", body = CustomerRecord, headers(("ETag" = String, description = "The document heads"), ("Location" = String, description = "`/v1/customers/NUMBER`"))),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"), (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn create_customer(State(s): State<AppState>, Json(new): Json<NewCustomer>) -> Result<Response, ApiError> {
    let c = write(&s, move |b| b.add_customer(&new)).await?;
    let id = c.id;
    let heads = run(&s, move |b| Ok(rapport_doc::heads_string(&b.store.load_doc(id)?.heads()))).await?;
    let mut r = json_response(StatusCode::CREATED, &c);
    r.headers_mut().insert(header::ETAG, etag_value(&heads));
    if let Ok(loc) = HeaderValue::from_str(&format!("/v1/customers/{}", c.number)) {
        r.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(r)
}

/// `as_of` for figures.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// Evaluate as of this date (default today).
    pub as_of: Option<Day>,
}

/// Read a customer by number or id: the record (contact data not masked), rule tags, tier,
/// conflicts and figures. `ETag` is the document heads; `If-None-Match` gives 304.
#[utoipa::path(get, path = "/v1/customers/{key}", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id"), AsOfQuery),
    responses((status = 200, description = "OK", body = CustomerDetail, headers(("ETag" = String, description = "The document heads"))),
        (status = 304, description = "Not modified since the ETag given in If-None-Match"),
        (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json")))]
async fn get_customer(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<AsOfQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let date = as_of(&s.0.book, &q.as_of)?;
    let cacheable = q.as_of.is_none();
    let view = if cacheable {
        let st = s.clone();
        run(&s, move |b| st.0.node.views().customer(b, &key, date)).await?
    } else {
        run(&s, move |b| Views::customer_as_of(b, &key, date).map(Arc::new)).await?
    };
    if none_match(&headers, &view.heads) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(header::ETAG, etag_value(&view.heads));
        return Ok(r);
    }
    let mut r = (StatusCode::OK, view.body.clone()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert(header::ETAG, etag_value(&view.heads));
    Ok(r)
}

/// Change a customer's fields. Applied as one Automerge change: two clients patching
/// different fields at once both win. A stage change needs `reason` (or `X-Rapport-Reason`).
#[utoipa::path(patch, path = "/v1/customers/{key}", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id"),
        ReasonHeader),
    request_body = CustomerPatchInput,
    responses((status = 200, description = "OK", body = WrittenOut, headers(("ETag" = String, description = "The new document heads"))),
        (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn patch_customer(
    State(s): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    let (patch, reason): (CustomerPatch, _) = split_reason(body)?;
    let why = reason_from(&headers, reason)?;
    let w = write(&s, move |b| b.patch_customer(&key, &patch, why)).await?;
    written(&s, StatusCode::OK, w).await
}

/// Archive a customer (kept with its number, hidden from lists).
#[utoipa::path(post, path = "/v1/customers/{key}/archive", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id"), ReasonHeader), request_body(content = Option<ReasonBody>, description = "Optional; an empty body is no reason"),
    responses((status = 200, description = "OK", body = WrittenOut, headers(("ETag" = String, description = "The new document heads"))), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn archive_customer(
    State(s): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<ReasonBody>,
) -> Result<Response, ApiError> {
    let why = reason_from(&headers, body.reason)?;
    let w = write(&s, move |b| b.set_archived(&key, true, why)).await?;
    written(&s, StatusCode::OK, w).await
}

/// Restore an archived customer.
#[utoipa::path(post, path = "/v1/customers/{key}/restore", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id"), ReasonHeader), request_body(content = Option<ReasonBody>, description = "Optional; an empty body is no reason"),
    responses((status = 200, description = "OK", body = WrittenOut, headers(("ETag" = String, description = "The new document heads"))), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn restore_customer(
    State(s): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    OptionalJson(body): OptionalJson<ReasonBody>,
) -> Result<Response, ApiError> {
    let why = reason_from(&headers, body.reason)?;
    let w = write(&s, move |b| b.set_archived(&key, false, why)).await?;
    written(&s, StatusCode::OK, w).await
}

/// Add a manual tag.
#[utoipa::path(put, path = "/v1/customers/{key}/tags/{tag}", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id"), ("tag" = String, Path, description = "The tag")),
    responses((status = 200, description = "OK", body = WrittenOut, headers(("ETag" = String, description = "The new document heads"))), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn add_tag(State(s): State<AppState>, Path((key, tag)): Path<(String, String)>) -> Result<Response, ApiError> {
    let patch = CustomerPatch { add_tags: [tag].into_iter().collect(), ..Default::default() };
    let w = write(&s, move |b| b.patch_customer(&key, &patch, None)).await?;
    written(&s, StatusCode::OK, w).await
}

/// Remove a manual tag.
#[utoipa::path(delete, path = "/v1/customers/{key}/tags/{tag}", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id"), ("tag" = String, Path, description = "The tag")),
    responses((status = 200, description = "OK", body = WrittenOut, headers(("ETag" = String, description = "The new document heads"))), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn remove_tag(State(s): State<AppState>, Path((key, tag)): Path<(String, String)>) -> Result<Response, ApiError> {
    let patch = CustomerPatch { remove_tags: [tag].into_iter().collect(), ..Default::default() };
    let w = write(&s, move |b| b.patch_customer(&key, &patch, None)).await?;
    written(&s, StatusCode::OK, w).await
}

/// Add a contact.
#[utoipa::path(post, path = "/v1/customers/{key}/contacts", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id"), ReasonHeader), request_body = NewContactInput,
    responses((status = 201, description = "Created", body = WrittenOut, headers(("ETag" = String, description = "The new document heads"))), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn add_contact(
    State(s): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    let (new, reason): (NewContact, _) = split_reason(body)?;
    let why = reason_from(&headers, reason)?;
    let w = write(&s, move |b| b.add_contact(&key, &new, why)).await?;
    written(&s, StatusCode::CREATED, w).await
}

/// Change a contact (by contact id or name); needs `reason`.
#[utoipa::path(patch, path = "/v1/customers/{key}/contacts/{contact}", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id"), ("contact" = String, Path, description = "Contact id or name"), ReasonHeader),
    request_body = ContactPatchInput,
    responses((status = 200, description = "OK", body = WrittenOut, headers(("ETag" = String, description = "The new document heads"))), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn edit_contact(
    State(s): State<AppState>,
    Path((key, contact)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    let (patch, reason): (ContactPatch, _) = split_reason(body)?;
    let why = reason_from(&headers, reason)?;
    let w = write(&s, move |b| b.edit_contact(&key, &contact, &patch, why)).await?;
    written(&s, StatusCode::OK, w).await
}

/// Record a follow-up (跟进记录).
#[utoipa::path(post, path = "/v1/customers/{key}/interactions", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id")), request_body = NewInteractionInput,
    responses((status = 201, description = "Created", body = WrittenOut, headers(("ETag" = String, description = "The new document heads"))), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn add_interaction(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Json(new): Json<NewInteraction>,
) -> Result<Response, ApiError> {
    let w = write(&s, move |b| b.add_interaction(&key, &new)).await?;
    written(&s, StatusCode::CREATED, w).await
}

/// Record a service case.
#[utoipa::path(post, path = "/v1/customers/{key}/service-records", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id")), request_body = NewServiceRecordInput,
    responses((status = 201, description = "Created", body = WrittenOut, headers(("ETag" = String, description = "The new document heads"))), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn add_service(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Json(new): Json<NewServiceRecord>,
) -> Result<Response, ApiError> {
    let w = write(&s, move |b| b.add_service(&key, &new)).await?;
    written(&s, StatusCode::CREATED, w).await
}

/// Record an order.
#[utoipa::path(post, path = "/v1/customers/{key}/orders", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id")), request_body = NewOrderInput,
    responses((status = 201, description = "Created", body = WrittenOut, headers(("ETag" = String, description = "The new document heads"))), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn add_order(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Json(new): Json<NewOrder>,
) -> Result<Response, ApiError> {
    let w = write(&s, move |b| b.add_order(&key, &new)).await?;
    written(&s, StatusCode::CREATED, w).await
}

/// Add a task.
#[utoipa::path(post, path = "/v1/customers/{key}/tasks", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id")), request_body = NewTaskInput,
    responses((status = 201, description = "Created", body = WrittenOut, headers(("ETag" = String, description = "The new document heads"))), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn add_task(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Json(new): Json<NewTask>,
) -> Result<Response, ApiError> {
    let w = write(&s, move |b| b.add_task(&key, &new)).await?;
    written(&s, StatusCode::CREATED, w).await
}

/// Mark a task done.
#[utoipa::path(post, path = "/v1/customers/{key}/tasks/{task}/done", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id"), ("task" = String, Path, description = "Task id")),
    request_body(content = Option<TaskCompletionInput>, description = "Optional; an empty body is no outcome"),
    responses((status = 200, description = "OK", body = WrittenOut, headers(("ETag" = String, description = "The new document heads"))), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn complete_task(
    State(s): State<AppState>,
    Path((key, task)): Path<(String, String)>,
    OptionalJson(done): OptionalJson<TaskCompletion>,
) -> Result<Response, ApiError> {
    let w = write(&s, move |b| b.complete_task(&key, &task, &done)).await?;
    written(&s, StatusCode::OK, w).await
}

/// Who changed what, when and why.
#[utoipa::path(get, path = "/v1/customers/{key}/history", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id")),
    responses((status = 200, description = "OK", body = Vec<HistoryEntryOut>), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json")))]
async fn history(State(s): State<AppState>, Path(key): Path<String>) -> Result<Response, ApiError> {
    Ok(ok(&run(&s, move |b| b.history(&key)).await?))
}

/// Derived figures as of a date.
#[utoipa::path(get, path = "/v1/customers/{key}/figures", tag = "customers",
    params(("key" = String, Path, description = "Customer number or id"), AsOfQuery),
    responses((status = 200, description = "OK", body = FiguresObject), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn figures(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<AsOfQuery>,
) -> Result<Response, ApiError> {
    let date = as_of(&s.0.book, &q.as_of)?;
    Ok(ok(&run(&s, move |b| b.figures(&key, date)).await?))
}

/// Every rule, matched or not, for one customer, with the figures that decided it.
#[utoipa::path(get, path = "/v1/customers/{key}/explain", tag = "rules",
    params(("key" = String, Path, description = "Customer number or id"), AsOfQuery),
    responses((status = 200, description = "OK", body = ExplanationObject), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn explain(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<AsOfQuery>,
) -> Result<Response, ApiError> {
    let date = as_of(&s.0.book, &q.as_of)?;
    Ok(ok(&run(&s, move |b| b.explain(&key, date)).await?))
}

/// Agenda filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgendaQuery {
    /// Only this assignee (a member name, in any case and width); a name that owns no
    /// customer and has no open item is refused (422 naming `assignee`).
    pub assignee: Option<String>,
    /// The day to build the agenda for (default the node's today).
    pub today: Option<Day>,
    /// Return at most this many items, 1 to 10000 (default 10000; `total` still counts all).
    pub limit: Option<PageSize>,
}

/// The page size a `limit` query asks for: 1 to [`MAX_PAGE`], [`MAX_PAGE`] when absent.
fn page_limit(limit: &Option<PageSize>) -> Result<usize, ApiError> {
    match limit.as_ref().map(|l| l.0) {
        None => Ok(MAX_PAGE),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::field("limit", format!("must be between 1 and {MAX_PAGE}"))),
    }
}

/// Overdue, due today and the next 7 days: the first `limit` items and their `total`.
#[utoipa::path(get, path = "/v1/agenda", tag = "node", params(AgendaQuery),
    responses((status = 200, description = "OK", body = AgendaPage), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn agenda(State(s): State<AppState>, Query(q): Query<AgendaQuery>) -> Result<Response, ApiError> {
    let today = date_or_today(&s.0.book, "today", &q.today)?;
    let limit = page_limit(&q.limit)?;
    let st = s.clone();
    Ok(ok(&run(&s, move |b| st.0.node.views().agenda(b, today, q.assignee.as_deref(), Some(limit))).await?))
}

/// The team's rules in evaluation order.
#[utoipa::path(get, path = "/v1/rules", tag = "rules", responses((status = 200, description = "OK", body = Vec<RuleInfoOut>)))]
async fn list_rules(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(ok(&run(&s, |b| b.rules()).await?))
}

/// Add a rule; the book is re-evaluated.
#[utoipa::path(post, path = "/v1/rules", tag = "rules", request_body = RuleBody,
    responses((status = 201, description = "Created", body = RefreshOut), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn create_rule(State(s): State<AppState>, Json(body): Json<RuleBody>) -> Result<Response, ApiError> {
    let Some(name) = body.name.clone().filter(|n| !n.trim().is_empty()) else {
        return Err(ApiError::field("name", "a rule needs a name"));
    };
    let rule = Rule { name, tag: body.tag, condition: body.condition, enabled: body.enabled.unwrap_or(true) };
    let r = settings_write(&s, move |b| b.put_rule(&rule, true)).await?;
    Ok(json_response(StatusCode::CREATED, &r))
}

/// Replace a rule; the book is re-evaluated.
#[utoipa::path(put, path = "/v1/rules/{name}", tag = "rules",
    params(("name" = String, Path, description = "Rule name")), request_body = RuleBody,
    responses((status = 200, description = "OK", body = RefreshOut), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn replace_rule(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Json(body): Json<RuleBody>,
) -> Result<Response, ApiError> {
    if body.name.as_ref().is_some_and(|n| *n != name) {
        return Err(ApiError::field("name", "differs from the rule named in the path; rules cannot be renamed"));
    }
    let rule = Rule { name, tag: body.tag, condition: body.condition, enabled: body.enabled.unwrap_or(true) };
    Ok(ok(&settings_write(&s, move |b| b.put_rule(&rule, false)).await?))
}

/// Remove a rule; the book is re-evaluated.
#[utoipa::path(delete, path = "/v1/rules/{name}", tag = "rules",
    params(("name" = String, Path, description = "Rule name")),
    responses((status = 200, description = "OK", body = RefreshOut), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json")))]
async fn delete_rule(State(s): State<AppState>, Path(name): Path<String>) -> Result<Response, ApiError> {
    Ok(ok(&settings_write(&s, move |b| b.remove_rule(&name)).await?))
}

/// Which customers a draft rule would tag, without saving it.
#[utoipa::path(post, path = "/v1/rules/test", tag = "rules", request_body = TestRuleBody,
    responses((status = 200, description = "OK", body = RuleTestResult), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn test_rule(State(s): State<AppState>, Json(body): Json<TestRuleBody>) -> Result<Response, ApiError> {
    let date = as_of(&s.0.book, &body.as_of)?;
    let draft = Rule {
        name: body.name.unwrap_or_else(|| "draft".into()),
        tag: body.tag.unwrap_or_else(|| "draft".into()),
        condition: body.condition,
        enabled: true,
    };
    let rows = run(&s, move |b| b.test_rule(&draft, date)).await?;
    let total = rows.len();
    let items = rows.iter().take(body.limit.map_or(usize::MAX, |l| l.0 as usize)).map(ListItem::of).collect();
    Ok(ok(&RuleTestResult { total, items }))
}

/// Re-evaluate every customer's rule tags and tier now.
#[utoipa::path(post, path = "/v1/tags/refresh", tag = "rules", responses((status = 200, description = "OK", body = RefreshOut)))]
async fn refresh_tags(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(ok(&settings_write(&s, |b| b.refresh_tags()).await?))
}

/// Tier listing parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TiersQuery {
    /// sabc (composite S/A/B/C, default), abc or rfm (any ASCII case).
    pub model: Option<TierModelName>,
    /// Evaluate as of this date (default today).
    pub as_of: Option<Day>,
    /// Only this tier (e.g. S, or an RFM code), any ASCII case.
    pub tier: Option<String>,
    /// Return at most this many customers (`total` still counts all).
    pub limit: Option<Count>,
}

fn model_of(m: &Option<TierModelName>) -> Result<TierModel, ApiError> {
    match m.as_deref() {
        None => Ok(TierModel::Sabc),
        Some(t) => {
            t.parse().map_err(|_| ApiError::field("model", format!("`{t}` is not a model; use sabc, abc or rfm")))
        }
    }
}

/// Customers with their tier under a model, with the reason.
#[utoipa::path(get, path = "/v1/tiers", tag = "rules", params(TiersQuery),
    responses((status = 200, description = "OK", body = TiersPage), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn tiers(State(s): State<AppState>, Query(q): Query<TiersQuery>) -> Result<Response, ApiError> {
    let model = model_of(&q.model)?;
    let date = as_of(&s.0.book, &q.as_of)?;
    let mut lines = run(&s, move |b| b.tiers(model, date)).await?;
    if let Some(t) = &q.tier {
        lines.retain(|l| l.tier.eq_ignore_ascii_case(t));
    }
    let total = lines.len();
    lines.truncate(q.limit.map_or(usize::MAX, |l| l.0 as usize));
    Ok(ok(&serde_json::json!({ "total": total, "items": lines })))
}

/// Summary parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TiersSummaryQuery {
    /// sabc (default), abc or rfm (any ASCII case).
    pub model: Option<TierModelName>,
    /// Evaluate as of this date (default today).
    pub as_of: Option<Day>,
}

/// Counts and revenue share per tier.
#[utoipa::path(get, path = "/v1/tiers/summary", tag = "rules", params(TiersSummaryQuery),
    responses((status = 200, description = "OK", body = TierSummaryObject), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn tiers_summary(State(s): State<AppState>, Query(q): Query<TiersSummaryQuery>) -> Result<Response, ApiError> {
    let model = model_of(&q.model)?;
    let date = as_of(&s.0.book, &q.as_of)?;
    Ok(ok(&run(&s, move |b| b.tiers_summary(model, date)).await?))
}

/// The tier settings.
#[utoipa::path(get, path = "/v1/settings/tiers", tag = "rules", responses((status = 200, description = "OK", body = TierSettingsObject)))]
async fn get_tier_settings(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(ok(&run(&s, |b| b.tier_settings()).await?))
}

/// Change tier settings (top-level fields with their new values); the book is re-evaluated.
#[utoipa::path(patch, path = "/v1/settings/tiers", tag = "rules", request_body = TierSettingsPatch,
    responses((status = 200, description = "OK", body = RefreshOut), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn patch_tier_settings(
    State(s): State<AppState>,
    Json(values): Json<BTreeMap<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    Ok(ok(&settings_write(&s, move |b| b.set_tier_settings(&values)).await?))
}

/// Report parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day of the window (inclusive); see docs/reports.md for what each report filters.
    pub from: Option<Day>,
    /// Last day of the window (inclusive); not before `from`.
    pub to: Option<Day>,
    /// Read the book as of this date (default today).
    pub as_of: Option<Day>,
    /// Tier model of the `tiers` report: sabc (default), abc or rfm (any ASCII case).
    pub model: Option<TierModelName>,
    /// Count archived customers too.
    pub archived: Option<bool>,
}

/// A report named in the path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReportPath {
    /// Report: `sources`, `industries`, `funnel`, `conversion`, `owners`, `churn-risk`, `concentration` or `tiers`, or an alias (`漏斗`, `pareto`, `churn`, ...), any ASCII case.
    pub name: ReportAlias,
}

impl ReportQuery {
    fn window(&self, book: &LocalBook) -> Result<(Window, TierModel), ApiError> {
        let date = |field: &str, v: &Option<Day>| -> Result<Option<Date>, ApiError> {
            v.as_deref().map(|d| parse_date(field, d).map_err(|e| ApiError::from(StoreError::from(e)))).transpose()
        };
        let window = Window {
            from: date("from", &self.from)?,
            to: date("to", &self.to)?,
            as_of: as_of(book, &self.as_of)?,
            include_archived: self.archived.unwrap_or(false),
        };
        Ok((window, model_of(&self.model)?))
    }
}

fn report_name(name: &str) -> Result<ReportName, ApiError> {
    name.parse::<ReportName>().map_err(|e| ApiError::field("name", e.to_string()))
}

async fn compute_reports(s: &AppState, names: Vec<ReportName>, q: &ReportQuery) -> Result<Vec<Report>, ApiError> {
    let (window, model) = q.window(&s.0.book)?;
    run(s, move |b| b.reports(&names, &window, model)).await
}

/// Every report (source mix, industries, funnel, conversion, owners, churn risk, concentration, tiers).
#[utoipa::path(get, path = "/v1/reports", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "OK", body = Vec<ReportObject>), (status = 422, description = "Invalid input: a window that ends before it starts", body = Problem, content_type = "application/problem+json")))]
async fn all_reports(State(s): State<AppState>, Query(q): Query<ReportQuery>) -> Result<Response, ApiError> {
    Ok(ok(&compute_reports(&s, ReportName::all().to_vec(), &q).await?))
}

/// One report by name (`sources`, `industries`, `funnel`, `conversion`, `owners`, `churn-risk`, `concentration`, `tiers`).
#[utoipa::path(get, path = "/v1/reports/{name}", tag = "reports", params(ReportPath, ReportQuery),
    responses((status = 200, description = "OK", body = ReportObject), (status = 422, description = "Invalid input: a window that ends before it starts", body = Problem, content_type = "application/problem+json")))]
async fn one_report(
    State(s): State<AppState>,
    Path(p): Path<ReportPath>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let name = report_name(&p.name)?;
    let mut r = compute_reports(&s, vec![name], &q).await?;
    Ok(ok(&r.pop()))
}

/// Largest sheet `POST /v1/import` accepts (a 100,000-row CSV is about 20 MiB).
pub const IMPORT_LIMIT: usize = 256 << 20;

/// How to import the sheet in the body.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The file's name (its extension is a hint; the content decides CSV or XLSX).
    pub file_name: Option<String>,
    /// Only report what would be created, merged and rejected.
    pub dry_run: Option<bool>,
    /// Write the accepted rows even when some are rejected (default: all or nothing).
    pub skip_rejected: Option<bool>,
    /// Industry for companies without one (as in `GET /v1/customers`).
    pub default_industry: Option<IndustryName>,
    /// A mapping.toml text (URL-encoded) overriding the built-in header names.
    pub mapping: Option<String>,
    /// Where a row matching an existing customer has a different value, store the file's (default: keep the stored value and report the conflict).
    pub update: Option<bool>,
    /// The workbook sheet to read, by name (default: the first sheet); an error for a CSV or an unknown name (the error lists the sheets).
    pub sheet: Option<String>,
}

/// Import a CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16) or XLSX customer sheet sent as the raw body. All or nothing: with any rejected row nothing is written unless `skip_rejected`; importing the same sheet twice creates nothing new.
#[utoipa::path(post, path = "/v1/import", tag = "customers", params(ImportQuery),
    request_body(content = FileBytes, description = "The sheet's bytes, up to 256 MiB", content_type = "application/octet-stream"),
    responses((status = 200, description = "What was (or would be) created, updated, folded and rejected", body = ImportReportObject), (status = 413, description = "Sheet too large", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn import_sheet(
    State(s): State<AppState>,
    Query(q): Query<ImportQuery>,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let content = axum::body::to_bytes(body, IMPORT_LIMIT).await.map_err(|e| ApiError::Body {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        detail: format!("the sheet could not be read (larger than {} MiB?): {e}", IMPORT_LIMIT >> 20),
    })?;
    let req = ImportRequest {
        file_name: q.file_name.unwrap_or_else(|| "upload".into()),
        content: content.to_vec(),
        mapping: q.mapping,
        default_industry: q.default_industry.map(|i| i.0),
        dry_run: q.dry_run.unwrap_or(false),
        skip_rejected: q.skip_rejected.unwrap_or(false),
        update: q.update.unwrap_or(false),
        sheet: q.sheet,
    };
    Ok(ok(&write(&s, tracked(&s, "importing", move |b, p| b.import(&req, p))).await?))
}

/// What to export: any list filter, the fields, the format and whether to reveal contact data.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// csv (default), xlsx or jsonl (also `excel`, `json`, `ndjson`; any ASCII case).
    pub format: Option<ExportFormatName>,
    /// Field names, comma-separated (default: every field import reads back).
    pub fields: Option<String>,
    /// Contact data unmasked; recorded in the audit log.
    pub reveal: Option<bool>,
    /// One row per contact (each repeating the customer's fields) instead of the primary contact only.
    pub all_contacts: Option<bool>,
    /// Industry (as in `GET /v1/customers`).
    pub industry: Option<IndustryName>,
    /// Stage (as in `GET /v1/customers`).
    pub stage: Option<StageName>,
    /// Source.
    pub source: Option<String>,
    /// Owner (a member name, in any case and width: `li wei` finds `Li Wei`).
    pub owner: Option<String>,
    /// Manual or rule tag.
    pub tag: Option<String>,
    /// Composite tier S, A, B or C (any ASCII case).
    pub tier: Option<TierName>,
    /// Created on or after this day.
    pub created_since: Option<Day>,
    /// Created on or before this day.
    pub created_until: Option<Day>,
    /// No follow-up in the last N days (counted back from `today`), at most 36500.
    pub no_interaction_days: Option<DayCount>,
    /// The date `no_interaction_days` counts back from (default: the node's today).
    pub today: Option<Day>,
    /// Include archived customers.
    pub archived: Option<bool>,
    /// Only customers with key fields still to fill (待补充), e.g. legacy won customers imported without deal date or contract number.
    pub to_fill: Option<bool>,
    /// Export at most this many customers (the first by number).
    pub limit: Option<Count>,
}

/// Export the customers a list filter selects as CSV, XLSX or JSON Lines; contact data masked unless `reveal`.
#[utoipa::path(get, path = "/v1/export", tag = "customers", params(ExportQuery),
    responses((status = 200, description = "The file, as an attachment named `customers.csv`, `customers.xlsx` or `customers.jsonl`",
        content(
            (String = "text/csv; charset=utf-8"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "application/x-ndjson"),
        ),
        headers(("Content-Disposition" = String, description = "`attachment; filename=\"customers.FORMAT\"`"))),
        (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn export_customers(State(s): State<AppState>, Query(q): Query<ExportQuery>) -> Result<Response, ApiError> {
    let format = ExportFormat::parse(q.format.as_deref().unwrap_or("csv"))?;
    let list = ListQuery {
        industry: q.industry,
        stage: q.stage,
        source: q.source,
        owner: q.owner,
        tag: q.tag,
        tier: q.tier,
        created_since: q.created_since,
        created_until: q.created_until,
        no_interaction_days: q.no_interaction_days,
        today: q.today,
        archived: q.archived,
        to_fill: q.to_fill,
        ..ListQuery::default()
    };
    let today = date_or_today(&s.0.book, "today", &list.today)?;
    let req = ExportRequest {
        filter: list.filter(today)?,
        fields: q.fields.unwrap_or_default(),
        format,
        reveal: q.reveal.unwrap_or(false),
        all_contacts: q.all_contacts.unwrap_or(false),
        limit: q.limit.map(|n| n.0 as usize),
    };
    let bytes = run(&s, tracked(&s, "exporting", move |b, p| b.export_with(&req, p))).await?;
    let name = format!("customers.{}", format.as_str());
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.content_type())),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The team's audit log: every export that revealed contact data, who and when.
#[utoipa::path(get, path = "/v1/audit", tag = "node", responses((status = 200, description = "OK", body = Vec<AuditEntryOut>)))]
async fn audit_log(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(ok(&run(&s, |b| b.audit()).await?))
}

/// The team's roster as this node last received it, and this node's member in it (roles
/// decide what the member may read and change: docs/permissions.md).
#[utoipa::path(get, path = "/v1/team", tag = "node", responses((status = 200, description = "OK", body = TeamOut)))]
async fn team(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(ok(&run(&s, |b| b.team()).await?))
}

/// `GET /v1/duplicates` options.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DuplicatesQuery {
    /// Return at most this many pairs, most certain first, 1 to 10000 (default 10000; `total` still counts all).
    pub limit: Option<PageSize>,
}

/// Likely duplicate customers: same credit code, phone or normalised name, with a score and reasons.
#[utoipa::path(get, path = "/v1/duplicates", tag = "customers", params(DuplicatesQuery),
    responses((status = 200, description = "OK", body = DuplicatesObject), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn duplicates(State(s): State<AppState>, Query(q): Query<DuplicatesQuery>) -> Result<Response, ApiError> {
    let limit = page_limit(&q.limit)?;
    Ok(ok(&run(&s, move |b| b.duplicates(Some(limit))).await?))
}

/// Merge another customer into this one: every contact, follow-up, service record, order
/// and task moves over, and the other customer's number becomes an alias of this one.
#[utoipa::path(post, path = "/v1/customers/{key}/merge", tag = "customers",
    params(("key" = String, Path, description = "Number or id of the customer that stays")), request_body = MergeBody,
    responses((status = 200, description = "Merged", body = MergeOutcomeObject), (status = 404, description = "No such customer, item or rule", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid input: the failing fields with reasons", body = Problem, content_type = "application/problem+json")))]
async fn merge_customer(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Json(body): Json<MergeBody>,
) -> Result<Response, ApiError> {
    Ok(ok(&write(&s, move |b| b.merge(&key, &body.customer, body.reason)).await?))
}

/// Check every index against the documents.
#[utoipa::path(get, path = "/v1/doctor", tag = "node", responses((status = 200, description = "OK", body = DoctorOut)))]
async fn doctor(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(ok(&run(&s, tracked(&s, "checking", |b, p| b.doctor_with(p))).await?))
}

/// Sync status per relay and paired peer: last success, pending documents, last error,
/// and the progress of a sync under way.
#[utoipa::path(get, path = "/v1/sync", tag = "node", responses((status = 200, description = "OK", body = Vec<SyncLineOut>)))]
async fn sync_status(State(s): State<AppState>) -> Result<Response, ApiError> {
    Ok(ok(&crate::node_api::blocking(&s, |n| n.sync_status()).await?.peers))
}

/// Rebuild every index from the documents.
#[utoipa::path(post, path = "/v1/reindex", tag = "node", responses((status = 200, description = "OK", body = Reindexed)))]
async fn reindex(State(s): State<AppState>) -> Result<Response, ApiError> {
    let n = settings_write(&s, tracked(&s, "reindexing", |b, p| b.reindex_with(p))).await?;
    Ok(ok(&Reindexed { reindexed: n }))
}

/// Where the change feed starts.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Resume after this sequence number (or send `Last-Event-ID`); without either, the
    /// stream starts with the next change. `0` replays the whole feed.
    pub after: Option<Sequence>,
}

/// The header an SSE client sends when it reconnects; read by hand in `events` (an
/// absent header is the common case), so this type only documents it.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct LastEventId {
    /// Resume after this sequence number (`?after=` wins when both are given).
    #[param(rename = "Last-Event-ID", required = false)]
    last_event_id: SequenceText,
}

struct Feed {
    s: AppState,
    cursor: u64,
    buf: std::collections::VecDeque<Event>,
    changes: watch::Receiver<u64>,
    /// The node's sync progress: a `progress` event whenever it moves.
    progress: watch::Receiver<rapport_sync::SyncProgress>,
    /// When the last progress event went out, and when the next may (one is waiting).
    progress_sent: Option<tokio::time::Instant>,
    progress_due: Option<tokio::time::Instant>,
    closing: Option<watch::Receiver<bool>>,
}

/// Progress events go out at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Queues the newest sync progress as an event.
fn progress_event(f: &mut Feed, now: tokio::time::Instant) {
    let p = *f.progress.borrow_and_update();
    let data = serde_json::to_string(&p).unwrap_or_default();
    f.buf.push_back(Event::default().event("progress").data(data));
    f.progress_sent = Some(now);
}

fn closed(c: &Option<watch::Receiver<bool>>) -> bool {
    c.as_ref().is_some_and(|c| *c.borrow())
}

async fn next_events(f: &mut Feed) -> Result<(), ApiError> {
    let cursor = f.cursor;
    let batch = run(&f.s, move |b| {
        let mut out = Vec::new();
        for (seq, id) in b.store.events_after(cursor, 256)? {
            let number = b.store.summary(id).map(|s| s.number).unwrap_or_default();
            out.push(ChangeEvent { seq, id: id.to_hex(), number });
        }
        Ok(out)
    })
    .await?;
    for e in batch {
        f.cursor = e.seq;
        let data = serde_json::to_string(&e).unwrap_or_default();
        f.buf.push_back(Event::default().id(e.seq.to_string()).event("change").data(data));
    }
    Ok(())
}

/// Server-sent events: every customer change, `id` = sequence number, `event: change`,
/// `data` = `{seq, id, number}`. Resumable with `?after=SEQ` or `Last-Event-ID`. While a
/// sync runs, `event: progress` (no id) carries its progress as `GET /v1/sync/progress`
/// gives it (documents and bytes each way, elapsed and estimated milliseconds left), at most
/// four times a second.
#[utoipa::path(get, path = "/v1/events", tag = "node", params(EventsQuery, LastEventId),
    responses((status = 200, description = "An endless stream of server-sent events (`text/event-stream`): for each \
change, `id: SEQ`, `event: change` and `data:` one line of JSON, a `ChangeEvent` \
(`#/components/schemas/ChangeEvent`); while a sync runs, `event: progress` with a `SyncProgressOut` \
(`#/components/schemas/SyncProgressOut`), at most four a second. Comment lines keep the connection alive.",
        content_type = "text/event-stream", body = String)))]
async fn events(
    State(s): State<AppState>,
    Query(q): Query<EventsQuery>,
    headers: HeaderMap,
    closing: Option<axum::Extension<Closing>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let header_cursor = match headers.get("last-event-id").and_then(|v| v.to_str().ok()) {
        Some(v) => Some(
            v.trim()
                .parse::<u64>()
                .map_err(|_| ApiError::Query { detail: format!("Last-Event-ID `{v}` is not a sequence number") })?,
        ),
        None => None,
    };
    let cursor = match q.after.map(|a| a.0).or(header_cursor) {
        Some(c) => c,
        None => run(&s, |b| b.store.last_event_seq()).await?,
    };
    let changes = s.0.node.subscribe();
    let mut progress = s.0.node.sync_progress();
    progress.mark_unchanged();
    let feed = Feed {
        s,
        cursor,
        buf: Default::default(),
        changes,
        progress,
        progress_sent: None,
        progress_due: None,
        closing: closing.map(|axum::Extension(Closing(rx))| rx),
    };
    let stream = futures_util::stream::unfold(feed, |mut f| async move {
        loop {
            if closed(&f.closing) {
                return None;
            }
            if let Some(e) = f.buf.pop_front() {
                return Some((Ok(e), f));
            }
            if next_events(&mut f).await.is_err() {
                // The store failed; let the client reconnect with its cursor.
                return None;
            }
            if !f.buf.is_empty() {
                continue;
            }
            let closing = f.closing.clone();
            tokio::select! {
                _ = f.changes.changed() => {}
                r = f.progress.changed(), if f.progress_due.is_none() => {
                    if r.is_ok() {
                        // At most four progress events a second, without holding back the
                        // change events: a report arriving sooner waits for its turn,
                        // and only the newest is sent then.
                        let now = tokio::time::Instant::now();
                        match f.progress_sent {
                            Some(at) if now < at + PROGRESS_EVERY => f.progress_due = Some(at + PROGRESS_EVERY),
                            _ => progress_event(&mut f, now),
                        }
                    }
                }
                _ = async { if let Some(due) = f.progress_due { tokio::time::sleep_until(due).await } else { std::future::pending::<()>().await } } => {
                    f.progress_due = None;
                    progress_event(&mut f, tokio::time::Instant::now());
                }
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                _ = async move {
                    match closing {
                        Some(mut c) => { let _ = c.changed().await; }
                        None => std::future::pending::<()>().await,
                    }
                } => {}
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
