//! XLSX through rust_xlsxwriter in constant-memory mode (rows stream to temporary files).
//!
//! A table is a sheet, named as in the input. Cells of columns the reader saw as numbers,
//! booleans or dates are written typed when the value still parses as one; every other
//! cell is a string. `mixed` columns are written as strings.

use std::path::Path;

use calamine::Reader;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use shuan_source::{Cell, TableMeta};

use crate::staged::Staged;
use crate::{SinkError, TableWriter};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Number,
    Bool,
    DateTime,
}

struct XlsxWriter {
    staged: Staged,
    workbook: Workbook,
    input_sheets: Vec<String>,
    sheet: usize,
    kinds: Vec<Kind>,
    next_row: u32,
    date_format: Format,
    date_time_format: Format,
}

pub(crate) fn create(
    out: &Path,
    input_path: &Path,
    meta: &TableMeta,
) -> Result<Box<dyn TableWriter>, SinkError> {
    let input_sheets = calamine::open_workbook_auto(input_path)
        .map_err(|e| SinkError::new(input_path, format!("cannot read the workbook: {e}")))?
        .sheet_names();
    let mut writer = XlsxWriter {
        staged: Staged::create(out)?,
        workbook: Workbook::new(),
        input_sheets,
        sheet: 0,
        kinds: Vec::new(),
        next_row: 0,
        date_format: Format::new().set_num_format("yyyy-mm-dd"),
        date_time_format: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
    };
    writer.start_sheet(meta)?;
    Ok(Box::new(writer))
}

impl XlsxWriter {
    /// The input's name of the sheet a table came from: `book#Sheet2` is `Sheet2`; a
    /// workbook read as one table (one non-empty sheet) is named after the file, so its
    /// first sheet's name is used.
    fn sheet_name(&self, meta: &TableMeta) -> String {
        self.input_sheets
            .iter()
            .filter(|sheet| meta.name.ends_with(&format!("#{sheet}")))
            .max_by_key(|sheet| sheet.len())
            .or(self.input_sheets.first())
            .cloned()
            .unwrap_or_else(|| "Sheet1".to_owned())
    }

    fn start_sheet(&mut self, meta: &TableMeta) -> Result<(), SinkError> {
        let name = self.sheet_name(meta);
        let staged = &self.staged;
        let failed = |e: XlsxError| staged.error(format!("sheet {name}: {e}"));
        let sheet = self
            .workbook
            .add_worksheet_with_constant_memory()
            .and_then(|sheet| sheet.set_name(&name))
            .map_err(failed)?;
        for (index, column) in meta.columns.iter().enumerate() {
            sheet
                .write_string(0, column_index(staged, index)?, &column.name)
                .map_err(failed)?;
        }
        self.sheet = self.workbook.worksheets().len() - 1;
        self.kinds = meta
            .columns
            .iter()
            .map(|column| match column.data_type.as_deref() {
                Some("number") => Kind::Number,
                Some("bool") => Kind::Bool,
                Some("datetime") => Kind::DateTime,
                _ => Kind::Text,
            })
            .collect();
        self.next_row = 1;
        Ok(())
    }
}

fn column_index(staged: &Staged, index: usize) -> Result<u16, SinkError> {
    u16::try_from(index)
        .ok()
        .filter(|&column| column < 16_384)
        .ok_or_else(|| staged.error("more than 16,384 columns do not fit a sheet"))
}

/// `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`, as the reader renders spreadsheet dates.
fn is_rendered_date(value: &str) -> bool {
    let bytes = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    let date = bytes.len() >= 10
        && digits(0..4)
        && bytes[4] == b'-'
        && digits(5..7)
        && bytes[7] == b'-'
        && digits(8..10);
    date && (bytes.len() == 10
        || (bytes.len() == 19
            && bytes[10] == b' '
            && digits(11..13)
            && bytes[13] == b':'
            && digits(14..16)
            && bytes[16] == b':'
            && digits(17..19)))
}

impl TableWriter for XlsxWriter {
    fn write_row(&mut self, row: &[Cell]) -> Result<(), SinkError> {
        if row.len() != self.kinds.len() {
            return Err(self.staged.error(format!(
                "a row of {} cells for {} columns",
                row.len(),
                self.kinds.len()
            )));
        }
        let row_index = self.next_row;
        let staged = &self.staged;
        let failed = |e: XlsxError| staged.error(format!("row {row_index}: {e}"));
        let sheet = self
            .workbook
            .worksheet_from_index(self.sheet)
            .map_err(failed)?;
        for (index, (cell, kind)) in row.iter().zip(&self.kinds).enumerate() {
            let Some(value) = cell else { continue };
            let column = column_index(staged, index)?;
            match kind {
                Kind::Number if value.parse::<f64>().is_ok_and(f64::is_finite) => {
                    sheet.write_number(row_index, column, value.parse::<f64>().unwrap_or(0.0))
                }
                Kind::Bool if value == "true" || value == "false" => {
                    sheet.write_boolean(row_index, column, value == "true")
                }
                Kind::DateTime if is_rendered_date(value) => {
                    match ExcelDateTime::parse_from_str(value) {
                        Ok(when) => {
                            let format = if value.len() == 10 {
                                &self.date_format
                            } else {
                                &self.date_time_format
                            };
                            sheet.write_datetime_with_format(row_index, column, &when, format)
                        }
                        Err(_) => sheet.write_string(row_index, column, value),
                    }
                }
                _ => sheet.write_string(row_index, column, value),
            }
            .map_err(failed)?;
        }
        self.next_row = self
            .next_row
            .checked_add(1)
            .filter(|&next| next < 1_048_576)
            .ok_or_else(|| {
                self.staged
                    .error("more than 1,048,576 rows do not fit a sheet")
            })?;
        Ok(())
    }

    fn next_table(&mut self, meta: &TableMeta) -> Result<(), SinkError> {
        self.start_sheet(meta)
    }

    fn finish(mut self: Box<Self>) -> Result<(), SinkError> {
        let path = self.staged.temp_path().to_owned();
        self.workbook
            .save(&path)
            .map_err(|e| self.staged.error(format!("cannot write the workbook: {e}")))?;
        self.staged.commit()
    }
}
