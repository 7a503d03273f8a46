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
        ("from p in T.Post, where: p.inserted_at > ago(3, \"day\")", &["create index(:posts, [:inserted_at])"]),
        ("from p in T.Post, where: p.views > p.id", &[]),
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

mod generation {
    use super::*;
    use crate::insight::datagen::{self, GenOptions, Generator, Skew};

    const USERS: &str = r#"
defmodule G.User do
  use Ecto.Schema
  import Ecto.Changeset
  schema "users" do
    field :email, :string
    field :name, :string
    field :role, Ecto.Enum, values: [:admin, :member, :guest]
    field :age, :integer
    field :plan, :string
    belongs_to :author, T.Author
    timestamps()
  end

  def changeset(u, attrs) do
    u
    |> cast(attrs, [:email, :name, :role, :age, :plan])
    |> validate_length(:name, min: 2, max: 10)
    |> validate_number(:age, greater_than_or_equal_to: 18, less_than: 100)
    |> validate_inclusion(:plan, ["free", "pro"])
    |> unique_constraint(:email)
  end
end
"#;

    fn users_workspace() -> Workspace {
        let mut ws = workspace();
        let exec = crate::repo::conn(&mut ws.interp).expect("conn").executor();
        exec.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL, name TEXT, role TEXT, age INTEGER, plan TEXT, \
             author_id INTEGER NOT NULL REFERENCES authors(id), inserted_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
            &[],
        )
        .expect("ddl");
        exec.execute("CREATE UNIQUE INDEX users_email_index ON users (email)", &[]).expect("ddl");
        exec.execute("PRAGMA foreign_keys = ON", &[]).expect("fk");
        let r = ws.run_cell(USERS);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        ws
    }

    fn generate(ws: &mut Workspace, table: &str, module: &str, opts: GenOptions) -> datagen::Progress {
        let schema = crate::schema::lookup(&mut ws.interp, module);
        let source = format!("{SCHEMAS}\n{USERS}");
        let validations: Vec<_> =
            datagen::validations(&mut ws.interp, &source).into_iter().filter(|(t, _)| t == table).map(|(_, v)| v).collect();
        let exec = crate::repo::conn(&mut ws.interp).expect("conn").executor();
        let plan = datagen::plan_table(exec, table, schema.as_deref(), &validations).expect("plan");
        let mut g = Generator::new(exec, plan, opts).expect("generator");
        let mut steps = 0;
        loop {
            let p = g.step(exec).expect("step");
            steps += 1;
            if p.done {
                assert!(steps >= 1);
                return p;
            }
        }
    }

    fn rows(ws: &mut Workspace, sql: &str) -> Vec<Vec<crate::executor::DbValue>> {
        crate::repo::conn(&mut ws.interp).expect("conn").executor().execute(sql, &[]).expect(sql).rows
    }

    #[test]
    fn deterministic_for_a_seed() {
        let opts = GenOptions { rows: 500, seed: 42, skew: Skew::Uniform };
        let mut a = users_workspace();
        let mut b = users_workspace();
        generate(&mut a, "users", "G.User", opts.clone());
        generate(&mut b, "users", "G.User", opts);
        let q = "SELECT * FROM users ORDER BY id";
        assert_eq!(rows(&mut a, q), rows(&mut b, q));
        let mut c = users_workspace();
        generate(&mut c, "users", "G.User", GenOptions { rows: 500, seed: 43, skew: Skew::Uniform });
        assert_ne!(rows(&mut a, q), rows(&mut c, q));
    }

    #[test]
    fn keys_types_enums_and_validations_hold() {
        let mut ws = users_workspace();
        let p = generate(&mut ws, "users", "G.User", GenOptions { rows: 12_345, seed: 1, skew: Skew::Heavy });
        assert_eq!((p.inserted, p.total, p.done), (12_345, 12_345, true));
        let one = |ws: &mut Workspace, sql: &str| match rows(ws, sql).first().and_then(|r| r.first()) {
            Some(crate::executor::DbValue::Integer(i)) => *i,
            other => panic!("{sql}: {other:?}"),
        };
        assert_eq!(one(&mut ws, "SELECT count(*) FROM users"), 12_345);
        // foreign keys point at existing parents
        assert_eq!(one(&mut ws, "SELECT count(*) FROM users u LEFT JOIN authors a ON a.id = u.author_id WHERE a.id IS NULL"), 0);
        assert!(rows(&mut ws, "PRAGMA foreign_key_check(users)").is_empty());
        // unique columns stay unique
        assert_eq!(one(&mut ws, "SELECT count(DISTINCT email) FROM users"), 12_345);
        // enum values, inclusion, length and number ranges
        assert_eq!(one(&mut ws, "SELECT count(*) FROM users WHERE role IS NOT NULL AND role NOT IN ('admin', 'member', 'guest')"), 0);
        assert_eq!(one(&mut ws, "SELECT count(DISTINCT role) FROM users"), 3);
        assert_eq!(one(&mut ws, "SELECT count(*) FROM users WHERE plan IS NOT NULL AND plan NOT IN ('free', 'pro')"), 0);
        assert_eq!(one(&mut ws, "SELECT count(*) FROM users WHERE length(name) < 2 OR length(name) > 10"), 0);
        assert_eq!(one(&mut ws, "SELECT count(*) FROM users WHERE age < 18 OR age > 99"), 0);
        assert_eq!(one(&mut ws, "SELECT count(*) FROM users WHERE inserted_at IS NULL OR inserted_at NOT LIKE '20__-__-__T__:__:__'"), 0);
        // a few heavy parents: the top tenth of the authors has most rows
        let top = one(&mut ws, "SELECT sum(n) FROM (SELECT count(*) AS n FROM users GROUP BY author_id ORDER BY n DESC LIMIT 30)");
        assert!(top > 12_345 / 2, "{top}");
        // the rows load back through the schema
        let r = ws
            .run_cell("Repo.all(from u in G.User, limit: 3) |> Enum.map(& &1.role) |> Enum.all?(&(&1 in [nil, :admin, :member, :guest]))");
        assert_eq!(r.inspect.as_deref(), Some("true"), "{:?}", r.diagnostics);
    }

    #[test]
    fn a_missing_parent_is_an_error_not_a_panic() {
        let mut exec = SqliteExecutor::in_memory().expect("db");
        exec.execute("CREATE TABLE a (id INTEGER PRIMARY KEY)", &[]).expect("ddl");
        exec.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL REFERENCES a(id))", &[]).expect("ddl");
        let plan = datagen::plan_table(&mut exec, "b", None, &[]).expect("plan");
        let err = Generator::new(&mut exec, plan, GenOptions::default()).err().expect("error");
        assert!(err.to_string().contains("generate `a` first"), "{err}");
        assert!(datagen::plan_table(&mut exec, "nope", None, &[]).is_err());
    }

    #[test]
    fn generation_speed() {
        let mut ws = workspace();
        let start = std::time::Instant::now();
        let p = generate(&mut ws, "comments", "T.Comment", GenOptions { rows: 100_000, seed: 3, skew: Skew::Uniform });
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(p.inserted, 100_000);
        eprintln!("generated 100,000 comments in {secs:.3} s ({:.0} rows/s)", 100_000.0 / secs);
    }
}

#[test]
fn preload_strategies_compared() {
    let mut ws = workspace();
    let src = "from p in T.Post, where: p.author_id == 3, preload: [:comments]";
    let parsed = crate::syntax::parse(src);
    let mut env = ws.env.clone();
    let q = ws.interp.eval(&parsed.root, &mut env).expect("query");
    let ticks = std::cell::Cell::new(0u64);
    let clock = || {
        ticks.set(ticks.get() + 1);
        ticks.get()
    };
    let repo = Value::module("Repo");
    let r = strategies::compare(&mut ws.interp, &repo, &q, 3, &clock).expect("compare");
    let summary: Vec<_> = r.iter().map(|s| (s.strategy, s.queries, s.error.clone())).collect();
    assert_eq!(
        summary,
        vec![
            (strategies::Strategy::Separate, 2, None),
            (strategies::Strategy::Join, 1, None),
            (strategies::Strategy::PreloadQuery, 2, None)
        ]
    );
    // 7 posts of author 3 (x % 300 + 1 over 2000 posts), each with 2 or 3 comments
    assert!(r[0].rows > 7 && r[1].rows >= r[0].rows - 7, "{r:?}");
    assert!(r[1].code.contains("left_join: c1 in assoc(p0, :comments)") && r[1].code.contains("preload: [comments: c1]"), "{}", r[1].code);
    assert!(r[2].code.ends_with("preload: [comments: ^from(r in T.Comment)]"), "{}", r[2].code);
}
