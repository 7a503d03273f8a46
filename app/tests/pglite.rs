//! PostgreSQL in the engine's worker: PGlite (the npm package, under Node:
//! `make test-wasm` preloads `node-pglite.cjs`) behind the worker's
//! `Engine`, its cells run through the engine's PostgreSQL executor over
//! PGlite's `execProtocolRawSync`. `conformance` runs the PostgreSQL corpus
//! files there (`make test-pglite` compares their lines).
#![cfg(target_arch = "wasm32")]

#[path = "pglite/conformance.rs"]
mod conformance;

use ectoplasm_app::backend::{CellRun, CellSource, Replay, Request, Response};
use ectoplasm_app::pglite::Pglite;
use ectoplasm_app::worker::Engine;
use engine::executor::Executor;
use wasm_bindgen_test::wasm_bindgen_test;

fn run(engine: &mut Engine, source: &str) -> CellRun {
    match engine.handle(Request::RunCell { cell: CellSource { index: 0, source: source.to_string() } }) {
        Response::CellRan { run, .. } => run,
        other => panic!("{other:?}"),
    }
}

fn ok(engine: &mut Engine, source: &str) -> String {
    let run = run(engine, source);
    assert!(run.ok, "{source}\n{run:?}");
    run.inspect.unwrap_or_default()
}

const SCHEMA: &str = r#"defmodule Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :tags, {:array, :string}
    field :settings, :map
  end
end
Repo.query!("CREATE TABLE posts (id bigserial PRIMARY KEY, title text NOT NULL, tags text[], settings jsonb)")
Repo.query!("CREATE UNIQUE INDEX posts_title_index ON posts (title)")
:ok"#;

#[wasm_bindgen_test]
async fn the_wrapper_speaks_the_wire_protocol() {
    let pg = Pglite::start("", None, |_, _| {}).await.expect("PGlite starts");
    let mut exec = pg.executor();
    assert!(exec.postgres());
    let result = exec
        .execute(
            "SELECT $1::int + 1 AS n, 'x' || $2 AS s",
            &[engine::executor::DbValue::Integer(41), engine::executor::DbValue::Text("y".into())],
        )
        .expect("runs");
    assert_eq!(result.columns, vec!["n", "s"]);
    let rows: Vec<Vec<engine::Value>> = result.rows.iter().map(|r| r.iter().map(engine::pg::from_db).collect()).collect();
    assert_eq!(rows, vec![vec![engine::Value::Int(42), engine::Value::str("xy")]]);
    let err = exec.execute("SELEC 1", &[]).expect_err("a syntax error");
    assert!(err.message.contains("42601"), "{}", err.message);
    // The session goes on after an error.
    assert_eq!(exec.execute("SELECT 1", &[]).expect("runs").rows.len(), 1);
    // A dump starts another PostgreSQL with the same data.
    exec.execute("CREATE TABLE kept (n int)", &[]).expect("create");
    exec.execute("INSERT INTO kept VALUES (7)", &[]).expect("insert");
    let image = pg.dump().await.expect("dumps");
    assert!(image.len() > 1_000_000, "a data directory: {} bytes", image.len());
    let again = Pglite::start("", Some(&image), |_, _| {}).await.expect("starts from the dump");
    let rows = again.executor().execute("SELECT n FROM kept", &[]).expect("reads").rows;
    let rows: Vec<Vec<engine::Value>> = rows.iter().map(|r| r.iter().map(engine::pg::from_db).collect()).collect();
    assert_eq!(rows, vec![vec![engine::Value::Int(7)]]);
    again.close().await;
    pg.close().await;
}

#[wasm_bindgen_test]
async fn cells_run_on_postgres_with_arrays_jsonb_and_constraint_errors() {
    let mut engine = Engine::start_postgres().await.expect("PostgreSQL starts");
    assert!(engine.is_postgres());
    ok(&mut engine, SCHEMA);
    ok(
        &mut engine,
        r#"Repo.insert!(%Post{title: "hello", tags: ["elixir", "ecto"], settings: %{"theme" => "dark"}})
Repo.insert!(%Post{title: "other", tags: ["rust"], settings: %{"theme" => "light"}})"#,
    );
    let tagged = ok(
        &mut engine,
        r#"tag = "ecto"
Repo.all(from p in Post, where: ^tag in p.tags, select: {p.title, p.tags})"#,
    );
    assert_eq!(tagged, r#"[{"hello", ["elixir", "ecto"]}]"#);
    let themed = ok(&mut engine, r#"Repo.all(from p in Post, where: p.settings["theme"] == "light", select: p.settings)"#);
    assert_eq!(themed, r#"[%{"theme" => "light"}]"#);

    // A unique violation becomes the changeset's error through the constraint's name.
    let dup = ok(
        &mut engine,
        r#"%Post{} |> Ecto.Changeset.cast(%{title: "hello"}, [:title]) |> Ecto.Changeset.unique_constraint(:title) |> Repo.insert() |> elem(1) |> Map.get(:errors)"#,
    );
    assert_eq!(dup, r#"[title: {"has already been taken", [constraint: :unique, constraint_name: "posts_title_index"]}]"#);

    // The sidebar's tables.
    match engine.handle(Request::ListTables) {
        Response::Tables { tables } => {
            assert_eq!(tables.len(), 1);
            assert_eq!((tables[0].name.as_str(), tables[0].row_count), ("posts", 2));
            let columns: Vec<(&str, &str, bool)> =
                tables[0].columns.iter().map(|c| (c.name.as_str(), c.ty.as_str(), c.primary_key)).collect();
            assert_eq!(
                columns,
                vec![("id", "bigint", true), ("title", "text", false), ("tags", "text[]", false), ("settings", "jsonb", false)]
            );
        }
        other => panic!("{other:?}"),
    }

    // Reset empties PostgreSQL.
    assert!(matches!(engine.handle(Request::Reset), Response::Done));
    let gone = run(&mut engine, r#"Repo.query!("SELECT count(*) FROM posts")"#);
    assert!(!gone.ok && format!("{gone:?}").contains("42P01"), "{gone:?}");

    // What a restarted worker does after Stop: the history replayed on a
    // fresh PostgreSQL is the database before the stopped cell.
    let mut fresh = Engine::start_postgres().await.expect("PostgreSQL starts again");
    let steps = vec![
        Replay::Cell { source: SCHEMA.to_string() },
        Replay::Cell { source: r#"Repo.insert!(%Post{title: "kept", tags: [], settings: %{}})"#.to_string() },
    ];
    assert!(matches!(fresh.handle(Request::Restore { steps, db: None }), Response::Done));
    assert_eq!(ok(&mut fresh, "Repo.aggregate(Post, :count)"), "1");

    // Back to SQLite, on an empty database.
    assert!(matches!(engine.handle(Request::Database { postgres: false }), Response::Done));
    assert!(!engine.is_postgres());
}

const BLOG: &str = r#"defmodule Blog.Author do
  use Ecto.Schema
  schema "authors" do
    field :name, :string
    timestamps()
  end
end

defmodule Blog.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :tags, {:array, :string}
    field :meta, :map
    field :token, Ecto.UUID
    belongs_to :author, Blog.Author
    timestamps()
  end
end

defmodule Blog.Migrations.Create do
  use Ecto.Migration

  def change do
    create table(:authors) do
      add :name, :string, null: false
      timestamps()
    end

    create table(:posts) do
      add :title, :string
      add :tags, {:array, :string}
      add :meta, :map
      add :token, :uuid
      add :author_id, references(:authors)
      timestamps()
    end

    create index(:posts, [:author_id])
  end
end

Ecto.Migrator.up(Repo, 1, Blog.Migrations.Create)"#;

fn generate(engine: &mut Engine, table: &str, rows: u32) -> usize {
    let request = Request::Generate { table: table.into(), cells: vec![BLOG.into()], rows, seed: 1, skew: "uniform".into() };
    match engine.handle(request) {
        Response::Progress { .. } => {}
        other => panic!("{other:?}"),
    }
    loop {
        match engine.handle(Request::GenerateStep) {
            Response::Progress { progress } if progress.done => return progress.inserted,
            Response::Progress { .. } => {}
            other => panic!("{other:?}"),
        }
    }
}

#[wasm_bindgen_test]
async fn the_tools_read_postgres_plans_catalog_and_data_directories() {
    let mut engine = Engine::start_postgres().await.expect("PostgreSQL starts");
    assert_eq!(ok(&mut engine, BLOG), ":ok");
    assert_eq!(generate(&mut engine, "authors", 20), 20);
    assert_eq!(generate(&mut engine, "posts", 2_000), 2_000);
    let typed = ok(
        &mut engine,
        r#"p = Repo.one(from p in Blog.Post, where: not is_nil(p.tags) and not is_nil(p.meta) and not is_nil(p.token), limit: 1)
{is_list(p.tags), is_map(p.meta), match?({:ok, _}, Ecto.UUID.cast(p.token)), is_integer(p.author_id)}"#,
    );
    assert_eq!(typed, "{true, true, true, true}");

    // PostgreSQL's own plan: a Seq Scan with its filter, and the advice.
    let src = r#"from p in Blog.Post, where: p.title == "maple", select: p.id"#;
    let request = Request::Insight { src: src.into(), cursor: 5, earlier: vec![], cells: vec![BLOG.into()], runs: 3 };
    let json = match engine.handle(request) {
        Response::Insight { json: Some(json) } => json,
        other => panic!("{other:?}"),
    };
    let view: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(view["engine"], "postgres", "{json}");
    assert_eq!(view["analyzed"], true, "{json}");
    let nodes = view["nodes"].as_array().expect("nodes");
    let scan = nodes.iter().find(|n| n["node_type"] == "Seq Scan").unwrap_or_else(|| panic!("{json}"));
    assert_eq!(scan["relation"], "posts");
    assert!(scan["detail"].as_str().unwrap_or("").contains("Filter"), "{json}");
    assert!(scan["actual_rows"].is_number() && scan["estimated_rows"].is_number(), "{json}");
    assert!(view["advice"][0]["migration"].as_str().unwrap_or("").contains("create index(:posts, [:title])"), "{json}");
    assert!(view["timing"]["median_us"].is_number(), "{json}");

    // The diagram's catalog: PostgreSQL's tables, columns and foreign keys, no drift.
    let model = match engine.handle(Request::ErModel { cells: vec![BLOG.into()], pending: vec![] }) {
        Response::ErModel { json } => json,
        other => panic!("{other:?}"),
    };
    let model: serde_json::Value = serde_json::from_str(&model).expect("JSON");
    let tables: Vec<&str> = model["tables"].as_array().expect("tables").iter().filter_map(|t| t["name"].as_str()).collect();
    assert!(tables.contains(&"posts") && tables.contains(&"authors"), "{model}");
    assert_eq!(model["drift"].as_array().map(Vec::len), Some(0), "{model}");

    // Export DB's data directory imports back, under the same workspace.
    let image = engine.dump_postgres().await.expect("dumps");
    assert_eq!(ok(&mut engine, "Repo.delete_all(Blog.Post) |> elem(0)"), "2000");
    engine.import_postgres_image(&image).await.expect("imports");
    assert_eq!(ok(&mut engine, "Repo.aggregate(Blog.Post, :count)"), "2000");
    let refused = engine.import_postgres_image(b"SQLite format 3\0").await.expect_err("not a data directory");
    assert!(refused.contains("open the .tar"), "{refused}");
}
