//! [`ProbabilisticCollectionsStore`]: the baseline, one
//! `probabilistic_collections::bloom::BloomFilter` per window.

use super::blocked::{mix64, window_seed};
use super::config::StoreConfig;
use super::geometry::classic_false_positive_rate;
use super::windows::{WindowFilter, Windows};
use super::{DigestStore, QueryAnswer, StoreStats, WindowInfo};
use crate::digest::Digest;
use crate::time::{TimeRange, Timestamp};
use probabilistic_collections::bloom::BloomFilter;
use probabilistic_collections::SipHasherBuilder;

/// The Bloom filter a user would otherwise pick (probabilistic-collections
/// 0.7, classic layout, SipHash double hashing), under the same windowing as
/// [`WindowedBloomStore`](super::WindowedBloomStore). Each window's filter is
/// sized by the crate for the design capacity and target rate, and keyed from
/// the store seed and window number (deterministic).
pub struct ProbabilisticCollectionsStore {
    windows: Windows<PcFilter>,
}

impl ProbabilisticCollectionsStore {
    /// An empty store.
    pub fn new(config: StoreConfig) -> Self {
        ProbabilisticCollectionsStore {
            windows: Windows::new(config),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &StoreConfig {
        &self.windows.config
    }

    /// The retained windows, oldest first.
    pub fn windows(&self) -> Vec<WindowInfo> {
        self.windows.infos()
    }
}

impl core::fmt::Debug for ProbabilisticCollectionsStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ProbabilisticCollectionsStore")
            .field("config", &self.windows.config)
            .field("stats", &self.windows.stats())
            .finish()
    }
}

impl DigestStore for ProbabilisticCollectionsStore {
    fn insert(&mut self, digest: &Digest, at: Timestamp) {
        self.windows.insert(digest, at);
    }
    fn insert_batch(&mut self, digests: &[Digest], at: Timestamp) {
        self.windows.insert_batch(digests, at);
    }
    fn query(&self, digest: &Digest, range: TimeRange) -> QueryAnswer {
        self.windows.query(digest, range)
    }
    fn advance(&mut self, now: Timestamp) {
        self.windows.advance(now);
    }
    fn stats(&self) -> StoreStats {
        self.windows.stats()
    }
}

struct PcFilter(BloomFilter<Digest>);

impl core::fmt::Debug for PcFilter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PcFilter({} bits)", self.0.len())
    }
}

impl WindowFilter for PcFilter {
    fn create(config: &StoreConfig, seq: u64, _alloc: Option<&dyn super::memory::FilterAllocator>) -> Self {
        let s = window_seed(config.seed(), seq);
        let cap = usize::try_from(config.capacity()).unwrap_or(usize::MAX);
        PcFilter(BloomFilter::with_hashers(
            cap,
            config.target_fpp(),
            [
                SipHasherBuilder::from_seed(s, mix64(s ^ 1)),
                SipHasherBuilder::from_seed(mix64(s ^ 2), mix64(s ^ 3)),
            ],
        ))
    }
    fn insert(&mut self, d: &Digest) {
        self.0.insert(d);
    }
    fn contains(&self, d: &Digest) -> bool {
        self.0.contains(d)
    }
    fn false_positive_probability(&self, count: u64) -> f64 {
        classic(self.0.len() as f64, self.0.hasher_count() as f64, count)
    }
    fn estimate(config: &StoreConfig, count: u64) -> f64 {
        // The crate's sizing: m = ceil(-log2(p) n / ln 2), k = ceil(m / n ln 2).
        let n = config.capacity() as f64;
        let m = (-config.target_fpp().log2() * n / core::f64::consts::LN_2).ceil();
        let k = (m / n * core::f64::consts::LN_2).ceil();
        classic(m, k, count)
    }
    fn memory_bytes(&self) -> usize {
        self.0.len().div_ceil(8)
    }
}

fn classic(bits: f64, hashes: f64, count: u64) -> f64 {
    if count == 0 {
        return 0.0;
    }
    classic_false_positive_rate(bits / count as f64, hashes as u32)
}
