//! The one interface between the page and the engine.
//!
//! Components send a [`Request`] and get a [`Response`] back through
//! [`Backend::call`]; both are plain serde data (owned strings, UTF-16
//! positions as the editor counts them) that cross a `postMessage` boundary
//! as [`wire`] envelopes. The engine and sql.js run in a dedicated Web Worker
//! ([`crate::worker`], built from `src/bin/worker.rs`), so a long evaluation
//! never blocks the page:
//!
//! - Requests go to the worker in order and replies are matched by id; the
//!   worker answers one at a time, so nothing is ever "busy".
//! - Cells run one request each ([`Request::RunCell`]); every reply carries
//!   the database as it is after the cell, the snapshot the next cell would
//!   be rolled back to. The page also keeps the history of what ran since the
//!   last reset (cell sources and imported databases).
//! - [`Backend::stop`], the time limit or a crash of the worker (a wasm trap)
//!   terminate the worker and start a new one, which replays the history on a
//!   scratch database (bringing back bindings and modules) and then swaps in
//!   the snapshot ([`Request::Restore`]): the data is as it was before the cell.
//! - While a cell runs, previews, checks and completions go to a second
//!   worker that replays the same history lazily, so typing stays live.
//!
//! The typed helpers (`run`, `preview`, `check`, ...) wrap `call` so that
//! components never match on responses themselves.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use engine::playground::tables::TableInfo;

use crate::persist::SavedNotebook;
use js_sys::{Array, Function, Promise};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

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
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// Runs the cells in order, stopping after the first that fails.
    Run { cells: Vec<CellSource> },
    /// Runs one cell; the reply also carries the database after it.
    RunCell { cell: CellSource },
    /// The SQL of the query under `cursor` (a UTF-16 offset into `src`).
    /// The SQL of the query at `cursor` in `src`; `earlier` are the cells
    /// before it that have not run (or changed since), whose definitions
    /// count for the preview.
    Preview {
        src: String,
        cursor: u32,
        #[serde(default)]
        earlier: Vec<String>,
    },
    /// Syntax diagnostics while typing.
    Check { src: String },
    /// Completions at `cursor` (UTF-16).
    Complete { src: String, cursor: u32 },
    /// A fresh workspace and an empty database.
    Reset,
    /// A fresh workspace on an empty database of this kind: SQLite
    /// (sql.js) or PostgreSQL (PGlite, loaded by the worker the first time).
    Database { postgres: bool },
    /// The database as an SQLite file.
    ExportDb,
    /// Replaces the database with an SQLite file (the workspace's bindings stay).
    ImportDb { bytes: Vec<u8> },
    /// The tables with their columns and row counts.
    ListTables,
    /// Replays `steps` on the current database, then swaps in `db` if given
    /// (how a new worker takes over from a stopped one).
    Restore { steps: Vec<Replay>, db: Option<Vec<u8>> },
    /// The entity-relationship model of what ran (schemas and tables),
    /// with the definitions of `pending` (cells not run yet, or edited
    /// since) evaluated on top without touching the database; `cells` are
    /// the notebook's sources, for locations.
    ErModel {
        cells: Vec<String>,
        #[serde(default)]
        pending: Vec<String>,
    },
    /// The plan and index advice of the query at `cursor` in `src` (found
    /// as for `Preview`, with `earlier` likewise), and with `runs` > 0 its
    /// timing; `cells` are the notebook's sources (where the schemas'
    /// unique constraints are read).
    Insight {
        src: String,
        cursor: u32,
        #[serde(default)]
        earlier: Vec<String>,
        #[serde(default)]
        cells: Vec<String>,
        runs: u32,
    },
    /// The preloads of the query at `cursor` loaded three ways, each run `runs` times.
    Strategies {
        src: String,
        cursor: u32,
        #[serde(default)]
        earlier: Vec<String>,
        runs: u32,
    },
    /// Starts generating `rows` rows for `table` (nothing is inserted yet);
    /// `skew` is `uniform` or `heavy`; `cells` as for `Insight` (validations).
    Generate { table: String, cells: Vec<String>, rows: u32, seed: u64, skew: String },
    /// Inserts the next batch of the generation under way.
    GenerateStep,
    /// Ends the generation under way; the answer is the database.
    GenerateEnd,
    /// The schemas as "From SQL" reads them (`engine::from_sql::Catalog`,
    /// as JSON), with the definitions of `pending` on top.
    SqlCatalog {
        #[serde(default)]
        pending: Vec<String>,
    },
    /// Proves proposals (`engine::from_sql::Proposal`s as JSON, from the
    /// tools worker) with the definitions of `pending` on top: each one's
    /// SQL for both adapters and, for a `SELECT`, the input and the proposal
    /// run on the database and compared. The answer is JSON, one proof per
    /// proposal, in order (`crate::worker`'s `ProofView`).
    ProveFromSql {
        proposals: String,
        #[serde(default)]
        pending: Vec<String>,
    },
    /// Markdown cells rendered to HTML (`engine::markdown::to_html`: raw
    /// HTML escaped, unsafe links dropped), one per source, in order.
    Markdown { sources: Vec<String> },
    /// A Livebook file read as a notebook (cells, lesson markup, the file
    /// kept for export).
    ImportLivemd { text: String },
    /// The notebook written as a Livebook file (the file it was opened
    /// from, with only what changed rewritten).
    ExportLivemd { notebook: SavedNotebook },
    /// Checks exercise `exercise` of the lesson `notebook` (its cells as
    /// the learner has them), on a scratch workspace and database: the
    /// notebook's own are not touched.
    CheckExercise { notebook: SavedNotebook, exercise: String },
}

/// What a workspace went through since its last reset, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Replay {
    /// A cell that ran to its end (successfully or with an error).
    Cell { source: String },
    /// A database that was imported.
    Db { bytes: Vec<u8> },
}

/// What the engine answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Ran {
        cells: Vec<CellRun>,
    },
    /// One cell's outcome and the database after it (an SQLite file image).
    CellRan {
        run: CellRun,
        db: Vec<u8>,
    },
    Preview {
        preview: Option<Preview>,
    },
    Diagnostics {
        diagnostics: Vec<Diag>,
    },
    Completions {
        completions: Option<CompletionList>,
    },
    Db {
        bytes: Vec<u8>,
    },
    Tables {
        tables: Vec<TableInfo>,
    },
    /// The `engine::erd::ErModel` as JSON (the page hands it to the
    /// drawing as it is, without reading it).
    ErModel {
        json: String,
    },
    /// The analysis as JSON (the shape `app/js/insight.js` documents,
    /// handed to the plan panel as it is); None: the expression under the
    /// cursor is not a query.
    Insight {
        json: Option<String>,
    },
    /// The strategies compared (`engine::insight::strategies::StrategyResult`s) as JSON.
    Strategies {
        json: String,
    },
    Progress {
        progress: GenProgress,
    },
    /// JSON the page passes on without reading it (From SQL's catalog and proofs).
    Json {
        json: String,
    },
    /// HTML made by the engine's Markdown renderer, one per source.
    Html {
        html: Vec<String>,
    },
    Notebook {
        notebook: SavedNotebook,
    },
    Text {
        text: String,
    },
    Checked {
        outcome: ExerciseOutcome,
    },
    Done,
    Error {
        message: String,
    },
}

/// How an exercise's check went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExerciseOutcome {
    pub passed: bool,
    /// Tests run and failed, as ExUnit counted them.
    pub tests: usize,
    pub failures: usize,
    /// ExUnit's report (failures with `code:`, `left:`, `right:`, then the
    /// summary), or the error the learner's code raised.
    pub report: String,
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
    /// The first parameters (at most `engine::playground::db::LOG_PARAMS`).
    pub params: Vec<String>,
    /// How many parameters the statement bound in all.
    #[serde(default)]
    pub params_total: usize,
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

/// A query a cell sent more than twice: a likely N+1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Repeated {
    pub sql: String,
    pub count: usize,
    /// Where it was sent from and the preload that removes it, in words.
    pub message: String,
    /// The Repo call that sent it (UTF-16 offsets in the cell), when it is in the cell.
    pub span: Option<(u32, u32)>,
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
    /// The query sent most often when it was sent more than twice (a
    /// likely N+1).
    pub repeated: Option<Repeated>,
    pub elapsed_ms: f64,
    /// Why the cell did not finish when it was stopped (Stop, the time
    /// limit, or the engine failing); the database is as before the cell.
    #[serde(default)]
    pub stopped: Option<String>,
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

/// How far a generation got.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenProgress {
    /// Rows that went in.
    pub inserted: usize,
    pub total: usize,
    pub done: bool,
    /// Rows made (more than `inserted` when some would have repeated a
    /// unique combination and were skipped).
    pub attempted: usize,
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

/// The engine's worker script with the playground binary's hashed file
/// names (`window.ectoplasmLoader`, set by the script Trunk.toml puts
/// first in index.html; `public/engine-loader.js`).
fn worker_url() -> String {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from("ectoplasmLoader"))
        .ok()
        .and_then(|url| url.as_string())
        .unwrap_or_else(|| "engine-loader.js".to_string())
}

/// The default time limit for one cell, in seconds.
pub const DEFAULT_TIME_LIMIT_S: f64 = 10.0;

/// The message under a cell whose run did not finish.
const RESTORED: &str = "The database is as it was before this cell.";

/// The message after a timing, comparison or generation step was ended.
const RESTORED_DATA: &str = "The database is as it was before.";

/// The message after From SQL's comparison was ended.
const RESTORED_COMPARISON: &str = "The database is as it was before the comparison.";

/// A guarded request that was ended (Stop, the time limit, the engine
/// failing): why, in words, and after how long.
#[derive(Clone, Debug, PartialEq)]
pub struct Stopped {
    pub message: String,
    pub elapsed_ms: f64,
}

/// Stands in for a reply when the worker is terminated before answering.
const INTERRUPTED: &str = "interrupted";

/// Why a running cell was ended.
#[derive(Clone, Debug, PartialEq)]
enum Interrupt {
    Stopped,
    TimeLimit,
    Crashed(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Runs cells; holds the notebook's database.
    Main,
    /// Previews, checks and completes while the main worker is busy.
    Aux,
}

/// The engine as the page sees it. Cheap to clone.
#[derive(Clone)]
pub struct Backend {
    inner: Rc<RefCell<Client>>,
}

/// One worker and what waits to be sent to it.
struct Conn {
    worker: web_sys::Worker,
    ready: bool,
    queue: Vec<(JsValue, Array)>,
    _on_message: Closure<dyn Fn(web_sys::MessageEvent)>,
    _on_error: Closure<dyn Fn(web_sys::ErrorEvent)>,
}

impl Conn {
    /// Starts a worker; returns it with the messages it already sent (only
    /// for the worker index.html started early, adopted by the first main).
    fn spawn(client: Weak<RefCell<Client>>, role: Role) -> Result<(Conn, Vec<JsValue>), String> {
        let (worker, said) = match adopt_early_worker(role) {
            Some(early) => early,
            None => (web_sys::Worker::new(&worker_url()).map_err(|e| format!("the engine's worker did not start: {e:?}"))?, Vec::new()),
        };
        let weak = client.clone();
        let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(client) = weak.upgrade() {
                Client::on_message(&client, role, event.data());
            }
        });
        let on_error = Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
            event.prevent_default();
            if let Some(client) = client.upgrade() {
                let message = event.message();
                let message = if message.is_empty() { "the engine failed".to_string() } else { message };
                Client::crashed(&client, role, message);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok((Conn { worker, ready: false, queue: Vec::new(), _on_message: on_message, _on_error: on_error }, said))
    }

    fn send(&mut self, message: JsValue, transfer: Array) {
        if self.ready {
            let _ = self.worker.post_message_with_transfer(&message, &transfer);
        } else {
            self.queue.push((message, transfer));
        }
    }

    fn terminate(self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// The worker index.html started before the app loaded
/// (`window.ectoplasmEarlyWorker = {worker, said}`), taken once by the
/// first main worker.
fn adopt_early_worker(role: Role) -> Option<(web_sys::Worker, Vec<JsValue>)> {
    if role != Role::Main {
        return None;
    }
    let global = js_sys::global();
    let key = JsValue::from("ectoplasmEarlyWorker");
    let early = js_sys::Reflect::get(&global, &key).ok().filter(|e| e.is_object())?;
    let _ = js_sys::Reflect::delete_property(&global, &key);
    let worker = js_sys::Reflect::get(&early, &"worker".into()).ok()?.dyn_into::<web_sys::Worker>().ok()?;
    let said = js_sys::Reflect::get(&early, &"said".into()).ok().and_then(|s| s.dyn_into::<Array>().ok());
    Some((worker, said.map(|s| s.iter().collect()).unwrap_or_default()))
}

/// The cell in flight on the main worker.
struct Running {
    started: f64,
    timer: Option<f64>,
    _on_timeout: Closure<dyn Fn()>,
}

struct Client {
    this: Weak<RefCell<Client>>,
    next_id: u32,
    main: Option<Conn>,
    aux: Option<Conn>,
    /// Replies awaited, by request id.
    pending: HashMap<u32, (Role, Function)>,
    /// `Backend::start` waiting for the first worker's first message.
    on_ready: Option<Function>,
    /// Since the last reset: what a new worker replays.
    history: Vec<Replay>,
    /// The database after the last cell that ran (or import, or reset).
    /// Empty on PostgreSQL, whose database a restarted worker rebuilds by
    /// replaying `history` on a fresh cluster.
    snapshot: Vec<u8>,
    /// Whether the notebook runs on PostgreSQL (PGlite) rather than SQLite.
    postgres: bool,
    /// How much of `history` the auxiliary worker has replayed.
    aux_synced: usize,
    running: Option<Running>,
    interrupted: Option<Interrupt>,
    /// The restore under way in a new main worker (its reply).
    restoring: Option<Promise>,
    /// Restarts since the last restore that succeeded.
    restarts: u32,
    time_limit_ms: f64,
    /// Hears PGlite's download progress from the main worker.
    on_progress: Option<Rc<dyn Fn(LoadProgress)>>,
}

/// How much of PostgreSQL (PGlite's artifacts) the worker has fetched.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadProgress {
    /// Bytes fetched so far.
    pub loaded: f64,
    /// Bytes in all, 0 while unknown (a server that compresses them).
    pub total: f64,
}

impl LoadProgress {
    /// The whole percent fetched, when the total is known.
    pub fn percent(&self) -> Option<u32> {
        (self.total > 0.0).then(|| (100.0 * self.loaded / self.total).clamp(0.0, 100.0).floor() as u32)
    }
}

impl Client {
    fn on_message(client: &Rc<RefCell<Client>>, role: Role, data: JsValue) {
        let mut c = client.borrow_mut();
        match wire::hello(&data) {
            Some(Ok(())) => {
                let conn = match role {
                    Role::Main => c.main.as_mut(),
                    Role::Aux => c.aux.as_mut(),
                };
                if let Some(conn) = conn {
                    conn.ready = true;
                    for (message, transfer) in conn.queue.drain(..) {
                        let _ = conn.worker.post_message_with_transfer(&message, &transfer);
                    }
                }
                if role == Role::Main {
                    if let Some(f) = c.on_ready.take() {
                        let _ = f.call1(&JsValue::NULL, &JsValue::NULL);
                    }
                }
            }
            Some(Err(message)) => {
                if role == Role::Main {
                    if let Some(f) = c.on_ready.take() {
                        let _ = f.call1(&JsValue::NULL, &JsValue::from(message.as_str()));
                        return;
                    }
                }
                drop(c);
                Client::crashed(client, role, message);
            }
            None => {
                if let Some((loaded, total)) = wire::read_progress(&data) {
                    if role == Role::Main {
                        if let Some(f) = c.on_progress.clone() {
                            drop(c);
                            f(LoadProgress { loaded, total });
                        }
                    }
                    return;
                }
                let Some(id) = wire::id(&data) else { return };
                if let Some((_, resolve)) = c.pending.remove(&id) {
                    let _ = resolve.call1(&JsValue::NULL, &data);
                }
            }
        }
    }

    /// A worker failed (a wasm trap, or it could not load): replace it.
    fn crashed(client: &Rc<RefCell<Client>>, role: Role, message: String) {
        let mut c = client.borrow_mut();
        match role {
            Role::Main => c.restart_main(Interrupt::Crashed(message)),
            Role::Aux => c.drop_aux(),
        }
    }

    fn next_id(&mut self) -> u32 {
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.next_id
    }

    /// Sends `request` to the worker for `role` (starting it if need be);
    /// the promise resolves with the reply envelope, or [`INTERRUPTED`].
    fn send(&mut self, role: Role, request: Request) -> Promise {
        let id = self.next_id();
        let mut resolver = None;
        let promise = Promise::new(&mut |resolve, _reject| resolver = Some(resolve));
        let Some(resolve) = resolver else { return promise };
        if role == Role::Aux {
            self.sync_aux();
        }
        let conn = match role {
            Role::Main => self.main.as_mut(),
            Role::Aux => self.aux.as_mut(),
        };
        match conn {
            Some(conn) => {
                let (message, transfer) = wire::encode_request(id, request);
                conn.send(message, transfer);
                self.pending.insert(id, (role, resolve));
            }
            None => {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::from(INTERRUPTED));
            }
        }
        promise
    }

    /// Starts the auxiliary worker if needed and has it replay what it missed.
    fn sync_aux(&mut self) {
        if self.aux.is_none() {
            match Conn::spawn(self.this.clone(), Role::Aux) {
                Ok((conn, _)) => {
                    self.aux = Some(conn);
                    self.aux_synced = 0;
                }
                Err(e) => {
                    gloo::console::error!(e);
                    return;
                }
            }
        }
        if self.aux_synced < self.history.len() {
            let steps = self.history[self.aux_synced..].to_vec();
            self.aux_synced = self.history.len();
            let id = self.next_id();
            let (message, transfer) = wire::encode_request(id, Request::Restore { steps, db: None });
            if let Some(aux) = self.aux.as_mut() {
                aux.send(message, transfer);
            }
        }
    }

    /// A PostgreSQL data directory joins the history: it holds all the data
    /// up to now, so the images before it are dropped (the cells stay, for
    /// their bindings).
    fn push_postgres_image(&mut self, bytes: Vec<u8>) {
        let before = self.history[..self.aux_synced.min(self.history.len())].iter().filter(|s| matches!(s, Replay::Db { .. })).count();
        self.aux_synced -= before;
        self.history.retain(|s| !matches!(s, Replay::Db { .. }));
        self.history.push(Replay::Db { bytes });
    }

    fn drop_aux(&mut self) {
        if let Some(aux) = self.aux.take() {
            aux.terminate();
        }
        self.aux_synced = 0;
        self.resolve_pending(Role::Aux);
    }

    fn resolve_pending(&mut self, role: Role) {
        let ids: Vec<u32> = self.pending.iter().filter(|(_, (r, _))| *r == role).map(|(id, _)| *id).collect();
        for id in ids {
            if let Some((_, resolve)) = self.pending.remove(&id) {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::from(INTERRUPTED));
            }
        }
    }

    /// Ends the main worker and starts another that restores the workspace
    /// (the history replayed on a scratch database) and the snapshot.
    fn restart_main(&mut self, why: Interrupt) {
        if let Some(main) = self.main.take() {
            main.terminate();
        }
        if let Some(running) = self.running.take() {
            if let Some(timer) = running.timer {
                clear_timeout(timer);
            }
            self.interrupted = Some(why);
        }
        self.resolve_pending(Role::Main);
        self.restarts += 1;
        match Conn::spawn(self.this.clone(), Role::Main) {
            Ok((conn, _)) => self.main = Some(conn),
            Err(e) => {
                gloo::console::error!(e);
                self.restoring = None;
                return;
            }
        }
        // A history that keeps failing is dropped: the data still comes back.
        let steps = if self.restarts > 2 { Vec::new() } else { self.history.clone() };
        if self.postgres {
            // PostgreSQL first (a fresh cluster), then the cells replayed on
            // it, writes and all: that is the database before the cell.
            let _switched = self.send(Role::Main, Request::Database { postgres: true });
            self.restoring = Some(self.send(Role::Main, Request::Restore { steps, db: None }));
        } else {
            self.restoring = Some(self.send(Role::Main, Request::Restore { steps, db: Some(self.snapshot.clone()) }));
        }
    }

    fn start_timer(&mut self) {
        self.stop_timer();
        let weak = self.this.clone();
        let on_timeout = Closure::<dyn Fn()>::new(move || {
            if let Some(client) = weak.upgrade() {
                let mut c = client.borrow_mut();
                if c.running.is_some() {
                    c.restart_main(Interrupt::TimeLimit);
                }
            }
        });
        let timer = (self.time_limit_ms.is_finite() && self.time_limit_ms > 0.0)
            .then(|| set_timeout(on_timeout.as_ref().unchecked_ref(), self.time_limit_ms));
        self.running = Some(Running { started: performance_now(), timer, _on_timeout: on_timeout });
    }

    fn stop_timer(&mut self) {
        if let Some(running) = self.running.take() {
            if let Some(timer) = running.timer {
                clear_timeout(timer);
            }
        }
    }
}

/// The reply to one request, or why there is none.
enum Reply {
    Answer(Response),
    Interrupted,
}

impl Backend {
    /// Starts the engine's worker and waits until sql.js is loaded in it.
    pub async fn start() -> Result<Backend, String> {
        let inner = Rc::new_cyclic(|this| {
            RefCell::new(Client {
                this: this.clone(),
                next_id: 0,
                main: None,
                aux: None,
                pending: HashMap::new(),
                on_ready: None,
                history: Vec::new(),
                snapshot: Vec::new(),
                postgres: false,
                aux_synced: 0,
                running: None,
                interrupted: None,
                restoring: None,
                restarts: 0,
                time_limit_ms: DEFAULT_TIME_LIMIT_S * 1000.0,
                on_progress: None,
            })
        });
        let (ready, said) = {
            let mut c = inner.borrow_mut();
            let mut resolver = None;
            let ready = Promise::new(&mut |resolve, _reject| resolver = Some(resolve));
            c.on_ready = resolver;
            let (conn, said) = Conn::spawn(Rc::downgrade(&inner), Role::Main)?;
            c.main = Some(conn);
            (ready, said)
        };
        for data in said {
            Client::on_message(&inner, Role::Main, data);
        }
        let outcome = JsFuture::from(ready).await.map_err(|e| format!("{e:?}"))?;
        if let Some(message) = outcome.as_string() {
            return Err(message);
        }
        Ok(Backend { inner })
    }

    /// `f` hears how much of PostgreSQL the main worker has fetched while
    /// it loads (the first switch to PostgreSQL in each worker).
    pub fn on_load_progress(&self, f: impl Fn(LoadProgress) + 'static) {
        self.inner.borrow_mut().on_progress = Some(Rc::new(f));
    }

    /// The time limit for one cell, in seconds (0 or less: none).
    pub fn set_time_limit(&self, seconds: f64) {
        self.inner.borrow_mut().time_limit_ms = seconds * 1000.0;
    }

    pub fn time_limit(&self) -> f64 {
        self.inner.borrow().time_limit_ms / 1000.0
    }

    /// Whether a cell is running.
    pub fn is_running(&self) -> bool {
        self.inner.borrow().running.is_some()
    }

    /// Ends the running cell (if any): the worker is replaced and the
    /// database restored to before the cell.
    pub fn stop(&self) {
        let mut c = self.inner.borrow_mut();
        if c.running.is_some() {
            c.restart_main(Interrupt::Stopped);
        }
    }

    async fn send(&self, role: Role, request: Request) -> Reply {
        let promise = self.inner.borrow_mut().send(role, request);
        await_reply(promise).await
    }

    /// Sends one request and waits for its answer. Previews, checks and
    /// completions asked while a cell runs are answered by the auxiliary
    /// worker. Prefer [`Backend::run`] for cells: it keeps the snapshots.
    pub async fn call(&self, request: Request) -> Response {
        let role = match request {
            Request::Preview { .. } | Request::Check { .. } | Request::Complete { .. } | Request::Markdown { .. } if self.is_running() => {
                Role::Aux
            }
            _ => Role::Main,
        };
        match self.send(role, request).await {
            Reply::Answer(response) => response,
            Reply::Interrupted => Response::Error { message: "the engine was restarted".to_string() },
        }
    }

    /// Runs the cells in order, one request each, stopping after the first
    /// that fails or is stopped.
    pub async fn run(&self, cells: Vec<CellSource>) -> Result<Vec<CellRun>, String> {
        let mut out = Vec::new();
        for cell in cells {
            let run = self.run_cell(cell).await?;
            let ok = run.ok;
            out.push(run);
            if !ok {
                break;
            }
        }
        Ok(out)
    }

    async fn run_cell(&self, cell: CellSource) -> Result<CellRun, String> {
        let (index, source) = (cell.index, cell.source.clone());
        match self.guarded(Request::RunCell { cell }, RESTORED).await {
            Ok(Response::CellRan { run, db }) => {
                let mut c = self.inner.borrow_mut();
                c.snapshot = db;
                c.history.push(Replay::Cell { source });
                Ok(run)
            }
            Ok(other) => Err(unexpected(other)),
            Err(Stopped { message, elapsed_ms }) => Ok(CellRun {
                index,
                ok: false,
                inspect: None,
                table: None,
                output: String::new(),
                diagnostics: Vec::new(),
                statements: Vec::new(),
                query_count: 0,
                repeated: None,
                elapsed_ms,
                stopped: Some(message),
            }),
        }
    }

    /// Sends a request that Stop and the time limit apply to (a cell, a
    /// timing, a generation step): when it is ended, the worker is replaced
    /// and the workspace restored, and the error says why, followed by
    /// `restored` (what the database is back to).
    async fn guarded(&self, request: Request, restored: &str) -> Result<Response, Stopped> {
        let promise = {
            let mut c = self.inner.borrow_mut();
            c.interrupted = None;
            let promise = c.send(Role::Main, request);
            c.start_timer();
            promise
        };
        let started = self.inner.borrow().running.as_ref().map_or_else(performance_now, |r| r.started);
        match await_reply(promise).await {
            Reply::Answer(response) => {
                let mut c = self.inner.borrow_mut();
                c.stop_timer();
                c.restarts = 0;
                Ok(response)
            }
            Reply::Interrupted => {
                let elapsed_ms = performance_now() - started;
                let (why, restoring, limit) = {
                    let mut c = self.inner.borrow_mut();
                    (c.interrupted.take(), c.restoring.take(), c.time_limit_ms)
                };
                let mut message = match why {
                    Some(Interrupt::TimeLimit) => format!("Stopped after {} s (time limit). {restored}", seconds(limit)),
                    Some(Interrupt::Crashed(e)) => format!("The engine failed ({e}) and was restarted. {restored}"),
                    Some(Interrupt::Stopped) | None => format!("Stopped after {} s. {restored}", seconds(elapsed_ms)),
                };
                let outcome = match restoring {
                    Some(promise) => match await_reply(promise).await {
                        Reply::Answer(Response::Done) => Ok(()),
                        Reply::Answer(other) => Err(unexpected(other)),
                        Reply::Interrupted => Err("the engine failed again".to_string()),
                    },
                    None => Err("the engine could not be restarted".to_string()),
                };
                match outcome {
                    Ok(()) => self.inner.borrow_mut().restarts = 0,
                    Err(e) => message = format!("{message} Restoring the workspace failed: {e}."),
                }
                Err(Stopped { message, elapsed_ms })
            }
        }
    }

    pub async fn preview(&self, earlier: Vec<String>, src: String, cursor: u32) -> Option<Preview> {
        match self.call(Request::Preview { src, cursor, earlier }).await {
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

    /// A fresh workspace and an empty database (a running cell is stopped first).
    pub async fn reset(&self) -> Result<(), String> {
        {
            let mut c = self.inner.borrow_mut();
            c.history.clear();
            c.snapshot.clear();
            c.drop_aux();
        }
        // With the history cleared, a stopped worker's successor restores nothing.
        self.stop();
        match self.call(Request::Reset).await {
            Response::Done => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// Whether the workspace is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.inner.borrow().postgres
    }

    /// Moves the workspace to an empty database of the other kind (a
    /// running cell is stopped first): PostgreSQL is loaded into the
    /// worker the first time (several megabytes; the answer waits for it).
    pub async fn use_database(&self, postgres: bool) -> Result<(), String> {
        {
            let mut c = self.inner.borrow_mut();
            c.history.clear();
            c.snapshot.clear();
            c.postgres = postgres;
            c.drop_aux();
        }
        self.stop();
        match self.call(Request::Database { postgres }).await {
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

    /// Opens `bytes` as the database: an SQLite file, or on PostgreSQL the
    /// data directory Export DB made there (a tar). Either joins the history.
    pub async fn import_db(&self, bytes: Vec<u8>) -> Result<(), String> {
        match self.call(Request::ImportDb { bytes: bytes.clone() }).await {
            Response::Done => {
                let mut c = self.inner.borrow_mut();
                if c.postgres {
                    c.push_postgres_image(bytes);
                    return Ok(());
                }
                c.snapshot = bytes.clone();
                c.history.push(Replay::Db { bytes });
                Ok(())
            }
            other => Err(unexpected(other)),
        }
    }

    pub async fn tables(&self) -> Result<Vec<TableInfo>, String> {
        match self.call(Request::ListTables).await {
            Response::Tables { tables } => Ok(tables),
            other => Err(unexpected(other)),
        }
    }

    /// The ER model of the workspace (`cells`: the notebook's sources;
    /// `pending`: those not run yet or edited since).
    pub async fn er_model(&self, cells: Vec<String>, pending: Vec<String>) -> Result<String, String> {
        match self.call(Request::ErModel { cells, pending }).await {
            Response::ErModel { json } => Ok(json),
            other => Err(unexpected(other)),
        }
    }

    /// The plan and advice of the query at `cursor` in `src` (JSON); when
    /// `runs` is not 0, also its timing, under Stop and the time limit.
    /// `Ok(None)`: not a query.
    pub async fn insight(
        &self,
        earlier: Vec<String>,
        cells: Vec<String>,
        src: String,
        cursor: u32,
        runs: u32,
    ) -> Result<Option<String>, String> {
        let request = Request::Insight { src, cursor, earlier, cells, runs };
        let response = if runs > 0 { self.guarded(request, RESTORED_DATA).await.map_err(|s| s.message)? } else { self.call(request).await };
        match response {
            Response::Insight { json } => Ok(json),
            other => Err(unexpected(other)),
        }
    }

    /// Markdown sources as HTML, in order (the engine's renderer: safe to
    /// insert as it is).
    pub async fn markdown(&self, sources: Vec<String>) -> Result<Vec<String>, String> {
        match self.call(Request::Markdown { sources }).await {
            Response::Html { html } => Ok(html),
            other => Err(unexpected(other)),
        }
    }

    /// A Livebook file as a notebook.
    pub async fn import_livemd(&self, text: String) -> Result<SavedNotebook, String> {
        match self.call(Request::ImportLivemd { text }).await {
            Response::Notebook { notebook } => Ok(notebook),
            other => Err(unexpected(other)),
        }
    }

    /// The notebook as a Livebook file.
    pub async fn export_livemd(&self, notebook: SavedNotebook) -> Result<String, String> {
        match self.call(Request::ExportLivemd { notebook }).await {
            Response::Text { text } => Ok(text),
            other => Err(unexpected(other)),
        }
    }

    /// Checks an exercise on a scratch workspace; under Stop and the time
    /// limit like a cell (a runaway answer ends there, the notebook's
    /// workspace is restored).
    pub async fn check_exercise(&self, notebook: SavedNotebook, exercise: String) -> Result<ExerciseOutcome, String> {
        match self.guarded(Request::CheckExercise { notebook, exercise }, RESTORED_DATA).await.map_err(|s| s.message)? {
            Response::Checked { outcome } => Ok(outcome),
            other => Err(unexpected(other)),
        }
    }

    /// The schemas as From SQL reads them (a `Catalog` as JSON), with the
    /// definitions of `pending` (cells not run, or edited since) on top.
    pub async fn sql_catalog(&self, pending: Vec<String>) -> Result<String, String> {
        match self.call(Request::SqlCatalog { pending }).await {
            Response::Json { json } => Ok(json),
            other => Err(unexpected(other)),
        }
    }

    /// The preloads of the query at `cursor` loaded three ways (under Stop
    /// and the time limit).
    pub async fn strategies(&self, earlier: Vec<String>, src: String, cursor: u32, runs: u32) -> Result<String, String> {
        match self.guarded(Request::Strategies { src, cursor, earlier, runs }, RESTORED_DATA).await.map_err(|s| s.message)? {
            Response::Strategies { json } => Ok(json),
            other => Err(unexpected(other)),
        }
    }

    /// Starts generating rows for `table` (nothing inserted yet).
    pub async fn generate(&self, table: String, cells: Vec<String>, rows: u32, seed: u64, skew: String) -> Result<GenProgress, String> {
        match self.guarded(Request::Generate { table, cells, rows, seed, skew }, RESTORED_DATA).await.map_err(|s| s.message)? {
            Response::Progress { progress } => Ok(progress),
            other => Err(unexpected(other)),
        }
    }

    /// Inserts the generation's next batch. Ended by Stop or the time
    /// limit, the database goes back to before the generation.
    pub async fn generate_step(&self) -> Result<GenProgress, String> {
        match self.guarded(Request::GenerateStep, RESTORED_DATA).await.map_err(|s| s.message)? {
            Response::Progress { progress } => Ok(progress),
            other => Err(unexpected(other)),
        }
    }

    /// Ends the generation under way; the database with its new rows
    /// becomes the snapshot a restarted worker restores (on PostgreSQL,
    /// whose snapshot is the history, PGlite's data directory joins the
    /// history as an imported database would).
    pub async fn generate_end(&self) -> Result<(), String> {
        match self.call(Request::GenerateEnd).await {
            Response::Db { bytes } => {
                let mut c = self.inner.borrow_mut();
                if c.postgres {
                    c.push_postgres_image(bytes);
                } else {
                    c.snapshot = bytes;
                }
                Ok(())
            }
            other => Err(unexpected(other)),
        }
    }

    /// Proves the proposals (JSON) on the notebook's database. It runs the
    /// user's SQL, so it runs as a cell does: under the time limit, ended by
    /// Stop, and a worker that fails is replaced with the workspace restored.
    pub async fn prove_from_sql(&self, proposals: String, pending: Vec<String>) -> Result<String, String> {
        match self.guarded(Request::ProveFromSql { proposals, pending }, RESTORED_COMPARISON).await.map_err(|s| s.message)? {
            Response::Json { json } => Ok(json),
            other => Err(unexpected(other)),
        }
    }
}

async fn await_reply(promise: Promise) -> Reply {
    let Ok(data) = JsFuture::from(promise).await else { return Reply::Interrupted };
    if data.as_string().is_some() {
        return Reply::Interrupted;
    }
    match wire::decode_response(&data) {
        Ok((_, response)) => Reply::Answer(response),
        Err(message) => Reply::Answer(Response::Error { message }),
    }
}

/// Seconds for a message: `10`, `1.5`.
fn seconds(ms: f64) -> String {
    let s = (ms / 100.0).round() / 10.0;
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
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
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(f: &Function, ms: f64) -> f64;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: f64);
}

/// The messages between the page and the worker: `{id, json, blobs}`, the
/// request or response as JSON with its byte strings (databases) taken out
/// and sent beside it as transferred `Uint8Array`s, in order; and the
/// worker's first message, `{ready: true}` or `{failed: message}`.
pub mod wire {
    use js_sys::{Array, Object, Reflect, Uint8Array};
    use wasm_bindgen::{JsCast, JsValue};

    use super::{Replay, Request, Response};

    pub fn ready() -> JsValue {
        let o = Object::new();
        let _ = Reflect::set(&o, &"ready".into(), &JsValue::TRUE);
        o.into()
    }

    pub fn failed(message: &str) -> JsValue {
        let o = Object::new();
        let _ = Reflect::set(&o, &"failed".into(), &message.into());
        o.into()
    }

    /// The worker's note of PGlite's download: bytes fetched and their
    /// total (0 while unknown), `{progress: [loaded, total]}`.
    pub fn progress(loaded: f64, total: f64) -> JsValue {
        let o = Object::new();
        let _ = Reflect::set(&o, &"progress".into(), &Array::of2(&loaded.into(), &total.into()));
        o.into()
    }

    /// `Some((loaded, total))` for a [`progress`] message.
    pub fn read_progress(data: &JsValue) -> Option<(f64, f64)> {
        let p = Reflect::get(data, &"progress".into()).ok().filter(|p| p.is_object())?;
        let at = |i: u32| Reflect::get_u32(&p, i).ok().and_then(|v| v.as_f64()).filter(|v| v.is_finite() && *v >= 0.0);
        Some((at(0)?, at(1)?))
    }

    /// `Some(Ok)` for a ready message, `Some(Err)` for a failure, `None` for a reply.
    pub fn hello(data: &JsValue) -> Option<Result<(), String>> {
        if Reflect::get(data, &"ready".into()).ok().is_some_and(|v| v.is_truthy()) {
            return Some(Ok(()));
        }
        let failed = Reflect::get(data, &"failed".into()).ok()?;
        failed.as_string().map(Err)
    }

    pub fn id(data: &JsValue) -> Option<u32> {
        Reflect::get(data, &"id".into()).ok()?.as_f64().map(|f| f as u32)
    }

    fn take(b: &mut Vec<u8>) -> Vec<u8> {
        std::mem::take(b)
    }

    fn request_blobs(r: &mut Request) -> Vec<&mut Vec<u8>> {
        match r {
            Request::ImportDb { bytes } => vec![bytes],
            Request::Restore { steps, db } => {
                let mut out: Vec<&mut Vec<u8>> = steps
                    .iter_mut()
                    .filter_map(|s| match s {
                        Replay::Db { bytes } => Some(bytes),
                        Replay::Cell { .. } => None,
                    })
                    .collect();
                out.extend(db.as_mut());
                out
            }
            _ => Vec::new(),
        }
    }

    fn response_blobs(r: &mut Response) -> Vec<&mut Vec<u8>> {
        match r {
            Response::Db { bytes } => vec![bytes],
            Response::CellRan { db, .. } => vec![db],
            _ => Vec::new(),
        }
    }

    fn envelope(id: u32, json: String, blobs: Vec<Vec<u8>>) -> (JsValue, Array) {
        let o = Object::new();
        let list = Array::new();
        let transfer = Array::new();
        for b in blobs {
            let arr = Uint8Array::from(b.as_slice());
            transfer.push(&arr.buffer());
            list.push(&arr);
        }
        let _ = Reflect::set(&o, &"id".into(), &JsValue::from(id));
        let _ = Reflect::set(&o, &"json".into(), &JsValue::from(json));
        let _ = Reflect::set(&o, &"blobs".into(), &list);
        (o.into(), transfer)
    }

    fn open(data: &JsValue) -> Result<(u32, String, Vec<Vec<u8>>), String> {
        let id = id(data).ok_or("a message without an id")?;
        let json = Reflect::get(data, &"json".into()).ok().and_then(|j| j.as_string()).ok_or("a message without a body")?;
        let blobs = Reflect::get(data, &"blobs".into())
            .ok()
            .and_then(|b| b.dyn_into::<Array>().ok())
            .map(|a| a.iter().filter_map(|b| b.dyn_into::<Uint8Array>().ok()).map(|b| b.to_vec()).collect())
            .unwrap_or_default();
        Ok((id, json, blobs))
    }

    /// The message for `request` and the buffers to transfer with it.
    pub fn encode_request(id: u32, mut request: Request) -> (JsValue, Array) {
        let blobs: Vec<Vec<u8>> = request_blobs(&mut request).into_iter().map(take).collect();
        let json = serde_json::to_string(&request).unwrap_or_default();
        envelope(id, json, blobs)
    }

    pub fn decode_request(data: &JsValue) -> Result<(u32, Request), String> {
        let (id, json, blobs) = open(data)?;
        let mut request: Request = serde_json::from_str(&json).map_err(|e| e.to_string())?;
        for (slot, blob) in request_blobs(&mut request).into_iter().zip(blobs) {
            *slot = blob;
        }
        Ok((id, request))
    }

    pub fn encode_response(id: u32, mut response: Response) -> (JsValue, Array) {
        let blobs: Vec<Vec<u8>> = response_blobs(&mut response).into_iter().map(take).collect();
        let json = serde_json::to_string(&response).unwrap_or_else(|e| format!("{{\"type\":\"error\",\"message\":{:?}}}", e.to_string()));
        envelope(id, json, blobs)
    }

    pub fn decode_response(data: &JsValue) -> Result<(u32, Response), String> {
        let (id, json, blobs) = open(data)?;
        let mut response: Response = serde_json::from_str(&json).map_err(|e| e.to_string())?;
        for (slot, blob) in response_blobs(&mut response).into_iter().zip(blobs) {
            *slot = blob;
        }
        Ok((id, response))
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
