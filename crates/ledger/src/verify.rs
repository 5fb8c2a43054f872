//! Verification of a whole log against its checkpoints, with the damage located.
//!
//! The signed checkpoints authenticate tree roots. The entries are re-hashed from
//! `entries.log` and their roots compared with every checkpoint. When a root differs, the
//! stored leaf hashes (`leaves.hash`, written at append time) are checked against the same
//! signed roots; if they match, they are an authenticated copy of what was logged, and
//! diffing the two sequences names each modified, deleted, inserted or swapped entry.

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::hash::{Hash, HashAlgorithm};
use crate::merkle::{RootAccumulator, root_of_leaves};
use crate::note::{Checkpoint, NoteVerifier};
use crate::record::{Header, RecordReader};
use crate::store::{LEAVES_FILE, checkpoint_files};

/// The most located findings listed; past it, damage is summarized.
const MAX_LOCATED_FINDINGS: usize = 100;
/// Entries read and hashed per step of verification.
const VERIFY_CHUNK: usize = 16_384;

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

/// Compares the entry hashes with the checkpoints; on mismatch locates the damage using
/// `reference` (leaf hashes as logged) when it authenticates against the checkpoints.
pub(crate) fn check_against_checkpoints(
    algorithm: HashAlgorithm,
    entry_hashes: &[Hash],
    entry_roots: &[Option<Hash>],
    checkpoints: &[Checkpoint],
    reference: impl FnOnce() -> Option<Vec<Hash>>,
    report: &mut VerifyReport,
) {
    report.entries = entry_hashes.len() as u64;
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
    let reference = reference().filter(|leaves| {
        let roots = roots_at_checkpoints(algorithm, leaves, checkpoints);
        checkpoints
            .iter()
            .zip(roots)
            .all(|(checkpoint, root)| root == Some(checkpoint.root))
    });
    match reference {
        Some(reference) => {
            let covered = checkpoints.last().map_or(0, |c| c.size) as usize;
            locate_by_diff(entry_hashes, &reference[..covered], &mut report.findings);
        }
        None => {
            if let Some(checkpoint_size) = largest_missing {
                report.findings.push(Finding::Truncated {
                    entries: entry_hashes.len() as u64,
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
            if first_bad <= entry_hashes.len() as u64 {
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

    /// Pushes hashed entries that start at a multiple of [`HASH_BLOCK`], using their block
    /// roots where no checkpoint falls inside a block.
    pub(crate) fn push_hashed(&mut self, hashed: &HashedEntries) {
        let blocks = hashed.leaves.chunks(HASH_BLOCK);
        for (block, leaves) in blocks.enumerate() {
            let start = self.accumulator.size();
            let end = start + leaves.len() as u64;
            let checkpoint_inside = self
                .sizes
                .get(self.roots.len())
                .is_some_and(|size| *size > start && *size < end);
            match hashed.block_roots.get(block) {
                Some(root) if !checkpoint_inside => {
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

fn roots_at_checkpoints(
    algorithm: HashAlgorithm,
    leaves: &[Hash],
    checkpoints: &[Checkpoint],
) -> Vec<Option<Hash>> {
    let mut roots = RootsAtCheckpoints::new(algorithm, checkpoints);
    let largest = checkpoints.last().map_or(0, |c| c.size as usize);
    roots.push(&leaves[..largest.min(leaves.len())]);
    roots.finish()
}

/// Entries per block whose root is computed next to the leaf hashes.
const HASH_BLOCK: usize = 64;

/// Leaf hashes of a run of entries and the roots of its complete blocks of [`HASH_BLOCK`].
pub(crate) struct HashedEntries {
    pub leaves: Vec<Hash>,
    pub block_roots: Vec<Hash>,
}

/// Hashes entries on all cores: verification is hash-bound, and computing the block roots
/// here leaves the caller only one node hash per block to fold in.
pub(crate) fn hash_entries(algorithm: HashAlgorithm, entries: &[Vec<u8>]) -> HashedEntries {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let part = entries
        .len()
        .div_ceil(threads)
        .next_multiple_of(HASH_BLOCK)
        .max(HASH_BLOCK);
    std::thread::scope(|scope| {
        let workers: Vec<_> = entries
            .chunks(part)
            .map(|part| {
                scope.spawn(move || {
                    let leaves: Vec<Hash> = part
                        .iter()
                        .map(|entry| algorithm.leaf_hash(entry))
                        .collect();
                    let block_roots = leaves
                        .chunks_exact(HASH_BLOCK)
                        .map(|block| root_of_leaves(algorithm, block))
                        .collect();
                    HashedEntries {
                        leaves,
                        block_roots,
                    }
                })
            })
            .collect();
        let mut all = HashedEntries {
            leaves: Vec::with_capacity(entries.len()),
            block_roots: Vec::with_capacity(entries.len() / HASH_BLOCK),
        };
        for worker in workers {
            let part = worker.join().expect("hashing does not panic");
            all.leaves.extend(part.leaves);
            all.block_roots.extend(part.block_roots);
        }
        all
    })
}

/// Aligns the entries as found with the authenticated leaf hashes and names each difference.
fn locate_by_diff(found: &[Hash], logged: &[Hash], findings: &mut Vec<Finding>) {
    let mut located = Vec::new();
    let (mut f, mut l) = (0usize, 0usize);
    while f < found.len() && l < logged.len() {
        if found[f] == logged[l] {
            f += 1;
            l += 1;
        } else if f + 1 < found.len()
            && l + 1 < logged.len()
            && found[f] == logged[l + 1]
            && found[f + 1] == logged[l]
        {
            located.push(Finding::EntriesSwapped {
                first: l as u64,
                second: l as u64 + 1,
            });
            f += 2;
            l += 2;
        } else if l + 1 < logged.len() && found[f] == logged[l + 1] {
            located.push(Finding::EntryDeleted { index: l as u64 });
            l += 1;
        } else if f + 1 < found.len() && found[f + 1] == logged[l] {
            located.push(Finding::EntryInserted { position: f as u64 });
            f += 1;
        } else {
            located.push(Finding::EntryModified { index: l as u64 });
            f += 1;
            l += 1;
        }
    }
    if l < logged.len() {
        located.push(Finding::Truncated {
            entries: found.len() as u64,
            checkpoint_size: logged.len() as u64,
        });
    }
    let extra = located.len().saturating_sub(MAX_LOCATED_FINDINGS);
    located.truncate(MAX_LOCATED_FINDINGS);
    findings.extend(located);
    if extra > 0 {
        findings.push(Finding::MoreFindings {
            count: extra as u64,
        });
    }
}

/// Verifies a ledger directory: every checkpoint's signature with `verifier`, every record's
/// framing, and every entry against the checkpoints. Never modifies the directory.
pub fn verify_dir(dir: &Path, verifier: &NoteVerifier) -> Result<VerifyReport, Error> {
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

    // Pipeline: while worker threads hash one chunk, this thread reads the next.
    let mut entry_hashes: Vec<Hash> = Vec::new();
    let mut roots = RootsAtCheckpoints::new(header.hash, &checkpoints);
    let mut reader = ChunkReader {
        records: RecordReader::new(&entries_path, header_len)?,
        next_index: 0,
        finished: false,
    };
    let mut chunk = reader.read_chunk(&mut report.findings);
    while !chunk.is_empty() {
        let (hashed, next) = std::thread::scope(|scope| {
            let hashing = scope.spawn(|| hash_entries(header.hash, &chunk));
            let next = reader.read_chunk(&mut report.findings);
            (hashing.join().expect("hashing does not panic"), next)
        });
        roots.push_hashed(&hashed);
        entry_hashes.extend_from_slice(&hashed.leaves);
        chunk = next;
    }
    let entry_roots = roots.finish();
    let leaves_path: PathBuf = dir.join(LEAVES_FILE);
    check_against_checkpoints(
        header.hash,
        &entry_hashes,
        &entry_roots,
        &checkpoints,
        || read_leaf_file(&leaves_path),
        &mut report,
    );
    Ok(report)
}

/// Reads records in chunks, reporting damaged ones.
struct ChunkReader {
    records: RecordReader,
    next_index: u64,
    finished: bool,
}

impl ChunkReader {
    /// The next up to [`VERIFY_CHUNK`] entries; empty at the end.
    fn read_chunk(&mut self, findings: &mut Vec<Finding>) -> Vec<Vec<u8>> {
        let mut chunk = Vec::with_capacity(VERIFY_CHUNK);
        while !self.finished && chunk.len() < VERIFY_CHUNK {
            match self.records.next_record() {
                Ok(None) => self.finished = true,
                Ok(Some(record)) => {
                    if !record.checksum_ok {
                        findings.push(Finding::ChecksumMismatch {
                            index: self.next_index,
                            offset: record.offset,
                        });
                    }
                    chunk.push(record.payload);
                    self.next_index += 1;
                }
                Err(damage) => {
                    findings.push(Finding::RecordUnreadable {
                        index: self.next_index,
                        offset: damage.offset,
                        reason: damage.reason,
                    });
                    self.finished = true;
                }
            }
        }
        chunk
    }
}

fn read_leaf_file(path: &Path) -> Option<Vec<Hash>> {
    let mut bytes = Vec::new();
    fs::File::open(path).ok()?.read_to_end(&mut bytes).ok()?;
    Some(
        bytes
            .chunks_exact(32)
            .map(|chunk| chunk.try_into().expect("32 bytes"))
            .collect(),
    )
}
