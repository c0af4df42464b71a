//! `control --config FILE`: Control: runs one ISP's trace algorithm over its collectors for its interconnect.
//!
//! A thin main over `traceback_net::control`: parse arguments, set up
//! logging, run until Ctrl-C or SIGTERM.

use clap::Parser;
use std::path::PathBuf;
use traceback_net::control::{self, ControlNetConfig};

/// Control: runs one ISP's trace algorithm over its collectors for its interconnect.
#[derive(Parser, Debug)]
#[command(
    version,
    about = "Control: runs one ISP's trace algorithm over its collectors for its interconnect.",
    long_about = "Loads the ISP's topology, connects to its collectors, and answers the interconnect's local trace requests (where did this packet enter our network?) by running SPIE reverse-path flooding or border-first over the collectors. Config format: docs/examples/control.toml. Logs: RUST_LOG (default info)."
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
    let config = ControlNetConfig::load(&args.config)?;
    control::run(config, shutdown).await?;
    Ok(())
}
