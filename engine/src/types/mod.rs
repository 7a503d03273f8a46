//! `Ecto.Type`: the built-in types and their semantics.
//!
//! A type is held as [`Type`], parsed from the Elixir term Ecto uses for it
//! (`:string`, `{:array, :integer}`, `{:parameterized, {Ecto.Enum, params}}`,
//! a custom module atom) with [`Type::from_value`] and turned back into that
//! term with [`Type::to_value`] (error metadata such as `type: :integer`
//! carries the term).
//!
//! * [`cast`] — `Ecto.Type.cast/2` (external input → Elixir value)
//! * [`equal`] / [`include`] — `Ecto.Type.equal?/3` and `include?/3`
//! * [`dump`] / [`load`] — `Ecto.Type.dump/3` and `load/3` (no adapter)
//! * [`adapter`] — what a value becomes on its way to SQLite (ecto_sqlite3)
//!   or Postgres (ecto_sql), and back from a row.
//!
//! Custom types (a module implementing `Ecto.Type`) are called through the
//! interpreter, so most functions take `&mut Interp` and a span.

pub mod adapter;
pub mod cast;
pub mod datetime;
pub mod dump;
pub mod ecto_enum;
pub mod embedded;
pub mod equal;
pub mod json;
pub mod register;
pub mod uuid;

#[cfg(test)]
mod tests;

use std::rc::Rc;

use crate::value::{MapT, Value};

pub use adapter::{adapter_dump, adapter_load, Adapter};
pub use cast::{cast, Cast};
pub use dump::{dump, load};
pub use ecto_enum::EnumType;
pub use equal::{equal, include, term_eq};

/// An Ecto type.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Any,
    Id,
    BinaryId,
    Integer,
    Float,
    Boolean,
    String,
    Binary,
    Bitstring,
    Map,
    Decimal,
    Date,
    Time,
    TimeUsec,
    NaiveDatetime,
    NaiveDatetimeUsec,
    UtcDatetime,
    UtcDatetimeUsec,
    Duration,
    /// `{:array, t}`
    Array(Box<Type>),
    /// `{:map, t}`
    MapOf(Box<Type>),
    /// `{:in, t}` (query parameters of `x in ^list`)
    In(Box<Type>),
    /// `{:try, t}`
    Try(Box<Type>),
    /// `{:supertype, :datetime}`
    SupertypeDatetime,
    /// `{:parameterized, {Ecto.Enum, params}}`
    Enum(Rc<EnumType>),
    /// `Ecto.UUID`
    Uuid,
    /// `{:parameterized, {Ecto.Embedded, %Ecto.Embedded{}}}`: the struct value.
    Embedded(Value),
    /// Another `{:parameterized, {module, params}}` (module without `Elixir.`).
    Parameterized(Rc<str>, Value),
    /// A custom type module (`MyApp.Money`, without `Elixir.`).
    Custom(Rc<str>),
    /// Any other atom: an adapter-level primitive such as `:uuid` (what
    /// `Ecto.UUID.type/0` returns) or `:citext`.
    Other(Rc<str>),
}

const BASE: &[(&str, Type)] = &[
    ("any", Type::Any),
    ("id", Type::Id),
    ("binary_id", Type::BinaryId),
    ("integer", Type::Integer),
    ("float", Type::Float),
    ("boolean", Type::Boolean),
    ("string", Type::String),
    ("binary", Type::Binary),
    ("bitstring", Type::Bitstring),
    ("map", Type::Map),
    ("decimal", Type::Decimal),
    ("date", Type::Date),
    ("time", Type::Time),
    ("time_usec", Type::TimeUsec),
    ("naive_datetime", Type::NaiveDatetime),
    ("naive_datetime_usec", Type::NaiveDatetimeUsec),
    ("utc_datetime", Type::UtcDatetime),
    ("utc_datetime_usec", Type::UtcDatetimeUsec),
    ("duration", Type::Duration),
];

impl Type {
    /// The type for a base type name (`"string"`, `"utc_datetime_usec"`).
    pub fn base(name: &str) -> Option<Type> {
        BASE.iter().find(|(n, _)| *n == name).map(|(_, t)| t.clone())
    }

    /// Parses an Ecto type term. Module atoms that are not built-in types
    /// become [`Type::Custom`]; anything else that is not a type term is `None`.
    pub fn from_value(v: &Value) -> Option<Type> {
        match v {
            Value::Atom(a) => {
                if let Some(t) = Type::base(a) {
                    return Some(t);
                }
                let name = crate::value::alias_name(a);
                if !a.starts_with("Elixir.") {
                    return Some(Type::Other(a.clone()));
                }
                Some(match name {
                    "Ecto.UUID" => Type::Uuid,
                    _ => Type::Custom(Rc::from(name)),
                })
            }
            Value::Tuple(t) if t.len() == 2 => {
                let tag = t[0].as_atom()?;
                match tag {
                    "array" => Some(Type::Array(Box::new(Type::from_value(&t[1])?))),
                    "map" => Some(Type::MapOf(Box::new(Type::from_value(&t[1])?))),
                    "in" => Some(Type::In(Box::new(Type::from_value(&t[1])?))),
                    "try" => Some(Type::Try(Box::new(Type::from_value(&t[1])?))),
                    "supertype" if t[1].as_atom() == Some("datetime") => Some(Type::SupertypeDatetime),
                    "parameterized" => {
                        let inner = t[1].as_tuple()?;
                        if inner.len() != 2 {
                            return None;
                        }
                        let module = crate::value::alias_name(inner[0].as_atom()?);
                        match module {
                            "Ecto.Enum" => Some(match EnumType::from_params(&inner[1]) {
                                Some(e) => Type::Enum(Rc::new(e)),
                                // not Ecto.Enum's params: `Ecto.Enum.cast/2` and others fail on them
                                None => Type::Parameterized(Rc::from(module), inner[1].clone()),
                            }),
                            "Ecto.Embedded" => Some(Type::Embedded(inner[1].clone())),
                            _ => Some(Type::Parameterized(Rc::from(module), inner[1].clone())),
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The Elixir term for this type.
    pub fn to_value(&self) -> Value {
        match self {
            Type::Array(t) => Value::tuple(vec![Value::atom("array"), t.to_value()]),
            Type::MapOf(t) => Value::tuple(vec![Value::atom("map"), t.to_value()]),
            Type::In(t) => Value::tuple(vec![Value::atom("in"), t.to_value()]),
            Type::Try(t) => Value::tuple(vec![Value::atom("try"), t.to_value()]),
            Type::SupertypeDatetime => Value::tuple(vec![Value::atom("supertype"), Value::atom("datetime")]),
            Type::Enum(e) => parameterized("Ecto.Enum", e.params_value()),
            Type::Embedded(v) => parameterized("Ecto.Embedded", v.clone()),
            Type::Parameterized(m, p) => parameterized(m, p.clone()),
            Type::Uuid => Value::module("Ecto.UUID"),
            Type::Custom(m) => Value::module(m),
            Type::Other(a) => Value::atom(a),
            base => Value::atom(base.base_name().unwrap_or("any")),
        }
    }

    /// The atom name of a base type.
    pub fn base_name(&self) -> Option<&'static str> {
        BASE.iter().find(|(_, t)| t == self).map(|(n, _)| *n)
    }

    pub fn is_base(&self) -> bool {
        self.base_name().is_some()
    }

    /// `Ecto.Type.type/1` for built-in types: the underlying primitive type.
    /// Custom types need the interpreter (see [`underlying`]); here they
    /// stay as they are.
    pub fn primitive(&self) -> Type {
        match self {
            Type::Enum(e) => e.underlying(),
            Type::Embedded(_) => Type::MapOf(Box::new(Type::Any)),
            Type::Uuid => Type::Other(Rc::from("uuid")),
            Type::Array(t) => Type::Array(Box::new(t.primitive())),
            Type::MapOf(t) => Type::MapOf(Box::new(t.primitive())),
            Type::Try(t) => t.primitive(),
            other => other.clone(),
        }
    }

    /// Whether this is a date/time type whose microseconds are kept (`_usec`).
    pub fn is_usec(&self) -> bool {
        matches!(self, Type::TimeUsec | Type::NaiveDatetimeUsec | Type::UtcDatetimeUsec)
    }

    /// `Ecto.Type.format/1`, used in error messages.
    pub fn format(&self) -> String {
        match self {
            Type::Enum(e) => {
                let keys: Vec<String> = e.mappings.iter().map(|(k, _)| crate::value::inspect::inspect(&Value::atom(k))).collect();
                format!("#Ecto.Enum<values: [{}]>", keys.join(", "))
            }
            Type::Array(t) => format!("{{:array, {}}}", t.format()),
            Type::MapOf(t) => format!("{{:map, {}}}", t.format()),
            Type::In(t) => format!("{{:in, {}}}", t.format()),
            Type::Parameterized(m, p) => format!("#{}<{}>", m, crate::value::inspect::inspect(p)),
            Type::Embedded(p) => format!("#Ecto.Embedded<{}>", crate::value::inspect::inspect(p)),
            other => crate::value::inspect::inspect(&other.to_value()),
        }
    }
}

impl From<&crate::schema::EctoType> for Type {
    fn from(t: &crate::schema::EctoType) -> Type {
        Type::from_value(&t.to_value()).unwrap_or(Type::Any)
    }
}

fn parameterized(module: &str, params: Value) -> Value {
    Value::tuple(vec![Value::atom("parameterized"), Value::tuple(vec![Value::module(module), params])])
}

/// Looks up an atom key in a map value.
pub(crate) fn map_get<'a>(m: &'a MapT, key: &str) -> Option<&'a Value> {
    m.get(&Value::atom(key))
}

/// `%{year: y, month: m, ...}`-style field access on maps and on the
/// struct-like calendar values.
pub(crate) fn field_of(v: &Value, key: &str) -> Option<Value> {
    match v {
        Value::Map(m) => m.get(&Value::atom(key)).cloned(),
        Value::Struct(s) => s.get(key).cloned(),
        Value::Date(d) => match key {
            "year" => Some(Value::Int(d.year as i64)),
            "month" => Some(Value::Int(d.month as i64)),
            "day" => Some(Value::Int(d.day as i64)),
            "calendar" => Some(Value::module("Calendar.ISO")),
            _ => None,
        },
        Value::Time(t) => time_field(t, key),
        Value::NaiveDateTime(n) => field_of(&Value::Date(n.date), key).or_else(|| time_field(&n.time, key)),
        Value::DateTime(d) => match key {
            "time_zone" => Some(Value::str("Etc/UTC")),
            "zone_abbr" => Some(Value::str("UTC")),
            "utc_offset" | "std_offset" => Some(Value::Int(0)),
            _ => field_of(&Value::NaiveDateTime(d.naive), key),
        },
        _ => None,
    }
}

fn time_field(t: &crate::value::Time, key: &str) -> Option<Value> {
    match key {
        "hour" => Some(Value::Int(t.hour as i64)),
        "minute" => Some(Value::Int(t.minute as i64)),
        "second" => Some(Value::Int(t.second as i64)),
        "microsecond" => Some(Value::tuple(vec![Value::Int(t.micro as i64), Value::Int(t.precision as i64)])),
        "calendar" => Some(Value::module("Calendar.ISO")),
        _ => None,
    }
}

/// Whether a value is a map in Elixir's sense (`is_map/1`), structs and the
/// struct-like built-ins included.
pub(crate) fn is_map_like(v: &Value) -> bool {
    matches!(
        v,
        Value::Map(_)
            | Value::Struct(_)
            | Value::Decimal(_)
            | Value::Date(_)
            | Value::Time(_)
            | Value::NaiveDateTime(_)
            | Value::DateTime(_)
            | Value::Range(..)
            | Value::MapSet(_)
            | Value::Regex(_)
    )
}
