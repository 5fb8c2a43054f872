//! Verification of a whole log against its checkpoints, with the damage located.
//!
//! The signed checkpoints authenticate tree roots. The entries are re-hashed from
//! `entries.log` and their roots compared with every checkpoint. When a root differs, the
//! stored leaf hashes (`leaves.hash`, written at append time) are checked against the same
//! signed roots; if they match, they are an authenticated copy of what was logged, and
//! diffing the two sequences names each modified, deleted, inserted or swapped entry.

use std::fmt;
use std::fs::{self, File};
use std::io::{BufReader, Read};
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::hash::{Hash, HashAlgorithm};
use crate::merkle::RootAccumulator;
use crate::note::{Checkpoint, NoteVerifier};
use crate::record::{Damage, Header, RECORD_HEADER_LEN, check_frame, record_crc};
use crate::store::{LEAVES_FILE, checkpoint_files};

/// The most located findings listed; past it, damage is summarized.
const MAX_LOCATED_FINDINGS: usize = 100;
/// Bytes of `entries.log` read and hashed per step of verification (one `pread`; a record
/// larger than this is read whole). Two chunks are in memory at a time.
const CHUNK_BYTES: usize = 8 << 20;

/// One problem found by verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// A checkpoint that cannot be trusted: bad or missing signature, unparseable, wrong origin.
    CheckpointInvalid { source: String, reason: String },
    /// The record framing breaks here; nothing after it can be read.
    RecordUnreadable {
        index: u64,
        offset: u64,
        reason: String,
    },
    /// The record's checksum does not match its bytes.
    ChecksumMismatch { index: u64, offset: u64 },
    /// The entry's content differs from what was logged.
    EntryModified { index: u64 },
    /// The logged entry is missing; the entries after it moved up one place.
    EntryDeleted { index: u64 },
    /// An entry that was never logged stands at this position.
    EntryInserted { position: u64 },
    /// Two logged entries changed places.
    EntriesSwapped { first: u64, second: u64 },
    /// Entries a checkpoint covers are missing from the end.
    Truncated { entries: u64, checkpoint_size: u64 },
    /// A signed root does not match the entries and the change could not be narrowed
    /// further than the entries between two checkpoints.
    ChangedBetween { from: u64, to: u64 },
    /// More located findings than are listed.
    MoreFindings { count: u64 },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::CheckpointInvalid { source, reason } => {
                write!(f, "checkpoint {source}: {reason}")
            }
            Finding::RecordUnreadable {
                index,
                offset,
                reason,
            } => write!(
                f,
                "entry {index} (byte {offset}): record unreadable ({reason}); entries from here on cannot be read"
            ),
            Finding::ChecksumMismatch { index, offset } => write!(
                f,
                "entry {index} (byte {offset}): record checksum mismatch: its bytes were changed"
            ),
            Finding::EntryModified { index } => write!(
                f,
                "entry {index}: modified (its hash differs from the signed one)"
            ),
            Finding::EntryDeleted { index } => write!(
                f,
                "entry {index}: deleted (the entries after it moved up one place)"
            ),
            Finding::EntryInserted { position } => write!(
                f,
                "position {position}: an entry that was never logged was inserted"
            ),
            Finding::EntriesSwapped { first, second } => {
                write!(f, "entries {first} and {second}: reordered (swapped)")
            }
            Finding::Truncated {
                entries,
                checkpoint_size,
            } => write!(
                f,
                "truncated: the log holds {entries} entries but a checkpoint covers {checkpoint_size}; entries {entries}..{checkpoint_size} are missing"
            ),
            Finding::ChangedBetween { from, to } => write!(
                f,
                "entries {from}..{to}: changed (the checkpoint of {to} entries does not match, the one of {from} does); \
                 the stored leaf hashes do not authenticate either, so compare with an exported bundle to narrow it down"
            ),
            Finding::MoreFindings { count } => write!(f, "... and {count} more"),
        }
    }
}

/// The outcome of a verification.
#[derive(Clone, Debug, Default)]
pub struct VerifyReport {
    /// Entries read.
    pub entries: u64,
    /// Checkpoints whose signature verified and whose root matches the entries.
    pub checkpoints_matched: Vec<u64>,
    /// Checkpoints whose signature verified but whose root does not match the entries.
    pub checkpoints_mismatched: Vec<u64>,
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.findings.is_empty() && self.checkpoints_mismatched.is_empty()
    }

    /// Entries covered by the largest matched checkpoint.
    pub fn verified_entries(&self) -> u64 {
        self.checkpoints_matched.iter().copied().max().unwrap_or(0)
    }
}

/// Opens checkpoint notes with `verifier`, reporting the ones that fail.
pub(crate) fn open_checkpoints(
    notes: impl IntoIterator<Item = (String, String, Option<u64>)>,
    verifier: &NoteVerifier,
    origin: &str,
    findings: &mut Vec<Finding>,
) -> Vec<Checkpoint> {
    let mut opened = Vec::new();
    for (source, note, expected_size) in notes {
        let invalid = |reason: String| Finding::CheckpointInvalid {
            source: source.clone(),
            reason,
        };
        match Checkpoint::open(&note, verifier) {
            Err(e) => findings.push(invalid(e.to_string())),
            Ok(checkpoint) if checkpoint.origin != origin => findings.push(invalid(format!(
                "origin {:?} is not the log's {origin:?}",
                checkpoint.origin
            ))),
            Ok(checkpoint) if expected_size.is_some_and(|size| size != checkpoint.size) => findings
                .push(invalid(format!(
                    "signed size {} differs from the file name's",
                    checkpoint.size
                ))),
            Ok(checkpoint) => opened.push(checkpoint),
        }
    }
    opened.sort_by_key(|c| c.size);
    opened
}

/// Compares the entry roots with the checkpoints; on mismatch locates the damage by aligning
/// the entry hashes (`found`, `entries` of them) with `reference` (leaf hashes as logged)
/// when the reference authenticates against the checkpoints. Both are streamed, so memory
/// does not grow with the log; `reference` is called twice (authenticate, then align).
pub(crate) fn check_against_checkpoints<F, R>(
    algorithm: HashAlgorithm,
    entries: u64,
    entry_roots: &[Option<Hash>],
    checkpoints: &[Checkpoint],
    found: impl FnOnce() -> F,
    reference: impl Fn() -> Option<R>,
    report: &mut VerifyReport,
) where
    F: Iterator<Item = Hash>,
    R: Iterator<Item = Hash>,
{
    report.entries = entries;
    let mut largest_missing = None;
    for (checkpoint, root) in checkpoints.iter().zip(entry_roots) {
        match root {
            Some(root) if *root == checkpoint.root => {
                report.checkpoints_matched.push(checkpoint.size)
            }
            Some(_) => report.checkpoints_mismatched.push(checkpoint.size),
            None => {
                report.checkpoints_mismatched.push(checkpoint.size);
                largest_missing = Some(checkpoint.size);
            }
        }
    }
    if report.checkpoints_mismatched.is_empty() {
        return;
    }
    let covered = checkpoints.last().map_or(0, |c| c.size);
    let authentic = reference().is_some_and(|leaves| {
        let mut roots = RootsAtCheckpoints::new(algorithm, checkpoints);
        for leaf in leaves.take(covered as usize) {
            roots.push(&[leaf]);
        }
        checkpoints
            .iter()
            .zip(roots.finish())
            .all(|(checkpoint, root)| root == Some(checkpoint.root))
    });
    match reference().filter(|_| authentic) {
        Some(reference) => {
            let found = found().take(entries as usize);
            let logged = reference.take(covered as usize);
            locate_by_diff(found, entries, logged, covered, &mut report.findings);
        }
        None => {
            if let Some(checkpoint_size) = largest_missing {
                report.findings.push(Finding::Truncated {
                    entries,
                    checkpoint_size,
                });
            }
            let first_bad = report.checkpoints_mismatched[0];
            let last_good = report
                .checkpoints_matched
                .iter()
                .copied()
                .filter(|size| *size < first_bad)
                .max()
                .unwrap_or(0);
            if first_bad <= entries {
                report.findings.push(Finding::ChangedBetween {
                    from: last_good,
                    to: first_bad,
                });
            }
        }
    }
}

/// The root of the first `size` entries for each checkpoint, fed leaf hashes in order.
pub(crate) struct RootsAtCheckpoints {
    accumulator: RootAccumulator,
    sizes: Vec<u64>,
    roots: Vec<Option<Hash>>,
}

impl RootsAtCheckpoints {
    pub(crate) fn new(algorithm: HashAlgorithm, checkpoints: &[Checkpoint]) -> Self {
        let mut roots = RootsAtCheckpoints {
            accumulator: RootAccumulator::new(algorithm),
            sizes: checkpoints.iter().map(|c| c.size).collect(),
            roots: Vec::with_capacity(checkpoints.len()),
        };
        roots.record_reached();
        roots
    }

    fn record_reached(&mut self) {
        while self.sizes.get(self.roots.len()) == Some(&self.accumulator.size()) {
            self.roots.push(Some(self.accumulator.root()));
        }
    }

    pub(crate) fn push(&mut self, leaves: &[Hash]) {
        for leaf in leaves {
            self.accumulator.push(*leaf);
            self.record_reached();
        }
    }

    /// Pushes hashed entries, using their block roots for the blocks that are aligned
    /// subtrees of [`HASH_BLOCK`] leaves with no checkpoint inside.
    pub(crate) fn push_hashed(&mut self, hashed: &HashedEntries) {
        let blocks = hashed.leaves.chunks(HASH_BLOCK);
        for (block, leaves) in blocks.enumerate() {
            let start = self.accumulator.size();
            let end = start + leaves.len() as u64;
            let checkpoint_inside = self
                .sizes
                .get(self.roots.len())
                .is_some_and(|size| *size > start && *size < end);
            let aligned = start.is_multiple_of(HASH_BLOCK as u64);
            match hashed.block_roots.get(block) {
                Some(root) if aligned && !checkpoint_inside => {
                    self.accumulator
                        .push_subtree(*root, HASH_BLOCK.trailing_zeros());
                    self.record_reached();
                }
                _ => self.push(leaves),
            }
        }
    }

    /// One root per checkpoint; `None` where the log is shorter than the checkpoint.
    pub(crate) fn finish(mut self) -> Vec<Option<Hash>> {
        self.roots.resize(self.sizes.len(), None);
        self.roots
    }
}

/// Entries per block whose root is computed next to the leaf hashes.
const HASH_BLOCK: usize = 64;

/// Leaf hashes of a run of entries and the roots of its complete blocks of [`HASH_BLOCK`]
/// (counted from the run's start).
#[derive(Default)]
pub(crate) struct HashedEntries {
    pub leaves: Vec<Hash>,
    pub block_roots: Vec<Hash>,
}

/// Hashes entries on all cores into `out` (its buffers are reused): verification is
/// hash-bound, and computing the block roots here leaves the caller only one node hash per
/// block to fold in.
pub(crate) fn hash_entries(algorithm: HashAlgorithm, entries: &[&[u8]], out: &mut HashedEntries) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let part = entries
        .len()
        .div_ceil(threads)
        .next_multiple_of(HASH_BLOCK)
        .max(HASH_BLOCK);
    out.leaves.clear();
    out.leaves.resize(entries.len(), [0; 32]);
    out.block_roots.clear();
    out.block_roots.resize(entries.len() / HASH_BLOCK, [0; 32]);
    let mut work = Vec::with_capacity(threads);
    let (mut leaves_left, mut roots_left) = (&mut out.leaves[..], &mut out.block_roots[..]);
    for entries in entries.chunks(part) {
        let (leaves, rest) = std::mem::take(&mut leaves_left).split_at_mut(entries.len());
        leaves_left = rest;
        let blocks = entries.len() / HASH_BLOCK;
        let (roots, rest) = std::mem::take(&mut roots_left).split_at_mut(blocks);
        roots_left = rest;
        work.push(move || {
            algorithm.leaf_hashes(entries, leaves);
            block_roots_of(algorithm, &leaves[..blocks * HASH_BLOCK], roots);
        });
    }
    std::thread::scope(|scope| {
        let mut work = work.into_iter();
        // This thread takes the first part; the others go to new threads.
        let first = work.next();
        for rest in work {
            scope.spawn(rest);
        }
        if let Some(mut first) = first {
            first();
        }
    });
}

/// The roots of consecutive blocks of [`HASH_BLOCK`] leaves, a tree level at a time (so SM3
/// can hash sixteen nodes at once).
fn block_roots_of(algorithm: HashAlgorithm, leaves: &[Hash], roots: &mut [Hash]) {
    if leaves.is_empty() {
        return;
    }
    let mut level = vec![[0u8; 32]; leaves.len() / 2];
    algorithm.node_level(leaves, &mut level);
    let mut upper = vec![[0u8; 32]; leaves.len() / 4];
    while level.len() > roots.len() {
        let parents = &mut upper[..level.len() / 2];
        algorithm.node_level(&level, parents);
        let len = parents.len();
        std::mem::swap(&mut level, &mut upper);
        level.truncate(len);
    }
    roots.copy_from_slice(&level);
}

/// A hash sequence read with two hashes of lookahead, counting its position.
struct Lookahead<I: Iterator<Item = Hash>> {
    iter: I,
    next: [Option<Hash>; 2],
    position: u64,
}

impl<I: Iterator<Item = Hash>> Lookahead<I> {
    fn new(mut iter: I) -> Self {
        let next = [iter.next(), iter.next()];
        Lookahead {
            iter,
            next,
            position: 0,
        }
    }

    fn advance(&mut self, steps: usize) {
        for _ in 0..steps {
            self.next = [self.next[1], self.iter.next()];
            self.position += 1;
        }
    }
}

/// Aligns the entries as found with the authenticated leaf hashes and names each difference.
fn locate_by_diff(
    found: impl Iterator<Item = Hash>,
    found_len: u64,
    logged: impl Iterator<Item = Hash>,
    logged_len: u64,
    findings: &mut Vec<Finding>,
) {
    let mut located = Vec::new();
    let mut extra = 0u64;
    let mut locate = |finding| {
        if located.len() < MAX_LOCATED_FINDINGS {
            located.push(finding);
        } else {
            extra += 1;
        }
    };
    let (mut f, mut l) = (Lookahead::new(found), Lookahead::new(logged));
    while let ([Some(f0), f1], [Some(l0), l1]) = (f.next, l.next) {
        if f0 == l0 {
            f.advance(1);
            l.advance(1);
        } else if f1.is_some() && l1.is_some() && Some(f0) == l1 && f1 == Some(l0) {
            locate(Finding::EntriesSwapped {
                first: l.position,
                second: l.position + 1,
            });
            f.advance(2);
            l.advance(2);
        } else if l1 == Some(f0) {
            locate(Finding::EntryDeleted { index: l.position });
            l.advance(1);
        } else if f1 == Some(l0) {
            locate(Finding::EntryInserted {
                position: f.position,
            });
            f.advance(1);
        } else {
            locate(Finding::EntryModified { index: l.position });
            f.advance(1);
            l.advance(1);
        }
    }
    if l.next[0].is_some() {
        locate(Finding::Truncated {
            entries: found_len,
            checkpoint_size: logged_len,
        });
    }
    findings.extend(located);
    if extra > 0 {
        findings.push(Finding::MoreFindings { count: extra });
    }
}

/// Verifies a ledger directory: every checkpoint's signature with `verifier`, every record's
/// framing, and every entry against the checkpoints. Never modifies the directory.
///
/// Memory stays bounded whatever the log's size: the log is read in chunks of
/// 8 MiB, hashed on all cores while the next chunk is read, and folded into the
/// roots at each checkpoint. Only if a root differs is the log read a second time, to align
/// its hashes with `leaves.hash` and name each difference.
pub fn verify_dir(dir: &Path, verifier: &NoteVerifier) -> Result<VerifyReport, Error> {
    verify_dir_in_chunks(dir, verifier, CHUNK_BYTES)
}

fn verify_dir_in_chunks(
    dir: &Path,
    verifier: &NoteVerifier,
    chunk_bytes: usize,
) -> Result<VerifyReport, Error> {
    let entries_path = dir.join(crate::store::ENTRIES_FILE);
    let (header, header_len) = Header::read(&entries_path)?;
    let mut report = VerifyReport::default();
    if verifier.name() != header.origin || verifier.algorithm() != header.signature {
        return Err(Error::Key(format!(
            "the key is a {} key for {:?} but the log is signed with {} for {:?}",
            verifier.algorithm().name(),
            verifier.name(),
            header.signature.name(),
            header.origin
        )));
    }
    let mut notes = Vec::new();
    for (size, path) in checkpoint_files(dir)? {
        let note = fs::read_to_string(&path).map_err(Error::io(&path))?;
        notes.push((path.display().to_string(), note, Some(size)));
    }
    let checkpoints = open_checkpoints(notes, verifier, &header.origin, &mut report.findings);

    // Pipeline: while the hashing threads work on one chunk, this thread reads the next.
    let mut roots = RootsAtCheckpoints::new(header.hash, &checkpoints);
    let mut reader = LogReader::new(&entries_path, header_len, chunk_bytes)?;
    let (mut chunk, mut next) = (Chunk::default(), Chunk::default());
    let mut hashed = HashedEntries::default();
    reader.read_chunk(&mut chunk, &mut report.findings);
    while !chunk.spans.is_empty() {
        std::thread::scope(|scope| {
            let hashing = scope.spawn(|| hash_entries(header.hash, &chunk.entries(), &mut hashed));
            reader.read_chunk(&mut next, &mut report.findings);
            hashing.join().expect("hashing does not panic");
        });
        roots.push_hashed(&hashed);
        std::mem::swap(&mut chunk, &mut next);
    }
    let entries = reader.next_index;
    let entry_roots = roots.finish();
    let leaves_path: PathBuf = dir.join(LEAVES_FILE);
    let rehashed = || {
        LogReader::new(&entries_path, header_len, chunk_bytes)
            .ok()
            .into_iter()
            .flat_map(|reader| RehashedLog::new(reader, header.hash))
    };
    check_against_checkpoints(
        header.hash,
        entries,
        &entry_roots,
        &checkpoints,
        rehashed,
        || leaf_file(&leaves_path),
        &mut report,
    );
    Ok(report)
}

/// Records read from the log into one buffer: no allocation per entry.
#[derive(Default)]
struct Chunk {
    data: Vec<u8>,
    /// The payloads' ranges in `data`.
    spans: Vec<Range<usize>>,
}

impl Chunk {
    fn entries(&self) -> Vec<&[u8]> {
        self.spans
            .iter()
            .map(|span| &self.data[span.clone()])
            .collect()
    }
}

/// Reads `entries.log` in large sequential chunks, reporting damaged records.
struct LogReader {
    file: File,
    /// File offset of the next record.
    offset: u64,
    file_len: u64,
    /// Bytes read at once.
    chunk_bytes: usize,
    /// Index of the next record.
    next_index: u64,
    finished: bool,
}

impl LogReader {
    fn new(path: &Path, offset: u64, chunk_bytes: usize) -> Result<Self, Error> {
        let file = File::open(path).map_err(Error::io(path))?;
        let file_len = file.metadata().map_err(Error::io(path))?.len();
        Ok(LogReader {
            file,
            offset,
            file_len,
            chunk_bytes,
            next_index: 0,
            finished: false,
        })
    }

    /// Reads the next records into `chunk` (no records at the end). A chunk that does not
    /// reach the end of the log ends at a multiple of [`HASH_BLOCK`] entries where it can, so
    /// the hashing threads' block roots are aligned subtrees.
    fn read_chunk(&mut self, chunk: &mut Chunk, findings: &mut Vec<Finding>) {
        chunk.spans.clear();
        if self.finished {
            return;
        }
        let want = (self.file_len - self.offset).min(self.chunk_bytes as u64) as usize;
        if chunk.data.len() < want {
            chunk.data.resize(want, 0);
        }
        let mut filled = match self
            .file
            .read_exact_at(&mut chunk.data[..want], self.offset)
        {
            Ok(()) => want,
            Err(e) => {
                self.stop(findings, self.offset, format!("read error: {e}"));
                return;
            }
        };
        let mut damage = None;
        let mut position = 0usize;
        loop {
            let offset = self.offset + position as u64;
            let remaining = self.file_len - offset;
            if remaining == 0 {
                self.finished = true;
                break;
            }
            let header_end = position + RECORD_HEADER_LEN as usize;
            if remaining >= RECORD_HEADER_LEN && header_end > filled {
                break;
            }
            let header = chunk.data[position..header_end.min(filled)]
                .try_into()
                .unwrap_or([0; RECORD_HEADER_LEN as usize]);
            let len = match check_frame(offset, remaining, &header) {
                Ok((len, _)) => len,
                Err(found) => {
                    damage = Some(found);
                    break;
                }
            };
            let end = header_end + len;
            if end > filled {
                if !chunk.spans.is_empty() {
                    break;
                }
                // One record larger than a chunk: read it whole.
                chunk.data.resize(end, 0);
                let rest = self.offset + filled as u64;
                if let Err(e) = self.file.read_exact_at(&mut chunk.data[filled..end], rest) {
                    damage = Some(Damage {
                        offset,
                        reason: format!("read error: {e}"),
                    });
                    break;
                }
                filled = end;
            }
            chunk.spans.push(header_end..end);
            position = end;
        }
        let first_index = self.next_index;
        let mut count = chunk.spans.len();
        if !self.finished && damage.is_none() {
            let aligned = (first_index + count as u64) / HASH_BLOCK as u64 * HASH_BLOCK as u64;
            if aligned > first_index {
                count = (aligned - first_index) as usize;
                if count < chunk.spans.len() {
                    position = chunk.spans[count].start - RECORD_HEADER_LEN as usize;
                    chunk.spans.truncate(count);
                }
            }
        }
        for (i, span) in chunk.spans.iter().enumerate() {
            let record_start = span.start - RECORD_HEADER_LEN as usize;
            let stored = u32::from_le_bytes(
                chunk.data[record_start + 4..span.start]
                    .try_into()
                    .expect("4 bytes"),
            );
            if record_crc(&chunk.data[span.clone()]) != stored {
                findings.push(Finding::ChecksumMismatch {
                    index: first_index + i as u64,
                    offset: self.offset + record_start as u64,
                });
            }
        }
        self.next_index += count as u64;
        self.offset += position as u64;
        if let Some(damage) = damage {
            self.stop(findings, damage.offset, damage.reason);
        }
    }

    fn stop(&mut self, findings: &mut Vec<Finding>, offset: u64, reason: String) {
        findings.push(Finding::RecordUnreadable {
            index: self.next_index,
            offset,
            reason,
        });
        self.finished = true;
    }
}

/// The log's leaf hashes recomputed, chunk by chunk (for the second, locating pass).
struct RehashedLog {
    reader: LogReader,
    algorithm: HashAlgorithm,
    chunk: Chunk,
    hashed: HashedEntries,
    next: usize,
}

impl RehashedLog {
    fn new(reader: LogReader, algorithm: HashAlgorithm) -> Self {
        RehashedLog {
            reader,
            algorithm,
            chunk: Chunk::default(),
            hashed: HashedEntries::default(),
            next: 0,
        }
    }
}

impl Iterator for RehashedLog {
    type Item = Hash;

    fn next(&mut self) -> Option<Hash> {
        if self.next == self.hashed.leaves.len() {
            // Damage was reported by the first pass.
            self.reader.read_chunk(&mut self.chunk, &mut Vec::new());
            hash_entries(self.algorithm, &self.chunk.entries(), &mut self.hashed);
            self.next = 0;
        }
        let hash = self.hashed.leaves.get(self.next).copied();
        self.next += 1;
        hash
    }
}

/// The leaf hashes stored in `leaves.hash`, streamed.
fn leaf_file(path: &Path) -> Option<impl Iterator<Item = Hash>> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path).ok()?);
    Some(std::iter::from_fn(move || {
        let mut hash = [0u8; 32];
        reader.read_exact(&mut hash).ok().map(|()| hash)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::SignatureAlgorithm;
    use crate::store::{ENTRIES_FILE, Ledger, LedgerConfig, PRIVATE_KEY_FILE, init, load_signer};

    /// Entries of 0 to ~3 KB, so a 1 KiB chunk meets every case: several records per chunk,
    /// a record larger than the chunk, chunks cut back to a multiple of 64 entries.
    fn entry(index: u64) -> Vec<u8> {
        let len = (index * 7919 % 3001) as usize;
        (0..len).map(|i| (i as u64 ^ index) as u8).collect()
    }

    fn ledger(dir: &Path) -> NoteVerifier {
        let verifier = init(
            dir,
            &LedgerConfig {
                origin: "test.shuan/chunks".into(),
                hash: HashAlgorithm::Sm3,
                signature: SignatureAlgorithm::Ed25519,
            },
        )
        .unwrap();
        let signer = load_signer(&dir.join(PRIVATE_KEY_FILE)).unwrap();
        let ledger = Ledger::open(dir).unwrap();
        for (start, end) in [(0, 100), (100, 333), (333, 1000)] {
            ledger
                .append_batch((start..end).map(entry).collect())
                .unwrap();
            ledger.checkpoint(&signer).unwrap();
        }
        verifier
    }

    fn reports(dir: &Path, verifier: &NoteVerifier) -> Vec<VerifyReport> {
        [1 << 10, 5000, 64 << 10, CHUNK_BYTES]
            .into_iter()
            .map(|chunk_bytes| verify_dir_in_chunks(dir, verifier, chunk_bytes).unwrap())
            .collect()
    }

    #[test]
    fn every_chunk_size_gives_the_same_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let verifier = ledger(dir.path());
        for report in reports(dir.path(), &verifier) {
            assert!(report.is_ok(), "{:?}", report.findings);
            assert_eq!(report.entries, 1000);
            assert_eq!(report.checkpoints_matched, [100, 333, 1000]);
        }

        // A flipped byte in entry 500 and a torn last record.
        let log_path = dir.path().join(ENTRIES_FILE);
        let mut log = std::fs::read(&log_path).unwrap();
        let (_, header_len) = Header::read(&log_path).unwrap();
        let mut offset = header_len as usize;
        let mut offsets = Vec::new();
        while offset < log.len() {
            offsets.push(offset);
            let len = u32::from_le_bytes(log[offset..offset + 4].try_into().unwrap()) as usize;
            offset += 8 + len;
        }
        assert!(entry(500).len() > 10);
        log[offsets[500] + 8 + 5] ^= 1;
        log.truncate(offsets[999] + 3);
        std::fs::write(&log_path, &log).unwrap();
        let expected = vec![
            Finding::ChecksumMismatch {
                index: 500,
                offset: offsets[500] as u64,
            },
            Finding::RecordUnreadable {
                index: 999,
                offset: offsets[999] as u64,
                reason: "3 stray bytes, too short for a record header".into(),
            },
            Finding::EntryModified { index: 500 },
            Finding::Truncated {
                entries: 999,
                checkpoint_size: 1000,
            },
        ];
        for report in reports(dir.path(), &verifier) {
            assert_eq!(report.findings, expected);
            assert_eq!(report.checkpoints_matched, [100, 333]);
        }
    }
}
