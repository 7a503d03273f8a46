//! `Ecto.Repo.Preloader`: preloading associations with one query per
//! association (issued in Ecto's order), nested preloads, custom queries
//! and functions, through associations and embeds.

use std::collections::BTreeMap;

use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::schema::{self, Assoc, AssocKind, Cardinality, Schema};
use crate::value::{inspect, Value};

use super::errors::arg;
use super::util::{field, put_field};
use super::{bridge, eval_template, queryable};

/// A normalized preload: field, take, custom query or function, nested preloads.
#[derive(Clone, Debug)]
pub(crate) struct Preload {
    pub field: String,
    pub take: Option<Value>,
    pub query: Option<Value>,
    pub sub: Vec<Preload>,
}

/// `Repo.preload(structs_or_struct_or_nil, preloads, opts)`.
pub fn preload(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let opts = args.get(2).cloned().unwrap_or_else(|| Value::list(vec![]));
    let take = super::util::opt(&opts, "take").cloned();
    let preloads = normalize(&args[1], take.as_ref(), &args[1], span)?;
    match &args[0] {
        Value::Nil => Ok(Value::Nil),
        Value::List(l) => Ok(Value::list(preload_each(interp, l.to_vec(), &preloads, &BTreeMap::new(), &opts, span)?)),
        v if v.as_struct().is_some() || v.as_map().is_some() => {
            let out = preload_each(interp, vec![v.clone()], &preloads, &BTreeMap::new(), &opts, span)?;
            Ok(out.into_iter().next().unwrap_or(Value::Nil))
        }
        other => Err(arg(format!("expected a struct, a list of structs or nil to preload, got: {}", inspect::inspect(other)), span)),
    }
}

/// Runs the preloads of a query (`Ecto.Repo.Preloader.query/7`) on the
/// loaded structs; `query_assocs` are the associations already loaded by
/// joins (field → nested).
pub(crate) fn preload_normalized(
    interp: &mut Interp,
    structs: Vec<Value>,
    preloads: &[Preload],
    query_assocs: &BTreeMap<String, AssocTree>,
    opts: &Value,
    span: Span,
) -> EResult<Vec<Value>> {
    preload_each(interp, structs, preloads, query_assocs, opts, span)
}

/// Associations loaded through joins: field → nested fields.
#[derive(Clone, Debug, Default)]
pub(crate) struct AssocTree(pub BTreeMap<String, AssocTree>);

// ---- normalizing ---------------------------------------------------------------

fn take_of(take: Option<&Value>, field: &str) -> Option<Value> {
    let t = take?;
    let v = t.keyword_get(field).or_else(|| t.get_field(field))?;
    Some(match v {
        Value::List(_) => v.clone(),
        other => Value::list(vec![other.clone()]),
    })
}

fn is_query_like(v: &Value) -> bool {
    matches!(v, Value::Opaque(_)) || matches!(v, Value::Fun(f) if f.arity() == 1 || f.arity() == 2)
}

/// `normalize/3`: most recent first, as Ecto accumulates.
pub(crate) fn normalize(preload: &Value, take: Option<&Value>, original: &Value, span: Span) -> EResult<Vec<Preload>> {
    let mut acc = Vec::new();
    normalize_each(preload, &mut acc, take, original, span)?;
    Ok(acc)
}

fn wrap_list(v: &Value, original: &Value, span: Span) -> EResult<Vec<Value>> {
    match v {
        Value::List(l) => Ok(l.to_vec()),
        Value::Atom(_) => Ok(vec![v.clone()]),
        other => Err(arg(
            format!(
                "invalid preload `{}` in `{}`. preload expects an atom, a (nested) keyword or a (nested) list of atoms",
                inspect::inspect(other),
                inspect::inspect(original)
            ),
            span,
        )),
    }
}

fn normalize_each(v: &Value, acc: &mut Vec<Preload>, take: Option<&Value>, original: &Value, span: Span) -> EResult<()> {
    match v {
        Value::Atom(a) => {
            acc.insert(0, Preload { field: a.to_string(), take: take_of(take, a), query: None, sub: vec![] });
            Ok(())
        }
        Value::Tuple(t) if t.len() == 2 && t[0].as_atom().is_some() => {
            let f = t[0].as_atom().unwrap_or_default().to_string();
            let fields = take_of(take, &f);
            match &t[1] {
                Value::Tuple(q) if q.len() == 2 && is_query_like(&q[0]) => {
                    let mut sub = Vec::new();
                    for x in wrap_list(&q[1], original, span)? {
                        normalize_each(&x, &mut sub, fields.as_ref(), original, span)?;
                    }
                    acc.insert(0, Preload { field: f, take: fields, query: Some(q[0].clone()), sub });
                }
                q if is_query_like(q) => acc.insert(0, Preload { field: f, take: fields, query: Some(q.clone()), sub: vec![] }),
                other => {
                    let mut sub = Vec::new();
                    for x in wrap_list(other, original, span)? {
                        normalize_each(&x, &mut sub, fields.as_ref(), original, span)?;
                    }
                    acc.insert(0, Preload { field: f, take: fields, query: None, sub });
                }
            }
            Ok(())
        }
        Value::List(items) => {
            for i in items.iter() {
                normalize_each(i, acc, take, original, span)?;
            }
            Ok(())
        }
        other => {
            wrap_list(other, original, span)?;
            Ok(())
        }
    }
}

// ---- preloading ----------------------------------------------------------------

/// An association preload after `expand/4`.
struct AssocPreload {
    assoc: Assoc,
    take: Option<Value>,
    query: Option<Value>,
    sub: Vec<Preload>,
}

enum Through {
    /// Loaded by a join in the query: only its sub preloads run.
    FromQuery(Assoc, Vec<Preload>),
    /// Loaded by preloading its chain.
    Chain(Assoc, Vec<String>),
}

fn preload_each(
    interp: &mut Interp,
    structs: Vec<Value>,
    preloads: &[Preload],
    query_assocs: &BTreeMap<String, AssocTree>,
    opts: &Value,
    span: Span,
) -> EResult<Vec<Value>> {
    let force = super::util::opt_true(opts, "force");
    if preloads.is_empty() || structs.is_empty() {
        return Ok(structs);
    }
    let Some(sample) = structs.iter().find(|s| !matches!(s, Value::Nil)).cloned() else {
        return Ok(structs);
    };
    let module = sample.struct_name().unwrap_or_default().to_string();
    let Some(schema) = schema::lookup(interp, &module) else {
        return Err(arg(format!("expected a struct with a schema to preload, got: {}", inspect::inspect(&sample)), span));
    };
    let mut assocs: BTreeMap<String, AssocPreload> = BTreeMap::new();
    let mut throughs: Vec<Through> = Vec::new();
    let mut embeds: Vec<(String, Cardinality, Vec<Preload>)> = Vec::new();
    expand(&schema, preloads, query_assocs, &mut assocs, &mut throughs, &mut embeds, interp, span)?;
    let mut structs = preload_embeds(interp, structs, &embeds, opts, span)?;
    structs = preload_throughs_from_query(interp, structs, &throughs, query_assocs, opts, span)?;

    // prepare_queries: in field order, accumulated most recent first.
    struct Prepared {
        assoc: Assoc,
        query: bool,
        loaded_ids: Vec<Value>,
        loaded_counts: Vec<(Value, usize)>,
        loaded_structs: Vec<Value>,
        sub: Vec<Preload>,
    }
    let mut prepared: Vec<Prepared> = Vec::new();
    let mut queries: Vec<(Assoc, Vec<Value>, Option<Value>, Option<Value>)> = Vec::new();
    for (_, ap) in assocs.iter() {
        let (fetch_ids, loaded_ids, loaded_counts, loaded_structs) = fetch_ids(&structs, &module, &ap.assoc, force, span)?;
        let has_query = !fetch_ids.is_empty();
        if has_query {
            queries.insert(0, (ap.assoc.clone(), fetch_ids, ap.query.clone(), ap.take.clone()));
        }
        prepared.insert(
            0,
            Prepared { assoc: ap.assoc.clone(), query: has_query, loaded_ids, loaded_counts, loaded_structs, sub: ap.sub.clone() },
        );
    }
    let mut fetched: Vec<(Vec<Value>, Vec<Value>)> = Vec::new();
    for (assoc, ids, query, take) in &queries {
        fetched.push(fetch_query(interp, ids, assoc, query.as_ref(), take.as_ref(), opts, span)?);
    }
    let mut fetched = fetched.into_iter();
    let mut loaded: Vec<(Assoc, BTreeMap<Value, Value>)> = Vec::new();
    for p in prepared {
        let (fetch_ids, fetch_structs) = if p.query { fetched.next().unwrap_or_default() } else { (vec![], vec![]) };
        let sub_query_assocs = query_assocs.get(&p.assoc.field).map(|t| t.0.clone()).unwrap_or_default();
        let mut all: Vec<Value> = p.loaded_structs.iter().rev().cloned().collect();
        all.extend(fetch_structs);
        let all = preload_each(interp, all, &p.sub, &sub_query_assocs, opts, span)?;
        let map = match p.assoc.cardinality {
            Cardinality::One => {
                let ids: Vec<Value> = p.loaded_ids.iter().rev().cloned().chain(fetch_ids).collect();
                let mut m = BTreeMap::new();
                for (id, s) in ids.into_iter().zip(all) {
                    m.insert(id, s);
                }
                m
            }
            Cardinality::Many => many_assoc_map(&p.loaded_counts, &fetch_ids, all),
        };
        loaded.push((p.assoc, map));
    }
    let mut out = Vec::with_capacity(structs.len());
    for s in structs {
        if matches!(s, Value::Nil) {
            out.push(s);
            continue;
        }
        let mut s = s;
        for (assoc, map) in &loaded {
            let key = field(&s, &assoc.owner_key);
            let v = match map.get(&key) {
                Some(v) => v.clone(),
                None if assoc.cardinality == Cardinality::Many => Value::list(vec![]),
                None => Value::Nil,
            };
            s = super::util::put_field_owned(s, &assoc.field, v);
        }
        for t in &throughs {
            if let Through::Chain(assoc, chain) = t {
                s = load_through(interp, &s, assoc, chain, span)?;
            }
        }
        out.push(s);
    }
    Ok(out)
}

/// `many_assoc_map/3` over loaded `{id, n}` entries then fetched ids.
fn many_assoc_map(loaded_counts: &[(Value, usize)], fetch_ids: &[Value], all: Vec<Value>) -> BTreeMap<Value, Value> {
    let mut m: BTreeMap<Value, Value> = BTreeMap::new();
    let mut it = all.into_iter();
    for (id, n) in loaded_counts.iter().rev() {
        let mut items: Vec<Value> = (0..*n).filter_map(|_| it.next()).collect();
        items.reverse();
        m.insert(id.clone(), Value::list(items));
    }
    // Fetched ids come in reverse result order; groups are contiguous.
    let rest: Vec<Value> = it.collect();
    let mut i = 0;
    while i < fetch_ids.len() {
        let id = &fetch_ids[i];
        let mut j = i + 1;
        while j < fetch_ids.len() && &fetch_ids[j] == id {
            j += 1;
        }
        // The group in reverse: result order again.
        let group: Vec<Value> = (i..j).rev().map(|k| rest.get(k).cloned().unwrap_or(Value::Nil)).collect();
        m.insert(id.clone(), Value::list(group));
        i = j;
    }
    m
}

#[allow(clippy::too_many_arguments)]
fn expand(
    schema: &Schema,
    preloads: &[Preload],
    query_assocs: &BTreeMap<String, AssocTree>,
    assocs: &mut BTreeMap<String, AssocPreload>,
    throughs: &mut Vec<Through>,
    embeds: &mut Vec<(String, Cardinality, Vec<Preload>)>,
    interp: &mut Interp,
    span: Span,
) -> EResult<()> {
    for p in preloads {
        if let Some(a) = schema.assoc(&p.field) {
            match &a.kind {
                AssocKind::Through { through } => {
                    if query_assocs.contains_key(&p.field) {
                        throughs.insert(0, Through::FromQuery(a.clone(), p.sub.clone()));
                    } else {
                        // [a, b, c] with sub preloads → [{a, [{b, [{c, sub}]}]}]
                        let mut nested: Vec<Preload> = p.sub.clone();
                        let mut q = p.query.clone();
                        let mut take = p.take.clone();
                        for f in through.iter().rev() {
                            nested = vec![Preload { field: f.clone(), take: take.take(), query: q.take(), sub: nested }];
                        }
                        throughs.insert(0, Through::Chain(a.clone(), through.clone()));
                        expand(schema, &nested, query_assocs, assocs, throughs, embeds, interp, span)?;
                    }
                }
                _ => {
                    let entry = AssocPreload { assoc: a.clone(), take: p.take.clone(), query: p.query.clone(), sub: p.sub.clone() };
                    match assocs.get_mut(&p.field) {
                        None => {
                            assocs.insert(p.field.clone(), entry);
                        }
                        Some(existing) => {
                            // merge_preloads/3
                            if existing.query.is_none() {
                                let mut sub = entry.sub.clone();
                                sub.extend(existing.sub.clone());
                                existing.sub = sub;
                                existing.query = entry.query;
                                existing.take = entry.take;
                            } else if entry.query.is_none() {
                                let mut sub = entry.sub.clone();
                                sub.extend(existing.sub.clone());
                                existing.sub = sub;
                            } else {
                                return Err(arg(
                                    format!("cannot preload `{}` as it has been supplied more than once with different queries", p.field),
                                    span,
                                ));
                            }
                        }
                    }
                }
            }
            continue;
        }
        if let Some(e) = schema.embed(&p.field) {
            if p.sub.is_empty() {
                return Err(arg(
                    format!(
                        "cannot preload embedded field :{} without also preloading one of its associations as it has no effect",
                        p.field
                    ),
                    span,
                ));
            }
            embeds.insert(0, (p.field.clone(), e.cardinality, p.sub.clone()));
            continue;
        }
        let hint = if p.field.starts_with("Elixir.") {
            format!(
                " (if you were trying to pass a schema as a query to preload, you have to explicitly convert it to a query by doing `from x in {}` or by calling Ecto.Queryable.to_query/1)",
                crate::value::alias_name(&p.field)
            )
        } else {
            String::new()
        };
        return Err(arg(
            format!("schema {} does not have association or embed {}{hint}", schema.module, inspect::inspect(&Value::atom(&p.field))),
            span,
        ));
    }
    Ok(())
}

fn preload_embeds(
    interp: &mut Interp,
    structs: Vec<Value>,
    embeds: &[(String, Cardinality, Vec<Preload>)],
    opts: &Value,
    span: Span,
) -> EResult<Vec<Value>> {
    let mut structs = structs;
    for (f, card, sub) in embeds {
        let mut flat = Vec::new();
        let mut counts = Vec::new();
        for s in &structs {
            match field(s, f) {
                Value::List(l) => {
                    counts.push(l.len());
                    flat.extend(l.iter().cloned());
                }
                Value::Nil => counts.push(0),
                v => {
                    counts.push(1);
                    flat.push(v);
                }
            }
        }
        let loaded = preload_each(interp, flat, sub, &BTreeMap::new(), opts, span)?;
        structs = put_back(*card, f, structs, loaded, &counts);
    }
    Ok(structs)
}

fn put_back(card: Cardinality, f: &str, structs: Vec<Value>, loaded: Vec<Value>, counts: &[usize]) -> Vec<Value> {
    let mut it = loaded.into_iter();
    structs
        .into_iter()
        .zip(counts.iter())
        .map(|(s, n)| {
            if *n == 0 {
                return s;
            }
            let items: Vec<Value> = (0..*n).filter_map(|_| it.next()).collect();
            match card {
                Cardinality::One => put_field(&s, f, items.into_iter().next().unwrap_or(Value::Nil)),
                Cardinality::Many => put_field(&s, f, Value::list(items)),
            }
        })
        .collect()
}

fn preload_throughs_from_query(
    interp: &mut Interp,
    structs: Vec<Value>,
    throughs: &[Through],
    query_assocs: &BTreeMap<String, AssocTree>,
    opts: &Value,
    span: Span,
) -> EResult<Vec<Value>> {
    let mut structs = structs;
    for t in throughs {
        let Through::FromQuery(assoc, sub) = t else { continue };
        let mut flat = Vec::new();
        let mut counts = Vec::new();
        for s in &structs {
            match field(s, &assoc.field) {
                Value::List(l) => {
                    counts.push(l.len());
                    flat.extend(l.iter().cloned());
                }
                Value::Nil => counts.push(0),
                v => {
                    counts.push(1);
                    flat.push(v);
                }
            }
        }
        let sub_q = query_assocs.get(&assoc.field).map(|t| t.0.clone()).unwrap_or_default();
        let loaded = preload_each(interp, flat, sub, &sub_q, opts, span)?;
        structs = put_back(assoc.cardinality, &assoc.field, structs, loaded, &counts);
    }
    Ok(structs)
}

/// `load_through/2`: walks the chain of loaded associations.
fn load_through(interp: &mut Interp, s: &Value, assoc: &Assoc, chain: &[String], span: Span) -> EResult<Value> {
    let mut current = vec![s.clone()];
    let mut owner = assoc.owner.clone();
    for f in chain {
        let Some(schema) = schema::lookup(interp, &owner) else { break };
        let Some(a) = schema.assoc(f).cloned() else { break };
        let mut seen: Vec<Value> = Vec::new();
        let mut next = Vec::new();
        for c in &current {
            let v = field(c, f);
            let items: Vec<Value> = match v {
                Value::List(l) => l.to_vec(),
                Value::Nil => vec![],
                other => vec![other],
            };
            for child in items {
                let related = a.related.clone().unwrap_or_default();
                let pks: Vec<Value> = match schema::lookup(interp, &related) {
                    Some(rs) => rs.primary_key.iter().map(|k| field(&child, k)).collect(),
                    None => vec![child.clone()],
                };
                if pks.first().is_some_and(|p| matches!(p, Value::Nil)) {
                    return Err(arg(
                        format!("cannot preload through association `{}` on `{}` because the primary key is nil", assoc.field, assoc.owner),
                        span,
                    ));
                }
                let key = Value::list(pks);
                if !seen.contains(&key) {
                    seen.push(key);
                    next.push(child);
                }
            }
        }
        current = next;
        owner = a.related.clone().unwrap_or_default();
    }
    let v = match assoc.cardinality {
        Cardinality::One => current.into_iter().next().unwrap_or(Value::Nil),
        Cardinality::Many => Value::list(current),
    };
    Ok(put_field(s, &assoc.field, v))
}

/// `fetch_ids/4`: ids to fetch and already loaded values, most recent first.
#[allow(clippy::type_complexity)]
fn fetch_ids(
    structs: &[Value],
    module: &str,
    assoc: &Assoc,
    force: bool,
    span: Span,
) -> EResult<(Vec<Value>, Vec<Value>, Vec<(Value, usize)>, Vec<Value>)> {
    // Built in struct order, then reversed: Ecto accumulates by prepending.
    let mut fetch = Vec::new();
    let mut loaded_ids = Vec::new();
    let mut loaded_counts = Vec::new();
    let mut loaded_one: Vec<Value> = Vec::new();
    let mut loaded_many: Vec<Vec<Value>> = Vec::new();
    for s in structs {
        if matches!(s, Value::Nil) {
            continue;
        }
        if s.struct_name() != Some(module) {
            return Err(arg(
                format!(
                    "expected a homogeneous list containing the same struct, got: {module} and {}",
                    s.struct_name().unwrap_or("a non-struct")
                ),
                span,
            ));
        }
        let id = field(s, &assoc.owner_key);
        let value = field(s, &assoc.field);
        let is_loaded = value.struct_name() != Some("Ecto.Association.NotLoaded") && !force;
        if is_loaded && assoc.cardinality == Cardinality::One {
            loaded_ids.push(id);
            loaded_one.push(value);
        } else if is_loaded {
            let items = value.as_list().map(|l| l.to_vec()).unwrap_or_default();
            loaded_counts.push((id, items.len()));
            loaded_many.push(items);
        } else if matches!(id, Value::Nil) {
            continue;
        } else {
            fetch.push(id);
        }
    }
    fetch.reverse();
    loaded_ids.reverse();
    loaded_counts.reverse();
    loaded_one.reverse();
    let mut loaded_structs = loaded_one;
    for items in loaded_many.into_iter().rev() {
        loaded_structs.extend(items);
    }
    Ok((fetch, loaded_ids, loaded_counts, loaded_structs))
}

/// `fetch_query/8`: runs the association query; returns (ids, structs)
/// in reverse result order, as `unzip_ids/3` builds them.
fn fetch_query(
    interp: &mut Interp,
    ids: &[Value],
    assoc: &Assoc,
    query: Option<&Value>,
    take: Option<&Value>,
    opts: &Value,
    span: Span,
) -> EResult<(Vec<Value>, Vec<Value>)> {
    let mut uniq: Vec<Value> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for id in ids {
        if seen.insert(id.clone()) {
            uniq.push(id.clone());
        }
    }
    if let Some(f @ Value::Fun(func)) = query {
        let result = if func.arity() == 1 {
            interp.apply(f, vec![Value::list(uniq)], span)?
        } else {
            interp.apply(f, vec![Value::list(uniq), assoc.to_value()], span)?
        };
        let entries = result.as_list().map(|l| l.to_vec()).unwrap_or_default();
        let key = match &assoc.kind {
            AssocKind::ManyToMany { .. } => None,
            _ => Some(assoc.related_key.clone()),
        };
        let mut pairs: Vec<(Value, Value)> = Vec::new();
        for e in entries {
            match (&key, e.as_tuple()) {
                (_, Some([k, v])) => pairs.push((k.clone(), v.clone())),
                (Some(k), None) if e.get_field(k).is_some() => pairs.push((field(&e, k), e.clone())),
                _ => {
                    return Err(Error::raise(
                        "RuntimeError",
                        format!(
                            "invalid custom preload for `{}` on `{}`. For many_to_many associations, the custom function given to preload should return a tuple with the associated key as first element and the struct as second element.\n\nExpected a tuple with ID and struct, got: {}",
                            assoc.field,
                            assoc.owner,
                            inspect::inspect(&e)
                        ),
                        span,
                    ))
                }
            }
        }
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let (mut ks, mut vs): (Vec<Value>, Vec<Value>) = pairs.into_iter().unzip();
        ks.reverse();
        vs.reverse();
        return Ok((ks, vs));
    }
    let q = assoc_query(interp, assoc, query, &uniq, span)?;
    let q = bridge::preload_select(interp, &q, assoc, take, span)?;
    let opts = super::util::kw_put(opts, "ecto_query", Value::atom("preload"));
    let rows = queryable::run_all(interp, &q, &opts, span)?;
    let mut ks = Vec::with_capacity(rows.len());
    let mut vs = Vec::with_capacity(rows.len());
    for r in rows {
        match r.as_tuple() {
            Some([k, v]) => {
                ks.push(k.clone());
                vs.push(v.clone());
            }
            _ => return Err(arg(format!("unexpected preload row {}", inspect::inspect(&r)), span)),
        }
    }
    // unzip_ids/3 reverses the results.
    ks.reverse();
    vs.reverse();
    Ok((ks, vs))
}

/// `assoc_query/3` of each association kind.
pub(crate) fn assoc_query(interp: &mut Interp, assoc: &Assoc, query: Option<&Value>, ids: &[Value], span: Span) -> EResult<Value> {
    let base = match query {
        Some(q) => q.clone(),
        None => queryable::assoc_queryable(assoc),
    };
    let q = match &assoc.kind {
        AssocKind::ManyToMany { join_through, join_keys, .. } => {
            let owner_type = schema::lookup(interp, &assoc.owner)
                .and_then(|s| s.type_of(&join_keys[0].1).map(|t| t.to_value()))
                .unwrap_or(Value::atom("id"));
            let jt = match join_through {
                schema::JoinThrough::Table(t) => Value::str(t),
                schema::JoinThrough::Schema(m) => Value::module(m),
            };
            eval_template(
                interp,
                "preload_m2m",
                "from(q in q, join: j in ^jt, on: field(q, ^rk) == field(j, ^jrk), where: field(j, ^jok) in type(^ids, {:in, ^t}))",
                &[
                    ("q", base),
                    ("jt", jt),
                    ("rk", Value::atom(&join_keys[1].1)),
                    ("jrk", Value::atom(&join_keys[1].0)),
                    ("jok", Value::atom(&join_keys[0].0)),
                    ("ids", Value::list(ids.to_vec())),
                    ("t", owner_type),
                ],
                span,
            )?
        }
        _ if ids.len() == 1 => eval_template(
            interp,
            "preload_one",
            "from(x in q, where: field(x, ^rk) == ^v)",
            &[("q", base), ("rk", Value::atom(&assoc.related_key)), ("v", ids[0].clone())],
            span,
        )?,
        _ => eval_template(
            interp,
            "preload_many",
            "from(x in q, where: field(x, ^rk) in ^vs)",
            &[("q", base), ("rk", Value::atom(&assoc.related_key)), ("vs", Value::list(ids.to_vec()))],
            span,
        )?,
    };
    bridge::combine_assoc_where(interp, &q, &assoc.where_, span)
}
