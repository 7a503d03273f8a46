//! Ecto's field types as plain data.
//!
//! [`EctoType`] mirrors the type terms Ecto keeps in a schema: base atoms
//! (`:integer`, `:utc_datetime_usec`, ...), composites (`{:array, t}`,
//! `{:map, t}`), parameterized types (`Ecto.Enum` with its mappings,
//! `Ecto.Embedded`) and custom type modules. Casting, dumping and loading
//! live elsewhere (engine/src/types/); this module only describes types.

use std::rc::Rc;

use crate::value::{alias_name, MapT, Value};

/// A field type.
#[derive(Clone, Debug, PartialEq)]
pub enum EctoType {
    Id,
    BinaryId,
    Integer,
    Float,
    Boolean,
    String,
    Binary,
    Bitstring,
    /// `:map` (any keys and values).
    Map,
    /// `{:map, t}`: a map whose values have type `t`.
    MapOf(Box<EctoType>),
    /// `{:array, t}`
    Array(Box<EctoType>),
    Decimal,
    Date,
    Time,
    TimeUsec,
    NaiveDatetime,
    NaiveDatetimeUsec,
    UtcDatetime,
    UtcDatetimeUsec,
    Duration,
    Any,
    /// `Ecto.UUID` (a custom type over `:uuid`, cast from strings, dumped to 16 bytes).
    Uuid,
    /// `Ecto.Enum` with its mappings.
    Enum(Rc<EnumType>),
    /// `embeds_one` / `embeds_many` (`{:parameterized, {Ecto.Embedded, ...}}`).
    Embed(Rc<Embedded>),
    /// A user module implementing `Ecto.Type` (`type/0`), written without `Elixir.`.
    Custom(String),
    /// A user module implementing `Ecto.ParameterizedType`; `params` is what
    /// its `init/1` returned.
    Parameterized {
        module: String,
        params: Value,
    },
}

/// What an `Ecto.Enum` dumps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnumDump {
    /// `values: [:a, :b]` or `values: [a: "x"]`
    String,
    /// `values: [a: 1, b: 2]`
    Integer,
}

/// The parameters of an `Ecto.Enum` field.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumType {
    /// `(atom, dumped value)` in declaration order; the dumped value is a
    /// `Value::Str` or `Value::Int`.
    pub mappings: Vec<(String, Value)>,
    pub dump: EnumDump,
    /// `embed_as: :values` (false, the default) or `:dumped` (true).
    pub embed_dumped: bool,
}

impl EnumType {
    /// The dumped value of an atom, if it is one of the enum's values.
    pub fn dump_atom(&self, atom: &str) -> Option<&Value> {
        self.mappings.iter().find(|(a, _)| a == atom).map(|(_, v)| v)
    }

    /// The atom for a dumped (database) value.
    pub fn load_value(&self, v: &Value) -> Option<&str> {
        self.mappings.iter().find(|(_, d)| d == v).map(|(a, _)| a.as_str())
    }

    /// The atom for a string given to cast (`"admin"` -> `:admin`).
    pub fn cast_string(&self, s: &str) -> Option<&str> {
        self.mappings.iter().find(|(a, _)| a == s).map(|(a, _)| a.as_str())
    }

    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.mappings.iter().map(|(a, _)| a.as_str())
    }

    /// The `%{on_load, on_dump, on_cast, mappings, embed_as, type}` params map.
    pub fn params_value(&self) -> Value {
        let mut on_load = MapT::new();
        let mut on_dump = MapT::new();
        let mut on_cast = MapT::new();
        for (a, d) in &self.mappings {
            on_load.insert(d.clone(), Value::atom(a));
            on_dump.insert(Value::atom(a), d.clone());
            on_cast.insert(Value::str(a), Value::atom(a));
        }
        let mappings = Value::list(self.mappings.iter().map(|(a, d)| Value::tuple(vec![Value::atom(a), d.clone()])).collect());
        let mut m = MapT::new();
        m.insert(Value::atom("on_load"), Value::map(on_load));
        m.insert(Value::atom("on_dump"), Value::map(on_dump));
        m.insert(Value::atom("on_cast"), Value::map(on_cast));
        m.insert(Value::atom("mappings"), mappings);
        m.insert(Value::atom("embed_as"), Value::atom(if self.embed_dumped { "dump" } else { "self" }));
        m.insert(Value::atom("type"), Value::atom(if self.dump == EnumDump::Integer { "integer" } else { "string" }));
        Value::map(m)
    }
}

/// Cardinality of an association or embed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cardinality {
    One,
    Many,
}

impl Cardinality {
    pub fn as_atom(self) -> &'static str {
        match self {
            Cardinality::One => "one",
            Cardinality::Many => "many",
        }
    }
}

/// The `%Ecto.Embedded{}` parameters of an embed field.
#[derive(Clone, Debug, PartialEq)]
pub struct Embedded {
    pub cardinality: Cardinality,
    pub field: String,
    /// The owner schema module (`Blog.User`).
    pub owner: String,
    /// The embedded schema module (`Blog.Profile`).
    pub related: String,
    /// `:raise` (default), `:mark_as_invalid`, `:delete`, `:update`.
    pub on_replace: String,
}

impl Embedded {
    /// `%Ecto.Embedded{}` as a struct value.
    pub fn to_value(&self) -> Value {
        struct_value(
            "Ecto.Embedded",
            vec![
                ("cardinality", Value::atom(self.cardinality.as_atom())),
                ("field", Value::atom(&self.field)),
                ("owner", Value::module(&self.owner)),
                ("related", Value::module(&self.related)),
                ("on_cast", Value::Nil),
                ("on_replace", Value::atom(&self.on_replace)),
                ("unique", Value::Bool(true)),
                ("ordered", Value::Bool(true)),
            ],
        )
    }
}

/// A struct value from a module name written without `Elixir.`.
pub fn struct_value(module: &str, fields: Vec<(&str, Value)>) -> Value {
    Value::Struct(Rc::new(crate::value::Struct {
        module: Rc::from(format!("Elixir.{module}").as_str()),
        fields: fields.into_iter().map(|(k, v)| (Rc::from(k), v)).collect(),
    }))
}

impl EctoType {
    /// A base type from its atom name (`"integer"`), if it is one.
    pub fn base(name: &str) -> Option<EctoType> {
        Some(match name {
            "id" => EctoType::Id,
            "binary_id" => EctoType::BinaryId,
            "integer" => EctoType::Integer,
            "float" => EctoType::Float,
            "boolean" => EctoType::Boolean,
            "string" => EctoType::String,
            "binary" => EctoType::Binary,
            "bitstring" => EctoType::Bitstring,
            "map" => EctoType::Map,
            "decimal" => EctoType::Decimal,
            "date" => EctoType::Date,
            "time" => EctoType::Time,
            "time_usec" => EctoType::TimeUsec,
            "naive_datetime" => EctoType::NaiveDatetime,
            "naive_datetime_usec" => EctoType::NaiveDatetimeUsec,
            "utc_datetime" => EctoType::UtcDatetime,
            "utc_datetime_usec" => EctoType::UtcDatetimeUsec,
            "duration" => EctoType::Duration,
            "any" => EctoType::Any,
            _ => return None,
        })
    }

    /// The atom name of a base type.
    pub fn base_name(&self) -> Option<&'static str> {
        Some(match self {
            EctoType::Id => "id",
            EctoType::BinaryId => "binary_id",
            EctoType::Integer => "integer",
            EctoType::Float => "float",
            EctoType::Boolean => "boolean",
            EctoType::String => "string",
            EctoType::Binary => "binary",
            EctoType::Bitstring => "bitstring",
            EctoType::Map => "map",
            EctoType::Decimal => "decimal",
            EctoType::Date => "date",
            EctoType::Time => "time",
            EctoType::TimeUsec => "time_usec",
            EctoType::NaiveDatetime => "naive_datetime",
            EctoType::NaiveDatetimeUsec => "naive_datetime_usec",
            EctoType::UtcDatetime => "utc_datetime",
            EctoType::UtcDatetimeUsec => "utc_datetime_usec",
            EctoType::Duration => "duration",
            EctoType::Any => "any",
            _ => return None,
        })
    }

    /// The type term as Ecto stores it (`:string`, `{:array, :integer}`,
    /// `{:parameterized, {Ecto.Enum, %{...}}}`, `MyApp.Type`).
    pub fn to_value(&self) -> Value {
        if let Some(b) = self.base_name() {
            return Value::atom(b);
        }
        match self {
            EctoType::MapOf(t) => Value::tuple(vec![Value::atom("map"), t.to_value()]),
            EctoType::Array(t) => Value::tuple(vec![Value::atom("array"), t.to_value()]),
            EctoType::Uuid => Value::module("Ecto.UUID"),
            EctoType::Enum(e) => parameterized("Ecto.Enum", e.params_value()),
            EctoType::Embed(e) => parameterized("Ecto.Embedded", e.to_value()),
            EctoType::Custom(m) => Value::module(m),
            EctoType::Parameterized { module, params } => parameterized(module, params.clone()),
            _ => Value::Nil,
        }
    }

    /// `Ecto.Type.format/1`: how error messages print a type.
    pub fn format(&self) -> String {
        if let Some(b) = self.base_name() {
            return format!(":{b}");
        }
        match self {
            EctoType::MapOf(t) => format!("{{:map, {}}}", t.format()),
            EctoType::Array(t) => format!("{{:array, {}}}", t.format()),
            EctoType::Uuid => "Ecto.UUID".to_string(),
            EctoType::Enum(e) => {
                let vals: Vec<String> = e.values().map(|v| crate::value::inspect::inspect(&Value::atom(v))).collect();
                format!("#Ecto.Enum<values: [{}]>", vals.join(", "))
            }
            EctoType::Embed(e) => format!("#Ecto.Embedded<{}>", crate::value::inspect::inspect(&e.to_value())),
            EctoType::Custom(m) => m.clone(),
            EctoType::Parameterized { module, params } => format!("#{module}<{}>", crate::value::inspect::inspect(params)),
            _ => String::new(),
        }
    }

    /// The primitive type a value of this type dumps to (`Ecto.Type.type/1`):
    /// Ecto.Enum dumps to `:string` or `:integer`, embeds to `{:map, :any}`/
    /// `{:array, {:map, :any}}`... custom types keep their module.
    pub fn storage(&self) -> EctoType {
        match self {
            EctoType::Enum(e) => {
                if e.dump == EnumDump::Integer {
                    EctoType::Integer
                } else {
                    EctoType::String
                }
            }
            EctoType::Embed(_) => EctoType::MapOf(Box::new(EctoType::Any)),
            EctoType::Uuid => EctoType::Uuid,
            EctoType::Array(t) => EctoType::Array(Box::new(t.storage())),
            EctoType::MapOf(t) => EctoType::MapOf(Box::new(t.storage())),
            other => other.clone(),
        }
    }

    pub fn is_embed(&self) -> bool {
        matches!(self, EctoType::Embed(_))
    }

    /// The embed parameters of an `embeds_one`/`embeds_many` field.
    pub fn as_embed(&self) -> Option<&Embedded> {
        match self {
            EctoType::Embed(e) => Some(e),
            _ => None,
        }
    }

    pub fn as_enum(&self) -> Option<&EnumType> {
        match self {
            EctoType::Enum(e) => Some(e),
            _ => None,
        }
    }

    /// True for `:id`/`:binary_id` (the types an autogenerated primary key may have).
    pub fn is_id(&self) -> bool {
        matches!(self, EctoType::Id | EctoType::BinaryId)
    }
}

fn parameterized(module: &str, params: Value) -> Value {
    Value::tuple(vec![Value::atom("parameterized"), Value::tuple(vec![Value::module(module), params])])
}

/// `inspect/1` of a module atom as Elixir prints it (`Blog.User`).
pub fn module_name(v: &Value) -> Option<&str> {
    match v {
        Value::Atom(a) if a.starts_with("Elixir.") => Some(alias_name(a)),
        _ => None,
    }
}
