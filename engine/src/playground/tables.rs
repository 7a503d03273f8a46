//! The database's tables for the playground's sidebar: names, columns and
//! row counts, read through the same `Executor` the Repo uses (these
//! statements are not part of any cell's log).

use serde::{Deserialize, Serialize};

use crate::executor::{DbError, DbValue, Executor};

/// One column of a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnInfo {
    pub name: String,
    /// The declared type (`INTEGER`, `TEXT`, ...), empty when none.
    pub ty: String,
    pub primary_key: bool,
    pub not_null: bool,
}

/// One table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableInfo {
    pub name: String,
    pub columns: Vec<ColumnInfo>,
    pub row_count: u64,
}

/// `name` as an SQLite identifier (`"a""b"`): table names cannot be bound
/// as parameters.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A catalog value as text (names, declared types, SQL defaults).
pub(crate) fn text(v: Option<&DbValue>) -> String {
    match v {
        Some(DbValue::Text(s)) => s.clone(),
        Some(DbValue::Integer(i)) => i.to_string(),
        Some(DbValue::Real(f)) => f.to_string(),
        Some(v @ DbValue::Pg { .. }) => match crate::pg::from_db(v) {
            crate::value::Value::Int(i) => i.to_string(),
            crate::value::Value::Bool(b) => b.to_string(),
            other => other.as_str().map(str::to_string).unwrap_or_default(),
        },
        _ => String::new(),
    }
}

/// A catalog value as an integer (flags, counts, positions).
pub(crate) fn int(v: Option<&DbValue>) -> i64 {
    match v {
        Some(DbValue::Integer(i)) => *i,
        Some(DbValue::Real(f)) => *f as i64,
        Some(DbValue::Text(s)) => s.parse().unwrap_or(0),
        Some(v @ DbValue::Pg { .. }) => match crate::pg::from_db(v) {
            crate::value::Value::Int(i) => i,
            crate::value::Value::Bool(b) => i64::from(b),
            crate::value::Value::Float(f) => f as i64,
            other => other.as_str().and_then(|s| s.parse().ok()).unwrap_or(0),
        },
        _ => 0,
    }
}

/// The names of the user's tables (SQLite's own `sqlite_*` tables left out), in order.
pub(crate) fn table_names(exec: &mut dyn Executor) -> Result<Vec<String>, DbError> {
    let names =
        exec.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name", &[])?;
    Ok(names.rows.iter().map(|row| text(row.first())).collect())
}

/// The user's tables (SQLite's own `sqlite_*` tables left out), by name.
pub fn list_tables(exec: &mut dyn Executor) -> Result<Vec<TableInfo>, DbError> {
    let mut out = Vec::new();
    for name in table_names(exec)? {
        let info = exec.execute("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1)", &[DbValue::Text(name.clone())])?;
        let columns = info
            .rows
            .iter()
            .map(|r| ColumnInfo {
                name: text(r.first()),
                ty: text(r.get(1)),
                not_null: int(r.get(2)) != 0,
                primary_key: int(r.get(3)) != 0,
            })
            .collect();
        let count = exec.execute(&format!("SELECT count(*) FROM {}", quote_ident(&name)), &[])?;
        let row_count = int(count.rows.first().and_then(|r| r.first())).max(0) as u64;
        out.push(TableInfo { name, columns, row_count });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::QueryResult;

    /// Answers the three kinds of statement `list_tables` sends.
    struct Fake;

    impl Executor for Fake {
        fn execute(&mut self, sql: &str, params: &[DbValue]) -> Result<QueryResult, DbError> {
            let t = |s: &str| DbValue::Text(s.to_string());
            let rows = if sql.contains("sqlite_master") {
                vec![vec![t("a\"b")], vec![t("posts")]]
            } else if sql.contains("pragma_table_info") {
                assert_eq!(params.len(), 1);
                vec![vec![t("id"), t("INTEGER"), DbValue::Integer(0), DbValue::Integer(1)]]
            } else if sql == "SELECT count(*) FROM \"a\"\"b\"" {
                vec![vec![DbValue::Integer(2)]]
            } else {
                vec![vec![DbValue::Integer(7)]]
            };
            Ok(QueryResult { columns: vec![], rows, changes: 0 })
        }
    }

    #[test]
    fn lists_tables_with_columns_and_counts() {
        let tables = list_tables(&mut Fake).expect("tables");
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[0].name, "a\"b");
        assert_eq!(tables[0].row_count, 2);
        assert_eq!(tables[1].row_count, 7);
        assert_eq!(tables[1].columns, vec![ColumnInfo { name: "id".into(), ty: "INTEGER".into(), primary_key: true, not_null: false }]);
    }
}
