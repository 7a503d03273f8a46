//! `Mix.install/1,2`: a notebook's setup cell. Nothing is installed; the
//! libraries this engine provides are built in, and the call leaves a note
//! (an info diagnostic) naming the dependencies that are not.

use crate::diag::{Diagnostic, Severity, Span};
use crate::eval::{Builtins, EResult, Interp};
use crate::value::{inspect, Value};

/// Dependencies the engine provides: Ecto, ecto_sql, the SQLite adapter
/// (and its driver) and the libraries they bring.
pub const BUILT_IN: &[&str] = &["ecto", "ecto_sql", "ecto_sqlite3", "exqlite", "db_connection", "telemetry", "jason", "decimal"];

/// Notes left by evaluation (not errors), for the host to show with the cell.
#[derive(Default)]
pub struct Notes(pub Vec<Diagnostic>);

/// Takes the notes left since the last call.
pub fn take_notes(i: &mut Interp) -> Vec<Diagnostic> {
    std::mem::take(&mut i.ext::<Notes>().0)
}

pub fn register(b: &mut Builtins) {
    b.add("Mix", "install", &[1, 2], install);
}

fn install(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let deps = a[0].as_list().ok_or_else(|| super::raise("FunctionClauseError", "no function clause matching in Mix.install/2", s))?;
    let mut unknown: Vec<String> = vec![];
    for d in deps {
        let name = match d {
            Value::Atom(_) => d.clone(),
            Value::Tuple(t) if !t.is_empty() => t[0].clone(),
            other => return Err(super::raise("ArgumentError", format!("invalid dependency: {}", inspect::inspect(other)), s)),
        };
        let text = name.as_atom().unwrap_or_default().to_string();
        if !BUILT_IN.contains(&text.as_str()) {
            unknown.push(inspect::inspect(&name));
        }
    }
    let mut message = "Mix.install/2 installs nothing here: Ecto, ecto_sql and the SQLite adapter (ecto_sqlite3) are built in.".to_string();
    if !unknown.is_empty() {
        let (noun, verb) = if unknown.len() == 1 { ("dependency", "is") } else { ("dependencies", "are") };
        message.push_str(&format!(
            " Not available: the {noun} {} {verb} not part of this playground, so calls into {} fail.",
            unknown.join(", "),
            if unknown.len() == 1 { "it" } else { "them" }
        ));
    }
    i.ext::<Notes>().0.push(Diagnostic { severity: Severity::Info, kind: "Mix.install".to_string(), message, span: s, hint: None });
    Ok(Value::atom("ok"))
}
