//! The error-tolerant parser.
use super::Parsed;
use crate::diag::Span;
use crate::syntax::ast::{Kind, Node};

pub fn parse(_source: &str) -> Parsed {
    Parsed { root: Node::new(Kind::Block(vec![]), Span::NONE), errors: vec![] }
}
