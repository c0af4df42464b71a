//! The windowing engine shared by every store: when windows open and close,
//! what a query scans, what coverage means, eviction.
//!
//! * Windows are aligned to multiples of the span since the epoch. A window
//!   closes when an insert falls at or after the end of its slot, or when it
//!   already holds its design capacity; in the second case the next window
//!   continues the same slot (a flood yields several windows per slot, each
//!   filled at most to capacity, so none exceeds the false-positive target).
//! * A window records its span: first to last insert time. An insert earlier
//!   than the current window's start (out of order, e.g. from a second
//!   capture queue) goes into the current window and widens its span back;
//!   closed windows are never reopened. Such inserts are counted as `late`.
//! * The store holds `[held_from, held_until]`: from its first insert (or
//!   just after the last evicted window) to its latest insert or
//!   [`DigestStore::advance`](super::DigestStore::advance) time. When an
//!   eviction takes the latest time seen (a one-window budget, or a flood of
//!   one instant beyond the budget), nothing is held until time passes that
//!   instant ([`Held::From`]).

use super::config::StoreConfig;
use super::memory::FilterAllocator;
use super::{Coverage, QueryAnswer, StoreStats, WindowInfo, WindowMatch};
use crate::digest::Digest;
use crate::time::{TimeRange, Timestamp};
use std::collections::VecDeque;
use std::sync::Arc;

/// What one window's set must do.
pub(crate) trait WindowFilter: Send {
    /// A fresh filter for window number `seq`, in memory from `alloc` when
    /// the filter can use it.
    fn create(config: &StoreConfig, seq: u64, alloc: Option<&dyn FilterAllocator>) -> Self;
    /// Make this filter (of an evicted window) the empty filter of window
    /// number `seq`, in place, keeping its memory; `false` when it cannot (a
    /// different shape), and the caller creates a new one. Recycling spares
    /// the allocator and the page faults of fresh memory at every rotation.
    fn recycle(&mut self, config: &StoreConfig, seq: u64) -> bool {
        let _ = (config, seq);
        false
    }
    /// Add one digest.
    fn insert(&mut self, d: &Digest);
    /// Add several digests.
    fn insert_batch(&mut self, ds: &[Digest]) {
        for d in ds {
            self.insert(d);
        }
    }
    /// Whether the digest may be present.
    fn contains(&self, d: &Digest) -> bool;
    /// Estimated false-positive probability of this filter after `count` inserts.
    fn false_positive_probability(&self, count: u64) -> f64;
    /// The same estimate for a filter made by [`WindowFilter::create`] (no allocation).
    fn estimate(config: &StoreConfig, count: u64) -> f64;

    /// [`WindowFilter::estimate`] for many counts under one config (filters
    /// whose sizing is costly compute it once here).
    fn estimates(config: &StoreConfig, counts: &[u64]) -> Vec<f64> {
        counts.iter().map(|&n| Self::estimate(config, n)).collect()
    }
    /// Bytes of memory held.
    fn memory_bytes(&self) -> usize;
}

/// The time a store can answer for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Held {
    /// Nothing inserted yet.
    Nothing,
    /// Every digest seen from `start` to `end` is in a retained window.
    Range(TimeRange),
    /// An eviction took the latest time seen: nothing before this instant
    /// is fully held any more, and nothing from it on has been seen yet.
    From(Timestamp),
}

/// One window and its filter.
#[derive(Clone, Debug)]
pub(crate) struct Window<F> {
    pub(crate) seq: u64,
    pub(crate) span: TimeRange,
    pub(crate) slot_end: Timestamp,
    pub(crate) count: u64,
    pub(crate) sealed: bool,
    /// Computed when sealed (the current window's is computed on demand).
    pub(crate) sealed_fpp: f64,
    pub(crate) filter: F,
}

/// Buckets of the open window's estimate table (over counts 0..=capacity).
const TABLE: u64 = 64;

impl<F: WindowFilter> Window<F> {
    /// Sealed: the exact estimate. Open: the table entry for the next bucket
    /// up (never below the exact estimate, as the rate grows with the count).
    fn fpp(&self, table: &[f64], capacity: u64) -> f64 {
        if self.sealed {
            return self.sealed_fpp;
        }
        let bucket = (u128::from(self.count) * u128::from(TABLE)).div_ceil(u128::from(capacity));
        match table.get(bucket as usize) {
            Some(p) => *p,
            None => self.filter.false_positive_probability(self.count),
        }
    }

    /// Whether time `at` is past this window's slot. The last slot of the
    /// timeline (`slot_end` saturated at [`Timestamp::MAX`]) never ends, so
    /// inserts at the largest timestamp share one window instead of opening
    /// one each.
    fn ended_by(&self, at: Timestamp) -> bool {
        self.slot_end != Timestamp::MAX && at >= self.slot_end
    }

    fn seal(&mut self) {
        if !self.sealed {
            self.sealed_fpp = self.filter.false_positive_probability(self.count);
            self.sealed = true;
        }
    }
}

/// The end of the slot of `span` nanoseconds holding `at`, saturating at
/// [`Timestamp::MAX`].
pub(crate) fn slot_end(span: u64, at: Timestamp) -> Timestamp {
    let n = at.as_nanos();
    Timestamp::from_nanos((n - n % span).saturating_add(span))
}

/// Windows of one store, oldest first; the last may be open.
#[derive(Clone, Debug)]
pub(crate) struct Windows<F> {
    pub(crate) config: StoreConfig,
    pub(crate) max_windows: usize,
    pub(crate) windows: VecDeque<Window<F>>,
    pub(crate) next_seq: u64,
    pub(crate) held: Held,
    pub(crate) counters: Counters,
    /// `F::estimate` at `capacity * j / TABLE` for j in 0..=TABLE.
    fpp_table: Vec<f64>,
    /// Where new filters' memory comes from (`None`: the heap).
    pub(crate) alloc: Option<Arc<dyn FilterAllocator>>,
}

/// The running counters kept beside the windows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counters {
    pub(crate) inserted: u64,
    pub(crate) evicted: u64,
    pub(crate) late: u64,
    pub(crate) capacity_closes: u64,
}

impl<F: WindowFilter> Windows<F> {
    pub(crate) fn new(config: StoreConfig) -> Self {
        Windows {
            max_windows: config.max_windows(),
            config,
            windows: VecDeque::new(),
            next_seq: 0,
            held: Held::Nothing,
            counters: Counters::default(),
            fpp_table: F::estimates(
                &config,
                &(0..=TABLE)
                    .map(|j| (u128::from(config.capacity()) * u128::from(j) / u128::from(TABLE)) as u64)
                    .collect::<Vec<u64>>(),
            ),
            alloc: None,
        }
    }

    /// The end of the slot holding `at`; [`Timestamp::MAX`] for the last
    /// slot, which never ends by time (see [`Window::ended_by`]).
    pub(crate) fn slot_end(&self, at: Timestamp) -> Timestamp {
        slot_end(self.config.window_span_nanos(), at)
    }

    fn extend_held(&mut self, at: Timestamp) {
        self.held = match self.held {
            Held::Nothing => Held::Range(TimeRange::at(at)),
            Held::Range(h) if at > h.end => Held::Range(TimeRange {
                start: h.start,
                end: at,
            }),
            Held::From(t) if at >= t => Held::Range(TimeRange { start: t, end: at }),
            other => other,
        };
    }

    /// Make the last window open and able to take an insert at `at`; return it.
    fn route(&mut self, at: Timestamp) -> &mut Window<F> {
        let capacity = self.config.capacity();
        let mut next_slot_end = None;
        if let Some(w) = self.windows.back_mut() {
            if !w.sealed && (w.count >= capacity || w.ended_by(at)) {
                if w.count >= capacity {
                    self.counters.capacity_closes += 1;
                    if at < w.slot_end {
                        next_slot_end = Some(w.slot_end);
                    }
                }
                w.seal();
            }
        }
        if self.windows.back().is_none_or(|w| w.sealed) {
            let slot_end = next_slot_end.unwrap_or_else(|| self.slot_end(at));
            self.open(at, slot_end);
        }
        self.extend_held(at);
        // `open` or the first arm guarantees a back window.
        let w = self.windows.back_mut().expect("route leaves an open window");
        w.span = TimeRange {
            start: w.span.start.min(at),
            end: w.span.end.max(at),
        };
        w
    }

    /// Whether an insert at `at` is out of order: earlier than the start of
    /// the latest window (open or sealed).
    fn is_late(&self, at: Timestamp) -> bool {
        self.windows.back().is_some_and(|w| at < w.span.start)
    }

    fn open(&mut self, at: Timestamp, slot_end: Timestamp) {
        let mut spare = None;
        while self.windows.len() >= self.max_windows {
            match self.windows.pop_front() {
                Some(old) => {
                    self.counters.evicted += 1;
                    let after = Timestamp::from_nanos(old.span.end.as_nanos().saturating_add(1));
                    self.held = match self.held {
                        Held::Range(h) if after > h.end => Held::From(after),
                        Held::Range(h) if after > h.start => Held::Range(TimeRange {
                            start: after,
                            end: h.end,
                        }),
                        Held::From(t) => Held::From(t.max(after)),
                        other => other,
                    };
                    spare = Some(old.filter);
                }
                None => break,
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let recycled = spare.and_then(|mut f| f.recycle(&self.config, seq).then_some(f));
        let filter = recycled.unwrap_or_else(|| F::create(&self.config, seq, self.alloc.as_deref()));
        self.windows.push_back(Window {
            seq,
            span: TimeRange::at(at),
            slot_end,
            count: 0,
            sealed: false,
            sealed_fpp: 0.0,
            filter,
        });
    }

    pub(crate) fn insert(&mut self, d: &Digest, at: Timestamp) {
        if self.is_late(at) {
            self.counters.late += 1;
        }
        let w = self.route(at);
        w.filter.insert(d);
        w.count += 1;
        self.counters.inserted += 1;
    }

    pub(crate) fn insert_batch(&mut self, mut ds: &[Digest], at: Timestamp) {
        let capacity = self.config.capacity();
        if self.is_late(at) {
            self.counters.late += ds.len() as u64;
        }
        while !ds.is_empty() {
            let w = self.route(at);
            let room = usize::try_from(capacity - w.count).unwrap_or(usize::MAX);
            let (now, rest) = ds.split_at(room.min(ds.len()));
            w.filter.insert_batch(now);
            w.count += now.len() as u64;
            self.counters.inserted += now.len() as u64;
            ds = rest;
        }
    }

    pub(crate) fn advance(&mut self, now: Timestamp) {
        if let Some(w) = self.windows.back_mut() {
            if w.ended_by(now) {
                w.seal();
            }
        }
        if self.held != Held::Nothing {
            self.extend_held(now);
        }
    }

    pub(crate) fn query(&self, d: &Digest, range: TimeRange) -> QueryAnswer {
        // The fields are public: a reversed range means the same interval.
        let range = TimeRange::new(range.start, range.end);
        let matches = self
            .windows
            .iter()
            .filter(|w| w.span.overlaps(&range) && w.filter.contains(d))
            .map(|w| WindowMatch {
                span: w.span,
                false_positive_probability: w.fpp(&self.fpp_table, self.config.capacity()),
            })
            .collect();
        QueryAnswer {
            matches,
            coverage: self.coverage(range),
        }
    }

    pub(crate) fn coverage(&self, range: TimeRange) -> Coverage {
        let range = TimeRange::new(range.start, range.end);
        match self.held {
            Held::Range(h) if h.start <= range.start && range.end <= h.end => Coverage::Full,
            Held::Range(h) if h.overlaps(&range) => Coverage::Partial,
            _ => Coverage::None,
        }
    }

    pub(crate) fn stats(&self) -> StoreStats {
        StoreStats {
            inserted: self.counters.inserted,
            windows: self.windows.len(),
            windows_evicted: self.counters.evicted,
            memory_bytes: self.windows.iter().map(|w| w.filter.memory_bytes()).sum(),
            late_inserts: self.counters.late,
            capacity_closes: self.counters.capacity_closes,
        }
    }

    pub(crate) fn infos(&self) -> Vec<WindowInfo> {
        self.windows
            .iter()
            .map(|w| WindowInfo {
                span: w.span,
                count: w.count,
                sealed: w.sealed,
                false_positive_probability: w.fpp(&self.fpp_table, self.config.capacity()),
            })
            .collect()
    }
}
