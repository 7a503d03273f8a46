//! `Ecto.Adapters.SQLite3.Connection.execute_ddl/1` (ecto_sqlite3 0.24) and
//! `Ecto.Adapters.SQLite3.DataType.column_type/2`: one command term in, the
//! SQL statements out, or the `ArgumentError` the adapter raises.

use crate::eval::EResult;
use crate::value::{inspect::inspect, Struct, Value};

use super::{argument_error, as_struct, clause_error, field, is_list, jason, kw, kw_delete, to_s, CONSTRAINT, INDEX, REFERENCE, TABLE};

const FUN: &str = "Ecto.Adapters.SQLite3.Connection.execute_ddl/1";

pub fn execute_ddl(cmd: &Value) -> EResult<Vec<String>> {
    if let Value::Str(s) = cmd {
        return Ok(vec![s.to_string()]);
    }
    if let Value::Bytes(b) = cmd {
        return Ok(vec![String::from_utf8_lossy(b).into_owned()]);
    }
    if is_list(cmd) {
        return Err(argument_error("SQLite3 adapter does not support keyword lists in execute"));
    }
    let Some(t) = cmd.as_tuple() else {
        return Err(clause_error(FUN));
    };
    let op = t.first().and_then(|v| v.as_atom()).unwrap_or("");
    let table = t.get(1).and_then(|v| as_struct(v, TABLE));
    let index = t.get(1).and_then(|v| as_struct(v, INDEX));
    let constraint = t.get(1).and_then(|v| as_struct(v, CONSTRAINT));

    if let (3, Some(table)) = (t.len(), table) {
        if is_list(field(table, "options")) {
            return Err(argument_error("SQLite3 adapter does not support keyword lists in :options"));
        }
    }

    if let Some(table) = table {
        match (op, t.len()) {
            ("create", 3) => return create_table(table, &t[2], "CREATE TABLE "),
            ("create_if_not_exists", 3) => return create_table(table, &t[2], "CREATE TABLE IF NOT EXISTS "),
            ("drop", 2 | 3) => return Ok(vec![format!("DROP TABLE {}", quote_table(field(table, "prefix"), field(table, "name"))?)]),
            ("drop_if_exists", 2 | 3) => {
                return Ok(vec![format!("DROP TABLE IF EXISTS {}", quote_table(field(table, "prefix"), field(table, "name"))?)])
            }
            ("alter", 3) => {
                let changes = t[2].as_list().ok_or_else(|| clause_error("Enum.map/2"))?;
                let name = quote_table(field(table, "prefix"), field(table, "name"))?;
                let mut out = Vec::new();
                for change in changes.iter() {
                    out.push(format!("ALTER TABLE {name} {}", column_change(table, change)?));
                }
                return Ok(out);
            }
            _ => {}
        }
    }

    if let (Some(index), 2) = (index, t.len()) {
        if field(index, "concurrently") == &Value::Bool(true) {
            return Err(argument_error("`concurrently` is not supported with SQLite3"));
        }
        if field(index, "only") == &Value::Bool(true) {
            return Err(argument_error("`only` is not supported with SQLite3"));
        }
        if matches!(field(index, "include"), Value::List(l) if !l.is_empty()) {
            return Err(argument_error("`include` is not supported with SQLite3"));
        }
        if !matches!(field(index, "using"), Value::Nil) {
            return Err(argument_error("`using` is not supported with SQLite3"));
        }
        if !matches!(field(index, "nulls_distinct"), Value::Nil) {
            return Err(argument_error("`nulls_distinct` is not supported with SQLite3"));
        }
    }

    if let (Some(_), "drop" | "drop_if_exists", 3) = (index, op, t.len()) {
        // `{:drop, index, mode}` re-enters as `{:drop, index}`, where the
        // unsupported index options raise.
        return execute_ddl(&Value::tuple(vec![t[0].clone(), t[1].clone()]));
    }

    if let Some(index) = index {
        match (op, t.len()) {
            ("create", 2) => return create_index(index, "INDEX "),
            ("create_if_not_exists", 2) => return create_index(index, "INDEX IF NOT EXISTS "),
            ("drop", 2) => return Ok(vec![format!("DROP INDEX {}", quote_table(field(index, "prefix"), field(index, "name"))?)]),
            ("drop_if_exists", 2) => {
                return Ok(vec![format!("DROP INDEX IF EXISTS {}", quote_table(field(index, "prefix"), field(index, "name"))?)])
            }
            _ => {}
        }
    }

    if let Some(table) = table {
        if op == "rename" && t.len() == 3 {
            if let Some(new_table) = as_struct(&t[2], TABLE) {
                return Ok(vec![format!(
                    "ALTER TABLE {} RENAME TO {}",
                    quote_table(field(table, "prefix"), field(table, "name"))?,
                    quote_table(&Value::Nil, field(new_table, "name"))?
                )]);
            }
        }
        if op == "rename" && t.len() == 4 {
            return Ok(vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                quote_table(field(table, "prefix"), field(table, "name"))?,
                quote_name(&t[2])?,
                quote_name(&t[3])?
            )]);
        }
    }

    if constraint.is_some() {
        match (op, t.len()) {
            ("create", 2) => return Err(argument_error("SQLite3 does not support ALTER TABLE ADD CONSTRAINT.")),
            ("drop" | "drop_if_exists", 3) => return Err(argument_error("SQLite3 does not support ALTER TABLE DROP CONSTRAINT.")),
            _ => {}
        }
    }

    if let (Some(_), "rename", 3) = (index, op, t.len()) {
        let mut out = execute_ddl(&Value::tuple(vec![Value::atom("drop"), t[1].clone()]))?;
        let renamed = super::structs::put(&t[1], "name", t[2].clone());
        out.extend(execute_ddl(&Value::tuple(vec![Value::atom("create"), renamed]))?);
        return Ok(out);
    }

    Err(clause_error(FUN))
}

fn create_table(table: &Struct, columns: &Value, head: &str) -> EResult<Vec<String>> {
    let columns = columns.as_list().ok_or_else(|| clause_error("Enum.reduce/3"))?;
    let (composite, pk_def) = composite_pk_definition(columns)?;
    let fk_defs = composite_fk_definitions(table, columns)?;
    let mut defs = Vec::new();
    for c in columns.iter() {
        defs.push(column_definition(table, composite, c)?);
    }
    Ok(vec![format!(
        "{head}{} ({}{pk_def}{fk_defs}){}",
        quote_table(field(table, "prefix"), field(table, "name"))?,
        defs.join(", "),
        options_expr(field(table, "options"))?
    )])
}

/// `{:add, name, type, opts}` inside CREATE TABLE.
fn column_definition(table: &Struct, composite: bool, column: &Value) -> EResult<String> {
    match column.as_tuple() {
        Some([op, name, ty, opts]) if op.as_atom() == Some("add") => {
            if let Some(r) = as_struct(ty, REFERENCE) {
                let rty = field(r, "type");
                Ok(format!(
                    "{} {}{}{}",
                    quote_name(name)?,
                    column_type(rty, opts)?,
                    column_options(table, composite, rty, opts)?,
                    reference_expr(r, table, name)?
                ))
            } else {
                Ok(format!("{} {}{}", quote_name(name)?, column_type(ty, opts)?, column_options(table, composite, ty, opts)?))
            }
        }
        _ => Err(clause_error("Ecto.Adapters.SQLite3.Connection.column_definition/2")),
    }
}

fn column_change(table: &Struct, change: &Value) -> EResult<String> {
    let t = change.as_tuple().unwrap_or(&[]);
    let op = t.first().and_then(|v| v.as_atom()).unwrap_or("");
    match (op, t) {
        ("add", [_, name, ty, opts]) => {
            if let Some(r) = as_struct(ty, REFERENCE) {
                let rty = field(r, "type");
                return Ok(format!(
                    "ADD COLUMN {} {}{}{}",
                    quote_name(name)?,
                    column_type(rty, opts)?,
                    column_options(table, false, rty, opts)?,
                    reference_expr(r, table, name)?
                ));
            }
            // SQLite refuses NOT NULL without a constant default on added
            // datetime columns, so ecto_sqlite3 drops the null option.
            let opts = match ty.as_atom() {
                Some("utc_datetime" | "naive_datetime") => kw_delete(opts, "null"),
                _ => opts.clone(),
            };
            Ok(format!("ADD COLUMN {} {}{}", quote_name(name)?, column_type(ty, &opts)?, column_options(table, false, ty, &opts)?))
        }
        ("modify", [_, _, _, _]) => Err(argument_error("ALTER COLUMN not supported by SQLite3")),
        ("remove", [_, name, _, _]) | ("remove", [_, name]) => Ok(format!("DROP COLUMN {}", quote_name(name)?)),
        _ => Err(argument_error("Not supported by SQLite3")),
    }
}

fn column_options(table: &Struct, composite: bool, ty: &Value, opts: &Value) -> EResult<String> {
    let mut out = String::new();
    if let Some(default) = kw(opts, "default") {
        out.push_str(&default_expr(default)?);
    }
    match kw(opts, "null") {
        Some(Value::Bool(false)) => out.push_str(" NOT NULL"),
        Some(Value::Bool(true)) => out.push_str(" NULL"),
        _ => {}
    }
    match kw(opts, "collate") {
        None | Some(Value::Nil) => {}
        Some(c) => {
            let s = match c {
                Value::Str(s) => s.to_string(),
                other if other.is_atom() => to_s(other)?,
                other => to_s(other)?,
            };
            out.push_str(" COLLATE ");
            out.push_str(&s.to_uppercase());
        }
    }
    match kw(opts, "check") {
        None | Some(Value::Nil) => {}
        Some(check) => {
            let name = check.get_field("name").filter(|_| matches!(check, Value::Map(_) | Value::Struct(_)));
            let expr = check.get_field("expr").filter(|_| matches!(check, Value::Map(_) | Value::Struct(_)));
            match (name, expr) {
                (Some(name), Some(expr)) => {
                    out.push_str(&format!(" CONSTRAINT {} CHECK ({})", iodata(name)?, iodata(expr)?));
                }
                _ => return Err(clause_error("Ecto.Adapters.SQLite3.Connection.check_expr/1")),
            }
        }
    }
    let table_pk = field(table, "primary_key");
    let pk = !composite && table_pk.as_atom() != Some("composite") && kw(opts, "primary_key") == Some(&Value::Bool(true));
    if pk {
        match ty.as_atom() {
            Some("serial" | "bigserial") => out.push_str(" PRIMARY KEY AUTOINCREMENT"),
            _ => out.push_str(" PRIMARY KEY"),
        }
    }
    Ok(out)
}

/// Strings and atoms written into SQL as they are (iodata).
fn iodata(v: &Value) -> EResult<String> {
    match v {
        Value::Str(s) => Ok(s.to_string()),
        Value::List(_) => to_s(v),
        other => Err(argument_error(format!("expected iodata, got: {}", inspect(other)))),
    }
}

fn default_expr(default: &Value) -> EResult<String> {
    Ok(match default {
        Value::Nil => " DEFAULT NULL".to_string(),
        Value::Str(s) => format!(" DEFAULT '{}'", escape_string(s)),
        Value::Bytes(b) => format!(" DEFAULT '{}'", escape_string(&String::from_utf8_lossy(b))),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => format!(" DEFAULT {}", to_s(default)?),
        Value::Tuple(t) if t.len() == 2 && t[0].as_atom() == Some("fragment") => format!(" DEFAULT {}", iodata(&t[1])?),
        Value::Map(_)
        | Value::Struct(_)
        | Value::List(_)
        | Value::Decimal(_)
        | Value::Date(_)
        | Value::Time(_)
        | Value::NaiveDateTime(_)
        | Value::DateTime(_) => {
            let json = jason::encode(default)?;
            format!(" DEFAULT ('{}')", escape_string(&json))
        }
        _ => return Err(clause_error("Ecto.Adapters.SQLite3.Connection.default_expr/1")),
    })
}

fn options_expr(options: &Value) -> EResult<String> {
    match options {
        Value::Nil => Ok(String::new()),
        Value::List(_) => Err(argument_error("SQLite3 adapter does not support keyword lists in :options")),
        other => Ok(format!(" {}", to_s(other)?)),
    }
}

fn reference_expr(r: &Struct, table: &Struct, name: &Value) -> EResult<String> {
    if matches!(field(r, "with"), Value::List(l) if l.len() == 1) {
        return Ok(String::new());
    }
    Ok(format!(
        " CONSTRAINT {} REFERENCES {}({}){}{}",
        reference_name(r, table, name)?,
        quote_table(or(field(r, "prefix"), field(table, "prefix")), field(r, "table"))?,
        quote_name(field(r, "column"))?,
        on_delete(field(r, "on_delete")),
        on_update(field(r, "on_update"))
    ))
}

/// `a || b`
fn or<'a>(a: &'a Value, b: &'a Value) -> &'a Value {
    if a.is_truthy() {
        a
    } else {
        b
    }
}

fn reference_name(r: &Struct, table: &Struct, column: &Value) -> EResult<String> {
    match field(r, "name") {
        Value::Nil => quote_name(&Value::string(format!("{}_{}_fkey", to_s(field(table, "name"))?, to_s(column)?))),
        name => quote_name(name),
    }
}

fn on_delete(v: &Value) -> &'static str {
    match v.as_atom() {
        Some("nilify_all") => " ON DELETE SET NULL",
        Some("default_all") => " ON DELETE SET DEFAULT",
        Some("delete_all") => " ON DELETE CASCADE",
        Some("restrict") => " ON DELETE RESTRICT",
        _ => "",
    }
}

fn on_update(v: &Value) -> &'static str {
    match v.as_atom() {
        Some("nilify_all") => " ON UPDATE SET NULL",
        Some("default_all") => " ON UPDATE SET DEFAULT",
        Some("update_all") => " ON UPDATE CASCADE",
        Some("restrict") => " ON UPDATE RESTRICT",
        _ => "",
    }
}

/// `(composite?, ", PRIMARY KEY (...)")` when more than one column is a primary key.
fn composite_pk_definition(columns: &[Value]) -> EResult<(bool, String)> {
    let mut pks = Vec::new();
    for c in columns {
        match c.as_tuple() {
            Some([_, name, _, opts]) => match kw(opts, "primary_key").unwrap_or(&Value::Bool(false)) {
                Value::Bool(true) => pks.push(name.clone()),
                Value::Bool(false) => {}
                other => {
                    return Err(crate::eval::Error::raise(
                        "CaseClauseError",
                        format!("no case clause matching: {}", inspect(other)),
                        crate::diag::Span::NONE,
                    ))
                }
            },
            _ => return Err(clause_error("Ecto.Adapters.SQLite3.Connection.composite_pk_definition/2")),
        }
    }
    if pks.len() > 1 {
        let names = pks.iter().map(quote_name).collect::<EResult<Vec<_>>>()?;
        Ok((true, format!(", PRIMARY KEY ({})", names.join(","))))
    } else {
        Ok((false, String::new()))
    }
}

fn composite_fk_definitions(table: &Struct, columns: &[Value]) -> EResult<String> {
    let mut out = String::new();
    for c in columns {
        let Some([_, name, r, _]) = c.as_tuple() else { continue };
        let Some(r) = as_struct(r, REFERENCE) else { continue };
        let with = match field(r, "with") {
            Value::List(l) if l.len() == 1 => l.clone(),
            _ => continue,
        };
        let mut current = vec![name.clone()];
        let mut referenced = vec![field(r, "column").clone()];
        for pair in with.iter() {
            match pair.as_tuple() {
                Some([a, b]) => {
                    current.push(a.clone());
                    referenced.push(b.clone());
                }
                _ => return Err(clause_error("Enum.unzip/1")),
            }
        }
        out.push_str(&format!(
            ", FOREIGN KEY ({}) REFERENCES {}({}){}{}",
            quote_names(&current)?,
            quote_table(or(field(r, "prefix"), field(table, "prefix")), field(r, "table"))?,
            quote_names(&referenced)?,
            on_delete(field(r, "on_delete")),
            on_update(field(r, "on_update"))
        ));
    }
    Ok(out)
}

fn create_index(index: &Struct, kind: &str) -> EResult<Vec<String>> {
    let columns = field(index, "columns").as_list().ok_or_else(|| clause_error("Enum.map_intersperse/3"))?;
    let fields = columns
        .iter()
        .map(|c| match c {
            Value::Str(s) => Ok(s.to_string()),
            other => quote_name(other),
        })
        .collect::<EResult<Vec<_>>>()?;
    let unique = if field(index, "unique").is_truthy() { "UNIQUE " } else { "" };
    let where_ = match field(index, "where") {
        w if w.is_truthy() => format!(" WHERE {}", to_s(w)?),
        _ => String::new(),
    };
    Ok(vec![format!(
        "CREATE {unique}{kind}{} ON {} ({}){where_}",
        quote_name(field(index, "name"))?,
        quote_table(field(index, "prefix"), field(index, "table"))?,
        fields.join(", ")
    )])
}

fn quote_names(names: &[Value]) -> EResult<String> {
    Ok(names.iter().map(quote_name).collect::<EResult<Vec<_>>>()?.join(","))
}

pub(crate) fn quote_name(v: &Value) -> EResult<String> {
    match v {
        Value::Atom(_) | Value::Nil | Value::Bool(_) => Ok(format!("\"{}\"", to_s(v)?)),
        Value::Str(s) => Ok(format!("\"{s}\"")),
        Value::List(_) => Ok(format!("\"{}\"", to_s(v)?)),
        other => Err(argument_error(format!("cannot quote {} as a name", inspect(other)))),
    }
}

fn quote_table(prefix: &Value, name: &Value) -> EResult<String> {
    match prefix {
        Value::Nil => quote_name(name),
        Value::Atom(_) | Value::Bool(_) | Value::Str(_) | Value::Bytes(_) => Err(argument_error("SQLite3 does not support table prefixes")),
        _ => quote_name(name),
    }
}

fn escape_string(s: &str) -> String {
    s.replace('\'', "''").replace('\\', "\\\\")
}

/// `Ecto.Adapters.SQLite3.DataType.column_type/2`.
pub fn column_type(ty: &Value, opts: &Value) -> EResult<String> {
    if let Some(a) = ty.as_atom() {
        return Ok(match a {
            "id" | "serial" | "bigserial" | "boolean" | "integer" | "bigint" => "INTEGER".into(),
            "string" => "TEXT".into(),
            "float" => "NUMERIC".into(),
            "binary" => "BLOB".into(),
            "date"
            | "utc_datetime"
            | "utc_datetime_usec"
            | "naive_datetime"
            | "naive_datetime_usec"
            | "time"
            | "time_usec"
            | "timestamp" => "TEXT".into(),
            "decimal" => match kw(opts, "precision") {
                Some(p) if p.is_truthy() => {
                    let scale = kw(opts, "scale").cloned().unwrap_or(Value::Int(0));
                    format!("DECIMAL({},{})", to_s(p)?, to_s(&scale)?)
                }
                _ => "DECIMAL".into(),
            },
            "array" | "binary_id" | "map" | "uuid" => "TEXT".into(),
            other => to_s(&Value::atom(other))?.to_uppercase(),
        });
    }
    if let Some([outer, _]) = ty.as_tuple() {
        if matches!(outer.as_atom(), Some("array" | "map")) {
            return Ok("TEXT".into());
        }
    }
    Err(argument_error(format!(
        "unsupported type `{}`. The type can either be an atom, a string or a tuple of the form `{{:map, t}}` or `{{:array, t}}` where `t` itself follows the same conditions.",
        inspect(ty)
    )))
}
