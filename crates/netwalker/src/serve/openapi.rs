//! The API's OpenAPI 3.1 document, served at `/api/v1/openapi.json`:
//! derived (utoipa) from the handlers' declared paths, parameters and
//! responses and from the very types they serialise, so it cannot drift
//! from what the API sends (`tests/serve_openapi.rs` also checks it
//! against live responses and the router's routes).

use super::{api, reports, runs};
use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The document's root.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "netwalker",
        description = "The discovered inventory (field names as in inventory.json), walks and reports. Without users in the store the API is open on loopback; with users every call needs `Authorization: Bearer nwt_...` (netwalker token add) or a browser session.",
    ),
    paths(
        api::devices,
        api::device,
        api::links,
        api::search,
        runs::vlans,
        runs::api,
        runs::api_start,
        runs::api_live,
        runs::api_live_events,
        reports::api_index,
        reports::api,
    ),
    modifiers(&BearerToken),
    tags(
        (name = "devices", description = "Devices, their links, VLANs and search"),
        (name = "runs", description = "Walks: recorded, started, followed live"),
        (name = "reports", description = "Questions about the whole inventory"),
    )
)]
pub(super) struct ApiDoc;

/// Declares the `nwt_` API token as a bearer scheme.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `netwalker token add` (nwt_...)"))
                    .build(),
            ),
        );
    }
}

/// `GET /api/v1/openapi.json`.
pub(super) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
