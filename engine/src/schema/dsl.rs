//! The `Ecto.Schema` DSL: `schema`, `embedded_schema`, `field`,
//! `timestamps`, `belongs_to`, `has_one`, `has_many`, `many_to_many`,
//! `embeds_one` and `embeds_many`, following `Ecto.Schema`'s rules
//! (defaults, option checks and the ArgumentErrors it raises).
//!
//! The macros evaluate their arguments (Ecto's macros expand to runtime
//! calls of `Ecto.Schema.__field__/4` and friends) and feed a [`Builder`];
//! when the block ends the schema is registered, its struct defined and
//! `__schema__/1,2` and `__changeset__/0` added to the module.

use std::rc::Rc;

use super::types::{Cardinality, EctoType, Embedded, EnumDump, EnumType};
use super::{not_loaded, Assoc, AssocKind, Autogenerate, Field, JoinThrough, Schema, SchemaRegistry, Writable};
use crate::diag::Span;
use crate::eval::{Builtins, EResult, Env, Error, FunClause, Interp};
use crate::syntax::ast::{Clause, Kind, Node};
use crate::value::inspect::inspect;
use crate::value::{alias_name, Atom, MapT, Value};

fn arg_err(msg: impl Into<String>, span: Span) -> Box<Error> {
    Error::raise("ArgumentError", msg, span)
}

/// A schema under construction.
pub struct Builder {
    pub schema: Schema,
    /// `Elixir.Blog.User`
    module_atom: Atom,
    /// `@foreign_key_type`
    foreign_key_type: Value,
    /// `@timestamps_opts`
    timestamps_opts: Value,
    /// `@schema_redact`
    schema_redact: Value,
    /// `@field_source_mapper` (a function of the field name), or nil.
    field_source_mapper: Value,
    /// `@primary_key` as given (tuple) or false.
    primary_key_attr: Value,
}

fn kw_pairs(v: &Value) -> Vec<(String, Value)> {
    v.as_keyword().map(|kw| kw.into_iter().map(|(k, v)| (k.to_string(), v.clone())).collect()).unwrap_or_default()
}

fn kw_get<'a>(opts: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    opts.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// `opts[:key]` treating nil as absent.
fn kw_some<'a>(opts: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    kw_get(opts, key).filter(|v| !matches!(v, Value::Nil))
}

fn truthy(opts: &[(String, Value)], key: &str) -> bool {
    kw_get(opts, key).map(|v| v.is_truthy()).unwrap_or(false)
}

/// `Macro.underscore` of the last part of a module name, plus `_suffix`.
pub fn association_key(module: &str, suffix: &str) -> String {
    let last = alias_name(module).rsplit('.').next().unwrap_or("");
    format!("{}_{suffix}", underscore(last))
}

/// `Macro.underscore/1` for an alias segment (`LineItem` -> `line_item`).
pub fn underscore(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                let prev = chars[i - 1];
                let next_lower = chars.get(i + 1).map(|n| n.is_ascii_lowercase()).unwrap_or(false);
                if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                    out.push('_');
                }
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

const FIELD_OPTS: &[&str] = &[
    "default",
    "source",
    "autogenerate",
    "read_after_writes",
    "virtual",
    "primary_key",
    "load_in_query",
    "redact",
    "foreign_key",
    "on_replace",
    "defaults",
    "type",
    "where",
    "references",
    "skip_default_validation",
    "writable",
    "on_writable_violation",
];

fn check_options(opts: &[(String, Value)], valid: &[&str], fun_arity: &str, span: Span) -> EResult<()> {
    if let Some((k, _)) = opts.iter().find(|(k, _)| !valid.contains(&k.as_str())) {
        return Err(arg_err(format!("invalid option {} for {fun_arity}", inspect(&Value::atom(k))), span));
    }
    Ok(())
}

/// `check_options!/4`: parameterized types accept any option.
fn check_type_options(ty: &EctoType, opts: &[(String, Value)], valid: &[&str], fun_arity: &str, span: Span) -> EResult<()> {
    match ty {
        EctoType::Enum(_) | EctoType::Embed(_) | EctoType::Parameterized { .. } => Ok(()),
        EctoType::Array(t) | EctoType::MapOf(t) => check_type_options(t, opts, valid, fun_arity, span),
        _ => check_options(opts, valid, fun_arity, span),
    }
}

/// Does a user module define `name/arity`?
fn exports(interp: &Interp, module: &str, name: &str, arity: usize) -> bool {
    interp.modules.get(module).map(|m| m.functions.contains_key(&(name.to_string(), arity))).unwrap_or(false)
}

/// `check_field_type!/4`: a type term (Value) to an [`EctoType`].
pub fn check_field_type(
    interp: &mut Interp,
    owner: &str,
    name: &str,
    ty: &Value,
    opts: &[(String, Value)],
    span: Span,
) -> EResult<EctoType> {
    let fname = inspect(&Value::atom(name));
    if ty.as_atom() == Some("datetime") {
        return Err(arg_err(
            format!(
                "invalid type :datetime for field {fname}. You probably meant to choose one between :naive_datetime \
                 (no time zone information) or :utc_datetime (time zone is set to UTC)"
            ),
            span,
        ));
    }
    if let Some([outer, inner]) = ty.as_tuple() {
        return match outer.as_atom() {
            Some("array") => Ok(EctoType::Array(Box::new(check_field_type(interp, owner, name, inner, opts, span)?))),
            Some("map") => Ok(EctoType::MapOf(Box::new(check_field_type(interp, owner, name, inner, opts, span)?))),
            Some("try" | "in" | "param") => check_field_type(interp, owner, name, inner, opts, span),
            _ => Err(arg_err(
                format!(
                    "invalid or unknown composite {} for field {fname}. Did you mean to use :array or :map as first element of the tuple instead?",
                    inspect(ty)
                ),
                span,
            )),
        };
    }
    let Some(atom) = ty.as_atom() else {
        return Err(arg_err(format!("invalid type {} for field {fname}", inspect(ty)), span));
    };
    if let Some(base) = EctoType::base(atom) {
        return Ok(base);
    }
    match atom {
        "Elixir.Ecto.UUID" => return Ok(EctoType::Uuid),
        "Elixir.Ecto.Enum" => return enum_type(opts, span),
        _ => {}
    }
    if atom.starts_with("Elixir.") {
        let module = alias_name(atom).to_string();
        if exports(interp, atom, "type", 0) {
            return Ok(EctoType::Custom(module));
        }
        if exports(interp, atom, "type", 1) {
            let mut init_opts: Vec<Value> = opts
                .iter()
                .filter(|(k, _)| k != "field" && k != "schema")
                .map(|(k, v)| Value::tuple(vec![Value::atom(k), v.clone()]))
                .collect();
            init_opts.push(Value::tuple(vec![Value::atom("field"), Value::atom(name)]));
            init_opts.push(Value::tuple(vec![Value::atom("schema"), Value::module(owner)]));
            // The params are what init/1 returns; the changeset layer calls it
            // lazily when it needs them, keeping the options here.
            return Ok(EctoType::Parameterized { module, params: Value::list(init_opts) });
        }
        if interp.ext::<SchemaRegistry>().get(&module).is_some() {
            return Err(arg_err(
                format!(
                    "schema {module} is not a valid type for field {fname}. Did you mean to use belongs_to, has_one, has_many, embeds_one, or embeds_many instead?"
                ),
                span,
            ));
        }
        if interp.modules.contains_key(atom) {
            return Err(arg_err(
                format!("module {module} given as type for field {fname} is not an Ecto.Type/Ecto.ParameterizedType"),
                span,
            ));
        }
    }
    Err(arg_err(format!("unknown type {} for field {fname}", inspect(ty)), span))
}

/// `Ecto.Enum.init/1`.
pub fn enum_type(opts: &[(String, Value)], span: Span) -> EResult<EctoType> {
    let bad = || {
        arg_err(
            "Ecto.Enum types must have a values option specified as a list of atoms or a\nkeyword list with a mapping from atoms to either integer or string values.\n\nFor example:\n\n    field :my_field, Ecto.Enum, values: [:foo, :bar]\n\nor\n\n    field :my_field, Ecto.Enum, values: [foo: 1, bar: 2, baz: 5]\n",
            span,
        )
    };
    let values = kw_get(opts, "values").and_then(|v| v.as_list()).ok_or_else(bad)?;
    let unique_err = || {
        arg_err(
            "Ecto.Enum type values must be unique.\n\nFor example:\n\n    field :my_field, Ecto.Enum, values: [:foo, :bar, :foo]\n\nis invalid, while\n\n    field :my_field, Ecto.Enum, values: [:foo, :bar, :baz]\n",
            span,
        )
    };
    let (dump, mappings) = if values.iter().all(|v| v.is_atom()) {
        let m: Vec<(String, Value)> = values.iter().filter_map(|v| v.as_atom()).map(|a| (a.to_string(), Value::str(a))).collect();
        (EnumDump::String, m)
    } else {
        let kw = Value::list(values.to_vec());
        let pairs = kw.as_keyword().ok_or_else(bad)?;
        let dump = if !pairs.is_empty() && pairs.iter().all(|(_, v)| matches!(v, Value::Int(_))) {
            EnumDump::Integer
        } else if !pairs.is_empty() && pairs.iter().all(|(_, v)| v.is_binary()) {
            EnumDump::String
        } else {
            return Err(bad());
        };
        let m: Vec<(String, Value)> = pairs.iter().map(|(k, v)| (k.to_string(), (*v).clone())).collect();
        let mut vals: Vec<&Value> = m.iter().map(|(_, v)| v).collect();
        crate::sort::sort(&mut vals);
        vals.dedup();
        if vals.len() != m.len() {
            return Err(unique_err());
        }
        (dump, m)
    };
    let mut keys: Vec<&str> = mappings.iter().map(|(k, _)| k.as_str()).collect();
    crate::sort::sort(&mut keys);
    keys.dedup();
    if keys.len() != mappings.len() {
        return Err(unique_err());
    }
    let embed_dumped = match kw_get(opts, "embed_as").and_then(|v| v.as_atom()) {
        None | Some("values") => false,
        Some("dumped") => true,
        Some(_) => {
            let other = kw_get(opts, "embed_as").cloned().unwrap_or(Value::Nil);
            return Err(arg_err(
                format!("the `:embed_as` option for `Ecto.Enum` accepts either `:values` or `:dumped`,\nreceived: `{}`\n", inspect(&other)),
                span,
            ));
        }
    };
    Ok(EctoType::Enum(Rc::new(EnumType { mappings, dump, embed_dumped })))
}

/// A light version of `Ecto.Type.dump/2` used to validate defaults.
fn default_ok(ty: &EctoType, v: &Value) -> bool {
    if matches!(v, Value::Nil) {
        return true;
    }
    match ty {
        EctoType::Any | EctoType::Custom(_) | EctoType::Parameterized { .. } | EctoType::Embed(_) => true,
        EctoType::Id | EctoType::Integer => matches!(v, Value::Int(_)),
        EctoType::Float => matches!(v, Value::Float(_) | Value::Int(_)),
        EctoType::Boolean => matches!(v, Value::Bool(_)),
        EctoType::String | EctoType::Binary | EctoType::Bitstring => v.is_binary(),
        EctoType::BinaryId | EctoType::Uuid => v.is_binary(),
        EctoType::Map => matches!(v, Value::Map(_) | Value::Struct(_)),
        EctoType::MapOf(t) => match v {
            Value::Map(m) => m.values().all(|x| default_ok(t, x)),
            _ => false,
        },
        EctoType::Array(t) => match v {
            Value::List(l) => l.iter().all(|x| default_ok(t, x)),
            _ => false,
        },
        EctoType::Decimal => matches!(v, Value::Decimal(_) | Value::Int(_) | Value::Float(_)),
        EctoType::Date => matches!(v, Value::Date(_)),
        EctoType::Time | EctoType::TimeUsec => matches!(v, Value::Time(_)),
        EctoType::NaiveDatetime | EctoType::NaiveDatetimeUsec => matches!(v, Value::NaiveDateTime(_)),
        EctoType::UtcDatetime | EctoType::UtcDatetimeUsec => matches!(v, Value::DateTime(_)),
        EctoType::Duration => true,
        EctoType::Enum(e) => v.as_atom().map(|a| e.dump_atom(a).is_some()).unwrap_or(false),
    }
}

impl Builder {
    /// `Ecto.Schema.__schema__/5`: starts a schema for `module_atom`
    /// (`Elixir.Blog.User`), reading the module attributes.
    pub fn begin(interp: &mut Interp, module_atom: &str, source: Option<Value>, meta: bool, span: Span) -> EResult<()> {
        let module = alias_name(module_atom).to_string();
        if interp.ext::<SchemaRegistry>().building.iter().any(|b| b.schema.module == module) {
            return Err(Error::raise("RuntimeError", format!("schema already defined for {module}"), span));
        }
        let attr = |interp: &Interp, name: &str| interp.module_attr(module_atom, name).cloned().unwrap_or(Value::Nil);
        let source_str = match &source {
            Some(Value::Str(s)) => Some(s.to_string()),
            Some(other) if meta => {
                return Err(arg_err(format!("schema source must be a string, got: {}", inspect(other)), span));
            }
            _ => None,
        };
        let prefix = attr(interp, "schema_prefix");
        let context = attr(interp, "schema_context");
        let mut pk_attr = attr(interp, "primary_key");
        if matches!(pk_attr, Value::Nil) {
            let ty = if meta { "id" } else { "binary_id" };
            pk_attr = Value::tuple(vec![Value::atom("id"), Value::atom(ty), Value::keyword(vec![("autogenerate", Value::Bool(true))])]);
        }
        let derive = match attr(interp, "derive") {
            Value::Nil => vec![],
            Value::List(l) => l.to_vec(),
            other => vec![other],
        };
        let mut schema = Schema {
            module: module.clone(),
            source: if meta { source_str } else { None },
            prefix,
            context,
            primary_key: vec![],
            fields: vec![],
            assocs: vec![],
            embeds: vec![],
            struct_fields: vec![],
            autogenerate_id: None,
            autogenerate: vec![],
            autoupdate: vec![],
            read_after_writes: vec![],
            redact_fields: vec![],
            derive,
            query_cache: Default::default(),
        };
        if meta {
            let m = schema.meta("built");
            schema.struct_fields.push((Rc::from("__meta__"), m));
        }
        let builder = Builder {
            schema,
            module_atom: Rc::from(module_atom),
            foreign_key_type: attr(interp, "foreign_key_type"),
            timestamps_opts: attr(interp, "timestamps_opts"),
            schema_redact: attr(interp, "schema_redact"),
            field_source_mapper: attr(interp, "field_source_mapper"),
            primary_key_attr: pk_attr.clone(),
        };
        interp.ext::<SchemaRegistry>().building.push(builder);
        match &pk_attr {
            Value::Bool(false) => Ok(()),
            Value::Tuple(t) if t.len() == 3 => {
                let mut opts = vec![Value::tuple(vec![Value::atom("primary_key"), Value::Bool(true)])];
                opts.extend(t[2].as_list().unwrap_or(&[]).iter().cloned());
                let name = t[0].as_atom().unwrap_or("id").to_string();
                with_builder(interp, span, |interp, b| b.field(interp, &name, &t[1], &Value::list(opts.clone()), span))
            }
            _ => Err(arg_err("@primary_key must be false or {name, type, opts}", span)),
        }
    }

    fn put_struct_field(&mut self, name: &str, value: Value, span: Span) -> EResult<()> {
        if self.schema.struct_fields.iter().any(|(k, _)| &**k == name) {
            return Err(arg_err(
                format!(
                    "field/association {} already exists on schema, you must either remove the duplication or choose a different name",
                    inspect(&Value::atom(name))
                ),
                span,
            ));
        }
        self.schema.struct_fields.push((Rc::from(name), value));
        Ok(())
    }

    /// `Ecto.Schema.__field__/4`.
    pub fn field(&mut self, interp: &mut Interp, name: &str, ty: &Value, opts: &Value, span: Span) -> EResult<()> {
        let opts = kw_pairs(opts);
        let ty = check_field_type(interp, &self.schema.module, name, ty, &opts, span)?;
        if ty == EctoType::Any && !truthy(&opts, "virtual") && self.schema.source.is_some() {
            return Err(arg_err(
                format!("only virtual fields can have type :any, invalid type for field {}", inspect(&Value::atom(name))),
                span,
            ));
        }
        check_type_options(&ty, &opts, FIELD_OPTS, "field/3", span)?;
        if !truthy(&opts, "skip_default_validation") {
            if let Some(d) = kw_get(&opts, "default") {
                if !default_ok(&ty, d) {
                    return Err(arg_err(format!("value {} is invalid for type {}, can't set default", inspect(d), ty.format()), span));
                }
            }
        }
        let opts = self.map_source(interp, name, opts, span)?;
        self.define_field(name, ty, &opts, span)
    }

    /// Adds the `:source` that `@field_source_mapper` gives for `name`
    /// when the options have none (`Ecto.Schema.__field__/4`).
    fn map_source(&self, interp: &mut Interp, name: &str, mut opts: Vec<(String, Value)>, span: Span) -> EResult<Vec<(String, Value)>> {
        if matches!(self.field_source_mapper, Value::Nil) || truthy(&opts, "virtual") || kw_some(&opts, "source").is_some() {
            return Ok(opts);
        }
        let mapped = interp.apply(&self.field_source_mapper, vec![Value::atom(name)], span)?;
        if mapped.as_atom() != Some(name) {
            opts.retain(|(k, _)| k != "source");
            opts.push(("source".into(), mapped));
        }
        Ok(opts)
    }

    fn define_field(&mut self, name: &str, ty: EctoType, opts: &[(String, Value)], span: Span) -> EResult<()> {
        let virtual_ = truthy(opts, "virtual");
        let pk = truthy(opts, "primary_key");
        let writable = match kw_get(opts, "writable").and_then(|v| v.as_atom()) {
            Some("insert") => Writable::Insert,
            Some("never") => Writable::Never,
            _ => Writable::Always,
        };
        let default = kw_get(opts, "default").cloned().unwrap_or(Value::Nil);
        self.put_struct_field(name, default.clone(), span)?;
        let redact = match kw_get(opts, "redact") {
            Some(v) => v.is_truthy(),
            None => self.schema_redact.as_atom() == Some("all_except_primary_keys") && !pk,
        };
        if redact {
            self.schema.redact_fields.push(name.to_string());
        }
        let mut field = Field {
            name: name.to_string(),
            ty: ty.clone(),
            default,
            source: name.to_string(),
            virtual_,
            primary_key: pk,
            read_after_writes: false,
            autogenerate: false,
            redact,
            load_in_query: kw_get(opts, "load_in_query").map(|v| v.is_truthy()).unwrap_or(true),
            writable,
            type_cache: std::cell::OnceCell::new(),
            col_cache: Default::default(),
        };
        if !virtual_ {
            if let Some(src) = kw_some(opts, "source") {
                match src.as_atom() {
                    Some(a) => field.source = a.to_string(),
                    None => {
                        return Err(arg_err(format!("the :source for field `{name}` must be an atom, got: {}", inspect(src)), span));
                    }
                }
            }
            let raw = truthy(opts, "read_after_writes");
            if raw {
                field.read_after_writes = true;
                self.schema.read_after_writes.push(name.to_string());
            }
            let gen = kw_some(opts, "autogenerate").filter(|v| !matches!(v, Value::Bool(false)));
            if let Some(gen) = gen {
                field.autogenerate = true;
                match gen {
                    Value::Tuple(t) if t.len() == 3 => {
                        if ty.is_id() {
                            return Err(arg_err(":autogenerate with {m, f, a} not supported by ID types", span));
                        }
                        let module = t[0].as_atom().map(|a| alias_name(a).to_string()).unwrap_or_default();
                        let fun = t[1].as_atom().unwrap_or("").to_string();
                        let args = t[2].as_list().map(|l| l.to_vec()).unwrap_or_default();
                        self.schema.autogenerate.push((vec![name.to_string()], Autogenerate::Mfa { module, fun, args }));
                    }
                    Value::List(l) => {
                        let module = match &ty {
                            EctoType::Custom(m) | EctoType::Parameterized { module: m, .. } => m.clone(),
                            other => other.format(),
                        };
                        self.schema.autogenerate.push((
                            vec![name.to_string()],
                            Autogenerate::Mfa { module, fun: "autogenerate".into(), args: vec![Value::List(l.clone())] },
                        ));
                    }
                    _ => {
                        if ty.is_id() {
                            if !pk {
                                return Err(arg_err(
                                    format!(
                                        "only primary keys allow :autogenerate for type {}, field {} is not a primary key",
                                        ty.format(),
                                        inspect(&Value::atom(name))
                                    ),
                                    span,
                                ));
                            }
                            if self.schema.autogenerate_id.is_some() {
                                return Err(arg_err("only one primary key with ID type may be marked as autogenerated", span));
                            }
                            self.schema.autogenerate_id = Some((name.to_string(), field.source.clone(), ty.clone()));
                        } else {
                            match &ty {
                                EctoType::Uuid | EctoType::Custom(_) | EctoType::Parameterized { .. } => {
                                    self.schema.autogenerate.push((vec![name.to_string()], Autogenerate::Type(ty.clone())));
                                }
                                _ => {
                                    return Err(arg_err(
                                        format!(
                                            "field {} does not support :autogenerate because it uses a primitive type {}",
                                            inspect(&Value::atom(name)),
                                            ty.format()
                                        ),
                                        span,
                                    ));
                                }
                            }
                        }
                    }
                }
                if raw {
                    return Err(arg_err("cannot mark the same field as autogenerate and read_after_writes", span));
                }
                if writable != Writable::Always {
                    return Err(arg_err("autogenerated fields must always be writable", span));
                }
            }
            if pk {
                self.schema.primary_key.push(name.to_string());
            }
        }
        self.schema.fields.push(field);
        Ok(())
    }

    /// `Ecto.Schema.__define_timestamps__/2`.
    pub fn timestamps(&mut self, interp: &mut Interp, opts: &Value, span: Span) -> EResult<()> {
        let mut merged = kw_pairs(&self.timestamps_opts);
        for (k, v) in kw_pairs(opts) {
            merged.retain(|(mk, _)| mk != &k);
            merged.push((k, v));
        }
        let ty_val = kw_get(&merged, "type").cloned().unwrap_or(Value::atom("naive_datetime"));
        let ty = check_field_type(interp, &self.schema.module, "inserted_at", &ty_val, &[], span)?;
        let autogen = match kw_some(&merged, "autogenerate") {
            Some(Value::Tuple(t)) if t.len() == 3 => Autogenerate::Mfa {
                module: t[0].as_atom().map(|a| alias_name(a).to_string()).unwrap_or_default(),
                fun: t[1].as_atom().unwrap_or("").to_string(),
                args: t[2].as_list().map(|l| l.to_vec()).unwrap_or_default(),
            },
            _ => Autogenerate::Timestamp(ty.clone()),
        };
        let name_opt = |key: &str| match kw_get(&merged, key) {
            None => Some(key.to_string()),
            Some(v) if !v.is_truthy() => None,
            Some(v) => v.as_atom().map(|a| a.to_string()),
        };
        let inserted_at = name_opt("inserted_at");
        let updated_at = name_opt("updated_at");
        if let Some(ins) = &inserted_at {
            let mut o: Vec<(&str, Value)> = vec![];
            if let Some(src) = kw_some(&merged, "inserted_at_source") {
                o.push(("source", src.clone()));
            }
            if let Some(w) = kw_some(&merged, "inserted_at_writable") {
                if w.as_atom() == Some("never") {
                    return Err(arg_err(
                        ":inserted_at_writable option cannot be set to :never as `inserted_at` will never be populated",
                        span,
                    ));
                }
                o.push(("writable", w.clone()));
            }
            if let Some(w) = kw_some(&merged, "inserted_at_on_writable_violation") {
                o.push(("on_writable_violation", w.clone()));
            }
            self.field(interp, ins, &ty_val, &Value::keyword(o), span)?;
        }
        if let Some(upd) = &updated_at {
            let mut o: Vec<(&str, Value)> = vec![];
            if let Some(src) = kw_some(&merged, "updated_at_source") {
                o.push(("source", src.clone()));
            }
            self.field(interp, upd, &ty_val, &Value::keyword(o), span)?;
            self.schema.autoupdate.push((vec![upd.clone()], autogen.clone()));
        }
        let fields: Vec<String> = [inserted_at, updated_at].into_iter().flatten().collect();
        if !fields.is_empty() {
            self.schema.autogenerate.push((fields, autogen));
        }
        Ok(())
    }

    fn related_from_queryable(&self, queryable: &Value, name: &str, span: Span) -> EResult<(String, Option<String>)> {
        match queryable {
            Value::Atom(a) if a.starts_with("Elixir.") => Ok((alias_name(a).to_string(), None)),
            Value::Tuple(t) if t.len() == 2 && t[0].is_binary() && t[1].is_atom() => {
                let schema = t[1].as_atom().map(|a| alias_name(a).to_string()).unwrap_or_default();
                Ok((schema, t[0].as_str().map(|s| s.to_string())))
            }
            Value::Atom(a) => Ok((a.to_string(), None)),
            other => Err(arg_err(
                format!(
                    "association {} queryable must be a schema or a {{source, schema}}. got: {}",
                    inspect(&Value::atom(name)),
                    inspect(other)
                ),
                span,
            )),
        }
    }

    fn add_assoc(&mut self, assoc: Assoc, span: Span) -> EResult<()> {
        let nl = not_loaded(&assoc.field, &self.schema.module, assoc.cardinality);
        self.put_struct_field(&assoc.field, nl, span)?;
        self.schema.assocs.push(assoc);
        Ok(())
    }

    fn has_field(&self, name: &str) -> bool {
        self.schema.field(name).is_some()
    }

    fn validate_where(name: &str, opts: &[(String, Value)], key: &str, span: Span) -> EResult<Value> {
        match kw_some(opts, key) {
            None => Ok(Value::list(vec![])),
            Some(v @ Value::List(_)) => Ok(v.clone()),
            Some(v) => Err(arg_err(
                format!("expected `:{key}` for {} to be a keyword list, got: `{}`", inspect(&Value::atom(name)), inspect(v)),
                span,
            )),
        }
    }

    fn defaults(&self, opts: &[(String, Value)], key: &str) -> Value {
        match kw_some(opts, key) {
            None => Value::list(vec![]),
            Some(Value::Atom(f)) => Value::tuple(vec![Value::module(&self.schema.module), Value::Atom(f.clone()), Value::list(vec![])]),
            Some(v) => v.clone(),
        }
    }

    fn preload_order(name: &str, opts: &[(String, Value)], span: Span) -> EResult<Value> {
        match kw_some(opts, "preload_order") {
            None => Ok(Value::list(vec![])),
            Some(v @ Value::List(_)) => Ok(v.clone()),
            Some(v @ Value::Tuple(_)) => Ok(v.clone()),
            Some(v) => Err(arg_err(
                format!(
                    "expected `:preload_order` for {} to be a keyword list or a list of atoms/fields, got: `{}`",
                    inspect(&Value::atom(name)),
                    inspect(v)
                ),
                span,
            )),
        }
    }

    /// `has_many`/`has_one` (`cardinality`), including `through:`.
    pub fn has(&mut self, name: &str, cardinality: Cardinality, queryable: &Value, opts: &Value, span: Span) -> EResult<()> {
        let fun = if cardinality == Cardinality::One { "has_one/3" } else { "has_many/3" };
        let mut valid = vec!["foreign_key", "references", "through", "on_delete", "defaults", "on_replace", "where"];
        if cardinality == Cardinality::Many {
            valid.push("preload_order");
        }
        if let Some(through_opts) = queryable.as_keyword().filter(|kw| kw.iter().any(|(k, _)| *k == "through")) {
            let through_opts: Vec<(String, Value)> = through_opts.into_iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
            check_options(&through_opts, &valid, fun, span)?;
            let through: Vec<String> = kw_get(&through_opts, "through")
                .and_then(|v| v.as_list())
                .map(|l| l.iter().filter_map(|x| x.as_atom().map(|a| a.to_string())).collect())
                .unwrap_or_default();
            if through.len() < 2 {
                return Err(arg_err(
                    format!(
                        ":through expects a list with at least two entries: the association in the current module and one step through, got: {}",
                        inspect(kw_get(&through_opts, "through").unwrap_or(&Value::Nil))
                    ),
                    span,
                ));
            }
            let Some(first) = self.schema.assoc(&through[0]) else {
                return Err(arg_err(
                    format!(
                        "schema does not have the association {} used by association {}, please ensure the association exists and is defined before the :through one",
                        inspect(&Value::atom(&through[0])),
                        inspect(&Value::atom(name))
                    ),
                    span,
                ));
            };
            let owner_key = first.owner_key.clone();
            let assoc = Assoc {
                field: name.to_string(),
                cardinality,
                owner: self.schema.module.clone(),
                related: None,
                related_source: None,
                owner_key,
                related_key: String::new(),
                kind: AssocKind::Through { through },
                on_replace: "raise".into(),
                where_: Value::list(vec![]),
                defaults: Value::list(vec![]),
                preload_order: Value::list(vec![]),
                unique: true,
            };
            return self.add_assoc(assoc, span);
        }
        let opts = kw_pairs(opts);
        check_options(&opts, &valid, fun, span)?;
        let (related, related_source) = self.related_from_queryable(queryable, name, span)?;
        let ref_ = match kw_some(&opts, "references").and_then(|v| v.as_atom()) {
            Some(r) => r.to_string(),
            None => match &self.primary_key_attr {
                Value::Tuple(t) if t.len() == 3 => t[0].as_atom().unwrap_or("id").to_string(),
                _ => {
                    return Err(arg_err(
                        format!(
                            "need to set :references option for association {} when schema has no primary key",
                            inspect(&Value::atom(name))
                        ),
                        span,
                    ))
                }
            },
        };
        if !self.has_field(&ref_) {
            return Err(arg_err(
                format!(
                    "schema does not have the field {} used by association {}, please set the :references option accordingly",
                    inspect(&Value::atom(&ref_)),
                    inspect(&Value::atom(name))
                ),
                span,
            ));
        }
        if kw_some(&opts, "through").is_some() {
            return Err(arg_err(
                format!(
                    "invalid association {}. When using the :through option, the schema should not be passed as second argument",
                    inspect(&Value::atom(name))
                ),
                span,
            ));
        }
        let on_delete = kw_some(&opts, "on_delete").and_then(|v| v.as_atom()).unwrap_or("nothing").to_string();
        if !["nothing", "nilify_all", "delete_all"].contains(&on_delete.as_str()) {
            return Err(arg_err(
                format!(
                    "invalid :on_delete option for {}. The only valid options are: `:nothing`, `:nilify_all`, `:delete_all`",
                    inspect(&Value::atom(name))
                ),
                span,
            ));
        }
        let on_replace = kw_some(&opts, "on_replace").and_then(|v| v.as_atom()).unwrap_or("raise").to_string();
        let mut allowed = vec!["raise", "mark_as_invalid", "delete", "delete_if_exists", "nilify"];
        if cardinality == Cardinality::One {
            allowed.push("update");
        }
        if !allowed.contains(&on_replace.as_str()) {
            return Err(arg_err(
                format!(
                    "invalid `:on_replace` option for {}. The only valid options are: `:raise`, `:mark_as_invalid`, `:delete`, `:delete_if_exists`, `:nilify`",
                    inspect(&Value::atom(name))
                ),
                span,
            ));
        }
        let defaults = self.defaults(&opts, "defaults");
        let preload_order = Self::preload_order(name, &opts, span)?;
        let where_ = Self::validate_where(name, &opts, "where", span)?;
        let related_key = match kw_some(&opts, "foreign_key").and_then(|v| v.as_atom()) {
            Some(fk) => fk.to_string(),
            None => association_key(&self.schema.module, &ref_),
        };
        let assoc = Assoc {
            field: name.to_string(),
            cardinality,
            owner: self.schema.module.clone(),
            related: Some(related),
            related_source,
            owner_key: ref_,
            related_key,
            kind: AssocKind::Has { on_delete },
            on_replace,
            where_,
            defaults,
            preload_order,
            unique: true,
        };
        self.add_assoc(assoc, span)
    }

    /// `Ecto.Schema.__belongs_to__/4`.
    pub fn belongs_to(&mut self, interp: &mut Interp, name: &str, queryable: &Value, opts: &Value, span: Span) -> EResult<()> {
        let mut opts = kw_pairs(opts);
        if kw_get(&opts, "foreign_key").is_none() {
            opts.insert(0, ("foreign_key".into(), Value::atom(&format!("{name}_id"))));
        }
        let fk = kw_get(&opts, "foreign_key").and_then(|v| v.as_atom()).unwrap_or("").to_string();
        let fk_type_val = match kw_some(&opts, "type") {
            Some(t) => t.clone(),
            None => match &self.foreign_key_type {
                Value::Nil => Value::atom("id"),
                t => t.clone(),
            },
        };
        let fk_type = check_field_type(interp, &self.schema.module, name, &fk_type_val, &opts, span)?;
        let valid = ["foreign_key", "references", "define_field", "type", "on_replace", "defaults", "primary_key", "source", "where"];
        check_type_options(&fk_type, &opts, &valid, "belongs_to/3", span)?;
        if fk == name {
            return Err(arg_err(
                format!("foreign_key {} must be distinct from corresponding association name", inspect(&Value::atom(name))),
                span,
            ));
        }
        if kw_get(&opts, "define_field").map(|v| v.is_truthy()).unwrap_or(true) {
            let opts = self.map_source(interp, &fk, opts.clone(), span)?;
            self.define_field(&fk, fk_type, &opts, span)?;
        }
        let (related, related_source) = self.related_from_queryable(queryable, name, span)?;
        let on_replace = kw_some(&opts, "on_replace").and_then(|v| v.as_atom()).unwrap_or("raise").to_string();
        if !["raise", "mark_as_invalid", "delete", "delete_if_exists", "nilify", "update"].contains(&on_replace.as_str()) {
            return Err(arg_err(
                format!(
                    "invalid `:on_replace` option for {}. The only valid options are: `:raise`, `:mark_as_invalid`, `:delete`, `:delete_if_exists`, `:nilify`, `:update`",
                    inspect(&Value::atom(name))
                ),
                span,
            ));
        }
        let ref_ = kw_some(&opts, "references").and_then(|v| v.as_atom()).unwrap_or("id").to_string();
        let assoc = Assoc {
            field: name.to_string(),
            cardinality: Cardinality::One,
            owner: self.schema.module.clone(),
            related: Some(related),
            related_source,
            owner_key: fk,
            related_key: ref_,
            kind: AssocKind::BelongsTo,
            on_replace,
            where_: Self::validate_where(name, &opts, "where", span)?,
            defaults: self.defaults(&opts, "defaults"),
            preload_order: Value::list(vec![]),
            unique: true,
        };
        self.add_assoc(assoc, span)
    }

    /// `Ecto.Schema.__many_to_many__/4`.
    pub fn many_to_many(&mut self, name: &str, queryable: &Value, opts: &Value, span: Span) -> EResult<()> {
        let opts = kw_pairs(opts);
        let valid = [
            "join_through",
            "join_defaults",
            "join_keys",
            "on_delete",
            "defaults",
            "on_replace",
            "on_join_through_conflict",
            "unique",
            "where",
            "join_where",
            "preload_order",
        ];
        check_options(&opts, &valid, "many_to_many/3", span)?;
        let (related, related_source) = self.related_from_queryable(queryable, name, span)?;
        let iname = inspect(&Value::atom(name));
        let join_through = match kw_get(&opts, "join_through") {
            Some(Value::Str(s)) => JoinThrough::Table(s.to_string()),
            Some(Value::Atom(a)) if a.starts_with("Elixir.") => JoinThrough::Schema(alias_name(a).to_string()),
            _ => {
                return Err(arg_err(
                    format!("many_to_many {iname} expect :join_through to be given and it must be a schema or a string"),
                    span,
                ))
            }
        };
        let on_jtc = kw_some(&opts, "on_join_through_conflict").and_then(|v| v.as_atom()).unwrap_or("raise").to_string();
        if on_jtc != "raise" && on_jtc != "nothing" {
            return Err(arg_err(
                format!("invalid `:on_join_through_conflict` option for {iname}. The only valid options are: `:raise`, `:nothing`"),
                span,
            ));
        }
        let default_keys =
            || [(association_key(&self.schema.module, "id"), "id".to_string()), (association_key(&related, "id"), "id".to_string())];
        let (owner_key, join_keys) = match kw_some(&opts, "join_keys") {
            None => ("id".to_string(), default_keys()),
            Some(v) => match v.as_keyword() {
                Some(kw) if kw.len() == 2 && kw.iter().all(|(_, x)| x.is_atom()) => {
                    let a = (kw[0].0.to_string(), kw[0].1.as_atom().unwrap_or("").to_string());
                    let b = (kw[1].0.to_string(), kw[1].1.as_atom().unwrap_or("").to_string());
                    (a.1.clone(), [a, b])
                }
                _ => {
                    let d = default_keys();
                    return Err(arg_err(
                        format!(
                            "many_to_many {iname} expect :join_keys to be a keyword list with two entries, the first being how the join table should reach the current schema and the second how the join table should reach the associated schema. For example: [{}: :id, {}: :id]",
                            d[0].0, d[1].0
                        ),
                        span,
                    ));
                }
            },
        };
        if !self.has_field(&owner_key) {
            return Err(arg_err(
                format!(
                    "schema does not have the field {} used by association {iname}, please set the :join_keys option accordingly",
                    inspect(&Value::atom(&owner_key))
                ),
                span,
            ));
        }
        let on_delete = kw_some(&opts, "on_delete").and_then(|v| v.as_atom()).unwrap_or("nothing").to_string();
        if on_delete != "nothing" && on_delete != "delete_all" {
            return Err(arg_err(
                format!("invalid :on_delete option for {iname}. The only valid options are: `:nothing`, `:delete_all`"),
                span,
            ));
        }
        let on_replace = kw_some(&opts, "on_replace").and_then(|v| v.as_atom()).unwrap_or("raise").to_string();
        if !["raise", "mark_as_invalid", "delete"].contains(&on_replace.as_str()) {
            return Err(arg_err(
                format!("invalid `:on_replace` option for {iname}. The only valid options are: `:raise`, `:mark_as_invalid`, `:delete`"),
                span,
            ));
        }
        let where_ = Self::validate_where(name, &opts, "where", span)?;
        let join_where = Self::validate_where(name, &opts, "join_where", span)?;
        if kw_some(&opts, "join_defaults").is_some() && matches!(join_through, JoinThrough::Table(_)) {
            return Err(arg_err(":join_defaults has no effect for a :join_through without a schema", span));
        }
        let assoc = Assoc {
            field: name.to_string(),
            cardinality: Cardinality::Many,
            owner: self.schema.module.clone(),
            related: Some(related),
            related_source,
            owner_key,
            related_key: String::new(),
            kind: AssocKind::ManyToMany {
                join_through,
                join_keys,
                join_where,
                join_defaults: self.defaults(&opts, "join_defaults"),
                on_delete,
                on_join_through_conflict: on_jtc,
            },
            on_replace,
            where_,
            defaults: self.defaults(&opts, "defaults"),
            preload_order: Self::preload_order(name, &opts, span)?,
            unique: kw_get(&opts, "unique").map(|v| v.is_truthy()).unwrap_or(false),
        };
        self.add_assoc(assoc, span)
    }

    /// `embeds_one` / `embeds_many`.
    pub fn embed(
        &mut self,
        interp: &mut Interp,
        name: &str,
        cardinality: Cardinality,
        schema: &Value,
        opts: &Value,
        span: Span,
    ) -> EResult<()> {
        let fun = if cardinality == Cardinality::One { "embeds_one/3" } else { "embeds_many/3" };
        let Some(related) = schema.as_atom().filter(|a| a.starts_with("Elixir.")).map(|a| alias_name(a).to_string()) else {
            return Err(arg_err(format!("`{fun}` expects `schema` to be a module name, but received {}", inspect(schema)), span));
        };
        let mut opts = kw_pairs(opts);
        let valid: &[&str] = if cardinality == Cardinality::One {
            &["on_replace", "source", "load_in_query", "defaults_to_struct"]
        } else {
            &["on_replace", "source", "load_in_query"]
        };
        check_options(&opts, valid, fun, span)?;
        if cardinality == Cardinality::Many {
            opts.retain(|(k, _)| k != "default");
            opts.push(("default".into(), Value::list(vec![])));
        }
        let on_replace = kw_some(&opts, "on_replace").and_then(|v| v.as_atom()).unwrap_or("raise").to_string();
        let allowed: &[&str] = if cardinality == Cardinality::One {
            &["raise", "mark_as_invalid", "delete", "update"]
        } else {
            &["raise", "mark_as_invalid", "delete"]
        };
        if !allowed.contains(&on_replace.as_str()) {
            let list: Vec<String> = allowed.iter().map(|a| format!("`:{a}`")).collect();
            return Err(arg_err(
                format!(
                    "invalid `:on_replace` option for {}. The only valid options are: {}",
                    inspect(&Value::atom(name)),
                    list.join(", ")
                ),
                span,
            ));
        }
        let embedded = Embedded { cardinality, field: name.to_string(), owner: self.schema.module.clone(), related, on_replace };
        self.schema.embeds.push(name.to_string());
        let opts = self.map_source(interp, name, opts, span)?;
        self.define_field(name, EctoType::Embed(Rc::new(embedded)), &opts, span)
    }

    fn finish(self) -> Schema {
        self.schema
    }
}

/// Runs `f` on the innermost schema being built.
pub fn with_builder<T>(interp: &mut Interp, span: Span, f: impl FnOnce(&mut Interp, &mut Builder) -> EResult<T>) -> EResult<T> {
    let Some(mut b) = interp.ext::<SchemaRegistry>().building.pop() else {
        return Err(Error::raise("CompileError", "Ecto.Schema macros must be used inside a schema or embedded_schema block", span));
    };
    let r = f(interp, &mut b);
    interp.ext::<SchemaRegistry>().building.push(b);
    r
}

/// Ends the innermost schema: registers it, defines its struct and its
/// `__schema__`/`__changeset__` reflection functions.
pub fn end_schema(interp: &mut Interp, span: Span) -> EResult<Rc<Schema>> {
    let Some(b) = interp.ext::<SchemaRegistry>().building.pop() else {
        return Err(Error::raise("CompileError", "no schema is being defined", span));
    };
    let module_atom = b.module_atom.clone();
    let schema = b.finish();
    let schema = Rc::new(schema);
    interp.ext::<SchemaRegistry>().schemas.insert(schema.module.clone(), schema.clone());
    super::remember_source(&schema.module, schema.source.as_deref());
    let derives_inspect = schema.derive.iter().any(|d| match d {
        Value::Atom(a) => alias_name(a) == "Inspect",
        Value::Tuple(t) => t.first().and_then(|x| x.as_atom()).map(|a| alias_name(a) == "Inspect").unwrap_or(false),
        _ => false,
    });
    let derive_attr = interp.module_attr(&module_atom, "derive_inspect_for_redacted_fields").cloned();
    if !derives_inspect && !matches!(derive_attr, Some(Value::Bool(false))) {
        super::remember_redacted(&schema.module, &schema.redact_fields);
    }
    interp.structs.insert(module_atom.clone(), Rc::new(schema.struct_fields.clone()));
    define_reflection(interp, &module_atom, span);
    Ok(schema)
}

/// Adds `__schema__/1`, `__schema__/2` and `__changeset__/0` to the module,
/// each calling `Ecto.Schema.__schema_info__/2,3`.
fn define_reflection(interp: &mut Interp, module_atom: &Atom, span: Span) {
    let module_parts: Vec<String> = alias_name(module_atom).split('.').map(|s| s.to_string()).collect();
    let n = |kind: Kind| Node::new(kind, span);
    let alias = n(Kind::Alias(module_parts));
    let call = |args: Vec<Node>| {
        n(Kind::Dot {
            target: Box::new(n(Kind::Alias(vec!["Ecto".into(), "Schema".into()]))),
            name: "__schema_info__".into(),
            args,
            parens: true,
        })
    };
    let var = |name: &str| n(Kind::Var(name.to_string()));
    let clauses: Vec<(&str, Vec<Node>, Node)> = vec![
        ("__schema__", vec![var("what")], call(vec![alias.clone(), var("what")])),
        ("__schema__", vec![var("what"), var("arg")], call(vec![alias.clone(), var("what"), var("arg")])),
        ("__changeset__", vec![], call(vec![alias.clone(), n(Kind::Atom("__changeset__".into()))])),
    ];
    let env = Rc::new(Env::default());
    interp.generation += 1;
    let module = interp.modules.entry(module_atom.clone()).or_default();
    if module.name.is_empty() {
        module.name = module_atom.clone();
    }
    for (name, args, body) in clauses {
        let arity = args.len();
        let clause = Clause { args, guard: None, body, span };
        module.functions.insert(
            (name.to_string(), arity),
            Rc::new(vec![FunClause { clause: Rc::new(clause), private: false, env: env.clone(), defaults: vec![None; arity] }]),
        );
    }
}

/// `Ecto.Schema.__schema_info__(module, what [, arg])`: the reflection
/// behind `Mod.__schema__/1,2` and `Mod.__changeset__/0`.
fn schema_info(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let module = args.first().and_then(|m| m.as_atom()).map(|a| a.to_string()).unwrap_or_default();
    let Some(s) = super::lookup(interp, &module) else {
        return Err(Error::raise("UndefinedFunctionError", format!("function {}.__schema__/1 is undefined", alias_name(&module)), span));
    };
    let what = args.get(1).and_then(|w| w.as_atom()).unwrap_or("").to_string();
    let arg = args.get(2).cloned();
    let atoms = |names: Vec<&str>| Value::list(names.into_iter().map(Value::atom).collect());
    if let Some(arg) = arg {
        let name = arg.as_atom().unwrap_or("");
        return Ok(match what.as_str() {
            "type" => s.type_of(name).map(|t| t.to_value()).unwrap_or(Value::Nil),
            "virtual_type" => s.virtual_fields().find(|f| f.name == name).map(|f| f.ty.to_value()).unwrap_or(Value::Nil),
            "field_source" => s.field_source(name).map(Value::atom).unwrap_or(Value::Nil),
            "association" => s.assoc(name).map(|a| a.to_value()).unwrap_or(Value::Nil),
            "embed" => s.embed(name).map(|e| e.to_value()).unwrap_or(Value::Nil),
            "on_writable_violation" => Value::atom("nothing"),
            _ => return Err(function_clause(&s.module, span)),
        });
    }
    Ok(match what.as_str() {
        "source" => s.source.as_deref().map(Value::str).unwrap_or(Value::Nil),
        "prefix" => s.prefix.clone(),
        "fields" => atoms(s.field_names().collect()),
        "query_fields" => atoms(s.query_fields().map(|f| f.name.as_str()).collect()),
        "virtual_fields" => atoms(s.virtual_fields().map(|f| f.name.as_str()).collect()),
        "primary_key" => atoms(s.primary_key.iter().map(|x| x.as_str()).collect()),
        "associations" => atoms(s.assocs.iter().map(|a| a.field.as_str()).collect()),
        "embeds" => atoms(s.embeds.iter().map(|x| x.as_str()).collect()),
        "redact_fields" => atoms(s.redact_fields.iter().rev().map(|x| x.as_str()).collect()),
        "autogenerate" => Value::list(
            s.autogenerate
                .iter()
                .map(|(f, a)| Value::tuple(vec![atoms(f.iter().map(|x| x.as_str()).collect()), autogen_value(a)]))
                .collect(),
        ),
        "autoupdate" => Value::list(
            s.autoupdate.iter().map(|(f, a)| Value::tuple(vec![atoms(f.iter().map(|x| x.as_str()).collect()), autogen_value(a)])).collect(),
        ),
        "dump" => {
            let mut m = MapT::new();
            for f in s.fields.iter().filter(|f| !f.virtual_) {
                let w = match f.writable {
                    Writable::Always => "always",
                    Writable::Insert => "insert",
                    Writable::Never => "never",
                };
                m.insert(Value::atom(&f.name), Value::tuple(vec![Value::atom(&f.source), f.ty.to_value(), Value::atom(w)]));
            }
            Value::map(m)
        }
        "load" => Value::list(
            s.fields
                .iter()
                .filter(|f| !f.virtual_)
                .map(|f| {
                    let t = if f.source != f.name {
                        Value::tuple(vec![Value::atom("source"), Value::atom(&f.source), f.ty.to_value()])
                    } else {
                        f.ty.to_value()
                    };
                    Value::tuple(vec![Value::atom(&f.name), t])
                })
                .collect(),
        ),
        "read_after_writes" => atoms(s.read_after_writes.iter().map(|x| x.as_str()).collect()),
        "autogenerate_fields" => atoms(s.autogenerate.iter().flat_map(|(f, _)| f.iter().map(|x| x.as_str())).collect()),
        "updatable_fields" => {
            atoms(s.fields.iter().filter(|f| !f.virtual_ && f.writable == Writable::Always).map(|f| f.name.as_str()).collect())
        }
        "insertable_fields" => {
            atoms(s.fields.iter().filter(|f| !f.virtual_ && f.writable != Writable::Never).map(|f| f.name.as_str()).collect())
        }
        "autogenerate_id" => match &s.autogenerate_id {
            Some((f, src, t)) => Value::tuple(vec![Value::atom(f), Value::atom(src), t.to_value()]),
            None => Value::Nil,
        },
        "loaded" => {
            let mut fields = s.struct_fields.clone();
            if let Some(slot) = fields.iter_mut().find(|(k, _)| &**k == "__meta__") {
                slot.1 = s.meta("loaded");
            }
            Value::Struct(Rc::new(crate::value::Struct { module: s.module_atom(), fields }))
        }
        "__changeset__" => {
            let mut m = MapT::new();
            for f in &s.fields {
                let t = match &f.ty {
                    EctoType::Embed(e) => Value::tuple(vec![Value::atom("embed"), e.to_value()]),
                    t => t.to_value(),
                };
                m.insert(Value::atom(&f.name), t);
            }
            for a in &s.assocs {
                if !a.is_through() {
                    m.insert(Value::atom(&a.field), Value::tuple(vec![Value::atom("assoc"), a.to_value()]));
                }
            }
            Value::map(m)
        }
        _ => return Err(function_clause(&s.module, span)),
    })
}

fn autogen_value(a: &super::Autogenerate) -> Value {
    match a {
        super::Autogenerate::Timestamp(t) => {
            Value::tuple(vec![Value::module("Ecto.Schema"), Value::atom("__timestamps__"), Value::list(vec![t.to_value()])])
        }
        super::Autogenerate::Mfa { module, fun, args } => {
            Value::tuple(vec![Value::module(module), Value::atom(fun), Value::list(args.clone())])
        }
        super::Autogenerate::Type(t) => Value::tuple(vec![t.to_value(), Value::atom("autogenerate"), Value::list(vec![])]),
    }
}

fn function_clause(module: &str, span: Span) -> Box<Error> {
    Error::raise("FunctionClauseError", format!("no function clause matching in {module}.__schema__/1"), span)
}

// ---------------------------------------------------------------------------
// Macros

fn current_module(env: &Env, span: Span) -> EResult<Atom> {
    env.module.clone().ok_or_else(|| Error::raise("ArgumentError", "Ecto.Schema can only be used inside a module", span))
}

/// Splits a trailing `do` block off macro arguments.
/// Splits a trailing `do` block off macro arguments. Keyword options given
/// before the block (`embeds_one :a, A, on_replace: :update do`) may arrive
/// in the same trailing list; they come back as an extra argument.
fn split_do(args: &[Node]) -> (Vec<Node>, Option<&Node>) {
    match args.split_last() {
        Some((last, rest)) if last.keyword_get("do").is_some() => {
            let mut rest = rest.to_vec();
            if let Kind::List(items) = &last.kind {
                let opts: Vec<Node> = items
                    .iter()
                    .filter(|i| !matches!(&i.kind, Kind::Tuple(p) if p.len() == 2 && matches!(p[0].as_atom(), Some("do" | "else"))))
                    .cloned()
                    .collect();
                if !opts.is_empty() {
                    rest.push(Node::new(Kind::List(opts), last.span));
                }
            }
            (rest, last.keyword_get("do"))
        }
        _ => (args.to_vec(), None),
    }
}

fn eval_args(interp: &mut Interp, args: &[Node], env: &mut Env) -> EResult<Vec<Value>> {
    args.iter().map(|a| interp.eval(a, env)).collect()
}

fn run_block(interp: &mut Interp, block: Option<&Node>, env: &mut Env) -> EResult<()> {
    if let Some(block) = block {
        interp.eval(block, env)?;
    }
    Ok(())
}

fn m_schema(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let module = current_module(env, span)?;
    let (rest, block) = split_do(args);
    let source = match rest.first() {
        Some(n) => interp.eval(n, env)?,
        None => Value::Nil,
    };
    Builder::begin(interp, &module, Some(source), true, span)?;
    if let Err(e) = run_block(interp, block, env) {
        interp.ext::<SchemaRegistry>().building.pop();
        return Err(e);
    }
    end_schema(interp, span)?;
    Ok(Value::atom("ok"))
}

fn m_embedded_schema(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let module = current_module(env, span)?;
    let (_, block) = split_do(args);
    Builder::begin(interp, &module, None, false, span)?;
    if let Err(e) = run_block(interp, block, env) {
        interp.ext::<SchemaRegistry>().building.pop();
        return Err(e);
    }
    end_schema(interp, span)?;
    Ok(Value::atom("ok"))
}

fn name_arg(v: &Value, what: &str, span: Span) -> EResult<String> {
    v.as_atom().map(|a| a.to_string()).ok_or_else(|| arg_err(format!("{what} name must be an atom, got: {}", inspect(v)), span))
}

fn m_field(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let vals = eval_args(interp, args, env)?;
    let name = name_arg(&vals[0], "field", span)?;
    let ty = vals.get(1).cloned().unwrap_or(Value::atom("string"));
    let opts = vals.get(2).cloned().unwrap_or(Value::list(vec![]));
    with_builder(interp, span, |interp, b| b.field(interp, &name, &ty, &opts, span))?;
    Ok(Value::atom("ok"))
}

fn m_timestamps(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let vals = eval_args(interp, args, env)?;
    let opts = vals.first().cloned().unwrap_or(Value::list(vec![]));
    with_builder(interp, span, |interp, b| b.timestamps(interp, &opts, span))?;
    Ok(Value::atom("ok"))
}

fn m_has_many(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    has(interp, args, env, span, Cardinality::Many)
}

fn m_has_one(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    has(interp, args, env, span, Cardinality::One)
}

fn has(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span, card: Cardinality) -> EResult<Value> {
    let vals = eval_args(interp, args, env)?;
    let name = name_arg(&vals[0], "association", span)?;
    let queryable = vals.get(1).cloned().unwrap_or(Value::Nil);
    let opts = vals.get(2).cloned().unwrap_or(Value::list(vec![]));
    with_builder(interp, span, |_, b| b.has(&name, card, &queryable, &opts, span))?;
    Ok(Value::atom("ok"))
}

fn m_belongs_to(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let vals = eval_args(interp, args, env)?;
    let name = name_arg(&vals[0], "association", span)?;
    let queryable = vals.get(1).cloned().unwrap_or(Value::Nil);
    let opts = vals.get(2).cloned().unwrap_or(Value::list(vec![]));
    with_builder(interp, span, |interp, b| b.belongs_to(interp, &name, &queryable, &opts, span))?;
    Ok(Value::atom("ok"))
}

fn m_many_to_many(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let vals = eval_args(interp, args, env)?;
    let name = name_arg(&vals[0], "association", span)?;
    let queryable = vals.get(1).cloned().unwrap_or(Value::Nil);
    let opts = vals.get(2).cloned().unwrap_or(Value::list(vec![]));
    with_builder(interp, span, |_, b| b.many_to_many(&name, &queryable, &opts, span))?;
    Ok(Value::atom("ok"))
}

fn m_embeds_one(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    embeds(interp, args, env, span, Cardinality::One)
}

fn m_embeds_many(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    embeds(interp, args, env, span, Cardinality::Many)
}

fn embeds(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span, card: Cardinality) -> EResult<Value> {
    let (rest, block) = split_do(args);
    let name_v = match rest.first() {
        Some(n) => interp.eval(n, env)?,
        None => Value::Nil,
    };
    let name = name_arg(&name_v, "embed", span)?;
    let (schema, opts) = match block {
        Some(block) => {
            // Inline form: the module is nested under the current one.
            let parent = current_module(env, span)?;
            let schema_node = rest.get(1).ok_or_else(|| arg_err("embeds expect a module name", span))?;
            let Kind::Alias(parts) = &schema_node.kind else {
                return Err(arg_err("the inline embeds form expects a module name", span));
            };
            let nested = format!("{parent}.{}", parts.join("."));
            let mut opts = match rest.get(2) {
                Some(n) => kw_pairs(&interp.eval(n, env)?),
                None => vec![],
            };
            let pk = match opts.iter().position(|(k, _)| k == "primary_key") {
                Some(i) => opts.remove(i).1,
                None => Value::tuple(vec![
                    Value::atom("id"),
                    Value::atom("binary_id"),
                    Value::keyword(vec![("autogenerate", Value::Bool(true))]),
                ]),
            };
            let nested_atom: Atom = Rc::from(nested.as_str());
            let m = interp.modules.entry(nested_atom.clone()).or_default();
            m.name = nested_atom.clone();
            m.attributes.insert("primary_key".into(), pk);
            m.uses.push("Ecto.Schema".into());
            m.span = span;
            let mut inner = env.clone();
            inner.module = Some(nested_atom.clone());
            inner.vars.clear();
            Builder::begin(interp, &nested_atom, None, false, span)?;
            if let Err(e) = run_block(interp, Some(block), &mut inner) {
                interp.ext::<SchemaRegistry>().building.pop();
                return Err(e);
            }
            end_schema(interp, span)?;
            let opts_v = Value::list(opts.drain(..).map(|(k, v)| Value::tuple(vec![Value::atom(&k), v])).collect());
            (Value::Atom(nested_atom), opts_v)
        }
        None => {
            let schema = match rest.get(1) {
                Some(n) => interp.eval(n, env)?,
                None => Value::Nil,
            };
            let opts = match rest.get(2) {
                Some(n) => interp.eval(n, env)?,
                None => Value::list(vec![]),
            };
            (schema, opts)
        }
    };
    let defaults_to_struct = opts.keyword_get("defaults_to_struct").map(|v| v.is_truthy()).unwrap_or(false);
    let loaded_default = if defaults_to_struct && card == Cardinality::One {
        let m = schema.as_atom().unwrap_or("").to_string();
        super::lookup(interp, &m).map(|s| s.new_struct())
    } else {
        None
    };
    with_builder(interp, span, |interp, b| {
        b.embed(interp, &name, card, &schema, &opts, span)?;
        if let Some(d) = loaded_default {
            if let Some(slot) = b.schema.struct_fields.iter_mut().find(|(k, _)| **k == *name) {
                slot.1 = d.clone();
            }
            if let Some(f) = b.schema.fields.iter_mut().find(|f| f.name == name) {
                f.default = d;
            }
        }
        Ok(())
    })?;
    Ok(Value::atom("ok"))
}

/// Registers the DSL macros (module `Ecto.Schema`) and reflection helpers.
pub fn register(b: &mut Builtins) {
    b.add_macro("Ecto.Schema", "schema", &[2, 3], m_schema);
    b.add_macro("Ecto.Schema", "embedded_schema", &[1], m_embedded_schema);
    b.add_macro("Ecto.Schema", "field", &[1, 2, 3], m_field);
    b.add_macro("Ecto.Schema", "timestamps", &[0, 1], m_timestamps);
    b.add_macro("Ecto.Schema", "has_many", &[2, 3], m_has_many);
    b.add_macro("Ecto.Schema", "has_one", &[2, 3], m_has_one);
    b.add_macro("Ecto.Schema", "belongs_to", &[2, 3], m_belongs_to);
    b.add_macro("Ecto.Schema", "many_to_many", &[2, 3], m_many_to_many);
    b.add_macro("Ecto.Schema", "embeds_one", &[2, 3, 4], m_embeds_one);
    b.add_macro("Ecto.Schema", "embeds_many", &[2, 3, 4], m_embeds_many);
    b.add("Ecto.Schema", "__schema_info__", &[2, 3], schema_info);
}
