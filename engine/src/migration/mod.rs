//! `Ecto.Migration`: the migration DSL, its command terms, the DDL printers
//! of ecto_sqlite3 and ecto_sql's Postgres adapter, the runner that reverses
//! `change/0`, and a migrator that keeps a `schema_migrations` table.
//!
//! Commands are plain Elixir terms, exactly the tuples Ecto builds
//! (`{:create, %Ecto.Migration.Table{}, [{:add, :name, :string, [null: false]}]}`),
//! so they can be inspected, reversed and handed to either printer as they are,
//! including commands written by hand (`{:raw, ...}` entries).
//!
//! * [`dsl`] registers the functions and macros of `Ecto.Migration`.
//! * [`runner`] queues commands while a migration body runs and executes them
//!   in a direction (forward, or reversed for rolling back `change/0`).
//! * [`sqlite`] and [`postgres`] turn one command into SQL statements
//!   (`execute_ddl/1`).
//! * [`migrator`] runs migrations against a database through
//!   [`crate::executor::Executor`], recording versions in `schema_migrations`.

pub mod dsl;
mod jason;
pub mod migrator;
pub mod postgres;
pub mod runner;
pub mod sqlite;
pub mod structs;

#[cfg(test)]
mod tests;

pub use runner::{describe, reverse, run_commands, run_migration, Adapter, DdlHook, Direction, MigrationRun, MigrationSource, RunOptions};

use crate::diag::Span;
use crate::eval::{EResult, Error};
use crate::value::{inspect::inspect, Struct, Value};

pub use dsl::register;

/// Makes `%Ecto.Migration.Table{}` and the other migration structs known to
/// the evaluator (struct literals, pattern matching).
pub fn install(interp: &mut crate::eval::Interp) {
    for (module, fields) in structs::definitions() {
        let key: crate::value::Atom = std::rc::Rc::from(format!("Elixir.{module}").as_str());
        interp.structs.entry(key).or_insert_with(|| std::rc::Rc::new(fields.into_iter().map(|(k, v)| (std::rc::Rc::from(k), v)).collect()));
    }
}

/// `Ecto.Migration.Table` and friends, by their short name.
pub(crate) const TABLE: &str = "Ecto.Migration.Table";
pub(crate) const INDEX: &str = "Ecto.Migration.Index";
pub(crate) const REFERENCE: &str = "Ecto.Migration.Reference";
pub(crate) const CONSTRAINT: &str = "Ecto.Migration.Constraint";
pub(crate) const COMMAND: &str = "Ecto.Migration.Command";

/// The struct behind `v` when it is a `%module{}`.
pub(crate) fn as_struct<'a>(v: &'a Value, module: &str) -> Option<&'a Struct> {
    match v {
        Value::Struct(s) if s.name() == module => Some(s),
        _ => None,
    }
}

/// A struct field, `nil` when absent.
pub(crate) fn field<'a>(s: &'a Struct, key: &str) -> &'a Value {
    s.get(key).unwrap_or(&Value::Nil)
}

/// `Keyword.get(opts, key)` / `opts[key]`: the first value under `key`.
pub(crate) fn kw<'a>(opts: &'a Value, key: &str) -> Option<&'a Value> {
    opts.keyword_get(key)
}

/// `Keyword.delete(opts, key)`: removes every entry under `key`.
pub(crate) fn kw_delete(opts: &Value, key: &str) -> Value {
    match opts.as_list() {
        Some(items) => {
            Value::list(items.iter().filter(|item| !matches!(item.as_tuple(), Some([k, _]) if k.as_atom() == Some(key))).cloned().collect())
        }
        None => opts.clone(),
    }
}

/// `Keyword.put(opts, key, value)`: deletes `key` and puts the pair first.
pub(crate) fn kw_put(opts: &Value, key: &str, value: Value) -> Value {
    let rest = kw_delete(opts, key);
    let mut out = vec![Value::tuple(vec![Value::atom(key), value])];
    out.extend(rest.as_list().unwrap_or(&[]).iter().cloned());
    Value::list(out)
}

/// `Keyword.put_new(opts, key, value)`.
pub(crate) fn kw_put_new(opts: &Value, key: &str, value: Value) -> Value {
    if kw(opts, key).is_some() {
        return opts.clone();
    }
    let mut out = vec![Value::tuple(vec![Value::atom(key), value])];
    out.extend(opts.as_list().unwrap_or(&[]).iter().cloned());
    Value::list(out)
}

/// `Keyword.pop(opts, key, default)`.
pub(crate) fn kw_pop(opts: &Value, key: &str, default: Value) -> (Value, Value) {
    let v = kw(opts, key).cloned().unwrap_or(default);
    (v, kw_delete(opts, key))
}

/// Is `v` a proper list of two-tuples with atom keys (a keyword list)?
pub(crate) fn is_keyword(v: &Value) -> bool {
    v.as_keyword().is_some()
}

pub(crate) fn is_list(v: &Value) -> bool {
    matches!(v, Value::List(_))
}

/// An atom other than `nil`/`true`/`false` counts as an atom too.
pub(crate) fn is_atom(v: &Value) -> bool {
    v.is_atom()
}

/// Elixir's `to_string/1` (`String.Chars`) for the values DDL code meets.
pub(crate) fn to_s(v: &Value) -> EResult<String> {
    Ok(match v {
        Value::Nil => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Atom(a) => a.to_string(),
        Value::Str(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_to_string(*f),
        Value::Decimal(d) => d.to_scientific(),
        Value::Date(d) => d.iso(),
        Value::Time(t) => t.iso(),
        Value::NaiveDateTime(n) => n.iso(' '),
        Value::DateTime(d) => d.iso(),
        Value::List(items) => {
            // iodata / charlists
            let mut out = String::new();
            for item in items.iter() {
                match item {
                    Value::Int(c) => match u32::try_from(*c).ok().and_then(char::from_u32) {
                        Some(ch) => out.push(ch),
                        None => return Err(protocol_error(v)),
                    },
                    Value::Str(_) | Value::List(_) => out.push_str(&to_s(item)?),
                    _ => return Err(protocol_error(v)),
                }
            }
            out
        }
        _ => return Err(protocol_error(v)),
    })
}

fn protocol_error(v: &Value) -> Box<Error> {
    Error::raise("Protocol.UndefinedError", format!("protocol String.Chars not implemented for {}", inspect(v)), Span::NONE)
}

/// Erlang's shortest round-trip float formatting (`:io_lib_format.fwrite_g/1`),
/// which is what `to_string/1`, `inspect/1` and Jason print.
pub(crate) fn float_to_string(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    if !f.is_finite() {
        return format!("{f}");
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.2345e-7".
    let sci = format!("{:e}", f.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sci_exp: i64 = exp.parse().unwrap_or(0);
    let len = digits.len() as i64;
    // value = digits * 10^place
    let place = sci_exp - (len - 1);
    let exp_l = sci_exp.to_string();
    let exp_cost = exp_l.len() as i64 + 2;
    let sign = if f < 0.0 { "-" } else { "" };
    let as_exp = || {
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}.0e{exp_l}")
        } else {
            format!("{first}.{rest}e{exp_l}")
        }
    };
    let body = if place < 0 {
        if sci_exp >= 0 {
            let (a, b) = digits.split_at((len + place) as usize);
            format!("{a}.{b}")
        } else if 2 - place - len <= exp_cost {
            format!("0.{}{}", "0".repeat((-place - len) as usize), digits)
        } else {
            as_exp()
        }
    } else {
        let dot = if len == 1 { 1 } else { 0 };
        if exp_cost + dot >= place + 2 && f.abs() < 9007199254740992.0 {
            format!("{}{}.0", digits, "0".repeat(place as usize))
        } else {
            as_exp()
        }
    };
    format!("{sign}{body}")
}

pub(crate) fn argument_error(msg: impl Into<String>) -> Box<Error> {
    Error::raise("ArgumentError", msg, Span::NONE)
}

pub(crate) fn clause_error(fun: &str) -> Box<Error> {
    Error::raise("FunctionClauseError", format!("no function clause matching in {fun}"), Span::NONE)
}

pub(crate) fn migration_error(msg: impl Into<String>) -> Box<Error> {
    Error::raise("Ecto.MigrationError", msg, Span::NONE)
}
