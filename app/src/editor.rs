//! The code editor: CodeMirror 6 (bundled from npm into `editor.js`, the
//! global `EctoplasmEditor`). This is the only module that touches
//! CodeMirror; the rest of the app sees [`Editor`] and plain Rust values.
//!
//! Positions crossing this boundary are UTF-16 offsets, as CodeMirror and
//! [`crate::backend`] count them.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::backend::{CompletionList, Diag};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = EctoplasmEditor, js_name = create)]
    fn cm_create(parent: &web_sys::HtmlElement, options: &Object) -> Result<RawEditor, JsValue>;

    type RawEditor;

    #[wasm_bindgen(method, structural, js_name = getDoc)]
    fn get_doc(this: &RawEditor) -> String;

    #[wasm_bindgen(method, structural, js_name = setDoc)]
    fn set_doc(this: &RawEditor, text: &str);

    #[wasm_bindgen(method, structural)]
    fn cursor(this: &RawEditor) -> u32;

    #[wasm_bindgen(method, structural)]
    fn focus(this: &RawEditor);

    #[wasm_bindgen(method, structural, js_name = setDiagnostics)]
    fn set_diagnostics(this: &RawEditor, list: &Array);

    #[wasm_bindgen(method, structural)]
    fn mark(this: &RawEditor, ranges: &[u32]);

    #[wasm_bindgen(method, structural)]
    fn destroy(this: &RawEditor);
}

/// Completions are computed by the backend, asynchronously.
pub type CompleteFn = Rc<dyn Fn(String, u32) -> Pin<Box<dyn Future<Output = Option<CompletionList>>>>>;

/// What the editor reports.
pub struct Callbacks {
    /// The whole text, after every change.
    pub on_change: Box<dyn Fn(String)>,
    /// The main cursor moved (or the text changed under it).
    pub on_cursor: Box<dyn Fn(u32)>,
    /// Ctrl-Enter / Cmd-Enter.
    pub on_run: Box<dyn Fn()>,
    /// Shift-Enter.
    pub on_run_next: Box<dyn Fn()>,
    pub on_focus: Box<dyn Fn()>,
    /// The mouse is over text position `pos` (UTF-16), or over none (-1).
    pub on_hover: Box<dyn Fn(i32)>,
    pub complete: CompleteFn,
}

/// One CodeMirror editor. Destroyed when dropped.
pub struct Editor {
    raw: RawEditor,
    // The JS side calls these for as long as the editor lives.
    _closures: Vec<JsValue>,
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

impl Editor {
    /// Creates an editor holding `doc` inside `parent`; `label` names it for
    /// assistive technology. Fails when the CodeMirror bundle is missing.
    pub fn new(parent: &web_sys::HtmlElement, doc: &str, label: &str, cb: Callbacks) -> Result<Editor, String> {
        Editor::with_read_only(parent, doc, label, false, cb)
    }

    /// [`Editor::new`]; with `read_only`, the text can be read, selected
    /// and run (Mod-Enter) but not changed.
    pub fn with_read_only(parent: &web_sys::HtmlElement, doc: &str, label: &str, read_only: bool, cb: Callbacks) -> Result<Editor, String> {
        let options = Object::new();
        set(&options, "readOnly", &JsValue::from_bool(read_only));
        set(&options, "doc", &JsValue::from_str(doc));
        set(&options, "label", &JsValue::from_str(label));
        let Callbacks { on_change, on_cursor, on_run, on_run_next, on_focus, on_hover, complete } = cb;
        let mut closures: Vec<JsValue> = Vec::new();
        let mut add = |key: &str, f: JsValue| {
            set(&options, key, &f);
            closures.push(f);
        };
        add("onChange", Closure::<dyn Fn(String)>::new(on_change).into_js_value());
        add("onCursor", Closure::<dyn Fn(u32)>::new(on_cursor).into_js_value());
        add("onRun", Closure::<dyn Fn()>::new(on_run).into_js_value());
        add("onRunNext", Closure::<dyn Fn()>::new(on_run_next).into_js_value());
        add("onFocus", Closure::<dyn Fn()>::new(on_focus).into_js_value());
        add("onHover", Closure::<dyn Fn(i32)>::new(on_hover).into_js_value());
        let complete = Closure::<dyn Fn(String, u32) -> Promise>::new(move |src: String, pos: u32| {
            let fut = complete(src, pos);
            wasm_bindgen_futures::future_to_promise(async move { Ok(fut.await.map(completions_js).unwrap_or(JsValue::NULL)) })
        });
        add("complete", complete.into_js_value());
        let raw = cm_create(parent, &options).map_err(|e| {
            e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| "the editor failed to start".to_string())
        })?;
        Ok(Editor { raw, _closures: closures })
    }

    pub fn doc(&self) -> String {
        self.raw.get_doc()
    }

    pub fn set_doc(&self, text: &str) {
        self.raw.set_doc(text);
    }

    pub fn cursor(&self) -> u32 {
        self.raw.cursor()
    }

    pub fn focus(&self) {
        self.raw.focus();
    }

    /// Marks the given ranges of the text (UTF-16 `(from, to)`), replacing
    /// earlier marks; an empty list clears them.
    pub fn mark(&self, ranges: &[(u32, u32)]) {
        let flat: Vec<u32> = ranges.iter().flat_map(|&(a, b)| [a, b]).collect();
        self.raw.mark(&flat);
    }

    /// Underlines each diagnostic's span; hovering shows its message.
    pub fn set_diagnostics(&self, diagnostics: &[Diag]) {
        let list = Array::new();
        for d in diagnostics {
            let o = Object::new();
            set(&o, "fromLine", &d.from.0.into());
            set(&o, "fromCol", &d.from.1.into());
            set(&o, "toLine", &d.to.0.into());
            set(&o, "toCol", &d.to.1.into());
            set(&o, "severity", &JsValue::from_str(&d.severity));
            let message = match &d.hint {
                Some(h) => format!("{}: {}\n{h}", d.kind, d.message),
                None => format!("{}: {}", d.kind, d.message),
            };
            set(&o, "message", &JsValue::from_str(&message));
            list.push(&o);
        }
        self.raw.set_diagnostics(&list);
    }
}

impl Drop for Editor {
    fn drop(&mut self) {
        self.raw.destroy();
    }
}

fn completions_js(c: CompletionList) -> JsValue {
    let o = Object::new();
    set(&o, "from", &c.from.into());
    set(&o, "to", &c.to.into());
    let items = Array::new();
    for i in c.items {
        let item = Object::new();
        set(&item, "label", &JsValue::from_str(&i.label));
        set(&item, "kind", &JsValue::from_str(&i.kind));
        set(&item, "detail", &JsValue::from_str(&i.detail));
        items.push(&item);
    }
    set(&o, "items", &items);
    o.into()
}

/// Whether the CodeMirror bundle is on the page.
pub fn available() -> bool {
    Reflect::get(&js_sys::global(), &JsValue::from_str("EctoplasmEditor"))
        .map(|v| v.is_object() && Reflect::get(&v, &JsValue::from_str("create")).is_ok_and(|f| f.is_instance_of::<Function>()))
        .unwrap_or(false)
}
