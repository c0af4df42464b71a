//! Digest throughput benchmarks (placeholder until issue 2's benches land).
#![allow(missing_docs)] // criterion_group! generates undocumented items
use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let d = traceback_core::Digest([1; 16]);
    c.bench_function("digest_low_u64", |b| b.iter(|| std::hint::black_box(d).low_u64()));
}
criterion_group!(benches, bench);
criterion_main!(benches);
