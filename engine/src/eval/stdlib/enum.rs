//! Enum (eager, over lists, ranges, maps, MapSets) and the eager subset of
//! Stream.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use super::{enumerate, raise};
use crate::diag::Span;
use crate::eval::{args, Builtins, EResult, Interp};
use crate::value::{inspect, MapT, Value};

type F = fn(&mut Interp, Vec<Value>, Span) -> EResult<Value>;

pub fn register(b: &mut Builtins) {
    let fns: &[(&'static str, &[usize], F)] = &[
        ("all?", &[1, 2], all),
        ("any?", &[1, 2], any),
        ("at", &[2, 3], at),
        ("chunk_by", &[2], chunk_by),
        ("chunk_every", &[2, 3, 4], chunk_every),
        ("chunk_while", &[4], chunk_while),
        ("concat", &[1, 2], concat),
        ("count", &[1, 2], count),
        ("count_until", &[2, 3], count_until),
        ("dedup", &[1], dedup),
        ("dedup_by", &[2], dedup_by),
        ("drop", &[2], drop),
        ("drop_every", &[2], drop_every),
        ("drop_while", &[2], drop_while),
        ("each", &[2], each),
        ("empty?", &[1], empty),
        ("fetch", &[2], fetch),
        ("fetch!", &[2], fetch_bang),
        ("filter", &[2], filter),
        ("find", &[2, 3], find),
        ("find_index", &[2], find_index),
        ("find_value", &[2, 3], find_value),
        ("flat_map", &[2], flat_map),
        ("flat_map_reduce", &[3], flat_map_reduce),
        ("frequencies", &[1], frequencies),
        ("frequencies_by", &[2], frequencies_by),
        ("group_by", &[2, 3], group_by),
        ("intersperse", &[2], intersperse),
        ("into", &[2, 3], into),
        ("join", &[1, 2], join),
        ("map", &[2], map),
        ("map_every", &[3], map_every),
        ("map_intersperse", &[3], map_intersperse),
        ("map_join", &[2, 3], map_join),
        ("map_reduce", &[3], map_reduce),
        ("max", &[1, 2, 3], max),
        ("max_by", &[2, 3, 4], max_by),
        ("member?", &[2], member),
        ("min", &[1, 2, 3], min),
        ("min_by", &[2, 3, 4], min_by),
        ("min_max", &[1, 2], min_max),
        ("min_max_by", &[2, 3, 4], min_max_by),
        ("product", &[1], product),
        ("product_by", &[2], product_by),
        ("random", &[1], random),
        ("reduce", &[2, 3], reduce),
        ("reduce_while", &[3], reduce_while),
        ("reject", &[2], reject),
        ("reverse", &[1, 2], reverse),
        ("reverse_slice", &[3], reverse_slice),
        ("scan", &[2, 3], scan),
        ("shuffle", &[1], shuffle),
        ("slice", &[2, 3], slice),
        ("slide", &[3], slide),
        ("sort", &[1, 2], sort),
        ("sort_by", &[2, 3], sort_by),
        ("split", &[2], split),
        ("split_while", &[2], split_while),
        ("split_with", &[2], split_with),
        ("sum", &[1], sum),
        ("sum_by", &[2], sum_by),
        ("take", &[2], take),
        ("take_every", &[2], take_every),
        ("take_random", &[2], take_random),
        ("take_while", &[2], take_while),
        ("to_list", &[1], to_list),
        ("uniq", &[1], uniq),
        ("uniq_by", &[2], uniq_by),
        ("unzip", &[1], unzip),
        ("with_index", &[1, 2], with_index),
        ("zip", &[1, 2], zip),
        ("zip_with", &[2, 3], zip_with),
        ("zip_reduce", &[3, 4], zip_reduce),
    ];
    for (name, arities, f) in fns {
        b.add("Enum", name, arities, *f);
    }
    // Streams are evaluated eagerly: finite pipelines give the same results.
    let streams: &[(&'static str, &[usize], F)] = &[
        ("map", &[2], map),
        ("filter", &[2], filter),
        ("reject", &[2], reject),
        ("flat_map", &[2], flat_map),
        ("with_index", &[1, 2], with_index),
        ("take", &[2], take),
        ("take_while", &[2], take_while),
        ("drop", &[2], drop),
        ("drop_while", &[2], drop_while),
        ("chunk_every", &[2, 3, 4], chunk_every),
        ("chunk_by", &[2], chunk_by),
        ("uniq", &[1], uniq),
        ("uniq_by", &[2], uniq_by),
        ("dedup", &[1], dedup),
        ("zip", &[1, 2], zip),
        ("concat", &[1, 2], concat),
        ("each", &[2], stream_each),
        ("run", &[1], stream_run),
        ("scan", &[2, 3], scan),
        ("intersperse", &[2], intersperse),
        ("map_every", &[3], map_every),
        ("take_every", &[2], take_every),
        ("drop_every", &[2], drop_every),
        ("chunk_while", &[4], chunk_while),
        ("zip_with", &[2, 3], zip_with),
        ("transform", &[3, 4], stream_transform),
    ];
    for (name, arities, f) in streams {
        b.add("Stream", name, arities, *f);
    }
    b.add("Stream", "iterate", &[2], stream_iterate);
    b.add("Stream", "unfold", &[2], stream_unfold);
    b.add("Stream", "repeatedly", &[1], stream_repeatedly);
    b.add("Stream", "cycle", &[1], stream_cycle);
    b.add("Stream", "interval", &[1], |_, _, s| {
        Err(raise("ArgumentError", "Stream.interval/1 is not supported: it needs a running clock", s))
    });
}

// ---- helpers ------------------------------------------------------------------------

fn list(v: Vec<Value>) -> Value {
    Value::list(v)
}

fn items(i: &mut Interp, v: &Value, s: Span) -> EResult<Vec<Value>> {
    enumerate(i, v, s)
}

pub(crate) fn truthy(i: &mut Interp, f: &Value, x: Value, s: Span) -> EResult<bool> {
    Ok(i.apply(f, vec![x], s)?.is_truthy())
}

fn int_arg(fun: &str, v: &Value, s: Span) -> EResult<i64> {
    args::int(fun, v, s)
}

fn empty_error(s: Span) -> Box<crate::eval::Error> {
    raise("Enum.EmptyError", "empty error", s)
}

/// A stable merge sort with a fallible "a comes before b" predicate, as
/// Erlang's `lists:sort/2` uses it (`le(a, b)` true keeps `a` first).
pub(crate) fn merge_sort(
    i: &mut Interp,
    v: Vec<Value>,
    le: &mut dyn FnMut(&mut Interp, &Value, &Value) -> EResult<bool>,
) -> EResult<Vec<Value>> {
    if v.len() <= 1 {
        return Ok(v);
    }
    let mut v = v;
    let right = v.split_off(v.len() / 2);
    let left = merge_sort(i, v, le)?;
    let right = merge_sort(i, right, le)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut l = left.into_iter().peekable();
    let mut r = right.into_iter().peekable();
    loop {
        match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => {
                if le(i, a, b)? {
                    out.extend(l.next());
                } else {
                    out.extend(r.next());
                }
            }
            (Some(_), None) => out.extend(l.next()),
            (None, Some(_)) => out.extend(r.next()),
            (None, None) => break,
        }
    }
    Ok(out)
}

/// A sorter argument of `Enum.sort/2` and friends as a "before or equal" test.
enum Sorter {
    Asc,
    Desc,
    Fun(Value),
    Module(String, bool),
}

fn sorter(v: &Value, s: Span) -> EResult<Sorter> {
    Ok(match v {
        Value::Atom(a) if &**a == "asc" => Sorter::Asc,
        Value::Atom(a) if &**a == "desc" => Sorter::Desc,
        Value::Atom(a) => Sorter::Module(crate::value::alias_name(a).to_string(), true),
        Value::Fun(_) => Sorter::Fun(v.clone()),
        Value::Tuple(t) if t.len() == 2 => {
            let asc = match t[0].as_atom() {
                Some("asc") => true,
                Some("desc") => false,
                _ => return Err(args::arg_error("Enum.sort/2", "a sorting function, :asc, :desc or {:asc | :desc, module}", v, s)),
            };
            let m = t[1].as_atom().ok_or_else(|| args::arg_error("Enum.sort/2", "a module", &t[1], s))?;
            Sorter::Module(crate::value::alias_name(m).to_string(), asc)
        }
        other => return Err(args::arg_error("Enum.sort/2", "a sorting function, :asc, :desc or {:asc | :desc, module}", other, s)),
    })
}

fn sorter_le(i: &mut Interp, so: &Sorter, a: &Value, b: &Value, s: Span) -> EResult<bool> {
    Ok(match so {
        Sorter::Asc => !a.compare(b).is_gt(),
        Sorter::Desc => !a.compare(b).is_lt(),
        Sorter::Fun(f) => i.apply(f, vec![a.clone(), b.clone()], s)?.is_truthy(),
        Sorter::Module(m, asc) => {
            let c = i.call(m, "compare", vec![a.clone(), b.clone()], s)?;
            let c = c.as_atom().unwrap_or("eq").to_string();
            if *asc {
                c != "gt"
            } else {
                c != "lt"
            }
        }
    })
}

pub(crate) fn sort_values(i: &mut Interp, v: Vec<Value>, so: Option<&Value>, s: Span) -> EResult<Vec<Value>> {
    let so = match so {
        Some(x) => sorter(x, s)?,
        None => Sorter::Asc,
    };
    merge_sort(i, v, &mut |i, a, b| sorter_le(i, &so, a, b, s))
}

fn num_add(a: &Value, b: &Value, s: Span) -> EResult<Value> {
    crate::eval::core::binary_op("+", a.clone(), b.clone(), s)
}

// ---- predicates -----------------------------------------------------------------------

fn all(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    for x in items(i, &a[0], s)? {
        let ok = match a.get(1) {
            Some(f) => truthy(i, f, x, s)?,
            None => x.is_truthy(),
        };
        if !ok {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn any(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    for x in items(i, &a[0], s)? {
        let ok = match a.get(1) {
            Some(f) => truthy(i, f, x, s)?,
            None => x.is_truthy(),
        };
        if ok {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn empty(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(Value::Bool(match &a[0] {
        Value::Range(x, y, st) => (*st > 0 && x > y) || (*st < 0 && x < y),
        Value::List(l) => l.is_empty(),
        v => items(i, v, s)?.is_empty(),
    }))
}

fn member(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    if let Value::Struct(st) = &a[0] {
        if st.name() != "Date.Range" {
            // a struct with a user Enumerable implementation
            return Ok(Value::Bool(items(i, &a[0], s)?.contains(&a[1])));
        }
    }
    Ok(Value::Bool(super::member(&a[0], &a[1], s)?))
}

// ---- access by position ---------------------------------------------------------------------

fn index_of(len: usize, idx: i64) -> Option<usize> {
    let i = if idx < 0 { len as i64 + idx } else { idx };
    (i >= 0 && (i as usize) < len).then_some(i as usize)
}

/// `Enum.at(list, k)` and friends on a list with `k >= 0`: the element
/// without copying the list. `None` when this does not apply.
fn list_nth(list: &Value, idx: i64) -> Option<Option<Value>> {
    match list {
        Value::List(l) if idx >= 0 => Some(l.nth_value(idx as usize)),
        _ => None,
    }
}

fn at(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let idx = int_arg("Enum.at/2", &a[1], s)?;
    if let Some(found) = list_nth(&a[0], idx) {
        return Ok(found.unwrap_or_else(|| a.get(2).cloned().unwrap_or(Value::Nil)));
    }
    let v = items(i, &a[0], s)?;
    Ok(index_of(v.len(), idx).map(|k| v[k].clone()).unwrap_or_else(|| a.get(2).cloned().unwrap_or(Value::Nil)))
}

fn fetch(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let idx = int_arg("Enum.fetch/2", &a[1], s)?;
    if let Some(found) = list_nth(&a[0], idx) {
        return Ok(found.map(Value::ok).unwrap_or_else(|| Value::atom("error")));
    }
    let v = items(i, &a[0], s)?;
    Ok(match index_of(v.len(), idx) {
        Some(k) => Value::ok(v[k].clone()),
        None => Value::atom("error"),
    })
}

fn fetch_bang(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let idx = int_arg("Enum.fetch!/2", &a[1], s)?;
    let found = match list_nth(&a[0], idx) {
        Some(found) => found,
        None => {
            let v = items(i, &a[0], s)?;
            index_of(v.len(), idx).map(|k| v[k].clone())
        }
    };
    match found {
        Some(x) => Ok(x),
        // Elixir 1.17/1.18: the exception's default message
        None => Err(raise("Enum.OutOfBoundsError", "out of bounds error", s)),
    }
}

fn find(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let (default, f) = if a.len() == 3 { (a[1].clone(), &a[2]) } else { (Value::Nil, &a[1]) };
    for x in items(i, &a[0], s)? {
        if truthy(i, f, x.clone(), s)? {
            return Ok(x);
        }
    }
    Ok(default)
}

fn find_index(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    for (k, x) in items(i, &a[0], s)?.into_iter().enumerate() {
        if truthy(i, &a[1], x, s)? {
            return Ok(Value::Int(k as i64));
        }
    }
    Ok(Value::Nil)
}

fn find_value(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let (default, f) = if a.len() == 3 { (a[1].clone(), &a[2]) } else { (Value::Nil, &a[1]) };
    for x in items(i, &a[0], s)? {
        let r = i.apply(f, vec![x], s)?;
        if r.is_truthy() {
            return Ok(r);
        }
    }
    Ok(default)
}

fn random(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    if v.is_empty() {
        return Err(empty_error(s));
    }
    let k = next_random(i) as usize % v.len();
    Ok(v[k].clone())
}

#[derive(Default)]
struct Rng(u64);

fn next_random(i: &mut Interp) -> u64 {
    let r = i.ext::<Rng>();
    if r.0 == 0 {
        r.0 = 0x9E37_79B9_7F4A_7C15;
    }
    r.0 ^= r.0 << 13;
    r.0 ^= r.0 >> 7;
    r.0 ^= r.0 << 17;
    r.0
}

fn shuffle(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut v = items(i, &a[0], s)?;
    for k in (1..v.len()).rev() {
        let j = next_random(i) as usize % (k + 1);
        v.swap(k, j);
    }
    Ok(list(v))
}

fn take_random(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let n = int_arg("Enum.take_random/2", &a[1], s)?.max(0) as usize;
    let Value::List(v) = shuffle(i, vec![a[0].clone()], s)? else { return Ok(list(vec![])) };
    Ok(list(v.iter().take(n).cloned().collect()))
}

// ---- transformations ---------------------------------------------------------------------

fn map(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    let mut out = Vec::with_capacity(v.len());
    for x in v {
        out.push(i.apply(&a[1], vec![x], s)?);
    }
    Ok(list(out))
}

fn map_every(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let n = int_arg("Enum.map_every/3", &a[1], s)?;
    let v = items(i, &a[0], s)?;
    let mut out = Vec::with_capacity(v.len());
    for (k, x) in v.into_iter().enumerate() {
        if n > 0 && k as i64 % n == 0 {
            out.push(i.apply(&a[2], vec![x], s)?);
        } else {
            out.push(x);
        }
    }
    Ok(list(out))
}

fn each(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    for x in items(i, &a[0], s)? {
        i.apply(&a[1], vec![x], s)?;
    }
    Ok(Value::atom("ok"))
}

fn stream_each(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    for x in v.iter() {
        i.apply(&a[1], vec![x.clone()], s)?;
    }
    Ok(list(v))
}

fn stream_run(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    items(i, &a[0], s)?;
    Ok(Value::atom("ok"))
}

fn filter(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    for x in items(i, &a[0], s)? {
        if truthy(i, &a[1], x.clone(), s)? {
            out.push(x);
        }
    }
    Ok(list(out))
}

fn reject(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    for x in items(i, &a[0], s)? {
        if !truthy(i, &a[1], x.clone(), s)? {
            out.push(x);
        }
    }
    Ok(list(out))
}

fn flat_map(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    for x in items(i, &a[0], s)? {
        let r = i.apply(&a[1], vec![x], s)?;
        out.extend(items(i, &r, s)?);
    }
    Ok(list(out))
}

fn flat_map_reduce(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    let mut acc = a[1].clone();
    for x in items(i, &a[0], s)? {
        let r = i.apply(&a[2], vec![x, acc.clone()], s)?;
        match r.as_tuple() {
            Some([Value::Atom(h), new_acc]) if &**h == "halt" => {
                acc = new_acc.clone();
                break;
            }
            Some([l, new_acc]) => {
                out.extend(items(i, l, s)?);
                acc = new_acc.clone();
            }
            _ => {
                return Err(raise(
                    "ArgumentError",
                    format!(
                        "Enum.flat_map_reduce/3 expects the function to return {{list, acc}} or {{:halt, acc}}, got: {}",
                        inspect::inspect(&r)
                    ),
                    s,
                ))
            }
        }
    }
    Ok(Value::tuple(vec![list(out), acc]))
}

fn map_reduce(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    let mut acc = a[1].clone();
    for x in items(i, &a[0], s)? {
        let r = i.apply(&a[2], vec![x, acc.clone()], s)?;
        match r.as_tuple() {
            Some([v, new_acc]) => {
                out.push(v.clone());
                acc = new_acc.clone();
            }
            _ => return Err(raise("MatchError", format!("no match of right hand side value: {}", inspect::inspect(&r)), s)),
        }
    }
    Ok(Value::tuple(vec![list(out), acc]))
}

fn reduce(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    let (mut acc, rest, f) = if a.len() == 3 {
        (a[1].clone(), &v[..], &a[2])
    } else {
        match v.split_first() {
            Some((first, rest)) => (first.clone(), rest, &a[1]),
            None => return Err(empty_error(s)),
        }
    };
    for x in rest {
        acc = i.apply(f, vec![x.clone(), acc], s)?;
    }
    Ok(acc)
}

fn reduce_while(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut acc = a[1].clone();
    for x in items(i, &a[0], s)? {
        let r = i.apply(&a[2], vec![x, acc.clone()], s)?;
        match r.as_tuple() {
            Some([Value::Atom(t), v]) if &**t == "cont" => acc = v.clone(),
            Some([Value::Atom(t), v]) if &**t == "halt" => return Ok(v.clone()),
            _ => return Err(raise("CaseClauseError", format!("no case clause matching: {}", inspect::inspect(&r)), s)),
        }
    }
    Ok(acc)
}

fn scan(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    let mut out = Vec::with_capacity(v.len());
    let (mut acc, rest, f) = if a.len() == 3 {
        (a[1].clone(), &v[..], &a[2])
    } else {
        match v.split_first() {
            Some((first, rest)) => {
                out.push(first.clone());
                (first.clone(), rest, &a[1])
            }
            None => return Ok(list(vec![])),
        }
    };
    for x in rest {
        acc = i.apply(f, vec![x.clone(), acc], s)?;
        out.push(acc.clone());
    }
    Ok(list(out))
}

fn intersperse(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    let mut out = Vec::with_capacity(v.len() * 2);
    for (k, x) in v.into_iter().enumerate() {
        if k > 0 {
            out.push(a[1].clone());
        }
        out.push(x);
    }
    Ok(list(out))
}

fn map_intersperse(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    let mut out = Vec::with_capacity(v.len() * 2);
    for (k, x) in v.into_iter().enumerate() {
        if k > 0 {
            out.push(a[1].clone());
        }
        out.push(i.apply(&a[2], vec![x], s)?);
    }
    Ok(list(out))
}

fn with_index(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    let mut out = Vec::with_capacity(v.len());
    match a.get(1) {
        Some(f @ Value::Fun(_)) => {
            for (k, x) in v.into_iter().enumerate() {
                out.push(i.apply(f, vec![x, Value::Int(k as i64)], s)?);
            }
        }
        other => {
            let off = match other {
                Some(o) => int_arg("Enum.with_index/2", o, s)?,
                None => 0,
            };
            for (k, x) in v.into_iter().enumerate() {
                let idx = off
                    .checked_add(k as i64)
                    .ok_or_else(|| raise("ArithmeticError", "integer overflow (this evaluator uses 64-bit integers)", s))?;
                out.push(Value::tuple(vec![x, Value::Int(idx)]));
            }
        }
    }
    Ok(list(out))
}

fn reverse(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut v = items(i, &a[0], s)?;
    v.reverse();
    match a.get(1) {
        Some(tail) => Ok(crate::eval::core::cons(v, Value::list(items(i, tail, s)?))),
        None => Ok(list(v)),
    }
}

fn reverse_slice(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut v = items(i, &a[0], s)?;
    let start = int_arg("Enum.reverse_slice/3", &a[1], s)?.max(0) as usize;
    let count = int_arg("Enum.reverse_slice/3", &a[2], s)?.max(0) as usize;
    if start < v.len() {
        let end = (start + count).min(v.len());
        v[start..end].reverse();
    }
    Ok(list(v))
}

fn concat(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    if a.len() == 2 {
        out.extend(items(i, &a[0], s)?);
        out.extend(items(i, &a[1], s)?);
    } else {
        for x in items(i, &a[0], s)? {
            out.extend(items(i, &x, s)?);
        }
    }
    Ok(list(out))
}

fn to_list(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(list(items(i, &a[0], s)?))
}

// ---- counting and aggregates ---------------------------------------------------------

fn count(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match a.get(1) {
        None => match &a[0] {
            Value::Range(x, y, st) => {
                let n = if (*st > 0 && x > y) || (*st < 0 && x < y) { 0 } else { (y - x) / st + 1 };
                Ok(Value::Int(n))
            }
            Value::List(l) => Ok(Value::Int(l.len() as i64)),
            v => Ok(Value::Int(items(i, v, s)?.len() as i64)),
        },
        Some(f) => {
            let mut n = 0;
            for x in items(i, &a[0], s)? {
                if truthy(i, f, x, s)? {
                    n += 1;
                }
            }
            Ok(Value::Int(n))
        }
    }
}

fn count_until(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let limit = int_arg("Enum.count_until", a.last().unwrap_or(&Value::Nil), s)?;
    let mut n = 0;
    for x in items(i, &a[0], s)? {
        if n >= limit {
            break;
        }
        if a.len() == 3 && !truthy(i, &a[1], x, s)? {
            continue;
        }
        n += 1;
    }
    Ok(Value::Int(n))
}

fn sum(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut acc = Value::Int(0);
    for x in items(i, &a[0], s)? {
        acc = num_add(&acc, &x, s)?;
    }
    Ok(acc)
}

fn sum_by(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut acc = Value::Int(0);
    for x in items(i, &a[0], s)? {
        let v = i.apply(&a[1], vec![x], s)?;
        acc = num_add(&acc, &v, s)?;
    }
    Ok(acc)
}

fn product(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut acc = Value::Int(1);
    for x in items(i, &a[0], s)? {
        acc = crate::eval::core::binary_op("*", acc, x, s)?;
    }
    Ok(acc)
}

fn product_by(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut acc = Value::Int(1);
    for x in items(i, &a[0], s)? {
        let v = i.apply(&a[1], vec![x], s)?;
        acc = crate::eval::core::binary_op("*", acc, v, s)?;
    }
    Ok(acc)
}

/// Splits the optional sorter / empty-fallback arguments of min/max.
fn min_max_opts(a: &[Value], from: usize) -> (Option<Value>, Option<Value>) {
    let mut so = None;
    let mut fallback = None;
    for x in &a[from..] {
        match x {
            Value::Fun(f) if f.arity() == 0 => fallback = Some(x.clone()),
            other => so = Some(other.clone()),
        }
    }
    (so, fallback)
}

fn extreme(i: &mut Interp, a: &[Value], by: Option<&Value>, from: usize, is_max: bool, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    let (so, fallback) = min_max_opts(a, from);
    if v.is_empty() {
        return match fallback {
            Some(f) => i.apply(&f, vec![], s),
            None => Err(empty_error(s)),
        };
    }
    let so = match so {
        Some(x) => sorter(&x, s)?,
        None => {
            if is_max {
                Sorter::Desc
            } else {
                Sorter::Asc
            }
        }
    };
    let so = match (so, is_max) {
        // A module sorter for max means "greater or equal".
        (Sorter::Module(m, true), true) => Sorter::Module(m, false),
        (other, _) => other,
    };
    let mut best = v[0].clone();
    let mut best_key = match by {
        Some(f) => i.apply(f, vec![best.clone()], s)?,
        None => best.clone(),
    };
    for x in v.into_iter().skip(1) {
        let key = match by {
            Some(f) => i.apply(f, vec![x.clone()], s)?,
            None => x.clone(),
        };
        if !sorter_le(i, &so, &best_key, &key, s)? {
            best = x;
            best_key = key;
        }
    }
    Ok(best)
}

fn max(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    extreme(i, &a, None, 1, true, s)
}

fn min(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    extreme(i, &a, None, 1, false, s)
}

fn max_by(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let f = a[1].clone();
    extreme(i, &a, Some(&f), 2, true, s)
}

fn min_by(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let f = a[1].clone();
    extreme(i, &a, Some(&f), 2, false, s)
}

fn min_max(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    if v.is_empty() {
        return match a.get(1) {
            Some(f) => i.apply(f, vec![], s),
            None => Err(empty_error(s)),
        };
    }
    let mn = min(i, vec![a[0].clone()], s)?;
    let mx = max(i, vec![a[0].clone()], s)?;
    Ok(Value::tuple(vec![mn, mx]))
}

fn min_max_by(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    if v.is_empty() {
        let (_, fallback) = min_max_opts(&a, 2);
        return match fallback {
            Some(f) => i.apply(&f, vec![], s),
            None => Err(empty_error(s)),
        };
    }
    let mn = min_by(i, a.clone(), s)?;
    let mx = max_by(i, a, s)?;
    Ok(Value::tuple(vec![mn, mx]))
}

/// One more `key` in a map of counts.
fn count_one(m: &mut MapT, key: Value) {
    match m.get_mut(&key) {
        Some(Value::Int(n)) => *n += 1,
        _ => {
            m.insert(key, Value::Int(1));
        }
    }
}

fn frequencies(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut m = MapT::new();
    for x in items(i, &a[0], s)? {
        count_one(&mut m, x);
    }
    Ok(Value::map(m))
}

fn frequencies_by(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut m = MapT::new();
    for x in items(i, &a[0], s)? {
        let k = i.apply(&a[1], vec![x], s)?;
        count_one(&mut m, k);
    }
    Ok(Value::map(m))
}

fn group_by(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut m: BTreeMap<Value, Vec<Value>> = BTreeMap::new();
    for x in items(i, &a[0], s)? {
        let k = i.apply(&a[1], vec![x.clone()], s)?;
        let v = match a.get(2) {
            Some(f) => i.apply(f, vec![x], s)?,
            None => x,
        };
        m.entry(k).or_default().push(v);
    }
    Ok(Value::map(m.into_iter().map(|(k, v)| (k, list(v))).collect()))
}

// ---- uniqueness ------------------------------------------------------------------------

fn uniq(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for x in items(i, &a[0], s)? {
        if seen.insert(x.clone()) {
            out.push(x);
        }
    }
    Ok(list(out))
}

fn uniq_by(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for x in items(i, &a[0], s)? {
        let k = i.apply(&a[1], vec![x.clone()], s)?;
        if seen.insert(k) {
            out.push(x);
        }
    }
    Ok(list(out))
}

fn dedup(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out: Vec<Value> = Vec::new();
    for x in items(i, &a[0], s)? {
        if out.last() != Some(&x) {
            out.push(x);
        }
    }
    Ok(list(out))
}

fn dedup_by(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    let mut last: Option<Value> = None;
    for x in items(i, &a[0], s)? {
        let k = i.apply(&a[1], vec![x.clone()], s)?;
        if last.as_ref() != Some(&k) {
            out.push(x);
            last = Some(k);
        }
    }
    Ok(list(out))
}

// ---- slicing -----------------------------------------------------------------------------

fn take(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let n = int_arg("Enum.take/2", &a[1], s)?;
    if let (Value::List(l), true) = (&a[0], n >= 0) {
        return Ok(list(l.walk().take(n as usize).collect()));
    }
    let v = items(i, &a[0], s)?;
    Ok(list(if n >= 0 {
        v.into_iter().take(n as usize).collect()
    } else {
        let k = v.len().saturating_sub(n.unsigned_abs() as usize);
        v[k..].to_vec()
    }))
}

fn drop(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let n = int_arg("Enum.drop/2", &a[1], s)?;
    if let (Value::List(l), true) = (&a[0], n >= 0) {
        // The rest of the list, shared: O(1) on a flat list.
        return Ok(Value::List(l.skip(n as usize)));
    }
    let v = items(i, &a[0], s)?;
    Ok(list(if n >= 0 {
        v.into_iter().skip(n as usize).collect()
    } else {
        let k = v.len().saturating_sub(n.unsigned_abs() as usize);
        v[..k].to_vec()
    }))
}

fn take_every(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let n = int_arg("Enum.take_every/2", &a[1], s)?;
    let v = items(i, &a[0], s)?;
    if n <= 0 {
        return Ok(list(vec![]));
    }
    Ok(list(v.into_iter().step_by(n as usize).collect()))
}

fn drop_every(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let n = int_arg("Enum.drop_every/2", &a[1], s)?;
    let v = items(i, &a[0], s)?;
    if n <= 0 {
        return Ok(list(v));
    }
    Ok(list(v.into_iter().enumerate().filter(|(k, _)| *k as i64 % n != 0).map(|(_, x)| x).collect()))
}

fn take_while(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    for x in items(i, &a[0], s)? {
        if !truthy(i, &a[1], x.clone(), s)? {
            break;
        }
        out.push(x);
    }
    Ok(list(out))
}

fn drop_while(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    let mut k = 0;
    while k < v.len() && truthy(i, &a[1], v[k].clone(), s)? {
        k += 1;
    }
    Ok(list(v[k..].to_vec()))
}

fn split(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let n = int_arg("Enum.split/2", &a[1], s)?;
    let v = items(i, &a[0], s)?;
    let k = if n >= 0 { (n as usize).min(v.len()) } else { v.len().saturating_sub(n.unsigned_abs() as usize) };
    Ok(Value::tuple(vec![list(v[..k].to_vec()), list(v[k..].to_vec())]))
}

fn split_while(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    let mut k = 0;
    while k < v.len() && truthy(i, &a[1], v[k].clone(), s)? {
        k += 1;
    }
    Ok(Value::tuple(vec![list(v[..k].to_vec()), list(v[k..].to_vec())]))
}

fn split_with(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let (mut yes, mut no) = (Vec::new(), Vec::new());
    for x in items(i, &a[0], s)? {
        if truthy(i, &a[1], x.clone(), s)? {
            yes.push(x);
        } else {
            no.push(x);
        }
    }
    Ok(Value::tuple(vec![list(yes), list(no)]))
}

/// Resolves `first..last//step` against a length (negative indexes count
/// from the end), as `Enum.slice/2` does.
pub(crate) fn slice_range(len: usize, first: i64, last: i64, step: i64) -> (usize, usize, usize) {
    let len_i = len as i64;
    let f = if first < 0 { (len_i + first).max(0) } else { first };
    let l = if last < 0 { len_i + last } else { last };
    if f >= len_i || l < f || step <= 0 {
        return (0, 0, 1);
    }
    let l = l.min(len_i - 1);
    (f as usize, (l - f + 1) as usize, step as usize)
}

fn slice(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    if a.len() == 3 {
        let start = int_arg("Enum.slice/3", &a[1], s)?;
        let amount = int_arg("Enum.slice/3", &a[2], s)?;
        if amount < 0 {
            return Err(args::arg_error("Enum.slice/3", "a non-negative amount", &a[2], s));
        }
        let st = if start < 0 { (v.len() as i64 + start).max(0) } else { start } as usize;
        if st >= v.len() {
            return Ok(list(vec![]));
        }
        let end = (st + amount as usize).min(v.len());
        return Ok(list(v[st..end].to_vec()));
    }
    match &a[1] {
        Value::Range(first, last, step) => {
            let (st, n, step) = slice_range(v.len(), *first, *last, if *step < 0 && first > last { 1 } else { *step });
            Ok(list(v.into_iter().skip(st).take(n).step_by(step).collect()))
        }
        other => Err(args::arg_error("Enum.slice/2", "a range", other, s)),
    }
}

fn slide(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut v = items(i, &a[0], s)?;
    let len = v.len() as i64;
    let (first, last) = match &a[1] {
        Value::Int(k) => (*k, *k),
        Value::Range(x, y, _) => (*x, *y),
        other => return Err(args::arg_error("Enum.slide/3", "an index or range", other, s)),
    };
    let norm = |k: i64| if k < 0 { len + k } else { k };
    let (first, last) = (norm(first), norm(last));
    let ins = int_arg("Enum.slide/3", &a[2], s)?;
    let ins = norm(ins);
    if first < 0 || last >= len || first > last || ins < 0 || ins > len {
        return Ok(list(v));
    }
    let moved: Vec<Value> = v.drain(first as usize..=last as usize).collect();
    // Moving forward, the block ends at the insertion index.
    let at = if ins > last { ins - (last - first + 1) + 1 } else { ins } as usize;
    let at = at.min(v.len());
    for (k, x) in moved.into_iter().enumerate() {
        v.insert(at + k, x);
    }
    Ok(list(v))
}

fn chunk_every(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    let count = int_arg("Enum.chunk_every/2", &a[1], s)?;
    let step = match a.get(2) {
        Some(x) => int_arg("Enum.chunk_every/3", x, s)?,
        None => count,
    };
    if count <= 0 || step <= 0 {
        return Err(raise("FunctionClauseError", "no function clause matching in Enum.chunk_every/4", s));
    }
    let (count, step) = (count as usize, step as usize);
    let leftover = match a.get(3) {
        None => Some(vec![]),
        Some(Value::Atom(d)) if &**d == "discard" => None,
        Some(l) => Some(items(i, l, s)?),
    };
    let mut out = Vec::new();
    let mut start = 0;
    while start < v.len() {
        let end = start + count;
        if end <= v.len() {
            out.push(list(v[start..end].to_vec()));
        } else {
            if let Some(pad) = &leftover {
                let mut chunk = v[start..].to_vec();
                chunk.extend(pad.iter().take(end - v.len()).cloned());
                out.push(list(chunk));
            }
            break;
        }
        if end >= v.len() {
            break;
        }
        start += step;
    }
    Ok(list(out))
}

fn chunk_by(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    let mut cur: Vec<Value> = Vec::new();
    let mut last: Option<Value> = None;
    for x in items(i, &a[0], s)? {
        let k = i.apply(&a[1], vec![x.clone()], s)?;
        if last.as_ref().is_some_and(|l| *l != k) {
            out.push(list(std::mem::take(&mut cur)));
        }
        cur.push(x);
        last = Some(k);
    }
    if !cur.is_empty() {
        out.push(list(cur));
    }
    Ok(list(out))
}

/// `Stream.transform/3,4` over a finite enumerable: each element gives a
/// list to emit and the next accumulator, or `{:halt, acc}`; with a fourth
/// argument, it is called with the last accumulator at the end.
fn stream_transform(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let items = super::enumerate(i, &a[0], s)?;
    let mut acc = match &a[1] {
        start if a.len() == 4 => i.apply(start, vec![], s)?,
        acc => acc.clone(),
    };
    let fun = &a[2];
    let mut out = Vec::new();
    for x in items {
        let r = i.apply(fun, vec![x, acc.clone()], s)?;
        match r.as_tuple() {
            Some([Value::Atom(h), next]) if &**h == "halt" => {
                acc = next.clone();
                break;
            }
            Some([emit, next]) => {
                out.extend(super::enumerate(i, emit, s)?);
                acc = next.clone();
            }
            _ => {
                return Err(raise(
                    "ArgumentError",
                    format!(
                        "Stream.transform/3 expects the function to return {{enumerable, acc}} or {{:halt, acc}}, got: {}",
                        inspect::inspect(&r)
                    ),
                    s,
                ))
            }
        }
    }
    if let Some(after) = a.get(3) {
        i.apply(after, vec![acc], s)?;
    }
    Ok(Value::list(out))
}

fn chunk_while(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    let mut acc = a[1].clone();
    for x in items(i, &a[0], s)? {
        let r = i.apply(&a[2], vec![x, acc.clone()], s)?;
        match r.as_tuple() {
            Some([Value::Atom(t), chunk, new_acc]) if &**t == "cont" => {
                out.push(chunk.clone());
                acc = new_acc.clone();
            }
            Some([Value::Atom(t), new_acc]) if &**t == "cont" => acc = new_acc.clone(),
            _ => {
                return Err(raise(
                    "ArgumentError",
                    format!("Enum.chunk_while/4 expects {{:cont, chunk, acc}} or {{:cont, acc}}, got: {}", inspect::inspect(&r)),
                    s,
                ))
            }
        }
    }
    let r = i.apply(&a[3], vec![acc], s)?;
    if let Some([Value::Atom(t), chunk, _]) = r.as_tuple() {
        if &**t == "cont" {
            out.push(chunk.clone());
        }
    }
    Ok(list(out))
}

// ---- sorting ---------------------------------------------------------------------------

fn sort(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    Ok(list(sort_values(i, v, a.get(1), s)?))
}

fn sort_by(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let v = items(i, &a[0], s)?;
    let mut keyed = Vec::with_capacity(v.len());
    for x in v {
        let k = i.apply(&a[1], vec![x.clone()], s)?;
        keyed.push(Value::tuple(vec![k, x]));
    }
    let so = match a.get(2) {
        Some(x) => sorter(x, s)?,
        None => Sorter::Asc,
    };
    let key = |t: &Value| t.as_tuple().map(|t| t[0].clone()).unwrap_or(Value::Nil);
    let sorted = merge_sort(i, keyed, &mut |i, x, y| sorter_le(i, &so, &key(x), &key(y), s))?;
    Ok(list(sorted.into_iter().map(|t| t.as_tuple().map(|t| t[1].clone()).unwrap_or(Value::Nil)).collect()))
}

// ---- joining and collecting -----------------------------------------------------------

fn join(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let sep = match a.get(1) {
        Some(x) => args::string("Enum.join/2", x, s)?.to_string(),
        None => String::new(),
    };
    let mut out = String::new();
    for (k, x) in items(i, &a[0], s)?.into_iter().enumerate() {
        if k > 0 {
            out.push_str(&sep);
        }
        out.push_str(&i.to_string_value(&x, s)?);
    }
    Ok(Value::string(out))
}

fn map_join(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let (sep, f) = if a.len() == 3 { (args::string("Enum.map_join/3", &a[1], s)?.to_string(), &a[2]) } else { (String::new(), &a[1]) };
    let mut out = String::new();
    for (k, x) in items(i, &a[0], s)?.into_iter().enumerate() {
        if k > 0 {
            out.push_str(&sep);
        }
        let v = i.apply(f, vec![x], s)?;
        out.push_str(&i.to_string_value(&v, s)?);
    }
    Ok(Value::string(out))
}

/// `Enum.into/2,3` and `for ... into:` (Collectable).
pub(crate) fn collect_into(i: &mut Interp, v: Vec<Value>, target: &Value, s: Span) -> EResult<Value> {
    match target {
        Value::List(l) => {
            let mut out = l.to_vec();
            out.extend(v);
            Ok(list(out))
        }
        Value::Map(m) => {
            let mut m = (**m).clone();
            for x in v {
                match x.as_tuple() {
                    Some([k, val]) => {
                        m.insert(k.clone(), val.clone());
                    }
                    _ => {
                        return Err(raise(
                            "ArgumentError",
                            format!("collecting into a map requires {{key, value}} tuples, got: {}", inspect::inspect(&x)),
                            s,
                        ))
                    }
                }
            }
            Ok(Value::map(m))
        }
        Value::MapSet(set) => {
            let mut set = (**set).clone();
            set.extend(v);
            Ok(Value::MapSet(Rc::new(set)))
        }
        Value::Str(_) | Value::Bytes(_) => {
            let mut out = target.as_bytes().unwrap_or_default().to_vec();
            for x in v {
                match x.as_bytes() {
                    Some(b) => out.extend_from_slice(b),
                    None => {
                        return Err(raise(
                            "ArgumentError",
                            format!("collecting into a binary requires binaries, got: {}", inspect::inspect(&x)),
                            s,
                        ))
                    }
                }
            }
            Ok(Value::binary(&out))
        }
        Value::Struct(st) => {
            let mut st = (**st).clone();
            for x in v {
                if let Some([k, val]) = x.as_tuple() {
                    if let Some(k) = k.as_atom() {
                        st.set(k, val.clone());
                    }
                }
            }
            Ok(Value::Struct(Rc::new(st)))
        }
        other => {
            let _ = i;
            Err(raise(
                "Protocol.UndefinedError",
                format!(
                    "protocol Collectable not implemented for type {}\n\nGot value:\n\n    {}\n",
                    super::value_type(other),
                    inspect::inspect(other)
                ),
                s,
            ))
        }
    }
}

fn into(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut v = items(i, &a[0], s)?;
    if let Some(f) = a.get(2) {
        let mut out = Vec::with_capacity(v.len());
        for x in v {
            out.push(i.apply(f, vec![x], s)?);
        }
        v = out;
    }
    collect_into(i, v, &a[1], s)
}

// ---- zipping ---------------------------------------------------------------------------

fn zip_lists(i: &mut Interp, enums: &[Value], s: Span) -> EResult<Vec<Vec<Value>>> {
    let mut lists = Vec::new();
    for e in enums {
        lists.push(items(i, e, s)?);
    }
    let n = lists.iter().map(|l| l.len()).min().unwrap_or(0);
    Ok((0..n).map(|k| lists.iter().map(|l| l[k].clone()).collect()).collect())
}

fn zip(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let enums = if a.len() == 2 { a } else { items(i, &a[0], s)? };
    Ok(list(zip_lists(i, &enums, s)?.into_iter().map(Value::tuple).collect()))
}

fn zip_with(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let (enums, f) = if a.len() == 3 { (vec![a[0].clone(), a[1].clone()], &a[2]) } else { (items(i, &a[0], s)?, &a[1]) };
    let rows = zip_lists(i, &enums, s)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let r = if a.len() == 3 { i.apply(f, row, s)? } else { i.apply(f, vec![list(row)], s)? };
        out.push(r);
    }
    Ok(list(out))
}

fn zip_reduce(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    if a.len() == 4 {
        let rows = zip_lists(i, &[a[0].clone(), a[1].clone()], s)?;
        let mut acc = a[2].clone();
        for mut row in rows {
            row.push(acc);
            acc = i.apply(&a[3], row, s)?;
        }
        Ok(acc)
    } else {
        let enums = items(i, &a[0], s)?;
        let rows = zip_lists(i, &enums, s)?;
        let mut acc = a[1].clone();
        for row in rows {
            acc = i.apply(&a[2], vec![list(row), acc], s)?;
        }
        Ok(acc)
    }
}

fn unzip(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let (mut l, mut r) = (Vec::new(), Vec::new());
    for x in items(i, &a[0], s)? {
        match x.as_tuple() {
            Some([p, q]) => {
                l.push(p.clone());
                r.push(q.clone());
            }
            _ => return Err(raise("FunctionClauseError", "no function clause matching in Enum.unzip/1", s)),
        }
    }
    Ok(Value::tuple(vec![list(l), list(r)]))
}

// ---- infinite streams (bounded by a following take) ------------------------------------

const STREAM_CAP: usize = 100_000;

fn stream_iterate(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let _ = (i, a);
    Err(raise("ArgumentError", "infinite streams (Stream.iterate/2) are not supported; build a finite list instead", s))
}

fn stream_unfold(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let mut out = Vec::new();
    let mut acc = a[0].clone();
    loop {
        if out.len() >= STREAM_CAP {
            return Err(raise("ArgumentError", "Stream.unfold/2 produced too many elements (infinite streams are not supported)", s));
        }
        let r = i.apply(&a[1], vec![acc.clone()], s)?;
        match r.as_tuple() {
            Some([x, next]) => {
                out.push(x.clone());
                acc = next.clone();
            }
            _ => break,
        }
    }
    Ok(list(out))
}

fn stream_repeatedly(_: &mut Interp, _: Vec<Value>, s: Span) -> EResult<Value> {
    Err(raise("ArgumentError", "infinite streams (Stream.repeatedly/1) are not supported", s))
}

fn stream_cycle(_: &mut Interp, _: Vec<Value>, s: Span) -> EResult<Value> {
    Err(raise("ArgumentError", "infinite streams (Stream.cycle/1) are not supported", s))
}

/// `Enum.sum/1` over already enumerated values.
pub(crate) fn sum_values(_: &mut Interp, v: Vec<Value>, s: Span) -> EResult<Value> {
    let mut acc = Value::Int(0);
    for x in v {
        acc = num_add(&acc, &x, s)?;
    }
    Ok(acc)
}

/// Sorts `{key, value}` tuples by key with a sorter (`:asc`, `:desc`, a
/// function or a module), returning the values.
pub(crate) fn sort_by_key_values(i: &mut Interp, keyed: Vec<Value>, so: &Value, s: Span) -> EResult<Vec<Value>> {
    let so = sorter(so, s)?;
    let key = |t: &Value| t.as_tuple().map(|t| t[0].clone()).unwrap_or(Value::Nil);
    let sorted = merge_sort(i, keyed, &mut |i, x, y| sorter_le(i, &so, &key(x), &key(y), s))?;
    Ok(sorted.into_iter().map(|t| t.as_tuple().map(|t| t[1].clone()).unwrap_or(Value::Nil)).collect())
}
