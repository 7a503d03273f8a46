//! `ectoplasm from-sql FILE.sql [--schemas FILE.exs] [--pipe] [--db PATH]`:
//! proposes Ecto for each SQL statement. Stdout holds only the Elixir, one
//! block per statement, separated by a blank line, so a script can
//! evaluate it where the schemas are defined and `Ecto.Query` is imported.
//! Notes, errors and (with `--check` or `--db`) the proof go to stderr.

use engine::executor::native::SqliteExecutor;
use engine::from_sql::{self, proof, Options, SqlDialect};
use engine::playground::Workspace;

use crate::common;
use crate::input::{Failure, Input};

/// The input's dialect on the command line.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default)]
pub enum DialectArg {
    #[default]
    Auto,
    Sqlite,
    Postgres,
}

pub struct FromSqlRun<'a> {
    pub schemas: Option<&'a str>,
    pub db: Option<&'a str>,
    pub check: bool,
    pub options: Options,
}

impl From<DialectArg> for SqlDialect {
    fn from(d: DialectArg) -> SqlDialect {
        match d {
            DialectArg::Auto => SqlDialect::Auto,
            DialectArg::Sqlite => SqlDialect::Sqlite,
            DialectArg::Postgres => SqlDialect::Postgres,
        }
    }
}

/// The workspace the schemas are defined in (on `db`, or in memory).
fn workspace(schemas: Option<&str>, db: Option<&str>) -> Result<Workspace, Failure> {
    let exec = match db {
        Some(path) => SqliteExecutor::open(path).map_err(|e| Failure(format!("ectoplasm from-sql: cannot open {path}: {e}")))?,
        None => SqliteExecutor::in_memory().map_err(|e| Failure(format!("ectoplasm from-sql: cannot open the database: {e}")))?,
    };
    let mut ws = Workspace::with_executor(Box::new(exec));
    common::set_limits(&mut ws.interp);
    let Some(path) = schemas else { return Ok(ws) };
    let input = Input::read(path, "from-sql")?;
    let items = Input::items(input.parse()?);
    common::compile_check(&input, &items)?;
    for item in &items {
        ws.interp.steps = 0;
        ws.interp.depth = 0;
        ws.interp.native_depth = 0;
        let result = ws.interp.eval(item, &mut ws.env);
        ws.interp.output.clear();
        if let Err(e) = result {
            return Err(Failure(input.runtime_error(&e)));
        }
    }
    Ok(ws)
}

pub fn run(input: &Input, args: &FromSqlRun) -> Result<(), Failure> {
    let mut ws = workspace(args.schemas, args.db)?;
    let registry = std::mem::take(ws.interp.ext::<engine::schema::SchemaRegistry>());
    let proposals = from_sql::propose(&input.text, &registry, &args.options);
    *ws.interp.ext::<engine::schema::SchemaRegistry>() = registry;
    if proposals.is_empty() {
        return Err(Failure(format!("ectoplasm from-sql: {}: no SQL statement", input.path)));
    }
    let mut blocks = vec![];
    let mut failed = false;
    for p in &proposals {
        let at = format!("{}:{}", input.path, p.line);
        for n in &p.notes {
            eprintln!("{at}: note: {n}");
        }
        if !p.params.is_empty() {
            eprintln!("{at}: note: bind {} before evaluating the query", p.params.join(", "));
        }
        match (&p.code, &p.error) {
            (Some(code), _) => {
                blocks.push(code.clone());
                if args.check || args.db.is_some() {
                    let pr = proof::prove(&mut ws, p);
                    if let Some(e) = &pr.eval_error {
                        eprintln!("{at}: error: the proposal does not evaluate: {e}");
                        failed = true;
                    }
                    for (name, a) in [("SQLite", &pr.sqlite), ("PostgreSQL", &pr.postgres)] {
                        match (&a.sql, &a.error) {
                            (Some(sql), _) => eprintln!("{at}: {name}: {sql} {}", a.params.as_deref().unwrap_or("[]")),
                            (None, Some(e)) => eprintln!("{at}: {name}: error: {e}"),
                            _ => {}
                        }
                    }
                    if args.db.is_some() {
                        eprintln!("{at}: {}", pr.comparison.summary());
                    }
                }
            }
            (None, Some(e)) => {
                failed = true;
                let line = e.line.unwrap_or(p.line);
                let col = e.column.map(|c| format!(":{c}")).unwrap_or_default();
                eprintln!("{}:{line}{col}: error: {}", input.path, e.message);
                match &e.nearest {
                    Some(n) => {
                        eprintln!("{at}: the nearest Ecto: {n}");
                        blocks.push(format!("# {}\n# nearest form: {}\nnil", first_line(&e.message), first_line(n)));
                    }
                    None => blocks.push(format!("# {}\nnil", first_line(&e.message))),
                }
            }
            (None, None) => {}
        }
    }
    println!("{}", blocks.join("\n\n"));
    if failed {
        return Err(Failure::reported());
    }
    Ok(())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}
