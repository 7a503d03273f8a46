//! Repo files: the conformance corpus's **repo** conventions run on any
//! [`Executor`], the same code natively (`ectoplasm repo`, on rusqlite or a
//! PostgreSQL socket) and in wasm (on sql.js or PGlite).
//!
//! A repo file is evaluated top to bottom. `setup_migrations = [Mod, ...]`
//! runs each migration up (one JSON line each, with the statements it
//! sent); `runs = [name: fn repo -> ... end, ...]` calls each entry with the
//! corpus Repo (`Corpus.Repo`, `Corpus.PGRepo` on PostgreSQL, started with
//! `telemetry_prefix: [:corpus_repo]`), one JSON line each with its result
//! or error and the statements reported on the Repo's telemetry event.
//! The lines are the corpus's recorded format (`tests/conformance/README.md`),
//! read by `compare.py repo` / `repo_pg`.

use serde_json::{json, Map, Value as Json};

use crate::changeset::report;
use crate::diag::Span;
use crate::eval::{EResult, Env, Error, Interp};
use crate::executor::Executor;
use crate::migration::migrator::Migrator;
use crate::migration::{Adapter, MigrationSource};
use crate::repo::{self, LogEntry, RepoState, StatementKind};
use crate::syntax::{Kind, Node};
use crate::value::{inspect, NaiveDateTime, Value};

/// The binding that holds the runs.
pub const RUNS: &str = "runs";

/// The binding whose value lists the setup migrations.
pub const SETUP_MIGRATIONS: &str = "setup_migrations";

/// A repo file being run: the interpreter with the Repo installed on its
/// database, the top-level environment and the corpus Repo.
pub struct RepoFile {
    pub interp: Interp,
    /// The top-level bindings so far (each run sees a copy).
    pub env: Env,
    repo: Value,
    lines: Lines,
}

/// What a file's run wrote.
#[derive(Debug, Default)]
pub struct Report {
    /// One JSON object a line, each ending in a newline.
    pub lines: String,
    /// Whether a top-level expression outside the runs raised.
    pub failed: bool,
}

impl RepoFile {
    /// Installs `exec` as the Repo's database in `interp` (made by the host,
    /// with its limits), notes `source` (the file's text) for positions and
    /// quoted line metadata, and defines the corpus Repo.
    pub fn start(mut interp: Interp, exec: Box<dyn Executor>, source: &str) -> EResult<RepoFile> {
        repo::install(&mut interp, exec);
        let mut env = Interp::env_with_imports(&["Ecto.Query", "Ecto.Changeset"]);
        env.add_alias("Multi", "Ecto.Multi");
        interp.set_source(source);
        let name = if repo::postgres(&mut interp) { "Corpus.PGRepo" } else { "Corpus.Repo" };
        let repo_v = repo::define_repo(&mut interp, name)?;
        interp.ext::<RepoState>().telemetry_prefix = Some(Value::list(vec![Value::atom("corpus_repo")]));
        Ok(RepoFile { interp, env, repo: repo_v, lines: Lines::new(source) })
    }

    /// Times each statement with `clock` (monotonic microseconds): the
    /// telemetry lines' `time_us`.
    pub fn set_clock(&mut self, clock: Box<dyn Fn() -> u64>) {
        if let Some(c) = repo::conn(&mut self.interp) {
            c.set_clock(clock);
        }
    }

    /// The wall clock (microseconds since the Unix epoch) for timestamps and
    /// the migrator's versions. Without one, native builds read the system's.
    pub fn set_now(&mut self, now: Box<dyn Fn() -> i64>) {
        let now: std::rc::Rc<dyn Fn() -> i64> = now.into();
        self.interp.ext::<crate::eval::stdlib::calendar::Clock>().wall = Some(now.clone());
        self.interp.ext::<RepoState>().now = Some(Box::new(move || now()));
    }

    /// The corpus Repo, the value each run receives.
    pub fn repo(&self) -> &Value {
        &self.repo
    }

    /// Runs the file's top-level expressions in order (`items`, parsed from
    /// the source given to [`RepoFile::start`]). An error raised outside the
    /// runs goes to `on_error` as it happens and the file goes on. A `runs`
    /// binding that is not a literal keyword list stops everything: its
    /// right-hand side is returned (for the host to say what it is).
    pub fn run<'n>(&mut self, items: &'n [Node], mut on_error: impl FnMut(&Error)) -> Result<Report, &'n Node> {
        let mut report = Report::default();
        let mut out = String::new();
        for item in items {
            let list = match entries(item, RUNS) {
                Some(Ok(list)) => list,
                Some(Err(rhs)) => return Err(rhs),
                None => {
                    self.interp.steps = 0;
                    self.interp.depth = 0;
                    match self.interp.eval(item, &mut self.env) {
                        Ok(v) if is_binding(item, SETUP_MIGRATIONS) => {
                            repo::take_log(&mut self.interp);
                            migrations(&mut self.interp, &self.repo, &v, &mut out, &self.lines, item.span);
                        }
                        Ok(_) => {}
                        Err(e) => {
                            on_error(&e);
                            report.failed = true;
                        }
                    }
                    continue;
                }
            };
            for (name, expr) in list {
                repo::take_log(&mut self.interp);
                let result = run_entry(&mut self.interp, &self.env, &self.repo, expr);
                if let Some(c) = repo::conn(&mut self.interp) {
                    c.abort();
                }
                out.push_str(&self.run_line(name, expr, result));
                out.push('\n');
            }
        }
        report.lines = crate::value::json::finish(out);
        Ok(report)
    }

    /// One run's line: its name and, under the adapter's key, its result
    /// (or error, with the error's position) and the statements reported
    /// on the Repo's own telemetry event.
    fn run_line(&mut self, name: String, expr: &Node, result: EResult<Value>) -> String {
        let postgres = repo::postgres(&mut self.interp);
        let statements: Vec<Json> = repo::take_log(&mut self.interp).iter().filter(|e| !e.off_event).map(statement_json).collect();
        let mut run = Map::new();
        let mut obj = Map::new();
        match result {
            Ok(v) => {
                run.insert("result".into(), report::encode(&v));
                run.insert("result_inspect".into(), Json::String(inspect::inspect(&v)));
            }
            Err(e) => {
                run.insert("error".into(), Json::String(e.message()));
                run.insert("error_type".into(), Json::String(e.kind().to_string()));
                self.lines.put_position(&mut obj, e.span(), expr.span);
            }
        }
        run.insert("statements".into(), Json::Array(statements));
        obj.insert("name".into(), Json::String(name));
        obj.insert(if postgres { "postgres" } else { "sqlite" }.into(), Json::Object(run));
        Json::Object(obj).to_string()
    }
}

/// `binding = [name: expr, ...]`: its entries; `binding = other`: the right-hand
/// side, which is not a literal keyword list; anything else: `None`.
pub fn entries<'n>(item: &'n Node, binding: &str) -> Option<Result<Vec<(String, &'n Node)>, &'n Node>> {
    match &item.kind {
        Kind::BinOp { op, lhs, rhs } if op == "=" && matches!(&lhs.kind, Kind::Var(v) if v == binding) => {
            Some(rhs.as_keyword().map(|kw| kw.into_iter().map(|(k, v)| (k.to_string(), v)).collect()).ok_or(&**rhs))
        }
        _ => None,
    }
}

/// Whether `item` is `binding = ...`.
pub fn is_binding(item: &Node, binding: &str) -> bool {
    matches!(&item.kind, Kind::BinOp { op, lhs, .. } if op == "=" && matches!(&lhs.kind, Kind::Var(v) if v == binding))
}

/// Evaluates one run: `fn repo -> ... end` is called with the Repo, `fn ->
/// ... end` with nothing; any other value is the result.
pub fn run_entry(interp: &mut Interp, env: &Env, repo_v: &Value, expr: &Node) -> EResult<Value> {
    interp.steps = 0;
    interp.depth = 0;
    let mut local = env.clone();
    let v = interp.eval(expr, &mut local)?;
    match &v {
        Value::Fun(f) if f.arity() == 1 => interp.apply(&v, vec![repo_v.clone()], expr.span),
        Value::Fun(f) if f.arity() == 0 => interp.apply(&v, vec![], expr.span),
        _ => Ok(v),
    }
}

/// Runs the setup migrations `modules` (the value of `setup_migrations`,
/// whose binding is at `span`) up, one line each appended to `out`: the
/// migration's name and the statements it sent, and its error if it failed.
/// `source` is the file's text, for the error's line and column.
pub fn run_migrations(interp: &mut Interp, repo_v: &Value, modules: &Value, out: &mut String, source: &str, span: Span) {
    migrations(interp, repo_v, modules, out, &Lines::new(source), span);
}

fn migrations(interp: &mut Interp, repo_v: &Value, modules: &Value, out: &mut String, lines: &Lines, span: Span) {
    let list = modules.as_list().map(|l| l.to_vec()).unwrap_or_default();
    for (i, m) in list.iter().enumerate() {
        let name = m.as_atom().map(|a| crate::value::alias_name(a).to_string()).unwrap_or_else(|| inspect::inspect(m));
        let postgres = repo::postgres(interp);
        let mut migrator = Migrator::new(repo::migrate::shared_db(), if postgres { Adapter::Postgres } else { Adapter::Sqlite });
        migrator.repo = Some(repo_v.clone());
        let t = now(interp);
        let result = migrator.up(interp, i as i64, &MigrationSource::Module(name.clone()), t);
        let statements: Vec<Json> = repo::take_log(interp).iter().map(|e| Json::String(statement_sql(e))).collect();
        let mut obj = Map::new();
        obj.insert("setup_migration".into(), Json::String(name));
        obj.insert(if postgres { "postgres_statements" } else { "sqlite_statements" }.into(), Json::Array(statements));
        if let Err(e) = result {
            obj.insert("error".into(), Json::String(e.message()));
            obj.insert("error_type".into(), Json::String(e.kind().to_string()));
            lines.put_position(&mut obj, e.span(), span);
        }
        out.push_str(&Json::Object(obj).to_string());
        out.push('\n');
    }
}

/// A statement's SQL, or the transaction command it stands for.
fn statement_sql(e: &LogEntry) -> String {
    match e.kind {
        StatementKind::Query => e.sql.clone(),
        StatementKind::Begin => "begin".into(),
        StatementKind::Commit => "commit".into(),
        StatementKind::Rollback => "rollback".into(),
    }
}

fn statement_json(e: &LogEntry) -> Json {
    let params: Vec<Json> = e.params.iter().map(report::encode).collect();
    json!({
        "kind": "telemetry",
        "sql": statement_sql(e),
        "params": params,
        "params_inspect": inspect::inspect(&Value::list(e.params.clone())),
        "time_us": e.micros,
    })
}

/// The Repo's wall clock, to the second: the version time of a migration.
fn now(interp: &mut Interp) -> NaiveDateTime {
    let micros = repo::now_micros(interp);
    let epoch = crate::value::Date { year: 1970, month: 1, day: 1 }.to_days() * 86400;
    NaiveDateTime::from_seconds(epoch + micros.div_euclid(1_000_000), 0, 0)
}

/// Line starts of the file's text, for errors' 1-based lines and columns
/// (columns count characters).
struct Lines {
    text: String,
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text: text.to_string(), starts }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = match self.text.get(start..offset) {
            Some(s) => s.chars().count(),
            None => self.text[start..].char_indices().take_while(|(i, _)| start + i < offset).count(),
        };
        (line + 1, col + 1)
    }

    /// Puts `line` and `column` into an entry's line: the error's own span,
    /// else the entry's.
    fn put_position(&self, obj: &mut Map<String, Json>, error: Span, entry: Span) {
        let span = if error.is_none() { entry } else { error };
        let (line, column) = self.line_col(span.start as usize);
        obj.insert("line".into(), Json::from(line));
        obj.insert("column".into(), Json::from(column));
    }
}

#[cfg(all(test, feature = "rusqlite"))]
mod tests {
    use super::*;
    use crate::executor::native::SqliteExecutor;

    fn items(src: &str) -> Vec<Node> {
        let parsed = crate::syntax::parse(src);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        match parsed.root.kind {
            Kind::Block(items) => items,
            other => vec![Node::new(other, parsed.root.span)],
        }
    }

    fn run(src: &str) -> (Report, Vec<String>) {
        let exec = SqliteExecutor::in_memory().expect("sqlite");
        let mut file = RepoFile::start(crate::interp(), Box::new(exec), src).expect("starts");
        let items = items(src);
        let mut errors = vec![];
        let report = file.run(&items, |e| errors.push(e.message())).expect("a list of runs");
        (report, errors)
    }

    #[test]
    fn migrations_and_runs_give_one_line_each() {
        let src = r#"defmodule M do
  use Ecto.Migration
  def change do
    create table(:items) do
      add :name, :string
    end
  end
end
setup_migrations = [M]
runs = [
  insert: fn repo -> repo.query!("INSERT INTO items (name) VALUES (?)", ["é"]).num_rows end,
  fails: fn _repo ->
    raise "no"
  end
]
"#;
        let (report, errors) = run(src);
        assert!(errors.is_empty() && !report.failed);
        let lines: Vec<Json> = report.lines.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["setup_migration"], "M");
        assert!(lines[0]["sqlite_statements"].to_string().contains("CREATE TABLE \\\"items\\\""), "{}", lines[0]);
        assert_eq!(lines[1]["name"], "insert");
        assert_eq!(lines[1]["sqlite"]["result"], 1);
        assert_eq!(lines[1]["sqlite"]["statements"][0]["params"], json!(["é"]));
        assert_eq!(lines[1]["sqlite"]["statements"][0]["kind"], "telemetry");
        assert_eq!(lines[2]["sqlite"]["error"], "no");
        assert_eq!(lines[2]["sqlite"]["error_type"], "RuntimeError");
        assert_eq!((lines[2]["line"].as_u64(), lines[2]["column"].as_u64()), (Some(13), Some(5)));
    }

    #[test]
    fn top_level_errors_are_reported_and_the_file_goes_on() {
        let (report, errors) = run("x = 1 + :a\nruns = [one: fn -> 1 end]\n");
        assert!(report.failed);
        assert_eq!(errors.len(), 1);
        assert_eq!(report.lines.lines().count(), 1);
    }

    #[test]
    fn runs_that_are_not_a_list_stop_the_file() {
        let src = "runs = 5\n";
        let items = items(src);
        let exec = SqliteExecutor::in_memory().expect("sqlite");
        let mut file = RepoFile::start(crate::interp(), Box::new(exec), src).expect("starts");
        let rhs = file.run(&items, |_| {}).expect_err("not a list");
        assert_eq!(rhs.span.start, 7);
    }

    #[test]
    fn columns_count_characters() {
        let lines = Lines::new("é = 1\n  \"ü\" <> x");
        assert_eq!(lines.line_col(3), (1, 3));
        assert_eq!(lines.line_col(14), (2, 7));
    }
}
