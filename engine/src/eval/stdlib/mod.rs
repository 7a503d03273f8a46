//! The slice of Elixir's standard library that Ecto code uses. One file per
//! module family; each has a `register` adding its functions.

pub mod calendar;
mod decimal;
mod duration;
mod r#enum;
pub(crate) mod erlang;
pub(crate) mod extra;
pub(crate) mod exunit;
pub mod exunit_case;
mod jason;
mod kernel;
mod lazy;
mod map;
pub mod mix;
mod process;
pub(crate) mod regex;
mod string;
pub mod telemetry;
#[cfg(test)]
mod tests;

use std::rc::Rc;

use super::{Builtins, EResult, Error, Interp};
use crate::diag::Span;
use crate::value::{inspect, Value};

pub fn register(b: &mut Builtins) {
    b.add("Enumerable.List", "reduce", &[3], enumerable_list_reduce);
    kernel::register(b);
    r#enum::register(b);
    map::register(b);
    string::register(b);
    calendar::register(b);
    duration::register(b);
    decimal::register(b);
    regex::register(b);
    jason::register(b);
    process::register(b);
    erlang::register(b);
    extra::register(b);
    lazy::register(b);
    exunit::register(b);
    exunit_case::register(b);
    mix::register(b);
    telemetry::register(b);
}

pub(crate) fn raise(kind: &str, msg: impl Into<String>, span: Span) -> Box<Error> {
    Error::raise(kind, msg, span)
}

/// The elements of an enumerable (lists, ranges, maps as `{k, v}` tuples,
/// MapSets).
pub fn enumerate(interp: &mut Interp, v: &Value, span: Span) -> EResult<Vec<Value>> {
    if let Some(l) = lazy::as_lazy(v) {
        return lazy::to_vec(interp, l, span);
    }
    Ok(match v {
        Value::List(items) => items.to_vec(),
        Value::Range(a, b, s) => {
            let (a, b, s) = (*a, *b, *s);
            let n = if (s > 0 && a > b) || (s < 0 && a < b) { 0 } else { (b as i128 - a as i128) / s as i128 + 1 };
            super::args::built("Enum", n as u64, super::args::MAX_ITEMS, span)?;
            (0..n as i64).map(|i| Value::Int(a + i * s)).collect()
        }
        Value::Map(m) => m.iter().map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()])).collect(),
        Value::MapSet(s) => s.iter().cloned().collect(),
        Value::Struct(st) if st.name() == "Date.Range" => match calendar::date_range_items(st) {
            Some(items) => items,
            None => return Err(raise("RuntimeError", "date range too large to enumerate", span)),
        },
        Value::Struct(st) if interp.user_function(&format!("Elixir.Enumerable.{}", st.name()), "reduce", 3, false).is_some() => {
            return user_enumerable(interp, v, st.name(), span)
        }
        other => return Err(not_enumerable(other, span)),
    })
}

/// The items of a struct with a user `defimpl Enumerable`: its reduce/3
/// driven with a collecting function.
fn user_enumerable(interp: &mut Interp, v: &Value, name: &str, span: Span) -> EResult<Vec<Value>> {
    let collect = Value::Fun(Rc::new(crate::value::Function::Native {
        name: "collect",
        arity: 2,
        f: Rc::new(|_, a: Vec<Value>| {
            let mut items = a.get(1).and_then(|l| l.as_list()).map(<[Value]>::to_vec).unwrap_or_default();
            items.push(a.first().cloned().unwrap_or(Value::Nil));
            Ok(Value::tuple(vec![Value::atom("cont"), Value::list(items)]))
        }),
    }));
    let acc = Value::tuple(vec![Value::atom("cont"), Value::list(vec![])]);
    let r = interp.call(&format!("Enumerable.{name}"), "reduce", vec![v.clone(), acc, collect], span)?;
    match r.as_tuple() {
        Some([_, Value::List(items)]) => Ok(items.to_vec()),
        _ => Err(raise("CaseClauseError", format!("no case clause matching: {}", inspect::inspect(&r)), span)),
    }
}

/// `Enumerable.List.reduce/3`, the list implementation user Enumerable
/// implementations delegate to.
fn enumerable_list_reduce(interp: &mut Interp, a: Vec<Value>, span: Span) -> EResult<Value> {
    let items = enumerate(interp, &a[0], span)?;
    let mut acc = a[1].clone();
    let mut rest = items.into_iter();
    loop {
        match acc.as_tuple() {
            Some([Value::Atom(t), x]) if &**t == "halt" => return Ok(Value::tuple(vec![Value::atom("halted"), x.clone()])),
            Some([Value::Atom(t), x]) if &**t == "cont" => match rest.next() {
                Some(item) => acc = interp.apply(&a[2], vec![item, x.clone()], span)?,
                None => return Ok(Value::tuple(vec![Value::atom("done"), x.clone()])),
            },
            _ => return Err(raise("CaseClauseError", format!("no case clause matching: {}", inspect::inspect(&acc)), span)),
        }
    }
}

/// `Protocol.UndefinedError` for a value that is not Enumerable.
pub fn not_enumerable(v: &Value, span: Span) -> Box<Error> {
    raise(
        "Protocol.UndefinedError",
        format!("protocol Enumerable not implemented for type {}\n\nGot value:\n\n    {}\n", value_type(v), inspect::inspect(v)),
        span,
    )
}

/// The type name used in protocol errors (`Protocol.UndefinedError`): a
/// struct is named by its module, as `Ecto.Association.NotLoaded (a struct)`.
pub fn value_type(v: &Value) -> std::borrow::Cow<'static, str> {
    std::borrow::Cow::Borrowed(match v {
        Value::Int(_) => "Integer",
        Value::Float(_) => "Float",
        Value::Atom(_) | Value::Nil | Value::Bool(_) => "Atom",
        Value::Str(_) | Value::Bytes(_) | Value::Bits(_) => "BitString",
        Value::Tuple(_) => "Tuple",
        Value::Fun(_) => "Function",
        Value::Map(_) => "Map",
        Value::List(_) | Value::Improper(_) => "List",
        other => match other.struct_name() {
            Some(name) => return std::borrow::Cow::Owned(format!("{} (a struct)", inspect::inspect(&Value::module(name)))),
            None => "Any",
        },
    })
}

/// `x in collection`
pub fn member(coll: &Value, x: &Value, span: Span) -> EResult<bool> {
    Ok(match coll {
        Value::List(items) => items.iter().any(|i| i == x),
        Value::Range(a, b, s) => match x {
            Value::Int(i) => {
                let (a, b, s) = (*a, *b, *s);
                if s > 0 {
                    *i >= a && *i <= b && (i - a) % s == 0
                } else {
                    *i <= a && *i >= b && (a - i) % (-s) == 0
                }
            }
            _ => false,
        },
        Value::Map(m) => match x.as_tuple() {
            Some([k, v]) => m.get(k) == Some(v),
            _ => false,
        },
        Value::MapSet(s) => s.contains(x),
        Value::Struct(st) if st.name() == "Date.Range" => calendar::date_range_items(st).is_some_and(|items| items.contains(x)),
        other => return Err(not_enumerable(other, span)),
    })
}

/// Field access on built-in struct-like values (`date.year`, `range.first`).
pub fn builtin_field(v: &Value, name: &str) -> Option<Value> {
    let i = |x: i64| Some(Value::Int(x));
    match (v, name) {
        (Value::Date(d), "year") => i(d.year as i64),
        (Value::Date(d), "month") => i(d.month as i64),
        (Value::Date(d), "day") => i(d.day as i64),
        (Value::Date(_) | Value::NaiveDateTime(_) | Value::DateTime(_) | Value::Time(_), "calendar") => Some(Value::module("Calendar.ISO")),
        (Value::Struct(s), "__struct__") => Some(Value::Atom(s.module.clone())),
        (v, "__struct__") => v.struct_name().map(Value::module),
        (Value::NaiveDateTime(n), _) | (Value::DateTime(crate::value::DateTime { naive: n }), _) => match name {
            "year" | "month" | "day" => builtin_field(&Value::Date(n.date), name),
            "hour" | "minute" | "second" | "microsecond" => builtin_field(&Value::Time(n.time), name),
            "time_zone" if matches!(v, Value::DateTime(_)) => Some(Value::str("Etc/UTC")),
            "zone_abbr" if matches!(v, Value::DateTime(_)) => Some(Value::str("UTC")),
            "utc_offset" | "std_offset" if matches!(v, Value::DateTime(_)) => i(0),
            _ => None,
        },
        (Value::Time(t), "hour") => i(t.hour as i64),
        (Value::Time(t), "minute") => i(t.minute as i64),
        (Value::Time(t), "second") => i(t.second as i64),
        (Value::Time(t), "microsecond") => Some(Value::tuple(vec![Value::Int(t.micro as i64), Value::Int(t.precision as i64)])),
        (Value::Range(a, _, _), "first") => i(*a),
        (Value::Range(_, b, _), "last") => i(*b),
        (Value::Range(_, _, s), "step") => i(*s),
        (Value::Decimal(d), "sign") => i(d.sign as i64),
        (Value::Decimal(d), "exp") => i(d.exp as i64),
        (Value::Decimal(d), "coef") => i(d.coef as i64),
        (Value::Regex(r), "source") => Some(Value::str(&r.source)),
        (Value::Opaque(o), _) => o.get_field(name),
        _ => None,
    }
}

/// Calls on user struct modules that Elixir defines implicitly
/// (`Mod.__struct__/0,1`).
pub fn struct_module_call(interp: &mut Interp, module: &str, name: &str, args: &[Value], span: Span) -> EResult<Option<Value>> {
    let full = Value::module(module);
    let full = full.as_atom().unwrap_or_default().to_string();
    if interp.struct_def(&full).is_none() {
        return Ok(None);
    }
    match (name, args.len()) {
        ("__struct__", 0) => Ok(Some(Value::Struct(Rc::new(interp.new_struct(&full, span)?)))),
        ("__struct__", 1) => {
            let mut s = interp.new_struct(&full, span)?;
            for item in enumerate(interp, &args[0], span)? {
                if let Some([k, v]) = item.as_tuple() {
                    if let Some(k) = k.as_atom() {
                        s.set(k, v.clone());
                    }
                }
            }
            Ok(Some(Value::Struct(Rc::new(s))))
        }
        _ => Ok(None),
    }
}
