//! `ectoplasm lesson`: the example lesson passes with its solutions and
//! fails with its starters, `--run-all` prints ExUnit's reports, and broken
//! lessons end quickly without a panic.

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ectoplasm"))
}

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn solutions_pass_and_starters_fail() {
    let file = repo_file("cli/tests/data/first-lesson.livemd");
    let out = bin().args(["lesson", "--use", "solution"]).arg(&file).output().expect("run");
    assert_eq!(text(&out), "signup  pass  3 tests, 0 failures\nadults  pass  2 tests, 0 failures\n");
    assert_eq!(out.status.code(), Some(0));
    let out = bin().args(["lesson", "--json"]).arg(&file).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let rows: Vec<serde_json::Value> = text(&out).lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0]["passed"].as_bool(), rows[0]["tests"].as_u64(), rows[0]["failures"].as_u64()), (Some(false), Some(3), Some(3)));
    let failure = rows[1]["failure"].as_str().unwrap_or_default();
    assert!(failure.starts_with("Running ExUnit with seed: 0, max_cases: 2\n"), "{failure}");
    assert!(
        failure.contains("  1) test names of adults, sorted (AdultsTest)\n     #cell:17:14\n     Assertion with == failed\n"),
        "{failure}"
    );
    assert!(failure.contains("     left:  [\"Zoe\", \"Ben\", \"Ada\"]\n     right: [\"Ada\", \"Zoe\"]\n"), "{failure}");
    assert!(failure.ends_with("2 tests, 2 failures\n"), "{failure}");
}

#[test]
fn run_all_prints_every_cell_and_the_reports() {
    let dir = std::env::temp_dir().join(format!("ectoplasm-lesson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("plain.livemd");
    std::fs::write(
        &file,
        "# Plain Livebook\n\n```elixir\nMix.install([:kino])\n```\n\n## Tests\n\n```elixir\nExUnit.start(autorun: false)\n\ndefmodule T do\n  use ExUnit.Case, async: true\n\n  test \"ok\" do\n    assert 1 + 1 == 2\n  end\n\n  test \"bad\" do\n    assert [1, 2] == [1, 3]\n  end\nend\n\nExUnit.run()\n```\n\n```python\nprint(1)\n```\n",
    )
    .expect("write");
    let out = bin().args(["lesson", "--run-all"]).arg(&file).output().expect("run");
    let got = text(&out);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(0), "{got}");
    assert!(got.starts_with("==> cell 2\nnote: Mix.install/2 installs nothing here"), "{got}");
    assert!(got.contains("Not available: the dependency :kino is not part of this playground"), "{got}");
    assert!(got.contains("==> cell 4\nRunning ExUnit with seed: 0, max_cases: 2\n\n.\n\n  1) test bad (T)\n     #cell:4:10\n     Assertion with == failed\n     code:  assert [1, 2] == [1, 3]\n     left:  [1, 2]\n     right: [1, 3]\n     stacktrace:\n       #cell:4:11: (test)\n"), "{got}");
    assert!(got.contains("2 tests, 1 failure\n%{excluded: 0, failures: 1, skipped: 0, total: 2}\n"), "{got}");
    assert!(got.ends_with("==> cell 5 (not run)\nnote: python cell: kept as written; only Elixir cells run here.\n"), "{got}");
}

#[test]
fn broken_lessons_end_without_a_panic() {
    let dir = std::env::temp_dir().join(format!("ectoplasm-lesson-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let cases: &[(&str, &str)] = &[
        ("empty", ""),
        ("no exercises", "# T\n\n```elixir\n1\n```\n"),
        ("bad json", "<!-- ectoplasm:{\"exercise\": -->\n```elixir\n1\n```\n"),
        ("bad id", "<!-- ectoplasm:{\"exercise\":\"A B\",\"role\":\"starter\"} -->\n```elixir\n1\n```\n"),
        ("no tests", "<!-- ectoplasm:{\"exercise\":\"a\",\"role\":\"starter\"} -->\n```elixir\n1\n```\n"),
        ("test raises", "<!-- ectoplasm:{\"exercise\":\"a\",\"role\":\"starter\"} -->\n```elixir\n1\n```\n<!-- ectoplasm:{\"exercise\":\"a\",\"role\":\"test\"} -->\n```elixir\nraise \"no\"\n```\n"),
        ("endless loop", "<!-- ectoplasm:{\"exercise\":\"a\",\"role\":\"starter\"} -->\n```elixir\ndefmodule L do\n  def f(x), do: f(x + 1)\nend\n```\n<!-- ectoplasm:{\"exercise\":\"a\",\"role\":\"test\"} -->\n```elixir\ndefmodule LT do\n  use ExUnit.Case\n  test \"t\", do: L.f(0)\nend\nExUnit.run()\n```\n"),
        ("syntax error", "<!-- ectoplasm:{\"exercise\":\"a\",\"role\":\"starter\"} -->\n```elixir\ndef (\n```\n<!-- ectoplasm:{\"exercise\":\"a\",\"role\":\"test\"} -->\n```elixir\nExUnit.run()\n```\n"),
        ("unclosed fence", "<!-- ectoplasm:{\"exercise\":\"a\",\"role\":\"starter\"} -->\n```elixir\n1\n"),
        ("describe in describe", "<!-- ectoplasm:{\"exercise\":\"a\",\"role\":\"starter\"} -->\n```elixir\n1\n```\n<!-- ectoplasm:{\"exercise\":\"a\",\"role\":\"test\"} -->\n```elixir\ndefmodule D do\n  use ExUnit.Case\n  describe \"a\" do\n    describe \"b\" do\n    end\n  end\nend\n```\n"),
    ];
    let mut failures = vec![];
    for (what, body) in cases {
        let file = dir.join("case.livemd");
        std::fs::write(&file, body).expect("write");
        for args in [&["lesson"][..], &["lesson", "--use", "solution", "--json"], &["lesson", "--run-all"]] {
            let start = std::time::Instant::now();
            let out = bin().args(args).arg(&file).output().expect("run");
            let stderr = String::from_utf8_lossy(&out.stderr);
            if stderr.contains("panicked") || out.status.code().is_none() || start.elapsed().as_secs() > 30 {
                failures.push(format!("{what} {args:?}: {stderr}"));
            }
            // None of these lessons has an exercise that passes.
            if args == ["lesson"] && out.status.code() == Some(0) {
                failures.push(format!("{what} {args:?}: passed"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
