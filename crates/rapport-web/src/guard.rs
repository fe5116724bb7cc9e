//! What every request to the web app passes before a page sees it, in one place:
//!
//! 1. `Host` must be one of the node's own names ([`crate::WebConfig::hosts`]): a page on
//!    another site that rebinds its DNS name to 127.0.0.1 reaches the port but not the app.
//! 2. Outside the sign-in pages and the static assets, the session cookie must name a live
//!    session; a page asked for without one shows how to sign in, anything else gets 401.
//! 3. Every request that changes something (any method but GET and HEAD) carries the
//!    session's CSRF token, in the `x-csrf-token` header, as the `csrf` field of a
//!    urlencoded form, or (a file upload, whose body is not read here) in the query.
//! 4. Every answer carries a Content-Security-Policy that allows our own scripts and
//!    styles only (no inline script), `Referrer-Policy: no-referrer`, and no caching of
//!    pages.

use crate::error::WebError;
use crate::i18n::{Lang, M};
use crate::session::{Signed, SESSION_COOKIE};
use crate::Web;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;
use subtle::ConstantTimeEq;

/// Largest form body read to find its CSRF token (forms are small; the import upload sends
/// its token in the header).
const MAX_FORM_BYTES: usize = 1 << 20;

/// The policy every answer carries: our own scripts, styles and images only; no frames,
/// no plugins, forms posting to us alone.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Paths served without a session.
fn public(path: &str) -> bool {
    path == "/signin" || path == "/signed-out" || path.starts_with("/static/")
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The CSRF token a urlencoded form carries.
fn form_token(body: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v)
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], why.to_string()).into_response()
}

/// The checks above, then the page; then the headers every answer carries.
pub(crate) async fn guard(State(web): State<Web>, req: Request, next: Next) -> Response {
    let mut resp = checked(web, req, next).await;
    let h = resp.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(CSP));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    resp
}

async fn checked(web: Web, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !web.0.config.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "this Rapport node answers only to its own address (open it with `rapport open`)",
        );
    }
    if public(req.uri().path()) {
        return next.run(req).await;
    }
    let signed = cookie(req.headers(), SESSION_COOKIE).and_then(|id| web.0.sessions.find(id));
    let Some(signed) = signed else {
        if req.method() == Method::GET && !req.uri().path().starts_with("/live") {
            return Redirect::to("/signed-out").into_response();
        }
        return refuse(StatusCode::UNAUTHORIZED, "not signed in, or the session has ended: run `rapport open`");
    };
    let (mut parts, body) = req.into_parts();
    let body = if parts.method == Method::GET || parts.method == Method::HEAD {
        body
    } else {
        let header_token = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
        let kind = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let form = kind.starts_with("application/x-www-form-urlencoded");
        // A file upload's body is not read here (it may be large); its form names the
        // token in the action's query instead.
        let query_token = || {
            kind.starts_with("multipart/form-data")
                .then(|| parts.uri.query())
                .flatten()
                .and_then(|q| form_token(q.as_bytes()))
        };
        let (token, body) = match header_token.or_else(query_token) {
            Some(t) => (Some(t), body),
            None if form => match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
                Ok(bytes) => (form_token(&bytes), Body::from(bytes)),
                Err(_) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, "the form is larger than 1 MiB"),
            },
            None => (None, body),
        };
        if !token.is_some_and(|t| same(&t, &signed.csrf)) {
            return refuse(StatusCode::FORBIDDEN, "the form's security token is missing or stale; reload the page");
        }
        body
    };
    parts.extensions.insert(signed);
    next.run(Request::from_parts(parts, body)).await
}

/// `GET /signin?code=...`: a one-time code from `rapport open` starts a session.
#[derive(Deserialize)]
pub(crate) struct SignIn {
    code: Option<String>,
}

pub(crate) async fn sign_in(State(web): State<Web>, Query(q): Query<SignIn>) -> Result<Response, WebError> {
    let code = q.code.unwrap_or_default();
    if !web.node().sign_in_codes().redeem(&code) {
        return Ok(Redirect::to("/signed-out?why=link").into_response());
    }
    let id = web.0.sessions.start(Lang::default()).ok_or_else(|| {
        WebError::Failed("the operating system's random source failed; cannot start a session".into())
    })?;
    let mut r = Redirect::to("/customers").into_response();
    let cookie = format!("{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// `POST /signout`: ends the session and clears the cookie.
pub(crate) async fn sign_out(State(web): State<Web>, Extension(signed): Extension<Signed>) -> Response {
    web.0.sessions.end(&signed);
    let mut r = Redirect::to("/signed-out?why=out").into_response();
    let clear = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&clear) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
pub(crate) struct Why {
    why: Option<String>,
}

/// `GET /signed-out`: how to sign in (in both languages: no session, no language yet).
pub(crate) async fn signed_out(Query(q): Query<Why>) -> Response {
    let (zh, en) = (M(Lang::Zh), M(Lang::En));
    let (why_zh, why_en) = match q.why.as_deref() {
        Some("link") => (zh.t("signin.link_used"), en.t("signin.link_used")),
        Some("out") => (zh.t("signin.signed_out"), en.t("signin.signed_out")),
        _ => (zh.t("signin.needed"), en.t("signin.needed")),
    };
    let page = maud::html! {
        (maud::DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Rapport" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                main class="narrow" {
                    h1 { "Rapport" }
                    p { (why_zh) }
                    p { (zh.t("signin.how")) } pre { "rapport open" }
                    hr;
                    p lang="en" { (why_en) }
                    p lang="en" { (en.t("signin.how")) }
                }
            }
        }
    };
    (StatusCode::UNAUTHORIZED, axum::response::Html(page.into_string())).into_response()
}

#[derive(Deserialize)]
pub(crate) struct LangForm {
    lang: String,
    back: Option<String>,
}

/// `POST /lang`: switches the session's language, back to the page it came from.
pub(crate) async fn set_lang(
    State(web): State<Web>,
    Extension(signed): Extension<Signed>,
    axum::Form(f): axum::Form<LangForm>,
) -> Result<Response, WebError> {
    let lang = Lang::parse(&f.lang).ok_or_else(|| WebError::field("lang", "is not zh or en"))?;
    web.0.sessions.set_lang(&signed, lang);
    // Only a path of ours: an absolute URL here would make this an open redirect.
    let back = f.back.filter(|b| b.starts_with('/') && !b.starts_with("//")).unwrap_or_else(|| "/".into());
    Ok(Redirect::to(&back).into_response())
}
