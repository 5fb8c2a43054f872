//! NDJSON and JSON arrays of objects. Values of columns the reader saw as numbers,
//! booleans, arrays or objects are written as such when they still parse as one; every
//! other value is a JSON string.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::Value;
use shuan_source::{Cell, TableMeta};

use crate::staged::{Staged, flush};
use crate::{SinkError, TableWriter};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Number,
    Bool,
    Nested,
}

struct JsonWriter {
    staged: Staged,
    out: BufWriter<File>,
    /// Each column's name already encoded as a JSON string followed by `:`.
    keys: Vec<Vec<u8>>,
    kinds: Vec<Kind>,
    array: bool,
    rows: u64,
}

pub(crate) fn create(
    out: &Path,
    meta: &TableMeta,
    array: bool,
) -> Result<Box<dyn TableWriter>, SinkError> {
    let staged = Staged::create(out)?;
    let mut writer = staged.writer()?;
    if array {
        writer.write_all(b"[").map_err(|e| staged.io_error(e))?;
    }
    let keys = meta
        .columns
        .iter()
        .map(|column| {
            let mut key = serde_json::to_vec(&column.name).expect("strings serialise");
            key.push(b':');
            key
        })
        .collect();
    let kinds = meta
        .columns
        .iter()
        .map(|column| match column.data_type.as_deref() {
            Some("number") => Kind::Number,
            Some("bool") => Kind::Bool,
            Some("array" | "object") => Kind::Nested,
            _ => Kind::Text,
        })
        .collect();
    Ok(Box::new(JsonWriter {
        staged,
        out: writer,
        keys,
        kinds,
        array,
        rows: 0,
    }))
}

/// Whether `value` may be written as raw JSON in a column of `kind`.
fn is_raw(kind: Kind, value: &str) -> bool {
    match kind {
        Kind::Text => false,
        Kind::Bool => value == "true" || value == "false",
        Kind::Number => serde_json::from_str::<serde_json::Number>(value).is_ok(),
        Kind::Nested => matches!(
            serde_json::from_str::<Value>(value),
            Ok(Value::Array(_) | Value::Object(_))
        ),
    }
}

impl JsonWriter {
    fn write_object(&mut self, row: &[Cell]) -> std::io::Result<()> {
        if self.array {
            self.out
                .write_all(if self.rows == 0 { b"\n" } else { b",\n" })?;
        }
        self.out.write_all(b"{")?;
        for (index, cell) in row.iter().enumerate() {
            if index > 0 {
                self.out.write_all(b",")?;
            }
            self.out.write_all(&self.keys[index])?;
            match cell {
                None => self.out.write_all(b"null")?,
                Some(value) if is_raw(self.kinds[index], value) => {
                    self.out.write_all(value.as_bytes())?
                }
                Some(value) => serde_json::to_writer(&mut self.out, value)?,
            }
        }
        self.out.write_all(b"}")?;
        if !self.array {
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }
}

impl TableWriter for JsonWriter {
    fn write_row(&mut self, row: &[Cell]) -> Result<(), SinkError> {
        if row.len() != self.keys.len() {
            return Err(self.staged.error(format!(
                "a row of {} cells for {} columns",
                row.len(),
                self.keys.len()
            )));
        }
        self.write_object(row)
            .map_err(|e| self.staged.io_error(e))?;
        self.rows += 1;
        Ok(())
    }

    fn next_table(&mut self, _meta: &TableMeta) -> Result<(), SinkError> {
        Err(self.staged.error("a JSON file holds one table"))
    }

    fn finish(mut self: Box<Self>) -> Result<(), SinkError> {
        if self.array {
            self.out
                .write_all(b"\n]\n")
                .map_err(|e| self.staged.io_error(e))?;
        }
        flush(&self.staged, &mut self.out)?;
        let JsonWriter { staged, out, .. } = *self;
        drop(out);
        staged.commit()
    }
}
