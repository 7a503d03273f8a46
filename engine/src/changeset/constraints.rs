//! Constraint registration (`unique_constraint/3` and friends) and the
//! mapping of a database constraint violation to changeset errors
//! (`Ecto.Repo.Schema.constraints_to_errors/3`), for the Repo.

use std::rc::Rc;

use super::relation::Relation;
use super::{arg_error, cs_arg, inspect, kw_get, opts_arg, Changeset};
use crate::diag::Span;
use crate::eval::{Builtins, EResult, Error, Interp};
use crate::value::{alias_name, MapT, Value};

pub fn register(b: &mut Builtins) {
    b.add("Ecto.Changeset", "unique_constraint", &[2, 3], unique_constraint_fn);
    b.add("Ecto.Changeset", "foreign_key_constraint", &[2, 3], foreign_key_constraint_fn);
    b.add("Ecto.Changeset", "check_constraint", &[2, 3], check_constraint_fn);
    b.add("Ecto.Changeset", "exclusion_constraint", &[2, 3], exclusion_constraint_fn);
    b.add("Ecto.Changeset", "assoc_constraint", &[2, 3], assoc_constraint_fn);
    b.add("Ecto.Changeset", "no_assoc_constraint", &[2, 3], no_assoc_constraint_fn);
    b.add("Ecto.Changeset", "constraints", &[1], |_, a, s| Ok(Value::list(cs_arg(&a[0], "constraints", 1, s)?.constraints)));
}

/// The source (table) of the changeset's data, required for default names.
fn source(cs: &Changeset, span: Span) -> EResult<String> {
    match cs.data.get_field("__meta__").and_then(|m| m.get_field("source").cloned()) {
        Some(Value::Str(s)) => Ok(s.to_string()),
        _ => Err(arg_error(
            format!("cannot add constraint to changeset because it does not have a source, got: {}", inspect(&cs.data)),
            span,
        )),
    }
}

/// `__schema__(:field_source, field) || field`.
fn field_source(interp: &mut Interp, cs: &Changeset, field: &Value) -> String {
    let name = super::field_name(field);
    if let Some(module) = cs.schema_module() {
        if let Some(schema) = crate::schema::lookup(interp, &module) {
            if let Some(src) = schema.field_source(&name) {
                return src.to_string();
            }
        }
    }
    name
}

fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        other => other.as_atom().map(|a| a.to_string()).unwrap_or_else(|| inspect(other)),
    }
}

/// `add_constraint/7`
#[allow(clippy::too_many_arguments)]
fn add_constraint(
    mut cs: Changeset,
    ty: &str,
    constraint: Value,
    matching: &Value,
    field: &Value,
    message: &Value,
    error_type: &str,
    span: Span,
) -> EResult<Value> {
    if !field.is_atom() || !message.is_binary() {
        return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Changeset.add_constraint/7", span));
    }
    let constraint = match &constraint {
        Value::Regex(_) => {
            if matching.as_atom() != Some("exact") {
                return Err(arg_error(format!("a Regex constraint only allows match type of :exact, got: {}", inspect(matching)), span));
            }
            constraint
        }
        Value::Str(_) | Value::Atom(_) | Value::Nil | Value::Bool(_) => {
            if !matches!(matching.as_atom(), Some("exact" | "suffix" | "prefix")) {
                return Err(arg_error(
                    format!("invalid match type: {}. Allowed match types: [:exact, :suffix, :prefix]", inspect(matching)),
                    span,
                ));
            }
            Value::string(text(&constraint))
        }
        other => {
            return Err(Error::raise(
                "FunctionClauseError",
                format!("no function clause matching in Ecto.Changeset.normalize_constraint/2: {}", inspect(other)),
                span,
            ))
        }
    };
    let mut m = MapT::new();
    m.insert(Value::atom("constraint"), constraint);
    m.insert(Value::atom("error_message"), message.clone());
    m.insert(Value::atom("error_type"), Value::atom(error_type));
    m.insert(Value::atom("field"), field.clone());
    m.insert(Value::atom("match"), matching.clone());
    m.insert(Value::atom("type"), Value::atom(ty));
    cs.constraints.insert(0, Value::map(m));
    Ok(cs.to_value())
}

fn opt_message(opts: &Value, default: &str) -> Value {
    kw_get(opts, "message").cloned().unwrap_or_else(|| Value::str(default))
}

fn opt_match(opts: &Value) -> Value {
    kw_get(opts, "match").cloned().unwrap_or_else(|| Value::atom("exact"))
}

fn opt_name(opts: &Value) -> Option<Value> {
    kw_get(opts, "name").filter(|v| v.is_truthy()).cloned()
}

fn unique_constraint_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "unique_constraint", args.len(), span)?;
    let opts = opts_arg(&args, 2);
    let fields: Vec<Value> = match &args[1] {
        Value::List(l) if !l.is_empty() => l.to_vec(),
        v if v.is_atom() => vec![v.clone()],
        _ => return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Changeset.unique_constraint/3", span)),
    };
    let name = match opt_name(&opts) {
        Some(n) => n,
        None => {
            let mut parts = vec![source(&cs, span)?];
            for f in &fields {
                parts.push(field_source(interp, &cs, f));
            }
            parts.push("index".to_string());
            Value::string(parts.join("_"))
        }
    };
    let message = opt_message(&opts, "has already been taken");
    let matching = opt_match(&opts);
    let error_key = kw_get(&opts, "error_key").cloned().unwrap_or_else(|| fields[0].clone());
    add_constraint(cs, "unique", name, &matching, &error_key, &message, "unique", span)
}

fn foreign_key_constraint_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "foreign_key_constraint", args.len(), span)?;
    let opts = opts_arg(&args, 2);
    let field = args[1].clone();
    let name = match opt_name(&opts) {
        Some(n) => n,
        None => Value::string(format!("{}_{}_fkey", source(&cs, span)?, field_source(interp, &cs, &field))),
    };
    let matching = opt_match(&opts);
    let message = opt_message(&opts, "does not exist");
    add_constraint(cs, "foreign_key", name, &matching, &field, &message, "foreign", span)
}

fn check_constraint_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "check_constraint", args.len(), span)?;
    let opts = opts_arg(&args, 2);
    let Some(name) = opt_name(&opts) else {
        return Err(arg_error("must supply the name of the constraint", span));
    };
    let message = opt_message(&opts, "is invalid");
    let matching = opt_match(&opts);
    add_constraint(cs, "check", name, &matching, &args[1], &message, "check", span)
}

fn exclusion_constraint_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "exclusion_constraint", args.len(), span)?;
    let opts = opts_arg(&args, 2);
    let field = args[1].clone();
    let name = match opt_name(&opts) {
        Some(n) => n,
        None => Value::string(format!("{}_{}_exclusion", source(&cs, span)?, field_source(interp, &cs, &field))),
    };
    let message = opt_message(&opts, "violates an exclusion constraint");
    let matching = opt_match(&opts);
    add_constraint(cs, "exclusion", name, &matching, &field, &message, "exclusion", span)
}

/// `get_assoc_type/2`: the association struct of `assoc`, or the
/// "does not exist. Did you mean ..." error.
fn assoc_of(cs: &Changeset, assoc: &Value, span: Span) -> EResult<Relation> {
    if let Some(rel) = cs.types.get(assoc).and_then(Relation::from_type) {
        if rel.tag == "assoc" {
            return Ok(rel);
        }
    }
    let assocs: Vec<String> =
        cs.types.values().filter_map(Relation::from_type).filter(|r| r.tag == "assoc").map(|r| super::field_name(&r.field)).collect();
    let one_of = if assocs.len() == 1 { "" } else { "one of " };
    Err(arg_error(
        format!(
            "cannot add constraint to changeset because association `{}` does not exist. Did you mean {one_of}`{}`?",
            super::field_name(assoc),
            assocs.join("`, `")
        ),
        span,
    ))
}

fn assoc_constraint_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "assoc_constraint", args.len(), span)?;
    let opts = opts_arg(&args, 2);
    let assoc = args[1].clone();
    let name = match opt_name(&opts) {
        Some(n) => n,
        None => {
            let rel = assoc_of(&cs, &assoc, span)?;
            if rel.kind != "Ecto.Association.BelongsTo" {
                return Err(arg_error(
                    format!("assoc_constraint can only be added to belongs to associations, got: {}", inspect(&rel.value)),
                    span,
                ));
            }
            Value::string(format!("{}_{}_fkey", source(&cs, span)?, super::field_name(&rel.owner_key)))
        }
    };
    let matching = opt_match(&opts);
    let message = opt_message(&opts, "does not exist");
    add_constraint(cs, "foreign_key", name, &matching, &assoc, &message, "assoc", span)
}

fn no_assoc_constraint_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "no_assoc_constraint", args.len(), span)?;
    let opts = opts_arg(&args, 2);
    let assoc = args[1].clone();
    let rel = assoc_of(&cs, &assoc, span)?;
    if rel.kind != "Ecto.Association.Has" {
        return Err(arg_error(
            format!("no_assoc_constraint can only be added to has one/many associations, got: {}", inspect(&rel.value)),
            span,
        ));
    }
    let name = match opt_name(&opts) {
        Some(n) => n,
        None => {
            let related = rel.related_name();
            let related_source =
                crate::schema::lookup(interp, &related).and_then(|s| s.source.clone()).unwrap_or_else(|| alias_name(&related).to_string());
            Value::string(format!("{}_{}_fkey", related_source, super::field_name(&rel.related_key)))
        }
    };
    let default = if rel.many { "are still associated with this entry" } else { "is still associated with this entry" };
    let message = opt_message(&opts, default);
    let matching = opt_match(&opts);
    add_constraint(cs, "foreign_key", name, &matching, &assoc, &message, "no_assoc", span)
}

/// A violated database constraint: its kind (`unique`, `foreign_key`,
/// `check`, `exclusion`) and name, as the adapter reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub kind: String,
    pub name: String,
}

/// Finds the changeset constraint that matches a violation.
pub fn find_constraint(cs: &Changeset, v: &Violation) -> Option<Value> {
    cs.constraints
        .iter()
        .find(|c| {
            let ty = c.get_field("type").and_then(|t| t.as_atom());
            if ty != Some(v.kind.as_str()) {
                return false;
            }
            let matching = c.get_field("match").and_then(|m| m.as_atom()).unwrap_or("exact");
            match c.get_field("constraint") {
                Some(Value::Regex(r)) => r.compiled.as_ref().is_some_and(|re| re.is_match(&v.name)),
                Some(Value::Str(cc)) => match matching {
                    "exact" => **cc == *v.name,
                    "suffix" => v.name.ends_with(&**cc),
                    "prefix" => v.name.starts_with(&**cc),
                    _ => false,
                },
                _ => false,
            }
        })
        .cloned()
}

/// `constraints_to_errors/3`: every violation becomes
/// `{field, {error_message, [constraint: error_type, constraint_name: name]}}`
/// in front of the existing errors; a violation without a matching
/// constraint is an `Ecto.ConstraintError` (returned as `Err`).
pub fn constraints_to_errors(cs: &Changeset, action: &str, violations: &[Violation], span: Span) -> EResult<Changeset> {
    let mut new = vec![];
    for v in violations {
        match find_constraint(cs, v) {
            Some(c) => {
                let field = c.get_field("field").cloned().unwrap_or(Value::Nil);
                let msg = c.get_field("error_message").cloned().unwrap_or(Value::Nil);
                let et = c.get_field("error_type").cloned().unwrap_or(Value::Nil);
                let opts = Value::keyword(vec![("constraint", et), ("constraint_name", Value::string(v.name.clone()))]);
                new.push((field, Value::tuple(vec![msg, opts])));
            }
            None => return Err(constraint_error(cs, action, v, span)),
        }
    }
    let mut out = cs.clone();
    new.append(&mut out.errors);
    out.errors = new;
    out.valid = false;
    Ok(out)
}

/// The `Ecto.ConstraintError` raised for an unmatched violation.
pub fn constraint_error(cs: &Changeset, action: &str, v: &Violation, span: Span) -> Box<Error> {
    let constraints = if cs.constraints.is_empty() {
        "The changeset has not defined any constraint.".to_string()
    } else {
        let lines: Vec<String> = cs
            .constraints
            .iter()
            .map(|c| {
                let name = c.get_field("constraint").map(inspect).unwrap_or_default();
                let ty = c.get_field("type").and_then(|t| t.as_atom()).unwrap_or("").to_string();
                format!("    * {name} ({ty}_constraint)")
            })
            .collect();
        format!("The changeset defined the following constraints:\n\n{}", lines.join("\n"))
    };
    let msg = format!(
        "constraint error when attempting to {action} struct:\n\n    * {} ({}_constraint)\n\nIf you would like to stop this constraint violation from raising an\nexception and instead add it as an error to your changeset, please\ncall `{}_constraint/3` on your changeset with the constraint\n`:name` as an option.\n\n{constraints}\n",
        inspect(&Value::string(v.name.clone())),
        v.kind,
        v.kind
    );
    let mut e = Error::raise("Ecto.ConstraintError", msg.clone(), span);
    if let Error::Raise(ex) = e.as_mut() {
        ex.value = Some(crate::schema::types::struct_value(
            "Ecto.ConstraintError",
            vec![("type", Value::atom(&v.kind)), ("constraint", Value::Str(Rc::from(v.name.as_str()))), ("message", Value::string(msg))],
        ));
    }
    e
}
