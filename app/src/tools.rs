//! The tools worker: work the page needs rarely and whose code is large,
//! kept out of the playground's first load: SQL DDL import (the engine's
//! `erd::import`, with `sqlparser`), the designer's code, the model's
//! exports and From SQL's proposals (`from_sql::propose_with`).
//!
//! It is its own binary (`src/bin/tools.rs`, `ectoplasm-tools`), built by
//! Trunk with this crate's `tools` feature (which turns on the engine's
//! `sql-import`); the page and the engine's worker are built without it, so
//! neither links `sqlparser`, and the tools binary links no evaluator. The
//! page starts the worker only when it is first needed ([`Tools::start`],
//! when the import is opened), never at load.
//!
//! - [`ToolRequest`] / [`ToolResponse`]: the protocol. Messages are plain
//!   JavaScript objects (structured clones, no JSON codec in the page):
//!   `{id, type: "import_sql", sql, namespace, version}` (or `design`,
//!   `export`, `from_sql` with `sql`, `catalog`, `options`) in,
//!   `{id, imported: {tables, schemas: [[title, code]…], migration: [title,
//!   code], warnings: [[line, message]…]}}`, `{id, text}` or `{id, error}` out. The
//!   worker's first message is [`wire::ready`](crate::backend::wire::ready),
//!   as the engine's is.
//! - [`Tools`]: the page's client, with typed helpers ([`Tools::import_sql`]).
//! - [`handle`], [`answer`] and [`start`] (feature `tools`): the worker's side.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::backend::wire;

/// The worker's loader script (Trunk's `data-loader-shim` for the
/// `ectoplasm-tools` binary, next to index.html).
pub const TOOLS_URL: &str = "ectoplasm-tools_loader.js";

/// What the page asks of the tools worker.
#[derive(Clone, Debug, PartialEq)]
pub enum ToolRequest {
    /// SQL DDL into Ecto schemas (modules under `namespace`) and one
    /// migration with `version`.
    ImportSql { sql: String, namespace: String, version: i64 },
    /// The code a designer operation writes: `model` is the engine's
    /// `ErModel` as JSON, `op` a `DesignOp` as JSON; the answer is a
    /// `Change` as JSON.
    Design { model: String, op: String, version: i64 },
    /// The model (JSON) as `mermaid`, `dbml` or `dot` text.
    Export { model: String, format: String },
    /// "How do I write this SQL in Ecto?": `sql` with the schemas of
    /// `catalog` (an `engine::from_sql::Catalog` as JSON, from the engine's
    /// worker) and `options` (`engine::from_sql::Options` as JSON); the
    /// answer is the `Proposal`s as JSON, each with `cell`, the notebook
    /// cell that runs it (`Proposal::cell`).
    FromSql { sql: String, catalog: String, options: String },
}

/// What the tools worker answers.
#[derive(Clone, Debug, PartialEq)]
pub enum ToolResponse {
    Imported(ImportedCode),
    /// A text answer (a `Change` as JSON, an exported model).
    Text(String),
    Error(String),
}

/// One cell to add: a schema module or the migration.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeCell {
    /// The cell's title (`Schema MyApp.User`, `Migration MyApp.Migrations.CreateTables`).
    pub title: String,
    pub code: String,
}

/// A statement that was not imported (or a column read with a guess).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportWarning {
    /// 1-based line in the input (0: not tied to a line).
    pub line: usize,
    pub message: String,
}

/// What an import writes: one cell per schema module, then the migration
/// creating every table, and what was left out.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedCode {
    /// The tables the migration creates (a bare join table has no schema).
    pub tables: Vec<String>,
    pub schemas: Vec<CodeCell>,
    pub migration: CodeCell,
    pub warnings: Vec<ImportWarning>,
}

impl ImportedCode {
    /// Every cell, schemas first, as (title, source).
    pub fn cells(&self) -> Vec<(String, String)> {
        self.schemas.iter().chain([&self.migration]).map(|c| (c.title.clone(), c.code.clone())).collect()
    }
}

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn set(o: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(o, &key.into(), value);
}

fn string(o: &JsValue, key: &str) -> Result<String, String> {
    get(o, key).as_string().ok_or_else(|| format!("no {key} in the message"))
}

fn array(v: &JsValue) -> Result<Array, String> {
    v.clone().dyn_into::<Array>().map_err(|_| "a list was expected".to_string())
}

fn pair(a: &JsValue, b: &JsValue) -> Array {
    Array::of2(a, b)
}

impl CodeCell {
    fn to_js(&self) -> JsValue {
        pair(&self.title.as_str().into(), &self.code.as_str().into()).into()
    }

    fn from_js(v: &JsValue) -> Result<CodeCell, String> {
        let a = array(v)?;
        match (a.get(0).as_string(), a.get(1).as_string()) {
            (Some(title), Some(code)) => Ok(CodeCell { title, code }),
            _ => Err("a cell without its title or code".to_string()),
        }
    }
}

impl ToolRequest {
    /// The message for this request, numbered `id`.
    pub fn to_js(&self, id: u32) -> JsValue {
        let o = Object::new();
        set(&o, "id", &id.into());
        match self {
            ToolRequest::ImportSql { sql, namespace, version } => {
                set(&o, "type", &"import_sql".into());
                set(&o, "sql", &sql.as_str().into());
                set(&o, "namespace", &namespace.as_str().into());
                // Fourteen digits (YYYYMMDDhhmmss) are exact in an f64.
                set(&o, "version", &(*version as f64).into());
            }
            ToolRequest::Design { model, op, version } => {
                set(&o, "type", &"design".into());
                set(&o, "model", &model.as_str().into());
                set(&o, "op", &op.as_str().into());
                set(&o, "version", &(*version as f64).into());
            }
            ToolRequest::Export { model, format } => {
                set(&o, "type", &"export".into());
                set(&o, "model", &model.as_str().into());
                set(&o, "format", &format.as_str().into());
            }
            ToolRequest::FromSql { sql, catalog, options } => {
                set(&o, "type", &"from_sql".into());
                set(&o, "sql", &sql.as_str().into());
                set(&o, "catalog", &catalog.as_str().into());
                set(&o, "options", &options.as_str().into());
            }
        }
        o.into()
    }

    /// The request in a message, or what is wrong with it.
    pub fn from_js(data: &JsValue) -> Result<ToolRequest, String> {
        match string(data, "type")?.as_str() {
            "import_sql" => Ok(ToolRequest::ImportSql {
                sql: string(data, "sql")?,
                namespace: string(data, "namespace").unwrap_or_default(),
                version: get(data, "version").as_f64().map_or(1, |v| v as i64),
            }),
            "design" => Ok(ToolRequest::Design {
                model: string(data, "model")?,
                op: string(data, "op")?,
                version: get(data, "version").as_f64().map_or(1, |v| v as i64),
            }),
            "export" => Ok(ToolRequest::Export { model: string(data, "model")?, format: string(data, "format")? }),
            "from_sql" => Ok(ToolRequest::FromSql {
                sql: string(data, "sql")?,
                catalog: string(data, "catalog")?,
                options: string(data, "options").unwrap_or_else(|_| "{}".to_string()),
            }),
            other => Err(format!("the tools do not know {other:?}")),
        }
    }
}

impl ToolResponse {
    /// The reply message to request `id`.
    pub fn to_js(&self, id: u32) -> JsValue {
        let o = Object::new();
        set(&o, "id", &id.into());
        match self {
            ToolResponse::Imported(code) => {
                let i = Object::new();
                set(&i, "tables", &code.tables.iter().map(|t| JsValue::from(t.as_str())).collect::<Array>());
                set(&i, "schemas", &code.schemas.iter().map(CodeCell::to_js).collect::<Array>());
                set(&i, "migration", &code.migration.to_js());
                let warnings: Array =
                    code.warnings.iter().map(|w| JsValue::from(pair(&(w.line as f64).into(), &w.message.as_str().into()))).collect();
                set(&i, "warnings", &warnings);
                set(&o, "imported", &i);
            }
            ToolResponse::Text(text) => set(&o, "text", &text.as_str().into()),
            ToolResponse::Error(message) => set(&o, "error", &message.as_str().into()),
        }
        o.into()
    }

    /// The response in a reply message (a reply that cannot be read is an error).
    pub fn from_js(data: &JsValue) -> ToolResponse {
        if let Some(message) = get(data, "error").as_string() {
            return ToolResponse::Error(message);
        }
        if let Some(text) = get(data, "text").as_string() {
            return ToolResponse::Text(text);
        }
        let read = || -> Result<ImportedCode, String> {
            let i = get(data, "imported");
            if !i.is_object() {
                return Err("an answer without a result".to_string());
            }
            let tables = array(&get(&i, "tables"))?.iter().filter_map(|t| t.as_string()).collect();
            let schemas = array(&get(&i, "schemas"))?.iter().map(|c| CodeCell::from_js(&c)).collect::<Result<_, _>>()?;
            let migration = CodeCell::from_js(&get(&i, "migration"))?;
            let warnings = array(&get(&i, "warnings"))?
                .iter()
                .map(|w| {
                    let w = array(&w)?;
                    Ok(ImportWarning { line: w.get(0).as_f64().unwrap_or(0.0) as usize, message: w.get(1).as_string().unwrap_or_default() })
                })
                .collect::<Result<_, String>>()?;
            Ok(ImportedCode { tables, schemas, migration, warnings })
        };
        match read() {
            Ok(code) => ToolResponse::Imported(code),
            Err(e) => ToolResponse::Error(format!("the tools' answer could not be read: {e}")),
        }
    }
}

/// Answers one request (the worker's side; plain Rust).
#[cfg(feature = "tools")]
pub fn handle(request: ToolRequest) -> ToolResponse {
    match request {
        ToolRequest::ImportSql { sql, namespace, version } => {
            let imported = engine::erd::import::import_sql(&sql, namespace.trim());
            let design = &imported.design;
            ToolResponse::Imported(ImportedCode {
                tables: design.tables.iter().map(|t| t.table.clone()).collect(),
                schemas: design
                    .schemas_code()
                    .into_iter()
                    .map(|s| CodeCell { title: format!("Schema {}", s.module), code: s.code })
                    .collect(),
                migration: CodeCell {
                    title: format!("Migration {}", imported.migration_module),
                    code: design.create_migration(&imported.migration_module, version),
                },
                warnings: imported.warnings.into_iter().map(|w| ImportWarning { line: w.line, message: w.message }).collect(),
            })
        }
        ToolRequest::Design { model, op, version } => {
            use engine::erd::design::{Design, DesignOp};
            let model: engine::erd::ErModel = match serde_json::from_str(&model) {
                Ok(m) => m,
                Err(e) => return ToolResponse::Error(format!("the model could not be read: {e}")),
            };
            let op: DesignOp = match serde_json::from_str(&op) {
                Ok(op) => op,
                Err(e) => return ToolResponse::Error(format!("the designer's operation could not be read: {e}")),
            };
            match Design::from_model(&model).apply(&op, version) {
                Ok(change) => match serde_json::to_string(&change) {
                    Ok(json) => ToolResponse::Text(json),
                    Err(e) => ToolResponse::Error(e.to_string()),
                },
                Err(e) => ToolResponse::Error(e.0),
            }
        }
        ToolRequest::Export { model, format } => {
            use engine::erd::render;
            let model: engine::erd::ErModel = match serde_json::from_str(&model) {
                Ok(m) => m,
                Err(e) => return ToolResponse::Error(format!("the model could not be read: {e}")),
            };
            match render::Format::parse(&format) {
                Some(f) => ToolResponse::Text(render::render(&model, f)),
                None => ToolResponse::Error(format!("unknown format {format:?} (mermaid, dbml, dot or svg)")),
            }
        }
        ToolRequest::FromSql { sql, catalog, options } => {
            use engine::from_sql::{propose_with, Catalog, Options, Proposal};
            /// A proposal and the notebook cell that runs it.
            #[derive(serde::Serialize)]
            struct WithCell {
                #[serde(flatten)]
                proposal: Proposal,
                cell: Option<String>,
            }
            let catalog: Catalog = match serde_json::from_str(&catalog) {
                Ok(c) => c,
                Err(e) => return ToolResponse::Error(format!("the schemas could not be read: {e}")),
            };
            let options: Options = match serde_json::from_str(&options) {
                Ok(o) => o,
                Err(e) => return ToolResponse::Error(format!("the options could not be read: {e}")),
            };
            let proposals: Vec<WithCell> =
                propose_with(&sql, &catalog, &options).into_iter().map(|p| WithCell { cell: p.cell(), proposal: p }).collect();
            match serde_json::to_string(&proposals) {
                Ok(json) => ToolResponse::Text(json),
                Err(e) => ToolResponse::Error(e.to_string()),
            }
        }
    }
}

/// Answers one message, as the reply message.
#[cfg(feature = "tools")]
pub fn answer(data: &JsValue) -> JsValue {
    let id = wire::id(data).unwrap_or(0);
    let response = match ToolRequest::from_js(data) {
        Ok(request) => handle(request),
        Err(message) => ToolResponse::Error(message),
    };
    response.to_js(id)
}

#[cfg(feature = "tools")]
#[wasm_bindgen]
extern "C" {
    /// The worker's global scope (`self`).
    type ToolsScope;

    #[wasm_bindgen(method, js_name = postMessage)]
    fn post_message(this: &ToolsScope, message: &JsValue);

    #[wasm_bindgen(method, setter)]
    fn set_onmessage(this: &ToolsScope, f: &Function);
}

/// The worker's entry point: answers each message in turn, after saying
/// it is ready.
#[cfg(feature = "tools")]
pub fn start() {
    let scope: ToolsScope = js_sys::global().unchecked_into();
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let scope: ToolsScope = js_sys::global().unchecked_into();
        scope.post_message(&answer(&event.data()));
    });
    scope.set_onmessage(on_message.as_ref().unchecked_ref());
    on_message.forget();
    scope.post_message(&wire::ready());
}

/// The page's client of the tools worker. Cheap to clone; the worker starts
/// on the first [`Tools::start`] or request, and again after it failed.
#[derive(Clone, Default)]
pub struct Tools {
    inner: Rc<RefCell<Client>>,
}

#[derive(Default)]
struct Client {
    conn: Option<Conn>,
    next_id: u32,
    /// Replies awaited, by request id (resolved with the reply, or a string saying why none).
    pending: HashMap<u32, Function>,
}

struct Conn {
    worker: web_sys::Worker,
    ready: bool,
    queue: Vec<JsValue>,
    _on_message: Closure<dyn Fn(web_sys::MessageEvent)>,
    _on_error: Closure<dyn Fn(web_sys::ErrorEvent)>,
}

impl Client {
    fn on_message(&mut self, data: JsValue) {
        match wire::hello(&data) {
            Some(Ok(())) => {
                if let Some(conn) = self.conn.as_mut() {
                    conn.ready = true;
                    for message in conn.queue.drain(..) {
                        let _ = conn.worker.post_message(&message);
                    }
                }
            }
            Some(Err(message)) => self.failed(message),
            None => {
                let Some(id) = wire::id(&data) else { return };
                if let Some(resolve) = self.pending.remove(&id) {
                    let _ = resolve.call1(&JsValue::NULL, &data);
                }
            }
        }
    }

    /// The worker failed (it could not load, or trapped): every request
    /// waiting is answered with why, and the next one starts a new worker.
    fn failed(&mut self, message: String) {
        if let Some(conn) = self.conn.take() {
            conn.worker.set_onmessage(None);
            conn.worker.set_onerror(None);
            conn.worker.terminate();
        }
        for (_, resolve) in self.pending.drain() {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::from(message.as_str()));
        }
    }
}

impl Tools {
    /// A client; no worker yet.
    pub fn new() -> Tools {
        Tools::default()
    }

    /// The page's one client (one tools worker for the import and the designer).
    pub fn shared() -> Tools {
        thread_local! {
            static SHARED: Tools = Tools::new();
        }
        SHARED.with(Tools::clone)
    }

    /// Starts the worker (if it is not running), so that it loads while the
    /// user is still typing.
    pub fn start(&self) -> Result<(), String> {
        if self.inner.borrow().conn.is_some() {
            return Ok(());
        }
        let worker = web_sys::Worker::new(TOOLS_URL).map_err(|e| format!("the tools did not start: {e:?}"))?;
        let weak: Weak<RefCell<Client>> = Rc::downgrade(&self.inner);
        let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(client) = weak.upgrade() {
                client.borrow_mut().on_message(event.data());
            }
        });
        let weak: Weak<RefCell<Client>> = Rc::downgrade(&self.inner);
        let on_error = Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
            event.prevent_default();
            let message = event.message();
            let message = if message.is_empty() { "the tools failed to load".to_string() } else { format!("the tools failed: {message}") };
            if let Some(client) = weak.upgrade() {
                client.borrow_mut().failed(message);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        self.inner.borrow_mut().conn = Some(Conn { worker, ready: false, queue: Vec::new(), _on_message: on_message, _on_error: on_error });
        Ok(())
    }

    /// Whether the worker has been started (and not failed since).
    pub fn started(&self) -> bool {
        self.inner.borrow().conn.is_some()
    }

    /// Sends one request; the reply message as it came (a plain object),
    /// or why there is none.
    pub async fn send(&self, request: ToolRequest) -> Result<JsValue, String> {
        self.start()?;
        let promise = {
            let mut c = self.inner.borrow_mut();
            c.next_id = c.next_id.wrapping_add(1).max(1);
            let id = c.next_id;
            let mut resolver = None;
            let promise = Promise::new(&mut |resolve, _reject| resolver = Some(resolve));
            if let Some(resolve) = resolver {
                c.pending.insert(id, resolve);
            }
            let message = request.to_js(id);
            if let Some(conn) = c.conn.as_mut() {
                if conn.ready {
                    let _ = conn.worker.post_message(&message);
                } else {
                    conn.queue.push(message);
                }
            }
            promise
        };
        let data = JsFuture::from(promise).await.map_err(|e| format!("{e:?}"))?;
        match data.as_string() {
            Some(why) => Err(why),
            None => Ok(data),
        }
    }

    /// Sends one request and waits for its answer.
    pub async fn call(&self, request: ToolRequest) -> ToolResponse {
        match self.send(request).await {
            Ok(data) => ToolResponse::from_js(&data),
            Err(message) => ToolResponse::Error(message),
        }
    }

    /// A text answer: the code a designer operation writes (a `Change` as
    /// JSON), or the model exported.
    pub async fn text(&self, request: ToolRequest) -> Result<String, String> {
        match self.call(request).await {
            ToolResponse::Text(text) => Ok(text),
            ToolResponse::Error(message) => Err(message),
            ToolResponse::Imported(_) => Err("the tools answered something else".to_string()),
        }
    }

    /// [`Tools::import_sql`]'s answer as the worker sent it, the `imported`
    /// object (for the import control, which reads it in JavaScript).
    pub async fn import_sql_js(&self, sql: String, namespace: String, version: i64) -> Result<JsValue, String> {
        let data = self.send(ToolRequest::ImportSql { sql, namespace, version }).await?;
        if let Some(message) = get(&data, "error").as_string() {
            return Err(message);
        }
        let imported = get(&data, "imported");
        if imported.is_object() {
            Ok(imported)
        } else {
            Err("the tools answered without a result".to_string())
        }
    }

    /// The Ecto code for SQL DDL: schema cells and a migration cell (with
    /// `version`), and what was not imported, by line.
    pub async fn import_sql(&self, sql: String, namespace: String, version: i64) -> Result<ImportedCode, String> {
        match self.call(ToolRequest::ImportSql { sql, namespace, version }).await {
            ToolResponse::Imported(code) => Ok(code),
            ToolResponse::Error(message) => Err(message),
            ToolResponse::Text(_) => Err("the tools answered something else".to_string()),
        }
    }
}
