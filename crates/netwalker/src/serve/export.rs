//! `/devices.csv` and `/devices.xlsx`: exactly the device list's current
//! view (its filters and sort, every page) as a download.

use super::catalogue::Catalogue;
use super::pages::PageError;
use super::query::DeviceQuery;
use super::reports::{XLSX, download, export_error};
use super::router::AppState;
use crate::stamp::format_time;
use crate::table::{Cell, Table, csv_bytes, workbook_bytes};
use axum::extract::{Query, State};
use axum::response::Response;

/// `/devices.csv?...`: the view as CSV.
pub(super) async fn devices_csv(
    State(st): State<AppState>,
    Query(q): Query<DeviceQuery>,
) -> Result<Response, PageError> {
    let table = view(&st, q).await?;
    let bytes = csv_bytes(&table).map_err(|e| export_error("CSV", e))?;
    Ok(download("text/csv; charset=utf-8", "devices.csv", bytes))
}

/// `/devices.xlsx?...`: the view as a workbook of one sheet.
pub(super) async fn devices_xlsx(
    State(st): State<AppState>,
    Query(q): Query<DeviceQuery>,
) -> Result<Response, PageError> {
    let table = view(&st, q).await?;
    let bytes = workbook_bytes(&[table]).map_err(|e| export_error("xlsx", e))?;
    Ok(download(XLSX, "devices.xlsx", bytes))
}

/// The devices `q` selects, all pages (its `limit`/`offset` ignored), in
/// its order, with the list's columns.
async fn view(st: &AppState, q: DeviceQuery) -> Result<Table, PageError> {
    let mut filter = q.filter()?;
    filter.offset = 0;
    filter.limit = usize::MAX;
    let sites = st.sites.clone();
    Ok(st
        .reads
        .read(move |r| {
            let cat = Catalogue::load(r, sites.as_deref())?;
            let mut cols = vec![
                "Hostname",
                "Mgmt IP",
                "Platform",
                "Model",
                "Version",
                "Serial",
                "Status",
                "Last Seen",
            ];
            if cat.has_sites() {
                cols.push("Site");
            }
            let mut t = Table::new("Devices", &cols);
            for d in filter.page(&cat).devices {
                let mut row = vec![
                    Cell::text(&d.hostname),
                    Cell::opt(d.mgmt_ip),
                    Cell::opt(d.platform.map(|p| p.as_str())),
                    Cell::opt(d.model.as_ref()),
                    Cell::opt(d.version.as_ref()),
                    Cell::opt(d.serial.as_ref()),
                    Cell::text(d.status.as_str()),
                    Cell::text(format_time(d.last_seen)),
                ];
                if cat.has_sites() {
                    row.push(Cell::opt(cat.site(d.id)));
                }
                t.rows.push(row);
            }
            Ok(t)
        })
        .await?)
}
