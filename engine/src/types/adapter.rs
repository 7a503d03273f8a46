//! `Ecto.Type.adapter_dump/3` and `adapter_load/3` for the two adapters:
//! ecto_sqlite3 (its loaders/dumpers and `Codec`) and ecto_sql's Postgres.
//!
//! A dumped SQLite value is what exqlite receives (`{:blob, bin}` tuples,
//! `0`/`1` for booleans, ISO text for datetimes, JSON text for maps and
//! arrays, decimals as text; dates and times stay structs and exqlite writes
//! their ISO text). A dumped Postgres value is what Postgrex receives.

use std::rc::Rc;

use super::dump::{self, embedded_dump, embedded_load};
use super::{datetime, json, Type};
use crate::diag::Span;
use crate::eval::{EResult, Interp};
use crate::value::{DateTime, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adapter {
    Sqlite,
    Postgres,
}

/// One step of an adapter's dumper/loader pipeline.
enum Step {
    /// `Ecto.Type.dump/load(type, value, adapter_dump/load)`
    Type(Type),
    /// A codec function.
    Fun(Codec),
}

#[derive(Clone, Copy)]
enum Codec {
    BlobEncode,
    BoolEncode,
    DecimalEncode,
    Identity,
    UtcEncode,
    NaiveEncode,
    JsonEncode,
    EmbeddedDump,
    BoolDecode,
    NaiveDecode,
    UtcDecode,
    DateDecode,
    TimeDecode,
    JsonDecode,
    FloatDecode,
    DecimalDecode,
    EmbeddedLoad,
}

/// `Ecto.Type.type/1`, calling a custom type's `type/0`.
pub fn underlying(interp: &mut Interp, ty: &Type, span: Span) -> EResult<Type> {
    Ok(match ty {
        Type::Custom(m) => {
            let v = interp.call(m, "type", vec![], span)?;
            Type::from_value(&v).unwrap_or(Type::Any)
        }
        Type::Parameterized(m, params) => {
            let v = interp.call(m, "type", vec![params.clone()], span)?;
            Type::from_value(&v).unwrap_or(Type::Any)
        }
        Type::Array(t) => Type::Array(Box::new(underlying(interp, t, span)?)),
        Type::MapOf(t) => Type::MapOf(Box::new(underlying(interp, t, span)?)),
        Type::Try(t) => underlying(interp, t, span)?,
        other => other.primitive(),
    })
}

fn dumpers(adapter: Adapter, prim: &Type, ty: &Type) -> Vec<Step> {
    let t = || Step::Type(ty.clone());
    match adapter {
        Adapter::Sqlite => match prim {
            Type::Binary => vec![t(), Step::Fun(Codec::BlobEncode)],
            Type::Boolean => vec![t(), Step::Fun(Codec::BoolEncode)],
            Type::Decimal => vec![t(), Step::Fun(Codec::DecimalEncode)],
            Type::BinaryId => vec![t()],
            Type::Other(a) if &**a == "uuid" => vec![],
            Type::Time => vec![t(), Step::Fun(Codec::Identity)],
            Type::UtcDatetime | Type::UtcDatetimeUsec => vec![t(), Step::Fun(Codec::UtcEncode)],
            Type::NaiveDatetime | Type::NaiveDatetimeUsec => vec![t(), Step::Fun(Codec::NaiveEncode)],
            Type::Array(_) => vec![t(), Step::Fun(Codec::JsonEncode)],
            Type::MapOf(_) => vec![Step::Fun(Codec::EmbeddedDump), Step::Fun(Codec::JsonEncode)],
            Type::Map => vec![t(), Step::Fun(Codec::JsonEncode)],
            _ => vec![t()],
        },
        Adapter::Postgres => match prim {
            Type::MapOf(_) => vec![Step::Fun(Codec::EmbeddedDump)],
            Type::In(sub) if ty == prim => vec![Step::Type(Type::Array(sub.clone()))],
            Type::BinaryId => vec![t(), Step::Type(Type::Uuid)],
            _ => vec![t()],
        },
    }
}

fn loaders(adapter: Adapter, prim: &Type, ty: &Type) -> Vec<Step> {
    let t = || Step::Type(ty.clone());
    match adapter {
        Adapter::Sqlite => match prim {
            Type::Boolean => vec![Step::Fun(Codec::BoolDecode), t()],
            Type::NaiveDatetime | Type::NaiveDatetimeUsec => vec![Step::Fun(Codec::NaiveDecode), t()],
            Type::Time => vec![Step::Fun(Codec::TimeDecode), t()],
            Type::UtcDatetime | Type::UtcDatetimeUsec => vec![Step::Fun(Codec::UtcDecode), t()],
            Type::Date => vec![Step::Fun(Codec::DateDecode), t()],
            Type::MapOf(_) => vec![Step::Fun(Codec::JsonDecode), Step::Fun(Codec::EmbeddedLoad)],
            Type::Array(_) | Type::Map => vec![Step::Fun(Codec::JsonDecode), t()],
            Type::Float => vec![Step::Fun(Codec::FloatDecode), t()],
            Type::Decimal => vec![Step::Fun(Codec::DecimalDecode), t()],
            Type::BinaryId => vec![t()],
            Type::Other(a) if &**a == "uuid" => vec![],
            _ => vec![t()],
        },
        Adapter::Postgres => match prim {
            Type::MapOf(_) => vec![Step::Fun(Codec::EmbeddedLoad)],
            Type::BinaryId => vec![Step::Type(Type::Uuid), t()],
            _ => vec![t()],
        },
    }
}

/// `Ecto.Type.adapter_dump(adapter, type, value)`: `None` is `:error`.
pub fn adapter_dump(interp: &mut Interp, adapter: Adapter, ty: &Type, v: &Value, span: Span) -> EResult<Option<Value>> {
    let prim = underlying(interp, ty, span)?;
    let mut acc = v.clone();
    for step in dumpers(adapter, &prim, ty) {
        let next = match step {
            Step::Type(t) => {
                let mut inner = move |i: &mut Interp, t: &Type, x: &Value| adapter_dump(i, adapter, t, x, span);
                dump::dump(interp, &t, &acc, &mut inner, span)?
            }
            Step::Fun(c) => codec(interp, c, ty, &acc, span)?,
        };
        match next {
            Some(x) => acc = x,
            None => return Ok(None),
        }
    }
    Ok(Some(acc))
}

/// Ecto's `of_base_type?`: values already in their loaded form skip the loaders.
fn of_base_type(ty: &Type, v: &Value) -> bool {
    match ty {
        Type::Any => true,
        Type::Id | Type::Integer => matches!(v, Value::Int(_)),
        Type::Float => matches!(v, Value::Float(_)),
        Type::Boolean => matches!(v, Value::Bool(_)),
        Type::Binary | Type::String => v.is_binary(),
        Type::Map => matches!(v, Value::Map(_)),
        Type::Decimal => matches!(v, Value::Decimal(_)),
        Type::Date => matches!(v, Value::Date(_)),
        _ => false,
    }
}

/// `Ecto.Type.adapter_load(adapter, type, value)`: `None` is `:error`.
pub fn adapter_load(interp: &mut Interp, adapter: Adapter, ty: &Type, v: &Value, span: Span) -> EResult<Option<Value>> {
    if of_base_type(ty, v) {
        return Ok(Some(v.clone()));
    }
    let prim = underlying(interp, ty, span)?;
    let mut acc = v.clone();
    for step in loaders(adapter, &prim, ty) {
        let next = match step {
            Step::Type(t) => {
                let mut inner = move |i: &mut Interp, t: &Type, x: &Value| adapter_load(i, adapter, t, x, span);
                dump::load(interp, &t, &acc, &mut inner, span)?
            }
            Step::Fun(c) => codec(interp, c, ty, &acc, span)?,
        };
        match next {
            Some(x) => acc = x,
            None => return Ok(None),
        }
    }
    Ok(Some(acc))
}

fn decimal_value(d: crate::value::Decimal) -> Value {
    Value::Decimal(Rc::new(d))
}

fn codec(interp: &mut Interp, c: Codec, ty: &Type, v: &Value, span: Span) -> EResult<Option<Value>> {
    Ok(match c {
        Codec::Identity => Some(v.clone()),
        Codec::BlobEncode => match v {
            Value::Nil => Some(Value::Nil),
            _ => Some(Value::tuple(vec![Value::atom("blob"), v.clone()])),
        },
        Codec::BoolEncode => match v {
            Value::Nil => Some(Value::Nil),
            Value::Bool(false) => Some(Value::Int(0)),
            Value::Bool(true) => Some(Value::Int(1)),
            _ => None,
        },
        Codec::DecimalEncode => match v {
            Value::Nil => Some(Value::Nil),
            Value::Decimal(d) => Some(Value::string(d.to_normal())),
            _ => None,
        },
        Codec::UtcEncode => match v {
            Value::Nil => Some(Value::Nil),
            Value::DateTime(d) => Some(Value::string(datetime::datetime_iso(*d))),
            _ => None,
        },
        Codec::NaiveEncode => match v {
            Value::Nil => Some(Value::Nil),
            Value::NaiveDateTime(n) => Some(Value::string(datetime::naive_iso(*n))),
            Value::DateTime(d) => Some(Value::string(datetime::naive_iso(d.naive))),
            _ => None,
        },
        Codec::JsonEncode => match v {
            Value::Str(_) | Value::Bytes(_) => Some(v.clone()),
            _ => json::encode(v).map(Value::string),
        },
        Codec::EmbeddedDump => embedded_dump(interp, ty, v, span)?,
        Codec::EmbeddedLoad => embedded_load(interp, ty, v, span)?,
        Codec::BoolDecode => Some(match v {
            Value::Int(0) => Value::Bool(false),
            Value::Int(1) => Value::Bool(true),
            Value::Str(s) if matches!(&**s, "0" | "FALSE") => Value::Bool(false),
            Value::Str(s) if matches!(&**s, "1" | "TRUE") => Value::Bool(true),
            other => other.clone(),
        }),
        Codec::JsonDecode => match v {
            Value::Str(s) => json::decode(s),
            Value::Bytes(_) => None,
            other => Some(other.clone()),
        },
        Codec::FloatDecode => Some(match v {
            Value::Decimal(d) => Value::Float(d.to_f64()),
            Value::Int(i) => Value::Float(*i as f64),
            other => other.clone(),
        }),
        Codec::DecimalDecode => match v {
            Value::Nil => Some(Value::Nil),
            Value::Float(f) => super::cast::decimal_from_float(*f).map(decimal_value),
            Value::Int(i) => Some(decimal_value(crate::value::Decimal::from_i64(*i))),
            Value::Str(s) => super::cast::parse_decimal(s).map(decimal_value),
            _ => None,
        },
        Codec::UtcDecode => match v {
            Value::Nil => Some(Value::Nil),
            Value::Str(s) => datetime::parse_naive(s).map(|n| Value::DateTime(DateTime { naive: n })),
            _ => None,
        },
        Codec::NaiveDecode => match v {
            Value::Nil => Some(Value::Nil),
            Value::Str(s) => datetime::parse_naive(s).map(Value::NaiveDateTime),
            _ => None,
        },
        Codec::DateDecode => match v {
            Value::Nil => Some(Value::Nil),
            Value::Str(s) => datetime::parse_date(s).map(Value::Date),
            _ => None,
        },
        Codec::TimeDecode => match v {
            Value::Nil => Some(Value::Nil),
            Value::Time(_) => Some(v.clone()),
            Value::Str(s) => datetime::parse_time(s).map(Value::Time),
            _ => None,
        },
    })
}

/// A dumped SQLite parameter as the database binding receives it
/// (`{:blob, bin}` → blob, structs → their ISO text, JSON already text).
pub fn sqlite_param(v: &Value) -> crate::executor::DbValue {
    use crate::executor::DbValue;
    match v {
        Value::Nil => DbValue::Null,
        Value::Bool(b) => DbValue::Integer(*b as i64),
        Value::Int(i) => DbValue::Integer(*i),
        Value::Float(f) => DbValue::Real(*f),
        Value::Str(s) => DbValue::Text(s.to_string()),
        Value::Bytes(b) => DbValue::Blob(b.to_vec()),
        Value::Atom(a) => DbValue::Text(a.to_string()),
        Value::Decimal(d) => DbValue::Text(d.to_normal()),
        Value::Date(d) => DbValue::Text(d.iso()),
        Value::Time(t) => DbValue::Text(t.iso()),
        Value::NaiveDateTime(n) => DbValue::Text(n.iso('T')),
        Value::DateTime(d) => DbValue::Text(d.iso()),
        Value::Tuple(t) if t.len() == 2 && t[0].as_atom() == Some("blob") => match t[1].as_bytes() {
            Some(b) => DbValue::Blob(b.to_vec()),
            None => DbValue::Null,
        },
        other => DbValue::Text(json::encode(other).unwrap_or_default()),
    }
}

/// A column value read back from SQLite, before `adapter_load`.
pub fn sqlite_column(v: &crate::executor::DbValue) -> Value {
    use crate::executor::DbValue;
    match v {
        DbValue::Null => Value::Nil,
        DbValue::Integer(i) => Value::Int(*i),
        DbValue::Real(f) => Value::Float(*f),
        DbValue::Text(s) => Value::string(s.clone()),
        DbValue::Blob(b) => Value::binary(b),
        v @ DbValue::Pg { .. } => crate::pg::from_db(v),
    }
}
