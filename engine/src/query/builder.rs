//! From Elixir syntax to query expressions: `Ecto.Query.Builder.escape/5`
//! and friends.
//!
//! Ecto's macros escape the query AST at compile time and evaluate pinned
//! values at run time. Here both happen in one pass: variables in the
//! expression refer to bindings, `^expr` is evaluated right away with the
//! interpreter and becomes a parameter slot with the type the builder
//! inferred for it.

use super::expr::*;
use super::value::{DynamicExpr, QueryError};
use crate::diag::Span;
use crate::eval::{EResult, Env, Error, Interp};
use crate::syntax::ast::{Kind, Node, StrPart};
use crate::value::{alias_name, Value};

pub fn compile_error(msg: impl Into<String>, span: Span) -> Box<Error> {
    Error::raise("Ecto.Query.CompileError", msg, span)
}

pub fn arg_error(msg: impl Into<String>, span: Span) -> Box<Error> {
    Error::raise("ArgumentError", msg, span)
}

/// Bound variables: name -> binding.
#[derive(Clone, Debug, Default)]
pub struct Vars(pub Vec<(String, Bind)>);

impl Vars {
    pub fn get(&self, name: &str) -> Option<&Bind> {
        self.0.iter().rev().find(|(n, _)| n == name).map(|(_, b)| b)
    }

    pub fn push(&mut self, name: &str, b: Bind) {
        self.0.push((name.to_string(), b));
    }
}

/// `Macro.to_string/1`, enough for error messages.
pub fn node_str(n: &Node) -> String {
    match &n.kind {
        Kind::Nil => "nil".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Int(i) => i.to_string(),
        Kind::BigInt(s) => s.clone(),
        Kind::Float(f) => crate::value::inspect::inspect(&Value::Float(*f)),
        Kind::Atom(a) => crate::value::inspect::inspect(&Value::atom(a)),
        Kind::Alias(p) => p.join("."),
        Kind::Str(parts) => {
            let mut s = String::from("\"");
            for p in parts {
                match p {
                    StrPart::Lit(t) => s.push_str(&t.replace('\\', "\\\\").replace('"', "\\\"")),
                    StrPart::Interp(e) => {
                        s.push_str("#{");
                        s.push_str(&node_str(e));
                        s.push('}');
                    }
                }
            }
            s.push('"');
            s
        }
        Kind::Var(v) => v.clone(),
        Kind::List(items) => {
            if let Some(kw) = n.as_keyword() {
                if !kw.is_empty() {
                    return format!("[{}]", kw.iter().map(|(k, v)| format!("{k}: {}", node_str(v))).collect::<Vec<_>>().join(", "));
                }
            }
            format!("[{}]", items.iter().map(node_str).collect::<Vec<_>>().join(", "))
        }
        Kind::Tuple(items) => format!("{{{}}}", items.iter().map(node_str).collect::<Vec<_>>().join(", ")),
        Kind::Map { entries, .. } => format!("%{{{}}}", entries_str(entries)),
        Kind::Struct { name, entries, .. } => format!("%{}{{{}}}", node_str(name), entries_str(entries)),
        Kind::Call { name, args, .. } => format!("{name}({})", args.iter().map(node_str).collect::<Vec<_>>().join(", ")),
        Kind::Dot { target, name, args, parens } => {
            if *parens || !args.is_empty() {
                format!("{}.{name}({})", node_str(target), args.iter().map(node_str).collect::<Vec<_>>().join(", "))
            } else {
                format!("{}.{name}", node_str(target))
            }
        }
        Kind::Access { target, key } => format!("{}[{}]", node_str(target), node_str(key)),
        Kind::BinOp { op, lhs, rhs } => format!("{} {op} {}", node_str(lhs), node_str(rhs)),
        Kind::UnOp { op, operand } => {
            if op == "not" {
                format!("not {}", node_str(operand))
            } else {
                format!("{op}{}", node_str(operand))
            }
        }
        Kind::Block(items) if items.len() == 1 => node_str(&items[0]),
        Kind::Attr { name, .. } => format!("@{name}"),
        _ => "...".into(),
    }
}

fn entries_str(entries: &[(Node, Node)]) -> String {
    entries
        .iter()
        .map(|(k, v)| match &k.kind {
            Kind::Atom(a) => format!("{a}: {}", node_str(v)),
            _ => format!("{} => {}", node_str(k), node_str(v)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Strips redundant parentheses (`(expr)` as a one-element block).
pub fn unwrap(n: &Node) -> &Node {
    match &n.kind {
        Kind::Block(items) if items.len() == 1 => unwrap(&items[0]),
        _ => n,
    }
}

/// `Kernel.|>/2` expanded: `a |> f(b)` is `f(a, b)` (Ecto expands macros
/// it does not know, so pipes work inside query expressions).
pub fn expand_pipe(n: &Node) -> Option<Node> {
    let Kind::BinOp { op, lhs, rhs } = &unwrap(n).kind else { return None };
    if op != "|>" {
        return None;
    }
    let lhs = match expand_pipe(lhs) {
        Some(x) => x,
        None => (**lhs).clone(),
    };
    let r = unwrap(rhs);
    let kind = match &r.kind {
        Kind::Call { name, args, parens } => {
            let mut a = vec![lhs];
            a.extend(args.iter().cloned());
            Kind::Call { name: name.clone(), args: a, parens: *parens }
        }
        Kind::Var(name) => Kind::Call { name: name.clone(), args: vec![lhs], parens: true },
        Kind::Dot { target, name, args, parens } => {
            let mut a = vec![lhs];
            a.extend(args.iter().cloned());
            Kind::Dot { target: target.clone(), name: name.clone(), args: a, parens: *parens }
        }
        _ => return None,
    };
    Some(Node::new(kind, n.span))
}

/// `~w(a b)`/`~W(a b)` (with the `a` or `s` modifier or none) as the list
/// node it expands to: `["a", "b"]` or `[:a, :b]`.
fn sigil_words(n: &Node) -> Option<Node> {
    let Kind::Sigil { name, parts, modifiers } = &n.kind else { return None };
    if !matches!(name.as_str(), "w" | "W") || !matches!(modifiers.as_str(), "" | "a" | "s") {
        return None;
    }
    let mut text = String::new();
    for p in parts {
        match p {
            StrPart::Lit(t) => text.push_str(t),
            StrPart::Interp(_) => return None,
        }
    }
    let items = text
        .split_whitespace()
        .map(|w| {
            let kind = if modifiers == "a" { Kind::Atom(w.to_string()) } else { Kind::Str(vec![StrPart::Lit(w.to_string())]) };
            Node::new(kind, n.span)
        })
        .collect();
    Some(Node::new(Kind::List(items), n.span))
}

/// `^expr`
pub fn pinned(n: &Node) -> Option<&Node> {
    match &unwrap(n).kind {
        Kind::UnOp { op, operand } if op == "^" => Some(operand),
        _ => None,
    }
}

/// A call `name(args)` (local call).
pub fn as_call<'a>(n: &'a Node, name: &str) -> Option<&'a [Node]> {
    match &unwrap(n).kind {
        Kind::Call { name: nm, args, .. } if nm == name => Some(args),
        _ => None,
    }
}

/// A plain variable name (`p`, `_`).
pub fn as_var(n: &Node) -> Option<&str> {
    match &unwrap(n).kind {
        Kind::Var(v) => Some(v),
        _ => None,
    }
}

/// The literal value of a node when it is a compile-time literal
/// (numbers, strings, atoms, booleans, nil, lists/tuples of literals).
pub fn literal_value(n: &Node) -> Option<Value> {
    Some(match &unwrap(n).kind {
        Kind::Nil => Value::Nil,
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Int(i) => Value::Int(*i),
        Kind::Float(f) => Value::Float(*f),
        Kind::Atom(a) => Value::atom(a),
        Kind::Alias(p) => Value::module(&p.join(".")),
        Kind::Str(_) => Value::string(unwrap(n).as_plain_str()?),
        Kind::List(items) => Value::list(items.iter().map(literal_value).collect::<Option<Vec<_>>>()?),
        Kind::Tuple(items) => Value::tuple(items.iter().map(literal_value).collect::<Option<Vec<_>>>()?),
        Kind::UnOp { op, operand } if op == "-" => match literal_value(operand)? {
            Value::Int(i) => Value::Int(-i),
            Value::Float(f) => Value::Float(-f),
            _ => return None,
        },
        _ => return None,
    })
}

/// The accumulator of an escape: params, subqueries and select extras.
pub struct Esc<'a> {
    pub interp: &'a mut Interp,
    pub env: &'a mut Env,
    pub vars: &'a Vars,
    pub params: Vec<Param>,
    pub subqueries: Vec<Query>,
    /// Whether `subquery/1` may appear (`where`, `select`, `order_by`, ...).
    pub allow_subqueries: bool,
    /// `select` only: `struct/2` and `map/2` takes.
    pub take: Vec<(usize, TakeKind, Vec<Value>)>,
    pub aliases: Vec<String>,
    /// The query the expression is for (resolves named bindings); None in `dynamic/2`.
    pub query: Option<&'a Query>,
}

const DYNAMIC_AGGS: &[(&str, usize)] = &[
    ("max", 1),
    ("min", 1),
    ("first_value", 1),
    ("last_value", 1),
    ("nth_value", 2),
    ("lag", 3),
    ("lead", 3),
    ("lag", 2),
    ("lead", 2),
    ("lag", 1),
    ("lead", 1),
];

const STATIC_AGGS: &[(&str, usize, &str)] = &[
    ("count", 0, "integer"),
    ("count", 1, "integer"),
    ("count", 2, "integer"),
    ("avg", 1, "any"),
    ("sum", 1, "any"),
    ("row_number", 0, "integer"),
    ("rank", 0, "integer"),
    ("dense_rank", 0, "integer"),
    ("percent_rank", 0, "any"),
    ("cume_dist", 0, "any"),
    ("ntile", 1, "integer"),
];

const WINDOW_FUNS: &[(&str, usize)] = &[
    ("count", 0),
    ("count", 1),
    ("avg", 1),
    ("sum", 1),
    ("min", 1),
    ("max", 1),
    ("row_number", 0),
    ("rank", 0),
    ("dense_rank", 0),
    ("percent_rank", 0),
    ("cume_dist", 0),
    ("ntile", 1),
    ("first_value", 1),
    ("last_value", 1),
    ("nth_value", 2),
    ("lag", 1),
    ("lag", 2),
    ("lag", 3),
    ("lead", 1),
    ("lead", 2),
    ("lead", 3),
    ("filter", 2),
];

/// `call_type/2`: (argument type, return type) of known calls.
fn call_type(name: &str, arity: usize) -> Option<(QType, QType)> {
    if DYNAMIC_AGGS.iter().any(|(n, a)| *n == name && *a == arity) {
        return Some((QType::Any, QType::Any));
    }
    if let Some((_, _, ret)) = STATIC_AGGS.iter().find(|(n, a, _)| *n == name && *a == arity) {
        return Some((QType::Any, if *ret == "any" { QType::Any } else { QType::atom(ret) }));
    }
    match (name, arity) {
        ("is_nil", 1) | ("==", 2) | ("!=", 2) | ("<", 2) | (">", 2) | ("<=", 2) | (">=", 2) => Some((QType::Any, QType::atom("boolean"))),
        ("or", 2) | ("and", 2) | ("not", 1) => Some((QType::atom("boolean"), QType::atom("boolean"))),
        ("like", 2) | ("ilike", 2) => Some((QType::atom("string"), QType::atom("boolean"))),
        _ => None,
    }
}

const BASE_TYPES: &[&str] = &[
    "integer",
    "float",
    "decimal",
    "boolean",
    "string",
    "bitstring",
    "map",
    "binary",
    "id",
    "binary_id",
    "any",
    "utc_datetime",
    "naive_datetime",
    "date",
    "time",
    "utc_datetime_usec",
    "naive_datetime_usec",
    "time_usec",
    "duration",
];

/// `Ecto.Type.match?/2` for the types the builder sees.
fn type_match(expected: &QType, actual: &QType) -> bool {
    match (expected, actual) {
        (_, QType::Any) | (QType::Any, _) => true,
        (QType::Term(e), QType::Term(a)) => {
            let (Some(e), Some(a)) = (e.as_atom(), a.as_atom()) else { return true };
            e == a
                || e == "any"
                || a == "any"
                || (e == "decimal" && (a == "float" || a == "integer"))
                || (e == "binary_id" && a == "binary")
                || (e == "id" && a == "integer")
        }
        (QType::Term(e), QType::SupertypeDatetime) => {
            matches!(e.as_atom(), Some("naive_datetime" | "naive_datetime_usec" | "utc_datetime" | "utc_datetime_usec" | "any"))
        }
        (QType::Array(e), QType::Array(a)) => type_match(e, a),
        (QType::SupertypeDatetime, QType::SupertypeDatetime) => true,
        _ => false,
    }
}

fn qtype_str(t: &QType) -> String {
    match t {
        QType::Any => ":any".into(),
        QType::Term(v) => crate::value::inspect::inspect(v),
        QType::SupertypeDatetime => "{:supertype, :datetime}".into(),
        QType::Array(t) => format!("{{:array, {}}}", qtype_str(t)),
        other => format!("{other:?}"),
    }
}

fn assert_type(expr: &Node, expected: &QType, actual: &QType) -> EResult<()> {
    let checkable = match expected {
        QType::Term(v) => v.as_atom().map(|a| BASE_TYPES.contains(&a)).unwrap_or(false),
        QType::Array(_) | QType::SupertypeDatetime => true,
        _ => false,
    };
    if !checkable || type_match(expected, actual) {
        return Ok(());
    }
    Err(compile_error(
        format!(
            "expression `{}` does not type check. It returns a value of type {} but a value of type {} is expected",
            node_str(expr),
            qtype_str(actual),
            qtype_str(expected)
        ),
        expr.span,
    ))
}

const INTERVALS: &[&str] = &["year", "month", "week", "day", "hour", "minute", "second", "millisecond", "microsecond"];

pub fn interval_check(v: &Value, span: Span) -> EResult<String> {
    match v {
        Value::Str(s) if INTERVALS.contains(&&**s) => Ok(s.to_string()),
        Value::Str(_) => Err(compile_error(
            format!("invalid interval: `{}` (expected one of {})", crate::value::inspect::inspect(v), INTERVALS.join(", ")),
            span,
        )),
        _ => Err(compile_error(format!("invalid interval: `{}` (expected a string)", crate::value::inspect::inspect(v)), span)),
    }
}

impl<'a> Esc<'a> {
    pub fn new(interp: &'a mut Interp, env: &'a mut Env, vars: &'a Vars, query: Option<&'a Query>) -> Esc<'a> {
        Esc { interp, env, vars, params: vec![], subqueries: vec![], allow_subqueries: true, take: vec![], aliases: vec![], query }
    }

    /// Evaluates a pinned expression.
    pub fn eval(&mut self, n: &Node) -> EResult<Value> {
        self.interp.eval(n, self.env)
    }

    fn push_param(&mut self, v: Value, ty: QType) -> Expr {
        self.params.push(Param::Value(v, ty));
        Expr::Param(self.params.len() - 1)
    }

    /// `find_var!/2`
    pub fn find_var(&self, name: &str, span: Span) -> EResult<Bind> {
        match self.vars.get(name) {
            Some(b) => Ok(b.clone()),
            None => Err(compile_error(
                format!("unbound variable `{name}` in query. If you are attempting to interpolate a value, use ^var"),
                span,
            )),
        }
    }

    /// A field name: atom, string or `^value`.
    fn field_name(&mut self, n: &Node, used: &str) -> EResult<String> {
        if let Some(inner) = pinned(n) {
            let v = self.eval(inner)?;
            return match &v {
                Value::Str(s) => Ok(s.to_string()),
                _ => match v.as_atom() {
                    Some(a) => Ok(a.to_string()),
                    None => Err(compile_error(
                        format!("expected atom or string in {used}, got: `{}`", crate::value::inspect::inspect(&v)),
                        n.span,
                    )),
                },
            };
        }
        match &unwrap(n).kind {
            Kind::Atom(a) => Ok(a.clone()),
            Kind::Nil => Ok("nil".into()),
            Kind::Bool(b) => Ok(b.to_string()),
            Kind::Str(_) if n.as_plain_str().is_some() => Ok(n.as_plain_str().unwrap_or_default()),
            _ => Err(compile_error(
                format!("expected literal atom or string or interpolated value in {used}, got: `{}`", node_str(n)),
                n.span,
            )),
        }
    }

    /// `late_binding!`: the name in `as(:name)` / `parent_as(:name)`.
    fn late_binding(&mut self, kind: &str, args: &[Node], span: Span) -> EResult<String> {
        let Some(arg) = args.first() else {
            return Err(compile_error(format!("{kind}/1 expects one argument"), span));
        };
        if let Some(inner) = pinned(arg) {
            let v = self.eval(inner)?;
            return v
                .as_atom()
                .map(|a| a.to_string())
                .ok_or_else(|| compile_error(format!("expected atom in {kind}/1, got: `{}`", crate::value::inspect::inspect(&v)), span));
        }
        match &unwrap(arg).kind {
            Kind::Atom(a) => Ok(a.clone()),
            _ => Err(compile_error(format!("expected literal atom or interpolated value in {kind}/1, got: `{}`", node_str(arg)), span)),
        }
    }

    /// The binding of a field callee: a variable, `as(:x)` or `parent_as(:x)`.
    fn callee_bind(&mut self, callee: &Node, field: &str) -> EResult<Bind> {
        let callee = unwrap(callee);
        match &callee.kind {
            Kind::Var(v) => self.find_var(v, callee.span),
            Kind::Call { name, args, .. } if name == "as" || name == "parent_as" => {
                let n = self.late_binding(name, args, callee.span)?;
                Ok(if name == "as" { Bind::As(n) } else { Bind::ParentAs(n) })
            }
            _ => Err(compile_error(
                format!(
                    "cannot fetch field `{field}` from `{}`. Can only fetch fields from:\n\n  * sources, such as `p` in `from p in Post`\n  * named bindings, such as `as(:post)` in `from Post, as: :post`\n  * parent named bindings, such as `parent_as(:post)` in a subquery\n",
                    node_str(callee)
                ),
                callee.span,
            )),
        }
    }

    /// `var.field` (no args) when `n` is a field access.
    fn field_access<'n>(&self, n: &'n Node) -> Option<(&'n Node, &'n str)> {
        match &unwrap(n).kind {
            Kind::Dot { target, name, args, .. } if args.is_empty() && !matches!(unwrap(target).kind, Kind::Alias(_) | Kind::Atom(_)) => {
                Some((target, name))
            }
            _ => None,
        }
    }

    fn escape_field(&mut self, callee: &Node, field: &Node) -> EResult<Expr> {
        let fname = self.field_name(field, "field/2")?;
        let bind = self.callee_bind(callee, &fname)?;
        if self.string_field(field)? {
            return Ok(Expr::FieldStr(bind, fname.into()));
        }
        Ok(Expr::Field(bind, fname.into()))
    }

    /// Whether `field/2`'s name is a string (`field(p, "title")`, or a
    /// pinned string): such a field is taken as it is, with type `:any`.
    fn string_field(&mut self, field: &Node) -> EResult<bool> {
        if let Some(inner) = pinned(field) {
            return Ok(matches!(self.eval(inner)?, Value::Str(_)));
        }
        Ok(matches!(unwrap(field).kind, Kind::Str(_)))
    }

    /// `quoted_type/2`
    pub fn quoted_type(&mut self, n: &Node) -> EResult<QType> {
        let n = unwrap(n);
        if let Some((callee, field)) = self.field_access(n) {
            let callee = unwrap(callee);
            return Ok(match &callee.kind {
                Kind::Var(v) => QType::Field(self.find_var(v, callee.span)?, field.to_string()),
                Kind::Call { name, args, .. } if name == "as" || name == "parent_as" => {
                    let nm = self.late_binding(name, args, callee.span)?;
                    QType::Field(if name == "as" { Bind::As(nm) } else { Bind::ParentAs(nm) }, field.to_string())
                }
                _ => QType::Any,
            });
        }
        Ok(match &n.kind {
            Kind::Call { name, args, .. } if name == "field" && args.len() == 2 => {
                let callee = unwrap(&args[0]);
                let bind = match &callee.kind {
                    Kind::Var(v) => self.find_var(v, callee.span)?,
                    Kind::Call { name, args: a, .. } if name == "as" || name == "parent_as" => {
                        let nm = self.late_binding(name, a, callee.span)?;
                        if name == "as" {
                            Bind::As(nm)
                        } else {
                            Bind::ParentAs(nm)
                        }
                    }
                    _ => return Ok(QType::Any),
                };
                match self.field_name(&args[1], "field/2") {
                    Ok(_) if self.string_field(&args[1])? => QType::Any,
                    Ok(f) => QType::Field(bind, f),
                    Err(_) => QType::Any,
                }
            }
            Kind::Call { name, args, .. } if name == "datetime_add" && args.len() == 3 => QType::atom("naive_datetime"),
            Kind::Call { name, args, .. } if name == "date_add" && args.len() == 3 => QType::atom("date"),
            Kind::Bitstring(_) => QType::atom("binary"),
            Kind::Call { name, args, .. } if name == "type" && args.len() == 2 => self.type_arg_loose(&args[1]),
            Kind::Sigil { name, modifiers, .. } if name == "s" || name == "S" => {
                let _ = modifiers;
                QType::atom("string")
            }
            Kind::Sigil { name, .. } if name == "w" || name == "W" => QType::Array(Box::new(QType::atom("string"))),
            Kind::List(items) => {
                let mut types: Vec<QType> = vec![];
                for i in items {
                    let t = self.quoted_type(i)?;
                    if !types.contains(&t) {
                        types.push(t);
                    }
                }
                if types.len() == 1 {
                    QType::Array(Box::new(types.remove(0)))
                } else {
                    QType::Array(Box::new(QType::Any))
                }
            }
            Kind::UnOp { op, operand } if op == "-" => match &unwrap(operand).kind {
                Kind::Int(_) => QType::atom("integer"),
                Kind::Float(_) => QType::atom("float"),
                _ => QType::Any,
            },
            Kind::Call { name, args, .. } if !args.is_empty() && DYNAMIC_AGGS.iter().any(|(nm, a)| nm == name && *a == args.len()) => {
                self.quoted_type(&args[0])?
            }
            Kind::Float(_) => QType::atom("float"),
            Kind::Str(_) if n.as_plain_str().is_some() => QType::atom("string"),
            Kind::Bool(_) => QType::atom("boolean"),
            Kind::Atom(_) => QType::atom("atom"),
            Kind::Int(_) => QType::atom("integer"),
            Kind::Tuple(items) => QType::Tuple(items.iter().map(|i| self.quoted_type(i)).collect::<EResult<Vec<_>>>()?),
            Kind::Call { name, args, .. } => call_type(name, args.len()).map(|(_, out)| out).unwrap_or(QType::Any),
            Kind::BinOp { op, .. } if op == "not in" => QType::atom("boolean"),
            Kind::BinOp { op, .. } => call_type(op, 2).map(|(_, out)| out).unwrap_or(QType::Any),
            Kind::UnOp { op, .. } if op == "not" => QType::atom("boolean"),
            _ => QType::Any,
        })
    }

    /// The type written as the second argument of `type/2` for `quoted_type`
    /// (no errors: unknown shapes are `:any`).
    fn type_arg_loose(&mut self, n: &Node) -> QType {
        self.validate_type(n).unwrap_or(QType::Any)
    }

    /// `validate_type!/3`: the second argument of `type/2`.
    pub fn validate_type(&mut self, n: &Node) -> EResult<QType> {
        let n = unwrap(n);
        if let Some(inner) = pinned(n) {
            let v = self.eval(inner)?;
            return Ok(QType::Term(v));
        }
        if let Some((callee, field)) = self.field_access(n) {
            if let Kind::Var(v) = &unwrap(callee).kind {
                return Ok(QType::Field(self.find_var(v, callee.span)?, field.to_string()));
            }
        }
        match &n.kind {
            Kind::Atom(a) => Ok(QType::atom(a)),
            Kind::Alias(p) => {
                let full = self.env.resolve_alias(p);
                Ok(QType::Term(Value::module(&full)))
            }
            Kind::Tuple(items) if items.len() == 2 => {
                if let Kind::Atom(c) = &unwrap(&items[0]).kind {
                    if c == "parameterized" {
                        return Ok(QType::Term(literal_value(n).unwrap_or(Value::Nil)));
                    }
                    let inner = self.validate_type(&items[1])?;
                    return Ok(match c.as_str() {
                        "array" => QType::Array(Box::new(inner)),
                        "in" => QType::In(Box::new(inner)),
                        _ => match inner {
                            QType::Term(t) => QType::Term(Value::tuple(vec![Value::atom(c), t])),
                            other => QType::Term(Value::tuple(vec![Value::atom(c), qtype_term(&other)])),
                        },
                    });
                }
                Err(self.bad_type(n))
            }
            Kind::Call { name, args, .. } if name == "field" && args.len() == 2 => {
                if let Kind::Var(v) = &unwrap(&args[0]).kind {
                    let b = self.find_var(v, args[0].span)?;
                    let f = self.field_name(&args[1], "field/2")?;
                    if self.string_field(&args[1])? {
                        return Ok(QType::Any);
                    }
                    return Ok(QType::Field(b, f));
                }
                Err(self.bad_type(n))
            }
            _ => Err(self.bad_type(n)),
        }
    }

    fn bad_type(&self, n: &Node) -> Box<Error> {
        compile_error(
            format!(
                "type/2 expects an alias, atom, initialized parameterized type or source.field as second argument, got: `{}`",
                node_str(n)
            ),
            n.span,
        )
    }

    /// `literal/3`: tags a literal whose type differs from the expected one.
    fn literal(&mut self, value: Value, node: &Node, expected: &QType) -> EResult<Expr> {
        let current = self.quoted_type(node)?;
        if current.is_atom("binary") {
            let t = if value.is_binary() { "binary" } else { "bitstring" };
            return Ok(Expr::Tagged(Box::new(Expr::Lit(value)), QType::atom(t)));
        }
        if *expected == QType::Any || *expected == current {
            return Ok(Expr::Lit(value));
        }
        Ok(Expr::Tagged(Box::new(Expr::Lit(value)), expected.clone()))
    }

    /// `Ecto.Query.Builder.escape/5`
    pub fn escape(&mut self, node: &Node, ty: &QType) -> EResult<Expr> {
        self.escape_with(node, ty, &mut |_, _, _| Ok(None))
    }

    /// `escape/5` with an expansion hook: `hook` gets first pick at
    /// sub-expressions the caller treats specially (select's maps and
    /// tuples, order_by's lists) and returns `None` to fall through.
    pub fn escape_with(
        &mut self,
        node: &Node,
        ty: &QType,
        hook: &mut dyn FnMut(&mut Esc<'a>, &Node, &QType) -> EResult<Option<Expr>>,
    ) -> EResult<Expr> {
        if let Some(expanded) = expand_pipe(node) {
            return self.escape_with(&expanded, ty, hook);
        }
        let n = unwrap(node);
        let span = n.span;
        // field access
        if let Some((callee, field)) = self.field_access(n) {
            let bind = self.callee_bind(callee, field)?;
            return Ok(Expr::Field(bind, field.into()));
        }
        match &n.kind {
            Kind::UnOp { op, operand } if op == "^" => {
                let v = self.eval(operand)?;
                return Ok(self.push_param(v, ty.clone()));
            }
            Kind::Call { name, args, .. } => {
                if let Some(e) = self.escape_call(n, name, args, ty, hook)? {
                    return Ok(e);
                }
            }
            Kind::Access { .. } => {
                // p.meta["a"][0] -> json_extract_path(p.meta, ["a", 0])
                let mut path = vec![];
                let mut cur = n;
                while let Kind::Access { target, key } = &cur.kind {
                    path.push(key.as_ref());
                    cur = unwrap(target);
                }
                path.reverse();
                if self.field_access(cur).is_none() {
                    return Err(compile_error(format!("`{}` is not a valid query expression", node_str(n)), span));
                }
                let field = self.escape(cur, ty)?;
                let path = self.json_path_elems(&path)?;
                return Ok(Expr::JsonPath(Box::new(field), path));
            }
            Kind::Sigil { name, parts, modifiers } if matches!(name.as_str(), "s" | "S" | "w" | "W") => {
                let text: String = parts
                    .iter()
                    .map(|p| match p {
                        StrPart::Lit(t) => Ok(t.clone()),
                        StrPart::Interp(_) => Err(compile_error(format!("`{}` is not a valid query expression", node_str(n)), span)),
                    })
                    .collect::<EResult<String>>()?;
                let v = if name == "s" || name == "S" {
                    Value::string(text)
                } else {
                    let words = text.split_whitespace();
                    if modifiers.contains('a') {
                        Value::list(words.map(Value::atom).collect())
                    } else {
                        Value::list(words.map(Value::str).collect())
                    }
                };
                return self.literal(v, n, ty);
            }
            Kind::List(items) => {
                let all_lit = items.iter().all(|i| {
                    matches!(unwrap(i).kind, Kind::Int(_) | Kind::Float(_) | Kind::Bool(_))
                        || (matches!(unwrap(i).kind, Kind::Str(_)) && i.as_plain_str().is_some())
                });
                if all_lit {
                    let v = literal_value(n).unwrap_or(Value::list(vec![]));
                    return self.literal(v, n, ty);
                }
                if let Some(e) = hook(self, n, ty)? {
                    return Ok(e);
                }
                let inner = match ty {
                    QType::Array(t) => (**t).clone(),
                    _ => QType::Any,
                };
                let mut out = vec![];
                for i in items {
                    out.push(self.escape_with(i, &inner, hook)?);
                }
                return Ok(Expr::List(out));
            }
            Kind::Bitstring(segs) => {
                let mut bytes = vec![];
                for (e, spec) in segs {
                    match (&unwrap(e).kind, spec) {
                        (Kind::Int(i), _) => bytes.push(*i as u8),
                        (Kind::Str(_), _) if e.as_plain_str().is_some() => bytes.extend(e.as_plain_str().unwrap_or_default().into_bytes()),
                        _ => {
                            return Err(compile_error(
                                format!(
                                    "`{}` is not a valid query expression. Only literal binaries and strings are allowed, dynamic values need to be explicitly interpolated in queries with ^",
                                    node_str(n)
                                ),
                                span,
                            ))
                        }
                    }
                }
                return self.literal(Value::binary(&bytes), n, ty);
            }
            Kind::UnOp { op, operand } if op == "-" => {
                match &unwrap(operand).kind {
                    Kind::Int(i) => return self.literal(Value::Int(-i), n, ty),
                    Kind::Float(f) => return self.literal(Value::Float(-f), n, ty),
                    _ => {}
                }
                let arg = self.escape_with(operand, ty, hook)?;
                return Ok(Expr::call("-", vec![arg]));
            }
            Kind::Int(i) => return self.literal(Value::Int(*i), n, ty),
            Kind::Float(f) => return self.literal(Value::Float(*f), n, ty),
            Kind::Str(_) => {
                if let Some(s) = n.as_plain_str() {
                    return self.literal(Value::string(s), n, ty);
                }
                return Err(compile_error(
                    format!(
                        "`{}` is not a valid query expression. Only literal binaries and strings are allowed, dynamic values need to be explicitly interpolated in queries with ^",
                        node_str(n)
                    ),
                    span,
                ));
            }
            Kind::Nil => return Ok(Expr::Lit(Value::Nil)),
            Kind::Bool(b) => return self.literal(Value::Bool(*b), n, ty),
            Kind::Atom(a) => return self.literal(Value::atom(a), n, ty),
            Kind::Alias(p) => {
                let full = self.env.resolve_alias(p);
                return self.literal(Value::module(&full), n, ty);
            }
            Kind::BinOp { op, lhs, rhs } => return self.escape_binop(n, op, lhs, rhs, ty, hook),
            Kind::UnOp { op, operand } if op == "not" => {
                assert_type(n, ty, &QType::atom("boolean"))?;
                let arg = self.escape_with(operand, &QType::atom("boolean"), hook)?;
                return Ok(Expr::call("not", vec![arg]));
            }
            Kind::UnOp { op, .. } if op == "!" => {
                return Err(compile_error(
                    "short-circuit operators are not supported: `!`. Instead use boolean operators: `and`, `or`, and `not`",
                    span,
                ));
            }
            Kind::Tuple(items) => {
                if let Some(e) = hook(self, n, ty)? {
                    return Ok(e);
                }
                if let QType::Tuple(types) = ty {
                    if types.len() == items.len() {
                        let mut out = vec![];
                        for (i, t) in items.iter().zip(types.clone().iter()) {
                            out.push(self.escape_with(i, t, hook)?);
                        }
                        return Ok(Expr::Tuple(out));
                    }
                }
                return Err(compile_error("Tuples can only be used in comparisons with literal tuples of the same size", span));
            }
            Kind::Map { .. } | Kind::Struct { .. } => {
                if let Some(e) = hook(self, n, ty)? {
                    return Ok(e);
                }
            }
            Kind::Var(v) => {
                let b = self.find_var(v, span)?;
                return Ok(Expr::Var(b));
            }
            _ => {}
        }
        if let Some(e) = hook(self, n, ty)? {
            return Ok(e);
        }
        match &n.kind {
            Kind::Call { name, args, .. } => Err(compile_error(
                format!(
                    "`{}` is not a valid query expression. If you are trying to invoke a function that is not supported by Ecto, you can use fragments:\n\n    fragment(\"some_function(?, ?, ?)\", m.some_field, 1)\n\nSee Ecto.Query.API to learn more about the supported functions and Ecto.Query.API.fragment/1 to learn more about fragments.\n",
                    node_str(n)
                )
                .replace("{name}", name)
                .replace("{args}", &args.len().to_string()),
                span,
            )),
            Kind::Dot { .. } => Err(compile_error(
                format!(
                    "`{}` is not a valid query expression.\n\n* If you intended to call an Elixir function or introduce a value,\n  you need to explicitly interpolate it with ^\n\n* If you intended to call a database function, please check the documentation\n  for Ecto.Query.API to see the supported database expressions\n\n* If you intended to extend Ecto's query DSL, make sure that you have required\n  the module or imported the relevant function. Note that you need macros to\n  extend Ecto's querying capabilities\n",
                    node_str(n)
                ),
                span,
            )),
            _ => Err(compile_error(format!("`{}` is not a valid query expression", node_str(n)), span)),
        }
    }

    fn json_path_elems(&mut self, path: &[&Node]) -> EResult<Vec<PathElem>> {
        let mut out = vec![];
        for p in path {
            if let Some(inner) = pinned(p) {
                let v = self.eval(inner)?;
                out.push(json_elem_value(&v, p.span)?);
                continue;
            }
            let pu = unwrap(p);
            match &pu.kind {
                Kind::Int(i) => out.push(PathElem::Index(*i)),
                Kind::Str(_) if pu.as_plain_str().is_some() => out.push(PathElem::Key(pu.as_plain_str().unwrap_or_default())),
                _ => {
                    if let Some((callee, field)) = self.field_access(pu) {
                        let b = self.callee_bind(callee, field)?;
                        out.push(PathElem::Field(Box::new(Expr::Field(b, field.into()))));
                    } else if let Some(args) = as_call(pu, "field").filter(|a| a.len() == 2) {
                        let e = self.escape_field(&args[0], &args[1])?;
                        out.push(PathElem::Field(Box::new(e)));
                    } else {
                        return Err(compile_error(
                            format!("expected JSON path to contain literal strings, literal integers, fields, or interpolated values, got: `{}`", node_str(pu)),
                            pu.span,
                        ));
                    }
                }
            }
        }
        Ok(out)
    }

    fn escape_binop(
        &mut self,
        n: &Node,
        op: &str,
        lhs: &Node,
        rhs: &Node,
        ty: &QType,
        hook: &mut dyn FnMut(&mut Esc<'a>, &Node, &QType) -> EResult<Option<Expr>>,
    ) -> EResult<Expr> {
        let span = n.span;
        match op {
            "==" | "!=" | "<" | ">" | "<=" | ">=" => {
                assert_type(n, ty, &QType::atom("boolean"))?;
                if matches!(unwrap(lhs).kind, Kind::Nil) || matches!(unwrap(rhs).kind, Kind::Nil) {
                    return Err(compile_error(
                        format!(
                            "comparison with nil in `{}` is forbidden as it is unsafe. If you want to check if a value is nil, use is_nil/1 instead",
                            node_str(n)
                        ),
                        span,
                    ));
                }
                let ltype = self.quoted_type(rhs)?;
                let rtype = self.quoted_type(lhs)?;
                let left = self.escape_with(lhs, &ltype, hook)?;
                let right = self.escape_with(rhs, &rtype, hook)?;
                self.check_not_nil(&left, rhs)?;
                self.check_not_nil(&right, lhs)?;
                Ok(Expr::call(op, vec![left, right]))
            }
            "+" | "-" | "*" | "/" => {
                let left = self.escape_with(lhs, ty, hook)?;
                let right = self.escape_with(rhs, ty, hook)?;
                Ok(Expr::call(op, vec![left, right]))
            }
            "and" | "or" => {
                assert_type(n, ty, &QType::atom("boolean"))?;
                let left = self.escape_with(lhs, &QType::atom("boolean"), hook)?;
                let right = self.escape_with(rhs, &QType::atom("boolean"), hook)?;
                Ok(Expr::call(op, vec![left, right]))
            }
            "in" => self.escape_in(n, lhs, rhs, ty, hook),
            "not in" => {
                let inner = self.escape_in(n, lhs, rhs, &QType::atom("boolean"), hook)?;
                Ok(Expr::call("not", vec![inner]))
            }
            "=" => Err(compile_error(
                format!(
                    "`{}` is not a valid query expression. The match operator is not supported: `=`. Did you mean to use `==` instead?",
                    node_str(n)
                ),
                span,
            )),
            "||" | "&&" => Err(compile_error(
                format!("short-circuit operators are not supported: `{op}`. Instead use boolean operators: `and`, `or`, and `not`"),
                span,
            )),
            _ => Err(compile_error(format!("`{}` is not a valid query expression", node_str(n)), span)),
        }
    }

    fn check_not_nil(&self, e: &Expr, other: &Node) -> EResult<()> {
        if let Expr::Param(ix) = e {
            if let Some(Param::Value(Value::Nil, _)) = self.params.get(*ix) {
                return Err(arg_error(
                    format!(
                        "comparing `{}` with `nil` is forbidden as it is unsafe. If you want to check if a value is nil, use is_nil/1 instead",
                        node_str(other)
                    ),
                    other.span,
                ));
            }
        }
        Ok(())
    }

    fn escape_in(
        &mut self,
        n: &Node,
        lhs: &Node,
        rhs: &Node,
        ty: &QType,
        hook: &mut dyn FnMut(&mut Esc<'a>, &Node, &QType) -> EResult<Option<Expr>>,
    ) -> EResult<Expr> {
        assert_type(n, ty, &QType::atom("boolean"))?;
        // `Macro.expand_once/2` of the right side: a `~w(...)` without
        // interpolation is the literal list of its words (atoms with `a`)
        let expanded = sigil_words(unwrap(rhs));
        let r = expanded.as_ref().unwrap_or(unwrap(rhs));
        let list_like = matches!(r.kind, Kind::List(_)) || matches!(&r.kind, Kind::Sigil { name, .. } if name == "w" || name == "W");
        if list_like {
            let ltype = match self.quoted_type(r)? {
                QType::Array(t) => *t,
                _ => QType::Any,
            };
            let rtype = QType::Array(Box::new(self.quoted_type(lhs)?));
            let left = self.escape_with(lhs, &ltype, hook)?;
            let right = self.escape_with(r, &rtype, hook)?;
            return Ok(Expr::call("in", vec![left, right]));
        }
        let ltype = QType::Out(Box::new(self.quoted_type(r)?));
        let rtype = QType::In(Box::new(self.quoted_type(lhs)?));
        let left = self.escape_with(lhs, &ltype, hook)?;
        let mut right = self.escape_with(r, &rtype, hook)?;
        if let Expr::Type(inner, _) = right {
            right = *inner;
        }
        Ok(Expr::call("in", vec![left, right]))
    }

    fn escape_call(
        &mut self,
        n: &Node,
        name: &str,
        args: &[Node],
        ty: &QType,
        hook: &mut dyn FnMut(&mut Esc<'a>, &Node, &QType) -> EResult<Option<Expr>>,
    ) -> EResult<Option<Expr>> {
        let span = n.span;
        let arity = args.len();
        Ok(Some(match (name, arity) {
            ("field", 2) => self.escape_field(&args[0], &args[1])?,
            ("type", 2) => self.escape_type(&args[0], &args[1])?,
            ("fragment", _) if arity >= 1 => self.escape_fragment(&args[0], &args[1..], span)?,
            ("subquery", 1) | ("subquery", 2) if self.allow_subqueries => {
                let v = self.eval_call_value(n)?;
                let q = super::value::subquery_of(&v, span)?;
                self.subqueries.push(q);
                let ix = self.subqueries.len() - 1;
                self.params.push(Param::Subquery(ix));
                Expr::Subquery(ix)
            }
            ("from_now", 2) | ("ago", 2) => {
                let now = super::value::utc_now(self.interp, span);
                let now_ix = self.push_param(now, QType::SupertypeDatetime);
                let count = if name == "ago" {
                    match pinned(&args[0]) {
                        Some(inner) => {
                            let v = self.eval(inner)?;
                            let neg = negate(&v, args[0].span)?;
                            CountArg::Pinned(neg)
                        }
                        None => CountArg::Negated(&args[0]),
                    }
                } else {
                    CountArg::Node(&args[0])
                };
                assert_type(n, ty, &QType::SupertypeDatetime)?;
                let (count, interval) = self.escape_interval(count, &args[1])?;
                Expr::call("datetime_add", vec![now_ix, count, Expr::Lit(Value::string(interval))])
            }
            ("datetime_add", 3) => {
                assert_type(n, ty, &QType::SupertypeDatetime)?;
                let dt = self.escape_with(&args[0], &QType::SupertypeDatetime, hook)?;
                let (count, interval) = self.escape_interval(CountArg::Node(&args[1]), &args[2])?;
                Expr::call("datetime_add", vec![dt, count, Expr::Lit(Value::string(interval))])
            }
            ("date_add", 3) => {
                assert_type(n, ty, &QType::atom("date"))?;
                let d = self.escape_with(&args[0], &QType::atom("date"), hook)?;
                let (count, interval) = self.escape_interval(CountArg::Node(&args[1]), &args[2])?;
                Expr::call("date_add", vec![d, count, Expr::Lit(Value::string(interval))])
            }
            ("json_extract_path", 2) => {
                let f = unwrap(&args[0]);
                if self.field_access(f).is_none() && as_call(f, "field").is_none() {
                    return Err(compile_error(format!("`{}` is not a valid json field", node_str(f)), f.span));
                }
                let path = match &unwrap(&args[1]).kind {
                    Kind::List(items) => {
                        let refs: Vec<&Node> = items.iter().collect();
                        self.json_path_elems(&refs)?
                    }
                    _ => match pinned(&args[1]) {
                        Some(inner) => {
                            let v = self.eval(inner)?;
                            let Some(items) = v.as_list() else {
                                return Err(compile_error(
                                    format!("expected `path` to be a list in json_extract_path/2, got: `{}`", crate::value::inspect::inspect(&v)),
                                    span,
                                ));
                            };
                            items.iter().map(|i| json_elem_value(i, span)).collect::<EResult<Vec<_>>>()?
                        }
                        None => {
                            return Err(compile_error(
                                format!("expected JSON path to be a literal list or interpolated value, got: `{}`", node_str(&args[1])),
                                span,
                            ))
                        }
                    },
                };
                let field = self.escape_with(f, ty, hook)?;
                Expr::JsonPath(Box::new(field), path)
            }
            ("count", 2) if matches!(unwrap(&args[1]).kind, Kind::Atom(ref a) if a == "distinct") => {
                let a = self.escape_with(&args[0], ty, hook)?;
                Expr::call("count", vec![a, Expr::Lit(Value::atom("distinct"))])
            }
            ("filter", 1) => self.escape_with(&args[0], ty, hook)?,
            ("filter", 2) => {
                let agg = self.escape_with(&args[0], ty, hook)?;
                let f = self.escape_with(&args[1], &QType::atom("boolean"), hook)?;
                Expr::call("filter", vec![agg, f])
            }
            ("coalesce", 2) => {
                let l = self.escape_with(&args[0], ty, hook)?;
                let r = self.escape_with(&args[1], ty, hook)?;
                Expr::call("coalesce", vec![l, r])
            }
            ("over", 1) | ("over", 2) => {
                // `over(rank)`, `row_number |> over`: Ecto reads a bare name
                // as the zero-arity window function (`agg_args || []`)
                let bare;
                let agg_node = match &unwrap(&args[0]).kind {
                    Kind::Var(name) => {
                        bare = Node::new(Kind::Call { name: name.clone(), args: vec![], parens: true }, args[0].span);
                        &bare
                    }
                    _ => unwrap(&args[0]),
                };
                let (agg_name, agg_args): (&str, &[Node]) = match &agg_node.kind {
                    Kind::Call { name, args, .. } => (name.as_str(), args.as_slice()),
                    _ => return Err(compile_error(format!("`{}` is not a valid query expression", node_str(agg_node)), agg_node.span)),
                };
                if agg_name != "fragment" && !WINDOW_FUNS.iter().any(|(n, a)| *n == agg_name && *a == agg_args.len()) {
                    return Err(compile_error(
                        format!("unknown window function {agg_name}/{}. See Ecto.Query.WindowAPI for all available functions", agg_args.len()),
                        agg_node.span,
                    ));
                }
                let agg = self.escape_with(agg_node, ty, hook)?;
                let over = match args.get(1) {
                    None => Over::Inline(WindowDef::default()),
                    Some(w) => match &unwrap(w).kind {
                        Kind::Atom(a) => Over::Named(a.clone()),
                        Kind::List(_) => {
                            let def = self.escape_window_def(w, true)?;
                            Over::Inline(def)
                        }
                        _ => return Err(compile_error(format!("expected window definition to be a keyword list with partition_by, order_by or frame as keys, got: `{}`", node_str(w)), w.span)),
                    },
                };
                Expr::Over(Box::new(agg), over)
            }
            ("selected_as", 2) => {
                return Err(compile_error(
                    "selected_as/2 can only be used at the root of a select statement. If you are trying to use it inside of an expression, consider putting the expression inside of `selected_as/2` instead. For instance, instead of:\n\n    from p in Post, select: coalesce(selected_as(p.visits, :v), 0)\n\nuse:\n\n    from p in Post, select: selected_as(coalesce(p.visits, 0), :v)\n",
                    span,
                ))
            }
            ("selected_as", 1) => {
                let name = self.quoted_atom(&args[0], "selected_as/1")?;
                Expr::SelectedAsRef(name)
            }
            ("exists", 1) | ("all", 1) | ("any", 1) if self.allow_subqueries => {
                let v = match as_call(&args[0], "subquery") {
                    Some(_) => self.eval_call_value(&args[0])?,
                    None => self.eval(&args[0])?,
                };
                let q = super::value::subquery_of(&v, span)?;
                self.subqueries.push(q);
                let ix = self.subqueries.len() - 1;
                self.params.push(Param::Subquery(ix));
                Expr::call(name, vec![Expr::Subquery(ix)])
            }
            ("as", 1) | ("parent_as", 1) => {
                let nm = self.late_binding(name, args, span)?;
                Expr::Var(if name == "as" { Bind::As(nm) } else { Bind::ParentAs(nm) })
            }
            _ => {
                if let Some((in_type, out_type)) = call_type(name, arity) {
                    assert_type(n, ty, &out_type)?;
                    let mut out = vec![];
                    for a in args {
                        out.push(self.escape_with(a, &in_type, hook)?);
                    }
                    Expr::call(name, out)
                } else {
                    return Ok(None);
                }
            }
        }))
    }

    /// Evaluates a call like `subquery(q)` as an ordinary expression.
    fn eval_call_value(&mut self, n: &Node) -> EResult<Value> {
        self.interp.eval(n, self.env)
    }

    pub fn quoted_atom(&mut self, n: &Node, used: &str) -> EResult<String> {
        if let Some(inner) = pinned(n) {
            let v = self.eval(inner)?;
            return v
                .as_atom()
                .map(|a| a.to_string())
                .ok_or_else(|| compile_error(format!("expected atom in {used}, got: `{}`", crate::value::inspect::inspect(&v)), n.span));
        }
        match &unwrap(n).kind {
            Kind::Atom(a) => Ok(a.clone()),
            Kind::Nil => Ok("nil".into()),
            Kind::Bool(b) => Ok(b.to_string()),
            _ => Err(compile_error(format!("expected literal atom or interpolated value in {used}, got: `{}`", node_str(n)), n.span)),
        }
    }

    fn escape_type(&mut self, expr: &Node, ty_node: &Node) -> EResult<Expr> {
        if let Some(inner) = pinned(expr) {
            let ty = self.validate_type(ty_node)?;
            let v = self.eval(inner)?;
            let p = self.push_param(v, ty.clone());
            return Ok(Expr::Type(Box::new(p), ty));
        }
        let e = unwrap(expr);
        let allowed = self.field_access(e).is_some()
            || match &e.kind {
                Kind::Call { name, args, .. } => {
                    matches!(
                        name.as_str(),
                        "coalesce"
                            | "field"
                            | "fragment"
                            | "avg"
                            | "count"
                            | "max"
                            | "min"
                            | "sum"
                            | "over"
                            | "filter"
                            | "json_extract_path"
                    ) && !args.is_empty()
                }
                Kind::BinOp { op, .. } => matches!(op.as_str(), "+" | "-" | "*" | "/"),
                Kind::Access { .. } => true,
                _ => false,
            };
        if !allowed {
            return Err(compile_error(
                format!(
                    "the first argument of type/2 must be one of:\n\n  * interpolations, such as ^value\n  * fields, such as p.foo or field(p, :foo)\n  * fragments, such as fragment(\"foo(?)\", value)\n  * an arithmetic expression (+, -, *, /)\n  * an aggregation or window expression (avg, count, min, max, sum, over, filter)\n  * a conditional expression (coalesce)\n  * access/json paths (p.column[0].field)\n  * parent_as/1 (parent_as(:parent).field)\n\nGot: {}\n",
                    node_str(e)
                ),
                e.span,
            ));
        }
        if let Some(inner) = pinned(ty_node) {
            let t = self.eval(inner)?;
            let ex = self.escape(e, &QType::Any)?;
            return Ok(Expr::Type(Box::new(ex), QType::Term(t)));
        }
        let ty = self.validate_type(ty_node)?;
        let ex = self.escape(e, &ty)?;
        Ok(Expr::Type(Box::new(ex), ty))
    }

    fn escape_interval(&mut self, count: CountArg, interval: &Node) -> EResult<(Expr, String)> {
        let ty = match &count {
            // A negative literal is `-(n)` in Elixir's AST, not a number.
            CountArg::Node(n) => match &unwrap(n).kind {
                Kind::Float(f) if f.is_sign_positive() => QType::atom("float"),
                Kind::Int(i) if *i >= 0 => QType::atom("integer"),
                _ => QType::atom("decimal"),
            },
            _ => QType::atom("decimal"),
        };
        let count = match count {
            CountArg::Node(n) => self.escape(n, &ty)?,
            CountArg::Pinned(v) => self.push_param(v, ty),
            CountArg::Negated(n) => match &unwrap(n).kind {
                Kind::Int(i) => self.literal_typed(Value::Int(-i), QType::atom("integer"), &ty),
                Kind::Float(f) => self.literal_typed(Value::Float(-f), QType::atom("float"), &ty),
                _ => {
                    let inner = self.escape(n, &ty)?;
                    Expr::call("-", vec![inner])
                }
            },
        };
        let interval = match pinned(interval) {
            Some(inner) => {
                let v = self.eval(inner)?;
                interval_check(&v, interval.span)?
            }
            None => match unwrap(interval).as_plain_str() {
                Some(s) => interval_check(&Value::string(s), interval.span)?,
                None => {
                    return Err(compile_error(format!("invalid interval: `{}` (expected a string)", node_str(interval)), interval.span))
                }
            },
        };
        Ok((count, interval))
    }

    fn literal_typed(&self, v: Value, current: QType, expected: &QType) -> Expr {
        if *expected == QType::Any || *expected == current {
            Expr::Lit(v)
        } else {
            Expr::Tagged(Box::new(Expr::Lit(v)), expected.clone())
        }
    }

    /// `fragment("...", args)`
    pub fn escape_fragment(&mut self, first: &Node, rest: &[Node], span: Span) -> EResult<Expr> {
        let f = unwrap(first);
        if rest.is_empty() {
            if let Kind::List(_) = &f.kind {
                let v = literal_value(f).unwrap_or(Value::list(vec![]));
                return Ok(Expr::FragmentKw(v));
            }
            if let Some(inner) = pinned(f) {
                let v = self.eval(inner)?;
                if v.as_keyword().is_none() {
                    return Err(arg_error(
                        format!(
                            "to prevent SQL injection attacks, fragment(...) does not allow strings to be interpolated as the first argument via the `^` operator, got: `{}`",
                            crate::value::inspect::inspect(&v)
                        ),
                        span,
                    ));
                }
                return Ok(Expr::FragmentKw(v));
            }
        }
        let Some(text) = f.as_plain_str() else {
            return Err(compile_error(
                format!(
                    "to prevent SQL injection attacks, fragment(...) does not allow strings to be interpolated as the first argument via the `^` operator, got: `{}`",
                    node_str(f)
                ),
                span,
            ));
        };
        let pieces = split_fragment(&text);
        let mut frags: &[Node] = rest;
        if let Some(last) = rest.last() {
            if last.keyword_get("columns").is_some() && last.as_keyword().map(|k| k.len() == 1).unwrap_or(false) {
                frags = &rest[..rest.len() - 1];
            }
        }
        if pieces.len() != frags.len() + 1 {
            return Err(compile_error(
                format!(
                    "fragment(...) expects extra arguments in the same amount of question marks in string. It received {} extra argument(s) but expected {}",
                    frags.len(),
                    pieces.len() - 1
                ),
                span,
            ));
        }
        let mut parts = vec![];
        for (i, piece) in pieces.iter().enumerate() {
            parts.push(FragPart::Raw(piece.clone()));
            if let Some(arg) = frags.get(i) {
                self.fragment_arg(arg, &mut parts)?;
            }
        }
        Ok(Expr::Fragment(merge_raw(parts)))
    }

    fn fragment_arg(&mut self, arg: &Node, parts: &mut Vec<FragPart>) -> EResult<()> {
        let a = unwrap(arg);
        if let Kind::Call { name, args, .. } = &a.kind {
            match (name.as_str(), args.len()) {
                ("literal", 1) | ("identifier", 1) => {
                    let Some(inner) = pinned(&args[0]) else {
                        return Err(compile_error(
                            format!(
                                "identifier/1 in fragment expects an interpolated value, such as identifier(^value), got `{}`",
                                node_str(&args[0])
                            ),
                            a.span,
                        ));
                    };
                    let v = self.eval(inner)?;
                    let Some(s) = v.as_str() else {
                        return Err(arg_error(
                            format!("identifier(^value) expects `value` to be a string, got `{}`", crate::value::inspect::inspect(&v)),
                            a.span,
                        ));
                    };
                    parts.push(FragPart::Expr(Expr::Identifier(s.to_string())));
                    return Ok(());
                }
                ("constant", 1) => {
                    let Some(inner) = pinned(&args[0]) else {
                        return Err(compile_error(
                            format!(
                                "constant/1 in fragment expects an interpolated value, such as constant(^value), got `{}`",
                                node_str(&args[0])
                            ),
                            a.span,
                        ));
                    };
                    let v = self.eval(inner)?;
                    if !(v.is_binary() || matches!(v, Value::Int(_) | Value::Float(_))) {
                        return Err(arg_error(
                            format!(
                                "constant(^value) expects `value` to be a string or a number, got `{}`",
                                crate::value::inspect::inspect(&v)
                            ),
                            a.span,
                        ));
                    }
                    parts.push(FragPart::Expr(Expr::Lit(v)));
                    return Ok(());
                }
                ("splice", 1) => {
                    if let Some(inner) = pinned(&args[0]) {
                        let v = self.eval(inner)?;
                        let Some(items) = v.as_list() else {
                            return Err(arg_error(
                                format!("splice(^value) expects `value` to be a list, got `{}`", crate::value::inspect::inspect(&v)),
                                a.span,
                            ));
                        };
                        let n = items.len();
                        self.params.push(Param::Value(v.clone(), QType::Splice(Box::new(QType::Any))));
                        let ix = self.params.len() - 1;
                        for k in 0..n {
                            if k > 0 {
                                parts.push(FragPart::Raw(",".into()));
                            }
                            parts.push(FragPart::Expr(Expr::Splice(ix)));
                        }
                        return Ok(());
                    }
                    if let Kind::List(items) = &unwrap(&args[0]).kind {
                        for (k, item) in items.iter().enumerate() {
                            if k > 0 {
                                parts.push(FragPart::Raw(",".into()));
                            }
                            self.fragment_arg(item, parts)?;
                        }
                        return Ok(());
                    }
                    return Err(compile_error(
                        format!("splice/1 in fragment expects a compile-time list or interpolated value, got `{}`", node_str(&args[0])),
                        a.span,
                    ));
                }
                _ => {}
            }
        }
        let e = self.escape(arg, &QType::Any)?;
        parts.push(FragPart::Expr(e));
        Ok(())
    }

    /// A window definition keyword list (`[partition_by: ..., order_by: ..., frame: ...]`).
    pub fn escape_window_def(&mut self, kw_node: &Node, inline: bool) -> EResult<WindowDef> {
        let Some(kw) = kw_node.as_keyword() else {
            return Err(compile_error(
                format!(
                    "expected window definition to be a keyword list with partition_by, order_by or frame as keys, got: `{}`",
                    node_str(kw_node)
                ),
                kw_node.span,
            ));
        };
        let mut def = WindowDef::default();
        for key in ["partition_by", "order_by", "frame"] {
            let Some((_, v)) = kw.iter().find(|(k, _)| *k == key) else { continue };
            if let Some(inner) = pinned(v) {
                if inline {
                    return Err(compile_error(
                        format!("windows definitions given to over/2 do not allow interpolations at the root of `{key}`. Please use Ecto.Query.windows/3 to explicitly define a window instead"),
                        v.span,
                    ));
                }
                let val = self.eval(inner)?;
                def.parts.push(self.runtime_window_part(key, &val, v.span)?);
                continue;
            }
            def.parts.push(match key {
                "partition_by" => WindowPart::PartitionBy(self.escape_group_by(v)?),
                "order_by" => WindowPart::OrderBy(self.escape_order_by(v, "order_by")?),
                _ => {
                    let f = unwrap(v);
                    if as_call(f, "fragment").is_none() {
                        return Err(compile_error(format!("expected a dynamic or fragment in `:frame`, got: `{}`", node_str(f)), f.span));
                    }
                    WindowPart::Frame(self.escape(f, &QType::Any)?)
                }
            });
        }
        if let Some((k, _)) = kw.iter().find(|(k, _)| !["partition_by", "order_by", "frame"].contains(k)) {
            return Err(compile_error(
                format!("expected window definition to be a keyword list with partition_by, order_by or frame as keys, got: `[{k}: ...]`"),
                kw_node.span,
            ));
        }
        Ok(def)
    }

    fn runtime_window_part(&mut self, key: &str, v: &Value, span: Span) -> EResult<WindowPart> {
        Ok(match key {
            "partition_by" => WindowPart::PartitionBy(self.runtime_group_by(v, "partition_by", span)?),
            "order_by" => WindowPart::OrderBy(self.runtime_order_by(v, "order_by", span)?),
            _ => match v.downcast::<DynamicExpr>() {
                Some(d) => WindowPart::Frame(self.inline_dynamic(d, span)?),
                None => {
                    return Err(arg_error(
                        format!("expected a dynamic or fragment in `:frame`, got: `{}`", crate::value::inspect::inspect(v)),
                        span,
                    ))
                }
            },
        })
    }

    /// `GroupBy.escape/5`
    pub fn escape_group_by(&mut self, n: &Node) -> EResult<Vec<Expr>> {
        let items: Vec<&Node> = match &unwrap(n).kind {
            Kind::List(items) => items.iter().collect(),
            _ => vec![n],
        };
        let mut out = vec![];
        for item in items {
            if let Some(inner) = pinned(item) {
                let v = self.eval(inner)?;
                match v.as_atom() {
                    Some(a) => out.push(Expr::field(0, a)),
                    None => {
                        return Err(arg_error(
                            format!("expected a field as an atom in `group_by`, got: `{}`", crate::value::inspect::inspect(&v)),
                            item.span,
                        ))
                    }
                }
                continue;
            }
            if let Kind::Atom(a) = &unwrap(item).kind {
                out.push(Expr::field(0, a));
                continue;
            }
            out.push(self.escape(item, &QType::Any)?);
        }
        Ok(out)
    }

    /// `GroupBy.group_or_partition_by!/4` for an interpolated list.
    pub fn runtime_group_by(&mut self, v: &Value, kind: &str, span: Span) -> EResult<Vec<Expr>> {
        let items: Vec<Value> = match v {
            Value::List(l) => l.to_vec(),
            other => vec![other.clone()],
        };
        let mut out = vec![];
        for item in &items {
            if let Some(d) = item.downcast::<DynamicExpr>() {
                out.push(self.inline_dynamic(d, span)?);
            } else if let Some(a) = item.as_atom() {
                out.push(Expr::field(0, a));
            } else {
                return Err(arg_error(
                    format!("expected a list of fields and dynamics in `{kind}`, got: `{}`", crate::value::inspect::inspect(item)),
                    span,
                ));
            }
        }
        Ok(out)
    }

    /// `OrderBy.escape/5` (also for distinct).
    pub fn escape_order_by(&mut self, n: &Node, kind: &str) -> EResult<Vec<(Dir, Expr)>> {
        let items: Vec<&Node> = match &unwrap(n).kind {
            Kind::List(items) => items.iter().collect(),
            _ => vec![n],
        };
        let mut out = vec![];
        for item in items {
            self.order_by_item(item, kind, &mut out)?;
        }
        Ok(out)
    }

    fn order_by_item(&mut self, item: &Node, kind: &str, out: &mut Vec<(Dir, Expr)>) -> EResult<()> {
        let it = unwrap(item);
        if let Kind::Tuple(pair) = &it.kind {
            if pair.len() == 2 {
                let dir = self.quoted_dir(&pair[0], kind)?;
                let e = &pair[1];
                if let Some(inner) = pinned(e) {
                    let v = self.eval(inner)?;
                    out.push((dir, self.order_field(&v, kind, e.span)?));
                    return Ok(());
                }
                if let Kind::Atom(a) = &unwrap(e).kind {
                    out.push((dir, Expr::field(0, a)));
                    return Ok(());
                }
                let ex = self.escape_order_expr(e, kind)?;
                out.push((dir, ex));
                return Ok(());
            }
        }
        if let Some(inner) = pinned(it) {
            let v = self.eval(inner)?;
            out.push((Dir::Asc, self.order_field(&v, kind, it.span)?));
            return Ok(());
        }
        if let Kind::Atom(a) = &it.kind {
            out.push((Dir::Asc, Expr::field(0, a)));
            return Ok(());
        }
        let ex = self.escape_order_expr(it, kind)?;
        out.push((Dir::Asc, ex));
        Ok(())
    }

    fn escape_order_expr(&mut self, e: &Node, kind: &str) -> EResult<Expr> {
        let kind = kind.to_string();
        let mut hook = move |esc: &mut Esc<'a>, n: &Node, _t: &QType| -> EResult<Option<Expr>> {
            if let Kind::Atom(a) = &unwrap(n).kind {
                return Ok(Some(Expr::field(0, a)));
            }
            let _ = &kind;
            let _ = esc;
            Ok(None)
        };
        self.escape_with(e, &QType::Any, &mut hook)
    }

    fn quoted_dir(&mut self, n: &Node, kind: &str) -> EResult<Dir> {
        let dirs = ":asc, :asc_nulls_last, :asc_nulls_first, :desc, :desc_nulls_last, :desc_nulls_first";
        if let Some(inner) = pinned(n) {
            let v = self.eval(inner)?;
            return v.as_atom().and_then(Dir::from_atom).ok_or_else(|| {
                arg_error(format!("expected one of {dirs} in `{kind}`, got: `{}`", crate::value::inspect::inspect(&v)), n.span)
            });
        }
        match &unwrap(n).kind {
            Kind::Atom(a) if Dir::from_atom(a).is_some() => Ok(Dir::from_atom(a).unwrap_or(Dir::Asc)),
            _ => Err(compile_error(format!("expected {dirs} or interpolated value in `{kind}`, got: `{}`", node_str(n)), n.span)),
        }
    }

    /// `OrderBy.field!/2`
    fn order_field(&mut self, v: &Value, kind: &str, span: Span) -> EResult<Expr> {
        if v.downcast::<DynamicExpr>().is_some() {
            return Err(arg_error(
                format!(
                    "expected a field as an atom in `{kind}`, got: `{}`. To use dynamic expressions, you need to interpolate at root level, as in: `^[asc: dynamic, desc: :id]`",
                    crate::value::inspect::inspect(v)
                ),
                span,
            ));
        }
        match v.as_atom() {
            Some(a) => Ok(Expr::field(0, a)),
            None => Err(arg_error(format!("expected a field as an atom in `{kind}`, got: `{}`", crate::value::inspect::inspect(v)), span)),
        }
    }

    /// `order_by_or_distinct!/4`: an interpolated order list.
    pub fn runtime_order_by(&mut self, v: &Value, kind: &str, span: Span) -> EResult<Vec<(Dir, Expr)>> {
        let items: Vec<Value> = match v {
            Value::List(l) => l.to_vec(),
            other => vec![other.clone()],
        };
        let mut out = vec![];
        for item in &items {
            let (dir, e) = match item.as_tuple() {
                Some([d, e]) if d.as_atom().and_then(Dir::from_atom).is_some() => {
                    (d.as_atom().and_then(Dir::from_atom).unwrap_or(Dir::Asc), e.clone())
                }
                _ => (Dir::Asc, item.clone()),
            };
            let ex = if let Some(d) = e.downcast::<DynamicExpr>() {
                self.inline_dynamic(d, span)?
            } else if let Some(a) = e.as_atom() {
                Expr::field(0, a)
            } else {
                return Err(arg_error(
                    format!(
                        "`{kind}` interpolated on root expects a field or a keyword list with the direction as keys and fields or dynamics as values, got: `{}`",
                        crate::value::inspect::inspect(&e)
                    ),
                    span,
                ));
            };
            out.push((dir, ex));
        }
        Ok(out)
    }

    /// `Dynamic.partially_expand`: inlines a dynamic expression, moving its
    /// params and subqueries into this accumulator.
    pub fn inline_dynamic(&mut self, d: &DynamicExpr, span: Span) -> EResult<Expr> {
        let query = self.query;
        let mut params = std::mem::take(&mut self.params);
        let mut subqueries = std::mem::take(&mut self.subqueries);
        let mut aliases = std::mem::take(&mut self.aliases);
        let r = super::value::expand_dynamic(d, query, &mut params, &mut subqueries, &mut aliases, span);
        self.params = params;
        self.subqueries = subqueries;
        self.aliases = aliases;
        r
    }
}

enum CountArg<'n> {
    Node(&'n Node),
    Negated(&'n Node),
    Pinned(Value),
}

fn negate(v: &Value, span: Span) -> EResult<Value> {
    Ok(match v {
        Value::Int(i) => Value::Int(-i),
        Value::Float(f) => Value::Float(-f),
        Value::Decimal(d) => Value::Decimal(std::rc::Rc::new(d.negate())),
        other => {
            return Err(Error::raise(
                "FunctionClauseError",
                format!("no function clause matching in Ecto.Query.Builder.negate!/1: {}", crate::value::inspect::inspect(other)),
                span,
            ))
        }
    })
}

fn json_elem_value(v: &Value, span: Span) -> EResult<PathElem> {
    match v {
        Value::Str(s) => Ok(PathElem::Key(s.to_string())),
        Value::Int(i) => Ok(PathElem::Index(*i)),
        other => Err(compile_error(
            format!("expected string or integer in json_extract_path/2, got: `{}`", crate::value::inspect::inspect(other)),
            span,
        )),
    }
}

/// Turns a QType back into a type term (for composite `{:try, t}` and the like).
pub fn qtype_term(t: &QType) -> Value {
    match t {
        QType::Any => Value::atom("any"),
        QType::Term(v) => v.clone(),
        QType::Array(t) => Value::tuple(vec![Value::atom("array"), qtype_term(t)]),
        QType::In(t) => Value::tuple(vec![Value::atom("in"), qtype_term(t)]),
        QType::Out(t) => Value::tuple(vec![Value::atom("out"), qtype_term(t)]),
        QType::Splice(t) => Value::tuple(vec![Value::atom("splice"), qtype_term(t)]),
        QType::SupertypeDatetime => Value::tuple(vec![Value::atom("supertype"), Value::atom("datetime")]),
        QType::Tuple(ts) => Value::tuple(vec![Value::atom("tuple"), Value::list(ts.iter().map(qtype_term).collect())]),
        QType::Field(_, f) => Value::atom(f),
    }
}

/// `split_fragment/2`: splits on `?`, with `\?` as a literal question mark.
pub fn split_fragment(s: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&'?') {
            chars.next();
            cur.push('?');
        } else if c == '?' {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

/// Keeps fragment parts as Ecto's `merge_fragments` produces them.
fn merge_raw(parts: Vec<FragPart>) -> Vec<FragPart> {
    parts
}

/// Is the node a module alias naming `Ecto.Query`-independent sources etc.
pub fn alias_of(env: &Env, n: &Node) -> Option<String> {
    match &unwrap(n).kind {
        Kind::Alias(p) => Some(env.resolve_alias(p)),
        Kind::Var(v) if v == "__MODULE__" => env.module.as_deref().map(|m| alias_name(m).to_string()),
        _ => None,
    }
}

/// `Ecto.Query.Builder.escape_binding/3`: a binding list to variables,
/// resolved against `query` (None inside `dynamic/2`, which resolves
/// names when it is expanded).
pub fn escape_binding(query: Option<&Query>, binding: &Node) -> EResult<Vars> {
    escape_binding_with(query, binding, &mut |n: &Node| {
        Err(compile_error(format!("cannot evaluate `{}` in a binding list here", node_str(n)), n.span))
    })
}

/// [`escape_binding`] evaluating the names of pinned named bindings
/// (`[{^name, x}]`) with `eval`.
pub fn escape_binding_with(query: Option<&Query>, binding: &Node, eval: &mut dyn FnMut(&Node) -> EResult<Value>) -> EResult<Vars> {
    let b = unwrap(binding);
    let Kind::List(items) = &b.kind else {
        return Err(compile_error(
            format!("binding should be list of variables and `{{as, var}}` tuples at the end, got: {}", node_str(b)),
            b.span,
        ));
    };
    enum Item {
        Pos(String),
        Dots,
        Named(String, String),
        NamedPin(String, Node),
    }
    let mut parsed: Vec<Item> = vec![];
    for it in items {
        let u = unwrap(it);
        match &u.kind {
            Kind::Var(v) => parsed.push(Item::Pos(v.clone())),
            Kind::Call { name, args, .. } if name == "..." && args.is_empty() => parsed.push(Item::Dots),
            Kind::Tuple(pair) if pair.len() == 2 => match (&unwrap(&pair[0]).kind, &unwrap(&pair[1]).kind) {
                (Kind::Atom(a), Kind::Var(v)) => parsed.push(Item::Named(v.clone(), a.clone())),
                (Kind::UnOp { op, operand }, Kind::Var(v)) if op == "^" => parsed.push(Item::NamedPin(v.clone(), (**operand).clone())),
                _ => {
                    return Err(compile_error(
                        format!("binding list should contain only variables or `{{as, var}}` tuples, got: {}", node_str(u)),
                        u.span,
                    ));
                }
            },
            _ if node_str(u) == "..." => parsed.push(Item::Dots),
            _ => {
                return Err(compile_error(
                    format!("binding list should contain only variables or `{{as, var}}` tuples, got: {}", node_str(u)),
                    u.span,
                ));
            }
        }
    }
    // duplicates
    let mut seen: Vec<&str> = vec![];
    for p in &parsed {
        let name = match p {
            Item::Pos(v) | Item::Named(v, _) | Item::NamedPin(v, _) => v.as_str(),
            Item::Dots => continue,
        };
        if name != "_" && seen.contains(&name) {
            return Err(compile_error(format!("variable `{name}` is bound twice"), b.span));
        }
        seen.push(name);
    }
    let first_named = parsed.iter().position(|p| matches!(p, Item::Named(..) | Item::NamedPin(..))).unwrap_or(parsed.len());
    if parsed[first_named..].iter().any(|p| matches!(p, Item::Pos(_) | Item::Dots)) {
        return Err(compile_error(
            format!("named binds in the form of `{{as, var}}` tuples must be at the end of the binding list, got: {}", node_str(b)),
            b.span,
        ));
    }
    let mut vars = Vars::default();
    let positional = &parsed[..first_named];
    let dots = positional.iter().position(|p| matches!(p, Item::Dots));
    for (i, p) in positional.iter().enumerate() {
        if let Item::Pos(v) = p {
            match dots {
                Some(d) if i > d => {
                    let from_end = positional.len() - i; // 1 for the last
                    let bind = match query {
                        Some(q) => Bind::Ix(q.count_binds().saturating_sub(from_end)),
                        None => Bind::As(format!("\u{0}tail:{from_end}")),
                    };
                    vars.push(v, bind);
                }
                _ => vars.push(v, Bind::Ix(i)),
            }
        }
    }
    for p in &parsed[first_named..] {
        // `{^name, x}`: the name is evaluated (`count_alias!/2` at runtime).
        let (v, name) = match p {
            Item::Named(v, name) => (v, name.clone()),
            Item::NamedPin(v, n) => {
                let name_v = eval(n)?;
                match name_v.as_atom() {
                    Some(a) => (v, a.to_string()),
                    None => {
                        let shown = crate::value::inspect::inspect(&name_v);
                        let bind = match query {
                            Some(q) => {
                                return Err(Box::new(Error::Raise(QueryError::exception(
                                    &format!("unknown bind name `{shown}`"),
                                    q,
                                    b.span,
                                ))))
                            }
                            None => Bind::As(format!("\u{0}unknown:{shown}")),
                        };
                        vars.push(v, bind);
                        continue;
                    }
                }
            }
            _ => continue,
        };
        {
            let name = &name;
            let bind = match query {
                Some(q) => match q.alias_ix(name) {
                    Some(ix) => Bind::Ix(ix),
                    None => {
                        return Err(Box::new(Error::Raise(QueryError::exception(
                            &format!("unknown bind name `{}`", crate::value::inspect::inspect(&Value::atom(name))),
                            q,
                            b.span,
                        ))))
                    }
                },
                None => Bind::As(format!("\u{0}named:{name}")),
            };
            vars.push(v, bind);
        }
    }
    Ok(vars)
}
