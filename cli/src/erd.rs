//! `ectoplasm erd FILE [--format mermaid|dbml|dot|svg]`: evaluates the file
//! as the playground evaluates a cell (Repo and `Ecto.Migrator` on an
//! in-memory SQLite database, `Ecto.Query` and `Ecto.Changeset` imported),
//! then prints the entity-relationship model of its schemas and tables.
//! `ectoplasm import-sql FILE` prints the Ecto schemas and the migration
//! for SQL DDL; what it could not import goes to stderr, by line.

use engine::erd::render::{self, Format};
use engine::executor::native::SqliteExecutor;
use engine::playground::Workspace;

use crate::common;
use crate::input::{Failure, Input};

/// The diagram's formats on the command line.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default)]
pub enum ErdFormat {
    #[default]
    Mermaid,
    Dbml,
    Dot,
    Svg,
}

impl From<ErdFormat> for Format {
    fn from(f: ErdFormat) -> Format {
        match f {
            ErdFormat::Mermaid => Format::Mermaid,
            ErdFormat::Dbml => Format::Dbml,
            ErdFormat::Dot => Format::Dot,
            ErdFormat::Svg => Format::Svg,
        }
    }
}

pub fn run(input: &Input, format: ErdFormat) -> Result<(), Failure> {
    let items = Input::items(input.parse()?);
    common::compile_check(input, &items)?;
    let mut exec = SqliteExecutor::in_memory().map_err(|e| Failure(format!("ectoplasm erd: cannot open the database: {e}")))?;
    exec.set_time_limit(Some(std::time::Duration::from_millis(15_000)));
    let mut ws = Workspace::with_executor(Box::new(exec));
    common::set_limits(&mut ws.interp);
    for item in &items {
        ws.interp.steps = 0;
        ws.interp.depth = 0;
        ws.interp.native_depth = 0;
        let result = ws.interp.eval(item, &mut ws.env);
        // What the file prints is not part of the diagram.
        ws.interp.output.clear();
        if let Err(e) = result {
            return Err(Failure(input.runtime_error(&e)));
        }
    }
    let model = ws.er_model(&[input.text.as_str()]);
    print!("{}", render::render(&model, format.into()));
    Ok(())
}

pub fn import_sql(input: &Input, namespace: &str) -> Result<(), Failure> {
    let imported = engine::erd::import::import_sql(&input.text, namespace);
    for w in &imported.warnings {
        if w.line > 0 {
            eprintln!("{}:{}: warning: {}", input.path, w.line, w.message);
        } else {
            eprintln!("{}: warning: {}", input.path, w.message);
        }
    }
    if imported.design.tables.is_empty() {
        return Err(Failure(format!("ectoplasm import-sql: {}: no CREATE TABLE to import", input.path)));
    }
    print!("{}", imported.code);
    Ok(())
}
