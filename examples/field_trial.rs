//! `field_trial`: the 2009 inter-ISP traceback field trial, on this machine.
//!
//! ```sh
//! cargo run --release --example field_trial
//! cargo run --release --example field_trial -- --json --seed 7 --out /tmp/ft
//! ```

use clap::Parser;
use std::path::PathBuf;
use traceback_net::field_trial::{self, FieldTrialConfig};

/// Stand up the 2009 traceback field trial over loopback and trace a spoofed SYN flood.
///
/// Every ISP runs its collectors (one per link, replaying what that link saw),
/// a control and an interconnect; interconnects talk mutual TLS with a
/// development CA; a center keeps searches, path records and countermeasures
/// in SQLite. The traffic is the real spoofed SYN flood re-addressed so the
/// attacker sits in ISP-A, forges addresses of ISP-B and hits a victim in
/// ISP-C, with real background traffic, routed hop by hop (TTL and checksum
/// rewritten). The victim's IDS alert (Suricata EVE JSON) goes to the center
/// through ISP-C's operator; the center names the origin, stores the path
/// record and asks the origin ISP's operator for a countermeasure, who
/// acknowledges it.
#[derive(Parser, Debug)]
#[command(version, about, long_about)]
struct Args {
    /// Number of ISPs: 15 is the 2009 trial, 6-14 its first ISPs, 20-4096 a generated topology.
    ///
    /// Every collector runs in this process: about 2 open files per collector
    /// (7 to 8 collectors per ISP). The soft open-file limit is raised as far
    /// as the hard limit allows; beyond it the run is refused before any program starts
    /// (1000 ISPs need about 19 000).
    #[arg(long, default_value_t = 15)]
    isps: usize,
    /// Seed of the data plane (addresses, background traffic, clock skews).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The attacker's ISP (name or AS number). Default: ISP-A.
    #[arg(long)]
    attacker: Option<String>,
    /// The ISP whose addresses the attacker forges. Default: ISP-B.
    #[arg(long)]
    spoofed: Option<String>,
    /// The victim's ISP. Default: ISP-C.
    #[arg(long)]
    victim: Option<String>,
    /// Output directory: captures, topologies, certificates, alerts, SQLite file, DOT graph.
    #[arg(long, default_value = "field-trial-out")]
    out: PathBuf,
    /// SYN-flood packets to replay (the bundled capture holds 37,841).
    #[arg(long, default_value_t = 37_841)]
    attack_packets: usize,
    /// Background packets to replay.
    #[arg(long, default_value_t = 3_000)]
    background_packets: usize,
    /// Print one JSON report instead of the timeline.
    #[arg(long)]
    json: bool,
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
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = FieldTrialConfig {
        isps: args.isps,
        seed: args.seed,
        attacker: args.attacker,
        spoofed: args.spoofed,
        victim: args.victim,
        out_dir: args.out,
        attack_packets: args.attack_packets,
        background_packets: args.background_packets,
    };
    let json = args.json;
    let mut progress = move |e: &traceback_net::field_trial::TimelineEntry| {
        if json {
            eprintln!("[{:>8.1} s] {}", e.at_ms / 1000.0, e.what);
        } else {
            println!("[{:>8.1} s] {}", e.at_ms / 1000.0, e.what);
        }
    };
    let report = field_trial::run(&config, &mut progress).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let verdict = if report.origin_as == Some(report.attacker_as) {
            "correct"
        } else {
            "WRONG"
        };
        println!(
            "\norigin found: {} (ground truth {}: {verdict}); trace took {:.0} ms; graph: {}",
            report
                .origin_as
                .map(|a| a.to_string())
                .unwrap_or_else(|| "none".into()),
            report.attacker_as,
            report.elapsed_ms,
            report.dot_file.display()
        );
    }
    Ok(())
}
