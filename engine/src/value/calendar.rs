//! Calendar values in the ISO calendar, as Elixir's `Date`, `Time`,
//! `NaiveDateTime` and `DateTime` (UTC only) hold them.

/// `~D[2024-02-29]`
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// `~T[06:45:00]`: `micro` is the microsecond value and `precision` the
/// number of fractional digits Elixir keeps (0..=6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Time {
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub micro: u32,
    pub precision: u8,
}

impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Time) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Time {
    fn cmp(&self, other: &Time) -> std::cmp::Ordering {
        (self.hour, self.minute, self.second, self.micro, self.precision).cmp(&(
            other.hour,
            other.minute,
            other.second,
            other.micro,
            other.precision,
        ))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NaiveDateTime {
    pub date: Date,
    pub time: Time,
}

/// A UTC `DateTime` (`~U[...]`); other zones are converted to UTC when cast.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    pub naive: NaiveDateTime,
}

pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        (1..=12).contains(&month).then_some(())?;
        (day >= 1 && day <= days_in_month(year, month)).then_some(Date { year, month, day })
    }

    /// Days since 0000-01-01 (proleptic Gregorian), as Erlang's calendar counts.
    pub fn to_days(self) -> i64 {
        // Algorithm from Howard Hinnant's days_from_civil, shifted to year 0.
        let y = self.year as i64 - if self.month <= 2 { 1 } else { 0 };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = self.month as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + self.day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468 + 719528
    }

    pub fn from_days(days: i64) -> Date {
        let z = days - 719528 + 719468;
        let era = if z >= 0 { z } else { z - 146096 } / 146097;
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        Date { year: (y + if m <= 2 { 1 } else { 0 }) as i32, month: m, day: d }
    }

    /// ISO weekday, Monday = 1.
    pub fn day_of_week(self) -> u8 {
        // 0000-01-01 was a Saturday (ISO 6).
        (((self.to_days() + 5) % 7 + 7) % 7 + 1) as u8
    }

    pub fn iso(self) -> String {
        if self.year < 0 {
            format!("-{:04}-{:02}-{:02}", -self.year, self.month, self.day)
        } else {
            format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Date::new(digits(&s[0..4])? as i32, digits(&s[5..7])? as u8, digits(&s[8..10])? as u8)
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Time {
    pub fn new(hour: u8, minute: u8, second: u8, micro: u32, precision: u8) -> Option<Time> {
        (hour < 24 && minute < 60 && second < 60 && micro < 1_000_000 && precision <= 6).then_some(Time {
            hour,
            minute,
            second,
            micro,
            precision,
        })
    }

    pub fn seconds_of_day(self) -> i64 {
        self.hour as i64 * 3600 + self.minute as i64 * 60 + self.second as i64
    }

    pub fn iso(self) -> String {
        let mut s = format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second);
        if self.precision > 0 {
            let frac = format!("{:06}", self.micro);
            s.push('.');
            s.push_str(&frac[..self.precision as usize]);
        }
        s
    }

    /// Parses `HH:MM:SS[.ffffff]` (also `HH:MM` when `allow_short`).
    pub fn parse(s: &str) -> Option<Time> {
        let b = s.as_bytes();
        if !s.is_ascii() || b.len() < 8 || b[2] != b':' || b[5] != b':' {
            return None;
        }
        let (h, m, sec) = (digits(&s[0..2])?, digits(&s[3..5])?, digits(&s[6..8])?);
        let (micro, precision) = if b.len() > 8 {
            if b[8] != b'.' || b.len() == 9 {
                return None;
            }
            let frac = &s[9..];
            let frac_digits: String = frac.chars().take(6).collect();
            if !frac.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let p = frac_digits.len();
            let v = digits(&frac_digits)? * 10u32.pow(6 - p as u32);
            (v, p as u8)
        } else {
            (0, 0)
        };
        Time::new(h as u8, m as u8, sec as u8, micro, precision)
    }
}

impl NaiveDateTime {
    pub fn iso(self, sep: char) -> String {
        format!("{}{}{}", self.date.iso(), sep, self.time.iso())
    }

    /// Seconds since 0000-01-01T00:00:00.
    pub fn to_seconds(self) -> i64 {
        self.date.to_days() * 86400 + self.time.seconds_of_day()
    }

    pub fn from_seconds(secs: i64, micro: u32, precision: u8) -> NaiveDateTime {
        let days = secs.div_euclid(86400);
        let rem = secs.rem_euclid(86400);
        NaiveDateTime {
            date: Date::from_days(days),
            time: Time { hour: (rem / 3600) as u8, minute: (rem % 3600 / 60) as u8, second: (rem % 60) as u8, micro, precision },
        }
    }

    /// Parses `YYYY-MM-DD[T ]HH:MM:SS[.f]`; returns the value and the rest
    /// of the text (a zone suffix, if any).
    pub fn parse_prefix(s: &str) -> Option<(NaiveDateTime, &str)> {
        if s.len() < 19 {
            return None;
        }
        let date = Date::parse(s.get(0..10)?)?;
        let sep = s.as_bytes()[10];
        if sep != b'T' && sep != b' ' && sep != b't' {
            return None;
        }
        let rest = &s[11..];
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.')).unwrap_or(rest.len());
        let time = Time::parse(&rest[..end])?;
        Some((NaiveDateTime { date, time }, &rest[end..]))
    }

    pub fn parse(s: &str) -> Option<NaiveDateTime> {
        match NaiveDateTime::parse_prefix(s)? {
            (n, "") => Some(n),
            _ => None,
        }
    }
}

impl DateTime {
    /// Parses an ISO 8601 datetime with `Z` or a `±HH:MM` offset, shifted to UTC.
    pub fn parse(s: &str) -> Option<DateTime> {
        let (naive, zone) = NaiveDateTime::parse_prefix(s)?;
        let offset = parse_offset(zone)?;
        let shifted = NaiveDateTime::from_seconds(naive.to_seconds() - offset, naive.time.micro, naive.time.precision);
        Some(DateTime { naive: shifted })
    }

    pub fn iso(self) -> String {
        format!("{}Z", self.naive.iso('T'))
    }
}

/// `Z` → 0, `+02:00` → 7200 seconds.
pub fn parse_offset(zone: &str) -> Option<i64> {
    match zone {
        "Z" | "z" => Some(0),
        _ => {
            let b = zone.as_bytes();
            if !zone.is_ascii() || b.len() != 6 && b.len() != 5 {
                return None;
            }
            let sign = match b[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (h, m) = if b.len() == 6 && b[3] == b':' {
                (&zone[1..3], &zone[4..6])
            } else if b.len() == 5 {
                (&zone[1..3], &zone[3..5])
            } else {
                return None;
            };
            Some(sign * (digits(h)? as i64 * 3600 + digits(m)? as i64 * 60))
        }
    }
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn non_ascii_text_is_refused_not_sliced() {
        // A no-break space where a digit belongs: byte 8 falls inside it.
        assert_eq!(Time::parse("09:00:0\u{a0}0"), None);
        assert_eq!(Time::parse("09:00:00.\u{e9}"), None);
        assert_eq!(NaiveDateTime::parse("2024-01-01T09:00:0\u{a0}"), None);
        assert_eq!(DateTime::parse("2024-01-01T09:00:00+0\u{e9}0"), None);
        assert_eq!(parse_offset("+0\u{e9}0"), None);
        assert_eq!(Time::parse("09:00:00"), Time::new(9, 0, 0, 0, 0));
    }
}
