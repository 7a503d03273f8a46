//! `Duration` (Elixir 1.17+): the struct of calendar units that `shift/2`
//! takes, its arithmetic, ISO 8601 form and `to_string/2`, and
//! `Kernel.to_timeout/1`.

use std::rc::Rc;

use super::raise;
use crate::diag::Span;
use crate::eval::{args, Builtins, EResult, Interp};
use crate::value::{inspect, Struct, Value};

type F = fn(&mut Interp, Vec<Value>, Span) -> EResult<Value>;

/// The integer units, in the struct's field order (`microsecond` follows).
pub(crate) const UNITS: [&str; 7] = ["year", "month", "week", "day", "hour", "minute", "second"];

/// A duration's fields: the seven integer units and `{microsecond, precision}`.
#[derive(Clone, Copy, Default)]
struct D {
    units: [i64; 7],
    micro: (i64, i64),
}

impl D {
    fn value(&self) -> Value {
        let mut fields: Vec<(Rc<str>, Value)> = UNITS.iter().zip(self.units).map(|(k, v)| (Rc::from(*k), Value::Int(v))).collect();
        fields.push((Rc::from("microsecond"), Value::tuple(vec![Value::Int(self.micro.0), Value::Int(self.micro.1)])));
        Value::Struct(Rc::new(Struct { module: Rc::from("Elixir.Duration"), fields }))
    }

    fn of(v: &Value, fun: &str, s: Span) -> EResult<D> {
        match v {
            Value::Struct(st) if st.name() == "Duration" => {
                let mut d = D::default();
                for (k, unit) in UNITS.iter().enumerate() {
                    d.units[k] = st.get(unit).and_then(Value::as_int).unwrap_or(0);
                }
                if let Some([Value::Int(m), Value::Int(p)]) = st.get("microsecond").and_then(Value::as_tuple) {
                    d.micro = (*m, *p);
                }
                Ok(d)
            }
            other => Err(raise(
                "FunctionClauseError",
                format!("no function clause matching in {fun}: expected a %Duration{{}}, got: {}", inspect::inspect(other)),
                s,
            )),
        }
    }

    /// `Duration.new!/1` from unit pairs, with its checks.
    fn new(pairs: &Value, s: Span) -> EResult<D> {
        if let Value::Struct(_) = pairs {
            return D::of(pairs, "Duration.new!/1", s);
        }
        let list = args::list("Duration.new!/1", pairs, s)?;
        let mut d = D::default();
        for pair in list {
            let Some([k, v]) = pair.as_tuple() else {
                return Err(raise("ArgumentError", format!("expected a keyword list, got: {}", inspect::inspect(pairs)), s));
            };
            let unit = k.as_atom().unwrap_or("");
            if unit == "microsecond" {
                match v.as_tuple() {
                    Some([Value::Int(m), Value::Int(p)]) if (0..=6).contains(p) => d.micro = (*m, *p),
                    _ => {
                        return Err(raise(
                            "ArgumentError",
                            format!(
                                "unsupported value {} for :microsecond. Expected a tuple {{ms, precision}} where precision is an integer from 0 to 6",
                                inspect::inspect(v)
                            ),
                            s,
                        ))
                    }
                }
                continue;
            }
            let Some(k) = UNITS.iter().position(|u| *u == unit) else {
                return Err(raise(
                    "ArgumentError",
                    format!(
                        "unknown unit {}. Expected :year, :month, :week, :day, :hour, :minute, :second, :microsecond",
                        inspect::inspect(k)
                    ),
                    s,
                ));
            };
            match v {
                Value::Int(n) => d.units[k] = *n,
                other => {
                    return Err(raise(
                        "ArgumentError",
                        format!("unsupported value {} for {}. Expected an integer", inspect::inspect(other), inspect::inspect(&k_atom(k))),
                        s,
                    ))
                }
            }
        }
        Ok(d)
    }

    fn zip(a: D, b: D, f: impl Fn(i64, i64) -> Option<i64>, s: Span) -> EResult<D> {
        let over = || raise("ArithmeticError", "bad argument in arithmetic expression", s);
        let mut d = D::default();
        for k in 0..7 {
            d.units[k] = f(a.units[k], b.units[k]).ok_or_else(over)?;
        }
        d.micro = (f(a.micro.0, b.micro.0).ok_or_else(over)?, a.micro.1.max(b.micro.1));
        Ok(d)
    }
}

fn k_atom(k: usize) -> Value {
    Value::atom(UNITS[k])
}

/// `Calendar.ISO.microseconds_to_iodata/2`: `ms` as six digits, the first `p` kept.
fn fraction(ms: i64, p: i64) -> String {
    let digits = format!("{:06}", ms.unsigned_abs());
    digits[..(p.clamp(0, 6) as usize)].to_string()
}

/// The seconds with their fraction (`1.002`, `-0.2000`).
fn seconds(second: i64, ms: i64, p: i64) -> String {
    if p == 0 {
        return second.to_string();
    }
    let total = i128::from(second) * 1_000_000 + i128::from(ms);
    let sign = if total < 0 { "-" } else { "" };
    let whole = (total / 1_000_000).unsigned_abs();
    let rest = (total % 1_000_000).unsigned_abs() as i64;
    format!("{sign}{whole}.{}", fraction(rest, p))
}

fn to_iso8601(d: D) -> String {
    let [y, mo, w, day, h, mi, sec] = d.units;
    let pair = |n: i64, c: char| if n == 0 { String::new() } else { format!("{n}{c}") };
    let date = if [y, mo, w, day] == [0; 4] { String::new() } else { [pair(y, 'Y'), pair(mo, 'M'), pair(w, 'W'), pair(day, 'D')].concat() };
    let time = if [h, mi, sec] == [0; 3] && d.micro.0 == 0 {
        String::new()
    } else {
        let second = if sec == 0 && d.micro.0 == 0 { String::new() } else { format!("{}S", seconds(sec, d.micro.0, d.micro.1)) };
        format!("T{}{}{second}", pair(h, 'H'), pair(mi, 'M'))
    };
    if date.is_empty() && time.is_empty() {
        "PT0S".to_string()
    } else {
        format!("P{date}{time}")
    }
}

fn to_string(d: D, opts: Option<&Value>, s: Span) -> EResult<String> {
    let units = opts.and_then(|o| o.keyword_get("units"));
    let separator = match opts.and_then(|o| o.keyword_get("separator")) {
        Some(v) => args::string("Duration.to_string/2", v, s)?.to_string(),
        None => " ".to_string(),
    };
    let label = |key: &str, default: &str| -> String {
        units.and_then(|u| u.keyword_get(key)).and_then(Value::as_str).unwrap_or(default).to_string()
    };
    let defaults = ["a", "mo", "wk", "d", "h", "min", "s"];
    let mut parts: Vec<String> = Vec::new();
    for k in 0..6 {
        if d.units[k] != 0 {
            parts.push(format!("{}{}", d.units[k], label(UNITS[k], defaults[k])));
        }
    }
    if d.units[6] != 0 || d.micro.0 != 0 {
        parts.push(format!("{}{}", seconds(d.units[6], d.micro.0, d.micro.1), label("second", "s")));
    }
    Ok(if parts.is_empty() { format!("0{}", label("second", "s")) } else { parts.join(&separator) })
}

/// `Calendar.ISO.parse_duration/1`: `[+-]P[nY][nM][nW][nD][T[nH][nM][n[.,f]S]]`,
/// each number with its own optional sign.
fn parse_iso8601(text: &str) -> Option<D> {
    let (negate, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let mut rest = rest.strip_prefix('P')?;
    if rest.is_empty() {
        return None;
    }
    let mut d = D::default();
    let mut in_time = false;
    // The next designator must come later in `order` than the last one.
    let date_order = ['Y', 'M', 'W', 'D'];
    let time_order = ['H', 'M', 'S'];
    let mut last: Option<usize> = None;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('T') {
            if in_time || r.is_empty() {
                return None;
            }
            in_time = true;
            last = None;
            rest = r;
            continue;
        }
        let end = rest.find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | ',')))?;
        let (number, tail) = rest.split_at(end);
        let designator = tail.chars().next()?;
        rest = &tail[1..];
        let order: &[char] = if in_time { &time_order } else { &date_order };
        let at = order.iter().position(|c| *c == designator)?;
        if last.is_some_and(|l| l >= at) {
            return None;
        }
        last = Some(at);
        if designator == 'S' && in_time {
            let (whole, frac) = match number.find(['.', ',']) {
                Some(p) => (&number[..p], Some(&number[p + 1..])),
                None => (number, None),
            };
            let sec: i64 = whole.parse().ok()?;
            d.units[6] = sec;
            if let Some(f) = frac {
                if f.is_empty() || f.len() > 6 || !f.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let mut micro: i64 = format!("{f:0<6}").parse().ok()?;
                if whole.starts_with('-') {
                    micro = -micro;
                }
                d.micro = (micro, f.len() as i64);
            }
            continue;
        }
        let n: i64 = number.parse().ok()?;
        let unit = if in_time { 4 + at } else { at };
        d.units[unit] = n;
    }
    if negate {
        d.units.iter_mut().for_each(|u| *u = -*u);
        d.micro.0 = -d.micro.0;
    }
    Some(d)
}

/// `to_timeout/1`: milliseconds from a duration, keyword list, integer or `:infinity`.
fn to_timeout(v: &Value, s: Span) -> EResult<Value> {
    let d = match v {
        Value::Int(n) if *n >= 0 => return Ok(v.clone()),
        Value::Atom(a) if &**a == "infinity" => return Ok(v.clone()),
        Value::Struct(_) => D::of(v, "Kernel.to_timeout/1", s)?,
        Value::List(_) => {
            let mut d = D::default();
            for pair in v.as_list().unwrap_or_default() {
                let Some([k, n]) = pair.as_tuple() else { return Err(bad_timeout(v, s)) };
                let unit = k.as_atom().unwrap_or("");
                let pos = match unit {
                    "week" | "day" | "hour" | "minute" | "second" | "millisecond" => UNITS.iter().position(|u| *u == unit),
                    _ => {
                        return Err(raise(
                            "ArgumentError",
                            format!(
                                "unknown unit {}, expected one of :week, :day, :hour, :minute, :second, :millisecond",
                                inspect::inspect(k)
                            ),
                            s,
                        ))
                    }
                };
                let Value::Int(n) = n else {
                    return Err(raise(
                        "ArgumentError",
                        format!("timeout component values must be integers, got: {}", inspect::inspect(n)),
                        s,
                    ));
                };
                let over = || raise("ArithmeticError", "bad argument in arithmetic expression", s);
                match pos {
                    Some(p) => d.units[p] = d.units[p].checked_add(*n).ok_or_else(over)?,
                    None => d.micro.0 = n.checked_mul(1000).and_then(|m| d.micro.0.checked_add(m)).ok_or_else(over)?,
                }
            }
            d
        }
        _ => return Err(bad_timeout(v, s)),
    };
    if d.units[0] != 0 || d.units[1] != 0 {
        return Err(raise("ArgumentError", "duration with month or year units cannot be converted to timeout", s));
    }
    let [_, _, w, day, h, mi, sec] = d.units.map(i128::from);
    let ms = w * 604_800_000 + day * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + i128::from(d.micro.0) / 1000;
    if ms < 0 {
        return Err(raise("ArgumentError", format!("timeouts must be non-negative, got: {ms}"), s));
    }
    Ok(i64::try_from(ms).map(Value::Int).unwrap_or_else(|_| Value::BigInt(Rc::new(crate::value::bigint::BigInt::from_i128(ms)))))
}

fn bad_timeout(v: &Value, s: Span) -> Box<crate::eval::Error> {
    raise(
        "ArgumentError",
        format!("timeout must be :infinity, a non-negative integer, a Duration, or a keyword list, got: {}", inspect::inspect(v)),
        s,
    )
}

pub fn register(b: &mut Builtins) {
    let fns: &[(&'static str, &[usize], F)] = &[
        ("__struct__", &[0], |_, _, _| Ok(D::default().value())),
        ("new!", &[1], |_, a, s| Ok(D::new(&a[0], s)?.value())),
        ("add", &[2], |_, a, s| {
            let (x, y) = (D::of(&a[0], "Duration.add/2", s)?, D::of(&a[1], "Duration.add/2", s)?);
            Ok(D::zip(x, y, i64::checked_add, s)?.value())
        }),
        ("subtract", &[2], |_, a, s| {
            let (x, y) = (D::of(&a[0], "Duration.subtract/2", s)?, D::of(&a[1], "Duration.subtract/2", s)?);
            Ok(D::zip(x, y, i64::checked_sub, s)?.value())
        }),
        ("multiply", &[2], |_, a, s| {
            let x = D::of(&a[0], "Duration.multiply/2", s)?;
            let Value::Int(n) = a[1] else { return Err(args::arg_error("Duration.multiply/2", "an integer", &a[1], s)) };
            let mut d = D::zip(x, x, |v, _| v.checked_mul(n), s)?;
            d.micro.1 = x.micro.1;
            Ok(d.value())
        }),
        ("negate", &[1], |_, a, s| {
            let x = D::of(&a[0], "Duration.negate/1", s)?;
            Ok(D::zip(x, x, |v, _| v.checked_neg(), s)?.value())
        }),
        ("from_iso8601", &[1], |_, a, s| {
            let t = args::string("Duration.from_iso8601/1", &a[0], s)?;
            Ok(match parse_iso8601(t) {
                Some(d) => Value::ok(d.value()),
                None => Value::error(Value::atom("invalid_duration")),
            })
        }),
        ("from_iso8601!", &[1], |_, a, s| {
            let t = args::string("Duration.from_iso8601!/1", &a[0], s)?;
            match parse_iso8601(t) {
                Some(d) => Ok(d.value()),
                None => Err(raise("ArgumentError", format!("failed to parse duration {t:?}. reason: :invalid_duration"), s)),
            }
        }),
        ("to_iso8601", &[1], |_, a, s| Ok(Value::string(to_iso8601(D::of(&a[0], "Duration.to_iso8601/1", s)?)))),
        ("to_string", &[1, 2], |_, a, s| Ok(Value::string(to_string(D::of(&a[0], "Duration.to_string/2", s)?, a.get(1), s)?))),
    ];
    for (name, ar, f) in fns {
        b.add("Duration", name, ar, *f);
    }
    b.add("Kernel", "to_timeout", &[1], |_, a, s| to_timeout(&a[0], s));
}
