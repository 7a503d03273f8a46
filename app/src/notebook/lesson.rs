//! Lesson mode (a notebook whose Livebook file carries the lesson markup
//! of `docs/lessons.md`): each exercise's starter cell gets a bar with
//! Check (the engine runs the lesson's ExUnit tests against the learner's
//! code in a scratch workspace, `Request::CheckExercise`), the result with
//! ExUnit's report, hints revealed one at a time, the solution (hidden until
//! asked; with `"solutions":"locked"` not offered, and never rendered,
//! unless the page's address carries `solutions=1`) and "Reset this
//! exercise". Which exercises pass is kept in localStorage per lesson
//! (`ectoplasm-lesson-progress:` + title + origin) and shown as a progress
//! bar. Nothing is sent anywhere.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{CellModel, Nb};
use crate::backend::ExerciseOutcome;
use crate::persist::{LessonMeta, Solutions};

/// The localStorage key prefix of a lesson's progress.
pub const PROGRESS_PREFIX: &str = "ectoplasm-lesson-progress:";

/// Where one exercise stands on this page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExerciseState {
    pub checking: bool,
    /// The last check's outcome (or why it could not run).
    pub outcome: Option<Result<ExerciseOutcome, String>>,
    /// Hints shown so far.
    pub hints: usize,
    pub solution: bool,
    /// Checks finished (tests wait on it).
    pub checks: u32,
}

/// The lesson's signals (part of [`Nb`]).
#[derive(Clone, Copy)]
pub struct LessonState {
    /// Lesson mode and its options; None: a plain notebook.
    pub meta: RwSignal<Option<LessonMeta>>,
    /// `solutions=1` in the page's address (a teacher's link).
    pub unlocked: RwSignal<bool>,
    pub exercises: RwSignal<BTreeMap<String, ExerciseState>>,
    /// The exercises that passed (kept in localStorage).
    pub passed: RwSignal<BTreeSet<String>>,
}

impl LessonState {
    pub fn new() -> LessonState {
        let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        LessonState {
            meta: RwSignal::new(None),
            unlocked: RwSignal::new(crate::embed::flag(&query, "solutions")),
            exercises: RwSignal::new(BTreeMap::new()),
            passed: RwSignal::new(BTreeSet::new()),
        }
    }

    /// Whether the solutions of this lesson may be shown at all.
    pub fn solutions_allowed(&self) -> bool {
        self.unlocked.get() || self.meta.with(|m| m.as_ref().is_some_and(|m| m.solutions == Solutions::Hidden))
    }
}

impl Default for LessonState {
    fn default() -> LessonState {
        LessonState::new()
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

impl Nb {
    fn role_of(cell: &CellModel) -> Option<(String, String)> {
        cell.role.with_value(|r| r.as_ref().and_then(|r| Some((r.exercise.clone()?, r.role.clone()?))))
    }

    /// The exercises, in the order of their starters.
    pub fn exercise_ids(&self) -> Vec<String> {
        self.cells.with(|cs| cs.iter().filter_map(Nb::role_of).filter(|(_, role)| role == "starter").map(|(ex, _)| ex).collect())
    }

    /// The hint cells of `exercise`, in order.
    fn hint_cells(&self, exercise: &str) -> Vec<u32> {
        self.cells.with(|cs| {
            cs.iter().filter(|c| Nb::role_of(c).is_some_and(|(ex, role)| ex == exercise && role == "hint")).map(|c| c.id).collect()
        })
    }

    /// Whether a cell is shown: in lesson mode a hint only once revealed,
    /// a solution only once revealed and allowed (a locked lesson's
    /// solutions never reach the page's DOM).
    pub fn cell_visible(&self, cell: &CellModel) -> bool {
        if self.lesson.meta.with(Option::is_none) {
            return true;
        }
        let Some((exercise, role)) = Nb::role_of(cell) else { return true };
        match role.as_str() {
            "hint" => {
                let shown = self.lesson.exercises.with(|e| e.get(&exercise).map_or(0, |s| s.hints));
                self.hint_cells(&exercise).iter().position(|id| *id == cell.id).is_some_and(|i| i < shown)
            }
            "solution" => self.lesson.solutions_allowed() && self.lesson.exercises.with(|e| e.get(&exercise).is_some_and(|s| s.solution)),
            _ => true,
        }
    }

    fn update_exercise(&self, exercise: &str, f: impl FnOnce(&mut ExerciseState)) {
        self.lesson.exercises.update(|e| f(e.entry(exercise.to_string()).or_default()));
    }

    /// The key this lesson's progress is kept under.
    fn progress_key(&self) -> Option<String> {
        let origin = self.lesson.meta.with_untracked(|m| m.as_ref().map(|m| m.origin.clone()))?;
        Some(format!("{PROGRESS_PREFIX}{}|{origin}", self.title.get_untracked()))
    }

    /// Reads the lesson's progress (after a lesson opened).
    pub fn load_progress(&self) {
        self.lesson.exercises.set(BTreeMap::new());
        let passed = self
            .progress_key()
            .and_then(|key| storage()?.get_item(&key).ok().flatten())
            .and_then(|text| serde_json::from_str::<BTreeSet<String>>(&text).ok())
            .unwrap_or_default();
        self.lesson.passed.set(passed);
    }

    fn save_progress(&self) {
        let Some(key) = self.progress_key() else { return };
        let Some(storage) = storage() else { return };
        let passed = self.lesson.passed.get_untracked();
        let _ = storage.set_item(&key, &serde_json::to_string(&passed).unwrap_or_default());
    }

    /// Runs exercise `exercise`'s tests against the learner's code.
    pub fn check_exercise(&self, exercise: String) {
        let Some(backend) = self.backend_handle() else { return };
        if !self.status.get_untracked().is_ready() {
            return;
        }
        let notebook = self.snapshot();
        let nb = *self;
        nb.update_exercise(&exercise, |s| s.checking = true);
        nb.status.set(super::state::Status::Running);
        spawn_local(async move {
            let outcome = backend.check_exercise(notebook, exercise.clone()).await;
            let passed = matches!(&outcome, Ok(o) if o.passed);
            nb.update_exercise(&exercise, |s| {
                s.checking = false;
                s.outcome = Some(outcome);
                s.checks += 1;
            });
            nb.lesson.passed.update(|p| {
                if passed {
                    p.insert(exercise.clone());
                } else {
                    p.remove(&exercise);
                }
            });
            nb.save_progress();
            nb.status.set(super::state::Status::Ready);
        });
    }

    pub fn reveal_hint(&self, exercise: &str) {
        let total = self.hint_cells(exercise).len();
        self.update_exercise(exercise, |s| s.hints = (s.hints + 1).min(total));
    }

    pub fn reveal_solution(&self, exercise: &str) {
        if self.lesson.solutions_allowed() {
            self.update_exercise(exercise, |s| s.solution = true);
        }
    }

    /// Puts the lesson's starter code back in exercise `exercise`'s cell.
    pub fn reset_exercise(&self, exercise: &str) {
        let starter = self
            .cells
            .with_untracked(|cs| cs.iter().find(|c| Nb::role_of(c).is_some_and(|(ex, role)| ex == exercise && role == "starter")).copied());
        let Some(cell) = starter else { return };
        let Some(original) = cell.role.with_value(|r| r.as_ref().and_then(|r| r.original.clone())) else { return };
        match self.editor(cell.id) {
            Some(editor) => editor.set_doc(&original),
            None => cell.source.set(original.clone()),
        }
        self.changed(cell.id, original);
        self.update_exercise(exercise, |s| s.outcome = None);
    }
}

/// The lesson's progress bar, above the cells.
#[component]
pub fn LessonProgress() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let total = move || nb.exercise_ids().len();
    let passed = move || {
        let ids = nb.exercise_ids();
        nb.lesson.passed.with(|p| ids.iter().filter(|id| p.contains(*id)).count())
    };
    view! {
        {move || nb.lesson.meta.with(Option::is_some).then(|| view! {
            <div class="lesson-progress" data-testid="lesson-progress" data-passed=move || passed().to_string()
                data-total=move || total().to_string()>
                <progress max=move || total().max(1).to_string() value=move || passed().to_string()
                    aria-label="Exercises passed"></progress>
                <span>{move || format!("{} of {} exercises pass", passed(), total())}</span>
            </div>
        })}
    }
}

/// Check, result, hints, solution and reset for the exercise whose starter
/// is the cell above.
#[component]
pub fn ExerciseBar(exercise: String) -> impl IntoView {
    let nb = expect_context::<Nb>();
    let ex = StoredValue::new(exercise);
    let state = move || nb.lesson.exercises.with(|e| e.get(&ex.get_value()).cloned().unwrap_or_default());
    let hints_total = move || nb.hint_cells(&ex.get_value()).len();
    let has_solution =
        move || nb.cells.with(|cs| cs.iter().any(|c| Nb::role_of(c).is_some_and(|(e, role)| e == ex.get_value() && role == "solution")));
    view! {
        <div class="exercise-bar" data-testid="exercise" data-exercise=ex.get_value() data-checks=move || state().checks.to_string()>
            <div class="exercise-actions">
                <button type="button" class="btn primary small" data-testid="check-exercise"
                    title="Run this exercise's tests against your code"
                    disabled=move || state().checking || !nb.status.get().is_ready()
                    on:click=move |_| nb.check_exercise(ex.get_value())>
                    {move || if state().checking { "Checking…" } else { "✓ Check" }}
                </button>
                {move || (state().hints < hints_total()).then(|| view! {
                    <button type="button" class="btn small" data-testid="show-hint"
                        on:click=move |_| nb.reveal_hint(&ex.get_value())>
                        {move || format!("Hint ({} of {})", state().hints + 1, hints_total())}
                    </button>
                })}
                {move || (has_solution() && nb.lesson.solutions_allowed() && !state().solution).then(|| view! {
                    <button type="button" class="btn small" data-testid="show-solution"
                        on:click=move |_| nb.reveal_solution(&ex.get_value())>"Show solution"</button>
                })}
                <button type="button" class="btn small" data-testid="reset-exercise"
                    title="Put the lesson's starting code back"
                    on:click=move |_| nb.reset_exercise(&ex.get_value())>"Reset this exercise"</button>
                {move || nb.lesson.passed.with(|p| p.contains(&ex.get_value())).then(|| view! {
                    <span class="badge pass" data-testid="exercise-passed">"passed"</span>
                })}
            </div>
            {move || state().outcome.map(|outcome| match outcome {
                Ok(o) => {
                    let status = if o.passed { "pass" } else { "fail" };
                    let summary = if o.passed {
                        format!("All {} tests pass.", o.tests)
                    } else if o.tests > 0 {
                        format!("{} of {} tests failed.", o.failures, o.tests)
                    } else {
                        "The check did not pass.".to_string()
                    };
                    view! {
                        <div class="exercise-result" data-testid="exercise-result" data-status=status role="status">
                            <p class="exercise-summary">{summary}</p>
                            {(!o.report.trim().is_empty()).then(|| view! { <pre>{o.report}</pre> })}
                        </div>
                    }.into_any()
                }
                Err(e) => view! {
                    <div class="exercise-result" data-testid="exercise-result" data-status="fail" role="status">
                        <p class="error">{format!("The check could not run: {e}")}</p>
                    </div>
                }.into_any(),
            })}
        </div>
    }
}
