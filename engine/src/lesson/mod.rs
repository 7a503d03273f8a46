//! Lessons: Livebook notebooks with exercises checked by ExUnit.
//!
//! `livemd` reads and writes the file; this module reads the lesson markup
//! (`<!-- ectoplasm:{...} -->`, documented in docs/lessons.md) into a
//! [`Lesson`]: its flags and its exercises, each with a starter, a
//! solution, test cells and hints. [`plan`] says which code checking an
//! exercise runs, in which order; [`check`] runs that plan in a fresh
//! `playground::Workspace` on the executor it is given and reads ExUnit's
//! verdict. [`run_all`] runs every code cell in order, as "run all" does.

pub mod livemd;

use serde::Serialize;

use crate::eval::stdlib::exunit_case;
use crate::executor::Executor;
use crate::playground::{CellResult, Workspace};
use livemd::{CellKind, Notebook};

/// Whether a learner may reveal solutions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Solutions {
    /// Hidden until the learner asks (the default).
    #[default]
    Hidden,
    /// Hidden until the teacher's link unlocks them.
    Locked,
}

/// One exercise: indexes of its cells in the notebook.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Exercise {
    pub id: String,
    pub starter: Option<usize>,
    pub solution: Option<usize>,
    pub tests: Vec<usize>,
    /// In order: revealed one at a time.
    pub hints: Vec<usize>,
}

/// The lesson read from a notebook's markup.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Lesson {
    /// `<!-- ectoplasm:{"lesson":true} -->` was found: lesson mode.
    pub enabled: bool,
    pub solutions: Solutions,
    /// In the order of their first cell.
    pub exercises: Vec<Exercise>,
    /// Cells marked `{"locked":true}` (and every test cell): they run but are not edited.
    pub locked: Vec<usize>,
    /// Markup that does not fit (an unknown role, an exercise without a
    /// starter or tests, a bad id), one sentence each.
    pub problems: Vec<String>,
}

impl Lesson {
    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.id == id)
    }

    /// The exercise a cell belongs to, and its role there.
    pub fn role_of(&self, cell: usize) -> Option<(&Exercise, Role)> {
        self.exercises.iter().find_map(|e| {
            if e.starter == Some(cell) {
                Some((e, Role::Starter))
            } else if e.solution == Some(cell) {
                Some((e, Role::Solution))
            } else if e.tests.contains(&cell) {
                Some((e, Role::Test))
            } else if e.hints.contains(&cell) {
                Some((e, Role::Hint))
            } else {
                None
            }
        })
    }
}

/// A cell's part in an exercise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Starter,
    Solution,
    Test,
    Hint,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Reads the lesson markup of a notebook.
pub fn lesson(nb: &Notebook) -> Lesson {
    let mut l = Lesson::default();
    for (k, cell) in nb.cells.iter().enumerate() {
        let Some(m) = &cell.markup else { continue };
        if m.lesson == Some(true) {
            l.enabled = true;
            if m.solutions.as_deref() == Some("locked") {
                l.solutions = Solutions::Locked;
            }
        }
        if m.locked == Some(true) {
            l.locked.push(k);
        }
        let Some(id) = &m.exercise else { continue };
        if !valid_id(id) {
            l.problems.push(format!("cell {}: exercise id {id:?} is not lowercase letters, digits, - and _", k + 1));
            continue;
        }
        let pos = match l.exercises.iter().position(|e| e.id == *id) {
            Some(p) => p,
            None => {
                l.exercises.push(Exercise { id: id.clone(), ..Exercise::default() });
                l.exercises.len() - 1
            }
        };
        let code = cell.kind == CellKind::Code;
        let e = &mut l.exercises[pos];
        match (m.role.as_deref(), code) {
            (Some("starter"), true) if e.starter.is_none() => e.starter = Some(k),
            (Some("starter"), true) => l.problems.push(format!("exercise {id}: a second starter cell (cell {})", k + 1)),
            (Some("solution"), true) if e.solution.is_none() => e.solution = Some(k),
            (Some("solution"), true) => l.problems.push(format!("exercise {id}: a second solution cell (cell {})", k + 1)),
            (Some("test"), true) => {
                e.tests.push(k);
                l.locked.push(k);
            }
            (Some("hint"), false) => e.hints.push(k),
            (role, _) => l.problems.push(format!("cell {}: role {role:?} does not fit this cell for exercise {id}", k + 1)),
        }
    }
    for e in &l.exercises {
        if e.starter.is_none() {
            l.problems.push(format!("exercise {}: no starter cell", e.id));
        }
        if e.tests.is_empty() {
            l.problems.push(format!("exercise {}: no test cell", e.id));
        }
    }
    crate::sort::sort(&mut l.locked);
    l.locked.dedup();
    l
}

/// Whose code stands in the starter cells when checking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Learner {
    /// The cells as they are (the learner's edits, or the starters as written).
    AsWritten,
    /// Each exercise's solution in place of its starter (the reference run).
    Solutions,
}

/// What one step of a check runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A setup cell, or an earlier exercise's learner code.
    Setup,
    /// The learner's code for the exercise checked.
    Learner,
    /// One of its test cells.
    Test,
}

/// One cell of a check plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The notebook cell the code comes from.
    pub cell: usize,
    pub kind: StepKind,
    pub source: String,
}

/// The code to run for checking exercise `id`, in order: every code cell
/// before its starter that belongs to no other exercise's solution or
/// tests (setup cells and earlier exercises' learner code), its learner code,
/// then its test cells. `None`: no such exercise, or it has no starter.
pub fn plan(nb: &Notebook, lesson: &Lesson, id: &str, learner: Learner) -> Option<Vec<Step>> {
    let ex = lesson.exercise(id)?;
    let starter = ex.starter?;
    let code_of = |cell: usize| -> String {
        match (learner, lesson.role_of(cell)) {
            (Learner::Solutions, Some((e, Role::Starter))) => {
                e.solution.map(|s| nb.cells[s].source.clone()).unwrap_or_else(|| nb.cells[cell].source.clone())
            }
            _ => nb.cells[cell].source.clone(),
        }
    };
    let mut steps = vec![];
    for (k, cell) in nb.cells.iter().enumerate().take(starter) {
        if cell.kind != CellKind::Code {
            continue;
        }
        match lesson.role_of(k) {
            Some((_, Role::Solution | Role::Test)) => continue,
            _ => steps.push(Step { cell: k, kind: StepKind::Setup, source: code_of(k) }),
        }
    }
    steps.push(Step { cell: starter, kind: StepKind::Learner, source: code_of(starter) });
    for &t in &ex.tests {
        steps.push(Step { cell: t, kind: StepKind::Test, source: nb.cells[t].source.clone() });
    }
    Some(steps)
}

/// The verdict on one exercise.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub passed: bool,
    /// Tests ExUnit ran in the exercise's test cells, and how many failed.
    pub tests: usize,
    pub failures: usize,
    /// Why it failed: what the test cells printed (ExUnit's report), or the
    /// error of the code that did not run. Empty when it passed.
    pub failure: String,
    /// Everything the check printed, cell after cell.
    pub output: String,
}

/// The name test locations print for a notebook cell.
pub fn cell_file(cell: usize) -> String {
    format!("#cell:{}", cell + 1)
}

/// Runs `steps` in `ws` and reads the verdict of the exercise `id`.
pub fn check_in(ws: &mut Workspace, id: &str, steps: &[Step]) -> CheckResult {
    let mut r = CheckResult { id: id.to_string(), ..CheckResult::default() };
    // What the test cells printed: ExUnit's report.
    let mut report = String::new();
    exunit_case::take_runs(&mut ws.interp);
    for step in steps {
        exunit_case::set_file(&mut ws.interp, &cell_file(step.cell));
        let cell = ws.run_cell(&step.source);
        r.output.push_str(&cell.output);
        if step.kind == StepKind::Test {
            report.push_str(&cell.output);
        }
        if step.kind != StepKind::Test {
            // Runs of earlier cells do not count.
            exunit_case::take_runs(&mut ws.interp);
        }
        if let Some(err) = cell_error(&cell) {
            let who = match step.kind {
                StepKind::Setup => format!("cell {} (run before this exercise)", step.cell + 1),
                StepKind::Learner => "your code".to_string(),
                StepKind::Test => "the test cell".to_string(),
            };
            r.failure = format!("{who} raised: {err}");
            r.output.push_str(&format!("** {err}\n"));
            let runs = exunit_case::take_runs(&mut ws.interp);
            r.tests = runs.iter().map(|s| s.total).sum();
            r.failures = runs.iter().map(|s| s.failures).sum();
            return r;
        }
    }
    // Test modules the test cells defined but did not run.
    if exunit_case::has_pending(&mut ws.interp) {
        let _ = exunit_case::run_pending(&mut ws.interp);
        let printed = std::mem::take(&mut ws.interp.output);
        r.output.push_str(&printed);
        report.push_str(&printed);
    }
    let runs = exunit_case::take_runs(&mut ws.interp);
    r.tests = runs.iter().map(|s| s.total).sum();
    r.failures = runs.iter().map(|s| s.failures).sum();
    r.passed = r.tests > 0 && r.failures == 0;
    if !r.passed {
        r.failure = if r.tests == 0 { "the test cells ran no tests (is `ExUnit.run()` missing?)".to_string() } else { report };
    }
    r
}

/// The error of a cell that did not finish, as `Kind: message`.
pub fn cell_error(cell: &CellResult) -> Option<String> {
    cell.diagnostics
        .iter()
        .find(|d| d.diagnostic.severity == crate::diag::Severity::Error)
        .map(|d| format!("({}) {}", d.diagnostic.kind, d.diagnostic.message))
}

/// Checks exercise `id` in a fresh workspace on `exec`.
pub fn check(nb: &Notebook, lesson: &Lesson, id: &str, learner: Learner, exec: Box<dyn Executor>) -> Option<CheckResult> {
    let steps = plan(nb, lesson, id, learner)?;
    let mut ws = Workspace::with_executor(exec);
    Some(check_in(&mut ws, id, &steps))
}

/// Runs every code cell in order in `ws` (read-only cells are skipped), as
/// "run all" does: the cell index and what it produced.
pub fn run_all(ws: &mut Workspace, nb: &Notebook) -> Vec<(usize, CellResult)> {
    let mut out = vec![];
    for (k, cell) in nb.cells.iter().enumerate() {
        if cell.kind != CellKind::Code {
            continue;
        }
        exunit_case::set_file(&mut ws.interp, &cell_file(k));
        out.push((k, ws.run_cell(&cell.source)));
    }
    out
}

#[cfg(test)]
mod tests;
