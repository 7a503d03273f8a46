//! The notebook's state (signals) and the actions components call. Every
//! action goes through the [`Backend`]; nothing here evaluates code.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use engine::playground::examples;
use engine::playground::tables::TableInfo;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

use super::insight::{InsightState, DEFAULT_RUNS};
use super::lesson::LessonState;
use crate::backend::{Backend, CellRun, CellSource, Diag, LoadProgress, Preview};
use crate::editor::Editor;
use crate::persist::{CellKind, CellRole, Database, Loaded, SavedCell, SavedNotebook, Store, FORMAT_VERSION, PREVIOUS_PREFIX};
use crate::share;

/// The example the page opens with.
pub const DEFAULT_EXAMPLE: &str = "blog";

mod gallery {
    include!(concat!(env!("OUT_DIR"), "/examples_index.rs"));
}
mod course {
    include!(concat!(env!("OUT_DIR"), "/lessons_index.rs"));
}
/// The course: (file name, title) of each lesson under `lessons/` (beside
/// the page), opened as `lessons/NAME`.
pub use course::LESSONS;

/// The gallery: (id, title, description, runs on PostgreSQL) of each
/// example. Their texts are
/// fetched when opened (`examples/ID.exs`, beside the page), except the
/// default one's, which the page carries to open at once.
pub use gallery::INDEX as GALLERY;

/// The default example's text.
const DEFAULT_SOURCE: &str = include_str!("../../../examples/blog.exs");

thread_local! {
    /// Example texts fetched so far, by id.
    static FETCHED: std::cell::RefCell<HashMap<String, String>> = std::cell::RefCell::new(HashMap::new());
}

/// An example's text, if the page has it (the default one, or one fetched).
fn example_source(id: &str) -> Option<String> {
    if id == DEFAULT_EXAMPLE {
        return Some(DEFAULT_SOURCE.to_string());
    }
    FETCHED.with(|f| f.borrow().get(id).cloned())
}

/// Fetches `examples/ID.exs`.
async fn fetch_example(id: &str) -> Result<String, String> {
    if !GALLERY.iter().any(|(known, ..)| *known == id) {
        return Err(format!("there is no example {id:?}"));
    }
    let text = fetch_text(&format!("examples/{id}.exs"), "the network is unreachable").await?;
    FETCHED.with(|f| f.borrow_mut().insert(id.to_string(), text.clone()));
    Ok(text)
}

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Loading,
    Ready,
    Running,
    Failed(String),
}

impl Status {
    pub fn is_ready(&self) -> bool {
        *self == Status::Ready
    }

    pub fn name(&self) -> &'static str {
        match self {
            Status::Loading => "loading",
            Status::Ready => "ready",
            Status::Running => "running",
            Status::Failed(_) => "failed",
        }
    }

    pub fn label(&self) -> String {
        match self {
            Status::Loading => "Loading SQLite…".to_string(),
            Status::Ready => "Ready".to_string(),
            Status::Running => "Running…".to_string(),
            Status::Failed(m) => format!("SQLite failed to load: {m}"),
        }
    }
}

/// Where a cell stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellState {
    /// Not run yet (or not since the last reset).
    Fresh,
    Queued,
    Done,
    Failed,
}

impl CellState {
    pub fn name(self) -> &'static str {
        match self {
            CellState::Fresh => "fresh",
            CellState::Queued => "queued",
            CellState::Done => "done",
            CellState::Failed => "failed",
        }
    }
}

/// One cell: an id (stable across reorders) and its signals.
#[derive(Clone, Copy)]
pub struct CellModel {
    pub id: u32,
    /// Code or Markdown (fixed for the cell's life).
    pub kind: CellKind,
    /// A Markdown cell's HTML, from the engine's renderer, for the source
    /// it was made from (None until rendered, and while the text changes).
    pub html: RwSignal<Option<(String, String)>>,
    /// A Markdown cell shown as its text, being edited.
    pub editing: RwSignal<bool>,
    /// Its part in a lesson, or the note of a Livebook cell (fixed).
    pub role: StoredValue<Option<CellRole>>,
    /// Its place in the Livebook file the notebook came from.
    pub livemd: Option<usize>,
    pub title: RwSignal<Option<String>>,
    pub source: RwSignal<String>,
    pub result: RwSignal<Option<CellRun>>,
    pub state: RwSignal<CellState>,
    /// Edited since it last ran.
    pub edited: RwSignal<bool>,
}

impl CellModel {
    /// Code the notebook runs: not Markdown, not a cell kept only to be
    /// shown (a Livebook smart cell), and in lesson mode not a solution.
    pub fn runs(&self, lesson: bool) -> bool {
        self.kind.is_code() && self.role.with_value(|r| r.as_ref().is_none_or(|r| !(r.inert || (lesson && r.is("solution")))))
    }

    /// Shown as code that cannot be edited (a lesson's tests, solutions and
    /// locked cells, smart cells).
    pub fn read_only(&self) -> bool {
        self.role.with_value(|r| r.as_ref().is_some_and(CellRole::read_only))
    }

    /// Its last run was stopped: running a later cell does not start it again.
    fn was_stopped(&self) -> bool {
        self.result.with_untracked(|r| r.as_ref().is_some_and(|r| r.stopped.is_some()))
    }
}

/// The statements of one cell run, for the log.
#[derive(Clone, Debug, PartialEq)]
pub struct LogGroup {
    pub seq: u32,
    pub cell_number: usize,
    pub cell_title: Option<String>,
    pub run: CellRun,
}

/// The SQL preview and the cell it belongs to.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PreviewState {
    pub cell: Option<u32>,
    pub preview: Option<Preview>,
    /// Counts updates, so tests and measurements can wait for the next one.
    pub seq: u32,
}

/// How a notice looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Error,
}

/// A message above the notebook (a workspace that could not be read, a
/// shared notebook opened, ...), until the user dismisses it.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u32,
    pub kind: NoticeKind,
    /// What it is about, for tests and styles: `unreadable`, `shared`,
    /// `share-error`, `restored`, `storage`.
    pub topic: &'static str,
    pub text: String,
    /// A storage key the text refers to (shown as code).
    pub key: Option<String>,
    /// A kept-aside workspace the notice offers to restore (its key).
    pub restore: Option<String>,
}

/// Work waiting for the next microtask: the changes of one event coalesce
/// into one check and one preview.
#[derive(Default)]
struct Pending {
    scheduled: bool,
    check: Option<u32>,
    preview: Option<(u32, u32)>,
}

/// The notebook's signals. Copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Nb {
    backend: StoredValue<Option<Backend>, LocalStorage>,
    editors: StoredValue<HashMap<u32, Rc<Editor>>, LocalStorage>,
    pending: StoredValue<Pending, LocalStorage>,
    next_id: StoredValue<u32>,
    pub status: RwSignal<Status>,
    pub cells: RwSignal<Vec<CellModel>>,
    pub title: RwSignal<String>,
    pub description: RwSignal<String>,
    pub example: RwSignal<Option<String>>,
    pub active: RwSignal<Option<u32>>,
    pub preview: RwSignal<PreviewState>,
    pub log: RwSignal<Vec<LogGroup>>,
    pub tables: RwSignal<Vec<TableInfo>>,
    pub run_seq: RwSignal<u32>,
    pub raw_sql: RwSignal<bool>,
    /// Code shown and runnable, not editable (embed mode's `readonly=1`).
    pub readonly: RwSignal<bool>,
    pub notices: RwSignal<Vec<Notice>>,
    /// A shared notebook is being decoded: nothing to show or save yet.
    pub opening: RwSignal<bool>,
    /// Where the workspace is saved; None: not saved (embed mode, or
    /// until the page knows what it shows).
    store: StoredValue<Option<Store>, LocalStorage>,
    /// The notebook as a share link opened it (to tell whether it was
    /// edited since).
    opened_link: StoredValue<Option<SavedNotebook>>,
    /// What the main area shows: the cells or the ER diagram.
    pub view: RwSignal<View>,
    /// Where the diagram's boxes were dragged to (saved with the notebook).
    pub positions: RwSignal<BTreeMap<String, [f64; 2]>>,
    /// The notebook's own reactive owner: cells live as long as it, whatever
    /// part of the page added them (a button inside a list that re-renders).
    owner: StoredValue<Option<Owner>, LocalStorage>,
    /// The text position (UTF-16) the mouse is over in the editor of the
    /// cell whose query the plan panel shows.
    pub hover: RwSignal<Option<u32>>,
    /// The plan, advice and timing of the query under the cursor, and the
    /// data generation.
    pub insight: RwSignal<InsightState>,
    /// How many times a timing runs the query.
    pub runs: RwSignal<u32>,
    /// Lesson mode: exercises, hints, solutions, progress.
    pub lesson: LessonState,
    /// The Livebook file the notebook came from (export rewrites it).
    pub livemd: RwSignal<Option<String>>,
    /// A Livebook file waiting for the engine to read it (text, origin).
    pending_livemd: StoredValue<Option<(String, String)>>,
    /// The database the notebook runs on (saved with it).
    pub database: RwSignal<Database>,
    /// PostgreSQL is being loaded into the engine's worker.
    pub db_loading: RwSignal<bool>,
    /// How much of PostgreSQL the worker has fetched (None: nothing heard yet).
    pub db_progress: RwSignal<Option<LoadProgress>>,
    /// The database embed mode's `?db=` asks for, over the notebook's own.
    forced_db: StoredValue<Option<Database>>,
}

/// The main area's view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Notebook,
    Diagram,
}

impl Nb {
    pub fn new() -> Nb {
        Nb {
            backend: StoredValue::new_local(None),
            editors: StoredValue::new_local(HashMap::new()),
            pending: StoredValue::new_local(Pending::default()),
            next_id: StoredValue::new(1),
            status: RwSignal::new(Status::Loading),
            cells: RwSignal::new(Vec::new()),
            title: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            example: RwSignal::new(None),
            active: RwSignal::new(None),
            preview: RwSignal::new(PreviewState::default()),
            log: RwSignal::new(Vec::new()),
            tables: RwSignal::new(Vec::new()),
            run_seq: RwSignal::new(0),
            raw_sql: RwSignal::new(false),
            readonly: RwSignal::new(false),
            notices: RwSignal::new(Vec::new()),
            opening: RwSignal::new(false),
            store: StoredValue::new_local(None),
            opened_link: StoredValue::new(None),
            view: RwSignal::new(View::Notebook),
            positions: RwSignal::new(BTreeMap::new()),
            owner: StoredValue::new_local(Owner::current()),
            hover: RwSignal::new(None),
            insight: RwSignal::new(InsightState::default()),
            runs: RwSignal::new(DEFAULT_RUNS),
            lesson: LessonState::new(),
            livemd: RwSignal::new(None),
            pending_livemd: StoredValue::new(None),
            database: RwSignal::new(Database::Sqlite),
            db_loading: RwSignal::new(false),
            db_progress: RwSignal::new(None),
            forced_db: StoredValue::new(None),
        }
    }

    /// Starts SQLite and the engine; the notebook runs once they are up.
    pub fn start_backend(&self) {
        let nb = *self;
        spawn_local(async move {
            match Backend::start().await {
                Ok(backend) => nb.ready(backend),
                Err(message) => {
                    gloo::console::error!(format!("could not load SQLite: {message}"));
                    nb.status.set(Status::Failed(message));
                }
            }
        });
    }

    /// The backend, once sql.js and the engine are up.
    pub fn backend_handle(&self) -> Option<Backend> {
        self.backend.with_value(|b| b.clone())
    }

    /// Stops the running cell (if the backend is up).
    pub fn stop(&self) {
        if let Some(backend) = self.backend_handle() {
            backend.stop();
        }
    }

    /// sql.js is loaded: the notebook can run.
    pub fn ready(&self, backend: Backend) {
        let progress = self.db_progress;
        backend.on_load_progress(move |p| progress.set(Some(p)));
        self.backend.set_value(Some(backend));
        self.status.set(Status::Ready);
        if let Some(id) = self.active.get_untracked() {
            self.schedule(id, true);
        }
        if self.database.get_untracked() == Database::Postgres {
            // The worker starts on SQLite: move it (this loads PostgreSQL).
            self.reset();
        } else {
            self.refresh_tables();
        }
        self.render_markdown(None);
        if let Some((text, origin)) = self.pending_livemd.try_update_value(Option::take).flatten() {
            self.import_livemd_text(text, origin);
        }
    }

    /// Embed mode's `?db=`: the notebook runs on `db` whatever it says.
    pub fn force_database(&self, db: Database) {
        self.forced_db.set_value(Some(db));
        self.database.set(db);
    }

    /// Moves the notebook to `db`: a fresh workspace on an empty database of
    /// that kind (PostgreSQL is loaded the first time); the cells keep
    /// their text and run again from the start.
    pub fn set_database(&self, db: Database) {
        if self.database.get_untracked() == db {
            return;
        }
        self.database.set(db);
        self.reset();
    }

    fn new_cell(&self, title: Option<String>, source: String) -> CellModel {
        self.new_cell_of(CellKind::Code, title, source)
    }

    fn new_cell_of(&self, kind: CellKind, title: Option<String>, source: String) -> CellModel {
        self.new_cell_with(SavedCell { title, source, kind, role: None, livemd: None })
    }

    fn new_cell_with(&self, saved: SavedCell) -> CellModel {
        let SavedCell { title, source, kind, role, livemd } = saved;
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        let make = move || CellModel {
            id,
            kind,
            html: RwSignal::new(None),
            editing: RwSignal::new(false),
            role: StoredValue::new(role),
            livemd,
            title: RwSignal::new(title),
            source: RwSignal::new(source),
            result: RwSignal::new(None),
            state: RwSignal::new(CellState::Fresh),
            edited: RwSignal::new(false),
        };
        match self.owner.with_value(|o| o.clone()) {
            Some(owner) => owner.with(make),
            None => make(),
        }
    }

    /// Inserts a cell holding `source` just before cell `before` (at the
    /// end when there is none); returns its id.
    pub fn insert_cell_before(&self, before: u32, source: String) -> u32 {
        let cell = self.new_cell(None, source);
        self.cells.update(|cs| {
            let at = cs.iter().position(|c| c.id == before).unwrap_or(cs.len());
            cs.insert(at, cell);
        });
        cell.id
    }

    /// The cells, by id, for a batch to run.
    pub(crate) fn cell_models(&self, ids: &[u32]) -> Vec<CellModel> {
        self.cells.with_untracked(|cs| cs.iter().filter(|c| ids.contains(&c.id)).copied().collect())
    }

    /// Every cell's code, in order (a Markdown cell's is empty, so that
    /// positions stay those of the notebook).
    pub(crate) fn sources(&self) -> Vec<String> {
        self.cells.with_untracked(|cs| cs.iter().map(|c| if c.kind.is_code() { c.source.get_untracked() } else { String::new() }).collect())
    }

    /// Appends an empty (or given) cell; returns its id.
    pub fn add_cell(&self, source: String) -> u32 {
        let cell = self.new_cell(None, source);
        self.cells.update(|cs| cs.push(cell));
        cell.id
    }

    /// Appends an empty Markdown cell, open for editing; returns its id.
    pub fn add_markdown_cell(&self) -> u32 {
        let cell = self.new_cell_of(CellKind::Markdown, None, String::new());
        cell.editing.set(true);
        self.cells.update(|cs| cs.push(cell));
        cell.id
    }

    /// Renders the Markdown cells whose HTML is missing or stale (all of
    /// them when `ids` is None), in the engine's worker.
    pub fn render_markdown(&self, ids: Option<Vec<u32>>) {
        let Some(backend) = self.backend_handle() else { return };
        let cells: Vec<CellModel> = self.cells.with_untracked(|cs| {
            cs.iter()
                .filter(|c| !c.kind.is_code() && ids.as_ref().is_none_or(|ids| ids.contains(&c.id)))
                .filter(|c| {
                    let source = c.source.get_untracked();
                    c.html.with_untracked(|h| h.as_ref().is_none_or(|(for_source, _)| *for_source != source))
                })
                .copied()
                .collect()
        });
        if cells.is_empty() {
            return;
        }
        let sources: Vec<String> = cells.iter().map(|c| c.source.get_untracked()).collect();
        spawn_local(async move {
            match backend.markdown(sources.clone()).await {
                Ok(html) => {
                    for ((cell, source), html) in cells.iter().zip(sources).zip(html) {
                        // A cell deleted meanwhile has disposed signals.
                        let _ = cell.html.try_set(Some((source, html)));
                    }
                }
                Err(e) => gloo::console::error!(e),
            }
        });
    }

    /// A Markdown cell's text changed (it is being edited).
    pub fn markdown_changed(&self, id: u32, text: String) {
        if let Some(cell) = self.cells.with_untracked(|cs| cs.iter().find(|c| c.id == id).copied()) {
            cell.source.set(text);
        }
    }

    /// Ends editing a Markdown cell: it is shown rendered.
    pub fn finish_markdown(&self, id: u32) {
        if let Some(cell) = self.cells.with_untracked(|cs| cs.iter().find(|c| c.id == id).copied()) {
            cell.editing.set(false);
            self.render_markdown(Some(vec![id]));
        }
    }

    pub fn delete_cell(&self, id: u32) {
        self.cells.update(|cs| cs.retain(|c| c.id != id));
        if self.active.get_untracked() == Some(id) {
            self.active.set(None);
            self.preview.update(|p| {
                p.cell = None;
                p.preview = None;
                p.seq += 1;
            });
        }
    }

    /// The 0-based position of a cell.
    pub fn position(&self, id: u32) -> Option<usize> {
        self.cells.with_untracked(|cs| cs.iter().position(|c| c.id == id))
    }

    pub fn register_editor(&self, id: u32, editor: Rc<Editor>) {
        self.editors.update_value(|m| {
            m.insert(id, editor);
        });
    }

    pub fn unregister_editor(&self, id: u32) {
        // Dropping the editor destroys the CodeMirror view.
        let _ = self.editors.try_update_value(|m| m.remove(&id));
    }

    pub(crate) fn editor(&self, id: u32) -> Option<Rc<Editor>> {
        self.editors.with_value(|m| m.get(&id).cloned())
    }

    /// Replaces the notebook with a gallery example and empties the
    /// database, moving to the example's database (SQLite or PostgreSQL)
    /// unless embed mode's `?db=` decides.
    pub fn load_example(&self, id: &str) {
        match example_source(id) {
            Some(source) => self.open_example(id, &source),
            None => {
                let nb = *self;
                let id = id.to_string();
                spawn_local(async move {
                    match fetch_example(&id).await {
                        Ok(source) => nb.open_example(&id, &source),
                        Err(e) => nb.notify(NoticeKind::Error, "example", format!("The example could not be opened: {e}."), None, None),
                    }
                });
            }
        }
    }

    fn open_example(&self, id: &str, source: &str) {
        let notebook = examples::parse(source);
        let cells: Vec<CellModel> = notebook.cells.into_iter().map(|c| self.new_cell(c.title, c.source)).collect();
        self.title.set(notebook.title);
        self.description.set(notebook.description);
        self.example.set(Some(id.to_string()));
        self.lesson.meta.set(None);
        self.livemd.set(None);
        let db = if notebook.postgres { Database::Postgres } else { Database::Sqlite };
        self.database.set(self.forced_db.get_value().unwrap_or(db));
        self.replace_cells(cells);
    }

    /// An empty notebook with one cell.
    pub fn load_blank(&self) {
        let cell = self.new_cell(None, String::new());
        self.title.set("Untitled notebook".to_string());
        self.description.set("Schemas, migrations and queries: everything runs on an in-memory SQLite database.".to_string());
        self.example.set(None);
        self.lesson.meta.set(None);
        self.livemd.set(None);
        self.replace_cells(vec![cell]);
    }

    fn replace_cells(&self, cells: Vec<CellModel>) {
        self.cells.set(cells);
        self.render_markdown(None);
        self.active.set(None);
        self.preview.update(|p| {
            p.cell = None;
            p.preview = None;
            p.seq += 1;
        });
        self.log.set(Vec::new());
        if self.backend.with_value(Option::is_some) {
            self.reset();
        }
    }

    /// A fresh workspace and database (of the notebook's kind: moving
    /// the worker to it if it is on the other); cells keep their text.
    pub fn reset(&self) {
        let Some(backend) = self.backend_handle() else { return };
        let nb = *self;
        nb.status.set(Status::Running);
        spawn_local(async move {
            let postgres = nb.database.get_untracked() == Database::Postgres;
            let outcome = if backend.is_postgres() != postgres {
                nb.db_progress.set(None);
                nb.db_loading.set(postgres);
                let outcome = backend.use_database(postgres).await;
                nb.db_loading.set(false);
                outcome
            } else {
                backend.reset().await
            };
            if let Err(e) = outcome {
                gloo::console::error!(e.clone());
                let what = if postgres { "PostgreSQL" } else { "SQLite" };
                nb.notify(NoticeKind::Error, "database-error", format!("{what} could not be started: {e}"), None, None);
            }
            nb.cells.with_untracked(|cs| {
                for c in cs {
                    c.state.set(CellState::Fresh);
                    c.result.set(None);
                    c.edited.set(false);
                }
            });
            nb.log.set(Vec::new());
            nb.insight.update(|s| s.forget());
            nb.status.set(Status::Ready);
            nb.refresh_tables();
        });
    }

    /// Runs cell `id` after any earlier cells that have not run yet; with
    /// `advance`, then moves to the next cell (adding one at the end).
    pub fn run_cell(&self, id: u32, advance: bool) {
        let Some(pos) = self.position(id) else { return };
        let lesson = self.lesson.meta.with_untracked(Option::is_some);
        if !self.cells.with_untracked(|cs| {
            cs.get(pos).is_some_and(|c| c.kind.is_code() && c.role.with_value(|r| r.as_ref().is_none_or(|r| !r.inert)))
        }) {
            return;
        }
        let batch: Vec<CellModel> = self.cells.with_untracked(|cs| {
            cs.iter()
                .enumerate()
                .filter(|(i, c)| *i == pos || c.runs(lesson))
                .filter(|(i, c)| *i == pos || (*i < pos && c.state.get_untracked() != CellState::Done && !c.was_stopped()))
                .map(|(_, c)| *c)
                .collect()
        });
        self.run_batch(batch, false);
        if advance {
            let next = self.cells.with_untracked(|cs| cs.get(pos + 1).map(|c| c.id));
            let next = next.unwrap_or_else(|| self.add_cell(String::new()));
            self.focus_cell(next);
        }
    }

    /// Empties the database and runs every cell in order.
    pub fn run_all(&self) {
        let lesson = self.lesson.meta.with_untracked(Option::is_some);
        let batch: Vec<CellModel> = self.cells.with_untracked(|cs| cs.iter().filter(|c| c.runs(lesson)).copied().collect());
        self.run_batch(batch, true);
    }

    fn run_batch(&self, batch: Vec<CellModel>, reset_first: bool) {
        let Some(backend) = self.backend_handle() else { return };
        if !self.status.get_untracked().is_ready() || batch.is_empty() {
            return;
        }
        let nb = *self;
        nb.status.set(Status::Running);
        spawn_local(async move {
            nb.run_now(&backend, batch, reset_first).await;
            nb.status.set(Status::Ready);
        });
    }

    /// Runs `batch` (after emptying the database, with `reset_first`) and
    /// shows the results; whether every cell ran to its end. The caller
    /// sets the status around it.
    pub(crate) async fn run_now(&self, backend: &Backend, batch: Vec<CellModel>, reset_first: bool) -> bool {
        let nb = *self;
        if reset_first {
            // Results stay until their cell's new one replaces them (no flicker).
            nb.log.set(Vec::new());
        }
        for c in &batch {
            c.state.set(CellState::Queued);
        }
        let sources: Vec<CellSource> =
            batch.iter().filter_map(|c| Some(CellSource { index: nb.position(c.id)?, source: c.source.get_untracked() })).collect();
        if reset_first {
            if let Err(e) = backend.reset().await {
                gloo::console::error!(e);
            }
        }
        let results = backend.run(sources).await.unwrap_or_else(|e| {
            gloo::console::error!(e);
            Vec::new()
        });
        let all_ok = results.len() == batch.len() && results.iter().all(|r| r.ok);
        let mut seq = nb.log.with_untracked(|l| l.last().map_or(0, |g| g.seq));
        let mut groups = Vec::new();
        for (cell, run) in batch.iter().zip(results.iter().map(Some).chain(std::iter::repeat(None))) {
            match run {
                Some(run) => {
                    cell.state.set(if run.ok { CellState::Done } else { CellState::Failed });
                    cell.edited.set(false);
                    cell.result.set(Some(run.clone()));
                    if let Some(editor) = nb.editor(cell.id) {
                        editor.set_diagnostics(&run.diagnostics);
                    }
                    seq += 1;
                    groups.push(LogGroup { seq, cell_number: run.index + 1, cell_title: cell.title.get_untracked(), run: run.clone() });
                }
                // Not reached: an earlier cell failed.
                None => {
                    cell.state.set(CellState::Fresh);
                    if reset_first {
                        cell.result.set(None);
                    }
                }
            }
        }
        nb.log.update(|l| l.extend(groups));
        nb.run_seq.update(|n| *n += 1);
        nb.refresh_tables();
        if let Some(id) = nb.active.get_untracked() {
            nb.schedule(id, false);
        }
        all_ok
    }

    pub fn refresh_tables(&self) {
        let Some(backend) = self.backend_handle() else { return };
        let tables = self.tables;
        spawn_local(async move {
            match backend.tables().await {
                Ok(t) => tables.set(t),
                Err(e) => gloo::console::error!(e),
            }
        });
    }

    pub fn focus_cell(&self, id: u32) {
        self.focus_when_built(id, 3);
    }

    /// A new cell's editor is built in a task of its own after the cell is
    /// drawn: focus it on the next frame, or on one of the few after.
    fn focus_when_built(&self, id: u32, frames: u32) {
        let nb = *self;
        request_animation_frame(move || match nb.editor(id) {
            Some(editor) => editor.focus(),
            None if frames > 0 => nb.focus_when_built(id, frames - 1),
            None => {}
        });
    }

    /// The text of a cell changed.
    pub fn changed(&self, id: u32, text: String) {
        let cell = self.cells.with_untracked(|cs| cs.iter().find(|c| c.id == id).copied());
        if let Some(cell) = cell {
            cell.source.set(text);
            if cell.state.get_untracked() != CellState::Fresh {
                cell.edited.set(true);
            }
        }
        self.pending.update_value(|p| p.check = Some(id));
        self.request_frame();
    }

    /// The cursor of a cell moved.
    pub fn cursor(&self, id: u32, pos: u32) {
        self.active.set(Some(id));
        self.pending.update_value(|p| p.preview = Some((id, pos)));
        self.request_frame();
    }

    /// Previews again for cell `id` at its editor's cursor (and checks it).
    fn schedule(&self, id: u32, check: bool) {
        let pos = self.editor(id).map(|e| e.cursor()).unwrap_or(0);
        self.pending.update_value(|p| {
            p.preview = Some((id, pos));
            if check {
                p.check = Some(id);
            }
        });
        self.request_frame();
    }

    fn request_frame(&self) {
        let already = self.pending.with_value(|p| p.scheduled);
        if already {
            return;
        }
        self.pending.update_value(|p| p.scheduled = true);
        let nb = *self;
        // A microtask: after the editor's own update, before the next paint.
        spawn_local(async move { nb.flush() });
    }

    /// Runs the check and preview typing asked for, with the latest text.
    fn flush(&self) {
        let Some(pending) = self.pending.try_update_value(std::mem::take) else { return };
        let Some(backend) = self.backend_handle() else { return };
        let nb = *self;
        // Both requests are sent at once, the preview first: it is what the
        // user watches while typing, and neither waits for the other's reply.
        if let Some((id, pos)) = pending.preview {
            let backend = backend.clone();
            spawn_local(async move {
                let src = nb.source_of(id);
                let earlier = nb.unrun_before(id);
                let preview = backend.preview(earlier, src, pos).await;
                nb.preview.update(|p| {
                    p.cell = Some(id);
                    p.preview = preview;
                    p.seq += 1;
                });
            });
        }
        if let Some(id) = pending.check {
            spawn_local(async move {
                let src = nb.source_of(id);
                let diags: Vec<Diag> = backend.check(src).await;
                if let Some(editor) = nb.editor(id) {
                    editor.set_diagnostics(&diags);
                }
            });
        }
    }

    /// The sources of the cells before `id` that have not run, or changed
    /// since they ran, in order.
    pub(crate) fn unrun_before(&self, id: u32) -> Vec<String> {
        let lesson = self.lesson.meta.with_untracked(Option::is_some);
        self.cells.with_untracked(|cs| {
            cs.iter()
                .take_while(|c| c.id != id)
                .filter(|c| c.runs(lesson))
                .filter(|c| c.state.get_untracked() == CellState::Fresh || c.edited.get_untracked())
                .map(|c| c.source.get_untracked())
                .collect()
        })
    }

    pub(crate) fn source_of(&self, id: u32) -> String {
        self.cells.with_untracked(|cs| cs.iter().find(|c| c.id == id).map(|c| c.source.get_untracked()).unwrap_or_default())
    }

    /// Offers the database as a download.
    pub fn export_db(&self) {
        let Some(backend) = self.backend_handle() else { return };
        spawn_local(async move {
            // PostgreSQL's export is PGlite's data directory, a tar.
            let name = if backend.is_postgres() { "ectoplasm-pgdata.tar" } else { "ectoplasm.sqlite3" };
            match backend.export_db().await {
                Ok(bytes) => {
                    if let Err(e) = download(&bytes, name) {
                        gloo::console::error!(e);
                    }
                }
                Err(e) => gloo::console::error!(e),
            }
        });
    }

    /// Opens the file chosen in `input` as the database.
    pub fn import_db(&self, input: web_sys::HtmlInputElement) {
        let Some(backend) = self.backend_handle() else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        let nb = *self;
        spawn_local(async move {
            let bytes = match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                Ok(buf) => js_sys::Uint8Array::new(&buf).to_vec(),
                Err(_) => return,
            };
            input.set_value("");
            match backend.import_db(bytes).await {
                Ok(()) => {
                    // The data changed: the query plan is made again.
                    nb.insight.update(|s| s.forget());
                    nb.run_seq.update(|n| *n += 1);
                    nb.refresh_tables();
                }
                Err(e) => {
                    gloo::console::error!(e.clone());
                    nb.status.set(Status::Ready);
                }
            }
        });
    }
}

impl Default for Nb {
    fn default() -> Nb {
        Nb::new()
    }
}

/// Saving, restoring and sharing the workspace.
impl Nb {
    /// The notebook as saved and shared (not tracked).
    pub fn snapshot(&self) -> SavedNotebook {
        self.snapshot_with(false)
    }

    /// The same, tracking every signal it reads (for effects).
    pub fn snapshot_tracked(&self) -> SavedNotebook {
        self.snapshot_with(true)
    }

    fn snapshot_with(&self, tracked: bool) -> SavedNotebook {
        fn read<T: Clone + Send + Sync + 'static>(s: &RwSignal<T>, tracked: bool) -> T {
            if tracked {
                s.get()
            } else {
                s.get_untracked()
            }
        }
        let cells = if tracked { self.cells.get() } else { self.cells.get_untracked() };
        SavedNotebook {
            v: FORMAT_VERSION,
            title: read(&self.title, tracked),
            description: read(&self.description, tracked),
            example: read(&self.example, tracked),
            cells: cells
                .iter()
                .map(|c| SavedCell {
                    title: read(&c.title, tracked),
                    source: read(&c.source, tracked),
                    kind: c.kind,
                    role: c.role.get_value(),
                    livemd: c.livemd,
                })
                .collect(),
            positions: read(&self.positions, tracked),
            lesson: read(&self.lesson.meta, tracked),
            livemd: read(&self.livemd, tracked),
            db: read(&self.database, tracked),
        }
    }

    /// Replaces the notebook with a saved or shared one.
    pub fn load_saved(&self, saved: SavedNotebook) {
        let mut cells: Vec<CellModel> = saved.cells.into_iter().map(|c| self.new_cell_with(c)).collect();
        if cells.is_empty() {
            cells.push(self.new_cell(None, String::new()));
        }
        self.title.set(if saved.title.is_empty() { "Untitled notebook".to_string() } else { saved.title });
        self.description.set(saved.description);
        self.example.set(saved.example);
        self.positions.set(saved.positions);
        self.lesson.meta.set(saved.lesson);
        self.livemd.set(saved.livemd);
        self.load_progress();
        self.database.set(self.forced_db.get_value().unwrap_or(saved.db));
        self.replace_cells(cells);
    }

    pub fn notify(&self, kind: NoticeKind, topic: &'static str, text: String, key: Option<String>, restore: Option<String>) {
        self.notices.update(|ns| {
            let id = ns.iter().map(|n| n.id).max().unwrap_or(0) + 1;
            ns.push(Notice { id, kind, topic, text, key, restore });
        });
    }

    pub fn dismiss(&self, id: u32) {
        self.notices.update(|ns| ns.retain(|n| n.id != id));
    }

    /// Opens what the page should show: the notebook of a `#nb=` link,
    /// else the saved workspace, else the default example; then saves
    /// every change. A `#nb=` link pasted into the address bar later (a
    /// fragment change, no reload) opens too.
    pub fn open_workspace(&self) {
        self.store.set_value(Some(Store::local()));
        self.autosave();
        let nb = *self;
        let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
        match (share::fragment_payload(&hash), livemd_param()) {
            (Some(payload), _) => nb.open_link(payload.to_string(), true),
            (None, Some(url)) => nb.open_livemd_url(url),
            (None, None) => nb.open_local(),
        }
        let listener = window_event_listener(leptos::ev::hashchange, move |_| {
            let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
            if let Some(payload) = share::fragment_payload(&hash) {
                nb.open_link(payload.to_string(), false);
            }
        });
        // For the page's lifetime.
        std::mem::forget(listener);
    }

    /// Decodes a link's notebook and opens it; when it cannot be read,
    /// says so and shows the saved workspace (on first opening) or leaves
    /// the notebook as it is.
    fn open_link(&self, payload: String, initial: bool) {
        let nb = *self;
        nb.opening.set(true);
        spawn_local(async move {
            match share::decode(&payload).await {
                Ok(shared) => nb.open_shared(shared),
                Err(e) => {
                    let fallback = if initial { "Your saved workspace is shown instead." } else { "The notebook was left as it was." };
                    nb.notify(
                        NoticeKind::Error,
                        "share-error",
                        format!("The shared notebook could not be opened: {e}. {fallback}"),
                        None,
                        None,
                    );
                    if initial {
                        nb.open_local();
                    }
                }
            }
            nb.opening.set(false);
        });
    }

    /// Reads the store (an unreadable text is moved aside and reported).
    fn load_store(&self) -> Loaded {
        let loaded = self.store.try_update_value(|s| s.as_mut().map(Store::load)).flatten().unwrap_or(Loaded::Nothing);
        if let Loaded::Unreadable { reason, kept_as } = &loaded {
            self.report_unreadable(reason, kept_as.clone());
        }
        loaded
    }

    /// The saved workspace, or the default example.
    fn open_local(&self) {
        match self.load_store() {
            Loaded::Notebook(saved) => self.load_saved(saved),
            Loaded::Nothing | Loaded::Unreadable { .. } => self.load_example(DEFAULT_EXAMPLE),
        }
    }

    fn report_unreadable(&self, reason: &str, kept_as: Option<String>) {
        let text = match &kept_as {
            Some(_) => format!(
                "Your saved workspace could not be read: {reason}. It was kept, unchanged, in this browser's local storage under the key below, and the page opened the default example."
            ),
            None => format!(
                "Your saved workspace could not be read: {reason}. It could not be moved aside (storage full?), so it stays where it was and nothing will be saved over it."
            ),
        };
        self.notify(NoticeKind::Error, "unreadable", text, kept_as, None);
    }

    /// Opens a shared notebook; the local workspace, when it holds work of
    /// its own, is kept aside first and can be restored from the notice.
    fn open_shared(&self, shared: SavedNotebook) {
        self.open_replacing(
            shared,
            "shared",
            "You opened a shared notebook. Your previous workspace was kept in this browser (key below): restore it at any time.",
            "You opened a shared notebook; it is now your workspace in this browser.",
        );
        share::clear_fragment();
    }

    /// Opens `shared` as the workspace, keeping the local one aside first
    /// when it holds work of its own (restorable from the notice, which
    /// says `text_kept` then, else `text`).
    fn open_replacing(&self, shared: SavedNotebook, topic: &'static str, text_kept: &str, text: &str) {
        // What is saved now: the notebook on screen, once it was saved.
        let raw = self.store.with_value(|s| s.as_ref().and_then(Store::raw));
        let mut kept = None;
        if let Loaded::Notebook(local) = self.load_store() {
            if !local.same_cells(&shared) && !is_pristine(&local) {
                kept =
                    raw.as_deref().and_then(|raw| self.store.with_value(|s| s.as_ref().and_then(|s| s.keep_aside(PREVIOUS_PREFIX, raw))));
                if kept.is_none() {
                    // Never save over work that could not be kept.
                    self.store.update_value(|s| {
                        if let Some(s) = s {
                            s.freeze();
                        }
                    });
                    self.notify(
                        NoticeKind::Error,
                        "storage",
                        "Your previous workspace could not be kept aside (storage full?): it stays saved, and the shared notebook will not be saved over it."
                            .to_string(),
                        None,
                        None,
                    );
                }
            }
        }
        self.opened_link.set_value(Some(shared.clone()));
        self.load_saved(shared);
        if self.store.with_value(Option::is_none) {
            // Embed mode: nothing is saved, nothing to say.
            return;
        }
        let text = if kept.is_some() { text_kept } else { text };
        self.notices.update(|ns| ns.retain(|n| n.topic != topic || n.restore.is_some()));
        self.notify(NoticeKind::Info, topic, text.to_string(), kept.clone(), kept);
    }

    /// Brings back a workspace kept aside under `key`. The notebook it
    /// replaces is kept aside in turn unless it is unchanged from the
    /// link it came from.
    pub fn restore_kept(&self, key: &str) {
        let Some(store) = self.store.with_value(|s| s.clone()) else { return };
        let kept = match store.read_key(key) {
            Ok(kept) => kept,
            Err(e) => {
                self.notify(
                    NoticeKind::Error,
                    "restored",
                    format!("The kept workspace could not be read: {e}."),
                    Some(key.to_string()),
                    None,
                );
                return;
            }
        };
        let current = self.snapshot();
        let from_link = self.opened_link.with_value(|o| o.as_ref().is_some_and(|o| o.same_cells(&current)));
        let mut aside = None;
        if !from_link && !is_pristine(&current) {
            aside = store.keep_aside(PREVIOUS_PREFIX, &current.to_json());
            if aside.is_none() {
                self.notify(
                    NoticeKind::Error,
                    "storage",
                    "The current notebook could not be kept aside (storage full?), so nothing was restored.".to_string(),
                    None,
                    None,
                );
                return;
            }
        }
        store.remove_key(key);
        self.notices.update(|ns| ns.retain(|n| n.restore.as_deref() != Some(key)));
        self.opened_link.set_value(None);
        self.load_saved(kept);
        let text = match aside {
            Some(_) => "Your previous workspace is back. The notebook it replaced was kept under the key below.",
            None => "Your previous workspace is back.",
        };
        self.notify(NoticeKind::Info, "restored", text.to_string(), aside, None);
    }

    /// Saves the workspace whenever it changes (not while a link is
    /// being opened: what is saved may still have to be kept aside).
    fn autosave(&self) {
        let nb = *self;
        let warned = StoredValue::new(false);
        Effect::new(move |_| {
            if nb.opening.get() {
                return;
            }
            let snapshot = nb.snapshot_tracked();
            let result = nb.store.with_value(|s| s.as_ref().map(|s| s.save(&snapshot)));
            if let Some(Err(e)) = result {
                if !warned.get_value() {
                    warned.set_value(true);
                    nb.notify(NoticeKind::Error, "storage", format!("Your workspace is not being saved: {e}."), None, None);
                }
            }
        });
    }

    /// For embed mode: the notebook of the `#nb=` fragment (or an empty
    /// one), never saved.
    pub fn open_embedded(&self) {
        let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
        let nb = *self;
        if let (None, Some(url)) = (share::fragment_payload(&hash), livemd_param()) {
            nb.open_livemd_url(url);
            return;
        }
        let Some(payload) = share::fragment_payload(&hash).map(str::to_string) else {
            nb.load_blank();
            return;
        };
        nb.opening.set(true);
        spawn_local(async move {
            match share::decode(&payload).await {
                Ok(shared) => nb.load_saved(shared),
                Err(e) => {
                    nb.notify(NoticeKind::Error, "share-error", format!("This notebook could not be opened: {e}."), None, None);
                    nb.load_blank();
                }
            }
            nb.opening.set(false);
        });
    }
}

/// Livebook files in and out: a file chosen or dropped, `?livemd=URL`,
/// and the download. The engine's worker reads and writes the format
/// (`Request::ImportLivemd`, `ExportLivemd`); the page only moves text.
impl Nb {
    /// Reads a Livebook file into the notebook (once the engine is up).
    pub fn import_livemd_text(&self, text: String, origin: String) {
        let Some(backend) = self.backend_handle() else {
            self.pending_livemd.set_value(Some((text, origin)));
            self.opening.set(true);
            return;
        };
        let nb = *self;
        nb.opening.set(true);
        spawn_local(async move {
            match backend.import_livemd(text).await {
                Ok(mut notebook) => {
                    if let Some(lesson) = notebook.lesson.as_mut() {
                        lesson.origin = origin;
                    }
                    // Learners go on where they were: the same lesson, saved here, opens as saved.
                    let same = match nb.store.with_value(|s| s.as_ref().and_then(Store::raw)) {
                        Some(raw) => SavedNotebook::from_json(&raw).ok().filter(|saved| {
                            saved.livemd == notebook.livemd
                                && saved.lesson.as_ref().map(|l| &l.origin) == notebook.lesson.as_ref().map(|l| &l.origin)
                        }),
                        None => None,
                    };
                    match same {
                        Some(saved) if notebook.lesson.is_some() => nb.load_saved(saved),
                        _ => nb.open_replacing(
                            notebook,
                            "livemd",
                            "You opened a Livebook file. Your previous workspace was kept in this browser (key below): restore it at any time.",
                            "You opened a Livebook file; it is now your workspace in this browser.",
                        ),
                    }
                }
                Err(e) => {
                    nb.notify(NoticeKind::Error, "livemd", format!("The Livebook file could not be opened: {e}."), None, None);
                    if nb.cells.with_untracked(Vec::is_empty) {
                        nb.open_local();
                    }
                }
            }
            nb.opening.set(false);
        });
    }

    /// Reads the `.livemd` file chosen in `input`.
    pub fn import_livemd_file(&self, input: web_sys::HtmlInputElement) {
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        self.import_livemd_blob(file);
    }

    /// Reads a `.livemd` file (chosen or dropped).
    pub fn import_livemd_blob(&self, file: web_sys::File) {
        let nb = *self;
        let name = file.name();
        spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string()) {
                Some(text) => nb.import_livemd_text(text, format!("file:{name}")),
                None => nb.notify(NoticeKind::Error, "livemd", format!("{name} could not be read as text."), None, None),
            }
        });
    }

    /// Fetches a Livebook file (same origin, or a server that allows it) and opens it.
    pub fn open_livemd_url(&self, url: String) {
        let nb = *self;
        nb.opening.set(true);
        spawn_local(async move {
            match fetch_text(&url, "the network or the server refused it (a server elsewhere must allow it with CORS)").await {
                Ok(text) => nb.import_livemd_text(text, url),
                Err(e) => {
                    nb.opening.set(false);
                    nb.notify(NoticeKind::Error, "livemd", format!("The Livebook file at {url} could not be fetched: {e}."), None, None);
                    if nb.store.with_value(Option::is_some) {
                        nb.open_local();
                    } else {
                        nb.load_blank();
                    }
                }
            }
        });
    }

    /// Offers the notebook as a `.livemd` file.
    pub fn export_livemd(&self) {
        let Some(backend) = self.backend_handle() else { return };
        let notebook = self.snapshot();
        let name = file_name(&notebook.title);
        let nb = *self;
        spawn_local(async move {
            match backend.export_livemd(notebook).await {
                Ok(text) => {
                    if let Err(e) = download_text(&text, &format!("{name}.livemd"), "text/markdown") {
                        gloo::console::error!(e);
                    }
                }
                Err(e) => nb.notify(
                    NoticeKind::Error,
                    "livemd",
                    format!("The notebook could not be written as a Livebook file: {e}."),
                    None,
                    None,
                ),
            }
        });
    }
}

/// `?livemd=URL` in the page's address (decoded).
fn livemd_param() -> Option<String> {
    let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let raw = crate::embed::param(&query, "livemd")?;
    let decoded = js_sys::decode_uri_component(&raw.replace('+', " ")).ok()?.as_string()?;
    (!decoded.is_empty()).then_some(decoded)
}

/// The text at `url`; `refused` says why when the request fails.
async fn fetch_text(url: &str, refused: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url)).await.map_err(|_| refused.to_string())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not a response".to_string())?;
    if !response.ok() {
        return Err(format!("the server answered {}", response.status()));
    }
    let text = wasm_bindgen_futures::JsFuture::from(response.text().map_err(|_| "no text".to_string())?)
        .await
        .map_err(|_| "the text could not be read".to_string())?;
    text.as_string().ok_or_else(|| "the text could not be read".to_string())
}

/// A file name from a title: letters, digits and dashes.
fn file_name(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "notebook".to_string()
    } else {
        out
    }
}

/// A notebook that holds no work of its own: an example as shipped, or
/// empty cells.
fn is_pristine(nb: &SavedNotebook) -> bool {
    if nb.cells.iter().all(|c| c.source.trim().is_empty()) {
        return true;
    }
    let Some(source) = nb.example.as_deref().and_then(example_source) else { return false };
    let shipped = examples::parse(&source).cells;
    shipped.len() == nb.cells.len() && shipped.iter().zip(&nb.cells).all(|(a, b)| a.title == b.title && a.source == b.source)
}

/// Saves `bytes` as a file through a temporary object URL.
fn download(bytes: &[u8], name: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/vnd.sqlite3");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(|_| "blob")?;
    download_blob(&blob, name)
}

/// Offers `text` as a file named `name` of type `mime`.
pub fn download_text(text: &str, name: &str, mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| "blob")?;
    download_blob(&blob, name)
}

/// Offers `blob` as a file named `name`.
pub fn download_blob(blob: &web_sys::Blob, name: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(|_| "object URL")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(|_| "anchor")?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

const THEME_KEY: &str = "ectoplasm-theme";

/// Whether the page shows the dark theme (the saved choice, else the system's).
pub fn current_theme_is_dark() -> bool {
    let Some(window) = web_sys::window() else { return false };
    let attr = window.document().and_then(|d| d.document_element()).and_then(|e| e.get_attribute("data-theme"));
    match attr.as_deref() {
        Some("dark") => true,
        Some("light") => false,
        _ => window.match_media("(prefers-color-scheme: dark)").ok().flatten().is_some_and(|m| m.matches()),
    }
}

pub fn set_theme(dark: bool) {
    let Some(window) = web_sys::window() else { return };
    let name = if dark { "dark" } else { "light" };
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-theme", name);
    }
    if let Ok(Some(storage)) = window.local_storage() {
        let _ = storage.set_item(THEME_KEY, name);
    }
}
