//! Pattern matching.
use super::{EResult, Env, Interp};
use crate::syntax::ast::Node;
use crate::value::Value;

pub fn match_pattern(_interp: &mut Interp, _pat: &Node, _value: &Value, _env: &mut Env) -> EResult<bool> {
    Ok(false)
}
