//! The conformance encoding of changesets (see the corpus README's
//! **changeset** conventions): `valid`, `action`, `changes`, `errors`,
//! `errors_raw`, `constraints`, `required`, `changes_detail`,
//! `changes_inspect` and `data_inspect`; and the value encoding with
//! changesets inside (`{"$changeset": ...}`).

use serde_json::{json, Map, Value as Json};

use super::traverse::{interpolate, traverse};
use super::Changeset;
use crate::diag::Span;
use crate::eval::{EResult, Interp};
use crate::value::inspect::inspect_full;
use crate::value::json::{encode_with, key_string};
use crate::value::{MapT, Value};

/// Nested changesets replaced by their own (collapsed) changes.
pub fn collapse(v: &Value) -> Value {
    if let Some(cs) = Changeset::from_value(v) {
        return collapse(&Value::map(cs.changes));
    }
    match v {
        Value::Map(m) => {
            let mut out = MapT::new();
            for (k, x) in m.iter() {
                out.insert(k.clone(), collapse(x));
            }
            Value::map(out)
        }
        Value::List(items) => Value::list(items.iter().map(collapse).collect()),
        other => other.clone(),
    }
}

/// `traverse_errors/2` with each `%{key}` replaced by its option (`to_string/1`
/// of the option's value, which raises for a value it cannot convert).
pub fn try_errors_interpolated(interp: &mut Interp, cs: &Changeset) -> EResult<Value> {
    let mut f = |_: &mut Interp, _: &Changeset, _: &Value, e: &Value| {
        Ok(match e.as_tuple() {
            Some([msg, opts]) => Value::string(interpolate(msg.as_str().unwrap_or(""), opts)?),
            _ => e.clone(),
        })
    };
    traverse(interp, cs, &mut f, false, Span::NONE)
}

/// [`try_errors_interpolated`], empty when it raises.
pub fn errors_interpolated(interp: &mut Interp, cs: &Changeset) -> Value {
    try_errors_interpolated(interp, cs).unwrap_or_else(|_| Value::map(MapT::new()))
}

/// A keyword list as a JSON object (`[]` stays an empty list).
fn opts_json(opts: &Value) -> Json {
    match opts.as_keyword() {
        Some(kw) if !kw.is_empty() => {
            let mut obj = Map::new();
            for (k, v) in kw {
                obj.entry(k.to_string()).or_insert_with(|| encode(v));
            }
            Json::Object(obj)
        }
        _ => encode(opts),
    }
}

/// `errors_raw`: `[[field, message, opts], ...]` in the changeset's order.
pub fn errors_raw(cs: &Changeset) -> Json {
    Json::Array(
        cs.errors
            .iter()
            .map(|(field, e)| match e.as_tuple() {
                Some([msg, opts]) => json!([encode(field), encode(msg), opts_json(opts)]),
                _ => json!([encode(field), encode(e), []]),
            })
            .collect(),
    )
}

/// The default value encoding, with changesets as
/// `{"$changeset": {action, valid, changes, errors}}` (errors traversed).
pub fn encode(v: &Value) -> Json {
    encode_with(v, &|x| {
        let cs = Changeset::from_value(x)?;
        let mut interp = crate::interp();
        let errors = errors_interpolated(&mut interp, &cs);
        Some(json!({ "$changeset": {
            "action": encode(&cs.action),
            "valid": cs.valid,
            "changes": encode(&collapse(&Value::map(cs.changes.clone()))),
            "errors": encode(&errors),
        }}))
    })
}

/// `changes_detail` encoding: nested changesets with their raw errors.
pub fn encode_detail(v: &Value) -> Json {
    encode_with(v, &|x| {
        let cs = Changeset::from_value(x)?;
        Some(json!({ "$changeset": {
            "action": encode(&cs.action),
            "valid": cs.valid,
            "changes": encode_detail(&Value::map(cs.changes.clone())),
            "errors": errors_raw(&cs),
        }}))
    })
}

/// The constraint maps as objects.
fn constraints_json(cs: &Changeset) -> Json {
    Json::Array(
        cs.constraints
            .iter()
            .map(|c| match c {
                Value::Map(m) => {
                    let mut obj = Map::new();
                    for (k, v) in m.iter() {
                        obj.insert(key_string(k), encode(v));
                    }
                    Json::Object(obj)
                }
                other => encode(other),
            })
            .collect(),
    )
}

/// Every field of a changeset entry, in the corpus order; `Err` with the
/// exception's text when traversing its errors raises.
pub fn changeset_fields(interp: &mut Interp, cs: &Changeset) -> Result<Vec<(&'static str, Json)>, String> {
    let changes = Value::map(cs.changes.clone());
    let errors = try_errors_interpolated(interp, cs).map_err(|e| format!("** ({}) {}", e.kind(), e.message()))?;
    Ok(vec![
        ("valid", Json::Bool(cs.valid)),
        ("action", encode(&cs.action)),
        ("changes", encode(&collapse(&changes))),
        ("errors", encode(&errors)),
        ("errors_raw", errors_raw(cs)),
        ("constraints", constraints_json(cs)),
        ("required", Json::Array(cs.required.iter().map(encode).collect())),
        ("changes_detail", encode_detail(&changes)),
        ("changes_inspect", Json::String(inspect_full(&changes))),
        ("data_inspect", Json::String(inspect_full(&cs.data))),
    ])
}

/// The fields of one `changesets` entry's value: a changeset, an
/// `{:ok, _}`/`{:error, _}` result, or any other value. `Err` holds the
/// text of what raised while reading a changeset's errors.
pub fn entry_fields(interp: &mut Interp, v: &Value) -> Result<Vec<(&'static str, Json)>, String> {
    if let Some(cs) = Changeset::from_value(v) {
        return changeset_fields(interp, &cs);
    }
    if let Some([tag, inner]) = v.as_tuple() {
        if let Some(t @ ("ok" | "error")) = tag.as_atom() {
            let mut out = vec![("result", Json::String(t.to_string()))];
            match Changeset::from_value(inner) {
                Some(cs) => out.extend(changeset_fields(interp, &cs)?),
                None => out.extend(value_fields(interp, inner)),
            }
            return Ok(out);
        }
    }
    Ok(value_fields(interp, v))
}

fn value_fields(interp: &mut Interp, v: &Value) -> Vec<(&'static str, Json)> {
    let shown = crate::eval::stdlib::extra::apply_user_inspect(interp, v, crate::diag::Span::NONE);
    vec![("value", encode(v)), ("value_inspect", Json::String(inspect_full(&shown)))]
}
