//! Data generation (100,000 rows into a child table with a foreign key)
//! and planning (prepare + EXPLAIN QUERY PLAN + advice) of a join query.
//!
//! `cargo bench -p ectoplasm-engine --features rusqlite --bench insight`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use engine::executor::native::SqliteExecutor;
use engine::executor::Executor;
use engine::insight::{self, datagen};
use engine::playground::Workspace;
use engine::query::Op;

const DDL: &[&str] = &[
    "CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, views INTEGER, inserted_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE comments (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT, post_id INTEGER NOT NULL REFERENCES posts(id), \
     inserted_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
];

const SCHEMAS: &str = r#"
defmodule B.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :views, :integer
    has_many :comments, B.Comment
    timestamps()
  end
end

defmodule B.Comment do
  use Ecto.Schema
  schema "comments" do
    field :body, :string
    belongs_to :post, B.Post
    timestamps()
  end
end
"#;

fn database() -> SqliteExecutor {
    let mut exec = SqliteExecutor::in_memory().expect("db");
    for s in DDL {
        exec.execute(s, &[]).expect("ddl");
    }
    exec
}

fn generation(c: &mut Criterion) {
    let mut g = c.benchmark_group("generation");
    g.sample_size(10);
    g.bench_function("100k comments over 1k posts", |b| {
        b.iter_batched(
            || {
                let mut exec = database();
                let plan = datagen::plan_table(&mut exec, "posts", None, &[]).expect("plan");
                let opts = datagen::GenOptions { rows: 1_000, ..Default::default() };
                datagen::Generator::new(&mut exec, plan, opts).expect("gen").run(&mut exec).expect("posts");
                exec
            },
            |mut exec| {
                let plan = datagen::plan_table(&mut exec, "comments", None, &[]).expect("plan");
                let opts = datagen::GenOptions { rows: 100_000, seed: 1, skew: datagen::Skew::Heavy };
                datagen::Generator::new(&mut exec, plan, opts).expect("gen").run(&mut exec).expect("comments")
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn planning(c: &mut Criterion) {
    let mut exec = database();
    for (table, rows) in [("posts", 2_000), ("comments", 20_000)] {
        let plan = datagen::plan_table(&mut exec, table, None, &[]).expect("plan");
        let opts = datagen::GenOptions { rows, ..Default::default() };
        datagen::Generator::new(&mut exec, plan, opts).expect("gen").run(&mut exec).expect("fill");
    }
    let mut ws = Workspace::with_executor(Box::new(exec));
    ws.run_cell(SCHEMAS);
    let parsed = engine::syntax::parse(
        "from p in B.Post, join: c in assoc(p, :comments), where: p.views > 10 and c.body == ^\"x\", order_by: p.title",
    );
    let mut env = ws.env.clone();
    let q = ws.interp.eval(&parsed.root, &mut env).expect("query");
    c.bench_function("plan and advice of a join query", |b| {
        b.iter(|| {
            let prepared = insight::prepare(&mut ws.interp, &q, Op::All, engine::Span::NONE).expect("prepare");
            let exec = engine::repo::conn(&mut ws.interp).expect("conn").executor();
            insight::analyze(exec, &prepared, &[]).expect("analyze")
        })
    });
}

criterion_group!(benches, generation, planning);
criterion_main!(benches);
