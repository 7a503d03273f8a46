//! `ectoplasm`: Ecto code in, SQL, changesets, DDL and Repo results out.
//!
//! Each subcommand evaluates an `.exs` file in the conventions of the
//! conformance corpus and prints one JSON line per entry. Exit codes: 0
//! when the file was evaluated, 1 when it could not be (the reason is on
//! stderr, as Elixir prints it), 2 for a command line that is not understood.

mod changeset;
mod common;
mod ddl;
mod erd;
mod explain;
mod from_sql;
mod input;
mod lesson;
mod pg;
mod repo;
mod sql;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use input::{Failure, Input};

/// ectoplasm: Ecto without a BEAM.
///
/// Evaluates Ecto code written in Elixir and answers as Ecto 3.14 would.
#[derive(Parser, Debug)]
#[command(name = "ectoplasm", version, propagate_version = true, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// One variant per subcommand; a new one needs a variant here and an arm in
/// [`Command::run`].
#[derive(Subcommand, Debug)]
enum Command {
    /// Print the SQL and params Ecto would send for each entry of `queries = [...]`
    Sql(FileArgs),
    /// Print each changeset (or value) of `changesets = [...]`
    Changeset(FileArgs),
    /// Print the DDL of each migration in `migrations = [...]`
    Ddl(FileArgs),
    /// Run `setup_migrations` and each `runs = [name: fn repo -> ... end]` on an in-memory SQLite database
    /// (or, with `--adapter postgres`, on the PostgreSQL database `--database-url` names)
    Repo(RepoArgs),
    /// Run `setup_migrations` and `runs`, then print the plan and index advice of each entry of `queries = [...]`
    Explain(ExplainArgs),
    /// Run a script against a SQLite file and print each top-level result as IEx would
    Run(RunArgs),
    /// Evaluate a file on an in-memory SQLite database and print the entity-relationship diagram of its schemas and tables
    Erd(ErdArgs),
    /// Read SQL DDL (PostgreSQL or SQLite) and print Ecto schemas and the migration that creates the tables
    ImportSql(ImportSqlArgs),
    /// Read SQL queries (SELECT, INSERT ... SELECT, UPDATE, DELETE) and print the Ecto that writes each
    FromSql(FromSqlArgs),
    /// Check every exercise of a Livebook lesson (`.livemd`): one line each, exit status 0 when all pass
    Lesson(LessonArgs),
}

#[derive(Args, Debug)]
struct LessonArgs {
    /// The Livebook lesson (`.livemd`)
    #[arg(value_name = "FILE.livemd")]
    file: PathBuf,
    /// Whose code fills the starter cells
    #[arg(long = "use", value_enum, default_value_t, conflicts_with = "run_all")]
    using: lesson::UseArg,
    /// One JSON object per exercise: exercise, passed, tests, failures, failure
    #[arg(long, conflicts_with = "run_all")]
    json: bool,
    /// Run every code cell in order and print what each printed and returned
    #[arg(long)]
    run_all: bool,
}

/// The input file, common to every subcommand.
#[derive(Args, Debug)]
struct FileArgs {
    /// The Elixir script (`.exs`) to evaluate
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

#[derive(Args, Debug)]
struct RepoArgs {
    #[command(flatten)]
    input: FileArgs,
    /// The database the Repo runs on: an in-memory SQLite database, or a PostgreSQL server
    #[arg(long, value_enum, default_value_t, requires_if("postgres", "database_url"))]
    adapter: repo::AdapterArg,
    /// With `--adapter postgres`: the database to run on, postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE
    /// (a directory as HOST, or `?host=DIR`, is a Unix socket's; PASSWORD is percent-decoded and
    /// answers trust, password, md5 or scram-sha-256 authentication)
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    input: FileArgs,
    /// The SQLite database file to run against (default: in memory)
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    #[command(flatten)]
    input: FileArgs,
    /// Also print the plan in words, each suggestion's reason and DDL, and the notes
    #[arg(long)]
    details: bool,
}

#[derive(Args, Debug)]
struct ErdArgs {
    #[command(flatten)]
    input: FileArgs,
    /// The output format
    #[arg(long, value_enum, default_value_t)]
    format: erd::ErdFormat,
}

#[derive(Args, Debug)]
struct ImportSqlArgs {
    /// The SQL file (`CREATE TABLE`, `CREATE INDEX`, `ALTER TABLE ... ADD`)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The first part of the schema modules' names
    #[arg(long, value_name = "MODULE", default_value = "MyApp")]
    namespace: String,
}

#[derive(Args, Debug)]
struct FromSqlArgs {
    /// The SQL file (PostgreSQL or SQLite), one or more statements
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// An Elixir file defining the schemas the tables map to
    #[arg(long, value_name = "FILE.exs")]
    schemas: Option<PathBuf>,
    /// Write the pipe form (`Post |> where([p], ...)`) instead of keyword syntax
    #[arg(long)]
    pipe: bool,
    /// Pin the SQL's literal values as parameters (`^10`)
    #[arg(long)]
    pin_literals: bool,
    /// The SQL's dialect
    #[arg(long, value_enum, default_value_t)]
    dialect: from_sql::DialectArg,
    /// Evaluate each proposal and print its SQLite and PostgreSQL SQL on stderr
    #[arg(long)]
    check: bool,
    /// A SQLite database to run the input and the proposal on, comparing their rows (on stderr)
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Sql(_) => "sql",
            Command::Changeset(_) => "changeset",
            Command::Ddl(_) => "ddl",
            Command::Repo(_) => "repo",
            Command::Explain(_) => "explain",
            Command::Run(_) => "run",
            Command::Erd(_) => "erd",
            Command::ImportSql(_) => "import-sql",
            Command::FromSql(_) => "from-sql",
            Command::Lesson(_) => "lesson",
        }
    }

    fn file(&self) -> &std::path::Path {
        match self {
            Command::Sql(f) | Command::Changeset(f) | Command::Ddl(f) => &f.file,
            Command::Repo(r) => &r.input.file,
            Command::Explain(e) => &e.input.file,
            Command::Run(r) => &r.input.file,
            Command::Erd(e) => &e.input.file,
            Command::ImportSql(i) => &i.file,
            Command::FromSql(f) => &f.file,
            Command::Lesson(l) => &l.file,
        }
    }

    /// Reads the file and runs the subcommand on it.
    fn run(&self) -> Result<(), Failure> {
        let input = Input::read(&self.file().to_string_lossy(), self.name())?;
        match self {
            Command::Sql(_) => sql::run(&input),
            Command::Changeset(_) => changeset::run(&input),
            Command::Ddl(_) => ddl::run(&input),
            Command::Repo(r) => match (r.adapter, r.database_url.as_deref()) {
                (repo::AdapterArg::Postgres, Some(url)) => repo::run_postgres(&input, url),
                (repo::AdapterArg::Postgres, None) => {
                    Err(Failure("ectoplasm: --adapter postgres needs --database-url postgres://USER@HOST/DATABASE".into()))
                }
                (repo::AdapterArg::Sqlite, _) => repo::run(&input),
            },
            Command::Explain(e) => explain::run(&input, e.details),
            Command::Run(r) => repo::run_script(&input, r.db.as_deref().map(|p| p.to_string_lossy()).as_deref()),
            Command::Erd(e) => erd::run(&input, e.format),
            Command::ImportSql(i) => erd::import_sql(&input, &i.namespace),
            Command::Lesson(l) if l.run_all => lesson::run_all(&input),
            Command::Lesson(l) => lesson::check(&input, l.using, l.json),
            Command::FromSql(f) => {
                let schemas = f.schemas.as_ref().map(|p| p.to_string_lossy().into_owned());
                let db = f.db.as_ref().map(|p| p.to_string_lossy().into_owned());
                let options = engine::from_sql::Options { pipe: f.pipe, pin_literals: f.pin_literals, dialect: f.dialect.into() };
                from_sql::run(&input, &from_sql::FromSqlRun { schemas: schemas.as_deref(), db: db.as_deref(), check: f.check, options })
            }
        }
    }
}

fn main() -> ExitCode {
    // Exits with 2 (and the usage) on arguments it does not understand; 0 for --help and --version.
    let cli = Cli::parse();
    // User code may recurse deeply; the evaluator's depth limit assumes a large stack.
    std::thread::Builder::new()
        .stack_size(common::STACK_SIZE)
        .spawn(move || match cli.command.run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(Failure(message)) => {
                if !message.is_empty() {
                    eprintln!("{message}");
                }
                ExitCode::FAILURE
            }
        })
        .map(|h| h.join().unwrap_or(ExitCode::FAILURE))
        .unwrap_or(ExitCode::FAILURE)
}
