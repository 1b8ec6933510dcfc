//! Reports read from the store: the inventory workbook and its CSV/JSON twins.
//!
//! Entry point: [`write_reports`]. The tables are built once
//! ([`inventory_tables`]) and written in every requested format, so the
//! workbook, CSV and JSON always say the same thing. With a
//! [`ReportOptions::site_pattern`] one extra set of files is written per site,
//! with each connection marked intra-site or external.
//!
//! Reports read a [`Snapshot`] through a [`StoreReader`], so they can run
//! while a walk is still writing. The table model and its writers live in
//! [`crate::table`], sites in [`crate::site`], file stamps in
//! [`crate::stamp`].

pub mod analysis;
mod endhosts;
mod inventory;

pub use inventory::{Scope, failures, inventory_tables};

use crate::model::UnixTime;
use crate::site::{SitePattern, SitePatternError};
use crate::snapshot::Snapshot;
use crate::stamp::file_stamp;
use crate::store::{StoreError, StoreReader};
use crate::table::{Table, write_csv, write_json, write_workbook};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Output formats of `netwalker report --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum ReportFormat {
    #[cfg_attr(feature = "cli", value(alias = "excel"))]
    Xlsx,
    Csv,
    Json,
}

impl std::str::FromStr for ReportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "xlsx" | "excel" => Ok(ReportFormat::Xlsx),
            "csv" => Ok(ReportFormat::Csv),
            "json" => Ok(ReportFormat::Json),
            other => Err(format!(
                "unknown report format {other:?}; expected xlsx, csv or json"
            )),
        }
    }
}

/// What [`write_reports`] writes and where.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Created if missing.
    pub out_dir: PathBuf,
    /// Which files to write: one workbook, CSV per sheet, one JSON.
    pub formats: BTreeSet<ReportFormat>,
    /// `--site-pattern`: also write one set of files per site (see [`SitePattern`]).
    pub site_pattern: Option<String>,
    /// Names the files (`Inventory_<YYYYMMDD-HHMM>`, UTC) and is the
    /// "generated" time in the Summary; injectable so tests know the names.
    pub timestamp: UnixTime,
}

impl ReportOptions {
    /// The workbook only, stamped now.
    pub fn new(out_dir: impl Into<PathBuf>) -> ReportOptions {
        ReportOptions {
            out_dir: out_dir.into(),
            formats: BTreeSet::from([ReportFormat::Xlsx]),
            site_pattern: None,
            timestamp: crate::model::now_unix(),
        }
    }
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot read the store for the report: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    SitePattern(#[from] SitePatternError),
    #[error(
        "cannot write {path}: {source}; check that the directory is writable or choose another --out"
    )]
    Io {
        /// The file or directory that could not be written.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    #[error("cannot write workbook {path}: {source}")]
    Xlsx {
        /// The workbook that could not be written.
        path: PathBuf,
        /// Why.
        source: rust_xlsxwriter::XlsxError,
    },
    #[error("cannot write CSV file {path}: {source}")]
    Csv {
        /// The CSV file that could not be written.
        path: PathBuf,
        /// Why.
        source: csv::Error,
    },
}

/// Writes one set of tables in every requested format under `stem`.
pub fn write_tables(
    out_dir: &Path,
    stem: &str,
    tables: &[Table],
    formats: &BTreeSet<ReportFormat>,
) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(out_dir).map_err(|source| ReportError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for f in formats {
        match f {
            ReportFormat::Xlsx => {
                let p = out_dir.join(format!("{stem}.xlsx"));
                write_workbook(&p, tables)?;
                written.push(p);
            }
            ReportFormat::Csv => {
                for t in tables {
                    let p = out_dir.join(format!("{stem}_{}.csv", t.name.replace(' ', "_")));
                    write_csv(&p, t)?;
                    written.push(p);
                }
            }
            ReportFormat::Json => {
                let p = out_dir.join(format!("{stem}.json"));
                write_json(&p, tables)?;
                written.push(p);
            }
        }
    }
    Ok(written)
}

/// `netwalker report`: writes `Inventory_<YYYYMMDD-HHMM>` in each format of
/// `opts.formats` (xlsx: one workbook; csv: one file per sheet,
/// `Inventory_<ts>_<Sheet>.csv`; json: one file keyed by sheet), plus with a
/// site pattern `Inventory_<site>_<ts>...` per site. Returns every path written.
pub fn write_reports(
    store: &StoreReader,
    opts: &ReportOptions,
) -> Result<Vec<PathBuf>, ReportError> {
    // A bad pattern is refused before the store is read.
    let pattern = site_pattern(opts)?;
    let snap = Snapshot::read(store)?;
    write_reports_of(&snap, pattern, opts)
}

/// [`write_reports`] from a snapshot already read (a discover run reads one
/// for the workbook and the diagrams).
pub fn write_reports_from(
    snap: &Snapshot,
    opts: &ReportOptions,
) -> Result<Vec<PathBuf>, ReportError> {
    write_reports_of(snap, site_pattern(opts)?, opts)
}

/// The options' site pattern, compiled (a bad one is a usage error).
fn site_pattern(opts: &ReportOptions) -> Result<Option<SitePattern>, ReportError> {
    Ok(opts
        .site_pattern
        .as_deref()
        .map(SitePattern::new)
        .transpose()?)
}

fn write_reports_of(
    snap: &Snapshot,
    pattern: Option<SitePattern>,
    opts: &ReportOptions,
) -> Result<Vec<PathBuf>, ReportError> {
    let stamp = file_stamp(opts.timestamp);
    let sites = pattern.map(|p| p.assign(&snap.devices));
    let whole = Scope {
        site: None,
        sites: sites.as_ref(),
    };
    let tables = inventory_tables(snap, &whole, opts.timestamp);
    let mut written = write_tables(
        &opts.out_dir,
        &format!("Inventory_{stamp}"),
        &tables,
        &opts.formats,
    )?;
    if let Some(map) = &sites {
        for site in map.sites() {
            let scope = Scope {
                site: Some(&site),
                sites: Some(map),
            };
            let tables = inventory_tables(snap, &scope, opts.timestamp);
            let stem = format!("Inventory_{}_{stamp}", crate::fsname::file_stem(&site));
            written.extend(write_tables(&opts.out_dir, &stem, &tables, &opts.formats)?);
        }
    }
    Ok(written)
}
