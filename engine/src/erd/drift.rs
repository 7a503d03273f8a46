//! Where the schemas and the database disagree, each finding with a
//! migration cell that removes it (SQLite's limits respected: no column
//! is modified in place, indexes using a dropped column go first).

use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::catalog::{affinity, Affinity, Catalog, CatalogTable};
use super::code::{self, atom, camel, references};
use super::design::{self, index_name};
use super::{ErField, ErModel, ErTable, TableKind};
use crate::schema::{AssocKind, Schema};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// A schema field with no column.
    MissingColumn,
    /// A column no schema field reads.
    ExtraColumn,
    /// A field whose values would not come back as they were stored (`:map` on INTEGER).
    TypeMismatch,
    /// A belongs_to whose column has no foreign key constraint.
    MissingFkConstraint,
    /// A foreign key column no index starts with.
    MissingFkIndex,
    /// A schema whose table does not exist.
    MissingTable,
    /// A many_to_many whose join table does not exist.
    MissingJoinTable,
}

impl DriftKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::MissingColumn => "missing_column",
            DriftKind::ExtraColumn => "extra_column",
            DriftKind::TypeMismatch => "type_mismatch",
            DriftKind::MissingFkConstraint => "missing_fk_constraint",
            DriftKind::MissingFkIndex => "missing_fk_index",
            DriftKind::MissingTable => "missing_table",
            DriftKind::MissingJoinTable => "missing_join_table",
        }
    }
}

/// One disagreement, with the migration cell that fixes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    pub kind: DriftKind,
    pub table: String,
    pub field: Option<String>,
    pub column: Option<String>,
    pub message: String,
    pub migration: String,
}

struct Finding {
    kind: DriftKind,
    table: String,
    field: Option<String>,
    column: Option<String>,
    message: String,
    /// (module name suffix, migration body)
    fix: (String, String),
}

/// Whether values of an Ecto type survive a column of this declared type.
fn round_trips(ecto: &str, declared: &str) -> bool {
    let a = affinity(declared);
    let base = ecto.trim_start_matches(':');
    match base {
        "id" | "integer" | "boolean" => matches!(a, Affinity::Integer | Affinity::Numeric),
        "float" => matches!(a, Affinity::Real | Affinity::Numeric | Affinity::Integer),
        "decimal" => !matches!(a, Affinity::Blob),
        "binary" => matches!(a, Affinity::Blob | Affinity::Text),
        "date" | "time" | "time_usec" | "naive_datetime" | "naive_datetime_usec" | "utc_datetime" | "utc_datetime_usec" => {
            matches!(a, Affinity::Text | Affinity::Numeric | Affinity::Blob)
        }
        "string" | "binary_id" | "map" | "Ecto.UUID" | "Ecto.Embedded" => matches!(a, Affinity::Text | Affinity::Blob),
        _ if ecto.starts_with("{:array") || ecto.starts_with("{:map") => matches!(a, Affinity::Text | Affinity::Blob),
        // Ecto.Enum dumps to strings or integers; custom types are not known.
        _ => true,
    }
}

/// Whether values of an Ecto type survive a PostgreSQL column of this
/// declared type (`format_type`'s words), as Postgrex encodes them.
fn pg_round_trips(ecto: &str, declared: &str) -> bool {
    let t = declared.to_ascii_lowercase();
    let base = ecto.trim_start_matches(':');
    let int = ["smallint", "integer", "bigint"].contains(&t.as_str());
    let text = t == "text" || t.starts_with("character") || t == "citext";
    match base {
        "id" | "integer" => int,
        "boolean" => t == "boolean",
        "float" => t == "double precision" || t == "real" || t.starts_with("numeric"),
        "decimal" => t.starts_with("numeric") || int || t == "double precision" || t == "real",
        "binary" => t == "bytea",
        "string" => text,
        "date" => t == "date",
        "time" | "time_usec" => t.starts_with("time") && !t.starts_with("timestamp"),
        "naive_datetime" | "naive_datetime_usec" | "utc_datetime" | "utc_datetime_usec" => t.starts_with("timestamp"),
        "binary_id" | "Ecto.UUID" => t == "uuid",
        "map" | "Ecto.Embedded" => t == "jsonb" || t == "json" || t.ends_with("[]"),
        _ if ecto.starts_with("{:array") => t.ends_with("[]"),
        _ if ecto.starts_with("{:map") => t == "jsonb" || t == "json",
        // Ecto.Enum dumps to strings or integers; custom types are not known.
        _ => true,
    }
}

/// The migration type of a field, from the model (`:string`, `references(...)`).
fn add_type(f: &ErField, model_tables: &[ErTable]) -> String {
    if let (Some(fk), Some(_)) = (&f.foreign_key, &f.association) {
        let ty = target_type(model_tables, &fk.table, &fk.column);
        return references(&fk.table, &fk.column, ty.as_deref(), fk.on_delete.as_deref());
    }
    let ecto = f.ecto_type.as_deref().unwrap_or(":string");
    if ecto == "Ecto.Enum" {
        // String values unless every value is stored as an integer (the column type tells).
        return if f.column_type.as_deref().is_some_and(|t| affinity(t) == Affinity::Integer) { ":integer" } else { ":string" }.into();
    }
    match ecto {
        "Ecto.UUID" => ":uuid".into(),
        "Ecto.Embedded" => match &f.embed {
            Some(e) if e.cardinality == "many" => "{:array, :map}".into(),
            _ => ":map".into(),
        },
        t if t.starts_with(':') || t.starts_with("{:array") => t.to_string(),
        t if t.starts_with("{:map") => ":map".into(),
        // A custom type: its storage is not known here.
        _ => ":string".into(),
    }
}

/// The Ecto type of a referenced column, when it is not `:id`.
fn target_type(tables: &[ErTable], table: &str, column: &str) -> Option<String> {
    let t = tables.iter().find(|t| t.name == table)?;
    let f = t.column(column)?;
    f.ecto_type.clone().filter(|ty| ty != ":id")
}

/// `drop index(...)` for every index using `column`, and the lines that create them again.
fn indexes_using(cat: &CatalogTable, table: &str, column: &str) -> (String, String) {
    let mut drop = String::new();
    let mut create = String::new();
    for i in cat.indexes.iter().filter(|i| i.columns.iter().any(|c| c == column) && i.origin == "c") {
        let cols: Vec<String> = i.columns.iter().map(|c| atom(c)).collect();
        let name = if i.name == index_name(table, &i.columns) { String::new() } else { format!(", name: {}", atom(&i.name)) };
        drop.push_str(&format!("drop index({}, [{}]{name})\n", atom(table), cols.join(", ")));
        let call = if i.unique { "unique_index" } else { "index" };
        create.push_str(&format!("create {call}({}, [{}]{name})\n", atom(table), cols.join(", ")));
    }
    (drop, create)
}

pub fn check(tables: &[ErTable], schemas: &[Rc<Schema>], catalog: &Catalog) -> Vec<Drift> {
    let mut found: Vec<Finding> = Vec::new();
    for t in tables {
        let cat = catalog.table(&t.name);
        match (t.kind, cat) {
            (TableKind::Schema, None) if !t.abstract_ => {
                let module = t.modules.first().cloned().unwrap_or_default();
                let model = ErModel { tables: tables.to_vec(), ..ErModel::default() };
                let mut dt = design::table_from_er(t, &model);
                for f in &mut dt.fields {
                    f.null = true;
                }
                dt.indexes = dt
                    .fields
                    .iter()
                    .filter(|f| f.belongs_to.is_some())
                    .map(|f| design::DesignIndex::new(vec![f.name.clone()], false))
                    .collect();
                found.push(Finding {
                    kind: DriftKind::MissingTable,
                    table: t.name.clone(),
                    field: None,
                    column: None,
                    message: format!("{module} reads table {}, which does not exist", t.name),
                    fix: (format!("Create{}", camel(&t.name)), dt.create_code()),
                });
            }
            (TableKind::JoinTable, None) => {
                let (owner, assoc) = join_user(schemas, &t.name).unwrap_or_default();
                let model = ErModel { tables: tables.to_vec(), ..ErModel::default() };
                let mut dt = design::table_from_er(t, &model);
                for f in &mut dt.fields {
                    f.null = false;
                    if let Some(b) = &mut f.belongs_to {
                        b.on_delete = Some("delete_all".into());
                    }
                }
                let cols: Vec<String> = dt.fields.iter().map(|f| f.name.clone()).collect();
                dt.indexes = vec![design::DesignIndex::new(cols.clone(), true)];
                if let Some(second) = cols.get(1) {
                    dt.indexes.push(design::DesignIndex::new(vec![second.clone()], false));
                }
                found.push(Finding {
                    kind: DriftKind::MissingJoinTable,
                    table: t.name.clone(),
                    field: None,
                    column: None,
                    message: format!("many_to_many :{assoc} of {owner} joins through {}, which does not exist", t.name),
                    fix: (format!("Create{}", camel(&t.name)), dt.create_code()),
                });
            }
            (_, Some(cat)) => check_columns(t, cat, catalog.postgres, tables, &mut found),
            _ => {}
        }
    }
    // Join tables that exist but lack a join key.
    for s in schemas {
        for a in &s.assocs {
            let AssocKind::ManyToMany { join_through, join_keys, .. } = &a.kind else { continue };
            let table = match join_through {
                crate::schema::JoinThrough::Table(t) => t.clone(),
                crate::schema::JoinThrough::Schema(_) => continue,
            };
            let Some(cat) = catalog.table(&table) else { continue };
            for (col, _) in join_keys {
                let reported = found.iter().any(|f| f.table == table && f.column.as_deref() == Some(col.as_str()));
                if cat.column(col).is_none() && !reported {
                    found.push(Finding {
                        kind: DriftKind::MissingColumn,
                        table: table.clone(),
                        field: None,
                        column: Some(col.clone()),
                        message: format!("many_to_many :{} of {} needs column {table}.{col}", a.field, s.module),
                        fix: (
                            format!("Add{}To{}", camel(col), camel(&table)),
                            format!("alter table({}) do\n  add {}, :id\nend\n", atom(&table), atom(col)),
                        ),
                    });
                }
            }
        }
    }
    let ns = schemas.iter().find_map(|s| s.module.split_once('.').map(|(a, _)| a.to_string())).unwrap_or_else(|| "App".into());
    found
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let version = catalog.max_version.saturating_add(1 + i as i64);
            let module = format!("{ns}.Migrations.{}", f.fix.0);
            Drift {
                kind: f.kind,
                table: f.table,
                field: f.field,
                column: f.column,
                message: f.message,
                migration: code::migration_cell(&module, version, &f.fix.1),
            }
        })
        .collect()
}

fn join_user(schemas: &[Rc<Schema>], table: &str) -> Option<(String, String)> {
    schemas.iter().find_map(|s| {
        s.assocs.iter().find_map(|a| match &a.kind {
            AssocKind::ManyToMany { join_through: crate::schema::JoinThrough::Table(t), .. } if t == table => {
                Some((s.module.clone(), a.field.clone()))
            }
            _ => None,
        })
    })
}

fn check_columns(t: &ErTable, cat: &CatalogTable, postgres: bool, tables: &[ErTable], found: &mut Vec<Finding>) {
    let schema = t.kind == TableKind::Schema;
    let module = t.modules.join(", ");
    let tq = atom(&t.name);
    for f in &t.fields {
        let Some(col) = f.column.as_deref() else { continue };
        let name = f.name.clone();
        if schema && name.is_some() && !f.in_db {
            let mut body = format!("alter table({tq}) do\n  add {}, {}\nend\n", atom(col), add_type(f, tables));
            if f.association.is_some() {
                body.push_str(&format!("\ncreate index({tq}, [{}])\n", atom(col)));
            }
            found.push(Finding {
                kind: DriftKind::MissingColumn,
                table: t.name.clone(),
                field: name.clone(),
                column: Some(col.to_string()),
                message: format!("{module} has field :{} but table {} has no column {col}", name.as_deref().unwrap_or(col), t.name),
                fix: (format!("Add{}To{}", camel(col), camel(&t.name)), body),
            });
            continue;
        }
        if schema && name.is_none() {
            let (drop, _) = indexes_using(cat, &t.name, col);
            let suggested = design::ecto_type_for_column(f.column_type.as_deref().unwrap_or(""));
            found.push(Finding {
                kind: DriftKind::ExtraColumn,
                table: t.name.clone(),
                field: None,
                column: Some(col.to_string()),
                message: format!(
                    "column {}.{col} has no field in {module}: add `field {}, {suggested}` to the schema, or remove the column",
                    t.name,
                    atom(col)
                ),
                fix: (
                    format!("Remove{}From{}", camel(col), camel(&t.name)),
                    format!("{drop}{}alter table({tq}) do\n  remove {}\nend\n", if drop.is_empty() { "" } else { "\n" }, atom(col)),
                ),
            });
            continue;
        }
        let Some(declared) = f.column_type.as_deref() else { continue };
        if let (Some(ecto), true) = (f.ecto_type.as_deref(), f.in_db) {
            let fits = if postgres { pg_round_trips(ecto, declared) } else { round_trips(ecto, declared) };
            if !f.primary_key && f.association.is_none() && !fits {
                let (drop, create) = indexes_using(cat, &t.name, col);
                let body = if postgres {
                    // PostgreSQL changes the type in place (`ALTER COLUMN ... TYPE`).
                    format!("alter table({tq}) do\n  modify {c}, {}\nend\n", add_type(f, tables), c = atom(col))
                } else {
                    format!(
                    "# SQLite cannot change a column's type: the column is dropped and added again (its values are lost).\n{drop}alter table({tq}) do\n  remove {c}\nend\n\nalter table({tq}) do\n  add {c}, {}\nend\n{}{create}",
                    add_type(f, tables),
                    if create.is_empty() { "" } else { "\n" },
                    c = atom(col)
                    )
                };
                found.push(Finding {
                    kind: DriftKind::TypeMismatch,
                    table: t.name.clone(),
                    field: name.clone(),
                    column: Some(col.to_string()),
                    message: format!(
                        "field :{} is {ecto} but column {}.{col} is {declared}: values would not read back as written",
                        name.as_deref().unwrap_or(col),
                        t.name
                    ),
                    fix: (format!("Retype{}In{}", camel(col), camel(&t.name)), body),
                });
            }
        }
        if let (Some(fk), Some(assoc), true) = (&f.foreign_key, &f.association, f.in_db) {
            if !fk.constraint {
                let (drop, create) = indexes_using(cat, &t.name, col);
                let create = if create.is_empty() { format!("create index({tq}, [{}])\n", atom(col)) } else { create };
                let ty = target_type(tables, &fk.table, &fk.column);
                let body = format!(
                    "# SQLite cannot add a constraint to a column: the column is dropped and added again with it (its values are lost).\n{drop}alter table({tq}) do\n  remove {c}\nend\n\nalter table({tq}) do\n  add {c}, {}\nend\n\n{create}",
                    references(&fk.table, &fk.column, ty.as_deref(), None),
                    c = atom(col)
                );
                found.push(Finding {
                    kind: DriftKind::MissingFkConstraint,
                    table: t.name.clone(),
                    field: name.clone(),
                    column: Some(col.to_string()),
                    message: format!("belongs_to :{assoc} uses {}.{col}, which has no foreign key constraint to {}", t.name, fk.table),
                    fix: (format!("Reference{}In{}", camel(&fk.table), camel(&t.name)), body),
                });
                continue;
            }
        }
        let is_fk = cat.foreign_keys.iter().any(|k| k.from == col && first_of_key(cat, k.id) == col);
        if f.in_db && (is_fk || f.association.is_some()) && !cat.is_indexed(col) {
            let target = f.foreign_key.as_ref().map(|k| k.table.clone()).unwrap_or_default();
            found.push(Finding {
                kind: DriftKind::MissingFkIndex,
                table: t.name.clone(),
                field: name.clone(),
                column: Some(col.to_string()),
                message: format!(
                    "foreign key {}.{col} (to {target}) has no index: deleting from {target} and preloading scan {}",
                    t.name, t.name
                ),
                fix: (format!("Index{}{}", camel(&t.name), camel(col)), format!("create index({tq}, [{}])\n", atom(col))),
            });
        }
    }
}

/// The first column of a (maybe composite) foreign key.
fn first_of_key(cat: &CatalogTable, id: i64) -> &str {
    cat.foreign_keys.iter().find(|k| k.id == id).map(|k| k.from.as_str()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_rules() {
        assert!(!round_trips(":map", "INTEGER"));
        assert!(round_trips(":map", "TEXT"));
        assert!(!round_trips(":string", "INTEGER"));
        assert!(round_trips(":integer", "BIGINT"));
        assert!(round_trips(":utc_datetime", "TEXT"));
        assert!(!round_trips(":integer", "TEXT"));
        assert!(round_trips("My.Type", "WHATEVER"));
        assert!(pg_round_trips(":map", "jsonb"));
        assert!(pg_round_trips("{:array, :string}", "character varying(255)[]"));
        assert!(pg_round_trips(":naive_datetime", "timestamp(0) without time zone"));
        assert!(pg_round_trips("Ecto.UUID", "uuid"));
        assert!(!pg_round_trips(":string", "bigint"));
        assert!(!pg_round_trips(":integer", "text"));
    }
}
