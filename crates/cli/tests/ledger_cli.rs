//! `shuan ledger` end to end: a log is created, appended to, checkpointed and verified, and a
//! changed byte makes `verify` fail with exit code 1 naming the entry.

use std::io::Write;
use std::process::{Command, Stdio};

fn shuan(args: &[&str], stdin: Option<&str>) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shuan"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.unwrap_or("").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap(), text)
}

#[test]
fn append_checkpoint_verify_and_detect_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit");
    let log = log.to_str().unwrap();
    assert_eq!(shuan(&["ledger", "init", log], None).0, 0);
    let records: String = (0..50)
        .map(|i| format!("{{\"op\":\"export\",\"user\":\"u{i}\"}}\n"))
        .collect();
    let (code, out) = shuan(&["ledger", "append", log], Some(&records));
    assert_eq!(code, 0, "{out}");
    assert_eq!(shuan(&["ledger", "checkpoint", log], None).0, 0);
    let (code, out) = shuan(&["ledger", "verify", log], None);
    assert_eq!(code, 0, "{out}");

    let entries = dir.path().join("audit/entries.log");
    let mut bytes = std::fs::read(&entries).unwrap();
    let at = bytes
        .windows(5)
        .rposition(|w| w == b"\"u42\"")
        .expect("entry 42 is in the log");
    bytes[at + 2] = b'7';
    std::fs::write(&entries, bytes).unwrap();
    let (code, out) = shuan(&["ledger", "verify", log], None);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("42"), "the failing entry is named: {out}");
}
