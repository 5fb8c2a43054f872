//! Helpers shared by the server database tests (`db_postgres`, `db_mysql`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use shuan_source::{Input, Row, SourceError, TableReader};

/// The server URL from `variable`, or `None` after saying the test is skipped.
pub fn server_url(variable: &str, test: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            println!("skipped: {test} ({variable} not set)");
            None
        }
    }
}

/// A name part no other test, process or earlier run uses, so runs never collide.
pub fn unique_suffix() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The readers, panicking on the first table that could not be listed.
pub fn readers(inputs: Vec<Result<Input, SourceError>>) -> Vec<Box<dyn TableReader>> {
    inputs
        .into_iter()
        .map(|input| match input.unwrap() {
            Input::Table(table) => table,
            Input::Text(_) => panic!("a database gives tables"),
        })
        .collect()
}

pub fn names(tables: &[Box<dyn TableReader>]) -> Vec<String> {
    tables.iter().map(|t| t.meta().name.clone()).collect()
}

pub fn read_all(table: &mut dyn TableReader, batch: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    while let Some(more) = table.next_rows(batch).unwrap() {
        assert!(more.len() <= batch && !more.is_empty());
        assert!(
            more.iter()
                .all(|row| row.len() == table.meta().columns.len())
        );
        rows.extend(more);
    }
    rows
}
