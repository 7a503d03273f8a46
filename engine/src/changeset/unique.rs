//! `unsafe_validate_unique/4`: asks the repo whether another row holds the
//! same values. The query is built the way Ecto builds it (keyword `where`,
//! or `is_nil` comparisons with `nulls_distinct: false`, excluding the
//! record itself when it was loaded) by evaluating `Ecto.Query` calls.

use super::{arg_error, cs_arg, inspect, kw_get, message, opts_arg};
use crate::diag::Span;
use crate::eval::{Builtins, EResult, Error, Interp};
use crate::value::Value;

pub fn register(b: &mut Builtins) {
    b.add("Ecto.Changeset", "unsafe_validate_unique", &[3, 4], unsafe_validate_unique_fn);
}

/// Evaluates `src` with the given variables bound.
fn eval_with(interp: &mut Interp, src: &str, vars: Vec<(String, Value)>, span: Span) -> EResult<Value> {
    let parsed = crate::syntax::parse(src);
    if let Some(e) = parsed.errors.first() {
        return Err(Error::raise("CompileError", e.message.clone(), span));
    }
    let mut env = Interp::env_with_imports(&["Ecto.Query"]);
    for (k, v) in vars {
        env.set(&k, v);
    }
    interp.eval(&parsed.root, &mut env).map_err(|mut e| {
        // Point errors at the caller, not at the generated code.
        if let Error::Raise(ex) = e.as_mut() {
            ex.span = span;
        }
        e
    })
}

fn unsafe_validate_unique_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "unsafe_validate_unique", args.len(), span)?;
    let repo = args[2].clone();
    let all_opts = opts_arg(&args, 3);
    let repo_opts = kw_get(&all_opts, "repo_opts").cloned().unwrap_or_else(|| Value::list(vec![]));
    let opts = Value::list(
        all_opts
            .as_list()
            .unwrap_or(&[])
            .iter()
            .filter(|p| !matches!(p.as_tuple(), Some([k, _]) if k.as_atom() == Some("repo_opts")))
            .cloned()
            .collect(),
    );
    let module = match &cs.data {
        Value::Struct(s) if crate::schema::lookup(interp, s.name()).is_some() => s.name().to_string(),
        other => {
            return Err(arg_error(
                format!("unsafe_validate_unique/4 does not work with schemaless changesets, got {}", inspect(other)),
                span,
            ))
        }
    };
    let has_meta = cs.data.get_field("__meta__").is_some();
    let base_query = kw_get(&opts, "query").cloned().filter(|v| v.is_truthy());
    if !has_meta && base_query.is_none() {
        return Err(arg_error(
            format!(
                "unsafe_validate_unique/4 does not work with embedded schemas unless the `:query` option is specified, got: {}",
                inspect(&cs.data)
            ),
            span,
        ));
    }
    let fields: Vec<Value> = match &args[1] {
        Value::List(l) => l.to_vec(),
        other => vec![other.clone()],
    };
    let Some(first) = fields.first().cloned() else {
        return Err(arg_error("unsafe_validate_unique/4 expects at least one field", span));
    };
    cs.validations.insert(
        0,
        Value::tuple(vec![
            first.clone(),
            Value::tuple(vec![Value::atom("unsafe_unique"), Value::keyword(vec![("fields", Value::list(fields.clone()))])]),
        ]),
    );
    let nulls_distinct = !matches!(kw_get(&opts, "nulls_distinct"), Some(Value::Bool(false)));
    let mut values = vec![];
    for f in &fields {
        values.push(super::cast::get_field(&cs, f, Value::Nil, span)?);
    }
    let prior_errors = cs.errors.iter().any(|(k, _)| fields.contains(k));
    let unrelated = fields.iter().all(|f| !cs.changes.contains_key(f));
    let distinct_nils = nulls_distinct && values.iter().any(|v| matches!(v, Value::Nil));
    if unrelated || distinct_nils || prior_errors {
        return Ok(cs.to_value());
    }

    let mut vars: Vec<(String, Value)> = vec![];
    let mut src = String::from("q = base\n");
    vars.push(("base".into(), base_query.unwrap_or_else(|| Value::module(&module))));
    // maybe_exclude_itself/2: a loaded record never conflicts with itself.
    if has_meta && cs.data.get_field("__meta__").and_then(|m| m.get_field("state")).and_then(|s| s.as_atom()) == Some("loaded") {
        let pks = crate::schema::lookup(interp, &module).map(|s| s.primary_key.clone()).unwrap_or_default();
        let mut conds = vec![];
        let mut complete = !pks.is_empty();
        for (i, pk) in pks.iter().enumerate() {
            let v = super::cast::get_field(&cs, &Value::atom(pk), Value::Nil, span)?;
            if matches!(v, Value::Nil) {
                complete = false;
                break;
            }
            vars.push((format!("pk{i}"), Value::atom(pk)));
            vars.push((format!("pv{i}"), v));
            conds.push(format!("field(x, ^pk{i}) == ^pv{i}"));
        }
        if complete {
            src.push_str(&format!("q = Ecto.Query.where(q, [x], not ({}))\n", conds.join(" and ")));
        }
    }
    let mut conds = vec![];
    if !nulls_distinct {
        conds.push("true".to_string());
    }
    for (i, (f, v)) in fields.iter().zip(values.iter()).enumerate() {
        vars.push((format!("f{i}"), f.clone()));
        if matches!(v, Value::Nil) {
            conds.push(format!("is_nil(field(x, ^f{i}))"));
        } else {
            vars.push((format!("v{i}"), v.clone()));
            conds.push(format!("field(x, ^f{i}) == ^v{i}"));
        }
    }
    src.push_str(&format!("q = Ecto.Query.where(q, [x], {})\n", conds.join(" and ")));
    if let Some(prefix) = kw_get(&opts, "prefix").filter(|v| v.is_truthy()) {
        vars.push(("prefix".into(), prefix.clone()));
        src.push_str("q = Ecto.Query.put_query_prefix(q, prefix)\n");
    }
    src.push_str("repo.exists?(q, repo_opts)\n");
    vars.push(("repo".into(), repo));
    vars.push(("repo_opts".into(), repo_opts));
    let exists = eval_with(interp, &src, vars, span)?;
    if exists.is_truthy() {
        let key = kw_get(&opts, "error_key").cloned().unwrap_or(first);
        let m = message(
            &opts,
            "message",
            "has already been taken",
            vec![("validation", Value::atom("unsafe_unique")), ("fields", Value::list(fields))],
            span,
        )?;
        if let Some([text, meta]) = m.as_tuple() {
            cs.add_error(key, text.clone(), meta.clone());
        }
    }
    Ok(cs.to_value())
}
