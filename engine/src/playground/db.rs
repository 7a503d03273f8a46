//! The workspace's database: the executor the caller hands over, the
//! statement log each cell reports, and the `Ecto.Migrator` provider that
//! lets cells run migrations against it.

use std::rc::Rc;

use serde::Serialize;

use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::executor::{DbError, DbValue, Executor, QueryResult};
use crate::migration::migrator::{self, MigratorDb, SharedDb};
use crate::migration::Adapter;
use crate::value::{inspect, NaiveDateTime, Value};

/// What kind of statement a log entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StatementKind {
    Query,
    Begin,
    Commit,
    Rollback,
}

/// One statement as the database received it, as the page's query log
/// shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Statement {
    pub kind: StatementKind,
    /// The SQL text (`begin`, `commit`, `rollback` for transactions, as
    /// Ecto's telemetry reports them).
    pub sql: String,
    /// Each bound parameter, as `inspect` shows the dumped term.
    pub params: Vec<String>,
    /// How long the database took, in microseconds (0 without a clock).
    pub micros: u64,
    /// Rows returned.
    pub rows: usize,
    /// Rows inserted, updated or deleted.
    pub changes: u64,
    /// The database's error message when the statement failed.
    pub error: Option<String>,
}

/// A monotonic clock in microseconds (`performance.now()` in the page).
pub type Clock = Rc<dyn Fn() -> u64>;

/// Wall-clock time in microseconds since the Unix epoch (`Date.now()`).
pub type Now = Rc<dyn Fn() -> i64>;

/// The connection state kept in `Interp::ext`.
#[derive(Default)]
pub(crate) struct DbState {
    pub exec: Option<Box<dyn Executor>>,
    pub log: Vec<Statement>,
    pub clock: Option<Clock>,
}

impl DbState {
    fn run(&mut self, kind: StatementKind, logged: &str, sql: &str, params: &[DbValue]) -> Result<QueryResult, DbError> {
        let Some(exec) = self.exec.as_mut() else {
            return Err(DbError { code: 1, message: "no database is open".into() });
        };
        let start = self.clock.as_ref().map_or(0, |c| c());
        let result = exec.execute(sql, params);
        let micros = self.clock.as_ref().map_or(0, |c| c()).saturating_sub(start);
        let (rows, changes, error) = match &result {
            Ok(r) => (r.rows.len(), r.changes, None),
            Err(e) => (0, 0, Some(e.message.clone())),
        };
        let params = params.iter().map(|p| inspect::inspect(&db_value_term(p))).collect();
        self.log.push(Statement { kind, sql: logged.to_string(), params, micros, rows, changes, error });
        result
    }
}

/// The Elixir term a bound value came from, as far as SQLite keeps it.
fn db_value_term(v: &DbValue) -> Value {
    match v {
        DbValue::Null => Value::Nil,
        DbValue::Integer(i) => Value::Int(*i),
        DbValue::Real(f) => Value::Float(*f),
        DbValue::Text(s) => Value::str(s),
        DbValue::Blob(b) => Value::binary(b),
    }
}

/// Installs `exec` as the workspace's database. Runs the pragmas
/// ecto_sqlite3 sets when it connects (unlogged, as there).
pub(crate) fn install(interp: &mut Interp, mut exec: Box<dyn Executor>) {
    let _ = exec.execute("PRAGMA foreign_keys = ON", &[]);
    interp.ext::<DbState>().exec = Some(exec);
    let db: SharedDb = Rc::new(std::cell::RefCell::new(WorkspaceDb));
    migrator::set_provider(interp, Rc::new(move |_interp: &mut Interp, _repo: &Value| Ok((db.clone(), Adapter::Sqlite))), None);
}

/// Sets the clock that times statements.
pub(crate) fn set_clock(interp: &mut Interp, clock: Clock) {
    interp.ext::<DbState>().clock = Some(clock);
}

/// Sets the wall clock for `inserted_at` of migration versions.
pub(crate) fn set_now(interp: &mut Interp, now: Now) {
    let env = interp.ext::<migrator::MigratorEnv>();
    env.now = Some(Rc::new(move |_interp: &mut Interp| {
        // Seconds since 0000-01-01 (the calendar's origin) of the Unix time.
        const UNIX_EPOCH: i64 = 62_167_219_200;
        NaiveDateTime::from_seconds(now().div_euclid(1_000_000) + UNIX_EPOCH, 0, 0)
    }));
}

/// Takes the statements logged since the last call.
pub(crate) fn take_log(interp: &mut Interp) -> Vec<Statement> {
    std::mem::take(&mut interp.ext::<DbState>().log)
}

fn db_error(e: DbError) -> Box<Error> {
    Error::raise("Exqlite.Error", e.message, Span::NONE)
}

/// The migrator's view of the workspace database.
struct WorkspaceDb;

impl MigratorDb for WorkspaceDb {
    fn execute(&mut self, interp: &mut Interp, sql: &str, params: &[DbValue]) -> EResult<QueryResult> {
        interp.ext::<DbState>().run(StatementKind::Query, sql, sql, params).map_err(db_error)
    }
    fn begin(&mut self, interp: &mut Interp) -> EResult<()> {
        interp.ext::<DbState>().run(StatementKind::Begin, "begin", "BEGIN", &[]).map(|_| ()).map_err(db_error)
    }
    fn commit(&mut self, interp: &mut Interp) -> EResult<()> {
        interp.ext::<DbState>().run(StatementKind::Commit, "commit", "COMMIT", &[]).map(|_| ()).map_err(db_error)
    }
    fn rollback(&mut self, interp: &mut Interp) -> EResult<()> {
        interp.ext::<DbState>().run(StatementKind::Rollback, "rollback", "ROLLBACK", &[]).map(|_| ()).map_err(db_error)
    }
}
