//! The tools worker: SQL DDL import and other rarely used work with large
//! code, started by the page only when needed (see `ectoplasm_app::tools`).
//! Trunk builds it with the crate's `tools` feature, as a worker beside the
//! engine's; it links neither the evaluator nor sql.js.

fn main() {
    console_error_panic_hook::set_once();
    ectoplasm_app::tools::start();
}
