//! The Diagram view's panel and drawing: `app/js/diagram.js` and
//! `app/js/diagram-view.js` (the global `EctoplasmDiagram`, dagre for the
//! layout), bundled into `diagram.js` and loaded only when the Diagram view
//! first opens, so the playground's first load carries none of it. This is
//! the only module that touches it. The ER model, designer operations and
//! their code cross as JSON text, as the engine writes and reads them: the
//! page's own code never links the model's types.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

/// Where the bundle is served from (beside the page, unhashed).
const SCRIPT: &str = "diagram.js";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = EctoplasmDiagram, js_name = createView)]
    fn create_view(host: &web_sys::HtmlElement, callbacks: &Object) -> Result<RawView, JsValue>;

    type RawView;

    #[wasm_bindgen(method, structural, catch, js_name = setModel)]
    fn set_model(this: &RawView, model: &str, positions: &str) -> Result<(), JsValue>;

    #[wasm_bindgen(method, structural, js_name = setReady)]
    fn set_ready(this: &RawView, ready: bool);

    #[wasm_bindgen(method, structural, js_name = setError)]
    fn set_error(this: &RawView, text: Option<String>);

    #[wasm_bindgen(method, structural, getter, js_name = layoutMs)]
    fn layout_ms(this: &RawView) -> f64;

    #[wasm_bindgen(method, structural)]
    fn destroy(this: &RawView);
}

/// The options object a lazily loaded control is created with, and its
/// callbacks, kept alive as long as the view that holds `keep`.
pub(crate) struct JsCallbacks {
    pub object: Object,
    pub keep: Vec<JsValue>,
}

impl JsCallbacks {
    pub fn new() -> JsCallbacks {
        JsCallbacks { object: Object::new(), keep: Vec::new() }
    }

    /// Sets `name` to the callback `f`.
    pub fn set(&mut self, name: &str, f: JsValue) {
        let _ = Reflect::set(&self.object, &name.into(), &f);
        self.keep.push(f);
    }
}

/// A callback taking one string (anything else is ignored).
pub(crate) fn text_callback(f: impl Fn(String) + 'static) -> JsValue {
    Closure::<dyn Fn(JsValue)>::new(move |text: JsValue| {
        if let Some(text) = text.as_string() {
            f(text);
        }
    })
    .into_js_value()
}

/// Loads `diagram.js` (once); resolves when `EctoplasmDiagram` is defined.
pub async fn load() -> Result<(), String> {
    load_script(SCRIPT).await
}

thread_local! {
    /// Each lazily loaded bundle's loading, started once and shared by every caller.
    static LOADING: RefCell<Vec<(&'static str, Promise)>> = const { RefCell::new(Vec::new()) };
}

/// Loads the script at `src` (once; a failed load may be retried, the
/// network having come back); resolves when it has run.
pub async fn load_script(src: &'static str) -> Result<(), String> {
    let promise = LOADING.with(|l| {
        let mut l = l.borrow_mut();
        if let Some((_, p)) = l.iter().find(|(s, _)| *s == src) {
            return p.clone();
        }
        let p = Promise::new(&mut |resolve, reject| {
            let Some(document) = web_sys::window().and_then(|w| w.document()) else {
                let _ = reject.call1(&JsValue::NULL, &"no document".into());
                return;
            };
            let Ok(script) = document.create_element("script") else {
                let _ = reject.call1(&JsValue::NULL, &"no script element".into());
                return;
            };
            let _ = script.set_attribute("src", src);
            let script: web_sys::HtmlScriptElement = script.unchecked_into();
            script.set_onload(Some(&resolve));
            let failed = Closure::once_into_js(move || {
                let _ = reject.call1(&JsValue::NULL, &format!("{src} could not be loaded").into());
            });
            script.set_onerror(Some(failed.unchecked_ref()));
            if let Some(head) = document.head() {
                let _ = head.append_child(&script);
            }
        });
        l.push((src, p.clone()));
        p
    });
    match JsFuture::from(promise).await {
        Ok(_) => Ok(()),
        Err(e) => {
            LOADING.with(|l| l.borrow_mut().retain(|(s, _)| *s != src));
            Err(e.as_string().unwrap_or_else(|| format!("{src} could not be loaded")))
        }
    }
}

/// What the panel asks of the page.
pub struct Callbacks {
    /// A box was clicked: the index of the cell that defines it.
    pub on_select: Box<dyn Fn(usize)>,
    /// A box was dragged to (x, y).
    pub on_move: Box<dyn Fn(String, f64, f64)>,
    /// The dragged positions were forgotten.
    pub on_reset_layout: Box<dyn Fn()>,
    /// A designer operation (JSON) → the code it writes (JSON), or why not.
    pub design: Rc<dyn Fn(String) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>>>>>,
    /// The model as `mermaid`, `dbml` or `dot` text.
    pub export_text: Rc<dyn Fn(String) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>>>>>,
    /// Cells to append and run: JSON `[{title, source}]`.
    pub add_cells: Box<dyn Fn(String)>,
}

/// The panel in `host` (after [`load`]). Destroyed when dropped.
pub struct DiagramView {
    raw: RawView,
    _callbacks: Vec<JsValue>,
}

impl DiagramView {
    pub fn new(host: &web_sys::HtmlElement, cb: Callbacks) -> Result<DiagramView, String> {
        let Callbacks { on_select, on_move, on_reset_layout, design, export_text, add_cells } = cb;
        let mut options = JsCallbacks::new();
        options.set(
            "onSelect",
            Closure::<dyn Fn(JsValue)>::new(move |cell: JsValue| {
                if let Some(cell) = cell.as_f64().filter(|c| *c >= 0.0) {
                    on_select(cell as usize);
                }
            })
            .into_js_value(),
        );
        options.set(
            "onMove",
            Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(move |t: JsValue, x: JsValue, y: JsValue| {
                if let (Some(t), Some(x), Some(y)) = (t.as_string(), x.as_f64(), y.as_f64()) {
                    on_move(t, x, y);
                }
            })
            .into_js_value(),
        );
        options.set("onResetLayout", Closure::<dyn Fn()>::new(on_reset_layout).into_js_value());
        let promised = |f: Rc<dyn Fn(String) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>>>>>| {
            Closure::<dyn Fn(JsValue) -> Promise>::new(move |arg: JsValue| {
                let future = f(arg.as_string().unwrap_or_default());
                future_to_promise(async move { future.await.map(JsValue::from).map_err(JsValue::from) })
            })
            .into_js_value()
        };
        options.set("design", promised(design));
        options.set("exportText", promised(export_text));
        options.set("addCells", text_callback(add_cells));
        options.set(
            "download",
            Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(move |name: JsValue, mime: JsValue, data: JsValue| {
                let name = name.as_string().unwrap_or_else(|| "schema".to_string());
                let result = match data.as_string() {
                    Some(text) => crate::notebook::state::download_text(&text, &name, &mime.as_string().unwrap_or_default()),
                    None => match data.dyn_into::<web_sys::Blob>() {
                        Ok(blob) => crate::notebook::state::download_blob(&blob, &name),
                        Err(_) => Err("nothing to download".to_string()),
                    },
                };
                if let Err(e) = result {
                    gloo::console::error!(e);
                }
            })
            .into_js_value(),
        );
        let raw = create_view(host, &options.object).map_err(|e| format!("the diagram could not start: {e:?}"))?;
        Ok(DiagramView { raw, _callbacks: options.keep })
    }

    /// Draws the model (JSON), boxes at `positions` (JSON `{table: [x, y]}`) where given.
    pub fn set_model(&self, model: &str, positions: &str) -> Result<(), String> {
        self.raw.set_model(model, positions).map_err(|e| format!("the diagram could not be drawn: {e:?}"))
    }

    /// Whether the engine is ready (the buttons that run cells are enabled).
    pub fn set_ready(&self, ready: bool) {
        self.raw.set_ready(ready);
    }

    pub fn set_error(&self, text: Option<String>) {
        self.raw.set_error(text);
    }

    /// How long the last layout and drawing took, in ms.
    pub fn layout_ms(&self) -> f64 {
        self.raw.layout_ms()
    }
}

impl Drop for DiagramView {
    fn drop(&mut self) {
        self.raw.destroy();
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = EctoplasmDiagram, js_name = createImportSql)]
    fn create_import_sql(host: &web_sys::HtmlElement, callbacks: &Object) -> Result<RawImport, JsValue>;

    type RawImport;

    #[wasm_bindgen(method, structural, js_name = setReady)]
    fn set_ready(this: &RawImport, ready: bool);

    #[wasm_bindgen(method, structural)]
    fn destroy(this: &RawImport);
}

/// What the SQL import control (`app/js/import-sql.js`) asks of the page.
pub struct ImportCallbacks {
    /// The control was opened (time to start the tools worker).
    pub open: Box<dyn Fn()>,
    /// SQL DDL and a module namespace → the tools worker's answer (the
    /// object `crate::tools` describes), or why not.
    pub import_sql: Rc<dyn Fn(String, String) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, String>>>>>,
    /// Cells to append and run: JSON `[{title, source}]`.
    pub add_cells: Box<dyn Fn(String)>,
}

/// The SQL import control in `host` (after [`load`]). Removed when dropped.
pub struct ImportView {
    raw: RawImport,
    _callbacks: Vec<JsValue>,
}

impl ImportView {
    pub fn new(host: &web_sys::HtmlElement, cb: ImportCallbacks) -> Result<ImportView, String> {
        let ImportCallbacks { open, import_sql, add_cells } = cb;
        let mut options = JsCallbacks::new();
        options.set("open", Closure::<dyn Fn()>::new(open).into_js_value());
        options.set(
            "importSql",
            Closure::<dyn Fn(JsValue, JsValue) -> Promise>::new(move |sql: JsValue, namespace: JsValue| {
                let future = import_sql(sql.as_string().unwrap_or_default(), namespace.as_string().unwrap_or_default());
                future_to_promise(async move { future.await.map_err(JsValue::from) })
            })
            .into_js_value(),
        );
        options.set("addCells", text_callback(add_cells));
        let raw = create_import_sql(host, &options.object).map_err(|e| format!("the import could not start: {e:?}"))?;
        Ok(ImportView { raw, _callbacks: options.keep })
    }

    /// Whether the engine can run the cells (the add button follows it).
    pub fn set_ready(&self, ready: bool) {
        self.raw.set_ready(ready);
    }
}

impl Drop for ImportView {
    fn drop(&mut self) {
        self.raw.destroy();
    }
}
