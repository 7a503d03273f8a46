//! The engine's worker gets a larger wasm stack (the default is 1 MiB), so
//! that the evaluator's own depth limit ends deep recursion in user code with
//! an error before the stack runs out. The page's binary keeps the default.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-bin=ectoplasm-worker=-zstack-size={}", 16 << 20);
    }
}
