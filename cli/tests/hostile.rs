//! Broken and hostile inputs, fed to the built binary for every
//! subcommand: each run ends within a few seconds, never panics, exits
//! non-zero, and its error names a line and a column.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const COMMANDS: [(&str, &str); 5] =
    [("sql", "queries"), ("changeset", "changesets"), ("ddl", "migrations"), ("repo", "runs"), ("explain", "queries")];

/// How long one run may take (a debug build, on a shared machine).
const LIMIT: Duration = Duration::from_secs(20);

/// Cases that are valid Elixir, however large.
const VALID: [&str; 1] = ["a 5 MB string"];

/// The broken inputs, each with the entry list's name in place of `LIST`.
fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let mut random = Vec::with_capacity(20_000);
    let mut x: u32 = 0x2545_f491;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        random.push((x >> 24) as u8);
    }
    let printable: Vec<u8> = random.iter().map(|b| b"[]{}()do end fn -> \"'~#%<>=|\\,:;\n\t abcXYZ019@&^"[*b as usize % 47]).collect();
    let line = |body: &[u8]| [b"LIST = [a: ".as_slice(), body, b"]\n"].concat();
    vec![
        ("unterminated string", line(b"\"abc")),
        ("unterminated heredoc", b"LIST = [a: \"\"\"\nabc\n]\n".to_vec()),
        ("unterminated charlist", line(b"'abc")),
        ("unterminated sigil", line(b"~r/abc")),
        ("unterminated sigil with pairs", line(b"~s(abc")),
        ("unterminated interpolation", line(b"\"a #{1 + ")),
        ("unbalanced do", b"defmodule A do\n  def f do\n    1\nend\nLIST = [a: 1]\n".to_vec()),
        ("extra end", b"LIST = [a: 1]\nend\n".to_vec()),
        ("invalid hex escape", line(b"\"\\xZZ\"")),
        ("with else without clauses", line(b"fn -> with x <- 1 do x else end end")),
        ("random bytes", random),
        ("random punctuation", printable),
        ("invalid UTF-8", line(b"\"\xff\xfe\"")),
        ("100,000 brackets", line(&b"[".repeat(100_000))),
        ("100,000 parentheses", line(&b"(".repeat(100_000))),
        ("nested maps", line(&b"%{a: ".repeat(50_000))),
        ("nested fns", line(&b"fn -> ".repeat(50_000))),
        ("nested interpolations", line(&b"\"#{".repeat(20_000))),
        ("a 5 MB string", line(&[b"\"".as_slice(), &b"x".repeat(5 << 20), b"\""].concat())),
        ("a 5 MB unterminated string", [b"LIST = [a: \"".as_slice(), &b"x".repeat(5 << 20), b"\n"].concat()),
        ("a 5 MB expression", line(&[b"1".as_slice(), &b" + 1".repeat(5 << 18)].concat())),
        ("NUL bytes", b"LIST = [a: 1\0, b: 2]\n".to_vec()),
        ("only NUL bytes", vec![0; 1000]),
        ("empty", vec![]),
        ("blank", b" \n\n\t\n".to_vec()),
        ("no entry list", b"x = 1\n".to_vec()),
        ("entry list is not a list", b"LIST = 5\n".to_vec()),
        ("raise outside the entries", b"raise \"boom\"\nLIST = [a: 1]\n".to_vec()),
    ]
}

struct Outcome {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs the binary on `file`, killing it after [`LIMIT`].
fn run(command: &str, file: &Path) -> Outcome {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ectoplasm"))
        .arg(command)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ectoplasm");
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out_pipe.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err_pipe.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    Outcome { status, stdout, stderr, elapsed }
}

/// Whether `text` holds `FILE:LINE:COLUMN` for the input file.
fn names_line_and_column(text: &str, file: &str) -> bool {
    text.match_indices(file).any(|(i, _)| {
        let rest = &text[i + file.len()..];
        let mut parts = rest.splitn(3, ':');
        parts.next() == Some("")
            && parts.next().is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
            && parts.next().is_some_and(|c| c.bytes().next().is_some_and(|b| b.is_ascii_digit()))
    })
}

fn work_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ectoplasm-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn hostile_inputs_end_quickly_with_a_located_error() {
    let dir = work_dir();
    let mut failures = Vec::new();
    for (i, (what, body)) in cases().into_iter().enumerate() {
        for (command, list) in COMMANDS {
            let body = replace(&body, b"LIST", list.as_bytes());
            let name = format!("case{i}_{command}.exs");
            let file = dir.join(&name);
            std::fs::write(&file, &body).expect("write input");
            let out = run(command, &file);
            let problem = if out.status.is_none() {
                Some(format!("did not end within {LIMIT:?}"))
            } else if out.stderr.contains("panicked at") || out.stderr.contains("overflowed its stack") {
                Some("panicked".to_string())
            } else if VALID.contains(&what) {
                // Valid Elixir: every entry that raised says where.
                let unlocated = out.stdout.lines().find(|l| {
                    let j: serde_json::Value = serde_json::from_str(l).unwrap_or_default();
                    let raised = j.get("error").is_some() || j.get("sqlite").is_some_and(|s| s.get("error").is_some());
                    raised && (j.get("line").is_none() || j.get("column").is_none())
                });
                unlocated.map(|l| format!("an entry's error has no line and column: {}", l.chars().take(300).collect::<String>()))
            } else if out.status == Some(0) {
                Some("exited with 0".to_string())
            } else {
                (!names_line_and_column(&out.stderr, &name)).then(|| "the error names no line and column".to_string())
            };
            if let Some(problem) = problem {
                let stderr: String = out.stderr.chars().take(400).collect();
                failures.push(format!("{what} ({command}, {:?}): {problem}\n  stderr: {stderr}", out.elapsed));
            }
            let _ = std::fs::remove_file(&file);
            // Nothing is printed for a file that cannot be evaluated, except entries before a raise.
            if what != "raise outside the entries" && !VALID.contains(&what) && !out.stdout.is_empty() {
                failures.push(format!("{what} ({command}): printed entries for a file that does not evaluate"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn entry_errors_carry_line_and_column() {
    let dir = work_dir().join("entries");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases = [
        ("sql", "queries = [\n  ok: from(p in \"posts\", select: p.id),\n  bad: fn -> from(p in \"posts\", limit: ^\"x\", select: p.id) end\n]\n", 3, 40),
        ("changeset", "changesets = [\n  ok: 1,\n  bad: fn ->\n    Map.fetch!(%{}, :a)\n  end\n]\n", 4, 5),
        ("ddl", "migrations = [\n  bad: fn -> raise \"no\" end\n]\n", 2, 14),
        ("repo", "runs = [\n  bad: fn _repo ->\n    raise ArgumentError, \"é\"\n  end\n]\n", 3, 5),
        ("changeset", "changesets = [é: \"ü\", bad: fn -> 1 + :a end]\n", 1, 34),
    ];
    let mut failures = Vec::new();
    for (i, (command, source, line, column)) in cases.into_iter().enumerate() {
        let file = dir.join(format!("entry{i}.exs"));
        std::fs::write(&file, source).expect("write input");
        let out = run(command, &file);
        let lines: Vec<serde_json::Value> = out.stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        let bad = lines.iter().find(|l| l.get("name").and_then(|n| n.as_str()) == Some("bad"));
        let got = bad.map(|l| (l.get("line").and_then(|v| v.as_u64()), l.get("column").and_then(|v| v.as_u64())));
        if got != Some((Some(line), Some(column))) {
            failures
                .push(format!("{command} case {i}: want {line}:{column}, got {got:?}\n  stdout: {}\n  stderr: {}", out.stdout, out.stderr));
        }
        for l in &lines {
            if l.get("name").and_then(|n| n.as_str()) != Some("bad") && l.get("line").is_some() {
                failures.push(format!("{command} case {i}: a line without an error carries a position: {l}"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn command_line_errors_exit_with_2() {
    let bin = env!("CARGO_BIN_EXE_ectoplasm");
    for args in [&["frobnicate"][..], &["sql", "--frobnicate", "x.exs"], &["sql"], &[]] {
        let out = Command::new(bin).args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}: no message");
    }
    for args in [&["--help"][..], &["sql", "--help"], &["run", "--help"], &["-V"], &["--version"]] {
        let out = Command::new(bin).args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?}: nothing printed");
    }
    let missing = Command::new(bin).args(["sql", "no/such/file.exs"]).output().expect("run");
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/file.exs"));
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}
