//! "Why is this query slow?" in the notebook: the query under the cursor
//! (found and evaluated as the SQL preview does) planned, advised and timed
//! on the workspace's database, its preloads compared, the migration cell
//! for each index advice, and data generated for a table in steps. The
//! work is [`crate::insight`]'s; this is the workspace's side of it.

use std::rc::Rc;

use serde::Serialize;

use super::Workspace;
use crate::diag::Span;
use crate::erd::code;
use crate::executor::Executor;
use crate::insight::datagen::{self, GenOptions, Generator, Progress};
use crate::insight::strategies::{self, StrategyResult};
use crate::insight::{self, Analysis, Timing};
use crate::query::Op;
use crate::value::Value;

/// Timing stops repeating a query once its runs took this long in all
/// (microseconds): a slow query is measured fewer times, never for minutes.
pub const TIMING_BUDGET_US: u64 = 3_000_000;

/// The most runs a timing makes.
pub const MAX_RUNS: usize = 50;

/// What the page shows about the query under the cursor.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueryInsight {
    /// `all`, `update_all` or `delete_all`.
    pub op: &'static str,
    /// The query expression's byte span in the cell.
    pub span: Span,
    pub analysis: Analysis,
    /// The query run K times, when asked for (reads only: never for
    /// `update_all`/`delete_all`).
    pub timing: Option<Timing>,
    /// Why there is no timing although one was asked for.
    pub timing_error: Option<String>,
    /// For each advice, in order: the migration cell that creates the index.
    pub cells: Vec<String>,
    /// Whether the query preloads associations (strategies can be compared).
    pub preloads: bool,
}

/// The analysis of the query under the cursor, or why there is none.
#[derive(Clone, Debug, PartialEq)]
pub enum InsightOutcome {
    /// The expression under the cursor is not a query.
    NoQuery,
    /// The query could not be planned or explained (no such table, ...).
    Failed {
        span: Span,
        message: String,
    },
    Ready(Box<QueryInsight>),
}

/// The program's monotonic clock in microseconds (the host's, else the
/// system's on native builds, else one that stands still).
fn clock(ws: &mut Workspace) -> Rc<dyn Fn() -> u64> {
    if let Some(ns) = ws.interp.ext::<crate::eval::stdlib::calendar::Clock>().monotonic.clone() {
        return Rc::new(move || ns() / 1000);
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let start = std::time::Instant::now();
        Rc::new(move || start.elapsed().as_micros() as u64)
    }
    #[cfg(target_arch = "wasm32")]
    {
        Rc::new(|| 0)
    }
}

/// Runs `sql` up to `k` times (at least once, at most [`MAX_RUNS`]),
/// stopping early once the runs took [`TIMING_BUDGET_US`] in all.
pub fn time_within_budget(
    exec: &mut dyn Executor,
    sql: &str,
    params: &[crate::executor::DbValue],
    k: usize,
    clock: &dyn Fn() -> u64,
) -> Result<Timing, crate::executor::DbError> {
    let k = k.clamp(1, MAX_RUNS);
    let mut runs_us: Vec<u64> = Vec::with_capacity(k);
    let mut rows = 0;
    for _ in 0..k {
        let t = insight::time_query(exec, sql, params, 1, clock)?;
        runs_us.extend(t.runs_us);
        rows = t.rows;
        if runs_us.iter().sum::<u64>() >= TIMING_BUDGET_US {
            break;
        }
    }
    Ok(Timing { median_us: insight::median(&runs_us), runs_us, rows })
}

/// The migration module's namespace: the first schema module's (`Blog`
/// for `Blog.Post`), else `App`.
fn namespace(ws: &mut Workspace) -> String {
    let mut modules: Vec<String> = ws.interp.ext::<crate::schema::SchemaRegistry>().schemas.keys().cloned().collect();
    crate::sort::sort(&mut modules);
    modules
        .iter()
        .map(|m| m.strip_prefix("Elixir.").unwrap_or(m))
        .find_map(|m| m.split_once('.').map(|(ns, _)| ns.to_string()))
        .unwrap_or_else(|| "App".to_string())
}

/// The migration cell that creates the index of `advice`: a module named
/// after it (`Blog.Migrations.CreatePostsTitleIndex`) and the migrator
/// call with the next version.
pub fn migration_cell(ns: &str, max_version: i64, advice: &insight::IndexAdvice) -> String {
    let mut name = format!("create_{}_{}", advice.table, advice.columns.join("_"));
    name.push_str(if advice.unique { "_unique_index" } else { "_index" });
    if advice.where_.is_some() {
        name.push_str("_partial");
    }
    let module = format!("{ns}.Migrations.{}", code::camel(&name));
    code::migration_cell(&module, max_version.saturating_add(1), &advice.migration)
}

/// Whether a queryable preloads associations.
fn has_preloads(ws: &mut Workspace, q: &Value) -> bool {
    crate::query::to_query(&mut ws.interp, q, Span::NONE).is_ok_and(|q| !q.preloads.is_empty())
}

impl Workspace {
    /// Plans the query at byte `cursor` of `src` (after the definitions of
    /// `earlier` cells not run yet) on the workspace's database: the plan,
    /// the index advice with a migration cell each, and with `runs` > 0 its
    /// timing. `cells` are the notebook's sources, where the schemas'
    /// `unique_constraint`s are read.
    pub fn insight_at(&mut self, earlier: &[&str], cells: &[&str], src: &str, cursor: usize, runs: usize) -> InsightOutcome {
        let limits = self.interp.limits;
        let outcome = self.with_query_at(earlier, src, cursor, |ws, op, q, span| {
            ws.interp.limits = limits;
            ws.interp.steps = 0;
            let failed = |message: String| InsightOutcome::Failed { span, message };
            let mut prepared = match insight::prepare(&mut ws.interp, &q, op, span) {
                Ok(p) => p,
                Err(e) => return failed(e.message()),
            };
            let mut uniques = vec![];
            for cell in cells {
                for u in insight::unique_constraints(&mut ws.interp, cell) {
                    if !uniques.contains(&u) {
                        uniques.push(u);
                    }
                }
            }
            let preloads = op == Op::All && has_preloads(ws, &q);
            let ns = namespace(ws);
            let clock = clock(ws);
            let Some(conn) = crate::repo::conn(&mut ws.interp) else { return failed("no database is open".to_string()) };
            let exec = conn.executor();
            if let Err(e) = insight::bind_postgres(exec, &mut prepared) {
                return failed(e.message);
            }
            let analysis = match insight::analyze(exec, &prepared, &uniques) {
                Ok(a) => a,
                Err(e) => return failed(e.message),
            };
            let max_version = crate::erd::catalog::read(exec).map(|c| c.max_version).unwrap_or(0);
            let cells = analysis.advice.iter().map(|a| migration_cell(&ns, max_version, a)).collect();
            let (timing, timing_error) = match (runs, op) {
                (0, _) => (None, None),
                (_, Op::All) => match time_within_budget(exec, &prepared.sql, &prepared.params, runs, &*clock) {
                    Ok(t) => (Some(t), None),
                    Err(e) => (None, Some(e.message)),
                },
                _ => (None, Some(format!("{} changes rows: it is planned, not run", op.name()))),
            };
            InsightOutcome::Ready(Box::new(QueryInsight { op: op.name(), span, analysis, timing, timing_error, cells, preloads }))
        });
        outcome.unwrap_or(InsightOutcome::NoQuery)
    }

    /// The query at `cursor` loaded with its preloads three ways (separate
    /// queries, a join, preload queries), each run `runs` times. `None`
    /// when the expression there is not a query.
    pub fn strategies_at(
        &mut self,
        earlier: &[&str],
        src: &str,
        cursor: usize,
        runs: usize,
    ) -> Option<Result<Vec<StrategyResult>, String>> {
        let limits = self.interp.limits;
        self.with_query_at(earlier, src, cursor, |ws, op, q, _| {
            if op != Op::All {
                return Err(format!("{} changes rows: only a query that reads loads preloads", op.name()));
            }
            ws.interp.limits = limits;
            ws.interp.steps = 0;
            let clock = clock(ws);
            let repo = crate::repo::repo_value();
            let out = strategies::compare(&mut ws.interp, &repo, &q, runs.clamp(1, MAX_RUNS), &*clock).map_err(|e| e.message());
            crate::repo::take_log(&mut ws.interp);
            out
        })
    }

    /// A generation of `opts.rows` rows for `table`, planned from the
    /// table's columns, the schema that maps it (if any) and the
    /// validations read from `cells`. Nothing is inserted yet: each
    /// [`Workspace::generate_step`] inserts the next batch.
    pub fn generator(&mut self, table: &str, cells: &[&str], opts: GenOptions) -> Result<Generator, String> {
        let schema = {
            let registry = self.interp.ext::<crate::schema::SchemaRegistry>();
            let mut found: Vec<(&String, &Rc<crate::schema::Schema>)> =
                registry.schemas.iter().filter(|(_, s)| s.source.as_deref() == Some(table)).collect();
            crate::sort::sort_by(&mut found, |a, b| a.0.cmp(b.0));
            found.first().map(|(_, s)| Rc::clone(s))
        };
        let mut validations = vec![];
        for cell in cells {
            validations.extend(datagen::validations(&mut self.interp, cell).into_iter().filter(|(t, _)| t == table).map(|(_, v)| v));
        }
        let conn = crate::repo::conn(&mut self.interp).ok_or("no database is open")?;
        if conn.in_transaction() {
            return Err("a transaction is open".to_string());
        }
        let exec = conn.executor();
        let plan = datagen::plan_table(exec, table, schema.as_deref(), &validations).map_err(|e| e.to_string())?;
        Generator::new(exec, plan, opts).map_err(|e| e.to_string())
    }

    /// Inserts the generation's next batch (in one transaction: a batch
    /// that fails leaves the table as it was before it).
    pub fn generate_step(&mut self, generator: &mut Generator) -> Result<Progress, String> {
        let conn = crate::repo::conn(&mut self.interp).ok_or("no database is open")?;
        generator.step(conn.executor()).map_err(|e| e.to_string())
    }
}

/// A query a cell sent more than twice (a likely N+1): where it came from
/// and the preload that loads the same rows in one query.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Repeated {
    pub sql: String,
    pub count: usize,
    /// The Repo call that sent it, when it is in the cell (byte span).
    pub span: Option<Span>,
    /// Its 1-based line in the cell.
    pub line: Option<usize>,
    /// The preload that removes it, in words with the code
    /// (`` `Repo.preload(posts, :comments)` `` ...), when an association
    /// matches the query.
    pub preload: Option<String>,
}

/// The SQL text a cell sent most often, when more than twice, with the
/// line of the Repo call that sent it (when that call is in `src`, the
/// cell's text) and the preload that would load those rows at once.
pub fn repeated_query(ws: &mut Workspace, statements: &[super::Statement], src: &str) -> Option<Repeated> {
    let mut counts: Vec<(&str, usize, Option<Span>)> = Vec::new();
    for s in statements.iter().filter(|s| s.kind == super::StatementKind::Query) {
        match counts.iter_mut().find(|(sql, _, _)| *sql == s.sql) {
            Some((_, n, _)) => *n += 1,
            None => counts.push((&s.sql, 1, s.span)),
        }
    }
    let (sql, count, span) = counts.into_iter().filter(|(_, n, _)| *n > 2).max_by_key(|(_, n, _)| *n)?;
    // A span points into the source of the code that made the call: it is
    // this cell's only when the text there is that call.
    let span = span.filter(|sp| {
        src.get(sp.start as usize..sp.end as usize).is_some_and(|t| t.contains("Repo") || t.contains("repo") || t.contains("preload"))
    });
    let line = span.map(|sp| src[..sp.start as usize].matches('\n').count() + 1);
    let preload = preload_for(ws, sql);
    Some(Repeated { sql: sql.to_string(), count, span, line, preload })
}

/// The association whose loading, one parent at a time, sends `sql`
/// (`SELECT ... FROM "comments" AS c0 WHERE (c0."post_id" = ?)`), and the
/// preload that loads it for every parent at once.
fn preload_for(ws: &mut Workspace, sql: &str) -> Option<String> {
    let from = sql.find(" FROM \"")? + 7;
    let table = &sql[from..from + sql[from..].find('"')?];
    let where_at = sql.find(" WHERE ")?;
    let cond = &sql[where_at..];
    let eq = cond.find("\" = ?").or_else(|| cond.find("\" = $"))?;
    let column = &cond[cond[..eq].rfind('"')? + 1..eq];
    let mut schemas: Vec<Rc<crate::schema::Schema>> = ws.interp.ext::<crate::schema::SchemaRegistry>().schemas.values().cloned().collect();
    crate::sort::sort_by(&mut schemas, |a, b| a.module.cmp(&b.module));
    let source_of = |module: &str| schemas.iter().find(|s| s.module == module).and_then(|s| s.source.clone());
    let mut has = vec![];
    let mut belongs = vec![];
    for s in &schemas {
        for a in &s.assocs {
            let Some(related) = a.related.as_deref() else { continue };
            let related_table = a.related_source.clone().or_else(|| source_of(related));
            if related_table.as_deref() != Some(table) || a.related_key != column {
                continue;
            }
            match a.kind {
                crate::schema::AssocKind::Has { .. } => has.push((s.module.clone(), a.field.clone())),
                crate::schema::AssocKind::BelongsTo => belongs.push((s.module.clone(), a.field.clone())),
                _ => {}
            }
        }
    }
    let (module, field) = if has.len() == 1 {
        has.remove(0)
    } else if has.is_empty() && belongs.len() == 1 {
        belongs.remove(0)
    } else {
        return None;
    };
    let module = module.strip_prefix("Elixir.").unwrap_or(&module).to_string();
    let var = format!("{}s", code::underscore_last(&module));
    let atom = code::atom(&field);
    Some(format!(
        "load `{field}` for every {module} at once: `Repo.preload({var}, {atom})` on the list, or `preload: [{atom}]` in the query that loads them"
    ))
}

#[cfg(all(test, feature = "rusqlite"))]
mod tests {
    use super::*;
    use crate::executor::native::SqliteExecutor;

    const BLOG: &str = r#"
defmodule Blog.Author do
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
    field :views, :integer
    belongs_to :author, Blog.Author
    has_many :comments, Blog.Comment
    timestamps()
  end

  def changeset(p, attrs) do
    p |> Ecto.Changeset.cast(attrs, [:title, :views]) |> Ecto.Changeset.validate_number(:views, greater_than_or_equal_to: 0, less_than: 50)
  end
end

defmodule Blog.Comment do
  use Ecto.Schema
  schema "comments" do
    field :body, :string
    belongs_to :post, Blog.Post
    timestamps()
  end
end
"#;

    const MIGRATION: &str = r#"
defmodule Blog.Migrations.Create do
  use Ecto.Migration
  def change do
    create table(:authors) do
      add :name, :string, null: false
    end
    create table(:posts) do
      add :title, :string, null: false
      add :views, :integer
      add :author_id, references(:authors), null: false
      timestamps()
    end
    create index(:posts, [:author_id])
    create table(:comments) do
      add :body, :text
      add :post_id, references(:posts), null: false
      timestamps()
    end
    create index(:comments, [:post_id])
  end
end
Ecto.Migrator.up(Repo, 1, Blog.Migrations.Create)
Repo.insert!(%Blog.Author{name: "Ada"})
Repo.insert!(%Blog.Author{name: "Grace"})
"#;

    fn blog() -> Workspace {
        let exec = SqliteExecutor::in_memory().expect("db");
        let mut ws = Workspace::with_executor(Box::new(exec));
        for cell in [BLOG, MIGRATION] {
            let r = ws.run_cell(cell);
            assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        }
        ws
    }

    fn generate(ws: &mut Workspace, table: &str, rows: usize) -> Progress {
        let mut g = ws.generator(table, &[BLOG, MIGRATION], GenOptions { rows, seed: 7, ..GenOptions::default() }).expect("generator");
        loop {
            let p = ws.generate_step(&mut g).expect("step");
            if p.done {
                return p;
            }
        }
    }

    #[test]
    fn generation_in_steps_reads_the_schema_and_its_validations() {
        let mut ws = blog();
        assert_eq!(generate(&mut ws, "posts", 25_000).inserted, 25_000);
        let r = ws.run_cell("Repo.aggregate(Blog.Post, :count)");
        assert_eq!(r.inspect.as_deref(), Some("25000"));
        let r = ws.run_cell("Repo.one(from p in Blog.Post, where: p.views < 0 or p.views > 49, select: count())");
        assert_eq!(r.inspect.as_deref(), Some("0"), "validate_number bounds the values");
        let err = ws.generator("nope", &[], GenOptions::default()).err().expect("no such table");
        assert!(err.contains("no table `nope`"), "{err}");
    }

    #[test]
    fn a_join_table_skips_repeated_pairs_and_says_how_many_went_in() {
        let mut ws = blog();
        let r = ws.run_cell(
            "Repo.query!(\"CREATE TABLE follows (follower_id INTEGER NOT NULL REFERENCES authors(id), followed_id INTEGER NOT NULL REFERENCES authors(id))\")\nRepo.query!(\"CREATE UNIQUE INDEX follows_pair ON follows (follower_id, followed_id)\")",
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let p = generate(&mut ws, "follows", 100);
        assert!(p.done && p.attempted == 100, "{p:?}");
        // two authors: at most four pairs, each once
        assert!(p.inserted >= 1 && p.inserted <= 4, "{p:?}");
        let r = ws.run_cell("Repo.query!(\"SELECT count(*) FROM follows\").rows");
        assert_eq!(r.inspect, Some(format!("[[{}]]", p.inserted)));
    }

    #[test]
    fn the_query_under_the_cursor_is_planned_advised_and_timed() {
        let mut ws = blog();
        generate(&mut ws, "posts", 5_000);
        generate(&mut ws, "comments", 5_000);
        let src =
            "title = \"x\"\nfrom p in Blog.Post,\n  join: c in assoc(p, :comments),\n  where: p.title == ^title,\n  select: {p.id, c.body}";
        let cursor = src.len() - 3;
        let InsightOutcome::Ready(i) = ws.insight_at(&[], &[BLOG], src, cursor, 3) else { panic!("no insight") };
        let scan = i.analysis.plan.nodes.iter().find(|n| n.detail.starts_with("SCAN")).expect("a full scan");
        assert!(scan.flagged, "{scan:?}");
        let from = scan.clauses.iter().find(|c| c.clause == "from").expect("tied to the from clause");
        assert_eq!(&src[from.start as usize..from.end as usize], "p in Blog.Post");
        assert_eq!(i.analysis.advice.len(), 1, "{:?}", i.analysis.advice);
        assert_eq!(i.analysis.advice[0].migration, "create index(:posts, [:title])");
        assert!(i.cells[0].contains("defmodule Blog.Migrations.CreatePostsTitleIndex do"), "{}", i.cells[0]);
        assert!(i.cells[0].contains("Ecto.Migrator.up(Repo, 2, Blog.Migrations.CreatePostsTitleIndex)"), "{}", i.cells[0]);
        let t = i.timing.expect("timing");
        assert_eq!((t.runs_us.len(), t.rows), (3, 0));
        assert!(!i.preloads);
        // the migration cell runs, and the plan then searches the index
        let r = ws.run_cell(&i.cells[0]);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let InsightOutcome::Ready(after) = ws.insight_at(&[], &[BLOG], src, cursor, 0) else { panic!("no insight") };
        assert!(
            after.analysis.plan.nodes.iter().any(|n| n.detail.starts_with("SEARCH p0") && n.detail.contains("INDEX posts_title_index")),
            "{:?}",
            after.analysis.plan
        );
        assert!(after.analysis.advice.is_empty());
        assert_eq!(after.timing, None);
    }

    #[test]
    fn no_query_a_missing_table_and_writes() {
        let mut ws = blog();
        assert_eq!(ws.insight_at(&[], &[], "1 + 2", 2, 5), InsightOutcome::NoQuery);
        let src = "from x in \"missing\", select: x.id";
        match ws.insight_at(&[], &[], src, 3, 5) {
            InsightOutcome::Failed { message, .. } => assert!(message.contains("no such table"), "{message}"),
            other => panic!("{other:?}"),
        }
        // delete_all is planned, never run
        generate(&mut ws, "posts", 200);
        let src = "Repo.delete_all(from p in Blog.Post, where: p.views > 3)";
        let InsightOutcome::Ready(i) = ws.insight_at(&[], &[], src, 20, 5) else { panic!("no insight") };
        assert_eq!(i.op, "delete_all");
        assert!(i.timing.is_none() && i.timing_error.is_some());
        assert_eq!(ws.run_cell("Repo.aggregate(Blog.Post, :count)").inspect.as_deref(), Some("200"));
    }

    #[test]
    fn a_repeated_query_points_at_its_line_and_the_preload() {
        let mut ws = blog();
        generate(&mut ws, "posts", 10);
        let src = "posts = Repo.all(Blog.Post)\nEnum.map(posts, fn p ->\n  Repo.all(Ecto.assoc(p, :comments))\nend)";
        let r = ws.run_cell(src);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let rep = repeated_query(&mut ws, &r.statements, src).expect("repeated");
        assert_eq!(rep.count, 10);
        assert_eq!(rep.line, Some(3));
        let sp = rep.span.expect("span");
        assert_eq!(&src[sp.start as usize..sp.end as usize], "Repo.all(Ecto.assoc(p, :comments))");
        let fix = rep.preload.expect("preload");
        assert!(fix.contains("Repo.preload(posts, :comments)") && fix.contains("preload: [:comments]"), "{fix}");
        // belongs_to, one parent at a time
        let src = "for p <- Repo.all(Blog.Post), do: Repo.get!(Blog.Author, p.author_id).name";
        let r = ws.run_cell(src);
        let rep = repeated_query(&mut ws, &r.statements, src).expect("repeated");
        assert_eq!(rep.line, Some(1));
        assert!(rep.preload.expect("preload").contains("Repo.preload(posts, :author)"));
        // a call made inside a function defined elsewhere has no line here
        let r = ws.run_cell("defmodule Loader do\n  def comments(p), do: Repo.all(Ecto.assoc(p, :comments))\nend");
        assert!(r.diagnostics.is_empty());
        let src = "Repo.all(Blog.Post) |> Enum.map(&Loader.comments/1)";
        let r = ws.run_cell(src);
        let rep = repeated_query(&mut ws, &r.statements, src).expect("repeated");
        assert_eq!(rep.line, None);
        assert!(repeated_query(&mut ws, &[], "").is_none());
    }

    #[test]
    fn preload_strategies_at_the_cursor() {
        let mut ws = blog();
        generate(&mut ws, "posts", 300);
        generate(&mut ws, "comments", 900);
        let src = "from p in Blog.Post, where: p.id < 20, preload: [:comments]";
        let InsightOutcome::Ready(i) = ws.insight_at(&[], &[], src, 5, 0) else { panic!("no insight") };
        assert!(i.preloads);
        let r = ws.strategies_at(&[], src, 5, 2).expect("a query").expect("compared");
        let queries: Vec<usize> = r.iter().map(|s| s.queries).collect();
        assert_eq!(queries, [2, 1, 2]);
        assert!(r.iter().all(|s| s.error.is_none()), "{r:?}");
        assert!(ws.strategies_at(&[], "1", 0, 2).is_none());
        let no_preload = ws.strategies_at(&[], "from p in Blog.Post", 3, 2).expect("a query");
        assert!(no_preload.is_err());
    }
}
