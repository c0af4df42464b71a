//! `collector --config FILE`: Collector: replays capture files into a digest store and answers its control's queries.
//!
//! A thin main over `traceback_net::collector`: parse arguments, set up
//! logging, run until Ctrl-C or SIGTERM.

use clap::Parser;
use std::path::PathBuf;
use traceback_net::collector::{self, CollectorConfig};

/// Collector: replays capture files into a digest store and answers its control's queries.
#[derive(Parser, Debug)]
#[command(
    version,
    about = "Collector: replays capture files into a digest store and answers its control's queries.",
    long_about = "Reads the capture files named in the config (pcap or pcapng), digests every packet with the federation's keyed BLAKE3 profile into a windowed Bloom store, and answers digest queries from the ISP's control over TCP. The store is written to its state file periodically and on Ctrl-C or SIGTERM, and reloaded on start. Config format: docs/examples/collector.toml. Logs: RUST_LOG (default info)."
)]
struct Args {
    /// The TOML config file (paths in it are relative to the file).
    #[arg(long, short)]
    config: PathBuf,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    traceback_net::report::exit(run().await)
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        // Colours only on a terminal: logs written to files stay plain.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let shutdown = traceback_net::shutdown::signal();
    let config = CollectorConfig::load(&args.config)?;
    collector::run(config, shutdown).await?;
    Ok(())
}
