//! `ectoplasm ddl`: evaluates a file with `import Ecto.Migration` implied and
//! prints, for each entry of `migrations = [...]`, the DDL statements and
//! command terms for SQLite3 and Postgres (or the error each adapter raised).
//!
//! Entries: a migration module (its `up/0` or `change/0`), `fn -> ... end`
//! (the body of `change/0`), `{:down, module_or_fn}` (the rollback) and
//! `{:raw, command_or_list}` (terms given straight to `execute_ddl/1`).

use engine::eval::{EResult, Env, Error, Interp};
use engine::migration::{self, Adapter, Direction, MigrationRun, MigrationSource, RunOptions};
use engine::syntax::Node;
use engine::value::inspect::inspect_full;
use engine::Value;
use serde_json::{json, Value as Json};

use crate::common::{self, Item};
use crate::input::{Failure, Input};

const ADAPTERS: [Adapter; 2] = [Adapter::Sqlite, Adapter::Postgres];

pub fn run(input: &Input) -> Result<(), Failure> {
    let items = common::checked_items(input, "migrations")?;
    let mut interp = common::interp();
    migration::install(&mut interp);
    let mut env = Interp::env_with_imports(&["Ecto.Migration"]);
    let mut out = String::new();
    let mut failed = false;
    for item in &items {
        match common::top_item(item, "migrations") {
            Item::Entries(entries) => {
                for (name, expr) in entries {
                    let line = entry_line(&mut interp, &mut env, input, &name, expr);
                    out.push_str(&line);
                    out.push('\n');
                }
            }
            Item::NotAList(rhs) => return Err(common::not_a_list(input, &mut interp, &mut env, "migrations", rhs)),
            Item::Plain(node) => failed |= common::eval_top(input, &mut interp, &mut env, node).is_none(),
        }
    }
    print!("{}", engine::value::json::finish(out));
    if failed {
        return Err(Failure::reported());
    }
    Ok(())
}

enum Entry {
    Migration(MigrationSource, Direction),
    Raw(Vec<Value>),
}

fn classify(v: &Value) -> Result<Entry, String> {
    let source = |v: &Value| -> Option<MigrationSource> {
        match v {
            Value::Fun(f) if f.arity() == 0 => Some(MigrationSource::Fun(v.clone())),
            Value::Atom(a) => Some(MigrationSource::Module(a.to_string())),
            _ => None,
        }
    };
    if let Some(s) = source(v) {
        return Ok(Entry::Migration(s, Direction::Up));
    }
    if let Some([tag, inner]) = v.as_tuple() {
        match tag.as_atom() {
            Some("down") | Some("up") => {
                let dir = if tag.as_atom() == Some("down") { Direction::Down } else { Direction::Up };
                if let Some(s) = source(inner) {
                    return Ok(Entry::Migration(s, dir));
                }
            }
            Some("raw") => {
                return Ok(Entry::Raw(match inner {
                    // A list of command terms; any other list (a keyword list) is one command.
                    Value::List(items) if !items.is_empty() && items.iter().all(is_command) => items.to_vec(),
                    other => vec![other.clone()],
                }));
            }
            _ => {}
        }
    }
    Err(format!("unsupported migration entry: {}", inspect_full(v)))
}

/// A command term: a SQL string or a tuple around a migration struct.
fn is_command(v: &Value) -> bool {
    match v {
        Value::Str(_) => true,
        Value::Tuple(t) => t.len() >= 2 && matches!(t[1], Value::Struct(_)),
        _ => false,
    }
}

fn eval_entry(interp: &mut Interp, env: &mut Env, expr: &Node) -> EResult<Value> {
    interp.steps = 0;
    interp.depth = 0;
    let mut local = env.clone();
    interp.eval(expr, &mut local)
}

fn entry_line(interp: &mut Interp, env: &mut Env, input: &Input, name: &str, expr: &Node) -> String {
    let mut fields: Vec<(String, Json)> = vec![("name".into(), json!(name))];
    let entry = match eval_entry(interp, env, expr) {
        Ok(v) => classify(&v).map_err(|m| Error::raise("ArgumentError", m, expr.span)),
        Err(e) => Err(e),
    };
    let mut error_span = None;
    match entry {
        Ok(Entry::Migration(source, direction)) => {
            fields.push(("direction".into(), json!(direction.atom())));
            for adapter in ADAPTERS {
                interp.steps = 0;
                interp.depth = 0;
                let run = migration::run_migration(interp, &source, direction, adapter, &RunOptions::default());
                error_span = error_span.or(run.error.as_ref().map(|e| e.span()));
                adapter_fields(&mut fields, adapter, run, true);
            }
        }
        Ok(Entry::Raw(commands)) => {
            fields.push(("commands".into(), json!(commands.iter().map(inspect_full).collect::<Vec<_>>())));
            for adapter in ADAPTERS {
                let run = migration::run_commands(&commands, adapter);
                error_span = error_span.or(run.error.as_ref().map(|e| e.span()));
                adapter_fields(&mut fields, adapter, run, false);
            }
        }
        Err(e) => {
            error_span = Some(e.span());
            fields.push(("error".into(), json!(e.message())));
            fields.push(("error_type".into(), json!(e.kind())));
            for adapter in ADAPTERS {
                let a = adapter.name();
                fields.push((a.into(), Json::Null));
                fields.push((format!("{a}_error"), json!(e.message())));
                fields.push((format!("{a}_error_type"), json!(e.kind())));
                fields.push((format!("{a}_statements_before_error"), json!([])));
            }
        }
    }
    // The first error's place in the file (the entry's when it has none).
    if let Some(span) = error_span {
        let (line, column) = input.position(span, expr.span);
        fields.push(("line".into(), json!(line)));
        fields.push(("column".into(), json!(column)));
    }
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}:{}", Json::String(k.clone()), v)).collect();
    format!("{{{}}}", body.join(","))
}

fn adapter_fields(fields: &mut Vec<(String, Json)>, adapter: Adapter, run: MigrationRun, with_commands: bool) {
    let a = adapter.name();
    let commands: Vec<String> = run.commands.iter().map(inspect_full).collect();
    match run.error {
        None => {
            fields.push((a.into(), json!(run.statements)));
            if with_commands {
                fields.push((format!("{a}_commands"), json!(commands)));
            }
        }
        Some(e) => {
            fields.push((a.into(), Json::Null));
            fields.push((format!("{a}_error"), json!(e.message())));
            fields.push((format!("{a}_error_type"), json!(e.kind())));
            fields.push((format!("{a}_statements_before_error"), json!(run.statements)));
            if with_commands {
                fields.push((format!("{a}_commands"), json!(commands)));
            }
        }
    }
}
