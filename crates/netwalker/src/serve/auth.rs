//! Who is asking: the middleware every request passes before a handler,
//! and the extractor that keeps viewers out of admin pages.
//!
//! Authentication is on when the server was told so
//! ([`AuthPolicy::Required`], forced for non-loopback addresses) or when
//! the store has at least one user; it is checked per request, so adding
//! the first user protects a running server at once. With it on, a request
//! needs a valid session cookie or an API token (`Authorization: Bearer
//! nwt_...`); without, pages redirect to `/login?next=...` and the API
//! answers 401 with `WWW-Authenticate: Bearer`. The session's user is
//! looked up in the store on every request (one indexed read): a removed
//! user, a changed password or role ends the session at once.

use super::cookies::{SESSION_COOKIE, cookie};
use super::errors::ServeError;
use super::pages::error_page;
use super::router::AppState;
use crate::auth::{Role, SessionKey, fingerprint, hash_token};
use crate::model::now_unix;
use crate::store::StoreReader;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use std::sync::Arc;

/// When the server asks for a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthPolicy {
    /// When the store has users (checked per request); a loopback server
    /// over a store without users is open to whoever can reach it.
    #[default]
    Auto,
    /// Always; with no users nobody gets in.
    Required,
}

/// Who a request is from, put in its extensions by [`authenticate`].
#[derive(Debug, Clone)]
pub(super) enum Access {
    /// Not logged in, on a page anyone may see (the login form).
    Anonymous,
    /// Authentication is off (loopback, no users): full access, as the
    /// machine's own user has with the CLI.
    Open,
    /// A logged-in user.
    User {
        /// Their name.
        name: String,
        /// What they may do.
        role: Role,
        /// The session cookie they came with (CSRF tokens bind to it);
        /// `None` for an API token, which needs none. Secret: whoever
        /// holds it is logged in.
        session: Option<SecretString>,
    },
}

impl Access {
    /// Whether this request may do admin things.
    pub(super) fn is_admin(&self) -> bool {
        match self {
            Access::Open => true,
            Access::Anonymous => false,
            Access::User { role, .. } => *role == Role::Admin,
        }
    }
}

/// What the request presented.
enum Presented {
    /// `Authorization: Bearer ...`.
    Token(SecretString),
    /// The session cookie's value.
    Cookie(String),
    /// Nothing.
    Nothing,
}

fn presented(headers: &HeaderMap) -> Presented {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if let Some(token) = auth.and_then(|a| a.strip_prefix("Bearer ")) {
        return Presented::Token(token.trim().to_string().into());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie(h, SESSION_COOKIE))
        .map_or(Presented::Nothing, |c| Presented::Cookie(c.to_string()))
}

/// Paths served to anyone: the login form and the stylesheet it uses.
fn public(path: &str) -> bool {
    path == "/login" || path == "/static/style.css"
}

/// The middleware: decides [`Access`] or answers 401 / a redirect to login.
pub(super) async fn authenticate(
    State(st): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if public(req.uri().path()) {
        req.extensions_mut().insert(Access::Anonymous);
        return next.run(req).await;
    }
    let what = presented(req.headers());
    let auth = st.auth.clone();
    let decided = st.reads.read(move |r| decide(r, &auth, what)).await;
    match decided {
        Ok(Some(access)) => {
            req.extensions_mut().insert(access);
            next.run(req).await
        }
        Ok(None) => refuse(&req),
        Err(e) if is_api(req.uri().path()) => super::api::ApiError(e).into_response(),
        Err(e) => super::pages::PageError(e).into_response(),
    }
}

/// The access `what` grants, `None` when it grants none.
fn decide(
    r: &StoreReader,
    auth: &AuthState,
    what: Presented,
) -> Result<Option<Access>, ServeError> {
    if auth.policy == AuthPolicy::Auto && r.user_count()? == 0 {
        return Ok(Some(Access::Open));
    }
    match what {
        Presented::Token(t) => {
            let Some(hash) = hash_token(&t) else {
                return Ok(None);
            };
            Ok(r.token_user(&hash)?.map(|(name, role)| Access::User {
                name,
                role,
                session: None,
            }))
        }
        Presented::Cookie(c) => {
            let Ok(s) = auth.key.open(&c, now_unix()) else {
                return Ok(None);
            };
            let Some(cred) = r.user_credentials(s.user.as_str())? else {
                return Ok(None);
            };
            let current = cred.role == s.role && fingerprint(&cred.password_hash) == s.fingerprint;
            Ok(current.then(|| Access::User {
                name: s.user.to_string(),
                role: s.role,
                session: Some(c.into()),
            }))
        }
        Presented::Nothing => Ok(None),
    }
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// 401 for the API, a redirect to the login page (back here after) for pages.
fn refuse(req: &Request) -> Response {
    if is_api(req.uri().path()) {
        let mut resp = super::api::api_error(
            StatusCode::UNAUTHORIZED,
            "authentication required: send Authorization: Bearer <token> (netwalker token add)",
        );
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"netwalker\""),
        );
        return resp;
    }
    let here = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let next: String = url_encode(&here);
    Redirect::to(&format!("/login?next={next}")).into_response()
}

fn url_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The authentication settings every request shares.
pub(super) struct AuthState {
    /// When a login is asked for.
    pub policy: AuthPolicy,
    /// Signs session cookies and CSRF tokens.
    pub key: Arc<SessionKey>,
    /// How long a session lasts.
    pub ttl: std::time::Duration,
    /// Whether cookies get `Secure` (the server is behind a TLS proxy).
    pub secure: bool,
    /// Password verifications running at once (argon2 takes ~19 MiB and
    /// tens of milliseconds each); more wait.
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// Failed logins per address and per user.
    pub backoff: super::backoff::Backoff,
}

/// The [`Access`] of a request (an extractor); fails closed (403) should
/// the middleware not have run.
pub(super) struct Who(pub Access);

impl<S: Send + Sync> FromRequestParts<S> for Who {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Who, Response> {
        parts
            .extensions
            .get::<Access>()
            .cloned()
            .map(Who)
            .ok_or_else(|| forbidden(parts.uri.path()))
    }
}

/// An extractor that lets only admins (or everyone when authentication is
/// off) reach a handler; viewers get 403.
pub(super) struct RequireAdmin;

impl<S: Send + Sync> FromRequestParts<S> for RequireAdmin {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<RequireAdmin, Response> {
        let Who(access) = Who::from_request_parts(parts, state).await?;
        if access.is_admin() {
            Ok(RequireAdmin)
        } else {
            Err(forbidden(parts.uri.path()))
        }
    }
}

fn forbidden(path: &str) -> Response {
    let msg = "this needs the admin role";
    if is_api(path) {
        super::api::api_error(StatusCode::FORBIDDEN, msg)
    } else {
        error_page(StatusCode::FORBIDDEN, msg)
    }
}
