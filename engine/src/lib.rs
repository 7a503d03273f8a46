//! ectoplasm's engine: Ecto's semantics in pure Rust, with no I/O.
//!
//! ```text
//! source ─syntax─▶ AST + diagnostics ─eval─▶ values ─query::plan─▶ dialect printer ─▶ SQL + params ─Executor─▶ rows
//! ```
//! See ARCHITECTURE.md for the map.

pub mod changeset;
pub mod diag;
pub mod eval;
pub mod executor;
pub mod migration;
pub mod playground;
pub mod query;
pub mod repo;
pub mod schema;
pub mod syntax;
pub mod types;
pub mod value;

pub use diag::{Diagnostic, Span};
pub use value::Value;
