//! The engine's side of [`crate::backend`]: the playground `Workspace` and
//! its sql.js database, answering [`Request`]s.
//!
//! In the page this runs in a dedicated Web Worker (`src/bin/worker.rs`
//! calls [`start`]); the page's binary never links it, so the evaluator
//! ships only in the worker's wasm. [`Engine`] is plain Rust over sql.js and
//! is also driven directly by the tests under Node (`app/tests/backend.rs`).
//!
//! Messages are the envelopes of [`crate::backend::wire`]: one request in,
//! one reply out, in order (the worker's event loop runs one at a time), plus
//! a first message saying sql.js is loaded (or why not).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use serde::Serialize;

use engine::executor::{DbError, DbValue, Executor, QueryResult};
use engine::from_sql::Proposal;
use engine::insight::datagen::{GenOptions, Generator, Progress, Skew};
use engine::playground::completion::CompletionKind;
use engine::playground::insight::InsightOutcome;
use engine::playground::tables::{list_tables, quote_ident, ColumnInfo, TableInfo};
use engine::playground::{sql_format, CellResult, EditorDiagnostic, Statement, StatementKind, Workspace};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::backend::{
    byte_offset, utf16_offset, wire, CellRun, CellSource, CompletionItem, CompletionList, Diag, DialectPreview, ExerciseOutcome,
    GenProgress, Preview, Repeated, Replay, Request, Response, ResultTable, Stmt, SQL_WASM_URL,
};
use crate::persist::SavedNotebook;
use crate::pglite::{self, Pglite, PgliteTransport, PGLITE_SCRIPT};
use crate::sqljs::{Database, SqlJs};
use engine::pg::PgExecutor;

/// The pragmas ecto_sqlite3 sets when it connects. sql.js's `export()`
/// closes and reopens the connection, which forgets them, so they are set
/// again after every export and import.
const CONNECT_PRAGMAS: &[&str] = &["PRAGMA foreign_keys = ON"];

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: the page's and a worker's monotonic clock, in ms.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    /// The worker's global scope (`self`).
    type WorkerScope;

    #[wasm_bindgen(method, catch, js_name = importScripts)]
    fn import_scripts(this: &WorkerScope, url: &str) -> Result<(), JsValue>;

    #[wasm_bindgen(method, js_name = postMessage)]
    fn post_message(this: &WorkerScope, message: &JsValue, transfer: &js_sys::Array);

    #[wasm_bindgen(method, setter)]
    fn set_onmessage(this: &WorkerScope, f: &js_sys::Function);
}

/// The worker's entry point: says it is ready as soon as the engine is
/// loaded, then answers each message. SQLite (sql.js, a third of the first
/// download) is fetched when the first request needs a database: the
/// preview, diagnostics and completion never do; PostgreSQL (PGlite) only
/// when a notebook switches to it ([`Request::Database`]). Requests
/// arriving while either loads wait, in order, and are answered once it is up.
pub fn start() {
    let scope: WorkerScope = js_sys::global().unchecked_into();
    let worker = Rc::new(RefCell::new(Worker { engine: Engine::without_database(), loading: false, waiting: VecDeque::new() }));
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let (id, request) = match wire::decode_request(&event.data()) {
            Ok(decoded) => decoded,
            Err(message) => return post(0, Response::Error { message }),
        };
        match worker.try_borrow_mut() {
            Ok(mut state) => state.waiting.push_back((id, request)),
            Err(_) => return post(id, Response::Error { message: "the engine is busy".to_string() }),
        }
        pump(&worker);
    });
    scope.set_onmessage(on_message.as_ref().unchecked_ref());
    on_message.forget();
    scope.post_message(&wire::ready(), &js_sys::Array::new());
}

fn post(id: u32, response: Response) {
    let scope: WorkerScope = js_sys::global().unchecked_into();
    let (reply, transfer) = wire::encode_response(id, response);
    scope.post_message(&reply, &transfer);
}

/// The worker's state: the engine, and the requests waiting their turn
/// (behind a database being loaded, or a PostgreSQL dump).
struct Worker {
    engine: Engine,
    loading: bool,
    waiting: VecDeque<(u32, Request)>,
}

/// What a request needs done asynchronously before (or as) its answer.
enum Pending {
    LoadSqlJs,
    LoadPglite,
    /// `ExportDb` (and `GenerateEnd`) on PostgreSQL: PGlite's data
    /// directory, as a tar.
    DumpPostgres(Pglite),
    /// `ImportDb` on PostgreSQL: PGlite started again from a data directory.
    ImportPostgres(Vec<u8>),
    /// `Restore` on PostgreSQL with data directories among the steps: each
    /// one starts PGlite again from it, between the cells replayed.
    RestorePostgres(Vec<Replay>),
}

/// Answers the waiting requests in order, until one needs to wait for
/// something asynchronous (which answers it and pumps again).
fn pump(worker: &Rc<RefCell<Worker>>) {
    loop {
        let Ok(mut state) = worker.try_borrow_mut() else { return };
        if state.loading {
            return;
        }
        let Some((id, request)) = state.waiting.pop_front() else { return };
        match state.engine.pending(&request) {
            Some(pending) => {
                state.loading = true;
                drop(state);
                wasm_bindgen_futures::spawn_local(finish(worker.clone(), pending, id, request));
                return;
            }
            None => {
                let response = state.engine.handle(request);
                drop(state);
                post(id, response);
            }
        }
    }
}

/// Does what `request` waited for, answers it, and goes on with the rest.
async fn finish(worker: Rc<RefCell<Worker>>, pending: Pending, id: u32, request: Request) {
    let response = match pending {
        Pending::LoadSqlJs => match load_sqljs().await {
            Ok(sqljs) => with_engine(&worker, |engine| match engine.attach(sqljs) {
                Ok(()) => engine.handle(request),
                Err(e) => Response::Error { message: format!("SQLite could not be loaded: {}", e.message) },
            }),
            // The next request that needs a database tries again.
            Err(message) => Response::Error { message: format!("SQLite could not be loaded: {message}") },
        },
        Pending::LoadPglite => match load_pglite().await {
            Ok(pg) => with_engine(&worker, |engine| {
                engine.pglite = Some(pg);
                engine.handle(request)
            }),
            Err(message) => Response::Error { message: format!("PostgreSQL could not be loaded: {message}") },
        },
        Pending::DumpPostgres(pg) => {
            if matches!(request, Request::GenerateEnd) {
                with_engine(&worker, |engine| {
                    engine.generation = None;
                    Response::Done
                });
            }
            match pg.dump().await {
                Ok(bytes) => Response::Db { bytes },
                Err(message) => Response::Error { message },
            }
        }
        Pending::ImportPostgres(bytes) => match import_postgres(&worker, &bytes).await {
            Ok(()) => Response::Done,
            Err(message) => Response::Error { message },
        },
        Pending::RestorePostgres(steps) => {
            let mut response = Response::Done;
            for step in steps {
                match step {
                    Replay::Cell { source } => {
                        with_engine(&worker, |engine| {
                            drop(engine.ws.run_cell(&source));
                            Response::Done
                        });
                    }
                    Replay::Db { bytes } => {
                        if let Err(message) = import_postgres(&worker, &bytes).await {
                            response = Response::Error { message };
                            break;
                        }
                    }
                }
            }
            response
        }
    };
    if let Ok(mut state) = worker.try_borrow_mut() {
        state.loading = false;
    }
    post(id, response);
    pump(&worker);
}

fn with_engine(worker: &Rc<RefCell<Worker>>, f: impl FnOnce(&mut Engine) -> Response) -> Response {
    match worker.try_borrow_mut() {
        Ok(mut state) => f(&mut state.engine),
        Err(_) => Response::Error { message: "the engine is busy".to_string() },
    }
}

/// Starts PostgreSQL from the data directory in `bytes` and puts it under
/// the workspace in place of the running one (which is closed).
async fn import_postgres(worker: &Rc<RefCell<Worker>>, bytes: &[u8]) -> Result<(), String> {
    let fresh = start_image(bytes).await?;
    let old = match worker.try_borrow_mut() {
        Ok(mut state) => state.engine.swap_postgres(fresh.clone()).map_err(|e| e.message)?,
        Err(_) => {
            fresh.close().await;
            return Err("the engine is busy".to_string());
        }
    };
    if let Some(old) = old {
        old.close().await;
    }
    Ok(())
}

/// Whether `bytes` is a tar archive (POSIX `ustar` magic at offset 257),
/// as PGlite's data directory dump is.
fn is_tar(bytes: &[u8]) -> bool {
    bytes.get(257..262) == Some(b"ustar")
}

/// A PostgreSQL started from a data directory dumped by [`Pglite::dump`].
async fn start_image(bytes: &[u8]) -> Result<Pglite, String> {
    if !is_tar(bytes) {
        return Err("this notebook runs on PostgreSQL: open the .tar that Export DB makes on a PostgreSQL notebook \
             (an SQLite file opens in a notebook on SQLite)"
            .to_string());
    }
    Pglite::start("", Some(bytes), |_, _| {}).await.map_err(|e| format!("the PostgreSQL data directory could not be opened: {e}"))
}

/// Loads sql.js into the worker.
async fn load_sqljs() -> Result<SqlJs, String> {
    let scope: WorkerScope = js_sys::global().unchecked_into();
    match scope.import_scripts("sql-wasm.js") {
        Ok(()) => {
            // Rows read in one call per statement; without it, one value at a time.
            let _ = scope.import_scripts("sqljs-rows.js");
            SqlJs::load(SQL_WASM_URL).await.map_err(|e| e.message)
        }
        Err(e) => Err(e.as_string().unwrap_or_else(|| "sql-wasm.js could not be loaded".to_string())),
    }
}

/// Loads PGlite's bundle into the worker (unless it is there, as under
/// Node's tests) and starts an empty PostgreSQL.
async fn load_pglite() -> Result<Pglite, String> {
    if !pglite::is_loaded() {
        let scope: WorkerScope = js_sys::global().unchecked_into();
        scope.import_scripts(PGLITE_SCRIPT).map_err(|e| e.as_string().unwrap_or_else(|| format!("{PGLITE_SCRIPT} could not be loaded")))?;
    }
    // The page's progress bar: bytes fetched of the artifacts, beside the replies.
    Pglite::start("", None, |loaded, total| {
        let scope: WorkerScope = js_sys::global().unchecked_into();
        scope.post_message(&wire::progress(loaded, total), &js_sys::Array::new());
    })
    .await
}

/// The database the Repo uses, shared with the engine (export, import,
/// table listing): swapping the database inside keeps the workspace. Empty
/// until sql.js is loaded.
#[derive(Clone)]
struct SharedDb(Rc<RefCell<Option<Database>>>);

impl SharedDb {
    fn with<T>(&self, f: impl FnOnce(&mut Database) -> Result<T, DbError>) -> Result<T, DbError> {
        match self.0.try_borrow_mut() {
            Ok(mut db) => match db.as_mut() {
                Some(db) => f(db),
                None => Err(DbError { code: 1, message: "SQLite is not loaded yet".to_string() }),
            },
            Err(_) => Err(busy()),
        }
    }
}

impl Executor for SharedDb {
    fn execute(&mut self, sql: &str, params: &[DbValue]) -> Result<QueryResult, DbError> {
        self.with(|db| db.execute(sql, params))
    }
}

/// The PostgreSQL session the Repo uses when the notebook runs on
/// PostgreSQL (PGlite), shared with the engine (reset, tables).
#[derive(Clone)]
struct SharedPg(Rc<RefCell<PgExecutor<PgliteTransport>>>);

impl SharedPg {
    fn with<T>(&self, f: impl FnOnce(&mut PgExecutor<PgliteTransport>) -> Result<T, DbError>) -> Result<T, DbError> {
        match self.0.try_borrow_mut() {
            Ok(mut pg) => f(&mut pg),
            Err(_) => Err(busy()),
        }
    }
}

impl Executor for SharedPg {
    fn execute(&mut self, sql: &str, params: &[DbValue]) -> Result<QueryResult, DbError> {
        self.with(|pg| pg.execute(sql, params))
    }

    fn reconnect(&mut self) -> Result<(), DbError> {
        self.with(|pg| pg.reconnect())
    }

    fn postgres(&self) -> bool {
        true
    }

    fn param_types(&mut self, sql: &str) -> Result<Vec<u32>, DbError> {
        self.with(|pg| pg.param_types(sql))
    }

    fn transaction_failed(&self) -> bool {
        self.0.try_borrow().is_ok_and(|pg| pg.transaction_failed())
    }
}

/// The error of a database already borrowed by the running statement.
fn busy() -> DbError {
    DbError { code: 1, message: "the database is busy".to_string() }
}

/// The workspace and its database.
pub struct Engine {
    sqljs: Option<SqlJs>,
    db: SharedDb,
    /// PostgreSQL, once loaded ([`Request::Database`]); stays loaded when
    /// the notebook goes back to SQLite.
    pglite: Option<Pglite>,
    /// The session the workspace runs on while the notebook is on PostgreSQL.
    pg: Option<SharedPg>,
    ws: Workspace,
    /// The data generation under way (`Request::Generate` to `GenerateEnd`).
    generation: Option<Generator>,
}

impl Engine {
    /// Loads sql.js (the global `initSqlJs`) and opens an empty database.
    pub async fn start() -> Result<Engine, String> {
        let sqljs = SqlJs::load(SQL_WASM_URL).await.map_err(|e| e.message)?;
        let mut engine = Engine::without_database();
        engine.attach(sqljs).map_err(|e| e.message)?;
        Ok(engine)
    }

    /// An engine whose database comes later ([`Engine::attach`]).
    pub fn without_database() -> Engine {
        let db = SharedDb(Rc::new(RefCell::new(None)));
        let ws = workspace(Box::new(db.clone()));
        Engine { sqljs: None, db, pglite: None, pg: None, ws, generation: None }
    }

    /// Gives the engine sql.js and opens its (empty) database.
    pub fn attach(&mut self, sqljs: SqlJs) -> Result<(), DbError> {
        let fresh = sqljs.open()?;
        self.sqljs = Some(sqljs);
        self.swap_in(fresh)
    }

    /// An engine on PostgreSQL from the start (the page's tests under Node,
    /// where PGlite's bundle is already loaded).
    pub async fn start_postgres() -> Result<Engine, String> {
        let mut engine = Engine::without_database();
        engine.pglite = Some(load_pglite().await?);
        match engine.handle(Request::Database { postgres: true }) {
            Response::Done => Ok(engine),
            other => Err(format!("{other:?}")),
        }
    }

    /// Whether the workspace runs on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    /// Puts `fresh` under the workspace in place of the running PostgreSQL
    /// (the workspace's bindings stay, as an SQLite import keeps them);
    /// returns the one it replaced, for the caller to close.
    fn swap_postgres(&mut self, fresh: Pglite) -> Result<Option<Pglite>, DbError> {
        let Some(shared) = &self.pg else {
            return Err(DbError {
                code: 1,
                message: "this notebook runs on SQLite: a PostgreSQL data directory opens on PostgreSQL".into(),
            });
        };
        let mut exec = fresh.executor();
        exec.execute("SELECT 1", &[])?;
        match shared.0.try_borrow_mut() {
            Ok(mut pg) => *pg = exec,
            Err(_) => return Err(busy()),
        }
        self.generation = None;
        Ok(self.pglite.replace(fresh))
    }

    /// Imports a PostgreSQL data directory (Export DB's tar on a PostgreSQL
    /// notebook) as the workspace's database: the worker does this between
    /// messages (`Pending::ImportPostgres`); the tests under Node call it.
    pub async fn import_postgres_image(&mut self, bytes: &[u8]) -> Result<(), String> {
        let fresh = start_image(bytes).await?;
        if let Some(old) = self.swap_postgres(fresh).map_err(|e| e.message)? {
            old.close().await;
        }
        Ok(())
    }

    /// PostgreSQL's data directory as a tar (Export DB on PostgreSQL).
    pub async fn dump_postgres(&self) -> Result<Vec<u8>, String> {
        match (&self.pglite, &self.pg) {
            (Some(pg), Some(_)) => pg.dump().await,
            _ => Err("this notebook does not run on PostgreSQL".to_string()),
        }
    }

    /// What `request` must wait for: a database to load, or PostgreSQL's
    /// dump (asynchronous in PGlite) for an export.
    fn pending(&self, request: &Request) -> Option<Pending> {
        match (request, &self.pglite) {
            (Request::Database { postgres: true }, None) => Some(Pending::LoadPglite),
            (Request::Database { .. }, _) => None,
            (Request::ExportDb, Some(pg)) if self.pg.is_some() => Some(Pending::DumpPostgres(pg.clone())),
            (Request::GenerateEnd, Some(pg)) if self.pg.is_some() => Some(Pending::DumpPostgres(pg.clone())),
            (Request::ImportDb { bytes }, Some(_)) if self.pg.is_some() => Some(Pending::ImportPostgres(bytes.clone())),
            (Request::Restore { steps, .. }, Some(_)) if self.pg.is_some() && steps.iter().any(|s| matches!(s, Replay::Db { .. })) => {
                Some(Pending::RestorePostgres(steps.clone()))
            }
            _ if self.pg.is_some() => None,
            _ if self.sqljs.is_none() && Engine::needs_database(request) => Some(Pending::LoadSqlJs),
            _ => None,
        }
    }

    /// Whether answering `request` needs SQLite (a database that has never
    /// been loaded is empty: its tables are none, a reset changes nothing).
    pub fn needs_database(request: &Request) -> bool {
        match request {
            Request::Preview { .. }
            | Request::Check { .. }
            | Request::Complete { .. }
            | Request::Reset
            | Request::Database { .. }
            | Request::ListTables
            | Request::ErModel { .. }
            | Request::SqlCatalog { .. }
            | Request::Markdown { .. }
            | Request::ImportLivemd { .. }
            | Request::ExportLivemd { .. }
            // a database never loaded has no tables to plan on
            | Request::Insight { .. } => false,
            Request::Restore { steps, db } => !steps.is_empty() || db.is_some(),
            Request::Run { .. }
            | Request::RunCell { .. }
            | Request::ExportDb
            | Request::ImportDb { .. }
            | Request::ProveFromSql { .. }
            | Request::CheckExercise { .. }
            | Request::Strategies { .. }
            | Request::Generate { .. }
            | Request::GenerateStep
            | Request::GenerateEnd => true,
        }
    }

    pub fn handle(&mut self, request: Request) -> Response {
        if self.sqljs.is_none() && self.pg.is_none() {
            match request {
                Request::ListTables => return Response::Tables { tables: Vec::new() },
                Request::Reset => {
                    self.ws = workspace(Box::new(self.db.clone()));
                    return Response::Done;
                }
                Request::Restore { ref steps, ref db } if steps.is_empty() && db.is_none() => return Response::Done,
                Request::Insight { .. } => {
                    let message = "The database is empty: run the cells that create the tables this query reads.".to_string();
                    let outcome = InsightOutcome::Failed { span: engine::diag::Span::NONE, message };
                    return Response::Insight { json: insight_view("", outcome).and_then(|i| serde_json::to_string(&i).ok()) };
                }
                _ => {}
            }
        }
        match request {
            Request::Run { cells } => Response::Ran { cells: self.run(cells) },
            Request::RunCell { cell } => {
                let run = self.run_one(cell);
                match self.export() {
                    Ok(db) => Response::CellRan { run, db },
                    Err(e) => Response::Error { message: e.message },
                }
            }
            Request::ImportLivemd { text } => Response::Notebook { notebook: crate::livemd::import(&text) },
            Request::ExportLivemd { notebook } => Response::Text { text: crate::livemd::export(&notebook) },
            Request::CheckExercise { notebook, exercise } => match self.check_exercise(&notebook, &exercise) {
                Ok(outcome) => Response::Checked { outcome },
                Err(message) => Response::Error { message },
            },
            Request::Markdown { sources } => Response::Html { html: sources.iter().map(|s| engine::markdown::to_html(s)).collect() },
            Request::Preview { src, cursor, earlier } => {
                let at = byte_offset(&src, cursor);
                let earlier: Vec<&str> = earlier.iter().map(String::as_str).collect();
                let preview = self.ws.preview_sql_after(&earlier, &src, at).map(|p| Preview {
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
            Request::Reset => match self.reset() {
                Ok(()) => Response::Done,
                Err(e) => Response::Error { message: e.message },
            },
            Request::Database { postgres } => match self.use_database(postgres) {
                Ok(()) => Response::Done,
                Err(e) => Response::Error { message: e.message },
            },
            Request::ExportDb => match self.export() {
                Ok(bytes) => Response::Db { bytes },
                Err(e) => Response::Error { message: e.message },
            },
            Request::ImportDb { bytes } => match self.import(&bytes) {
                Ok(()) => Response::Done,
                Err(e) => Response::Error { message: e.message },
            },
            Request::ListTables if self.pg.is_some() => match self.pg.clone().map(|mut pg| pg_tables(&mut pg)) {
                Some(Ok(tables)) => Response::Tables { tables },
                Some(Err(e)) => Response::Error { message: e.message },
                None => Response::Tables { tables: Vec::new() },
            },
            Request::ListTables => match list_tables(&mut self.db.clone()) {
                Ok(tables) => Response::Tables { tables },
                Err(e) => Response::Error { message: e.message },
            },
            Request::ErModel { cells, pending } => {
                let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                let pending: Vec<&str> = pending.iter().map(String::as_str).collect();
                let model = self.ws.er_model_with(&pending, &cells);
                match serde_json::to_string(&model) {
                    Ok(json) => Response::ErModel { json },
                    Err(e) => Response::Error { message: e.to_string() },
                }
            }
            Request::SqlCatalog { pending } => {
                let pending: Vec<&str> = pending.iter().map(String::as_str).collect();
                match serde_json::to_string(&self.ws.sql_catalog_with(&pending)) {
                    Ok(json) => Response::Json { json },
                    Err(e) => Response::Error { message: e.to_string() },
                }
            }
            Request::ProveFromSql { proposals, pending } => match self.prove_from_sql(&proposals, &pending) {
                Ok(json) => Response::Json { json },
                Err(message) => Response::Error { message },
            },
            Request::Restore { steps, db } => match self.restore(steps, db) {
                Ok(()) => Response::Done,
                Err(e) => Response::Error { message: e.message },
            },
            Request::Insight { src, cursor, earlier, cells, runs } => {
                let at = byte_offset(&src, cursor);
                let earlier: Vec<&str> = earlier.iter().map(String::as_str).collect();
                let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                let outcome = self.ws.insight_at(&earlier, &cells, &src, at, runs as usize);
                Response::Insight { json: insight_view(&src, outcome).and_then(|i| serde_json::to_string(&i).ok()) }
            }
            Request::Strategies { src, cursor, earlier, runs } => {
                let at = byte_offset(&src, cursor);
                let earlier: Vec<&str> = earlier.iter().map(String::as_str).collect();
                match self.ws.strategies_at(&earlier, &src, at, runs as usize) {
                    None => Response::Error { message: "there is no query under the cursor".to_string() },
                    Some(Err(message)) => Response::Error { message },
                    Some(Ok(list)) => match serde_json::to_string(&list) {
                        Ok(json) => Response::Strategies { json },
                        Err(e) => Response::Error { message: e.to_string() },
                    },
                }
            }
            Request::Generate { table, cells, rows, seed, skew } => {
                self.generation = None;
                let skew = if skew == "heavy" { Skew::Heavy } else { Skew::Uniform };
                let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                match self.ws.generator(&table, &cells, GenOptions { rows: rows as usize, seed, skew }) {
                    Ok(g) => {
                        let progress = progress(g.progress());
                        self.generation = Some(g);
                        Response::Progress { progress }
                    }
                    Err(message) => Response::Error { message },
                }
            }
            Request::GenerateStep => match self.generation.as_mut() {
                None => Response::Error { message: "no generation is under way".to_string() },
                Some(g) => match self.ws.generate_step(g) {
                    Ok(p) => Response::Progress { progress: progress(p) },
                    Err(message) => {
                        self.generation = None;
                        Response::Error { message }
                    }
                },
            },
            Request::GenerateEnd => {
                self.generation = None;
                match self.export() {
                    Ok(bytes) => Response::Db { bytes },
                    Err(e) => Response::Error { message: e.message },
                }
            }
        }
    }

    /// Proves the proposals (JSON from the tools worker); the answer is
    /// JSON, one [`ProofView`] per proposal, in order.
    fn prove_from_sql(&mut self, proposals: &str, pending: &[String]) -> Result<String, String> {
        use engine::from_sql::proof::Comparison;
        let read: Vec<ToProve> = serde_json::from_str(proposals).map_err(|e| format!("the proposals could not be read: {e}"))?;
        let proposals: Vec<Proposal> = read
            .into_iter()
            .map(|p| Proposal {
                line: 0,
                sql: p.sql,
                kind: p.kind,
                code: None,
                query: p.query,
                params: vec![],
                notes: vec![],
                error: None,
                ordered: p.ordered,
            })
            .collect();
        let pending: Vec<&str> = pending.iter().map(String::as_str).collect();
        let proofs = self.ws.prove_from_sql_with(&pending, &proposals);
        // An input that fails on a database without tables means the
        // notebook has not run yet.
        let empty = list_tables(&mut self.db.clone()).is_ok_and(|t| t.is_empty());
        let out: Vec<ProofView> = proofs
            .iter()
            .map(|proof| {
                let (outcome, ordered) = match &proof.comparison {
                    Comparison::Equal { ordered, .. } => ("equal", *ordered),
                    Comparison::Different { .. } => ("different", false),
                    Comparison::InputFailed { .. } if empty => ("not_compared", false),
                    Comparison::InputFailed { .. } => ("input_failed", false),
                    Comparison::ProposalFailed { .. } => ("proposal_failed", false),
                    Comparison::NotCompared { .. } => ("not_compared", false),
                };
                let summary = if empty && matches!(proof.comparison, Comparison::InputFailed { .. }) {
                    "not compared: the notebook's database has no tables yet: run the notebook, then translate again".to_string()
                } else {
                    proof.comparison.summary()
                };
                ProofView {
                    eval_error: proof.eval_error.as_deref(),
                    sqlite: adapter(&proof.sqlite),
                    postgres: adapter(&proof.postgres),
                    outcome,
                    ordered,
                    summary,
                }
            })
            .collect();
        serde_json::to_string(&out).map_err(|e| e.to_string())
    }

    fn sqljs(&self) -> Result<&SqlJs, DbError> {
        self.sqljs.as_ref().ok_or_else(|| DbError { code: 1, message: "SQLite is not loaded yet".to_string() })
    }

    fn reset(&mut self) -> Result<(), DbError> {
        self.generation = None;
        if let Some(pg) = &self.pg {
            let mut pg = pg.clone();
            empty_postgres(&mut pg)?;
            self.ws = workspace(Box::new(pg));
            return Ok(());
        }
        let fresh = self.sqljs()?.open()?;
        self.db = SharedDb(Rc::new(RefCell::new(Some(fresh))));
        self.ws = workspace(Box::new(self.db.clone()));
        Ok(())
    }

    /// A fresh workspace on an empty database of the kind asked for
    /// (PostgreSQL must be loaded: see [`Engine::pending`]).
    fn use_database(&mut self, postgres: bool) -> Result<(), DbError> {
        self.generation = None;
        if !postgres {
            self.pg = None;
            if self.sqljs.is_none() {
                self.ws = workspace(Box::new(self.db.clone()));
                return Ok(());
            }
            return self.reset();
        }
        let pglite = self.pglite.as_ref().ok_or_else(|| DbError { code: 1, message: "PostgreSQL is not loaded yet".to_string() })?;
        self.pg = Some(SharedPg(Rc::new(RefCell::new(pglite.executor()))));
        self.reset()
    }

    fn run(&mut self, cells: Vec<CellSource>) -> Vec<CellRun> {
        let mut out = Vec::new();
        for cell in cells {
            let run = self.run_one(cell);
            let ok = run.ok;
            out.push(run);
            if !ok {
                break;
            }
        }
        out
    }

    fn run_one(&mut self, cell: CellSource) -> CellRun {
        let start = performance_now();
        let result = self.ws.run_cell(&cell.source);
        let elapsed_ms = performance_now() - start;
        let repeated = repeated(&mut self.ws, &result.statements, &cell.source);
        cell_run(cell.index, result, elapsed_ms, repeated)
    }

    /// Checks exercise `id` of the lesson `notebook` as the learner has it,
    /// in a workspace and database of its own (the notebook's are not
    /// touched), with the same limits and clocks as the notebook's.
    fn check_exercise(&mut self, notebook: &SavedNotebook, id: &str) -> Result<ExerciseOutcome, String> {
        let model = crate::livemd::model(notebook);
        let lesson = engine::lesson::lesson(&model);
        let steps = engine::lesson::plan(&model, &lesson, id, engine::lesson::Learner::AsWritten)
            .ok_or_else(|| format!("the lesson has no exercise {id:?} with a starter cell"))?;
        let mut fresh = self.sqljs().and_then(SqlJs::open).map_err(|e| e.message)?;
        for pragma in CONNECT_PRAGMAS {
            fresh.execute(pragma, &[]).map_err(|e| e.message)?;
        }
        let mut ws = workspace(Box::new(SharedDb(Rc::new(RefCell::new(Some(fresh))))));
        let result = engine::lesson::check_in(&mut ws, id, &steps);
        let report = if result.passed { result.output } else { result.failure };
        Ok(ExerciseOutcome { passed: result.passed, tests: result.tests, failures: result.failures, report })
    }

    /// The database as an SQLite file image. sql.js reconnects to export,
    /// so the connection's pragmas are set again.
    fn export(&mut self) -> Result<Vec<u8>, DbError> {
        // PostgreSQL's snapshot is the history replayed (see `Backend`);
        // its export is asynchronous (`Pending::DumpPostgres`).
        if self.pg.is_some() {
            return Ok(Vec::new());
        }
        self.db.with(|db| {
            let bytes = db.export();
            for pragma in CONNECT_PRAGMAS {
                db.execute(pragma, &[])?;
            }
            Ok(bytes)
        })
    }

    /// Swaps in the database in `bytes` after checking it is one.
    fn import(&mut self, bytes: &[u8]) -> Result<(), DbError> {
        if self.pg.is_some() {
            return Err(DbError {
                code: 1,
                message: "this notebook runs on PostgreSQL: an SQLite file opens in a notebook on SQLite".to_string(),
            });
        }
        let mut fresh = self.sqljs()?.open_image(bytes)?;
        fresh.execute("SELECT count(*) FROM sqlite_master", &[])?;
        self.swap_in(fresh)
    }

    /// Makes `fresh` (with the connection's pragmas set) the workspace's database.
    fn swap_in(&mut self, mut fresh: Database) -> Result<(), DbError> {
        for pragma in CONNECT_PRAGMAS {
            fresh.execute(pragma, &[])?;
        }
        match self.db.0.try_borrow_mut() {
            Ok(mut db) => {
                *db = Some(fresh);
                Ok(())
            }
            Err(_) => Err(busy()),
        }
    }

    /// Brings the workspace's bindings and modules back by replaying `steps`
    /// (the cells that ran since the last reset, and the databases imported
    /// between them) on the current database, then, given `db`, swaps that
    /// database in. A fresh engine restored this way has the bindings of the
    /// engine it replaces and the data of `db`; the replay's own writes are
    /// dropped with the scratch database.
    pub fn restore(&mut self, steps: Vec<Replay>, db: Option<Vec<u8>>) -> Result<(), DbError> {
        for step in steps {
            match step {
                // A replayed cell fails again where it failed before; its
                // bindings are what matter here, not its outcome.
                Replay::Cell { source } => drop(self.ws.run_cell(&source)),
                // A PostgreSQL data directory (the history of a PostgreSQL
                // notebook replayed by the auxiliary worker, on SQLite):
                // only the bindings matter there.
                Replay::Db { bytes } if self.pg.is_none() && is_tar(&bytes) => {}
                Replay::Db { bytes } => self.import(&bytes)?,
            }
        }
        match db {
            Some(bytes) => self.import(&bytes),
            None => Ok(()),
        }
    }
}

/// How deep evaluations may nest on the browser's native stack (about 1 MB
/// in a worker): a user function called back from a built-in (`Enum`
/// callbacks) or from inside `try`, `with`, `for`, ... Measured in
/// Chromium, 400 nested plain calls fit and 500 do not; 300 leaves room.
/// Deeper nesting ends in the evaluator's own error; should some shape still
/// overflow the stack, the page restarts the worker (see `backend`).
const MAX_NATIVE_DEPTH: u32 = 300;

/// Body recursion of user functions lives on the heap: 250,000 nested
/// calls, then the evaluator's error. Calls in tail position do not nest.
const MAX_DEPTH: u32 = 250_000;

/// The engine's memory (its wasm linear memory, which only grows) at which
/// a cell stops with the evaluator's error rather than the tab failing.
const MAX_MEMORY: usize = 1 << 30;

fn wasm_memory() -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_size::<0>() * 65536
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

/// Empties PostgreSQL: ends any transaction left open, drops every schema
/// the user could have made (with what is in them) and makes `public` again.
fn empty_postgres(pg: &mut SharedPg) -> Result<(), DbError> {
    // Without a transaction open PostgreSQL only warns.
    pg.execute("ROLLBACK", &[])?;
    let schemas = pg.execute(
        "SELECT nspname::text FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1",
        &[],
    )?;
    for row in &schemas.rows {
        if let Some(name) = row.first().and_then(term_text) {
            pg.execute(&format!("DROP SCHEMA {} CASCADE", quote_ident(&name)), &[])?;
        }
    }
    pg.execute("CREATE SCHEMA public", &[])?;
    Ok(())
}

/// A text column's value from a PostgreSQL session.
fn term_text(v: &DbValue) -> Option<String> {
    match v {
        DbValue::Text(s) => Some(s.clone()),
        DbValue::Pg { .. } => engine::pg::from_db(v).as_str().map(str::to_string),
        _ => None,
    }
}

fn term_int(v: Option<&DbValue>) -> i64 {
    match v {
        Some(DbValue::Integer(i)) => *i,
        Some(v @ DbValue::Pg { .. }) => engine::pg::from_db(v).as_int().unwrap_or(0),
        _ => 0,
    }
}

fn term_bool(v: Option<&DbValue>) -> bool {
    match v {
        Some(DbValue::Integer(i)) => *i != 0,
        Some(v @ DbValue::Pg { .. }) => matches!(engine::pg::from_db(v), engine::Value::Bool(true)),
        _ => false,
    }
}

/// The tables of PostgreSQL's `public` schema, as the sidebar lists them.
fn pg_tables(pg: &mut SharedPg) -> Result<Vec<TableInfo>, DbError> {
    let columns = pg.execute(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
         EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY(i.indkey)) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum",
        &[],
    )?;
    let mut tables: Vec<TableInfo> = Vec::new();
    for row in &columns.rows {
        let (Some(table), Some(name)) = (row.first().and_then(term_text), row.get(1).and_then(term_text)) else { continue };
        let column = ColumnInfo {
            name,
            ty: row.get(2).and_then(term_text).unwrap_or_default(),
            not_null: term_bool(row.get(3)),
            primary_key: term_bool(row.get(4)),
        };
        match tables.last_mut() {
            Some(t) if t.name == table => t.columns.push(column),
            _ => tables.push(TableInfo { name: table, columns: vec![column], row_count: 0 }),
        }
    }
    for t in &mut tables {
        let count = pg.execute(&format!("SELECT count(*) FROM {}", quote_ident(&t.name)), &[])?;
        t.row_count = term_int(count.rows.first().and_then(|r| r.first())).max(0) as u64;
    }
    Ok(tables)
}

fn workspace(db: Box<dyn Executor>) -> Workspace {
    let mut ws = Workspace::with_executor(db);
    ws.interp.limits.max_depth = MAX_DEPTH;
    ws.interp.limits.max_native_depth = MAX_NATIVE_DEPTH;
    ws.interp.limits.max_memory = Some(MAX_MEMORY);
    ws.interp.memory_in_use = Some(wasm_memory);
    // A runaway cell is stopped by the page's time limit (Stop, or the
    // limit set beside it), so the step count only guards against the
    // impossible: a loop of ten million iterations takes a few hundred
    // million steps.
    ws.interp.limits.max_steps = 20_000_000_000;
    ws.set_clock(Box::new(|| (performance_now() * 1000.0) as u64));
    ws.set_now(Box::new(|| (js_sys::Date::now() * 1000.0) as i64));
    ws
}

/// What the proof needs of a proposal (the rest of its JSON is ignored).
#[derive(serde::Deserialize)]
struct ToProve {
    sql: String,
    kind: engine::from_sql::Kind,
    query: Option<String>,
    #[serde(default)]
    ordered: bool,
}

/// A proposal's proof as the page shows it: `outcome` is `equal`,
/// `different`, `input_failed`, `proposal_failed` or `not_compared`,
/// `ordered` whether equal rows were compared in order, and `summary`
/// says it in words ("equal on 3 rows").
#[derive(serde::Serialize)]
struct ProofView<'a> {
    eval_error: Option<&'a str>,
    sqlite: AdapterView<'a>,
    postgres: AdapterView<'a>,
    outcome: &'static str,
    ordered: bool,
    summary: String,
}

/// One adapter's SQL (as sent, and with line breaks before its clauses),
/// its params as `inspect` shows them, or its error.
#[derive(serde::Serialize)]
struct AdapterView<'a> {
    sql: Option<&'a str>,
    pretty: Option<String>,
    params: Option<&'a str>,
    error: Option<&'a str>,
}

fn adapter(a: &engine::from_sql::proof::AdapterSql) -> AdapterView<'_> {
    AdapterView {
        sql: a.sql.as_deref(),
        pretty: a.sql.as_deref().map(sql_format::pretty),
        params: a.params.as_deref(),
        error: a.error.as_deref(),
    }
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

/// A serde enum's name as it is written in JSON (`preload_query`).
fn json_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|j| j.as_str().map(str::to_string)).unwrap_or_default()
}

fn progress(p: Progress) -> GenProgress {
    GenProgress { inserted: p.inserted, total: p.total, done: p.done, attempted: p.attempted }
}

/// One node of a query plan, as the plan panel draws it.
#[derive(Serialize)]
struct PlanNodeView {
    /// SQLite's text, unchanged; on PostgreSQL its text format's line
    /// (`Seq Scan on posts p0 (Filter: ...)`).
    detail: String,
    /// The node in words.
    words: String,
    /// `scan`, `search`, `temp_btree`, ...
    kind: String,
    /// Why it is flagged (a full scan of a large table, a temporary sort).
    flag: Option<String>,
    /// The Ecto clauses it comes from, as UTF-16 ranges of the cell.
    spans: Vec<(u32, u32)>,
    /// Positions of its children in the plan's nodes.
    children: Vec<usize>,
    /// PostgreSQL only: the node type, the relation and index it reads,
    /// the planner's row estimate, the rows it gave, its loops, its time
    /// (ms, per loop) and cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    node_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    estimated_rows: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual_rows: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    loops: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<f64>,
}

/// One index worth creating.
#[derive(Serialize)]
struct AdviceView {
    /// `create index(:posts, [:title])`
    migration: String,
    reason: String,
    sqlite: Vec<String>,
    postgres: Vec<String>,
    /// The migration cell that creates it.
    cell: String,
    /// The clauses that call for it (UTF-16 ranges of the cell).
    spans: Vec<(u32, u32)>,
}

/// A query run several times.
#[derive(Serialize)]
struct TimingView {
    runs: usize,
    median_us: u64,
    rows: usize,
}

/// The plan, advice and timing of the query under the cursor: the JSON
/// `app/js/insight.js` draws.
#[derive(Serialize)]
struct InsightView {
    /// `all`, `update_all` or `delete_all`.
    op: String,
    /// The query expression (UTF-16 offsets).
    from: u32,
    to: u32,
    sql: String,
    postgres: Option<String>,
    /// Why the query could not be planned (nothing else is then set).
    error: Option<String>,
    nodes: Vec<PlanNodeView>,
    roots: Vec<usize>,
    advice: Vec<AdviceView>,
    /// Conditions no index is suggested for, and why.
    notes: Vec<String>,
    timing: Option<TimingView>,
    timing_error: Option<String>,
    /// Whether the query preloads associations.
    preloads: bool,
    /// `sqlite` (EXPLAIN QUERY PLAN) or `postgres` (EXPLAIN (ANALYZE, FORMAT JSON)).
    engine: &'static str,
    /// PostgreSQL: whether the statement ran (ANALYZE), and its times in ms.
    analyzed: bool,
    planning_ms: Option<f64>,
    execution_ms: Option<f64>,
}

/// The page's view of an analysis: spans as UTF-16 offsets into `src`.
fn insight_view(src: &str, outcome: InsightOutcome) -> Option<InsightView> {
    let range = |start: u32, end: u32| (utf16_offset(src, start as usize), utf16_offset(src, end as usize));
    let empty = |span: engine::diag::Span, error: Option<String>| InsightView {
        op: "all".to_string(),
        from: utf16_offset(src, span.start as usize),
        to: utf16_offset(src, span.end as usize),
        sql: String::new(),
        postgres: None,
        error,
        nodes: vec![],
        roots: vec![],
        advice: vec![],
        notes: vec![],
        timing: None,
        timing_error: None,
        preloads: false,
        engine: "sqlite",
        analyzed: false,
        planning_ms: None,
        execution_ms: None,
    };
    let i = match outcome {
        InsightOutcome::NoQuery => return None,
        InsightOutcome::Failed { span, message } => return Some(empty(span, Some(message))),
        InsightOutcome::Ready(i) => i,
    };
    let a = i.analysis;
    let nodes = a
        .plan
        .nodes
        .into_iter()
        .map(|n| PlanNodeView {
            kind: json_name(&n.kind),
            detail: n.detail,
            words: n.words,
            flag: n.flag.filter(|_| n.flagged),
            spans: n.clauses.iter().map(|c| range(c.start, c.end)).collect(),
            children: n.children,
            relation: n.node_type.as_ref().and(n.table),
            index: n.node_type.as_ref().and(n.index),
            node_type: n.node_type,
            estimated_rows: n.estimated_rows,
            actual_rows: n.actual_rows,
            loops: n.loops,
            actual_ms: n.actual_ms,
            cost: n.cost,
        })
        .collect();
    let advice = a
        .advice
        .into_iter()
        .zip(i.cells)
        .map(|(x, cell)| AdviceView {
            migration: x.migration,
            reason: x.reason,
            sqlite: x.sqlite,
            postgres: x.postgres,
            cell,
            spans: x.clauses.iter().map(|c| range(c.start, c.end)).collect(),
        })
        .collect();
    let notes = a
        .notes
        .into_iter()
        .map(|n| match (n.table, n.column) {
            (Some(t), Some(c)) => format!("{t}.{c}: {}", n.reason),
            _ => n.reason,
        })
        .collect();
    Some(InsightView {
        op: i.op.to_string(),
        sql: a.sql,
        postgres: a.postgres,
        nodes,
        roots: a.plan.roots,
        advice,
        notes,
        timing: i.timing.map(|t| TimingView { runs: t.runs_us.len(), median_us: t.median_us, rows: t.rows }),
        timing_error: i.timing_error,
        preloads: i.preloads,
        engine: if a.plan.postgres { "postgres" } else { "sqlite" },
        analyzed: a.plan.analyzed,
        planning_ms: a.plan.planning_ms,
        execution_ms: a.plan.execution_ms,
        ..empty(i.span, None)
    })
}

fn diag(d: EditorDiagnostic) -> Diag {
    let severity = match d.diagnostic.severity {
        engine::diag::Severity::Error => "error",
        engine::diag::Severity::Warning => "warning",
        engine::diag::Severity::Info => "info",
    };
    Diag {
        severity: severity.to_string(),
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
        params_total: s.params_total,
        micros: s.micros,
        rows: s.rows,
        changes: s.changes,
        error: s.error,
    }
}

/// The query a cell sent most often, when more than twice (a likely
/// N+1), with the line that sent it and the preload that removes it.
fn repeated(ws: &mut Workspace, statements: &[Statement], src: &str) -> Option<Repeated> {
    let r = engine::playground::insight::repeated_query(ws, statements, src)?;
    let place = match r.line {
        Some(line) => format!("The same query ran {} times, sent from line {line}: an N+1.", r.count),
        None => format!("The same query ran {} times: an N+1?", r.count),
    };
    let fix = match r.preload {
        Some(p) => format!(" To {p}."),
        None => " Try preload.".to_string(),
    };
    Some(Repeated {
        message: format!("{place}{fix}"),
        span: r.span.map(|sp| (utf16_offset(src, sp.start as usize), utf16_offset(src, sp.end as usize))),
        sql: r.sql,
        count: r.count,
    })
}

fn cell_run(index: usize, r: CellResult, elapsed_ms: f64, repeated: Option<Repeated>) -> CellRun {
    let ok = r.inspect.is_some();
    let statements: Vec<Stmt> = r.statements.into_iter().map(stmt).collect();
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
        stopped: None,
    }
}
