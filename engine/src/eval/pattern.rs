//! Pattern matching: binds variables in `env` when `value` matches `pat`.

use std::collections::HashMap;

use super::{EResult, Env, Error, Interp};
use crate::diag::Span;
use crate::syntax::ast::{Kind, Node, StrPart};
use crate::value::Value;

fn raise(kind: &str, msg: impl Into<String>, span: Span) -> Box<Error> {
    Error::raise(kind, msg, span)
}

/// Matches `value` against `pat`, binding variables into `env`. Variables
/// that occur twice must match equal values.
pub fn match_pattern(interp: &mut Interp, pat: &Node, value: &Value, env: &mut Env) -> EResult<bool> {
    let mut bound: HashMap<String, Value> = HashMap::new();
    if m(interp, pat, value, env, &mut bound)? {
        for (k, v) in bound {
            env.set(&k, v);
        }
        Ok(true)
    } else {
        Ok(false)
    }
}

fn m(interp: &mut Interp, pat: &Node, value: &Value, env: &mut Env, bound: &mut HashMap<String, Value>) -> EResult<bool> {
    interp.tick(pat.span)?;
    Ok(match &pat.kind {
        Kind::Var(name) => {
            if name.starts_with('_') {
                return Ok(true);
            }
            match bound.get(name) {
                Some(prev) => prev == value,
                None => {
                    bound.insert(name.clone(), value.clone());
                    true
                }
            }
        }
        Kind::UnOp { op, operand } if op == "^" => {
            let Kind::Var(name) = &operand.kind else {
                return Err(raise("CompileError", "the pin operator ^ expects a variable", pat.span));
            };
            let v = env.get(name).ok_or_else(|| raise("CompileError", format!("undefined variable ^{name}"), pat.span))?;
            v == value
        }
        Kind::Nil => matches!(value, Value::Nil),
        Kind::Bool(b) => matches!(value, Value::Bool(x) if x == b),
        Kind::Int(i) => matches!(value, Value::Int(x) if x == i),
        Kind::Float(f) => matches!(value, Value::Float(x) if x == f),
        Kind::Atom(a) => value.as_atom() == Some(a.as_str()),
        Kind::Alias(parts) => {
            let full = Value::module(&env.resolve_alias(parts));
            &full == value
        }
        Kind::Str(parts) => {
            let lit: Option<String> = parts.iter().map(|p| if let StrPart::Lit(s) = p { Some(s.as_str()) } else { None }).collect();
            match lit {
                Some(s) => value.as_str() == Some(s.as_str()),
                None => return Err(raise("CompileError", "interpolation is not allowed in patterns", pat.span)),
            }
        }
        Kind::Charlist(_) | Kind::Sigil { .. } => {
            let v = interp.eval(pat, &mut env.clone())?;
            &v == value
        }
        Kind::List(items) => match value {
            Value::List(vs) if vs.len() == items.len() => {
                for (p, v) in items.iter().zip(vs.iter()) {
                    if !m(interp, p, v, env, bound)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        },
        Kind::ConsList(items, tail) => {
            let (vs, rest): (Vec<Value>, Value) = match value {
                Value::List(vs) if vs.len() >= items.len() => (vs[..items.len()].to_vec(), Value::list(vs[items.len()..].to_vec())),
                Value::Improper(imp) if imp.0.len() >= items.len() => {
                    let rest = if imp.0.len() == items.len() {
                        imp.1.clone()
                    } else {
                        Value::Improper(std::rc::Rc::new((imp.0[items.len()..].to_vec(), imp.1.clone())))
                    };
                    (imp.0[..items.len()].to_vec(), rest)
                }
                _ => return Ok(false),
            };
            for (p, v) in items.iter().zip(vs.iter()) {
                if !m(interp, p, v, env, bound)? {
                    return Ok(false);
                }
            }
            m(interp, tail, &rest, env, bound)?
        }
        Kind::Tuple(items) => match value {
            Value::Tuple(vs) if vs.len() == items.len() => {
                for (p, v) in items.iter().zip(vs.iter()) {
                    if !m(interp, p, v, env, bound)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        },
        Kind::Map { update: None, entries } => {
            for (k, p) in entries {
                let key = interp.eval(k, &mut env.clone())?;
                let got = match value {
                    Value::Map(mp) => mp.get(&key).cloned(),
                    Value::Struct(s) => key.as_atom().and_then(|a| s.get(a).cloned()),
                    other => match (other.struct_fields(), key.as_atom()) {
                        (Some(fields), Some(a)) => fields.into_iter().find(|(k, _)| &**k == a).map(|(_, v)| v),
                        _ => match (other, key.as_atom()) {
                            (_, Some(a)) if other.struct_name().is_some() => super::stdlib::builtin_field(other, a),
                            _ => None,
                        },
                    },
                };
                match got {
                    Some(v) => {
                        if !m(interp, p, &v, env, bound)? {
                            return Ok(false);
                        }
                    }
                    None => return Ok(false),
                }
            }
            matches!(value, Value::Map(_)) || value.struct_name().is_some()
        }
        Kind::Struct { name, update: None, entries } => {
            let Some(sname) = value.struct_name() else { return Ok(false) };
            let full = Value::module(sname);
            match &name.kind {
                Kind::Var(v) if v.starts_with('_') => {}
                Kind::Var(v) if v == "__MODULE__" => {
                    if env.module.as_deref() != full.as_atom() {
                        return Ok(false);
                    }
                }
                Kind::Var(v) => {
                    bound.insert(v.clone(), full.clone());
                }
                _ => {
                    let want = interp.eval(name, &mut env.clone())?;
                    if want != full {
                        return Ok(false);
                    }
                }
            }
            let map_pat = Node::new(Kind::Map { update: None, entries: entries.clone() }, pat.span);
            m(interp, &map_pat, value, env, bound)?
        }
        Kind::BinOp { op, lhs, rhs } if op == "=" => m(interp, lhs, value, env, bound)? && m(interp, rhs, value, env, bound)?,
        Kind::BinOp { op, lhs, rhs } if op == "<>" => {
            let prefix = interp.eval(lhs, &mut env.clone())?;
            match (prefix.as_bytes(), value.as_bytes()) {
                (Some(p), Some(v)) if v.starts_with(p) => m(interp, rhs, &Value::binary(&v[p.len()..]), env, bound)?,
                _ => false,
            }
        }
        Kind::Bitstring(segs) if segs.is_empty() => value.as_bytes().is_some_and(|b| b.is_empty()),
        Kind::Block(items) if items.is_empty() => false,
        Kind::Call { name, .. } if name == "\u{0}const" => {
            let v = interp.eval(pat, &mut env.clone())?;
            &v == value
        }
        Kind::UnOp { op, operand } if op == "-" => {
            let v = interp.eval(&Node::new(Kind::UnOp { op: op.clone(), operand: operand.clone() }, pat.span), &mut env.clone())?;
            &v == value
        }
        _ => return Err(raise("CompileError", "invalid pattern in match", pat.span)),
    })
}

/// Checks function heads at definition time (nothing to check yet beyond
/// what matching reports; kept as the hook for "unused"/"invalid" patterns).
pub fn bind_vars_check(_pats: &[Node]) -> EResult<()> {
    Ok(())
}
