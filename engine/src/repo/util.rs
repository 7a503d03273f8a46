//! Small helpers: exqlite's parameter binding and result struct, keyword
//! options, struct and changeset field access.

use std::rc::Rc;

use crate::executor::{DbValue, QueryResult};
use crate::value::{Struct, Value};

/// A raw `query/3` parameter, logged as given.
pub fn raw_param(v: &Value) -> Value {
    v.clone()
}

/// How exqlite binds a parameter (`Exqlite.Sqlite3.bind/2`): dates and
/// times as ISO text (UTC datetimes without the `Z`), atoms (booleans
/// included) as their text, `{:blob, bin}` as a blob. Other terms are
/// rejected as exqlite does.
pub fn bind_value(v: &Value) -> Result<DbValue, String> {
    Ok(match v {
        Value::Nil => DbValue::Null,
        Value::Int(i) => DbValue::Integer(*i),
        Value::Float(f) => DbValue::Real(*f),
        Value::Str(s) => DbValue::Text(s.to_string()),
        Value::Bytes(b) => DbValue::Text(String::from_utf8_lossy(b).into_owned()),
        Value::Bool(b) => DbValue::Text(b.to_string()),
        Value::Atom(a) if &**a == "undefined" => DbValue::Null,
        Value::Atom(a) => DbValue::Text(a.to_string()),
        Value::Date(d) => DbValue::Text(d.iso()),
        Value::Time(t) => DbValue::Text(t.iso()),
        Value::NaiveDateTime(n) => DbValue::Text(n.iso('T')),
        Value::DateTime(d) => {
            let iso = d.iso();
            match iso.strip_suffix('Z') {
                Some(naive) => DbValue::Text(naive.to_string()),
                None => return Err(format!("{} is not in UTC", crate::value::inspect::inspect(v))),
            }
        }
        Value::Tuple(t) if t.len() == 2 && t[0].as_atom() == Some("blob") => match &t[1] {
            Value::Str(s) => DbValue::Blob(s.as_bytes().to_vec()),
            Value::Bytes(b) => DbValue::Blob(b.to_vec()),
            _ => return Err(format!("unsupported type: {}", crate::value::inspect::inspect(v))),
        },
        Value::List(items) => {
            let mut out = Vec::new();
            if !iodata(items, &mut out) {
                return Err(format!("unsupported type: {}", crate::value::inspect::inspect(v)));
            }
            DbValue::Text(String::from_utf8_lossy(&out).into_owned())
        }
        other => return Err(format!("unsupported type: {}", crate::value::inspect::inspect(other))),
    })
}

fn iodata(items: &[Value], out: &mut Vec<u8>) -> bool {
    for i in items {
        match i {
            Value::Int(b) if (0..=255).contains(b) => out.push(*b as u8),
            Value::Str(s) => out.extend_from_slice(s.as_bytes()),
            Value::Bytes(b) => out.extend_from_slice(b),
            Value::List(l) => {
                if !iodata(l, out) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

/// A column value as exqlite returns it.
pub fn column_value(v: &DbValue) -> Value {
    match v {
        DbValue::Null => Value::Nil,
        DbValue::Integer(i) => Value::Int(*i),
        DbValue::Real(f) => Value::Float(*f),
        DbValue::Text(s) => Value::string(s.clone()),
        DbValue::Blob(b) => Value::binary(b),
        v @ DbValue::Pg { .. } => crate::pg::from_db(v),
    }
}

/// exqlite's `Query.extract_command/1`: DML is recognised by a keyword
/// anywhere in the statement.
pub fn is_dml(sql: &str) -> bool {
    sql.contains("INSERT") || sql.contains("DELETE") || sql.contains("UPDATE")
}

/// `num_rows` and `rows` as exqlite reports them: for DML, the changed
/// row count and `nil` rows when the statement returns no columns.
pub fn num_rows(sql: &str, r: &QueryResult) -> (i64, Option<Vec<Vec<Value>>>) {
    into_rows(sql, r.clone())
}

/// [`num_rows`] taking the result, so text columns are not copied twice.
pub fn into_rows(sql: &str, r: QueryResult) -> (i64, Option<Vec<Vec<Value>>>) {
    let no_columns = r.columns.is_empty();
    let changes = r.changes;
    let rows: Vec<Vec<Value>> = r.rows.into_iter().map(|row| row.into_iter().map(owned_column).collect()).collect();
    if is_dml(sql) {
        let rows = if rows.is_empty() && no_columns { None } else { Some(rows) };
        (changes as i64, rows)
    } else {
        (rows.len() as i64, Some(rows))
    }
}

fn owned_column(v: DbValue) -> Value {
    match v {
        DbValue::Null => Value::Nil,
        DbValue::Integer(i) => Value::Int(i),
        DbValue::Real(f) => Value::Float(f),
        DbValue::Text(s) => Value::Str(Rc::from(s.as_str())),
        DbValue::Blob(b) => Value::binary(&b),
        v @ DbValue::Pg { .. } => crate::pg::from_db(&v),
    }
}

/// `%Exqlite.Result{command: :execute, columns: ..., rows: ..., num_rows: ...}`.
pub fn exqlite_result(sql: &str, r: &QueryResult) -> Value {
    let (n, rows) = num_rows(sql, r);
    let columns = if is_dml(sql) { Value::list(vec![]) } else { Value::list(r.columns.iter().map(|c| Value::str(c)).collect()) };
    let rows = match rows {
        Some(rows) => Value::list(rows.into_iter().map(Value::list).collect()),
        None => Value::Nil,
    };
    make_struct(
        "Exqlite.Result",
        vec![("command", Value::atom("execute")), ("columns", columns), ("rows", rows), ("num_rows", Value::Int(n))],
    )
}

/// A raw query's result: `%Postgrex.Result{}` on PostgreSQL (the command
/// from the statement's first words), `%Exqlite.Result{}` on SQLite.
pub fn raw_result(interp: &mut crate::eval::Interp, sql: &str, r: &QueryResult) -> Value {
    if !super::postgres(interp) {
        return exqlite_result(sql, r);
    }
    postgrex_result(sql, r)
}

/// `%Postgrex.Result{}`: rows are `nil` for a statement without columns.
pub fn postgrex_result(sql: &str, r: &QueryResult) -> Value {
    let words: Vec<String> = sql.split_whitespace().take(2).map(|w| w.to_ascii_lowercase()).collect();
    let command = match words.first().map(String::as_str) {
        Some(w @ ("create" | "drop" | "alter")) => format!("{w}_{}", words.get(1).map(String::as_str).unwrap_or("")),
        Some(w) => w.trim_end_matches(';').to_string(),
        None => "select".into(),
    };
    let rows = if r.columns.is_empty() {
        Value::Nil
    } else {
        Value::list(r.rows.iter().map(|row| Value::list(row.iter().map(column_value).collect())).collect())
    };
    let n = if r.columns.is_empty() || is_dml(sql) { r.changes as i64 } else { r.rows.len() as i64 };
    make_struct(
        "Postgrex.Result",
        vec![
            ("command", Value::atom(&command)),
            ("columns", if r.columns.is_empty() { Value::Nil } else { Value::list(r.columns.iter().map(|c| Value::str(c)).collect()) }),
            ("rows", rows),
            ("num_rows", Value::Int(n)),
            ("connection_id", Value::Int(0)),
            ("messages", Value::list(vec![])),
        ],
    )
}

/// A struct value from (field, value) pairs in order.
pub fn make_struct(module: &str, fields: Vec<(&str, Value)>) -> Value {
    Value::Struct(Rc::new(Struct {
        module: Rc::from(format!("Elixir.{module}").as_str()),
        fields: fields.into_iter().map(|(k, v)| (Rc::from(k), v)).collect(),
    }))
}

/// A keyword option (`opts[:key]`), `nil` when absent.
pub fn opt<'a>(opts: &'a Value, key: &str) -> Option<&'a Value> {
    opts.keyword_get(key).filter(|v| !matches!(v, Value::Nil))
}

/// Whether a keyword option is truthy.
pub fn opt_true(opts: &Value, key: &str) -> bool {
    opt(opts, key).is_some_and(|v| v.is_truthy())
}

/// `Keyword.merge(a, b)`.
pub fn kw_merge(a: &Value, b: &Value) -> Value {
    let mut out: Vec<Value> = Vec::new();
    let bk: Vec<&str> = b.as_keyword().map(|k| k.into_iter().map(|(k, _)| k).collect()).unwrap_or_default();
    if let Some(items) = a.as_list() {
        for i in items {
            if let Some([k, _]) = i.as_tuple() {
                if k.as_atom().is_some_and(|k| bk.contains(&k)) {
                    continue;
                }
            }
            out.push(i.clone());
        }
    }
    if let Some(items) = b.as_list() {
        out.extend(items.iter().cloned());
    }
    Value::list(out)
}

/// `Keyword.put(kw, key, value)`.
pub fn kw_put(kw: &Value, key: &str, value: Value) -> Value {
    let mut out: Vec<Value> = kw
        .as_list()
        .map(|l| l.iter().filter(|i| !matches!(i.as_tuple(), Some([k, _]) if k.as_atom() == Some(key))).cloned().collect())
        .unwrap_or_default();
    out.insert(0, Value::tuple(vec![Value::atom(key), value]));
    Value::list(out)
}

/// A field of a map or struct, `nil` when missing.
pub fn field(v: &Value, key: &str) -> Value {
    v.get_field(key).cloned().unwrap_or(Value::Nil)
}

/// A copy of a struct (or map) with one field replaced.
pub fn put_field(v: &Value, key: &str, value: Value) -> Value {
    match v {
        Value::Struct(s) => {
            let mut s = (**s).clone();
            if !s.set(key, value.clone()) {
                s.fields.push((Rc::from(key), value));
            }
            Value::Struct(Rc::new(s))
        }
        Value::Map(m) => {
            let mut m = (**m).clone();
            m.insert(Value::atom(key), value);
            Value::map(m)
        }
        other => other.clone(),
    }
}

/// Whether a value is a struct of the given module (written `Ecto.Changeset`).
pub fn is_struct(v: &Value, module: &str) -> bool {
    v.struct_name() == Some(module)
}

pub fn is_changeset(v: &Value) -> bool {
    is_struct(v, "Ecto.Changeset")
}

/// The `__meta__` field of a schema struct.
pub fn meta(v: &Value) -> Value {
    field(v, "__meta__")
}

/// A copy of a schema struct with `__meta__` fields updated.
pub fn put_meta(v: &Value, pairs: &[(&str, Value)]) -> Value {
    let mut m = meta(v);
    for (k, val) in pairs {
        m = put_field(&m, k, val.clone());
    }
    put_field(v, "__meta__", m)
}

/// Map entries with atom keys in key order, as `(name, value)`.
pub fn map_entries(v: &Value) -> Vec<(String, Value)> {
    match v {
        Value::Map(m) => m.iter().filter_map(|(k, v)| k.as_atom().map(|k| (k.to_string(), v.clone()))).collect(),
        Value::List(_) => v.as_keyword().map(|kw| kw.into_iter().map(|(k, v)| (k.to_string(), v.clone())).collect()).unwrap_or_default(),
        _ => vec![],
    }
}

/// A changeset action atom, `insert` when nil.
pub fn action_of(v: &Value) -> &str {
    match v {
        Value::Atom(a) => a,
        _ => "insert",
    }
}

/// Sets a struct (or map) field in place when the value is not shared.
pub fn put_field_owned(v: Value, key: &str, value: Value) -> Value {
    match v {
        Value::Struct(mut s) => {
            let st = Rc::make_mut(&mut s);
            match st.fields.iter_mut().find(|(k, _)| &**k == key) {
                Some(slot) => slot.1 = value,
                None => st.fields.push((Rc::from(key), value)),
            }
            Value::Struct(s)
        }
        Value::Map(mut m) => {
            Rc::make_mut(&mut m).insert(Value::atom(key), value);
            Value::Map(m)
        }
        other => other,
    }
}
