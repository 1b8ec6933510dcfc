//! [`ResultsWriter`]: the executor's files written while devices finish,
//! so a run over thousands of devices never holds every output in memory.
//!
//! Devices finish in any order, but the files list them in target order
//! (sorted by name), exactly as [`super::write_results`] does. So:
//! - text files (one per device) are written the moment the device is done;
//! - for CSV, JSON and xlsx each finished device is appended to a spool
//!   (`.<stem>.spool`, one JSON line per device, flushed per device) and
//!   only its offset is kept; at the end the files are assembled from the
//!   spool in target order, one device in memory at a time, and the spool
//!   is removed. The workbook is written in rust_xlsxwriter's
//!   constant-memory mode (rows go to temporary files as they are written).
//!
//! If the program dies mid-run, the text files written so far and the
//! spool (every finished device's full results) stay on disk.

use super::outputs::{
    results_columns, results_rows, sheet_columns, sheet_names, sheet_row, text_file_names,
};
use super::{
    DeviceRun, ExecError, ExecFormat, ExecReport, ExecSink, ExecTarget, device_text, results_stem,
};
use crate::model::UnixTime;
use crate::report::ReportError;
use crate::table::workbook_stream::WorkbookStream;
use crate::table::write_csv_record;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Writes `netwalker exec`'s files as devices finish: hand it to
/// [`super::execute_streaming`], then call [`ResultsWriter::finish`].
pub struct ResultsWriter {
    /// Where the files go.
    out_dir: PathBuf,
    /// `Command_Results_<stamp>`: the files' common name.
    stem: String,
    /// The files `finish` writes.
    formats: BTreeSet<ExecFormat>,
    /// The plan's commands: the workbook's sheet names.
    commands: Vec<String>,
    /// Whether results carry parsed records: adds the Parsed column.
    parse: bool,
    /// Finished devices for the CSV/JSON/xlsx files, when any is wanted.
    spool: Option<Spool>,
    /// The text format's directory and each target's file name in it.
    text: Option<(PathBuf, Vec<String>)>,
}

/// The spool file and where each target's line is in it.
struct Spool {
    /// The spool file, removed by `finish`.
    path: PathBuf,
    /// Appended to as devices finish, flushed per device so a crash keeps them.
    file: BufWriter<File>,
    /// Bytes written so far: the next device's offset.
    len: u64,
    /// (offset, length) per target index, once the device is done.
    at: Vec<Option<(u64, u64)>>,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ExecError + use<> {
    let path = path.to_path_buf();
    move |source| ExecError::Io {
        path: path.clone(),
        source,
    }
}

impl ResultsWriter {
    /// Creates `out_dir` (and the text directory and spool as needed) for a
    /// run of `commands` on `targets`, files named by `stamp`. Fails before
    /// any device is touched when the directory is not writable.
    pub fn create(
        out_dir: &Path,
        formats: &BTreeSet<ExecFormat>,
        stamp: UnixTime,
        targets: &[ExecTarget],
        commands: &[String],
        parse: bool,
    ) -> Result<ResultsWriter, ExecError> {
        std::fs::create_dir_all(out_dir).map_err(io_err(out_dir))?;
        let stem = results_stem(stamp);
        let text = if formats.contains(&ExecFormat::Text) {
            let dir = out_dir.join(&stem);
            std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
            let names = text_file_names(targets.iter().map(|t| (&t.name, t.ip)));
            Some((dir, names))
        } else {
            None
        };
        let spool = if formats.iter().any(|f| *f != ExecFormat::Text) {
            let path = out_dir.join(format!(".{stem}.spool"));
            let file = File::create(&path).map_err(io_err(&path))?;
            Some(Spool {
                path,
                file: BufWriter::new(file),
                len: 0,
                at: vec![None; targets.len()],
            })
        } else {
            None
        };
        Ok(ResultsWriter {
            out_dir: out_dir.to_path_buf(),
            stem,
            formats: formats.clone(),
            commands: commands.to_vec(),
            parse,
            spool,
            text,
        })
    }

    /// Bytes of finished devices on disk in the spool so far (for tests
    /// and progress: it grows as each device is done).
    pub fn spooled_bytes(&self) -> u64 {
        self.spool.as_ref().map_or(0, |s| s.len)
    }

    /// Writes the CSV, JSON and workbook from the spool in target order,
    /// removes the spool and returns the paths written (for text: the
    /// directory), in the order of [`super::write_results`]. `report` is the
    /// run's report (from [`super::execute_streaming`]; outputs not needed).
    pub fn finish(mut self, report: &ExecReport) -> Result<Vec<PathBuf>, ExecError> {
        let mut reader = match self.spool.take() {
            Some(mut s) => {
                s.file.flush().map_err(io_err(&s.path))?;
                drop(s.file);
                let file = File::open(&s.path).map_err(io_err(&s.path))?;
                Some(SpoolReader {
                    path: s.path,
                    file,
                    at: s.at,
                })
            }
            None => None,
        };
        let mut files = Vec::new();
        for f in self.formats.clone() {
            let path = match f {
                ExecFormat::Text => self.out_dir.join(&self.stem),
                ExecFormat::Xlsx => self.out_dir.join(format!("{}.xlsx", self.stem)),
                ExecFormat::Csv => self.out_dir.join(format!("{}.csv", self.stem)),
                ExecFormat::Json => self.out_dir.join(format!("{}.json", self.stem)),
            };
            if let Some(r) = reader.as_mut() {
                match f {
                    ExecFormat::Text => {}
                    ExecFormat::Xlsx => self.write_xlsx(&path, r, report)?,
                    ExecFormat::Csv => self.write_csv(&path, r, report)?,
                    ExecFormat::Json => write_json(&path, r, report)?,
                }
            }
            files.push(path);
        }
        if let Some(r) = reader {
            drop(r.file);
            std::fs::remove_file(&r.path).map_err(io_err(&r.path))?;
        }
        Ok(files)
    }

    fn write_xlsx(
        &self,
        path: &Path,
        r: &mut SpoolReader,
        report: &ExecReport,
    ) -> Result<(), ExecError> {
        let mut wb = WorkbookStream::new(path);
        let cols = sheet_columns(self.parse);
        let n = report.devices.len();
        for name in sheet_names(&self.commands) {
            wb.add_sheet(&name, &cols, n)?;
        }
        for i in 0..n {
            let d = r.device(i, report)?;
            for (sheet, res) in d.results.iter().enumerate().take(self.commands.len()) {
                wb.write_row(sheet, &sheet_row(&d, res, self.parse))?;
            }
        }
        Ok(wb.save()?)
    }

    fn write_csv(
        &self,
        path: &Path,
        r: &mut SpoolReader,
        report: &ExecReport,
    ) -> Result<(), ExecError> {
        let cerr = |source| {
            ExecError::Report(ReportError::Csv {
                path: path.to_path_buf(),
                source,
            })
        };
        let mut w = csv::Writer::from_path(path).map_err(cerr)?;
        w.write_record(results_columns(self.parse)).map_err(cerr)?;
        for i in 0..report.devices.len() {
            let d = r.device(i, report)?;
            for row in results_rows(&d, self.parse) {
                write_csv_record(&mut w, &row).map_err(cerr)?;
            }
        }
        w.flush().map_err(io_err(path))
    }
}

/// `serde_json::to_string_pretty(report)` with the devices read from the
/// spool one at a time: the same bytes as [`super::write_results`] writes.
fn write_json(path: &Path, r: &mut SpoolReader, report: &ExecReport) -> Result<(), ExecError> {
    let err = io_err(path);
    let mut head = report.clone();
    head.devices.clear();
    let head = serde_json::to_string_pretty(&head).expect("the report serialises");
    // `devices` is the last field: `...,\n  "devices": []\n}`.
    let head = head
        .strip_suffix("[]\n}")
        .expect("the report ends with its devices");
    let mut w = BufWriter::new(File::create(path).map_err(&err)?);
    w.write_all(head.as_bytes()).map_err(&err)?;
    if report.devices.is_empty() {
        w.write_all(b"[]\n}\n").map_err(&err)?;
    } else {
        w.write_all(b"[").map_err(&err)?;
        for i in 0..report.devices.len() {
            let d = r.device(i, report)?;
            let text = serde_json::to_string_pretty(&d).expect("a device run serialises");
            w.write_all(if i == 0 { b"\n" } else { b",\n" })
                .map_err(&err)?;
            // Pretty JSON never breaks a line inside a string, so indenting
            // every line nests the device exactly as the whole report would.
            for (k, line) in text.lines().enumerate() {
                if k > 0 {
                    w.write_all(b"\n").map_err(&err)?;
                }
                w.write_all(b"    ").map_err(&err)?;
                w.write_all(line.as_bytes()).map_err(&err)?;
            }
        }
        w.write_all(b"\n  ]\n}\n").map_err(&err)?;
    }
    w.flush().map_err(&err)
}

/// Reads finished devices back from the spool.
struct SpoolReader {
    /// The spool, for error messages and its removal.
    path: PathBuf,
    /// The spool, read back at the recorded offsets.
    file: File,
    /// (offset, length) per target index; `None`: the device never reached the sink.
    at: Vec<Option<(u64, u64)>>,
}

impl SpoolReader {
    /// Target `i`'s run: from the spool, else (never delivered) the
    /// report's summary of it.
    fn device(&mut self, i: usize, report: &ExecReport) -> Result<DeviceRun, ExecError> {
        let Some(Some((offset, len))) = self.at.get(i).copied() else {
            return Ok(report.devices[i].clone());
        };
        let err = io_err(&self.path);
        self.file.seek(SeekFrom::Start(offset)).map_err(&err)?;
        let mut buf = vec![0; len as usize];
        self.file.read_exact(&mut buf).map_err(&err)?;
        serde_json::from_slice(&buf).map_err(|e| {
            err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("spool entry {i} is damaged: {e}"),
            ))
        })
    }
}

impl ExecSink for ResultsWriter {
    fn device_done(&mut self, index: usize, run: &DeviceRun) -> Result<(), ExecError> {
        if let Some((dir, names)) = &self.text
            && let Some(name) = names.get(index)
        {
            let path = dir.join(name);
            std::fs::write(&path, device_text(run)).map_err(io_err(&path))?;
        }
        if let Some(s) = self.spool.as_mut() {
            let err = io_err(&s.path);
            let line = serde_json::to_vec(run).expect("a device run serialises");
            s.file.write_all(&line).map_err(&err)?;
            s.file.write_all(b"\n").map_err(&err)?;
            s.file.flush().map_err(&err)?;
            if let Some(slot) = s.at.get_mut(index) {
                *slot = Some((s.len, line.len() as u64));
            }
            s.len += line.len() as u64 + 1;
        }
        Ok(())
    }
}
