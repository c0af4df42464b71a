//! Collector hot path in packets per second: frames held in memory ->
//! parse + digest -> insert into the digest store (`docs/performance.md`).
//!
//! Target: 10GbE line rate at minimum frame size, 14.88 Mpps on one core
//! (67.2 ns per packet). Compared in the same run:
//! - `lanes_bloom`: `Blake3Digester::digest_batch` (SIMD lanes) then
//!   `WindowedBloomStore::insert_batch`, filters on the heap and (`_hugepages`)
//!   on 2 MiB huge pages from `traceback_net::hugepages`;
//! - `digest_batch_only` and `bloom_insert_batch_only`: the two halves;
//! - `baseline_pc`: one `blake3::keyed_hash` per packet (`digest_frame`) then
//!   `ProbabilisticCollectionsStore::insert` per packet.
//!
//! Packet timestamps advance by 67.2 ns per packet (line-rate spacing), so the
//! stores open and rotate windows as they would on the link. Times are the
//! thread's CPU time unless `TRACEBACK_BENCH_CLOCK=wall`.

mod cpu_time;
mod frames;

use criterion::measurement::Measurement;
use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;
use traceback_core::digest::{Blake3Digester, FederationSecret, FrameDigest};
use traceback_core::packet::LinkType;
use traceback_core::store::{DigestStore, ProbabilisticCollectionsStore, StoreConfig, WindowedBloomStore};
use traceback_core::{Digest, DigestProfile, Digester, Timestamp};
use traceback_net::hugepages::HugePageAllocator;

/// Frames per burst (one measured iteration).
const BURST: usize = 1024;
/// Distinct frames cycled through: 64 MiB of 64-byte frames, beyond L3 like
/// a NIC's receive ring in DRAM, and as many distinct digests, so a window's
/// filter is written all over (a pool that fits in L3 would touch only that
/// many filter lines and flatter the store).
const POOL: usize = 1 << 20;
/// Line-rate spacing of 64-byte frames on 10GbE, in picoseconds.
const SPACING_PS: u64 = 67_200;

fn store_config() -> StoreConfig {
    StoreConfig::builder()
        .window_span(Duration::from_secs(1))
        .capacity(15_000_000)
        .target_fpp(1e-3)
        .memory_budget_bytes(256 << 20)
        .seed(7)
        .build()
        .expect("valid store configuration")
}

/// The production store, its filters on the heap or on 2 MiB huge pages
/// (`traceback_net::hugepages`).
fn bloom_store(huge: bool) -> WindowedBloomStore {
    if huge {
        WindowedBloomStore::with_allocator(store_config(), Arc::new(HugePageAllocator::new()))
    } else {
        WindowedBloomStore::new(store_config())
    }
}

/// Bytes per frame slot in the pool (64-byte frames, back to back).
const SLOT: usize = 64;

/// 64-byte frames, IPv4 only or alternating IPv4 and IPv6, back to back in
/// one buffer (a receive ring).
fn pool(v4_only: bool) -> Vec<u8> {
    let mut ring = vec![0u8; POOL * SLOT];
    for (i, slot) in ring.chunks_exact_mut(SLOT).enumerate() {
        let f = frames::frame(i, SLOT, !v4_only && i % 2 == 1);
        slot.copy_from_slice(&f);
    }
    ring
}

/// Cycles through the frame pool burst by burst, with line-rate timestamps.
struct Feed<'a> {
    frames: Vec<&'a [u8]>,
    next: usize,
    packets: u64,
}

impl<'a> Feed<'a> {
    fn new(pool: &'a [u8]) -> Self {
        Feed {
            frames: pool.chunks_exact(SLOT).collect(),
            next: 0,
            packets: 0,
        }
    }

    /// The next burst and the timestamp of its first packet.
    fn burst(&mut self) -> (&[&'a [u8]], Timestamp) {
        let at = Timestamp::from_nanos(self.packets * SPACING_PS / 1000);
        let start = self.next;
        self.next = (self.next + BURST) % POOL;
        self.packets += BURST as u64;
        (&self.frames[start..start + BURST], at)
    }
}

fn pipeline<M: Measurement>(c: &mut Criterion<M>, name: &str, v4_only: bool) {
    let d = Blake3Digester::new(DigestProfile::V1, &FederationSecret::from_passphrase("bench"))
        .expect("V1 validates");
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(BURST as u64));

    let pool = pool(v4_only);
    for huge in [false, true] {
        let mut feed = Feed::new(&pool);
        let mut store = bloom_store(huge);
        let mut out: Vec<FrameDigest> = Vec::with_capacity(BURST);
        let mut digests: Vec<Digest> = Vec::with_capacity(BURST);
        let suffix = if huge { "_hugepages" } else { "" };
        g.bench_function(format!("lanes_{}_bloom{suffix}", d.hasher().backend()), |b| {
            b.iter(|| {
                let (burst, at) = feed.burst();
                d.digest_batch(LinkType::ETHERNET, burst, &mut out);
                digests.clear();
                digests.extend(out.iter().filter_map(|f| f.digest));
                store.insert_batch(&digests, at);
            })
        });
        black_box(store.stats());
    }
    let mut out: Vec<FrameDigest> = Vec::with_capacity(BURST);

    // The two halves alone, to see where the time goes.
    let mut feed = Feed::new(&pool);
    g.bench_function("digest_batch_only", |b| {
        b.iter(|| {
            let (burst, _) = feed.burst();
            d.digest_batch(LinkType::ETHERNET, burst, &mut out);
            black_box(&out);
        })
    });
    let all: Vec<Digest> = pool
        .chunks_exact(SLOT)
        .filter_map(|f| d.digest_frame(LinkType::ETHERNET, f).digest)
        .collect();
    for huge in [false, true] {
        let mut store = bloom_store(huge);
        let mut next = 0;
        let mut packets = 0u64;
        let suffix = if huge { "_hugepages" } else { "" };
        g.bench_function(format!("bloom_insert_batch_only{suffix}"), |b| {
            b.iter(|| {
                let at = Timestamp::from_nanos(packets * SPACING_PS / 1000);
                let end = (next + BURST).min(all.len());
                store.insert_batch(&all[next..end], at);
                packets += (end - next) as u64;
                next = if end == all.len() { 0 } else { end };
            })
        });
        black_box(store.stats());
    }

    let mut feed = Feed::new(&pool);
    let mut store = ProbabilisticCollectionsStore::new(store_config());
    g.bench_function("baseline_keyed_hash_pc", |b| {
        b.iter(|| {
            let (burst, at) = feed.burst();
            for f in burst {
                if let Some(digest) = d.digest_frame(LinkType::ETHERNET, f).digest {
                    store.insert(&digest, at);
                }
            }
        })
    });
    black_box(store.stats());
    g.finish();
}

fn all<M: Measurement>(mut c: Criterion<M>) {
    pipeline(&mut c, "pipeline_64B_v4v6", false);
    pipeline(&mut c, "pipeline_64B_v4", true);
    c.final_summary();
}

fn main() {
    if cpu_time::wall_clock_requested() {
        all(cpu_time::wall_config().configure_from_args());
    } else {
        all(cpu_time::cpu_config().configure_from_args());
    }
}
