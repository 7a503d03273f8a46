//! ExUnit's test cases and runner, as a notebook uses them:
//! `ExUnit.start/0,1`, `ExUnit.configure/1`, modules with `use ExUnit.Case`
//! (`test`, `describe`, `setup`, `setup_all`, `@tag`, `@moduletag`,
//! `@describetag`), and `ExUnit.run/0`, which runs every test module defined
//! since the last run and prints the report ExUnit 1.18's CLI formatter
//! writes (colors off) to the program's output, where `IO.puts` writes.
//!
//! Order: modules with `async: true` first, then the others, each group in
//! definition order (as `ExUnit.Server` hands them out); tests in definition
//! order, which is what ExUnit does with `seed: 0`. The seed is 0 unless
//! `ExUnit.start/1` or `ExUnit.configure/1` set another one; a non-zero seed is
//! printed but tests still run in definition order (ExUnit would shuffle them
//! with `:rand`, whose exact sequence this evaluator does not reproduce).
//! Each test runs as if in its own process: it starts with an empty mailbox
//! and its messages are dropped afterwards.

use std::rc::Rc;

use super::{process, raise};
use crate::diag::Span;
use crate::eval::core::exception_value;
use crate::eval::quoted::SourceLines;
use crate::eval::{match_pattern, Builtins, EResult, Env, Error, Exception, Interp};
use crate::syntax::ast::{Kind, Node};
use crate::value::{inspect, Atom, MapT, Value};

/// The host's name for the code it evaluates (`Env.file` in Elixir):
/// test locations and stack entries print it. `nofile` until set.
pub fn set_file(i: &mut Interp, name: &str) {
    i.ext::<State>().file = Some(Rc::from(name));
}

/// The totals of the last `ExUnit.run/0`, for hosts (a lesson's check).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    pub total: usize,
    pub failures: usize,
    pub skipped: usize,
    pub excluded: usize,
}

/// Every run since the interpreter started (or since `take_runs`), oldest first.
pub fn take_runs(i: &mut Interp) -> Vec<RunStats> {
    std::mem::take(&mut i.ext::<State>().runs)
}

#[derive(Default)]
struct State {
    file: Option<Rc<str>>,
    autorun: bool,
    seed: i64,
    max_cases: Option<i64>,
    /// Test modules defined since the last run, in definition order.
    pending: Vec<TestModule>,
    /// The `describe` block being defined: its name and line.
    describe: Option<(String, i64)>,
    runs: Vec<RunStats>,
}

#[derive(Clone)]
struct TestModule {
    name: Atom,
    async_: bool,
    tests: Vec<TestCase>,
    setup: Vec<Callback>,
    setup_all: Vec<Callback>,
}

#[derive(Clone)]
struct Source {
    file: Rc<str>,
    lines: Option<Rc<SourceLines>>,
}

impl Source {
    fn line(&self, span: Span) -> i64 {
        match &self.lines {
            Some(l) if !span.is_none() => l.line(span.start as usize),
            _ => 0,
        }
    }
}

#[derive(Clone)]
struct TestCase {
    /// `"test name"` or `"test describe name"`.
    name: String,
    describe: Option<(String, i64)>,
    /// The context pattern (`test "x", %{a: a} do`).
    pattern: Option<Node>,
    body: Node,
    env: Env,
    source: Source,
    line: i64,
    tags: Vec<(Value, Value)>,
    /// The module's attributes when the test was defined: `@attr` in the
    /// body reads these (the code an assertion shows keeps `@attr`).
    attrs: Rc<std::collections::HashMap<String, Value>>,
}

#[derive(Clone)]
enum CallbackKind {
    Block {
        pattern: Option<Node>,
        body: Node,
        env: Env,
        source: Source,
    },
    /// `setup :name` / `setup [:a, :b]`: functions of the module.
    Fun(String, Span),
}

#[derive(Clone)]
struct Callback {
    /// `None`: the whole module; `Some(name)`: the tests of one describe.
    describe: Option<String>,
    kind: CallbackKind,
}

pub fn register(b: &mut Builtins) {
    b.add("ExUnit", "start", &[0, 1], |i, a, s| {
        let opts = a.first().cloned().unwrap_or_else(|| Value::list(vec![]));
        configure(i, &opts, s)?;
        let st = i.ext::<State>();
        st.autorun = opts.keyword_get("autorun").map(Value::is_truthy).unwrap_or(true);
        Ok(Value::atom("ok"))
    });
    b.add("ExUnit", "configure", &[1], |i, a, s| {
        configure(i, &a[0], s)?;
        Ok(Value::atom("ok"))
    });
    b.add("ExUnit", "run", &[0, 1], |i, _, s| run(i, s));
    b.add("ExUnit", "plural_rule", &[1], |_, a, _| Ok(Value::string(format!("{}s", a[0].as_str().unwrap_or_default()))));
    b.add("ExUnit.CaptureIO", "capture_io", &[1, 2, 3], capture_io);
    b.add("ExUnit.CaptureIO", "with_io", &[1, 2, 3], |i, a, s| {
        let (value, text) = captured(i, &a, "with_io", s)?;
        Ok(Value::tuple(vec![value, Value::string(text)]))
    });
    b.add_macro("ExUnit.Case", "__using__", &[1], using);
    b.add_macro("ExUnit.Case", "test", &[1, 2, 3], test);
    b.add_macro("ExUnit.Case", "describe", &[2], describe);
    b.add_macro("ExUnit.Callbacks", "setup", &[1, 2], |i, a, e, s| callback(i, a, e, s, false));
    b.add_macro("ExUnit.Callbacks", "setup_all", &[1, 2], |i, a, e, s| callback(i, a, e, s, true));
}

/// Whether `ExUnit.start/0` (autorun on) left test modules to run when the
/// program ends; a script host runs them then (`run_pending`).
pub fn autorun_pending(i: &mut Interp) -> bool {
    let st = i.ext::<State>();
    st.autorun && !st.pending.is_empty()
}

/// Whether test modules were defined since the last `ExUnit.run/0`.
pub fn has_pending(i: &mut Interp) -> bool {
    !i.ext::<State>().pending.is_empty()
}

/// Runs the pending test modules now (the `System.at_exit` of
/// `ExUnit.start/0`), printing the report.
pub fn run_pending(i: &mut Interp) -> EResult<Value> {
    run(i, Span::NONE)
}

/// Runs the function (the last argument) and returns its value and what it
/// printed, which is kept out of the program's output. Every device prints
/// to the one output here, so `:stderr` captures it too; input is not read.
fn captured(i: &mut Interp, a: &[Value], name: &str, s: Span) -> EResult<(Value, String)> {
    let fun = a.last().cloned().unwrap_or(Value::Nil);
    if !matches!(&fun, Value::Fun(f) if f.arity() == 0) {
        return Err(raise("FunctionClauseError", format!("no function clause matching in ExUnit.CaptureIO.{name}/{}", a.len()), s));
    }
    let before = std::mem::take(&mut i.output);
    let r = i.apply(&fun, vec![], s);
    let text = std::mem::replace(&mut i.output, before);
    Ok((r?, text))
}

/// `ExUnit.CaptureIO.capture_io/1,2,3`.
fn capture_io(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    Ok(Value::string(captured(i, &a, "capture_io", s)?.1))
}

fn configure(i: &mut Interp, opts: &Value, s: Span) -> EResult<()> {
    let kw = opts.as_keyword().ok_or_else(|| raise("FunctionClauseError", "no function clause matching in ExUnit.configure/1", s))?;
    let mut seed = None;
    let mut max_cases = None;
    for (k, v) in kw {
        match k {
            "seed" => seed = v.as_int(),
            "max_cases" => max_cases = v.as_int(),
            _ => {}
        }
    }
    let st = i.ext::<State>();
    if let Some(n) = seed {
        st.seed = n;
    }
    if max_cases.is_some() {
        st.max_cases = max_cases;
    }
    Ok(())
}

fn source(i: &mut Interp) -> Source {
    let lines = i.source_lines.clone();
    let file = i.ext::<State>().file.clone().unwrap_or_else(|| Rc::from("nofile"));
    Source { file, lines }
}

fn current_module(env: &Env, what: &str, s: Span) -> EResult<Atom> {
    env.module.clone().ok_or_else(|| raise("RuntimeError", format!("cannot call {what} outside of a test module (use ExUnit.Case)"), s))
}

fn with_module<T>(i: &mut Interp, module: &Atom, f: impl FnOnce(&mut TestModule) -> T) -> Option<T> {
    i.ext::<State>().pending.iter_mut().rev().find(|m| m.name == *module).map(f)
}

/// `use ExUnit.Case, async: true`: the module becomes a test module.
fn using(i: &mut Interp, args: &[Node], env: &mut Env, s: Span) -> EResult<Value> {
    let module = current_module(env, "use ExUnit.Case", s)?;
    let opts = i.eval(&args[0], env)?;
    let async_ = opts.keyword_get("async").is_some_and(Value::is_truthy);
    env.add_import("ExUnit.Callbacks");
    env.add_import("ExUnit.Assertions");
    env.add_import("ExUnit.Case");
    let st = i.ext::<State>();
    st.describe = None;
    // Redefining a module that has not run yet replaces it.
    st.pending.retain(|m| m.name != module);
    st.pending.push(TestModule { name: module, async_, tests: vec![], setup: vec![], setup_all: vec![] });
    Ok(Value::Nil)
}

/// `@tag`-style values as `{key, value}` pairs: `:slow` is `slow: true`.
fn tag_pairs(v: &Value) -> Vec<(Value, Value)> {
    match v {
        Value::Atom(_) => vec![(v.clone(), Value::Bool(true))],
        Value::List(items) => items.iter().flat_map(tag_pairs).collect(),
        Value::Tuple(t) if t.len() == 2 => vec![(t[0].clone(), t[1].clone())],
        _ => vec![],
    }
}

/// Takes a module attribute that applies to the next test only.
fn take_attr(i: &mut Interp, module: &Atom, name: &str) -> Option<Value> {
    i.modules.get_mut(&**module)?.attributes.remove(name)
}

fn do_block(n: &Node) -> Option<&Node> {
    match &n.kind {
        Kind::List(_) => n.keyword_get("do"),
        _ => None,
    }
}

/// `test "name" do ... end`, `test "name", context do ... end`, `test "name"`.
fn test(i: &mut Interp, args: &[Node], env: &mut Env, s: Span) -> EResult<Value> {
    let module = current_module(env, "test/2", s)?;
    if with_module(i, &module, |_| ()).is_none() {
        return Err(raise(
            "RuntimeError",
            format!("cannot define test in {}: it does not use ExUnit.Case", inspect::inspect(&Value::Atom(module))),
            s,
        ));
    }
    let name = i.eval(&args[0], env)?;
    let name = match &name {
        Value::Str(n) => n.to_string(),
        Value::Atom(a) => a.to_string(),
        other => return Err(raise("ArgumentError", format!("test name must be a string, got: {}", inspect::inspect(other)), s)),
    };
    let (pattern, body) = match args {
        [_] => (None, None),
        [_, opts] => (None, do_block(opts)),
        [_, pat, opts] => (Some(pat.clone()), do_block(opts)),
        _ => (None, None),
    };
    if args.len() > 1 && body.is_none() {
        return Err(raise("ArgumentError", "test/3 expects a do block", s));
    }
    let mut tags = vec![];
    if let Some(t) = i.modules.get(&*module).and_then(|m| m.attributes.get("describetag")).cloned() {
        if i.ext::<State>().describe.is_some() {
            tags.extend(tag_pairs(&t));
        }
    }
    if let Some(t) = take_attr(i, &module, "tag") {
        tags.extend(tag_pairs(&t));
    }
    let body = match body {
        Some(b) => b.clone(),
        None => {
            tags.push((Value::atom("not_implemented"), Value::Bool(true)));
            Node::new(
                Kind::Dot {
                    target: Box::new(Node::new(Kind::Alias(vec!["ExUnit".into(), "Assertions".into()]), s)),
                    name: "flunk".into(),
                    args: vec![Node::new(Kind::Str(vec![crate::syntax::ast::StrPart::Lit("Not implemented".into())]), s)],
                    parens: true,
                },
                s,
            )
        }
    };
    let pattern = pattern.map(|p| i.expand_attrs(&p, &module));
    let attrs = Rc::new(i.modules.get(&*module).map(|m| m.attributes.clone()).unwrap_or_default());
    let describe = i.ext::<State>().describe.clone();
    let full = match &describe {
        Some((d, _)) => format!("test {d} {name}"),
        None => format!("test {name}"),
    };
    let source = source(i);
    let line = source.line(s);
    let case = TestCase { name: full.clone(), describe, pattern, body, env: env.clone(), source, line, tags, attrs };
    let duplicate = with_module(i, &module, |m| {
        if m.tests.iter().any(|t| t.name == full) {
            return true;
        }
        m.tests.push(case);
        false
    });
    if duplicate == Some(true) {
        return Err(raise(
            "ExUnit.DuplicateTestError",
            format!("{} is already defined in {}", inspect::inspect(&Value::atom(&full)), inspect::inspect(&Value::Atom(module))),
            s,
        ));
    }
    Ok(Value::Nil)
}

/// `describe "group" do ... end`.
fn describe(i: &mut Interp, args: &[Node], env: &mut Env, s: Span) -> EResult<Value> {
    let module = current_module(env, "describe/2", s)?;
    let name = i.eval(&args[0], env)?;
    let name = match &name {
        Value::Str(n) => n.to_string(),
        other => return Err(raise("ArgumentError", format!("describe name must be a string, got: {}", inspect::inspect(other)), s)),
    };
    if i.ext::<State>().describe.is_some() {
        return Err(raise(
            "RuntimeError",
            "cannot call \"describe\" inside another \"describe\". See the documentation for ExUnit.Case.describe/2 on named setups and how to handle hierarchies",
            s,
        ));
    }
    let used = with_module(i, &module, |m| m.tests.iter().any(|t| t.describe.as_ref().is_some_and(|(d, _)| *d == name)));
    if used == Some(true) {
        return Err(raise(
            "ExUnit.DuplicateDescribeError",
            format!("describe {} is already defined in {}", inspect::inspect(&Value::string(name)), inspect::inspect(&Value::Atom(module))),
            s,
        ));
    }
    let block = do_block(&args[1]).ok_or_else(|| raise("ArgumentError", "describe/2 expects a do block", s))?;
    let line = source(i).line(s);
    i.ext::<State>().describe = Some((name, line));
    let mut inner = env.clone();
    let r = i.eval(block, &mut inner);
    i.ext::<State>().describe = None;
    if let Some(m) = i.modules.get_mut(&*module) {
        m.attributes.remove("describetag");
    }
    r.map(|_| Value::Nil)
}

/// `setup`/`setup_all` with a block (and an optional context pattern) or
/// the names of module functions.
fn callback(i: &mut Interp, args: &[Node], env: &mut Env, s: Span, all: bool) -> EResult<Value> {
    let what = if all { "setup_all" } else { "setup" };
    let module = current_module(env, what, s)?;
    let describe = i.ext::<State>().describe.clone().map(|(d, _)| d);
    if all && describe.is_some() {
        return Err(raise(
            "RuntimeError",
            "cannot invoke setup_all/1-2 inside describe as setup_all always applies to all tests in a module",
            s,
        ));
    }
    let kinds = match args {
        [opts] if do_block(opts).is_some() => {
            let body = i.expand_attrs(do_block(opts).unwrap_or(opts), &module);
            vec![CallbackKind::Block { pattern: None, body, env: env.clone(), source: source(i) }]
        }
        [pat, opts] if do_block(opts).is_some() => {
            let body = i.expand_attrs(do_block(opts).unwrap_or(opts), &module);
            let pattern = Some(i.expand_attrs(pat, &module));
            vec![CallbackKind::Block { pattern, body, env: env.clone(), source: source(i) }]
        }
        [names] => {
            let v = i.eval(names, env)?;
            let list = match &v {
                Value::List(l) => l.to_vec(),
                other => vec![other.clone()],
            };
            let mut out = vec![];
            for n in list {
                match n.as_atom() {
                    Some(a) => out.push(CallbackKind::Fun(a.to_string(), s)),
                    None => {
                        return Err(raise(
                            "ArgumentError",
                            format!("{what}/1 expects a function name (an atom) or a list of them, got: {}", inspect::inspect(&n)),
                            s,
                        ))
                    }
                }
            }
            out
        }
        _ => return Err(raise("ArgumentError", format!("{what} expects a do block"), s)),
    };
    let found = with_module(i, &module, |m| {
        for kind in kinds {
            let cb = Callback { describe: describe.clone(), kind };
            if all {
                m.setup_all.push(cb);
            } else {
                m.setup.push(cb);
            }
        }
    });
    if found.is_none() {
        return Err(raise("RuntimeError", format!("cannot call {what} in a module that does not use ExUnit.Case"), s));
    }
    Ok(Value::Nil)
}

// ---- running ---------------------------------------------------------------------

/// How a test ended.
enum Outcome {
    Passed,
    Skipped,
    Failed(Failure),
    /// setup_all failed: the test did not run.
    Invalid,
}

struct Failure {
    error: Exception,
    /// Source of the code the error points into (when known).
    source: Option<Source>,
    /// The test body's span, to tell `(test)` frames.
    body: Span,
    module: Atom,
}

fn now_us(i: &mut Interp) -> i64 {
    super::calendar::monotonic_ns(i) / 1000
}

fn run(i: &mut Interp, s: Span) -> EResult<Value> {
    let modules = std::mem::take(&mut i.ext::<State>().pending);
    let (seed, max_cases) = {
        let st = i.ext::<State>();
        (st.seed, st.max_cases)
    };
    let max_cases = max_cases.unwrap_or(2 * i.call("System", "schedulers_online", vec![], s)?.as_int().unwrap_or(1));
    let mut out = format!("Running ExUnit with seed: {seed}, max_cases: {max_cases}\n\n");
    let mut stats = RunStats::default();
    let mut failures_printed = 0usize;
    let mut invalid = 0usize;
    let start = now_us(i);
    let mut async_end = None;
    let ordered: Vec<&TestModule> = modules.iter().filter(|m| m.async_).chain(modules.iter().filter(|m| !m.async_)).collect();
    let any_async = modules.iter().any(|m| m.async_);
    for module in ordered {
        if any_async && async_end.is_none() && !module.async_ {
            async_end = Some(now_us(i));
        }
        let (results, setup_all_failure) = run_module(i, module, s)?;
        for (test, outcome) in results {
            stats.total += 1;
            match outcome {
                Outcome::Passed => out.push('.'),
                Outcome::Skipped => {
                    stats.skipped += 1;
                    out.push('*');
                }
                Outcome::Invalid => {
                    stats.failures += 1;
                    invalid += 1;
                    out.push('?');
                }
                Outcome::Failed(f) => {
                    stats.failures += 1;
                    failures_printed += 1;
                    out.push_str("\n\n");
                    out.push_str(&format_test_failure(i, &test, &f, failures_printed));
                    out.push('\n');
                }
            }
        }
        if let Some(f) = setup_all_failure {
            // ExUnit numbers it with the failures so far (invalid tests do not count).
            out.push_str("\n\n");
            out.push_str(&format_module_failure(module, &f, failures_printed));
            out.push('\n');
        }
    }
    let end = now_us(i);
    if any_async && async_end.is_none() {
        async_end = Some(end);
    }
    let run_us = end - start;
    let async_us = async_end.map(|e| e - start);
    out.push('\n');
    out.push_str(&format_times(run_us, async_us));
    out.push('\n');
    let mut summary = format!(
        "{} {}, {} {}",
        stats.total,
        plural(stats.total, "test"),
        stats.failures - invalid,
        plural(stats.failures - invalid, "failure")
    );
    if stats.total == 0 {
        summary = "0 failures".to_string();
    }
    if invalid > 0 {
        summary.push_str(&format!(", {invalid} invalid"));
    }
    if stats.skipped > 0 {
        summary.push_str(&format!(", {} skipped", stats.skipped));
    }
    out.push_str(&summary);
    out.push('\n');
    i.output.push_str(&out);
    let result = stats_value(&stats);
    i.ext::<State>().runs.push(stats);
    Ok(result)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

fn stats_value(stats: &RunStats) -> Value {
    let mut m = MapT::new();
    m.insert(Value::atom("excluded"), Value::Int(stats.excluded as i64));
    m.insert(Value::atom("failures"), Value::Int(stats.failures as i64));
    m.insert(Value::atom("skipped"), Value::Int(stats.skipped as i64));
    m.insert(Value::atom("total"), Value::Int(stats.total as i64));
    Value::map(m)
}

/// `Finished in X seconds (Ys async, Zs sync)` (ExUnit.Formatter.format_times/1, no load time).
fn format_times(run_us: i64, async_us: Option<i64>) -> String {
    let norm = |us: i64| us.max(0) / 10_000;
    let fmt = |us: i64| {
        if us < 10 {
            format!("0.0{us}")
        } else {
            let us = us / 10;
            format!("{}.{}", us / 10, us % 10)
        }
    };
    let run = norm(run_us);
    let async_ = async_us.map(norm).unwrap_or(0);
    let sync = run - async_;
    format!("Finished in {} seconds ({}s async, {}s sync)", fmt(run), fmt(async_), fmt(sync))
}

fn context_base(module: &TestModule) -> MapT {
    let mut m = MapT::new();
    m.insert(Value::atom("module"), Value::Atom(module.name.clone()));
    m.insert(Value::atom("case"), Value::Atom(module.name.clone()));
    m.insert(Value::atom("async"), Value::Bool(module.async_));
    m
}

type ModuleResults = (Vec<(TestCase, Outcome)>, Option<Failure>);

fn run_module(i: &mut Interp, module: &TestModule, s: Span) -> EResult<ModuleResults> {
    let mut context = context_base(module);
    if let Some(t) = i.modules.get(&*module.name).and_then(|m| m.attributes.get("moduletag")).cloned() {
        for (k, v) in tag_pairs(&t) {
            context.insert(k, v);
        }
    }
    let mut results = vec![];
    for cb in &module.setup_all {
        let saved = process::isolate(i);
        let r = run_callback(i, module, cb, Value::map(context.clone()), true, s);
        process::restore(i, saved);
        match r {
            Ok(ctx) => {
                if let Value::Map(m) = ctx {
                    context = (*m).clone();
                }
            }
            Err(e) => {
                let failure = failure_of(*e, callback_source(cb), Span::NONE, &module.name)?;
                for t in &module.tests {
                    results.push((t.clone(), Outcome::Invalid));
                }
                return Ok((results, Some(failure)));
            }
        }
    }
    for test in &module.tests {
        let outcome = run_test(i, module, test, &context, s)?;
        results.push((test.clone(), outcome));
    }
    Ok((results, None))
}

fn callback_source(cb: &Callback) -> Option<Source> {
    match &cb.kind {
        CallbackKind::Block { source, .. } => Some(source.clone()),
        CallbackKind::Fun(..) => None,
    }
}

fn run_test(i: &mut Interp, module: &TestModule, test: &TestCase, base: &MapT, s: Span) -> EResult<Outcome> {
    let mut context = base.clone();
    for (k, v) in &test.tags {
        context.insert(k.clone(), v.clone());
    }
    if let Some(skip) = context.get(&Value::atom("skip")) {
        if skip.is_truthy() {
            return Ok(Outcome::Skipped);
        }
    }
    context.insert(Value::atom("test"), Value::atom(&test.name));
    context.insert(Value::atom("file"), Value::str(&test.source.file));
    context.insert(Value::atom("line"), Value::Int(test.line));
    context.insert(Value::atom("test_type"), Value::atom("test"));
    context.insert(Value::atom("registered"), Value::map(MapT::new()));
    context.insert(Value::atom("describe"), test.describe.as_ref().map(|(d, _)| Value::str(d)).unwrap_or(Value::Nil));
    context.insert(Value::atom("describe_line"), test.describe.as_ref().map(|(_, l)| Value::Int(*l)).unwrap_or(Value::Nil));
    context.insert(Value::atom("test_pid"), i.call("Kernel", "self", vec![], s)?);
    let saved = process::isolate(i);
    let r = run_test_body(i, module, test, Value::map(context), s);
    process::restore(i, saved);
    match r {
        Ok(()) => Ok(Outcome::Passed),
        Err((e, source)) => Ok(Outcome::Failed(failure_of(*e, source, test.body.span, &module.name)?)),
    }
}

/// The test's setups, then its body; an error comes back with the source it points into.
fn run_test_body(
    i: &mut Interp,
    module: &TestModule,
    test: &TestCase,
    context: Value,
    s: Span,
) -> Result<(), (Box<Error>, Option<Source>)> {
    let mut context = context;
    let describe = test.describe.as_ref().map(|(d, _)| d.as_str());
    let applicable = module
        .setup
        .iter()
        .filter(|c| c.describe.is_none())
        .chain(module.setup.iter().filter(|c| c.describe.is_some() && c.describe.as_deref() == describe));
    for cb in applicable {
        context = run_callback(i, module, cb, context, false, s).map_err(|e| (e, callback_source(cb)))?;
    }
    let mut env = test.env.clone();
    let saved_lines = std::mem::replace(&mut i.source_lines, test.source.lines.clone());
    let saved_attrs = i.modules.get_mut(&*module.name).map(|m| std::mem::replace(&mut m.attributes, (*test.attrs).clone()));
    let r = (|| {
        if let Some(p) = &test.pattern {
            if !match_pattern(i, p, &context, &mut env)? {
                return Err(raise(
                    "FunctionClauseError",
                    format!("no function clause matching in {}.\"{}\"/1", inspect::inspect(&Value::Atom(module.name.clone())), test.name),
                    test.body.span,
                ));
            }
        }
        i.eval(&test.body, &mut env)
    })();
    i.source_lines = saved_lines;
    if let (Some(saved), Some(m)) = (saved_attrs, i.modules.get_mut(&*module.name)) {
        m.attributes = saved;
    }
    r.map(|_| ()).map_err(|e| (e, Some(test.source.clone())))
}

fn run_callback(i: &mut Interp, module: &TestModule, cb: &Callback, context: Value, all: bool, s: Span) -> EResult<Value> {
    let kind = if all { "setup_all" } else { "setup" };
    let value = match &cb.kind {
        CallbackKind::Block { pattern, body, env, source } => {
            let mut env = env.clone();
            let saved = std::mem::replace(&mut i.source_lines, source.lines.clone());
            let r = (|| {
                if let Some(p) = pattern {
                    if !match_pattern(i, p, &context, &mut env)? {
                        return Err(raise("FunctionClauseError", format!("no function clause matching in {kind} callback"), body.span));
                    }
                }
                i.eval(body, &mut env)
            })();
            i.source_lines = saved;
            r?
        }
        CallbackKind::Fun(name, span) => i.call_in(&module.name, name, vec![context.clone()], *span, true)?,
    };
    merge(module, kind, context, value, s)
}

/// `ExUnit.Callbacks.__merge__/4`.
fn merge(module: &TestModule, kind: &str, context: Value, value: Value, s: Span) -> EResult<Value> {
    if value.as_atom() == Some("ok") {
        return Ok(context);
    }
    let original = value.clone();
    let data = match value.as_tuple() {
        Some([Value::Atom(ok), v]) if &**ok == "ok" => v.clone(),
        _ => original.clone(),
    };
    let mname = inspect::inspect(&Value::Atom(module.name.clone()));
    let failed = || {
        raise(
            "RuntimeError",
            format!(
                "expected ExUnit {kind} callback in {mname} to return the atom :ok, a keyword, or a map, got {} instead",
                inspect::inspect(&original)
            ),
            s,
        )
    };
    let pairs: Vec<(Value, Value)> = match &data {
        Value::Map(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Value::List(items) => {
            let mut out = vec![];
            for it in items.iter() {
                match it.as_tuple() {
                    Some([k, v]) => out.push((k.clone(), v.clone())),
                    _ => return Err(failed()),
                }
            }
            out
        }
        _ => return Err(failed()),
    };
    let mut ctx = context.as_map().cloned().unwrap_or_default();
    const RESERVED: &[&str] = &["case", "file", "line", "test", "async", "registered", "describe"];
    for (k, v) in pairs {
        if let Some(name) = k.as_atom().filter(|a| RESERVED.contains(a)) {
            if let Some(old) = ctx.get(&k) {
                if *old != v {
                    return Err(raise(
                        "RuntimeError",
                        format!(
                            "ExUnit {kind} callback in {mname} is trying to set reserved field {} to {}",
                            inspect::inspect(&Value::atom(name)),
                            inspect::inspect(&v)
                        ),
                        s,
                    ));
                }
            }
        }
        ctx.insert(k, v);
    }
    Ok(Value::map(ctx))
}

fn failure_of(e: Error, source: Option<Source>, body: Span, module: &Atom) -> EResult<Failure> {
    let error = match e {
        Error::Raise(ex) => ex,
        Error::Throw(v, span) => Exception { kind: "throw".into(), message: inspect::inspect(&v), span, value: Some(v) },
        // A step limit or a rollback outside a transaction stops the run.
        other => return Err(Box::new(other)),
    };
    Ok(Failure { error, source, body, module: module.clone() })
}

// ---- the report --------------------------------------------------------------------

fn with_counter(counter: usize, msg: &str) -> String {
    match counter {
        0..=9 => format!("  {counter}) {msg}"),
        10..=99 => format!(" {counter}) {msg}"),
        _ => format!("{counter}) {msg}"),
    }
}

/// `Exception.format_banner/2`.
fn banner(e: &Exception) -> String {
    match e.kind.as_str() {
        "throw" => format!("** (throw) {}", e.message),
        "exit" => format!("** (exit) {}", e.value.as_ref().map(inspect::inspect).unwrap_or_else(|| e.message.clone())),
        kind => format!("** ({kind}) {}", e.message),
    }
}

fn pad(msg: &str) -> String {
    format!("     {}\n", super::exunit::pad_multiline(msg, 5))
}

/// The one stack entry we know: where the error was raised, when that is in
/// the test's own code (`(test)`) or a function of the test module.
fn stack_entry(i: &Interp, f: &Failure) -> Option<(String, i64, bool)> {
    let source = f.source.as_ref()?;
    let span = f.error.span;
    if span.is_none() || source.lines.is_none() {
        return None;
    }
    let line = source.line(span);
    if !f.body.is_none() && span.start >= f.body.start && span.end <= f.body.end {
        return Some((format!("{}:{line}: (test)", source.file), line, true));
    }
    let module = i.modules.get(&*f.module)?;
    let mut found = None;
    for ((name, arity), clauses) in &module.functions {
        if clauses.iter().any(|c| c.clause.span.start <= span.start && span.end <= c.clause.span.end) {
            let better = match &found {
                Some((_, a)) => arity > a,
                None => true,
            };
            if better {
                found = Some((name.clone(), *arity));
            }
        }
    }
    let (name, arity) = found?;
    let m = inspect::inspect(&Value::Atom(f.module.clone()));
    Some((format!("{}:{line}: {m}.{name}/{arity}", source.file), line, false))
}

fn format_reason(i: &Interp, f: &Failure, entry: &Option<(String, i64, bool)>) -> String {
    let e = &f.error;
    if e.kind == "ExUnit.AssertionError" {
        let value = exception_value(e);
        let code_line = entry.as_ref().filter(|(_, _, in_test)| *in_test).and_then(|(_, line, _)| source_line(f, *line));
        return super::exunit::report_fields(&value, "     ", code_line.as_deref());
    }
    let mut out = pad(&banner(e));
    if let Some(code) = entry.as_ref().filter(|(_, _, in_test)| *in_test).and_then(|(_, line, _)| source_line(f, *line)) {
        out.push_str(&format!("     code: {code}\n"));
    }
    let _ = i;
    out
}

fn source_line(f: &Failure, line: i64) -> Option<String> {
    let lines = f.source.as_ref()?.lines.as_ref()?;
    lines.line_text(line).map(|l| l.trim().to_string())
}

fn format_stacktrace(entry: &Option<(String, i64, bool)>) -> String {
    match entry {
        Some((text, _, _)) => format!("{}       {text}\n", pad("stacktrace:")),
        None => String::new(),
    }
}

/// `ExUnit.Formatter.format_test_failure/5` without colors.
fn format_test_failure(i: &Interp, test: &TestCase, f: &Failure, counter: usize) -> String {
    let module = inspect::inspect(&Value::Atom(f.module.clone()));
    let mut out = with_counter(counter, &format!("{} ({module})", test.name));
    out.push('\n');
    out.push_str(&format!("     {}:{}\n", test.source.file, test.line));
    let entry = stack_entry(i, f);
    out.push_str(&format_reason(i, f, &entry));
    out.push_str(&format_stacktrace(&entry));
    out
}

/// `ExUnit.Formatter.format_test_all_failure/5`: a failed setup_all.
fn format_module_failure(module: &TestModule, f: &Failure, counter: usize) -> String {
    let name = inspect::inspect(&Value::Atom(module.name.clone()));
    let mut out = with_counter(counter, &format!("{name}: "));
    out.push_str("failure on setup_all callback, all tests have been invalidated\n");
    if f.error.kind == "ExUnit.AssertionError" {
        out.push_str(&super::exunit::report_fields(&exception_value(&f.error), "     ", None));
    } else {
        out.push_str(&pad(&banner(&f.error)));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::eval::Interp;
    use crate::syntax;

    /// Evaluates `src` with a stopped monotonic clock; the printed output and
    /// the value's `inspect`.
    fn run(src: &str) -> (String, String) {
        let parsed = syntax::parse(src);
        assert!(parsed.errors.is_empty(), "syntax errors: {:?}", parsed.errors);
        let mut interp = crate::interp();
        interp.set_source(src);
        interp.ext::<crate::eval::stdlib::calendar::Clock>().monotonic = Some(std::rc::Rc::new(|| 5_000_000));
        let mut env = Interp::env_with_imports(&[]);
        let v = match interp.eval(&parsed.root, &mut env) {
            Ok(v) => crate::value::inspect::inspect(&v),
            Err(e) => format!("** ({}) {}", e.kind(), e.message()),
        };
        (interp.output.clone(), v)
    }

    const MATH: &str = r#"ExUnit.start(autorun: false)

defmodule MathTest do
  use ExUnit.Case, async: true

  @answer 42

  setup do
    {:ok, user: %{name: "Ada", langs: ["en", "fr"]}}
  end

  test "adds", %{user: user} do
    assert %{name: "Ada"} = user
    assert [_, _] = user.langs
    assert 1 + 1 == 2
  end

  describe "answer" do
    test "is 42" do
      assert answer() == @answer
    end

    test "fails" do
      assert answer() + 1 == @answer
    end
  end

  test "boom" do
    raise "boom"
  end

  defp answer, do: 42
end

ExUnit.run()
"#;

    #[test]
    fn report_of_a_failing_module() {
        let (out, value) = run(MATH);
        let want = "Running ExUnit with seed: 0, max_cases: 2

..

  1) test answer fails (MathTest)
     nofile:23
     Assertion with == failed
     code:  assert answer() + 1 == @answer
     left:  43
     right: 42
     stacktrace:
       nofile:24: (test)



  2) test boom (MathTest)
     nofile:28
     ** (RuntimeError) boom
     code: raise \"boom\"
     stacktrace:
       nofile:29: (test)


Finished in 0.00 seconds (0.00s async, 0.00s sync)
4 tests, 2 failures
";
        assert_eq!(out, want);
        assert_eq!(value, "%{excluded: 0, failures: 2, skipped: 0, total: 4}");
    }

    #[test]
    fn passing_suite_and_a_second_run() {
        let src = r#"ExUnit.start(autorun: false)
defmodule A do
  use ExUnit.Case
  import ExUnit.CaptureIO
  test "one", do: assert(capture_io(fn -> IO.puts("hi") end) == "hi\n")
  test "two" do
    refute 1 > 2
    assert_in_delta 1.0, 1.05, 0.1
    assert_raise ArithmeticError, fn -> 1 / 0 end
    send(self(), {:hello, 1})
    assert_receive {:hello, n}
    assert n == 1
  end
end
first = ExUnit.run()
second = ExUnit.run()
{first, second}
"#;
        let (out, value) = run(src);
        assert_eq!(
            out,
            "Running ExUnit with seed: 0, max_cases: 2\n\n..\nFinished in 0.00 seconds (0.00s async, 0.00s sync)\n2 tests, 0 failures\n\
             Running ExUnit with seed: 0, max_cases: 2\n\n\nFinished in 0.00 seconds (0.00s async, 0.00s sync)\n0 failures\n"
        );
        assert_eq!(value, "{%{excluded: 0, failures: 0, skipped: 0, total: 2}, %{excluded: 0, failures: 0, skipped: 0, total: 0}}");
    }

    #[test]
    fn setups_describes_tags_and_helpers() {
        let src = r#"ExUnit.start(autorun: false)
defmodule Helpers do
  def double(x), do: x * 2
end
defmodule SetupTest do
  use ExUnit.Case
  import Helpers
  alias Helpers, as: H
  @moduletag :db

  setup_all do
    %{base: 10}
  end

  setup :add_one

  defp add_one(%{base: b}), do: [one: b + 1]

  describe "group" do
    setup %{one: one} do
      {:ok, two: one + 1}
    end

    @tag :slow
    test "sees every setup", ctx do
      assert ctx.base == 10
      assert ctx.one == 11
      assert ctx.two == 12
      assert ctx.db
      assert ctx.slow
      assert ctx.test == :"test group sees every setup"
      assert ctx.describe == "group"
    end
  end

  test "outside the describe", ctx do
    refute Map.has_key?(ctx, :two)
    refute Map.has_key?(ctx, :slow)
    assert double(ctx.one) == 22
    assert H.double(2) == 4
  end

  @tag :skip
  test "skipped" do
    flunk("never")
  end

  test "not written yet"
end
ExUnit.run()
"#;
        let (out, value) = run(src);
        // ExUnit's `test "name"` without a body flunks where it is written.
        assert!(
            out.contains("..*\n\n  1) test not written yet (SetupTest)\n     nofile:48\n     Not implemented\n     code: test \"not written yet\"\n     stacktrace:\n       nofile:48: (test)\n"),
            "{out}"
        );
        assert!(out.ends_with("4 tests, 1 failure, 1 skipped\n"), "{out}");
        assert_eq!(value, "%{excluded: 0, failures: 1, skipped: 1, total: 4}");
    }

    #[test]
    fn pattern_asserts_and_setup_all_failure() {
        let src = r#"ExUnit.start(autorun: false)
defmodule P do
  use ExUnit.Case
  test "map pattern" do
    user = %{name: "Grace"}
    assert %{name: "Ada"} = user
  end
end
defmodule Broken do
  use ExUnit.Case
  setup_all do
    :nope
  end
  test "a", do: assert(true)
end
ExUnit.run()
"#;
        let (out, value) = run(src);
        let want = "Running ExUnit with seed: 0, max_cases: 2



  1) test map pattern (P)
     nofile:4
     match (=) failed
     code:  assert %{name: \"Ada\"} = user
     left:  %{name: \"Ada\"}
     right: %{name: \"Grace\"}
     stacktrace:
       nofile:6: (test)

?

  1) Broken: failure on setup_all callback, all tests have been invalidated
     ** (RuntimeError) expected ExUnit setup_all callback in Broken to return the atom :ok, a keyword, or a map, got :nope instead


Finished in 0.00 seconds (0.00s async, 0.00s sync)
2 tests, 1 failure, 1 invalid
";
        assert_eq!(out, want);
        assert_eq!(value, "%{excluded: 0, failures: 2, skipped: 0, total: 2}");
    }
}
