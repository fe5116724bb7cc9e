//! Request extractors whose rejections are [`ApiError`]s, so a malformed body, query or
//! path becomes a problem+json 4xx with a clear message instead of axum's plain text.

use crate::problem::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// A JSON request body (`Content-Type: application/json`); rejections become problems.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// A query string; rejections (wrong types, unknown parameters) become problems.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Path parameters; rejections become problems.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// A JSON body that may be left out: an empty body is `T::default()`. Any content type is
/// accepted, since there is often no body at all.
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            let status = e.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::Body {
                    status,
                    detail: format!("the body is larger than the limit of {} bytes", crate::server::BODY_LIMIT),
                }
            } else {
                ApiError::Body { status: StatusCode::BAD_REQUEST, detail: e.body_text() }
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// Parses JSON bytes: syntax errors are 400 (malformed JSON), shape errors 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(json_error)
}

/// A serde_json error as a body problem: syntax errors are 400, shape errors 422.
pub fn json_error(e: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => ApiError::Body {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: format!("the JSON body does not fit: {e}"),
        },
        _ => ApiError::Body { status: StatusCode::BAD_REQUEST, detail: format!("the body is not valid JSON: {e}") },
    }
}

/// Takes an optional `reason` string out of a JSON object body and parses the rest as `T`
/// (whose unknown fields are refused).
pub fn split_reason<T: DeserializeOwned>(
    mut body: serde_json::Map<String, serde_json::Value>,
) -> Result<(T, Option<String>), ApiError> {
    let reason = match body.remove("reason") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => {
            return Err(ApiError::Body {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                detail: format!("the JSON body does not fit: `reason` must be a string, not {other}"),
            })
        }
    };
    let v = serde_json::from_value(serde_json::Value::Object(body)).map_err(json_error)?;
    Ok((v, reason))
}
