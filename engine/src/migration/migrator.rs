//! `Ecto.Migrator` and `Ecto.Migration.SchemaMigration`: runs migrations
//! against a database, keeping applied versions in `schema_migrations`.
//!
//! The statement sequence is Ecto's. For `up/4` on SQLite:
//!
//! ```text
//! CREATE TABLE IF NOT EXISTS "schema_migrations" ("version" INTEGER PRIMARY KEY, "inserted_at" TEXT)
//! SELECT s0."version" FROM "schema_migrations" AS s0
//! begin
//! ...the migration's DDL...
//! INSERT INTO "schema_migrations" ("version","inserted_at") VALUES (?1,?2)
//! commit
//! ```
//!
//! The database is reached through [`MigratorDb`], which sees the
//! interpreter too, so a Repo that keeps its connection in `Interp::ext`
//! can implement it without owning anything. [`ExecutorDb`] adapts any
//! [`Executor`] and logs what it ran.

use std::cell::RefCell;
use std::rc::Rc;

use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::executor::{DbError, DbValue, Executor, QueryResult};
use crate::value::{NaiveDateTime, Value};

use super::runner::{exports, logger, run_migration, Adapter, DdlHook, Direction, MigrationRun, MigrationSource, RunOptions};

/// The database as the migrator needs it.
pub trait MigratorDb {
    /// Runs one statement with positional parameters.
    fn execute(&mut self, interp: &mut Interp, sql: &str, params: &[DbValue]) -> EResult<QueryResult>;
    fn begin(&mut self, interp: &mut Interp) -> EResult<()>;
    fn commit(&mut self, interp: &mut Interp) -> EResult<()>;
    fn rollback(&mut self, interp: &mut Interp) -> EResult<()>;
}

pub type SharedDb = Rc<RefCell<dyn MigratorDb>>;

/// One statement as the migrator sent it (`begin`, `commit` and `rollback`
/// appear with those words as their SQL, as Ecto's telemetry reports them).
#[derive(Clone, Debug, PartialEq)]
pub struct Logged {
    pub sql: String,
    pub params: Vec<DbValue>,
}

/// A [`MigratorDb`] over an [`Executor`], logging every statement.
pub struct ExecutorDb<E: Executor> {
    pub exec: E,
    pub log: Vec<Logged>,
}

impl<E: Executor> ExecutorDb<E> {
    pub fn new(exec: E) -> ExecutorDb<E> {
        ExecutorDb { exec, log: Vec::new() }
    }

    fn run(&mut self, logged: &str, sql: &str, params: &[DbValue]) -> EResult<QueryResult> {
        self.log.push(Logged { sql: logged.to_string(), params: params.to_vec() });
        self.exec.execute(sql, params).map_err(db_error)
    }
}

/// The exception a failing statement raises (`Exqlite.Error`).
pub fn db_error(e: DbError) -> Box<Error> {
    Error::raise("Exqlite.Error", e.message, Span::NONE)
}

impl<E: Executor> MigratorDb for ExecutorDb<E> {
    fn execute(&mut self, _interp: &mut Interp, sql: &str, params: &[DbValue]) -> EResult<QueryResult> {
        self.run(sql, sql, params)
    }
    fn begin(&mut self, _interp: &mut Interp) -> EResult<()> {
        self.run("begin", "BEGIN", &[]).map(|_| ())
    }
    fn commit(&mut self, _interp: &mut Interp) -> EResult<()> {
        self.run("commit", "COMMIT", &[]).map(|_| ())
    }
    fn rollback(&mut self, _interp: &mut Interp) -> EResult<()> {
        self.run("rollback", "ROLLBACK", &[]).map(|_| ())
    }
}

/// A migration known to the migrator.
#[derive(Clone, Debug)]
pub struct Migration {
    pub version: i64,
    /// The name `migrations/2` reports (the module name for modules).
    pub name: String,
    pub source: MigrationSource,
}

impl Migration {
    pub fn module(version: i64, module: &str) -> Migration {
        Migration { version, name: module.to_string(), source: MigrationSource::Module(module.to_string()) }
    }
}

/// What `up/4` and `down/4` return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    AlreadyUp,
    AlreadyDown,
}

impl Outcome {
    pub fn atom(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::AlreadyUp => "already_up",
            Outcome::AlreadyDown => "already_down",
        }
    }
}

/// Which pending migrations `run/4` applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    All,
    Step(usize),
    To(i64),
    ToExclusive(i64),
}

fn lock(db: &SharedDb) -> EResult<std::cell::RefMut<'_, dyn MigratorDb + 'static>> {
    db.try_borrow_mut().map_err(|_| Error::raise("RuntimeError", "the migration database is already in use", Span::NONE))
}

pub struct Migrator {
    pub db: SharedDb,
    pub adapter: Adapter,
    /// `prefix:` option.
    pub prefix: Option<String>,
    /// `migration_source` (default `schema_migrations`).
    pub source: String,
    /// Repo configuration keyword list.
    pub config: Option<Value>,
    /// What `repo()` returns in migrations.
    pub repo: Option<Value>,
    /// Statements of the last migration run (for error reporting).
    pub last_run: Option<MigrationRun>,
    /// The Logger level of the migration log (`log:` option; `None` is
    /// `log: false`). The lines go to the run's output.
    pub log: Option<String>,
}

impl Migrator {
    pub fn new(db: SharedDb, adapter: Adapter) -> Migrator {
        Migrator { db, adapter, prefix: None, source: "schema_migrations".into(), config: None, repo: None, last_run: None, log: None }
    }

    fn params(&self, n: usize) -> Vec<String> {
        (1..=n)
            .map(|i| match self.adapter {
                Adapter::Sqlite => format!("?{i}"),
                Adapter::Postgres => format!("${i}"),
            })
            .collect()
    }

    fn quoted_source(&self) -> String {
        match &self.prefix {
            Some(p) => format!("\"{p}\".\"{}\"", self.source),
            None => format!("\"{}\"", self.source),
        }
    }

    /// The `CREATE TABLE IF NOT EXISTS "schema_migrations" ...` statements.
    pub fn ensure_table_statements(&self) -> EResult<Vec<String>> {
        let mut table =
            super::structs::default_struct(super::TABLE).ok_or_else(|| Error::raise("RuntimeError", "no table struct", Span::NONE))?;
        table.set("name", Value::atom(&self.source));
        table.set("prefix", self.prefix.clone().map(Value::string).unwrap_or(Value::Nil));
        let columns = Value::list(vec![
            Value::tuple(vec![
                Value::atom("add"),
                Value::atom("version"),
                Value::atom("bigint"),
                Value::keyword(vec![("primary_key", Value::Bool(true))]),
            ]),
            Value::tuple(vec![Value::atom("add"), Value::atom("inserted_at"), Value::atom("naive_datetime"), Value::list(vec![])]),
        ]);
        let cmd = Value::tuple(vec![Value::atom("create_if_not_exists"), Value::Struct(Rc::new(table)), columns]);
        self.adapter.execute_ddl(&cmd)
    }

    /// `SchemaMigration.ensure_schema_migrations_table!/3`
    pub fn ensure_table(&self, interp: &mut Interp) -> EResult<()> {
        for sql in self.ensure_table_statements()? {
            lock(&self.db)?.execute(interp, &sql, &[])?;
        }
        Ok(())
    }

    /// The versions query: `SELECT s0."version" FROM "schema_migrations" AS s0`.
    pub fn versions_sql(&self) -> EResult<String> {
        if self.prefix.is_some() && self.adapter == Adapter::Sqlite {
            return Err(Error::raise("ArgumentError", "SQLite3 does not support table prefixes", Span::NONE));
        }
        Ok(format!("SELECT s0.\"version\" FROM {} AS s0", self.quoted_source()))
    }

    pub fn versions(&self, interp: &mut Interp) -> EResult<Vec<i64>> {
        let sql = self.versions_sql()?;
        let result = lock(&self.db)?.execute(interp, &sql, &[])?;
        Ok(result
            .rows
            .iter()
            .filter_map(|r| match r.first() {
                Some(DbValue::Integer(i)) => Some(*i),
                Some(DbValue::Text(t)) => t.parse().ok(),
                Some(DbValue::Real(f)) => Some(*f as i64),
                Some(v @ DbValue::Pg { .. }) => crate::pg::from_db(v).as_int(),
                _ => None,
            })
            .collect())
    }

    /// `INSERT INTO "schema_migrations" ("version","inserted_at") VALUES (?1,?2)`
    pub fn insert_sql(&self) -> String {
        let p = self.params(2);
        format!("INSERT INTO {} (\"version\",\"inserted_at\") VALUES ({},{})", self.quoted_source(), p[0], p[1])
    }

    /// `DELETE FROM "schema_migrations" AS s0 WHERE (s0."version" = CAST(? AS INTEGER))`
    pub fn delete_sql(&self) -> String {
        let cast = match self.adapter {
            Adapter::Sqlite => "CAST(? AS INTEGER)".to_string(),
            Adapter::Postgres => "$1::bigint".to_string(),
        };
        format!("DELETE FROM {} AS s0 WHERE (s0.\"version\" = {cast})", self.quoted_source())
    }

    fn disables_ddl_transaction(interp: &Interp, source: &MigrationSource) -> bool {
        match source {
            MigrationSource::Module(m) => {
                let full = Value::module(m);
                interp.module_attr(full.as_atom().unwrap_or_default(), "disable_ddl_transaction").is_some_and(|v| v.is_truthy())
            }
            _ => false,
        }
    }

    /// `== Running 1 MyApp.Migration.change/0 forward`, for module migrations.
    fn running_message(interp: &Interp, version: i64, source: &MigrationSource, direction: Direction) -> Option<String> {
        let MigrationSource::Module(m) = source else { return None };
        let full = Value::module(m);
        let module = full.as_atom().unwrap_or_default();
        let first = match direction {
            Direction::Up => "up",
            Direction::Down => "down",
        };
        let (operation, direction_msg) = if exports(interp, m, first, 0) {
            (first, String::new())
        } else {
            ("change", format!(" {}", if direction == Direction::Up { "forward" } else { "backward" }))
        };
        Some(format!("== Running {version} {}.{operation}/0{direction_msg}", crate::value::alias_name(module)))
    }

    fn hook(&self) -> DdlHook {
        let db = self.db.clone();
        Rc::new(move |interp: &mut Interp, sql: &str| -> EResult<()> {
            let mut db =
                db.try_borrow_mut().map_err(|_| Error::raise("RuntimeError", "the migration database is already in use", Span::NONE))?;
            db.execute(interp, sql, &[]).map(|_| ())
        })
    }

    /// Runs one migration in a transaction and records (or removes) its version.
    fn migrate_one(
        &mut self,
        interp: &mut Interp,
        version: i64,
        source: &MigrationSource,
        direction: Direction,
        now: NaiveDateTime,
    ) -> EResult<()> {
        let transaction = !Self::disables_ddl_transaction(interp, source);
        if transaction {
            lock(&self.db)?.begin(interp)?;
        }
        let opts = RunOptions {
            prefix: self.prefix.clone(),
            hook: Some(self.hook()),
            in_transaction: transaction,
            config: self.config.clone(),
            repo: self.repo.clone(),
            log: self.log.clone(),
        };
        let running = self.log.clone().zip(Self::running_message(interp, version, source, direction));
        if let Some((level, message)) = &running {
            logger(interp, level, message);
        }
        let mut run = run_migration(interp, source, direction, self.adapter, &opts);
        if let (Some((level, _)), None) = (&running, &run.error) {
            // Ecto reports the time to a tenth of a second.
            logger(interp, level, &format!("== Migrated {version} in 0.0s"));
        }
        let mut result = match run.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        };
        if result.is_ok() {
            result = match direction {
                Direction::Up => {
                    let inserted_at = match self.adapter {
                        Adapter::Sqlite => DbValue::Text(now.iso('T')),
                        Adapter::Postgres => {
                            crate::pg::to_db(&Value::NaiveDateTime(now), crate::pg::codec::TIMESTAMP).unwrap_or(DbValue::Null)
                        }
                    };
                    let params = [DbValue::Integer(version), inserted_at];
                    let sql = self.insert_sql();
                    lock(&self.db)?.execute(interp, &sql, &params).map(|_| ())
                }
                Direction::Down => {
                    let sql = self.delete_sql();
                    lock(&self.db)?.execute(interp, &sql, &[DbValue::Integer(version)]).map(|_| ())
                }
            };
        }
        self.last_run = Some(run);
        match result {
            Ok(()) => {
                if transaction {
                    lock(&self.db)?.commit(interp)?;
                }
                Ok(())
            }
            Err(e) => {
                if transaction {
                    // The original error wins over a failing rollback.
                    let _ = lock(&self.db).and_then(|mut db| db.rollback(interp));
                }
                Err(e)
            }
        }
    }

    /// `Ecto.Migrator.up/4`: `now` is the `inserted_at` of the version row.
    pub fn up(&mut self, interp: &mut Interp, version: i64, source: &MigrationSource, now: NaiveDateTime) -> EResult<Outcome> {
        self.ensure_table(interp)?;
        let versions = self.versions(interp)?;
        if versions.contains(&version) {
            return Ok(Outcome::AlreadyUp);
        }
        self.migrate_one(interp, version, source, Direction::Up, now)?;
        Ok(Outcome::Ok)
    }

    /// `Ecto.Migrator.down/4`
    pub fn down(&mut self, interp: &mut Interp, version: i64, source: &MigrationSource, now: NaiveDateTime) -> EResult<Outcome> {
        self.ensure_table(interp)?;
        let versions = self.versions(interp)?;
        if !versions.contains(&version) {
            return Ok(Outcome::AlreadyDown);
        }
        self.migrate_one(interp, version, source, Direction::Down, now)?;
        Ok(Outcome::Ok)
    }

    /// `Ecto.Migrator.run/4` with a list of migrations: the versions it migrated.
    pub fn run(
        &mut self,
        interp: &mut Interp,
        migrations: &[Migration],
        direction: Direction,
        strategy: Strategy,
        now: NaiveDateTime,
    ) -> EResult<Vec<i64>> {
        self.ensure_table(interp)?;
        let versions = self.versions(interp)?;
        let mut sorted: Vec<&Migration> = migrations.iter().collect();
        crate::sort::sort_by(&mut sorted, |a, b| (a.version, &a.name).cmp(&(b.version, &b.name)));
        let mut pending: Vec<&Migration> = match direction {
            Direction::Up => sorted.into_iter().filter(|m| !versions.contains(&m.version)).collect(),
            Direction::Down => sorted.into_iter().rev().filter(|m| versions.contains(&m.version)).collect(),
        };
        pending = match strategy {
            Strategy::All => pending,
            Strategy::Step(n) => pending.into_iter().take(n).collect(),
            Strategy::To(t) => {
                pending.into_iter().take_while(|m| if direction == Direction::Up { m.version <= t } else { m.version >= t }).collect()
            }
            Strategy::ToExclusive(t) => {
                pending.into_iter().take_while(|m| if direction == Direction::Up { m.version < t } else { m.version > t }).collect()
            }
        };
        for (i, m) in pending.iter().enumerate() {
            if pending[i + 1..].iter().any(|o| o.version == m.version) {
                return Err(Error::raise(
                    "Ecto.MigrationError",
                    format!("migrations can't be executed, migration version {} is duplicated", m.version),
                    Span::NONE,
                ));
            }
            if pending[i + 1..].iter().any(|o| o.name == m.name) {
                return Err(Error::raise(
                    "Ecto.MigrationError",
                    format!("migrations can't be executed, migration name {} is duplicated", m.name),
                    Span::NONE,
                ));
            }
        }
        if pending.is_empty() {
            if let Some(level) = self.log.clone() {
                logger(interp, &level, &format!("Migrations already {}", direction.atom()));
            }
        }
        let mut done = Vec::new();
        for m in pending {
            // Each migration takes the lock again and re-reads the versions.
            let versions = self.versions(interp)?;
            let applied = versions.contains(&m.version);
            match direction {
                Direction::Up if !applied => {
                    self.migrate_one(interp, m.version, &m.source, direction, now)?;
                    done.push(m.version);
                }
                Direction::Down if applied => {
                    self.migrate_one(interp, m.version, &m.source, direction, now)?;
                    done.push(m.version);
                }
                _ => {}
            }
        }
        Ok(done)
    }

    /// `Ecto.Migrator.migrations/2`: `(status, version, name)` for each known
    /// migration, then applied versions without a migration.
    pub fn status(&self, interp: &mut Interp, migrations: &[Migration]) -> EResult<Vec<(Direction, i64, String)>> {
        self.ensure_table(interp)?;
        let versions = self.versions(interp)?;
        let mut sorted: Vec<&Migration> = migrations.iter().collect();
        crate::sort::sort_by(&mut sorted, |a, b| (a.version, &a.name).cmp(&(b.version, &b.name)));
        let mut out = Vec::new();
        for m in sorted.iter().rev().filter(|m| versions.contains(&m.version)) {
            out.push((Direction::Up, m.version, m.name.clone()));
        }
        for v in &versions {
            if !migrations.iter().any(|m| m.version == *v) {
                out.push((Direction::Up, *v, "** FILE NOT FOUND **".to_string()));
            }
        }
        for m in sorted.iter().filter(|m| !versions.contains(&m.version)) {
            out.push((Direction::Down, m.version, m.name.clone()));
        }
        Ok(out)
    }
}

/// How the `Ecto.Migrator` built-ins reach a database: whoever owns the
/// connection (the Repo, the playground) installs a provider that maps the
/// repo argument to a database and adapter, and a clock for `inserted_at`.
#[derive(Default)]
pub struct MigratorEnv {
    pub provider: Option<DbProvider>,
    pub now: Option<Clock>,
}

/// The current time for `inserted_at` of version rows.
pub type Clock = Rc<dyn Fn(&mut Interp) -> NaiveDateTime>;

pub type DbProvider = Rc<dyn Fn(&mut Interp, &Value) -> EResult<(SharedDb, Adapter)>>;

/// Installs the database behind the `Ecto.Migrator` built-ins.
pub fn set_provider(interp: &mut Interp, provider: DbProvider, now: Option<Clock>) {
    let env = interp.ext::<MigratorEnv>();
    env.provider = Some(provider);
    env.now = now;
}

pub(crate) mod builtins {
    use super::*;
    use crate::eval::Builtins;
    use crate::value::inspect::inspect;

    const M: &str = "Ecto.Migrator";

    pub fn register(b: &mut Builtins) {
        b.add(M, "up", &[3, 4], up);
        b.add(M, "down", &[3, 4], down);
        b.add(M, "run", &[3, 4], run);
        b.add(M, "migrations", &[2], migrations);
        b.add(M, "migrated_versions", &[1, 2], migrated_versions);
    }

    fn migrator(interp: &mut Interp, repo: &Value, opts: Option<&Value>, span: Span) -> EResult<Migrator> {
        let provider = interp.ext::<MigratorEnv>().provider.clone().ok_or_else(|| {
            Error::raise("RuntimeError", format!("could not lookup Ecto repo {} because it was not started", inspect(repo)), span)
        })?;
        let (db, adapter) = provider(interp, repo)?;
        let mut m = Migrator::new(db, adapter);
        m.repo = Some(repo.clone());
        m.log = match opts.and_then(|o| o.keyword_get("log")) {
            None | Some(Value::Bool(true)) => Some("info".to_string()),
            Some(Value::Bool(false)) | Some(Value::Nil) => None,
            Some(Value::Atom(level)) => Some(level.to_string()),
            Some(_) => Some("info".to_string()),
        };
        if let Some(p) = opts.and_then(|o| o.keyword_get("prefix")).filter(|p| !matches!(p, Value::Nil)) {
            m.prefix = Some(super::super::to_s(p)?);
        }
        Ok(m)
    }

    /// `inserted_at` of a version row: the installed clock, else the Repo's
    /// (the host's wall clock), to the second as Ecto stores it.
    fn now(interp: &mut Interp) -> NaiveDateTime {
        match interp.ext::<MigratorEnv>().now.clone() {
            Some(f) => f(interp),
            None => {
                // Seconds from 0000-01-01 to the Unix epoch.
                const UNIX_EPOCH: i64 = 62_167_219_200;
                let micros = crate::repo::now_micros(interp);
                NaiveDateTime::from_seconds(micros.div_euclid(1_000_000) + UNIX_EPOCH, 0, 0)
            }
        }
    }

    fn version(v: &Value, span: Span) -> EResult<i64> {
        v.as_int().ok_or_else(|| {
            Error::raise(
                "FunctionClauseError",
                format!("no function clause matching in Ecto.Migrator.up/4 with version {}", inspect(v)),
                span,
            )
        })
    }

    fn module_source(v: &Value, span: Span) -> EResult<MigrationSource> {
        match v {
            Value::Atom(a) => Ok(MigrationSource::Module(a.to_string())),
            other => Err(Error::raise("Ecto.MigrationError", format!("module {} is not an Ecto.Migration", inspect(other)), span)),
        }
    }

    fn up(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
        let mut m = migrator(interp, &args[0], args.get(3), span)?;
        let v = version(&args[1], span)?;
        let source = module_source(&args[2], span)?;
        let now = now(interp);
        Ok(Value::atom(m.up(interp, v, &source, now)?.atom()))
    }

    fn down(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
        let mut m = migrator(interp, &args[0], args.get(3), span)?;
        let v = version(&args[1], span)?;
        let source = module_source(&args[2], span)?;
        let now = now(interp);
        Ok(Value::atom(m.down(interp, v, &source, now)?.atom()))
    }

    /// `[{version, Module}, ...]` (directories of migration files are not available).
    fn migration_list(v: &Value, span: Span) -> EResult<Vec<Migration>> {
        let items = match v {
            Value::List(items) => items.to_vec(),
            Value::Tuple(_) => vec![v.clone()],
            other => {
                return Err(Error::raise(
                    "ArgumentError",
                    format!("migrations must be given as a list of {{version, module}} tuples, got: {}", inspect(other)),
                    span,
                ))
            }
        };
        items
            .iter()
            .map(|item| match item.as_tuple() {
                Some([Value::Int(v), Value::Atom(m)]) => Ok(Migration::module(*v, m)),
                _ => Err(Error::raise(
                    "ArgumentError",
                    format!("migrations must be given as a list of {{version, module}} tuples, got: {}", inspect(item)),
                    span,
                )),
            })
            .collect()
    }

    fn run(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
        // run/3 reads migrations from the repo's priv directory, which does not exist here.
        if args.len() == 3 {
            return Err(Error::raise(
                "ArgumentError",
                "Ecto.Migrator.run/3 needs migration files; pass a list of {version, module} to run/4",
                span,
            ));
        }
        let opts = &args[3];
        let mut m = migrator(interp, &args[0], Some(opts), span)?;
        let migrations = migration_list(&args[1], span)?;
        let direction = match args[2].as_atom() {
            Some("up") => Direction::Up,
            Some("down") => Direction::Down,
            _ => {
                return Err(Error::raise(
                    "FunctionClauseError",
                    format!("no function clause matching in Ecto.Migrator.run/4 with direction {}", inspect(&args[2])),
                    span,
                ))
            }
        };
        let int = |k: &str| opts.keyword_get(k).filter(|v| v.is_truthy()).cloned();
        let strategy = if opts.keyword_get("all").is_some_and(|v| v.is_truthy()) {
            Strategy::All
        } else if let Some(Value::Int(t)) = int("to") {
            Strategy::To(t)
        } else if let Some(Value::Int(t)) = int("to_exclusive") {
            Strategy::ToExclusive(t)
        } else if let Some(Value::Int(n)) = int("step") {
            Strategy::Step(n.max(0) as usize)
        } else {
            return Err(Error::raise("ArgumentError", "expected one of :all, :to, :to_exclusive, or :step strategies", span));
        };
        let now = now(interp);
        let done = m.run(interp, &migrations, direction, strategy, now)?;
        Ok(Value::list(done.into_iter().map(Value::Int).collect()))
    }

    fn migrations(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
        let m = migrator(interp, &args[0], None, span)?;
        let migrations = migration_list(&args[1], span)?;
        let status = m.status(interp, &migrations)?;
        Ok(Value::list(
            status
                .into_iter()
                .map(|(d, v, name)| {
                    let name = if migrations.iter().any(|mm| mm.name == name) { Value::module(&name) } else { Value::string(name) };
                    Value::tuple(vec![Value::atom(d.atom()), Value::Int(v), name])
                })
                .collect(),
        ))
    }

    fn migrated_versions(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
        let m = migrator(interp, &args[0], args.get(1), span)?;
        m.ensure_table(interp)?;
        let versions = m.versions(interp)?;
        Ok(Value::list(versions.into_iter().map(Value::Int).collect()))
    }
}
