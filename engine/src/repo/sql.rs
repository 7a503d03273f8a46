//! The statements Repo writes for structs and `insert_all`, as
//! ecto_sqlite3's `Ecto.Adapters.SQLite3.Connection` prints them
//! (`insert/8`, `update/5`, `delete/4`, `on_conflict/2`).

use crate::value::Value;

/// One cell of an `INSERT ... VALUES` row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A bound value: `?N` numbered in order.
    Param,
    /// `{:placeholder, key}`: `?idx`, shared by every row using it.
    Placeholder(usize),
    /// A subquery printed by the query printer, with its parameter count.
    Query(String, usize),
    /// A column this row does not set (SQLite cannot use DEFAULT per cell).
    Missing,
}

/// The `on_conflict` the adapter receives, after Repo resolved it.
#[derive(Clone, Debug, PartialEq)]
pub enum OnConflict {
    /// `:raise` (no clause).
    Raise,
    /// `:nothing`
    Nothing(ConflictTarget),
    /// `{:replace, fields}`, `:replace_all`, `{:replace_all_except, _}`:
    /// the column names to take from `EXCLUDED`.
    Replace(Vec<String>, ConflictTarget),
    /// A keyword list or query: the printed `SET` list, an optional
    /// `WHERE` and `RETURNING` (already printed), and the source alias
    /// used for `INSERT INTO "t" AS a0`.
    Query { set: String, where_: String, returning: String, alias: String, target: ConflictTarget },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConflictTarget {
    Columns(Vec<String>),
    /// `{:unsafe_fragment, "..."}`
    Fragment(String),
}

impl ConflictTarget {
    pub fn none() -> ConflictTarget {
        ConflictTarget::Columns(vec![])
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, ConflictTarget::Columns(c) if c.is_empty())
    }
}

/// An error the printer raises (`ArgumentError` in ecto_sqlite3).
#[derive(Clone, Debug, PartialEq)]
pub struct SqlError {
    pub kind: &'static str,
    pub message: String,
}

fn arg_error(msg: impl Into<String>) -> SqlError {
    SqlError { kind: "ArgumentError", message: msg.into() }
}

/// `"name"` (ecto_sqlite3 does not escape the name).
pub fn quote_name(name: &str) -> String {
    format!("\"{name}\"")
}

pub fn quote_names(names: &[String]) -> String {
    names.iter().map(|n| quote_name(n)).collect::<Vec<_>>().join(",")
}

/// `quote_table(prefix, name)`: SQLite has no schema prefixes;
/// PostgreSQL's are `"prefix"."table"`.
pub fn quote_table(prefix: &Value, table: &str) -> Result<String, SqlError> {
    quote_table_in(prefix, table, false)
}

fn quote_table_in(prefix: &Value, table: &str, pg: bool) -> Result<String, SqlError> {
    match prefix {
        Value::Atom(a) if pg => Ok(format!("{}.{}", quote_name(a), quote_name(table))),
        Value::Str(a) if pg => Ok(format!("{}.{}", quote_name(a), quote_name(table))),
        Value::Nil => Ok(quote_name(table)),
        Value::Atom(_) | Value::Str(_) => Err(arg_error("SQLite3 does not support table prefixes")),
        _ => Ok(quote_name(table)),
    }
}

fn returning(fields: &[String]) -> String {
    if fields.is_empty() {
        String::new()
    } else {
        format!(" RETURNING {}", quote_names(fields))
    }
}

fn conflict_target(t: &ConflictTarget) -> String {
    match t {
        ConflictTarget::Columns(c) if c.is_empty() => String::new(),
        ConflictTarget::Columns(c) => format!("({}) ", quote_names(c)),
        ConflictTarget::Fragment(f) => format!("{f} "),
    }
}

/// ecto_sql's Postgres `conflict_target!/1`: an update needs a target there.
fn require_target(oc: &OnConflict, pg: bool) -> Result<(), SqlError> {
    let target = match oc {
        OnConflict::Replace(_, t) | OnConflict::Query { target: t, .. } => t,
        _ => return Ok(()),
    };
    if pg && target.is_empty() {
        return Err(arg_error("the :conflict_target option is required on upserts by PostgreSQL"));
    }
    Ok(())
}

fn on_conflict(oc: &OnConflict) -> String {
    match oc {
        OnConflict::Raise => String::new(),
        OnConflict::Nothing(t) => format!(" ON CONFLICT {}DO NOTHING", conflict_target(t)),
        OnConflict::Replace(fields, t) => {
            let sets: Vec<String> = fields
                .iter()
                .map(|f| {
                    let q = quote_name(f);
                    format!("{q} = EXCLUDED.{q}")
                })
                .collect();
            format!(" ON CONFLICT {}DO UPDATE SET {}", conflict_target(t), sets.join(","))
        }
        OnConflict::Query { set, where_, returning, target, .. } => {
            format!(" ON CONFLICT {}DO UPDATE SET {set}{where_}{returning}", conflict_target(target))
        }
    }
}

fn insert_as(oc: &OnConflict) -> String {
    match oc {
        OnConflict::Query { alias, .. } => format!(" AS {alias}"),
        _ => String::new(),
    }
}

/// A numbered parameter: `?N` (SQLite) or `$N` (PostgreSQL).
fn mark(pg: bool, n: usize) -> String {
    if pg {
        format!("${n}")
    } else {
        format!("?{n}")
    }
}

/// `INSERT INTO ...` for `insert` (one row of `Param`s) and `insert_all`.
/// `placeholders` is the number of distinct placeholder values, which are
/// bound first (`?1..?n`), so row parameters start after them. `pg`
/// prints ecto_sql's Postgres form (`$N`, `DEFAULT` cells).
#[allow(clippy::too_many_arguments)]
pub fn insert(
    prefix: &Value,
    table: &str,
    header: &[String],
    rows: &[Vec<Cell>],
    oc: &OnConflict,
    ret: &[String],
    placeholders: usize,
    pg: bool,
) -> Result<String, SqlError> {
    let table = quote_table_in(prefix, table, pg)?;
    require_target(oc, pg)?;
    if !pg && header.is_empty() && rows.len() == 1 && rows[0].is_empty() && placeholders == 0 {
        return Ok(format!("INSERT INTO {table}{} DEFAULT VALUES{}", insert_as(oc), returning(ret)));
    }
    let values = if header.is_empty() {
        format!(" VALUES {}", rows.iter().map(|_| "(DEFAULT)").collect::<Vec<_>>().join(","))
    } else {
        let mut counter = placeholders + 1;
        let mut out = String::from("VALUES ");
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('(');
            for (j, cell) in row.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                match cell {
                    Cell::Missing if pg => out.push_str("DEFAULT"),
                    Cell::Missing => return Err(arg_error("Cell-wise default values are not supported on INSERT statements by SQLite3")),
                    Cell::Query(sql, n) => {
                        out.push('(');
                        out.push_str(sql);
                        out.push(')');
                        counter += n;
                    }
                    Cell::Placeholder(idx) => out.push_str(&mark(pg, *idx)),
                    Cell::Param => {
                        out.push_str(&mark(pg, counter));
                        counter += 1;
                    }
                }
            }
            out.push(')');
        }
        format!(" ({}) {out}", quote_names(header))
    };
    Ok(format!("INSERT INTO {table}{}{values}{}{}", insert_as(oc), on_conflict(oc), returning(ret)))
}

/// `INSERT INTO "t" (cols) SELECT ...` for insert_all with a query.
pub fn insert_select(
    prefix: &Value,
    table: &str,
    header: &[String],
    select_sql: &str,
    oc: &OnConflict,
    ret: &[String],
    pg: bool,
) -> Result<String, SqlError> {
    require_target(oc, pg)?;
    Ok(format!(
        "INSERT INTO {}{} ({}) {select_sql}{}{}",
        quote_table_in(prefix, table, pg)?,
        insert_as(oc),
        quote_names(header),
        on_conflict(oc),
        returning(ret)
    ))
}

/// A filter of `update`/`delete`: the column and whether its value is nil.
pub type Filter = (String, bool);

/// The next parameter: `?` (SQLite), or `$N` counting on (PostgreSQL).
fn next(pg: bool, counter: &mut usize) -> String {
    if pg {
        *counter += 1;
        format!("${counter}")
    } else {
        "?".into()
    }
}

fn filters(fs: &[Filter], pg: bool, counter: &mut usize) -> String {
    fs.iter()
        .map(
            |(f, is_nil)| if *is_nil { format!("{} IS NULL", quote_name(f)) } else { format!("{} = {}", quote_name(f), next(pg, counter)) },
        )
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// `UPDATE "t" SET "a" = ?, "b" = ? WHERE "id" = ?` (`$1`, `$2`, ... with `pg`)
pub fn update(prefix: &Value, table: &str, fields: &[String], fs: &[Filter], ret: &[String], pg: bool) -> Result<String, SqlError> {
    let mut counter = 0;
    let sets: Vec<String> = fields.iter().map(|f| format!("{} = {}", quote_name(f), next(pg, &mut counter))).collect();
    let table = quote_table_in(prefix, table, pg)?;
    Ok(format!("UPDATE {table} SET {} WHERE {}{}", sets.join(", "), filters(fs, pg, &mut counter), returning(ret)))
}

/// `DELETE FROM "t" WHERE "id" = ?` (`$1` with `pg`)
pub fn delete(prefix: &Value, table: &str, fs: &[Filter], ret: &[String], pg: bool) -> Result<String, SqlError> {
    let table = quote_table_in(prefix, table, pg)?;
    Ok(format!("DELETE FROM {table} WHERE {}{}", filters(fs, pg, &mut 0), returning(ret)))
}

/// Shifts each `$N` outside string literals by `by` (an `ON CONFLICT`
/// update query's parameters come after the inserted rows' on PostgreSQL).
pub fn shift_params(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\'' {
            quoted = !quoted;
        } else if c == '$' && !quoted && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            let mut n = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(*d);
                chars.next();
            }
            out.push_str(&(n.parse::<usize>().unwrap_or(0) + by).to_string());
        }
    }
    out
}

/// The `SET` list of a keyword `on_conflict` update (`[set: [...], inc:
/// [...]]`): every value is a parameter, printed as `?`.
pub fn keyword_set(ops: &[(String, Vec<String>)]) -> Result<String, SqlError> {
    let mut parts = Vec::new();
    for (op, fields) in ops {
        for f in fields {
            let q = quote_name(f);
            parts.push(match op.as_str() {
                "set" => format!("{q} = ?"),
                "inc" => format!("{q} = {q} + ?"),
                "push" | "pull" => {
                    return Err(SqlError { kind: "Ecto.QueryError", message: "Arrays are not supported for SQLite3".into() })
                }
                other => {
                    return Err(SqlError { kind: "Ecto.QueryError", message: format!("Unknown update operation :{other} for SQLite3") })
                }
            });
        }
    }
    Ok(parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn insert_one_row() {
        let header = s(&["age", "email", "inserted_at"]);
        let row = vec![Cell::Param; 3];
        let sql = insert(&Value::Nil, "users", &header, &[row], &OnConflict::Raise, &s(&["id"]), 0, false).unwrap();
        assert_eq!(sql, r#"INSERT INTO "users" ("age","email","inserted_at") VALUES (?1,?2,?3) RETURNING "id""#);
    }

    #[test]
    fn insert_all_with_placeholders() {
        let header = s(&["inserted_at", "name", "updated_at"]);
        let row = vec![Cell::Placeholder(1), Cell::Param, Cell::Placeholder(1)];
        let sql = insert(&Value::Nil, "products", &header, &[row.clone(), row], &OnConflict::Raise, &s(&["name", "id"]), 1, false).unwrap();
        assert_eq!(sql, r#"INSERT INTO "products" ("inserted_at","name","updated_at") VALUES (?1,?2,?1),(?1,?3,?1) RETURNING "name","id""#);
    }

    #[test]
    fn default_values_and_missing_cells() {
        let sql = insert(&Value::Nil, "tags", &[], &[vec![]], &OnConflict::Raise, &s(&["id"]), 0, false).unwrap();
        assert_eq!(sql, r#"INSERT INTO "tags" DEFAULT VALUES RETURNING "id""#);
        let err = insert(&Value::Nil, "t", &s(&["a"]), &[vec![Cell::Missing]], &OnConflict::Raise, &[], 0, false).unwrap_err();
        assert_eq!(err.kind, "ArgumentError");
        assert!(quote_table(&Value::str("p"), "t").is_err());
    }

    #[test]
    fn upserts() {
        let header = s(&["name", "sku"]);
        let row = vec![Cell::Param, Cell::Param];
        let target = ConflictTarget::Columns(s(&["sku"]));
        let nothing = OnConflict::Nothing(target.clone());
        assert_eq!(
            insert(&Value::Nil, "p", &header, std::slice::from_ref(&row), &nothing, &s(&["id"]), 0, false).unwrap(),
            r#"INSERT INTO "p" ("name","sku") VALUES (?1,?2) ON CONFLICT ("sku") DO NOTHING RETURNING "id""#
        );
        let replace = OnConflict::Replace(s(&["name", "price"]), target.clone());
        assert_eq!(
            insert(&Value::Nil, "p", &header, std::slice::from_ref(&row), &replace, &[], 0, false).unwrap(),
            r#"INSERT INTO "p" ("name","sku") VALUES (?1,?2) ON CONFLICT ("sku") DO UPDATE SET "name" = EXCLUDED."name","price" = EXCLUDED."price""#
        );
        let set = keyword_set(&[("inc".into(), s(&["stock"]))]).unwrap();
        let q = OnConflict::Query { set, where_: String::new(), returning: String::new(), alias: "p0".into(), target };
        assert_eq!(
            insert(&Value::Nil, "p", &header, &[row], &q, &s(&["id"]), 0, false).unwrap(),
            r#"INSERT INTO "p" AS p0 ("name","sku") VALUES (?1,?2) ON CONFLICT ("sku") DO UPDATE SET "stock" = "stock" + ? RETURNING "id""#
        );
    }

    #[test]
    fn postgres_statements() {
        let fs = vec![("id".to_string(), false), ("lock_version".to_string(), false)];
        assert_eq!(
            update(&Value::Nil, "users", &s(&["age"]), &fs, &[], true).unwrap(),
            r#"UPDATE "users" SET "age" = $1 WHERE "id" = $2 AND "lock_version" = $3"#
        );
        let row = vec![Cell::Param, Cell::Missing];
        assert_eq!(
            insert(&Value::atom("p"), "t", &s(&["a", "b"]), &[row.clone(), row], &OnConflict::Raise, &s(&["id"]), 0, true).unwrap(),
            r#"INSERT INTO "p"."t" ("a","b") VALUES ($1,DEFAULT),($2,DEFAULT) RETURNING "id""#
        );
        assert_eq!(
            insert(&Value::Nil, "t", &[], &[vec![]], &OnConflict::Raise, &[], 0, true).unwrap(),
            r#"INSERT INTO "t" VALUES (DEFAULT)"#
        );
        assert_eq!(shift_params("\"a\" = $1 || '$2'", 3), "\"a\" = $4 || '$2'");
    }

    #[test]
    fn update_and_delete() {
        let fs = vec![("id".to_string(), false), ("lock_version".to_string(), false)];
        assert_eq!(
            update(&Value::Nil, "users", &s(&["age", "updated_at"]), &fs, &[], false).unwrap(),
            r#"UPDATE "users" SET "age" = ?, "updated_at" = ? WHERE "id" = ? AND "lock_version" = ?"#
        );
        assert_eq!(
            delete(&Value::Nil, "users", &[("id".to_string(), false), ("x".to_string(), true)], &s(&["id"]), false).unwrap(),
            r#"DELETE FROM "users" WHERE "id" = ? AND "x" IS NULL RETURNING "id""#
        );
    }
}
