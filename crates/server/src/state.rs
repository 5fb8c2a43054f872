//! What every request and job shares.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use shuan_classify::Engine;
use shuan_incident::{Clock, SystemClock};

use crate::audit::AuditLog;
use crate::auth::PasswordHasher;
use crate::config::Config;
use crate::db::{self, Dialect};
use crate::error::Error;
use crate::ratelimit::RateLimiter;
use crate::repo::Repo;
use crate::secrets::SecretBox;
use crate::web::templates::Templates;

/// Request and job counters for `/metrics`.
#[derive(Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub client_errors: AtomicU64,
    pub server_errors: AtomicU64,
    pub logins_failed: AtomicU64,
    pub jobs_finished: AtomicU64,
    pub jobs_failed: AtomicU64,
}

pub struct Inner {
    pub config: Config,
    pub repo: Repo,
    pub dialect: Dialect,
    pub audit: AuditLog,
    pub secrets: SecretBox,
    pub hasher: PasswordHasher,
    /// A hash of a random password, checked when a login names no user (equal timing).
    pub dummy_password_hash: String,
    pub engine: Arc<Engine>,
    pub templates: Templates,
    pub metrics: Metrics,
    /// Wakes the scan workers when a job is queued.
    pub job_queued: tokio::sync::Notify,
    /// Incident grading rules and reporting clocks (built in, or `config.incident_rules`).
    pub incident_rules: shuan_incident::Rules,
    /// "Now" for incidents and their deadlines; tests hand in a `TestClock`.
    pub clock: Arc<dyn Clock>,
    pub limits: Limits,
}

/// The rate limiters of sign-in and the API.
pub struct Limits {
    pub login_per_address: RateLimiter,
    pub login_per_username: RateLimiter,
    pub api: RateLimiter,
    /// The public complaint form and status lookup, per client address.
    pub complaints: RateLimiter,
}

impl Limits {
    fn new(config: &Config) -> Limits {
        let limiter = |rate| RateLimiter::new(rate, config.rate_limit_keys);
        Limits {
            login_per_address: limiter(config.login_rate_per_address),
            login_per_username: limiter(config.login_rate_per_username),
            api: limiter(config.api_rate),
            complaints: limiter(config.complaint_rate_per_address),
        }
    }
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Opens the data dir (creating it), the database (migrated), the audit ledger and the
    /// master key. Jobs a previous process left running are queued again.
    pub async fn open(config: Config) -> Result<AppState, Error> {
        AppState::open_with_clock(config, Arc::new(SystemClock)).await
    }

    /// As [`AppState::open`], with incident clocks read from `clock`.
    pub async fn open_with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<AppState, Error> {
        std::fs::create_dir_all(&config.data_dir)?;
        let incident_rules = crate::incident::load_rules(config.incident_rules.as_deref())?;
        let (pool, dialect) = db::connect(&config.database_url()).await?;
        let repo = Repo::new(pool);
        repo.requeue_interrupted_jobs().await?;
        let audit = AuditLog::open_or_init(&config.data_dir.join("audit"))?;
        let secrets = SecretBox::open_or_create(&config.data_dir)?;
        let hasher = PasswordHasher::new(config.argon2_memory_kib, config.argon2_iterations)?;
        let engine =
            Engine::builtin("general").map_err(|e| Error::Config(format!("rule pack: {e}")))?;
        Ok(AppState(Arc::new(Inner {
            limits: Limits::new(&config),
            config,
            repo,
            dialect,
            audit,
            secrets,
            dummy_password_hash: hasher.hash(&crate::random_token())?,
            hasher,
            engine: Arc::new(engine),
            templates: Templates::new()?,
            metrics: Metrics::default(),
            job_queued: tokio::sync::Notify::new(),
            incident_rules,
            clock,
        })))
    }
}
