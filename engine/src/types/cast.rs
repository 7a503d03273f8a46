//! `Ecto.Type.cast/2`.

use std::rc::Rc;

use super::datetime::{self, DateTimeParse};
use super::{field_of, is_map_like, Type};
use crate::diag::Span;
use crate::eval::{EResult, Interp};
use crate::value::{Date, DateTime, Decimal, MapT, NaiveDateTime, Time, Value};

/// The outcome of a cast.
#[derive(Clone, Debug, PartialEq)]
pub enum Cast {
    Ok(Value),
    /// `:error`
    Invalid,
    /// `{:error, keyword}`: custom error metadata (`validation: :inclusion,
    /// enum: [...]`, `message: "..."`, `source: [index]`).
    Error(Vec<(Rc<str>, Value)>),
}

impl Cast {
    pub fn ok(self) -> Option<Value> {
        match self {
            Cast::Ok(v) => Some(v),
            _ => None,
        }
    }

    /// The Elixir term: `{:ok, v}`, `:error` or `{:error, keyword}`.
    pub fn to_value(&self) -> Value {
        match self {
            Cast::Ok(v) => Value::ok(v.clone()),
            Cast::Invalid => Value::atom("error"),
            Cast::Error(kw) => Value::error(Value::list(kw.iter().map(|(k, v)| Value::tuple(vec![Value::atom(k), v.clone()])).collect())),
        }
    }

    /// Reads what a custom type's `cast/1` returned.
    pub fn from_value(v: &Value) -> Option<Cast> {
        match v {
            Value::Atom(a) if &**a == "error" => Some(Cast::Invalid),
            Value::Tuple(t) if t.len() == 2 => match t[0].as_atom()? {
                "ok" => Some(Cast::Ok(t[1].clone())),
                "error" => {
                    let kw = t[1].as_keyword()?;
                    Some(Cast::Error(kw.into_iter().map(|(k, v)| (Rc::from(k), v.clone())).collect()))
                }
                _ => None,
            },
            _ => None,
        }
    }
}

fn from_opt(v: Option<Value>) -> Cast {
    match v {
        Some(v) => Cast::Ok(v),
        None => Cast::Invalid,
    }
}

/// `Ecto.Type.cast(type, value)`.
pub fn cast(interp: &mut Interp, ty: &Type, v: &Value, span: Span) -> EResult<Cast> {
    match ty {
        Type::Enum(e) => {
            return Ok(match v {
                Value::Nil => Cast::Ok(Value::Nil),
                _ => match e.cast(v) {
                    Some(x) => Cast::Ok(x),
                    None => Cast::Error(vec![(Rc::from("validation"), Value::atom("inclusion")), (Rc::from("enum"), e.cast_keys())]),
                },
            })
        }
        Type::Embedded(params) => return Ok(cast_embedded(params, v)),
        Type::Parameterized(m, params) => {
            let r = interp.call(m, "cast", vec![v.clone(), params.clone()], span)?;
            return Ok(Cast::from_value(&r).unwrap_or(Cast::Invalid));
        }
        Type::In(_) if matches!(v, Value::Nil) => return Ok(Cast::Invalid),
        _ => {}
    }
    if matches!(v, Value::Nil) {
        return Ok(Cast::Ok(Value::Nil));
    }
    if let Type::Try(inner) = ty {
        return Ok(match cast(interp, inner, v, span)? {
            Cast::Ok(x) => Cast::Ok(x),
            _ => Cast::Ok(v.clone()),
        });
    }
    cast_non_nil(interp, ty, v, span)
}

fn cast_non_nil(interp: &mut Interp, ty: &Type, v: &Value, span: Span) -> EResult<Cast> {
    Ok(match ty {
        Type::Integer | Type::Id => from_opt(cast_integer(v)),
        Type::Float => from_opt(cast_float(v)),
        Type::Boolean => from_opt(cast_boolean(v)),
        Type::Map => from_opt(is_map_like(v).then(|| v.clone())),
        Type::String | Type::Binary | Type::BinaryId => from_opt(v.is_binary().then(|| v.clone())),
        Type::Bitstring => from_opt(v.is_binary().then(|| v.clone())),
        Type::Any => Cast::Ok(v.clone()),
        Type::Decimal => from_opt(cast_decimal(v)),
        Type::Date => from_opt(cast_date(v).map(|d| d.map_or(Value::Nil, Value::Date))),
        Type::Time => from_opt(cast_time(v).map(|t| t.map_or(Value::Nil, |t| Value::Time(datetime::truncate_time(t))))),
        Type::TimeUsec => from_opt(cast_time(v).map(|t| t.map_or(Value::Nil, |t| Value::Time(datetime::pad_time(t))))),
        Type::NaiveDatetime => from_opt(cast_naive(v).map(|n| n.map_or(Value::Nil, |n| Value::NaiveDateTime(datetime::truncate_naive(n))))),
        Type::NaiveDatetimeUsec => from_opt(cast_naive(v).map(|n| n.map_or(Value::Nil, |n| Value::NaiveDateTime(datetime::pad_naive(n))))),
        Type::UtcDatetime => {
            from_opt(cast_utc(v).map(|d| d.map_or(Value::Nil, |d| Value::DateTime(DateTime { naive: datetime::truncate_naive(d.naive) }))))
        }
        Type::UtcDatetimeUsec => {
            from_opt(cast_utc(v).map(|d| d.map_or(Value::Nil, |d| Value::DateTime(DateTime { naive: datetime::pad_naive(d.naive) }))))
        }
        Type::SupertypeDatetime => match v {
            Value::DateTime(_) => from_opt(cast_utc(v).map(|d| d.map_or(Value::Nil, Value::DateTime))),
            _ => from_opt(cast_naive(v).map(|n| n.map_or(Value::Nil, Value::NaiveDateTime))),
        },
        Type::Duration => Cast::Invalid,
        Type::Array(inner) | Type::In(inner) => {
            let skip_nil = !matches!(**inner, Type::Enum(_) | Type::Embedded(_) | Type::Parameterized(..));
            let items: Vec<Value> = match v {
                Value::List(l) => l.to_vec(),
                Value::MapSet(s) => s.iter().cloned().collect(),
                Value::Range(a, b, step) => range_items(*a, *b, *step),
                _ => return Ok(Cast::Invalid),
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                if skip_nil && matches!(item, Value::Nil) {
                    out.push(Value::Nil);
                    continue;
                }
                match cast(interp, inner, item, span)? {
                    Cast::Ok(x) => out.push(x),
                    Cast::Invalid => return Ok(Cast::Invalid),
                    Cast::Error(kw) => return Ok(Cast::Error(add_source(kw, Value::Int(i as i64)))),
                }
            }
            Cast::Ok(Value::list(out))
        }
        Type::MapOf(inner) => {
            let Value::Map(m) = v else { return Ok(Cast::Invalid) };
            let skip_nil = !matches!(**inner, Type::Enum(_) | Type::Embedded(_) | Type::Parameterized(..));
            let mut out = MapT::new();
            for (k, item) in m.iter() {
                if skip_nil && matches!(item, Value::Nil) {
                    out.insert(k.clone(), Value::Nil);
                    continue;
                }
                match cast(interp, inner, item, span)? {
                    Cast::Ok(x) => {
                        out.insert(k.clone(), x);
                    }
                    Cast::Invalid => return Ok(Cast::Invalid),
                    Cast::Error(kw) => return Ok(Cast::Error(add_source(kw, k.clone()))),
                }
            }
            Cast::Ok(Value::map(out))
        }
        Type::Uuid => from_opt(super::uuid::cast(v)),
        Type::Custom(m) => {
            let r = interp.call(m, "cast", vec![v.clone()], span)?;
            Cast::from_value(&r).unwrap_or(Cast::Invalid)
        }
        Type::Other(_) => Cast::Invalid,
        // Handled in `cast`.
        Type::Enum(_) | Type::Embedded(_) | Type::Parameterized(..) | Type::Try(_) => Cast::Invalid,
    })
}

fn range_items(a: i64, b: i64, step: i64) -> Vec<Value> {
    let mut out = Vec::new();
    if step == 0 {
        return out;
    }
    let mut i = a;
    while (step > 0 && i <= b) || (step < 0 && i >= b) {
        out.push(Value::Int(i));
        if out.len() > 1_000_000 {
            break;
        }
        match i.checked_add(step) {
            Some(n) => i = n,
            None => break,
        }
    }
    out
}

fn add_source(mut kw: Vec<(Rc<str>, Value)>, key: Value) -> Vec<(Rc<str>, Value)> {
    if let Some(slot) = kw.iter_mut().find(|(k, _)| &**k == "source") {
        let mut list = vec![key];
        if let Some(rest) = slot.1.as_list() {
            list.extend(rest.iter().cloned());
        }
        slot.1 = Value::list(list);
    } else {
        kw.push((Rc::from("source"), Value::list(vec![key])));
    }
    kw
}

fn cast_embedded(params: &Value, v: &Value) -> Cast {
    let cardinality = params.get_field("cardinality").and_then(|c| c.as_atom()).unwrap_or("one");
    let related = params.get_field("related").and_then(|r| r.as_atom()).unwrap_or("");
    let is_related = |x: &Value| matches!(x, Value::Struct(s) if &*s.module == related);
    match (cardinality, v) {
        ("one", Value::Nil) => Cast::Ok(Value::Nil),
        ("one", x) if is_related(x) => Cast::Ok(x.clone()),
        ("many", Value::Nil) => Cast::Ok(Value::list(vec![])),
        ("many", Value::List(l)) if l.iter().all(is_related) => Cast::Ok(v.clone()),
        _ => Cast::Invalid,
    }
}

/// `Integer.parse/1` that must consume the whole string.
pub fn parse_integer(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let digits = match b.first() {
        Some(b'+') | Some(b'-') => &s[1..],
        _ => s,
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

fn cast_integer(v: &Value) -> Option<Value> {
    match v {
        Value::Int(_) => Some(v.clone()),
        Value::Str(s) if s.len() < 32 => parse_integer(s).map(Value::Int),
        _ => None,
    }
}

/// `Float.parse/1` that must consume the whole string: `[+-]digits[.digits][e[+-]digits]`.
pub fn parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+') | Some(b'-')) {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == int_start {
        return None;
    }
    if i < b.len() && b[i] == b'.' {
        let frac_start = i + 1;
        let mut j = frac_start;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == frac_start {
            return None;
        }
        i = j;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let exp_start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == exp_start {
            return None;
        }
        i = j;
    }
    if i != b.len() {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    f.is_finite().then_some(f)
}

fn cast_float(v: &Value) -> Option<Value> {
    match v {
        Value::Float(_) => Some(v.clone()),
        Value::Int(i) => Some(Value::Float(*i as f64)),
        Value::Str(s) => parse_float(s).map(Value::Float),
        _ => None,
    }
}

fn cast_boolean(v: &Value) -> Option<Value> {
    match v {
        Value::Bool(_) => Some(v.clone()),
        Value::Str(s) => match &**s {
            "true" | "1" => Some(Value::Bool(true)),
            "false" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => None,
    }
}

/// `Decimal.parse/1` that must consume the whole string (no infinities or NaN).
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    let b = s.as_bytes();
    let mut i = 0;
    let sign = match b.first() {
        Some(b'-') => {
            i = 1;
            -1
        }
        Some(b'+') => {
            i = 1;
            1
        }
        _ => 1,
    };
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int = &s[int_start..i];
    let mut frac = "";
    if i < b.len() && b[i] == b'.' {
        let start = i + 1;
        let mut j = start;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        frac = &s[start..j];
        i = j;
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut exp: i64 = -(frac.len() as i64);
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        let esign = match b.get(j) {
            Some(b'-') => {
                j += 1;
                -1
            }
            Some(b'+') => {
                j += 1;
                1
            }
            _ => 1,
        };
        let start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == start {
            return None;
        }
        let e: i64 = s[start..j].parse().ok()?;
        exp += esign * e;
        i = j;
    }
    if i != b.len() {
        return None;
    }
    let digits = format!("{int}{frac}");
    let trimmed = digits.trim_start_matches('0');
    let coef: u128 = if trimmed.is_empty() { 0 } else { trimmed.parse().ok()? };
    Some(Decimal { sign, coef, exp: i32::try_from(exp).ok()? })
}

fn cast_decimal(v: &Value) -> Option<Value> {
    match v {
        Value::Str(s) => parse_decimal(s).map(|d| Value::Decimal(Rc::new(d))),
        other => same_decimal(other),
    }
}

/// Ecto's `same_decimal`: integers and floats become decimals.
pub fn same_decimal(v: &Value) -> Option<Value> {
    match v {
        Value::Int(i) => Some(Value::Decimal(Rc::new(Decimal::from_i64(*i)))),
        Value::Float(f) => decimal_from_float(*f).map(|d| Value::Decimal(Rc::new(d))),
        Value::Decimal(_) => Some(v.clone()),
        _ => None,
    }
}

/// Ecto's `to_i`: integers, or strings that are wholly an integer.
fn to_i(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Int(i) => Some(*i),
        Value::Str(s) if s.len() < 32 => parse_integer(s),
        _ => None,
    }
}

fn is_empty_part(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Nil)) || matches!(v, Some(Value::Str(s)) if s.is_empty())
}

/// The value under a string key and its atom twin: `(string_key, atom_key)`
/// lookups on a map, or field access on a struct-like value.
struct Parts<'a> {
    v: &'a Value,
    string_keys: bool,
}

impl Parts<'_> {
    /// Which key style matches `required` keys (string keys win, as in Ecto's clause order).
    fn new<'a>(v: &'a Value, required: &[&str]) -> Option<Parts<'a>> {
        if let Value::Map(m) = v {
            if required.iter().all(|k| m.contains_key(&Value::str(k))) {
                return Some(Parts { v, string_keys: true });
            }
        }
        if required.iter().all(|k| field_of(v, k).is_some()) {
            return Some(Parts { v, string_keys: false });
        }
        None
    }

    fn get(&self, key: &str) -> Option<Value> {
        if self.string_keys {
            self.v.as_map().and_then(|m| m.get(&Value::str(key)).cloned())
        } else {
            field_of(self.v, key)
        }
    }

    /// All given keys hold the same empty value (`""` or `nil`).
    fn all_empty(&self, keys: &[&str]) -> bool {
        let vals: Vec<Option<Value>> = keys.iter().map(|k| self.get(k)).collect();
        let first = &vals[0];
        is_empty_part(first.as_ref()) && vals.iter().all(|v| v == first)
    }
}

fn date_from_parts(y: Option<i64>, m: Option<i64>, d: Option<i64>) -> Option<Date> {
    Date::new(i32::try_from(y?).ok()?, u8::try_from(m?).ok()?, u8::try_from(d?).ok()?)
}

/// `cast_date`: `Some(None)` is a successful cast to nil (all parts empty).
fn cast_date(v: &Value) -> Option<Option<Date>> {
    match v {
        Value::Str(s) => match datetime::parse_date(s) {
            Some(d) => Some(Some(d)),
            None => datetime::parse_naive(s).map(|n| Some(n.date)),
        },
        Value::Bytes(_) => None,
        Value::DateTime(d) => Some(Some(d.naive.date)),
        Value::Date(d) => Some(Some(*d)),
        Value::NaiveDateTime(n) => Some(Some(n.date)),
        _ => {
            let parts = Parts::new(v, &["year", "month", "day"])?;
            if parts.all_empty(&["year", "month", "day"]) {
                return Some(None);
            }
            date_from_parts(to_i(parts.get("year").as_ref()), to_i(parts.get("month").as_ref()), to_i(parts.get("day").as_ref())).map(Some)
        }
    }
}

fn time_from_parts(h: Option<i64>, m: Option<i64>, s: Option<i64>, usec: Option<(i64, i64)>) -> Option<Time> {
    let (micro, precision) = usec.unwrap_or((0, 0));
    Time::new(
        u8::try_from(h?).ok()?,
        u8::try_from(m?).ok()?,
        u8::try_from(s.unwrap_or(0)).ok()?,
        u32::try_from(micro).ok()?,
        u8::try_from(precision).ok()?,
    )
}

/// `cast_time`: `Some(None)` is a successful cast to nil.
fn cast_time(v: &Value) -> Option<Option<Time>> {
    match v {
        Value::Str(s) => {
            let b = s.as_bytes();
            if b.len() == 5 && b[2] == b':' {
                // "HH:MM"
                let h = to_i(Some(&Value::str(&s[0..2])));
                let m = to_i(Some(&Value::str(&s[3..5])));
                return time_from_parts(h, m, Some(0), None).map(Some);
            }
            datetime::parse_time(s).map(Some)
        }
        Value::Bytes(_) => None,
        Value::Time(t) => Some(Some(*t)),
        Value::NaiveDateTime(n) => Some(Some(n.time)),
        Value::DateTime(d) => Some(Some(d.naive.time)),
        _ => {
            let parts = Parts::new(v, &["hour", "minute"])?;
            if parts.all_empty(&["hour", "minute"]) {
                return Some(None);
            }
            let h = to_i(parts.get("hour").as_ref());
            let m = to_i(parts.get("minute").as_ref());
            // Unparseable seconds/microseconds count as absent (Ecto's `to_i` gives nil).
            let s = to_i(parts.get("second").as_ref());
            let usec = match parts.get("microsecond") {
                Some(Value::Tuple(t)) if !parts.string_keys && t.len() == 2 => Some((to_i(Some(&t[0]))?, to_i(Some(&t[1]))?)),
                other => to_i(other.as_ref()).map(|u| (u, 6)),
            };
            time_from_parts(h, m, s, usec).map(Some)
        }
    }
}

fn naive_short(s: &str) -> Option<NaiveDateTime> {
    // "YYYY-MM-DD HH:MM" / "YYYY-MM-DDTHH:MM"
    let b = s.as_bytes();
    if b.len() != 16 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b' ' || b[10] == b'T') || b[13] != b':' {
        return None;
    }
    let p = |r: std::ops::Range<usize>| to_i(Some(&Value::str(&s[r])));
    let date = date_from_parts(p(0..4), p(5..7), p(8..10))?;
    let time = time_from_parts(p(11..13), p(14..16), Some(0), None)?;
    Some(NaiveDateTime { date, time })
}

fn negate_year(n: NaiveDateTime) -> NaiveDateTime {
    NaiveDateTime { date: Date { year: -n.date.year, ..n.date }, time: n.time }
}

/// `cast_naive_datetime`: `Some(None)` is a successful cast to nil.
fn cast_naive(v: &Value) -> Option<Option<NaiveDateTime>> {
    match v {
        Value::Str(s) => {
            if let Some(rest) = s.strip_prefix('-') {
                return cast_naive(&Value::str(rest)).map(|n| n.map(negate_year));
            }
            if s.len() == 16 {
                return naive_short(s).map(Some);
            }
            datetime::parse_naive(s).map(Some)
        }
        Value::Bytes(_) => None,
        Value::DateTime(d) => Some(Some(d.naive)),
        Value::NaiveDateTime(n) => Some(Some(*n)),
        Value::Date(_) | Value::Time(_) => None,
        _ if is_map_like(v) => {
            let keys = ["year", "month", "day", "hour", "minute"];
            if let Some(parts) = Parts::new(v, &keys) {
                if parts.all_empty(&keys) {
                    return Some(None);
                }
            }
            let date = cast_date(v)??;
            let time = cast_time(v)??;
            Some(Some(NaiveDateTime { date, time }))
        }
        _ => None,
    }
}

/// `cast_utc_datetime`: `Some(None)` is a successful cast to nil.
fn cast_utc(v: &Value) -> Option<Option<DateTime>> {
    match v {
        Value::Str(s) => {
            if let Some(rest) = s.strip_prefix('-') {
                return cast_utc(&Value::str(rest)).map(|d| d.map(|d| DateTime { naive: negate_year(d.naive) }));
            }
            if s.len() == 16 {
                return naive_short(s).map(|n| Some(DateTime { naive: n }));
            }
            match datetime::parse_datetime(s) {
                DateTimeParse::Ok(d) => Some(Some(d)),
                DateTimeParse::MissingOffset => datetime::parse_naive(s).map(|n| Some(DateTime { naive: n })),
                DateTimeParse::Invalid => None,
            }
        }
        Value::DateTime(d) => Some(Some(*d)),
        other => cast_naive(other).map(|n| n.map(|naive| DateTime { naive })),
    }
}

/// Erlang's `io_lib_format:fwrite_g/1`: the shortest round-trip digits of a
/// float, in plain or exponent notation (`2.0`, `1.68`, `1.0e16`, `1.0e-5`).
pub fn fwrite_g(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".to_string() } else { "0.0".to_string() };
    }
    let sci = format!("{:e}", f.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let sci_exp: i64 = exp.parse().unwrap_or(0);
    let l = digits.len() as i64;
    let place = sci_exp - (l - 1);
    let exp_l = sci_exp.to_string();
    let exp_cost = exp_l.len() as i64 + 2;
    let insert_exp = |s: &str| -> String {
        if s.len() == 1 {
            format!("{s}.0e{exp_l}")
        } else {
            format!("{}.{}e{exp_l}", &s[..1], &s[1..])
        }
    };
    let body = if place < 0 {
        if sci_exp >= 0 {
            let at = (l + place) as usize;
            format!("{}.{}", &digits[..at], &digits[at..])
        } else if 2 - place - l <= exp_cost {
            format!("0.{}{}", "0".repeat((-place - l) as usize), digits)
        } else {
            insert_exp(&digits)
        }
    } else {
        let dot = if l == 1 { 1 } else { 0 };
        if exp_cost + dot >= place + 2 && f.abs() < 9007199254740992.0 {
            format!("{}{}.0", digits, "0".repeat(place as usize))
        } else {
            insert_exp(&digits)
        }
    };
    if f < 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

/// `Decimal.from_float/1`: the `fwrite_g` digits with a `.0e` collapsed to `e`.
pub fn decimal_from_float(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    let s = fwrite_g(f).replace(".0e", "e");
    parse_decimal(&s)
}
