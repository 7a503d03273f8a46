//! `ectoplasm explain FILE`: the **repo** conventions (`setup_migrations`,
//! then `runs = [...]`, which fill the tables) plus `queries = [name:
//! queryable, ...]`; after the runs, one JSON line per query: its SQLite
//! SQL, the rows of `EXPLAIN QUERY PLAN` and the index advice as migration
//! code (judged on the tables as filled). `--details` adds the plan as a
//! tree in words, each suggestion's reason and DDL, and the notes.
//!
//! Entries: a queryable (explained as `Repo.all`), `{:update_all |
//! :delete_all, queryable}` or `fn -> queryable end`.

use engine::executor::Executor;
use engine::insight;
use engine::query::Op;
use engine::repo;
use engine::value::Value;
use serde_json::{json, Map, Value as Json};

use crate::common::{self, Item};
use crate::input::{Failure, Input};
use crate::repo as repo_cmd;

/// Splits an entry value into the operation and the queryable.
fn classify(v: &Value) -> (Op, Value) {
    if let Some([tag, q]) = v.as_tuple() {
        if let Some(op) = tag.as_atom().and_then(Op::from_name) {
            return (op, q.clone());
        }
    }
    (Op::All, v.clone())
}

pub fn run(input: &Input, details: bool) -> Result<(), Failure> {
    let items = common::checked_items(input, "queries")?;
    let (mut interp, mut env) = repo_cmd::setup(repo_cmd::open(None)?);
    interp.set_source(&input.text);
    for item in &items {
        interp.note_source_atoms(item);
    }
    let repo_v = repo::define_repo(&mut interp, "Corpus.Repo").map_err(|e| Failure(input.runtime_error(&e)))?;
    interp.ext::<repo::RepoState>().telemetry_prefix = Some(Value::list(vec![Value::atom("corpus_repo")]));
    let mut failed = false;
    let mut queries = vec![];
    for item in &items {
        match common::top_item(item, "queries") {
            Item::Entries(list) => {
                queries.extend(list);
                continue;
            }
            Item::NotAList(rhs) => return Err(common::not_a_list(input, &mut interp, &mut env, "queries", rhs)),
            Item::Plain(_) => {}
        }
        match common::top_item(item, "runs") {
            Item::Entries(list) => {
                for (name, expr) in list {
                    repo::take_log(&mut interp);
                    let result = repo_cmd::run_entry(&mut interp, &env, &repo_v, expr);
                    if let Some(c) = repo::conn(&mut interp) {
                        c.abort();
                    }
                    if let Err(e) = result {
                        eprintln!("ectoplasm: run {name} failed: {}", input.runtime_error(&e));
                    }
                }
            }
            Item::NotAList(rhs) => return Err(common::not_a_list(input, &mut interp, &mut env, "runs", rhs)),
            Item::Plain(node) => match common::eval_top(input, &mut interp, &mut env, node) {
                Some(v) if repo_cmd::is_binding(node, "setup_migrations") => {
                    repo::take_log(&mut interp);
                    let mut out = String::new();
                    repo_cmd::run_migrations(&mut interp, &repo_v, &v, &mut out, input, node.span);
                    for line in out.lines().filter(|l| l.contains("\"error\"")) {
                        eprintln!("ectoplasm: setup migration failed: {line}");
                    }
                }
                Some(_) => {}
                None => failed = true,
            },
        }
        repo::take_log(&mut interp);
    }
    let uniques = insight::unique_constraints(&mut interp, &input.text);
    let mut out = String::new();
    for (name, expr) in queries {
        let line = explain_entry(&mut interp, &mut env, input, &name, expr, &uniques, details);
        out.push_str(&ordered(line));
        out.push('\n');
    }
    print!("{out}");
    if failed {
        return Err(Failure::reported());
    }
    Ok(())
}

/// The line with its keys in reading order: name, sqlite, plan, advice,
/// then the rest.
fn ordered(line: Json) -> String {
    const FIRST: [&str; 4] = ["name", "sqlite", "plan", "advice"];
    let Json::Object(obj) = line else { return line.to_string() };
    let mut keys: Vec<&String> = obj.keys().filter(|k| !FIRST.contains(&k.as_str())).collect();
    keys.sort();
    let parts: Vec<String> = FIRST
        .iter()
        .filter_map(|k| obj.get_key_value(*k))
        .chain(keys.into_iter().filter_map(|k| obj.get_key_value(k.as_str())))
        .map(|(k, v)| format!("{}:{}", Json::String(k.clone()), v))
        .collect();
    format!("{{{}}}", parts.join(","))
}

fn explain_entry(
    interp: &mut engine::eval::Interp,
    env: &mut engine::eval::Env,
    input: &Input,
    name: &str,
    expr: &engine::syntax::Node,
    uniques: &[(String, Vec<String>)],
    details: bool,
) -> Json {
    let mut obj = Map::new();
    obj.insert("name".into(), json!(name));
    let error = |obj: &mut Map<String, Json>, e: &engine::eval::Error| {
        obj.insert("error".into(), json!(e.message()));
        obj.insert("error_type".into(), json!(e.kind().to_string()));
        common::put_position(obj, input, e.span(), expr.span);
    };
    let v = match common::eval_entry(interp, env, expr) {
        Ok(v) => v,
        Err(e) => {
            error(&mut obj, &e);
            return Json::Object(obj);
        }
    };
    let (op, queryable) = classify(&v);
    interp.steps = 0;
    let prepared = match insight::prepare(interp, &queryable, op, expr.span) {
        Ok(p) => p,
        Err(e) => {
            error(&mut obj, &e);
            return Json::Object(obj);
        }
    };
    obj.insert("sqlite".into(), json!(prepared.sql));
    let Some(conn) = repo::conn(interp) else {
        obj.insert("error".into(), json!("no database"));
        return Json::Object(obj);
    };
    let exec: &mut dyn Executor = conn.executor();
    match insight::analyze(exec, &prepared, uniques) {
        Ok(a) => {
            obj.insert("plan".into(), serde_json::to_value(&a.plan.rows).unwrap_or_default());
            obj.insert("advice".into(), Json::Array(a.advice.iter().map(|x| json!(x.migration)).collect()));
            if details {
                obj.insert("postgres".into(), json!(a.postgres));
                obj.insert("nodes".into(), serde_json::to_value(&a.plan.nodes).unwrap_or_default());
                obj.insert("index_advice".into(), serde_json::to_value(&a.advice).unwrap_or_default());
                obj.insert("notes".into(), serde_json::to_value(&a.notes).unwrap_or_default());
                obj.insert("tables".into(), serde_json::to_value(&a.tables).unwrap_or_default());
            }
        }
        Err(e) => {
            obj.insert("plan".into(), json!([]));
            obj.insert("advice".into(), json!([]));
            obj.insert("error".into(), json!(e.message));
            obj.insert("error_type".into(), json!("Exqlite.Error"));
        }
    }
    Json::Object(obj)
}
