//! Ledger throughput: durable appends per second with concurrent appenders (group commit),
//! building a large log, inclusion proof latency at that size, and full verification speed.
//!
//! A plain program rather than criterion: each figure is one long measurement of a
//! disk-bound system, which criterion's many short samples do not fit.
//!
//! `cargo bench -p shuan-ledger --bench ledger -- [ENTRIES] [DIR] [--verify-only]`
//! (ENTRIES defaults to 1000000; DIR to a directory under the target directory, which must
//! be on a real disk: fsync on tmpfs costs nothing and would inflate the append figure).
//! `--verify-only` times full verification alone, three times, on the log of ENTRIES
//! entries that an earlier run left in DIR (building it first if there is none).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use shuan_ledger::{
    HashAlgorithm, Ledger, LedgerConfig, NoteVerifier, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE,
    SignatureAlgorithm, init, load_signer, load_verifier, verify_dir, verify_inclusion,
};

const APPEND_SECONDS: u64 = 3;
const PROOF_SAMPLES: u64 = 20_000;
const BULK_BATCH: u64 = 16_384;
const HASH_SAMPLE: usize = 1_000_000;

/// A bare record reader (length, checksum, payload) to time I/O apart from hashing.
struct RecordReader {
    reader: std::io::BufReader<std::fs::File>,
}

impl RecordReader {
    fn open_for_bench(dir: &Path) -> Self {
        use std::io::BufRead;
        let file = std::fs::File::open(dir.join(shuan_ledger::ENTRIES_FILE)).unwrap();
        let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
        // Skip the two header lines.
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        reader.read_line(&mut line).unwrap();
        RecordReader { reader }
    }

    fn next(&mut self) -> Option<Vec<u8>> {
        use std::io::Read;
        let mut header = [0u8; 8];
        self.reader.read_exact(&mut header).ok()?;
        let len = u32::from_le_bytes(header[..4].try_into().unwrap()) as usize;
        let mut payload = vec![0u8; len];
        self.reader.read_exact(&mut payload).ok()?;
        Some(payload)
    }
}

/// A realistic audit entry of about 150 bytes.
fn audit_entry(index: u64) -> Vec<u8> {
    format!(
        r#"{{"ts":"2026-11-26T08:00:00Z","seq":{index},"actor":"operator-{}","action":"mask","object":"db/customers/col{}"}}"#,
        index % 97,
        index % 13
    )
    .into_bytes()
}

/// CPU time (user + system) of this process so far: on a shared machine it tells how much
/// of a wall-clock figure was spent waiting for a core.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and reads nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The 1-minute load average, to judge how many cores a wall-clock figure really had.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// Times `verify_dir` on a log of `entries` entries.
fn full_verification(dir: &Path, verifier: &NoteVerifier, entries: u64) {
    let load_before = load_average();
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let report = verify_dir(dir, verifier).unwrap();
    let verify = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    assert!(report.is_ok());
    assert_eq!(report.entries, entries);
    println!(
        "full verification of {entries} entries: {verify:.2} s ({:.0} entries/s), {cpu:.2} s CPU ({:.3} µs CPU per entry), load average {load_before} before, {} after",
        entries as f64 / verify,
        cpu / entries as f64 * 1e6,
        load_average()
    );
}

fn fresh_ledger(dir: &Path, hash: HashAlgorithm) -> Ledger {
    let _ = std::fs::remove_dir_all(dir);
    init(
        dir,
        &LedgerConfig {
            origin: "bench.shuan/ledger".into(),
            hash,
            signature: SignatureAlgorithm::Sm2,
        },
    )
    .unwrap();
    Ledger::open(dir).unwrap()
}

fn durable_appends(dir: &Path, appenders: usize) {
    let ledger = fresh_ledger(dir, HashAlgorithm::Sm3);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..appenders)
        .map(|_| {
            let (ledger, stop, done) = (ledger.clone(), stop.clone(), done.clone());
            std::thread::spawn(move || {
                let mut index = 0;
                while !stop.load(Ordering::Relaxed) {
                    ledger.append(audit_entry(index)).unwrap();
                    index += 1;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(APPEND_SECONDS));
    stop.store(true, Ordering::Relaxed);
    for thread in threads {
        thread.join().unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let count = done.load(Ordering::Relaxed);
    println!(
        "durable appends, {appenders:>3} appenders, one append() per entry: {:>9.0} entries/s ({count} in {elapsed:.2} s)",
        count as f64 / elapsed
    );
}

fn main() {
    let arguments: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let entries: u64 = arguments
        .first()
        .map(|n| n.parse().expect("ENTRIES is a number"))
        .unwrap_or(1_000_000);
    let base = arguments
        .get(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ledger-bench"));
    std::fs::create_dir_all(&base).unwrap();

    let verify_only = std::env::args().any(|a| a == "--verify-only");
    let dir = base.join("large");
    if verify_only {
        let existing = Ledger::open(&dir).map(|ledger| ledger.size()).ok();
        if existing == Some(entries) {
            let verifier = load_verifier(&dir.join(PUBLIC_KEY_FILE)).unwrap();
            for _ in 0..3 {
                full_verification(&dir, &verifier, entries);
            }
            return;
        }
        println!(
            "no log of {entries} entries in {}: building it",
            dir.display()
        );
    }

    if !verify_only {
        for appenders in [1, 16, 64, 256] {
            durable_appends(&base.join("appends"), appenders);
        }
    }

    // Bulk load: the fastest honest way to reach a large size (still fsync per batch).
    let ledger = fresh_ledger(&dir, HashAlgorithm::Sm3);
    let started = Instant::now();
    let mut next = 0;
    while next < entries {
        let end = (next + BULK_BATCH).min(entries);
        ledger
            .append_batch((next..end).map(audit_entry).collect())
            .unwrap();
        next = end;
    }
    let build = started.elapsed().as_secs_f64();
    println!(
        "bulk load of {entries} entries in batches of {BULK_BATCH}: {build:.1} s ({:.0} entries/s)",
        entries as f64 / build
    );
    let signer = load_signer(&dir.join(PRIVATE_KEY_FILE)).unwrap();
    let checkpoint = ledger.checkpoint(&signer).unwrap();
    drop(ledger);

    let started = Instant::now();
    let ledger = Ledger::open(&dir).unwrap();
    println!(
        "reopen at {entries} entries: {:.3} s",
        started.elapsed().as_secs_f64()
    );

    let mut latencies = Vec::with_capacity(PROOF_SAMPLES as usize);
    let mut index = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..PROOF_SAMPLES {
        // A multiplicative sequence spreads the sampled leaves over the whole log.
        index = index
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        let leaf = index % entries;
        let started = Instant::now();
        let proof = ledger.inclusion_proof(leaf, entries).unwrap();
        latencies.push(started.elapsed());
        let leaf_hash = ledger.leaf_hash(leaf).unwrap();
        verify_inclusion(
            HashAlgorithm::Sm3,
            leaf,
            entries,
            &leaf_hash,
            &proof,
            &checkpoint.root,
        )
        .unwrap();
    }
    latencies.sort();
    let mean = latencies.iter().sum::<Duration>() / PROOF_SAMPLES as u32;
    println!(
        "inclusion proof at {entries} entries ({PROOF_SAMPLES} random leaves): mean {:.1} µs, p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        mean.as_secs_f64() * 1e6,
        latencies[latencies.len() / 2].as_secs_f64() * 1e6,
        latencies[latencies.len() * 99 / 100].as_secs_f64() * 1e6,
        latencies[latencies.len() - 1].as_secs_f64() * 1e6,
    );
    let verifier = signer.verifier().clone();
    drop(ledger);

    // Where verification's time goes: reading records, and hashing on one core.
    let started = Instant::now();
    let mut reader = RecordReader::open_for_bench(&dir);
    let mut sample = Vec::new();
    while let Some(payload) = reader.next() {
        if sample.len() < HASH_SAMPLE {
            sample.push(payload);
        }
    }
    println!(
        "reading {entries} records only: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    for algorithm in [HashAlgorithm::Sm3, HashAlgorithm::Sha256] {
        let started = Instant::now();
        let mut accumulator = shuan_ledger::RootAccumulator::new(algorithm);
        for payload in &sample {
            accumulator.push(algorithm.leaf_hash(payload));
        }
        std::hint::black_box(accumulator.root());
        println!(
            "one core, {}: leaf hash + tree fold: {:.0} entries/s",
            algorithm.name(),
            sample.len() as f64 / started.elapsed().as_secs_f64()
        );
    }

    full_verification(&dir, &verifier, entries);
}
