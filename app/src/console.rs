//! The SQL console: runs a script of SQL statements, one at a time, and keeps
//! what each returned. Plain Rust, no UI: the components only render a
//! [`ScriptOutcome`].

use engine::executor::{DbError, DbValue, Executor, QueryResult};

/// A database that can also find where the first statement of a script ends.
pub trait ScriptDatabase: Executor {
    /// `Ok(Some((first_statement, rest)))`, or `Ok(None)` when nothing but
    /// whitespace and comments is left.
    fn split_first(&self, script: &str) -> Result<Option<(String, String)>, DbError>;
}

impl ScriptDatabase for crate::sqljs::Database {
    fn split_first(&self, script: &str) -> Result<Option<(String, String)>, DbError> {
        crate::sqljs::Database::split_first(self, script)
    }
}

/// What one statement of the script returned.
#[derive(Clone, Debug, PartialEq)]
pub struct StatementOutcome {
    pub sql: String,
    pub result: QueryResult,
}

/// The statements that ran, and the error that stopped the script, if any.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScriptOutcome {
    pub statements: Vec<StatementOutcome>,
    pub error: Option<ScriptError>,
}

/// An error, with the statement it came from (or, when SQLite could not
/// compile it, the rest of the script from there).
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptError {
    pub sql: String,
    pub error: DbError,
}

/// A cap on the statements one run executes, so a pasted dump cannot freeze the tab.
pub const MAX_STATEMENTS: usize = 10_000;

/// Runs every statement of `script` in order, stopping at the first error.
pub fn run_script<D: ScriptDatabase>(db: &mut D, script: &str) -> ScriptOutcome {
    let mut outcome = ScriptOutcome::default();
    let mut rest = script.to_string();
    while outcome.statements.len() < MAX_STATEMENTS {
        let (sql, tail) = match db.split_first(&rest) {
            Ok(Some(split)) => split,
            Ok(None) => break,
            Err(error) => {
                // SQLite compiles a statement to find its end, so this is the
                // failing statement's own error; show the text it starts.
                outcome.error = Some(ScriptError { sql: excerpt(&rest), error });
                break;
            }
        };
        match db.execute(&sql, &[]) {
            Ok(result) => outcome.statements.push(StatementOutcome { sql: sql.trim().to_string(), result }),
            Err(error) => {
                outcome.error = Some(ScriptError { sql: sql.trim().to_string(), error });
                break;
            }
        }
        rest = tail;
    }
    outcome
}

/// The start of `text`, trimmed, up to a few hundred characters.
fn excerpt(text: &str) -> String {
    const MAX: usize = 300;
    let text = text.trim();
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// How a value is shown in a result cell.
pub fn display_value(value: &DbValue) -> String {
    match value {
        DbValue::Null => "NULL".to_string(),
        DbValue::Integer(i) => i.to_string(),
        DbValue::Real(f) => format!("{f:?}"),
        DbValue::Text(s) => s.clone(),
        // The console runs sql.js: a PostgreSQL value (its wire bytes) never
        // reaches it, and is shown as bytes if one does.
        DbValue::Blob(bytes) | DbValue::Pg { bytes, .. } => {
            let hex: String = bytes.iter().take(64).map(|b| format!("{b:02X}")).collect();
            let more = if bytes.len() > 64 { "…" } else { "" };
            format!("X'{hex}{more}'")
        }
    }
}
