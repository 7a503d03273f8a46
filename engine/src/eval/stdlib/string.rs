//! String (by graphemes), Integer, Float and Atom.

use unicode_segmentation::UnicodeSegmentation;

use super::raise;
use crate::diag::Span;
use crate::eval::core::to_string;
use crate::eval::{args, Builtins, EResult, Interp};
use crate::value::{inspect, Value};

type F = fn(&mut Interp, Vec<Value>, Span) -> EResult<Value>;

pub fn register(b: &mut Builtins) {
    let string_fns: &[(&'static str, &[usize], F)] = &[
        ("upcase", &[1, 2], |_, a, s| {
            let up = |t: &str| if ascii_mode(&a) { t.to_ascii_uppercase() } else { t.to_uppercase() };
            if let Value::Bytes(b) = &a[0] {
                return Ok(map_valid_utf8(b, up));
            }
            Ok(Value::string(up(st("String.upcase/1", &a[0], s)?)))
        }),
        ("downcase", &[1, 2], |_, a, s| {
            let down = |t: &str| if ascii_mode(&a) { t.to_ascii_lowercase() } else { downcase(t) };
            if let Value::Bytes(b) = &a[0] {
                return Ok(map_valid_utf8(b, down));
            }
            Ok(Value::string(down(st("String.downcase/1", &a[0], s)?)))
        }),
        ("capitalize", &[1, 2], capitalize),
        ("trim", &[1, 2], |_, a, s| trim(a, s, true, true)),
        ("trim_leading", &[1, 2], |_, a, s| trim(a, s, true, false)),
        ("trim_trailing", &[1, 2], |_, a, s| trim(a, s, false, true)),
        ("length", &[1], |_, a, s| Ok(Value::Int(st("String.length/1", &a[0], s)?.graphemes(true).count() as i64))),
        ("graphemes", &[1], |_, a, s| Ok(Value::list(st("String.graphemes/1", &a[0], s)?.graphemes(true).map(Value::str).collect()))),
        ("codepoints", &[1], |_, a, s| {
            Ok(Value::list(st("String.codepoints/1", &a[0], s)?.chars().map(|c| Value::string(c.to_string())).collect()))
        }),
        ("split", &[1, 2, 3], split),
        ("split_at", &[2], split_at),
        ("replace", &[3, 4], replace),
        ("replace_leading", &[3], replace_leading),
        ("replace_trailing", &[3], replace_trailing),
        ("replace_prefix", &[3], |_, a, s| {
            let t = st("String.replace_prefix/3", &a[0], s)?;
            let p = st("String.replace_prefix/3", &a[1], s)?;
            let r = st("String.replace_prefix/3", &a[2], s)?;
            Ok(match t.strip_prefix(p) {
                Some(rest) => Value::string(format!("{r}{rest}")),
                None => a[0].clone(),
            })
        }),
        ("replace_suffix", &[3], |_, a, s| {
            let t = st("String.replace_suffix/3", &a[0], s)?;
            let p = st("String.replace_suffix/3", &a[1], s)?;
            let r = st("String.replace_suffix/3", &a[2], s)?;
            Ok(match t.strip_suffix(p) {
                Some(rest) => Value::string(format!("{rest}{r}")),
                None => a[0].clone(),
            })
        }),
        ("contains?", &[2], contains),
        ("starts_with?", &[2], |_, a, s| {
            let t = bin("String.starts_with?/2", &a[0], s)?;
            Ok(Value::Bool(patterns("String.starts_with?/2", &a[1], s)?.iter().any(|p| t.starts_with(p))))
        }),
        ("ends_with?", &[2], |_, a, s| {
            let t = bin("String.ends_with?/2", &a[0], s)?;
            Ok(Value::Bool(patterns("String.ends_with?/2", &a[1], s)?.iter().any(|p| t.ends_with(p))))
        }),
        ("match?", &[2], |_, a, s| {
            st("String.match?/2", &a[0], s)?;
            Ok(Value::Bool(super::regex::is_match(&a[1], &a[0], "String.match?/2", s)?))
        }),
        ("slice", &[2, 3], slice),
        ("byte_slice", &[3], byte_slice),
        ("at", &[2], |_, a, s| {
            let g: Vec<&str> = st("String.at/2", &a[0], s)?.graphemes(true).collect();
            let i = args::int("String.at/2", &a[1], s)?;
            let i = if i < 0 { g.len() as i64 + i } else { i };
            Ok(if i >= 0 && (i as usize) < g.len() { Value::str(g[i as usize]) } else { Value::Nil })
        }),
        ("first", &[1], |_, a, s| Ok(st("String.first/1", &a[0], s)?.graphemes(true).next().map(Value::str).unwrap_or(Value::Nil))),
        ("last", &[1], |_, a, s| Ok(st("String.last/1", &a[0], s)?.graphemes(true).next_back().map(Value::str).unwrap_or(Value::Nil))),
        ("reverse", &[1], |_, a, s| Ok(Value::string(st("String.reverse/1", &a[0], s)?.graphemes(true).rev().collect()))),
        ("duplicate", &[2], |_, a, s| {
            // `when is_integer(n) and n >= 0`
            if !matches!(a[1], Value::Int(n) if n >= 0) {
                return Err(raise("FunctionClauseError", "no function clause matching in String.duplicate/2", s));
            }
            let t = bin("String.duplicate/2", &a[0], s)?;
            let n = args::copies("String.duplicate/2", &a[1], t.len(), "a non-negative count", s)?;
            Ok(Value::binary(&t.repeat(n)))
        }),
        ("pad_leading", &[2, 3], |_, a, s| pad(a, s, true)),
        ("pad_trailing", &[2, 3], |_, a, s| pad(a, s, false)),
        ("to_integer", &[1, 2], to_integer),
        ("to_float", &[1], |_, a, s| {
            let t = st("String.to_float/1", &a[0], s)?;
            parse_float_strict(t).map(Value::Float).ok_or_else(|| {
                raise(
                    "ArgumentError",
                    "errors were found at the given arguments:\n\n  * 1st argument: not a textual representation of a float\n",
                    s,
                )
            })
        }),
        // `:erlang.binary_to_atom/2` without a guard: a non-binary is its ArgumentError
        ("to_atom", &[1], |i, a, s| {
            let Value::Str(name) = &a[0] else {
                return Err(args::badarg("1st", "not a binary", s));
            };
            crate::eval::atoms::note_runtime_atom(i, name);
            Ok(Value::atom(name))
        }),
        ("to_existing_atom", &[1], |i, a, s| crate::eval::atoms::to_existing_atom(i, st("String.to_existing_atom/1", &a[0], s)?, s)),
        ("to_charlist", &[1], |_, a, s| Ok(charlist(st("String.to_charlist/1", &a[0], s)?))),
        ("valid?", &[1, 2], |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Str(_))))),
        ("printable?", &[1, 2], |_, a, _| {
            Ok(Value::Bool(match &a[0] {
                Value::Str(t) => inspect::printable(t),
                _ => false,
            }))
        }),
        ("next_grapheme", &[1], |_, a, s| {
            let t = st("String.next_grapheme/1", &a[0], s)?;
            Ok(match t.graphemes(true).next() {
                Some(g) => Value::tuple(vec![Value::str(g), Value::str(&t[g.len()..])]),
                None => Value::Nil,
            })
        }),
        ("next_codepoint", &[1], |_, a, s| {
            let t = st("String.next_codepoint/1", &a[0], s)?;
            Ok(match t.chars().next() {
                Some(c) => Value::tuple(vec![Value::string(c.to_string()), Value::str(&t[c.len_utf8()..])]),
                None => Value::Nil,
            })
        }),
        ("jaro_distance", &[2], |_, a, s| {
            let x = st("String.jaro_distance/2", &a[0], s)?;
            let y = st("String.jaro_distance/2", &a[1], s)?;
            Ok(Value::Float(jaro(x, y)))
        }),
        ("myers_difference", &[2], |i, a, s| {
            let x: Vec<Value> = st("String.myers_difference/2", &a[0], s)?.graphemes(true).map(Value::str).collect();
            let y: Vec<Value> = st("String.myers_difference/2", &a[1], s)?.graphemes(true).map(Value::str).collect();
            let r = i.call("List", "myers_difference", vec![Value::list(x), Value::list(y)], s)?;
            let items = r
                .as_list()
                .unwrap_or_default()
                .iter()
                .map(|t| match t.as_tuple() {
                    Some([op, l]) => Value::tuple(vec![
                        op.clone(),
                        Value::string(l.as_list().unwrap_or_default().iter().filter_map(|g| g.as_str()).collect()),
                    ]),
                    _ => t.clone(),
                })
                .collect();
            Ok(Value::list(items))
        }),
        ("equivalent?", &[2], |_, a, s| Ok(Value::Bool(st("String.equivalent?/2", &a[0], s)? == st("String.equivalent?/2", &a[1], s)?))),
        ("normalize", &[2], |_, a, s| Ok(Value::str(st("String.normalize/2", &a[0], s)?))),
        ("chunk", &[2], |_, a, s| {
            let t = st("String.chunk/2", &a[0], s)?;
            let valid = a[1].as_atom() == Some("valid");
            let mut out: Vec<Value> = Vec::new();
            let mut cur = String::new();
            let mut last: Option<bool> = None;
            for c in t.chars() {
                let k = if valid { true } else { inspect::printable(&c.to_string()) };
                if last.is_some_and(|l| l != k) {
                    out.push(Value::string(std::mem::take(&mut cur)));
                }
                cur.push(c);
                last = Some(k);
            }
            if !cur.is_empty() {
                out.push(Value::string(cur));
            }
            Ok(Value::list(out))
        }),
    ];
    for (name, ar, f) in string_fns {
        b.add("String", name, ar, *f);
    }
    let int_fns: &[(&'static str, &[usize], F)] = &[
        ("to_string", &[1, 2], |_, a, s| {
            if let Value::BigInt(b) = &a[0] {
                return Ok(Value::string(b.to_string_radix(base_arg("Integer.to_string/2", a.get(1), s)?)));
            }
            let n = args::int("Integer.to_string/2", &a[0], s)?;
            let base = base_arg("Integer.to_string/2", a.get(1), s)?;
            Ok(Value::string(int_to_base(n, base)))
        }),
        ("to_charlist", &[1, 2], |_, a, s| {
            let n = args::int("Integer.to_charlist/2", &a[0], s)?;
            let base = base_arg("Integer.to_charlist/2", a.get(1), s)?;
            Ok(charlist(&int_to_base(n, base)))
        }),
        ("parse", &[1, 2], |_, a, s| {
            let t = bin("Integer.parse/2", &a[0], s)?;
            let base = base_arg("Integer.parse/2", a.get(1), s)?;
            Ok(match parse_int_prefix(t, base) {
                Some((n, used)) => Value::tuple(vec![Value::Int(n), Value::binary(&t[used..])]),
                // Digits beyond i64: a big integer.
                None => match big_int_prefix(t, base) {
                    Some((n, used)) => Value::tuple(vec![n, Value::binary(&t[used..])]),
                    None => Value::atom("error"),
                },
            })
        }),
        ("digits", &[1, 2], |_, a, s| {
            let n = args::int("Integer.digits/2", &a[0], s)?;
            let base = match a.get(1) {
                Some(b) => args::int("Integer.digits/2", b, s)?,
                None => 10,
            };
            if base < 2 {
                return Err(args::arg_error("Integer.digits/2", "a base of at least 2", a.get(1).unwrap_or(&Value::Nil), s));
            }
            let mut out = Vec::new();
            let mut m = n;
            if m == 0 {
                out.push(Value::Int(0));
            }
            while m != 0 {
                out.push(Value::Int(m % base));
                m /= base;
            }
            out.reverse();
            Ok(Value::list(out))
        }),
        ("undigits", &[1, 2], |_, a, s| {
            let l = args::list("Integer.undigits/2", &a[0], s)?;
            let base = match a.get(1) {
                Some(b) => args::int("Integer.undigits/2", b, s)?,
                None => 10,
            };
            let mut n: i64 = 0;
            for d in l {
                let d = args::int("Integer.undigits/2", d, s)?;
                n = n.checked_mul(base).and_then(|n| n.checked_add(d)).ok_or_else(|| raise("ArithmeticError", "integer overflow", s))?;
            }
            Ok(Value::Int(n))
        }),
        ("pow", &[2], |_, a, s| {
            let x = args::int("Integer.pow/2", &a[0], s)?;
            let y = args::int("Integer.pow/2", &a[1], s)?;
            if y < 0 {
                return Err(raise("ArithmeticError", "bad argument in arithmetic expression", s));
            }
            match x.checked_pow(y.min(u32::MAX as i64) as u32) {
                Some(v) => Ok(Value::Int(v)),
                None => crate::eval::core::big_pow(&Value::Int(x), y, s),
            }
        }),
        ("mod", &[2], |_, a, s| {
            let x = args::int("Integer.mod/2", &a[0], s)?;
            let y = args::int("Integer.mod/2", &a[1], s)?;
            if y == 0 {
                return Err(raise("ArithmeticError", "bad argument in arithmetic expression", s));
            }
            let r = x.wrapping_rem(y);
            Ok(Value::Int(if r != 0 && (r < 0) != (y < 0) { r + y } else { r }))
        }),
        ("floor_div", &[2], |_, a, s| {
            let x = args::int("Integer.floor_div/2", &a[0], s)?;
            let y = args::int("Integer.floor_div/2", &a[1], s)?;
            if y == 0 {
                return Err(raise("ArithmeticError", "bad argument in arithmetic expression", s));
            }
            // In i128: the one quotient beyond i64 (its minimum by -1) is a big integer.
            let (x, y) = (x as i128, y as i128);
            let q = x / y;
            let q = if (x % y != 0) && ((x < 0) != (y < 0)) { q - 1 } else { q };
            Ok(Value::from_bigint(crate::value::bigint::BigInt::from_i128(q)))
        }),
        ("gcd", &[2], |_, a, s| {
            let mut x = args::int("Integer.gcd/2", &a[0], s)?.unsigned_abs();
            let mut y = args::int("Integer.gcd/2", &a[1], s)?.unsigned_abs();
            while y != 0 {
                let t = x % y;
                x = y;
                y = t;
            }
            Ok(Value::from_bigint(crate::value::bigint::BigInt::from_i128(x as i128)))
        }),
    ];
    for (name, ar, f) in int_fns {
        b.add("Integer", name, ar, *f);
    }
    let float_fns: &[(&'static str, &[usize], F)] = &[
        ("round", &[1, 2], |_, a, s| float_round(a, s, Rounding::HalfUp)),
        ("ceil", &[1, 2], |_, a, s| float_round(a, s, Rounding::Ceil)),
        ("floor", &[1, 2], |_, a, s| float_round(a, s, Rounding::Floor)),
        ("to_string", &[1, 2], |_, a, s| Ok(Value::string(inspect::float(float_arg("Float.to_string/1", &a[0], s)?)))),
        ("to_charlist", &[1], |_, a, s| Ok(charlist(&inspect::float(float_arg("Float.to_charlist/1", &a[0], s)?)))),
        ("parse", &[1], |_, a, s| {
            let t = bin("Float.parse/1", &a[0], s)?;
            Ok(match parse_float_prefix(t) {
                Some((f, used)) => Value::tuple(vec![Value::Float(f), Value::binary(&t[used..])]),
                None => Value::atom("error"),
            })
        }),
        ("pow", &[2], |_, a, s| {
            let x = float_arg("Float.pow/2", &a[0], s)?;
            let y = match &a[1] {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                other => return Err(args::arg_error("Float.pow/2", "a number", other, s)),
            };
            let r = x.powf(y);
            if !r.is_finite() {
                return Err(raise("ArithmeticError", "bad argument in arithmetic expression", s));
            }
            Ok(Value::Float(r))
        }),
        ("max_finite", &[0], |_, _, _| Ok(Value::Float(f64::MAX))),
        ("min_finite", &[0], |_, _, _| Ok(Value::Float(f64::MIN))),
        ("ratio", &[1], |_, a, s| {
            let f = float_arg("Float.ratio/1", &a[0], s)?;
            let (mut num, mut den) = (f, 1i64);
            while num.fract() != 0.0 && den < (1i64 << 62) {
                num *= 2.0;
                den *= 2;
            }
            Ok(Value::tuple(vec![Value::Int(num as i64), Value::Int(den)]))
        }),
    ];
    for (name, ar, f) in float_fns {
        b.add("Float", name, ar, *f);
    }
    b.add("Atom", "to_string", &[1], |_, a, s| match a[0].as_atom() {
        Some(at) => Ok(Value::str(at)),
        // `:erlang.atom_to_binary/1`
        None => Err(args::badarg("1st", "not an atom", s)),
    });
    b.add("Atom", "to_charlist", &[1], |_, a, s| Ok(charlist(args::atom("Atom.to_charlist/1", &a[0], s)?)));
    b.add("Kernel", "to_charlist", &[1], |_, a, s| match &a[0] {
        Value::List(_) => Ok(a[0].clone()),
        other => Ok(charlist(&to_string(other, s)?)),
    });
    // `Integer.is_even/1` and `is_odd/1` are guard macros: callable once
    // `Integer` is required (or imported); otherwise the call is to a
    // function that does not exist.
    b.add_macro("Integer", "is_even", &[1], |i, a, env, s| integer_parity(i, a, env, s, "is_even", 0));
    b.add_macro("Integer", "is_odd", &[1], |i, a, env, s| integer_parity(i, a, env, s, "is_odd", 1));
    b.add("String.Chars", "to_string", &[1], |i, a, s| Ok(Value::string(i.to_string_value(&a[0], s)?)));
}

// ---- helpers ------------------------------------------------------------------------------

fn st<'a>(fun: &str, v: &'a Value, s: Span) -> EResult<&'a str> {
    match v {
        Value::Str(t) => Ok(t),
        _ => Err(raise("FunctionClauseError", format!("no function clause matching in {fun}"), s)),
    }
}

fn bin<'a>(fun: &str, v: &'a Value, s: Span) -> EResult<&'a [u8]> {
    v.as_bytes().ok_or_else(|| raise("FunctionClauseError", format!("no function clause matching in {fun}"), s))
}

fn charlist(t: &str) -> Value {
    Value::list(t.chars().map(|c| Value::Int(c as i64)).collect())
}

/// A string pattern or a list of them.
fn patterns(fun: &str, v: &Value, s: Span) -> EResult<Vec<Vec<u8>>> {
    match v {
        Value::Str(_) | Value::Bytes(_) => Ok(vec![v.as_bytes().unwrap_or_default().to_vec()]),
        Value::List(items) => items.iter().map(|p| bin(fun, p, s).map(|b| b.to_vec())).collect(),
        other => Err(args::arg_error(fun, "a string or a list of strings", other, s)),
    }
}

fn find_bytes(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return (from <= hay.len()).then_some(from);
    }
    if hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

/// The earliest (then longest) match of any pattern at or after `from`.
fn find_any(hay: &[u8], pats: &[Vec<u8>], from: usize) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for p in pats {
        if p.is_empty() {
            continue;
        }
        if let Some(i) = find_bytes(hay, p, from) {
            best = match best {
                Some((bi, bl)) if bi < i || (bi == i && bl >= p.len()) => Some((bi, bl)),
                _ => Some((i, p.len())),
            };
        }
    }
    best
}

// ---- String -------------------------------------------------------------------------------

/// The `:ascii` mode of upcase/downcase/capitalize touches ASCII letters only.
fn ascii_mode(a: &[Value]) -> bool {
    a.get(1).and_then(Value::as_atom) == Some("ascii")
}

fn capitalize(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let t = st("String.capitalize/1", &a[0], s)?;
    if ascii_mode(&a) {
        let mut cs = t.chars();
        return Ok(Value::string(match cs.next() {
            Some(c) => format!("{}{}", c.to_ascii_uppercase(), cs.as_str().to_ascii_lowercase()),
            None => String::new(),
        }));
    }
    let mut g = t.graphemes(true);
    let Some(first) = g.next() else { return Ok(Value::str("")) };
    let rest: String = g.collect();
    Ok(Value::string(format!("{}{}", titlecase(first), downcase(&rest))))
}

fn titlecase(g: &str) -> String {
    let mut chars = g.chars();
    let Some(c) = chars.next() else { return String::new() };
    let head: String = match c {
        'ß' => "Ss".into(),
        'ﬁ' => "Fi".into(),
        'ﬂ' => "Fl".into(),
        'ǆ' | 'ǅ' | 'Ǆ' => "ǅ".into(),
        'ǉ' | 'ǈ' | 'Ǉ' => "ǈ".into(),
        'ǌ' | 'ǋ' | 'Ǌ' => "ǋ".into(),
        'ǳ' | 'ǲ' | 'Ǳ' => "ǲ".into(),
        c => c.to_uppercase().collect(),
    };
    format!("{head}{}", downcase(chars.as_str()))
}

/// Unicode whitespace (the White_Space property) as String.trim/1 sees it.
fn is_ws(c: char) -> bool {
    c.is_whitespace()
}

/// Whitespace String.split/1 splits on: the non-breaking spaces do not count.
fn is_split_ws(c: char) -> bool {
    is_ws(c) && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}')
}

/// A binary that is not valid UTF-8 with `f` applied to its valid runs: the
/// case functions walk code points and pass other bytes through as they are.
fn map_valid_utf8(b: &[u8], f: impl Fn(&str) -> String) -> Value {
    let mut out = Vec::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.extend_from_slice(f(chunk.valid()).as_bytes());
        out.extend_from_slice(chunk.invalid());
    }
    Value::binary(&out)
}

/// Lowercase code point by code point (no final-sigma context, as Elixir's
/// default mode).
fn downcase(t: &str) -> String {
    t.chars().flat_map(char::to_lowercase).collect()
}

fn trim(a: Vec<Value>, s: Span, lead: bool, trail: bool) -> EResult<Value> {
    let t = st("String.trim/2", &a[0], s)?;
    match a.get(1) {
        None => {
            let mut r = t;
            if lead {
                r = r.trim_start_matches(is_ws);
            }
            if trail {
                r = r.trim_end_matches(is_ws);
            }
            Ok(Value::str(r))
        }
        Some(p) => {
            let p = st("String.trim/2", p, s)?;
            let mut r = t;
            if p.is_empty() {
                return Ok(Value::str(r));
            }
            if lead {
                while let Some(x) = r.strip_prefix(p) {
                    r = x;
                }
            }
            if trail {
                while let Some(x) = r.strip_suffix(p) {
                    r = x;
                }
            }
            Ok(Value::str(r))
        }
    }
}

fn opt_bool(opts: Option<&Value>, key: &str) -> Option<bool> {
    opts.and_then(|o| o.keyword_get(key)).map(|v| v.is_truthy())
}

fn split(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    if a.len() == 1 {
        let t = st("String.split/1", &a[0], s)?;
        return Ok(Value::list(t.split(is_split_ws).filter(|p| !p.is_empty()).map(Value::str).collect()));
    }
    let opts = a.get(2);
    let trim_empty = opt_bool(opts, "trim").unwrap_or(false);
    let parts = match opts.and_then(|o| o.keyword_get("parts")) {
        Some(Value::Int(n)) if *n > 0 => Some(*n as usize),
        _ => None,
    };
    if let Value::Regex(_) = &a[1] {
        st("String.split/3", &a[0], s)?;
        return Ok(Value::list(super::regex::split(&a[1], &a[0], opts, "String.split/3", s)?));
    }
    let t = bin("String.split/3", &a[0], s)?;
    let pats = patterns("String.split/3", &a[1], s)?;
    let mut out: Vec<Vec<u8>> = Vec::new();
    if pats.iter().all(|p| p.is_empty()) {
        // Splitting on "" yields the graphemes surrounded by empty strings.
        let text = std::str::from_utf8(t).map_err(|_| raise("ArgumentError", "invalid UTF-8", s))?;
        let g: Vec<&str> = text.graphemes(true).collect();
        let mut pieces: Vec<Vec<u8>> = vec![vec![]];
        for x in g {
            pieces.push(x.as_bytes().to_vec());
        }
        pieces.push(vec![]);
        if let Some(n) = parts {
            if pieces.len() > n {
                let rest: Vec<u8> = pieces[n - 1..].concat();
                pieces.truncate(n - 1);
                pieces.push(rest);
            }
        }
        if trim_empty {
            pieces.retain(|p| !p.is_empty());
        }
        return Ok(Value::list(pieces.iter().map(|p| Value::binary(p)).collect()));
    }
    let mut pos = 0;
    loop {
        if let Some(n) = parts {
            let live = if trim_empty { out.iter().filter(|p| !p.is_empty()).count() } else { out.len() };
            if live + 1 >= n {
                break;
            }
        }
        match find_any(t, &pats, pos) {
            Some((i, l)) => {
                out.push(t[pos..i].to_vec());
                pos = i + l;
            }
            None => break,
        }
    }
    out.push(t[pos..].to_vec());
    if trim_empty {
        out.retain(|p| !p.is_empty());
    }
    Ok(Value::list(out.iter().map(|p| Value::binary(p)).collect()))
}

fn split_at(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let t = st("String.split_at/2", &a[0], s)?;
    let n = args::int("String.split_at/2", &a[1], s)?;
    let g: Vec<&str> = t.graphemes(true).collect();
    let k = if n >= 0 { (n as usize).min(g.len()) } else { g.len().saturating_sub(n.unsigned_abs() as usize) };
    Ok(Value::tuple(vec![Value::string(g[..k].concat()), Value::string(g[k..].concat())]))
}

fn replace(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let global = opt_bool(a.get(3), "global").unwrap_or(true);
    if let Value::Regex(_) = &a[1] {
        st("String.replace/3", &a[0], s)?;
        return super::regex::replace_value(i, &a[1], &a[0], &a[2], global, "String.replace/3", s);
    }
    let t = bin("String.replace/3", &a[0], s)?;
    let pats = patterns("String.replace/3", &a[1], s)?;
    let mut out = Vec::new();
    if pats.iter().all(|p| p.is_empty()) {
        // "" matches between every grapheme.
        let text = std::str::from_utf8(t).map_err(|_| raise("ArgumentError", "invalid UTF-8", s))?;
        let mut first = true;
        for g in text.graphemes(true) {
            if first || global {
                out.extend(repl_bytes(i, &a[2], b"", s)?);
            }
            first = false;
            out.extend_from_slice(g.as_bytes());
        }
        if global || text.is_empty() {
            out.extend(repl_bytes(i, &a[2], b"", s)?);
        }
        return Ok(Value::binary(&out));
    }
    let mut pos = 0;
    while let Some((k, l)) = find_any(t, &pats, pos) {
        out.extend_from_slice(&t[pos..k]);
        out.extend(repl_bytes(i, &a[2], &t[k..k + l], s)?);
        pos = k + l;
        if !global {
            break;
        }
    }
    out.extend_from_slice(&t[pos..]);
    Ok(Value::binary(&out))
}

fn repl_bytes(i: &mut Interp, r: &Value, matched: &[u8], s: Span) -> EResult<Vec<u8>> {
    match r {
        Value::Fun(_) => {
            let v = i.apply(r, vec![Value::binary(matched)], s)?;
            Ok(v.as_bytes().map(|b| b.to_vec()).unwrap_or_else(|| to_string(&v, s).unwrap_or_default().into_bytes()))
        }
        other => Ok(bin("String.replace/3", other, s)?.to_vec()),
    }
}

fn replace_leading(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let t = st("String.replace_leading/3", &a[0], s)?;
    let p = st("String.replace_leading/3", &a[1], s)?;
    let r = st("String.replace_leading/3", &a[2], s)?;
    if p.is_empty() {
        return Ok(a[0].clone());
    }
    let mut rest = t;
    let mut n = 0;
    while let Some(x) = rest.strip_prefix(p) {
        rest = x;
        n += 1;
    }
    Ok(Value::string(format!("{}{rest}", r.repeat(n))))
}

fn replace_trailing(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let t = st("String.replace_trailing/3", &a[0], s)?;
    let p = st("String.replace_trailing/3", &a[1], s)?;
    let r = st("String.replace_trailing/3", &a[2], s)?;
    if p.is_empty() {
        return Ok(a[0].clone());
    }
    let mut rest = t;
    let mut n = 0;
    while let Some(x) = rest.strip_suffix(p) {
        rest = x;
        n += 1;
    }
    Ok(Value::string(format!("{rest}{}", r.repeat(n))))
}

fn contains(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let t = bin("String.contains?/2", &a[0], s)?;
    if let Value::Regex(_) = &a[1] {
        st("String.contains?/2", &a[0], s)?;
        return Ok(Value::Bool(super::regex::is_match(&a[1], &a[0], "String.contains?/2", s)?));
    }
    let pats = patterns("String.contains?/2", &a[1], s)?;
    Ok(Value::Bool(pats.iter().any(|p| find_bytes(t, p, 0).is_some())))
}

fn slice(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let t = st("String.slice/2", &a[0], s)?;
    let g: Vec<&str> = t.graphemes(true).collect();
    if a.len() == 3 {
        let start = args::int("String.slice/3", &a[1], s)?;
        let len = args::int("String.slice/3", &a[2], s)?;
        if len < 0 {
            return Err(raise("FunctionClauseError", "no function clause matching in String.slice/3", s));
        }
        let st_i = if start < 0 { (g.len() as i64 + start).max(0) } else { start } as usize;
        if st_i >= g.len() {
            return Ok(Value::str(""));
        }
        let end = (st_i + len as usize).min(g.len());
        return Ok(Value::string(g[st_i..end].concat()));
    }
    match &a[1] {
        Value::Range(first, last, step) => {
            let step = if *step < 0 && first > last { 1 } else { *step };
            let (st_i, n, step) = super::r#enum::slice_range(g.len(), *first, *last, step);
            Ok(Value::string(g.iter().skip(st_i).take(n).step_by(step).copied().collect()))
        }
        other => Err(args::arg_error("String.slice/2", "a range", other, s)),
    }
}

fn byte_slice(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let t = bin("String.byte_slice/3", &a[0], s)?;
    let start = args::int("String.byte_slice/3", &a[1], s)?;
    let len = args::int("String.byte_slice/3", &a[2], s)?.max(0) as usize;
    let st_i = if start < 0 { (t.len() as i64 + start).max(0) } else { start } as usize;
    if st_i >= t.len() {
        return Ok(Value::str(""));
    }
    let mut end = (st_i + len).min(t.len());
    let mut begin = st_i;
    // Do not cut code points in half.
    while begin < end && (t[begin] & 0xC0) == 0x80 {
        begin += 1;
    }
    while end < t.len() && end > begin && (t[end] & 0xC0) == 0x80 {
        end -= 1;
    }
    Ok(Value::binary(&t[begin..end]))
}

fn pad(a: Vec<Value>, s: Span, leading: bool) -> EResult<Value> {
    let t = st("String.pad_leading/3", &a[0], s)?;
    let padding = match a.get(2) {
        Some(p) => st("String.pad_leading/3", p, s)?,
        None => " ",
    };
    if padding.is_empty() {
        return Err(args::arg_error("String.pad_leading/3", "a non-negative count and a non-empty padding", &a[1], s));
    }
    let count = args::count("String.pad_leading/3", &a[1], "a non-negative count and a non-empty padding", s)?;
    let len = t.graphemes(true).count();
    let need = (count as usize).saturating_sub(len);
    if need == 0 {
        return Ok(a[0].clone());
    }
    let pg: Vec<&str> = padding.graphemes(true).collect();
    let fill: String = (0..need).map(|i| pg[i % pg.len()]).collect();
    Ok(Value::string(if leading { format!("{fill}{t}") } else { format!("{t}{fill}") }))
}

fn base_arg(fun: &str, v: Option<&Value>, s: Span) -> EResult<u32> {
    match v {
        None => Ok(10),
        Some(b) => {
            let b = args::int(fun, b, s)?;
            if !(2..=36).contains(&b) {
                return Err(args::arg_error(fun, "a base between 2 and 36", &Value::Int(b), s));
            }
            Ok(b as u32)
        }
    }
}

pub(crate) fn int_to_base(n: i64, base: u32) -> String {
    if base == 10 || !(2..=36).contains(&base) {
        return n.to_string();
    }
    let mut m = n.unsigned_abs();
    let mut digits = Vec::new();
    if m == 0 {
        digits.push(b'0');
    }
    while m > 0 {
        let d = (m % base as u64) as u8;
        digits.push(if d < 10 { b'0' + d } else { b'A' + d - 10 });
        m /= base as u64;
    }
    if n < 0 {
        digits.push(b'-');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// Parses an optionally signed integer prefix in `base`; returns the value
/// and the number of bytes used.
/// `parse_int_prefix` for a number beyond i64: the big integer and the bytes read.
fn big_int_prefix(t: &[u8], base: u32) -> Option<(Value, usize)> {
    if !(2..=36).contains(&base) {
        return None;
    }
    let sign = usize::from(matches!(t.first(), Some(b'-' | b'+')));
    let end = sign + t[sign..].iter().take_while(|b| (**b as char).is_digit(base)).count();
    if end == sign {
        return None;
    }
    let text = std::str::from_utf8(&t[..end]).ok()?;
    let big = crate::value::bigint::BigInt::parse(text.trim_start_matches('+'), base)?;
    Some((Value::from_bigint(big), end))
}

pub(crate) fn parse_int_prefix(t: &[u8], base: u32) -> Option<(i64, usize)> {
    if !(2..=36).contains(&base) {
        return None;
    }
    let mut i = 0;
    let neg = match t.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut n: i64 = 0;
    while i < t.len() {
        let d = match (t[i] as char).to_digit(base) {
            Some(d) => d,
            None => break,
        };
        n = n.checked_mul(base as i64)?.checked_add(d as i64)?;
        i += 1;
    }
    if i == start {
        return None;
    }
    Some((if neg { -n } else { n }, i))
}

/// The whole text as an integer (String.to_integer/1,2).
pub(crate) fn parse_int_strict(t: &str, base: u32) -> Option<i64> {
    match parse_int_prefix(t.as_bytes(), base)? {
        (n, used) if used == t.len() => Some(n),
        _ => None,
    }
}

fn to_integer(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let t = st("String.to_integer/1", &a[0], s)?;
    let base = base_arg("String.to_integer/2", a.get(1), s)?;
    if let Some(b) = crate::value::bigint::BigInt::parse(t, base).filter(|_| !t.contains('_') && parse_int_strict(t, base).is_none()) {
        return Ok(Value::from_bigint(b));
    }
    parse_int_strict(t, base).map(Value::Int).ok_or_else(|| {
        if parse_int_prefix(t.as_bytes(), base).is_some() && t.bytes().all(|c| (c as char).is_digit(base) || c == b'-' || c == b'+') {
            // Too large for an i64: returned as a big integer below.
            raise("\u{0}big", "", s)
        } else {
            raise(
                "ArgumentError",
                "errors were found at the given arguments:\n\n  * 1st argument: not a textual representation of an integer\n",
                s,
            )
        }
    })
}

/// Erlang's `binary_to_float/1`: `[+-]digits.digits[e[+-]digits]`.
pub(crate) fn parse_float_strict(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i = 1;
    }
    let d0 = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == d0 || i >= b.len() || b[i] != b'.' {
        return None;
    }
    i += 1;
    let d1 = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == d1 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let d2 = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == d2 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// `Float.parse/1`: a float prefix (integers allowed), with the rest.
fn parse_float_prefix(b: &[u8]) -> Option<(f64, usize)> {
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i = 1;
    }
    let d0 = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == d0 {
        return None;
    }
    let mut end = i;
    if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        end = i;
    }
    if end < b.len() && (b[end] == b'e' || b[end] == b'E') {
        let mut j = end + 1;
        if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
            j += 1;
        }
        let d2 = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > d2 {
            end = j;
        }
    }
    let text = std::str::from_utf8(&b[..end]).ok()?;
    let f: f64 = text.parse().ok()?;
    f.is_finite().then_some((f, end))
}

fn jaro(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let range = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut am = vec![false; a.len()];
    let mut bm = vec![false; b.len()];
    let mut matches = 0usize;
    for i in 0..a.len() {
        let lo = i.saturating_sub(range);
        let hi = (i + range + 1).min(b.len());
        for j in lo..hi {
            if !bm[j] && a[i] == b[j] {
                am[i] = true;
                bm[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut t = 0usize;
    let mut k = 0usize;
    for i in 0..a.len() {
        if am[i] {
            while !bm[k] {
                k += 1;
            }
            if a[i] != b[k] {
                t += 1;
            }
            k += 1;
        }
    }
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - (t / 2) as f64) / m) / 3.0
}

// ---- Float rounding ---------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Rounding {
    HalfUp,
    Ceil,
    Floor,
}

fn float_arg(fun: &str, v: &Value, s: Span) -> EResult<f64> {
    match v {
        Value::Float(f) => Ok(*f),
        _ => Err(raise("FunctionClauseError", format!("no function clause matching in {fun}"), s)),
    }
}

fn float_round(a: Vec<Value>, s: Span, mode: Rounding) -> EResult<Value> {
    let f = float_arg("Float.round/2", &a[0], s)?;
    let prec = match a.get(1) {
        Some(p) => args::int("Float.round/2", p, s)?,
        None => 0,
    };
    if !(0..=15).contains(&prec) {
        return Err(raise("ArgumentError", format!("precision {prec} is out of valid range of 0..15"), s));
    }
    Ok(Value::Float(round_decimal(f, prec as usize, mode)))
}

/// Rounds the exact decimal value of `f` to `prec` fractional digits.
fn round_decimal(f: f64, prec: usize, mode: Rounding) -> f64 {
    if !f.is_finite() || f == 0.0 {
        return f;
    }
    let neg = f < 0.0;
    // The exact expansion: f64 values have at most 1074 fractional digits.
    let exact = format!("{:.1100}", f.abs());
    let (int_part, frac) = exact.split_once('.').unwrap_or((&exact, ""));
    let kept_frac = &frac[..prec.min(frac.len())];
    let rest = &frac[prec.min(frac.len())..];
    let mut digits: Vec<u8> = int_part.bytes().chain(kept_frac.bytes()).map(|c| c - b'0').collect();
    let rest_nonzero = rest.bytes().any(|c| c != b'0');
    let up = match mode {
        Rounding::HalfUp => rest.as_bytes().first().is_some_and(|c| *c >= b'5'),
        Rounding::Ceil => rest_nonzero && !neg,
        Rounding::Floor => rest_nonzero && neg,
    };
    if up {
        let mut k = digits.len();
        loop {
            if k == 0 {
                digits.insert(0, 1);
                break;
            }
            k -= 1;
            if digits[k] == 9 {
                digits[k] = 0;
            } else {
                digits[k] += 1;
                break;
            }
        }
    }
    let int_len = digits.len() - kept_frac.len();
    let mut text = String::new();
    if neg {
        text.push('-');
    }
    for (k, d) in digits.iter().enumerate() {
        if k == int_len {
            text.push('.');
        }
        text.push((b'0' + d) as char);
    }
    let r: f64 = text.parse().unwrap_or(f);
    if r == 0.0 && neg {
        return -0.0;
    }
    r
}

fn integer_parity(
    i: &mut Interp,
    a: &[crate::syntax::ast::Node],
    env: &mut crate::eval::Env,
    s: Span,
    name: &str,
    rem: i64,
) -> EResult<Value> {
    if !env.requires("Integer") {
        return Err(raise("UndefinedFunctionError", format!("function Integer.{name}/1 is undefined or private"), s));
    }
    let v = i.eval(&a[0], env)?;
    Ok(Value::Bool(match v {
        Value::Int(n) => n.rem_euclid(2) == rem,
        Value::BigInt(b) => (b.to_string().bytes().last().unwrap_or(b'0') - b'0') as i64 % 2 == rem,
        _ => false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_uses_exact_values() {
        assert_eq!(round_decimal(5.5675, 3, Rounding::HalfUp), 5.567);
        assert_eq!(round_decimal(2.5, 0, Rounding::HalfUp), 3.0);
        assert_eq!(round_decimal(-2.5, 0, Rounding::HalfUp), -3.0);
        assert_eq!(round_decimal(3.14159, 2, Rounding::HalfUp), 3.14);
        assert_eq!(round_decimal(1.21, 1, Rounding::Ceil), 1.3);
        assert_eq!(round_decimal(-1.5, 0, Rounding::Floor), -2.0);
        assert_eq!(round_decimal(9.99, 1, Rounding::HalfUp), 10.0);
    }
}
