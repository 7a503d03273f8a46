//! The playground's one wasm: the page and the engine's Web Worker are the
//! same binary (`ectoplasm.js` + `ectoplasm_bg.wasm`, built by Trunk as a
//! worker with its loader shim). Both need serde, the wire format, the
//! allocator and the standard library's formatting: one file carries them
//! once, and the browser fetches it once for both (the worker, started
//! first by index.html, fetches it; the page's request waits on the cache).
//! In a window it mounts the UI; in a worker it is the engine
//! (`ectoplasm_app::worker`).

fn main() {
    console_error_panic_hook::set_once();
    if web_sys::window().is_some() {
        ectoplasm_app::mount_page();
        return;
    }
    // The allocator takes memory from the host a few pages at a time, and
    // each growth of a wasm memory is a call into the browser. Taking a
    // block at once (freed at once, and kept by the allocator for reuse)
    // spares a cell that builds thousands of values hundreds of those.
    drop(std::hint::black_box(Vec::<u8>::with_capacity(PREALLOCATED)));
    ectoplasm_app::worker::start();
}

/// The memory the worker's allocator starts with.
const PREALLOCATED: usize = 64 << 20;
