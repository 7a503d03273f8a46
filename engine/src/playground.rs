//! The playground's view of the engine: a workspace of cells evaluated in
//! order against one environment, each producing what the page shows
//! (IEx-style `inspect`, a table for lists of structs or maps, printed
//! output, diagnostics with spans). Pure: the database arrives through the
//! `Executor` the caller owns.

pub mod completion;
pub mod db;
pub mod examples;
pub mod insight;
pub mod preview;
pub mod sql_format;
pub mod tables;

use serde::Serialize;

pub use db::{Statement, StatementKind};

use crate::diag::{Diagnostic, LineIndex, Span};
use crate::eval::{Env, Interp, Limits};
use crate::executor::Executor;
use crate::syntax::{self, Kind, Node};
use crate::value::{inspect, Value};

/// Modules every cell sees, as in an IEx session set up for Ecto.
pub const IMPORTS: &[&str] = &["Ecto.Query", "Ecto.Changeset"];

/// A diagnostic with line/column positions (0-based, UTF-16 columns) for the editor.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EditorDiagnostic {
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
    pub from: (usize, usize),
    pub to: (usize, usize),
}

impl EditorDiagnostic {
    pub fn new(src: &str, index: &LineIndex, d: Diagnostic) -> EditorDiagnostic {
        let from = index.utf16(src, d.span.start as usize);
        let to = index.utf16(src, d.span.end as usize);
        EditorDiagnostic { diagnostic: d, from, to }
    }
}

/// A table view of a result: column names and rendered cells.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What running one cell produced.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct CellResult {
    /// `inspect` of the last expression's value, when it succeeded.
    pub inspect: Option<String>,
    /// A table when the value is a list of structs or maps.
    pub table: Option<Table>,
    /// What `IO.puts`/`IO.inspect` printed.
    pub output: String,
    /// Syntax errors and the raised exception, if any; notes (severity
    /// `info`, such as `Mix.install/2`'s) before them.
    pub diagnostics: Vec<EditorDiagnostic>,
    /// Every statement the database received while the cell ran, in
    /// order, transaction control included.
    pub statements: Vec<Statement>,
    /// How many SQL queries the cell sent (`begin`/`commit`/`rollback`
    /// not counted).
    pub query_count: usize,
}

/// A notebook's evaluation state.
pub struct Workspace {
    pub interp: Interp,
    pub env: Env,
}

impl Default for Workspace {
    fn default() -> Workspace {
        Workspace::new()
    }
}

impl Workspace {
    /// A workspace without a database: Repo calls raise.
    pub fn new() -> Workspace {
        let mut interp = crate::interp();
        interp.limits = Limits { max_steps: 5_000_000, max_depth: 1_000, max_native_depth: 1_000, max_stack: None, max_memory: None };
        crate::migration::install(&mut interp);
        let mut env = Interp::env_with_imports(IMPORTS);
        env.add_alias("Multi", "Ecto.Multi");
        Workspace { interp, env }
    }

    /// A workspace whose `Repo` (and `Ecto.Migrator`) run on `exec`.
    pub fn with_executor(exec: Box<dyn Executor>) -> Workspace {
        let mut ws = Workspace::new();
        db::install(&mut ws.interp, exec);
        ws
    }

    /// Times each statement with `clock` (monotonic microseconds, e.g.
    /// `performance.now()` in the page), which is also the program's
    /// monotonic clock (`System.monotonic_time/1`, `:timer.tc/1`).
    pub fn set_clock(&mut self, clock: Box<dyn Fn() -> u64>) {
        let clock: std::rc::Rc<dyn Fn() -> u64> = clock.into();
        let micros = clock.clone();
        self.interp.ext::<crate::eval::stdlib::calendar::Clock>().monotonic = Some(std::rc::Rc::new(move || micros().saturating_mul(1000)));
        db::set_clock(&mut self.interp, Box::new(move || clock()));
    }

    /// The wall clock (microseconds since the Unix epoch) for timestamps,
    /// `DateTime.utc_now/0` and the migrator's version rows. Without one,
    /// native builds read the system clock.
    pub fn set_now(&mut self, now: Box<dyn Fn() -> i64>) {
        let now: std::rc::Rc<dyn Fn() -> i64> = now.into();
        self.interp.ext::<crate::eval::stdlib::calendar::Clock>().wall = Some(now.clone());
        db::set_now(&mut self.interp, Box::new(move || now()));
    }

    /// Runs one cell: every top-level expression in order; the cell's value
    /// is the last one. Bindings and modules persist for later cells.
    /// A syntax error stops the cell before anything runs.
    pub fn run_cell(&mut self, src: &str) -> CellResult {
        let index = LineIndex::new(src);
        let parsed = syntax::parse(src);
        let mut result = CellResult::default();
        if !parsed.errors.is_empty() {
            result.diagnostics = parsed.errors.into_iter().map(|d| EditorDiagnostic::new(src, &index, d)).collect();
            return result;
        }
        self.interp.steps = 0;
        self.interp.depth = 0;
        self.interp.native_depth = 0;
        self.interp.set_source(src);
        let mut env = self.env.clone();
        let outcome = self.interp.eval(&parsed.root, &mut env);
        result.output = std::mem::take(&mut self.interp.output);
        // Notes (`Mix.install/2`'s) come first, then the error, if any.
        for note in crate::eval::stdlib::mix::take_notes(&mut self.interp) {
            result.diagnostics.push(EditorDiagnostic::new(src, &index, note));
        }
        if outcome.is_err() {
            db::abort(&mut self.interp);
        }
        result.statements = db::take_log(&mut self.interp);
        result.query_count = result.statements.iter().filter(|s| s.kind == StatementKind::Query).count();
        match outcome {
            Ok(v) => {
                self.env = env;
                result.table = table(&v);
                result.inspect = Some(inspect::inspect_opts(&v, &inspect::Opts { limit: Some(200), ..inspect::Opts::default() }));
            }
            Err(e) => {
                // A failed cell keeps the bindings it had before (as the database does).
                let mut d = e.to_diagnostic();
                if d.span.is_none() {
                    d.span = Span::new(0, src.len());
                }
                result.diagnostics.push(EditorDiagnostic::new(src, &index, d));
            }
        }
        result
    }

    /// Diagnostics while typing: syntax errors only (nothing runs).
    pub fn check(src: &str) -> Vec<EditorDiagnostic> {
        let index = LineIndex::new(src);
        syntax::parse(src).errors.into_iter().map(|d| EditorDiagnostic::new(src, &index, d)).collect()
    }
}

/// The top-level expression of `root` whose span contains `offset`.
pub fn expression_at(root: &Node, offset: usize) -> Option<&Node> {
    let items: Vec<&Node> = match &root.kind {
        Kind::Block(items) => items.iter().collect(),
        _ => vec![root],
    };
    let offset = offset as u32;
    items
        .iter()
        .copied()
        .find(|n| n.span.start <= offset && offset <= n.span.end)
        .or_else(|| items.iter().copied().rev().find(|n| n.span.end <= offset))
}

/// A table for a list of structs or maps: columns in field order (schema
/// metadata and unloaded associations left out), cells as `inspect`.
pub fn table(v: &Value) -> Option<Table> {
    let items = v.as_list()?;
    if items.is_empty() {
        return None;
    }
    let mut columns: Vec<String> = Vec::new();
    let mut rows_kv: Vec<Vec<(String, Value)>> = Vec::new();
    for item in items {
        let kv: Vec<(String, Value)> = match item {
            Value::Struct(s) => s
                .fields
                .iter()
                .filter(|(k, v)| &**k != "__meta__" && v.struct_name() != Some("Ecto.Association.NotLoaded"))
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            Value::Map(m) => m.iter().map(|(k, v)| (crate::value::json::key_string(k), v.clone())).collect(),
            _ => return None,
        };
        for (k, _) in &kv {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
        rows_kv.push(kv);
    }
    let opts = inspect::Opts { limit: Some(20), ..inspect::Opts::default() };
    let rows = rows_kv
        .into_iter()
        .map(|kv| {
            columns
                .iter()
                .map(|c| match kv.iter().find(|(k, _)| k == c) {
                    Some((_, Value::Str(s))) => s.to_string(),
                    Some((_, v)) => inspect::inspect_opts(v, &opts),
                    None => String::new(),
                })
                .collect()
        })
        .collect();
    Some(Table { columns, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_share_bindings_and_modules() {
        let mut ws = Workspace::new();
        let r = ws.run_cell("defmodule M do\n  def twice(x), do: x * 2\nend\nx = 21");
        assert_eq!(r.inspect.as_deref(), Some("21"));
        let r = ws.run_cell("M.twice(x)");
        assert_eq!(r.inspect.as_deref(), Some("42"));
    }

    #[test]
    fn a_failed_cell_keeps_earlier_bindings_and_points_at_the_error() {
        let mut ws = Workspace::new();
        ws.run_cell("x = 1");
        let r = ws.run_cell("x = 2\ny = x + :a");
        assert!(r.inspect.is_none());
        let d = &r.diagnostics[0];
        assert_eq!(d.diagnostic.kind, "ArithmeticError");
        assert_eq!(d.from, (1, 4));
        let r = ws.run_cell("x");
        assert_eq!(r.inspect.as_deref(), Some("1"));
    }

    #[test]
    fn syntax_errors_stop_the_cell() {
        let mut ws = Workspace::new();
        let r = ws.run_cell("IO.puts(\"a\")\n[1, 2");
        assert!(r.output.is_empty());
        assert_eq!(r.diagnostics[0].diagnostic.kind, "TokenMissingError");
    }

    #[test]
    fn lists_of_maps_become_tables() {
        let mut ws = Workspace::new();
        let r = ws.run_cell("[%{id: 1, name: \"a\"}, %{id: 2, name: \"<b>\"}]");
        let t = r.table.expect("table");
        assert_eq!(t.columns, vec!["id", "name"]);
        assert_eq!(t.rows[1], vec!["2", "<b>"]);
    }

    /// Answers every statement with no rows, remembering the SQL.
    struct Recorder(std::rc::Rc<std::cell::RefCell<Vec<String>>>);

    impl Executor for Recorder {
        fn execute(
            &mut self,
            sql: &str,
            _params: &[crate::executor::DbValue],
        ) -> Result<crate::executor::QueryResult, crate::executor::DbError> {
            self.0.borrow_mut().push(sql.to_string());
            Ok(crate::executor::QueryResult::default())
        }
    }

    #[test]
    fn migrations_run_on_the_given_executor_and_each_cell_reports_its_statements() {
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut ws = Workspace::with_executor(Box::new(Recorder(seen.clone())));
        ws.set_now(Box::new(|| 1_735_689_600_000_000));
        let r = ws.run_cell("defmodule M1 do\n  use Ecto.Migration\n  def change do\n    create table(:items) do\n      add :name, :string\n    end\n  end\nend");
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(r.statements.is_empty());
        let r = ws.run_cell("Ecto.Migrator.up(Repo, 1, M1)");
        assert_eq!(r.inspect.as_deref(), Some(":ok"));
        let kinds: Vec<(StatementKind, &str)> = r.statements.iter().map(|s| (s.kind, s.sql.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (
                    StatementKind::Query,
                    "CREATE TABLE IF NOT EXISTS \"schema_migrations\" (\"version\" INTEGER PRIMARY KEY, \"inserted_at\" TEXT)"
                ),
                (StatementKind::Query, "SELECT s0.\"version\" FROM \"schema_migrations\" AS s0"),
                (StatementKind::Begin, "begin"),
                (StatementKind::Query, "CREATE TABLE \"items\" (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT, \"name\" TEXT)"),
                (StatementKind::Query, "INSERT INTO \"schema_migrations\" (\"version\",\"inserted_at\") VALUES (?1,?2)"),
                (StatementKind::Commit, "commit"),
            ]
        );
        assert_eq!(r.statements[4].params, vec!["1", "\"2025-01-01T00:00:00\""]);
        assert_eq!(
            r.output,
            "00:00:00.000 [info] == Running 1 M1.change/0 forward\n00:00:00.000 [info] create table items\n00:00:00.000 [info] == Migrated 1 in 0.0s\n"
        );
        assert_eq!(r.query_count, 4);
        assert_eq!(seen.borrow()[0], "PRAGMA foreign_keys = ON");
        // The next cell starts a fresh log.
        let r = ws.run_cell("1 + 1");
        assert!(r.statements.is_empty());
    }

    #[test]
    fn the_log_keeps_the_first_params_of_a_large_statement_and_their_count() {
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut ws = Workspace::with_executor(Box::new(Recorder(seen.clone())));
        let r = ws.run_cell("Repo.query!(\"SELECT 1\", Enum.to_list(1..250))\n:done");
        let s = &r.statements[0];
        assert_eq!((s.params.len(), s.params_total), (db::LOG_PARAMS, 250));
        assert_eq!((s.params[0].as_str(), s.params[99].as_str()), ("1", "100"));
    }

    #[test]
    fn repo_is_available_without_defining_one_and_a_user_repo_works_too() {
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut ws = Workspace::with_executor(Box::new(Recorder(seen.clone())));
        let r = ws.run_cell("Repo.query!(\"SELECT ?\", [1])\n:done");
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.query_count, 1);
        assert_eq!((r.statements[0].sql.as_str(), r.statements[0].params.clone()), ("SELECT ?", vec!["1".to_string()]));
        let r = ws.run_cell(
            "defmodule MyApp.Repo do\n  use Ecto.Repo, otp_app: :my_app, adapter: Ecto.Adapters.SQLite3\nend\nMyApp.Repo.query!(\"SELECT 2\")\n:done",
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.statements.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>(), vec!["SELECT 2"]);
    }

    #[test]
    fn a_cell_stopped_inside_a_transaction_rolls_it_back() {
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut ws = Workspace::with_executor(Box::new(Recorder(seen.clone())));
        ws.interp.limits.max_steps = 10_000;
        let r = ws.run_cell("Repo.transaction(fn ->\n  Repo.query!(\"SELECT 1\")\n  Enum.each(Stream.cycle([1]), fn _ -> :ok end)\nend)");
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(r.statements.last().map(|s| s.kind), Some(StatementKind::Rollback));
        let r = ws.run_cell("Repo.in_transaction?()");
        assert_eq!(r.inspect.as_deref(), Some("false"));
    }

    #[test]
    fn without_an_executor_repo_calls_raise() {
        let mut ws = Workspace::new();
        let r = ws.run_cell("Repo.query!(\"SELECT 1\")");
        assert_eq!(r.diagnostics.len(), 1);
        assert!(r.statements.is_empty());
    }

    #[test]
    fn output_is_captured_per_cell() {
        let mut ws = Workspace::new();
        let r = ws.run_cell("IO.puts(\"hello\")\nIO.inspect([1, 2])\n:ok");
        assert_eq!(r.output, "hello\n[1, 2]\n");
        assert_eq!(r.inspect.as_deref(), Some(":ok"));
    }
}
