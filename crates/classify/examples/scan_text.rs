//! Scan a text file once and print the number of findings per entity. A fixed amount of work,
//! for instruction-count profiling (`valgrind --tool=callgrind`), which stays repeatable on a
//! loaded machine where wall-clock benchmarks do not.
//!
//! `cargo run --release -p shuan-classify --example scan_text -- FILE`

use std::collections::BTreeMap;

fn main() {
    let path = std::env::args().nth(1).expect("usage: scan_text FILE");
    let text = std::fs::read_to_string(&path).expect("a readable UTF-8 file");
    let engine = shuan_classify::Engine::builtin("general").expect("built-in pack");
    let mut findings = Vec::new();
    let started = std::time::Instant::now();
    engine.scan_text(&text, 1, &mut findings);
    let seconds = started.elapsed().as_secs_f64();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &findings {
        *counts.entry(engine.found_id(f.found)).or_default() += 1;
    }
    println!(
        "{} bytes, {} findings: {counts:?}",
        text.len(),
        findings.len()
    );
    // On stderr, so that the findings line stays comparable between builds.
    eprintln!(
        "scanned in {seconds:.3} s: {:.1} MB/s",
        text.len() as f64 / seconds / 1e6
    );
}
