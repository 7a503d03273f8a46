//! Arbitrary text through the parser and a step-limited evaluator: must
//! never panic and always terminate. Run with `cargo +nightly fuzz run parse_eval`.
#![no_main]

use engine::eval::{Interp, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let parsed = engine::syntax::parse(src);
        let mut interp = engine::interp();
        interp.limits = Limits { max_steps: 50_000, max_depth: 100, max_native_depth: 100, ..Limits::default() };
        let mut env = Interp::env_with_imports(&["Ecto.Query", "Ecto.Changeset", "Ecto.Migration"]);
        let _ = interp.eval(&parsed.root, &mut env);
    }
});
