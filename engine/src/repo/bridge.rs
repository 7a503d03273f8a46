//! The boundary with the query planner: planning and printing a query for
//! SQLite, running it, and turning rows back into values through the
//! select shape (`Ecto.Repo.Queryable.execute/4`'s preprocess,
//! `Ecto.Repo.Assoc.query/4` for join preloads, the preloader, then the
//! postprocess).

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::query::expr::{Bind, BoolExpr, BoolOp, Clause, Dir, Expr, Loc, Preload as QPreload, QType, Query, Source};
use crate::query::plan::{self, Dialect, Op, PSelect, Planned, Shape};
use crate::schema::{self, Assoc, AssocKind, Cardinality};
use crate::types::Type;
use crate::value::{inspect, MapT, Value};

use super::errors::arg;
use super::preloader::{self, AssocTree, Preload};
use super::schema_ops::load_value;
use super::sql::{ConflictTarget, OnConflict};
use super::util::{self, field, put_field, put_meta};
use super::with_conn;

pub(crate) fn query_of(interp: &mut Interp, v: &Value, span: Span) -> EResult<Query> {
    crate::query::to_query(interp, v, span)
}

/// `attach_prefix/2`: the `:prefix` option sets the query prefix.
fn attach_prefix(mut q: Query, opts: &Value) -> Query {
    if let Some(p) = opts.keyword_get("prefix") {
        q.prefix = Some(p.clone());
    }
    q
}

/// The user repo's `prepare_query/3` callback, when it defines one.
pub(crate) fn prepare_query(interp: &mut Interp, op: &str, query: &Value, opts: &Value, span: Span) -> EResult<(Value, Value)> {
    let repo = super::current_repo(interp);
    let Some(module) = repo.as_atom().map(|a| a.to_string()) else { return Ok((query.clone(), opts.clone())) };
    let defined = interp.modules.get(module.as_str()).is_some_and(|m| m.functions.contains_key(&("prepare_query".to_string(), 3)));
    if !defined {
        return Ok((query.clone(), opts.clone()));
    }
    let q = query_of(interp, query, span)?.into_value();
    let name = crate::value::alias_name(&module).to_string();
    let r = interp.call(&name, "prepare_query", vec![Value::atom(op), q, opts.clone()], span)?;
    match r.as_tuple() {
        Some([q, o]) => Ok((q.clone(), o.clone())),
        _ => Err(arg(format!("expected {name}.prepare_query/3 to return {{query, opts}}, got: {}", inspect::inspect(&r)), span)),
    }
}

/// Plans and prints a query for SQLite.
pub(crate) fn plan_sql(interp: &mut Interp, q: &Query, op: Op) -> EResult<(Rc<Planned>, String, Vec<Value>)> {
    let dialect = super::dialect(interp);
    let r = plan::plan(interp, q, op, dialect)?;
    let sql = crate::query::sql::to_sql(&r.planned, dialect)?;
    Ok((r.planned, sql, r.params))
}

/// Plans, prints and runs `query` (`all`, `update_all` or `delete_all`),
/// returning the row count and the loaded rows (`None` when the statement
/// returns no rows, as for an update without `select`).
pub(crate) fn execute(interp: &mut Interp, op: &str, query: &Value, opts: &Value, span: Span) -> EResult<(i64, Option<Vec<Value>>)> {
    let (query, opts) = prepare_query(interp, op, query, opts, span)?;
    let opts = &opts;
    let q = attach_prefix(query_of(interp, &query, span)?, opts);
    let op = Op::from_name(op).unwrap_or(Op::All);
    let dialect = super::dialect(interp);
    let r = plan::plan(interp, &q, op, dialect)?;
    let sql = crate::query::sql::to_sql(&r.planned, dialect)?;
    let (planned, params, cast_params) = (r.planned, r.params, r.cast_params);
    let source = match planned.sources.first() {
        Some(crate::query::plan::PSource::Table { table, .. }) => Some(table.as_str().to_string()),
        _ => None,
    };
    let ctx = super::telemetry::Context { source, cast_params: Some(Value::list(cast_params)) };
    let result = super::telemetry::with_call_opts(interp, Some(opts.clone()), |i| {
        super::telemetry::with_context(i, ctx, |i| with_conn(i, span, |c| c.query(&sql, params)))
    })?
    .map_err(|e| super::errors::raise_db_in(&e, Some(&sql), span))?;
    let (n, rows) = util::into_rows(&sql, result);
    let Some(sel) = &planned.select else {
        return Ok((n, rows.map(|_| vec![]).filter(|_| false)));
    };
    let rows = rows.unwrap_or_default();
    let values = load_rows(interp, &planned, sel, rows, opts, span)?;
    Ok((n, Some(values)))
}

// ---- loading rows ---------------------------------------------------------------

/// A row before postprocessing: the `from` entry, the join-preloaded
/// association entries (depth-first) and the remaining columns.
struct Pre {
    from: Option<Value>,
    assocs: Vec<Value>,
    rest: Vec<Value>,
}

fn load_rows(
    interp: &mut Interp,
    planned: &Planned,
    sel: &PSelect,
    rows: Vec<Vec<Value>>,
    opts: &Value,
    span: Span,
) -> EResult<Vec<Value>> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    interp.ext::<LoadCache>().0.clear();
    // preprocess
    let mut pres = Vec::with_capacity(rows.len());
    for row in rows {
        let mut it = row.into_iter();
        let from = match &sel.from {
            Some(shape) => Some(load_shape(interp, shape, &mut it, None, false, span)?),
            None => None,
        };
        let mut assocs = Vec::with_capacity(sel.assocs.len());
        for (_, shape) in &sel.assocs {
            assocs.push(load_shape(interp, shape, &mut it, None, true, span)?);
        }
        pres.push(Pre { from, assocs, rest: it.collect() });
    }
    // Ecto.Repo.Assoc.query/4
    if !sel.assocs.is_empty() {
        pres = merge_assocs(interp, pres, &sel.assocs, planned, span)?;
    }
    // Ecto.Repo.Preloader.query/7
    if !planned.preloads.is_empty() && sel.from.is_some() {
        let heads: Vec<Value> = pres.iter().filter_map(|p| p.from.clone()).filter(|v| !matches!(v, Value::Nil)).collect();
        let preloads = convert_preloads(&planned.preloads);
        let tree = assoc_tree(&sel.assocs);
        let preload_opts = util::kw_put(opts, "ecto_query", Value::atom("preload"));
        let loaded = preloader::preload_normalized(interp, heads, &preloads, &tree.0, &preload_opts, span)?;
        let mut it = loaded.into_iter();
        for p in pres.iter_mut() {
            if matches!(p.from, Some(Value::Nil) | None) {
                continue;
            }
            p.from = it.next();
        }
    }
    // postprocess
    let mut out = Vec::with_capacity(pres.len());
    for p in pres {
        let mut it = p.rest.into_iter();
        out.push(load_shape(interp, &sel.shape, &mut it, p.from.as_ref(), true, span)?);
    }
    Ok(out)
}

/// Loaded struct templates by (schema, source, prefix), kept per run so a
/// redefined schema is picked up (the cache is cleared by `begin_load`).
#[derive(Default)]
pub(crate) struct LoadCache(Vec<((String, Option<String>, Option<Value>), Value)>);

/// `Ecto.Schema.Loader.load_struct/3`.
fn load_struct(interp: &mut Interp, module: &str, source: Option<&str>, prefix: Option<&Value>) -> Option<Value> {
    let schema = schema::lookup(interp, module)?;
    let mut pairs: Vec<(&str, Value)> = vec![("state", Value::atom("loaded"))];
    if let Some(src) = source {
        pairs.push(("source", Value::str(src)));
    }
    if let Some(p) = prefix {
        pairs.push(("prefix", p.clone()));
    }
    Some(put_meta(&schema.new_struct(), &pairs))
}

/// Loads one shape from the columns; `nil_if_empty` makes a source whose
/// columns are all nil load as nil (outer joins).
fn load_shape(
    interp: &mut Interp,
    shape: &Shape,
    cols: &mut std::vec::IntoIter<Value>,
    from: Option<&Value>,
    nil_if_empty: bool,
    span: Span,
) -> EResult<Value> {
    Ok(match shape {
        Shape::Value(ty) => {
            let v = cols.next().unwrap_or(Value::Nil);
            match ty {
                Type::Any => v,
                ty => load_value(interp, ty, &v, "", None, span)
                    .map_err(|_| arg(format!("cannot load `{}` as type {}", inspect::inspect(&v), ty.format()), span))?,
            }
        }
        Shape::Source { schema, source, prefix, fields, .. } => {
            let raw: Vec<Value> = fields.iter().map(|_| cols.next().unwrap_or(Value::Nil)).collect();
            if nil_if_empty && raw.iter().all(|v| matches!(v, Value::Nil)) {
                return Ok(Value::Nil);
            }
            let template = match schema.as_deref() {
                Some(m) => {
                    let same =
                        |k: &(String, Option<String>, Option<Value>)| k.0 == m && k.1.as_deref() == source.as_deref() && k.2 == *prefix;
                    let cached = interp.ext::<LoadCache>().0.iter().find(|(k, _)| same(k)).map(|(_, v)| v.clone());
                    match cached {
                        Some(t) => Some(t),
                        None => {
                            let t = load_struct(interp, m, source.as_deref(), prefix.as_ref());
                            if let Some(t) = &t {
                                let cache = &mut interp.ext::<LoadCache>().0;
                                if cache.len() > 64 {
                                    cache.clear();
                                }
                                cache.push(((m.to_string(), source.as_deref().map(str::to_string), prefix.clone()), t.clone()));
                            }
                            t
                        }
                    }
                }
                None => None,
            };
            match template {
                Some(Value::Struct(mut s)) => {
                    // One copy of the cached template, then each field set in place.
                    let st = Rc::make_mut(&mut s);
                    for ((name, ty), v) in fields.iter().zip(raw) {
                        let loaded = load_value(interp, ty, &v, name, schema.as_deref(), span)?;
                        if let Some(slot) = st.fields.iter_mut().find(|(k, _)| &**k == name.as_str()) {
                            slot.1 = loaded;
                        } else {
                            st.fields.push((Rc::from(name.as_str()), loaded));
                        }
                    }
                    Value::Struct(s)
                }
                Some(mut s) => {
                    for ((name, ty), v) in fields.iter().zip(raw) {
                        let loaded = load_value(interp, ty, &v, name, schema.as_deref(), span)?;
                        s = util::put_field_owned(s, name, loaded);
                    }
                    s
                }
                None => {
                    let mut m = MapT::new();
                    for ((name, ty), v) in fields.iter().zip(raw) {
                        let loaded = load_value(interp, ty, &v, name, None, span)?;
                        m.insert(Value::atom(name), loaded);
                    }
                    Value::map(m)
                }
            }
        }
        Shape::From => from.cloned().unwrap_or(Value::Nil),
        Shape::Lit(v) => v.clone(),
        Shape::Tuple(items) => {
            let mut out = Vec::with_capacity(items.len());
            for s in items {
                out.push(load_shape(interp, s, cols, from, true, span)?);
            }
            Value::tuple(out)
        }
        Shape::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for s in items {
                out.push(load_shape(interp, s, cols, from, true, span)?);
            }
            Value::list(out)
        }
        Shape::Map(kv) => {
            let mut m = MapT::new();
            for (k, v) in kv {
                let k = load_shape(interp, k, cols, from, true, span)?;
                let v = load_shape(interp, v, cols, from, true, span)?;
                m.insert(k, v);
            }
            Value::map(m)
        }
        Shape::MapUpdate(data, kv) => {
            let d = load_shape(interp, data, cols, from, true, span)?;
            let mut pairs = Vec::new();
            for (k, v) in kv {
                let k = load_shape(interp, k, cols, from, true, span)?;
                let v = load_shape(interp, v, cols, from, true, span)?;
                pairs.push((k, v));
            }
            if matches!(d, Value::Nil) {
                return Ok(Value::Nil);
            }
            let mut d = d;
            for (k, v) in pairs {
                d = match (&d, &k) {
                    (Value::Map(m), _) => {
                        let mut m = (**m).clone();
                        m.insert(k, v);
                        Value::map(m)
                    }
                    (_, Value::Atom(a)) => put_field(&d, a, v),
                    _ => d,
                };
            }
            d
        }
        Shape::Struct(module, kv) => {
            let mut pairs = Vec::new();
            for (k, v) in kv {
                let k = load_shape(interp, k, cols, from, true, span)?;
                let v = load_shape(interp, v, cols, from, true, span)?;
                pairs.push((k, v));
            }
            let full = Value::module(module);
            let base = match interp.struct_def(full.as_atom().unwrap_or_default()) {
                Some(fields) => Value::Struct(Rc::new(crate::value::Struct {
                    module: Rc::from(full.as_atom().unwrap_or_default()),
                    fields: (*fields).clone(),
                })),
                None => return Err(arg(format!("{module} is not a struct"), span)),
            };
            let mut s = base;
            for (k, v) in pairs {
                if let Some(a) = k.as_atom() {
                    s = put_field(&s, a, v);
                }
            }
            let meta = field(&s, "__meta__");
            if meta.struct_name() == Some("Ecto.Schema.Metadata") && field(&meta, "state").as_atom() != Some("loaded") {
                s = put_meta(&s, &[("state", Value::atom("loaded"))]);
            }
            s
        }
        Shape::Merge(l, r) => {
            let left = load_shape(interp, l, cols, from, true, span)?;
            let right = load_shape(interp, r, cols, from, true, span)?;
            merge_values(&left, &right, span)?
        }
    })
}

/// `process(row, {:merge, left, right}, ...)`.
fn merge_values(left: &Value, right: &Value, span: Span) -> EResult<Value> {
    match (left, right) {
        (Value::Struct(l), Value::Struct(r)) => {
            if l.module != r.module {
                return Err(arg(format!("cannot merge structs of different types, got: {} and {}", l.name(), r.name()), span));
            }
            let mut out = left.clone();
            for (k, v) in &r.fields {
                out = put_field(&out, k, v.clone());
            }
            Ok(out)
        }
        (Value::Struct(l), Value::Map(m)) => {
            let mut out = left.clone();
            for (k, v) in m.iter() {
                match k.as_atom() {
                    Some(a) if l.has(a) => out = put_field(&out, a, v.clone()),
                    _ => return Err(arg(format!("struct {} does not have the key {}", l.name(), inspect::inspect(k)), span)),
                }
            }
            Ok(out)
        }
        (Value::Map(l), Value::Map(r)) => {
            let mut m = (**l).clone();
            for (k, v) in r.iter() {
                m.insert(k.clone(), v.clone());
            }
            Ok(Value::map(m))
        }
        (Value::Map(_) | Value::Struct(_), Value::Nil) => Ok(left.clone()),
        (_, Value::Map(_) | Value::Struct(_)) => {
            Err(arg(format!("cannot merge because the left side is not a map, got: {}", inspect::inspect(left)), span))
        }
        _ => Err(arg(format!("cannot merge because the right side is not a map, got: {}", inspect::inspect(right)), span)),
    }
}

// ---- join preloads (Ecto.Repo.Assoc) ---------------------------------------------

/// The tree of join-preloaded associations from the planner's flat list.
fn assoc_tree(assocs: &[(Vec<String>, Shape)]) -> AssocTree {
    let mut root = AssocTree::default();
    for (path, _) in assocs {
        let mut node = &mut root;
        for p in path {
            node = node.0.entry(p.clone()).or_default();
        }
    }
    root
}

/// One level of `create_accs/4`.
struct Acc {
    pks: Vec<String>,
    /// The association this level loads (None at the root).
    assoc: Option<Assoc>,
    cache: BTreeSet<Value>,
    /// Root: items with their sub entries; below: parent key → items.
    root_items: Vec<(Value, Value, Vec<Value>)>,
    /// Set while merging a root row: the rest of the row.
    rest: Vec<Value>,
    dict: BTreeMap<Value, Vec<(Value, Value)>>,
    subs: Vec<Acc>,
}

fn schema_module(shape: &Shape) -> Option<String> {
    match shape {
        Shape::Source { schema, .. } => schema.as_deref().map(str::to_string),
        _ => None,
    }
}

fn merge_assocs(interp: &mut Interp, pres: Vec<Pre>, assocs: &[(Vec<String>, Shape)], planned: &Planned, span: Span) -> EResult<Vec<Pre>> {
    let Some(from_module) = planned.query.from_schema_name().map(|s| s.to_string()) else {
        return Ok(pres);
    };
    // Build the accumulator tree in depth-first order.
    fn build(
        interp: &mut Interp,
        module: &str,
        assoc: Option<Assoc>,
        assocs: &[(Vec<String>, Shape)],
        prefix: &[String],
        span: Span,
    ) -> EResult<Acc> {
        let Some(schema) = schema::lookup(interp, module) else {
            return Err(arg(format!("{module} is not a schema"), span));
        };
        if schema.primary_key.is_empty() {
            return Err(Error::raise("Ecto.NoPrimaryKeyFieldError", format!("schema `{module}` has no primary key"), span));
        }
        let mut subs = Vec::new();
        for (path, shape) in assocs {
            if path.len() == prefix.len() + 1 && path.starts_with(prefix) {
                let name = &path[path.len() - 1];
                let Some(a) = schema.assoc(name).cloned() else {
                    return Err(arg(format!("schema {module} does not have association {name}"), span));
                };
                let child_module = schema_module(shape).or_else(|| a.related.clone()).unwrap_or_default();
                subs.push(build(interp, &child_module, Some(a), assocs, path, span)?);
            }
        }
        Ok(Acc {
            pks: schema.primary_key.clone(),
            assoc,
            cache: BTreeSet::new(),
            root_items: vec![],
            rest: vec![],
            dict: BTreeMap::new(),
            subs,
        })
    }
    let mut root = build(interp, &from_module, None, assocs, &[], span)?;

    fn merge(
        acc: &mut Acc,
        entry: Value,
        subs_in: &mut std::vec::IntoIter<Value>,
        parent_key: Option<&Value>,
        is_root: bool,
        span: Span,
    ) -> EResult<()> {
        let (entry, child_key) = if matches!(entry, Value::Nil) {
            (Value::Nil, None)
        } else {
            let mut key = Vec::new();
            let mut all_nil = true;
            for pk in &acc.pks {
                match entry.get_field(pk) {
                    Some(Value::Nil) if entry.as_struct().is_some() => {
                        return Err(Error::raise(
                            "Ecto.NoPrimaryKeyValueError",
                            format!("struct `{}` is missing primary key value", inspect::inspect(&entry)),
                            span,
                        ))
                    }
                    Some(v) => {
                        all_nil = all_nil && matches!(v, Value::Nil);
                        key.push(v.clone());
                    }
                    None => {
                        return Err(Error::raise(
                            "Ecto.NoPrimaryKeyValueError",
                            format!("struct `{}` is missing primary key value", inspect::inspect(&entry)),
                            span,
                        ))
                    }
                }
            }
            if all_nil {
                (Value::Nil, None)
            } else {
                (entry, Some(Value::list(key)))
            }
        };
        // Children consume their entries from the flat list, depth first.
        for sub in acc.subs.iter_mut() {
            let e = subs_in.next().unwrap_or(Value::Nil);
            merge(sub, e, subs_in, child_key.as_ref(), false, span)?;
        }
        if let (false, Some(ck)) = (matches!(entry, Value::Nil), &child_key) {
            if is_root {
                let rest = std::mem::take(&mut acc.rest);
                let cache_key = Value::tuple(vec![ck.clone(), Value::list(rest.clone())]);
                if acc.cache.insert(cache_key) {
                    acc.root_items.push((ck.clone(), entry, rest));
                }
            } else if let Some(pk) = parent_key {
                let cache_key = Value::tuple(vec![pk.clone(), ck.clone()]);
                if acc.cache.insert(cache_key) {
                    acc.dict.entry(pk.clone()).or_default().push((ck.clone(), entry));
                }
            }
        }
        Ok(())
    }

    for p in pres {
        let mut it = p.assocs.into_iter();
        root.rest = p.rest;
        merge(&mut root, p.from.unwrap_or(Value::Nil), &mut it, None, true, span)?;
    }

    fn load(acc: &Acc, key: &Value, entry: Value) -> Value {
        let mut s = entry;
        for sub in &acc.subs {
            let Some(a) = &sub.assoc else { continue };
            let items: Vec<Value> = sub.dict.get(key).map(|v| v.iter().map(|(k, e)| load(sub, k, e.clone())).collect()).unwrap_or_default();
            let v = match a.cardinality {
                Cardinality::One => items.into_iter().next().unwrap_or(Value::Nil),
                Cardinality::Many => Value::list(items),
            };
            s = put_field(&s, &a.field, v);
        }
        s
    }
    // Rows collapse to one per distinct parent (and the rest of the row).
    let mut out = Vec::new();
    for (key, entry, rest) in &root.root_items {
        out.push(Pre { from: Some(load(&root, key, entry.clone())), assocs: vec![], rest: rest.clone() });
    }
    Ok(out)
}

// ---- preloads -----------------------------------------------------------------

/// The query's preloads in the preloader's normalized form.
fn convert_preloads(ps: &[QPreload]) -> Vec<Preload> {
    let mut out = Vec::new();
    for p in ps {
        let (name, query, children) = match p {
            QPreload::Assoc(n, c) => (n.clone(), None, c),
            QPreload::Custom(n, q, c) => (n.clone(), Some(q.clone()), c),
        };
        out.insert(0, Preload { field: name, take: None, query, sub: convert_preloads(children) });
    }
    out
}

/// Selects `{related_key, <select>}` and orders by the key (for `:many`),
/// as `fetch_query/8` does.
pub(crate) fn preload_select(interp: &mut Interp, query: &Value, assoc: &Assoc, _take: Option<&Value>, span: Span) -> EResult<Value> {
    let q = query_of(interp, query, span)?;
    let mut q = plan::ensure_select(q, true)?;
    let key = match &assoc.kind {
        AssocKind::ManyToMany { join_keys, .. } => {
            let owner_type = schema::lookup(interp, &assoc.owner)
                .and_then(|s| s.type_of(&join_keys[0].1).map(|t| t.to_value()))
                .unwrap_or(Value::atom("id"));
            let ix = q.count_binds() - 1;
            Expr::Type(Box::new(Expr::Field(Bind::Ix(ix), join_keys[0].0.clone().into())), QType::Term(owner_type))
        }
        _ => Expr::Field(Bind::Ix(0), assoc.related_key.clone().into()),
    };
    if let Some(sel) = q.select.as_mut() {
        let old = std::mem::replace(&mut sel.clause.expr, Expr::Lit(Value::Nil));
        sel.clause.expr = Expr::Tuple(vec![key.clone(), old]);
    }
    if assoc.cardinality == Cardinality::Many {
        if !q.combinations.is_empty() {
            return Err(arg(
                "`union` queries must be wrapped inside of a subquery when preloading a `has_many` or `many_to_many` association. You must also ensure that all members of the `union` query select the parent's foreign key",
                span,
            ));
        }
        if q.order_bys.is_empty() {
            if let Some(order) = preload_order(&assoc.preload_order) {
                q.order_bys.push(Clause { expr: order, params: vec![], subqueries: vec![], loc: Loc::default() });
            }
        }
        q.order_bys.insert(0, Clause { expr: vec![(Dir::Asc, key)], params: vec![], subqueries: vec![], loc: Loc::default() });
    }
    Ok(q.into_value())
}

/// An association's `preload_order` (a keyword list or list of fields).
fn preload_order(order: &Value) -> Option<Vec<(Dir, Expr)>> {
    let items = order.as_list()?;
    if items.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for i in items {
        match i {
            Value::Atom(f) => out.push((Dir::Asc, Expr::Field(Bind::Ix(0), f.into()))),
            Value::Tuple(t) if t.len() == 2 => {
                let dir = t[0].as_atom().and_then(Dir::from_atom).unwrap_or(Dir::Asc);
                let f = t[1].as_atom().unwrap_or_default().to_string();
                out.push((dir, Expr::Field(Bind::Ix(0), f.into())));
            }
            _ => {}
        }
    }
    Some(out)
}

/// `Ecto.Association.combine_assoc_query/2`: the association's `where:`
/// conditions joined into the last where with `and`.
pub(crate) fn combine_assoc_where(interp: &mut Interp, query: &Value, conditions: &Value, span: Span) -> EResult<Value> {
    let conds = conditions.as_list().map(|l| l.to_vec()).unwrap_or_default();
    if conds.is_empty() {
        return Ok(query.clone());
    }
    let mut q = query_of(interp, query, span)?;
    let (mut expr, mut params) = match q.wheres.pop() {
        Some(w) => (w.clause.expr, w.clause.params),
        None => (Expr::Lit(Value::Bool(true)), vec![]),
    };
    for c in conds {
        let Some([k, v]) = c.as_tuple() else { continue };
        let key = k.as_atom().unwrap_or_default().to_string();
        let f = Expr::Field(Bind::Ix(0), key.clone().into());
        let cond = match v {
            Value::Nil => Expr::call("is_nil", vec![f]),
            Value::Tuple(t) if t.len() == 2 && t[0].as_atom() == Some("not") && matches!(t[1], Value::Nil) => {
                Expr::call("not", vec![Expr::call("is_nil", vec![f])])
            }
            Value::Tuple(t) if t.len() == 2 && t[0].as_atom() == Some("in") => {
                let ix = params.len();
                params.push(crate::query::expr::Param::Value(t[1].clone(), QType::In(Box::new(QType::Field(Bind::Ix(0), key.clone())))));
                Expr::call("in", vec![f, Expr::Param(ix)])
            }
            other => {
                let ix = params.len();
                params.push(crate::query::expr::Param::Value(other.clone(), QType::Field(Bind::Ix(0), key.clone())));
                Expr::call("==", vec![f, Expr::Param(ix)])
            }
        };
        expr = if expr.is_true() { cond } else { Expr::call("and", vec![expr, cond]) };
    }
    q.wheres.push(BoolExpr { op: BoolOp::And, clause: Clause { expr, params, subqueries: vec![], loc: Loc::default() } });
    Ok(q.into_value())
}

// ---- query helpers --------------------------------------------------------------

/// The schema module of the query's `from` (`Store.User`).
pub(crate) fn from_schema(query: &Value) -> Option<String> {
    query.downcast::<crate::query::QueryValue>().and_then(|q| q.0.from_schema_name().map(|s| s.to_string()))
}

pub(crate) fn has_group_by(query: &Value) -> bool {
    query.downcast::<crate::query::QueryValue>().is_some_and(|q| !q.0.group_bys.is_empty())
}

/// No distinct, limit, offset or combinations: aggregates run directly.
pub(crate) fn is_simple_for_aggregate(query: &Value) -> bool {
    query
        .downcast::<crate::query::QueryValue>()
        .is_none_or(|q| q.0.distinct.is_none() && q.0.limit.is_none() && q.0.offset.is_none() && q.0.combinations.is_empty())
}

/// `%{query | preloads: [], assocs: []}`.
pub(crate) fn clear_assocs(query: &Value) -> Value {
    match query.downcast::<crate::query::QueryValue>() {
        Some(q) => {
            let mut q = crate::query::Query::clone(&q.0);
            q.preloads.clear();
            q.assocs.clear();
            q.into_value()
        }
        None => query.clone(),
    }
}

/// `rewrite_combinations/1` of `exists?`: each combined query selects 1.
pub(crate) fn select_one_in_combinations(_interp: &mut Interp, query: &Value, _span: Span) -> EResult<Value> {
    let Some(qv) = query.downcast::<crate::query::QueryValue>() else { return Ok(query.clone()) };
    if qv.0.combinations.is_empty() {
        return Ok(query.clone());
    }
    let mut q = crate::query::Query::clone(&qv.0);
    for (_, c) in q.combinations.iter_mut() {
        c.select = Some(crate::query::expr::SelectExpr {
            clause: Clause { expr: Expr::Lit(Value::Int(1)), params: vec![], subqueries: vec![], loc: Loc::default() },
            take: vec![],
            aliases: vec![],
        });
    }
    Ok(q.into_value())
}

/// `on_conflict: query`: the planned update printed after `DO `.
pub(crate) fn on_conflict_query(
    interp: &mut Interp,
    query: &Value,
    table: &str,
    target: ConflictTarget,
    counter: usize,
    span: Span,
) -> EResult<(OnConflict, Vec<Value>, bool)> {
    let q = query_of(interp, query, span)?;
    if let Source::Table { table: Some(t), .. } = &q.from.source {
        if t != table {
            return Err(arg(
                format!("cannot run on_conflict: query because the query has a different {{source, schema}} pair than the original struct/changeset/query. Got {t} and {table} respectively"),
                span,
            ));
        }
    }
    let dialect = super::dialect(interp);
    let r = plan::plan(interp, &q, Op::UpdateAll, dialect)?;
    let mut printer = crate::query::sql::Printer::new(dialect);
    let mut text = printer.update_all(&r.planned, Some(""))?;
    if dialect == Dialect::Postgres {
        // the update's parameters follow the inserted rows' ($N numbering)
        text = super::sql::shift_params(&text, counter);
    }
    // create_alias/1: the table's first letter, or `t`.
    let alias = format!("{}0", table.chars().next().filter(|c| c.is_ascii_alphabetic()).unwrap_or('t'));
    Ok((OnConflict::Query { set: text, where_: String::new(), returning: String::new(), alias, target }, r.params, false))
}

/// `insert_all(schema, query)`: the header from the query's select (as
/// `extract_header_and_fields/8` builds it), its SQL and params.
pub(crate) fn insert_all_select(
    interp: &mut Interp,
    query: &Value,
    schema: Option<&crate::schema::Schema>,
    span: Span,
) -> EResult<(Vec<String>, String, Vec<Value>)> {
    let q = query_of(interp, query, span)?;
    let (planned, sql, params) = plan_sql(interp, &q, Op::InsertAll)?;
    let sel = planned.select.as_ref();
    let fields: Vec<String> = match sel.map(|s| &s.shape) {
        Some(Shape::Map(kv)) => kv
            .iter()
            .filter_map(|(k, _)| match k {
                Shape::Lit(Value::Atom(a)) => Some(a.to_string()),
                _ => None,
            })
            .collect(),
        Some(Shape::MapUpdate(_, kv)) | Some(Shape::Struct(_, kv)) => kv
            .iter()
            .filter_map(|(k, _)| match k {
                Shape::Lit(Value::Atom(a)) => Some(a.to_string()),
                _ => None,
            })
            .collect(),
        Some(Shape::From) => match sel.and_then(|s| s.from.as_ref()) {
            Some(Shape::Source { fields, .. }) => fields.iter().map(|(f, _)| f.clone()).collect(),
            _ => vec![],
        },
        Some(Shape::Source { fields, .. }) => fields.iter().map(|(f, _)| f.clone()).collect(),
        _ => {
            return Err(arg(
                format!(
                    "cannot generate a fields list for insert_all from the given source query:\n\n  {}\n\nThe select clause must be one of the following:\n\n  * A single `map/2` or several `map/2` expressions combined with `select_merge`\n  * A single `struct/2` or several `struct/2` expressions combined with `select_merge`\n  * A source such as `p` in the query `from p in Post`\n  * A single literal map or several literal maps combined with `select_merge`\n\nAll keys must exist in the schema that is being inserted into\n",
                    inspect::inspect(query)
                ),
                span,
            ))
        }
    };
    let mut header = Vec::with_capacity(fields.len());
    for f in fields {
        match schema {
            Some(s) => match s.field(&f) {
                Some(fd) if fd.writable != crate::schema::Writable::Never => header.push(fd.source.clone()),
                _ => {
                    return Err(arg(
                        format!("cannot select unwritable field `{}` for insert_all", inspect::inspect(&Value::atom(&f))),
                        span,
                    ))
                }
            },
            None => header.push(f),
        }
    }
    Ok((header, sql, params))
}

/// A subquery used as an insert_all value: its SQL and parameters.
pub(crate) fn subquery_sql(interp: &mut Interp, query: &Value, span: Span) -> EResult<(String, Vec<Value>)> {
    let q = query_of(interp, query, span)?;
    let (_, sql, params) = plan_sql(interp, &q, Op::All)?;
    Ok((sql, params))
}
