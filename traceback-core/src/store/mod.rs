//! Digest storage: "did this digest pass here during [t0, t1]?"
//!
//! ```text
//!  (Digest, Timestamp) ──insert──▶ current window ──closes on span end or capacity──▶ sealed windows
//!                                                                   (retention: memory budget)
//!  (Digest, TimeRange) ──query──▶ windows overlapping the range ──▶ matches (+ false-positive probability)
//! ```

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
}

/// A time-indexed set of digests.
///
/// # False-positive contract
/// A store never answers "not seen" for a digest inserted at a time inside
/// the queried interval while it still holds that time (no false negatives
/// within [`Coverage`]). It may answer "seen" for a digest that was never
/// inserted: each [`WindowMatch`] carries the estimated probability of that,
/// which a probabilistic store keeps below its design target by closing
/// windows at their design capacity. Exact stores report 0.
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

    /// Counters.
    fn stats(&self) -> StoreStats;
}
