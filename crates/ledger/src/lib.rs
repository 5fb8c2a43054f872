//! Shu'an's tamper-evident audit ledger.
//!
//! An append-only log whose entries are the leaves of an RFC 6962 / RFC 9162 Merkle tree
//! (SM3 by default, SHA-256 as an option), with checkpoints (signed tree heads) in the C2SP
//! signed-note format, signed with SM2 (default) or Ed25519. Anyone holding the public key
//! can check that no entry was changed, removed, inserted or reordered: with inclusion and
//! consistency proofs, by verifying a whole log directory ([`verify_dir`]), or offline from
//! an exported [`Bundle`].
//!
//! [`Ledger`] is the durable store: appends are acknowledged after fsync, committed in
//! batches by one writer thread; clones share it across threads. See `docs/LEDGER.md`.

mod bundle;
mod error;
mod hash;
mod merkle;
mod note;
mod record;
mod sm3x16;
mod store;
mod verify;

pub use bundle::{Bundle, ConsistencyBundle, InclusionBundle, verify_any_bundle};
pub use error::Error;
pub use hash::{Hash, HashAlgorithm, from_hex, hash_from_hex, to_hex};
pub use merkle::{
    LeafHashes, ProofError, RootAccumulator, SubtreeHashes, consistency_proof, inclusion_proof,
    root_from_inclusion_proof, root_of_leaves, verify_consistency, verify_inclusion,
};
pub use note::{Checkpoint, NoteSigner, NoteVerifier, SignatureAlgorithm, checkpoint_text};
pub use record::Header;
pub use store::{
    CHECKPOINTS_DIR, ENTRIES_FILE, LEAVES_FILE, Ledger, LedgerConfig, PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE, checkpoint_files, create_log, init, load_signer, load_verifier,
};
pub use verify::{Finding, VerifyReport, verify_dir};
