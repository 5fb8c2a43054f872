//! Throughput of the two hot paths: text scanning (bytes/s) and column profiling (cells/s),
//! on the labelled corpus bundled with the CLI's tests.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shuan_classify::Engine;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../cli/tests/corpus");

fn text(c: &mut Criterion) {
    let engine = Engine::builtin("general").unwrap();
    let log = std::fs::read_to_string(format!("{CORPUS}/text/app.log")).unwrap();
    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(log.len() as u64));
    g.bench_function("scan corpus log", |b| {
        let mut out = Vec::with_capacity(8000);
        b.iter(|| {
            out.clear();
            engine.scan_text(black_box(&log), 1, &mut out);
            out.len()
        })
    });
    g.finish();
}

/// Columns of the corpus CSV tables (UTF-8 ones), split naively: values only need to be
/// realistic, not perfectly parsed.
fn corpus_columns() -> Vec<(String, Vec<String>)> {
    let mut columns = Vec::new();
    for entry in std::fs::read_dir(format!("{CORPUS}/tables")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".csv") || name.contains(".gbk.") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let mut cols: Vec<(String, Vec<String>)> =
            header.iter().map(|h| (h.to_string(), Vec::new())).collect();
        for line in lines {
            for (col, cell) in cols.iter_mut().zip(line.split(',')) {
                col.1.push(cell.to_owned());
            }
        }
        columns.extend(cols);
    }
    columns
}

fn columns(c: &mut Criterion) {
    let engine = Engine::builtin("general").unwrap();
    let columns = corpus_columns();
    let cells: usize = columns.iter().map(|c| c.1.len()).sum();
    let mut g = c.benchmark_group("columns");
    g.throughput(Throughput::Elements(cells as u64));
    g.bench_function("profile and label corpus columns", |b| {
        b.iter(|| {
            columns
                .iter()
                .map(|(name, values)| {
                    let mut p = engine.profile(name, None, None);
                    for v in values {
                        p.observe(&engine, Some(v));
                    }
                    p.label(&engine).entity.is_some() as usize
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, text, columns);
criterion_main!(benches);
