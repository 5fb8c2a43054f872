//! `shuan watermark embed | trace`: mark a recipient's copy of a table, name the recipient of
//! a leaked one. The scheme lives in `shuan_protect::watermark` (docs/WATERMARK.md).
//!
//! Exit codes: 0 when the command ran (a trace that names nobody is a result, not a failure);
//! 2 on a usage error or an input that could not be read.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use shuan_protect::SecretKey;
use shuan_protect::watermark::{
    ColumnRole, Embedder, Layout, Observer, Registry, SAMPLE_ROWS, Trace, Verdict, WatermarkKey,
    format_probability, trace,
};
use shuan_sink::TableWriter;
use shuan_source::{Input, Row, TableMeta, TableReader};

/// Environment variable holding the master key in hex when no `--key-file` is given.
const KEY_VARIABLE: &str = "SHUAN_WATERMARK_KEY";
/// Rows read per batch.
const BATCH_ROWS: usize = 4_096;
/// Recipients listed by `trace --format table` (JSON lists all).
const LISTED_RECIPIENTS: usize = 10;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TraceFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Subcommand)]
pub enum WatermarkCommand {
    /// Write OUT, a copy of IN marked for one recipient (CSV, NDJSON, Parquet, XLSX: OUT takes
    /// IN's format), and record the recipient in the registry.
    Embed {
        input: PathBuf,
        output: PathBuf,
        /// Who receives this copy: the name `trace` reports.
        #[arg(long)]
        recipient: String,
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// Name the recipient whose marks a leaked table carries, with the probability of error.
    Trace {
        leaked: PathBuf,
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long, value_enum, default_value = "table")]
        format: TraceFormat,
    },
}

#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    /// The master key in hex (16, 24 or 32 bytes); default: the SHUAN_WATERMARK_KEY variable.
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// Registry of recipients (JSON; holds no secret).
    #[arg(long, default_value = "watermarks.json")]
    registry: PathBuf,
}

impl KeyArgs {
    fn master(&self) -> Result<WatermarkKey> {
        let key = match &self.key_file {
            Some(path) => SecretKey::from_key_file(path)?,
            None => SecretKey::from_env(KEY_VARIABLE).context(
                "no watermark key: pass --key-file FILE or set SHUAN_WATERMARK_KEY \
                 (`shuan keygen FILE` writes a key)",
            )?,
        };
        Ok(WatermarkKey::new(&key)?)
    }
}

pub fn run(command: WatermarkCommand) -> Result<u8> {
    match command {
        WatermarkCommand::Embed {
            input,
            output,
            recipient,
            keys,
        } => embed(&input, &output, &recipient, &keys),
        WatermarkCommand::Trace {
            leaked,
            keys,
            format,
        } => run_trace(&leaked, &keys, format),
    }
}

fn embed(input: &Path, output: &Path, recipient: &str, keys: &KeyArgs) -> Result<u8> {
    if recipient.trim().is_empty() {
        bail!("--recipient: give the name of who receives the copy");
    }
    if output.exists() && std::fs::canonicalize(input)? == std::fs::canonicalize(output)? {
        bail!("{}: the output would overwrite the input", output.display());
    }
    let master = keys.master()?;
    let mut writer: Option<Box<dyn TableWriter>> = None;
    for opened in shuan_source::open_path(input)? {
        let Input::Table(mut reader) = opened else {
            bail!(
                "{}: not a table; watermarks go into CSV, NDJSON, Parquet or XLSX tables",
                input.display()
            );
        };
        let meta = reader.meta().clone();
        let mut sheet = match writer.take() {
            None => shuan_sink::create_like(output, input, &meta)?,
            Some(mut workbook) => {
                workbook.next_table(&meta)?;
                workbook
            }
        };
        embed_table(reader.as_mut(), &meta, &master, recipient, sheet.as_mut())?;
        writer = Some(sheet);
    }
    let Some(writer) = writer else {
        bail!("{}: no table found", input.display());
    };
    writer.finish()?;
    let mut registry = Registry::load(&keys.registry)?;
    if registry.record_now(recipient, master.key_id()) {
        registry.save(&keys.registry)?;
    }
    Ok(0)
}

fn embed_table(
    reader: &mut dyn TableReader,
    meta: &TableMeta,
    master: &WatermarkKey,
    recipient: &str,
    writer: &mut dyn TableWriter,
) -> Result<()> {
    let sample = read_sample(reader)?;
    let layout = Layout::from_sample(meta.columns.len(), &sample);
    let mut embedder = Embedder::new(master.recipient(recipient), layout);
    let mut write = |mut rows: Vec<Row>| -> Result<()> {
        for row in &mut rows {
            embedder.mark_row(row);
            writer.write_row(row)?;
        }
        Ok(())
    };
    write(sample)?;
    while let Some(rows) = reader.next_rows(BATCH_ROWS)? {
        write(rows)?;
    }
    let stats = embedder.stats();
    eprintln!(
        "{}: {} rows marked for {recipient}: {} marks, {} cells changed",
        meta.name, stats.rows, stats.marks, stats.changed
    );
    eprintln!("  {}", describe_columns(meta, embedder.layout().roles()));
    if stats.marks == 0 {
        eprintln!(
            "  warning: no column can carry a mark (numbers, dates or date-times are needed); \
             this copy cannot be traced"
        );
    }
    Ok(())
}

fn read_sample(reader: &mut dyn TableReader) -> Result<Vec<Row>> {
    let mut sample = Vec::new();
    while sample.len() < SAMPLE_ROWS {
        match reader.next_rows(SAMPLE_ROWS - sample.len())? {
            Some(rows) => sample.extend(rows),
            None => break,
        }
    }
    Ok(sample)
}

fn describe_columns(meta: &TableMeta, roles: &[ColumnRole]) -> String {
    meta.columns
        .iter()
        .zip(roles)
        .map(|(column, role)| format!("{}: {}", column.name, role.describe()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One table of the leaked file, traced.
struct TracedTable {
    name: String,
    rows: u64,
    candidate_cells: usize,
    columns: String,
    trace: Trace,
}

fn run_trace(leaked: &Path, keys: &KeyArgs, format: TraceFormat) -> Result<u8> {
    let master = keys.master()?;
    let registry = Registry::load(&keys.registry)?;
    let (ours, others): (Vec<_>, Vec<_>) = registry
        .recipients
        .iter()
        .partition(|entry| entry.key_id == master.key_id());
    if ours.is_empty() {
        bail!(
            "{}: no recipient registered under this key (key id {}); pass the registry and key \
             the copies were marked with",
            keys.registry.display(),
            master.key_id()
        );
    }
    if !others.is_empty() {
        eprintln!(
            "note: {} recipient(s) in {} were marked under another key and are not tried",
            others.len(),
            keys.registry.display()
        );
    }
    let recipient_keys: Vec<_> = ours
        .iter()
        .map(|entry| master.recipient(&entry.recipient))
        .collect();
    let mut traced = Vec::new();
    for opened in shuan_source::open_path(leaked)? {
        let Input::Table(mut reader) = opened else {
            bail!(
                "{}: not a table; only tables carry watermarks",
                leaked.display()
            );
        };
        let meta = reader.meta().clone();
        let sample = read_sample(reader.as_mut())?;
        let layout = Layout::from_sample(meta.columns.len(), &sample);
        let columns = describe_columns(&meta, layout.roles());
        let mut observer = Observer::new(layout);
        for row in &sample {
            observer.observe_row(row);
        }
        while let Some(rows) = reader.next_rows(BATCH_ROWS)? {
            for row in &rows {
                observer.observe_row(row);
            }
        }
        let observations = observer.finish();
        let result = trace(
            &observations,
            ours.iter()
                .map(|entry| entry.recipient.as_str())
                .zip(recipient_keys.iter()),
        );
        traced.push(TracedTable {
            name: meta.name.clone(),
            rows: observations.rows(),
            candidate_cells: observations.candidate_cells(),
            columns,
            trace: result,
        });
    }
    match format {
        TraceFormat::Table => print_table(&traced),
        TraceFormat::Json => print_json(&traced)?,
    }
    Ok(0)
}

fn verdict_text(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Attributed {
            recipient,
            log10_false_positive,
        } => format!(
            "attributed to {recipient} with false-positive probability {}",
            format_probability(*log10_false_positive)
        ),
        Verdict::NotAttributable => "no recipient attributable".to_owned(),
    }
}

fn print_table(traced: &[TracedTable]) {
    for table in traced {
        println!(
            "{}: {} rows, {} cells that can carry a mark",
            table.name, table.rows, table.candidate_cells
        );
        println!("  columns: {}", table.columns);
        println!(
            "  {:>4}  {:<24} {:>17}  p-value",
            "rank", "recipient", "matched/checked"
        );
        for (rank, score) in table
            .trace
            .ranked
            .iter()
            .take(LISTED_RECIPIENTS)
            .enumerate()
        {
            println!(
                "  {:>4}  {:<24} {:>17}  {}",
                rank + 1,
                score.recipient,
                format!("{}/{}", score.score.matched, score.score.checked),
                format_probability(score.log10_p_value)
            );
        }
        if table.trace.ranked.len() > LISTED_RECIPIENTS {
            println!(
                "  … {} more (--format json lists all)",
                table.trace.ranked.len() - LISTED_RECIPIENTS
            );
        }
        println!("verdict: {}", verdict_text(&table.trace.verdict));
    }
}

fn print_json(traced: &[TracedTable]) -> Result<()> {
    let tables: Vec<serde_json::Value> = traced
        .iter()
        .map(|table| {
            let (attributed_to, false_positive) = match &table.trace.verdict {
                Verdict::Attributed {
                    recipient,
                    log10_false_positive,
                } => (
                    Some(recipient.clone()),
                    Some(format_probability(*log10_false_positive)),
                ),
                Verdict::NotAttributable => (None, None),
            };
            serde_json::json!({
                "table": table.name,
                "rows": table.rows,
                "candidate_cells": table.candidate_cells,
                "verdict": verdict_text(&table.trace.verdict),
                "attributed_to": attributed_to,
                "false_positive_probability": false_positive,
                "recipients": table.trace.ranked.iter().map(|score| serde_json::json!({
                    "recipient": score.recipient,
                    "matched": score.score.matched,
                    "checked": score.score.checked,
                    "p_value": format_probability(score.log10_p_value),
                    "log10_p_value": score.log10_p_value,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&tables)?);
    Ok(())
}
