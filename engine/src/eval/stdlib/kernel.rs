//! Kernel functions and guards, and IO.

use std::rc::Rc;

use super::raise;
use crate::diag::Span;
use crate::eval::core::{binary_op, to_string};
use crate::eval::{args, Builtins, EResult, Interp};
use crate::value::{inspect, Function, Value};

pub fn register(b: &mut Builtins) {
    for (name, f) in [
        ("is_nil", is_nil as fn(&mut Interp, Vec<Value>, Span) -> EResult<Value>),
        ("is_atom", |_, a, _| Ok(Value::Bool(a[0].is_atom()))),
        ("is_binary", |_, a, _| Ok(Value::Bool(a[0].is_binary()))),
        ("is_bitstring", |_, a, _| Ok(Value::Bool(a[0].as_bits().is_some()))),
        ("is_boolean", |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Bool(_))))),
        ("is_integer", |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Int(_) | Value::BigInt(_))))),
        ("is_float", |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Float(_))))),
        ("is_number", |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Int(_) | Value::BigInt(_) | Value::Float(_))))),
        ("is_list", |_, a, _| Ok(Value::Bool(matches!(a[0], Value::List(_) | Value::Improper(_))))),
        ("is_tuple", |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Tuple(_))))),
        ("is_map", |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Map(_)) || a[0].struct_name().is_some()))),
        ("is_struct", |_, a, _| Ok(Value::Bool(a[0].struct_name().is_some()))),
        ("is_function", |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Fun(_))))),
        ("is_exception", |_, a, _| Ok(Value::Bool(a[0].as_struct().is_some_and(|s| s.has("__exception__"))))),
        ("length", length),
        ("hd", hd),
        ("tl", tl),
        ("elem", elem),
        ("put_elem", put_elem),
        ("tuple_size", |_, a, s| {
            Ok(Value::Int(a[0].as_tuple().ok_or_else(|| args::arg_error("tuple_size/1", "a tuple", &a[0], s))?.len() as i64))
        }),
        ("map_size", map_size),
        ("byte_size", |_, a, s| {
            Ok(Value::Int(a[0].as_bits().ok_or_else(|| args::arg_error("byte_size/1", "a bitstring", &a[0], s))?.1.div_ceil(8) as i64))
        }),
        ("to_string", |_, a, s| Ok(Value::string(to_string(&a[0], s)?))),
        ("inspect", inspect_fn),
        ("abs", abs),
        ("div", div),
        ("rem", rem),
        ("max", |_, a, _| Ok(if a[1].compare(&a[0]).is_gt() { a[1].clone() } else { a[0].clone() })),
        ("min", |_, a, _| Ok(if a[1].compare(&a[0]).is_lt() { a[1].clone() } else { a[0].clone() })),
        ("round", round),
        ("trunc", trunc),
        ("not", |_, a, s| match a[0] {
            Value::Bool(b) => Ok(Value::Bool(!b)),
            _ => Err(args::arg_error("not/1", "a boolean", &a[0], s)),
        }),
        ("then", |i, a, s| i.apply(&a[1], vec![a[0].clone()], s)),
        ("tap", |i, a, s| {
            i.apply(&a[1], vec![a[0].clone()], s)?;
            Ok(a[0].clone())
        }),
        ("struct", struct_fn),
        ("struct!", struct_fn),
        ("function_exported?", |_, _, _| Ok(Value::Bool(false))),
        ("make_ref", |_, _, _| Ok(Value::str("#Reference<0.0.0.1>"))),
        ("self", |_, _, _| Ok(Value::str("#PID<0.100.0>"))),
    ] {
        let arities: &[usize] = match name {
            "inspect" => &[1, 2],
            "struct" | "struct!" => &[1, 2],
            "is_function" => &[1, 2],
            "is_struct" => &[1, 2],
            "function_exported?" => &[3],
            "make_ref" | "self" => &[0],
            "then" | "tap" | "elem" | "div" | "rem" | "max" | "min" => &[2],
            "put_elem" => &[3],
            _ => &[1],
        };
        b.add("Kernel", name, arities, f);
    }
    for op in ["+", "-", "*", "/", "==", "!=", "===", "!==", "<", ">", "<=", ">=", "<>", "++", "--", "in", "..", "**", "=~"] {
        b.add("Kernel", op, &[2], op_fn(op));
    }
    b.add("IO", "inspect", &[1, 2, 3], io_inspect);
    b.add("IO", "puts", &[1, 2], io_puts);
    b.add("IO", "write", &[1, 2], io_puts);
    b.add("Kernel", "binding", &[0], |_, _, _| Ok(Value::list(vec![])));
}

fn op_fn(op: &'static str) -> fn(&mut Interp, Vec<Value>, Span) -> EResult<Value> {
    macro_rules! f {
        ($o:literal) => {
            |_, mut a: Vec<Value>, s| {
                let r = a.pop().unwrap_or(Value::Nil);
                let l = a.pop().unwrap_or(Value::Nil);
                binary_op($o, l, r, s)
            }
        };
    }
    match op {
        "+" => f!("+"),
        "-" => f!("-"),
        "*" => f!("*"),
        "/" => f!("/"),
        "==" => f!("=="),
        "!=" => f!("!="),
        "===" => f!("==="),
        "!==" => f!("!=="),
        "<" => f!("<"),
        ">" => f!(">"),
        "<=" => f!("<="),
        ">=" => f!(">="),
        "<>" => f!("<>"),
        "++" => f!("++"),
        "--" => f!("--"),
        "in" => f!("in"),
        ".." => f!(".."),
        "**" => f!("**"),
        _ => f!("=~"),
    }
}

/// A native function value (for `&+/2` style captures of operators).
#[allow(dead_code)]
pub fn native(name: &'static str, arity: usize, f: impl Fn(&mut Interp, Vec<Value>) -> EResult<Value> + 'static) -> Value {
    Value::Fun(Rc::new(Function::Native { name, arity, f: Rc::new(f) }))
}

fn is_nil(_: &mut Interp, a: Vec<Value>, _: Span) -> EResult<Value> {
    Ok(Value::Bool(matches!(a[0], Value::Nil)))
}

fn length(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match &a[0] {
        Value::List(l) => Ok(Value::Int(l.len() as i64)),
        other => Ok(Value::Int(args::list("length/1", other, s)?.len() as i64)),
    }
}

fn hd(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match &a[0] {
        Value::List(l) if !l.is_empty() => Ok(l.head().cloned().unwrap_or(Value::Nil)),
        Value::Improper(imp) => Ok(imp.0[0].clone()),
        _ => Err(args::badarg("1st", "not a nonempty list", s)),
    }
}

fn tl(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match &a[0] {
        Value::List(l) if !l.is_empty() => Ok(Value::List(l.tail().unwrap_or_default())),
        Value::Improper(imp) => Ok(crate::eval::core::cons(imp.0[1..].to_vec(), imp.1.clone())),
        _ => Err(args::badarg("1st", "not a nonempty list", s)),
    }
}

fn elem(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let t = a[0].as_tuple().ok_or_else(|| args::arg_error("elem/2", "a tuple", &a[0], s))?;
    let i = args::int("elem/2", &a[1], s)?;
    t.get(i as usize).cloned().ok_or_else(|| args::badarg("1st", "out of range", s))
}

fn put_elem(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let t = a[0].as_tuple().ok_or_else(|| args::arg_error("put_elem/3", "a tuple", &a[0], s))?;
    let i = args::int("put_elem/3", &a[1], s)? as usize;
    if i >= t.len() {
        return Err(args::badarg("1st", "out of range", s));
    }
    let mut t = t.to_vec();
    t[i] = a[2].clone();
    Ok(Value::tuple(t))
}

fn map_size(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match &a[0] {
        Value::Map(m) => Ok(Value::Int(m.len() as i64)),
        Value::Struct(st) => Ok(Value::Int(st.fields.len() as i64 + 1)),
        other => Err(raise("BadMapError", format!("expected a map, got: {}", inspect::inspect(other)), s)),
    }
}

fn inspect_fn(interp: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let opts = a.get(1).cloned().unwrap_or(Value::list(vec![]));
    let v = super::extra::apply_user_inspect(interp, &a[0], s);
    Ok(Value::string(inspect::inspect_opts(&v, &inspect::Opts::from_keyword(&opts))))
}

fn abs(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match &a[0] {
        Value::Int(i) => {
            Ok(i.checked_abs().map(Value::Int).unwrap_or_else(|| Value::from_bigint(crate::value::bigint::BigInt::from_i64(*i).neg())))
        }
        Value::BigInt(b) => Ok(Value::from_bigint(crate::value::bigint::BigInt { neg: false, mag: b.mag.clone() })),
        Value::Float(f) => Ok(Value::Float(f.abs())),
        other => Err(args::arg_error("abs/1", "a number", other, s)),
    }
}

fn div(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match (&a[0], &a[1]) {
        (Value::Int(_), Value::Int(0)) => Err(raise("ArithmeticError", "bad argument in arithmetic expression", s)),
        (Value::Int(x), Value::Int(-1)) if *x == i64::MIN => Ok(Value::from_bigint(crate::value::bigint::BigInt::from_i64(*x).neg())),
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.wrapping_div(*y))),
        (x @ (Value::Int(_) | Value::BigInt(_)), y @ (Value::Int(_) | Value::BigInt(_))) => big_divrem(x, y, s).map(|(q, _)| q),
        _ => Err(raise("ArithmeticError", "bad argument in arithmetic expression", s)),
    }
}

/// Truncated `div`/`rem` when a side is a big integer.
fn big_divrem(x: &Value, y: &Value, s: Span) -> EResult<(Value, Value)> {
    let (Some(a), Some(b)) = (x.as_bigint(), y.as_bigint()) else {
        return Err(raise("ArithmeticError", "bad argument in arithmetic expression", s));
    };
    match a.divrem(&b) {
        Some((q, r)) => Ok((Value::from_bigint(q), Value::from_bigint(r))),
        None => Err(raise("ArithmeticError", "bad argument in arithmetic expression", s)),
    }
}

fn rem(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match (&a[0], &a[1]) {
        (Value::Int(_), Value::Int(0)) => Err(raise("ArithmeticError", "bad argument in arithmetic expression", s)),
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.wrapping_rem(*y))),
        (x @ (Value::Int(_) | Value::BigInt(_)), y @ (Value::Int(_) | Value::BigInt(_))) => big_divrem(x, y, s).map(|(_, r)| r),
        _ => Err(raise("ArithmeticError", "bad argument in arithmetic expression", s)),
    }
}

fn round(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match &a[0] {
        Value::Int(_) | Value::BigInt(_) => Ok(a[0].clone()),
        Value::Float(f) => Ok(Value::integral_float(f.round())),
        other => Err(args::arg_error("round/1", "a number", other, s)),
    }
}

fn trunc(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match &a[0] {
        Value::Int(_) | Value::BigInt(_) => Ok(a[0].clone()),
        Value::Float(f) => Ok(Value::integral_float(f.trunc())),
        other => Err(args::arg_error("trunc/1", "a number", other, s)),
    }
}

fn struct_fn(interp: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let module = match &a[0] {
        Value::Atom(m) => m.to_string(),
        Value::Struct(st) => st.module.to_string(),
        other => return Err(args::arg_error("struct/2", "a module or struct", other, s)),
    };
    let mut st = match &a[0] {
        Value::Struct(st) => (**st).clone(),
        _ => runtime_struct(interp, &module, 0, s)?,
    };
    if let Some(fields) = a.get(1) {
        for item in super::enumerate(interp, fields, s)? {
            if let Some([k, v]) = item.as_tuple() {
                if let Some(k) = k.as_atom() {
                    st.set(k, v.clone());
                }
            }
        }
    }
    Ok(Value::Struct(Rc::new(st)))
}

fn io_inspect(interp: &mut Interp, a: Vec<Value>, span: Span) -> EResult<Value> {
    // IO.inspect(value, opts) or IO.inspect(device, value, opts)
    let (v, opts) = match a.len() {
        3 => (a[1].clone(), a[2].clone()),
        2 if a[1].as_keyword().is_some() => (a[0].clone(), a[1].clone()),
        2 => (a[1].clone(), Value::list(vec![])),
        _ => (a[0].clone(), Value::list(vec![])),
    };
    let mut o = inspect::Opts::from_keyword(&opts);
    o.pretty = true;
    let mut text = inspect::inspect_opts(&super::extra::apply_user_inspect(interp, &v, span), &o);
    if let Some(Value::Str(label)) = opts.keyword_get("label") {
        text = format!("{label}: {text}");
    }
    interp.output.push_str(&text);
    interp.output.push('\n');
    Ok(v)
}

fn io_puts(interp: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = a.last().cloned().unwrap_or(Value::Nil);
    let text = match &v {
        Value::List(_) => to_string(&v, s)?,
        other => interp.to_string_value(other, s)?,
    };
    interp.output.push_str(&text);
    interp.output.push('\n');
    Ok(Value::atom("ok"))
}

/// `module.__struct__/arity` called at run time (`struct/2`, `struct!/2`):
/// a module without a struct fails with UndefinedFunctionError.
pub(crate) fn runtime_struct(interp: &mut Interp, module: &str, arity: usize, s: Span) -> EResult<crate::value::Struct> {
    interp.new_struct(module, s).map_err(|e| {
        if e.kind() == "CompileError" {
            raise(
                "UndefinedFunctionError",
                format!("function {}.__struct__/{arity} is undefined or private", crate::value::alias_name(module)),
                s,
            )
        } else {
            e
        }
    })
}
