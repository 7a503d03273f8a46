//! Associations and embeds in changesets (`Ecto.Changeset.Relation`):
//! `cast_assoc/3`, `cast_embed/3`, `put_assoc/4`, `put_embed/4` and the
//! `put_change`/`change` paths for relation fields.

use std::rc::Rc;

use super::cast::{change as cs_change, put_change_in};
use super::{arg_error, cs_arg, inspect, kw_get, map_get, map_put, message, opts_arg, Changeset};
use crate::diag::Span;
use crate::eval::{Builtins, EResult, Error, Interp};
use crate::types::{self, Type};
use crate::value::{alias_name, MapT, Value};

pub fn register(b: &mut Builtins) {
    b.add("Ecto.Changeset", "cast_assoc", &[2, 3], |i, a, s| cast_relation_fn(i, a, s, "assoc"));
    b.add("Ecto.Changeset", "cast_embed", &[2, 3], |i, a, s| cast_relation_fn(i, a, s, "embed"));
    b.add("Ecto.Changeset", "put_assoc", &[3, 4], |i, a, s| put_relation_fn(i, a, s, "assoc"));
    b.add("Ecto.Changeset", "put_embed", &[3, 4], |i, a, s| put_relation_fn(i, a, s, "embed"));
    b.add("Ecto.Changeset", "get_assoc", &[2, 3], |i, a, s| get_relation_fn(i, a, s, "assoc"));
    b.add("Ecto.Changeset", "get_embed", &[2, 3], |i, a, s| get_relation_fn(i, a, s, "embed"));
    b.add("Ecto.Changeset", "reorder_assoc", &[2, 3], reorder_assoc_fn);
    b.add("Ecto.Changeset.Relation", "change", &[3], relation_change_fn);
    b.add("Ecto.Changeset.Relation", "apply_changes", &[2], |_, a, s| Ok(apply_relation_changes(&relation_arg(&a[0], s)?, &a[1])));
    b.add("Ecto.Changeset.Relation", "load!", &[2], |_, a, s| load(&a[0], &a[1], s));
    b.add("Ecto.Changeset.Relation", "empty?", &[2], |_, a, s| Ok(Value::Bool(is_empty(&relation_arg(&a[0], s)?, &a[1]))));
    b.add("Ecto", "put_meta", &[2], put_meta_fn);
    b.add("Ecto", "get_meta", &[2], get_meta_fn);
    b.add("Ecto", "primary_key", &[1], |i, a, s| primary_key_fn(i, a, s, false));
    b.add("Ecto", "primary_key!", &[1], |i, a, s| primary_key_fn(i, a, s, true));
}

/// A relation's reflection struct (`%Ecto.Embedded{}` or `%Ecto.Association.*{}`).
#[derive(Clone, Debug)]
pub struct Relation {
    /// `"assoc"` or `"embed"`.
    pub tag: &'static str,
    /// The struct module without `Elixir.` (`Ecto.Association.Has`).
    pub kind: String,
    pub many: bool,
    pub field: Value,
    pub owner: Value,
    /// The related schema module atom.
    pub related: Value,
    pub on_replace: String,
    pub on_cast: Value,
    pub unique: bool,
    pub ordered: bool,
    pub owner_key: Value,
    pub related_key: Value,
    pub queryable: Value,
    pub defaults: Value,
    /// The struct value itself.
    pub value: Value,
}

impl Relation {
    /// `"assoc"`/`"embed"` when the type term is `{:assoc | :embed, struct}`.
    pub fn tag_of(t: &Value) -> Option<&'static str> {
        match t.as_tuple() {
            Some([tag, Value::Struct(_)]) => match tag.as_atom() {
                Some("assoc") => Some("assoc"),
                Some("embed") => Some("embed"),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn from_type(t: &Value) -> Option<Relation> {
        let tag = Relation::tag_of(t)?;
        let s = t.as_tuple()?.get(1)?;
        let st = s.as_struct()?;
        let get = |k: &str| st.get(k).cloned().unwrap_or(Value::Nil);
        Some(Relation {
            tag,
            kind: st.name().to_string(),
            many: get("cardinality").as_atom() == Some("many"),
            field: get("field"),
            owner: get("owner"),
            related: get("related"),
            on_replace: get("on_replace").as_atom().unwrap_or("raise").to_string(),
            on_cast: get("on_cast"),
            unique: st.get("unique").map(|v| v.is_truthy()).unwrap_or(true),
            ordered: st.get("ordered").map(|v| v.is_truthy()).unwrap_or(false),
            owner_key: get("owner_key"),
            related_key: get("related_key"),
            queryable: get("queryable"),
            defaults: st.get("defaults").cloned().unwrap_or_else(|| Value::list(vec![])),
            value: s.clone(),
        })
    }

    pub fn related_name(&self) -> String {
        self.related.as_atom().map(alias_name).unwrap_or("").to_string()
    }

    /// `expected_type/1`
    fn expected_type(&self) -> Value {
        if self.many {
            Value::tuple(vec![Value::atom("array"), Value::atom("map")])
        } else {
            Value::atom("map")
        }
    }

    fn invalid(&self) -> Value {
        Value::tuple(vec![Value::str("is invalid"), Value::keyword(vec![("type", self.expected_type())])])
    }

    fn is_belongs_to(&self) -> bool {
        self.kind == "Ecto.Association.BelongsTo"
    }
}

/// What `Relation.cast/5` and `Relation.change/3` return.
pub enum Outcome {
    Ok(Value, bool),
    /// `{message, opts}`
    Error(Value),
    Ignore,
}

fn runtime(msg: impl Into<String>, span: Span) -> Box<Error> {
    Error::raise("RuntimeError", msg, span)
}

fn is_not_loaded(v: &Value) -> bool {
    matches!(v, Value::Struct(s) if s.name() == "Ecto.Association.NotLoaded")
}

fn meta_of(data: &Value, key: &str) -> Option<Value> {
    data.get_field("__meta__").and_then(|m| m.get_field(key).cloned())
}

/// `Relation.load!/2`: a not-loaded association of a built struct is empty;
/// of a loaded struct it raises.
pub fn load(data: &Value, value: &Value, span: Span) -> EResult<Value> {
    if let Value::Struct(nl) = value {
        if nl.name() == "Ecto.Association.NotLoaded" {
            if meta_of(data, "state").and_then(|s| s.as_atom().map(|a| a.to_string())).as_deref() == Some("built") {
                return Ok(match nl.get("__cardinality__").and_then(|c| c.as_atom()) {
                    Some("many") => Value::list(vec![]),
                    _ => Value::Nil,
                });
            }
            let field = nl.get("__field__").and_then(|f| f.as_atom()).unwrap_or("").to_string();
            let owner = match data {
                Value::Struct(s) => s.name().to_string(),
                other => inspect(other),
            };
            return Err(runtime(
                format!(
                    "attempting to cast or change association `{field}` from `{owner}` that was not loaded. Please preload your associations before manipulating them through changesets"
                ),
                span,
            ));
        }
    }
    Ok(value.clone())
}

/// `Relation.empty?/2`
pub fn is_empty(rel: &Relation, v: &Value) -> bool {
    if is_not_loaded(v) {
        return true;
    }
    match v {
        Value::List(items) if rel.many => filter_empty(items).is_empty(),
        Value::Nil if !rel.many => true,
        _ => false,
    }
}

/// `Relation.filter_empty/1`: drops `:replace`/`:delete` changesets.
pub fn filter_empty(items: &[Value]) -> Vec<Value> {
    items
        .iter()
        .filter(|v| !matches!(Changeset::from_value(v), Some(cs) if matches!(cs.action.as_atom(), Some("replace" | "delete"))))
        .cloned()
        .collect()
}

/// `Relation.apply_changes/2`.
pub fn apply_relation_changes(rel: &Relation, v: &Value) -> Value {
    if rel.many {
        let items = v.as_list().unwrap_or(&[]);
        Value::list(items.iter().filter_map(apply_one).collect())
    } else {
        match v {
            Value::Nil => Value::Nil,
            other => apply_one(other).unwrap_or(Value::Nil),
        }
    }
}

fn apply_one(v: &Value) -> Option<Value> {
    match Changeset::from_value(v) {
        Some(cs) if matches!(cs.action.as_atom(), Some("delete" | "replace")) => None,
        Some(cs) => Some(apply_changes(&cs)),
        None => Some(v.clone()),
    }
}

/// `Ecto.Changeset.apply_changes/1`.
pub fn apply_changes(cs: &Changeset) -> Value {
    if cs.changes.is_empty() {
        return cs.data.clone();
    }
    let mut acc = cs.data.clone();
    for (key, value) in cs.changes.iter() {
        if let Some(t) = cs.types.get(key) {
            match Relation::from_type(t) {
                Some(rel) => {
                    let changed = apply_relation_changes(&rel, value);
                    acc = map_put(&acc, key, changed.clone());
                    if rel.is_belongs_to() {
                        let id = match &changed {
                            Value::Nil => Value::Nil,
                            c => map_get(c, &rel.related_key).unwrap_or(Value::Nil),
                        };
                        acc = map_put(&acc, &rel.owner_key, id);
                    }
                }
                None => acc = map_put(&acc, key, value.clone()),
            }
        }
    }
    acc
}

/// `relation_changed?/2` used by `changed?/2`.
pub fn relation_changed(rel: &Relation, v: &Value) -> bool {
    fn one(v: &Value) -> bool {
        match Changeset::from_value(v) {
            None => matches!(v, Value::Nil),
            Some(cs) => cs.action.as_atom() != Some("update") || !cs.changes.is_empty(),
        }
    }
    if rel.many {
        v.as_list().unwrap_or(&[]).iter().any(one)
    } else {
        one(v)
    }
}

/// The related schema's primary key fields.
fn primary_keys(interp: &mut Interp, rel: &Relation) -> Vec<String> {
    match crate::schema::lookup(interp, &rel.related_name()) {
        Some(s) => s.primary_key.clone(),
        None => vec![],
    }
}

fn pk_type(interp: &mut Interp, rel: &Relation, pk: &str) -> Type {
    match crate::schema::lookup(interp, &rel.related_name()) {
        Some(s) => s.type_of(pk).map(Type::from).unwrap_or(Type::Any),
        None => Type::Any,
    }
}

/// `build/2` of the relation: the related struct with association defaults.
fn build(interp: &mut Interp, rel: &Relation, owner: &Value, span: Span) -> EResult<Value> {
    let mut s = super::new_struct(interp, &rel.related_name(), span)?;
    if rel.tag == "assoc" {
        if let Some(kw) = rel.defaults.as_keyword() {
            for (k, v) in kw {
                s = map_put(&s, &Value::atom(k), v.clone());
            }
        } else if let Some([m, f, a]) = rel.defaults.as_tuple() {
            let module = m.as_atom().map(alias_name).unwrap_or("").to_string();
            let fun = f.as_atom().unwrap_or("").to_string();
            let mut args = vec![s.clone(), owner.clone()];
            args.extend(a.as_list().unwrap_or(&[]).iter().cloned());
            s = interp.call(&module, &fun, args, span)?;
        }
        if let Some([src, _]) = rel.queryable.as_tuple() {
            if meta_of(&s, "source").as_ref() != Some(src) {
                s = put_meta(&s, &[("source", src.clone())], span)?;
            }
        }
    }
    Ok(s)
}

/// `Ecto.put_meta/2`.
pub fn put_meta(v: &Value, opts: &[(&str, Value)], span: Span) -> EResult<Value> {
    let Some(meta) = v.get_field("__meta__").cloned() else {
        return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.put_meta/2", span));
    };
    let mut meta = meta;
    let mut updated = false;
    for (k, val) in opts {
        if meta.get_field(k) == Some(val) {
            continue;
        }
        match *k {
            "state" => {
                if !matches!(val.as_atom(), Some("built" | "loaded" | "deleted")) {
                    return Err(arg_error(format!("invalid state {}", inspect(val)), span));
                }
            }
            "source" | "prefix" | "context" => {}
            other => return Err(arg_error(format!("unknown meta key {}", inspect(&Value::atom(other))), span)),
        }
        meta = map_put(&meta, &Value::atom(k), val.clone());
        updated = true;
    }
    Ok(if updated { map_put(v, &Value::atom("__meta__"), meta) } else { v.clone() })
}

fn put_meta_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let kw = args[1].as_keyword().unwrap_or_default();
    let opts: Vec<(&str, Value)> = kw.into_iter().map(|(k, v)| (k, v.clone())).collect();
    put_meta(&args[0], &opts, span)
}

fn get_meta_fn(_: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let key = args[1].as_atom().unwrap_or("");
    if !matches!(key, "context" | "state" | "source" | "prefix") {
        return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.get_meta/2", span));
    }
    meta_of(&args[0], key).ok_or_else(|| {
        Error::raise("KeyError", format!("key :__meta__ not found in: {}", crate::value::inspect::key_error_term(&args[0])), span)
    })
}

fn primary_key_fn(interp: &mut Interp, args: Vec<Value>, span: Span, bang: bool) -> EResult<Value> {
    let Value::Struct(s) = &args[0] else {
        return Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.primary_key/1", span));
    };
    let pks = crate::schema::lookup(interp, s.name()).map(|sc| sc.primary_key.clone()).unwrap_or_default();
    let mut out = vec![];
    for pk in pks {
        let v = s.get(&pk).cloned().unwrap_or(Value::Nil);
        if bang && matches!(v, Value::Nil) {
            return Err(Error::raise(
                "Ecto.NoPrimaryKeyValueError",
                format!("struct `{}` is missing primary key value", inspect(&args[0])),
                span,
            ));
        }
        out.push(Value::tuple(vec![Value::atom(&pk), v]));
    }
    Ok(Value::list(out))
}

/// `put_new_action/2`
fn put_new_action(cs: &mut Changeset, action: &str) {
    if matches!(cs.action, Value::Nil) {
        cs.action = Value::atom(action);
    }
}

/// `check_action!/2`
fn check_action(cs: &Changeset, allowed: &[&str], span: Span) -> EResult<()> {
    let action = cs.action.as_atom().unwrap_or("nil");
    if allowed.contains(&action) || action == "ignore" {
        return Ok(());
    }
    let data = inspect(&cs.data);
    Err(runtime(
        match action {
            "insert" => format!("cannot insert related {data} because it is already associated with the given struct"),
            "replace" => format!(
                "cannot replace related {data}. This typically happens when you are calling put_assoc/put_embed with the results of a previous put_assoc/put_embed/cast_assoc/cast_embed operation, which is not supported. You must call such operations only once per embed/assoc, in order for Ecto to track changes efficiently"
            ),
            other => format!(
                "cannot {other} related {data} because it already exists and it is not currently associated with the given struct. Ecto forbids casting existing records through the association field for security reasons. Instead, set the foreign key value accordingly"
            ),
        },
        span,
    ))
}

/// `on_replace/2`: `Some(changeset)` (a `:replace` changeset) or `None` (`:error`).
fn on_replace(interp: &mut Interp, rel: &Relation, current: &Value, span: Span) -> EResult<Option<Changeset>> {
    match rel.on_replace.as_str() {
        "mark_as_invalid" => Ok(None),
        "raise" => {
            let name = inspect(&rel.field);
            let owner = inspect(&rel.owner);
            Err(runtime(
                format!(
                    "you are attempting to change relation {name} of {owner}\nbut the `:on_replace` option of this relation is set to `:raise`.\n\nBy default it is not possible to replace or delete embeds and\nassociations during `cast`. Therefore Ecto requires the parameters\ngiven to `cast` to have IDs matching the data currently associated\nin {name}. Failing to do so results in this error message.\n\nIf you want to replace data or automatically delete any data\nnot sent to `cast`, please set the appropriate `:on_replace`\noption when defining the relation. The docs for `Ecto.Changeset`\ncovers the supported options in the \"Associations, embeds and on\nreplace\" section.\n\nHowever, if you don't want to allow data to be replaced or\ndeleted, only updated, make sure that:\n\n  * If you are attempting to update an existing entry, you\n    are including the entry primary key (ID) in the data.\n\n  * If you have a relationship with many children, all children\n    must be given on update.\n\n"
                ),
                span,
            ))
        }
        _ => {
            let mut cs = cs_change(interp, current, &Value::map(MapT::new()), span)?;
            put_new_action(&mut cs, "replace");
            Ok(Some(cs))
        }
    }
}

/// The primary key values of a changeset, struct, map or keyword list (`data_pk/1`).
fn data_pk(pks: &[String], v: &Value) -> Vec<Value> {
    let source = match Changeset::from_value(v) {
        Some(cs) => cs.data,
        None => v.clone(),
    };
    pks.iter()
        .map(|pk| match &source {
            Value::List(_) => source.keyword_get(pk).cloned().unwrap_or(Value::Nil),
            other => map_get(other, &Value::atom(pk)).unwrap_or(Value::Nil),
        })
        .collect()
}

/// `param_pk/2`: primary keys from params, cast with their types.
fn param_pk(interp: &mut Interp, rel: &Relation, pks: &[String], params: &Value, span: Span) -> EResult<Vec<Value>> {
    let mut out = vec![];
    for pk in pks {
        let original = match params {
            Value::Map(m) => {
                let by_str = m.get(&Value::str(pk)).cloned().unwrap_or(Value::Nil);
                if by_str.is_truthy() {
                    by_str
                } else {
                    m.get(&Value::atom(pk)).cloned().unwrap_or(Value::Nil)
                }
            }
            Value::List(_) => params.keyword_get(pk).cloned().unwrap_or(Value::Nil),
            _ => Value::Nil,
        };
        let ty = pk_type(interp, rel, pk);
        out.push(match types::cast(interp, &ty, &original, span)? {
            types::Cast::Ok(v) => v,
            _ => original,
        });
    }
    Ok(out)
}

/// `change_pk/1`: primary keys of a changeset, changes first.
fn change_pk(pks: &[String], cs: &Changeset) -> Vec<Value> {
    pks.iter()
        .map(|pk| {
            let k = Value::atom(pk);
            cs.changes.get(&k).cloned().unwrap_or_else(|| map_get(&cs.data, &k).unwrap_or(Value::Nil))
        })
        .collect()
}

fn allowed_actions(pk_values: &[Value]) -> Vec<&'static str> {
    if pk_values.iter().all(|v| matches!(v, Value::Nil)) {
        vec!["insert", "update", "delete"]
    } else {
        vec!["update", "delete"]
    }
}

/// `skip?/1`: an unchanged, valid update.
fn skip(cs: &Changeset) -> bool {
    cs.valid && cs.changes.is_empty() && cs.action.as_atom() == Some("update")
}

/// The per-item function of `cast` (`do_cast`) or `change` (`do_change`).
enum Mode<'a> {
    Cast { owner: &'a Value, on_cast: &'a Value },
    Change,
}

/// `do_cast/7` / `do_change/5`: `Ok(None)` is `:error`.
fn do_item(
    interp: &mut Interp,
    rel: &Relation,
    mode: &Mode,
    new: &Value,
    current: &Value,
    allowed: &[&str],
    idx: Option<usize>,
    span: Span,
) -> EResult<Option<Changeset>> {
    match mode {
        Mode::Cast { owner, on_cast } => {
            if matches!(current, Value::Nil) {
                let s = build(interp, rel, owner, span)?;
                let mut cs = apply_on_cast(interp, rel, on_cast, &s, new, idx, span)?;
                put_new_action(&mut cs, "insert");
                check_action(&cs, allowed, span)?;
                Ok(Some(cs))
            } else if matches!(new, Value::Nil) {
                on_replace(interp, rel, current, span)
            } else {
                let mut cs = apply_on_cast(interp, rel, on_cast, current, new, idx, span)?;
                put_new_action(&mut cs, "update");
                check_action(&cs, allowed, span)?;
                Ok(Some(cs))
            }
        }
        Mode::Change => {
            let is_struct = matches!(new, Value::Struct(_));
            if is_struct && matches!(current, Value::Nil) {
                let mut cs = cs_change(interp, new, &Value::map(MapT::new()), span)?;
                assert_struct(&cs, rel, span)?;
                let action = action_from_changeset(&cs, current);
                put_new_action(&mut cs, action);
                return Ok(Some(cs));
            }
            if matches!(new, Value::Nil) {
                return on_replace(interp, rel, current, span);
            }
            if let Some(mut cs) = Changeset::from_value(new) {
                assert_struct(&cs, rel, span)?;
                put_new_action(&mut cs, "update");
                check_action(&cs, allowed, span)?;
                return Ok(Some(cs));
            }
            if is_struct {
                let mut cs = cs_change(interp, new, &Value::map(MapT::new()), span)?;
                put_new_action(&mut cs, "update");
                check_action(&cs, allowed, span)?;
                return Ok(Some(cs));
            }
            if matches!(new, Value::Map(_) | Value::List(_)) {
                let base = if matches!(current, Value::Nil) { build(interp, rel, &Value::Nil, span)? } else { current.clone() };
                let mut cs = cs_change(interp, &base, new, span)?;
                let action = action_from_changeset(&cs, current);
                put_new_action(&mut cs, action);
                assert_struct(&cs, rel, span)?;
                put_new_action(&mut cs, "update");
                check_action(&cs, allowed, span)?;
                return Ok(Some(cs));
            }
            Err(Error::raise("FunctionClauseError", "no function clause matching in Ecto.Changeset.Relation.do_change/5", span))
        }
    }
}

fn action_from_changeset(cs: &Changeset, current: &Value) -> &'static str {
    if let Some(state) = meta_of(&cs.data, "state") {
        return match state.as_atom() {
            Some("loaded") => "update",
            Some("deleted") => "delete",
            _ => "insert",
        };
    }
    if matches!(current, Value::Nil) {
        "insert"
    } else {
        "update"
    }
}

fn assert_struct(cs: &Changeset, rel: &Relation, span: Span) -> EResult<()> {
    match &cs.data {
        Value::Struct(s) if Some(&*s.module) == rel.related.as_atom() => Ok(()),
        other => {
            Err(arg_error(format!("expected changeset data to be a Elixir.{} struct, got: {}", rel.related_name(), inspect(other)), span))
        }
    }
}

fn apply_on_cast(
    interp: &mut Interp,
    rel: &Relation,
    on_cast: &Value,
    strukt: &Value,
    params: &Value,
    idx: Option<usize>,
    span: Span,
) -> EResult<Changeset> {
    let arity = match on_cast {
        Value::Fun(f) => f.arity(),
        _ => 2,
    };
    let result = if let Some([m, f, extra]) = on_cast.as_tuple() {
        // Deprecated `with: {Mod, :fun, args}`: `Mod.fun(struct, params, ...args)`.
        let module = m.as_atom().map(alias_name).unwrap_or("").to_string();
        let fun = f.as_atom().unwrap_or("").to_string();
        let mut args = vec![strukt.clone(), params.clone()];
        args.extend(extra.as_list().unwrap_or(&[]).iter().cloned());
        interp.call(&module, &fun, args, span)?
    } else if arity == 3 {
        if !rel.many {
            return Err(arg_error(
                format!("invalid :with function for relation {} of cardinality one. Expected a function of arity 2", inspect(&rel.field)),
                span,
            ));
        }
        interp.apply(on_cast, vec![strukt.clone(), params.clone(), Value::Int(idx.unwrap_or(0) as i64)], span)?
    } else if matches!(on_cast, Value::Nil) {
        default_on_cast(interp, rel, strukt, params, span)?
    } else {
        interp.apply(on_cast, vec![strukt.clone(), params.clone()], span)?
    };
    Changeset::from_value(&result).ok_or_else(|| Error::raise("BadMapError", format!("expected a map, got: {}", inspect(&result)), span))
}

/// `on_cast_default/1`: `related.changeset(struct, params)`.
fn default_on_cast(interp: &mut Interp, rel: &Relation, strukt: &Value, params: &Value, span: Span) -> EResult<Value> {
    let module = rel.related_name();
    let full = format!("Elixir.{module}");
    let defined = interp.modules.get(full.as_str()).is_some_and(|m| m.functions.contains_key(&("changeset".to_string(), 2)));
    if !defined {
        return Err(arg_error(
            format!(
                "the module {module} does not define a changeset/2 function,\nwhich is used by cast_assoc/cast_embed. You need to either:\n\n  1. implement the {module}.changeset/2 function\n  2. pass the :with option to cast_assoc/cast_embed with an anonymous\n     function of arity 2 (or possibly arity 3, if using has_many or\n     embeds_many)\n\nWhen using an inline embed, the :with option must be given\n"
            ),
            span,
        ));
    }
    interp.call(&module, "changeset", vec![strukt.clone(), params.clone()], span)
}

/// `raise_if_updating_with_struct!/2`
fn raise_if_updating_with_struct(rel: &Relation, new: &Value, span: Span) -> EResult<()> {
    if matches!(new, Value::Struct(_)) {
        return Err(runtime(
            format!(
                "you have set that the relation {} of {}\nhas `:on_replace` set to `:update` but you are giving it a struct/\nchangeset to put_assoc/put_change.\n\nSince you have set `:on_replace` to `:update`, you are only allowed\nto update the existing entry by giving updated fields as a map or\nkeyword list or set it to nil.\n\nIf you indeed want to replace the existing {}, you have\nto change the foreign key field directly.\n\nGot: {}\n",
                inspect(&rel.field),
                inspect(&rel.owner),
                inspect(&rel.field),
                inspect(new)
            ),
            span,
        ));
    }
    Ok(())
}

enum PkSource {
    /// params: cast the primary keys with their types
    Params,
    /// changesets/structs/maps/keyword lists
    Data,
}

fn new_pks(interp: &mut Interp, rel: &Relation, pks: &[String], src: &PkSource, v: &Value, span: Span) -> EResult<Vec<Value>> {
    match src {
        PkSource::Params => param_pk(interp, rel, pks, v, span),
        PkSource::Data => Ok(data_pk(pks, v)),
    }
}

/// `cast_or_change/6`.
fn cast_or_change(
    interp: &mut Interp,
    rel: &Relation,
    value: &Value,
    current: &Value,
    src: PkSource,
    mode: &Mode,
    span: Span,
) -> EResult<Option<Outcome>> {
    let pks = primary_keys(interp, rel);
    if !rel.many {
        if !matches!(value, Value::Map(_) | Value::List(_) | Value::Nil) && !types::is_map_like(value) {
            return Ok(None);
        }
        // single_change/6
        let (new, cur, allowed, skippable): (Value, Value, Vec<&str>, bool) = if matches!(value, Value::Nil) {
            (Value::Nil, current.clone(), vec!["update", "delete"], false)
        } else if matches!(current, Value::Nil) {
            (value.clone(), Value::Nil, vec!["insert"], false)
        } else {
            let pk_values = new_pks(interp, rel, &pks, &src, value, span)?;
            let same = pk_values == data_pk(&pks, current) && !pk_values.is_empty();
            let update = !same && rel.on_replace == "update" && {
                raise_if_updating_with_struct(rel, value, span)?;
                true
            };
            if same || update {
                (value.clone(), current.clone(), allowed_actions(&pk_values), true)
            } else {
                match on_replace(interp, rel, current, span)? {
                    Some(_) => (value.clone(), Value::Nil, vec!["insert"], false),
                    None => return Ok(None),
                }
            }
        };
        return Ok(match do_item(interp, rel, mode, &new, &cur, &allowed, None, span)? {
            Some(cs) if cs.action.as_atom() == Some("ignore") => Some(Outcome::Ignore),
            Some(cs) => {
                if skippable && skip(&cs) {
                    Some(Outcome::Ignore)
                } else {
                    let valid = cs.valid;
                    Some(Outcome::Ok(cs.to_value(), valid))
                }
            }
            None => None,
        });
    }
    let Value::List(items) = value else { return Ok(None) };
    let current_items: Vec<Value> = match current {
        Value::Nil => vec![],
        Value::List(l) => l.to_vec(),
        _ => vec![],
    };
    if items.is_empty() && current_items.is_empty() {
        return Ok(Some(Outcome::Ok(Value::list(vec![]), true)));
    }
    // process_current/3: pk values → struct (last one wins), kept in map order.
    let mut current_pks: Vec<Vec<Value>> = vec![];
    let mut current_map: std::collections::BTreeMap<Value, Value> = std::collections::BTreeMap::new();
    for s in &current_items {
        let pk = data_pk(&pks, s);
        let key = if pk.is_empty() { Value::Int(current_map.len() as i64) } else { Value::list(pk.clone()) };
        current_pks.push(pk);
        current_map.insert(key, s.clone());
    }
    let mut ordered: Vec<Vec<Value>> = if rel.ordered { current_pks } else { vec![] };
    let mut unique: Option<std::collections::BTreeSet<Vec<Value>>> = if rel.unique { Some(Default::default()) } else { None };
    let mut acc: Vec<Changeset> = vec![];
    let mut valid = true;
    let mut skip_all = true;
    for (idx, changes) in items.iter().enumerate() {
        if !matches!(changes, Value::Map(_) | Value::List(_)) && !types::is_map_like(changes) {
            return Ok(None);
        }
        let pk_values = new_pks(interp, rel, &pks, &src, changes, span)?;
        let (strukt, allowed) = match current_map.remove(&Value::list(pk_values.clone())) {
            Some(s) => (s, allowed_actions(&pk_values)),
            None => (Value::Nil, vec!["insert"]),
        };
        let Some(mut cs) = do_item(interp, rel, mode, changes, &strukt, &allowed, Some(idx), span)? else {
            return Ok(None);
        };
        if cs.action.as_atom() == Some("ignore") {
            if ordered.first() == Some(&pk_values) {
                ordered.remove(0);
            }
            continue;
        }
        let cs_pks = change_pk(&pks, &cs);
        if let Some(u) = &unique {
            let missing = cs_pks.is_empty() || cs_pks.iter().any(|v| matches!(v, Value::Nil));
            if !missing && u.contains(&cs_pks) {
                for pk in &pks {
                    cs.add_error(Value::atom(pk), Value::str("has already been taken"), Value::list(vec![]));
                }
            }
        }
        valid = valid && cs.valid;
        skip_all = !matches!(strukt, Value::Nil) && skip_all && skip(&cs);
        if let Some(u) = &mut unique {
            u.insert(cs_pks.clone());
        }
        if ordered.first() == Some(&cs_pks) {
            ordered.remove(0);
        }
        acc.push(cs);
    }
    let skip_all = skip_all && ordered.is_empty();
    // reduce_delete_changesets/5: leftovers are replaced, prepended in reverse.
    let mut out: Vec<Value> = acc.into_iter().map(|c| c.to_value()).collect();
    let mut any_deleted = false;
    for s in current_map.values() {
        match do_item(interp, rel, mode, &Value::Nil, s, &["update", "delete"], None, span)? {
            Some(cs) => {
                valid = valid && cs.valid;
                out.insert(0, cs.to_value());
                any_deleted = true;
            }
            None => return Ok(None),
        }
    }
    if !any_deleted && skip_all {
        return Ok(Some(Outcome::Ignore));
    }
    Ok(Some(Outcome::Ok(Value::list(out), valid)))
}

/// `Relation.change/3`.
pub fn change(interp: &mut Interp, rel: &Relation, value: &Value, current: &Value, span: Span) -> EResult<Outcome> {
    if !rel.many && matches!(value, Value::Nil) {
        if !matches!(current, Value::Nil) && on_replace(interp, rel, current, span)?.is_none() {
            return Ok(Outcome::Error(rel.invalid()));
        }
        return Ok(Outcome::Ok(Value::Nil, true));
    }
    match cast_or_change(interp, rel, value, current, PkSource::Data, &Mode::Change, span)? {
        Some(o) => Ok(o),
        None => Ok(Outcome::Error(rel.invalid())),
    }
}

/// `Relation.cast/5`.
pub fn cast(
    interp: &mut Interp,
    rel: &Relation,
    owner: &Value,
    params: &Value,
    current: &Value,
    on_cast: &Value,
    span: Span,
) -> EResult<Outcome> {
    if !rel.many && matches!(params, Value::Nil) {
        if !matches!(current, Value::Nil) && on_replace(interp, rel, current, span)?.is_none() {
            return Ok(Outcome::Error(rel.invalid()));
        }
        return Ok(Outcome::Ok(Value::Nil, true));
    }
    if !rel.many {
        if let Value::List(items) = params {
            return match params.as_keyword() {
                Some(kw) if !items.is_empty() || kw.is_empty() => {
                    let mut m = MapT::new();
                    for (k, v) in kw {
                        m.insert(Value::atom(k), v.clone());
                    }
                    cast(interp, rel, owner, &Value::map(m), current, on_cast, span)
                }
                _ => Ok(Outcome::Error(rel.invalid())),
            };
        }
    }
    let mode = Mode::Cast { owner, on_cast };
    match cast_or_change(interp, rel, params, current, PkSource::Params, &mode, span)? {
        Some(o) => Ok(o),
        None => Ok(Outcome::Error(rel.invalid())),
    }
}

/// `relation!/4`
fn relation_for(op: &str, tag: &str, name: &Value, t: Option<&Value>, span: Span) -> EResult<Relation> {
    let n = super::field_name(name);
    match t {
        Some(t) => match Relation::from_type(t) {
            Some(rel) if rel.tag == tag => Ok(rel),
            Some(other) => Err(arg_error(format!("expected `{n}` to be an {tag} in `{op}_{tag}`, got: `{}`", other.tag), span)),
            None => Err(arg_error(format!("expected `{n}` to be an {tag} in `{op}_{tag}`, got: `{}`", inspect(t)), span)),
        },
        None if tag == "assoc" => Err(arg_error(
            format!("cannot {op} assoc `{n}`, assoc `{n}` not found. Make sure it is spelled correctly and that the association type is not read-only"),
            span,
        )),
        None => Err(arg_error(
            format!("cannot {op} {tag} `{n}`, {tag} `{n}` not found. Make sure that it exists and is spelled correctly"),
            span,
        )),
    }
}

/// `key_as_int/1` sorting of `%{"0" => ..., "1" => ...}` params.
fn key_as_int(k: &Value) -> Value {
    match k {
        Value::Str(s) if s.len() < 32 => match super::super::types::cast::parse_integer(s) {
            Some(i) => Value::Int(i),
            None => k.clone(),
        },
        other => other.clone(),
    }
}

/// `cast_params/4` for `:many` relations given as a map, with sort/drop params.
fn cast_params(rel: &Relation, value: Value, sort: &Value, drop: &Value, span: Span) -> EResult<Value> {
    let sort_list = sort.as_list().map(|l| l.to_vec());
    let drop_list = drop.as_list().map(|l| l.to_vec());
    if !rel.many {
        if sort.is_truthy() {
            return Err(arg_error(":sort_param not supported for belongs_to/has_one", span));
        }
        if drop.is_truthy() {
            return Err(arg_error(":drop_param not supported for belongs_to/has_one", span));
        }
        return Ok(value);
    }
    let value = match value {
        Value::Nil if sort_list.is_some() || drop_list.is_some() => Value::map(MapT::new()),
        v => v,
    };
    let Value::Map(m) = &value else { return Ok(value) };
    let drop = drop_list.unwrap_or_default();
    let mut pending = (**m).clone();
    let mut sorted = vec![];
    if let Some(sort) = sort_list {
        for k in sort.iter().filter(|k| !drop.contains(k)) {
            sorted.push(pending.remove(k).unwrap_or_else(|| Value::map(MapT::new())));
        }
    }
    for d in &drop {
        pending.remove(d);
    }
    let mut rest: Vec<(Value, Value)> = pending.into_iter().map(|(k, v)| (key_as_int(&k), v)).collect();
    crate::sort::sort(&mut rest);
    sorted.extend(rest.into_iter().map(|(_, v)| v));
    Ok(Value::list(sorted))
}

/// `cast_assoc/3` and `cast_embed/3`.
pub fn cast_relation(interp: &mut Interp, tag: &str, cs: Changeset, key: &Value, opts: &Value, span: Span) -> EResult<Changeset> {
    if matches!(cs.data, Value::Nil) {
        return Err(arg_error(
            format!("cast_{tag}/3 expects the changeset to be cast. Please call cast/4 before calling cast_{tag}/3"),
            span,
        ));
    }
    let Some(param_key) = key.as_atom().map(|a| a.to_string()) else {
        return Err(arg_error(format!("cast/3 expects a list of atom keys, got key: `{}`", inspect(key)), span));
    };
    let mut cs = cs;
    let params = match &cs.params {
        Value::Map(m) => (**m).clone(),
        _ => MapT::new(),
    };
    let required = kw_get(opts, "required").is_some_and(|v| v.is_truthy());
    if required {
        cs.required.insert(0, key.clone());
    }
    let rel = relation_for("cast", tag, key, cs.types.get(key), span)?;
    let on_cast = match kw_get(opts, "with") {
        Some(f) => f.clone(),
        None => default_on_cast_fun(&rel),
    };
    let param_of = |opt: &str| -> Value {
        match kw_get(opts, opt).and_then(|k| k.as_atom()) {
            Some(k) => params.get(&Value::str(k)).cloned().unwrap_or(Value::Nil),
            None => Value::Nil,
        }
    };
    let sort = param_of("sort_param");
    let drop = param_of("drop_param");
    let has_param = params.contains_key(&Value::str(&param_key));
    if has_param || sort.as_list().is_some() || drop.as_list().is_some() {
        let value = params.get(&Value::str(&param_key)).cloned().unwrap_or(Value::Nil);
        let original = map_get(&cs.data, key).unwrap_or(Value::Nil);
        let current = load(&cs.data, &original, span)?;
        let value = cast_params(&rel, value, &sort, &drop, span)?;
        let data = cs.data.clone();
        match cast(interp, &rel, &data, &value, &current, &on_cast, span)? {
            Outcome::Ok(change, rel_valid) if change != original => {
                cs.valid = cs.valid && rel_valid;
                cs.changes.insert(key.clone(), change);
                if !matches!(kw_get(opts, "force_update_on_change"), Some(Value::Bool(false))) {
                    cs.repo_opts = super::kw_merge(&cs.repo_opts, &Value::keyword(vec![("force", Value::Bool(true))]));
                }
                missing_relation(&mut cs, key, required, &rel, opts, span)?;
            }
            Outcome::Error(err) => {
                let (msg, meta) = match err.as_tuple() {
                    Some([m, o]) => (m.clone(), o.clone()),
                    _ => (Value::str("is invalid"), Value::list(vec![])),
                };
                let mut full_meta = vec![Value::tuple(vec![Value::atom("validation"), Value::atom(tag)])];
                full_meta.extend(meta.as_list().unwrap_or(&[]).iter().cloned());
                let default = msg.as_str().unwrap_or("is invalid").to_string();
                let m = message(opts, "invalid_message", &default, vec![], span)?;
                let (text, extra) = match m.as_tuple() {
                    Some([t, e]) => (t.clone(), e.clone()),
                    _ => (msg, Value::list(vec![])),
                };
                let opts_v = super::kw_merge(&Value::list(full_meta), &extra);
                cs.add_error(key.clone(), text, opts_v);
            }
            _ => missing_relation(&mut cs, key, required, &rel, opts, span)?,
        }
    } else {
        missing_relation(&mut cs, key, required, &rel, opts, span)?;
    }
    // Record the :with function on the relation, as Ecto does.
    if let Some(Value::Tuple(t)) = cs.types.get(key).cloned() {
        if let Some(Value::Struct(s)) = t.get(1) {
            let mut s = (**s).clone();
            s.set("on_cast", on_cast);
            cs.types.insert(key.clone(), Value::tuple(vec![t[0].clone(), Value::Struct(Rc::new(s))]));
        }
    }
    Ok(cs)
}

/// The default `:with` (`&related.changeset/2`).
fn default_on_cast_fun(rel: &Relation) -> Value {
    let module = rel.related.as_atom().unwrap_or("").to_string();
    Value::Fun(Rc::new(crate::value::Function::Named { module: Rc::from(module.as_str()), name: Rc::from("changeset"), arity: 2 }))
}

/// `missing_relation/5`
fn missing_relation(cs: &mut Changeset, name: &Value, required: bool, rel: &Relation, opts: &Value, span: Span) -> EResult<()> {
    let current = match cs.changes.get(name) {
        Some(v) => v.clone(),
        None => map_get(&cs.data, name).unwrap_or(Value::Nil),
    };
    if required && is_empty(rel, &current) {
        let m = message(opts, "required_message", "can't be blank", vec![("validation", Value::atom("required"))], span)?;
        if let Some([t, o]) = m.as_tuple() {
            cs.add_error(name.clone(), t.clone(), o.clone());
        }
    }
    Ok(())
}

fn cast_relation_fn(interp: &mut Interp, args: Vec<Value>, span: Span, tag: &str) -> EResult<Value> {
    let fun = if tag == "assoc" { "cast_assoc" } else { "cast_embed" };
    let cs = cs_arg(&args[0], fun, args.len(), span)?;
    super::atom_arg(&args[1], fun, args.len(), span)?;
    let opts = opts_arg(&args, 2);
    Ok(cast_relation(interp, tag, cs, &args[1], &opts, span)?.to_value())
}

fn put_relation_fn(interp: &mut Interp, args: Vec<Value>, span: Span, tag: &str) -> EResult<Value> {
    let fun = if tag == "assoc" { "put_assoc" } else { "put_embed" };
    let mut cs = cs_arg(&args[0], fun, args.len(), span)?;
    let t = cs.types.get(&args[1]).cloned();
    relation_for("put", tag, &args[1], t.as_ref(), span)?;
    put_change_in(interp, &mut cs, &args[1], args[2].clone(), t.as_ref(), span)?;
    Ok(cs.to_value())
}

/// `get_assoc/3`, `get_embed/3`.
fn get_relation_fn(interp: &mut Interp, args: Vec<Value>, span: Span, tag: &str) -> EResult<Value> {
    let fun = if tag == "assoc" { "get_assoc" } else { "get_embed" };
    let cs = cs_arg(&args[0], fun, args.len(), span)?;
    let as_ = args.get(2).and_then(|a| a.as_atom()).unwrap_or("changeset");
    if as_ == "struct" {
        return super::cast::get_field(&cs, &args[1], Value::Nil, span);
    }
    relation_for("get", tag, &args[1], cs.types.get(&args[1]), span)?;
    let existing = match cs.changes.get(&args[1]) {
        Some(v) => v.clone(),
        None => {
            let v = map_get(&cs.data, &args[1]).ok_or_else(|| {
                Error::raise(
                    "KeyError",
                    format!("key {} not found in: {}", inspect(&args[1]), crate::value::inspect::key_error_term(&cs.data)),
                    span,
                )
            })?;
            load(&cs.data, &v, span)?
        }
    };
    let to_cs = |interp: &mut Interp, v: &Value| -> EResult<Value> {
        Ok(match Changeset::from_value(v) {
            Some(_) => v.clone(),
            None => cs_change(interp, v, &Value::map(MapT::new()), span)?.to_value(),
        })
    };
    Ok(match &existing {
        Value::Nil => Value::Nil,
        Value::List(items) => {
            let mut out = vec![];
            for item in items.iter() {
                out.push(to_cs(interp, item)?);
            }
            Value::list(out)
        }
        item => to_cs(interp, item)?,
    })
}

/// `action_sort_rank/2` of `reorder_assoc/2`.
fn action_rank(cs: &Value, rel: &Relation) -> u8 {
    let action = Changeset::from_value(cs).and_then(|c| c.action.as_atom().map(|a| a.to_string()));
    match action.as_deref() {
        Some("delete") => 0,
        Some("replace") if rel.on_replace == "delete" => 0,
        Some("update") => 1,
        Some("replace") if rel.on_replace == "nilify" => 1,
        Some("insert") => 2,
        _ => 3,
    }
}

/// A stable merge sort with a `before?(a, b)` predicate, like `Enum.sort/2`.
fn sort_by_pred(items: Vec<Value>, pred: &mut dyn FnMut(&Value, &Value) -> EResult<bool>) -> EResult<Vec<Value>> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let mut left = items;
    let right = left.split_off(left.len() / 2);
    let left = sort_by_pred(left, pred)?;
    let right = sort_by_pred(right, pred)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => {
                if pred(a, b)? {
                    out.extend(l.next());
                } else {
                    out.extend(r.next());
                }
            }
            (Some(_), None) => out.extend(l.next()),
            (None, Some(_)) => out.extend(r.next()),
            (None, None) => break,
        }
    }
    Ok(out)
}

/// `reorder_assoc/2,3`.
fn reorder_assoc_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let mut cs = cs_arg(&args[0], "reorder_assoc", args.len(), span)?;
    let name = args[1].clone();
    let rel = relation_for("reorder", "assoc", &name, cs.types.get(&name), span)?;
    let Some(Value::List(items)) = cs.changes.get(&name).cloned() else {
        return Err(arg_error("`reorder_assoc/3` requires an association with `:many` cardinality and a list of associated changes", span));
    };
    let sorted = match args.get(2) {
        Some(f) => {
            let f = f.clone();
            sort_by_pred(items.to_vec(), &mut |a, b| Ok(interp.apply(&f, vec![a.clone(), b.clone()], span)?.is_truthy()))?
        }
        None => sort_by_pred(items.to_vec(), &mut |a, b| Ok(action_rank(a, &rel) <= action_rank(b, &rel)))?,
    };
    cs.changes.insert(name, Value::list(sorted));
    Ok(cs.to_value())
}

/// A relation struct argument (`%Ecto.Embedded{}`, `%Ecto.Association.Has{}`, ...).
fn relation_arg(v: &Value, span: Span) -> EResult<Relation> {
    let tag = match v.struct_name() {
        Some("Ecto.Embedded") => "embed",
        _ => "assoc",
    };
    Relation::from_type(&Value::tuple(vec![Value::atom(tag), v.clone()]))
        .ok_or_else(|| Error::raise("FunctionClauseError", "no function clause matching in Ecto.Changeset.Relation", span))
}

/// `Ecto.Changeset.Relation.change/3`: `{:ok, change, valid?}`, `{:error, error}` or `:ignore`.
fn relation_change_fn(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let rel = relation_arg(&args[0], span)?;
    Ok(match change(interp, &rel, &args[1], &args[2], span)? {
        Outcome::Ok(v, valid) => Value::tuple(vec![Value::atom("ok"), v, Value::Bool(valid)]),
        Outcome::Error(e) => Value::error(e),
        Outcome::Ignore => Value::atom("ignore"),
    })
}
