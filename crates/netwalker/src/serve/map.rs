//! `/map`: the interactive topology (the diagram module's HTML page: pan,
//! zoom, search, details, dragging devices, positions kept per view in
//! the browser) of the whole network, one site (`?site=`), or a device's
//! neighbourhood (`?device=NAME&depth=N`, depth 1 to
//! [`MAX_DEPTH`](crate::diagram::MAX_DEPTH)).
//!
//! The only page with script: its Content-Security-Policy allows exactly
//! the diagram's inline script, by its SHA-256 hash, and nothing else
//! (no other script, nothing from elsewhere). Device strings reach the
//! page through the diagram's escaping (XML text, script-safe JSON).

use super::catalogue::Catalogue;
use super::errors::ServeError;
use super::pages::{PageError, device_path};
use super::router::AppState;
use crate::diagram::{DiagramOptions, MAX_DEPTH, PAGE_SCRIPTS, Topology, html_with_links};
use crate::snapshot::Snapshot;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::sync::LazyLock;

/// Most devices one map draws; past it the whole network asks for a site
/// or a device (a page of tens of thousands of boxes helps nobody).
pub(super) const MAX_NODES: usize = 3000;

/// `/map?site=&device=&depth=`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct MapQuery {
    /// Only this site's devices (needs a site pattern).
    site: Option<String>,
    /// The centre of a neighbourhood map.
    device: Option<String>,
    /// Links out from `device` (default 1).
    depth: Option<String>,
}

/// What a map shows.
#[derive(Debug, PartialEq)]
enum View {
    Whole,
    Site(String),
    Around { device: String, depth: u32 },
}

impl MapQuery {
    fn view(&self) -> Result<View, ServeError> {
        let given = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
        let depth = match given(&self.depth) {
            None => 1,
            Some(d) => match d.parse::<u32>() {
                Ok(n) if (1..=MAX_DEPTH).contains(&n) => n,
                _ => {
                    return Err(ServeError::BadRequest(format!(
                        "depth must be a whole number from 1 to {MAX_DEPTH}, not {d:?}"
                    )));
                }
            },
        };
        Ok(match (given(&self.device), given(&self.site)) {
            (Some(device), _) => View::Around { device, depth },
            (None, Some(site)) => View::Site(site),
            (None, None) => View::Whole,
        })
    }
}

/// `Content-Security-Policy` of the map: the diagram's script by hash,
/// inline styles (the page's own `<style>` and SVG colours), nothing else.
static MAP_CSP: LazyLock<String> = LazyLock::new(|| super::csp::with_scripts(&PAGE_SCRIPTS, true));

/// `/map`.
pub(super) async fn map(
    State(st): State<AppState>,
    Query(q): Query<MapQuery>,
) -> Result<Response, PageError> {
    let view = q.view()?;
    let sites = st.sites.clone();
    let html = st
        .reads
        .read(move |r| {
            let snap = Snapshot::read(r)?;
            let map = sites.as_deref().map(|p| p.assign(&snap.devices));
            let opts = DiagramOptions::default();
            let (topo, links) = match &view {
                View::Whole => {
                    let topo = Topology::build(&snap, &opts, map.as_ref(), None, "network map");
                    (topo, vec![home()])
                }
                View::Site(site) => {
                    let Some(map) = &map else {
                        return Err(ServeError::BadRequest(
                            "a site map needs the server started with --site-pattern".into(),
                        ));
                    };
                    let Some(name) = map.sites().into_iter().find(|s| s.eq_ignore_ascii_case(site))
                    else {
                        return Err(ServeError::NotFound(format!("no site named {site:?}")));
                    };
                    let title = format!("site {name}");
                    let topo = Topology::build(&snap, &opts, Some(map), Some(&name), &title);
                    (topo, vec![home()])
                }
                View::Around { device, depth } => {
                    let cat = Catalogue::new(snap.devices.clone(), None);
                    let centre = cat
                        .find(device)
                        .ok_or_else(|| ServeError::NoDevice(device.clone()))?;
                    let part = crate::diagram::neighbourhood(&snap, centre.id, *depth);
                    let title = format!("{} and {depth} hop(s) around", centre.hostname);
                    let topo = Topology::build(&part, &opts, map.as_ref(), None, &title);
                    (topo, around_links(&centre.hostname, *depth))
                }
            };
            if topo.nodes.len() > MAX_NODES {
                return Err(ServeError::BadRequest(format!(
                    "{} devices are too many for one map: open a device's neighbourhood (its page links it) or, with --site-pattern, a site",
                    topo.nodes.len()
                )));
            }
            Ok(html_with_links(&topo, &links))
        })
        .await?;
    Ok((
        [(header::CONTENT_SECURITY_POLICY, MAP_CSP.as_str())],
        Html(html),
    )
        .into_response())
}

fn home() -> (String, String) {
    ("← inventory".to_string(), "/devices".to_string())
}

/// The way back to the device, and one hop less or more.
fn around_links(hostname: &str, depth: u32) -> Vec<(String, String)> {
    let at = |d: u32| format!("/map?device={}&depth={d}", query_value(hostname));
    let mut links = vec![("← device".to_string(), device_path(hostname))];
    if depth > 1 {
        links.push(("− hop".to_string(), at(depth - 1)));
    }
    if depth < MAX_DEPTH {
        links.push(("+ hop".to_string(), at(depth + 1)));
    }
    links
}

/// A query value, percent-encoded.
pub(super) fn query_value(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(site: &str, device: &str, depth: &str) -> MapQuery {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        MapQuery {
            site: opt(site),
            device: opt(device),
            depth: opt(depth),
        }
    }

    #[test]
    fn a_view_is_the_device_first_then_the_site_then_everything() {
        assert_eq!(q("", "", "").view().unwrap(), View::Whole);
        assert_eq!(q("b1", "", "").view().unwrap(), View::Site("b1".into()));
        assert_eq!(
            q("b1", "core1", "").view().unwrap(),
            View::Around {
                device: "core1".into(),
                depth: 1
            }
        );
        for bad in ["0", "7", "-1", "x", "1.5"] {
            assert!(q("", "core1", bad).view().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_policy_names_every_page_script_and_allows_no_other() {
        assert!(MAP_CSP.starts_with("default-src 'none'; script-src 'sha256-"));
        assert_eq!(MAP_CSP.matches("'sha256-").count(), PAGE_SCRIPTS.len());
        let script = MAP_CSP
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!script.contains("unsafe"), "{script}");
    }
}
