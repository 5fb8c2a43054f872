//! Background scan jobs: workers take queued jobs from the database, run `shuan_scan` on a
//! blocking thread one file (or one database) at a time, merge each result into the
//! inventory, persist progress, and stop between files when cancelled. Because the queue is
//! the database, jobs survive a restart (`AppState::open` queues interrupted ones again).

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use shuan_scan::ScanOptions;

use crate::AppState;
use crate::audit::AuditEntry;
use crate::error::Error;
use crate::repo::{DataSource, JobStatus, ScanJob, SourceKind};

/// Non-empty values profiled per column, as the CLI's default.
const SAMPLE_VALUES: usize = 1000;
/// How long an idle worker sleeps before looking at the queue again without being woken.
const IDLE_POLL: Duration = Duration::from_secs(5);

/// Starts the configured number of workers on the current runtime.
pub fn spawn_workers(state: &AppState) {
    for _ in 0..state.config.scan_workers.max(1) {
        let state = state.clone();
        tokio::spawn(async move { worker(state).await });
    }
}

async fn worker(state: AppState) {
    loop {
        match run_next_job(&state).await {
            Ok(true) => {}
            Ok(false) => {
                let _ = tokio::time::timeout(IDLE_POLL, state.job_queued.notified()).await;
            }
            Err(error) => {
                eprintln!("shuan-server: scan queue: {error}");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

/// Runs the oldest queued job to its end, if there is one; false when the queue is empty.
pub async fn run_next_job(state: &AppState) -> Result<bool, Error> {
    let Some(job) = state.repo.claim_next_job().await? else {
        return Ok(false);
    };
    let outcome = run(state, &job).await;
    finish(state, &job, outcome).await;
    Ok(true)
}

/// How a job ended, with what to tell the user.
enum Outcome {
    Done { unreadable: Vec<String> },
    Cancelled,
    Failed(String),
}

async fn finish(state: &AppState, job: &ScanJob, outcome: Result<Outcome, Error>) {
    let (status, message) = match outcome {
        Ok(Outcome::Done { unreadable }) if unreadable.is_empty() => {
            (JobStatus::Succeeded, String::new())
        }
        Ok(Outcome::Done { unreadable }) => (
            JobStatus::Succeeded,
            format!(
                "{} input(s) unreadable: {}",
                unreadable.len(),
                unreadable.join("; ")
            ),
        ),
        Ok(Outcome::Cancelled) => (JobStatus::Cancelled, String::new()),
        Ok(Outcome::Failed(message)) => (JobStatus::Failed, message),
        Err(error) => (JobStatus::Failed, error.public_message()),
    };
    let counter = if status == JobStatus::Failed {
        &state.metrics.jobs_failed
    } else {
        &state.metrics.jobs_finished
    };
    counter.fetch_add(1, Ordering::Relaxed);
    if let Err(error) = state.repo.finish_job(job.id, status, &message).await {
        eprintln!("shuan-server: recording the end of job {}: {error}", job.id);
    }
    let entry = AuditEntry {
        at: crate::now(),
        actor: "system".into(),
        actor_id: None,
        org_id: Some(job.org_id),
        action: "scan_finish".into(),
        target: format!("job:{}", job.id),
        detail: format!("{} {message}", status.as_str()),
    };
    if let Err(error) = state.audit.record(entry).await {
        eprintln!("shuan-server: audit: {error}");
    }
}

async fn run(state: &AppState, job: &ScanJob) -> Result<Outcome, Error> {
    let source = state.repo.source(job.source_id).await?;
    let targets = match targets(state, &source).await {
        Ok(targets) => targets,
        Err(Error::BadRequest(message)) => return Ok(Outcome::Failed(message)),
        Err(error) => return Err(error),
    };
    let total = targets.len() as i64;
    state.repo.set_job_progress(job.id, 0, total).await?;
    let mut unreadable = Vec::new();
    for (done, target) in targets.into_iter().enumerate() {
        if state.repo.cancel_requested(job.id).await? {
            return Ok(Outcome::Cancelled);
        }
        let engine = state.engine.clone();
        let report = tokio::task::spawn_blocking(move || {
            let options = ScanOptions {
                sample: SAMPLE_VALUES,
                full: false,
                show_samples: true,
            };
            shuan_scan::scan(
                &engine,
                &[target],
                &options,
                &shuan_source::db::ScanOptions::default(),
                false,
            )
        })
        .await
        .map_err(|e| Error::Config(format!("scan thread: {e}")))?;
        unreadable.extend(report.errors.iter().map(|e| e.message.clone()));
        state
            .repo
            .apply_report(job.org_id, job.source_id, job.id, &report)
            .await?;
        state
            .repo
            .set_job_progress(job.id, done as i64 + 1, total)
            .await?;
    }
    Ok(Outcome::Done { unreadable })
}

/// What to hand `shuan_scan`, one scan call per entry: each file of an upload or server
/// path, or the database URL with its password unsealed.
async fn targets(state: &AppState, source: &DataSource) -> Result<Vec<PathBuf>, Error> {
    match source.kind {
        SourceKind::Upload => Ok(vec![PathBuf::from(&source.location)]),
        SourceKind::Path => {
            let path = allowed_path(&state.config.allowed_roots, Path::new(&source.location))?;
            let files = tokio::task::spawn_blocking(move || {
                shuan_source::walk(&[path])
                    .filter_map(Result::ok)
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| Error::Config(format!("walk thread: {e}")))?;
            Ok(files)
        }
        SourceKind::Database => {
            let mut url = url::Url::parse(&source.location)
                .map_err(|_| Error::BadRequest("the stored database URL is invalid".into()))?;
            if let Some(sealed) = state.repo.source_secret(source.id).await? {
                let password = state
                    .secrets
                    .open(&sealed, &secret_context(source.org_id, &source.location))?;
                url.set_password(Some(&password))
                    .map_err(|_| Error::BadRequest("this URL cannot carry a password".into()))?;
            }
            Ok(vec![PathBuf::from(url.as_str())])
        }
    }
}

/// What a database password is sealed to: the organisation and the password-less URL, so a
/// sealed value copied to another record does not open.
pub fn secret_context(org_id: i64, location: &str) -> String {
    format!("org:{org_id} source:{location}")
}

/// `path` resolved (symlinks followed) if it lies under one of `roots`.
pub fn allowed_path(roots: &[PathBuf], path: &Path) -> Result<PathBuf, Error> {
    let refused =
        || Error::BadRequest("this path is not under a folder the administrator allows".into());
    let resolved = path.canonicalize().map_err(|_| refused())?;
    roots
        .iter()
        .filter_map(|root| root.canonicalize().ok())
        .any(|root| resolved.starts_with(root))
        .then_some(resolved)
        .ok_or_else(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_allowed_roots_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let inside = root.path().join("a.csv");
        std::fs::write(&inside, "x\n1\n").unwrap();
        let roots = vec![root.path().to_owned()];
        assert!(allowed_path(&roots, &inside).is_ok());
        assert!(allowed_path(&roots, &root.path().join("../../etc/passwd")).is_err());
        assert!(allowed_path(&roots, Path::new("/etc/passwd")).is_err());
        assert!(allowed_path(&[], &inside).is_err());
    }
}
