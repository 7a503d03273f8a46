//! `Ecto.Repo.Schema`: insert, update, delete, insert_or_update and
//! insert_all, with the statements and dumping of ecto_sqlite3.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::executor::DbError;
use crate::schema::{self, Assoc, AssocKind, Autogenerate, Cardinality, Schema, Writable};
use crate::types::{self, Type};
use crate::value::{inspect, Date, DateTime, MapT, NaiveDateTime, Value};

use super::errors::{self, arg, Violation};
use super::multi::run_transaction;
use super::sql::{self, Cell, ConflictTarget, OnConflict};
use super::util::{self, field, is_changeset, kw_merge, map_entries, opt, put_field, put_meta};
use super::{current_repo, with_conn};

// ---- entry points ---------------------------------------------------------------

fn opts_of(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or_else(|| Value::list(vec![]))
}

fn result_value(r: Result<Value, Value>) -> Value {
    match r {
        Ok(v) => Value::ok(v),
        Err(cs) => Value::error(cs),
    }
}

fn bang(interp: &mut Interp, action: &str, r: Result<Value, Value>, span: Span) -> EResult<Value> {
    match r {
        Ok(v) => Ok(v),
        Err(cs) if is_changeset(&cs) => Err(errors::invalid_changeset(interp, action, &cs, span)),
        Err(other) => Err(Error::raise("MatchError", format!("no match of right hand side value: {}", inspect::inspect(&other)), span)),
    }
}

pub fn insert(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = changeset_of(interp, &args[0], "insert", span)?;
    Ok(result_value(do_insert(interp, &cs, &opts_of(&args, 1), span)?))
}

pub fn insert_bang(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = changeset_of(interp, &args[0], "insert", span)?;
    let r = do_insert(interp, &cs, &opts_of(&args, 1), span)?;
    bang(interp, "insert", r, span)
}

pub fn update(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = changeset_for_update(&args[0], span)?;
    Ok(result_value(do_update(interp, &cs, &opts_of(&args, 1), span)?))
}

pub fn update_bang(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = changeset_for_update(&args[0], span)?;
    let r = do_update(interp, &cs, &opts_of(&args, 1), span)?;
    bang(interp, "update", r, span)
}

pub fn delete(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = changeset_of(interp, &args[0], "delete", span)?;
    Ok(result_value(do_delete(interp, &cs, &opts_of(&args, 1), span)?))
}

pub fn delete_bang(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let cs = changeset_of(interp, &args[0], "delete", span)?;
    let r = do_delete(interp, &cs, &opts_of(&args, 1), span)?;
    bang(interp, "delete", r, span)
}

fn state_of(cs: &Value, fun: &str, span: Span) -> EResult<String> {
    if !is_changeset(cs) {
        return Err(arg(format!("giving a struct to Repo.{fun}/2 or Repo.{fun}!/2 is not supported. Please use an Ecto.Changeset"), span));
    }
    Ok(field(&util::meta(&field(cs, "data")), "state").as_atom().unwrap_or_default().to_string())
}

pub fn insert_or_update(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    match state_of(&args[0], "insert_or_update", span)?.as_str() {
        "built" => insert(interp, args, span),
        "loaded" => update(interp, args, span),
        s => Err(arg(format!("the changeset has an invalid state for Repo.insert_or_update/2: {s}"), span)),
    }
}

pub fn insert_or_update_bang(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    match state_of(&args[0], "insert_or_update", span)?.as_str() {
        "built" => insert_bang(interp, args, span),
        "loaded" => update_bang(interp, args, span),
        s => Err(arg(format!("the changeset has an invalid state for Repo.insert_or_update!/2: {s}"), span)),
    }
}

/// `Repo.load(schema_or_types, data)`.
pub fn load(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let data: Vec<(Value, Value)> = match &args[1] {
        Value::Map(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Value::List(l) => l
            .iter()
            .filter_map(|i| i.as_tuple().and_then(|t| if t.len() == 2 { Some((t[0].clone(), t[1].clone())) } else { None }))
            .collect(),
        Value::Tuple(t) if t.len() == 2 => {
            let f = t[0].as_list().unwrap_or(&[]);
            let v = t[1].as_list().unwrap_or(&[]);
            f.iter().cloned().zip(v.iter().cloned()).collect()
        }
        other => {
            return Err(arg(
                format!("expected data to be a map, keyword list or {{fields, values}}, got: {}", inspect::inspect(other)),
                span,
            ))
        }
    };
    let key_str = |k: &Value| k.as_atom().map(|s| s.to_string()).or_else(|| k.as_str().map(|s| s.to_string()));
    match &args[0] {
        Value::Atom(m) => {
            let Some(schema) = schema::lookup(interp, m) else {
                return Err(arg(format!("{} is not an Ecto schema", inspect::inspect(&args[0])), span));
            };
            let mut s = util::put_meta(&schema.new_struct(), &[("state", Value::atom("loaded"))]);
            for (k, v) in data {
                let Some(k) = key_str(&k) else { continue };
                let Some(f) = schema.fields.iter().find(|f| !f.virtual_ && (f.source == k || f.name == k)) else { continue };
                let loaded = load_value(interp, &Type::from(&f.ty), &v, &f.name, Some(&schema.module), span)?;
                s = put_field(&s, &f.name, loaded);
            }
            Ok(s)
        }
        Value::Map(types) => {
            let mut out = MapT::new();
            for (k, v) in data {
                let Some(ks) = key_str(&k) else { continue };
                let Some(t) = types.get(&Value::atom(&ks)) else { continue };
                let ty = Type::from_value(t).unwrap_or(Type::Any);
                out.insert(Value::atom(&ks), load_value(interp, &ty, &v, &ks, None, span)?);
            }
            Ok(Value::map(out))
        }
        other => Err(arg(format!("expected a schema or a map of types, got: {}", inspect::inspect(other)), span)),
    }
}

// ---- changesets -----------------------------------------------------------------

/// `Ecto.Changeset.change(struct)` for a struct, the changeset as is.
fn changeset_of(interp: &mut Interp, v: &Value, action: &str, span: Span) -> EResult<Value> {
    if is_changeset(v) {
        return Ok(v.clone());
    }
    if v.as_struct().is_some() {
        return change(interp, v, span);
    }
    Err(Error::raise("FunctionClauseError", format!("no function clause matching in Ecto.Repo.Schema.{action}/4"), span))
}

fn changeset_for_update(v: &Value, span: Span) -> EResult<Value> {
    if is_changeset(v) {
        return Ok(v.clone());
    }
    if v.as_struct().is_some() {
        return Err(arg(
            "giving a struct to Ecto.Repo.update/2 is not supported. Ecto is unable to properly track changes when a struct is given, an Ecto.Changeset must be given instead",
            span,
        ));
    }
    Err(Error::raise(
        "FunctionClauseError",
        format!("no function clause matching in Ecto.Repo.Schema.update/4: {}", inspect::inspect(v)),
        span,
    ))
}

pub(crate) fn change(interp: &mut Interp, v: &Value, span: Span) -> EResult<Value> {
    interp.call("Ecto.Changeset", "change", vec![v.clone()], span)
}

fn put_change(interp: &mut Interp, cs: &Value, key: &str, value: Value, span: Span) -> EResult<Value> {
    interp.call("Ecto.Changeset", "put_change", vec![cs.clone(), Value::atom(key), value], span)
}

fn changes(cs: &Value) -> MapT {
    field(cs, "changes").as_map().cloned().unwrap_or_default()
}

fn set_changes(cs: &Value, ch: MapT) -> Value {
    put_field(cs, "changes", Value::map(ch))
}

fn is_valid(cs: &Value) -> bool {
    field(cs, "valid?") == Value::Bool(true)
}

fn put_repo_and_action(interp: &mut Interp, cs: &Value, action: &str, opts: &Value, span: Span) -> EResult<Value> {
    let repo = current_repo(interp);
    let given = field(cs, "action");
    let given_name = match &given {
        Value::Atom(a) => Some(a.to_string()),
        _ => None,
    };
    match given_name.as_deref() {
        Some("ignore") if is_valid(cs) => {
            return Err(arg(
                format!("a valid changeset with action :ignore was given to {}.{action}/2. Changesets can only be ignored in a repository action if they are also invalid", inspect::inspect(&repo)),
                span,
            ))
        }
        Some("ignore") | None => {}
        Some(a) if a == action => {}
        Some(_) => {
            return Err(arg(
                format!("a changeset with action {} was given to {}.{action}/2", inspect::inspect(&given), inspect::inspect(&repo)),
                span,
            ))
        }
    }
    let cs = put_field(cs, "action", Value::atom(action));
    let cs = put_field(&cs, "repo", repo);
    Ok(put_field(&cs, "repo_opts", opts.clone()))
}

fn run_prepare(interp: &mut Interp, cs: &Value, span: Span) -> EResult<Value> {
    let prepare = field(cs, "prepare").as_list().map(|l| l.to_vec()).unwrap_or_default();
    let mut acc = cs.clone();
    for f in prepare.iter().rev() {
        let out = interp.apply(f, vec![acc.clone()], span)?;
        if !is_changeset(&out) {
            return Err(Error::raise(
                "RuntimeError",
                format!(
                    "expected function {} given to Ecto.Changeset.prepare_changes/2 to return an Ecto.Changeset, got: `{}`",
                    inspect::inspect(f),
                    inspect::inspect(&out)
                ),
                span,
            ));
        }
        acc = out;
    }
    Ok(acc)
}

fn has_prepare(cs: &Value) -> bool {
    field(cs, "prepare").as_list().is_some_and(|l| !l.is_empty())
}

// ---- schema helpers -------------------------------------------------------------

pub(crate) fn schema_of(interp: &mut Interp, data: &Value, span: Span) -> EResult<Rc<Schema>> {
    let Some(name) = data.struct_name().map(|s| s.to_string()) else {
        return Err(arg(format!("cannot perform the operation on {}: expected a struct", inspect::inspect(data)), span));
    };
    match schema::lookup(interp, &name) {
        Some(s) if !s.is_embedded() => Ok(s),
        _ => Err(arg(format!("{name} needs to be a schema with source"), span)),
    }
}

fn field_type(schema: &Schema, name: &str) -> Type {
    schema.field(name).map(|f| Type::from(&f.ty)).unwrap_or(Type::Any)
}

fn source_of(schema: &Schema, name: &str) -> String {
    schema.field_source(name).unwrap_or(name).to_string()
}

/// `__schema__(:insertable_fields)` / `(:updatable_fields)`: (keep, drop),
/// in reverse definition order as Ecto builds them.
fn writable_fields(schema: &Schema, update: bool) -> (Vec<String>, Vec<String>) {
    let mut keep = Vec::new();
    let mut drop = Vec::new();
    for f in schema.fields.iter().filter(|f| !f.virtual_) {
        let ok = if update { f.writable == Writable::Always } else { f.writable != Writable::Never };
        if ok {
            keep.insert(0, f.name.clone());
        } else {
            drop.insert(0, f.name.clone());
        }
    }
    (keep, drop)
}

/// `returning(schema, opts)` plus read_after_writes, then
/// `fields_to_sources/2`: (field, type) and column, in reverse order.
fn returning(schema: &Schema, opts: &Value, add_raw: bool, span: Span) -> EResult<(Vec<(String, Type)>, Vec<String>)> {
    let mut fields: Vec<String> = match opt(opts, "returning") {
        Some(Value::List(l)) if l.is_empty() => {
            return Err(arg(":returning expects at least one field to be given, got an empty list", span))
        }
        Some(Value::List(l)) => l.iter().filter_map(|v| v.as_atom().map(|s| s.to_string())).collect(),
        Some(Value::Bool(true)) => schema.field_names().map(|s| s.to_string()).collect(),
        _ => vec![],
    };
    if add_raw {
        for f in &schema.read_after_writes {
            if !fields.contains(f) {
                fields.push(f.clone());
            }
        }
    }
    let mut types = Vec::new();
    let mut sources = Vec::new();
    for f in &fields {
        let Some(fd) = schema.field(f) else {
            return Err(Error::raise("KeyError", format!("key {} not found", inspect::inspect(&Value::atom(f))), span));
        };
        types.insert(0, (f.clone(), Type::from(&fd.ty)));
        sources.insert(0, fd.source.clone());
    }
    Ok((types, sources))
}

/// The value a field gets from `timestamps()` or an `autogenerate:` option.
fn autogenerate_value(interp: &mut Interp, how: &Autogenerate, span: Span) -> EResult<Value> {
    match how {
        Autogenerate::Timestamp(ty) => {
            let micros = super::now_micros(interp);
            Ok(timestamp(&Type::from(ty), micros))
        }
        Autogenerate::Mfa { module, fun, args } => interp.call(module, fun, args.clone(), span),
        Autogenerate::Type(ty) => match Type::from(ty) {
            Type::Custom(m) => interp.call(&m, "autogenerate", vec![], span),
            Type::Parameterized(m, p) => interp.call(&m, "autogenerate", vec![p], span),
            Type::Uuid => Ok(Value::string(types::register::generate_uuid(interp))),
            _ => Ok(Value::Nil),
        },
    }
}

/// `Ecto.Schema.__timestamps__/1`.
pub(crate) fn timestamp(ty: &Type, unix_micros: i64) -> Value {
    let epoch = Date { year: 1970, month: 1, day: 1 }.to_days() * 86400;
    let secs = unix_micros.div_euclid(1_000_000);
    let micro = unix_micros.rem_euclid(1_000_000) as u32;
    let naive = |usec: bool| {
        if usec {
            NaiveDateTime::from_seconds(epoch + secs, micro, 6)
        } else {
            NaiveDateTime::from_seconds(epoch + secs, 0, 0)
        }
    };
    match ty {
        Type::NaiveDatetimeUsec => Value::NaiveDateTime(naive(true)),
        Type::UtcDatetime => Value::DateTime(DateTime { naive: naive(false) }),
        Type::UtcDatetimeUsec => Value::DateTime(DateTime { naive: naive(true) }),
        Type::Date => Value::Date(naive(false).date),
        _ => Value::NaiveDateTime(naive(false)),
    }
}

/// `autogenerate_changes/3`: generated values for fields not in `changes`.
fn autogenerate_changes(interp: &mut Interp, schema: &Schema, update: bool, changes: &MapT, span: Span) -> EResult<Vec<(String, Value)>> {
    let groups = if update { &schema.autoupdate } else { &schema.autogenerate };
    let mut out = Vec::new();
    for (fields, how) in groups {
        let missing: Vec<&String> = fields.iter().filter(|f| !changes.contains_key(&Value::atom(f))).collect();
        if missing.is_empty() {
            continue;
        }
        let v = autogenerate_value(interp, how, span)?;
        for f in missing {
            out.push((f.clone(), v.clone()));
        }
    }
    Ok(out)
}

/// `dump_field!/6`.
fn dump_field(interp: &mut Interp, action: &str, schema: &Schema, name: &str, ty: &Type, v: &Value, span: Span) -> EResult<Value> {
    // Values already in the form SQLite stores dump to themselves.
    match (ty, v) {
        (Type::Id | Type::Integer, Value::Int(_)) | (Type::String, Value::Str(_)) | (Type::Float, Value::Float(_)) => return Ok(v.clone()),
        (Type::Id | Type::Integer | Type::String | Type::Float | Type::Boolean | Type::Decimal, Value::Nil) => return Ok(Value::Nil),
        _ => {}
    }
    let adapter = super::adapter(interp);
    match types::adapter_dump(interp, adapter, ty, v, span)? {
        Some(d) => Ok(d),
        None => Err(Error::raise(
            "Ecto.ChangeError",
            format!("value `{}` for `{}.{name}` in `{action}` does not match type {}", inspect::inspect(v), schema.module, ty.format()),
            span,
        )),
    }
}

fn dump_fields(interp: &mut Interp, action: &str, schema: &Schema, kv: &[(String, Value)], span: Span) -> EResult<Vec<(String, Value)>> {
    let mut out = Vec::with_capacity(kv.len());
    for (k, v) in kv {
        let ty = field_type(schema, k);
        let d = dump_field(interp, action, schema, k, &ty, v, span)?;
        out.push((source_of(schema, k), d));
    }
    Ok(out)
}

/// `Ecto.Type.adapter_load/3` raising Ecto's `ArgumentError`.
pub(crate) fn load_value(interp: &mut Interp, ty: &Type, v: &Value, name: &str, schema: Option<&str>, span: Span) -> EResult<Value> {
    let adapter = super::adapter(interp);
    match types::adapter_load(interp, adapter, ty, v, span)? {
        Some(x) => Ok(x),
        None => {
            let in_schema = schema.map(|s| format!(" in schema {s}")).unwrap_or_default();
            Err(arg(format!("cannot load `{}` as type {} for field `{name}`{in_schema}", inspect::inspect(v), ty.format()), span))
        }
    }
}

// ---- statements ----------------------------------------------------------------

/// What `Ecto.Adapters.SQL.struct/10` concluded.
enum StructResult {
    Ok(Vec<(String, Value)>),
    Invalid(Vec<Violation>),
    Stale,
}

fn run_struct(
    interp: &mut Interp,
    sql_text: &str,
    values: Vec<Value>,
    on_conflict_nothing: bool,
    ret: &[String],
    op: &str,
    source: &str,
    span: Span,
) -> EResult<StructResult> {
    let params = values.clone();
    let ctx = super::telemetry::Context { source: Some(source.to_string()), cast_params: None };
    let result = super::telemetry::with_context(interp, ctx, |i| with_conn(i, span, |c| c.query(sql_text, values)))?;
    match result {
        Ok(r) => {
            let (n, rows) = util::into_rows(sql_text, r);
            match (n, rows) {
                (1, None) => Ok(StructResult::Ok(vec![])),
                (1, Some(rows)) if rows.len() == 1 => {
                    Ok(StructResult::Ok(ret.iter().cloned().zip(rows.into_iter().next().unwrap_or_default()).collect()))
                }
                (1, Some(rows)) if rows.is_empty() => Ok(StructResult::Ok(vec![])),
                (0, _) => Ok(if on_conflict_nothing { StructResult::Ok(vec![]) } else { StructResult::Stale }),
                (n, _) => Err(errors::multiple_primary_key(op, source, &params, n, span)),
            }
        }
        Err(e) => constraint_result(&e, sql_text, span),
    }
}

fn constraint_result(e: &DbError, sql_text: &str, span: Span) -> EResult<StructResult> {
    let v = errors::to_constraints(&e.message);
    if v.is_empty() {
        Err(errors::raise_db_in(e, Some(sql_text), span))
    } else {
        Ok(StructResult::Invalid(v))
    }
}

/// `constraints_to_errors/3`.
fn constraints_to_errors(interp: &mut Interp, cs: &Value, action: &str, violations: &[Violation], span: Span) -> EResult<Value> {
    let user = field(cs, "constraints").as_list().map(|l| l.to_vec()).unwrap_or_default();
    let mut new_errors = Vec::new();
    for v in violations {
        let found = user.iter().find(|c| {
            if field(c, "type").as_atom() != Some(v.kind) {
                return false;
            }
            let name = match &v.name {
                Some(n) => n.as_str(),
                None => return matches!(field(c, "constraint"), Value::Nil),
            };
            let matcher = field(c, "match");
            match field(c, "constraint") {
                Value::Str(cc) => match matcher.as_atom() {
                    Some("suffix") => name.ends_with(&*cc),
                    Some("prefix") => name.starts_with(&*cc),
                    _ => name == &*cc,
                },
                Value::Regex(r) => r.compiled.as_ref().is_some_and(|re| re.is_match(name)),
                _ => false,
            }
        });
        match found {
            Some(c) => {
                let opts = Value::keyword(vec![
                    ("constraint", field(c, "error_type")),
                    ("constraint_name", v.name.as_deref().map(Value::str).unwrap_or(Value::Nil)),
                ]);
                new_errors.push(Value::tuple(vec![field(c, "field"), Value::tuple(vec![field(c, "error_message"), opts])]));
            }
            None => return Err(errors::constraint_error(action, v, cs, span)),
        }
    }
    let _ = interp;
    let mut all = new_errors;
    all.extend(field(cs, "errors").as_list().unwrap_or(&[]).iter().cloned());
    let cs = put_field(cs, "errors", Value::list(all));
    Ok(put_field(&cs, "valid?", Value::Bool(false)))
}

/// `apply/4` of Ecto.Repo.Schema: stale and constraint handling.
fn conclude(
    interp: &mut Interp,
    user_cs: &Value,
    action: &str,
    r: StructResult,
    opts: &Value,
    span: Span,
) -> EResult<Result<Vec<(String, Value)>, Value>> {
    match r {
        StructResult::Ok(v) => Ok(Ok(v)),
        StructResult::Invalid(v) => Ok(Err(constraints_to_errors(interp, user_cs, action, &v, span)?)),
        StructResult::Stale => {
            if util::opt_true(opts, "allow_stale") {
                return Ok(Ok(vec![]));
            }
            match opt(opts, "stale_error_field") {
                Some(Value::Atom(f)) => {
                    let msg = opt(opts, "stale_error_message").cloned().unwrap_or_else(|| Value::str("is stale"));
                    let cs = interp.call(
                        "Ecto.Changeset",
                        "add_error",
                        vec![user_cs.clone(), Value::Atom(f.clone()), msg, Value::keyword(vec![("stale", Value::Bool(true))])],
                        span,
                    )?;
                    Ok(Err(cs))
                }
                _ => Err(errors::stale_entry(action, user_cs, span)),
            }
        }
    }
}

// ---- wrapping in a transaction --------------------------------------------------

/// `wrap_in_transaction/6`: a transaction when relations changed or there
/// are prepare functions (and none is open yet).
fn wrap(
    interp: &mut Interp,
    needed: bool,
    span: Span,
    mut body: impl FnMut(&mut Interp) -> EResult<Result<Value, Value>>,
) -> EResult<Result<Value, Value>> {
    let in_tx = with_conn(interp, span, |c| c.in_transaction())?;
    if !needed || in_tx {
        return body(interp);
    }
    let r = run_transaction(interp, span, &mut |i| match body(i)? {
        Ok(v) => Ok(v),
        Err(cs) => Err(Box::new(Error::Rollback(cs, span))),
    })?;
    Ok(r)
}

// ---- relations -----------------------------------------------------------------

/// `Relation.surface_changes/3` on insert: struct values become changes.
fn surface_changes(interp: &mut Interp, cs: &Value, data: &Value, _schema: &Schema, fields: &[String], span: Span) -> EResult<Value> {
    use crate::changeset::relation::{self, Outcome, Relation};
    let mut ch = changes(cs);
    let types = field(cs, "types").as_map().cloned().unwrap_or_default();
    let mut errors: Vec<Value> = Vec::new();
    for f in fields {
        let key = Value::atom(f);
        if ch.contains_key(&key) {
            continue;
        }
        let value = field(data, f);
        match types.get(&key) {
            Some(t) if Relation::tag_of(t).is_some() => {
                let Some(rel) = Relation::from_type(t) else { continue };
                let empty = if rel.many { Value::list(vec![]) } else { Value::Nil };
                let value = if value.struct_name() == Some("Ecto.Association.NotLoaded") { empty.clone() } else { value };
                match relation::change(interp, &rel, &value, &empty, span)? {
                    Outcome::Ok(change, _) if change != empty => {
                        ch.insert(key, change);
                    }
                    Outcome::Error(e) => errors.push(Value::tuple(vec![key, e])),
                    _ => {}
                }
            }
            Some(_) if !matches!(value, Value::Nil) && data.get_field(f).is_some() => {
                ch.insert(key, value);
            }
            _ => {}
        }
    }
    let cs = set_changes(cs, ch);
    if errors.is_empty() {
        return Ok(cs);
    }
    errors.extend(field(&cs, "errors").as_list().unwrap_or(&[]).iter().cloned());
    let cs = put_field(&cs, "errors", Value::list(errors));
    Ok(put_field(&cs, "valid?", Value::Bool(false)))
}

/// `pop_assocs/2`: the changeset without association changes, parents
/// (belongs_to) and children.
fn pop_assocs(cs: &Value, schema: &Schema) -> (Value, Vec<(Assoc, Value)>, Vec<(Assoc, Value)>, Vec<String>) {
    let mut ch = changes(cs);
    let data = field(cs, "data");
    let mut parents = Vec::new();
    let mut children = Vec::new();
    let mut reset = Vec::new();
    for a in &schema.assocs {
        let key = Value::atom(&a.field);
        if let Some(v) = ch.remove(&key) {
            if matches!(a.kind, AssocKind::BelongsTo) {
                parents.insert(0, (a.clone(), v));
            } else {
                children.insert(0, (a.clone(), v));
            }
        } else if matches!(a.kind, AssocKind::BelongsTo) {
            // reset_parent?: the foreign key changed away from the loaded parent.
            if let Some(owner_value) = ch.get(&Value::atom(&a.owner_key)) {
                let current = field(&data, &a.field);
                let reset_it = match &current {
                    Value::Nil => !matches!(owner_value, Value::Nil),
                    v if v.as_struct().is_some() && v.struct_name() != Some("Ecto.Association.NotLoaded") => {
                        field(v, &a.related_key) != *owner_value
                    }
                    _ => false,
                };
                if reset_it {
                    reset.insert(0, a.field.clone());
                }
            }
        }
    }
    (set_changes(cs, ch), parents, children, reset)
}

/// Runs the repo action of an association changeset.
fn assoc_action(interp: &mut Interp, cs: &Value, opts: &Value, span: Span) -> EResult<Result<Value, Value>> {
    let action = super::util::action_of(&field(cs, "action")).to_string();
    match action.as_str() {
        "insert" => do_insert(interp, cs, opts, span),
        "update" => do_update(interp, cs, opts, span),
        "delete" => do_delete(interp, cs, opts, span),
        "replace" => Ok(Ok(Value::Nil)),
        "ignore" => Ok(Ok(Value::Nil)),
        other => Err(arg(format!("unknown action :{other} for an association changeset"), span)),
    }
}

fn assoc_opts(opts: &Value) -> Value {
    let keep = ["timeout", "log", "telemetry_event", "prefix", "allow_stale"];
    Value::list(
        opts.as_list()
            .unwrap_or(&[])
            .iter()
            .filter(|i| matches!(i.as_tuple(), Some([k, _]) if k.as_atom().is_some_and(|k| keep.contains(&k))))
            .cloned()
            .collect(),
    )
}

/// `process_parents/6`: inserts or updates belongs_to parents first and
/// copies their keys into the foreign keys.
fn process_parents(
    interp: &mut Interp,
    cs: &Value,
    user_cs: &Value,
    parents: &[(Assoc, Value)],
    reset: &[String],
    opts: &Value,
    span: Span,
) -> EResult<Value> {
    if parents.is_empty() && reset.is_empty() {
        return Ok(cs.clone());
    }
    let mut data = field(cs, "data");
    let mut ch = changes(cs);
    let mut errors: MapT = MapT::new();
    let mut valid = true;
    for (refl, value) in parents {
        let key = Value::atom(&refl.field);
        if matches!(value, Value::Nil) {
            data = put_field(&data, &refl.field, Value::Nil);
            continue;
        }
        match assoc_action(interp, value, opts, span)? {
            Ok(parent) => {
                data = put_field(&data, &refl.field, parent);
            }
            Err(err_cs) => {
                valid = false;
                errors.insert(key, err_cs);
            }
        }
    }
    if !valid || !is_valid(cs) {
        if valid {
            return Ok(user_cs.clone());
        }
        let mut uch = changes(user_cs);
        for (k, v) in errors {
            uch.insert(k, v);
        }
        let u = set_changes(user_cs, uch);
        return Ok(put_field(&u, "valid?", Value::Bool(false)));
    }
    for (refl, _) in parents {
        let related = field(&data, &refl.field);
        let value = if matches!(related, Value::Nil) { Value::Nil } else { field(&related, &refl.related_key) };
        let fk = Value::atom(&refl.owner_key);
        if let Some(current) = ch.get(&fk) {
            if *current != value {
                return Err(arg(
                    format!(
                        "cannot change belongs_to association `{}` because there is already a change setting its foreign key `{}` to `{}`",
                        refl.field,
                        refl.owner_key,
                        inspect::inspect(current)
                    ),
                    span,
                ));
            }
        }
        ch.insert(fk, value);
    }
    for f in reset {
        if let Some(a) = data.as_struct().map(|_| f.clone()) {
            let owner = data.struct_name().unwrap_or_default().to_string();
            let card = Cardinality::One;
            data = put_field(&data, &a, schema::not_loaded(&a, &owner, card));
        }
    }
    let cs = set_changes(cs, ch);
    Ok(put_field(&cs, "data", data))
}

/// `process_children/5`: inserts, updates or deletes the children with
/// the parent's key and puts the results on the struct.
fn process_children(
    interp: &mut Interp,
    cs: &Value,
    user_cs: &Value,
    children: &[(Assoc, Value)],
    opts: &Value,
    span: Span,
) -> EResult<Result<Value, Value>> {
    let mut parent = field(cs, "data");
    if children.is_empty() {
        return Ok(Ok(parent));
    }
    let mut error_changes: MapT = MapT::new();
    let mut valid = true;
    for (refl, value) in children {
        let owner_value = field(&parent, &refl.owner_key);
        if refl.cardinality == Cardinality::One {
            let current = if matches!(value, Value::Nil) { Value::Nil } else { field(value, "data") };
            maybe_replace_one(interp, refl, &parent, &current, opts, span)?;
        }
        let items: Vec<Value> = match (refl.cardinality, value) {
            (Cardinality::One, Value::Nil) => {
                parent = put_field(&parent, &refl.field, Value::Nil);
                continue;
            }
            (Cardinality::One, v) => vec![v.clone()],
            (Cardinality::Many, Value::List(l)) => l.to_vec(),
            _ => vec![],
        };
        let mut structs = Vec::new();
        let mut changesets = Vec::new();
        let mut halted = false;
        for child in items {
            if halted {
                changesets.push(child);
                continue;
            }
            let action = super::util::action_of(&field(&child, "action")).to_string();
            let action = match action.as_str() {
                "replace" => match refl.on_replace.as_str() {
                    "delete" | "delete_if_exists" => "delete".to_string(),
                    "nilify" => "nilify".to_string(),
                    "update" => "update".to_string(),
                    _ => "replace".to_string(),
                },
                a => a.to_string(),
            };
            let result = match (&refl.kind, action.as_str()) {
                (AssocKind::ManyToMany { .. }, "delete") => {
                    many_to_many_unlink(interp, refl, &parent, &field(&child, "data"), span)?;
                    Ok(Value::Nil)
                }
                (AssocKind::ManyToMany { .. }, _) => {
                    let child = put_field(&child, "action", Value::atom(&action));
                    let r = assoc_action(interp, &child, opts, span)?;
                    match r {
                        Ok(related) if !matches!(related, Value::Nil) => {
                            // insert_join?/4
                            let insert_join = action == "insert" || super::util::action_of(&field(user_cs, "action")) == "insert" || {
                                let key = field(&related, &refl_related_key(refl));
                                !field(&parent, &refl.field)
                                    .as_list()
                                    .unwrap_or(&[])
                                    .iter()
                                    .any(|c| field(c, &refl_related_key(refl)) == key)
                            };
                            if insert_join {
                                many_to_many_link(interp, refl, &parent, &related, span)?;
                            }
                            Ok(related)
                        }
                        other => other,
                    }
                }
                (_, "nilify") => {
                    let c = put_field(&child, "action", Value::atom("update"));
                    let c = put_change(interp, &c, &refl.related_key, Value::Nil, span)?;
                    assoc_action(interp, &c, opts, span)?.map(|_| Value::Nil)
                }
                (_, "delete") => {
                    let c = put_field(&child, "action", Value::atom("delete"));
                    match assoc_action(interp, &c, opts, span) {
                        Ok(r) => r.map(|_| Value::Nil),
                        Err(e) if refl.on_replace == "delete_if_exists" && e.kind() == "Ecto.StaleEntryError" => Ok(Value::Nil),
                        Err(e) => return Err(e),
                    }
                }
                _ => {
                    let c = put_field(&child, "action", Value::atom(&action));
                    let c = put_change(interp, &c, &refl.related_key, owner_value.clone(), span)?;
                    assoc_action(interp, &c, opts, span)?
                }
            };
            match result {
                Ok(Value::Nil) => changesets.push(child),
                Ok(s) => {
                    structs.push(s);
                    changesets.push(child);
                }
                Err(err_cs) => {
                    valid = false;
                    if is_valid(&child) {
                        halted = true;
                    }
                    changesets.push(err_cs);
                }
            }
        }
        if valid {
            let v = match refl.cardinality {
                Cardinality::One => structs.into_iter().next().unwrap_or(Value::Nil),
                Cardinality::Many => Value::list(structs),
            };
            parent = put_field(&parent, &refl.field, v);
        }
        let v = match refl.cardinality {
            Cardinality::One => changesets.into_iter().next().unwrap_or(Value::Nil),
            Cardinality::Many => Value::list(changesets),
        };
        error_changes.insert(Value::atom(&refl.field), v);
    }
    if valid {
        Ok(Ok(parent))
    } else {
        let mut uch = changes(user_cs);
        for (k, v) in error_changes {
            uch.insert(k, v);
        }
        let u = set_changes(user_cs, uch);
        Ok(Err(put_field(&u, "valid?", Value::Bool(false))))
    }
}

fn join_keys(refl: &Assoc) -> Option<(String, String, String, String, crate::schema::JoinThrough)> {
    match &refl.kind {
        AssocKind::ManyToMany { join_through, join_keys, .. } => {
            Some((join_keys[0].0.clone(), join_keys[0].1.clone(), join_keys[1].0.clone(), join_keys[1].1.clone(), join_through.clone()))
        }
        _ => None,
    }
}

/// Inserts the join row of a many_to_many (`insert_join/5`).
fn many_to_many_link(interp: &mut Interp, refl: &Assoc, owner: &Value, related: &Value, span: Span) -> EResult<()> {
    let Some((jo, ok, jr, rk, through)) = join_keys(refl) else { return Ok(()) };
    let owner_value = field(owner, &ok);
    let related_value = field(related, &rk);
    if matches!(owner_value, Value::Nil) || matches!(related_value, Value::Nil) {
        return Err(Error::raise(
            "RuntimeError",
            format!("could not insert join entry because `{ok}` is nil in {}", inspect::inspect(owner)),
            span,
        ));
    }
    let on_conflict = match &refl.kind {
        AssocKind::ManyToMany { on_join_through_conflict, .. } => on_join_through_conflict.clone(),
        _ => "raise".into(),
    };
    let opts = Value::keyword(vec![("on_conflict", Value::atom(&on_conflict))]);
    match through {
        crate::schema::JoinThrough::Table(t) => {
            let owner_schema = schema_of(interp, owner, span)?;
            let related_schema = schema_of(interp, related, span)?;
            let ov = dump_field(interp, "insert", &owner_schema, &ok, &field_type(&owner_schema, &ok), &owner_value, span)?;
            let rv = dump_field(interp, "insert", &related_schema, &rk, &field_type(&related_schema, &rk), &related_value, span)?;
            let mut row = MapT::new();
            row.insert(Value::atom(&jo), ov);
            row.insert(Value::atom(&jr), rv);
            do_insert_all(interp, &Value::str(&t), &Value::list(vec![Value::map(row)]), &opts, span)?;
        }
        crate::schema::JoinThrough::Schema(m) => {
            let Some(js) = schema::lookup(interp, &m) else { return Err(arg(format!("{m} is not a schema"), span)) };
            let mut s = js.new_struct();
            s = put_field(&s, &jo, owner_value);
            s = put_field(&s, &jr, related_value);
            let cs = change(interp, &s, span)?;
            // A failing join row insert surfaces as the child's error in Ecto; here it is ignored.
            let _ = do_insert(interp, &cs, &opts, span)?;
        }
    }
    Ok(())
}

/// `maybe_replace_one!/6`: a loaded previous child with another primary
/// key is replaced as its `on_replace` says.
fn maybe_replace_one(interp: &mut Interp, refl: &Assoc, parent: &Value, current: &Value, opts: &Value, span: Span) -> EResult<()> {
    let previous = field(parent, &refl.field);
    let replaceable = match &previous {
        Value::Nil => false,
        p if p.struct_name() == Some("Ecto.Association.NotLoaded") => false,
        p => field(&util::meta(p), "state").as_atom() != Some("built"),
    };
    if !replaceable {
        return Ok(());
    }
    let pk = |interp: &mut Interp, v: &Value| -> Vec<Value> {
        match v.struct_name().and_then(|m| schema::lookup(interp, m)) {
            Some(s) => s.primary_key.iter().map(|k| field(v, k)).collect(),
            None => vec![],
        }
    };
    let (a, b) = (pk(interp, &previous), if matches!(current, Value::Nil) { vec![] } else { pk(interp, current) });
    if a == b {
        return Ok(());
    }
    let cs = change(interp, &previous, span)?;
    let result = match refl.on_replace.as_str() {
        "delete" | "delete_if_exists" => {
            let c = put_field(&cs, "action", Value::atom("delete"));
            match do_delete(interp, &c, opts, span) {
                Err(e) if refl.on_replace == "delete_if_exists" && e.kind() == "Ecto.StaleEntryError" => Ok(Value::Nil),
                other => other?.map(|_| Value::Nil),
            }
        }
        "nilify" | "update" if matches!(refl.kind, AssocKind::Has { .. }) => {
            let c = put_field(&cs, "action", Value::atom("update"));
            let c = put_change(interp, &c, &refl.related_key, Value::Nil, span)?;
            do_update(interp, &c, opts, span)?.map(|_| Value::Nil)
        }
        _ => Ok(Value::Nil),
    };
    match result {
        Ok(_) => Ok(()),
        Err(cs) => Err(errors::invalid_changeset(interp, util::action_of(&field(&cs, "action")), &cs, span)),
    }
}

fn refl_related_key(refl: &Assoc) -> String {
    match &refl.kind {
        AssocKind::ManyToMany { join_keys, .. } => join_keys[1].1.clone(),
        _ => refl.related_key.clone(),
    }
}

fn join_where_of(refl: &Assoc) -> Value {
    match &refl.kind {
        AssocKind::ManyToMany { join_where, .. } => join_where.clone(),
        _ => Value::list(vec![]),
    }
}

/// Deletes the join row of a many_to_many for a `:delete` child.
fn many_to_many_unlink(interp: &mut Interp, refl: &Assoc, owner: &Value, related: &Value, span: Span) -> EResult<()> {
    let Some((jo, ok, jr, rk, through)) = join_keys(refl) else { return Ok(()) };
    let owner_value = field(owner, &ok);
    let related_value = field(related, &rk);
    let source = match &through {
        crate::schema::JoinThrough::Table(t) => Value::str(t),
        crate::schema::JoinThrough::Schema(m) => Value::module(m),
    };
    let (ov, rv) = match &through {
        crate::schema::JoinThrough::Table(_) => {
            let owner_schema = schema_of(interp, owner, span)?;
            let related_schema = schema_of(interp, related, span)?;
            (
                dump_field(interp, "delete", &owner_schema, &ok, &field_type(&owner_schema, &ok), &owner_value, span)?,
                dump_field(interp, "delete", &related_schema, &rk, &field_type(&related_schema, &rk), &related_value, span)?,
            )
        }
        crate::schema::JoinThrough::Schema(_) => (owner_value, related_value),
    };
    let q = super::eval_template(
        interp,
        "m2m_unlink",
        "src |> where([j], field(j, ^jo) == ^ov) |> where([j], field(j, ^jr) == ^rv)",
        &[("src", source), ("jo", Value::atom(&jo)), ("ov", ov), ("jr", Value::atom(&jr)), ("rv", rv)],
        span,
    )?;
    let q = super::bridge::combine_assoc_where(interp, &q, &join_where_of(refl), span)?;
    super::queryable::delete_all(interp, vec![q], span)?;
    Ok(())
}

// ---- embeds --------------------------------------------------------------------

/// `Ecto.Embedded.prepare/4`: embed changesets in `changes` become structs.
fn prepare_embeds(interp: &mut Interp, cs: &Value, schema: &Schema, action: &str, span: Span) -> EResult<MapT> {
    let ch = changes(cs);
    let mut out = MapT::new();
    for name in &schema.embeds {
        let key = Value::atom(name);
        let Some(v) = ch.get(&key) else { continue };
        let Some(emb) = schema.embed(name) else { continue };
        let related = emb.related.clone();
        let on_replace = emb.on_replace.clone();
        let prepared = match (emb.cardinality, v) {
            (Cardinality::One, Value::Nil) => Value::Nil,
            (Cardinality::One, c) => embed_to_struct(interp, c, action, &related, &on_replace, span)?,
            (Cardinality::Many, Value::List(items)) => {
                let mut out = Vec::new();
                for c in items.iter() {
                    let s = embed_to_struct(interp, c, action, &related, &on_replace, span)?;
                    if !matches!(s, Value::Nil) {
                        out.push(s);
                    }
                }
                Value::list(out)
            }
            (_, other) => other.clone(),
        };
        out.insert(key, prepared);
    }
    Ok(out)
}

fn embed_to_struct(interp: &mut Interp, c: &Value, repo_action: &str, related: &str, on_replace: &str, span: Span) -> EResult<Value> {
    if !is_changeset(c) {
        return Ok(c.clone());
    }
    let mut action = super::util::action_of(&field(c, "action")).to_string();
    if action == "replace" && on_replace == "delete" {
        action = "delete".into();
    }
    if action == "update" && repo_action == "insert" {
        action = "insert".into();
    }
    let c = run_prepare(interp, c, span)?;
    if !is_valid(&c) {
        return Err(arg(format!("changeset for embedded {related} is invalid, but the parent changeset was not marked as invalid"), span));
    }
    let data = field(&c, "data");
    let ch = changes(&c);
    if action == "update" && ch.is_empty() {
        return Ok(data);
    }
    if action == "delete" || action == "replace" {
        return Ok(Value::Nil);
    }
    let Some(schema) = schema::lookup(interp, related) else { return Ok(data) };
    let c = if action == "insert" {
        let fields: Vec<String> = schema.field_names().map(|s| s.to_string()).collect();
        surface_changes(interp, &c, &data, &schema, &fields, span)?
    } else {
        c
    };
    let mut ch = changes(&c);
    let nested = prepare_embeds(interp, &c, &schema, &action, span)?;
    for (k, v) in nested {
        ch.insert(k, v);
    }
    if action == "insert" {
        if let Some((key, _, ty)) = &schema.autogenerate_id {
            let k = Value::atom(key);
            if !ch.contains_key(&k) {
                if matches!(Type::from(ty), Type::BinaryId) {
                    ch.insert(k, Value::string(types::register::generate_uuid(interp)));
                } else {
                    return Err(arg(
                        format!("embedded schema `{related}` cannot autogenerate `:id` primary keys, those are typically used for auto-incrementing constraints. Maybe you meant to use `:binary_id` instead?"),
                        span,
                    ));
                }
            }
        }
    }
    for (k, v) in autogenerate_changes(interp, &schema, action == "update", &ch, span)? {
        ch.insert(Value::atom(&k), v);
    }
    let mut s = data;
    for (k, v) in ch {
        if let Some(k) = k.as_atom() {
            s = put_field(&s, k, v);
        }
    }
    Ok(s)
}

// ---- loading results --------------------------------------------------------

/// `load_changes/8`: merges changes, embeds and autogenerated values into
/// the data, sets the metadata and loads the returned values.
#[allow(clippy::too_many_arguments)]
fn load_changes(
    interp: &mut Interp,
    cs: &Value,
    state: &str,
    return_types: &[(String, Type)],
    values: &[(String, Value)],
    embeds: &MapT,
    autogen: &[(String, Value)],
    schema: &Schema,
    prefix: &Value,
    span: Span,
) -> EResult<Value> {
    let mut data = field(cs, "data");
    let ch = changes(cs);
    for (k, v) in ch.iter().chain(embeds.iter()) {
        if let Some(k) = k.as_atom() {
            if data.as_struct().is_some_and(|s| s.has(k)) {
                data = put_field(&data, k, v.clone());
            }
        }
    }
    for (k, v) in autogen {
        data = put_field(&data, k, v.clone());
    }
    let source = schema.source.as_deref().map(Value::str).unwrap_or(Value::Nil);
    let source = match field(&util::meta(&data), "source") {
        Value::Nil => source,
        s => s,
    };
    data = put_meta(&data, &[("state", Value::atom(state)), ("source", source), ("prefix", prefix.clone())]);
    for ((_, value), (key, ty)) in values.iter().zip(return_types.iter()) {
        let loaded = load_value(interp, ty, value, key, Some(&schema.module), span)?;
        data = put_field(&data, key, loaded);
    }
    Ok(put_field(cs, "data", data))
}

// ---- insert --------------------------------------------------------------------

fn resolve_prefix(opts: &Value, data: &Value) -> Value {
    match opts.keyword_get("prefix") {
        Some(p) => p.clone(),
        None => field(&util::meta(data), "prefix"),
    }
}

fn table_of(schema: &Schema, data: &Value) -> String {
    match field(&util::meta(data), "source") {
        Value::Str(s) => s.to_string(),
        _ => schema.source.clone().unwrap_or_default(),
    }
}

pub(crate) fn do_insert(interp: &mut Interp, cs: &Value, opts: &Value, span: Span) -> EResult<Result<Value, Value>> {
    if !is_valid(cs) {
        return Ok(Err(put_repo_and_action(interp, cs, "insert", opts, span)?));
    }
    let opts = kw_merge(&field(cs, "repo_opts"), opts);
    let data = field(cs, "data");
    if matches!(data, Value::Nil) {
        return Err(arg("cannot insert a changeset without :data", span));
    }
    let schema = schema_of(interp, &data, span)?;
    let (keep, _drop) = writable_fields(&schema, false);
    let (return_types, return_sources) = returning(&schema, &opts, true, span)?;
    let cs = put_repo_and_action(interp, cs, "insert", &opts, span)?;
    let mut surf: Vec<String> = keep.clone();
    surf.extend(schema.assocs.iter().map(|a| a.field.clone()));
    let cs = surface_changes(interp, &cs, &data, &schema, &surf, span)?;
    let cs = drop_non_writable(&cs, &schema, false);
    let relations_changed = {
        let ch = changes(&cs);
        schema.assocs.iter().any(|a| ch.contains_key(&Value::atom(&a.field)))
            || schema.embeds.iter().any(|e| ch.contains_key(&Value::atom(e)))
    };
    let needed = relations_changed || has_prepare(&cs);
    let prefix = resolve_prefix(&opts, &data);
    let table = table_of(&schema, &data);
    wrap(interp, needed, span, |interp| {
        let aopts = assoc_opts(&opts);
        let user_cs = run_prepare(interp, &cs, span)?;
        let user_cs = drop_non_writable(&user_cs, &schema, false);
        let (c, parents, children, _) = pop_assocs(&user_cs, &schema);
        let c = process_parents(interp, &c, &user_cs, &parents, &[], &aopts, span)?;
        if !is_valid(&c) {
            return Ok(Err(c));
        }
        let embeds = prepare_embeds(interp, &c, &schema, "insert", span)?;
        let mut ch = changes(&c);
        for (k, v) in &embeds {
            ch.insert(k.clone(), v.clone());
        }
        // autogenerate_id/5
        let mut dump_extra: Vec<(String, Value)> = Vec::new();
        let mut rtypes = return_types.clone();
        let mut rsources = return_sources.clone();
        if let Some((key, source, ty)) = &schema.autogenerate_id {
            if !ch.contains_key(&Value::atom(key)) {
                let ty = Type::from(ty);
                match adapter_autogenerate(interp, &ty) {
                    Some(dumped) => {
                        dump_extra.push((source.clone(), dumped));
                        rtypes.insert(0, (key.clone(), ty));
                    }
                    None => {
                        rtypes.insert(0, (key.clone(), ty));
                        rsources.retain(|s| s != source);
                        rsources.insert(0, source.clone());
                    }
                }
            }
        }
        let ch: MapT = ch.into_iter().filter(|(k, _)| k.as_atom().is_some_and(|k| keep.iter().any(|f| f == k))).collect();
        let autogen = autogenerate_changes(interp, &schema, false, &ch, span)?;
        let change_kv: Vec<(String, Value)> = map_entries(&Value::map(ch.clone()));
        let mut dumped = dump_fields(interp, "insert", &schema, &change_kv, span)?;
        dumped.extend(dump_fields(interp, "insert", &schema, &autogen, span)?);
        dumped.extend(dump_extra.iter().cloned());
        let (oc, conflict_params, nothing) = resolve_on_conflict(interp, &opts, Some(&schema), &table, dumped.len(), span)?;
        let header: Vec<String> = dumped.iter().map(|(k, _)| k.clone()).collect();
        let row = vec![Cell::Param; header.len()];
        let pg = super::postgres(interp);
        let sql_text =
            sql::insert(&prefix, &table, &header, &[row], &oc, &rsources, 0, pg).map_err(|e| Error::raise(e.kind, e.message, span))?;
        let mut values: Vec<Value> = dumped.iter().map(|(_, v)| v.clone()).collect();
        values.extend(conflict_params);
        let r = run_struct(interp, &sql_text, values, nothing, &rsources, "insert", &table, span)?;
        match conclude(interp, &user_cs, "insert", r, &opts, span)? {
            Ok(vals) => {
                let mut all = dump_extra.clone();
                all.extend(vals);
                let loaded = load_changes(interp, &c, "loaded", &rtypes, &all, &embeds, &autogen, &schema, &prefix, span)?;
                process_children(interp, &loaded, &user_cs, &children, &aopts, span)
            }
            Err(e) => Ok(Err(e)),
        }
    })
}

/// `Ecto.Type.adapter_autogenerate/2` with ecto_sqlite3's `autogenerate/1`
/// (a uuid string), or ecto_sql Postgres' (its 16 bytes, `bingenerate/0`).
fn adapter_autogenerate(interp: &mut Interp, ty: &Type) -> Option<Value> {
    match ty {
        Type::BinaryId | Type::Uuid => {
            let uuid = Value::string(types::register::generate_uuid(interp));
            if super::postgres(interp) {
                types::uuid::dump(&uuid)
            } else {
                Some(uuid)
            }
        }
        _ => None,
    }
}

fn drop_non_writable(cs: &Value, schema: &Schema, update: bool) -> Value {
    let (_, drop) = writable_fields(schema, update);
    if drop.is_empty() {
        return cs.clone();
    }
    let mut ch = changes(cs);
    for f in &drop {
        ch.remove(&Value::atom(f));
    }
    set_changes(cs, ch)
}

// ---- on_conflict ---------------------------------------------------------------

/// `on_conflict/7` + `conflict_target/2`: the adapter's on_conflict, the
/// extra parameters and whether it is `:nothing`.
fn resolve_on_conflict(
    interp: &mut Interp,
    opts: &Value,
    schema: Option<&Schema>,
    table: &str,
    counter: usize,
    span: Span,
) -> EResult<(OnConflict, Vec<Value>, bool)> {
    let raw_target = opts.keyword_get("conflict_target").cloned().unwrap_or(Value::list(vec![]));
    let target = match &raw_target {
        Value::Tuple(t) if t.len() == 2 && t[0].as_atom() == Some("unsafe_fragment") => {
            ConflictTarget::Fragment(t[1].as_str().unwrap_or_default().to_string())
        }
        other => {
            let items: Vec<Value> = match other {
                Value::List(l) => l.to_vec(),
                Value::Nil => vec![],
                v => vec![v.clone()],
            };
            let mut cols = Vec::new();
            for t in items {
                match (&t, schema) {
                    (Value::Atom(a), Some(s)) => match s.field(a) {
                        Some(f) => cols.push(f.source.clone()),
                        None => return Err(arg(format!("unknown field `{}` in conflict_target", inspect::inspect(&t)), span)),
                    },
                    (Value::Atom(a), None) => cols.push(a.to_string()),
                    (Value::Str(s), _) => cols.push(s.to_string()),
                    _ => cols.push(inspect::inspect(&t)),
                }
            }
            ConflictTarget::Columns(cols)
        }
    };
    let replace_changed = opts.keyword_get("replace_changed").map(|v| v.is_truthy()).unwrap_or(true);
    let oc = opts.keyword_get("on_conflict").cloned().unwrap_or(Value::atom("raise"));
    let target_fields: Vec<String> = match &raw_target {
        Value::List(l) => l.iter().filter_map(|v| v.as_atom().map(|s| s.to_string())).collect(),
        Value::Atom(a) => vec![a.to_string()],
        _ => vec![],
    };
    match &oc {
        Value::Atom(a) if &**a == "raise" => {
            if !target.is_empty() {
                return Err(arg(":conflict_target option is forbidden when :on_conflict is :raise", span));
            }
            Ok((OnConflict::Raise, vec![], false))
        }
        Value::Atom(a) if &**a == "nothing" => Ok((OnConflict::Nothing(target), vec![], true)),
        Value::Atom(a) if &**a == "replace_all" => {
            let remove = if replace_changed { target_fields } else { vec![] };
            let fields = replace_all_fields(schema, "replace_all", &remove, span)?;
            if fields.is_empty() {
                return Err(arg("empty list of fields to update, use the `:replace` option instead", span));
            }
            Ok((OnConflict::Replace(fields, target), vec![], false))
        }
        Value::Tuple(t) if t.len() == 2 && t[0].as_atom() == Some("replace_all_except") => {
            let mut remove: Vec<String> = if replace_changed { target_fields } else { vec![] };
            remove.extend(t[1].as_list().unwrap_or(&[]).iter().filter_map(|v| v.as_atom().map(|s| s.to_string())));
            let fields = replace_all_fields(schema, "replace_all_except", &remove, span)?;
            if fields.is_empty() {
                return Err(arg("empty list of fields to update, use the `:replace` option instead", span));
            }
            Ok((OnConflict::Replace(fields, target), vec![], false))
        }
        Value::Tuple(t) if t.len() == 2 && t[0].as_atom() == Some("replace") => {
            let keys = t[1].as_list().unwrap_or(&[]);
            if keys.is_empty() {
                return Err(arg(":on_conflict option with `{:replace, fields}` requires a non-empty list of fields", span));
            }
            let mut fields = Vec::new();
            for k in keys {
                let name = k.as_atom().unwrap_or_default();
                match schema {
                    None => fields.push(name.to_string()),
                    Some(s) => match s.field(name) {
                        Some(f) if f.writable == Writable::Always => fields.push(f.source.clone()),
                        _ => {
                            return Err(arg(
                                format!("cannot replace non-updatable field `{}` in :on_conflict option", inspect::inspect(k)),
                                span,
                            ))
                        }
                    },
                }
            }
            Ok((OnConflict::Replace(fields, target), vec![], false))
        }
        Value::List(kw) if !kw.is_empty() => keyword_on_conflict(interp, &oc, schema, table, target, counter, span),
        Value::Opaque(_) => super::queryable::on_conflict_query(interp, &oc, table, target, counter, span),
        other => Err(arg(format!("unknown value for :on_conflict, got: {}", inspect::inspect(other)), span)),
    }
}

fn replace_all_fields(schema: Option<&Schema>, kind: &str, remove: &[String], span: Span) -> EResult<Vec<String>> {
    let Some(s) = schema else {
        return Err(arg(format!("cannot use :{kind} on operations without a schema"), span));
    };
    let (updatable, _) = writable_fields(s, true);
    Ok(updatable.iter().filter(|f| !remove.contains(f)).map(|f| source_of(s, f)).collect())
}

/// A keyword `on_conflict: [set: [...], inc: [...]]`: `from(x in source,
/// update: ^kw)` planned as an update, as Ecto builds it.
fn keyword_on_conflict(
    interp: &mut Interp,
    kw: &Value,
    schema: Option<&Schema>,
    table: &str,
    target: ConflictTarget,
    counter: usize,
    span: Span,
) -> EResult<(OnConflict, Vec<Value>, bool)> {
    let from = match schema {
        Some(s) if s.source.as_deref() == Some(table) => Value::module(&s.module),
        Some(s) => Value::tuple(vec![Value::str(table), Value::module(&s.module)]),
        None => Value::str(table),
    };
    let q = super::eval_template(interp, "on_conflict_kw", "from(x in src, update: ^kw)", &[("src", from), ("kw", kw.clone())], span)?;
    super::queryable::on_conflict_query(interp, &q, table, target, counter, span)
}

// ---- update --------------------------------------------------------------------

fn pk_filters(schema: &Schema, cs: &Value, data: &Value, span: Span) -> EResult<Vec<(String, Value)>> {
    let mut filters: BTreeMap<String, Value> = BTreeMap::new();
    for (k, v) in field(cs, "filters").as_map().cloned().unwrap_or_default() {
        if let Some(k) = k.as_atom() {
            filters.insert(k.to_string(), v);
        }
    }
    if schema.primary_key.is_empty() {
        return Err(Error::raise("Ecto.NoPrimaryKeyFieldError", format!("schema `{}` has no primary key", schema.module), span));
    }
    for pk in &schema.primary_key {
        let v = field(data, pk);
        if matches!(v, Value::Nil) {
            return Err(Error::raise(
                "Ecto.NoPrimaryKeyValueError",
                format!("struct `{}` is missing primary key value", inspect::inspect(data)),
                span,
            ));
        }
        filters.insert(pk.clone(), v);
    }
    Ok(filters.into_iter().collect())
}

pub(crate) fn do_update(interp: &mut Interp, cs: &Value, opts: &Value, span: Span) -> EResult<Result<Value, Value>> {
    if !is_valid(cs) {
        return Ok(Err(put_repo_and_action(interp, cs, "update", opts, span)?));
    }
    let opts = kw_merge(&field(cs, "repo_opts"), opts);
    let data = field(cs, "data");
    if matches!(data, Value::Nil) {
        return Err(arg("cannot update a changeset without :data", span));
    }
    let schema = schema_of(interp, &data, span)?;
    let (keep, _) = writable_fields(&schema, true);
    let force = util::opt_true(&opts, "force");
    let filters = pk_filters(&schema, cs, &data, span)?;
    let (return_types, return_sources) = returning(&schema, &opts, true, span)?;
    let cs = put_repo_and_action(interp, cs, "update", &opts, span)?;
    let cs = drop_non_writable(&cs, &schema, true);
    if changes(&cs).is_empty() && !force {
        return Ok(Ok(data));
    }
    let relations_changed = {
        let ch = changes(&cs);
        schema.assocs.iter().any(|a| ch.contains_key(&Value::atom(&a.field)))
            || schema.embeds.iter().any(|e| ch.contains_key(&Value::atom(e)))
    };
    let needed = relations_changed || has_prepare(&cs);
    let prefix = resolve_prefix(&opts, &data);
    let table = table_of(&schema, &data);
    wrap(interp, needed, span, |interp| {
        let aopts = assoc_opts(&opts);
        let user_cs = run_prepare(interp, &cs, span)?;
        let user_cs = drop_non_writable(&user_cs, &schema, true);
        let (c, parents, children, reset) = pop_assocs(&user_cs, &schema);
        let c = process_parents(interp, &c, &user_cs, &parents, &reset, &aopts, span)?;
        if !is_valid(&c) {
            return Ok(Err(c));
        }
        let embeds = prepare_embeds(interp, &c, &schema, "update", span)?;
        let mut ch = changes(&c);
        for (k, v) in &embeds {
            ch.insert(k.clone(), v.clone());
        }
        let ch: MapT = ch.into_iter().filter(|(k, _)| k.as_atom().is_some_and(|k| keep.iter().any(|f| f == k))).collect();
        let autogen = autogenerate_changes(interp, &schema, true, &ch, span)?;
        let change_kv = map_entries(&Value::map(ch.clone()));
        let mut dumped = dump_fields(interp, "update", &schema, &change_kv, span)?;
        dumped.extend(dump_fields(interp, "update", &schema, &autogen, span)?);
        let dump_filters = dump_fields(interp, "update", &schema, &filters, span)?;
        let do_it = !ch.is_empty() || (!autogen.is_empty() && force);
        let (r, autogen) = if do_it {
            let fields: Vec<String> = dumped.iter().map(|(k, _)| k.clone()).collect();
            let fs: Vec<sql::Filter> = dump_filters.iter().map(|(k, v)| (k.clone(), matches!(v, Value::Nil))).collect();
            let sql_text = sql::update(&prefix, &table, &fields, &fs, &return_sources, super::postgres(interp))
                .map_err(|e| Error::raise(e.kind, e.message, span))?;
            let mut values: Vec<Value> = dumped.iter().map(|(_, v)| v.clone()).collect();
            values.extend(dump_filters.iter().map(|(_, v)| v.clone()));
            (run_struct(interp, &sql_text, values, false, &return_sources, "update", &table, span)?, autogen)
        } else {
            (StructResult::Ok(vec![]), vec![])
        };
        match conclude(interp, &user_cs, "update", r, &opts, span)? {
            Ok(vals) => {
                let loaded = load_changes(interp, &c, "loaded", &return_types, &vals, &embeds, &autogen, &schema, &prefix, span)?;
                process_children(interp, &loaded, &user_cs, &children, &aopts, span)
            }
            Err(e) => Ok(Err(e)),
        }
    })
}

// ---- delete --------------------------------------------------------------------

pub(crate) fn do_delete(interp: &mut Interp, cs: &Value, opts: &Value, span: Span) -> EResult<Result<Value, Value>> {
    if !is_valid(cs) {
        return Ok(Err(put_repo_and_action(interp, cs, "delete", opts, span)?));
    }
    let opts = kw_merge(&field(cs, "repo_opts"), opts);
    let data = field(cs, "data");
    if matches!(data, Value::Nil) {
        return Err(arg("cannot delete a changeset without :data", span));
    }
    let schema = schema_of(interp, &data, span)?;
    let on_delete: Vec<Assoc> = schema
        .assocs
        .iter()
        .filter(|a| match &a.kind {
            AssocKind::Has { on_delete } => on_delete != "nothing",
            AssocKind::ManyToMany { on_delete, .. } => on_delete != "nothing",
            _ => false,
        })
        .cloned()
        .collect();
    let cs = put_repo_and_action(interp, cs, "delete", &opts, span)?;
    let (return_types, return_sources) = returning(&schema, &opts, true, span)?;
    let needed = !on_delete.is_empty() || has_prepare(&cs);
    let prefix = resolve_prefix(&opts, &data);
    let table = table_of(&schema, &data);
    wrap(interp, needed, span, |interp| {
        let c = run_prepare(interp, &cs, span)?;
        if !is_valid(&c) {
            return Ok(Err(c));
        }
        let filters = pk_filters(&schema, &c, &data, span)?;
        let dump_filters = dump_fields(interp, "delete", &schema, &filters, span)?;
        for refl in &on_delete {
            super::queryable::delete_assoc(interp, refl, &field(&c, "data"), span)?;
        }
        let fs: Vec<sql::Filter> = dump_filters.iter().map(|(k, v)| (k.clone(), matches!(v, Value::Nil))).collect();
        let sql_text = sql::delete(&prefix, &table, &fs, &return_sources, super::postgres(interp))
            .map_err(|e| Error::raise(e.kind, e.message, span))?;
        let values: Vec<Value> = dump_filters.iter().map(|(_, v)| v.clone()).collect();
        let r = run_struct(interp, &sql_text, values, false, &return_sources, "delete", &table, span)?;
        match conclude(interp, &c, "delete", r, &opts, span)? {
            Ok(vals) => {
                let loaded = load_changes(interp, &c, "deleted", &return_types, &vals, &MapT::new(), &[], &schema, &prefix, span)?;
                Ok(Ok(field(&loaded, "data")))
            }
            Err(e) => Ok(Err(e)),
        }
    })
}

// ---- insert_all -----------------------------------------------------------------

pub fn insert_all(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    do_insert_all(interp, &args[0], &args[1], &opts_of(&args, 2), span)
}

/// A cell of an insert_all row before numbering.
enum RowCell {
    Value(Value),
    Placeholder(usize),
    Query(Value),
}

pub(crate) fn do_insert_all(interp: &mut Interp, target: &Value, rows: &Value, opts: &Value, span: Span) -> EResult<Value> {
    let (schema, source, prefix): (Option<Rc<Schema>>, String, Value) = match target {
        Value::Str(t) => (None, t.to_string(), Value::Nil),
        Value::Atom(m) => {
            let Some(s) = schema::lookup(interp, m) else {
                return Err(arg(format!("{} is not an Ecto schema", inspect::inspect(target)), span));
            };
            let src = s.source.clone().unwrap_or_default();
            let p = s.prefix.clone();
            (Some(s), src, p)
        }
        Value::Tuple(t) if t.len() == 2 => {
            let src = t[0].as_str().unwrap_or_default().to_string();
            let s = t[1].as_atom().and_then(|m| schema::lookup(interp, m));
            let p = s.as_ref().map(|s| s.prefix.clone()).unwrap_or(Value::Nil);
            (s, src, p)
        }
        other => return Err(arg(format!("expected a schema, a source or {{source, schema}}, got: {}", inspect::inspect(other)), span)),
    };
    let prefix = match opts.keyword_get("prefix") {
        Some(p) => p.clone(),
        None => prefix,
    };
    let returning_fields: Vec<String> = match opt(opts, "returning") {
        Some(Value::List(l)) if l.is_empty() => {
            return Err(arg(":returning expects at least one field to be given, got an empty list", span))
        }
        Some(Value::List(l)) => l.iter().filter_map(|v| v.as_atom().map(|s| s.to_string())).collect(),
        Some(Value::Bool(true)) => match &schema {
            Some(s) => s.field_names().map(|s| s.to_string()).collect(),
            None => return Err(arg(":returning option can only be set to true if a schema is given", span)),
        },
        _ => vec![],
    };
    let rows_list = match rows {
        Value::List(l) => l.to_vec(),
        Value::Opaque(_) => vec![],
        other => {
            return Err(arg(
                format!("expected a list of rows or a query, but got {} as rows_or_query argument in insert_all", inspect::inspect(other)),
                span,
            ))
        }
    };
    if rows_list.is_empty() && !matches!(rows, Value::Opaque(_)) {
        return Ok(Value::tuple(vec![Value::Int(0), if returning_fields.is_empty() { Value::Nil } else { Value::list(vec![]) }]));
    }
    // (field, type) and source for RETURNING, in reverse order (fields_to_sources).
    let mut ret_types: Vec<(String, Type)> = Vec::new();
    let mut ret_sources: Vec<String> = Vec::new();
    for f in &returning_fields {
        match &schema {
            Some(s) => {
                let Some(fd) = s.field(f) else {
                    return Err(Error::raise("KeyError", format!("key {} not found", inspect::inspect(&Value::atom(f))), span));
                };
                ret_types.insert(0, (f.clone(), Type::from(&fd.ty)));
                ret_sources.insert(0, fd.source.clone());
            }
            None => {
                ret_types.push((f.clone(), Type::Any));
                ret_sources.push(f.clone());
            }
        }
    }
    let (sql_text, all_params) = match rows {
        Value::Opaque(_) => {
            let (query, _) = super::bridge::prepare_query(interp, "insert_all", rows, opts, span)?;
            let (header, select_sql, qparams) = super::bridge::insert_all_select(interp, &query, schema.as_deref(), span)?;
            let (oc, conflict_params, _) = resolve_on_conflict(interp, opts, schema.as_deref(), &source, qparams.len(), span)?;
            let text = sql::insert_select(&prefix, &source, &header, &select_sql, &oc, &ret_sources, super::postgres(interp))
                .map_err(|e| Error::raise(e.kind, e.message, span))?;
            let mut all = qparams;
            all.extend(conflict_params);
            (text, all)
        }
        _ => insert_all_rows(interp, &rows_list, schema.as_deref(), &source, &prefix, &ret_sources, opts, span)?,
    };
    let ctx = super::telemetry::Context { source: Some(source.to_string()), cast_params: None };
    let result = super::telemetry::with_context(interp, ctx, |i| with_conn(i, span, |c| c.query(&sql_text, all_params)))?;
    let r = match result {
        Ok(r) => r,
        Err(e) => return Err(errors::raise_db_in(&e, Some(&sql_text), span)),
    };
    let (n, rows) = util::into_rows(&sql_text, r);
    let returned = match rows {
        None => Value::Nil,
        Some(rows) if ret_types.is_empty() && rows.is_empty() => {
            if returning_fields.is_empty() {
                Value::Nil
            } else {
                Value::list(vec![])
            }
        }
        Some(rows) => {
            let mut out = Vec::new();
            for row in rows {
                match &schema {
                    Some(s) => {
                        let mut st = util::put_meta(
                            &s.new_struct(),
                            &[("state", Value::atom("loaded")), ("source", Value::str(&source)), ("prefix", prefix.clone())],
                        );
                        for ((key, ty), v) in ret_types.iter().zip(row.iter()) {
                            let loaded = load_value(interp, ty, v, key, Some(&s.module), span)?;
                            st = put_field(&st, key, loaded);
                        }
                        out.push(st);
                    }
                    None => {
                        let mut m = MapT::new();
                        for ((key, _), v) in ret_types.iter().zip(row.iter()) {
                            m.insert(Value::atom(key), v.clone());
                        }
                        out.push(Value::map(m));
                    }
                }
            }
            Value::list(out)
        }
    };
    let returned =
        if returning_fields.is_empty() && matches!(returned, Value::List(ref l) if l.is_empty()) { Value::Nil } else { returned };
    Ok(Value::tuple(vec![Value::Int(n), returned]))
}

/// The `VALUES` form of insert_all: header, numbered cells, placeholders
/// first (`extract_header_and_fields/8` and `plan_query_in_rows/4`).
#[allow(clippy::too_many_arguments)]
fn insert_all_rows(
    interp: &mut Interp,
    rows_list: &[Value],
    schema: Option<&Schema>,
    source: &str,
    prefix: &Value,
    ret_sources: &[String],
    opts: &Value,
    span: Span,
) -> EResult<(String, Vec<Value>)> {
    let placeholder_map = opts.keyword_get("placeholders").cloned().unwrap_or(Value::map(MapT::new()));
    // Placeholders: key → (index, type, dumped value).
    let mut placeholders: Vec<(Value, usize, Type, Value)> = Vec::new();
    // The columns seen (sorted below, as Ecto's header map is), and each
    // field's column and type, looked up once per call rather than per row.
    let mut header: Vec<Rc<str>> = Vec::new();
    let mut fields: Vec<(Value, Rc<str>, Type)> = Vec::new();
    let mut extracted: Vec<Vec<(Rc<str>, RowCell)>> = Vec::with_capacity(rows_list.len());
    let see = |header: &mut Vec<Rc<str>>, col: &Rc<str>| {
        if !header.iter().any(|h| h == col) {
            header.push(col.clone());
        }
    };
    for row in rows_list {
        let entries: Vec<(Value, Value)> = match row {
            Value::Map(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Value::List(l) => l
                .iter()
                .filter_map(|i| match i.as_tuple() {
                    Some([k, v]) => Some((k.clone(), v.clone())),
                    _ => None,
                })
                .collect(),
            other => return Err(arg(format!("expected each row to be a map or keyword list, got: {}", inspect::inspect(other)), span)),
        };
        let mut cells: Vec<(Rc<str>, RowCell)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let Some(name) = k.as_atom() else {
                return Err(arg(format!("expected atom keys in insert_all rows, got: {}", inspect::inspect(&k)), span));
            };
            if let Some((_, col, ty)) = fields.iter().find(|(key, ..)| *key == k) {
                let (col, ty) = (col.clone(), ty.clone());
                see(&mut header, &col);
                let cell = match (&v, schema) {
                    (Value::Tuple(_) | Value::Opaque(_), _) => None,
                    (_, Some(s)) => Some(RowCell::Value(dump_field(interp, "insert_all", s, name, &ty, &v, span)?)),
                    (_, None) => Some(RowCell::Value(v.clone())),
                };
                if let Some(cell) = cell {
                    cells.push((col, cell));
                    continue;
                }
            }
            let name = name.to_string();
            let (col, ty): (Rc<str>, Type) = match &schema {
                Some(s) => match s.field(&name) {
                    Some(fd) if fd.writable != Writable::Never => (Rc::from(fd.source.as_str()), Type::from(&fd.ty)),
                    _ => {
                        return Err(arg(
                            format!(
                                "unknown field `{}` in schema {} given to insert_all. Unwritable fields, such as virtual and read only fields are not supported. Associations are also not supported",
                                inspect::inspect(&k),
                                s.module
                            ),
                            span,
                        ))
                    }
                },
                None => (Rc::from(name.as_str()), Type::Any),
            };
            if !fields.iter().any(|(key, ..)| *key == k) {
                fields.push((k.clone(), col.clone(), ty.clone()));
            }
            see(&mut header, &col);
            let cell = match &v {
                Value::Opaque(_) => RowCell::Query(v.clone()),
                Value::Tuple(t) if t.len() == 2 && t[0].as_atom() == Some("placeholder") => {
                    let key = t[1].clone();
                    match placeholders.iter().find(|(k, ..)| *k == key) {
                        Some((_, idx, pty, _)) if *pty == ty => RowCell::Placeholder(*idx),
                        Some((_, _, pty, _)) => {
                            return Err(arg(
                                format!(
                                    "a placeholder key can only be used with columns of the same type. The key {} has already been dumped as a {}",
                                    inspect::inspect(&key),
                                    pty.format()
                                ),
                                span,
                            ))
                        }
                        None => {
                            let value = match placeholder_map.get_field_any(&key) {
                                Some(v) => v,
                                None => {
                                    return Err(Error::raise(
                                        "KeyError",
                                        format!("placeholder key {} not found in {}", inspect::inspect(&key), inspect::inspect(&placeholder_map)),
                                        span,
                                    ))
                                }
                            };
                            let dumped = match &schema {
                                Some(s) => dump_field(interp, "insert_all", s, &name, &ty, &value, span)?,
                                None => value.clone(),
                            };
                            let idx = placeholders.len() + 1;
                            placeholders.push((key, idx, ty.clone(), dumped));
                            RowCell::Placeholder(idx)
                        }
                    }
                }
                _ => {
                    let dumped = match &schema {
                        Some(s) => dump_field(interp, "insert_all", s, &name, &ty, &v, span)?,
                        None => v.clone(),
                    };
                    RowCell::Value(dumped)
                }
            };
            cells.push((col, cell));
        }
        // autogenerate_id/4 for rows (only when the adapter generates ids).
        if let Some(s) = &schema {
            if let Some((key, source, ty)) = &s.autogenerate_id {
                if !cells.iter().any(|(c, _)| **c == **source) && !cells.iter().any(|(c, _)| **c == **key) {
                    if let Some(d) = adapter_autogenerate(interp, &Type::from(ty)) {
                        let source: Rc<str> = Rc::from(source.as_str());
                        see(&mut header, &source);
                        cells.insert(0, (source, RowCell::Value(d)));
                    }
                }
            }
        }
        extracted.push(cells);
    }
    crate::sort::sort(&mut header);
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    // plan_query_in_rows + unzip_inserts: number the cells in header order.
    let mut sql_rows: Vec<Vec<Cell>> = Vec::with_capacity(extracted.len());
    let mut params: Vec<Value> = Vec::with_capacity(extracted.len() * header.len());
    for cells in extracted {
        let mut row = Vec::with_capacity(header.len());
        for h in &header {
            match cells.iter().find(|(c, _)| **c == **h) {
                Some((_, RowCell::Value(v))) => {
                    params.push(v.clone());
                    row.push(Cell::Param);
                }
                Some((_, RowCell::Placeholder(i))) => row.push(Cell::Placeholder(*i)),
                Some((_, RowCell::Query(q))) => {
                    let (text, qparams) = super::queryable::subquery_sql(interp, q, span)?;
                    row.push(Cell::Query(text, qparams.len()));
                    params.extend(qparams);
                }
                None => row.push(Cell::Missing),
            }
        }
        sql_rows.push(row);
    }
    let counter = placeholders.len() + params.len();
    let (oc, conflict_params, _) = resolve_on_conflict(interp, opts, schema, source, counter, span)?;
    let sql_text = sql::insert(prefix, source, &header, &sql_rows, &oc, ret_sources, placeholders.len(), super::postgres(interp))
        .map_err(|e| Error::raise(e.kind, e.message, span))?;
    let mut all_params: Vec<Value> = placeholders.iter().map(|(_, _, _, d)| d.clone()).collect();
    all_params.extend(params);
    all_params.extend(conflict_params);
    Ok((sql_text, all_params))
}

trait GetAny {
    fn get_field_any(&self, key: &Value) -> Option<Value>;
}

impl GetAny for Value {
    fn get_field_any(&self, key: &Value) -> Option<Value> {
        match self {
            Value::Map(m) => m.get(key).cloned(),
            Value::List(_) => key.as_atom().and_then(|k| self.keyword_get(k).cloned()),
            _ => None,
        }
    }
}
