//! The advice rules on plans from real SQLite (rusqlite): one check per
//! query shape, with the migration code expected (none where no index
//! helps).

use super::*;
use crate::executor::native::SqliteExecutor;
use crate::playground::Workspace;

const SCHEMAS: &str = r#"
defmodule T.Author do
  use Ecto.Schema
  schema "authors" do
    field :name, :string
    field :email, :string
    has_many :posts, T.Post
  end

  def changeset(a, attrs) do
    a |> Ecto.Changeset.cast(attrs, [:name, :email]) |> Ecto.Changeset.unique_constraint(:email)
  end
end

defmodule T.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :views, :integer
    field :published, :boolean
    field :deleted_at, :naive_datetime
    belongs_to :author, T.Author
    has_many :comments, T.Comment
    timestamps()
  end
end

defmodule T.Comment do
  use Ecto.Schema
  schema "comments" do
    field :body, :string
    belongs_to :post, T.Post
    belongs_to :author, T.Author
    timestamps()
  end
end

defmodule T.Tag do
  use Ecto.Schema
  schema "tags" do
    field :name, :string
  end
end
"#;

const DDL: &[&str] = &[
    "CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, email TEXT)",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, views INTEGER, published INTEGER DEFAULT 0, deleted_at TEXT, \
     author_id INTEGER REFERENCES authors(id), inserted_at TEXT, updated_at TEXT)",
    "CREATE TABLE comments (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT, post_id INTEGER REFERENCES posts(id), \
     author_id INTEGER REFERENCES authors(id), inserted_at TEXT, updated_at TEXT)",
    "CREATE TABLE tags (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)",
    "CREATE INDEX comments_post_id_index ON comments (post_id)",
    "CREATE INDEX posts_title_index ON posts (title)",
];

fn fill(table: &str, n: i64, values: &str, columns: &str) -> String {
    format!(
        "INSERT INTO {table} ({columns}) SELECT {values} FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) SELECT x FROM c)"
    )
}

fn workspace() -> Workspace {
    let mut exec = SqliteExecutor::in_memory().expect("db");
    for s in DDL {
        exec.execute(s, &[]).expect(s);
    }
    for s in [
        fill("authors", 300, "'a' || x, 'a' || x || '@x'", "name, email"),
        fill(
            "posts",
            2000,
            "'t' || x, x, x % 2, NULL, x % 300 + 1, '2024-01-01T00:00:00', '2024-01-01T00:00:00'",
            "title, views, published, deleted_at, author_id, inserted_at, updated_at",
        ),
        fill(
            "comments",
            5000,
            "'b' || x, x % 2000 + 1, x % 300 + 1, '2024-01-01T00:00:00', '2024-01-01T00:00:00'",
            "body, post_id, author_id, inserted_at, updated_at",
        ),
        fill("tags", 5, "'g' || x", "name"),
    ] {
        exec.execute(&s, &[]).expect(&s);
    }
    let mut ws = Workspace::with_executor(Box::new(exec));
    let r = ws.run_cell(SCHEMAS);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    ws
}

fn analysis(ws: &mut Workspace, src: &str) -> Analysis {
    let parsed = crate::syntax::parse(src);
    assert!(parsed.errors.is_empty(), "{src}: {:?}", parsed.errors);
    let mut env = ws.env.clone();
    let v = ws.interp.eval(&parsed.root, &mut env).unwrap_or_else(|e| panic!("{src}: {}", e.message()));
    let (op, q) = match v.as_tuple() {
        Some([tag, q]) => (tag.as_atom().and_then(Op::from_name).unwrap_or(Op::All), q.clone()),
        _ => (Op::All, v.clone()),
    };
    let prepared = prepare(&mut ws.interp, &q, op, Span::NONE).unwrap_or_else(|e| panic!("{src}: {}", e.message()));
    let uniques = unique_constraints(&mut ws.interp, SCHEMAS);
    let exec = crate::repo::conn(&mut ws.interp).expect("conn").executor();
    analyze(exec, &prepared, &uniques).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn check(ws: &mut Workspace, src: &str, want: &[&str]) {
    let a = analysis(ws, src);
    let got: Vec<&str> = a.advice.iter().map(|x| x.migration.as_str()).collect();
    let plan: Vec<&str> = a.plan.rows.iter().map(|r| r.detail.as_str()).collect();
    assert_eq!(got, want, "{src}\nplan: {plan:?}\nnotes: {:?}", a.notes);
}

#[test]
fn advice_by_query_shape() {
    let mut ws = workspace();
    let cases: &[(&str, &[&str])] = &[
        // unindexed equality filter
        ("from p in T.Post, where: p.author_id == ^3", &["create index(:posts, [:author_id])"]),
        // already indexed
        ("from c in T.Comment, where: c.post_id == ^3", &[]),
        ("from p in T.Post, where: p.title == ^\"t1\" and p.views == 1", &[]),
        // primary key lookups
        ("from p in T.Post, where: p.id == ^3", &[]),
        ("from p in T.Post, where: p.id in ^[1, 2, 3]", &[]),
        // nothing a plain index serves
        ("from p in T.Post, where: like(p.title, \"%x\")", &[]),
        ("from p in T.Post, where: fragment(\"lower(?)\", p.title) == ^\"t1\"", &[]),
        ("from a in T.Author, where: fragment(\"lower(?)\", a.name) == ^\"a1\"", &[]),
        ("from p in T.Post, where: p.views != ^3", &[]),
        ("from p in T.Post, where: p.author_id == ^1 or like(p.title, \"%x\")", &[]),
        ("from p in T.Post, order_by: p.views", &[]),
        // tiny table
        ("from t in T.Tag, where: t.name == ^\"g1\"", &[]),
        // joins
        ("from c in T.Comment, join: p in assoc(c, :post), where: p.title == ^\"t1\"", &[]),
        (
            "from p in T.Post, join: a in assoc(p, :author), where: a.name == ^\"a1\"",
            &["create index(:posts, [:author_id])", "create index(:authors, [:name])"],
        ),
        (
            "from a in T.Author, join: c in T.Comment, on: c.author_id == a.id, where: a.id == ^1",
            &["create index(:comments, [:author_id])"],
        ),
        // composite: equality columns, then a range or the order
        ("from p in T.Post, where: p.author_id == ^1, order_by: p.inserted_at", &["create index(:posts, [:author_id, :inserted_at])"]),
        ("from p in T.Post, where: p.author_id == ^1 and p.views == ^3", &["create index(:posts, [:author_id, :views])"]),
        ("from p in T.Post, where: p.author_id == ^1 and p.views > ^3", &["create index(:posts, [:author_id, :views])"]),
        ("from p in T.Post, where: p.views > ^10", &["create index(:posts, [:views])"]),
        ("from p in T.Post, where: ^10 < p.views", &["create index(:posts, [:views])"]),
        ("from p in T.Post, where: p.author_id in ^[1, 2]", &["create index(:posts, [:author_id])"]),
        ("from p in T.Post, where: [published: true]", &["create index(:posts, [:published])"]),
        // partial
        (
            "from p in T.Post, where: p.author_id == ^1 and is_nil(p.deleted_at)",
            &["create index(:posts, [:author_id], where: \"deleted_at IS NULL\")"],
        ),
        ("from p in T.Post, where: is_nil(p.deleted_at)", &["create index(:posts, [:deleted_at])"]),
        // or: one index per branch
        (
            "from p in T.Post, where: p.author_id == ^1 or p.views == ^2",
            &["create index(:posts, [:author_id])", "create index(:posts, [:views])"],
        ),
        (
            "from p in T.Post, where: p.author_id == ^1, or_where: p.views == ^2",
            &["create index(:posts, [:author_id])", "create index(:posts, [:views])"],
        ),
        // top rows by a column
        ("from p in T.Post, order_by: [desc: p.views], limit: 10", &["create index(:posts, [:views])"]),
        // subqueries
        (
            "from p in T.Post, where: p.id in subquery(from c in T.Comment, where: c.author_id == ^1, select: c.post_id)",
            &["create index(:comments, [:author_id])"],
        ),
        ("from p in subquery(from p in T.Post, where: p.author_id == ^1), select: p.title", &["create index(:posts, [:author_id])"]),
        // update_all / delete_all
        ("{:delete_all, from(p in T.Post, where: p.author_id == ^1)}", &["create index(:posts, [:author_id])"]),
        // a schema's unique_constraint asks for a unique index
        ("from a in T.Author, where: a.email == ^\"a1@x\"", &["create unique_index(:authors, [:email])"]),
    ];
    assert!(cases.len() >= 20);
    for (src, want) in cases {
        check(&mut ws, src, want);
    }
}

#[test]
fn the_advised_index_is_used() {
    let mut ws = workspace();
    let src = "from p in T.Post, join: c in assoc(p, :comments), where: p.author_id == ^7, select: {p.title, c.body}";
    let before = analysis(&mut ws, src);
    assert!(before.plan.nodes.iter().any(|n| n.detail == "SCAN p0" && n.flagged && n.binding == Some(0)), "{:?}", before.plan.rows);
    assert_eq!(before.advice.len(), 1);
    let advice = &before.advice[0];
    assert_eq!(advice.sqlite, vec!["CREATE INDEX \"posts_author_id_index\" ON \"posts\" (\"author_id\")".to_string()]);
    assert_eq!(advice.postgres, vec!["CREATE INDEX \"posts_author_id_index\" ON \"posts\" (\"author_id\")".to_string()]);
    let exec = crate::repo::conn(&mut ws.interp).expect("conn").executor();
    for s in &advice.sqlite {
        exec.execute(s, &[]).expect("ddl");
    }
    let after = analysis(&mut ws, src);
    assert!(after.advice.is_empty(), "{:?}", after.advice);
    assert!(after.plan.rows.iter().any(|r| r.detail.contains("USING INDEX posts_author_id_index")), "{:?}", after.plan.rows);
}

#[test]
fn partial_index_ddl_and_use() {
    let mut ws = workspace();
    let src = "from p in T.Post, where: p.author_id == ^1 and is_nil(p.deleted_at)";
    let a = analysis(&mut ws, src);
    assert_eq!(
        a.advice[0].sqlite,
        vec!["CREATE INDEX \"posts_author_id_index\" ON \"posts\" (\"author_id\") WHERE deleted_at IS NULL".to_string()]
    );
    let exec = crate::repo::conn(&mut ws.interp).expect("conn").executor();
    exec.execute(&a.advice[0].sqlite[0], &[]).expect("ddl");
    let after = analysis(&mut ws, src);
    assert!(after.plan.rows.iter().any(|r| r.detail.contains("posts_author_id_index")), "{:?}", after.plan.rows);
}

#[test]
fn plan_nodes_are_named_and_tied_to_clauses() {
    let mut ws = workspace();
    let src = "from c in T.Comment, join: p in assoc(c, :post), where: c.author_id == ^3, order_by: p.views";
    let a = analysis(&mut ws, src);
    let scan = a.plan.nodes.iter().find(|n| n.kind == NodeKind::Scan).expect("scan");
    assert_eq!(scan.table.as_deref(), Some("comments"));
    assert_eq!(scan.words, "full scan of `comments`");
    assert_eq!(scan.table_rows, Some(5000));
    assert!(scan.flagged);
    let from = scan.clauses.iter().find(|c| c.clause == "from").expect("from clause");
    assert_eq!(&src[from.start as usize..from.end as usize], "c in T.Comment");
    let search = a.plan.nodes.iter().find(|n| n.kind == NodeKind::Search).expect("search");
    assert_eq!(search.table.as_deref(), Some("posts"));
    assert!(search.words.starts_with("search of `posts` using the primary key"), "{}", search.words);
    let join = search.clauses.iter().find(|c| c.clause == "join").expect("join clause");
    assert_eq!(&src[join.start as usize..join.end as usize], "p in assoc(c, :post)");
    let sort = a.plan.nodes.iter().find(|n| n.kind == NodeKind::TempBtree).expect("sort");
    assert_eq!(sort.words, "temporary B-tree for ORDER BY");
    assert!(sort.flagged);
    let order = &sort.clauses[0];
    assert_eq!(&src[order.start as usize..order.end as usize], "p.views");
    // the JSON the page reads
    let json = serde_json::to_value(&a).expect("json");
    assert!(json["plan"]["nodes"][0]["detail"].is_string());
    assert!(json["advice"][0]["migration"].is_string());
}

#[test]
fn timing_reports_median_and_rows() {
    let mut ws = workspace();
    let a = prepare_src(&mut ws, "from t in T.Tag");
    let exec = crate::repo::conn(&mut ws.interp).expect("conn").executor();
    let ticks = std::cell::Cell::new(0u64);
    let clock = || {
        ticks.set(ticks.get() + 10);
        ticks.get()
    };
    let t = time_query(exec, &a.sql, &a.params, 5, &clock).expect("timing");
    assert_eq!(t.rows, 5);
    assert_eq!(t.runs_us.len(), 5);
    assert_eq!(t.median_us, 10);
    assert_eq!(median(&[5, 1, 3, 2]), 2);
}

fn prepare_src(ws: &mut Workspace, src: &str) -> Prepared {
    let parsed = crate::syntax::parse(src);
    let mut env = ws.env.clone();
    let v = ws.interp.eval(&parsed.root, &mut env).expect("eval");
    prepare(&mut ws.interp, &v, Op::All, Span::NONE).expect("prepare")
}
