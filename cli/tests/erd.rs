//! `ectoplasm erd` and `ectoplasm import-sql` on small inputs (whole
//! outputs compared), on each other's output, and on hostile input: every
//! run ends, never panics, and a failure exits 1 with its reason.

use std::path::PathBuf;
use std::process::{Command, Output};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("ectoplasm-erd-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Dir(dir)
    }

    fn file(&self, name: &str, body: &[u8]) -> PathBuf {
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

fn run(args: &[&str], file: &PathBuf) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ectoplasm")).args(args).arg(file).output().expect("run ectoplasm")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const BLOG: &str = r#"defmodule Blog.Author do
  use Ecto.Schema

  schema "authors" do
    field :name, :string
    has_many :posts, Blog.Post
  end
end

defmodule Blog.Post do
  use Ecto.Schema

  schema "posts" do
    field :title, :string
    field :tags, {:array, :string}
    belongs_to :author, Blog.Author
  end
end

defmodule Blog.Migrations.Create do
  use Ecto.Migration

  def change do
    create table(:authors) do
      add :name, :string, null: false
    end

    create table(:posts) do
      add :title, :string
      add :tags, {:array, :string}
      add :author_id, references(:authors, on_delete: :delete_all), null: false
    end

    create index(:posts, [:author_id])
  end
end

Ecto.Migrator.up(Repo, 1, Blog.Migrations.Create)
IO.puts("not part of the diagram")
"#;

#[test]
fn erd_prints_mermaid_by_default() {
    let dir = Dir::new("mermaid");
    let out = run(&["erd"], &dir.file("blog.exs", BLOG.as_bytes()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        r#"erDiagram
    authors {
        id id PK
        string name "not null"
    }
    posts {
        id id PK
        string title
        array_string tags "{:array, :string}"
        id author_id FK "not null"
    }
    authors ||--o{ posts : "posts"
    posts }o--|| authors : "author"
"#
    );
}

#[test]
fn erd_prints_dbml_dot_and_svg() {
    let dir = Dir::new("formats");
    let file = dir.file("blog.exs", BLOG.as_bytes());
    let dbml = run(&["erd", "--format", "dbml"], &file);
    assert_eq!(dbml.status.code(), Some(0));
    let dbml = text(&dbml.stdout);
    assert!(dbml.contains("Table posts {\n  id integer [pk, note: 'ecto :id']\n  title text [note: 'ecto :string']\n"), "{dbml}");
    assert!(dbml.contains("Ref: posts.author_id > authors.id [delete: cascade]\n"), "{dbml}");
    let dot = text(&run(&["erd", "--format", "dot"], &file).stdout);
    assert!(dot.starts_with("digraph erd {"));
    assert!(dot.contains("\"posts\" -> \"authors\" [label=\"author\""), "{dot}");
    let svg = text(&run(&["erd", "--format", "svg"], &file).stdout);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("<g data-table=\"posts\">") && svg.contains("data-kind=\"belongs_to\" data-from=\"posts\" data-to=\"authors\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    let bad = run(&["erd", "--format", "png"], &file);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn erd_names_odd_tables_safely() {
    let dir = Dir::new("odd");
    let src = "defmodule A do\n  use Ecto.Schema\n  schema \"odd \\\"name\\\" <x>\" do\n    field :\"a b\", :string\n  end\nend\n";
    let file = dir.file("odd.exs", src.as_bytes());
    let out = text(&run(&["erd"], &file).stdout);
    assert!(out.contains("    \"odd #quot;name#quot; <x>\" {\n        id id PK\n        string a_b \"a b\"\n"), "{out}");
    let svg = text(&run(&["erd", "--format", "svg"], &file).stdout);
    assert!(svg.contains("odd &quot;name&quot; &lt;x&gt;") && !svg.contains("<x>"), "{svg}");
    let dot = text(&run(&["erd", "--format", "dot"], &file).stdout);
    assert!(dot.contains("\"odd \\\"name\\\" <x>\" [label=<"), "{dot}");
    let dbml = text(&run(&["erd", "--format", "dbml"], &file).stdout);
    assert!(dbml.contains("Table \"odd \\\"name\\\" <x>\" {"), "{dbml}");
}

#[test]
fn erd_errors_read_as_elixir_prints_them() {
    let dir = Dir::new("errors");
    let out = run(&["erd"], &dir.file("syntax.exs", b"defmodule A do\n  x = (1 + )\nend\n"));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("** (SyntaxError) invalid syntax found on ") && err.contains("syntax.exs:2:12"), "{err}");
    let out = run(&["erd"], &dir.file("raise.exs", b"x = 1\nraise \"boom\"\n"));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("** (RuntimeError) boom") && err.contains("raise.exs:2:1"), "{err}");
    assert!(out.stdout.is_empty());
    let out = run(&["erd"], &dir.file("migration.exs", b"Repo.query!(\"CREATE TABLE\")\n"));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("migration.exs:1:"), "{}", text(&out.stderr));
}

const DDL: &str = "CREATE TABLE authors (id bigserial PRIMARY KEY, name varchar(80) NOT NULL);
CREATE TABLE posts (
  id bigserial PRIMARY KEY,
  author_id bigint NOT NULL REFERENCES authors(id) ON DELETE CASCADE,
  title text
);
CREATE INDEX posts_author_id_index ON posts (author_id);
GRANT SELECT ON posts TO reader;
";

#[test]
fn import_sql_prints_schemas_and_a_migration() {
    let dir = Dir::new("import");
    let out = run(&["import-sql", "--namespace", "Blog"], &dir.file("blog.sql", DDL.as_bytes()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        r#"defmodule Blog.Author do
  use Ecto.Schema
  import Ecto.Changeset

  schema "authors" do
    field :name, :string
    has_many :posts, Blog.Post
  end

  @doc false
  def changeset(author, attrs) do
    author
    |> cast(attrs, [:name])
    |> validate_required([:name])
    |> validate_length(:name, max: 80)
  end
end

defmodule Blog.Post do
  use Ecto.Schema
  import Ecto.Changeset

  schema "posts" do
    belongs_to :author, Blog.Author
    field :title, :string
  end

  @doc false
  def changeset(post, attrs) do
    post
    |> cast(attrs, [:author_id, :title])
    |> validate_required([:author_id])
    |> foreign_key_constraint(:author_id)
  end
end

defmodule Blog.Migrations.CreateTables do
  use Ecto.Migration

  def change do
    create table(:authors) do
      add :name, :string, size: 80, null: false
    end

    create table(:posts) do
      add :author_id, references(:authors, on_delete: :delete_all), null: false
      add :title, :string
    end

    create index(:posts, [:author_id])
  end
end

Ecto.Migrator.up(Repo, 1, Blog.Migrations.CreateTables)
"#
    );
    let err = text(&out.stderr);
    assert!(err.contains("blog.sql:8: warning: not imported: GRANT"), "{err}");
    // The code runs, and its diagram has both tables and both associations.
    let exs = dir.file("blog.exs", &out.stdout);
    let erd = run(&["erd"], &exs);
    assert_eq!(erd.status.code(), Some(0), "{}", text(&erd.stderr));
    let mermaid = text(&erd.stdout);
    assert!(mermaid.contains("    authors ||--o{ posts : \"posts\"\n    posts }o--|| authors : \"author\"\n"), "{mermaid}");
}

#[test]
fn hostile_inputs_end_without_panics() {
    let dir = Dir::new("hostile");
    let mut random = Vec::with_capacity(20_000);
    let mut x: u32 = 0x2545_f491;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        random.push((x >> 24) as u8);
    }
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("blank", b" \n\t\n".to_vec()),
        ("random bytes", random.clone()),
        ("invalid UTF-8", b"CREATE TABLE \xff\xfe (a int);".to_vec()),
        ("NUL bytes", b"CREATE TABLE a (b int);\0\0\0".to_vec()),
        ("deep parentheses", [b"CREATE TABLE t (a int DEFAULT ".as_slice(), &b"(".repeat(100_000), b"1);"].concat()),
        ("deep brackets", [b"x = ".as_slice(), &b"[".repeat(100_000)].concat()),
        ("unterminated quote", b"CREATE TABLE t (a text DEFAULT 'abc".to_vec()),
        ("unterminated dollar quote", b"CREATE FUNCTION f() AS $body$ select 1;".to_vec()),
        ("unterminated comment", b"/* CREATE TABLE t (a int);".to_vec()),
        ("a million semicolons", b";".repeat(1_000_000)),
        ("garbage words", b"defmodule do end end ( ] CREATE TABLE ( ; ALTER TABLE x ADD".to_vec()),
        ("schema without a module body", b"defmodule A do\n  use Ecto.Schema\n  schema \"t\" do\n  end\nend\n".to_vec()),
        ("belongs_to an unknown module", b"defmodule A do\n  use Ecto.Schema\n  schema \"a\" do\n    belongs_to :b, Nope\n    has_many :cs, Nope2\n    has_many :ds, through: [:cs, :x]\n  end\nend\n".to_vec()),
    ];
    for (name, body) in &cases {
        let file = dir.file("case.txt", body);
        for args in [&["erd"][..], &["erd", "--format", "svg"][..], &["import-sql"][..]] {
            let out = run(args, &file);
            let err = text(&out.stderr);
            assert!(!err.contains("panicked"), "{name} {args:?}: {err}");
            let code = out.status.code();
            assert!(code == Some(0) || code == Some(1), "{name} {args:?}: {code:?} {err}");
            if code == Some(1) {
                assert!(!err.trim().is_empty(), "{name} {args:?}: failed without a reason");
            }
        }
    }
    // Nothing to import is a failure with a reason.
    let out = run(&["import-sql"], &dir.file("empty.sql", b""));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no CREATE TABLE"));
    let out = run(&["erd"], &dir.file("empty.exs", b""));
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(0), "erDiagram\n".to_string()));
}
