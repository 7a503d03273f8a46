//! The entity-relationship model of a workspace: its schemas (from the
//! [`SchemaRegistry`](crate::schema::SchemaRegistry)) merged by table name
//! with the tables SQLite really has (its catalog, read through the
//! [`Executor`](crate::executor::Executor)), the associations between them,
//! and where the two disagree ([`Drift`], each with a migration that fixes
//! it). Renderers turn the model into Mermaid, DBML, Graphviz DOT and SVG;
//! [`design`] writes schema and migration code from design operations, and
//! `import` (feature `sql-import`) reads SQL DDL into a design.
//!
//! # The model as JSON
//!
//! Every type here is serde `Serialize + Deserialize` with these field
//! names; lists keep a stable order (tables by name, fields in declaration
//! order then the database's extra columns, edges by table then by
//! declaration, drift by table).
//!
//! ```text
//! ErModel  { tables: [ErTable], edges: [ErEdge], drift: [Drift], database: bool }
//!   database: a database was read (false: no executor, the catalog is unknown)
//! ErTable  { name, modules: [String], prefix: String|null, kind, in_db: bool,
//!            abstract: bool, primary_key: [column], fields: [ErField],
//!            indexes: [ErIndex], polymorphic: [PolyPair], location: Location|null }
//!   name: the table (`source`); for an embedded schema, its module name
//!   kind: "schema" | "embedded" | "db_only" | "join_table"
//!   modules: the schema modules stored in this table (several when a
//!            `{"table", Schema}` source points another schema at it)
//!   abstract: a schema whose own table does not exist but which is used
//!            through `{"table", Schema}` sources (a polymorphic template)
//! ErField  { name: String|null, column: String|null, ecto_type: String|null,
//!            column_type: String|null, in_db: bool, primary_key: bool,
//!            foreign_key: ErForeignKey|null, not_null: bool,
//!            default: String|null, db_default: String|null, virtual: bool,
//!            timestamps: bool, association: String|null,
//!            enum_values: [String]|null, embed: ErEmbed|null }
//!   name: the schema field (null for a column no schema declares)
//!   column: the column (`source:`), null for virtual fields
//!   ecto_type: as Ecto prints it (`:string`, `{:array, :string}`, `Ecto.Enum`, `:id`)
//!   column_type: the catalog's declared type, or the one the migration would use
//!   default: the schema default as `inspect` prints it; db_default: the SQL default
//!   association: the belongs_to that defines this field
//! ErForeignKey { table, column, on_delete: String|null, constraint: bool }
//!   on_delete: as a migration names it ("delete_all", "nilify_all", "restrict",
//!   "default"), null for no action
//!   constraint: false when only a belongs_to implies it (no FK in the database)
//! ErEmbed  { cardinality: "one"|"many", module, fields: [ErField] }
//! ErIndex  { name, columns: [String], unique: bool }
//! PolyPair { type_column, id_column }     (a `*_type`/`*_id` pair)
//! Location { cell, start, end, from: [line, col], to: [line, col] }
//!   the `defmodule` (or association call) in cell `cell`: byte offsets, and
//!   0-based lines with UTF-16 columns as the editor counts them
//! ErEdge   { from, to, kind, name, cardinality: "one"|"many", from_module,
//!            to_module: String|null, owner_key: String|null,
//!            related_key: String|null, join_through: String|null,
//!            join_keys: [String, String]|null, through: [String],
//!            has_where: bool, source_override: String|null, code,
//!            location: Location|null }
//!   from/to: table names (from is the owner); kind: "belongs_to" |
//!   "has_one" | "has_many" | "many_to_many" | "through"
//!   join_keys: the join table's columns for the owner and the related side
//!   source_override: the table of a `{"table", Schema}` association
//!   code: the association as written (`has_many :posts, Blog.Post`)
//! Drift    { kind, table, field: String|null, column: String|null, message, migration }
//!   kind: "missing_column" | "extra_column" | "type_mismatch" |
//!   "missing_fk_constraint" | "missing_fk_index" | "missing_table" |
//!   "missing_join_table"
//!   migration: a cell that fixes it (a migration module and `Ecto.Migrator.up`)
//! ```

pub mod catalog;
pub(crate) mod code;
pub mod design;
pub mod drift;
mod extract;
#[cfg(feature = "sql-import")]
pub mod import;
mod locate;
pub mod render;
pub mod svg;

#[cfg(all(test, feature = "rusqlite"))]
mod tests;

use serde::{Deserialize, Serialize};

use crate::playground::Workspace;

pub use drift::{Drift, DriftKind};
pub use extract::{ecto_type_text, extract, migration_type};

/// The whole diagram: tables, association edges and drift.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErModel {
    pub tables: Vec<ErTable>,
    pub edges: Vec<ErEdge>,
    pub drift: Vec<Drift>,
    /// Whether a database was read (without one nothing is compared).
    pub database: bool,
}

impl ErModel {
    pub fn table(&self, name: &str) -> Option<&ErTable> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// What a box is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// A table with at least one schema module.
    Schema,
    /// An `embedded_schema` (no table; stored inside its parent's column).
    Embedded,
    /// A table only the database has.
    DbOnly,
    /// A bare join table of a many_to_many (two foreign keys, maybe an id and timestamps).
    JoinTable,
}

impl TableKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TableKind::Schema => "schema",
            TableKind::Embedded => "embedded",
            TableKind::DbOnly => "db_only",
            TableKind::JoinTable => "join_table",
        }
    }
}

/// One box: a table (or embedded schema) and its fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErTable {
    pub name: String,
    pub modules: Vec<String>,
    pub prefix: Option<String>,
    pub kind: TableKind,
    pub in_db: bool,
    #[serde(rename = "abstract")]
    pub abstract_: bool,
    /// Primary key columns, in order.
    pub primary_key: Vec<String>,
    pub fields: Vec<ErField>,
    pub indexes: Vec<ErIndex>,
    pub polymorphic: Vec<PolyPair>,
    pub location: Option<Location>,
}

impl ErTable {
    /// The field stored in `column`.
    pub fn column(&self, column: &str) -> Option<&ErField> {
        self.fields.iter().find(|f| f.column.as_deref() == Some(column))
    }

    /// The field named `name` in a schema.
    pub fn field(&self, name: &str) -> Option<&ErField> {
        self.fields.iter().find(|f| f.name.as_deref() == Some(name))
    }
}

/// One row of a box: a schema field, a column, or both.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErField {
    pub name: Option<String>,
    pub column: Option<String>,
    pub ecto_type: Option<String>,
    pub column_type: Option<String>,
    pub in_db: bool,
    pub primary_key: bool,
    pub foreign_key: Option<ErForeignKey>,
    pub not_null: bool,
    pub default: Option<String>,
    pub db_default: Option<String>,
    #[serde(rename = "virtual")]
    pub virtual_: bool,
    pub timestamps: bool,
    pub association: Option<String>,
    pub enum_values: Option<Vec<String>>,
    pub embed: Option<ErEmbed>,
}

/// Where a foreign key points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErForeignKey {
    pub table: String,
    pub column: String,
    pub on_delete: Option<String>,
    /// The database has the constraint (false: only a belongs_to implies it).
    pub constraint: bool,
}

/// An `embeds_one`/`embeds_many` field's schema, drawn inside its parent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErEmbed {
    pub cardinality: String,
    pub module: String,
    pub fields: Vec<ErField>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErIndex {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
}

/// A `*_type` / `*_id` column pair: a polymorphic reference no foreign key checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolyPair {
    pub type_column: String,
    pub id_column: String,
}

/// A place in the notebook's cells.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub cell: usize,
    pub start: u32,
    pub end: u32,
    /// 0-based line and UTF-16 column of `start` and `end`.
    pub from: (usize, usize),
    pub to: (usize, usize),
}

/// The kind of an association edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    BelongsTo,
    HasOne,
    HasMany,
    ManyToMany,
    Through,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::BelongsTo => "belongs_to",
            EdgeKind::HasOne => "has_one",
            EdgeKind::HasMany => "has_many",
            EdgeKind::ManyToMany => "many_to_many",
            EdgeKind::Through => "through",
        }
    }
}

/// One association, from its owner's table to the related table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErEdge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub name: String,
    pub cardinality: String,
    pub from_module: String,
    pub to_module: Option<String>,
    pub owner_key: Option<String>,
    pub related_key: Option<String>,
    pub join_through: Option<String>,
    pub join_keys: Option<(String, String)>,
    pub through: Vec<String>,
    pub has_where: bool,
    pub source_override: Option<String>,
    pub code: String,
    pub location: Option<Location>,
}

impl Workspace {
    /// The model of everything evaluated so far: the schemas defined by the
    /// cells that ran, merged with the database's tables. `cells` are the
    /// notebook's sources (for locations and association code; may be empty).
    pub fn er_model(&mut self, cells: &[&str]) -> ErModel {
        let schemas = {
            let registry = self.interp.ext::<crate::schema::SchemaRegistry>();
            let mut s: Vec<_> = registry.schemas.values().cloned().collect();
            crate::sort::sort_by(&mut s, |a, b| a.module.cmp(&b.module));
            s
        };
        let catalog = crate::repo::conn(&mut self.interp).and_then(|c| catalog::read(c.executor()).ok());
        extract(&schemas, catalog.as_ref(), cells)
    }
}
