//! `cast/4`, `change/2`, `put_change/3` and the field accessors.

use std::rc::Rc;

use super::relation::{self, Relation};
use super::{arg_error, atom_arg, cs_arg, inspect, kw_get, map_get, opts_arg, schema_types, Changeset};
use crate::diag::Span;
use crate::eval::{Builtins, EResult, Error, Interp};
use crate::types::{self, Cast, Type};
use crate::value::{MapT, Value};

pub fn register(b: &mut Builtins) {
    b.add("Ecto.Changeset", "change", &[1, 2], change_fn);
    b.add("Ecto.Changeset", "cast", &[3, 4], cast_fn);
    b.add("Ecto.Changeset", "put_change", &[3], put_change_fn);
    b.add("Ecto.Changeset", "force_change", &[3], force_change_fn);
    b.add("Ecto.Changeset", "delete_change", &[2], delete_change_fn);
    b.add("Ecto.Changeset", "update_change", &[3], update_change_fn);
    b.add("Ecto.Changeset", "get_field", &[2, 3], get_field_fn);
    b.add("Ecto.Changeset", "fetch_field", &[2], fetch_field_fn);
    b.add("Ecto.Changeset", "fetch_field!", &[2], fetch_field_bang);
    b.add("Ecto.Changeset", "get_change", &[2, 3], get_change_fn);
    b.add("Ecto.Changeset", "fetch_change", &[2], fetch_change_fn);
    b.add("Ecto.Changeset", "fetch_change!", &[2], fetch_change_bang);
    b.add("Ecto.Changeset", "changed?", &[2, 3], changed_fn);
    b.add("Ecto.Changeset", "merge", &[2], merge_fn);
    b.add("Ecto.Changeset", "empty_values", &[0], |_, _, _| Ok(super::default_empty_values()));
}

fn is_struct_like(v: &Value) -> bool {
    types::is_map_like(v) && !matches!(v, Value::Map(_))
}

fn is_map(v: &Value) -> bool {
    types::is_map_like(v)
}

/// `change(data_or_changeset, changes \\ %{})`.
pub fn change(interp: &mut Interp, data: &Value, changes: &Value, span: Span) -> EResult<Changeset> {
    if !(is_map(changes) || changes.as_list().is_some()) {
        return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Changeset.change/2", span));
    }
    if let Some(mut cs) = Changeset::from_value(data) {
        get_changed(interp, &mut cs, changes, span)?;
        return Ok(cs);
    }
    match data {
        Value::Tuple(t) if t.len() == 2 && is_map(&t[0]) => {
            let types = types_map(&t[1], span)?;
            let mut cs = Changeset { data: t[0].clone(), types, valid: true, ..Changeset::default() };
            get_changed(interp, &mut cs, changes, span)?;
            Ok(cs)
        }
        Value::Struct(_) => {
            let types = schema_types(interp, data, span)?;
            let mut cs = Changeset { data: data.clone(), types, valid: true, ..Changeset::default() };
            get_changed(interp, &mut cs, changes, span)?;
            Ok(cs)
        }
        _ => Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Changeset.change/2", span)),
    }
}

/// `Enum.into(types, %{})`.
fn types_map(v: &Value, span: Span) -> EResult<MapT> {
    match v {
        Value::Map(m) => Ok((**m).clone()),
        Value::List(items) => {
            let mut m = MapT::new();
            for item in items.iter() {
                match item.as_tuple() {
                    Some([k, t]) => {
                        m.insert(k.clone(), t.clone());
                    }
                    _ => return Err(arg_error(format!("expected types to be a map or keyword list, got: {}", inspect(v)), span)),
                }
            }
            Ok(m)
        }
        _ => Err(arg_error(format!("expected types to be a map, got: {}", inspect(v)), span)),
    }
}

/// Key/value pairs of a map or keyword list, in iteration order.
fn pairs(v: &Value, what: &Value, span: Span) -> EResult<Vec<(Value, Value)>> {
    match v {
        Value::Map(m) => Ok(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        Value::List(items) => items
            .iter()
            .map(|i| match i.as_tuple() {
                Some([k, v]) => Ok((k.clone(), v.clone())),
                _ => Err(arg_error(
                    format!("invalid changes being applied to changeset. Expected a keyword list or a map, got: {}", inspect(what)),
                    span,
                )),
            })
            .collect(),
        _ => Ok(vec![]),
    }
}

fn get_changed(interp: &mut Interp, cs: &mut Changeset, new_changes: &Value, span: Span) -> EResult<()> {
    for (k, v) in pairs(new_changes, new_changes, span)? {
        let ty = cs.types.get(&k).cloned();
        put_change_in(interp, cs, &k, v, ty.as_ref(), span)?;
    }
    Ok(())
}

/// Ecto's private `put_change/7`: records (or drops) one change.
pub fn put_change_in(interp: &mut Interp, cs: &mut Changeset, key: &Value, value: Value, ty: Option<&Value>, span: Span) -> EResult<()> {
    match ty.map(|t| (t, Relation::from_type(t))) {
        Some((_, Some(rel))) => {
            let original = map_get(&cs.data, key).unwrap_or(Value::Nil);
            let current = relation::load(&cs.data, &original, span)?;
            match relation::change(interp, &rel, &value, &current, span)? {
                relation::Outcome::Ok(change, rel_valid) if change != original => {
                    cs.changes.insert(key.clone(), change);
                    cs.valid = cs.valid && rel_valid;
                }
                relation::Outcome::Error(err) => {
                    cs.errors.insert(0, (key.clone(), err));
                    cs.valid = false;
                }
                _ => {
                    cs.changes.remove(key);
                }
            }
            Ok(())
        }
        None => {
            if key.is_atom() {
                Err(arg_error(format!("unknown field `{}` in {}", inspect(key), inspect(&cs.data)), span))
            } else {
                Err(arg_error(format!("field names given to change/put_change must be atoms, got: `{}`", inspect(key)), span))
            }
        }
        Some((t, None)) => {
            let ty = Type::from_value(t).unwrap_or(Type::Any);
            let current = map_get(&cs.data, key).unwrap_or(Value::Nil);
            if !types::equal(interp, &ty, &current, &value, span)? {
                cs.changes.insert(key.clone(), value);
            } else {
                cs.changes.remove(key);
            }
            Ok(())
        }
    }
}

fn change_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let changes = args.get(1).cloned().unwrap_or_else(|| Value::map(MapT::new()));
    Ok(change(interp, &args[0], &changes, span)?.to_value())
}

/// `cast(data, params, permitted, opts)`.
pub fn cast(interp: &mut Interp, data: &Value, params: &Value, permitted: &Value, opts: &Value, span: Span) -> EResult<Changeset> {
    if is_struct_like(params) {
        return Err(cast_error(format!("expected params to be a :map, got: `{}`", inspect(params)), span));
    }
    let Some(permitted) = permitted.as_list() else {
        return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Changeset.cast/4", span));
    };
    if let Some(cs) = Changeset::from_value(data) {
        let new = cast_with(interp, &cs.data, cs.types.clone(), cs.changes.clone(), params, permitted, &cs.empty_values, opts, span)?;
        return Ok(cast_merge(cs, new));
    }
    match data {
        Value::Tuple(t) if t.len() == 2 && is_map(&t[0]) => {
            let types = match &t[1] {
                Value::Map(m) => (**m).clone(),
                _ => return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Changeset.cast/7", span)),
            };
            cast_with(interp, &t[0], types, MapT::new(), params, permitted, &super::default_empty_values(), opts, span)
        }
        Value::Struct(_) => {
            let types = schema_types(interp, data, span)?;
            cast_with(interp, data, types, MapT::new(), params, permitted, &super::default_empty_values(), opts, span)
        }
        _ => Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Changeset.cast/4", span)),
    }
}

fn cast_error(msg: String, span: Span) -> Box<Error> {
    Error::raise("Ecto.CastError", msg, span)
}

/// `cast_key/1`: permitted keys must be atoms.
fn cast_key(key: &Value, span: Span) -> EResult<(Value, String)> {
    match key.as_atom() {
        Some(a) => Ok((key.clone(), a.to_string())),
        None => Err(arg_error(format!("cast/3 expects a list of atom keys, got key: `{}`", inspect(key)), span)),
    }
}

/// `convert_params/1`: atom keys become strings; mixed keys raise.
fn convert_params(params: &MapT, original: &Value, span: Span) -> EResult<MapT> {
    match params.keys().next() {
        Some(k) if k.is_atom() => {
            let mut out = MapT::new();
            for (k, v) in params.iter() {
                match k.as_atom() {
                    Some(a) => {
                        out.insert(Value::str(a), v.clone());
                    }
                    None => {
                        return Err(cast_error(
                            format!(
                                "expected params to be a map with atoms or string keys, got a map with mixed keys: {}",
                                inspect(original)
                            ),
                            span,
                        ))
                    }
                }
            }
            Ok(out)
        }
        _ => Ok(params.clone()),
    }
}

#[allow(clippy::too_many_arguments)]
fn cast_with(
    interp: &mut Interp,
    data: &Value,
    types: MapT,
    changes: MapT,
    params: &Value,
    permitted: &[Value],
    empty_values: &Value,
    opts: &Value,
    span: Span,
) -> EResult<Changeset> {
    if matches!(params, Value::Atom(a) if &**a == "invalid") {
        for k in permitted {
            cast_key(k, span)?;
        }
        return Ok(Changeset { params: Value::Nil, data: data.clone(), valid: false, changes, types, ..Changeset::default() });
    }
    let Value::Map(pm) = params else {
        return Err(cast_error(format!("expected params to be a :map, got: `{}`", inspect(params)), span));
    };
    let trim_values = kw_get(opts, "trim_values").cloned();
    let empty_values = match kw_get(opts, "empty_values") {
        Some(custom) if custom.is_truthy() => {
            if custom.as_list().is_some_and(|l| l.iter().any(|v| matches!(v, Value::Fun(_)))) {
                return Err(arg_error("passing functions in :empty_values is no longer support, use :trim_values instead", span));
            }
            custom.clone()
        }
        _ => empty_values.clone(),
    };
    let force = kw_get(opts, "force_changes").is_some_and(|v| v.is_truthy());
    let params_map = convert_params(pm, params, span)?;
    let msg_func = kw_get(opts, "message").cloned();
    if let Some(f) = &msg_func {
        if !matches!(f, Value::Fun(fun) if fun.arity() == 2) {
            return Err(arg_error(format!("expected `:message` to be a function of arity 2, received: {}", inspect(f)), span));
        }
    }
    let defaults = match data {
        Value::Struct(s) => {
            let module = crate::value::alias_name(&s.module).to_string();
            super::new_struct(interp, &module, span)?
        }
        _ => Value::map(MapT::new()),
    };
    let ctx = CastCtx { trim_values, empty_values: empty_values.clone(), defaults, force };
    let mut cs = Changeset {
        params: Value::map(params_map.clone()),
        data: data.clone(),
        valid: true,
        changes,
        types,
        empty_values,
        ..Changeset::default()
    };
    let mut errors: Vec<(Value, Value)> = vec![];
    for key in permitted {
        let (key, param_key) = cast_key(key, span)?;
        let ty_value = cast_type(&cs.types, &key, span)?;
        let ty = Type::from_value(&ty_value).unwrap_or(Type::Any);
        let current = match cs.changes.get(&key) {
            Some(v) => v.clone(),
            None => map_get(data, &key).unwrap_or(Value::Nil),
        };
        let Some(raw) = params_map.get(&Value::str(&param_key)) else { continue };
        let value = filter_value(interp, &ctx, &ty, &ty_value, &key, raw.clone(), span)?;
        match types::cast(interp, &ty, &value, span)? {
            Cast::Ok(v) => {
                if !ctx.force && types::equal(interp, &ty, &current, &v, span)? {
                    continue;
                }
                cs.changes.insert(key.clone(), v);
            }
            other => {
                let custom: Vec<(Rc<str>, Value)> = match other {
                    Cast::Error(kw) => kw,
                    _ => vec![],
                };
                let (default_message, metadata) = cast_error_meta(custom, ty_value.clone());
                let message = match &msg_func {
                    Some(f) => interp.apply(f, vec![key.clone(), metadata.clone()], span)?,
                    None => Value::Nil,
                };
                let message = if matches!(message, Value::Nil) { default_message } else { message };
                errors.push((key.clone(), Value::tuple(vec![message, metadata])));
                cs.valid = false;
            }
        }
    }
    cs.errors = errors;
    Ok(cs)
}

/// `custom_errors |> Keyword.put_new(:validation, :cast) |> Keyword.put(:type, type)
/// |> Keyword.pop(:message, "is invalid")`.
fn cast_error_meta(custom: Vec<(Rc<str>, Value)>, ty: Value) -> (Value, Value) {
    let mut kw: Vec<(Rc<str>, Value)> = custom;
    if !kw.iter().any(|(k, _)| &**k == "validation") {
        kw.insert(0, (Rc::from("validation"), Value::atom("cast")));
    }
    kw.retain(|(k, _)| &**k != "type");
    kw.insert(0, (Rc::from("type"), ty));
    let message = kw.iter().find(|(k, _)| &**k == "message").map(|(_, v)| v.clone());
    kw.retain(|(k, _)| &**k != "message");
    let meta = Value::list(kw.into_iter().map(|(k, v)| Value::tuple(vec![Value::atom(&k), v])).collect());
    (message.unwrap_or_else(|| Value::str("is invalid")), meta)
}

struct CastCtx {
    trim_values: Option<Value>,
    empty_values: Value,
    defaults: Value,
    force: bool,
}

/// `cast_type!/2`.
fn cast_type(types: &MapT, key: &Value, span: Span) -> EResult<Value> {
    match types.get(key) {
        Some(t) => {
            if let Some(tag) = Relation::tag_of(t) {
                return Err(Error::raise(
                    "RuntimeError",
                    format!("casting {tag}s with cast/4 for {} field is not supported, use cast_{tag}/3 instead", inspect(key)),
                    span,
                ));
            }
            Ok(t.clone())
        }
        None => {
            let known: Vec<String> = types.keys().map(inspect).collect();
            Err(arg_error(
                format!(
                    "unknown field `{}` given to cast. Either the field does not exist or it is a :through association (which are read-only). The known fields are: {}",
                    inspect(key),
                    known.join(", ")
                ),
                span,
            ))
        }
    }
}

/// `Ecto.Type.trim/2` (or the `:trim_values` function).
fn trim(interp: &mut Interp, ctx: &CastCtx, ty_value: &Value, value: &Value, span: Span) -> EResult<Value> {
    if let Some(f) = &ctx.trim_values {
        return interp.apply(f, vec![ty_value.clone(), value.clone()], span);
    }
    match value {
        Value::Str(s) if ty_value.as_atom() != Some("binary") => Ok(Value::str(s.trim_start())),
        _ => Ok(value.clone()),
    }
}

fn is_empty(interp: &mut Interp, ctx: &CastCtx, ty_value: &Value, value: &Value, span: Span) -> EResult<bool> {
    let trimmed = trim(interp, ctx, ty_value, value, span)?;
    Ok(ctx.empty_values.as_list().is_some_and(|l| l.contains(&trimmed)))
}

/// `filter_values/5`: empty values become the field's default.
fn filter_value(interp: &mut Interp, ctx: &CastCtx, ty: &Type, ty_value: &Value, key: &Value, value: Value, span: Span) -> EResult<Value> {
    let value = match (ty, &value) {
        (Type::Array(inner), Value::List(items)) => {
            let inner_value = inner.to_value();
            let mut kept = Vec::with_capacity(items.len());
            for item in items.iter() {
                if !is_empty(interp, ctx, &inner_value, item, span)? {
                    kept.push(item.clone());
                }
            }
            Value::list(kept)
        }
        _ => value,
    };
    if is_empty(interp, ctx, ty_value, &value, span)? {
        Ok(map_get(&ctx.defaults, key).unwrap_or(Value::Nil))
    } else {
        Ok(value)
    }
}

/// `cast_merge/2`.
pub fn cast_merge(cs1: Changeset, cs2: Changeset) -> Changeset {
    let params = match (&cs1.params, &cs2.params) {
        (Value::Nil, Value::Nil) => Value::Nil,
        (a, b) => {
            let mut m = a.as_map().cloned().unwrap_or_default();
            for (k, v) in b.as_map().cloned().unwrap_or_default() {
                m.insert(k, v);
            }
            Value::map(m)
        }
    };
    let mut types = cs1.types.clone();
    types.extend(cs2.types.clone());
    let mut changes = cs1.changes.clone();
    changes.extend(cs2.changes.clone());
    let mut errors = cs1.errors.clone();
    for e in cs2.errors {
        if !errors.contains(&e) {
            errors.push(e);
        }
    }
    let mut required = cs1.required.clone();
    for r in cs2.required {
        if !required.contains(&r) {
            required.push(r);
        }
    }
    Changeset { params, valid: cs1.valid && cs2.valid, errors, types, changes, required, ..cs1 }
}

fn cast_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let opts = opts_arg(&args, 3);
    Ok(cast(interp, &args[0], &args[1], &args[2], &opts, span)?.to_value())
}

fn put_change_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "put_change", 3, span)?;
    let ty = cs.types.get(&args[1]).cloned();
    put_change_in(interp, &mut cs, &args[1], args[2].clone(), ty.as_ref(), span)?;
    Ok(cs.to_value())
}

fn force_change_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "force_change", 3, span)?;
    match cs.types.get(&args[1]) {
        Some(t) if Relation::tag_of(t).is_some() => {
            let tag = Relation::tag_of(t).unwrap_or("assoc");
            Err(Error::raise(
                "RuntimeError",
                format!("changing {tag}s with force_change/3 is not supported, please use put_{tag}/4 instead"),
                span,
            ))
        }
        None => Err(arg_error(format!("unknown field `{}` in {}", inspect(&args[1]), inspect(&cs.data)), span)),
        Some(_) => {
            cs.changes.insert(args[1].clone(), args[2].clone());
            Ok(cs.to_value())
        }
    }
}

fn delete_change_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "delete_change", 2, span)?;
    atom_arg(&args[1], "delete_change", 2, span)?;
    cs.changes.remove(&args[1]);
    Ok(cs.to_value())
}

fn update_change_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "update_change", 3, span)?;
    atom_arg(&args[1], "update_change", 3, span)?;
    if let Some(v) = cs.changes.get(&args[1]).cloned() {
        let new = interp.apply(&args[2], vec![v], span)?;
        let ty = cs.types.get(&args[1]).cloned();
        put_change_in(interp, &mut cs, &args[1], new, ty.as_ref(), span)?;
    }
    Ok(cs.to_value())
}

/// `fetch_field/2`: `Some((from_changes, value))`.
pub fn fetch_field(cs: &Changeset, key: &Value, span: Span) -> EResult<Option<(bool, Value)>> {
    if let Some(v) = cs.changes.get(key) {
        let v = match cs.types.get(key).and_then(Relation::from_type) {
            Some(rel) => relation::apply_relation_changes(&rel, v),
            None => v.clone(),
        };
        return Ok(Some((true, v)));
    }
    let present = match &cs.data {
        Value::Map(m) => m.contains_key(key),
        Value::Struct(s) => key.as_atom().is_some_and(|k| s.has(k)),
        other => key.as_atom().is_some_and(|k| types::field_of(other, k).is_some()),
    };
    if !present {
        return Ok(None);
    }
    let v = map_get(&cs.data, key).unwrap_or(Value::Nil);
    let v = match cs.types.get(key).and_then(Relation::from_type) {
        Some(_) => relation::load(&cs.data, &v, span)?,
        None => v,
    };
    Ok(Some((false, v)))
}

/// `get_field/3`.
pub fn get_field(cs: &Changeset, key: &Value, default: Value, span: Span) -> EResult<Value> {
    Ok(fetch_field(cs, key, span)?.map(|(_, v)| v).unwrap_or(default))
}

fn get_field_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "get_field", args.len(), span)?;
    get_field(&cs, &args[1], args.get(2).cloned().unwrap_or(Value::Nil), span)
}

fn fetch_field_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "fetch_field", 2, span)?;
    atom_arg(&args[1], "fetch_field", 2, span)?;
    Ok(match fetch_field(&cs, &args[1], span)? {
        Some((true, v)) => Value::tuple(vec![Value::atom("changes"), v]),
        Some((false, v)) => Value::tuple(vec![Value::atom("data"), v]),
        None => Value::atom("error"),
    })
}

fn key_error(key: &Value, term: &Value, span: Span) -> Box<Error> {
    Error::raise("KeyError", format!("key {} not found in: {}", inspect(key), crate::value::inspect::key_error_term(term)), span)
}

fn fetch_field_bang(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "fetch_field!", 2, span)?;
    match fetch_field(&cs, &args[1], span)? {
        Some((_, v)) => Ok(v),
        None => Err(key_error(&args[1], &cs.data, span)),
    }
}

fn get_change_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "get_change", args.len(), span)?;
    atom_arg(&args[1], "get_change", args.len(), span)?;
    Ok(cs.changes.get(&args[1]).cloned().unwrap_or_else(|| args.get(2).cloned().unwrap_or(Value::Nil)))
}

fn fetch_change_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "fetch_change", 2, span)?;
    atom_arg(&args[1], "fetch_change", 2, span)?;
    Ok(match cs.changes.get(&args[1]) {
        Some(v) => Value::ok(v.clone()),
        None => Value::atom("error"),
    })
}

fn fetch_change_bang(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "fetch_change!", 2, span)?;
    match cs.changes.get(&args[1]) {
        Some(v) => Ok(v.clone()),
        None => Err(key_error(&args[1], &Value::map(cs.changes.clone()), span)),
    }
}

/// `changed?/3`.
fn changed_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "changed?", args.len(), span)?;
    let field = &args[1];
    atom_arg(field, "changed?", args.len(), span)?;
    let opts = opts_arg(&args, 2);
    let Some(t) = cs.types.get(field).cloned() else {
        return Err(arg_error(format!("field {} doesn't exist", inspect(field)), span));
    };
    let Some(new_value) = cs.changes.get(field).cloned() else { return Ok(Value::Bool(false)) };
    if let Some(rel) = Relation::from_type(&t) {
        if opts.as_list().is_some_and(|l| !l.is_empty()) {
            return Err(arg_error(format!("invalid options for {} field", rel.tag), span));
        }
        return Ok(Value::Bool(relation::relation_changed(&rel, &new_value)));
    }
    let ty = Type::from_value(&t).unwrap_or(Type::Any);
    for item in opts.as_list().unwrap_or(&[]) {
        let ok = match item.as_tuple() {
            Some([k, v]) if k.as_atom() == Some("from") => {
                let old = map_get(&cs.data, field).unwrap_or(Value::Nil);
                types::equal(interp, &ty, &old, v, span)?
            }
            Some([k, v]) if k.as_atom() == Some("to") => types::equal(interp, &ty, &new_value, v, span)?,
            _ => return Err(arg_error(format!("unknown option {}", inspect(item)), span)),
        };
        if !ok {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

/// `merge/2`.
fn merge_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs1 = cs_arg(&args[0], "merge", 2, span)?;
    let cs2 = cs_arg(&args[1], "merge", 2, span)?;
    if cs1.data != cs2.data {
        return Err(arg_error("different :data when merging changesets", span));
    }
    let identical = |a: &Value, b: &Value, thing: &str| -> EResult<Value> {
        match (a, b) {
            (x, Value::Nil) => Ok(x.clone()),
            (Value::Nil, y) => Ok(y.clone()),
            (x, y) if x == y => Ok(x.clone()),
            (x, y) => Err(arg_error(format!("different {thing} (`{}` and `{}`) when merging changesets", inspect(x), inspect(y)), span)),
        }
    };
    let repo = identical(&cs1.repo, &cs2.repo, "repos")?;
    let action = identical(&cs1.action, &cs2.action, "actions")?;
    identical(&cs1.empty_values, &cs2.empty_values, "empty values")?;
    let repo_opts = super::kw_merge(&cs1.repo_opts, &cs2.repo_opts);
    let mut filters = cs1.filters.clone();
    filters.extend(cs2.filters.clone());
    let mut validations = cs1.validations.clone();
    validations.extend(cs2.validations.clone());
    let mut constraints = cs1.constraints.clone();
    constraints.extend(cs2.constraints.clone());
    let mut prepare = cs2.prepare.clone();
    prepare.extend(cs1.prepare.clone());
    let cs1 = Changeset { repo, action, repo_opts, filters, validations, constraints, prepare, ..cs1 };
    Ok(cast_merge(cs1, cs2).to_value())
}
