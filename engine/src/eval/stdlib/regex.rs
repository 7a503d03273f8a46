//! Regex (run, scan, replace, match?, named_captures, split, ...), also
//! used by String.replace/split/match? with a regex pattern.

use super::raise;
use crate::diag::Span;
use crate::eval::core::{make_regex, to_string};
use crate::eval::{args, Builtins, EResult, Interp};
use crate::value::{inspect, MapT, Value};
use std::borrow::Cow;

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
            let global = a.get(3).and_then(|o| o.keyword_get("global")).is_none_or(|g| g.is_truthy());
            replace_value(i, &a[0], &a[1], &a[2], global, "Regex.replace/3", s)
        }),
        ("match?", &[2], |_, a, s| Ok(Value::Bool(is_match(&a[0], &a[1], "Regex.match?/2", s)?))),
        ("named_captures", &[2, 3], named_captures),
        ("names", &[1], |_, a, s| {
            // PCRE's name table (`:re.inspect(re, :namelist)`) is sorted by name
            let re = compiled(&a[0], s)?;
            let mut names: Vec<&str> = re.capture_names().flatten().collect();
            crate::sort::sort(&mut names);
            Ok(Value::list(names.into_iter().map(Value::str).collect()))
        }),
        ("split", &[2, 3], |_, a, s| Ok(Value::list(split(&a[0], &a[1], a.get(2), "Regex.split/3", s)?))),
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

/// The text a regex runs on. PCRE without the `u` modifier reads a binary
/// byte by byte (with Latin-1 character classes); the regex engine reads
/// characters, so such a subject with bytes beyond ASCII is decoded as Latin-1,
/// one character per byte, and match offsets are mapped back to bytes. A
/// match may then end inside a UTF-8 character, as on the BEAM.
pub(crate) struct Subject<'a> {
    bytes: &'a [u8],
    text: Cow<'a, str>,
    /// For a decoded subject: the byte offset in `bytes` of each byte offset in `text`.
    map: Option<Vec<u32>>,
}

impl<'a> Subject<'a> {
    pub(crate) fn new(re: &Value, v: &'a Value, fun: &str, s: Span) -> EResult<Subject<'a>> {
        let unicode = matches!(re, Value::Regex(r) if r.opts.contains('u'));
        let bytes = match (v.as_bytes(), unicode) {
            (Some(b), false) => b,
            _ => args::string(fun, v, s)?.as_bytes(),
        };
        if unicode || bytes.is_ascii() {
            let text = std::str::from_utf8(bytes).map_err(|_| args::arg_error(fun, "a string", v, s))?;
            return Ok(Subject { bytes, text: Cow::Borrowed(text), map: None });
        }
        let mut text = String::with_capacity(bytes.len() * 2);
        let mut map = Vec::with_capacity(bytes.len() * 2 + 1);
        for (k, &b) in bytes.iter().enumerate() {
            let c = char::from(b);
            text.push(c);
            map.extend(std::iter::repeat_n(k as u32, c.len_utf8()));
        }
        map.push(bytes.len() as u32);
        Ok(Subject { bytes, text: Cow::Owned(text), map: Some(map) })
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The byte offset in the subject of `at` in [`Self::text`].
    fn byte(&self, at: usize) -> usize {
        self.map.as_ref().map_or(at, |m| m[at] as usize)
    }

    /// The offset in [`Self::text`] of byte `at`, if it starts a character there.
    fn at_byte(&self, at: usize) -> Option<usize> {
        match &self.map {
            None => self.text.is_char_boundary(at).then_some(at),
            Some(_) => (at <= self.bytes.len()).then(|| at + self.bytes[..at].iter().filter(|b| !b.is_ascii()).count()),
        }
    }

    fn piece(&self, m: &regex::Match) -> &'a [u8] {
        &self.bytes[self.byte(m.start())..self.byte(m.end())]
    }

    fn value(&self, m: &regex::Match) -> Value {
        match self.map {
            None => Value::str(m.as_str()),
            Some(_) => Value::binary(self.piece(m)),
        }
    }

    /// A group as Elixir reports it: its text, or with `index` its
    /// `{start, length}` in bytes; an unset group is "" (or `{-1, 0}`).
    fn group(&self, m: Option<regex::Match>, index: bool) -> Value {
        match (m, index) {
            (Some(m), false) => self.value(&m),
            (Some(m), true) => {
                let start = self.byte(m.start());
                Value::tuple(vec![Value::Int(start as i64), Value::Int((self.byte(m.end()) - start) as i64)])
            }
            (None, false) => Value::str(""),
            (None, true) => Value::tuple(vec![Value::Int(-1), Value::Int(0)]),
        }
    }
}

/// Every match from `from` on, as `:re.run(..., [:global])` finds them:
/// after a match the next search starts where it ended (an empty match
/// there counts), and after an empty match one character further on.
fn matches<'r, 't>(re: &'r regex::Regex, text: &'t str, from: usize) -> impl Iterator<Item = regex::Captures<'t>> + use<'r, 't> {
    let mut at = Some(from);
    std::iter::from_fn(move || {
        let start = at?;
        let caps = re.captures_at(text, start)?;
        let whole = caps.get(0)?;
        at = if whole.end() > whole.start() {
            Some(whole.end())
        } else {
            text[whole.end()..].chars().next().map(|c| whole.end() + c.len_utf8())
        };
        Some(caps)
    })
}

/// `Regex.match?/2`, `String.match?/2`, `String.contains?/2` and `=~` with a regex.
pub(crate) fn is_match(re_v: &Value, subject: &Value, fun: &str, s: Span) -> EResult<bool> {
    let re = compiled(re_v, s)?;
    Ok(re.is_match(Subject::new(re_v, subject, fun, s)?.text()))
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

/// A `:capture` (or `Regex.split/3`'s `:on`) option: a kind, or the groups named in a list.
fn capture_spec(v: Option<&Value>, default: Capture) -> (Capture, Option<Vec<String>>) {
    match v {
        Some(Value::List(l)) => {
            (default, Some(l.iter().filter_map(|n| n.as_str().map(str::to_string).or_else(|| n.as_atom().map(str::to_string))).collect()))
        }
        Some(c) => {
            let kind = match c.as_atom() {
                Some("all") => Capture::All,
                Some("first") => Capture::First,
                Some("all_but_first") => Capture::AllButFirst,
                Some("none") => Capture::None,
                Some("all_names") => Capture::AllNames,
                _ => default,
            };
            (kind, None)
        }
        None => (default, None),
    }
}

fn run_opts(v: Option<&Value>) -> RunOpts {
    let (capture, names) = capture_spec(v.and_then(|kw| kw.keyword_get("capture")), Capture::All);
    let mut o = RunOpts { capture, names, index: false, offset: 0 };
    if let Some(kw) = v {
        o.index = kw.keyword_get("return").and_then(|r| r.as_atom()) == Some("index");
        if let Some(Value::Int(n)) = kw.keyword_get("offset") {
            o.offset = (*n).max(0) as usize;
        }
    }
    o
}

/// The groups of one match that `o` asks for, as Elixir reports them:
/// unset groups before the last set one are kept (as None); trailing unset
/// groups are dropped.
fn selected<'t>(re: &regex::Regex, caps: &regex::Captures<'t>, o: &RunOpts) -> Vec<Option<regex::Match<'t>>> {
    if let Some(names) = &o.names {
        return names.iter().map(|n| caps.name(n)).collect();
    }
    match o.capture {
        Capture::None => vec![],
        Capture::First => vec![caps.get(0)],
        Capture::AllNames => {
            let mut named: Vec<(&str, usize)> = re.capture_names().enumerate().filter_map(|(k, n)| n.map(|n| (n, k))).collect();
            crate::sort::sort(&mut named);
            named.into_iter().map(|(_, k)| caps.get(k)).collect()
        }
        Capture::All | Capture::AllButFirst => {
            let last = (0..caps.len()).rev().find(|k| caps.get(*k).is_some()).unwrap_or(0);
            let from = if o.capture == Capture::AllButFirst { 1 } else { 0 };
            (from..=last).map(|k| caps.get(k)).collect()
        }
    }
}

/// The groups of one match as values: unset ones are "" (or {-1, 0}).
fn match_groups(re: &regex::Regex, subject: &Subject, caps: &regex::Captures, o: &RunOpts) -> Vec<Value> {
    selected(re, caps, o).into_iter().map(|m| subject.group(m, o.index)).collect()
}

fn run(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let re = compiled(&a[0], s)?;
    let subject = Subject::new(&a[0], &a[1], "Regex.run/3", s)?;
    let o = run_opts(a.get(2));
    let Some(offset) = subject.at_byte(o.offset) else { return Ok(Value::Nil) };
    match re.captures_at(subject.text(), offset) {
        Some(caps) => {
            if o.capture == Capture::None && o.names.is_none() {
                return Ok(Value::list(vec![]));
            }
            Ok(Value::list(match_groups(re, &subject, &caps, &o)))
        }
        None => Ok(Value::Nil),
    }
}

fn scan(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let re = compiled(&a[0], s)?;
    let subject = Subject::new(&a[0], &a[1], "Regex.scan/3", s)?;
    let o = run_opts(a.get(2));
    let Some(offset) = subject.at_byte(o.offset) else { return Ok(Value::list(vec![])) };
    let out = matches(re, subject.text(), offset).map(|caps| Value::list(match_groups(re, &subject, &caps, &o)));
    Ok(Value::list(out.collect()))
}

fn named_captures(_: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let re = compiled(&a[0], s)?;
    let subject = Subject::new(&a[0], &a[1], "Regex.named_captures/3", s)?;
    let index = a.get(2).and_then(|o| o.keyword_get("return")).and_then(|r| r.as_atom()) == Some("index");
    match re.captures(subject.text()) {
        Some(caps) => {
            let mut m = MapT::new();
            for name in re.capture_names().flatten() {
                m.insert(Value::str(name), subject.group(caps.name(name), index));
            }
            Ok(Value::map(m))
        }
        None => Ok(Value::Nil),
    }
}

/// Expands an Elixir replacement string: `\\0`..`\\9`, `\\g{N}` and `\\g{name}`.
fn expand(repl: &str, subject: &Subject, caps: &regex::Captures, out: &mut Vec<u8>) {
    let b: Vec<char> = repl.chars().collect();
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
                out.extend_from_slice(caps.get(n).map_or(&[][..], |m| subject.piece(&m)));
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
                    out.extend_from_slice(m.map_or(&[][..], |m| subject.piece(&m)));
                    i += 4 + close;
                    continue;
                }
            }
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            i += 2;
            continue;
        }
        out.extend_from_slice(b[i].encode_utf8(&mut [0; 4]).as_bytes());
        i += 1;
    }
}

/// `Regex.replace/4` and `String.replace/4` with a regex pattern.
pub(crate) fn replace_value(i: &mut Interp, re_v: &Value, t: &Value, repl: &Value, global: bool, fun: &str, s: Span) -> EResult<Value> {
    let re = compiled(re_v, s)?;
    let subject = Subject::new(re_v, t, fun, s)?;
    let mut out: Vec<u8> = Vec::new();
    let mut last = 0;
    for caps in matches(re, subject.text(), 0) {
        let Some(m) = caps.get(0) else { continue };
        out.extend_from_slice(&subject.bytes[subject.byte(last)..subject.byte(m.start())]);
        match repl {
            Value::Fun(f) => {
                let arity = f.arity();
                let mut fargs = Vec::with_capacity(arity);
                for k in 0..arity {
                    fargs.push(caps.get(k).map_or(Value::str(""), |x| subject.value(&x)));
                }
                let v = i.apply(repl, fargs, s)?;
                out.extend_from_slice(to_string(&v, s)?.as_bytes());
            }
            other => {
                let r = args::string("Regex.replace/4", other, s)?;
                expand(r, &subject, &caps, &mut out);
            }
        }
        last = m.end();
        if !global {
            break;
        }
    }
    out.extend_from_slice(&subject.bytes[subject.byte(last)..]);
    Ok(Value::binary(&out))
}

/// `Regex.split/3` (and String.split/3 with a regex), as Elixir's
/// `Regex.split/3` walks the `{position, length}` of every match (or of the
/// groups named by `:on`).
pub(crate) fn split(re_v: &Value, t: &Value, opts: Option<&Value>, fun: &str, s: Span) -> EResult<Vec<Value>> {
    let re = compiled(re_v, s)?;
    let subject = Subject::new(re_v, t, fun, s)?;
    let trim = opts.and_then(|o| o.keyword_get("trim")).is_some_and(|v| v.is_truthy());
    let include = opts.and_then(|o| o.keyword_get("include_captures")).is_some_and(|v| v.is_truthy());
    let mut counter: i64 = match opts.and_then(|o| o.keyword_get("parts")) {
        Some(Value::Int(n)) if *n > 0 => *n,
        _ => 0,
    };
    if subject.bytes.is_empty() {
        return Ok(if trim { vec![] } else { vec![Value::str("")] });
    }
    let (capture, names) = capture_spec(opts.and_then(|o| o.keyword_get("on")), Capture::First);
    let on = RunOpts { capture, names, index: true, offset: 0 };
    // The byte span of each selected group; an unset one sorts before any offset.
    let mut spans: Vec<(i64, usize)> = Vec::new();
    for caps in matches(re, subject.text(), 0) {
        for m in selected(re, &caps, &on) {
            spans.push(match m {
                Some(m) => (subject.byte(m.start()) as i64, subject.byte(m.end()) - subject.byte(m.start())),
                None => (-1, 0),
            });
        }
    }
    let bytes = subject.bytes;
    let mut out: Vec<Value> = Vec::new();
    let mut offset = 0usize;
    let mut spans = spans.into_iter();
    loop {
        if trim && bytes.len() <= offset {
            return Ok(out);
        }
        let Some((pos, len)) = spans.next().filter(|_| counter != 1) else {
            out.push(Value::binary(&bytes[offset..]));
            return Ok(out);
        };
        if pos < offset as i64 {
            continue;
        }
        let pos = pos as usize;
        let (part, matched) = (&bytes[offset..pos], &bytes[pos..pos + len]);
        offset = pos + len;
        if part.is_empty() && trim {
            if include {
                out.push(Value::binary(matched));
                counter -= 1;
            }
            continue;
        }
        out.push(Value::binary(part));
        if include {
            out.push(Value::binary(matched));
        }
        counter -= 1;
    }
}
