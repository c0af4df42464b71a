//! `gen_certs --out DIR --asn 64500 --asn 64501 ...`: a development federation
//! CA and one mutual-TLS certificate per ISP.
//!
//! Writes `ca.pem`, `ca.key` and, per ASN, `as<N>.pem` / `as<N>.key`. Each ISP
//! certificate names `as<N>.traceback.invalid` and `127.0.0.1`; a peer's ASN is
//! taken from its certificate. For development and tests only: a real
//! federation keeps its CA key offline.

use anyhow::Context;
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
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let files = traceback_net::tls::write_federation(&args.out, &args.asns)
        .with_context(|| format!("writing certificates to {}", args.out.display()))?;
    for f in files {
        println!("{}", f.display());
    }
    Ok(())
}
