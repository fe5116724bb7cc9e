//! Rapport's web app: the book in a browser, served by the member's own node.
//!
//! Sales reps, service staff and managers who do not use a terminal work here: the customer
//! list with every filter of `rapport list` and search as you type, a customer's page with
//! its timeline, figures, rule tags and tier, the forms to add and edit, the agenda, the
//! reports, the import wizard, duplicates and merging, sync status and the team. Pages are
//! rendered on the server ([`maud`]) from the same library calls the command line and the
//! HTTP API make (`rapport_node::Book`, the node's shared read models), so a form refuses
//! what `rapport` refuses, with the same words, beside the field it names. One small
//! script of our own (`static/app.js`) adds search as you type, live updates from the
//! node's change notification, and revealing a contact.
//!
//! What it must never do: trust a request because it reached loopback. Every request must
//! name the node's own address in `Host` (no DNS rebinding), carry the session cookie that
//! only a one-time sign-in link sets, and every state-changing request its session's CSRF
//! token ([`guard`]). It never puts the API token in a URL or a page, never loads anything
//! from the network (every asset is built into the binary, and the Content-Security-Policy
//! forbids the rest), and never decides on its own what a member may do: the node's guard
//! refuses a forbidden write whichever face asked.

mod assets;
mod customers;
mod daily;
mod dedupe;
mod error;
pub mod guard;
mod i18n;
mod import;
mod layout;
mod live;
mod memo;
mod reports;
mod session;

use axum::routing::{get, post};
use axum::Router;
use rapport_node::Node;
use std::sync::Arc;
use std::time::Duration;

pub use i18n::{messages, Lang};
pub use session::{Sessions, SESSION_COOKIE};

/// How the web app is served.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The `Host` values requests may carry: the node's own loopback names with its port.
    pub hosts: Vec<String>,
    /// A session ends after this long without a request.
    pub idle: Duration,
    /// A session ends this long after sign-in, however busy.
    pub lifetime: Duration,
}

impl WebConfig {
    /// Serving on `port` of loopback: `127.0.0.1`, `localhost` and `[::1]` with that port;
    /// sessions end after 8 hours idle or 7 days.
    pub fn loopback(port: u16) -> WebConfig {
        WebConfig {
            hosts: vec![format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")],
            idle: Duration::from_secs(8 * 3600),
            lifetime: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// The web app's state: the node it is a face of and the signed-in browsers.
#[derive(Clone)]
pub(crate) struct Web(Arc<Inner>);

pub(crate) struct Inner {
    pub(crate) node: Arc<Node>,
    pub(crate) sessions: Sessions,
    pub(crate) config: WebConfig,
    pub(crate) uploads: import::Uploads,
    pub(crate) reports: memo::Memo<Vec<rapport_reports::Report>>,
    pub(crate) duplicates: memo::Memo<rapport_store::Duplicates>,
}

impl Web {
    pub(crate) fn node(&self) -> &Arc<Node> {
        &self.0.node
    }
}

/// The web app's routes over `node`. Merge it with the API's router: the paths do not
/// overlap (the API lives under `/v1/`).
pub fn router(node: Arc<Node>, config: WebConfig) -> Router {
    let web = Web(Arc::new(Inner {
        sessions: Sessions::new(config.idle, config.lifetime),
        node,
        config,
        uploads: import::Uploads::default(),
        reports: memo::Memo::default(),
        duplicates: memo::Memo::default(),
    }));
    Router::new()
        .route("/", get(customers::list_page))
        .route("/signin", get(guard::sign_in))
        .route("/signout", post(guard::sign_out))
        .route("/signed-out", get(guard::signed_out))
        .route("/lang", post(guard::set_lang))
        .route("/static/{file}", get(assets::asset))
        .route("/customers", get(customers::list_page))
        .route("/customers/rows", get(customers::list_rows))
        .route("/customers/new", get(customers::new_form).post(customers::create))
        .route("/customers/{key}", get(customers::detail))
        .route("/customers/{key}/edit", get(customers::edit_form).post(customers::edit))
        .route("/customers/{key}/resolve", post(customers::resolve))
        .route("/customers/{key}/follow-ups", get(customers::follow_up_form).post(customers::add_follow_up))
        .route("/customers/{key}/orders", get(customers::order_form).post(customers::add_order))
        .route("/customers/{key}/service-records", get(customers::service_form).post(customers::add_service))
        .route("/customers/{key}/tasks", get(customers::task_form).post(customers::add_task))
        .route("/customers/{key}/tasks/{task}/done", post(customers::complete_task))
        .route("/customers/{key}/contacts/{contact}/reveal", post(customers::reveal))
        .route("/agenda", get(daily::agenda))
        .route("/reports", get(reports::all))
        .route("/reports/", get(reports::all))
        .route("/reports/{name}", get(reports::one))
        .route(
            "/import",
            get(import::start).post(import::upload).layer(axum::extract::DefaultBodyLimit::max(import::MAX_UPLOAD)),
        )
        .route("/import/{id}", get(import::columns).post(import::run))
        .route("/import/{id}/rejected.csv", get(import::rejected))
        .route("/dedupe", get(dedupe::pairs))
        .route("/dedupe/merge", post(dedupe::merge))
        .route("/sync", get(daily::sync_status))
        .route("/team", get(daily::team))
        .route("/live", get(live::live))
        .layer(axum::middleware::from_fn_with_state(web.clone(), guard::guard))
        .with_state(web)
}

/// Mints a one-time sign-in link path (`/signin?code=...`) for `node`.
pub fn sign_in_path(node: &Node) -> Result<String, rapport_node::NoRandomness> {
    Ok(format!("/signin?code={}", node.sign_in_codes().mint()?))
}
