//! Suricata's timestamp text from a [`Timestamp`], without a date crate.

use crate::time::Timestamp;
use std::fmt::Write as _;

/// Format as Suricata does: `2021-04-28T10:30:21.099510+0000` (UTC,
/// microseconds, the nanoseconds below them cut, never rounded up).
///
/// ```
/// use traceback_core::eve::format_timestamp;
/// use traceback_core::Timestamp;
/// let ts = Timestamp::from_nanos(1_619_605_821_099_510_999);
/// assert_eq!(format_timestamp(ts), "2021-04-28T10:30:21.099510+0000");
/// ```
pub fn format_timestamp(ts: Timestamp) -> String {
    let secs = ts.as_secs();
    let micros = (ts.as_nanos() % 1_000_000_000) / 1_000;
    let (y, m, d) = civil_from_days(secs / 86_400);
    let rem = secs % 86_400;
    let mut s = String::with_capacity(31);
    // Writing into a String cannot fail.
    let _ = write!(
        s,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}+0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    s
}

/// Year, month, day of the `days`-th day after 1970-01-01 (H. Hinnant's
/// `civil_from_days`, restricted to non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(
            format_timestamp(Timestamp::EPOCH),
            "1970-01-01T00:00:00.000000+0000"
        );
        // 2000-02-29 (leap day of a century leap year) 23:59:59.999999999
        let ts = Timestamp::from_secs_nanos(951_868_799, 999_999_999);
        assert_eq!(format_timestamp(ts), "2000-02-29T23:59:59.999999+0000");
        assert_eq!(
            format_timestamp(Timestamp::from_secs(4_102_444_800)),
            "2100-01-01T00:00:00.000000+0000"
        );
        assert_eq!(
            format_timestamp(Timestamp::MAX),
            "2554-07-21T23:34:33.709551+0000"
        );
    }
}
