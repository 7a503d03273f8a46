//! The query assertions of the adapters' own test suites (ecto_sql's
//! Postgres connection tests, ecto_sqlite3's connection tests), written as
//! `ectoplasm sql` inputs: `tests/adapters/<adapter>_suite.exs` with the
//! expected lines in `<adapter>_suite.jsonl`. Each expected line holds only
//! the adapter its suite covers: the SQL the test asserts (and the dumped
//! params, where the test asserts them), or `null` with
//! the error kind the test expects and, when the test names it, what its
//! message is (`_error_exact`), starts with (`_error_prefix`) or contains
//! (`_error_contains`).

use std::path::Path;
use std::process::Command;

/// Runs one suite; returns the failures (expected vs actual).
fn run_suite(stem: &str, adapter: &str) -> (usize, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adapters");
    let exs = dir.join(format!("{stem}.exs"));
    let expected = std::fs::read_to_string(dir.join(format!("{stem}.jsonl"))).expect("expected jsonl");
    let work = std::env::temp_dir().join(format!("ectoplasm-adapters-{}-{stem}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temp dir");
    let file = work.join(format!("{stem}.exs"));
    std::fs::copy(&exs, &file).expect("copy");
    let out = Command::new(env!("CARGO_BIN_EXE_ectoplasm")).current_dir(&work).arg("sql").arg(&file).output().expect("run");
    let _ = std::fs::remove_dir_all(&work);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let actual: Vec<serde_json::Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let mut failures = Vec::new();
    let mut count = 0;
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        count += 1;
        let want: serde_json::Value = serde_json::from_str(line).expect("json");
        let name = want.get("name").cloned().unwrap_or_default();
        let Some(got) = actual.iter().find(|a| a.get("name") == Some(&name)) else {
            failures.push(format!("{name}: no output"));
            continue;
        };
        if let Some(problem) = difference(adapter, &want, got) {
            failures.push(format!("{name}: {problem}"));
        }
    }
    (count, failures)
}

/// What differs between the expected line and the actual one for `adapter`.
fn difference(adapter: &str, want: &serde_json::Value, got: &serde_json::Value) -> Option<String> {
    if want.get("op") != got.get("op") && got.get("op").is_some() {
        return Some(format!("op {:?} != {:?}", want.get("op"), got.get("op")));
    }
    let key_type = format!("{adapter}_error_type");
    match want.get(&key_type).and_then(|v| v.as_str()) {
        None => {
            let sql = want.get(adapter);
            let params = format!("{adapter}_params");
            if got.get(adapter) == sql {
                match want.get(&params) {
                    Some(p) if got.get(&params) != Some(p) => Some(format!("params {:?} != {p}", got.get(&params))),
                    _ => None,
                }
            } else {
                let err = got.get(&key_type).or_else(|| got.get("error_type"));
                let msg = got.get(format!("{adapter}_error")).or_else(|| got.get("error"));
                Some(format!("\n  want {}\n  got  {} {:?} {:?}", sql.unwrap_or_default(), got.get(adapter).unwrap_or_default(), err, msg))
            }
        }
        Some(kind) => {
            // An error raised before any adapter ran is reported at the top level only.
            let (got_kind, got_msg) = match got.get(&key_type).and_then(|v| v.as_str()) {
                Some(k) => (Some(k), got.get(format!("{adapter}_error")).and_then(|v| v.as_str())),
                None if got.get(adapter).is_none() => {
                    (got.get("error_type").and_then(|v| v.as_str()), got.get("error").and_then(|v| v.as_str()))
                }
                None => (None, None),
            };
            if got_kind != Some(kind) {
                return Some(format!("want {kind}, got {got_kind:?} {:?}", got.get(adapter)));
            }
            let msg = got_msg.unwrap_or_default();
            let check = |suffix: &str| want.get(format!("{adapter}_error_{suffix}")).and_then(|v| v.as_str());
            if let Some(t) = check("exact").filter(|t| msg != *t) {
                return Some(format!("message {msg:?} is not {t:?}"));
            }
            if let Some(t) = check("prefix").filter(|t| !msg.starts_with(*t)) {
                return Some(format!("message {msg:?} does not start with {t:?}"));
            }
            if let Some(t) = check("contains").filter(|t| !msg.contains(*t)) {
                return Some(format!("message {msg:?} does not contain {t:?}"));
            }
            None
        }
    }
}

#[test]
fn postgres_suite_matches() {
    let (count, failures) = run_suite("postgres_suite", "postgres");
    assert!(count > 200, "only {count} entries");
    assert!(failures.is_empty(), "{} of {count} failing:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn sqlite3_suite_matches() {
    let (count, failures) = run_suite("sqlite3_suite", "sqlite");
    assert!(count > 150, "only {count} entries");
    assert!(failures.is_empty(), "{} of {count} failing:\n{}", failures.len(), failures.join("\n"));
}
