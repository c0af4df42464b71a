//! `digest FILE...`: one JSON line per packet of each capture file.
//!
//! ```text
//! cargo run --release --example digest -- [--secret-file F | --secret HEX | --passphrase TEXT] FILE...
//! {"file":"x.pcap","index":0,"ts":1619605821099510000,"verdict":"ok","digest":"3f…"}
//! ```
//!
//! - `ts` is the capture time in integer nanoseconds since the Unix epoch
//!   (exact, divide by 1e9 for seconds; a timestamp the file cannot give
//!   exactly, before 1970, beyond 2554 or with a pcap fraction of a second
//!   too large, is clamped or carried and counted in the summary);
//! - `verdict` is `Verdict::as_str` (`ok`, `fragment`, `not_ip`, ...);
//! - `digest` is the 128-bit keyed digest in hex (`DigestProfile::V1`,
//!   `Blake3Digester`), or `null` when the frame is not digested.
//!
//! The federation secret comes from `--secret-file` (a file of 64 hex
//! digits, as every program reads it; not visible in `ps`), `--secret` (64
//! hex digits) or `--passphrase`; without any, the development passphrase
//! `traceback-sdk development` is used (never in production: anyone can
//! compute those digests). `-` reads standard input. One summary line per
//! file goes to stderr (`NAME: N packets, M digested ...`, with the
//! inconsistencies the reader tolerated and counted; a file refused before
//! its first record says `NAME: 0 packets, 0 digested; error: ...`, and one
//! cut later gets a second line with the error); the exit code is 1
//! if any file could not be read to its end (truncated, malformed,
//! unreadable), after every other file has been processed. A closed stdout
//! (`digest ... | head`) ends the program quietly.

use anyhow::Context as _;
use clap::Parser;
use std::collections::BTreeMap;
use std::io::{BufReader, BufWriter, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use traceback_core::capture::CaptureReader;
use traceback_core::digest::{Blake3Digester, DigestProfile, Digester, FederationSecret};

/// The development passphrase used when no secret is given.
const DEV_PASSPHRASE: &str = "traceback-sdk development";

#[derive(Parser)]
#[command(about = "Digest every packet of pcap/pcapng files (one JSON line per packet)")]
struct Args {
    /// File holding the federation secret (64 hex digits), as the programs' `federation_secret_file`.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["secret", "passphrase"])]
    secret_file: Option<PathBuf>,
    /// Federation secret, 64 hex digits (visible to other users in `ps`: prefer --secret-file).
    #[arg(long, conflicts_with = "passphrase")]
    secret: Option<String>,
    /// Federation secret derived from a passphrase (development and tests).
    /// Without any secret option the development passphrase
    /// "traceback-sdk development" is used: anyone can compute those digests.
    #[arg(long)]
    passphrase: Option<String>,
    /// Capture files (pcap or pcapng, any extension); `-` is standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn main() -> std::process::ExitCode {
    match run() {
        // The reader of our output went away (`| head`): not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>().map(std::io::Error::kind)
                == Some(ErrorKind::BrokenPipe) =>
        {
            std::process::ExitCode::SUCCESS
        }
        r => traceback_net::report::exit(r),
    }
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let secret = match (&args.secret_file, &args.secret, &args.passphrase) {
        (Some(path), ..) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("--secret-file {}", path.display()))?;
            FederationSecret::from_hex(text.trim())
                .with_context(|| format!("--secret-file {}: not 64 hex digits", path.display()))?
        }
        (None, Some(hex), _) => FederationSecret::from_hex(hex).context("--secret needs 64 hex digits")?,
        (None, None, Some(p)) => FederationSecret::from_passphrase(p),
        (None, None, None) => FederationSecret::from_passphrase(DEV_PASSPHRASE),
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
    anyhow::ensure!(failed == 0, "{failed} of {} files failed", args.files.len());
    Ok(())
}

/// Digest one file; `Ok(false)` if it could not be read to its end (the
/// error is reported on stderr). Errors writing stdout abort.
fn digest_file(path: &Path, digester: &Blake3Digester, out: &mut impl Write) -> anyhow::Result<bool> {
    let name = path.display().to_string();
    let name_json = serde_json::to_string(&name)?;
    let input: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("{name}: 0 packets, 0 digested; error: cannot open: {e}");
                return Ok(false);
            }
        }
    };
    let mut reader = match CaptureReader::new(BufReader::new(input)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{name}: 0 packets, 0 digested; error: {e}");
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
    // At most eight link types by name, so a file of many interfaces keeps
    // its summary on one short line.
    let all = info.link_types();
    let mut links: Vec<String> = all.iter().take(8).map(ToString::to_string).collect();
    if all.len() > 8 {
        links.push(format!("{} more", all.len() - 8));
    }
    let links = if links.is_empty() {
        "none".to_owned()
    } else {
        links.join(" + ")
    };
    let counts: Vec<String> = verdicts.iter().map(|(v, n)| format!("{v} {n}")).collect();
    let counts = if counts.is_empty() {
        String::new()
    } else {
        format!(" ({})", counts.join(", "))
    };
    let snaplen = info.snaplen().map_or("none".to_owned(), |s| s.to_string());
    let st = reader.stats();
    let tolerated: Vec<String> = [
        (st.ts_out_of_range, "timestamps not exact (clamped or carried)"),
        (st.caplen_over_snaplen, "records longer than the snaplen"),
        (
            st.orig_len_below_caplen,
            "original lengths below the captured length (raised)",
        ),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    let tolerated = if tolerated.is_empty() {
        String::new()
    } else {
        format!("; tolerated: {}", tolerated.join(", "))
    };
    eprintln!(
        "{name}: {packets} packets, {digested} digested{counts}; {}, link {links}, snaplen {snaplen}{tolerated}",
        info.format.as_str(),
    );
    match end {
        None => Ok(true),
        Some(e) => {
            eprintln!("{name}: error after {packets} packets: {e}");
            Ok(false)
        }
    }
}
