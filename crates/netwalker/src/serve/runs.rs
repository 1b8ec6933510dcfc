//! Runs: each walk the store recorded (when, how long, what it found),
//! as a page (`/runs`) and JSON (`/api/v1/runs`); and every device's
//! VLANs as JSON (`/api/v1/vlans`).
//!
//! A run without a finish time is running, or was interrupted (the
//! process died or was killed): `discover --resume` continues it. The
//! store cannot tell which without taking the writer's lock, which a
//! reader must not, so both say "unfinished".

use super::api::ApiError;
use super::errors::ServeError;
use super::pages::PageError;
use super::query::PageQuery;
use super::router::AppState;
use super::templates::{RunRow, RunsPage};
use crate::model::{DeviceNames, Run, StatusCounts, UnixTime};
use crate::stamp::format_time;
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Serialize;

/// A run as the API lists it.
#[derive(Debug, Serialize)]
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
#[derive(Serialize)]
struct RunList {
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

/// `/runs`: every run, newest first.
pub(super) async fn page(State(st): State<AppState>) -> Result<Html<String>, PageError> {
    let runs = newest_first(&st).await?;
    let page = RunsPage {
        search_q: String::new(),
        rows: runs.iter().map(run_row).collect(),
    };
    Ok(Html(page.render().map_err(ServeError::from)?))
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
#[derive(Serialize)]
struct ApiVlan {
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
#[derive(Serialize)]
struct VlanList {
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
