//! Reports read from the store: the inventory workbook and its CSV/JSON twins.
//!
//! Entry point: [`write_reports`]. The tables are built once
//! ([`inventory_tables`]) and written in every requested format, so the
//! workbook, CSV and JSON always say the same thing. With a
//! [`ReportOptions::site_pattern`] one extra set of files is written per site,
//! with each connection marked intra-site or external.
//!
//! Reports read a snapshot through a [`StoreReader`], so they can run while a
//! walk is still writing.

pub mod sample;
pub mod site;
pub mod table;
pub mod workbook_stream;

pub use site::{SiteMap, SitePattern, SitePatternError, UNASSIGNED_SITE};
pub use table::{Cell, Table, write_csv, write_json, write_workbook};

use crate::model::{
    Device, DeviceId, DeviceStatus, Interface, Link, Run, UnixTime, normalize_interface,
};
use crate::store::{StoreError, StoreReader};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Output formats of `netwalker report --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum ReportFormat {
    #[value(alias = "excel")]
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

/// Parses `--format csv,json,xlsx`.
pub fn parse_formats(list: &str) -> Result<BTreeSet<ReportFormat>, String> {
    list.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// What [`write_reports`] writes and where.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Created if missing.
    pub out_dir: PathBuf,
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
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write workbook {path}: {source}")]
    Xlsx {
        path: PathBuf,
        source: rust_xlsxwriter::XlsxError,
    },
    #[error("cannot write CSV file {path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
}

/// `YYYYMMDD-HHMM` in UTC, the stamp in report file names.
pub fn file_stamp(t: UnixTime) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .format("%Y%m%d-%H%M")
        .to_string()
}

/// `YYYY-MM-DD HH:MM:SS UTC`, how times appear inside reports.
pub fn format_time(t: UnixTime) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

fn format_duration(secs: i64) -> String {
    let secs = secs.max(0);
    format!("{}h {:02}m {:02}s", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Everything the inventory tables need, read from the store once.
pub struct Snapshot {
    pub devices: Vec<Device>,
    pub links: Vec<Link>,
    pub stacks: BTreeMap<DeviceId, Vec<crate::model::StackMember>>,
    pub vlans: BTreeMap<DeviceId, Vec<crate::model::Vlan>>,
    pub interfaces: BTreeMap<DeviceId, Vec<Interface>>,
    pub runs: Vec<Run>,
}

impl Snapshot {
    pub fn read(store: &StoreReader) -> Result<Snapshot, StoreError> {
        // One read transaction: a walk committing meanwhile cannot make the
        // links name devices the device list lacks.
        let store = &store.snapshot()?;
        let mut devices = store.devices()?;
        devices.sort_by(|a, b| {
            (a.hostname.to_lowercase(), a.id).cmp(&(b.hostname.to_lowercase(), b.id))
        });
        Ok(Snapshot {
            devices,
            links: store.links()?,
            stacks: store.all_stack_members()?,
            vlans: store.all_vlans()?,
            interfaces: store.all_interfaces()?,
            runs: store.runs()?,
        })
    }
}

/// Which devices a set of tables covers.
pub struct Scope<'a> {
    /// `None`: the whole network.
    pub site: Option<&'a str>,
    pub sites: Option<&'a SiteMap>,
}

impl Scope<'_> {
    pub const WHOLE: Scope<'static> = Scope {
        site: None,
        sites: None,
    };

    fn contains(&self, id: DeviceId) -> bool {
        match (self.site, self.sites) {
            (Some(site), Some(map)) => map.site(id) == Some(site),
            _ => true,
        }
    }
}

/// The six inventory sheets: Summary, Devices, Stack Members, Connections,
/// VLANs, Failures. With a site map, Devices gains a Site column and
/// Connections gain Neighbor Site and Scope (intra-site / external).
pub fn inventory_tables(snap: &Snapshot, scope: &Scope<'_>, generated: UnixTime) -> Vec<Table> {
    let by_id: HashMap<DeviceId, &Device> = snap.devices.iter().map(|d| (d.id, d)).collect();
    let name = |id: DeviceId| {
        by_id
            .get(&id)
            .map(|d| d.hostname.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let in_scope: Vec<&Device> = snap
        .devices
        .iter()
        .filter(|d| scope.contains(d.id))
        .collect();
    let site_of = |id: DeviceId| scope.sites.and_then(|m| m.site(id)).map(str::to_string);
    let with_sites = scope.sites.is_some();

    // Devices.
    let mut dev_cols = vec![
        "Hostname",
        "IP",
        "Platform",
        "Model",
        "Serial",
        "Software Version",
        "Uptime",
        "Stack",
        "Stack Role",
        "Stack Members",
        "Depth",
        "Discovered Via",
        "Parent",
        "Connection Method",
        "First Seen",
        "Last Seen",
        "Status",
        "Reason",
        "Warnings",
        "Legacy Crypto",
    ];
    if with_sites {
        dev_cols.push("Site");
    }
    let mut devices = Table::new("Devices", &dev_cols);
    for d in &in_scope {
        let members = snap.stacks.get(&d.id).map(Vec::as_slice).unwrap_or(&[]);
        let is_stack = members.len() > 1;
        // The role of the member the device answers as (its serial), else the
        // active/master member's number: "which box am I logged into".
        let role = members
            .iter()
            .find(|m| m.serial.is_some() && m.serial == d.serial)
            .and_then(|m| m.role.clone())
            .or_else(|| {
                members
                    .iter()
                    .find(|m| {
                        m.role.as_deref().is_some_and(|r| {
                            let r = r.to_ascii_lowercase();
                            r == "active" || r == "master"
                        })
                    })
                    .map(|m| format!("active is switch {}", m.switch))
            });
        let mut row = vec![
            Cell::text(&d.hostname),
            Cell::opt(d.mgmt_ip.or_else(|| d.ips.iter().next().copied())),
            Cell::opt(platform_text(d)),
            Cell::opt(d.model.as_ref()),
            Cell::opt(d.serial.as_ref()),
            Cell::opt(d.version.as_ref()),
            Cell::opt(d.uptime.as_ref()),
            Cell::Bool(is_stack),
            if is_stack {
                Cell::opt(role)
            } else {
                Cell::Empty
            },
            Cell::int(if is_stack { members.len() as i64 } else { 0 }),
            Cell::int(d.depth),
            Cell::opt(d.via),
            Cell::opt(d.parent.map(name)),
            Cell::opt(d.method),
            Cell::text(format_time(d.first_seen)),
            Cell::text(format_time(d.last_seen)),
            Cell::text(d.status.as_str()),
            Cell::opt(d.reason.as_ref()),
            Cell::text(d.warnings.join("\n")),
            Cell::Bool(d.legacy_crypto),
        ];
        if with_sites {
            row.push(Cell::opt(site_of(d.id)));
        }
        devices.rows.push(row);
    }

    // Stack members.
    let mut stack = Table::new(
        "Stack Members",
        &[
            "Device", "Switch", "Role", "Priority", "Model", "Serial", "MAC", "Version", "State",
        ],
    );
    for d in &in_scope {
        for m in snap.stacks.get(&d.id).into_iter().flatten() {
            stack.rows.push(vec![
                Cell::text(&d.hostname),
                Cell::int(m.switch),
                Cell::opt(m.role.as_ref()),
                m.priority.map_or(Cell::Empty, Cell::int),
                Cell::opt(m.model.as_ref()),
                Cell::opt(m.serial.as_ref()),
                Cell::opt(m.mac.as_ref()),
                Cell::opt(m.version.as_ref()),
                Cell::opt(m.state.as_ref()),
            ]);
        }
    }

    // Connections: one row per link end whose device read it (walked), so
    // each device's neighbour view is complete; a link no in-scope walked
    // device reported is listed once, from its first in-scope end.
    let mut conn_cols = vec![
        "Device",
        "Local Interface",
        "Neighbor",
        "Neighbor Interface",
        "Protocols",
        "Neighbor Platform",
        "Neighbor Capabilities",
    ];
    if with_sites {
        conn_cols.extend(["Neighbor Site", "Scope"]);
    }
    let mut connections = Table::new("Connections", &conn_cols);
    let mut conn_rows: Vec<(String, String, Vec<Cell>)> = Vec::new();
    for l in &snap.links {
        let ends = [
            (l.a, &l.a_interface, l.b, &l.b_interface),
            (l.b, &l.b_interface, l.a, &l.a_interface),
        ];
        let in_ends: Vec<_> = ends
            .iter()
            .filter(|e| scope.contains(e.0))
            .take(if l.a == l.b { 1 } else { 2 })
            .collect();
        let walked: Vec<_> = in_ends
            .iter()
            .filter(|e| {
                by_id
                    .get(&e.0)
                    .is_some_and(|d| d.status == DeviceStatus::Walked)
            })
            .copied()
            .collect();
        let chosen = if walked.is_empty() {
            in_ends.into_iter().take(1).collect()
        } else {
            walked
        };
        for &(dev, dev_if, nb, nb_if) in chosen {
            let nbd = by_id.get(&nb);
            let protocols: Vec<&str> = l.protocols.iter().map(|p| p.as_str()).collect();
            let mut row = vec![
                Cell::text(name(dev)),
                Cell::text(dev_if.as_str()),
                Cell::text(name(nb)),
                Cell::text(nb_if.as_str()),
                Cell::text(protocols.join(", ")),
                Cell::opt(nbd.and_then(|d| platform_text(d).or_else(|| d.model.clone()))),
                Cell::text(nbd.map(|d| d.capabilities.join(", ")).unwrap_or_default()),
            ];
            if with_sites {
                let (s1, s2) = (site_of(dev), site_of(nb));
                row.push(Cell::opt(s2.clone()));
                row.push(Cell::text(if s1 == s2 { "intra-site" } else { "external" }));
            }
            conn_rows.push((name(dev).to_lowercase(), dev_if.clone(), row));
        }
    }
    conn_rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    connections.rows = conn_rows.into_iter().map(|(_, _, r)| r).collect();

    // VLANs.
    let mut vlans = Table::new(
        "VLANs",
        &[
            "Device",
            "VLAN",
            "Name",
            "Port Count",
            "Connected Ports",
            "Port-Channels",
            "Ports",
        ],
    );
    for d in &in_scope {
        let up: BTreeSet<String> = snap
            .interfaces
            .get(&d.id)
            .into_iter()
            .flatten()
            .filter(|i| {
                i.status.as_deref().is_some_and(|s| {
                    let s = s.to_ascii_lowercase();
                    s == "connected" || s == "up"
                })
            })
            .map(|i| normalize_interface(&i.name))
            .collect();
        for v in snap.vlans.get(&d.id).into_iter().flatten() {
            let connected = v
                .ports
                .iter()
                .filter(|p| up.contains(&normalize_interface(p)))
                .count();
            vlans.rows.push(vec![
                Cell::text(&d.hostname),
                Cell::int(v.id),
                Cell::text(&v.name),
                Cell::int(v.ports.len() as i64),
                Cell::int(connected as i64),
                Cell::text(v.port_channels.join(", ")),
                Cell::text(v.ports.join(", ")),
            ]);
        }
    }

    // Failures.
    let mut failures = Table::new(
        "Failures",
        &["Device", "IP", "Error Class", "Message", "Attempts"],
    );
    for d in in_scope.iter().filter(|d| d.status == DeviceStatus::Failed) {
        failures.rows.push(vec![
            Cell::text(&d.hostname),
            Cell::opt(d.mgmt_ip.or_else(|| d.ips.iter().next().copied())),
            Cell::opt(d.error_class.as_ref()),
            Cell::opt(d.reason.as_ref()),
            Cell::int(d.failure_count),
        ]);
    }

    let summary = summary_table(
        snap,
        scope,
        &in_scope,
        &connections,
        &stack,
        &vlans,
        generated,
    );
    vec![summary, devices, stack, connections, vlans, failures]
}

fn platform_text(d: &Device) -> Option<String> {
    d.platform
        .map(|p| p.as_str().to_string())
        .or_else(|| d.platform_text.clone())
}

fn summary_table(
    snap: &Snapshot,
    scope: &Scope<'_>,
    in_scope: &[&Device],
    connections: &Table,
    stack: &Table,
    vlans: &Table,
    generated: UnixTime,
) -> Table {
    let mut t = Table::new("Summary", &["Item", "Value"]);
    let mut kv = |k: &str, v: Cell| t.rows.push(vec![Cell::text(k), v]);
    kv("Report generated", Cell::text(format_time(generated)));
    kv(
        "Scope",
        Cell::text(match scope.site {
            Some(s) => format!("site {s}"),
            None => "whole network".into(),
        }),
    );
    let run = snap.runs.last();
    kv("Runs recorded", Cell::int(snap.runs.len() as i64));
    if let Some(run) = run {
        kv("Last run started", Cell::text(format_time(run.started)));
        match run.finished {
            Some(f) => {
                kv("Last run finished", Cell::text(format_time(f)));
                kv(
                    "Last run duration",
                    Cell::text(format_duration(f - run.started)),
                );
            }
            None => kv(
                "Last run finished",
                Cell::text("not finished (interrupted or still running)"),
            ),
        }
        kv("Seeds", Cell::text(seeds_of(run).join(", ")));
    }
    kv("Devices", Cell::int(in_scope.len() as i64));
    for s in DeviceStatus::ALL {
        let n = in_scope.iter().filter(|d| d.status == s).count();
        kv(&format!("Devices {}", s.as_str()), Cell::int(n as i64));
    }
    let ids: BTreeSet<DeviceId> = in_scope.iter().map(|d| d.id).collect();
    let links = snap
        .links
        .iter()
        .filter(|l| ids.contains(&l.a) || ids.contains(&l.b))
        .count();
    kv("Links", Cell::int(links as i64));
    let warned = in_scope.iter().filter(|d| !d.warnings.is_empty()).count();
    kv("Devices with warnings", Cell::int(warned as i64));
    let legacy = in_scope.iter().filter(|d| d.legacy_crypto).count();
    kv("Devices on legacy SSH crypto", Cell::int(legacy as i64));
    kv("Connection rows", Cell::int(connections.rows.len() as i64));
    kv("Stack members", Cell::int(stack.rows.len() as i64));
    kv("VLAN entries", Cell::int(vlans.rows.len() as i64));
    let mut platforms: BTreeMap<String, i64> = BTreeMap::new();
    let mut models: BTreeMap<String, i64> = BTreeMap::new();
    for d in in_scope {
        if let Some(p) = platform_text(d) {
            *platforms.entry(p).or_default() += 1;
        }
        if let Some(m) = &d.model {
            *models.entry(m.clone()).or_default() += 1;
        }
    }
    for (p, n) in platforms {
        kv(&format!("Platform: {p}"), Cell::int(n));
    }
    for (m, n) in models {
        kv(&format!("Model: {m}"), Cell::int(n));
    }
    t
}

/// Seeds as the engine recorded them in the run's options (`"seeds"`: a list
/// of strings or objects).
fn seeds_of(run: &Run) -> Vec<String> {
    match run.options.get("seeds") {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
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
    let pattern = opts
        .site_pattern
        .as_deref()
        .map(SitePattern::new)
        .transpose()?;
    let snap = Snapshot::read(store)?;
    let stamp = file_stamp(opts.timestamp);
    let sites = pattern.as_ref().map(|p| p.assign(&snap.devices));
    let whole = Scope {
        site: None,
        sites: sites.as_ref(),
    };
    let tables = inventory_tables(&snap, &whole, opts.timestamp);
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
            let tables = inventory_tables(&snap, &scope, opts.timestamp);
            let stem = format!("Inventory_{}_{stamp}", crate::fsname::file_stem(&site));
            written.extend(write_tables(&opts.out_dir, &stem, &tables, &opts.formats)?);
        }
    }
    Ok(written)
}
