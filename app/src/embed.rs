//! Embed mode: the notebook inside another page's iframe
//! (`?embed=1`, optionally `&readonly=1`, the notebook in a `#nb=`
//! fragment). This module reads the mode from the address and tells the
//! host page how tall the content is, so the iframe can fit it
//! (`{type: "ectoplasm:height", height}` posted to the parent whenever the
//! content's size changes). `public/embed.js` is the host's side.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The message type the host listens for.
pub const HEIGHT_MESSAGE: &str = "ectoplasm:height";

/// How the page was asked to show itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mode {
    pub embed: bool,
    /// Code shown and runnable, not editable (embed mode only).
    pub readonly: bool,
    /// `theme=light|dark` (embed mode only): the host page's choice,
    /// over the visitor's saved one and the system's.
    pub theme: Option<&'static str>,
    /// `view=diagram` (embed mode only): the ER diagram of the notebook,
    /// run once it loads, instead of its cells.
    pub diagram: bool,
    /// `db=postgres` (embed mode only): the notebook runs on PostgreSQL
    /// (PGlite), whatever its link says.
    pub database: Option<crate::persist::Database>,
}

/// The value of query parameter `name`.
pub fn param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.trim_start_matches('?').split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// Whether a query parameter is on: present with `1`, `true`, `yes` or no value.
pub fn flag(query: &str, name: &str) -> bool {
    query.trim_start_matches('?').split('&').any(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        key == name && matches!(value, "" | "1" | "true" | "yes")
    })
}

impl Mode {
    /// From a query string such as `?embed=1&readonly=1`.
    pub fn from_query(query: &str) -> Mode {
        let embed = flag(query, "embed");
        let theme = match param(query, "theme") {
            Some("light") if embed => Some("light"),
            Some("dark") if embed => Some("dark"),
            _ => None,
        };
        let diagram = embed && param(query, "view") == Some("diagram");
        let database = param(query, "db").filter(|_| embed).and_then(crate::persist::Database::from_name);
        Mode { embed, readonly: embed && flag(query, "readonly"), theme, diagram, database }
    }

    /// From the page's address.
    pub fn current() -> Mode {
        let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        Mode::from_query(&query)
    }
}

/// Marks the document for the embed stylesheet rules (`html.embed`) and
/// applies the host's theme, if it chose one (not saved).
pub fn mark_document(mode: &Mode) {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.class_list().add_1("embed");
        if let Some(theme) = mode.theme {
            let _ = root.set_attribute("data-theme", theme);
        }
    }
}

fn post_height(height: f64) {
    let Some(window) = web_sys::window() else { return };
    let Ok(Some(parent)) = window.parent() else { return };
    // Not framed: the parent is the window itself.
    if parent == window {
        return;
    }
    let message = Object::new();
    let _ = Reflect::set(&message, &JsValue::from_str("type"), &JsValue::from_str(HEIGHT_MESSAGE));
    let _ = Reflect::set(&message, &JsValue::from_str("height"), &JsValue::from_f64(height.ceil()));
    let _ = parent.post_message(&message, "*");
}

/// Reports `root`'s height to the host page now and whenever it changes.
/// The observer lives as long as the page.
pub fn report_height(root: &web_sys::Element) {
    let target = root.clone();
    let last = std::cell::Cell::new(-1.0f64);
    let callback = Closure::<dyn FnMut()>::new(move || {
        let height = target.get_bounding_client_rect().height().ceil();
        if height != last.get() {
            last.set(height);
            post_height(height);
        }
    });
    match web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
        Ok(observer) => {
            observer.observe(root);
            // Both live for the page's lifetime.
            callback.forget();
            std::mem::forget(observer);
        }
        Err(_) => post_height(root.get_bounding_client_rect().height()),
    }
}
