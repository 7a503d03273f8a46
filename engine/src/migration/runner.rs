//! `Ecto.Migration.Runner`: the per-run state the DSL writes commands into,
//! `flush/0` (execute queued commands forward, or reversed when rolling back
//! `change/0`), the reversal rules, and running one migration (a module or a
//! `fn`) for one adapter.

use std::rc::Rc;

use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::value::{inspect::inspect, Value};

use super::{as_struct, clause_error, field, kw, kw_delete, kw_put, migration_error, to_s, COMMAND, CONSTRAINT, INDEX, TABLE};

/// The adapter whose `execute_ddl/1` prints the commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adapter {
    Sqlite,
    Postgres,
}

impl Adapter {
    pub fn execute_ddl(self, cmd: &Value) -> EResult<Vec<String>> {
        match self {
            Adapter::Sqlite => super::sqlite::execute_ddl(cmd),
            Adapter::Postgres => super::postgres::execute_ddl(cmd),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Adapter::Sqlite => "sqlite",
            Adapter::Postgres => "postgres",
        }
    }
}

/// The migrator's direction: `:up` (migrate) or `:down` (roll back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn atom(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// What to run: a module that does `use Ecto.Migration` (its `up/0`,
/// `down/0` or `change/0`), or a zero-arity function treated as `change/0`.
#[derive(Clone, Debug)]
pub enum MigrationSource {
    /// Module name as written in Elixir (`Blog.Migrations.CreatePosts`).
    Module(String),
    Fun(Value),
    /// A `change/0` that executes these command terms in order.
    Commands(Vec<Value>),
}

/// Called with each DDL statement as it is executed (e.g. to run it on a
/// database). An error stops the migration.
pub type DdlHook = Rc<dyn Fn(&mut Interp, &str) -> EResult<()>>;

/// The outcome of running one migration for one adapter.
#[derive(Debug, Default)]
pub struct MigrationRun {
    /// Statements executed, in order (before the error, if any).
    pub statements: Vec<String>,
    /// The command terms handed to the adapter's `execute_ddl/1`.
    pub commands: Vec<Value>,
    pub error: Option<Box<Error>>,
}

/// Per-run state (`interp.ext::<MigrationRunner>()`).
#[derive(Default)]
pub struct MigrationRunner {
    pub(crate) state: Option<RunState>,
}

pub(crate) struct RunState {
    pub backward: bool,
    pub migrator_direction: Direction,
    /// The migration module (`Elixir.X`), `None` for a function.
    pub module: Option<String>,
    pub prefix: Option<String>,
    pub adapter: Adapter,
    pub command: Option<(Value, Value)>,
    pub subcommands: Vec<Value>,
    /// Queued commands, oldest first, with where they were written.
    pub commands: Vec<(Value, Span)>,
    pub sent: Vec<Value>,
    pub statements: Vec<String>,
    pub hook: Option<DdlHook>,
    /// Repo configuration (`migration_primary_key`, `migration_timestamps`, ...).
    pub config: Value,
    /// What `repo()` returns.
    pub repo: Value,
    /// Level of the command log lines, if logging.
    pub log: Option<String>,
}

fn no_runner(span: Span) -> Box<Error> {
    Error::raise("RuntimeError", "could not find migration runner process for #PID<0.95.0>", span)
}

pub(crate) fn state(interp: &mut Interp, span: Span) -> EResult<&mut RunState> {
    interp.ext::<MigrationRunner>().state.as_mut().ok_or_else(|| no_runner(span))
}

/// `Runner.execute/1`: queue a command (a tuple, a string, a function...).
pub(crate) fn execute(interp: &mut Interp, command: Value, span: Span) -> EResult<()> {
    let st = state(interp, span)?;
    if st.command.is_some() {
        st.command = None;
        return Err(Error::raise("Ecto.MigrationError", "cannot execute nested commands", span));
    }
    st.subcommands.clear();
    st.commands.push((command, span));
    Ok(())
}

/// `Runner.start_command/1`
pub(crate) fn start_command(interp: &mut Interp, op: Value, object: Value, span: Span) -> EResult<()> {
    let st = state(interp, span)?;
    let nested = st.command.is_some();
    st.command = Some((op, object));
    if nested {
        return Err(Error::raise("Ecto.MigrationError", "cannot execute nested commands", span));
    }
    Ok(())
}

/// `Runner.end_command/0`
pub(crate) fn end_command(interp: &mut Interp, span: Span) -> EResult<()> {
    let st = state(interp, span)?;
    let Some((op, object)) = st.command.take() else {
        return Err(Error::raise("MatchError", "no match of right hand side value: nil", span));
    };
    let subs = std::mem::take(&mut st.subcommands);
    st.commands.push((Value::tuple(vec![op, object, Value::list(subs)]), span));
    Ok(())
}

/// `Runner.subcommand/1`
pub(crate) fn subcommand(interp: &mut Interp, sub: Value, span: Span) -> EResult<()> {
    let st = state(interp, span)?;
    if st.command.is_none() {
        return Err(Error::raise("Ecto.MigrationError", "cannot execute command outside of block", span));
    }
    st.subcommands.push(sub);
    Ok(())
}

/// `Runner.flush/0`: execute the queued commands in the run's direction.
pub(crate) fn flush(interp: &mut Interp, span: Span) -> EResult<()> {
    let st = state(interp, span)?;
    let mut commands = std::mem::take(&mut st.commands);
    let backward = st.backward;
    if backward {
        commands.reverse();
    }
    for (command, written) in commands {
        let at = if written.is_none() { span } else { written };
        execute_in_direction(interp, backward, &command, at)?;
    }
    Ok(())
}

fn execute_in_direction(interp: &mut Interp, backward: bool, command: &Value, span: Span) -> EResult<()> {
    if let Some(c) = as_struct(command, COMMAND) {
        let which = if backward { "down" } else { "up" };
        return log_and_execute_ddl(interp, field(c, which), span);
    }
    if !backward {
        return log_and_execute_ddl(interp, command, span);
    }
    match reverse(command) {
        Some(reversed) => log_and_execute_ddl(interp, &reversed, span),
        None => Err(Error::raise(
            "Ecto.MigrationError",
            format!(
                "cannot reverse migration command: {}. You will need to explicitly define up/0 and down/0 in your migration",
                describe(command).unwrap_or_else(|_| inspect(command))
            ),
            span,
        )),
    }
}

fn log_and_execute_ddl(interp: &mut Interp, command: &Value, span: Span) -> EResult<()> {
    if let Value::Fun(f) = command {
        if f.arity() == 0 {
            interp.apply(command, vec![], span)?;
            return Ok(());
        }
    }
    // The runner logs a description first; that is where a constraint
    // without (or with both) check and exclude fails.
    let description = describe(command).map_err(|e| with_span(e, span))?;
    if let Some(level) = state(interp, span)?.log.clone() {
        logger(interp, &level, &description);
    }
    let st = state(interp, span)?;
    st.sent.push(command.clone());
    let adapter = st.adapter;
    let hook = st.hook.clone();
    let statements = adapter.execute_ddl(command).map_err(|e| with_span(e, span))?;
    for sql in statements {
        if let Some(h) = &hook {
            h(interp, &sql)?;
        }
        state(interp, span)?.statements.push(sql);
    }
    Ok(())
}

/// A `Logger` line as the console shows it (`12:00:00.000 [info] message`),
/// written to the run's output.
pub(crate) fn logger(interp: &mut Interp, level: &str, message: &str) {
    let micros = crate::repo::now_micros(interp);
    let ms = micros.div_euclid(1000);
    let (h, m, sec, milli) = (ms.div_euclid(3_600_000).rem_euclid(24), ms.div_euclid(60_000) % 60, ms.div_euclid(1000) % 60, ms % 1000);
    interp.output.push_str(&format!("{h:02}:{m:02}:{sec:02}.{milli:03} [{level}] {message}\n"));
}

pub(crate) fn with_span(mut e: Box<Error>, span: Span) -> Box<Error> {
    if let Error::Raise(ex) = &mut *e {
        if ex.span.is_none() {
            ex.span = span;
        }
    }
    e
}

/// `Runner.reverse/1`: the command that undoes `command`, if there is one.
pub fn reverse(command: &Value) -> Option<Value> {
    let t = command.as_tuple()?;
    let op = t.first()?.as_atom()?;
    let obj = t.get(1)?;
    let tuple = |items: Vec<Value>| Some(Value::tuple(items));
    let restrict = || Value::atom("restrict");
    if as_struct(obj, INDEX).is_some() {
        return match (op, t.len()) {
            ("create", 2) => tuple(vec![Value::atom("drop"), obj.clone(), restrict()]),
            ("create_if_not_exists", 2) => tuple(vec![Value::atom("drop_if_exists"), obj.clone(), restrict()]),
            ("drop", 3) => tuple(vec![Value::atom("create"), obj.clone()]),
            ("drop_if_exists", 3) => tuple(vec![Value::atom("create_if_not_exists"), obj.clone()]),
            ("rename", 3) => {
                let old_name = as_struct(obj, INDEX).map(|i| field(i, "name").clone()).unwrap_or(Value::Nil);
                tuple(vec![Value::atom("rename"), super::structs::put(obj, "name", t[2].clone()), old_name])
            }
            _ => None,
        };
    }
    if as_struct(obj, TABLE).is_some() {
        return match (op, t.len()) {
            ("create", 3) => tuple(vec![Value::atom("drop"), obj.clone(), restrict()]),
            ("create_if_not_exists", 3) => tuple(vec![Value::atom("drop_if_exists"), obj.clone(), restrict()]),
            ("rename", 3) if as_struct(&t[2], TABLE).is_some() => tuple(vec![Value::atom("rename"), t[2].clone(), obj.clone()]),
            ("rename", 4) => tuple(vec![Value::atom("rename"), obj.clone(), t[3].clone(), t[2].clone()]),
            ("alter", 3) => {
                let changes = table_reverse(t[2].as_list()?)?;
                tuple(vec![Value::atom("alter"), obj.clone(), Value::list(changes)])
            }
            _ => None,
        };
    }
    if as_struct(obj, CONSTRAINT).is_some() {
        return match (op, t.len()) {
            ("create_if_not_exists", 2) => tuple(vec![Value::atom("drop_if_exists"), obj.clone(), restrict()]),
            ("create", 2) => tuple(vec![Value::atom("drop"), obj.clone(), restrict()]),
            _ => None,
        };
    }
    None
}

fn table_reverse(changes: &[Value]) -> Option<Vec<Value>> {
    let mut acc = Vec::new();
    for change in changes {
        let t = change.as_tuple()?;
        let op = t.first()?.as_atom()?;
        match (op, t) {
            ("remove", [_, name, ty, opts]) => {
                acc.push(Value::tuple(vec![Value::atom("add"), name.clone(), ty.clone(), opts.clone()]));
            }
            ("modify", [_, name, ty, opts]) => match kw(opts, "from") {
                None | Some(Value::Nil) => return None,
                Some(from) => {
                    let (reverse_type, reverse_opts) = match from.as_tuple() {
                        Some([reverse_type, from_opts]) if matches!(from_opts, Value::List(_)) => {
                            let reverse_from = Value::tuple(vec![ty.clone(), kw_delete(opts, "from")]);
                            (reverse_type.clone(), kw_put(from_opts, "from", reverse_from))
                        }
                        _ => (from.clone(), kw_put(opts, "from", ty.clone())),
                    };
                    acc.push(Value::tuple(vec![Value::atom("modify"), name.clone(), reverse_type, reverse_opts]));
                }
            },
            ("add", [_, name, ty, _]) => {
                acc.push(Value::tuple(vec![Value::atom("remove"), name.clone(), ty.clone(), Value::list(vec![])]));
            }
            _ => return None,
        }
    }
    acc.reverse();
    Some(acc)
}

/// `Runner.command/1`: how the runner logs a command. Fails the way Ecto
/// does for a constraint without (or with both) `check` and `exclude`.
pub fn describe(command: &Value) -> EResult<String> {
    if matches!(command, Value::Str(_) | Value::Bytes(_) | Value::List(_)) {
        return Ok(format!("execute {}", inspect(command)));
    }
    let err = || clause_error("Ecto.Migration.Runner.command/1");
    let t = command.as_tuple().ok_or_else(err)?;
    let op = t.first().and_then(|v| v.as_atom()).ok_or_else(err)?;
    let obj = t.get(1).ok_or_else(err)?;
    let qn = |s: &crate::value::Struct, key: &str| -> EResult<String> {
        let name = to_s(field(s, key))?;
        match field(s, "prefix") {
            Value::Nil => Ok(name),
            p => Ok(format!("{}.{name}", to_s(p)?)),
        }
    };
    let mode = |v: Option<&Value>| -> EResult<&'static str> {
        match v.and_then(|v| v.as_atom()) {
            Some("restrict") => Ok(""),
            Some("cascade") => Ok(" cascade"),
            _ => Err(clause_error("Ecto.Migration.Runner.drop_mode/1")),
        }
    };
    if let Some(table) = as_struct(obj, TABLE) {
        let modifiers = match field(table, "modifiers") {
            Value::Str(m) => format!("{m} table"),
            _ => "table".to_string(),
        };
        return match (op, t.len()) {
            ("create", 3) => Ok(format!("create {modifiers} {}", qn(table, "name")?)),
            ("create_if_not_exists", 3) => Ok(format!("create {modifiers} if not exists {}", qn(table, "name")?)),
            ("alter", 3) => Ok(format!("alter table {}", qn(table, "name")?)),
            ("drop", 3) => Ok(format!("drop table {}{}", qn(table, "name")?, mode(t.get(2))?)),
            ("drop_if_exists", 3) => Ok(format!("drop table if exists {}{}", qn(table, "name")?, mode(t.get(2))?)),
            ("rename", 3) => {
                let new = as_struct(&t[2], TABLE).ok_or_else(err)?;
                Ok(format!("rename table {} to {}", qn(table, "name")?, qn(new, "name")?))
            }
            ("rename", 4) => Ok(format!("rename column {} to {} on table {}", to_s(&t[2])?, to_s(&t[3])?, qn(table, "name")?)),
            _ => Err(err()),
        };
    }
    if let Some(index) = as_struct(obj, INDEX) {
        return match (op, t.len()) {
            ("create", 2) => Ok(format!("create index {}", qn(index, "name")?)),
            ("create_if_not_exists", 2) => Ok(format!("create index if not exists {}", qn(index, "name")?)),
            ("drop", 3) => Ok(format!("drop index {}{}", qn(index, "name")?, mode(t.get(2))?)),
            ("drop_if_exists", 3) => Ok(format!("drop index if exists {}{}", qn(index, "name")?, mode(t.get(2))?)),
            ("rename", 3) => Ok(format!("rename index {} to {}", qn(index, "name")?, to_s(&t[2])?)),
            _ => Err(err()),
        };
    }
    if let Some(c) = as_struct(obj, CONSTRAINT) {
        let on = || -> EResult<String> {
            let table = to_s(field(c, "table"))?;
            Ok(match field(c, "prefix") {
                Value::Nil => table,
                p => format!("{}.{table}", to_s(p)?),
            })
        };
        return match (op, t.len()) {
            ("create", 2) => {
                let check = field(c, "check");
                let exclude = field(c, "exclude");
                match (check, exclude) {
                    (Value::Nil, Value::Nil) => Err(super::argument_error("a constraint must have either a check or exclude option")),
                    (Value::Str(_), Value::Str(_)) => {
                        Err(super::argument_error("a constraint must not have both check and exclude options"))
                    }
                    (Value::Str(_), _) => Ok(format!("create check constraint {} on table {}", to_s(field(c, "name"))?, on()?)),
                    (_, Value::Str(_)) => Ok(format!("create exclude constraint {} on table {}", to_s(field(c, "name"))?, on()?)),
                    _ => Err(err()),
                }
            }
            ("drop", 3) => Ok(format!("drop constraint {} from table {}", to_s(field(c, "name"))?, on()?)),
            ("drop_if_exists", 3) => Ok(format!("drop constraint if exists {} from table {}", to_s(field(c, "name"))?, on()?)),
            _ => Err(err()),
        };
    }
    Err(err())
}

/// Is `name/arity` defined (publicly) in the user module `module`?
pub(crate) fn exports(interp: &Interp, module: &str, name: &str, arity: usize) -> bool {
    let full = Value::module(module);
    let full = full.as_atom().unwrap_or_default();
    interp
        .modules
        .get(full)
        .and_then(|m| m.functions.get(&(name.to_string(), arity)))
        .is_some_and(|clauses| clauses.iter().any(|c| !c.private))
}

/// Options for [`run_migration`].
#[derive(Clone, Default)]
pub struct RunOptions {
    /// The migrator prefix (`Ecto.Migrator.run(..., prefix: "x")`).
    pub prefix: Option<String>,
    /// Executes each statement (e.g. on a database).
    pub hook: Option<DdlHook>,
    /// Whether the migration runs inside a transaction (then `after_begin/0`
    /// and `before_commit/0` callbacks run too).
    pub in_transaction: bool,
    /// Repo configuration as a keyword list (`migration_primary_key: [type: :binary_id]`, ...).
    pub config: Option<Value>,
    /// The repo module `repo()` returns inside the migration.
    pub repo: Option<Value>,
    /// The Logger level commands are logged at (`log:` option), `None`
    /// for no log.
    pub log: Option<String>,
}

/// Runs a migration in `direction`, choosing `up/0`, `down/0` or `change/0`
/// the way `Ecto.Migrator` does, and flushes its commands through
/// `adapter`. Never panics; errors are reported in the result.
pub fn run_migration(
    interp: &mut Interp,
    source: &MigrationSource,
    direction: Direction,
    adapter: Adapter,
    opts: &RunOptions,
) -> MigrationRun {
    super::install(interp);
    let span = Span::NONE;
    let (backward, operation, module) = match source {
        MigrationSource::Module(m) => {
            let (first, second) = match direction {
                Direction::Up => ("up", "change"),
                Direction::Down => ("down", "change"),
            };
            if exports(interp, m, first, 0) {
                (false, Some(first), Some(m.clone()))
            } else if exports(interp, m, second, 0) {
                (direction == Direction::Down, Some(second), Some(m.clone()))
            } else {
                let err =
                    migration_error(format!("{} does not implement a `{first}/0` or `change/0` function", crate::value::alias_name(m)));
                return MigrationRun { error: Some(err), ..Default::default() };
            }
        }
        MigrationSource::Fun(_) | MigrationSource::Commands(_) => (direction == Direction::Down, None, None),
    };
    let previous = interp.ext::<MigrationRunner>().state.take();
    interp.ext::<MigrationRunner>().state = Some(RunState {
        backward,
        migrator_direction: direction,
        module: module.clone(),
        prefix: opts.prefix.clone(),
        adapter,
        command: None,
        subcommands: vec![],
        commands: vec![],
        sent: vec![],
        statements: vec![],
        hook: opts.hook.clone(),
        config: opts.config.clone().unwrap_or_else(|| Value::list(vec![])),
        repo: opts.repo.clone().unwrap_or(Value::Nil),
        log: opts.log.clone(),
    });
    let result = (|| -> EResult<()> {
        let callback = |interp: &mut Interp, name: &str| -> EResult<()> {
            if let Some(m) = &module {
                if opts.in_transaction && exports(interp, m, name, 0) {
                    interp.call(m, name, vec![], span)?;
                    flush(interp, span)?;
                }
            }
            Ok(())
        };
        callback(interp, "after_begin")?;
        match (source, operation) {
            (MigrationSource::Module(m), Some(op)) => {
                interp.call(m, op, vec![], span)?;
            }
            (MigrationSource::Fun(f), _) => {
                interp.apply(f, vec![], span)?;
            }
            (MigrationSource::Commands(commands), _) => {
                for c in commands {
                    execute(interp, c.clone(), span)?;
                }
            }
            _ => {}
        }
        flush(interp, span)?;
        callback(interp, "before_commit")?;
        Ok(())
    })();
    let st = std::mem::replace(&mut interp.ext::<MigrationRunner>().state, previous);
    let (statements, commands) = st.map(|s| (s.statements, s.sent)).unwrap_or_default();
    MigrationRun { statements, commands, error: result.err() }
}

/// Hands command terms straight to the adapter's `execute_ddl/1` (no runner,
/// no reversal), as `{:raw, ...}` entries do.
pub fn run_commands(commands: &[Value], adapter: Adapter) -> MigrationRun {
    let mut run = MigrationRun::default();
    for c in commands {
        run.commands.push(c.clone());
        match adapter.execute_ddl(c) {
            Ok(stmts) => run.statements.extend(stmts),
            Err(e) => {
                run.error = Some(e);
                break;
            }
        }
    }
    run
}
