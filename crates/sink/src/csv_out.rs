//! CSV and other delimited text, in the input's encoding, BOM and delimiter.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use shuan_source::{Cell, TableMeta, TextLayout};

use crate::staged::{Staged, flush};
use crate::text_out::Encoded;
use crate::{SinkError, TableWriter};

struct CsvWriter {
    staged: Staged,
    records: csv::Writer<Encoded<BufWriter<File>>>,
    width: usize,
}

pub(crate) fn create(
    out: &Path,
    input_path: &Path,
    meta: &TableMeta,
) -> Result<Box<dyn TableWriter>, SinkError> {
    let layout = shuan_source::text_layout(input_path)
        .map_err(|e| SinkError::new(input_path, e.to_string()))?;
    create_with(out, layout, meta)
}

/// A CSV file in UTF-8 with commas, for tables that come from no file (database tables).
pub fn create_csv(out: &Path, meta: &TableMeta) -> Result<Box<dyn TableWriter>, SinkError> {
    let layout = TextLayout {
        encoding: encoding_rs::UTF_8,
        bom: false,
        delimiter: b',',
    };
    create_with(out, layout, meta)
}

fn create_with(
    out: &Path,
    layout: TextLayout,
    meta: &TableMeta,
) -> Result<Box<dyn TableWriter>, SinkError> {
    let staged = Staged::create(out)?;
    let encoded = Encoded::new(staged.writer()?, layout.encoding, layout.bom)
        .map_err(|e| staged.io_error(e))?;
    let mut records = csv::WriterBuilder::new()
        .delimiter(layout.delimiter)
        .buffer_capacity(64 << 10)
        .from_writer(encoded);
    records
        .write_record(meta.columns.iter().map(|column| column.name.as_bytes()))
        .map_err(|e| staged.error(e.to_string()))?;
    Ok(Box::new(CsvWriter {
        staged,
        records,
        width: meta.columns.len(),
    }))
}

impl TableWriter for CsvWriter {
    fn write_row(&mut self, row: &[Cell]) -> Result<(), SinkError> {
        if row.len() != self.width {
            return Err(self.staged.error(format!(
                "a row of {} cells for {} columns",
                row.len(),
                self.width
            )));
        }
        self.records
            .write_record(
                row.iter()
                    .map(|cell| cell.as_deref().unwrap_or("").as_bytes()),
            )
            .map_err(|e| self.staged.error(e.to_string()))
    }

    fn next_table(&mut self, _meta: &TableMeta) -> Result<(), SinkError> {
        Err(self.staged.error("a CSV file holds one table"))
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        let CsvWriter {
            staged, records, ..
        } = *self;
        let encoded = records
            .into_inner()
            .map_err(|e| staged.io_error(e.into_error()))?;
        let mut file = encoded.into_inner().map_err(|e| staged.io_error(e))?;
        flush(&staged, &mut file)?;
        drop(file);
        staged.commit()
    }
}
