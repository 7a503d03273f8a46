//! Association queries and structs: `Ecto.assoc/3` (each association's
//! `assoc_query/3` and `Ecto.Association.filter_through_chain/3`),
//! `Ecto.build_assoc/3`, `Ecto.assoc_loaded?/1` and `Ecto.reset_fields/2`.

use std::rc::Rc;

use super::expr::*;
use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::schema::{Assoc, AssocKind, JoinThrough, Schema};
use crate::value::inspect::inspect;
use crate::value::{alias_name, Value};

fn loc(span: Span) -> Loc {
    Loc { span }
}

fn arg_error(msg: impl Into<String>, span: Span) -> Box<Error> {
    Error::raise("ArgumentError", msg, span)
}

/// `Ecto.Association.association_from_schema!/2`
pub fn association_from_schema(interp: &mut Interp, schema: &str, name: &str, span: Span) -> EResult<(Rc<Schema>, Assoc)> {
    let s = crate::schema::lookup(interp, schema).ok_or_else(|| {
        Error::raise("UndefinedFunctionError", format!("function {}.__schema__/2 is undefined or private", alias_name(schema)), span)
    })?;
    match s.assoc(name).cloned() {
        Some(a) => Ok((s, a)),
        None => Err(arg_error(format!("schema {} does not have association {}", s.module, inspect(&Value::atom(name))), span)),
    }
}

/// `from x in queryable` for an association's queryable.
fn queryable_query(a: &Assoc) -> Query {
    Query::from_source(Source::Table { table: a.related_source.clone(), schema: a.related.clone() }, None)
}

fn where_clause(expr: Expr, params: Vec<Param>, span: Span) -> BoolExpr {
    BoolExpr { op: BoolOp::And, clause: Clause { expr, params, subqueries: vec![], loc: loc(span) } }
}

/// `field(x, ^key) == ^value` or `field(x, ^key) in ^values` on binding `ix`.
fn key_filter(ix: usize, key: &str, values: &[Value]) -> (Expr, Vec<Param>) {
    let field = Expr::Field(Bind::Ix(ix), key.into());
    let ty = QType::Field(Bind::Ix(ix), key.to_string());
    match values {
        [single] => (Expr::call("==", vec![field, Expr::Param(0)]), vec![Param::Value(single.clone(), ty)]),
        many => (Expr::call("in", vec![field, Expr::Param(0)]), vec![Param::Value(Value::list(many.to_vec()), QType::In(Box::new(ty)))]),
    }
}

/// `expand_where/5`: an association's `where:` keyword as conditions on `binding`.
fn expand_where(conditions: &Value, mut expr: Expr, params: &mut Vec<Param>, binding: usize) -> Expr {
    let Some(kw) = conditions.as_keyword() else { return expr };
    for (key, value) in kw {
        let field = Expr::Field(Bind::Ix(binding), key.into());
        let cond = match value {
            Value::Nil => Expr::call("is_nil", vec![field]),
            Value::Tuple(t) if t.len() == 2 && t[0].as_atom() == Some("not") && matches!(t[1], Value::Nil) => {
                Expr::call("not", vec![Expr::call("is_nil", vec![field])])
            }
            Value::Tuple(t) if t.len() == 2 && t[0].as_atom() == Some("fragment") && t[1].is_binary() => {
                let pieces = super::builder::split_fragment(t[1].as_str().unwrap_or(""));
                let mut parts = vec![];
                for (i, p) in pieces.iter().enumerate() {
                    parts.push(FragPart::Raw(p.clone()));
                    if i + 1 < pieces.len() {
                        parts.push(FragPart::Expr(field.clone()));
                    }
                }
                Expr::Fragment(parts)
            }
            Value::Tuple(t) if t.len() == 2 && t[0].as_atom() == Some("in") && t[1].as_list().is_some() => {
                params.push(Param::Value(t[1].clone(), QType::In(Box::new(QType::Field(Bind::Ix(binding), key.to_string())))));
                Expr::call("in", vec![field, Expr::Param(params.len() - 1)])
            }
            other => {
                params.push(Param::Value(other.clone(), QType::Field(Bind::Ix(binding), key.to_string())));
                Expr::call("==", vec![field, Expr::Param(params.len() - 1)])
            }
        };
        expr = if expr.is_true() { cond } else { Expr::call("and", vec![expr, cond]) };
    }
    expr
}

/// `combine_assoc_query/2`: conditions join the last `where` (or start one).
fn combine_assoc_query(q: &mut Query, conditions: &Value, span: Span) {
    if conditions.as_list().map(|l| l.is_empty()).unwrap_or(true) {
        return;
    }
    match q.wheres.last_mut() {
        None => {
            let mut params = vec![];
            let expr = expand_where(conditions, Expr::Lit(Value::Bool(true)), &mut params, 0);
            q.wheres.push(where_clause(expr, params, span));
        }
        Some(w) => {
            let expr = expand_where(conditions, w.clause.expr.clone(), &mut w.clause.params, 0);
            w.clause.expr = expr;
        }
    }
}

/// `combine_joins_query/3`: conditions join the last join's `on`.
pub(super) fn combine_joins_query(q: &mut Query, conditions: &Value, binding: usize) {
    if conditions.as_list().map(|l| l.is_empty()).unwrap_or(true) {
        return;
    }
    if let Some(j) = q.joins.last_mut() {
        let expr = expand_where(conditions, j.on.clause.expr.clone(), &mut j.on.clause.params, binding);
        j.on.clause.expr = expr;
    }
}

/// The join-through table or schema of a many-to-many association as a source.
pub(super) fn through_source(jt: &JoinThrough) -> Source {
    match jt {
        JoinThrough::Table(t) => Source::Table { table: Some(t.clone()), schema: None },
        JoinThrough::Schema(s) => Source::Table { table: None, schema: Some(s.clone()) },
    }
}

pub(super) fn join_expr(source: Source, on: Expr, span: Span) -> JoinExpr {
    JoinExpr {
        qual: JoinQual::Inner,
        source: Some(source),
        source_query: None,
        on: where_clause(on, vec![], span),
        assoc: None,
        as_: None,
        ix: None,
        prefix: None,
        params: vec![],
        hints: vec![],
        loc: loc(span),
        written: Written(span),
    }
}

/// `assoc_query/3` of an association: the related records of the owners
/// whose `owner_key` values are `values`.
pub fn assoc_query(interp: &mut Interp, a: &Assoc, query: Option<Query>, values: &[Value], span: Span) -> EResult<Query> {
    match &a.kind {
        AssocKind::Has { .. } | AssocKind::BelongsTo => {
            let mut q = query.unwrap_or_else(|| queryable_query(a));
            let (expr, params) = key_filter(0, &a.related_key, values);
            q.wheres.push(where_clause(expr, params, span));
            combine_assoc_query(&mut q, &a.where_, span);
            Ok(q)
        }
        AssocKind::ManyToMany { join_through, join_keys, join_where, .. } => {
            let [(join_owner_key, owner_key), (join_related_key, related_key)] = join_keys.clone();
            let owner_type = crate::schema::lookup(interp, &a.owner)
                .and_then(|s| s.type_of(&owner_key).map(|t| t.to_value()))
                .unwrap_or(Value::atom("id"));
            let mut q = query.unwrap_or_else(|| queryable_query(a));
            let jix = q.count_binds();
            let jt = through_source(join_through);
            let on =
                Expr::call("==", vec![Expr::Field(Bind::Ix(0), related_key.into()), Expr::Field(Bind::Ix(jix), join_related_key.into())]);
            q.joins.push(join_expr(jt, on, span));
            let filter = Expr::call("in", vec![Expr::Field(Bind::Ix(jix), join_owner_key.into()), Expr::Param(0)]);
            let params = vec![Param::Value(Value::list(values.to_vec()), QType::In(Box::new(QType::Term(owner_type))))];
            q.wheres.push(where_clause(filter, params, span));
            combine_assoc_query(&mut q, &a.where_, span);
            let n = q.joins.len();
            combine_joins_query(&mut q, join_where, n);
            Ok(q)
        }
        AssocKind::Through { through } => {
            let owner = crate::schema::lookup(interp, &a.owner).ok_or_else(|| arg_error(format!("unknown schema {}", a.owner), span))?;
            filter_through_chain(interp, &owner, through, values, span)
        }
    }
}

#[derive(Clone, Debug)]
struct Rel {
    source: Source,
    out_key: String,
    in_key: String,
    where_: Value,
}

fn is_empty(v: &Value) -> bool {
    matches!(v, Value::Nil) || v.as_list().map(|l| l.is_empty()).unwrap_or(false)
}

fn flatten_through(interp: &mut Interp, owner: Rc<Schema>, through: &[String], span: Span) -> EResult<(Rc<Schema>, Vec<String>)> {
    let mut acc = vec![];
    let mut owner = owner;
    for name in through {
        let (_, refl) = association_from_schema(interp, &owner.module, name, span)?;
        match &refl.kind {
            AssocKind::Through { through: nested } => {
                let (o, inner) = flatten_through(interp, owner.clone(), nested, span)?;
                acc.extend(inner);
                owner = o;
            }
            _ => {
                acc.push(name.clone());
                owner = crate::schema::require(interp, refl.related.as_deref().unwrap_or_default(), span)?;
            }
        }
    }
    Ok((owner, acc))
}

/// `resolve_through_tables(owner, through, :backward)`
fn through_backward(interp: &mut Interp, owner: &Rc<Schema>, through: &[String], span: Span) -> EResult<Vec<Rel>> {
    let mut list = vec![Rel {
        source: Source::Table { table: None, schema: Some(owner.module.clone()) },
        out_key: String::new(),
        in_key: String::new(),
        where_: Value::Nil,
    }];
    let mut cur = owner.clone();
    for name in through {
        let (_, refl) = association_from_schema(interp, &cur.module, name, span)?;
        let mut owner_map = list.remove(0);
        let related_src = Source::Table { table: refl.related_source.clone(), schema: refl.related.clone() };
        match &refl.kind {
            AssocKind::ManyToMany { join_through, join_keys, join_where, .. } => {
                let [(owner_join_key, owner_key), (related_join_key, related_key)] = join_keys.clone();
                owner_map.in_key = owner_key;
                let jt = through_source(join_through);
                list.insert(0, owner_map);
                list.insert(0, Rel { source: jt, out_key: owner_join_key, in_key: related_join_key, where_: join_where.clone() });
                list.insert(0, Rel { source: related_src, out_key: related_key, in_key: String::new(), where_: refl.where_.clone() });
            }
            _ => {
                owner_map.in_key = refl.owner_key.clone();
                list.insert(0, owner_map);
                list.insert(
                    0,
                    Rel { source: related_src, out_key: refl.related_key.clone(), in_key: String::new(), where_: refl.where_.clone() },
                );
            }
        }
        cur = refl
            .related
            .as_deref()
            .and_then(|r| crate::schema::lookup(interp, r))
            .ok_or_else(|| arg_error(format!("association {} has no related schema", inspect(&Value::atom(name))), span))?;
    }
    Ok(list)
}

/// `Ecto.Association.filter_through_chain/3`
pub fn filter_through_chain(interp: &mut Interp, owner: &Rc<Schema>, through: &[String], values: &[Value], span: Span) -> EResult<Query> {
    let (_, flat) = flatten_through(interp, owner.clone(), through, span)?;
    let rels = through_backward(interp, owner, &flat, span)?;
    let mut filtered: Vec<Rel> =
        rels.into_iter().enumerate().filter(|(i, r)| *i == 0 || r.in_key != r.out_key || !is_empty(&r.where_)).map(|(_, r)| r).collect();
    filtered.pop();
    let Some((source, joins)) = filtered.split_first() else {
        return Err(arg_error("invalid through association", span));
    };
    let mut q = Query::from_source(source.source.clone(), None);
    let mut prev = source.clone();
    let mut dest_out_key = source.out_key.clone();
    for (counter, cur) in joins.iter().enumerate() {
        let on = Expr::call(
            "==",
            vec![
                Expr::Field(Bind::Ix(counter), prev.out_key.as_str().into()),
                Expr::Field(Bind::Ix(counter + 1), cur.in_key.as_str().into()),
            ],
        );
        q.joins.push(join_expr(cur.source.clone(), on, span));
        combine_joins_query(&mut q, &cur.where_, counter + 1);
        prev = cur.clone();
        dest_out_key = cur.out_key.clone();
    }
    let final_bind = q.count_binds() - 1;
    let (expr, params) = key_filter(final_bind, &dest_out_key, values);
    q.wheres.push(where_clause(expr, params, span));
    combine_assoc_query(&mut q, &source.where_, span);
    q.distinct = Some(Clause { expr: Distinct::Bool(true), params: vec![], subqueries: vec![], loc: loc(span) });
    Ok(q)
}

fn struct_module(v: &Value) -> Option<String> {
    v.as_struct().map(|s| s.name().to_string())
}

fn meta_prefix(v: &Value) -> Option<Value> {
    match v.get_field("__meta__").and_then(|m| m.get_field("prefix")) {
        Some(Value::Nil) | None => None,
        Some(p) => Some(p.clone()),
    }
}

/// `Ecto.assoc(struct_or_structs, assocs, opts \\ [])`
fn f_assoc(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let path: Vec<String> = match &args[1] {
        Value::List(l) => l.iter().filter_map(|x| x.as_atom().map(|a| a.to_string())).collect(),
        other => other.as_atom().map(|a| vec![a.to_string()]).unwrap_or_default(),
    };
    let Some((first, rest)) = path.split_first() else {
        return Err(Error::raise("MatchError", "no match of right hand side value: []", span));
    };
    let structs: Vec<Value> = match &args[0] {
        Value::Nil => return Err(arg_error(format!("cannot retrieve association {} for nil", inspect(&Value::atom(first))), span)),
        Value::List(l) if l.is_empty() => {
            return Err(arg_error(format!("cannot retrieve association {} for empty list", inspect(&Value::atom(first))), span))
        }
        Value::List(l) => l.to_vec(),
        other => vec![other.clone()],
    };
    let sample = &structs[0];
    let prefix = match args
        .get(2)
        .and_then(|o| o.as_keyword())
        .and_then(|kw| kw.into_iter().find(|(k, _)| *k == "prefix").map(|(_, v)| v.clone()))
    {
        Some(p) => {
            if matches!(p, Value::Nil) {
                None
            } else {
                Some(p)
            }
        }
        None => meta_prefix(sample),
    };
    let schema = struct_module(sample).ok_or_else(|| arg_error(format!("expected a struct, got: {}", inspect(sample)), span))?;
    let (owner, refl) = association_from_schema(interp, &schema, first, span)?;
    let mut values: Vec<Value> = vec![];
    for s in &structs {
        let m = struct_module(s).unwrap_or_default();
        if m != schema {
            return Err(arg_error(format!("expected a homogeneous list containing the same struct, got: {schema} and {m}"), span));
        }
        let key = s
            .get_field(&refl.owner_key)
            .cloned()
            .ok_or_else(|| Error::raise("KeyError", format!("key {} not found", inspect(&Value::atom(&refl.owner_key))), span))?;
        if !values.contains(&key) {
            values.push(key);
        }
    }
    let mut q = if rest.is_empty() {
        assoc_query(interp, &refl, None, &values, span)?
    } else {
        filter_through_chain(interp, &owner, &path, &values, span)?
    };
    q.prefix = prefix;
    Ok(q.into_value())
}

/// `Ecto.build_assoc(struct, assoc, attributes \\ %{})`
fn f_build_assoc(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let owner = &args[0];
    let schema = struct_module(owner).ok_or_else(|| {
        Error::raise("FunctionClauseError", format!("no function clause matching in Ecto.build_assoc/3: {}", inspect(owner)), span)
    })?;
    let name = args[1].as_atom().unwrap_or("").to_string();
    let (_, refl) = association_from_schema(interp, &schema, &name, span)?;
    if refl.is_through() {
        return Err(arg_error(
            format!(
                "cannot build through association `{}` for {schema}. Instead build the intermediate steps explicitly.",
                inspect(&Value::atom(&name))
            ),
            span,
        ));
    }
    let related = refl.related.clone().unwrap_or_default();
    let rel_schema = crate::schema::lookup(interp, &related).ok_or_else(|| arg_error(format!("unknown schema {related}"), span))?;
    let mut st = match rel_schema.new_struct() {
        Value::Struct(s) => (*s).clone(),
        _ => return Err(arg_error("not a struct", span)),
    };
    // defaults: a keyword list (or {m, f, a}, called with the struct and owner)
    let mut base = Value::Struct(Rc::new(st.clone()));
    match &refl.defaults {
        Value::List(_) => {
            for (k, v) in refl.defaults.as_keyword().unwrap_or_default() {
                st.set(k, v.clone());
            }
            base = Value::Struct(Rc::new(st.clone()));
        }
        Value::Tuple(t) if t.len() == 3 => {
            let m = t[0].as_atom().map(|a| alias_name(a).to_string()).unwrap_or_default();
            let f = t[1].as_atom().unwrap_or("").to_string();
            let mut call_args = vec![base.clone(), owner.clone()];
            call_args.extend(t[2].as_list().map(|l| l.to_vec()).unwrap_or_default());
            base = interp.call(&m, &f, call_args, span)?;
        }
        _ => {}
    }
    let Value::Struct(bs) = &base else {
        return Err(arg_error(format!("expected a struct from the association defaults, got: {}", inspect(&base)), span));
    };
    let mut st = (**bs).clone();
    // merge_source: a `{source, Schema}` queryable sets __meta__.source
    if let Some(src) = &refl.related_source {
        if let Some(Value::Struct(meta)) = st.get("__meta__").cloned() {
            let mut m = (*meta).clone();
            if m.get("source").and_then(|s| s.as_str()) != Some(src.as_str()) {
                m.set("source", Value::str(src));
                st.set("__meta__", Value::Struct(Rc::new(m)));
            }
        }
    }
    // struct(data, attributes) without __struct__/__meta__
    let attrs: Vec<(String, Value)> = match args.get(2) {
        None | Some(Value::Nil) => vec![],
        Some(Value::Map(m)) => m.iter().filter_map(|(k, v)| k.as_atom().map(|a| (a.to_string(), v.clone()))).collect(),
        Some(v @ Value::List(_)) => v.as_keyword().unwrap_or_default().into_iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        Some(Value::Struct(s)) => s.fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        Some(other) => return Err(arg_error(format!("expected attributes to be a map or keyword list, got: {}", inspect(other)), span)),
    };
    for (k, v) in attrs {
        if k != "__struct__" && k != "__meta__" {
            st.set(&k, v);
        }
    }
    if matches!(refl.kind, AssocKind::Has { .. }) {
        let key = owner.get_field(&refl.owner_key).cloned().unwrap_or(Value::Nil);
        st.set(&refl.related_key, key);
    }
    Ok(Value::Struct(Rc::new(st)))
}

fn f_assoc_loaded(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    Ok(Value::Bool(match &args[0] {
        Value::Struct(s) if s.name() == "Ecto.Association.NotLoaded" => false,
        Value::List(_) | Value::Nil | Value::Struct(_) => true,
        v if v.struct_name().is_some() => true,
        other => {
            return Err(Error::raise(
                "FunctionClauseError",
                format!("no function clause matching in Ecto.assoc_loaded?/1: {}", inspect(other)),
                span,
            ))
        }
    }))
}

fn f_reset_fields(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let fields: Vec<String> =
        args[1].as_list().map(|l| l.iter().filter_map(|f| f.as_atom().map(|a| a.to_string())).collect()).unwrap_or_default();
    if fields.is_empty() {
        return Ok(args[0].clone());
    }
    let Value::Struct(s) = &args[0] else {
        return Err(Error::raise(
            "FunctionClauseError",
            format!("no function clause matching in Ecto.reset_fields/2: {}", inspect(&args[0])),
            span,
        ));
    };
    let defaults = interp.struct_def(&s.module);
    let mut st = (**s).clone();
    if let Some(d) = defaults {
        for (k, v) in d.iter() {
            if fields.iter().any(|f| **f == **k) {
                st.set(k, v.clone());
            }
        }
    }
    Ok(Value::Struct(Rc::new(st)))
}

pub fn register(b: &mut crate::eval::Builtins) {
    b.add("Ecto", "assoc", &[2, 3], f_assoc);
    b.add("Ecto", "build_assoc", &[2, 3], f_build_assoc);
    b.add("Ecto", "assoc_loaded?", &[1], f_assoc_loaded);
    b.add("Ecto", "reset_fields", &[2], f_reset_fields);
}
