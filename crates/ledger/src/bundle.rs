//! Self-contained JSON documents a third party verifies offline: a whole log up to a
//! checkpoint ([`Bundle`]), one entry with its inclusion proof ([`InclusionBundle`]) and a
//! consistency proof between two checkpoints ([`ConsistencyBundle`]).
//!
//! Each carries the verifier key for convenience, but a verifier should pass the key it
//! obtained out of band: a key taken from the bundle only proves the bundle is self-consistent.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::hash::{Hash, HashAlgorithm, hash_from_hex, to_hex};
use crate::merkle::{verify_consistency, verify_inclusion};
use crate::note::{Checkpoint, NoteVerifier};
use crate::store::{Ledger, checkpoint_files};
use crate::verify::{
    HashedEntries, RootsAtCheckpoints, VerifyReport, check_against_checkpoints, hash_entries,
    open_checkpoints,
};

pub const BUNDLE_FORMAT: &str = "shuan-ledger-bundle/1";
pub const INCLUSION_FORMAT: &str = "shuan-ledger-inclusion/1";
pub const CONSISTENCY_FORMAT: &str = "shuan-ledger-consistency/1";

/// A log's entries up to a checkpoint, with every checkpoint up to it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    pub origin: String,
    pub hash_algorithm: String,
    pub verifier_key: String,
    /// Signed notes, oldest first.
    pub checkpoints: Vec<String>,
    /// Entries in log order, base64.
    pub entries: Vec<String>,
}

/// One entry, its inclusion proof and the checkpoint the proof leads to.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InclusionBundle {
    pub format: String,
    pub origin: String,
    pub hash_algorithm: String,
    pub verifier_key: String,
    pub index: u64,
    pub tree_size: u64,
    /// The entry, base64.
    pub entry: String,
    /// Sibling hashes from the leaf up, hex.
    pub proof: Vec<String>,
    pub checkpoint: String,
}

/// Proof that the newer checkpoint's tree extends the older one's.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConsistencyBundle {
    pub format: String,
    pub origin: String,
    pub hash_algorithm: String,
    pub verifier_key: String,
    pub old_checkpoint: String,
    pub new_checkpoint: String,
    /// Hex.
    pub proof: Vec<String>,
}

fn bundle_error(reason: impl Into<String>) -> Error {
    Error::Bundle(reason.into())
}

fn parse_algorithm(name: &str) -> Result<HashAlgorithm, Error> {
    HashAlgorithm::from_name(name)
        .ok_or_else(|| bundle_error(format!("unknown hash algorithm {name:?}")))
}

fn parse_hashes(hex: &[String]) -> Result<Vec<Hash>, Error> {
    hex.iter()
        .map(|h| {
            hash_from_hex(h).ok_or_else(|| bundle_error(format!("{h:?} is not a 32-byte hex hash")))
        })
        .collect()
}

/// The key to verify with: the trusted one, or the bundle's own.
fn choose_key(trusted: Option<&NoteVerifier>, embedded: &str) -> Result<NoteVerifier, Error> {
    match trusted {
        Some(key) => Ok(key.clone()),
        None => NoteVerifier::from_text(embedded),
    }
}

fn open_checkpoint(note: &str, key: &NoteVerifier, origin: &str) -> Result<Checkpoint, Error> {
    let checkpoint = Checkpoint::open(note, key)?;
    if checkpoint.origin != origin {
        return Err(bundle_error(format!(
            "checkpoint origin {:?} is not the bundle's {origin:?}",
            checkpoint.origin
        )));
    }
    Ok(checkpoint)
}

/// A checkpoint to build a proof against: `size` if given (must be stored), else the latest.
fn proof_checkpoint(
    ledger: &Ledger,
    verifier: &NoteVerifier,
    size: Option<u64>,
) -> Result<Checkpoint, Error> {
    match size {
        Some(size) => ledger.checkpoint_at(size, verifier),
        None => ledger.latest_checkpoint(verifier)?.ok_or_else(|| {
            bundle_error("the log has no checkpoint yet: run `shuan ledger checkpoint` first")
        }),
    }
}

impl Bundle {
    /// Exports the entries covered by the latest checkpoint (or the one of `size` entries).
    pub fn export(
        ledger: &Ledger,
        verifier: &NoteVerifier,
        size: Option<u64>,
    ) -> Result<Bundle, Error> {
        let last = proof_checkpoint(ledger, verifier, size)?;
        let mut checkpoints = Vec::new();
        for (size, path) in checkpoint_files(ledger.dir())? {
            if size <= last.size {
                checkpoints.push(std::fs::read_to_string(&path).map_err(Error::io(&path))?);
            }
        }
        let entries = (0..last.size)
            .map(|index| ledger.entry(index).map(|entry| BASE64.encode(entry)))
            .collect::<Result<_, _>>()?;
        let header = ledger.header();
        Ok(Bundle {
            format: BUNDLE_FORMAT.into(),
            origin: header.origin.clone(),
            hash_algorithm: header.hash.name().into(),
            verifier_key: verifier.to_text(),
            checkpoints,
            entries,
        })
    }

    /// Re-hashes every entry and checks every checkpoint against them.
    pub fn verify(&self, trusted: Option<&NoteVerifier>) -> Result<VerifyReport, Error> {
        let algorithm = parse_algorithm(&self.hash_algorithm)?;
        let key = choose_key(trusted, &self.verifier_key)?;
        let mut report = VerifyReport::default();
        let notes = self
            .checkpoints
            .iter()
            .enumerate()
            .map(|(i, note)| (format!("#{i} of the bundle"), note.clone(), None));
        let checkpoints = open_checkpoints(notes, &key, &self.origin, &mut report.findings);
        let entries = self
            .entries
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                BASE64
                    .decode(entry)
                    .map_err(|_| bundle_error(format!("entry {index} is not base64")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let borrowed: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        let mut hashed = HashedEntries::default();
        hash_entries(algorithm, &borrowed, &mut hashed);
        let mut roots = RootsAtCheckpoints::new(algorithm, &checkpoints);
        roots.push_hashed(&hashed);
        check_against_checkpoints(
            algorithm,
            hashed.leaves.len() as u64,
            &roots.finish(),
            &checkpoints,
            || hashed.leaves.iter().copied(),
            || None::<std::iter::Empty<Hash>>,
            &mut report,
        );
        if checkpoints.is_empty() && report.findings.is_empty() {
            return Err(bundle_error("the bundle holds no checkpoint"));
        }
        Ok(report)
    }
}

impl InclusionBundle {
    /// Builds the proof of entry `index` against the latest checkpoint (or the one of `size`).
    pub fn prove(
        ledger: &Ledger,
        verifier: &NoteVerifier,
        index: u64,
        size: Option<u64>,
    ) -> Result<InclusionBundle, Error> {
        let checkpoint = proof_checkpoint(ledger, verifier, size)?;
        if index >= checkpoint.size {
            return Err(bundle_error(format!(
                "entry {index} is not covered by the checkpoint of {} entries: run `shuan ledger checkpoint` first",
                checkpoint.size
            )));
        }
        let proof = ledger.inclusion_proof(index, checkpoint.size)?;
        let header = ledger.header();
        Ok(InclusionBundle {
            format: INCLUSION_FORMAT.into(),
            origin: header.origin.clone(),
            hash_algorithm: header.hash.name().into(),
            verifier_key: verifier.to_text(),
            index,
            tree_size: checkpoint.size,
            entry: BASE64.encode(ledger.entry(index)?),
            proof: proof.iter().map(|h| to_hex(h)).collect(),
            checkpoint: checkpoint.note,
        })
    }

    /// Checks the checkpoint's signature and that the entry is in its tree.
    pub fn verify(&self, trusted: Option<&NoteVerifier>) -> Result<(), Error> {
        let algorithm = parse_algorithm(&self.hash_algorithm)?;
        let key = choose_key(trusted, &self.verifier_key)?;
        let checkpoint = open_checkpoint(&self.checkpoint, &key, &self.origin)?;
        if checkpoint.size != self.tree_size {
            return Err(bundle_error(format!(
                "the proof is for size {} but the checkpoint signs size {}",
                self.tree_size, checkpoint.size
            )));
        }
        let entry = BASE64
            .decode(&self.entry)
            .map_err(|_| bundle_error("the entry is not base64"))?;
        verify_inclusion(
            algorithm,
            self.index,
            self.tree_size,
            &algorithm.leaf_hash(&entry),
            &parse_hashes(&self.proof)?,
            &checkpoint.root,
        )?;
        Ok(())
    }
}

impl ConsistencyBundle {
    /// Builds the consistency proof between two stored checkpoints.
    pub fn prove(
        ledger: &Ledger,
        verifier: &NoteVerifier,
        old_size: u64,
        new_size: Option<u64>,
    ) -> Result<ConsistencyBundle, Error> {
        let old = ledger.checkpoint_at(old_size, verifier)?;
        let new = proof_checkpoint(ledger, verifier, new_size)?;
        let proof = ledger.consistency_proof(old.size, new.size)?;
        let header = ledger.header();
        Ok(ConsistencyBundle {
            format: CONSISTENCY_FORMAT.into(),
            origin: header.origin.clone(),
            hash_algorithm: header.hash.name().into(),
            verifier_key: verifier.to_text(),
            old_checkpoint: old.note,
            new_checkpoint: new.note,
            proof: proof.iter().map(|h| to_hex(h)).collect(),
        })
    }

    /// Checks both signatures and that the new tree extends the old one.
    pub fn verify(&self, trusted: Option<&NoteVerifier>) -> Result<(), Error> {
        let algorithm = parse_algorithm(&self.hash_algorithm)?;
        let key = choose_key(trusted, &self.verifier_key)?;
        let old = open_checkpoint(&self.old_checkpoint, &key, &self.origin)?;
        let new = open_checkpoint(&self.new_checkpoint, &key, &self.origin)?;
        verify_consistency(
            algorithm,
            old.size,
            new.size,
            &old.root,
            &new.root,
            &parse_hashes(&self.proof)?,
        )?;
        Ok(())
    }
}

/// Verifies any of the three documents, told apart by their `format` field. Returns a
/// one-line summary when the document verifies, the report of a log bundle either way.
pub fn verify_any_bundle(
    json: &str,
    trusted: Option<&NoteVerifier>,
) -> Result<(String, Option<VerifyReport>), Error> {
    #[derive(Deserialize)]
    struct Format {
        format: String,
    }
    let parse_error = |e: serde_json::Error| bundle_error(format!("not a ledger bundle: {e}"));
    let format: Format = serde_json::from_str(json).map_err(parse_error)?;
    match format.format.as_str() {
        BUNDLE_FORMAT => {
            let bundle: Bundle = serde_json::from_str(json).map_err(parse_error)?;
            let report = bundle.verify(trusted)?;
            let summary = format!(
                "log bundle of {}: {} entries, checkpoints matched {:?}",
                bundle.origin, report.entries, report.checkpoints_matched
            );
            Ok((summary, Some(report)))
        }
        INCLUSION_FORMAT => {
            let bundle: InclusionBundle = serde_json::from_str(json).map_err(parse_error)?;
            bundle.verify(trusted)?;
            Ok((
                format!(
                    "entry {} is included in the signed tree of {} entries of {}",
                    bundle.index, bundle.tree_size, bundle.origin
                ),
                None,
            ))
        }
        CONSISTENCY_FORMAT => {
            let bundle: ConsistencyBundle = serde_json::from_str(json).map_err(parse_error)?;
            bundle.verify(trusted)?;
            Ok((
                format!(
                    "the signed tree of {} extends its earlier signed tree consistently",
                    bundle.origin
                ),
                None,
            ))
        }
        other => Err(bundle_error(format!("unknown bundle format {other:?}"))),
    }
}
