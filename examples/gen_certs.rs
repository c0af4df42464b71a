//! `gen_certs --out DIR --asn 64500 --asn 64501 ... [--federation-key FILE]`:
//! a development federation CA, one mutual-TLS certificate per ISP and,
//! optionally, a fresh federation secret.
//!
//! Writes `ca.pem`, `ca.key` and, per ASN, `as<N>.pem` / `as<N>.key`; with
//! `--federation-key`, 32 random bytes as 64 hex digits (written first). It
//! refuses, before writing anything, if any of those files exists (a
//! dangling symlink included), if a name would be written twice, or for AS0.
//! Private keys are readable by their owner only (Unix). Each ISP
//! certificate names `as<N>.traceback.invalid` and `127.0.0.1`; a peer's ASN is
//! taken from its certificate. For development and tests only: a real
//! federation keeps its CA key offline.

use clap::Parser;
use std::path::PathBuf;
use traceback_core::Asn;

/// Generate a development federation CA and per-ISP certificates.
#[derive(Parser, Debug)]
#[command(
    version,
    about = "Generate a development federation CA and per-ISP mutual-TLS certificates."
)]
struct Args {
    /// Directory to write the PEM files into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// An ISP's AS number (repeat for each ISP), e.g. `--asn 64500 --asn AS64501`.
    #[arg(long = "asn", required = true)]
    asns: Vec<Asn>,
    /// Also write a fresh random federation secret (the `federation_secret_file`
    /// of every program) to this file; an existing file is never overwritten.
    #[arg(long, value_name = "FILE")]
    federation_key: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    traceback_net::report::exit(run())
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let files = traceback_net::tls::create_federation(&args.out, &args.asns, args.federation_key.as_deref())?;
    for f in files {
        println!("{}", f.display());
    }
    Ok(())
}
