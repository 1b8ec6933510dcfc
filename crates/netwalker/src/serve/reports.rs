//! The Reports pages: questions about the whole inventory
//! ([`crate::report::analysis`] and the Failures sheet) as HTML tables,
//! each also downloadable as CSV, xlsx and JSON, and the inventory
//! workbook and draw.io diagram a walk writes, built on request from the
//! store. One report, one [`Table`]: every format shows the same rows.

use super::api::{ApiError, ErrorBody};
use super::errors::ServeError;
use super::pages::{PageError, device_path};
use super::router::AppState;
use super::templates::{ReportCell, ReportLink, ReportPage, ReportsPage};
use crate::report::{Scope, analysis};
use crate::site::SitePattern;
use crate::snapshot::Snapshot;
use crate::table::{Table, csv_bytes, tables_json, workbook_bytes};
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

/// Rows a report page shows; the downloads carry every row.
pub(super) const MAX_PAGE_ROWS: usize = 2000;

/// The reports the Reports page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Report {
    Models,
    Vlans,
    Unwalked,
    Failures,
    Identities,
}

impl Report {
    /// In the order the index lists them.
    pub(super) const ALL: [Report; 5] = [
        Report::Models,
        Report::Vlans,
        Report::Unwalked,
        Report::Failures,
        Report::Identities,
    ];

    /// The report's name in paths and file names.
    pub(super) fn slug(self) -> &'static str {
        match self {
            Report::Models => "models",
            Report::Vlans => "vlans",
            Report::Unwalked => "unwalked",
            Report::Failures => "failures",
            Report::Identities => "identities",
        }
    }

    /// Its title: the table's (sheet's) name.
    fn title(self) -> &'static str {
        match self {
            Report::Models => "Models and Versions",
            Report::Vlans => "VLAN Usage",
            Report::Unwalked => "Unwalked Neighbours",
            Report::Failures => "Failures",
            Report::Identities => "Identities",
        }
    }

    /// The question it answers, for the index.
    fn about(self) -> &'static str {
        match self {
            Report::Models => "Walked devices by platform, model and software version.",
            Report::Vlans => "Each VLAN id: its names, how many devices carry it, its ports.",
            Report::Unwalked => {
                "Neighbours seen but never walked (filtered, skipped, or only a neighbour), and who saw them."
            }
            Report::Failures => "Devices that could not be walked, and why.",
            Report::Identities => {
                "Devices known by several names or addresses, and duplicate records."
            }
        }
    }

    fn parse(slug: &str) -> Option<Report> {
        Report::ALL.into_iter().find(|r| r.slug() == slug)
    }

    /// The report's table from one snapshot.
    pub(super) fn table(self, snap: &Snapshot) -> Table {
        match self {
            Report::Models => analysis::models_table(snap),
            Report::Vlans => analysis::vlan_usage_table(snap),
            Report::Unwalked => analysis::unwalked_table(snap),
            Report::Failures => crate::report::failures(snap),
            Report::Identities => analysis::identities_table(snap),
        }
    }
}

/// What `/reports/{file}` names: a report page, one of its downloads, or
/// a whole-inventory file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum File {
    Page(Report),
    Csv(Report),
    Xlsx(Report),
    Workbook,
    Drawio,
}

impl File {
    fn parse(name: &str) -> Option<File> {
        match name {
            "inventory.xlsx" => return Some(File::Workbook),
            "topology.drawio" => return Some(File::Drawio),
            _ => {}
        }
        match name.rsplit_once('.') {
            None => Report::parse(name).map(File::Page),
            Some((stem, "csv")) => Report::parse(stem).map(File::Csv),
            Some((stem, "xlsx")) => Report::parse(stem).map(File::Xlsx),
            Some(_) => None,
        }
    }
}

/// `/reports`: the list, with the downloads.
pub(super) async fn index() -> Result<Html<String>, PageError> {
    let page = ReportsPage {
        search_q: String::new(),
        reports: Report::ALL
            .into_iter()
            .map(|r| ReportLink {
                slug: r.slug(),
                title: r.title(),
                about: r.about(),
            })
            .collect(),
    };
    Ok(Html(page.render().map_err(ServeError::from)?))
}

/// `/reports/{file}`: a report's page, its CSV or xlsx, the inventory
/// workbook, or the draw.io diagram.
pub(super) async fn file(
    State(st): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let Some(file) = File::parse(&name) else {
        return Err(ServeError::NotFound(format!("no report named {name:?}")).into());
    };
    let sites = st.sites.clone();
    st.reads
        .read(move |r| {
            let snap = Snapshot::read(r)?;
            render(file, &snap, sites.as_deref())
        })
        .await
        .map_err(PageError)
}

fn render(
    file: File,
    snap: &Snapshot,
    sites: Option<&SitePattern>,
) -> Result<Response, ServeError> {
    Ok(match file {
        File::Page(r) => Html(report_page(r, &r.table(snap)).render()?).into_response(),
        File::Csv(r) => {
            let bytes = csv_bytes(&r.table(snap)).map_err(|e| export_error("CSV", e))?;
            download(
                "text/csv; charset=utf-8",
                &format!("{}.csv", r.slug()),
                bytes,
            )
        }
        File::Xlsx(r) => {
            let bytes = workbook_bytes(&[r.table(snap)]).map_err(|e| export_error("xlsx", e))?;
            download(XLSX, &format!("{}.xlsx", r.slug()), bytes)
        }
        File::Workbook => {
            let map = sites.map(|p| p.assign(&snap.devices));
            let scope = Scope {
                site: None,
                sites: map.as_ref(),
            };
            let tables = crate::report::inventory_tables(snap, &scope, crate::model::now_unix());
            let bytes = workbook_bytes(&tables).map_err(|e| export_error("xlsx", e))?;
            download(XLSX, "inventory.xlsx", bytes)
        }
        File::Drawio => {
            let opts = crate::diagram::DiagramOptions::default();
            let topo =
                crate::diagram::Topology::build(snap, &opts, None, None, "netwalker topology");
            let text = crate::diagram::render(&topo, crate::diagram::DiagramFormat::Drawio);
            download("application/xml", "topology.drawio", text.into_bytes())
        }
    })
}

/// The xlsx media type.
pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file the browser saves rather than shows (so nothing in it is ever
/// rendered as a page), named `netwalker-<name>`.
pub(super) fn download(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"netwalker-{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub(super) fn export_error(format: &str, e: impl std::fmt::Display) -> ServeError {
    ServeError::Export(format!("cannot build the {format} file: {e}"))
}

/// A report's page: its rows (at most [`MAX_PAGE_ROWS`]), device names
/// linking to their pages.
fn report_page(r: Report, t: &Table) -> ReportPage {
    let linked: Vec<bool> = t
        .columns
        .iter()
        .map(|c| c == "Device" || c == "Seen From")
        .collect();
    ReportPage {
        search_q: String::new(),
        slug: r.slug(),
        title: t.name.clone(),
        about: r.about(),
        columns: t.columns.clone(),
        total: t.rows.len(),
        rows: t
            .rows
            .iter()
            .take(MAX_PAGE_ROWS)
            .map(|row| {
                row.iter()
                    .zip(&linked)
                    .map(|(cell, link)| {
                        let text = cell.to_plain();
                        ReportCell {
                            href: (*link && !text.is_empty()).then(|| device_path(&text)),
                            text,
                        }
                    })
                    .collect()
            })
            .collect(),
        shown: t.rows.len().min(MAX_PAGE_ROWS),
    }
}

/// A report's rows, for scripts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ReportRows {
    /// The report's name in paths.
    report: &'static str,
    /// Its title.
    title: String,
    /// Its rows, each `{column: value}` (numbers stay numbers, blanks are null).
    #[schema(value_type = Vec<Object>)]
    rows: serde_json::Value,
}

/// One report the server offers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ReportInfo {
    /// Its name in paths.
    report: &'static str,
    /// Its title.
    title: &'static str,
    /// The question it answers.
    about: &'static str,
}

/// `GET /api/v1/reports/{name}`: `{"report", "title", "rows": [{column: value}]}`.
#[utoipa::path(get, path = "/api/v1/reports/{name}", tag = "reports",
    params(("name" = String, Path, description = "models, vlans, unwalked, failures or identities")),
    responses((status = 200, description = "The report's rows", body = ReportRows),
              (status = 404, description = "No such report", body = ErrorBody)))]
pub(super) async fn api(
    State(st): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<ReportRows>, ApiError> {
    let Some(report) = Report::parse(&name) else {
        return Err(ServeError::NotFound(format!("no report named {name:?}")).into());
    };
    let rows = st
        .reads
        .read(move |r| {
            let table = report.table(&Snapshot::read(r)?);
            let mut rows = tables_json(std::slice::from_ref(&table));
            Ok(ReportRows {
                report: report.slug(),
                rows: rows[&table.name].take(),
                title: table.name,
            })
        })
        .await?;
    Ok(Json(rows))
}

/// The report index as JSON, for scripts: `GET /api/v1/reports`.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    responses((status = 200, description = "Every report", body = Vec<ReportInfo>)))]
pub(super) async fn api_index() -> Json<Vec<ReportInfo>> {
    Json(
        Report::ALL
            .into_iter()
            .map(|r| ReportInfo {
                report: r.slug(),
                title: r.title(),
                about: r.about(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_parse_to_what_they_name_and_nothing_else() {
        assert_eq!(File::parse("models"), Some(File::Page(Report::Models)));
        assert_eq!(File::parse("vlans.csv"), Some(File::Csv(Report::Vlans)));
        assert_eq!(
            File::parse("failures.xlsx"),
            Some(File::Xlsx(Report::Failures))
        );
        assert_eq!(File::parse("inventory.xlsx"), Some(File::Workbook));
        assert_eq!(File::parse("topology.drawio"), Some(File::Drawio));
        for bad in [
            "",
            "models.exe",
            "nope",
            "models.csv.csv",
            "../models",
            ".csv",
        ] {
            assert_eq!(File::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_report_has_a_distinct_slug_and_title() {
        let slugs: std::collections::BTreeSet<_> = Report::ALL.iter().map(|r| r.slug()).collect();
        let titles: std::collections::BTreeSet<_> = Report::ALL.iter().map(|r| r.title()).collect();
        assert_eq!(slugs.len(), Report::ALL.len());
        assert_eq!(titles.len(), Report::ALL.len());
        for r in Report::ALL {
            assert_eq!(r.table(&Snapshot::default()).name, r.title());
        }
    }
}
