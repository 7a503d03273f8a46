//! PostgreSQL in the browser: the one place that talks to PGlite.
//!
//! PGlite (npm `@electric-sql/pglite`, PostgreSQL compiled to wasm) is
//! bundled by esbuild from `app/js/pglite.js` into `pglite.js`, a classic
//! script that defines the global `EctoplasmPglite`; the engine's worker
//! loads it with `importScripts` only when a notebook uses PostgreSQL, so
//! the SQLite playground never downloads it. Its artifacts (`pglite.wasm`,
//! `initdb.wasm`, `pglite.data`) are shipped beside the page.
//!
//! [`Pglite::start`] is asynchronous (it fetches, compiles and runs
//! initdb); after it, [`PgliteTransport`] carries the engine's wire
//! protocol messages through PGlite's synchronous `execProtocolRawSync`,
//! so the engine's [`engine::pg::PgExecutor`] runs on it as on a socket.

use engine::pg::{PgExecutor, Transport};
use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The bundle's file, beside the page.
pub const PGLITE_SCRIPT: &str = "pglite.js";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = EctoplasmPglite, js_name = start)]
    fn start_js(base: &str, image: JsValue, on_progress: &Function) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = EctoplasmPglite, js_name = dump)]
    fn dump_js(pg: &RawPglite) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = EctoplasmPglite, js_name = close)]
    fn close_js(pg: &RawPglite) -> Result<Promise, JsValue>;

    /// A started PGlite instance.
    #[derive(Clone)]
    type RawPglite;

    #[wasm_bindgen(method, catch, js_name = execProtocolRawSync)]
    fn exec_protocol_raw_sync(this: &RawPglite, message: &[u8]) -> Result<Uint8Array, JsValue>;
}

/// Whether `EctoplasmPglite` is defined (the bundle is loaded).
pub fn is_loaded() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"EctoplasmPglite".into()).is_ok_and(|v| v.is_object())
}

/// One running PostgreSQL.
#[derive(Clone)]
pub struct Pglite {
    raw: RawPglite,
}

impl Pglite {
    /// Starts PostgreSQL (the bundle must be loaded: [`is_loaded`]).
    /// `base` is the URL the artifacts are served under, `image` a data
    /// directory from [`Pglite::dump`] to start from; `on_progress` hears
    /// the bytes of the artifacts fetched so far and their total (0 while
    /// a size is unknown), about once per percent, while they download
    /// (not when this worker fetched them before).
    pub async fn start(base: &str, image: Option<&[u8]>, on_progress: impl Fn(f64, f64) + 'static) -> Result<Pglite, String> {
        let progress = Closure::<dyn Fn(f64, f64)>::new(on_progress);
        let image = image.map_or(JsValue::NULL, |b| Uint8Array::from(b).into());
        let promise = start_js(base, image, progress.as_ref().unchecked_ref()).map_err(|e| message(&e, "PGlite is not loaded"))?;
        let raw = JsFuture::from(promise).await.map_err(|e| message(&e, "PostgreSQL did not start"))?;
        drop(progress);
        Ok(Pglite { raw: raw.unchecked_into() })
    }

    /// The engine's executor on this database.
    pub fn executor(&self) -> PgExecutor<PgliteTransport> {
        PgExecutor::new(PgliteTransport { raw: self.raw.clone() })
    }

    /// The whole data directory (an uncompressed tar), for [`Pglite::start`].
    pub async fn dump(&self) -> Result<Vec<u8>, String> {
        let promise = dump_js(&self.raw).map_err(|e| message(&e, "the database could not be saved"))?;
        let bytes = JsFuture::from(promise).await.map_err(|e| message(&e, "the database could not be saved"))?;
        Ok(bytes.unchecked_into::<Uint8Array>().to_vec())
    }

    /// Stops PostgreSQL and frees its memory.
    pub async fn close(&self) {
        if let Ok(promise) = close_js(&self.raw) {
            let _ = JsFuture::from(promise).await;
        }
    }
}

/// PGlite's `execProtocolRawSync` as the engine's [`Transport`]: each call
/// is one batch of frontend messages ending in Sync, answered up to
/// ReadyForQuery.
pub struct PgliteTransport {
    raw: RawPglite,
}

impl Transport for PgliteTransport {
    fn roundtrip(&mut self, messages: &[u8]) -> Result<Vec<u8>, String> {
        self.raw.exec_protocol_raw_sync(messages).map(|a| a.to_vec()).map_err(|e| message(&e, "PostgreSQL failed"))
    }
}

fn message(e: &JsValue, fallback: &str) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        format!("{fallback}: {}", String::from(err.message()))
    } else if let Some(s) = e.as_string() {
        format!("{fallback}: {s}")
    } else {
        fallback.to_string()
    }
}
