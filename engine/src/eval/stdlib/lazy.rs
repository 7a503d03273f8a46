//! Lazy streams: `Stream.iterate/unfold/repeatedly/cycle` and the Stream
//! functions applied to them. Finite streams over lists stay eager (the
//! functions in `enum.rs`); a lazy stream is pulled only as far as its
//! consumer needs (`Enum.take/2`, `Enum.find/2`, ...), and read whole with a
//! cap otherwise.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use super::raise;
use crate::diag::Span;
use crate::eval::{Builtins, EResult, Interp, NativeFn};
use crate::value::{inspect, OpaqueValue, Value};

/// Items a lazy stream may produce when it is read whole.
const CAP: usize = 100_000;

#[derive(Clone)]
enum Src {
    Iterate(Value, Value),
    Unfold(Value, Value),
    Repeatedly(Value),
    Cycle(Vec<Value>),
    /// `Stream.resource(start, next, after)`: the accumulator (None until
    /// `start` ran) and the three functions.
    Resource(Option<Value>, Value, Value, Value),
}

#[derive(Clone)]
enum Op {
    Map(Value),
    Filter(Value),
    Reject(Value),
    Take(i64),
    TakeWhile(Value),
    Drop(i64),
    DropWhile(Value),
    WithIndex(Value),
    FlatMap(Value),
    Each(Value),
    Dedup,
    Uniq,
    UniqBy(Value),
    Scan(Option<Value>, Value),
    TakeEvery(i64),
    DropEvery(i64),
    MapEvery(i64, Value),
    ChunkEvery(i64),
}

#[derive(Clone)]
pub struct Lazy {
    src: Src,
    ops: Vec<Op>,
}

impl OpaqueValue for Lazy {
    fn module(&self) -> &str {
        "Stream"
    }
    fn inspect(&self) -> String {
        let (name, args) = match &self.src {
            Src::Iterate(a, f) => ("iterate", vec![a.clone(), f.clone()]),
            Src::Unfold(a, f) => ("unfold", vec![a.clone(), f.clone()]),
            Src::Repeatedly(f) => ("repeatedly", vec![f.clone()]),
            Src::Cycle(l) => ("cycle", vec![Value::list(l.clone())]),
            Src::Resource(_, a, b, c) => ("resource", vec![a.clone(), b.clone(), c.clone()]),
        };
        let funs = Value::list(args);
        format!("#Stream<[enum: #Function<Stream.{name}>, funs: {}]>", inspect::inspect(&funs))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

pub fn as_lazy(v: &Value) -> Option<&Lazy> {
    v.downcast::<Lazy>()
}

fn lazy(src: Src) -> Value {
    Value::Opaque(Rc::new(Lazy { src, ops: vec![] }))
}

fn with_op(l: &Lazy, op: Op) -> Value {
    let mut l = l.clone();
    l.ops.push(op);
    Value::Opaque(Rc::new(l))
}

enum Flow {
    Go,
    Halt,
}

struct Run<'a> {
    ops: Vec<Op>,
    /// Per-op counters (take/drop remaining, index, every-n position).
    counters: Vec<i64>,
    dropping: Vec<bool>,
    last: Vec<Option<Value>>,
    seen: Vec<BTreeSet<Value>>,
    buffers: Vec<Vec<Value>>,
    sink: &'a mut dyn FnMut(&mut Interp, Value) -> EResult<Flow>,
}

impl Run<'_> {
    fn feed(&mut self, i: &mut Interp, idx: usize, item: Value, s: Span) -> EResult<Flow> {
        if idx == self.ops.len() {
            return (self.sink)(i, item);
        }
        let op = self.ops[idx].clone();
        match op {
            Op::Map(f) => {
                let v = i.apply(&f, vec![item], s)?;
                self.feed(i, idx + 1, v, s)
            }
            Op::Filter(f) => {
                if i.apply(&f, vec![item.clone()], s)?.is_truthy() {
                    self.feed(i, idx + 1, item, s)
                } else {
                    Ok(Flow::Go)
                }
            }
            Op::Reject(f) => {
                if i.apply(&f, vec![item.clone()], s)?.is_truthy() {
                    Ok(Flow::Go)
                } else {
                    self.feed(i, idx + 1, item, s)
                }
            }
            Op::Take(_) => {
                if self.counters[idx] <= 0 {
                    return Ok(Flow::Halt);
                }
                self.counters[idx] -= 1;
                let r = self.feed(i, idx + 1, item, s)?;
                Ok(if self.counters[idx] == 0 { Flow::Halt } else { r })
            }
            Op::TakeWhile(f) => {
                if i.apply(&f, vec![item.clone()], s)?.is_truthy() {
                    self.feed(i, idx + 1, item, s)
                } else {
                    Ok(Flow::Halt)
                }
            }
            Op::Drop(_) => {
                if self.counters[idx] > 0 {
                    self.counters[idx] -= 1;
                    return Ok(Flow::Go);
                }
                self.feed(i, idx + 1, item, s)
            }
            Op::DropWhile(f) => {
                if self.dropping[idx] && i.apply(&f, vec![item.clone()], s)?.is_truthy() {
                    return Ok(Flow::Go);
                }
                self.dropping[idx] = false;
                self.feed(i, idx + 1, item, s)
            }
            Op::WithIndex(f) => {
                let n = self.counters[idx];
                self.counters[idx] += 1;
                let v = match &f {
                    Value::Fun(_) => i.apply(&f, vec![item, Value::Int(n)], s)?,
                    _ => Value::tuple(vec![item, Value::Int(n)]),
                };
                self.feed(i, idx + 1, v, s)
            }
            Op::FlatMap(f) => {
                let r = i.apply(&f, vec![item], s)?;
                for x in super::enumerate(i, &r, s)? {
                    if let Flow::Halt = self.feed(i, idx + 1, x, s)? {
                        return Ok(Flow::Halt);
                    }
                }
                Ok(Flow::Go)
            }
            Op::Each(f) => {
                i.apply(&f, vec![item.clone()], s)?;
                self.feed(i, idx + 1, item, s)
            }
            Op::Dedup => {
                if self.last[idx].as_ref() == Some(&item) {
                    return Ok(Flow::Go);
                }
                self.last[idx] = Some(item.clone());
                self.feed(i, idx + 1, item, s)
            }
            Op::Uniq => {
                if !self.seen[idx].insert(item.clone()) {
                    return Ok(Flow::Go);
                }
                self.feed(i, idx + 1, item, s)
            }
            Op::UniqBy(f) => {
                let k = i.apply(&f, vec![item.clone()], s)?;
                if !self.seen[idx].insert(k) {
                    return Ok(Flow::Go);
                }
                self.feed(i, idx + 1, item, s)
            }
            Op::Scan(_, f) => {
                let acc = match self.last[idx].take() {
                    None => item,
                    Some(a) => i.apply(&f, vec![item, a], s)?,
                };
                self.last[idx] = Some(acc.clone());
                self.feed(i, idx + 1, acc, s)
            }
            Op::TakeEvery(n) => {
                let k = self.counters[idx];
                self.counters[idx] += 1;
                if n > 0 && k % n == 0 {
                    self.feed(i, idx + 1, item, s)
                } else {
                    Ok(Flow::Go)
                }
            }
            Op::DropEvery(n) => {
                let k = self.counters[idx];
                self.counters[idx] += 1;
                if n > 0 && k % n == 0 {
                    Ok(Flow::Go)
                } else {
                    self.feed(i, idx + 1, item, s)
                }
            }
            Op::ChunkEvery(n) => {
                self.buffers[idx].push(item);
                if self.buffers[idx].len() as i64 >= n {
                    let chunk = std::mem::take(&mut self.buffers[idx]);
                    return self.feed(i, idx + 1, Value::list(chunk), s);
                }
                Ok(Flow::Go)
            }
            Op::MapEvery(n, f) => {
                let k = self.counters[idx];
                self.counters[idx] += 1;
                let v = if n > 0 && k % n == 0 { i.apply(&f, vec![item], s)? } else { item };
                self.feed(i, idx + 1, v, s)
            }
        }
    }
}

impl Run<'_> {
    /// The source ended: chunks still being filled go downstream.
    fn flush(&mut self, i: &mut Interp, s: Span) -> EResult<()> {
        for idx in 0..self.ops.len() {
            if matches!(self.ops[idx], Op::ChunkEvery(_)) && !self.buffers[idx].is_empty() {
                let chunk = std::mem::take(&mut self.buffers[idx]);
                if let Flow::Halt = self.feed(i, idx + 1, Value::list(chunk), s)? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// Pulls items from the source through the ops into `sink` until the sink
/// or an op halts, the source ends, or `CAP` source items were read.
fn drive(i: &mut Interp, l: &Lazy, s: Span, sink: &mut dyn FnMut(&mut Interp, Value) -> EResult<Flow>) -> EResult<()> {
    let n = l.ops.len();
    let mut counters = vec![0i64; n];
    let mut last: Vec<Option<Value>> = vec![None; n];
    for (k, op) in l.ops.iter().enumerate() {
        match op {
            Op::Take(c) | Op::Drop(c) => counters[k] = *c,
            Op::WithIndex(Value::Int(o)) => counters[k] = *o,
            Op::Scan(Some(acc), _) => last[k] = Some(acc.clone()),
            _ => {}
        }
    }
    let mut run =
        Run { ops: l.ops.clone(), counters, dropping: vec![true; n], last, seen: vec![BTreeSet::new(); n], buffers: vec![vec![]; n], sink };
    let mut src = l.src.clone();
    let mut first = true;
    let mut cycle_ix = 0usize;
    for _ in 0..CAP {
        let item = match &mut src {
            Src::Iterate(cur, f) => {
                if !first {
                    *cur = i.apply(f, vec![cur.clone()], s)?;
                }
                first = false;
                cur.clone()
            }
            Src::Resource(acc, start, next, after) => {
                let cur = match acc.take() {
                    Some(a) => a,
                    None => i.apply(start, vec![], s)?,
                };
                let r = i.apply(next, vec![cur.clone()], s)?;
                let (items, new_acc) = match r.as_tuple() {
                    Some([Value::Atom(h), a]) if &**h == "halt" => {
                        i.apply(after, vec![a.clone()], s)?;
                        return run.flush(i, s);
                    }
                    Some([items, a]) => (super::enumerate(i, items, s)?, a.clone()),
                    _ => {
                        return Err(raise("CaseClauseError", format!("no case clause matching: {}", crate::value::inspect::inspect(&r)), s))
                    }
                };
                *acc = Some(new_acc.clone());
                for item in items {
                    if let Flow::Halt = run.feed(i, 0, item, s)? {
                        i.apply(after, vec![new_acc.clone()], s)?;
                        return Ok(());
                    }
                }
                continue;
            }
            Src::Unfold(acc, f) => match i.apply(f, vec![acc.clone()], s)? {
                Value::Tuple(t) if t.len() == 2 => {
                    *acc = t[1].clone();
                    t[0].clone()
                }
                _ => return run.flush(i, s),
            },
            Src::Repeatedly(f) => i.apply(f, vec![], s)?,
            Src::Cycle(items) => {
                if items.is_empty() {
                    return run.flush(i, s);
                }
                let v = items[cycle_ix % items.len()].clone();
                cycle_ix += 1;
                v
            }
        };
        if let Flow::Halt = run.feed(i, 0, item, s)? {
            return Ok(());
        }
    }
    Err(raise("ArgumentError", "this stream does not end: only a bounded part of an infinite stream can be read", s))
}

/// All the items of a lazy stream (which must end).
pub fn to_vec(i: &mut Interp, l: &Lazy, s: Span) -> EResult<Vec<Value>> {
    let mut out = Vec::new();
    drive(i, l, s, &mut |_, v| {
        out.push(v);
        Ok(Flow::Go)
    })?;
    Ok(out)
}

/// The first `n` items.
fn take(i: &mut Interp, l: &Lazy, n: usize, s: Span) -> EResult<Vec<Value>> {
    let mut out = Vec::new();
    if n == 0 {
        return Ok(out);
    }
    drive(i, l, s, &mut |_, v| {
        out.push(v);
        Ok(if out.len() >= n { Flow::Halt } else { Flow::Go })
    })?;
    Ok(out)
}

thread_local! {
    static ORIGINAL: RefCell<HashMap<(&'static str, &'static str), NativeFn>> = RefCell::new(HashMap::new());
}

fn original(i: &mut Interp, module: &'static str, name: &'static str, a: Vec<Value>, s: Span) -> EResult<Value> {
    match ORIGINAL.with(|o| o.borrow().get(&(module, name)).copied()) {
        Some(f) => f(i, a, s),
        None => Err(raise("UndefinedFunctionError", format!("function {module}.{name}/{} is undefined", a.len()), s)),
    }
}

/// Wraps `module.name`: lazy first arguments go to `lazy_fn`, others to the
/// function registered before.
fn wrap(b: &mut Builtins, module: &'static str, name: &'static str, arities: &[usize], lazy_fn: NativeFn) {
    if let Some(f) = arities.iter().find_map(|a| b.function(module, name, *a)) {
        ORIGINAL.with(|o| o.borrow_mut().insert((module, name), f));
    }
    b.add(module, name, arities, lazy_fn);
}

fn int(v: &Value, fun: &str, s: Span) -> EResult<i64> {
    v.as_int().ok_or_else(|| raise("FunctionClauseError", format!("no function clause matching in {fun}"), s))
}

macro_rules! stream_op {
    ($b:expr, $name:literal, $ar:expr, |$l:ident, $a:ident, $s:ident| $op:expr) => {
        wrap($b, "Stream", $name, $ar, |i, $a, $s| match as_lazy(&$a[0]) {
            Some($l) => Ok(with_op($l, $op)),
            None => original(i, "Stream", $name, $a, $s),
        });
    };
}

pub fn register(b: &mut Builtins) {
    b.add("Stream", "iterate", &[2], |_, a, _| Ok(lazy(Src::Iterate(a[0].clone(), a[1].clone()))));
    b.add("Stream", "unfold", &[2], |_, a, _| Ok(lazy(Src::Unfold(a[0].clone(), a[1].clone()))));
    b.add("Stream", "repeatedly", &[1], |_, a, _| Ok(lazy(Src::Repeatedly(a[0].clone()))));
    b.add("Stream", "resource", &[3], |_, a, _| Ok(lazy(Src::Resource(None, a[0].clone(), a[1].clone(), a[2].clone()))));
    b.add("Stream", "cycle", &[1], |i, a, s| {
        let items = super::enumerate(i, &a[0], s)?;
        if items.is_empty() {
            return Err(raise("FunctionClauseError", "no function clause matching in Stream.cycle/1", s));
        }
        Ok(lazy(Src::Cycle(items)))
    });
    stream_op!(b, "map", &[2], |l, a, _s| Op::Map(a[1].clone()));
    stream_op!(b, "filter", &[2], |l, a, _s| Op::Filter(a[1].clone()));
    stream_op!(b, "reject", &[2], |l, a, _s| Op::Reject(a[1].clone()));
    stream_op!(b, "take", &[2], |l, a, s| Op::Take(int(&a[1], "Stream.take/2", s)?.max(0)));
    stream_op!(b, "take_while", &[2], |l, a, _s| Op::TakeWhile(a[1].clone()));
    stream_op!(b, "drop", &[2], |l, a, s| Op::Drop(int(&a[1], "Stream.drop/2", s)?.max(0)));
    stream_op!(b, "drop_while", &[2], |l, a, _s| Op::DropWhile(a[1].clone()));
    stream_op!(b, "with_index", &[1, 2], |l, a, _s| Op::WithIndex(a.get(1).cloned().unwrap_or(Value::Int(0))));
    stream_op!(b, "flat_map", &[2], |l, a, _s| Op::FlatMap(a[1].clone()));
    stream_op!(b, "each", &[2], |l, a, _s| Op::Each(a[1].clone()));
    stream_op!(b, "dedup", &[1], |l, a, _s| Op::Dedup);
    stream_op!(b, "uniq", &[1], |l, a, _s| Op::Uniq);
    stream_op!(b, "uniq_by", &[2], |l, a, _s| Op::UniqBy(a[1].clone()));
    stream_op!(b, "take_every", &[2], |l, a, s| Op::TakeEvery(int(&a[1], "Stream.take_every/2", s)?));
    stream_op!(b, "drop_every", &[2], |l, a, s| Op::DropEvery(int(&a[1], "Stream.drop_every/2", s)?));
    wrap(b, "Stream", "chunk_every", &[2, 3, 4], |i, a, s| match as_lazy(&a[0]) {
        Some(l) if a.len() == 2 || (a.len() == 3 && a[1] == a[2]) => {
            Ok(with_op(l, Op::ChunkEvery(int(&a[1], "Stream.chunk_every/2", s)?.max(1))))
        }
        _ => original(i, "Stream", "chunk_every", a, s),
    });
    stream_op!(b, "map_every", &[3], |l, a, s| Op::MapEvery(int(&a[1], "Stream.map_every/3", s)?, a[2].clone()));
    wrap(b, "Stream", "scan", &[2, 3], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => Ok(with_op(l, if a.len() == 3 { Op::Scan(Some(a[1].clone()), a[2].clone()) } else { Op::Scan(None, a[1].clone()) })),
        None => original(i, "Stream", "scan", a, s),
    });
    wrap(b, "Stream", "run", &[1], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => {
            to_vec(i, l, s)?;
            Ok(Value::atom("ok"))
        }
        None => original(i, "Stream", "run", a, s),
    });

    // Enum functions that stop early.
    wrap(b, "Enum", "take", &[2], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => {
            let n = int(&a[1], "Enum.take/2", s)?;
            if n < 0 {
                let all = to_vec(i, l, s)?;
                let k = all.len().saturating_sub(n.unsigned_abs() as usize);
                return Ok(Value::list(all[k..].to_vec()));
            }
            Ok(Value::list(take(i, l, n as usize, s)?))
        }
        None => original(i, "Enum", "take", a, s),
    });
    wrap(b, "Enum", "take_while", &[2], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => to_vec(i, &take_while(l, &a[1]), s).map(Value::list),
        None => original(i, "Enum", "take_while", a, s),
    });
    wrap(b, "Enum", "at", &[2, 3], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => {
            let n = int(&a[1], "Enum.at/3", s)?;
            let got = if n >= 0 { take(i, l, n as usize + 1, s)? } else { to_vec(i, l, s)? };
            let ix = if n >= 0 { n } else { got.len() as i64 + n };
            Ok(if ix >= 0 && (ix as usize) < got.len() { got[ix as usize].clone() } else { a.get(2).cloned().unwrap_or(Value::Nil) })
        }
        None => original(i, "Enum", "at", a, s),
    });
    wrap(b, "Enum", "fetch", &[2], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => {
            let n = int(&a[1], "Enum.fetch/2", s)?.max(0) as usize;
            let got = take(i, l, n + 1, s)?;
            Ok(match got.get(n) {
                Some(v) => Value::tuple(vec![Value::atom("ok"), v.clone()]),
                None => Value::atom("error"),
            })
        }
        None => original(i, "Enum", "fetch", a, s),
    });
    wrap(b, "Enum", "find", &[2, 3], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => {
            let (default, f) = if a.len() == 3 { (a[1].clone(), a[2].clone()) } else { (Value::Nil, a[1].clone()) };
            let mut found = None;
            drive(i, l, s, &mut |i, v| {
                if i.apply(&f, vec![v.clone()], s)?.is_truthy() {
                    found = Some(v);
                    return Ok(Flow::Halt);
                }
                Ok(Flow::Go)
            })?;
            Ok(found.unwrap_or(default))
        }
        None => original(i, "Enum", "find", a, s),
    });
    wrap(b, "Enum", "find_value", &[2, 3], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => {
            let (default, f) = if a.len() == 3 { (a[1].clone(), a[2].clone()) } else { (Value::Nil, a[1].clone()) };
            let mut found = None;
            drive(i, l, s, &mut |i, v| {
                let r = i.apply(&f, vec![v], s)?;
                if r.is_truthy() {
                    found = Some(r);
                    return Ok(Flow::Halt);
                }
                Ok(Flow::Go)
            })?;
            Ok(found.unwrap_or(default))
        }
        None => original(i, "Enum", "find_value", a, s),
    });
    wrap(b, "Enum", "find_index", &[2], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => {
            let mut k = 0i64;
            let mut found = None;
            drive(i, l, s, &mut |i, v| {
                if i.apply(&a[1], vec![v], s)?.is_truthy() {
                    found = Some(k);
                    return Ok(Flow::Halt);
                }
                k += 1;
                Ok(Flow::Go)
            })?;
            Ok(found.map(Value::Int).unwrap_or(Value::Nil))
        }
        None => original(i, "Enum", "find_index", a, s),
    });
    wrap(b, "Enum", "any?", &[1, 2], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => {
            let mut hit = false;
            drive(i, l, s, &mut |i, v| {
                let t = match a.get(1) {
                    Some(f) => i.apply(f, vec![v], s)?.is_truthy(),
                    None => v.is_truthy(),
                };
                hit = t;
                Ok(if t { Flow::Halt } else { Flow::Go })
            })?;
            Ok(Value::Bool(hit))
        }
        None => original(i, "Enum", "any?", a, s),
    });
    wrap(b, "Enum", "all?", &[1, 2], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => {
            let mut ok = true;
            drive(i, l, s, &mut |i, v| {
                let t = match a.get(1) {
                    Some(f) => i.apply(f, vec![v], s)?.is_truthy(),
                    None => v.is_truthy(),
                };
                ok = t;
                Ok(if t { Flow::Go } else { Flow::Halt })
            })?;
            Ok(Value::Bool(ok))
        }
        None => original(i, "Enum", "all?", a, s),
    });
    wrap(b, "Enum", "member?", &[2], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => {
            let mut hit = false;
            drive(i, l, s, &mut |_, v| {
                hit = v == a[1];
                Ok(if hit { Flow::Halt } else { Flow::Go })
            })?;
            Ok(Value::Bool(hit))
        }
        None => original(i, "Enum", "member?", a, s),
    });
    wrap(b, "Enum", "reduce_while", &[3], |i, a, s| match as_lazy(&a[0]) {
        Some(l) => {
            let mut acc = a[1].clone();
            drive(i, l, s, &mut |i, v| {
                let r = i.apply(&a[2], vec![v, acc.clone()], s)?;
                match r.as_tuple() {
                    Some([tag, next]) if tag.as_atom() == Some("cont") => {
                        acc = next.clone();
                        Ok(Flow::Go)
                    }
                    Some([tag, next]) if tag.as_atom() == Some("halt") => {
                        acc = next.clone();
                        Ok(Flow::Halt)
                    }
                    _ => Err(raise("CaseClauseError", format!("no case clause matching: {}", inspect::inspect(&r)), s)),
                }
            })?;
            Ok(acc)
        }
        None => original(i, "Enum", "reduce_while", a, s),
    });
    for module in ["Enum", "Stream"] {
        wrap(b, module, "zip", &[1, 2], zip);
    }
}

fn take_while(l: &Lazy, f: &Value) -> Lazy {
    let mut l = l.clone();
    l.ops.push(Op::TakeWhile(f.clone()));
    l
}

/// `Enum.zip/2` and `Stream.zip/2` with lazy sides: as long as the shortest finite side.
fn zip(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let sides: Vec<Value> = match a.as_slice() {
        [x, y] => vec![x.clone(), y.clone()],
        [l] if !l.as_list().is_some_and(|l| l.iter().any(|x| as_lazy(x).is_some())) => {
            let module = if a.len() == 1 { "Enum" } else { "Stream" };
            return original(i, module, "zip", a, s);
        }
        [l] => l.as_list().map(|l| l.to_vec()).unwrap_or_default(),
        _ => vec![],
    };
    if !sides.iter().any(|x| as_lazy(x).is_some()) {
        return original(i, "Enum", "zip", a, s);
    }
    let finite: Vec<usize> =
        sides.iter().filter(|x| as_lazy(x).is_none()).map(|x| super::enumerate(i, x, s).map(|v| v.len())).collect::<EResult<_>>()?;
    let n = finite.into_iter().min();
    let mut cols = Vec::new();
    for x in &sides {
        cols.push(match (as_lazy(x), n) {
            (Some(l), Some(n)) => take(i, l, n, s)?,
            (Some(l), None) => to_vec(i, l, s)?,
            (None, _) => super::enumerate(i, x, s)?,
        });
    }
    let len = cols.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Value::list((0..len).map(|k| Value::tuple(cols.iter().map(|c| c[k].clone()).collect())).collect()))
}
