//! The workspace's database: the executor the caller hands over becomes
//! the Repo's connection (and `Ecto.Migrator`'s), and each cell reports
//! the statements it sent, as the page's query log shows them.

use serde::Serialize;

use crate::eval::Interp;
use crate::executor::Executor;
use crate::repo::{self, LogEntry, RepoState};
use crate::value::inspect;

/// What kind of statement a log entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StatementKind {
    Query,
    Begin,
    Commit,
    Rollback,
}

/// How many of a statement's parameters the log shows.
pub const LOG_PARAMS: usize = 100;

/// One statement as the database received it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Statement {
    pub kind: StatementKind,
    /// The SQL text (`begin`, `commit`, `rollback` for transactions, as
    /// Ecto's telemetry reports them).
    pub sql: String,
    /// The bound parameters, as `inspect` shows the dumped terms: the first
    /// [`LOG_PARAMS`] of them (an `insert_all` may bind tens of thousands).
    pub params: Vec<String>,
    /// How many parameters were bound in all.
    pub params_total: usize,
    /// How long the database took, in microseconds (0 without a clock).
    pub micros: u64,
    /// Rows returned.
    pub rows: usize,
    /// Rows inserted, updated or deleted.
    pub changes: u64,
    /// The database's error message when the statement failed.
    pub error: Option<String>,
    /// The span of the Repo call that sent it, in the source of the code
    /// that made the call (not necessarily the cell that ran).
    #[serde(skip)]
    pub span: Option<crate::diag::Span>,
}

impl From<LogEntry> for Statement {
    fn from(e: LogEntry) -> Statement {
        let kind = match e.kind {
            repo::StatementKind::Query => StatementKind::Query,
            repo::StatementKind::Begin => StatementKind::Begin,
            repo::StatementKind::Commit => StatementKind::Commit,
            repo::StatementKind::Rollback => StatementKind::Rollback,
        };
        let (rows, changes, error) = match e.outcome {
            Ok((rows, changes)) => (rows, changes, None),
            Err(message) => (0, 0, Some(message)),
        };
        let params = e.params.iter().take(LOG_PARAMS).map(inspect::inspect).collect();
        let span = (!e.span.is_none()).then_some(e.span);
        Statement { kind, sql: e.sql, params, params_total: e.params.len(), micros: e.micros, rows, changes, error, span }
    }
}

/// Installs `exec` as the Repo's connection, after the pragmas ecto_sqlite3
/// runs when it connects (unlogged, as there).
pub(crate) fn install(interp: &mut Interp, mut exec: Box<dyn Executor>) {
    let _ = exec.execute("PRAGMA foreign_keys = ON", &[]);
    repo::install(interp, exec);
}

/// Times each statement with `clock` (monotonic microseconds).
pub(crate) fn set_clock(interp: &mut Interp, clock: Box<dyn Fn() -> u64>) {
    if let Some(conn) = repo::conn(interp) {
        conn.set_clock(clock);
    }
}

/// The wall clock (microseconds since the Unix epoch) for timestamps,
/// `DateTime.utc_now/0` and the versions the migrator records.
pub(crate) fn set_now(interp: &mut Interp, now: Box<dyn Fn() -> i64>) {
    interp.ext::<RepoState>().now = Some(now);
}

/// Rolls back a transaction a failed cell left open (an evaluation limit
/// hit inside `Repo.transaction/1`), so the next cell starts clean.
pub(crate) fn abort(interp: &mut Interp) {
    if let Some(conn) = repo::conn(interp) {
        conn.abort();
    }
}

/// Takes the statements logged since the last call.
pub(crate) fn take_log(interp: &mut Interp) -> Vec<Statement> {
    repo::take_log(interp).into_iter().map(Statement::from).collect()
}
