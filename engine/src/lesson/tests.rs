use super::*;

const LESSON: &str = include_str!("testdata/handwritten.livemd");

#[test]
fn markup_reads_into_exercises() {
    let nb = livemd::parse(LESSON);
    let l = lesson(&nb);
    assert!(l.enabled);
    assert_eq!(l.solutions, Solutions::Locked);
    assert_eq!(l.exercises, vec![Exercise { id: "total".into(), starter: Some(8), solution: Some(10), tests: vec![11], hints: vec![9] }]);
    assert_eq!(l.locked, vec![11]);
    assert!(l.problems.is_empty(), "{:?}", l.problems);
}

#[test]
fn plan_runs_setup_then_learner_code_then_tests() {
    let nb = livemd::parse(LESSON);
    let l = lesson(&nb);
    let steps = plan(&nb, &l, "total", Learner::Solutions).expect("a plan");
    let cells: Vec<(usize, StepKind)> = steps.iter().map(|s| (s.cell, s.kind.clone())).collect();
    // The smart cell (7) and the Erlang cell are read-only: not run.
    assert_eq!(cells, vec![(1, StepKind::Setup), (5, StepKind::Setup), (8, StepKind::Learner), (11, StepKind::Test)]);
    assert!(steps[2].source.contains("Enum.sum(items)"));
    let starter = plan(&nb, &l, "total", Learner::AsWritten).expect("a plan");
    assert!(starter[2].source.contains("do: 0"));
    assert_eq!(plan(&nb, &l, "nope", Learner::AsWritten), None);
}

#[test]
fn check_passes_the_solution_and_fails_the_starter() {
    let nb = livemd::parse(LESSON);
    let l = lesson(&nb);
    let mut ws = Workspace::new();
    let steps = plan(&nb, &l, "total", Learner::Solutions).expect("a plan");
    let r = check_in(&mut ws, "total", &steps);
    assert!(r.passed, "{r:?}");
    assert_eq!((r.tests, r.failures), (1, 0));
    let mut ws = Workspace::new();
    let steps = plan(&nb, &l, "total", Learner::AsWritten).expect("a plan");
    let r = check_in(&mut ws, "total", &steps);
    assert!(!r.passed);
    assert_eq!((r.tests, r.failures), (1, 1));
    assert!(r.failure.contains("  1) test sums (ShopTest)\n     #cell:12:6\n     Assertion with == failed\n     code:  assert Shop.total([1, 2]) == 3\n     left:  0\n     right: 3\n"), "{}", r.failure);
}

#[test]
fn learner_code_that_raises_fails_with_its_message() {
    let mut nb = livemd::parse(LESSON);
    nb.cells[8].source = "raise ArgumentError, \"not yet\"".to_string();
    let l = lesson(&nb);
    let steps = plan(&nb, &l, "total", Learner::AsWritten).expect("a plan");
    let r = check_in(&mut Workspace::new(), "total", &steps);
    assert!(!r.passed);
    assert_eq!(r.failure, "your code raised: (ArgumentError) not yet");
}

#[test]
fn mix_install_is_a_note() {
    let nb = livemd::parse(LESSON);
    let mut ws = Workspace::new();
    let results = run_all(&mut ws, &nb);
    let (cell, setup) = &results[0];
    assert_eq!(*cell, 1);
    assert_eq!(setup.inspect.as_deref(), Some(":ok"));
    let note = &setup.diagnostics[0].diagnostic;
    assert_eq!(note.severity, crate::diag::Severity::Info);
    assert!(note.message.contains("Not available: the dependency :kino is not part of this playground"), "{}", note.message);
    assert!(!note.message.contains(":ecto_sql,"));
}
