//! SQL DDL in, Ecto out (feature `sql-import`): `CREATE TABLE`,
//! `CREATE [UNIQUE] INDEX` and `ALTER TABLE ... ADD` (columns and
//! constraints, and pg_dump's `ALTER COLUMN ... SET DEFAULT nextval(...)`)
//! in the PostgreSQL or SQLite dialect, parsed one statement at a time with
//! `sqlparser` (PostgreSQL first, then SQLite, then the generic dialect).
//! Column types map as ecto_sql would read them, foreign keys become
//! `belongs_to` (and `has_many`, or `has_one` over a unique key, on the
//! other side), bare join tables `many_to_many`, `inserted_at`/`updated_at`
//! `timestamps()`. The result is a [`Design`], so the code comes from the
//! designer's generator: one schema module per table and one migration.
//! Statements that are not imported are reported with their line.

use serde::{Deserialize, Serialize};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, CreateIndex, CreateTable, Expr, ForeignKeyConstraint, IndexColumn, ObjectName,
    ReferentialAction, Statement, TableConstraint, UnaryOperator, Value as SqlValue,
};
use sqlparser::dialect::{Dialect, GenericDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use super::code::{camel, string};
use super::design::{index_name, AssocKind, BelongsTo, Design, DesignAssoc, DesignField, DesignIndex, DesignTable, PrimaryKey};

/// A statement that was not imported, or a column read with a guess.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportWarning {
    /// 1-based line of the statement in the input.
    pub line: usize,
    pub message: String,
}

/// What an import produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Imported {
    pub design: Design,
    /// The schema modules, then the migration cell creating every table.
    pub code: String,
    pub migration_module: String,
    pub warnings: Vec<ImportWarning>,
}

#[derive(Clone, Debug, Default)]
struct RawColumn {
    name: String,
    sql_type: String,
    ecto: String,
    size: Option<u32>,
    not_null: bool,
    default: Option<String>,
    auto: bool,
}

#[derive(Clone, Debug)]
struct RawFk {
    columns: Vec<String>,
    table: String,
    referred: Vec<String>,
    on_delete: Option<String>,
}

#[derive(Clone, Debug)]
struct RawIndex {
    name: Option<String>,
    columns: Vec<String>,
    unique: bool,
}

#[derive(Clone, Debug, Default)]
struct RawTable {
    name: String,
    columns: Vec<RawColumn>,
    pk: Vec<String>,
    fks: Vec<RawFk>,
    indexes: Vec<RawIndex>,
}

/// Ecto's own tables, never imported.
const SKIPPED_TABLES: &[&str] = &["schema_migrations"];

/// Imports `sql`; modules are named under `namespace` (`MyApp.Post`).
pub fn import_sql(sql: &str, namespace: &str) -> Imported {
    let namespace = if namespace.is_empty() { "MyApp" } else { namespace };
    let mut tables: Vec<RawTable> = Vec::new();
    let mut warnings: Vec<ImportWarning> = Vec::new();
    for (line, text) in split_statements(sql) {
        let statements = match parse(&text) {
            Ok(s) => s,
            Err(e) => {
                warnings.push(ImportWarning { line, message: format!("not imported: cannot parse {} ({e})", head(&text)) });
                continue;
            }
        };
        for st in statements {
            let mut warn = |message: String| warnings.push(ImportWarning { line, message });
            match st {
                Statement::CreateTable(ct) => create_table(&mut tables, ct, &mut warn),
                Statement::CreateIndex(ci) => create_index(&mut tables, ci, &mut warn),
                Statement::AlterTable(at) => {
                    let name = object_name(&at.name);
                    let Some(t) = tables.iter_mut().find(|t| t.name == name) else {
                        if !SKIPPED_TABLES.contains(&name.as_str()) {
                            warn(format!("not imported: ALTER TABLE {name} before its CREATE TABLE"));
                        }
                        continue;
                    };
                    for op in at.operations {
                        alter(t, op, &mut warn);
                    }
                }
                other => warn(format!("not imported: {}", head(&other.to_string()))),
            }
        }
    }
    let design = build(&tables, namespace, &mut warnings);
    let migration_module = format!("{namespace}.Migrations.CreateTables");
    let mut code = String::new();
    for s in design.schemas_code() {
        code.push_str(&s.code);
        code.push('\n');
    }
    code.push_str(&design.create_migration(&migration_module, 1));
    Imported { design, code, migration_module, warnings }
}

/// The first words of a statement, for messages.
fn head(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &one[..i]),
        None => one,
    }
}

fn parse(text: &str) -> Result<Vec<Statement>, String> {
    let dialects: [&dyn Dialect; 3] = [&PostgreSqlDialect {}, &SQLiteDialect {}, &GenericDialect {}];
    let mut first_error = None;
    for d in dialects {
        match Parser::new(d).try_with_sql(text).and_then(|mut p| p.parse_statements()) {
            Ok(s) => return Ok(s),
            Err(e) => {
                first_error.get_or_insert(e.to_string());
            }
        }
    }
    Err(first_error.unwrap_or_default())
}

/// Splits SQL text into statements, each with the 1-based line it starts
/// on: semicolons outside quotes, comments and dollar-quoted bodies end a
/// statement (a trigger's body runs to its `END;`).
pub fn split_statements(sql: &str) -> Vec<(usize, String)> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut start: Option<(usize, usize)> = None;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            i += 1;
            continue;
        }
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                if b[i] == b'\n' {
                    line += 1;
                }
                i += 1;
            }
            i = (i + 2).min(b.len());
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if start.is_none() {
            start = Some((i, line));
        }
        match c {
            b'\'' | b'"' | b'`' => {
                i += 1;
                while i < b.len() {
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    if b[i] == c {
                        if b.get(i + 1) == Some(&c) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'$' => {
                // `$tag$ ... $tag$`
                let tag_end = b[i + 1..].iter().position(|x| !(x.is_ascii_alphanumeric() || *x == b'_')).map(|p| i + 1 + p);
                match tag_end {
                    Some(e) if b[e] == b'$' => {
                        let tag = &b[i..=e];
                        let mut j = e + 1;
                        while j < b.len() && !b[j..].starts_with(tag) {
                            if b[j] == b'\n' {
                                line += 1;
                            }
                            j += 1;
                        }
                        i = (j + tag.len()).min(b.len());
                    }
                    _ => i += 1,
                }
            }
            b';' => {
                if let Some((s, l)) = start {
                    let text = sql.get(s..i).unwrap_or("");
                    let upper = text.trim_start().to_ascii_uppercase();
                    let trigger = upper.starts_with("CREATE TRIGGER")
                        || upper.starts_with("CREATE TEMP TRIGGER")
                        || upper.starts_with("CREATE TEMPORARY TRIGGER");
                    if trigger && !upper.trim_end().ends_with("END") {
                        i += 1;
                        continue;
                    }
                    out.push((l, text.to_string()));
                    start = None;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    if let Some((s, l)) = start {
        let text = sql.get(s..).unwrap_or("").trim();
        if !text.is_empty() {
            out.push((l, text.to_string()));
        }
    }
    out
}

fn object_name(n: &ObjectName) -> String {
    n.0.last().and_then(|p| p.as_ident()).map(|i| i.value.clone()).unwrap_or_else(|| n.to_string())
}

fn on_delete(a: &Option<ReferentialAction>) -> Option<String> {
    match a {
        Some(ReferentialAction::Cascade) => Some("delete_all".into()),
        Some(ReferentialAction::SetNull) => Some("nilify_all".into()),
        Some(ReferentialAction::Restrict) => Some("restrict".into()),
        _ => None,
    }
}

fn fk(f: &ForeignKeyConstraint, columns: Vec<String>) -> RawFk {
    RawFk {
        columns,
        table: object_name(&f.foreign_table),
        referred: f.referred_columns.iter().map(|c| c.value.clone()).collect(),
        on_delete: on_delete(&f.on_delete),
    }
}

fn index_columns(cols: &[IndexColumn]) -> Option<Vec<String>> {
    cols.iter()
        .map(|c| match &c.column.expr {
            Expr::Identifier(i) => Some(i.value.clone()),
            Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
            _ => None,
        })
        .collect()
}

/// An Ecto type for an SQL type, with a `:string`'s size.
pub fn ecto_type(sql_type: &str) -> (String, Option<u32>, bool) {
    let t = sql_type.trim().to_ascii_uppercase();
    if let Some(inner) = t.strip_suffix("[]") {
        let (e, _, known) = ecto_type(inner);
        return (format!("{{:array, {e}}}"), None, known);
    }
    if let Some(inner) = t.strip_prefix("ARRAY<").and_then(|s| s.strip_suffix('>')) {
        let (e, _, known) = ecto_type(inner);
        return (format!("{{:array, {e}}}"), None, known);
    }
    let base = t.split('(').next().unwrap_or("").trim().to_string();
    let size = t.split_once('(').and_then(|(_, r)| r.split([')', ',']).next()).and_then(|n| n.trim().parse::<u32>().ok());
    let e = match base.as_str() {
        "INT" | "INTEGER" | "BIGINT" | "SMALLINT" | "TINYINT" | "MEDIUMINT" | "INT2" | "INT4" | "INT8" | "SERIAL" | "BIGSERIAL"
        | "SMALLSERIAL" | "UNSIGNED BIG INT" => ":integer",
        "TEXT" | "VARCHAR" | "CHARACTER VARYING" | "CHAR" | "CHARACTER" | "CITEXT" | "NVARCHAR" | "NCHAR" | "CLOB" | "STRING"
        | "NATIVE CHARACTER" | "VARYING CHARACTER" => {
            return (":string".into(), size.filter(|_| base != "TEXT" && base != "CITEXT" && base != "CLOB"), true)
        }
        "BOOLEAN" | "BOOL" => ":boolean",
        "REAL" | "FLOAT" | "FLOAT4" | "FLOAT8" | "DOUBLE" | "DOUBLE PRECISION" => ":float",
        "NUMERIC" | "DECIMAL" | "MONEY" => ":decimal",
        "DATE" => ":date",
        "TIME" | "TIME WITHOUT TIME ZONE" => ":time",
        "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" | "DATETIME" => ":naive_datetime",
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => ":utc_datetime",
        "UUID" => ":binary_id",
        "JSON" | "JSONB" => ":map",
        "BYTEA" | "BLOB" | "BINARY" | "VARBINARY" => ":binary",
        _ => {
            // `timestamp(0) without time zone` and friends keep their words after the size.
            let words = t.replace(|c: char| c == '(' || c == ')' || c.is_ascii_digit() || c == ',', " ");
            let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
            return match words.as_str() {
                "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => (":naive_datetime".into(), None, true),
                "TIMESTAMP WITH TIME ZONE" | "TIMESTAMPTZ" => (":utc_datetime".into(), None, true),
                "TIME" | "TIME WITHOUT TIME ZONE" => (":time".into(), None, true),
                _ if words.contains("INT") => (":integer".into(), None, true),
                _ if words.contains("CHAR") || words.contains("TEXT") => (":string".into(), None, true),
                _ => (":string".into(), None, false),
            };
        }
    };
    (e.into(), None, true)
}

/// A column default as an Elixir literal (None for expressions).
fn default_literal(e: &Expr, ecto: &str) -> Result<Option<String>, bool> {
    match e {
        Expr::Nested(inner) => default_literal(inner, ecto),
        Expr::Cast { expr, .. } => default_literal(expr, ecto),
        Expr::UnaryOp { op: UnaryOperator::Minus, expr } => Ok(default_literal(expr, ecto)?.map(|v| format!("-{v}"))),
        Expr::Value(v) => Ok(match &v.value {
            SqlValue::Null => None,
            SqlValue::Boolean(b) => Some(b.to_string()),
            SqlValue::Number(n, _) if ecto == ":boolean" => Some((n.as_str() != "0").to_string()),
            SqlValue::Number(n, _) if ecto == ":float" && !n.contains(['.', 'e', 'E']) => Some(format!("{n}.0")),
            // A decimal default would be a `Decimal` struct, which no literal writes.
            SqlValue::Number(_, _) if ecto == ":decimal" => return Err(false),
            SqlValue::Number(n, _) if ecto == ":integer" || ecto == ":float" => Some(n.clone()),
            SqlValue::SingleQuotedString(s) if ecto == ":string" => Some(string(s)),
            SqlValue::SingleQuotedString(s) if ecto == ":boolean" => match s.to_ascii_lowercase().as_str() {
                "t" | "true" | "1" => Some("true".into()),
                "f" | "false" | "0" => Some("false".into()),
                _ => return Err(false),
            },
            SqlValue::SingleQuotedString(s) if ecto == ":integer" => s.parse::<i64>().ok().map(|n| n.to_string()),
            _ => return Err(false),
        }),
        // `nextval('..._seq'::regclass)`: an autoincrementing key.
        Expr::Function(f) if f.name.to_string().to_ascii_lowercase().ends_with("nextval") => Err(true),
        _ => Err(false),
    }
}

fn column_from(def: &sqlparser::ast::ColumnDef, table: &mut RawTable, warn: &mut dyn FnMut(String)) -> RawColumn {
    let sql_type = def.data_type.to_string();
    let (ecto, size, known) = ecto_type(&sql_type);
    let name = def.name.value.clone();
    if !known {
        warn(format!("column {}.{name}: type {sql_type} read as :string", table.name));
    }
    let upper = sql_type.to_ascii_uppercase();
    let mut c = RawColumn { name: name.clone(), auto: upper.contains("SERIAL"), ecto, size, sql_type, ..RawColumn::default() };
    for o in &def.options {
        match &o.option {
            ColumnOption::NotNull => c.not_null = true,
            ColumnOption::Null => c.not_null = false,
            ColumnOption::Default(e) => match default_literal(e, &c.ecto) {
                Ok(v) => c.default = v,
                Err(true) => c.auto = true,
                Err(false) => warn(format!("column {}.{name}: default {e} is not a literal and is left out", table.name)),
            },
            ColumnOption::PrimaryKey(_) => {
                table.pk = vec![name.clone()];
                c.not_null = true;
            }
            ColumnOption::Unique(_) => table.indexes.push(RawIndex { name: None, columns: vec![name.clone()], unique: true }),
            ColumnOption::ForeignKey(f) => table.fks.push(fk(f, vec![name.clone()])),
            ColumnOption::Generated { .. } => c.auto = true,
            other => {
                if other.to_string().to_ascii_uppercase().contains("AUTOINCREMENT") {
                    c.auto = true;
                }
            }
        }
    }
    c
}

fn constraint(t: &mut RawTable, c: TableConstraint, warn: &mut dyn FnMut(String)) {
    match c {
        TableConstraint::PrimaryKey(pk) => match index_columns(&pk.columns) {
            Some(cols) => {
                for col in &mut t.columns {
                    if cols.contains(&col.name) {
                        col.not_null = true;
                    }
                }
                t.pk = cols;
            }
            None => warn(format!("table {}: a primary key on expressions is left out", t.name)),
        },
        TableConstraint::Unique(u) => match index_columns(&u.columns) {
            Some(columns) => t.indexes.push(RawIndex { name: u.name.map(|n| n.value), columns, unique: true }),
            None => warn(format!("table {}: a unique constraint on expressions is left out", t.name)),
        },
        TableConstraint::ForeignKey(f) => {
            let cols = f.columns.iter().map(|c| c.value.clone()).collect();
            t.fks.push(fk(&f, cols));
        }
        other => warn(format!("table {}: constraint {} is left out", t.name, head(&other.to_string()))),
    }
}

fn create_table(tables: &mut Vec<RawTable>, ct: CreateTable, warn: &mut dyn FnMut(String)) {
    let name = object_name(&ct.name);
    if SKIPPED_TABLES.contains(&name.as_str()) {
        return;
    }
    if tables.iter().any(|t| t.name == name) {
        warn(format!("not imported: table {name} is created twice"));
        return;
    }
    if ct.query.is_some() || ct.columns.is_empty() {
        warn(format!("not imported: table {name} has no column list"));
        return;
    }
    let mut t = RawTable { name, ..RawTable::default() };
    for def in &ct.columns {
        let c = column_from(def, &mut t, warn);
        t.columns.push(c);
    }
    for c in ct.constraints {
        constraint(&mut t, c, warn);
    }
    tables.push(t);
}

fn create_index(tables: &mut [RawTable], ci: CreateIndex, warn: &mut dyn FnMut(String)) {
    let table = object_name(&ci.table_name);
    let Some(t) = tables.iter_mut().find(|t| t.name == table) else {
        if !SKIPPED_TABLES.contains(&table.as_str()) {
            warn(format!("not imported: index on {table}, which no CREATE TABLE before it defines"));
        }
        return;
    };
    if ci.predicate.is_some() {
        warn(format!("index on {table}: its WHERE clause is left out"));
    }
    match index_columns(&ci.columns) {
        Some(columns) => t.indexes.push(RawIndex { name: ci.name.as_ref().map(object_name), columns, unique: ci.unique }),
        None => warn(format!("not imported: index on {table} over expressions")),
    }
}

fn alter(t: &mut RawTable, op: AlterTableOperation, warn: &mut dyn FnMut(String)) {
    match op {
        AlterTableOperation::AddColumn { column_def, .. } => {
            if t.columns.iter().any(|c| c.name == column_def.name.value) {
                warn(format!("table {}: column {} is added twice", t.name, column_def.name.value));
                return;
            }
            let c = column_from(&column_def, t, warn);
            t.columns.push(c);
        }
        AlterTableOperation::AddConstraint { constraint: c, .. } => constraint(t, c, warn),
        AlterTableOperation::AlterColumn { column_name, op: AlterColumnOperation::SetDefault { value } } => {
            let Some(c) = t.columns.iter_mut().find(|c| c.name == column_name.value) else { return };
            match default_literal(&value, &c.ecto) {
                Ok(v) => c.default = v,
                Err(true) => c.auto = true,
                Err(false) => warn(format!("column {}.{}: default {value} is not a literal and is left out", t.name, c.name)),
            }
        }
        AlterTableOperation::AlterColumn { column_name, op: AlterColumnOperation::SetNotNull } => {
            if let Some(c) = t.columns.iter_mut().find(|c| c.name == column_name.value) {
                c.not_null = true;
            }
        }
        AlterTableOperation::AlterColumn { op: AlterColumnOperation::AddGenerated { .. }, column_name } => {
            if let Some(c) = t.columns.iter_mut().find(|c| c.name == column_name.value) {
                c.auto = true;
            }
        }
        other => warn(format!("not imported: ALTER TABLE {} {}", t.name, head(&other.to_string()))),
    }
}

/// `posts` → `Post`, `categories` → `Category`, `addresses` → `Address`.
pub fn singular(table: &str) -> String {
    let t = table;
    let lower = t.to_ascii_lowercase();
    let s = if lower.ends_with("ies") && t.len() > 3 {
        format!("{}y", &t[..t.len() - 3])
    } else if ["sses", "shes", "ches", "xes", "zes", "uses"].iter().any(|e| lower.ends_with(e)) {
        t[..t.len() - 2].to_string()
    } else if lower.ends_with('s') && !lower.ends_with("ss") && t.len() > 1 {
        t[..t.len() - 1].to_string()
    } else {
        t.to_string()
    };
    camel(&s)
}

/// The key of a single-column foreign key and its target.
fn single_fks(t: &RawTable) -> Vec<&RawFk> {
    t.fks.iter().filter(|f| f.columns.len() == 1 && f.referred.len() <= 1).collect()
}

fn is_bare_join(t: &RawTable) -> bool {
    let fks = single_fks(t);
    fks.len() == 2
        && fks[0].table != fks[1].table
        && t.columns
            .iter()
            .all(|c| fks.iter().any(|f| f.columns[0] == c.name) || matches!(c.name.as_str(), "id" | "inserted_at" | "updated_at"))
}

fn build(tables: &[RawTable], namespace: &str, warnings: &mut Vec<ImportWarning>) -> Design {
    let mut warn = |message: String| warnings.push(ImportWarning { line: 0, message });
    let mut used_modules: Vec<String> = Vec::new();
    let modules: Vec<Option<String>> = tables
        .iter()
        .map(|t| {
            if is_bare_join(t) {
                return None;
            }
            let mut m = format!("{namespace}.{}", singular(&t.name));
            let mut n = 2;
            while used_modules.contains(&m) {
                m = format!("{namespace}.{}{n}", singular(&t.name));
                n += 1;
            }
            used_modules.push(m.clone());
            Some(m)
        })
        .collect();
    let module_of = |table: &str| tables.iter().position(|t| t.name == table).and_then(|i| modules[i].clone());
    // The primary key of each table: (column, Ecto type).
    let pk_of = |t: &RawTable| -> Option<(String, String)> {
        match t.pk.as_slice() {
            [one] => t.columns.iter().find(|c| c.name == *one).map(|c| (c.name.clone(), c.ecto.clone())),
            _ => None,
        }
    };
    let mut design = Design::default();
    for (ti, t) in tables.iter().enumerate() {
        let module = modules[ti].clone();
        let pk = pk_of(t);
        let primary_key = match (&pk, t.pk.len()) {
            (Some((name, ty)), _) if name == "id" && ty == ":integer" && module.is_some() => PrimaryKey::Id,
            (Some((name, ty)), _) if name == "id" && ty == ":binary_id" && module.is_some() => PrimaryKey::BinaryId,
            (Some((name, ty)), _) if module.is_some() && single_fks(t).iter().all(|f| f.columns[0] != *name) => {
                let auto = t.columns.iter().any(|c| c.name == *name && c.auto)
                    || (ty == ":integer" && t.columns.iter().any(|c| c.name == *name && c.sql_type.eq_ignore_ascii_case("INTEGER")));
                let ecto_type = if ty == ":integer" && auto { ":id".to_string() } else { ty.clone() };
                PrimaryKey::Custom { name: name.clone(), ecto_type, autogenerate: auto }
            }
            _ => PrimaryKey::None,
        };
        let auto_pk = match &primary_key {
            PrimaryKey::Id | PrimaryKey::BinaryId => Some("id".to_string()),
            PrimaryKey::Custom { name, .. } => Some(name.clone()),
            PrimaryKey::None => None,
        };
        let col = |n: &str| t.columns.iter().find(|c| c.name == n);
        let ts = match (col("inserted_at"), col("updated_at")) {
            (Some(a), Some(b))
                if a.ecto == b.ecto
                    && a.not_null
                    && b.not_null
                    && a.default.is_none()
                    && b.default.is_none()
                    && a.ecto.contains("datetime") =>
            {
                Some(a.ecto.clone())
            }
            _ => None,
        };
        let mut fields = Vec::new();
        for c in &t.columns {
            if auto_pk.as_deref() == Some(c.name.as_str()) || (ts.is_some() && (c.name == "inserted_at" || c.name == "updated_at")) {
                continue;
            }
            let fk = single_fks(t).into_iter().find(|f| f.columns[0] == c.name);
            let belongs_to = fk.and_then(|f| {
                let target = tables.iter().find(|x| x.name == f.table)?;
                let target_module = module_of(&target.name);
                let references = f.referred.first().cloned().or_else(|| pk_of(target).map(|(n, _)| n))?;
                // `author_id` → `author`; `country_code` referencing `code` → `country`.
                let name = c
                    .name
                    .strip_suffix("_id")
                    .or_else(|| c.name.strip_suffix(&format!("_{references}")))
                    .filter(|n| !n.is_empty())
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{}_ref", c.name));
                if module.is_some() && t.columns.iter().any(|o| o.name == name) {
                    return None;
                }
                let target_type = target.columns.iter().find(|x| x.name == references).map(|x| x.ecto.clone());
                let ecto_type = match target_type.as_deref() {
                    Some(":integer") | None => None,
                    Some(other) => Some(other.to_string()),
                };
                Some(BelongsTo {
                    name,
                    module: target_module.unwrap_or_default(),
                    table: target.name.clone(),
                    references,
                    on_delete: f.on_delete.clone(),
                    ecto_type,
                })
            });
            if fk.is_some() && belongs_to.is_none() {
                warn(format!("{}.{}: its foreign key points at a table this DDL does not create; read as a plain field", t.name, c.name));
            }
            let belongs_to = belongs_to.filter(|b| module.is_none() || !b.module.is_empty());
            fields.push(DesignField {
                name: c.name.clone(),
                ecto_type: if belongs_to.is_some() { ":id".into() } else { c.ecto.clone() },
                values: None,
                null: !c.not_null,
                default: c.default.clone(),
                size: c.size,
                primary_key: matches!(primary_key, PrimaryKey::None) && t.pk.contains(&c.name),
                belongs_to,
            });
        }
        for f in t.fks.iter().filter(|f| f.columns.len() > 1) {
            warn(format!("table {}: the foreign key ({}) spans several columns and is left out", t.name, f.columns.join(", ")));
        }
        let indexes = t
            .indexes
            .iter()
            .map(|i| DesignIndex {
                columns: i.columns.clone(),
                unique: i.unique,
                name: i.name.clone().filter(|n| *n != index_name(&t.name, &i.columns)),
            })
            .collect();
        design.tables.push(DesignTable { table: t.name.clone(), module, primary_key, fields, assocs: vec![], timestamps: ts, indexes });
    }
    // The other side of each foreign key: has_many (has_one over a unique key), or many_to_many through a bare join table.
    let snapshot = design.clone();
    for child in &snapshot.tables {
        let fks: Vec<(&DesignField, &BelongsTo)> = child.fields.iter().filter_map(|f| f.belongs_to.as_ref().map(|b| (f, b))).collect();
        if child.module.is_none() {
            if let [(fa, a), (fb, b)] = fks.as_slice() {
                for ((own, o), (_, r)) in [((fa, a), (fb, b)), ((fb, b), (fa, a))] {
                    let Some(parent) = design.tables.iter_mut().find(|t| t.table == o.table) else { continue };
                    let Some(name) = free_name(parent, &r.table) else {
                        warn(format!("{}: no free name for the many_to_many to {} through {}", parent.table, r.table, child.table));
                        continue;
                    };
                    let other_key = fks.iter().find(|(f, _)| f.name != own.name).map(|(f, _)| f.name.clone()).unwrap_or_default();
                    parent.assocs.push(DesignAssoc {
                        kind: AssocKind::ManyToMany,
                        name,
                        module: r.module.clone(),
                        foreign_key: None,
                        join_through: Some(child.table.clone()),
                        join_keys: Some((own.name.clone(), other_key)),
                    });
                }
            }
            continue;
        }
        let Some(child_module) = &child.module else { continue };
        for (f, b) in &fks {
            let same_parent = fks.iter().filter(|(_, x)| x.table == b.table).count();
            let unique = child.indexes.iter().any(|i| i.unique && i.columns == [f.name.clone()]);
            let base = if unique { super::code::underscore_last(child_module) } else { child.table.clone() };
            let name = if same_parent > 1 { format!("{}_{base}", b.name) } else { base };
            let Some(parent) = design.tables.iter_mut().find(|t| t.table == b.table) else { continue };
            if parent.module.is_none() {
                continue;
            }
            let Some(name) = free_name(parent, &name) else {
                warn(format!("{}: no free name for the association to {} over {}", parent.table, child.table, f.name));
                continue;
            };
            parent.assocs.push(DesignAssoc {
                kind: if unique { AssocKind::HasOne } else { AssocKind::HasMany },
                name,
                module: child_module.clone(),
                foreign_key: Some(f.name.clone()),
                join_through: None,
                join_keys: None,
            });
        }
    }
    design
}

/// `name`, or `linked_<name>` when a field or association has it already.
fn free_name(t: &DesignTable, name: &str) -> Option<String> {
    [name.to_string(), format!("linked_{name}")].into_iter().find(|n| !taken(t, n))
}

/// Whether a schema already has a field or association of this name.
fn taken(t: &DesignTable, name: &str) -> bool {
    t.fields.iter().any(|f| f.name == name || f.belongs_to.as_ref().is_some_and(|b| b.name == name))
        || t.assocs.iter().any(|a| a.name == name)
        || (t.timestamps.is_some() && (name == "inserted_at" || name == "updated_at"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_with_their_lines() {
        let sql = "-- c;\nCREATE TABLE a (x text DEFAULT ';');\n\n/* ; */ CREATE TABLE b\n(y int);\nCREATE FUNCTION f() RETURNS int AS $$ select 1; $$ LANGUAGE sql;\nCREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;\ntrailing";
        let got: Vec<(usize, String)> = split_statements(sql);
        let lines: Vec<usize> = got.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 4, 6, 7, 8]);
        assert_eq!(got[0].1, "CREATE TABLE a (x text DEFAULT ';')");
        assert!(got[3].1.ends_with("END"));
    }

    #[test]
    fn types_map_as_ecto_sql_reads_them() {
        assert_eq!(ecto_type("bigint").0, ":integer");
        assert_eq!(ecto_type("character varying(255)"), (":string".into(), Some(255), true));
        assert_eq!(ecto_type("timestamp(0) without time zone").0, ":naive_datetime");
        assert_eq!(ecto_type("timestamp with time zone").0, ":utc_datetime");
        assert_eq!(ecto_type("TEXT[]").0, "{:array, :string}");
        assert_eq!(ecto_type("jsonb").0, ":map");
        assert_eq!(ecto_type("uuid").0, ":binary_id");
        assert_eq!(ecto_type("bytea").0, ":binary");
        assert_eq!(ecto_type("numeric(10,2)").0, ":decimal");
        assert_eq!(ecto_type("double precision").0, ":float");
        assert!(!ecto_type("inet").2);
        assert_eq!(singular("categories"), "Category");
        assert_eq!(singular("addresses"), "Address");
        assert_eq!(singular("order_items"), "OrderItem");
    }

    #[test]
    fn broken_and_unsupported_statements_are_reported_by_line() {
        let sql = "CREATE TABLE a (id integer primary key, n text);\nDROP TABLE x;\nCREATE TABLE (;\nCREATE VIEW v AS SELECT 1;\nCREATE INDEX ON nowhere (x);";
        let imp = import_sql(sql, "App");
        assert_eq!(imp.design.tables.len(), 1);
        let lines: Vec<usize> = imp.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [2, 3, 4, 5], "{:?}", imp.warnings);
        assert!(imp.code.contains("defmodule App.A do"));
        for garbage in
            ["", ";;;", "\u{0}\u{1}", "CREATE TABLE t (a int REFERENCES t(a) REFERENCES", "'unterminated", "$$", "CREATE TRIGGER"]
        {
            let imp = import_sql(garbage, "");
            assert!(imp.design.tables.is_empty(), "{garbage:?}");
        }
    }
}
