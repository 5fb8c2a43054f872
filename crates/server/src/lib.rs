//! The Shu'an platform: organisations and roles, data sources, background scan jobs, the
//! reviewed inventory and the audit trail, over SQLite or PostgreSQL, served by axum.
//!
//! Architecture invariants: every authorisation decision goes through [`auth::authorize`];
//! every state change, login, export and view of sample values is appended to the audit
//! ledger; secrets (passwords, tokens, database passwords) are stored hashed or encrypted and
//! never rendered back.

pub mod accounts;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod complaints;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod delivery;
pub mod error;
pub mod export;
pub mod filing;
pub mod incident;
pub mod inspection;
pub mod jobs;
pub mod notices;
pub mod notify;
pub mod preparedness;
pub mod ratelimit;
pub mod registry;
pub mod repo;
pub mod risk_report;
pub mod secrets;
pub mod seed;
pub mod service;
pub mod state;
pub mod web;
pub mod workflow;

pub use config::Config;
pub use error::{Error, Result};
pub use state::AppState;

/// Seconds since the Unix epoch: every stored time.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `N` bytes from the operating system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random generator is available");
    bytes
}

/// A random token for sessions, CSRF and API tokens: 256 bits, URL-safe base64.
pub fn random_token() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// Serves the platform on `listener`, with the scan workers, until Ctrl-C.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> Result<()> {
    jobs::spawn_workers(&state);
    delivery::spawn_worker(&state);
    incident::spawn_deadline_tick(&state);
    // The peer address feeds the rate limiters (see `web::limits::client_address`).
    axum::serve(
        listener,
        web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
