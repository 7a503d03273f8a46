//! `ectoplasm sql`: evaluates a file with `import Ecto.Query` implied and
//! prints, for each entry of `queries = [...]`, the SQL and dumped params
//! for SQLite3 and Postgres (or the error each adapter raised).
//!
//! Entries: a queryable (run as `Repo.all`), `{:all | :update_all |
//! :delete_all, queryable}`, `fn -> ... end` or `quote(do: ...)`.

use engine::eval::{EResult, Error, Interp};
use engine::query::{self, Dialect, Op};
use engine::value::inspect::inspect_full as inspect;
use engine::value::json;
use engine::Value;
use serde_json::{json, Map, Value as Json};

use crate::common::{self, Entry};
use crate::input::{Failure, Input};

const DIALECTS: [(Dialect, &str); 2] = [(Dialect::Sqlite, "sqlite"), (Dialect::Postgres, "postgres")];

pub fn run(input: &Input) -> Result<(), Failure> {
    let mut corpus = common::load(input, &["Ecto.Query"], "queries")?;
    let mut out = String::new();
    let entries = std::mem::take(&mut corpus.entries);
    for entry in entries {
        let line = entry_line(&mut corpus.interp, input, entry);
        out.push_str(&serde_json::to_string(&line).unwrap_or_default());
        out.push('\n');
    }
    print!("{}", engine::value::json::finish(out));
    if corpus.failed {
        return Err(Failure::reported());
    }
    Ok(())
}

fn error_type(e: &Error) -> String {
    e.kind().to_string()
}

/// Splits an entry value into the operation and the queryable.
fn classify(v: &Value) -> (Op, Value) {
    if let Some([tag, q]) = v.as_tuple() {
        if let Some(op) = tag.as_atom().and_then(Op::from_name) {
            return (op, q.clone());
        }
    }
    (Op::All, v.clone())
}

/// One adapter's SQL and params, or its error.
fn adapter_result(interp: &mut Interp, queryable: &Value, op: Op, dialect: Dialect) -> EResult<(String, Vec<Value>)> {
    interp.steps = 0;
    query::sql_and_params(interp, queryable, op, dialect, engine::Span::NONE)
}

fn entry_line(interp: &mut Interp, input: &Input, entry: Entry) -> Json {
    let mut obj = Map::new();
    obj.insert("name".into(), json!(entry.name));
    let v = match entry.result {
        Ok(v) => v,
        Err(e) => {
            obj.insert("error".into(), json!(e.message()));
            obj.insert("error_type".into(), json!(error_type(&e)));
            common::put_position(&mut obj, input, e.span(), entry.span);
            return Json::Object(obj);
        }
    };
    let (op, queryable) = classify(&v);
    obj.insert("op".into(), json!(op.name()));
    let mut errors: Vec<Box<Error>> = vec![];
    for (dialect, key) in DIALECTS {
        match adapter_result(interp, &queryable, op, dialect) {
            Ok((sql, params)) => {
                obj.insert(key.into(), json!(sql));
                obj.insert(format!("{key}_params"), Json::Array(params.iter().map(json::encode).collect()));
                obj.insert(format!("{key}_params_inspect"), json!(inspect(&Value::list(params))));
            }
            Err(e) => {
                obj.insert(key.into(), Json::Null);
                obj.insert(format!("{key}_error"), json!(e.message()));
                obj.insert(format!("{key}_error_type"), json!(error_type(&e)));
                errors.push(e);
            }
        }
    }
    if errors.len() == DIALECTS.len() {
        let e = &errors[0];
        obj.insert("error".into(), json!(e.message()));
        obj.insert("error_type".into(), json!(error_type(e)));
    }
    if let Some(e) = errors.first() {
        common::put_position(&mut obj, input, e.span(), entry.span);
    }
    Json::Object(obj)
}
