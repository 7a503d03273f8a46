//! The engine's side of the backend (the worker's `Engine`: workspace +
//! sql.js behind Request/Response) under Node, against the real sql.js
//! (`make test-wasm`), and the message envelopes it speaks.
#![cfg(target_arch = "wasm32")]

use ectoplasm_app::backend::{wire, CellRun, CellSource, CompletionList, Diag, GenProgress, Preview, Replay, Request, Response};
use ectoplasm_app::worker::Engine;
use engine::playground::examples;
use engine::playground::tables::TableInfo;
use wasm_bindgen_test::wasm_bindgen_test;

/// The typed helpers of `Backend`, over an engine in this thread.
struct B(Engine);

impl B {
    async fn call(&mut self, request: Request) -> Response {
        self.0.handle(request)
    }
    async fn run(&mut self, cells: Vec<CellSource>) -> Result<Vec<CellRun>, String> {
        match self.0.handle(Request::Run { cells }) {
            Response::Ran { cells } => Ok(cells),
            other => Err(format!("{other:?}")),
        }
    }
    async fn preview(&mut self, src: String, cursor: u32) -> Option<Preview> {
        match self.0.handle(Request::Preview { src, cursor, earlier: Vec::new() }) {
            Response::Preview { preview } => preview,
            _ => None,
        }
    }
    async fn check(&mut self, src: String) -> Vec<Diag> {
        match self.0.handle(Request::Check { src }) {
            Response::Diagnostics { diagnostics } => diagnostics,
            _ => Vec::new(),
        }
    }
    async fn complete(&mut self, src: String, cursor: u32) -> Option<CompletionList> {
        match self.0.handle(Request::Complete { src, cursor }) {
            Response::Completions { completions } => completions,
            _ => None,
        }
    }
    async fn reset(&mut self) -> Result<(), String> {
        done(self.0.handle(Request::Reset))
    }
    async fn export_db(&mut self) -> Result<Vec<u8>, String> {
        match self.0.handle(Request::ExportDb) {
            Response::Db { bytes } => Ok(bytes),
            other => Err(format!("{other:?}")),
        }
    }
    async fn import_db(&mut self, bytes: Vec<u8>) -> Result<(), String> {
        done(self.0.handle(Request::ImportDb { bytes }))
    }
    async fn tables(&mut self) -> Result<Vec<TableInfo>, String> {
        match self.0.handle(Request::ListTables) {
            Response::Tables { tables } => Ok(tables),
            other => Err(format!("{other:?}")),
        }
    }
    /// Runs one cell as the page does: the outcome and the database after it.
    fn run_cell(&mut self, source: &str) -> (CellRun, Vec<u8>) {
        match self.0.handle(Request::RunCell { cell: CellSource { index: 0, source: source.to_string() } }) {
            Response::CellRan { run, db } => (run, db),
            other => panic!("{other:?}"),
        }
    }
}

fn done(r: Response) -> Result<(), String> {
    match r {
        Response::Done => Ok(()),
        other => Err(format!("{other:?}")),
    }
}

async fn backend() -> B {
    B(Engine::start().await.expect("sql.js loads"))
}

fn cells(srcs: &[&str]) -> Vec<CellSource> {
    srcs.iter().enumerate().map(|(index, s)| CellSource { index, source: s.to_string() }).collect()
}

const SCHEMA: &str =
    "defmodule Post do\n  use Ecto.Schema\n  schema \"posts\" do\n    field :title, :string\n    field :views, :integer\n  end\nend\n\
Repo.query!(\"CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, views INTEGER)\")\n:ok";

#[wasm_bindgen_test]
async fn cells_run_in_order_and_report_statements_timing_and_tables() {
    let mut b = backend().await;
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
    let mut b = backend().await;
    let runs = b.run(cells(&["x = 1", "y = 2\nz = x + :a", "x"])).await.expect("ran");
    assert_eq!(runs.len(), 2);
    assert!(!runs[1].ok);
    let d = &runs[1].diagnostics[0];
    assert_eq!((d.kind.as_str(), d.from, d.to), ("ArithmeticError", (1, 4), (1, 10)));
}

#[wasm_bindgen_test]
async fn preview_check_and_complete_speak_utf16() {
    let mut b = backend().await;
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
    let mut b = backend().await;
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
        let mut b = backend().await;
        let nb = example.notebook();
        let srcs: Vec<&str> = nb.cells.iter().map(|c| c.source.as_str()).collect();
        let runs = b.run(cells(&srcs)).await.expect("ran");
        assert_eq!(runs.len(), srcs.len(), "{}: stopped at {:?}", example.id, runs.last().map(|r| &r.diagnostics));
    }
}

#[wasm_bindgen_test]
async fn requests_and_responses_cross_a_message_boundary() {
    let mut b = backend().await;
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

const AUTHORS: &str = "Repo.query!(\"CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT)\")\n\
Repo.query!(\"CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id))\")\n\
defmodule Shelf do\n  def label(n), do: \"shelf \" <> Integer.to_string(n)\nend\n\
shelf = Shelf.label(3)";

#[wasm_bindgen_test]
async fn a_new_engine_restores_bindings_modules_and_the_snapshot() {
    // The page's side: cells run one at a time, each reply carrying the database after it.
    let mut first = backend().await;
    let (run, _) = first.run_cell(AUTHORS);
    assert!(run.ok, "{run:?}");
    let (run, snapshot) = first.run_cell("Repo.query!(\"INSERT INTO authors (name) VALUES ('kept')\")\nkept = 1");
    assert!(run.ok, "{run:?}");
    // Exporting reconnects; the connection's pragmas are set again.
    let (run, _) = first.run_cell("Repo.query!(\"INSERT INTO books (author_id) VALUES (99)\")");
    assert!(!run.ok, "foreign keys are still enforced after an export");
    // A cell that would have been stopped: its writes must not come back.
    let (run, _) = first.run_cell("Repo.query!(\"INSERT INTO authors (name) VALUES ('dropped')\")\nlost = 2");
    assert!(run.ok);

    let steps = vec![
        Replay::Cell { source: AUTHORS.to_string() },
        Replay::Cell { source: "Repo.query!(\"INSERT INTO authors (name) VALUES ('kept')\")\nkept = 1".to_string() },
        Replay::Cell { source: "Repo.query!(\"INSERT INTO books (author_id) VALUES (99)\")".to_string() },
    ];
    let mut second = backend().await;
    assert_eq!(second.call(Request::Restore { steps, db: Some(snapshot) }).await, Response::Done);
    let runs = second
        .run(cells(&["{shelf, kept, Shelf.label(4), Repo.query!(\"SELECT name FROM authors ORDER BY id\").rows}"]))
        .await
        .expect("ran");
    assert_eq!(runs[0].inspect.as_deref(), Some("{\"shelf 3\", 1, \"shelf 4\", [[\"kept\"]]}"), "{:?}", runs[0].diagnostics);
    let runs = second.run(cells(&["lost"])).await.expect("ran");
    assert!(!runs[0].ok, "a binding of the stopped cell is not restored");
    let (run, _) = second.run_cell("Repo.query!(\"INSERT INTO books (author_id) VALUES (99)\")");
    assert!(!run.ok, "foreign keys are enforced after a restore");
    let tables = second.tables().await.expect("tables");
    let authors = tables.iter().find(|t| t.name == "authors").expect("authors");
    assert_eq!(authors.row_count, 1, "only the row written before the stopped cell");
}

/// Floats that a fast, inexact parser gets wrong or that print oddly cross
/// the envelope bit for bit.
#[wasm_bindgen_test]
fn envelopes_carry_floats_bit_identical() {
    let awkward = [
        0.1 + 0.2,
        1e-7,
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::MIN_POSITIVE / 3.0,
        5e-324,
        -0.0,
        0.0,
        0.09437000000002627,
        0.09437000000002628,
        123_456_789.123_456_78,
        -1.7976931348623157e308,
        f64::from_bits(0x000f_ffff_ffff_ffff),
    ];
    for x in awkward {
        let run = CellRun {
            index: 0,
            ok: true,
            inspect: Some(format!("{x:?}")),
            table: None,
            output: String::new(),
            diagnostics: Vec::new(),
            statements: Vec::new(),
            query_count: 0,
            repeated: None,
            elapsed_ms: x,
            stopped: None,
        };
        let (message, _) = wire::encode_response(1, Response::CellRan { run, db: Vec::new() });
        match wire::decode_response(&message) {
            Ok((1, Response::CellRan { run, .. })) => {
                assert_eq!(run.elapsed_ms.to_bits(), x.to_bits(), "{x:?} came back as {:?}", run.elapsed_ms)
            }
            other => panic!("{x:?}: {other:?}"),
        }
    }
}

#[wasm_bindgen_test]
async fn envelopes_carry_databases_beside_the_json() {
    let request = Request::Restore {
        steps: vec![Replay::Cell { source: "x = 1".into() }, Replay::Db { bytes: vec![1, 2, 3] }],
        db: Some(vec![4, 5]),
    };
    let (message, transfer) = wire::encode_request(7, request.clone());
    assert_eq!(transfer.length(), 2, "both databases travel as transferred buffers");
    let json = js_sys::Reflect::get(&message, &"json".into()).expect("json").as_string().expect("a string");
    assert!(!json.contains("[1,2,3]"), "{json}");
    assert_eq!(wire::decode_request(&message), Ok((7, request)));

    let mut b = backend().await;
    let response = b.call(Request::RunCell { cell: CellSource { index: 2, source: "[%{a: \"<b>\"}]".into() } }).await;
    let (message, _) = wire::encode_response(9, response.clone());
    let (id, back) = wire::decode_response(&message).expect("decodes");
    assert_eq!((id, &back), (9, &response));
    match back {
        Response::CellRan { run, db } => {
            assert_eq!(run.index, 2);
            assert_eq!(run.stopped, None);
            assert!(db.is_empty() || db.starts_with(b"SQLite format 3\0"));
        }
        other => panic!("{other:?}"),
    }
}

/// The blog example's schemas, migration and seed data, run.
async fn blog() -> B {
    let mut b = backend().await;
    let notebook = examples::find("blog").expect("the blog example").notebook();
    let cells: Vec<CellSource> =
        notebook.cells.into_iter().take(3).enumerate().map(|(index, c)| CellSource { index, source: c.source }).collect();
    let runs = b.run(cells).await.expect("runs");
    assert!(runs.iter().all(|r| r.ok), "{runs:?}");
    b
}

fn generate(b: &mut B, table: &str, rows: u32) -> Vec<GenProgress> {
    let mut seen = vec![];
    let mut r = b.0.handle(Request::Generate { table: table.into(), cells: vec![], rows, seed: 5, skew: "heavy".into() });
    loop {
        match r {
            Response::Progress { progress } => {
                seen.push(progress);
                if progress.done {
                    break;
                }
            }
            other => panic!("{other:?}"),
        }
        r = b.0.handle(Request::GenerateStep);
    }
    match b.0.handle(Request::GenerateEnd) {
        Response::Db { bytes } => assert!(bytes.starts_with(b"SQLite format 3\0")),
        other => panic!("{other:?}"),
    }
    seen
}

#[wasm_bindgen_test]
async fn rows_are_generated_in_steps_then_the_plan_and_its_advice() {
    let mut b = blog().await;
    let steps = generate(&mut b, "posts", 25_000);
    let inserted: Vec<usize> = steps.iter().map(|p| p.inserted).collect();
    assert_eq!(inserted, [0, 10_000, 20_000, 25_000], "one answer per batch");
    let src = "from p in Post, join: a in assoc(p, :author), where: p.title == \"x\", select: a.name";
    let json = match b.0.handle(Request::Insight { src: src.into(), cursor: 5, earlier: vec![], cells: vec![], runs: 3 }) {
        Response::Insight { json: Some(json) } => json,
        other => panic!("{other:?}"),
    };
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let details: Vec<&str> = v["nodes"].as_array().expect("nodes").iter().filter_map(|n| n["detail"].as_str()).collect();
    assert!(details.contains(&"SCAN p0"), "{details:?}");
    let scan = v["nodes"].as_array().and_then(|ns| ns.iter().find(|n| n["detail"] == "SCAN p0")).expect("scan");
    // the `from` clause, as UTF-16 offsets of the cell
    assert_eq!(scan["spans"][0], serde_json::json!([5, 14]));
    assert_eq!(v["advice"][0]["migration"], "create index(:posts, [:title])");
    assert!(v["advice"][0]["cell"].as_str().expect("cell").contains("Ecto.Migrator.up(Repo, 2, Blog.Migrations.CreatePostsTitleIndex)"));
    assert_eq!(v["timing"]["runs"], 3);
    // not a query; a missing table
    assert_eq!(
        b.0.handle(Request::Insight { src: "1 + 1".into(), cursor: 1, earlier: vec![], cells: vec![], runs: 0 }),
        Response::Insight { json: None }
    );
    match b.0.handle(Request::Insight {
        src: "from x in \"nope\", select: x.id".into(),
        cursor: 1,
        earlier: vec![],
        cells: vec![],
        runs: 0,
    }) {
        Response::Insight { json: Some(json) } => assert!(json.contains("no such table"), "{json}"),
        other => panic!("{other:?}"),
    }
    // a step with no generation under way is an error, not a panic
    assert!(matches!(b.0.handle(Request::GenerateStep), Response::Error { .. }));
    assert!(matches!(
        b.0.handle(Request::Generate { table: "nope".into(), cells: vec![], rows: 10, seed: 0, skew: "uniform".into() }),
        Response::Error { .. }
    ));
}

#[wasm_bindgen_test]
async fn preload_strategies_and_the_n_plus_one_line() {
    let mut b = blog().await;
    generate(&mut b, "comments", 300);
    let src = "from p in Post, preload: [:comments]";
    let json = match b.0.handle(Request::Strategies { src: src.into(), cursor: 3, earlier: vec![], runs: 2 }) {
        Response::Strategies { json } => json,
        other => panic!("{other:?}"),
    };
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let queries: Vec<(String, u64)> = v
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["strategy"].as_str().unwrap_or_default().to_string(), r["queries"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(queries, [("separate".to_string(), 2), ("join".to_string(), 1), ("preload_query".to_string(), 2)]);
    let (run, _) = b.run_cell("for p <- Repo.all(Post) do\n  Repo.preload(p, :comments)\nend");
    let r = run.repeated.expect("an N+1");
    assert_eq!(r.count, 3);
    assert!(r.message.contains("sent from line 2") && r.message.contains("Repo.preload(posts, :comments)"), "{}", r.message);
    assert_eq!(r.span, Some((29, 55)), "the call `Repo.preload(p, :comments)`");
}
