//! `Ecto.Type.equal?/3` and `include?/3`.

use super::Type;
use crate::diag::Span;
use crate::eval::{EResult, Interp};
use crate::value::Value;

/// Erlang's `==`: like strict equality, except that integers and floats
/// compare by value at any depth (`[1] == [1.0]`). Map keys still match exactly.
pub fn term_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len()
                && match (x.flat_slice(), y.flat_slice()) {
                    (Some(p), Some(q)) => p.iter().zip(q).all(|(p, q)| term_eq(p, q)),
                    _ => x.walk().zip(y.walk()).all(|(p, q)| term_eq(&p, &q)),
                }
        }
        (Value::Tuple(x), Value::Tuple(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| term_eq(p, q)),
        (Value::Map(x), Value::Map(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| term_eq(v, w))),
        (Value::Struct(x), Value::Struct(y)) => {
            x.module == y.module
                && x.fields.len() == y.fields.len()
                && x.fields.iter().all(|(k, v)| y.get(k).is_some_and(|w| term_eq(v, w)))
        }
        _ => a == b,
    }
}

fn has_fun(interp: &Interp, module: &str, name: &str, arity: usize) -> bool {
    let key = if module.starts_with("Elixir.") { module.to_string() } else { format!("Elixir.{module}") };
    interp.modules.get(key.as_str()).is_some_and(|m| m.functions.contains_key(&(name.to_string(), arity)))
}

/// `Ecto.Type.equal?(type, a, b)`.
pub fn equal(interp: &mut Interp, ty: &Type, a: &Value, b: &Value, span: Span) -> EResult<bool> {
    if matches!((a, b), (Value::Nil, Value::Nil)) {
        return Ok(true);
    }
    equal_inner(interp, ty, a, b, span)
}

fn equal_inner(interp: &mut Interp, ty: &Type, a: &Value, b: &Value, span: Span) -> EResult<bool> {
    Ok(match ty {
        Type::Decimal => match (a, b) {
            (Value::Decimal(x), Value::Decimal(y)) => x.cmp_value(y) == std::cmp::Ordering::Equal,
            _ => false,
        },
        Type::Time | Type::TimeUsec => match (a, b) {
            (Value::Time(x), Value::Time(y)) => (x.seconds_of_day(), x.micro) == (y.seconds_of_day(), y.micro),
            _ => false,
        },
        Type::UtcDatetime | Type::UtcDatetimeUsec => match (a, b) {
            (Value::DateTime(x), Value::DateTime(y)) => {
                (x.naive.to_seconds(), x.naive.time.micro) == (y.naive.to_seconds(), y.naive.time.micro)
            }
            _ => false,
        },
        Type::NaiveDatetime | Type::NaiveDatetimeUsec => match (a, b) {
            (Value::NaiveDateTime(x), Value::NaiveDateTime(y)) => (x.to_seconds(), x.time.micro) == (y.to_seconds(), y.time.micro),
            _ => false,
        },
        Type::Array(inner) if has_equal_fun(inner) => match (a, b) {
            (Value::List(x), Value::List(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    let same = match (p, q) {
                        (Value::Nil, Value::Nil) => true,
                        _ => equal_inner(interp, inner, p, q, span)?,
                    };
                    if !same {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        },
        Type::MapOf(inner) if has_equal_fun(inner) => match (a, b) {
            (Value::Map(x), Value::Map(y)) => {
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (k, v) in x.iter() {
                    let Some(w) = y.get(k) else { return Ok(false) };
                    let same = match (v, w) {
                        (Value::Nil, Value::Nil) => true,
                        (Value::Nil, _) => false,
                        _ => equal_inner(interp, inner, v, w, span)?,
                    };
                    if !same {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        },
        Type::Enum(_) | Type::Embedded(_) => a == b,
        Type::Parameterized(m, params) => {
            if has_fun(interp, m, "equal?", 3) {
                interp.call(m, "equal?", vec![a.clone(), b.clone(), params.clone()], span)?.is_truthy()
            } else {
                term_eq(a, b)
            }
        }
        Type::Custom(m) => {
            if has_fun(interp, m, "equal?", 2) {
                interp.call(m, "equal?", vec![a.clone(), b.clone()], span)?.is_truthy()
            } else {
                term_eq(a, b)
            }
        }
        _ => term_eq(a, b),
    })
}

/// Whether `equal?` compares elements of this type with something other
/// than `==` (decides if arrays/maps compare element-wise).
fn has_equal_fun(ty: &Type) -> bool {
    match ty {
        Type::Decimal
        | Type::Time
        | Type::TimeUsec
        | Type::UtcDatetime
        | Type::UtcDatetimeUsec
        | Type::NaiveDatetime
        | Type::NaiveDatetimeUsec
        | Type::Enum(_)
        | Type::Embedded(_)
        | Type::Parameterized(..)
        | Type::Custom(_)
        | Type::Uuid
        | Type::Other(_) => true,
        Type::Array(t) | Type::MapOf(t) => has_equal_fun(t),
        _ => false,
    }
}

/// `Ecto.Type.include?(type, term, collection)`: the collection is a list,
/// a range or a MapSet.
pub fn include(interp: &mut Interp, ty: &Type, term: &Value, collection: &Value, span: Span) -> EResult<bool> {
    let items: Vec<Value> = match collection {
        Value::List(l) => l.to_vec(),
        Value::MapSet(s) => s.iter().cloned().collect(),
        Value::Range(first, last, step) => {
            // `term in first..last//step` without enumerating the range.
            return Ok(match term {
                Value::Int(i) => {
                    let (lo, hi) = if step > &0 { (*first, *last) } else { (*last, *first) };
                    *i >= lo && *i <= hi && *step != 0 && (*i as i128 - *first as i128) % (*step as i128) == 0
                }
                _ => false,
            });
        }
        Value::Map(m) => m.iter().map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()])).collect(),
        // `term in collection` / Enum.any?/2 on anything else
        other => crate::eval::stdlib::enumerate(interp, other, span)?,
    };
    if has_equal_fun(ty) && !matches!(ty, Type::Enum(_) | Type::Uuid | Type::Other(_)) {
        for item in &items {
            if equal_inner(interp, ty, term, item, span)? {
                return Ok(true);
            }
        }
        Ok(false)
    } else {
        Ok(items.iter().any(|item| term_eq(term, item)))
    }
}
