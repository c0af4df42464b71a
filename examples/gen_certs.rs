//! `gen_certs --out DIR --asn 64500 --asn 64501 ... [--federation-key FILE]`:
//! a development federation CA, one mutual-TLS certificate per ISP and,
//! optionally, a fresh federation secret.
//!
//! Writes `ca.pem`, `ca.key` and, per ASN, `as<N>.pem` / `as<N>.key`; with
//! `--federation-key`, 32 random bytes as 64 hex digits. It refuses, before
//! writing anything, if any of those files exists. Each ISP
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
    // Nothing is overwritten: a replaced CA would orphan every certificate
    // it signed, a replaced secret every digest made with it.
    let mut targets = traceback_net::tls::federation_paths(&args.out, &args.asns);
    targets.extend(args.federation_key.clone());
    if let Some(existing) = targets.iter().find(|p| p.exists()) {
        anyhow::bail!(
            "refusing to overwrite {}: remove it or choose another --out / --federation-key",
            existing.display()
        );
    }
    let files = traceback_net::tls::write_federation(&args.out, &args.asns)
        .with_context(|| format!("writing certificates to {}", args.out.display()))?;
    for f in files {
        println!("{}", f.display());
    }
    if let Some(path) = args.federation_key {
        traceback_net::secret::write_new(&path)
            .with_context(|| format!("writing the federation secret to {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(())
}
