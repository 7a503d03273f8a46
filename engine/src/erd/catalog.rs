//! SQLite's own description of its tables: columns (`pragma_table_info`),
//! foreign keys (`pragma_foreign_key_list`) and indexes
//! (`pragma_index_list`, `pragma_index_info`), read through the `Executor`
//! (these statements are not part of any cell's log).

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
            pk.sort_by_key(|c| c.pk);
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

/// Reads every user table (SQLite's and Ecto's own left out), by name.
pub fn read(exec: &mut dyn Executor) -> Result<Catalog, DbError> {
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
