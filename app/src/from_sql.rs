//! The From SQL control ("How do I write this SQL in Ecto?"):
//! `app/js/from-sql.js` (the global `EctoplasmFromSql`), bundled into
//! `from-sql.js` and loaded only when the control is first opened, so the
//! playground's first load carries none of its UI. This is the only module
//! that touches it. Proposals and proofs cross as JSON text, as the engine
//! writes them: the page's own code never links their types.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// Where the bundle is served from (beside the page, unhashed).
const SCRIPT: &str = "from-sql.js";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = EctoplasmFromSql, js_name = createFromSql)]
    fn create_from_sql(host: &web_sys::HtmlElement, callbacks: &Object) -> Result<RawFromSql, JsValue>;

    type RawFromSql;

    #[wasm_bindgen(method, structural, js_name = setReady)]
    fn set_ready(this: &RawFromSql, ready: bool);

    #[wasm_bindgen(method, structural)]
    fn destroy(this: &RawFromSql);
}

/// Loads `from-sql.js` (once).
pub async fn load() -> Result<(), String> {
    crate::diagram::load_script(SCRIPT).await
}

/// An answer the control awaits: JSON text, or why there is none.
pub type JsonFuture = Pin<Box<dyn Future<Output = Result<String, String>>>>;

/// What the control asks of the page.
pub struct Callbacks {
    /// SQL and the options (JSON `{pipe, pin_literals, dialect}`) →
    /// `[proposals, proofs]` (JSON): each statement's `Proposal` with its
    /// `cell` (the tools worker's), and its proof (`crate::worker`'s
    /// `ProofView`), in the same order.
    pub translate: Rc<dyn Fn(String, String) -> JsonFuture>,
    /// A cell to add at the end of the notebook and run.
    pub add_cell: Box<dyn Fn(String)>,
}

/// The control in `host` (after [`load`]). Removed when dropped.
pub struct FromSqlView {
    raw: RawFromSql,
    _callbacks: Vec<JsValue>,
}

impl FromSqlView {
    pub fn new(host: &web_sys::HtmlElement, cb: Callbacks) -> Result<FromSqlView, String> {
        let Callbacks { translate, add_cell } = cb;
        let mut options = crate::diagram::JsCallbacks::new();
        options.set(
            "translate",
            Closure::<dyn Fn(JsValue, JsValue) -> Promise>::new(move |sql: JsValue, opts: JsValue| {
                let future = translate(sql.as_string().unwrap_or_default(), opts.as_string().unwrap_or_default());
                future_to_promise(async move { future.await.map(JsValue::from).map_err(JsValue::from) })
            })
            .into_js_value(),
        );
        options.set("addCell", crate::diagram::text_callback(add_cell));
        let raw = create_from_sql(host, &options.object).map_err(|e| format!("From SQL could not start: {e:?}"))?;
        Ok(FromSqlView { raw, _callbacks: options.keep })
    }

    /// Whether the engine is ready (translating and adding cells need it).
    pub fn set_ready(&self, ready: bool) {
        self.raw.set_ready(ready);
    }
}

impl Drop for FromSqlView {
    fn drop(&mut self) {
        self.raw.destroy();
    }
}
