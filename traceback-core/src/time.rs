//! Time as a value: the core never reads a clock.
//!
//! Every function that needs "now" takes a [`Timestamp`] argument, so a
//! simulation or a test replays exactly. [`Timestamp`] counts nanoseconds
//! since the Unix epoch (UTC), which is what capture files and IDS alerts
//! carry; [`TimeRange`] is a closed interval of them.

use core::fmt;
use core::time::Duration;
use serde::{Deserialize, Serialize};

/// A point in time: nanoseconds since 1970-01-01T00:00:00Z.
///
/// The core never creates one from a clock; capture records, IDS alerts and
/// the network driver do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp(0);
    /// The largest representable time (year 2554).
    pub const MAX: Timestamp = Timestamp(u64::MAX);

    /// From nanoseconds since the epoch.
    pub const fn from_nanos(nanos: u64) -> Self {
        Timestamp(nanos)
    }

    /// From whole seconds and a nanosecond fraction (saturating).
    pub const fn from_secs_nanos(secs: u64, nanos: u32) -> Self {
        Timestamp(secs.saturating_mul(1_000_000_000).saturating_add(nanos as u64))
    }

    /// From whole seconds since the epoch (saturating).
    pub const fn from_secs(secs: u64) -> Self {
        Timestamp(secs.saturating_mul(1_000_000_000))
    }

    /// From milliseconds since the epoch (saturating).
    pub const fn from_millis(millis: u64) -> Self {
        Timestamp(millis.saturating_mul(1_000_000))
    }

    /// Nanoseconds since the epoch.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Whole seconds since the epoch.
    pub const fn as_secs(self) -> u64 {
        self.0 / 1_000_000_000
    }

    /// Seconds since the epoch as a float (for display and JSON).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// `self + d`, saturating at [`Timestamp::MAX`].
    pub fn saturating_add(self, d: Duration) -> Self {
        Timestamp(self.0.saturating_add(duration_nanos(d)))
    }

    /// `self - d`, saturating at the epoch.
    pub fn saturating_sub(self, d: Duration) -> Self {
        Timestamp(self.0.saturating_sub(duration_nanos(d)))
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Timestamp) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    /// The closed interval `[self - before, self + after]`.
    pub fn around(self, before: Duration, after: Duration) -> TimeRange {
        TimeRange::new(self.saturating_sub(before), self.saturating_add(after))
    }
}

fn duration_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}", self.0 / 1_000_000_000, self.0 % 1_000_000_000)
    }
}

/// A closed time interval `[start, end]`.
///
/// Constructed with `start <= end` (the constructor swaps reversed bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeRange {
    /// First instant in the interval.
    pub start: Timestamp,
    /// Last instant in the interval.
    pub end: Timestamp,
}

impl TimeRange {
    /// The interval between two instants, in either order.
    pub fn new(a: Timestamp, b: Timestamp) -> Self {
        if a <= b {
            TimeRange { start: a, end: b }
        } else {
            TimeRange { start: b, end: a }
        }
    }

    /// The interval holding one instant.
    pub fn at(t: Timestamp) -> Self {
        TimeRange { start: t, end: t }
    }

    /// Whether `t` lies in the interval.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t <= self.end
    }

    /// Whether two intervals share at least one instant.
    pub fn overlaps(&self, other: &TimeRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// The interval widened by `d` on both sides (clock-skew tolerance).
    pub fn widen(&self, d: Duration) -> Self {
        TimeRange {
            start: self.start.saturating_sub(d),
            end: self.end.saturating_add(d),
        }
    }

    /// Length of the interval.
    pub fn duration(&self) -> Duration {
        self.end.saturating_duration_since(self.start)
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {}]", self.start, self.end)
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`): the one calendar conversion the SDK's timestamp
/// parsers share.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let t = Timestamp::from_secs_nanos(10, 5);
        assert_eq!(t.as_nanos(), 10_000_000_005);
        assert_eq!(
            Timestamp::EPOCH.saturating_sub(Duration::from_secs(1)),
            Timestamp::EPOCH
        );
        assert_eq!(
            Timestamp::MAX.saturating_add(Duration::from_secs(1)),
            Timestamp::MAX
        );
        assert_eq!(t.to_string(), "10.000000005");
    }

    #[test]
    fn ranges() {
        let a = Timestamp::from_secs(5);
        let b = Timestamp::from_secs(9);
        let r = TimeRange::new(b, a);
        assert_eq!(r.start, a);
        assert!(r.contains(Timestamp::from_secs(7)));
        assert!(!r.contains(Timestamp::from_secs(10)));
        assert!(r.overlaps(&TimeRange::new(Timestamp::from_secs(9), Timestamp::from_secs(20))));
        assert!(!r.overlaps(&TimeRange::at(Timestamp::from_secs(4))));
        assert_eq!(r.widen(Duration::from_secs(1)).duration(), Duration::from_secs(6));
    }
}
