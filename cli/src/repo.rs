//! `ectoplasm repo FILE` (the corpus's **repo** conventions, run by
//! `engine::repo_file`: `setup_migrations`, then each `runs = [name: fn
//! repo -> ... end]` on one in-memory database or a PostgreSQL server, one
//! JSON line each) and `ectoplasm run FILE [--db
//! PATH]` (a script against a SQLite file, each top-level result printed
//! as IEx would).

use engine::diag::Span;
use engine::eval::{Env, Error, Interp};
use engine::executor::native::SqliteExecutor;
use engine::executor::Executor;
use engine::repo;
use engine::repo_file::{self, RepoFile};
use engine::syntax::Node;
use engine::value::{inspect, Value};

use crate::common;
use crate::input::{Failure, Input};

/// The database of `ectoplasm repo` on the command line.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AdapterArg {
    /// ecto_sqlite3 on an in-memory database
    #[default]
    Sqlite,
    /// ecto_sql's Postgres adapter (Postgrex) on a server
    Postgres,
}

/// A new interpreter with a database and the environment of a repo run.
pub(crate) fn setup(exec: SqliteExecutor) -> (Interp, Env) {
    let mut interp = common::interp();
    repo::install(&mut interp, Box::new(exec));
    if let Some(c) = repo::conn(&mut interp) {
        let start = std::time::Instant::now();
        c.set_clock(Box::new(move || start.elapsed().as_micros() as u64));
    }
    let mut env = Interp::env_with_imports(&["Ecto.Query", "Ecto.Changeset"]);
    env.add_alias("Multi", "Ecto.Multi");
    (interp, env)
}

pub(crate) fn open(path: Option<&str>) -> Result<SqliteExecutor, Failure> {
    let exec = match path {
        Some(p) => SqliteExecutor::open(p),
        None => SqliteExecutor::in_memory(),
    }
    .map_err(|e| Failure(format!("ectoplasm: cannot open the database: {e}")))?;
    // ecto_sqlite3 turns foreign key enforcement on.
    let mut exec = exec;
    exec.execute("PRAGMA foreign_keys = ON", &[]).map_err(|e| Failure(format!("ectoplasm: {e}")))?;
    // Ecto's default `:timeout`: a runaway statement (an endless recursive
    // CTE) is stopped with an error instead of hanging the command.
    exec.set_time_limit(Some(std::time::Duration::from_millis(15_000)));
    Ok(exec)
}

pub(crate) fn is_binding(item: &Node, binding: &str) -> bool {
    repo_file::is_binding(item, binding)
}

/// Runs the setup migrations, printing one line each.
pub(crate) fn run_migrations(interp: &mut Interp, repo_v: &Value, modules: &Value, out: &mut String, input: &Input, span: Span) {
    repo_file::run_migrations(interp, repo_v, modules, out, &input.text, span);
}

/// Evaluates one run: `fn repo -> ... end` called with the Repo.
pub(crate) fn run_entry(interp: &mut Interp, env: &Env, repo_v: &Value, expr: &Node) -> Result<Value, Box<Error>> {
    repo_file::run_entry(interp, env, repo_v, expr)
}

pub fn run(input: &Input) -> Result<(), Failure> {
    let items = common::checked_items(input, repo_file::RUNS)?;
    run_on(input, &items, Box::new(open(None)?))
}

/// `ectoplasm repo --adapter postgres --database-url URL FILE`: the same
/// runs on a PostgreSQL server, reported under `postgres`.
pub fn run_postgres(input: &Input, url: &str) -> Result<(), Failure> {
    let items = common::checked_items(input, repo_file::RUNS)?;
    run_on(input, &items, Box::new(crate::pg::open(url)?))
}

/// The file's runs (`engine::repo_file`) with the command line's limits,
/// statements timed by the process's monotonic clock; the lines go to
/// stdout, errors outside the runs to stderr as Elixir prints them.
fn run_on(input: &Input, items: &[Node], exec: Box<dyn Executor>) -> Result<(), Failure> {
    let mut file = RepoFile::start(common::interp(), exec, &input.text).map_err(|e| Failure(input.runtime_error(&e)))?;
    let start = std::time::Instant::now();
    file.set_clock(Box::new(move || start.elapsed().as_micros() as u64));
    let report = match file.run(items, |e| eprintln!("{}", input.runtime_error(e))) {
        Ok(report) => report,
        Err(rhs) => return Err(common::not_a_list(input, &mut file.interp, &mut file.env, repo_file::RUNS, rhs)),
    };
    print!("{}", report.lines);
    if report.failed {
        return Err(Failure::reported());
    }
    Ok(())
}

/// Runs a script and prints each top-level result the way IEx would.
pub fn run_script(input: &Input, db: Option<&str>) -> Result<(), Failure> {
    let items = Input::items(input.parse()?);
    common::compile_check(input, &items)?;
    let (mut interp, mut env) = setup(open(db)?);
    interp.set_source(&input.text);
    engine::eval::stdlib::exunit_case::set_file(&mut interp, &input.path);
    let mut failed = false;
    for item in &items {
        interp.steps = 0;
        interp.depth = 0;
        let result = interp.eval(item, &mut env);
        if let Some(c) = repo::conn(&mut interp) {
            c.abort();
        }
        print!("{}", std::mem::take(&mut interp.output));
        match result {
            Ok(v) => println!("{}", inspect::inspect(&v)),
            // As IEx goes on after an error, so does the script; the error
            // names its line and column, and the exit code says one happened.
            Err(e) => {
                failed = true;
                println!("{}", input.runtime_error(&e));
            }
        }
        repo::take_log(&mut interp);
    }
    // `ExUnit.start()` (autorun on) runs the test modules when the script ends.
    if engine::eval::stdlib::exunit_case::autorun_pending(&mut interp) {
        interp.steps = 0;
        let result = engine::eval::stdlib::exunit_case::run_pending(&mut interp);
        print!("{}", std::mem::take(&mut interp.output));
        match result {
            Ok(stats) if stats.get_field("failures").and_then(Value::as_int) == Some(0) => {}
            Ok(_) => failed = true,
            Err(e) => {
                failed = true;
                println!("{}", input.runtime_error(&e));
            }
        }
    }
    if failed {
        return Err(Failure::reported());
    }
    Ok(())
}
