//! The routes, the state every handler shares, and the layers every
//! request passes: a deadline, a body limit, response headers that keep a
//! browser from running anything the pages did not mean to ship (a
//! Content-Security-Policy allowing no script at all), then who is asking
//! ([`auth::authenticate`]) and, for state-changing requests, the CSRF
//! check ([`csrf::check`]).

use super::auth::{self, AuthState};
use super::backoff::Backoff;
use super::errors::ServeError;
use super::reads::Reads;
use super::walks::Walks;
use super::{
    ServeOptions, admin, api, csrf, export, login, map, openapi, pages, reports, runs, templates,
};
use crate::auth::SessionKey;
use crate::site::SitePattern;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// What every handler shares.
#[derive(Clone)]
pub(super) struct AppState {
    /// The store, read per request.
    pub reads: Reads,
    /// Assigns sites when the server was given a site pattern.
    pub sites: Option<Arc<SitePattern>>,
    /// Sessions, tokens, logins.
    pub auth: Arc<AuthState>,
    /// The body limit, also for the CSRF check's read of a form.
    pub max_body_bytes: usize,
    /// Walks started from the pages or the API (one at a time).
    pub walks: Walks,
}

/// The whole application: pages, the API under `/api/v1/`, the stylesheet,
/// login and logout, admin pages. Fails only when no session key can be made.
pub fn router(opts: &ServeOptions) -> Result<Router, ServeError> {
    Ok(app(opts)?.0)
}

/// The application and the walks it starts (the server shuts them down).
pub(super) fn app(opts: &ServeOptions) -> Result<(Router, Walks), ServeError> {
    let key = match &opts.session_key {
        Some(k) => k.clone(),
        None => Arc::new(SessionKey::random()?),
    };
    let walks = Walks::new(opts.walks.clone());
    let state = AppState {
        reads: Reads::new(opts.store.clone(), opts.max_reads, opts.request_timeout),
        sites: opts.site_pattern.clone().map(Arc::new),
        auth: Arc::new(AuthState {
            policy: opts.auth,
            key,
            ttl: opts.session_ttl,
            secure: opts.behind_tls,
            hashing: Arc::new(tokio::sync::Semaphore::new(opts.max_logins.max(1))),
            backoff: Backoff::default(),
        }),
        max_body_bytes: opts.max_body_bytes,
        walks: walks.clone(),
    };
    let api = Router::new()
        .route("/devices", get(api::devices))
        .route("/devices/{hostname}", get(api::device))
        .route("/links", get(api::links))
        .route("/search", get(api::search))
        .route("/runs", get(runs::api).post(runs::api_start))
        .route("/runs/live", get(runs::api_live))
        .route("/runs/live/events", get(runs::api_live_events))
        .route("/vlans", get(runs::vlans))
        .route("/reports", get(reports::api_index))
        .route("/reports/{name}", get(reports::api))
        .route("/openapi.json", get(openapi::document))
        .fallback(api::not_found);
    let app = Router::new()
        .route("/", get(pages::devices))
        .route("/devices", get(pages::devices))
        .route("/devices.csv", get(export::devices_csv))
        .route("/devices.xlsx", get(export::devices_xlsx))
        .route("/devices/{hostname}", get(pages::device))
        .route("/search", get(pages::search))
        .route("/map", get(map::map))
        .route("/runs", get(runs::page).post(runs::start))
        .route("/runs/cancel", post(runs::cancel))
        .route("/reports", get(reports::index))
        .route("/reports/{file}", get(reports::file))
        .route("/static/style.css", get(style))
        .route("/login", get(login::form).post(login::login))
        .route("/logout", get(login::confirm).post(login::logout))
        .route("/admin/users", get(admin::users))
        .nest("/api/v1", api)
        .fallback(pages::not_found)
        // Layers run outside in: authenticate, then the CSRF check.
        .layer(from_fn_with_state(state.clone(), csrf::check))
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .with_state(state);
    let app = app
        .layer(header_layer(
            header::CONTENT_SECURITY_POLICY,
            super::csp::NO_SCRIPT,
        ))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Not `no-referrer`: under it a browser sends `Origin: null` with
        // every form POST, and the walk forms' origin check refuses them.
        // `same-origin` still tells no other site where its links were.
        .layer(header_layer(header::REFERRER_POLICY, "same-origin"))
        .layer(RequestBodyLimitLayer::new(opts.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            opts.request_timeout,
        ));
    Ok((app, walks))
}

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// The embedded stylesheet.
async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        templates::STYLE_CSS,
    )
}
