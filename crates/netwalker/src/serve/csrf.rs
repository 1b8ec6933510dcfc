//! CSRF protection for every state-changing request, in one middleware:
//! a POST (PUT, PATCH, DELETE) from a browser must carry a form field
//! `csrf` holding the HMAC of what binds the form to that browser: the
//! session cookie, or before login (and with authentication off) a random
//! pre-session cookie. Another site can make a browser send the cookies
//! but can neither read nor compute the token. Requests authenticated by
//! an API token need none: a browser never adds that header by itself.
//!
//! A JSON body needs no token: a page on another site cannot send one
//! (`Content-Type: application/json` makes the browser ask first, a CORS
//! preflight this server never grants), and the handlers taking one also
//! check the request's origin ([`super::origin::same_origin`]); scripts
//! on loopback without authentication can then use the API.
//!
//! Forms get their token from the [`FormToken`] extractor, so a new form
//! (start a walk...) is protected by adding the hidden field, nothing else.

use super::auth::Access;
use super::cookies::{PRE_SESSION_COOKIE, cookie, set_cookie};
use super::pages::error_page;
use super::router::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;

/// The form field carrying the token.
pub(super) const FIELD: &str = "csrf";

/// How long a pre-session cookie lives (a login form left open a day still works).
const PRE_SESSION_SECS: u64 = 86_400;

fn pre_session(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie(h, PRE_SESSION_COOKIE))
        .map(str::to_string)
}

/// What a form from this request's browser binds to, `None` when nothing does yet.
fn binding(access: &Access, headers: &HeaderMap) -> Option<String> {
    match access {
        Access::User {
            session: Some(c), ..
        } => Some(c.expose_secret().to_string()),
        _ => pre_session(headers),
    }
}

/// The middleware: refuses a state-changing request without a valid token.
pub(super) async fn check(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || is_json(req.headers())
    {
        return next.run(req).await;
    }
    let Some(access) = req.extensions().get::<Access>().cloned() else {
        return refused();
    };
    if let Access::User { session: None, .. } = access {
        return next.run(req).await;
    }
    let Some(bound) = binding(&access, req.headers()) else {
        return refused();
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, st.max_body_bytes).await else {
        return error_page(StatusCode::PAYLOAD_TOO_LARGE, "the form is too large");
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let token = fields
        .iter()
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.as_str());
    match token {
        Some(t) if st.auth.key.check_csrf(&bound, t) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => refused(),
    }
}

/// Whether the body is declared JSON (`application/json`, any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

fn refused() -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        "this form has expired or was not sent by this site's page; reload the page and try again",
    )
}

/// The CSRF token for forms a handler renders, and the pre-session cookie
/// to set when the browser has none yet (add [`FormToken::cookie`] to the response).
pub(super) struct FormToken {
    /// The hidden field's value.
    pub token: String,
    /// `Set-Cookie` for a new pre-session cookie, when one was made.
    pub cookie: Option<String>,
}

impl FormToken {
    /// `resp` with the pre-session cookie set when one was made.
    pub(super) fn attach(&self, resp: impl IntoResponse) -> Response {
        let mut resp = resp.into_response();
        if let Some(c) = &self.cookie
            && let Ok(v) = c.parse()
        {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
        resp
    }
}

impl FromRequestParts<AppState> for FormToken {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<FormToken, Response> {
        let access = parts
            .extensions
            .get::<Access>()
            .cloned()
            .unwrap_or(Access::Anonymous);
        if let Some(b) = binding(&access, &parts.headers) {
            return Ok(FormToken {
                token: st.auth.key.csrf_token(&b),
                cookie: None,
            });
        }
        let fresh = crate::auth::nonce()
            .map_err(|e| error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))?;
        Ok(FormToken {
            token: st.auth.key.csrf_token(&fresh),
            cookie: Some(set_cookie(
                PRE_SESSION_COOKIE,
                &fresh,
                PRE_SESSION_SECS,
                st.auth.secure,
            )),
        })
    }
}
