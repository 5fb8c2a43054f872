//! Reads every table of the shared dev corpus (`../shared/eval/dev` beside the
//! repository) and checks headers against its labels and the row count. Users
//! of the repository have no such folder: the test then says it was skipped.

use shuan_source::{Input, open_path};
use std::path::Path;

const ROWS_PER_TABLE: usize = 400;

#[test]
fn dev_corpus_tables_read_with_labelled_headers() {
    let dev = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval/dev");
    let dev = if dev.exists() {
        dev
    } else {
        Path::new("/work/shared/eval/dev").to_owned()
    };
    let Ok(labels) = std::fs::read_to_string(dev.join("labels.json")) else {
        println!(
            "skipped dev_corpus_tables_read_with_labelled_headers: no {}",
            dev.display()
        );
        return;
    };
    let labels: serde_json::Value = serde_json::from_str(&labels).unwrap();
    let tables = labels["tables"].as_array().unwrap();
    assert!(!tables.is_empty());
    for table in tables {
        let file = table["file"].as_str().unwrap();
        let expected: Vec<&str> = table["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        let path = dev.join("tables").join(file);
        let mut inputs = open_path(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(inputs.len(), 1, "{file}");
        let Input::Table(mut reader) = inputs.remove(0) else {
            panic!("{file} is not a table")
        };
        let names: Vec<&str> = reader
            .meta()
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, expected, "{file}");
        assert_eq!(reader.meta().name, file.split('.').next().unwrap());
        let mut rows = 0;
        while let Some(batch) = reader.next_rows(128).unwrap_or_else(|e| panic!("{e}")) {
            assert!(
                batch.iter().all(|row| row.len() == expected.len()),
                "{file}"
            );
            rows += batch.len();
        }
        assert_eq!(rows, ROWS_PER_TABLE, "{file}");
    }
    let log = dev.join("text/app.log");
    if log.exists() {
        let Input::Text(mut text) = open_path(&log).unwrap().remove(0) else {
            panic!("app.log is not text")
        };
        let first = text.next_chunk().unwrap().unwrap();
        assert_eq!(first.first_line, 1);
    }
}
