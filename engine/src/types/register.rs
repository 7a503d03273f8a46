//! Built-in functions of `Ecto.Type`, `Ecto.ParameterizedType`, `Ecto.Enum`
//! and `Ecto.UUID`.

use std::rc::Rc;

use super::{cast, equal, include, uuid, Cast, EnumType, Type};
use crate::diag::Span;
use crate::eval::{Builtins, EResult, Error, Interp};
use crate::value::{alias_name, Value};

pub fn register(b: &mut Builtins) {
    b.add("Ecto.ParameterizedType", "init", &[2], parameterized_init);
    b.add("Ecto.Type", "cast", &[2], type_cast);
    b.add("Ecto.Type", "cast!", &[2], type_cast_bang);
    b.add("Ecto.Type", "dump", &[2, 3], type_dump);
    b.add("Ecto.Type", "load", &[2, 3], type_load);
    b.add("Ecto.Type", "equal?", &[3], type_equal);
    b.add("Ecto.Type", "include?", &[3], type_include);
    b.add("Ecto.Type", "type", &[1], type_type);
    b.add("Ecto.Type", "primitive?", &[1], type_primitive);
    b.add("Ecto.Type", "base?", &[1], type_base);
    b.add("Ecto.Type", "composite?", &[1], type_composite);
    b.add("Ecto.Type", "format", &[1], type_format);
    b.add("Ecto.Type", "embedded_dump", &[3], type_embedded_dump);
    b.add("Ecto.Type", "embed_as", &[2], type_embed_as);
    b.add("Ecto", "embedded_load", &[3], ecto_embedded_load);
    b.add("Ecto", "embedded_dump", &[2], ecto_embedded_dump);
    b.add("Ecto.Type", "match?", &[2], |i, a, s| Ok(Value::Bool(type_match(i, &a[0], &a[1], s)?)));
    b.add("Ecto.Type", "adapter_dump", &[3], |i, a, s| adapter_fn(i, a, s, true));
    b.add("Ecto.Type", "adapter_load", &[3], |i, a, s| adapter_fn(i, a, s, false));
    b.add("Ecto.Type", "embedded_load", &[3], type_embedded_load);
    b.add("Ecto.Enum", "values", &[2], enum_values);
    b.add("Ecto.Enum", "dump_values", &[2], enum_dump_values);
    b.add("Ecto.Enum", "mappings", &[2], enum_mappings);
    b.add("Ecto.Enum", "cast_value", &[3], enum_cast_value);
    b.add("Ecto.Enum", "cast", &[2], enum_cast);
    b.add("Ecto.UUID", "cast", &[1], uuid_cast);
    b.add("Ecto.UUID", "cast!", &[1], uuid_cast_bang);
    b.add("Ecto.UUID", "dump", &[1], uuid_dump);
    b.add("Ecto.UUID", "dump!", &[1], uuid_dump_bang);
    b.add("Ecto.UUID", "load", &[1], uuid_load);
    b.add("Ecto.UUID", "load!", &[1], uuid_load_bang);
    b.add("Ecto.UUID", "generate", &[0, 1], uuid_generate);
    b.add("Ecto.UUID", "bingenerate", &[0, 1], uuid_bingenerate);
    b.add("Ecto.UUID", "type", &[0], |_, _, _| Ok(Value::atom("uuid")));
}

fn inspect(v: &Value) -> String {
    crate::value::inspect::inspect(v)
}

/// Parses a type argument, raising like Ecto does for unknown terms.
pub fn type_arg(v: &Value, span: Span) -> EResult<Type> {
    Type::from_value(v).ok_or_else(|| Error::raise("ArgumentError", format!("invalid type: {}", inspect(v)), span))
}

/// `Ecto.CastError` for `cast!`.
pub fn cast_error(ty: &Value, value: &Value, span: Span) -> Box<Error> {
    Error::raise("Ecto.CastError", format!("cannot cast {} to {}", inspect(value), inspect(ty)), span)
}

fn parameterized_init(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let module = args[0].as_atom().map(alias_name).unwrap_or("").to_string();
    let params = if module == "Ecto.Enum" {
        match EnumType::init(&args[1]) {
            Ok(e) => e.params_value(),
            Err(err) => return Err(Error::raise("ArgumentError", err.message(), span)),
        }
    } else {
        interp.call(&module, "init", vec![args[1].clone()], span)?
    };
    Ok(Value::tuple(vec![Value::atom("parameterized"), Value::tuple(vec![Value::module(&module), params])]))
}

/// `Ecto.Enum.cast/2`: the value cast with the type's params; params that
/// are not Ecto.Enum's map fail reading `params.on_cast`.
fn enum_cast(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    if matches!(args[0], Value::Nil) {
        return Ok(Value::ok(Value::Nil));
    }
    match EnumType::from_params(&args[1]) {
        Some(e) => Ok(cast(interp, &Type::Enum(Rc::new(e)), &args[0], span)?.to_value()),
        None => {
            crate::eval::core::field_access(&args[1], "on_cast", span)?;
            Ok(Value::atom("error"))
        }
    }
}

fn type_cast(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let t = type_arg(&args[0], span)?;
    Ok(cast(interp, &t, &args[1], span)?.to_value())
}

fn type_cast_bang(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let t = type_arg(&args[0], span)?;
    match cast(interp, &t, &args[1], span)? {
        Cast::Ok(v) => Ok(v),
        Cast::Invalid => Err(cast_error(&args[0], &args[1], span)),
        Cast::Error(kw) => match kw.iter().find(|(k, _)| &**k == "message").and_then(|(_, m)| m.as_str()) {
            Some(m) => Err(Error::raise("Ecto.CastError", m.to_string(), span)),
            None => Err(cast_error(&args[0], &args[1], span)),
        },
    }
}

fn ok_or_error(v: Option<Value>) -> Value {
    match v {
        Some(v) => Value::ok(v),
        None => Value::atom("error"),
    }
}

/// Wraps a function value given as Ecto's dumper/loader argument.
fn fun_inner(fun: Value, span: Span) -> impl FnMut(&mut Interp, &Type, &Value) -> EResult<Option<Value>> {
    move |interp: &mut Interp, t: &Type, x: &Value| {
        let r = interp.apply(&fun, vec![t.to_value(), x.clone()], span)?;
        Ok(match r.as_tuple() {
            Some([tag, v]) if tag.as_atom() == Some("ok") => Some(v.clone()),
            _ => None,
        })
    }
}

fn type_dump(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let t = type_arg(&args[0], span)?;
    let r = match args.get(2) {
        Some(f) => {
            let mut inner = fun_inner(f.clone(), span);
            super::dump::dump(interp, &t, &args[1], &mut inner, span)?
        }
        None => super::dump::dump_default(interp, &t, &args[1], span)?,
    };
    Ok(ok_or_error(r))
}

fn type_load(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let t = type_arg(&args[0], span)?;
    let r = match args.get(2) {
        Some(f) => {
            let mut inner = fun_inner(f.clone(), span);
            super::dump::load(interp, &t, &args[1], &mut inner, span)?
        }
        None => super::dump::load_default(interp, &t, &args[1], span)?,
    };
    Ok(ok_or_error(r))
}

fn type_embedded_dump(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let t = type_arg(&args[0], span)?;
    Ok(ok_or_error(super::dump::embedded_dump(interp, &t, &args[1], span)?))
}

fn type_embedded_load(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let t = type_arg(&args[0], span)?;
    Ok(ok_or_error(super::dump::embedded_load(interp, &t, &args[1], span)?))
}

fn type_equal(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let t = type_arg(&args[0], span)?;
    Ok(Value::Bool(equal(interp, &t, &args[1], &args[2], span)?))
}

fn type_include(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let t = type_arg(&args[0], span)?;
    Ok(Value::Bool(include(interp, &t, &args[1], &args[2], span)?))
}

fn type_type(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let t = type_arg(&args[0], span)?;
    Ok(super::adapter::underlying(interp, &t, span)?.to_value())
}

fn type_primitive(_: &mut Interp, args: Vec<Value>, _: Span) -> EResult<Value> {
    Ok(Value::Bool(match Type::from_value(&args[0]) {
        Some(Type::Enum(_) | Type::Embedded(_) | Type::Parameterized(..)) => true,
        Some(Type::Array(_) | Type::MapOf(_) | Type::In(_)) => true,
        Some(t) => t.is_base(),
        None => false,
    }))
}

fn type_base(_: &mut Interp, args: Vec<Value>, _: Span) -> EResult<Value> {
    Ok(Value::Bool(args[0].as_atom().and_then(Type::base).is_some()))
}

fn type_composite(_: &mut Interp, args: Vec<Value>, _: Span) -> EResult<Value> {
    Ok(Value::Bool(matches!(args[0].as_atom(), Some("array" | "map" | "try" | "in"))))
}

fn type_format(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let t = type_arg(&args[0], span)?;
    Ok(Value::string(format_type(interp, &t, span)?))
}

/// `Ecto.Type.format/1`, calling a parameterized type's `format/1` when it has one.
pub fn format_type(interp: &mut Interp, t: &Type, span: Span) -> EResult<String> {
    Ok(match t {
        Type::Parameterized(m, params) if super::dump::module_has(interp, m, "format", 1) => {
            let v = interp.call(m, "format", vec![params.clone()], span)?;
            match v.as_str() {
                Some(s) => s.to_string(),
                None => inspect(&v),
            }
        }
        Type::Array(inner) => format!("{{:array, {}}}", format_type(interp, inner, span)?),
        Type::MapOf(inner) => format!("{{:map, {}}}", format_type(interp, inner, span)?),
        Type::In(inner) => format!("{{:in, {}}}", format_type(interp, inner, span)?),
        other => other.format(),
    })
}

/// The `Ecto.Enum` params for `field` in a schema module or a types map.
fn enum_params(interp: &mut Interp, schema_or_types: &Value, field: &Value, span: Span) -> EResult<Rc<EnumType>> {
    let types = match schema_or_types {
        Value::Atom(m) if m.starts_with("Elixir.") => {
            let name = alias_name(m).to_string();
            match interp.call(&name, "__changeset__", vec![], span) {
                Ok(t) => t,
                Err(_) => return Err(Error::raise("ArgumentError", format!("{name} is not an Ecto schema or types map"), span)),
            }
        }
        other => other.clone(),
    };
    let fname = field.as_atom().unwrap_or("").to_string();
    let Some(m) = types.as_map() else {
        return Err(Error::raise("ArgumentError", format!("{fname} does not exist"), span));
    };
    match m.get(field) {
        None => Err(Error::raise("ArgumentError", format!("{fname} does not exist"), span)),
        Some(t) => {
            let parsed = Type::from_value(t);
            match parsed {
                Some(Type::Enum(e)) => Ok(e),
                Some(Type::Array(inner)) | Some(Type::MapOf(inner)) | Some(Type::In(inner)) => match *inner {
                    Type::Enum(e) => Ok(e),
                    _ => Err(Error::raise("ArgumentError", format!("{fname} is not an Ecto.Enum field"), span)),
                },
                _ => Err(Error::raise("ArgumentError", format!("{fname} is not an Ecto.Enum field"), span)),
            }
        }
    }
}

fn enum_values(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    Ok(enum_params(interp, &args[0], &args[1], span)?.values())
}

fn enum_dump_values(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    Ok(enum_params(interp, &args[0], &args[1], span)?.dump_values())
}

fn enum_mappings(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    Ok(enum_params(interp, &args[0], &args[1], span)?.mappings_value())
}

fn enum_cast_value(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let e = enum_params(interp, &args[0], &args[1], span)?;
    Ok(match &args[2] {
        Value::Nil => Value::ok(Value::Nil),
        v => ok_or_error(e.cast(v)),
    })
}

fn uuid_cast(_: &mut Interp, args: Vec<Value>, _: Span) -> EResult<Value> {
    Ok(ok_or_error(uuid::cast(&args[0])))
}

fn uuid_cast_bang(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    uuid::cast(&args[0]).ok_or_else(|| cast_error(&Value::module("Ecto.UUID"), &args[0], span))
}

fn uuid_dump(_: &mut Interp, args: Vec<Value>, _: Span) -> EResult<Value> {
    Ok(ok_or_error(uuid::dump(&args[0])))
}

fn uuid_dump_bang(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    uuid::dump(&args[0])
        .ok_or_else(|| Error::raise("ArgumentError", format!("cannot dump given UUID to binary: {}", inspect(&args[0])), span))
}

fn uuid_load(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    match uuid::load(&args[0]) {
        uuid::Load::Ok(v) => Ok(Value::ok(v)),
        uuid::Load::Error => Ok(Value::atom("error")),
        uuid::Load::AlreadyString => Err(Error::raise(
            "ArgumentError",
            format!(
                "trying to load string UUID as Ecto.UUID: {}. Maybe you wanted to declare :uuid as your database field?",
                inspect(&args[0])
            ),
            span,
        )),
    }
}

fn uuid_load_bang(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let r = uuid_load(interp, args.clone(), span)?;
    match r.as_tuple() {
        Some([_, v]) => Ok(v.clone()),
        _ => Err(Error::raise("ArgumentError", format!("cannot load given binary as UUID: {}", inspect(&args[0])), span)),
    }
}

/// Per-run state of the pseudo-random generator behind `Ecto.UUID.generate/0`.
#[derive(Default)]
pub struct UuidState {
    counter: u64,
}

/// 16 pseudo-random bytes (SplitMix64 over a per-run counter); the engine
/// has no entropy source of its own.
pub fn random_bytes(interp: &mut Interp) -> [u8; 16] {
    let st = interp.ext::<UuidState>();
    let mut out = [0u8; 16];
    for chunk in out.chunks_mut(8) {
        st.counter = st.counter.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = st.counter;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes());
    }
    out
}

/// `Ecto.UUID.generate/0`: a version-4 UUID string.
pub fn generate_uuid(interp: &mut Interp) -> String {
    uuid::from_random(random_bytes(interp))
}

fn uuid_generate(interp: &mut Interp, _: Vec<Value>, _: Span) -> EResult<Value> {
    Ok(Value::string(generate_uuid(interp)))
}

fn uuid_bingenerate(interp: &mut Interp, _: Vec<Value>, _: Span) -> EResult<Value> {
    let s = Value::string(generate_uuid(interp));
    Ok(uuid::dump(&s).unwrap_or(Value::Nil))
}

fn type_embed_as(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let t = type_arg(&args[0], span)?;
    let dump = super::dump::embed_as_dump(interp, &t, span)?;
    Ok(Value::atom(if dump { "dump" } else { "self" }))
}

/// `Ecto.Type.adapter_dump/3` and `adapter_load/3` for the SQLite3 and Postgres adapters.
fn adapter_fn(interp: &mut Interp, args: Vec<Value>, span: Span, dump: bool) -> EResult<Value> {
    let adapter = match args[0].as_atom().map(alias_name) {
        Some("Ecto.Adapters.SQLite3") => super::Adapter::Sqlite,
        Some("Ecto.Adapters.Postgres") => super::Adapter::Postgres,
        _ => {
            return Err(Error::raise(
                "UndefinedFunctionError",
                format!("function {}.{}/2 is undefined or private", inspect(&args[0]), if dump { "dumpers" } else { "loaders" }),
                span,
            ))
        }
    };
    let t = type_arg(&args[1], span)?;
    let r = if dump {
        super::adapter_dump(interp, adapter, &t, &args[2], span)?
    } else {
        super::adapter_load(interp, adapter, &t, &args[2], span)?
    };
    Ok(ok_or_error(r))
}

/// `Ecto.Type.match?(schema_type, query_type)`.
pub fn type_match(interp: &mut Interp, schema_type: &Value, query_type: &Value, span: Span) -> EResult<bool> {
    let primitive = match Type::from_value(schema_type) {
        Some(Type::Custom(_)) => false,
        Some(_) => true,
        None => true,
    };
    let left = if primitive {
        schema_type.clone()
    } else {
        let t = type_arg(schema_type, span)?;
        super::adapter::underlying(interp, &t, span)?.to_value()
    };
    let a = |v: &Value| v.as_atom().map(|x| x.to_string());
    let (l, r) = (a(&left), a(query_type));
    if r.as_deref() == Some("any") || l.as_deref() == Some("any") {
        return Ok(true);
    }
    if let (Some([lo, li]), Some([ro, ri])) = (left.as_tuple(), query_type.as_tuple()) {
        if lo == ro && lo.as_atom() != Some("supertype") {
            return type_match(interp, li, ri, span);
        }
    }
    let supertype = matches!(query_type.as_tuple(), Some([t, d]) if t.as_atom() == Some("supertype") && d.as_atom() == Some("datetime"));
    Ok(match (l.as_deref(), r.as_deref()) {
        (Some("decimal"), Some("float" | "integer")) => true,
        (Some("binary_id"), Some("binary")) => true,
        (Some("id"), Some("integer")) => true,
        (Some("naive_datetime" | "naive_datetime_usec" | "utc_datetime" | "utc_datetime_usec"), _) if supertype => true,
        _ => left == *query_type,
    })
}

/// `Ecto.embedded_load(schema, data, format)`: an embedded struct from a
/// map (string or atom keys), each field loaded as embedded in `format`.
fn ecto_embedded_load(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let module = args[0].as_atom().map(alias_name).unwrap_or("").to_string();
    let mut inner = move |i: &mut Interp, t: &Type, x: &Value| super::dump::embedded_load(i, t, x, span);
    super::embedded::load_struct(interp, &module, "__embed__", &args[1], &mut inner, span)
}

/// `Ecto.embedded_dump(struct, format)`: the map of dumped fields (keyed by source).
fn ecto_embedded_dump(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let Value::Struct(s) = &args[0] else {
        return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.embedded_dump/2", span));
    };
    let module = s.name().to_string();
    let mut inner = move |i: &mut Interp, t: &Type, x: &Value| super::dump::embedded_dump(i, t, x, span);
    super::embedded::dump_struct(interp, &module, "__embed__", &args[0], &mut inner, true, span)
}
