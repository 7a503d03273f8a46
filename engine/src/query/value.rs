//! Query values as the evaluator sees them: `%Ecto.Query{}`,
//! `%Ecto.Query.DynamicExpr{}` and `%Ecto.SubQuery{}` are opaque values,
//! and `Ecto.Queryable.to_query/1`.

use std::any::Any;
use std::rc::Rc;

use super::expr::*;
use crate::diag::Span;
use crate::eval::{EResult, Error, Exception, Interp};
use crate::value::{alias_name, OpaqueValue, Value};

/// `%Ecto.Query{}` as a value (shared: planning reads it in place).
#[derive(Clone, Debug)]
pub struct QueryValue(pub Rc<Query>);

impl OpaqueValue for QueryValue {
    fn module(&self) -> &str {
        "Ecto.Query"
    }
    fn inspect(&self) -> String {
        super::inspect::query_inspect(&self.0)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn equals(&self, other: &dyn OpaqueValue) -> bool {
        other.as_any().downcast_ref::<QueryValue>().map(|o| o.0 == self.0).unwrap_or(false)
    }
    /// The struct's fields a program reads: `prefix`, `aliases` (name =>
    /// binding index), `from` (`%Ecto.Query.FromExpr{}` with its source,
    /// `as` and `prefix`), `preloads`, and for the other clauses one entry
    /// per clause (`%Ecto.Query.BooleanExpr{op: ...}` for `wheres` and
    /// `havings`, `%Ecto.Query.JoinExpr{qual: ..., as: ..., ix: ...}` for
    /// `joins`, `%Ecto.Query.QueryExpr{}` for the rest) or nil, so that
    /// `q.wheres == []`, `length(q.joins)` and `%Ecto.Query{limit: nil}`
    /// answer as in Elixir.
    fn get_field(&self, key: &str) -> Option<Value> {
        let q = &self.0;
        let strukt = |module: &str, fields: Vec<(&str, Value)>| {
            Value::Struct(Rc::new(crate::value::Struct {
                module: Rc::from(format!("Elixir.{module}").as_str()),
                fields: fields.into_iter().map(|(k, v)| (Rc::from(k), v)).collect(),
            }))
        };
        let query_expr = || strukt("Ecto.Query.QueryExpr", vec![]);
        let many = |n: usize| Value::list((0..n).map(|_| query_expr()).collect());
        let bool_exprs = |bs: &[BoolExpr]| {
            Value::list(
                bs.iter()
                    .map(|b| strukt("Ecto.Query.BooleanExpr", vec![("op", Value::atom(if b.op == BoolOp::And { "and" } else { "or" }))]))
                    .collect(),
            )
        };
        let opt = |present: bool, module: &str| if present { strukt(module, vec![]) } else { Value::Nil };
        Some(match key {
            "prefix" => q.prefix.clone().unwrap_or(Value::Nil),
            "aliases" => {
                let mut m = crate::value::MapT::new();
                for (name, ix) in &q.aliases {
                    m.insert(Value::atom(name), Value::Int(*ix as i64));
                }
                Value::map(m)
            }
            "from" => {
                let source = match &q.from.source {
                    Source::Table { table, schema, .. } => Value::tuple(vec![
                        table.as_deref().map(Value::str).unwrap_or(Value::Nil),
                        schema.as_deref().map(Value::module).unwrap_or(Value::Nil),
                    ]),
                    _ => Value::Nil,
                };
                strukt(
                    "Ecto.Query.FromExpr",
                    vec![
                        ("source", source),
                        ("as", q.from.as_.as_deref().map(Value::atom).unwrap_or(Value::Nil)),
                        ("prefix", q.from.prefix.clone().unwrap_or(Value::Nil)),
                    ],
                )
            }
            "wheres" => bool_exprs(&q.wheres),
            "havings" => bool_exprs(&q.havings),
            "joins" => Value::list(
                q.joins
                    .iter()
                    .enumerate()
                    .map(|(i, j)| {
                        strukt(
                            "Ecto.Query.JoinExpr",
                            vec![
                                ("qual", Value::atom(j.qual.as_atom())),
                                ("as", j.as_.as_deref().map(Value::atom).unwrap_or(Value::Nil)),
                                ("ix", Value::Int(i as i64 + 1)),
                            ],
                        )
                    })
                    .collect(),
            ),
            "order_bys" => many(q.order_bys.len()),
            "group_bys" => many(q.group_bys.len()),
            "updates" => many(q.updates.len()),
            "combinations" => many(q.combinations.len()),
            "windows" => Value::list(q.windows.iter().map(|(n, _)| Value::tuple(vec![Value::atom(n), query_expr()])).collect()),
            "preloads" => Value::list(q.preloads.iter().map(super::inspect::preload_value).collect()),
            "select" => opt(q.select.is_some(), "Ecto.Query.SelectExpr"),
            "limit" => opt(q.limit.is_some(), "Ecto.Query.LimitExpr"),
            "offset" => opt(q.offset.is_some(), "Ecto.Query.QueryExpr"),
            "distinct" => opt(q.distinct.is_some(), "Ecto.Query.ByExpr"),
            "lock" => match &q.lock {
                Some(Lock::Str(s)) => Value::str(s),
                Some(Lock::Fragment(_)) => query_expr(),
                None => Value::Nil,
            },
            "with_ctes" => opt(q.with_ctes.is_some(), "Ecto.Query.WithExpr"),
            "sources" => Value::Nil,
            _ => return None,
        })
    }
    /// `%Ecto.Query{}` is a struct: its `prefix` can be set as a map field.
    fn put_field(&self, key: &str, value: &Value) -> Option<Value> {
        match (key, value) {
            ("prefix", Value::Nil | Value::Str(_) | Value::Atom(_)) => {
                let mut q = (*self.0).clone();
                q.prefix = if matches!(value, Value::Nil) { None } else { Some(value.clone()) };
                Some(Value::Opaque(Rc::new(QueryValue(Rc::new(q)))))
            }
            _ => None,
        }
    }
}

/// `%Ecto.SubQuery{}` as a value.
#[derive(Clone, Debug)]
pub struct SubQueryValue(pub Query);

impl OpaqueValue for SubQueryValue {
    fn module(&self) -> &str {
        "Ecto.SubQuery"
    }
    fn inspect(&self) -> String {
        format!("%Ecto.SubQuery{{query: {}, params: nil, select: nil, cache: nil}}", super::inspect::query_inspect(&self.0))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn equals(&self, other: &dyn OpaqueValue) -> bool {
        other.as_any().downcast_ref::<SubQueryValue>().map(|o| o.0 == self.0).unwrap_or(false)
    }
}

/// `%Ecto.Query.DynamicExpr{}`: an escaped expression with its params,
/// subqueries and select aliases. Named and trailing (`...`) bindings are
/// resolved when it is expanded into a query.
#[derive(Clone, Debug, PartialEq)]
pub struct DynamicExpr {
    pub expr: Expr,
    pub params: Vec<Param>,
    pub subqueries: Vec<Query>,
    pub aliases: Vec<String>,
    /// `select` takes when the dynamic is a select map.
    pub take: Vec<(usize, TakeKind, Vec<Value>)>,
    /// The binding as written (for inspect).
    pub binding: String,
    pub span: Span,
}

impl OpaqueValue for DynamicExpr {
    fn module(&self) -> &str {
        "Ecto.Query.DynamicExpr"
    }
    fn inspect(&self) -> String {
        // Positional bindings print as their variable names; named and
        // trailing bindings (resolved on expansion) as theirs too.
        let mut names: Vec<String> = vec![];
        let mut named: Vec<(String, String)> = vec![];
        if let Some(inner) = self.binding.strip_prefix('[').and_then(|b| b.strip_suffix(']')) {
            for item in inner.split(", ").filter(|x| !x.is_empty()) {
                match item.split_once(": ") {
                    Some((alias, var)) => named.push((alias.to_string(), var.to_string())),
                    None => names.push(item.to_string()),
                }
            }
        }
        let expr = self.expr.clone().map(&mut |e| match e {
            Expr::Field(Bind::As(n), f) | Expr::Field(Bind::ParentAs(n), f) if n.starts_with('\u{0}') => {
                let var = named.iter().find(|(a, _)| n.ends_with(&format!(":{a}"))).map(|(_, v)| v.clone()).unwrap_or_else(|| "_".into());
                let ix = names.len() + named.iter().position(|(_, v)| *v == var).unwrap_or(0);
                Expr::Field(Bind::Ix(ix), f)
            }
            other => other,
        });
        let mut all = names.clone();
        all.extend(named.iter().map(|(_, v)| v.clone()));
        format!("dynamic({}, {})", self.binding, super::inspect::expr_to_string(&expr, &all, &self.params))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn equals(&self, other: &dyn OpaqueValue) -> bool {
        other.as_any().downcast_ref::<DynamicExpr>().map(|o| o == self).unwrap_or(false)
    }
}

impl Query {
    pub fn into_value(self) -> Value {
        Value::Opaque(Rc::new(QueryValue(Rc::new(self))))
    }
}

/// `Ecto.QueryError` with the query appended to the message.
pub struct QueryError;

impl QueryError {
    pub fn message(msg: &str, query: &Query) -> String {
        format!("{msg} in query:\n\n{}\n", super::inspect::query_to_string(query))
    }

    pub fn exception(msg: &str, query: &Query, span: Span) -> Exception {
        Exception { kind: "Ecto.QueryError".into(), message: QueryError::message(msg, query), span, value: None }
    }

    pub fn raise(msg: &str, query: &Query, span: Span) -> Box<Error> {
        Box::new(Error::Raise(QueryError::exception(msg, query, span)))
    }
}

fn protocol_error(v: &Value, description: &str, span: Span) -> Box<Error> {
    Error::raise(
        "Protocol.UndefinedError",
        format!(
            "protocol Ecto.Queryable not implemented for {}{}",
            crate::value::inspect::inspect(v),
            if description.is_empty() { String::new() } else { format!(" ({description})") }
        ),
        span,
    )
}

/// `Ecto.Queryable.to_query/1`
pub fn to_query(interp: &mut Interp, v: &Value, span: Span) -> EResult<Query> {
    if let Some(q) = v.downcast::<QueryValue>() {
        return Ok(Query::clone(&q.0));
    }
    to_query_owned(interp, v, span)
}

/// `Ecto.Queryable.to_query/1` sharing the query of a query value (no copy).
pub fn to_query_rc(interp: &mut Interp, v: &Value, span: Span) -> EResult<Rc<Query>> {
    if let Some(q) = v.downcast::<QueryValue>() {
        return Ok(q.0.clone());
    }
    to_query_owned(interp, v, span).map(Rc::new)
}

fn to_query_owned(interp: &mut Interp, v: &Value, span: Span) -> EResult<Query> {
    if let Some(s) = v.downcast::<SubQueryValue>() {
        return Ok(Query::from_source(Source::Subquery(Box::new(SubQuery { query: s.0.clone() })), None));
    }
    match v {
        Value::Str(s) => Ok(Query::from_source(Source::Table { table: Some(s.to_string()), schema: None }, None)),
        Value::Atom(a) if a.starts_with("Elixir.") => {
            let module = alias_name(a);
            match crate::schema::lookup(interp, module) {
                Some(schema) => match Query::from_schema(&schema) {
                    Some(q) => Ok(q),
                    None => Err(protocol_error(v, "the given module is an embedded schema", span)),
                },
                None => {
                    let loaded = interp.modules.contains_key(&**a);
                    Err(protocol_error(
                        v,
                        if loaded { "the given module does not provide a schema" } else { "the given module does not exist" },
                        span,
                    ))
                }
            }
        }
        Value::Tuple(t) if t.len() == 2 && t[0].is_binary() && t[1].is_atom() => {
            // `{"source", Schema}` is a valid from/join source.
            let schema = t[1].as_atom().map(|a| alias_name(a).to_string());
            let prefix = schema.as_deref().and_then(|s| crate::schema::lookup(interp, s)).and_then(|s| match &s.prefix {
                Value::Nil => None,
                p => Some(p.clone()),
            });
            Ok(Query::from_source(Source::Table { table: t[0].as_str().map(|s| s.to_string()), schema }, prefix))
        }
        other => Err(protocol_error(other, "", span)),
    }
}

/// `Ecto.Query.subquery/1`: the query of a subquery value.
pub fn subquery_of(v: &Value, span: Span) -> EResult<Query> {
    if let Some(s) = v.downcast::<SubQueryValue>() {
        return Ok(s.0.clone());
    }
    if let Some(q) = v.downcast::<QueryValue>() {
        return Ok(Query::clone(&q.0));
    }
    Err(Error::raise("ArgumentError", format!("expected a subquery, got: {}", crate::value::inspect::inspect(v)), span))
}

/// The current UTC time (`DateTime.utc_now/0`) through the standard
/// library, so the engine itself reads no clock.
pub fn utc_now(interp: &mut Interp, span: Span) -> Value {
    if let Some(f) = interp.builtins.function("DateTime", "utc_now", 0) {
        if let Ok(v) = f(interp, vec![], span) {
            return v;
        }
    }
    utc_now_value()
}

/// A fixed "now" used when no clock is available.
pub fn utc_now_value() -> Value {
    use crate::value::{Date, DateTime, NaiveDateTime, Time};
    Value::DateTime(DateTime {
        naive: NaiveDateTime {
            date: Date { year: 2026, month: 1, day: 1 },
            time: Time { hour: 0, minute: 0, second: 0, micro: 0, precision: 6 },
        },
    })
}

/// Resolves the deferred bindings of a dynamic (`[author: a]`, `[..., c]`)
/// against the query it is expanded into.
fn resolve_dyn_bind(b: &Bind, query: Option<&Query>, span: Span) -> EResult<Bind> {
    if let Bind::As(name) = b {
        if let Some(rest) = name.strip_prefix("\u{0}named:") {
            return match query {
                Some(q) => match q.alias_ix(rest) {
                    Some(ix) => Ok(Bind::Ix(ix)),
                    None => Err(QueryError::raise(
                        &format!("unknown bind name `{}`", crate::value::inspect::inspect(&Value::atom(rest))),
                        q,
                        span,
                    )),
                },
                None => Ok(b.clone()),
            };
        }
        if let Some(shown) = name.strip_prefix("\u{0}unknown:") {
            return match query {
                Some(q) => Err(QueryError::raise(&format!("unknown bind name `{shown}`"), q, span)),
                None => Ok(b.clone()),
            };
        }
        if let Some(rest) = name.strip_prefix("\u{0}tail:") {
            let from_end: usize = rest.parse().unwrap_or(1);
            return Ok(match query {
                Some(q) => Bind::Ix(q.count_binds().saturating_sub(from_end)),
                None => b.clone(),
            });
        }
    }
    Ok(b.clone())
}

/// `Ecto.Query.Builder.Dynamic.expand`: inlines `d` (and nested dynamics in
/// its params) appending params and subqueries to the accumulators.
pub fn expand_dynamic(
    d: &DynamicExpr,
    query: Option<&Query>,
    params: &mut Vec<Param>,
    subqueries: &mut Vec<Query>,
    aliases: &mut Vec<String>,
    span: Span,
) -> EResult<Expr> {
    for a in &d.aliases {
        if aliases.contains(a) {
            return Err(Error::raise(
                "Ecto.Query.CompileError",
                format!(
                    "the alias `{}` has been specified more than once using `selected_as/2`",
                    crate::value::inspect::inspect(&Value::atom(a))
                ),
                span,
            ));
        }
        aliases.push(a.clone());
    }
    let mut err: Option<Box<Error>> = None;
    let mut splices: Vec<(usize, usize)> = vec![];
    let expr = d.expr.clone().map(&mut |e| {
        if err.is_some() {
            return e;
        }
        match e {
            Expr::Param(ix) => match d.params.get(ix) {
                Some(Param::Value(v, _)) if v.downcast::<DynamicExpr>().is_some() => {
                    let inner = v.downcast::<DynamicExpr>().cloned();
                    match inner {
                        Some(inner) => match expand_dynamic(&inner, query, params, subqueries, aliases, span) {
                            Ok(x) => x,
                            Err(e2) => {
                                err = Some(e2);
                                Expr::Lit(Value::Nil)
                            }
                        },
                        None => Expr::Lit(Value::Nil),
                    }
                }
                Some(p @ Param::Value(..)) => {
                    params.push(p.clone());
                    Expr::Param(params.len() - 1)
                }
                Some(Param::Subquery(i)) => {
                    let i = *i;
                    match d.subqueries.get(i) {
                        Some(q) => {
                            subqueries.push(q.clone());
                            params.push(Param::Subquery(subqueries.len() - 1));
                            Expr::Subquery(subqueries.len() - 1)
                        }
                        None => Expr::Lit(Value::Nil),
                    }
                }
                None => Expr::Param(ix),
            },
            Expr::Splice(ix) => match splices.iter().find(|(old, _)| *old == ix) {
                Some((_, new)) => Expr::Splice(*new),
                None => {
                    if let Some(p) = d.params.get(ix) {
                        params.push(p.clone());
                    }
                    let new = params.len() - 1;
                    splices.push((ix, new));
                    Expr::Splice(new)
                }
            },
            Expr::Subquery(i) => match d.subqueries.get(i) {
                Some(q) => {
                    subqueries.push(q.clone());
                    params.push(Param::Subquery(subqueries.len() - 1));
                    Expr::Subquery(subqueries.len() - 1)
                }
                None => Expr::Subquery(i),
            },
            Expr::Var(b) => match resolve_dyn_bind(&b, query, span) {
                Ok(b) => Expr::Var(b),
                Err(e2) => {
                    err = Some(e2);
                    Expr::Var(b)
                }
            },
            Expr::Field(b, f) => match resolve_dyn_bind(&b, query, span) {
                Ok(b) => Expr::Field(b, f),
                Err(e2) => {
                    err = Some(e2);
                    Expr::Field(b, f)
                }
            },
            // Literals typed after a field of a deferred binding (`e.score > 50.0`).
            Expr::Tagged(x, mut t) => {
                if let Err(e2) = fix_qtype(&mut t, query, span) {
                    err = Some(e2);
                }
                Expr::Tagged(x, t)
            }
            Expr::Type(x, mut t) => {
                if let Err(e2) = fix_qtype(&mut t, query, span) {
                    err = Some(e2);
                }
                Expr::Type(x, t)
            }
            other => other,
        }
    });
    // Param types may name fields of deferred bindings too.
    for p in params.iter_mut() {
        if let Param::Value(_, ty) = p {
            fix_qtype(ty, query, span)?;
        }
    }
    match err {
        Some(e) => Err(e),
        None => Ok(expr),
    }
}

fn fix_qtype(t: &mut QType, query: Option<&Query>, span: Span) -> EResult<()> {
    match t {
        QType::Field(b, _) => {
            *b = resolve_dyn_bind(b, query, span)?;
        }
        QType::Array(i) | QType::In(i) | QType::Out(i) | QType::Splice(i) => fix_qtype(i, query, span)?,
        QType::Tuple(ts) => {
            for t in ts {
                fix_qtype(t, query, span)?;
            }
        }
        _ => {}
    }
    Ok(())
}
