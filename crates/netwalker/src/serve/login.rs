//! The login and logout pages. A login checks the password on the blocking
//! pool (argon2 is slow by design), at most a few at once, behind the
//! failed-login backoff; the answer to a wrong name and a wrong password is
//! the same message after the same work. A good login sets the signed
//! session cookie and goes back to the page asked for (a local path only).

use super::auth::{Access, Who};
use super::cookies::{SESSION_COOKIE, safe_next, set_cookie};
use super::csrf::FormToken;
use super::errors::ServeError;
use super::pages::PageError;
use super::router::AppState;
use super::templates::{LoginPage, LogoutPage};
use crate::auth::{Name, Session, fingerprint, verify_absent, verify_password};
use crate::model::now_unix;
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The message for every failed login: it does not say which part was wrong.
const WRONG: &str = "Wrong user name or password.";
/// The message while the backoff holds.
const WAIT: &str = "Too many failed logins; wait a little and try again.";

/// `?next=` of the login page.
#[derive(Deserialize)]
pub(super) struct NextQuery {
    /// Where to go after logging in.
    #[serde(default)]
    next: String,
}

/// The login form.
#[derive(Deserialize)]
pub(super) struct LoginForm {
    /// The user name typed.
    #[serde(default)]
    user: String,
    /// The password typed; never logged, echoed or kept.
    password: SecretString,
    /// Where to go after logging in.
    #[serde(default)]
    next: String,
}

/// The client's address when the server's accept loop recorded it (not in
/// in-process tests).
pub(super) struct PeerIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<PeerIp, Infallible> {
        Ok(PeerIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

fn login_page(
    status: StatusCode,
    form: &FormToken,
    user: &str,
    next: &str,
    error: &str,
) -> Response {
    let page = LoginPage {
        search_q: String::new(),
        user: user.to_string(),
        next: safe_next(next).to_string(),
        csrf: form.token.clone(),
        error: error.to_string(),
    };
    match page.render() {
        Ok(html) => form.attach((status, Html(html))),
        Err(e) => PageError(e.into()).into_response(),
    }
}

/// `GET /login`.
pub(super) async fn form(form: FormToken, Query(q): Query<NextQuery>) -> Response {
    login_page(StatusCode::OK, &form, "", &q.next, "")
}

/// `POST /login` (its CSRF token already checked by the middleware).
pub(super) async fn login(
    State(st): State<AppState>,
    PeerIp(ip): PeerIp,
    form: FormToken,
    Form(f): Form<LoginForm>,
) -> Response {
    let auth = st.auth.clone();
    if auth
        .backoff
        .blocked(ip, &f.user, tokio::time::Instant::now())
    {
        return login_page(StatusCode::TOO_MANY_REQUESTS, &form, &f.user, &f.next, WAIT);
    }
    let user = Name::new(&f.user).ok();
    let lookup = user.clone();
    let creds = match st
        .reads
        .read(move |r| {
            Ok(match &lookup {
                Some(n) => r.user_credentials(n.as_str())?,
                None => None,
            })
        })
        .await
    {
        Ok(c) => c,
        Err(e) => return PageError(e).into_response(),
    };
    // The permit travels with the check, so a request that gives up (its
    // deadline) does not let more checks run than the bound.
    let Ok(permit) = auth.hashing.clone().acquire_owned().await else {
        return PageError(ServeError::Task("the password checker stopped".into())).into_response();
    };
    let password = f.password;
    let checked = creds.clone();
    let ok = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        match &checked {
            Some(c) => verify_password(&password, &c.password_hash),
            None => verify_absent(&password),
        }
    })
    .await
    .unwrap_or(false);
    let shown = user.as_ref().map_or("-", |n| n.as_str()).to_string();
    match (ok, user, creds) {
        (true, Some(name), Some(c)) => {
            auth.backoff.succeeded(ip, &f.user);
            tracing::info!(user = %name, "netwalker serve: login");
            let session = Session {
                user: name,
                role: c.role,
                expires: now_unix() + auth.ttl.as_secs() as i64,
                fingerprint: fingerprint(&c.password_hash),
            };
            let cookie = set_cookie(
                SESSION_COOKIE,
                &auth.key.seal(&session),
                auth.ttl.as_secs(),
                auth.secure,
            );
            (
                [(header::SET_COOKIE, cookie)],
                Redirect::to(safe_next(&f.next)),
            )
                .into_response()
        }
        _ => {
            auth.backoff
                .failed(ip, &f.user, tokio::time::Instant::now());
            tracing::warn!(user = %shown, ip = ?ip, "netwalker serve: failed login");
            login_page(StatusCode::UNAUTHORIZED, &form, &f.user, &f.next, WRONG)
        }
    }
}

/// `GET /logout`: a confirmation with the form (logging out is a POST).
pub(super) async fn confirm(Who(access): Who, form: FormToken) -> Response {
    let user = match access {
        Access::User { name, .. } => Some(name),
        _ => None,
    };
    let page = LogoutPage {
        search_q: String::new(),
        user,
        csrf: form.token.clone(),
    };
    match page.render() {
        Ok(html) => form.attach(Html(html)),
        Err(e) => PageError(e.into()).into_response(),
    }
}

/// `POST /logout`: deletes the session cookie. The cookie's signature stays
/// valid until it expires should someone have copied it; a password change
/// ends it everywhere.
pub(super) async fn logout(State(st): State<AppState>) -> Response {
    let cookie = set_cookie(SESSION_COOKIE, "", 0, st.auth.secure);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}
