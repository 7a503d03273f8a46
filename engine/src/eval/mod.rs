//! The evaluator: a tree-walking interpreter for the Elixir subset, with
//! step and depth limits so a runaway script always stops.
//!
//! Engine areas plug in through [`Builtins`]: plain functions receive
//! evaluated arguments ([`NativeFn`]); macros such as `Ecto.Query.from`
//! receive the unevaluated argument nodes and the caller's environment
//! ([`MacroFn`]). Each area has a `register(&mut Builtins)` called from
//! [`Interp::new`]. Areas keep their own per-run state in [`Interp::ext`].

pub mod atoms;
pub mod core;
pub mod expand;
mod machine;
mod pattern;
mod pcre;
pub use crate::value::quoted;
pub mod stdlib;
mod unicode_gc;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::rc::Rc;

use crate::diag::{Diagnostic, Span};
use crate::syntax::ast::{Clause, Node};
use crate::value::{Atom, Value};

pub use pattern::match_pattern;

/// A hash map with a fast, non-cryptographic hash, for the evaluator's
/// lookups (variables, modules, functions, built-ins) on every step.
pub type FastMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

thread_local! {
    static NAMES: std::cell::RefCell<std::collections::HashSet<Rc<str>, rustc_hash::FxBuildHasher>> = Default::default();
}

/// The shared copy of a variable name: binding a variable does not allocate.
pub fn intern(name: &str) -> Rc<str> {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some(n) = names.get(name) {
            return n.clone();
        }
        let n: Rc<str> = Rc::from(name);
        names.insert(n.clone());
        n
    })
}

/// A scope's variables, in the order first bound. Scopes hold few, so a
/// list beats a hash map: no hashing per binding or lookup, and a call's
/// or a closure's copy of a scope is one allocation.
#[derive(Debug, Default)]
pub struct Vars(Vec<(Rc<str>, Value)>);

impl Clone for Vars {
    /// With room for a call's arguments: a copied scope is bound into at once.
    fn clone(&self) -> Vars {
        let mut v = Vec::with_capacity(self.0.len() + 4);
        v.extend(self.0.iter().cloned());
        Vars(v)
    }
}

impl Vars {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| &**k == name).map(|(_, v)| v)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Binds `name` (a new binding replaces the old one in place).
    pub fn insert(&mut self, name: Rc<str>, value: Value) {
        match self.0.iter_mut().find(|(k, _)| Rc::ptr_eq(k, &name) || **k == *name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let i = self.0.iter().position(|(k, _)| &**k == name)?;
        Some(self.0.remove(i).1)
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Rc<str>, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Rc<str>> {
        self.0.iter().map(|(k, _)| k)
    }
}

/// Variables and lexical context.
#[derive(Clone, Debug, Default)]
pub struct Env {
    pub vars: Vars,
    /// The module whose body or function is being evaluated (`Elixir.Blog.Post`).
    pub module: Option<Atom>,
    /// `alias Blog.User` → `"User" => "Blog.User"`.
    pub aliases: Rc<HashMap<String, String>>,
    /// Imported modules, most recent last (`"Ecto.Query"`).
    pub imports: Rc<Vec<String>>,
    /// Modules made available with `require` (or `import`), whose macros
    /// can be called (`Integer.is_even/1`).
    pub requires: Rc<Vec<String>>,
}

impl Env {
    /// The scope of a module body or function defined here: this lexical
    /// context (aliases, imports, requires) in `module`, no variables.
    pub fn module_scope(&self, module: Atom) -> Env {
        Env {
            vars: Default::default(),
            module: Some(module),
            aliases: self.aliases.clone(),
            imports: self.imports.clone(),
            requires: self.requires.clone(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }

    pub fn set(&mut self, name: &str, value: Value) {
        match self.vars.0.iter_mut().find(|(k, _)| &**k == name) {
            Some(slot) => slot.1 = value,
            None => self.vars.0.push((intern(name), value)),
        }
    }

    /// Resolves an alias as written (`User` or `User.Profile`) to a full
    /// module name without the `Elixir.` prefix.
    pub fn resolve_alias(&self, parts: &[String]) -> String {
        match parts.split_first() {
            Some((first, rest)) => match self.aliases.get(first) {
                Some(full) if rest.is_empty() => full.clone(),
                Some(full) => format!("{full}.{}", rest.join(".")),
                None => parts.join("."),
            },
            None => String::new(),
        }
    }

    pub fn add_alias(&mut self, short: &str, full: &str) {
        Rc::make_mut(&mut self.aliases).insert(short.to_string(), full.to_string());
    }

    pub fn add_require(&mut self, module: &str) {
        if !self.requires.iter().any(|m| m == module) {
            Rc::make_mut(&mut self.requires).push(module.to_string());
        }
    }

    /// Whether `module`'s macros may be called here.
    pub fn requires(&self, module: &str) -> bool {
        self.requires.iter().chain(self.imports.iter()).any(|m| m == module)
    }

    pub fn add_import(&mut self, module: &str) {
        let imports = Rc::make_mut(&mut self.imports);
        imports.retain(|m| m != module);
        imports.push(module.to_string());
    }
}

/// `UndefinedFunctionError`'s message for a call into a module that does
/// not exist (`module` as an atom: `Elixir.Foo` or `nope`). For an Elixir
/// alias of one segment (`Foo`, not `Shop.Foo`), which may be an alias
/// never defined, Elixir 1.18 adds a hint about aliases.
pub fn module_not_available(module: &str, fun: &str, arity: usize) -> String {
    if module == "nil" {
        return format!("function nil.{fun}/{arity} is undefined");
    }
    let m = crate::value::inspect::inspect(&Value::atom(module));
    let hint = if module.strip_prefix("Elixir.").is_some_and(|name| !name.contains('.')) {
        ". Make sure the module name is correct and has been specified in full (or that an alias has been defined)"
    } else {
        ""
    };
    format!("function {m}.{fun}/{arity} is undefined (module {m} is not available){hint}")
}

/// A raised Elixir exception.
#[derive(Clone, Debug)]
pub struct Exception {
    /// The exception module without `Elixir.`: `ArgumentError`, `Ecto.QueryError`.
    pub kind: String,
    pub message: String,
    /// Where it was raised in the source (may be `Span::NONE`).
    pub span: Span,
    /// The exception struct for exceptions defined with `defexception` or
    /// carrying data (`Ecto.InvalidChangesetError`'s changeset).
    pub value: Option<Value>,
}

/// Why evaluation stopped early.
#[derive(Clone, Debug)]
pub enum Error {
    Raise(Exception),
    /// `throw(value)`
    Throw(Value, Span),
    /// `Repo.rollback(value)` unwinding to the enclosing transaction.
    Rollback(Value, Span),
    /// A step or depth limit was hit.
    Limit(String, Span),
}

impl Error {
    pub fn raise(kind: &str, message: impl Into<String>, span: Span) -> Box<Error> {
        Box::new(Error::Raise(Exception { kind: kind.to_string(), message: message.into(), span, value: None }))
    }

    /// `KeyError` with its `key` and `term` fields, as `Map.fetch!/2` raises it.
    /// An exception about one term (`MatchError`, `CaseClauseError`,
    /// `WithClauseError`, `TryClauseError`, `BadMapError`,
    /// `BadFunctionError`): its message and its `%Kind{term: term}` struct.
    pub fn term_error(kind: &str, term: &Value, span: Span) -> Box<Error> {
        let message = term_error_message(kind, term);
        let value = Value::Struct(std::rc::Rc::new(crate::value::Struct {
            module: std::rc::Rc::from(format!("Elixir.{kind}").as_str()),
            fields: vec![(std::rc::Rc::from("term"), term.clone())],
        }));
        Box::new(Error::Raise(Exception { kind: kind.to_string(), message, span, value: Some(value) }))
    }

    pub fn key_error(key: &Value, term: &Value, span: Span) -> Box<Error> {
        let message = format!("key {} not found in: {}", crate::value::inspect::inspect(key), crate::value::inspect::key_error_term(term));
        let value = Value::Struct(std::rc::Rc::new(crate::value::Struct {
            module: std::rc::Rc::from("Elixir.KeyError"),
            fields: vec![
                (std::rc::Rc::from("key"), key.clone()),
                (std::rc::Rc::from("term"), term.clone()),
                (std::rc::Rc::from("message"), Value::Nil),
            ],
        }));
        Box::new(Error::Raise(Exception { kind: "KeyError".to_string(), message, span, value: Some(value) }))
    }

    pub fn span(&self) -> Span {
        match self {
            Error::Raise(e) => e.span,
            Error::Throw(_, s) | Error::Rollback(_, s) | Error::Limit(_, s) => *s,
        }
    }

    /// The exception module name as the conformance output reports it.
    pub fn kind(&self) -> &str {
        match self {
            Error::Raise(e) => &e.kind,
            Error::Throw(..) => "throw",
            Error::Rollback(..) => "rollback",
            Error::Limit(..) => "RuntimeError",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Error::Raise(e) => e.message.clone(),
            Error::Throw(v, _) => format!("** (throw) {}", crate::value::inspect::inspect(v)),
            Error::Rollback(v, _) => format!("rollback outside of a transaction: {}", crate::value::inspect::inspect(v)),
            Error::Limit(m, _) => m.clone(),
        }
    }

    /// The diagnostic the editor shows for this error.
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error(self.kind(), self.message(), self.span())
    }
}

pub type EResult<T> = Result<T, Box<Error>>;

/// A function implemented in Rust: receives evaluated arguments.
pub type NativeFn = fn(&mut Interp, Vec<Value>, Span) -> EResult<Value>;
/// A macro implemented in Rust: receives the argument nodes unevaluated.
pub type MacroFn = fn(&mut Interp, &[Node], &mut Env, Span) -> EResult<Value>;

/// The registry of Rust-implemented modules.
#[derive(Default)]
pub struct Builtins {
    funs: FastMap<(&'static str, &'static str), (Vec<usize>, NativeFn)>,
    macros: FastMap<(&'static str, &'static str), (Vec<usize>, MacroFn)>,
}

impl Builtins {
    /// Registers `module.name/arity` for each arity in `arities`.
    /// `module` is written without `Elixir.` (`"Ecto.Changeset"`, `"Kernel"`).
    pub fn add(&mut self, module: &'static str, name: &'static str, arities: &[usize], f: NativeFn) {
        self.funs.insert((module, name), (arities.to_vec(), f));
    }

    pub fn add_macro(&mut self, module: &'static str, name: &'static str, arities: &[usize], f: MacroFn) {
        self.macros.insert((module, name), (arities.to_vec(), f));
    }

    pub fn function(&self, module: &str, name: &str, arity: usize) -> Option<NativeFn> {
        self.funs.get(&(module, name)).filter(|(a, _)| a.contains(&arity)).map(|(_, f)| *f)
    }

    pub fn macro_(&self, module: &str, name: &str, arity: usize) -> Option<MacroFn> {
        self.macros.get(&(module, name)).filter(|(a, _)| a.contains(&arity)).map(|(_, f)| *f)
    }

    /// Every registered function as (module, name, arities).
    pub fn functions(&self) -> Vec<(&'static str, &'static str, Vec<usize>)> {
        self.funs.iter().map(|((m, n), (a, _))| (*m, *n, a.clone())).collect()
    }

    /// Whether `name` names a registered module or function (each is an atom
    /// of the runtime).
    pub fn knows_name(&self, name: &str) -> bool {
        self.funs.keys().chain(self.macros.keys()).any(|(m, n)| *m == name || *n == name)
    }

    pub fn has_module(&self, module: &str) -> bool {
        self.funs.keys().chain(self.macros.keys()).any(|(m, _)| *m == module)
    }
}

/// A user-defined function clause (`def`/`defp`).
#[derive(Clone, Debug)]
pub struct FunClause {
    pub clause: Rc<Clause>,
    pub private: bool,
    /// Lexical context of the module body at definition time.
    pub env: Rc<Env>,
    /// Default argument expressions by position (`arg \\ default`).
    pub defaults: Vec<Option<Node>>,
}

/// A module defined by `defmodule`.
#[derive(Clone, Debug, Default)]
pub struct Module {
    pub name: Atom,
    /// Functions by (name, arity).
    pub functions: FastMap<(String, usize), Rc<Vec<FunClause>>>,
    /// Module attributes as last set (`@primary_key`, `@timestamps_opts`).
    pub attributes: HashMap<String, Value>,
    /// Accumulated `use` calls (`Ecto.Schema`, `Ecto.Migration`).
    pub uses: Vec<String>,
    pub span: Span,
}

/// Limits that keep evaluation bounded.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_steps: u64,
    /// Nested calls of user functions (body recursion). Calls in tail
    /// position do not nest, and nested calls live on the heap.
    pub max_depth: u32,
    /// Evaluations nested on the host's stack: a user function called from
    /// a built-in (an `Enum` callback) or from a form the evaluator walks
    /// recursively (`try`, `with`, `for`, string interpolation, ...).
    pub max_native_depth: u32,
    /// Bytes of native stack evaluation may use below the point where the
    /// outermost call started (`None`: only `max_depth` bounds recursion).
    /// How much stack one call takes depends on the shape of the code and
    /// the build, so a host with a large stack sets this and a high
    /// `max_depth` instead of guessing a depth.
    pub max_stack: Option<usize>,
    /// Bytes of memory the host may hold (read through
    /// `Interp::memory_in_use`, every few thousand steps): a program that
    /// holds more stops with the evaluator's error before the system ends
    /// the process.
    pub max_memory: Option<usize>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_steps: 20_000_000, max_depth: 100_000, max_native_depth: 2_000, max_stack: None, max_memory: None }
    }
}

/// The interpreter: modules, builtins, limits and per-area state.
pub struct Interp {
    pub builtins: Rc<Builtins>,
    pub modules: FastMap<Atom, Module>,
    /// Struct definitions: module → fields with defaults, in order.
    pub structs: HashMap<Atom, Rc<Vec<(Atom, Value)>>>,
    pub limits: Limits,
    pub steps: u64,
    pub depth: u32,
    /// Evaluations nested on the host's stack (see `Limits::max_native_depth`).
    pub native_depth: u32,
    /// Counts definitions of functions: what a call resolved to holds
    /// while it is unchanged.
    pub(crate) generation: u64,
    /// The stack address where the outermost call started (see `Limits::max_stack`).
    pub(crate) stack_base: usize,
    /// What `IO.puts`/`IO.inspect` wrote.
    pub output: String,
    /// The host's count of the bytes it holds, for `Limits::max_memory`.
    pub memory_in_use: Option<fn() -> usize>,
    /// The source being evaluated, for the line numbers of quoted code
    /// (`Interp::set_source`).
    pub source_lines: Option<Rc<quoted::SourceLines>>,
    ext: HashMap<TypeId, Box<dyn Any>>,
}

impl Default for Interp {
    fn default() -> Interp {
        Interp::new()
    }
}

impl Interp {
    /// An interpreter that knows the Elixir standard library only.
    pub fn new() -> Interp {
        let mut b = Builtins::default();
        stdlib::register(&mut b);
        Interp::with_builtins(b)
    }

    /// An interpreter with the given built-ins (see `crate::interp` for
    /// the one with Ecto's modules).
    pub fn with_builtins(b: Builtins) -> Interp {
        Interp {
            builtins: Rc::new(b),
            modules: FastMap::default(),
            structs: HashMap::new(),
            limits: Limits::default(),
            steps: 0,
            depth: 0,
            native_depth: 0,
            generation: 0,
            stack_base: 0,
            output: String::new(),
            memory_in_use: None,
            source_lines: None,
            ext: HashMap::new(),
        }
    }

    /// The text the spans of evaluated code point into: quoted code then
    /// carries their line numbers (`[line: 3]`), as Elixir's does.
    pub fn set_source(&mut self, text: &str) {
        self.source_lines = Some(Rc::new(quoted::SourceLines::new(text)));
    }

    /// Per-area state, created on first use.
    pub fn ext<T: Default + 'static>(&mut self) -> &mut T {
        self.ext
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .expect("ext entry has the type of its key")
    }

    /// Evaluates every top-level expression of a parsed file in `env`.
    pub fn eval_file(&mut self, root: &Node, env: &mut Env) -> EResult<Value> {
        self.eval(root, env)
    }

    /// An environment with the given modules imported (`"Ecto.Query"`).
    pub fn env_with_imports(imports: &[&str]) -> Env {
        let mut env = Env::default();
        for m in imports {
            env.add_import(m);
        }
        env
    }

    /// Counts one evaluation step; errors when the step limit is reached.
    pub fn tick(&mut self, span: Span) -> EResult<()> {
        self.steps += 1;
        if self.steps > self.limits.max_steps {
            return Err(Box::new(Error::Limit(
                format!("evaluation stopped after {} steps (is there an endless loop or recursion?)", self.limits.max_steps),
                span,
            )));
        }
        if self.steps & 0xFFFF == 0 {
            self.check_memory(span)?;
        }
        Ok(())
    }

    /// Stops evaluation when the host holds more memory than
    /// `Limits::max_memory`.
    pub fn check_memory(&self, span: Span) -> EResult<()> {
        let (Some(max), Some(in_use)) = (self.limits.max_memory, self.memory_in_use) else {
            return Ok(());
        };
        if in_use() > max {
            return Err(Box::new(Error::Limit(
                format!("evaluation stopped: out of memory (more than {} MB in use; is there an endless loop or recursion?)", max >> 20),
                span,
            )));
        }
        Ok(())
    }

    /// Call sites resolved earlier are stale (modules were replaced).
    pub fn note_definitions_changed(&mut self) {
        self.generation += 1;
    }

    /// The default field values of a struct module (`%Post{}`).
    pub fn struct_def(&self, module: &str) -> Option<Rc<Vec<(Atom, Value)>>> {
        self.structs.get(module).cloned()
    }

    /// A module attribute of a user module (`@primary_key`).
    pub fn module_attr(&self, module: &str, attr: &str) -> Option<&Value> {
        self.modules.get(module)?.attributes.get(attr)
    }
}

/// Helpers for native functions.
pub mod args {
    use super::{EResult, Error};
    use crate::diag::Span;
    use crate::value::Value;

    /// The VM's `badarg` as Elixir words it: `ArgumentError` naming the
    /// argument (`"1st"`) and what is wrong with it.
    pub fn badarg(position: &str, what: &str, span: Span) -> Box<Error> {
        Error::raise("ArgumentError", format!("errors were found at the given arguments:\n\n  * {position} argument: {what}\n"), span)
    }

    pub fn arg_error(fun: &str, what: &str, got: &Value, span: Span) -> Box<Error> {
        // Elixir functions that guard their arguments fail with a FunctionClauseError;
        // the ones that hand them to a BIF fail with an ArgumentError.
        let guarded = ["List.", "Keyword.", "Enum.", "String.", "Regex.", "Float.", "Integer."].iter().any(|p| fun.starts_with(p))
            && !["Integer.to_string/", "Integer.to_charlist/", "String.duplicate/", "List.to_tuple/", "List.duplicate/"]
                .iter()
                .any(|p| fun.starts_with(p));
        if guarded {
            return Error::raise("FunctionClauseError", format!("no function clause matching in {fun}"), span);
        }
        Error::raise("ArgumentError", format!("{fun} expected {what}, got: {}", crate::value::inspect::inspect(got)), span)
    }

    pub fn int(fun: &str, v: &Value, span: Span) -> EResult<i64> {
        v.as_int().ok_or_else(|| arg_error(fun, "an integer", v, span))
    }

    /// The most items (list elements, tuple fields) one built-in call
    /// builds at once, and the most bytes of one binary it builds: a bigger
    /// request stops the program, as running out of memory would, before
    /// anything is allocated.
    pub const MAX_ITEMS: u64 = 10_000_000;
    pub const MAX_BYTES: u64 = 100_000_000;

    /// A count of items for `fun` to build: a non-negative integer (else
    /// `what` is expected), at most [`MAX_ITEMS`].
    pub fn count(fun: &str, v: &Value, what: &str, span: Span) -> EResult<usize> {
        match v.as_int() {
            Some(n) if n >= 0 => {
                built(fun, n as u64, MAX_ITEMS, span)?;
                Ok(n as usize)
            }
            _ => Err(arg_error(fun, what, v, span)),
        }
    }

    /// A count of copies of a `unit`-byte binary for `fun` to build: a
    /// non-negative integer (else `what` is expected), at most
    /// [`MAX_BYTES`] in all.
    pub fn copies(fun: &str, v: &Value, unit: usize, what: &str, span: Span) -> EResult<usize> {
        match v.as_int() {
            Some(n) if n >= 0 => {
                built(fun, (n as u64).saturating_mul(unit as u64), MAX_BYTES, span)?;
                Ok(n as usize)
            }
            _ => Err(arg_error(fun, what, v, span)),
        }
    }

    /// Stops `fun` before it builds `n` items (or bytes) when that is more than `max`.
    pub fn built(fun: &str, n: u64, max: u64, span: Span) -> EResult<()> {
        if n > max {
            return Err(Box::new(Error::Limit(
                format!("evaluation stopped: out of memory ({fun} would build {n} at once; at most {max} are allowed)"),
                span,
            )));
        }
        Ok(())
    }

    pub fn string<'a>(fun: &str, v: &'a Value, span: Span) -> EResult<&'a str> {
        v.as_str().ok_or_else(|| arg_error(fun, "a string", v, span))
    }

    pub fn atom<'a>(fun: &str, v: &'a Value, span: Span) -> EResult<&'a str> {
        v.as_atom().ok_or_else(|| arg_error(fun, "an atom", v, span))
    }

    pub fn list<'a>(fun: &str, v: &'a Value, span: Span) -> EResult<&'a [Value]> {
        v.as_list().ok_or_else(|| arg_error(fun, "a list", v, span))
    }
}

/// The message of a one-term exception (see `Error::term_error`).
pub fn term_error_message(kind: &str, term: &Value) -> String {
    let t = crate::value::inspect::inspect(term);
    match kind {
        "MatchError" => format!("no match of right hand side value: {t}"),
        "CaseClauseError" => format!("no case clause matching: {t}"),
        "WithClauseError" => format!("no with clause matching: {t}"),
        "TryClauseError" => format!("no try clause matching: {t}"),
        "BadMapError" => format!("expected a map, got: {t}"),
        "BadFunctionError" => format!("expected a function, got: {t}"),
        "BadStructError" => format!("expected a struct, got: {t}"),
        _ => format!("{kind}: {t}"),
    }
}
