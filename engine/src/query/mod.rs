//! Ecto.Query: the query model, the builder from Elixir syntax, the planner
//! and the SQLite/PostgreSQL printers.
//!
//! ```text
//! AST --builder/api--> Query (Value::Opaque) --plan(op, dialect)--> Planned + params --sql--> SQL text
//! ```

pub mod api;
pub mod assoc;
pub mod builder;
pub mod expr;
pub mod inspect;
pub mod merge;
pub mod plan;
pub mod sql;
pub mod value;

pub use expr::Query;
pub use plan::{plan, plan_at, plan_rc, Dialect, Op, PlanResult, Planned};
pub use value::{to_query, to_query_rc, DynamicExpr, QueryValue, SubQueryValue};

use crate::eval::{EResult, Interp};
use crate::value::Value;

/// SQL text and dumped params of a queryable for an operation and dialect
/// (what `Ecto.Adapters.SQL.to_sql/3` returns).
pub fn to_sql(
    interp: &mut Interp,
    queryable: &Value,
    op: Op,
    dialect: Dialect,
    span: crate::diag::Span,
) -> EResult<(String, Vec<Value>, PlanResult)> {
    let q = value::to_query_rc(interp, queryable, span)?;
    let r = plan::plan_rc(interp, q, op, dialect, 0)?;
    let sql = sql::to_sql(&r.planned, dialect)?;
    Ok((sql, r.params.clone(), r))
}

/// SQL text and dumped params of a queryable (like [`to_sql`], without the
/// plan).
pub fn sql_and_params(
    interp: &mut Interp,
    queryable: &Value,
    op: Op,
    dialect: Dialect,
    span: crate::diag::Span,
) -> EResult<(String, Vec<Value>)> {
    let q = value::to_query_rc(interp, queryable, span)?;
    let r = plan::plan_rc(interp, q, op, dialect, 0)?;
    let sql = sql::to_sql(&r.planned, dialect)?;
    Ok((sql, r.params))
}

/// Registers the `Ecto.Query` API.
pub fn register(b: &mut crate::eval::Builtins) {
    api::register(b);
    assoc::register(b);
    // `Inspect.Ecto.Query.to_string/1`: the clauses one per line, as in Ecto's error messages.
    b.add("Inspect.Ecto.Query", "to_string", &[1], |i, a, s| {
        let q = value::to_query(i, &a[0], s)?;
        Ok(crate::value::Value::string(inspect::query_to_string(&q)))
    });
}

#[cfg(test)]
mod tests;
