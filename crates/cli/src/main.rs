//! `shuan`: the command line of Shu'an (数安). Thin: it parses arguments, calls the engines and
//! prints. Exit codes: 0 ok (findings are not failures), 1 when `--fail-on` is met, 2 on a
//! usage error or an input that could not be read (after the readable ones were processed).

mod ledger_cmd;
mod protect_cmd;
mod serve_cmd;
mod watermark_cmd;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use shuan_classify::{Engine, RulePack};
use shuan_scan::{self as scan, html};

#[derive(Parser)]
#[command(
    name = "shuan",
    version,
    about = "Shu'an (数安): data security discovery, protection and supervision"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find and label personal and important data in files and folders (分类分级).
    Scan(ScanArgs),
    /// The tamper-evident audit ledger (审计日志): init, append, checkpoint, prove, verify.
    #[command(subcommand)]
    Ledger(ledger_cmd::LedgerCommand),
    /// The platform (平台): web UI and API over a data dir.
    Serve(serve_cmd::ServeArgs),
    /// The platform with demo organisations, users and scanned sample data.
    Demo(serve_cmd::ServeArgs),
    /// List the entities the engine knows and where the rule pack places them.
    Entities {
        #[arg(long, default_value = "general")]
        pack: String,
    },
    #[command(flatten)]
    Protect(protect_cmd::ProtectCommand),
    /// Watermark a recipient's copy of a table; trace a leaked copy to its recipient (数据水印溯源).
    #[command(subcommand)]
    Watermark(watermark_cmd::WatermarkCommand),
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
    Html,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files, folders (walked recursively) and databases: postgres://user@host/db,
    /// mysql://user@host/db, sqlite:///path.db or a .db/.sqlite file.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report here instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Built-in rule pack: general or government.
    #[arg(long, default_value = "general")]
    pack: String,
    /// Extra rule files (YAML) layered over the pack: entity placements and detectors.
    #[arg(long = "rules")]
    rules: Vec<PathBuf>,
    /// Non-empty values sampled per column.
    #[arg(long, default_value_t = shuan_classify::DEFAULT_SAMPLE, value_parser = parse_sample)]
    sample: usize,
    /// Read every row and count every match (the volume of sensitive records).
    #[arg(long)]
    full: bool,
    /// Show example values, masked.
    #[arg(long)]
    show_samples: bool,
    /// Exit with 1 when anything at this level or above is found (for pipelines).
    #[arg(long, value_name = "LEVEL")]
    fail_on: Option<String>,
    /// Database tables to scan, as `schema.table` globs (`*`, `?`); all when none given.
    #[arg(long)]
    include: Vec<String>,
    /// Database tables to skip, as `schema.table` globs.
    #[arg(long)]
    exclude: Vec<String>,
    /// Scan database views too.
    #[arg(long)]
    views: bool,
    /// Most connections opened to one database at a time.
    #[arg(long, default_value_t = 4)]
    max_connections: u32,
    /// Seconds a database statement may run before it is cancelled.
    #[arg(long, default_value_t = 30)]
    statement_timeout: u64,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Ledger(command) => Ok(u8::try_from(ledger_cmd::run(command)?).unwrap_or(2)),
        Command::Protect(command) => protect_cmd::run(command),
        Command::Watermark(command) => watermark_cmd::run(command),
        Command::Serve(args) => serve_cmd::run(args, false),
        Command::Demo(args) => serve_cmd::run(args, true),
        Command::Entities { pack } => {
            let engine = Engine::builtin(&pack)?;
            let mut out = io::stdout().lock();
            for &e in shuan_classify::Entity::ALL {
                let (cat, cat_zh, level) = engine.rules().rule(e.id()).unwrap_or(("-", "-", "-"));
                writeln!(
                    out,
                    "{:<26} {:<14} {:<26} {:<22} {}",
                    e.id(),
                    e.name_zh(),
                    cat,
                    cat_zh,
                    level
                )?;
            }
            Ok(0)
        }
    }
}

fn load_engine(pack: &str, rule_files: &[PathBuf]) -> Result<Engine> {
    let mut rules = RulePack::builtin(pack)?;
    for f in rule_files {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("{}: cannot read rule file", f.display()))?;
        rules.extend_from_yaml(&f.display().to_string(), &text)?;
    }
    Ok(Engine::new(rules)?)
}

fn run_scan(args: ScanArgs) -> Result<u8> {
    let engine = load_engine(&args.pack, &args.rules)?;
    let fail_rank = match &args.fail_on {
        Some(level) => match engine.rules().level(level) {
            Some(_) => Some(engine.rules().level_rank(level)),
            None => {
                let known: Vec<&str> = engine
                    .rules()
                    .levels
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect();
                bail!(
                    "--fail-on {level}: unknown level; this pack's levels: {}",
                    known.join(", ")
                )
            }
        },
        None => None,
    };
    let opts = scan::ScanOptions {
        sample: args.sample,
        full: args.full,
        show_samples: args.show_samples,
    };
    let db_opts = shuan_source::db::ScanOptions {
        sample_rows: args.sample,
        full: args.full,
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        include_views: args.views,
        max_connections: args.max_connections.max(1),
        statement_timeout: std::time::Duration::from_secs(args.statement_timeout.max(1)),
        ..Default::default()
    };
    let report = scan::scan(&engine, &args.paths, &opts, &db_opts, !args.quiet);

    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(io::BufWriter::new(std::fs::File::create(p).with_context(
            || format!("{}: cannot create the report file", p.display()),
        )?)),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    };
    match args.format {
        Format::Json => report.write_json(&mut out)?,
        Format::Csv => report.write_csv(&mut out)?,
        Format::Table => report.write_table(&mut out)?,
        Format::Html => html::write(&report, &engine, &mut out)?,
    }
    out.flush()?;
    for e in &report.errors {
        eprintln!("error: {}", e.message);
    }
    if !report.errors.is_empty() {
        return Ok(2);
    }
    Ok(match fail_rank {
        Some(rank) if report.max_level_rank(&engine) >= rank => 1,
        _ => 0,
    })
}

fn parse_sample(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=10_000_000).contains(&n) => Ok(n),
        _ => Err("a number of values from 1 to 10000000".to_owned()),
    }
}
