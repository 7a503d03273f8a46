//! Date, Time, NaiveDateTime, DateTime (UTC) and Calendar.strftime.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::raise;
use crate::diag::Span;
use crate::eval::{args, Builtins, EResult, Interp};
use crate::value::calendar::{days_in_month, is_leap, parse_offset};
use crate::value::{inspect, Date, DateTime, NaiveDateTime, Struct, Time, Value};

type F = fn(&mut Interp, Vec<Value>, Span) -> EResult<Value>;

/// The clocks: the wall clock for `utc_now/0`, `System.system_time` and
/// friends (microseconds since the Unix epoch) and the monotonic clock for
/// `System.monotonic_time` and `:timer.tc` (nanoseconds from any start).
/// Hosts set them (`interp.ext::<Clock>()`): a fixed instant
/// (`now_micros`, for reproducible output) or a live source (`wall`,
/// `monotonic`, e.g. `Date.now()` and `performance.now()` in the page).
/// Without them, native builds read the system's clocks and WebAssembly
/// builds use a fixed instant and a clock that advances with evaluation.
/// `Process.sleep/1` and `:timer.sleep/1` do not block: they move both
/// clocks forward (`slept_ns`), so the program sees the time pass.
#[derive(Default)]
pub struct Clock {
    pub now_micros: Option<i64>,
    pub wall: Option<std::rc::Rc<dyn Fn() -> i64>>,
    pub monotonic: Option<std::rc::Rc<dyn Fn() -> u64>>,
    pub slept_ns: i64,
}

const UNIX_EPOCH_SECONDS: i64 = 62_167_219_200; // 1970-01-01 in seconds since year 0

/// Where the BEAM's monotonic clock starts (`erlang:monotonic_time/0` is
/// negative for the first centuries of a node's life).
const MONOTONIC_BEGIN_NS: i64 = -576_460_752_303_423_488;

fn now_micros(i: &mut Interp) -> i64 {
    let clock = i.ext::<Clock>();
    let slept = clock.slept_ns / 1000;
    if let Some(n) = clock.now_micros {
        return n.saturating_add(slept);
    }
    if let Some(wall) = &clock.wall {
        return wall().saturating_add(slept);
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            return (d.as_micros() as i64).saturating_add(slept);
        }
    }
    // 2026-01-01T00:00:00Z
    1_767_225_600_000_000i64.saturating_add(slept)
}

/// The monotonic clock in nanoseconds, on the BEAM's scale.
pub(crate) fn monotonic_ns(i: &mut Interp) -> i64 {
    let steps = i.steps;
    let clock = i.ext::<Clock>();
    let elapsed = match &clock.monotonic {
        Some(m) => m() as i64,
        None => native_monotonic_ns().unwrap_or(steps as i64 * 10),
    };
    MONOTONIC_BEGIN_NS.saturating_add(elapsed).saturating_add(clock.slept_ns)
}

#[cfg(not(target_arch = "wasm32"))]
fn native_monotonic_ns() -> Option<i64> {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(std::time::Instant::now);
    Some(start.elapsed().as_nanos() as i64)
}

#[cfg(target_arch = "wasm32")]
fn native_monotonic_ns() -> Option<i64> {
    None
}

/// Lets `ms` milliseconds pass for the program's clocks.
pub(crate) fn sleep(i: &mut Interp, ms: i64) {
    let clock = i.ext::<Clock>();
    clock.slept_ns = clock.slept_ns.saturating_add(ms.max(0).saturating_mul(1_000_000));
}

/// Parts per second of an Erlang time unit (`:native` is the nanosecond,
/// as on Linux).
pub(crate) fn time_unit(v: Option<&Value>, s: Span) -> EResult<i64> {
    Ok(match v {
        None => 1_000_000_000,
        Some(Value::Int(n)) if *n > 0 => *n,
        Some(u) => match u.as_atom() {
            Some("second" | "seconds") => 1,
            Some("millisecond" | "milli_seconds") => 1_000,
            Some("microsecond" | "micro_seconds") => 1_000_000,
            Some("nanosecond" | "nano_seconds" | "native" | "perf_counter") => 1_000_000_000,
            _ => return Err(raise("ArgumentError", format!("unsupported time unit. Expected :second, :millisecond, :microsecond, :nanosecond, :native, :perf_counter, or a positive integer, got {}", inspect::inspect(u)), s)),
        },
    })
}

/// `value` (in parts per second `from`) in parts per second `to`, rounded
/// down as `erlang:convert_time_unit/3` does.
pub(crate) fn convert_time(value: i64, from: i64, to: i64) -> i64 {
    let v = (value as i128 * to as i128).div_euclid(from as i128);
    v.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

fn now_naive(i: &mut Interp) -> NaiveDateTime {
    let m = now_micros(i);
    from_micros(m + UNIX_EPOCH_SECONDS * 1_000_000, 6)
}

pub fn register(b: &mut Builtins) {
    let date_fns: &[(&'static str, &[usize], F)] = &[
        ("new", &[3, 4], |_, a, s| {
            let (y, m, d) = (int(&a[0], s)?, int(&a[1], s)?, int(&a[2], s)?);
            Ok(match mk_date(y, m, d) {
                Some(d) => Value::ok(Value::Date(d)),
                None => Value::error(Value::atom("invalid_date")),
            })
        }),
        ("new!", &[3, 4], |_, a, s| {
            let (y, m, d) = (int(&a[0], s)?, int(&a[1], s)?, int(&a[2], s)?);
            mk_date(y, m, d).map(Value::Date).ok_or_else(|| raise("ArgumentError", "cannot build date, reason: :invalid_date", s))
        }),
        ("from_iso8601", &[1, 2], |_, a, s| {
            let t = args::string("Date.from_iso8601/1", &a[0], s)?;
            Ok(match parse_date(t, false) {
                Ok(d) => Value::ok(Value::Date(d)),
                Err(e) => Value::error(Value::atom(e)),
            })
        }),
        ("from_iso8601!", &[1, 2], |_, a, s| {
            let t = args::string("Date.from_iso8601!/1", &a[0], s)?;
            parse_date(t, false)
                .map(Value::Date)
                .map_err(|e| raise("ArgumentError", format!("cannot parse {} as date, reason: :{e}", inspect::inspect(&a[0])), s))
        }),
        ("to_iso8601", &[1, 2], |_, a, s| {
            let d = date_of(&a[0], s)?;
            let basic = a.get(1).and_then(|f| f.as_atom()) == Some("basic");
            Ok(Value::string(if basic { d.iso().replace('-', "") } else { d.iso() }))
        }),
        ("to_string", &[1], |_, a, s| Ok(Value::string(date_of(&a[0], s)?.iso()))),
        ("add", &[2, 3], |_, a, s| {
            let d = date_of(&a[0], s)?;
            let n = int(&a[1], s)?;
            Ok(Value::Date(date_from_days(d.to_days().saturating_add(n), s)?))
        }),
        ("diff", &[2], |_, a, s| Ok(Value::Int(date_of(&a[0], s)?.to_days() - date_of(&a[1], s)?.to_days()))),
        ("compare", &[2], |_, a, s| Ok(ord(date_of(&a[0], s)?.cmp(&date_of(&a[1], s)?)))),
        ("before?", &[2], |_, a, s| Ok(Value::Bool(date_of(&a[0], s)? < date_of(&a[1], s)?))),
        ("after?", &[2], |_, a, s| Ok(Value::Bool(date_of(&a[0], s)? > date_of(&a[1], s)?))),
        ("day_of_week", &[1, 2], |_, a, s| {
            let d = date_of(&a[0], s)?;
            let start = match a.get(1).and_then(|x| x.as_atom()) {
                None | Some("default") | Some("monday") => 1,
                Some("tuesday") => 2,
                Some("wednesday") => 3,
                Some("thursday") => 4,
                Some("friday") => 5,
                Some("saturday") => 6,
                Some("sunday") => 7,
                Some(other) => return Err(raise("ArgumentError", format!("unknown starting day :{other}"), s)),
            };
            Ok(Value::Int((d.day_of_week() as i64 - start).rem_euclid(7) + 1))
        }),
        ("day_of_year", &[1], |_, a, s| {
            let d = date_of(&a[0], s)?;
            Ok(Value::Int(d.to_days() - Date { year: d.year, month: 1, day: 1 }.to_days() + 1))
        }),
        ("day_of_era", &[1], |_, a, s| {
            let d = date_of(&a[0], s)?;
            Ok(Value::tuple(vec![Value::Int(d.to_days() - Date { year: 1, month: 1, day: 1 }.to_days() + 1), Value::Int(1)]))
        }),
        ("year_of_era", &[1], |_, a, s| {
            let d = date_of(&a[0], s)?;
            Ok(Value::tuple(vec![Value::Int(d.year as i64), Value::Int(1)]))
        }),
        ("quarter_of_year", &[1], |_, a, s| Ok(Value::Int((date_of(&a[0], s)?.month as i64 - 1) / 3 + 1))),
        ("days_in_month", &[1], |_, a, s| {
            let d = date_of(&a[0], s)?;
            Ok(Value::Int(days_in_month(d.year, d.month) as i64))
        }),
        ("months_in_year", &[1], |_, _, _| Ok(Value::Int(12))),
        ("leap_year?", &[1], |_, a, s| Ok(Value::Bool(is_leap(date_of(&a[0], s)?.year)))),
        ("beginning_of_month", &[1], |_, a, s| {
            let d = date_of(&a[0], s)?;
            Ok(Value::Date(Date { day: 1, ..d }))
        }),
        ("end_of_month", &[1], |_, a, s| {
            let d = date_of(&a[0], s)?;
            Ok(Value::Date(Date { day: days_in_month(d.year, d.month), ..d }))
        }),
        ("beginning_of_week", &[1, 2], |i, a, s| {
            let d = date_of(&a[0], s)?;
            let mut args2 = vec![a[0].clone()];
            args2.extend(a.get(1).cloned());
            let dow = i.call("Date", "day_of_week", args2, s)?.as_int().unwrap_or(1);
            Ok(Value::Date(Date::from_days(d.to_days() - (dow - 1))))
        }),
        ("end_of_week", &[1, 2], |i, a, s| {
            let d = date_of(&a[0], s)?;
            let mut args2 = vec![a[0].clone()];
            args2.extend(a.get(1).cloned());
            let dow = i.call("Date", "day_of_week", args2, s)?.as_int().unwrap_or(1);
            Ok(Value::Date(Date::from_days(d.to_days() + (7 - dow))))
        }),
        ("utc_today", &[0, 1], |i, _, _| Ok(Value::Date(now_naive(i).date))),
        ("to_erl", &[1], |_, a, s| {
            let d = date_of(&a[0], s)?;
            Ok(Value::tuple(vec![Value::Int(d.year as i64), Value::Int(d.month as i64), Value::Int(d.day as i64)]))
        }),
        ("from_erl", &[1, 2], |_, a, s| {
            let t = a[0].as_tuple().ok_or_else(|| args::arg_error("Date.from_erl/1", "a tuple", &a[0], s))?;
            Ok(match t {
                [y, m, d] => match mk_date(int(y, s)?, int(m, s)?, int(d, s)?) {
                    Some(d) => Value::ok(Value::Date(d)),
                    None => Value::error(Value::atom("invalid_date")),
                },
                _ => Value::error(Value::atom("invalid_date")),
            })
        }),
        ("from_erl!", &[1, 2], |_, a, s| {
            let t = a[0].as_tuple().ok_or_else(|| args::arg_error("Date.from_erl!/1", "a tuple", &a[0], s))?;
            match t {
                [y, m, d] => mk_date(int(y, s)?, int(m, s)?, int(d, s)?)
                    .map(Value::Date)
                    .ok_or_else(|| raise("ArgumentError", "cannot convert to date, reason: :invalid_date", s)),
                _ => Err(raise("ArgumentError", "cannot convert to date, reason: :invalid_date", s)),
            }
        }),
        ("to_gregorian_days", &[1], |_, a, s| Ok(Value::Int(date_of(&a[0], s)?.to_days()))),
        ("from_gregorian_days", &[1, 2], |_, a, s| Ok(Value::Date(date_from_days(int(&a[0], s)?, s)?))),
        ("range", &[2, 3], date_range),
        ("shift", &[2], |_, a, s| {
            let d = date_of(&a[0], s)?;
            let sh = Shift::parse(&a[1], s)?;
            if sh.micros != 0 {
                return Err(raise("ArgumentError", "cannot shift date by time units", s));
            }
            Ok(Value::Date(sh.apply_date(d)))
        }),
    ];
    for (name, ar, f) in date_fns {
        b.add("Date", name, ar, *f);
    }

    let time_fns: &[(&'static str, &[usize], F)] = &[
        ("new", &[3, 4, 5], |_, a, s| {
            Ok(match mk_time(&a, s)? {
                Some(t) => Value::ok(Value::Time(t)),
                None => Value::error(Value::atom("invalid_time")),
            })
        }),
        ("new!", &[3, 4, 5], |_, a, s| {
            mk_time(&a, s)?.map(Value::Time).ok_or_else(|| raise("ArgumentError", "cannot build time, reason: :invalid_time", s))
        }),
        ("from_iso8601", &[1, 2], |_, a, s| {
            let t = args::string("Time.from_iso8601/1", &a[0], s)?;
            Ok(match parse_time(t, false) {
                Ok(t) => Value::ok(Value::Time(t)),
                Err(e) => Value::error(Value::atom(e)),
            })
        }),
        ("from_iso8601!", &[1, 2], |_, a, s| {
            let t = args::string("Time.from_iso8601!/1", &a[0], s)?;
            parse_time(t, false)
                .map(Value::Time)
                .map_err(|e| raise("ArgumentError", format!("cannot parse {} as time, reason: :{e}", inspect::inspect(&a[0])), s))
        }),
        ("to_iso8601", &[1, 2], |_, a, s| Ok(Value::string(iso_format(time_of(&a[0], s)?.iso(), a.get(1))))),
        ("to_string", &[1], |_, a, s| Ok(Value::string(time_of(&a[0], s)?.iso()))),
        ("add", &[2, 3], |_, a, s| {
            let t = time_of(&a[0], s)?;
            let (per, prec) = unit(a.get(2), s)?;
            let amount = int(&a[1], s)?;
            let day = 86_400_000_000i64;
            let m = (time_micros(t) as i128 + amount as i128 * per as i128).rem_euclid(day as i128) as i64;
            Ok(Value::Time(time_from_micros(m, t.precision.max(prec))))
        }),
        ("diff", &[2, 3], |_, a, s| {
            let (x, y) = (time_of(&a[0], s)?, time_of(&a[1], s)?);
            let (per, _) = unit(a.get(2), s)?;
            Ok(Value::Int(time_micros(x).div_euclid(per) - time_micros(y).div_euclid(per)))
        }),
        ("compare", &[2], |_, a, s| {
            let (x, y) = (time_of(&a[0], s)?, time_of(&a[1], s)?);
            Ok(ord(time_micros(x).cmp(&time_micros(y))))
        }),
        ("before?", &[2], |_, a, s| Ok(Value::Bool(time_micros(time_of(&a[0], s)?) < time_micros(time_of(&a[1], s)?)))),
        ("after?", &[2], |_, a, s| Ok(Value::Bool(time_micros(time_of(&a[0], s)?) > time_micros(time_of(&a[1], s)?)))),
        ("truncate", &[2], |_, a, s| {
            let t = time_of(&a[0], s)?;
            Ok(Value::Time(truncate_time(t, &a[1], s)?))
        }),
        ("utc_now", &[0, 1], |i, _, _| Ok(Value::Time(now_naive(i).time))),
        ("to_seconds_after_midnight", &[1], |_, a, s| {
            let t = time_of(&a[0], s)?;
            Ok(Value::tuple(vec![Value::Int(t.seconds_of_day()), Value::Int(t.micro as i64)]))
        }),
        ("from_seconds_after_midnight", &[1, 2], |_, a, s| {
            let n = int(&a[0], s)?.rem_euclid(86_400);
            Ok(Value::Time(time_from_micros(n * 1_000_000, 0)))
        }),
        ("to_erl", &[1], |_, a, s| {
            let t = time_of(&a[0], s)?;
            Ok(Value::tuple(vec![Value::Int(t.hour as i64), Value::Int(t.minute as i64), Value::Int(t.second as i64)]))
        }),
        ("from_erl", &[1, 2], |_, a, s| {
            let t = a[0].as_tuple().ok_or_else(|| args::arg_error("Time.from_erl/1", "a tuple", &a[0], s))?;
            Ok(match t {
                [h, m, sec] => match Time::new(int(h, s)? as u8, int(m, s)? as u8, int(sec, s)? as u8, 0, 0) {
                    Some(t) => Value::ok(Value::Time(t)),
                    None => Value::error(Value::atom("invalid_time")),
                },
                _ => Value::error(Value::atom("invalid_time")),
            })
        }),
        ("shift", &[2], |_, a, s| {
            let t = time_of(&a[0], s)?;
            let sh = Shift::parse(&a[1], s)?;
            let day = 86_400_000_000i64;
            let m = (time_micros(t) as i128 + sh.micros as i128 + sh.days as i128 * day as i128).rem_euclid(day as i128) as i64;
            Ok(Value::Time(time_from_micros(m, t.precision.max(sh.precision))))
        }),
    ];
    for (name, ar, f) in time_fns {
        b.add("Time", name, ar, *f);
    }

    let ndt_fns: &[(&'static str, &[usize], F)] = &[
        ("new", &[2, 3, 6, 7, 8], ndt_new),
        ("new!", &[2, 3, 6, 7, 8], |i, a, s| {
            let r = ndt_new(i, a, s)?;
            match r.as_tuple() {
                Some([_, v]) if r.as_tuple().and_then(|t| t[0].as_atom()) == Some("ok") => Ok(v.clone()),
                _ => Err(raise("ArgumentError", "cannot build naive datetime, reason: :invalid_date", s)),
            }
        }),
        ("from_iso8601", &[1, 2], |_, a, s| {
            let t = args::string("NaiveDateTime.from_iso8601/1", &a[0], s)?;
            Ok(match parse_ndt(t, false) {
                Ok((n, _)) => Value::ok(Value::NaiveDateTime(n)),
                Err(e) => Value::error(Value::atom(e)),
            })
        }),
        ("from_iso8601!", &[1, 2], |_, a, s| {
            let t = args::string("NaiveDateTime.from_iso8601!/1", &a[0], s)?;
            parse_ndt(t, false)
                .map(|(n, _)| Value::NaiveDateTime(n))
                .map_err(|e| raise("ArgumentError", format!("cannot parse {} as naive datetime, reason: :{e}", inspect::inspect(&a[0])), s))
        }),
        ("to_iso8601", &[1, 2], |_, a, s| Ok(Value::string(iso_format(ndt_of(&a[0], s)?.0.iso('T'), a.get(1))))),
        ("to_string", &[1], |_, a, s| Ok(Value::string(ndt_of(&a[0], s)?.0.iso(' ')))),
        ("add", &[2, 3], |_, a, s| moment_add(a, s)),
        ("diff", &[2, 3], |_, a, s| moment_diff(a, s)),
        ("compare", &[2], |_, a, s| Ok(ord(moment_key(&a[0], s)?.cmp(&moment_key(&a[1], s)?)))),
        ("before?", &[2], |_, a, s| Ok(Value::Bool(moment_key(&a[0], s)? < moment_key(&a[1], s)?))),
        ("after?", &[2], |_, a, s| Ok(Value::Bool(moment_key(&a[0], s)? > moment_key(&a[1], s)?))),
        ("truncate", &[2], |_, a, s| {
            let (n, utc) = ndt_of(&a[0], s)?;
            let t = truncate_time(n.time, &a[1], s)?;
            Ok(wrap(NaiveDateTime { time: t, ..n }, utc))
        }),
        ("to_date", &[1], |_, a, s| Ok(Value::Date(ndt_of(&a[0], s)?.0.date))),
        ("to_time", &[1], |_, a, s| Ok(Value::Time(ndt_of(&a[0], s)?.0.time))),
        ("utc_now", &[0, 1, 2], |i, a, s| {
            let n = now_naive(i);
            Ok(Value::NaiveDateTime(precision_for(n, a.iter().find(|x| x.as_atom().is_some()), s)?))
        }),
        ("local_now", &[0, 1], |i, _, _| {
            Ok(Value::NaiveDateTime(NaiveDateTime { time: Time { micro: 0, precision: 0, ..now_naive(i).time }, ..now_naive(i) }))
        }),
        ("beginning_of_day", &[1], |_, a, s| {
            let (n, utc) = ndt_of(&a[0], s)?;
            Ok(wrap(
                NaiveDateTime { date: n.date, time: Time { hour: 0, minute: 0, second: 0, micro: 0, precision: n.time.precision } },
                utc,
            ))
        }),
        ("end_of_day", &[1], |_, a, s| {
            let (n, utc) = ndt_of(&a[0], s)?;
            let p = n.time.precision;
            let micro = if p == 0 { 0 } else { 999_999 - (999_999 % 10u32.pow(6 - p as u32)) };
            Ok(wrap(NaiveDateTime { date: n.date, time: Time { hour: 23, minute: 59, second: 59, micro, precision: p } }, utc))
        }),
        ("to_erl", &[1], |_, a, s| {
            let (n, _) = ndt_of(&a[0], s)?;
            Ok(Value::tuple(vec![
                Value::tuple(vec![Value::Int(n.date.year as i64), Value::Int(n.date.month as i64), Value::Int(n.date.day as i64)]),
                Value::tuple(vec![Value::Int(n.time.hour as i64), Value::Int(n.time.minute as i64), Value::Int(n.time.second as i64)]),
            ]))
        }),
        ("from_erl", &[1, 2, 3], |_, a, s| {
            Ok(match erl_ndt(&a[0], s)? {
                Some(n) => Value::ok(Value::NaiveDateTime(n)),
                None => Value::error(Value::atom("invalid_date")),
            })
        }),
        ("from_erl!", &[1, 2, 3], |_, a, s| {
            erl_ndt(&a[0], s)?
                .map(Value::NaiveDateTime)
                .ok_or_else(|| raise("ArgumentError", "cannot convert to naive datetime, reason: :invalid_date", s))
        }),
        ("shift", &[2], |_, a, s| moment_shift(a, s)),
        ("to_gregorian_seconds", &[1], |_, a, s| {
            let (n, _) = ndt_of(&a[0], s)?;
            Ok(Value::tuple(vec![Value::Int(n.to_seconds()), Value::Int(n.time.micro as i64)]))
        }),
    ];
    for (name, ar, f) in ndt_fns {
        b.add("NaiveDateTime", name, ar, *f);
    }

    let dt_fns: &[(&'static str, &[usize], F)] = &[
        ("from_iso8601", &[1, 2, 3], |_, a, s| {
            let t = args::string("DateTime.from_iso8601/1", &a[0], s)?;
            Ok(match parse_ndt(t, iso_basic(&a[1..])) {
                Ok((n, Some(off))) => {
                    let shifted = from_micros(to_micros(n) - off * 1_000_000, n.time.precision);
                    Value::tuple(vec![Value::atom("ok"), Value::DateTime(DateTime { naive: shifted }), Value::Int(off)])
                }
                Ok((_, None)) => Value::error(Value::atom("missing_offset")),
                Err(e) => Value::error(Value::atom(e)),
            })
        }),
        ("from_iso8601!", &[1, 2, 3], |_, a, s| {
            let t = args::string("DateTime.from_iso8601!/1", &a[0], s)?;
            match parse_ndt(t, iso_basic(&a[1..])) {
                Ok((n, Some(off))) => {
                    Ok(Value::DateTime(DateTime { naive: from_micros(to_micros(n) - off * 1_000_000, n.time.precision) }))
                }
                Ok((_, None)) => {
                    Err(raise("ArgumentError", format!("cannot parse {} as datetime, reason: :missing_offset", inspect::inspect(&a[0])), s))
                }
                Err(e) => Err(raise("ArgumentError", format!("cannot parse {} as datetime, reason: :{e}", inspect::inspect(&a[0])), s)),
            }
        }),
        ("to_iso8601", &[1, 2, 3], |_, a, s| {
            let (n, _) = ndt_of(&a[0], s)?;
            Ok(Value::string(format!("{}Z", iso_format(n.iso('T'), a.get(1)))))
        }),
        ("to_string", &[1], |_, a, s| {
            let (n, _) = ndt_of(&a[0], s)?;
            Ok(Value::string(format!("{}Z", n.iso(' '))))
        }),
        ("add", &[2, 3, 4], |_, a, s| moment_add(a, s)),
        ("diff", &[2, 3], |_, a, s| moment_diff(a, s)),
        ("compare", &[2], |_, a, s| Ok(ord(moment_key(&a[0], s)?.cmp(&moment_key(&a[1], s)?)))),
        ("before?", &[2], |_, a, s| Ok(Value::Bool(moment_key(&a[0], s)? < moment_key(&a[1], s)?))),
        ("after?", &[2], |_, a, s| Ok(Value::Bool(moment_key(&a[0], s)? > moment_key(&a[1], s)?))),
        ("truncate", &[2], |_, a, s| {
            let (n, _) = ndt_of(&a[0], s)?;
            let t = truncate_time(n.time, &a[1], s)?;
            Ok(Value::DateTime(DateTime { naive: NaiveDateTime { time: t, ..n } }))
        }),
        ("utc_now", &[0, 1, 2], |i, a, s| {
            let n = now_naive(i);
            Ok(Value::DateTime(DateTime { naive: precision_for(n, a.iter().find(|x| x.as_atom().is_some()), s)? }))
        }),
        ("now", &[1, 2], |i, a, s| {
            let zone = args::string("DateTime.now/1", &a[0], s)?;
            if zone != "Etc/UTC" && zone != "UTC" {
                return Ok(Value::error(Value::atom("utc_only_time_zone_database")));
            }
            Ok(Value::ok(Value::DateTime(DateTime { naive: now_naive(i) })))
        }),
        ("now!", &[1, 2], |i, a, s| {
            let zone = args::string("DateTime.now!/1", &a[0], s)?;
            if zone != "Etc/UTC" && zone != "UTC" {
                return Err(raise(
                    "ArgumentError",
                    "cannot get current datetime in \"".to_string() + zone + "\" time zone, reason: :utc_only_time_zone_database",
                    s,
                ));
            }
            Ok(Value::DateTime(DateTime { naive: now_naive(i) }))
        }),
        ("to_date", &[1], |_, a, s| Ok(Value::Date(ndt_of(&a[0], s)?.0.date))),
        ("to_time", &[1], |_, a, s| Ok(Value::Time(ndt_of(&a[0], s)?.0.time))),
        ("to_naive", &[1], |_, a, s| Ok(Value::NaiveDateTime(ndt_of(&a[0], s)?.0))),
        ("from_naive", &[2, 3], |_, a, s| {
            let (n, _) = ndt_of(&a[0], s)?;
            let zone = args::string("DateTime.from_naive/2", &a[1], s)?;
            if zone != "Etc/UTC" && zone != "UTC" {
                return Ok(Value::error(Value::atom("utc_only_time_zone_database")));
            }
            Ok(Value::ok(Value::DateTime(DateTime { naive: n })))
        }),
        ("from_naive!", &[2, 3], |_, a, s| {
            let (n, _) = ndt_of(&a[0], s)?;
            let zone = args::string("DateTime.from_naive!/2", &a[1], s)?;
            if zone != "Etc/UTC" && zone != "UTC" {
                return Err(raise(
                    "ArgumentError",
                    format!("cannot convert {} to datetime, reason: :utc_only_time_zone_database", inspect::inspect(&a[0])),
                    s,
                ));
            }
            Ok(Value::DateTime(DateTime { naive: n }))
        }),
        ("from_unix", &[1, 2, 3], |_, a, s| {
            Ok(match from_unix(&a, s)? {
                Some(d) => Value::ok(d),
                None => Value::error(Value::atom("invalid_unix_time")),
            })
        }),
        ("from_unix!", &[1, 2, 3], |_, a, s| from_unix(&a, s)?.ok_or_else(|| raise("ArgumentError", "invalid Unix time", s))),
        ("to_unix", &[1, 2], |_, a, s| {
            let (n, _) = ndt_of(&a[0], s)?;
            let (per, _) = unit(a.get(1), s)?;
            Ok(Value::Int((to_micros(n) - UNIX_EPOCH_SECONDS * 1_000_000).div_euclid(per)))
        }),
        ("new", &[2, 3, 4], |_, a, s| {
            let d = date_of(&a[0], s)?;
            let t = time_of(&a[1], s)?;
            Ok(Value::ok(Value::DateTime(DateTime { naive: NaiveDateTime { date: d, time: t } })))
        }),
        ("new!", &[2, 3, 4], |_, a, s| {
            let d = date_of(&a[0], s)?;
            let t = time_of(&a[1], s)?;
            Ok(Value::DateTime(DateTime { naive: NaiveDateTime { date: d, time: t } }))
        }),
        ("shift", &[2, 3], |_, a, s| moment_shift(a, s)),
        ("shift_zone", &[2, 3], |_, a, s| {
            let zone = args::string("DateTime.shift_zone/2", &a[1], s)?;
            if zone != "Etc/UTC" && zone != "UTC" {
                return Ok(Value::error(Value::atom("utc_only_time_zone_database")));
            }
            Ok(Value::ok(a[0].clone()))
        }),
        ("to_gregorian_seconds", &[1], |_, a, s| {
            let (n, _) = ndt_of(&a[0], s)?;
            Ok(Value::tuple(vec![Value::Int(n.to_seconds()), Value::Int(n.time.micro as i64)]))
        }),
    ];
    for (name, ar, f) in dt_fns {
        b.add("DateTime", name, ar, *f);
    }
    b.add("Calendar", "strftime", &[2, 3], strftime);
    b.add("Calendar.ISO", "leap_year?", &[1], |_, a, s| Ok(Value::Bool(is_leap(int(&a[0], s)? as i32))));
    b.add("Calendar.ISO", "days_in_month", &[2], |_, a, s| {
        Ok(Value::Int(days_in_month(int(&a[0], s)? as i32, int(&a[1], s)? as u8) as i64))
    });
    fn wall_time(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
        let to = time_unit(a.first(), s)?;
        Ok(Value::Int(convert_time(now_micros(i), 1_000_000, to)))
    }
    b.add("System", "os_time", &[0, 1], wall_time);
    b.add("System", "system_time", &[0, 1], wall_time);
    b.add("System", "monotonic_time", &[0, 1], |i, a, s| {
        let to = time_unit(a.first(), s)?;
        Ok(Value::Int(convert_time(monotonic_ns(i), 1_000_000_000, to)))
    });
    b.add("System", "convert_time_unit", &[3], |_, a, s| {
        let v = args::int("System.convert_time_unit/3", &a[0], s)?;
        Ok(Value::Int(convert_time(v, time_unit(Some(&a[1]), s)?, time_unit(Some(&a[2]), s)?)))
    });
}

// ---- helpers ------------------------------------------------------------------------------

fn int(v: &Value, s: Span) -> EResult<i64> {
    args::int("calendar function", v, s)
}

fn ord(o: std::cmp::Ordering) -> Value {
    Value::atom(match o {
        std::cmp::Ordering::Less => "lt",
        std::cmp::Ordering::Equal => "eq",
        std::cmp::Ordering::Greater => "gt",
    })
}

/// `Date::from_days` for days within years -9999..=9999.
fn date_from_days(days: i64, s: Span) -> EResult<Date> {
    if !(-3_652_059..=3_652_424).contains(&days) {
        return Err(raise("ArgumentError", "date out of the supported range (years -9999..9999)", s));
    }
    Ok(Date::from_days(days))
}

fn mk_date(y: i64, m: i64, d: i64) -> Option<Date> {
    if !(-9999..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Date::new(y as i32, m as u8, d as u8)
}

/// A date from a Date, NaiveDateTime, DateTime or a `%{year:, month:, day:}` map.
fn date_of(v: &Value, s: Span) -> EResult<Date> {
    match v {
        Value::Date(d) => Ok(*d),
        Value::NaiveDateTime(n) => Ok(n.date),
        Value::DateTime(d) => Ok(d.naive.date),
        other => {
            let g = |k: &str| other.get_field(k).and_then(Value::as_int);
            if let (Some(y), Some(m), Some(d)) = (g("year"), g("month"), g("day")) {
                if let Some(d) = mk_date(y, m, d) {
                    return Ok(d);
                }
            }
            Err(raise("FunctionClauseError", format!("expected a date, got: {}", inspect::inspect(other)), s))
        }
    }
}

fn time_of(v: &Value, s: Span) -> EResult<Time> {
    match v {
        Value::Time(t) => Ok(*t),
        Value::NaiveDateTime(n) => Ok(n.time),
        Value::DateTime(d) => Ok(d.naive.time),
        other => Err(raise("FunctionClauseError", format!("expected a time, got: {}", inspect::inspect(other)), s)),
    }
}

/// A NaiveDateTime or DateTime, and whether it was a (UTC) DateTime.
/// The instant a naive or UTC datetime stands for, whatever its precision
/// (compare/2 goes through iso days, so `.000` equals no fraction).
fn moment_key(v: &Value, s: Span) -> EResult<(crate::value::calendar::Date, u8, u8, u8, u32)> {
    let (n, _) = ndt_of(v, s)?;
    Ok((n.date, n.time.hour, n.time.minute, n.time.second, n.time.micro))
}

fn ndt_of(v: &Value, s: Span) -> EResult<(NaiveDateTime, bool)> {
    match v {
        Value::NaiveDateTime(n) => Ok((*n, false)),
        Value::DateTime(d) => Ok((d.naive, true)),
        other => Err(raise("FunctionClauseError", format!("expected a datetime, got: {}", inspect::inspect(other)), s)),
    }
}

fn wrap(n: NaiveDateTime, utc: bool) -> Value {
    if utc {
        Value::DateTime(DateTime { naive: n })
    } else {
        Value::NaiveDateTime(n)
    }
}

fn to_micros(n: NaiveDateTime) -> i64 {
    n.to_seconds() * 1_000_000 + n.time.micro as i64
}

fn from_micros(m: i64, precision: u8) -> NaiveDateTime {
    NaiveDateTime::from_seconds(m.div_euclid(1_000_000), m.rem_euclid(1_000_000) as u32, precision)
}

fn time_micros(t: Time) -> i64 {
    t.seconds_of_day() * 1_000_000 + t.micro as i64
}

fn time_from_micros(m: i64, precision: u8) -> Time {
    let secs = m.div_euclid(1_000_000);
    Time {
        hour: (secs / 3600) as u8,
        minute: (secs % 3600 / 60) as u8,
        second: (secs % 60) as u8,
        micro: m.rem_euclid(1_000_000) as u32,
        precision,
    }
}

/// A time unit: microseconds per unit and the precision it implies.
fn unit(v: Option<&Value>, s: Span) -> EResult<(i64, u8)> {
    Ok(match v {
        None => (1_000_000, 0),
        Some(Value::Int(n)) if *n > 0 => {
            let n = *n;
            if n <= 1 {
                (1_000_000, 0)
            } else if n <= 1000 {
                (1_000_000 / n, 3)
            } else {
                (1.max(1_000_000 / n), 6)
            }
        }
        Some(u) => match u.as_atom() {
            Some("second") => (1_000_000, 0),
            Some("millisecond") => (1_000, 3),
            Some("microsecond") => (1, 6),
            Some("nanosecond") => (1, 6),
            Some("minute") => (60_000_000, 0),
            Some("hour") => (3_600_000_000, 0),
            Some("day") => (86_400_000_000, 0),
            Some("week") => (604_800_000_000, 0),
            _ => return Err(raise("ArgumentError", format!("unsupported time unit. Expected :day, :hour, :minute, :second, :millisecond, :microsecond, :nanosecond, or a positive integer, got {}", inspect::inspect(u)), s)),
        },
    })
}

fn truncate_time(t: Time, u: &Value, s: Span) -> EResult<Time> {
    let p = match u.as_atom() {
        Some("second") => 0,
        Some("millisecond") => 3,
        Some("microsecond") => 6,
        _ => return Err(args::arg_error("truncate/2", ":second, :millisecond or :microsecond", u, s)),
    };
    let p = p.min(t.precision);
    let keep = 10u32.pow(6 - p as u32);
    Ok(Time { micro: t.micro / keep * keep, precision: p, ..t })
}

fn precision_for(n: NaiveDateTime, u: Option<&Value>, s: Span) -> EResult<NaiveDateTime> {
    match u {
        None => Ok(n),
        Some(u) => Ok(NaiveDateTime { time: truncate_time(n.time, u, s)?, ..n }),
    }
}

fn moment_add(a: Vec<Value>, s: Span) -> EResult<Value> {
    let (n, utc) = ndt_of(&a[0], s)?;
    let amount = int(&a[1], s)?;
    let (per, prec) = unit(a.get(2), s)?;
    let m = to_micros(n)
        .checked_add(amount.checked_mul(per).ok_or_else(|| raise("ArgumentError", "amount too large", s))?)
        .ok_or_else(|| raise("ArgumentError", "amount too large", s))?;
    Ok(wrap(from_micros(m, n.time.precision.max(prec)), utc))
}

fn moment_diff(a: Vec<Value>, s: Span) -> EResult<Value> {
    let (x, _) = ndt_of(&a[0], s)?;
    let (y, _) = ndt_of(&a[1], s)?;
    let (per, _) = unit(a.get(2), s)?;
    Ok(Value::Int(to_micros(x).div_euclid(per) - to_micros(y).div_euclid(per)))
}

fn moment_shift(a: Vec<Value>, s: Span) -> EResult<Value> {
    let (n, utc) = ndt_of(&a[0], s)?;
    let sh = Shift::parse(&a[1], s)?;
    let d = sh.apply_date(n.date);
    let base = NaiveDateTime { date: d, time: n.time };
    let m = to_micros(base).checked_add(sh.micros).ok_or_else(|| raise("ArgumentError", "shift amount too large", s))?;
    Ok(wrap(from_micros(m, n.time.precision.max(sh.precision)), utc))
}

/// A `shift/2` duration: calendar months and days, plus exact time.
struct Shift {
    months: i64,
    days: i64,
    micros: i64,
    precision: u8,
}

impl Shift {
    fn parse(v: &Value, s: Span) -> EResult<Shift> {
        let mut sh = Shift { months: 0, days: 0, micros: 0, precision: 0 };
        let pairs: Vec<(String, Value)> = match v {
            Value::List(_) => v
                .as_keyword()
                .ok_or_else(|| args::arg_error("shift/2", "a keyword list", v, s))?
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            Value::Struct(st) if st.name() == "Duration" => st.fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            other => return Err(args::arg_error("shift/2", "a keyword list or a Duration", other, s)),
        };
        for (k, v) in pairs {
            if k == "microsecond" {
                match v.as_tuple() {
                    Some([Value::Int(n), Value::Int(p)]) => {
                        sh.micros = sh.micros.checked_add(*n).ok_or_else(|| raise("ArgumentError", "shift amount too large", s))?;
                        sh.precision = sh.precision.max((*p).clamp(0, 6) as u8);
                    }
                    _ => {
                        let n = int(&v, s)?;
                        sh.micros = sh.micros.checked_add(n).ok_or_else(|| raise("ArgumentError", "shift amount too large", s))?;
                        if n != 0 {
                            sh.precision = 6;
                        }
                    }
                }
                continue;
            }
            let n = int(&v, s)?;
            let over = || raise("ArgumentError", "shift amount too large", s);
            let add = |acc: i64, x: i64, by: i64| acc.checked_add(x.checked_mul(by).ok_or_else(over)?).ok_or_else(over);
            match k.as_str() {
                "year" => sh.months = add(sh.months, n, 12)?,
                "month" => sh.months = add(sh.months, n, 1)?,
                "week" => sh.days = add(sh.days, n, 7)?,
                "day" => sh.days = add(sh.days, n, 1)?,
                "hour" => sh.micros = add(sh.micros, n, 3_600_000_000)?,
                "minute" => sh.micros = add(sh.micros, n, 60_000_000)?,
                "second" => sh.micros = add(sh.micros, n, 1_000_000)?,
                other => return Err(raise("ArgumentError", format!("unsupported unit :{other} in shift"), s)),
            }
        }
        Ok(sh)
    }

    fn apply_date(&self, d: Date) -> Date {
        let months = self.months.clamp(-240_000, 240_000);
        let days = self.days.clamp(-7_300_000, 7_300_000);
        let total = d.year as i64 * 12 + (d.month as i64 - 1) + months;
        let year = total.div_euclid(12) as i32;
        let month = (total.rem_euclid(12) + 1) as u8;
        let day = d.day.min(days_in_month(year, month));
        let shifted = Date { year, month, day };
        Date::from_days(shifted.to_days() + days)
    }
}

fn mk_time(a: &[Value], s: Span) -> EResult<Option<Time>> {
    let (h, m, sec) = (int(&a[0], s)?, int(&a[1], s)?, int(&a[2], s)?);
    let (micro, prec) = match a.get(3) {
        None => (0, 0),
        Some(Value::Int(us)) => (*us, 6),
        Some(Value::Tuple(t)) => match t.as_slice() {
            [Value::Int(us), Value::Int(p)] => (*us, *p),
            _ => return Ok(None),
        },
        Some(_) => return Ok(None),
    };
    if !(0..24).contains(&h)
        || !(0..60).contains(&m)
        || !(0..60).contains(&sec)
        || !(0..1_000_000).contains(&micro)
        || !(0..=6).contains(&prec)
    {
        return Ok(None);
    }
    Ok(Time::new(h as u8, m as u8, sec as u8, micro as u32, prec as u8))
}

fn ndt_new(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let built = if matches!(a.len(), 2 | 3) {
        let d = date_of(&a[0], s)?;
        let t = time_of(&a[1], s)?;
        Some(NaiveDateTime { date: d, time: t })
    } else {
        let date = mk_date(int(&a[0], s)?, int(&a[1], s)?, int(&a[2], s)?);
        let time = mk_time(&a[3..a.len().min(7)], s)?;
        match (date, time) {
            (Some(d), Some(t)) => Some(NaiveDateTime { date: d, time: t }),
            (None, _) => return Ok(Value::error(Value::atom("invalid_date"))),
            (_, None) => return Ok(Value::error(Value::atom("invalid_time"))),
        }
    };
    Ok(match built {
        Some(n) => Value::ok(Value::NaiveDateTime(n)),
        None => Value::error(Value::atom("invalid_date")),
    })
}

fn erl_ndt(v: &Value, s: Span) -> EResult<Option<NaiveDateTime>> {
    let Some([d, t]) = v.as_tuple() else { return Ok(None) };
    let (Some([y, mo, da]), Some([h, mi, se])) = (d.as_tuple(), t.as_tuple()) else { return Ok(None) };
    let date = mk_date(int(y, s)?, int(mo, s)?, int(da, s)?);
    let time = mk_time(&[h.clone(), mi.clone(), se.clone()], s)?;
    Ok(match (date, time) {
        (Some(d), Some(t)) => Some(NaiveDateTime { date: d, time: t }),
        _ => None,
    })
}

fn from_unix(a: &[Value], s: Span) -> EResult<Option<Value>> {
    let n = int(&a[0], s)?;
    let (per, prec) = unit(a.get(1), s)?;
    let Some(total) = n.checked_mul(per).and_then(|m| m.checked_add(UNIX_EPOCH_SECONDS * 1_000_000)) else { return Ok(None) };
    if !(0..=315_537_897_599_999_999).contains(&total) {
        return Ok(None);
    }
    Ok(Some(Value::DateTime(DateTime { naive: from_micros(total, prec) })))
}

// ---- ISO 8601 parsing ---------------------------------------------------------------------

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

/// `YYYY-MM-DD` or `YYYYMMDD`.
/// `Calendar.ISO.parse_date/2`: the extended format (`2024-01-31`) or,
/// with `basic`, the basic one (`20240131`); never the other.
fn parse_date(t: &str, basic: bool) -> Result<Date, &'static str> {
    // ISO 8601 is ASCII: anything else is refused before it is sliced.
    if !t.is_ascii() {
        return Err("invalid_format");
    }
    let (y, m, d) = if !basic && t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-' {
        (&t[0..4], &t[5..7], &t[8..10])
    } else if basic && t.len() == 8 && all_digits(t) {
        (&t[0..4], &t[4..6], &t[6..8])
    } else {
        return Err("invalid_format");
    };
    if !(all_digits(y) && all_digits(m) && all_digits(d)) {
        return Err("invalid_format");
    }
    let (y, m, d) = (y.parse().unwrap_or(0), m.parse().unwrap_or(0), d.parse().unwrap_or(0));
    mk_date(y, m, d).ok_or("invalid_date")
}

fn parse_time(t: &str, basic: bool) -> Result<Time, &'static str> {
    // ISO 8601 is ASCII: anything else is refused before it is sliced.
    if !t.is_ascii() {
        return Err("invalid_format");
    }
    let t = t.strip_prefix('T').unwrap_or(t);
    // Drop an offset suffix (ignored for Time).
    let end = t.find(['Z', 'z', '+', '-']).unwrap_or(t.len());
    let (body, zone) = t.split_at(end);
    if !zone.is_empty() && parse_offset(zone).is_none() {
        return Err("invalid_format");
    }
    parse_time_body(body, basic)
}

fn parse_time_body(body: &str, basic: bool) -> Result<Time, &'static str> {
    if !body.is_ascii() {
        return Err("invalid_format");
    }
    let b = body.as_bytes();
    let (h, m, sec, rest) = if !basic && b.len() >= 8 && b[2] == b':' && b[5] == b':' {
        (&body[0..2], &body[3..5], &body[6..8], &body[8..])
    } else if basic && b.len() >= 6 && all_digits(&body[0..6]) {
        (&body[0..2], &body[2..4], &body[4..6], &body[6..])
    } else {
        return Err("invalid_format");
    };
    if !(all_digits(h) && all_digits(m) && all_digits(sec)) {
        return Err("invalid_format");
    }
    let (micro, precision) = if rest.is_empty() {
        (0, 0)
    } else {
        let frac = rest.strip_prefix('.').or_else(|| rest.strip_prefix(',')).ok_or("invalid_format")?;
        if !all_digits(frac) {
            return Err("invalid_format");
        }
        let digits: String = frac.chars().take(6).collect();
        let p = digits.len();
        let v: u32 = digits.parse().unwrap_or(0) * 10u32.pow(6 - p as u32);
        (v, p as u8)
    };
    let (h, m, sec): (u8, u8, u8) = (h.parse().unwrap_or(99), m.parse().unwrap_or(99), sec.parse().unwrap_or(99));
    Time::new(h, m, sec, micro, precision).ok_or("invalid_time")
}

/// A datetime with an optional offset in seconds.
fn parse_ndt(t: &str, basic: bool) -> Result<(NaiveDateTime, Option<i64>), &'static str> {
    // ISO 8601 is ASCII: anything else is refused before it is sliced.
    if !t.is_ascii() {
        return Err("invalid_format");
    }
    let date_len = if basic { 8 } else { 10 };
    if t.len() < date_len || !t.is_char_boundary(date_len) {
        return Err("invalid_format");
    }
    let (date_part, rest) = t.split_at(date_len);
    let date = parse_date(date_part, basic)?;
    let sep = rest.chars().next().ok_or("invalid_format")?;
    if !matches!(sep, 'T' | 't' | ' ') {
        return Err("invalid_format");
    }
    let rest = &rest[1..];
    let end = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (body, zone) = rest.split_at(end);
    let time = parse_time_body(body, basic)?;
    let offset = if zone.is_empty() { None } else { Some(parse_offset(zone).ok_or("invalid_format")?) };
    Ok((NaiveDateTime { date, time }, offset))
}

/// An extended ISO 8601 text in the format `to_iso8601/2` asks for: `:basic`
/// drops the date's dashes and the time's colons.
fn iso_format(extended: String, format: Option<&Value>) -> String {
    if format.and_then(Value::as_atom) == Some("basic") {
        extended.replace(['-', ':'], "")
    } else {
        extended
    }
}

/// Whether `DateTime.from_iso8601/2,3`'s format (the second argument when
/// it is `:basic`/`:extended`, else the third) asks for the basic format.
fn iso_basic(rest: &[Value]) -> bool {
    rest.iter().any(|v| v.as_atom() == Some("basic"))
}

// ---- Date.range -----------------------------------------------------------------------------

fn date_range(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let first = date_of(&a[0], s)?;
    let last = date_of(&a[1], s)?;
    let step = match a.get(2) {
        Some(v) => int(v, s)?,
        None => {
            if first <= last {
                1
            } else {
                -1
            }
        }
    };
    if step == 0 {
        return Err(raise("ArgumentError", "the step must be a non-zero integer", s));
    }
    let f = |k: &str, v: Value| (Rc::from(k), v);
    Ok(Value::Struct(Rc::new(Struct {
        module: Rc::from("Elixir.Date.Range"),
        fields: vec![
            f("first", Value::Date(first)),
            f("last", Value::Date(last)),
            f("first_in_iso_days", Value::Int(first.to_days())),
            f("last_in_iso_days", Value::Int(last.to_days())),
            f("step", Value::Int(step)),
        ],
    })))
}

/// The dates of a `%Date.Range{}`.
pub(crate) fn date_range_items(st: &Struct) -> Option<Vec<Value>> {
    let first = match st.get("first")? {
        Value::Date(d) => *d,
        _ => return None,
    };
    let last = match st.get("last")? {
        Value::Date(d) => *d,
        _ => return None,
    };
    let step = st.get("step")?.as_int()?;
    let (a, b) = (first.to_days(), last.to_days());
    if step == 0 || (step > 0 && a > b) || (step < 0 && a < b) {
        return Some(vec![]);
    }
    let n = (b - a) / step + 1;
    if n > 10_000_000 {
        return None;
    }
    Some((0..n).map(|k| Value::Date(Date::from_days(a + k * step))).collect())
}

// ---- Calendar.strftime ----------------------------------------------------------------------

const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

fn strftime(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let fmt = args::string("Calendar.strftime/2", &a[1], s)?;
    let v = &a[0];
    let date = date_of(v, s).ok();
    let time = time_of(v, s).ok();
    let is_utc = matches!(v, Value::DateTime(_));
    let mut opts: BTreeMap<String, Value> = BTreeMap::new();
    if let Some(kw) = a.get(2).and_then(|o| o.as_keyword()) {
        for (k, v) in kw {
            opts.insert(k.to_string(), v.clone());
        }
    }
    let month_name = |m: u8| -> String {
        match opts.get("month_names") {
            Some(Value::Fun(_)) => MONTHS[(m - 1) as usize].to_string(),
            _ => MONTHS[(m - 1) as usize].to_string(),
        }
    };
    let need = |what: &str| raise("KeyError", format!("key :{what} not found in: {}", inspect::key_error_term(v)), s);
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        // flags and width
        let mut pad: Option<char> = None;
        while i < chars.len() && matches!(chars[i], '-' | '0' | '_') {
            pad = Some(chars[i]);
            i += 1;
        }
        let mut width = String::new();
        while i < chars.len() && chars[i].is_ascii_digit() {
            width.push(chars[i]);
            i += 1;
        }
        let Some(&d) = chars.get(i) else { break };
        i += 1;
        let num = |n: i64, default_width: usize, default_pad: char| -> String {
            let w = width.parse().unwrap_or(default_width);
            let p = pad.unwrap_or(default_pad);
            let body = n.abs().to_string();
            let sign = if n < 0 { "-" } else { "" };
            match p {
                '-' => format!("{sign}{body}"),
                '_' => format!("{sign}{body:>w$}", w = w.saturating_sub(sign.len())),
                _ => format!("{sign}{body:0>w$}", w = w.saturating_sub(sign.len())),
            }
        };
        let text = |t: String| -> String {
            let w: usize = width.parse().unwrap_or(0);
            let p = match pad {
                Some('0') => '0',
                _ => ' ',
            };
            if t.chars().count() >= w {
                t
            } else {
                format!("{}{}", p.to_string().repeat(w - t.chars().count()), t)
            }
        };
        let piece = match d {
            '%' => "%".to_string(),
            'Y' => num(date.ok_or_else(|| need("year"))?.year as i64, 0, '0'),
            'y' => num((date.ok_or_else(|| need("year"))?.year as i64).rem_euclid(100), 2, '0'),
            'm' => num(date.ok_or_else(|| need("month"))?.month as i64, 2, '0'),
            'd' => num(date.ok_or_else(|| need("day"))?.day as i64, 2, '0'),
            'j' => {
                let dt = date.ok_or_else(|| need("day"))?;
                num(dt.to_days() - Date { year: dt.year, month: 1, day: 1 }.to_days() + 1, 3, '0')
            }
            'B' => text(month_name(date.ok_or_else(|| need("month"))?.month)),
            'b' => text(month_name(date.ok_or_else(|| need("month"))?.month).chars().take(3).collect()),
            'A' => text(DAYS[(date.ok_or_else(|| need("day"))?.day_of_week() - 1) as usize].to_string()),
            'a' => text(DAYS[(date.ok_or_else(|| need("day"))?.day_of_week() - 1) as usize].chars().take(3).collect()),
            'u' => num(date.ok_or_else(|| need("day"))?.day_of_week() as i64, 1, '0'),
            'q' => num((date.ok_or_else(|| need("month"))?.month as i64 - 1) / 3 + 1, 1, '0'),
            'H' => num(time.ok_or_else(|| need("hour"))?.hour as i64, 2, '0'),
            'I' => {
                let h = time.ok_or_else(|| need("hour"))?.hour as i64 % 12;
                num(if h == 0 { 12 } else { h }, 2, '0')
            }
            'M' => num(time.ok_or_else(|| need("minute"))?.minute as i64, 2, '0'),
            'S' => num(time.ok_or_else(|| need("second"))?.second as i64, 2, '0'),
            'p' => text(if time.ok_or_else(|| need("hour"))?.hour < 12 { "AM" } else { "PM" }.to_string()),
            'P' => text(if time.ok_or_else(|| need("hour"))?.hour < 12 { "am" } else { "pm" }.to_string()),
            'f' => {
                let t = time.ok_or_else(|| need("microsecond"))?;
                // the precision's digits (at least one); width and padding are ignored
                let digits = format!("{:06}", t.micro);
                digits[..(t.precision as usize).clamp(1, 6)].to_string()
            }
            // Offsets and zone names: empty for values without a time zone.
            'z' => {
                if is_utc {
                    "+0000".to_string()
                } else {
                    String::new()
                }
            }
            'Z' => text(if is_utc { "UTC".to_string() } else { String::new() }),
            's' => {
                let dt = date.ok_or_else(|| need("year"))?;
                let t = time.ok_or_else(|| need("hour"))?;
                let secs = (dt.to_days() - Date { year: 1970, month: 1, day: 1 }.to_days()) * 86_400
                    + t.hour as i64 * 3600
                    + t.minute as i64 * 60
                    + t.second as i64;
                secs.to_string()
            }
            // Calendar.strftime/3 knows only the modifiers Elixir documents.
            'X' => {
                let t = time.ok_or_else(|| need("hour"))?;
                format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second)
            }
            'x' => date.ok_or_else(|| need("year"))?.iso(),
            'c' => {
                let dt = date.ok_or_else(|| need("year"))?;
                let t = time.ok_or_else(|| need("hour"))?;
                format!("{} {:02}:{:02}:{:02}", dt.iso(), t.hour, t.minute, t.second)
            }
            other => return Err(raise("ArgumentError", format!("invalid strftime format: %{other}"), s)),
        };
        out.push_str(&piece);
    }
    Ok(Value::string(out))
}
