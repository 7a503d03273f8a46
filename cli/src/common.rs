//! Shared driver: evaluate a corpus file top to bottom and hand out its
//! entries, each evaluated on its own so one failing entry does not hide
//! the others.

use engine::diag::Span;
use engine::eval::{EResult, Env, Error, Interp};
use engine::syntax::{Kind, Node};
use engine::Value;
use serde_json::{Map, Value as Json};

use crate::input::{Failure, Input};

pub struct Corpus {
    pub interp: Interp,
    /// The entries of the binding, in order.
    pub entries: Vec<Entry>,
    /// Whether an error outside the entries was printed.
    pub failed: bool,
}

/// One `name: expr` entry: its name, where it is, and its result.
pub struct Entry {
    pub name: String,
    pub span: Span,
    pub result: EResult<Value>,
}

/// Evaluates `input` with the given modules imported. The top-level
/// assignment to `binding` (e.g. `queries = [...]`) is not evaluated as a
/// whole: each `name: expr` entry is evaluated separately. `fn -> ... end`
/// entries are called; `quote(do: ...)` entries are evaluated in the
/// top-level environment.
pub fn load(input: &Input, imports: &[&str], binding: &str) -> Result<Corpus, Failure> {
    let items = checked_items(input, binding)?;
    let mut interp = interp();
    interp.set_source(&input.text);
    for item in &items {
        interp.note_source_atoms(item);
    }
    let mut env = Interp::env_with_imports(imports);
    let mut entries = Vec::new();
    let mut failed = false;
    for item in &items {
        match top_item(item, binding) {
            Item::Entries(list) => {
                for (name, expr) in list {
                    let result = eval_entry(&mut interp, &mut env, expr);
                    entries.push(Entry { name, span: expr.span, result });
                }
            }
            Item::NotAList(rhs) => return Err(not_a_list(input, &mut interp, &mut env, binding, rhs)),
            Item::Plain(node) => failed |= eval_top(input, &mut interp, &mut env, node).is_none(),
        }
    }
    Ok(Corpus { interp, entries, failed })
}

/// What a top-level expression is to a command that reads `binding`.
pub enum Item<'a> {
    /// `binding = [name: expr, ...]`
    Entries(Vec<(String, &'a Node)>),
    /// `binding = something that is not a keyword list`
    NotAList(&'a Node),
    /// Anything else, evaluated in order.
    Plain(&'a Node),
}

pub fn top_item<'a>(item: &'a Node, binding: &str) -> Item<'a> {
    if let Kind::BinOp { op, lhs, rhs } = &item.kind {
        if op == "=" && matches!(&lhs.kind, Kind::Var(v) if v == binding) {
            return match rhs.as_keyword() {
                Some(kw) => Item::Entries(kw.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
                None => Item::NotAList(rhs),
            };
        }
    }
    Item::Plain(item)
}

/// The file's top-level expressions, once it is known to parse and to hold
/// `binding = ...`.
pub fn checked_items(input: &Input, binding: &str) -> Result<Vec<Node>, Failure> {
    let expected = format!("`{binding} = [name: ..., ...]`");
    // Both name where the list was looked for: the file's end.
    let (line, col) = input.line_col(input.text.len());
    if input.text.trim().is_empty() {
        return Err(Failure(format!("ectoplasm: {}:{line}:{col}: the file is empty; expected {expected}", input.path)));
    }
    let items = Input::items(input.parse()?);
    if !items.iter().any(|i| !matches!(top_item(i, binding), Item::Plain(_))) {
        return Err(Failure(format!("ectoplasm: {}:{line}:{col}: the file has no {expected} list", input.path)));
    }
    compile_check(input, &items)?;
    Ok(items)
}

/// Refuses a file that Elixir would not compile (outside `quote(do: ...)`
/// entries, whose compile errors belong to the entry).
pub fn compile_check(input: &Input, items: &[Node]) -> Result<(), Failure> {
    for item in items {
        if let Err(e) = engine::eval::expand::check(item) {
            return Err(Failure(input.runtime_error(&e)));
        }
    }
    Ok(())
}

/// Evaluates a top-level expression; an error is printed as Elixir prints
/// it and gives `None`.
pub fn eval_top(input: &Input, interp: &mut Interp, env: &mut Env, node: &Node) -> Option<Value> {
    interp.steps = 0;
    interp.depth = 0;
    match interp.eval(node, env) {
        Ok(v) => Some(v),
        Err(e) => {
            eprintln!("{}", input.runtime_error(&e));
            None
        }
    }
}

/// `binding = rhs` where `rhs` is not a literal keyword list: says what it is.
pub fn not_a_list(input: &Input, interp: &mut Interp, env: &mut Env, binding: &str, rhs: &Node) -> Failure {
    let (line, col) = input.line_col(rhs.span.start as usize);
    let what = match interp.eval(rhs, env) {
        Ok(v) => format!("{}: {}", describe(&v), engine::value::inspect::inspect(&v)),
        Err(e) => format!("an expression that raised ({}) {}", e.kind(), e.message()),
    };
    Failure(format!(
        "ectoplasm: {}:{line}:{col}: `{binding}` must be a literal keyword list of entries (`{binding} = [name: ..., ...]`), got {what}",
        input.path
    ))
}

/// The kind of a value, in words.
fn describe(v: &Value) -> &'static str {
    match v {
        Value::Nil => "nil",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::BigInt(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Atom(_) => "an atom",
        Value::Str(_) | Value::Bytes(_) => "a string",
        Value::Bits(_) => "a bitstring",
        Value::List(l) if l.is_empty() => "an empty list",
        Value::List(_) => "a list that is not a keyword list",
        Value::Improper(_) => "an improper list",
        Value::Tuple(_) => "a tuple",
        Value::Map(_) => "a map",
        Value::Struct(_) | Value::Decimal(_) | Value::Date(_) | Value::Time(_) | Value::NaiveDateTime(_) | Value::DateTime(_) => "a struct",
        Value::Range(..) => "a range",
        Value::MapSet(_) => "a MapSet",
        Value::Regex(_) => "a regex",
        Value::Fun(_) => "a function",
        Value::Quoted(_) => "a quoted expression",
        Value::Opaque(_) => "a value",
    }
}

/// Puts `line` and `column` (1-based) of an error into an entry's line: the
/// error's own span, else the entry's.
pub fn put_position(obj: &mut Map<String, Json>, input: &Input, error: Span, entry: Span) {
    let (line, column) = input.position(error, entry);
    obj.insert("line".into(), Json::from(line));
    obj.insert("column".into(), Json::from(column));
}

/// The memory a program may hold before evaluation stops (a runaway
/// program ends in the evaluator's error, not in the system killing it).
pub const MAX_MEMORY: usize = 4 << 30;

/// The process's resident memory (Linux: `/proc/self/statm`); 0 where it
/// cannot be read, which never stops evaluation.
fn resident_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<usize>().ok()))
        .map_or(0, |pages| pages * 4096)
}

/// The stack user code runs on (see `main`).
pub const STACK_SIZE: usize = 512 << 20;

/// An interpreter with the command line's limits. As on the BEAM, body
/// recursion of user functions lives on the heap (two million nested calls);
/// evaluations nested on this thread's stack (through built-ins, `try`,
/// `for`, ...) are bounded by the stack itself, with room to spare for the
/// work done after the limit stops evaluation, and memory by `MAX_MEMORY`.
pub fn interp() -> Interp {
    let mut interp = engine::interp();
    set_limits(&mut interp);
    interp
}

/// The command line's limits (see [`interp`]) on an interpreter made elsewhere.
pub fn set_limits(interp: &mut Interp) {
    interp.limits.max_depth = 2_000_000;
    interp.limits.max_native_depth = 1_000_000;
    interp.limits.max_stack = Some(STACK_SIZE - (64 << 20));
    // A loop of ten million iterations takes a few hundred million steps.
    interp.limits.max_steps = 2_000_000_000;
    interp.limits.max_memory = Some(MAX_MEMORY);
    interp.memory_in_use = Some(resident_bytes);
}

/// Evaluates one entry: calls zero-arity `fn`s and unwraps `quote`s.
pub fn eval_entry(interp: &mut Interp, env: &mut Env, expr: &Node) -> EResult<Value> {
    interp.steps = 0;
    interp.depth = 0;
    let mut local = env.clone();
    match &expr.kind {
        Kind::Call { name, args, .. } if name == "quote" && args.len() == 1 => match args[0].keyword_get("do") {
            Some(body) => interp.eval(body, &mut local),
            None => Err(Error::raise("CompileError", "quote expects a do: block", expr.span)),
        },
        _ => {
            let v = interp.eval(expr, &mut local)?;
            match &v {
                Value::Fun(f) if f.arity() == 0 => interp.apply(&v, vec![], expr.span),
                _ => Ok(v),
            }
        }
    }
}
