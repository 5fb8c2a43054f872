//! Parquet with the input's column types.
//!
//! Each top-level primitive column keeps its physical and logical type when `shuan-source`
//! renders it in a way this module parses back exactly (booleans, integers, floats, dates,
//! millisecond and microsecond timestamps, byte arrays); decimals, times of day, fixed-length
//! arrays, nested groups and columns whose `data_type` the caller cleared become optional
//! UTF-8 strings. Every column is optional, so a nullified value can be written. Rows are
//! buffered per row group, so memory follows [`ROW_GROUP_ROWS`], not the file.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

use parquet::basic::{Compression, ConvertedType, LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DoubleType, FloatType, Int32Type, Int64Type,
};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use shuan_source::{Cell, TableMeta};

use crate::staged::Staged;
use crate::{SinkError, TableWriter};

/// Rows per row group written.
const ROW_GROUP_ROWS: usize = 65_536;

/// How a column's text is turned back into its Parquet values.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Codec {
    Bool,
    Int32,
    /// `UINT_32` is stored in an INT32 as the same bits.
    UInt32,
    Date,
    Int64,
    UInt64,
    TimestampMillis,
    TimestampMicros,
    Float,
    Double,
    Bytes,
}

enum Values {
    Bool(Vec<bool>),
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    Float(Vec<f32>),
    Double(Vec<f64>),
    Bytes(Vec<ByteArray>),
}

struct Column {
    name: String,
    codec: Codec,
    values: Values,
    /// 1 for a value, 0 for a null.
    definition: Vec<i16>,
}

struct ParquetWriter {
    staged: Staged,
    writer: Option<SerializedFileWriter<BufWriter<File>>>,
    columns: Vec<Column>,
    buffered: usize,
    rows_written: u64,
}

pub(crate) fn create(
    out: &Path,
    input_path: &Path,
    meta: &TableMeta,
) -> Result<Box<dyn TableWriter>, SinkError> {
    let unreadable = |e: parquet::errors::ParquetError| {
        SinkError::new(input_path, format!("cannot read the Parquet schema: {e}"))
    };
    let file = File::open(input_path)
        .map_err(|e| SinkError::new(input_path, format!("cannot read the input: {e}")))?;
    let reader = SerializedFileReader::new(file).map_err(unreadable)?;
    let metadata = reader.metadata();
    let compression = (metadata.num_row_groups() > 0 && metadata.row_group(0).num_columns() > 0)
        .then(|| metadata.row_group(0).column(0).compression())
        .unwrap_or(Compression::SNAPPY);
    let input_fields = metadata
        .file_metadata()
        .schema_descr()
        .root_schema()
        .get_fields()
        .to_vec();
    if input_fields.len() != meta.columns.len() {
        return Err(SinkError::new(
            input_path,
            format!(
                "the table has {} columns, the Parquet schema {}",
                meta.columns.len(),
                input_fields.len()
            ),
        ));
    }
    let mut fields = Vec::with_capacity(input_fields.len());
    let mut columns = Vec::with_capacity(input_fields.len());
    for (field, column) in input_fields.iter().zip(&meta.columns) {
        let kept = column
            .data_type
            .is_some()
            .then(|| codec_of(field))
            .flatten();
        let (output_field, codec) = match kept {
            Some(codec) => (optional_like(field), codec),
            None => (text_field(field.name()), Codec::Bytes),
        };
        fields.push(Arc::new(output_field.map_err(|e| {
            SinkError::new(out, format!("column {}: {e}", field.name()))
        })?));
        columns.push(Column {
            name: field.name().to_owned(),
            codec,
            values: empty_values(codec),
            definition: Vec::new(),
        });
    }
    let schema = Type::group_type_builder("schema")
        .with_fields(fields)
        .build()
        .map_err(|e| SinkError::new(out, format!("cannot build the Parquet schema: {e}")))?;
    let staged = Staged::create(out)?;
    let properties = WriterProperties::builder()
        .set_compression(compression)
        .build();
    let writer =
        SerializedFileWriter::new(staged.writer()?, Arc::new(schema), Arc::new(properties))
            .map_err(|e| staged.error(e.to_string()))?;
    Ok(Box::new(ParquetWriter {
        staged,
        writer: Some(writer),
        columns,
        buffered: 0,
        rows_written: 0,
    }))
}

/// The codec of a column whose rendering parses back exactly; `None` makes it text.
fn codec_of(field: &Type) -> Option<Codec> {
    if !field.is_primitive() || field.get_basic_info().repetition() == Repetition::REPEATED {
        return None;
    }
    let converted = field.get_basic_info().converted_type();
    // A logical type with no converted equivalent (nanosecond timestamps, UUIDs) is rendered
    // in ways not parsed back here.
    if field.get_basic_info().logical_type_ref().is_some() && converted == ConvertedType::NONE {
        return None;
    }
    Some(match (field.get_physical_type(), converted) {
        (PhysicalType::BOOLEAN, ConvertedType::NONE) => Codec::Bool,
        (
            PhysicalType::INT32,
            ConvertedType::NONE
            | ConvertedType::INT_8
            | ConvertedType::INT_16
            | ConvertedType::INT_32
            | ConvertedType::UINT_8
            | ConvertedType::UINT_16,
        ) => Codec::Int32,
        (PhysicalType::INT32, ConvertedType::UINT_32) => Codec::UInt32,
        (PhysicalType::INT32, ConvertedType::DATE) => Codec::Date,
        (PhysicalType::INT64, ConvertedType::NONE | ConvertedType::INT_64) => Codec::Int64,
        (PhysicalType::INT64, ConvertedType::UINT_64) => Codec::UInt64,
        (PhysicalType::INT64, ConvertedType::TIMESTAMP_MILLIS) => Codec::TimestampMillis,
        (PhysicalType::INT64, ConvertedType::TIMESTAMP_MICROS) => Codec::TimestampMicros,
        (PhysicalType::FLOAT, ConvertedType::NONE) => Codec::Float,
        (PhysicalType::DOUBLE, ConvertedType::NONE) => Codec::Double,
        (
            PhysicalType::BYTE_ARRAY,
            ConvertedType::NONE | ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON,
        ) => Codec::Bytes,
        _ => return None,
    })
}

/// The input's column, made optional.
fn optional_like(field: &Type) -> parquet::errors::Result<Type> {
    let info = field.get_basic_info();
    Type::primitive_type_builder(info.name(), field.get_physical_type())
        .with_repetition(Repetition::OPTIONAL)
        .with_converted_type(info.converted_type())
        .with_logical_type(info.logical_type_ref().cloned())
        .build()
}

fn text_field(name: &str) -> parquet::errors::Result<Type> {
    Type::primitive_type_builder(name, PhysicalType::BYTE_ARRAY)
        .with_repetition(Repetition::OPTIONAL)
        .with_converted_type(ConvertedType::UTF8)
        .with_logical_type(Some(LogicalType::String))
        .build()
}

fn empty_values(codec: Codec) -> Values {
    match codec {
        Codec::Bool => Values::Bool(Vec::new()),
        Codec::Int32 | Codec::UInt32 | Codec::Date => Values::Int32(Vec::new()),
        Codec::Int64 | Codec::UInt64 | Codec::TimestampMillis | Codec::TimestampMicros => {
            Values::Int64(Vec::new())
        }
        Codec::Float => Values::Float(Vec::new()),
        Codec::Double => Values::Double(Vec::new()),
        Codec::Bytes => Values::Bytes(Vec::new()),
    }
}

impl Column {
    /// Appends a value; `false` when it does not parse as the column's type.
    fn push(&mut self, value: &str) -> bool {
        let parsed = match (&mut self.values, self.codec) {
            (Values::Bool(values), _) => value.parse().map(|v| values.push(v)).is_ok(),
            (Values::Int32(values), Codec::UInt32) => {
                value.parse::<u32>().map(|v| values.push(v as i32)).is_ok()
            }
            (Values::Int32(values), Codec::Date) => {
                parse_date(value).map(|days| values.push(days)).is_some()
            }
            (Values::Int32(values), _) => value.parse().map(|v| values.push(v)).is_ok(),
            (Values::Int64(values), Codec::UInt64) => {
                value.parse::<u64>().map(|v| values.push(v as i64)).is_ok()
            }
            (Values::Int64(values), Codec::TimestampMillis) => {
                parse_timestamp(value, 3).map(|v| values.push(v)).is_some()
            }
            (Values::Int64(values), Codec::TimestampMicros) => {
                parse_timestamp(value, 6).map(|v| values.push(v)).is_some()
            }
            (Values::Int64(values), _) => value.parse().map(|v| values.push(v)).is_ok(),
            (Values::Float(values), _) => value.parse().map(|v| values.push(v)).is_ok(),
            (Values::Double(values), _) => value.parse().map(|v| values.push(v)).is_ok(),
            (Values::Bytes(values), _) => {
                values.push(ByteArray::from(value.as_bytes().to_vec()));
                true
            }
        };
        if parsed {
            self.definition.push(1);
        }
        parsed
    }
}

/// Days since 1970-01-01 of `YYYY-MM-DD`.
fn parse_date(text: &str) -> Option<i32> {
    let mut parts = text.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    i32::try_from(days_from_civil(year, month, day)).ok()
}

/// Units since the epoch of `YYYY-MM-DD HH:MM:SS[.fraction]` with `digits` fraction digits
/// (3 for milliseconds, 6 for microseconds), as `shuan-source` renders timestamps.
fn parse_timestamp(text: &str, digits: u32) -> Option<i64> {
    let (date, time) = text.split_once(' ')?;
    let days = i64::from(parse_date(date)?);
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut hms = clock.splitn(3, ':').map(|part| part.parse::<i64>().ok());
    let (hour, minute, second) = (hms.next()??, hms.next()??, hms.next()??);
    if fraction.len() > digits as usize || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let scale = 10i64.pow(digits);
    let fraction_units = if fraction.is_empty() {
        0
    } else {
        fraction.parse::<i64>().ok()? * 10i64.pow(digits - fraction.len() as u32)
    };
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second;
    seconds.checked_mul(scale)?.checked_add(fraction_units)
}

/// Howard Hinnant's `days_from_civil`, the inverse of the reader's `civil_from_days`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

impl ParquetWriter {
    fn flush_row_group(&mut self) -> Result<(), SinkError> {
        if self.buffered == 0 {
            return Ok(());
        }
        let staged = &self.staged;
        let failed = |e: parquet::errors::ParquetError| staged.error(e.to_string());
        let writer = self.writer.as_mut().expect("present until finish");
        let mut row_group = writer.next_row_group().map_err(failed)?;
        for column in &mut self.columns {
            let mut column_writer = row_group
                .next_column()
                .map_err(failed)?
                .ok_or_else(|| staged.error("the schema has fewer columns than the table"))?;
            let definition = Some(column.definition.as_slice());
            match &column.values {
                Values::Bool(values) => column_writer
                    .typed::<BoolType>()
                    .write_batch(values, definition, None),
                Values::Int32(values) => column_writer
                    .typed::<Int32Type>()
                    .write_batch(values, definition, None),
                Values::Int64(values) => column_writer
                    .typed::<Int64Type>()
                    .write_batch(values, definition, None),
                Values::Float(values) => column_writer
                    .typed::<FloatType>()
                    .write_batch(values, definition, None),
                Values::Double(values) => column_writer
                    .typed::<DoubleType>()
                    .write_batch(values, definition, None),
                Values::Bytes(values) => column_writer
                    .typed::<ByteArrayType>()
                    .write_batch(values, definition, None),
            }
            .map_err(failed)?;
            column_writer.close().map_err(failed)?;
            column.values = empty_values(column.codec);
            column.definition.clear();
        }
        row_group.close().map_err(failed)?;
        self.buffered = 0;
        Ok(())
    }
}

impl TableWriter for ParquetWriter {
    fn write_row(&mut self, row: &[Cell]) -> Result<(), SinkError> {
        if row.len() != self.columns.len() {
            return Err(self.staged.error(format!(
                "a row of {} cells for {} columns",
                row.len(),
                self.columns.len()
            )));
        }
        for (column, cell) in self.columns.iter_mut().zip(row) {
            match cell {
                None => column.definition.push(0),
                Some(value) => {
                    if !column.push(value) {
                        return Err(SinkError::new(
                            self.staged.target(),
                            format!(
                                "row {}: column {}: the value does not fit its {:?} type; \
                                 clear the column's data_type to write it as text",
                                self.rows_written + self.buffered as u64 + 1,
                                column.name,
                                column.codec
                            ),
                        ));
                    }
                }
            }
        }
        self.buffered += 1;
        if self.buffered == ROW_GROUP_ROWS {
            self.rows_written += self.buffered as u64;
            self.flush_row_group()?;
        }
        Ok(())
    }

    fn next_table(&mut self, _meta: &TableMeta) -> Result<(), SinkError> {
        Err(self.staged.error("a Parquet file holds one table"))
    }

    fn finish(mut self: Box<Self>) -> Result<(), SinkError> {
        self.flush_row_group()?;
        let writer = self.writer.take().expect("present until finish");
        let mut out = writer
            .into_inner()
            .map_err(|e| self.staged.error(e.to_string()))?;
        crate::staged::flush(&self.staged, &mut out)?;
        drop(out);
        self.staged.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_parse_back() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2000-13-01"), None);
        assert_eq!(
            parse_timestamp("1970-01-02 00:00:01.5", 3),
            Some(86_401_500)
        );
        assert_eq!(parse_timestamp("1970-01-01 00:00:01", 6), Some(1_000_000));
        assert_eq!(parse_timestamp("1970-01-01", 6), None);
    }
}
