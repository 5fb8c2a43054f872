//! Tampering with a ledger directory is detected and located: a flipped byte, a deleted,
//! inserted or reordered entry, a truncated log, a replaced checkpoint signature.

mod common;

use std::path::Path;

use common::{entry, ledger_with};
use shuan_ledger::{ENTRIES_FILE, Finding, HashAlgorithm, SignatureAlgorithm, verify_dir};

const ENTRIES: u64 = 40;

/// A ledger of 40 entries with checkpoints at 20 and 40; returns the directory and the key.
fn tampered(
    change: impl FnOnce(&Path, &mut Vec<(usize, usize)>, &mut Vec<u8>),
) -> (tempfile::TempDir, shuan_ledger::VerifyReport) {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, signer, verifier) =
        ledger_with(dir.path(), 20, HashAlgorithm::Sm3, SignatureAlgorithm::Sm2);
    ledger
        .append_batch((20..ENTRIES).map(entry).collect())
        .unwrap();
    ledger.checkpoint(&signer).unwrap();
    drop(ledger);
    let clean = verify_dir(dir.path(), &verifier).unwrap();
    assert!(clean.is_ok(), "{:?}", clean.findings);

    let log_path = dir.path().join(ENTRIES_FILE);
    let mut log = std::fs::read(&log_path).unwrap();
    let mut records = record_spans(&log);
    change(dir.path(), &mut records, &mut log);
    std::fs::write(&log_path, &log).unwrap();
    let report = verify_dir(dir.path(), &verifier).unwrap();
    assert!(!report.is_ok(), "tampering went unnoticed");
    (dir, report)
}

/// (start, end) byte spans of the records, found by walking the framing after the header.
fn record_spans(log: &[u8]) -> Vec<(usize, usize)> {
    let header_end = log
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .unwrap()
        .0
        + 1;
    let mut spans = Vec::new();
    let mut offset = header_end;
    while offset < log.len() {
        let len = u32::from_le_bytes(log[offset..offset + 4].try_into().unwrap()) as usize;
        spans.push((offset, offset + 8 + len));
        offset += 8 + len;
    }
    spans
}

fn framed(payload: &[u8]) -> Vec<u8> {
    let len = (payload.len() as u32).to_le_bytes();
    let mut crc = crc32fast::Hasher::new();
    crc.update(&len);
    crc.update(payload);
    let mut out = len.to_vec();
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Rewrites the log from (possibly reordered or edited) records, with valid checksums, as a
/// careful attacker would.
fn rebuild(log: &mut Vec<u8>, records: &[(usize, usize)], payloads: Vec<Vec<u8>>) {
    let header_end = records[0].0;
    let mut rebuilt = log[..header_end].to_vec();
    for payload in payloads {
        rebuilt.extend_from_slice(&framed(&payload));
    }
    *log = rebuilt;
}

fn payloads(log: &[u8], records: &[(usize, usize)]) -> Vec<Vec<u8>> {
    records
        .iter()
        .map(|(start, end)| log[start + 8..*end].to_vec())
        .collect()
}

#[test]
fn flipped_byte_is_located() {
    let mut damaged_offset = 0;
    let (_dir, report) = tampered(|_, records, log| {
        let (start, _) = records[25];
        damaged_offset = start as u64;
        log[start + 8 + 3] ^= 0x01;
    });
    let offset = records_offset_of(&report);
    assert_eq!(offset, damaged_offset);
    assert_eq!(
        report.findings,
        vec![
            Finding::ChecksumMismatch { index: 25, offset },
            Finding::EntryModified { index: 25 }
        ]
    );
    assert_eq!(report.checkpoints_matched, vec![20]);
}

#[test]
fn edited_entry_with_recomputed_checksum_is_located() {
    let (_dir, report) = tampered(|_, records, log| {
        let mut all = payloads(log, records);
        all[7] = br#"{"seq":7,"action":"nothing to see"}"#.to_vec();
        rebuild(log, records, all);
    });
    assert_eq!(report.findings, vec![Finding::EntryModified { index: 7 }]);
    assert_eq!(report.checkpoints_mismatched, vec![20, 40]);
}

#[test]
fn deleted_entry_is_located() {
    let (_dir, report) = tampered(|_, records, log| {
        let mut all = payloads(log, records);
        all.remove(12);
        rebuild(log, records, all);
    });
    assert_eq!(report.findings, vec![Finding::EntryDeleted { index: 12 }]);
}

#[test]
fn inserted_entry_is_located() {
    let (_dir, report) = tampered(|_, records, log| {
        let mut all = payloads(log, records);
        all.insert(30, br#"{"seq":"forged"}"#.to_vec());
        rebuild(log, records, all);
    });
    assert_eq!(
        report.findings,
        vec![Finding::EntryInserted { position: 30 }]
    );
    assert_eq!(report.checkpoints_matched, vec![20]);
}

#[test]
fn reordered_entries_are_located() {
    let (_dir, report) = tampered(|_, records, log| {
        let mut all = payloads(log, records);
        all.swap(3, 4);
        rebuild(log, records, all);
    });
    assert_eq!(
        report.findings,
        vec![Finding::EntriesSwapped {
            first: 3,
            second: 4
        }]
    );
}

#[test]
fn truncation_is_located() {
    let (_dir, report) = tampered(|_, records, log| {
        log.truncate(records[33].0);
    });
    assert_eq!(
        report.findings,
        vec![Finding::Truncated {
            entries: 33,
            checkpoint_size: ENTRIES
        }]
    );
    assert_eq!(report.checkpoints_matched, vec![20]);
}

#[test]
fn replaced_checkpoint_signature_is_detected() {
    let (_dir, report) = tampered(|dir, _, _| {
        let path = dir.join("checkpoints").join(format!("{ENTRIES:020}.note"));
        let note = std::fs::read_to_string(&path).unwrap();
        let (body, signature_line) = note.rsplit_once("\n\n").unwrap();
        let (name, signature) = signature_line.trim_end().rsplit_once(' ').unwrap();
        // Same key ID, different signature bytes.
        let mut bytes: Vec<u8> = signature.bytes().collect();
        let position = bytes.len() - 6;
        bytes[position] = if bytes[position] == b'A' { b'B' } else { b'A' };
        let forged = format!("{body}\n\n{name} {}\n", String::from_utf8(bytes).unwrap());
        std::fs::write(&path, forged).unwrap();
    });
    assert_eq!(report.findings.len(), 1);
    match &report.findings[0] {
        Finding::CheckpointInvalid { source, reason } => {
            assert!(source.ends_with(&format!("{ENTRIES:020}.note")), "{source}");
            assert!(reason.contains("does not verify"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn rewritten_leaf_cache_narrows_to_checkpoint_interval() {
    let (_dir, report) = tampered(|dir, records, log| {
        let mut all = payloads(log, records);
        all[27] = br#"{"seq":27,"rewritten":true}"#.to_vec();
        // The attacker also rewrites the leaf-hash cache to match.
        let leaves: Vec<u8> = all
            .iter()
            .flat_map(|p| HashAlgorithm::Sm3.leaf_hash(p))
            .collect();
        std::fs::write(dir.join("leaves.hash"), leaves).unwrap();
        rebuild(log, records, all);
    });
    assert_eq!(
        report.findings,
        vec![Finding::ChangedBetween { from: 20, to: 40 }]
    );
}

/// The byte offset the report gives for the damaged record (checked against the index above).
fn records_offset_of(report: &shuan_ledger::VerifyReport) -> u64 {
    report
        .findings
        .iter()
        .find_map(|f| match f {
            Finding::ChecksumMismatch { offset, .. } => Some(*offset),
            _ => None,
        })
        .expect("a checksum finding")
}
