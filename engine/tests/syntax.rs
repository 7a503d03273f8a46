//! The front end never fails: valid Elixir parses without diagnostics,
//! broken input yields diagnostics pointing at the right place, and
//! arbitrary input neither panics nor hangs (parse or evaluation).

use engine::eval::{Interp, Limits};
use engine::syntax::parse;

/// Inputs that must parse cleanly.
const OK: &[&str] = &[
    "\"\\x41\\xA\\x{e9}\\u00e9\\u{1F600}\"",
    "1 + 2 * 3",
    "x = [1, 2 | rest]",
    "%{a: 1, \"b\" => 2}",
    "%{m | a: 1}",
    "%Post{title: \"x\"}",
    "%Post{post | title: \"x\"}",
    "from p in Post, where: p.views > ^min and p.title in ^titles, select: {p.id, p.title}",
    "Post |> where([p], p.published) |> select([p], p.id)",
    "def f(a, b \\\\ 1) when is_integer(a), do: a + b",
    "case x do\n  {:ok, v} when v > 1 -> v\n  _ -> nil\nend",
    "fn a, b -> a + b end",
    "fn\n  {:ok, v} -> v\n  :error -> nil\nend",
    "with {:ok, a} <- f(),\n     b = a * 2 do\n  b\nelse\n  _ -> :error\nend",
    "for x <- 1..10, rem(x, 2) == 0, into: %{}, do: {x, x * x}",
    "\"interp #{1 + 1} and #{\"nested #{:x}\"}\"",
    "~r/^\\d{4}$/i",
    "~w(a b c)a",
    "~D[2024-01-01]",
    "~U[2024-01-01 10:00:00Z]",
    "<<0xFF, 0xD8, x::binary>>",
    "&Enum.map/2",
    "&(&1 + &2)",
    "&+/2",
    "alias Blog.{User, Post}",
    "@primary_key {:id, :binary_id, autogenerate: true}",
    "quote(do: from(p in Post, select: p.nope))",
    "x\n|> f()\n|> g(1)",
    "a not in [1, 2]",
    "1..10//2",
    "'charlist'",
    "?a",
    "if x, do: 1, else: 2",
    "unless x do\n  1\nelse\n  2\nend",
    "schema \"posts\" do\n  field :title, :string\n  belongs_to :author, Blog.User\n  timestamps()\nend",
    "create table(:users) do\n  add :name, :string, null: false\nend",
    "Repo.transaction(fn -> Repo.rollback(:nope) end)",
    "m.field.nested[:key]",
    "fun.(1, 2)",
    "\"\"\"\n  heredoc\n  text\n  \"\"\"",
    "try do\n  raise \"x\"\nrescue\n  e in RuntimeError -> e.message\nend",
    "-1 - -2",
    "[a: 1, b: [c: 2]]",
    "{:ok, a: 1}",
    "y = x +\n  :a",
    "total = a -\n  b",
];

#[test]
fn valid_elixir_parses_without_diagnostics() {
    for src in OK {
        let p = parse(src);
        assert!(p.errors.is_empty(), "{src:?} → {:?}", p.errors);
    }
}

/// (input, expected message fragment, the text the span must cover)
const ERR: &[(&str, &str, &str)] = &[
    ("1 +", "syntax error before: end of file", ""),
    ("[1, 2", "missing terminator: ]", ""),
    ("foo(1, 2", "missing terminator: )", ""),
    ("%{a: 1", "missing terminator: }", ""),
    ("\"unterminated", "missing terminator: \"", "\"unterminated"),
    ("fn x -> x", "missing terminator: end", ""),
    ("if x do\n 1", "missing terminator: end", ""),
    ("x = )", "syntax error before: ')'", ")"),
    ("a b c d e )", "syntax error before: ')'", ")"),
    ("%{1 2}", "expected => in map", "2"),
    ("1 $ 2", "unexpected character '$'", "$"),
    ("[1, 2 3]", "syntax error before: '3'", "3"),
    // Elixir reports a bad escape where the string's contents start.
    ("x = \"\\xZZ\"", "invalid hex escape character, expected \\xHH where H is a hexadecimal digit. Syntax error after: \\x", ""),
    ("\"ab\\u12\"", "invalid Unicode escape character, expected \\uHHHH or \\u{H*} where H is a hexadecimal digit", ""),
];

#[test]
fn broken_input_reports_diagnostics_at_the_right_span() {
    for (src, msg, covered) in ERR {
        let p = parse(src);
        let hit = p.errors.iter().find(|e| e.message.contains(msg));
        let Some(e) = hit else { panic!("{src:?}: expected {msg:?}, got {:?}", p.errors) };
        let text = &src[e.span.start as usize..(e.span.end as usize).min(src.len())];
        assert_eq!(text, *covered, "{src:?}: span of {msg:?}");
    }
}

/// (program, expected exception kind, text under the span)
const RAISES: &[(&str, &str, &str)] = &[
    ("undefined_thing + 1", "CompileError", "undefined_thing"),
    ("no_such_helper(1)", "CompileError", "no_such_helper(1)"),
    ("{a, b} = {1, 2, 3}", "MatchError", "{a, b} = {1, 2, 3}"),
    ("case :maybe do\n :yes -> 1\nend", "CaseClauseError", "case :maybe do\n :yes -> 1\nend"),
    ("div(10, 0)", "ArithmeticError", "div(10, 0)"),
    ("m = %{a: 1}\nm.b", "KeyError", "m.b"),
    ("1 + :a", "ArithmeticError", "1 + :a"),
    ("%Missing{}", "CompileError", "%Missing{}"),
    ("raise ArgumentError, \"bad\"", "ArgumentError", "raise ArgumentError, \"bad\""),
    ("with x <- 1 do x else end", "CompileError", "with x <- 1 do x else end"),
];

#[test]
fn evaluation_errors_have_kind_and_span() {
    for (src, kind, covered) in RAISES {
        let p = parse(src);
        assert!(p.errors.is_empty(), "{src:?}: {:?}", p.errors);
        let mut interp = engine::interp();
        let mut env = Interp::env_with_imports(&[]);
        let err = interp.eval(&p.root, &mut env).expect_err(src);
        assert_eq!(err.kind(), *kind, "{src:?}: {}", err.message());
        let s = err.span();
        assert_eq!(&src[s.start as usize..s.end as usize], *covered, "{src:?}");
    }
}

/// Runs `f` on a thread with a large stack, as the command line and the
/// page do for user code.
fn big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(256 << 20).spawn(f).expect("thread").join().expect("no panic");
}

#[test]
fn runaway_scripts_stop_with_a_message() {
    big_stack(runaway);
}

fn runaway() {
    for src in [
        "defmodule Loop do\n def f(x), do: f(x + 1) + 1\nend\nLoop.f(0)",
        "defmodule Loop2 do\n def f(x), do: f(x)\nend\nLoop2.f(0)",
        "Enum.each(1..100_000_000, fn _ -> :ok end)",
        "for x <- 1..100_000, y <- 1..100_000, do: x + y",
    ] {
        let p = parse(src);
        let mut interp = engine::interp();
        interp.limits = Limits { max_steps: 200_000, max_depth: 500, max_native_depth: 500, max_stack: None, max_memory: None };
        let mut env = Interp::env_with_imports(&[]);
        let err = interp.eval(&p.root, &mut env).expect_err(src);
        assert!(!err.message().is_empty());
    }
}

/// A small deterministic generator (xorshift) for property tests.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
}

const PIECES: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "%{",
    "%",
    "<<",
    ">>",
    ",",
    ";",
    "\n",
    " ",
    "do",
    "end",
    "fn",
    "->",
    "=>",
    "|",
    "|>",
    ".",
    "x",
    "Post",
    ":a",
    "a:",
    "\"s",
    "\"",
    "#{",
    "}",
    "'",
    "~r/",
    "/",
    "1",
    "2.5",
    "-",
    "+",
    "*",
    "^",
    "&",
    "&1",
    "@",
    "when",
    "in",
    "not",
    "and",
    "\\\\",
    "?",
    "from",
    "where",
    "def",
    "defmodule",
    "case",
    "if",
    "else",
    "=",
    "==",
    "..",
    "//",
    "é",
    "👍",
    "\\",
    "#",
    "0x",
    "1e",
    "::",
    "<-",
];

#[test]
fn arbitrary_input_never_panics_or_hangs() {
    big_stack(arbitrary);
}

fn arbitrary() {
    let corpus: Vec<String> = ["queries", "changesets", "ddl", "repo", "elixir"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(format!("{}/../tests/conformance/{f}.exs", env!("CARGO_MANIFEST_DIR"))).ok())
        .collect();
    let mut rng = Rng(0x9E3779B97F4A7C15);
    for i in 0..3000 {
        let src: String = if i % 3 == 0 && !corpus.is_empty() {
            // mutate a corpus file: cut a random slice out and splice random pieces in
            let base = rng.pick(&corpus).clone();
            let bytes = base.as_bytes();
            let a = (rng.next() as usize) % bytes.len();
            let b = (a + (rng.next() as usize) % 400).min(bytes.len());
            let mut s = String::from_utf8_lossy(&bytes[..a]).into_owned();
            for _ in 0..(rng.next() % 5) {
                s.push_str(rng.pick::<&str>(PIECES));
            }
            s.push_str(&String::from_utf8_lossy(&bytes[b..]));
            s
        } else {
            (0..(rng.next() % 60)).map(|_| *rng.pick(PIECES)).collect()
        };
        let p = parse(&src);
        for e in &p.errors {
            assert!(e.span.start <= e.span.end && e.span.end as usize <= src.len(), "bad span {:?} in {src:?}", e.span);
            assert!(
                src.is_char_boundary(e.span.start as usize) && src.is_char_boundary(e.span.end as usize),
                "span off char boundary in {src:?}"
            );
        }
        let mut interp = engine::interp();
        interp.limits = Limits { max_steps: 20_000, max_depth: 200, max_native_depth: 200, max_stack: None, max_memory: None };
        let mut env = Interp::env_with_imports(&["Ecto.Query", "Ecto.Changeset", "Ecto.Migration"]);
        let _ = interp.eval(&p.root, &mut env);
    }
}

#[test]
fn runaway_nesting_is_refused_quickly() {
    // The parser's own depth limit (400) needs more than a test thread's stack in a debug build.
    std::thread::Builder::new().stack_size(64 << 20).spawn(runaway_nesting).expect("thread").join().expect("no panic");
}

fn runaway_nesting() {
    for src in ["\"#{".repeat(20_000), format!("x = 1{}", " + 1".repeat(20_000)), "[".repeat(100_000)] {
        let start = std::time::Instant::now();
        let p = parse(&src);
        assert!(p.errors.iter().any(|e| e.message == "expression nested too deeply"), "{:?}", p.errors.first());
        assert!(start.elapsed() < std::time::Duration::from_secs(5), "{:?}", start.elapsed());
    }
}

#[test]
fn with_else_without_clauses_does_not_compile() {
    let p = parse("f = fn -> with x <- 1 do x else end end\nquote(do: with x <- 1 do x else end)");
    assert!(p.errors.is_empty());
    let engine::syntax::Kind::Block(items) = &p.root.kind else { panic!("{:?}", p.root) };
    let e = engine::eval::expand::check(&items[0]).expect_err("a compile error");
    assert_eq!((e.kind(), e.message().as_str()), ("CompileError", "expected -> clauses for :else in \"with\""));
    assert!(engine::eval::expand::check(&items[1]).is_ok(), "quoted code is not expanded");
}
