//! RFC 3339 times (and Suricata's `+0000` offsets) to [`Timestamp`], without a date library.

use traceback_core::time::days_from_civil;
use traceback_core::Timestamp;

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parse `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|+HHMM|-...)`; `T` may be a
/// space. Returns `None` for anything else or for times before 1970.
pub fn parse_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.len() < 20 || !s.is_ascii() {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let sep = rest.as_bytes()[0];
    if sep != b'T' && sep != b't' && sep != b' ' {
        return None;
    }
    let rest = &rest[1..];
    let mut dp = date.split('-');
    let (y, mo, d) = (num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?);
    if dp.next().is_some() || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    if rest.len() < 8 {
        return None;
    }
    let (clock, mut tail) = rest.split_at(8);
    let mut cp = clock.split(':');
    let (h, mi, sec) = (num(cp.next()?)?, num(cp.next()?)?, num(cp.next()?)?);
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut nanos: u64 = 0;
    if let Some(frac) = tail.strip_prefix('.') {
        let end = frac.find(|c: char| !c.is_ascii_digit()).unwrap_or(frac.len());
        let digits = &frac[..end];
        if digits.is_empty() {
            return None;
        }
        for (i, c) in digits.bytes().take(9).enumerate() {
            nanos += u64::from(c - b'0') * 10u64.pow(8 - i as u32);
        }
        tail = &frac[end..];
    }
    let offset_secs: i64 = match tail {
        "Z" | "z" => 0,
        _ => {
            let sign = match tail.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let o = tail[1..].replace(':', "");
            if o.len() != 4 {
                return None;
            }
            let (oh, om) = (num(&o[..2])?, num(&o[2..])?);
            if oh > 23 || om > 59 {
                return None;
            }
            sign * i64::from(oh * 3600 + om * 60)
        }
    };
    let days = days_from_civil(i64::from(y), mo, d);
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + sec) - offset_secs;
    let secs = u64::try_from(secs).ok()?;
    Some(Timestamp::from_secs_nanos(secs, nanos as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_and_suricata_offsets() {
        let t = Timestamp::from_secs_nanos(1_619_605_821, 99_510_000);
        assert_eq!(parse_time("2021-04-28T10:30:21.099510+0000"), Some(t));
        assert_eq!(parse_time("2021-04-28T10:30:21.09951Z"), Some(t));
        assert_eq!(parse_time("2021-04-28T12:30:21.099510+02:00"), Some(t));
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(Timestamp::EPOCH));
        assert_eq!(
            parse_time("2000-03-01 00:00:00Z"),
            Some(Timestamp::from_secs(951_868_800))
        );
        for bad in [
            "",
            "2021-04-28",
            "2021-13-28T10:30:21Z",
            "2021-04-28T25:30:21Z",
            "2021-04-28T10:30:21",
            "2021-04-28T10:30:21.Z",
            "1969-12-31T23:59:59Z",
            "2021-04-28T10:30:21+1",
            "２０２１-04-28T10:30:21Z",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
