//! What ecto_sql's SQL adapters add to every Repo: `to_sql/2,3` and
//! `explain/2,3` (and `Ecto.Adapters.SQL.explain/3,4`).
//!
//! `explain` runs as `Ecto.Adapters.SQL.explain/4` does: inside a
//! transaction that is rolled back (`begin`, the EXPLAIN statement,
//! `rollback`), unless `wrap_in_transaction: false`. The text is the
//! adapter's: ecto_sqlite3 draws `EXPLAIN QUERY PLAN` as the sqlite3 shell
//! does (`type: :instructions` gives `EXPLAIN`'s rows as a table);
//! Postgres joins `EXPLAIN`'s rows with newlines, or returns the decoded
//! JSON for `format: :map`.

use super::{dialect, util, with_conn, RepoState};
use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::query::plan::{Dialect, Op};
use crate::value::{inspect, Value};

fn operation(v: &Value, fun: &str, span: Span) -> EResult<Op> {
    v.as_atom().and_then(Op::from_name).ok_or_else(|| {
        Error::raise(
            "FunctionClauseError",
            format!("no function clause matching in Ecto.Adapters.SQL.{fun}: {}", inspect::inspect(v)),
            span,
        )
    })
}

/// `Repo.to_sql(kind, queryable, opts \\ [])`: `{sql, params}`.
pub fn to_sql(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let op = operation(&args[0], "to_sql/4", span)?;
    let dialect = dialect(interp);
    let (sql, params, _) = crate::query::to_sql(interp, &args[1], op, dialect, span)?;
    Ok(Value::tuple(vec![Value::string(sql), Value::list(params)]))
}

/// `Repo.explain(kind, queryable, opts \\ [])`.
pub fn explain(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let opts = args.get(2).cloned().unwrap_or_else(|| Value::list(vec![]));
    run(interp, &args[0], &args[1], &opts, span)
}

/// `Ecto.Adapters.SQL.explain(repo, kind, queryable, opts \\ [])`.
pub fn sql_explain(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let opts = args.get(3).cloned().unwrap_or_else(|| Value::list(vec![]));
    let prev = interp.ext::<RepoState>().current.replace(args[0].clone());
    let out = run(interp, &args[1], &args[2], &opts, span);
    interp.ext::<RepoState>().current = prev;
    out
}

/// The session's dialect decides the statement and its text (the Repo's
/// adapter is the session's).
fn run(interp: &mut Interp, kind: &Value, queryable: &Value, opts: &Value, span: Span) -> EResult<Value> {
    let op = operation(kind, "explain/4", span)?;
    let dialect = dialect(interp);
    let wrap = !matches!(util::opt(opts, "wrap_in_transaction"), Some(Value::Bool(false)));
    let (sql, params, _) = crate::query::to_sql(interp, queryable, op, dialect, span)?;
    let statement = match dialect {
        Dialect::Sqlite => match util::opt(opts, "type").and_then(Value::as_atom) {
            None | Some("query_plan") => format!("EXPLAIN QUERY PLAN {sql}"),
            Some("instructions") => format!("EXPLAIN {sql}"),
            Some(other) => {
                return Err(Error::raise("CaseClauseError", format!("no case clause matching: :{other}"), span));
            }
        },
        Dialect::Postgres => format!("EXPLAIN {}{sql}", postgres_options(opts, span)?),
    };
    let result = with_conn(interp, span, |c| {
        if wrap {
            c.begin()?;
        }
        let r = c.query(&statement, params);
        if wrap {
            c.rollback()?;
        }
        r
    })?;
    let result = match result {
        Ok(r) => r,
        Err(e) => return Err(super::errors::raise_db_in(&e, Some(&statement), span)),
    };
    let rows: Vec<Vec<Value>> = result.rows.iter().map(|r| r.iter().map(util::column_value).collect()).collect();
    Ok(match dialect {
        Dialect::Sqlite if statement.starts_with("EXPLAIN QUERY PLAN ") => Value::string(query_plan_text(&rows)),
        Dialect::Sqlite => Value::string(format_table(&result.columns, &rows)),
        Dialect::Postgres if matches!(util::opt(opts, "format").and_then(Value::as_atom), Some("map")) => {
            let mut out = Vec::new();
            for row in &rows {
                for v in row {
                    out.push(match v.as_str() {
                        Some(text) => interp.call("Jason", "decode!", vec![Value::str(text)], span)?,
                        None => v.clone(),
                    });
                }
            }
            Value::list(out)
        }
        Dialect::Postgres => Value::string(
            rows.iter().map(|r| r.first().and_then(Value::as_str).unwrap_or_default().to_string()).collect::<Vec<_>>().join("\n"),
        ),
    })
}

/// ecto_sql's `build_explain_opts/1`: `ANALYZE `/`VERBOSE ` alone, else
/// `( ANALYZE TRUE, COSTS FALSE, FORMAT JSON ) `.
fn postgres_options(opts: &Value, span: Span) -> EResult<String> {
    const KEYS: [&str; 8] = ["analyze", "verbose", "costs", "settings", "buffers", "timing", "summary", "format"];
    let given: Vec<(&str, &Value)> = opts.as_keyword().unwrap_or_default().into_iter().filter(|(k, _)| KEYS.contains(k)).collect();
    // `Keyword.pop/2`: the first value of a key
    let get = |key: &str| given.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let boolean = |v: &Value| -> EResult<Option<&'static str>> {
        match v {
            Value::Nil => Ok(None),
            Value::Bool(true) => Ok(Some("TRUE")),
            Value::Bool(false) => Ok(Some("FALSE")),
            other => {
                Err(Error::raise("Ecto.QueryError", format!("bad boolean value {}", crate::eval::core::to_string(other, span)?), span))
            }
        }
    };
    let rest: Vec<&(&str, &Value)> = given.iter().filter(|(k, _)| *k != "analyze" && *k != "verbose").collect();
    if rest.is_empty() {
        let mut out = String::new();
        if get("analyze").map(boolean).transpose()?.flatten() == Some("TRUE") {
            out.push_str("ANALYZE ");
        }
        if get("verbose").map(boolean).transpose()?.flatten() == Some("TRUE") {
            out.push_str("VERBOSE ");
        }
        return Ok(out);
    }
    let mut parts = Vec::new();
    let popped = ["analyze", "verbose"].into_iter().filter_map(|key| get(key).map(|v| (key, v)));
    let ordered: Vec<(&str, &Value)> = popped.chain(rest.into_iter().copied()).collect();
    for (k, v) in ordered {
        if matches!(v, Value::Nil) {
            continue;
        }
        if k == "format" {
            parts.push(match v.as_atom() {
                Some("text") => "FORMAT TEXT".to_string(),
                Some("map") => "FORMAT JSON".to_string(),
                Some("yaml") => "FORMAT YAML".to_string(),
                _ => return Err(Error::raise("FunctionClauseError", "no function clause matching in format_to_sql/1", span)),
            });
        } else if let Some(b) = boolean(v)? {
            parts.push(format!("{} {b}", k.to_uppercase()));
        }
    }
    Ok(format!("( {} ) ", parts.join(", ")))
}

/// ecto_sqlite3's drawing of `EXPLAIN QUERY PLAN` rows (`id`, `parent`,
/// `notused`, `detail`), as the sqlite3 shell prints them.
fn query_plan_text(rows: &[Vec<Value>]) -> String {
    let int = |v: Option<&Value>| match v {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    };
    let mut lines = vec!["QUERY PLAN".to_string()];
    let mut depth: i64 = 0;
    for (i, row) in rows.iter().enumerate() {
        let (id, parent) = (int(row.first()), int(row.get(1)));
        let text = row.get(3).and_then(Value::as_str).unwrap_or_default();
        let next = rows.get(i + 1).map(|n| int(n.get(1)));
        let (branch, next_depth) = match next {
            Some(p) if p == id => ("|--", depth + 1),
            Some(p) if p == parent => ("|--", depth),
            _ => ("`--", depth - 1),
        };
        lines.push(format!("{}{branch}{text}", "|  ".repeat(depth.max(0) as usize)));
        depth = next_depth;
    }
    lines.join("\n")
}

/// `Ecto.Adapters.SQL.format_table/1`.
fn format_table(columns: &[String], rows: &[Vec<Value>]) -> String {
    if columns.is_empty() {
        return String::new();
    }
    let cell_text = |v: &Value| match v {
        Value::Nil => "NULL".to_string(),
        Value::Str(s) => s.to_string(),
        other => inspect::inspect(other),
    };
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for row in rows {
        for (w, v) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell_text(v).chars().count());
        }
    }
    let separator = || {
        let mut s: String = widths.iter().map(|w| format!("+-{}-", "-".repeat(*w))).collect();
        s.push('+');
        s
    };
    let line = |items: Vec<(String, bool)>| {
        let mut s = String::new();
        for ((text, right), w) in items.into_iter().zip(&widths) {
            let pad = " ".repeat(w.saturating_sub(text.chars().count()));
            if right {
                s.push_str(&format!("| {pad}{text} "));
            } else {
                s.push_str(&format!("| {text}{pad} "));
            }
        }
        s.push('|');
        s
    };
    let mut out = vec![separator(), line(columns.iter().map(|c| (c.clone(), false)).collect()), separator()];
    for row in rows {
        out.push(line(row.iter().map(|v| (cell_text(v), matches!(v, Value::Int(_) | Value::Float(_)))).collect()));
    }
    out.push(separator());
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::postgres_options;
    use crate::diag::Span;
    use crate::value::Value;

    fn options(pairs: Vec<(&str, Value)>) -> String {
        postgres_options(&Value::keyword(pairs), Span::default()).expect("options")
    }

    #[test]
    fn postgres_explain_options_as_ecto_sql_builds_them() {
        assert_eq!(options(vec![]), "");
        assert_eq!(options(vec![("analyze", Value::Bool(true)), ("verbose", Value::Bool(false))]), "ANALYZE ");
        assert_eq!(
            options(vec![("costs", Value::Bool(false)), ("analyze", Value::Bool(true)), ("format", Value::atom("map"))]),
            "( ANALYZE TRUE, COSTS FALSE, FORMAT JSON ) "
        );
        assert_eq!(options(vec![("timeout", Value::Int(5)), ("verbose", Value::Bool(true))]), "VERBOSE ");
    }
}
