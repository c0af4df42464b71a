//! `store FILE`: what a saved digest store holds (a collector's state file,
//! or anything `WindowedBloomStore::write_to` wrote), as one JSON document.
//!
//! ```text
//! cargo run --release --example store -- testdata/stores/format2-replacement.store
//! cargo run --release --example store -- STATE_FILE --query 3f2a... [--from NS] [--to NS]
//! ```
//!
//! Without `--query` it prints the store format, configuration, counters and
//! every retained window (span in nanoseconds since the epoch, digests,
//! whether sealed, estimated false-positive probability). With `--query` it
//! prints the answer for one digest over `[--from, --to]` (default: all
//! time): the windows that matched and the coverage. A file that is not a
//! store, or is corrupt or cut, is refused with a typed error and exit 1.

use anyhow::Context as _;
use clap::Parser;
use serde_json::json;
use std::path::PathBuf;
use traceback_core::store::{DigestStore, WindowedBloomStore};
use traceback_core::{Digest, TimeRange, Timestamp};

/// Print what a saved digest store holds, or answer one query from it.
#[derive(Parser)]
struct Args {
    /// The store file (format 1 to 3).
    file: PathBuf,
    /// A digest (32 hex digits) to look up.
    #[arg(long)]
    query: Option<Digest>,
    /// Start of the queried interval, nanoseconds since the Unix epoch.
    #[arg(long, default_value_t = 0)]
    from: u64,
    /// End of the queried interval, nanoseconds since the Unix epoch.
    #[arg(long, default_value_t = u64::MAX)]
    to: u64,
}

fn main() -> std::process::ExitCode {
    traceback_net::report::exit(run())
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let file = std::fs::File::open(&args.file).with_context(|| format!("{}", args.file.display()))?;
    let store = WindowedBloomStore::read_from(std::io::BufReader::new(file))
        .with_context(|| format!("{}", args.file.display()))?;
    let doc = match args.query {
        Some(digest) => {
            let range = TimeRange::new(Timestamp::from_nanos(args.from), Timestamp::from_nanos(args.to));
            let answer = store.query(&digest, range);
            json!({
                "digest": digest.to_string(),
                "range": range,
                "hit": answer.hit(),
                "false_positive_probability": answer.hit().then(|| answer.false_positive_probability()),
                "answer": answer,
            })
        }
        None => {
            let c = store.config();
            json!({
                "format": store.read_format(),
                "fingerprint": store.fingerprint().map(|f| f.to_string()),
                "config": {
                    "window_span_ns": c.window_span_nanos(),
                    "capacity": c.capacity(),
                    "target_fpp": c.target_fpp(),
                    "memory_budget_bytes": c.memory_budget_bytes(),
                    "geometry": c.geometry(),
                    "max_windows": c.max_windows(),
                },
                "stats": store.stats(),
                "windows": store.windows(),
            })
        }
    };
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}
