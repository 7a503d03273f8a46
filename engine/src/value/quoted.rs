//! Elixir's quoted form of code as values: the syntax tree turned into the
//! `{form, meta, args}` terms a macro receives (with the `line:` metadata
//! of the source file, as Elixir keeps it), and `Macro.to_string/1`, which
//! prints such terms back as code the way Elixir's formatter does on one line.

use std::rc::Rc;

use crate::syntax::ast::{Clause, Kind, Node, StrPart};
use crate::value::{inspect, Value};

/// Where lines start in the evaluated source: turns byte offsets into the
/// 1-based line numbers of quoted metadata.
#[derive(Clone, Debug, Default)]
pub struct SourceLines {
    text: Rc<str>,
    starts: Vec<usize>,
}

impl SourceLines {
    pub fn new(text: &str) -> SourceLines {
        let mut starts = vec![0];
        starts.extend(text.char_indices().filter(|(_, c)| *c == '\n').map(|(i, _)| i + 1));
        SourceLines { text: Rc::from(text), starts }
    }

    pub fn line(&self, offset: usize) -> i64 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as i64 + 1,
            Err(i) => i as i64,
        }
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, line: i64) -> Option<&str> {
        let k = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.starts.get(k)?;
        let end = self.starts.get(k + 1).map_or(self.text.len(), |e| e - 1);
        self.text.get(start..end)
    }

    /// The character at a byte offset, if there is one.
    fn char_at(&self, offset: usize) -> Option<char> {
        self.text.get(offset..).and_then(|s| s.chars().next())
    }
}

/// How to quote: the line table (none: no metadata) and whether aliases are
/// expanded to atoms (patterns, as ExUnit expands them).
pub struct Quoter<'a> {
    pub lines: Option<&'a SourceLines>,
    /// Resolves an alias as written to the module atom (`None`: keep `__aliases__`).
    pub expand_alias: Option<&'a dyn Fn(&[String]) -> Value>,
}

fn kw(pairs: Vec<(&str, Value)>) -> Value {
    Value::keyword(pairs)
}

fn triple(form: Value, meta: Value, args: Value) -> Value {
    Value::tuple(vec![form, meta, args])
}

impl Quoter<'_> {
    fn meta_at(&self, offset: u32) -> Value {
        match self.lines {
            Some(l) => kw(vec![("line", Value::Int(l.line(offset as usize)))]),
            None => Value::list(vec![]),
        }
    }

    fn meta(&self, n: &Node) -> Value {
        self.meta_at(n.span.start)
    }

    fn call(&self, name: &str, meta: Value, args: Vec<Value>) -> Value {
        triple(Value::atom(name), meta, Value::list(args))
    }

    fn all(&self, nodes: &[Node]) -> Vec<Value> {
        nodes.iter().map(|n| self.quote(n)).collect()
    }

    /// The quoted form of `n`.
    pub fn quote(&self, n: &Node) -> Value {
        let meta = || self.meta(n);
        match &n.kind {
            Kind::Nil => Value::Nil,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(i) => Value::Int(*i),
            Kind::BigInt(s) => crate::value::bigint::BigInt::parse(&s.replace('_', ""), 10).map(Value::from_bigint).unwrap_or(Value::Nil),
            Kind::Float(f) => Value::Float(*f),
            Kind::Atom(a) => Value::atom(a),
            Kind::Alias(parts) => match self.expand_alias {
                Some(f) => f(parts),
                None => self.call("__aliases__", meta(), parts.iter().map(|p| Value::atom(p)).collect()),
            },
            Kind::Str(parts) => self.string(parts, n),
            Kind::Charlist(parts) => {
                let s: String = parts
                    .iter()
                    .map(|p| match p {
                        StrPart::Lit(s) => s.clone(),
                        StrPart::Interp(_) => String::new(),
                    })
                    .collect();
                Value::list(s.chars().map(|c| Value::Int(c as i64)).collect())
            }
            Kind::Sigil { name, parts, modifiers } => {
                let mut m = vec![];
                if let Some(d) = self.lines.and_then(|l| l.char_at(n.span.start as usize + 1 + name.chars().count())) {
                    m.push(("delimiter", Value::string(d.to_string())));
                }
                if let Some(l) = self.lines {
                    m.push(("line", Value::Int(l.line(n.span.start as usize))));
                }
                let body = self.call("<<>>", meta(), self.parts(parts, n));
                let mods = Value::list(modifiers.chars().map(|c| Value::Int(c as i64)).collect());
                self.call(&format!("sigil_{name}"), kw(m), vec![body, mods])
            }
            Kind::Bitstring(segs) => {
                let items = segs
                    .iter()
                    .map(|(e, t)| match t {
                        Some(t) => self.call("::", self.meta(e), vec![self.quote(e), self.quote(t)]),
                        None => self.quote(e),
                    })
                    .collect();
                self.call("<<>>", meta(), items)
            }
            Kind::Var(name) => triple(Value::atom(name), meta(), Value::Nil),
            Kind::List(items) => Value::list(self.all(items)),
            Kind::ConsList(items, tail) => {
                let mut out = self.all(items);
                if let Some(last) = out.pop() {
                    out.push(self.call("|", self.meta(tail), vec![last, self.quote(tail)]));
                }
                Value::list(out)
            }
            Kind::Tuple(items) if items.len() == 2 => Value::tuple(self.all(items)),
            Kind::Tuple(items) => self.call("{}", meta(), self.all(items)),
            Kind::Map { update, entries } => self.map(update.as_deref(), entries, meta()),
            Kind::Struct { name, update, entries } => {
                let inner = self.map(update.as_deref(), entries, meta());
                self.call("%", meta(), vec![self.quote(name), inner])
            }
            Kind::Call { name, args, .. } => self.call(name, meta(), self.all(args)),
            Kind::Dot { target, name, args, parens } => {
                let dot_meta = self.meta_at(target.span.end);
                let dot = self.call(".", dot_meta.clone(), vec![self.quote(target), Value::atom(name)]);
                let call_meta = if !parens && args.is_empty() {
                    let mut m = vec![("no_parens", Value::Bool(true))];
                    if let Some(l) = self.lines {
                        m.push(("line", Value::Int(l.line(target.span.end as usize))));
                    }
                    kw(m)
                } else {
                    dot_meta
                };
                triple(dot, call_meta, Value::list(self.all(args)))
            }
            Kind::AnonCall { fun, args } => {
                let m = self.meta_at(fun.span.end);
                triple(self.call(".", m.clone(), vec![self.quote(fun)]), m, Value::list(self.all(args)))
            }
            Kind::Access { target, key } => {
                let m = self.meta_at(target.span.end);
                let dot = self.call(".", m.clone(), vec![Value::module("Access"), Value::atom("get")]);
                triple(dot, m, Value::list(vec![self.quote(target), self.quote(key)]))
            }
            Kind::BinOp { op, lhs, rhs } => {
                let m = self.meta_at(lhs.span.end);
                if op == "not in" {
                    let inner = self.call("in", m.clone(), vec![self.quote(lhs), self.quote(rhs)]);
                    return self.call("not", m, vec![inner]);
                }
                if op == "//" {
                    if let Kind::BinOp { op: inner, lhs: a, rhs: b } = &lhs.kind {
                        if inner == ".." {
                            return self.call("..//", m, vec![self.quote(a), self.quote(b), self.quote(rhs)]);
                        }
                    }
                }
                self.call(op, m, vec![self.quote(lhs), self.quote(rhs)])
            }
            Kind::UnOp { op, operand } => self.call(op, meta(), vec![self.quote(operand)]),
            Kind::Capture(inner) => self.call("&", meta(), vec![self.quote(inner)]),
            Kind::CaptureArg(i) => self.call("&", meta(), vec![Value::Int(*i as i64)]),
            Kind::Fn(clauses) => self.call("fn", meta(), self.clauses(clauses)),
            Kind::Block(items) => triple(Value::atom("__block__"), Value::list(vec![]), Value::list(self.all(items))),
            Kind::Clauses(clauses) => Value::list(self.clauses(clauses)),
            Kind::Attr { name, value } => {
                let args = match value {
                    Some(v) => Value::list(vec![self.quote(v)]),
                    None => Value::Nil,
                };
                self.call("@", meta(), vec![triple(Value::atom(name), meta(), args)])
            }
            Kind::Error => Value::Nil,
        }
    }

    fn clauses(&self, clauses: &[Clause]) -> Vec<Value> {
        clauses
            .iter()
            .map(|c| {
                let m = self.meta_at(c.span.start);
                let mut args = self.all(&c.args);
                if let Some(g) = &c.guard {
                    args.push(self.quote(g));
                    args = vec![self.call("when", self.meta(g), args)];
                }
                self.call("->", m, vec![Value::list(args), self.quote(&c.body)])
            })
            .collect()
    }

    fn map(&self, update: Option<&Node>, entries: &[(Node, Node)], meta: Value) -> Value {
        let pairs: Vec<Value> = entries.iter().map(|(k, v)| Value::tuple(vec![self.quote(k), self.quote(v)])).collect();
        match update {
            Some(base) => self.call("%{}", meta.clone(), vec![self.call("|", meta, vec![self.quote(base), Value::list(pairs)])]),
            None => self.call("%{}", meta, pairs),
        }
    }

    fn parts(&self, parts: &[StrPart], n: &Node) -> Vec<Value> {
        parts
            .iter()
            .map(|p| match p {
                StrPart::Lit(s) => Value::str(s),
                StrPart::Interp(e) => {
                    let m = self.meta(e);
                    let dot = self.call(".", m.clone(), vec![Value::module("Kernel"), Value::atom("to_string")]);
                    let conv = triple(dot, m.clone(), Value::list(vec![self.quote(e)]));
                    self.call("::", self.meta(n), vec![conv, triple(Value::atom("binary"), m, Value::Nil)])
                }
            })
            .collect()
    }

    fn string(&self, parts: &[StrPart], n: &Node) -> Value {
        if parts.iter().all(|p| matches!(p, StrPart::Lit(_))) {
            let s: String = parts
                .iter()
                .map(|p| match p {
                    StrPart::Lit(s) => s.as_str(),
                    StrPart::Interp(_) => "",
                })
                .collect();
            return Value::string(s);
        }
        self.call("<<>>", self.meta(n), self.parts(parts, n))
    }
}

// ---- Macro.to_string ------------------------------------------------------------

/// Binary operators: (precedence, right associative).
fn binary_op(op: &str) -> Option<(u8, bool)> {
    Some(match op {
        "|" => (2, true),
        "::" => (3, true),
        "when" => (4, true),
        "<-" | "\\\\" => (5, false),
        "=" => (6, true),
        "||" | "|||" | "or" => (7, false),
        "&&" | "&&&" | "and" => (8, false),
        "==" | "!=" | "=~" | "===" | "!==" => (9, false),
        "<" | ">" | "<=" | ">=" => (10, false),
        "|>" | "<<<" | ">>>" | "<<~" | "~>>" | "<~" | "~>" | "<~>" => (11, false),
        "in" => (12, false),
        "^^^" => (13, false),
        "//" => (14, true),
        "++" | "--" | "+++" | "---" | ".." | "<>" => (15, true),
        "+" | "-" => (16, false),
        "*" | "/" => (17, false),
        "**" => (18, false),
        _ => return None,
    })
}

fn unary_op(op: &str) -> bool {
    matches!(op, "-" | "+" | "!" | "^" | "not" | "~~~" | "&" | "@")
}

const UNARY_PREC: u8 = 19;

/// The quoted form of code without line metadata (what `quote` returns).
pub fn plain(n: &Node) -> Value {
    Quoter { lines: None, expand_alias: None }.quote(n)
}

/// `Macro.to_string/1`: one line, or for a binary operator longer than the
/// formatter's 98 columns, the right operand on its own line (nested by 2;
/// a pipe's operator starts the line).
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    write(&mut out, v);
    if out.chars().count() <= 98 {
        return out;
    }
    if let Some((Value::Atom(op), _, Value::List(a))) = node(v) {
        if let (Some((prec, right)), [l, r]) = (binary_op(op), a.as_slice()) {
            if !matches!(op.as_ref(), "|" | "::" | "when" | ".." | "//") {
                let mut left = String::new();
                write_operand(&mut left, l, prec, right);
                let mut rhs = String::new();
                write_operand(&mut rhs, r, prec, !right);
                return if op.as_ref() == "|>" { format!("{left}\n|> {rhs}") } else { format!("{left} {op}\n  {rhs}") };
            }
        }
    }
    out
}

fn args_of(v: &Value) -> Option<&[Value]> {
    v.as_list()
}

fn is_alias_atom(a: &str) -> bool {
    a.starts_with("Elixir.")
}

fn write_atom(out: &mut String, a: &str) {
    if is_alias_atom(a) {
        out.push_str(crate::value::alias_name(a));
    } else {
        out.push_str(&inspect::atom(a));
    }
}

/// A `{form, meta, args}` node, if `v` is one.
fn node(v: &Value) -> Option<(&Value, &Value, &Value)> {
    match v.as_tuple() {
        Some([f, m, a]) if matches!(m, Value::List(_)) => Some((f, m, a)),
        _ => None,
    }
}

fn keyword_key(v: &Value) -> Option<&str> {
    match v.as_tuple() {
        Some([Value::Atom(k), _]) if !is_alias_atom(k) => Some(k),
        _ => None,
    }
}

/// Where the trailing keyword part of a list starts.
fn keyword_start(items: &[Value]) -> usize {
    let mut i = items.len();
    while i > 0 && keyword_key(&items[i - 1]).is_some() {
        i -= 1;
    }
    i
}

fn write_items(out: &mut String, items: &[Value], keyword_tail: bool) {
    let k = if keyword_tail { keyword_start(items) } else { items.len() };
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if i >= k {
            if let Some([key, value]) = item.as_tuple() {
                out.push_str(&inspect::key(key.as_atom().unwrap_or_default()));
                out.push(' ');
                write(out, value);
                continue;
            }
        }
        write(out, item);
    }
}

fn meta_has(meta: &Value, key: &str) -> bool {
    meta.keyword_get(key).is_some_and(|v| v.is_truthy())
}

fn write(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Atom(a) => write_atom(out, a),
        // A string literal is always written as one, escaped (`inspect`
        // shows a string with control characters as `<<1, 2>>`).
        Value::Str(s) => inspect::quote_str(out, s, '"'),
        Value::List(items) => {
            let printable =
                !items.is_empty() && items.iter().all(|i| matches!(i, Value::Int(c) if (32..127).contains(c) || matches!(c, 7..=13 | 27)));
            if printable {
                let s: String = items.iter().filter_map(|i| i.as_int().and_then(|c| char::from_u32(c as u32))).collect();
                out.push_str("~c");
                out.push_str(&inspect::inspect(&Value::string(s)));
                return;
            }
            out.push('[');
            write_items(out, items, true);
            out.push(']');
        }
        Value::Tuple(items) if items.len() == 2 => {
            out.push('{');
            write(out, &items[0]);
            out.push_str(", ");
            match items[1].as_list() {
                Some(l) if !l.is_empty() && keyword_start(l) == 0 => write_items(out, l, true),
                _ => write(out, &items[1]),
            }
            out.push('}');
        }
        Value::Tuple(_) => match node(v) {
            Some((form, meta, args)) => write_node(out, form, meta, args),
            None => out.push_str(&inspect::inspect(v)),
        },
        Value::Quoted(n) => write(out, &Quoter { lines: None, expand_alias: None }.quote(n)),
        other => out.push_str(&inspect::inspect(other)),
    }
}

/// Call arguments: a last argument that is a keyword list loses its brackets.
fn write_call_args(out: &mut String, args: &[Value]) {
    out.push('(');
    write_args(out, args);
    out.push(')');
}

fn write_args(out: &mut String, args: &[Value]) {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match a.as_list() {
            Some(l) if i + 1 == args.len() && !l.is_empty() && keyword_start(l) == 0 => write_items(out, l, true),
            _ => write(out, a),
        }
    }
}

/// An operand of an operator with precedence `prec`, in parentheses when it
/// binds less tightly (or equally, on the side the operator does not associate to).
fn write_operand(out: &mut String, v: &Value, prec: u8, strict: bool) {
    let inner = match node(v) {
        Some((Value::Atom(op), _, Value::List(a))) if a.len() == 2 => binary_op(op).map(|p| p.0),
        Some((Value::Atom(op), _, Value::List(a))) if a.len() == 1 && op.as_ref() == "not" => Some(UNARY_PREC - 1),
        _ => None,
    };
    let paren = inner.is_some_and(|p| p < prec || (strict && p == prec));
    if paren {
        out.push('(');
        write(out, v);
        out.push(')');
    } else {
        write(out, v);
    }
}

const WITHOUT_PARENS: &[(&str, &[usize])] = &[
    ("alias", &[1, 2]),
    ("case", &[2]),
    ("cond", &[1]),
    ("import", &[1, 2]),
    ("quote", &[1, 2]),
    ("receive", &[1]),
    ("require", &[1, 2]),
    ("try", &[1]),
    ("def", &[1, 2]),
    ("defp", &[1, 2]),
    ("defmacro", &[1, 2]),
    ("defmodule", &[2]),
    ("defstruct", &[1]),
    ("raise", &[1, 2]),
    ("reraise", &[2, 3]),
    ("if", &[2]),
    ("unless", &[2]),
    ("use", &[1, 2]),
    ("assert", &[1, 2]),
    ("assert_in_delta", &[3, 4]),
    ("assert_raise", &[2, 3]),
    ("assert_receive", &[1, 2, 3]),
    ("assert_received", &[1, 2]),
    ("refute", &[1, 2]),
    ("refute_in_delta", &[3, 4]),
    ("refute_receive", &[1, 2, 3]),
    ("refute_received", &[1, 2]),
    ("test", &[1, 2]),
    ("setup", &[1, 2]),
    ("describe", &[2]),
    ("config", &[2, 3]),
];

fn without_parens(name: &str, arity: usize) -> bool {
    arity > 0 && WITHOUT_PARENS.iter().any(|(n, a)| *n == name && a.contains(&arity))
}

fn is_interpolation(v: &Value) -> bool {
    match node(v) {
        Some((Value::Atom(op), _, Value::List(a))) if op.as_ref() == "::" && a.len() == 2 => {
            matches!(node(&a[0]), Some((dot, _, _)) if matches!(node(dot), Some((Value::Atom(d), _, Value::List(t))) if d.as_ref() == "." && t.len() == 2 && t[0].as_atom() == Some("Elixir.Kernel") && t[1].as_atom() == Some("to_string")))
        }
        _ => false,
    }
}

fn write_interpolated(out: &mut String, parts: &[Value], close: char) {
    for p in parts {
        match p {
            Value::Str(s) => {
                let mut q = String::new();
                inspect::quote_str(&mut q, s, close);
                out.push_str(q.get(1..q.len().saturating_sub(1)).unwrap_or(""));
            }
            other => {
                out.push_str("#{");
                if let Some((_, _, Value::List(a))) = node(other) {
                    if let Some((_, _, Value::List(inner))) = a.first().and_then(node) {
                        if let Some(e) = inner.first() {
                            write(out, e);
                        }
                    }
                }
                out.push('}');
            }
        }
    }
}

fn closing_delimiter(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        c => c,
    }
}

fn write_node(out: &mut String, form: &Value, meta: &Value, args: &Value) {
    // variables
    if let (Value::Atom(name), Value::Atom(_) | Value::Nil) = (form, args) {
        out.push_str(name);
        return;
    }
    let Some(args) = args_of(args) else {
        out.push_str(&inspect::inspect(&Value::tuple(vec![form.clone(), meta.clone(), args.clone()])));
        return;
    };
    match form {
        Value::Atom(name) => {
            let name: &str = name;
            match (name, args) {
                ("__aliases__", parts) => {
                    let names: Vec<String> =
                        parts.iter().map(|p| p.as_atom().map(str::to_string).unwrap_or_else(|| to_string(p))).collect();
                    out.push_str(&names.join("."));
                }
                ("__block__", [one]) => write(out, one),
                ("__block__", items) => {
                    out.push_str("(\n  ");
                    let inner: Vec<String> = items.iter().map(to_string).collect();
                    out.push_str(&inner.join("\n  "));
                    out.push_str("\n)");
                }
                ("{}", items) => {
                    out.push('{');
                    write_items(out, items, false);
                    out.push('}');
                }
                ("%{}", items) => {
                    out.push_str("%{");
                    write_map_items(out, items);
                    out.push('}');
                }
                ("%", [name, map]) => {
                    out.push('%');
                    write(out, name);
                    match node(map) {
                        Some((_, _, Value::List(items))) => {
                            out.push('{');
                            write_map_items(out, items);
                            out.push('}');
                        }
                        _ => write(out, map),
                    }
                }
                ("<<>>", parts) if !parts.is_empty() && parts.iter().all(|p| matches!(p, Value::Str(_)) || is_interpolation(p)) => {
                    out.push('"');
                    write_interpolated(out, parts, '"');
                    out.push('"');
                }
                ("<<>>", parts) => {
                    out.push_str("<<");
                    for (i, p) in parts.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        match node(p) {
                            Some((Value::Atom(op), _, Value::List(a))) if op.as_ref() == "::" && a.len() == 2 => {
                                write(out, &a[0]);
                                out.push_str("::");
                                write(out, &a[1]);
                            }
                            _ => write(out, p),
                        }
                    }
                    out.push_str(">>");
                }
                ("fn", clauses) => {
                    out.push_str("fn");
                    if clauses.len() == 1 {
                        out.push(' ');
                        write_clause(out, &clauses[0]);
                        out.push_str(" end");
                    } else {
                        for c in clauses {
                            out.push_str("\n  ");
                            write_clause(out, c);
                        }
                        out.push_str("\nend");
                    }
                }
                ("&", [Value::Int(i)]) => out.push_str(&format!("&{i}")),
                ("&", [inner]) => {
                    out.push('&');
                    let is_call = matches!(node(inner), Some((Value::Atom(f), _, Value::List(a))) if binary_op(f).is_none() || a.len() != 2)
                        || matches!(node(inner), Some((Value::Tuple(_), _, _)));
                    let is_fun_ref = matches!(node(inner), Some((Value::Atom(f), _, Value::List(a))) if f.as_ref() == "/" && a.len() == 2);
                    if is_fun_ref {
                        if let Some((_, _, Value::List(a))) = node(inner) {
                            write(out, &a[0]);
                            out.push('/');
                            write(out, &a[1]);
                        }
                    } else if is_call {
                        let mut call = String::new();
                        write(&mut call, inner);
                        // `& &1.title`: a space keeps the two `&` apart.
                        if call.starts_with('&') {
                            out.push(' ');
                        }
                        out.push_str(&call);
                    } else {
                        out.push('(');
                        write(out, inner);
                        out.push(')');
                    }
                }
                ("..//", [a, b, c]) => {
                    write_operand(out, a, 15, true);
                    out.push_str("..");
                    write_operand(out, b, 15, true);
                    out.push_str("//");
                    write_operand(out, c, 15, true);
                }
                ("not", [inner]) if matches!(node(inner), Some((Value::Atom(i), _, Value::List(a))) if i.as_ref() == "in" && a.len() == 2) => {
                    if let Some((_, _, Value::List(a))) = node(inner) {
                        write_operand(out, &a[0], 12, true);
                        out.push_str(" not in ");
                        write_operand(out, &a[1], 12, true);
                    }
                }
                ("@", [inner]) => {
                    out.push('@');
                    match node(inner) {
                        Some((Value::Atom(n), _, Value::List(v))) if v.len() == 1 => {
                            out.push_str(n);
                            out.push(' ');
                            write(out, &v[0]);
                        }
                        _ => write(out, inner),
                    }
                }
                (op, [x]) if unary_op(op) => {
                    out.push_str(op);
                    if op == "not" {
                        out.push(' ');
                    }
                    let simple = !matches!(node(x), Some((Value::Atom(o), _, Value::List(a))) if (a.len() == 2 && binary_op(o).is_some()) || (a.len() == 1 && unary_op(o)));
                    if simple {
                        write(out, x);
                    } else {
                        out.push('(');
                        write(out, x);
                        out.push(')');
                    }
                }
                (op, [l, r]) if binary_op(op).is_some() => {
                    let (prec, right) = binary_op(op).unwrap_or((0, false));
                    write_operand(out, l, prec, right);
                    match op {
                        ".." | "//" => out.push_str(op),
                        "|" => out.push_str(" | "),
                        _ => {
                            out.push(' ');
                            out.push_str(op);
                            out.push(' ');
                        }
                    }
                    write_operand(out, r, prec, !right);
                }
                (sigil, [body, mods])
                    if sigil.starts_with("sigil_") && matches!(node(body), Some((Value::Atom(b), _, _)) if b.as_ref() == "<<>>") =>
                {
                    let open = meta.keyword_get("delimiter").and_then(|d| d.as_str()).and_then(|d| d.chars().next()).unwrap_or('"');
                    let close = closing_delimiter(open);
                    out.push('~');
                    out.push_str(&sigil["sigil_".len()..]);
                    out.push(open);
                    if let Some((_, _, Value::List(parts))) = node(body) {
                        for p in parts.iter() {
                            match p {
                                Value::Str(s) => out.push_str(s),
                                other => write_interpolated(out, std::slice::from_ref(other), close),
                            }
                        }
                    }
                    out.push(close);
                    if let Some(m) = mods.as_list() {
                        out.extend(m.iter().filter_map(|c| c.as_int().and_then(|c| char::from_u32(c as u32))));
                    }
                }
                (name, [lead @ .., Value::List(blocks)])
                    if blocks.first().and_then(keyword_key) == Some("do") && keyword_start(blocks) == 0 =>
                {
                    out.push_str(name);
                    if !lead.is_empty() {
                        if without_parens(name, args.len()) {
                            out.push(' ');
                            write_args(out, lead);
                        } else {
                            write_call_args(out, lead);
                        }
                    }
                    for b in blocks.iter() {
                        if let Some([Value::Atom(k), body]) = b.as_tuple() {
                            out.push_str(if k.as_ref() == "do" { " do\n  " } else { "\n" });
                            if k.as_ref() != "do" {
                                out.push_str(k);
                                out.push_str("\n  ");
                            }
                            let clauses = body.as_list().filter(|l| {
                                !l.is_empty() && l.iter().all(|c| matches!(node(c), Some((Value::Atom(a), _, _)) if a.as_ref() == "->"))
                            });
                            let text = match node(body) {
                                _ if clauses.is_some() => clauses
                                    .unwrap_or_default()
                                    .iter()
                                    .map(|c| {
                                        let mut t = String::new();
                                        write_clause(&mut t, c);
                                        t
                                    })
                                    .collect::<Vec<_>>()
                                    .join("\n"),
                                Some((Value::Atom(b), _, Value::List(items))) if b.as_ref() == "__block__" => {
                                    items.iter().map(to_string).collect::<Vec<_>>().join("\n")
                                }
                                _ => to_string(body),
                            };
                            out.push_str(&text.replace('\n', "\n  "));
                        }
                    }
                    out.push_str("\nend");
                }
                (name, args) => {
                    out.push_str(name);
                    if without_parens(name, args.len()) && !meta_has(meta, "closing") {
                        out.push(' ');
                        write_args(out, args);
                    } else {
                        write_call_args(out, args);
                    }
                }
            }
        }
        Value::Tuple(_) => match node(form) {
            // remote and anonymous calls
            Some((Value::Atom(dot), _, Value::List(target))) if dot.as_ref() == "." => match target.as_slice() {
                [Value::Atom(access), Value::Atom(get)]
                    if access.as_ref() == "Elixir.Access" && get.as_ref() == "get" && args.len() == 2 =>
                {
                    write_remote_target(out, &args[0]);
                    out.push('[');
                    write(out, &args[1]);
                    out.push(']');
                }
                [t, Value::Atom(fun)] => {
                    write_remote_target(out, t);
                    out.push('.');
                    let plain = fun.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
                        && fun.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '?' || c == '!');
                    if plain {
                        out.push_str(fun);
                    } else {
                        let quoted = inspect::atom(fun);
                        out.push_str(quoted.strip_prefix(':').unwrap_or(&quoted));
                    }
                    if !(args.is_empty() && meta_has(meta, "no_parens")) {
                        write_call_args(out, args);
                    }
                }
                [f] => {
                    write_remote_target(out, f);
                    out.push('.');
                    write_call_args(out, args);
                }
                _ => out.push_str(&inspect::inspect(&Value::tuple(vec![form.clone(), meta.clone(), Value::list(args.to_vec())]))),
            },
            _ => {
                write(out, form);
                write_call_args(out, args);
            }
        },
        _ => out.push_str(&inspect::inspect(&Value::tuple(vec![form.clone(), meta.clone(), Value::list(args.to_vec())]))),
    }
}

fn write_remote_target(out: &mut String, t: &Value) {
    // A capture argument stays bare (`&1.title`), as Elixir prints it.
    let capture_arg =
        matches!(node(t), Some((Value::Atom(o), _, Value::List(a))) if o.as_ref() == "&" && matches!(a.as_slice(), [Value::Int(_)]));
    let needs_parens = !capture_arg
        && matches!(node(t), Some((Value::Atom(o), _, Value::List(a))) if (a.len() == 2 && binary_op(o).is_some()) || (a.len() == 1 && unary_op(o)));
    if needs_parens {
        out.push('(');
        write(out, t);
        out.push(')');
    } else {
        write(out, t);
    }
}

fn write_map_items(out: &mut String, items: &[Value]) {
    if let [single] = items {
        if let Some((Value::Atom(bar), _, Value::List(a))) = node(single) {
            if bar.as_ref() == "|" && a.len() == 2 {
                write(out, &a[0]);
                out.push_str(" | ");
                if let Some(pairs) = a[1].as_list() {
                    write_map_items(out, pairs);
                }
                return;
            }
        }
    }
    let k = keyword_start(items);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match item.as_tuple() {
            Some([key, value]) if i >= k => {
                out.push_str(&inspect::key(key.as_atom().unwrap_or_default()));
                out.push(' ');
                write(out, value);
            }
            Some([key, value]) => {
                write(out, key);
                out.push_str(" => ");
                write(out, value);
            }
            _ => write(out, item),
        }
    }
}

fn write_clause(out: &mut String, c: &Value) {
    if let Some((_, _, Value::List(a))) = node(c) {
        if let [params, body] = a.as_slice() {
            if let Some(ps) = params.as_list() {
                write_items(out, ps, false);
                if !ps.is_empty() {
                    out.push(' ');
                }
            }
            out.push_str("-> ");
            write(out, body);
            return;
        }
    }
    write(out, c);
}
