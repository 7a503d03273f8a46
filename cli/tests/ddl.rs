//! `ectoplasm ddl` on the recorded corpus: every entry's statements (or
//! error type) per adapter must match what real Ecto produced.

use std::process::Command;

const EXS: &str = include_str!("../../engine/src/migration/testdata/ddl.exs");
const JSONL: &str = include_str!("../../engine/src/migration/testdata/ddl.jsonl");

fn fields(line: &serde_json::Value) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for a in ["sqlite", "postgres"] {
        let et = format!("{a}_error_type");
        match line.get(&et).and_then(|v| v.as_str()) {
            Some(t) => out.insert(et, serde_json::json!(t)),
            None => out.insert(a.to_string(), line.get(a).cloned().unwrap_or_default()),
        };
    }
    serde_json::Value::Object(out)
}

#[test]
fn ddl_corpus_matches() {
    let dir = std::env::temp_dir().join(format!("ectoplasm-ddl-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("ddl.exs");
    std::fs::write(&file, EXS).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_ectoplasm")).arg("ddl").arg(&file).output().expect("run");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let actual: Vec<serde_json::Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let mut failures = Vec::new();
    for line in JSONL.lines().filter(|l| !l.trim().is_empty()) {
        let want: serde_json::Value = serde_json::from_str(line).expect("json");
        let name = want["name"].as_str().unwrap_or("");
        match actual.iter().find(|a| a["name"] == want["name"]) {
            Some(got) if fields(got) == fields(&want) => {}
            Some(got) => failures.push(format!("{name}: want {} got {}", fields(&want), fields(got))),
            None => failures.push(format!("{name}: no output")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
