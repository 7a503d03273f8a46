//! Which atoms "already exist" for `String.to_existing_atom/1` and friends.
//!
//! A script is parsed into quoted Elixir, so every atom, identifier, alias
//! segment and keyword key in its source is an atom of the running VM; so are
//! the names of the modules and functions the runtime provides and the atoms
//! created while running (`String.to_atom/1`). Without a registered source,
//! every atom counts as existing.

use std::collections::HashSet;

use super::core::visit;
use super::{EResult, Error, Interp};
use crate::diag::Span;
use crate::syntax::ast::{Kind, Node};
use crate::value::Value;

#[derive(Default)]
pub struct KnownAtoms {
    source: Option<HashSet<String>>,
    runtime: HashSet<String>,
}

/// Atoms every VM has whatever the script says.
const COMMON: &[&str] = &[
    // keys and values of Ecto's error and validation metadata (`%{count}` in
    // messages is looked up with String.to_existing_atom/1 by the usual
    // traverse_errors/2 idiom)
    "number",
    "validation",
    "kind",
    "enum",
    "min",
    "max",
    "is",
    "equal_to",
    "not_equal_to",
    "greater_than",
    "less_than",
    "greater_than_or_equal_to",
    "less_than_or_equal_to",
    "constraint",
    "constraint_name",
    "stale",
    "source",
    "required",
    "length",
    "format",
    "inclusion",
    "exclusion",
    "subset",
    "confirmation",
    "acceptance",
    "cast",
    "unique",
    "foreign",
    "foreign_key",
    "check",
    "assoc",
    "embed",
    "no_assoc",
    "unsafe_unique",
    "graphemes",
    "codepoints",
    "bytes",
    "match",
    "exact",
    "suffix",
    "prefix",
    "action",
    "changes",
    "errors",
    "valid?",
    "params",
    "repo",
    "changeset",
    "schema",
    "field",
    "opts",
    "trim",
    "empty_values",
    "message",
    "error_key",
    "on_replace",
    "raise",
    "mark_as_invalid",
    "nilify",
    "with",
    "sort_param",
    "drop_param",
    "returning",
    "on_conflict",
    "conflict_target",
    "placeholders",
    "log",
    "timeout",
    "binary_id",
    "id",
    "boolean",
    "decimal",
    "date",
    "time",
    "naive_datetime",
    "utc_datetime",
    "naive_datetime_usec",
    "utc_datetime_usec",
    "array",
    "email",
    "password",
    "title",
    "body",
    "description",
    "status",
    "role",
    "age",
    "price",
    "quantity",
    "total",
    "amount",
    "username",
    "user",
    "user_id",
    "inserted",
    "updated",
    "deleted",
    "built",
    "loaded",
    "primary_key",
    "default",
    "virtual",
    "redact",
    "autogenerate",
    "read_after_writes",
    "null",
    "precision",
    "scale",
    "ok",
    "error",
    "nil",
    "true",
    "false",
    "undefined",
    "infinity",
    "normal",
    "shutdown",
    "kill",
    "exit",
    "throw",
    "badarg",
    "badarith",
    "badmatch",
    "function_clause",
    "case_clause",
    "undef",
    "noproc",
    "timeout",
    "utf8",
    "latin1",
    "unicode",
    "binary",
    "list",
    "atom",
    "integer",
    "float",
    "string",
    "map",
    "tuple",
    "pid",
    "port",
    "reference",
    "function",
    "any",
    "all",
    "none",
    "asc",
    "desc",
    "name",
    "value",
    "key",
    "message",
    "id",
    "type",
    "data",
    "module",
    "line",
    "file",
    "reason",
    "info",
    "debug",
    "warning",
    "warn",
    "emergency",
    "alert",
    "critical",
    "notice",
    "second",
    "millisecond",
    "microsecond",
    "nanosecond",
    "native",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
    "calendar",
    "time_zone",
    "insert",
    "update",
    "delete",
    "replace",
    "inserted_at",
    "updated_at",
    "__struct__",
    "__meta__",
    "__exception__",
    "struct",
    "fields",
    "keys",
    "size",
    "count",
    "first",
    "last",
    "step",
    "at",
    "limit",
    "offset",
    "where",
    "select",
    "order_by",
    "preload",
    "join",
    "from",
    "on",
    "as",
    "in",
    "and",
    "or",
    "not",
    "when",
    "do",
    "else",
    "end",
    "fn",
    "after",
];

impl Interp {
    /// Registers the atoms of a parsed script (see the module docs).
    pub fn note_source_atoms(&mut self, root: &Node) {
        let mut set = HashSet::new();
        visit_all(root, &mut set);
        let known = self.ext::<KnownAtoms>();
        known.source.get_or_insert_with(HashSet::new).extend(set);
    }
}

fn visit_all(root: &Node, set: &mut HashSet<String>) {
    visit(root, &mut |n: &Node| match &n.kind {
        Kind::Atom(a) | Kind::Var(a) => {
            set.insert(a.clone());
        }
        Kind::Call { name, .. } | Kind::Dot { name, .. } => {
            set.insert(name.clone());
        }
        Kind::Alias(parts) => {
            set.insert(format!("Elixir.{}", parts.join(".")));
            for p in parts {
                set.insert(p.clone());
            }
        }
        Kind::Attr { name, .. } => {
            set.insert(name.clone());
        }
        Kind::Fn(clauses) | Kind::Clauses(clauses) => {
            for c in clauses {
                for a in &c.args {
                    visit_all(a, set);
                }
                if let Some(g) = &c.guard {
                    visit_all(g, set);
                }
                visit_all(&c.body, set);
            }
        }
        _ => {}
    });
}

/// Records an atom made at run time (`String.to_atom/1`).
pub fn note_runtime_atom(interp: &mut Interp, name: &str) {
    let known = interp.ext::<KnownAtoms>();
    if known.source.is_some() {
        known.runtime.insert(name.to_string());
    }
}

/// Whether `name` is an existing atom.
pub fn exists(interp: &mut Interp, name: &str) -> bool {
    let builtin = interp.builtins.knows_name(name.strip_prefix("Elixir.").unwrap_or(name));
    let known = interp.ext::<KnownAtoms>();
    let Some(source) = &known.source else { return true };
    builtin
        || source.contains(name)
        || known.runtime.contains(name)
        || COMMON.contains(&name)
        || name.strip_prefix("Elixir.").is_some_and(|m| source.contains(&format!("Elixir.{m}")))
}

/// `String.to_existing_atom/1` and the like: the atom, or the ArgumentError
/// Erlang raises for an atom that does not exist.
pub fn to_existing_atom(interp: &mut Interp, name: &str, span: Span) -> EResult<Value> {
    if exists(interp, name) {
        Ok(Value::atom(name))
    } else {
        Err(Error::raise(
            "ArgumentError",
            "errors were found at the given arguments:\n\n  * 1st argument: not an already existing atom\n",
            span,
        ))
    }
}
