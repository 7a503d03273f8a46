//! Evaluation of expressions.
use super::{EResult, Env, Error, Interp};
use crate::syntax::ast::Node;
use crate::value::Value;

impl Interp {
    pub fn eval(&mut self, node: &Node, _env: &mut Env) -> EResult<Value> {
        Err(Error::raise("RuntimeError", "not yet", node.span))
    }
}
