//! The driver's clock: the only place the OS time enters the core's logic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use traceback_core::Timestamp;

/// The current wall-clock time as a core [`Timestamp`].
pub fn now() -> Timestamp {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    Timestamp::from_nanos(u64::try_from(since.as_nanos()).unwrap_or(u64::MAX))
}

/// How long from now until `at` (zero if `at` has passed).
pub fn until(at: Timestamp) -> Duration {
    at.saturating_duration_since(now())
}
