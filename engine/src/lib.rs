//! ectoplasm's engine: Ecto's semantics in pure Rust, with no I/O.
//!
//! ```text
//! source ─syntax─▶ AST + diagnostics ─eval─▶ values ─query::plan─▶ dialect printer ─▶ SQL + params ─Executor─▶ rows
//! ```
//! See ARCHITECTURE.md for the map.

pub mod changeset;
pub mod diag;
pub mod erd;
pub mod eval;
pub mod executor;
pub mod from_sql;
pub mod insight;
pub mod lesson;
pub mod markdown;
pub mod migration;
pub mod pg;
pub mod playground;
pub mod query;
pub mod repo;
pub mod repo_file;
pub mod schema;
pub mod sort;
pub mod syntax;
pub mod types;
pub mod value;

pub use diag::{Diagnostic, Span};

/// An interpreter with Elixir's standard library and Ecto's modules
/// (schemas, queries, types, changesets, migrations, Repo), assembled here
/// so that the evaluator knows nothing of Ecto.
pub fn interp() -> eval::Interp {
    let mut b = eval::Builtins::default();
    eval::stdlib::register(&mut b);
    schema::register(&mut b);
    query::register(&mut b);
    types::register::register(&mut b);
    changeset::register(&mut b);
    migration::register(&mut b);
    repo::register(&mut b);
    eval::Interp::with_builtins(b)
}
pub use value::Value;
