//! `operator --center URL --token T COMMAND`: an ISP operator's client for the center.
//!
//! Prints the center's JSON answers. See docs/center.md for the flow.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use std::time::Duration;
use traceback_core::{Asn, Digest, Timestamp};
use traceback_net::center::model::{
    CountermeasureId, CountermeasureRequest, RecordFilter, SearchId, SearchRequest,
};
use traceback_net::center::timefmt::parse_time;
use traceback_net::center::CenterClient;

/// Operator client of the traceback management center.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Base URL of the center, e.g. http://127.0.0.1:8480.
    #[arg(long, value_name = "URL")]
    center: String,
    /// This ISP's bearer token (or set TRACEBACK_TOKEN).
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ask for a trace; give exactly one of --digest, --packet-hex, --eve-line.
    Search {
        /// The packet's digest (32 hex digits).
        #[arg(long)]
        digest: Option<Digest>,
        /// The raw frame in hex (the center digests it).
        #[arg(long, value_name = "HEX")]
        packet_hex: Option<String>,
        /// Link type of --packet-hex (1 Ethernet, 101 raw IP).
        #[arg(long, default_value_t = 1)]
        linktype: u32,
        /// One Suricata EVE alert line.
        #[arg(long, value_name = "JSON")]
        eve_line: Option<String>,
        /// When the packet was seen: RFC 3339 (2021-04-28T10:30:21.099Z) or nanoseconds since 1970.
        #[arg(long, value_name = "TIME")]
        seen_at: Option<String>,
        /// Clock tolerance either side of --seen-at.
        #[arg(long, value_name = "MS")]
        tolerance_ms: Option<u64>,
        /// Poll until the search is done or failed.
        #[arg(long)]
        wait: bool,
    },
    /// Show a search (and its result once done).
    Status {
        /// Search id.
        id: i64,
        /// Poll until the search is done or failed.
        #[arg(long)]
        wait: bool,
    },
    /// List path records.
    Records {
        /// Only records naming this origin AS.
        #[arg(long)]
        origin: Option<Asn>,
        /// At most this many.
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Ask the origin ISP's operator to act on a finished search.
    Countermeasure {
        /// Search id.
        id: i64,
        /// What to do.
        #[arg(long)]
        action: String,
        /// Which origin AS (needed when the search found several).
        #[arg(long)]
        target: Option<Asn>,
    },
    /// Countermeasure requests addressed to this ISP.
    Inbox {
        /// Only unacknowledged ones.
        #[arg(long)]
        open: bool,
    },
    /// Acknowledge a countermeasure request addressed to this ISP.
    Ack {
        /// Countermeasure id.
        id: i64,
        /// What was done.
        #[arg(long)]
        note: Option<String>,
    },
    /// Searches this ISP's interconnect has to trace.
    Jobs,
    /// This ISP's entries in the audit log.
    Audit,
}

/// Nanoseconds below this (1973-03-03) are taken for seconds, milliseconds
/// or microseconds typed by mistake.
const SMALLEST_NANOS: u64 = 100_000_000_000_000_000;

fn time(s: &str) -> anyhow::Result<Timestamp> {
    const FORMS: &str =
        "give an RFC 3339 time (2021-04-28T10:30:21.099Z) or nanoseconds since 1970 (1619605821099000000)";
    if let Ok(n) = s.parse::<u64>() {
        if n < SMALLEST_NANOS {
            anyhow::bail!(
                "--seen-at {s}: as nanoseconds this is before 1973; seconds or milliseconds? {FORMS}"
            );
        }
        return Ok(Timestamp::from_nanos(n));
    }
    parse_time(s).with_context(|| format!("--seen-at {s:?}: not a time; {FORMS}"))
}

fn print(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    traceback_net::report::exit(run().await)
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let token = match args.token {
        Some(t) => t,
        None => std::env::var("TRACEBACK_TOKEN").context("give --token or set TRACEBACK_TOKEN")?,
    };
    let c = CenterClient::new(&args.center, &token)?;
    let poll = |id| c.wait_for(id, Duration::from_millis(500), Duration::from_secs(600));
    match args.command {
        Command::Search {
            digest,
            packet_hex,
            linktype,
            eve_line,
            seen_at,
            tolerance_ms,
            wait,
        } => {
            let req = match (digest, packet_hex, eve_line) {
                (Some(digest), None, None) => SearchRequest::Digest {
                    digest,
                    seen_at: time(seen_at.as_deref().context("--seen-at is required")?)?,
                    tolerance_ms,
                },
                (None, Some(packet_hex), None) => SearchRequest::Packet {
                    packet_hex,
                    linktype,
                    seen_at: time(seen_at.as_deref().context("--seen-at is required")?)?,
                    tolerance_ms,
                },
                (None, None, Some(eve)) => SearchRequest::Eve { eve, tolerance_ms },
                _ => bail!("give exactly one of --digest, --packet-hex, --eve-line"),
            };
            let sub = c.submit_search(&req).await?;
            if wait {
                print(&poll(sub.id).await?)?;
            } else {
                print(&sub)?;
            }
        }
        Command::Status { id, wait } if wait => print(&poll(SearchId(id)).await?)?,
        Command::Status { id, .. } => print(&c.search(SearchId(id)).await?)?,
        Command::Records { origin, limit } => {
            let f = RecordFilter {
                origin,
                since: None,
                limit,
            };
            print(&c.records(&f).await?)?
        }
        Command::Countermeasure { id, action, target } => {
            let req = CountermeasureRequest { action, target };
            print(&c.send_countermeasure(SearchId(id), &req).await?)?
        }
        Command::Inbox { open } => print(&c.inbox(open).await?)?,
        Command::Ack { id, note } => print(&c.ack(CountermeasureId(id), note).await?)?,
        Command::Jobs => print(&c.jobs().await?)?,
        Command::Audit => print(&c.audit().await?)?,
    }
    Ok(())
}
