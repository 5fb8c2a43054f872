//! Profile and label every column of the UTF-8 CSV files in a folder, once: a fixed amount of
//! work for instruction-count profiling of the column path (`valgrind --tool=callgrind`).
//! Cells are split on commas without CSV quoting: realistic values suffice here.
//!
//! `cargo run --release -p shuan-classify --example profile_columns -- DIR`

fn main() {
    let dir = std::env::args().nth(1).expect("usage: profile_columns DIR");
    let engine = shuan_classify::Engine::builtin("general").expect("built-in pack");
    let (mut cells, mut labelled) = (0, 0);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("a folder")
        .map(|e| e.expect("an entry").path())
        .collect();
    paths.sort();
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
    {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        let mut profiles: Vec<_> = header
            .iter()
            .map(|h| engine.profile(h, None, None))
            .collect();
        for line in lines {
            for (p, cell) in profiles.iter_mut().zip(line.split(',')) {
                p.observe(&engine, Some(cell));
                cells += 1;
            }
        }
        labelled += profiles
            .iter()
            .filter(|p| p.label(&engine).entity.is_some())
            .count();
    }
    println!("{cells} cells, {labelled} columns labelled");
}
