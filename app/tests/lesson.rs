//! Markdown cells, Livebook files and exercise checks as the engine's
//! worker answers them (`Engine::handle`), under Node against the real
//! sql.js (`make test-wasm`).
#![cfg(target_arch = "wasm32")]

use ectoplasm_app::backend::{CellSource, ExerciseOutcome, Request, Response};
use ectoplasm_app::persist::{CellKind, SavedNotebook, Solutions};
use ectoplasm_app::worker::Engine;
use wasm_bindgen_test::wasm_bindgen_test;

const LESSON: &str = include_str!("../../tests/e2e/fixtures/joins.livemd");
const LOCKED: &str = include_str!("../../tests/e2e/fixtures/locked.livemd");
const ROUND_TRIP: &str = include_str!("../../tests/e2e/fixtures/roundtrip.livemd");

fn import(engine: &mut Engine, text: &str) -> SavedNotebook {
    match engine.handle(Request::ImportLivemd { text: text.to_string() }) {
        Response::Notebook { notebook } => notebook,
        other => panic!("{other:?}"),
    }
}

fn export(engine: &mut Engine, notebook: SavedNotebook) -> String {
    match engine.handle(Request::ExportLivemd { notebook }) {
        Response::Text { text } => text,
        other => panic!("{other:?}"),
    }
}

fn check(engine: &mut Engine, notebook: &SavedNotebook, exercise: &str) -> ExerciseOutcome {
    match engine.handle(Request::CheckExercise { notebook: notebook.clone(), exercise: exercise.to_string() }) {
        Response::Checked { outcome } => outcome,
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
fn markdown_is_rendered_safely_in_the_worker() {
    let mut engine = Engine::without_database();
    let sources = vec!["# Hi *there*".to_string(), "<script>x()</script> [a](javascript:x())".to_string()];
    match engine.handle(Request::Markdown { sources }) {
        Response::Html { html } => {
            assert_eq!(html[0], "<h1>Hi <em>there</em></h1>\n");
            assert!(!html[1].contains("<script") && !html[1].contains("href"), "{}", html[1]);
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
fn a_livemd_file_round_trips_byte_for_byte_and_edits_stay_local() {
    let mut engine = Engine::without_database();
    let notebook = import(&mut engine, ROUND_TRIP);
    assert_eq!(notebook.title, "Ecto by hand");
    assert!(notebook.lesson.is_none());
    assert!(notebook.cells.iter().any(|c| c.kind == CellKind::Markdown));
    let smart = notebook.cells.iter().find(|c| c.role.as_ref().is_some_and(|r| r.inert)).expect("the smart cell is kept");
    assert!(smart.role.as_ref().and_then(|r| r.note.as_ref()).is_some());
    assert_eq!(export(&mut engine, notebook.clone()), ROUND_TRIP);

    // Through the saved format (as after a reload) and with one edit.
    let mut saved = SavedNotebook::from_json(&notebook.to_json()).expect("reads back");
    let cell = saved.cells.iter_mut().find(|c| c.source == "x = 40 + 2").expect("the cell");
    cell.source = "x = 40 + 3".to_string();
    assert_eq!(export(&mut engine, saved), ROUND_TRIP.replace("x = 40 + 2", "x = 40 + 3"));
}

#[wasm_bindgen_test]
fn a_plain_notebook_becomes_a_livebook_file() {
    let mut engine = Engine::without_database();
    let notebook = SavedNotebook::from_json(
        r##"{"v":1,"title":"Mine","cells":[{"source":"Some text.","kind":"markdown"},{"title":"Setup","source":"x = 1"}]}"##,
    )
    .expect("a notebook");
    let text = export(&mut engine, notebook);
    assert!(text.starts_with("# Mine\n"), "{text}");
    assert!(text.contains("Some text."), "{text}");
    assert!(text.contains("## Setup"), "{text}");
    assert!(text.contains("```elixir\nx = 1\n```"), "{text}");
    // And it reads back with the same cells.
    let back = import(&mut engine, &text);
    assert!(back.cells.iter().any(|c| c.source == "x = 1" && c.kind == CellKind::Code));
}

#[wasm_bindgen_test]
async fn exercises_are_checked_on_a_scratch_database() {
    let mut engine = Engine::start().await.expect("sql.js loads");
    let mut notebook = import(&mut engine, LESSON);
    let lesson = notebook.lesson.clone().expect("lesson mode");
    assert_eq!(lesson.solutions, Solutions::Hidden);
    let starter = notebook.cells.iter().position(|c| c.role.as_ref().is_some_and(|r| r.is("starter"))).expect("a starter");
    assert_eq!(notebook.cells[starter].role.as_ref().and_then(|r| r.original.as_deref()), Some(notebook.cells[starter].source.as_str()));

    // The notebook's own database holds a table the check must not see or change.
    match engine.handle(Request::RunCell { cell: CellSource { index: 0, source: "Repo.query!(\"CREATE TABLE mine (x)\")".into() } }) {
        Response::CellRan { run, .. } => assert!(run.ok, "{run:?}"),
        other => panic!("{other:?}"),
    }

    let failed = check(&mut engine, &notebook, "double");
    assert!(!failed.passed);
    assert_eq!((failed.tests, failed.failures), (1, 1));
    assert!(failed.report.contains("left:  21"), "{}", failed.report);
    assert!(failed.report.contains("right: 42"), "{}", failed.report);

    notebook.cells[starter].source = "defmodule Shop.Math do\n  def double(n), do: n * 2\nend".to_string();
    let passed = check(&mut engine, &notebook, "double");
    assert!(passed.passed, "{}", passed.report);
    assert_eq!((passed.tests, passed.failures), (1, 0));

    match engine.handle(Request::ListTables) {
        Response::Tables { tables } => assert_eq!(tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["mine"]),
        other => panic!("{other:?}"),
    }
    match engine.handle(Request::CheckExercise { notebook, exercise: "nope".into() }) {
        Response::Error { message } => assert!(message.contains("nope"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
fn locked_solutions_are_read_from_the_markup() {
    let mut engine = Engine::without_database();
    let notebook = import(&mut engine, LOCKED);
    assert_eq!(notebook.lesson.map(|l| l.solutions), Some(Solutions::Locked));
}
