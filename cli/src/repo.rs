//! `ectoplasm repo FILE` (the corpus's **repo** conventions: run
//! `setup_migrations`, then each `runs = [name: fn repo -> ... end]` on one
//! in-memory database, one JSON line each) and `ectoplasm run FILE [--db
//! PATH]` (a script against a SQLite file, each top-level result printed
//! as IEx would).

use engine::changeset::report;
use engine::diag::Span;
use engine::eval::{Env, Error, Interp};
use engine::executor::native::SqliteExecutor;
use engine::executor::Executor;
use engine::migration::migrator::Migrator;
use engine::migration::{Adapter, MigrationSource};
use engine::repo::{self, LogEntry, StatementKind};
use engine::syntax::{Kind, Node};
use engine::value::{inspect, NaiveDateTime, Value};
use serde_json::{json, Map, Value as Json};

use crate::common::{self, Item};
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
    setup_with(Box::new(exec))
}

fn setup_with(exec: Box<dyn Executor>) -> (Interp, Env) {
    let mut interp = common::interp();
    repo::install(&mut interp, exec);
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
    matches!(&item.kind, Kind::BinOp { op, lhs, .. } if op == "=" && matches!(&lhs.kind, Kind::Var(v) if v == binding))
}

fn statement_json(e: &LogEntry) -> Json {
    let params: Vec<Json> = e.params.iter().map(report::encode).collect();
    let sql = match e.kind {
        StatementKind::Query => e.sql.clone(),
        StatementKind::Begin => "begin".into(),
        StatementKind::Commit => "commit".into(),
        StatementKind::Rollback => "rollback".into(),
    };
    json!({
        "kind": "telemetry",
        "sql": sql,
        "params": params,
        "params_inspect": inspect::inspect(&Value::list(e.params.clone())),
        "time_us": e.micros,
    })
}

fn now(interp: &mut Interp) -> NaiveDateTime {
    let micros = repo::now_micros(interp);
    let epoch = engine::value::Date { year: 1970, month: 1, day: 1 }.to_days() * 86400;
    NaiveDateTime::from_seconds(epoch + micros.div_euclid(1_000_000), 0, 0)
}

/// Runs the setup migrations, printing one line each.
pub(crate) fn run_migrations(interp: &mut Interp, repo_v: &Value, modules: &Value, out: &mut String, input: &Input, span: Span) {
    let list = modules.as_list().map(|l| l.to_vec()).unwrap_or_default();
    for (i, m) in list.iter().enumerate() {
        let name = m.as_atom().map(|a| engine::value::alias_name(a).to_string()).unwrap_or_else(|| inspect::inspect(m));
        let postgres = repo::conn(interp).is_some_and(|c| c.postgres());
        let mut migrator = Migrator::new(repo::migrate::shared_db(), if postgres { Adapter::Postgres } else { Adapter::Sqlite });
        migrator.repo = Some(repo_v.clone());
        let t = now(interp);
        let result = migrator.up(interp, i as i64, &MigrationSource::Module(name.clone()), t);
        let statements: Vec<Json> = repo::take_log(interp)
            .iter()
            .map(|e| {
                Json::String(match e.kind {
                    StatementKind::Query => e.sql.clone(),
                    StatementKind::Begin => "begin".into(),
                    StatementKind::Commit => "commit".into(),
                    StatementKind::Rollback => "rollback".into(),
                })
            })
            .collect();
        let mut obj = Map::new();
        obj.insert("setup_migration".into(), Json::String(name));
        obj.insert(if postgres { "postgres_statements" } else { "sqlite_statements" }.into(), Json::Array(statements));
        if let Err(e) = result {
            obj.insert("error".into(), Json::String(e.message()));
            obj.insert("error_type".into(), Json::String(e.kind().to_string()));
            common::put_position(&mut obj, input, e.span(), span);
        }
        out.push_str(&Json::Object(obj).to_string());
        out.push('\n');
    }
}

/// Evaluates one run: `fn repo -> ... end` called with the Repo.
pub(crate) fn run_entry(interp: &mut Interp, env: &Env, repo_v: &Value, expr: &Node) -> Result<Value, Box<Error>> {
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

pub fn run(input: &Input) -> Result<(), Failure> {
    let items = common::checked_items(input, "runs")?;
    run_on(input, &items, Box::new(open(None)?), "sqlite")
}

/// `ectoplasm repo --adapter postgres --database-url URL FILE`: the same
/// runs on a PostgreSQL server, reported under `postgres`.
pub fn run_postgres(input: &Input, url: &str) -> Result<(), Failure> {
    let items = common::checked_items(input, "runs")?;
    run_on(input, &items, Box::new(crate::pg::open(url)?), "postgres")
}

fn run_on(input: &Input, items: &[Node], exec: Box<dyn Executor>, adapter: &str) -> Result<(), Failure> {
    let (mut interp, mut env) = setup_with(exec);
    interp.set_source(&input.text);
    // The corpus Repo: `Corpus.Repo` (`Corpus.PGRepo` on PostgreSQL), started
    // with `telemetry_prefix: [:corpus_repo]`.
    let name = if adapter == "postgres" { "Corpus.PGRepo" } else { "Corpus.Repo" };
    let repo_v = repo::define_repo(&mut interp, name).map_err(|e| Failure(input.runtime_error(&e)))?;
    interp.ext::<repo::RepoState>().telemetry_prefix = Some(Value::list(vec![Value::atom("corpus_repo")]));
    let mut out = String::new();
    let mut failed = false;
    for item in items {
        let list = match common::top_item(item, "runs") {
            Item::Entries(list) => list,
            Item::NotAList(rhs) => return Err(common::not_a_list(input, &mut interp, &mut env, "runs", rhs)),
            Item::Plain(node) => {
                match common::eval_top(input, &mut interp, &mut env, node) {
                    Some(v) if is_binding(node, "setup_migrations") => {
                        repo::take_log(&mut interp);
                        run_migrations(&mut interp, &repo_v, &v, &mut out, input, node.span);
                    }
                    Some(_) => {}
                    None => failed = true,
                }
                continue;
            }
        };
        for (name, expr) in list {
            repo::take_log(&mut interp);
            let result = run_entry(&mut interp, &env, &repo_v, expr);
            if let Some(c) = repo::conn(&mut interp) {
                c.abort();
            }
            // the statements reported on the Repo's own telemetry event
            let statements: Vec<Json> = repo::take_log(&mut interp).iter().filter(|e| !e.off_event).map(statement_json).collect();
            let mut sqlite = Map::new();
            let mut obj = Map::new();
            match result {
                Ok(v) => {
                    sqlite.insert("result".into(), report::encode(&v));
                    sqlite.insert("result_inspect".into(), Json::String(inspect::inspect(&v)));
                }
                Err(e) => {
                    sqlite.insert("error".into(), Json::String(e.message()));
                    sqlite.insert("error_type".into(), Json::String(e.kind().to_string()));
                    common::put_position(&mut obj, input, e.span(), expr.span);
                }
            }
            sqlite.insert("statements".into(), Json::Array(statements));
            obj.insert("name".into(), Json::String(name));
            obj.insert(adapter.into(), Json::Object(sqlite));
            out.push_str(&Json::Object(obj).to_string());
            out.push('\n');
        }
    }
    print!("{}", engine::value::json::finish(out));
    if failed {
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
