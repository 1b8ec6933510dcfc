//! A workbook written row by row in rust_xlsxwriter's constant-memory mode:
//! each sheet's rows go to a temporary file as they are written, so a
//! workbook of large cells (command outputs) never sits in memory whole.
//! The sheets look like [`super::write_workbook`]'s: an Excel table with
//! autofilter over header and rows, a frozen header, column widths from the
//! first rows, text never written as a formula.
//!
//! The one constraint of the mode: rows go in order, and the table (with
//! its row count) is declared before the first row.

use super::{Cell, WIDTH_SAMPLE_ROWS, column_width, sheet_table, write_cell};
use crate::report::ReportError;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::path::{Path, PathBuf};

/// One sheet being written.
struct Sheet {
    /// Header row: how many cells of a row are written, and the widths' floor.
    columns: Vec<String>,
    /// The next data row (row 0 is the header).
    next_row: u32,
    /// Longest value per column over the sampled rows, in characters.
    longest: Vec<usize>,
}

/// A workbook whose rows are written as they come.
pub struct WorkbookStream {
    /// Where [`WorkbookStream::save`] writes, and what errors name.
    path: PathBuf,
    /// The workbook, its sheets in constant-memory mode.
    wb: Workbook,
    /// Per sheet, by index: what sizing the columns at the end needs.
    sheets: Vec<Sheet>,
    /// The wrap format multi-line cells share (one format, not one per cell).
    wrap: Format,
}

impl WorkbookStream {
    /// A workbook to be saved at `path` (its directory must exist).
    pub fn new(path: &Path) -> WorkbookStream {
        let mut wb = Workbook::new();
        wb.set_zip_compression_level(super::ZIP_LEVEL);
        WorkbookStream {
            path: path.to_path_buf(),
            wb,
            sheets: Vec::new(),
            wrap: Format::new().set_text_wrap(),
        }
    }

    fn xerr(&self) -> impl Fn(XlsxError) -> ReportError + use<> {
        let path = self.path.clone();
        move |source| ReportError::Xlsx {
            path: path.clone(),
            source,
        }
    }

    /// Adds a sheet whose table will hold `rows` data rows; returns its
    /// index for [`WorkbookStream::write_row`].
    pub fn add_sheet(
        &mut self,
        name: &str,
        columns: &[&str],
        rows: usize,
    ) -> Result<usize, ReportError> {
        let xerr = self.xerr();
        let n = self.sheets.len();
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        let ws = self
            .wb
            .add_worksheet_with_constant_memory()
            .map_err(&xerr)?;
        ws.set_name(name).map_err(&xerr)?;
        let ncols = columns.len().max(1) as u16;
        let table = sheet_table(n, name, &columns);
        ws.add_table(0, 0, rows.max(1) as u32, ncols - 1, &table)
            .map_err(&xerr)?;
        ws.set_freeze_panes(1, 0).map_err(&xerr)?;
        self.sheets.push(Sheet {
            longest: vec![0; columns.len()],
            columns,
            next_row: 1,
        });
        Ok(n)
    }

    /// Writes the next row of sheet `sheet` (cells past the header's width
    /// are ignored, as in [`super::write_workbook`]).
    pub fn write_row(&mut self, sheet: usize, row: &[Cell]) -> Result<(), ReportError> {
        let xerr = self.xerr();
        let s = &mut self.sheets[sheet];
        let r = s.next_row;
        s.next_row += 1;
        let ws = self.wb.worksheet_from_index(sheet).map_err(&xerr)?;
        for (c, cell) in row.iter().enumerate().take(s.columns.len()) {
            write_cell(ws, r, c as u16, cell, &self.wrap).map_err(&xerr)?;
            if (r as usize) <= WIDTH_SAMPLE_ROWS {
                s.longest[c] = s.longest[c].max(cell.to_plain().chars().count());
            }
        }
        Ok(())
    }

    /// Sets the column widths and writes the file.
    pub fn save(mut self) -> Result<(), ReportError> {
        let xerr = self.xerr();
        for (i, s) in self.sheets.iter().enumerate() {
            let ws = self.wb.worksheet_from_index(i).map_err(&xerr)?;
            for (c, (longest, h)) in s.longest.iter().zip(&s.columns).enumerate() {
                ws.set_column_width(c as u16, column_width(*longest, h))
                    .map_err(&xerr)?;
            }
        }
        self.wb.save(&self.path).map_err(xerr)
    }
}
