//! The evaluator's universe of values.
//!
//! Values are immutable and cheap to clone (reference counted). Equality and
//! ordering follow Erlang's term order, so maps iterate in the order
//! `inspect` prints them. `nil`, `true` and `false` have their own variants
//! but order and compare as the atoms they are.

pub mod bigint;
pub mod calendar;
pub mod decimal;
pub mod inspect;
pub mod json;
pub mod list;
pub mod map;
mod pretty;
pub mod quoted;

use std::any::Any;
use std::cmp::Ordering;
use std::fmt;
use std::rc::Rc;

pub use calendar::{Date, DateTime, NaiveDateTime, Time};
pub use decimal::Decimal;
pub use list::List;

use crate::syntax::ast::{Clause, Node};

pub type Atom = Rc<str>;
/// Maps: a sorted array up to 32 keys, a persistent tree beyond (see
/// `map.rs`), keys in term order either way.
pub use map::MapT;
/// MapSets: persistent ordered sets, as [`MapT`].
pub type SetT = imbl::GenericOrdSet<Value, imbl::shared_ptr::RcK>;

#[derive(Clone)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    /// An integer outside i64 (only ever produced when a result does not fit).
    BigInt(Rc<bigint::BigInt>),
    Float(f64),
    Atom(Atom),
    /// A binary that is valid UTF-8 (an Elixir string).
    Str(Rc<str>),
    /// A binary that is not valid UTF-8. Construct through [`Value::binary`]
    /// so that valid UTF-8 always becomes `Str`.
    Bytes(Rc<[u8]>),
    /// A bitstring whose length is not a whole number of bytes
    /// (`<<1::3>>`). Construct through [`Value::bitstring`].
    Bits(Rc<Bits>),
    /// A proper list: O(1) `[h | t]`, `tl/1` and `[x | list]` (see [`List`]).
    List(List),
    /// `[a, b | tail]` where tail is not a list.
    Improper(Rc<(Vec<Value>, Value)>),
    Tuple(Rc<Vec<Value>>),
    Map(Rc<MapT>),
    Struct(Rc<Struct>),
    Decimal(Rc<Decimal>),
    Date(Date),
    Time(Time),
    NaiveDateTime(NaiveDateTime),
    DateTime(DateTime),
    /// `first..last//step`
    Range(i64, i64, i64),
    MapSet(Rc<SetT>),
    Regex(Rc<Regex>),
    Fun(Rc<Function>),
    /// `quote(do: expr)`: the unevaluated expression.
    Quoted(Rc<Node>),
    /// Values owned by engine modules (queries, dynamics, multis, ...).
    Opaque(Rc<dyn OpaqueValue>),
}

/// A struct: its module (an alias atom such as `Elixir.Blog.User`) and its
/// fields in definition order (`__struct__` is not stored).
/// The bits of a bitstring that is not a binary: `len` bits, the first in
/// the high bit of `bytes[0]`; the unused low bits of the last byte are 0.
#[derive(Clone, Debug, PartialEq)]
pub struct Bits {
    pub bytes: Vec<u8>,
    pub len: usize,
}

impl Bits {
    /// Bits `from..from + n` of `data` (`len` bits long) as a bitstring value.
    pub fn slice(data: &[u8], from: usize, n: usize) -> Value {
        if from.is_multiple_of(8) && n.is_multiple_of(8) {
            return Value::binary(&data[from / 8..(from + n) / 8]);
        }
        let mut out = vec![0u8; n.div_ceil(8)];
        for k in 0..n {
            let bit = (data[(from + k) / 8] >> (7 - (from + k) % 8)) & 1;
            out[k / 8] |= bit << (7 - k % 8);
        }
        Value::bitstring(out, n)
    }

    /// Bits `from..from + n` (n ≤ 64) of `data` as an unsigned integer.
    pub fn read(data: &[u8], from: usize, n: usize) -> u64 {
        if from.is_multiple_of(8) && n.is_multiple_of(8) {
            return data[from / 8..(from + n) / 8].iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
        }
        let mut v = 0u64;
        for k in from..from + n {
            v = (v << 1) | ((data[k / 8] >> (7 - k % 8)) & 1) as u64;
        }
        v
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Struct {
    pub module: Atom,
    pub fields: Vec<(Atom, Value)>,
}

impl Struct {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    pub fn set(&mut self, key: &str, value: Value) -> bool {
        match self.fields.iter_mut().find(|(k, _)| &**k == key) {
            Some(slot) => {
                slot.1 = value;
                true
            }
            None => false,
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.fields.iter().any(|(k, _)| &**k == key)
    }

    /// Marks the struct as an exception: `defexception` defines
    /// `__exception__: true` as the first field of every exception struct.
    pub fn mark_exception(&mut self) {
        if !self.has("__exception__") {
            self.fields.insert(0, (std::rc::Rc::from("__exception__"), Value::Bool(true)));
        }
    }

    /// The exception struct `module` with `fields` (marked as an exception).
    pub fn exception(module: &str, fields: Vec<(&str, Value)>) -> Struct {
        let mut st =
            Struct { module: std::rc::Rc::from(module), fields: fields.into_iter().map(|(k, v)| (std::rc::Rc::from(k), v)).collect() };
        st.mark_exception();
        st
    }

    /// The module name as written in Elixir source (`Blog.User`).
    pub fn name(&self) -> &str {
        alias_name(&self.module)
    }
}

#[derive(Debug)]
pub struct Regex {
    pub source: String,
    pub opts: String,
    pub compiled: Option<regex::Regex>,
}

impl Regex {
    /// The `:re` options the modifiers stand for, as `Regex.opts/1` gives
    /// them: each modifier's options are prepended in turn (`"iu"` is
    /// `[:unicode, :ucp, :caseless]`).
    pub fn opts_list(&self) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        for c in self.opts.chars() {
            let add: Vec<Value> = match c {
                'u' => vec![Value::atom("unicode"), Value::atom("ucp")],
                'i' => vec![Value::atom("caseless")],
                'x' => vec![Value::atom("extended")],
                'f' => vec![Value::atom("firstline")],
                'U' => vec![Value::atom("ungreedy")],
                's' => vec![Value::atom("dotall"), Value::tuple(vec![Value::atom("newline"), Value::atom("anycrlf")])],
                'm' => vec![Value::atom("multiline")],
                _ => continue,
            };
            out.splice(0..0, add);
        }
        out
    }
}

/// A function value.
pub enum Function {
    /// `fn ... end` with its captured variables.
    Closure { clauses: Rc<Vec<Clause>>, env: Rc<crate::eval::Env>, arity: usize },
    /// `&Mod.fun/arity` or `&fun/arity` (module resolved at capture time).
    Named { module: Atom, name: Atom, arity: usize },
    /// A built-in function implemented in Rust (e.g. returned by the stdlib).
    Native { name: &'static str, arity: usize, f: Rc<dyn Fn(&mut crate::eval::Interp, Vec<Value>) -> crate::eval::EResult<Value>> },
}

impl Function {
    pub fn arity(&self) -> usize {
        match self {
            Function::Closure { arity, .. } | Function::Named { arity, .. } | Function::Native { arity, .. } => *arity,
        }
    }
}

/// Engine values that are not plain Elixir terms (queries, dynamics, ...).
pub trait OpaqueValue: Any {
    /// The module name shown by `inspect` and used for `is_struct`/pattern
    /// matching (`Ecto.Query`).
    fn module(&self) -> &str;
    /// The `inspect` rendering (`#Ecto.Query<from p0 in Post>`).
    fn inspect(&self) -> String;
    fn as_any(&self) -> &dyn Any;
    /// A copy with struct field `key` set (`%{q | prefix: "p"}`,
    /// `Map.put/3`), for opaque values that are structs in Elixir; `None`
    /// when the value has no such settable field.
    fn put_field(&self, _key: &str, _value: &Value) -> Option<Value> {
        None
    }
    /// Struct field `key` (`q.prefix`, `%Ecto.Query{prefix: p} = q`), for
    /// opaque values that are structs in Elixir; `None` when not shown.
    fn get_field(&self, _key: &str) -> Option<Value> {
        None
    }
    /// Structural equality with another opaque value of the same module.
    fn equals(&self, other: &dyn OpaqueValue) -> bool {
        std::ptr::eq(self.as_any() as *const dyn Any as *const u8, other.as_any() as *const dyn Any as *const u8)
    }
}

/// Strip the `Elixir.` prefix of an alias atom.
pub fn alias_name(atom: &str) -> &str {
    atom.strip_prefix("Elixir.").unwrap_or(atom)
}

impl Value {
    /// An integer result: `Int` when it fits in an i64.
    pub fn from_bigint(b: bigint::BigInt) -> Value {
        match b.to_i64() {
            Some(i) => Value::Int(i),
            None => Value::BigInt(Rc::new(b)),
        }
    }

    /// The integer an integral float (the result of `trunc`, `round`,
    /// `floor` or `ceil` of a finite float) stands for, exactly: beyond
    /// i64 as a big integer, as the BEAM gives it.
    pub fn integral_float(f: f64) -> Value {
        if f.abs() < 9.0e18 {
            return Value::Int(f as i64);
        }
        // |f| >= 2^53: mantissa × 2^exponent with exponent >= 0.
        let bits = f.to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as i64 - 1075;
        let mantissa = ((bits & ((1u64 << 52) - 1)) | (1u64 << 52)) as i128;
        let big = bigint::BigInt::from_i128(mantissa).mul(&bigint::BigInt::from_i64(2).pow(exponent.max(0) as u64));
        Value::from_bigint(if f < 0.0 { big.neg() } else { big })
    }

    /// Any integer as a BigInt.
    pub fn as_bigint(&self) -> Option<bigint::BigInt> {
        match self {
            Value::Int(i) => Some(bigint::BigInt::from_i64(*i)),
            Value::BigInt(b) => Some((**b).clone()),
            _ => None,
        }
    }

    pub fn atom(s: &str) -> Value {
        match s {
            "nil" => Value::Nil,
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::Atom(Rc::from(s)),
        }
    }

    /// The atom for a module written `Blog.User` in source.
    pub fn module(name: &str) -> Value {
        if name.starts_with("Elixir.") || name.starts_with(|c: char| c.is_ascii_lowercase()) {
            Value::Atom(Rc::from(name))
        } else {
            Value::Atom(Rc::from(format!("Elixir.{name}").as_str()))
        }
    }

    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn string(s: String) -> Value {
        Value::Str(Rc::from(s.as_str()))
    }

    /// A bitstring of `len` bits (`bytes` holds them from the high bit on):
    /// a binary when `len` is a multiple of 8.
    pub fn bitstring(mut bytes: Vec<u8>, len: usize) -> Value {
        bytes.truncate(len.div_ceil(8));
        if len.is_multiple_of(8) {
            return Value::binary(&bytes);
        }
        if let Some(last) = bytes.last_mut() {
            *last &= 0xFFu8 << (8 - len % 8);
        }
        Value::Bits(Rc::new(Bits { bytes, len }))
    }

    /// The bytes and the length in bits of any bitstring.
    pub fn as_bits(&self) -> Option<(&[u8], usize)> {
        match self {
            Value::Bits(b) => Some((&b.bytes, b.len)),
            other => other.as_bytes().map(|b| (b, b.len() * 8)),
        }
    }

    /// A binary from bytes: `Str` when valid UTF-8, `Bytes` otherwise.
    pub fn binary(bytes: &[u8]) -> Value {
        match std::str::from_utf8(bytes) {
            Ok(s) => Value::str(s),
            Err(_) => Value::Bytes(Rc::from(bytes)),
        }
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(List::from(items))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(items))
    }

    pub fn map(m: MapT) -> Value {
        Value::Map(Rc::new(m))
    }

    pub fn ok(v: Value) -> Value {
        Value::tuple(vec![Value::atom("ok"), v])
    }

    pub fn error(v: Value) -> Value {
        Value::tuple(vec![Value::atom("error"), v])
    }

    /// A keyword list from (key, value) pairs.
    pub fn keyword(pairs: Vec<(&str, Value)>) -> Value {
        Value::list(pairs.into_iter().map(|(k, v)| Value::tuple(vec![Value::atom(k), v])).collect())
    }

    pub fn is_truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }

    pub fn as_atom(&self) -> Option<&str> {
        match self {
            Value::Atom(a) => Some(a),
            Value::Nil => Some("nil"),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            _ => None,
        }
    }

    pub fn is_atom(&self) -> bool {
        self.as_atom().is_some()
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Bytes of any binary.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Str(s) => Some(s.as_bytes()),
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    pub fn is_binary(&self) -> bool {
        matches!(self, Value::Str(_) | Value::Bytes(_))
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l.as_slice()),
            _ => None,
        }
    }

    pub fn as_tuple(&self) -> Option<&[Value]> {
        match self {
            Value::Tuple(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&MapT> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_struct(&self) -> Option<&Struct> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// The struct's module name without `Elixir.` (`"Ecto.Changeset"`), also
    /// for the built-in struct-like values.
    pub fn struct_name(&self) -> Option<&str> {
        Some(match self {
            Value::Struct(s) => s.name(),
            Value::Decimal(_) => "Decimal",
            Value::Date(_) => "Date",
            Value::Time(_) => "Time",
            Value::NaiveDateTime(_) => "NaiveDateTime",
            Value::DateTime(_) => "DateTime",
            Value::Range(..) => "Range",
            Value::MapSet(_) => "MapSet",
            Value::Regex(_) => "Regex",
            Value::Opaque(o) => o.module(),
            _ => return None,
        })
    }

    pub fn downcast<T: 'static>(&self) -> Option<&T> {
        match self {
            Value::Opaque(o) => o.as_any().downcast_ref::<T>(),
            _ => None,
        }
    }

    /// `[{atom, value}]` view of a keyword list.
    pub fn as_keyword(&self) -> Option<Vec<(&str, &Value)>> {
        let items = self.as_list()?;
        items
            .iter()
            .map(|item| match item.as_tuple() {
                Some([k, v]) => k.as_atom().map(|k| (k, v)),
                _ => None,
            })
            .collect()
    }

    /// The value under `key` in a keyword list (first occurrence).
    pub fn keyword_get(&self, key: &str) -> Option<&Value> {
        self.as_list()?.iter().find_map(|item| match item.as_tuple() {
            Some([k, v]) if k.as_atom() == Some(key) => Some(v),
            _ => None,
        })
    }

    /// Map or struct field lookup by atom key.
    pub fn get_field(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m.get(&Value::atom(key)),
            Value::Struct(s) => s.get(key),
            _ => None,
        }
    }

    /// Rank of the value's type in Erlang's term order:
    /// number < atom < reference < fun < port < pid < tuple < map < list < bitstring.
    fn type_rank(&self) -> u8 {
        match self {
            Value::Int(_) | Value::BigInt(_) | Value::Float(_) => 0,
            Value::Nil | Value::Bool(_) | Value::Atom(_) => 1,
            Value::Fun(_) => 3,
            Value::Tuple(_) => 6,
            Value::Map(_)
            | Value::Struct(_)
            | Value::Decimal(_)
            | Value::Date(_)
            | Value::Time(_)
            | Value::NaiveDateTime(_)
            | Value::DateTime(_)
            | Value::Range(..)
            | Value::MapSet(_)
            | Value::Regex(_)
            | Value::Opaque(_)
            | Value::Quoted(_) => 7,
            Value::List(_) | Value::Improper(_) => 8,
            Value::Str(_) | Value::Bytes(_) | Value::Bits(_) => 9,
        }
    }

    /// Erlang's `==` (numbers compare by value: `1 == 1.0`).
    pub fn loose_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => (*a as f64) == *b,
            (Value::BigInt(a), Value::Float(b)) | (Value::Float(b), Value::BigInt(a)) => a.to_f64() == *b,
            _ => self == other,
        }
    }

    /// Term order comparison where `1 == 1.0` (used by `<`, `>`, `Enum.sort`).
    pub fn compare(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::BigInt(a), Value::Float(b)) => a.to_f64().partial_cmp(b).unwrap_or(Ordering::Equal),
            (Value::Float(a), Value::BigInt(b)) => a.partial_cmp(&b.to_f64()).unwrap_or(Ordering::Equal),
            (Value::Int(a), Value::Float(b)) => (*a as f64).partial_cmp(b).unwrap_or(Ordering::Equal),
            (Value::Float(a), Value::Int(b)) => a.partial_cmp(&(*b as f64)).unwrap_or(Ordering::Equal),
            _ => self.cmp(other),
        }
    }

    /// Converts a struct-like built-in value to its plain struct form
    /// (used by pattern matching and `Map` functions on e.g. `%Date{}`).
    pub fn struct_fields(&self) -> Option<Vec<(Atom, Value)>> {
        let f = |k: &str, v: Value| (Rc::from(k), v);
        Some(match self {
            Value::Struct(s) => s.fields.clone(),
            Value::Date(d) => vec![
                f("calendar", Value::module("Calendar.ISO")),
                f("day", Value::Int(d.day as i64)),
                f("month", Value::Int(d.month as i64)),
                f("year", Value::Int(d.year as i64)),
            ],
            Value::Range(a, b, s) => vec![f("first", Value::Int(*a)), f("last", Value::Int(*b)), f("step", Value::Int(*s))],
            _ => return None,
        })
    }
}

fn struct_key(v: &Value) -> Option<(&str, Vec<(Atom, Value)>)> {
    let name = v.struct_name()?;
    Some((name, v.struct_fields().unwrap_or_default()))
}

/// Bitstrings compare bit by bit; a prefix sorts first.
fn compare_bits(a: Option<(&[u8], usize)>, b: Option<(&[u8], usize)>) -> Ordering {
    let (Some((a, alen)), Some((b, blen))) = (a, b) else { return Ordering::Equal };
    let n = alen.min(blen);
    let whole = n / 8;
    a[..whole].cmp(&b[..whole]).then_with(|| {
        let rest = n % 8;
        let mask = if rest == 0 { 0 } else { 0xFFu8 << (8 - rest) };
        let (x, y) = (a.get(whole).map_or(0, |v| v & mask), b.get(whole).map_or(0, |v| v & mask));
        x.cmp(&y).then(alen.cmp(&blen))
    })
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Strict term order (`===`): `1` and `1.0` differ (integers sort first on ties).
impl Ord for Value {
    fn cmp(&self, other: &Value) -> Ordering {
        use Value::*;
        let (ra, rb) = (self.type_rank(), other.type_rank());
        if ra != rb {
            return ra.cmp(&rb);
        }
        match (self, other) {
            (Int(a), Int(b)) => a.cmp(b),
            (Float(a), Float(b)) => a.total_cmp(b),
            (BigInt(a), BigInt(b)) => a.cmp(b),
            (BigInt(a), Int(b)) => (**a).cmp(&bigint::BigInt::from_i64(*b)),
            (Int(a), BigInt(b)) => bigint::BigInt::from_i64(*a).cmp(b),
            (BigInt(a), Float(b)) => a.to_f64().partial_cmp(b).unwrap_or(Ordering::Equal).then(Ordering::Less),
            (Float(a), BigInt(b)) => a.partial_cmp(&b.to_f64()).unwrap_or(Ordering::Equal).then(Ordering::Greater),
            (Int(a), Float(b)) => (*a as f64).partial_cmp(b).unwrap_or(Ordering::Equal).then(Ordering::Less),
            (Float(a), Int(b)) => a.partial_cmp(&(*b as f64)).unwrap_or(Ordering::Equal).then(Ordering::Greater),
            (a, b) if ra == 1 => a.as_atom().cmp(&b.as_atom()),
            (Str(_) | Bytes(_), Str(_) | Bytes(_)) => self.as_bytes().cmp(&other.as_bytes()),
            (Str(_) | Bytes(_) | Bits(_), _) => compare_bits(self.as_bits(), other.as_bits()),
            (Tuple(a), Tuple(b)) => a.len().cmp(&b.len()).then_with(|| a.iter().cmp(b.iter())),
            (List(a), List(b)) => match (a.flat_slice(), b.flat_slice()) {
                _ if a.ptr_eq(b) => Ordering::Equal,
                (Some(x), Some(y)) => x.iter().cmp(y.iter()),
                _ => a.walk().cmp(b.walk()),
            },
            (List(a), Improper(b)) => cmp_improper(a, None, &b.0, Some(&b.1)),
            (Improper(a), List(b)) => cmp_improper(&a.0, Some(&a.1), b, None),
            (Improper(a), Improper(b)) => cmp_improper(&a.0, Some(&a.1), &b.0, Some(&b.1)),
            // Maps compare by size, then by their keys in order, then by
            // their values in key order (Erlang's term order). Structs and
            // the struct-like built-ins are maps with a `__struct__` key.
            (Map(a), Map(b)) => a.cmp(b),
            (Decimal(a), Decimal(b)) => a.cmp_structural(b),
            (Date(a), Date(b)) => (a.day, a.month, a.year).cmp(&(b.day, b.month, b.year)),
            (Time(a), Time(b)) => time_key(a).cmp(&time_key(b)),
            (NaiveDateTime(a), NaiveDateTime(b)) => ndt_key(a).cmp(&ndt_key(b)),
            (DateTime(a), DateTime(b)) => ndt_key(&a.naive).cmp(&ndt_key(&b.naive)),
            (Range(a1, a2, a3), Range(b1, b2, b3)) => (a1, a2, a3).cmp(&(b1, b2, b3)),
            (MapSet(a), MapSet(b)) => a.len().cmp(&b.len()).then_with(|| a.iter().cmp(b.iter())),
            (Regex(a), Regex(b)) => (&a.opts, &a.source).cmp(&(&b.opts, &b.source)),
            (Opaque(a), Opaque(b)) => {
                if a.module() == b.module() && a.equals(&**b) {
                    Ordering::Equal
                } else {
                    (a.module(), a.inspect()).cmp(&(b.module(), b.inspect()))
                }
            }
            (Quoted(a), Quoted(b)) => format!("{a:?}").cmp(&format!("{b:?}")),
            (Fun(a), Fun(b)) => match (&**a, &**b) {
                // External captures (`&Mod.fun/2`) are equal by module, name and arity.
                (Function::Named { module: m1, name: n1, arity: a1 }, Function::Named { module: m2, name: n2, arity: a2 }) => {
                    (m1, n1, a1).cmp(&(m2, n2, a2))
                }
                _ => (Rc::as_ptr(a) as *const u8 as usize).cmp(&(Rc::as_ptr(b) as *const u8 as usize)),
            },
            // Structs, and maps against struct-like values: compare as maps.
            (a, b) => match (erl_map_view(a), erl_map_view(b)) {
                (Some(x), Some(y)) => x
                    .len()
                    .cmp(&y.len())
                    .then_with(|| x.iter().map(|(k, _)| k).cmp(y.iter().map(|(k, _)| k)))
                    .then_with(|| x.iter().map(|(_, v)| v).cmp(y.iter().map(|(_, v)| v))),
                _ => {
                    let ka = struct_key(a).map(|(n, f)| (a.type_order_key(), n.to_string(), f));
                    let kb = struct_key(b).map(|(n, f)| (b.type_order_key(), n.to_string(), f));
                    ka.cmp(&kb)
                }
            },
        }
    }
}

fn time_key(t: &Time) -> (u8, (u32, u8), u8, u8) {
    (t.hour, (t.micro, t.precision), t.minute, t.second)
}

/// Field values of `%NaiveDateTime{}` in key order (day, hour, microsecond,
/// minute, month, second, year).
fn ndt_key(n: &NaiveDateTime) -> (u8, u8, (u32, u8), u8, u8, u8, i32) {
    (n.date.day, n.time.hour, (n.time.micro, n.time.precision), n.time.minute, n.date.month, n.time.second, n.date.year)
}

/// A map or struct-like value as Erlang sees it: its entries sorted by key,
/// `__struct__` included.
fn erl_map_view(v: &Value) -> Option<Vec<(Value, Value)>> {
    let mut entries: Vec<(Value, Value)> = match v {
        Value::Map(m) => return Some(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        Value::Struct(s) => s.fields.iter().map(|(k, v)| (Value::Atom(k.clone()), v.clone())).collect(),
        Value::Decimal(d) => vec![
            (Value::atom("coef"), Value::Int(d.coef as i64)),
            (Value::atom("exp"), Value::Int(d.exp as i64)),
            (Value::atom("sign"), Value::Int(d.sign as i64)),
        ],
        Value::Range(a, b, s) => {
            vec![(Value::atom("first"), Value::Int(*a)), (Value::atom("last"), Value::Int(*b)), (Value::atom("step"), Value::Int(*s))]
        }
        Value::Date(_) | Value::Time(_) | Value::NaiveDateTime(_) | Value::DateTime(_) => {
            let (d, t, utc) = match v {
                Value::Date(d) => (Some(*d), None, false),
                Value::Time(t) => (None, Some(*t), false),
                Value::NaiveDateTime(n) => (Some(n.date), Some(n.time), false),
                Value::DateTime(x) => (Some(x.naive.date), Some(x.naive.time), true),
                _ => (None, None, false),
            };
            let mut e = vec![(Value::atom("calendar"), Value::module("Calendar.ISO"))];
            if let Some(d) = d {
                e.push((Value::atom("year"), Value::Int(d.year as i64)));
                e.push((Value::atom("month"), Value::Int(d.month as i64)));
                e.push((Value::atom("day"), Value::Int(d.day as i64)));
            }
            if let Some(t) = t {
                e.push((Value::atom("hour"), Value::Int(t.hour as i64)));
                e.push((Value::atom("minute"), Value::Int(t.minute as i64)));
                e.push((Value::atom("second"), Value::Int(t.second as i64)));
                e.push((Value::atom("microsecond"), Value::tuple(vec![Value::Int(t.micro as i64), Value::Int(t.precision as i64)])));
            }
            if utc {
                e.push((Value::atom("std_offset"), Value::Int(0)));
                e.push((Value::atom("utc_offset"), Value::Int(0)));
                e.push((Value::atom("time_zone"), Value::str("Etc/UTC")));
                e.push((Value::atom("zone_abbr"), Value::str("UTC")));
            }
            e
        }
        Value::MapSet(set) => vec![(Value::atom("map"), Value::map(set.iter().map(|k| (k.clone(), Value::list(vec![]))).collect()))],
        _ => return None,
    };
    entries.push((Value::atom("__struct__"), Value::module(v.struct_name()?)));
    crate::sort::sort_by(&mut entries, |a, b| a.0.cmp(&b.0));
    Some(entries)
}

impl Value {
    fn type_order_key(&self) -> u8 {
        match self {
            Value::Map(_) => 0,
            Value::Struct(_) => 1,
            _ => 2,
        }
    }
}

fn cmp_improper(a: &[Value], at: Option<&Value>, b: &[Value], bt: Option<&Value>) -> Ordering {
    for (x, y) in a.iter().zip(b.iter()) {
        let o = x.cmp(y);
        if o != Ordering::Equal {
            return o;
        }
    }
    let n = a.len().min(b.len());
    let rest_a = if a.len() > n { Value::list(a[n..].to_vec()) } else { at.cloned().unwrap_or(Value::list(vec![])) };
    let rest_b = if b.len() > n { Value::list(b[n..].to_vec()) } else { bt.cloned().unwrap_or(Value::list(vec![])) };
    if a.len() == n && b.len() == n && at.is_none() && bt.is_none() {
        return Ordering::Equal;
    }
    rest_a.cmp(&rest_b)
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&inspect::inspect(self))
    }
}
