//! `ExUnit.Assertions` used directly (`import ExUnit.Assertions`) and
//! `ExUnit.AssertionError`: `assert`/`refute` introspect their expression
//! (comparisons, `=` and `match?` patterns) as ExUnit's macros do, failures
//! carry the quoted code with its line numbers, and the message is the one
//! `ExUnit.Formatter.format_assertion_error/1` writes.

use std::rc::Rc;

use super::{process, raise};
use crate::diag::Span;
use crate::eval::core::{caught_error, exception_value, split_when, visit};
use crate::eval::quoted::{self, Quoter};
use crate::eval::{match_pattern, Builtins, EResult, Env, Error, Exception, Interp};
use crate::syntax::ast::{Kind, Node, StrPart};
use crate::value::{inspect, Struct, Value};

/// `ExUnit.AssertionError.no_value/0`: a field without a meaningful value.
pub const NO_VALUE: &str = "ex_unit_no_meaningful_value";
const MODULE: &str = "ExUnit.Assertions";
const ERROR: &str = "ExUnit.AssertionError";

fn no_value() -> Value {
    Value::atom(NO_VALUE)
}

fn has_value(v: &Value) -> bool {
    v.as_atom() != Some(NO_VALUE)
}

pub fn register(b: &mut Builtins) {
    b.add_macro(MODULE, "assert", &[1], assert_macro);
    b.add(MODULE, "assert", &[2], assert2);
    b.add_macro(MODULE, "refute", &[1], refute_macro);
    b.add(MODULE, "refute", &[2], refute2);
    b.add(MODULE, "assert_raise", &[2, 3], assert_raise);
    b.add(MODULE, "assert_in_delta", &[3, 4], |i, a, s| in_delta(i, a, s, true));
    b.add(MODULE, "refute_in_delta", &[3, 4], |i, a, s| in_delta(i, a, s, false));
    b.add(MODULE, "flunk", &[0, 1], flunk);
    b.add_macro(MODULE, "assert_receive", &[1, 2, 3], |i, a, e, s| assert_receive(i, a, e, s, "assert_receive"));
    b.add_macro(MODULE, "assert_received", &[1, 2], |i, a, e, s| assert_receive(i, a, e, s, "assert_received"));
    b.add_macro(MODULE, "refute_receive", &[1, 2, 3], |i, a, e, s| refute_receive(i, a, e, s, false));
    b.add_macro(MODULE, "refute_received", &[1, 2], |i, a, e, s| refute_receive(i, a, e, s, true));
    b.add_macro(MODULE, "catch_throw", &[1], |i, a, e, s| catch(i, a, e, s, "throw"));
    b.add_macro(MODULE, "catch_exit", &[1], |i, a, e, s| catch(i, a, e, s, "exit"));
    b.add_macro(MODULE, "catch_error", &[1], |i, a, e, s| catch(i, a, e, s, "error"));
    b.add(ERROR, "no_value", &[0], |_, _, _| Ok(no_value()));
    b.add(ERROR, "message", &[1], |_, a, _| Ok(Value::string(message(&a[0]))));
    b.add(ERROR, "exception", &[1], |_, a, s| {
        let st = error_struct(&a[0])
            .ok_or_else(|| raise("FunctionClauseError", "no function clause matching in ExUnit.AssertionError.exception/1", s))?;
        Ok(Value::Struct(Rc::new(st)))
    });
    b.add("Macro", "to_string", &[1], |_, a, _| Ok(Value::string(quoted::to_string(&a[0]))));
    b.add("Macro", "escape", &[1, 2], |_, a, _| Ok(a[0].clone()));
}

// ---- the exception ---------------------------------------------------------------

/// `ExUnit.AssertionError.exception/1`: a message or fields.
fn error_struct(arg: &Value) -> Option<Struct> {
    let fields = crate::eval::core::builtin_exception_fields(ERROR)?;
    let mut st = Struct { module: Rc::from("Elixir.ExUnit.AssertionError"), fields };
    match arg {
        Value::Str(_) => {
            st.set("message", arg.clone());
        }
        other => {
            for (k, v) in other.as_keyword()? {
                if st.has(k) {
                    st.set(k, v.clone());
                }
            }
        }
    }
    Some(st)
}

/// The error `raise ExUnit.AssertionError, fields` raises.
fn failure(fields: Vec<(&str, Value)>, span: Span) -> Box<Error> {
    let kw = Value::keyword(fields);
    let st = error_struct(&kw).unwrap_or_else(|| Struct { module: Rc::from("Elixir.ExUnit.AssertionError"), fields: vec![] });
    let v = Value::Struct(Rc::new(st));
    Box::new(Error::Raise(Exception { kind: ERROR.to_string(), message: message(&v), span, value: Some(v) }))
}

fn flunk_with(message: &str, span: Span) -> Box<Error> {
    failure(vec![("message", Value::str(message))], span)
}

/// `Exception.message/1` of an assertion error: two newlines, then what
/// `ExUnit.Formatter.format_assertion_error/1` writes.
pub(crate) fn message(e: &Value) -> String {
    format!("\n\n{}", report_fields(e, "", None))
}

/// The fields of an assertion error as ExUnit's formatter writes them, each
/// line starting with `prefix` (`"     "` in a test report). `code` is the
/// source line shown when the error carries no expression (a failure from
/// `flunk/1` or `assert_raise/2`), as ExUnit reads it from the test's file.
pub(crate) fn report_fields(e: &Value, prefix: &str, code: Option<&str>) -> String {
    let field = |k: &str| e.get_field(k).cloned().unwrap_or_else(no_value);
    let right = field("right");
    let label_padding = if has_value(&right) { 7 } else { 6 };
    let padding = label_padding + 5;
    let mut fields: Vec<(&str, String)> = vec![];
    let msg = field("message");
    if has_value(&msg) {
        let text = match &msg {
            Value::Str(s) => s.to_string(),
            other => inspect::inspect(other),
        };
        fields.push(("message", pad_multiline(&text, 5)));
    }
    let doctest = field("doctest");
    if has_value(&doctest) {
        fields.push(("doctest", pad_multiline(doctest.as_str().unwrap_or_default(), 7)));
    }
    let expr = field("expr");
    if has_value(&expr) {
        fields.push(("code", code_multiline(&expr, padding)));
    } else if let Some(code) = code {
        fields.push(("code", code.to_string()));
    }
    let args = field("args");
    if let Some(list) = args.as_list().filter(|_| has_value(&args)) {
        let mut s = String::from("\n");
        for (n, a) in list.iter().enumerate() {
            s.push_str(&format!("\n         # {}\n         {}\n", n + 1, inspect::inspect(a)));
        }
        fields.push(("arguments", s));
    }
    let left = field("left");
    let context = field("context");
    match context.as_tuple() {
        Some([tag, _, mailbox]) if tag.as_atom() == Some("mailbox") => {
            let messages = mailbox.as_list().unwrap_or_default();
            if !messages.is_empty() {
                let entries: Vec<String> = messages
                    .iter()
                    .map(|m| format!("\n       pattern: {}\n       value:   {}", code_multiline(&left, padding + 5), inspect::inspect(m)))
                    .collect();
                fields.push(("mailbox", entries.join("\n")));
            }
        }
        _ => {
            let is_match = !matches!(context, Value::Atom(_) | Value::Nil | Value::Bool(_));
            if has_value(&left) {
                fields.push(("left", if is_match { code_multiline(&left, padding) } else { inspect::inspect(&left) }));
            }
            if has_value(&right) {
                fields.push(("right", inspect::inspect(&right)));
            }
        }
    }
    let mut out = String::new();
    for (label, value) in fields {
        out.push_str(prefix);
        if label != "message" {
            out.push_str(&format!("{:<width$}", format!("{label}:"), width = label_padding));
        }
        out.push_str(&value);
        out.push('\n');
    }
    out
}

pub(crate) fn pad_multiline(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    let mut out = String::new();
    for (k, line) in s.split('\n').enumerate() {
        if k > 0 {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&pad);
            }
        }
        out.push_str(line);
    }
    out
}

const ASSERTIONS: &[&str] = &["assert", "assert_raise", "assert_receive", "assert_received", "refute", "refute_receive", "refute_received"];

fn code_multiline(expr: &Value, padding: usize) -> String {
    let text = match expr.as_tuple() {
        Some([Value::Atom(f), _, Value::List(a)]) if a.len() == 1 && ASSERTIONS.contains(&f.as_ref()) => {
            format!("{f} {}", quoted::to_string(&a[0]))
        }
        _ => quoted::to_string(expr),
    };
    pad_multiline(&text, padding)
}

// ---- quoting the caller's code ---------------------------------------------------

fn quote(i: &Interp, n: &Node) -> Value {
    Quoter { lines: i.source_lines.as_deref(), expand_alias: None }.quote(n)
}

/// A pattern as ExUnit expands it: aliases become module atoms.
fn quote_pattern(i: &Interp, n: &Node, env: &Env) -> Value {
    let expand = |parts: &[String]| Value::module(&env.resolve_alias(parts));
    Quoter { lines: i.source_lines.as_deref(), expand_alias: Some(&expand) }.quote(n)
}

fn line_meta(i: &Interp, offset: u32) -> Value {
    match &i.source_lines {
        Some(l) => Value::keyword(vec![("line", Value::Int(l.line(offset as usize)))]),
        None => Value::list(vec![]),
    }
}

/// `{kind, meta, [expr]}`: the code an assertion error shows.
fn code(i: &Interp, kind: &str, meta: Value, n: &Node) -> Value {
    Value::tuple(vec![Value::atom(kind), meta, Value::list(vec![quote(i, n)])])
}

/// The pinned variables of a pattern that the caller defines, as
/// `[{{name, nil}, value}]` sorted by name.
fn pins(n: &Node, env: &Env) -> Vec<Value> {
    let mut found: Vec<(String, Value)> = vec![];
    visit(n, &mut |x| {
        if let Kind::UnOp { op, operand } = &x.kind {
            if let (true, Kind::Var(name)) = (op == "^", &operand.kind) {
                if let Some(v) = env.get(name) {
                    if !found.iter().any(|(k, _)| k == name) {
                        found.push((name.clone(), v.clone()));
                    }
                }
            }
        }
    });
    crate::sort::sort_by(&mut found, |a, b| a.0.cmp(&b.0));
    found.into_iter().map(|(k, v)| Value::tuple(vec![Value::tuple(vec![Value::atom(&k), Value::Nil]), v])).collect()
}

/// `ExUnit.Assertions.__pins__/1`.
fn pins_message(pins: &[Value]) -> String {
    let lines: Vec<String> = pins
        .iter()
        .rev()
        .filter_map(|p| match p.as_tuple() {
            Some([k, v]) => Some(format!("{} = {}", k.as_tuple()?.first()?.as_atom()?, inspect::inspect(v))),
            _ => None,
        })
        .collect();
    if lines.is_empty() {
        String::new()
    } else {
        format!("\nThe following variables were pinned:\n  {}", lines.join("\n  "))
    }
}

fn match_context(pins: &[Value]) -> Value {
    Value::tuple(vec![Value::atom("match"), Value::list(pins.to_vec())])
}

// ---- assert / refute ----------------------------------------------------------

const OPERATORS: &[&str] = &["==", "<", ">", "<=", ">=", "===", "=~", "!==", "!=", "in"];

fn eval_op(i: &mut Interp, op: &str, l: &Value, r: &Value, env: &Env, span: Span) -> EResult<Value> {
    let mut scratch = env.clone();
    scratch.set("\u{0}left", l.clone());
    scratch.set("\u{0}right", r.clone());
    let var = |n: &str| Box::new(Node::new(Kind::Var(n.to_string()), span));
    let node = Node::new(Kind::BinOp { op: op.to_string(), lhs: var("\u{0}left"), rhs: var("\u{0}right") }, span);
    i.eval(&node, &mut scratch)
}

fn assert_macro(i: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let a = &args[0];
    match &a.kind {
        Kind::BinOp { op, lhs, rhs } if op == "=" => {
            let right = i.eval(rhs, env)?;
            let code = code(i, "assert", line_meta(i, lhs.span.end), a);
            let (pat, guard) = split_when(lhs);
            if guard.is_some() {
                return Err(raise(
                    "ArgumentError",
                    format!(
                        "invalid pattern in assert/1:\n\n  {}\n\nTo assert with guards, use match?/2:\n\n  assert match?({}, {})\n",
                        quoted::to_string(&quote(i, lhs)),
                        quoted::to_string(&quote(i, lhs)),
                        quoted::to_string(&quote(i, rhs))
                    ),
                    span,
                ));
            }
            let mut scratch = env.clone();
            if match_pattern(i, pat, &right, &mut scratch)? {
                if !right.is_truthy() {
                    return Err(failure(
                        vec![("expr", code), ("message", Value::string(format!("Expected truthy, got {}", inspect::inspect(&right))))],
                        span,
                    ));
                }
                *env = scratch;
                return Ok(right);
            }
            let pins = pins(pat, env);
            Err(failure(
                vec![
                    ("left", quote_pattern(i, pat, env)),
                    ("right", right),
                    ("expr", code),
                    ("message", Value::string(format!("match (=) failed{}", pins_message(&pins)))),
                    ("context", match_context(&pins)),
                ],
                span,
            ))
        }
        Kind::Call { name, args: margs, .. } if name == "match?" && margs.len() == 2 => {
            match_question_expected(i, env, a, margs, span, Expect { macro_name: "assert", matches: true, failed: "failed" })
        }
        Kind::BinOp { op, lhs, rhs } if OPERATORS.contains(&op.as_str()) => {
            let left = i.eval(lhs, env)?;
            let right = i.eval(rhs, env)?;
            let expr = code(i, "assert", line_meta(i, lhs.span.end), a);
            let message = format!("Assertion with {op} failed");
            if matches!(op.as_str(), "<" | ">" | "!==" | "!=") && left == right {
                return Err(failure(
                    vec![("left", left), ("expr", expr), ("message", Value::string(format!("{message}, both sides are exactly equal")))],
                    span,
                ));
            }
            if eval_op(i, op, &left, &right, env, span)?.is_truthy() {
                return Ok(Value::Bool(true));
            }
            let context = if matches!(op.as_str(), "===" | "!==") { "===" } else { "==" };
            Err(failure(
                vec![
                    ("left", left),
                    ("right", right),
                    ("expr", expr),
                    ("message", Value::string(message)),
                    ("context", Value::atom(context)),
                ],
                span,
            ))
        }
        _ => {
            let (args_v, value) = extract_args(i, a, env, span)?;
            if value.is_truthy() {
                return Ok(value);
            }
            Err(failure(
                vec![
                    ("args", args_v),
                    ("expr", code(i, "assert", Value::list(vec![]), a)),
                    ("message", Value::string(format!("Expected truthy, got {}", inspect::inspect(&value)))),
                ],
                span,
            ))
        }
    }
}

fn refute_macro(i: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let a = &args[0];
    match &a.kind {
        Kind::Call { name, args: margs, .. } if name == "match?" && margs.len() == 2 => match_question_expected(
            i,
            env,
            a,
            margs,
            span,
            Expect { macro_name: "refute", matches: false, failed: "succeeded, but should have failed" },
        ),
        Kind::BinOp { op, lhs, rhs } if OPERATORS.contains(&op.as_str()) => {
            let left = i.eval(lhs, env)?;
            let right = i.eval(rhs, env)?;
            let expr = code(i, "refute", line_meta(i, lhs.span.end), a);
            let message = format!("Refute with {op} failed");
            if matches!(op.as_str(), "<=" | ">=" | "===" | "==" | "=~") && left == right {
                return Err(failure(
                    vec![("left", left), ("expr", expr), ("message", Value::string(format!("{message}, both sides are exactly equal")))],
                    span,
                ));
            }
            let r = eval_op(i, op, &left, &right, env, span)?;
            let negated = match r {
                Value::Bool(b) => !b,
                other => return Err(raise("ArgumentError", format!("argument error: {}", inspect::inspect(&other)), span)),
            };
            if negated {
                return Ok(Value::Bool(false));
            }
            let context = if matches!(op.as_str(), "===" | "!==") { "===" } else { "==" };
            Err(failure(
                vec![
                    ("left", left),
                    ("right", right),
                    ("expr", expr),
                    ("message", Value::string(message)),
                    ("context", Value::atom(context)),
                ],
                span,
            ))
        }
        _ => {
            let (args_v, value) = extract_args(i, a, env, span)?;
            if !value.is_truthy() {
                return Ok(value);
            }
            Err(failure(
                vec![
                    ("args", args_v),
                    ("expr", code(i, "refute", Value::list(vec![]), a)),
                    ("message", Value::string(format!("Expected false or nil, got {}", inspect::inspect(&value)))),
                ],
                span,
            ))
        }
    }
}

/// `match?(pattern, expr)`: whether it matched, and the value.
fn match_question(i: &mut Interp, margs: &[Node], env: &mut Env) -> EResult<(bool, Value)> {
    let right = i.eval(&margs[1], env)?;
    let (pat, guard) = split_when(&margs[0]);
    let mut scratch = env.clone();
    let ok = match_pattern(i, pat, &right, &mut scratch)? && i.guard_ok(guard, &mut scratch)?;
    Ok((ok, right))
}

/// Kernel's macros: a call to one of these is not split into arguments.
const KERNEL_MACROS: &[&str] = &[
    "is_nil",
    "is_struct",
    "is_exception",
    "is_non_struct_map",
    "to_string",
    "to_charlist",
    "match?",
    "if",
    "unless",
    "then",
    "tap",
    "get_and_update_in",
    "put_in",
    "update_in",
    "pop_in",
    "binding",
    "dbg",
    "raise",
    "reraise",
    "destructure",
    "var!",
    "alias!",
    "case",
    "cond",
    "with",
    "for",
    "try",
    "receive",
    "quote",
    "fn",
    "super",
    "__aliases__",
];

fn literal(n: &Node) -> bool {
    match &n.kind {
        Kind::Nil | Kind::Bool(_) | Kind::Int(_) | Kind::BigInt(_) | Kind::Float(_) | Kind::Atom(_) | Kind::Alias(_) => true,
        Kind::Str(parts) => parts.iter().all(|p| matches!(p, StrPart::Lit(_))),
        Kind::List(items) | Kind::Tuple(items) => items.iter().all(literal),
        Kind::Map { update: None, entries } => entries.iter().all(|(k, v)| literal(k) && literal(v)),
        Kind::Struct { name, update: None, entries } => literal(name) && entries.iter().all(|(k, v)| literal(k) && literal(v)),
        _ => false,
    }
}

/// ExUnit's `extract_args/2`: a plain function call is evaluated argument
/// by argument so a failure can show them; anything else is evaluated whole.
fn extract_args(i: &mut Interp, a: &Node, env: &mut Env, span: Span) -> EResult<(Value, Value)> {
    let call_args: Option<&[Node]> = match &a.kind {
        Kind::Call { name, args, .. } if !args.is_empty() => {
            let arity = args.len();
            let reserved = crate::eval::core::is_special_form(name, arity) || KERNEL_MACROS.contains(&name.as_str());
            let macro_ = matches!(
                i.resolve_call(name, arity, env),
                Some(crate::eval::core::Callee::Macro(_) | crate::eval::core::Callee::UserMacro(_))
            );
            (!reserved && !macro_).then_some(args.as_slice())
        }
        Kind::Dot { target, name, args, .. } if !args.is_empty() => {
            let is_macro = match &target.kind {
                Kind::Alias(parts) => {
                    let m = env.resolve_alias(parts);
                    !matches!(i.resolve_remote(&m, name, args.len()), crate::eval::core::Callee::Function(_))
                }
                _ => false,
            };
            (!is_macro).then_some(args.as_slice())
        }
        Kind::AnonCall { args, .. } if !args.is_empty() => Some(args.as_slice()),
        _ => None,
    };
    let Some(call_args) = call_args.filter(|args| !args.iter().all(literal)) else {
        return Ok((no_value(), i.eval(a, env)?));
    };
    let values = i.eval_args(call_args, env)?;
    let mut scratch = env.clone();
    let vars: Vec<Node> = (0..values.len()).map(|k| Node::new(Kind::Var(format!("\u{0}arg{k}")), span)).collect();
    for (k, v) in values.iter().enumerate() {
        scratch.set(&format!("\u{0}arg{k}"), v.clone());
    }
    let call = match &a.kind {
        Kind::Call { name, parens, .. } => Kind::Call { name: name.clone(), args: vars, parens: *parens },
        Kind::Dot { target, name, parens, .. } => Kind::Dot { target: target.clone(), name: name.clone(), args: vars, parens: *parens },
        Kind::AnonCall { fun, .. } => Kind::AnonCall { fun: fun.clone(), args: vars },
        _ => return Ok((no_value(), i.eval(a, env)?)),
    };
    let value = i.eval(&Node::new(call, a.span), &mut scratch)?;
    Ok((Value::list(values), value))
}

/// `assert(value, message_or_opts)`.
fn assert2(_i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let opts = opts_of(&a[1], "assert/2", s)?;
    if !a[0].is_truthy() {
        return Err(failure(opts, s));
    }
    Ok(Value::Bool(true))
}

/// `refute(value, message)`.
fn refute2(_i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let opts = opts_of(&a[1], "refute/2", s)?;
    if a[0].is_truthy() {
        return Err(failure(opts, s));
    }
    Ok(Value::Bool(false))
}

fn opts_of<'a>(v: &'a Value, fun: &str, s: Span) -> EResult<Vec<(&'a str, Value)>> {
    match v {
        Value::Str(_) => Ok(vec![("message", v.clone())]),
        other => match other.as_keyword() {
            Some(kw) => Ok(kw.into_iter().map(|(k, v)| (k, v.clone())).collect()),
            None => Err(raise("FunctionClauseError", format!("no function clause matching in ExUnit.Assertions.{fun}"), s)),
        },
    }
}

// ---- assert_raise, deltas, flunk, catch_* --------------------------------------------

fn assert_raise(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let exception = a[0].clone();
    let fun = a.last().cloned().unwrap_or(Value::Nil);
    if !matches!(&fun, Value::Fun(f) if f.arity() == 0) {
        return Err(raise("FunctionClauseError", format!("no function clause matching in ExUnit.Assertions.assert_raise/{}", a.len()), s));
    }
    let name = inspect::inspect(&exception);
    let error = match i.apply(&fun, vec![], s) {
        Ok(_) => return Err(flunk_with(&format!("Expected exception {name} but nothing was raised"), s)),
        Err(e) => match *e {
            Error::Raise(ex) if ex.kind != "exit" => ex,
            other => return Err(Box::new(other)),
        },
    };
    let raised = format!("Elixir.{}", error.kind);
    if exception.as_atom() != Some(raised.as_str()) {
        if error.kind == ERROR {
            return Err(Box::new(Error::Raise(error)));
        }
        return Err(flunk_with(&format!("Expected exception {name} but got {} ({})", error.kind, error.message), s));
    }
    let value = exception_value(&error);
    if a.len() == 3 {
        let expected = &a[1];
        let ok = match expected {
            Value::Str(m) => **m == *error.message,
            Value::Regex(_) => i.call("Regex", "match?", vec![expected.clone(), Value::string(error.message.clone())], s)?.is_truthy(),
            _ => return Err(raise("CondClauseError", "no cond clause evaluated to a truthy value", s)),
        };
        if !ok {
            let message = format!(
                "Wrong message for {name}\nexpected:\n  {}\nactual:\n  {}",
                inspect::inspect(expected),
                inspect::inspect(&Value::string(error.message.clone()))
            );
            return Err(flunk_with(&message, s));
        }
    }
    Ok(value)
}

fn in_delta(i: &mut Interp, a: Vec<Value>, s: Span, assert: bool) -> EResult<Value> {
    let (v1, v2, delta) = (&a[0], &a[1], &a[2]);
    let given = a.get(3).cloned().unwrap_or(Value::Nil);
    if assert && i.call("Kernel", "<", vec![delta.clone(), Value::Int(0)], s)?.is_truthy() {
        return Err(raise("ArgumentError", format!("delta must always be a positive number, got: {}", inspect::inspect(delta)), s));
    }
    let diff = i.call("Kernel", "-", vec![v1.clone(), v2.clone()], s)?;
    let diff = i.call("Kernel", "abs", vec![diff], s)?;
    let (x, y, d, dd) = (inspect::inspect(v1), inspect::inspect(v2), inspect::inspect(&diff), inspect::inspect(delta));
    if assert {
        let message = match &given {
            Value::Nil | Value::Bool(false) => {
                Value::string(format!("Expected the difference between {x} and {y} ({d}) to be less than or equal to {dd}"))
            }
            m => m.clone(),
        };
        let ok = i.call("Kernel", "<=", vec![diff, delta.clone()], s)?;
        assert2(i, vec![ok, message], s)
    } else {
        let message = match &given {
            Value::Nil | Value::Bool(false) => format!("Expected the difference between {x} and {y} ({d}) to be more than {dd}"),
            m => format!("{} (difference between {x} and {y} is less than {dd})", i.to_string_value(m, s)?),
        };
        let close = i.call("Kernel", "<", vec![diff, delta.clone()], s)?;
        refute2(i, vec![close, Value::string(message)], s)
    }
}

fn flunk(_i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    match a.first() {
        None => Err(flunk_with("Flunked!", s)),
        Some(Value::Str(m)) => Err(flunk_with(m, s)),
        Some(_) => Err(raise("FunctionClauseError", "no function clause matching in ExUnit.Assertions.flunk/1", s)),
    }
}

fn catch(i: &mut Interp, a: &[Node], env: &mut Env, s: Span, kind: &str) -> EResult<Value> {
    let mut scratch = env.clone();
    let e = match i.eval(&a[0], &mut scratch) {
        Ok(_) => return Err(flunk_with(&format!("Expected to catch {kind}, got nothing"), s)),
        Err(e) => e,
    };
    match (kind, *e) {
        (_, Error::Raise(ex)) if ex.kind == ERROR => Err(Box::new(Error::Raise(ex))),
        ("throw", Error::Throw(v, _)) => Ok(v),
        ("exit", Error::Raise(ex)) if ex.kind == "exit" => Ok(ex.value.clone().unwrap_or(Value::Nil)),
        ("error", Error::Raise(ex)) if ex.kind != "exit" => Ok(caught_error(&ex)),
        (_, other) => Err(Box::new(other)),
    }
}

// ---- messages ----------------------------------------------------------------------

fn timeout(i: &mut Interp, a: Option<&Node>, env: &mut Env, default: i64, s: Span) -> EResult<i64> {
    let v = match a {
        Some(n) => i.eval(n, env)?,
        None => Value::Nil,
    };
    match v {
        Value::Nil => Ok(default),
        Value::Int(t) if t >= 0 => Ok(t),
        other => Err(raise("ArgumentError", format!("timeout must be a non-negative integer, got: {}", inspect::inspect(&other)), s)),
    }
}

/// The first message in the mailbox matching `pattern` (taken out, its
/// variables bound in `env`).
fn receive_matching(i: &mut Interp, pattern: &Node, env: &mut Env) -> EResult<Option<Value>> {
    let (pat, guard) = split_when(pattern);
    for (k, msg) in process::mailbox(i).into_iter().enumerate() {
        let mut scratch = env.clone();
        if match_pattern(i, pat, &msg, &mut scratch)? && i.guard_ok(guard, &mut scratch)? {
            process::take_message(i, k);
            *env = scratch;
            return Ok(Some(msg));
        }
    }
    Ok(None)
}

fn assert_receive(i: &mut Interp, a: &[Node], env: &mut Env, s: Span, kind: &str) -> EResult<Value> {
    let received = kind == "assert_received";
    let (timeout_node, message_node) = if received { (None, a.get(1)) } else { (a.get(1), a.get(2)) };
    let timeout = if received { 0 } else { timeout(i, timeout_node, env, 100, s)? };
    if let Some(msg) = receive_matching(i, &a[0], env)? {
        return Ok(msg);
    }
    super::calendar::sleep(i, timeout);
    if let Some(m) = message_node {
        let m = i.eval(m, env)?;
        return flunk(i, vec![m], s);
    }
    let (pat, _) = split_when(&a[0]);
    let pins = pins(pat, env);
    let messages = process::mailbox(i);
    let shown: Vec<Value> = messages.iter().skip(messages.len().saturating_sub(10)).cloned().collect();
    let count = match messages.len() {
        0 => "\nThe process mailbox is empty.".to_string(),
        1 => "\nShowing 1 of 1 message in the mailbox".to_string(),
        n if n > 10 => format!("\nShowing 10 of {n} messages in the mailbox"),
        n => format!("\nShowing {n} of {n} messages in the mailbox"),
    };
    let message = format!("Assertion failed, no matching message after {timeout}ms{}{count}", pins_message(&pins));
    Err(failure(
        vec![
            ("left", quote_pattern(i, &a[0], env)),
            ("expr", code(i, kind, Value::list(vec![]), &a[0])),
            ("message", Value::string(message)),
            ("context", Value::tuple(vec![Value::atom("mailbox"), Value::list(pins), Value::list(shown)])),
        ],
        s,
    ))
}

fn refute_receive(i: &mut Interp, a: &[Node], env: &mut Env, s: Span, received: bool) -> EResult<Value> {
    let (timeout_node, message_node) = if received { (None, a.get(1)) } else { (a.get(1), a.get(2)) };
    let timeout = if received { 0 } else { timeout(i, timeout_node, env, 100, s)? };
    let mut scratch = env.clone();
    match receive_matching(i, &a[0], &mut scratch)? {
        Some(actual) => {
            if let Some(m) = message_node {
                let m = i.eval(m, env)?;
                return flunk(i, vec![m], s);
            }
            let pattern = quoted::to_string(&quote(i, &a[0]));
            Err(flunk_with(&format!("Unexpectedly received message {} (which matched {pattern})", inspect::inspect(&actual)), s))
        }
        None => {
            super::calendar::sleep(i, timeout);
            Ok(Value::Bool(false))
        }
    }
}

/// What `assert match?(...)` or `refute match?(...)` expects.
struct Expect {
    macro_name: &'static str,
    /// Whether the pattern should match.
    matches: bool,
    /// How the message says it went otherwise.
    failed: &'static str,
}

/// `assert`/`refute` of `match?(pattern, value)`: the expected outcome
/// returns it, the other one raises ExUnit's AssertionError.
fn match_question_expected(i: &mut Interp, env: &mut Env, a: &Node, margs: &[Node], span: Span, expect: Expect) -> EResult<Value> {
    let (matched, right) = match_question(i, margs, env)?;
    if matched == expect.matches {
        return Ok(Value::Bool(matched));
    }
    let (pat, _) = split_when(&margs[0]);
    let pins = pins(pat, env);
    Err(failure(
        vec![
            ("right", right),
            ("left", quote_pattern(i, &margs[0], env)),
            ("expr", code(i, expect.macro_name, line_meta(i, a.span.start), a)),
            ("message", Value::string(format!("match (match?) {}{}", expect.failed, pins_message(&pins)))),
            ("context", match_context(&pins)),
        ],
        span,
    ))
}
