//! Spreadsheets (XLSX, XLSM, XLSB, ODS, legacy XLS) through calamine.
//!
//! Every non-empty sheet is a table whose first row is the header. A workbook
//! with one non-empty sheet gives a table named after the file; with several,
//! each is `stem#Sheet`.
//!
//! calamine loads a sheet whole, so a spreadsheet costs memory in proportion to
//! its cells. Spreadsheets are capped by the format (about a million rows), and
//! a workbook too large for memory is rare enough not to justify a streaming
//! XML reader here.

use crate::detect::{Container, extension};
use crate::open::{table_name, without_panics};
use crate::{ColumnMeta, Input, Row, SourceError, TableMeta, TableReader, render};
use calamine::{Data, Ods, Range, Reader, Xls, Xlsb, Xlsx};
use std::fmt::Display;
use std::io::{Read, Seek};

pub(crate) fn open<RS: Read + Seek>(
    source: &str,
    file_name: &str,
    container: Container,
    reader: RS,
) -> Result<Vec<Input>, SourceError> {
    let stem = table_name(file_name);
    without_panics(source, "the spreadsheet decoder", || {
        match (container, extension(file_name).as_deref()) {
            (Container::Ole, _) => sheets::<RS, Xls<RS>>(source, &stem, reader),
            (_, Some("ods")) => sheets::<RS, Ods<RS>>(source, &stem, reader),
            (_, Some("xlsb")) => sheets::<RS, Xlsb<RS>>(source, &stem, reader),
            _ => sheets::<RS, Xlsx<RS>>(source, &stem, reader),
        }
    })
}

fn sheets<RS: Read + Seek, W: Reader<RS>>(
    source: &str,
    stem: &str,
    reader: RS,
) -> Result<Vec<Input>, SourceError>
where
    W::Error: Display,
{
    let unreadable = |e: W::Error| {
        SourceError::input(
            source,
            format!("unreadable spreadsheet ({e}); the file is corrupt or not a workbook"),
        )
    };
    let mut workbook = W::new(reader).map_err(unreadable)?;
    let mut sheets = Vec::new();
    for sheet in workbook.sheet_names() {
        let cells = workbook.worksheet_range(&sheet).map_err(unreadable)?;
        if !cells.is_empty() {
            sheets.push((sheet, cells));
        }
    }
    let single = sheets.len() == 1;
    Ok(sheets
        .into_iter()
        .map(|(sheet, cells)| {
            let name = if single {
                stem.to_owned()
            } else {
                format!("{stem}#{sheet}")
            };
            Input::Table(Box::new(SheetTable::new(source, name, cells)))
        })
        .collect())
}

struct SheetTable {
    meta: TableMeta,
    cells: Range<Data>,
    /// Index into `cells.rows()` of the next row to hand out; row 0 is the header.
    next_row: usize,
}

impl SheetTable {
    fn new(source: &str, name: String, cells: Range<Data>) -> Self {
        let columns = cells
            .rows()
            .next()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(index, header)| ColumnMeta {
                name: cell(header).unwrap_or_default().trim().to_owned(),
                comment: None,
                data_type: cell_kind(&cells, index).map(str::to_owned),
            })
            .collect();
        let row_estimate = Some(cells.height().saturating_sub(1) as u64);
        let meta = TableMeta {
            source: source.to_owned(),
            name,
            columns,
            row_estimate,
            notes: Vec::new(),
        };
        SheetTable {
            meta,
            cells,
            next_row: 1,
        }
    }
}

impl TableReader for SheetTable {
    fn meta(&self) -> &TableMeta {
        &self.meta
    }

    fn next_rows(&mut self, max_rows: usize) -> Result<Option<Vec<Row>>, SourceError> {
        let rows: Vec<Row> = self
            .cells
            .rows()
            .skip(self.next_row)
            .take(max_rows)
            .map(|row| row.iter().map(cell).collect())
            .collect();
        self.next_row += rows.len();
        Ok((!rows.is_empty()).then_some(rows))
    }
}

/// The kind shared by the data cells of a column (a writer keeps numbers numbers), `mixed`
/// when they differ, `None` when the column is empty. The sheet is in memory already.
fn cell_kind(cells: &Range<Data>, column: usize) -> Option<&'static str> {
    let mut kinds = cells
        .rows()
        .skip(1)
        .filter_map(|row| match row.get(column)? {
            Data::Empty | Data::Error(_) => None,
            Data::Int(_) | Data::Float(_) => Some("number"),
            Data::Bool(_) => Some("bool"),
            Data::DateTime(_) | Data::DateTimeIso(_) => Some("datetime"),
            Data::String(_) | Data::DurationIso(_) => Some("string"),
        });
    let first = kinds.next()?;
    Some(if kinds.all(|kind| kind == first) {
        first
    } else {
        "mixed"
    })
}

fn cell(data: &Data) -> Option<String> {
    Some(match data {
        Data::Empty | Data::Error(_) => return None,
        Data::Int(v) => v.to_string(),
        Data::Float(v) => render::float(*v),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Bool(v) => v.to_string(),
        Data::DateTime(when) if when.is_duration() => {
            let seconds = (when.as_f64() * 86_400.0).round() as i64;
            format!(
                "{}:{:02}:{:02}",
                seconds / 3600,
                seconds / 60 % 60,
                seconds % 60
            )
        }
        Data::DateTime(when) => {
            let (year, month, day, hour, minute, second, milli) = when.to_ymd_hms_milli();
            if (hour, minute, second, milli) == (0, 0, 0, 0) {
                format!("{year:04}-{month:02}-{day:02}")
            } else {
                format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
            }
        }
    })
}
