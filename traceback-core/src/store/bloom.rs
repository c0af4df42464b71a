//! [`WindowedBloomStore`]: the production store.

use super::blocked::{window_seed, BlockedBloom};
use super::config::StoreConfig;
use super::memory::FilterAllocator;
use super::persist::{self, PersistError};
use super::windows::{WindowFilter, Windows};
use super::{DigestStore, QueryAnswer, StoreStats, WindowInfo};
use crate::digest::{Digest, DigestFingerprint};
use crate::time::{TimeRange, Timestamp};
use std::sync::Arc;

/// Windows of cache-line-blocked Bloom filters.
///
/// Each window is sized by [`StoreConfig::geometry`] for the design capacity
/// and target rate, and keyed by a per-window seed derived from the store
/// seed, so false positives in different windows are independent. A window
/// closes at the end of its time slot or at its design capacity, so a flood
/// never pushes a window above the target rate. Filter memory is 64-byte
/// aligned (one block per cache line), on the heap by default; the core makes
/// no system calls, so a driver wanting 2 MiB huge pages passes a
/// [`FilterAllocator`] to [`WindowedBloomStore::with_allocator`].
#[derive(Clone, Debug)]
pub struct WindowedBloomStore {
    pub(crate) windows: Windows<BlockedBloom>,
    /// Which key and profile the digests were made with, when the owner said.
    pub(crate) fingerprint: Option<DigestFingerprint>,
    /// The format version the store was read from (`None`: made in memory).
    pub(crate) read_format: Option<u16>,
}

impl WindowedBloomStore {
    /// An empty store.
    pub fn new(config: StoreConfig) -> Self {
        WindowedBloomStore {
            windows: Windows::new(config),
            fingerprint: None,
            read_format: None,
        }
    }

    /// An empty store whose new windows' filters live in memory from `alloc`
    /// (falling back to the heap when it returns nothing). Copies made by
    /// `clone` and stores read back by [`WindowedBloomStore::read_from`] use
    /// the heap.
    pub fn with_allocator(config: StoreConfig, alloc: Arc<dyn FilterAllocator>) -> Self {
        let mut windows = Windows::new(config);
        windows.alloc = Some(alloc);
        WindowedBloomStore {
            windows,
            fingerprint: None,
            read_format: None,
        }
    }

    /// Record which digest key and profile this store's digests are made
    /// with ([`Blake3Digester::fingerprint`](crate::digest::Blake3Digester::fingerprint)).
    /// It is saved by [`WindowedBloomStore::write_to`], so whoever loads the
    /// store can refuse one made under another key (its digests would never
    /// match); the store itself does not use it.
    pub fn set_fingerprint(&mut self, fingerprint: Option<DigestFingerprint>) {
        self.fingerprint = fingerprint;
    }

    /// The format version of the stream this store was read from by
    /// [`WindowedBloomStore::read_from`] (`None` for a store made in memory);
    /// [`WindowedBloomStore::write_to`] always writes the current one,
    /// [`STORE_FORMAT_VERSION`](super::STORE_FORMAT_VERSION).
    pub fn read_format(&self) -> Option<u16> {
        self.read_format
    }

    /// The recorded key and profile fingerprint, if any (`None` also for
    /// stores saved in format version 1, which had none).
    pub fn fingerprint(&self) -> Option<DigestFingerprint> {
        self.fingerprint
    }

    /// The configuration.
    pub fn config(&self) -> &StoreConfig {
        &self.windows.config
    }

    /// The retained windows, oldest first.
    pub fn windows(&self) -> Vec<WindowInfo> {
        self.windows.infos()
    }

    /// The fraction of bits set in each retained window, oldest first
    /// (a measured fill, to compare with the estimate).
    pub fn fill_ratios(&self) -> Vec<f64> {
        self.windows
            .windows
            .iter()
            .map(|w| w.filter.count_ones() as f64 / w.filter.geometry().bits() as f64)
            .collect()
    }

    /// Write the configuration, counters and every retained window to `out`
    /// in the format of `docs/storage.md`.
    pub fn write_to<W: std::io::Write>(&self, out: W) -> Result<(), PersistError> {
        persist::write(self, out)
    }

    /// Read a store written by [`WindowedBloomStore::write_to`]. Either the
    /// whole stream is valid and a store is returned, or a typed error is and
    /// nothing is built.
    pub fn read_from<R: std::io::Read>(input: R) -> Result<Self, PersistError> {
        persist::read(input)
    }
}

impl DigestStore for WindowedBloomStore {
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

impl WindowFilter for BlockedBloom {
    fn create(config: &StoreConfig, seq: u64, alloc: Option<&dyn FilterAllocator>) -> Self {
        BlockedBloom::new_in(config.geometry(), window_seed(config.seed(), seq), alloc)
    }
    fn recycle(&mut self, config: &StoreConfig, seq: u64) -> bool {
        BlockedBloom::reset(self, config.geometry(), window_seed(config.seed(), seq))
    }
    #[inline]
    fn insert(&mut self, d: &Digest) {
        BlockedBloom::insert(self, d);
    }
    fn insert_batch(&mut self, ds: &[Digest]) {
        BlockedBloom::insert_batch(self, ds);
    }
    #[inline]
    fn contains(&self, d: &Digest) -> bool {
        BlockedBloom::contains(self, d)
    }
    fn false_positive_probability(&self, count: u64) -> f64 {
        self.geometry().false_positive_rate(count)
    }
    fn estimate(config: &StoreConfig, count: u64) -> f64 {
        config.geometry().false_positive_rate(count)
    }
    fn estimates(config: &StoreConfig, counts: &[u64]) -> Vec<f64> {
        let g = config.geometry();
        counts.iter().map(|&n| g.false_positive_rate(n)).collect()
    }
    fn memory_bytes(&self) -> usize {
        BlockedBloom::memory_bytes(self)
    }
}
