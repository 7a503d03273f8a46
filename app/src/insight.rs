//! The query plan panel: `app/js/insight.js` (the global
//! `EctoplasmInsight`), bundled into `insight.js` and loaded the first time
//! a plan is shown, so the playground's first load carries none of it.
//! This is the only module that touches it. The analysis crosses as the
//! JSON the engine's worker writes (`worker::insight_json`); the page's own
//! code never links its types.

use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

/// Where the bundle is served from (beside the page, unhashed).
const SCRIPT: &str = "insight.js";

/// Loads `insight.js` (once); resolves when `EctoplasmInsight` is defined.
pub async fn load() -> Result<(), String> {
    crate::diagram::load_script(SCRIPT).await
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = EctoplasmInsight, js_name = createView)]
    fn create_view(host: &web_sys::HtmlElement, callbacks: &Object) -> Result<RawView, JsValue>;

    type RawView;

    #[wasm_bindgen(method, structural, catch)]
    fn render(this: &RawView, insight: Option<String>, extras: &str) -> Result<(), JsValue>;

    #[wasm_bindgen(method, structural)]
    fn hover(this: &RawView, pos: i32);

    #[wasm_bindgen(method, structural)]
    fn destroy(this: &RawView);
}

/// What the panel asks of the page.
pub struct Callbacks {
    /// Mark these UTF-16 `(from, to)` ranges of the analyzed cell (none: clear).
    pub on_mark: Box<dyn Fn(Vec<(u32, u32)>)>,
    /// Add an index: the migration cell, its code, and whether the plan shown was timed.
    pub on_apply: Box<dyn Fn(String, String, bool)>,
    pub on_time: Box<dyn Fn()>,
    pub on_compare: Box<dyn Fn()>,
    /// The number of runs a timing makes was changed.
    pub on_runs: Box<dyn Fn(u32)>,
}

/// The panel in `host` (after [`load`]). Destroyed when dropped.
pub struct InsightView {
    raw: RawView,
    _callbacks: Vec<JsValue>,
}

impl InsightView {
    pub fn new(host: &web_sys::HtmlElement, cb: Callbacks) -> Result<InsightView, String> {
        let Callbacks { on_mark, on_apply, on_time, on_compare, on_runs } = cb;
        let mut options = crate::diagram::JsCallbacks::new();
        options.set(
            "onMark",
            Closure::<dyn Fn(JsValue)>::new(move |ranges: JsValue| {
                let flat: Vec<u32> = Array::from(&ranges).iter().filter_map(|v| v.as_f64()).map(|f| f.max(0.0) as u32).collect();
                on_mark(flat.chunks_exact(2).map(|p| (p[0], p[1])).collect());
            })
            .into_js_value(),
        );
        options.set(
            "onApply",
            Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(move |cell: JsValue, migration: JsValue, timed: JsValue| {
                if let (Some(cell), Some(migration)) = (cell.as_string(), migration.as_string()) {
                    on_apply(cell, migration, timed.is_truthy());
                }
            })
            .into_js_value(),
        );
        options.set("onTime", Closure::<dyn Fn()>::new(on_time).into_js_value());
        options.set("onCompare", Closure::<dyn Fn()>::new(on_compare).into_js_value());
        options.set(
            "onRuns",
            Closure::<dyn Fn(JsValue)>::new(move |k: JsValue| {
                if let Some(k) = k.as_f64().filter(|k| k.is_finite() && *k >= 1.0) {
                    on_runs(k.min(50.0) as u32);
                }
            })
            .into_js_value(),
        );
        let raw = create_view(host, &options.object).map_err(|e| format!("the plan panel could not start: {e:?}"))?;
        Ok(InsightView { raw, _callbacks: options.keep })
    }

    /// Draws the analysis (JSON, or none) and the panel's state (`extras`, JSON).
    pub fn render(&self, insight: Option<String>, extras: &str) -> Result<(), String> {
        self.raw.render(insight, extras).map_err(|e| format!("the plan could not be drawn: {e:?}"))
    }

    /// Marks the nodes tied to the clause at UTF-16 offset `pos` (none: -1).
    pub fn hover(&self, pos: i32) {
        self.raw.hover(pos);
    }
}

impl Drop for InsightView {
    fn drop(&mut self) {
        self.raw.destroy();
    }
}
