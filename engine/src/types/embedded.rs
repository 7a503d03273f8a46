//! Dumping and loading embedded schemas (`Ecto.Embedded.dump/3`, `load/3`,
//! `Ecto.Schema.Loader.safe_dump/3` and `unsafe_load/3`), through the
//! related schema's `__schema__/1` reflection.

use super::dump::Inner;
use super::Type;
use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::value::{alias_name, MapT, Value};

fn inspect(v: &Value) -> String {
    crate::value::inspect::inspect(v)
}

fn params_info(params: &Value) -> (bool, String, String) {
    let many = params.get_field("cardinality").and_then(|c| c.as_atom()) == Some("many");
    let related = params.get_field("related").and_then(|r| r.as_atom()).unwrap_or("").to_string();
    let field = params.get_field("field").and_then(|r| r.as_atom()).unwrap_or("").to_string();
    (many, related, field)
}

/// `Ecto.Embedded.dump/3`.
pub fn dump(interp: &mut Interp, params: &Value, v: &Value, inner: Inner, span: Span) -> EResult<Option<Value>> {
    if matches!(v, Value::Nil) {
        return Ok(Some(Value::Nil));
    }
    let (many, related, field) = params_info(params);
    let module = alias_name(&related).to_string();
    match (many, v) {
        (false, x) if super::is_map_like(x) => Ok(Some(dump_struct(interp, &module, &field, x, inner, true, span)?)),
        (true, Value::List(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                out.push(dump_struct(interp, &module, &field, item, inner, false, span)?);
            }
            Ok(Some(Value::list(out)))
        }
        _ => Ok(None),
    }
}

pub(crate) fn dump_struct(
    interp: &mut Interp,
    module: &str,
    field: &str,
    v: &Value,
    inner: Inner,
    one: bool,
    span: Span,
) -> EResult<Value> {
    let is_struct = matches!(v, Value::Struct(s) if alias_name(&s.module) == module);
    if !is_struct {
        let what = if one { format!("a struct {module} value") } else { format!("a list of {module} struct values") };
        return Err(Error::raise("ArgumentError", format!("cannot dump embed `{field}`, expected {what} but got: {}", inspect(v)), span));
    }
    let Some(schema) = crate::schema::lookup(interp, module) else {
        return Err(Error::raise("UndefinedFunctionError", format!("function {module}.__schema__/1 is undefined"), span));
    };
    let mut out = MapT::new();
    let entries: Vec<(Value, Value)> = schema
        .fields
        .iter()
        .filter(|f| !f.virtual_)
        .map(|f| (Value::atom(&f.name), Value::tuple(vec![Value::atom(&f.source), f.ty.to_value()])))
        .collect();
    for (fname, spec) in entries {
        let Some([source, ty]) = spec.as_tuple() else { continue };
        let (source, ty) = (source.clone(), ty.clone());
        let fname_s = fname.as_atom().unwrap_or("").to_string();
        let value = v.get_field(&fname_s).cloned().unwrap_or(Value::Nil);
        let t = Type::from_value(&ty).unwrap_or(Type::Any);
        match inner(interp, &t, &value)? {
            Some(x) => {
                out.insert(source, x);
            }
            None => {
                return Err(Error::raise(
                    "ArgumentError",
                    format!("cannot dump `{}` as type {} for field `{fname_s}` in schema {module}", inspect(&value), t.format()),
                    span,
                ))
            }
        }
    }
    Ok(Value::map(out))
}

/// `Ecto.Embedded.load/3`.
pub fn load(interp: &mut Interp, params: &Value, v: &Value, inner: Inner, span: Span) -> EResult<Option<Value>> {
    let (many, related, field) = params_info(params);
    let module = alias_name(&related).to_string();
    match (many, v) {
        (false, Value::Nil) => Ok(Some(Value::Nil)),
        (true, Value::Nil) => Ok(Some(Value::list(vec![]))),
        (false, x) if super::is_map_like(x) => Ok(Some(load_struct(interp, &module, &field, x, inner, span)?)),
        (true, Value::List(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                out.push(load_struct(interp, &module, &field, item, inner, span)?);
            }
            Ok(Some(Value::list(out)))
        }
        _ => Ok(None),
    }
}

pub(crate) fn load_struct(interp: &mut Interp, module: &str, field: &str, v: &Value, inner: Inner, span: Span) -> EResult<Value> {
    let Value::Map(data) = v else {
        return Err(Error::raise("ArgumentError", format!("cannot load embed `{field}`, expected a map but got: {}", inspect(v)), span));
    };
    let Some(schema) = crate::schema::lookup(interp, module) else {
        return Err(Error::raise("UndefinedFunctionError", format!("function {module}.__schema__/1 is undefined"), span));
    };
    let mut strukt = schema.new_struct();
    if let Value::Struct(st) = &mut strukt {
        std::rc::Rc::make_mut(st).set("__meta__", schema.meta("loaded"));
    }
    let entries: Vec<Value> = schema
        .fields
        .iter()
        .filter(|f| !f.virtual_)
        .map(|f| {
            let spec = if f.source == f.name {
                f.ty.to_value()
            } else {
                Value::tuple(vec![Value::atom("source"), Value::atom(&f.source), f.ty.to_value()])
            };
            Value::tuple(vec![Value::atom(&f.name), spec])
        })
        .collect();
    for pair in entries {
        let Some([fname, spec]) = pair.as_tuple() else { continue };
        let (source, ty) = match spec.as_tuple() {
            Some([tag, source, ty]) if tag.as_atom() == Some("source") => (source.clone(), ty.clone()),
            _ => (fname.clone(), spec.clone()),
        };
        let source_s = source.as_atom().unwrap_or("").to_string();
        let raw = data.get(&Value::str(&source_s)).or_else(|| data.get(&source)).cloned();
        let Some(raw) = raw else { continue };
        let t = Type::from_value(&ty).unwrap_or(Type::Any);
        let fname_s = fname.as_atom().unwrap_or("").to_string();
        match inner(interp, &t, &raw)? {
            Some(x) => {
                if let Value::Struct(s) = &mut strukt {
                    std::rc::Rc::make_mut(s).set(&fname_s, x);
                }
            }
            None => {
                return Err(Error::raise(
                    "ArgumentError",
                    format!("cannot load `{}` as type {} for field `{fname_s}` in schema {module}", inspect(&raw), t.format()),
                    span,
                ))
            }
        }
    }
    Ok(strukt)
}
