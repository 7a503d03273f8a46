//! "How do I write this SQL in Ecto?" (feature `sql-import`): SQL in
//! (SQLite or PostgreSQL dialect, parsed with `sqlparser`), idiomatic Ecto
//! query code out, and the proof that both return the same rows.
//!
//! [`propose`] reads each statement (`SELECT`, `INSERT ... SELECT`,
//! `UPDATE`, `DELETE`) and writes one Elixir expression per statement: a
//! queryable for a `SELECT`, a `Repo.update_all/delete_all/insert_all`
//! call otherwise. Tables that a schema of the workspace maps are written
//! with the schema module (fields by their `source:`), joins over an
//! association's keys as `assoc/2`, other tables as string sources. What
//! Ecto has no construct for becomes a `fragment/1` whose SQL is constant
//! text (values travel as arguments) and a comment saying why.
//! [`proof::prove`] evaluates a proposal in a workspace, prints its SQL for
//! both adapters and, with a database, runs both queries and compares rows.
//!
//! The translation itself is `translate.rs`; nothing here runs Elixir.
//!
//! Only the reading of SQL needs `sqlparser` (feature `sql-import`):
//! [`propose`] and the translation. The data ([`Proposal`], [`Options`]),
//! the [`catalog::Catalog`] of the schemas and the proof are always
//! compiled, so a host without the parser (the page's engine worker) can
//! describe its schemas and prove proposals made elsewhere.

pub mod catalog;
pub mod proof;
#[cfg(feature = "sql-import")]
mod translate;

#[cfg(all(test, feature = "sql-import"))]
mod tests;

use serde::{Deserialize, Serialize};
#[cfg(feature = "sql-import")]
use sqlparser::ast::Statement;
#[cfg(feature = "sql-import")]
use sqlparser::dialect::{Dialect, GenericDialect, PostgreSqlDialect, SQLiteDialect};
#[cfg(feature = "sql-import")]
use sqlparser::parser::Parser;

#[cfg(feature = "sql-import")]
use crate::schema::SchemaRegistry;
pub use catalog::Catalog;

/// The SQL dialect the input is read in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SqlDialect {
    /// PostgreSQL first, then SQLite, then the generic dialect (`?`
    /// placeholders try SQLite first).
    #[default]
    Auto,
    Sqlite,
    Postgres,
}

/// How to write the proposal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// The pipe form (`Post |> where([p], ...)`) instead of keyword syntax.
    pub pipe: bool,
    /// Literal values in the SQL become pinned parameters (`^10`).
    pub pin_literals: bool,
    pub dialect: SqlDialect,
}

/// What a statement becomes on the Repo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    All,
    UpdateAll,
    DeleteAll,
    InsertAll,
}

/// Why a statement has no proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// sqlparser could not read it.
    Parse,
    /// Ecto has no way to write it.
    Unsupported,
}

/// A statement that could not be translated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FromSqlError {
    pub kind: ErrorKind,
    pub message: String,
    /// 1-based line and column in the whole input, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The nearest form Ecto has, when there is one.
    pub nearest: Option<String>,
}

/// One input statement and its Ecto.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// 1-based line the statement starts on.
    pub line: usize,
    /// The statement as written.
    pub sql: String,
    pub kind: Kind,
    /// The Elixir block: one expression (comments on their own lines first).
    pub code: Option<String>,
    /// The queryable alone (for `update_all`/`delete_all`/`insert_all`, the
    /// query the Repo call takes), which the proof evaluates.
    pub query: Option<String>,
    /// Pinned variables the code expects to be bound (`$1` → `p1`).
    pub params: Vec<String>,
    /// What a reader should know: fragments and why, guesses made.
    pub notes: Vec<String>,
    pub error: Option<FromSqlError>,
    /// The input orders its rows (`ORDER BY` on the outer query), so the
    /// proof compares them in order.
    #[serde(default)]
    pub ordered: bool,
}

impl Proposal {
    /// The notebook cell that runs the proposal: for a `SELECT`, the query
    /// bound to `query` and `Repo.all(query)`; for a write, the Repo call.
    /// Pinned parameters the SQL had are named in a comment first.
    pub fn cell(&self) -> Option<String> {
        let code = self.code.as_deref()?;
        let mut out = String::new();
        if !self.params.is_empty() {
            out.push_str(&format!("# Bind {} (the SQL's parameters) before running this cell.\n", self.params.join(", ")));
        }
        if self.kind != Kind::All {
            out.push_str(code);
            return Some(out);
        }
        // Comments stay on their own lines before the expression.
        let mut lines = code.lines().peekable();
        while let Some(l) = lines.next_if(|l| l.trim_start().starts_with('#')) {
            out.push_str(l);
            out.push('\n');
        }
        let expr: Vec<&str> = lines.collect();
        out.push_str("query = ");
        out.push_str(&expr.join("\n"));
        out.push_str("\nRepo.all(query)");
        Some(out)
    }
}

/// Proposes Ecto for every statement of `sql`, with the tables `schemas`
/// map. Never fails: a statement that cannot be read or written carries
/// its error.
#[cfg(feature = "sql-import")]
pub fn propose(sql: &str, schemas: &SchemaRegistry, opts: &Options) -> Vec<Proposal> {
    propose_with(sql, &Catalog::new(schemas), opts)
}

/// [`propose`] with the schemas described by a [`Catalog`] (built where
/// they were evaluated).
#[cfg(feature = "sql-import")]
pub fn propose_with(sql: &str, catalog: &Catalog, opts: &Options) -> Vec<Proposal> {
    let mut out = Vec::new();
    for (line, text) in crate::erd::import::split_statements(sql) {
        let text = text.trim().trim_end_matches(';').trim().to_string();
        if text.is_empty() {
            continue;
        }
        let mut p = Proposal {
            line,
            sql: text.clone(),
            kind: Kind::All,
            code: None,
            query: None,
            params: vec![],
            notes: vec![],
            error: None,
            ordered: false,
        };
        match parse(&text, opts.dialect) {
            Err(message) => {
                let (mut l, mut c) = position(&message);
                if l.is_none() && message.ends_with("found: EOF") {
                    // sqlparser gives no position at the end of the text:
                    // the statement ended too soon, just after its last character.
                    let last = text.rsplit('\n').next().unwrap_or("");
                    l = Some(text.matches('\n').count() + 1);
                    c = Some(last.chars().count() + 1);
                }
                p.error = Some(FromSqlError { kind: ErrorKind::Parse, message, line: l.map(|l| l + line - 1), column: c, nearest: None });
            }
            Ok(statements) => {
                for (i, st) in statements.iter().enumerate() {
                    let mut q = if i == 0 { p.clone() } else { Proposal { sql: st.to_string(), ..p.clone() } };
                    q.ordered = matches!(st, Statement::Query(q) if q.order_by.is_some());
                    translate::statement(catalog, opts, st, &mut q);
                    out.push(q);
                }
                continue;
            }
        }
        out.push(p);
    }
    out
}

#[cfg(feature = "sql-import")]
fn parse(text: &str, dialect: SqlDialect) -> Result<Vec<Statement>, String> {
    let dialects: Vec<&dyn Dialect> = match dialect {
        SqlDialect::Sqlite => vec![&SQLiteDialect {}],
        SqlDialect::Postgres => vec![&PostgreSqlDialect {}],
        SqlDialect::Auto if text.contains('?') => vec![&SQLiteDialect {}, &PostgreSqlDialect {}, &GenericDialect {}],
        SqlDialect::Auto => vec![&PostgreSqlDialect {}, &SQLiteDialect {}, &GenericDialect {}],
    };
    let mut first_error = None;
    for d in dialects {
        match Parser::new(d).try_with_sql(text).and_then(|mut p| p.parse_statements()) {
            Ok(s) => return Ok(s),
            Err(e) => {
                first_error.get_or_insert(e.to_string());
            }
        }
    }
    Err(first_error.unwrap_or_default())
}

/// The `Line: L, Column: C` sqlparser puts in its messages.
#[cfg(feature = "sql-import")]
fn position(message: &str) -> (Option<usize>, Option<usize>) {
    let num = |key: &str| {
        let at = message.rfind(key)? + key.len();
        let digits: String = message[at..].trim_start().chars().take_while(|c| c.is_ascii_digit()).collect();
        digits.parse().ok()
    };
    (num("Line:"), num("Column:"))
}
