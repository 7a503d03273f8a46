//! The PostgreSQL conformance files through the page's PostgreSQL: each of
//! `tests/conformance/repo_pg.exs`, `repo_pg_features.exs` and
//! `repo_telemetry.exs` run by the engine's repo-file runner
//! (`engine::repo_file`, the code behind `ectoplasm repo`) on a fresh PGlite
//! (`ectoplasm_app::pglite`, the worker's wrapper, under Node), through the
//! engine's PostgreSQL executor.
//!
//! A module of `pglite.rs` (one test binary to build and link). Each file
//! must run without top-level errors and give one JSON line per recorded
//! line. `scripts/conformance-pglite.sh` (`make test-pglite`) runs these
//! tests alone with `ECTOPLASM_PGLITE_OUT` set to a directory, where each
//! file's lines are written as `NAME.jsonl` for `compare.py repo_pg` to
//! compare with the recordings from PostgreSQL 15 and for the counts to be
//! checked against `tests/conformance/baseline.txt`.

use ectoplasm_app::pglite::Pglite;
use engine::repo_file::RepoFile;
use engine::syntax::{self, Kind, Node};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen(module = "fs")]
extern "C" {
    #[wasm_bindgen(catch, js_name = writeFileSync)]
    fn write_file_sync(path: &str, data: &str) -> Result<(), JsValue>;
}

/// The directory the lines go to (`ECTOPLASM_PGLITE_OUT`).
fn out_dir() -> Option<String> {
    let process = js_sys::Reflect::get(&js_sys::global(), &"process".into()).ok()?;
    let env = js_sys::Reflect::get(&process, &"env".into()).ok()?;
    js_sys::Reflect::get(&env, &"ECTOPLASM_PGLITE_OUT".into()).ok()?.as_string().filter(|s| !s.is_empty())
}

/// Milliseconds on the host's monotonic clock (`performance.now()`).
fn performance_now() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| {
            let now = js_sys::Reflect::get(&p, &"now".into()).ok()?;
            now.dyn_ref::<js_sys::Function>()?.call0(&p).ok()?.as_f64()
        })
        .unwrap_or_else(js_sys::Date::now)
}

fn items(source: &str) -> Vec<Node> {
    let parsed = syntax::parse(source);
    assert!(parsed.errors.is_empty(), "the corpus file parses: {:?}", parsed.errors);
    match parsed.root.kind {
        Kind::Block(items) => items,
        other => vec![Node::new(other, parsed.root.span)],
    }
}

/// Runs one repo file on a PostgreSQL of its own; its JSON lines.
async fn run_file(name: &str, source: &str) -> String {
    let pg = Pglite::start("", None, |_, _| {}).await.expect("PGlite starts");
    let lines = {
        let mut interp = engine::interp();
        // As the command line: no step limit a corpus run could reach.
        interp.limits.max_steps = 2_000_000_000;
        let mut file = RepoFile::start(interp, Box::new(pg.executor()), source).expect("the corpus Repo is defined");
        file.set_clock(Box::new(|| (performance_now() * 1000.0) as u64));
        file.set_now(Box::new(|| (js_sys::Date::now() * 1000.0) as i64));
        let items = items(source);
        let mut errors = vec![];
        let report = file.run(&items, |e| errors.push(format!("({}) {}", e.kind(), e.message()))).expect("`runs` is a keyword list");
        assert!(errors.is_empty() && !report.failed, "{name}: top-level errors: {errors:?}");
        report.lines
    };
    pg.close().await;
    lines
}

/// Runs `input`, checks it gave one line per recorded line of `expected`,
/// and writes the lines to the output directory (when one is named) as
/// `expected.jsonl`.
async fn conformance(input: &str, source: &str, expected: &str, recorded: &str) {
    let lines = run_file(input, source).await;
    assert_eq!(lines.lines().count(), recorded.lines().count(), "{input}: one line per recorded line\n{lines}");
    for line in lines.lines() {
        let parsed: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{input}: {e}: {line}"));
        assert!(parsed.get("postgres").is_some() || parsed.get("postgres_statements").is_some(), "{input}: {line}");
    }
    if let Some(dir) = out_dir() {
        write_file_sync(&format!("{dir}/{expected}.jsonl"), &lines).unwrap_or_else(|e| panic!("{dir}/{expected}.jsonl: {e:?}"));
    }
}

#[wasm_bindgen_test]
async fn repo_pg() {
    conformance(
        "repo_pg",
        include_str!("../../../tests/conformance/repo_pg.exs"),
        "repo_pg",
        include_str!("../../../tests/conformance/repo_pg.jsonl"),
    )
    .await;
}

#[wasm_bindgen_test]
async fn repo_pg_features() {
    conformance(
        "repo_pg_features",
        include_str!("../../../tests/conformance/repo_pg_features.exs"),
        "repo_pg_features",
        include_str!("../../../tests/conformance/repo_pg_features.jsonl"),
    )
    .await;
}

#[wasm_bindgen_test]
async fn repo_telemetry() {
    conformance(
        "repo_telemetry",
        include_str!("../../../tests/conformance/repo_telemetry.exs"),
        "repo_telemetry_pg",
        include_str!("../../../tests/conformance/repo_telemetry_pg.jsonl"),
    )
    .await;
}
