//! `ectoplasm repo FILE` (the corpus's **repo** conventions: run
//! `setup_migrations`, then each `runs = [name: fn repo -> ... end]` on one
//! in-memory database, one JSON line each) and `ectoplasm run FILE [--db
//! PATH]` (a script against a SQLite file, each top-level result printed
//! as IEx would).

use engine::changeset::report;
use engine::eval::{Env, Error, Interp};
use engine::executor::native::SqliteExecutor;
use engine::executor::Executor;
use engine::migration::migrator::Migrator;
use engine::migration::{Adapter, MigrationSource};
use engine::repo::{self, LogEntry, StatementKind};
use engine::syntax::{self, Kind, Node};
use engine::value::{inspect, NaiveDateTime, Value};
use serde_json::{json, Map, Value as Json};

/// A new interpreter with a database and the environment of a repo run.
fn setup(exec: SqliteExecutor) -> (Interp, Env) {
    let mut interp = crate::common::interp();
    repo::install(&mut interp, Box::new(exec));
    if let Some(c) = repo::conn(&mut interp) {
        let start = std::time::Instant::now();
        c.set_clock(Box::new(move || start.elapsed().as_micros() as u64));
    }
    let mut env = Interp::env_with_imports(&["Ecto.Query", "Ecto.Changeset"]);
    env.add_alias("Multi", "Ecto.Multi");
    (interp, env)
}

fn open(path: Option<&str>) -> Result<SqliteExecutor, String> {
    let exec = match path {
        Some(p) => SqliteExecutor::open(p),
        None => SqliteExecutor::in_memory(),
    }
    .map_err(|e| format!("ectoplasm: cannot open the database: {e}"))?;
    // ecto_sqlite3 turns foreign key enforcement on.
    let mut exec = exec;
    exec.execute("PRAGMA foreign_keys = ON", &[]).map_err(|e| format!("ectoplasm: {e}"))?;
    // Ecto's default `:timeout`: a runaway statement (an endless recursive
    // CTE) is stopped with an error instead of hanging the command.
    exec.set_time_limit(Some(std::time::Duration::from_millis(15_000)));
    Ok(exec)
}

fn items_of(source: &str) -> Vec<Node> {
    let parsed = syntax::parse(source);
    for e in &parsed.errors {
        eprintln!("syntax error at {}..{}: {}", e.span.start, e.span.end, e.message);
    }
    match parsed.root.kind {
        Kind::Block(items) => items,
        other => vec![Node::new(other, parsed.root.span)],
    }
}

/// `name = [...]` → the pairs.
fn binding_list<'a>(item: &'a Node, binding: &str) -> Option<Vec<(String, &'a Node)>> {
    if let Kind::BinOp { op, lhs, rhs } = &item.kind {
        if op == "=" && matches!(&lhs.kind, Kind::Var(v) if v == binding) {
            return rhs.as_keyword().map(|kw| kw.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        }
    }
    None
}

fn is_binding(item: &Node, binding: &str) -> bool {
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
fn run_migrations(interp: &mut Interp, modules: &Value, out: &mut String) {
    let list = modules.as_list().map(|l| l.to_vec()).unwrap_or_default();
    for (i, m) in list.iter().enumerate() {
        let name = m.as_atom().map(|a| engine::value::alias_name(a).to_string()).unwrap_or_else(|| inspect::inspect(m));
        let mut migrator = Migrator::new(repo::migrate::shared_db(), Adapter::Sqlite);
        migrator.repo = Some(repo::repo_value());
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
        obj.insert("sqlite_statements".into(), Json::Array(statements));
        if let Err(e) = result {
            obj.insert("error".into(), Json::String(e.message()));
            obj.insert("error_type".into(), Json::String(e.kind().to_string()));
        }
        out.push_str(&Json::Object(obj).to_string());
        out.push('\n');
    }
}

/// Evaluates one run: `fn repo -> ... end` called with the Repo.
fn run_entry(interp: &mut Interp, env: &Env, expr: &Node) -> Result<Value, Box<Error>> {
    interp.steps = 0;
    interp.depth = 0;
    let mut local = env.clone();
    let v = interp.eval(expr, &mut local)?;
    match &v {
        Value::Fun(f) if f.arity() == 1 => interp.apply(&v, vec![repo::repo_value()], expr.span),
        Value::Fun(f) if f.arity() == 0 => interp.apply(&v, vec![], expr.span),
        _ => Ok(v),
    }
}

pub fn run(source: &str) -> Result<(), String> {
    let (mut interp, mut env) = setup(open(None)?);
    let mut out = String::new();
    for item in &items_of(source) {
        if let Some(list) = binding_list(item, "runs") {
            for (name, expr) in list {
                repo::take_log(&mut interp);
                let result = run_entry(&mut interp, &env, expr);
                if let Some(c) = repo::conn(&mut interp) {
                    c.abort();
                }
                let statements: Vec<Json> = repo::take_log(&mut interp).iter().map(statement_json).collect();
                let mut sqlite = Map::new();
                match result {
                    Ok(v) => {
                        sqlite.insert("result".into(), report::encode(&v));
                        sqlite.insert("result_inspect".into(), Json::String(inspect::inspect(&v)));
                    }
                    Err(e) => {
                        sqlite.insert("error".into(), Json::String(e.message()));
                        sqlite.insert("error_type".into(), Json::String(e.kind().to_string()));
                    }
                }
                sqlite.insert("statements".into(), Json::Array(statements));
                let mut obj = Map::new();
                obj.insert("name".into(), Json::String(name));
                obj.insert("sqlite".into(), Json::Object(sqlite));
                out.push_str(&Json::Object(obj).to_string());
                out.push('\n');
            }
            continue;
        }
        let result = interp.eval(item, &mut env);
        match result {
            Ok(v) if is_binding(item, "setup_migrations") => {
                repo::take_log(&mut interp);
                run_migrations(&mut interp, &v, &mut out);
            }
            Ok(_) => {}
            Err(e) => eprintln!("error at {}..{}: ({}) {}", e.span().start, e.span().end, e.kind(), e.message()),
        }
    }
    print!("{}", engine::value::json::finish(out));
    Ok(())
}

/// Runs a script and prints each top-level result the way IEx would.
pub fn run_script(source: &str, args: &[String]) -> Result<(), String> {
    let mut db: Option<&str> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--db" => {
                db = Some(args.get(i + 1).ok_or("ectoplasm run: --db needs a PATH")?.as_str());
                i += 2;
            }
            other => return Err(format!("ectoplasm run: unknown option `{other}`")),
        }
    }
    let (mut interp, mut env) = setup(open(db)?);
    for item in &items_of(source) {
        interp.steps = 0;
        interp.depth = 0;
        let result = interp.eval(item, &mut env);
        if let Some(c) = repo::conn(&mut interp) {
            c.abort();
        }
        print!("{}", std::mem::take(&mut interp.output));
        match result {
            Ok(v) => println!("{}", inspect::inspect(&v)),
            Err(e) => println!("** ({}) {}", e.kind(), e.message()),
        }
        repo::take_log(&mut interp);
    }
    Ok(())
}
