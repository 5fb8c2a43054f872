//! Parquet through the `parquet` crate's row API (no Arrow: it would double the build).
//!
//! The row iterator decodes one row group's pages at a time, so memory follows
//! the row group size, not the file size. Columns are the top-level fields;
//! nested groups, lists and maps become one cell of their printed form.

use crate::open::without_panics;
use crate::{ColumnMeta, Input, Row, SourceError, TableMeta, TableReader, render};
use parquet::basic::ConvertedType;
use parquet::file::reader::{ChunkReader, FileReader, SerializedFileReader};
use parquet::record::{Field, reader::RowIter};
use parquet::schema::types::Type;

pub(crate) fn open<R: ChunkReader + 'static>(
    source: &str,
    name: &str,
    reader: R,
) -> Result<Input, SourceError> {
    without_panics(source, "the Parquet decoder", || {
        let file = SerializedFileReader::new(reader).map_err(|e| corrupt(source, e))?;
        let metadata = file.metadata().file_metadata();
        let columns = metadata
            .schema_descr()
            .root_schema()
            .get_fields()
            .iter()
            .map(|field| column(field))
            .collect();
        let meta = TableMeta {
            source: source.to_owned(),
            name: name.to_owned(),
            columns,
            row_estimate: u64::try_from(metadata.num_rows()).ok(),
            notes: Vec::new(),
        };
        let rows = RowIter::from_file_into(Box::new(file));
        Ok(Input::Table(Box::new(ParquetTable { meta, rows })))
    })
}

fn corrupt(source: &str, error: parquet::errors::ParquetError) -> SourceError {
    SourceError::input(
        source,
        format!("unreadable Parquet ({error}); the file is corrupt or uses an unsupported codec"),
    )
}

fn column(field: &Type) -> ColumnMeta {
    let converted = field.get_basic_info().converted_type();
    let data_type = match (field.is_primitive(), converted) {
        (true, ConvertedType::NONE) => field.get_physical_type().to_string(),
        (true, converted) => format!("{} ({converted})", field.get_physical_type()),
        (false, ConvertedType::NONE) => "GROUP".to_owned(),
        (false, converted) => converted.to_string(),
    };
    ColumnMeta {
        name: field.name().to_owned(),
        comment: None,
        data_type: Some(data_type),
    }
}

struct ParquetTable {
    meta: TableMeta,
    rows: RowIter<'static>,
}

impl TableReader for ParquetTable {
    fn meta(&self) -> &TableMeta {
        &self.meta
    }

    fn next_rows(&mut self, max_rows: usize) -> Result<Option<Vec<Row>>, SourceError> {
        let source = self.meta.source.clone();
        let width = self.meta.columns.len();
        without_panics(&source, "the Parquet decoder", || {
            let mut rows = Vec::with_capacity(max_rows.min(4096));
            while rows.len() < max_rows {
                let Some(row) = self.rows.next() else { break };
                let row = row.map_err(|e| corrupt(&source, e))?;
                let mut cells: Row = row
                    .into_columns()
                    .into_iter()
                    .map(|(_, field)| cell(field))
                    .collect();
                cells.resize(width, None);
                rows.push(cells);
            }
            Ok((!rows.is_empty()).then_some(rows))
        })
    }
}

fn cell(field: Field) -> Option<String> {
    Some(match field {
        Field::Null => return None,
        Field::Bool(v) => v.to_string(),
        Field::Byte(v) => v.to_string(),
        Field::Short(v) => v.to_string(),
        Field::Int(v) => v.to_string(),
        Field::Long(v) => v.to_string(),
        Field::UByte(v) => v.to_string(),
        Field::UShort(v) => v.to_string(),
        Field::UInt(v) => v.to_string(),
        Field::ULong(v) => v.to_string(),
        Field::Float16(v) => render::float(v.into()),
        Field::Float(v) => render::float(v.into()),
        Field::Double(v) => render::float(v),
        Field::Str(text) => text,
        Field::Bytes(bytes) => match std::str::from_utf8(bytes.data()) {
            Ok(text) => text.to_owned(),
            Err(_) => bytes.data().iter().map(|b| format!("{b:02x}")).collect(),
        },
        Field::Date(days) => render::date(days.into()),
        Field::TimestampMillis(ms) => render::date_time_from_units(ms, 1_000, 3),
        Field::TimestampMicros(us) => render::date_time_from_units(us, 1_000_000, 6),
        // Decimals, times of day and nested values print safely and sensibly already.
        other @ (Field::Decimal(_)
        | Field::TimeMillis(_)
        | Field::TimeMicros(_)
        | Field::Group(_)
        | Field::ListInternal(_)
        | Field::MapInternal(_)) => other.to_string(),
    })
}
