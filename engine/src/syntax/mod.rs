//! The Elixir-subset front end: a lexer and a parser that never fail.

pub mod ast;
pub mod lexer;
pub mod parser;

use crate::diag::Diagnostic;
pub use ast::{Clause, Kind, Node, StrPart};

/// The result of parsing: always a tree (a `Block` of top-level
/// expressions), plus the syntax errors found on the way.
#[derive(Debug)]
pub struct Parsed {
    pub root: Node,
    pub errors: Vec<Diagnostic>,
}

/// Parses a whole source file.
pub fn parse(source: &str) -> Parsed {
    parser::parse(source)
}
