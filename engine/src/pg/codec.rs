//! Values in PostgreSQL's binary wire format, by type OID, as Postgrex's
//! extensions encode parameters and decode columns: integers, floats,
//! `numeric` (a `Decimal` keeping its scale), booleans, text, `bytea`,
//! `uuid` (16 bytes), dates and times (`timestamp` as a `NaiveDateTime`
//! with microseconds, `timestamptz` as a UTC `DateTime`), `json`/`jsonb`
//! (string keys), `void`, records (tuples) and arrays of these (lists).
//!
//! Types without a binary codec here travel as text ([`binary_format`]).

use std::rc::Rc;

use crate::value::{Date, DateTime, Decimal, NaiveDateTime, Time, Value};

pub const BOOL: u32 = 16;
pub const BYTEA: u32 = 17;
pub const CHAR: u32 = 18;
pub const NAME: u32 = 19;
pub const INT8: u32 = 20;
pub const INT2: u32 = 21;
pub const INT4: u32 = 23;
pub const TEXT: u32 = 25;
pub const OID: u32 = 26;
pub const JSON: u32 = 114;
pub const FLOAT4: u32 = 700;
pub const FLOAT8: u32 = 701;
pub const UNKNOWN: u32 = 705;
pub const BPCHAR: u32 = 1042;
pub const VARCHAR: u32 = 1043;
pub const DATE: u32 = 1082;
pub const TIME: u32 = 1083;
pub const TIMESTAMP: u32 = 1114;
pub const TIMESTAMPTZ: u32 = 1184;
pub const NUMERIC: u32 = 1700;
pub const RECORD: u32 = 2249;
pub const VOID: u32 = 2278;
pub const UUID: u32 = 2950;
pub const JSONB: u32 = 3802;
pub const TSVECTOR: u32 = 3614;
pub const INTERVAL: u32 = 1186;

/// The bound type of a range type (`int4range`, `tsrange`, ...).
pub fn range_element(oid: u32) -> Option<u32> {
    Some(match oid {
        3904 => INT4,
        3906 => NUMERIC,
        3908 => TIMESTAMP,
        3910 => TIMESTAMPTZ,
        3912 => DATE,
        3926 => INT8,
        _ => return None,
    })
}

/// The element type of an array type, for the arrays of the types above.
pub fn array_element(oid: u32) -> Option<u32> {
    Some(match oid {
        1000 => BOOL,
        1001 => BYTEA,
        1002 => CHAR,
        1003 => NAME,
        1005 => INT2,
        1007 => INT4,
        1009 => TEXT,
        1014 => BPCHAR,
        1015 => VARCHAR,
        1016 => INT8,
        1021 => FLOAT4,
        1022 => FLOAT8,
        1028 => OID,
        1115 => TIMESTAMP,
        1182 => DATE,
        1183 => TIME,
        1187 => INTERVAL,
        1185 => TIMESTAMPTZ,
        1231 => NUMERIC,
        199 => JSON,
        2287 => RECORD,
        2951 => UUID,
        3807 => JSONB,
        _ => return None,
    })
}

/// Whether values of `oid` travel in the binary format (others as text).
pub fn binary_format(oid: u32) -> bool {
    matches!(
        oid,
        BOOL | BYTEA
            | CHAR
            | NAME
            | INT8
            | INT2
            | INT4
            | TEXT
            | OID
            | JSON
            | FLOAT4
            | FLOAT8
            | BPCHAR
            | VARCHAR
            | DATE
            | TIME
            | TIMESTAMP
            | TIMESTAMPTZ
            | NUMERIC
            | RECORD
            | VOID
            | UUID
            | JSONB
            | TSVECTOR
            | INTERVAL
    ) || array_element(oid).is_some()
        || range_element(oid).is_some()
}

/// Days from 0000-01-01 to PostgreSQL's epoch, 2000-01-01.
fn pg_epoch_days() -> i64 {
    Date { year: 2000, month: 1, day: 1 }.to_days()
}

/// A parameter Postgrex cannot encode as the type the server asked for
/// (`DBConnection.EncodeError`).
#[derive(Clone, Debug, PartialEq)]
pub struct EncodeError(pub String);

fn expected(what: &str, v: &Value) -> EncodeError {
    EncodeError(format!(
        "Postgrex expected {what}, got {}. Please make sure the value you are passing matches the definition in your table or in your query or convert the value accordingly.",
        crate::value::inspect::inspect(v)
    ))
}

fn binary_of(v: &Value) -> Option<&[u8]> {
    match v {
        Value::Str(s) => Some(s.as_bytes()),
        Value::Bytes(b) => Some(b),
        _ => None,
    }
}

/// Encodes `v` as a parameter of type `oid`; returns the format (0 text,
/// 1 binary) and the bytes, `None` for NULL.
pub fn encode_param(v: &Value, oid: u32) -> Result<(i16, Option<Vec<u8>>), EncodeError> {
    if matches!(v, Value::Nil) {
        return Ok((if binary_format(oid) { 1 } else { 0 }, None));
    }
    if !binary_format(oid) {
        // a type without a binary codec (enum, citext, inet, ...) as its text
        return match v {
            Value::Str(s) => Ok((0, Some(s.as_bytes().to_vec()))),
            other => Err(expected("a binary", other)),
        };
    }
    let mut out = Vec::new();
    encode(v, oid, &mut out)?;
    Ok((1, Some(out)))
}

fn int_range(v: &Value, lo: i64, hi: i64) -> Result<i64, EncodeError> {
    match v {
        Value::Int(i) if (lo..=hi).contains(i) => Ok(*i),
        other => Err(expected(&format!("an integer in {lo}..{hi}"), other)),
    }
}

fn float_of(v: &Value) -> Result<f64, EncodeError> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Atom(a) if &**a == "NaN" => Ok(f64::NAN),
        Value::Atom(a) if &**a == "inf" => Ok(f64::INFINITY),
        Value::Atom(a) if &**a == "-inf" => Ok(f64::NEG_INFINITY),
        other => Err(expected("a float", other)),
    }
}

/// Writes the binary form of a non-nil `v` as type `oid`.
pub fn encode(v: &Value, oid: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match oid {
        BOOL => match v {
            Value::Bool(b) => out.push(*b as u8),
            other => return Err(expected("a boolean", other)),
        },
        INT2 => out.extend_from_slice(&(int_range(v, i16::MIN as i64, i16::MAX as i64)? as i16).to_be_bytes()),
        INT4 => out.extend_from_slice(&(int_range(v, i32::MIN as i64, i32::MAX as i64)? as i32).to_be_bytes()),
        OID => out.extend_from_slice(&(int_range(v, 0, u32::MAX as i64)? as u32).to_be_bytes()),
        INT8 => out.extend_from_slice(&int_range(v, i64::MIN, i64::MAX)?.to_be_bytes()),
        FLOAT4 => out.extend_from_slice(&(float_of(v)? as f32).to_be_bytes()),
        FLOAT8 => out.extend_from_slice(&float_of(v)?.to_be_bytes()),
        TEXT | VARCHAR | BPCHAR | NAME | CHAR | BYTEA => match binary_of(v) {
            Some(b) => out.extend_from_slice(b),
            None => return Err(expected("a binary", v)),
        },
        UUID => match binary_of(v) {
            Some(b) if b.len() == 16 => out.extend_from_slice(b),
            Some(b) if b.len() == 36 => match crate::types::uuid::dump(v).as_ref().and_then(Value::as_bytes) {
                Some(raw) if raw.len() == 16 => out.extend_from_slice(raw),
                _ => return Err(expected("a binary of 16 bytes", v)),
            },
            _ => return Err(expected("a binary of 16 bytes", v)),
        },
        JSON | JSONB => {
            let text = crate::types::json::encode(v).ok_or_else(|| expected("a term Jason can encode", v))?;
            if oid == JSONB {
                out.push(1);
            }
            out.extend_from_slice(text.as_bytes());
        }
        NUMERIC => {
            let d = match v {
                Value::Decimal(d) => (**d).clone(),
                Value::Int(i) => Decimal::from_i64(*i),
                Value::Float(f) if f.is_finite() => Decimal::from_f64(*f),
                other => return Err(expected("a Decimal, integer or float", other)),
            };
            encode_numeric(&d, out);
        }
        DATE => match v {
            Value::Date(d) => out.extend_from_slice(&((d.to_days() - pg_epoch_days()) as i32).to_be_bytes()),
            other => return Err(expected("a %Date{}", other)),
        },
        TIME => match v {
            Value::Time(t) => out.extend_from_slice(&(t.seconds_of_day() * 1_000_000 + t.micro as i64).to_be_bytes()),
            other => return Err(expected("a %Time{}", other)),
        },
        TIMESTAMP | TIMESTAMPTZ => {
            let n = match v {
                Value::NaiveDateTime(n) => *n,
                Value::DateTime(d) => d.naive,
                other => return Err(expected(if oid == TIMESTAMP { "a %NaiveDateTime{}" } else { "a %DateTime{}" }, other)),
            };
            let micros = (n.to_seconds() - pg_epoch_days() * 86400) * 1_000_000 + n.time.micro as i64;
            out.extend_from_slice(&micros.to_be_bytes());
        }
        VOID => {}
        INTERVAL => {
            let Some(s) = v.as_struct().filter(|s| s.name() == "Postgrex.Interval") else {
                return Err(expected("a %Postgrex.Interval{}", v));
            };
            let g = |k: &str| s.get(k).and_then(Value::as_int).unwrap_or(0);
            out.extend_from_slice(&(g("secs") * 1_000_000 + g("microsecs")).to_be_bytes());
            out.extend_from_slice(&(g("days") as i32).to_be_bytes());
            out.extend_from_slice(&(g("months") as i32).to_be_bytes());
        }
        _ => match array_element(oid) {
            Some(elem) => encode_array(v, elem, out)?,
            None => return Err(expected("a value of a known type", v)),
        },
    }
    Ok(())
}

fn encode_array(v: &Value, elem: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let Some(items) = v.as_list() else { return Err(expected("a list", v)) };
    // dimensions: nested lists of equal length
    let mut dims = vec![items.len()];
    let mut probe = items.first();
    while let Some(inner) = probe.and_then(Value::as_list) {
        dims.push(inner.len());
        probe = inner.first();
    }
    let mut flat = Vec::new();
    flatten(items, 1, &dims, &mut flat).map_err(|_| expected("a list of lists of equal length", v))?;
    let has_null = flat.iter().any(|x| matches!(x, Value::Nil));
    out.extend_from_slice(&(if items.is_empty() { 0 } else { dims.len() as i32 }).to_be_bytes());
    out.extend_from_slice(&(has_null as i32).to_be_bytes());
    out.extend_from_slice(&(elem as i32).to_be_bytes());
    if items.is_empty() {
        return Ok(());
    }
    for d in &dims {
        out.extend_from_slice(&(*d as i32).to_be_bytes());
        out.extend_from_slice(&1i32.to_be_bytes());
    }
    for x in flat {
        if matches!(x, Value::Nil) {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            continue;
        }
        let mut b = Vec::new();
        encode(&x, elem, &mut b)?;
        out.extend_from_slice(&(b.len() as i32).to_be_bytes());
        out.extend_from_slice(&b);
    }
    Ok(())
}

fn flatten(items: &[Value], depth: usize, dims: &[usize], out: &mut Vec<Value>) -> Result<(), ()> {
    if items.len() != dims[depth - 1] {
        return Err(());
    }
    for x in items {
        if depth < dims.len() {
            match x.as_list() {
                Some(l) => flatten(l, depth + 1, dims, out)?,
                None => return Err(()),
            }
        } else {
            out.push(x.clone());
        }
    }
    Ok(())
}

fn encode_numeric(d: &Decimal, out: &mut Vec<u8>) {
    let scale = (-d.exp).max(0) as usize;
    // the digits as an integer string scaled to `scale` fraction digits
    let mut digits = d.coef.to_string();
    if d.exp > 0 {
        digits.push_str(&"0".repeat(d.exp as usize));
    }
    if digits.len() <= scale {
        digits = format!("{}{digits}", "0".repeat(scale + 1 - digits.len()));
    }
    let (int, frac) = digits.split_at(digits.len() - scale);
    // group into base-10000 digits around the decimal point
    let int_pad = (4 - int.len() % 4) % 4;
    let int_s = format!("{}{int}", "0".repeat(int_pad));
    let frac_pad = (4 - frac.len() % 4) % 4;
    let frac_s = format!("{frac}{}", "0".repeat(frac_pad));
    let mut groups: Vec<i16> = Vec::new();
    for c in int_s.as_bytes().chunks(4).chain(frac_s.as_bytes().chunks(4)) {
        groups.push(std::str::from_utf8(c).ok().and_then(|s| s.parse().ok()).unwrap_or(0));
    }
    let mut weight = (int_s.len() / 4) as i16 - 1;
    // strip leading and trailing zero groups
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    out.extend_from_slice(&(groups.len() as i16).to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    let sign: u16 = if d.sign < 0 && !groups.is_empty() { 0x4000 } else { 0 };
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&(scale as u16).to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
}

/// A column that cannot be decoded (malformed bytes).
fn bad(oid: u32) -> String {
    format!("malformed binary value of type oid {oid}")
}

fn be_i16(b: &[u8]) -> Option<i16> {
    Some(i16::from_be_bytes(b.get(..2)?.try_into().ok()?))
}
fn be_i32(b: &[u8]) -> Option<i32> {
    Some(i32::from_be_bytes(b.get(..4)?.try_into().ok()?))
}
fn be_i64(b: &[u8]) -> Option<i64> {
    Some(i64::from_be_bytes(b.get(..8)?.try_into().ok()?))
}

fn float_value(f: f64) -> Value {
    if f.is_nan() {
        Value::atom("NaN")
    } else if f == f64::INFINITY {
        Value::atom("inf")
    } else if f == f64::NEG_INFINITY {
        Value::atom("-inf")
    } else {
        Value::Float(f)
    }
}

/// Decodes one non-NULL column of type `oid` in `format` (0 text, 1 binary).
pub fn decode(oid: u32, format: i16, b: &[u8]) -> Result<Value, String> {
    if format == 0 {
        return Ok(Value::binary(b));
    }
    decode_binary(oid, b).ok_or_else(|| bad(oid))
}

fn decode_binary(oid: u32, b: &[u8]) -> Option<Value> {
    Some(match oid {
        BOOL => Value::Bool(*b.first()? != 0),
        INT2 => Value::Int(be_i16(b)? as i64),
        INT4 => Value::Int(be_i32(b)? as i64),
        OID => Value::Int(be_i32(b)? as u32 as i64),
        INT8 => Value::Int(be_i64(b)?),
        FLOAT4 => float_value(f32::from_bits(be_i32(b)? as u32) as f64),
        FLOAT8 => float_value(f64::from_bits(be_i64(b)? as u64)),
        TEXT | VARCHAR | BPCHAR | NAME | CHAR | BYTEA | UUID | UNKNOWN => Value::binary(b),
        JSON => crate::types::json::decode(std::str::from_utf8(b).ok()?)?,
        JSONB => crate::types::json::decode(std::str::from_utf8(b.get(1..)?).ok()?)?,
        NUMERIC => decode_numeric(b)?,
        DATE => Value::Date(Date::from_days(pg_epoch_days() + be_i32(b)? as i64)),
        TIME => {
            let us = be_i64(b)?;
            let s = us.div_euclid(1_000_000);
            Value::Time(Time::new((s / 3600) as u8, (s % 3600 / 60) as u8, (s % 60) as u8, us.rem_euclid(1_000_000) as u32, 6)?)
        }
        TIMESTAMP | TIMESTAMPTZ => {
            let us = be_i64(b)?;
            let secs = us.div_euclid(1_000_000) + pg_epoch_days() * 86400;
            let naive = NaiveDateTime::from_seconds(secs, us.rem_euclid(1_000_000) as u32, 6);
            if oid == TIMESTAMP {
                Value::NaiveDateTime(naive)
            } else {
                Value::DateTime(DateTime { naive })
            }
        }
        VOID => Value::atom("void"),
        TSVECTOR => decode_tsvector(b)?,
        INTERVAL => {
            // %Postgrex.Interval{months, days, secs, microsecs}
            let us = be_i64(b)?;
            let days = be_i32(b.get(8..)?)?;
            let months = be_i32(b.get(12..)?)?;
            make_struct(
                "Postgrex.Interval",
                vec![
                    ("months", Value::Int(months as i64)),
                    ("days", Value::Int(days as i64)),
                    ("secs", Value::Int(us / 1_000_000)),
                    ("microsecs", Value::Int(us % 1_000_000)),
                ],
            )
        }
        _ if range_element(oid).is_some() => decode_range(range_element(oid)?, b)?,
        RECORD => {
            let n = be_i32(b)?.max(0) as usize;
            let mut at = 4;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                let t = be_i32(b.get(at..)?)? as u32;
                let len = be_i32(b.get(at + 4..)?)?;
                at += 8;
                if len < 0 {
                    items.push(Value::Nil);
                } else {
                    let data = b.get(at..at + len as usize)?;
                    at += len as usize;
                    items.push(if binary_format(t) { decode_binary(t, data)? } else { Value::binary(data) });
                }
            }
            Value::tuple(items)
        }
        _ => decode_array(b)?,
    })
}

fn decode_array(b: &[u8]) -> Option<Value> {
    let ndim = be_i32(b)?.max(0) as usize;
    let elem = be_i32(b.get(8..)?)? as u32;
    let mut at = 12;
    let mut dims = Vec::with_capacity(ndim);
    for _ in 0..ndim {
        dims.push(be_i32(b.get(at..)?)?.max(0) as usize);
        at += 8;
    }
    if ndim == 0 {
        return Some(Value::list(vec![]));
    }
    let total: usize = dims.iter().product();
    let mut flat = Vec::with_capacity(total.min(1 << 20));
    for _ in 0..total {
        let len = be_i32(b.get(at..)?)?;
        at += 4;
        if len < 0 {
            flat.push(Value::Nil);
        } else {
            let data = b.get(at..at + len as usize)?;
            at += len as usize;
            flat.push(if binary_format(elem) { decode_binary(elem, data)? } else { Value::binary(data) });
        }
    }
    fn nest(flat: &mut std::vec::IntoIter<Value>, dims: &[usize]) -> Value {
        if dims.len() == 1 {
            return Value::list(flat.take(dims[0]).collect());
        }
        Value::list((0..dims[0]).map(|_| nest(flat, &dims[1..])).collect())
    }
    Some(nest(&mut flat.into_iter(), &dims))
}

fn make_struct(module: &str, fields: Vec<(&str, Value)>) -> Value {
    crate::repo::util::make_struct(module, fields)
}

/// `%Postgrex.Range{}`: `:unbound` for an infinite bound, `:empty` bounds
/// for the empty range.
fn decode_range(elem: u32, b: &[u8]) -> Option<Value> {
    let flags = *b.first()?;
    if flags & 0x01 != 0 {
        return Some(make_struct(
            "Postgrex.Range",
            vec![
                ("lower", Value::atom("empty")),
                ("upper", Value::atom("empty")),
                ("lower_inclusive", Value::Bool(false)),
                ("upper_inclusive", Value::Bool(false)),
            ],
        ));
    }
    let mut at = 1;
    let mut bound = |infinite: bool| -> Option<Value> {
        if infinite {
            return Some(Value::atom("unbound"));
        }
        let len = be_i32(b.get(at..)?)?.max(0) as usize;
        let data = b.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        decode_binary(elem, data)
    };
    let lower = bound(flags & 0x08 != 0)?;
    let upper = bound(flags & 0x10 != 0)?;
    Some(make_struct(
        "Postgrex.Range",
        vec![
            ("lower", lower),
            ("upper", upper),
            ("lower_inclusive", Value::Bool(flags & 0x02 != 0)),
            ("upper_inclusive", Value::Bool(flags & 0x04 != 0)),
        ],
    ))
}

/// A `tsvector` as a list of `%Postgrex.Lexeme{word, positions: [{pos, weight}]}`.
fn decode_tsvector(b: &[u8]) -> Option<Value> {
    let n = be_i32(b)?.max(0) as usize;
    let mut at = 4;
    let mut out = Vec::with_capacity(n.min(4096));
    for _ in 0..n {
        let rest = b.get(at..)?;
        let end = rest.iter().position(|&c| c == 0)?;
        let word = Value::binary(&rest[..end]);
        at += end + 1;
        let npos = be_i16(b.get(at..)?)? as u16 as usize;
        at += 2;
        let mut positions = Vec::with_capacity(npos);
        for _ in 0..npos {
            let p = be_i16(b.get(at..)?)? as u16;
            at += 2;
            let weight = match p >> 14 {
                3 => Value::atom("A"),
                2 => Value::atom("B"),
                1 => Value::atom("C"),
                _ => Value::Nil,
            };
            positions.push(Value::tuple(vec![Value::Int((p & 0x3fff) as i64), weight]));
        }
        out.push(make_struct("Postgrex.Lexeme", vec![("word", word), ("positions", Value::list(positions))]));
    }
    Some(Value::list(out))
}

fn decode_numeric(b: &[u8]) -> Option<Value> {
    let ndigits = be_i16(b)?.max(0) as usize;
    let weight = be_i16(b.get(2..)?)? as i64;
    let sign = be_i16(b.get(4..)?)? as u16;
    let dscale = be_i16(b.get(6..)?)?.max(0) as usize;
    match sign {
        0xC000 => return Some(Value::Decimal(Rc::new(Decimal::parse("NaN").unwrap_or(Decimal::from_i64(0))))),
        0xD000 | 0xF000 => return Some(Value::atom(if sign == 0xD000 { "inf" } else { "-inf" })),
        _ => {}
    }
    let mut groups = Vec::with_capacity(ndigits);
    for i in 0..ndigits {
        groups.push(be_i16(b.get(8 + 2 * i..)?)? as i64);
    }
    // integer part: groups with weight >= 0
    let mut int = String::new();
    for w in (0..=weight.max(-1)).rev() {
        let idx = weight - w;
        let g = if idx >= 0 { groups.get(idx as usize).copied().unwrap_or(0) } else { 0 };
        if int.is_empty() {
            if g != 0 {
                int = g.to_string();
            }
        } else {
            int.push_str(&format!("{g:04}"));
        }
    }
    if int.is_empty() {
        int.push('0');
    }
    let mut frac = String::new();
    let mut w = -1;
    while frac.len() < dscale {
        let idx = weight - w;
        let g = if idx >= 0 { groups.get(idx as usize).copied().unwrap_or(0) } else { 0 };
        frac.push_str(&format!("{g:04}"));
        w -= 1;
    }
    frac.truncate(dscale);
    let text = format!("{}{int}{}{frac}", if sign == 0x4000 { "-" } else { "" }, if dscale > 0 { "." } else { "" });
    Some(Value::Decimal(Rc::new(Decimal::parse(&text)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Value {
        Value::Decimal(Rc::new(Decimal::parse(s).unwrap()))
    }

    fn round_trip(v: &Value, oid: u32) -> Value {
        let (fmt, bytes) = encode_param(v, oid).unwrap();
        decode(oid, fmt, &bytes.unwrap()).unwrap()
    }

    #[test]
    fn numerics_keep_their_scale() {
        for s in ["24.50", "0.05", "-1234567.0001", "10000", "0", "0.00", "20.9166666666666667", "100000000.5"] {
            assert_eq!(round_trip(&dec(s), NUMERIC), dec(s), "{s}");
        }
        assert_eq!(round_trip(&Value::Int(12), NUMERIC), dec("12"));
    }

    #[test]
    fn scalars_and_arrays() {
        assert_eq!(round_trip(&Value::Int(-7), INT2), Value::Int(-7));
        assert_eq!(round_trip(&Value::Int(1 << 40), INT8), Value::Int(1 << 40));
        assert!(encode_param(&Value::Int(1 << 40), INT4).is_err());
        assert!(encode_param(&Value::str("x"), INT8).unwrap_err().0.starts_with("Postgrex expected an integer"));
        let list = Value::list(vec![Value::str("a"), Value::Nil, Value::str("b")]);
        assert_eq!(round_trip(&list, 1009), list);
        let grid = Value::list(vec![Value::list(vec![Value::Int(1), Value::Int(2)]), Value::list(vec![Value::Int(3), Value::Int(4)])]);
        assert_eq!(round_trip(&grid, 1007), grid);
        assert_eq!(round_trip(&Value::list(vec![]), 1016), Value::list(vec![]));
        let n = NaiveDateTime::from_seconds(Date { year: 2024, month: 3, day: 1 }.to_days() * 86400 + 3661, 5, 6);
        assert_eq!(round_trip(&Value::NaiveDateTime(n), TIMESTAMP), Value::NaiveDateTime(n));
        let d = Date { year: 1999, month: 12, day: 31 };
        assert_eq!(round_trip(&Value::Date(d), DATE), Value::Date(d));
        assert_eq!(round_trip(&Value::Float(1.5), FLOAT8), Value::Float(1.5));
        assert_eq!(round_trip(&Value::Bool(true), BOOL), Value::Bool(true));
    }
}
