//! The one interface between the page and the engine.
//!
//! Components send a [`Request`] and get a [`Response`] back through
//! [`Backend::call`]; both are plain serde data (owned strings, UTF-16
//! positions as the editor counts them), so they can cross a `postMessage`
//! boundary unchanged. Today the engine and sql.js run in the page
//! ([`InPage`]); moving them into a Web Worker replaces only the body of
//! `Backend::call` (and [`Backend::start`]).
//!
//! The typed helpers (`run`, `preview`, `check`, ...) wrap `call` so that
//! components never match on responses themselves.

use std::cell::RefCell;
use std::rc::Rc;

use engine::executor::{DbError, DbValue, Executor, QueryResult};
use engine::playground::completion::CompletionKind;
use engine::playground::tables::{list_tables, TableInfo};
use engine::playground::{sql_format, CellResult, EditorDiagnostic, Statement, StatementKind, Workspace};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::sqljs::{Database, SqlJs};

/// Where the page finds sql.js's wasm (copied next to index.html by Trunk).
pub const SQL_WASM_URL: &str = "sql-wasm.wasm";

/// One cell to run: its position in the notebook and its text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellSource {
    pub index: usize,
    pub source: String,
}

/// What the page asks of the engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Runs the cells in order, stopping after the first that fails.
    Run { cells: Vec<CellSource> },
    /// The SQL of the query under `cursor` (a UTF-16 offset into `src`).
    Preview { src: String, cursor: u32 },
    /// Syntax diagnostics while typing.
    Check { src: String },
    /// Completions at `cursor` (UTF-16).
    Complete { src: String, cursor: u32 },
    /// A fresh workspace and an empty database.
    Reset,
    /// The database as an SQLite file.
    ExportDb,
    /// Replaces the database with an SQLite file (the workspace's bindings stay).
    ImportDb { bytes: Vec<u8> },
    /// The tables with their columns and row counts.
    ListTables,
}

/// What the engine answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    Ran { cells: Vec<CellRun> },
    Preview { preview: Option<Preview> },
    Diagnostics { diagnostics: Vec<Diag> },
    Completions { completions: Option<CompletionList> },
    Db { bytes: Vec<u8> },
    Tables { tables: Vec<TableInfo> },
    Done,
    Error { message: String },
}

/// A diagnostic with 0-based line/column positions (UTF-16 columns).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diag {
    pub severity: String,
    pub kind: String,
    pub message: String,
    pub hint: Option<String>,
    pub from: (u32, u32),
    pub to: (u32, u32),
}

/// One statement the database received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stmt {
    /// `query`, `begin`, `commit` or `rollback`.
    pub kind: String,
    pub sql: String,
    /// `sql` with line breaks before its clauses (same text otherwise).
    pub pretty: String,
    pub params: Vec<String>,
    pub micros: u64,
    pub rows: usize,
    pub changes: u64,
    pub error: Option<String>,
}

/// A result shown as a table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The outcome of one cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellRun {
    pub index: usize,
    /// Whether the cell ran to the end.
    pub ok: bool,
    pub inspect: Option<String>,
    pub table: Option<ResultTable>,
    pub output: String,
    pub diagnostics: Vec<Diag>,
    pub statements: Vec<Stmt>,
    pub query_count: usize,
    /// The SQL text sent most often when it was sent more than twice (a
    /// likely N+1), with the count.
    pub repeated: Option<(String, usize)>,
    pub elapsed_ms: f64,
}

/// One dialect's SQL for the previewed query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DialectPreview {
    pub sql: Option<String>,
    pub pretty: Option<String>,
    pub params: Vec<String>,
    pub error: Option<String>,
    pub error_kind: Option<String>,
}

/// The live SQL preview for the expression at the cursor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    /// `all`, `update_all` or `delete_all`.
    pub op: String,
    /// The previewed expression, as UTF-16 offsets.
    pub from: u32,
    pub to: u32,
    pub sqlite: DialectPreview,
    pub postgres: DialectPreview,
}

/// One completion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompletionItem {
    pub label: String,
    /// `function`, `field`, `assoc`, `keyword`, `variable` or `module`.
    pub kind: String,
    pub detail: String,
}

/// Completions replacing `from..to` (UTF-16 offsets).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompletionList {
    pub from: u32,
    pub to: u32,
    pub items: Vec<CompletionItem>,
}

/// The engine as the page sees it. Cheap to clone.
#[derive(Clone)]
pub struct Backend {
    inner: Rc<RefCell<InPage>>,
}

impl Backend {
    /// Loads sql.js and opens an empty database.
    pub async fn start() -> Result<Backend, String> {
        let sqljs = SqlJs::load(SQL_WASM_URL).await.map_err(|e| e.message)?;
        let inner = InPage::new(sqljs).map_err(|e| e.message)?;
        Ok(Backend { inner: Rc::new(RefCell::new(inner)) })
    }

    /// Sends one request and waits for its answer.
    pub async fn call(&self, request: Request) -> Response {
        match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.handle(request),
            Err(_) => Response::Error { message: "the engine is busy".to_string() },
        }
    }

    pub async fn run(&self, cells: Vec<CellSource>) -> Result<Vec<CellRun>, String> {
        match self.call(Request::Run { cells }).await {
            Response::Ran { cells } => Ok(cells),
            other => Err(unexpected(other)),
        }
    }

    pub async fn preview(&self, src: String, cursor: u32) -> Option<Preview> {
        match self.call(Request::Preview { src, cursor }).await {
            Response::Preview { preview } => preview,
            _ => None,
        }
    }

    pub async fn check(&self, src: String) -> Vec<Diag> {
        match self.call(Request::Check { src }).await {
            Response::Diagnostics { diagnostics } => diagnostics,
            _ => Vec::new(),
        }
    }

    pub async fn complete(&self, src: String, cursor: u32) -> Option<CompletionList> {
        match self.call(Request::Complete { src, cursor }).await {
            Response::Completions { completions } => completions,
            _ => None,
        }
    }

    pub async fn reset(&self) -> Result<(), String> {
        match self.call(Request::Reset).await {
            Response::Done => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    pub async fn export_db(&self) -> Result<Vec<u8>, String> {
        match self.call(Request::ExportDb).await {
            Response::Db { bytes } => Ok(bytes),
            other => Err(unexpected(other)),
        }
    }

    pub async fn import_db(&self, bytes: Vec<u8>) -> Result<(), String> {
        match self.call(Request::ImportDb { bytes }).await {
            Response::Done => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    pub async fn tables(&self) -> Result<Vec<TableInfo>, String> {
        match self.call(Request::ListTables).await {
            Response::Tables { tables } => Ok(tables),
            other => Err(unexpected(other)),
        }
    }
}

fn unexpected(r: Response) -> String {
    match r {
        Response::Error { message } => message,
        other => format!("unexpected answer from the engine: {other:?}"),
    }
}

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: the page's and a worker's monotonic clock, in ms.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The database the Repo uses, shared with the backend (export, import,
/// table listing).
#[derive(Clone)]
struct SharedDb(Rc<RefCell<Database>>);

impl Executor for SharedDb {
    fn execute(&mut self, sql: &str, params: &[DbValue]) -> Result<QueryResult, DbError> {
        match self.0.try_borrow_mut() {
            Ok(mut db) => db.execute(sql, params),
            Err(_) => Err(DbError { code: 1, message: "the database is busy".to_string() }),
        }
    }
}

/// The engine and sql.js on the page's own thread.
struct InPage {
    sqljs: SqlJs,
    db: SharedDb,
    ws: Workspace,
}

impl InPage {
    fn new(sqljs: SqlJs) -> Result<InPage, DbError> {
        let db = SharedDb(Rc::new(RefCell::new(sqljs.open()?)));
        let ws = workspace(db.clone());
        Ok(InPage { sqljs, db, ws })
    }

    fn handle(&mut self, request: Request) -> Response {
        match request {
            Request::Run { cells } => Response::Ran { cells: self.run(cells) },
            Request::Preview { src, cursor } => {
                let at = byte_offset(&src, cursor);
                let preview = self.ws.preview_sql(&src, at).map(|p| Preview {
                    op: p.op.to_string(),
                    from: utf16_offset(&src, p.span.start as usize),
                    to: utf16_offset(&src, p.span.end as usize),
                    sqlite: dialect(p.sqlite),
                    postgres: dialect(p.postgres),
                });
                Response::Preview { preview }
            }
            Request::Check { src } => Response::Diagnostics { diagnostics: diags(Workspace::check(&src)) },
            Request::Complete { src, cursor } => {
                let at = byte_offset(&src, cursor);
                let completions = self.ws.complete(&src, at).map(|c| CompletionList {
                    from: utf16_offset(&src, c.from),
                    to: utf16_offset(&src, c.to),
                    items: c
                        .items
                        .into_iter()
                        .map(|i| CompletionItem { label: i.label, kind: kind_name(i.kind).to_string(), detail: i.detail })
                        .collect(),
                });
                Response::Completions { completions }
            }
            Request::Reset => match self.sqljs.open() {
                Ok(fresh) => {
                    self.db = SharedDb(Rc::new(RefCell::new(fresh)));
                    self.ws = workspace(self.db.clone());
                    Response::Done
                }
                Err(e) => Response::Error { message: e.message },
            },
            Request::ExportDb => match self.db.0.try_borrow() {
                Ok(db) => Response::Db { bytes: db.export() },
                Err(_) => Response::Error { message: "the database is busy".to_string() },
            },
            Request::ImportDb { bytes } => match self.import(&bytes) {
                Ok(()) => Response::Done,
                Err(e) => Response::Error { message: e.message },
            },
            Request::ListTables => match list_tables(&mut self.db.clone()) {
                Ok(tables) => Response::Tables { tables },
                Err(e) => Response::Error { message: e.message },
            },
        }
    }

    fn run(&mut self, cells: Vec<CellSource>) -> Vec<CellRun> {
        let mut out = Vec::new();
        for cell in cells {
            let start = performance_now();
            let result = self.ws.run_cell(&cell.source);
            let elapsed_ms = performance_now() - start;
            let run = cell_run(cell.index, &cell.source, result, elapsed_ms);
            let ok = run.ok;
            out.push(run);
            if !ok {
                break;
            }
        }
        out
    }

    /// Swaps in the database in `bytes` after checking it is one.
    fn import(&mut self, bytes: &[u8]) -> Result<(), DbError> {
        let mut fresh = self.sqljs.open_image(bytes)?;
        fresh.execute("SELECT count(*) FROM sqlite_master", &[])?;
        fresh.execute("PRAGMA foreign_keys = ON", &[])?;
        match self.db.0.try_borrow_mut() {
            Ok(mut db) => {
                *db = fresh;
                Ok(())
            }
            Err(_) => Err(DbError { code: 1, message: "the database is busy".to_string() }),
        }
    }
}

fn workspace(db: SharedDb) -> Workspace {
    let mut ws = Workspace::with_executor(Box::new(db));
    ws.set_clock(Box::new(|| (performance_now() * 1000.0) as u64));
    ws.set_now(Box::new(|| (js_sys::Date::now() * 1000.0) as i64));
    ws
}

fn kind_name(k: CompletionKind) -> &'static str {
    match k {
        CompletionKind::Function => "function",
        CompletionKind::Field => "field",
        CompletionKind::Assoc => "assoc",
        CompletionKind::Keyword => "keyword",
        CompletionKind::Variable => "variable",
        CompletionKind::Module => "module",
    }
}

fn dialect(d: engine::playground::preview::DialectSql) -> DialectPreview {
    let pretty = d.sql.as_deref().map(sql_format::pretty);
    DialectPreview { sql: d.sql, pretty, params: d.params, error: d.error, error_kind: d.error_kind }
}

fn diag(d: EditorDiagnostic) -> Diag {
    let severity = serde_plain_severity(&d);
    Diag {
        severity,
        kind: d.diagnostic.kind,
        message: d.diagnostic.message,
        hint: d.diagnostic.hint,
        from: (d.from.0 as u32, d.from.1 as u32),
        to: (d.to.0 as u32, d.to.1 as u32),
    }
}

/// The diagnostics for the editor, each one once (the parser may report
/// the same error again while it recovers).
fn diags(list: Vec<EditorDiagnostic>) -> Vec<Diag> {
    let mut out: Vec<Diag> = Vec::new();
    for d in list.into_iter().map(diag) {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

fn serde_plain_severity(d: &EditorDiagnostic) -> String {
    match d.diagnostic.severity {
        engine::diag::Severity::Error => "error",
        engine::diag::Severity::Warning => "warning",
        engine::diag::Severity::Info => "info",
    }
    .to_string()
}

fn stmt(s: Statement) -> Stmt {
    let kind = match s.kind {
        StatementKind::Query => "query",
        StatementKind::Begin => "begin",
        StatementKind::Commit => "commit",
        StatementKind::Rollback => "rollback",
    };
    Stmt {
        kind: kind.to_string(),
        pretty: sql_format::pretty(&s.sql),
        sql: s.sql,
        params: s.params,
        micros: s.micros,
        rows: s.rows,
        changes: s.changes,
        error: s.error,
    }
}

/// The SQL text sent most often by a cell, when more than twice.
fn most_repeated(statements: &[Stmt]) -> Option<(String, usize)> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for s in statements.iter().filter(|s| s.kind == "query") {
        match counts.iter_mut().find(|(sql, _)| *sql == s.sql) {
            Some((_, n)) => *n += 1,
            None => counts.push((&s.sql, 1)),
        }
    }
    counts.into_iter().filter(|(_, n)| *n > 2).max_by_key(|(_, n)| *n).map(|(sql, n)| (sql.to_string(), n))
}

fn cell_run(index: usize, _src: &str, r: CellResult, elapsed_ms: f64) -> CellRun {
    let ok = r.inspect.is_some();
    let statements: Vec<Stmt> = r.statements.into_iter().map(stmt).collect();
    let repeated = most_repeated(&statements);
    CellRun {
        index,
        ok,
        inspect: r.inspect,
        table: r.table.map(|t| ResultTable { columns: t.columns, rows: t.rows }),
        output: r.output,
        diagnostics: diags(r.diagnostics),
        statements,
        query_count: r.query_count,
        repeated,
        elapsed_ms,
    }
}

/// The byte offset of UTF-16 offset `units` in `s` (clamped to the end,
/// and to a character boundary).
pub fn byte_offset(s: &str, units: u32) -> usize {
    let mut count = 0u32;
    for (i, c) in s.char_indices() {
        if count >= units {
            return i;
        }
        count += c.len_utf16() as u32;
    }
    s.len()
}

/// The UTF-16 offset of byte offset `byte` in `s`.
pub fn utf16_offset(s: &str, byte: usize) -> u32 {
    let byte = byte.min(s.len());
    s.char_indices().take_while(|(i, _)| *i < byte).map(|(_, c)| c.len_utf16() as u32).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn offsets_convert_between_utf16_and_bytes() {
        let s = "é😀a";
        assert_eq!(byte_offset(s, 0), 0);
        assert_eq!(byte_offset(s, 1), 2);
        assert_eq!(byte_offset(s, 3), 6);
        assert_eq!(byte_offset(s, 4), 7);
        assert_eq!(byte_offset(s, 99), 7);
        assert_eq!(utf16_offset(s, 2), 1);
        assert_eq!(utf16_offset(s, 6), 3);
        assert_eq!(utf16_offset(s, 7), 4);
    }

    #[test]
    fn repeated_queries_are_flagged() {
        let q = |sql: &str| Stmt {
            kind: "query".into(),
            sql: sql.into(),
            pretty: sql.into(),
            params: vec![],
            micros: 0,
            rows: 0,
            changes: 0,
            error: None,
        };
        let list = vec![q("A"), q("B"), q("B"), q("B")];
        assert_eq!(most_repeated(&list), Some(("B".to_string(), 3)));
        assert_eq!(most_repeated(&list[..3]), None);
    }
}
