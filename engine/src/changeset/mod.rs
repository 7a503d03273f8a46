//! `Ecto.Changeset`.
//!
//! A changeset is an ordinary `%Ecto.Changeset{}` struct value with Ecto's
//! fields, so user code can read `changeset.valid?` or `changeset.changes`.
//! The functions here convert it to a [`Changeset`] (the same fields as Rust
//! data), apply Ecto's rules, and convert back. Errors stay data
//! (`{field, {message, opts}}`) until they are rendered
//! ([`traverse::interpolate`]).
//!
//! Other areas use: [`Changeset::from_value`]/[`Changeset::to_value`],
//! [`constraints::match_constraint`] (DB constraint name → changeset error),
//! [`relation::apply_changes`], and [`report`] (the conformance encoding).

pub mod cast;
pub mod constraints;
pub mod relation;
pub mod report;
pub mod traverse;
pub mod unique;
pub mod validate;

#[cfg(test)]
mod tests;

use std::rc::Rc;

use crate::diag::Span;
use crate::eval::{Builtins, EResult, Error, Interp};
use crate::value::{alias_name, MapT, Struct, Value};

pub const MODULE: &str = "Elixir.Ecto.Changeset";

/// The fields of `%Ecto.Changeset{}`.
#[derive(Clone, Debug)]
pub struct Changeset {
    pub valid: bool,
    pub data: Value,
    /// `nil` or a map with string keys.
    pub params: Value,
    pub changes: MapT,
    /// `[{field, {message, opts}}]`, newest first.
    pub errors: Vec<(Value, Value)>,
    pub validations: Vec<Value>,
    pub required: Vec<Value>,
    pub prepare: Vec<Value>,
    pub constraints: Vec<Value>,
    pub filters: MapT,
    pub action: Value,
    /// field → type term (`:string`, `{:assoc, %Ecto.Association.Has{}}`, ...).
    pub types: MapT,
    pub empty_values: Value,
    pub repo: Value,
    pub repo_opts: Value,
}

impl Default for Changeset {
    fn default() -> Changeset {
        Changeset {
            valid: false,
            data: Value::Nil,
            params: Value::Nil,
            changes: MapT::new(),
            errors: vec![],
            validations: vec![],
            required: vec![],
            prepare: vec![],
            constraints: vec![],
            filters: MapT::new(),
            action: Value::Nil,
            types: MapT::new(),
            empty_values: default_empty_values(),
            repo: Value::Nil,
            repo_opts: Value::list(vec![]),
        }
    }
}

/// `Ecto.Changeset.empty_values/0`: `[""]`.
pub fn default_empty_values() -> Value {
    Value::list(vec![Value::str("")])
}

fn list_of(v: Option<&Value>) -> Vec<Value> {
    v.and_then(|v| v.as_list()).map(|l| l.to_vec()).unwrap_or_default()
}

fn map_of(v: Option<&Value>) -> MapT {
    v.and_then(|v| v.as_map()).cloned().unwrap_or_default()
}

impl Changeset {
    pub fn is_changeset(v: &Value) -> bool {
        matches!(v, Value::Struct(s) if &*s.module == MODULE)
    }

    /// Reads a `%Ecto.Changeset{}` value.
    pub fn from_value(v: &Value) -> Option<Changeset> {
        let Value::Struct(s) = v else { return None };
        if &*s.module != MODULE {
            return None;
        }
        let errors = list_of(s.get("errors"))
            .into_iter()
            .map(|e| match e.as_tuple() {
                Some([k, v]) => (k.clone(), v.clone()),
                _ => (e.clone(), Value::Nil),
            })
            .collect();
        Some(Changeset {
            valid: s.get("valid?").is_some_and(|v| v.is_truthy()),
            data: s.get("data").cloned().unwrap_or(Value::Nil),
            params: s.get("params").cloned().unwrap_or(Value::Nil),
            changes: map_of(s.get("changes")),
            errors,
            validations: list_of(s.get("validations")),
            required: list_of(s.get("required")),
            prepare: list_of(s.get("prepare")),
            constraints: list_of(s.get("constraints")),
            filters: map_of(s.get("filters")),
            action: s.get("action").cloned().unwrap_or(Value::Nil),
            types: map_of(s.get("types")),
            empty_values: s.get("empty_values").cloned().unwrap_or_else(default_empty_values),
            repo: s.get("repo").cloned().unwrap_or(Value::Nil),
            repo_opts: s.get("repo_opts").cloned().unwrap_or(Value::list(vec![])),
        })
    }

    /// The `%Ecto.Changeset{}` struct value (fields in Ecto's order).
    pub fn to_value(&self) -> Value {
        let f = |k: &str, v: Value| (Rc::from(k), v);
        let errors = self.errors.iter().map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()])).collect();
        Value::Struct(Rc::new(Struct {
            module: Rc::from(MODULE),
            fields: vec![
                f("valid?", Value::Bool(self.valid)),
                f("data", self.data.clone()),
                f("params", self.params.clone()),
                f("changes", Value::map(self.changes.clone())),
                f("errors", Value::list(errors)),
                f("validations", Value::list(self.validations.clone())),
                f("required", Value::list(self.required.clone())),
                f("prepare", Value::list(self.prepare.clone())),
                f("constraints", Value::list(self.constraints.clone())),
                f("filters", Value::map(self.filters.clone())),
                f("action", self.action.clone()),
                f("types", Value::map(self.types.clone())),
                f("empty_values", self.empty_values.clone()),
                f("repo", self.repo.clone()),
                f("repo_opts", self.repo_opts.clone()),
            ],
        }))
    }

    pub fn type_of(&self, field: &str) -> Option<&Value> {
        self.types.get(&Value::atom(field))
    }

    pub fn change(&self, field: &str) -> Option<&Value> {
        self.changes.get(&Value::atom(field))
    }

    /// `Map.get(data, field)`.
    pub fn data_field(&self, field: &str) -> Option<Value> {
        map_get(&self.data, &Value::atom(field))
    }

    pub fn add_error(&mut self, field: Value, message: Value, opts: Value) {
        self.errors.insert(0, (field, Value::tuple(vec![message, opts])));
        self.valid = false;
    }

    pub fn has_error(&self, field: &Value) -> bool {
        self.errors.iter().any(|(k, _)| k == field)
    }

    /// The schema module of a struct `data` (without `Elixir.`).
    pub fn schema_module(&self) -> Option<String> {
        match &self.data {
            Value::Struct(s) => Some(alias_name(&s.module).to_string()),
            _ => None,
        }
    }
}

/// `Map.get/2` on maps and structs (and the struct-like built-ins).
pub fn map_get(v: &Value, key: &Value) -> Option<Value> {
    match v {
        Value::Map(m) => m.get(key).cloned(),
        Value::Struct(s) => key.as_atom().and_then(|k| s.get(k).cloned()),
        other => key.as_atom().and_then(|k| crate::types::field_of(other, k)),
    }
}

/// `Map.put/3` on maps and structs.
pub fn map_put(v: &Value, key: &Value, value: Value) -> Value {
    match v {
        Value::Map(m) => {
            let mut m = (**m).clone();
            m.insert(key.clone(), value);
            Value::map(m)
        }
        Value::Struct(s) => {
            let mut s = (**s).clone();
            if let Some(k) = key.as_atom() {
                if !s.set(k, value.clone()) {
                    s.fields.push((Rc::from(k), value));
                }
            }
            Value::Struct(Rc::new(s))
        }
        other => other.clone(),
    }
}

pub(crate) fn inspect(v: &Value) -> String {
    crate::value::inspect::inspect(v)
}

pub(crate) fn arg_error(msg: impl Into<String>, span: Span) -> Box<Error> {
    Error::raise("ArgumentError", msg, span)
}

/// Reads a changeset argument or raises `FunctionClauseError` like Ecto.
pub(crate) fn cs_arg(v: &Value, fun: &str, arity: usize, span: Span) -> EResult<Changeset> {
    Changeset::from_value(v)
        .ok_or_else(|| Error::raise("FunctionClauseError", format!("no function clause matching in Ecto.Changeset.{fun}/{arity}"), span))
}

pub(crate) fn atom_arg<'a>(v: &'a Value, fun: &str, arity: usize, span: Span) -> EResult<&'a str> {
    v.as_atom()
        .ok_or_else(|| Error::raise("FunctionClauseError", format!("no function clause matching in Ecto.Changeset.{fun}/{arity}"), span))
}

/// An optional keyword-list argument (`[]` when absent).
pub(crate) fn opts_arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or_else(|| Value::list(vec![]))
}

pub(crate) fn kw_get<'a>(opts: &'a Value, key: &str) -> Option<&'a Value> {
    opts.keyword_get(key)
}

/// `Keyword.merge/2`.
pub(crate) fn kw_merge(base: &Value, extra: &Value) -> Value {
    let extra_pairs: Vec<(String, Value)> =
        extra.as_keyword().map(|kw| kw.into_iter().map(|(k, v)| (k.to_string(), v.clone())).collect()).unwrap_or_default();
    let mut out: Vec<Value> = base
        .as_list()
        .unwrap_or(&[])
        .iter()
        .filter(|item| match item.as_tuple() {
            Some([k, _]) => !extra_pairs.iter().any(|(e, _)| Some(e.as_str()) == k.as_atom()),
            _ => true,
        })
        .cloned()
        .collect();
    out.extend(extra_pairs.into_iter().map(|(k, v)| Value::tuple(vec![Value::atom(&k), v])));
    Value::list(out)
}

/// Ecto's `message(opts, key, default, message_opts)`: the `:message` option
/// (or `{message, extra_opts}`), else the default, with its metadata.
pub(crate) fn message(opts: &Value, key: &str, default: &str, meta: Vec<(&str, Value)>, span: Span) -> EResult<Value> {
    let meta = Value::keyword(meta);
    match kw_get(opts, key) {
        None => Ok(Value::tuple(vec![Value::str(default), meta])),
        Some(Value::Str(m)) => Ok(Value::tuple(vec![Value::Str(m.clone()), meta])),
        Some(Value::Tuple(t)) if t.len() == 2 && t[0].is_binary() && t[1].as_list().is_some() => {
            Ok(Value::tuple(vec![t[0].clone(), kw_merge(&meta, &t[1])]))
        }
        Some(other) => Err(Error::raise("CaseClauseError", format!("no case clause matching: {}", inspect(other)), span)),
    }
}

/// The struct `%Module{}` with its defaults, from the schema registry or
/// a `defstruct`.
pub(crate) fn new_struct(interp: &mut Interp, module: &str, span: Span) -> EResult<Value> {
    if let Some(s) = crate::schema::lookup(interp, module) {
        return Ok(s.new_struct());
    }
    let name = alias_name(module).to_string();
    Ok(Value::Struct(Rc::new(interp.new_struct(&name, span)?)))
}

fn note_redactions(interp: &mut Interp, module: &str) {
    let fields = crate::schema::lookup(interp, module).map(|s| s.redact_fields.clone()).unwrap_or_default();
    crate::value::inspect::set_redacted_changes(module, fields);
}

pub use crate::value::inspect::redact_changes;

/// `module.__changeset__()`: the types map of a schema struct.
pub(crate) fn schema_types(interp: &mut Interp, data: &Value, span: Span) -> EResult<MapT> {
    let Value::Struct(s) = data else { return Ok(MapT::new()) };
    let name = alias_name(&s.module).to_string();
    note_redactions(interp, &name);
    match interp.call(&name, "__changeset__", vec![], span) {
        Ok(Value::Map(m)) => Ok((*m).clone()),
        Ok(other) => Err(arg_error(format!("expected {name}.__changeset__/0 to return a map, got: {}", inspect(&other)), span)),
        Err(e) => Err(e),
    }
}

/// A function value implemented in Rust (for `prepare` entries and such).
pub(crate) fn native_fun(name: &'static str, arity: usize, f: impl Fn(&mut Interp, Vec<Value>) -> EResult<Value> + 'static) -> Value {
    Value::Fun(Rc::new(crate::value::Function::Native { name, arity, f: Rc::new(f) }))
}

pub(crate) fn field_name(v: &Value) -> String {
    v.as_atom().map(|a| a.to_string()).unwrap_or_else(|| inspect(v))
}

/// Registers `Ecto.Changeset` (and `Ecto.put_meta/get_meta`).
pub fn register(b: &mut Builtins) {
    b.add("Ecto.Changeset", "__struct__", &[0], |_, _, _| Ok(Changeset::default().to_value()));
    b.add("Ecto.Embedded", "__struct__", &[0], |_, _, _| {
        Ok(crate::schema::types::struct_value(
            "Ecto.Embedded",
            vec![
                ("cardinality", Value::Nil),
                ("field", Value::Nil),
                ("owner", Value::Nil),
                ("related", Value::Nil),
                ("on_cast", Value::Nil),
                ("on_replace", Value::atom("raise")),
                ("unique", Value::Bool(true)),
                ("ordered", Value::Bool(true)),
            ],
        ))
    });
    cast::register(b);
    validate::register(b);
    constraints::register(b);
    relation::register(b);
    traverse::register(b);
    unique::register(b);
}
