//! `center --config center.toml`: the management center (HTTP API + SQLite).
//!
//! `center --hash-token TOKEN` prints the hash to put in the config's
//! `token_hash` so the token itself never sits in the file. See docs/center.md.

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;
use std::sync::Arc;
use traceback_net::center::{self, AwaitReport, CenterConfig, TokenHash};

/// The traceback management center: operators submit searches, interconnects
/// report paths, origin operators receive countermeasure requests.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// TOML configuration (listen, db_path, federation_secret_file, [[isp]] entries);
    /// required unless --hash-token is given.
    #[arg(long, value_name = "FILE", required_unless_present = "hash_token")]
    config: Option<PathBuf>,
    /// Print the token hash for a config file and exit.
    #[arg(long, value_name = "TOKEN")]
    hash_token: Option<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    traceback_net::report::exit(run().await)
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(t) = args.hash_token {
        // The same rule as the config's `token`.
        anyhow::ensure!(
            t.len() >= 16,
            "a token needs at least 16 characters, got {}",
            t.len()
        );
        println!("{}", TokenHash::of_token(&t).to_hex());
        return Ok(());
    }
    tracing_subscriber::fmt()
        // Colours only on a terminal: logs written to files stay plain.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let shutdown = traceback_net::shutdown::signal();
    let path = args.config.context("--config is required")?;
    // Errors name the file first, as the other programs' do.
    let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    let base = path.parent().map(PathBuf::from).unwrap_or_default();
    let config = CenterConfig::from_toml(&text, &base).with_context(|| path.display().to_string())?;
    // Interconnects poll GET /v1/jobs and answer with POST /v1/reports.
    center::run(config, Arc::new(AwaitReport), shutdown).await?;
    Ok(())
}
