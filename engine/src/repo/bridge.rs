//! The boundary with the query planner: planning and printing a query for
//! SQLite, running it, and loading its rows through the select shape.

use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::value::Value;

use super::sql::{ConflictTarget, OnConflict};

fn unavailable(what: &str, span: Span) -> Box<Error> {
    Error::raise("RuntimeError", format!("{what} is not available yet: the query planner is not connected to Repo"), span)
}

/// Plans, prints and runs `query` (`all`, `update_all` or `delete_all`),
/// returning the row count and the loaded rows (`None` when the statement
/// returns no rows, as for an update without `select`).
pub(crate) fn execute(_interp: &mut Interp, op: &str, _query: &Value, _opts: &Value, span: Span) -> EResult<(i64, Option<Vec<Value>>)> {
    Err(unavailable(&format!("Repo {op}"), span))
}

/// The schema module of the query's `from` (`Store.User`).
pub(crate) fn from_schema(_query: &Value) -> Option<String> {
    None
}

pub(crate) fn has_group_by(_query: &Value) -> bool {
    false
}

/// No distinct, limit, offset or combinations: aggregates run directly.
pub(crate) fn is_simple_for_aggregate(_query: &Value) -> bool {
    true
}

/// `%{query | assocs: []}`.
pub(crate) fn clear_assocs(query: &Value) -> Value {
    query.clone()
}

/// `rewrite_combinations/1` of `exists?`: each combined query selects 1.
pub(crate) fn select_one_in_combinations(_interp: &mut Interp, query: &Value, _span: Span) -> EResult<Value> {
    Ok(query.clone())
}

pub(crate) fn on_conflict_query(
    _interp: &mut Interp,
    _query: &Value,
    _table: &str,
    _target: ConflictTarget,
    _counter: usize,
    span: Span,
) -> EResult<(OnConflict, Vec<Value>, bool)> {
    Err(unavailable("on_conflict with a query", span))
}

pub(crate) fn insert_all_query(_interp: &mut Interp, _target: &Value, _query: &Value, _opts: &Value, span: Span) -> EResult<Value> {
    Err(unavailable("insert_all with a query", span))
}

pub(crate) fn subquery_sql(_interp: &mut Interp, _query: &Value, span: Span) -> EResult<(String, Vec<Value>)> {
    Err(unavailable("a query as an insert_all value", span))
}

/// Selects `{related_key, struct}` and orders by the key for preloads.
pub(crate) fn preload_select(
    interp: &mut Interp,
    query: &Value,
    assoc: &crate::schema::Assoc,
    _take: Option<&Value>,
    span: Span,
) -> EResult<Value> {
    let _ = (interp, query, assoc);
    Err(unavailable("preload", span))
}

/// `Ecto.Association.combine_assoc_query/2` with the association's `where:`.
pub(crate) fn combine_assoc_where(_interp: &mut Interp, query: &Value, conditions: &Value, _span: Span) -> EResult<Value> {
    let _ = conditions;
    Ok(query.clone())
}
