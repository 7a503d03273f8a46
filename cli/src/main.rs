//! `ectoplasm`: Ecto code in, SQL, changesets, DDL and Repo results out.
//!
//! Each subcommand evaluates an `.exs` file in the conventions of the
//! conformance corpus and prints one JSON line per entry.

mod changeset;
#[allow(dead_code)] // the corpus driver, for the subcommands still to come
mod common;
mod ddl;
mod repo;
mod sql;

use std::process::ExitCode;

const HELP: &str = "ectoplasm — Ecto without a BEAM

USAGE:
    ectoplasm <COMMAND> FILE.exs

COMMANDS:
    sql FILE        print the SQL and params Ecto would send for each entry of `queries = [...]`
    changeset FILE  print each changeset (or value) of `changesets = [...]`
    ddl FILE        print the DDL of each migration in `migrations = [...]`
    repo FILE       run `setup_migrations` and each `runs = [name: fn repo -> ... end]` on an in-memory SQLite database
    run FILE [--db PATH]  run a script against a SQLite file and print each top-level result as IEx would

OPTIONS:
    -h, --help      print this help
    -V, --version   print the version
";

fn main() -> ExitCode {
    // User code may recurse deeply; the evaluator's depth limit assumes a large stack.
    std::thread::Builder::new()
        .stack_size(common::STACK_SIZE)
        .spawn(real_main)
        .map(|h| h.join().unwrap_or(ExitCode::FAILURE))
        .unwrap_or(ExitCode::FAILURE)
}

fn real_main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        eprint!("{HELP}");
        return ExitCode::from(2);
    };
    match cmd.as_str() {
        "-h" | "--help" | "help" => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        "-V" | "--version" => {
            println!("ectoplasm {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        "sql" | "changeset" | "ddl" | "repo" | "run" => {
            let Some(path) = args.get(1) else {
                eprintln!("usage: ectoplasm {cmd} FILE.exs");
                return ExitCode::from(2);
            };
            let source = match std::fs::read_to_string(path) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("ectoplasm: cannot read {path}: {e}");
                    return ExitCode::from(2);
                }
            };
            let rest = &args[2..];
            let result = match cmd.as_str() {
                "sql" => sql::run(&source),
                "changeset" => changeset::run(&source),
                "ddl" => ddl::run(&source),
                "repo" => repo::run(&source),
                _ => repo::run_script(&source, rest),
            };
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(msg) => {
                    eprintln!("{msg}");
                    ExitCode::FAILURE
                }
            }
        }
        other => {
            eprintln!("ectoplasm: unknown command `{other}`\n\n{HELP}");
            ExitCode::from(2)
        }
    }
}
