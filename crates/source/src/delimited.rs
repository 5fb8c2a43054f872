//! CSV, TSV and other delimited text: the first record is the header.
//!
//! Records are read as [`csv::ByteRecord`]s from an already-UTF-8 stream (see
//! [`crate::open`]), so each field is validated once, when it becomes a `String`.
//! Empty fields are `Some("")`: CSV has no NULL, and the classifier decides what
//! an empty cell means.

use crate::detect::{self, SNIFF_BYTES};
use crate::open::{TextStream, file_name, table_name};
use crate::{ColumnMeta, Row, SourceError, TableMeta, TableReader};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Reads a delimited table from any byte stream, sniffing encoding and delimiter.
/// `source` names the input in metadata and errors; the table name is derived from it.
/// This is the entry point of the `csv_reader` fuzz target.
pub fn csv_table(
    source: &str,
    input: impl Read + Send + 'static,
) -> Result<Box<dyn TableReader>, SourceError> {
    let file_name = file_name(source);
    let stream = TextStream::sniff(source, file_name, Box::new(input))?;
    Ok(Box::new(DelimitedTable::new(
        source,
        &table_name(file_name),
        stream,
    )?))
}

pub(crate) struct DelimitedTable {
    meta: TableMeta,
    records: csv::Reader<Box<dyn Read + Send>>,
    record: csv::ByteRecord,
}

/// How a delimited text file is laid out, for a writer that must produce the same layout
/// (`shuan mask` writes a GBK file back as GBK, a semicolon file with semicolons).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextLayout {
    /// The file's encoding as detected (GBK files are read as GB18030, their superset).
    pub encoding: &'static encoding_rs::Encoding,
    /// Whether the file starts with a byte order mark.
    pub bom: bool,
    /// The field delimiter the reader uses for this file.
    pub delimiter: u8,
}

/// The layout [`crate::open_path`] reads a delimited text file with: its encoding, BOM
/// and delimiter, from the same first bytes the reader looks at.
pub fn text_layout(path: &Path) -> Result<TextLayout, SourceError> {
    let source = path.display().to_string();
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    File::open(path)
        .and_then(|file| file.take(SNIFF_BYTES as u64).read_to_end(&mut prefix))
        .map_err(|e| SourceError::io(&source, e))?;
    let complete = prefix.len() < SNIFF_BYTES;
    let encoding = detect::text_encoding(&prefix, complete)
        .ok_or_else(|| SourceError::input(&source, "not a text file"))?;
    let (text, _) = encoding
        .encoding
        .decode_without_bom_handling(&prefix[encoding.bom_len..]);
    Ok(TextLayout {
        encoding: encoding.encoding,
        bom: encoding.bom_len > 0,
        delimiter: delimiter_of(file_name(&source), &text),
    })
}

fn delimiter_of(file_name: &str, prefix_text: &str) -> u8 {
    detect::sniff_delimiter(prefix_text).unwrap_or(
        if detect::extension(file_name).as_deref() == Some("tsv") {
            b'\t'
        } else {
            b','
        },
    )
}

impl DelimitedTable {
    pub(crate) fn new(source: &str, name: &str, stream: TextStream) -> Result<Self, SourceError> {
        let delimiter = delimiter_of(&stream.file_name, &stream.prefix_text);
        let mut records = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(64 << 10)
            .from_reader(stream.utf8);
        let mut header = csv::ByteRecord::new();
        let has_header = records
            .read_byte_record(&mut header)
            .map_err(|e| csv_error(source, e))?;
        let columns = if has_header {
            header
                .iter()
                .map(|field| {
                    Ok(ColumnMeta {
                        name: field_text(source, field, 1)?.trim().to_owned(),
                        ..ColumnMeta::default()
                    })
                })
                .collect::<Result<_, SourceError>>()?
        } else {
            Vec::new()
        };
        Ok(DelimitedTable {
            meta: TableMeta {
                source: source.to_owned(),
                name: name.to_owned(),
                columns,
                row_estimate: None,
                notes: Vec::new(),
            },
            records,
            record: csv::ByteRecord::new(),
        })
    }
}

impl TableReader for DelimitedTable {
    fn meta(&self) -> &TableMeta {
        &self.meta
    }

    fn next_rows(&mut self, max_rows: usize) -> Result<Option<Vec<Row>>, SourceError> {
        let width = self.meta.columns.len();
        let mut rows = Vec::with_capacity(max_rows.min(4096));
        while rows.len() < max_rows {
            let more = self
                .records
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(&self.meta.source, e))?;
            if !more {
                break;
            }
            let line = self.record.position().map_or(0, |p| p.line());
            let mut row = Vec::with_capacity(width);
            for field in self.record.iter().take(width) {
                row.push(Some(field_text(&self.meta.source, field, line)?.to_owned()));
            }
            row.resize(width, None);
            rows.push(row);
        }
        Ok((!rows.is_empty()).then_some(rows))
    }
}

fn field_text<'a>(source: &str, field: &'a [u8], line: u64) -> Result<&'a str, SourceError> {
    std::str::from_utf8(field).map_err(|_| {
        SourceError::input(
            source,
            format!("line {line}: not valid UTF-8 though the start of the file was; convert the file to one encoding"),
        )
    })
}

fn csv_error(source: &str, error: csv::Error) -> SourceError {
    let line = error.position().map(|p| p.line());
    match error.into_kind() {
        csv::ErrorKind::Io(io) => SourceError::io(source, io),
        other => {
            let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
            SourceError::input(source, format!("{at}unreadable CSV: {other:?}"))
        }
    }
}
