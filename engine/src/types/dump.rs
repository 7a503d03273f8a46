//! `Ecto.Type.dump/3` and `Ecto.Type.load/3`: Elixir values to the
//! primitive values an adapter receives, and back. The third argument of
//! Ecto's functions (the dumper/loader used for elements of arrays, maps and
//! embeds) is the `inner` callback here.

use std::rc::Rc;

use super::cast::same_decimal;
use super::{datetime, embedded, uuid, Type};
use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::value::{DateTime, MapT, Value};

/// Dumper/loader for nested values: `(type, value) -> {:ok, v} | :error`.
pub type Inner<'a> = &'a mut dyn FnMut(&mut Interp, &Type, &Value) -> EResult<Option<Value>>;

fn ok_or_error(v: &Value) -> Option<Value> {
    match v.as_tuple() {
        Some([tag, x]) if tag.as_atom() == Some("ok") => Some(x.clone()),
        _ => None,
    }
}

fn arg_error(msg: String, span: Span) -> Box<Error> {
    Error::raise("ArgumentError", msg, span)
}

fn inspect(v: &Value) -> String {
    crate::value::inspect::inspect(v)
}

/// `Ecto.Type.dump/2` with itself as the inner dumper.
pub fn dump_default(interp: &mut Interp, ty: &Type, v: &Value, span: Span) -> EResult<Option<Value>> {
    let mut inner = move |i: &mut Interp, t: &Type, x: &Value| dump_default(i, t, x, span);
    dump(interp, ty, v, &mut inner, span)
}

/// `Ecto.Type.load/2` with itself as the inner loader.
pub fn load_default(interp: &mut Interp, ty: &Type, v: &Value, span: Span) -> EResult<Option<Value>> {
    let mut inner = move |i: &mut Interp, t: &Type, x: &Value| load_default(i, t, x, span);
    load(interp, ty, v, &mut inner, span)
}

fn fun_value(module: &str, name: &str, arity: usize) -> Value {
    Value::Fun(Rc::new(crate::value::Function::Named {
        module: Rc::from(format!("Elixir.{module}").as_str()),
        name: Rc::from(name),
        arity,
    }))
}

/// `Ecto.Type.dump(type, value, dumper)`.
pub fn dump(interp: &mut Interp, ty: &Type, v: &Value, inner: Inner, span: Span) -> EResult<Option<Value>> {
    match ty {
        Type::Enum(e) => {
            return Ok(match v {
                Value::Nil => Some(Value::Nil),
                _ => e.dumped_for_atom(v).cloned(),
            })
        }
        Type::Embedded(params) => return embedded::dump(interp, params, v, inner, span),
        Type::Parameterized(m, params) => {
            let r = interp.call(m, "dump", vec![v.clone(), fun_value("Ecto.Type", "dump", 2), params.clone()], span)?;
            return Ok(ok_or_error(&r));
        }
        _ => {}
    }
    if matches!(v, Value::Nil) {
        return Ok(Some(Value::Nil));
    }
    Ok(match ty {
        Type::Try(t) => Some(dump(interp, t, v, inner, span)?.unwrap_or_else(|| v.clone())),
        Type::In(t) => dump(interp, &Type::Array(t.clone()), v, inner, span)?.map(|x| Value::tuple(vec![Value::atom("in"), x])),
        Type::Array(t) => {
            let skip_nil = !matches!(**t, Type::Enum(_) | Type::Embedded(_) | Type::Parameterized(..));
            let Value::List(items) = v else { return Ok(None) };
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                if skip_nil && matches!(item, Value::Nil) {
                    out.push(Value::Nil);
                    continue;
                }
                match inner(interp, t, item)? {
                    Some(x) => out.push(x),
                    None => return Ok(None),
                }
            }
            Some(Value::list(out))
        }
        Type::MapOf(t) => {
            let Value::Map(m) = v else { return Ok(None) };
            let mut out = MapT::new();
            for (k, item) in m.iter() {
                match inner(interp, t, item)? {
                    Some(x) => {
                        out.insert(k.clone(), x);
                    }
                    None => return Ok(None),
                }
            }
            Some(Value::map(out))
        }
        Type::Any => Some(v.clone()),
        Type::Integer | Type::Id => matches!(v, Value::Int(_)).then(|| v.clone()),
        Type::Float => matches!(v, Value::Float(_)).then(|| v.clone()),
        Type::Boolean => matches!(v, Value::Bool(_)).then(|| v.clone()),
        Type::Map => super::is_map_like(v).then(|| v.clone()),
        Type::String | Type::Binary | Type::BinaryId | Type::Bitstring => v.is_binary().then(|| v.clone()),
        Type::Decimal => same_decimal(v),
        Type::Date => matches!(v, Value::Date(_)).then(|| v.clone()),
        Type::Time => match v {
            Value::Time(t) => {
                if t.micro != 0 || t.precision != 0 {
                    return Err(no_usec_error("Time", "time", span));
                }
                Some(v.clone())
            }
            _ => None,
        },
        Type::TimeUsec => match v {
            Value::Time(t) => {
                if t.precision != 6 {
                    return Err(usec_error("time_usec", v, span));
                }
                Some(v.clone())
            }
            _ => None,
        },
        Type::NaiveDatetime => match v {
            Value::NaiveDateTime(n) => {
                if n.time.micro != 0 || n.time.precision != 0 {
                    return Err(no_usec_error("NaiveDateTime", "naive_datetime", span));
                }
                Some(v.clone())
            }
            _ => None,
        },
        Type::NaiveDatetimeUsec => match v {
            Value::NaiveDateTime(n) => {
                if n.time.precision != 6 {
                    return Err(usec_error("naive_datetime_usec", v, span));
                }
                Some(v.clone())
            }
            _ => None,
        },
        Type::UtcDatetime => match v {
            Value::DateTime(d) => {
                if d.naive.time.micro != 0 || d.naive.time.precision != 0 {
                    return Err(no_usec_error("DateTime", "utc_datetime", span));
                }
                Some(v.clone())
            }
            _ => None,
        },
        Type::UtcDatetimeUsec => match v {
            Value::DateTime(d) => {
                if d.naive.time.precision != 6 {
                    return Err(usec_error("utc_datetime_usec", v, span));
                }
                Some(v.clone())
            }
            _ => None,
        },
        Type::SupertypeDatetime => matches!(v, Value::NaiveDateTime(_) | Value::DateTime(_)).then(|| v.clone()),
        Type::Duration => None,
        Type::Uuid => uuid::dump(v),
        Type::Custom(m) => {
            let r = interp.call(m, "dump", vec![v.clone()], span)?;
            ok_or_error(&r)
        }
        Type::Other(_) => Some(v.clone()),
        Type::Enum(_) | Type::Embedded(_) | Type::Parameterized(..) => None,
    })
}

fn no_usec_error(module: &str, kind: &str, span: Span) -> Box<Error> {
    arg_error(format!("Use `{module}.truncate({kind}, :second)` (available in Elixir v1.6+) to remove microseconds.\n"), span)
}

fn usec_error(kind: &str, v: &Value, span: Span) -> Box<Error> {
    arg_error(format!(":{kind} expects microsecond precision, got: {}", inspect(v)), span)
}

/// `Ecto.Type.load(type, value, loader)`.
pub fn load(interp: &mut Interp, ty: &Type, v: &Value, inner: Inner, span: Span) -> EResult<Option<Value>> {
    match ty {
        Type::Enum(e) => {
            return Ok(match v {
                Value::Nil => Some(Value::Nil),
                _ => e.atom_for_dumped(v).map(|a| Value::atom(a)),
            })
        }
        Type::Embedded(params) => return embedded::load(interp, params, v, inner, span),
        Type::Parameterized(m, params) => {
            let r = interp.call(m, "load", vec![v.clone(), fun_value("Ecto.Type", "load", 2), params.clone()], span)?;
            return Ok(ok_or_error(&r));
        }
        _ => {}
    }
    if matches!(v, Value::Nil) {
        return Ok(Some(Value::Nil));
    }
    Ok(match ty {
        Type::Try(t) => Some(load(interp, t, v, inner, span)?.unwrap_or_else(|| v.clone())),
        Type::Array(t) | Type::In(t) => {
            let skip_nil = !matches!(**t, Type::Enum(_) | Type::Embedded(_) | Type::Parameterized(..));
            let Value::List(items) = v else { return Ok(None) };
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                if skip_nil && matches!(item, Value::Nil) {
                    out.push(Value::Nil);
                    continue;
                }
                match inner(interp, t, item)? {
                    Some(x) => out.push(x),
                    None => return Ok(None),
                }
            }
            Some(Value::list(out))
        }
        Type::MapOf(t) => {
            let Value::Map(m) = v else { return Ok(None) };
            let mut out = MapT::new();
            for (k, item) in m.iter() {
                match inner(interp, t, item)? {
                    Some(x) => {
                        out.insert(k.clone(), x);
                    }
                    None => return Ok(None),
                }
            }
            Some(Value::map(out))
        }
        Type::Any => Some(v.clone()),
        Type::Integer | Type::Id => matches!(v, Value::Int(_)).then(|| v.clone()),
        Type::Float => match v {
            Value::Float(_) => Some(v.clone()),
            Value::Int(i) => Some(Value::Float(*i as f64)),
            _ => None,
        },
        Type::Boolean => matches!(v, Value::Bool(_)).then(|| v.clone()),
        Type::Map => super::is_map_like(v).then(|| v.clone()),
        Type::String | Type::Binary | Type::BinaryId | Type::Bitstring => v.is_binary().then(|| v.clone()),
        Type::Decimal => same_decimal(v),
        Type::Date => matches!(v, Value::Date(_)).then(|| v.clone()),
        Type::Time => match v {
            Value::Time(t) => Some(Value::Time(datetime::truncate_time(*t))),
            _ => None,
        },
        Type::TimeUsec => match v {
            Value::Time(t) => Some(Value::Time(datetime::pad_time(*t))),
            _ => None,
        },
        Type::NaiveDatetime => match v {
            Value::NaiveDateTime(n) => Some(Value::NaiveDateTime(datetime::truncate_naive(*n))),
            Value::DateTime(d) => Some(Value::NaiveDateTime(datetime::truncate_naive(d.naive))),
            _ => None,
        },
        Type::NaiveDatetimeUsec => match v {
            Value::NaiveDateTime(n) => Some(Value::NaiveDateTime(datetime::pad_naive(*n))),
            Value::DateTime(d) => Some(Value::NaiveDateTime(datetime::pad_naive(d.naive))),
            _ => None,
        },
        Type::UtcDatetime => match v {
            Value::NaiveDateTime(n) => Some(Value::DateTime(DateTime { naive: datetime::truncate_naive(*n) })),
            Value::DateTime(d) => Some(Value::DateTime(DateTime { naive: datetime::truncate_naive(d.naive) })),
            _ => None,
        },
        Type::UtcDatetimeUsec => match v {
            Value::NaiveDateTime(n) => Some(Value::DateTime(DateTime { naive: datetime::pad_naive(*n) })),
            Value::DateTime(d) => Some(Value::DateTime(DateTime { naive: datetime::pad_naive(d.naive) })),
            _ => None,
        },
        Type::SupertypeDatetime => matches!(v, Value::NaiveDateTime(_) | Value::DateTime(_)).then(|| v.clone()),
        Type::Duration => None,
        Type::Uuid => match uuid::load(v) {
            uuid::Load::Ok(x) => Some(x),
            uuid::Load::AlreadyString => {
                return Err(arg_error(
                    format!(
                        "trying to load string UUID as Ecto.UUID: {}. Maybe you wanted to declare :uuid as your database field?",
                        inspect(v)
                    ),
                    span,
                ))
            }
            uuid::Load::Error => None,
        },
        Type::Custom(m) => {
            let r = interp.call(m, "load", vec![v.clone()], span)?;
            ok_or_error(&r)
        }
        Type::Other(_) => Some(v.clone()),
        Type::Enum(_) | Type::Embedded(_) | Type::Parameterized(..) => None,
    })
}

/// `Ecto.Type.embedded_dump(type, value, :json)`.
pub fn embedded_dump(interp: &mut Interp, ty: &Type, v: &Value, span: Span) -> EResult<Option<Value>> {
    if embed_as_dump(interp, ty, span)? {
        let mut inner = move |i: &mut Interp, t: &Type, x: &Value| embedded_dump(i, t, x, span);
        dump(interp, ty, v, &mut inner, span)
    } else {
        Ok(Some(v.clone()))
    }
}

/// `Ecto.Type.embedded_load(type, value, :json)`.
pub fn embedded_load(interp: &mut Interp, ty: &Type, v: &Value, span: Span) -> EResult<Option<Value>> {
    if embed_as_dump(interp, ty, span)? {
        let mut inner = move |i: &mut Interp, t: &Type, x: &Value| embedded_load(i, t, x, span);
        load(interp, ty, v, &mut inner, span)
    } else {
        Ok(super::cast(interp, ty, v, span)?.ok())
    }
}

/// `Ecto.Type.embed_as(type, :json) == :dump`.
pub fn embed_as_dump(interp: &mut Interp, ty: &Type, span: Span) -> EResult<bool> {
    Ok(match ty {
        Type::Enum(e) => e.embed_dumped,
        Type::Embedded(_) => true,
        Type::Array(t) | Type::MapOf(t) | Type::In(t) | Type::Try(t) => embed_as_dump(interp, t, span)?,
        Type::Parameterized(m, params) if module_has(interp, m, "embed_as", 2) => {
            interp.call(m, "embed_as", vec![Value::atom("json"), params.clone()], span)?.as_atom() == Some("dump")
        }
        Type::Custom(m) if module_has(interp, m, "embed_as", 1) => {
            interp.call(m, "embed_as", vec![Value::atom("json")], span)?.as_atom() == Some("dump")
        }
        _ => false,
    })
}

pub(crate) fn module_has(interp: &Interp, module: &str, name: &str, arity: usize) -> bool {
    let key = if module.starts_with("Elixir.") { module.to_string() } else { format!("Elixir.{module}") };
    interp.modules.get(key.as_str()).is_some_and(|m| m.functions.contains_key(&(name.to_string(), arity)))
}
