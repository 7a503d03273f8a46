//! The structs of `Ecto.Migration` (`Table`, `Index`, `Reference`,
//! `Constraint`, `Command`) with their default field values, in definition
//! order, and `struct!/2` over them.

use std::rc::Rc;

use crate::diag::Span;
use crate::eval::{EResult, Error};
use crate::value::{inspect::inspect, Atom, Struct, Value};

use super::{COMMAND, CONSTRAINT, INDEX, REFERENCE, TABLE};

/// Field names and defaults of each migration struct, in definition order.
pub fn definitions() -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    let nil = || Value::Nil;
    vec![
        (
            TABLE,
            vec![
                ("name", nil()),
                ("prefix", nil()),
                ("comment", nil()),
                ("primary_key", Value::Bool(true)),
                ("engine", nil()),
                ("options", nil()),
                ("modifiers", nil()),
            ],
        ),
        (
            INDEX,
            vec![
                ("table", nil()),
                ("prefix", nil()),
                ("name", nil()),
                ("columns", Value::list(vec![])),
                ("unique", Value::Bool(false)),
                ("concurrently", Value::Bool(false)),
                ("using", nil()),
                ("include", Value::list(vec![])),
                ("only", Value::Bool(false)),
                ("nulls_distinct", nil()),
                ("where", nil()),
                ("comment", nil()),
                ("options", nil()),
            ],
        ),
        (
            REFERENCE,
            vec![
                ("name", nil()),
                ("prefix", nil()),
                ("table", nil()),
                ("column", Value::atom("id")),
                ("type", Value::atom("bigserial")),
                ("on_delete", Value::atom("nothing")),
                ("on_update", Value::atom("nothing")),
                ("validate", Value::Bool(true)),
                ("with", Value::list(vec![])),
                ("match", nil()),
                ("options", Value::list(vec![])),
            ],
        ),
        (
            CONSTRAINT,
            vec![
                ("name", nil()),
                ("table", nil()),
                ("check", nil()),
                ("exclude", nil()),
                ("prefix", nil()),
                ("comment", nil()),
                ("validate", Value::Bool(true)),
            ],
        ),
        (COMMAND, vec![("up", nil()), ("down", nil())]),
    ]
}

/// The default struct of `module` (`"Ecto.Migration.Table"`).
pub fn default_struct(module: &str) -> Option<Struct> {
    definitions().into_iter().find(|(m, _)| *m == module).map(|(m, fields)| Struct {
        module: Atom::from(format!("Elixir.{m}").as_str()),
        fields: fields.into_iter().map(|(k, v)| (Atom::from(k), v)).collect(),
    })
}

/// `struct!(%module{base...}, opts)`: every key of `opts` must be a field;
/// later keys win.
pub fn struct_bang(module: &str, base: &[(&str, Value)], opts: &Value, span: Span) -> EResult<Value> {
    let mut s = default_struct(module).ok_or_else(|| Error::raise("UndefinedFunctionError", format!("{module} is not a struct"), span))?;
    for (k, v) in base {
        s.set(k, v.clone());
    }
    let pairs =
        opts.as_list().ok_or_else(|| Error::raise("ArgumentError", format!("expected a keyword list, got: {}", inspect(opts)), span))?;
    for pair in pairs.iter() {
        match pair.as_tuple() {
            Some([k, v]) if k.is_atom() => {
                let key = k.as_atom().unwrap_or_default();
                if key == "__struct__" || !s.set(key, v.clone()) {
                    return Err(Error::raise(
                        "KeyError",
                        format!(
                            "key {} not found in: {}",
                            inspect(k),
                            crate::value::inspect::key_error_term(&Value::Struct(Rc::new(s.clone())))
                        ),
                        span,
                    ));
                }
            }
            _ => return Err(Error::raise("ArgumentError", format!("expected a keyword list, got: {}", inspect(opts)), span)),
        }
    }
    Ok(Value::Struct(Rc::new(s)))
}

/// A copy of the struct with one field replaced (`%{s | key: value}`).
pub fn put(v: &Value, key: &str, value: Value) -> Value {
    match v {
        Value::Struct(s) => {
            let mut s = (**s).clone();
            s.set(key, value);
            Value::Struct(Rc::new(s))
        }
        other => other.clone(),
    }
}

/// Helpers for building command terms by hand (tests, the migrator).
pub mod build {
    use super::*;

    pub fn table(name: &str, opts: Vec<(&str, Value)>) -> Value {
        let opts = Value::keyword(opts);
        struct_bang(TABLE, &[("name", Value::str(name))], &opts, Span::NONE).unwrap_or(Value::Nil)
    }

    pub fn atom(s: &str) -> Value {
        Value::atom(s)
    }

    pub fn kw(pairs: Vec<(&str, Value)>) -> Value {
        Value::keyword(pairs)
    }

    /// `{:add, name, type, opts}`
    pub fn add(name: &str, ty: Value, opts: Vec<(&str, Value)>) -> Value {
        Value::tuple(vec![Value::atom("add"), Value::atom(name), ty, Value::keyword(opts)])
    }
}
