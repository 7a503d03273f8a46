//! `inspect/2` as Elixir prints values (single-line form).

use super::{alias_name, Function, Value};

/// A struct's `@derive {Inspect, only: ..., except: ...}` (also the one Ecto
/// derives for schemas with redacted fields).
#[derive(Clone, Debug, Default)]
pub struct DerivedInspect {
    pub only: Option<Vec<String>>,
    pub except: Vec<String>,
}

thread_local! {
    static DERIVED: std::cell::RefCell<std::collections::HashMap<String, DerivedInspect>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

thread_local! {
    /// Fields whose changes `inspect` of a changeset hides, by the data's
    /// struct module (Ecto's `redact: true`).
    static REDACTED: std::cell::RefCell<std::collections::HashMap<String, Vec<String>>> = Default::default();
}

/// Registers (or with no fields forgets) the redacted fields of a struct module.
pub fn set_redacted_changes(module: &str, fields: Vec<String>) {
    REDACTED.with(|r| {
        let mut r = r.borrow_mut();
        if fields.is_empty() {
            r.remove(module);
        } else {
            r.insert(module.to_string(), fields);
        }
    });
}

/// `changes` as `inspect` of a changeset shows them: redacted fields of the
/// data's schema print as `"**redacted**"`.
pub fn redact_changes(data: &Value, changes: Value) -> Value {
    let Value::Struct(s) = data else { return changes };
    let Value::Map(m) = &changes else { return changes };
    let fields = REDACTED.with(|r| r.borrow().get(s.name()).cloned()).unwrap_or_default();
    if fields.is_empty() {
        return changes;
    }
    let mut out = (**m).clone();
    for f in fields {
        let k = Value::atom(&f);
        if out.contains_key(&k) {
            out.insert(k, Value::str("**redacted**"));
        }
    }
    Value::map(out)
}

/// Registers (or with `None` forgets) the derived Inspect of a struct module.
pub fn set_derived_inspect(module: &str, d: Option<DerivedInspect>) {
    let module = alias_name(module).to_string();
    DERIVED.with(|m| match d {
        Some(d) => {
            m.borrow_mut().insert(module, d);
        }
        None => {
            m.borrow_mut().remove(&module);
        }
    });
}

/// `Inspect.Any.inspect_as_struct/4`: `#Name<kept: fields, ...>`; `None` when
/// the derive keeps every field (Elixir then uses the `%Name{}` form).
fn derived_struct(s: &super::Struct, o: &Opts) -> Option<String> {
    let d = DERIVED.with(|m| m.borrow().get(s.name()).cloned())?;
    let all: Vec<&str> = s.fields.iter().map(|(k, _)| &**k).filter(|k| *k != "__exception__").collect();
    if d.except.is_empty() {
        let mut only: Vec<&str> = d.only.as_ref().map(|o| o.iter().map(String::as_str).collect()).unwrap_or_else(|| all.clone());
        let mut sorted = all.clone();
        crate::sort::sort(&mut only);
        crate::sort::sort(&mut sorted);
        if only == sorted {
            return None;
        }
    }
    let mut out = format!("#{}<", s.name());
    for (k, v) in s.fields.iter() {
        let keep = !d.except.iter().any(|e| e == &**k) && d.only.as_ref().is_none_or(|o| o.iter().any(|f| f == &**k));
        if !keep || &**k == "__exception__" {
            continue;
        }
        out.push_str(&key(k));
        out.push(' ');
        write(&mut out, v, o);
        out.push_str(", ");
    }
    out.push_str("...>");
    Some(out)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Charlists {
    Infer,
    AsLists,
    AsCharlists,
}

#[derive(Clone, Debug)]
pub struct Opts {
    /// Maximum items shown per collection (`None` = infinity).
    pub limit: Option<usize>,
    pub charlists: Charlists,
    /// `binaries: :as_binaries`
    pub as_binaries: bool,
    pub base: u32,
    pub pretty: bool,
    /// Characters of a string or charlist shown before `<> ...` (`None` =
    /// infinity).
    pub printable_limit: Option<usize>,
    /// The line width when `pretty` (`None` = infinity).
    pub width: Option<usize>,
}

impl Default for Opts {
    fn default() -> Opts {
        Opts {
            limit: Some(50),
            charlists: Charlists::Infer,
            as_binaries: false,
            base: 10,
            pretty: false,
            printable_limit: Some(4096),
            width: Some(80),
        }
    }
}

impl Opts {
    /// The options the conformance output uses: no limit, charlists as lists.
    pub fn full() -> Opts {
        Opts { limit: None, charlists: Charlists::AsLists, ..Opts::default() }
    }

    pub fn from_keyword(kw: &Value) -> Opts {
        let mut o = Opts::default();
        if let Some(pairs) = kw.as_keyword() {
            for (k, v) in pairs {
                match (k, v) {
                    ("limit", Value::Int(n)) => o.limit = Some((*n).max(0) as usize),
                    ("limit", Value::Atom(a)) if &**a == "infinity" => o.limit = None,
                    ("charlists", v) => {
                        o.charlists = match v.as_atom() {
                            Some("as_lists") => Charlists::AsLists,
                            Some("as_charlists") => Charlists::AsCharlists,
                            _ => Charlists::Infer,
                        }
                    }
                    ("binaries", v) => o.as_binaries = v.as_atom() == Some("as_binaries"),
                    ("base", v) => {
                        o.base = match v.as_atom() {
                            Some("hex") => 16,
                            Some("octal") => 8,
                            Some("binary") => 2,
                            _ => 10,
                        }
                    }
                    ("pretty", Value::Bool(b)) => o.pretty = *b,
                    ("width", Value::Int(n)) => o.width = Some((*n).max(0) as usize),
                    ("width", Value::Atom(a)) if &**a == "infinity" => o.width = None,
                    ("printable_limit", Value::Int(n)) => o.printable_limit = Some((*n).max(0) as usize),
                    ("printable_limit", Value::Atom(a)) if &**a == "infinity" => o.printable_limit = None,
                    _ => {}
                }
            }
        }
        o
    }
}

/// The term of a `KeyError` message: `inspect(term, pretty: true, limit: :infinity)`.
pub fn key_error_term(v: &Value) -> String {
    inspect_opts(v, &Opts { pretty: true, limit: None, ..Opts::default() })
}

pub fn inspect(v: &Value) -> String {
    inspect_opts(v, &Opts::default())
}

/// The conformance `*_inspect` rendering (limit infinity, charlists as lists).
pub fn inspect_full(v: &Value) -> String {
    inspect_opts(v, &Opts::full())
}

pub fn inspect_opts(v: &Value, o: &Opts) -> String {
    if o.pretty {
        if let Some(width) = o.width {
            return super::pretty::pretty(v, o, width);
        }
    }
    let mut out = String::new();
    write(&mut out, v, o);
    out
}

fn write(out: &mut String, v: &Value, o: &Opts) {
    match v {
        Value::Nil => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&int(*i, o.base)),
        Value::BigInt(b) => out.push_str(&match o.base {
            16 => format!("0x{}", b.to_string_radix(16)).replace("0x-", "-0x"),
            2 => format!("0b{}", b.to_string_radix(2)).replace("0b-", "-0b"),
            8 => format!("0o{}", b.to_string_radix(8)).replace("0o-", "-0o"),
            _ => b.to_string(),
        }),
        Value::Float(f) => out.push_str(&float(*f)),
        Value::Atom(a) => out.push_str(&atom(a)),
        Value::Str(s) => {
            if o.as_binaries {
                bytes(out, s.as_bytes(), o)
            } else if printable(s) {
                match o.printable_limit {
                    Some(n) if s.chars().nth(n).is_some() => {
                        let cut: String = s.chars().take(n).collect();
                        quote_str(out, &cut, '"');
                        out.push_str(" <> ...");
                    }
                    _ => quote_str(out, s, '"'),
                }
            } else {
                bytes(out, s.as_bytes(), o)
            }
        }
        Value::Bytes(b) => bytes(out, b, o),
        Value::Bits(b) => bits(out, b, o),
        Value::List(items) => list(out, items, o),
        Value::Improper(imp) => {
            out.push('[');
            for (i, x) in imp.0.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(out, x, o);
            }
            out.push_str(" | ");
            write(out, &imp.1, o);
            out.push(']');
        }
        Value::Tuple(items) => {
            out.push('{');
            seq(out, items.iter(), o, write);
            out.push('}');
        }
        Value::Map(m) => {
            out.push_str("%{");
            map_entries(out, m.iter(), m.len(), o);
            out.push('}');
        }
        Value::Struct(s) => struct_(out, s, o),
        Value::Decimal(d) => {
            out.push_str("Decimal.new(\"");
            out.push_str(&d.to_scientific());
            out.push_str("\")");
        }
        Value::Date(d) => {
            out.push_str("~D[");
            out.push_str(&d.iso());
            out.push(']');
        }
        Value::Time(t) => {
            out.push_str("~T[");
            out.push_str(&t.iso());
            out.push(']');
        }
        Value::NaiveDateTime(n) => {
            out.push_str("~N[");
            out.push_str(&n.iso(' '));
            out.push(']');
        }
        Value::DateTime(d) => {
            out.push_str("~U[");
            out.push_str(&d.naive.iso(' '));
            out.push_str("Z]");
        }
        Value::Range(a, b, s) => {
            out.push_str(&format!("{a}..{b}"));
            // Inspect.Range (Elixir 1.18): the step is omitted only for
            // `first..last//1` with `last >= first`.
            if !(*s == 1 && b >= a) {
                out.push_str(&format!("//{s}"));
            }
        }
        Value::MapSet(set) => {
            out.push_str("MapSet.new([");
            seq(out, set.iter(), o, write);
            out.push_str("])");
        }
        Value::Regex(r) => {
            out.push_str("~r/");
            for c in r.source.chars() {
                if c == '/' {
                    out.push_str("\\/");
                } else {
                    out.push(c);
                }
            }
            out.push('/');
            out.push_str(&r.opts);
        }
        Value::Fun(f) => match &**f {
            Function::Named { module, name, arity } => {
                out.push_str(&format!("&{}.{}/{}", alias_name(module), name, arity));
            }
            Function::Native { name, arity, .. } => out.push_str(&format!("&{name}/{arity}")),
            Function::Closure { arity, .. } => out.push_str(&format!("#Function<{arity}.0/{arity} in :erl_eval.expr/6>")),
        },
        Value::Quoted(n) => out.push_str(&inspect_opts(&super::quoted::plain(n), o)),
        Value::Opaque(x) => out.push_str(&x.inspect()),
    }
}

/// Elixir's `container_each`: each element is inspected with the limit
/// left after it (so nested collections share the budget), and the first
/// element past the limit becomes `...`.
fn seq<'a, I: Iterator<Item = &'a Value>>(out: &mut String, items: I, o: &Opts, mut f: impl FnMut(&mut String, &'a Value, &Opts)) {
    for (i, x) in items.enumerate() {
        if limit_reached(out, i, o) {
            return;
        }
        if i > 0 {
            out.push_str(", ");
        }
        f(out, x, &child(o, i));
    }
}

/// Writes `...` when the `i`th element is past the limit.
fn limit_reached(out: &mut String, i: usize, o: &Opts) -> bool {
    match o.limit {
        Some(limit) if i >= limit => {
            out.push_str(if i > 0 { ", ..." } else { "..." });
            true
        }
        _ => false,
    }
}

/// The options for the `i`th element of a container.
pub(crate) fn child(o: &Opts, i: usize) -> Opts {
    match o.limit {
        Some(limit) => Opts { limit: Some(limit.saturating_sub(i + 1)), ..o.clone() },
        None => o.clone(),
    }
}

fn list(out: &mut String, items: &[Value], o: &Opts) {
    if items.is_empty() {
        out.push_str("[]");
        return;
    }
    if o.charlists != Charlists::AsLists && is_printable_charlist(items) {
        let s: String = items.iter().filter_map(|c| c.as_int().and_then(|c| char::from_u32(c as u32))).collect();
        out.push_str("~c");
        match o.printable_limit {
            Some(n) if s.chars().nth(n).is_some() => {
                let cut: String = s.chars().take(n).collect();
                quote_str(out, &cut, '"');
                out.push_str(" ++ ...");
            }
            _ => quote_str(out, &s, '"'),
        }
        return;
    }
    if is_keyword(items) {
        out.push('[');
        seq(out, items.iter(), o, |out, pair, c| {
            if let Some([k, v]) = pair.as_tuple() {
                out.push_str(&key(k.as_atom().unwrap_or_default()));
                out.push(' ');
                write(out, v, c);
            }
        });
        out.push(']');
        return;
    }
    out.push('[');
    seq(out, items.iter(), o, write);
    out.push(']');
}

/// `Inspect.List.keyword?/1`: pairs whose keys are atoms other than aliases.
pub fn is_keyword(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|i| matches!(i.as_tuple(), Some([Value::Atom(a), _]) if !a.starts_with("Elixir.")))
}

pub(crate) fn is_printable_charlist(items: &[Value]) -> bool {
    items.iter().all(|c| match c {
        Value::Int(c) => (32..=126).contains(c) || matches!(*c, 7..=13 | 27),
        _ => false,
    })
}

/// Whether a map key prints keyword-style (`key: value`) when all keys do.
pub(crate) fn is_atom_key(k: &Value) -> bool {
    matches!(k, Value::Atom(_) | Value::Nil | Value::Bool(_))
}

fn map_entries<'a>(out: &mut String, entries: impl Iterator<Item = (&'a Value, &'a Value)> + Clone, _n: usize, o: &Opts) {
    let all_atoms = entries.clone().all(|(k, _)| is_atom_key(k));
    for (i, (k, v)) in entries.enumerate() {
        if limit_reached(out, i, o) {
            return;
        }
        if i > 0 {
            out.push_str(", ");
        }
        let c = child(o, i);
        if all_atoms {
            out.push_str(&key(k.as_atom().unwrap_or_default()));
            out.push(' ');
        } else {
            write(out, k, &c);
            out.push_str(" => ");
        }
        write(out, v, &c);
    }
}

/// Whether a struct prints as `%Name{field: value, ...}` (no inspect of its own).
pub(crate) fn generic_struct(s: &super::Struct) -> bool {
    let special = match s.name() {
        "Ecto.Schema.Metadata" | "Duration" | "Date.Range" | "Ecto.Association.NotLoaded" | "Ecto.Changeset" => true,
        "URI" => matches!(s.get("authority"), Some(Value::Nil)),
        _ => false,
    };
    !special && DERIVED.with(|m| m.borrow().get(s.name()).is_none())
}

/// The key text of a map key printed keyword-style (`a`, `nil`, `true`).
pub(crate) fn atom_text(k: &Value) -> String {
    match k {
        Value::Atom(a) => a.to_string(),
        Value::Nil => "nil".to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn struct_(out: &mut String, s: &super::Struct, o: &Opts) {
    let name = s.name();
    match name {
        "Ecto.Schema.Metadata" => {
            // Ecto's Inspect: state, prefix, source and context, nils left out.
            out.push_str("#Ecto.Schema.Metadata<");
            let mut first = true;
            for key in ["state", "prefix", "source", "context"] {
                match s.get(key) {
                    None | Some(Value::Nil) => {}
                    Some(v) => {
                        if !first {
                            out.push_str(", ");
                        }
                        first = false;
                        write(out, v, o);
                    }
                }
            }
            out.push('>');
            return;
        }
        // `@derive {Inspect, optional: [:authority]}`: a nil authority is left out.
        "URI" if matches!(s.get("authority"), Some(Value::Nil)) => {
            let mut st = s.clone();
            st.fields.retain(|(k, _)| &**k != "authority");
            out.push_str("%URI{");
            for (n, (k, v)) in st.fields.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                out.push_str(&format!("{k}: "));
                write(out, v, o);
            }
            out.push('}');
            return;
        }
        // `@derive {Inspect, optional: [...all fields]}`: fields at their defaults are left out.
        "Duration" => {
            out.push_str("%Duration{");
            let mut first = true;
            for (k, v) in &s.fields {
                let default = match &**k {
                    "microsecond" => Value::tuple(vec![Value::Int(0), Value::Int(0)]),
                    _ => Value::Int(0),
                };
                if *v == default {
                    continue;
                }
                if !first {
                    out.push_str(", ");
                }
                first = false;
                out.push_str(&format!("{k}: "));
                write(out, v, o);
            }
            out.push('}');
            return;
        }
        "Date.Range" => {
            let g = |k: &str| s.get(k).cloned().unwrap_or(Value::Nil);
            out.push_str("Date.range(");
            write(out, &g("first"), o);
            out.push_str(", ");
            write(out, &g("last"), o);
            if !matches!(g("step"), Value::Int(1)) {
                out.push_str(", ");
                write(out, &g("step"), o);
            }
            out.push(')');
            return;
        }
        "Ecto.Association.NotLoaded" => {
            let field = s.get("__field__").and_then(|f| f.as_atom()).unwrap_or("");
            out.push_str(&format!("#Ecto.Association.NotLoaded<association {} is not loaded>", atom(field)));
            return;
        }
        "Ecto.Changeset" => {
            out.push_str("#Ecto.Changeset<");
            let g = |k: &str| s.get(k).cloned().unwrap_or(Value::Nil);
            out.push_str("action: ");
            write(out, &g("action"), o);
            out.push_str(", changes: ");
            write(out, &redact_changes(&g("data"), g("changes")), o);
            out.push_str(", errors: ");
            write(out, &g("errors"), o);
            out.push_str(", data: ");
            match g("data") {
                Value::Struct(d) => out.push_str(&format!("#{}<>", d.name())),
                other => write(out, &other, o),
            }
            out.push_str(", valid?: ");
            write(out, &g("valid?"), o);
            out.push_str(", ...>");
            return;
        }
        _ => {}
    }
    if let Some(text) = derived_struct(s, o) {
        out.push_str(&text);
        return;
    }
    out.push('%');
    out.push_str(name);
    out.push('{');
    // Inspect.Any leaves out `__exception__` (and `__struct__`)
    for (i, (k, v)) in s.fields.iter().filter(|(k, _)| &**k != "__exception__").enumerate() {
        if limit_reached(out, i, o) {
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&key(k));
        out.push(' ');
        write(out, v, &child(o, i));
    }
    out.push('}');
}

fn bytes(out: &mut String, b: &[u8], o: &Opts) {
    out.push_str("<<");
    let items: Vec<Value> = b.iter().map(|x| Value::Int(*x as i64)).collect();
    seq(out, items.iter(), o, write);
    out.push_str(">>");
}

/// `<<97, 1::size(3)>>`: the whole bytes, then the last bits with their size.
fn bits(out: &mut String, b: &super::Bits, o: &Opts) {
    out.push_str("<<");
    let whole = b.len / 8;
    let items: Vec<Value> = b.bytes[..whole].iter().map(|x| Value::Int(*x as i64)).collect();
    seq(out, items.iter(), o, write);
    if whole > 0 {
        out.push_str(", ");
    }
    let rest = b.len % 8;
    out.push_str(&format!("{}::size({rest})", b.bytes[whole] >> (8 - rest)));
    out.push_str(">>");
}

pub fn int(i: i64, base: u32) -> String {
    match base {
        16 => format!("{}0x{:X}", if i < 0 { "-" } else { "" }, i.unsigned_abs()),
        8 => format!("{}0o{:o}", if i < 0 { "-" } else { "" }, i.unsigned_abs()),
        2 => format!("{}0b{:b}", if i < 0 { "-" } else { "" }, i.unsigned_abs()),
        _ => i.to_string(),
    }
}

/// Elixir's float formatting: integral floats below 1.0e16 print as
/// `N.0`; others use the shortest round-trip digits, in scientific
/// notation only when that is shorter (or the value is at least 2^53).
pub fn float(f: f64) -> String {
    if !f.is_finite() {
        // Not an Erlang float; only reachable through host-built values.
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let a = f.abs();
    if (1.0..1.0e16).contains(&a) && f.trunc() == f {
        return format!("{}.0", f as i64);
    }
    // Shortest digits and decimal exponent from Rust's LowerExp.
    let e = format!("{a:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sci = if digits.len() == 1 { format!("{digits}.0e{exp}") } else { format!("{}.{}e{exp}", &digits[..1], &digits[1..]) };
    let l = digits.len() as i32;
    let normal = if exp < 0 {
        format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    } else if exp + 1 >= l {
        format!("{}{}.0", digits, "0".repeat((exp + 1 - l) as usize))
    } else {
        format!("{}.{}", &digits[..(exp + 1) as usize], &digits[(exp + 1) as usize..])
    };
    let body = if a >= 9007199254740992.0 || sci.len() < normal.len() { sci } else { normal };
    if f < 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

fn is_ident_atom(a: &str) -> bool {
    let mut chars = a.chars();
    let Some(first) = chars.next() else { return false };
    if !(first == '_' || first.is_alphabetic()) {
        return false;
    }
    let rest: Vec<char> = chars.collect();
    let (body, last) = match rest.last() {
        Some('?' | '!') => (&rest[..rest.len() - 1], true),
        _ => (&rest[..], false),
    };
    let _ = last;
    body.iter().all(|c| c.is_alphanumeric() || *c == '_' || *c == '@')
}

fn is_alias_atom(a: &str) -> bool {
    match a.strip_prefix("Elixir.") {
        Some(rest) => {
            !rest.is_empty()
                && rest
                    .split('.')
                    .all(|p| p.starts_with(|c: char| c.is_ascii_uppercase()) && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
        }
        None => false,
    }
}

const OP_ATOMS: &[&str] = &[
    "+", "-", "*", "/", "==", "!=", "===", "!==", "<", ">", "<=", ">=", "<>", "++", "--", "..", "!", "^", "&&", "||", "|>", "=~", "**",
    "<<>>", "{}", "%{}", "%", "|", "&", "@", ".", "=", "<-", "\\\\", "->", "..//", "...", "<<<", ">>>", "&&&", "|||", "<<~", "~>>", "<~",
    "~>", "<~>", "+++", "---",
];

pub fn atom(a: &str) -> String {
    if a == "Elixir" {
        return "Elixir".into();
    }
    if is_alias_atom(a) {
        return alias_name(a).to_string();
    }
    if matches!(a, "nil" | "true" | "false") {
        return a.to_string();
    }
    if is_ident_atom(a) || OP_ATOMS.contains(&a) {
        return format!(":{a}");
    }
    let mut out = String::from(":");
    quote_str(&mut out, a, '"');
    out
}

/// A keyword key: `name:` or `"quoted key":`.
pub fn key(a: &str) -> String {
    if is_ident_atom(a) {
        format!("{a}:")
    } else if is_alias_atom(a) {
        // Elixir prints alias keys as `"Elixir.Foo":`
        let mut out = String::new();
        quote_str(&mut out, a, '"');
        out.push(':');
        out
    } else {
        let mut out = String::new();
        quote_str(&mut out, a, '"');
        out.push(':');
        out
    }
}

/// String.printable?/1: ASCII text, the usual control escapes (DEL included)
/// and every code point from 0xA0 on but surrogates, U+FFFE and U+FFFF.
pub fn printable(s: &str) -> bool {
    s.chars().all(|c| {
        let u = c as u32;
        matches!(c, '\n' | '\r' | '\t' | '\u{b}' | '\u{8}' | '\u{c}' | '\u{1b}' | '\u{7f}' | '\u{7}')
            || (0x20..=0x7e).contains(&u)
            || (0xa0..=0xd7ff).contains(&u)
            || (0xe000..=0xfffd).contains(&u)
            || u >= 0x10000
    })
}

/// The code points `Code.Identifier.escape/4` shows as `\uXXXX` because they
/// are invisible or confusable: zero-width and alternative spaces, the
/// non-breaking space, bidirectional controls and the BOM.
fn invisible(u: u32) -> bool {
    u == 0xfeff
        || (0x2061..=0x2064).contains(&u)
        || matches!(u, 0x061c | 0x200e | 0x200f)
        || (0x202a..=0x202e).contains(&u)
        || (0x2066..=0x2069).contains(&u)
        || (0xfff9..=0xfffc).contains(&u)
        || matches!(u, 0x200c | 0x200d | 0x034f)
        || matches!(u, 0x00a0 | 0x200b | 0x2060)
        || matches!(u, 0x2028 | 0x2029)
        || (0x2000..=0x200a).contains(&u)
        || u == 0x205f
}

pub fn quote_str(out: &mut String, s: &str, q: char) {
    out.push(q);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{b}' => out.push_str("\\v"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{7}' => out.push_str("\\a"),
            '\u{7f}' => out.push_str("\\d"),
            '\0' => out.push_str("\\0"),
            '#' if chars.peek() == Some(&'{') => out.push_str("\\#"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if invisible(c as u32) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if (0xd800..0xe000).contains(&(c as u32)) || (0xfffe..0x10000).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{{{:04X}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(q);
}
