//! Pattern matching: binds variables in `env` when `value` matches `pat`.

use super::{EResult, Env, Error, Interp};
use crate::diag::Span;
use crate::syntax::ast::{Kind, Node, StrPart};
use crate::value::{Bits, Value};

fn raise(kind: &str, msg: impl Into<String>, span: Span) -> Box<Error> {
    Error::raise(kind, msg, span)
}

/// Matches `value` against `pat`, binding variables into `env`. Variables
/// that occur twice must match equal values.
/// The variables a pattern binds, in the order met (few: a list beats a map).
type Bound = Vec<(std::rc::Rc<str>, Value)>;

pub fn match_pattern(interp: &mut Interp, pat: &Node, value: &Value, env: &mut Env) -> EResult<bool> {
    let mut bound = Bound::new();
    if m(interp, pat, value, env, &mut bound)? {
        for (k, v) in bound {
            env.vars.insert(k, v);
        }
        Ok(true)
    } else {
        Ok(false)
    }
}

fn m(interp: &mut Interp, pat: &Node, value: &Value, env: &mut Env, bound: &mut Bound) -> EResult<bool> {
    interp.tick(pat.span)?;
    Ok(match &pat.kind {
        Kind::Var(name) => {
            if name.starts_with('_') {
                return Ok(true);
            }
            match bound.iter().find(|(k, _)| **k == **name) {
                Some((_, prev)) => prev == value,
                None => {
                    bound.push((super::intern(name), value.clone()));
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
                for (p, v) in items.iter().zip(&vs.to_vec()) {
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
                // O(items): the rest shares the list (no copy of the tail).
                Value::List(vs) => match vs.split_front(items.len()) {
                    Some((heads, rest)) => (heads, Value::List(rest)),
                    None => return Ok(false),
                },
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
                // A key is a literal or a pinned variable (`%{^key => v}`).
                let key = match &k.kind {
                    Kind::UnOp { op, operand } if op == "^" => match &operand.kind {
                        Kind::Var(name) => {
                            env.get(name).cloned().ok_or_else(|| raise("CompileError", format!("undefined variable ^{name}"), k.span))?
                        }
                        _ => return Err(raise("CompileError", "the pin operator ^ expects a variable", k.span)),
                    },
                    _ => interp.eval(k, &mut env.clone())?,
                };
                let got = match value {
                    Value::Map(mp) => mp.get(&key).cloned(),
                    Value::Struct(s) if key.as_atom() == Some("__struct__") => Some(Value::Atom(s.module.clone())),
                    Value::Struct(s) => key.as_atom().and_then(|a| s.get(a).cloned()),
                    other if key.as_atom() == Some("__struct__") => other.struct_name().map(Value::module),
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
                    bound.push((super::intern(v), full.clone()));
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
        // `first..last` and `first..last//step` match ranges field by field.
        Kind::BinOp { op, lhs, rhs } if op == ".." => match value {
            Value::Range(a, b, _) => m(interp, lhs, &Value::Int(*a), env, bound)? && m(interp, rhs, &Value::Int(*b), env, bound)?,
            _ => false,
        },
        Kind::Call { name, args, .. } if name == "..//" && args.len() == 3 => match value {
            Value::Range(a, b, st) => {
                m(interp, &args[0], &Value::Int(*a), env, bound)?
                    && m(interp, &args[1], &Value::Int(*b), env, bound)?
                    && m(interp, &args[2], &Value::Int(*st), env, bound)?
            }
            _ => false,
        },
        Kind::BinOp { op, lhs, rhs } if op == "=" => m(interp, lhs, value, env, bound)? && m(interp, rhs, value, env, bound)?,
        Kind::BinOp { op, lhs, rhs } if op == "<>" => {
            let prefix = interp.eval(lhs, &mut env.clone())?;
            match (prefix.as_bytes(), value.as_bytes()) {
                (Some(p), Some(v)) if v.starts_with(p) => m(interp, rhs, &Value::binary(&v[p.len()..]), env, bound)?,
                _ => false,
            }
        }
        Kind::Bitstring(segs) => match value.as_bits() {
            Some((data, len)) => match_bitstring(interp, segs, data, len, env, bound)?,
            None => false,
        },
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

/// The type of a bitstring segment (`x::binary-size(4)`, `n::16-little`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum SegKind {
    Integer,
    Float,
    Binary,
    Utf8,
    Utf16,
    Utf32,
}

#[derive(Clone, Debug)]
pub(crate) struct BitSpec {
    pub kind: SegKind,
    /// The `size(...)` expression (or a bare integer size).
    pub size: Option<Node>,
    pub unit: Option<i64>,
    pub little: bool,
    pub signed: bool,
    /// `bitstring`/`bits` (unit 1) rather than `binary`/`bytes` (unit 8).
    pub bits: bool,
}

/// Parses the `::` type of a segment.
pub(crate) fn bit_spec(ty: Option<&Node>) -> BitSpec {
    let mut spec = BitSpec { kind: SegKind::Integer, size: None, unit: None, little: false, signed: false, bits: false };
    fn walk(n: &Node, spec: &mut BitSpec) {
        match &n.kind {
            Kind::BinOp { op, lhs, rhs } if op == "-" || op == "*" => {
                if op == "*" {
                    // size * unit shorthand (`_::8*4`)
                    spec.size = Some((**lhs).clone());
                    if let Kind::Int(u) = rhs.kind {
                        spec.unit = Some(u);
                    }
                    return;
                }
                walk(lhs, spec);
                walk(rhs, spec);
            }
            Kind::Int(_) => spec.size = Some(n.clone()),
            Kind::Call { name, args, .. } if name == "size" && args.len() == 1 => spec.size = Some(args[0].clone()),
            Kind::Call { name, args, .. } if name == "unit" && args.len() == 1 => {
                if let Kind::Int(u) = args[0].kind {
                    spec.unit = Some(u);
                }
            }
            Kind::Var(name) | Kind::Call { name, .. } => match name.as_str() {
                "integer" => spec.kind = SegKind::Integer,
                "float" => spec.kind = SegKind::Float,
                "binary" | "bytes" => spec.kind = SegKind::Binary,
                "bitstring" | "bits" => {
                    spec.kind = SegKind::Binary;
                    spec.bits = true;
                }
                "utf8" => spec.kind = SegKind::Utf8,
                "utf16" => spec.kind = SegKind::Utf16,
                "utf32" => spec.kind = SegKind::Utf32,
                "little" => spec.little = true,
                "big" => spec.little = false,
                "signed" => spec.signed = true,
                "unsigned" => spec.signed = false,
                _ => {}
            },
            _ => {}
        }
    }
    if let Some(t) = ty {
        walk(t, &mut spec);
    }
    spec
}

impl BitSpec {
    /// The unit in bits of one `size` step.
    pub fn unit_bits(&self) -> i64 {
        self.unit.unwrap_or(if self.kind == SegKind::Binary && !self.bits { 8 } else { 1 })
    }
}

/// Encodes an integer into `bits` bits (a multiple of 8).
pub(crate) fn int_bytes(v: i64, bits: i64, little: bool) -> Option<Vec<u8>> {
    if bits % 8 != 0 || !(0..=64).contains(&bits) {
        return None;
    }
    let n = (bits / 8) as usize;
    let be = v.to_be_bytes();
    let mut out: Vec<u8> = be[8 - n..].to_vec();
    if little {
        out.reverse();
    }
    Some(out)
}

fn match_bitstring(
    interp: &mut Interp,
    segs: &[(Node, Option<Node>)],
    data: &[u8],
    len: usize,
    env: &mut Env,
    bound: &mut Bound,
) -> EResult<bool> {
    Ok(match_segments(interp, segs, data, len, 0, env, bound)? == Some(len))
}

/// Matches `<<segs>>` against the bits `from..len` of `data` (each
/// segment a prefix of what is left) and binds into `env`; the bit offset
/// where the segments end, or None. Bitstring generators (`for <<x::4 <- bin>>`)
/// match it again and again from where the last match ended.
pub(crate) fn match_prefix(
    interp: &mut Interp,
    segs: &[(Node, Option<Node>)],
    data: &[u8],
    len: usize,
    from: usize,
    env: &mut Env,
) -> EResult<Option<usize>> {
    let mut bound = Bound::new();
    let end = match_segments(interp, segs, data, len, from, env, &mut bound)?;
    if end.is_some() {
        for (k, v) in bound {
            env.vars.insert(k, v);
        }
    }
    Ok(end)
}

fn match_segments(
    interp: &mut Interp,
    segs: &[(Node, Option<Node>)],
    data: &[u8],
    len: usize,
    from: usize,
    env: &mut Env,
    bound: &mut Bound,
) -> EResult<Option<usize>> {
    let mut pos = from;
    for (i, (seg, ty)) in segs.iter().enumerate() {
        let spec = bit_spec(ty.as_ref());
        let last = i + 1 == segs.len();
        // The size, which may refer to variables bound by earlier segments.
        let size_bits = match &spec.size {
            Some(n) => {
                let mut scope = env.clone();
                for (k, v) in bound.iter() {
                    scope.vars.insert(k.clone(), v.clone());
                }
                match interp.eval(n, &mut scope)? {
                    Value::Int(k) if k >= 0 => Some((k * spec.unit_bits()) as usize),
                    _ => return Ok(None),
                }
            }
            None => None,
        };
        let left = len - pos;
        let (value, used) = match spec.kind {
            SegKind::Integer => {
                // A literal string in a segment matches its bytes.
                if ty.is_none() {
                    if let Kind::Str(_) = seg.kind {
                        let lit = interp.eval(seg, &mut env.clone())?;
                        let lb = lit.as_bytes().unwrap_or_default();
                        let n = lb.len() * 8;
                        if left < n || (0..lb.len()).any(|k| Bits::read(data, pos + 8 * k, 8) as u8 != lb[k]) {
                            return Ok(None);
                        }
                        pos += n;
                        continue;
                    }
                }
                let bits = size_bits.unwrap_or(8);
                if bits > 64 || (spec.little && bits % 8 != 0) {
                    return Err(raise(
                        "CompileError",
                        "integer segments of more than 64 bits (or little-endian ones of part of a byte) are not supported",
                        seg.span,
                    ));
                }
                if left < bits {
                    return Ok(None);
                }
                let v = if spec.little {
                    (0..bits / 8).fold(0u64, |v, k| v | (Bits::read(data, pos + 8 * k, 8) << (8 * k)))
                } else {
                    Bits::read(data, pos, bits)
                };
                let v =
                    if spec.signed && bits > 0 && bits < 64 && (v >> (bits - 1)) & 1 == 1 { v as i64 - (1i64 << bits) } else { v as i64 };
                (Value::Int(v), bits)
            }
            SegKind::Float => {
                let bits = size_bits.unwrap_or(64);
                if left < bits || !(bits == 32 || bits == 64) {
                    return Ok(None);
                }
                let mut chunk: Vec<u8> = (0..bits / 8).map(|k| Bits::read(data, pos + 8 * k, 8) as u8).collect();
                if spec.little {
                    chunk.reverse();
                }
                let f = if bits == 64 {
                    f64::from_be_bytes(chunk.try_into().unwrap_or([0; 8]))
                } else {
                    f32::from_be_bytes(chunk.try_into().unwrap_or([0; 4])) as f64
                };
                (Value::Float(f), bits)
            }
            SegKind::Binary => match size_bits {
                Some(bits) => {
                    if left < bits {
                        return Ok(None);
                    }
                    (Bits::slice(data, pos, bits), bits)
                }
                // `binary` takes whole bytes only; `bitstring` any rest.
                None if last => {
                    if !spec.bits && !left.is_multiple_of(8) {
                        return Ok(None);
                    }
                    (Bits::slice(data, pos, left), left)
                }
                None => {
                    return Err(raise(
                        "CompileError",
                        "a binary field without size is only allowed at the end of a binary pattern",
                        seg.span,
                    ))
                }
            },
            SegKind::Utf8 => {
                let byte = |k: usize| if left >= 8 * (k + 1) { Some(Bits::read(data, pos + 8 * k, 8) as u8) } else { None };
                let Some(b0) = byte(0) else { return Ok(None) };
                let n = match b0 {
                    0x00..=0x7f => 1,
                    0xc0..=0xdf => 2,
                    0xe0..=0xef => 3,
                    0xf0..=0xf7 => 4,
                    _ => return Ok(None),
                };
                let Some(chunk) = (0..n).map(byte).collect::<Option<Vec<u8>>>() else { return Ok(None) };
                match std::str::from_utf8(&chunk).ok().and_then(|t| t.chars().next()) {
                    Some(c) => (Value::Int(c as i64), 8 * n),
                    None => return Ok(None),
                }
            }
            SegKind::Utf16 | SegKind::Utf32 => {
                let bits = if spec.kind == SegKind::Utf16 { 16 } else { 32 };
                if left < bits {
                    return Ok(None);
                }
                (Value::Int(Bits::read(data, pos, bits) as i64), bits)
            }
        };
        if !m(interp, seg, &value, env, bound)? {
            return Ok(None);
        }
        pos += used;
    }
    Ok(Some(pos))
}
