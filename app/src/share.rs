//! Share links: the whole notebook in a URL fragment,
//! `#nb=` + base64url (no padding) of the deflate-raw compressed JSON of a
//! [`SavedNotebook`]. Compression is the browser's own
//! (`CompressionStream` / `DecompressionStream`), so it adds nothing to the
//! wasm. `public/embed.js` writes the same encoding.
//!
//! Decoding never trusts the fragment: bad base64, bad deflate data, a
//! decompressed size over [`MAX_NOTEBOOK_BYTES`], bad UTF-8 or JSON all come
//! back as an `Err` with a sentence for the user.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::persist::SavedNotebook;

/// The fragment's key: `#nb=...`.
pub const FRAGMENT_KEY: &str = "nb=";

/// The largest notebook a link may expand to (bytes of JSON).
pub const MAX_NOTEBOOK_BYTES: usize = 4 * 1024 * 1024;

#[wasm_bindgen]
extern "C" {
    /// `CompressionStream` / `DecompressionStream` (web-sys marks them
    /// unstable; their shape is a `{readable, writable}` pair).
    #[wasm_bindgen(js_name = CompressionStream)]
    type JsCompressionStream;
    #[wasm_bindgen(constructor, catch, js_class = "CompressionStream")]
    fn new(format: &str) -> Result<JsCompressionStream, JsValue>;

    #[wasm_bindgen(js_name = DecompressionStream)]
    type JsDecompressionStream;
    #[wasm_bindgen(constructor, catch, js_class = "DecompressionStream")]
    fn new(format: &str) -> Result<JsDecompressionStream, JsValue>;

    /// `navigator.clipboard.writeText` (unstable in web-sys). Throws when
    /// there is no clipboard (an insecure context, say).
    #[wasm_bindgen(catch, js_namespace = ["navigator", "clipboard"], js_name = writeText)]
    fn clipboard_write_text(text: &str) -> Result<Promise, JsValue>;
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// base64url, padding optional; standard base64's `+` and `/` are accepted
/// too (links pasted through tools that rewrite them).
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for (i, c) in text.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return Err(format!("it contains a character that is not base64url ({:?} at position {i})", char::from(c))),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return Err("it is cut short (its length is not possible in base64url)".to_string());
    }
    Ok(out)
}

/// The payload of a `#nb=` fragment (`hash` as `location.hash` gives it,
/// with or without the `#`); None for any other fragment.
pub fn fragment_payload(hash: &str) -> Option<&str> {
    hash.strip_prefix('#').unwrap_or(hash).strip_prefix(FRAGMENT_KEY)
}

fn js_error(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_else(|| "unknown error".to_string())
}

/// Pipes `bytes` through a (de)compression stream and collects the output,
/// giving up past `limit` bytes.
async fn transform(bytes: &[u8], pair: JsValue, limit: usize) -> Result<Vec<u8>, String> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(|e| js_error(&e))?;
    let pair: web_sys::ReadableWritablePair = pair.unchecked_into();
    let stream = blob.stream().pipe_through(&pair);
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut out = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| js_error(&e))?;
        let chunk: web_sys::ReadableStreamReadResult = chunk.unchecked_into();
        if chunk.get_done().unwrap_or(true) {
            return Ok(out);
        }
        let value = chunk.get_value();
        let Some(data) = value.dyn_ref::<Uint8Array>() else { return Err("the stream gave something other than bytes".to_string()) };
        if out.len() + data.length() as usize > limit {
            let _ = reader.cancel();
            return Err(format!("it expands to more than {} MB", limit / (1024 * 1024)));
        }
        out.extend_from_slice(&data.to_vec());
    }
}

/// deflate-raw, by the browser.
pub async fn deflate(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let stream = JsCompressionStream::new("deflate-raw").map_err(|e| format!("this browser cannot compress ({})", js_error(&e)))?;
    transform(bytes, stream.into(), usize::MAX).await
}

/// Inverse of [`deflate`], at most `limit` bytes of output.
pub async fn inflate(bytes: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let stream = JsDecompressionStream::new("deflate-raw").map_err(|e| format!("this browser cannot decompress ({})", js_error(&e)))?;
    transform(bytes, stream.into(), limit).await
}

/// The fragment payload (after `#nb=`) for a notebook.
pub async fn encode(nb: &SavedNotebook) -> Result<String, String> {
    Ok(base64url_encode(&deflate(nb.to_json().as_bytes()).await?))
}

/// Reads a fragment payload back; the error completes "The shared notebook
/// could not be opened: ...".
pub async fn decode(payload: &str) -> Result<SavedNotebook, String> {
    if payload.is_empty() {
        return Err("the link holds no notebook (nothing after #nb=)".to_string());
    }
    let compressed = base64url_decode(payload)?;
    let json = inflate(&compressed, MAX_NOTEBOOK_BYTES).await.map_err(|e| format!("its data is damaged ({e})"))?;
    let text = String::from_utf8(json).map_err(|_| "its data is not UTF-8 text".to_string())?;
    SavedNotebook::from_json(&text)
}

/// The page's own address without query or fragment (where the
/// playground lives).
pub fn playground_base() -> String {
    let Some(window) = web_sys::window() else { return String::new() };
    let location = window.location();
    format!("{}{}", location.origin().unwrap_or_default(), location.pathname().unwrap_or_default())
}

/// A link that opens `nb` in the playground.
pub async fn link(nb: &SavedNotebook) -> Result<String, String> {
    Ok(format!("{}#{FRAGMENT_KEY}{}", playground_base(), encode(nb).await?))
}

/// Copies `text` to the clipboard; Err when the browser does not allow it.
pub async fn copy_to_clipboard(text: &str) -> Result<(), String> {
    let promise = clipboard_write_text(text).map_err(|e| js_error(&e))?;
    JsFuture::from(promise).await.map(|_| ()).map_err(|e| js_error(&e))
}

/// Removes the fragment from the address bar (no navigation, no history
/// entry): a reload then opens the saved workspace.
pub fn clear_fragment() {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let url = format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}
