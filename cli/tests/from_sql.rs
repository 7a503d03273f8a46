//! `ectoplasm from-sql` as a script uses it: only Elixir on stdout, one
//! block per statement, each evaluating through `ectoplasm sql` in a file
//! that defines the schemas; and on hostile input, a failure exits 1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("ectoplasm-from-sql-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Dir(dir)
    }

    fn file(&self, name: &str, body: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, body).expect("write");
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ectoplasm(args: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ectoplasm")).args(args).arg(file).output().expect("run ectoplasm")
}

const SCHEMAS: &str = r#"
defmodule Blog.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :views, :integer
    has_many :comments, Blog.Comment
  end
end
defmodule Blog.Comment do
  use Ecto.Schema
  schema "comments" do
    field :content, :string, source: :body
    belongs_to :post, Blog.Post
  end
end
"#;

const SQL: &str = "SELECT p.title, count(c.id) FROM posts p LEFT JOIN comments c ON c.post_id = p.id GROUP BY p.id;\n\
SELECT upper(title) FROM posts WHERE views > 10 ORDER BY 1;\n\
WITH t AS (SELECT id, title FROM posts) SELECT title FROM t;\n\
UPDATE posts SET views = views + 1 WHERE id = 1;\n";

#[test]
fn stdout_holds_one_block_per_statement_that_ectoplasm_sql_evaluates() {
    let dir = Dir::new("blocks");
    let schemas = dir.file("schemas.exs", SCHEMAS);
    let sql = dir.file("q.sql", SQL);
    let out = Command::new(env!("CARGO_BIN_EXE_ectoplasm")).args(["from-sql", "--schemas"]).arg(&schemas).arg(&sql).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let blocks: Vec<&str> = stdout.trim_end().split("\n\n").collect();
    assert_eq!(blocks.len(), 4, "{stdout}");
    assert!(blocks[0].starts_with("from(p in Blog.Post,\n  left_join: c in assoc(p, :comments),"), "{}", blocks[0]);
    assert!(blocks[3].starts_with("Repo.update_all("), "{}", blocks[3]);
    // The notes (a fragment's reason) are on stderr, not in the SELECT's block.
    assert!(String::from_utf8_lossy(&out.stderr).contains("upper"));
    let entries: Vec<String> = blocks[..3].iter().enumerate().map(|(i, b)| format!("q{i}:\n{b}")).collect();
    let file = dir.file("check.exs", &format!("{SCHEMAS}\nqueries = [\n{}\n]\n", entries.join(",\n")));
    let out = ectoplasm(&["sql"], &file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(lines.lines().count(), 3);
    for l in lines.lines() {
        assert!(l.contains("\"sqlite\":\"SELECT") || l.contains("\"sqlite\":\"WITH"), "{l}");
    }
    assert!(lines.contains(r#"LEFT OUTER JOIN \"comments\" AS c1 ON c1.\"post_id\" = p0.\"id\""#), "{lines}");
}

#[test]
fn what_cannot_be_written_exits_1_and_keeps_the_blocks_aligned() {
    let dir = Dir::new("errors");
    let sql = dir.file("q.sql", "SELECT 1 FROM a;\nSELECT * FROM a NATURAL JOIN b;\nSELEC x;\n");
    let out = ectoplasm(&["from-sql"], &sql);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(stdout.trim_end().split("\n\n").count(), 3, "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("NATURAL JOIN") && stderr.contains("q.sql:3:"), "{stderr}");
}

#[test]
fn hostile_input_never_panics() {
    let dir = Dir::new("hostile");
    for (i, body) in
        ["", ";", "SELECT", "\u{0}\u{1}", "SELECT ((((((((((1", "DROP TABLE x", &"SELECT 1 UNION ".repeat(200)].iter().enumerate()
    {
        let sql = dir.file(&format!("h{i}.sql"), body);
        let out = ectoplasm(&["from-sql"], &sql);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{body:?}: {:?}", out.status);
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{body:?}");
    }
}
