//! The connection: an [`Executor`] plus the statement log and the
//! transaction state, with DBConnection's semantics.
//!
//! Every statement the database receives is recorded, `begin`, `commit`
//! and `rollback` included, with the dumped parameters as Elixir terms
//! (what the conformance output and the playground's query log show) and
//! the time it took. Nested transactions do not issue savepoints: as in
//! DBConnection, an inner transaction runs inside the outer one, and a
//! rollback inside it marks the whole transaction as failed, so the outer
//! one rolls back and returns `{:error, :rollback}`.

use crate::executor::{DbError, DbValue, Executor, QueryResult};
use crate::value::Value;

/// SQLite's own message, without the position some bindings append
/// (`near "X": syntax error in SQL at offset 0`).
fn sqlite_message(mut e: DbError, sql: &str) -> DbError {
    let suffix = format!(" in {sql} at offset ");
    if let Some(i) = e.message.find(&suffix) {
        if e.message[i + suffix.len()..].chars().all(|c| c.is_ascii_digit()) {
            e.message.truncate(i);
        }
    }
    e
}

/// What kind of statement a log entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementKind {
    Query,
    Begin,
    Commit,
    Rollback,
}

/// One statement as the database received it.
#[derive(Clone, Debug)]
pub struct LogEntry {
    pub kind: StatementKind,
    /// The SQL text (`begin`, `commit` and `rollback` for transactions).
    pub sql: String,
    /// The dumped parameters as Elixir terms (`{:blob, bin}`, ISO text, ...).
    pub params: Vec<Value>,
    /// How long the database took, in microseconds (0 without a clock).
    pub micros: u64,
    /// Rows returned and rows changed, or the database's error message.
    pub outcome: Result<(usize, u64), String>,
    /// Whether it ran inside a transaction already open (no checkout of
    /// the connection for it: DBConnection reports no queue or idle time).
    pub in_transaction: bool,
    /// What the database returned, kept while telemetry handlers listen
    /// (`Conn::keep_results`), for the event's `result` metadata.
    pub result: Option<std::rc::Rc<QueryResult>>,
    /// The SQLite error code of a failed statement.
    pub error_code: i32,
    /// Reported on another telemetry event than the Repo's own (the
    /// `telemetry_event:` option): not part of the Repo's statement log.
    pub off_event: bool,
    /// The Repo call that sent it (the span the call reached the connection with).
    pub span: crate::diag::Span,
}

impl LogEntry {
    fn new(kind: StatementKind, sql: &str, params: Vec<Value>, micros: u64, outcome: Result<(usize, u64), String>) -> LogEntry {
        LogEntry {
            kind,
            sql: sql.to_string(),
            params,
            micros,
            outcome,
            in_transaction: false,
            result: None,
            error_code: 0,
            off_event: false,
            span: crate::diag::Span::NONE,
        }
    }
}

/// A monotonic clock in microseconds (`performance.now()` in the page).
pub type Clock = Box<dyn Fn() -> u64>;

/// The executor, the log and the transaction state.
pub struct Conn {
    exec: Box<dyn Executor>,
    pub log: Vec<LogEntry>,
    /// Open transaction levels (0 outside a transaction).
    pub depth: usize,
    /// A nested level rolled back: the outermost level must roll back.
    pub failed: bool,
    /// A statement was refused in a failed transaction: the connection is
    /// dropped once the transaction has rolled back.
    broken: bool,
    clock: Option<Clock>,
    /// Keep each statement's result in its log entry (telemetry listens).
    pub keep_results: bool,
    /// The call asked for `mode: :savepoint`: on PostgreSQL, a statement in
    /// a transaction runs inside a savepoint (Postgrex's `postgrex_query`),
    /// so its failure leaves the transaction usable.
    pub savepoint: bool,
}

impl Conn {
    pub fn new(exec: Box<dyn Executor>) -> Conn {
        Conn { exec, log: Vec::new(), depth: 0, failed: false, broken: false, clock: None, keep_results: false, savepoint: false }
    }

    /// Times each statement with `clock` (microseconds, monotonic).
    pub fn with_clock(mut self, clock: Clock) -> Conn {
        self.clock = Some(clock);
        self
    }

    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = Some(clock);
    }

    /// The connection's clock in microseconds (0 without one).
    pub fn now(&self) -> u64 {
        self.clock.as_ref().map_or(0, |c| c())
    }

    /// The executor, for statements that must not be logged (tests, tools).
    pub fn executor(&mut self) -> &mut dyn Executor {
        &mut *self.exec
    }

    /// Takes the log, leaving it empty.
    pub fn take_log(&mut self) -> Vec<LogEntry> {
        std::mem::take(&mut self.log)
    }

    /// Runs one statement and records it. `params` are the dumped terms;
    /// they are bound the way exqlite binds them (a term exqlite
    /// rejects is an error, as `ArgumentError` is inside exqlite).
    pub fn query(&mut self, sql: &str, params: Vec<Value>) -> Result<QueryResult, DbError> {
        if self.depth > 0 && self.failed {
            // DBConnection refuses statements in a transaction a nested level
            // rolled back (Ecto still logs the query, with the error)
            let message = "transaction rolling back".to_string();
            let mut entry = LogEntry::new(StatementKind::Query, sql, params, 0, Err(message.clone()));
            entry.in_transaction = true;
            entry.error_code = crate::executor::CONNECTION_ERROR;
            self.log.push(entry);
            self.broken = true;
            return Err(DbError { code: crate::executor::CONNECTION_ERROR, message });
        }
        let mut bound: Vec<DbValue> = Vec::with_capacity(params.len());
        let mut bind_error = None;
        let postgres = self.exec.postgres();
        for p in params.iter().filter(|_| !postgres) {
            match super::util::bind_value(p) {
                Ok(v) => bound.push(v),
                Err(message) => {
                    bind_error = Some(DbError { code: 25, message });
                    break;
                }
            }
        }
        let start = self.now();
        let savepoint = postgres && self.savepoint && self.depth > 0;
        let result = match bind_error {
            Some(e) => Err(e),
            None if savepoint => self.in_savepoint(sql, &params),
            None if postgres => self.run_pg(sql, &params),
            None => self.exec.execute(sql, &bound).map_err(|e| sqlite_message(e, sql)),
        };
        let micros = self.now().saturating_sub(start);
        let outcome = match &result {
            Ok(r) => Ok((r.rows.len(), r.changes)),
            Err(e) => Err(e.message.clone()),
        };
        let mut entry = LogEntry::new(StatementKind::Query, sql, params, micros, outcome);
        entry.in_transaction = self.depth > 0;
        match &result {
            Ok(r) if self.keep_results => entry.result = Some(std::rc::Rc::new(r.clone())),
            Err(e) => entry.error_code = e.code,
            _ => {}
        }
        self.log.push(entry);
        result
    }

    /// Postgrex's prepare and execute: the server infers the parameter
    /// types, each term is encoded for its type (or refused as Postgrex
    /// refuses it), then the statement runs.
    fn run_pg(&mut self, sql: &str, params: &[Value]) -> Result<QueryResult, DbError> {
        let oids = self.exec.param_types(sql)?;
        if oids.len() != params.len() {
            return Err(DbError {
                code: crate::pg::ARGUMENT_ERROR,
                message: format!("parameters must be of length {} for query {sql:?}", oids.len()),
            });
        }
        let mut bound = Vec::with_capacity(params.len());
        for (p, oid) in params.iter().zip(&oids) {
            bound.push(crate::pg::to_db(p, *oid).map_err(|e| DbError { code: crate::pg::ENCODE_ERROR, message: e.0 })?);
        }
        self.exec.execute(sql, &bound)
    }

    /// Postgrex's `mode: :savepoint`: these statements are not logged.
    fn in_savepoint(&mut self, sql: &str, params: &[Value]) -> Result<QueryResult, DbError> {
        self.exec.execute("SAVEPOINT postgrex_query", &[])?;
        let result = self.run_pg(sql, params);
        let end = if result.is_ok() { "RELEASE SAVEPOINT postgrex_query" } else { "ROLLBACK TO SAVEPOINT postgrex_query" };
        self.exec.execute(end, &[])?;
        result
    }

    fn control(&mut self, kind: StatementKind, sql: &str, name: &str) -> Result<(), DbError> {
        let start = self.now();
        let result = self.exec.execute(sql, &[]);
        let micros = self.now().saturating_sub(start);
        let outcome = match &result {
            Ok(_) => Ok((0, 0)),
            Err(e) => Err(e.message.clone()),
        };
        let mut entry = LogEntry::new(kind, name, vec![], micros, outcome);
        entry.in_transaction = kind != StatementKind::Begin;
        self.log.push(entry);
        result.map(|_| ())
    }

    /// Whether the database is PostgreSQL (ecto_sql's Postgres adapter).
    pub fn postgres(&self) -> bool {
        self.exec.postgres()
    }

    pub fn in_transaction(&self) -> bool {
        self.depth > 0
    }

    /// Opens a transaction level; only the outermost sends `begin`.
    pub fn begin(&mut self) -> Result<(), DbError> {
        if self.depth == 0 {
            self.control(StatementKind::Begin, "BEGIN", "begin")?;
            self.failed = false;
        }
        self.depth += 1;
        Ok(())
    }

    /// Closes a level. The outermost sends `commit`, or `rollback` when a
    /// nested level failed; returns whether the work was committed.
    pub fn commit(&mut self) -> Result<bool, DbError> {
        if self.depth == 0 {
            return Ok(false);
        }
        self.depth -= 1;
        if self.depth > 0 {
            return Ok(!self.failed);
        }
        // DBConnection rolls back a transaction the database has failed
        // (Postgrex's commit of an aborted transaction)
        if self.failed || self.exec.transaction_failed() {
            self.failed = false;
            self.control(StatementKind::Rollback, "ROLLBACK", "rollback")?;
            if std::mem::take(&mut self.broken) {
                self.exec.reconnect()?;
            }
            return Ok(false);
        }
        match self.control(StatementKind::Commit, "COMMIT", "commit") {
            Ok(()) => Ok(true),
            Err(e) => {
                // A failed COMMIT leaves the transaction open in SQLite.
                let _ = self.exec.execute("ROLLBACK", &[]);
                Err(e)
            }
        }
    }

    /// Rolls back a level: the outermost sends `rollback`, an inner one
    /// marks the transaction as failed.
    pub fn rollback(&mut self) -> Result<(), DbError> {
        if self.depth == 0 {
            return Ok(());
        }
        self.depth -= 1;
        if self.depth > 0 {
            self.failed = true;
            return Ok(());
        }
        self.failed = false;
        let out = self.control(StatementKind::Rollback, "ROLLBACK", "rollback");
        if std::mem::take(&mut self.broken) {
            // the connection error drops the connection
            self.exec.reconnect()?;
        }
        out
    }

    /// Rolls back every open level (after an evaluation limit or a crash).
    pub fn abort(&mut self) {
        if self.depth > 0 {
            self.depth = 1;
            let _ = self.rollback();
        }
    }
}
