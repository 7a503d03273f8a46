//! The page's backend (engine + sql.js behind Request/Response) under Node,
//! against the real sql.js (`make test-wasm`).
#![cfg(target_arch = "wasm32")]

use ectoplasm_app::backend::{Backend, CellSource, Request, Response};
use engine::playground::examples;
use wasm_bindgen_test::wasm_bindgen_test;

async fn backend() -> Backend {
    Backend::start().await.expect("sql.js loads")
}

fn cells(srcs: &[&str]) -> Vec<CellSource> {
    srcs.iter().enumerate().map(|(index, s)| CellSource { index, source: s.to_string() }).collect()
}

const SCHEMA: &str =
    "defmodule Post do\n  use Ecto.Schema\n  schema \"posts\" do\n    field :title, :string\n    field :views, :integer\n  end\nend\n\
Repo.query!(\"CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, views INTEGER)\")\n:ok";

#[wasm_bindgen_test]
async fn cells_run_in_order_and_report_statements_timing_and_tables() {
    let b = backend().await;
    let runs = b
        .run(cells(&[
            SCHEMA,
            "Repo.insert!(%Post{title: \"é\", views: 3})\nRepo.insert!(%Post{title: \"b\", views: 1})\nIO.puts(\"inserted\")\nRepo.all(from p in Post, order_by: p.views)",
        ]))
        .await
        .expect("ran");
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.ok), "{runs:?}");
    let r = &runs[1];
    assert_eq!(r.index, 1);
    assert_eq!(r.output, "inserted\n");
    assert_eq!(r.query_count, 3);
    let table = r.table.as_ref().expect("a table for a list of structs");
    assert_eq!(table.columns, vec!["id", "title", "views"]);
    assert_eq!(table.rows[0], vec!["2", "b", "1"]);
    assert_eq!(r.statements[0].sql, "INSERT INTO \"posts\" (\"title\",\"views\") VALUES (?1,?2) RETURNING \"id\"");
    assert_eq!(r.statements[0].params, vec!["\"é\"", "3"]);
    assert_eq!(r.statements[2].pretty, "SELECT p0.\"id\", p0.\"title\", p0.\"views\"\nFROM \"posts\" AS p0\nORDER BY p0.\"views\"");
    let tables = b.tables().await.expect("tables");
    assert_eq!(tables.len(), 1);
    assert_eq!((tables[0].name.as_str(), tables[0].row_count, tables[0].columns.len()), ("posts", 2, 3));
}

#[wasm_bindgen_test]
async fn a_failing_cell_stops_the_run_with_a_located_diagnostic() {
    let b = backend().await;
    let runs = b.run(cells(&["x = 1", "y = 2\nz = x + :a", "x"])).await.expect("ran");
    assert_eq!(runs.len(), 2);
    assert!(!runs[1].ok);
    let d = &runs[1].diagnostics[0];
    assert_eq!((d.kind.as_str(), d.from, d.to), ("ArithmeticError", (1, 4), (1, 10)));
}

#[wasm_bindgen_test]
async fn preview_check_and_complete_speak_utf16() {
    let b = backend().await;
    b.run(cells(&[SCHEMA])).await.expect("ran");
    // "é" is 2 bytes but 1 UTF-16 unit: positions stay in the editor's units.
    let src = "é = 1\nfrom p in Post, where: p.views > 1, select: p.title";
    let p = b.preview(src.to_string(), 10).await.expect("a preview");
    assert_eq!(p.from, 6);
    assert_eq!(p.to as usize, src.encode_utf16().count());
    assert_eq!(p.sqlite.sql.as_deref(), Some("SELECT p0.\"title\" FROM \"posts\" AS p0 WHERE (p0.\"views\" > 1)"));
    assert_eq!(p.postgres.pretty.as_deref(), Some("SELECT p0.\"title\"\nFROM \"posts\" AS p0\nWHERE (p0.\"views\" > 1)"));

    let d = b.check("\"é\" <> )".to_string()).await;
    assert_eq!(d.len(), 1, "one diagnostic, not repeated: {d:?}");
    assert_eq!((d[0].from, d[0].to), ((0, 7), (0, 8)));

    let src = "\"é\"\nfrom p in Post, where: p.vi";
    let c = b.complete(src.to_string(), src.encode_utf16().count() as u32).await.expect("completions");
    assert_eq!((c.from, c.to), (29, 31));
    assert!(c.items.iter().any(|i| i.label == "views" && i.kind == "field"), "{c:?}");
}

#[wasm_bindgen_test]
async fn export_import_and_reset() {
    let b = backend().await;
    b.run(cells(&[SCHEMA, "Repo.insert!(%Post{title: \"kept\"})"])).await.expect("ran");
    let bytes = b.export_db().await.expect("exported");
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    b.reset().await.expect("reset");
    assert!(b.tables().await.expect("tables").is_empty());
    assert!(b.import_db(b"not a database".to_vec()).await.is_err());
    b.import_db(bytes).await.expect("imported");
    let runs = b.run(cells(&["Repo.query!(\"SELECT title FROM posts\").rows"])).await.expect("ran");
    assert_eq!(runs[0].inspect.as_deref(), Some("[[\"kept\"]]"));
}

#[wasm_bindgen_test]
async fn every_gallery_example_runs() {
    for example in examples::EXAMPLES {
        let b = backend().await;
        let nb = example.notebook();
        let srcs: Vec<&str> = nb.cells.iter().map(|c| c.source.as_str()).collect();
        let runs = b.run(cells(&srcs)).await.expect("ran");
        assert_eq!(runs.len(), srcs.len(), "{}: stopped at {:?}", example.id, runs.last().map(|r| &r.diagnostics));
    }
}

#[wasm_bindgen_test]
async fn requests_and_responses_cross_a_message_boundary() {
    let b = backend().await;
    let request = Request::Run { cells: cells(&["[%{a: \"<b>\"}]"]) };
    let json = leptos::serde_json::to_string(&request).expect("serializes");
    let back: Request = leptos::serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, request);
    let response = b.call(back).await;
    let json = leptos::serde_json::to_string(&response).expect("serializes");
    let back: Response = leptos::serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, response);
    match back {
        Response::Ran { cells } => assert_eq!(cells[0].table.as_ref().map(|t| t.rows.clone()), Some(vec![vec!["<b>".to_string()]])),
        other => panic!("{other:?}"),
    }
}
