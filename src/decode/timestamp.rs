//! Publish times: unix seconds or milliseconds, RFC 3339, `YYYY-MM-DD HH:MM:SS` in Beijing
//! time, or Weibo's `Sat Nov 28 10:00:00 +0800 2026`.
//!
//! chrono's format-string parser interprets its format on every call; the two shapes feeds
//! send most (Weibo's, and Beijing local time) are read here by fixed position instead. Any
//! string those readers do not take, valid or not, goes to chrono as before, so the result is
//! always chrono's.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

use super::paths::Field;

/// Beijing time: what feeds that omit the zone mean.
const BEIJING_OFFSET_SECS: i32 = 8 * 3600;

/// The publish time a field holds; `None` when it holds none readable.
pub fn timestamp(field: &Field) -> Option<DateTime<Utc>> {
    let n = match *field {
        Field::U64(n) => i64::try_from(n).ok()?,
        Field::I64(n) => n,
        Field::Str(ref s) => return parse(s),
        _ => return None,
    };
    // Milliseconds since 1970 pass 10^12 in 2001; seconds will not until year 33658.
    let millis = if n.abs() >= 1_000_000_000_000 {
        n
    } else {
        n.checked_mul(1000)?
    };
    DateTime::from_timestamp_millis(millis)
}

/// A publish time sent as text.
fn parse(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    weibo(s.as_bytes())
        .or_else(|| beijing_local(s.as_bytes()))
        .or_else(|| parse_with_chrono(s))
}

/// Every shape, by chrono alone: the reference the fast readers must agree with.
fn parse_with_chrono(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%a %b %d %H:%M:%S %z %Y") {
        return Some(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    in_zone(BEIJING_OFFSET_SECS, naive)
}

/// `Sat Nov 28 10:00:00 +0800 2026` exactly as Weibo writes it (names capitalized, day of
/// two digits, offset without colon). Neither RFC 3339 nor the Beijing shapes can read it,
/// so chrono would have read it with `%a %b %d %H:%M:%S %z %Y`.
fn weibo(s: &[u8]) -> Option<DateTime<Utc>> {
    const WEEKDAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let s: &[u8; 30] = s.try_into().ok()?;
    if [s[3], s[7], s[10], s[19], s[25]] != [b' '; 5] {
        return None;
    }
    let weekday = WEEKDAYS.iter().position(|name| **name == s[0..3])?;
    let month = MONTHS.iter().position(|name| **name == s[4..7])? + 1;
    let date =
        NaiveDate::from_ymd_opt(digits(&s[26..30])? as i32, month as u32, digits(&s[8..10])?)?;
    // chrono refuses a weekday that does not match the date.
    if date.weekday() != Weekday::try_from(weekday as u8).ok()? {
        return None;
    }
    let naive = date.and_time(time(&s[11..19])?);
    let sign = match s[20] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = (digits(&s[21..23])?, digits(&s[23..25])?);
    if hours > 23 || minutes > 59 {
        return None;
    }
    in_zone(sign * (hours * 3600 + minutes * 60) as i32, naive)
}

/// `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS`, Beijing time. With no offset RFC 3339
/// cannot read it, and it starts with no weekday name, so chrono would have read it with
/// `%Y-%m-%d %H:%M:%S` or `%Y-%m-%dT%H:%M:%S`.
fn beijing_local(s: &[u8]) -> Option<DateTime<Utc>> {
    let s: &[u8; 19] = s.try_into().ok()?;
    if s[4] != b'-' || s[7] != b'-' || !matches!(s[10], b' ' | b'T') {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        digits(&s[0..4])? as i32,
        digits(&s[5..7])?,
        digits(&s[8..10])?,
    )?;
    in_zone(BEIJING_OFFSET_SECS, date.and_time(time(&s[11..19])?))
}

/// `HH:MM:SS`. A leap second (`:60`) is left to chrono.
fn time(s: &[u8]) -> Option<chrono::NaiveTime> {
    if s[2] != b':' || s[5] != b':' {
        return None;
    }
    let (h, m, sec) = (digits(&s[0..2])?, digits(&s[3..5])?, digits(&s[6..8])?);
    if sec > 59 {
        return None;
    }
    chrono::NaiveTime::from_hms_opt(h, m, sec)
}

/// The value of a run of ASCII digits.
fn digits(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// A local time at a fixed offset east of UTC, as chrono resolves one.
fn in_zone(offset_secs: i32, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    Some(
        FixedOffset::east_opt(offset_secs)?
            .from_local_datetime(&local)
            .single()?
            .with_timezone(&Utc),
    )
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn timestamps_in_every_supported_shape_agree() {
        let expected = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap();
        for field in [
            Field::U64(expected.timestamp() as u64),
            Field::U64(expected.timestamp_millis() as u64),
            Field::Str("2026-11-28T02:00:00Z".into()),
            Field::Str("2026-11-28 10:00:00".into()),
            Field::Str("2026-11-28T10:00:00".into()),
            Field::Str(" Sat Nov 28 10:00:00 +0800 2026\n".into()),
            Field::Str("Sat Nov 28 10:00:00 +0800 2026".into()),
            Field::Str("sat nov 28 10:00:00 +08:00 2026".into()),
        ] {
            assert_eq!(
                timestamp(&field),
                Some(expected.with_timezone(&Utc)),
                "{field:?}"
            );
        }
        assert_eq!(timestamp(&Field::Str(Cow::Borrowed("yesterday"))), None);
        assert_eq!(timestamp(&Field::I64(-1)), DateTime::from_timestamp(-1, 0));
        assert_eq!(timestamp(&Field::F64(1.5)), None);
        assert_eq!(timestamp(&Field::U64(u64::MAX)), None);
        assert_eq!(timestamp(&Field::Bool(true)), None);
    }

    /// A small deterministic generator (xorshift), so the test needs no seed handling.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    fn generated_timestamps() -> Vec<String> {
        const DAYS: [&str; 8] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Sat"];
        const MONTHS: [&str; 13] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            "Foo",
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut out: Vec<String> = [
            // Leap days, real and not.
            "Thu Feb 29 12:00:00 +0800 2024",
            "Tue Feb 29 12:00:00 +0800 2000",
            "Thu Feb 29 12:00:00 +0800 1900",
            "Sun Feb 29 12:00:00 +0800 2026",
            "2024-02-29 12:00:00",
            "2026-02-29 12:00:00",
            "2000-02-29T00:00:00",
            // The end of a year, on both sides of UTC.
            "Thu Dec 31 23:59:59 -0500 2026",
            "Fri Jan 01 00:00:00 +0800 2027",
            "Fri Jan 01 07:59:59 +0800 2027",
            "Thu Dec 31 23:59:59 -1130 2026",
            "Thu Dec 31 23:59:59 +2359 2026",
            "Thu Dec 31 23:59:59 +2400 2026",
            "Thu Dec 31 23:59:59 +0860 2026",
            "Thu Dec 31 23:59:59 -0000 2026",
            "2026-12-31 23:59:59",
            "2027-01-01 07:59:59",
            "0000-01-01 00:00:00",
            "9999-12-31 23:59:59",
            // Out of range or malformed.
            "Thu Dec 31 24:00:00 +0800 2026",
            "Thu Dec 31 23:60:00 +0800 2026",
            "Thu Dec 31 23:59:60 +0800 2026",
            "Wed Dec 31 23:59:59 +0800 2026",
            "Thu Dec 32 23:59:59 +0800 2026",
            "Thu Dez 31 23:59:59 +0800 2026",
            "Thu Dec 31 23:59:59 *0800 2026",
            "Thu Dec 31 23:59:59 +08:00 2026",
            "Thu Dec  1 23:59:59 +0800 2026",
            "Thu Dec 31 23:59:59 +0800 02026",
            "THU DEC 31 23:59:59 +0800 2026",
            "2026-13-01 00:00:00",
            "2026-00-10 00:00:00",
            "2026-04-31 00:00:00",
            "2026-12-31 24:00:00",
            "2026-12-31 23:59:60",
            "2026-12-31 23:59:5x",
            "2026-12-31 23:59",
            "2026-12-31  23:59:59",
            "2026/12/31 23:59:59",
            "2026-12-31X23:59:59",
            "+2026-12-3 23:59:59",
            "2026-12-31T23:59:59+08:00",
            "2026-12-31 23:59:59Z",
            "",
            "Sat",
        ]
        .map(String::from)
        .into();
        for _ in 0..300 {
            let year = [1900, 1999, 2000, 2024, 2026, 2100, 1970][rng.below(7) as usize]
                + rng.below(3) as i32;
            let (month, day) = (rng.below(14) as u32, rng.below(33) as u32);
            let (h, m, s) = (rng.below(25), rng.below(61), rng.below(61));
            let weekday = match NaiveDate::from_ymd_opt(year, month, day) {
                Some(date) if rng.below(4) != 0 => date.weekday().num_days_from_monday() as usize,
                _ => rng.below(8) as usize,
            };
            let sign = if rng.below(2) == 0 { '+' } else { '-' };
            let (oh, om) = (rng.below(25), [0, 30, 45, 59, 60][rng.below(5) as usize]);
            let month_name = MONTHS[(month as usize).saturating_sub(1).min(12)];
            out.push(format!(
                "{} {month_name} {day:02} {h:02}:{m:02}:{s:02} {sign}{oh:02}{om:02} {year:04}",
                DAYS[weekday]
            ));
            out.push(format!(
                "{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02}"
            ));
            out.push(format!(
                "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}"
            ));
            // One byte changed at random.
            let mut broken = out[out.len() - 3 + rng.below(3) as usize]
                .clone()
                .into_bytes();
            let at = rng.below(broken.len() as u64) as usize;
            broken[at] = b"0a :-+Z9"[rng.below(8) as usize];
            out.push(String::from_utf8(broken).unwrap());
        }
        out
    }

    #[test]
    fn the_hand_readers_agree_with_chrono() {
        let (mut read_by_hand, mut valid) = (0, 0);
        for s in generated_timestamps() {
            // As `timestamp` has always done: trimmed first.
            let by_chrono = parse_with_chrono(s.trim());
            assert_eq!(parse(&s), by_chrono, "{s:?}");
            let trimmed = s.trim().as_bytes();
            let by_hand = weibo(trimmed).or_else(|| beijing_local(trimmed));
            if by_hand.is_some() {
                assert_eq!(by_hand, by_chrono, "{s:?}");
                read_by_hand += 1;
            }
            valid += usize::from(by_chrono.is_some());
        }
        // Most valid times take the fast path (the rest: leap seconds, and shapes only
        // chrono's lenient parser reads), or the test would prove little.
        assert!(
            read_by_hand > 300 && read_by_hand * 10 >= valid * 9,
            "{read_by_hand} of {valid} valid read by hand"
        );
    }
}
