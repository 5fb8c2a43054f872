//! Readers that turn inputs into one shape the classifier understands.
//!
//! An input is either a **table** (named columns, rows of text cells) or **text**
//! (lines, handed out in chunks of whole lines). Files are recognised by content
//! and extension; every reader streams, so memory stays bounded whatever the size.
//!
//! - [`walk`] expands paths into files (recursive, sorted, hidden entries skipped).
//! - [`open_path`] opens one file: CSV/TSV (UTF-8, UTF-16 with BOM, GBK/GB18030
//!   detected; delimiter sniffed among `,` tab `;` `|`), NDJSON, JSON arrays of
//!   objects, Parquet, spreadsheets (XLSX, XLS, XLSB, ODS; a table per non-empty
//!   sheet), any other text (as [`Input::Text`]), and all of these gzip-compressed.
//! - [`open_stream`] does the same for a byte stream; [`csv_table`] reads a
//!   delimited table from any reader (the fuzzing entry point).
//!
//! Data flow inside: the first 64 KiB are sniffed (magic number, encoding,
//! format), non-UTF-8 text is transcoded once in a streaming adapter, every text
//! stream goes through a line-length cap ([`MAX_LINE_BYTES`]), then the format's
//! reader parses UTF-8. [`text_layout`] tells a writer the encoding and delimiter found.
//!
//! Architecture invariant: this crate knows nothing about entities or labels. It
//! never panics on input; a bad input is a [`SourceError`] naming the input.

use std::fmt;

pub mod db;
mod delimited;
mod detect;
mod json;
mod limits;
mod open;
mod parquet_table;
mod render;
mod spreadsheet;
mod text;
mod transcode;
mod walk;

pub use delimited::{TextLayout, csv_table, text_layout};
pub use limits::{MAX_IN_MEMORY_BYTES, MAX_LINE_BYTES};
pub use open::{open_path, open_stream};
pub use walk::walk;

/// One cell: `None` is SQL NULL / missing; text is already decoded to UTF-8.
pub type Cell = Option<String>;
/// One row of cells, in column order.
pub type Row = Vec<Cell>;

/// What is known about a table before reading its rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableMeta {
    /// Where it came from: a file path, or a URL such as `postgres://host:5432/db/schema.table`
    /// (never with a password).
    pub source: String,
    /// Short name: file stem, sheet name (`book.xlsx#Sheet1` keeps the sheet), or `schema.table`.
    pub name: String,
    pub columns: Vec<ColumnMeta>,
    /// Rows in the table when the store can tell cheaply (database statistics).
    pub row_estimate: Option<u64>,
    /// What the reader left out and why (`column photo: binary type, not read`), for the report.
    pub notes: Vec<String>,
}

/// A column's name and whatever the store says about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnMeta {
    pub name: String,
    /// Column comment (`COMMENT ON COLUMN`, MySQL `COLUMN_COMMENT`): the strongest hint.
    pub comment: Option<String>,
    /// Declared type, as the store spells it (`varchar(18)`, `INT64`, …); for spreadsheets
    /// the kind of the column's cells (`number`, `string`, `bool`, `datetime`, `mixed`); for
    /// JSON the kind of its values (`string`, `number`, `bool`, `array`, `object`, `mixed`).
    pub data_type: Option<String>,
}

/// A streaming reader of one table's rows.
pub trait TableReader: Send {
    fn meta(&self) -> &TableMeta;
    /// Up to `max_rows` more rows; `Ok(None)` at the end. Rows have `meta().columns.len()` cells
    /// (short rows are padded with `None`, extra cells dropped).
    fn next_rows(&mut self, max_rows: usize) -> Result<Option<Vec<Row>>, SourceError>;
}

/// A chunk of whole lines from a text input.
#[derive(Debug, Clone, PartialEq)]
pub struct TextChunk {
    /// 1-based number of the chunk's first line.
    pub first_line: u64,
    /// Whole lines, `\n`-separated (a trailing `\r` is kept as read).
    pub text: String,
}

/// A streaming reader of a text input in chunks of whole lines.
pub trait TextReader: Send {
    fn source(&self) -> &str;
    fn next_chunk(&mut self) -> Result<Option<TextChunk>, SourceError>;
}

/// One thing to classify.
pub enum Input {
    Table(Box<dyn TableReader>),
    Text(Box<dyn TextReader>),
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Table(t) => write!(f, "Table({})", t.meta().source),
            Input::Text(t) => write!(f, "Text({})", t.source()),
        }
    }
}

/// Why an input could not be read. The message names the input and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{source_name}: {message}")]
    Input {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: {error}")]
    Io {
        source_name: String,
        error: std::io::Error,
    },
}

impl SourceError {
    pub fn input(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        SourceError::Input {
            source_name: source_name.into(),
            message: message.into(),
        }
    }
    pub fn io(source_name: impl Into<String>, error: std::io::Error) -> Self {
        SourceError::Io {
            source_name: source_name.into(),
            error,
        }
    }
    /// The input this error is about.
    pub fn source_name(&self) -> &str {
        match self {
            SourceError::Input { source_name, .. } | SourceError::Io { source_name, .. } => {
                source_name
            }
        }
    }
}
