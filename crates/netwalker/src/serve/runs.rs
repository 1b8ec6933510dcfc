//! Runs: each walk the store recorded (when, how long, what it found),
//! as a page (`/runs`) and JSON (`/api/v1/runs`); starting a walk (the
//! page's form, `POST /api/v1/runs`) and following it live (the page's
//! one script on `GET /api/v1/runs/live/events`, an event stream; a
//! snapshot at `GET /api/v1/runs/live`), see [`super::walks`]; and every
//! device's VLANs as JSON (`/api/v1/vlans`).
//!
//! A run without a finish time is running, or was interrupted (the
//! process died or was killed): `discover --resume` continues it. The
//! store cannot tell which without taking the writer's lock, which a
//! reader must not, so both say "unfinished".

use super::api::{ApiError, ErrorBody};
use super::auth::{RequireAdmin, Who};
use super::csrf::FormToken;
use super::errors::ServeError;
use super::origin::same_origin;
use super::pages::PageError;
use super::query::PageQuery;
use super::router::AppState;
use super::templates::{LiveView, RunRow, RunsPage};
use super::walks::LiveWalk;
use super::walks::Refused;
use crate::model::{DeviceNames, Run, StatusCounts, UnixTime};
use crate::run::WalkRequest;
use crate::stamp::format_time;
use askama::Template;
use axum::Json;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, Redirect, Response};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::sync::LazyLock;

/// A run as the API lists it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ApiRun {
    /// The store's run number.
    id: i64,
    /// `finished`, or `unfinished` (running, or interrupted).
    state: &'static str,
    /// When it began, Unix seconds.
    started: UnixTime,
    /// When it finished, Unix seconds; `null` while unfinished.
    finished: Option<UnixTime>,
    /// How long it took, seconds; `null` while unfinished.
    duration_seconds: Option<i64>,
    /// Its seeds, as given.
    seeds: Vec<String>,
    /// Its depth limit, if any.
    max_depth: Option<u64>,
    /// Device counts by status when it finished; `null` while unfinished.
    counts: Option<StatusCounts>,
}

impl ApiRun {
    fn of(r: &Run) -> ApiRun {
        let seeds = r.options["seeds"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        ApiRun {
            id: r.id.0,
            state: if r.finished.is_some() {
                "finished"
            } else {
                "unfinished"
            },
            started: r.started,
            finished: r.finished,
            duration_seconds: r.finished.map(|f| f.saturating_sub(r.started)),
            seeds,
            max_depth: r.options["max_depth"].as_u64(),
            counts: r.counts,
        }
    }
}

/// `GET /api/v1/runs`: newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct RunList {
    /// Every run recorded.
    total: usize,
    /// The page size used.
    limit: usize,
    /// Runs skipped before this page.
    offset: usize,
    /// This page, newest first.
    runs: Vec<ApiRun>,
}

/// Every run, newest first.
async fn newest_first(st: &AppState) -> Result<Vec<ApiRun>, ServeError> {
    st.reads
        .read(|r| Ok(r.runs()?.iter().rev().map(ApiRun::of).collect()))
        .await
}

/// `GET /api/v1/runs?limit=&offset=`.
#[utoipa::path(get, path = "/api/v1/runs", tag = "runs", params(PageQuery),
    responses((status = 200, description = "Every walk recorded, newest first", body = RunList),
              (status = 400, description = "Bad paging", body = ErrorBody)))]
pub(super) async fn api(
    State(st): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Json<impl Serialize>, ApiError> {
    let (limit, offset) = q.paging()?;
    let all = newest_first(&st).await?;
    Ok(Json(RunList {
        total: all.len(),
        limit,
        offset,
        runs: all.into_iter().skip(offset).take(limit).collect(),
    }))
}

/// The Runs page's one script: while a walk runs, follows its event
/// stream into the counters, and reloads the page when it ends (the new
/// run's row then shows). Rendered only while a walk runs.
pub(super) const LIVE_JS: &str = "(function(){var es=new EventSource('/api/v1/runs/live/events');es.onmessage=function(m){var w=JSON.parse(m.data);if(w.progress){['walked','failed','queued','in_flight','discovered'].forEach(function(k){var e=document.getElementById('live-'+k);if(e)e.textContent=w.progress[k];});}var st=document.getElementById('live-state');if(st&&w.state)st.textContent=w.state;if(w.end||w.state==='idle'){es.close();location.reload();}};es.onerror=function(){es.close();};})();";

/// The Runs page's policy: [`LIVE_JS`] by hash, nothing else.
static RUNS_CSP: LazyLock<String> = LazyLock::new(|| super::csp::with_scripts(&[LIVE_JS], false));

/// `/runs`: the walk started here (live), the form to start one, every
/// run recorded, newest first.
pub(super) async fn page(
    State(st): State<AppState>,
    Who(access): Who,
    form: FormToken,
) -> Result<Response, PageError> {
    let runs = newest_first(&st).await?;
    let page = RunsPage {
        search_q: String::new(),
        rows: runs.iter().map(run_row).collect(),
        walks_enabled: st.walks.enabled(),
        through_workers: st.walks.through_workers(),
        may_walk: access.is_admin(),
        csrf: form.token.clone(),
        default_depth: st
            .walks
            .default_depth()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        live: st.walks.live().map(|w| LiveView::of(&w)),
        live_js: LIVE_JS,
    };
    let html = page.render().map_err(ServeError::from)?;
    Ok(form.attach((
        [(header::CONTENT_SECURITY_POLICY, RUNS_CSP.as_str())],
        Html(html),
    )))
}

/// The start form: seeds as text, an optional depth.
#[derive(Debug, Deserialize)]
pub(super) struct StartForm {
    /// Seeds separated by commas, spaces or lines.
    seeds: String,
    /// Links out from the seeds; blank: the server's setting.
    #[serde(default)]
    depth: Option<String>,
}

/// `POST /runs`: starts a walk, back to `/runs` to watch it.
pub(super) async fn start(
    State(st): State<AppState>,
    _admin: RequireAdmin,
    headers: HeaderMap,
    Form(f): Form<StartForm>,
) -> Result<Redirect, PageError> {
    same_origin(&headers)?;
    let depth = match f.depth.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(d.parse::<u32>().map_err(|_| {
            ServeError::BadRequest(format!("depth must be a whole number, not {d:?}"))
        })?),
    };
    st.walks
        .start(WalkRequest::parse(&f.seeds, depth))
        .map_err(refused)?;
    Ok(Redirect::to("/runs"))
}

/// `POST /runs/cancel`: cancels the running walk (its devices in flight
/// get their grace; what was walked is kept).
pub(super) async fn cancel(
    State(st): State<AppState>,
    _admin: RequireAdmin,
    headers: HeaderMap,
) -> Result<Redirect, PageError> {
    same_origin(&headers)?;
    st.walks.cancel();
    Ok(Redirect::to("/runs"))
}

/// `POST /api/v1/runs`: `{"seeds": [...], "max_depth": n}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(super) struct StartJson {
    /// Addresses or names to start from.
    seeds: Vec<String>,
    /// Links out from the seeds; absent: the server's setting.
    #[serde(default)]
    max_depth: Option<u32>,
}

/// `POST /api/v1/runs`: 202 with the walk's live state; 409 while one
/// runs, 400 for bad seeds, 503 when the server cannot walk. (A JSON body
/// only: a cross-site page cannot send one without CORS, which this
/// server never grants.)
#[utoipa::path(post, path = "/api/v1/runs", tag = "runs", request_body = StartJson,
    responses((status = 202, description = "Started; its live state", body = LiveWalk),
              (status = 400, description = "No usable seed", body = ErrorBody),
              (status = 403, description = "Not an admin, or another site's request", body = ErrorBody),
              (status = 409, description = "A walk is running already", body = ErrorBody),
              (status = 503, description = "The server has no device credentials, or is stopping", body = ErrorBody)))]
pub(super) async fn api_start(
    State(st): State<AppState>,
    _admin: RequireAdmin,
    headers: HeaderMap,
    Json(body): Json<StartJson>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    same_origin(&headers)?;
    let req = WalkRequest {
        seeds: body.seeds,
        max_depth: body.max_depth,
    };
    st.walks.start(req).map_err(refused)?;
    let live = serde_json::to_value(st.walks.live()).expect("serialises");
    Ok((StatusCode::ACCEPTED, Json(live)))
}

/// `GET /api/v1/runs/live`: the walk started here last, or `{"state": "idle"}`.
#[utoipa::path(get, path = "/api/v1/runs/live", tag = "runs",
    responses((status = 200, description = "The walk started through this server last (running, finished or failed), or `{\"state\": \"idle\"}`", body = LiveWalk)))]
pub(super) async fn api_live(State(st): State<AppState>) -> Json<serde_json::Value> {
    Json(match st.walks.live() {
        Some(w) => serde_json::to_value(w).expect("serialises"),
        None => serde_json::json!({ "state": "idle" }),
    })
}

/// `GET /api/v1/runs/live/events`: that state now, then on each change
/// (at most four a second) until the walk ends or the server stops.
#[utoipa::path(get, path = "/api/v1/runs/live/events", tag = "runs",
    responses((status = 200, description = "A text/event-stream: each event's data is the live state (as /api/v1/runs/live), the last one has `end`", content_type = "text/event-stream", body = LiveWalk)))]
pub(super) async fn api_live_events(
    State(st): State<AppState>,
) -> Sse<impl futures::Stream<Item = Result<Event, Infallible>>> {
    let stream = futures::stream::unfold((st.walks.follow(), true), |(mut f, first)| async move {
        let v = f.next(first).await?;
        let event = Event::default().data(v.to_string());
        Some((Ok(event), (f, false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn refused(r: Refused) -> ServeError {
    match r {
        Refused::Busy => ServeError::Conflict(r.to_string()),
        Refused::Invalid(_) => ServeError::BadRequest(r.to_string()),
        Refused::Disabled | Refused::Stopping => ServeError::Unavailable(r.to_string()),
    }
}

fn run_row(r: &ApiRun) -> RunRow {
    let count = |f: fn(&StatusCounts) -> u64| r.counts.map(|c| f(&c).to_string());
    RunRow {
        id: r.id,
        state: r.state,
        started: format_time(r.started),
        duration: r
            .duration_seconds
            .map(|s| format!("{}:{:02}", s / 60, s % 60))
            .unwrap_or_default(),
        seeds: r.seeds.join(", "),
        walked: count(|c| c.walked).unwrap_or_default(),
        failed: count(|c| c.failed).unwrap_or_default(),
        other: count(|c| c.filtered + c.skipped + c.neighbor_only).unwrap_or_default(),
    }
}

/// One VLAN of one device, for `GET /api/v1/vlans`.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ApiVlan {
    /// The device's hostname.
    device: String,
    /// The VLAN id.
    id: u16,
    /// Its name on that device.
    name: String,
    /// Its member ports on that device.
    ports: Vec<String>,
    /// Its member port-channels on that device.
    port_channels: Vec<String>,
}

/// `GET /api/v1/vlans`.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct VlanList {
    /// Every (device, VLAN) pair.
    total: usize,
    /// The page size used.
    limit: usize,
    /// Entries skipped before this page.
    offset: usize,
    /// This page, by device name then VLAN id.
    vlans: Vec<ApiVlan>,
}

/// `GET /api/v1/vlans?limit=&offset=`: every device's VLANs.
#[utoipa::path(get, path = "/api/v1/vlans", tag = "devices", params(PageQuery),
    responses((status = 200, description = "Every device's VLANs, by device then VLAN id", body = VlanList),
              (status = 400, description = "Bad paging", body = ErrorBody)))]
pub(super) async fn vlans(
    State(st): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<Json<impl Serialize>, ApiError> {
    let (limit, offset) = q.paging()?;
    let list = st
        .reads
        .read(move |r| {
            let _snap = r.snapshot()?;
            let devices = r.devices()?;
            let names = DeviceNames::of(&devices);
            let mut all: Vec<ApiVlan> = r
                .all_vlans()?
                .into_iter()
                .flat_map(|(id, vlans)| {
                    let device = names.name(id);
                    vlans.into_iter().map(move |v| ApiVlan {
                        device: device.clone(),
                        id: v.id,
                        name: v.name,
                        ports: v.ports,
                        port_channels: v.port_channels,
                    })
                })
                .collect();
            all.sort_by(|a, b| {
                (a.device.to_lowercase(), a.id).cmp(&(b.device.to_lowercase(), b.id))
            });
            Ok(VlanList {
                total: all.len(),
                limit,
                offset,
                vlans: all.into_iter().skip(offset).take(limit).collect(),
            })
        })
        .await?;
    Ok(Json(list))
}
