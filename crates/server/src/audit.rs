//! The audit trail: every login, change, export and view of sample values becomes one JSON
//! entry in a shuan-ledger log (`audit/` in the data dir). Entries carry the organisation
//! they concern so each reader sees only what authorisation allows.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use shuan_ledger::{
    HashAlgorithm, Ledger, LedgerConfig, NoteSigner, NoteVerifier, PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE, SignatureAlgorithm,
};

use crate::auth::Actor;
use crate::error::Error;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: i64,
    /// The username, or what was typed at a failed login.
    pub actor: String,
    pub actor_id: Option<i64>,
    /// The organisation the action concerns.
    pub org_id: Option<i64>,
    /// `login`, `login_failed`, `source_create`, `scan_start`, `label_review`, `samples_view`…
    pub action: String,
    /// What was acted on, e.g. `source:3`.
    pub target: String,
    pub detail: String,
}

impl AuditEntry {
    pub fn by(actor: &Actor, org_id: i64, action: &str, target: String, detail: String) -> Self {
        AuditEntry {
            at: crate::now(),
            actor: actor.username.clone(),
            actor_id: Some(actor.user_id),
            org_id: Some(org_id),
            action: action.to_owned(),
            target,
            detail,
        }
    }
}

/// Entries read per search at most, so one request cannot read a huge log end to end.
pub const MAX_SCAN: u64 = 100_000;
/// How far out of time order concurrent appends may land.
pub const APPEND_SLACK_SECONDS: i64 = 60;

/// One page of a search, newest first, and where the next page starts.
pub struct AuditPage {
    pub entries: Vec<(u64, AuditEntry)>,
    pub resume_before: Option<u64>,
}

/// The result of checking the whole log.
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    pub ok: bool,
    pub entries: u64,
    pub verified_entries: u64,
    /// What is wrong, naming the failing entry or checkpoint.
    pub findings: Vec<String>,
}

#[derive(Clone)]
pub struct AuditLog {
    ledger: Ledger,
    signer: std::sync::Arc<NoteSigner>,
    verifier: NoteVerifier,
    dir: PathBuf,
}

impl AuditLog {
    pub fn open_or_init(dir: &Path) -> Result<AuditLog, Error> {
        if !dir.join(shuan_ledger::ENTRIES_FILE).exists() {
            shuan_ledger::init(
                dir,
                &LedgerConfig {
                    origin: "shuan/platform/audit".into(),
                    hash: HashAlgorithm::Sm3,
                    signature: SignatureAlgorithm::Sm2,
                },
            )?;
        }
        let signer = shuan_ledger::load_signer(&dir.join(PRIVATE_KEY_FILE))?;
        let verifier = shuan_ledger::load_verifier(&dir.join(PUBLIC_KEY_FILE))?;
        Ok(AuditLog {
            ledger: Ledger::open(dir)?,
            signer: std::sync::Arc::new(signer),
            verifier,
            dir: dir.to_owned(),
        })
    }

    /// Appends and waits for the fsync; an action is not reported done before its record is.
    pub async fn record(&self, entry: AuditEntry) -> Result<(), Error> {
        let bytes = serde_json::to_vec(&entry).expect("audit entries serialise");
        let ledger = self.ledger.clone();
        tokio::task::spawn_blocking(move || ledger.append(bytes))
            .await
            .map_err(|e| Error::Config(format!("audit writer: {e}")))??;
        Ok(())
    }

    /// The newest entries first, at most `limit`, among those `visible` admits, with their
    /// index in the log.
    pub async fn recent(
        &self,
        limit: usize,
        visible: impl Fn(&AuditEntry) -> bool + Send + 'static,
    ) -> Result<Vec<(u64, AuditEntry)>, Error> {
        Ok(self.search(None, limit, None, visible).await?.entries)
    }

    /// Newest first from just below index `before` (the end of the log when `None`): at most
    /// `limit` entries that `keep` admits. Entries are appended in time order (within the
    /// moment concurrent writers take), so with `not_before` the scan stops at the first entry
    /// older than it by more than [`APPEND_SLACK_SECONDS`]. At most [`MAX_SCAN`] entries are read
    /// per call; `resume_before` says where to go on when the scan stopped with more to read.
    pub async fn search(
        &self,
        before: Option<u64>,
        limit: usize,
        not_before: Option<i64>,
        keep: impl Fn(&AuditEntry) -> bool + Send + 'static,
    ) -> Result<AuditPage, Error> {
        let ledger = self.ledger.clone();
        tokio::task::spawn_blocking(move || {
            let mut entries = Vec::new();
            let mut index = before.unwrap_or(u64::MAX).min(ledger.size());
            let mut scanned = 0;
            while index > 0 && entries.len() < limit {
                if scanned == MAX_SCAN {
                    return Ok(AuditPage {
                        entries,
                        resume_before: Some(index),
                    });
                }
                index -= 1;
                scanned += 1;
                let bytes = ledger.entry(index)?;
                // Entries that are not ours (appended by `shuan ledger append`) are skipped.
                let Ok(entry) = serde_json::from_slice::<AuditEntry>(&bytes) else {
                    continue;
                };
                if not_before.is_some_and(|t| entry.at < t - APPEND_SLACK_SECONDS) {
                    index = 0;
                    break;
                }
                if keep(&entry) {
                    entries.push((index, entry));
                }
            }
            Ok(AuditPage {
                entries,
                resume_before: (index > 0).then_some(index),
            })
        })
        .await
        .map_err(|e| Error::Config(format!("audit reader: {e}")))?
    }

    /// Signs a checkpoint over everything appended so far, then checks the whole directory
    /// against the public key: every record, every checkpoint.
    pub async fn verify(&self) -> Result<Verification, Error> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            if this.ledger.size() > 0 {
                this.ledger.checkpoint(&this.signer)?;
            }
            let report = shuan_ledger::verify_dir(&this.dir, &this.verifier)?;
            Ok(Verification {
                ok: report.is_ok(),
                entries: report.entries,
                verified_entries: report.verified_entries(),
                findings: report.findings.iter().map(|f| f.to_string()).collect(),
            })
        })
        .await
        .map_err(|e| Error::Config(format!("audit verifier: {e}")))?
    }

    pub fn size(&self) -> u64 {
        self.ledger.size()
    }
}
