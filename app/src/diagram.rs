//! The ER diagram's drawing: `app/js/diagram.js` (the global
//! `EctoplasmDiagram`, dagre for the layout), bundled into `diagram.js` and
//! loaded only when the Diagram view first opens, so the playground's first
//! load does not carry it. This is the only module that touches it; the
//! rest of the app sees [`Diagram`] and the engine's [`ErModel`].

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use engine::erd::ErModel;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where the bundle is served from (beside the page, unhashed).
const SCRIPT: &str = "diagram.js";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = EctoplasmDiagram, js_name = create)]
    fn d_create(parent: &web_sys::HtmlElement, options: &Object) -> Result<RawDiagram, JsValue>;

    type RawDiagram;

    #[wasm_bindgen(method, structural, catch)]
    fn update(this: &RawDiagram, model: &JsValue, positions: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(method, structural)]
    fn fit(this: &RawDiagram);

    #[wasm_bindgen(method, structural)]
    fn zoom(this: &RawDiagram, factor: f64);

    #[wasm_bindgen(method, structural)]
    fn svg(this: &RawDiagram) -> String;

    #[wasm_bindgen(method, structural)]
    fn png(this: &RawDiagram) -> Promise;

    #[wasm_bindgen(method, structural, getter, js_name = layoutMs)]
    fn layout_ms(this: &RawDiagram) -> f64;

    #[wasm_bindgen(method, structural)]
    fn destroy(this: &RawDiagram);
}

thread_local! {
    /// The bundle's loading, started once and shared by every caller.
    static LOADING: RefCell<Option<Promise>> = const { RefCell::new(None) };
}

/// Loads `diagram.js` (once); resolves when `EctoplasmDiagram` is defined.
pub async fn load() -> Result<(), String> {
    let promise = LOADING.with(|l| {
        l.borrow_mut()
            .get_or_insert_with(|| {
                Promise::new(&mut |resolve, reject| {
                    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
                        let _ = reject.call1(&JsValue::NULL, &"no document".into());
                        return;
                    };
                    let Ok(script) = document.create_element("script") else {
                        let _ = reject.call1(&JsValue::NULL, &"no script element".into());
                        return;
                    };
                    let _ = script.set_attribute("src", SCRIPT);
                    let script: web_sys::HtmlScriptElement = script.unchecked_into();
                    script.set_onload(Some(&resolve));
                    let failed = Closure::once_into_js(move || {
                        let _ = reject.call1(&JsValue::NULL, &format!("{SCRIPT} could not be loaded").into());
                    });
                    script.set_onerror(Some(failed.unchecked_ref()));
                    if let Some(head) = document.head() {
                        let _ = head.append_child(&script);
                    }
                })
            })
            .clone()
    });
    match JsFuture::from(promise).await {
        Ok(_) => Ok(()),
        Err(e) => {
            // A failed load may be retried (the network came back).
            LOADING.with(|l| l.borrow_mut().take());
            Err(e.as_string().unwrap_or_else(|| format!("{SCRIPT} could not be loaded")))
        }
    }
}

/// One drawing in `parent`. Destroyed when dropped.
pub struct Diagram {
    raw: RawDiagram,
    _callbacks: Vec<Closure<dyn Fn(JsValue, JsValue, JsValue)>>,
}

impl Diagram {
    /// Draws into `parent` (after [`load`]). `on_select(table)` when a box is
    /// clicked; `on_move(table, x, y)` when one was dragged.
    pub fn new(
        parent: &web_sys::HtmlElement,
        on_select: Rc<dyn Fn(String)>,
        on_move: Rc<dyn Fn(String, f64, f64)>,
    ) -> Result<Diagram, String> {
        let select = Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(move |t: JsValue, _: JsValue, _: JsValue| {
            if let Some(t) = t.as_string() {
                on_select(t);
            }
        });
        let moved = Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(move |t: JsValue, x: JsValue, y: JsValue| {
            if let (Some(t), Some(x), Some(y)) = (t.as_string(), x.as_f64(), y.as_f64()) {
                on_move(t, x, y);
            }
        });
        let options = Object::new();
        let set = |k: &str, f: &Closure<dyn Fn(JsValue, JsValue, JsValue)>| {
            let f: &Function = f.as_ref().unchecked_ref();
            let _ = Reflect::set(&options, &k.into(), f);
        };
        set("onSelect", &select);
        set("onMove", &moved);
        let raw = d_create(parent, &options).map_err(|e| format!("the diagram could not start: {e:?}"))?;
        Ok(Diagram { raw, _callbacks: vec![select, moved] })
    }

    /// Draws `model`, boxes at `positions` where given, laid out elsewhere.
    pub fn update(&self, model: &ErModel, positions: &BTreeMap<String, [f64; 2]>) -> Result<(), String> {
        let parse = |text: String| js_sys::JSON::parse(&text).map_err(|e| format!("{e:?}"));
        let model = parse(serde_json::to_string(model).map_err(|e| e.to_string())?)?;
        let positions = parse(serde_json::to_string(positions).map_err(|e| e.to_string())?)?;
        self.raw.update(&model, &positions).map_err(|e| format!("the diagram could not be drawn: {e:?}"))
    }

    pub fn fit(&self) {
        self.raw.fit();
    }

    pub fn zoom(&self, factor: f64) {
        self.raw.zoom(factor);
    }

    /// The drawing as a standalone SVG document.
    pub fn svg(&self) -> String {
        self.raw.svg()
    }

    /// The drawing as a PNG image.
    pub async fn png(&self) -> Result<web_sys::Blob, String> {
        let blob = JsFuture::from(self.raw.png()).await.map_err(|e| format!("{e:?}"))?;
        blob.dyn_into::<web_sys::Blob>().map_err(|_| "the image could not be made".to_string())
    }

    /// How long the last layout and drawing took, in ms.
    pub fn layout_ms(&self) -> f64 {
        self.raw.layout_ms()
    }
}

impl Drop for Diagram {
    fn drop(&mut self) {
        self.raw.destroy();
    }
}
