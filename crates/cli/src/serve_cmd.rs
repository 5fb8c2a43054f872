//! `shuan serve` and `shuan demo`: the platform's web server over a data dir.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use shuan_server::{AppState, Config};

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Holds shuan.db, the audit ledger, uploads and the master key [default: current directory].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// PostgreSQL for production (postgres://user@host/db); the embedded SQLite file otherwise.
    #[arg(long)]
    database_url: Option<String>,
    /// YAML settings (see docs/PLATFORM.md); SHUAN_* environment variables override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// A server folder that data sources may read (repeatable).
    #[arg(long = "allow-root")]
    allow_roots: Vec<PathBuf>,
}

impl ServeArgs {
    fn config(&self) -> Result<Config> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(dir) = &self.data_dir {
            config.data_dir = dir.clone();
        }
        if let Some(url) = &self.database_url {
            config.database_url = Some(url.clone());
        }
        config
            .allowed_roots
            .extend(self.allow_roots.iter().cloned());
        Ok(config)
    }
}

/// Runs the server until Ctrl-C; with `demo`, seeds the demo organisations, users and sources
/// first and prints how to sign in.
pub fn run(args: ServeArgs, demo: bool) -> Result<u8> {
    let mut config = args.config()?;
    let tables_dir = if demo {
        let dir = shuan_server::seed::bundled_tables_dir()?;
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
        config.allowed_roots.push(dir.clone());
        config.allowed_roots.push(config.data_dir.clone());
        Some(dir)
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let state = AppState::open(config).await?;
        if let Some(dir) = tables_dir {
            let logins = shuan_server::seed::seed_demo(&state, &dir).await?;
            println!(
                "Demo accounts (password {}):",
                shuan_server::seed::DEMO_PASSWORD
            );
            for login in logins {
                println!(
                    "  {:<12} {:<18} {}",
                    login.username,
                    login.role.as_str(),
                    login.organisation
                );
            }
        }
        if let Some(password) = shuan_server::service::bootstrap_admin(&state).await? {
            println!("New installation: sign in as admin with password {password} and change it.");
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        println!("Shu'an platform at http://{}/", listener.local_addr()?);
        shuan_server::serve(state, listener).await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(0)
}
