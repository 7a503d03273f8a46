//! `ectoplasm explain`: one JSON line per query after the runs, with the
//! SQL, the plan's rows and the advice judged on the tables as filled.

use std::process::Command;

fn run(args: &[&str], file: &str) -> (String, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_ectoplasm")).args(args).arg(file).output().expect("run");
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), out.status.code())
}

fn lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn advice(line: &serde_json::Value) -> Vec<String> {
    line["advice"].as_array().expect("advice").iter().map(|a| a.as_str().unwrap_or("").to_string()).collect()
}

#[test]
fn blog_queries() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/explain/blog.exs");
    let (stdout, stderr, code) = run(&["explain"], file);
    assert_eq!(code, Some(0), "{stderr}");
    let out = lines(&stdout);
    let by = |name: &str| out.iter().find(|l| l["name"] == name).unwrap_or_else(|| panic!("no {name}"));
    // the line's keys in the documented order
    assert!(stdout.lines().next().unwrap_or("").starts_with("{\"name\":\"by_author\",\"sqlite\":"), "{stdout}");
    assert_eq!(by("by_author")["plan"], serde_json::json!([{"id": 2, "parent": 0, "detail": "SCAN p0"}]));
    assert_eq!(advice(by("by_author")), ["create index(:posts, [:author_id])"]);
    assert_eq!(advice(by("join_filter")), ["create index(:posts, [:views])", "create index(:comments, [:post_id])"]);
    for none in ["pk", "like", "lower", "sub"] {
        assert!(advice(by(none)).is_empty(), "{none}: {:?}", advice(by(none)));
    }
    assert_eq!(advice(by("comp")), ["create index(:comments, [:post_id, :inserted_at])"]);
    assert_eq!(advice(by("partial")), ["create index(:posts, [:author_id], where: \"deleted_at IS NULL\")"]);
    assert_eq!(advice(by("email")), ["create unique_index(:authors, [:email])"]);
    assert_eq!(advice(by("top")), ["create index(:posts, [:views])"]);
    assert_eq!(advice(by("orq")), ["create index(:posts, [:title])", "create index(:posts, [:views])"]);
    assert!(by("by_author")["sqlite"].as_str().unwrap_or("").contains("WHERE (p0.\"author_id\" = ?)"));
}

#[test]
fn tiny_tables_and_existing_indexes_get_nothing() {
    let dir = std::env::temp_dir().join(format!("ectoplasm-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("tiny.exs");
    std::fs::write(
        &file,
        r#"
defmodule M.Create do
  use Ecto.Migration
  def change do
    create table(:items) do
      add :sku, :string
      add :shelf, :integer
    end
    create index(:items, [:shelf])
  end
end

defmodule M.Item do
  use Ecto.Schema
  schema "items" do
    field :sku, :string
    field :shelf, :integer
  end
end

setup_migrations = [M.Create]

runs = [few: fn repo -> repo.insert_all(M.Item, [%{sku: "a", shelf: 1}, %{sku: "b", shelf: 2}]) end]

queries = [
  sku: from(i in M.Item, where: i.sku == ^"a"),
  shelf: from(i in M.Item, where: i.shelf == ^1),
  broken: from(i in M.Item, where: i.nope == ^1)
]
"#,
    )
    .expect("write");
    let (stdout, stderr, code) = run(&["explain"], &file.to_string_lossy());
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, Some(0), "{stderr}");
    let out = lines(&stdout);
    assert_eq!(out.len(), 3);
    assert!(advice(&out[0]).is_empty());
    assert!(advice(&out[1]).is_empty());
    assert_eq!(out[1]["plan"][0]["detail"], "SEARCH i0 USING INDEX items_shelf_index (shelf=?)");
    assert_eq!(out[2]["error_type"], "Ecto.QueryError");
}

#[test]
fn details_add_words_reasons_and_ddl() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/explain/blog.exs");
    let (stdout, _, code) = run(&["explain", "--details"], file);
    assert_eq!(code, Some(0));
    let out = lines(&stdout);
    let line = &out[0];
    assert_eq!(line["nodes"][0]["words"], "full scan of `posts`");
    assert_eq!(line["index_advice"][0]["postgres"][0], "CREATE INDEX \"posts_author_id_index\" ON \"posts\" (\"author_id\")");
    assert!(line["index_advice"][0]["reason"].as_str().unwrap_or("").contains("author_id"));
}

#[test]
fn a_file_without_queries_is_refused() {
    let dir = std::env::temp_dir().join(format!("ectoplasm-explain-none-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("none.exs");
    std::fs::write(&file, "runs = [a: fn _ -> 1 end]\n").expect("write");
    let (_, stderr, code) = run(&["explain"], &file.to_string_lossy());
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("queries"), "{stderr}");
}
