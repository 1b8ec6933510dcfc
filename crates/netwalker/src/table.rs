//! Format-neutral tables and their writers (xlsx, CSV, JSON).
//!
//! Every report is built once as [`Table`]s and then written in each format,
//! so the workbook, the CSV files and the JSON always agree. The inventory
//! report, `exec` and `dns-check` all write through here;
//! [`workbook_stream`] writes a workbook row by row for outputs too large to
//! hold. Writing errors are [`ReportError`]s, the error every output file
//! shares.

pub mod workbook_stream;

use crate::report::ReportError;
use rust_xlsxwriter::{Format, Table as XlsxTable, TableColumn, TableStyle, Workbook};
use serde::Serialize;
use std::path::Path;

/// Excel's hard limit on the text in one cell, in UTF-16 code units.
pub const EXCEL_CELL_LIMIT: usize = 32_767;

/// One cell. Numbers stay numbers in the workbook (sortable, summable).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// Nothing known: a blank cell, `null` in JSON.
    Empty,
    /// Text; device text passes [`csv_safe`] in CSV and [`excel_safe`] in xlsx.
    Text(String),
    /// A number we produced (counts, ids): stays a number everywhere.
    Int(i64),
    /// Yes/no: `yes`/`no` in the workbook and CSV, `true`/`false` in JSON.
    Bool(bool),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// `None` becomes an empty cell.
    pub fn opt(s: Option<impl ToString>) -> Cell {
        s.map_or(Cell::Empty, |v| Cell::Text(v.to_string()))
    }

    pub fn int(n: impl Into<i64>) -> Cell {
        Cell::Int(n.into())
    }

    /// The cell as CSV/plain text.
    pub fn to_plain(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        }
    }
}

/// One sheet's worth of data: a header row and rows of the same width.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Sheet name (at most 31 characters, none of `[]:*?/\`).
    pub name: String,
    /// Header row: the sheet's Excel table columns, CSV header, JSON keys.
    pub columns: Vec<String>,
    /// Data rows, each as wide as `columns` (extra cells are not written).
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(name: &str, columns: &[&str]) -> Table {
        Table {
            name: name.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Index of a column by header (tests and callers that pick columns).
    pub fn column(&self, header: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == header)
    }
}

/// Cuts text to Excel's cell limit, ending with a marker that says how much
/// was cut, so a huge value (a long port list) never makes a corrupt or
/// unopenable file. The CSV/JSON outputs keep the full text.
pub fn excel_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let len16: usize = s.encode_utf16().count();
    if len16 <= EXCEL_CELL_LIMIT {
        return std::borrow::Cow::Borrowed(s);
    }
    let total_chars = s.chars().count();
    // The marker is ASCII, so its length in UTF-16 units is its byte length.
    let marker_for = |kept: usize| format!(" …[truncated: {} more characters]", total_chars - kept);
    let budget = EXCEL_CELL_LIMIT - marker_for(0).encode_utf16().count() - 2;
    let mut used = 0;
    let mut kept_chars = 0;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        if used + c.len_utf16() > budget {
            break;
        }
        used += c.len_utf16();
        kept_chars += 1;
        end = i + c.len_utf8();
    }
    std::borrow::Cow::Owned(format!("{}{}", &s[..end], marker_for(kept_chars)))
}

/// Column widths in Excel character units: the longest value seen (headers
/// included, first 2,000 rows sampled), within readable bounds.
fn widths(t: &Table) -> Vec<f64> {
    t.columns
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let longest = t
                .rows
                .iter()
                .take(WIDTH_SAMPLE_ROWS)
                .filter_map(|r| r.get(i))
                .map(|c| c.to_plain().chars().count())
                .max()
                .unwrap_or(0);
            column_width(longest, h)
        })
        .collect()
}

/// Rows [`widths`] samples.
pub(crate) const WIDTH_SAMPLE_ROWS: usize = 2000;

/// A column's width from its longest value (in characters) and header.
pub(crate) fn column_width(longest: usize, header: &str) -> f64 {
    // Room for the filter button.
    longest.max(header.chars().count() + 3).clamp(6, 60) as f64 + 1.0
}

/// Writes one cell (row `r` > 0, below the header): text cut to Excel's
/// limit ([`excel_safe`]) and always a string, never a formula; multi-line
/// text wraps.
pub(crate) fn write_cell(
    ws: &mut rust_xlsxwriter::Worksheet,
    r: u32,
    c: u16,
    cell: &Cell,
    wrap: &Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(s) => {
            let s = excel_safe(s);
            if s.contains('\n') {
                ws.write_string_with_format(r, c, s.as_ref(), wrap)?;
            } else {
                ws.write_string(r, c, s.as_ref())?;
            }
        }
        Cell::Int(v) => {
            ws.write_number(r, c, *v as f64)?;
        }
        Cell::Bool(b) => {
            ws.write_string(r, c, if *b { "yes" } else { "no" })?;
        }
    }
    Ok(())
}

/// The Excel table on a sheet: header row 0, data rows 1..=`rows` (at least
/// one: Excel tables need a data row), autofilter, one style for all.
pub(crate) fn sheet_table(n: usize, sheet: &str, columns: &[String]) -> XlsxTable {
    let columns: Vec<TableColumn> = columns
        .iter()
        .map(|h| TableColumn::new().set_header(h))
        .collect();
    XlsxTable::new()
        .set_name(format!("t{}_{}", n + 1, table_name(sheet)))
        .set_style(TableStyle::Medium2)
        .set_autofilter(true)
        .set_columns(&columns)
}

/// Deflate level of the workbooks' zip: the fastest. Sheet XML is so
/// repetitive that level 1 files are only slightly larger than level 6
/// ones, and saving a large workbook was mostly spent compressing.
pub(crate) const ZIP_LEVEL: u8 = 1;

/// Writes tables as one workbook: one sheet per table, each an Excel table
/// with autofilter and a frozen header row.
pub fn write_workbook(path: &Path, tables: &[Table]) -> Result<(), ReportError> {
    let xerr = |source| ReportError::Xlsx {
        path: path.to_path_buf(),
        source,
    };
    let mut wb = workbook(tables).map_err(xerr)?;
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    wb.save(path).map_err(xerr)
}

/// The tables as an xlsx file's bytes (a download), as [`write_workbook`]
/// writes them.
pub fn workbook_bytes(tables: &[Table]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    workbook(tables)?.save_to_buffer()
}

/// A workbook of one sheet (an Excel table) per table. The sheets are
/// filled on two threads, the tables split between them by rows (a walk's
/// End Hosts sheet alone has tens of thousands): each sheet is its own
/// file until the workbook is saved.
fn workbook(tables: &[Table]) -> Result<Workbook, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(ZIP_LEVEL);
    for t in tables {
        // Constant memory: rows go to the sheet's XML as they are written,
        // strings inline, no per-cell map or shared-string table to build
        // (a 28,282-host workbook: 0.65 -> 0.51 s CPU, 200 -> 110 MiB peak).
        wb.add_worksheet_with_constant_memory()?.set_name(&t.name)?;
    }
    // The sheets share the workbook's format table, and rust_xlsxwriter
    // adds a format to it without re-checking after its read lock: two
    // threads meeting their first wrapped cell at once could both add it,
    // leaving cells pointing at a style that is not saved (a workbook
    // Excel calls corrupt). Registered here, before the threads, both
    // only ever find it.
    wb.register_format(&wrap_format());
    let (mine, theirs) = split_by_rows(tables, wb.worksheets_mut());
    std::thread::scope(|scope| {
        let other = scope.spawn(|| fill_all(theirs));
        let here = fill_all(mine);
        // A panic in the other thread is a bug in the writer: raise it here.
        let there = other
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        here.and(there)
    })?;
    Ok(wb)
}

/// A sheet to fill and its table, with the table's position (its Excel
/// table needs a workbook-unique name).
type Sheet<'a> = (usize, &'a Table, &'a mut rust_xlsxwriter::Worksheet);

/// The sheets in two groups of about equal rows, largest table first.
fn split_by_rows<'a>(
    tables: &'a [Table],
    sheets: &'a mut [rust_xlsxwriter::Worksheet],
) -> (Vec<Sheet<'a>>, Vec<Sheet<'a>>) {
    let mut all: Vec<Sheet<'a>> = tables
        .iter()
        .zip(sheets.iter_mut())
        .enumerate()
        .map(|(n, (t, ws))| (n, t, ws))
        .collect();
    all.sort_by_key(|(_, t, _)| std::cmp::Reverse(t.rows.len()));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut rows_a, mut rows_b) = (0, 0);
    for sheet in all {
        let rows = sheet.1.rows.len() + 1;
        if rows_a <= rows_b {
            rows_a += rows;
            a.push(sheet);
        } else {
            rows_b += rows;
            b.push(sheet);
        }
    }
    (a, b)
}

/// The format of a cell whose text has line breaks.
fn wrap_format() -> Format {
    Format::new().set_text_wrap()
}

fn fill_all(sheets: Vec<Sheet<'_>>) -> Result<(), rust_xlsxwriter::XlsxError> {
    let wrap = wrap_format();
    for (n, t, ws) in sheets {
        fill(ws, n, t, &wrap)?;
    }
    Ok(())
}

/// One table on its sheet: the Excel table over it, a frozen header,
/// the rows, column widths.
fn fill(
    ws: &mut rust_xlsxwriter::Worksheet,
    n: usize,
    t: &Table,
    wrap: &Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let ncols = t.columns.len().max(1) as u16;
    // The table (its header row) first: constant-memory rows are written
    // out in order. Excel tables need at least one data row; an empty
    // sheet gets a blank one.
    let last_row = t.rows.len().max(1) as u32;
    ws.add_table(
        0,
        0,
        last_row,
        ncols - 1,
        &sheet_table(n, &t.name, &t.columns),
    )?;
    ws.set_freeze_panes(1, 0)?;
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate().take(ncols as usize) {
            write_cell(ws, r, c as u16, cell, wrap)?;
        }
    }
    for (c, w) in widths(t).into_iter().enumerate() {
        ws.set_column_width(c as u16, w)?;
    }
    Ok(())
}

fn table_name(sheet: &str) -> String {
    sheet
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Characters that make a spreadsheet read a CSV cell as a formula (OWASP's
/// CSV injection list): `=`, `+`, `-`, `@`, tab and carriage return.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text value made safe for a CSV cell: one that a spreadsheet would take
/// for a formula (`=cmd|' /C calc'!A0`, `@SUM(...)`, `-2+3`) gets a leading
/// `'`, so Excel, LibreOffice and Sheets show it as text instead of running
/// it. Device names and outputs are attacker-controlled, so every CSV the
/// program writes passes its text cells through this. Numbers we wrote
/// ourselves ([`Cell::Int`]) are not text and stay numbers.
pub fn csv_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

impl Cell {
    /// The cell as a CSV field: [`Cell::to_plain`], with text through
    /// [`csv_safe`].
    pub fn to_csv(&self) -> String {
        match self {
            Cell::Text(s) => csv_safe(s).into_owned(),
            other => other.to_plain(),
        }
    }
}

/// Writes CSV records whose text goes through [`csv_safe`]; every CSV the
/// program writes goes through here.
pub fn write_csv_record<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    row: &[Cell],
) -> Result<(), csv::Error> {
    w.write_record(row.iter().map(Cell::to_csv))
}

/// Writes one table as CSV (header row first).
pub fn write_csv(path: &Path, t: &Table) -> Result<(), ReportError> {
    let cerr = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut w = csv::Writer::from_path(path).map_err(cerr)?;
    csv_table(&mut w, t).map_err(cerr)?;
    w.flush().map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// One table as CSV bytes (a download), as [`write_csv`] writes it.
pub fn csv_bytes(t: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    csv_table(&mut w, t)?;
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The header row, then every row.
fn csv_table<W: std::io::Write>(w: &mut csv::Writer<W>, t: &Table) -> Result<(), csv::Error> {
    w.write_record(t.columns.iter().map(|c| csv_safe(c).into_owned()))?;
    for row in &t.rows {
        write_csv_record(w, row)?;
    }
    Ok(())
}

/// The tables as JSON: `{"<sheet>": [{"<column>": value, ...}, ...], ...}`.
pub fn tables_json(tables: &[Table]) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for t in tables {
        let rows: Vec<serde_json::Value> = t
            .rows
            .iter()
            .map(|r| {
                let obj: serde_json::Map<String, serde_json::Value> = t
                    .columns
                    .iter()
                    .zip(r)
                    .map(|(h, c)| (h.clone(), serde_json::to_value(c).expect("cell serialises")))
                    .collect();
                serde_json::Value::Object(obj)
            })
            .collect();
        out.insert(t.name.clone(), serde_json::Value::Array(rows));
    }
    serde_json::Value::Object(out)
}

/// Writes [`tables_json`] to a file, pretty-printed.
pub fn write_json(path: &Path, tables: &[Table]) -> Result<(), ReportError> {
    let text = serde_json::to_string_pretty(&tables_json(tables)).expect("JSON values serialise");
    std::fs::write(path, text + "\n").map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_safe_quotes_formula_starts_only() {
        for s in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=cmd|' /C calc'!A0",
        ] {
            assert_eq!(csv_safe(s), format!("'{s}"), "{s:?}");
        }
        for s in ["", "sw1", "'already", " =x", "1-2", "a=b"] {
            assert_eq!(csv_safe(s), s, "{s:?}");
        }
        assert_eq!(Cell::int(-5).to_csv(), "-5", "our numbers stay numbers");
        assert_eq!(Cell::text("-5").to_csv(), "'-5");
    }

    #[test]
    fn excel_safe_cuts_to_the_limit_with_a_marker() {
        let short = "x".repeat(EXCEL_CELL_LIMIT);
        assert!(matches!(excel_safe(&short), std::borrow::Cow::Borrowed(_)));
        let long = "é".repeat(40_000);
        let cut = excel_safe(&long);
        assert!(cut.encode_utf16().count() <= EXCEL_CELL_LIMIT);
        assert!(
            cut.ends_with("more characters]"),
            "{}",
            &cut[cut.len() - 50..]
        );
        let kept = cut.chars().take_while(|c| *c == 'é').count();
        assert!(cut.contains(&format!("{} more", 40_000 - kept)));
        // Astral characters take two UTF-16 units each.
        let emoji = "🖧".repeat(20_000);
        assert!(excel_safe(&emoji).encode_utf16().count() <= EXCEL_CELL_LIMIT);
    }
}
