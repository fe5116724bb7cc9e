//! The web app's one error type, mapped to a page once.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use rapport_model::FieldError;
use rapport_node::NodeError;
use rapport_store::StoreError;

/// Why a page could not be served.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// A value was refused; each names its field.
    #[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The node refused or failed.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// Something else failed.
    #[error("{0}")]
    Failed(String),
}

impl WebError {
    /// One refused field.
    pub fn field(field: &str, reason: &str) -> WebError {
        WebError::Invalid(vec![FieldError::new(field, reason)])
    }

    /// The refused fields, if this is a refusal of values.
    pub fn fields(&self) -> Option<&[FieldError]> {
        match self {
            WebError::Invalid(f) => Some(f),
            WebError::Node(NodeError::Store(StoreError::Invalid(v))) => Some(&v.fields),
            _ => None,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Node(NodeError::Store(e)) => match e {
                StoreError::NotFound(_) => StatusCode::NOT_FOUND,
                StoreError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                StoreError::Forbidden(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            WebError::Node(NodeError::Refused(_)) => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> WebError {
        WebError::Node(NodeError::Store(e))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let page = maud::html! {
            (maud::DOCTYPE)
            html {
                head {
                    meta charset="utf-8";
                    title { "Rapport" }
                    link rel="stylesheet" href="/static/app.css";
                }
                body { main class="narrow" {
                    h1 { (self.status().as_u16()) }
                    p role="alert" { (self.to_string()) }
                    p { a href="/customers" { "← Rapport" } }
                } }
            }
        };
        (self.status(), Html(page.into_string())).into_response()
    }
}
