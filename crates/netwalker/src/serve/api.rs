//! The JSON API under `/api/v1/`: devices (filters, sort, `limit`/`offset`,
//! with the total), one device, links, search. Devices and links are the
//! `inventory.json` types ([`InventoryDevice`], [`InventoryLink`]), so every
//! field keeps the file's name; what the file does not carry is added
//! beside them (`site`, `first_seen`, `last_seen`; a device's `interfaces`
//! and `links`). Errors are `{"error": "..."}` with the status that fits.

use super::catalogue::Catalogue;
use super::detail::Detail;
use super::errors::ServeError;
use super::pages::{SearchQuery, search_ports};
use super::query::{DeviceQuery, PageQuery};
use super::router::AppState;
use super::search::{self, MAX_HITS, Matched};
use crate::model::{Device, Interface, InventoryDevice, InventoryLink, UnixTime};
use crate::snapshot::{inventory_device, inventory_links};
use crate::store::{StoreError, StoreReader};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An API handler's error: `{"error": "..."}` with its status.
pub(super) struct ApiError(pub ServeError);

impl From<ServeError> for ApiError {
    fn from(e: ServeError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        api_error(self.0.status(), &self.0.to_string())
    }
}

/// Every API error's body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ErrorBody {
    /// What went wrong, and what to do.
    pub error: String,
}

/// `{"error": message}` with `status`.
pub(super) fn api_error(status: StatusCode, message: &str) -> Response {
    let body = ErrorBody {
        error: message.to_string(),
    };
    (status, Json(body)).into_response()
}

/// A device as the API lists it: the `inventory.json` device, plus its
/// site and when it was first and last seen.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ApiDevice {
    /// The device with the file's field names.
    #[serde(flatten)]
    pub device: InventoryDevice,
    /// Its site when the server has a site pattern, else `null`.
    pub site: Option<String>,
    /// When any run first recorded it, Unix seconds.
    pub first_seen: UnixTime,
    /// When a run last saw it, Unix seconds.
    pub last_seen: UnixTime,
}

/// `GET /api/v1/devices`.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct DeviceList {
    /// Devices the filters keep, over all pages.
    total: usize,
    /// The page size used (after lowering to the maximum).
    limit: usize,
    /// Devices skipped before this page.
    offset: usize,
    /// This page.
    devices: Vec<ApiDevice>,
}

/// `GET /api/v1/devices/{hostname}`.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct DeviceDetail {
    /// The device as listed.
    #[serde(flatten)]
    device: ApiDevice,
    /// Its interfaces, by name.
    interfaces: Vec<Interface>,
    /// Its links, each with this device as `a`.
    links: Vec<InventoryLink>,
}

/// `GET /api/v1/links`.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct LinkList {
    /// Every link.
    total: usize,
    /// The page size used.
    limit: usize,
    /// Links skipped before this page.
    offset: usize,
    /// This page, in `inventory.json`'s order.
    links: Vec<InventoryLink>,
}

/// `GET /api/v1/search`.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SearchResults {
    /// The query, trimmed.
    query: String,
    /// Every device found, also those beyond the list.
    total: usize,
    /// The first hits, in hostname order.
    hits: Vec<SearchHit>,
    /// End hosts the query names (a MAC or an address), as `netwalker
    /// find --json` prints them.
    endhosts: Vec<crate::find::FoundHost>,
}

/// One device a search found.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SearchHit {
    /// The field that matched.
    matched: Matched,
    /// That field's value.
    value: String,
    /// The interface that matched (for `interface` and
    /// `interface_description` matches), else `null`.
    interface: Option<String>,
    /// Whether the value is the whole query.
    exact: bool,
    /// The device.
    device: ApiDevice,
}

/// One device of `cat` in the API's form (reads its stack and VLANs).
fn api_device(r: &StoreReader, cat: &Catalogue, d: &Device) -> Result<ApiDevice, StoreError> {
    Ok(ApiDevice {
        device: inventory_device(d.clone(), r.stack_members(d.id)?, r.vlans(d.id)?, &|id| {
            cat.name(id)
        }),
        site: cat.site(d.id).map(str::to_string),
        first_seen: d.first_seen,
        last_seen: d.last_seen,
    })
}

/// `GET /api/v1/devices`: the filtered, sorted page and the total.
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices", params(DeviceQuery),
    responses((status = 200, description = "The page of devices the filters keep, and their total", body = DeviceList),
              (status = 400, description = "A filter, sort or paging parameter that cannot be used", body = ErrorBody)))]
pub(super) async fn devices(
    State(st): State<AppState>,
    Query(q): Query<DeviceQuery>,
) -> Result<Json<impl Serialize>, ApiError> {
    let f = q.filter()?;
    let sites = st.sites.clone();
    let list = st
        .reads
        .read(move |r| {
            let _snap = r.snapshot()?;
            let cat = Catalogue::load(r, sites.as_deref())?;
            let page = f.page(&cat);
            let devices = page
                .devices
                .iter()
                .map(|d| api_device(r, &cat, d))
                .collect::<Result<_, _>>()?;
            Ok(DeviceList {
                total: page.total,
                limit: f.limit,
                offset: f.offset,
                devices,
            })
        })
        .await?;
    Ok(Json(list))
}

/// `GET /api/v1/devices/{hostname}`: the device, its interfaces and links.
#[utoipa::path(get, path = "/api/v1/devices/{hostname}", tag = "devices",
    params(("hostname" = String, Path, description = "The device's name (exact, else ignoring case)")),
    responses((status = 200, description = "The device, its interfaces and its links", body = DeviceDetail),
              (status = 404, description = "No device has that name", body = ErrorBody)))]
pub(super) async fn device(
    State(st): State<AppState>,
    Path(hostname): Path<String>,
) -> Result<Json<impl Serialize>, ApiError> {
    let sites = st.sites.clone();
    let detail = st
        .reads
        .read(move |r| {
            let _snap = r.snapshot()?;
            let cat = Catalogue::load(r, sites.as_deref())?;
            let d = cat
                .find(&hostname)
                .ok_or_else(|| ServeError::NoDevice(hostname.clone()))?;
            let x = Detail::read(r, &cat, d)?;
            Ok(DeviceDetail {
                device: api_device(r, &cat, d)?,
                interfaces: x.interfaces,
                links: x.links,
            })
        })
        .await?;
    Ok(Json(detail))
}

/// `GET /api/v1/links`: every link once, paged.
#[utoipa::path(get, path = "/api/v1/links", tag = "devices", params(PageQuery),
    responses((status = 200, description = "A page of links, one per cable", body = LinkList),
              (status = 400, description = "Bad paging", body = ErrorBody)))]
pub(super) async fn links(
    State(st): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Json<impl Serialize>, ApiError> {
    let (limit, offset) = q.paging()?;
    let sites = st.sites.clone();
    let list = st
        .reads
        .read(move |r| {
            let _snap = r.snapshot()?;
            let cat = Catalogue::load(r, sites.as_deref())?;
            let all = inventory_links(&r.links()?, &|id| cat.name(id));
            Ok(LinkList {
                total: all.len(),
                limit,
                offset,
                links: all.into_iter().skip(offset).take(limit).collect(),
            })
        })
        .await?;
    Ok(Json(list))
}

/// `GET /api/v1/search?q=`: every hit (the first [`MAX_HITS`] listed);
/// no redirect, `exact` says which a page would open.
#[utoipa::path(get, path = "/api/v1/search", tag = "devices", params(SearchQuery),
    responses((status = 200, description = "Devices whose hostname, address, serial, model, interface or interface description matches, and end hosts a MAC or address names", body = SearchResults),
              (status = 400, description = "An empty query", body = ErrorBody)))]
pub(super) async fn search(
    State(st): State<AppState>,
    Query(sq): Query<SearchQuery>,
) -> Result<Json<impl Serialize>, ApiError> {
    let q = sq.q.unwrap_or_default().trim().to_string();
    if q.is_empty() {
        return Err(ServeError::BadRequest("q must not be empty".into()).into());
    }
    let sites = st.sites.clone();
    let results = st
        .reads
        .read(move |r| {
            let _snap = r.snapshot()?;
            let cat = Catalogue::load(r, sites.as_deref())?;
            let ports = search_ports(r, &q)?;
            let found = search::search(&cat, &ports, &q);
            let hits = found
                .iter()
                .take(MAX_HITS)
                .map(|h| {
                    Ok::<_, StoreError>(SearchHit {
                        matched: h.matched,
                        value: h.value.clone(),
                        interface: h.interface.clone(),
                        exact: h.exact,
                        device: api_device(r, &cat, h.device)?,
                    })
                })
                .collect::<Result<_, _>>()?;
            Ok(SearchResults {
                total: found.len(),
                endhosts: super::hosts::hosts_for_query(r, &q)?,
                query: q,
                hits,
            })
        })
        .await?;
    Ok(Json(results))
}

/// Unknown paths under `/api/v1/`.
pub(super) async fn not_found() -> Response {
    api_error(StatusCode::NOT_FOUND, "no such API path")
}
