//! The durable store: appends, reopening, torn tails, concurrency, proofs from the stored
//! tree, checkpoints and bundles.

mod common;

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::Arc;

use common::{entry, ledger_with};
use shuan_ledger::{
    Bundle, ConsistencyBundle, ENTRIES_FILE, HashAlgorithm, InclusionBundle, LeafHashes, Ledger,
    SignatureAlgorithm, consistency_proof, inclusion_proof, root_of_leaves, verify_any_bundle,
    verify_dir,
};

#[test]
fn appends_survive_reopen_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, signer, verifier) =
        ledger_with(dir.path(), 10, HashAlgorithm::Sm3, SignatureAlgorithm::Sm2);
    assert_eq!(ledger.size(), 10);
    assert_eq!(ledger.entry(3).unwrap(), entry(3));
    drop(ledger);
    let ledger = Ledger::open(dir.path()).unwrap();
    assert_eq!(ledger.size(), 10);
    assert_eq!(ledger.append(entry(10)).unwrap(), 10);
    ledger.checkpoint(&signer).unwrap();
    let report = verify_dir(dir.path(), &verifier).unwrap();
    assert!(report.is_ok(), "{:?}", report.findings);
    assert_eq!(report.checkpoints_matched, vec![10, 11]);
}

#[test]
fn second_writer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_ledger, _, _) = ledger_with(dir.path(), 1, HashAlgorithm::Sm3, SignatureAlgorithm::Sm2);
    let error = Ledger::open(dir.path()).err().expect("locked");
    assert!(error.to_string().contains("another process"), "{error}");
}

#[test]
fn stored_proofs_equal_in_memory_proofs_across_block_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let size = 1100;
    let (ledger, _, _) = ledger_with(
        dir.path(),
        size,
        HashAlgorithm::Sm3,
        SignatureAlgorithm::Sm2,
    );
    let leaves: Vec<_> = (0..size)
        .map(|i| HashAlgorithm::Sm3.leaf_hash(&entry(i)))
        .collect();
    let tree = LeafHashes {
        algorithm: HashAlgorithm::Sm3,
        leaves: &leaves,
    };
    for tree_size in [1, 63, 64, 65, 255, 256, 257, 512, 513, 1024, 1099, 1100] {
        assert_eq!(
            ledger.root_at(tree_size).unwrap(),
            root_of_leaves(HashAlgorithm::Sm3, &leaves[..tree_size as usize])
        );
        for index in [0, tree_size / 3, tree_size - 1] {
            assert_eq!(
                ledger.inclusion_proof(index, tree_size).unwrap(),
                inclusion_proof(&tree, index, tree_size).unwrap()
            );
        }
        for old in [1, tree_size / 2, tree_size] {
            assert_eq!(
                ledger.consistency_proof(old, tree_size).unwrap(),
                consistency_proof(&tree, old, tree_size).unwrap()
            );
        }
    }
}

#[test]
fn concurrent_appenders_get_distinct_contiguous_indices() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, signer, verifier) = ledger_with(
        dir.path(),
        0,
        HashAlgorithm::Sha256,
        SignatureAlgorithm::Ed25519,
    );
    let ledger = Arc::new(ledger);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let ledger = ledger.clone();
            std::thread::spawn(move || {
                (0..50)
                    .map(|i| {
                        let payload = format!("thread {t} entry {i}").into_bytes();
                        (ledger.append(payload.clone()).unwrap(), payload)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort();
    assert_eq!(all.len(), 400);
    for (expected, (index, payload)) in all.iter().enumerate() {
        assert_eq!(*index, expected as u64);
        assert_eq!(&ledger.entry(*index).unwrap(), payload);
    }
    ledger.checkpoint(&signer).unwrap();
    assert!(verify_dir(dir.path(), &verifier).unwrap().is_ok());
}

#[test]
fn torn_tail_is_set_aside_at_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, signer, verifier) =
        ledger_with(dir.path(), 20, HashAlgorithm::Sm3, SignatureAlgorithm::Sm2);
    ledger.append(entry(20)).unwrap();
    drop(ledger);
    // A record whose header promises more bytes than were written, as a crash mid-write leaves.
    let log_path = dir.path().join(ENTRIES_FILE);
    let mut log = OpenOptions::new().append(true).open(&log_path).unwrap();
    log.write_all(&[200, 0, 0, 0, 1, 2, 3, 4, b'{', b'"'])
        .unwrap();
    drop(log);
    let ledger = Ledger::open(dir.path()).unwrap();
    assert_eq!(ledger.size(), 21);
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("torn-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(ledger.append(entry(21)).unwrap(), 21);
    ledger.checkpoint(&signer).unwrap();
    assert!(verify_dir(dir.path(), &verifier).unwrap().is_ok());
}

#[test]
fn damage_inside_checkpointed_entries_refuses_to_open() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _, _) = ledger_with(dir.path(), 5, HashAlgorithm::Sm3, SignatureAlgorithm::Sm2);
    drop(ledger);
    // Remove the caches so reopening must rescan the damaged record.
    for name in ["derived.synced", "leaves.hash", "entries.ends"] {
        std::fs::remove_file(dir.path().join(name)).unwrap();
    }
    let log_path = dir.path().join(ENTRIES_FILE);
    let mut bytes = std::fs::read(&log_path).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x20;
    std::fs::write(&log_path, bytes).unwrap();
    let error = Ledger::open(dir.path()).err().expect("refused");
    assert!(
        error.to_string().contains("checkpoint 5 covers it"),
        "{error}"
    );
}

#[test]
fn bundles_verify_offline_and_detect_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, signer, verifier) =
        ledger_with(dir.path(), 30, HashAlgorithm::Sm3, SignatureAlgorithm::Sm2);
    ledger.append_batch((30..70).map(entry).collect()).unwrap();
    ledger.checkpoint(&signer).unwrap();

    let bundle = Bundle::export(&ledger, &verifier, None).unwrap();
    let json = serde_json::to_string(&bundle).unwrap();
    let (_, report) = verify_any_bundle(&json, Some(&verifier)).unwrap();
    let report = report.unwrap();
    assert!(report.is_ok());
    assert_eq!(report.checkpoints_matched, vec![30, 70]);

    let mut changed = bundle.clone();
    changed.entries[40] = changed.entries[41].clone();
    let report = changed.verify(Some(&verifier)).unwrap();
    assert!(!report.is_ok());
    assert_eq!(report.checkpoints_matched, vec![30]);

    let inclusion = InclusionBundle::prove(&ledger, &verifier, 42, None).unwrap();
    let json = serde_json::to_string(&inclusion).unwrap();
    verify_any_bundle(&json, Some(&verifier)).unwrap();
    let mut forged = inclusion.clone();
    forged.entry = changed.entries[40].clone();
    assert!(forged.verify(Some(&verifier)).is_err());

    let consistency = ConsistencyBundle::prove(&ledger, &verifier, 30, None).unwrap();
    let json = serde_json::to_string(&consistency).unwrap();
    verify_any_bundle(&json, Some(&verifier)).unwrap();

    // A key other than the log's does not verify the bundle's checkpoints.
    let other_dir = tempfile::tempdir().unwrap();
    let (_, _, other_key) = ledger_with(
        other_dir.path(),
        1,
        HashAlgorithm::Sm3,
        SignatureAlgorithm::Sm2,
    );
    assert!(inclusion.verify(Some(&other_key)).is_err());
}

#[test]
fn caches_past_the_synced_mark_are_rederived() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, signer, verifier) =
        ledger_with(dir.path(), 300, HashAlgorithm::Sm3, SignatureAlgorithm::Sm2);
    let expected_root = ledger.root_at(300).unwrap();
    let expected_proof = ledger.inclusion_proof(299, 300).unwrap();
    drop(ledger);
    // As after a power loss: the caches hold garbage past an older synced mark.
    std::fs::write(dir.path().join("derived.synced"), "100\n").unwrap();
    for (name, record_len) in [("leaves.hash", 32), ("entries.ends", 8), ("nodes.l6", 32)] {
        let path = dir.path().join(name);
        let mut bytes = std::fs::read(&path).unwrap();
        let keep = if name == "nodes.l6" { 1 } else { 100 } * record_len;
        for byte in &mut bytes[keep..] {
            *byte ^= 0x5a;
        }
        std::fs::write(&path, bytes).unwrap();
    }
    let ledger = Ledger::open(dir.path()).unwrap();
    assert_eq!(ledger.size(), 300);
    assert_eq!(ledger.root_at(300).unwrap(), expected_root);
    assert_eq!(ledger.inclusion_proof(299, 300).unwrap(), expected_proof);
    assert_eq!(ledger.entry(250).unwrap(), entry(250));
    ledger.checkpoint(&signer).unwrap();
    assert!(verify_dir(dir.path(), &verifier).unwrap().is_ok());
}

#[test]
fn verification_matches_checkpoints_on_and_between_block_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, signer, verifier) = ledger_with(
        dir.path(),
        64,
        HashAlgorithm::Sha256,
        SignatureAlgorithm::Ed25519,
    );
    let mut next = 64;
    for size in [127, 128, 130, 200] {
        ledger
            .append_batch((next..size).map(entry).collect())
            .unwrap();
        ledger.checkpoint(&signer).unwrap();
        next = size;
    }
    let report = verify_dir(dir.path(), &verifier).unwrap();
    assert!(report.is_ok(), "{:?}", report.findings);
    assert_eq!(report.checkpoints_matched, vec![64, 127, 128, 130, 200]);
    let bundle = Bundle::export(&ledger, &verifier, None).unwrap();
    let report = bundle.verify(Some(&verifier)).unwrap();
    assert_eq!(report.checkpoints_matched, vec![64, 127, 128, 130, 200]);
}
