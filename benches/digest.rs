//! Digest throughput in packets per second (`docs/performance.md`).
//!
//! Groups, each comparing the one-`blake3::keyed_hash`-per-packet baseline
//! with the multi-lane paths in the same run:
//! - `canonical`: hashing canonical inputs only (28-byte IPv4 and 64-byte
//!   IPv6 inputs, half each);
//! - `frames_64B`: parse + digest of 64-byte Ethernet frames;
//! - `frames_imix`: parse + digest of IMIX frames (64/576/1500 bytes in the
//!   ratio 7:4:1, IPv4 and IPv6 alternating).
//!
//! Times are the benchmark thread's CPU time unless
//! `TRACEBACK_BENCH_CLOCK=wall` (see `cpu_time.rs`).

mod cpu_time;
mod frames;

use frames::{fill, frame};

use criterion::measurement::Measurement;
use criterion::{BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use traceback_core::digest::lanes::{LaneBackend, SingleBlockHasher};
use traceback_core::digest::{Blake3Digester, FederationSecret};
use traceback_core::packet::LinkType;
use traceback_core::{Digest, DigestProfile, Digester};

/// Packets per measured iteration (one burst).
const BURST: usize = 1024;

fn digester() -> Blake3Digester {
    Blake3Digester::new(DigestProfile::V1, &FederationSecret::from_passphrase("bench")).expect("V1 validates")
}

fn canonical<M: Measurement>(c: &mut Criterion<M>) {
    let d = digester();
    let key = *d.key().as_bytes();
    let inputs: Vec<Vec<u8>> = (0..BURST)
        .map(|i| {
            let mut b = vec![0u8; if i % 2 == 0 { 28 } else { 64 }];
            fill(i as u64, &mut b);
            b
        })
        .collect();
    let msgs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    let mut out = vec![Digest::default(); BURST];

    let mut g = c.benchmark_group("canonical");
    g.throughput(Throughput::Elements(BURST as u64));
    g.bench_function("baseline_keyed_hash", |b| {
        b.iter(|| {
            for (m, o) in msgs.iter().zip(out.iter_mut()) {
                let h = blake3::keyed_hash(&key, black_box(m));
                o.0.copy_from_slice(&h.as_bytes()[..16]);
            }
            black_box(&out);
        })
    });
    for backend in LaneBackend::available() {
        let h = SingleBlockHasher::with_backend(&key, backend).expect("available");
        g.bench_function(BenchmarkId::new("lanes", backend.name()), |b| {
            b.iter(|| {
                h.hash_many(black_box(&msgs), &mut out).expect("same length");
                black_box(&out);
            })
        });
    }
    g.finish();
}

fn frames_group<M: Measurement>(c: &mut Criterion<M>, name: &str, frames: &[Vec<u8>]) {
    let d = digester();
    let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
    let mut out = Vec::with_capacity(refs.len());
    d.digest_batch(LinkType::ETHERNET, &refs, &mut out);
    let digested = out.iter().filter(|f| f.digest.is_some()).count();
    if digested != refs.len() {
        eprintln!("{name}: only {digested} of {} frames yield a digest", refs.len());
    }
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(refs.len() as u64));
    g.bench_function("baseline_digest_frame", |b| {
        b.iter(|| {
            out.clear();
            out.extend(refs.iter().map(|f| d.digest_frame(LinkType::ETHERNET, f)));
            black_box(&out);
        })
    });
    for backend in LaneBackend::available() {
        let d = digester().with_hasher_backend(backend).expect("available");
        g.bench_function(BenchmarkId::new("digest_batch", backend.name()), |b| {
            b.iter(|| {
                d.digest_batch(LinkType::ETHERNET, black_box(&refs), &mut out);
                black_box(&out);
            })
        });
    }
    g.finish();
}

fn frames_64<M: Measurement>(c: &mut Criterion<M>) {
    let frames: Vec<Vec<u8>> = (0..BURST).map(|i| frame(i, 64, i % 2 == 1)).collect();
    frames_group(c, "frames_64B", &frames);
}

fn frames_imix<M: Measurement>(c: &mut Criterion<M>) {
    const PATTERN: [usize; 12] = [64, 576, 64, 64, 1500, 576, 64, 64, 576, 64, 576, 64];
    let frames: Vec<Vec<u8>> = (0..BURST)
        .map(|i| frame(i, PATTERN[i % PATTERN.len()], i % 2 == 1))
        .collect();
    frames_group(c, "frames_imix", &frames);
}

fn all<M: Measurement>(mut c: Criterion<M>) {
    canonical(&mut c);
    frames_64(&mut c);
    frames_imix(&mut c);
    c.final_summary();
}

fn main() {
    if cpu_time::wall_clock_requested() {
        all(cpu_time::wall_config().configure_from_args());
    } else {
        all(cpu_time::cpu_config().configure_from_args());
    }
}
