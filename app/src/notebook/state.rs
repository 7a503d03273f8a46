//! The notebook's state (signals) and the actions components call. Every
//! action goes through the [`Backend`]; nothing here evaluates code.

use std::collections::HashMap;
use std::rc::Rc;

use engine::playground::examples;
use engine::playground::tables::TableInfo;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::backend::{Backend, CellRun, CellSource, Diag, Preview};
use crate::editor::Editor;

/// The example the page opens with.
pub const DEFAULT_EXAMPLE: &str = "blog";

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
    pub title: RwSignal<Option<String>>,
    pub source: RwSignal<String>,
    pub result: RwSignal<Option<CellRun>>,
    pub state: RwSignal<CellState>,
    /// Edited since it last ran.
    pub edited: RwSignal<bool>,
}

impl CellModel {
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
        }
    }

    fn backend(&self) -> Option<Backend> {
        self.backend.with_value(|b| b.clone())
    }

    /// sql.js is loaded: the notebook can run.
    pub fn ready(&self, backend: Backend) {
        self.backend.set_value(Some(backend));
        self.status.set(Status::Ready);
        if let Some(id) = self.active.get_untracked() {
            self.schedule(id, true);
        }
        self.refresh_tables();
    }

    fn new_cell(&self, title: Option<String>, source: String) -> CellModel {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        CellModel {
            id,
            title: RwSignal::new(title),
            source: RwSignal::new(source),
            result: RwSignal::new(None),
            state: RwSignal::new(CellState::Fresh),
            edited: RwSignal::new(false),
        }
    }

    /// Appends an empty (or given) cell; returns its id.
    pub fn add_cell(&self, source: String) -> u32 {
        let cell = self.new_cell(None, source);
        self.cells.update(|cs| cs.push(cell));
        cell.id
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

    fn editor(&self, id: u32) -> Option<Rc<Editor>> {
        self.editors.with_value(|m| m.get(&id).cloned())
    }

    /// Replaces the notebook with a gallery example and empties the database.
    pub fn load_example(&self, id: &str) {
        let Some(example) = examples::find(id) else { return };
        let notebook = example.notebook();
        let cells: Vec<CellModel> = notebook.cells.into_iter().map(|c| self.new_cell(c.title, c.source)).collect();
        self.title.set(notebook.title);
        self.description.set(notebook.description);
        self.example.set(Some(id.to_string()));
        self.replace_cells(cells);
    }

    /// An empty notebook with one cell.
    pub fn load_blank(&self) {
        let cell = self.new_cell(None, String::new());
        self.title.set("Untitled notebook".to_string());
        self.description.set("Schemas, migrations and queries: everything runs on an in-memory SQLite database.".to_string());
        self.example.set(None);
        self.replace_cells(vec![cell]);
    }

    fn replace_cells(&self, cells: Vec<CellModel>) {
        self.cells.set(cells);
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

    /// A fresh workspace and database; cells keep their text.
    pub fn reset(&self) {
        let Some(backend) = self.backend() else { return };
        let nb = *self;
        nb.status.set(Status::Running);
        spawn_local(async move {
            if let Err(e) = backend.reset().await {
                gloo::console::error!(e);
            }
            nb.cells.with_untracked(|cs| {
                for c in cs {
                    c.state.set(CellState::Fresh);
                    c.result.set(None);
                    c.edited.set(false);
                }
            });
            nb.log.set(Vec::new());
            nb.status.set(Status::Ready);
            nb.refresh_tables();
        });
    }

    /// Runs cell `id` after any earlier cells that have not run yet; with
    /// `advance`, then moves to the next cell (adding one at the end).
    pub fn run_cell(&self, id: u32, advance: bool) {
        let Some(pos) = self.position(id) else { return };
        let batch: Vec<CellModel> = self.cells.with_untracked(|cs| {
            cs.iter()
                .enumerate()
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
        let batch = self.cells.get_untracked();
        self.run_batch(batch, true);
    }

    fn run_batch(&self, batch: Vec<CellModel>, reset_first: bool) {
        let Some(backend) = self.backend() else { return };
        if !self.status.get_untracked().is_ready() || batch.is_empty() {
            return;
        }
        let nb = *self;
        nb.status.set(Status::Running);
        if reset_first {
            // Results stay until their cell's new one replaces them (no flicker).
            nb.log.set(Vec::new());
        }
        for c in &batch {
            c.state.set(CellState::Queued);
        }
        let sources: Vec<CellSource> =
            batch.iter().filter_map(|c| Some(CellSource { index: nb.position(c.id)?, source: c.source.get_untracked() })).collect();
        spawn_local(async move {
            if reset_first {
                if let Err(e) = backend.reset().await {
                    gloo::console::error!(e);
                }
            }
            let results = backend.run(sources).await.unwrap_or_else(|e| {
                gloo::console::error!(e);
                Vec::new()
            });
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
            nb.status.set(Status::Ready);
            nb.run_seq.update(|n| *n += 1);
            nb.refresh_tables();
            if let Some(id) = nb.active.get_untracked() {
                nb.schedule(id, false);
            }
        });
    }

    pub fn refresh_tables(&self) {
        let Some(backend) = self.backend() else { return };
        let tables = self.tables;
        spawn_local(async move {
            match backend.tables().await {
                Ok(t) => tables.set(t),
                Err(e) => gloo::console::error!(e),
            }
        });
    }

    pub fn focus_cell(&self, id: u32) {
        let nb = *self;
        // The cell's editor may be created on this turn: focus after rendering.
        request_animation_frame(move || {
            if let Some(editor) = nb.editor(id) {
                editor.focus();
            }
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
        let Some(backend) = self.backend() else { return };
        let nb = *self;
        spawn_local(async move {
            if let Some(id) = pending.check {
                let src = nb.source_of(id);
                let diags: Vec<Diag> = backend.check(src).await;
                if let Some(editor) = nb.editor(id) {
                    editor.set_diagnostics(&diags);
                }
            }
            if let Some((id, pos)) = pending.preview {
                let src = nb.source_of(id);
                let preview = backend.preview(src, pos).await;
                nb.preview.update(|p| {
                    p.cell = Some(id);
                    p.preview = preview;
                    p.seq += 1;
                });
            }
        });
    }

    fn source_of(&self, id: u32) -> String {
        self.cells.with_untracked(|cs| cs.iter().find(|c| c.id == id).map(|c| c.source.get_untracked()).unwrap_or_default())
    }

    pub fn backend_handle(&self) -> Option<Backend> {
        self.backend()
    }

    /// Offers the database as a download.
    pub fn export_db(&self) {
        let Some(backend) = self.backend() else { return };
        spawn_local(async move {
            match backend.export_db().await {
                Ok(bytes) => {
                    if let Err(e) = download(&bytes, "ectoplasm.sqlite3") {
                        gloo::console::error!(e);
                    }
                }
                Err(e) => gloo::console::error!(e),
            }
        });
    }

    /// Opens the file chosen in `input` as the database.
    pub fn import_db(&self, input: web_sys::HtmlInputElement) {
        let Some(backend) = self.backend() else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        let nb = *self;
        spawn_local(async move {
            let bytes = match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                Ok(buf) => js_sys::Uint8Array::new(&buf).to_vec(),
                Err(_) => return,
            };
            input.set_value("");
            match backend.import_db(bytes).await {
                Ok(()) => nb.refresh_tables(),
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

/// Saves `bytes` as a file through a temporary object URL.
fn download(bytes: &[u8], name: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/vnd.sqlite3");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(|_| "blob")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "object URL")?;
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
