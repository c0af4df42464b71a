//! `interconnect --config FILE`: Interconnect: InterTrack between ISPs over mutual TLS; reports paths to the center.
//!
//! A thin main over `traceback_net::interconnect`: parse arguments, set up
//! logging, run until Ctrl-C or SIGTERM.

use clap::Parser;
use std::path::PathBuf;
use traceback_net::interconnect::{self, InterconnectNetConfig};

/// Interconnect: InterTrack between ISPs over mutual TLS; reports paths to the center.
#[derive(Parser, Debug)]
#[command(
    version,
    about = "Interconnect: InterTrack between ISPs over mutual TLS; reports paths to the center.",
    long_about = "Listens for neighbour interconnects over mutual TLS (certificates from gen_certs), answers and forwards their trace requests through the core InterTrack state machine (policy, rate limits, hop limit, loop detection), asks the ISP's control where packets entered, and takes searches from the center (GET /v1/jobs) and reports finished paths (POST /v1/reports). Config format: docs/examples/interconnect.toml. Logs: RUST_LOG (default info)."
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
    let config = InterconnectNetConfig::load(&args.config)?;
    interconnect::run(config, shutdown).await?;
    Ok(())
}
