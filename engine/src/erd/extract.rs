//! Building the model: schemas become tables (by their `source`), the
//! catalog's tables are merged in by name, `{"table", Schema}` sources add
//! a schema to another table, and the catalog's remaining tables are
//! `db_only` or, when a many_to_many joins through them and they hold only
//! the two foreign keys (and maybe an id and timestamps), `join_table`.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::catalog::{Catalog, CatalogTable};
use super::locate::{self, Places};
use super::{EdgeKind, ErEdge, ErEmbed, ErField, ErForeignKey, ErIndex, ErModel, ErTable, PolyPair, TableKind};
use crate::schema::{Assoc, AssocKind, Autogenerate, Cardinality, EctoType, EnumDump, Field, JoinThrough, Schema};
use crate::value::{inspect::inspect, Value};

/// A type as Ecto prints it in a schema: `:string`, `{:array, :string}`,
/// `Ecto.Enum`, `Ecto.UUID`, a custom type's module.
pub fn ecto_type_text(ty: &EctoType) -> String {
    if let Some(b) = ty.base_name() {
        return format!(":{b}");
    }
    match ty {
        EctoType::MapOf(t) => format!("{{:map, {}}}", ecto_type_text(t)),
        EctoType::Array(t) => format!("{{:array, {}}}", ecto_type_text(t)),
        EctoType::Uuid => "Ecto.UUID".into(),
        EctoType::Enum(_) => "Ecto.Enum".into(),
        EctoType::Embed(_) => "Ecto.Embedded".into(),
        EctoType::Custom(m) => m.clone(),
        EctoType::Parameterized { module, .. } => module.clone(),
        _ => ty.format(),
    }
}

/// The type a migration gives a column of this Ecto type (`add :x, TYPE`),
/// as an Elixir term; `None` for custom types, whose storage is unknown.
pub fn migration_type(ty: &EctoType) -> Option<Value> {
    Some(match ty {
        EctoType::Any | EctoType::Custom(_) | EctoType::Parameterized { .. } => return None,
        EctoType::MapOf(_) => Value::atom("map"),
        EctoType::Array(t) => Value::tuple(vec![Value::atom("array"), migration_type(t)?]),
        EctoType::Uuid => Value::atom("uuid"),
        EctoType::Enum(e) => Value::atom(if e.dump == EnumDump::Integer { "integer" } else { "string" }),
        EctoType::Embed(e) if e.cardinality == Cardinality::Many => Value::tuple(vec![Value::atom("array"), Value::atom("map")]),
        EctoType::Embed(_) => Value::atom("map"),
        other => Value::atom(other.base_name()?),
    })
}

/// The SQLite column type the migration would create for this Ecto type.
pub fn predicted_column_type(ty: &EctoType) -> Option<String> {
    let t = migration_type(ty)?;
    crate::migration::sqlite::column_type(&t, &Value::list(vec![])).ok()
}

/// The model of `schemas` merged with `catalog` (`None`: no database).
pub fn extract(schemas: &[Rc<Schema>], catalog: Option<&Catalog>, cells: &[&str]) -> ErModel {
    let places = locate::find(cells);
    let by_module: HashMap<&str, &Schema> = schemas.iter().map(|s| (s.module.as_str(), &**s)).collect();
    let mut x = Extractor { by_module, catalog, places: &places, tables: BTreeMap::new() };
    x.collect_tables(schemas);
    let mut tables: Vec<ErTable> = Vec::new();
    let names: Vec<String> = x.tables.keys().cloned().collect();
    for name in names {
        if let Some(t) = x.build_table(&name) {
            tables.push(t);
        }
    }
    let edges = x.edges(&tables);
    let drift = match catalog {
        Some(c) => super::drift::check(&tables, schemas, c),
        None => Vec::new(),
    };
    ErModel { tables, edges, drift, database: catalog.is_some() }
}

/// A table under construction: its kind and the modules stored in it.
struct Pending {
    kind: TableKind,
    modules: Vec<String>,
    /// For a missing join table: `(owner, assoc)` of a many_to_many using it.
    join_of: Option<(String, String)>,
}

struct Extractor<'a> {
    by_module: HashMap<&'a str, &'a Schema>,
    catalog: Option<&'a Catalog>,
    places: &'a Places,
    tables: BTreeMap<String, Pending>,
}

/// The table an association's related side is stored in.
fn related_table(by_module: &HashMap<&str, &Schema>, a: &Assoc) -> Option<String> {
    if let Some(src) = &a.related_source {
        return Some(src.clone());
    }
    let related = by_module.get(a.related.as_deref()?)?;
    Some(related.source.clone().unwrap_or_else(|| related.module.clone()))
}

/// The table a many_to_many joins through.
fn join_table(by_module: &HashMap<&str, &Schema>, jt: &JoinThrough) -> Option<String> {
    match jt {
        JoinThrough::Table(t) => Some(t.clone()),
        JoinThrough::Schema(m) => by_module.get(m.as_str()).and_then(|s| s.source.clone()),
    }
}

fn schema_table_name(s: &Schema) -> String {
    s.source.clone().unwrap_or_else(|| s.module.clone())
}

impl<'a> Extractor<'a> {
    fn catalog_table(&self, name: &str) -> Option<&'a CatalogTable> {
        self.catalog.and_then(|c| c.table(name))
    }

    fn add_module(&mut self, table: &str, kind: TableKind, module: &str) {
        let p = self.tables.entry(table.to_string()).or_insert(Pending { kind, modules: Vec::new(), join_of: None });
        if !p.modules.iter().any(|m| m == module) {
            p.modules.push(module.to_string());
        }
    }

    fn collect_tables(&mut self, schemas: &[Rc<Schema>]) {
        for s in schemas {
            let kind = if s.is_embedded() { TableKind::Embedded } else { TableKind::Schema };
            self.add_module(&schema_table_name(s), kind, &s.module);
        }
        for s in schemas {
            for a in &s.assocs {
                if let (Some(src), Some(r)) = (&a.related_source, &a.related) {
                    self.add_module(src, TableKind::Schema, r);
                }
            }
        }
        // Tables only the database has.
        let joins: Vec<(String, String, String)> = schemas
            .iter()
            .flat_map(|s| s.assocs.iter().map(move |a| (s, a)))
            .filter_map(|(s, a)| match &a.kind {
                AssocKind::ManyToMany { join_through, .. } => {
                    join_table(&self.by_module, join_through).map(|t| (t, s.module.clone(), a.field.clone()))
                }
                _ => None,
            })
            .collect();
        if let Some(c) = self.catalog {
            for t in &c.tables {
                if self.tables.contains_key(&t.name) {
                    continue;
                }
                let used = joins.iter().find(|(j, _, _)| *j == t.name);
                let kind = if used.is_some() && is_bare_join(t) { TableKind::JoinTable } else { TableKind::DbOnly };
                self.tables
                    .insert(t.name.clone(), Pending { kind, modules: Vec::new(), join_of: used.map(|(_, m, a)| (m.clone(), a.clone())) });
            }
        }
        // Join tables the database lacks (drawn so the many_to_many can be read).
        for (table, module, assoc) in joins {
            self.tables.entry(table).or_insert(Pending { kind: TableKind::JoinTable, modules: Vec::new(), join_of: Some((module, assoc)) });
        }
    }

    fn build_table(&self, name: &str) -> Option<ErTable> {
        let pending = self.tables.get(name)?;
        let cat = self.catalog_table(name);
        let schemas: Vec<&Schema> = pending.modules.iter().filter_map(|m| self.by_module.get(m.as_str()).copied()).collect();
        let mut fields: Vec<ErField> = Vec::new();
        for s in &schemas {
            for f in &s.fields {
                let dup =
                    fields.iter().any(|e| e.name.as_deref() == Some(&f.name) || (!f.virtual_ && e.column.as_deref() == Some(&f.source)));
                if !dup {
                    fields.push(self.schema_field(s, f, cat, 0));
                }
            }
        }
        if pending.kind == TableKind::JoinTable && cat.is_none() {
            fields = self.predicted_join_fields(pending);
        }
        if let Some(cat) = cat {
            for c in &cat.columns {
                if fields.iter().any(|f| f.column.as_deref() == Some(&c.name)) {
                    continue;
                }
                fields.push(ErField {
                    column: Some(c.name.clone()),
                    column_type: Some(c.ty.clone()),
                    in_db: true,
                    primary_key: c.pk > 0,
                    foreign_key: catalog_fk(self.catalog, cat, &c.name),
                    not_null: c.not_null,
                    db_default: c.default.clone(),
                    ..ErField::default()
                });
            }
        }
        let primary_key = match cat {
            Some(cat) => {
                let mut pk: Vec<_> = cat.columns.iter().filter(|c| c.pk > 0).collect();
                crate::sort::sort_by_key(&mut pk, |c| c.pk);
                pk.into_iter().map(|c| c.name.clone()).collect()
            }
            None => fields.iter().filter(|f| f.primary_key).filter_map(|f| f.column.clone()).collect(),
        };
        let indexes = cat
            .map(|c| c.indexes.iter().map(|i| ErIndex { name: i.name.clone(), columns: i.columns.clone(), unique: i.unique }).collect())
            .unwrap_or_default();
        let columns: Vec<&str> = fields.iter().filter_map(|f| f.column.as_deref()).collect();
        let polymorphic = columns
            .iter()
            .filter_map(|c| {
                let stem = c.strip_suffix("_type")?;
                let id = format!("{stem}_id");
                columns.contains(&id.as_str()).then(|| PolyPair { type_column: c.to_string(), id_column: id })
            })
            .collect();
        // A schema whose own table is missing but which other tables use through `{"table", Schema}`.
        let abstract_ = cat.is_none()
            && pending.kind == TableKind::Schema
            && schemas.iter().any(|s| s.source.as_deref() == Some(name))
            && schemas.iter().all(|s| self.tables.iter().any(|(t, p)| t != name && p.modules.contains(&s.module)));
        Some(ErTable {
            name: name.to_string(),
            modules: pending.modules.clone(),
            prefix: schemas.first().and_then(|s| prefix_text(&s.prefix)),
            kind: pending.kind,
            in_db: cat.is_some(),
            abstract_,
            primary_key,
            fields,
            indexes,
            polymorphic,
            location: pending.modules.first().and_then(|m| self.places.modules.get(m).cloned()),
        })
    }

    /// The columns a missing join table would need: one foreign key per side.
    fn predicted_join_fields(&self, pending: &Pending) -> Vec<ErField> {
        let Some((module, assoc)) = &pending.join_of else { return Vec::new() };
        let Some(owner) = self.by_module.get(module.as_str()) else { return Vec::new() };
        let Some(a) = owner.assoc(assoc) else { return Vec::new() };
        let AssocKind::ManyToMany { join_keys, .. } = &a.kind else { return Vec::new() };
        let sides = [(schema_table_name(owner), &join_keys[0]), (related_table(&self.by_module, a).unwrap_or_default(), &join_keys[1])];
        sides
            .iter()
            .map(|(table, (join_col, key))| ErField {
                column: Some(join_col.clone()),
                column_type: Some("INTEGER".into()),
                foreign_key: Some(ErForeignKey { table: table.clone(), column: key.clone(), on_delete: None, constraint: false }),
                ..ErField::default()
            })
            .collect()
    }

    fn schema_field(&self, s: &Schema, f: &Field, cat: Option<&CatalogTable>, depth: usize) -> ErField {
        let col = if f.virtual_ { None } else { cat.and_then(|c| c.column(&f.source)) };
        let belongs = s.assocs.iter().find(|a| matches!(a.kind, AssocKind::BelongsTo) && a.owner_key == f.name);
        let foreign_key = match cat {
            Some(cat) if !f.virtual_ => catalog_fk(self.catalog, cat, &f.source),
            _ => None,
        }
        .or_else(|| {
            let a = belongs?;
            let table = related_table(&self.by_module, a)?;
            let column = a
                .related
                .as_deref()
                .and_then(|r| self.by_module.get(r))
                .and_then(|r| r.field_source(&a.related_key))
                .unwrap_or(&a.related_key)
                .to_string();
            Some(ErForeignKey { table, column, on_delete: None, constraint: false })
        });
        let timestamps = s
            .autogenerate
            .iter()
            .chain(&s.autoupdate)
            .any(|(names, how)| matches!(how, Autogenerate::Timestamp(_)) && names.contains(&f.name));
        let embed = match &f.ty {
            EctoType::Embed(e) if depth < 4 => Some(ErEmbed {
                cardinality: e.cardinality.as_atom().to_string(),
                module: e.related.clone(),
                fields: self
                    .by_module
                    .get(e.related.as_str())
                    .map(|es| es.fields.iter().map(|ef| self.schema_field(es, ef, None, depth + 1)).collect())
                    .unwrap_or_default(),
            }),
            _ => None,
        };
        let default = match (&f.default, &f.ty) {
            (Value::Nil, _) => None,
            (_, EctoType::Embed(_)) => None,
            (v, _) => Some(inspect(v)),
        };
        let column_type = match col {
            Some(c) => Some(c.ty.clone()),
            None if f.virtual_ || depth > 0 => None,
            None if belongs.is_some() => predicted_column_type(&EctoType::Id),
            None => predicted_column_type(&f.ty),
        };
        ErField {
            name: Some(f.name.clone()),
            column: (!f.virtual_).then(|| f.source.clone()),
            ecto_type: Some(ecto_type_text(&f.ty)),
            column_type,
            in_db: col.is_some(),
            primary_key: f.primary_key || col.is_some_and(|c| c.pk > 0),
            foreign_key: if depth > 0 { None } else { foreign_key },
            not_null: col.is_some_and(|c| c.not_null),
            default,
            db_default: col.and_then(|c| c.default.clone()),
            virtual_: f.virtual_,
            timestamps,
            association: belongs.map(|a| a.field.clone()),
            enum_values: f.ty.as_enum().map(|e| e.values().map(str::to_string).collect()),
            embed,
        }
    }

    fn edges(&self, tables: &[ErTable]) -> Vec<ErEdge> {
        let mut out = Vec::new();
        for t in tables {
            for m in &t.modules {
                let Some(s) = self.by_module.get(m.as_str()) else { continue };
                // A schema's associations are drawn from its own table.
                if schema_table_name(s) != t.name {
                    continue;
                }
                for a in &s.assocs {
                    if let Some(e) = self.edge(s, a) {
                        out.push(e);
                    }
                }
            }
        }
        out
    }

    fn edge(&self, s: &Schema, a: &Assoc) -> Option<ErEdge> {
        let (kind, to, to_module, related_key, join_through, join_keys, through) = match &a.kind {
            AssocKind::BelongsTo => (
                EdgeKind::BelongsTo,
                related_table(&self.by_module, a)?,
                a.related.clone(),
                Some(a.related_key.clone()),
                None,
                None,
                vec![],
            ),
            AssocKind::Has { .. } => {
                let kind = if a.cardinality == Cardinality::One { EdgeKind::HasOne } else { EdgeKind::HasMany };
                (kind, related_table(&self.by_module, a)?, a.related.clone(), Some(a.related_key.clone()), None, None, vec![])
            }
            AssocKind::ManyToMany { join_through, join_keys, .. } => (
                EdgeKind::ManyToMany,
                related_table(&self.by_module, a)?,
                a.related.clone(),
                None,
                join_table(&self.by_module, join_through),
                Some((join_keys[0].0.clone(), join_keys[1].0.clone())),
                vec![],
            ),
            AssocKind::Through { through } => {
                let target = self.resolve_through(s, through)?;
                (EdgeKind::Through, schema_table_name(target), Some(target.module.clone()), None, None, None, through.clone())
            }
        };
        let place = self.places.assocs.get(&(s.module.clone(), a.field.clone()));
        Some(ErEdge {
            from: schema_table_name(s),
            to,
            kind,
            name: a.field.clone(),
            cardinality: a.cardinality.as_atom().to_string(),
            from_module: s.module.clone(),
            to_module,
            owner_key: (!a.owner_key.is_empty()).then(|| a.owner_key.clone()),
            related_key: related_key.filter(|k| !k.is_empty()),
            join_through,
            join_keys,
            through,
            has_where: a.where_.as_list().is_some_and(|l| !l.is_empty()) || !matches!(a.where_, Value::List(_) | Value::Nil),
            source_override: a.related_source.clone(),
            code: place.map(|(_, text)| text.clone()).unwrap_or_else(|| assoc_code(a)),
            location: place.map(|(l, _)| l.clone()).or_else(|| self.places.modules.get(&s.module).cloned()),
        })
    }

    /// The schema at the end of a `through:` chain.
    fn resolve_through(&self, s: &Schema, chain: &[String]) -> Option<&'a Schema> {
        let mut current: &Schema = self.by_module.get(s.module.as_str())?;
        let mut depth = 0;
        for step in chain {
            depth += 1;
            if depth > 16 {
                return None;
            }
            let a = current.assoc(step)?;
            current = match &a.kind {
                AssocKind::Through { through } => self.resolve_through(current, through)?,
                _ => self.by_module.get(a.related.as_deref()?)?,
            };
        }
        self.by_module.get(current.module.as_str()).copied()
    }
}

/// The catalog's foreign key from `column`, pointing at a column (the
/// referenced table's primary key when the constraint names none).
fn catalog_fk(catalog: Option<&Catalog>, table: &CatalogTable, column: &str) -> Option<ErForeignKey> {
    let fk = table.fk_from(column)?;
    let to = fk.to.clone().or_else(|| {
        let target = catalog?.table(&fk.table)?;
        target.columns.iter().find(|c| c.pk == 1).map(|c| c.name.clone())
    });
    // As a migration's `on_delete:` names it.
    let on_delete = match fk.on_delete.as_str() {
        "CASCADE" => Some("delete_all".to_string()),
        "SET NULL" => Some("nilify_all".to_string()),
        "RESTRICT" => Some("restrict".to_string()),
        "SET DEFAULT" => Some("default".to_string()),
        _ => None,
    };
    Some(ErForeignKey { table: fk.table.clone(), column: to.unwrap_or_else(|| "id".into()), on_delete, constraint: true })
}

/// Two foreign keys and nothing else but an id and timestamps.
fn is_bare_join(t: &CatalogTable) -> bool {
    let fks = t.columns.iter().filter(|c| t.fk_from(&c.name).is_some()).count();
    fks == 2 && t.columns.iter().all(|c| t.fk_from(&c.name).is_some() || matches!(c.name.as_str(), "id" | "inserted_at" | "updated_at"))
}

fn prefix_text(v: &Value) -> Option<String> {
    match v {
        Value::Nil => None,
        Value::Str(s) => Some(s.to_string()),
        Value::Atom(a) => Some(a.to_string()),
        other => Some(inspect(other)),
    }
}

/// An association written back as code, for when its source is not at hand.
pub fn assoc_code(a: &Assoc) -> String {
    let call = match (&a.kind, a.cardinality) {
        (AssocKind::BelongsTo, _) => "belongs_to",
        (AssocKind::ManyToMany { .. }, _) => "many_to_many",
        (_, Cardinality::One) => "has_one",
        (_, Cardinality::Many) => "has_many",
    };
    let mut s = format!("{call} :{}", a.field);
    if let AssocKind::Through { through } = &a.kind {
        let chain: Vec<String> = through.iter().map(|t| format!(":{t}")).collect();
        s.push_str(&format!(", through: [{}]", chain.join(", ")));
        return s;
    }
    let related = a.related.clone().unwrap_or_default();
    match &a.related_source {
        Some(src) => s.push_str(&format!(", {{{}, {related}}}", inspect(&Value::str(src)))),
        None => s.push_str(&format!(", {related}")),
    }
    if let AssocKind::ManyToMany { join_through, .. } = &a.kind {
        let jt = match join_through {
            JoinThrough::Table(t) => inspect(&Value::str(t)),
            JoinThrough::Schema(m) => m.clone(),
        };
        s.push_str(&format!(", join_through: {jt}"));
    }
    s
}
