//! `shuan ledger …`: the tamper-evident audit log from the command line.
//!
//! Exit codes: 0 success; 1 verification ran and found the log, a checkpoint or a bundle
//! not to verify; 2 a usage error or an input that could not be read (for `append`: after
//! the readable records were appended).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use shuan_ledger::{
    Bundle, ConsistencyBundle, HashAlgorithm, InclusionBundle, Ledger, LedgerConfig, NoteVerifier,
    PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, SignatureAlgorithm, VerifyReport, load_signer,
    load_verifier, verify_any_bundle, verify_dir,
};

/// Records appended per group commit when reading stdin.
const APPEND_CHUNK: usize = 10_000;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum HashChoice {
    Sm3,
    Sha256,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SignatureChoice {
    Sm2,
    Ed25519,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Subcommand)]
pub enum LedgerCommand {
    /// Create an empty ledger in DIR with a new signing key pair (key.private, key.pub).
    Init {
        dir: PathBuf,
        /// The log's unique name: first line of every checkpoint and the key's name.
        #[arg(long)]
        origin: Option<String>,
        #[arg(long, value_enum, default_value = "sm3")]
        hash: HashChoice,
        #[arg(long, value_enum, default_value = "sm2")]
        signature: SignatureChoice,
    },
    /// Append JSON records: each RECORD argument, or else each line of NDJSON on stdin.
    /// Prints the index range once the records are on disk.
    Append { dir: PathBuf, records: Vec<String> },
    /// Sign a checkpoint (C2SP signed note) of the current tree and print it.
    Checkpoint {
        dir: PathBuf,
        /// The private key (default: DIR/key.private).
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Print an entry's inclusion proof against a checkpoint, as a JSON document
    /// `verify-bundle` checks offline.
    Prove {
        dir: PathBuf,
        #[arg(long)]
        index: u64,
        /// The checkpoint's tree size (default: the latest checkpoint).
        #[arg(long)]
        size: Option<u64>,
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Print the consistency proof between two checkpoints, as a JSON document
    /// `verify-bundle` checks offline.
    Consistency {
        dir: PathBuf,
        /// The older checkpoint's tree size.
        #[arg(long)]
        from: u64,
        /// The newer checkpoint's tree size (default: the latest checkpoint).
        #[arg(long)]
        to: Option<u64>,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Verify the whole log against its checkpoints; names each damaged entry and how.
    ///
    /// Exit status: 0 when every checkpoint's signature and root verify and every record is
    /// intact; 1 when verification ran and something does not verify (a damaged record, a
    /// root that does not match, an invalid checkpoint); 2 when DIR or the key cannot be read.
    Verify {
        dir: PathBuf,
        /// The public key to trust (default: DIR/key.pub; pass a copy kept elsewhere, since
        /// whoever can rewrite DIR can replace its key.pub too).
        #[arg(long)]
        key: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "table")]
        format: ReportFormat,
    },
    /// Export the entries up to a checkpoint with all checkpoints, for offline verification.
    Export {
        dir: PathBuf,
        #[arg(long, short)]
        output: PathBuf,
        /// The checkpoint's tree size (default: the latest checkpoint).
        #[arg(long)]
        size: Option<u64>,
    },
    /// Verify an exported bundle, inclusion proof or consistency proof, offline.
    ///
    /// Exit status: 0 when it verifies; 1 when it does not; 2 when it cannot be read.
    VerifyBundle {
        bundle: PathBuf,
        /// The public key to trust; without it the bundle's own key is used, which only
        /// shows the bundle is self-consistent: compare the printed key ID out of band.
        #[arg(long)]
        key: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "table")]
        format: ReportFormat,
    },
}

/// Runs a ledger command; returns the process exit code.
pub fn run(command: LedgerCommand) -> Result<i32> {
    match command {
        LedgerCommand::Init {
            dir,
            origin,
            hash,
            signature,
        } => init(&dir, origin, hash, signature),
        LedgerCommand::Append { dir, records } => append(&dir, records),
        LedgerCommand::Checkpoint { dir, key } => {
            let signer = load_signer(&key.unwrap_or_else(|| dir.join(PRIVATE_KEY_FILE)))?;
            let ledger = open(&dir)?;
            let checkpoint = ledger.checkpoint(&signer)?;
            print!("{}", checkpoint.note);
            Ok(0)
        }
        LedgerCommand::Prove {
            dir,
            index,
            size,
            output,
        } => {
            let (ledger, verifier) = open_with_key(&dir)?;
            let proof = InclusionBundle::prove(&ledger, &verifier, index, size)?;
            write_json(&proof, output.as_deref())
        }
        LedgerCommand::Consistency {
            dir,
            from,
            to,
            output,
        } => {
            let (ledger, verifier) = open_with_key(&dir)?;
            let proof = ConsistencyBundle::prove(&ledger, &verifier, from, to)?;
            write_json(&proof, output.as_deref())
        }
        LedgerCommand::Verify { dir, key, format } => {
            let key_path = key.unwrap_or_else(|| dir.join(PUBLIC_KEY_FILE));
            let verifier = load_verifier(&key_path)?;
            let report = verify_dir(&dir, &verifier)
                .with_context(|| format!("verifying the ledger in {}", dir.display()))?;
            print_report(&dir.display().to_string(), &verifier, &report, format)
        }
        LedgerCommand::Export { dir, output, size } => {
            let (ledger, verifier) = open_with_key(&dir)?;
            let bundle = Bundle::export(&ledger, &verifier, size)?;
            let entries = bundle.entries.len();
            write_json(&bundle, Some(&output))?;
            eprintln!(
                "exported {entries} entries and {} checkpoints to {}",
                bundle.checkpoints.len(),
                output.display()
            );
            Ok(0)
        }
        LedgerCommand::VerifyBundle {
            bundle,
            key,
            format,
        } => verify_bundle(&bundle, key.as_deref(), format),
    }
}

fn init(
    dir: &Path,
    origin: Option<String>,
    hash: HashChoice,
    signature: SignatureChoice,
) -> Result<i32> {
    let origin = match origin {
        Some(origin) => origin,
        None => {
            let mut tag = [0u8; 6];
            unique_tag(&mut tag);
            format!("shuan.local/ledger/{}", shuan_ledger::to_hex(&tag))
        }
    };
    let config = LedgerConfig {
        origin,
        hash: match hash {
            HashChoice::Sm3 => HashAlgorithm::Sm3,
            HashChoice::Sha256 => HashAlgorithm::Sha256,
        },
        signature: match signature {
            SignatureChoice::Sm2 => SignatureAlgorithm::Sm2,
            SignatureChoice::Ed25519 => SignatureAlgorithm::Ed25519,
        },
    };
    let verifier = shuan_ledger::init(dir, &config)
        .with_context(|| format!("creating a ledger in {}", dir.display()))?;
    println!("created ledger {} in {}", config.origin, dir.display());
    println!(
        "hash {}, signature {}",
        config.hash.name(),
        config.signature.name()
    );
    println!("public key (give it to verifiers): {}", verifier.to_text());
    println!(
        "private key: {} (keep it secret; move it off this host for production)",
        dir.join(PRIVATE_KEY_FILE).display()
    );
    Ok(0)
}

/// A random default origin suffix, so two logs never share an origin by accident.
fn unique_tag(tag: &mut [u8]) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = nanos ^ u128::from(std::process::id()) << 64;
    let digest = HashAlgorithm::Sm3.leaf_hash(&seed.to_le_bytes());
    tag.copy_from_slice(&digest[..tag.len()]);
}

fn open(dir: &Path) -> Result<Ledger> {
    Ledger::open(dir).with_context(|| format!("opening the ledger in {}", dir.display()))
}

fn open_with_key(dir: &Path) -> Result<(Ledger, NoteVerifier)> {
    let verifier = load_verifier(&dir.join(PUBLIC_KEY_FILE))?;
    Ok((open(dir)?, verifier))
}

fn append(dir: &Path, records: Vec<String>) -> Result<i32> {
    let ledger = open(dir)?;
    let mut pending = Vec::new();
    let mut rejected = 0usize;
    let mut first_index = None;
    let mut appended = 0u64;
    let mut flush = |pending: &mut Vec<Vec<u8>>| -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let range = ledger.append_batch(std::mem::take(pending))?;
        first_index.get_or_insert(range.start);
        appended += range.end - range.start;
        Ok(())
    };
    let mut take =
        |source: String, record: &str, pending: &mut Vec<Vec<u8>>| match serde_json::from_str::<
            serde_json::Value,
        >(record)
        {
            Ok(_) => pending.push(record.as_bytes().to_vec()),
            Err(e) => {
                rejected += 1;
                eprintln!("{source}: not a JSON record ({e}); skipped");
            }
        };
    if records.is_empty() {
        for (number, line) in std::io::stdin().lock().lines().enumerate() {
            let line = line.context("reading NDJSON records from stdin")?;
            let record = line.trim_end_matches('\r');
            if record.trim().is_empty() {
                continue;
            }
            take(format!("stdin line {}", number + 1), record, &mut pending);
            if pending.len() >= APPEND_CHUNK {
                flush(&mut pending)?;
            }
        }
    } else {
        for (number, record) in records.iter().enumerate() {
            take(format!("argument {}", number + 1), record, &mut pending);
        }
    }
    flush(&mut pending)?;
    match first_index {
        Some(first) => println!("appended {appended} entries: {first}..{}", first + appended),
        None => println!("appended 0 entries"),
    }
    Ok(if rejected > 0 { 2 } else { 0 })
}

fn write_json(value: &impl serde::Serialize, output: Option<&Path>) -> Result<i32> {
    let json = serde_json::to_string_pretty(value)?;
    match output {
        Some(path) => std::fs::write(path, format!("{json}\n"))
            .with_context(|| format!("writing {}", path.display()))?,
        None => writeln!(std::io::stdout(), "{json}")?,
    }
    Ok(0)
}

fn print_report(
    subject: &str,
    verifier: &NoteVerifier,
    report: &VerifyReport,
    format: ReportFormat,
) -> Result<i32> {
    let code = if report.is_ok() { 0 } else { 1 };
    match format {
        ReportFormat::Json => {
            let json = serde_json::json!({
                "subject": subject,
                "key": verifier.to_text(),
                "ok": report.is_ok(),
                "entries": report.entries,
                "verified_entries": report.verified_entries(),
                "checkpoints_matched": report.checkpoints_matched,
                "checkpoints_mismatched": report.checkpoints_mismatched,
                "findings": report.findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        ReportFormat::Table => {
            println!(
                "{subject}: key {} ({})",
                verifier.name(),
                verifier.key_id_hex()
            );
            println!(
                "{} entries; {} checkpoints match, {} do not",
                report.entries,
                report.checkpoints_matched.len(),
                report.checkpoints_mismatched.len()
            );
            for finding in &report.findings {
                println!("  {finding}");
            }
            if report.is_ok() {
                println!(
                    "OK: entries 0..{} are exactly as signed",
                    report.verified_entries()
                );
            } else {
                println!("FAILED");
            }
        }
    }
    Ok(code)
}

fn verify_bundle(path: &Path, key: Option<&Path>, format: ReportFormat) -> Result<i32> {
    let json =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let trusted = key.map(load_verifier).transpose()?;
    if trusted.is_none() {
        eprintln!(
            "warning: no --key given: using the key inside the bundle; compare its ID with the log owner's"
        );
    }
    match verify_any_bundle(&json, trusted.as_ref()) {
        Ok((summary, Some(report))) => {
            let verifier = match trusted {
                Some(key) => key,
                None => embedded_key(&json)?,
            };
            let code = print_report(&path.display().to_string(), &verifier, &report, format)?;
            if code == 0 {
                eprintln!("{summary}");
            }
            Ok(code)
        }
        Ok((summary, None)) => {
            println!("OK: {summary}");
            Ok(0)
        }
        Err(shuan_ledger::Error::Bundle(reason)) if reason.starts_with("not a ledger bundle") => {
            bail!("{}: {reason}", path.display())
        }
        Err(error) => {
            println!("FAILED: {}: {error}", path.display());
            Ok(1)
        }
    }
}

fn embedded_key(json: &str) -> Result<NoteVerifier> {
    let value: serde_json::Value = serde_json::from_str(json)?;
    let key = value["verifier_key"]
        .as_str()
        .context("the bundle has no verifier_key")?;
    Ok(NoteVerifier::from_text(key)?)
}
