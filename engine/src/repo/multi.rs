//! `Ecto.Multi` (operations as data, applied in a transaction) and the
//! transaction functions (`Ecto.Repo.Transaction` over DBConnection).

use std::rc::Rc;

use crate::diag::Span;
use crate::eval::{Builtins, EResult, Error, Interp};
use crate::value::{inspect, Function, MapT, SetT, Value};

use super::errors::{arg, raise_db};
use super::util::{field, is_changeset, make_struct, put_field};
use super::{current_repo, with_conn};

pub fn register(b: &mut Builtins) {
    b.add("Ecto.Multi", "new", &[0], new);
    b.add("Ecto.Multi", "append", &[2], append);
    b.add("Ecto.Multi", "prepend", &[2], prepend);
    b.add("Ecto.Multi", "merge", &[2, 4], merge);
    b.add("Ecto.Multi", "insert", &[3, 4], insert);
    b.add("Ecto.Multi", "update", &[3, 4], update);
    b.add("Ecto.Multi", "insert_or_update", &[3, 4], insert_or_update);
    b.add("Ecto.Multi", "delete", &[3, 4], delete);
    b.add("Ecto.Multi", "one", &[3, 4], one);
    b.add("Ecto.Multi", "all", &[3, 4], all);
    b.add("Ecto.Multi", "exists?", &[3, 4], exists);
    b.add("Ecto.Multi", "error", &[3], error);
    b.add("Ecto.Multi", "run", &[3, 5], run);
    b.add("Ecto.Multi", "insert_all", &[4, 5], insert_all);
    b.add("Ecto.Multi", "update_all", &[4, 5], update_all);
    b.add("Ecto.Multi", "delete_all", &[3, 4], delete_all);
    b.add("Ecto.Multi", "put", &[3], put);
    b.add("Ecto.Multi", "inspect", &[1, 2], inspect_op);
    b.add("Ecto.Multi", "to_list", &[1], to_list);
    b.add("Ecto.Multi", "__struct__", &[0, 1], struct_);
}

// ---- the Multi value ----------------------------------------------------------

fn multi_value(ops: Vec<Value>, names: SetT) -> Value {
    make_struct("Ecto.Multi", vec![("operations", Value::list(ops)), ("names", Value::MapSet(Rc::new(names)))])
}

fn empty_multi() -> Value {
    multi_value(vec![], SetT::new())
}

/// Operations (most recent first) and names of a Multi.
fn parts(m: &Value, fun: &str, span: Span) -> EResult<(Vec<Value>, SetT)> {
    if m.struct_name() != Some("Ecto.Multi") {
        return Err(Error::raise(
            "FunctionClauseError",
            format!("no function clause matching in Ecto.Multi.{fun}: expected an Ecto.Multi, got: {}", inspect::inspect(m)),
            span,
        ));
    }
    let ops = field(m, "operations").as_list().map(|l| l.to_vec()).unwrap_or_default();
    let names = match field(m, "names") {
        Value::MapSet(s) => (*s).clone(),
        _ => SetT::new(),
    };
    Ok((ops, names))
}

fn add_operation(m: &Value, name: Value, op: Value, fun: &str, span: Span) -> EResult<Value> {
    let (mut ops, mut names) = parts(m, fun, span)?;
    if names.contains(&name) {
        return Err(Error::raise(
            "RuntimeError",
            format!("{} is already a member of the Ecto.Multi: \n{}", inspect::inspect(&name), inspect::inspect(m)),
            span,
        ));
    }
    ops.insert(0, Value::tuple(vec![name.clone(), op]));
    names.insert(name);
    Ok(multi_value(ops, names))
}

fn opts_arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or_else(|| Value::list(vec![]))
}

fn is_fun(v: &Value, arity: usize) -> bool {
    matches!(v, Value::Fun(f) if f.arity() == arity)
}

fn struct_(_interp: &mut Interp, _args: Vec<Value>, _span: Span) -> EResult<Value> {
    Ok(empty_multi())
}

fn new(_interp: &mut Interp, _args: Vec<Value>, _span: Span) -> EResult<Value> {
    Ok(empty_multi())
}

fn merge_structs(lhs: &Value, rhs: &Value, append: bool, span: Span) -> EResult<Value> {
    let fun = if append { "append/2" } else { "prepend/2" };
    let (lops, lnames) = parts(lhs, fun, span)?;
    let (rops, rnames) = parts(rhs, fun, span)?;
    let common: Vec<Value> = lnames.iter().filter(|n| rnames.contains(*n)).cloned().collect();
    if !common.is_empty() {
        return Err(arg(
            format!(
                "error when merging the following Ecto.Multi structs:\n\n{}\n\n{}\n\nboth declared operations: {}\n",
                inspect::inspect(lhs),
                inspect::inspect(rhs),
                inspect::inspect(&Value::list(common))
            ),
            span,
        ));
    }
    // Operations are stored most recent first.
    let ops = if append { [rops, lops].concat() } else { [lops, rops].concat() };
    Ok(multi_value(ops, lnames.union(rnames)))
}

fn append(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    merge_structs(&args[0], &args[1], true, span)
}

fn prepend(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    merge_structs(&args[0], &args[1], false, span)
}

fn merge(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let (mut ops, names) = parts(&args[0], "merge/2", span)?;
    let merge = if args.len() == 4 {
        Value::tuple(vec![args[1].clone(), args[2].clone(), args[3].clone()])
    } else if is_fun(&args[1], 1) {
        args[1].clone()
    } else {
        return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Multi.merge/2", span));
    };
    ops.insert(0, Value::tuple(vec![Value::atom("merge"), Value::tuple(vec![Value::atom("merge"), merge])]));
    Ok(multi_value(ops, names))
}

fn put_action(interp: &mut Interp, cs: &Value, action: &str, span: Span) -> EResult<Value> {
    let _ = interp;
    match field(cs, "action") {
        Value::Nil => Ok(put_field(cs, "action", Value::atom(action))),
        Value::Atom(a) if &*a == action => Ok(cs.clone()),
        other => Err(arg(
            format!("you provided a changeset with an action already set to {} when trying to {action} it", inspect::inspect(&other)),
            span,
        )),
    }
}

fn add_changeset(interp: &mut Interp, m: &Value, action: &str, name: Value, cs: &Value, opts: Value, span: Span) -> EResult<Value> {
    let cs = put_action(interp, cs, action, span)?;
    add_operation(m, name, Value::tuple(vec![Value::atom("changeset"), cs, opts]), action, span)
}

/// `operation_fun({op, fun}, opts)`: a `{:run, fn repo, changes -> ... end}`.
fn operation_fun(op: &'static str, fun: Value, extra: Option<Value>, opts: Value) -> Value {
    let f = move |interp: &mut Interp, args: Vec<Value>| -> EResult<Value> {
        let span = Span::NONE;
        let repo = args.first().cloned().unwrap_or(Value::Nil);
        let changes = args.get(1).cloned().unwrap_or(Value::Nil);
        let arg = interp.apply(&fun, vec![changes], span)?;
        let repo_name = repo.as_atom().map(|a| crate::value::alias_name(a).to_string()).unwrap_or_default();
        let call = |interp: &mut Interp, name: &str, args: Vec<Value>| interp.call(&repo_name, name, args, span);
        match op {
            "update_all" => Ok(Value::ok(call(interp, "update_all", vec![arg, extra.clone().unwrap_or(Value::Nil), opts.clone()])?)),
            "insert_all" => Ok(Value::ok(call(interp, "insert_all", vec![extra.clone().unwrap_or(Value::Nil), arg, opts.clone()])?)),
            "delete_all" => Ok(Value::ok(call(interp, "delete_all", vec![arg, opts.clone()])?)),
            "one" => Ok(Value::ok(call(interp, "one", vec![arg, opts.clone()])?)),
            "all" => Ok(Value::ok(call(interp, "all", vec![arg, opts.clone()])?)),
            "exists?" => Ok(Value::ok(call(interp, "exists?", vec![arg, opts.clone()])?)),
            other => call(interp, other, vec![arg, opts.clone()]),
        }
    };
    Value::tuple(vec![
        Value::atom("run"),
        Value::Fun(Rc::new(Function::Native { name: "Ecto.Multi.operation_fun", arity: 2, f: Rc::new(f) })),
    ])
}

fn changeset_op(interp: &mut Interp, args: Vec<Value>, action: &'static str, allow_struct: bool, span: Span) -> EResult<Value> {
    let opts = opts_arg(&args, 3);
    let (m, name, target) = (&args[0], args[1].clone(), &args[2]);
    if is_changeset(target) {
        let action = if action == "insert_or_update" {
            let state = field(&field(&field(target, "data"), "__meta__"), "state");
            if state.as_atom() == Some("loaded") {
                "update"
            } else {
                "insert"
            }
        } else {
            action
        };
        return add_changeset(interp, m, action, name, target, opts, span);
    }
    if allow_struct && target.as_struct().is_some() {
        let cs = interp.call("Ecto.Changeset", "change", vec![target.clone()], span)?;
        return add_changeset(interp, m, action, name, &cs, opts, span);
    }
    if is_fun(target, 1) {
        let op = operation_fun(action, target.clone(), None, opts);
        return add_operation(m, name, op, action, span);
    }
    Err(Error::raise(
        "FunctionClauseError",
        format!("no function clause matching in Ecto.Multi.{action}/4: got {}", inspect::inspect(target)),
        span,
    ))
}

fn insert(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    changeset_op(interp, args, "insert", true, span)
}

fn update(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    changeset_op(interp, args, "update", false, span)
}

fn insert_or_update(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    changeset_op(interp, args, "insert_or_update", false, span)
}

fn delete(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    changeset_op(interp, args, "delete", true, span)
}

fn query_op(args: Vec<Value>, op: &'static str, span: Span) -> EResult<Value> {
    let opts = opts_arg(&args, 3);
    let fun = if is_fun(&args[2], 1) {
        args[2].clone()
    } else {
        let q = args[2].clone();
        Value::Fun(Rc::new(Function::Native { name: "Ecto.Multi.queryable", arity: 1, f: Rc::new(move |_i, _a| Ok(q.clone())) }))
    };
    let op_value = operation_fun(op, fun, None, opts);
    add_operation(&args[0], args[1].clone(), op_value, op, span)
}

fn one(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    query_op(args, "one", span)
}

fn all(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    query_op(args, "all", span)
}

fn exists(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    query_op(args, "exists?", span)
}

fn error(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    add_operation(&args[0], args[1].clone(), Value::tuple(vec![Value::atom("error"), args[2].clone()]), "error/3", span)
}

fn run(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let run = if args.len() == 5 {
        Value::tuple(vec![args[2].clone(), args[3].clone(), args[4].clone()])
    } else if is_fun(&args[2], 2) {
        args[2].clone()
    } else {
        return Err(Error::raise(
            "FunctionClauseError",
            format!("no function clause matching in Ecto.Multi.run/3: expected a 2-arity function, got: {}", inspect::inspect(&args[2])),
            span,
        ));
    };
    add_operation(&args[0], args[1].clone(), Value::tuple(vec![Value::atom("run"), run]), "run/3", span)
}

fn insert_all(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let opts = opts_arg(&args, 4);
    if is_fun(&args[3], 1) {
        let op = operation_fun("insert_all", args[3].clone(), Some(args[2].clone()), opts);
        return add_operation(&args[0], args[1].clone(), op, "insert_all/5", span);
    }
    let op = Value::tuple(vec![Value::atom("insert_all"), args[2].clone(), args[3].clone(), opts]);
    add_operation(&args[0], args[1].clone(), op, "insert_all/5", span)
}

fn update_all(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let opts = opts_arg(&args, 4);
    if is_fun(&args[2], 1) {
        let op = operation_fun("update_all", args[2].clone(), Some(args[3].clone()), opts);
        return add_operation(&args[0], args[1].clone(), op, "update_all/5", span);
    }
    let query = super::queryable::to_query(interp, &args[2], span)?;
    let op = Value::tuple(vec![Value::atom("update_all"), query, args[3].clone(), opts]);
    add_operation(&args[0], args[1].clone(), op, "update_all/5", span)
}

fn delete_all(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let opts = opts_arg(&args, 3);
    if is_fun(&args[2], 1) {
        let op = operation_fun("delete_all", args[2].clone(), None, opts);
        return add_operation(&args[0], args[1].clone(), op, "delete_all/4", span);
    }
    let query = super::queryable::to_query(interp, &args[2], span)?;
    let op = Value::tuple(vec![Value::atom("delete_all"), query, opts]);
    add_operation(&args[0], args[1].clone(), op, "delete_all/4", span)
}

fn put(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    add_operation(&args[0], args[1].clone(), Value::tuple(vec![Value::atom("put"), args[2].clone()]), "put/3", span)
}

fn inspect_op(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let (mut ops, names) = parts(&args[0], "inspect/2", span)?;
    let opts = opts_arg(&args, 1);
    ops.insert(0, Value::tuple(vec![Value::atom("inspect"), Value::tuple(vec![Value::atom("inspect"), opts])]));
    Ok(multi_value(ops, names))
}

fn to_list(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let (ops, _) = parts(&args[0], "to_list/1", span)?;
    let out = ops
        .into_iter()
        .rev()
        .map(|op| match op.as_tuple() {
            Some([name, inner]) => match inner.as_tuple() {
                Some([tag, cs, opts]) if tag.as_atom() == Some("changeset") => {
                    Value::tuple(vec![name.clone(), Value::tuple(vec![field(cs, "action"), cs.clone(), opts.clone()])])
                }
                _ => op.clone(),
            },
            _ => op.clone(),
        })
        .collect();
    Ok(Value::list(out))
}

// ---- transactions -------------------------------------------------------------

/// DBConnection's `transaction/3`: `Ok(Ok(v))` for `{:ok, v}`,
/// `Ok(Err(reason))` for `{:error, reason}` after a rollback. Exceptions
/// roll back and propagate.
pub(crate) fn run_transaction(
    interp: &mut Interp,
    span: Span,
    body: &mut dyn FnMut(&mut Interp) -> EResult<Value>,
) -> EResult<Result<Value, Value>> {
    let nested = with_conn(interp, span, |c| c.in_transaction())?;
    if nested && with_conn(interp, span, |c| c.failed)? {
        return Err(Error::raise("DBConnection.ConnectionError", "transaction rolling back", span));
    }
    with_conn(interp, span, |c| c.begin())?.map_err(|e| raise_db(&e, span))?;
    match body(interp) {
        Ok(v) => {
            let failed = with_conn(interp, span, |c| c.failed)?;
            if nested {
                if failed {
                    // Leave the level without committing; the outermost rolls back.
                    with_conn(interp, span, |c| c.depth = c.depth.saturating_sub(1))?;
                    return Ok(Err(Value::atom("rollback")));
                }
                with_conn(interp, span, |c| c.commit())?.map_err(|e| raise_db(&e, span))?;
                return Ok(Ok(v));
            }
            let committed = with_conn(interp, span, |c| c.commit())?.map_err(|e| raise_db(&e, span))?;
            if committed {
                Ok(Ok(v))
            } else {
                Ok(Err(Value::atom("rollback")))
            }
        }
        Err(e) => {
            with_conn(interp, span, |c| c.rollback())?.map_err(|e| raise_db(&e, span))?;
            match *e {
                Error::Rollback(reason, _) => Ok(Err(reason)),
                other => Err(Box::new(other)),
            }
        }
    }
}

/// `Repo.rollback(value)`.
pub fn rollback(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    if !with_conn(interp, span, |c| c.in_transaction())? {
        return Err(Error::raise("RuntimeError", "cannot call rollback outside of transaction", span));
    }
    Err(Box::new(Error::Rollback(args.into_iter().next().unwrap_or(Value::Nil), span)))
}

pub fn in_transaction(interp: &mut Interp, _args: Vec<Value>, span: Span) -> EResult<Value> {
    Ok(Value::Bool(with_conn(interp, span, |c| c.in_transaction())?))
}

fn tx_result(r: Result<Value, Value>) -> Value {
    match r {
        Ok(v) => Value::ok(v),
        Err(e) => Value::error(e),
    }
}

/// `Repo.transaction(fun_or_multi, opts)`.
pub fn transaction(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let target = args[0].clone();
    if target.struct_name() == Some("Ecto.Multi") {
        return transact_multi(interp, &target, span);
    }
    let repo = current_repo(interp);
    match &target {
        Value::Fun(f) if f.arity() <= 1 => {
            let arity = f.arity();
            let r = run_transaction(interp, span, &mut |i| {
                let a = if arity == 1 { vec![repo.clone()] } else { vec![] };
                i.apply(&target, a, span)
            })?;
            Ok(tx_result(r))
        }
        other => Err(Error::raise(
            "FunctionClauseError",
            format!("no function clause matching in Repo.transaction/2: {}", inspect::inspect(other)),
            span,
        )),
    }
}

/// `Repo.transact(fun_or_multi, opts)`: the function returns `{:ok, _}` or
/// `{:error, _}`; an error rolls back.
pub fn transact(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let target = args[0].clone();
    if target.struct_name() == Some("Ecto.Multi") {
        return transact_multi(interp, &target, span);
    }
    let repo = current_repo(interp);
    let arity = match &target {
        Value::Fun(f) if f.arity() <= 1 => f.arity(),
        other => {
            return Err(Error::raise(
                "FunctionClauseError",
                format!("no function clause matching in Repo.transact/2: {}", inspect::inspect(other)),
                span,
            ))
        }
    };
    let r = run_transaction(interp, span, &mut |i| {
        let a = if arity == 1 { vec![repo.clone()] } else { vec![] };
        let v = i.apply(&target, a, span)?;
        match v.as_tuple() {
            Some([tag, x]) if tag.as_atom() == Some("ok") => Ok(x.clone()),
            Some([tag, x]) if tag.as_atom() == Some("error") => Err(Box::new(Error::Rollback(x.clone(), span))),
            _ => Err(arg(format!("expected to return {{:ok, _}} or {{:error, _}}, got: {}", inspect::inspect(&v)), span)),
        }
    })?;
    Ok(tx_result(r))
}

/// `Ecto.Repo.Transaction.transact/4` for a Multi.
fn transact_multi(interp: &mut Interp, multi: &Value, span: Span) -> EResult<Value> {
    let repo = current_repo(interp);
    match apply_multi(interp, multi, &repo, span)? {
        Ok(values) => Ok(Value::ok(values)),
        Err(failure) => match failure.as_tuple() {
            Some([key, value, acc]) => Ok(Value::tuple(vec![Value::atom("error"), key.clone(), value.clone(), acc.clone()])),
            _ => Err(Error::raise(
                "RuntimeError",
                format!(
                    "operation {} is rolling back unexpectedly.\n\nThis can happen if `repo.rollback/1` is manually called, which is not supported by `Ecto.Multi`. It can also occur if a nested transaction has rolled back and its error is not bubbled up to the outer multi. Nested transactions are discouraged when using `Ecto.Multi`. Consider flattening out the transaction instead.\n",
                    inspect::inspect(&failure)
                ),
                span,
            )),
        },
    }
}

/// `Ecto.Multi.__apply__/4`: `Ok(changes)` or `Err({name, value, changes})`
/// (or another rollback reason).
fn apply_multi(interp: &mut Interp, multi: &Value, repo: &Value, span: Span) -> EResult<Result<Value, Value>> {
    let (ops, names) = parts(multi, "__apply__/4", span)?;
    let ops: Vec<Value> = ops.into_iter().rev().collect();
    // Invalid changesets and error operations fail before the transaction.
    for op in &ops {
        if let Some([name, inner]) = op.as_tuple() {
            match inner.as_tuple() {
                Some([tag, cs, _]) if tag.as_atom() == Some("changeset") && field(cs, "valid?") == Value::Bool(false) => {
                    return Ok(Err(Value::tuple(vec![name.clone(), cs.clone(), Value::map(MapT::new())])));
                }
                Some([tag, value]) if tag.as_atom() == Some("error") => {
                    return Ok(Err(Value::tuple(vec![name.clone(), value.clone(), Value::map(MapT::new())])));
                }
                _ => {}
            }
        }
    }
    if ops.is_empty() {
        return Ok(Ok(Value::map(MapT::new())));
    }
    let repo = repo.clone();
    run_transaction(interp, span, &mut |i| {
        let mut acc = MapT::new();
        let mut names = names.clone();
        for op in &ops {
            apply_operation(i, op, &repo, &mut acc, &mut names, span)?;
        }
        Ok(Value::map(acc))
    })
}

fn fail(name: &Value, value: Value, acc: &MapT, span: Span) -> Box<Error> {
    Box::new(Error::Rollback(Value::tuple(vec![name.clone(), value, Value::map(acc.clone())]), span))
}

fn repo_call(interp: &mut Interp, repo: &Value, name: &str, args: Vec<Value>, span: Span) -> EResult<Value> {
    let module = repo.as_atom().map(|a| crate::value::alias_name(a).to_string()).unwrap_or_else(|| super::REPO_MODULE.to_string());
    interp.call(&module, name, args, span)
}

fn apply_operation(interp: &mut Interp, op: &Value, repo: &Value, acc: &mut MapT, names: &mut SetT, span: Span) -> EResult<()> {
    let Some([name, inner]) = op.as_tuple() else { return Ok(()) };
    let inner_items = inner.as_tuple().map(|t| t.to_vec()).unwrap_or_default();
    let tag = inner_items.first().and_then(|t| t.as_atom()).unwrap_or_default().to_string();
    let result = match (tag.as_str(), inner_items.as_slice()) {
        ("merge", [_, merge]) => {
            let changes = Value::map(acc.clone());
            let nested = match merge.as_tuple() {
                Some([m, f, a]) => {
                    let mut args = vec![changes];
                    args.extend(a.as_list().unwrap_or(&[]).iter().cloned());
                    let m = m.as_atom().map(|a| crate::value::alias_name(a).to_string()).unwrap_or_default();
                    interp.call(&m, f.as_atom().unwrap_or_default(), args, span)?
                }
                _ => interp.apply(merge, vec![changes], span)?,
            };
            return match apply_multi(interp, &nested, repo, span)? {
                Ok(values) => merge_results(acc, names, &values, span),
                Err(failure) => match failure.as_tuple() {
                    Some([fname, value, nested_acc]) => {
                        merge_results(acc, names, nested_acc, span)?;
                        Err(fail(fname, value.clone(), acc, span))
                    }
                    _ => Err(Box::new(Error::Rollback(failure, span))),
                },
            };
        }
        ("inspect", [_, opts]) => {
            let changes = Value::map(acc.clone());
            let shown = match super::util::opt(opts, "only") {
                Some(only) => {
                    let keys: Vec<Value> = match only {
                        Value::List(l) => l.to_vec(),
                        other => vec![other.clone()],
                    };
                    let m: MapT = acc.iter().filter(|(k, _)| keys.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
                    Value::map(m)
                }
                None => changes,
            };
            interp.call("IO", "inspect", vec![shown, opts.clone()], span)?;
            return Ok(());
        }
        ("changeset", [_, cs, opts]) => {
            let action = super::util::action_of(&field(cs, "action")).to_string();
            repo_call(interp, repo, &action, vec![cs.clone(), opts.clone()], span)?
        }
        ("run", [_, run]) => match run.as_tuple() {
            Some([m, f, a]) => {
                let mut args = vec![repo.clone(), Value::map(acc.clone())];
                args.extend(a.as_list().unwrap_or(&[]).iter().cloned());
                let m = m.as_atom().map(|a| crate::value::alias_name(a).to_string()).unwrap_or_default();
                interp.call(&m, f.as_atom().unwrap_or_default(), args, span)?
            }
            _ => interp.apply(run, vec![repo.clone(), Value::map(acc.clone())], span)?,
        },
        ("error", [_, value]) => Value::error(value.clone()),
        ("put", [_, value]) => Value::ok(value.clone()),
        ("insert_all", [_, source, entries, opts]) => {
            Value::ok(repo_call(interp, repo, "insert_all", vec![source.clone(), entries.clone(), opts.clone()], span)?)
        }
        ("update_all", [_, query, updates, opts]) => {
            Value::ok(repo_call(interp, repo, "update_all", vec![query.clone(), updates.clone(), opts.clone()], span)?)
        }
        ("delete_all", [_, query, opts]) => Value::ok(repo_call(interp, repo, "delete_all", vec![query.clone(), opts.clone()], span)?),
        _ => return Err(arg(format!("unknown Ecto.Multi operation: {}", inspect::inspect(inner)), span)),
    };
    match result.as_tuple() {
        Some([tag, value]) if tag.as_atom() == Some("ok") => {
            acc.insert(name.clone(), value.clone());
            Ok(())
        }
        Some([tag, value]) if tag.as_atom() == Some("error") => Err(fail(name, value.clone(), acc, span)),
        _ => Err(Error::raise(
            "RuntimeError",
            format!(
                "expected Ecto.Multi callback named `{}` to return either {{:ok, value}} or {{:error, value}}, got: {}",
                inspect::inspect(name),
                inspect::inspect(&result)
            ),
            span,
        )),
    }
}

fn merge_results(acc: &mut MapT, names: &mut SetT, new: &Value, span: Span) -> EResult<()> {
    let Some(m) = new.as_map() else { return Ok(()) };
    let common: Vec<Value> = m.keys().filter(|k| names.contains(*k)).cloned().collect();
    if !common.is_empty() {
        return Err(Error::raise(
            "RuntimeError",
            format!(
                "cannot merge Multi; the following operations were found in both Ecto.Multi: {}",
                inspect::inspect(&Value::list(common))
            ),
            span,
        ));
    }
    for (k, v) in m.iter() {
        acc.insert(k.clone(), v.clone());
        names.insert(k.clone());
    }
    Ok(())
}
