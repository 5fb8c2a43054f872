//! Settings: defaults, then a YAML file, then `SHUAN_*` environment variables; the command
//! line overrides them last.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Error;
use crate::ratelimit::Rate;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Holds `shuan.db`, the audit ledger, uploads and the master key.
    pub data_dir: PathBuf,
    /// `postgres://…` for production; the embedded SQLite file when absent.
    pub database_url: Option<String>,
    /// Server folders that data sources may name; nothing outside them is readable.
    pub allowed_roots: Vec<PathBuf>,
    /// Largest upload in bytes.
    pub max_upload_bytes: usize,
    /// Mark cookies `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// argon2id memory cost in KiB and passes (OWASP: 19 MiB, 2).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// Session lifetime.
    pub session_hours: i64,
    /// Failed logins in a row that lock an account, and for how long.
    pub lockout_failures: i64,
    pub lockout_minutes: i64,
    /// Scan jobs that run at once (each also uses rayon across the cores).
    pub scan_workers: usize,
    /// Days after its last successful scan when the dashboard calls a source stale.
    pub stale_after_days: i64,
    /// The header a trusted reverse proxy puts the client address in (`X-Forwarded-For`,
    /// `X-Real-IP`); unset, the socket's peer address is the client. Set it only behind a
    /// proxy that overwrites the header, or clients choose their own address.
    pub trusted_proxy_header: Option<String>,
    /// Sign-in attempts (password or second-factor code) per client address.
    pub login_rate_per_address: Rate,
    /// Sign-in attempts per username, from anywhere.
    pub login_rate_per_username: Rate,
    /// API requests per session or token (per address when unauthenticated).
    pub api_rate: Rate,
    /// Keys each rate limiter remembers at most (bounded memory).
    pub rate_limit_keys: usize,
    /// A YAML file of incident grading rules and reporting clocks replacing the built-in
    /// `rules/incident/grading.yaml`.
    pub incident_rules: Option<PathBuf>,
    /// Public complaint submissions and status lookups per client address.
    pub complaint_rate_per_address: Rate,
    /// The platform's address as users reach it (`https://shuan.example.cn`), put before the
    /// links in e-mail; none: e-mail carries the path only.
    pub public_url: Option<String>,
    /// Where notification e-mail goes out; none: inbox and webhooks only.
    pub smtp: Option<crate::delivery::SmtpSettings>,
    /// Let webhooks name loopback and private addresses (tests, closed networks); off, an
    /// organisation's URL cannot make the server probe its own network.
    pub webhook_allow_private: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("."),
            database_url: None,
            allowed_roots: Vec::new(),
            max_upload_bytes: 64 * 1024 * 1024,
            secure_cookies: false,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            session_hours: 12,
            lockout_failures: 5,
            lockout_minutes: 15,
            scan_workers: 1,
            stale_after_days: 30,
            trusted_proxy_header: None,
            login_rate_per_address: Rate {
                burst: 20,
                per_minute: 20,
            },
            login_rate_per_username: Rate {
                burst: 10,
                per_minute: 5,
            },
            api_rate: Rate {
                burst: 600,
                per_minute: 6000,
            },
            rate_limit_keys: 100_000,
            incident_rules: None,
            complaint_rate_per_address: Rate {
                burst: 5,
                per_minute: 2,
            },
            public_url: None,
            smtp: None,
            webhook_allow_private: false,
        }
    }
}

impl Config {
    /// Defaults, overlaid by `file` (YAML) when given, then by the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, Error> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::Config(format!("cannot read config file {}: {e}", path.display()))
                })?;
                serde_yaml::from_str(&text)
                    .map_err(|e| Error::Config(format!("config file {}: {e}", path.display())))?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), Error> {
        fn number<T: std::str::FromStr>(name: &str, value: String) -> Result<T, Error> {
            value
                .parse()
                .map_err(|_| Error::Config(format!("{name} must be a number, got {value:?}")))
        }
        if let Some(v) = var("SHUAN_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = var("SHUAN_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = var("SHUAN_ALLOWED_ROOTS") {
            self.allowed_roots = std::env::split_paths(&v).collect();
        }
        if let Some(v) = var("SHUAN_MAX_UPLOAD_BYTES") {
            self.max_upload_bytes = number("SHUAN_MAX_UPLOAD_BYTES", v)?;
        }
        if let Some(v) = var("SHUAN_SECURE_COOKIES") {
            self.secure_cookies = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = var("SHUAN_SESSION_HOURS") {
            self.session_hours = number("SHUAN_SESSION_HOURS", v)?;
        }
        if let Some(v) = var("SHUAN_SCAN_WORKERS") {
            self.scan_workers = number("SHUAN_SCAN_WORKERS", v)?;
        }
        if let Some(v) = var("SHUAN_STALE_AFTER_DAYS") {
            self.stale_after_days = number("SHUAN_STALE_AFTER_DAYS", v)?;
        }
        if let Some(v) = var("SHUAN_TRUSTED_PROXY_HEADER") {
            self.trusted_proxy_header = Some(v).filter(|v| !v.trim().is_empty());
        }
        if let Some(v) = var("SHUAN_INCIDENT_RULES") {
            self.incident_rules = Some(v.into());
        }
        if let Some(v) = var("SHUAN_PUBLIC_URL") {
            self.public_url = Some(v).filter(|v| !v.trim().is_empty());
        }
        if let Some(smtp) = &mut self.smtp {
            // Credentials only from the environment, so the config file holds no secret.
            smtp.username = var("SHUAN_SMTP_USER");
            smtp.password = var("SHUAN_SMTP_PASSWORD");
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| crate::db::sqlite_url(&self.data_dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_defaults() {
        let mut config = Config::default();
        config
            .apply_env(|name| match name {
                "SHUAN_DATA_DIR" => Some("/srv/shuan".into()),
                "SHUAN_MAX_UPLOAD_BYTES" => Some("1024".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/srv/shuan"));
        assert_eq!(config.max_upload_bytes, 1024);
        assert!(
            config
                .apply_env(|n| (n == "SHUAN_SESSION_HOURS").then(|| "x".into()))
                .is_err()
        );
    }
}
