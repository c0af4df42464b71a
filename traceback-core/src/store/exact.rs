//! [`ExactStore`]: a hash set per window, the ground truth.

use super::config::StoreConfig;
use super::windows::{WindowFilter, Windows};
use super::{DigestStore, QueryAnswer, StoreStats, WindowInfo};
use crate::digest::Digest;
use crate::time::{TimeRange, Timestamp};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// A hash set per time window with the same windowing as
/// [`WindowedBloomStore`](super::WindowedBloomStore): same slots, same
/// capacity closes, same retained window count. False-positive probability 0.
///
/// Memory is `capacity × (16 + 1)` bytes per window plus table slack, far more
/// than a Bloom window: it is meant for tests and the simulator.
#[derive(Clone, Debug)]
pub struct ExactStore {
    windows: Windows<ExactSet>,
}

impl ExactStore {
    /// An empty store.
    pub fn new(config: StoreConfig) -> Self {
        ExactStore {
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

impl DigestStore for ExactStore {
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

/// Digests are keyed uniform hashes already: fold them instead of SipHashing.
#[derive(Default)]
struct FoldHasher(u64);

impl Hasher for FoldHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0 ^ u64::from_le_bytes(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

#[derive(Clone, Debug, Default)]
struct ExactSet(HashSet<Digest, BuildHasherDefault<FoldHasher>>);

impl WindowFilter for ExactSet {
    fn create(_config: &StoreConfig, _seq: u64, _alloc: Option<&dyn super::memory::FilterAllocator>) -> Self {
        ExactSet::default()
    }
    fn insert(&mut self, d: &Digest) {
        self.0.insert(*d);
    }
    fn contains(&self, d: &Digest) -> bool {
        self.0.contains(d)
    }
    fn false_positive_probability(&self, _count: u64) -> f64 {
        0.0
    }
    fn estimate(_config: &StoreConfig, _count: u64) -> f64 {
        0.0
    }
    fn memory_bytes(&self) -> usize {
        self.0.capacity() * (core::mem::size_of::<Digest>() + 1)
    }
}
