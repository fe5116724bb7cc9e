//! The API's one error type and its single mapping to HTTP.
//!
//! Every failure leaves the server as an RFC 9457 `application/problem+json` body with a
//! stable `type` URI, a `title`, the `status`, a human `detail` and, for validation, the
//! failing fields with reasons. Store errors, rejected request bodies and query strings,
//! unknown routes, wrong methods and missing tokens all go through [`ApiError`], so no
//! handler builds an error response by hand and nothing turns into a bare 500.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rapport_doc::DocError;
use rapport_model::{FieldError, ValidationError};
use rapport_store::StoreError;
use serde::{Deserialize, Serialize};

/// Base of every problem `type` URI.
pub const PROBLEM_BASE: &str = "https://rapport.dev/problems/";

/// The media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One failing field of a validation problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProblemField {
    /// Dotted path of the field, e.g. `contacts[0].phone`.
    pub field: String,
    /// Why the value was refused.
    pub reason: String,
}

/// An `application/problem+json` body (RFC 9457).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable URI naming the kind of problem, e.g. `https://rapport.dev/problems/validation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong in this request, in words.
    pub detail: String,
    /// For validation problems: every failing field with its reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// For `not-found`: the key that was looked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// For `no-such-item`: the kind of item (contact, task, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_kind: Option<String>,
}

impl Problem {
    /// The short name of the problem type (the last segment of its URI).
    pub fn slug(&self) -> &str {
        self.kind.strip_prefix(PROBLEM_BASE).unwrap_or(&self.kind)
    }
}

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The book refused or failed the operation.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A request body that could not be used (malformed JSON, wrong types, unknown fields,
    /// too large, wrong content type).
    #[error("{detail}")]
    Body {
        /// HTTP status (400, 413, 415 or 422).
        status: StatusCode,
        /// What was wrong.
        detail: String,
    },
    /// A query string or path parameter that could not be used.
    #[error("{detail}")]
    Query {
        /// What was wrong.
        detail: String,
    },
    /// Missing or wrong bearer token.
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// No route with this path.
    #[error("no route {0}")]
    NoRoute(String),
    /// The route exists, the method does not.
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed {
        /// The method used.
        method: String,
        /// The path.
        path: String,
    },
    /// The node runtime refused or failed (sync, relay, peers, sample data).
    #[error(transparent)]
    Node(rapport_node::NodeError),
    /// A handler panicked or a worker died: a bug, logged.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A validation problem naming one field.
    pub fn field(field: &str, reason: impl Into<String>) -> ApiError {
        ApiError::Store(StoreError::Invalid(FieldError::new(field, reason).into()))
    }

    /// The problem body and status for this error.
    pub fn problem(&self) -> Problem {
        let p = |slug: &str, title: &str, status: StatusCode, detail: String| Problem {
            kind: format!("{PROBLEM_BASE}{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            ..Problem::default()
        };
        match self {
            ApiError::Store(e) => match e {
                StoreError::Invalid(v) => Problem {
                    errors: v
                        .fields
                        .iter()
                        .map(|f| ProblemField { field: f.field.clone(), reason: f.reason.clone() })
                        .collect(),
                    ..p("validation", "Invalid input", StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
                },
                StoreError::NotFound(key) => Problem {
                    key: Some(key.clone()),
                    ..p("not-found", "Not found", StatusCode::NOT_FOUND, e.to_string())
                },
                StoreError::Doc(DocError::NoSuchItem { kind, id }) => Problem {
                    key: Some(id.clone()),
                    item_kind: Some((*kind).to_string()),
                    ..p("no-such-item", "No such item", StatusCode::NOT_FOUND, e.to_string())
                },
                StoreError::Forbidden(why) => {
                    p("forbidden", "Not allowed for your role", StatusCode::FORBIDDEN, why.clone())
                }
                StoreError::Locked(_) => p("store-busy", "Store busy", StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
                StoreError::Unwritable(_) => {
                    p("store-unwritable", "Store cannot be written", StatusCode::SERVICE_UNAVAILABLE, e.to_string())
                }
                StoreError::NotInitialized(_) => {
                    p("not-initialized", "No store", StatusCode::SERVICE_UNAVAILABLE, e.to_string())
                }
                _ => p("internal", "Internal error", StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            },
            ApiError::Body { status, detail } => {
                let (slug, title) = match *status {
                    StatusCode::PAYLOAD_TOO_LARGE => ("payload-too-large", "Request body too large"),
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported-media-type", "Unsupported media type"),
                    StatusCode::BAD_REQUEST => ("malformed-json", "Malformed JSON"),
                    _ => ("invalid-body", "Invalid request body"),
                };
                p(slug, title, *status, detail.clone())
            }
            ApiError::Query { detail } => p("invalid-query", "Invalid query", StatusCode::BAD_REQUEST, detail.clone()),
            ApiError::Unauthorized => p(
                "unauthorized",
                "Unauthorized",
                StatusCode::UNAUTHORIZED,
                "send `Authorization: Bearer TOKEN`; `rapport token show` prints the token".into(),
            ),
            ApiError::NoRoute(path) => p(
                "no-such-route",
                "No such route",
                StatusCode::NOT_FOUND,
                format!("no route {path}; see /v1/openapi.json"),
            ),
            ApiError::MethodNotAllowed { method, path } => p(
                "method-not-allowed",
                "Method not allowed",
                StatusCode::METHOD_NOT_ALLOWED,
                format!("method {method} is not allowed on {path}; see /v1/openapi.json"),
            ),
            ApiError::Node(e) => match e {
                rapport_node::NodeError::Refused(d) => p("refused", "Refused", StatusCode::CONFLICT, d.clone()),
                rapport_node::NodeError::Relay(d) => {
                    p("relay-refused", "Relay not usable", StatusCode::UNPROCESSABLE_ENTITY, d.clone())
                }
                other => p("sync-failed", "Sync failed", StatusCode::BAD_GATEWAY, other.to_string()),
            },
            ApiError::Internal(m) => p("internal", "Internal error", StatusCode::INTERNAL_SERVER_ERROR, m.clone()),
        }
    }
}

impl From<rapport_node::NodeError> for ApiError {
    fn from(e: rapport_node::NodeError) -> Self {
        match e {
            rapport_node::NodeError::Store(s) => ApiError::Store(s),
            other => ApiError::Node(other),
        }
    }
}

/// Turns a problem received from a node back into the node error that caused it.
pub fn node_error_of(p: &Problem) -> rapport_node::NodeError {
    match p.slug() {
        "refused" => rapport_node::NodeError::Refused(p.detail.clone()),
        "relay-refused" => rapport_node::NodeError::Relay(p.detail.clone()),
        "sync-failed" => rapport_node::NodeError::Failed(p.detail.clone()),
        _ => rapport_node::NodeError::Store(store_error_of(p)),
    }
}

/// Writes a problem as a response.
pub fn problem_response(p: &Problem) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(p).unwrap_or_default();
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"rapport\""));
    }
    r
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let p = self.problem();
        if p.status >= 500 {
            eprintln!("rapport-api: {} ({})", p.detail, p.slug());
        }
        problem_response(&p)
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let detail = match &r {
            QueryRejection::FailedToDeserializeQueryString(e) => format!("bad query string: {}", source_text(e)),
            other => other.body_text(),
        };
        ApiError::Query { detail }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::Query { detail: format!("bad path: {}", r.body_text()) }
    }
}

/// The innermost message of an error chain (serde's words, without axum's prefix).
fn source_text(e: &dyn std::error::Error) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(s) = cur.source() {
        cur = s;
    }
    cur.to_string()
}

/// Turns a problem received from a node back into the store error that caused it, so a
/// client prints the same message and exits with the same code as a local call.
pub fn store_error_of(p: &Problem) -> StoreError {
    match p.slug() {
        "validation" => StoreError::Invalid(ValidationError {
            fields: p.errors.iter().map(|f| FieldError::new(f.field.clone(), f.reason.clone())).collect(),
        }),
        "not-found" => StoreError::NotFound(p.key.clone().unwrap_or_default()),
        "forbidden" => StoreError::Forbidden(p.detail.clone()),
        "no-such-item" => StoreError::Doc(DocError::NoSuchItem {
            kind: match p.item_kind.as_deref() {
                Some("contact") => "contact",
                Some("task") => "task",
                Some("interaction") => "interaction",
                Some("order") => "order",
                Some("service record") => "service record",
                _ => "item",
            },
            id: p.key.clone().unwrap_or_default(),
        }),
        "invalid-query" | "invalid-body" | "malformed-json" | "payload-too-large" | "unsupported-media-type" => {
            StoreError::Invalid(FieldError::new("request", p.detail.clone()).into())
        }
        _ => StoreError::Db(p.detail.clone()),
    }
}
