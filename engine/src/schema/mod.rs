//! Schemas: the model of `Ecto.Schema` modules and the DSL that builds them.
//!
//! A [`Schema`] is what `schema "users" do ... end` (or `embedded_schema`)
//! compiles to in Ecto: the source, primary key, fields with types and
//! column names, associations with Ecto's defaults filled in, embeds and
//! the autogenerate/timestamps configuration. Schemas are registered in the
//! per-run [`SchemaRegistry`] (`interp.ext::<SchemaRegistry>()`), keyed by
//! module name without `Elixir.` (`"Blog.User"`).

pub mod dsl;
pub mod types;

use std::collections::HashMap;
use std::rc::Rc;

use crate::query::expr::Name;
use crate::value::{Atom, Value};

/// A value computed once from what it sits beside (a cache): it never
/// takes part in comparisons.
#[derive(Clone, Debug)]
pub struct Memo<T>(std::cell::OnceCell<T>);

impl<T> Default for Memo<T> {
    fn default() -> Memo<T> {
        Memo(std::cell::OnceCell::new())
    }
}

impl<T> Memo<T> {
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(f)
    }
}

impl<T> PartialEq for Memo<T> {
    fn eq(&self, _: &Memo<T>) -> bool {
        true
    }
}

/// What queries need of a schema's `query_fields`, computed once: the
/// field names and types a whole-source select loads, and their columns.
#[derive(Debug)]
pub struct QueryFields {
    pub shape: Rc<[(String, crate::types::Type)]>,
    pub columns: Vec<Name>,
    /// `source` as a shared name.
    pub table: Option<Name>,
    /// `module` as a shared name.
    pub module: Name,
}

pub use types::{Cardinality, EctoType, Embedded, EnumDump, EnumType};

/// How a field is generated on insert (or update).
#[derive(Clone, Debug, PartialEq)]
pub enum Autogenerate {
    /// `timestamps()`: the current time truncated/precise per the type.
    Timestamp(EctoType),
    /// `autogenerate: {M, f, args}` (or `autogenerate: opts` on a custom type).
    Mfa { module: String, fun: String, args: Vec<Value> },
    /// `autogenerate: true` on a custom/parameterized type: `type.autogenerate()`.
    Type(EctoType),
}

/// When a field may be written (`writable:` option).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writable {
    Always,
    Insert,
    Never,
}

/// One field of a schema (persisted or virtual).
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: EctoType,
    /// The struct default (`default:` option; `[]` for embeds_many, else nil).
    pub default: Value,
    /// The column name (`source:` option, or the field name).
    pub source: String,
    pub virtual_: bool,
    pub primary_key: bool,
    pub read_after_writes: bool,
    pub autogenerate: bool,
    pub redact: bool,
    pub load_in_query: bool,
    pub writable: Writable,
    /// `ty` as a [`crate::types::Type`], computed once.
    pub type_cache: std::cell::OnceCell<crate::types::Type>,
    /// `source` as a shared name, computed once.
    pub col_cache: Memo<Name>,
}

impl Field {
    /// The field's type as `engine::types` works with it (cached).
    pub fn type_(&self) -> crate::types::Type {
        self.type_cache.get_or_init(|| crate::types::Type::from(&self.ty)).clone()
    }

    /// The column (`source`) as a shared name (cached).
    pub fn col(&self) -> &Name {
        self.col_cache.get_or_init(|| Name::from(self.source.as_str()))
    }
}

/// The kind-specific part of an association.
#[derive(Clone, Debug, PartialEq)]
pub enum AssocKind {
    /// `has_one` / `has_many`: `related.related_key == owner.owner_key`.
    Has { on_delete: String },
    /// `belongs_to`: `owner.owner_key (the FK) == related.related_key`.
    BelongsTo,
    /// `many_to_many`.
    ManyToMany {
        join_through: JoinThrough,
        /// `[{join_owner_key, owner_key}, {join_related_key, related_key}]`
        join_keys: [(String, String); 2],
        join_where: Value,
        join_defaults: Value,
        on_delete: String,
        on_join_through_conflict: String,
    },
    /// `has_many/has_one ..., through: [:a, :b]`.
    Through { through: Vec<String> },
}

/// The `join_through:` of a many_to_many.
#[derive(Clone, Debug, PartialEq)]
pub enum JoinThrough {
    Table(String),
    Schema(String),
}

/// An association, with Ecto's defaults resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Assoc {
    pub field: String,
    pub cardinality: Cardinality,
    /// The schema that defines the association.
    pub owner: String,
    /// The associated schema (None for through associations).
    pub related: Option<String>,
    /// A `{source, Schema}` queryable overrides the related schema's source.
    pub related_source: Option<String>,
    pub owner_key: String,
    /// Empty for many_to_many and through associations.
    pub related_key: String,
    pub kind: AssocKind,
    /// `:raise` by default.
    pub on_replace: String,
    /// `where:` keyword list (a Value, `[]` by default).
    pub where_: Value,
    pub defaults: Value,
    pub preload_order: Value,
    pub unique: bool,
}

impl Assoc {
    pub fn is_through(&self) -> bool {
        matches!(self.kind, AssocKind::Through { .. })
    }

    /// The association struct module (`Ecto.Association.Has`, ...).
    pub fn struct_module(&self) -> &'static str {
        match self.kind {
            AssocKind::Has { .. } => "Ecto.Association.Has",
            AssocKind::BelongsTo => "Ecto.Association.BelongsTo",
            AssocKind::ManyToMany { .. } => "Ecto.Association.ManyToMany",
            AssocKind::Through { .. } => "Ecto.Association.HasThrough",
        }
    }

    /// The association as the `%Ecto.Association.*{}` struct Ecto returns
    /// from `__schema__(:association, name)`.
    pub fn to_value(&self) -> Value {
        let atom = |s: &str| Value::atom(s);
        let related = self.related.as_deref().map(Value::module).unwrap_or(Value::Nil);
        let queryable = match (&self.related_source, &self.related) {
            (Some(src), Some(r)) => Value::tuple(vec![Value::str(src), Value::module(r)]),
            _ => related.clone(),
        };
        let card = atom(self.cardinality.as_atom());
        let fields: Vec<(&str, Value)> = match &self.kind {
            AssocKind::Has { on_delete } => vec![
                ("cardinality", card),
                ("field", atom(&self.field)),
                ("owner", Value::module(&self.owner)),
                ("related", related),
                ("owner_key", atom(&self.owner_key)),
                ("related_key", atom(&self.related_key)),
                ("on_cast", Value::Nil),
                ("queryable", queryable),
                ("on_delete", atom(on_delete)),
                ("on_replace", atom(&self.on_replace)),
                ("where", self.where_.clone()),
                ("unique", Value::Bool(self.unique)),
                ("defaults", self.defaults.clone()),
                ("relationship", atom("child")),
                ("preload_order", self.preload_order.clone()),
            ],
            AssocKind::BelongsTo => vec![
                ("field", atom(&self.field)),
                ("owner", Value::module(&self.owner)),
                ("related", related),
                ("owner_key", atom(&self.owner_key)),
                ("related_key", atom(&self.related_key)),
                ("queryable", queryable),
                ("on_cast", Value::Nil),
                ("on_replace", atom(&self.on_replace)),
                ("where", self.where_.clone()),
                ("defaults", self.defaults.clone()),
                ("cardinality", card),
                ("relationship", atom("parent")),
                ("unique", Value::Bool(self.unique)),
            ],
            AssocKind::ManyToMany { join_through, join_keys, join_where, join_defaults, on_delete, on_join_through_conflict } => {
                let jt = match join_through {
                    JoinThrough::Table(t) => Value::str(t),
                    JoinThrough::Schema(s) => Value::module(s),
                };
                let jk = Value::list(join_keys.iter().map(|(a, b)| Value::tuple(vec![atom(a), atom(b)])).collect());
                vec![
                    ("field", atom(&self.field)),
                    ("owner", Value::module(&self.owner)),
                    ("related", related),
                    ("owner_key", atom(&self.owner_key)),
                    ("queryable", queryable),
                    ("on_delete", atom(on_delete)),
                    ("on_replace", atom(&self.on_replace)),
                    ("join_keys", jk),
                    ("join_through", jt),
                    ("on_cast", Value::Nil),
                    ("on_join_through_conflict", atom(on_join_through_conflict)),
                    ("where", self.where_.clone()),
                    ("join_where", join_where.clone()),
                    ("defaults", self.defaults.clone()),
                    ("join_defaults", join_defaults.clone()),
                    ("relationship", atom("child")),
                    ("cardinality", card),
                    ("unique", Value::Bool(self.unique)),
                    ("preload_order", self.preload_order.clone()),
                ]
            }
            AssocKind::Through { through } => vec![
                ("cardinality", card),
                ("field", atom(&self.field)),
                ("owner", Value::module(&self.owner)),
                ("owner_key", atom(&self.owner_key)),
                ("through", Value::list(through.iter().map(|t| atom(t)).collect())),
                ("on_cast", Value::Nil),
                ("relationship", atom("child")),
                ("unique", Value::Bool(true)),
            ],
        };
        types::struct_value(self.struct_module(), fields)
    }
}

/// The schema of one module.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// `Blog.User`
    pub module: String,
    /// The table; `None` for `embedded_schema`.
    pub source: Option<String>,
    /// `@schema_prefix`
    pub prefix: Value,
    /// `@schema_context`
    pub context: Value,
    /// Primary key field names, in order.
    pub primary_key: Vec<String>,
    /// Every field (persisted and virtual) in definition order.
    pub fields: Vec<Field>,
    pub assocs: Vec<Assoc>,
    /// Embed field names in definition order (their types are `EctoType::Embed`).
    pub embeds: Vec<String>,
    /// The struct's fields with defaults, in Ecto's order (`__meta__` first
    /// for `schema`, then fields and association placeholders as defined).
    pub struct_fields: Vec<(Atom, Value)>,
    /// `(field, column, type)` of the autogenerated id primary key.
    pub autogenerate_id: Option<(String, String, EctoType)>,
    /// Fields generated on insert: `(fields, how)`.
    pub autogenerate: Vec<(Vec<String>, Autogenerate)>,
    /// Fields generated on update.
    pub autoupdate: Vec<(Vec<String>, Autogenerate)>,
    pub read_after_writes: Vec<String>,
    pub redact_fields: Vec<String>,
    /// `@derive` values as set (for inspect with `except:`/`only:`).
    pub derive: Vec<Value>,
    /// [`Schema::query_info`], computed once.
    pub query_cache: Memo<Rc<QueryFields>>,
}

impl Schema {
    pub fn is_embedded(&self) -> bool {
        self.source.is_none()
    }

    /// Any field, virtual included.
    pub fn field_any(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// A persisted (non-virtual) field: what `__schema__(:type, name)` knows.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name && !f.virtual_)
    }

    /// `__schema__(:fields)`: persisted field names in order.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().filter(|f| !f.virtual_).map(|f| f.name.as_str())
    }

    /// `__schema__(:query_fields)`: the fields `select: p` loads.
    pub fn query_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| !f.virtual_ && f.load_in_query)
    }

    pub fn virtual_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.virtual_)
    }

    /// `__schema__(:type, name)`
    pub fn type_of(&self, name: &str) -> Option<&EctoType> {
        self.field(name).map(|f| &f.ty)
    }

    /// `__schema__(:field_source, name)`
    pub fn field_source(&self, name: &str) -> Option<&str> {
        self.field(name).map(|f| f.source.as_str())
    }

    /// The names, types and columns of `query_fields` (cached).
    pub fn query_info(&self) -> &Rc<QueryFields> {
        self.query_cache.get_or_init(|| {
            Rc::new(QueryFields {
                shape: self.query_fields().map(|f| (f.name.clone(), f.type_())).collect(),
                columns: self.query_fields().map(|f| f.col().clone()).collect(),
                table: self.source.as_deref().map(Name::from),
                module: Name::from(self.module.as_str()),
            })
        })
    }

    pub fn assoc(&self, name: &str) -> Option<&Assoc> {
        self.assocs.iter().find(|a| a.field == name)
    }

    pub fn embed(&self, name: &str) -> Option<&Embedded> {
        self.field(name).and_then(|f| f.ty.as_embed())
    }

    /// The struct module atom (`Elixir.Blog.User`).
    pub fn module_atom(&self) -> Atom {
        Rc::from(format!("Elixir.{}", self.module).as_str())
    }

    /// A new struct value with defaults (`%Blog.User{}`), meta `state: :built`.
    pub fn new_struct(&self) -> Value {
        Value::Struct(Rc::new(crate::value::Struct { module: self.module_atom(), fields: self.struct_fields.clone() }))
    }

    /// The `%Ecto.Schema.Metadata{}` value for a given state (`built`, `loaded`, `deleted`).
    pub fn meta(&self, state: &str) -> Value {
        metadata(state, self.source.as_deref(), &self.context, &self.module, &self.prefix)
    }
}

/// `%Ecto.Schema.Metadata{state, source, context, schema, prefix}`.
pub fn metadata(state: &str, source: Option<&str>, context: &Value, module: &str, prefix: &Value) -> Value {
    types::struct_value(
        "Ecto.Schema.Metadata",
        vec![
            ("state", Value::atom(state)),
            ("source", source.map(Value::str).unwrap_or(Value::Nil)),
            ("context", context.clone()),
            ("schema", Value::module(module)),
            ("prefix", prefix.clone()),
        ],
    )
}

/// `%Ecto.Association.NotLoaded{__field__, __owner__, __cardinality__}`.
pub fn not_loaded(field: &str, owner: &str, cardinality: Cardinality) -> Value {
    types::struct_value(
        "Ecto.Association.NotLoaded",
        vec![
            ("__field__", Value::atom(field)),
            ("__owner__", Value::module(owner)),
            ("__cardinality__", Value::atom(cardinality.as_atom())),
        ],
    )
}

/// All schemas defined so far in a run, keyed by module name (`"Blog.User"`).
#[derive(Default)]
pub struct SchemaRegistry {
    pub schemas: HashMap<String, Rc<Schema>>,
    /// Schemas being defined (a stack: inline embeds nest).
    pub(crate) building: Vec<dsl::Builder>,
}

impl SchemaRegistry {
    pub fn get(&self, module: &str) -> Option<&Rc<Schema>> {
        self.schemas.get(crate::value::alias_name(module))
    }

    pub fn insert(&mut self, schema: Schema) {
        self.schemas.insert(schema.module.clone(), Rc::new(schema));
    }
}

/// Looks up a schema by module name (with or without `Elixir.`).
pub fn lookup(interp: &mut crate::eval::Interp, module: &str) -> Option<Rc<Schema>> {
    interp.ext::<SchemaRegistry>().get(module).cloned()
}

/// The schema of a module an association points at, or the
/// UndefinedFunctionError Ecto meets calling `__schema__/2` on it.
pub fn require(interp: &mut crate::eval::Interp, module: &str, span: crate::diag::Span) -> crate::eval::EResult<Rc<Schema>> {
    lookup(interp, module).ok_or_else(|| {
        let full = crate::value::Value::module(module);
        crate::eval::Error::raise(
            "UndefinedFunctionError",
            crate::eval::module_not_available(full.as_atom().unwrap_or(module), "__schema__", 2),
            span,
        )
    })
}

thread_local! {
    /// Each schema's table, for `inspect` of queries (which has no interpreter).
    static DEFAULT_SOURCES: std::cell::RefCell<HashMap<String, String>> = std::cell::RefCell::new(HashMap::new());
}

/// The table of a schema module defined in this thread (`Blog.Post` -> `posts`).
pub fn default_source(module: &str) -> Option<String> {
    DEFAULT_SOURCES.with(|m| m.borrow().get(crate::value::alias_name(module)).cloned())
}

pub(crate) fn remember_source(module: &str, source: Option<&str>) {
    if let Some(s) = source {
        DEFAULT_SOURCES.with(|m| m.borrow_mut().insert(module.to_string(), s.to_string()));
    }
}

thread_local! {
    static REDACTED: std::cell::RefCell<HashMap<String, Vec<String>>> = std::cell::RefCell::new(HashMap::new());
}

/// The fields `inspect` leaves out of a schema struct (Ecto derives
/// `Inspect, except: redacted_fields` when a schema redacts fields).
pub fn inspect_except(module: &str) -> Option<Vec<String>> {
    REDACTED.with(|m| m.borrow().get(crate::value::alias_name(module)).cloned())
}

pub(crate) fn remember_redacted(module: &str, fields: &[String]) {
    if !fields.is_empty() {
        REDACTED.with(|m| m.borrow_mut().insert(module.to_string(), fields.to_vec()));
        let d = crate::value::inspect::DerivedInspect { only: None, except: fields.to_vec() };
        crate::value::inspect::set_derived_inspect(module, Some(d));
    }
}

/// Registers the `Ecto.Schema` DSL and reflection functions.
pub fn register(b: &mut crate::eval::Builtins) {
    dsl::register(b);
}

#[cfg(test)]
mod tests;
