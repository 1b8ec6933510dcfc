//! The routes, the state every handler shares, and the layers every
//! request passes: a deadline, a body limit, and response headers that
//! keep a browser from running anything the pages did not mean to ship
//! (a Content-Security-Policy allowing no script at all).

use super::reads::Reads;
use super::walks::Walks;
use super::{ServeOptions, api, export, map, pages, reports, runs, templates};
use crate::site::SitePattern;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
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
    /// Walks started from the pages or the API (one at a time).
    pub walks: Walks,
}

/// The whole application: pages, the API under `/api/v1/`, the stylesheet.
pub fn router(opts: &ServeOptions) -> Router {
    app(opts).0
}

/// The application and the walks it starts (the server shuts them down).
pub(super) fn app(opts: &ServeOptions) -> (Router, Walks) {
    let walks = Walks::new(opts.walks.clone());
    let state = AppState {
        reads: Reads::new(opts.store.clone(), opts.max_reads, opts.request_timeout),
        sites: opts.site_pattern.clone().map(Arc::new),
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
        .fallback(api::not_found);
    let router = Router::new()
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
        .nest("/api/v1", api)
        .fallback(pages::not_found)
        .with_state(state)
        .layer(header_layer(
            header::CONTENT_SECURITY_POLICY,
            super::csp::NO_SCRIPT,
        ))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
        .layer(RequestBodyLimitLayer::new(opts.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            opts.request_timeout,
        ));
    (router, walks)
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
