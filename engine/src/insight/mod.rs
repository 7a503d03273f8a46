//! "Why is this query slow?": the plan of a query tied to its Ecto code,
//! index advice as migrations, data generated at scale, and preload
//! strategies compared. Pure Rust over the `Executor` (rusqlite natively,
//! sql.js in the page); clocks are handed in by the host.
//!
//! ```text
//! queryable ─prepare (query::plan, SQLite)─▶ Prepared { sql, params, planned }
//! Prepared + Executor ─analyze─▶ Analysis { plan (EXPLAIN QUERY PLAN as a tree), advice, tables }
//! ```
//!
//! * [`plan`]: `EXPLAIN QUERY PLAN` rows, the tree, each node in words and
//!   tied to its binding and clause spans.
//! * [`advice`]: the index rules (documented there) and the migration code
//!   and DDL of each suggestion.
//! * [`datagen`]: rows generated from a table's schema and columns,
//!   inserted in batches (`Generator::step`).
//! * [`strategies`]: a query's preloads loaded three ways, measured.

pub mod advice;
pub mod datagen;
pub mod pg_plan;
pub mod plan;
pub mod strategies;

use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::diag::Span;
use crate::eval::{EResult, Interp};
use crate::executor::{DbError, DbValue, Executor};
use crate::playground::tables::{int, quote_ident};
use crate::query::{Dialect, Op, Planned};
use crate::value::Value;

pub use advice::{Advice, Facts, IndexAdvice, Note, TableFacts};
pub use plan::{ClauseRef, NodeKind, Plan, PlanNode, PlanRow};

/// A query planned for the session's database: the statement, its bound
/// params and the planned query the advice reads.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub sql: String,
    /// The params as SQLite binds them; on PostgreSQL, empty until
    /// [`bind_postgres`] encodes `pg_params` for the session.
    pub params: Vec<DbValue>,
    pub planned: Rc<Planned>,
    /// The same statement for PostgreSQL, when it can be printed.
    pub postgres: Option<String>,
    /// On a PostgreSQL session: the params as the Repo dumps them (`sql`
    /// is then PostgreSQL's statement).
    pub pg_params: Option<Vec<Value>>,
    /// `update_all`/`delete_all`: planned, never run.
    pub writes: bool,
}

/// Plans `queryable` for `op` for the session's database (SQLite, or
/// PostgreSQL when the Repo runs there), with its params bound as the Repo
/// binds them.
pub fn prepare(interp: &mut Interp, queryable: &Value, op: Op, span: Span) -> EResult<Prepared> {
    if crate::repo::postgres(interp) {
        let (sql, params, r) = crate::query::to_sql(interp, queryable, op, Dialect::Postgres, span)?;
        return Ok(Prepared {
            postgres: Some(sql.clone()),
            sql,
            params: vec![],
            planned: r.planned,
            pg_params: Some(params),
            writes: op != Op::All,
        });
    }
    let (sql, params, r) = crate::query::to_sql(interp, queryable, op, Dialect::Sqlite, span)?;
    let mut bound = Vec::with_capacity(params.len());
    for p in &params {
        match crate::repo::util::bind_value(p) {
            Ok(v) => bound.push(v),
            Err(message) => return Err(crate::eval::Error::raise("ArgumentError", message, span)),
        }
    }
    let postgres = crate::query::sql_and_params(interp, queryable, op, Dialect::Postgres, span).ok().map(|(s, _)| s);
    Ok(Prepared { sql, params: bound, planned: r.planned, postgres, pg_params: None, writes: op != Op::All })
}

/// Encodes a PostgreSQL statement's params for the session (the types the
/// server infers), so it can be run and timed as it is.
pub fn bind_postgres(exec: &mut dyn Executor, prepared: &mut Prepared) -> Result<(), DbError> {
    if let Some(values) = &prepared.pg_params {
        prepared.params = pg_plan::bind(exec, &prepared.sql, values)?;
    }
    Ok(())
}

/// Everything the page shows about one query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub sql: String,
    pub postgres: Option<String>,
    pub plan: Plan,
    pub advice: Vec<IndexAdvice>,
    /// Conditions no index is suggested for, and why.
    pub notes: Vec<Note>,
    /// The tables the query reads, with their rows and indexes.
    pub tables: Vec<TableFacts>,
}

/// The tables a planned query reads (top level and subqueries), by name.
pub fn tables_of(p: &Planned) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    plan::QueryMap::of(p).aliases.into_iter().for_each(|(_, t, _)| {
        if !out.contains(&t) {
            out.push(t);
        }
    });
    out
}

/// Counts the rows of `table`.
pub fn count_rows(exec: &mut dyn Executor, table: &str) -> Result<u64, DbError> {
    let r = exec.execute(&format!("SELECT count(*) FROM {}", quote_ident(table)), &[])?;
    Ok(int(r.rows.first().and_then(|r| r.first())).max(0) as u64)
}

/// Reads rows and indexes of `tables` through the executor (tables that do
/// not exist are left out).
pub fn read_facts(exec: &mut dyn Executor, tables: &[String]) -> Result<Facts, DbError> {
    let catalog = crate::erd::catalog::read(exec)?;
    let mut facts = Facts::default();
    for t in tables {
        if catalog.table(t).is_none() {
            continue;
        }
        let rows = count_rows(exec, t)?;
        facts.tables.push(TableFacts::from_catalog(&catalog, t, rows));
    }
    Ok(facts)
}

/// Runs `EXPLAIN QUERY PLAN`, reads the tables and gives the advice.
/// `unique_constraints` lists, per table, the column sets a schema's
/// changeset declares unique (empty when unknown).
/// On PostgreSQL the plan is its own (`EXPLAIN (ANALYZE, FORMAT JSON)`,
/// [`pg_plan`]) and each advice says what the plan shows of its table.
pub fn analyze(exec: &mut dyn Executor, prepared: &Prepared, unique_constraints: &[(String, Vec<String>)]) -> Result<Analysis, DbError> {
    if let Some(values) = &prepared.pg_params {
        return analyze_postgres(exec, prepared, values, unique_constraints);
    }
    let rows = plan::explain(exec, &prepared.sql, &prepared.params)?;
    let mut facts = read_facts(exec, &tables_of(&prepared.planned))?;
    for t in &mut facts.tables {
        t.unique_constraints = unique_constraints.iter().filter(|(n, _)| *n == t.name).map(|(_, c)| c.clone()).collect();
    }
    let map = plan::QueryMap::of(&prepared.planned);
    let counts: Vec<(String, u64)> = facts.tables.iter().map(|t| (t.name.clone(), t.rows)).collect();
    let plan = plan::build(rows, &map, &|t| counts.iter().find(|(n, _)| n == t).map(|(_, r)| *r));
    let Advice { advice, notes } = advice::advise(&prepared.planned, &facts);
    Ok(Analysis { sql: prepared.sql.clone(), postgres: prepared.postgres.clone(), plan, advice, notes, tables: facts.tables })
}

fn analyze_postgres(
    exec: &mut dyn Executor,
    prepared: &Prepared,
    values: &[Value],
    unique_constraints: &[(String, Vec<String>)],
) -> Result<Analysis, DbError> {
    let json = pg_plan::explain(exec, &prepared.sql, values, !prepared.writes)?;
    let mut facts = read_facts(exec, &tables_of(&prepared.planned))?;
    for t in &mut facts.tables {
        t.unique_constraints = unique_constraints.iter().filter(|(n, _)| *n == t.name).map(|(_, c)| c.clone()).collect();
    }
    let map = plan::QueryMap::of(&prepared.planned);
    let counts: Vec<(String, u64)> = facts.tables.iter().map(|t| (t.name.clone(), t.rows)).collect();
    let plan = pg_plan::build(&json, &map, &|t| counts.iter().find(|(n, _)| n == t).map(|(_, r)| *r));
    let Advice { mut advice, notes } = advice::advise(&prepared.planned, &facts);
    for a in &mut advice {
        // What PostgreSQL's plan shows of the table the index is for.
        let scan = plan.nodes.iter().find(|n| n.table.as_deref() == Some(&a.table) && n.kind == NodeKind::Scan);
        if let Some(scan) = scan {
            let removed = scan.rows_removed.map(|r| format!("; its filter dropped {r} rows")).unwrap_or_default();
            a.reason.push_str(&format!(" PostgreSQL reads every row of `{}` (Seq Scan{removed}).", a.table));
        }
    }
    Ok(Analysis { sql: prepared.sql.clone(), postgres: prepared.postgres.clone(), plan, advice, notes, tables: facts.tables })
}

/// A query run several times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Each run, in microseconds.
    pub runs_us: Vec<u64>,
    pub median_us: u64,
    /// Rows the query returned.
    pub rows: usize,
}

/// Runs the statement `k` times (at least once), timing each run with
/// `clock` (microseconds, monotonic: `performance.now()` in the page).
pub fn time_query(exec: &mut dyn Executor, sql: &str, params: &[DbValue], k: usize, clock: &dyn Fn() -> u64) -> Result<Timing, DbError> {
    let mut runs_us = Vec::with_capacity(k.max(1));
    let mut rows = 0;
    for _ in 0..k.max(1) {
        let start = clock();
        let r = exec.execute(sql, params)?;
        runs_us.push(clock().saturating_sub(start));
        rows = r.rows.len();
    }
    Ok(Timing { median_us: median(&runs_us), runs_us, rows })
}

/// The median of `xs` (the lower middle for an even count; 0 when empty).
pub fn median(xs: &[u64]) -> u64 {
    let mut v = xs.to_vec();
    crate::sort::sort(&mut v);
    match v.len() {
        0 => 0,
        n => v[(n - 1) / 2],
    }
}

/// The column sets each schema's changeset functions declare unique with
/// `unique_constraint(:field)` / `unique_constraint([:a, :b])`, read from
/// the source text of the `defmodule`s that define a schema (by table).
pub fn unique_constraints(interp: &mut Interp, source: &str) -> Vec<(String, Vec<String>)> {
    use crate::syntax::Kind;
    let parsed = crate::syntax::parse(source);
    let modules = modules(&parsed.root);
    let mut out = vec![];
    for (name, body) in modules {
        let Some(schema) = crate::schema::lookup(interp, &name) else { continue };
        let Some(table) = schema.source.clone() else { continue };
        walk(body, 0, &mut |n| {
            let args = match &n.kind {
                Kind::Call { name, args, .. } if name == "unique_constraint" => args,
                Kind::Dot { name, args, .. } if name == "unique_constraint" => args,
                _ => return,
            };
            // piped (`|> unique_constraint(:email)`) or with the changeset first
            let cols: Option<Vec<String>> = args.iter().find_map(|a| match &a.kind {
                Kind::Atom(c) => Some(vec![c.to_string()]),
                Kind::List(items) if a.as_keyword().is_none() => items.iter().map(|i| i.as_atom().map(str::to_string)).collect(),
                _ => None,
            });
            if let Some(cols) = cols.filter(|c| !c.is_empty()) {
                let cols: Vec<String> = cols.iter().map(|c| schema.field_source(c).unwrap_or(c).to_string()).collect();
                if !out.contains(&(table.clone(), cols.clone())) {
                    out.push((table.clone(), cols));
                }
            }
        });
    }
    out
}

/// Each `defmodule` of a tree, by name, with its node.
fn modules(root: &crate::syntax::Node) -> Vec<(String, &crate::syntax::Node)> {
    let mut out = vec![];
    walk(root, 0, &mut |x| {
        if let crate::syntax::Kind::Call { name, args, .. } = &x.kind {
            if let (true, Some(a)) = (name == "defmodule", args.first().and_then(|a| a.alias_name())) {
                out.push((a, x));
            }
        }
    });
    out
}

/// Visits every node of a syntax tree, parents first.
fn walk<'a>(n: &'a crate::syntax::Node, depth: usize, f: &mut dyn FnMut(&'a crate::syntax::Node)) {
    use crate::syntax::Kind;
    if depth > 200 {
        return;
    }
    f(n);
    let mut each = |xs: &'a [crate::syntax::Node]| xs.iter().for_each(|x| walk(x, depth + 1, f));
    match &n.kind {
        Kind::List(xs) | Kind::Tuple(xs) | Kind::Block(xs) => each(xs),
        Kind::Call { args, .. } => each(args),
        Kind::Dot { target, args, .. } => {
            walk(target, depth + 1, f);
            args.iter().for_each(|x| walk(x, depth + 1, f));
        }
        Kind::BinOp { lhs, rhs, .. } => {
            walk(lhs, depth + 1, f);
            walk(rhs, depth + 1, f);
        }
        Kind::UnOp { operand, .. } => walk(operand, depth + 1, f),
        Kind::Fn(clauses) | Kind::Clauses(clauses) => {
            for c in clauses {
                c.args.iter().for_each(|x| walk(x, depth + 1, f));
                walk(&c.body, depth + 1, f);
            }
        }
        _ => {}
    }
}

#[cfg(all(test, feature = "rusqlite"))]
mod tests;
