//! `Ecto.Adapters.Postgres.Connection.execute_ddl/1` (ecto_sql 3.14): one
//! command term in, the SQL statements out (comments are extra statements),
//! or the `ArgumentError` the adapter raises.

use crate::diag::Span;
use crate::eval::{EResult, Error};
use crate::value::{inspect::inspect, Struct, Value};

use super::{argument_error, as_struct, clause_error, field, jason, kw, to_s, CONSTRAINT, INDEX, REFERENCE, TABLE};

const FUN: &str = "Ecto.Adapters.Postgres.Connection.execute_ddl/1";

pub fn execute_ddl(cmd: &Value) -> EResult<Vec<String>> {
    match cmd {
        Value::Str(s) => return Ok(vec![s.to_string()]),
        Value::Bytes(b) => return Ok(vec![String::from_utf8_lossy(b).into_owned()]),
        Value::List(_) => return Err(argument_error("PostgreSQL adapter does not support keyword lists in execute")),
        _ => {}
    }
    let Some(t) = cmd.as_tuple() else {
        return Err(clause_error(FUN));
    };
    let op = t.first().and_then(|v| v.as_atom()).unwrap_or("");
    let second = t.get(1).unwrap_or(&Value::Nil);
    let creates = matches!(op, "create" | "create_if_not_exists");
    let drops = matches!(op, "drop" | "drop_if_exists");

    if let Some(table) = as_struct(second, TABLE) {
        match t.len() {
            3 if creates => return create_table(op, table, &t[2]),
            3 if drops => {
                return Ok(vec![format!(
                    "DROP TABLE {}{}{}",
                    if op == "drop_if_exists" { "IF EXISTS " } else { "" },
                    quote_name2(field(table, "prefix"), field(table, "name"))?,
                    drop_mode(&t[2])?
                )])
            }
            3 if op == "alter" => return alter_table(table, &t[2]),
            _ => {}
        }
    }
    if let Some(index) = as_struct(second, INDEX) {
        match t.len() {
            2 if creates => return create_index(op, index),
            3 if drops => {
                return Ok(vec![format!(
                    "DROP INDEX {}{}{}{}",
                    if field(index, "concurrently").is_truthy() { "CONCURRENTLY " } else { "" },
                    if op == "drop_if_exists" { "IF EXISTS " } else { "" },
                    quote_name2(field(index, "prefix"), field(index, "name"))?,
                    drop_mode(&t[2])?
                )])
            }
            3 if op == "rename" => {
                return Ok(vec![format!(
                    "ALTER INDEX {} RENAME TO {}",
                    quote_name2(field(index, "prefix"), field(index, "name"))?,
                    quote_name(&t[2])?
                )])
            }
            _ => {}
        }
    }
    if let Some(table) = as_struct(second, TABLE) {
        if op == "rename" && t.len() == 3 {
            if let Some(new_table) = as_struct(&t[2], TABLE) {
                return Ok(vec![format!(
                    "ALTER TABLE {} RENAME TO {}",
                    quote_name2(field(table, "prefix"), field(table, "name"))?,
                    quote_name2(&Value::Nil, field(new_table, "name"))?
                )]);
            }
        }
        if op == "rename" && t.len() == 4 {
            return Ok(vec![format!(
                "ALTER TABLE {} RENAME {} TO {}",
                quote_name2(field(table, "prefix"), field(table, "name"))?,
                quote_name(&t[2])?,
                quote_name(&t[3])?
            )]);
        }
    }
    if let Some(c) = as_struct(second, CONSTRAINT) {
        if op == "create" && t.len() == 2 {
            let table_name = quote_name2(field(c, "prefix"), field(c, "table"))?;
            let mut out = vec![format!("ALTER TABLE {table_name} ADD {}", new_constraint_expr(c)?)];
            let comment = field(c, "comment");
            if !matches!(comment, Value::Nil) {
                out.push(format!("COMMENT ON CONSTRAINT {} ON {table_name} IS {}", quote_name(field(c, "name"))?, single_quote(comment)?));
            }
            return Ok(out);
        }
        if drops && t.len() == 3 {
            return Ok(vec![format!(
                "ALTER TABLE {} DROP CONSTRAINT {}{}{}",
                quote_name2(field(c, "prefix"), field(c, "table"))?,
                if op == "drop_if_exists" { "IF EXISTS " } else { "" },
                quote_name(field(c, "name"))?,
                drop_mode(&t[2])?
            )]);
        }
    }
    Err(clause_error(FUN))
}

fn create_table(op: &str, table: &Struct, columns: &Value) -> EResult<Vec<String>> {
    let table_name = quote_name2(field(table, "prefix"), field(table, "name"))?;
    let columns = columns.as_list().ok_or_else(|| clause_error("Enum.map_intersperse/3"))?;
    let mut defs = Vec::new();
    for c in columns.iter() {
        defs.push(column_definition(table, c)?);
    }
    let query = format!(
        "CREATE {}TABLE {}{table_name} ({}{}){}",
        modifiers_expr(field(table, "modifiers"))?,
        if op == "create_if_not_exists" { "IF NOT EXISTS " } else { "" },
        defs.join(", "),
        pk_definition(columns, ", ")?,
        options_expr(field(table, "options"))?
    );
    let mut out = vec![query];
    out.extend(comments_on("TABLE", &table_name, field(table, "comment"))?);
    out.extend(comments_for_columns(&table_name, columns)?);
    Ok(out)
}

fn alter_table(table: &Struct, changes: &Value) -> EResult<Vec<String>> {
    let table_name = quote_name2(field(table, "prefix"), field(table, "name"))?;
    let changes = changes.as_list().ok_or_else(|| clause_error("Enum.map_intersperse/3"))?;
    let mut parts = Vec::new();
    for c in changes.iter() {
        parts.push(column_change(table, c)?);
    }
    let query = format!("ALTER TABLE {table_name} {}{}", parts.join(", "), pk_definition(changes, ", ADD ")?);
    let mut out = vec![query];
    out.extend(comments_on("TABLE", &table_name, field(table, "comment"))?);
    out.extend(comments_for_columns(&table_name, changes)?);
    Ok(out)
}

fn pk_definition(columns: &[Value], prefix: &str) -> EResult<String> {
    let mut pks = Vec::new();
    for c in columns {
        if let Some([action, name, _, opts]) = c.as_tuple() {
            if action.as_atom() != Some("remove") && access(opts, "primary_key").is_truthy() {
                pks.push(name.clone());
            }
        }
    }
    if pks.is_empty() {
        Ok(String::new())
    } else {
        Ok(format!("{prefix}PRIMARY KEY ({})", quote_names(&pks)?))
    }
}

/// `opts[key]` (Access on a keyword list or map).
fn access<'a>(opts: &'a Value, key: &str) -> &'a Value {
    match opts {
        Value::List(_) => kw(opts, key).unwrap_or(&Value::Nil),
        Value::Map(_) => opts.get_field(key).unwrap_or(&Value::Nil),
        _ => &Value::Nil,
    }
}

fn comments_on(object: &str, name: &str, comment: &Value) -> EResult<Vec<String>> {
    if matches!(comment, Value::Nil) {
        return Ok(vec![]);
    }
    Ok(vec![format!("COMMENT ON {object} {name} IS {}", single_quote(comment)?)])
}

fn comments_for_columns(table_name: &str, columns: &[Value]) -> EResult<Vec<String>> {
    let mut out = Vec::new();
    for c in columns {
        match c.as_tuple() {
            Some([op, _, _, _]) if op.as_atom() == Some("remove") => {}
            Some([_, name, _, opts]) => {
                let column = format!("{table_name}.{}", quote_name(name)?);
                out.extend(comments_on("COLUMN", &column, access(opts, "comment"))?);
            }
            _ => {}
        }
    }
    Ok(out)
}

fn column_definition(table: &Struct, column: &Value) -> EResult<String> {
    match column.as_tuple() {
        Some([op, name, ty, opts]) if op.as_atom() == Some("add") => {
            if let Some(r) = as_struct(ty, REFERENCE) {
                let rty = field(r, "type");
                Ok(format!(
                    "{} {}{}, {}",
                    quote_name(name)?,
                    reference_column_type(rty, opts)?,
                    column_options(rty, opts)?,
                    reference_expr(r, table, name)?
                ))
            } else {
                Ok(format!("{} {}{}", quote_name(name)?, column_type(ty, opts)?, column_options(ty, opts)?))
            }
        }
        _ => Err(clause_error("Ecto.Adapters.Postgres.Connection.column_definition/2")),
    }
}

fn column_change(table: &Struct, change: &Value) -> EResult<String> {
    let t = change.as_tuple().unwrap_or(&[]);
    let op = t.first().and_then(|v| v.as_atom()).unwrap_or("");
    match (op, t) {
        ("add" | "add_if_not_exists", [_, name, ty, opts]) => {
            let head = if op == "add" { "ADD COLUMN " } else { "ADD COLUMN IF NOT EXISTS " };
            if let Some(r) = as_struct(ty, REFERENCE) {
                let rty = field(r, "type");
                Ok(format!(
                    "{head}{} {}{}, ADD {}",
                    quote_name(name)?,
                    reference_column_type(rty, opts)?,
                    column_options(rty, opts)?,
                    reference_expr(r, table, name)?
                ))
            } else {
                Ok(format!("{head}{} {}{}", quote_name(name)?, column_type(ty, opts)?, column_options(ty, opts)?))
            }
        }
        ("modify", [_, name, ty, opts]) => {
            let from = access(opts, "from");
            let drop = drop_reference_expr(from, table, name)?;
            let collation = match kw(opts, "collation") {
                Some(c) => format!(" COLLATE \"{}\"", to_s(c)?),
                None => String::new(),
            };
            if let Some(r) = as_struct(ty, REFERENCE) {
                let rty = field(r, "type");
                Ok(format!(
                    "{drop}ALTER COLUMN {} TYPE {}, ADD {}{}{}{collation}",
                    quote_name(name)?,
                    reference_column_type(rty, opts)?,
                    reference_expr(r, table, name)?,
                    modify_null(name, opts)?,
                    modify_default(name, rty, opts)?
                ))
            } else {
                Ok(format!(
                    "{drop}ALTER COLUMN {} TYPE {}{}{}{collation}",
                    quote_name(name)?,
                    column_type(ty, opts)?,
                    modify_null(name, opts)?,
                    modify_default(name, ty, opts)?
                ))
            }
        }
        ("remove", [_, name]) => Ok(format!("DROP COLUMN {}", quote_name(name)?)),
        ("remove", [_, name, ty, _]) => {
            let drop = match as_struct(ty, REFERENCE) {
                Some(r) => format!("DROP CONSTRAINT {}, ", reference_name(r, table, name)?),
                None => String::new(),
            };
            Ok(format!("{drop}DROP COLUMN {}", quote_name(name)?))
        }
        ("remove_if_exists", [_, name, ty]) => {
            let drop = match as_struct(ty, REFERENCE) {
                Some(r) => format!("DROP CONSTRAINT IF EXISTS {}, ", reference_name(r, table, name)?),
                None => String::new(),
            };
            Ok(format!("{drop}DROP COLUMN IF EXISTS {}", quote_name(name)?))
        }
        ("remove_if_exists", [_, name]) => Ok(format!("DROP COLUMN IF EXISTS {}", quote_name(name)?)),
        _ => Err(clause_error("Ecto.Adapters.Postgres.Connection.column_change/2")),
    }
}

fn modify_null(name: &Value, opts: &Value) -> EResult<String> {
    match kw(opts, "null") {
        Some(Value::Bool(true)) => Ok(format!(", ALTER COLUMN {} DROP NOT NULL", quote_name(name)?)),
        Some(Value::Bool(false)) => Ok(format!(", ALTER COLUMN {} SET NOT NULL", quote_name(name)?)),
        None | Some(Value::Nil) => Ok(String::new()),
        Some(other) => Err(case_clause(other)),
    }
}

fn modify_default(name: &Value, ty: &Value, opts: &Value) -> EResult<String> {
    match kw(opts, "default") {
        Some(v) => Ok(format!(", ALTER COLUMN {} SET{}", quote_name(name)?, default_expr(v, ty)?)),
        None => Ok(String::new()),
    }
}

fn column_options(ty: &Value, opts: &Value) -> EResult<String> {
    let mut out = String::new();
    if let Some(d) = kw(opts, "default") {
        out.push_str(&default_expr(d, ty)?);
    }
    match kw(opts, "null") {
        Some(Value::Bool(false)) => out.push_str(" NOT NULL"),
        Some(Value::Bool(true)) => out.push_str(" NULL"),
        _ => {}
    }
    if let Some(c) = kw(opts, "collation") {
        out.push_str(&format!(" COLLATE \"{}\"", to_s(c)?));
    }
    Ok(out)
}

fn new_constraint_expr(c: &Struct) -> EResult<String> {
    let validate = validate(field(c, "validate"));
    match (field(c, "check"), field(c, "exclude")) {
        (Value::Str(check), _) => Ok(format!("CONSTRAINT {} CHECK ({check}){validate}", quote_name(field(c, "name"))?)),
        (_, Value::Str(exclude)) => Ok(format!("CONSTRAINT {} EXCLUDE USING {exclude}{validate}", quote_name(field(c, "name"))?)),
        _ => Err(clause_error("Ecto.Adapters.Postgres.Connection.new_constraint_expr/1")),
    }
}

fn default_expr(v: &Value, ty: &Value) -> EResult<String> {
    match v {
        Value::Nil => Ok(" DEFAULT NULL".into()),
        other => Ok(format!(" DEFAULT {}", default_type(other, ty)?)),
    }
}

fn default_type(v: &Value, ty: &Value) -> EResult<String> {
    if let (Value::List(items), Some([arr, inner])) = (v, ty.as_tuple()) {
        if arr.as_atom() == Some("array") {
            let parts = items.iter().map(|i| default_type(i, inner)).collect::<EResult<Vec<_>>>()?;
            return Ok(format!("ARRAY[{}]::{}", parts.join(","), ecto_to_db(ty)?));
        }
    }
    match v {
        Value::Str(s) if !s.contains('\0') => return single_quote(v),
        Value::Str(_) | Value::Bytes(_) => {
            let bytes = v.as_bytes().unwrap_or(&[]);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            return Err(argument_error(format!(
                "default values are interpolated as UTF-8 strings and cannot contain null bytes. `{}` is invalid. If you want to write it as a binary, use \"\\x{hex}\", otherwise refer to PostgreSQL documentation for instructions on how to escape this SQL type",
                inspect(v)
            )));
        }
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => return to_s(v),
        _ => {}
    }
    let is_map = matches!(
        v,
        Value::Map(_)
            | Value::Struct(_)
            | Value::Decimal(_)
            | Value::Date(_)
            | Value::Time(_)
            | Value::NaiveDateTime(_)
            | Value::DateTime(_)
    );
    if is_map && ty.as_atom() == Some("map") {
        return single_quote(&Value::string(jason::encode(v)?));
    }
    if let Some([tag, expr]) = v.as_tuple() {
        if tag.as_atom() == Some("fragment") {
            return to_s(expr);
        }
    }
    Err(argument_error(format!(
        "unknown default `{}` for type `{}`. :default may be a string, number, boolean, list of strings, list of integers, map (when type is Map), or a fragment(...)",
        inspect(v),
        inspect(ty)
    )))
}

fn index_expr(c: &Value) -> EResult<String> {
    if let Some([dir, literal]) = c.as_tuple() {
        let base = match literal {
            Value::Str(s) => s.to_string(),
            other => quote_name(other)?,
        };
        let suffix = match dir.as_atom() {
            Some("asc") => " ASC",
            Some("asc_nulls_first") => " ASC NULLS FIRST",
            Some("asc_nulls_last") => " ASC NULLS LAST",
            Some("desc") => " DESC",
            Some("desc_nulls_first") => " DESC NULLS FIRST",
            Some("desc_nulls_last") => " DESC NULLS LAST",
            _ => return Err(clause_error("Ecto.Adapters.Postgres.Connection.index_dir/2")),
        };
        return Ok(format!("{base}{suffix}"));
    }
    match c {
        Value::Str(s) => Ok(s.to_string()),
        other => quote_name(other),
    }
}

fn create_index(op: &str, index: &Struct) -> EResult<Vec<String>> {
    let columns = field(index, "columns").as_list().ok_or_else(|| clause_error("Enum.map_intersperse/3"))?;
    let fields = columns.iter().map(index_expr).collect::<EResult<Vec<_>>>()?;
    let include = field(index, "include").as_list().ok_or_else(|| clause_error("Enum.map_intersperse/3"))?;
    let include_fields = include
        .iter()
        .map(|c| match c {
            Value::Str(s) => Ok(s.to_string()),
            other => quote_name(other),
        })
        .collect::<EResult<Vec<_>>>()?;
    let nulls = match field(index, "nulls_distinct") {
        Value::Nil => "",
        Value::Bool(true) => " NULLS DISTINCT",
        Value::Bool(false) => " NULLS NOT DISTINCT",
        other => return Err(case_clause(other)),
    };
    let using = match field(index, "using") {
        u if u.is_truthy() => format!(" USING {}", to_s(u)?),
        _ => String::new(),
    };
    let with = match field(index, "options") {
        Value::Nil => String::new(),
        o => format!(" WITH ({})", to_s(o)?),
    };
    let where_ = match field(index, "where") {
        w if w.is_truthy() => format!(" WHERE {}", to_s(w)?),
        _ => String::new(),
    };
    let query = format!(
        "CREATE {}INDEX {}{}{} ON {}{}{using} ({}){}{nulls}{with}{where_}",
        if field(index, "unique").is_truthy() { "UNIQUE " } else { "" },
        if field(index, "concurrently").is_truthy() { "CONCURRENTLY " } else { "" },
        if op == "create_if_not_exists" { "IF NOT EXISTS " } else { "" },
        quote_name(field(index, "name"))?,
        if field(index, "only").is_truthy() { "ONLY " } else { "" },
        quote_name2(field(index, "prefix"), field(index, "table"))?,
        fields.join(", "),
        if include_fields.is_empty() { String::new() } else { format!(" INCLUDE ({})", include_fields.join(", ")) },
    );
    let mut out = vec![query];
    let name = quote_name2(field(index, "prefix"), field(index, "name"))?;
    out.extend(comments_on("INDEX", &name, field(index, "comment"))?);
    Ok(out)
}

fn modifiers_expr(v: &Value) -> EResult<String> {
    match v {
        Value::Nil => Ok(String::new()),
        Value::Str(s) => Ok(format!("{s} ")),
        other => Err(argument_error(format!("PostgreSQL adapter expects :modifiers to be a string or nil, got {}", inspect(other)))),
    }
}

fn options_expr(v: &Value) -> EResult<String> {
    match v {
        Value::Nil => Ok(String::new()),
        Value::List(_) => Err(argument_error("PostgreSQL adapter does not support keyword lists in :options")),
        other => Ok(format!(" {}", to_s(other)?)),
    }
}

/// `column_type/2`: the type name plus `:generated` / identity clauses.
pub fn column_type(ty: &Value, opts: &Value) -> EResult<String> {
    let name = column_type_name(ty, opts)?;
    match kw(opts, "generated") {
        None | Some(Value::Nil) if ty.as_atom() == Some("identity") => {
            let positive = |v: Option<&Value>| match v {
                Some(Value::Int(i)) if *i > 0 => Some(*i),
                _ => None,
            };
            let mut seq = Vec::new();
            if let Some(s) = positive(kw(opts, "start_value")) {
                seq.push(format!("START WITH {s}"));
            }
            if let Some(i) = positive(kw(opts, "increment")) {
                seq.push(format!("INCREMENT BY {i}"));
            }
            if seq.is_empty() {
                Ok(format!("{name} GENERATED BY DEFAULT AS IDENTITY"))
            } else {
                Ok(format!("{name} GENERATED BY DEFAULT AS IDENTITY({}) ", seq.join(" ")))
            }
        }
        None | Some(Value::Nil) => Ok(name),
        Some(Value::Str(expr)) => Ok(format!("{name} GENERATED {expr}")),
        Some(other) => Err(argument_error(format!("the `:generated` option only accepts strings, received: {}", inspect(other)))),
    }
}

fn column_type_name(ty: &Value, opts: &Value) -> EResult<String> {
    if let Some([arr, inner]) = ty.as_tuple() {
        if arr.as_atom() == Some("array") {
            return Ok(format!("{}[]", column_type_name(inner, opts)?));
        }
    }
    match ty.as_atom() {
        Some("time" | "utc_datetime" | "naive_datetime") => return Ok(format!("{}(0)", ecto_to_db(ty)?)),
        Some("time_usec" | "utc_datetime_usec" | "naive_datetime_usec") => {
            let name = ecto_to_db(ty)?;
            return match kw_truthy(opts, "precision") {
                Some(p) => Ok(format!("{name}({})", to_s(p)?)),
                None => Ok(name),
            };
        }
        Some("duration") => {
            let name = ecto_to_db(ty)?;
            return Ok(match (kw_truthy(opts, "fields"), kw_truthy(opts, "precision")) {
                (Some(f), Some(p)) => format!("{name} {}({})", to_s(f)?, to_s(p)?),
                (None, Some(p)) => format!("{name}({})", to_s(p)?),
                (Some(f), None) => format!("{name} {}", to_s(f)?),
                (None, None) => name,
            });
        }
        _ => {}
    }
    let name = ecto_to_db(ty)?;
    if let Some(size) = kw_truthy(opts, "size") {
        return Ok(format!("{name}({})", to_s(size)?));
    }
    if let Some(p) = kw_truthy(opts, "precision") {
        let scale = kw_truthy(opts, "scale").cloned().unwrap_or(Value::Int(0));
        return Ok(format!("{name}({},{})", to_s(p)?, to_s(&scale)?));
    }
    if ty.as_atom() == Some("string") {
        return Ok(format!("{name}(255)"));
    }
    Ok(name)
}

fn kw_truthy<'a>(opts: &'a Value, key: &str) -> Option<&'a Value> {
    kw(opts, key).filter(|v| v.is_truthy())
}

fn ecto_to_db(ty: &Value) -> EResult<String> {
    if let Some([outer, inner]) = ty.as_tuple() {
        match outer.as_atom() {
            Some("array") => return Ok(format!("{}[]", ecto_to_db(inner)?)),
            Some("map") => return Ok("jsonb".into()),
            _ => {}
        }
    }
    if let Some(a) = ty.as_atom() {
        return Ok(match a {
            "id" => "integer".into(),
            "identity" => "bigint".into(),
            "serial" => "serial".into(),
            "bigserial" => "bigserial".into(),
            "binary_id" => "uuid".into(),
            "string" => "varchar".into(),
            "bitstring" => "varbit".into(),
            "binary" => "bytea".into(),
            "map" => "jsonb".into(),
            "time_usec" => "time".into(),
            "utc_datetime" | "utc_datetime_usec" | "naive_datetime" | "naive_datetime_usec" => "timestamp".into(),
            "duration" => "interval".into(),
            other => other.to_string(),
        });
    }
    Err(argument_error(format!(
        "unsupported type `{}`. The type can either be an atom, a string or a tuple of the form `{{:map, t}}` or `{{:array, t}}` where `t` itself follows the same conditions.",
        inspect(ty)
    )))
}

fn reference_column_type(ty: &Value, opts: &Value) -> EResult<String> {
    match ty.as_atom() {
        Some("serial") => Ok("integer".into()),
        Some("bigserial" | "identity") => Ok("bigint".into()),
        _ => column_type(ty, opts),
    }
}

fn reference_expr(r: &Struct, table: &Struct, name: &Value) -> EResult<String> {
    let mut current = vec![name.clone()];
    let mut referenced = vec![field(r, "column").clone()];
    let with = field(r, "with").as_list().ok_or_else(|| clause_error("Enum.unzip/1"))?;
    for pair in with.iter() {
        match pair.as_tuple() {
            Some([a, b]) => {
                current.push(a.clone());
                referenced.push(b.clone());
            }
            _ => return Err(clause_error("Enum.unzip/1")),
        }
    }
    let options = field(r, "options");
    let prefix = match kw(options, "prefix") {
        Some(p) => p,
        None => field(table, "prefix"),
    };
    Ok(format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}({}){}{}{}{}",
        reference_name(r, table, name)?,
        quote_names(&current)?,
        quote_name2(prefix, field(r, "table"))?,
        quote_names(&referenced)?,
        reference_match(field(r, "match"))?,
        on_delete(field(r, "on_delete"))?,
        on_update(field(r, "on_update")),
        validate(field(r, "validate"))
    ))
}

fn drop_reference_expr(from: &Value, table: &Struct, name: &Value) -> EResult<String> {
    let r = match from.as_tuple() {
        Some([r, _]) => as_struct(r, REFERENCE),
        _ => as_struct(from, REFERENCE),
    };
    match r {
        Some(r) => Ok(format!("DROP CONSTRAINT {}, ", reference_name(r, table, name)?)),
        None => Ok(String::new()),
    }
}

fn reference_name(r: &Struct, table: &Struct, column: &Value) -> EResult<String> {
    match field(r, "name") {
        Value::Nil => quote_name(&Value::string(format!("{}_{}_fkey", to_s(field(table, "name"))?, to_s(column)?))),
        name => quote_name(name),
    }
}

fn reference_match(v: &Value) -> EResult<&'static str> {
    match v.as_atom() {
        Some("nil") => Ok(""),
        Some("full") => Ok(" MATCH FULL"),
        Some("simple") => Ok(" MATCH SIMPLE"),
        Some("partial") => Ok(" MATCH PARTIAL"),
        _ => Err(clause_error("Ecto.Adapters.Postgres.Connection.reference_match/1")),
    }
}

fn on_delete(v: &Value) -> EResult<String> {
    if let Some([tag, cols]) = v.as_tuple() {
        let cols = cols.as_list().map(quote_names).transpose()?;
        return Ok(match (tag.as_atom(), cols) {
            (Some("nilify"), Some(c)) => format!(" ON DELETE SET NULL ({c})"),
            (Some("default"), Some(c)) => format!(" ON DELETE SET DEFAULT ({c})"),
            _ => String::new(),
        });
    }
    Ok(match v.as_atom() {
        Some("nilify_all") => " ON DELETE SET NULL",
        Some("default_all") => " ON DELETE SET DEFAULT",
        Some("delete_all") => " ON DELETE CASCADE",
        Some("restrict") => " ON DELETE RESTRICT",
        _ => "",
    }
    .to_string())
}

fn on_update(v: &Value) -> &'static str {
    match v.as_atom() {
        Some("nilify_all") => " ON UPDATE SET NULL",
        Some("update_all") => " ON UPDATE CASCADE",
        Some("restrict") => " ON UPDATE RESTRICT",
        _ => "",
    }
}

fn validate(v: &Value) -> &'static str {
    if v == &Value::Bool(false) {
        " NOT VALID"
    } else {
        ""
    }
}

fn drop_mode(v: &Value) -> EResult<&'static str> {
    match v.as_atom() {
        Some("cascade") => Ok(" CASCADE"),
        Some("restrict") => Ok(""),
        _ => Err(clause_error("Ecto.Adapters.Postgres.Connection.drop_mode/1")),
    }
}

fn quote_names(names: &[Value]) -> EResult<String> {
    Ok(names.iter().map(quote_name).collect::<EResult<Vec<_>>>()?.join(","))
}

/// `quote_name(prefix, name)`
fn quote_name2(prefix: &Value, name: &Value) -> EResult<String> {
    match prefix {
        Value::Nil => quote_name(name),
        p => Ok(format!("{}.{}", quote_name(p)?, quote_name(name)?)),
    }
}

pub(crate) fn quote_name(v: &Value) -> EResult<String> {
    let s = match v {
        Value::Atom(a) => a.to_string(),
        Value::Nil | Value::Bool(_) => v.as_atom().unwrap_or_default().to_string(),
        Value::Str(s) => s.to_string(),
        _ => return Err(clause_error("Ecto.Adapters.Postgres.Connection.quote_name/1")),
    };
    if s.contains('"') {
        return Err(argument_error(format!("bad literal/field/index/table name {} (\" is not permitted)", inspect(&Value::string(s)))));
    }
    Ok(format!("\"{s}\""))
}

fn single_quote(v: &Value) -> EResult<String> {
    match v {
        Value::Str(s) => Ok(format!("'{}'", s.replace('\'', "''"))),
        _ => Err(clause_error("Ecto.Adapters.Postgres.Connection.escape_string/1")),
    }
}

fn case_clause(v: &Value) -> Box<Error> {
    Error::raise("CaseClauseError", format!("no case clause matching: {}", inspect(v)), Span::NONE)
}
