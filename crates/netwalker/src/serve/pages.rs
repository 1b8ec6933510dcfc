//! The HTML pages: the device list, a device, search, and error pages.
//! Each handler reads and renders on the blocking pool ([`Reads::read`](super::reads::Reads::read)),
//! so neither store reads nor template rendering hold a runtime thread.

use super::auth::Who;
use super::catalogue::Catalogue;
use super::csrf::FormToken;
use super::detail::Detail;
use super::errors::ServeError;
use super::query::{DeviceFilter, DeviceQuery, SortKey};
use super::router::AppState;
use super::search::{self, MAX_HITS, Outcome};
use super::templates::{
    Choice, Column, DevicePage, DeviceRow, DevicesPage, ErrorPage, Fact, SearchPage, SearchRow,
};
use crate::model::{Device, DeviceStatus};
use crate::stamp::format_time;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use device_parsers::Platform;
use serde::Deserialize;

/// A page handler's error: answered with an HTML error page.
pub(super) struct PageError(pub ServeError);

impl From<ServeError> for PageError {
    fn from(e: ServeError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0.status(), &self.0.to_string())
    }
}

/// An HTML error page with `status`; plain text should the template fail.
pub(super) fn error_page(status: StatusCode, message: &str) -> Response {
    let page = ErrorPage {
        search_q: String::new(),
        title: status.to_string(),
        message: message.to_string(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}

/// The path of a device's page, its name percent-encoded as one segment.
pub(super) fn device_path(hostname: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    format!(
        "/devices/{}",
        percent_encoding::utf8_percent_encode(hostname, SEGMENT)
    )
}

/// `/` and `/devices`.
pub(super) async fn devices(
    State(st): State<AppState>,
    Query(q): Query<DeviceQuery>,
) -> Result<Html<String>, PageError> {
    let filter = q.filter()?;
    let sites = st.sites.clone();
    let html = st
        .reads
        .read(move |r| {
            let _snap = r.snapshot()?;
            let cat = Catalogue::load(r, sites.as_deref())?;
            Ok(devices_page(&cat, &q, &filter).render()?)
        })
        .await?;
    Ok(Html(html))
}

/// The device table page for `q` (checked as `f`).
fn devices_page(cat: &Catalogue, q: &DeviceQuery, f: &DeviceFilter) -> DevicesPage {
    let page = f.page(cat);
    let q = q.normalised();
    let shown = page.devices.len();
    let at = |offset: usize| {
        let mut q = q.clone();
        q.offset = (offset > 0).then(|| offset.to_string());
        list_url(&q)
    };
    DevicesPage {
        search_q: String::new(),
        q: q.q.clone().unwrap_or_default(),
        platforms: choices(
            Platform::ALL.map(|p| p.as_str()),
            f.platform.map(|p| p.as_str()),
        ),
        statuses: choices(
            DeviceStatus::ALL.map(|s| s.as_str()),
            f.status.map(|s| s.as_str()),
        ),
        sites: site_choices(cat, f.site.as_deref()),
        limit: f.limit,
        columns: columns(cat.has_sites(), &q, f),
        rows: page.devices.iter().map(|d| device_row(cat, d)).collect(),
        total: page.total,
        export_query: export_query(&q),
        first: if shown == 0 { 0 } else { f.offset + 1 },
        last: f.offset.saturating_add(shown),
        prev: (f.offset > 0 && f.limit > 0).then(|| at(f.offset.saturating_sub(f.limit))),
        next: (shown > 0 && f.offset + shown < page.total).then(|| at(f.offset + shown)),
    }
}

/// The `<option>`s of a filter, `current` selected.
fn choices<'a>(values: impl IntoIterator<Item = &'a str>, current: Option<&str>) -> Vec<Choice> {
    values
        .into_iter()
        .map(|v| Choice {
            value: v.to_string(),
            selected: current == Some(v),
        })
        .collect()
}

fn site_choices(cat: &Catalogue, current: Option<&str>) -> Vec<Choice> {
    let current = current.map(str::to_lowercase);
    cat.site_names()
        .into_iter()
        .map(|s| Choice {
            selected: current.as_deref() == Some(s.to_lowercase().as_str()),
            value: s,
        })
        .collect()
}

/// The column headers, each linking to the list sorted by it (the other
/// way round when it is the current sort), from the first page.
fn columns(with_site: bool, q: &DeviceQuery, f: &DeviceFilter) -> Vec<Column> {
    SortKey::ALL
        .into_iter()
        .filter(|k| with_site || *k != SortKey::Site)
        .map(|k| {
            let current = f.sort == k;
            let mut q = q.clone();
            q.sort = (k != SortKey::Hostname).then(|| k.as_str().to_string());
            q.dir = (current && !f.desc).then(|| "desc".to_string());
            q.offset = None;
            Column {
                label: column_label(k),
                href: list_url(&q),
                arrow: match (current, f.desc) {
                    (false, _) => "",
                    (true, false) => " ▲",
                    (true, true) => " ▼",
                },
            }
        })
        .collect()
}

fn column_label(k: SortKey) -> &'static str {
    match k {
        SortKey::Hostname => "Hostname",
        SortKey::Ip => "Mgmt IP",
        SortKey::Platform => "Platform",
        SortKey::Model => "Model",
        SortKey::Version => "Version",
        SortKey::Serial => "Serial",
        SortKey::Status => "Status",
        SortKey::LastSeen => "Last seen",
        SortKey::Site => "Site",
    }
}

/// `?...` of a query's filters and sort, without paging: the downloads
/// carry the whole view.
fn export_query(q: &DeviceQuery) -> String {
    let mut q = q.clone();
    q.limit = None;
    q.offset = None;
    match serde_urlencoded::to_string(q.normalised()) {
        Ok(s) if !s.is_empty() => format!("?{s}"),
        _ => String::new(),
    }
}

/// `/devices?...` for a query (blank parameters left out).
fn list_url(q: &DeviceQuery) -> String {
    match serde_urlencoded::to_string(q.normalised()) {
        Ok(s) if !s.is_empty() => format!("/devices?{s}"),
        _ => "/devices".to_string(),
    }
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn device_row(cat: &Catalogue, d: &Device) -> DeviceRow {
    DeviceRow {
        hostname: d.hostname.clone(),
        mgmt_ip: d.mgmt_ip.map(|i| i.to_string()).unwrap_or_default(),
        platform: d
            .platform
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        model: text(&d.model),
        version: text(&d.version),
        serial: text(&d.serial),
        status: d.status.as_str().to_string(),
        last_seen: format_time(d.last_seen),
        site: cat.site(d.id).unwrap_or_default().to_string(),
    }
}

/// `/devices/{hostname}`.
pub(super) async fn device(
    State(st): State<AppState>,
    Who(access): Who,
    form: FormToken,
    Path(hostname): Path<String>,
) -> Result<Response, PageError> {
    let sites = st.sites.clone();
    let walks = st.walks.enabled() && access.is_admin();
    let csrf = form.token.clone();
    let html = st
        .reads
        .read(move |r| {
            let _snap = r.snapshot()?;
            let cat = Catalogue::load(r, sites.as_deref())?;
            let d = cat
                .find(&hostname)
                .ok_or_else(|| ServeError::NoDevice(hostname.clone()))?;
            let hosts = super::hosts::hosts_on(r, d.id)?;
            let mut page = device_page(Detail::read(r, &cat, d)?, hosts);
            // "Walk again" dials the address the walk used, else the name.
            page.walk_seed = walks.then(|| {
                d.mgmt_ip
                    .map_or_else(|| d.hostname.clone(), |ip| ip.to_string())
            });
            page.csrf = csrf;
            Ok(page.render()?)
        })
        .await?;
    Ok(form.attach(Html(html)))
}

fn device_page(x: Detail, hosts: Vec<super::hosts::HostRow>) -> DevicePage {
    let d = &x.device;
    DevicePage {
        search_q: String::new(),
        walk_seed: None,
        csrf: String::new(),
        hostname: d.hostname.clone(),
        status: d.status.as_str().to_string(),
        reason: d.reason.clone(),
        parent: x.parent.clone(),
        facts: facts(&x),
        warnings: d.warnings.clone(),
        interfaces: x
            .interfaces
            .iter()
            .map(|i| {
                [
                    i.name.clone(),
                    text(&i.status),
                    text(&i.vlan),
                    text(&i.duplex),
                    text(&i.speed),
                    text(&i.kind),
                    text(&i.ip),
                    text(&i.description),
                ]
            })
            .collect(),
        links: x
            .links
            .iter()
            .map(|l| {
                let by: Vec<&str> = l.protocols.iter().map(|p| p.as_str()).collect();
                [
                    l.a_interface.clone(),
                    l.b.clone(),
                    l.b_interface.clone(),
                    by.join(", "),
                ]
            })
            .collect(),
        stack: x
            .stack_members
            .iter()
            .map(|m| {
                [
                    m.switch.to_string(),
                    text(&m.role),
                    text(&m.model),
                    text(&m.serial),
                    text(&m.version),
                    text(&m.state),
                ]
            })
            .collect(),
        vlans: x
            .vlans
            .iter()
            .map(|v| [v.id.to_string(), v.name.clone(), v.ports.join(", ")])
            .collect(),
        hosts,
    }
}

/// The facts table of a device page; empty values left out.
fn facts(x: &Detail) -> Vec<Fact> {
    let d = &x.device;
    let join = |v: Vec<String>| v.join(", ");
    let all = [
        ("management IP", d.mgmt_ip.map(|i| i.to_string())),
        (
            "addresses",
            Some(join(d.ips.iter().map(|i| i.to_string()).collect())),
        ),
        ("aliases", Some(join(d.aliases.iter().cloned().collect()))),
        ("platform", d.platform.map(|p| p.as_str().to_string())),
        ("model", d.model.clone()),
        ("version", d.version.clone()),
        ("serial", d.serial.clone()),
        ("uptime", d.uptime.clone()),
        ("site", x.site.clone()),
        ("capabilities", Some(join(d.capabilities.clone()))),
        ("neighbour-reported platform", d.platform_text.clone()),
        ("found via", d.via.map(|v| v.as_str().to_string())),
        ("depth", Some(d.depth.to_string())),
        ("logged in over", d.method.map(|m| m.as_str().to_string())),
        (
            "legacy SSH crypto",
            d.legacy_crypto.then(|| "yes".to_string()),
        ),
        ("failure class", d.error_class.clone()),
        (
            "failures in a row",
            (d.failure_count > 0).then(|| d.failure_count.to_string()),
        ),
        ("first seen", Some(format_time(d.first_seen))),
        ("last seen", Some(format_time(d.last_seen))),
    ];
    all.into_iter()
        .filter_map(|(label, v)| {
            v.filter(|v| !v.is_empty())
                .map(|value| Fact { label, value })
        })
        .collect()
}

/// `/search`'s query string.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchQuery {
    /// What to look for.
    pub q: Option<String>,
}

/// What the search handler answers: a redirect to one device, or a page.
enum SearchAnswer {
    /// The one device found.
    Open(String),
    /// The rendered results page.
    Page(String),
}

/// `/search?q=`: one device opens its page (303), several are listed,
/// none says so (200).
pub(super) async fn search(
    State(st): State<AppState>,
    Query(sq): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let q = sq.q.unwrap_or_default().trim().to_string();
    let sites = st.sites.clone();
    let answer = st
        .reads
        .read(move |r| {
            let _snap = r.snapshot()?;
            let cat = Catalogue::load(r, sites.as_deref())?;
            let ports = search_ports(r, &q)?;
            let hits = search::search(&cat, &ports, &q);
            let total = hits.len();
            let hosts: Vec<_> = super::hosts::hosts_for_query(r, &q)?
                .iter()
                .map(|f| super::hosts::HostRow::of(&f.host))
                .collect();
            // End hosts found: list them (and any device) rather than open one.
            let outcome = match hosts.is_empty() {
                true => search::outcome(hits),
                false => Outcome::List(hits),
            };
            Ok(match outcome {
                Outcome::Open(d) => SearchAnswer::Open(device_path(&d.hostname)),
                Outcome::List(hits) => SearchAnswer::Page(
                    SearchPage {
                        rows: hits.iter().take(MAX_HITS).map(search_row).collect(),
                        search_q: q,
                        total,
                        hosts,
                    }
                    .render()?,
                ),
            })
        })
        .await?;
    Ok(match answer {
        SearchAnswer::Open(path) => Redirect::to(&path).into_response(),
        SearchAnswer::Page(html) => Html(html).into_response(),
    })
}

/// Interfaces matching a non-empty query.
pub(super) fn search_ports(
    r: &crate::store::StoreReader,
    q: &str,
) -> Result<Vec<(crate::model::DeviceId, crate::model::Interface)>, ServeError> {
    if q.is_empty() {
        return Ok(Vec::new());
    }
    Ok(r.interfaces_containing(q)?)
}

fn search_row(h: &search::Hit<'_>) -> SearchRow {
    SearchRow {
        hostname: h.device.hostname.clone(),
        mgmt_ip: h.device.mgmt_ip.map(|i| i.to_string()).unwrap_or_default(),
        status: h.device.status.as_str().to_string(),
        matched: h.matched.as_str(),
        value: h.value.clone(),
        on: match h.matched {
            search::Matched::InterfaceDescription => h.interface.clone().unwrap_or_default(),
            _ => String::new(),
        },
    }
}

/// Unknown paths outside the API.
pub(super) async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, "There is no such page.")
}
