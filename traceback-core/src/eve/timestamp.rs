//! RFC 3339-like timestamps as Suricata writes them, without a date crate.

use crate::time::Timestamp;

/// Parse `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HHMM|-HHMM|+HH:MM|-HH:MM)`
/// (Suricata writes `2021-04-28T10:30:21.099510+0000`) to a [`Timestamp`].
/// Fractions beyond nanoseconds are cut. `None` for anything else or for a
/// time before 1970.
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = num(&b[0..4])? as i64;
    let month = num(&b[5..7])?;
    let day = num(&b[8..10])?;
    let (hour, min, sec) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || min > 59
        || sec > 60
    {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos: u64 = 0;
    if rest.first() == Some(&b'.') {
        let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        for (i, c) in rest[1..=digits].iter().enumerate() {
            if i < 9 {
                nanos = nanos * 10 + u64::from(c - b'0');
            }
        }
        for _ in digits..9 {
            nanos *= 10;
        }
        rest = &rest[1 + digits..];
    }
    let offset_secs: i64 = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, m @ ..] => {
            let m = match m {
                [b':', a, b] | [a, b] => [*a, *b],
                _ => return None,
            };
            let (h, mm) = (num(&[*h1, *h2])?, num(&m)?);
            if h > 23 || mm > 59 {
                return None;
            }
            let off = i64::from(h * 3600 + mm * 60);
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let days = crate::time::days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + min * 60 + sec) - offset_secs;
    let secs = u64::try_from(secs).ok()?;
    Some(Timestamp::from_nanos(
        secs.checked_mul(1_000_000_000)?.checked_add(nanos)?,
    ))
}

fn num(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
