//! Function bodies run on an explicit stack.
//!
//! A call of a user function (`def`/`defp`) or of an anonymous function
//! evaluates its body here, in a loop over a stack of [`Frame`]s kept on the
//! heap, not by recursion on the host's stack. The forms that recursion
//! passes through (blocks, operators, `=`, `|>`, `if`/`unless`/`case`/`cond`,
//! list, tuple and map literals, and the calls themselves) are stepped
//! through frame by frame, so:
//!
//! - a call in tail position (the last expression of a body or of a branch)
//!   replaces its caller's frame, as on the BEAM: a tail-recursive loop runs
//!   in constant space however long it runs;
//! - body recursion (`h + sum(t)`) grows the heap stack, bounded by
//!   `Limits::max_depth`, not the host's stack.
//!
//! Every other form is evaluated by the tree walker ([`Interp::eval`]);
//! a user call made from inside such a form starts a nested run, which
//! counts against `Limits::max_native_depth` (and `max_stack` where the host
//! measures its stack).

use std::collections::HashMap;
use std::rc::Rc;

use typed_arena::Arena;

use super::core::{binary_op, do_clauses, is_special_form, takes_rhs, unary_op, Callee};
use super::{EResult, Env, Error, FastMap, FunClause, Interp};
use crate::diag::Span;
use crate::syntax::ast::{Clause, Kind, Node};
use crate::value::{inspect, Function, Value};

/// At most this many distinct anonymous functions are kept alive by one run;
/// calls of further ones run nested (a program that makes a fresh closure at
/// every step of a long loop does not grow the run's memory without bound).
const MAX_KEPT_CLOSURES: usize = 4096;

/// Owns the code a run steps through, so frames can borrow it for the run.
#[derive(Default)]
pub(super) struct Keep {
    // made on first use: most runs (a callback from `Enum`) call nothing
    funs: std::cell::OnceCell<Arena<Rc<Vec<FunClause>>>>,
    closures: std::cell::OnceCell<Arena<Rc<Vec<Clause>>>>,
}

/// A continuation: what to do once the value(s) above it are computed.
enum Frame<'a> {
    /// Evaluate a node, pushing its value.
    Eval(&'a Node),
    /// Drop the value of item `next - 1`, then evaluate item `next`.
    Block(&'a [Node], usize),
    /// Pop `n` values and build a list/tuple/cons/map.
    Build(Build, usize),
    BinOp(&'a str, Span),
    UnOp(&'a str, Span),
    /// `pattern = value`: match the value on the stack, keep it there.
    Match(&'a Node, Span),
    /// `&&`, `||`, `and`, `or` with the left value on the stack.
    Short(&'a str, &'a Node, &'a Node),
    /// `if`/`unless` with the condition on the stack (`true`: unless).
    If(&'a Node, bool),
    Case(&'a [Clause], Span),
    /// A `cond` head's value is on the stack; the clause is `clauses[i]`.
    Cond(&'a [Clause], usize, Span),
    /// Leave a branch's scope.
    PopEnv,
    /// Leave a function body.
    Return,
    /// Pop `n` arguments and call.
    Call(Rc<Target<'a>>, usize, Span),
}

#[derive(Clone, Copy)]
enum Build {
    List,
    Tuple,
    Cons,
    Map,
}

#[derive(Clone)]
enum Target<'a> {
    /// `module.name` (module with `Elixir.` for user modules, as resolved),
    /// with the user function's clauses when it is one.
    Named { module: Rc<str>, name: &'a str, allow_private: bool, user: Option<&'a [FunClause]> },
    /// `fun.(args)`: the function value is below the arguments.
    Apply,
}

/// Where a call site's resolution holds: the node, and the scope it was
/// resolved in (module, imports, aliases).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct SiteKey {
    node: *const Kind,
    extra: usize,
    module: *const u8,
    imports: (*const Vec<String>, usize),
    aliases: (*const HashMap<String, String>, usize),
}

/// One run: the value stack, the frames and the scopes.
struct Run<'a> {
    keep: &'a Keep,
    kept_funs: HashMap<*const Vec<FunClause>, &'a [FunClause]>,
    kept_closures: HashMap<*const Vec<Clause>, &'a [Clause]>,
    /// Resolved call sites, valid while `generation` is the interpreter's.
    sites: FastMap<SiteKey, Option<Rc<Target<'a>>>>,
    generation: u64,
    frames: Vec<Frame<'a>>,
    values: Vec<Value>,
    envs: Vec<Env>,
}

impl Interp {
    /// Calls the user function `module.name` (module with `Elixir.`).
    pub(crate) fn call_user(
        &mut self,
        module: &str,
        name: &str,
        clauses: Rc<Vec<FunClause>>,
        args: Vec<Value>,
        span: Span,
    ) -> EResult<Value> {
        let keep = Keep::default();
        let mut run = Run::new(&keep);
        self.run_nested(span, |interp| {
            interp.invoke_fun(&mut run, module, name, &clauses, args, span)?;
            interp.run_loop(&mut run)
        })
    }

    /// Calls an anonymous function's clauses with `base` as the captured scope.
    pub(crate) fn call_closure(&mut self, clauses: Rc<Vec<Clause>>, base: Rc<Env>, args: Vec<Value>, span: Span) -> EResult<Value> {
        let keep = Keep::default();
        let mut run = Run::new(&keep);
        self.run_nested(span, |interp| {
            interp.invoke_closure(&mut run, &clauses, &base, args, span)?;
            interp.run_loop(&mut run)
        })
    }

    /// Counts one nesting of runs on the host's stack around `f`.
    fn run_nested(&mut self, span: Span, f: impl FnOnce(&mut Interp) -> EResult<Value>) -> EResult<Value> {
        self.enter_native(span)?;
        let depth = self.depth;
        let result = f(self);
        self.depth = depth;
        self.native_depth -= 1;
        result
    }

    fn run_loop<'a>(&mut self, run: &mut Run<'a>) -> EResult<Value> {
        while let Some(frame) = run.frames.pop() {
            self.step(run, frame)?;
        }
        Ok(run.values.pop().unwrap_or(Value::Nil))
    }

    fn step<'a>(&mut self, run: &mut Run<'a>, frame: Frame<'a>) -> EResult<()> {
        match frame {
            Frame::Eval(node) => self.eval_node(run, node)?,
            Frame::Block(items, next) => {
                run.values.pop();
                if next + 1 < items.len() {
                    run.frames.push(Frame::Block(items, next + 1));
                }
                run.frames.push(Frame::Eval(&items[next]));
            }
            Frame::Build(kind, n) => {
                let items = run.values.split_off(run.values.len() - n);
                let v = match kind {
                    Build::List => Value::list(items),
                    Build::Tuple => Value::tuple(items),
                    Build::Cons => {
                        let mut items = items;
                        let tail = items.pop().unwrap_or(Value::Nil);
                        super::core::cons(items, tail)
                    }
                    Build::Map => {
                        let mut it = items.into_iter();
                        Value::map(std::iter::from_fn(|| Some((it.next()?, it.next()?))).collect())
                    }
                };
                run.values.push(v);
            }
            Frame::BinOp(op, span) => {
                let r = run.pop();
                let l = run.pop();
                run.values.push(binary_op(op, l, r, span)?);
            }
            Frame::UnOp(op, span) => {
                let v = run.pop();
                run.values.push(unary_op(op, v, span)?);
            }
            Frame::Match(pat, span) => {
                let v = run.pop();
                self.match_or_raise(pat, &v, run.env(), span)?;
                run.values.push(v);
            }
            Frame::Short(op, lhs, rhs) => {
                let l = run.pop();
                if takes_rhs(op, &l, lhs.span)? {
                    run.frames.push(Frame::Eval(rhs));
                } else {
                    run.values.push(l);
                }
            }
            Frame::If(opts, unless) => {
                let truthy = run.pop().is_truthy() != unless;
                match opts.keyword_get(if truthy { "do" } else { "else" }) {
                    Some(body) => run.enter_scope(body),
                    None => run.values.push(Value::Nil),
                }
            }
            Frame::Case(clauses, span) => {
                let v = run.pop();
                let (c, inner) = self.case_match(clauses, &v, run.env(), span)?;
                run.envs.push(inner);
                run.frames.push(Frame::PopEnv);
                run.frames.push(Frame::Eval(&c.body));
            }
            Frame::Cond(clauses, i, span) => {
                if run.pop().is_truthy() {
                    // the head's scope (already pushed) is the body's
                    run.frames.push(Frame::PopEnv);
                    run.frames.push(Frame::Eval(&clauses[i].body));
                } else {
                    run.envs.pop();
                    run.cond_head(clauses, i + 1, span)?;
                }
            }
            Frame::PopEnv => {
                run.envs.pop();
            }
            Frame::Return => {
                run.envs.pop();
                self.depth -= 1;
            }
            Frame::Call(target, n, span) => {
                let args = run.values.split_off(run.values.len() - n);
                match &*target {
                    Target::Named { module, name, allow_private, user } => match *user {
                        Some(clauses) => self.invoke_fun(run, module, name, clauses, args, span)?,
                        None => {
                            let v = self.call_in(module, name, args, span, *allow_private)?;
                            run.values.push(v);
                        }
                    },
                    Target::Apply => {
                        let f = run.pop();
                        let closure = match &f {
                            Value::Fun(fun) => match &**fun {
                                Function::Closure { clauses, env, arity } if *arity == n => {
                                    run.keep_closure(clauses.clone()).map(|c| (c, env.clone()))
                                }
                                _ => None,
                            },
                            _ => None,
                        };
                        match closure {
                            Some((clauses, base)) => self.invoke_closure(run, clauses, &base, args, span)?,
                            None => {
                                let v = self.apply(&f, args, span)?;
                                run.values.push(v);
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Evaluates `node`: pushes frames for the forms stepped through here,
    /// hands the rest to the tree walker.
    fn eval_node<'a>(&mut self, run: &mut Run<'a>, node: &'a Node) -> EResult<()> {
        let span = node.span;
        match &node.kind {
            Kind::Block(items) if !items.is_empty() => {
                self.tick(span)?;
                if items.len() > 1 {
                    run.frames.push(Frame::Block(items, 1));
                }
                run.frames.push(Frame::Eval(&items[0]));
            }
            Kind::List(items) | Kind::Tuple(items) => {
                self.tick(span)?;
                let kind = if matches!(node.kind, Kind::List(_)) { Build::List } else { Build::Tuple };
                run.frames.push(Frame::Build(kind, items.len()));
                run.eval_all(items);
            }
            Kind::ConsList(items, tail) => {
                self.tick(span)?;
                run.frames.push(Frame::Build(Build::Cons, items.len() + 1));
                run.frames.push(Frame::Eval(tail));
                run.eval_all(items);
            }
            Kind::Map { update: None, entries } => {
                self.tick(span)?;
                run.frames.push(Frame::Build(Build::Map, entries.len() * 2));
                for (k, v) in entries.iter().rev() {
                    run.frames.push(Frame::Eval(v));
                    run.frames.push(Frame::Eval(k));
                }
            }
            Kind::BinOp { op, lhs, rhs } => match op.as_str() {
                "=" => {
                    self.tick(span)?;
                    run.frames.push(Frame::Match(lhs, span));
                    run.frames.push(Frame::Eval(rhs));
                }
                "|>" => match self.call_site(run, &rhs.kind, 1) {
                    Some((target, fun, args)) => {
                        self.tick(span)?;
                        run.push_call(target, Some(lhs), fun, args, rhs.span);
                    }
                    None => run.fallback(self, node)?,
                },
                "&&" | "||" | "and" | "or" => {
                    self.tick(span)?;
                    run.frames.push(Frame::Short(op, lhs, rhs));
                    run.frames.push(Frame::Eval(lhs));
                }
                "when" | "<-" | "\\\\" | "::" | "|" | "=>" => run.fallback(self, node)?,
                _ => {
                    self.tick(span)?;
                    run.frames.push(Frame::BinOp(op, span));
                    run.frames.push(Frame::Eval(rhs));
                    run.frames.push(Frame::Eval(lhs));
                }
            },
            Kind::UnOp { op, operand } if op != "^" => {
                self.tick(span)?;
                run.frames.push(Frame::UnOp(op, span));
                run.frames.push(Frame::Eval(operand));
            }
            Kind::Call { name, args, .. } if matches!((name.as_str(), args.len()), ("if" | "unless" | "case", 2) | ("cond", 1)) => {
                self.tick(span)?;
                match name.as_str() {
                    "case" => {
                        let clauses = do_clauses(&args[1], "do", span)?;
                        run.frames.push(Frame::Case(clauses, span));
                        run.frames.push(Frame::Eval(&args[0]));
                    }
                    "cond" => {
                        let clauses = do_clauses(&args[0], "do", span)?;
                        run.cond_head(clauses, 0, span)?;
                    }
                    _ => {
                        run.frames.push(Frame::If(&args[1], name == "unless"));
                        run.frames.push(Frame::Eval(&args[0]));
                    }
                }
            }
            Kind::Call { .. } | Kind::Dot { .. } | Kind::AnonCall { .. } => match self.call_site(run, &node.kind, 0) {
                Some((target, fun, args)) => {
                    self.tick(span)?;
                    run.push_call(target, None, fun, args, span);
                }
                None => run.fallback(self, node)?,
            },
            // The commonest leaves, without a trip through the tree walker.
            Kind::Var(name) => match run.env().get(name).cloned() {
                Some(v) => {
                    self.tick(span)?;
                    run.values.push(v);
                }
                None => run.fallback(self, node)?,
            },
            Kind::Int(i) => {
                self.tick(span)?;
                run.values.push(Value::Int(*i));
            }
            _ => run.fallback(self, node)?,
        }
        Ok(())
    }

    /// [`Interp::call_target`], remembered for the run (resolving a name
    /// looks through the scope's imports and the modules).
    fn call_site<'a>(&self, run: &mut Run<'a>, kind: &'a Kind, extra: usize) -> Option<(Rc<Target<'a>>, Option<&'a Node>, &'a [Node])> {
        if run.generation != self.generation {
            run.sites.clear();
            run.generation = self.generation;
        }
        let env = run.env();
        let key = SiteKey {
            node: kind,
            extra,
            module: env.module.as_ref().map_or(std::ptr::null(), |m| m.as_ptr()),
            imports: (Rc::as_ptr(&env.imports), env.imports.len()),
            aliases: (Rc::as_ptr(&env.aliases), env.aliases.len()),
        };
        let (fun, args) = match kind {
            Kind::Call { args, .. } | Kind::Dot { args, .. } => (None, &args[..]),
            Kind::AnonCall { fun, args } => (Some(&**fun), &args[..]),
            _ => return None,
        };
        if let Some(target) = run.sites.get(&key) {
            return target.clone().map(|t| (t, fun, args));
        }
        let target = self.call_target(kind, extra, run.env()).map(|t| match t {
            Target::Named { module, name, allow_private, .. } => {
                let user = self.user_function(&module, name, args.len() + extra, allow_private).cloned().map(|c| run.keep_funs(c));
                Rc::new(Target::Named { module, name, allow_private, user })
            }
            other => Rc::new(other),
        });
        run.sites.insert(key, target.clone());
        target.map(|t| (t, fun, args))
    }

    /// The call `kind` (with `extra` arguments piped in front) when it is a
    /// call this loop makes itself: a local or remote function call (not a
    /// special form or macro) or `fun.(args)`.
    fn call_target<'a>(&self, kind: &'a Kind, extra: usize, env: &Env) -> Option<Target<'a>> {
        let named = |module: String, name: &'a str, allow_private: bool| {
            let module = Value::module(&module).as_atom().unwrap_or_default().to_string();
            let allow_private = allow_private && env.module.as_deref() == Some(module.as_str());
            Some(Target::Named { module: Rc::from(module), name, allow_private, user: None })
        };
        match kind {
            Kind::Call { name, args, .. } => {
                let arity = args.len() + extra;
                if is_special_form(name, arity) {
                    return None;
                }
                match self.resolve_call(name, arity, env)? {
                    Callee::Function(module) => named(module, name, true),
                    Callee::Macro(_) | Callee::UserMacro(_) => None,
                }
            }
            Kind::Dot { target, name, args, parens } => {
                let module = match &target.kind {
                    _ if name == "{}" => return None,
                    Kind::Alias(parts) => env.resolve_alias(parts),
                    Kind::Atom(a) => a.clone(),
                    Kind::Var(v) if v == "__MODULE__" && (*parens || !args.is_empty()) && env.get(v).is_none() => {
                        env.module.as_deref()?.to_string()
                    }
                    _ => return None,
                };
                match self.resolve_remote(&module, name, args.len() + extra) {
                    Callee::Function(full) => named(full, name, false),
                    Callee::Macro(_) | Callee::UserMacro(_) => None,
                }
            }
            // `:name.(args)` is a local call: the tree walker resolves it
            Kind::AnonCall { fun, .. } if extra == 0 && !matches!(fun.kind, Kind::Atom(_)) => Some(Target::Apply),
            _ => None,
        }
    }

    /// Enters the first clause of `clauses` that matches `args`.
    fn invoke_fun<'a>(
        &mut self,
        run: &mut Run<'a>,
        module: &str,
        name: &str,
        clauses: &'a [FunClause],
        args: Vec<Value>,
        span: Span,
    ) -> EResult<()> {
        for fc in clauses {
            let mut env = (*fc.env).clone();
            let matched = if fc.clause.args.len() > args.len() {
                let full_args = self.fill_defaults(fc, &args)?;
                self.match_args(&fc.clause, &full_args, &mut env)?
            } else {
                self.match_args(&fc.clause, &args, &mut env)?
            };
            if matched {
                return self.enter_body(run, env, &fc.clause.body, span);
            }
        }
        // A call that filled in default arguments fails in the function of full arity.
        let arity = clauses.iter().map(|fc| fc.clause.args.len()).max().unwrap_or(args.len()).max(args.len());
        Err(Error::raise(
            "FunctionClauseError",
            format!("no function clause matching in {}.{name}/{arity}", crate::value::alias_name(module)),
            span,
        ))
    }

    fn invoke_closure<'a>(&mut self, run: &mut Run<'a>, clauses: &'a [Clause], base: &Env, args: Vec<Value>, span: Span) -> EResult<()> {
        for c in clauses {
            let mut env = base.clone();
            if self.match_args(c, &args, &mut env)? {
                return self.enter_body(run, env, &c.body, span);
            }
        }
        Err(Error::raise(
            "FunctionClauseError",
            format!(
                "no function clause matching in anonymous fn/{} with arguments: {}",
                args.len(),
                args.iter().map(inspect::inspect).collect::<Vec<_>>().join(", ")
            ),
            span,
        ))
    }

    /// Starts a function body. A call in tail position (nothing left to do
    /// in the caller but leave scopes) replaces the caller's frame.
    fn enter_body<'a>(&mut self, run: &mut Run<'a>, env: Env, body: &'a Node, span: Span) -> EResult<()> {
        let mut k = run.frames.len();
        while k > 0 && matches!(run.frames[k - 1], Frame::PopEnv) {
            k -= 1;
        }
        if k > 0 && matches!(run.frames[k - 1], Frame::Return) {
            let scopes = run.frames.len() - k + 1;
            run.frames.truncate(k - 1);
            run.envs.truncate(run.envs.len() - scopes);
            self.depth -= 1;
        }
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(Box::new(Error::Limit(
                format!("evaluation stopped: call depth exceeded {} (infinite recursion?)", self.limits.max_depth),
                span,
            )));
        }
        run.envs.push(env);
        run.frames.push(Frame::Return);
        run.frames.push(Frame::Eval(body));
        Ok(())
    }
}

impl<'a> Run<'a> {
    fn new(keep: &'a Keep) -> Run<'a> {
        Run {
            keep,
            kept_funs: HashMap::new(),
            kept_closures: HashMap::new(),
            sites: FastMap::default(),
            generation: 0,
            // Room for a small function's run without regrowing (a run
            // per callback call of `Enum.map` and the like).
            frames: Vec::with_capacity(16),
            values: Vec::with_capacity(8),
            envs: Vec::with_capacity(2),
        }
    }

    fn env(&mut self) -> &mut Env {
        self.envs.last_mut().expect("a run evaluates inside a function body")
    }

    fn pop(&mut self) -> Value {
        self.values.pop().unwrap_or(Value::Nil)
    }

    /// Evaluates `items` in order, their values pushed in order.
    fn eval_all(&mut self, items: &'a [Node]) {
        for item in items.iter().rev() {
            self.frames.push(Frame::Eval(item));
        }
    }

    /// Calls `target`: evaluates the value piped in (`piped |> call`), the
    /// function of `fun.(args)` and the arguments, in that order, then calls.
    fn push_call(&mut self, target: Rc<Target<'a>>, piped: Option<&'a Node>, fun: Option<&'a Node>, args: &'a [Node], span: Span) {
        self.frames.push(Frame::Call(target, args.len() + usize::from(piped.is_some()), span));
        self.eval_all(args);
        self.frames.extend(fun.into_iter().chain(piped).map(Frame::Eval));
    }

    /// Evaluates `body` in a scope of its own.
    fn enter_scope(&mut self, body: &'a Node) {
        let inner = self.env().clone();
        self.envs.push(inner);
        self.frames.push(Frame::PopEnv);
        self.frames.push(Frame::Eval(body));
    }

    /// Tries `cond` clause `i`: its head is evaluated in a scope of its own.
    fn cond_head(&mut self, clauses: &'a [Clause], i: usize, span: Span) -> EResult<()> {
        let Some(c) = clauses.get(i) else {
            return Err(Error::raise("CondClauseError", "no cond clause evaluated to a truthy value", span));
        };
        let head = c.args.first().ok_or_else(|| Error::raise("CompileError", "cond clause needs a condition", c.span))?;
        let inner = self.env().clone();
        self.envs.push(inner);
        self.frames.push(Frame::Cond(clauses, i, span));
        self.frames.push(Frame::Eval(head));
        Ok(())
    }

    /// Evaluates `node` with the tree walker.
    fn fallback(&mut self, interp: &mut Interp, node: &Node) -> EResult<()> {
        let v = interp.eval(node, self.env())?;
        self.values.push(v);
        Ok(())
    }

    fn keep_funs(&mut self, clauses: Rc<Vec<FunClause>>) -> &'a [FunClause] {
        let key = Rc::as_ptr(&clauses);
        if let Some(kept) = self.kept_funs.get(&key) {
            return kept;
        }
        let kept: &'a [FunClause] = self.keep.funs.get_or_init(Arena::new).alloc(clauses).as_slice();
        self.kept_funs.insert(key, kept);
        kept
    }

    /// The closure's clauses kept for this run, or `None` when the run
    /// keeps too many already.
    fn keep_closure(&mut self, clauses: Rc<Vec<Clause>>) -> Option<&'a [Clause]> {
        let key = Rc::as_ptr(&clauses);
        if let Some(kept) = self.kept_closures.get(&key) {
            return Some(kept);
        }
        if self.kept_closures.len() >= MAX_KEPT_CLOSURES {
            return None;
        }
        let kept: &'a [Clause] = self.keep.closures.get_or_init(Arena::new).alloc(clauses).as_slice();
        self.kept_closures.insert(key, kept);
        Some(kept)
    }
}
