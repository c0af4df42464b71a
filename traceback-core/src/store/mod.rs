//! Digest storage: "did this digest pass here during [t0, t1]?"
//!
//! ```text
//!  (Digest, Timestamp) ──insert──▶ current window ──closes on span end or capacity──▶ sealed windows
//!                                                                   (retention: memory budget)
//!  (Digest, TimeRange) ──query──▶ windows overlapping the range ──▶ matches (+ false-positive probability)
//! ```

//!
//! Three implementations share one windowing engine (same slots, capacity
//! closes and retention, so their answers are comparable):
//! [`WindowedBloomStore`] (cache-line-blocked Bloom filters, the production
//! store, persistable), [`ExactStore`] (hash sets, ground truth) and
//! [`ProbabilisticCollectionsStore`] (the probabilistic-collections crate's
//! Bloom filter, the baseline). `docs/storage.md` has the sizing formula, the
//! file format and measured figures.

mod blocked;
#[cfg(target_arch = "x86_64")]
mod blocked_x86;
mod bloom;
mod config;
mod exact;
mod geometry;
mod memory;
mod pc;
mod persist;
mod positions;
mod windows;

pub use bloom::WindowedBloomStore;
pub use config::{ConfigError, StoreConfig, StoreConfigBuilder, MAX_WINDOW_BYTES};
pub use exact::ExactStore;
pub use geometry::{
    blocked_false_positive_rate, blocked_false_positive_rate_distinct, blocked_false_positive_rate_textbook,
    classic_false_positive_rate, optimal_bits_per_element, BitLayout, BloomGeometry, BLOCK_BITS, BLOCK_BYTES,
    MAX_HASHES,
};
pub use memory::{FilterAllocator, FilterBlock, FilterMemory};
pub use pc::ProbabilisticCollectionsStore;
pub use persist::{PersistError, MAGIC as STORE_MAGIC, VERSION as STORE_FORMAT_VERSION};

use crate::digest::Digest;
use crate::time::{TimeRange, Timestamp};
use serde::{Deserialize, Serialize};

/// One window that (probably) held the queried digest.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowMatch {
    /// The time span the window covers (first to last insert time).
    pub span: TimeRange,
    /// Estimated probability that this match is false (0 for exact stores).
    pub false_positive_probability: f64,
}

/// How much of a queried interval the store still holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Coverage {
    /// Windows cover the whole interval: a miss is a real "not seen".
    Full,
    /// Some of the interval is not covered (expired or before the first window).
    Partial,
    /// Nothing of the interval is held: the store cannot answer.
    None,
}

/// The answer to one query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryAnswer {
    /// Every window overlapping the interval that matched, oldest first.
    pub matches: Vec<WindowMatch>,
    /// How much of the interval the store could answer for.
    pub coverage: Coverage,
}

impl QueryAnswer {
    /// Whether any window matched.
    pub fn hit(&self) -> bool {
        !self.matches.is_empty()
    }

    /// The probability that all matches are false (product over windows),
    /// or 1 when there is no match.
    pub fn false_positive_probability(&self) -> f64 {
        self.matches
            .iter()
            .map(|m| m.false_positive_probability)
            .product()
    }
}

/// Counters every store keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoreStats {
    /// Digests inserted since creation (or load).
    pub inserted: u64,
    /// Windows currently held.
    pub windows: usize,
    /// Windows dropped to stay within the memory budget.
    pub windows_evicted: u64,
    /// Bytes of filter memory currently held.
    pub memory_bytes: usize,
    /// Inserts whose time was earlier than the start of the window they went into.
    pub late_inserts: u64,
    /// Windows closed because they reached their design capacity (floods).
    pub capacity_closes: u64,
}

/// A summary of one retained window.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowInfo {
    /// First to last insert time.
    pub span: TimeRange,
    /// Digests inserted.
    pub count: u64,
    /// Whether the window is closed (no more inserts).
    pub sealed: bool,
    /// Estimated false-positive probability from the window's fill.
    pub false_positive_probability: f64,
}

/// A time-indexed set of digests.
///
/// # False-positive contract
/// * No false negatives: a digest inserted at time `t` is reported by every
///   query whose interval contains `t`, as long as the window holding it is
///   retained. A query whose interval the store no longer (or never) held
///   reports [`Coverage::Partial`] or [`Coverage::None`]: a miss there means
///   "cannot tell", not "not seen".
/// * False positives: a store may report a window for a digest never
///   inserted there. Each [`WindowMatch`] carries the estimated probability of
///   that, from the window's actual fill; a probabilistic store keeps it at or
///   below its design target by closing a window at its design capacity (a
///   flood opens more windows rather than overfilling one). Windows are keyed
///   independently, so false positives in two windows are independent and
///   [`QueryAnswer::false_positive_probability`] multiplies them. Exact
///   stores report 0.
///
/// # Windows
/// A window records its span as the first to last insert time, and a match
/// reports that span: the digest passed somewhere in it. An insert earlier
/// than the current window (out of order) goes into the current window and
/// widens its span; closed windows never change.
pub trait DigestStore: Send {
    /// Record that `digest` passed at time `at`.
    fn insert(&mut self, digest: &Digest, at: Timestamp);

    /// Record a burst of digests seen at `at` (the hot path; implementations prefetch).
    fn insert_batch(&mut self, digests: &[Digest], at: Timestamp) {
        for d in digests {
            self.insert(d, at);
        }
    }

    /// Which windows overlapping `range` hold `digest`.
    fn query(&self, digest: &Digest, range: TimeRange) -> QueryAnswer;

    /// Tell the store that time has reached `now` without traffic: it closes
    /// a window whose slot has ended and extends the held interval, so a quiet
    /// link still answers "not seen" with full coverage. Stores without
    /// time-based state may ignore it.
    fn advance(&mut self, now: Timestamp) {
        let _ = now;
    }

    /// Counters.
    fn stats(&self) -> StoreStats;
}
