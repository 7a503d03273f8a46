//! Repo overhead: `insert_all` of 10,000 rows and `all` of 10,000 rows
//! with a has_many preload through the engine, against the same SQL run
//! directly on the executor.
//!
//! `cargo bench -p ectoplasm-engine --features rusqlite --bench repo`

use std::rc::Rc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use engine::eval::{Env, Interp};
use engine::executor::native::SqliteExecutor;
use engine::executor::{DbValue, Executor};
use engine::repo::{self, StatementKind};
use engine::syntax::{self, Node};
use engine::value::{MapT, Value};

const N: i64 = 10_000;

const SCHEMAS: &str = r#"
defmodule B.Author do
  use Ecto.Schema
  schema "authors" do
    field :name, :string
    field :rating, :integer
    has_many :posts, B.Post
  end
end

defmodule B.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :views, :integer
    belongs_to :author, B.Author
  end
end
"#;

const DDL: &[&str] = &[
    "CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, rating INTEGER)",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, views INTEGER, author_id INTEGER REFERENCES authors(id))",
    "CREATE INDEX posts_author_id_index ON posts (author_id)",
];

fn db() -> SqliteExecutor {
    let mut exec = SqliteExecutor::in_memory().expect("db");
    for s in DDL {
        exec.execute(s, &[]).expect("ddl");
    }
    exec
}

fn parse(src: &str) -> Node {
    let parsed = syntax::parse(src);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    parsed.root
}

struct Session {
    interp: Interp,
    env: Env,
}

fn session(exec: SqliteExecutor) -> Session {
    let mut interp = engine::interp();
    interp.limits.max_steps = u64::MAX;
    repo::install(&mut interp, Box::new(exec));
    let mut env = Interp::env_with_imports(&["Ecto.Query", "Ecto.Changeset"]);
    interp.eval(&parse(SCHEMAS), &mut env).expect("schemas");
    Session { interp, env }
}

fn author_rows() -> Value {
    let rows = (0..N)
        .map(|i| {
            let mut m = MapT::new();
            m.insert(Value::atom("name"), Value::string(format!("author {i}")));
            m.insert(Value::atom("rating"), Value::Int(i % 5));
            Value::map(m)
        })
        .collect();
    Value::list(rows)
}

/// A logged statement with its params bound as exqlite binds them.
fn bound(params: &[Value]) -> Vec<DbValue> {
    params
        .iter()
        .map(|p| match p {
            Value::Int(i) => DbValue::Integer(*i),
            Value::Str(s) => DbValue::Text(s.to_string()),
            Value::Nil => DbValue::Null,
            other => DbValue::Text(format!("{other:?}")),
        })
        .collect()
}

fn statements(s: &mut Session) -> Vec<(String, Vec<DbValue>)> {
    repo::take_log(&mut s.interp).into_iter().filter(|e| e.kind == StatementKind::Query).map(|e| (e.sql, bound(&e.params))).collect()
}

fn bench_insert_all(c: &mut Criterion) {
    let rows = author_rows();
    let call = Rc::new(parse("Repo.insert_all(B.Author, rows)"));
    // The statement the engine sends, to run directly on the executor.
    let mut probe = session(db());
    probe.env.set("rows", rows.clone());
    probe.interp.eval(&call, &mut probe.env).expect("insert_all");
    let stmts = statements(&mut probe);

    let mut g = c.benchmark_group("insert_all_10k");
    g.sample_size(10);
    g.bench_function("engine", |b| {
        b.iter_batched(
            || {
                let mut s = session(db());
                s.env.set("rows", rows.clone());
                s
            },
            |mut s| {
                let v = s.interp.eval(&call, &mut s.env).expect("insert_all");
                assert!(matches!(v.as_tuple(), Some([Value::Int(N), _])));
                s
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("executor", |b| {
        b.iter_batched(
            db,
            |mut exec| {
                for (sql, params) in &stmts {
                    exec.execute(sql, params).expect("insert");
                }
                exec
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn bench_all_with_preload(c: &mut Criterion) {
    let mut s = session(db());
    s.env.set("rows", author_rows());
    s.interp.eval(&parse("Repo.insert_all(B.Author, rows)"), &mut s.env).expect("authors");
    let posts: Vec<Value> = (0..N)
        .map(|i| {
            let mut m = MapT::new();
            m.insert(Value::atom("title"), Value::string(format!("post {i}")));
            m.insert(Value::atom("views"), Value::Int(i));
            m.insert(Value::atom("author_id"), Value::Int(i + 1));
            Value::map(m)
        })
        .collect();
    s.env.set("posts", Value::list(posts));
    s.interp.eval(&parse("Repo.insert_all(B.Post, posts)"), &mut s.env).expect("posts");
    repo::take_log(&mut s.interp);
    let call = Rc::new(parse("Repo.all(B.Author) |> Repo.preload(:posts)"));
    let v = s.interp.eval(&call, &mut s.env).expect("all");
    assert_eq!(v.as_list().map(|l| l.len()), Some(N as usize));
    let stmts = statements(&mut s);
    assert_eq!(stmts.len(), 2);

    let mut g = c.benchmark_group("all_10k_with_has_many_preload");
    g.sample_size(10);
    g.bench_function("engine", |b| {
        b.iter(|| {
            let v = s.interp.eval(&call, &mut s.env).expect("all");
            repo::take_log(&mut s.interp);
            v
        })
    });
    let mut direct = session(db());
    // Same data in a second database for the direct runs.
    direct.env.set("rows", author_rows());
    direct.interp.eval(&parse("Repo.insert_all(B.Author, rows)"), &mut direct.env).expect("authors");
    if let Some(posts) = s.env.get("posts").cloned() {
        direct.env.set("posts", posts);
    }
    direct.interp.eval(&parse("Repo.insert_all(B.Post, posts)"), &mut direct.env).expect("posts");
    g.bench_function("executor", |b| {
        b.iter(|| {
            let conn = repo::conn(&mut direct.interp).expect("conn");
            let exec = conn.executor();
            let mut n = 0;
            for (sql, params) in &stmts {
                n += exec.execute(sql, params).expect("select").rows.len();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench_insert_all, bench_all_with_preload);
criterion_main!(benches);
