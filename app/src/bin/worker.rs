//! The engine's Web Worker: the playground's workspace and sql.js, answering
//! the page's requests (see `ectoplasm_app::worker`). Trunk builds it with
//! `data-type="worker"` next to the page's own binary.

fn main() {
    console_error_panic_hook::set_once();
    ectoplasm_app::worker::start();
}
