//! Shared driver: evaluate a corpus file top to bottom and hand out its
//! entries, each evaluated on its own so one failing entry does not hide
//! the others.

use engine::eval::{EResult, Env, Error, Interp};
use engine::syntax::{self, Kind, Node};
use engine::Value;

pub struct Corpus {
    pub interp: Interp,
    pub env: Env,
    /// The entries of the binding, in order: name and result.
    pub entries: Vec<(String, EResult<Value>)>,
}

/// Evaluates `source` with the given modules imported. The top-level
/// assignment to `binding` (e.g. `queries = [...]`) is not evaluated as a
/// whole: each `name: expr` entry is evaluated separately. `fn -> ... end`
/// entries are called; `quote(do: ...)` entries are evaluated in the
/// top-level environment.
pub fn load(source: &str, imports: &[&str], binding: &str) -> Corpus {
    load_with(source, imports, binding, interp())
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

/// An interpreter with the command line's limits. The BEAM grows a
/// process's stack on the heap, so body-recursive functions go hundreds of
/// thousands deep; here recursion is bounded by the thread's stack, with
/// room to spare for the work done after the limit stops evaluation.
pub fn interp() -> Interp {
    let mut interp = engine::interp();
    interp.limits.max_depth = 2_000_000;
    interp.limits.max_native_depth = 1_000_000;
    interp.limits.max_stack = Some(STACK_SIZE - (64 << 20));
    // A loop of ten million iterations takes a few hundred million steps.
    interp.limits.max_steps = 2_000_000_000;
    interp.limits.max_memory = Some(MAX_MEMORY);
    interp.memory_in_use = Some(resident_bytes);
    interp
}

pub fn load_with(source: &str, imports: &[&str], binding: &str, mut interp: Interp) -> Corpus {
    let parsed = syntax::parse(source);
    interp.note_source_atoms(&parsed.root);
    for e in &parsed.errors {
        eprintln!("syntax error at {}..{}: {}", e.span.start, e.span.end, e.message);
    }
    let mut env = Interp::env_with_imports(imports);
    let mut entries = Vec::new();
    let items: Vec<Node> = match parsed.root.kind {
        Kind::Block(items) => items,
        other => vec![Node::new(other, parsed.root.span)],
    };
    for item in &items {
        if let Some(list) = binding_list(item, binding) {
            for (name, expr) in list {
                let result = eval_entry(&mut interp, &mut env, expr);
                entries.push((name, result));
            }
            continue;
        }
        if let Err(e) = interp.eval(item, &mut env) {
            eprintln!("error at {}..{}: ({}) {}", e.span().start, e.span().end, e.kind(), e.message());
        }
    }
    Corpus { interp, env, entries }
}

/// `binding = [name: expr, ...]` → the pairs.
fn binding_list<'a>(item: &'a Node, binding: &str) -> Option<Vec<(String, &'a Node)>> {
    if let Kind::BinOp { op, lhs, rhs } = &item.kind {
        if op == "=" && matches!(&lhs.kind, Kind::Var(v) if v == binding) {
            return rhs.as_keyword().map(|kw| kw.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        }
    }
    None
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
