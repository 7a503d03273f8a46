//! The tools worker's side (`ectoplasm_app::tools`, feature `tools`) under
//! Node: SQL DDL in, the cells the page adds out, and those cells run by the
//! engine's worker (`Engine`, on real sql.js) into the imported model.
#![cfg(all(target_arch = "wasm32", feature = "tools"))]

use ectoplasm_app::backend::{wire, CellSource, Request, Response};
use ectoplasm_app::tools::{answer, handle, ImportedCode, ToolRequest, ToolResponse};
use ectoplasm_app::worker::Engine;
use engine::erd::drift::DriftKind;
use engine::erd::ErModel;
use wasm_bindgen_test::wasm_bindgen_test;

const SHOP: &str = include_str!("../../engine/src/erd/testdata/shop_pg_dump.sql");

fn import(sql: &str, namespace: &str, version: i64) -> ImportedCode {
    match handle(ToolRequest::ImportSql { sql: sql.to_string(), namespace: namespace.to_string(), version }) {
        ToolResponse::Imported(code) => code,
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
fn a_pg_dump_becomes_one_schema_cell_per_table_and_a_migration_cell() {
    let code = import(SHOP, "Shop", 20260101120000);
    let mut tables = code.tables.clone();
    tables.sort();
    assert_eq!(
        tables,
        [
            "addresses",
            "categories",
            "comments",
            "countries",
            "org_members",
            "organizations",
            "posts",
            "posts_tags",
            "products",
            "profiles",
            "tags",
            "transfers",
            "users"
        ]
    );
    // The bare join table has no schema module of its own.
    assert_eq!(code.schemas.len(), code.tables.len() - 1);
    assert!(!code.schemas.iter().any(|s| s.code.contains("schema \"posts_tags\"")));
    assert_eq!(code.schemas[0].title, "Schema Shop.User");
    assert!(code.schemas[0].code.starts_with("defmodule Shop.User do"), "{}", code.schemas[0].code);
    assert_eq!(code.migration.title, "Migration Shop.Migrations.CreateTables");
    assert!(
        code.migration.code.contains("Ecto.Migrator.up(Repo, 20260101120000, Shop.Migrations.CreateTables)"),
        "{}",
        code.migration.code
    );
    assert_eq!(code.cells().len(), code.schemas.len() + 1);
    assert_eq!(code.cells().last().map(|c| c.0.as_str()), Some("Migration Shop.Migrations.CreateTables"));
    // What was left out, by line: SET, SELECT, OWNER TO, the sequence, the expression index.
    let lines: Vec<usize> = code.warnings.iter().map(|w| w.line).collect();
    for line in [5, 6, 7, 19, 21, 28, 140] {
        assert!(lines.contains(&line), "line {line} not reported: {:?}", code.warnings);
    }
}

#[wasm_bindgen_test]
fn nothing_to_import_is_an_empty_answer_with_its_warnings() {
    let code = import("SELECT 1;\nDROP TABLE x;", "", 1);
    assert!(code.tables.is_empty() && code.schemas.is_empty());
    assert_eq!(code.warnings.iter().map(|w| w.line).collect::<Vec<_>>(), [1, 2]);
    // An empty namespace is the default one.
    assert_eq!(code.migration.title, "Migration MyApp.Migrations.CreateTables");
}

#[wasm_bindgen_test]
fn messages_are_answered_by_id_and_read_back_as_sent() {
    let request = ToolRequest::ImportSql {
        sql: "CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL);\nCREATE VIEW v AS SELECT 1;".to_string(),
        namespace: "N".to_string(),
        version: 20261206120000,
    };
    let message = request.to_js(7);
    assert_eq!(ToolRequest::from_js(&message), Ok(request.clone()));
    let reply = answer(&message);
    assert_eq!(wire::id(&reply), Some(7));
    let expected = handle(request);
    assert_eq!(ToolResponse::from_js(&reply), expected);
    match expected {
        ToolResponse::Imported(code) => {
            assert_eq!(code.tables, ["notes"]);
            assert_eq!(code.warnings.iter().map(|w| w.line).collect::<Vec<_>>(), [2]);
            assert!(
                code.migration.code.contains("Ecto.Migrator.up(Repo, 20261206120000, N.Migrations.CreateTables)"),
                "{}",
                code.migration.code
            );
        }
        other => panic!("{other:?}"),
    }
    // What cannot be read is answered with an error, under the same id.
    let bad = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&bad, &"id".into(), &8.into());
    let _ = js_sys::Reflect::set(&bad, &"type".into(), &"nope".into());
    let reply = answer(&bad);
    assert_eq!(wire::id(&reply), Some(8));
    assert!(matches!(ToolResponse::from_js(&reply), ToolResponse::Error(m) if m.contains("nope")));
    let error = ToolResponse::Error("broken".to_string());
    assert_eq!(ToolResponse::from_js(&error.to_js(9)), error);
    assert!(matches!(ToolResponse::from_js(&js_sys::Object::new().into()), ToolResponse::Error(_)));
}

#[wasm_bindgen_test]
async fn the_imported_cells_run_in_the_engine_and_read_back_as_the_imported_tables() {
    let code = import(SHOP, "Shop", 20260101120000);
    let mut engine = Engine::start().await.expect("sql.js loads");
    let cells = code.cells();
    for (index, (title, source)) in cells.iter().enumerate() {
        match engine.handle(Request::RunCell { cell: CellSource { index, source: source.clone() } }) {
            Response::CellRan { run, .. } => assert!(run.ok, "{title}: {run:?}"),
            other => panic!("{title}: {other:?}"),
        }
    }
    let sources: Vec<String> = cells.into_iter().map(|(_, s)| s).collect();
    let model: ErModel = match engine.handle(Request::ErModel { cells: sources, pending: Vec::new() }) {
        Response::ErModel { json } => serde_json::from_str(&json).expect("the model"),
        other => panic!("{other:?}"),
    };
    let mut got: Vec<&str> = model.tables.iter().map(|t| t.name.as_str()).collect();
    got.sort_unstable();
    let mut want: Vec<&str> = code.tables.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(got, want);
    // Schemas and tables agree; what is left is the dump's own: foreign keys without an index.
    assert_eq!(model.drift.len(), 9, "{:?}", model.drift);
    assert!(model.drift.iter().all(|d| d.kind == DriftKind::MissingFkIndex), "{:?}", model.drift);
    let users = model.table("users").expect("users");
    let columns: Vec<&str> = users.fields.iter().filter_map(|f| f.column.as_deref()).collect();
    assert_eq!(columns, ["id", "email", "name", "admin", "settings", "inserted_at", "updated_at"]);
}

#[wasm_bindgen_test]
fn designer_operations_and_exports_are_answered_from_the_model() {
    let model = r#"{"tables":[],"edges":[],"drift":[],"database":false}"#.to_string();
    let op = r#"{"op":"create_table","table":"notes","module":"App.Note","fields":[{"name":"body","ecto_type":":string","null":false}],"primary_key":{"kind":"id"},"timestamps":true}"#;
    let request = ToolRequest::Design { model: model.clone(), op: op.to_string(), version: 20261206120000 };
    let message = request.to_js(3);
    assert_eq!(ToolRequest::from_js(&message), Ok(request));
    let reply = ToolResponse::from_js(&answer(&message));
    let ToolResponse::Text(json) = reply else { panic!("{reply:?}") };
    let change: serde_json::Value = serde_json::from_str(&json).expect("a change");
    let migration = change["migration"].as_str().unwrap_or_default();
    assert!(migration.contains("create table(:notes)") && migration.contains("add :body, :string, null: false"), "{migration}");
    assert!(change["schemas"][0]["code"].as_str().unwrap_or_default().contains("schema \"notes\" do"));
    // An operation that cannot apply says why.
    let bad = ToolRequest::Design { model: model.clone(), op: r#"{"op":"remove_field","table":"nope","name":"x"}"#.into(), version: 1 };
    assert!(matches!(handle(bad), ToolResponse::Error(_)));
    let mermaid = handle(ToolRequest::Export { model, format: "mermaid".into() });
    assert_eq!(mermaid, ToolResponse::Text("erDiagram\n".into()));
    assert!(matches!(handle(ToolRequest::Export { model: "{}".into(), format: "mermaid".into() }), ToolResponse::Error(_)));
}

/// From SQL across both workers' sides, as the page sends it: the engine
/// describes the schemas, the tools propose, the engine proves.
fn from_sql(engine: &mut Engine, sql: &str, options: &str, pending: &[String]) -> (serde_json::Value, serde_json::Value) {
    let catalog = match engine.handle(Request::SqlCatalog { pending: pending.to_vec() }) {
        Response::Json { json } => json,
        other => panic!("{other:?}"),
    };
    let request = ToolRequest::FromSql { sql: sql.to_string(), catalog, options: options.to_string() };
    let message = request.to_js(3);
    assert_eq!(ToolRequest::from_js(&message), Ok(request));
    let proposals = match ToolResponse::from_js(&answer(&message)) {
        ToolResponse::Text(json) => json,
        other => panic!("{other:?}"),
    };
    let proofs = match engine.handle(Request::ProveFromSql { proposals: proposals.clone(), pending: pending.to_vec() }) {
        Response::Json { json } => json,
        other => panic!("{other:?}"),
    };
    (serde_json::from_str(&proposals).expect("proposals"), serde_json::from_str(&proofs).expect("proofs"))
}

#[wasm_bindgen_test]
async fn from_sql_proposes_with_the_notebooks_schemas_and_proves_on_its_database() {
    let notebook = engine::playground::examples::parse(include_str!("../../examples/blog.exs"));
    let sources: Vec<String> = notebook.cells.iter().map(|c| c.source.clone()).collect();
    let sql = "SELECT a.name, count(c.id) AS comments FROM authors a JOIN posts p ON p.author_id = a.id \
               JOIN comments c ON c.post_id = p.id WHERE c.body <> 'What about joins?' GROUP BY a.name ORDER BY a.name;\n\
               DELETE FROM comments WHERE body = 'x';\nSELECT FROM WHERE (";

    // Nothing has run: the schemas of the cells not run count, the database has no tables.
    let mut engine = Engine::start().await.expect("sql.js loads");
    let (proposals, proofs) = from_sql(&mut engine, sql, r#"{"pipe": false}"#, &sources);
    assert_eq!(proposals.as_array().map(Vec::len), Some(3));
    let code = proposals[0]["code"].as_str().expect("code");
    assert!(code.contains("join: p in assoc(a, :posts)") && code.contains("join: c in assoc(p, :comments)"), "{code}");
    assert!(proposals[0]["cell"].as_str().is_some_and(|c| c.ends_with("Repo.all(query)")), "{}", proposals[0]);
    assert!(proofs[0]["sqlite"]["sql"].as_str().is_some_and(|s| s.contains("INNER JOIN \"posts\"")), "{}", proofs[0]);
    assert_eq!(proofs[0]["outcome"], "not_compared");
    assert!(proofs[0]["summary"].as_str().is_some_and(|s| s.contains("no tables yet")), "{}", proofs[0]);
    assert_eq!(proposals[1]["kind"], "delete_all");
    assert_eq!(proofs[1]["outcome"], "not_compared");
    assert_eq!(proposals[2]["error"]["kind"], "parse");
    assert!(proposals[2]["error"]["line"].as_u64() == Some(3), "{}", proposals[2]);

    // Once the notebook ran: both queries on its data, equal in order.
    for (index, source) in sources.iter().enumerate() {
        match engine.handle(Request::RunCell { cell: CellSource { index, source: source.clone() } }) {
            Response::CellRan { run, .. } => assert!(run.ok, "{run:?}"),
            other => panic!("{other:?}"),
        }
    }
    let (proposals, proofs) = from_sql(&mut engine, sql, r#"{"pipe": true, "pin_literals": true}"#, &[]);
    assert!(proposals[0]["code"].as_str().is_some_and(|c| c.starts_with("Blog.Author\n|> join(")), "{}", proposals[0]);
    assert_eq!(proofs[0]["outcome"], "equal", "{}", proofs[0]);
    assert_eq!(proofs[0]["ordered"], true);
    assert_eq!(proofs[0]["summary"], "equal on 2 rows");
    // The proof changed nothing: the comments are all there.
    let (_, proofs) = from_sql(&mut engine, "SELECT count(*) FROM comments", "{}", &[]);
    assert_eq!(proofs[0]["summary"], "equal on 1 row");

    // What cannot be read is said, not panicked on.
    assert!(matches!(engine.handle(Request::ProveFromSql { proposals: "nope".into(), pending: vec![] }), Response::Error { .. }));
    let bad = ToolRequest::FromSql { sql: "SELECT 1".into(), catalog: "{".into(), options: "{}".into() };
    assert!(matches!(handle(bad), ToolResponse::Error(m) if m.contains("schemas")));
}
