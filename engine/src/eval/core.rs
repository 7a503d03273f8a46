//! Evaluation of expressions, calls and module definitions.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::pattern::{bind_vars_check, match_pattern};
use super::{EResult, Env, Error, Exception, FunClause, Interp, MacroFn, Module};
use crate::diag::Span;
use crate::syntax::ast::{Clause, Kind, Node, StrPart};
use crate::value::calendar::{Date, DateTime, NaiveDateTime, Time};
use crate::value::{inspect, Function, Regex, Struct, Value};

fn raise(kind: &str, msg: impl Into<String>, span: Span) -> Box<Error> {
    Error::raise(kind, msg, span)
}

impl Interp {
    pub fn eval(&mut self, node: &Node, env: &mut Env) -> EResult<Value> {
        self.tick(node.span)?;
        match &node.kind {
            Kind::Nil => Ok(Value::Nil),
            Kind::Bool(b) => Ok(Value::Bool(*b)),
            Kind::Int(i) => Ok(Value::Int(*i)),
            Kind::BigInt(s) => crate::value::bigint::BigInt::parse(&s.replace('_', ""), 10)
                .map(Value::from_bigint)
                .ok_or_else(|| raise("ArgumentError", format!("invalid integer literal {s}"), node.span)),
            Kind::Float(f) => Ok(Value::Float(*f)),
            Kind::Atom(a) => Ok(Value::atom(a)),
            Kind::Alias(parts) => Ok(Value::module(&env.resolve_alias(parts))),
            Kind::Str(parts) => Ok(Value::string(self.interpolate(parts, env)?)),
            Kind::Charlist(parts) => {
                let s = self.interpolate(parts, env)?;
                Ok(Value::list(s.chars().map(|c| Value::Int(c as i64)).collect()))
            }
            Kind::Sigil { name, parts, modifiers } => {
                let s = self.interpolate(parts, env)?;
                self.sigil(name, &s, modifiers, node.span)
            }
            Kind::Bitstring(segs) => self.bitstring(segs, env, node.span),
            Kind::Var(name) => self.eval_var(name, env, node.span),
            Kind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i, env)?);
                }
                Ok(Value::list(out))
            }
            Kind::ConsList(items, tail) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i, env)?);
                }
                let tail = self.eval(tail, env)?;
                Ok(cons(out, tail))
            }
            Kind::Tuple(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i, env)?);
                }
                Ok(Value::tuple(out))
            }
            Kind::Map { update, entries } => {
                let mut pairs = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let k = self.eval(k, env)?;
                    let v = self.eval(v, env)?;
                    pairs.push((k, v));
                }
                match update {
                    None => Ok(Value::map(pairs.into_iter().collect())),
                    Some(base) => {
                        let base = self.eval(base, env)?;
                        update_map(&base, pairs, node.span)
                    }
                }
            }
            Kind::Struct { name, update, entries } => self.eval_struct(name, update.as_deref(), entries, env, node.span),
            Kind::BinOp { op, lhs, rhs } => self.eval_binop(op, lhs, rhs, env, node.span),
            Kind::UnOp { op, operand } => self.eval_unop(op, operand, env, node.span),
            Kind::Call { name, args, .. } => self.eval_call(name, args, env, node.span),
            Kind::Dot { target, name, args, parens } => self.eval_dot(target, name, args, *parens, env, node.span),
            Kind::AnonCall { fun, args } => {
                // `:name.(args)` compiles to an Erlang local call `name(args)`: the
                // current module's own function, else undefined
                if let Kind::Atom(name) = &fun.kind {
                    let args_v = self.eval_args(args, env)?;
                    return match env.module.clone() {
                        Some(m) if self.user_function(&m, name, args_v.len(), true).is_some() => {
                            self.call_in(crate::value::alias_name(&m), name, args_v, node.span, true)
                        }
                        _ => Err(raise(
                            "UndefinedFunctionError",
                            format!("function {name}/{} is undefined (there is no such import)", args_v.len()),
                            node.span,
                        )),
                    };
                }
                let f = self.eval(fun, env)?;
                let args_v = self.eval_args(args, env)?;
                self.apply(&f, args_v, node.span)
            }
            Kind::Access { target, key } => {
                let t = self.eval(target, env)?;
                let k = self.eval(key, env)?;
                access_get(&t, &k, node.span)
            }
            Kind::Capture(inner) => self.eval_capture(inner, env, node.span),
            Kind::CaptureArg(_) => Err(raise("CompileError", "capture argument &N must be used within the capture operator &", node.span)),
            Kind::Fn(clauses) => {
                let arity = clauses.first().map_or(0, |c| c.args.len());
                if clauses.iter().any(|c| c.args.len() != arity) {
                    return Err(raise("CompileError", "cannot mix clauses with different arities in anonymous functions", node.span));
                }
                Ok(Value::Fun(Rc::new(Function::Closure { clauses: Rc::new(clauses.clone()), env: Rc::new(env.clone()), arity })))
            }
            Kind::Block(items) => {
                let mut last = Value::Nil;
                for i in items {
                    last = self.eval(i, env)?;
                }
                Ok(last)
            }
            Kind::Clauses(_) => Err(raise("SyntaxError", "unexpected -> clauses", node.span)),
            Kind::Attr { name, value } => self.eval_attr(name, value.as_deref(), env, node.span),
            Kind::Error => Err(raise("SyntaxError", "invalid syntax here", node.span)),
        }
    }

    pub fn eval_args(&mut self, args: &[Node], env: &mut Env) -> EResult<Vec<Value>> {
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            out.push(self.eval(a, env)?);
        }
        Ok(out)
    }

    fn eval_var(&mut self, name: &str, env: &mut Env, span: Span) -> EResult<Value> {
        if let Some(v) = env.get(name) {
            return Ok(v.clone());
        }
        match name {
            "__MODULE__" => return Ok(env.module.as_ref().map_or(Value::Nil, |m| Value::Atom(m.clone()))),
            "_" => {
                return Err(raise(
                    "CompileError",
                    "invalid use of _. \"_\" represents a value to be ignored in a pattern and cannot be used in expressions",
                    span,
                ))
            }
            _ => {}
        }
        // A zero-arity call written without parentheses.
        if self.resolve_local(name, 0, env).is_some() {
            return self.eval_call(name, &[], env, span);
        }
        Err(raise("CompileError", format!("undefined variable \"{name}\""), span))
    }

    pub(crate) fn interpolate(&mut self, parts: &[StrPart], env: &mut Env) -> EResult<String> {
        let mut s = String::new();
        for p in parts {
            match p {
                StrPart::Lit(t) => s.push_str(t),
                StrPart::Interp(n) => {
                    let v = self.eval(n, env)?;
                    s.push_str(&self.to_string_value(&v, n.span)?);
                }
            }
        }
        Ok(s)
    }

    /// `to_string/1`, honouring `defimpl String.Chars` for user structs.
    pub fn to_string_value(&mut self, v: &Value, span: Span) -> EResult<String> {
        if let Some(name) = v.struct_name() {
            let imp = format!("String.Chars.{name}");
            if self.user_function(&format!("Elixir.{imp}"), "to_string", 1, false).is_some() {
                let r = self.call(&imp, "to_string", vec![v.clone()], span)?;
                return to_string(&r, span);
            }
        }
        to_string(v, span)
    }

    fn sigil(&mut self, name: &str, s: &str, mods: &str, span: Span) -> EResult<Value> {
        let invalid = |what: &str| raise("ArgumentError", format!("cannot parse {s:?} as {what}"), span);
        match name {
            "r" | "R" => Ok(make_regex(s, mods).map_err(|e| raise("Regex.CompileError", e, span))?),
            "w" | "W" => {
                let words = s.split_whitespace();
                Ok(Value::list(match mods {
                    "a" => words.map(Value::atom).collect(),
                    "c" => words.map(|w| Value::list(w.chars().map(|c| Value::Int(c as i64)).collect())).collect(),
                    _ => words.map(Value::str).collect(),
                }))
            }
            "D" => Date::parse(s).map(Value::Date).ok_or_else(|| invalid("date")),
            "T" => Time::parse(s).map(Value::Time).ok_or_else(|| invalid("time")),
            "N" => NaiveDateTime::parse(s).map(Value::NaiveDateTime).ok_or_else(|| invalid("naive datetime")),
            "U" => {
                let (naive, zone) = NaiveDateTime::parse_prefix(s).ok_or_else(|| invalid("UTC datetime"))?;
                if zone != "Z" {
                    return Err(invalid("UTC datetime"));
                }
                Ok(Value::DateTime(DateTime { naive }))
            }
            _ => Err(raise("CompileError", format!("undefined sigil ~{name}"), span)),
        }
    }

    fn bitstring(&mut self, segs: &[(Node, Option<Node>)], env: &mut Env, span: Span) -> EResult<Value> {
        use super::pattern::{bit_spec, int_bytes, SegKind};
        let mut bytes = BitBuf::default();
        for (e, ty) in segs {
            let v = self.eval(e, env)?;
            let spec = bit_spec(ty.as_ref());
            let size_bits = match &spec.size {
                Some(n) => match self.eval(n, env)? {
                    Value::Int(k) if k >= 0 => Some(k * spec.unit_bits()),
                    other => {
                        return Err(raise(
                            "ArgumentError",
                            format!("construction of binary failed: invalid size {}", inspect::inspect(&other)),
                            e.span,
                        ))
                    }
                },
                None => None,
            };
            let invalid = |v: &Value| {
                raise(
                    "ArgumentError",
                    format!(
                        "construction of binary failed: segment 1 of type '{}': expected {} but got: {}",
                        match spec.kind {
                            SegKind::Binary => "binary",
                            SegKind::Float => "float",
                            SegKind::Utf8 => "utf8",
                            _ => "integer",
                        },
                        match spec.kind {
                            SegKind::Binary => "a binary",
                            SegKind::Float => "a float or an integer",
                            _ => "an integer",
                        },
                        inspect::inspect(v)
                    ),
                    e.span,
                )
            };
            match (&v, spec.kind) {
                (Value::Int(i), SegKind::Integer) => {
                    let bits = size_bits.unwrap_or(8);
                    match int_bytes(*i, bits, spec.little) {
                        Some(b) => bytes.extend_from_slice(&b),
                        // A big-endian segment of a few bits (`<<1::4, 2::4>>`).
                        None if !spec.little && (0..64).contains(&bits) => bytes.push_bits(*i as u64, bits as u32),
                        None => {
                            return Err(raise("ArgumentError", "bitstring segments that are not whole bytes are not supported", e.span))
                        }
                    }
                }
                (Value::Int(_) | Value::Float(_), SegKind::Float) => {
                    let f = match v {
                        Value::Int(i) => i as f64,
                        Value::Float(f) => f,
                        _ => 0.0,
                    };
                    let mut b = if size_bits == Some(32) { (f as f32).to_be_bytes().to_vec() } else { f.to_be_bytes().to_vec() };
                    if spec.little {
                        b.reverse();
                    }
                    bytes.extend_from_slice(&b);
                }
                // A string literal with a utf type is its code points, each encoded.
                (Value::Str(t), SegKind::Utf8) => bytes.extend_from_slice(t.as_bytes()),
                (Value::Str(t), SegKind::Utf16) => {
                    for u in t.encode_utf16() {
                        let b = if spec.little { u.to_le_bytes() } else { u.to_be_bytes() };
                        bytes.extend_from_slice(&b);
                    }
                }
                (Value::Str(t), SegKind::Utf32) => {
                    for c in t.chars() {
                        let b = if spec.little { (c as u32).to_le_bytes() } else { (c as u32).to_be_bytes() };
                        bytes.extend_from_slice(&b);
                    }
                }
                (Value::Int(i), SegKind::Utf8 | SegKind::Utf16 | SegKind::Utf32) => {
                    let c = char::from_u32(*i as u32).ok_or_else(|| raise("ArgumentError", "invalid codepoint", span))?;
                    match spec.kind {
                        SegKind::Utf8 => {
                            let mut buf = [0; 4];
                            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        SegKind::Utf16 => {
                            let mut buf = [0u16; 2];
                            for u in c.encode_utf16(&mut buf) {
                                bytes.extend_from_slice(&u.to_be_bytes());
                            }
                        }
                        _ => bytes.extend_from_slice(&(c as u32).to_be_bytes()),
                    }
                }
                (Value::Str(_) | Value::Bytes(_) | Value::Bits(_), SegKind::Binary | SegKind::Integer)
                    if spec.kind == SegKind::Binary || ty.is_none() =>
                {
                    let (b, len) = v.as_bits().unwrap_or_default();
                    // `binary` takes whole bytes; `bitstring` any bits.
                    if spec.kind == SegKind::Binary && !spec.bits && size_bits.is_none() && len % 8 != 0 {
                        return Err(invalid(&v));
                    }
                    let n = match size_bits {
                        Some(bits) if spec.kind == SegKind::Binary => bits as usize,
                        _ => len,
                    };
                    if len < n {
                        return Err(invalid(&v));
                    }
                    bytes.extend_bits(b, n);
                }
                _ => return Err(invalid(&v)),
            }
        }
        Ok(Value::bitstring(bytes.bytes, bytes.bits))
    }

    fn eval_struct(&mut self, name: &Node, update: Option<&Node>, entries: &[(Node, Node)], env: &mut Env, span: Span) -> EResult<Value> {
        let module = self.eval(name, env)?;
        let module = module.as_atom().ok_or_else(|| raise("CompileError", "expected a struct name", name.span))?.to_string();
        let mut pairs = Vec::new();
        for (k, v) in entries {
            let kv = self.eval(k, env)?;
            let vv = self.eval(v, env)?;
            pairs.push((kv, vv, k.span));
        }
        let mut base = match update {
            Some(b) => {
                let v = self.eval(b, env)?;
                match v {
                    Value::Struct(s) if *s.module == *module => (*s).clone(),
                    other => {
                        return Err(raise(
                            "BadStructError",
                            format!("expected a struct named {}, got: {}", crate::value::alias_name(&module), inspect::inspect(&other)),
                            span,
                        ))
                    }
                }
            }
            None => {
                let given: Vec<&str> = pairs.iter().filter_map(|(k, _, _)| k.as_atom()).collect();
                self.check_enforced_keys(&module, &given, span)?;
                self.new_struct(&module, span)?
            }
        };
        for (k, v, kspan) in pairs {
            let key = k.as_atom().unwrap_or("").to_string();
            if !base.has(&key) && update.is_none() {
                // Struct literals are checked when they are expanded: a KeyError.
                return Err(raise("KeyError", format!("key {} not found", inspect::inspect(&k)), kspan));
            }
            if !base.set(&key, v) {
                return Err(raise(
                    "KeyError",
                    format!(
                        "key {} not found in: {}",
                        inspect::inspect(&k),
                        inspect::key_error_term(&Value::Struct(Rc::new(base.clone())))
                    ),
                    kspan,
                ));
            }
        }
        Ok(builtin_struct(base))
    }

    /// Raises when a struct with `@enforce_keys` is built without them.
    pub fn check_enforced_keys(&self, module: &str, given: &[&str], span: Span) -> EResult<()> {
        let Some(Value::List(keys)) = self.module_attr(module, "enforce_keys") else { return Ok(()) };
        let missing: Vec<Value> = keys.iter().filter(|k| k.as_atom().is_some_and(|a| !given.contains(&a))).cloned().collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(raise(
            "ArgumentError",
            format!(
                "the following keys must also be given when building struct {}: {}",
                crate::value::alias_name(module),
                inspect::inspect(&Value::list(missing))
            ),
            span,
        ))
    }

    /// A struct with its default values.
    pub fn new_struct(&mut self, module: &str, span: Span) -> EResult<Struct> {
        if let Some(def) = self.struct_def(module) {
            return Ok(Struct { module: Rc::from(module), fields: (*def).clone() });
        }
        let name = crate::value::alias_name(module);
        // Engine structs (`%Ecto.Changeset{}`) come from a built-in `__struct__/0`.
        if let Some(Value::Struct(s)) = self.builtins.function(name, "__struct__", 0).map(|f| f(self, vec![], span)).transpose()? {
            return Ok((*s).clone());
        }
        if let Some(fields) = builtin_exception_fields(name) {
            return Ok(Struct { module: Rc::from(module), fields });
        }
        let fields: Vec<(&str, Value)> = match name {
            "Date" => vec![("calendar", Value::module("Calendar.ISO")), ("year", Value::Nil), ("month", Value::Nil), ("day", Value::Nil)],
            "Range" => vec![("first", Value::Nil), ("last", Value::Nil), ("step", Value::Nil)],
            "URI" => {
                ["scheme", "authority", "userinfo", "host", "port", "path", "query", "fragment"].iter().map(|k| (*k, Value::Nil)).collect()
            }
            _ => {
                return Err(raise(
                    "CompileError",
                    format!("{name}.__struct__/1 is undefined, cannot expand struct {name}. Make sure the struct name is correct."),
                    span,
                ))
            }
        };
        Ok(Struct { module: Rc::from(module), fields: fields.into_iter().map(|(k, v)| (Rc::from(k), v)).collect() })
    }

    fn eval_attr(&mut self, name: &str, value: Option<&Node>, env: &mut Env, span: Span) -> EResult<Value> {
        let module = env.module.clone().ok_or_else(|| raise("ArgumentError", format!("cannot invoke @{name} outside module"), span))?;
        match value {
            // Typespecs and callbacks are declarations, not expressions.
            Some(_) if matches!(name, "spec" | "type" | "typep" | "opaque" | "callback" | "macrocallback") => Ok(Value::Nil),
            Some(v) => {
                let val = self.eval(v, env)?;
                if let Some(m) = self.modules.get_mut(&*module) {
                    m.attributes.insert(name.to_string(), val);
                }
                Ok(Value::Nil)
            }
            None => Ok(self.modules.get(&*module).and_then(|m| m.attributes.get(name)).cloned().unwrap_or(Value::Nil)),
        }
    }

    // ---- operators ---------------------------------------------------------

    fn eval_binop(&mut self, op: &str, lhs: &Node, rhs: &Node, env: &mut Env, span: Span) -> EResult<Value> {
        match op {
            "=" => {
                let v = self.eval(rhs, env)?;
                self.match_or_raise(lhs, &v, env, span)?;
                Ok(v)
            }
            "|>" => {
                // A pipe into a macro is rewritten before expansion, as Elixir
                // does: the macro sees the left side's code (`fragment(...)
                // |> from()` is `from(fragment(...))`), not its value.
                if let Kind::Call { name, args, parens } = &rhs.kind {
                    if !is_special_form(name, args.len() + 1)
                        && matches!(self.resolve_call(name, args.len() + 1, env), Some(Callee::Macro(_)))
                    {
                        let mut a = vec![lhs.clone()];
                        a.extend(args.iter().cloned());
                        let call = Node::new(Kind::Call { name: name.clone(), args: a, parens: *parens }, rhs.span);
                        return self.eval(&call, env);
                    }
                }
                let arg = self.eval(lhs, env)?;
                self.pipe_into(arg, rhs, env, span)
            }
            "&&" | "||" | "and" | "or" => {
                let l = self.eval(lhs, env)?;
                if takes_rhs(op, &l, lhs.span)? {
                    self.eval(rhs, env)
                } else {
                    Ok(l)
                }
            }
            "when" | "<-" | "\\\\" | "::" | "|" | "=>" => Err(raise("CompileError", format!("unexpected operator {op} here"), span)),
            _ => {
                let l = self.eval(lhs, env)?;
                let r = self.eval(rhs, env)?;
                binary_op(op, l, r, span)
            }
        }
    }

    /// `arg |> call(...)`: inserts `arg` as the first argument.
    fn pipe_into(&mut self, arg: Value, rhs: &Node, env: &mut Env, span: Span) -> EResult<Value> {
        let placeholder = "\u{0}pipe";
        let mut env2 = env.clone();
        env2.set(placeholder, arg);
        let pnode = Node::new(Kind::Var(placeholder.to_string()), span);
        let call = match &rhs.kind {
            Kind::Call { name, args, parens } => {
                let mut a = vec![pnode];
                a.extend(args.iter().cloned());
                Node::new(Kind::Call { name: name.clone(), args: a, parens: *parens }, rhs.span)
            }
            Kind::Dot { target, name, args, .. } => {
                let mut a = vec![pnode];
                a.extend(args.iter().cloned());
                Node::new(Kind::Dot { target: target.clone(), name: name.clone(), args: a, parens: true }, rhs.span)
            }
            Kind::AnonCall { fun, args } => {
                let mut a = vec![pnode];
                a.extend(args.iter().cloned());
                Node::new(Kind::AnonCall { fun: fun.clone(), args: a }, rhs.span)
            }
            Kind::Var(name) => Node::new(Kind::Call { name: name.clone(), args: vec![pnode], parens: true }, rhs.span),
            _ => return Err(raise("ArgumentError", "cannot pipe into this expression: the right side of |> must be a call", rhs.span)),
        };
        let result = self.eval(&call, &mut env2);
        // Keep bindings made inside the piped call (rare) but drop the placeholder.
        env2.vars.remove(placeholder);
        *env = env2;
        result
    }

    fn eval_unop(&mut self, op: &str, operand: &Node, env: &mut Env, span: Span) -> EResult<Value> {
        if op == "^" {
            return Err(raise("CompileError", format!("misplaced operator ^{}. The pin operator ^ is supported only inside matches or inside custom macros (like Ecto queries)", node_text(operand)), span));
        }
        let v = self.eval(operand, env)?;
        unary_op(op, v, span)
    }
}

/// Whether `l op rhs` (`&&`, `||`, `and`, `or`) evaluates its right side;
/// otherwise its value is `l`. `and`/`or` need a boolean on the left.
pub(crate) fn takes_rhs(op: &str, l: &Value, lhs_span: Span) -> EResult<bool> {
    match op {
        "&&" => Ok(l.is_truthy()),
        "||" => Ok(!l.is_truthy()),
        _ => match l {
            Value::Bool(b) => Ok((op == "and") == *b),
            other => Err(raise(
                "BadBooleanError",
                format!("expected a boolean on left-side of \"{op}\", got: {}", inspect::inspect(other)),
                lhs_span,
            )),
        },
    }
}

/// What a call reaches (see `Interp::resolve_call`).
pub(crate) enum Callee {
    /// A macro implemented in Rust: it takes the argument nodes.
    Macro(MacroFn),
    /// A `defmacro` of this module (with `Elixir.`).
    UserMacro(String),
    /// A function of this module.
    Function(String),
}

/// The calls [`Interp::special_form`] handles, by name and arity: it is
/// asked only for these, so this list is the one place that says which
/// names are special forms (the explicit stack hands them to the tree walker).
pub(crate) fn is_special_form(name: &str, arity: usize) -> bool {
    matches!(
        (name, arity),
        ("if" | "unless" | "case" | "defmodule" | "defprotocol" | "defdelegate" | "match?", 2)
            | (
                "cond"
                    | "quote"
                    | "defstruct"
                    | "defguard"
                    | "defguardp"
                    | "defexception"
                    | "throw"
                    | "try"
                    | "binary_to_atom"
                    | "\u{0}const",
                1
            )
            | ("alias" | "raise", 1 | 2)
            | ("defimpl" | "reraise", 2 | 3)
            | ("binding", 0)
            | ("..//", 3)
            | ("def" | "defp" | "defmacro" | "defmacrop", _)
    ) || (arity >= 1 && matches!(name, "with" | "for" | "import" | "require" | "use" | "\u{0}dispatch"))
}

/// A unary operator applied to its evaluated operand.
pub(crate) fn unary_op(op: &str, v: Value, span: Span) -> EResult<Value> {
    match (op, v) {
        ("-", Value::Int(i)) => {
            Ok(i.checked_neg().map(Value::Int).unwrap_or_else(|| Value::from_bigint(crate::value::bigint::BigInt::from_i64(i).neg())))
        }
        ("-", Value::BigInt(b)) => Ok(Value::from_bigint(b.neg())),
        ("+", v @ Value::BigInt(_)) => Ok(v),
        ("-", Value::Float(f)) => Ok(Value::Float(-f)),
        ("+", v @ (Value::Int(_) | Value::Float(_))) => Ok(v),
        ("!", v) => Ok(Value::Bool(!v.is_truthy())),
        ("not", Value::Bool(b)) => Ok(Value::Bool(!b)),
        ("~~~", Value::Int(i)) => Ok(Value::Int(!i)),
        ("not", v) => Err(raise("ArgumentError", format!("argument error: not expects a boolean, got: {}", inspect::inspect(&v)), span)),
        (op, v) => Err(raise("ArithmeticError", format!("bad argument in arithmetic expression: {op}({})", inspect::inspect(&v)), span)),
    }
}

impl Interp {
    pub(crate) fn match_or_raise(&mut self, pat: &Node, v: &Value, env: &mut Env, span: Span) -> EResult<()> {
        let mut scratch = env.clone();
        if match_pattern(self, pat, v, &mut scratch)? {
            *env = scratch;
            Ok(())
        } else {
            Err(Error::term_error("MatchError", v, span))
        }
    }

    // ---- captures and function application --------------------------------

    fn eval_capture(&mut self, inner: &Node, env: &mut Env, span: Span) -> EResult<Value> {
        // &Mod.fun/arity or &fun/arity
        if let Kind::BinOp { op, lhs, rhs } = &inner.kind {
            if op == "/" {
                if let Kind::Int(arity) = rhs.kind {
                    let arity = arity as usize;
                    match &lhs.kind {
                        Kind::Dot { target, name, args, .. } if args.is_empty() => {
                            let m = self.eval(target, env)?;
                            let m = m.as_atom().ok_or_else(|| raise("ArgumentError", "invalid capture", span))?.to_string();
                            return Ok(Value::Fun(Rc::new(Function::Named {
                                module: Rc::from(m.as_str()),
                                name: Rc::from(name.as_str()),
                                arity,
                            })));
                        }
                        Kind::Var(name) | Kind::Call { name, .. } => {
                            let module = match self.resolve_local(name, arity, env) {
                                Some(m) => m,
                                None => return Err(raise("CompileError", format!("undefined function {name}/{arity}"), span)),
                            };
                            return Ok(Value::Fun(Rc::new(Function::Named {
                                module: Rc::from(module.as_str()),
                                name: Rc::from(name.as_str()),
                                arity,
                            })));
                        }
                        _ => {}
                    }
                }
            }
        }
        let arity = max_capture_arg(inner);
        let args: Vec<Node> = (1..=arity).map(|i| Node::new(Kind::Var(format!("\u{0}cap{i}")), span)).collect();
        let body = replace_capture_args(inner);
        let clause = Clause { args, guard: None, body, span };
        Ok(Value::Fun(Rc::new(Function::Closure { clauses: Rc::new(vec![clause]), env: Rc::new(env.clone()), arity: arity as usize })))
    }

    /// Calls a function value with arguments.
    pub fn apply(&mut self, f: &Value, args: Vec<Value>, span: Span) -> EResult<Value> {
        let Value::Fun(fun) = f else {
            return Err(Error::term_error("BadFunctionError", f, span));
        };
        if fun.arity() != args.len() {
            return Err(raise(
                "BadArityError",
                format!(
                    "{} with arity {} called with {} argument{} ({})",
                    inspect::inspect(f),
                    fun.arity(),
                    args.len(),
                    if args.len() == 1 { "" } else { "s" },
                    args.iter().map(inspect::inspect).collect::<Vec<_>>().join(", ")
                ),
                span,
            ));
        }
        match &**fun {
            Function::Closure { clauses, env, .. } => {
                let (clauses, base) = (clauses.clone(), env.clone());
                self.call_closure(clauses, base, args, span)
            }
            Function::Named { module, name, .. } => {
                let module = crate::value::alias_name(module).to_string();
                self.call(&module, name, args, span)
            }
            Function::Native { f, .. } => {
                let f = f.clone();
                f(self, args)
            }
        }
    }

    /// The binary a bitstring generator (`<<... <- rhs>>`) walks.
    /// Counts one more evaluation nested on the host's stack, or stops
    /// evaluation when nesting goes deeper than the limits allow.
    pub(crate) fn enter_native(&mut self, span: Span) -> EResult<()> {
        self.native_depth += 1;
        // The stack is only measured when a host asked for it.
        let stack_full = self.limits.max_stack.is_some_and(|max| {
            let here = stack_address();
            if self.native_depth == 1 {
                self.stack_base = here;
            }
            self.stack_base.saturating_sub(here) > max
        });
        if self.native_depth > self.limits.max_native_depth || stack_full {
            let message = if stack_full {
                format!("evaluation stopped: the stack is full at call depth {} (infinite recursion?)", self.depth.max(self.native_depth))
            } else {
                format!("evaluation stopped: call depth exceeded {} (infinite recursion?)", self.limits.max_native_depth)
            };
            self.native_depth -= 1;
            return Err(Box::new(Error::Limit(message, span)));
        }
        Ok(())
    }

    pub(crate) fn match_args(&mut self, c: &Clause, args: &[Value], env: &mut Env) -> EResult<bool> {
        if c.args.len() != args.len() {
            return Ok(false);
        }
        for (p, a) in c.args.iter().zip(args) {
            if !match_pattern(self, p, a, env)? {
                return Ok(false);
            }
        }
        if let Some(g) = &c.guard {
            return self.eval_guard(g, env);
        }
        Ok(true)
    }

    /// Guards: errors count as false.
    pub(crate) fn eval_guard(&mut self, g: &Node, env: &mut Env) -> EResult<bool> {
        // `x when a when b`: either guard may pass
        if let Kind::BinOp { op, lhs, rhs } = &g.kind {
            if op == "when" {
                return Ok(self.eval_guard(lhs, env)? || self.eval_guard(rhs, env)?);
            }
        }
        match self.eval(g, env) {
            Ok(v) => Ok(v.is_truthy()),
            // an undefined variable or function is a compile error, not a failing guard
            Err(e) if e.kind() == "CompileError" => Err(e),
            Err(_) => Ok(false),
        }
    }

    /// An optional guard: `true` when absent.
    pub(crate) fn guard_ok(&mut self, g: Option<&Node>, env: &mut Env) -> EResult<bool> {
        match g {
            Some(g) => self.eval_guard(g, env),
            None => Ok(true),
        }
    }

    // ---- calls ---------------------------------------------------------------

    /// Which module provides the local call `name/arity` here: the current
    /// module, an imported module, or Kernel.
    pub(crate) fn resolve_local(&self, name: &str, arity: usize, env: &Env) -> Option<String> {
        if let Some(m) = &env.module {
            if self.user_function(m, name, arity, true).is_some() {
                return Some(m.to_string());
            }
        }
        for imp in env.imports.iter().rev() {
            let full = Value::module(imp);
            let full = full.as_atom().unwrap_or_default();
            if self.user_function(full, name, arity, false).is_some() {
                return Some(full.to_string());
            }
            if self.builtins.function(imp, name, arity).is_some() || self.builtins.macro_(imp, name, arity).is_some() {
                return Some(imp.clone());
            }
        }
        if self.builtins.function("Kernel", name, arity).is_some() {
            return Some("Kernel".into());
        }
        None
    }

    /// What the local call `name/arity` (not a special form) reaches here:
    /// a macro of an imported module or Kernel, a user macro, or a function
    /// of the current module, an import or Kernel (`None`: undefined).
    pub(crate) fn resolve_call(&self, name: &str, arity: usize, env: &Env) -> Option<Callee> {
        let imported = env.imports.iter().rev().find_map(|imp| self.builtins.macro_(imp, name, arity));
        if let Some(m) = imported.or_else(|| self.builtins.macro_("Kernel", name, arity)) {
            return Some(Callee::Macro(m));
        }
        let module = self.resolve_local(name, arity, env)?;
        if self.is_user_macro(&module, name, arity) {
            return Some(Callee::UserMacro(module));
        }
        Some(Callee::Function(module))
    }

    /// What `module.name/arity` reaches (module as written, with or without
    /// `Elixir.`); a user module's name comes back with `Elixir.`.
    pub(crate) fn resolve_remote(&self, module: &str, name: &str, arity: usize) -> Callee {
        let short = crate::value::alias_name(module);
        if let Some(m) = self.builtins.macro_(short, name, arity) {
            return Callee::Macro(m);
        }
        let full = Value::module(short).as_atom().unwrap_or_default().to_string();
        if self.is_user_macro(&full, name, arity) {
            return Callee::UserMacro(full);
        }
        Callee::Function(full)
    }

    pub(crate) fn user_function(&self, module: &str, name: &str, arity: usize, allow_private: bool) -> Option<&Rc<Vec<FunClause>>> {
        let m = self.modules.get(module)?;
        let cl = m.functions.get(&(name.to_string(), arity))?;
        if !allow_private && cl.iter().all(|c| c.private) {
            return None;
        }
        Some(cl)
    }

    fn eval_call(&mut self, name: &str, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
        let arity = args.len();
        if is_special_form(name, arity) {
            if let Some(v) = self.special_form(name, args, env, span)? {
                return Ok(v);
            }
        }
        let module = match self.resolve_call(name, arity, env) {
            Some(Callee::Macro(m)) => return m(self, args, env, span),
            Some(Callee::UserMacro(module)) => {
                let allow_private = env.module.as_deref() == Some(module.as_str());
                return self.expand_user_macro(&module, name, args, env, span, allow_private);
            }
            Some(Callee::Function(module)) => Some(module),
            None => None,
        };
        let Some(module) = module else {
            if let Some(v) = env.get(name) {
                if matches!(v, Value::Fun(_)) {
                    return Err(raise(
                        "CompileError",
                        format!("undefined function {name}/{arity} (there is a variable named {name}; to call it, use {name}.(...))"),
                        span,
                    ));
                }
            }
            return Err(raise("CompileError", format!("undefined function {name}/{arity} (there is no such import)"), span));
        };
        let vals = self.eval_args(args, env)?;
        self.call_in(&module, name, vals, span, env.module.as_deref() == Some(module.as_str()))
    }

    /// Calls `module.name(args)` (module without `Elixir.`, e.g. `"Enum"` or
    /// `"Blog.Post"`). User modules first, then built-ins.
    pub fn call(&mut self, module: &str, name: &str, args: Vec<Value>, span: Span) -> EResult<Value> {
        self.call_in(module, name, args, span, false)
    }

    pub(crate) fn call_in(&mut self, module: &str, name: &str, args: Vec<Value>, span: Span, allow_private: bool) -> EResult<Value> {
        let full = Value::module(module);
        let full = full.as_atom().unwrap_or_default().to_string();
        if let Some(clauses) = self.user_function(&full, name, args.len(), allow_private).cloned() {
            return self.call_user(&full, name, clauses, args, span);
        }
        if let Some(m) = self.modules.get(full.as_str()) {
            if m.functions.contains_key(&(name.to_string(), args.len())) {
                return Err(raise(
                    "UndefinedFunctionError",
                    format!("function {}.{name}/{} is undefined or private", crate::value::alias_name(&full), args.len()),
                    span,
                ));
            }
        }
        let short = crate::value::alias_name(&full).to_string();
        if let Some(f) = self.builtins.function(&short, name, args.len()) {
            return f(self, args, span);
        }
        if let Some(v) = super::stdlib::struct_module_call(self, &short, name, &args, span)? {
            return Ok(v);
        }
        // the functions `defexception` defines
        let is_exception = self.modules.get(full.as_str()).is_some_and(|m| m.attributes.contains_key("\u{0}exception"));
        if is_exception && args.len() == 1 {
            match name {
                "exception" => return self.user_exception(&full, args.into_iter().next().unwrap_or(Value::Nil), span),
                "message" => {
                    let has_message = self.struct_def(&full).is_some_and(|d| d.iter().any(|(k, _)| &**k == "message"));
                    if has_message {
                        let e = args.into_iter().next().unwrap_or(Value::Nil);
                        return match &e {
                            Value::Struct(s) => Ok(s.get("message").cloned().unwrap_or(Value::Nil)),
                            _ => Err(Error::key_error(&Value::atom("message"), &e, span)),
                        };
                    }
                }
                _ => {}
            }
        }
        if !self.modules.contains_key(full.as_str()) && !self.builtins.has_module(&short) && full.starts_with("Elixir.") {
            return Err(raise("UndefinedFunctionError", super::module_not_available(&full, name, args.len()), span));
        }
        Err(raise("UndefinedFunctionError", format!("function {short}.{name}/{} is undefined or private", args.len()), span))
    }

    /// The arguments of a call with fewer arguments than `fc` has
    /// parameters: defaults are filled from the left among the defaulted
    /// parameters.
    pub(crate) fn fill_defaults(&mut self, fc: &FunClause, args: &[Value]) -> EResult<Vec<Value>> {
        let missing = fc.clause.args.len() - args.len();
        let mut out = Vec::new();
        let mut given = args.iter();
        let mut to_fill = missing;
        let n_defaults = fc.defaults.iter().filter(|d| d.is_some()).count();
        let mut skip_defaults = n_defaults.saturating_sub(missing);
        for d in fc.defaults.iter() {
            match d {
                Some(def) if to_fill > 0 && skip_defaults == 0 => {
                    let mut denv = (*fc.env).clone();
                    out.push(self.eval(def, &mut denv)?);
                    to_fill -= 1;
                }
                Some(_) if skip_defaults > 0 => {
                    skip_defaults -= 1;
                    out.push(given.next().cloned().unwrap_or(Value::Nil));
                }
                _ => out.push(given.next().cloned().unwrap_or(Value::Nil)),
            }
        }
        Ok(out)
    }

    fn eval_dot(&mut self, target: &Node, name: &str, args: &[Node], parens: bool, env: &mut Env, span: Span) -> EResult<Value> {
        if name == "{}" {
            return Err(raise("CompileError", "alias multi-syntax is only allowed in alias/require/import", span));
        }
        // Remote call on an alias or atom module.
        let module = match &target.kind {
            Kind::Alias(parts) => Some(env.resolve_alias(parts)),
            Kind::Atom(a) => Some(a.clone()),
            _ => None,
        };
        if let Some(module) = module {
            return match self.resolve_remote(&module, name, args.len()) {
                Callee::Macro(m) => m(self, args, env, span),
                Callee::UserMacro(full) => self.expand_user_macro(&full, name, args, env, span, false),
                Callee::Function(full) => {
                    let vals = self.eval_args(args, env)?;
                    self.call(&full, name, vals, span)
                }
            };
        }
        let t = self.eval(target, env)?;
        if !parens && args.is_empty() {
            // `__MODULE__.Inner`: an alias under a module atom.
            if let (Value::Atom(m), true) = (&t, name.starts_with(|c: char| c.is_ascii_uppercase())) {
                return Ok(Value::module(&format!("{}.{name}", crate::value::alias_name(m))));
            }
            // field access / zero-arity call on a module value
            match &t {
                Value::Atom(m) if m.starts_with("Elixir.") || !m.is_empty() && !matches!(t, Value::Nil) && t.get_field(name).is_none() => {
                    let m = crate::value::alias_name(m).to_string();
                    return self.call(&m, name, vec![], span);
                }
                _ => return field_access(&t, name, span),
            }
        }
        let vals = self.eval_args(args, env)?;
        match &t {
            Value::Atom(m) => {
                let m = crate::value::alias_name(m).to_string();
                self.call(&m, name, vals, span)
            }
            // `nil`, `true` and `false` are atoms: a module that does not exist.
            Value::Nil | Value::Bool(_) => Err(raise(
                "UndefinedFunctionError",
                super::module_not_available(&inspect::inspect(&t), name, vals.len()),
                span,
            )),
            other => Err(raise("ArgumentError", format!("you attempted to apply a function named :{name} on {}. If you are using Kernel.apply/3, make sure the module is an atom", inspect::inspect(other)), span)),
        }
    }

    // ---- special forms ---------------------------------------------------------

    fn special_form(&mut self, name: &str, args: &[Node], env: &mut Env, span: Span) -> EResult<Option<Value>> {
        let v = match (name, args.len()) {
            ("if", 2) | ("unless", 2) => {
                let cond = self.eval(&args[0], env)?;
                let mut truthy = cond.is_truthy();
                if name == "unless" {
                    truthy = !truthy;
                }
                let key = if truthy { "do" } else { "else" };
                match args[1].keyword_get(key) {
                    Some(body) => {
                        let mut inner = env.clone();

                        self.eval(body, &mut inner)?
                    }
                    None => Value::Nil,
                }
            }
            ("case", 2) => {
                let v = self.eval(&args[0], env)?;
                let clauses = do_clauses(&args[1], "do", span)?;
                self.case_clauses(clauses, &v, env, span)?
            }
            ("cond", 1) => {
                let clauses = do_clauses(&args[0], "do", span)?;
                for c in clauses {
                    let mut inner = env.clone();
                    let head = c.args.first().ok_or_else(|| raise("CompileError", "cond clause needs a condition", c.span))?;
                    if self.eval(head, &mut inner)?.is_truthy() {
                        return Ok(Some(self.eval(&c.body, &mut inner)?));
                    }
                }
                return Err(raise("CondClauseError", "no cond clause evaluated to a truthy value", span));
            }
            ("with", n) if n >= 1 => self.eval_with(args, env, span)?,
            ("for", n) if n >= 1 => self.eval_for(args, env, span)?,
            ("quote", 1) => {
                let body = args[0].keyword_get("do").ok_or_else(|| raise("CompileError", "quote expects a do: block", span))?;
                Value::Quoted(Rc::new(self.unquote_in(body, env)?))
            }
            ("defmodule", 2) => self.defmodule(&args[0], &args[1], env, span)?,
            ("def", _) | ("defp", _) => self.def(name == "defp", args, env, span)?,
            ("defmacro", _) | ("defmacrop", _) => {
                let v = self.def(name == "defmacrop", args, env, span)?;
                self.note_macro(args, env);
                v
            }
            ("defstruct", 1) => self.defstruct(&args[0], env, span)?,
            ("defguard", 1) | ("defguardp", 1) => {
                let (head, guard) = split_when(&args[0]);
                let guard = guard.ok_or_else(|| raise("ArgumentError", format!("{name} expects a when clause"), span))?;
                let body = Node::new(
                    Kind::List(vec![Node::new(Kind::Tuple(vec![Node::new(Kind::Atom("do".into()), span), guard.clone()]), span)]),
                    span,
                );
                self.def(name == "defguardp", &[head.clone(), body], env, span)?
            }
            ("defdelegate", 2) => self.defdelegate(&args[0], &args[1], env, span)?,
            ("defprotocol", 2) => self.defprotocol(&args[0], &args[1], env, span)?,
            ("defimpl", 2) | ("defimpl", 3) => self.defimpl(args, env, span)?,
            ("\u{0}dispatch", _) if !args.is_empty() => {
                let proto = env.module.clone().map(|m| crate::value::alias_name(&m).to_string()).unwrap_or_default();
                let fname = args[0].as_atom().unwrap_or_default().to_string();
                let vals = self.eval_args(&args[1..], env)?;
                return Ok(Some(self.protocol_dispatch(&proto, &fname, vals, span)?));
            }
            ("defexception", 1) => {
                let v = self.defstruct(&args[0], env, span)?;
                if let Some(m) = env.module.clone() {
                    if let Some(def) = self.structs.get(&m).cloned() {
                        let mut st = Struct { module: m.clone(), fields: (*def).clone() };
                        st.mark_exception();
                        self.structs.insert(m.clone(), Rc::new(st.fields));
                    }
                    if let Some(um) = self.modules.get_mut(&*m) {
                        um.attributes.insert("\u{0}exception".to_string(), Value::Bool(true));
                    }
                }
                v
            }
            ("alias", 1) | ("alias", 2) => {
                self.alias(args, env, span)?;
                Value::Nil
            }
            ("import", _) | ("require", _) if !args.is_empty() => {
                let m = self.eval(&args[0], env)?;
                let m = m.as_atom().map(|a| crate::value::alias_name(a).to_string()).unwrap_or_default();
                if name == "import" {
                    env.add_import(&m);
                } else {
                    env.add_require(&m);
                }
                Value::Nil
            }
            ("use", _) if !args.is_empty() => {
                let m = self.eval(&args[0], env)?;
                let m = m.as_atom().map(|a| crate::value::alias_name(a).to_string()).unwrap_or_default();
                if let Some(cur) = env.module.clone() {
                    if let Some(module) = self.modules.get_mut(&*cur) {
                        module.uses.push(m.clone());
                    }
                }
                env.add_import(&m);
                let opts = if args.len() > 1 { vec![args[1].clone()] } else { vec![Node::new(Kind::List(vec![]), span)] };
                if let Some(f) = self.builtins.macro_(&m, "__using__", 1) {
                    f(self, &opts, env, span)?;
                } else {
                    let full = Value::module(&m).as_atom().unwrap_or_default().to_string();
                    if self.is_user_macro(&full, "__using__", 1) {
                        self.expand_user_macro(&full, "__using__", &opts, env, span, false)?;
                    }
                }
                Value::Nil
            }
            ("raise", 1) | ("raise", 2) => return Err(self.eval_raise(args, env, span)?),
            ("reraise", 2) | ("reraise", 3) => return Err(self.eval_raise(&args[..args.len() - 1], env, span)?),
            ("throw", 1) => {
                let v = self.eval(&args[0], env)?;
                return Err(Box::new(Error::Throw(v, span)));
            }
            ("try", 1) => self.eval_try(&args[0], env, span)?,
            ("match?", 2) => {
                let v = self.eval(&args[1], env)?;
                let (pat, guard) = split_when(&args[0]);
                let mut scratch = env.clone();
                let ok = match_pattern(self, pat, &v, &mut scratch)? && self.guard_ok(guard, &mut scratch)?;
                Value::Bool(ok)
            }
            ("binding", 0) => {
                let mut pairs: Vec<_> =
                    env.vars.iter().filter(|(k, _)| !k.starts_with('\u{0}')).map(|(k, v)| (k.to_string(), v.clone())).collect();
                crate::sort::sort_by(&mut pairs, |a, b| a.0.cmp(&b.0));
                Value::list(pairs.into_iter().map(|(k, v)| Value::tuple(vec![Value::atom(&k), v])).collect())
            }
            ("..//", 3) => {
                let a = self.eval(&args[0], env)?;
                let b = self.eval(&args[1], env)?;
                let s = self.eval(&args[2], env)?;
                match (a, b, s) {
                    (Value::Int(a), Value::Int(b), Value::Int(s)) if s != 0 => Value::Range(a, b, s),
                    _ => return Err(raise("ArgumentError", "ranges (first..last//step) expect integers and a non-zero step", span)),
                }
            }
            ("\u{0}const", 1) => {
                let key = args[0].as_plain_str().unwrap_or_default();
                const_get(&key).unwrap_or(Value::Nil)
            }
            ("binary_to_atom", 1) => {
                let v = self.eval(&args[0], env)?;
                Value::atom(v.as_str().unwrap_or_default())
            }
            _ => return Ok(None),
        };
        Ok(Some(v))
    }

    pub(crate) fn case_clauses(&mut self, clauses: &[Clause], v: &Value, env: &mut Env, span: Span) -> EResult<Value> {
        let (c, mut inner) = self.case_match(clauses, v, env, span)?;
        self.eval(&c.body, &mut inner)
    }

    /// The first `case` clause whose pattern and guard accept `v`, with the
    /// scope its body runs in (a copy of `env` with the pattern's bindings).
    pub(crate) fn case_match<'c>(&mut self, clauses: &'c [Clause], v: &Value, env: &Env, span: Span) -> EResult<(&'c Clause, Env)> {
        for c in clauses {
            let mut inner = env.clone();
            let Some(p) = c.args.first() else { continue };
            if match_pattern(self, p, v, &mut inner)? && self.guard_ok(c.guard.as_ref(), &mut inner)? {
                return Ok((c, inner));
            }
        }
        Err(Error::term_error("CaseClauseError", v, span))
    }

    fn eval_with(&mut self, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
        let (opts, steps) = args.split_last().ok_or_else(|| raise("CompileError", "with needs a do block", span))?;
        // Checked before anything runs, as Elixir's expansion does.
        if let Some(else_node) = opts.keyword_get("else") {
            if !matches!(&else_node.kind, Kind::Clauses(c) if !c.is_empty()) {
                return Err(raise("CompileError", "expected -> clauses for :else in \"with\"", span));
            }
        }
        let mut inner = env.clone();
        for step in steps {
            match &step.kind {
                Kind::BinOp { op, lhs, rhs } if op == "<-" => {
                    let v = self.eval(rhs, &mut inner)?;
                    let (pat, guard) = split_when(lhs);
                    let mut scratch = inner.clone();
                    let ok = match_pattern(self, pat, &v, &mut scratch)? && self.guard_ok(guard, &mut scratch)?;
                    if ok {
                        inner = scratch;
                    } else {
                        return match opts.keyword_get("else") {
                            Some(else_node) => {
                                let clauses = match &else_node.kind {
                                    Kind::Clauses(c) => c,
                                    _ => return Err(raise("CompileError", "expected -> clauses for :else in \"with\"", span)),
                                };
                                self.case_clauses(clauses, &v, env, span).map_err(|e| match *e {
                                    Error::Raise(ex) if ex.kind == "CaseClauseError" => Error::term_error("WithClauseError", &v, span),
                                    other => Box::new(other),
                                })
                            }
                            None => Ok(v),
                        };
                    }
                }
                _ => {
                    self.eval(step, &mut inner)?;
                }
            }
        }
        let body = opts.keyword_get("do").ok_or_else(|| raise("CompileError", "with needs a do block", span))?;
        self.eval(body, &mut inner)
    }

    fn eval_for(&mut self, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
        let (opts, gens) = args.split_last().ok_or_else(|| raise("CompileError", "for needs a do block", span))?;
        // `for x <- xs, into: %{} do ... end`: the options and the do block
        // arrive as two trailing keyword lists; merge them as Elixir does.
        let merged;
        let (opts, gens) = match (gens.split_last(), &opts.kind) {
            (Some((Node { kind: Kind::List(a), span: a_span }, rest)), Kind::List(b))
                if gens.last().is_some_and(|n| n.as_keyword().is_some()) =>
            {
                let mut items = a.clone();
                items.extend(b.iter().cloned());
                merged = Node::new(Kind::List(items), a_span.to(opts.span));
                (&merged, rest)
            }
            _ => (opts, gens),
        };
        let body = opts.keyword_get("do").ok_or_else(|| raise("CompileError", "for needs a do block", span))?.clone();
        let into = match opts.keyword_get("into") {
            Some(n) => Some(self.eval(n, env)?),
            None => None,
        };
        let uniq = match opts.keyword_get("uniq") {
            Some(n) => self.eval(n, env)?.is_truthy(),
            None => false,
        };
        let reduce = match opts.keyword_get("reduce") {
            Some(n) => Some(self.eval(n, env)?),
            None => None,
        };
        let mut out = Vec::new();
        let mut acc = reduce.clone();
        self.for_loop(gens, 0, &mut env.clone(), &body, &mut out, &mut acc, span)?;
        if let Some(acc) = acc {
            return Ok(acc);
        }
        if uniq {
            let mut seen = std::collections::BTreeSet::new();
            out.retain(|v| seen.insert(v.clone()));
        }
        match into {
            None => Ok(Value::list(out)),
            Some(Value::Map(m)) => {
                let mut m = (*m).clone();
                for v in out {
                    match v.as_tuple() {
                        Some([k, v]) => {
                            m.insert(k.clone(), v.clone());
                        }
                        _ => return Err(raise("ArgumentError", "for ... into: %{} expects {key, value} tuples", span)),
                    }
                }
                Ok(Value::map(m))
            }
            Some(Value::Str(s)) => {
                let mut s = s.to_string();
                for v in out {
                    s.push_str(&to_string(&v, span)?);
                }
                Ok(Value::string(s))
            }
            Some(Value::MapSet(set)) => {
                let mut set = (*set).clone();
                set.extend(out);
                Ok(Value::MapSet(Rc::new(set)))
            }
            Some(Value::List(l)) => {
                let mut l = l.to_vec();
                l.extend(out);
                Ok(Value::list(l))
            }
            Some(other) => Err(raise("ArgumentError", format!("unsupported collectable for into: {}", inspect::inspect(&other)), span)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn for_loop(
        &mut self,
        gens: &[Node],
        i: usize,
        env: &mut Env,
        body: &Node,
        out: &mut Vec<Value>,
        acc: &mut Option<Value>,
        span: Span,
    ) -> EResult<()> {
        if i == gens.len() {
            match acc {
                Some(a) => {
                    let clauses = match &body.kind {
                        Kind::Clauses(c) => c.clone(),
                        _ => return Err(raise("CompileError", "for with :reduce expects -> clauses", body.span)),
                    };
                    let cur = a.clone();
                    *a = self.case_clauses(&clauses, &cur, env, span)?;
                }
                None => out.push(self.eval(body, &mut env.clone())?),
            }
            return Ok(());
        }
        if let Kind::Bitstring(segs) = &gens[i].kind {
            // `<<c <- bin>>`, `<<x::4 <- bits>>`, `<<r::8, g::8, b::8 <- pixels>>`:
            // the segments matched again and again from where the last match
            // ended; the generator stops at the first bits that do not match.
            if let Some(((Node { kind: Kind::BinOp { op, lhs, rhs }, .. }, None), init)) = segs.split_last() {
                if op == "<-" {
                    let src = self.eval(rhs, env)?;
                    let Some((data, len)) = src.as_bits() else {
                        return Err(raise(
                            "ArgumentError",
                            format!("expected a bitstring in a bitstring generator, got: {}", inspect::inspect(&src)),
                            rhs.span,
                        ));
                    };
                    let (pat, guard) = split_when(lhs);
                    let (pat, ty) = match &pat.kind {
                        Kind::BinOp { op, lhs, rhs } if op == "::" => (&**lhs, Some((**rhs).clone())),
                        _ => (pat, None),
                    };
                    let mut psegs = init.to_vec();
                    psegs.push((pat.clone(), ty));
                    let mut pos = 0;
                    while pos < len {
                        self.tick(span)?;
                        let mut inner = env.clone();
                        match super::pattern::match_prefix(self, &psegs, data, len, pos, &mut inner)? {
                            Some(end) if end > pos => pos = end,
                            _ => break,
                        }
                        if self.guard_ok(guard, &mut inner)? {
                            self.for_loop(gens, i + 1, &mut inner, body, out, acc, span)?;
                        }
                    }
                    return Ok(());
                }
            }
        }
        match &gens[i].kind {
            Kind::BinOp { op, lhs, rhs } if op == "<-" => {
                let coll = self.eval(rhs, env)?;
                let items = super::stdlib::enumerate(self, &coll, span)?;
                let (pat, guard) = split_when(lhs);
                for item in items {
                    self.tick(span)?;
                    let mut inner = env.clone();
                    if match_pattern(self, pat, &item, &mut inner)? && self.guard_ok(guard, &mut inner)? {
                        self.for_loop(gens, i + 1, &mut inner, body, out, acc, span)?;
                    }
                }
                Ok(())
            }
            _ => {
                // a filter
                let mut inner = env.clone();
                if self.eval(&gens[i], &mut inner)?.is_truthy() {
                    self.for_loop(gens, i + 1, &mut inner, body, out, acc, span)?;
                }
                Ok(())
            }
        }
    }

    fn eval_raise(&mut self, args: &[Node], env: &mut Env, span: Span) -> EResult<Box<Error>> {
        let first = self.eval(&args[0], env)?;
        let (kind, message, value) = match (&first, args.get(1)) {
            (Value::Str(s), None) => ("RuntimeError".to_string(), s.to_string(), None),
            (Value::Atom(m), opts) => {
                let name = crate::value::alias_name(m).to_string();
                // `raise Mod` calls `Mod.exception/1`: a module that is not an exception fails there.
                let user_module = self.modules.get(&**m);
                let is_exception = match user_module {
                    Some(um) => um.attributes.contains_key("\u{0}exception") || um.functions.contains_key(&("exception".to_string(), 1)),
                    None => {
                        m.starts_with("Elixir.")
                            && (name.ends_with("Error") || builtin_exception_fields(&name).is_some() || name.ends_with("Exception"))
                    }
                };
                if !is_exception && m.starts_with("Elixir.") {
                    let message = if user_module.is_some() {
                        format!("function {name}.exception/1 is undefined or private")
                    } else {
                        super::module_not_available(m, "exception", 1)
                    };
                    return Ok(raise("UndefinedFunctionError", message, span));
                }
                let opts_v = match opts {
                    Some(o) => self.eval(o, env)?,
                    None => Value::list(vec![]),
                };
                // exceptions defined with `defexception`: `Mod.exception/1` builds the
                // struct and `Mod.message/1` the message, default or user-defined.
                if self.modules.contains_key(&**m) {
                    let st = self.user_exception(m, opts_v, span)?;
                    let message = self.user_exception_message(&st, span)?;
                    return Ok(Box::new(Error::Raise(Exception { kind: name, message, span, value: Some(st) })));
                }
                let msg = if let Some(Value::Str(s)) = opts_v.keyword_get("message") {
                    s.to_string()
                } else if let Value::Str(s) = &opts_v {
                    s.to_string()
                } else {
                    self.exception_message(&name, &opts_v)
                };
                let value = if let Some(fields) =
                    builtin_exception_fields(&name).filter(|_| opts_v.as_keyword().is_some() || opts_v.as_str().is_some())
                {
                    let mut st = Struct { module: m.clone(), fields };
                    if let Value::Str(_) = &opts_v {
                        st.set("message", opts_v.clone());
                    }
                    for (k, v) in opts_v.as_keyword().unwrap_or_default() {
                        if st.has(k) {
                            st.set(k, v.clone());
                        }
                    }
                    let v = Value::Struct(Rc::new(st.clone()));
                    if let Some(m) = super::stdlib::erlang::builtin_exception_message(&v) {
                        return Ok(Box::new(Error::Raise(Exception { kind: name, message: m, span, value: Some(v) })));
                    }
                    if st.has("message") && matches!(st.get("message"), Some(Value::Nil)) {
                        st.set("message", Value::string(msg.clone()));
                    }
                    Some(Value::Struct(Rc::new(st)))
                } else {
                    None
                };
                (name, msg, value)
            }
            (Value::Struct(s), None) => {
                let msg = super::stdlib::erlang::builtin_exception_message(&first)
                    .unwrap_or_else(|| s.get("message").and_then(|m| m.as_str()).unwrap_or("").to_string());
                (s.name().to_string(), msg, Some(first.clone()))
            }
            _ => (
                "ArgumentError".to_string(),
                format!(
                    "raise/1 and raise/2 expect a module name, string or exception as the first argument, got: {}",
                    inspect::inspect(&first)
                ),
                None,
            ),
        };
        // A `message/1` callback of the exception module builds the message.
        let mut message = message;
        if let Some(v) = &value {
            let full = format!("Elixir.{kind}");
            if self.user_function(&full, "message", 1, false).is_some() {
                let m = self.call(&kind, "message", vec![v.clone()], span)?;
                message = to_string(&m, span)?;
            }
        }
        Ok(Box::new(Error::Raise(Exception { kind, message, span, value })))
    }

    /// `Mod.exception/1` of a module defined with `defexception`: the user's
    /// own, or the default one (a binary is the message; a keyword list sets
    /// the known fields).
    pub(crate) fn user_exception(&mut self, module: &str, arg: Value, span: Span) -> EResult<Value> {
        let short = crate::value::alias_name(module).to_string();
        if self.user_function(module, "exception", 1, false).is_some() {
            let v = self.call(&short, "exception", vec![arg], span)?;
            return match &v {
                Value::Struct(s) if s.module.as_ref() == module => Ok(v),
                _ => Err(raise(
                    "ArgumentError",
                    format!("expected {short}.exception/1 to return a {short} struct, got: {}", inspect::inspect(&v)),
                    span,
                )),
            };
        }
        let def = self
            .struct_def(module)
            .ok_or_else(|| raise("UndefinedFunctionError", format!("function {short}.exception/1 is undefined or private"), span))?;
        let mut st = Struct { module: Rc::from(module), fields: (*def).clone() };
        match &arg {
            Value::Str(_) if st.has("message") => {
                st.set("message", arg.clone());
            }
            _ => match arg.as_keyword() {
                Some(kw) => {
                    for (k, v) in kw {
                        if st.has(k) {
                            st.set(k, v.clone());
                        }
                    }
                }
                None => return Err(raise("FunctionClauseError", format!("no function clause matching in {short}.exception/1"), span)),
            },
        }
        Ok(Value::Struct(Rc::new(st)))
    }

    /// `Exception.message/1` of a `defexception` struct.
    pub(crate) fn user_exception_message(&mut self, exception: &Value, span: Span) -> EResult<String> {
        let Value::Struct(st) = exception else { return Ok(String::new()) };
        let module = st.module.to_string();
        let short = crate::value::alias_name(&module).to_string();
        let m = if self.user_function(&module, "message", 1, false).is_some() {
            self.call(&short, "message", vec![exception.clone()], span)?
        } else {
            st.get("message").cloned().unwrap_or(Value::Nil)
        };
        match m {
            Value::Str(s) => Ok(s.to_string()),
            other => Ok(format!(
                "got {} while retrieving Exception.message/1 for {} (expected a string)",
                inspect::inspect(&other),
                inspect::inspect(exception)
            )),
        }
    }

    /// Records the arities of a `defmacro` so calls expand it.
    fn note_macro(&mut self, args: &[Node], env: &Env) {
        let Some(module) = env.module.clone() else { return };
        let Some(head) = args.first() else { return };
        let (call, _) = split_when(head);
        let (name, params) = match &call.kind {
            Kind::Call { name, args, .. } => (name.clone(), args.as_slice()),
            Kind::Var(name) => (name.clone(), &[][..]),
            _ => return,
        };
        let defaults = params.iter().filter(|p| matches!(&p.kind, Kind::BinOp { op, .. } if op == "\\\\")).count();
        if let Some(m) = self.modules.get_mut(&*module) {
            for arity in params.len() - defaults..=params.len() {
                m.attributes.insert(format!("\u{0}macro:{name}/{arity}"), Value::Bool(true));
            }
        }
    }

    /// Whether `module.name/arity` (module with `Elixir.`) is a user macro.
    pub(crate) fn is_user_macro(&self, module: &str, name: &str, arity: usize) -> bool {
        self.modules.get(module).is_some_and(|m| m.attributes.contains_key(&format!("\u{0}macro:{name}/{arity}")))
    }

    /// Expands a user macro: its arguments arrive quoted (literals as
    /// themselves), and the quoted result is evaluated where the call is.
    pub(crate) fn expand_user_macro(
        &mut self,
        module: &str,
        name: &str,
        args: &[Node],
        env: &mut Env,
        span: Span,
        allow_private: bool,
    ) -> EResult<Value> {
        let vals: Vec<Value> = args.iter().map(macro_arg).collect();
        let Some(clauses) = self.user_function(module, name, args.len(), allow_private).cloned() else {
            return Err(raise(
                "UndefinedFunctionError",
                format!("function {}.{name}/{} is undefined or private", crate::value::alias_name(module), args.len()),
                span,
            ));
        };
        let expanded = self.call_user(module, name, clauses, vals, span)?;
        let node = quoted_to_node(&expanded, span);
        self.eval(&node, env)
    }

    /// `quote do ... end`: `unquote(expr)` parts are evaluated now and
    /// spliced in as AST.
    fn unquote_in(&mut self, body: &Node, env: &mut Env) -> EResult<Node> {
        let found = std::cell::RefCell::new(Vec::<(Node, bool)>::new());
        let marked = map_node(body, &|n: &Node| match &n.kind {
            Kind::Call { name, args, .. } if (name == "unquote" || name == "unquote_splicing") && args.len() == 1 => {
                let mut f = found.borrow_mut();
                f.push((args[0].clone(), name == "unquote_splicing"));
                Some(Node::new(
                    Kind::Call { name: "\u{0}unquoted".into(), args: vec![Node::new(Kind::Int(f.len() as i64 - 1), n.span)], parens: true },
                    n.span,
                ))
            }
            _ => None,
        });
        let found = found.into_inner();
        if found.is_empty() {
            return Ok(body.clone());
        }
        let mut nodes = Vec::with_capacity(found.len());
        for (expr, splice) in &found {
            let v = self.eval(expr, env)?;
            nodes.push((quoted_to_node(&v, expr.span), *splice));
        }
        let splice_list = |items: &[Node]| -> Vec<Node> {
            let mut out = Vec::new();
            for it in items {
                match &it.kind {
                    Kind::Call { name, args, .. } if name == "\u{0}unquoted" => {
                        let k = match args.first().map(|a| &a.kind) {
                            Some(Kind::Int(k)) => *k as usize,
                            _ => 0,
                        };
                        match nodes.get(k) {
                            Some((Node { kind: Kind::List(xs), .. }, true)) => out.extend(xs.iter().cloned()),
                            Some((n, _)) => out.push(n.clone()),
                            None => out.push(it.clone()),
                        }
                    }
                    _ => out.push(it.clone()),
                }
            }
            out
        };
        Ok(map_node(&marked, &|n: &Node| match &n.kind {
            Kind::Call { name, args, .. } if name == "\u{0}unquoted" => {
                let k = match args.first().map(|a| &a.kind) {
                    Some(Kind::Int(k)) => *k as usize,
                    _ => 0,
                };
                nodes.get(k).map(|(node, _)| node.clone())
            }
            Kind::List(items) if items.iter().any(|i| matches!(&i.kind, Kind::Call { name, .. } if name == "\u{0}unquoted")) => {
                Some(Node::new(Kind::List(splice_list(items)), n.span))
            }
            _ => None,
        }))
    }

    fn exception_message(&self, name: &str, _opts: &Value) -> String {
        match name {
            "ArgumentError" => "argument error".into(),
            "RuntimeError" => "runtime error".into(),
            _ => format!("got {name}"),
        }
    }

    fn eval_try(&mut self, opts: &Node, env: &mut Env, span: Span) -> EResult<Value> {
        let body = opts.keyword_get("do").ok_or_else(|| raise("CompileError", "try needs a do block", span))?;
        let result = self.eval(body, &mut env.clone());
        let result = match result {
            Ok(v) => match opts.keyword_get("else") {
                Some(Node { kind: Kind::Clauses(c), .. }) => self.case_clauses(c, &v, env, span).map_err(|e| match *e {
                    Error::Raise(ex) if ex.kind == "CaseClauseError" && ex.span == span => Error::term_error("TryClauseError", &v, span),
                    other => Box::new(other),
                }),
                _ => Ok(v),
            },
            Err(e) => {
                let e = match *e {
                    Error::Raise(ex) if ex.kind != "exit" => match opts.keyword_get("rescue") {
                        Some(Node { kind: Kind::Clauses(clauses), .. }) => match self.rescue(clauses, ex, env, span) {
                            Ok(Ok(v)) => return self.after_try(opts, env, Ok(v)),
                            Ok(Err(ex)) => Error::Raise(ex),
                            Err(e) => return self.after_try(opts, env, Err(e)),
                        },
                        _ => Error::Raise(ex),
                    },
                    other => other,
                };
                // `catch kind, value`: throws, exits and (unrescued) errors.
                let (kind, value) = match &e {
                    Error::Throw(v, _) => ("throw", v.clone()),
                    Error::Raise(ex) if ex.kind == "exit" => ("exit", ex.value.clone().unwrap_or(Value::Nil)),
                    // `catch :error, reason` sees the raw reason: an Erlang error that
                    // Elixir would normalize to `%ErlangError{}` is caught as its term
                    Error::Raise(ex) => ("error", caught_error(ex)),
                    _ => return self.after_try(opts, env, Err(Box::new(e))),
                };
                match opts.keyword_get("catch") {
                    Some(Node { kind: Kind::Clauses(clauses), .. }) => {
                        let mut res = None;
                        for c in clauses {
                            let mut inner = env.clone();
                            let (kp, pat) = match c.args.as_slice() {
                                [p] => (None, p),
                                [k, p] => (Some(k), p),
                                _ => continue,
                            };
                            let kind_ok = match kp {
                                None => kind == "throw",
                                Some(k) => match_pattern(self, k, &Value::atom(kind), &mut inner)?,
                            };
                            if kind_ok && match_pattern(self, pat, &value, &mut inner)? {
                                res = Some(self.eval(&c.body, &mut inner));
                                break;
                            }
                        }
                        res.unwrap_or(Err(Box::new(e)))
                    }
                    _ => Err(Box::new(e)),
                }
            }
        };
        self.after_try(opts, env, result)
    }

    fn after_try(&mut self, opts: &Node, env: &mut Env, result: EResult<Value>) -> EResult<Value> {
        if let Some(after) = opts.keyword_get("after") {
            self.eval(after, &mut env.clone())?;
        }
        result
    }

    /// Runs the first matching rescue clause; `Ok(Err(ex))` when none matches.
    fn rescue(&mut self, clauses: &[Clause], ex: Exception, env: &mut Env, _span: Span) -> EResult<Result<Value, Exception>> {
        let exv = exception_value(&ex);
        for c in clauses {
            let Some(head) = c.args.first() else { continue };
            let mut inner = env.clone();
            let (var, mods): (Option<&str>, Vec<&Node>) = match &head.kind {
                Kind::BinOp { op, lhs, rhs } if op == "in" => {
                    let var = if let Kind::Var(v) = &lhs.kind { Some(v.as_str()) } else { None };
                    let mods = match &rhs.kind {
                        Kind::List(items) => items.iter().collect(),
                        _ => vec![&**rhs],
                    };
                    (var, mods)
                }
                Kind::Var(v) => (Some(v.as_str()), vec![]),
                _ => (None, vec![head]),
            };
            let matches = mods.is_empty()
                || mods.iter().any(|m| match &m.kind {
                    Kind::Alias(parts) => env.resolve_alias(parts) == ex.kind,
                    _ => false,
                });
            if matches {
                if let Some(v) = var {
                    if !v.starts_with('_') {
                        inner.set(v, exv.clone());
                    }
                }
                return self.eval(&c.body, &mut inner).map(Ok);
            }
        }
        Ok(Err(ex))
    }

    // ---- modules ----------------------------------------------------------------

    fn defmodule(&mut self, name: &Node, body: &Node, env: &mut Env, span: Span) -> EResult<Value> {
        let short = match &name.kind {
            Kind::Alias(parts) => parts.join("."),
            _ => return Err(raise("CompileError", "defmodule expects an alias as its name", name.span)),
        };
        let full_name = match &env.module {
            Some(outer) => format!("{}.{short}", crate::value::alias_name(outer)),
            None => env.resolve_alias(std::slice::from_ref(&short)),
        };
        if env.module.is_some() {
            env.add_alias(short.split('.').next().unwrap_or(&short), &full_name);
        }
        let atom = Value::module(&full_name);
        let atom_s: Rc<str> = Rc::from(atom.as_atom().unwrap_or_default());
        self.modules.insert(atom_s.clone(), Module { name: atom_s.clone(), span, ..Module::default() });
        let mut menv = env.module_scope(atom_s.clone());
        let block = body.keyword_get("do").ok_or_else(|| raise("CompileError", "defmodule expects a do block", span))?;
        self.eval(block, &mut menv)?;
        self.note_derived_inspect(&atom_s);
        // Hook for areas that finish a module (schemas register structs).
        let hooks: Vec<String> = self.modules.get(&*atom_s).map(|m| m.uses.clone()).unwrap_or_default();
        for u in hooks {
            if let Some(f) = self.builtins.function(&u, "__after_compile__", 1) {
                f(self, vec![atom.clone()], span)?;
            }
        }
        Ok(Value::tuple(vec![Value::atom("module"), atom, Value::Nil, Value::Nil]))
    }

    fn def(&mut self, private: bool, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
        let module = env.module.clone().ok_or_else(|| raise("ArgumentError", "cannot invoke def/2 outside module", span))?;
        let (head, body) = match args {
            [head, opts] => {
                let body = opts.keyword_get("do").cloned().ok_or_else(|| raise("CompileError", "def expects a do block", span))?;
                (head, body)
            }
            [head] if self.modules.get(&*module).is_some_and(|m| m.attributes.contains_key("\u{0}protocol")) => {
                let (call, _) = split_when(head);
                let (fname, n) = match &call.kind {
                    Kind::Call { name, args, .. } => (name.clone(), args.len()),
                    _ => return Err(raise("CompileError", "invalid protocol function head", call.span)),
                };
                let params: Vec<Node> = (0..n).map(|k| Node::new(Kind::Var(format!("\u{0}p{k}")), span)).collect();
                let mut dargs = vec![Node::new(Kind::Atom(fname.clone()), span)];
                dargs.extend(params.iter().cloned());
                let body = Node::new(Kind::Call { name: "\u{0}dispatch".into(), args: dargs, parens: true }, span);
                let head = Node::new(Kind::Call { name: fname, args: params, parens: true }, call.span);
                let opts =
                    Node::new(Kind::List(vec![Node::new(Kind::Tuple(vec![Node::new(Kind::Atom("do".into()), span), body]), span)]), span);
                return self.def(private, &[head, opts], env, span);
            }
            // A bodiless head declares the defaults of the clauses that follow.
            [head] => return self.def_head(head, &module, span),
            _ => return Err(raise("CompileError", "invalid def", span)),
        };
        let (call, guard) = split_when(head);
        let (name, params): (String, Vec<Node>) = match &call.kind {
            Kind::Call { name, args, .. } => (name.clone(), args.clone()),
            Kind::Var(name) => (name.clone(), vec![]),
            _ => return Err(raise("CompileError", "invalid function head in def", call.span)),
        };
        let mut defaults = Vec::new();
        let mut pats = Vec::new();
        for p in params {
            match p.kind {
                Kind::BinOp { op, lhs, rhs } if op == "\\\\" => {
                    pats.push(*lhs);
                    defaults.push(Some(*rhs));
                }
                kind => {
                    pats.push(Node::new(kind, p.span));
                    defaults.push(None);
                }
            }
        }
        // Module attributes are read at definition time.
        let body = self.expand_attrs(&body, &module);
        let guard = guard.map(|g| self.expand_attrs(g, &module));
        let pats: Vec<Node> = pats.iter().map(|p| self.expand_attrs(p, &module)).collect();
        bind_vars_check(&pats)?;
        if defaults.iter().all(Option::is_none) {
            if let Some(Value::List(head)) =
                self.modules.get(&*module).and_then(|m| m.attributes.get(&format!("\u{0}defhead:{name}/{}", pats.len())))
            {
                defaults = head
                    .iter()
                    .map(|d| match d {
                        Value::Quoted(n) => Some((**n).clone()),
                        _ => None,
                    })
                    .collect();
            }
        }
        let clause = Rc::new(Clause { args: pats, guard, body, span });
        let n_defaults = defaults.iter().filter(|d| d.is_some()).count();
        let arity = clause.args.len();
        let fenv = Rc::new(env.module_scope(module.clone()));
        let m = self.modules.get_mut(&*module).ok_or_else(|| raise("CompileError", "module not found", span))?;
        self.generation += 1;
        for a in (arity - n_defaults)..=arity {
            Rc::make_mut(m.functions.entry((name.clone(), a)).or_default()).push(FunClause {
                clause: clause.clone(),
                private,
                env: fenv.clone(),
                defaults: defaults.clone(),
            });
        }
        Ok(Value::Nil)
    }

    /// `def fun(a, b \\ 1)` without a body: remembers the defaults.
    fn def_head(&mut self, head: &Node, module: &str, span: Span) -> EResult<Value> {
        let (call, _) = split_when(head);
        let (name, params): (String, Vec<Node>) = match &call.kind {
            Kind::Call { name, args, .. } => (name.clone(), args.clone()),
            Kind::Var(name) => (name.clone(), vec![]),
            _ => return Err(raise("CompileError", "invalid function head in def", call.span)),
        };
        let defaults: Vec<Value> = params
            .iter()
            .map(|p| match &p.kind {
                Kind::BinOp { op, rhs, .. } if op == "\\\\" => Value::Quoted(Rc::new(self.expand_attrs(rhs, module))),
                _ => Value::Nil,
            })
            .collect();
        if let Some(m) = self.modules.get_mut(module) {
            m.attributes.insert(format!("\u{0}defhead:{name}/{}", params.len()), Value::list(defaults));
        }
        let _ = span;
        Ok(Value::Nil)
    }

    /// `defdelegate fun(args), to: Mod, as: :other`
    fn defdelegate(&mut self, head: &Node, opts: &Node, env: &mut Env, span: Span) -> EResult<Value> {
        let (call, _) = split_when(head);
        let (fname, params) = match &call.kind {
            Kind::Call { name, args, .. } => (name.clone(), args.clone()),
            Kind::Var(name) => (name.clone(), vec![]),
            _ => return Err(raise("CompileError", "invalid defdelegate head", call.span)),
        };
        let target = opts.keyword_get("to").cloned().ok_or_else(|| raise("ArgumentError", "defdelegate expects a :to option", span))?;
        let as_name = opts.keyword_get("as").and_then(|n| n.as_atom()).map(str::to_string).unwrap_or_else(|| fname.clone());
        let args: Vec<Node> = params
            .iter()
            .map(|p| match &p.kind {
                Kind::BinOp { op, lhs, .. } if op == "\\\\" => (**lhs).clone(),
                _ => p.clone(),
            })
            .collect();
        let body = Node::new(Kind::Dot { target: Box::new(target), name: as_name, args, parens: true }, span);
        let opts = Node::new(Kind::List(vec![Node::new(Kind::Tuple(vec![Node::new(Kind::Atom("do".into()), span), body]), span)]), span);
        let head = Node::new(Kind::Call { name: fname, args: params, parens: true }, call.span);
        self.def(false, &[head, opts], env, span)
    }

    /// `defprotocol Name do def fun(x) end`: a module whose bodiless
    /// functions dispatch on the type of their first argument.
    fn defprotocol(&mut self, name: &Node, body: &Node, env: &mut Env, span: Span) -> EResult<Value> {
        let short = match &name.kind {
            Kind::Alias(parts) => parts.join("."),
            _ => return Err(raise("CompileError", "defprotocol expects an alias as its name", name.span)),
        };
        let full = match &env.module {
            Some(outer) => format!("{}.{short}", crate::value::alias_name(outer)),
            None => env.resolve_alias(std::slice::from_ref(&short)),
        };
        let atom = Value::module(&full);
        let atom_s: Rc<str> = Rc::from(atom.as_atom().unwrap_or_default());
        let mut module = Module { name: atom_s.clone(), span, ..Module::default() };
        module.attributes.insert("\u{0}protocol".into(), Value::Bool(true));
        self.modules.insert(atom_s.clone(), module);
        let mut menv = env.module_scope(atom_s);
        let block = body.keyword_get("do").ok_or_else(|| raise("CompileError", "defprotocol expects a do block", span))?;
        self.eval(block, &mut menv)?;
        Ok(Value::tuple(vec![Value::atom("module"), atom, Value::Nil, Value::Nil]))
    }

    /// `defimpl Proto, for: Type do ... end` defines the module `Proto.Type`.
    fn defimpl(&mut self, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
        let proto = match &args[0].kind {
            Kind::Alias(parts) => env.resolve_alias(parts),
            _ => return Err(raise("CompileError", "defimpl expects a protocol name", args[0].span)),
        };
        let opts = if args.len() == 3 { Some(&args[1]) } else { None };
        let body = args.last().ok_or_else(|| raise("CompileError", "defimpl expects a do block", span))?;
        // `defimpl P, for: T do ... end` may arrive as one keyword list.
        let body = body.clone();
        let for_node = opts.and_then(|o| o.keyword_get("for")).or_else(|| body.keyword_get("for")).cloned();
        let targets: Vec<String> = match &for_node {
            Some(n) => {
                let v = self.eval(n, env)?;
                match v {
                    Value::List(items) => {
                        items.iter().filter_map(|x| x.as_atom().map(|a| crate::value::alias_name(a).to_string())).collect()
                    }
                    other => vec![other.as_atom().map(|a| crate::value::alias_name(a).to_string()).unwrap_or_default()],
                }
            }
            None => vec![env
                .module
                .as_ref()
                .map(|m| crate::value::alias_name(m).to_string())
                .ok_or_else(|| raise("ArgumentError", "defimpl/3 expects a :for option when declared outside a module", span))?],
        };
        let block = body.keyword_get("do").cloned().unwrap_or(Node::new(Kind::Nil, span));
        let mut last = Value::Nil;
        for t in targets {
            let full = format!("{proto}.{t}");
            let atom = Value::module(&full);
            let atom_s: Rc<str> = Rc::from(atom.as_atom().unwrap_or_default());
            let mut module = Module { name: atom_s.clone(), span, ..Module::default() };
            module.attributes.insert("for".into(), Value::module(&t));
            module.attributes.insert("protocol".into(), Value::module(&proto));
            self.modules.insert(atom_s.clone(), module);
            let mut menv = env.module_scope(atom_s);
            self.eval(&block, &mut menv)?;
            last = Value::tuple(vec![Value::atom("module"), atom, Value::Nil, Value::Nil]);
        }
        Ok(last)
    }

    /// Calls the implementation of `proto.fun` for the first argument's type.
    fn protocol_dispatch(&mut self, proto: &str, fun: &str, args: Vec<Value>, span: Span) -> EResult<Value> {
        let first = args.first().cloned().unwrap_or(Value::Nil);
        let type_name = match &first {
            Value::Int(_) => "Integer".to_string(),
            Value::Float(_) => "Float".to_string(),
            Value::Atom(_) | Value::Nil | Value::Bool(_) => "Atom".to_string(),
            Value::Str(_) | Value::Bytes(_) | Value::Bits(_) => "BitString".to_string(),
            Value::List(_) | Value::Improper(_) => "List".to_string(),
            Value::Tuple(_) => "Tuple".to_string(),
            Value::Map(_) => "Map".to_string(),
            Value::Fun(_) => "Function".to_string(),
            other => other.struct_name().unwrap_or("Any").to_string(),
        };
        let arity = args.len();
        for candidate in [type_name.clone(), "Any".to_string()] {
            let module = format!("{proto}.{candidate}");
            let full = format!("Elixir.{module}");
            if self.user_function(&full, fun, arity, false).is_some() {
                if candidate == "Any"
                    && first.struct_name().is_some()
                    && !self.derives(&first, proto)
                    && !self.module_attr(&format!("Elixir.{proto}"), "fallback_to_any").is_some_and(Value::is_truthy)
                {
                    break;
                }
                return self.call(&module, fun, args, span);
            }
        }
        Err(raise(
            "Protocol.UndefinedError",
            format!(
                "protocol {proto} not implemented for type {}\n\nGot value:\n\n    {}\n",
                super::stdlib::value_type(&first),
                inspect::inspect(&first)
            ),
            span,
        ))
    }

    /// The entries of a module's `@derive` (one entry or a list of them).
    fn derived(&self, module: &str) -> &[Value] {
        match self.module_attr(module, "derive") {
            Some(Value::List(l)) => l,
            Some(other) => std::slice::from_ref(other),
            None => &[],
        }
    }

    /// `@derive {Inspect, only: [...], except: [...]}`: how `inspect` prints the struct.
    fn note_derived_inspect(&self, module: &str) {
        for x in self.derived(module) {
            let (m, opts) = match x {
                Value::Tuple(t) if t.len() == 2 => (t[0].clone(), t[1].clone()),
                other => (other.clone(), Value::list(vec![])),
            };
            if m.as_atom().map(crate::value::alias_name) != Some("Inspect") {
                continue;
            }
            let names = |k: &str| -> Option<Vec<String>> {
                opts.keyword_get(k).and_then(|v| v.as_list().map(|l| l.iter().filter_map(|a| a.as_atom().map(str::to_string)).collect()))
            };
            let d = inspect::DerivedInspect { only: names("only"), except: names("except").unwrap_or_default() };
            inspect::set_derived_inspect(module, Some(d));
        }
    }

    /// Whether the struct's module has `@derive` for the protocol.
    fn derives(&self, v: &Value, proto: &str) -> bool {
        let Some(name) = v.struct_name() else { return false };
        self.derived(&format!("Elixir.{name}")).iter().any(|x| {
            let m = match x {
                Value::Tuple(t) if !t.is_empty() => t[0].clone(),
                other => other.clone(),
            };
            m.as_atom().map(crate::value::alias_name) == Some(proto)
        })
    }

    /// Replaces `@attr` reads with their current values.
    pub(crate) fn expand_attrs(&self, node: &Node, module: &str) -> Node {
        let attrs = match self.modules.get(module) {
            Some(m) if !m.attributes.is_empty() => &m.attributes,
            _ => return node.clone(),
        };
        map_node(node, &|n| match &n.kind {
            Kind::Attr { name, value: None } => attrs.get(name).map(|v| value_to_node(v, n.span)),
            _ => None,
        })
    }

    fn defstruct(&mut self, fields: &Node, env: &mut Env, span: Span) -> EResult<Value> {
        let module = env.module.clone().ok_or_else(|| raise("ArgumentError", "defstruct outside module", span))?;
        let v = self.eval(fields, env)?;
        let items = v.as_list().ok_or_else(|| raise("ArgumentError", "defstruct expects a list", span))?;
        let mut out = Vec::new();
        for it in items {
            match it {
                Value::Atom(a) => out.push((a.clone(), Value::Nil)),
                Value::Tuple(t) if t.len() == 2 => {
                    let k = t[0].as_atom().ok_or_else(|| raise("ArgumentError", "struct field names must be atoms", span))?;
                    out.push((Rc::from(k), t[1].clone()));
                }
                other => {
                    return Err(raise("ArgumentError", format!("struct field names must be atoms, got: {}", inspect::inspect(other)), span))
                }
            }
        }
        self.structs.insert(module, Rc::new(out));
        Ok(Value::Nil)
    }

    fn alias(&mut self, args: &[Node], env: &mut Env, span: Span) -> EResult<()> {
        match &args[0].kind {
            Kind::Dot { target, name, args: items, .. } if name == "{}" => {
                let base = match &target.kind {
                    Kind::Alias(parts) => env.resolve_alias(parts),
                    _ => return Err(raise("CompileError", "invalid alias", span)),
                };
                for it in items {
                    if let Kind::Alias(parts) = &it.kind {
                        let full = format!("{base}.{}", parts.join("."));
                        env.add_alias(parts.last().map_or("", |s| s.as_str()), &full);
                    }
                }
            }
            Kind::Alias(parts) => {
                let full = env.resolve_alias(parts);
                let short = match args.get(1).and_then(|o| o.keyword_get("as")) {
                    Some(Node { kind: Kind::Alias(p), .. }) => p.join("."),
                    _ => parts.last().cloned().unwrap_or_default(),
                };
                env.add_alias(&short, &full);
            }
            _ => {
                let v = self.eval(&args[0], env)?;
                if let Some(a) = v.as_atom() {
                    let full = crate::value::alias_name(a).to_string();
                    let short = full.rsplit('.').next().unwrap_or(&full).to_string();
                    env.add_alias(&short, &full);
                }
            }
        }
        Ok(())
    }
}

// ---- helpers ---------------------------------------------------------------------

/// The fields (in definition order) of the exception structs Elixir, Ecto
/// and Jason define, for `%KeyError{}` literals and rescued values.
pub(crate) fn builtin_exception_fields(name: &str) -> Option<Vec<(Rc<str>, Value)>> {
    let msg = |m: &str| ("message", Value::str(m));
    let nil = |f: &'static str| (f, Value::Nil);
    let mut fields: Vec<(&str, Value)> = match name {
        "ArgumentError" => vec![msg("argument error")],
        "RuntimeError" => vec![msg("runtime error")],
        "ArithmeticError" => vec![msg("bad argument in arithmetic expression")],
        "SystemLimitError" => vec![msg("a system limit has been reached")],
        "Enum.EmptyError" => vec![msg("empty error")],
        "KeyError" => vec![nil("key"), nil("term"), nil("message")],
        "MatchError" | "CaseClauseError" | "WithClauseError" | "TryClauseError" | "BadMapError" | "BadFunctionError" => vec![nil("term")],
        "BadBooleanError" => vec![nil("term"), nil("operator")],
        "BadStructError" => vec![nil("struct"), nil("term")],
        "BadArityError" => vec![nil("function"), nil("args")],
        "CondClauseError" => vec![],
        "FunctionClauseError" => vec![nil("module"), nil("function"), nil("arity"), nil("kind"), nil("args"), nil("clauses")],
        "UndefinedFunctionError" => vec![nil("module"), nil("function"), nil("arity"), nil("reason"), nil("message")],
        "Protocol.UndefinedError" => vec![nil("protocol"), nil("value"), ("description", Value::str(""))],
        "ErlangError" => vec![nil("original"), nil("reason")],
        "Ecto.NoResultsError"
        | "Ecto.MultipleResultsError"
        | "Ecto.QueryError"
        | "Ecto.ChangeError"
        | "Ecto.MigrationError"
        | "Ecto.Query.CompileError"
        | "Ecto.NoPrimaryKeyFieldError"
        | "Jason.EncodeError" => vec![nil("message")],
        "Ecto.Query.CastError" => vec![nil("value"), nil("type"), nil("message")],
        "Ecto.CastError" => vec![nil("type"), nil("value"), nil("message")],
        "Ecto.InvalidChangesetError" => vec![nil("action"), nil("changeset")],
        "Ecto.ConstraintError" => vec![nil("type"), nil("constraint"), nil("message")],
        "Ecto.StaleEntryError" => vec![nil("message"), nil("changeset")],
        "Jason.DecodeError" => vec![nil("position"), nil("token"), nil("data")],
        "ExUnit.AssertionError" => {
            let none = |f: &'static str| (f, Value::atom(super::stdlib::exunit::NO_VALUE));
            vec![none("left"), none("right"), none("message"), none("expr"), none("args"), none("doctest"), ("context", Value::atom("=="))]
        }
        _ => return None,
    };
    fields.insert(0, ("__exception__", Value::Bool(true)));
    Some(fields.into_iter().map(|(k, v)| (Rc::from(k), v)).collect())
}

pub(crate) fn split_when(n: &Node) -> (&Node, Option<&Node>) {
    match &n.kind {
        Kind::BinOp { op, lhs, rhs } if op == "when" => (lhs, Some(rhs)),
        _ => (n, None),
    }
}

pub(crate) fn do_clauses<'a>(opts: &'a Node, key: &str, span: Span) -> EResult<&'a [Clause]> {
    match opts.keyword_get(key) {
        Some(Node { kind: Kind::Clauses(c), .. }) => Ok(c),
        _ => Err(raise("CompileError", "expected -> clauses in the do block", span)),
    }
}

fn node_text(n: &Node) -> String {
    match &n.kind {
        Kind::Var(v) => v.clone(),
        _ => "...".into(),
    }
}

/// `[a, b | tail]`: O(items) when `tail` is a list (it is shared, not copied).
pub(crate) fn cons(mut items: Vec<Value>, tail: Value) -> Value {
    match tail {
        Value::List(l) => Value::List(crate::value::List::prepend(items, l)),
        Value::Improper(imp) => {
            items.extend(imp.0.iter().cloned());
            Value::Improper(Rc::new((items, imp.1.clone())))
        }
        other => {
            if items.is_empty() {
                other
            } else {
                Value::Improper(Rc::new((items, other)))
            }
        }
    }
}

fn update_map(base: &Value, pairs: Vec<(Value, Value)>, span: Span) -> EResult<Value> {
    match base {
        Value::Map(m) => {
            let mut m = (**m).clone();
            for (k, v) in pairs {
                if !m.contains_key(&k) {
                    return Err(Error::key_error(&k, base, span));
                }
                m.insert(k, v);
            }
            Ok(Value::map(m))
        }
        Value::Struct(s) => {
            let mut s = (**s).clone();
            for (k, v) in pairs {
                let key = k.as_atom().unwrap_or("");
                if !s.set(key, v) {
                    return Err(Error::key_error(&k, base, span));
                }
            }
            Ok(Value::Struct(Rc::new(s)))
        }
        Value::Opaque(_) => {
            let mut out = base.clone();
            for (k, v) in pairs {
                let Value::Opaque(o) = &out else { break };
                out = k.as_atom().and_then(|key| o.put_field(key, &v)).ok_or_else(|| Error::key_error(&k, base, span))?;
            }
            Ok(out)
        }
        other => Err(Error::term_error("BadMapError", other, span)),
    }
}

/// Turns a `%Date{}`-style struct built by hand into the native value.
fn builtin_struct(s: Struct) -> Value {
    match s.name() {
        "Date" => {
            let g = |k| s.get(k).and_then(Value::as_int);
            if let (Some(y), Some(m), Some(d)) = (g("year"), g("month"), g("day")) {
                if let Some(date) = Date::new(y as i32, m as u8, d as u8) {
                    return Value::Date(date);
                }
            }
            Value::Struct(Rc::new(s))
        }
        "Range" => {
            let g = |k| s.get(k).and_then(Value::as_int);
            match (g("first"), g("last"), g("step")) {
                (Some(a), Some(b), Some(st)) => Value::Range(a, b, st),
                _ => Value::Struct(Rc::new(s)),
            }
        }
        _ => Value::Struct(Rc::new(s)),
    }
}

pub(crate) fn field_access(t: &Value, name: &str, span: Span) -> EResult<Value> {
    if let Some(v) = t.get_field(name) {
        return Ok(v.clone());
    }
    if let Some(v) = super::stdlib::builtin_field(t, name) {
        return Ok(v);
    }
    match t {
        Value::Map(_) | Value::Struct(_) => Err(Error::key_error(&Value::atom(name), t, span)),
        // `x.name` on an atom is a remote call `x.name()`.
        Value::Nil | Value::Bool(_) | Value::Atom(_) => Err(raise(
            "UndefinedFunctionError",
            format!(
                "function {}.{name}/0 is undefined. If you are using the dot syntax, such as map.field or module.function(), make sure the left side of the dot is an atom or a map",
                inspect::inspect(t)
            ),
            span,
        )),
        // `{:badkey, key, term}` for a term that is not a map: KeyError with a hint
        _ => {
            let mut e = Error::key_error(&Value::atom(name), t, span);
            if let Error::Raise(ex) = &mut *e {
                ex.message.push_str("\n\nIf you are using the dot syntax, such as map.field, make sure the left-hand side of the dot is a map");
            }
            Err(e)
        }
    }
}

pub(crate) fn access_get(t: &Value, k: &Value, span: Span) -> EResult<Value> {
    match t {
        Value::Map(m) => Ok(m.get(k).cloned().unwrap_or(Value::Nil)),
        Value::Nil => Ok(Value::Nil),
        Value::List(items) => {
            let key = k.as_atom().ok_or_else(|| raise("ArgumentError", format!("the Access calls for keywords expect the key to be an atom, got: {}", inspect::inspect(k)), span))?;
            Ok(items
                .iter()
                .find_map(|i| match i.as_tuple() {
                    Some([a, v]) if a.as_atom() == Some(key) => Some(v.clone()),
                    _ => None,
                })
                .unwrap_or(Value::Nil))
        }
        Value::Struct(s) => Err(raise(
            "UndefinedFunctionError",
            format!("function {}.fetch/2 is undefined ({} does not implement the Access behaviour\n\nYou can use the \"struct.field\" syntax to access struct fields. You can also use Access.key!/1 to access struct fields dynamically inside get_in/put_in/update_in)", s.name(), s.name()),
            span,
        )),
        other => Err(raise("ArgumentError", format!("the Access module does not support {}", inspect::inspect(other)), span)),
    }
}

/// What `catch :error, reason` sees: the raw reason, so an Erlang error
/// that Elixir would normalize to `%ErlangError{}` is caught as its term.
pub(crate) fn caught_error(ex: &Exception) -> Value {
    match exception_value(ex) {
        Value::Struct(st) if &*st.module == "Elixir.ErlangError" && !matches!(st.get("original"), None | Some(Value::Nil)) => {
            st.get("original").cloned().unwrap_or(Value::Nil)
        }
        v => v,
    }
}

/// The exception struct a `rescue` binds.
pub(crate) fn exception_value(ex: &Exception) -> Value {
    let v = exception_struct_value(ex);
    match v {
        Value::Struct(s) if !s.has("__exception__") => {
            let mut st = (*s).clone();
            st.mark_exception();
            Value::Struct(Rc::new(st))
        }
        other => other,
    }
}

fn exception_struct_value(ex: &Exception) -> Value {
    if let Some(v) = &ex.value {
        return v.clone();
    }
    // `function M.f/n is undefined ...`: %UndefinedFunctionError{module, function, arity}
    if ex.kind == "UndefinedFunctionError" {
        let mfa = ex.message.strip_prefix("function ").and_then(|r| r.split_once(" is undefined")).map(|(m, _)| m);
        if let Some((mf, arity)) = mfa.and_then(|m| m.rsplit_once('/')) {
            if let (Some((m, f)), Ok(n)) = (mf.rsplit_once('.'), arity.parse::<i64>()) {
                let module = if m.starts_with(|c: char| c.is_ascii_uppercase()) { Value::module(m) } else { Value::atom(m) };
                let fields = vec![
                    (Rc::from("module"), module),
                    (Rc::from("function"), Value::atom(f)),
                    (Rc::from("arity"), Value::Int(n)),
                    (Rc::from("reason"), Value::Nil),
                    (Rc::from("message"), Value::Nil),
                ];
                return Value::Struct(Rc::new(Struct { module: Rc::from("Elixir.UndefinedFunctionError"), fields }));
            }
        }
    }
    if let Some(mut fields) = builtin_exception_fields(&ex.kind).filter(|f| f.iter().any(|(k, _)| &**k == "message")) {
        for (k, v) in fields.iter_mut() {
            if &**k == "message" {
                *v = Value::string(ex.message.clone());
            }
        }
        return Value::Struct(Rc::new(Struct { module: Rc::from(format!("Elixir.{}", ex.kind).as_str()), fields }));
    }
    Value::Struct(Rc::new(Struct {
        module: Rc::from(format!("Elixir.{}", ex.kind).as_str()),
        fields: vec![(Rc::from("message"), Value::string(ex.message.clone()))],
    }))
}

/// The address of a local: how far down the native stack this call is
/// (stacks grow downwards on every target this builds for).
#[inline(never)]
fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

pub(crate) fn make_regex(source: &str, mods: &str) -> Result<Value, String> {
    let mut builder = regex::RegexBuilder::new(&super::pcre::to_rust(source, mods)?);
    builder
        .case_insensitive(mods.contains('i'))
        .multi_line(mods.contains('m'))
        .dot_matches_new_line(mods.contains('s'))
        .ignore_whitespace(mods.contains('x'));
    let compiled = builder.build().map_err(|e| format!("{e}"))?;
    Ok(Value::Regex(Rc::new(Regex { source: source.to_string(), opts: mods.to_string(), compiled: Some(compiled) })))
}

fn max_capture_arg(n: &Node) -> u32 {
    let mut max = 0;
    visit(n, &mut |n| {
        if let Kind::CaptureArg(i) = n.kind {
            max = max.max(i);
        }
    });
    max
}

fn replace_capture_args(n: &Node) -> Node {
    map_node(n, &|n| match n.kind {
        Kind::CaptureArg(i) => Some(Node::new(Kind::Var(format!("\u{0}cap{i}")), n.span)),
        _ => None,
    })
}

/// Visits every node (pre-order).
pub fn visit(n: &Node, f: &mut dyn FnMut(&Node)) {
    f(n);
    let mut go = |c: &Node| visit(c, f);
    match &n.kind {
        Kind::List(items) | Kind::Tuple(items) | Kind::Block(items) => items.iter().for_each(&mut go),
        Kind::ConsList(items, t) => {
            items.iter().for_each(&mut go);
            go(t);
        }
        Kind::Map { update, entries } | Kind::Struct { update, entries, .. } => {
            if let Some(u) = update {
                go(u);
            }
            for (k, v) in entries {
                go(k);
                go(v);
            }
        }
        Kind::Call { args, .. } => args.iter().for_each(&mut go),
        Kind::Dot { target, args, .. } => {
            go(target);
            args.iter().for_each(&mut go);
        }
        Kind::AnonCall { fun, args } => {
            go(fun);
            args.iter().for_each(&mut go);
        }
        Kind::Access { target, key } => {
            go(target);
            go(key);
        }
        Kind::BinOp { lhs, rhs, .. } => {
            go(lhs);
            go(rhs);
        }
        Kind::UnOp { operand, .. } | Kind::Capture(operand) => go(operand),
        Kind::Str(parts) | Kind::Charlist(parts) | Kind::Sigil { parts, .. } => {
            for p in parts {
                if let StrPart::Interp(x) = p {
                    go(x);
                }
            }
        }
        Kind::Bitstring(segs) => {
            for (a, b) in segs {
                go(a);
                if let Some(b) = b {
                    go(b);
                }
            }
        }
        Kind::Attr { value: Some(v), .. } => go(v),
        // Nested captures and fns have their own scope for &N, but
        // `fn` bodies are visited for completeness only when not capturing.
        Kind::Fn(_) | Kind::Clauses(_) => {}
        _ => {}
    }
}

/// Rebuilds a node, replacing sub-nodes for which `f` returns Some.
pub fn map_node(n: &Node, f: &dyn Fn(&Node) -> Option<Node>) -> Node {
    if let Some(r) = f(n) {
        return r;
    }
    let m = |c: &Node| map_node(c, f);
    let mb = |c: &Node| Box::new(map_node(c, f));
    let mc = |c: &Clause| Clause { args: c.args.iter().map(m).collect(), guard: c.guard.as_ref().map(m), body: m(&c.body), span: c.span };
    let kind = match &n.kind {
        Kind::List(items) => Kind::List(items.iter().map(m).collect()),
        Kind::Tuple(items) => Kind::Tuple(items.iter().map(m).collect()),
        Kind::Block(items) => Kind::Block(items.iter().map(m).collect()),
        Kind::ConsList(items, t) => Kind::ConsList(items.iter().map(m).collect(), mb(t)),
        Kind::Map { update, entries } => {
            Kind::Map { update: update.as_deref().map(mb), entries: entries.iter().map(|(k, v)| (m(k), m(v))).collect() }
        }
        Kind::Struct { name, update, entries } => {
            Kind::Struct { name: mb(name), update: update.as_deref().map(mb), entries: entries.iter().map(|(k, v)| (m(k), m(v))).collect() }
        }
        Kind::Call { name, args, parens } => Kind::Call { name: name.clone(), args: args.iter().map(m).collect(), parens: *parens },
        Kind::Dot { target, name, args, parens } => {
            Kind::Dot { target: mb(target), name: name.clone(), args: args.iter().map(m).collect(), parens: *parens }
        }
        Kind::AnonCall { fun, args } => Kind::AnonCall { fun: mb(fun), args: args.iter().map(m).collect() },
        Kind::Access { target, key } => Kind::Access { target: mb(target), key: mb(key) },
        Kind::BinOp { op, lhs, rhs } => Kind::BinOp { op: op.clone(), lhs: mb(lhs), rhs: mb(rhs) },
        Kind::UnOp { op, operand } => Kind::UnOp { op: op.clone(), operand: mb(operand) },
        Kind::Capture(x) => Kind::Capture(mb(x)),
        Kind::Str(parts) => Kind::Str(map_parts(parts, f)),
        Kind::Charlist(parts) => Kind::Charlist(map_parts(parts, f)),
        Kind::Sigil { name, parts, modifiers } => {
            Kind::Sigil { name: name.clone(), parts: map_parts(parts, f), modifiers: modifiers.clone() }
        }
        Kind::Fn(clauses) => Kind::Fn(clauses.iter().map(mc).collect()),
        Kind::Clauses(clauses) => Kind::Clauses(clauses.iter().map(mc).collect()),
        Kind::Bitstring(segs) => Kind::Bitstring(segs.iter().map(|(a, b)| (m(a), b.as_ref().map(m))).collect()),
        Kind::Attr { name, value } => Kind::Attr { name: name.clone(), value: value.as_deref().map(mb) },
        other => other.clone(),
    };
    Node::new(kind, n.span)
}

fn map_parts(parts: &[StrPart], f: &dyn Fn(&Node) -> Option<Node>) -> Vec<StrPart> {
    parts
        .iter()
        .map(|p| match p {
            StrPart::Lit(s) => StrPart::Lit(s.clone()),
            StrPart::Interp(n) => StrPart::Interp(map_node(n, f)),
        })
        .collect()
}

/// A literal node that evaluates to `v` (used to inline module attributes).
pub fn value_to_node(v: &Value, span: Span) -> Node {
    let k = match v {
        Value::Nil => Kind::Nil,
        Value::Bool(b) => Kind::Bool(*b),
        Value::Int(i) => Kind::Int(*i),
        Value::Float(f) => Kind::Float(*f),
        Value::Atom(a) => Kind::Atom(a.to_string()),
        Value::Str(s) => Kind::Str(vec![StrPart::Lit(s.to_string())]),
        Value::List(items) => Kind::List(items.iter().map(|i| value_to_node(i, span)).collect()),
        Value::Tuple(items) => Kind::Tuple(items.iter().map(|i| value_to_node(i, span)).collect()),
        Value::Map(m) => {
            Kind::Map { update: None, entries: m.iter().map(|(k, v)| (value_to_node(k, span), value_to_node(v, span))).collect() }
        }
        other => {
            // Opaque constant: stash it in a literal-holder call.
            return Node::new(
                Kind::Call {
                    name: "\u{0}const".into(),
                    args: vec![Node::new(Kind::Str(vec![StrPart::Lit(const_key(other))]), span)],
                    parens: true,
                },
                span,
            );
        }
    };
    Node::new(k, span)
}

thread_local! {
    static CONSTS: std::cell::RefCell<BTreeMap<String, Value>> = const { std::cell::RefCell::new(BTreeMap::new()) };
}

fn const_key(v: &Value) -> String {
    CONSTS.with(|c| {
        let mut c = c.borrow_mut();
        let key = format!("{}", c.len());
        c.insert(key.clone(), v.clone());
        key
    })
}

pub(crate) fn const_get(key: &str) -> Option<Value> {
    CONSTS.with(|c| c.borrow().get(key).cloned())
}

// ---- operators on values -----------------------------------------------------------

pub fn binary_op(op: &str, l: Value, r: Value, span: Span) -> EResult<Value> {
    match binary_op_raw(op, l, r, span)? {
        // Erlang floats never overflow to infinity or NaN: it raises.
        Value::Float(f) if !f.is_finite() => Err(raise("ArithmeticError", "bad argument in arithmetic expression", span)),
        v => Ok(v),
    }
}

fn binary_op_raw(op: &str, l: Value, r: Value, span: Span) -> EResult<Value> {
    use Value::*;
    let arith = |_l: &Value, _r: &Value| raise("ArithmeticError", "bad argument in arithmetic expression", span);
    Ok(match op {
        "+" | "-" | "*" => match (&l, &r) {
            (Int(a), Int(b)) => {
                let v = match op {
                    "+" => a.checked_add(*b),
                    "-" => a.checked_sub(*b),
                    _ => a.checked_mul(*b),
                };
                match v {
                    Some(v) => Int(v),
                    None => big_arith(op, &l, &r),
                }
            }
            (Int(_) | BigInt(_), Int(_) | BigInt(_)) => big_arith(op, &l, &r),
            (Int(_) | BigInt(_) | Float(_), Int(_) | BigInt(_) | Float(_)) => {
                let (a, b) = (num(&l), num(&r));
                Float(match op {
                    "+" => a + b,
                    "-" => a - b,
                    _ => a * b,
                })
            }
            _ => return Err(arith(&l, &r)),
        },
        "/" => match (&l, &r) {
            (Int(_) | BigInt(_) | Float(_), Int(_) | BigInt(_) | Float(_)) => {
                let b = num(&r);
                if b == 0.0 {
                    return Err(arith(&l, &r));
                }
                Float(num(&l) / b)
            }
            _ => return Err(arith(&l, &r)),
        },
        "**" => match (&l, &r) {
            (Int(a), Int(b)) if *b >= 0 => match u32::try_from(*b).ok().and_then(|b| a.checked_pow(b)) {
                Some(v) => Int(v),
                None => big_pow(&l, *b, span)?,
            },
            (BigInt(_), Int(b)) if *b >= 0 => big_pow(&l, *b, span)?,
            (Int(_) | BigInt(_) | Float(_), Int(_) | BigInt(_) | Float(_)) => Float(num(&l).powf(num(&r))),
            _ => return Err(arith(&l, &r)),
        },
        "==" => Bool(l.loose_eq(&r)),
        "!=" => Bool(!l.loose_eq(&r)),
        "===" => Bool(l == r),
        "!==" => Bool(l != r),
        "<" => Bool(l.compare(&r).is_lt()),
        ">" => Bool(l.compare(&r).is_gt()),
        "<=" => Bool(l.compare(&r).is_le()),
        ">=" => Bool(l.compare(&r).is_ge()),
        "<>" => match (l.as_bytes(), r.as_bytes()) {
            (Some(a), Some(b)) => {
                let mut v = a.to_vec();
                v.extend_from_slice(b);
                Value::binary(&v)
            }
            // `l <> r` is `<<l::binary, r::binary>>`: the VM names the first bad segment.
            (a, _) => {
                let (n, bad) = if a.is_none() { (1, &l) } else { (2, &r) };
                return Err(raise(
                    "ArgumentError",
                    format!(
                        "construction of binary failed: segment {n} of type 'binary': expected a binary but got: {}",
                        inspect::inspect(bad)
                    ),
                    span,
                ));
            }
        },
        "++" => match &l {
            List(a) => {
                let items = a.to_vec();
                cons(items, r)
            }
            _ => return Err(raise("ArgumentError", format!("argument error: {} ++ {}", inspect::inspect(&l), inspect::inspect(&r)), span)),
        },
        "--" => match (&l, &r) {
            (List(a), List(b)) => {
                let mut out = a.to_vec();
                for x in b.iter() {
                    if let Some(i) = out.iter().position(|y| y == x) {
                        out.remove(i);
                    }
                }
                Value::list(out)
            }
            _ => return Err(raise("ArgumentError", "argument error: -- expects lists", span)),
        },
        "in" | "not in" => {
            let found = super::stdlib::member(&r, &l, span)?;
            Bool(if op == "in" { found } else { !found })
        }
        ".." => match (&l, &r) {
            (Int(a), Int(b)) => Range(*a, *b, if a <= b { 1 } else { -1 }),
            _ => return Err(raise("ArgumentError", "ranges (first..last) expect both sides to be integers", span)),
        },
        "=~" => match (&l, &r) {
            (Str(_) | Bytes(_), Regex(_)) => Bool(super::stdlib::regex::is_match(&r, &l, "Kernel.=~/2", span)?),
            (Str(s), Str(p)) => Bool(s.contains(&**p)),
            _ => return Err(raise("ArgumentError", "=~ expects a string and a regex", span)),
        },
        "&&&" | "|||" | "^^^" | "<<<" | ">>>" => match (&l, &r) {
            (Int(a), Int(b)) => Int(match op {
                "&&&" => a & b,
                "|||" => a | b,
                "^^^" => a ^ b,
                "<<<" if *b >= 0 => a.checked_shl((*b).min(63) as u32).unwrap_or(0),
                "<<<" => a >> b.saturating_neg().min(63),
                _ if *b >= 0 => a >> (*b).min(63),
                _ => a.checked_shl(b.saturating_neg().min(63) as u32).unwrap_or(0),
            }),
            _ => return Err(arith(&l, &r)),
        },
        "//" => return Err(raise("CompileError", "// is only allowed after a range: first..last//step", span)),
        _ => return Err(raise("CompileError", format!("unsupported operator {op}"), span)),
    })
}

/// `+`, `-` or `*` on integers that do not fit in an i64.
fn big_arith(op: &str, l: &Value, r: &Value) -> Value {
    let (Some(a), Some(b)) = (l.as_bigint(), r.as_bigint()) else { return Value::Nil };
    Value::from_bigint(match op {
        "+" => a.add(&b),
        "-" => a.sub(&b),
        _ => a.mul(&b),
    })
}

/// `base ** exp` past the i64 range (exponents are kept reasonable).
pub(crate) fn big_pow(base: &Value, exp: i64, span: Span) -> EResult<Value> {
    let b = base.as_bigint().unwrap_or_else(crate::value::bigint::BigInt::zero);
    let bits = (b.mag.len() as i64 * 32).max(1);
    if exp.saturating_mul(bits) > 1_000_000 {
        return Err(raise("SystemLimitError", "a system limit has been reached", span));
    }
    Ok(Value::from_bigint(b.pow(exp as u64)))
}

fn num(v: &Value) -> f64 {
    match v {
        Value::BigInt(b) => b.to_f64(),
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

/// `to_string/1` (String.Chars).
pub fn to_string(v: &Value, span: Span) -> EResult<String> {
    Ok(match v {
        Value::Str(s) => s.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Nil => String::new(),
        Value::Bool(b) => b.to_string(),
        // `Atom.to_string/1`: a module alias keeps its `Elixir.` prefix
        Value::Atom(a) => a.to_string(),
        Value::Int(i) => i.to_string(),
        Value::BigInt(b) => b.to_string(),
        Value::Float(f) => inspect::float(*f),
        Value::List(items) => {
            let mut s = String::new();
            for i in items.iter() {
                match i {
                    Value::Int(c) => s.push(char::from_u32(*c as u32).ok_or_else(|| raise("ArgumentError", "invalid codepoint in list", span))?),
                    Value::Str(t) => s.push_str(t),
                    Value::List(_) => s.push_str(&to_string(i, span)?),
                    other => return Err(raise("ArgumentError", format!("cannot convert the given list to a string.\n\nTo be converted to a string, a list must either be empty or only contain the following elements:\n\n  * strings\n  * integers representing Unicode code points\n  * a list containing one of these three elements\n\nPlease check the given list or call inspect/1 to get the list representation, got:\n\n{}", inspect::inspect(other)), span)),
                }
            }
            s
        }
        Value::Decimal(d) => d.to_scientific(),
        Value::Date(d) => d.iso(),
        Value::Time(t) => t.iso(),
        Value::NaiveDateTime(n) => n.iso(' '),
        Value::DateTime(d) => format!("{}Z", d.naive.iso(' ')),
        Value::Range(..) | Value::MapSet(_) | Value::Regex(_) => inspect::inspect(v),
        Value::Struct(st) if st.name() == "URI" => super::stdlib::erlang::uri_to_string(v, span)?,
        other => {
            return Err(raise(
                "Protocol.UndefinedError",
                format!(
                    "protocol String.Chars not implemented for type {} (a {}), the value is: {}",
                    type_name(other),
                    type_name(other),
                    inspect::inspect(other)
                ),
                span,
            ))
        }
    })
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Map(_) => "Map",
        Value::Tuple(_) => "Tuple",
        Value::Struct(_) => "Struct",
        Value::Fun(_) => "Function",
        _ => "Any",
    }
}

/// Bytes under construction by `<<...>>`, written bit by bit when a segment
/// is not a whole number of bytes.
#[derive(Default)]
struct BitBuf {
    bytes: Vec<u8>,
    bits: usize,
}

impl BitBuf {
    fn extend_from_slice(&mut self, b: &[u8]) {
        if self.bits.is_multiple_of(8) {
            self.bytes.extend_from_slice(b);
            self.bits += 8 * b.len();
        } else {
            for byte in b {
                self.push_bits(u64::from(*byte), 8);
            }
        }
    }

    /// The first `n` bits of `data`.
    fn extend_bits(&mut self, data: &[u8], n: usize) {
        self.extend_from_slice(&data[..n / 8]);
        if !n.is_multiple_of(8) {
            self.push_bits(u64::from(data[n / 8] >> (8 - n % 8)), (n % 8) as u32);
        }
    }

    /// The low `n` bits of `v`, most significant first.
    fn push_bits(&mut self, v: u64, n: u32) {
        for k in (0..n).rev() {
            if self.bits.is_multiple_of(8) {
                self.bytes.push(0);
            }
            if (v >> k) & 1 == 1 {
                if let Some(last) = self.bytes.last_mut() {
                    *last |= 0x80 >> (self.bits % 8);
                }
            }
            self.bits += 1;
        }
    }
}

/// A macro argument: literals (numbers, atoms, strings, and lists and
/// pairs of them) as themselves, anything else quoted.
fn macro_arg(n: &Node) -> Value {
    match &n.kind {
        Kind::Int(i) => Value::Int(*i),
        Kind::Float(f) => Value::Float(*f),
        Kind::Atom(a) => Value::atom(a),
        Kind::Nil => Value::Nil,
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Str(parts) if parts.iter().all(|p| matches!(p, StrPart::Lit(_))) => Value::string(
            parts
                .iter()
                .map(|p| match p {
                    StrPart::Lit(s) => s.as_str(),
                    StrPart::Interp(_) => "",
                })
                .collect::<String>(),
        ),
        Kind::List(items) => Value::list(items.iter().map(macro_arg).collect()),
        Kind::Tuple(items) if items.len() == 2 => Value::tuple(items.iter().map(macro_arg).collect()),
        _ => Value::Quoted(Rc::new(n.clone())),
    }
}

/// The AST a quoted value stands for: quoted code as is, containers element
/// by element, other values as literals.
fn quoted_to_node(v: &Value, span: Span) -> Node {
    match v {
        Value::Quoted(n) => (**n).clone(),
        Value::List(items) if items.iter().any(|i| matches!(i, Value::Quoted(_) | Value::List(_) | Value::Tuple(_))) => {
            Node::new(Kind::List(items.iter().map(|i| quoted_to_node(i, span)).collect()), span)
        }
        Value::Tuple(items) if items.iter().any(|i| matches!(i, Value::Quoted(_) | Value::List(_) | Value::Tuple(_))) => {
            Node::new(Kind::Tuple(items.iter().map(|i| quoted_to_node(i, span)).collect()), span)
        }
        other => value_to_node(other, span),
    }
}
