//! The database boundary. Both SQLite bindings (rusqlite natively, sql.js in
//! the page) are synchronous, so this trait is too.

use serde::{Deserialize, Serialize};

/// A value as SQLite stores it, or a PostgreSQL value in its wire format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DbValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    /// A parameter or column of a PostgreSQL executor: its type OID, format
    /// (0 text, 1 binary) and bytes; [`crate::pg::from_db`] decodes it as
    /// Postgrex does, [`crate::pg::to_db`] encodes a term.
    Pg {
        oid: u32,
        format: i16,
        bytes: Vec<u8>,
    },
}

/// What a statement returned: column names and rows (empty for statements
/// without results) and the number of rows it changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<DbValue>>,
    pub changes: u64,
}

/// An error reported by the database, with SQLite's (extended) result code
/// and message, from which constraint names are recovered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DbError {
    pub code: i32,
    pub message: String,
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)
    }
}

impl std::error::Error for DbError {}

pub trait Executor {
    /// Runs one statement with positional parameters (`?1`, `?2`, ...).
    fn execute(&mut self, sql: &str, params: &[DbValue]) -> Result<QueryResult, DbError>;

    /// Drops the connection and opens a new one, as DBConnection does after
    /// a connection error: an in-memory database is gone, a file stays.
    /// By default the connection is kept.
    fn reconnect(&mut self) -> Result<(), DbError> {
        Ok(())
    }

    /// Whether this is a PostgreSQL session: parameters and columns travel
    /// as [`DbValue::Pg`] and the Repo behaves as ecto_sql's Postgres adapter.
    fn postgres(&self) -> bool {
        false
    }

    /// PostgreSQL: the parameter types the server infers for `sql` (Parse +
    /// Describe), so that terms can be encoded for them before `execute`.
    fn param_types(&mut self, _sql: &str) -> Result<Vec<u32>, DbError> {
        Ok(vec![])
    }

    /// Whether the open transaction has failed (PostgreSQL's transaction
    /// status `E`: a statement in it raised, so it can only roll back).
    fn transaction_failed(&self) -> bool {
        false
    }
}

/// The code of a [`DbError`] that is DBConnection's own
/// (`DBConnection.ConnectionError`), not the database's.
pub const CONNECTION_ERROR: i32 = -1;

#[cfg(feature = "rusqlite")]
pub mod native {
    //! The rusqlite executor used by tests and the command line.
    use super::{DbError, DbValue, Executor, QueryResult};
    use rusqlite::types::{Value as SqlValue, ValueRef};

    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    /// SQLite's result code for a statement stopped by its progress handler.
    pub const SQLITE_INTERRUPT: i32 = 9;

    pub struct SqliteExecutor {
        pub conn: rusqlite::Connection,
        /// The database file, `None` in memory.
        path: Option<String>,
        /// The longest one statement may run; `None` lets it run forever.
        time_limit: Option<Duration>,
        /// When the running statement must stop (read by the progress handler).
        deadline: Arc<Mutex<Option<Instant>>>,
    }

    impl SqliteExecutor {
        pub fn in_memory() -> Result<SqliteExecutor, DbError> {
            rusqlite::Connection::open_in_memory().map(|c| SqliteExecutor::new(c, None)).map_err(to_db_error)
        }

        pub fn open(path: &str) -> Result<SqliteExecutor, DbError> {
            rusqlite::Connection::open(path).map(|c| SqliteExecutor::new(c, Some(path.to_string()))).map_err(to_db_error)
        }

        fn new(conn: rusqlite::Connection, path: Option<String>) -> SqliteExecutor {
            SqliteExecutor { conn, path, time_limit: None, deadline: Arc::new(Mutex::new(None)) }
        }

        /// Stops any single statement that runs longer than `limit` (an endless
        /// recursive CTE, say) with an `interrupted` error; SQLite undoes the
        /// statement's own changes.
        pub fn set_time_limit(&mut self, limit: Option<Duration>) {
            self.time_limit = limit;
            let deadline = Arc::clone(&self.deadline);
            match limit {
                // The handler runs every few thousand virtual-machine steps;
                // returning true interrupts the statement.
                Some(_) => self
                    .conn
                    .progress_handler(10_000, Some(move || deadline.lock().ok().and_then(|d| *d).is_some_and(|d| Instant::now() >= d))),
                None => self.conn.progress_handler(0, None::<fn() -> bool>),
            }
        }
    }

    fn to_db_error(e: rusqlite::Error) -> DbError {
        match &e {
            rusqlite::Error::SqliteFailure(err, msg) => {
                DbError { code: err.extended_code, message: msg.clone().unwrap_or_else(|| err.to_string()) }
            }
            other => DbError { code: 1, message: other.to_string() },
        }
    }

    impl Executor for SqliteExecutor {
        /// A new connection with the same time limit and foreign-key setting.
        fn reconnect(&mut self) -> Result<(), DbError> {
            let foreign_keys: i64 = self.conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap_or(0);
            let conn = match &self.path {
                Some(p) => rusqlite::Connection::open(p),
                None => rusqlite::Connection::open_in_memory(),
            }
            .map_err(to_db_error)?;
            self.conn = conn;
            self.conn.execute_batch(&format!("PRAGMA foreign_keys = {foreign_keys}")).map_err(to_db_error)?;
            self.set_time_limit(self.time_limit);
            Ok(())
        }

        fn execute(&mut self, sql: &str, params: &[DbValue]) -> Result<QueryResult, DbError> {
            self.set_deadline(self.time_limit.map(|l| Instant::now() + l));
            let out = self.run(sql, params);
            self.set_deadline(None);
            match (out, self.time_limit) {
                (Err(e), Some(limit)) if e.code == SQLITE_INTERRUPT => Err(DbError {
                    code: SQLITE_INTERRUPT,
                    message: format!("interrupted: the statement ran longer than {} ms and was stopped", limit.as_millis()),
                }),
                (out, _) => out,
            }
        }
    }

    impl SqliteExecutor {
        fn set_deadline(&self, at: Option<Instant>) {
            if let Ok(mut d) = self.deadline.lock() {
                *d = at;
            }
        }

        fn run(&mut self, sql: &str, params: &[DbValue]) -> Result<QueryResult, DbError> {
            let mut stmt = self.conn.prepare(sql).map_err(to_db_error)?;
            let columns: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
            let values: Vec<SqlValue> = params
                .iter()
                .map(|p| match p {
                    DbValue::Null => SqlValue::Null,
                    DbValue::Integer(i) => SqlValue::Integer(*i),
                    DbValue::Real(f) => SqlValue::Real(*f),
                    DbValue::Text(s) => SqlValue::Text(s.clone()),
                    DbValue::Blob(b) => SqlValue::Blob(b.clone()),
                    DbValue::Pg { bytes, .. } => SqlValue::Blob(bytes.clone()),
                })
                .collect();
            let mut rows_out = Vec::new();
            {
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter())).map_err(to_db_error)?;
                while let Some(row) = rows.next().map_err(to_db_error)? {
                    let mut out = Vec::with_capacity(columns.len());
                    for i in 0..columns.len() {
                        out.push(match row.get_ref(i).map_err(to_db_error)? {
                            ValueRef::Null => DbValue::Null,
                            ValueRef::Integer(i) => DbValue::Integer(i),
                            ValueRef::Real(f) => DbValue::Real(f),
                            ValueRef::Text(t) => DbValue::Text(String::from_utf8_lossy(t).into_owned()),
                            ValueRef::Blob(b) => DbValue::Blob(b.to_vec()),
                        });
                    }
                    rows_out.push(out);
                }
            }
            let changes = if columns.is_empty() || sql.trim_start().to_ascii_uppercase().starts_with(['I', 'U', 'D']) {
                self.conn.changes()
            } else {
                0
            };
            Ok(QueryResult { columns, rows: rows_out, changes })
        }
    }
}

#[cfg(all(test, feature = "rusqlite"))]
mod tests {
    use super::native::{SqliteExecutor, SQLITE_INTERRUPT};
    use super::{DbValue, Executor};
    use std::time::Duration;

    #[test]
    fn a_runaway_statement_is_stopped_and_its_changes_undone() {
        let mut db = SqliteExecutor::in_memory().expect("db");
        db.execute("CREATE TABLE t (n INTEGER)", &[]).expect("create");
        db.execute("INSERT INTO t VALUES (?1)", &[DbValue::Integer(1)]).expect("insert");
        db.set_time_limit(Some(Duration::from_millis(100)));
        let endless = "INSERT INTO t WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c";
        let err = db.execute(endless, &[]).expect_err("stopped");
        assert_eq!(err.code, SQLITE_INTERRUPT);
        assert!(err.message.contains("longer than 100 ms"), "{}", err.message);
        let rows = db.execute("SELECT count(*) FROM t", &[]).expect("count").rows;
        assert_eq!(rows, vec![vec![DbValue::Integer(1)]]);
        // Statements within the limit still run.
        db.execute("INSERT INTO t VALUES (2)", &[]).expect("insert after the stop");
    }
}
