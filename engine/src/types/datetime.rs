//! ISO 8601 parsing exactly as Elixir's `Calendar.ISO` does it
//! (`Date.from_iso8601/1`, `Time.from_iso8601/1`,
//! `NaiveDateTime.from_iso8601/1`, `DateTime.from_iso8601/1`), plus the
//! microsecond truncation and padding Ecto applies per type.

use crate::value::{Date, DateTime, NaiveDateTime, Time};

fn two(b: &[u8]) -> Option<u32> {
    if b.len() == 2 && b.iter().all(u8::is_ascii_digit) {
        Some(((b[0] - b'0') as u32) * 10 + (b[1] - b'0') as u32)
    } else {
        None
    }
}

fn four(b: &[u8]) -> Option<i32> {
    if b.len() == 4 && b.iter().all(u8::is_ascii_digit) {
        Some(b.iter().fold(0i32, |acc, d| acc * 10 + (d - b'0') as i32))
    } else {
        None
    }
}

/// `YYYY-MM-DD` at the start of `b`, with an optional leading `-` for
/// negative years; returns the date and the rest.
fn parse_date_prefix(b: &[u8]) -> Option<(Date, &[u8])> {
    let (sign, b) = match b.first() {
        Some(b'-') => (-1, &b[1..]),
        Some(b'+') => (1, &b[1..]),
        _ => (1, b),
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = four(&b[0..4])?;
    let m = two(&b[5..7])?;
    let d = two(&b[8..10])?;
    let date = Date::new(sign * y, u8::try_from(m).ok()?, u8::try_from(d).ok()?)?;
    Some((date, &b[10..]))
}

/// `Date.from_iso8601/1`.
pub fn parse_date(s: &str) -> Option<Date> {
    match parse_date_prefix(s.as_bytes())? {
        (d, []) => Some(d),
        _ => None,
    }
}

/// `.ffffff` or `,ffffff`: microseconds and precision (digits beyond six are
/// dropped, precision stays 6). No fraction gives `(0, 0)`.
fn parse_fraction(b: &[u8]) -> Option<((u32, u8), &[u8])> {
    match b.first() {
        Some(b'.') | Some(b',') => {
            let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            let kept = digits.min(6);
            let mut v: u32 = 0;
            for c in &b[1..1 + kept] {
                v = v * 10 + (c - b'0') as u32;
            }
            for _ in kept..6 {
                v *= 10;
            }
            Some(((v, kept as u8), &b[1 + digits..]))
        }
        _ => Some(((0, 0), b)),
    }
}

/// An offset suffix: `""` (none), `Z`, `±HH:MM`, `±HHMM` or `±HH`.
/// Returns `Some(None)` for no offset, `Some(Some(seconds))` otherwise.
fn parse_offset(b: &[u8]) -> Option<Option<i64>> {
    match b {
        [] => Some(None),
        [b'Z'] => Some(Some(0)),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [h1, h2, b':', m1, m2] => (two(&[*h1, *h2])?, two(&[*m1, *m2])?),
                [h1, h2, m1, m2] => (two(&[*h1, *h2])?, two(&[*m1, *m2])?),
                [h1, h2] => (two(&[*h1, *h2])?, 0),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let secs = (h * 3600 + m * 60) as i64;
            if b == b"-00:00" {
                // "-00:00" means "unknown local offset" and is rejected.
                return None;
            }
            Some(Some(if *sign == b'-' { -secs } else { secs }))
        }
        _ => None,
    }
}

/// `HH:MM:SS[.f]` at the start of `b`.
fn parse_time_prefix(b: &[u8]) -> Option<(Time, &[u8])> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let h = two(&b[0..2])?;
    let m = two(&b[3..5])?;
    let s = two(&b[6..8])?;
    let ((micro, precision), rest) = parse_fraction(&b[8..])?;
    let t = Time::new(u8::try_from(h).ok()?, u8::try_from(m).ok()?, u8::try_from(s).ok()?, micro, precision)?;
    Some((t, rest))
}

/// `Time.from_iso8601/1` (an optional leading `T`; an offset is accepted
/// and ignored).
pub fn parse_time(s: &str) -> Option<Time> {
    let b = s.as_bytes();
    let b = b.strip_prefix(b"T").unwrap_or(b);
    let (t, rest) = parse_time_prefix(b)?;
    parse_offset(rest)?;
    Some(t)
}

/// Date, separator (space or `T`), time and fraction; returns the rest.
fn parse_naive_prefix(s: &str) -> Option<(NaiveDateTime, &[u8])> {
    let (date, rest) = parse_date_prefix(s.as_bytes())?;
    let rest = match rest.first() {
        Some(b' ') | Some(b'T') => &rest[1..],
        _ => return None,
    };
    let (time, rest) = parse_time_prefix(rest)?;
    Some((NaiveDateTime { date, time }, rest))
}

/// `NaiveDateTime.from_iso8601/1` (an offset is accepted and ignored).
pub fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    let (n, rest) = parse_naive_prefix(s)?;
    parse_offset(rest)?;
    Some(n)
}

/// Result of `DateTime.from_iso8601/1`.
#[derive(Debug, PartialEq)]
pub enum DateTimeParse {
    Ok(DateTime),
    MissingOffset,
    Invalid,
}

/// `DateTime.from_iso8601/1`, shifted to UTC.
pub fn parse_datetime(s: &str) -> DateTimeParse {
    let Some((n, rest)) = parse_naive_prefix(s) else {
        return DateTimeParse::Invalid;
    };
    match parse_offset(rest) {
        None => DateTimeParse::Invalid,
        Some(None) => DateTimeParse::MissingOffset,
        Some(Some(offset)) => DateTimeParse::Ok(DateTime { naive: shift(n, -offset) }),
    }
}

/// Adds seconds to a naive datetime, keeping its microseconds.
pub fn shift(n: NaiveDateTime, seconds: i64) -> NaiveDateTime {
    NaiveDateTime::from_seconds(n.to_seconds() + seconds, n.time.micro, n.time.precision)
}

/// Ecto's `truncate_usec`: drop the microseconds (`{0, 0}`).
pub fn truncate_time(t: Time) -> Time {
    Time { micro: 0, precision: 0, ..t }
}

/// Ecto's `pad_usec`: keep the microseconds at precision 6.
pub fn pad_time(t: Time) -> Time {
    Time { precision: 6, ..t }
}

pub fn truncate_naive(n: NaiveDateTime) -> NaiveDateTime {
    NaiveDateTime { date: n.date, time: truncate_time(n.time) }
}

pub fn pad_naive(n: NaiveDateTime) -> NaiveDateTime {
    NaiveDateTime { date: n.date, time: pad_time(n.time) }
}

/// `NaiveDateTime.to_iso8601/1` (`2024-05-01T09:15:30.123`).
pub fn naive_iso(n: NaiveDateTime) -> String {
    n.iso('T')
}

/// `DateTime.to_iso8601/1` for a UTC datetime.
pub fn datetime_iso(d: DateTime) -> String {
    d.iso()
}

/// `Calendar.strftime(value, "%Y-%m-%d %H:%M:%S")`.
pub fn text_datetime(n: NaiveDateTime) -> String {
    format!("{} {:02}:{:02}:{:02}", n.date.iso(), n.time.hour, n.time.minute, n.time.second)
}
