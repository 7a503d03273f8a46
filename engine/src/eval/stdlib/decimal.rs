//! The Decimal library's API over `value::Decimal`.

use std::cmp::Ordering;
use std::rc::Rc;

use super::raise;
use crate::diag::Span;
use crate::eval::{args, Builtins, EResult, Error, Interp};
use crate::value::decimal::{DecimalError, Rounding};
use crate::value::{inspect, Decimal, Value};

type F = fn(&mut Interp, Vec<Value>, Span) -> EResult<Value>;

pub fn register(b: &mut Builtins) {
    let fns: &[(&'static str, &[usize], F)] = &[
        ("new", &[1, 2, 3], new),
        ("from_float", &[1], |_, a, s| match &a[0] {
            Value::Float(f) => Ok(dec(Decimal::from_f64(*f))),
            other => Err(raise(
                "FunctionClauseError",
                format!("no function clause matching in Decimal.from_float/1: {}", inspect::inspect(other)),
                s,
            )),
        }),
        ("cast", &[1], |_, a, _| {
            Ok(match &a[0] {
                Value::Decimal(_) => Value::ok(a[0].clone()),
                Value::Int(i) => Value::ok(dec(Decimal::from_i64(*i))),
                Value::Float(f) => Value::ok(dec(Decimal::from_f64(*f))),
                Value::Str(t) => match Decimal::parse_prefix(t) {
                    Some((d, n)) if n == t.len() => Value::ok(dec(d)),
                    _ => Value::atom("error"),
                },
                _ => Value::atom("error"),
            })
        }),
        ("parse", &[1], |_, a, s| {
            let t = args::string("Decimal.parse/1", &a[0], s)?;
            Ok(match Decimal::parse_prefix(t) {
                Some((d, n)) => Value::tuple(vec![dec(d), Value::str(&t[n..])]),
                None => Value::atom("error"),
            })
        }),
        ("add", &[2], |_, a, s| bin(a, s, |x, y| x.add_ctx(y))),
        ("sub", &[2], |_, a, s| bin(a, s, |x, y| x.sub_ctx(y))),
        ("mult", &[2], |_, a, s| bin(a, s, |x, y| x.mult_ctx(y))),
        ("div", &[2], |_, a, s| bin(a, s, |x, y| x.div(y))),
        ("div_int", &[2], |_, a, s| bin(a, s, |x, y| x.div_int(y))),
        ("rem", &[2], |_, a, s| bin(a, s, |x, y| x.rem(y))),
        ("div_rem", &[2], |_, a, s| {
            let (x, y) = (num(&a[0], s)?, num(&a[1], s)?);
            let q = x.div_int(&y).map_err(|e| derr(e, s))?;
            let r = x.rem(&y).map_err(|e| derr(e, s))?;
            Ok(Value::tuple(vec![dec(q), dec(r)]))
        }),
        ("negate", &[1], |_, a, s| Ok(dec(num(&a[0], s)?.negate().apply_context()))),
        ("abs", &[1], |_, a, s| Ok(dec(num(&a[0], s)?.abs()))),
        ("normalize", &[1], |_, a, s| Ok(dec(num(&a[0], s)?.normalize()))),
        ("reduce", &[1], |_, a, s| Ok(dec(num(&a[0], s)?.normalize()))),
        ("apply_context", &[1], |_, a, s| Ok(dec(num(&a[0], s)?.apply_context()))),
        ("round", &[1, 2, 3], round),
        ("compare", &[2, 3], |_, a, s| {
            let (x, y) = (num(&a[0], s)?, num(&a[1], s)?);
            let o = match a.get(2) {
                Some(t) => compare_threshold(&x, &y, &num(t, s)?, s)?,
                None => x.cmp_value(&y),
            };
            Ok(ord_atom(o))
        }),
        ("cmp", &[2], |_, a, s| Ok(ord_atom(num(&a[0], s)?.cmp_value(&num(&a[1], s)?)))),
        ("equal?", &[2], |_, a, s| Ok(Value::Bool(num(&a[0], s)?.cmp_value(&num(&a[1], s)?) == Ordering::Equal))),
        ("eq?", &[2, 3], |_, a, s| cmp_is(a, s, &[Ordering::Equal])),
        ("gt?", &[2], |_, a, s| cmp_is(a, s, &[Ordering::Greater])),
        ("lt?", &[2], |_, a, s| cmp_is(a, s, &[Ordering::Less])),
        ("gte?", &[2], |_, a, s| cmp_is(a, s, &[Ordering::Greater, Ordering::Equal])),
        ("lte?", &[2], |_, a, s| cmp_is(a, s, &[Ordering::Less, Ordering::Equal])),
        ("max", &[2], |_, a, s| {
            let (x, y) = (num(&a[0], s)?, num(&a[1], s)?);
            Ok(dec(pick(&x, &y, true).apply_context()))
        }),
        ("min", &[2], |_, a, s| {
            let (x, y) = (num(&a[0], s)?, num(&a[1], s)?);
            Ok(dec(pick(&x, &y, false).apply_context()))
        }),
        ("to_string", &[1, 2], |_, a, s| {
            let d = num(&a[0], s)?;
            let kind = a.get(1).and_then(|k| k.as_atom()).unwrap_or("scientific");
            if matches!(kind, "normal" | "xsd") {
                // Every power of ten is written out.
                args::built("Decimal.to_string/2", d.exp.unsigned_abs() as u64, args::MAX_BYTES, s)?;
            }
            Ok(Value::string(match kind {
                "normal" => d.to_normal(),
                "raw" => d.to_raw(),
                "xsd" => d.to_xsd(),
                "scientific" => d.to_scientific(),
                other => {
                    return Err(raise(
                        "FunctionClauseError",
                        format!("no function clause matching in Decimal.to_string/2 with type :{other}"),
                        s,
                    ))
                }
            }))
        }),
        ("to_integer", &[1], |_, a, s| {
            let d = num(&a[0], s)?;
            d.to_integer().map(Value::Int).ok_or_else(|| {
                raise(
                    "ArgumentError",
                    format!(
                        "cannot convert {} without losing precision. Use Decimal.round/3 first.",
                        inspect::inspect(&dec(d.normalize()))
                    ),
                    s,
                )
            })
        }),
        ("to_float", &[1], |_, a, s| {
            let d = num(&a[0], s)?;
            let f = d.to_f64();
            if !f.is_finite() {
                return Err(raise("ArgumentError", format!("cannot convert {} to float", d.to_scientific()), s));
            }
            Ok(Value::Float(f))
        }),
        ("is_decimal", &[1], |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Decimal(_))))),
        ("decimal?", &[1], |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Decimal(_))))),
        ("zero?", &[1], |_, a, s| Ok(Value::Bool(num(&a[0], s)?.is_zero()))),
        ("positive?", &[1], |_, a, s| {
            let d = num(&a[0], s)?;
            Ok(Value::Bool(!d.is_zero() && d.sign > 0))
        }),
        ("negative?", &[1], |_, a, s| {
            let d = num(&a[0], s)?;
            Ok(Value::Bool(!d.is_zero() && d.sign < 0))
        }),
        ("integer?", &[1], |_, a, s| Ok(Value::Bool(num(&a[0], s)?.normalize().exp >= 0))),
        ("scale", &[1], |_, a, s| Ok(Value::Int((-(num(&a[0], s)?.exp as i64)).max(0)))),
        ("nan?", &[1], |_, _, _| Ok(Value::Bool(false))),
        ("inf?", &[1], |_, _, _| Ok(Value::Bool(false))),
        ("sqrt", &[1], |_, a, s| {
            let d = num(&a[0], s)?;
            if d.sign < 0 && !d.is_zero() {
                return Err(raise("Decimal.Error", "invalid_operation: less than zero", s));
            }
            sqrt(&d).map(dec).map_err(|e| derr(e, s))
        }),
    ];
    for (name, ar, f) in fns {
        b.add("Decimal", name, ar, *f);
    }
}

fn dec(d: Decimal) -> Value {
    Value::Decimal(Rc::new(d))
}

fn derr(e: DecimalError, s: Span) -> Box<Error> {
    raise("Decimal.Error", e.0, s)
}

/// `decimal/1` coercion: decimals, integers and strings (floats are refused).
fn num(v: &Value, s: Span) -> EResult<Decimal> {
    match v {
        Value::Decimal(d) => Ok((**d).clone()),
        Value::Int(i) => Ok(Decimal::from_i64(*i)),
        Value::Str(t) => match Decimal::parse_prefix(t) {
            Some((d, n)) if n == t.len() => Ok(d),
            _ => Err(raise("Decimal.Error", format!(": number parsing syntax: {}", inspect::inspect(v)), s)),
        },
        Value::Float(_) => Err(raise(
            "ArgumentError",
            format!("implicit conversion of {} to Decimal is not allowed. Use Decimal.from_float/1", inspect::inspect(v)),
            s,
        )),
        other => {
            Err(raise("FunctionClauseError", format!("no function clause matching in Decimal.decimal/1: {}", inspect::inspect(other)), s))
        }
    }
}

fn bin(a: Vec<Value>, s: Span, f: impl Fn(&Decimal, &Decimal) -> Result<Decimal, DecimalError>) -> EResult<Value> {
    let (x, y) = (num(&a[0], s)?, num(&a[1], s)?);
    f(&x, &y).map(dec).map_err(|e| derr(e, s))
}

fn ord_atom(o: Ordering) -> Value {
    Value::atom(match o {
        Ordering::Less => "lt",
        Ordering::Equal => "eq",
        Ordering::Greater => "gt",
    })
}

fn cmp_is(a: Vec<Value>, s: Span, want: &[Ordering]) -> EResult<Value> {
    let (x, y) = (num(&a[0], s)?, num(&a[1], s)?);
    let o = match a.get(2) {
        Some(t) => compare_threshold(&x, &y, &num(t, s)?, s)?,
        None => x.cmp_value(&y),
    };
    Ok(Value::Bool(want.contains(&o)))
}

fn compare_threshold(x: &Decimal, y: &Decimal, t: &Decimal, s: Span) -> EResult<Ordering> {
    if t.sign < 0 && !t.is_zero() {
        return Err(raise("Decimal.Error", "threshold cannot be negative", s));
    }
    let diff = x.sub_ctx(y).map_err(|e| derr(e, s))?;
    if diff.abs().cmp_value(t) != Ordering::Greater {
        Ok(Ordering::Equal)
    } else {
        Ok(x.cmp_value(y))
    }
}

fn pick(x: &Decimal, y: &Decimal, max: bool) -> Decimal {
    match x.cmp_value(y) {
        Ordering::Less => {
            if max {
                y.clone()
            } else {
                x.clone()
            }
        }
        Ordering::Greater => {
            if max {
                x.clone()
            } else {
                y.clone()
            }
        }
        Ordering::Equal => {
            if x.sign != y.sign {
                let pos = if x.sign == 1 { x } else { y };
                let neg = if x.sign == 1 { y } else { x };
                if max {
                    pos.clone()
                } else {
                    neg.clone()
                }
            } else if (x.sign == 1) == max {
                if x.exp > y.exp {
                    x.clone()
                } else {
                    y.clone()
                }
            } else if x.exp < y.exp {
                x.clone()
            } else {
                y.clone()
            }
        }
    }
}

fn new(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match a.as_slice() {
        [Value::Decimal(_)] => Ok(a[0].clone()),
        [Value::Int(i)] => Ok(dec(Decimal::from_i64(*i))),
        [Value::Str(t)] | [Value::Str(t), _] => match Decimal::parse_prefix(t) {
            Some((d, n)) if n == t.len() => Ok(dec(d)),
            _ => Err(raise("Decimal.Error", format!(": number parsing syntax: {}", inspect::inspect(&a[0])), s)),
        },
        [Value::Float(_)] => Err(raise("FunctionClauseError", "no function clause matching in Decimal.new/1", s)),
        [sign, coef, exp] => {
            let sign = args::int("Decimal.new/3", sign, s)?;
            let coef = args::int("Decimal.new/3", coef, s)?;
            let exp = args::int("Decimal.new/3", exp, s)?;
            if !(sign == 1 || sign == -1) || coef < 0 {
                return Err(raise("FunctionClauseError", "no function clause matching in Decimal.new/3", s));
            }
            Ok(dec(Decimal {
                sign: sign as i8,
                coef: coef as u128,
                exp: i32::try_from(exp).map_err(|_| raise("Decimal.Error", "exponent out of range", s))?,
            }))
        }
        _ => Err(raise("FunctionClauseError", format!("no function clause matching in Decimal.new/1: {}", inspect::inspect(&a[0])), s)),
    }
}

fn round(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let d = num(&a[0], s)?;
    let places = match a.get(1) {
        Some(p) => args::int("Decimal.round/3", p, s)?,
        None => 0,
    };
    if !(-1000..=1000).contains(&places) {
        return Err(raise("Decimal.Error", "rounding places out of range", s));
    }
    let mode = match a.get(2) {
        Some(m) => {
            let name = args::atom("Decimal.round/3", m, s)?;
            Rounding::from_name(name).ok_or_else(|| {
                raise("FunctionClauseError", format!("no function clause matching in Decimal.round/3 with rounding :{name}"), s)
            })?
        }
        None => Rounding::HalfUp,
    };
    d.round(places, mode).map(dec).map_err(|e| derr(e, s))
}

/// Square root to the context precision (Newton's method on the coefficient).
fn sqrt(d: &Decimal) -> Result<Decimal, DecimalError> {
    if d.is_zero() {
        return Ok(Decimal { sign: 1, coef: 0, exp: d.exp.div_euclid(2) });
    }
    let f = d.to_f64().sqrt();
    let approx = Decimal::parse(&format!("{f:.15e}")).ok_or_else(|| DecimalError("sqrt failed".into()))?;
    // Refine: x = (x + d / x) / 2, a few rounds at 28 digits.
    let two = Decimal::from_i64(2);
    let mut x = approx;
    for _ in 0..6 {
        let q = d.div(&x)?;
        x = x.add_ctx(&q)?.div(&two)?;
    }
    let n = x.normalize();
    Ok(if n.exp >= 0 { n } else { x })
}
