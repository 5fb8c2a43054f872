//! Temporary wiring of `shuan ledger` (the lead's main.rs replaces this).

mod ledger_cmd;

use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(name = "shuan", version, about = "Shu'an data security platform")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// The tamper-evident audit ledger.
    #[command(subcommand)]
    Ledger(ledger_cmd::LedgerCommand),
}

fn main() -> ExitCode {
    let Command::Ledger(command) = Cli::parse().command;
    match ledger_cmd::run(command) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(2)),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
