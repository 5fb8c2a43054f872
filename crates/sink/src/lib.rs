//! Writers of tables and text in the shape of the input they were read from.
//!
//! `shuan mask` and `shuan watermark` read a file with `shuan-source`, change cells and must
//! write a file a consumer of the original can read the same way: same format, same
//! encoding, same columns, same types where the values allow. One entry point per kind:
//!
//! - [`create_like`] for tables: CSV/TSV (the input's encoding, BOM and delimiter), NDJSON
//!   and JSON arrays (numbers, booleans and nested values stay JSON, not strings), Parquet
//!   (the input's physical and logical column types), XLSX (a sheet per table, numbers,
//!   booleans and dates as typed cells). Rows go out as they come: memory stays bounded.
//! - [`create_csv`] for tables that come from no file (database tables): UTF-8 CSV.
//! - [`DbSink`] for tables copied into a database: created with the same column names,
//!   every column `TEXT`, filled in one transaction per table.
//! - [`create_text_like`] for text (logs): lines written back in the input's encoding.
//!
//! Types follow [`TableMeta`]: a column keeps its input type (`ColumnMeta::data_type` as
//! `shuan-source` reports it) unless the caller sets `data_type` to `None`, which makes the
//! column text. A caller whose operator changes a value's type (a masked number `138****8000`)
//! clears the type; a value that does not fit a kept type is an error, never a silent change.
//!
//! Outputs are staged in a temporary file beside the target and moved into place by
//! `finish`: a failed or abandoned write leaves no partial file at the output path.
//!
//! Architecture invariant: knows nothing of entities, labels or operators; never logs values.

mod csv_out;
mod db_out;
mod json_out;
mod parquet_out;
mod staged;
mod text_out;
mod xlsx_out;

use std::fs::File;
use std::io::Read;
use std::path::Path;

use shuan_source::{Cell, TableMeta};

pub use csv_out::create_csv;
pub use db_out::DbSink;
pub use text_out::{TextWriter, create_text_like};

/// A writer of one table's rows (or, for a workbook, of one sheet after another).
pub trait TableWriter {
    /// Writes one row; `row` has one cell per column of the table's [`TableMeta`]. `None`
    /// is a null (an empty field in CSV, `null` in JSON, an empty cell in XLSX).
    fn write_row(&mut self, row: &[Cell]) -> Result<(), SinkError>;
    /// Ends the current table and starts the next one in the same file: the next sheet of
    /// a workbook. Formats that hold one table refuse.
    fn next_table(&mut self, meta: &TableMeta) -> Result<(), SinkError>;
    /// Flushes and moves the output into place. Dropping a writer without calling this
    /// leaves the output path untouched.
    fn finish(self: Box<Self>) -> Result<(), SinkError>;
}

/// Why an output could not be written. The message names the output.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SinkError {
    pub path: String,
    pub message: String,
}

impl SinkError {
    pub fn new(path: &Path, message: impl Into<String>) -> Self {
        SinkError {
            path: path.display().to_string(),
            message: message.into(),
        }
    }
}

/// The format of an input file as the sink writes it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Delimited,
    Ndjson,
    JsonArray,
    Parquet,
    Xlsx,
}

/// Creates `out` to hold `meta`'s table in the format of `input_path` (the file the table
/// was read from). For a workbook, call [`TableWriter::next_table`] for each further sheet.
pub fn create_like(
    out: &Path,
    input_path: &Path,
    meta: &TableMeta,
) -> Result<Box<dyn TableWriter>, SinkError> {
    match format_of(input_path)? {
        Format::Delimited => csv_out::create(out, input_path, meta),
        Format::Ndjson => json_out::create(out, meta, false),
        Format::JsonArray => json_out::create(out, meta, true),
        Format::Parquet => parquet_out::create(out, input_path, meta),
        Format::Xlsx => xlsx_out::create(out, input_path, meta),
    }
}

/// Decides the format by content as `shuan-source` does: magic numbers first, then the
/// extension, then the first character of the text.
fn format_of(input_path: &Path) -> Result<Format, SinkError> {
    let mut prefix = Vec::with_capacity(4096);
    File::open(input_path)
        .and_then(|file| file.take(4096).read_to_end(&mut prefix))
        .map_err(|e| SinkError::new(input_path, format!("cannot read the input: {e}")))?;
    let extension = input_path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    if prefix.starts_with(b"PAR1") {
        return Ok(Format::Parquet);
    }
    if prefix.starts_with(b"PK\x03\x04") {
        return match extension.as_deref() {
            Some("xlsx" | "xlsm") | None => Ok(Format::Xlsx),
            Some(other) => Err(SinkError::new(
                input_path,
                format!("writing .{other} workbooks is not supported; save the input as .xlsx"),
            )),
        };
    }
    if prefix.starts_with(&[0x1f, 0x8b]) || prefix.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) {
        return Err(SinkError::new(
            input_path,
            "compressed files and legacy XLS are not written; decompress or save as .xlsx first",
        ));
    }
    let first_char = prefix
        .iter()
        .copied()
        .find(|byte| !byte.is_ascii_whitespace() && !matches!(byte, 0xef | 0xbb | 0xbf));
    Ok(match (extension.as_deref(), first_char) {
        (Some("csv" | "tsv" | "psv" | "tab"), _) => Format::Delimited,
        (Some("ndjson" | "jsonl"), _) => Format::Ndjson,
        (_, Some(b'[')) => Format::JsonArray,
        (_, Some(b'{')) => Format::Ndjson,
        _ => Format::Delimited,
    })
}

#[cfg(test)]
mod tests;
