//! The database's own description of its tables, read through the
//! `Executor` (these statements are not part of any cell's log). SQLite:
//! columns (`pragma_table_info`), foreign keys (`pragma_foreign_key_list`)
//! and indexes (`pragma_index_list`, `pragma_index_info`). PostgreSQL
//! (`Executor::postgres`): the tables of the session's current schema from
//! `pg_catalog` (`pg_class`, `pg_attribute`, `pg_attrdef`, `pg_index`,
//! `pg_constraint`), in the same shape: declared types are
//! `format_type`'s (`bigint`, `character varying(255)`, `text[]`).

use crate::executor::{DbError, DbValue, Executor};
use crate::playground::tables::{int, quote_ident, table_names, text};

/// The tables Ecto keeps for itself, left out of the diagram.
pub const INTERNAL_TABLES: &[&str] = &["schema_migrations"];

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    /// By name.
    pub tables: Vec<CatalogTable>,
    /// The highest version in `schema_migrations` (0 without one).
    pub max_version: i64,
    /// Read from PostgreSQL's catalog (declared types are PostgreSQL's).
    pub postgres: bool,
}

impl Catalog {
    pub fn table(&self, name: &str) -> Option<&CatalogTable> {
        self.tables.iter().find(|t| t.name == name)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CatalogTable {
    pub name: String,
    pub columns: Vec<CatalogColumn>,
    pub foreign_keys: Vec<CatalogFk>,
    pub indexes: Vec<CatalogIndex>,
}

impl CatalogTable {
    pub fn column(&self, name: &str) -> Option<&CatalogColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The foreign key whose (single) column is `column`.
    pub fn fk_from(&self, column: &str) -> Option<&CatalogFk> {
        self.foreign_keys.iter().find(|f| f.from == column)
    }

    /// Whether an index (or the primary key) starts with `column`, so
    /// lookups by it need no scan.
    pub fn is_indexed(&self, column: &str) -> bool {
        let pk: Vec<&CatalogColumn> = {
            let mut pk: Vec<&CatalogColumn> = self.columns.iter().filter(|c| c.pk > 0).collect();
            crate::sort::sort_by_key(&mut pk, |c| c.pk);
            pk
        };
        pk.first().is_some_and(|c| c.name == column) || self.indexes.iter().any(|i| i.columns.first().is_some_and(|c| c == column))
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CatalogColumn {
    pub name: String,
    /// The declared type, empty when none.
    pub ty: String,
    pub not_null: bool,
    /// The default as SQL text.
    pub default: Option<String>,
    /// Position in the primary key (1-based), 0 when not part of it.
    pub pk: i64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CatalogFk {
    pub id: i64,
    pub from: String,
    pub table: String,
    /// The referenced column (None: the referenced table's primary key).
    pub to: Option<String>,
    pub on_delete: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CatalogIndex {
    pub name: String,
    pub unique: bool,
    /// `c` (CREATE INDEX), `u` (UNIQUE constraint) or `pk`.
    pub origin: String,
    pub columns: Vec<String>,
}

fn opt_text(v: Option<&DbValue>) -> Option<String> {
    match v {
        None | Some(DbValue::Null) => None,
        other => Some(text(other)),
    }
}

/// Reads every user table (the database's and Ecto's own left out), by name.
pub fn read(exec: &mut dyn Executor) -> Result<Catalog, DbError> {
    if exec.postgres() {
        return read_postgres(exec);
    }
    let mut catalog = Catalog::default();
    for name in table_names(exec)? {
        if INTERNAL_TABLES.contains(&name.as_str()) {
            if name == "schema_migrations" {
                let max = exec.execute(&format!("SELECT max(version) FROM {}", quote_ident(&name)), &[]);
                catalog.max_version = max.ok().map(|r| int(r.rows.first().and_then(|r| r.first()))).unwrap_or(0);
            }
            continue;
        }
        let p = [DbValue::Text(name.clone())];
        let info = exec.execute("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid", &p)?;
        let columns = info
            .rows
            .iter()
            .map(|r| CatalogColumn {
                name: text(r.first()),
                ty: text(r.get(1)),
                not_null: int(r.get(2)) != 0,
                default: opt_text(r.get(3)),
                pk: int(r.get(4)),
            })
            .collect();
        let fks =
            exec.execute("SELECT id, seq, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(?1) ORDER BY id, seq", &p)?;
        let foreign_keys = fks
            .rows
            .iter()
            .map(|r| CatalogFk {
                id: int(r.first()),
                table: text(r.get(2)),
                from: text(r.get(3)),
                to: opt_text(r.get(4)),
                on_delete: text(r.get(5)),
            })
            .collect();
        let list = exec.execute("SELECT name, \"unique\", origin FROM pragma_index_list(?1) ORDER BY name", &p)?;
        let mut indexes = Vec::new();
        for r in &list.rows {
            let index = text(r.first());
            // The primary key's own index is the primary key.
            if text(r.get(2)) == "pk" {
                continue;
            }
            let cols = exec.execute("SELECT name FROM pragma_index_info(?1) ORDER BY seqno", &[DbValue::Text(index.clone())])?;
            indexes.push(CatalogIndex {
                unique: int(r.get(1)) != 0,
                origin: text(r.get(2)),
                columns: cols.rows.iter().map(|c| text(c.first())).collect(),
                name: index,
            });
        }
        catalog.tables.push(CatalogTable { name, columns, foreign_keys, indexes });
    }
    Ok(catalog)
}

/// Every column of the current schema's tables (a table's primary key
/// position from its primary key index, 1-based).
const PG_COLUMNS: &str = "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
     pg_get_expr(d.adbin, d.adrelid), \
     coalesce((SELECT k.n FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(att, n) \
               WHERE i.indrelid = c.oid AND i.indisprimary AND k.att = a.attnum), 0)::int8 \
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
     LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum \
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
     ORDER BY c.relname, a.attnum";

/// Every foreign key column pair of the current schema's tables.
const PG_FOREIGN_KEYS: &str = "SELECT c.relname::text, con.conname::text, a.attname::text, fc.relname::text, fa.attname::text, \
     con.confdeltype::text \
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     JOIN pg_class fc ON fc.oid = con.confrelid \
     CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(att, fatt, n) \
     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.att \
     JOIN pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.fatt \
     WHERE con.contype = 'f' AND n.nspname = current_schema() \
     ORDER BY c.relname, con.conname, k.n";

/// Every index but the primary keys' of the current schema's tables, with
/// its key columns in order (an expression's position left out) and
/// whether a `UNIQUE` constraint made it.
const PG_INDEXES: &str = "SELECT t.relname::text, ic.relname::text, i.indisunique, \
     EXISTS (SELECT 1 FROM pg_constraint x WHERE x.conindid = i.indexrelid AND x.contype = 'u'), \
     array_to_string(ARRAY(SELECT quote_ident(a.attname) FROM unnest(i.indkey) WITH ORDINALITY AS k(att, n) \
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.att ORDER BY k.n), ',') \
     FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid \
     JOIN pg_namespace n ON n.oid = t.relnamespace \
     WHERE n.nspname = current_schema() AND NOT i.indisprimary \
     ORDER BY t.relname, ic.relname";

/// Splits `quote_ident`s joined by commas (a quoted name may hold commas
/// and doubled quotes).
fn split_idents(s: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if !cur.is_empty() || !out.is_empty() {
        out.push(cur);
    }
    out
}

/// PostgreSQL's `confdeltype` as SQLite's pragma words it.
fn pg_on_delete(code: &str) -> &'static str {
    match code {
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "NO ACTION",
    }
}

/// The current schema's tables from PostgreSQL's catalog.
fn read_postgres(exec: &mut dyn Executor) -> Result<Catalog, DbError> {
    let mut catalog = Catalog { postgres: true, ..Catalog::default() };
    let mut internal = false;
    for r in exec.execute(PG_COLUMNS, &[])?.rows {
        let table = text(r.first());
        if INTERNAL_TABLES.contains(&table.as_str()) {
            internal |= table == "schema_migrations";
            continue;
        }
        let column = CatalogColumn {
            name: text(r.get(1)),
            ty: text(r.get(2)),
            not_null: int(r.get(3)) != 0,
            default: opt_text(r.get(4)),
            pk: int(r.get(5)),
        };
        match catalog.tables.last_mut() {
            Some(t) if t.name == table => t.columns.push(column),
            _ => catalog.tables.push(CatalogTable { name: table, columns: vec![column], ..CatalogTable::default() }),
        }
    }
    let mut last: Option<(String, String)> = None;
    let mut id = -1;
    for r in exec.execute(PG_FOREIGN_KEYS, &[])?.rows {
        let (table, name) = (text(r.first()), text(r.get(1)));
        if last.as_ref() != Some(&(table.clone(), name.clone())) {
            id = if last.as_ref().is_some_and(|(t, _)| *t == table) { id + 1 } else { 0 };
            last = Some((table.clone(), name));
        }
        let Some(t) = catalog.tables.iter_mut().find(|t| t.name == table) else { continue };
        t.foreign_keys.push(CatalogFk {
            id,
            from: text(r.get(2)),
            table: text(r.get(3)),
            to: Some(text(r.get(4))),
            on_delete: pg_on_delete(&text(r.get(5))).to_string(),
        });
    }
    for r in exec.execute(PG_INDEXES, &[])?.rows {
        let table = text(r.first());
        let Some(t) = catalog.tables.iter_mut().find(|t| t.name == table) else { continue };
        t.indexes.push(CatalogIndex {
            name: text(r.get(1)),
            unique: int(r.get(2)) != 0,
            origin: if int(r.get(3)) != 0 { "u" } else { "c" }.to_string(),
            columns: split_idents(&text(r.get(4))),
        });
    }
    if internal {
        let max = exec.execute("SELECT max(version)::int8 FROM schema_migrations", &[]);
        catalog.max_version = max.ok().map(|r| int(r.rows.first().and_then(|r| r.first()))).unwrap_or(0);
    }
    Ok(catalog)
}

/// SQLite's type affinity of a declared column type (section 3.1 of its
/// datatype documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Affinity {
    Integer,
    Text,
    Blob,
    Real,
    Numeric,
}

pub fn affinity(declared: &str) -> Affinity {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        Affinity::Integer
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        Affinity::Text
    } else if t.contains("BLOB") || t.trim().is_empty() {
        Affinity::Blob
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Affinity::Real
    } else {
        Affinity::Numeric
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_index_columns_and_delete_actions() {
        assert_eq!(split_idents("post_id,tag_id"), vec!["post_id", "tag_id"]);
        assert_eq!(split_idents(r#"title,"odd, ""name""""#), vec!["title", r#"odd, "name""#]);
        assert_eq!(split_idents(""), Vec::<String>::new());
        assert_eq!(pg_on_delete("c"), "CASCADE");
        assert_eq!(pg_on_delete("a"), "NO ACTION");
    }
}
