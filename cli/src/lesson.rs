//! `ectoplasm lesson`: checks a Livebook lesson's exercises (each in a fresh
//! workspace on an in-memory SQLite database), or runs all its cells.

use engine::lesson::{self, livemd, Learner};
use engine::playground::Workspace;
use serde_json::json;

use crate::input::{Failure, Input};
use crate::repo;

/// Whose code fills the starter cells.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UseArg {
    /// The starter cells as written in the file
    #[default]
    Starter,
    /// Each exercise's reference solution
    Solution,
}

fn workspace() -> Result<Workspace, Failure> {
    let mut ws = Workspace::with_executor(Box::new(repo::open(None)?));
    let start = std::time::Instant::now();
    ws.set_clock(Box::new(move || start.elapsed().as_micros() as u64));
    Ok(ws)
}

/// One line per exercise; exit status 0 when every exercise passes.
pub fn check(input: &Input, using: UseArg, as_json: bool) -> Result<(), Failure> {
    let nb = livemd::parse(&input.text);
    let l = lesson::lesson(&nb);
    for p in &l.problems {
        eprintln!("{}: {p}", input.path);
    }
    if l.exercises.is_empty() {
        return Err(Failure(format!(
            "{}: no exercises (mark cells with <!-- ectoplasm:{{\"exercise\":\"id\",\"role\":\"starter\"}} -->)",
            input.path
        )));
    }
    let learner = match using {
        UseArg::Starter => Learner::AsWritten,
        UseArg::Solution => Learner::Solutions,
    };
    let mut all_pass = true;
    for e in &l.exercises {
        let Some(steps) = lesson::plan(&nb, &l, &e.id, learner) else {
            all_pass = false;
            println!(
                "{}",
                if as_json {
                    json!({"exercise": e.id, "passed": false, "tests": 0, "failures": 0, "failure": "no starter cell"}).to_string()
                } else {
                    format!("{}  fail  no starter cell", e.id)
                }
            );
            continue;
        };
        let mut ws = workspace()?;
        let r = lesson::check_in(&mut ws, &e.id, &steps);
        all_pass &= r.passed;
        if as_json {
            println!("{}", json!({"exercise": r.id, "passed": r.passed, "tests": r.tests, "failures": r.failures, "failure": r.failure}));
        } else {
            let verdict = if r.passed { "pass" } else { "fail" };
            let tests = if r.tests == 1 { "test" } else { "tests" };
            let failures = if r.failures == 1 { "failure" } else { "failures" };
            println!("{}  {verdict}  {} {tests}, {} {failures}", r.id, r.tests, r.failures);
            if !r.passed {
                eprintln!("--- {} ---\n{}", r.id, r.failure.trim_end());
            }
        }
    }
    if all_pass {
        Ok(())
    } else {
        Err(Failure::reported())
    }
}

/// Every code cell in order, with what it printed and its value (or error).
pub fn run_all(input: &Input) -> Result<(), Failure> {
    let nb = livemd::parse(&input.text);
    let mut ws = workspace()?;
    let mut failed = false;
    for (k, cell) in nb.cells.iter().enumerate() {
        match cell.kind {
            livemd::CellKind::Markdown => continue,
            livemd::CellKind::ReadOnly => {
                println!("==> cell {} (not run)", k + 1);
                if let Some(note) = &cell.note {
                    println!("note: {note}");
                }
                continue;
            }
            livemd::CellKind::Code => {}
        }
        engine::eval::stdlib::exunit_case::set_file(&mut ws.interp, &lesson::cell_file(k));
        let r = ws.run_cell(&cell.source);
        println!("==> cell {}", k + 1);
        print!("{}", r.output);
        for d in &r.diagnostics {
            match d.diagnostic.severity {
                engine::diag::Severity::Error => {
                    failed = true;
                    println!("** ({}) {}", d.diagnostic.kind, d.diagnostic.message);
                }
                _ => println!("note: {}", d.diagnostic.message),
            }
        }
        if let Some(v) = &r.inspect {
            println!("{v}");
        }
    }
    if failed {
        Err(Failure::reported())
    } else {
        Ok(())
    }
}
