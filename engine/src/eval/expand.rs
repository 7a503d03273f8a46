//! Errors Elixir's expansion reports before anything runs: a file holding
//! one of these does not compile at all. Code inside `quote` is not
//! expanded, so it is not checked.

use crate::syntax::{Kind, Node, StrPart};

use super::{EResult, Error};

/// The first compile-time error in `node`, as a `CompileError`.
pub fn check(node: &Node) -> EResult<()> {
    match &node.kind {
        Kind::Call { name, args, .. } if name == "quote" && !args.is_empty() => return Ok(()),
        Kind::Call { name, args, .. } if name == "with" => {
            if let Some(else_node) = args.last().and_then(|opts| opts.keyword_get("else")) {
                if !matches!(&else_node.kind, Kind::Clauses(c) if !c.is_empty()) {
                    return Err(Error::raise("CompileError", "expected -> clauses for :else in \"with\"", node.span));
                }
            }
        }
        _ => {}
    }
    match &node.kind {
        Kind::List(items) | Kind::Tuple(items) | Kind::Block(items) => each(items.iter()),
        Kind::ConsList(items, tail) => each(items.iter().chain([&**tail])),
        Kind::Map { update, entries } | Kind::Struct { update, entries, .. } => {
            each(update.iter().map(|u| &**u).chain(entries.iter().flat_map(|(k, v)| [k, v])))
        }
        Kind::Call { args, .. } => each(args.iter()),
        Kind::Dot { target, args, .. } => each([&**target].into_iter().chain(args)),
        Kind::AnonCall { fun, args } => each([&**fun].into_iter().chain(args)),
        Kind::Access { target, key } => each([&**target, &**key]),
        Kind::BinOp { lhs, rhs, .. } => each([&**lhs, &**rhs]),
        Kind::UnOp { operand, .. } | Kind::Capture(operand) => check(operand),
        Kind::Str(parts) | Kind::Charlist(parts) | Kind::Sigil { parts, .. } => each(parts.iter().filter_map(|p| match p {
            StrPart::Interp(x) => Some(x),
            StrPart::Lit(_) => None,
        })),
        Kind::Bitstring(segs) => each(segs.iter().flat_map(|(a, b)| [Some(a), b.as_ref()]).flatten()),
        Kind::Attr { value: Some(v), .. } => check(v),
        Kind::Fn(clauses) | Kind::Clauses(clauses) => {
            each(clauses.iter().flat_map(|c| c.args.iter().chain(c.guard.iter()).chain([&c.body])))
        }
        _ => Ok(()),
    }
}

fn each<'a>(nodes: impl IntoIterator<Item = &'a Node>) -> EResult<()> {
    nodes.into_iter().try_for_each(check)
}
