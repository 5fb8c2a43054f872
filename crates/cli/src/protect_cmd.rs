//! `shuan mask | unmask | encrypt | decrypt | keygen`: protection from the command line.
//!
//! Masking reads each table with `shuan-source`, decides each column's operator from the
//! classifier's label (a profile of the first rows, or a `shuan scan --format json` report)
//! and the policy, streams every row through the operators and writes the same format with
//! `shuan-sink`. Text files have the findings of each line replaced. A value an operator
//! cannot protect is never written in clear: it falls back to a redaction (`***`, or a null
//! in a column that keeps a typed schema) and is counted.
//!
//! Exit codes: 0 done; 2 a usage error or an input that could not be read or written (after
//! the others were processed).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use shuan_classify::{DEFAULT_SAMPLE, Engine, Finding};
use shuan_protect::{Algorithm, FileHeader, Operator, Policy, SecretKey, SoftwareProvider};
use shuan_sink::TableWriter;
use shuan_source::{Input, Row, SourceError, TableMeta, TableReader, TextReader, db};

/// Environment variable holding the masking key (hex) when no `--key-file` is given.
const MASK_KEY_ENV: &str = "SHUAN_MASK_KEY";
/// Rows read, masked and written per batch.
const BATCH_ROWS: usize = 4096;
/// Rows profiled at most to fill a column's sample (sparse columns), as `shuan scan` does.
const PROFILE_ROWS_FACTOR: usize = 20;
/// Shuffle permutes a whole column, so the column is held in memory: at most this many values.
const MAX_SHUFFLE_VALUES: usize = 5_000_000;

#[derive(Debug, clap::Subcommand)]
pub enum ProtectCommand {
    /// Mask tables and text (脱敏): files, folders (the tree is mirrored) or a database.
    Mask(MaskArgs),
    /// Reverse the reversible operators (format-preserving encryption) of a masked output.
    Unmask(UnmaskArgs),
    /// Encrypt a file (SM4-GCM by default) in authenticated chunks.
    Encrypt(EncryptArgs),
    /// Decrypt a file written by `shuan encrypt`; nothing is written unless every chunk verifies.
    Decrypt(DecryptArgs),
    /// Write a new random key, in hex, to a file only its owner can read.
    Keygen(KeygenArgs),
}

#[derive(Debug, clap::Args)]
pub struct MaskArgs {
    /// A file, a folder, or a database (postgres://, mysql://, sqlite:///file.db).
    input: String,
    /// The output file or folder (a file input gives a file, a folder a folder).
    output: Option<PathBuf>,
    /// For a database input: a folder of CSV files, or a database URL to copy masked tables to.
    #[arg(long, value_name = "DIR|URL")]
    to: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, clap::Args)]
pub struct UnmaskArgs {
    /// A masked file or folder.
    input: PathBuf,
    output: PathBuf,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, clap::Args)]
struct Common {
    /// Masking policy (YAML); without one, personal information is partially masked and
    /// core data redacted.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Take columns' entities and levels from a `shuan scan --format json` report instead
    /// of profiling each table's first rows.
    #[arg(long)]
    report: Option<PathBuf>,
    /// The masking key (hex; 32 digits for SM4). Default: the SHUAN_MASK_KEY environment
    /// variable. Needed by fpe, keyed_hash, substitute, date_shift and shuffle.
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// Built-in rule pack that labels columns: general or government.
    #[arg(long, default_value = "general")]
    pack: String,
    /// Non-empty values profiled per column to label it.
    #[arg(long, default_value_t = DEFAULT_SAMPLE)]
    sample: usize,
    /// No progress bar and no per-table summary.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum AlgorithmChoice {
    Sm4,
    Aes128,
    Aes256,
}

impl From<AlgorithmChoice> for Algorithm {
    fn from(choice: AlgorithmChoice) -> Self {
        match choice {
            AlgorithmChoice::Sm4 => Algorithm::Sm4,
            AlgorithmChoice::Aes128 => Algorithm::Aes128,
            AlgorithmChoice::Aes256 => Algorithm::Aes256,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct EncryptArgs {
    input: PathBuf,
    output: PathBuf,
    #[arg(long, value_enum, default_value = "sm4")]
    alg: AlgorithmChoice,
    /// The key (hex): 32 digits for SM4 and AES-128, 64 for AES-256.
    #[arg(long)]
    key_file: PathBuf,
    /// A name for the key, written in the clear header so the right key can be found.
    #[arg(long)]
    key_id: String,
}

#[derive(Debug, clap::Args)]
pub struct DecryptArgs {
    input: PathBuf,
    output: PathBuf,
    #[arg(long)]
    key_file: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    output: PathBuf,
    /// The algorithm the key is for (sets its length).
    #[arg(long, value_enum, default_value = "sm4")]
    alg: AlgorithmChoice,
}

pub fn run(command: ProtectCommand) -> Result<u8> {
    match command {
        ProtectCommand::Mask(args) => run_mask(args),
        ProtectCommand::Unmask(args) => {
            let job = Job::new(&args.common, Direction::Unmask)?;
            Ok(job.files(&args.input, &args.output))
        }
        ProtectCommand::Encrypt(args) => run_encrypt(args).map(|()| 0),
        ProtectCommand::Decrypt(args) => run_decrypt(args).map(|()| 0),
        ProtectCommand::Keygen(args) => run_keygen(args).map(|()| 0),
    }
}

fn run_mask(args: MaskArgs) -> Result<u8> {
    let job = Job::new(&args.common, Direction::Mask)?;
    let input = Path::new(&args.input);
    if shuan_scan::is_database_arg(input) {
        let Some(to) = args
            .to
            .as_deref()
            .or(args.output.as_ref().and_then(|p| p.to_str()))
        else {
            bail!(
                "{}: a database input needs --to DIR or --to URL",
                args.input
            );
        };
        return job.database(&args.input, to);
    }
    let Some(output) = args.output.as_deref() else {
        bail!("missing OUTPUT: shuan mask IN OUT");
    };
    Ok(job.files(input, output))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Direction {
    Mask,
    Unmask,
}

/// A column's entity and level, from a profile or a report.
#[derive(Debug, Clone, Default)]
struct Label {
    entity: Option<String>,
    level: Option<String>,
}

/// How one column is treated.
struct ColumnPlan {
    operator: Option<Operator>,
    entity: Option<String>,
    /// The output keeps the column's input type (else the sink writes it as text).
    keeps_type: bool,
    /// The column's type cannot hold `***` (a Parquet INT64): a fallback is a null.
    typed_fallback: bool,
    /// Values the operator could not protect (or give back), written as the fallback.
    failures: u64,
}

/// Everything a mask or unmask run shares across tables.
struct Job {
    engine: Engine,
    policy: Policy,
    crypto: SoftwareProvider,
    has_key: bool,
    report: Option<ReportLabels>,
    sample: usize,
    direction: Direction,
    quiet: bool,
}

impl Job {
    fn new(common: &Common, direction: Direction) -> Result<Self> {
        let policy = match &common.policy {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("{}: cannot read the policy", path.display()))?;
                Policy::from_yaml(&text).with_context(|| format!("{}", path.display()))?
            }
            None => Policy::builtin(),
        };
        let key = match &common.key_file {
            Some(path) => Some(SecretKey::from_key_file(path)?),
            None if std::env::var_os(MASK_KEY_ENV).is_some() => {
                Some(SecretKey::from_env(MASK_KEY_ENV)?)
            }
            None => None,
        };
        if direction == Direction::Unmask && key.is_none() {
            bail!("unmask needs the masking key: --key-file FILE or {MASK_KEY_ENV}");
        }
        let has_key = key.is_some();
        // Operators without a key (redact, partial_mask, generalize…) never touch it; a
        // throwaway key lets them share one code path, and `plan` refuses keyed operators.
        let key = match key {
            Some(key) => key,
            None => SecretKey::generate(16)?,
        };
        let crypto = SoftwareProvider::new(Algorithm::Sm4, &key).context(
            "the masking key: SM4 needs 16 bytes (32 hex digits); `shuan keygen FILE` writes one",
        )?;
        let report = common
            .report
            .as_deref()
            .map(ReportLabels::load)
            .transpose()?;
        Ok(Job {
            engine: Engine::builtin(&common.pack)?,
            policy,
            crypto,
            has_key,
            report,
            sample: common.sample.max(1),
            direction,
            quiet: common.quiet,
        })
    }

    /// Masks (or unmasks) a file or a folder into `output`, mirroring the tree.
    fn files(&self, input: &Path, output: &Path) -> u8 {
        let mut failed = 0usize;
        let pairs: Vec<(PathBuf, PathBuf)> = if input.is_dir() {
            shuan_source::walk(&[input.to_owned()])
                .filter_map(|entry| match entry {
                    Ok(file) => {
                        let relative = file.strip_prefix(input).unwrap_or(&file).to_owned();
                        Some((file, output.join(relative)))
                    }
                    Err(error) => {
                        eprintln!("error: {error}");
                        failed += 1;
                        None
                    }
                })
                .collect()
        } else if output.is_dir() {
            let name = input.file_name().unwrap_or(input.as_os_str());
            vec![(input.to_owned(), output.join(name))]
        } else {
            vec![(input.to_owned(), output.to_owned())]
        };
        let bar = shuan_scan::progress_bar(!self.quiet, pairs.len() as u64);
        for (file, out) in &pairs {
            bar.set_message(file.display().to_string());
            if let Err(error) = self.file(file, out) {
                bar.suspend(|| eprintln!("error: {error:#}"));
                failed += 1;
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        if failed > 0 { 2 } else { 0 }
    }

    fn file(&self, input: &Path, output: &Path) -> Result<()> {
        if same_file(input, output) {
            bail!("{}: the output would overwrite the input", output.display());
        }
        if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create the folder", parent.display()))?;
        }
        let inputs = shuan_source::open_path(input)?;
        let mut writer: Option<Box<dyn TableWriter>> = None;
        for (index, opened) in inputs.into_iter().enumerate() {
            match opened {
                Input::Table(reader) => {
                    let reopen = || -> Result<Box<dyn TableReader>, SourceError> {
                        match shuan_source::open_path(input)?.into_iter().nth(index) {
                            Some(Input::Table(reader)) => Ok(reader),
                            _ => Err(SourceError::input(
                                input.display().to_string(),
                                "changed while it was being masked",
                            )),
                        }
                    };
                    let create = |meta: &TableMeta| -> Result<Box<dyn TableWriter>> {
                        Ok(match writer.take() {
                            None => shuan_sink::create_like(output, input, meta)?,
                            Some(mut workbook) => {
                                workbook.next_table(meta)?;
                                workbook
                            }
                        })
                    };
                    writer = Some(self.table(reader, Some(&reopen), true, create)?);
                }
                Input::Text(reader) => self.text(input, output, reader)?,
            }
        }
        if let Some(writer) = writer {
            writer.finish()?;
        }
        Ok(())
    }

    /// Masks a database's tables into a folder of CSV files or another database.
    fn database(&self, url: &str, to: &str) -> Result<u8> {
        let target = db::DbTarget::parse(url)?;
        let options = db::ScanOptions {
            full: true,
            ..db::ScanOptions::default()
        };
        let tables = db::scan_database(&target, &options)?;
        let destination = if to.contains("://") {
            Destination::Database(shuan_sink::DbSink::connect(to)?)
        } else {
            std::fs::create_dir_all(to)
                .with_context(|| format!("{to}: cannot create the folder"))?;
            Destination::Folder(PathBuf::from(to))
        };
        let bar = shuan_scan::progress_bar(!self.quiet, tables.len() as u64);
        let mut failed = 0;
        for table in tables {
            let result = table.map_err(anyhow::Error::from).and_then(|input| {
                let Input::Table(reader) = input else {
                    bail!("{}: not a table", target.display())
                };
                bar.set_message(reader.meta().name.clone());
                let writer = self.table(reader, None, false, |meta| {
                    Ok(match &destination {
                        Destination::Folder(folder) => shuan_sink::create_csv(
                            &folder.join(format!("{}.csv", file_safe(&meta.name))),
                            meta,
                        )?,
                        Destination::Database(sink) => sink.create_table(meta)?,
                    })
                })?;
                writer.finish()?;
                Ok(())
            });
            if let Err(error) = result {
                bar.suspend(|| eprintln!("error: {error:#}"));
                failed += 1;
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        Ok(if failed > 0 { 2 } else { 0 })
    }

    /// Streams one table through its columns' operators into the writer `create` makes.
    /// `reopen` reads the table again from the start: shuffled columns are collected in a
    /// first pass (without it, shuffle is refused). `typed_output`: the writer keeps the
    /// input's column types (files); else every column is written as text (databases).
    fn table(
        &self,
        mut reader: Box<dyn TableReader>,
        reopen: Option<&dyn Fn() -> Result<Box<dyn TableReader>, SourceError>>,
        typed_output: bool,
        create: impl FnOnce(&TableMeta) -> Result<Box<dyn TableWriter>>,
    ) -> Result<Box<dyn TableWriter>> {
        let meta = reader.meta().clone();
        let (labels, mut pending) = match self.report.as_ref().map(|r| r.table(&meta)) {
            Some(Some(labels)) => (labels, Vec::new()),
            Some(None) => {
                eprintln!(
                    "warning: {} ({}): not in the report; its columns are labelled by profiling",
                    meta.source, meta.name
                );
                self.profile(reader.as_mut())?
            }
            None => self.profile(reader.as_mut())?,
        };
        let mut plans = self.plan(&meta, &labels, typed_output)?;
        let mut shuffled = self.shuffle_columns(&meta, &plans, reopen)?;
        let mut output_meta = meta.clone();
        for (column, plan) in output_meta.columns.iter_mut().zip(&plans) {
            if !plan.keeps_type {
                column.data_type = None;
            }
        }
        let mut writer = create(&output_meta)?;
        let mut rows_done = 0u64;
        loop {
            let mut rows = if pending.is_empty() {
                match reader.next_rows(BATCH_ROWS)? {
                    Some(rows) => rows,
                    None => break,
                }
            } else {
                std::mem::take(&mut pending)
            };
            for row in &mut rows {
                self.protect_row(row, &mut plans, &mut shuffled);
                writer.write_row(row)?;
            }
            rows_done += rows.len() as u64;
        }
        self.summarise(&meta, &plans, rows_done);
        Ok(writer)
    }

    /// Labels the columns from the first rows, which are kept to be masked first.
    fn profile(&self, reader: &mut dyn TableReader) -> Result<(Vec<Label>, Vec<Row>)> {
        let meta = reader.meta().clone();
        let mut profiles: Vec<_> = meta
            .columns
            .iter()
            .map(|c| {
                self.engine
                    .profile(&c.name, c.comment.as_deref(), Some(self.sample))
            })
            .collect();
        let mut kept = Vec::new();
        while kept.len() < self.sample * PROFILE_ROWS_FACTOR
            && !profiles.iter().all(|p| p.is_full())
        {
            let Some(rows) = reader.next_rows(BATCH_ROWS)? else {
                break;
            };
            for row in &rows {
                for (profile, cell) in profiles.iter_mut().zip(row) {
                    profile.observe(&self.engine, cell.as_deref());
                }
            }
            kept.extend(rows);
        }
        let labels = profiles
            .iter()
            .map(|profile| {
                let label = profile.label(&self.engine);
                Label {
                    entity: label.entity,
                    level: label.level,
                }
            })
            .collect();
        Ok((labels, kept))
    }

    fn plan(
        &self,
        meta: &TableMeta,
        labels: &[Label],
        typed_output: bool,
    ) -> Result<Vec<ColumnPlan>> {
        meta.columns
            .iter()
            .enumerate()
            .map(|(index, column)| {
                let label = labels.get(index).cloned().unwrap_or_default();
                let operator = self
                    .policy
                    .operator_for(&column.name, label.entity.as_deref(), label.level.as_deref())
                    .filter(|op| **op != Operator::Keep)
                    .filter(|op| self.direction == Direction::Mask || op.is_reversible())
                    .cloned();
                if let Some(op) = &operator
                    && needs_key(op)
                    && !self.has_key
                {
                    bail!(
                        "{}: column {} uses {} which needs a key: --key-file FILE or {MASK_KEY_ENV} \
                         (`shuan keygen FILE` writes one)",
                        meta.source,
                        column.name,
                        op.name()
                    );
                }
                let keeps_type = match &operator {
                    None => true,
                    Some(op) => keeps_type(op, self.direction),
                };
                Ok(ColumnPlan {
                    operator,
                    entity: label.entity,
                    keeps_type: typed_output && keeps_type && column.data_type.is_some(),
                    typed_fallback: !holds_text(column.data_type.as_deref()),
                    failures: 0,
                })
            })
            .collect()
    }

    /// Per column, its shuffled values if it is shuffled, handed out in row order.
    fn shuffle_columns(
        &self,
        meta: &TableMeta,
        plans: &[ColumnPlan],
        reopen: Option<&dyn Fn() -> Result<Box<dyn TableReader>, SourceError>>,
    ) -> Result<Vec<Option<Shuffled>>> {
        let columns: Vec<usize> = plans
            .iter()
            .enumerate()
            .filter(|(_, plan)| {
                plan.operator
                    .as_ref()
                    .is_some_and(Operator::is_column_level)
            })
            .map(|(index, _)| index)
            .collect();
        let mut shuffled: Vec<Option<Shuffled>> = plans.iter().map(|_| None).collect();
        if columns.is_empty() {
            return Ok(shuffled);
        }
        let Some(reopen) = reopen else {
            bail!(
                "{}: shuffle needs a second pass over the table, done for files only; \
                 use substitute for database tables",
                meta.source
            );
        };
        let mut reader = reopen()?;
        let mut values: HashMap<usize, Vec<String>> = HashMap::new();
        while let Some(rows) = reader.next_rows(BATCH_ROWS)? {
            for row in rows {
                for &column in &columns {
                    let kept = values.entry(column).or_default();
                    if kept.len() == MAX_SHUFFLE_VALUES {
                        bail!(
                            "{}: column {}: shuffle holds a column in memory, at most {} values; \
                             use substitute for larger tables",
                            meta.source,
                            meta.columns[column].name,
                            MAX_SHUFFLE_VALUES
                        );
                    }
                    kept.push(row[column].clone().unwrap_or_default());
                }
            }
        }
        for (column, values) in values {
            let op = plans[column]
                .operator
                .as_ref()
                .expect("shuffled columns have one");
            let name = &meta.columns[column].name;
            shuffled[column] = Some(
                op.apply_column(&self.crypto, name, &values, None)?
                    .into_iter(),
            );
        }
        Ok(shuffled)
    }

    fn protect_row(
        &self,
        row: &mut Row,
        plans: &mut [ColumnPlan],
        shuffled: &mut [Option<Shuffled>],
    ) {
        for ((cell, plan), shuffled) in row.iter_mut().zip(plans.iter_mut()).zip(shuffled) {
            let Some(op) = &plan.operator else { continue };
            if let Some(values) = shuffled {
                // The permutation came from this same column's values, in this order.
                let value = values.next().unwrap_or_default();
                *cell = cell.as_ref().map(|_| value);
                continue;
            }
            let Some(value) = cell.as_deref() else {
                continue;
            };
            let result = match self.direction {
                Direction::Mask if op.yields_null() => {
                    *cell = None;
                    continue;
                }
                Direction::Mask => op.apply(&self.crypto, value, plan.entity.as_deref()),
                Direction::Unmask => op.unmask(&self.crypto, value, plan.entity.as_deref()),
            };
            match (result, self.direction) {
                (Ok(protected), _) => *cell = Some(protected),
                // Never the clear value: a redaction (a null where the type is kept).
                (Err(_), Direction::Mask) => {
                    plan.failures += 1;
                    *cell =
                        (!(plan.keeps_type && plan.typed_fallback)).then(|| REDACTED.to_owned());
                }
                // What cannot be given back stays as it is: it is masked already.
                (Err(_), Direction::Unmask) => plan.failures += 1,
            }
        }
    }

    fn summarise(&self, meta: &TableMeta, plans: &[ColumnPlan], rows: u64) {
        for (column, plan) in meta.columns.iter().zip(plans) {
            if plan.failures > 0 {
                let (what, outcome) = match self.direction {
                    Direction::Mask => ("protected", "written redacted"),
                    Direction::Unmask => ("given back", "left as they were"),
                };
                eprintln!(
                    "warning: {} ({}): column {}: {} value(s) could not be {what} by {}; {outcome}",
                    meta.source,
                    meta.name,
                    column.name,
                    plan.failures,
                    plan.operator.as_ref().map_or("-", Operator::name),
                );
            }
        }
        if self.quiet || !std::io::stderr().is_terminal() {
            return;
        }
        let columns: Vec<String> = meta
            .columns
            .iter()
            .zip(plans)
            .filter_map(|(column, plan)| {
                let op = plan.operator.as_ref()?;
                Some(format!(
                    "{} ({}: {})",
                    column.name,
                    plan.entity.as_deref().unwrap_or("by name"),
                    op.name()
                ))
            })
            .collect();
        eprintln!(
            "{} ({}): {rows} rows; {}",
            meta.source,
            meta.name,
            if columns.is_empty() {
                "nothing to change".to_owned()
            } else {
                columns.join(", ")
            }
        );
    }

    /// Replaces the findings of each line; the rest of the text is written as it was.
    fn text(&self, input: &Path, output: &Path, mut reader: Box<dyn TextReader>) -> Result<()> {
        let mut writer = shuan_sink::create_text_like(output, input)?;
        let mut findings = Vec::new();
        let mut failures = 0u64;
        let mut first = true;
        while let Some(chunk) = reader.next_chunk()? {
            findings.clear();
            self.engine
                .scan_text(&chunk.text, chunk.first_line, &mut findings);
            findings.sort_by_key(|f| (f.line, f.byte_start));
            if !first {
                writer.write_str("\n")?;
            }
            first = false;
            let masked = self.protect_text(&chunk.text, chunk.first_line, &findings, &mut failures);
            writer.write_str(&masked)?;
        }
        if ends_with_newline(input)? {
            writer.write_str("\n")?;
        }
        writer.finish()?;
        if failures > 0 {
            eprintln!(
                "warning: {}: {failures} finding(s) could not be {}; {}",
                input.display(),
                if self.direction == Direction::Mask {
                    "protected"
                } else {
                    "given back"
                },
                if self.direction == Direction::Mask {
                    "written redacted"
                } else {
                    "left as they were"
                }
            );
        }
        Ok(())
    }

    fn protect_text(
        &self,
        text: &str,
        first_line: u64,
        findings: &[Finding],
        failures: &mut u64,
    ) -> String {
        let mut out = String::with_capacity(text.len());
        let mut findings = findings.iter().peekable();
        for (offset, line) in text.split('\n').enumerate() {
            if offset > 0 {
                out.push('\n');
            }
            let number = first_line + offset as u64;
            let mut copied = 0;
            while let Some(finding) = findings.next_if(|f| f.line == number) {
                let (start, end) = (finding.byte_start, finding.byte_end);
                // Overlapping findings: the first one already covered this span.
                let Some(value) = line.get(start..end).filter(|_| start >= copied) else {
                    continue;
                };
                let entity = self.engine.found_id(finding.found);
                let level = self.engine.rules().rule(entity).map(|rule| rule.2);
                let operator = self
                    .policy
                    .operator_for("", Some(entity), level)
                    .filter(|op| **op != Operator::Keep);
                let replacement = match (operator, self.direction) {
                    (None, _) => value.to_owned(),
                    (Some(op), Direction::Mask)
                        if op.is_column_level() || (needs_key(op) && !self.has_key) =>
                    {
                        *failures += 1;
                        REDACTED.to_owned()
                    }
                    (Some(op), Direction::Mask) => op
                        .apply(&self.crypto, value, Some(entity))
                        .unwrap_or_else(|_| {
                            *failures += 1;
                            REDACTED.to_owned()
                        }),
                    (Some(op), Direction::Unmask) if op.is_reversible() => op
                        .unmask(&self.crypto, value, Some(entity))
                        .unwrap_or_else(|_| {
                            *failures += 1;
                            value.to_owned()
                        }),
                    (Some(_), Direction::Unmask) => value.to_owned(),
                };
                out.push_str(&line[copied..start]);
                out.push_str(&replacement);
                copied = end;
            }
            out.push_str(&line[copied..]);
        }
        out
    }
}

/// A shuffled column's values in row order.
type Shuffled = std::vec::IntoIter<String>;

/// What a value that cannot be protected becomes in a text column.
const REDACTED: &str = "***";

enum Destination {
    Folder(PathBuf),
    Database(shuan_sink::DbSink),
}

/// Whether a column of this input type can hold any text (`***`) in the output.
fn holds_text(data_type: Option<&str>) -> bool {
    match data_type {
        None => true,
        Some(kind) => matches!(kind, "string" | "mixed") || kind.starts_with("BYTE_ARRAY"),
    }
}

fn needs_key(op: &Operator) -> bool {
    matches!(
        op,
        Operator::KeyedHash { .. }
            | Operator::Fpe { .. }
            | Operator::DateShift { .. }
            | Operator::Substitute
            | Operator::Shuffle
    )
}

/// Whether an operator's output still has the input's type (an integer stays an integer).
fn keeps_type(op: &Operator, direction: Direction) -> bool {
    direction == Direction::Unmask
        || matches!(
            op,
            Operator::Keep
                | Operator::Nullify
                | Operator::Fpe { .. }
                | Operator::DateShift { .. }
                | Operator::Shuffle
        )
}

/// A table name usable as a file name (`public.users` stays, `a/b` does not).
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn ends_with_newline(path: &Path) -> Result<bool> {
    let mut file = File::open(path).with_context(|| format!("{}", path.display()))?;
    let length = file.metadata()?.len();
    if length == 0 {
        return Ok(false);
    }
    file.seek(std::io::SeekFrom::Start(length - 1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// Column labels read from a `shuan scan --format json` report.
struct ReportLabels {
    tables: Vec<ReportTable>,
}

#[derive(Deserialize)]
struct ReportFile {
    tables: Vec<ReportTable>,
}

#[derive(Deserialize)]
struct ReportTable {
    source: String,
    name: String,
    columns: Vec<ReportColumn>,
}

#[derive(Deserialize)]
struct ReportColumn {
    name: String,
    entity: Option<String>,
    level: Option<String>,
}

impl ReportLabels {
    fn load(path: &Path) -> Result<Self> {
        let file = File::open(path)
            .with_context(|| format!("{}: cannot read the report", path.display()))?;
        let report: ReportFile =
            serde_json::from_reader(BufReader::new(file)).with_context(|| {
                format!(
                    "{}: not a `shuan scan --format json` report",
                    path.display()
                )
            })?;
        Ok(ReportLabels {
            tables: report.tables,
        })
    }

    /// The labels of a table, matched by its file (the same path, else the same file name)
    /// and table name, then column by column by name.
    fn table(&self, meta: &TableMeta) -> Option<Vec<Label>> {
        let canonical = |source: &str| Path::new(source).canonicalize().ok();
        let file_name = |source: &str| Path::new(source).file_name().map(|n| n.to_owned());
        let candidates = self.tables.iter().filter(|t| t.name == meta.name);
        let table = candidates
            .clone()
            .find(|t| {
                canonical(&t.source).is_some() && canonical(&t.source) == canonical(&meta.source)
            })
            .or_else(|| candidates.clone().find(|t| t.source == meta.source))
            .or_else(|| {
                candidates
                    .clone()
                    .find(|t| file_name(&t.source) == file_name(&meta.source))
            })?;
        Some(
            meta.columns
                .iter()
                .map(|column| {
                    table
                        .columns
                        .iter()
                        .find(|c| c.name == column.name)
                        .map(|c| Label {
                            entity: c.entity.clone(),
                            level: c.level.clone(),
                        })
                        .unwrap_or_default()
                })
                .collect(),
        )
    }
}

fn run_encrypt(args: EncryptArgs) -> Result<()> {
    let key = SecretKey::from_key_file(&args.key_file)?;
    let input = File::open(&args.input)
        .with_context(|| format!("{}: cannot read the input", args.input.display()))?;
    write_staged(&args.output, |out| {
        shuan_protect::encrypt_stream(
            BufReader::new(input),
            out,
            &key,
            &args.key_id,
            args.alg.into(),
        )?;
        Ok(())
    })
}

fn run_decrypt(args: DecryptArgs) -> Result<()> {
    let key = SecretKey::from_key_file(&args.key_file)?;
    let mut input = BufReader::new(
        File::open(&args.input)
            .with_context(|| format!("{}: cannot read the input", args.input.display()))?,
    );
    let header =
        FileHeader::read(&mut input).with_context(|| format!("{}", args.input.display()))?;
    let crypto = SoftwareProvider::new(header.algorithm, &key).with_context(|| {
        format!(
            "the key for {} (key id {})",
            header.algorithm.name(),
            header.key_id
        )
    })?;
    write_staged(&args.output, |out| {
        shuan_protect::decrypt_with(&header, input, out, &crypto)
            .with_context(|| format!("{}: nothing was written", args.input.display()))?;
        Ok(())
    })
}

/// Writes through a temporary file in `output`'s folder, renamed into place only when
/// `write` succeeds: a failed decryption leaves no partial clear text behind.
fn write_staged(output: &Path, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let folder = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let staged = tempfile::Builder::new()
        .prefix(".shuan-")
        .suffix(".part")
        .tempfile_in(folder)
        .with_context(|| format!("{}: cannot create the output", output.display()))?;
    let mut out = BufWriter::new(staged.as_file());
    write(&mut out)?;
    out.flush()?;
    drop(out);
    staged.as_file().sync_all()?;
    staged
        .persist(output)
        .with_context(|| format!("{}: cannot move the output into place", output.display()))?;
    Ok(())
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

fn run_keygen(args: KeygenArgs) -> Result<()> {
    let algorithm = Algorithm::from(args.alg);
    let mut key = zeroize::Zeroizing::new(vec![0u8; algorithm.key_len()]);
    getrandom::fill(&mut key).context("no randomness from the operating system")?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&args.output).with_context(|| {
        format!(
            "{}: cannot create the key file (it must not exist yet)",
            args.output.display()
        )
    })?;
    let mut hex = zeroize::Zeroizing::new(String::with_capacity(key.len() * 2 + 1));
    for byte in key.iter() {
        hex.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(HEX_DIGITS[usize::from(byte & 15)]));
    }
    hex.push('\n');
    file.write_all(hex.as_bytes())?;
    file.sync_all()?;
    eprintln!(
        "wrote a new {} key to {} (readable by its owner only)",
        algorithm.name(),
        args.output.display()
    );
    Ok(())
}
