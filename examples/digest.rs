//! `digest FILE...`: one JSON line per packet of each capture file.
//!
//! ```text
//! cargo run --release --example digest -- [--secret HEX | --passphrase TEXT] FILE...
//! {"file":"x.pcap","index":0,"ts":1619605821099510000,"verdict":"ok","digest":"3f…"}
//! ```
//!
//! - `ts` is the capture time in integer nanoseconds since the Unix epoch
//!   (exact; divide by 1e9 for seconds);
//! - `verdict` is `Verdict::as_str` (`ok`, `fragment`, `not_ip`, ...);
//! - `digest` is the 128-bit keyed digest in hex (`DigestProfile::V1`,
//!   `Blake3Digester`), or `null` when the frame is not digested.
//!
//! The federation secret comes from `--secret` (64 hex digits) or
//! `--passphrase`; without either, the development passphrase
//! `traceback-sdk development` is used (never in production: anyone can
//! compute those digests). One summary line per file goes to stderr; the exit
//! code is 1 if any file could not be read to its end (truncated, malformed,
//! unreadable), after every other file has been processed.

use anyhow::Context as _;
use clap::Parser;
use std::collections::BTreeMap;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use traceback_core::capture::CaptureReader;
use traceback_core::digest::{Blake3Digester, DigestProfile, Digester, FederationSecret};

/// The development passphrase used when no secret is given.
const DEV_PASSPHRASE: &str = "traceback-sdk development";

#[derive(Parser)]
#[command(about = "Digest every packet of pcap/pcapng files (one JSON line per packet)")]
struct Args {
    /// Federation secret, 64 hex digits.
    #[arg(long, conflicts_with = "passphrase")]
    secret: Option<String>,
    /// Federation secret derived from a passphrase (development and tests).
    #[arg(long)]
    passphrase: Option<String>,
    /// Capture files (pcap or pcapng, any extension).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let secret = match (&args.secret, &args.passphrase) {
        (Some(hex), _) => FederationSecret::from_hex(hex).context("--secret needs 64 hex digits")?,
        (None, Some(p)) => FederationSecret::from_passphrase(p),
        (None, None) => FederationSecret::from_passphrase(DEV_PASSPHRASE),
    };
    let digester = Blake3Digester::new(DigestProfile::V1, &secret)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = 0;
    for path in &args.files {
        if !digest_file(path, &digester, &mut out)? {
            failed += 1;
        }
    }
    out.flush()?;
    if failed > 0 {
        eprintln!("digest: {failed} of {} files failed", args.files.len());
        std::process::exit(1);
    }
    Ok(())
}

/// Digest one file; `Ok(false)` if it could not be read to its end (the
/// error is reported on stderr). Errors writing stdout abort.
fn digest_file(path: &Path, digester: &Blake3Digester, out: &mut impl Write) -> anyhow::Result<bool> {
    let name = path.display().to_string();
    let name_json = serde_json::to_string(&name)?;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{name}: error: cannot open: {e}");
            return Ok(false);
        }
    };
    let mut reader = match CaptureReader::new(BufReader::new(file)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{name}: error: {e}");
            return Ok(false);
        }
    };
    let (mut packets, mut digested) = (0u64, 0u64);
    let mut verdicts: BTreeMap<&'static str, u64> = BTreeMap::new();
    let end = loop {
        match reader.next_record() {
            Ok(Some(rec)) => {
                let fd = digester.digest_frame(rec.link, rec.data);
                *verdicts.entry(fd.verdict.as_str()).or_default() += 1;
                write!(
                    out,
                    "{{\"file\":{name_json},\"index\":{packets},\"ts\":{},\"verdict\":\"{}\",\"digest\":",
                    rec.ts.as_nanos(),
                    fd.verdict.as_str()
                )?;
                match fd.digest {
                    Some(d) => {
                        digested += 1;
                        writeln!(out, "\"{d}\"}}")?;
                    }
                    None => writeln!(out, "null}}")?,
                }
                packets += 1;
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    let info = reader.info();
    let links: Vec<String> = info.link_types().iter().map(ToString::to_string).collect();
    let counts: Vec<String> = verdicts.iter().map(|(v, n)| format!("{v} {n}")).collect();
    let snaplen = info.snaplen().map_or("-".to_owned(), |s| s.to_string());
    eprintln!(
        "{name}: {packets} packets, {digested} digested ({}); {}, link {}, snaplen {snaplen}",
        counts.join(", "),
        info.format.as_str(),
        links.join(" + "),
    );
    match end {
        None => Ok(true),
        Some(e) => {
            eprintln!("{name}: error after {packets} packets: {e}");
            Ok(false)
        }
    }
}
