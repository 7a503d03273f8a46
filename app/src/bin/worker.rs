//! The engine's Web Worker: the playground's workspace and sql.js, answering
//! the page's requests (see `ectoplasm_app::worker`). Trunk builds it with
//! `data-type="worker"` next to the page's own binary.

fn main() {
    console_error_panic_hook::set_once();
    // The allocator takes memory from the host a few pages at a time, and
    // each growth of a wasm memory is a call into the browser. Taking a
    // block at once (freed at once, and kept by the allocator for reuse)
    // spares a cell that builds thousands of values hundreds of those.
    drop(std::hint::black_box(Vec::<u8>::with_capacity(PREALLOCATED)));
    ectoplasm_app::worker::start();
}

/// The memory the worker's allocator starts with.
const PREALLOCATED: usize = 64 << 20;
