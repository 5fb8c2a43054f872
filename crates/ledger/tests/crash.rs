//! Kill -9 a writing process again and again: every acknowledged entry must survive, the log
//! must reopen (dropping only an unacknowledged torn tail) and verify against its checkpoints.
//!
//! The child is this test binary re-run with `CHILD_DIR_ENV` set, so no extra binary is built.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use shuan_ledger::{
    HashAlgorithm, Ledger, PRIVATE_KEY_FILE, SignatureAlgorithm, init, load_signer, verify_dir,
};

const CHILD_DIR_ENV: &str = "SHUAN_LEDGER_CRASH_CHILD_DIR";
const WRITER_THREADS: usize = 4;
const ROUNDS: u64 = 12;
const ACK: &str = "acknowledged ";

/// The child's body; a no-op in a normal test run.
#[test]
fn crash_child_writer() {
    let Ok(dir) = std::env::var(CHILD_DIR_ENV) else {
        return;
    };
    let dir = Path::new(&dir);
    let ledger = Ledger::open(dir).unwrap();
    let signer = load_signer(&dir.join(PRIVATE_KEY_FILE)).unwrap();
    let threads: Vec<_> = (0..WRITER_THREADS)
        .map(|thread| {
            let ledger = ledger.clone();
            let signer = (thread == 0).then(|| load_signer(&dir.join(PRIVATE_KEY_FILE)).unwrap());
            std::thread::spawn(move || {
                for sequence in 0u64.. {
                    let payload =
                        format!("pid {} thread {thread} seq {sequence}", std::process::id());
                    let index = ledger.append(payload.clone().into_bytes()).unwrap();
                    // One write per line so lines from threads never interleave.
                    let line = format!("{ACK}{index} {payload}\n");
                    std::io::stdout().lock().write_all(line.as_bytes()).unwrap();
                    if let Some(signer) = &signer
                        && sequence % 50 == 49
                    {
                        ledger.checkpoint(signer).unwrap();
                    }
                }
            })
        })
        .collect();
    drop(signer);
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn killed_writer_loses_no_acknowledged_entry() {
    let dir = tempfile::tempdir().unwrap();
    init(
        dir.path(),
        &common::config(HashAlgorithm::Sm3, SignatureAlgorithm::Sm2),
    )
    .unwrap();
    let verifier = shuan_ledger::load_verifier(&dir.path().join("key.pub")).unwrap();
    let mut acknowledged: HashMap<u64, String> = HashMap::new();

    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "crash_child_writer",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines_sender, lines) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_sender.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the child to be writing, then kill it after a delay that varies per round.
        let mut received = Vec::new();
        while !received.iter().any(|line: &String| line.contains(ACK)) {
            received.push(
                lines
                    .recv_timeout(Duration::from_secs(30))
                    .expect("child acknowledges"),
            );
        }
        let deadline = Instant::now() + Duration::from_millis(10 + (round * 37) % 200);
        while let Ok(line) = lines.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            received.push(line);
            if Instant::now() >= deadline {
                break;
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        received.extend(lines.try_iter());
        for line in received {
            // libtest's "test crash_child_writer ... " may precede the first acknowledgement.
            if let Some((_, rest)) = line.split_once(ACK) {
                let (index, payload) = rest.split_once(' ').unwrap();
                acknowledged.insert(index.parse().unwrap(), payload.to_owned());
            }
        }

        let ledger = Ledger::open(dir.path()).unwrap();
        let highest = acknowledged.keys().copied().max().unwrap();
        assert!(
            ledger.size() > highest,
            "round {round}: acknowledged entry {highest} lost"
        );
        for (index, payload) in &acknowledged {
            assert_eq!(
                ledger.entry(*index).unwrap(),
                payload.as_bytes(),
                "round {round}"
            );
        }
        let report = verify_dir(dir.path(), &verifier).unwrap();
        assert!(report.is_ok(), "round {round}: {:?}", report.findings);
    }
    assert!(
        acknowledged.len() as u64 > ROUNDS,
        "the child wrote too little to test anything"
    );
}
