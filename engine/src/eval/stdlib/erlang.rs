//! Erlang modules Elixir code calls directly (`:math`, `:erlang`, `:lists`,
//! `:maps`, `:binary`, `:timer`, `:rand`, ...), Bitwise, Base, URI, Range,
//! System, IO helpers, and Kernel additions (apply, match?, floor, ceil, ...).

use std::rc::Rc;

use super::raise;
use crate::diag::Span;
use crate::eval::core::to_string;
use crate::eval::{args, match_pattern, Builtins, EResult, Env, Interp};
use crate::syntax::ast::{Kind, Node};
use crate::value::{inspect, MapT, Struct, Value};

type F = fn(&mut Interp, Vec<Value>, Span) -> EResult<Value>;

fn num(fun: &str, v: &Value, s: Span) -> EResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        other => Err(raise("ArithmeticError", format!("bad argument in arithmetic expression: {fun}({})", inspect::inspect(other)), s)),
    }
}

fn float_result(f: f64, s: Span) -> EResult<Value> {
    if f.is_finite() {
        Ok(Value::Float(f))
    } else {
        Err(raise("ArithmeticError", "bad argument in arithmetic expression", s))
    }
}

fn list_arg(fun: &str, v: &Value, s: Span) -> EResult<Vec<Value>> {
    Ok(args::list(fun, v, s)?.to_vec())
}

fn charlist(t: &str) -> Value {
    Value::list(t.chars().map(|c| Value::Int(c as i64)).collect())
}

pub fn register(b: &mut Builtins) {
    // ---- :math ---------------------------------------------------------------------------
    let unary_math: &[(&'static str, F)] = &[
        ("sqrt", |_, a, s| {
            let x = num("sqrt", &a[0], s)?;
            if x < 0.0 {
                return Err(raise("ArithmeticError", "bad argument in arithmetic expression", s));
            }
            float_result(x.sqrt(), s)
        }),
        ("exp", |_, a, s| float_result(num("exp", &a[0], s)?.exp(), s)),
        ("log", |_, a, s| float_result(num("log", &a[0], s)?.ln(), s)),
        ("log2", |_, a, s| float_result(num("log2", &a[0], s)?.log2(), s)),
        ("log10", |_, a, s| float_result(num("log10", &a[0], s)?.log10(), s)),
        ("sin", |_, a, s| float_result(num("sin", &a[0], s)?.sin(), s)),
        ("cos", |_, a, s| float_result(num("cos", &a[0], s)?.cos(), s)),
        ("tan", |_, a, s| float_result(num("tan", &a[0], s)?.tan(), s)),
        ("asin", |_, a, s| float_result(num("asin", &a[0], s)?.asin(), s)),
        ("acos", |_, a, s| float_result(num("acos", &a[0], s)?.acos(), s)),
        ("atan", |_, a, s| float_result(num("atan", &a[0], s)?.atan(), s)),
        ("sinh", |_, a, s| float_result(num("sinh", &a[0], s)?.sinh(), s)),
        ("cosh", |_, a, s| float_result(num("cosh", &a[0], s)?.cosh(), s)),
        ("tanh", |_, a, s| float_result(num("tanh", &a[0], s)?.tanh(), s)),
        ("floor", |_, a, s| float_result(num("floor", &a[0], s)?.floor(), s)),
        ("ceil", |_, a, s| float_result(num("ceil", &a[0], s)?.ceil(), s)),
    ];
    for (name, f) in unary_math {
        b.add("math", name, &[1], *f);
    }
    b.add("math", "pi", &[0], |_, _, _| Ok(Value::Float(std::f64::consts::PI)));
    b.add("math", "e", &[0], |_, _, _| Ok(Value::Float(std::f64::consts::E)));
    b.add("math", "tau", &[0], |_, _, _| Ok(Value::Float(std::f64::consts::TAU)));
    b.add("math", "pow", &[2], |_, a, s| float_result(num("pow", &a[0], s)?.powf(num("pow", &a[1], s)?), s));
    b.add("math", "atan2", &[2], |_, a, s| float_result(num("atan2", &a[0], s)?.atan2(num("atan2", &a[1], s)?), s));
    b.add("math", "fmod", &[2], |_, a, s| float_result(num("fmod", &a[0], s)? % num("fmod", &a[1], s)?, s));

    // ---- :erlang --------------------------------------------------------------------------
    let erl: &[(&'static str, &[usize], F)] = &[
        ("element", &[2], |_, a, s| {
            let i = args::int(":erlang.element/2", &a[0], s)?;
            let t = a[1].as_tuple().ok_or_else(|| args::arg_error(":erlang.element/2", "a tuple", &a[1], s))?;
            (i >= 1).then(|| t.get(i as usize - 1).cloned()).flatten().ok_or_else(|| args::badarg("1st", "out of range", s))
        }),
        ("setelement", &[3], |_, a, s| {
            let i = args::int(":erlang.setelement/3", &a[0], s)?;
            let mut t = a[1].as_tuple().ok_or_else(|| args::arg_error(":erlang.setelement/3", "a tuple", &a[1], s))?.to_vec();
            if i < 1 || i as usize > t.len() {
                return Err(args::badarg("1st", "out of range", s));
            }
            t[i as usize - 1] = a[2].clone();
            Ok(Value::tuple(t))
        }),
        ("tuple_to_list", &[1], |_, a, s| {
            Ok(Value::list(a[0].as_tuple().ok_or_else(|| args::arg_error(":erlang.tuple_to_list/1", "a tuple", &a[0], s))?.to_vec()))
        }),
        ("list_to_tuple", &[1], |_, a, s| Ok(Value::tuple(list_arg(":erlang.list_to_tuple/1", &a[0], s)?))),
        ("tuple_size", &[1], |_, a, s| {
            Ok(Value::Int(a[0].as_tuple().ok_or_else(|| args::arg_error(":erlang.tuple_size/1", "a tuple", &a[0], s))?.len() as i64))
        }),
        ("atom_to_binary", &[1, 2], |_, a, s| Ok(Value::str(args::atom(":erlang.atom_to_binary/1", &a[0], s)?))),
        ("binary_to_atom", &[1, 2], |_, a, s| Ok(Value::atom(args::string(":erlang.binary_to_atom/1", &a[0], s)?))),
        ("binary_to_existing_atom", &[1, 2], |i, a, s| {
            crate::eval::atoms::to_existing_atom(i, args::string(":erlang.binary_to_existing_atom/1", &a[0], s)?, s)
        }),
        ("atom_to_list", &[1], |_, a, s| Ok(charlist(args::atom(":erlang.atom_to_list/1", &a[0], s)?))),
        ("list_to_atom", &[1], |_, a, s| Ok(Value::atom(&to_string(&a[0], s)?))),
        ("integer_to_binary", &[1, 2], |_, a, s| {
            let n = args::int(":erlang.integer_to_binary/2", &a[0], s)?;
            let base = a.get(1).and_then(Value::as_int).unwrap_or(10) as u32;
            Ok(Value::string(super::string::int_to_base(n, base)))
        }),
        ("integer_to_list", &[1, 2], |_, a, s| {
            let n = args::int(":erlang.integer_to_list/2", &a[0], s)?;
            let base = a.get(1).and_then(Value::as_int).unwrap_or(10) as u32;
            Ok(charlist(&super::string::int_to_base(n, base)))
        }),
        ("binary_to_integer", &[1, 2], |_, a, s| {
            let t = args::string(":erlang.binary_to_integer/2", &a[0], s)?;
            let base = a.get(1).and_then(Value::as_int).unwrap_or(10) as u32;
            super::string::parse_int_strict(t, base).map(Value::Int).ok_or_else(|| {
                raise(
                    "ArgumentError",
                    "errors were found at the given arguments:\n\n  * 1st argument: not a textual representation of an integer\n",
                    s,
                )
            })
        }),
        ("list_to_integer", &[1, 2], |_, a, s| {
            let t = to_string(&a[0], s)?;
            let base = a.get(1).and_then(Value::as_int).unwrap_or(10) as u32;
            super::string::parse_int_strict(&t, base).map(Value::Int).ok_or_else(|| {
                raise(
                    "ArgumentError",
                    "errors were found at the given arguments:\n\n  * 1st argument: not a textual representation of an integer\n",
                    s,
                )
            })
        }),
        ("float_to_binary", &[1, 2], |_, a, s| float_to_text(&a, s).map(Value::string)),
        ("float_to_list", &[1, 2], |_, a, s| float_to_text(&a, s).map(|t| charlist(&t))),
        ("binary_to_float", &[1], |_, a, s| {
            let t = args::string(":erlang.binary_to_float/1", &a[0], s)?;
            super::string::parse_float_strict(t).map(Value::Float).ok_or_else(|| {
                raise(
                    "ArgumentError",
                    "errors were found at the given arguments:\n\n  * 1st argument: not a textual representation of a float\n",
                    s,
                )
            })
        }),
        ("list_to_binary", &[1], |_, a, s| iodata(&a[0], s).map(|b| Value::binary(&b))),
        ("iolist_to_binary", &[1], |_, a, s| iodata(&a[0], s).map(|b| Value::binary(&b))),
        ("iolist_size", &[1], |_, a, s| iodata(&a[0], s).map(|b| Value::Int(b.len() as i64))),
        ("binary_to_list", &[1], |_, a, s| {
            Ok(Value::list(
                a[0].as_bytes()
                    .ok_or_else(|| args::arg_error(":erlang.binary_to_list/1", "a binary", &a[0], s))?
                    .iter()
                    .map(|b| Value::Int(*b as i64))
                    .collect(),
            ))
        }),
        ("byte_size", &[1], |_, a, s| {
            Ok(Value::Int(
                a[0].as_bits().ok_or_else(|| args::arg_error(":erlang.byte_size/1", "a bitstring", &a[0], s))?.1.div_ceil(8) as i64
            ))
        }),
        ("length", &[1], |_, a, s| Ok(Value::Int(args::list(":erlang.length/1", &a[0], s)?.len() as i64))),
        ("float", &[1], |_, a, s| Ok(Value::Float(num("float", &a[0], s)?))),
        ("abs", &[1], |i, a, s| i.call("Kernel", "abs", a, s)),
        ("trunc", &[1], |i, a, s| i.call("Kernel", "trunc", a, s)),
        ("round", &[1], |i, a, s| i.call("Kernel", "round", a, s)),
        ("hd", &[1], |i, a, s| i.call("Kernel", "hd", a, s)),
        ("tl", &[1], |i, a, s| i.call("Kernel", "tl", a, s)),
        ("max", &[2], |i, a, s| i.call("Kernel", "max", a, s)),
        ("min", &[2], |i, a, s| i.call("Kernel", "min", a, s)),
        ("self", &[0], |i, a, s| i.call("Kernel", "self", a, s)),
        ("make_ref", &[0], |i, a, s| i.call("Kernel", "make_ref", a, s)),
        ("unique_integer", &[0, 1], |i, _, _| {
            let c = i.ext::<Counter>();
            c.0 += 1;
            Ok(Value::Int(c.0 as i64))
        }),
        ("system_time", &[0, 1], |i, a, s| i.call("System", "system_time", a, s)),
        ("monotonic_time", &[0, 1], |i, a, s| i.call("System", "monotonic_time", a, s)),
        ("convert_time_unit", &[3], |i, a, s| i.call("System", "convert_time_unit", a, s)),
        ("band", &[2], |_, a, s| bitop("band", &a, s)),
        ("bor", &[2], |_, a, s| bitop("bor", &a, s)),
        ("bxor", &[2], |_, a, s| bitop("bxor", &a, s)),
        ("bsl", &[2], |_, a, s| bitop("bsl", &a, s)),
        ("bsr", &[2], |_, a, s| bitop("bsr", &a, s)),
        ("bnot", &[1], |_, a, s| Ok(Value::Int(!args::int(":erlang.bnot/1", &a[0], s)?))),
        ("is_atom", &[1], |_, a, _| Ok(Value::Bool(a[0].is_atom()))),
        ("is_binary", &[1], |_, a, _| Ok(Value::Bool(a[0].is_binary()))),
        ("is_integer", &[1], |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Int(_) | Value::BigInt(_))))),
        ("is_list", &[1], |_, a, _| Ok(Value::Bool(matches!(a[0], Value::List(_))))),
        ("is_map", &[1], |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Map(_)) || a[0].struct_name().is_some()))),
        ("is_tuple", &[1], |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Tuple(_))))),
        ("phash2", &[1, 2], |_, a, _| {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            inspect::inspect_full(&a[0]).hash(&mut h);
            let range = a.get(1).and_then(Value::as_int).filter(|r| *r > 0).unwrap_or(1 << 27) as u64;
            Ok(Value::Int((h.finish() % range) as i64))
        }),
        ("append", &[2], |_, a, s| crate::eval::core::binary_op("++", a[0].clone(), a[1].clone(), s)),
        ("error", &[1, 2], |_, a, s| Err(erlang_error(&a[0], s))),
        ("throw", &[1], |_, a, s| Err(Box::new(crate::eval::Error::Throw(a[0].clone(), s)))),
        ("node", &[0], |_, _, _| Ok(Value::atom("nonode@nohost"))),
    ];
    for (name, ar, f) in erl {
        b.add("erlang", name, ar, *f);
    }

    // ---- :lists ---------------------------------------------------------------------------
    let lists: &[(&'static str, &[usize], F)] = &[
        ("reverse", &[1, 2], |_, a, s| {
            let mut l = list_arg(":lists.reverse/1", &a[0], s)?;
            l.reverse();
            match a.get(1) {
                Some(t) => Ok(crate::eval::core::cons(l, t.clone())),
                None => Ok(Value::list(l)),
            }
        }),
        ("sort", &[1, 2], |i, a, s| {
            if a.len() == 2 {
                let l = list_arg(":lists.sort/2", &a[1], s)?;
                return Ok(Value::list(super::r#enum::sort_values(i, l, Some(&a[0]), s)?));
            }
            let l = list_arg(":lists.sort/1", &a[0], s)?;
            Ok(Value::list(super::r#enum::sort_values(i, l, None, s)?))
        }),
        ("usort", &[1], |i, a, s| {
            let l = list_arg(":lists.usort/1", &a[0], s)?;
            let mut v = super::r#enum::sort_values(i, l, None, s)?;
            v.dedup();
            Ok(Value::list(v))
        }),
        ("seq", &[2, 3], |_, a, s| {
            let from = args::int(":lists.seq/3", &a[0], s)?;
            let to = args::int(":lists.seq/3", &a[1], s)?;
            let step = a.get(2).and_then(Value::as_int).unwrap_or(1);
            if step == 0 {
                return Err(raise("ArgumentError", "bad :lists.seq range", s));
            }
            let items = (to as i128 - from as i128) / step as i128 + 1;
            args::built(":lists.seq/3", items.max(0) as u64, args::MAX_ITEMS, s)?;
            Ok(Value::list((0..items.max(0) as i64).map(|k| Value::Int(from + k * step)).collect()))
        }),
        ("sum", &[1], |i, a, s| i.call("Enum", "sum", a, s)),
        ("max", &[1], |i, a, s| i.call("Enum", "max", a, s)),
        ("min", &[1], |i, a, s| i.call("Enum", "min", a, s)),
        ("nth", &[2], |_, a, s| {
            let n = args::int(":lists.nth/2", &a[0], s)?;
            let l = args::list(":lists.nth/2", &a[1], s)?;
            (n >= 1)
                .then(|| l.get(n as usize - 1).cloned())
                .flatten()
                .ok_or_else(|| raise("FunctionClauseError", "no function clause matching in :lists.nth/2", s))
        }),
        ("nthtail", &[2], |_, a, s| {
            let n = args::int(":lists.nthtail/2", &a[0], s)?.max(0) as usize;
            match &a[1] {
                Value::List(l) => Ok(Value::List(l.skip(n))),
                other => Err(args::arg_error(":lists.nthtail/2", "a list", other, s)),
            }
        }),
        ("last", &[1], |_, a, s| {
            args::list(":lists.last/1", &a[0], s)?
                .last()
                .cloned()
                .ok_or_else(|| raise("FunctionClauseError", "no function clause matching in :lists.last/1", s))
        }),
        ("member", &[2], |_, a, s| Ok(Value::Bool(args::list(":lists.member/2", &a[1], s)?.contains(&a[0])))),
        ("append", &[1, 2], |i, a, s| {
            if a.len() == 2 {
                crate::eval::core::binary_op("++", a[0].clone(), a[1].clone(), s)
            } else {
                i.call("Enum", "concat", a, s)
            }
        }),
        ("flatten", &[1], |i, a, s| i.call("List", "flatten", a, s)),
        ("keyfind", &[3], |_, a, s| {
            let pos = args::int(":lists.keyfind/3", &a[1], s)?;
            let l = args::list(":lists.keyfind/3", &a[2], s)?;
            Ok(l.iter()
                .find(|t| t.as_tuple().is_some_and(|t| pos >= 1 && t.get(pos as usize - 1).is_some_and(|k| k.loose_eq(&a[0]))))
                .cloned()
                .unwrap_or(Value::Bool(false)))
        }),
        ("keymember", &[3], |_, a, s| {
            let pos = args::int(":lists.keymember/3", &a[1], s)?;
            let l = args::list(":lists.keymember/3", &a[2], s)?;
            Ok(Value::Bool(
                l.iter().any(|t| t.as_tuple().is_some_and(|t| pos >= 1 && t.get(pos as usize - 1).is_some_and(|k| k.loose_eq(&a[0])))),
            ))
        }),
        ("keysort", &[2], |i, a, s| {
            let pos = args::int(":lists.keysort/2", &a[0], s)?.saturating_sub(1);
            i.call("List", "keysort", vec![a[1].clone(), Value::Int(pos)], s)
        }),
        ("foldl", &[3], |i, a, s| i.call("List", "foldl", vec![a[2].clone(), a[1].clone(), a[0].clone()], s)),
        ("foldr", &[3], |i, a, s| i.call("List", "foldr", vec![a[2].clone(), a[1].clone(), a[0].clone()], s)),
        ("map", &[2], |i, a, s| i.call("Enum", "map", vec![a[1].clone(), a[0].clone()], s)),
        ("filter", &[2], |i, a, s| i.call("Enum", "filter", vec![a[1].clone(), a[0].clone()], s)),
        ("any", &[2], |i, a, s| i.call("Enum", "any?", vec![a[1].clone(), a[0].clone()], s)),
        ("all", &[2], |i, a, s| i.call("Enum", "all?", vec![a[1].clone(), a[0].clone()], s)),
        ("foreach", &[2], |i, a, s| i.call("Enum", "each", vec![a[1].clone(), a[0].clone()], s)),
        ("zip", &[2], |i, a, s| i.call("Enum", "zip", a, s)),
        ("unzip", &[1], |i, a, s| i.call("Enum", "unzip", a, s)),
        ("duplicate", &[2], |i, a, s| i.call("List", "duplicate", vec![a[1].clone(), a[0].clone()], s)),
        ("delete", &[2], |i, a, s| i.call("List", "delete", vec![a[1].clone(), a[0].clone()], s)),
        ("subtract", &[2], |_, a, s| crate::eval::core::binary_op("--", a[0].clone(), a[1].clone(), s)),
        ("split", &[2], |i, a, s| i.call("Enum", "split", vec![a[1].clone(), a[0].clone()], s)),
        ("sublist", &[2, 3], |_, a, s| {
            let l = args::list(":lists.sublist/3", &a[0], s)?;
            let (start, len) = if a.len() == 3 {
                (args::int(":lists.sublist/3", &a[1], s)?.max(1) as usize - 1, args::int(":lists.sublist/3", &a[2], s)?.max(0) as usize)
            } else {
                (0, args::int(":lists.sublist/2", &a[1], s)?.max(0) as usize)
            };
            Ok(Value::list(l.iter().skip(start).take(len).cloned().collect()))
        }),
        ("droplast", &[1], |_, a, s| {
            let l = args::list(":lists.droplast/1", &a[0], s)?;
            Ok(Value::list(l[..l.len().saturating_sub(1)].to_vec()))
        }),
        ("dropwhile", &[2], |i, a, s| i.call("Enum", "drop_while", vec![a[1].clone(), a[0].clone()], s)),
        ("takewhile", &[2], |i, a, s| i.call("Enum", "take_while", vec![a[1].clone(), a[0].clone()], s)),
        ("partition", &[2], |i, a, s| i.call("Enum", "split_with", vec![a[1].clone(), a[0].clone()], s)),
        ("filtermap", &[2], |i, a, s| {
            let l = list_arg(":lists.filtermap/2", &a[1], s)?;
            let mut out = Vec::new();
            for x in l {
                let r = i.apply(&a[0], vec![x.clone()], s)?;
                match r {
                    Value::Bool(true) => out.push(x),
                    Value::Bool(false) => {}
                    Value::Tuple(t) if t.len() == 2 => out.push(t[1].clone()),
                    _ => {}
                }
            }
            Ok(Value::list(out))
        }),
        ("concat", &[1], |_, a, s| {
            let mut out = String::new();
            for x in list_arg(":lists.concat/1", &a[0], s)? {
                out.push_str(&to_string(&x, s)?);
            }
            Ok(charlist(&out))
        }),
        ("enumerate", &[1], |_, a, s| {
            Ok(Value::list(
                list_arg(":lists.enumerate/1", &a[0], s)?
                    .into_iter()
                    .enumerate()
                    .map(|(k, x)| Value::tuple(vec![Value::Int(k as i64 + 1), x]))
                    .collect(),
            ))
        }),
    ];
    for (name, ar, f) in lists {
        b.add("lists", name, ar, *f);
    }

    // ---- :maps ----------------------------------------------------------------------------
    let maps: &[(&'static str, &[usize], F)] = &[
        ("get", &[2, 3], |i, a, s| {
            if a.len() == 3 {
                return i.call("Map", "get", vec![a[1].clone(), a[0].clone(), a[2].clone()], s);
            }
            match i.call("Map", "fetch", vec![a[1].clone(), a[0].clone()], s)? {
                Value::Tuple(t) if t.len() == 2 => Ok(t[1].clone()),
                _ => Err(raise("BadKeyError", format!("key {} not found in: {}", inspect::inspect(&a[0]), inspect::inspect(&a[1])), s)),
            }
        }),
        ("find", &[2], |i, a, s| i.call("Map", "fetch", vec![a[1].clone(), a[0].clone()], s)),
        ("put", &[3], |i, a, s| i.call("Map", "put", vec![a[2].clone(), a[0].clone(), a[1].clone()], s)),
        ("remove", &[2], |i, a, s| i.call("Map", "delete", vec![a[1].clone(), a[0].clone()], s)),
        ("keys", &[1], |i, a, s| i.call("Map", "keys", a, s)),
        ("values", &[1], |i, a, s| i.call("Map", "values", a, s)),
        ("merge", &[2], |i, a, s| i.call("Map", "merge", a, s)),
        ("from_list", &[1], |i, a, s| i.call("Map", "new", a, s)),
        ("to_list", &[1], |i, a, s| i.call("Map", "to_list", a, s)),
        ("is_key", &[2], |i, a, s| i.call("Map", "has_key?", vec![a[1].clone(), a[0].clone()], s)),
        ("size", &[1], |i, a, s| i.call("Kernel", "map_size", a, s)),
        ("new", &[0], |_, _, _| Ok(Value::map(MapT::new()))),
        ("update", &[3], |i, a, s| i.call("Map", "replace!", vec![a[2].clone(), a[0].clone(), a[1].clone()], s)),
        ("with", &[2], |i, a, s| i.call("Map", "take", vec![a[1].clone(), a[0].clone()], s)),
        ("without", &[2], |i, a, s| i.call("Map", "drop", vec![a[1].clone(), a[0].clone()], s)),
        ("map", &[2], |i, a, s| {
            let f = a[0].clone();
            let entries = super::map::map_entries(&a[1], s)?;
            let mut out = MapT::new();
            for (k, v) in entries {
                let nv = i.apply(&f, vec![k.clone(), v], s)?;
                out.insert(k, nv);
            }
            Ok(Value::map(out))
        }),
        ("filter", &[2], |i, a, s| {
            let f = a[0].clone();
            let entries = super::map::map_entries(&a[1], s)?;
            let mut out = MapT::new();
            for (k, v) in entries {
                if i.apply(&f, vec![k.clone(), v.clone()], s)?.is_truthy() {
                    out.insert(k, v);
                }
            }
            Ok(Value::map(out))
        }),
        ("fold", &[3], |i, a, s| {
            let entries = super::map::map_entries(&a[2], s)?;
            let mut acc = a[1].clone();
            for (k, v) in entries {
                acc = i.apply(&a[0], vec![k, v, acc], s)?;
            }
            Ok(acc)
        }),
    ];
    for (name, ar, f) in maps {
        b.add("maps", name, ar, *f);
    }

    // ---- :binary, :string, :unicode, :timer, :rand, :os --------------------------------
    b.add("binary", "split", &[2, 3], |_, a, s| {
        let t = a[0].as_bytes().ok_or_else(|| args::arg_error(":binary.split/3", "a binary", &a[0], s))?;
        let pats: Vec<Vec<u8>> = match &a[1] {
            Value::List(l) => l.iter().filter_map(|p| p.as_bytes().map(<[u8]>::to_vec)).collect(),
            other => vec![other.as_bytes().ok_or_else(|| args::arg_error(":binary.split/3", "a binary pattern", other, s))?.to_vec()],
        };
        let global = a.get(2).and_then(|o| o.as_list()).is_some_and(|l| l.iter().any(|x| x.as_atom() == Some("global")));
        let trim_all = a.get(2).and_then(|o| o.as_list()).is_some_and(|l| l.iter().any(|x| x.as_atom() == Some("trim_all")));
        let mut out: Vec<Value> = Vec::new();
        let mut pos = 0;
        let mut k = 0;
        while k < t.len() {
            if let Some(p) = pats.iter().find(|p| !p.is_empty() && t[k..].starts_with(p)) {
                out.push(Value::binary(&t[pos..k]));
                k += p.len();
                pos = k;
                if !global {
                    break;
                }
            } else {
                k += 1;
            }
        }
        out.push(Value::binary(&t[pos..]));
        if trim_all {
            out.retain(|v| v.as_bytes().is_some_and(|b| !b.is_empty()));
        }
        Ok(Value::list(out))
    });
    b.add("binary", "part", &[2, 3], |_, a, s| binary_part(&a, s));
    b.add("binary", "copy", &[1, 2], |_, a, s| {
        let t = a[0].as_bytes().ok_or_else(|| args::arg_error(":binary.copy/2", "a binary", &a[0], s))?;
        let n = match a.get(1) {
            Some(n) => args::copies(":binary.copy/2", n, t.len(), "a non-negative count", s)?,
            None => 1,
        };
        Ok(Value::binary(&t.repeat(n)))
    });
    b.add("binary", "first", &[1], |_, a, s| {
        a[0].as_bytes()
            .and_then(|b| b.first())
            .map(|b| Value::Int(*b as i64))
            .ok_or_else(|| args::arg_error(":binary.first/1", "a non-empty binary", &a[0], s))
    });
    b.add("binary", "last", &[1], |_, a, s| {
        a[0].as_bytes()
            .and_then(|b| b.last())
            .map(|b| Value::Int(*b as i64))
            .ok_or_else(|| args::arg_error(":binary.last/1", "a non-empty binary", &a[0], s))
    });
    b.add("binary", "at", &[2], |_, a, s| {
        let i = args::int(":binary.at/2", &a[1], s)?;
        a[0].as_bytes()
            .and_then(|b| b.get(i as usize))
            .map(|b| Value::Int(*b as i64))
            .ok_or_else(|| raise("ArgumentError", "errors were found at the given arguments", s))
    });
    b.add("binary", "bin_to_list", &[1], |i, a, s| i.call("erlang", "binary_to_list", a, s));
    b.add("binary", "list_to_bin", &[1], |i, a, s| i.call("erlang", "list_to_binary", a, s));
    b.add("binary", "decode_unsigned", &[1, 2], |_, a, s| {
        let t = a[0].as_bytes().ok_or_else(|| args::arg_error(":binary.decode_unsigned/1", "a binary", &a[0], s))?;
        let little = a.get(1).and_then(|x| x.as_atom()) == Some("little");
        let mut bytes = t.to_vec();
        if little {
            bytes.reverse();
        }
        let mut v: i64 = 0;
        for b in bytes {
            v = v.checked_mul(256).and_then(|v| v.checked_add(b as i64)).ok_or_else(|| raise("ArithmeticError", "integer overflow", s))?;
        }
        Ok(Value::Int(v))
    });
    b.add("binary", "encode_unsigned", &[1, 2], |_, a, s| {
        let mut n = args::int(":binary.encode_unsigned/1", &a[0], s)?;
        let mut out = Vec::new();
        while n > 0 {
            out.push((n & 0xff) as u8);
            n >>= 8;
        }
        if out.is_empty() {
            out.push(0);
        }
        if a.get(1).and_then(|x| x.as_atom()) != Some("little") {
            out.reverse();
        }
        Ok(Value::binary(&out))
    });
    b.add("string", "uppercase", &[1], |_, a, s| string_like(&a[0], s, |t| t.to_uppercase()));
    b.add("string", "lowercase", &[1], |_, a, s| string_like(&a[0], s, |t| t.to_lowercase()));
    b.add("string", "trim", &[1], |_, a, s| string_like(&a[0], s, |t| t.trim().to_string()));
    b.add("string", "length", &[1], |i, a, s| {
        let t = to_string(&a[0], s)?;
        i.call("String", "length", vec![Value::string(t)], s)
    });
    b.add("unicode", "characters_to_binary", &[1, 2, 3], |_, a, s| Ok(Value::string(to_string(&a[0], s)?)));
    b.add("unicode", "characters_to_list", &[1, 2], |_, a, s| Ok(charlist(&to_string(&a[0], s)?)));
    b.add("timer", "sleep", &[1], |i, a, _| {
        super::calendar::sleep(i, a[0].as_int().unwrap_or(0));
        Ok(Value::atom("ok"))
    });
    b.add("timer", "tc", &[1, 2, 3], |i, a, s| {
        let t0 = super::calendar::monotonic_ns(i);
        let r = match a.len() {
            1 => i.apply(&a[0], vec![], s)?,
            2 => i.apply(&a[0], list_arg(":timer.tc/2", &a[1], s)?, s)?,
            _ => {
                let m = args::atom(":timer.tc/3", &a[0], s)?.to_string();
                let f = args::atom(":timer.tc/3", &a[1], s)?.to_string();
                i.call(crate::value::alias_name(&m), &f, list_arg(":timer.tc/3", &a[2], s)?, s)?
            }
        };
        let t1 = super::calendar::monotonic_ns(i);
        Ok(Value::tuple(vec![Value::Int(t1.saturating_sub(t0).div_euclid(1000)), r]))
    });
    b.add("timer", "seconds", &[1], |_, a, s| {
        args::int(":timer.seconds/1", &a[0], s)?
            .checked_mul(1000)
            .map(Value::Int)
            .ok_or_else(|| raise("ArithmeticError", "integer overflow", s))
    });
    b.add("timer", "minutes", &[1], |_, a, s| {
        args::int(":timer.minutes/1", &a[0], s)?
            .checked_mul(60_000)
            .map(Value::Int)
            .ok_or_else(|| raise("ArithmeticError", "integer overflow", s))
    });
    b.add("timer", "hours", &[1], |_, a, s| {
        args::int(":timer.hours/1", &a[0], s)?
            .checked_mul(3_600_000)
            .map(Value::Int)
            .ok_or_else(|| raise("ArithmeticError", "integer overflow", s))
    });
    b.add("rand", "uniform", &[0, 1], |i, a, s| {
        let r = next_random(i);
        match a.first() {
            None => Ok(Value::Float((r >> 11) as f64 / (1u64 << 53) as f64)),
            Some(n) => {
                let n = args::int(":rand.uniform/1", n, s)?;
                if n < 1 {
                    return Err(raise("FunctionClauseError", "no function clause matching in :rand.uniform/1", s));
                }
                Ok(Value::Int((r % n as u64) as i64 + 1))
            }
        }
    });
    b.add("rand", "seed", &[1, 2], |i, a, _| {
        let seed = match a.last() {
            Some(Value::Int(n)) => *n as u64,
            Some(Value::Tuple(t)) => t.iter().filter_map(Value::as_int).fold(0u64, |acc, x| acc.wrapping_mul(31).wrapping_add(x as u64)),
            _ => 1,
        };
        i.ext::<Counter>().1 = seed.max(1);
        Ok(Value::Nil)
    });
    b.add("os", "system_time", &[0, 1], |i, a, s| i.call("System", "os_time", a, s));
    b.add("os", "type", &[0], |_, _, _| Ok(Value::tuple(vec![Value::atom("unix"), Value::atom("linux")])));
    b.add("os", "getenv", &[1, 2], |_, a, _| Ok(a.get(1).cloned().unwrap_or(Value::Bool(false))));

    // ---- Bitwise --------------------------------------------------------------------------
    for (name, op) in [
        ("band", "band"),
        ("bor", "bor"),
        ("bxor", "bxor"),
        ("bsl", "bsl"),
        ("bsr", "bsr"),
        ("&&&", "band"),
        ("|||", "bor"),
        ("^^^", "bxor"),
        ("<<<", "bsl"),
        (">>>", "bsr"),
    ] {
        let f: F = match op {
            "band" => |_, a, s| bitop("band", &a, s),
            "bor" => |_, a, s| bitop("bor", &a, s),
            "bxor" => |_, a, s| bitop("bxor", &a, s),
            "bsl" => |_, a, s| bitop("bsl", &a, s),
            _ => |_, a, s| bitop("bsr", &a, s),
        };
        b.add("Bitwise", name, &[2], f);
    }
    b.add("Bitwise", "bnot", &[1], |_, a, s| Ok(Value::Int(!args::int("Bitwise.bnot/1", &a[0], s)?)));
    b.add("Bitwise", "~~~", &[1], |_, a, s| Ok(Value::Int(!args::int("Bitwise.~~~/1", &a[0], s)?)));

    // ---- Base -------------------------------------------------------------------------------
    b.add("Base", "encode16", &[1, 2], |_, a, s| {
        let t = a[0].as_bytes().ok_or_else(|| args::arg_error("Base.encode16/2", "a binary", &a[0], s))?;
        let lower = a.get(1).and_then(|o| o.keyword_get("case")).and_then(|c| c.as_atom()) == Some("lower");
        Ok(Value::string(t.iter().map(|b| if lower { format!("{b:02x}") } else { format!("{b:02X}") }).collect()))
    });
    b.add("Base", "decode16", &[1, 2], |_, a, s| {
        Ok(match decode16(&a, s)? {
            Some(b) => Value::ok(Value::binary(&b)),
            None => Value::atom("error"),
        })
    });
    b.add("Base", "decode16!", &[1, 2], |_, a, s| {
        decode16(&a, s)?.map(|b| Value::binary(&b)).ok_or_else(|| raise("ArgumentError", "non-alphabet character found", s))
    });
    b.add("Base", "encode64", &[1, 2], |_, a, s| base64_encode(&a, s, false));
    b.add("Base", "url_encode64", &[1, 2], |_, a, s| base64_encode(&a, s, true));
    b.add("Base", "decode64", &[1, 2], |_, a, s| {
        Ok(match base64_decode(&a, s, false)? {
            Some(b) => Value::ok(Value::binary(&b)),
            None => Value::atom("error"),
        })
    });
    b.add("Base", "url_decode64", &[1, 2], |_, a, s| {
        Ok(match base64_decode(&a, s, true)? {
            Some(b) => Value::ok(Value::binary(&b)),
            None => Value::atom("error"),
        })
    });
    b.add("Base", "decode64!", &[1, 2], |_, a, s| {
        base64_decode(&a, s, false)?.map(|b| Value::binary(&b)).ok_or_else(|| raise("ArgumentError", "incorrect padding", s))
    });
    b.add("Base", "url_decode64!", &[1, 2], |_, a, s| {
        base64_decode(&a, s, true)?.map(|b| Value::binary(&b)).ok_or_else(|| raise("ArgumentError", "incorrect padding", s))
    });

    // ---- URI --------------------------------------------------------------------------------
    b.add("URI", "encode", &[1, 2], |_, a, s| {
        let t = args::string("URI.encode/2", &a[0], s)?;
        Ok(Value::string(percent_encode(t, |c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=".contains(c as char))))
    });
    b.add("URI", "encode_www_form", &[1], |_, a, s| {
        let t = args::string("URI.encode_www_form/1", &a[0], s)?;
        Ok(Value::string(percent_encode(t, |c| c.is_ascii_alphanumeric() || "-._~".contains(c as char)).replace("%20", "+")))
    });
    b.add("URI", "decode", &[1], |_, a, s| {
        let t = args::string("URI.decode/1", &a[0], s)?;
        percent_decode(t, false)
            .map(|b| Value::binary(&b))
            .ok_or_else(|| raise("ArgumentError", format!("malformed URI {}", inspect::inspect(&a[0])), s))
    });
    b.add("URI", "decode_www_form", &[1], |_, a, s| {
        let t = args::string("URI.decode_www_form/1", &a[0], s)?;
        percent_decode(t, true)
            .map(|b| Value::binary(&b))
            .ok_or_else(|| raise("ArgumentError", format!("malformed URI {}", inspect::inspect(&a[0])), s))
    });
    b.add("URI", "encode_query", &[1, 2], |i, a, s| {
        let mut parts = Vec::new();
        for x in super::enumerate(i, &a[0], s)? {
            if let Some([k, v]) = x.as_tuple() {
                let enc = |t: String| percent_encode(&t, |c| c.is_ascii_alphanumeric() || "-._~".contains(c as char)).replace("%20", "+");
                parts.push(format!("{}={}", enc(to_string(k, s)?), enc(to_string(v, s)?)));
            }
        }
        Ok(Value::string(parts.join("&")))
    });
    b.add("URI", "decode_query", &[1, 2], |_, a, s| {
        let t = args::string("URI.decode_query/1", &a[0], s)?;
        let mut m = match a.get(1) {
            Some(Value::Map(m)) => (**m).clone(),
            _ => MapT::new(),
        };
        for pair in t.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = percent_decode(k, true).map(|b| Value::binary(&b)).unwrap_or(Value::str(k));
            let v = percent_decode(v, true).map(|b| Value::binary(&b)).unwrap_or(Value::str(v));
            m.insert(k, v);
        }
        Ok(Value::map(m))
    });
    b.add("URI", "parse", &[1], |_, a, s| Ok(parse_uri(args::string("URI.parse/1", &a[0], s)?)));
    b.add("URI", "new", &[1], |_, a, s| Ok(Value::ok(parse_uri(args::string("URI.new/1", &a[0], s)?))));
    b.add("URI", "to_string", &[1], |_, a, s| uri_to_string(&a[0], s).map(Value::string));

    // ---- Range ------------------------------------------------------------------------------
    b.add("Range", "new", &[2, 3], |_, a, s| {
        let x = args::int("Range.new/3", &a[0], s)?;
        let y = args::int("Range.new/3", &a[1], s)?;
        let st = match a.get(2) {
            Some(v) => args::int("Range.new/3", v, s)?,
            None => {
                if x <= y {
                    1
                } else {
                    -1
                }
            }
        };
        if st == 0 {
            return Err(raise("ArgumentError", "the step must be a non-zero integer", s));
        }
        Ok(Value::Range(x, y, st))
    });
    b.add("Range", "size", &[1], |i, a, s| match &a[0] {
        Value::Range(..) => i.call("Enum", "count", a, s),
        other => Err(args::arg_error("Range.size/1", "a range", other, s)),
    });
    b.add("Range", "to_list", &[1], |i, a, s| i.call("Enum", "to_list", a, s));
    b.add("Range", "disjoint?", &[2], |i, a, s| {
        let x = super::enumerate(i, &a[0], s)?;
        let y = super::enumerate(i, &a[1], s)?;
        Ok(Value::Bool(!x.iter().any(|v| y.contains(v))))
    });
    b.add("Range", "shift", &[2], |_, a, s| match &a[0] {
        Value::Range(x, y, st) => {
            let n = args::int("Range.shift/2", &a[1], s)?;
            Ok(Value::Range(x + n * st, y + n * st, *st))
        }
        other => Err(args::arg_error("Range.shift/2", "a range", other, s)),
    });

    // ---- System, IO ---------------------------------------------------------------------------
    b.add("System", "get_env", &[0, 1, 2], |_, a, _| {
        Ok(if a.is_empty() { Value::map(MapT::new()) } else { a.get(1).cloned().unwrap_or(Value::Nil) })
    });
    b.add("System", "fetch_env", &[1], |_, _, _| Ok(Value::atom("error")));
    b.add("System", "fetch_env!", &[1], |_, a, s| {
        Err(raise("System.EnvError", format!("could not fetch environment variable {} because it is not set", inspect::inspect(&a[0])), s))
    });
    b.add("System", "version", &[0], |_, _, _| Ok(Value::str("1.18.4")));
    b.add("System", "otp_release", &[0], |_, _, _| Ok(Value::str("27")));
    b.add("System", "unique_integer", &[0, 1], |i, _, _| {
        let c = i.ext::<Counter>();
        c.0 += 1;
        Ok(Value::Int(c.0 as i64))
    });
    b.add("System", "schedulers_online", &[0], |_, _, _| Ok(Value::Int(1)));
    b.add("IO", "iodata_to_binary", &[1], |_, a, s| iodata(&a[0], s).map(|b| Value::binary(&b)));
    b.add("IO", "iodata_length", &[1], |_, a, s| iodata(&a[0], s).map(|b| Value::Int(b.len() as i64)));
    b.add("IO", "chardata_to_string", &[1], |_, a, s| Ok(Value::string(to_string(&a[0], s)?)));
    b.add("IO", "warn", &[1, 2], |i, a, s| {
        let t = to_string(&a[0], s)?;
        i.output.push_str(&format!("warning: {t}\n"));
        Ok(Value::atom("ok"))
    });
    b.add("IO", "gets", &[1, 2], |_, _, _| Ok(Value::atom("eof")));

    // ---- Kernel additions ------------------------------------------------------------------
    b.add("Kernel", "apply", &[2, 3], |i, a, s| {
        if a.len() == 2 {
            let fa = list_arg("apply/2", &a[1], s)?;
            return i.apply(&a[0], fa, s);
        }
        let fa = list_arg("apply/3", &a[2], s)?;
        let f = args::atom("apply/3", &a[1], s)?.to_string();
        match &a[0] {
            Value::Atom(m) => {
                let m = crate::value::alias_name(m).to_string();
                i.call(&m, &f, fa, s)
            }
            other => Err(raise("UndefinedFunctionError", format!("function {}.{f}/{} is undefined", inspect::inspect(other), fa.len()), s)),
        }
    });
    b.add("Kernel", "floor", &[1], |_, a, s| match &a[0] {
        Value::Int(_) | Value::BigInt(_) => Ok(a[0].clone()),
        Value::Float(f) => Ok(Value::integral_float(f.floor())),
        other => Err(args::arg_error("floor/1", "a number", other, s)),
    });
    b.add("Kernel", "ceil", &[1], |_, a, s| match &a[0] {
        Value::Int(_) | Value::BigInt(_) => Ok(a[0].clone()),
        Value::Float(f) => Ok(Value::integral_float(f.ceil())),
        other => Err(args::arg_error("ceil/1", "a number", other, s)),
    });
    b.add("Kernel", "binary_part", &[3], |_, a, s| binary_part(&a, s));
    b.add("Kernel", "binary_slice", &[2, 3], |i, a, s| {
        let t = a[0].as_bytes().ok_or_else(|| args::arg_error("binary_slice/3", "a binary", &a[0], s))?;
        let items: Vec<Value> = t.iter().map(|b| Value::Int(*b as i64)).collect();
        let mut fa = vec![Value::list(items)];
        fa.extend(a[1..].iter().cloned());
        let r = i.call("Enum", "slice", fa, s)?;
        let bytes: Vec<u8> = r.as_list().unwrap_or_default().iter().filter_map(|x| x.as_int().map(|b| b as u8)).collect();
        Ok(Value::binary(&bytes))
    });
    b.add("Kernel", "bit_size", &[1], |_, a, s| {
        Ok(Value::Int(a[0].as_bits().ok_or_else(|| args::arg_error("bit_size/1", "a bitstring", &a[0], s))?.1 as i64))
    });
    b.add("Kernel", "is_map_key", &[2], |_, a, s| match &a[0] {
        Value::Map(m) => Ok(Value::Bool(m.contains_key(&a[1]))),
        other => Ok(Value::Bool(super::map::map_entries(other, s)?.contains_key(&a[1]))),
    });
    b.add("Kernel", "is_struct", &[1, 2], |_, a, _| {
        let name = a[0].struct_name();
        Ok(Value::Bool(match a.get(1) {
            None => name.is_some(),
            Some(m) => name.is_some_and(|n| Value::module(n) == *m),
        }))
    });
    b.add("Kernel", "is_exception", &[1, 2], |_, a, _| {
        let exception = a[0].as_struct().filter(|s| s.has("__exception__"));
        Ok(Value::Bool(match a.get(1) {
            None => exception.is_some(),
            Some(m) => exception.is_some_and(|s| Value::Atom(s.module.clone()) == *m),
        }))
    });
    b.add("Kernel", "is_function", &[1, 2], |_, a, _| {
        Ok(Value::Bool(match (&a[0], a.get(1)) {
            (Value::Fun(f), Some(Value::Int(n))) => f.arity() as i64 == *n,
            (Value::Fun(_), None) => true,
            _ => false,
        }))
    });
    b.add("Kernel", "function_exported?", &[3], |i, a, _| {
        let (Some(m), Some(f), Some(n)) = (a[0].as_atom(), a[1].as_atom(), a[2].as_int()) else { return Ok(Value::Bool(false)) };
        let full = Value::module(crate::value::alias_name(m));
        let full = full.as_atom().unwrap_or_default().to_string();
        let user = i
            .modules
            .get(full.as_str())
            .and_then(|md| md.functions.get(&(f.to_string(), n as usize)))
            .is_some_and(|cl| cl.iter().any(|c| !c.private));
        Ok(Value::Bool(user || i.builtins.function(crate::value::alias_name(m), f, n as usize).is_some()))
    });
    b.add("Kernel", "dbg", &[1, 2], |_, a, _| Ok(a[0].clone()));
    b.add("Kernel", "exit", &[1], |_, a, s| {
        let mut e = raise("exit", format!("** (exit) {}", inspect::inspect(&a[0])), s);
        if let crate::eval::Error::Raise(ex) = &mut *e {
            ex.value = Some(a[0].clone());
        }
        Err(e)
    });
    b.add_macro("Kernel", "match?", &[2], match_q);
    b.add("Kernel", "to_string", &[1], |i, a, s| Ok(Value::string(i.to_string_value(&a[0], s)?)));
    b.add("Code", "ensure_loaded?", &[1], |i, a, _| {
        let Some(m) = a[0].as_atom() else { return Ok(Value::Bool(false)) };
        Ok(Value::Bool(i.modules.contains_key(m) || i.builtins.has_module(crate::value::alias_name(m))))
    });
    b.add("Code", "ensure_loaded", &[1], |i, a, _| {
        let Some(m) = a[0].as_atom() else { return Ok(Value::error(Value::atom("badarg"))) };
        Ok(if i.modules.contains_key(m) || i.builtins.has_module(crate::value::alias_name(m)) {
            Value::tuple(vec![Value::atom("module"), a[0].clone()])
        } else {
            Value::error(Value::atom("nofile"))
        })
    });
    b.add("Kernel", "struct!", &[1, 2], |i, a, s| {
        if let (Value::Atom(m), Some(kv)) = (&a[0], a.get(1)) {
            let given: Vec<String> = super::enumerate(i, kv, s)?
                .iter()
                .filter_map(|x| x.as_tuple().and_then(|t| t.first()).and_then(|k| k.as_atom()).map(str::to_string))
                .collect();
            let given: Vec<&str> = given.iter().map(String::as_str).collect();
            i.check_enforced_keys(m, &given, s)?;
            let st = super::kernel::runtime_struct(i, m, 1, s)?;
            for x in super::enumerate(i, kv, s)? {
                if let Some([k, _]) = x.as_tuple() {
                    if k.as_atom().is_none_or(|k| !st.has(k)) {
                        // The struct's `__struct__/1` raises `KeyError, key: key` (no term).
                        return Err(raise("KeyError", format!("key {} not found", inspect::inspect(k)), s));
                    }
                }
            }
        } else if let Value::Atom(m) = &a[0] {
            i.check_enforced_keys(m, &[], s)?;
        }
        i.call("Kernel", "struct", a, s)
    });
    b.add("IO", "write", &[1, 2], |i, a, s| {
        let v = a.last().cloned().unwrap_or(Value::Nil);
        let t = match &v {
            Value::List(_) => to_string(&v, s)?,
            other => i.to_string_value(other, s)?,
        };
        i.output.push_str(&t);
        Ok(Value::atom("ok"))
    });
    b.add("Exception", "message", &[1], |i, a, s| exception_message(i, &a[0], s).map(Value::string));
    b.add("Exception", "exception?", &[1], |_, a, _| {
        Ok(Value::Bool(a[0].as_struct().is_some_and(|st| st.has("__exception__") || st.has("message"))))
    });
    b.add("Exception", "format", &[2, 3], |i, a, s| {
        let kind = a[0].as_atom().unwrap_or("error");
        Ok(Value::string(match kind {
            "error" => {
                let name = a[1].struct_name().unwrap_or("ErlangError").to_string();
                format!("** ({name}) {}", exception_message(i, &a[1], s)?)
            }
            "throw" => format!("** (throw) {}", inspect::inspect(&a[1])),
            _ => format!("** (exit) {}", inspect::inspect(&a[1])),
        }))
    });
    b.add("Exception", "format_banner", &[2, 3], |i, a, s| {
        let name = a[1].struct_name().unwrap_or("ErlangError").to_string();
        Ok(Value::string(format!("** ({name}) {}", exception_message(i, &a[1], s)?)))
    });
    b.add_macro("Kernel", "destructure", &[2], destructure);
}

#[derive(Default)]
struct Counter(u64, u64);

fn next_random(i: &mut Interp) -> u64 {
    let c = i.ext::<Counter>();
    if c.1 == 0 {
        c.1 = 0x2545_F491_4F6C_DD1D;
    }
    c.1 ^= c.1 << 13;
    c.1 ^= c.1 >> 7;
    c.1 ^= c.1 << 17;
    c.1
}

fn bitop(op: &str, a: &[Value], s: Span) -> EResult<Value> {
    let x = args::int(op, &a[0], s)?;
    let y = args::int(op, &a[1], s)?;
    Ok(Value::Int(match op {
        "band" => x & y,
        "bor" => x | y,
        "bxor" => x ^ y,
        "bsl" | "bsr" => {
            let left = if op == "bsl" { y } else { y.saturating_neg() };
            if left >= 0 {
                if x == 0 {
                    0
                } else if left >= 63 || x.checked_shl(left as u32).is_none_or(|r| r >> left != x) {
                    // Beyond i64: a big integer, as on the BEAM (within the memory bound).
                    args::built(op, left as u64 / 8, 1 << 16, s)?;
                    let two = crate::value::bigint::BigInt::from_i64(2).pow(left as u64);
                    return Ok(Value::from_bigint(crate::value::bigint::BigInt::from_i64(x).mul(&two)));
                } else {
                    x << left
                }
            } else {
                x >> left.saturating_neg().min(63)
            }
        }
        _ => 0,
    }))
}

fn float_to_text(a: &[Value], s: Span) -> EResult<String> {
    let f = match &a[0] {
        Value::Float(f) => *f,
        other => return Err(args::arg_error(":erlang.float_to_binary/2", "a float", other, s)),
    };
    let opts = a.get(1);
    if let Some(Value::Int(d)) = opts.and_then(|o| o.keyword_get("decimals")) {
        let mut t = format!("{:.*}", (*d).clamp(0, 253) as usize, f);
        if opts.and_then(|o| o.as_list()).is_some_and(|l| l.iter().any(|x| x.as_atom() == Some("compact"))) && t.contains('.') {
            while t.ends_with('0') && !t.ends_with(".0") {
                t.pop();
            }
        }
        return Ok(t);
    }
    if opts.and_then(|o| o.as_list()).is_some_and(|l| l.iter().any(|x| x.as_atom() == Some("short"))) {
        return Ok(inspect::float(f));
    }
    if let Some(Value::Int(d)) = opts.and_then(|o| o.keyword_get("scientific")) {
        return Ok(format!("{:.*e}", (*d).clamp(0, 249) as usize, f).replace('e', "e+").replace("e+-", "e-"));
    }
    // The default is scientific with 20 digits.
    let t = format!("{:.20e}", f);
    let (m, e) = t.split_once('e').unwrap_or((&t, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    Ok(format!("{m}e{}{:02}", if e < 0 { "-" } else { "+" }, e.abs()))
}

/// Flattens iodata (binaries, byte integers, nested lists) into bytes.
fn iodata(v: &Value, s: Span) -> EResult<Vec<u8>> {
    fn go(v: &Value, out: &mut Vec<u8>, s: Span) -> EResult<()> {
        match v {
            Value::Str(_) | Value::Bytes(_) => out.extend_from_slice(v.as_bytes().unwrap_or_default()),
            Value::Int(c) if (0..=255).contains(c) => out.push(*c as u8),
            Value::Int(c) => {
                let ch = char::from_u32(*c as u32).ok_or_else(|| raise("ArgumentError", "invalid iodata", s))?;
                let mut buf = [0; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            Value::List(items) => {
                for x in items.iter() {
                    go(x, out, s)?;
                }
            }
            Value::Improper(imp) => {
                for x in imp.0.iter() {
                    go(x, out, s)?;
                }
                go(&imp.1, out, s)?;
            }
            other => {
                return Err(raise(
                    "ArgumentError",
                    format!(
                        "errors were found at the given arguments:\n\n  * 1st argument: not an iodata term: {}\n",
                        inspect::inspect(other)
                    ),
                    s,
                ))
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    go(v, &mut out, s)?;
    Ok(out)
}

fn binary_part(a: &[Value], s: Span) -> EResult<Value> {
    let t = a[0].as_bytes().ok_or_else(|| args::arg_error("binary_part/3", "a binary", &a[0], s))?;
    let (start, len) = if a.len() == 3 {
        (args::int("binary_part/3", &a[1], s)?, args::int("binary_part/3", &a[2], s)?)
    } else {
        match a[1].as_tuple() {
            Some([Value::Int(x), Value::Int(y)]) => (*x, *y),
            _ => return Err(args::arg_error(":binary.part/2", "a {start, length} tuple", &a[1], s)),
        }
    };
    let (from, to) = if len >= 0 { (start, start + len) } else { (start + len, start) };
    if from < 0 || to as usize > t.len() {
        return Err(args::badarg("1st", "out of range", s));
    }
    Ok(Value::binary(&t[from as usize..to as usize]))
}

fn string_like(v: &Value, s: Span, f: impl Fn(&str) -> String) -> EResult<Value> {
    match v {
        Value::Str(t) => Ok(Value::string(f(t))),
        other => Ok(charlist(&f(&to_string(other, s)?))),
    }
}

fn decode16(a: &[Value], s: Span) -> EResult<Option<Vec<u8>>> {
    let t = args::string("Base.decode16/2", &a[0], s)?;
    let mixed = a.get(1).and_then(|o| o.keyword_get("case")).and_then(|c| c.as_atom()).map(str::to_string);
    if t.len() % 2 != 0 {
        return Ok(None);
    }
    let ok_char = |c: char| match mixed.as_deref() {
        Some("lower") => c.is_ascii_digit() || ('a'..='f').contains(&c),
        Some("mixed") => c.is_ascii_hexdigit(),
        _ => c.is_ascii_digit() || ('A'..='F').contains(&c),
    };
    if !t.chars().all(ok_char) {
        return Ok(None);
    }
    Ok((0..t.len()).step_by(2).map(|i| u8::from_str_radix(&t[i..i + 2], 16).ok()).collect())
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64_encode(a: &[Value], s: Span, url: bool) -> EResult<Value> {
    let t = a[0].as_bytes().ok_or_else(|| args::arg_error("Base.encode64/2", "a binary", &a[0], s))?;
    let pad = a.get(1).and_then(|o| o.keyword_get("padding")).is_none_or(|p| p.is_truthy());
    let alpha = if url { B64URL } else { B64 };
    let mut out = String::new();
    for chunk in t.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        let chars = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        let keep = chunk.len() + 1;
        for (k, c) in chars.iter().enumerate() {
            if k < keep {
                out.push(alpha[*c as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    Ok(Value::string(out))
}

fn base64_decode(a: &[Value], s: Span, url: bool) -> EResult<Option<Vec<u8>>> {
    let t = args::string("Base.decode64/2", &a[0], s)?;
    let pad_required = a.get(1).and_then(|o| o.keyword_get("padding")).is_none_or(|p| p.is_truthy());
    let alpha = if url { B64URL } else { B64 };
    let body = t.trim_end_matches('=');
    if pad_required && t.len() % 4 != 0 {
        return Ok(None);
    }
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in body.bytes() {
        let Some(v) = alpha.iter().position(|x| *x == c) else { return Ok(None) };
        bits = (bits << 6) | v as u32;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    if body.len() % 4 == 1 {
        return Ok(None);
    }
    Ok(Some(out))
}

fn percent_encode(t: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::new();
    for b in t.bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(t: &str, plus: bool) -> Option<Vec<u8>> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(out)
}

fn parse_uri(t: &str) -> Value {
    let mut rest = t;
    let mut fragment = Value::Nil;
    if let Some((a, f)) = rest.split_once('#') {
        fragment = Value::str(f);
        rest = a;
    }
    let mut query = Value::Nil;
    if let Some((a, q)) = rest.split_once('?') {
        query = Value::str(q);
        rest = a;
    }
    let mut scheme = Value::Nil;
    if let Some(colon) = rest.find(':') {
        let cand = &rest[..colon];
        if !cand.is_empty()
            && cand.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && cand.starts_with(|c: char| c.is_ascii_alphabetic())
        {
            scheme = Value::string(cand.to_lowercase());
            rest = &rest[colon + 1..];
        }
    }
    let (mut authority, mut userinfo, mut host, mut port) = (Value::Nil, Value::Nil, Value::Nil, Value::Nil);
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find('/').unwrap_or(after.len());
        let auth = &after[..end];
        authority = Value::str(auth);
        let mut hp = auth;
        if let Some((u, h)) = auth.rsplit_once('@') {
            userinfo = Value::str(u);
            hp = h;
        }
        match hp.rsplit_once(':') {
            Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => {
                host = Value::str(h);
                port = p.parse::<i64>().map(Value::Int).unwrap_or(Value::Nil);
            }
            _ => host = Value::str(hp),
        }
        rest = &after[end..];
    }
    if port == Value::Nil {
        port = match scheme.as_str() {
            Some("http") | Some("ws") => Value::Int(80),
            Some("https") | Some("wss") => Value::Int(443),
            Some("ftp") => Value::Int(21),
            _ => Value::Nil,
        };
    }
    let path = if rest.is_empty() { Value::Nil } else { Value::str(rest) };
    let f = |k: &str, v: Value| (Rc::from(k), v);
    Value::Struct(Rc::new(Struct {
        module: Rc::from("Elixir.URI"),
        fields: vec![
            f("scheme", scheme),
            f("authority", authority),
            f("userinfo", userinfo),
            f("host", host),
            f("port", port),
            f("path", path),
            f("query", query),
            f("fragment", fragment),
        ],
    }))
}

pub(crate) fn uri_to_string(v: &Value, s: Span) -> EResult<String> {
    let Value::Struct(st) = v else { return Err(args::arg_error("URI.to_string/1", "a URI", v, s)) };
    let g = |k: &str| st.get(k).and_then(|x| x.as_str().map(str::to_string));
    let mut out = String::new();
    if let Some(sc) = g("scheme") {
        out.push_str(&sc);
        out.push(':');
    }
    if let Some(h) = g("host") {
        out.push_str("//");
        if let Some(u) = g("userinfo") {
            out.push_str(&u);
            out.push('@');
        }
        out.push_str(&h);
        if let Some(Value::Int(p)) = st.get("port") {
            let default = matches!(
                (g("scheme").as_deref(), *p),
                (Some("http"), 80) | (Some("https"), 443) | (Some("ws"), 80) | (Some("wss"), 443) | (Some("ftp"), 21)
            );
            if !default {
                out.push_str(&format!(":{p}"));
            }
        }
    }
    if let Some(p) = g("path") {
        out.push_str(&p);
    }
    if let Some(q) = g("query") {
        out.push('?');
        out.push_str(&q);
    }
    if let Some(f) = g("fragment") {
        out.push('#');
        out.push_str(&f);
    }
    Ok(out)
}

/// `match?(pattern, expr)`, with an optional `when` guard in the pattern.
fn match_q(i: &mut Interp, a: &[Node], env: &mut Env, _s: Span) -> EResult<Value> {
    let v = i.eval(&a[1], env)?;
    let (pat, guard) = match &a[0].kind {
        Kind::BinOp { op, lhs, rhs } if op == "when" => (&**lhs, Some(&**rhs)),
        _ => (&a[0], None),
    };
    let mut scratch = env.clone();
    Ok(Value::Bool(match_pattern(i, pat, &v, &mut scratch)? && i.guard_ok(guard, &mut scratch)?))
}

/// `destructure([a, b], list)`: binds missing elements to nil.
fn destructure(i: &mut Interp, a: &[Node], env: &mut Env, s: Span) -> EResult<Value> {
    let v = i.eval(&a[1], env)?;
    let Kind::List(pats) = &a[0].kind else { return Err(raise("CompileError", "destructure/2 expects a list of patterns", s)) };
    let items = match &v {
        Value::List(l) => l.to_vec(),
        Value::Nil => vec![],
        other => return Err(args::arg_error("destructure/2", "a list", other, s)),
    };
    let padded: Vec<Value> = (0..pats.len()).map(|k| items.get(k).cloned().unwrap_or(Value::Nil)).collect();
    let list = Value::list(padded);
    i.match_or_raise(&a[0], &list, env, s)?;
    Ok(list)
}

/// `Exception.message/1`: the module's `message/1` when defined, else the
/// `:message` field.
fn exception_message(i: &mut Interp, e: &Value, s: Span) -> EResult<String> {
    if let Some(name) = e.struct_name() {
        let full = format!("Elixir.{name}");
        if i.modules.get(full.as_str()).is_some_and(|m| m.attributes.contains_key("\u{0}exception")) {
            return i.user_exception_message(e, s);
        }
        if i.modules.get(full.as_str()).is_some_and(|m| m.functions.contains_key(&("message".to_string(), 1))) {
            let r = i.call(name, "message", vec![e.clone()], s)?;
            return to_string(&r, s);
        }
    }
    if let Some(m) = builtin_exception_message(e) {
        return Ok(m);
    }
    if e.struct_name() == Some("UndefinedFunctionError") && matches!(e.get_field("message"), Some(Value::Nil)) {
        let module = e.get_field("module").cloned().unwrap_or(Value::Nil);
        let name = module.as_atom().map(|m| crate::value::alias_name(m).to_string()).unwrap_or_default();
        let fun = e.get_field("function").and_then(|f| f.as_atom()).unwrap_or_default().to_string();
        let arity = e.get_field("arity").and_then(|a| a.as_int()).unwrap_or(0);
        let m = inspect::inspect(&module);
        let exists = i.modules.contains_key(module.as_atom().unwrap_or_default()) || i.builtins.has_module(&name);
        return Ok(if exists {
            format!("function {m}.{fun}/{arity} is undefined or private")
        } else {
            crate::eval::module_not_available(module.as_atom().unwrap_or_default(), &fun, arity as usize)
        });
    }
    match e.get_field("message") {
        Some(Value::Str(m)) => Ok(m.to_string()),
        Some(other) => to_string(other, s),
        None => Err(raise("ArgumentError", format!("expected an exception, got: {}", inspect::inspect(e)), s)),
    }
}

/// `:erlang.error(reason)` as Elixir rescues it (`Exception.normalize/2`):
/// the standard Erlang reasons become their Elixir exceptions.
fn erlang_error(reason: &Value, s: Span) -> Box<crate::eval::Error> {
    if let Some(name) = reason.struct_name() {
        if reason.get_field("__exception__").is_some() || name.ends_with("Error") {
            let message = reason.get_field("message").and_then(|m| m.as_str()).unwrap_or_default().to_string();
            return Box::new(crate::eval::Error::Raise(crate::eval::Exception {
                kind: name.to_string(),
                message,
                span: s,
                value: Some(reason.clone()),
            }));
        }
    }
    let tagged = |tag: &str| match reason.as_tuple() {
        Some(items) if items.len() >= 2 && items[0].as_atom() == Some(tag) => Some(items[1].clone()),
        _ => None,
    };
    match reason.as_atom() {
        Some("badarith") => return raise("ArithmeticError", "bad argument in arithmetic expression", s),
        Some("badarg") => return raise("ArgumentError", "argument error", s),
        Some("function_clause") => return raise("FunctionClauseError", "no function clause matches", s),
        Some("undef") => return raise("UndefinedFunctionError", "undefined function", s),
        Some("system_limit") => return raise("SystemLimitError", "a system limit has been reached", s),
        _ => {}
    }
    if let Some(v) = tagged("badmatch") {
        return crate::eval::Error::term_error("MatchError", &v, s);
    }
    if let Some(v) = tagged("case_clause") {
        return crate::eval::Error::term_error("CaseClauseError", &v, s);
    }
    if let Some(v) = tagged("badkey") {
        return crate::eval::Error::key_error(&v, &Value::Nil, s);
    }
    if let Some(v) = tagged("badmap") {
        return crate::eval::Error::term_error("BadMapError", &v, s);
    }
    if let Some(v) = tagged("badfun") {
        return crate::eval::Error::term_error("BadFunctionError", &v, s);
    }
    let value = Value::Struct(Rc::new(Struct {
        module: Rc::from("Elixir.ErlangError"),
        fields: vec![(Rc::from("original"), reason.clone()), (Rc::from("reason"), Value::Nil)],
    }));
    Box::new(crate::eval::Error::Raise(crate::eval::Exception {
        kind: "ErlangError".into(),
        message: format!("Erlang error: {}", inspect::inspect(reason)),
        span: s,
        value: Some(value),
    }))
}

/// The message of a built-in exception struct whose message is computed
/// from its fields (`%MatchError{term: t}`, `%KeyError{message: nil}`, ...).
pub(crate) fn builtin_exception_message(e: &Value) -> Option<String> {
    let name = e.struct_name()?;
    match name {
        "MatchError" | "CaseClauseError" | "WithClauseError" | "TryClauseError" | "BadMapError" | "BadFunctionError" | "BadStructError"
            if e.get_field("message").is_none() =>
        {
            Some(crate::eval::term_error_message(name, e.get_field("term").unwrap_or(&Value::Nil)))
        }
        "KeyError" if matches!(e.get_field("message"), Some(Value::Nil)) => {
            let key = inspect::inspect(e.get_field("key").unwrap_or(&Value::Nil));
            Some(match e.get_field("term") {
                None | Some(Value::Nil) => format!("key {key} not found"),
                Some(t) => format!("key {key} not found in: {}", inspect::key_error_term(t)),
            })
        }
        "ExUnit.AssertionError" => Some(super::exunit::message(e)),
        "ErlangError" if e.get_field("message").is_none() => {
            Some(format!("Erlang error: {}", inspect::inspect(e.get_field("original").unwrap_or(&Value::Nil))))
        }
        _ => None,
    }
}
