//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::Path;

use shuan_ledger::{
    HashAlgorithm, Ledger, LedgerConfig, NoteSigner, NoteVerifier, PRIVATE_KEY_FILE,
    SignatureAlgorithm, init, load_signer,
};

pub fn config(hash: HashAlgorithm, signature: SignatureAlgorithm) -> LedgerConfig {
    LedgerConfig {
        origin: "test.shuan/ledger".into(),
        hash,
        signature,
    }
}

/// A deterministic, distinguishable entry.
pub fn entry(index: u64) -> Vec<u8> {
    format!(
        r#"{{"seq":{index},"action":"mask","actor":"user{}"}}"#,
        index % 7
    )
    .into_bytes()
}

/// Creates a ledger with `count` entries and a checkpoint at `count`.
pub fn ledger_with(
    dir: &Path,
    count: u64,
    hash: HashAlgorithm,
    signature: SignatureAlgorithm,
) -> (Ledger, NoteSigner, NoteVerifier) {
    let verifier = init(dir, &config(hash, signature)).unwrap();
    let signer = load_signer(&dir.join(PRIVATE_KEY_FILE)).unwrap();
    let ledger = Ledger::open(dir).unwrap();
    ledger
        .append_batch((0..count).map(entry).collect())
        .unwrap();
    ledger.checkpoint(&signer).unwrap();
    (ledger, signer, verifier)
}
