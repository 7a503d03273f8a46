//! The proof beside a proposal: its SQL for both adapters, and, when the
//! workspace has a database, both queries run and their rows compared.

use serde::{Deserialize, Serialize};

use super::{Kind, Proposal};
use crate::eval::{EResult, Env};
use crate::executor::{DbValue, QueryResult};
use crate::playground::Workspace;
use crate::query::{self, Dialect, Op};
use crate::value::inspect::inspect_full;
use crate::{Span, Value};

/// One adapter's SQL and params (as `inspect` shows them), or its error.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AdapterSql {
    pub sql: Option<String>,
    pub params: Option<String>,
    pub error: Option<String>,
}

/// How the two result sets compare.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Comparison {
    /// Same rows (in the same order when the SQL orders them).
    Equal { rows: usize, ordered: bool },
    /// The first difference, in words.
    Different { message: String },
    /// The input SQL failed on the database.
    InputFailed { message: String },
    /// The proposal's SQL failed on the database.
    ProposalFailed { message: String },
    /// Nothing was run, and why.
    NotCompared { reason: String },
}

impl Comparison {
    /// "equal on 1,248 rows" or the difference.
    pub fn summary(&self) -> String {
        match self {
            Comparison::Equal { rows, .. } => format!("equal on {} row{}", thousands(*rows), if *rows == 1 { "" } else { "s" }),
            Comparison::Different { message } => format!("different: {message}"),
            Comparison::InputFailed { message } => format!("the input SQL failed: {message}"),
            Comparison::ProposalFailed { message } => format!("the proposal's SQL failed: {message}"),
            Comparison::NotCompared { reason } => format!("not compared: {reason}"),
        }
    }
}

/// What [`prove`] found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proof {
    /// The proposal could not be evaluated (the message), so there is no SQL.
    pub eval_error: Option<String>,
    pub sqlite: AdapterSql,
    pub postgres: AdapterSql,
    pub comparison: Comparison,
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Evaluates the proposal's query in `ws` (its schemas defined there, its
/// bindings visible; nothing is kept), prints the SQL for SQLite and
/// PostgreSQL and, when `ws` has a database and the statement is a
/// `SELECT`, runs the input SQL and the SQLite SQL and compares the rows.
/// Writes are never run.
pub fn prove(ws: &mut Workspace, p: &Proposal) -> Proof {
    let env = ws.env.clone();
    prove_in(ws, &env, p)
}

/// [`prove`] with the proposal evaluated in `env` (a workspace's bindings
/// with definitions evaluated on top, as the page's preview does).
pub fn prove_in(ws: &mut Workspace, env: &Env, p: &Proposal) -> Proof {
    let mut proof = Proof {
        eval_error: None,
        sqlite: AdapterSql::default(),
        postgres: AdapterSql::default(),
        comparison: Comparison::NotCompared { reason: "there is no proposal".into() },
    };
    let Some(code) = &p.query else { return proof };
    let queryable = match eval(ws, env, code) {
        Ok(v) => v,
        Err(message) => {
            proof.comparison = Comparison::NotCompared { reason: "the proposal does not evaluate".into() };
            proof.eval_error = Some(message);
            return proof;
        }
    };
    let op = match p.kind {
        Kind::All | Kind::InsertAll => Op::All,
        Kind::UpdateAll => Op::UpdateAll,
        Kind::DeleteAll => Op::DeleteAll,
    };
    let mut sqlite_params = None;
    for (dialect, out) in [(Dialect::Sqlite, &mut proof.sqlite), (Dialect::Postgres, &mut proof.postgres)] {
        ws.interp.steps = 0;
        match query::sql_and_params(&mut ws.interp, &queryable, op, dialect, Span::NONE) {
            Ok((sql, params)) => {
                out.sql = Some(sql.clone());
                out.params = Some(inspect_full(&Value::list(params.clone())));
                if dialect == Dialect::Sqlite {
                    sqlite_params = Some((sql, params));
                }
            }
            Err(e) => out.error = Some(e.message()),
        }
    }
    proof.comparison = match (p.kind, sqlite_params) {
        (Kind::All, Some((sql, params))) => compare(ws, &p.sql, &sql, params, p.ordered),
        (Kind::All, None) => Comparison::NotCompared { reason: "Ecto builds no SQLite SQL for it".into() },
        _ => Comparison::NotCompared { reason: "writes are not run".into() },
    };
    proof
}

fn eval(ws: &mut Workspace, env: &Env, code: &str) -> Result<Value, String> {
    let parsed = crate::syntax::parse(code);
    if let Some(e) = parsed.errors.first() {
        return Err(e.message.clone());
    }
    ws.interp.steps = 0;
    ws.interp.depth = 0;
    ws.interp.native_depth = 0;
    let mut env = env.clone();
    let r: EResult<Value> = ws.interp.eval(&parsed.root, &mut env);
    ws.interp.output.clear();
    r.map_err(|e| e.message())
}

fn run(ws: &mut Workspace, sql: &str, params: Vec<Value>) -> Result<QueryResult, String> {
    let mut bound = Vec::with_capacity(params.len());
    for p in &params {
        bound.push(crate::repo::util::bind_value(p)?);
    }
    let state = ws.interp.ext::<crate::repo::RepoState>();
    let Some(conn) = state.conn.as_mut() else { return Err("no database".into()) };
    conn.executor().execute(sql, &bound).map_err(|e| e.message)
}

/// Runs both statements and compares their rows (in order when `ordered`).
pub fn compare(ws: &mut Workspace, input: &str, sql: &str, params: Vec<Value>, ordered: bool) -> Comparison {
    if ws.interp.ext::<crate::repo::RepoState>().conn.is_none() {
        return Comparison::NotCompared { reason: "the workspace has no database".into() };
    }
    let theirs = match run(ws, input, vec![]) {
        Ok(r) => r,
        Err(message) => return Comparison::InputFailed { message },
    };
    let ours = match run(ws, sql, params) {
        Ok(r) => r,
        Err(message) => return Comparison::ProposalFailed { message },
    };
    compare_rows(&theirs.rows, &ours.rows, ordered)
}

fn same(a: &DbValue, b: &DbValue) -> bool {
    match (a, b) {
        (DbValue::Integer(i), DbValue::Real(f)) | (DbValue::Real(f), DbValue::Integer(i)) => (*i as f64) == *f,
        (DbValue::Real(x), DbValue::Real(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
        _ => a == b,
    }
}

fn same_row(a: &[DbValue], b: &[DbValue]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
}

fn show(row: &[DbValue]) -> String {
    let cells: Vec<String> = row
        .iter()
        .map(|v| match v {
            DbValue::Null => "NULL".into(),
            DbValue::Integer(i) => i.to_string(),
            DbValue::Real(f) => f.to_string(),
            DbValue::Text(s) => format!("{s:?}"),
            DbValue::Blob(b) => format!("<{} bytes>", b.len()),
            v @ DbValue::Pg { .. } => crate::value::inspect::inspect(&crate::pg::from_db(v)),
        })
        .collect();
    format!("({})", cells.join(", "))
}

/// An f64's bits, ordered as the numbers are (negatives reversed).
fn sortable(f: f64) -> u64 {
    let b = f.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

fn key(row: &[DbValue]) -> String {
    // Numbers compare by value (2 and 2.0 sort together).
    row.iter()
        .map(|v| match v {
            DbValue::Null => "0".to_string(),
            DbValue::Integer(i) => format!("1{:016x}", sortable(*i as f64)),
            DbValue::Real(f) => format!("1{:016x}", sortable(*f)),
            DbValue::Text(s) => format!("2{s}"),
            DbValue::Blob(b) => format!("3{b:?}"),
            v @ DbValue::Pg { .. } => format!("4{}", crate::value::inspect::inspect(&crate::pg::from_db(v))),
        })
        .collect::<Vec<_>>()
        .join("\u{1}")
}

/// The rows of the input (`theirs`) against the proposal's (`ours`).
pub fn compare_rows(theirs: &[Vec<DbValue>], ours: &[Vec<DbValue>], ordered: bool) -> Comparison {
    if let (Some(a), Some(b)) = (theirs.first(), ours.first()) {
        if a.len() != b.len() {
            return Comparison::Different { message: format!("the input returns {} columns, the proposal {}", a.len(), b.len()) };
        }
    }
    if theirs.len() != ours.len() {
        return Comparison::Different { message: format!("the input returns {} rows, the proposal {}", theirs.len(), ours.len()) };
    }
    if ordered {
        if let Some(i) = (0..theirs.len()).find(|&i| !same_row(&theirs[i], &ours[i])) {
            return Comparison::Different {
                message: format!("row {}: the input has {}, the proposal {}", i + 1, show(&theirs[i]), show(&ours[i])),
            };
        }
    } else {
        let mut a: Vec<&Vec<DbValue>> = theirs.iter().collect();
        let mut b: Vec<&Vec<DbValue>> = ours.iter().collect();
        crate::sort::sort_by_key(&mut a, |r| key(r));
        crate::sort::sort_by_key(&mut b, |r| key(r));
        if let Some(i) = (0..a.len()).find(|&i| !same_row(a[i], b[i])) {
            return Comparison::Different { message: format!("the input has {}, the proposal {} (rows sorted)", show(a[i]), show(b[i])) };
        }
    }
    Comparison::Equal { rows: theirs.len(), ordered }
}
