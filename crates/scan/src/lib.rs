//! The scan pipeline: read inputs, classify them in parallel, build the report. Used by the
//! `shuan scan` command and by the platform's scan jobs.
//!
//! Architecture invariant: no printing and no process exit here; callers decide how to show
//! progress (an `indicatif` bar, or a job record) and what to do with the report.

pub mod html;
pub mod report;

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use shuan_classify::{Engine, Entity, Found};
use shuan_source::{Input, SourceError, TableReader, TextReader, db};

use crate::report::{
    ColumnReport, FindingKind, FindingRow, Findings, InputError, Report, TableReport, TextFindings,
    mask,
};

/// How a scan samples and what it shows.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Non-empty values profiled per column.
    pub sample: usize,
    /// Read every row and count every match (the volume of sensitive records).
    pub full: bool,
    /// Keep masked example values in the report.
    pub show_samples: bool,
}

/// Rows read per batch from a table.
const BATCH_ROWS: usize = 1024;
/// Sparse columns may need more rows than `sample` to fill their sample; stop here regardless.
const MAX_ROWS_FACTOR: u64 = 20;

/// What one input produced.
enum Outcome {
    Table(TableReport),
    Text(TextFindings),
    Failed(InputError),
}

fn failed(e: SourceError) -> Outcome {
    Outcome::Failed(InputError {
        source: e.source_name().to_owned(),
        message: e.to_string(),
    })
}

/// Whether a command-line argument names a database rather than files.
pub fn is_database_arg(arg: &std::path::Path) -> bool {
    let text = arg.to_string_lossy();
    text.contains("://") || (arg.is_file() && db::is_sqlite_file(arg))
}

/// Scan files, folders and databases. Every readable input is scanned; unreadable ones are
/// listed in the report's errors.
pub fn scan(
    engine: &Engine,
    args: &[PathBuf],
    opts: &ScanOptions,
    db_opts: &db::ScanOptions,
    progress: bool,
) -> Report {
    let (databases, paths): (Vec<&PathBuf>, Vec<&PathBuf>) =
        args.iter().partition(|a| is_database_arg(a));
    let mut inputs: Vec<Pending> = Vec::new();
    for entry in shuan_source::walk(&paths.into_iter().cloned().collect::<Vec<_>>()) {
        inputs.push(match entry {
            Ok(p) => Pending::File(p),
            Err(e) => Pending::Failed(e),
        });
    }
    for target in databases {
        let listed = db::DbTarget::parse(&target.to_string_lossy())
            .and_then(|t| db::scan_database(&t, db_opts));
        match listed {
            Ok(tables) => inputs.extend(
                tables
                    .into_iter()
                    .map(|t| t.map_or_else(Pending::Failed, Pending::Open)),
            ),
            Err(e) => inputs.push(Pending::Failed(e)),
        }
    }
    let bar = progress_bar(progress, inputs.len() as u64);
    let outcomes: Vec<Outcome> = inputs
        .into_par_iter()
        .flat_map_iter(|pending| {
            let outcomes = match pending {
                Pending::File(path) => {
                    bar.set_message(path.display().to_string());
                    match shuan_source::open_path(&path) {
                        Ok(inputs) => inputs
                            .into_iter()
                            .map(|input| scan_input(engine, input, opts))
                            .collect(),
                        Err(e) => vec![failed(e)],
                    }
                }
                Pending::Open(input) => vec![scan_input(engine, input, opts)],
                Pending::Failed(e) => vec![failed(e)],
            };
            bar.inc(1);
            outcomes
        })
        .collect();
    bar.finish_and_clear();
    build_report(engine, outcomes)
}

/// An input waiting to be scanned.
enum Pending {
    File(PathBuf),
    Open(Input),
    Failed(SourceError),
}

pub fn progress_bar(enabled: bool, len: u64) -> ProgressBar {
    use std::io::IsTerminal;
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {wide_msg}",
        )
        .expect("static template is valid"),
    );
    bar
}

fn build_report(engine: &Engine, outcomes: Vec<Outcome>) -> Report {
    let mut tables = Vec::new();
    let mut texts = Vec::new();
    let mut errors = Vec::new();
    for o in outcomes {
        match o {
            Outcome::Table(t) => tables.push(t),
            Outcome::Text(f) => texts.push(f),
            Outcome::Failed(e) => errors.push(e),
        }
    }
    let mut report = Report {
        tables,
        findings: Findings::new(finding_kinds(engine), texts),
        errors,
        summary: Default::default(),
        rule_pack: String::new(),
    };
    // Parallel completion order is arbitrary; reports are compared and diffed, so sort.
    report
        .tables
        .sort_by(|a, b| a.source.cmp(&b.source).then(a.name.cmp(&b.name)));
    report.errors.sort_by(|a, b| a.source.cmp(&b.source));
    report.finish(engine);
    report
}

fn scan_input(engine: &Engine, input: Input, opts: &ScanOptions) -> Outcome {
    let result = match input {
        Input::Table(t) => scan_table(engine, t, opts).map(Outcome::Table),
        Input::Text(t) => scan_text(engine, t, opts).map(Outcome::Text),
    };
    result.unwrap_or_else(failed)
}

fn scan_table(
    engine: &Engine,
    mut reader: Box<dyn TableReader>,
    opts: &ScanOptions,
) -> Result<TableReport, SourceError> {
    let meta = reader.meta().clone();
    let limit = (!opts.full).then_some(opts.sample);
    let mut profiles: Vec<_> = meta
        .columns
        .iter()
        .map(|c| engine.profile(&c.name, c.comment.as_deref(), limit))
        .collect();
    let max_rows = (opts.sample as u64).saturating_mul(MAX_ROWS_FACTOR);
    let mut rows_scanned = 0u64;
    while let Some(rows) = reader.next_rows(BATCH_ROWS)? {
        for row in &rows {
            for (profile, cell) in profiles.iter_mut().zip(row) {
                profile.observe(engine, cell.as_deref());
            }
        }
        rows_scanned += rows.len() as u64;
        if !opts.full && (profiles.iter().all(|p| p.is_full()) || rows_scanned >= max_rows) {
            break;
        }
    }
    let columns: Vec<ColumnReport> = profiles
        .iter()
        .zip(&meta.columns)
        .enumerate()
        .map(|(i, (p, c))| {
            ColumnReport::from_label(
                i,
                p.label(engine),
                c.comment.clone(),
                c.data_type.clone(),
                opts.show_samples,
            )
        })
        .collect();
    let level = columns
        .iter()
        .filter_map(|c| c.level.as_deref())
        .max_by_key(|l| engine.rules().level_rank(l))
        .map(str::to_owned);
    Ok(TableReport {
        source: meta.source,
        name: meta.name,
        rows_scanned,
        row_estimate: meta.row_estimate,
        level,
        columns,
        notes: meta.notes,
    })
}

/// Pieces a text chunk is split into so both cores share a large file.
const PIECES: usize = 8;

/// What each kind of finding reports, indexed as [`kind_index`] numbers them.
fn finding_kinds(engine: &Engine) -> Vec<FindingKind> {
    let builtin = Entity::ALL.iter().map(|&e| Found::Builtin(e));
    let custom = (0..engine.custom_detectors().len()).map(Found::Custom);
    builtin
        .chain(custom)
        .map(|found| {
            let entity = engine.found_id(found);
            FindingKind {
                entity: entity.to_owned(),
                level: engine.rules().rule(entity).map(|r| r.2.to_owned()),
            }
        })
        .collect()
}

/// A finding's index in [`finding_kinds`]: built-in entities first, in declaration order
/// (which `Entity::ALL` follows), then custom detectors.
fn kind_index(found: Found) -> u32 {
    match found {
        Found::Builtin(e) => e as u32,
        Found::Custom(i) => (Entity::ALL.len() + i) as u32,
    }
}

fn scan_text(
    engine: &Engine,
    mut reader: Box<dyn TextReader>,
    opts: &ScanOptions,
) -> Result<TextFindings, SourceError> {
    let mut findings = TextFindings {
        source: reader.source().to_owned(),
        ..Default::default()
    };
    let mut next = reader.next_chunk()?;
    while let Some(chunk) = next {
        // Reading (and UTF-8 checking) the next chunk overlaps with scanning this one, and
        // each piece builds its own report rows: the serial part is only the final append.
        let pieces = split_lines(&chunk.text, PIECES, chunk.first_line);
        let (found, read) = rayon::join(
            || {
                pieces
                    .par_iter()
                    .map(|&(text, first)| scan_piece(engine, text, first, opts))
                    .collect::<Vec<_>>()
            },
            || reader.next_chunk(),
        );
        for (mut rows, mut samples) in found {
            findings.rows.append(&mut rows);
            findings.samples.append(&mut samples);
        }
        next = read?;
    }
    Ok(findings)
}

/// The report rows of one piece of text (whole lines, the first numbered `first_line`), in
/// the engine's (line, start) order, and when samples are shown their masked text.
fn scan_piece(
    engine: &Engine,
    text: &str,
    first_line: u64,
    opts: &ScanOptions,
) -> (Vec<FindingRow>, Vec<String>) {
    // Room for a finding every 32 bytes, denser than the densest log measured (one every
    // 44): growing the vector by doubling copied more bytes than the text had.
    let mut found = Vec::with_capacity(text.len() / 32);
    engine.scan_text(text, first_line, &mut found);
    let rows = found
        .iter()
        .map(|f| FindingRow {
            line: f.line,
            confidence: f.confidence,
            // Lines are capped at 16 MiB, so offsets within one fit.
            start: f.start as u32,
            end: f.end as u32,
            kind: kind_index(f.found),
        })
        .collect();
    let samples = if opts.show_samples {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|p| p + 1))
            .collect();
        found
            .iter()
            .map(|f| {
                let line = &text[line_starts[(f.line - first_line) as usize]..];
                mask(line.get(f.byte_start..f.byte_end).unwrap_or_default())
            })
            .collect()
    } else {
        Vec::new()
    };
    (rows, samples)
}

/// Split text into about `n` pieces at line boundaries, each with its first line's number.
fn split_lines(text: &str, n: usize, first_line: u64) -> Vec<(&str, u64)> {
    let target = text.len() / n + 1;
    let mut pieces = Vec::with_capacity(n);
    let mut start = 0;
    let mut line = first_line;
    while start < text.len() {
        let mut end = (start + target).min(text.len());
        while end < text.len() && !text.is_char_boundary(end) {
            end += 1;
        }
        end = match memchr::memchr(b'\n', &text.as_bytes()[end..]) {
            Some(p) => end + p + 1,
            None => text.len(),
        };
        let piece = &text[start..end];
        pieces.push((piece, line));
        line += memchr::memchr_iter(b'\n', piece.as_bytes()).count() as u64;
        start = end;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_indexes_name_their_entities() {
        let engine = Engine::builtin("general").unwrap();
        let kinds = finding_kinds(&engine);
        for &entity in Entity::ALL {
            let kind = &kinds[kind_index(Found::Builtin(entity)) as usize];
            assert_eq!(kind.entity, entity.id());
        }
        assert_eq!(
            kinds.len(),
            Entity::ALL.len() + engine.custom_detectors().len()
        );
    }

    #[test]
    fn pieces_keep_line_numbers() {
        let text = "a\nb\nc\nd\ne\n";
        let pieces = split_lines(text, 3, 10);
        assert_eq!(pieces.iter().map(|p| p.0).collect::<String>(), text);
        let mut expected = 10;
        for (piece, first) in &pieces {
            assert_eq!(*first, expected);
            expected += piece.matches('\n').count() as u64;
        }
    }
}
