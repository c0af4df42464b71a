//! `simulate`: the seeded multi-ISP simulator on the bundled real captures.
//!
//! ```sh
//! cargo run --release --example simulate -- --preset field-trial --seeds 20
//! cargo run --release --example simulate -- --ases 300 --deploy top:5 --seeds 5 --json
//! ```

use anyhow::Context;
use clap::Parser;
use std::time::Instant;
use traceback_core::control::ControlConfig;
use traceback_core::sim::report::table;
use traceback_core::sim::scenario::{
    self as scenario, summarize, Captures, Participation, ScenarioConfig, StoreChoice, TopologyChoice,
};
use traceback_core::Asn;

/// Trace a spoofed SYN flood across simulated ISPs, seed by seed.
///
/// Every run replays the real SYN flood (re-addressed: the attacker sits in
/// one ISP, forges addresses of a second and hits a victim in a third) with
/// real background traffic through router-level ISP topologies, TTL and
/// checksum rewritten at each hop, then traces one attack packet from the
/// victim's IDS alert and checks the answer against the ground truth.
#[derive(Parser, Debug)]
#[command(version, about, long_about)]
struct Args {
    /// Built-in topology: `field-trial` (the 15 ISPs of 2009). Ignored with --ases.
    #[arg(long, default_value = "field-trial")]
    preset: String,
    /// Use a generated topology of this many ASes (100 to 1,000 typical) instead.
    #[arg(long)]
    ases: Option<usize>,
    /// Number of runs (seeds first-seed, first-seed+1, ...).
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// First seed.
    #[arg(long, default_value_t = 1)]
    first_seed: u64,
    /// Which ISPs take part: `all`, `top:K` (largest K by customer cone), or a list `64496,64500`.
    #[arg(long, default_value = "all")]
    deploy: String,
    /// Collector store: `bloom` (windowed blocked Bloom filters) or `exact`.
    #[arg(long, default_value = "bloom")]
    store: String,
    /// Target false-positive rate of the Bloom stores.
    #[arg(long, default_value_t = 0.001)]
    fpp: f64,
    /// Trace algorithm: `spie` or `border-first`.
    #[arg(long, default_value = "spie")]
    algorithm: String,
    /// SYN-flood packets to replay (the capture holds 37,841).
    #[arg(long, default_value_t = 37_841)]
    attack_packets: usize,
    /// Background packets to replay.
    #[arg(long, default_value_t = 2_000)]
    background_packets: usize,
    /// Attacker's ISP (name or AS number); default ISP-A in the field trial.
    #[arg(long)]
    attacker: Option<String>,
    /// ISP whose addresses are forged; default ISP-B.
    #[arg(long)]
    spoofed: Option<String>,
    /// Victim's ISP; default ISP-C.
    #[arg(long)]
    victim: Option<String>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

fn main() -> std::process::ExitCode {
    traceback_net::report::exit(run())
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let topology = match (args.ases, args.preset.as_str()) {
        (Some(n), _) => TopologyChoice::Generated(n),
        (None, "field-trial") => TopologyChoice::FieldTrial,
        (None, other) => anyhow::bail!("unknown preset {other:?} (known: field-trial; or use --ases N)"),
    };
    let participation = match args.deploy.as_str() {
        "all" => Participation::All,
        s if s.starts_with("top:") => Participation::Top(s[4..].parse()?),
        s => Participation::List(s.split(',').map(|a| a.parse::<Asn>()).collect::<Result<_, _>>()?),
    };
    let store = match args.store.as_str() {
        "exact" => StoreChoice::Exact,
        "bloom" => StoreChoice::Bloom {
            target_fpp: args.fpp,
            capacity: 100_000,
            window: std::time::Duration::from_secs(1),
        },
        other => anyhow::bail!("unknown store {other:?} (bloom or exact)"),
    };
    let captures = Captures {
        attack: traceback_net::bundled::SYN_FLOOD,
        background: traceback_net::bundled::BACKGROUND,
    };
    let mut runs = Vec::new();
    let mut wall = Vec::new();
    anyhow::ensure!(args.seeds > 0, "--seeds must be at least 1");
    let end = args.first_seed.checked_add(args.seeds).with_context(|| {
        format!(
            "--first-seed {} + --seeds {} overflows u64",
            args.first_seed, args.seeds
        )
    })?;
    for seed in args.first_seed..end {
        let cfg = ScenarioConfig {
            topology: topology.clone(),
            seed,
            attacker: args.attacker.clone(),
            spoofed: args.spoofed.clone(),
            victim: args.victim.clone(),
            attack_packets: args.attack_packets,
            background_packets: args.background_packets,
            store: store.clone(),
            control: ControlConfig {
                algorithm: args.algorithm.clone(),
                ..ControlConfig::default()
            },
            participation: participation.clone(),
            ..ScenarioConfig::default()
        };
        let started = Instant::now();
        let r = scenario::run(&cfg, captures)?;
        wall.push(started.elapsed().as_secs_f64() * 1000.0);
        if !args.json {
            eprintln!(
                "seed {seed}: origin {} ({} ms wall)",
                if r.origin_found { "found" } else { "NOT found" },
                wall.last().copied().unwrap_or_default().round()
            );
        }
        runs.push(r);
    }
    let summary = summarize(&runs);
    if args.json {
        let details: Vec<serde_json::Value> = runs
            .iter()
            .zip(&wall)
            .map(|(r, ms)| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                v["wall_ms"] = serde_json::json!(ms);
                v
            })
            .collect();
        let out = serde_json::json!({
            "runs": summary.runs,
            "origin_found": summary.origin_found,
            "false_positive_ases": summary.false_positive_ases,
            "summary": summary,
            "details": details,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", table(&runs, &summary));
        let mean_wall = wall.iter().sum::<f64>() / wall.len().max(1) as f64;
        println!("mean wall time per run: {mean_wall:.0} ms");
    }
    Ok(())
}
