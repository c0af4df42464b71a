//! The validated configuration shared by every windowed store.

use super::geometry::{BitLayout, BloomGeometry};
use core::time::Duration;
use serde::{Deserialize, Deserializer, Serialize};

/// Replaced by the computed geometry in `validate`.
const PLACEHOLDER: BloomGeometry = BloomGeometry {
    blocks: 1,
    hashes: 1,
    layout: BitLayout::Distinct,
};

/// Largest filter one window may need (16 GiB, about 8.8 billion digests
/// at 0.1 %): a configuration that would allocate more at its first insert
/// is refused up front. Longer windows are better cut shorter.
pub const MAX_WINDOW_BYTES: u64 = 16 << 30;

/// A configuration value out of range.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The window span is zero.
    #[error("window span must be at least 1 ns")]
    ZeroSpan,
    /// The design capacity is zero or above 2^40.
    #[error("design capacity per window must be in 1..=2^40, got {0}")]
    Capacity(u64),
    /// The target false-positive rate is outside [1e-9, 0.5].
    #[error("target false-positive rate must be in [1e-9, 0.5], got {0}")]
    TargetFpp(f64),
    /// One window's filter would exceed [`MAX_WINDOW_BYTES`].
    #[error("one window's filter would take {window} bytes, more than the {max}-byte limit: lower the capacity or raise the target rate")]
    WindowTooLarge {
        /// The size one window's filter would have.
        window: u64,
        /// [`MAX_WINDOW_BYTES`].
        max: u64,
    },
    /// The memory budget cannot hold a single window.
    #[error("memory budget of {budget} bytes cannot hold one window of {window} bytes")]
    Budget {
        /// The configured budget.
        budget: usize,
        /// The size of one window's filter.
        window: usize,
    },
}

/// How a windowed store cuts time and sizes its filters.
///
/// Built with [`StoreConfig::builder`]; every instance is valid. Serialized
/// as `{window_span_nanos, capacity, target_fpp, memory_budget_bytes, seed}`
/// and validated again on deserialization.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StoreConfig {
    window_span_nanos: u64,
    capacity: u64,
    target_fpp: f64,
    memory_budget_bytes: usize,
    seed: u64,
    /// Derived from capacity and target at validation (sizing is a numeric search).
    #[serde(skip)]
    geometry: BloomGeometry,
}

impl StoreConfig {
    /// A builder with the defaults: 1 s windows, 1 000 000 digests per window,
    /// 0.1 % false positives, 256 MiB of filters, seed 0.
    pub fn builder() -> StoreConfigBuilder {
        StoreConfigBuilder {
            inner: StoreConfig {
                window_span_nanos: 1_000_000_000,
                capacity: 1_000_000,
                target_fpp: 0.001,
                memory_budget_bytes: 256 << 20,
                seed: 0,
                geometry: PLACEHOLDER,
            },
        }
    }

    /// The nominal span of one window.
    pub fn window_span(&self) -> Duration {
        Duration::from_nanos(self.window_span_nanos)
    }

    /// The nominal span in nanoseconds.
    pub fn window_span_nanos(&self) -> u64 {
        self.window_span_nanos
    }

    /// Digests a window takes before it closes early.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// The false-positive rate a full window stays below.
    pub fn target_fpp(&self) -> f64 {
        self.target_fpp
    }

    /// Filter memory the store may hold (Bloom sizing; see [`StoreConfig::max_windows`]).
    pub fn memory_budget_bytes(&self) -> usize {
        self.memory_budget_bytes
    }

    /// Seed from which every window's re-mixing key is derived.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The blocked-Bloom geometry of one window.
    /// (Computed once when the configuration is validated.)
    pub fn geometry(&self) -> BloomGeometry {
        self.geometry
    }

    /// How many windows the budget retains: `budget / blocked-Bloom window bytes`.
    ///
    /// Every store (exact, blocked Bloom, probabilistic-collections) keeps this
    /// many windows, so their answers cover the same time and stay comparable.
    pub fn max_windows(&self) -> usize {
        (self.memory_budget_bytes / self.geometry().bytes()).max(1)
    }

    fn validate(mut self) -> Result<Self, ConfigError> {
        if self.window_span_nanos == 0 {
            return Err(ConfigError::ZeroSpan);
        }
        if self.capacity == 0 || self.capacity > 1 << 40 {
            return Err(ConfigError::Capacity(self.capacity));
        }
        if !(1e-9..=0.5).contains(&self.target_fpp) {
            return Err(ConfigError::TargetFpp(self.target_fpp));
        }
        self.geometry = BloomGeometry::for_target(self.capacity, self.target_fpp)
            .ok_or(ConfigError::Capacity(self.capacity))?;
        let window = self.geometry.bytes();
        if window as u64 > MAX_WINDOW_BYTES {
            return Err(ConfigError::WindowTooLarge {
                window: window as u64,
                max: MAX_WINDOW_BYTES,
            });
        }
        if self.memory_budget_bytes < window {
            return Err(ConfigError::Budget {
                budget: self.memory_budget_bytes,
                window,
            });
        }
        Ok(self)
    }
}

/// Builds a [`StoreConfig`], checking every value in [`StoreConfigBuilder::build`].
#[derive(Clone, Debug)]
pub struct StoreConfigBuilder {
    inner: StoreConfig,
}

impl StoreConfigBuilder {
    /// Nominal window span (windows are aligned to multiples of it since the epoch).
    pub fn window_span(mut self, span: Duration) -> Self {
        self.inner.window_span_nanos = u64::try_from(span.as_nanos()).unwrap_or(u64::MAX);
        self
    }

    /// Design capacity: digests per window before it closes early.
    pub fn capacity(mut self, n: u64) -> Self {
        self.inner.capacity = n;
        self
    }

    /// Target false-positive rate of a full window.
    pub fn target_fpp(mut self, p: f64) -> Self {
        self.inner.target_fpp = p;
        self
    }

    /// Memory budget for retained windows; the oldest are evicted first.
    pub fn memory_budget_bytes(mut self, bytes: usize) -> Self {
        self.inner.memory_budget_bytes = bytes;
        self
    }

    /// Seed for the per-window re-mixing keys.
    pub fn seed(mut self, seed: u64) -> Self {
        self.inner.seed = seed;
        self
    }

    /// Check the values.
    pub fn build(self) -> Result<StoreConfig, ConfigError> {
        self.inner.validate()
    }
}

impl<'de> Deserialize<'de> for StoreConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Spec {
            window_span_nanos: u64,
            capacity: u64,
            target_fpp: f64,
            memory_budget_bytes: usize,
            #[serde(default)]
            seed: u64,
        }
        let s = Spec::deserialize(d)?;
        StoreConfig {
            window_span_nanos: s.window_span_nanos,
            capacity: s.capacity,
            target_fpp: s.target_fpp,
            memory_budget_bytes: s.memory_budget_bytes,
            seed: s.seed,
            geometry: PLACEHOLDER,
        }
        .validate()
        .map_err(serde::de::Error::custom)
    }
}

pub(crate) fn from_parts(
    window_span_nanos: u64,
    capacity: u64,
    target_fpp: f64,
    memory_budget_bytes: usize,
    seed: u64,
) -> Result<StoreConfig, ConfigError> {
    StoreConfig {
        window_span_nanos,
        capacity,
        target_fpp,
        memory_budget_bytes,
        seed,
        geometry: PLACEHOLDER,
    }
    .validate()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_validates_and_serde_round_trips() {
        let c = StoreConfig::builder().capacity(1000).build().unwrap();
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<StoreConfig>(&j).unwrap(), c);
        let bad = j.replace("\"capacity\":1000", "\"capacity\":0");
        assert!(serde_json::from_str::<StoreConfig>(&bad).is_err());
        assert_eq!(
            StoreConfig::builder().target_fpp(0.9).build(),
            Err(ConfigError::TargetFpp(0.9))
        );
        assert!(matches!(
            StoreConfig::builder().memory_budget_bytes(10).build(),
            Err(ConfigError::Budget { .. })
        ));
        assert_eq!(
            StoreConfig::builder().window_span(Duration::ZERO).build(),
            Err(ConfigError::ZeroSpan)
        );
        // 2^40 digests at 0.1 % would need 2.1 TB per window.
        assert!(matches!(
            StoreConfig::builder()
                .capacity(1 << 40)
                .memory_budget_bytes(usize::MAX)
                .build(),
            Err(ConfigError::WindowTooLarge { window, max: MAX_WINDOW_BYTES }) if window > 2_000_000_000_000
        ));
        // The largest capacity under the limit is accepted.
        assert!(StoreConfig::builder()
            .capacity(8_000_000_000)
            .memory_budget_bytes(usize::MAX)
            .build()
            .is_ok());
    }
}
