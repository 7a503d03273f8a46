//! `apply_changes/1`, `apply_action/2`, `traverse_errors/2`,
//! `traverse_validations/2`, `prepare_changes/2` and `optimistic_lock/3`.

use super::relation::{apply_changes, Relation};
use super::{arg_error, cs_arg, inspect, native_fun, Changeset};
use crate::diag::Span;
use crate::eval::{Builtins, EResult, Error, Interp};
use crate::value::{MapT, Value};

pub fn register(b: &mut Builtins) {
    b.add("Ecto.Changeset", "apply_changes", &[1], |_, a, s| Ok(apply_changes(&cs_arg(&a[0], "apply_changes", 1, s)?)));
    b.add("Ecto.Changeset", "apply_action", &[2], apply_action_fn);
    b.add("Ecto.Changeset", "apply_action!", &[2], apply_action_bang);
    b.add("Ecto.Changeset", "traverse_errors", &[2], |i, a, s| traverse_fn(i, a, s, false));
    b.add("Ecto.Changeset", "traverse_validations", &[2], |i, a, s| traverse_fn(i, a, s, true));
    b.add("Ecto.Changeset", "prepare_changes", &[2], prepare_changes_fn);
    b.add("Ecto.Changeset", "optimistic_lock", &[2, 3], optimistic_lock_fn);
}

/// `apply_action/2`: `Ok(data)` or `Err(changeset with the action)`.
pub fn apply_action(cs: &Changeset, action: &Value) -> Result<Value, Changeset> {
    if cs.valid {
        Ok(apply_changes(cs))
    } else {
        let mut out = cs.clone();
        out.action = action.clone();
        Err(out)
    }
}

fn apply_action_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "apply_action", 2, span)?;
    if !args[1].is_atom() {
        return Err(arg_error(format!("expected action to be an atom, got: {}", inspect(&args[1])), span));
    }
    Ok(match apply_action(&cs, &args[1]) {
        Ok(v) => Value::ok(v),
        Err(cs) => Value::error(cs.to_value()),
    })
}

fn apply_action_bang(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "apply_action!", 2, span)?;
    if !args[1].is_atom() {
        return Err(arg_error(format!("expected action to be an atom, got: {}", inspect(&args[1])), span));
    }
    match apply_action(&cs, &args[1]) {
        Ok(v) => Ok(v),
        Err(cs) => Err(invalid_changeset_error(interp, &args[1], &cs, span)),
    }
}

/// `Ecto.InvalidChangesetError` for an action on an invalid changeset.
pub fn invalid_changeset_error(interp: &mut Interp, action: &Value, cs: &Changeset, span: Span) -> Box<Error> {
    let errors = traverse(interp, cs, &mut |_, _, _, e| Ok(e.clone()), false, span).unwrap_or(Value::Nil);
    let action_s = action.as_atom().map(|a| a.to_string()).unwrap_or_else(|| inspect(action));
    // `inspect(term, pretty: true)`, each line indented by four spaces.
    let pretty = |v: &Value| {
        let o = crate::value::inspect::Opts { pretty: true, ..Default::default() };
        crate::value::inspect::inspect_opts(v, &o).lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
    };
    let msg = format!(
        "could not perform {action_s} because changeset is invalid.\n\nErrors\n\n{}\n\nApplied changes\n\n{}\n\nParams\n\n{}\n\nChangeset\n\n{}\n",
        pretty(&errors),
        pretty(&extract_changes(&Value::map(cs.changes.clone()))),
        pretty(&cs.params),
        pretty(&cs.to_value())
    );
    let mut e = Error::raise("Ecto.InvalidChangesetError", msg, span);
    if let Error::Raise(ex) = e.as_mut() {
        ex.value = Some(crate::schema::types::struct_value(
            "Ecto.InvalidChangesetError",
            vec![("action", action.clone()), ("changeset", cs.to_value())],
        ));
    }
    e
}

fn extract_changes(v: &Value) -> Value {
    match Changeset::from_value(v) {
        Some(cs) => {
            let mut m = MapT::new();
            for (k, x) in cs.changes.iter() {
                if matches!(Changeset::from_value(x), Some(c) if c.action.as_atom() == Some("delete")) {
                    continue;
                }
                m.insert(k.clone(), extract_changes(x));
            }
            Value::map(m)
        }
        None => match v {
            Value::Map(m) => {
                let mut out = MapT::new();
                for (k, x) in m.iter() {
                    if matches!(Changeset::from_value(x), Some(c) if c.action.as_atom() == Some("delete")) {
                        continue;
                    }
                    out.insert(k.clone(), extract_changes(x));
                }
                Value::map(out)
            }
            Value::List(items) => Value::list(items.iter().map(extract_changes).collect()),
            other => other.clone(),
        },
    }
}

/// The message function of `traverse_errors`: `(changeset, field, error)`.
pub type MsgFn<'a> = dyn FnMut(&mut Interp, &Changeset, &Value, &Value) -> EResult<Value> + 'a;

/// `traverse_errors/2` (or `traverse_validations/2` when `validations`).
pub fn traverse(interp: &mut Interp, cs: &Changeset, f: &mut MsgFn, validations: bool, span: Span) -> EResult<Value> {
    let mut acc: Vec<(Value, Vec<Value>)> = vec![];
    let items: Vec<(Value, Value)> = if validations {
        cs.validations
            .iter()
            .map(|v| match v.as_tuple() {
                Some([k, x]) => (k.clone(), x.clone()),
                _ => (v.clone(), Value::Nil),
            })
            .collect()
    } else {
        cs.errors.clone()
    };
    for (key, val) in items.iter().rev() {
        let out = f(interp, cs, key, val)?;
        match acc.iter_mut().find(|(k, _)| k == key) {
            Some((_, list)) => list.insert(0, out),
            None => acc.push((key.clone(), vec![out])),
        }
    }
    let mut m = MapT::new();
    for (k, list) in acc {
        m.insert(k, Value::list(list));
    }
    for (field, t) in cs.types.iter() {
        let Some(rel) = Relation::from_type(t) else { continue };
        let Some(change) = cs.changes.get(field) else { continue };
        if rel.many {
            let Some(items) = change.as_list() else { continue };
            let mut children = vec![];
            let mut all_empty = true;
            for item in items {
                let child = match Changeset::from_value(item) {
                    Some(c) => traverse(interp, &c, f, validations, span)?,
                    None => Value::map(MapT::new()),
                };
                all_empty = all_empty && child.as_map().is_some_and(|m| m.is_empty());
                children.push(child);
            }
            if !all_empty {
                m.insert(field.clone(), Value::list(children));
            }
        } else if let Some(c) = Changeset::from_value(change) {
            let child = traverse(interp, &c, f, validations, span)?;
            if !child.as_map().is_some_and(|m| m.is_empty()) {
                m.insert(field.clone(), child);
            }
        }
    }
    Ok(Value::map(m))
}

fn traverse_fn(interp: &mut Interp, args: Vec<Value>, span: Span, validations: bool) -> EResult<Value> {
    let name = if validations { "traverse_validations" } else { "traverse_errors" };
    let cs = cs_arg(&args[0], name, 2, span)?;
    let fun = args[1].clone();
    let arity = match &fun {
        Value::Fun(f) => f.arity(),
        _ => 0,
    };
    if arity != 1 && arity != 3 {
        return Err(Error::raise("FunctionClauseError", format!("no function clause matching in Ecto.Changeset.{name}/2"), span));
    }
    let mut f = |interp: &mut Interp, cs: &Changeset, key: &Value, val: &Value| -> EResult<Value> {
        if arity == 1 {
            interp.apply(&fun, vec![val.clone()], span)
        } else {
            interp.apply(&fun, vec![cs.to_value(), key.clone(), val.clone()], span)
        }
    };
    traverse(interp, &cs, &mut f, validations, span)
}

/// Replaces each `%{key}` in a message by the option's value, as the
/// usual `traverse_errors` message function does (an unknown key stays as
/// its name). A value `Kernel.to_string/1` cannot convert raises.
pub fn interpolate(message: &str, opts: &Value) -> EResult<String> {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find("%{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let key_len = after.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after.len());
        if key_len > 0 && after[key_len..].starts_with('}') {
            let key = &after[..key_len];
            match opts.keyword_get(key) {
                Some(v) => out.push_str(&crate::eval::core::to_string(v, Span::NONE)?),
                None => out.push_str(key),
            }
            rest = &after[key_len + 1..];
        } else {
            out.push_str("%{");
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn prepare_changes_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "prepare_changes", 2, span)?;
    if !matches!(&args[1], Value::Fun(f) if f.arity() == 1) {
        return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Changeset.prepare_changes/2", span));
    }
    cs.prepare.insert(0, args[1].clone());
    Ok(cs.to_value())
}

/// `increment_with_rollover/1`
fn increment(v: &Value, span: Span) -> EResult<Value> {
    match v {
        Value::Int(i) if *i >= 2_147_483_647 => Ok(Value::Int(1)),
        Value::Int(i) => Ok(Value::Int(i + 1)),
        Value::Float(f) if *f >= 2_147_483_647.0 => Ok(Value::Int(1)),
        other => Err(Error::raise(
            "FunctionClauseError",
            format!("no function clause matching in Ecto.Changeset.increment_with_rollover/1: {}", inspect(other)),
            span,
        )),
    }
}

/// `optimistic_lock(data_or_changeset, field, incrementer)`.
fn optimistic_lock_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = super::cast::change(interp, &args[0], &Value::map(MapT::new()), span)?;
    let field = args[1].clone();
    let current = super::cast::get_field(&cs, &field, Value::Nil, span)?;
    let incrementer = args.get(2).cloned();
    let f_field = field.clone();
    let f_current = current.clone();
    let prepare = native_fun("optimistic_lock_prepare", 1, move |interp: &mut Interp, a: Vec<Value>| {
        let span = Span::NONE;
        let Some(mut c) = a.first().and_then(Changeset::from_value) else {
            return Err(Error::raise("BadMapError", "expected a changeset", span));
        };
        let next = match &incrementer {
            Some(f) => interp.apply(f, vec![f_current.clone()], span)?,
            None => increment(&f_current, span)?,
        };
        c.changes.insert(f_field.clone(), next);
        Ok(c.to_value())
    });
    cs.prepare.insert(0, prepare);
    if !matches!(current, Value::Nil) {
        cs.filters.insert(field, current);
    }
    Ok(cs.to_value())
}
