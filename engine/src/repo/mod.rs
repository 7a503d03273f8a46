//! `Ecto.Repo` over an [`Executor`]: queries, schema operations,
//! preloads, transactions and `Ecto.Multi`, with ecto_sqlite3's dumping
//! and loading and its mapping of SQLite errors to constraints.
//!
//! A run installs a connection with [`install`]; the Repo is then the
//! module `Ectoplasm.Repo` (also reachable as `Repo`), whose functions are
//! built-ins. A user module doing `use Ecto.Repo, ...` gets functions that
//! delegate to them. Every statement is recorded in the connection's log
//! ([`conn::LogEntry`]).
//!
//! * [`conn`] — executor wrapper, statement log, transactions
//! * [`sql`] — INSERT/UPDATE/DELETE/upsert text as ecto_sqlite3 prints it
//! * `schema_ops` — insert/update/delete/insert_all (`Ecto.Repo.Schema`)
//! * `queryable` — all/one/get/aggregate/... (`Ecto.Repo.Queryable`)
//! * `preloader` — `Ecto.Repo.Preloader`
//! * `multi` — `Ecto.Multi` and `Ecto.Repo.Transaction`
//! * `errors` — constraint mapping and Ecto's exceptions

mod bridge;
pub mod conn;
mod errors;
mod explain;
pub mod migrate;
mod multi;
mod preloader;
mod queryable;
mod schema_ops;
pub mod sql;
pub mod telemetry;
pub(crate) mod util;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::rc::Rc;

use crate::diag::Span;
use crate::eval::{Builtins, EResult, Env, Error, Interp, NativeFn};
use crate::executor::Executor;
use crate::syntax::{self, Kind, Node};
use crate::value::Value;

pub use conn::{Conn, LogEntry, StatementKind};
pub use errors::db_error;

/// The module the built-in Repo functions live on.
pub const REPO_MODULE: &str = "Ectoplasm.Repo";

/// Per-run Repo state (`interp.ext::<RepoState>()`).
#[derive(Default)]
pub struct RepoState {
    pub conn: Option<Conn>,
    /// The current time in microseconds since the Unix epoch, for
    /// `timestamps()`. Without one, the system clock is used where there
    /// is one (not in the browser, where the page must install it).
    pub now: Option<Box<dyn Fn() -> i64>>,
    /// The repo module the current call came through (a user module that
    /// does `use Ecto.Repo`, or `Ectoplasm.Repo`).
    pub(crate) current: Option<Value>,
    /// Parsed Elixir templates for the queries Repo builds.
    pub(crate) templates: HashMap<&'static str, Rc<Node>>,
    /// The Repo's `telemetry_prefix` (default: from its module name).
    pub telemetry_prefix: Option<Value>,
    /// The options of the Repo call being run, for its telemetry events.
    pub(crate) call_opts: Option<Value>,
    /// What the statement being run is about (source, cast params).
    pub(crate) statement: Option<telemetry::Context>,
}

/// Installs a database for this run.
/// Installs a database for this run; `Ecto.Migrator` uses it too.
pub fn install(interp: &mut Interp, exec: Box<dyn Executor>) {
    interp.ext::<RepoState>().conn = Some(Conn::new(exec));
    migrate::install_migrator(interp);
}

/// The connection, if one is installed.
pub fn conn(interp: &mut Interp) -> Option<&mut Conn> {
    interp.ext::<RepoState>().conn.as_mut()
}

/// Whether the installed database is PostgreSQL (ecto_sql's Postgres adapter).
pub fn postgres(interp: &mut Interp) -> bool {
    conn(interp).is_some_and(|c| c.postgres())
}

/// The adapter whose dumpers and loaders the Repo uses.
pub(crate) fn adapter(interp: &mut Interp) -> crate::types::Adapter {
    if postgres(interp) {
        crate::types::Adapter::Postgres
    } else {
        crate::types::Adapter::Sqlite
    }
}

/// The dialect the Repo plans and prints queries for.
pub(crate) fn dialect(interp: &mut Interp) -> crate::query::plan::Dialect {
    if postgres(interp) {
        crate::query::plan::Dialect::Postgres
    } else {
        crate::query::plan::Dialect::Sqlite
    }
}

/// Takes the statements logged so far.
pub fn take_log(interp: &mut Interp) -> Vec<LogEntry> {
    conn(interp).map(|c| c.take_log()).unwrap_or_default()
}

/// The value a run receives as `repo`: the built-in Repo module.
pub fn repo_value() -> Value {
    Value::module(REPO_MODULE)
}

/// The repo module of the current call.
pub(crate) fn current_repo(interp: &mut Interp) -> Value {
    interp.ext::<RepoState>().current.clone().unwrap_or_else(repo_value)
}

/// Runs `f` with the connection, raising when none is installed. Each
/// statement `f` runs is reported on the Repo's telemetry event.
pub(crate) fn with_conn<T>(interp: &mut Interp, span: Span, f: impl FnOnce(&mut Conn) -> T) -> EResult<T> {
    let listening = telemetry::listening(interp);
    let off_event = telemetry::off_event(interp);
    let savepoint =
        interp.ext::<RepoState>().call_opts.as_ref().is_some_and(|o| o.keyword_get("mode").and_then(Value::as_atom) == Some("savepoint"));
    let Some(c) = interp.ext::<RepoState>().conn.as_mut() else {
        return Err(Error::raise(
            "RuntimeError",
            "could not lookup Ecto repo because it was not started or it does not exist (no database is open)",
            span,
        ));
    };
    let before = c.log.len();
    c.keep_results = listening;
    c.savepoint = savepoint;
    let out = f(c);
    c.keep_results = false;
    c.savepoint = false;
    let start = before.min(c.log.len());
    for e in &mut c.log[start..] {
        e.off_event = off_event;
        if e.span.is_none() {
            e.span = span;
        }
    }
    if listening && c.log.len() > start {
        let entries = c.log[start..].to_vec();
        for e in &mut c.log[start..] {
            e.result = None;
        }
        telemetry::emit(interp, entries, span)?;
    }
    Ok(out)
}

/// Defines `name` as a Repo module (`use Ecto.Repo`) and returns it: runs
/// then see it as their `repo` and in telemetry metadata.
pub fn define_repo(interp: &mut Interp, name: &str) -> EResult<Value> {
    let adapter = adapter_module(interp);
    let src = format!("defmodule {name} do\n  use Ecto.Repo, otp_app: :ectoplasm, adapter: {adapter}\nend\n");
    let parsed = syntax::parse(&src);
    let mut env = Env::default();
    interp.eval(&parsed.root, &mut env)?;
    Ok(Value::module(name))
}

/// Evaluates an Elixir template (e.g. `from x in q, where: ...`) with the
/// given variables bound, `Ecto.Query` imported.
pub(crate) fn eval_template(interp: &mut Interp, key: &'static str, src: &str, vars: &[(&str, Value)], span: Span) -> EResult<Value> {
    let node = {
        let st = interp.ext::<RepoState>();
        match st.templates.get(key) {
            Some(n) => n.clone(),
            None => {
                let parsed = syntax::parse(src);
                let n = Rc::new(parsed.root);
                st.templates.insert(key, n.clone());
                n
            }
        }
    };
    let mut env = Interp::env_with_imports(&["Ecto.Query"]);
    for (k, v) in vars {
        env.set(k, v.clone());
    }
    let node = retarget(&node, span);
    interp.eval(&node, &mut env)
}

/// Template nodes carry the caller's span so errors point at the call.
fn retarget(node: &Node, span: Span) -> Node {
    let mut n = node.clone();
    n.span = span;
    n
}

/// The current time in microseconds since the epoch.
pub fn now_micros(interp: &mut Interp) -> i64 {
    if let Some(f) = &interp.ext::<RepoState>().now {
        return f();
    }
    system_now()
}

#[cfg(not(target_arch = "wasm32"))]
fn system_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

#[cfg(target_arch = "wasm32")]
fn system_now() -> i64 {
    0
}

/// The Repo functions: name, arities, implementation.
const FUNS: &[(&str, &[usize], NativeFn)] = &[
    ("all", &[1, 2], queryable::all),
    ("all_by", &[2, 3], queryable::all_by),
    ("one", &[1, 2], queryable::one),
    ("one!", &[1, 2], queryable::one_bang),
    ("get", &[2, 3], queryable::get),
    ("get!", &[2, 3], queryable::get_bang),
    ("get_by", &[2, 3], queryable::get_by),
    ("get_by!", &[2, 3], queryable::get_by_bang),
    ("exists?", &[1, 2], queryable::exists),
    ("aggregate", &[2, 3, 4], queryable::aggregate),
    ("update_all", &[2, 3], queryable::update_all),
    ("delete_all", &[1, 2], queryable::delete_all),
    ("reload", &[1, 2], queryable::reload),
    ("reload!", &[1, 2], queryable::reload_bang),
    ("preload", &[2, 3], preloader::preload),
    ("insert", &[1, 2], schema_ops::insert),
    ("insert!", &[1, 2], schema_ops::insert_bang),
    ("update", &[1, 2], schema_ops::update),
    ("update!", &[1, 2], schema_ops::update_bang),
    ("delete", &[1, 2], schema_ops::delete),
    ("delete!", &[1, 2], schema_ops::delete_bang),
    ("insert_or_update", &[1, 2], schema_ops::insert_or_update),
    ("insert_or_update!", &[1, 2], schema_ops::insert_or_update_bang),
    ("insert_all", &[2, 3], schema_ops::insert_all),
    ("load", &[2], schema_ops::load),
    ("transaction", &[1, 2], multi::transaction),
    ("transact", &[1, 2], multi::transact),
    ("rollback", &[1], multi::rollback),
    ("in_transaction?", &[0], multi::in_transaction),
    ("query", &[1, 2, 3], raw_query),
    ("query!", &[1, 2, 3], raw_query_bang),
    ("stream", &[1, 2], queryable::stream),
    ("checkout", &[1, 2], checkout),
    ("checked_out?", &[0], checked_out),
    ("get_dynamic_repo", &[0], dynamic_repo),
    ("start_link", &[0, 1], start_link),
    ("stop", &[0, 1], stop),
    ("__adapter__", &[0], adapter_fn),
    ("config", &[0], config),
    ("to_sql", &[2, 3], explain::to_sql),
    ("explain", &[2, 3], explain::explain),
];

pub fn register(b: &mut Builtins) {
    for module in [REPO_MODULE, "Repo"] {
        for (name, arities, f) in FUNS {
            b.add(module, name, arities, *f);
        }
    }
    b.add(REPO_MODULE, "__dispatch__", &[3], dispatch);
    b.add_macro("Ecto.Repo", "__using__", &[1], using);
    b.add("Ecto.Adapters.SQL", "query", &[2, 3, 4], sql_query);
    b.add("Ecto.Adapters.SQL", "query!", &[2, 3, 4], sql_query_bang);
    b.add("Ecto.Adapters.SQL", "explain", &[3, 4], explain::sql_explain);
    multi::register(b);
}

/// `Ectoplasm.Repo.__dispatch__(module, name, args)`: what the functions
/// of a `use Ecto.Repo` module call.
fn dispatch(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let [module, name, list] = <[Value; 3]>::try_from(args).map_err(|_| Error::raise("ArgumentError", "bad dispatch", span))?;
    let name = name.as_atom().unwrap_or_default().to_string();
    let list = list.as_list().map(|l| l.to_vec()).unwrap_or_default();
    let Some((_, _, f)) = FUNS.iter().find(|(n, a, _)| *n == name && a.contains(&list.len())) else {
        return Err(Error::raise("UndefinedFunctionError", format!("function Repo.{name}/{} is undefined", list.len()), span));
    };
    let list = with_default_options(interp, &module, &name, list, span)?;
    let opts = match name.as_str() {
        "query" | "query!" => list.get(2).cloned(),
        _ => operation_of(&name, &list).and_then(|(_, pos)| list.get(pos).cloned()),
    };
    let prev = interp.ext::<RepoState>().current.replace(module);
    let result = telemetry::with_call_opts(interp, opts, |i| f(i, list, span));
    interp.ext::<RepoState>().current = prev;
    result
}

/// The operation whose `default_options/1` a Repo function uses, and the
/// position of its options argument for a given arity.
fn operation_of(name: &str, args: &[Value]) -> Option<(&'static str, usize)> {
    let (op, max) = match name {
        "insert" | "insert!" => ("insert", 2),
        "update" | "update!" => ("update", 2),
        "insert_or_update" | "insert_or_update!" => ("insert_or_update", 2),
        "delete" | "delete!" => ("delete", 2),
        "insert_all" => ("insert_all", 3),
        "update_all" => ("update_all", 3),
        "delete_all" => ("delete_all", 2),
        "all" | "one" | "one!" | "exists?" => ("all", 2),
        "all_by" | "get" | "get!" | "get_by" | "get_by!" => ("all", 3),
        "stream" => ("stream", 2),
        "reload" | "reload!" => ("reload", 2),
        "preload" => ("preload", 3),
        "transaction" | "transact" => ("transaction", 2),
        "aggregate" => {
            let pos = match args.len() {
                4 => 3,
                3 if matches!(args[2], Value::List(_)) => 2,
                3 => 3,
                _ => 2,
            };
            return Some(("all", pos));
        }
        _ => return None,
    };
    Some((op, max - 1))
}

/// `prepare_opts/2`: the repo's `default_options(operation)` merged under
/// the given options.
fn with_default_options(interp: &mut Interp, module: &Value, name: &str, mut args: Vec<Value>, span: Span) -> EResult<Vec<Value>> {
    let Some(m) = module.as_atom().map(|a| a.to_string()) else { return Ok(args) };
    if !interp.modules.get(m.as_str()).is_some_and(|md| md.functions.contains_key(&("default_options".to_string(), 1))) {
        return Ok(args);
    }
    let Some((op, pos)) = operation_of(name, &args) else { return Ok(args) };
    let defaults = interp.call(crate::value::alias_name(&m), "default_options", vec![Value::atom(op)], span)?;
    if args.len() < pos {
        return Ok(args);
    }
    if args.len() == pos {
        args.push(defaults);
    } else {
        args[pos] = util::kw_merge(&defaults, &args[pos]);
    }
    Ok(args)
}

/// `use Ecto.Repo, otp_app: ..., adapter: ...`: defines the Repo API on the
/// module being defined, each function delegating to the built-in Repo.
fn using(interp: &mut Interp, _args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    if env.module.is_none() {
        return Err(Error::raise("ArgumentError", "use Ecto.Repo must be called inside a module", span));
    }
    let mut src = String::new();
    for (name, arities, _) in FUNS {
        for &n in arities.iter() {
            let params: Vec<String> = (0..n).map(|i| format!("a{i}")).collect();
            let p = params.join(", ");
            src.push_str(&format!("def {name}({p}), do: Ectoplasm.Repo.__dispatch__(__MODULE__, :{name}, [{p}])\n"));
        }
    }
    let parsed = syntax::parse(&src);
    let items: Vec<Node> = match parsed.root.kind {
        Kind::Block(items) => items,
        other => vec![Node::new(other, parsed.root.span)],
    };
    for item in items {
        let item = retarget_all(item, span);
        interp.eval(&item, env)?;
    }
    Ok(Value::Nil)
}

/// Points every node of generated code at `span`.
fn retarget_all(node: Node, span: Span) -> Node {
    let mut n = node;
    n.span = span;
    n
}

/// `Repo.checkout(fun)`: the single connection is always checked out.
fn checkout(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    interp.apply(&args[0], vec![], span)
}

fn checked_out(interp: &mut Interp, _args: Vec<Value>, span: Span) -> EResult<Value> {
    Ok(Value::Bool(with_conn(interp, span, |c| c.in_transaction())?))
}

fn dynamic_repo(interp: &mut Interp, _args: Vec<Value>, _span: Span) -> EResult<Value> {
    Ok(current_repo(interp))
}

/// `Repo.start_link/1`: the database is already open.
fn start_link(interp: &mut Interp, _args: Vec<Value>, span: Span) -> EResult<Value> {
    with_conn(interp, span, |_| ())?;
    Ok(Value::ok(current_repo(interp)))
}

fn stop(_interp: &mut Interp, _args: Vec<Value>, _span: Span) -> EResult<Value> {
    Ok(Value::atom("ok"))
}

fn adapter_module(interp: &mut Interp) -> &'static str {
    if postgres(interp) {
        "Ecto.Adapters.Postgres"
    } else {
        "Ecto.Adapters.SQLite3"
    }
}

fn adapter_fn(interp: &mut Interp, _args: Vec<Value>, _span: Span) -> EResult<Value> {
    Ok(Value::module(adapter_module(interp)))
}

fn config(interp: &mut Interp, _args: Vec<Value>, _span: Span) -> EResult<Value> {
    let database = if postgres(interp) { "ectoplasm" } else { ":memory:" };
    Ok(Value::keyword(vec![("database", Value::str(database)), ("adapter", Value::module(adapter_module(interp)))]))
}

/// `Repo.query(sql, params, opts)`: `{:ok, %Exqlite.Result{}}` or `{:error, %Exqlite.Error{}}`.
fn raw_query(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    match run_raw(interp, &args, span)? {
        Ok(v) => Ok(Value::ok(v)),
        // what Postgrex raises before the statement reaches the server
        Err((e, sql)) if e.code == crate::pg::ENCODE_ERROR || e.code == crate::pg::ARGUMENT_ERROR => {
            Err(errors::raise_db_in(&e, Some(&sql), span))
        }
        Err((e, sql)) => Ok(Value::error(errors::exqlite_error_value(&e, Some(&sql)))),
    }
}

fn raw_query_bang(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    match run_raw(interp, &args, span)? {
        Ok(v) => Ok(v),
        Err((e, sql)) => Err(errors::raise_db_in(&e, Some(&sql), span)),
    }
}

fn sql_query(interp: &mut Interp, mut args: Vec<Value>, span: Span) -> EResult<Value> {
    let repo = args.remove(0);
    with_repo(interp, repo, |i| raw_query(i, args, span))
}

fn sql_query_bang(interp: &mut Interp, mut args: Vec<Value>, span: Span) -> EResult<Value> {
    let repo = args.remove(0);
    with_repo(interp, repo, |i| raw_query_bang(i, args, span))
}

fn with_repo(interp: &mut Interp, repo: Value, f: impl FnOnce(&mut Interp) -> EResult<Value>) -> EResult<Value> {
    let prev = interp.ext::<RepoState>().current.replace(repo);
    let r = f(interp);
    interp.ext::<RepoState>().current = prev;
    r
}

fn run_raw(interp: &mut Interp, args: &[Value], span: Span) -> EResult<Result<Value, (crate::executor::DbError, String)>> {
    let sql = match args.first() {
        Some(Value::Str(s)) => s.to_string(),
        Some(other) => return Err(crate::eval::args::arg_error("query", "a string of SQL", other, span)),
        None => return Err(Error::raise("ArgumentError", "query expects SQL", span)),
    };
    let params: Vec<Value> = match args.get(1) {
        Some(Value::List(l)) => l.iter().map(util::raw_param).collect(),
        Some(Value::Nil) | None => vec![],
        Some(other) => return Err(crate::eval::args::arg_error("query", "a list of parameters", other, span)),
    };
    let opts = args.get(2).cloned().filter(|o| matches!(o, Value::List(_)));
    let result = match opts {
        Some(o) => telemetry::with_call_opts(interp, Some(o), |i| with_conn(i, span, |c| c.query(&sql, params)))?,
        None => with_conn(interp, span, |c| c.query(&sql, params))?,
    };
    Ok(match result {
        Ok(r) => Ok(util::raw_result(interp, &sql, &r)),
        Err(e) => Err((e, sql)),
    })
}
