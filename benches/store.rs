//! Digest-store benchmarks: insert (single, batches of 64 and 1024) and
//! query throughput of the blocked Bloom store against the
//! probabilistic-collections baseline and the exact store, in one run; then a
//! sizing table (bits per element, measured vs theoretical false-positive
//! rate).
//!
//! Before criterion runs, a plain timing pass prints inserts per CPU second
//! for each store and the ratio to the baseline, so the ratio comes from one
//! run, at two window capacities: 2 000 000 (filters in L3) and 15 000 000
//! (one second of 10GbE line rate, the collector's sizing; `CAP=n` runs only
//! `n`). `blocked_bloom_hugepages` is the same store with its filters on 2 MiB
//! huge pages (`traceback_net::hugepages`). Times are the thread's CPU time
//! unless `TRACEBACK_BENCH_CLOCK=wall`.
mod cpu_time;

use core::time::Duration;
use criterion::measurement::Measurement;
use criterion::{BenchmarkId, Criterion, Throughput};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::sync::Arc;
use traceback_core::store::{
    blocked_false_positive_rate, BitLayout, DigestStore, ExactStore, ProbabilisticCollectionsStore,
    StoreConfig, WindowedBloomStore,
};
use traceback_core::{Digest, TimeRange, Timestamp};
use traceback_net::hugepages::HugePageAllocator;

/// Design capacity per window of the criterion benches: large enough that
/// filters leave the L2 cache.
static CAPACITY: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
    std::env::var("CAP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000)
});

fn digests(seed: u64, n: usize) -> Vec<Digest> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let mut b = [0u8; 16];
            rng.fill_bytes(&mut b);
            Digest(b)
        })
        .collect()
}

fn config(capacity: u64, target: f64, windows: usize) -> StoreConfig {
    let one = StoreConfig::builder()
        .capacity(capacity)
        .target_fpp(target)
        .build()
        .expect("valid config");
    StoreConfig::builder()
        .capacity(capacity)
        .target_fpp(target)
        .window_span(Duration::from_secs(1))
        .memory_budget_bytes(one.geometry().bytes() * windows)
        .seed(1)
        .build()
        .expect("valid config")
}

type Make = fn(StoreConfig) -> Box<dyn DigestStore>;

fn stores() -> [(&'static str, Make); 4] {
    [
        ("blocked_bloom", |c| Box::new(WindowedBloomStore::new(c))),
        ("blocked_bloom_hugepages", |c| {
            Box::new(WindowedBloomStore::with_allocator(
                c,
                Arc::new(HugePageAllocator::new()),
            ))
        }),
        ("probabilistic_collections", |c| {
            Box::new(ProbabilisticCollectionsStore::new(c))
        }),
        ("exact", |c| Box::new(ExactStore::new(c))),
    ]
}

/// One contender of the timing pass: a store, the batch size it is fed
/// with, and its per-pass rates.
struct Contender {
    name: &'static str,
    batch: usize,
    store: Box<dyn DigestStore>,
    rates: Vec<f64>,
}

impl Contender {
    /// Insert `ds` once, in batches of `self.batch` (1 = single inserts), at
    /// one time, and return inserts per CPU second (thread CPU time,
    /// `cpu_time.rs`: the machine is shared).
    fn pass(&mut self, ds: &[Digest]) -> f64 {
        let at = Timestamp::from_secs(10);
        let start = cpu_time::thread_cpu_ns();
        if self.batch == 1 {
            for d in ds {
                self.store.insert(d, at);
            }
        } else {
            for chunk in ds.chunks(self.batch) {
                self.store.insert_batch(chunk, at);
            }
        }
        let ns = cpu_time::thread_cpu_ns().saturating_sub(start).max(1);
        ds.len() as f64 * 1e9 / ns as f64
    }

    fn median(&self) -> f64 {
        median(&self.rates)
    }
}

/// The median of `values` (0 when empty).
fn median(values: &[f64]) -> f64 {
    let mut r = values.to_vec();
    r.sort_by(f64::total_cmp);
    r.get(r.len() / 2).copied().unwrap_or(0.0)
}

/// Timed passes per contender; contenders take turns, pass by pass, so a
/// change in what the neighbours on the machine do reaches all of them.
const ROUNDS: usize = 9;

/// Capacities of the timing pass: `CAP` alone when set, else a window that
/// stays in L3 and one second of 10GbE line rate at minimum frame size
/// (the collector's production sizing, `benches/pipeline.rs`).
fn timing_capacities() -> Vec<(u64, &'static str)> {
    match std::env::var("CAP").ok().and_then(|v| v.parse().ok()) {
        Some(cap) => vec![(cap, "CAP")],
        None => vec![
            (2_000_000, "3.9 MB filter per window: fits in L3"),
            (
                15_000_000,
                "29 MB per window, one second of 10GbE line rate: beyond L3",
            ),
        ],
    }
}

/// Inserts per CPU second of every store at `capacity` digests per window
/// (3 windows of budget), as the median of [`ROUNDS`] interleaved passes of
/// up to 4 M digests each. Windows close at capacity during the passes, so
/// window rotation (evicting, zeroing a new filter) is paid as on a link.
/// probabilistic-collections is fed one digest at a time (its `insert_batch`
/// is the same loop) and is the baseline of every ratio.
fn report_throughput() {
    println!("\n== insert rate (median of {ROUNDS} interleaved passes, thread CPU time, same run) ==");
    for (capacity, what) in timing_capacities() {
        let ds = digests(1, capacity.min(4_000_000) as usize);
        let mut contenders = Vec::new();
        for (name, make) in stores() {
            let batches: &[usize] = match name {
                "probabilistic_collections" => &[1],
                // The exact store at line-rate capacity costs gigabytes and
                // minutes, and is no contender: only at the small size.
                "exact" if capacity > 2_000_000 => &[],
                "exact" => &[1024],
                _ => &[1, 64, 1024],
            };
            for &batch in batches {
                let mut store = make(config(capacity, 0.001, 3));
                // One untimed pass: the first window allocated and paged in.
                store.insert_batch(&ds, Timestamp::from_secs(10));
                contenders.push(Contender {
                    name,
                    batch,
                    store,
                    rates: Vec::new(),
                });
            }
        }
        for _ in 0..ROUNDS {
            for c in &mut contenders {
                let r = c.pass(&ds);
                c.rates.push(r);
            }
        }
        let baseline = contenders
            .iter()
            .find(|c| c.name == "probabilistic_collections")
            .map(|c| c.rates.clone())
            .unwrap_or_default();
        let base = median(&baseline);
        println!(
            "capacity {capacity} digests per window, 3 windows ({what}); passes of {} digests",
            ds.len()
        );
        for c in &contenders {
            let (lo, hi) = c
                .rates
                .iter()
                .fold((f64::MAX, 0.0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
            // The ratio of each round's pass to the baseline's pass of the
            // same round, then their median: the host's load drifts between
            // rounds, less within one.
            let per_round: Vec<f64> = c.rates.iter().zip(&baseline).map(|(r, b)| r / b).collect();
            println!(
                "batch {:>4}  {:<26} {:>8.1} M inserts/s  ({:>5.1}x probabilistic-collections; per round {:>5.1}x)  passes {:.1}..{:.1}",
                c.batch,
                c.name,
                c.median() / 1e6,
                c.median() / base,
                median(&per_round),
                lo / 1e6,
                hi / 1e6
            );
            black_box(c.store.stats());
        }
    }
}

fn report_sizing() {
    println!(
        "\n== blocked Bloom sizing: bits/element, measured FPR (4M probes) vs the exact formula of the store's layout \
         (distinct positions), and the exact rate positions with replacement would give at the same size =="
    );
    let n = 1_000_000u64;
    let probes = digests(3, 4_000_000);
    for target in [0.01, 0.001, 0.0001] {
        let c = config(n, target, 2);
        let g = c.geometry();
        let mut s = WindowedBloomStore::new(c);
        s.insert_batch(&digests(2, n as usize), Timestamp::from_secs(1));
        let range = TimeRange::at(Timestamp::from_secs(1));
        let hits = probes.iter().filter(|p| s.query(p, range).hit()).count();
        let bpe = g.bits() as f64 / n as f64;
        assert_eq!(g.layout, BitLayout::Distinct);
        println!(
            "target {target:<7} k={:<2} {bpe:>6.3} bits/element  measured {:.6}  exact {:.6}  with replacement {:.6}  fill {:.3}",
            g.hashes,
            hits as f64 / probes.len() as f64,
            g.layout.false_positive_rate(bpe, g.hashes),
            blocked_false_positive_rate(bpe, g.hashes),
            s.fill_ratios()[0],
        );
    }
}

fn bench_insert<M: Measurement>(c: &mut Criterion<M>) {
    let ds = digests(4, 1 << 20);
    let mut group = c.benchmark_group("store_insert");
    for (name, make) in stores() {
        for batch in [1usize, 64, 1024] {
            let mut s = make(config(*CAPACITY, 0.001, 3));
            s.insert_batch(&ds, Timestamp::from_secs(10));
            let mut i = 0usize;
            group.throughput(Throughput::Elements(batch as u64));
            group.bench_function(BenchmarkId::new(name, format!("batch{batch}")), |b| {
                b.iter(|| {
                    let chunk = &ds[i..i + batch];
                    i = (i + batch) % (ds.len() - batch);
                    if batch == 1 {
                        s.insert(&chunk[0], Timestamp::from_secs(10));
                    } else {
                        s.insert_batch(chunk, Timestamp::from_secs(10));
                    }
                })
            });
        }
    }
    group.finish();
}

fn bench_query<M: Measurement>(c: &mut Criterion<M>) {
    let ds = digests(5, 1 << 20);
    let absent = digests(6, 1 << 20);
    let range = TimeRange::new(Timestamp::from_secs(10), Timestamp::from_secs(11));
    let mut group = c.benchmark_group("store_query");
    group.throughput(Throughput::Elements(1));
    for (name, make) in stores() {
        let mut s = make(config(*CAPACITY, 0.001, 3));
        s.insert_batch(&ds, Timestamp::from_secs(10));
        let mut i = 0usize;
        group.bench_function(BenchmarkId::new(name, "half_present"), |b| {
            b.iter(|| {
                i = (i + 1) % ds.len();
                let d = if i.is_multiple_of(2) { &ds[i] } else { &absent[i] };
                black_box(s.query(d, range).hit())
            })
        });
    }
    group.finish();
}

fn main() {
    report_sizing();
    report_throughput();
    if cpu_time::wall_clock_requested() {
        let mut c = cpu_time::wall_config().configure_from_args();
        bench_insert(&mut c);
        bench_query(&mut c);
        c.final_summary();
    } else {
        let mut c = cpu_time::cpu_config().configure_from_args();
        bench_insert(&mut c);
        bench_query(&mut c);
        c.final_summary();
    }
}
