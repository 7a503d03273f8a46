//! What the translation knows of the workspace's schemas: for each table a
//! schema maps, its module, its columns (SQL name, the field Ecto reads it
//! by, the kind of value) and the associations `assoc/2` can join over.
//!
//! It is plain data (serde), built from the [`SchemaRegistry`] where the
//! schemas were evaluated and needing no SQL parser, so a host can build it
//! in one place (the page's engine worker) and translate in another (the
//! page's tools worker, which links `sqlparser` but no evaluator).

use serde::{Deserialize, Serialize};

use crate::schema::{AssocKind, EctoType, JoinThrough, SchemaRegistry};

/// The workspace's schemas, by table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub tables: Vec<TableInfo>,
}

/// One table a schema maps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableInfo {
    pub table: String,
    /// The schema's module (`Blog.Post`).
    pub module: String,
    pub fields: Vec<Column>,
    pub assocs: Vec<AssocInfo>,
}

/// An association joinable with `assoc/2`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssocInfo {
    pub name: String,
    /// The related schema's module.
    pub module: String,
    /// How the association's rows are reached.
    pub path: AssocPath,
}

/// The keys an association joins over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssocPath {
    /// `has_many`/`has_one`/`belongs_to`: `owner.owner_column ==
    /// related.related_column`.
    Direct { owner_column: String, related_column: String },
    /// `many_to_many` through a join table: `join.owner_join ==
    /// owner.owner_column` and `join.related_join ==
    /// related.related_column`.
    Through { join_table: String, owner_column: String, owner_join: String, related_join: String, related_column: String },
}

/// A column: its SQL name, the field (or map key) Ecto reads it by, and the
/// kind of value, when a schema says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub sql: String,
    pub key: String,
    pub ty: Option<ColType>,
}

/// What the translation needs of an Ecto type: which literals it takes as
/// they are written, and whether JSON paths apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColType {
    /// `:integer`, `:id`.
    Integer,
    Float,
    Boolean,
    /// `:string`, `:binary`.
    String,
    Date,
    Any,
    /// `:map`, `{:map, t}`, embeds: JSON paths apply.
    Json,
    /// Anything else (literals next to it are typed by themselves).
    Other,
}

impl ColType {
    pub fn of(ty: &EctoType) -> ColType {
        match ty {
            EctoType::Integer | EctoType::Id => ColType::Integer,
            EctoType::Float => ColType::Float,
            EctoType::Boolean => ColType::Boolean,
            EctoType::String | EctoType::Binary => ColType::String,
            EctoType::Date => ColType::Date,
            EctoType::Any => ColType::Any,
            EctoType::Map | EctoType::MapOf(_) | EctoType::Embed(_) => ColType::Json,
            _ => ColType::Other,
        }
    }
}

fn no_where(v: &crate::Value) -> bool {
    matches!(v, crate::Value::List(l) if l.is_empty()) || matches!(v, crate::Value::Nil)
}

impl Catalog {
    /// The tables the registry's schemas map (embedded schemas and schemas
    /// without a source left out; the first module by name wins a table).
    pub fn new(reg: &SchemaRegistry) -> Catalog {
        let mut modules: Vec<_> = reg.schemas.values().filter(|s| s.source.is_some() && !s.is_embedded()).collect();
        crate::sort::sort_by(&mut modules, |a, b| a.module.cmp(&b.module));
        let mut tables: Vec<TableInfo> = Vec::new();
        for s in modules {
            let table = s.source.clone().unwrap_or_default();
            if tables.iter().any(|t| t.table == table) {
                continue;
            }
            let fields =
                s.query_fields().map(|f| Column { sql: f.source.clone(), key: f.name.clone(), ty: Some(ColType::of(&f.ty)) }).collect();
            let mut assocs = Vec::new();
            for a in &s.assocs {
                let Some(related) = a.related.as_deref().and_then(|m| reg.get(m)) else { continue };
                if !no_where(&a.where_) || a.related_source.is_some() {
                    continue;
                }
                let path = match &a.kind {
                    AssocKind::Has { .. } | AssocKind::BelongsTo => {
                        let (Some(oc), Some(rc)) = (s.field_source(&a.owner_key), related.field_source(&a.related_key)) else { continue };
                        AssocPath::Direct { owner_column: oc.to_string(), related_column: rc.to_string() }
                    }
                    AssocKind::ManyToMany { join_through, join_keys, join_where, .. } => {
                        // The join table by name (a join schema: its source,
                        // keys by their columns), with no filter on it.
                        if !no_where(join_where) {
                            continue;
                        }
                        let [(oj, ok), (rj, rk)] = join_keys;
                        let (join_table, oj, rj) = match join_through {
                            JoinThrough::Table(t) => (t.clone(), oj.clone(), rj.clone()),
                            JoinThrough::Schema(m) => {
                                let Some(j) = reg.get(m) else { continue };
                                let (Some(t), Some(oj), Some(rj)) = (j.source.clone(), j.field_source(oj), j.field_source(rj)) else {
                                    continue;
                                };
                                (t, oj.to_string(), rj.to_string())
                            }
                        };
                        let (Some(oc), Some(rc)) = (s.field_source(ok), related.field_source(rk)) else { continue };
                        AssocPath::Through {
                            join_table,
                            owner_column: oc.to_string(),
                            owner_join: oj,
                            related_join: rj,
                            related_column: rc.to_string(),
                        }
                    }
                    _ => continue,
                };
                assocs.push(AssocInfo { name: a.field.clone(), module: related.module.clone(), path });
            }
            tables.push(TableInfo { table, module: s.module.clone(), fields, assocs });
        }
        Catalog { tables }
    }

    /// The table named `name` (any case).
    pub fn table(&self, name: &str) -> Option<usize> {
        self.tables.iter().position(|t| t.table.eq_ignore_ascii_case(name))
    }
}
