//! Map, Keyword, List, Tuple, MapSet and Access (get_in/put_in/update_in/
//! pop_in, including the macro forms on `a.b[c]` paths).

use std::collections::BTreeMap;
use std::rc::Rc;

use super::{enumerate, raise};
use crate::diag::Span;
use crate::eval::{args, Builtins, EResult, Env, Error, Interp};
use crate::syntax::ast::{Kind, Node};
use crate::value::{inspect, Function, MapT, SetT, Struct, Value};

type F = fn(&mut Interp, Vec<Value>, Span) -> EResult<Value>;

pub fn register(b: &mut Builtins) {
    let map_fns: &[(&'static str, &[usize], F)] = &[
        ("get", &[2, 3], map_get),
        ("fetch", &[2], map_fetch),
        ("fetch!", &[2], map_fetch_bang),
        ("put", &[3], map_put),
        ("put_new", &[3], map_put_new),
        ("put_new_lazy", &[3], map_put_new_lazy),
        ("get_lazy", &[3], map_get_lazy),
        ("delete", &[2], map_delete),
        ("drop", &[2], map_drop),
        ("take", &[2], map_take),
        ("split", &[2], map_split),
        ("merge", &[2, 3], map_merge),
        ("keys", &[1], map_keys),
        ("values", &[1], map_values),
        ("to_list", &[1], map_to_list),
        ("new", &[0, 1, 2], map_new),
        ("has_key?", &[2], map_has_key),
        ("update", &[4], map_update),
        ("update!", &[3], map_update_bang),
        ("replace", &[3], map_replace),
        ("replace!", &[3], map_replace_bang),
        ("replace_lazy", &[3], map_replace_lazy),
        ("pop", &[2, 3], map_pop),
        ("pop!", &[2], map_pop_bang),
        ("pop_lazy", &[3], map_pop_lazy),
        ("get_and_update", &[3], map_get_and_update),
        ("get_and_update!", &[3], map_get_and_update_bang),
        ("filter", &[2], map_filter),
        ("reject", &[2], map_reject),
        ("map", &[2], map_map),
        ("from_struct", &[1], map_from_struct),
        ("from_keys", &[2], map_from_keys),
        ("equal?", &[2], |_, a, _| Ok(Value::Bool(a[0] == a[1]))),
        ("intersect", &[2, 3], map_intersect),
        ("split_with", &[2], map_split_with),
    ];
    for (name, ar, f) in map_fns {
        b.add("Map", name, ar, *f);
    }
    let kw_fns: &[(&'static str, &[usize], F)] = &[
        ("get", &[2, 3], kw_get),
        ("get_lazy", &[3], kw_get_lazy),
        ("get_values", &[2], kw_get_values),
        ("fetch", &[2], kw_fetch),
        ("fetch!", &[2], kw_fetch_bang),
        ("put", &[3], kw_put),
        ("put_new", &[3], kw_put_new),
        ("put_new_lazy", &[3], kw_put_new_lazy),
        ("delete", &[2], kw_delete),
        ("delete_first", &[2], kw_delete_first),
        ("drop", &[2], kw_drop),
        ("take", &[2], kw_take),
        ("merge", &[2, 3], kw_merge),
        ("keys", &[1], kw_keys),
        ("values", &[1], kw_values),
        ("has_key?", &[2], kw_has_key),
        ("keyword?", &[1], |_, a, _| {
            Ok(Value::Bool(a[0].as_list().is_some_and(|l| l.iter().all(|i| matches!(i.as_tuple(), Some([k, _]) if k.is_atom())))))
        }),
        ("new", &[0, 1, 2], kw_new),
        ("update", &[4], kw_update),
        ("update!", &[3], kw_update_bang),
        ("replace", &[3], kw_replace),
        ("replace!", &[3], kw_replace_bang),
        ("pop", &[2, 3], kw_pop),
        ("pop!", &[2], kw_pop_bang),
        ("pop_first", &[2, 3], kw_pop_first),
        ("to_list", &[1], |_, a, _| Ok(a[0].clone())),
        ("split", &[2], kw_split),
        ("filter", &[2], kw_filter),
        ("reject", &[2], kw_reject),
        ("validate", &[2], kw_validate),
        ("equal?", &[2], kw_equal),
        ("get_and_update", &[3], kw_get_and_update),
    ];
    for (name, ar, f) in kw_fns {
        b.add("Keyword", name, ar, *f);
    }
    let list_fns: &[(&'static str, &[usize], F)] = &[
        ("first", &[1, 2], list_first),
        ("last", &[1, 2], list_last),
        ("flatten", &[1, 2], list_flatten),
        ("wrap", &[1], list_wrap),
        ("keyfind", &[3, 4], list_keyfind),
        ("keyfind!", &[3], list_keyfind_bang),
        ("keymember?", &[3], list_keymember),
        ("keydelete", &[3], list_keydelete),
        ("keyreplace", &[4], list_keyreplace),
        ("keystore", &[4], list_keystore),
        ("keysort", &[2, 3], list_keysort),
        ("keytake", &[3], list_keytake),
        ("insert_at", &[3], list_insert_at),
        ("replace_at", &[3], list_replace_at),
        ("update_at", &[3], list_update_at),
        ("delete_at", &[2], list_delete_at),
        ("pop_at", &[2, 3], list_pop_at),
        ("delete", &[2], list_delete),
        ("duplicate", &[2], list_duplicate),
        ("foldl", &[3], list_foldl),
        ("foldr", &[3], list_foldr),
        ("to_tuple", &[1], |_, a, s| Ok(Value::tuple(args::list("List.to_tuple/1", &a[0], s)?.to_vec()))),
        ("zip", &[1], list_zip),
        ("to_string", &[1], |_, a, s| Ok(Value::string(crate::eval::core::to_string(&a[0], s)?))),
        ("to_charlist", &[1], |_, a, s| {
            let t = crate::eval::core::to_string(&a[0], s)?;
            Ok(Value::list(t.chars().map(|c| Value::Int(c as i64)).collect()))
        }),
        ("to_atom", &[1], |i, a, s| {
            let name = crate::eval::core::to_string(&a[0], s)?;
            crate::eval::atoms::note_runtime_atom(i, &name);
            Ok(Value::atom(&name))
        }),
        ("to_existing_atom", &[1], |i, a, s| crate::eval::atoms::to_existing_atom(i, &crate::eval::core::to_string(&a[0], s)?, s)),
        ("to_integer", &[1, 2], list_to_integer),
        ("to_float", &[1], list_to_float),
        ("starts_with?", &[2], list_starts_with),
        ("improper?", &[1], |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Improper(_))))),
        ("ascii_printable?", &[1, 2], |_, a, _| {
            Ok(Value::Bool(
                a[0].as_list().is_some_and(|l| l.iter().all(|c| matches!(c, Value::Int(32..=126) | Value::Int(7..=13) | Value::Int(27)))),
            ))
        }),
        ("myers_difference", &[2], list_myers),
    ];
    for (name, ar, f) in list_fns {
        b.add("List", name, ar, *f);
    }
    let tuple_fns: &[(&'static str, &[usize], F)] = &[
        ("to_list", &[1], |_, a, s| Ok(Value::list(tuple("Tuple.to_list/1", &a[0], s)?.to_vec()))),
        ("append", &[2], |_, a, s| {
            let mut t = tuple("Tuple.append/2", &a[0], s)?.to_vec();
            t.push(a[1].clone());
            Ok(Value::tuple(t))
        }),
        ("insert_at", &[3], |_, a, s| {
            let mut t = tuple("Tuple.insert_at/3", &a[0], s)?.to_vec();
            let i = args::int("Tuple.insert_at/3", &a[1], s)?;
            if i < 0 || i as usize > t.len() {
                return Err(args::badarg("1st", "out of range", s));
            }
            t.insert(i as usize, a[2].clone());
            Ok(Value::tuple(t))
        }),
        ("delete_at", &[2], |_, a, s| {
            let mut t = tuple("Tuple.delete_at/2", &a[0], s)?.to_vec();
            let i = args::int("Tuple.delete_at/2", &a[1], s)?;
            if i < 0 || i as usize >= t.len() {
                return Err(args::badarg("1st", "out of range", s));
            }
            t.remove(i as usize);
            Ok(Value::tuple(t))
        }),
        ("duplicate", &[2], |_, a, s| {
            let n = args::count("Tuple.duplicate/2", &a[1], "a non-negative size", s)?;
            Ok(Value::tuple(vec![a[0].clone(); n]))
        }),
        ("sum", &[1], |i, a, s| super::r#enum::sum_values(i, tuple("Tuple.sum/1", &a[0], s)?.to_vec(), s)),
        ("product", &[1], |_, a, s| {
            let mut acc = Value::Int(1);
            for x in tuple("Tuple.product/1", &a[0], s)? {
                acc = crate::eval::core::binary_op("*", acc, x.clone(), s)?;
            }
            Ok(acc)
        }),
    ];
    for (name, ar, f) in tuple_fns {
        b.add("Tuple", name, ar, *f);
    }
    let set_fns: &[(&'static str, &[usize], F)] = &[
        ("new", &[0, 1, 2], set_new),
        ("put", &[2], |_, a, s| {
            let mut set = set_of("MapSet.put/2", &a[0], s)?;
            set.insert(a[1].clone());
            Ok(mapset(set))
        }),
        ("delete", &[2], |_, a, s| {
            let mut set = set_of("MapSet.delete/2", &a[0], s)?;
            set.remove(&a[1]);
            Ok(mapset(set))
        }),
        ("member?", &[2], |_, a, s| Ok(Value::Bool(set_of("MapSet.member?/2", &a[0], s)?.contains(&a[1])))),
        ("size", &[1], |_, a, s| Ok(Value::Int(set_of("MapSet.size/1", &a[0], s)?.len() as i64))),
        ("to_list", &[1], |_, a, s| Ok(Value::list(set_of("MapSet.to_list/1", &a[0], s)?.into_iter().collect()))),
        ("union", &[2], |_, a, s| {
            let x = set_of("MapSet.union/2", &a[0], s)?;
            Ok(mapset(x.union(set_of("MapSet.union/2", &a[1], s)?)))
        }),
        ("intersection", &[2], |_, a, s| {
            let x = set_of("MapSet.intersection/2", &a[0], s)?;
            let y = set_of("MapSet.intersection/2", &a[1], s)?;
            Ok(mapset(x.intersection(y)))
        }),
        ("difference", &[2], |_, a, s| {
            let x = set_of("MapSet.difference/2", &a[0], s)?;
            let y = set_of("MapSet.difference/2", &a[1], s)?;
            Ok(mapset(x.relative_complement(y)))
        }),
        ("symmetric_difference", &[2], |_, a, s| {
            let x = set_of("MapSet.symmetric_difference/2", &a[0], s)?;
            let y = set_of("MapSet.symmetric_difference/2", &a[1], s)?;
            Ok(mapset(x.symmetric_difference(y)))
        }),
        ("subset?", &[2], |_, a, s| {
            Ok(Value::Bool(set_of("MapSet.subset?/2", &a[0], s)?.is_subset(&set_of("MapSet.subset?/2", &a[1], s)?)))
        }),
        ("disjoint?", &[2], |_, a, s| {
            let x = set_of("MapSet.disjoint?/2", &a[0], s)?;
            let y = set_of("MapSet.disjoint?/2", &a[1], s)?;
            let (small, large) = if x.len() <= y.len() { (&x, &y) } else { (&y, &x) };
            Ok(Value::Bool(!small.iter().any(|v| large.contains(v))))
        }),
        ("equal?", &[2], |_, a, s| Ok(Value::Bool(set_of("MapSet.equal?/2", &a[0], s)? == set_of("MapSet.equal?/2", &a[1], s)?))),
        ("filter", &[2], |i, a, s| {
            let mut out = SetT::new();
            for x in set_of("MapSet.filter/2", &a[0], s)? {
                if i.apply(&a[1], vec![x.clone()], s)?.is_truthy() {
                    out.insert(x);
                }
            }
            Ok(mapset(out))
        }),
        ("reject", &[2], |i, a, s| {
            let mut out = SetT::new();
            for x in set_of("MapSet.reject/2", &a[0], s)? {
                if !i.apply(&a[1], vec![x.clone()], s)?.is_truthy() {
                    out.insert(x);
                }
            }
            Ok(mapset(out))
        }),
        ("map", &[2], |i, a, s| {
            let mut out = SetT::new();
            for x in set_of("MapSet.map/2", &a[0], s)? {
                out.insert(i.apply(&a[1], vec![x], s)?);
            }
            Ok(mapset(out))
        }),
    ];
    for (name, ar, f) in set_fns {
        b.add("MapSet", name, ar, *f);
    }

    // Access
    b.add("Kernel", "get_in", &[2], kernel_get_in);
    b.add_macro("Kernel", "get_in", &[1], get_in_macro);
    b.add("Kernel", "put_in", &[3], |i, a, s| put_in_fn(i, &a[0], &a[1], a[2].clone(), s));
    b.add("Kernel", "update_in", &[3], |i, a, s| update_in_fn(i, &a[0], &a[1], &a[2], s));
    b.add("Kernel", "get_and_update_in", &[3], |i, a, s| {
        let keys = args::list("get_and_update_in/3", &a[1], s)?.to_vec();
        get_and_update_in(i, &a[0], &keys, &a[2], s)
    });
    b.add("Kernel", "pop_in", &[2], |i, a, s| {
        let keys = args::list("pop_in/2", &a[1], s)?.to_vec();
        pop_in(i, &a[0], &keys, s)
    });
    b.add_macro("Kernel", "put_in", &[2], put_in_macro);
    b.add_macro("Kernel", "update_in", &[2], update_in_macro);
    b.add_macro("Kernel", "get_and_update_in", &[2], get_and_update_in_macro);
    b.add_macro("Kernel", "pop_in", &[1], pop_in_macro);
    let access_fns: &[(&'static str, &[usize], F)] = &[
        ("get", &[2, 3], |_, a, s| {
            let v = access_fetch(&a[0], &a[1], s)?;
            Ok(v.unwrap_or_else(|| a.get(2).cloned().unwrap_or(Value::Nil)))
        }),
        ("fetch", &[2], |_, a, s| {
            Ok(match access_fetch(&a[0], &a[1], s)? {
                Some(v) => Value::ok(v),
                None => Value::atom("error"),
            })
        }),
        ("fetch!", &[2], |_, a, s| match access_fetch(&a[0], &a[1], s)? {
            Some(v) => Ok(v),
            None => Err(key_error(&a[1], &a[0], s)),
        }),
        ("get_and_update", &[3], |i, a, s| access_get_and_update(i, &a[0], &a[1], &a[2], s)),
        ("pop", &[2], |i, a, s| access_pop(i, &a[0], &a[1], s)),
        ("key", &[1, 2], access_key),
        ("key!", &[1], access_key_bang),
        ("elem", &[1], access_elem),
        ("at", &[1], access_at),
        ("at!", &[1], access_at),
        ("all", &[0], access_all),
        ("filter", &[1], access_filter),
    ];
    for (name, ar, f) in access_fns {
        b.add("Access", name, ar, *f);
    }
}

// ---- shared helpers ---------------------------------------------------------------------

pub(crate) fn bad_map(v: &Value, s: Span) -> Box<Error> {
    raise("BadMapError", format!("expected a map, got: {}", inspect::inspect(v)), s)
}

pub(crate) fn key_error(k: &Value, m: &Value, s: Span) -> Box<Error> {
    crate::eval::Error::key_error(k, m, s)
}

fn tuple<'a>(fun: &str, v: &'a Value, s: Span) -> EResult<&'a [Value]> {
    v.as_tuple().ok_or_else(|| args::arg_error(fun, "a tuple", v, s))
}

fn mapset(s: SetT) -> Value {
    Value::MapSet(Rc::new(s))
}

fn set_of(fun: &str, v: &Value, s: Span) -> EResult<SetT> {
    match v {
        Value::MapSet(x) => Ok((**x).clone()),
        _ => Err(raise("FunctionClauseError", format!("no function clause matching in {fun}"), s)),
    }
}

/// A map view of a map or struct value (structs keep `__struct__`).
enum MapLike {
    Map(MapT),
    Struct(Struct),
}

fn map_like(v: &Value, s: Span) -> EResult<MapLike> {
    match v {
        Value::Map(m) => Ok(MapLike::Map((**m).clone())),
        Value::Struct(st) => Ok(MapLike::Struct((**st).clone())),
        other => match other.struct_fields() {
            Some(fields) if other.struct_name().is_some() => Ok(MapLike::Struct(Struct {
                module: Rc::from(format!("Elixir.{}", other.struct_name().unwrap_or_default()).as_str()),
                fields,
            })),
            _ => Err(bad_map(other, s)),
        },
    }
}

/// The entries of a map or struct (with `__struct__` for structs), sorted.
pub(crate) fn map_entries(v: &Value, s: Span) -> EResult<MapT> {
    match map_like(v, s)? {
        MapLike::Map(m) => Ok(m),
        MapLike::Struct(st) => {
            let mut m: MapT = st.fields.iter().map(|(k, v)| (Value::Atom(k.clone()), v.clone())).collect();
            m.insert(Value::atom("__struct__"), Value::Atom(st.module.clone()));
            Ok(m)
        }
    }
}

fn map_get_opt(v: &Value, k: &Value, s: Span) -> EResult<Option<Value>> {
    match v {
        Value::Map(m) => Ok(m.get(k).cloned()),
        Value::Struct(st) => Ok(match k {
            Value::Atom(a) if &**a == "__struct__" => Some(Value::Atom(st.module.clone())),
            Value::Atom(a) => st.get(a).cloned(),
            _ => None,
        }),
        other => {
            if other.struct_name().is_some() {
                return Ok(map_entries(other, s)?.get(k).cloned());
            }
            Err(bad_map(other, s))
        }
    }
}

/// Puts a key into a map or struct (a struct accepts any key, like
/// `Map.put/3`; an unknown key turns it into a plain map).
fn map_put_value(v: &Value, k: Value, val: Value, s: Span) -> EResult<Value> {
    match v {
        Value::Opaque(o) => {
            if let Some(put) = k.as_atom().and_then(|key| o.put_field(key, &val)) {
                return Ok(put);
            }
            let mut m = map_entries(v, s)?;
            m.insert(k, val);
            Ok(Value::map(m))
        }
        Value::Map(m) => {
            let mut m = (**m).clone();
            m.insert(k, val);
            Ok(Value::map(m))
        }
        Value::Struct(st) => {
            let mut st2 = (**st).clone();
            if let Some(a) = k.as_atom() {
                if st2.set(a, val.clone()) {
                    return Ok(Value::Struct(Rc::new(st2)));
                }
            }
            let mut m = map_entries(v, s)?;
            m.insert(k, val);
            Ok(Value::map(m))
        }
        other => {
            if other.struct_name().is_some() {
                let mut m = map_entries(other, s)?;
                m.insert(k, val);
                return Ok(rebuild(m));
            }
            Err(bad_map(other, s))
        }
    }
}

/// Rebuilds a built-in struct value from its map form when possible.
fn rebuild(m: MapT) -> Value {
    if let Some(Value::Atom(module)) = m.get(&Value::atom("__struct__")) {
        let fields: Vec<(crate::value::Atom, Value)> = m
            .iter()
            .filter_map(|(k, v)| match k {
                Value::Atom(a) if &**a != "__struct__" => Some((a.clone(), v.clone())),
                _ => None,
            })
            .collect();
        let st = Struct { module: module.clone(), fields };
        if st.name() == "Date" {
            let g = |k: &str| st.get(k).and_then(Value::as_int);
            if let (Some(y), Some(mo), Some(d)) = (g("year"), g("month"), g("day")) {
                if let Some(date) = crate::value::Date::new(y as i32, mo as u8, d as u8) {
                    return Value::Date(date);
                }
            }
        }
        return Value::Struct(Rc::new(st));
    }
    Value::map(m)
}

fn map_delete_value(v: &Value, k: &Value, s: Span) -> EResult<Value> {
    match v {
        Value::Map(m) => {
            let mut m = (**m).clone();
            m.remove(k);
            Ok(Value::map(m))
        }
        other => {
            let mut m = map_entries(other, s)?;
            if m.remove(k).is_none() {
                return Ok(other.clone());
            }
            Ok(Value::map(m))
        }
    }
}

// ---- Map ------------------------------------------------------------------------------------

fn map_get(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(map_get_opt(&a[0], &a[1], s)?.unwrap_or_else(|| a.get(2).cloned().unwrap_or(Value::Nil)))
}

fn map_get_lazy(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match map_get_opt(&a[0], &a[1], s)? {
        Some(v) => Ok(v),
        None => i.apply(&a[2], vec![], s),
    }
}

fn map_fetch(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(match map_get_opt(&a[0], &a[1], s)? {
        Some(v) => Value::ok(v),
        None => Value::atom("error"),
    })
}

fn map_fetch_bang(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    map_get_opt(&a[0], &a[1], s)?.ok_or_else(|| key_error(&a[1], &a[0], s))
}

fn map_put(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    map_put_value(&a[0], a[1].clone(), a[2].clone(), s)
}

fn map_put_new(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match map_get_opt(&a[0], &a[1], s)? {
        Some(_) => Ok(a[0].clone()),
        None => map_put_value(&a[0], a[1].clone(), a[2].clone(), s),
    }
}

fn map_put_new_lazy(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match map_get_opt(&a[0], &a[1], s)? {
        Some(_) => Ok(a[0].clone()),
        None => {
            let v = i.apply(&a[2], vec![], s)?;
            map_put_value(&a[0], a[1].clone(), v, s)
        }
    }
}

fn map_delete(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    map_delete_value(&a[0], &a[1], s)
}

fn map_drop(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let keys = enumerate(i, &a[1], s)?;
    let mut v = a[0].clone();
    if !matches!(v, Value::Map(_)) && v.struct_name().is_none() {
        return Err(bad_map(&v, s));
    }
    for k in keys {
        v = map_delete_value(&v, &k, s)?;
    }
    Ok(v)
}

fn map_take(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let keys = enumerate(i, &a[1], s)?;
    let m = map_entries(&a[0], s)?;
    let mut out = MapT::new();
    for k in keys {
        if let Some(v) = m.get(&k) {
            out.insert(k, v.clone());
        }
    }
    Ok(Value::map(out))
}

fn map_split(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let keys = enumerate(i, &a[1], s)?;
    let mut rest = map_entries(&a[0], s)?;
    let mut taken = MapT::new();
    for k in keys {
        if let Some(v) = rest.remove(&k) {
            taken.insert(k, v);
        }
    }
    Ok(Value::tuple(vec![Value::map(taken), Value::map(rest)]))
}

fn map_merge(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let right = map_entries(&a[1], s)?;
    if !matches!(a[0], Value::Map(_)) && a[0].struct_name().is_none() {
        return Err(bad_map(&a[0], s));
    }
    let mut out = a[0].clone();
    for (k, v) in right {
        let v = match (a.get(2), map_get_opt(&out, &k, s)?) {
            (Some(f), Some(old)) => i.apply(f, vec![k.clone(), old, v], s)?,
            _ => v,
        };
        out = map_put_value(&out, k, v, s)?;
    }
    Ok(out)
}

fn map_keys(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(Value::list(map_entries(&a[0], s)?.into_iter().map(|(k, _)| k).collect()))
}

fn map_values(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(Value::list(map_entries(&a[0], s)?.into_iter().map(|(_, v)| v).collect()))
}

fn map_to_list(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(Value::list(map_entries(&a[0], s)?.into_iter().map(|(k, v)| Value::tuple(vec![k, v])).collect()))
}

fn map_new(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut m = MapT::new();
    if let Some(e) = a.first() {
        for x in enumerate(i, e, s)? {
            let x = match a.get(1) {
                Some(f) => i.apply(f, vec![x], s)?,
                None => x,
            };
            match x.as_tuple() {
                Some([k, v]) => {
                    m.insert(k.clone(), v.clone());
                }
                _ => {
                    return Err(raise(
                        "ArgumentError",
                        format!("Map.new/1 expects {{key, value}} tuples, got: {}", inspect::inspect(&x)),
                        s,
                    ))
                }
            }
        }
    }
    Ok(Value::map(m))
}

fn map_has_key(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(Value::Bool(map_get_opt(&a[0], &a[1], s)?.is_some()))
}

fn map_update(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = match map_get_opt(&a[0], &a[1], s)? {
        Some(old) => i.apply(&a[3], vec![old], s)?,
        None => a[2].clone(),
    };
    map_put_value(&a[0], a[1].clone(), v, s)
}

fn map_update_bang(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let old = map_get_opt(&a[0], &a[1], s)?.ok_or_else(|| key_error(&a[1], &a[0], s))?;
    let v = i.apply(&a[2], vec![old], s)?;
    map_put_value(&a[0], a[1].clone(), v, s)
}

fn map_replace(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match map_get_opt(&a[0], &a[1], s)? {
        Some(_) => map_put_value(&a[0], a[1].clone(), a[2].clone(), s),
        None => Ok(a[0].clone()),
    }
}

fn map_replace_bang(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match map_get_opt(&a[0], &a[1], s)? {
        Some(_) => map_put_value(&a[0], a[1].clone(), a[2].clone(), s),
        None => Err(key_error(&a[1], &a[0], s)),
    }
}

fn map_replace_lazy(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match map_get_opt(&a[0], &a[1], s)? {
        Some(old) => {
            let v = i.apply(&a[2], vec![old], s)?;
            map_put_value(&a[0], a[1].clone(), v, s)
        }
        None => Ok(a[0].clone()),
    }
}

fn map_pop(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match map_get_opt(&a[0], &a[1], s)? {
        Some(v) => Ok(Value::tuple(vec![v, map_delete_value(&a[0], &a[1], s)?])),
        None => Ok(Value::tuple(vec![a.get(2).cloned().unwrap_or(Value::Nil), a[0].clone()])),
    }
}

fn map_pop_bang(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match map_get_opt(&a[0], &a[1], s)? {
        Some(v) => Ok(Value::tuple(vec![v, map_delete_value(&a[0], &a[1], s)?])),
        None => Err(key_error(&a[1], &a[0], s)),
    }
}

fn map_pop_lazy(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match map_get_opt(&a[0], &a[1], s)? {
        Some(v) => Ok(Value::tuple(vec![v, map_delete_value(&a[0], &a[1], s)?])),
        None => Ok(Value::tuple(vec![i.apply(&a[2], vec![], s)?, a[0].clone()])),
    }
}

fn get_and_update_result(r: &Value, s: Span) -> EResult<Option<(Value, Value)>> {
    match r.as_tuple() {
        Some([g, u]) => Ok(Some((g.clone(), u.clone()))),
        _ if r.as_atom() == Some("pop") => Ok(None),
        _ => Err(raise(
            "RuntimeError",
            format!("the given function must return a two-element tuple or :pop, got: {}", inspect::inspect(r)),
            s,
        )),
    }
}

fn map_get_and_update(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let cur = map_get_opt(&a[0], &a[1], s)?;
    let r = i.apply(&a[2], vec![cur.clone().unwrap_or(Value::Nil)], s)?;
    match get_and_update_result(&r, s)? {
        Some((g, u)) => Ok(Value::tuple(vec![g, map_put_value(&a[0], a[1].clone(), u, s)?])),
        None => Ok(Value::tuple(vec![cur.unwrap_or(Value::Nil), map_delete_value(&a[0], &a[1], s)?])),
    }
}

fn map_get_and_update_bang(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    if map_get_opt(&a[0], &a[1], s)?.is_none() {
        return Err(key_error(&a[1], &a[0], s));
    }
    map_get_and_update(i, a, s)
}

fn map_filter(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = MapT::new();
    for (k, v) in map_entries(&a[0], s)? {
        if i.apply(&a[1], vec![Value::tuple(vec![k.clone(), v.clone()])], s)?.is_truthy() {
            out.insert(k, v);
        }
    }
    Ok(Value::map(out))
}

fn map_reject(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = MapT::new();
    for (k, v) in map_entries(&a[0], s)? {
        if !i.apply(&a[1], vec![Value::tuple(vec![k.clone(), v.clone()])], s)?.is_truthy() {
            out.insert(k, v);
        }
    }
    Ok(Value::map(out))
}

fn map_split_with(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let (mut yes, mut no) = (MapT::new(), MapT::new());
    for (k, v) in map_entries(&a[0], s)? {
        if i.apply(&a[1], vec![Value::tuple(vec![k.clone(), v.clone()])], s)?.is_truthy() {
            yes.insert(k, v);
        } else {
            no.insert(k, v);
        }
    }
    Ok(Value::tuple(vec![Value::map(yes), Value::map(no)]))
}

fn map_map(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = MapT::new();
    for (k, v) in map_entries(&a[0], s)? {
        let nv = i.apply(&a[1], vec![Value::tuple(vec![k.clone(), v])], s)?;
        out.insert(k, nv);
    }
    Ok(Value::map(out))
}

fn map_intersect(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let left = map_entries(&a[0], s)?;
    let right = map_entries(&a[1], s)?;
    let mut out = MapT::new();
    for (k, v2) in right {
        if let Some(v1) = left.get(&k) {
            let v = match a.get(2) {
                Some(f) => i.apply(f, vec![k.clone(), v1.clone(), v2], s)?,
                None => v2,
            };
            out.insert(k, v);
        }
    }
    Ok(Value::map(out))
}

fn map_from_struct(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match &a[0] {
        Value::Atom(m) => {
            let st = i.new_struct(m, s)?;
            Ok(Value::map(st.fields.into_iter().map(|(k, v)| (Value::Atom(k), v)).collect()))
        }
        Value::Struct(st) => Ok(Value::map(st.fields.iter().map(|(k, v)| (Value::Atom(k.clone()), v.clone())).collect())),
        other if other.struct_name().is_some() => {
            let mut m = map_entries(other, s)?;
            m.remove(&Value::atom("__struct__"));
            Ok(Value::map(m))
        }
        Value::Map(m) => {
            let mut m = (**m).clone();
            m.remove(&Value::atom("__struct__"));
            Ok(Value::map(m))
        }
        other => {
            Err(raise("FunctionClauseError", format!("no function clause matching in Map.from_struct/1: {}", inspect::inspect(other)), s))
        }
    }
}

fn map_from_keys(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(Value::map(enumerate(i, &a[0], s)?.into_iter().map(|k| (k, a[1].clone())).collect()))
}

// ---- Keyword --------------------------------------------------------------------------------

fn kw_items(fun: &str, v: &Value, s: Span) -> EResult<Vec<(Value, Value)>> {
    let l = args::list(fun, v, s)?;
    l.iter()
        .map(|i| match i.as_tuple() {
            Some([k, v]) => Ok((k.clone(), v.clone())),
            _ => Err(raise("ArgumentError", format!("{fun} expects a keyword list, got: {}", inspect::inspect(v)), s)),
        })
        .collect()
}

fn kw_list(pairs: Vec<(Value, Value)>) -> Value {
    Value::list(pairs.into_iter().map(|(k, v)| Value::tuple(vec![k, v])).collect())
}

fn kw_find(pairs: &[(Value, Value)], k: &Value) -> Option<Value> {
    pairs.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone())
}

fn kw_get(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let p = kw_items("Keyword.get/3", &a[0], s)?;
    Ok(kw_find(&p, &a[1]).unwrap_or_else(|| a.get(2).cloned().unwrap_or(Value::Nil)))
}

fn kw_get_lazy(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let p = kw_items("Keyword.get_lazy/3", &a[0], s)?;
    match kw_find(&p, &a[1]) {
        Some(v) => Ok(v),
        None => i.apply(&a[2], vec![], s),
    }
}

fn kw_get_values(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let p = kw_items("Keyword.get_values/2", &a[0], s)?;
    Ok(Value::list(p.into_iter().filter(|(k, _)| *k == a[1]).map(|(_, v)| v).collect()))
}

fn kw_fetch(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let p = kw_items("Keyword.fetch/2", &a[0], s)?;
    Ok(match kw_find(&p, &a[1]) {
        Some(v) => Value::ok(v),
        None => Value::atom("error"),
    })
}

fn kw_fetch_bang(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let p = kw_items("Keyword.fetch!/2", &a[0], s)?;
    kw_find(&p, &a[1]).ok_or_else(|| key_error(&a[1], &a[0], s))
}

fn kw_put(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut p = kw_items("Keyword.put/3", &a[0], s)?;
    p.retain(|(k, _)| *k != a[1]);
    p.insert(0, (a[1].clone(), a[2].clone()));
    Ok(kw_list(p))
}

fn kw_put_new(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut p = kw_items("Keyword.put_new/3", &a[0], s)?;
    if kw_find(&p, &a[1]).is_some() {
        return Ok(a[0].clone());
    }
    p.insert(0, (a[1].clone(), a[2].clone()));
    Ok(kw_list(p))
}

fn kw_put_new_lazy(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut p = kw_items("Keyword.put_new_lazy/3", &a[0], s)?;
    if kw_find(&p, &a[1]).is_some() {
        return Ok(a[0].clone());
    }
    let v = i.apply(&a[2], vec![], s)?;
    p.insert(0, (a[1].clone(), v));
    Ok(kw_list(p))
}

fn kw_delete(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut p = kw_items("Keyword.delete/2", &a[0], s)?;
    p.retain(|(k, _)| *k != a[1]);
    Ok(kw_list(p))
}

fn kw_delete_first(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut p = kw_items("Keyword.delete_first/2", &a[0], s)?;
    if let Some(i) = p.iter().position(|(k, _)| *k == a[1]) {
        p.remove(i);
    }
    Ok(kw_list(p))
}

fn kw_drop(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let keys = enumerate(i, &a[1], s)?;
    let mut p = kw_items("Keyword.drop/2", &a[0], s)?;
    p.retain(|(k, _)| !keys.contains(k));
    Ok(kw_list(p))
}

fn kw_take(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let keys = enumerate(i, &a[1], s)?;
    let mut p = kw_items("Keyword.take/2", &a[0], s)?;
    p.retain(|(k, _)| keys.contains(k));
    Ok(kw_list(p))
}

fn kw_split(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let keys = enumerate(i, &a[1], s)?;
    let p = kw_items("Keyword.split/2", &a[0], s)?;
    let (yes, no): (Vec<_>, Vec<_>) = p.into_iter().partition(|(k, _)| keys.contains(k));
    Ok(Value::tuple(vec![kw_list(yes), kw_list(no)]))
}

fn kw_merge(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let left = kw_items("Keyword.merge/2", &a[0], s)?;
    let right = kw_items("Keyword.merge/2", &a[1], s)?;
    match a.get(2) {
        None => {
            let mut out: Vec<_> = left.into_iter().filter(|(k, _)| !right.iter().any(|(r, _)| r == k)).collect();
            out.extend(right);
            Ok(kw_list(out))
        }
        Some(f) => {
            // Each entry of the right list consumes the first matching entry
            // of the left one (Keyword.merge/3).
            let mut original = left.clone();
            let mut rest = left;
            let mut acc = Vec::new();
            for (k, v2) in right {
                match original.iter().position(|(x, _)| *x == k) {
                    Some(idx) => {
                        let (_, v1) = original.remove(idx);
                        let nv = i.apply(f, vec![k.clone(), v1, v2], s)?;
                        rest.retain(|(x, _)| *x != k);
                        acc.push((k, nv));
                    }
                    None => acc.push((k, v2)),
                }
            }
            rest.extend(acc);
            Ok(kw_list(rest))
        }
    }
}

fn kw_keys(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(Value::list(kw_items("Keyword.keys/1", &a[0], s)?.into_iter().map(|(k, _)| k).collect()))
}

fn kw_values(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(Value::list(kw_items("Keyword.values/1", &a[0], s)?.into_iter().map(|(_, v)| v).collect()))
}

fn kw_has_key(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(Value::Bool(kw_find(&kw_items("Keyword.has_key?/2", &a[0], s)?, &a[1]).is_some()))
}

fn kw_new(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out: Vec<(Value, Value)> = Vec::new();
    if let Some(e) = a.first() {
        for x in enumerate(i, e, s)? {
            let x = match a.get(1) {
                Some(f) => i.apply(f, vec![x], s)?,
                None => x,
            };
            match x.as_tuple() {
                Some([k, v]) if k.is_atom() => {
                    out.retain(|(o, _)| o != k);
                    out.push((k.clone(), v.clone()));
                }
                _ => return Err(raise("ArgumentError", format!("expected a keyword pair, got: {}", inspect::inspect(&x)), s)),
            }
        }
    }
    Ok(kw_list(out))
}

fn kw_update(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let p = kw_items("Keyword.update/4", &a[0], s)?;
    match p.iter().position(|(k, _)| *k == a[1]) {
        Some(idx) => {
            let nv = i.apply(&a[3], vec![p[idx].1.clone()], s)?;
            let mut out: Vec<_> = p[..idx].to_vec();
            out.push((a[1].clone(), nv));
            out.extend(p[idx + 1..].iter().filter(|(k, _)| *k != a[1]).cloned());
            Ok(kw_list(out))
        }
        None => {
            let mut out = p;
            out.push((a[1].clone(), a[2].clone()));
            Ok(kw_list(out))
        }
    }
}

fn kw_update_bang(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let p = kw_items("Keyword.update!/3", &a[0], s)?;
    if kw_find(&p, &a[1]).is_none() {
        return Err(key_error(&a[1], &a[0], s));
    }
    kw_update(i, vec![a[0].clone(), a[1].clone(), Value::Nil, a[2].clone()], s)
}

fn kw_replace(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let p = kw_items("Keyword.replace/3", &a[0], s)?;
    match p.iter().position(|(k, _)| *k == a[1]) {
        Some(idx) => {
            let mut out: Vec<_> = p[..idx].to_vec();
            out.push((a[1].clone(), a[2].clone()));
            out.extend(p[idx + 1..].iter().filter(|(k, _)| *k != a[1]).cloned());
            Ok(kw_list(out))
        }
        None => Ok(a[0].clone()),
    }
}

fn kw_replace_bang(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let p = kw_items("Keyword.replace!/3", &a[0], s)?;
    if kw_find(&p, &a[1]).is_none() {
        return Err(key_error(&a[1], &a[0], s));
    }
    kw_replace(i, a, s)
}

fn kw_pop(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut p = kw_items("Keyword.pop/3", &a[0], s)?;
    match kw_find(&p, &a[1]) {
        Some(v) => {
            p.retain(|(k, _)| *k != a[1]);
            Ok(Value::tuple(vec![v, kw_list(p)]))
        }
        None => Ok(Value::tuple(vec![a.get(2).cloned().unwrap_or(Value::Nil), a[0].clone()])),
    }
}

fn kw_pop_bang(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let p = kw_items("Keyword.pop!/2", &a[0], s)?;
    if kw_find(&p, &a[1]).is_none() {
        return Err(key_error(&a[1], &a[0], s));
    }
    kw_pop(i, a, s)
}

fn kw_pop_first(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut p = kw_items("Keyword.pop_first/3", &a[0], s)?;
    match p.iter().position(|(k, _)| *k == a[1]) {
        Some(idx) => {
            let (_, v) = p.remove(idx);
            Ok(Value::tuple(vec![v, kw_list(p)]))
        }
        None => Ok(Value::tuple(vec![a.get(2).cloned().unwrap_or(Value::Nil), a[0].clone()])),
    }
}

fn kw_filter(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    for (k, v) in kw_items("Keyword.filter/2", &a[0], s)? {
        if i.apply(&a[1], vec![Value::tuple(vec![k.clone(), v.clone()])], s)?.is_truthy() {
            out.push((k, v));
        }
    }
    Ok(kw_list(out))
}

fn kw_reject(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    for (k, v) in kw_items("Keyword.reject/2", &a[0], s)? {
        if !i.apply(&a[1], vec![Value::tuple(vec![k.clone(), v.clone()])], s)?.is_truthy() {
            out.push((k, v));
        }
    }
    Ok(kw_list(out))
}

fn kw_equal(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let norm = |v: &Value| -> EResult<BTreeMap<Value, Value>> {
        let mut m = BTreeMap::new();
        for (k, v) in kw_items("Keyword.equal?/2", v, s)? {
            m.entry(k).or_insert(v);
        }
        Ok(m)
    };
    Ok(Value::Bool(norm(&a[0])? == norm(&a[1])?))
}

fn kw_validate(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let given = kw_items("Keyword.validate/2", &a[0], s)?;
    let spec = args::list("Keyword.validate/2", &a[1], s)?;
    let mut out: Vec<(Value, Value)> = Vec::new();
    let mut allowed = Vec::new();
    for item in spec {
        match item.as_tuple() {
            Some([k, v]) => {
                allowed.push(k.clone());
                out.push((k.clone(), v.clone()));
            }
            _ => allowed.push(item.clone()),
        }
    }
    let mut bad = Vec::new();
    for (k, v) in given {
        if !allowed.contains(&k) {
            bad.push(k);
            continue;
        }
        out.retain(|(o, _)| *o != k);
        out.push((k, v));
    }
    if !bad.is_empty() {
        bad.reverse();
        return Ok(Value::error(Value::list(bad)));
    }
    Ok(Value::ok(kw_list(out)))
}

fn kw_get_and_update(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let p = kw_items("Keyword.get_and_update/3", &a[0], s)?;
    let cur = kw_find(&p, &a[1]);
    let r = i.apply(&a[2], vec![cur.clone().unwrap_or(Value::Nil)], s)?;
    match get_and_update_result(&r, s)? {
        Some((g, u)) => {
            let mut out: Vec<(Value, Value)> = Vec::new();
            let mut placed = false;
            for (k, v) in p {
                if k == a[1] {
                    if !placed {
                        out.push((k, u.clone()));
                        placed = true;
                    }
                } else {
                    out.push((k, v));
                }
            }
            if !placed {
                out.push((a[1].clone(), u));
            }
            Ok(Value::tuple(vec![g, kw_list(out)]))
        }
        None => {
            let out: Vec<_> = p.into_iter().filter(|(k, _)| *k != a[1]).collect();
            Ok(Value::tuple(vec![cur.unwrap_or(Value::Nil), kw_list(out)]))
        }
    }
}

// ---- List -------------------------------------------------------------------------------------

fn list_first(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let Value::List(l) = &a[0] else { return Err(args::arg_error("List.first/2", "a list", &a[0], s)) };
    Ok(l.head().cloned().unwrap_or_else(|| a.get(1).cloned().unwrap_or(Value::Nil)))
}

fn list_last(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let Value::List(l) = &a[0] else { return Err(args::arg_error("List.last/2", "a list", &a[0], s)) };
    Ok(l.last_value().unwrap_or_else(|| a.get(1).cloned().unwrap_or(Value::Nil)))
}

fn flatten_into(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::List(l) => {
            for x in l.iter() {
                flatten_into(x, out);
            }
        }
        other => out.push(other.clone()),
    }
}

fn list_flatten(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let l = args::list("List.flatten/1", &a[0], s)?;
    let mut out = Vec::new();
    for x in l {
        flatten_into(x, &mut out);
    }
    if let Some(tail) = a.get(1) {
        out.extend(args::list("List.flatten/2", tail, s)?.iter().cloned());
    }
    Ok(Value::list(out))
}

fn list_wrap(_: &mut Interp, a: Vec<Value>, _: Span) -> EResult<Value> {
    Ok(match &a[0] {
        Value::Nil => Value::list(vec![]),
        Value::List(_) | Value::Improper(_) => a[0].clone(),
        other => Value::list(vec![other.clone()]),
    })
}

/// The first tuple whose element at `pos` compares equal (`==`, so `1` finds
/// `1.0`) to `key`, as `:lists.keyfind/3` and its siblings look.
fn key_pos(l: &[Value], key: &Value, pos: i64) -> Option<usize> {
    l.iter().position(|t| match t.as_tuple() {
        Some(t) => pos >= 0 && (pos as usize) < t.len() && t[pos as usize].loose_eq(key),
        None => false,
    })
}

fn list_keyfind(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let l = args::list("List.keyfind/3", &a[0], s)?;
    let pos = args::int("List.keyfind/3", &a[2], s)?;
    Ok(key_pos(l, &a[1], pos).map(|i| l[i].clone()).unwrap_or_else(|| a.get(3).cloned().unwrap_or(Value::Nil)))
}

fn list_keyfind_bang(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let l = args::list("List.keyfind!/3", &a[0], s)?;
    let pos = args::int("List.keyfind!/3", &a[2], s)?;
    key_pos(l, &a[1], pos).map(|i| l[i].clone()).ok_or_else(|| {
        raise("KeyError", format!("key {} at position {pos} not found in: {}", inspect::inspect(&a[1]), inspect::inspect(&a[0])), s)
    })
}

fn list_keymember(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let l = args::list("List.keymember?/3", &a[0], s)?;
    let pos = args::int("List.keymember?/3", &a[2], s)?;
    Ok(Value::Bool(key_pos(l, &a[1], pos).is_some()))
}

fn list_keydelete(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut l = args::list("List.keydelete/3", &a[0], s)?.to_vec();
    let pos = args::int("List.keydelete/3", &a[2], s)?;
    if let Some(i) = key_pos(&l, &a[1], pos) {
        l.remove(i);
    }
    Ok(Value::list(l))
}

fn list_keyreplace(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut l = args::list("List.keyreplace/4", &a[0], s)?.to_vec();
    let pos = args::int("List.keyreplace/4", &a[2], s)?;
    if let Some(i) = key_pos(&l, &a[1], pos) {
        l[i] = a[3].clone();
    }
    Ok(Value::list(l))
}

fn list_keystore(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut l = args::list("List.keystore/4", &a[0], s)?.to_vec();
    let pos = args::int("List.keystore/4", &a[2], s)?;
    match key_pos(&l, &a[1], pos) {
        Some(i) => l[i] = a[3].clone(),
        None => l.push(a[3].clone()),
    }
    Ok(Value::list(l))
}

fn list_keytake(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut l = args::list("List.keytake/3", &a[0], s)?.to_vec();
    let pos = args::int("List.keytake/3", &a[2], s)?;
    match key_pos(&l, &a[1], pos) {
        Some(i) => {
            let t = l.remove(i);
            Ok(Value::tuple(vec![t, Value::list(l)]))
        }
        None => Ok(Value::Nil),
    }
}

fn list_keysort(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let l = args::list("List.keysort/2", &a[0], s)?.to_vec();
    let pos = args::int("List.keysort/2", &a[1], s)?.max(0) as usize;
    let key = |t: &Value| t.as_tuple().and_then(|t| t.get(pos).cloned()).unwrap_or(Value::Nil);
    let so = a.get(2).cloned().unwrap_or(Value::atom("asc"));
    let keyed: Vec<Value> = l.iter().map(|t| Value::tuple(vec![key(t), t.clone()])).collect();
    let sorted = super::r#enum::sort_by_key_values(i, keyed, &so, s)?;
    Ok(Value::list(sorted))
}

fn list_insert_at(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut l = args::list("List.insert_at/3", &a[0], s)?.to_vec();
    let idx = args::int("List.insert_at/3", &a[1], s)?;
    let len = l.len() as i64;
    let at = if idx < 0 { (len + idx + 1).max(0) } else { idx.min(len) } as usize;
    l.insert(at, a[2].clone());
    Ok(Value::list(l))
}

fn norm_index(len: usize, idx: i64) -> Option<usize> {
    let i = if idx < 0 { len as i64 + idx } else { idx };
    (i >= 0 && (i as usize) < len).then_some(i as usize)
}

fn list_replace_at(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut l = args::list("List.replace_at/3", &a[0], s)?.to_vec();
    if let Some(i) = norm_index(l.len(), args::int("List.replace_at/3", &a[1], s)?) {
        l[i] = a[2].clone();
    }
    Ok(Value::list(l))
}

fn list_update_at(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut l = args::list("List.update_at/3", &a[0], s)?.to_vec();
    if let Some(k) = norm_index(l.len(), args::int("List.update_at/3", &a[1], s)?) {
        l[k] = i.apply(&a[2], vec![l[k].clone()], s)?;
    }
    Ok(Value::list(l))
}

fn list_delete_at(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut l = args::list("List.delete_at/2", &a[0], s)?.to_vec();
    if let Some(i) = norm_index(l.len(), args::int("List.delete_at/2", &a[1], s)?) {
        l.remove(i);
    }
    Ok(Value::list(l))
}

fn list_pop_at(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut l = args::list("List.pop_at/2", &a[0], s)?.to_vec();
    match norm_index(l.len(), args::int("List.pop_at/2", &a[1], s)?) {
        Some(i) => {
            let v = l.remove(i);
            Ok(Value::tuple(vec![v, Value::list(l)]))
        }
        None => Ok(Value::tuple(vec![a.get(2).cloned().unwrap_or(Value::Nil), Value::list(l)])),
    }
}

fn list_delete(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut l = args::list("List.delete/2", &a[0], s)?.to_vec();
    if let Some(i) = l.iter().position(|x| *x == a[1]) {
        l.remove(i);
    }
    Ok(Value::list(l))
}

fn list_duplicate(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let n = args::count("List.duplicate/2", &a[1], "a non-negative count", s)?;
    Ok(Value::list(vec![a[0].clone(); n]))
}

fn list_foldl(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let l = args::list("List.foldl/3", &a[0], s)?.to_vec();
    let mut acc = a[1].clone();
    for x in l {
        acc = i.apply(&a[2], vec![x, acc], s)?;
    }
    Ok(acc)
}

fn list_foldr(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let l = args::list("List.foldr/3", &a[0], s)?.to_vec();
    let mut acc = a[1].clone();
    for x in l.into_iter().rev() {
        acc = i.apply(&a[2], vec![x, acc], s)?;
    }
    Ok(acc)
}

fn list_zip(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let lists: Vec<&[Value]> =
        args::list("List.zip/1", &a[0], s)?.iter().map(|l| args::list("List.zip/1", l, s)).collect::<EResult<_>>()?;
    let n = lists.iter().map(|l| l.len()).min().unwrap_or(0);
    Ok(Value::list((0..n).map(|k| Value::tuple(lists.iter().map(|l| l[k].clone()).collect())).collect()))
}

fn charlist_string(v: &Value, s: Span) -> EResult<String> {
    crate::eval::core::to_string(v, s)
}

fn list_to_integer(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let text = charlist_string(&a[0], s)?;
    let base = match a.get(1) {
        Some(b) => args::int("List.to_integer/2", b, s)? as u32,
        None => 10,
    };
    super::string::parse_int_strict(&text, base).map(Value::Int).ok_or_else(|| {
        raise(
            "ArgumentError",
            "errors were found at the given arguments:\n\n  * 1st argument: not a textual representation of an integer\n",
            s,
        )
    })
}

fn list_to_float(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let text = charlist_string(&a[0], s)?;
    super::string::parse_float_strict(&text).map(Value::Float).ok_or_else(|| {
        raise(
            "ArgumentError",
            "errors were found at the given arguments:\n\n  * 1st argument: not a textual representation of a float\n",
            s,
        )
    })
}

fn list_starts_with(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let l = args::list("List.starts_with?/2", &a[0], s)?;
    let p = args::list("List.starts_with?/2", &a[1], s)?;
    Ok(Value::Bool(l.starts_with(p)))
}

fn list_myers(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let x = args::list("List.myers_difference/2", &a[0], s)?;
    let y = args::list("List.myers_difference/2", &a[1], s)?;
    // LCS-based edit script, grouped into runs of :eq / :del / :ins.
    let (n, m) = (x.len(), y.len());
    if n * m > 4_000_000 {
        return Err(raise("ArgumentError", "lists too large for List.myers_difference/2", s));
    }
    let mut dp = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            dp[i][j] = if x[i] == y[j] { dp[i + 1][j + 1] + 1 } else { dp[i + 1][j].max(dp[i][j + 1]) };
        }
    }
    let mut ops: Vec<(&str, Value)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && x[i] == y[j] {
            ops.push(("eq", x[i].clone()));
            i += 1;
            j += 1;
        } else if i < n && (j >= m || dp[i + 1][j] >= dp[i][j + 1]) {
            ops.push(("del", x[i].clone()));
            i += 1;
        } else {
            ops.push(("ins", y[j].clone()));
            j += 1;
        }
    }
    let mut out: Vec<(String, Vec<Value>)> = Vec::new();
    for (op, v) in ops {
        match out.last_mut() {
            Some((last, items)) if last == op => items.push(v),
            _ => out.push((op.to_string(), vec![v])),
        }
    }
    Ok(Value::list(out.into_iter().map(|(op, items)| Value::tuple(vec![Value::atom(&op), Value::list(items)])).collect()))
}

// ---- MapSet ---------------------------------------------------------------------------------

fn set_new(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut set = SetT::new();
    if let Some(e) = a.first() {
        for x in enumerate(i, e, s)? {
            let x = match a.get(1) {
                Some(f) => i.apply(f, vec![x], s)?,
                None => x,
            };
            set.insert(x);
        }
    }
    Ok(mapset(set))
}

// ---- Access -------------------------------------------------------------------------------

/// `Access.fetch/2` semantics: maps by key, keyword lists by atom key, nil → none.
fn access_fetch(data: &Value, key: &Value, s: Span) -> EResult<Option<Value>> {
    match data {
        Value::Map(m) => Ok(m.get(key).cloned()),
        Value::Nil => Ok(None),
        Value::List(items) => {
            if !key.is_atom() {
                return Err(raise(
                    "ArgumentError",
                    format!("the Access calls for keywords expect the key to be an atom, got: {}", inspect::inspect(key)),
                    s,
                ));
            }
            Ok(items.iter().find_map(|i| match i.as_tuple() {
                Some([k, v]) if k == key => Some(v.clone()),
                _ => None,
            }))
        }
        other => crate::eval::core::access_get(other, key, s).map(Some),
    }
}

fn access_get_and_update(i: &mut Interp, data: &Value, key: &Value, f: &Value, s: Span) -> EResult<Value> {
    match data {
        Value::Map(_) => map_get_and_update(i, vec![data.clone(), key.clone(), f.clone()], s),
        Value::List(_) => kw_get_and_update(i, vec![data.clone(), key.clone(), f.clone()], s),
        Value::Nil => Err(raise("ArgumentError", format!("could not put/update key {} on a nil value", inspect::inspect(key)), s)),
        Value::Struct(st) => Err(raise(
            "UndefinedFunctionError",
            format!("function {}.get_and_update/3 is undefined ({} does not implement the Access behaviour\n\nYou can use the \"struct.field\" syntax to access struct fields. You can also use Access.key!/1 to access struct fields dynamically inside get_in/put_in/update_in)", st.name(), st.name()),
            s,
        )),
        other => Err(raise("ArgumentError", format!("could not put/update key {} on a non-map value: {}", inspect::inspect(key), inspect::inspect(other)), s)),
    }
}

fn access_pop(i: &mut Interp, data: &Value, key: &Value, s: Span) -> EResult<Value> {
    match data {
        Value::Map(_) => map_pop(i, vec![data.clone(), key.clone()], s),
        Value::List(_) => kw_pop(i, vec![data.clone(), key.clone()], s),
        Value::Nil => Ok(Value::tuple(vec![Value::Nil, Value::Nil])),
        other => Err(raise(
            "ArgumentError",
            format!("could not pop key {} on a non-map value: {}", inspect::inspect(key), inspect::inspect(other)),
            s,
        )),
    }
}

fn native_fn(name: &'static str, arity: usize, f: impl Fn(&mut Interp, Vec<Value>) -> EResult<Value> + 'static) -> Value {
    Value::Fun(Rc::new(Function::Native { name, arity, f: Rc::new(f) }))
}

fn accessor_op(a: &[Value]) -> &str {
    a.first().and_then(|o| o.as_atom()).unwrap_or("get")
}

fn access_key(_: &mut Interp, a: Vec<Value>, _: Span) -> EResult<Value> {
    let key = a[0].clone();
    let default = a.get(1).cloned().unwrap_or(Value::Nil);
    Ok(native_fn("Access.key/2", 3, move |i, args| {
        let s = Span::NONE;
        let data = &args[1];
        let cur = match data {
            Value::Nil => None,
            other => map_get_opt(other, &key, s)?,
        }
        .unwrap_or_else(|| default.clone());
        match accessor_op(&args) {
            "get" => i.apply(&args[2], vec![cur], s),
            _ => {
                let r = i.apply(&args[2], vec![cur.clone()], s)?;
                let base = if matches!(data, Value::Nil) { Value::map(MapT::new()) } else { data.clone() };
                match get_and_update_result(&r, s)? {
                    Some((g, u)) => Ok(Value::tuple(vec![g, map_put_value(&base, key.clone(), u, s)?])),
                    None => Ok(Value::tuple(vec![cur, map_delete_value(&base, &key, s)?])),
                }
            }
        }
    }))
}

fn access_key_bang(_: &mut Interp, a: Vec<Value>, _: Span) -> EResult<Value> {
    let key = a[0].clone();
    Ok(native_fn("Access.key!/1", 3, move |i, args| {
        let s = Span::NONE;
        let data = &args[1];
        let cur = map_get_opt(data, &key, s)?.ok_or_else(|| key_error(&key, data, s))?;
        match accessor_op(&args) {
            "get" => i.apply(&args[2], vec![cur], s),
            _ => {
                let r = i.apply(&args[2], vec![cur.clone()], s)?;
                match get_and_update_result(&r, s)? {
                    Some((g, u)) => Ok(Value::tuple(vec![g, map_put_value(data, key.clone(), u, s)?])),
                    None => Ok(Value::tuple(vec![cur, map_delete_value(data, &key, s)?])),
                }
            }
        }
    }))
}

fn access_elem(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let idx = args::int("Access.elem/1", &a[0], s)?.max(0) as usize;
    Ok(native_fn("Access.elem/1", 3, move |i, args| {
        let s = Span::NONE;
        let t = args[1]
            .as_tuple()
            .ok_or_else(|| raise("RuntimeError", format!("Access.elem/1 expected a tuple, got: {}", inspect::inspect(&args[1])), s))?;
        let cur = t.get(idx).cloned().ok_or_else(|| args::badarg("1st", "out of range", s))?;
        match accessor_op(&args) {
            "get" => i.apply(&args[2], vec![cur], s),
            _ => {
                let r = i.apply(&args[2], vec![cur.clone()], s)?;
                match get_and_update_result(&r, s)? {
                    Some((g, u)) => {
                        let mut t = t.to_vec();
                        t[idx] = u;
                        Ok(Value::tuple(vec![g, Value::tuple(t)]))
                    }
                    None => Err(raise("ArgumentError", "cannot pop data from a tuple", s)),
                }
            }
        }
    }))
}

fn access_at(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let idx = args::int("Access.at/1", &a[0], s)?;
    Ok(native_fn("Access.at/1", 3, move |i, args| {
        let s = Span::NONE;
        let l = args[1]
            .as_list()
            .ok_or_else(|| raise("RuntimeError", format!("Access.at/1 expected a list, got: {}", inspect::inspect(&args[1])), s))?
            .to_vec();
        let k = norm_index(l.len(), idx);
        match accessor_op(&args) {
            "get" => i.apply(&args[2], vec![k.map(|k| l[k].clone()).unwrap_or(Value::Nil)], s),
            _ => match k {
                None => {
                    let r = i.apply(&args[2], vec![Value::Nil], s)?;
                    match get_and_update_result(&r, s)? {
                        Some((g, _)) => Ok(Value::tuple(vec![g, Value::list(l)])),
                        None => Ok(Value::tuple(vec![Value::Nil, Value::list(l)])),
                    }
                }
                Some(k) => {
                    let r = i.apply(&args[2], vec![l[k].clone()], s)?;
                    let mut l = l;
                    match get_and_update_result(&r, s)? {
                        Some((g, u)) => {
                            l[k] = u;
                            Ok(Value::tuple(vec![g, Value::list(l)]))
                        }
                        None => {
                            let v = l.remove(k);
                            Ok(Value::tuple(vec![v, Value::list(l)]))
                        }
                    }
                }
            },
        }
    }))
}

fn access_all(_: &mut Interp, _: Vec<Value>, _: Span) -> EResult<Value> {
    Ok(native_fn("Access.all/0", 3, move |i, args| {
        let s = Span::NONE;
        let l = args[1]
            .as_list()
            .ok_or_else(|| raise("RuntimeError", format!("Access.all/0 expected a list, got: {}", inspect::inspect(&args[1])), s))?
            .to_vec();
        match accessor_op(&args) {
            "get" => {
                let mut out = Vec::new();
                for x in l {
                    out.push(i.apply(&args[2], vec![x], s)?);
                }
                Ok(Value::list(out))
            }
            _ => {
                let (mut gets, mut ups) = (Vec::new(), Vec::new());
                for x in l {
                    let r = i.apply(&args[2], vec![x.clone()], s)?;
                    match get_and_update_result(&r, s)? {
                        Some((g, u)) => {
                            gets.push(g);
                            ups.push(u);
                        }
                        None => gets.push(x),
                    }
                }
                Ok(Value::tuple(vec![Value::list(gets), Value::list(ups)]))
            }
        }
    }))
}

fn access_filter(_: &mut Interp, a: Vec<Value>, _: Span) -> EResult<Value> {
    let pred = a[0].clone();
    Ok(native_fn("Access.filter/1", 3, move |i, args| {
        let s = Span::NONE;
        let l = args[1]
            .as_list()
            .ok_or_else(|| raise("RuntimeError", format!("Access.filter/1 expected a list, got: {}", inspect::inspect(&args[1])), s))?
            .to_vec();
        match accessor_op(&args) {
            "get" => {
                let mut out = Vec::new();
                for x in l {
                    if i.apply(&pred, vec![x.clone()], s)?.is_truthy() {
                        out.push(i.apply(&args[2], vec![x], s)?);
                    }
                }
                Ok(Value::list(out))
            }
            _ => {
                let (mut gets, mut ups) = (Vec::new(), Vec::new());
                for x in l {
                    if !i.apply(&pred, vec![x.clone()], s)?.is_truthy() {
                        ups.push(x);
                        continue;
                    }
                    let r = i.apply(&args[2], vec![x.clone()], s)?;
                    match get_and_update_result(&r, s)? {
                        Some((g, u)) => {
                            gets.push(g);
                            ups.push(u);
                        }
                        None => gets.push(x),
                    }
                }
                Ok(Value::tuple(vec![Value::list(gets), Value::list(ups)]))
            }
        }
    }))
}

fn kernel_get_in(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let keys = args::list("get_in/2", &a[1], s)?.to_vec();
    get_in(i, &a[0], &keys, s)
}

pub(crate) fn get_in(i: &mut Interp, data: &Value, keys: &[Value], s: Span) -> EResult<Value> {
    let Some((k, rest)) = keys.split_first() else { return Ok(data.clone()) };
    if let Value::Fun(_) = k {
        let rest = rest.to_vec();
        let next = native_fn("get_in/2", 1, move |i, args| get_in(i, &args[0], &rest, Span::NONE));
        return i.apply(k, vec![Value::atom("get"), data.clone(), next], s);
    }
    let v = access_fetch(data, k, s)?.unwrap_or(Value::Nil);
    if matches!(v, Value::Nil) && !rest.is_empty() {
        // get_in(nil, keys) is nil
        return get_in(i, &Value::Nil, rest, s);
    }
    get_in(i, &v, rest, s)
}

pub(crate) fn get_and_update_in(i: &mut Interp, data: &Value, keys: &[Value], f: &Value, s: Span) -> EResult<Value> {
    let Some((k, rest)) = keys.split_first() else { return i.apply(f, vec![data.clone()], s) };
    let rest_v = rest.to_vec();
    let f2 = f.clone();
    let next = native_fn("get_and_update_in/3", 1, move |i, args| get_and_update_in(i, &args[0], &rest_v, &f2, Span::NONE));
    if let Value::Fun(_) = k {
        return i.apply(k, vec![Value::atom("get_and_update"), data.clone(), next], s);
    }
    if rest.is_empty() {
        return access_get_and_update(i, data, k, f, s);
    }
    access_get_and_update(i, data, k, &next, s)
}

fn put_in_fn(i: &mut Interp, data: &Value, keys: &Value, v: Value, s: Span) -> EResult<Value> {
    let keys = args::list("put_in/3", keys, s)?.to_vec();
    if keys.is_empty() {
        return Err(raise("FunctionClauseError", "no function clause matching in Kernel.put_in/3", s));
    }
    let f = native_fn("put_in/3", 1, move |_, _| Ok(Value::tuple(vec![Value::Nil, v.clone()])));
    let r = get_and_update_in(i, data, &keys, &f, s)?;
    Ok(r.as_tuple().map(|t| t[1].clone()).unwrap_or(Value::Nil))
}

fn update_in_fn(i: &mut Interp, data: &Value, keys: &Value, fun: &Value, s: Span) -> EResult<Value> {
    let keys = args::list("update_in/3", keys, s)?.to_vec();
    if keys.is_empty() {
        return Err(raise("FunctionClauseError", "no function clause matching in Kernel.update_in/3", s));
    }
    let fun = fun.clone();
    let f = native_fn("update_in/3", 1, move |i, a| Ok(Value::tuple(vec![Value::Nil, i.apply(&fun, a, Span::NONE)?])));
    let r = get_and_update_in(i, data, &keys, &f, s)?;
    Ok(r.as_tuple().map(|t| t[1].clone()).unwrap_or(Value::Nil))
}

fn pop_in(i: &mut Interp, data: &Value, keys: &[Value], s: Span) -> EResult<Value> {
    match (data, keys) {
        (_, []) => Err(raise("FunctionClauseError", "no function clause matching in Kernel.pop_in/2", s)),
        (Value::Nil, [k, ..]) => Err(raise("ArgumentError", format!("could not pop key {} on a nil value", inspect::inspect(k)), s)),
        _ => pop_in_data(i, data, keys, s),
    }
}

/// `Kernel.pop_in_data/2`: a nil along the path pops nothing.
fn pop_in_data(i: &mut Interp, data: &Value, keys: &[Value], s: Span) -> EResult<Value> {
    if matches!(data, Value::Nil) {
        return Ok(Value::atom("pop"));
    }
    let Some((k, rest)) = keys.split_first() else { return Ok(Value::atom("pop")) };
    let next = if rest.is_empty() {
        native_fn("pop_in/2", 1, |_, _| Ok(Value::atom("pop")))
    } else {
        let rest_v = rest.to_vec();
        native_fn("pop_in/2", 1, move |i, a| pop_in_data(i, &a[0], &rest_v, Span::NONE))
    };
    match k {
        Value::Fun(_) => i.apply(k, vec![Value::atom("get_and_update"), data.clone(), next], s),
        _ if rest.is_empty() => access_pop(i, data, k, s),
        _ => access_get_and_update(i, data, k, &next, s),
    }
}

// ---- the macro forms: put_in(a.b[:c], v) --------------------------------------------------

/// One step of a path written as `root.field[key]`.
enum Step {
    Field(String),
    Key(Value),
}

fn path_steps(i: &mut Interp, node: &Node, env: &mut Env, steps: &mut Vec<Step>) -> EResult<Value> {
    match &node.kind {
        Kind::Dot { target, name, args, parens: false } if args.is_empty() && !matches!(target.kind, Kind::Alias(_)) => {
            let root = path_steps(i, target, env, steps)?;
            steps.push(Step::Field(name.clone()));
            Ok(root)
        }
        Kind::Access { target, key } => {
            let root = path_steps(i, target, env, steps)?;
            let k = i.eval(key, env)?;
            steps.push(Step::Key(k));
            Ok(root)
        }
        _ => i.eval(node, env),
    }
}

fn path_of(i: &mut Interp, node: &Node, env: &mut Env, what: &str, s: Span) -> EResult<(Value, Vec<Step>)> {
    let mut steps = Vec::new();
    let root = path_steps(i, node, env, &mut steps)?;
    if steps.is_empty() {
        return Err(raise("ArgumentError", format!("cannot use {what} with a path that is not a field or [key] access"), s));
    }
    Ok((root, steps))
}

/// get_and_update along macro path steps: fields behave like `Access.key!`.
fn gau_steps(i: &mut Interp, data: &Value, steps: &[Step], f: &Value, s: Span) -> EResult<Value> {
    let Some((step, rest)) = steps.split_first() else { return i.apply(f, vec![data.clone()], s) };
    match step {
        Step::Key(k) => {
            if rest.is_empty() {
                return access_get_and_update(i, data, k, f, s);
            }
            // Recurse through a native "next" function.
            let inner = collect_rest(rest);
            let f2 = f.clone();
            let next = native_fn("update_in", 1, move |i, a| {
                let steps = restore(&inner);
                gau_steps(i, &a[0], &steps, &f2, Span::NONE)
            });
            access_get_and_update(i, data, k, &next, s)
        }
        Step::Field(name) => {
            let key = Value::atom(name);
            let cur = match data {
                Value::Map(_) | Value::Struct(_) => map_get_opt(data, &key, s)?,
                other if other.struct_name().is_some() => map_get_opt(other, &key, s)?,
                other => return Err(bad_map(other, s)),
            }
            .ok_or_else(|| key_error(&key, data, s))?;
            let r = gau_steps(i, &cur, rest, f, s)?;
            match get_and_update_result(&r, s)? {
                Some((g, u)) => Ok(Value::tuple(vec![g, map_put_value(data, key, u, s)?])),
                None => Ok(Value::tuple(vec![cur, map_delete_value(data, &key, s)?])),
            }
        }
    }
}

/// Steps are stored as (is_field, value) pairs to move into closures.
fn collect_rest(steps: &[Step]) -> Vec<(bool, Value)> {
    steps
        .iter()
        .map(|st| match st {
            Step::Field(n) => (true, Value::atom(n)),
            Step::Key(k) => (false, k.clone()),
        })
        .collect()
}

fn restore(v: &[(bool, Value)]) -> Vec<Step> {
    v.iter()
        .map(|(field, k)| if *field { Step::Field(k.as_atom().unwrap_or_default().to_string()) } else { Step::Key(k.clone()) })
        .collect()
}

fn put_in_macro(i: &mut Interp, a: &[Node], env: &mut Env, s: Span) -> EResult<Value> {
    let (root, steps) = path_of(i, &a[0], env, "put_in/2", s)?;
    let v = i.eval(&a[1], env)?;
    let f = native_fn("put_in/2", 1, move |_, _| Ok(Value::tuple(vec![Value::Nil, v.clone()])));
    let r = gau_steps(i, &root, &steps, &f, s)?;
    Ok(r.as_tuple().map(|t| t[1].clone()).unwrap_or(Value::Nil))
}

fn update_in_macro(i: &mut Interp, a: &[Node], env: &mut Env, s: Span) -> EResult<Value> {
    let (root, steps) = path_of(i, &a[0], env, "update_in/2", s)?;
    let fun = i.eval(&a[1], env)?;
    let f = native_fn("update_in/2", 1, move |i, a| Ok(Value::tuple(vec![Value::Nil, i.apply(&fun, a, Span::NONE)?])));
    let r = gau_steps(i, &root, &steps, &f, s)?;
    Ok(r.as_tuple().map(|t| t[1].clone()).unwrap_or(Value::Nil))
}

/// `get_in(data.a[:b])`: nil-safe reads along a path.
fn get_in_macro(i: &mut Interp, a: &[Node], env: &mut Env, s: Span) -> EResult<Value> {
    let (root, steps) = path_of(i, &a[0], env, "get_in/1", s)?;
    let mut cur = root;
    for st in steps {
        if matches!(cur, Value::Nil) {
            return Ok(Value::Nil);
        }
        cur = match st {
            Step::Field(name) => crate::eval::core::field_access(&cur, &name, s)?,
            Step::Key(k) => access_fetch(&cur, &k, s)?.unwrap_or(Value::Nil),
        };
    }
    Ok(cur)
}

fn get_and_update_in_macro(i: &mut Interp, a: &[Node], env: &mut Env, s: Span) -> EResult<Value> {
    let (root, steps) = path_of(i, &a[0], env, "get_and_update_in/2", s)?;
    let fun = i.eval(&a[1], env)?;
    gau_steps(i, &root, &steps, &fun, s)
}

fn pop_in_macro(i: &mut Interp, a: &[Node], env: &mut Env, s: Span) -> EResult<Value> {
    let (root, steps) = path_of(i, &a[0], env, "pop_in/1", s)?;
    if let Some(Step::Field(name)) = steps.last() {
        return Err(raise(
            "ArgumentError",
            format!(
                "cannot use pop_in when the last segment is a map/struct field. This would effectively remove the field {} from the map/struct",
                inspect::inspect(&Value::atom(name))
            ),
            s,
        ));
    }
    let f = native_fn("pop_in/1", 1, |_, _| Ok(Value::atom("pop")));
    gau_steps(i, &root, &steps, &f, s)
}
