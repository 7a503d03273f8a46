//! Database errors, their mapping to constraints (ecto_sqlite3's
//! `to_constraints/2`) and the exceptions Repo raises.

use crate::diag::Span;
use crate::eval::{Error, Exception};
use crate::executor::DbError;
use crate::value::{inspect, Value};

use super::util::{field, make_struct};

/// `%Exqlite.Error{message: ..., statement: ...}`, or on PostgreSQL
/// `%Postgrex.Error{postgres: %{code: ..., pg_code: ..., ...}, query: ...}`.
pub fn exqlite_error_value(e: &DbError, statement: Option<&str>) -> Value {
    if e.code == crate::pg::PG_ERROR {
        return postgrex_error_value(e, statement);
    }
    let fields = vec![("message", Value::str(&e.message)), ("statement", statement.map(Value::str).unwrap_or(Value::Nil))];
    Value::Struct(std::rc::Rc::new(crate::value::Struct::exception("Elixir.Exqlite.Error", fields)))
}

/// `%Postgrex.Error{}` of a server error (see [`crate::pg::error_message`]).
fn postgrex_error_value(e: &DbError, statement: Option<&str>) -> Value {
    let first = e.message.lines().next().unwrap_or_default();
    let mut parts = first.splitn(4, ' ');
    let severity = parts.next().unwrap_or("ERROR");
    let pg_code = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default().trim_matches(|c| c == '(' || c == ')');
    let message = parts.next().unwrap_or_default();
    let mut pg = crate::value::MapT::new();
    pg.insert(Value::atom("code"), Value::atom(code));
    pg.insert(Value::atom("message"), Value::str(message));
    pg.insert(Value::atom("pg_code"), Value::str(pg_code));
    pg.insert(Value::atom("severity"), Value::str(severity));
    for line in e.message.lines() {
        if let Some((k, v)) = line.strip_prefix("    ").and_then(|l| l.split_once(": ")) {
            if matches!(k, "schema" | "table" | "column" | "data_type" | "constraint") {
                pg.insert(Value::atom(k), Value::str(v));
            }
        }
    }
    let fields = vec![
        ("message", Value::Nil),
        ("postgres", Value::Map(std::rc::Rc::new(pg))),
        ("connection_id", Value::Int(0)),
        ("query", statement.map(Value::str).unwrap_or(Value::Nil)),
    ];
    Value::Struct(std::rc::Rc::new(crate::value::Struct::exception("Elixir.Postgrex.Error", fields)))
}

/// Raises the database error as `Exqlite.Error` (its message shows the
/// statement, as `Exqlite.Error.message/1` does), or `Postgrex.Error`.
pub fn raise_db_in(e: &DbError, statement: Option<&str>, span: Span) -> Box<Error> {
    if e.code == crate::executor::CONNECTION_ERROR {
        return Error::raise("DBConnection.ConnectionError", e.message.clone(), span);
    }
    if e.code == crate::pg::ENCODE_ERROR {
        return Error::raise("DBConnection.EncodeError", e.message.clone(), span);
    }
    if e.code == crate::pg::ARGUMENT_ERROR {
        return Error::raise("ArgumentError", e.message.clone(), span);
    }
    if e.code == crate::pg::PG_ERROR {
        let message = match statement {
            Some(sql) if !e.message.contains("\n    ") => format!("{}\n\n    query: {sql}", e.message),
            _ => e.message.clone(),
        };
        let value = postgrex_error_value(e, statement);
        return Box::new(Error::Raise(Exception { kind: "Postgrex.Error".into(), message, span, value: Some(value) }));
    }
    let message = match statement {
        Some(sql) => format!("{}\n{sql}", e.message),
        None => e.message.clone(),
    };
    Box::new(Error::Raise(Exception { kind: "Exqlite.Error".into(), message, span, value: Some(exqlite_error_value(e, statement)) }))
}

/// Raises a database error that no statement text goes with.
pub fn raise_db(e: &DbError, span: Span) -> Box<Error> {
    raise_db_in(e, None, span)
}

/// The exception a database error raises, for callers outside Repo.
pub fn db_error(e: &DbError, span: Span) -> Box<Error> {
    raise_db(e, span)
}

/// A constraint violation as ecto_sqlite3 reports it: type and name
/// (`None` for foreign keys, whose name SQLite does not report).
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub kind: &'static str,
    pub name: Option<String>,
}

/// `Ecto.Adapters.SQLite3.Connection.to_constraints/2`, and for a
/// PostgreSQL error `Ecto.Adapters.Postgres.Connection.to_constraints/2`
/// (by SQLSTATE, with the constraint the server names). PostgreSQL 18 and
/// later report a foreign key's `ON DELETE`/`ON UPDATE RESTRICT` as
/// `restrict_violation` (23001) where earlier servers said
/// `foreign_key_violation`; ecto_sql reads both as the foreign key.
pub fn to_constraints(message: &str) -> Vec<Violation> {
    if message.starts_with("ERROR ") {
        if let Some((code, name)) = crate::pg::error_parts(message) {
            let kind = match code.as_str() {
                "23505" => "unique",
                "23503" | "23001" => "foreign_key",
                "23P01" => "exclusion",
                "23514" => "check",
                _ => return vec![],
            };
            return match name {
                Some(n) => vec![Violation { kind, name: Some(n) }],
                None => vec![],
            };
        }
    }
    if let Some(rest) = message.strip_prefix("UNIQUE constraint failed: index ") {
        return vec![Violation { kind: "unique", name: Some(rest.trim_matches('\'').to_string()) }];
    }
    if let Some(rest) = message.strip_prefix("UNIQUE constraint failed: ") {
        return vec![Violation { kind: "unique", name: Some(constraint_name_hack(rest)) }];
    }
    if message == "FOREIGN KEY constraint failed" {
        return vec![Violation { kind: "foreign_key", name: None }];
    }
    if let Some(rest) = message.strip_prefix("CHECK constraint failed: ") {
        return vec![Violation { kind: "check", name: Some(rest.to_string()) }];
    }
    vec![]
}

/// `users.email` → `users_email_index`; `a.b, a.c` → `a_b_c_index`.
fn constraint_name_hack(constraint: &str) -> String {
    if constraint.contains(", ") {
        let mut parts: Vec<String> = Vec::new();
        for (i, table_col) in constraint.split(", ").enumerate() {
            if i == 0 {
                parts.push(table_col.replace('.', "_"));
            } else {
                parts.push(table_col.rsplit('.').next().unwrap_or(table_col).to_string());
            }
        }
        parts.push("index".into());
        parts.join("_")
    } else {
        let mut parts: Vec<&str> = constraint.split('.').collect();
        parts.push("index");
        parts.join("_")
    }
}

/// Raises an exception with a message and an optional exception struct.
pub fn raise(kind: &str, message: String, value: Option<Value>, span: Span) -> Box<Error> {
    Box::new(Error::Raise(Exception { kind: kind.to_string(), message, span, value }))
}

/// `Ecto.ConstraintError` for a violation no changeset constraint matched.
pub fn constraint_error(action: &str, v: &Violation, changeset: &Value, span: Span) -> Box<Error> {
    let constraints = field(changeset, "constraints");
    let list = constraints.as_list().unwrap_or(&[]);
    let defined = if list.is_empty() {
        "The changeset has not defined any constraint.".to_string()
    } else {
        let lines: Vec<String> = list
            .iter()
            .map(|c| {
                let name = inspect::inspect(&field(c, "constraint"));
                let ty = field(c, "type");
                format!("    * {name} ({}_constraint)", ty.as_atom().unwrap_or_default())
            })
            .collect();
        format!("The changeset defined the following constraints:\n\n{}", lines.join("\n"))
    };
    let name = v.name.as_deref().map(|n| inspect::inspect(&Value::str(n))).unwrap_or_else(|| "nil".into());
    let message = format!(
        "constraint error when attempting to {action} struct:\n\n    * {name} ({kind}_constraint)\n\nIf you would like to stop this constraint violation from raising an\nexception and instead add it as an error to your changeset, please\ncall `{kind}_constraint/3` on your changeset with the constraint\n`:name` as an option.\n\n{defined}\n",
        kind = v.kind
    );
    let value = make_struct(
        "Ecto.ConstraintError",
        vec![
            ("type", Value::atom(v.kind)),
            ("constraint", v.name.as_deref().map(Value::str).unwrap_or(Value::Nil)),
            ("message", Value::string(message.clone())),
        ],
    );
    raise("Ecto.ConstraintError", message, Some(value), span)
}

/// `Ecto.InvalidChangesetError`, as `Ecto.Changeset.apply_action!/2` raises it.
pub fn invalid_changeset(interp: &mut crate::eval::Interp, action: &str, changeset: &Value, span: Span) -> Box<Error> {
    match crate::changeset::Changeset::from_value(changeset) {
        Some(cs) => crate::changeset::traverse::invalid_changeset_error(interp, &Value::atom(action), &cs, span),
        None => raise("Ecto.InvalidChangesetError", format!("could not perform {action} because changeset is invalid."), None, span),
    }
}

/// `Ecto.StaleEntryError`.
pub fn stale_entry(action: &str, changeset: &Value, span: Span) -> Box<Error> {
    let message = format!(
        "attempted to {action} a stale struct:\n\n{}\n\nThis typically happens when the struct no longer exists in the database or a database trigger/rule has forbidden the action. If stale entries are expected, you may use `:stale_error_field` to convert this into a changeset error, or set `:allow_stale` to true if you would like stale operations to be considered a success (such as a stale deletion)\n",
        inspect::inspect(&field(changeset, "data"))
    );
    let value = make_struct("Ecto.StaleEntryError", vec![("message", Value::string(message.clone())), ("changeset", changeset.clone())]);
    raise("Ecto.StaleEntryError", message, Some(value), span)
}

/// The text Ecto shows for a query in errors (`Inspect.Ecto.Query.to_string/1`).
pub fn query_text(query: &Value) -> String {
    // `Inspect.Ecto.Query.to_string/1`: one clause per line.
    if let Some(q) = query.downcast::<crate::query::value::QueryValue>() {
        return crate::query::inspect::query_to_string(&q.0);
    }
    let s = inspect::inspect(query);
    match s.strip_prefix("#Ecto.Query<").and_then(|r| r.strip_suffix('>')) {
        Some(inner) => inner.to_string(),
        None => s,
    }
}

pub fn no_results(query: &Value, span: Span) -> Box<Error> {
    let message = format!("expected at least one result but got none in query:\n\n{}\n", query_text(query));
    raise("Ecto.NoResultsError", message, None, span)
}

pub fn multiple_results(query: &Value, count: usize, span: Span) -> Box<Error> {
    let message = format!("expected at most one result but got {count} in query:\n\n{}\n", query_text(query));
    raise("Ecto.MultipleResultsError", message, None, span)
}

pub fn multiple_primary_key(op: &str, source: &str, params: &[Value], count: i64, span: Span) -> Box<Error> {
    let message = format!(
        "expected {op} on {source} to return at most one entry but got {count} entries.\n\nThis typically means the field(s) set as primary_key in your schema/source\nare not enough to uniquely identify entries in the repository.\n\nThose are the parameters sent to the repository:\n\n{}\n",
        inspect::inspect(&Value::list(params.to_vec()))
    );
    raise("Ecto.MultiplePrimaryKeyError", message, None, span)
}

pub fn arg(msg: impl Into<String>, span: Span) -> Box<Error> {
    Error::raise("ArgumentError", msg, span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_messages_to_constraints() {
        assert_eq!(
            to_constraints("UNIQUE constraint failed: users.email"),
            vec![Violation { kind: "unique", name: Some("users_email_index".into()) }]
        );
        assert_eq!(
            to_constraints("UNIQUE constraint failed: posts_tags.post_id, posts_tags.tag_id"),
            vec![Violation { kind: "unique", name: Some("posts_tags_post_id_tag_id_index".into()) }]
        );
        assert_eq!(
            to_constraints("UNIQUE constraint failed: index 'my_index'"),
            vec![Violation { kind: "unique", name: Some("my_index".into()) }]
        );
        assert_eq!(to_constraints("FOREIGN KEY constraint failed"), vec![Violation { kind: "foreign_key", name: None }]);
        assert_eq!(
            to_constraints("CHECK constraint failed: stock_non_negative"),
            vec![Violation { kind: "check", name: Some("stock_non_negative".into()) }]
        );
        assert!(to_constraints("NOT NULL constraint failed: users.name").is_empty());
    }

    #[test]
    fn postgres_restrict_is_a_foreign_key_violation() {
        let restrict = "ERROR 23001 (restrict_violation) update or delete on table \"users\" violates RESTRICT setting of foreign key constraint \"orders_user_id_fkey\" on table \"orders\"\n\n    table: orders\n    constraint: orders_user_id_fkey";
        let fk = restrict.replace("23001 (restrict_violation)", "23503 (foreign_key_violation)");
        for message in [restrict, fk.as_str()] {
            assert_eq!(to_constraints(message), vec![Violation { kind: "foreign_key", name: Some("orders_user_id_fkey".into()) }]);
        }
        assert!(to_constraints("ERROR 23502 (not_null_violation) null value\n\n    constraint: x").is_empty());
    }
}
