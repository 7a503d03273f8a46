//! `select_merge/3`: `Ecto.Query.Builder.Select.merge/2`.

use super::expr::*;
use super::value::QueryError;
use crate::diag::Span;
use crate::eval::EResult;
use crate::value::Value;

enum Class<'a> {
    Source(usize),
    Struct(&'a str, &'a [(Expr, Expr)]),
    Map(&'a [(Expr, Expr)]),
    MapRuntime,
    Error,
}

fn classify<'a>(e: &'a Expr, take: &[(usize, TakeKind, Vec<Value>)]) -> Class<'a> {
    match e {
        Expr::Var(Bind::Ix(ix)) => match take.iter().find(|(i, _, _)| i == ix) {
            Some((_, TakeKind::Map, _)) => Class::MapRuntime,
            _ => Class::Source(*ix),
        },
        Expr::Struct(name, fields) => Class::Struct(name, fields),
        Expr::Map(fields) => Class::Map(fields),
        _ => Class::Error,
    }
}

fn is_keyword(fields: &[(Expr, Expr)]) -> bool {
    fields.iter().all(|(k, _)| matches!(k, Expr::Lit(Value::Atom(_)) | Expr::Lit(Value::Nil) | Expr::Lit(Value::Bool(_))))
}

fn kw_merge(old: &[(Expr, Expr)], new: &[(Expr, Expr)]) -> Vec<(Expr, Expr)> {
    let mut out: Vec<(Expr, Expr)> = old.iter().filter(|(k, _)| !new.iter().any(|(nk, _)| nk == k)).cloned().collect();
    out.extend(new.iter().cloned());
    out
}

/// Shifts parameter and subquery indexes of a merged-in expression.
pub fn bump(e: Expr, params: usize, subqueries: usize) -> Expr {
    if params == 0 && subqueries == 0 {
        return e;
    }
    e.map(&mut |x| match x {
        Expr::Param(i) => Expr::Param(i + params),
        Expr::Splice(i) => Expr::Splice(i + params),
        Expr::Subquery(i) => Expr::Subquery(i + subqueries),
        other => other,
    })
}

pub fn bump_params(params: Vec<Param>, subqueries: usize) -> Vec<Param> {
    params
        .into_iter()
        .map(|p| match p {
            Param::Subquery(i) => Param::Subquery(i + subqueries),
            other => other,
        })
        .collect()
}

pub fn select_merge(mut query: Query, new: SelectExpr, span: Span, query_fields: &dyn Fn(&str) -> Option<Vec<String>>) -> EResult<Query> {
    let old = query.select.clone().unwrap_or(SelectExpr {
        clause: Clause { expr: Expr::Var(Bind::Ix(0)), params: vec![], subqueries: vec![], loc: new.clause.loc },
        take: vec![],
        aliases: vec![],
    });
    let old_params = old.clause.params.len();
    let old_subs = old.clause.subqueries.len();
    let new_expr = bump(new.clause.expr.clone(), old_params, old_subs);
    let old_expr = &old.clause.expr;
    let expr = if *old_expr == new_expr {
        new_expr.clone()
    } else {
        match (classify(old_expr, &old.take), classify(&new_expr, &new.take)) {
            (Class::Source(a), Class::Source(b)) if a == b => Expr::Var(Bind::Ix(a)),
            (Class::Struct(name, old_fields), Class::Map(new_fields)) if old_params == 0 => {
                if new_fields.is_empty() {
                    old_expr.clone()
                } else if is_keyword(old_fields) && is_keyword(new_fields) {
                    Expr::Struct(name.to_string(), kw_merge(old_fields, new_fields))
                } else {
                    Expr::Merge(Box::new(old_expr.clone()), Box::new(new_expr.clone()))
                }
            }
            (Class::Map(old_fields), Class::Map(new_fields)) => {
                if old_fields.is_empty() {
                    new_expr.clone()
                } else if new_fields.is_empty() {
                    old_expr.clone()
                } else if old_params == 0 {
                    if is_keyword(old_fields) && is_keyword(new_fields) {
                        Expr::Map(kw_merge(old_fields, new_fields))
                    } else {
                        Expr::Merge(Box::new(old_expr.clone()), Box::new(new_expr.clone()))
                    }
                } else if is_keyword(new_fields)
                    && is_keyword(old_fields)
                    && !old_fields.iter().any(|(k, _)| new_fields.iter().any(|(nk, _)| nk == k))
                {
                    let mut f = old_fields.to_vec();
                    f.extend(new_fields.iter().cloned());
                    Expr::Map(f)
                } else {
                    Expr::Merge(Box::new(old_expr.clone()), Box::new(new_expr.clone()))
                }
            }
            (_, Class::Map(_)) | (_, Class::MapRuntime) => Expr::Merge(Box::new(old_expr.clone()), Box::new(new_expr.clone())),
            _ => {
                let what = match &new_expr {
                    Expr::Var(Bind::Ix(0)) => match &query.from.source {
                        Source::Table { table, schema } => format!("source {}", schema.clone().or(table.clone()).unwrap_or_default()),
                        _ => "source".to_string(),
                    },
                    Expr::Var(Bind::Ix(ix)) => format!("join (at position {ix})"),
                    other => super::inspect::expr_to_string(other, &[], &[]),
                };
                return Err(QueryError::raise(
                    &format!(
                        "cannot select_merge {what} into {}, those select expressions are incompatible. You can only select_merge:\n\n  * a source (such as post) with another source (of the same type)\n  * a source (such as post) with a map\n  * a struct with a map\n  * a map with a map\n\nIncompatible merge found",
                        super::inspect::expr_to_string(old_expr, &[], &[])
                    ),
                    &query,
                    span,
                ));
            }
        }
    };
    // take
    let mut take = old.take.clone();
    for (ix, kind, fields) in &new.take {
        if let Some(entry) = take.iter_mut().find(|(i, _, _)| i == ix) {
            entry.1 = match (entry.1, *kind) {
                (a, b) if a == b => a,
                (TakeKind::Any, k) | (k, TakeKind::Any) => k,
                (a, b) => {
                    return Err(super::builder::compile_error(
                        format!(
                            "cannot select_merge because the binding at position {ix} was previously specified as a `{}` and later as `{}`",
                            a.as_atom(),
                            b.as_atom()
                        ),
                        span,
                    ))
                }
            };
            for f in fields {
                if !entry.2.contains(f) {
                    entry.2.push(f.clone());
                }
            }
        } else if matches!(old_expr, Expr::Var(Bind::Ix(b)) if b == ix) {
            let source = if *ix == 0 { Some(&query.from.source) } else { query.joins.get(ix - 1).and_then(|j| j.source.as_ref()) };
            if let Some(Source::Table { schema: Some(s), .. }) = source {
                let _ = s;
                // The old select took the whole source: keep all its query fields.
                let mut f = fields.clone();
                if let Some(schema) = query_fields(s) {
                    for qf in schema {
                        let v = Value::atom(&qf);
                        if !f.contains(&v) {
                            f.push(v);
                        }
                    }
                }
                take.push((*ix, *kind, f));
            }
        } else {
            take.push((*ix, *kind, fields.clone()));
        }
    }
    let mut aliases = old.aliases.clone();
    for a in &new.aliases {
        if aliases.contains(a) {
            return Err(super::builder::compile_error(
                format!(
                    "the alias `{}` has been specified more than once using `selected_as/2`",
                    crate::value::inspect::inspect(&Value::atom(a))
                ),
                span,
            ));
        }
        aliases.push(a.clone());
    }
    let mut params = old.clause.params.clone();
    params.extend(bump_params(new.clause.params.clone(), old_subs));
    let mut subqueries = old.clause.subqueries.clone();
    subqueries.extend(new.clause.subqueries.clone());
    query.select = Some(SelectExpr { clause: Clause { expr, params, subqueries, loc: old.clause.loc }, take, aliases });
    Ok(query)
}
