//! `Ecto.Repo.Queryable`: all, one, get, get_by, exists?, aggregate,
//! update_all, delete_all and reload. The queries Repo builds are written
//! as the Elixir Ecto writes (evaluated through `Ecto.Query`), then
//! planned and printed by the query planner ([`super::bridge`]).

use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::schema::{self, Assoc, AssocKind};
use crate::value::{inspect, Value};

use super::errors::{self, arg};
use super::sql::ConflictTarget;
use super::util::field;
use super::{bridge, eval_template};

fn opts_of(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or_else(|| Value::list(vec![]))
}

/// `Ecto.Queryable.to_query/1`.
pub(crate) fn to_query(interp: &mut Interp, q: &Value, span: Span) -> EResult<Value> {
    Ok(bridge::query_of(interp, q, span)?.into_value())
}

const UNSUPPORTED_OPTS: &[&str] = &["where", "preload", "order_by", "limit", "group_by", "distinct", "select", "update"];

fn validate_query_opts(opts: &Value, fun: &str, span: Span) -> EResult<()> {
    for (k, _) in opts.as_keyword().unwrap_or_default() {
        if UNSUPPORTED_OPTS.contains(&k) {
            return Err(arg(
                format!("unsupported option :{k} for Repo.{fun}. Instead, use Ecto.Query to build a query, and pass that query into this function."),
                span,
            ));
        }
    }
    Ok(())
}

/// `Repo.all(queryable, opts)`.
pub fn all(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    validate_query_opts(&opts_of(&args, 1), "all", span)?;
    let q = to_query(interp, &args[0], span)?;
    Ok(Value::list(run_all(interp, &q, &opts_of(&args, 1), span)?))
}

pub(crate) fn run_all(interp: &mut Interp, q: &Value, opts: &Value, span: Span) -> EResult<Vec<Value>> {
    let (_, rows) = bridge::execute(interp, "all", q, opts, span)?;
    Ok(rows.unwrap_or_default())
}

/// `Repo.stream(queryable, opts)`: a stream that, when reduced (only inside a
/// transaction), runs the query once and hands its rows out `max_rows` at a
/// time (500 by default). The statement is logged as DBConnection reports
/// a stream: once to declare it, once per fetch (a fetch that returns
/// fewer than `max_rows` rows is the last) and once to deallocate it.
pub fn stream(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    use crate::value::Function;
    use std::cell::RefCell;
    use std::rc::Rc;
    let q = to_query(interp, &args[0], span)?;
    if let Some(qv) = q.downcast::<crate::query::QueryValue>() {
        if !qv.0.preloads.is_empty() || !qv.0.assocs.is_empty() {
            return Err(errors::raise(
                "Ecto.QueryError",
                format!("preloads are not supported on streams in query:\n\n{}\n", errors::query_text(&q)),
                None,
                span,
            ));
        }
    }
    let opts = opts_of(&args, 1);
    let max_rows = match opts.keyword_get("max_rows") {
        Some(Value::Int(n)) if *n > 0 => *n as usize,
        _ => 500,
    };
    let statement: Rc<RefCell<Option<super::conn::LogEntry>>> = Rc::new(RefCell::new(None));
    let relog = move |interp: &mut Interp, statement: &Rc<RefCell<Option<super::conn::LogEntry>>>| -> EResult<()> {
        if let Some(entry) = statement.borrow().clone() {
            super::with_conn(interp, span, |c| c.log.push(entry))?;
        }
        Ok(())
    };
    let st = statement.clone();
    let start = move |interp: &mut Interp, _: Vec<Value>| -> EResult<Value> {
        if !super::with_conn(interp, span, |c| c.in_transaction())? {
            return Err(Error::raise("RuntimeError", "cannot reduce stream outside of transaction", span));
        }
        let rows = run_all(interp, &q, &opts, span)?;
        *st.borrow_mut() = super::with_conn(interp, span, |c| c.log.last().cloned())?;
        Ok(Value::tuple(vec![Value::list(rows), Value::Int(0), Value::Bool(false)]))
    };
    let st = statement.clone();
    let next = move |interp: &mut Interp, a: Vec<Value>| -> EResult<Value> {
        let acc = a.into_iter().next().unwrap_or(Value::Nil);
        let Some([rows, Value::Int(pos), Value::Bool(done)]) = acc.as_tuple() else {
            return Ok(Value::tuple(vec![Value::atom("halt"), acc.clone()]));
        };
        if *done {
            return Ok(Value::tuple(vec![Value::atom("halt"), acc.clone()]));
        }
        relog(interp, &st)?;
        let rows_l = rows.as_list().unwrap_or(&[]);
        let from = (*pos as usize).min(rows_l.len());
        let to = (from + max_rows).min(rows_l.len());
        let chunk = rows_l[from..to].to_vec();
        let done = chunk.len() < max_rows;
        Ok(Value::tuple(vec![Value::list(chunk), Value::tuple(vec![rows.clone(), Value::Int(to as i64), Value::Bool(done)])]))
    };
    let st = statement;
    let after = move |interp: &mut Interp, _: Vec<Value>| -> EResult<Value> {
        relog(interp, &st)?;
        Ok(Value::atom("ok"))
    };
    let fun = |name: &'static str, arity: usize, f: Rc<dyn Fn(&mut Interp, Vec<Value>) -> EResult<Value>>| {
        Value::Fun(Rc::new(Function::Native { name, arity, f }))
    };
    let resource = vec![
        fun("Ecto.Repo.stream/2", 0, Rc::new(start)),
        fun("Ecto.Repo.stream/2", 1, Rc::new(next)),
        fun("Ecto.Repo.stream/2", 1, Rc::new(after)),
    ];
    interp.call("Stream", "resource", resource, span)
}

/// `Repo.all_by(queryable, clauses, opts)`.
pub fn all_by(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    validate_query_opts(&opts_of(&args, 2), "all_by", span)?;
    let q = query_for_get_by(interp, &args[0], &args[1], span)?;
    Ok(Value::list(run_all(interp, &q, &opts_of(&args, 2), span)?))
}

fn one_of(interp: &mut Interp, q: &Value, opts: &Value, bang: bool, span: Span) -> EResult<Value> {
    let q = to_query(interp, q, span)?;
    let rows = run_all(interp, &q, opts, span)?;
    match rows.len() {
        1 => Ok(rows.into_iter().next().unwrap_or(Value::Nil)),
        0 if bang => Err(errors::no_results(&q, span)),
        0 => Ok(Value::Nil),
        n => Err(errors::multiple_results(&q, n, span)),
    }
}

pub fn one(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    one_of(interp, &args[0], &opts_of(&args, 1), false, span)
}

pub fn one_bang(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    one_of(interp, &args[0], &opts_of(&args, 1), true, span)
}

fn query_for_get(interp: &mut Interp, queryable: &Value, id: &Value, span: Span) -> EResult<Value> {
    if matches!(id, Value::Nil) {
        return Err(arg("cannot perform Ecto.Repo.get/2 because the given value is nil", span));
    }
    let q = to_query(interp, queryable, span)?;
    let Some(module) = bridge::from_schema(&q) else {
        return Err(errors::raise(
            "Ecto.QueryError",
            format!("expected a from expression with a schema in query:\n\n{}\n", errors::query_text(&q)),
            None,
            span,
        ));
    };
    let Some(schema) = schema::lookup(interp, &module) else {
        return Err(arg(format!("{module} is not an Ecto schema"), span));
    };
    match schema.primary_key.as_slice() {
        [pk] => eval_template(
            interp,
            "get",
            "from(x in q, where: field(x, ^pk) == ^id)",
            &[("q", q), ("pk", Value::atom(pk)), ("id", id.clone())],
            span,
        ),
        pks => Err(arg(
            format!(
                "Ecto.Repo.get/2 requires the schema {module} to have exactly one primary key, got: {}",
                inspect::inspect(&Value::list(pks.iter().map(|p| Value::atom(p)).collect()))
            ),
            span,
        )),
    }
}

pub fn get(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let q = query_for_get(interp, &args[0], &args[1], span)?;
    one_of(interp, &q, &opts_of(&args, 2), false, span)
}

pub fn get_bang(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let q = query_for_get(interp, &args[0], &args[1], span)?;
    one_of(interp, &q, &opts_of(&args, 2), true, span)
}

fn query_for_get_by(interp: &mut Interp, queryable: &Value, clauses: &Value, span: Span) -> EResult<Value> {
    let clauses = match clauses {
        Value::Map(m) => Value::list(m.iter().map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()])).collect()),
        other => other.clone(),
    };
    eval_template(interp, "get_by", "where(q, [], ^clauses)", &[("q", queryable.clone()), ("clauses", clauses)], span)
}

pub fn get_by(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let q = query_for_get_by(interp, &args[0], &args[1], span)?;
    one_of(interp, &q, &opts_of(&args, 2), false, span)
}

pub fn get_by_bang(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let q = query_for_get_by(interp, &args[0], &args[1], span)?;
    one_of(interp, &q, &opts_of(&args, 2), true, span)
}

/// `Repo.exists?(queryable, opts)`.
pub fn exists(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let q = eval_template(
        interp,
        "exists",
        "q |> exclude(:select) |> exclude(:preload) |> exclude(:distinct) |> select(1) |> limit(1)",
        &[("q", args[0].clone())],
        span,
    )?;
    let q = bridge::select_one_in_combinations(interp, &q, span)?;
    let rows = run_all(interp, &q, &opts_of(&args, 1), span)?;
    Ok(Value::Bool(!rows.is_empty()))
}

/// `Repo.aggregate(queryable, aggregate, field \\ nil, opts \\ [])`.
pub fn aggregate(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let agg = args[1].as_atom().unwrap_or_default().to_string();
    if !["count", "avg", "max", "min", "sum"].contains(&agg.as_str()) {
        return Err(Error::raise(
            "FunctionClauseError",
            format!("no function clause matching in Ecto.Repo.Queryable.aggregate/4: unknown aggregate {}", inspect::inspect(&args[1])),
            span,
        ));
    }
    let (field_name, opts) = match args.get(2) {
        Some(Value::Atom(f)) => (Some(f.to_string()), opts_of(&args, 3)),
        Some(Value::List(_)) => (None, args[2].clone()),
        Some(Value::Nil) | None => (None, opts_of(&args, 3)),
        Some(other) => return Err(arg(format!("expected a field name for aggregate, got: {}", inspect::inspect(other)), span)),
    };
    let q = to_query(interp, &args[0], span)?;
    if bridge::has_group_by(&q) {
        return Err(errors::raise(
            "Ecto.QueryError",
            format!("cannot aggregate on query with group_by in query:\n\n{}\n", errors::query_text(&q)),
            None,
            span,
        ));
    }
    let simple = bridge::is_simple_for_aggregate(&q);
    let kept = bridge::clear_assocs(&q);
    let base = eval_template(interp, "agg_base", "exclude(q, :select)", &[("q", kept.clone())], span)?;
    let query = match (&field_name, simple) {
        (None, true) => {
            let b = eval_template(interp, "agg_noorder", "exclude(b, :order_by)", &[("b", base)], span)?;
            aggregate_select(interp, &b, &agg, None, false, span)?
        }
        (None, false) => {
            // The subquery keeps the query's own select.
            let sub = eval_template(interp, "agg_sub0", "from(s in subquery(b))", &[("b", kept)], span)?;
            aggregate_select(interp, &sub, &agg, None, false, span)?
        }
        (Some(f), true) => {
            let b = eval_template(interp, "agg_noorder", "exclude(b, :order_by)", &[("b", base)], span)?;
            aggregate_select(interp, &b, &agg, Some(f), false, span)?
        }
        (Some(f), false) => {
            let sub = eval_template(
                interp,
                "agg_sub",
                "from(s in subquery(select(b, [x], field(x, ^f))))",
                &[("b", base), ("f", Value::atom(f))],
                span,
            )?;
            aggregate_select(interp, &sub, &agg, Some(f), true, span)?
        }
    };
    one_of(interp, &query, &opts, true, span)
}

fn aggregate_select(interp: &mut Interp, q: &Value, agg: &str, f: Option<&str>, _sub: bool, span: Span) -> EResult<Value> {
    match f {
        None => {
            let (key, src) = match agg {
                "count" => ("agg_count", "select(q, [x], count())"),
                "avg" => ("agg_avg0", "select(q, [x], avg())"),
                "sum" => ("agg_sum0", "select(q, [x], sum())"),
                "min" => ("agg_min0", "select(q, [x], min())"),
                _ => ("agg_max0", "select(q, [x], max())"),
            };
            eval_template(interp, key, src, &[("q", q.clone())], span)
        }
        Some(f) => {
            let (key, src) = match agg {
                "count" => ("agg_count_f", "select(q, [x], count(field(x, ^f)))"),
                "avg" => ("agg_avg_f", "select(q, [x], avg(field(x, ^f)))"),
                "sum" => ("agg_sum_f", "select(q, [x], sum(field(x, ^f)))"),
                "min" => ("agg_min_f", "select(q, [x], min(field(x, ^f)))"),
                _ => ("agg_max_f", "select(q, [x], max(field(x, ^f)))"),
            };
            eval_template(interp, key, src, &[("q", q.clone()), ("f", Value::atom(f))], span)
        }
    }
}

/// `Repo.update_all(queryable, updates, opts)`.
pub fn update_all(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let updates = args[1].clone();
    let q = match &updates {
        Value::List(l) if l.is_empty() => to_query(interp, &args[0], span)?,
        _ => eval_template(interp, "update_all", "from(x in q, update: ^updates)", &[("q", args[0].clone()), ("updates", updates)], span)?,
    };
    let (n, rows) = bridge::execute(interp, "update_all", &q, &opts_of(&args, 2), span)?;
    Ok(Value::tuple(vec![Value::Int(n), rows.map(Value::list).unwrap_or(Value::Nil)]))
}

/// `Repo.delete_all(queryable, opts)`.
pub fn delete_all(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    validate_query_opts(&opts_of(&args, 1), "delete_all", span)?;
    let q = to_query(interp, &args[0], span)?;
    let (n, rows) = bridge::execute(interp, "delete_all", &q, &opts_of(&args, 1), span)?;
    Ok(Value::tuple(vec![Value::Int(n), rows.map(Value::list).unwrap_or(Value::Nil)]))
}

fn query_for_reload(interp: &mut Interp, structs: &[Value], span: Span) -> EResult<(Value, String)> {
    let head = &structs[0];
    if !structs.iter().all(|s| s.get_field("__meta__").is_some()) {
        return Err(arg(
            format!("expected a struct or a list of structs, received {}", inspect::inspect(&Value::list(structs.to_vec()))),
            span,
        ));
    }
    let module = head.struct_name().unwrap_or_default().to_string();
    if !structs.iter().all(|s| s.struct_name() == Some(module.as_str())) {
        return Err(arg("expected an homogeneous list, received different struct types", span));
    }
    let Some(schema) = schema::lookup(interp, &module) else {
        return Err(arg(format!("{module} is not an Ecto schema"), span));
    };
    let [pk] = schema.primary_key.as_slice() else {
        return Err(arg(format!("Ecto.Repo.reload/2 requires the schema {module} to have exactly one primary key"), span));
    };
    let mut keys = Vec::new();
    for s in structs {
        let k = field(s, pk);
        if matches!(k, Value::Nil) {
            return Err(arg("Ecto.Repo.reload/2 expects existent structs, found a `nil` primary key", span));
        }
        keys.push(k);
    }
    let meta = field(head, "__meta__");
    let source = field(&meta, "source");
    let from = match (&source, &schema.source) {
        (Value::Str(s), Some(own)) if &**s != own.as_str() => Value::tuple(vec![source.clone(), Value::module(&module)]),
        _ => Value::module(&module),
    };
    let q = eval_template(
        interp,
        "reload",
        "from(x in src, where: field(x, ^pk) in ^keys)",
        &[("src", from), ("pk", Value::atom(pk)), ("keys", Value::list(keys))],
        span,
    )?;
    Ok((q, pk.clone()))
}

fn reload_of(interp: &mut Interp, args: &[Value], bang: bool, span: Span) -> EResult<Value> {
    match &args[0] {
        Value::List(l) if l.is_empty() => Ok(Value::list(vec![])),
        Value::List(l) => {
            let (q, pk) = query_for_reload(interp, l, span)?;
            let results = run_all(interp, &q, &opts_of(args, 1), span)?;
            let mut out = Vec::new();
            for s in l.iter() {
                let key = field(s, &pk);
                match results.iter().find(|r| field(r, &pk) == key) {
                    Some(r) => out.push(r.clone()),
                    None if bang => {
                        return Err(Error::raise(
                            "RuntimeError",
                            format!("could not reload {}, maybe it doesn't exist or was deleted", inspect::inspect(s)),
                            span,
                        ))
                    }
                    None => out.push(Value::Nil),
                }
            }
            Ok(Value::list(out))
        }
        s => {
            let (q, _) = query_for_reload(interp, std::slice::from_ref(s), span)?;
            one_of(interp, &q, &opts_of(args, 1), bang, span)
        }
    }
}

pub fn reload(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    reload_of(interp, &args, false, span)
}

pub fn reload_bang(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    reload_of(interp, &args, true, span)
}

/// The `on_delete` of an association when its owner is deleted
/// (`delete_all` or `nilify_all`).
pub(crate) fn delete_assoc(interp: &mut Interp, refl: &Assoc, parent: &Value, span: Span) -> EResult<()> {
    match &refl.kind {
        AssocKind::Has { on_delete } => {
            let value = field(parent, &refl.owner_key);
            if matches!(value, Value::Nil) {
                return Ok(());
            }
            let queryable = assoc_queryable(refl);
            let q = eval_template(
                interp,
                "on_delete_has",
                "from(x in q, where: field(x, ^rk) == ^v)",
                &[("q", queryable), ("rk", Value::atom(&refl.related_key)), ("v", value)],
                span,
            )?;
            if on_delete == "delete_all" {
                bridge::execute(interp, "delete_all", &q, &Value::list(vec![]), span)?;
            } else if on_delete == "nilify_all" {
                let updates = Value::keyword(vec![("set", Value::keyword(vec![(&refl.related_key, Value::Nil)]))]);
                update_all(interp, vec![q, updates], span)?;
            }
            Ok(())
        }
        AssocKind::ManyToMany { join_through, join_keys, .. } => {
            let value = field(parent, &join_keys[0].1);
            if matches!(value, Value::Nil) {
                return Ok(());
            }
            let owner = schema::lookup(interp, &refl.owner);
            let owner_type = owner.as_ref().and_then(|s| s.type_of(&join_keys[0].1).map(|t| t.to_value())).unwrap_or(Value::atom("id"));
            let jt = match join_through {
                schema::JoinThrough::Table(t) => Value::str(t),
                schema::JoinThrough::Schema(m) => Value::module(m),
            };
            let q = eval_template(
                interp,
                "on_delete_m2m",
                "from(j in jt, where: field(j, ^jk) == type(^v, ^t))",
                &[("jt", jt), ("jk", Value::atom(&join_keys[0].0)), ("v", value), ("t", owner_type)],
                span,
            )?;
            bridge::execute(interp, "delete_all", &q, &Value::list(vec![]), span)?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The queryable of an association (`{source, Schema}` or `Schema`).
pub(crate) fn assoc_queryable(refl: &Assoc) -> Value {
    match (&refl.related_source, &refl.related) {
        (Some(src), Some(r)) => Value::tuple(vec![Value::str(src), Value::module(r)]),
        (_, Some(r)) => Value::module(r),
        _ => Value::Nil,
    }
}

/// An `on_conflict: query` upsert.
pub(crate) fn on_conflict_query(
    interp: &mut Interp,
    query: &Value,
    table: &str,
    target: ConflictTarget,
    counter: usize,
    span: Span,
) -> EResult<(super::sql::OnConflict, Vec<Value>, bool)> {
    bridge::on_conflict_query(interp, query, table, target, counter, span)
}

/// A subquery used as an insert_all value: its SQL and parameters.
pub(crate) fn subquery_sql(interp: &mut Interp, query: &Value, span: Span) -> EResult<(String, Vec<Value>)> {
    bridge::subquery_sql(interp, query, span)
}
