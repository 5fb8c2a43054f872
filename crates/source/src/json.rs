//! NDJSON (one object per line) and JSON arrays of objects, as tables.
//!
//! Columns are the union of the keys in first-seen order. The union is taken
//! over the first [`COLUMN_SAMPLE_RECORDS`] records, which are held back and
//! handed out first: the alternative, a full pass before the first row, would
//! read every file twice. A key first seen after that sample is not a column.
//!
//! Strings are cells as they are; numbers and booleans their JSON text; `null`
//! is `None`; nested arrays and objects their compact JSON text.

use crate::limits::MAX_LINE_BYTES;
use crate::open::TextStream;
use crate::{ColumnMeta, Row, SourceError, TableMeta, TableReader};
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read};

/// How many records decide the columns.
pub(crate) const COLUMN_SAMPLE_RECORDS: usize = 1000;

type Object = Map<String, Value>;

/// A stream of JSON objects.
trait Records: Send {
    fn next_object(&mut self) -> Result<Option<Object>, SourceError>;
}

pub(crate) struct JsonTable {
    meta: TableMeta,
    column_of_key: HashMap<String, usize>,
    sampled: VecDeque<Object>,
    records: Box<dyn Records>,
}

pub(crate) fn ndjson_table(
    source: &str,
    name: &str,
    stream: TextStream,
) -> Result<JsonTable, SourceError> {
    let lines = NdjsonRecords {
        source: source.to_owned(),
        reader: BufReader::new(stream.utf8),
        line: Vec::new(),
        line_number: 0,
    };
    JsonTable::new(source, name, Box::new(lines))
}

pub(crate) fn array_table(
    source: &str,
    name: &str,
    stream: TextStream,
) -> Result<JsonTable, SourceError> {
    let elements = ArrayRecords {
        source: source.to_owned(),
        reader: BufReader::new(stream.utf8),
        state: ArrayState::BeforeOpen,
        element: Vec::new(),
        elements_read: 0,
    };
    JsonTable::new(source, name, Box::new(elements))
}

impl JsonTable {
    fn new(source: &str, name: &str, mut records: Box<dyn Records>) -> Result<Self, SourceError> {
        let mut sampled = VecDeque::new();
        let mut columns = Vec::new();
        let mut column_of_key = HashMap::new();
        while sampled.len() < COLUMN_SAMPLE_RECORDS {
            let Some(object) = records.next_object()? else {
                break;
            };
            for key in object.keys() {
                if !column_of_key.contains_key(key) {
                    column_of_key.insert(key.clone(), columns.len());
                    columns.push(ColumnMeta {
                        name: key.clone(),
                        ..ColumnMeta::default()
                    });
                }
            }
            sampled.push_back(object);
        }
        for column in &mut columns {
            column.data_type = value_kind(&sampled, &column.name).map(str::to_owned);
        }
        Ok(JsonTable {
            meta: TableMeta {
                source: source.to_owned(),
                name: name.to_owned(),
                columns,
                row_estimate: None,
                notes: Vec::new(),
            },
            column_of_key,
            sampled,
            records,
        })
    }

    fn to_row(&self, object: Object) -> Row {
        let mut row = vec![None; self.meta.columns.len()];
        for (key, value) in object {
            if let Some(&index) = self.column_of_key.get(&key) {
                row[index] = cell(value);
            }
        }
        row
    }
}

/// The JSON kind of a key's non-null values in the sampled records (`string`, `number`,
/// `bool`, `array`, `object`), `mixed` when they differ: a writer keeps numbers numbers.
fn value_kind(sampled: &VecDeque<Object>, key: &str) -> Option<&'static str> {
    let mut kinds = sampled.iter().filter_map(|object| match object.get(key)? {
        Value::Null => None,
        Value::String(_) => Some("string"),
        Value::Number(_) => Some("number"),
        Value::Bool(_) => Some("bool"),
        Value::Array(_) => Some("array"),
        Value::Object(_) => Some("object"),
    });
    let first = kinds.next()?;
    Some(if kinds.all(|kind| kind == first) {
        first
    } else {
        "mixed"
    })
}

fn cell(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text),
        Value::Bool(_) | Value::Number(_) => Some(value.to_string()),
        Value::Array(_) | Value::Object(_) => Some(value.to_string()),
    }
}

impl TableReader for JsonTable {
    fn meta(&self) -> &TableMeta {
        &self.meta
    }

    fn next_rows(&mut self, max_rows: usize) -> Result<Option<Vec<Row>>, SourceError> {
        let mut rows = Vec::with_capacity(max_rows.min(4096));
        while rows.len() < max_rows {
            let object = match self.sampled.pop_front() {
                Some(object) => object,
                None => match self.records.next_object()? {
                    Some(object) => object,
                    None => break,
                },
            };
            rows.push(self.to_row(object));
        }
        Ok((!rows.is_empty()).then_some(rows))
    }
}

struct NdjsonRecords {
    source: String,
    reader: BufReader<Box<dyn Read + Send>>,
    line: Vec<u8>,
    line_number: u64,
}

impl Records for NdjsonRecords {
    fn next_object(&mut self) -> Result<Option<Object>, SourceError> {
        loop {
            self.line.clear();
            // Lines are capped by the stream (LineCap), so this buffer is bounded.
            let n = self
                .reader
                .read_until(b'\n', &mut self.line)
                .map_err(|e| SourceError::io(&self.source, e))?;
            if n == 0 {
                return Ok(None);
            }
            self.line_number += 1;
            if self.line.trim_ascii().is_empty() {
                continue;
            }
            return match serde_json::from_slice::<Value>(&self.line) {
                Ok(Value::Object(object)) => Ok(Some(object)),
                Ok(_) => Err(SourceError::input(
                    &self.source,
                    format!(
                        "line {}: not a JSON object; NDJSON needs one object per line",
                        self.line_number
                    ),
                )),
                Err(e) => Err(SourceError::input(
                    &self.source,
                    format!(
                        "line {}: invalid JSON ({e}); NDJSON needs one object per line",
                        self.line_number
                    ),
                )),
            };
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum ArrayState {
    BeforeOpen,
    /// After `[` or a `,`: an element or `]` comes next.
    BeforeElement,
    Done,
}

/// The elements of a top-level JSON array, one at a time: the array itself may be
/// larger than memory, each element may not exceed [`MAX_LINE_BYTES`].
struct ArrayRecords {
    source: String,
    reader: BufReader<Box<dyn Read + Send>>,
    state: ArrayState,
    element: Vec<u8>,
    elements_read: u64,
}

impl ArrayRecords {
    fn error(&self, message: &str) -> SourceError {
        SourceError::input(
            &self.source,
            format!("JSON array element {}: {message}", self.elements_read + 1),
        )
    }

    /// The next byte that is not JSON whitespace, left unread.
    fn peek_token(&mut self) -> Result<Option<u8>, SourceError> {
        loop {
            let buffer = self
                .reader
                .fill_buf()
                .map_err(|e| SourceError::io(&self.source, e))?;
            if buffer.is_empty() {
                return Ok(None);
            }
            match buffer.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(skip) => {
                    let token = buffer[skip];
                    self.reader.consume(skip);
                    return Ok(Some(token));
                }
                None => {
                    let all = buffer.len();
                    self.reader.consume(all);
                }
            }
        }
    }

    /// Reads one object, from `{` to its matching `}`, into `self.element`.
    fn read_object(&mut self) -> Result<(), SourceError> {
        self.element.clear();
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let buffer = self
                .reader
                .fill_buf()
                .map_err(|e| SourceError::io(&self.source, e))?;
            if buffer.is_empty() {
                return Err(self.error("the file ends inside it; truncated?"));
            }
            let mut used = 0;
            let mut complete = false;
            for &byte in buffer {
                used += 1;
                if in_string {
                    match byte {
                        _ if escaped => escaped = false,
                        b'\\' => escaped = true,
                        b'"' => in_string = false,
                        _ => {}
                    }
                    continue;
                }
                match byte {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                if depth == 0 {
                    complete = true;
                    break;
                }
            }
            self.element.extend_from_slice(&buffer[..used]);
            self.reader.consume(used);
            if complete {
                return Ok(());
            }
            if self.element.len() > MAX_LINE_BYTES {
                return Err(self.error(&format!(
                    "longer than {} MiB; not scanned",
                    MAX_LINE_BYTES >> 20
                )));
            }
        }
    }
}

impl Records for ArrayRecords {
    fn next_object(&mut self) -> Result<Option<Object>, SourceError> {
        if self.state == ArrayState::BeforeOpen {
            if self.peek_token()? != Some(b'[') {
                return Err(SourceError::input(&self.source, "not a JSON array"));
            }
            self.reader.consume(1);
            self.state = ArrayState::BeforeElement;
        }
        if self.state == ArrayState::Done {
            return Ok(None);
        }
        match self.peek_token()? {
            Some(b']') if self.elements_read == 0 => {
                self.state = ArrayState::Done;
                return Ok(None);
            }
            Some(b'{') => self.read_object()?,
            Some(_) => {
                return Err(self.error("not a JSON object; a table needs an array of objects"));
            }
            None => return Err(self.error("the file ends before it; truncated?")),
        }
        let object = match serde_json::from_slice::<Value>(&self.element) {
            Ok(Value::Object(object)) => object,
            Ok(_) => return Err(self.error("not a JSON object")),
            Err(e) => return Err(self.error(&format!("invalid JSON ({e})"))),
        };
        self.elements_read += 1;
        match self.peek_token()? {
            Some(b',') => self.reader.consume(1),
            Some(b']') => {
                self.reader.consume(1);
                self.state = ArrayState::Done;
            }
            _ => return Err(self.error("expected `,` or `]` after it; truncated?")),
        }
        Ok(Some(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(text: &str) -> TextStream {
        TextStream {
            file_name: "t.json".into(),
            prefix_text: text.into(),
            utf8: Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        }
    }

    fn all_rows(table: &mut JsonTable) -> Vec<Row> {
        let mut rows = Vec::new();
        while let Some(batch) = table.next_rows(2).unwrap() {
            rows.extend(batch);
        }
        rows
    }

    #[test]
    fn array_with_nesting_and_tricky_strings() {
        let text = r#" [ {"a": "x}]\"", "b": {"c": [1, 2]}}, {"b": null, "d": 1.5, "a": true} ] "#;
        let mut table = array_table("t.json", "t", stream(text)).unwrap();
        let names: Vec<_> = table
            .meta()
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect();
        assert_eq!(names, ["a", "b", "d"]);
        assert_eq!(
            all_rows(&mut table),
            vec![
                vec![Some("x}]\"".into()), Some(r#"{"c":[1,2]}"#.into()), None],
                vec![Some("true".into()), None, Some("1.5".into())],
            ]
        );
    }

    #[test]
    fn empty_array_has_no_rows() {
        let mut table = array_table("t.json", "t", stream("[]")).unwrap();
        assert!(table.meta().columns.is_empty());
        assert_eq!(table.next_rows(10).unwrap(), None);
    }

    #[test]
    fn truncated_array_is_an_error() {
        let error = array_table("t.json", "t", stream(r#"[{"a": 1}, {"a": "#))
            .map(|_| ())
            .unwrap_err();
        assert!(error.to_string().contains("element 2"), "{error}");
    }

    #[test]
    fn ndjson_line_that_is_not_an_object() {
        let error = ndjson_table("t.ndjson", "t", stream("{\"a\":1}\n\n[1]\n"))
            .map(|_| ())
            .unwrap_err();
        assert!(error.to_string().contains("line 3"), "{error}");
    }
}
