//! The `Ecto.Query` API: `from/2` and the pipe macros (`where/3`,
//! `select/3`, `join/5`, ...), `dynamic/2`, `subquery/2`, set operations,
//! `exclude/2`, `first/2`, `last/2` and friends.

use std::rc::Rc;

use super::builder::*;
use super::expr::*;
use super::value::{to_query, DynamicExpr, QueryError, SubQueryValue};
use crate::diag::Span;
use crate::eval::{Builtins, EResult, Env, Error, Interp};
use crate::syntax::ast::{Kind, Node};
use crate::value::inspect::inspect;
use crate::value::{alias_name, Value};

fn loc(span: Span) -> Loc {
    Loc { span }
}

fn eval_query(interp: &mut Interp, n: &Node, env: &mut Env) -> EResult<Query> {
    let v = interp.eval(n, env)?;
    to_query(interp, &v, n.span)
}

fn qv(q: Query) -> Value {
    q.into_value()
}

/// Splits pipe-macro args into (query, binding, expr[, rest]).
fn split_args<'a>(args: &'a [Node], span: Span, fun: &str) -> EResult<(&'a Node, Option<&'a Node>, &'a Node)> {
    match args {
        [q, e] => Ok((q, None, e)),
        [q, b, e] => Ok((q, Some(b), e)),
        _ => Err(compile_error(format!("invalid arguments to {fun}"), span)),
    }
}

fn vars_for(interp: &mut Interp, env: &mut Env, query: &Query, binding: Option<&Node>) -> EResult<Vars> {
    match binding {
        Some(b) => escape_binding_with(Some(query), b, &mut |n: &Node| interp.eval(n, env)),
        None => Ok(Vars::default()),
    }
}

// ---------------------------------------------------------------------------
// from

fn m_from(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let expr = &args[0];
    let kw: Vec<(String, &Node)> = match args.get(1) {
        None => vec![],
        Some(n) => match unwrap(n).as_keyword() {
            Some(kw) => kw.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            None => return Err(arg_error("second argument to `from` must be a compile time keyword list", n.span)),
        },
    };
    let mut i = 0;
    let (as_, prefix, hints) = collect_as_prefix_hints(&kw, &mut i)?;
    let (mut query, vars, compile_time) = build_from(interp, env, expr, as_.as_ref(), prefix.as_ref(), hints, span)?;
    let mut vars = vars;
    query = from_keywords(interp, env, query, &mut vars, &kw[i..], compile_time, span)?;
    Ok(qv(query))
}

type KwItem<'a> = (String, &'a Node);

fn collect_as_prefix_hints<'a>(kw: &[KwItem<'a>], i: &mut usize) -> EResult<(Option<&'a Node>, Option<&'a Node>, Option<&'a Node>)> {
    let (mut as_, mut prefix, mut hints) = (None, None, None);
    while let Some((k, v)) = kw.get(*i) {
        match k.as_str() {
            "as" => {
                if as_.is_some() {
                    return Err(compile_error("`as` keyword was given more than once to the same from/join", v.span));
                }
                as_ = Some(*v);
            }
            "prefix" => {
                if prefix.is_some() {
                    return Err(compile_error("`prefix` keyword was given more than once to the same from/join", v.span));
                }
                prefix = Some(*v);
            }
            "hints" => {
                if hints.is_some() {
                    return Err(compile_error("`hints` keyword was given more than once to the same from/join", v.span));
                }
                hints = Some(*v);
            }
            _ => break,
        }
        *i += 1;
    }
    Ok((as_, prefix, hints))
}

fn as_name(interp: &mut Interp, env: &mut Env, n: &Node) -> EResult<String> {
    if let Some(inner) = pinned(n) {
        let v = interp.eval(inner, env)?;
        return v.as_atom().map(|a| a.to_string()).ok_or_else(|| {
            compile_error(format!("`as` must be a compile time atom or an interpolated value using ^, got: {}", inspect(&v)), n.span)
        });
    }
    match &unwrap(n).kind {
        Kind::Atom(a) => Ok(a.clone()),
        _ => Err(compile_error(format!("`as` must be a compile time atom or an interpolated value using ^, got: {}", node_str(n)), n.span)),
    }
}

fn prefix_value(interp: &mut Interp, env: &mut Env, n: &Node, what: &str) -> EResult<Value> {
    if let Some(inner) = pinned(n) {
        return interp.eval(inner, env);
    }
    match &unwrap(n).kind {
        Kind::Nil => Ok(Value::Nil),
        Kind::Str(_) if n.as_plain_str().is_some() => Ok(Value::string(n.as_plain_str().unwrap_or_default())),
        _ => Err(compile_error(
            format!("`prefix` must be a compile time string or an interpolated value using ^, got: {}", node_str(n))
                .replace("{what}", what),
            n.span,
        )),
    }
}

fn hint_list(interp: &mut Interp, env: &mut Env, n: Option<&Node>) -> EResult<Vec<String>> {
    let Some(n) = n else { return Ok(vec![]) };
    let items: Vec<&Node> = match &unwrap(n).kind {
        Kind::List(items) => items.iter().collect(),
        _ => vec![n],
    };
    let mut out = vec![];
    for it in items {
        if let Some(s) = unwrap(it).as_plain_str() {
            out.push(s);
        } else if let Some(args) = as_call(it, "unsafe_fragment") {
            match args.first().and_then(pinned) {
                Some(inner) => {
                    let v = interp.eval(inner, env)?;
                    out.push(v.as_str().unwrap_or_default().to_string());
                }
                None => {
                    return Err(compile_error(
                        "`unsafe_fragment/1` in `hints` expects an interpolated value, such as unsafe_fragment(^value)",
                        it.span,
                    ))
                }
            }
        } else {
            return Err(compile_error(
                format!("`hints` must be a compile time string, unsafe fragment of the form `unsafe_fragment(^...)`, or list containing either, got: `{}`", node_str(it)),
                it.span,
            ));
        }
    }
    Ok(out)
}

/// `Ecto.Query.Builder.From.build/5`
/// `Ecto.Query.Values.new/2` for `values(list, types)` in `from`/`join`:
/// the fields (sorted), their types and the params, row by row.
fn values_source(interp: &mut Interp, env: &mut Env, args: &[Node], span: Span) -> EResult<(Source, Vec<Param>)> {
    let list = interp.eval(&args[0], env)?;
    let types = interp.eval(&args[1], env)?;
    let Some(rows) = list.as_list() else {
        return Err(Error::raise("Protocol.UndefinedError", format!("protocol Enumerable not implemented for {}", inspect(&list)), span));
    };
    if rows.is_empty() {
        return Err(Error::raise("ArgumentError", "must provide a non-empty list to values/2", span));
    }
    // each row as (key, value) pairs, as Enum.reduce/3 walks it
    let mut pairs_of_rows: Vec<Vec<(Value, Value)>> = Vec::with_capacity(rows.len());
    let mut fields: std::collections::BTreeSet<Value> = Default::default();
    for row in rows.iter() {
        let pairs: Vec<(Value, Value)> = match row {
            Value::Map(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Value::List(items) => {
                let mut out = vec![];
                for i in items.iter() {
                    match i.as_tuple() {
                        Some([k, v]) => out.push((k.clone(), v.clone())),
                        _ => {
                            return Err(Error::raise(
                                "FunctionClauseError",
                                "no function clause matching in anonymous fn/2 in Ecto.Query.Values.fields/1",
                                span,
                            ))
                        }
                    }
                }
                out
            }
            other => {
                return Err(Error::raise(
                    "Protocol.UndefinedError",
                    format!("protocol Enumerable not implemented for {}", inspect(other)),
                    span,
                ))
            }
        };
        for (k, _) in &pairs {
            fields.insert(k.clone());
        }
        pairs_of_rows.push(pairs);
    }
    let field_name = |k: &Value| -> String {
        match k {
            Value::Atom(a) => a.to_string(),
            Value::Str(s) => s.to_string(),
            other => inspect(other),
        }
    };
    let mut typed: Vec<(Value, Value)> = Vec::with_capacity(fields.len());
    for f in fields.iter() {
        let ty = match &types {
            Value::Map(m) => m.get(f).cloned(),
            Value::Atom(a) if a.starts_with("Elixir.") => {
                match interp.call(alias_name(a), "__schema__", vec![Value::atom("type"), f.clone()], span)? {
                    Value::Nil => None,
                    t => Some(t),
                }
            }
            _ => None,
        };
        match ty {
            Some(t) => typed.push((f.clone(), t)),
            None => {
                return Err(Error::raise(
                    "ArgumentError",
                    format!("values/2 must declare the type for every field. The type was not given for field `{}`", field_name(f)),
                    span,
                ))
            }
        }
    }
    let mut params = Vec::with_capacity(typed.len() * rows.len());
    for (row, pairs) in rows.iter().zip(&pairs_of_rows) {
        for (f, t) in &typed {
            match pairs.iter().find(|(k, _)| k == f) {
                Some((_, v)) => params.push(Param::Value(v.clone(), QType::Term(t.clone()))),
                None => {
                    return Err(Error::raise(
                        "ArgumentError",
                        format!(
                            "each member of a values list must have the same fields. Missing field `{}` in {}",
                            field_name(f),
                            inspect(row)
                        ),
                        span,
                    ))
                }
            }
        }
    }
    let types = typed.into_iter().map(|(f, t)| (field_name(&f), t)).collect();
    Ok((Source::Values { types, num_rows: rows.len() }, params))
}

fn build_from(
    interp: &mut Interp,
    env: &mut Env,
    expr: &Node,
    as_: Option<&&Node>,
    prefix: Option<&&Node>,
    hints: Option<&Node>,
    span: Span,
) -> EResult<(Query, Vars, bool)> {
    let e = unwrap(expr);
    let (binding, source_node): (Option<&Node>, &Node) = match &e.kind {
        Kind::BinOp { op, lhs, rhs } if op == "in" => (Some(lhs), rhs),
        _ => (None, e),
    };
    let hints = hint_list(interp, env, hints)?;
    let as_name_v = match as_ {
        Some(n) => Some(as_name(interp, env, n)?),
        None => None,
    };
    let prefix_v = match prefix {
        Some(n) => Some(prefix_value(interp, env, n, "from")?),
        None => None,
    };
    let src = unwrap(source_node);
    let mut compile_time = true;
    let mut query = match &src.kind {
        Kind::Call { name, args, .. } if name == "fragment" => {
            let vars = Vars::default();
            let mut esc = Esc::new(interp, env, &vars, None);
            let f = esc.escape_fragment(&args[0], &args[1..], src.span)?;
            let params = esc.params;
            let parts = match f {
                Expr::Fragment(p) => p,
                _ => vec![],
            };
            let mut q = Query::from_source(Source::Fragment(parts), None);
            q.from.params = params;
            q
        }
        Kind::Call { name, args, .. } if name == "values" && args.len() == 2 => {
            let (source, params) = values_source(interp, env, args, src.span)?;
            let mut q = Query::from_source(source, None);
            q.from.params = params;
            q
        }
        Kind::Str(_) if src.as_plain_str().is_some() => Query::from_source(Source::Table { table: src.as_plain_str(), schema: None }, None),
        _ => {
            let is_schema_lit = matches!(src.kind, Kind::Alias(_)) || matches!(&src.kind, Kind::Tuple(t) if t.len() == 2);
            compile_time = is_schema_lit;
            let v = interp.eval(src, env)?;
            // `from(x in Mod)` with a literal module calls `Mod.__schema__(:source)`
            // directly (not through Ecto.Queryable): a module that is not a
            // schema fails there.
            if let (Kind::Alias(_) | Kind::Atom(_), Value::Atom(a)) = (&src.kind, &v) {
                if crate::schema::lookup(interp, alias_name(a)).is_none() {
                    let message = if interp.modules.contains_key(&**a) {
                        format!("function {}.__schema__/1 is undefined or private", inspect(&v))
                    } else {
                        crate::eval::module_not_available(a, "__schema__", 1)
                    };
                    return Err(Error::raise("UndefinedFunctionError", message, src.span));
                }
            }
            to_query(interp, &v, src.span)?
        }
    };
    let binds: Vec<Node> = match binding {
        None => vec![],
        Some(b) => match &unwrap(b).kind {
            Kind::List(items) => items.clone(),
            _ => vec![b.clone()],
        },
    };
    let bind_node = Node::new(Kind::List(binds.clone()), binding.map(|b| b.span).unwrap_or(span));
    if compile_time {
        query.from.written = Written(e.span);
        if let Some(p) = prefix_v {
            query.from.prefix = if matches!(p, Value::Nil) { None } else { Some(p) };
        }
        if let Some(a) = as_name_v {
            query.from.as_ = Some(a.clone());
            query.aliases = vec![(a, 0)];
        }
        query.from.hints.extend(hints);
    } else {
        if let Some(a) = as_name_v {
            if let Some(existing) = &query.from.as_ {
                return Err(compile_error(
                    format!(
                        "can't apply alias `{}`, binding in `from` is already aliased to `{}`",
                        inspect(&Value::atom(&a)),
                        inspect(&Value::atom(existing))
                    ),
                    span,
                ));
            }
            if query.alias_ix(&a).is_some() {
                return Err(compile_error(format!("alias `{}` already exists", inspect(&Value::atom(&a))), span));
            }
            query.aliases.push((a.clone(), 0));
            query.from.as_ = Some(a);
        }
        if let Some(p) = prefix_v {
            if let Some(existing) = &query.from.prefix {
                return Err(compile_error(
                    format!("can't apply prefix `{}`, `from` is already prefixed to `{}`", inspect(&p), inspect(existing)),
                    span,
                ));
            }
            query.from.prefix = if matches!(p, Value::Nil) { None } else { Some(p) };
        }
        query.from.hints.extend(hints);
        let count = binds.len();
        if count > 1 && count > query.count_binds() {
            return Err(compile_error(
                format!("`from` in query expression specified {count} binds but query contains {} binds", query.count_binds()),
                span,
            ));
        }
    }
    let vars = escape_binding_with(Some(&query), &bind_node, &mut |n: &Node| interp.eval(n, env))?;
    Ok((query, vars, compile_time))
}

/// Whether Ecto builds the query of `n` at compile time (its
/// `Builder.apply_query/4` sees an escaped `%Ecto.Query{}`): `from/2` on a
/// literal source, and query macros applied to one, as long as no clause
/// was pinned. A compile-time `where: true` stays in the query; at run time
/// `Filter.apply/3` drops it.
fn compile_time_query(n: &Node) -> bool {
    let n = unwrap(n);
    if let Some(e) = expand_pipe(n) {
        return compile_time_query(&e);
    }
    match &n.kind {
        Kind::Call { name, args, .. } if name == "from" && !args.is_empty() => {
            let e = unwrap(&args[0]);
            let src = match &e.kind {
                Kind::BinOp { op, rhs, .. } if op == "in" => unwrap(rhs),
                _ => e,
            };
            let literal = matches!(src.kind, Kind::Alias(_) | Kind::Atom(_)) || src.as_plain_str().is_some();
            let kw_pinned = args.get(1).and_then(|k| unwrap(k).as_keyword()).is_some_and(|kw| kw.iter().any(|(_, v)| pinned(v).is_some()));
            literal && !kw_pinned
        }
        Kind::Call { name, args, .. } if args.len() >= 2 && BIND_KEYS.contains(&name.as_str()) => {
            compile_time_query(&args[0]) && args.last().is_none_or(|e| pinned(e).is_none())
        }
        _ => false,
    }
}

const BIND_KEYS: &[&str] = &[
    "lock",
    "where",
    "or_where",
    "select",
    "distinct",
    "order_by",
    "group_by",
    "windows",
    "having",
    "or_having",
    "limit",
    "offset",
    "preload",
    "update",
    "select_merge",
    "with_ctes",
];
const NO_BIND_KEYS: &[&str] = &["union", "union_all", "except", "except_all", "intersect", "intersect_all"];

fn join_qual_kw(k: &str) -> Option<JoinQual> {
    Some(match k {
        "join" | "inner_join" => JoinQual::Inner,
        "full_join" => JoinQual::Full,
        "left_join" => JoinQual::Left,
        "right_join" => JoinQual::Right,
        "cross_join" => JoinQual::Cross,
        "cross_lateral_join" => JoinQual::CrossLateral,
        "left_lateral_join" => JoinQual::LeftLateral,
        "inner_lateral_join" => JoinQual::InnerLateral,
        _ => return None,
    })
}

fn from_keywords(
    interp: &mut Interp,
    env: &mut Env,
    mut query: Query,
    vars: &mut Vars,
    kw: &[KwItem],
    mut compile_time: bool,
    span: Span,
) -> EResult<Query> {
    let mut i = 0;
    while i < kw.len() {
        let (k, v) = (&kw[i].0, kw[i].1);
        i += 1;
        if BIND_KEYS.contains(&k.as_str()) {
            // a pinned clause is built at run time, and the query from then on
            compile_time &= pinned(v).is_none();
            query = apply_clause(interp, env, query, vars, k, v, compile_time)?;
            if k == "limit" {
                if let Some((wk, wv)) = kw.get(i) {
                    if wk == "with_ties" {
                        i += 1;
                        if kw.get(i).map(|(k, _)| k == "with_ties").unwrap_or(false) {
                            return Err(compile_error("`with_ties` keyword was given more than once to the same limit", wv.span));
                        }
                        query = apply_with_ties(interp, env, query, wv)?;
                    }
                }
            }
        } else if NO_BIND_KEYS.contains(&k.as_str()) {
            query = combination(interp, env, query, k, v)?;
        } else if let Some(qual) = join_qual_kw(k) {
            let mut on: Option<Node> = None;
            let mut j = i;
            let (mut as_, mut prefix, mut hints): (Option<&Node>, Option<&Node>, Option<&Node>) = (None, None, None);
            loop {
                match kw.get(j) {
                    Some((k2, v2)) if k2 == "on" => {
                        on = Some(match on {
                            None => (*v2).clone(),
                            Some(prev) => {
                                Node::new(Kind::BinOp { op: "and".into(), lhs: Box::new(prev), rhs: Box::new((*v2).clone()) }, v2.span)
                            }
                        });
                        j += 1;
                    }
                    Some((k2, _)) if k2 == "as" || k2 == "prefix" || k2 == "hints" => {
                        let (a, p, h) = collect_as_prefix_hints(kw, &mut j)?;
                        if a.is_some() {
                            if as_.is_some() {
                                return Err(compile_error("`as` keyword was given more than once to the same from/join", span));
                            }
                            as_ = a;
                        }
                        if p.is_some() {
                            prefix = p;
                        }
                        if h.is_some() {
                            hints = h;
                        }
                    }
                    _ => break,
                }
            }
            i = j;
            let (mut q, bind) = build_join(interp, env, query, vars, QualArg::Known(qual), v, on.as_ref(), as_, prefix, hints, span)?;
            // `join:` keyword through its last option
            if let Some(last) = q.joins.last_mut() {
                let end = kw.get(j.wrapping_sub(1)).map_or(v.span, |(_, n)| n.span);
                last.written = Written(v.span.to(end));
            }
            query = q;
            let (name, ix) = bind;
            vars.push(&name, Bind::Ix(ix));
        } else {
            let msg = match k.as_str() {
                "with_ties" => "`with_ties` keyword must immediately follow a limit".to_string(),
                "on" => "`on` keyword must immediately follow a join".to_string(),
                "as" | "prefix" | "hints" => format!("`{k}` keyword must immediately follow a from/join"),
                _ => format!("unsupported {} in keyword query expression", inspect(&Value::atom(k))),
            };
            return Err(compile_error(msg, v.span));
        }
    }
    Ok(query)
}

/// Applies one bound clause (`where`, `select`, ...) with the given vars.
fn apply_clause(
    interp: &mut Interp,
    env: &mut Env,
    query: Query,
    vars: &Vars,
    kind: &str,
    expr: &Node,
    compile_time: bool,
) -> EResult<Query> {
    let ct = compile_time;
    match kind {
        "where" => filter(interp, env, query, vars, expr, FilterKind::Where, BoolOp::And, ct),
        "or_where" => filter(interp, env, query, vars, expr, FilterKind::Where, BoolOp::Or, ct),
        "having" => filter(interp, env, query, vars, expr, FilterKind::Having, BoolOp::And, ct),
        "or_having" => filter(interp, env, query, vars, expr, FilterKind::Having, BoolOp::Or, ct),
        "select" => select(interp, env, query, vars, expr, false),
        "select_merge" => select(interp, env, query, vars, expr, true),
        "order_by" => order_by(interp, env, query, vars, expr, false),
        "distinct" => distinct(interp, env, query, vars, expr),
        "group_by" => group_by(interp, env, query, vars, expr),
        "limit" => limit_offset(interp, env, query, vars, expr, true),
        "offset" => limit_offset(interp, env, query, vars, expr, false),
        "lock" => lock(interp, env, query, vars, expr),
        "update" => update(interp, env, query, vars, expr),
        "windows" => windows(interp, env, query, vars, expr),
        "preload" => preload(interp, env, query, vars, expr),
        "with_ctes" => Err(compile_error("`with_ctes` is not supported in keyword queries, use with_cte/3", expr.span)),
        _ => Err(compile_error(format!("unsupported {} in keyword query expression", inspect(&Value::atom(kind))), expr.span)),
    }
}

// ---------------------------------------------------------------------------
// where / having / on

#[derive(Clone, Copy, PartialEq)]
enum FilterKind {
    Where,
    Having,
    On,
}

impl FilterKind {
    fn name(self) -> &'static str {
        match self {
            FilterKind::Where => "where",
            FilterKind::Having => "having",
            FilterKind::On => "on",
        }
    }
}

/// `Filter.escape/5`: a keyword list compares fields of `binding`.
fn escape_filter(esc: &mut Esc, kind: FilterKind, expr: &Node, binding: usize) -> EResult<Expr> {
    let e = unwrap(expr);
    if let Kind::List(items) = &e.kind {
        if items.is_empty() {
            return Ok(Expr::Lit(Value::Bool(true)));
        }
        let Some(kw) = e.as_keyword() else {
            return Err(compile_error(
                format!(
                    "expected a keyword list at compile time in {}, got: `{}`. If you would like to pass a list dynamically, please interpolate the whole list with ^",
                    kind.name(),
                    node_str(e)
                ),
                e.span,
            ));
        };
        let mut parts = vec![];
        for (field, value) in kw {
            if matches!(unwrap(value).kind, Kind::Nil) {
                return Err(compile_error(
                    format!("nil given for `{field}`. Comparison with nil is forbidden as it is unsafe. Instead write a query with is_nil/1, for example: is_nil(s.{field})"),
                    value.span,
                ));
            }
            if let Some(inner) = pinned(value) {
                let v = esc.eval(inner)?;
                if matches!(v, Value::Nil) {
                    return Err(arg_error(
                        format!("nil given for `{field}`. comparison with nil is forbidden as it is unsafe. Instead write a query with is_nil/1, for example: is_nil(s.{field})"),
                        value.span,
                    ));
                }
                esc.params.push(Param::Value(v, QType::Field(Bind::Ix(binding), field.to_string())));
                let p = Expr::Param(esc.params.len() - 1);
                parts.push(Expr::call("==", vec![Expr::Field(Bind::Ix(binding), field.into()), p]));
                continue;
            }
            let v = esc.escape(value, &QType::Field(Bind::Ix(binding), field.to_string()))?;
            parts.push(Expr::call("==", vec![Expr::Field(Bind::Ix(binding), field.into()), v]));
        }
        let mut it = parts.into_iter();
        let first = it.next().unwrap_or(Expr::Lit(Value::Bool(true)));
        return Ok(it.fold(first, |acc, p| Expr::call("and", vec![acc, p])));
    }
    esc.escape(expr, &QType::atom("boolean"))
}

/// `Filter.filter!/6` for an interpolated value (dynamic, boolean or keyword).
fn runtime_filter(query: &Query, kind: FilterKind, v: &Value, binding: usize, span: Span) -> EResult<(Expr, Vec<Param>, Vec<Query>)> {
    if let Some(d) = v.downcast::<DynamicExpr>() {
        let mut params = vec![];
        let mut subs = vec![];
        let mut aliases = vec![];
        let e = super::value::expand_dynamic(d, Some(query), &mut params, &mut subs, &mut aliases, span)?;
        if !subs.is_empty() && kind != FilterKind::Where {
            return Err(arg_error(format!("subqueries are not allowed in `{}` expressions", kind.name()), span));
        }
        return Ok((e, params, subs));
    }
    if let Value::Bool(b) = v {
        return Ok((Expr::Lit(Value::Bool(*b)), vec![], vec![]));
    }
    if let Some(kw) = v.as_keyword() {
        let mut parts = vec![];
        let mut params = vec![];
        for (field, value) in kw {
            if matches!(value, Value::Nil) {
                return Err(arg_error(
                    format!(
                        "nil given for {}. Comparison with nil is forbidden as it is unsafe. Instead write a query with is_nil/1, for example: is_nil(s.{field})",
                        inspect(&Value::atom(field))
                    ),
                    span,
                ));
            }
            params.push(Param::Value(value.clone(), QType::Field(Bind::Ix(binding), field.to_string())));
            parts.push(Expr::call("==", vec![Expr::Field(Bind::Ix(binding), field.into()), Expr::Param(params.len() - 1)]));
        }
        let mut it = parts.into_iter();
        let first = it.next().unwrap_or(Expr::Lit(Value::Bool(true)));
        return Ok((it.fold(first, |acc, p| Expr::call("and", vec![acc, p])), params, vec![]));
    }
    Err(arg_error(format!("expected a keyword list or dynamic expression in `{}`, got: `{}`", kind.name(), inspect(v)), span))
}

#[allow(clippy::too_many_arguments)]
fn filter(
    interp: &mut Interp,
    env: &mut Env,
    mut query: Query,
    vars: &Vars,
    expr: &Node,
    kind: FilterKind,
    op: BoolOp,
    compile_time: bool,
) -> EResult<Query> {
    let clause = if let Some(inner) = pinned(expr) {
        let v = interp.eval(inner, env)?;
        let (e, params, subqueries) = runtime_filter(&query, kind, &v, 0, expr.span)?;
        Clause { expr: e, params, subqueries, loc: loc(expr.span) }
    } else {
        let mut esc = Esc::new(interp, env, vars, Some(&query));
        let e = escape_filter(&mut esc, kind, expr, 0)?;
        Clause { expr: e, params: esc.params, subqueries: esc.subqueries, loc: loc(expr.span) }
    };
    if clause.expr.is_true() && !compile_time {
        // `apply(query, _, %{expr: true})` keeps a run-time query unchanged
        // (at compile time it is handed the quoted BooleanExpr, which does not match).
        return Ok(query);
    }
    let b = BoolExpr { op, clause };
    match kind {
        FilterKind::Having => query.havings.push(b),
        _ => query.wheres.push(b),
    }
    Ok(query)
}

// ---------------------------------------------------------------------------
// joins

enum QualArg {
    Known(JoinQual),
}

fn qual_of(interp: &mut Interp, env: &mut Env, n: &Node) -> EResult<JoinQual> {
    let v = match &unwrap(n).kind {
        Kind::Atom(a) => Value::atom(a),
        _ => interp.eval(n, env)?,
    };
    v.as_atom().and_then(JoinQual::from_atom).ok_or_else(|| {
        arg_error(
            format!(
                "invalid join qualifier `{}`, accepted qualifiers are: `:inner`, `:inner_lateral`, `:left`, `:left_lateral`, `:right`, `:full`, `:cross`, `:cross_lateral`",
                inspect(&v)
            ),
            n.span,
        )
    })
}

/// `Ecto.Query.Builder.Join.build/10`; returns the query and the join
/// variable with its binding index.
#[allow(clippy::too_many_arguments)]
fn build_join(
    interp: &mut Interp,
    env: &mut Env,
    mut query: Query,
    vars: &Vars,
    qual: QualArg,
    expr: &Node,
    on: Option<&Node>,
    as_: Option<&Node>,
    prefix: Option<&Node>,
    hints: Option<&Node>,
    span: Span,
) -> EResult<(Query, (String, usize))> {
    let QualArg::Known(qual) = qual;
    let hints_v: Vec<String> = match hints {
        None => vec![],
        Some(h) => {
            let items: Vec<&Node> = match &unwrap(h).kind {
                Kind::List(items) => items.iter().collect(),
                _ => vec![h],
            };
            let mut out = vec![];
            for it in items {
                match unwrap(it).as_plain_str() {
                    Some(s) => out.push(s),
                    None => {
                        return Err(compile_error(
                            format!("`hints` must be a compile time string or list of strings, got: `{}`", node_str(h)),
                            h.span,
                        ))
                    }
                }
            }
            out
        }
    };
    let prefix_v = match prefix {
        Some(p) => match prefix_value(interp, env, p, "join")? {
            Value::Nil => None,
            v => Some(v),
        },
        None => None,
    };
    let as_v = match as_ {
        Some(a) => Some(as_name(interp, env, a)?),
        None => None,
    };
    let e = unwrap(expr);
    let (var, src): (String, &Node) = match &e.kind {
        Kind::BinOp { op, lhs, rhs } if op == "in" => match &unwrap(lhs).kind {
            Kind::Var(v) => (v.clone(), rhs),
            _ => return Err(compile_error(format!("malformed join `{}` in query expression", node_str(e)), e.span)),
        },
        _ => ("_".to_string(), e),
    };
    if var != "_" && vars.get(&var).is_some() {
        return Err(compile_error(format!("variable `{var}` is already defined in query"), e.span));
    }
    let count_bind = query.count_binds();
    let s = unwrap(src);
    let mut source: Option<Source> = None;
    let mut source_query: Option<Box<Query>> = None;
    let mut assoc: Option<(usize, String)> = None;
    let mut join_params = vec![];
    match &s.kind {
        Kind::Call { name, args, .. } if name == "assoc" && args.len() == 2 => {
            let owner = match &unwrap(&args[0]).kind {
                Kind::Var(v) => match vars.get(v) {
                    Some(Bind::Ix(ix)) => *ix,
                    Some(_) => 0,
                    None => {
                        return Err(compile_error(
                            format!("unbound variable `{v}` in query. If you are attempting to interpolate a value, use ^var"),
                            args[0].span,
                        ));
                    }
                },
                _ => return Err(compile_error(format!("malformed join `{}` in query expression", node_str(s)), s.span)),
            };
            if let Kind::Var(v) = &unwrap(&args[1]).kind {
                return Err(compile_error(
                    format!("you passed the variable `{v}` to `assoc/2`. Did you mean to pass the atom `:{v}`?"),
                    args[1].span,
                ));
            }
            let mut esc = Esc::new(interp, env, vars, Some(&query));
            let field = esc.quoted_atom(&args[1], "field/2")?;
            assoc = Some((owner, field));
        }
        Kind::Call { name, .. } if name == "subquery" => {
            let v = interp.eval(s, env)?;
            let q = super::value::subquery_of(&v, s.span)?;
            source = Some(Source::Subquery(Box::new(SubQuery { query: q })));
        }
        Kind::Call { name, args, .. } if name == "fragment" && !args.is_empty() => {
            let mut esc = Esc::new(interp, env, vars, Some(&query));
            let f = esc.escape_fragment(&args[0], &args[1..], s.span)?;
            join_params = esc.params;
            source = Some(Source::Fragment(match f {
                Expr::Fragment(p) => p,
                _ => vec![],
            }));
        }
        Kind::Call { name, args, .. } if name == "values" && args.len() == 2 => {
            let (src, params) = values_source(interp, env, args, s.span)?;
            join_params = params;
            source = Some(src);
        }
        Kind::Str(_) if s.as_plain_str().is_some() => source = Some(Source::Table { table: s.as_plain_str(), schema: None }),
        Kind::Alias(_) => {
            let m = alias_of(env, s).unwrap_or_default();
            source = Some(Source::Table { table: None, schema: Some(m) });
        }
        Kind::Tuple(t) if t.len() == 2 => {
            let Some(tbl) = unwrap(&t[0]).as_plain_str() else {
                return Err(compile_error(format!("malformed join `{}` in query expression", node_str(s)), s.span));
            };
            let schema = match alias_of(env, &t[1]) {
                Some(m) => m,
                None => match &unwrap(&t[1]).kind {
                    Kind::Atom(a) => a.clone(),
                    _ => return Err(compile_error(format!("malformed join `{}` in query expression", node_str(s)), s.span)),
                },
            };
            source = Some(Source::Table { table: Some(tbl), schema: Some(schema) });
        }
        Kind::UnOp { op, operand } if op == "^" => {
            let v = interp.eval(operand, env)?;
            match &v {
                Value::Atom(a) => source = Some(Source::Table { table: None, schema: Some(alias_name(a).to_string()) }),
                Value::Str(t) => source = Some(Source::Table { table: Some(t.to_string()), schema: None }),
                Value::Tuple(t) if t.len() == 2 && t[0].is_binary() && t[1].is_atom() => {
                    source = Some(Source::Table {
                        table: t[0].as_str().map(|x| x.to_string()),
                        schema: t[1].as_atom().map(|a| alias_name(a).to_string()),
                    })
                }
                other => {
                    let q = to_query(interp, other, s.span)?;
                    source_query = Some(Box::new(q));
                }
            }
        }
        _ => {
            // `join: c in some_var` is a malformed join at compile time.
            return Err(compile_error(format!("malformed join `{}` in query expression", node_str(s)), s.span));
        }
    }
    let mut jvars = vars.clone();
    jvars.push(&var, Bind::Ix(count_bind));
    let mut join = JoinExpr {
        qual,
        source,
        source_query,
        on: BoolExpr {
            op: BoolOp::And,
            clause: Clause { expr: Expr::Lit(Value::Bool(true)), params: vec![], subqueries: vec![], loc: loc(span) },
        },
        assoc,
        as_: as_v.clone(),
        ix: None,
        prefix: prefix_v,
        params: join_params,
        hints: hints_v,
        loc: loc(span),
        written: Written(on.map_or(expr.span, |o| expr.span.to(o.span))),
    };
    match on {
        Some(on_node) if pinned(on_node).is_some() => {
            let v = interp.eval(pinned(on_node).unwrap_or(on_node), env)?;
            // The join is applied first so a dynamic `on` sees its binding.
            let mut tmp = query.clone();
            tmp.joins.push(join.clone());
            if let Some(a) = &as_v {
                tmp.aliases.push((a.clone(), count_bind));
            }
            let (e, params, _) = runtime_filter(&tmp, FilterKind::On, &v, count_bind, on_node.span)?;
            join.on.clause = Clause { expr: e, params, subqueries: vec![], loc: loc(on_node.span) };
        }
        Some(on_node) => {
            let mut esc = Esc::new(interp, env, &jvars, Some(&query));
            let e = escape_filter(&mut esc, FilterKind::On, on_node, count_bind)?;
            if !esc.subqueries.is_empty() {
                return Err(arg_error("invalid expression for join `:on`, subqueries aren't supported", on_node.span));
            }
            join.on.clause = Clause { expr: e, params: esc.params, subqueries: vec![], loc: loc(on_node.span) };
        }
        None => {}
    }
    if let Some(a) = &as_v {
        if query.alias_ix(a).is_some() {
            return Err(compile_error(format!("alias `{}` already exists", inspect(&Value::atom(a))), span));
        }
        query.aliases.push((a.clone(), count_bind));
    }
    query.joins.push(join);
    Ok((query, (var, count_bind)))
}

fn m_join(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let (qn, qual_n, binding, expr, opts) = match args {
        [q, qual, e] => (q, qual, None, e, None),
        [q, qual, b, e] => (q, qual, Some(b), e, None),
        [q, qual, b, e, o] => (q, qual, Some(b), e, Some(o)),
        _ => return Err(compile_error("invalid arguments to join", span)),
    };
    if let Some(b) = binding {
        if !matches!(unwrap(b).kind, Kind::List(_)) {
            return Err(arg_error(
                format!("invalid binding passed to Ecto.Query.join/5, should be list of variables, got: {}", node_str(b)),
                b.span,
            ));
        }
    }
    let query = eval_query(interp, qn, env)?;
    let qual = qual_of(interp, env, qual_n)?;
    let vars = vars_for(interp, env, &query, binding)?;
    let opts_kw: Vec<(String, &Node)> = match opts {
        None => vec![],
        Some(o) => match unwrap(o).as_keyword() {
            Some(kw) => kw.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            None => {
                return Err(arg_error(format!("invalid opts passed to Ecto.Query.join/5, should be list, got: {}", node_str(o)), o.span))
            }
        },
    };
    let mut on: Option<Node> = None;
    let (mut as_, mut prefix, mut hints) = (None, None, None);
    for (k, v) in &opts_kw {
        match k.as_str() {
            "on" => {
                on = Some(match on {
                    None => (*v).clone(),
                    Some(prev) => Node::new(Kind::BinOp { op: "and".into(), lhs: Box::new(prev), rhs: Box::new((*v).clone()) }, v.span),
                })
            }
            "as" => as_ = Some(*v),
            "prefix" => prefix = Some(*v),
            "hints" => hints = Some(*v),
            other => {
                return Err(arg_error(
                    format!("invalid option `{other}` passed to Ecto.Query.join/5, valid options are: [:on, :as, :prefix, :hints]"),
                    span,
                ));
            }
        }
    }
    let (q, _) = build_join(interp, env, query, &vars, QualArg::Known(qual), expr, on.as_ref(), as_, prefix, hints, span)?;
    Ok(qv(q))
}

// ---------------------------------------------------------------------------
// select

fn take_fields(esc: &mut Esc, n: &Node, tag: TakeKind) -> EResult<Vec<Value>> {
    if let Some(inner) = pinned(n) {
        let v = esc.eval(inner)?;
        if is_take(&v) {
            return Ok(v.as_list().map(|l| l.to_vec()).unwrap_or_default());
        }
        return Err(arg_error(
            format!("expected a list of fields in `{}/2` inside `select`, got: `{}`", tag.as_atom(), inspect(&v)),
            n.span,
        ));
    }
    match literal_value(n) {
        Some(Value::List(l)) => Ok(l.to_vec()),
        _ => Err(compile_error(
            format!(
                "`{}/2` in `select` expects either a literal or an interpolated (1) list of atom fields, (2) dynamic, or (3) map with dynamic values",
                tag.as_atom()
            ),
            n.span,
        )),
    }
}

/// `Ecto.Query.Builder.Select.maybe_take?/1` on the AST: a list with an
/// atom (or a keyword entry whose value holds one) somewhere in it.
fn maybe_take_node(n: &Node) -> bool {
    let items = match &unwrap(n).kind {
        Kind::List(items) => items,
        _ => return false,
    };
    items.iter().any(|i| match &unwrap(i).kind {
        Kind::Atom(_) | Kind::Bool(_) | Kind::Nil => true,
        Kind::Tuple(kv) if kv.len() == 2 && matches!(unwrap(&kv[0]).kind, Kind::Atom(_)) => match &unwrap(&kv[1]).kind {
            Kind::List(_) => maybe_take_node(&kv[1]),
            Kind::Atom(_) | Kind::Bool(_) | Kind::Nil => true,
            _ => false,
        },
        _ => false,
    })
}

fn is_take(v: &Value) -> bool {
    match v.as_list() {
        Some(items) => items.iter().all(|i| match i.as_tuple() {
            Some([k, v]) if k.is_atom() => is_take(&match v {
                Value::List(_) => v.clone(),
                other => Value::list(vec![other.clone()]),
            }),
            _ => i.is_atom(),
        }),
        None => false,
    }
}

fn add_take(esc: &mut Esc, ix: usize, kind: TakeKind, fields: Vec<Value>, span: Span) -> EResult<()> {
    if let Some(entry) = esc.take.iter_mut().find(|(i, _, _)| *i == ix) {
        entry.1 = merge_take_kind(ix, entry.1, kind, span)?;
        for f in fields {
            if !entry.2.contains(&f) {
                entry.2.push(f);
            }
        }
        return Ok(());
    }
    esc.take.push((ix, kind, fields));
    Ok(())
}

fn merge_take_kind(ix: usize, old: TakeKind, new: TakeKind, span: Span) -> EResult<TakeKind> {
    Ok(match (old, new) {
        (a, b) if a == b => a,
        (TakeKind::Any, k) | (k, TakeKind::Any) => k,
        (a, b) => {
            return Err(compile_error(
                format!(
                    "cannot select_merge because the binding at position {ix} was previously specified as a `{}` and later as `{}`",
                    a.as_atom(),
                    b.as_atom()
                ),
                span,
            ))
        }
    })
}

/// `Ecto.Query.Builder.Select.escape/4` (structure), leaves via `Builder.escape`.
pub fn select_escape(esc: &mut Esc, n: &Node) -> EResult<Expr> {
    if let Some(expanded) = expand_pipe(n) {
        return select_escape(esc, &expanded);
    }
    let u = unwrap(n);
    match &u.kind {
        Kind::Tuple(items) => {
            let mut out = vec![];
            for i in items {
                out.push(select_escape(esc, i)?);
            }
            Ok(Expr::Tuple(out))
        }
        Kind::Struct { name, update, entries } => {
            let module = alias_of(esc.env, name).unwrap_or_else(|| node_str(name));
            let map_node = Node::new(Kind::Map { update: update.clone(), entries: entries.clone() }, u.span);
            match select_escape(esc, &map_node)? {
                Expr::Map(kv) => Ok(Expr::Struct(module, kv)),
                Expr::MapUpdate(d, kv) => Ok(Expr::Merge(d, Box::new(Expr::Struct(module, kv)))),
                other => Ok(other),
            }
        }
        Kind::Map { update: Some(data), entries } => {
            let d = select_escape(esc, data)?;
            let kv = select_pairs(esc, entries, Some(data))?;
            Ok(Expr::MapUpdate(Box::new(d), kv))
        }
        Kind::Map { update: None, entries } => Ok(Expr::Map(select_pairs(esc, entries, None)?)),
        Kind::Call { name, args, .. } if name == "merge" && args.len() == 2 => {
            let r = unwrap(&args[1]);
            let ok = matches!(r.kind, Kind::Map { .. }) || matches!(&r.kind, Kind::Call { name, .. } if name == "map");
            if !ok {
                return Err(compile_error(
                    format!("expected the second argument of merge/2 in select to be a map, got: `{}`", node_str(r)),
                    r.span,
                ));
            }
            let l = select_escape(esc, &args[0])?;
            let r = select_escape(esc, &args[1])?;
            Ok(Expr::Merge(Box::new(l), Box::new(r)))
        }
        Kind::List(items) => {
            let mut out = vec![];
            for i in items {
                out.push(select_escape(esc, i)?);
            }
            Ok(Expr::List(out))
        }
        Kind::Call { name, args, .. } if (name == "map" || name == "struct") && args.len() == 2 && as_var(&args[0]).is_some() => {
            let tag = if name == "map" { TakeKind::Map } else { TakeKind::Struct };
            let fields = take_fields(esc, &args[1], tag)?;
            let var = as_var(&args[0]).unwrap_or("_");
            let b = esc.find_var(var, args[0].span)?;
            let ix = match b {
                Bind::Ix(i) => i,
                _ => 0,
            };
            add_take(esc, ix, tag, fields, u.span)?;
            Ok(Expr::Var(b))
        }
        Kind::Call { name, args, .. } if name == "selected_as" && args.len() == 2 => {
            let nm = esc.quoted_atom(&args[1], "selected_as/2")?;
            let e = esc.escape(&args[0], &QType::Any)?;
            if esc.aliases.contains(&nm) {
                return Err(compile_error(
                    format!("the alias `{}` has been specified more than once using `selected_as/2`", inspect(&Value::atom(&nm))),
                    u.span,
                ));
            }
            esc.aliases.push(nm.clone());
            Ok(Expr::SelectedAs(Box::new(e), nm))
        }
        _ => esc.escape(u, &QType::Any),
    }
}

fn select_pairs(esc: &mut Esc, entries: &[(Node, Node)], update_data: Option<&Node>) -> EResult<Vec<(Expr, Expr)>> {
    let mut out = vec![];
    for (k, v) in entries {
        let key = match &unwrap(k).kind {
            Kind::Atom(a) => Expr::Lit(Value::atom(a)),
            _ => match pinned(k) {
                Some(inner) => {
                    let kv = esc.eval(inner)?;
                    if !(kv.is_atom() || kv.is_binary() || matches!(kv, Value::Int(_) | Value::Float(_))) {
                        return Err(compile_error(
                            format!("interpolated map keys in `:select` can only be atoms, strings or numbers, got: {}", inspect(&kv)),
                            k.span,
                        ));
                    }
                    Expr::Lit(kv)
                }
                None => select_escape(esc, k)?,
            },
        };
        // `%{p | field: ^v}` types the param as the field.
        let val = match (update_data.and_then(as_var), pinned(v), &key) {
            (Some(var), Some(inner), Expr::Lit(Value::Atom(field))) => {
                let b = esc.find_var(var, v.span)?;
                let value = esc.eval(inner)?;
                let ty = QType::Field(b, field.to_string());
                esc.params.push(Param::Value(value, ty.clone()));
                Expr::Type(Box::new(Expr::Param(esc.params.len() - 1)), ty)
            }
            _ => select_escape(esc, v)?,
        };
        out.push((key, val));
    }
    Ok(out)
}

/// `Select.select!/5` for an interpolated map/struct with dynamics.
fn expand_nested(esc: &mut Esc, v: &Value, span: Span) -> EResult<Expr> {
    if let Some(d) = v.downcast::<DynamicExpr>() {
        let e = esc.inline_dynamic(d, span)?;
        for (ix, kind, fields) in d.take.clone() {
            add_take(esc, ix, kind, fields, span)?;
        }
        return Ok(e);
    }
    if let Some(s) = v.downcast::<SubQueryValue>() {
        esc.subqueries.push(s.0.clone());
        let ix = esc.subqueries.len() - 1;
        esc.params.push(Param::Subquery(ix));
        return Ok(Expr::Subquery(ix));
    }
    match v {
        Value::Map(m) => {
            let mut kv = vec![];
            for (k, val) in m.iter() {
                kv.push((Expr::Lit(k.clone()), expand_nested(esc, val, span)?));
            }
            Ok(Expr::Map(kv))
        }
        Value::Struct(s) => {
            let mut kv = vec![];
            for (k, val) in &s.fields {
                kv.push((Expr::Lit(Value::atom(k)), expand_nested(esc, val, span)?));
            }
            Ok(Expr::Struct(s.name().to_string(), kv))
        }
        Value::List(_) | Value::Tuple(_) => Err(Box::new(Error::Raise(crate::eval::Exception {
            kind: "Ecto.QueryError".into(),
            message: format!(
                "Interpolated map values in :select can only be maps, structs, dynamics, subqueries and literals. Got {}",
                inspect(v)
            ),
            span,
            value: None,
        }))),
        other => Ok(Expr::Lit(other.clone())),
    }
}

fn select(interp: &mut Interp, env: &mut Env, query: Query, vars: &Vars, expr: &Node, merge: bool) -> EResult<Query> {
    let span = expr.span;
    let new = if let Some(inner) = pinned(expr) {
        let v = interp.eval(inner, env)?;
        let empty = Vars::default();
        let mut esc = Esc::new(interp, env, &empty, Some(&query));
        if matches!(v, Value::Map(_)) || v.downcast::<DynamicExpr>().is_some() {
            let e = expand_nested(&mut esc, &v, span)?;
            SelectExpr {
                clause: Clause { expr: e, params: esc.params, subqueries: esc.subqueries, loc: loc(span) },
                take: esc.take,
                aliases: esc.aliases,
            }
        } else {
            if !is_take(&v) {
                return Err(arg_error(format!("expected a list of fields in `select/2` inside `select`, got: `{}`", inspect(&v)), span));
            }
            let fields = v.as_list().map(|l| l.to_vec()).unwrap_or_default();
            SelectExpr {
                clause: Clause { expr: Expr::Var(Bind::Ix(0)), params: vec![], subqueries: vec![], loc: loc(span) },
                take: vec![(0, TakeKind::Any, fields)],
                aliases: vec![],
            }
        }
    } else {
        let u = unwrap(expr);
        if let Kind::Atom(_) = u.kind {
            return Err(compile_error(
                format!(
                    "select does not allow atoms as the expression, got: `{}`. If you want to select the field of a binding, use field/2 or `binding.field`",
                    node_str(u)
                ),
                span,
            ));
        }
        if !matches!(literal_value(u), Some(Value::List(ref l)) if is_take(&Value::List(l.clone()))) && maybe_take_node(u) {
            return Err(compile_error(
                format!(
                    "Cannot mix fields with interpolations, such as: `select: [:foo, ^:bar, :baz]`. Instead interpolate all fields at once, such as: `select: ^[:foo, :bar, :baz]`. Got: {}.",
                    node_str(u)
                ),
                span,
            ));
        }
        if let Some(Value::List(l)) = literal_value(u) {
            if is_take(&Value::List(l.clone())) && !l.is_empty() {
                let fields = l.to_vec();
                return finish_select_i(
                    interp,
                    query,
                    SelectExpr {
                        clause: Clause { expr: Expr::Var(Bind::Ix(0)), params: vec![], subqueries: vec![], loc: loc(span) },
                        take: vec![(0, TakeKind::Any, fields)],
                        aliases: vec![],
                    },
                    merge,
                    span,
                );
            }
        }
        let mut esc = Esc::new(interp, env, vars, Some(&query));
        let e = select_escape(&mut esc, expr)?;
        SelectExpr {
            clause: Clause { expr: e, params: esc.params, subqueries: esc.subqueries, loc: loc(span) },
            take: esc.take,
            aliases: esc.aliases,
        }
    };
    finish_select_i(interp, query, new, merge, span)
}

fn finish_select_i(interp: &mut Interp, mut query: Query, new: SelectExpr, merge: bool, span: Span) -> EResult<Query> {
    if !merge {
        if query.select.is_some() {
            return Err(compile_error("only one select expression is allowed in query", span));
        }
        query.select = Some(new);
        return Ok(query);
    }
    let mut names: Vec<String> = vec![];
    for src in std::iter::once(Some(&query.from.source)).chain(query.joins.iter().map(|j| j.source.as_ref())).flatten() {
        if let Source::Table { schema: Some(s), .. } = src {
            names.push(s.clone());
        }
    }
    let mut fields: Vec<(String, Vec<String>)> = vec![];
    for n in names {
        if let Some(s) = crate::schema::lookup(interp, &n) {
            fields.push((n, s.query_fields().map(|f| f.name.clone()).collect()));
        }
    }
    let lookup = move |s: &str| fields.iter().find(|(n, _)| n == s).map(|(_, f)| f.clone());
    super::merge::select_merge(query, new, span, &lookup)
}

// ---------------------------------------------------------------------------
// order_by / distinct / group_by / limit / offset / lock / windows

fn order_by(interp: &mut Interp, env: &mut Env, mut query: Query, vars: &Vars, expr: &Node, prepend: bool) -> EResult<Query> {
    let mut esc = Esc::new(interp, env, vars, Some(&query));
    let items = if let Some(inner) = pinned(expr) {
        let v = esc.eval(inner)?;
        esc.runtime_order_by(&v, "order_by", expr.span)?
    } else {
        esc.escape_order_by(expr, "order_by")?
    };
    let clause = Clause { expr: items, params: esc.params, subqueries: esc.subqueries, loc: loc(expr.span) };
    if prepend {
        query.order_bys.insert(0, clause);
    } else {
        query.order_bys.push(clause);
    }
    Ok(query)
}

fn distinct(interp: &mut Interp, env: &mut Env, mut query: Query, vars: &Vars, expr: &Node) -> EResult<Query> {
    let mut esc = Esc::new(interp, env, vars, Some(&query));
    let d = if let Kind::Bool(b) = unwrap(expr).kind {
        Distinct::Bool(b)
    } else if let Some(inner) = pinned(expr) {
        let v = esc.eval(inner)?;
        match v {
            Value::Bool(b) => Distinct::Bool(b),
            _ => Distinct::Exprs(esc.runtime_order_by(&v, "distinct", expr.span)?),
        }
    } else {
        Distinct::Exprs(esc.escape_order_by(expr, "distinct")?)
    };
    let clause = Clause { expr: d, params: esc.params, subqueries: esc.subqueries, loc: loc(expr.span) };
    if query.distinct.is_some() {
        return Err(compile_error("only one distinct expression is allowed in query", expr.span));
    }
    query.distinct = Some(clause);
    Ok(query)
}

fn group_by(interp: &mut Interp, env: &mut Env, mut query: Query, vars: &Vars, expr: &Node) -> EResult<Query> {
    let mut esc = Esc::new(interp, env, vars, Some(&query));
    let items = if let Some(inner) = pinned(expr) {
        let v = esc.eval(inner)?;
        esc.runtime_group_by(&v, "group_by", expr.span)?
    } else {
        esc.escape_group_by(expr)?
    };
    let clause = Clause { expr: items, params: esc.params, subqueries: esc.subqueries, loc: loc(expr.span) };
    query.group_bys.push(clause);
    Ok(query)
}

fn limit_offset(interp: &mut Interp, env: &mut Env, mut query: Query, vars: &Vars, expr: &Node, is_limit: bool) -> EResult<Query> {
    let mut esc = Esc::new(interp, env, vars, Some(&query));
    esc.allow_subqueries = false;
    let e = esc.escape(expr, &QType::atom("integer"))?;
    let clause = Clause { expr: e, params: esc.params, subqueries: vec![], loc: loc(expr.span) };
    if is_limit {
        query.limit = Some(LimitExpr { clause, with_ties: false });
    } else {
        query.offset = Some(clause);
    }
    Ok(query)
}

fn apply_with_ties(interp: &mut Interp, env: &mut Env, mut query: Query, expr: &Node) -> EResult<Query> {
    let v = match &unwrap(expr).kind {
        Kind::Bool(b) => *b,
        _ => match pinned(expr) {
            Some(inner) => match interp.eval(inner, env)? {
                Value::Bool(b) => b,
                other => {
                    return Err(Error::raise(
                        "RuntimeError",
                        format!("`with_ties` expression must evaluate to a boolean at runtime, got: `{}`", inspect(&other)),
                        expr.span,
                    ))
                }
            },
            None => {
                return Err(compile_error(
                    format!(
                        "`with_ties` expression must be a compile time boolean or an interpolated value using ^, got: `{}`",
                        node_str(expr)
                    ),
                    expr.span,
                ))
            }
        },
    };
    match &mut query.limit {
        Some(l) => l.with_ties = v,
        None => return Err(compile_error("`with_ties` can only be applied to queries containing a `limit`", expr.span)),
    }
    Ok(query)
}

fn lock(interp: &mut Interp, env: &mut Env, mut query: Query, vars: &Vars, expr: &Node) -> EResult<Query> {
    let u = unwrap(expr);
    if let Some(s) = u.as_plain_str() {
        query.lock = Some(Lock::Str(s));
        return Ok(query);
    }
    if let Some(args) = as_call(u, "fragment").filter(|a| !a.is_empty()) {
        let mut esc = Esc::new(interp, env, vars, Some(&query));
        let f = esc.escape_fragment(&args[0], &args[1..], u.span)?;
        if !esc.params.is_empty() {
            return Err(compile_error("value interpolation is not allowed in :lock", u.span));
        }
        query.lock = Some(Lock::Fragment(f));
        return Ok(query);
    }
    Err(compile_error(
        format!("`{}` is not a valid lock. For security reasons, a lock must always be a literal string or a fragment", node_str(u)),
        u.span,
    ))
}

fn windows(interp: &mut Interp, env: &mut Env, mut query: Query, vars: &Vars, expr: &Node) -> EResult<Query> {
    let Some(kw) = unwrap(expr).as_keyword() else {
        return Err(compile_error(
            format!("expected window definitions to be a keyword list with window names as keys and a keyword list with the window definition as value, got: `{}`", node_str(expr)),
            expr.span,
        ));
    };
    let mut defs = vec![];
    for (name, def) in kw {
        let mut esc = Esc::new(interp, env, vars, Some(&query));
        let w = esc.escape_window_def(def, false)?;
        defs.push((name.to_string(), Clause { expr: w, params: esc.params, subqueries: esc.subqueries, loc: loc(def.span) }));
    }
    for (name, clause) in defs {
        if query.windows.iter().any(|(n, _)| *n == name) {
            return Err(compile_error(format!("window with name {name} is already defined"), expr.span));
        }
        query.windows.push((name, clause));
    }
    Ok(query)
}

// ---------------------------------------------------------------------------
// update

fn update(interp: &mut Interp, env: &mut Env, mut query: Query, vars: &Vars, expr: &Node) -> EResult<Query> {
    let span = expr.span;
    let malformed = |n: &Node| {
        compile_error(
            format!("malformed update `{}` in query expression, expected a keyword list with set/push/pull as keys with field-value pairs as values", node_str(n)),
            n.span,
        )
    };
    let mut runtime: Vec<(UpdateOp, Value)> = vec![];
    let mut compile: UpdateKw = vec![];
    let mut esc = Esc::new(interp, env, vars, Some(&query));
    esc.allow_subqueries = false;
    if let Some(inner) = pinned(expr) {
        let v = esc.eval(inner)?;
        for (op, kw) in v.as_keyword().ok_or_else(|| runtime_update_error(&v, span))? {
            let op = UpdateOp::from_atom(op)
                .ok_or_else(|| compile_error(format!("unknown key `{}` in update", inspect(&Value::atom(op))), span))?;
            runtime.push((op, kw.clone()));
        }
    } else {
        let Some(kw) = unwrap(expr).as_keyword() else {
            return Err(malformed(expr));
        };
        for (op_name, v) in kw {
            let op = UpdateOp::from_atom(op_name)
                .ok_or_else(|| compile_error(format!("unknown key `{}` in update", inspect(&Value::atom(op_name))), v.span))?;
            if let Some(inner) = pinned(v) {
                let val = esc.eval(inner)?;
                runtime.push((op, val));
                continue;
            }
            let Kind::List(items) = &unwrap(v).kind else {
                return Err(malformed(expr));
            };
            let mut compiled = vec![];
            let mut rt_items = vec![];
            for item in items {
                let Kind::Tuple(pair) = &unwrap(item).kind else {
                    return Err(compile_error(
                        format!("malformed {} in update `{}`, expected a keyword list", inspect(&Value::atom(op_name)), node_str(v)),
                        v.span,
                    ));
                };
                if pair.len() != 2 {
                    return Err(compile_error(
                        format!("malformed {} in update `{}`, expected a keyword list", inspect(&Value::atom(op_name)), node_str(v)),
                        v.span,
                    ));
                }
                let field = match &unwrap(&pair[0]).kind {
                    Kind::Atom(a) => a.clone(),
                    _ => match pinned(&pair[0]) {
                        Some(inner) => {
                            let f = esc.eval(inner)?;
                            f.as_atom().map(|a| a.to_string()).ok_or_else(|| {
                                arg_error(format!("expected a field as an atom in `update`, got: `{}`", inspect(&f)), pair[0].span)
                            })?
                        }
                        None => {
                            return Err(compile_error(
                                format!("expected an atom field or an interpolated field in `update`, got `{}`", node_str(&pair[0])),
                                pair[0].span,
                            ));
                        }
                    },
                };
                if let Some(inner) = pinned(&pair[1]) {
                    let val = esc.eval(inner)?;
                    rt_items.push(Value::tuple(vec![Value::atom(&field), val]));
                    continue;
                }
                let ty = update_type(op, &field);
                let e = esc.escape(&pair[1], &ty)?;
                compiled.push((field, e));
            }
            if !compiled.is_empty() {
                compile.push((op, compiled));
            }
            if !rt_items.is_empty() {
                runtime.push((op, Value::list(rt_items)));
            }
        }
    }
    let params = std::mem::take(&mut esc.params);
    drop(esc);
    if !compile.is_empty() {
        query.updates.push(Clause { expr: compile, params, subqueries: vec![], loc: loc(span) });
    }
    if !runtime.is_empty() {
        let mut rt: UpdateKw = vec![];
        let mut rparams = vec![];
        for (op, kw) in runtime {
            let Some(pairs) = kw.as_keyword() else {
                return Err(arg_error(
                    format!("malformed {} in update `{}`, expected a keyword list", inspect(&Value::atom(op.as_atom())), inspect(&kw)),
                    span,
                ));
            };
            let mut items = vec![];
            for (field, value) in pairs {
                if let Some(d) = value.downcast::<DynamicExpr>() {
                    let mut subs = vec![];
                    let mut aliases = vec![];
                    let e = super::value::expand_dynamic(d, Some(&query), &mut rparams, &mut subs, &mut aliases, span)?;
                    if !subs.is_empty() {
                        return Err(arg_error("subqueries are not allowed in `update` expressions", span));
                    }
                    items.push((field.to_string(), e));
                    continue;
                }
                rparams.push(Param::Value(value.clone(), update_type(op, field)));
                items.push((field.to_string(), Expr::Param(rparams.len() - 1)));
            }
            rt.push((op, items));
        }
        query.updates.push(Clause { expr: rt, params: rparams, subqueries: vec![], loc: loc(span) });
    }
    Ok(query)
}

fn update_type(op: UpdateOp, field: &str) -> QType {
    let t = QType::Field(Bind::Ix(0), field.to_string());
    match op {
        UpdateOp::Push | UpdateOp::Pull => QType::Out(Box::new(t)),
        _ => t,
    }
}

fn runtime_update_error(v: &Value, span: Span) -> Box<Error> {
    arg_error(
        format!("malformed update `{}` in query expression, expected a keyword list with set/push/pull as keys with field-value pairs as values", inspect(v)),
        span,
    )
}

// ---------------------------------------------------------------------------
// preload

fn preload(interp: &mut Interp, env: &mut Env, mut query: Query, vars: &Vars, expr: &Node) -> EResult<Query> {
    let mut preloads = vec![];
    let mut assocs = vec![];
    preload_escape(interp, env, vars, expr, &mut preloads, &mut assocs, true)?;
    query.preloads.extend(preloads);
    query.assocs.extend(assocs);
    Ok(query)
}

fn preload_value(v: &Value) -> Vec<Preload> {
    match v {
        Value::List(items) => items.iter().flat_map(preload_value).collect(),
        Value::Tuple(t) if t.len() == 2 && t[0].is_atom() => {
            let name = t[0].as_atom().unwrap_or("").to_string();
            match &t[1] {
                Value::Atom(_) | Value::List(_) => vec![Preload::Assoc(name, preload_value(&t[1]))],
                other => vec![Preload::Custom(name, other.clone(), vec![])],
            }
        }
        other => match other.as_atom() {
            Some(a) => vec![Preload::Assoc(a.to_string(), vec![])],
            None => vec![],
        },
    }
}

fn preload_escape(
    interp: &mut Interp,
    env: &mut Env,
    vars: &Vars,
    n: &Node,
    preloads: &mut Vec<Preload>,
    assocs: &mut Vec<AssocPreload>,
    top: bool,
) -> EResult<()> {
    let u = unwrap(n);
    if let Some(inner) = pinned(u) {
        let v = interp.eval(inner, env)?;
        preloads.extend(preload_value(&v));
        return Ok(());
    }
    match &u.kind {
        Kind::Atom(a) => preloads.push(Preload::Assoc(a.clone(), vec![])),
        Kind::List(items) => {
            for it in items {
                let iu = unwrap(it);
                if let Kind::Tuple(pair) = &iu.kind {
                    if pair.len() == 2 {
                        if let Kind::Atom(key) = &unwrap(&pair[0]).kind {
                            let val = unwrap(&pair[1]);
                            // assoc: binding  /  assoc: {binding, nested}
                            let (bind_var, nested): (Option<&str>, Option<&Node>) = match &val.kind {
                                Kind::Var(v) => (Some(v.as_str()), None),
                                Kind::Tuple(t) if t.len() == 2 && as_var(&t[0]).is_some() => (as_var(&t[0]), Some(&t[1])),
                                _ => (None, Some(val)),
                            };
                            if let Some(var) = bind_var {
                                if !top && assocs.is_empty() {
                                    // nested join preloads under a non-join parent
                                }
                                let ix = match vars.get(var) {
                                    Some(Bind::Ix(i)) => *i,
                                    _ => return Err(compile_error(format!("unbound variable `{var}` in query. If you are attempting to interpolate a value, use ^var"), val.span)),
                                };
                                let mut child_pre = vec![];
                                let mut child_assocs = vec![];
                                if let Some(nn) = nested {
                                    preload_escape(interp, env, vars, nn, &mut child_pre, &mut child_assocs, false)?;
                                }
                                assocs.push(AssocPreload { name: key.clone(), ix, children: child_assocs });
                                if !child_pre.is_empty() {
                                    preloads.push(Preload::Assoc(key.clone(), child_pre));
                                }
                                continue;
                            }
                            if let Some(inner) = pinned(val) {
                                let v = interp.eval(inner, env)?;
                                preloads.push(Preload::Custom(key.clone(), v, vec![]));
                                continue;
                            }
                            let mut child = vec![];
                            let mut child_assocs = vec![];
                            preload_escape(interp, env, vars, val, &mut child, &mut child_assocs, false)?;
                            if !child_assocs.is_empty() {
                                return Err(compile_error(
                                    format!("cannot preload join association `{}` with binding `...` because parent preload is not a join association", inspect(&Value::atom(key))),
                                    val.span,
                                ));
                            }
                            preloads.push(Preload::Assoc(key.clone(), child));
                            continue;
                        }
                    }
                }
                preload_escape(interp, env, vars, it, preloads, assocs, top)?;
            }
        }
        _ => {
            return Err(compile_error(
                format!(
                    "`{}` is not a valid preload expression. preload expects an atom, a list of atoms or a keyword list with more preloads as values. Use ^ on the outermost preload to interpolate a value",
                    node_str(u)
                ),
                u.span,
            ))
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// combinations, CTEs

fn combination(interp: &mut Interp, env: &mut Env, mut query: Query, kind: &str, other: &Node) -> EResult<Query> {
    let Some(inner) = pinned(other) else {
        return Err(compile_error(
            format!("`{}` is not a valid {kind}. {kind} must always be an interpolated query, such as ^existing_query", node_str(other)),
            other.span,
        ));
    };
    let v = interp.eval(inner, env)?;
    let q = to_query(interp, &v, other.span)?;
    let k = CombKind::from_name(kind).unwrap_or(CombKind::Union);
    query.combinations.push((k, q));
    Ok(query)
}

macro_rules! comb_macro {
    ($name:ident, $kind:expr) => {
        fn $name(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
            let [q, other] = args else {
                return Err(compile_error("invalid arguments", span));
            };
            let query = eval_query(interp, q, env)?;
            Ok(qv(combination(interp, env, query, $kind, other)?))
        }
    };
}

comb_macro!(m_union, "union");
comb_macro!(m_union_all, "union_all");
comb_macro!(m_except, "except");
comb_macro!(m_except_all, "except_all");
comb_macro!(m_intersect, "intersect");
comb_macro!(m_intersect_all, "intersect_all");

fn m_with_cte(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let [qn, name_n, opts] = args else {
        return Err(compile_error("invalid arguments to with_cte", span));
    };
    let mut query = eval_query(interp, qn, env)?;
    let name = match unwrap(name_n).as_plain_str() {
        Some(s) => s,
        None => match pinned(name_n) {
            Some(inner) => {
                let v = interp.eval(inner, env)?;
                v.as_str().map(|s| s.to_string()).unwrap_or_else(|| inspect(&v))
            }
            None => {
                return Err(compile_error(
                    format!("`{}` is not a valid CTE name. It must be a literal string or an interpolated variable.", node_str(name_n)),
                    name_n.span,
                ))
            }
        },
    };
    let kw = unwrap(opts).as_keyword().unwrap_or_default();
    let get = |k: &str| kw.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v);
    let Some(as_n) = get("as") else {
        return Err(compile_error("`as` option must be specified", span));
    };
    let cte_query = if let Some(inner) = pinned(as_n) {
        let v = interp.eval(inner, env)?;
        CteQuery::Query(Box::new(to_query(interp, &v, as_n.span)?))
    } else if let Some(fargs) = as_call(as_n, "fragment").filter(|a| !a.is_empty()) {
        let vars = Vars::default();
        let mut esc = Esc::new(interp, env, &vars, None);
        let f = esc.escape_fragment(&fargs[0], &fargs[1..], as_n.span)?;
        CteQuery::Fragment(Clause { expr: f, params: esc.params, subqueries: vec![], loc: loc(as_n.span) })
    } else {
        return Err(compile_error(
            format!(
                "`{}` is not a valid CTE (named: \"{name}\"). The CTE must be an interpolated query, such as ^existing_query or a fragment.",
                node_str(as_n)
            ),
            as_n.span,
        ));
    };
    let materialized = match get("materialized") {
        None => None,
        Some(m) => match interp.eval(m, env)? {
            Value::Bool(b) => Some(b),
            _ => None,
        },
    };
    let operation = match get("operation") {
        None => "all".to_string(),
        Some(o) => {
            let v = interp.eval(o, env)?;
            match v.as_atom() {
                Some("nil") | None => "all".to_string(),
                Some(a) if ["all", "update_all", "delete_all"].contains(&a) => a.to_string(),
                Some(_) => return Err(compile_error("`operation` option must be one of :all, :update_all, or :delete_all", o.span)),
            }
        }
    };
    let cte = Cte { name: name.clone(), materialized, operation, query: cte_query };
    let w = query.with_ctes.get_or_insert_with(WithExpr::default);
    match w.queries.iter_mut().find(|c| c.name == name) {
        Some(slot) => *slot = cte,
        None => w.queries.push(cte),
    }
    Ok(qv(query))
}

fn f_recursive_ctes(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut query = to_query(interp, &args[0], span)?;
    let Value::Bool(b) = args[1] else {
        return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Query.recursive_ctes/2", span));
    };
    query.with_ctes.get_or_insert_with(WithExpr::default).recursive = b;
    Ok(qv(query))
}

// ---------------------------------------------------------------------------
// pipe macros

macro_rules! pipe_macro {
    ($name:ident, $kind:expr) => {
        fn $name(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
            let (qn, binding, expr) = split_args(args, span, $kind)?;
            let compile_time = compile_time_query(qn);
            let query = eval_query(interp, qn, env)?;
            let vars = vars_for(interp, env, &query, binding)?;
            Ok(qv(apply_clause(interp, env, query, &vars, $kind, expr, compile_time)?))
        }
    };
}

pipe_macro!(m_where, "where");
pipe_macro!(m_or_where, "or_where");
pipe_macro!(m_having, "having");
pipe_macro!(m_or_having, "or_having");
pipe_macro!(m_select, "select");
pipe_macro!(m_select_merge, "select_merge");
pipe_macro!(m_order_by, "order_by");
pipe_macro!(m_distinct, "distinct");
pipe_macro!(m_group_by, "group_by");
pipe_macro!(m_limit, "limit");
pipe_macro!(m_offset, "offset");
pipe_macro!(m_lock, "lock");
pipe_macro!(m_update, "update");
pipe_macro!(m_windows, "windows");
pipe_macro!(m_preload, "preload");

fn m_prepend_order_by(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let (qn, binding, expr) = split_args(args, span, "prepend_order_by")?;
    let query = eval_query(interp, qn, env)?;
    let vars = vars_for(interp, env, &query, binding)?;
    Ok(qv(order_by(interp, env, query, &vars, expr, true)?))
}

fn m_with_ties(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let (qn, _binding, expr) = split_args(args, span, "with_ties")?;
    let query = eval_query(interp, qn, env)?;
    Ok(qv(apply_with_ties(interp, env, query, expr)?))
}

fn m_dynamic(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let (binding, expr) = match args {
        [e] => (None, e),
        [b, e] => (Some(b), e),
        _ => return Err(compile_error("invalid arguments to dynamic", span)),
    };
    let vars = match binding {
        Some(b) => escape_binding_with(None, b, &mut |n: &Node| interp.eval(n, env))?,
        None => Vars::default(),
    };
    let mut esc = Esc::new(interp, env, &vars, None);
    let u = unwrap(expr);
    let e = match &u.kind {
        Kind::Map { .. } => select_escape(&mut esc, u)?,
        Kind::Call { name, args, .. } if name == "selected_as" && args.len() == 2 => select_escape(&mut esc, u)?,
        _ => esc.escape(u, &QType::Any)?,
    };
    let d = DynamicExpr {
        expr: e,
        params: esc.params,
        subqueries: esc.subqueries,
        aliases: esc.aliases,
        take: esc.take,
        binding: binding.map(node_str).unwrap_or_else(|| "[]".into()),
        span,
    };
    Ok(Value::Opaque(Rc::new(d)))
}

// ---------------------------------------------------------------------------
// functions

fn f_subquery(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut q = match args[0].downcast::<SubQueryValue>() {
        Some(s) => s.0.clone(),
        None => to_query(interp, &args[0], span)?,
    };
    if let Some(opts) = args.get(1) {
        if let Some(p) = opts.keyword_get("prefix") {
            q.prefix = match p {
                Value::Nil => None,
                p => Some(p.clone()),
            };
        }
    }
    Ok(Value::Opaque(Rc::new(SubQueryValue(q))))
}

fn f_put_query_prefix(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut q = to_query(interp, &args[0], span)?;
    q.prefix = match &args[1] {
        Value::Nil => None,
        p => Some(p.clone()),
    };
    Ok(qv(q))
}

fn exclude_one(mut q: Query, what: &Value, span: Span) -> EResult<Query> {
    if let Some([k, names]) = what.as_tuple() {
        if k.as_atom() == Some("windows") {
            let names: Vec<&str> = names.as_list().unwrap_or(&[]).iter().filter_map(|n| n.as_atom()).collect();
            q.windows.retain(|(n, _)| !names.contains(&n.as_str()));
            return Ok(q);
        }
    }
    let Some(a) = what.as_atom() else {
        return Err(Error::raise(
            "FunctionClauseError",
            format!("no function clause matching in Ecto.Query.do_exclude/2: {}", inspect(what)),
            span,
        ));
    };
    match a {
        "join" => {
            let from_as = q.from.as_.clone();
            q.joins.clear();
            q.aliases.retain(|(n, _)| Some(n) == from_as.as_ref());
        }
        "where" => q.wheres.clear(),
        "order_by" => q.order_bys.clear(),
        "group_by" => q.group_bys.clear(),
        "combinations" => q.combinations.clear(),
        "with_ctes" => q.with_ctes = None,
        "having" => q.havings.clear(),
        "distinct" => q.distinct = None,
        "select" => q.select = None,
        "limit" => q.limit = None,
        "offset" => q.offset = None,
        "lock" => q.lock = None,
        "preload" => {
            q.preloads.clear();
            q.assocs.clear();
        }
        "update" => q.updates.clear(),
        "windows" => q.windows.clear(),
        other => {
            if let Some(qual) = join_qual_kw(other) {
                let excluded: Vec<Option<String>> = q.joins.iter().filter(|j| j.qual == qual).map(|j| j.as_.clone()).collect();
                q.joins.retain(|j| j.qual != qual);
                q.aliases.retain(|(n, _)| !excluded.contains(&Some(n.clone())));
            } else {
                return Err(Error::raise(
                    "FunctionClauseError",
                    format!("no function clause matching in Ecto.Query.do_exclude/2: {}", inspect(what)),
                    span,
                ));
            }
        }
    }
    Ok(q)
}

fn f_exclude(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut q = to_query(interp, &args[0], span)?;
    match &args[1] {
        Value::List(items) => {
            for it in items.iter() {
                q = exclude_one(q, it, span)?;
            }
        }
        other => q = exclude_one(q, other, span)?,
    }
    Ok(qv(q))
}

fn limit_one(span: Span) -> LimitExpr {
    LimitExpr { clause: Clause { expr: Expr::Lit(Value::Int(1)), params: vec![], subqueries: vec![], loc: loc(span) }, with_ties: false }
}

fn order_by_pk(interp: &mut Interp, q: &Query, dir: Dir, span: Span) -> EResult<Clause<Vec<(Dir, Expr)>>> {
    let Some(schema) = q.from_schema_name().map(|s| s.to_string()) else {
        return Err(QueryError::raise("expected a from expression with a schema", q, span));
    };
    let pks = crate::schema::lookup(interp, &schema).map(|s| s.primary_key.clone()).unwrap_or_default();
    Ok(Clause { expr: pks.iter().map(|pk| (dir, Expr::field(0, pk))).collect(), params: vec![], subqueries: vec![], loc: loc(span) })
}

fn order_by_key(interp: &mut Interp, q: Query, key: &Value, span: Span) -> EResult<Query> {
    let vars = Vars::default();
    let mut env = Env::default();
    let mut esc = Esc::new(interp, &mut env, &vars, Some(&q));
    let items = esc.runtime_order_by(key, "order_by", span)?;
    let clause = Clause { expr: items, params: esc.params, subqueries: esc.subqueries, loc: loc(span) };
    let mut q = q;
    q.order_bys.push(clause);
    Ok(q)
}

fn f_first(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut q = to_query(interp, &args[0], span)?;
    if let Some(key) = args.get(1).filter(|k| !matches!(k, Value::Nil)) {
        q = order_by_key(interp, q, key, span)?;
    }
    q.limit = Some(limit_one(span));
    if q.order_bys.is_empty() {
        let ob = order_by_pk(interp, &q, Dir::Asc, span)?;
        q.order_bys = vec![ob];
    }
    Ok(qv(q))
}

fn reverse_order(interp: &mut Interp, mut q: Query, span: Span) -> EResult<Query> {
    if q.order_bys.is_empty() {
        let ob = order_by_pk(interp, &q, Dir::Desc, span)?;
        q.order_bys = vec![ob];
    } else {
        for ob in q.order_bys.iter_mut() {
            for (d, _) in ob.expr.iter_mut() {
                *d = d.reverse();
            }
        }
    }
    Ok(q)
}

fn f_last(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut q = to_query(interp, &args[0], span)?;
    if let Some(key) = args.get(1).filter(|k| !matches!(k, Value::Nil)) {
        q = order_by_key(interp, q, key, span)?;
    }
    let mut q = reverse_order(interp, q, span)?;
    q.limit = Some(limit_one(span));
    Ok(qv(q))
}

fn f_reverse_order(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let q = to_query(interp, &args[0], span)?;
    Ok(qv(reverse_order(interp, q, span)?))
}

fn f_has_named_binding(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let q = to_query(interp, &args[0], span)?;
    let name = args[1].as_atom().unwrap_or("");
    Ok(Value::Bool(q.alias_ix(name).is_some()))
}

/// `Ecto.Query.with_named_binding(queryable, key, fun)`
fn f_with_named_binding(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let q = to_query(interp, &args[0], span)?;
    let name = args[1].as_atom().unwrap_or("").to_string();
    if q.alias_ix(&name).is_some() {
        return Ok(qv(q));
    }
    let arity = match &args[2] {
        Value::Fun(f) => f.arity(),
        _ => 0,
    };
    let call_args = match arity {
        1 => vec![qv(q)],
        2 => vec![qv(q), args[1].clone()],
        _ => {
            return Err(arg_error(
                format!("callback function for with_named_binding/3 should take one or two arguments, got: {}", inspect(&args[2])),
                span,
            ))
        }
    };
    let r = interp.apply(&args[2], call_args, span)?;
    if r.downcast::<super::value::QueryValue>().is_none() {
        return Err(arg_error(
            format!("invalid return from with_named_binding/3 callback function. Expected an Ecto.Query, got: {}", inspect(&r)),
            span,
        ));
    }
    Ok(r)
}

fn f_queryable_to_query(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    Ok(qv(to_query(interp, &args[0], span)?))
}

/// `Ecto.Adapters.SQL.to_sql(kind, repo, queryable)`: `{sql, params}` as
/// the SQLite adapter prints them (the Repo runs on SQLite).
fn f_adapters_to_sql(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let op = args[0].as_atom().and_then(super::plan::Op::from_name).ok_or_else(|| {
        Error::raise(
            "FunctionClauseError",
            format!("no function clause matching in Ecto.Adapters.SQL.to_sql/3: {}", inspect(&args[0])),
            span,
        )
    })?;
    let dialect = match args[1].as_atom() {
        Some(a) if a.contains("Postgres") => super::plan::Dialect::Postgres,
        _ => super::plan::Dialect::Sqlite,
    };
    let (sql, params, _) = super::to_sql(interp, &args[2], op, dialect, span)?;
    Ok(Value::tuple(vec![Value::string(sql), Value::list(params)]))
}

/// Registers the `Ecto.Query` macros and functions.
pub fn register(b: &mut Builtins) {
    let m = "Ecto.Query";
    b.add_macro(m, "from", &[1, 2], m_from);
    b.add_macro(m, "where", &[2, 3], m_where);
    b.add_macro(m, "or_where", &[2, 3], m_or_where);
    b.add_macro(m, "having", &[2, 3], m_having);
    b.add_macro(m, "or_having", &[2, 3], m_or_having);
    b.add_macro(m, "select", &[2, 3], m_select);
    b.add_macro(m, "select_merge", &[2, 3], m_select_merge);
    b.add_macro(m, "order_by", &[2, 3], m_order_by);
    b.add_macro(m, "prepend_order_by", &[2, 3], m_prepend_order_by);
    b.add_macro(m, "distinct", &[2, 3], m_distinct);
    b.add_macro(m, "group_by", &[2, 3], m_group_by);
    b.add_macro(m, "limit", &[2, 3], m_limit);
    b.add_macro(m, "offset", &[2, 3], m_offset);
    b.add_macro(m, "with_ties", &[2, 3], m_with_ties);
    b.add_macro(m, "lock", &[2, 3], m_lock);
    b.add_macro(m, "update", &[2, 3], m_update);
    b.add_macro(m, "windows", &[2, 3], m_windows);
    b.add_macro(m, "preload", &[2, 3], m_preload);
    b.add_macro(m, "join", &[3, 4, 5], m_join);
    b.add_macro(m, "dynamic", &[1, 2], m_dynamic);
    b.add_macro(m, "with_cte", &[3], m_with_cte);
    b.add_macro(m, "union", &[2], m_union);
    b.add_macro(m, "union_all", &[2], m_union_all);
    b.add_macro(m, "except", &[2], m_except);
    b.add_macro(m, "except_all", &[2], m_except_all);
    b.add_macro(m, "intersect", &[2], m_intersect);
    b.add_macro(m, "intersect_all", &[2], m_intersect_all);
    b.add(m, "subquery", &[1, 2], f_subquery);
    b.add(m, "put_query_prefix", &[2], f_put_query_prefix);
    b.add(m, "exclude", &[2], f_exclude);
    b.add(m, "first", &[1, 2], f_first);
    b.add(m, "last", &[1, 2], f_last);
    b.add(m, "reverse_order", &[1], f_reverse_order);
    b.add(m, "recursive_ctes", &[2], f_recursive_ctes);
    b.add(m, "has_named_binding?", &[2], f_has_named_binding);
    b.add(m, "with_named_binding", &[3], f_with_named_binding);
    b.add("Ecto.Queryable", "to_query", &[1], f_queryable_to_query);
    b.add("Ecto.Adapters.SQL", "to_sql", &[3], f_adapters_to_sql);
}
