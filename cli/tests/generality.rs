//! Regression corpus in domains the public corpus does not cover (library,
//! clinic, HR, catalog, IoT, school): `tests/generality/<kind>_<name>.exs`
//! with the expected lines in `<kind>_<name>.jsonl`. The expected lines were
//! written from the adapters' and Ecto's sources; fields are compared the way
//! the conformance comparer does (dates from 2026 on and UUIDs are masked).

use std::path::Path;
use std::process::Command;

/// Replaces run-time dates (years from 2026 on, with any time part) by
/// `<now>` and UUIDs by `<uuid>`.
fn mask_str(s: &str) -> String {
    let b = s.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let hex = |i: usize| b.get(i).is_some_and(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        // UUID: 8-4-4-4-12 lowercase hex
        let uuid = [8usize, 4, 4, 4, 12].iter().try_fold(i, |at, n| {
            if (at..at + n).all(hex) && (at + n == i + 36 || b.get(at + n) == Some(&b'-')) {
                Some(at + n + 1)
            } else {
                None
            }
        });
        if uuid.is_some() {
            out.push_str("<uuid>");
            i += 36;
            continue;
        }
        // YYYY-MM-DD with YYYY >= 2026, then an optional time part
        if (i..i + 4).all(digit)
            && b.get(i + 4) == Some(&b'-')
            && digit(i + 5)
            && digit(i + 6)
            && b.get(i + 7) == Some(&b'-')
            && digit(i + 8)
            && digit(i + 9)
        {
            let year: u32 = s[i..i + 4].parse().unwrap_or(0);
            if year >= 2026 {
                let mut j = i + 10;
                if matches!(b.get(j), Some(b'T') | Some(b' ')) && digit(j + 1) {
                    j += 1;
                    while j < b.len() && (b[j].is_ascii_digit() || b[j] == b':' || b[j] == b'.') {
                        j += 1;
                    }
                    if b.get(j) == Some(&b'Z') {
                        j += 1;
                    }
                }
                out.push_str("<now>");
                i = j;
                continue;
            }
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn mask(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::String(s) => J::String(mask_str(s)),
        J::Array(a) => J::Array(a.iter().map(mask).collect()),
        J::Object(o) => J::Object(o.iter().map(|(k, v)| (k.clone(), mask(v))).collect()),
        other => other.clone(),
    }
}

fn fields(kind: &str, line: &serde_json::Value) -> serde_json::Value {
    let out = std::cell::RefCell::new(serde_json::Map::new());
    let put = |k: &str| {
        if let Some(v) = line.get(k) {
            out.borrow_mut().insert(k.to_string(), v.clone());
        }
    };
    let put_obj = |k: &str, v: serde_json::Value| {
        out.borrow_mut().insert(k.to_string(), v);
    };
    match kind {
        "sql" | "ddl" => {
            for a in ["sqlite", "postgres"] {
                if line.get(format!("{a}_error_type")).is_some_and(|v| !v.is_null()) {
                    put(&format!("{a}_error_type"));
                } else {
                    put(a);
                    put(&format!("{a}_params"));
                }
            }
            put("error_type");
        }
        "changeset" | "elixir" => {
            for k in ["valid", "action", "changes", "errors", "required", "result", "value", "constraints", "error_type"] {
                put(k);
            }
            if kind == "elixir" {
                put("value_inspect");
            }
        }
        "repo" => {
            if let Some(s) = line.get("sqlite") {
                let mut o = serde_json::Map::new();
                for k in ["result", "error_type"] {
                    if let Some(v) = s.get(k) {
                        o.insert(k.to_string(), v.clone());
                    }
                }
                let stmts: Vec<serde_json::Value> = s
                    .get("statements")
                    .and_then(|v| v.as_array())
                    .map(|a| a.iter().map(|st| serde_json::json!([st.get("sql"), st.get("params")])).collect())
                    .unwrap_or_default();
                o.insert("statements".into(), serde_json::Value::Array(stmts));
                put_obj("sqlite", serde_json::Value::Object(o));
            }
            put("sqlite_statements");
        }
        _ => {}
    }
    let out = out.into_inner();
    mask(&serde_json::Value::Object(out))
}

#[test]
fn generality_corpus_matches() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generality");
    let mut entries: Vec<_> = std::fs::read_dir(&dir).expect("dir").filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    let mut failures = Vec::new();
    let mut files = 0;
    for exs in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "exs")) {
        let stem = exs.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let kind = stem.split('_').next().unwrap_or_default().to_string();
        let tool = if kind == "elixir" { "changeset" } else { kind.as_str() };
        let expected = std::fs::read_to_string(exs.with_extension("jsonl")).expect("expected jsonl");
        let work = std::env::temp_dir().join(format!("ectoplasm-generality-{}-{stem}", std::process::id()));
        std::fs::create_dir_all(&work).expect("temp dir");
        let file = work.join(exs.file_name().expect("name"));
        std::fs::copy(exs, &file).expect("copy");
        let out = Command::new(env!("CARGO_BIN_EXE_ectoplasm")).current_dir(&work).arg(tool).arg(&file).output().expect("run");
        let _ = std::fs::remove_dir_all(&work);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let actual: Vec<serde_json::Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        files += 1;
        for line in expected.lines().filter(|l| !l.trim().is_empty()) {
            let want: serde_json::Value = serde_json::from_str(line).expect("json");
            let key = |v: &serde_json::Value| v.get("name").or_else(|| v.get("setup_migration")).cloned();
            match actual.iter().find(|a| key(a) == key(&want)) {
                Some(got) if fields(&kind, got) == fields(&kind, &want) => {}
                Some(got) => {
                    failures.push(format!("{stem} {:?}:\n  want {}\n  got  {}", key(&want), fields(&kind, &want), fields(&kind, got)))
                }
                None => failures.push(format!("{stem} {:?}: no output", key(&want))),
            }
        }
    }
    assert!(files > 0, "no corpus files in {}", dir.display());
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
}
