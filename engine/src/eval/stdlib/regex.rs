//! Regex (run, scan, replace, match?, named_captures, split, ...), also
//! used by String.replace/split/match? with a regex pattern.

use super::raise;
use crate::diag::Span;
use crate::eval::core::{make_regex, to_string};
use crate::eval::{args, Builtins, EResult, Interp};
use crate::value::{inspect, MapT, Value};

type F = fn(&mut Interp, Vec<Value>, Span) -> EResult<Value>;

pub fn register(b: &mut Builtins) {
    let fns: &[(&'static str, &[usize], F)] = &[
        ("compile", &[1, 2], |_, a, s| {
            let src = args::string("Regex.compile/2", &a[0], s)?;
            let opts = opts_arg(a.get(1), s)?;
            Ok(match make_regex(src, &opts) {
                Ok(r) => Value::ok(r),
                Err(e) => Value::error(Value::tuple(vec![Value::string(e), Value::Int(0)])),
            })
        }),
        ("compile!", &[1, 2], |_, a, s| {
            let src = args::string("Regex.compile!/2", &a[0], s)?;
            let opts = opts_arg(a.get(1), s)?;
            make_regex(src, &opts).map_err(|e| raise("Regex.CompileError", e, s))
        }),
        ("run", &[2, 3], run),
        ("scan", &[2, 3], scan),
        ("replace", &[3, 4], |i, a, s| {
            let t = args::string("Regex.replace/3", &a[1], s)?.to_string();
            let global = a.get(3).and_then(|o| o.keyword_get("global")).is_none_or(|g| g.is_truthy());
            replace_value(i, &a[0], &t, &a[2], global, s)
        }),
        ("match?", &[2], |_, a, s| {
            let re = compiled(&a[0], s)?;
            let t = args::string("Regex.match?/2", &a[1], s)?;
            Ok(Value::Bool(re.is_match(t)))
        }),
        ("named_captures", &[2, 3], named_captures),
        ("names", &[1], |_, a, s| {
            // PCRE's name table (`:re.inspect(re, :namelist)`) is sorted by name
            let re = compiled(&a[0], s)?;
            let mut names: Vec<&str> = re.capture_names().flatten().collect();
            crate::sort::sort(&mut names);
            Ok(Value::list(names.into_iter().map(Value::str).collect()))
        }),
        ("split", &[2, 3], |_, a, s| {
            let re = compiled(&a[0], s)?;
            let t = args::string("Regex.split/3", &a[1], s)?;
            let opts = a.get(2);
            let parts = match opts.and_then(|o| o.keyword_get("parts")) {
                Some(Value::Int(n)) if *n > 0 => Some(*n as usize),
                _ => None,
            };
            let trim = opts.and_then(|o| o.keyword_get("trim")).is_some_and(|v| v.is_truthy());
            let include = opts.and_then(|o| o.keyword_get("include_captures")).is_some_and(|v| v.is_truthy());
            Ok(Value::list(split_str(re, t, parts, trim, include).into_iter().map(Value::string).collect()))
        }),
        ("source", &[1], |_, a, s| match &a[0] {
            Value::Regex(r) => Ok(Value::str(&r.source)),
            other => Err(args::arg_error("Regex.source/1", "a regex", other, s)),
        }),
        ("opts", &[1], |_, a, s| match &a[0] {
            Value::Regex(r) => Ok(Value::list(r.opts_list())),
            other => Err(args::arg_error("Regex.opts/1", "a regex", other, s)),
        }),
        ("escape", &[1], |_, a, s| {
            let t = args::string("Regex.escape/1", &a[0], s)?;
            let mut out = String::new();
            for c in t.chars() {
                match c {
                    '.' | '^' | '$' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '\\' | '-' | '#' => {
                        out.push('\\');
                        out.push(c);
                    }
                    ' ' => out.push_str("\\ "),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\u{c}' => out.push_str("\\f"),
                    '\u{b}' => out.push_str("\\v"),
                    c => out.push(c),
                }
            }
            Ok(Value::string(out))
        }),
        ("regex?", &[1], |_, a, _| Ok(Value::Bool(matches!(a[0], Value::Regex(_))))),
        ("recompile", &[1], |_, a, _| Ok(Value::ok(a[0].clone()))),
        ("recompile!", &[1], |_, a, _| Ok(a[0].clone())),
        ("version", &[0], |_, _, _| Ok(Value::str("8.45 2021-06-15"))),
    ];
    for (name, ar, f) in fns {
        b.add("Regex", name, ar, *f);
    }
}

fn opts_arg(v: Option<&Value>, s: Span) -> EResult<String> {
    match v {
        None => Ok(String::new()),
        Some(Value::Str(o)) => Ok(o.to_string()),
        Some(Value::List(items)) => {
            let mut out = String::new();
            for i in items.iter() {
                out.push(match i.as_atom() {
                    Some("caseless") => 'i',
                    Some("multiline") => 'm',
                    Some("dotall") => 's',
                    Some("extended") => 'x',
                    Some("unicode") => 'u',
                    Some("ungreedy") => 'U',
                    Some("firstline") => 'f',
                    _ => continue,
                });
            }
            Ok(out)
        }
        Some(other) => Err(args::arg_error("Regex.compile/2", "a string of options", other, s)),
    }
}

/// The compiled regex of a regex value.
pub(crate) fn compiled(v: &Value, s: Span) -> EResult<&regex::Regex> {
    match v {
        Value::Regex(r) => {
            r.compiled.as_ref().ok_or_else(|| raise("Regex.CompileError", format!("regex could not be compiled: {}", r.source), s))
        }
        other => Err(raise(
            "FunctionClauseError",
            format!("no function clause matching in Regex functions: expected a regex, got: {}", inspect::inspect(other)),
            s,
        )),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Capture {
    All,
    First,
    AllButFirst,
    None,
    AllNames,
}

struct RunOpts {
    capture: Capture,
    names: Option<Vec<String>>,
    index: bool,
    offset: usize,
}

fn run_opts(v: Option<&Value>) -> RunOpts {
    let mut o = RunOpts { capture: Capture::All, names: None, index: false, offset: 0 };
    if let Some(kw) = v {
        match kw.keyword_get("capture") {
            Some(Value::List(l)) => {
                o.names =
                    Some(l.iter().filter_map(|n| n.as_str().map(str::to_string).or_else(|| n.as_atom().map(str::to_string))).collect())
            }
            Some(c) => {
                o.capture = match c.as_atom() {
                    Some("first") => Capture::First,
                    Some("all_but_first") => Capture::AllButFirst,
                    Some("none") => Capture::None,
                    Some("all_names") => Capture::AllNames,
                    _ => Capture::All,
                }
            }
            None => {}
        }
        o.index = kw.keyword_get("return").and_then(|r| r.as_atom()) == Some("index");
        if let Some(Value::Int(n)) = kw.keyword_get("offset") {
            o.offset = (*n).max(0) as usize;
        }
    }
    o
}

/// The groups of one match as Elixir reports them: unset groups before the
/// last set one become "" (or {-1, 0}); trailing unset groups are dropped.
fn match_groups(re: &regex::Regex, caps: &regex::Captures, o: &RunOpts) -> Vec<Value> {
    let piece = |m: Option<regex::Match>| -> Value {
        match (m, o.index) {
            (Some(m), false) => Value::str(m.as_str()),
            (Some(m), true) => Value::tuple(vec![Value::Int(m.start() as i64), Value::Int(m.len() as i64)]),
            (None, false) => Value::str(""),
            (None, true) => Value::tuple(vec![Value::Int(-1), Value::Int(0)]),
        }
    };
    if let Some(names) = &o.names {
        return names.iter().map(|n| piece(caps.name(n))).collect();
    }
    let idx: Vec<usize> = match o.capture {
        Capture::None => vec![],
        Capture::First => vec![0],
        Capture::AllNames => {
            let mut named: Vec<(&str, usize)> = re.capture_names().enumerate().filter_map(|(k, n)| n.map(|n| (n, k))).collect();
            crate::sort::sort(&mut named);
            return named.into_iter().map(|(_, k)| piece(caps.get(k))).collect();
        }
        Capture::All | Capture::AllButFirst => {
            let last = (0..caps.len()).rev().find(|k| caps.get(*k).is_some()).unwrap_or(0);
            let from = if o.capture == Capture::AllButFirst { 1 } else { 0 };
            (from..=last).collect()
        }
    };
    idx.into_iter().map(|k| piece(caps.get(k))).collect()
}

fn run(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let re = compiled(&a[0], s)?;
    let t = args::string("Regex.run/3", &a[1], s)?;
    let o = run_opts(a.get(2));
    if o.offset > t.len() || !t.is_char_boundary(o.offset) {
        return Ok(Value::Nil);
    }
    match re.captures_at(t, o.offset) {
        Some(caps) => {
            if o.capture == Capture::None && o.names.is_none() {
                return Ok(Value::list(vec![]));
            }
            Ok(Value::list(match_groups(re, &caps, &o)))
        }
        None => Ok(Value::Nil),
    }
}

fn scan(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let re = compiled(&a[0], s)?;
    let t = args::string("Regex.scan/3", &a[1], s)?;
    let o = run_opts(a.get(2));
    if o.offset > t.len() || !t.is_char_boundary(o.offset) {
        return Ok(Value::list(vec![]));
    }
    let mut out = Vec::new();
    for caps in re.captures_iter(&t[o.offset..]) {
        let mut groups = match_groups(re, &caps, &o);
        if o.index && o.offset > 0 {
            groups = groups
                .into_iter()
                .map(|g| match g.as_tuple() {
                    Some([Value::Int(p), l]) if *p >= 0 => Value::tuple(vec![Value::Int(p + o.offset as i64), l.clone()]),
                    _ => g,
                })
                .collect();
        }
        out.push(Value::list(groups));
    }
    Ok(Value::list(out))
}

fn named_captures(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let re = compiled(&a[0], s)?;
    let t = args::string("Regex.named_captures/3", &a[1], s)?;
    let index = a.get(2).and_then(|o| o.keyword_get("return")).and_then(|r| r.as_atom()) == Some("index");
    match re.captures(t) {
        Some(caps) => {
            let mut m = MapT::new();
            for name in re.capture_names().flatten() {
                let v = match (caps.name(name), index) {
                    (Some(x), false) => Value::str(x.as_str()),
                    (Some(x), true) => Value::tuple(vec![Value::Int(x.start() as i64), Value::Int(x.len() as i64)]),
                    (None, false) => Value::str(""),
                    (None, true) => Value::tuple(vec![Value::Int(-1), Value::Int(0)]),
                };
                m.insert(Value::str(name), v);
            }
            Ok(Value::map(m))
        }
        None => Ok(Value::Nil),
    }
}

/// Expands an Elixir replacement string: `\\0`..`\\9`, `\\g{N}` and `\\g{name}`.
fn expand(repl: &str, caps: &regex::Captures) -> String {
    let b: Vec<char> = repl.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == '\\' && i + 1 < b.len() {
            let c = b[i + 1];
            if c.is_ascii_digit() {
                let mut j = i + 1;
                let mut n = 0usize;
                while j < b.len() && b[j].is_ascii_digit() && j < i + 3 {
                    n = n * 10 + b[j].to_digit(10).unwrap_or(0) as usize;
                    j += 1;
                }
                out.push_str(caps.get(n).map_or("", |m| m.as_str()));
                i = j;
                continue;
            }
            if c == 'g' && i + 2 < b.len() && b[i + 2] == '{' {
                if let Some(close) = b[i + 3..].iter().position(|x| *x == '}') {
                    let name: String = b[i + 3..i + 3 + close].iter().collect();
                    let m = match name.parse::<usize>() {
                        Ok(n) => caps.get(n),
                        Err(_) => caps.name(&name),
                    };
                    out.push_str(m.map_or("", |m| m.as_str()));
                    i += 4 + close;
                    continue;
                }
            }
            out.push(c);
            i += 2;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// `Regex.replace/4` and `String.replace/4` with a regex pattern.
pub(crate) fn replace_value(i: &mut Interp, re_v: &Value, t: &str, repl: &Value, global: bool, s: Span) -> EResult<Value> {
    let re = compiled(re_v, s)?.clone();
    let mut out = String::new();
    let mut last = 0;
    for caps in re.captures_iter(t) {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&t[last..m.start()]);
        match repl {
            Value::Fun(f) => {
                let arity = f.arity();
                let mut fargs = Vec::with_capacity(arity);
                for k in 0..arity {
                    fargs.push(Value::str(caps.get(k).map_or("", |x| x.as_str())));
                }
                let v = i.apply(repl, fargs, s)?;
                out.push_str(&to_string(&v, s)?);
            }
            other => {
                let r = args::string("Regex.replace/4", other, s)?;
                out.push_str(&expand(r, &caps));
            }
        }
        last = m.end();
        if !global {
            break;
        }
    }
    out.push_str(&t[last..]);
    Ok(Value::string(out))
}

/// `Regex.split/3` (and String.split/3 with a regex).
pub(crate) fn split_str(re: &regex::Regex, t: &str, parts: Option<usize>, trim: bool, include: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut last = 0;
    if t.is_empty() {
        return if trim { vec![] } else { vec![String::new()] };
    }
    for caps in re.captures_iter(t) {
        let Some(m) = caps.get(0) else { continue };
        if let Some(n) = parts {
            let live = if trim { out.iter().filter(|p| !p.is_empty()).count() } else { out.len() };
            if live + 1 >= n {
                break;
            }
        }
        if m.start() == 0 && m.end() == 0 {
            continue;
        }
        if m.start() == m.end() && m.start() == t.len() {
            break;
        }
        out.push(t[last..m.start()].to_string());
        if include {
            out.push(m.as_str().to_string());
        }
        last = m.end();
    }
    out.push(t[last..].to_string());
    if trim {
        out.retain(|p| !p.is_empty());
    }
    out
}
