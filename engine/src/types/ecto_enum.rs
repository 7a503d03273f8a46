//! `Ecto.Enum`: atoms stored as strings or integers.

use std::rc::Rc;

use super::{map_get, Type};
use crate::value::{Atom, MapT, Value};

/// The parameters of an `Ecto.Enum` type (`Ecto.Enum.init/1`).
#[derive(Clone, Debug, PartialEq)]
pub struct EnumType {
    /// `[atom: dumped]` in definition order; dumped values are strings or integers.
    pub mappings: Vec<(Atom, Value)>,
    /// `:string` or `:integer`.
    pub integer: bool,
    /// `embed_as: :dumped` (stored as the dumped value inside embeds/JSON).
    pub embed_dumped: bool,
}

/// Why `Ecto.Enum.init/1` rejected its options.
#[derive(Debug, PartialEq)]
pub enum EnumInitError {
    BadValues,
    NotUnique,
    BadEmbedAs(Value),
}

impl EnumInitError {
    pub fn message(&self) -> String {
        match self {
            EnumInitError::BadValues => "Ecto.Enum types must have a values option specified as a list of atoms or a\nkeyword list with a mapping from atoms to either integer or string values.\n\nFor example:\n\n    field :my_field, Ecto.Enum, values: [:foo, :bar]\n\nor\n\n    field :my_field, Ecto.Enum, values: [foo: 1, bar: 2, baz: 5]\n".to_string(),
            EnumInitError::NotUnique => "Ecto.Enum type values must be unique.\n\nFor example:\n\n    field :my_field, Ecto.Enum, values: [:foo, :bar, :foo]\n\nis invalid, while\n\n    field :my_field, Ecto.Enum, values: [:foo, :bar, :baz]\n\nis valid\n".to_string(),
            EnumInitError::BadEmbedAs(v) => format!(
                "the `:embed_as` option for `Ecto.Enum` accepts either `:values` or `:dumped`,\nreceived: `{}`\n",
                crate::value::inspect::inspect(v)
            ),
        }
    }
}

fn unique(values: &[Value]) -> bool {
    let set: std::collections::BTreeSet<&Value> = values.iter().collect();
    set.len() == values.len()
}

impl EnumType {
    /// `Ecto.Enum.init(opts)`: `values:` a list of atoms or a keyword list of
    /// atom → string/integer; `embed_as: :values | :dumped`.
    pub fn init(opts: &Value) -> Result<EnumType, EnumInitError> {
        let values = opts.keyword_get("values").cloned().unwrap_or(Value::Nil);
        let list = values.as_list().ok_or(EnumInitError::BadValues)?;
        let (mappings, integer) = if list.iter().all(|v| v.is_atom()) {
            if !unique(list) {
                return Err(EnumInitError::NotUnique);
            }
            let m: Vec<(Atom, Value)> = list.iter().filter_map(|v| v.as_atom().map(|a| (Rc::from(a), Value::str(a)))).collect();
            (m, false)
        } else {
            let kw = values.as_keyword().ok_or(EnumInitError::BadValues)?;
            let vals: Vec<Value> = kw.iter().map(|(_, v)| (*v).clone()).collect();
            let integer = if vals.iter().all(|v| matches!(v, Value::Int(_))) {
                true
            } else if vals.iter().all(|v| v.is_binary()) {
                false
            } else {
                return Err(EnumInitError::BadValues);
            };
            let keys: Vec<Value> = kw.iter().map(|(k, _)| Value::atom(k)).collect();
            if !unique(&keys) || !unique(&vals) {
                return Err(EnumInitError::NotUnique);
            }
            (kw.iter().map(|(k, v)| (Rc::from(*k), (*v).clone())).collect(), integer)
        };
        let embed_dumped = match opts.keyword_get("embed_as") {
            None => false,
            Some(v) => match v.as_atom() {
                Some("values") => false,
                Some("dumped") => true,
                _ => return Err(EnumInitError::BadEmbedAs(v.clone())),
            },
        };
        Ok(EnumType { mappings, integer, embed_dumped })
    }

    /// Reads the params map of `{:parameterized, {Ecto.Enum, params}}`.
    pub fn from_params(params: &Value) -> Option<EnumType> {
        let m = params.as_map()?;
        let mappings = map_get(m, "mappings")?.as_keyword()?;
        let integer = map_get(m, "type").and_then(|t| t.as_atom()) == Some("integer");
        let embed_dumped = map_get(m, "embed_as").and_then(|t| t.as_atom()) == Some("dump");
        Some(EnumType { mappings: mappings.into_iter().map(|(k, v)| (Rc::from(k), v.clone())).collect(), integer, embed_dumped })
    }

    /// The params map as Ecto keeps it:
    /// `%{on_load, on_dump, on_cast, mappings, embed_as, type}`.
    pub fn params_value(&self) -> Value {
        let mut on_load = MapT::new();
        let mut on_dump = MapT::new();
        let mut on_cast = MapT::new();
        for (k, v) in &self.mappings {
            on_load.insert(v.clone(), Value::atom(k));
            on_dump.insert(Value::atom(k), v.clone());
            on_cast.insert(Value::str(k), Value::atom(k));
        }
        let mappings = Value::list(self.mappings.iter().map(|(k, v)| Value::tuple(vec![Value::atom(k), v.clone()])).collect());
        let mut m = MapT::new();
        m.insert(Value::atom("on_load"), Value::map(on_load));
        m.insert(Value::atom("on_dump"), Value::map(on_dump));
        m.insert(Value::atom("on_cast"), Value::map(on_cast));
        m.insert(Value::atom("mappings"), mappings);
        m.insert(Value::atom("embed_as"), Value::atom(if self.embed_dumped { "dump" } else { "self" }));
        m.insert(Value::atom("type"), Value::atom(if self.integer { "integer" } else { "string" }));
        Value::map(m)
    }

    pub fn underlying(&self) -> Type {
        if self.integer {
            Type::Integer
        } else {
            Type::String
        }
    }

    /// The atom for a dumped value (`on_load`).
    pub fn atom_for_dumped(&self, v: &Value) -> Option<&Atom> {
        self.mappings.iter().find(|(_, d)| d == v).map(|(k, _)| k)
    }

    /// The dumped value of an atom (`on_dump`).
    pub fn dumped_for_atom(&self, v: &Value) -> Option<&Value> {
        let a = match v {
            Value::Atom(a) => &**a,
            Value::Nil | Value::Bool(_) => v.as_atom()?,
            _ => return None,
        };
        self.mappings.iter().find(|(k, _)| &**k == a).map(|(_, d)| d)
    }

    /// `Ecto.Enum.cast/2`: the dumped value, the atom itself, or the atom's
    /// name as a string. `None` is the `{:error, validation: :inclusion, ...}` case.
    pub fn cast(&self, v: &Value) -> Option<Value> {
        if let Some(a) = self.atom_for_dumped(v) {
            return Some(Value::atom(a));
        }
        if self.dumped_for_atom(v).is_some() {
            return Some(v.clone());
        }
        if let Some(s) = v.as_str() {
            if let Some((k, _)) = self.mappings.iter().find(|(k, _)| &**k == s) {
                return Some(Value::atom(k));
            }
        }
        None
    }

    /// The `enum:` error metadata: the `on_cast` keys (atom names as strings), sorted.
    pub fn cast_keys(&self) -> Value {
        let mut keys: Vec<Value> = self.mappings.iter().map(|(k, _)| Value::str(k)).collect();
        crate::sort::sort(&mut keys);
        Value::list(keys)
    }

    /// `Ecto.Enum.values/2`
    pub fn values(&self) -> Value {
        Value::list(self.mappings.iter().map(|(k, _)| Value::atom(k)).collect())
    }

    /// `Ecto.Enum.dump_values/2`
    pub fn dump_values(&self) -> Value {
        Value::list(self.mappings.iter().map(|(_, v)| v.clone()).collect())
    }

    /// `Ecto.Enum.mappings/2`
    pub fn mappings_value(&self) -> Value {
        Value::list(self.mappings.iter().map(|(k, v)| Value::tuple(vec![Value::atom(k), v.clone()])).collect())
    }
}
