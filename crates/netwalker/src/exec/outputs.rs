//! The files a run is written to: a workbook (one sheet per command), one
//! long CSV, JSON, or one text file per device. [`super::ResultsWriter`]
//! writes the same files while devices finish, from the same columns and
//! names defined here.

use super::{CommandResult, DeviceRun, ExecError, ExecReport};
use crate::fsname::file_stem;
use crate::model::UnixTime;
use crate::stamp::file_stamp;
use crate::table::{self, Cell, Table};
use device_parsers::Platform;
use std::collections::{BTreeSet, HashSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Output formats of `netwalker exec --format`. [`str::parse`] accepts the
/// same spellings as the `clap::ValueEnum` (feature `cli`), aliases included
/// (a unit test holds them equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum ExecFormat {
    /// `Command_Results_<stamp>.xlsx`, one sheet per command.
    #[cfg_attr(feature = "cli", value(alias = "excel"))]
    Xlsx,
    /// `Command_Results_<stamp>.csv`, one row per device and command.
    Csv,
    /// `Command_Results_<stamp>.json`, the whole [`ExecReport`].
    Json,
    /// `Command_Results_<stamp>/<device>.txt`, every command's output.
    #[cfg_attr(feature = "cli", value(alias = "txt"))]
    Text,
}

impl std::str::FromStr for ExecFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "xlsx" | "excel" => Ok(ExecFormat::Xlsx),
            "csv" => Ok(ExecFormat::Csv),
            "json" => Ok(ExecFormat::Json),
            "text" | "txt" => Ok(ExecFormat::Text),
            other => Err(format!(
                "unknown output format {other:?}; expected xlsx, csv, json or text"
            )),
        }
    }
}

/// `Command_Results_<YYYYMMDD-HHMM>` (UTC), the stem of every output.
pub fn results_stem(t: UnixTime) -> String {
    format!("Command_Results_{}", file_stamp(t))
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`, not starting
/// or ending with `'`, unique ignoring case.
pub(super) fn sheet_names(commands: &[String]) -> Vec<String> {
    let mut used: HashSet<String> = HashSet::new();
    commands
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let clean: String = c
                .chars()
                .map(|ch| {
                    if "[]:*?/\\".contains(ch) || ch.is_control() {
                        '_'
                    } else {
                        ch
                    }
                })
                .collect();
            let mut base: String = clean
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .trim_matches('\'')
                .chars()
                .take(31)
                .collect();
            base = base.trim_end_matches('\'').trim().to_string();
            if base.is_empty() || base.eq_ignore_ascii_case("history") {
                base = format!("Command {}", i + 1);
            }
            let mut name = base.clone();
            let mut n = 2;
            while !used.insert(name.to_lowercase()) {
                let suffix = format!(" ({n})");
                let keep = 31 - suffix.chars().count();
                name = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
                n += 1;
            }
            name
        })
        .collect()
}

fn platform_cell(p: Option<Platform>) -> Cell {
    Cell::opt(p.map(|p| p.as_str()))
}

fn parsed_text(r: &CommandResult) -> Cell {
    Cell::opt(r.parsed.as_ref().map(|v| v.to_string()))
}

/// The workbook sheets' columns: Device, IP, Platform, Site, Status, Error,
/// Duration (ms), Output, and Parsed (compact JSON) when the run parsed.
pub(super) fn sheet_columns(parse: bool) -> Vec<&'static str> {
    let mut cols = vec![
        "Device",
        "IP",
        "Platform",
        "Site",
        "Status",
        "Error",
        "Duration (ms)",
        "Output",
    ];
    if parse {
        cols.push("Parsed");
    }
    cols
}

/// One device's row on one command's sheet.
pub(super) fn sheet_row(d: &DeviceRun, r: &CommandResult, parse: bool) -> Vec<Cell> {
    let mut row = vec![
        Cell::text(&d.device),
        Cell::text(d.ip.to_string()),
        platform_cell(d.platform),
        Cell::opt(d.site.as_deref()),
        Cell::text(r.status.as_str()),
        Cell::opt(r.error.as_deref()),
        Cell::int(r.duration_ms.min(i64::MAX as u64) as i64),
        Cell::text(&r.output),
    ];
    if parse {
        row.push(parsed_text(r));
    }
    row
}

/// One table per command (the workbook's sheets), columns as
/// `sheet_columns`.
pub fn command_tables(report: &ExecReport) -> Vec<Table> {
    let cols = sheet_columns(report.parse);
    sheet_names(&report.commands)
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut t = Table::new(name, &cols);
            for d in &report.devices {
                let Some(r) = d.results.get(i) else { continue };
                t.rows.push(sheet_row(d, r, report.parse));
            }
            t
        })
        .collect()
}

/// The long CSV's columns: one row per device and command.
pub(super) fn results_columns(parse: bool) -> Vec<&'static str> {
    let mut cols = vec![
        "Device",
        "IP",
        "Platform",
        "Site",
        "Command",
        "Status",
        "Error class",
        "Error",
        "Duration (ms)",
        "Output",
    ];
    if parse {
        cols.push("Parsed");
    }
    cols
}

/// One device's rows of the long CSV, one per command.
pub(super) fn results_rows(d: &DeviceRun, parse: bool) -> impl Iterator<Item = Vec<Cell>> + '_ {
    d.results.iter().map(move |r| {
        let mut row = vec![
            Cell::text(&d.device),
            Cell::text(d.ip.to_string()),
            platform_cell(d.platform),
            Cell::opt(d.site.as_deref()),
            Cell::text(&r.command),
            Cell::text(r.status.as_str()),
            Cell::opt(r.error_class.as_deref()),
            Cell::opt(r.error.as_deref()),
            Cell::int(r.duration_ms.min(i64::MAX as u64) as i64),
            Cell::text(&r.output),
        ];
        if parse {
            row.push(parsed_text(r));
        }
        row
    })
}

/// The long table for CSV: one row per device and command.
pub fn results_table(report: &ExecReport) -> Table {
    let mut t = Table::new("Results", &results_columns(report.parse));
    for d in &report.devices {
        t.rows.extend(results_rows(d, report.parse));
    }
    t
}

/// Plain text for one device: each command as a `##` header with its status,
/// then the output.
pub fn device_text(d: &DeviceRun) -> String {
    let mut s = format!(
        "# {} ({}), platform {}, via {}\n",
        d.device,
        d.ip,
        d.platform.map(|p| p.as_str()).unwrap_or("unknown"),
        d.transport.as_deref().unwrap_or("no session")
    );
    for r in &d.results {
        s.push_str(&format!(
            "\n## {} [{}, {} ms]\n",
            r.command, r.status, r.duration_ms
        ));
        if let Some(e) = &r.error {
            s.push_str(&format!("!! {e}\n"));
        }
        s.push_str(&r.output);
        if !r.output.is_empty() && !r.output.ends_with('\n') {
            s.push('\n');
        }
    }
    s
}

/// The text format's file name for each device, in order: the device name
/// made safe ([`file_stem`]), or, when two devices share it (ignoring case,
/// as Windows and macOS file systems do), the name and address.
pub(super) fn text_file_names<'a>(
    devices: impl Iterator<Item = (&'a String, IpAddr)>,
) -> Vec<String> {
    let mut used = HashSet::new();
    devices
        .map(|(name, ip)| {
            let mut stem = file_stem(name);
            // `127-0-0-1`, `fe80--1`: an address that needs no hash.
            let ip = ip.to_string().replace(['.', ':'], "-");
            let mut n = 1;
            while !used.insert(stem.to_lowercase()) {
                let extra = if n == 1 {
                    format!("{name}_{ip}")
                } else {
                    format!("{name}_{ip}_{n}")
                };
                stem = file_stem(&extra);
                n += 1;
            }
            format!("{stem}.txt")
        })
        .collect()
}

/// Writes the report in each format under `out_dir` (created if missing),
/// named by `stamp`; returns the paths written (for text: the directory).
pub fn write_results(
    report: &ExecReport,
    out_dir: &Path,
    formats: &BTreeSet<ExecFormat>,
    stamp: UnixTime,
) -> Result<Vec<PathBuf>, ExecError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExecError::Io { path, source }
    };
    std::fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    let stem = results_stem(stamp);
    let mut files = Vec::new();
    for f in formats {
        match f {
            ExecFormat::Xlsx => {
                let path = out_dir.join(format!("{stem}.xlsx"));
                table::write_workbook(&path, &command_tables(report))?;
                files.push(path);
            }
            ExecFormat::Csv => {
                let path = out_dir.join(format!("{stem}.csv"));
                table::write_csv(&path, &results_table(report))?;
                files.push(path);
            }
            ExecFormat::Json => {
                let path = out_dir.join(format!("{stem}.json"));
                let text = serde_json::to_string_pretty(report).expect("the report serialises");
                std::fs::write(&path, text + "\n").map_err(io(&path))?;
                files.push(path);
            }
            ExecFormat::Text => {
                let dir = out_dir.join(&stem);
                std::fs::create_dir_all(&dir).map_err(io(&dir))?;
                let names = text_file_names(report.devices.iter().map(|d| (&d.device, d.ip)));
                for (d, name) in report.devices.iter().zip(names) {
                    let path = dir.join(name);
                    std::fs::write(&path, device_text(d)).map_err(io(&path))?;
                }
                files.push(dir);
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spelling clap accepts for a format (names and aliases) parses
    /// to the same variant through `FromStr`, which library users and
    /// config files go through.
    #[cfg(feature = "cli")]
    fn spellings_agree<T>()
    where
        T: clap::ValueEnum + std::str::FromStr + PartialEq + std::fmt::Debug,
        T::Err: std::fmt::Debug,
    {
        for v in T::value_variants() {
            let pv = v.to_possible_value().expect("no hidden variants");
            for name in pv.get_name_and_aliases() {
                assert_eq!(&name.parse::<T>().unwrap(), v, "{name}");
                assert_eq!(&name.to_uppercase().parse::<T>().unwrap(), v, "{name}");
            }
        }
    }

    #[cfg(feature = "cli")]
    #[test]
    fn format_spellings_are_the_same_for_clap_and_from_str() {
        spellings_agree::<ExecFormat>();
        spellings_agree::<crate::report::ReportFormat>();
        spellings_agree::<crate::diagram::DiagramFormat>();
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let cmds: Vec<String> = [
            "show version",
            "show ip route vrf MGMT | include 0.0.0.0/0",
            "show ip route vrf MGMT | include 0.0.0.0/0 ",
            "SHOW VERSION",
            "'quoted'",
            "history",
            "   ",
        ]
        .map(String::from)
        .to_vec();
        let n = sheet_names(&cmds);
        assert_eq!(n[0], "show version");
        let lower: HashSet<String> = n.iter().map(|s| s.to_lowercase()).collect();
        assert_eq!(lower.len(), n.len(), "{n:?}");
        for s in &n {
            assert!(!s.is_empty() && s.chars().count() <= 31, "{s:?}");
            assert!(!s.contains(['[', ']', ':', '*', '?', '/', '\\']), "{s:?}");
            assert!(!s.starts_with('\'') && !s.ends_with('\''), "{s:?}");
        }
        assert_eq!(n[6], "Command 7");
        assert_eq!(n[5], "Command 6");
    }

    #[test]
    fn formats_parse_and_files_are_stamped() {
        assert_eq!(" CSV ".parse::<ExecFormat>(), Ok(ExecFormat::Csv));
        assert!("pdf".parse::<ExecFormat>().is_err());
        assert_eq!(results_stem(0), "Command_Results_19700101-0000");
    }
}
