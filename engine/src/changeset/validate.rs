//! The `validate_*` functions, `validate_change/3,4` and `add_error/4`.
//!
//! Each built-in validator follows Ecto's shape: it records
//! `{field, {name, opts}}` in `validations`, skips fields without a change
//! (or with a `nil` change), and prepends its errors.

use unicode_segmentation::UnicodeSegmentation;

use super::relation::{filter_empty, Relation};
use super::{arg_error, atom_arg, cs_arg, inspect, kw_get, message, opts_arg, Changeset};
use crate::diag::Span;
use crate::eval::{Builtins, EResult, Error, Interp};
use crate::types::{self, Type};
use crate::value::{Decimal, Value};

pub fn register(b: &mut Builtins) {
    b.add("Ecto.Changeset", "add_error", &[3, 4], add_error_fn);
    b.add("Ecto.Changeset", "validate_change", &[3, 4], validate_change_fn);
    b.add("Ecto.Changeset", "validate_required", &[2, 3], validate_required_fn);
    b.add("Ecto.Changeset", "field_missing?", &[2], field_missing_fn);
    b.add("Ecto.Changeset", "validate_format", &[3, 4], validate_format_fn);
    b.add("Ecto.Changeset", "validate_inclusion", &[3, 4], |i, a, s| validate_enum_fn(i, a, s, EnumKind::Inclusion));
    b.add("Ecto.Changeset", "validate_exclusion", &[3, 4], |i, a, s| validate_enum_fn(i, a, s, EnumKind::Exclusion));
    b.add("Ecto.Changeset", "validate_subset", &[3, 4], |i, a, s| validate_enum_fn(i, a, s, EnumKind::Subset));
    b.add("Ecto.Changeset", "validate_length", &[3], validate_length_fn);
    b.add("Ecto.Changeset", "validate_number", &[3], validate_number_fn);
    b.add("Ecto.Changeset", "validate_confirmation", &[2, 3], validate_confirmation_fn);
    b.add("Ecto.Changeset", "validate_acceptance", &[2, 3], validate_acceptance_fn);
    b.add("Ecto.Changeset", "validations", &[1], |_, a, s| Ok(Value::list(cs_arg(&a[0], "validations", 1, s)?.validations)));
}

fn ensure_field_exists(cs: &Changeset, field: &Value, span: Span) -> EResult<()> {
    if cs.types.contains_key(field) {
        Ok(())
    } else {
        Err(arg_error(format!("unknown field {} in {}", inspect(field), inspect(&cs.data)), span))
    }
}

/// Records a validation and returns the change to validate (`None` when the
/// field has no change or a nil change).
fn start(cs: &mut Changeset, field: &Value, meta: Value, span: Span) -> EResult<Option<Value>> {
    cs.validations.insert(0, Value::tuple(vec![field.clone(), meta]));
    ensure_field_exists(cs, field, span)?;
    Ok(match cs.changes.get(field) {
        None | Some(Value::Nil) => None,
        Some(v) => Some(v.clone()),
    })
}

/// Adds `{field, {message, opts}}` errors in front, in the given order.
fn add_errors(cs: &mut Changeset, errors: Vec<(Value, Value)>) {
    if errors.is_empty() {
        return;
    }
    let mut new = errors;
    new.append(&mut cs.errors);
    cs.errors = new;
    cs.valid = false;
}

fn add_error_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "add_error", args.len(), span)?;
    if !args[2].is_binary() {
        return Err(Error::raise(
            "FunctionClauseError",
            format!("no function clause matching in Ecto.Changeset.add_error/{}", args.len()),
            span,
        ));
    }
    cs.add_error(args[1].clone(), args[2].clone(), opts_arg(&args, 3));
    Ok(cs.to_value())
}

/// `validate_change/3,4` with a user function.
fn validate_change_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "validate_change", args.len(), span)?;
    let field = args[1].clone();
    atom_arg(&field, "validate_change", args.len(), span)?;
    let validator = if args.len() == 4 {
        cs.validations.insert(0, Value::tuple(vec![field.clone(), args[2].clone()]));
        args[3].clone()
    } else {
        args[2].clone()
    };
    ensure_field_exists(&cs, &field, span)?;
    let value = cs.changes.get(&field).cloned().unwrap_or(Value::Nil);
    if matches!(value, Value::Nil) {
        return Ok(cs.to_value());
    }
    let result = interp.apply(&validator, vec![field.clone(), value], span)?;
    let Some(items) = result.as_list() else {
        return Err(Error::raise(
            "Protocol.UndefinedError",
            format!("protocol Enumerable not implemented for type {}", inspect(&result)),
            span,
        ));
    };
    let mut new = vec![];
    for item in items {
        match item.as_tuple() {
            Some([k, v]) if k.is_atom() && v.is_binary() => {
                new.push((k.clone(), Value::tuple(vec![v.clone(), Value::list(vec![])])));
            }
            Some([k, v]) if k.is_atom() && matches!(v.as_tuple(), Some([m, o]) if m.is_binary() && o.as_list().is_some()) => {
                new.push((k.clone(), v.clone()));
            }
            _ => {
                return Err(Error::raise(
                    "FunctionClauseError",
                    "no function clause matching in anonymous fn/1 in Ecto.Changeset.validate_change/3",
                    span,
                ))
            }
        }
    }
    add_errors(&mut cs, new);
    Ok(cs.to_value())
}

/// `missing?/2`: nil, an empty value, and not-loaded associations raise.
fn missing(cs: &Changeset, field: &Value, span: Span) -> EResult<bool> {
    if !field.is_atom() {
        return Err(arg_error(
            format!("validate_required/3 and field_missing?/2 expect field names to be atoms, got: `{}`", inspect(field)),
            span,
        ));
    }
    let v = super::cast::get_field(cs, field, Value::Nil, span)?;
    if matches!(&v, Value::Struct(s) if s.name() == "Ecto.Association.NotLoaded") {
        return Err(arg_error(
            format!(
                "attempting to determine the presence of association `{}` that was not loaded. Please preload your associations before calling validate_required/3 or field_missing?/2. You may also consider passing the :required option to Ecto.Changeset.cast_assoc/3",
                super::field_name(field)
            ),
            span,
        ));
    }
    Ok(matches!(v, Value::Nil) || cs.empty_values.as_list().is_some_and(|l| l.contains(&v)))
}

/// `field_missing?/2`
pub fn field_missing(cs: &Changeset, field: &Value, span: Span) -> EResult<bool> {
    if !missing(cs, field, span)? {
        return Ok(false);
    }
    ensure_field_exists(cs, field, span)?;
    Ok(true)
}

fn field_missing_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = cs_arg(&args[0], "field_missing?", 2, span)?;
    Ok(Value::Bool(field_missing(&cs, &args[1], span)?))
}

/// `validate_required/3`.
pub fn validate_required(cs: &mut Changeset, fields: &Value, opts: &Value, span: Span) -> EResult<()> {
    let fields: Vec<Value> = match fields {
        Value::Nil => {
            return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Changeset.validate_required/3", span))
        }
        Value::List(l) => l.to_vec(),
        other => vec![other.clone()],
    };
    let mut with_errors = vec![];
    for f in &fields {
        if field_missing(cs, f, span)? && !cs.errors.iter().any(|(k, _)| k == f) {
            with_errors.push(f.clone());
        }
    }
    let mut required = fields.clone();
    required.append(&mut cs.required);
    cs.required = required;
    if with_errors.is_empty() {
        return Ok(());
    }
    let mut new = vec![];
    for f in &with_errors {
        let m = message(opts, "message", "can't be blank", vec![("validation", Value::atom("required"))], span)?;
        new.push((f.clone(), m));
        cs.changes.remove(f);
    }
    add_errors(cs, new);
    Ok(())
}

fn validate_required_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "validate_required", args.len(), span)?;
    validate_required(&mut cs, &args[1], &opts_arg(&args, 2), span)?;
    Ok(cs.to_value())
}

fn validate_format_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "validate_format", args.len(), span)?;
    let field = args[1].clone();
    let format = args[2].clone();
    let opts = opts_arg(&args, 3);
    let meta = Value::tuple(vec![Value::atom("format"), format.clone()]);
    let Some(value) = start(&mut cs, &field, meta, span)? else { return Ok(cs.to_value()) };
    let Value::Str(s) = &value else {
        return Err(arg_error(
            format!(
                "validate_format/4 expects changes to be strings, received: {} for field `{}`",
                inspect(&value),
                super::field_name(&field)
            ),
            span,
        ));
    };
    let matched = match &format {
        Value::Regex(r) => r.compiled.as_ref().is_some_and(|c| c.is_match(s)),
        Value::Str(pat) => s.contains(&**pat),
        other => {
            return Err(arg_error(format!("expected a regex or a string, got: {}", inspect(other)), span));
        }
    };
    if !matched {
        let m = message(&opts, "message", "has invalid format", vec![("validation", Value::atom("format"))], span)?;
        add_errors(&mut cs, vec![(field, m)]);
    }
    Ok(cs.to_value())
}

#[derive(Clone, Copy)]
enum EnumKind {
    Inclusion,
    Exclusion,
    Subset,
}

fn validate_enum_fn(interp: &mut Interp, args: Vec<Value>, span: Span, kind: EnumKind) -> EResult<Value> {
    let name = match kind {
        EnumKind::Inclusion => "inclusion",
        EnumKind::Exclusion => "exclusion",
        EnumKind::Subset => "subset",
    };
    let mut cs = cs_arg(&args[0], &format!("validate_{name}"), args.len(), span)?;
    let field = args[1].clone();
    let data = args[2].clone();
    let opts = opts_arg(&args, 3);
    let meta = Value::tuple(vec![Value::atom(name), data.clone()]);
    let Some(value) = start(&mut cs, &field, meta, span)? else { return Ok(cs.to_value()) };
    let ty_value = cs.types.get(&field).cloned().unwrap_or(Value::atom("any"));
    let ty = Type::from_value(&ty_value).unwrap_or(Type::Any);
    let error_meta = |v: &str| vec![("validation", Value::atom(v)), ("enum", data.clone())];
    let error = match kind {
        EnumKind::Inclusion => {
            if types::include(interp, &ty, &value, &data, span)? {
                None
            } else {
                Some(message(&opts, "message", "is invalid", error_meta("inclusion"), span)?)
            }
        }
        EnumKind::Exclusion => {
            if types::include(interp, &ty, &value, &data, span)? {
                Some(message(&opts, "message", "is reserved", error_meta("exclusion"), span)?)
            } else {
                None
            }
        }
        EnumKind::Subset => {
            let element = match &ty {
                Type::Array(t) => (**t).clone(),
                other => match crate::types::adapter::underlying(interp, other, span)? {
                    Type::Array(t) => *t,
                    _ => {
                        return Err(Error::raise("MatchError", format!("no match of right hand side value: {}", inspect(&ty_value)), span))
                    }
                },
            };
            let items: Vec<Value> = match &value {
                Value::List(l) => l.to_vec(),
                Value::MapSet(s) => s.iter().cloned().collect(),
                other => {
                    return Err(Error::raise(
                        "Protocol.UndefinedError",
                        format!("protocol Enumerable not implemented for type {}", inspect(other)),
                        span,
                    ))
                }
            };
            let mut invalid = false;
            for item in &items {
                if !types::include(interp, &element, item, &data, span)? {
                    invalid = true;
                    break;
                }
            }
            if invalid {
                Some(message(&opts, "message", "has an invalid entry", error_meta("subset"), span)?)
            } else {
                None
            }
        }
    };
    if let Some(e) = error {
        add_errors(&mut cs, vec![(field, e)]);
    }
    Ok(cs.to_value())
}

/// The length Ecto measures for `validate_length/3`: `(type, length)`.
pub fn measure(value: &Value, count: &str, rel: Option<&Relation>) -> Option<(&'static str, usize)> {
    match (value, count) {
        (Value::Str(s), "codepoints") => Some(("string", s.chars().count())),
        (Value::Bytes(b), "codepoints") => Some(("string", codepoints_len(b))),
        (Value::Str(s), "graphemes") => Some(("string", s.graphemes(true).count())),
        (Value::Bytes(b), "graphemes") => Some(("string", String::from_utf8_lossy(b).graphemes(true).count())),
        (Value::Str(s), "bytes") => Some(("binary", s.len())),
        (Value::Bytes(b), "bytes") => Some(("binary", b.len())),
        (Value::List(l), _) => Some((
            "list",
            match rel {
                Some(_) => filter_empty(l).len(),
                None => l.len(),
            },
        )),
        (Value::Map(m), _) => Some(("map", m.len())),
        _ => None,
    }
}

/// Ecto's `codepoints_length/2`: invalid bytes count one each.
fn codepoints_len(b: &[u8]) -> usize {
    let mut n = 0;
    let mut rest = b;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => return n + s.chars().count(),
            Err(e) => {
                let valid = e.valid_up_to();
                n += std::str::from_utf8(&rest[..valid]).map(|s| s.chars().count()).unwrap_or(0);
                n += 1;
                rest = &rest[valid + 1..];
            }
        }
    }
    n
}

fn int_opt(opts: &Value, key: &str) -> Option<Value> {
    kw_get(opts, key).filter(|v| v.is_truthy()).cloned()
}

fn length_message(kind: &str, ty: &str) -> &'static str {
    match (kind, ty) {
        ("is", "string") => "should be %{count} character(s)",
        ("is", "binary") => "should be %{count} byte(s)",
        ("is", _) => "should have %{count} item(s)",
        ("min", "string") => "should be at least %{count} character(s)",
        ("min", "binary") => "should be at least %{count} byte(s)",
        ("min", _) => "should have at least %{count} item(s)",
        ("max", "string") => "should be at most %{count} character(s)",
        ("max", "binary") => "should be at most %{count} byte(s)",
        _ => "should have at most %{count} item(s)",
    }
}

/// Compares `length` with an option value like Erlang's term order would
/// (numbers by value; other terms sort after numbers).
fn num_cmp(length: usize, target: &Value) -> std::cmp::Ordering {
    Value::Int(length as i64).compare(target)
}

fn validate_length_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "validate_length", 3, span)?;
    let field = args[1].clone();
    let opts = args[2].clone();
    if opts.as_list().is_none() {
        return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Changeset.validate_length/3", span));
    }
    let meta = Value::tuple(vec![Value::atom("length"), opts.clone()]);
    let Some(value) = start(&mut cs, &field, meta, span)? else { return Ok(cs.to_value()) };
    let count = kw_get(&opts, "count").filter(|v| v.is_truthy()).and_then(|v| v.as_atom()).unwrap_or("graphemes").to_string();
    let rel = cs.types.get(&field).and_then(Relation::from_type);
    let Some((ty, length)) = measure(&value, &count, rel.as_ref()) else {
        return Err(Error::raise(
            "CaseClauseError",
            format!("no case clause matching: {}", inspect(&Value::tuple(vec![value.clone(), Value::atom(&count)]))),
            span,
        ));
    };
    let mk = |kind: &str, target: &Value| -> EResult<Value> {
        message(
            &opts,
            "message",
            length_message(kind, ty),
            vec![("count", target.clone()), ("validation", Value::atom("length")), ("kind", Value::atom(kind)), ("type", Value::atom(ty))],
            span,
        )
    };
    let mut error = None;
    if let Some(is) = int_opt(&opts, "is") {
        // `wrong_length(_type, value, value, _opts)`: only an exact match passes.
        if !matches!(is, Value::Int(i) if i >= 0 && i as usize == length) {
            error = Some(mk("is", &is)?);
        }
    }
    if error.is_none() {
        if let Some(min) = int_opt(&opts, "min") {
            if num_cmp(length, &min) == std::cmp::Ordering::Less {
                error = Some(mk("min", &min)?);
            }
        }
    }
    if error.is_none() {
        if let Some(max) = int_opt(&opts, "max") {
            if num_cmp(length, &max) == std::cmp::Ordering::Greater {
                error = Some(mk("max", &max)?);
            }
        }
    }
    if let Some(e) = error {
        add_errors(&mut cs, vec![(field, e)]);
    }
    Ok(cs.to_value())
}

const NUMBER_VALIDATORS: &[(&str, &str)] = &[
    ("less_than", "must be less than %{number}"),
    ("greater_than", "must be greater than %{number}"),
    ("less_than_or_equal_to", "must be less than or equal to %{number}"),
    ("greater_than_or_equal_to", "must be greater than or equal to %{number}"),
    ("equal_to", "must be equal to %{number}"),
    ("not_equal_to", "must be not equal to %{number}"),
];

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_) | Value::Decimal(_))
}

fn to_decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Decimal(d) => Some((**d).clone()),
        Value::Int(i) => Some(Decimal::from_i64(*i)),
        Value::Float(f) => crate::types::cast::decimal_from_float(*f),
        _ => None,
    }
}

/// Whether `value <spec> target` holds (Ecto's `compare_numbers`).
pub fn number_ok(spec: &str, value: &Value, target: &Value) -> bool {
    use std::cmp::Ordering::*;
    let ord = if matches!(value, Value::Decimal(_)) || matches!(target, Value::Decimal(_)) {
        match (to_decimal(value), to_decimal(target)) {
            (Some(a), Some(b)) => a.cmp_value(&b),
            _ => return false,
        }
    } else {
        value.compare(target)
    };
    match spec {
        "less_than" => ord == Less,
        "greater_than" => ord == Greater,
        "less_than_or_equal_to" => ord != Greater,
        "greater_than_or_equal_to" => ord != Less,
        "equal_to" => ord == Equal,
        "not_equal_to" => ord != Equal,
        _ => false,
    }
}

fn validate_number_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "validate_number", 3, span)?;
    let field = args[1].clone();
    let opts = args[2].clone();
    let meta = Value::tuple(vec![Value::atom("number"), opts.clone()]);
    let Some(value) = start(&mut cs, &field, meta, span)? else { return Ok(cs.to_value()) };
    if !is_number(&value) {
        return Err(arg_error(
            format!("expected field `{}` to be a decimal, integer, or float, got: {}", super::field_name(&field), inspect(&value)),
            span,
        ));
    }
    let pairs = opts.as_keyword().unwrap_or_default();
    for (spec, target) in pairs {
        if spec == "message" {
            continue;
        }
        let Some((_, default)) = NUMBER_VALIDATORS.iter().find(|(k, _)| *k == spec) else {
            let supported: Vec<String> = {
                let mut keys: Vec<&str> = NUMBER_VALIDATORS.iter().map(|(k, _)| *k).collect();
                crate::sort::sort(&mut keys);
                keys.iter().map(|k| format!("  * :{k}")).collect()
            };
            return Err(arg_error(
                format!("unknown option :{spec} given to validate_number/3\n\nThe supported options are:\n\n{}\n", supported.join("\n")),
                span,
            ));
        };
        if !is_number(target) {
            return Err(arg_error(format!("expected option `{spec}` to be a decimal, integer, or float, got: {}", inspect(target)), span));
        }
        if !number_ok(spec, &value, target) {
            let m = message(
                &opts,
                "message",
                default,
                vec![("validation", Value::atom("number")), ("kind", Value::atom(spec)), ("number", target.clone())],
                span,
            )?;
            add_errors(&mut cs, vec![(field, m)]);
            break;
        }
    }
    Ok(cs.to_value())
}

fn validate_confirmation_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "validate_confirmation", args.len(), span)?;
    let field = args[1].clone();
    let opts = opts_arg(&args, 2);
    let Value::Map(params) = cs.params.clone() else { return Ok(cs.to_value()) };
    let param = super::field_name(&field);
    let error_param = format!("{param}_confirmation");
    let error_field = Value::atom(&error_param);
    let value = params.get(&Value::str(&param)).cloned().unwrap_or(Value::Nil);
    let errors = match params.get(&Value::str(&error_param)) {
        Some(v) if *v == value => vec![],
        Some(_) => vec![(
            error_field,
            message(&opts, "message", "does not match confirmation", vec![("validation", Value::atom("confirmation"))], span)?,
        )],
        None => {
            if kw_get(&opts, "required").is_some_and(|v| v.is_truthy()) {
                vec![(error_field, message(&opts, "message", "can't be blank", vec![("validation", Value::atom("required"))], span)?)]
            } else {
                vec![]
            }
        }
    };
    cs.validations.insert(0, Value::tuple(vec![field, Value::tuple(vec![Value::atom("confirmation"), opts.clone()])]));
    add_errors(&mut cs, errors);
    Ok(cs.to_value())
}

fn validate_acceptance_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "validate_acceptance", args.len(), span)?;
    let field = args[1].clone();
    let opts = opts_arg(&args, 2);
    let errors = match &cs.params {
        Value::Map(params) => {
            let value = params.get(&Value::str(&super::field_name(&field))).cloned().unwrap_or(Value::Nil);
            let accepted = matches!(value, Value::Bool(true)) || matches!(&value, Value::Str(s) if &**s == "true" || &**s == "1");
            if accepted {
                vec![]
            } else {
                vec![(field.clone(), message(&opts, "message", "must be accepted", vec![("validation", Value::atom("acceptance"))], span)?)]
            }
        }
        _ => vec![],
    };
    cs.validations.insert(0, Value::tuple(vec![field, Value::tuple(vec![Value::atom("acceptance"), opts.clone()])]));
    add_errors(&mut cs, errors);
    Ok(cs.to_value())
}
