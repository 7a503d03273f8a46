//! Persistent data: recursion over a list, prepending to a list and
//! building a map, at sizes where copying a list's tail or a map on every
//! step would be quadratic. Every benchmark evaluates Elixir source through
//! the engine (parsed once, evaluated per iteration).
//!
//! - `sum/N`: `def sum([h | t], acc), do: sum(t, acc + h)` over `Enum.to_list(1..N)`;
//! - `prepend/N`: `def build(n, acc), do: build(n - 1, [n | acc])` from N down to 0;
//! - `sum_chunked/N`, `prepend_chunked/N`: the same loops cut into runs of
//!   1,000 calls driven by `Enum.reduce`, so the call depth stays bounded:
//!   function calls still use the native stack (about 2 KB each), which
//!   stops the plain loops before 1,000,000;
//! - `reduce_prepend/N`: `Enum.reduce(1..N, [], &[&1 | &2])`;
//! - `map_put/N`: `Enum.reduce(1..N, %{}, &Map.put(&2, &1, &1))`.
//!
//! ```text
//! cargo bench -p ectoplasm-engine --bench persistent
//! PERSISTENT_BENCH_MAX=100000 cargo bench -p ectoplasm-engine --bench persistent   # sizes up to 100,000
//! ```

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use engine::eval::{Env, Interp, Limits};
use engine::syntax::{self, Node};
use engine::value::inspect;
use engine::Value;

const MODULE: &str = r#"
defmodule Bench do
  def sum([], acc), do: acc
  def sum([h | t], acc), do: sum(t, acc + h)

  def build(0, acc), do: acc
  def build(n, acc), do: build(n - 1, [n | acc])

  # At most k steps of sum/2, then the rest of the list and the sum so far.
  def walk(rest, 0, acc), do: {rest, acc}
  def walk([], _, acc), do: {[], acc}
  def walk([h | t], k, acc), do: walk(t, k - 1, acc + h)

  def sum_chunked(list) do
    runs = div(length(list), 1000)
    {[], total} = Enum.reduce(0..runs, {list, 0}, fn _, {l, acc} -> walk(l, 1000, acc) end)
    total
  end

  # At most k steps of build/2.
  def build(0, acc, _), do: {0, acc}
  def build(n, acc, 0), do: {n, acc}
  def build(n, acc, k), do: build(n - 1, [n | acc], k - 1)

  def build_chunked(n) do
    {0, list} = Enum.reduce(0..div(n, 1000), {n, []}, fn _, {i, acc} -> build(i, acc, 1000) end)
    list
  end
end
"#;

/// The native stack the benchmarks run on (as the command line's).
const STACK_SIZE: usize = 512 << 20;

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// Sizes the plain (unbounded-depth) loops run at.
const DEEP_SIZES: [usize; 2] = [10_000, 100_000];

struct Session {
    interp: Interp,
    env: Env,
}

impl Session {
    fn new() -> Session {
        let mut interp = engine::interp();
        interp.limits = Limits {
            max_steps: u64::MAX,
            max_depth: 10_000_000,
            max_native_depth: 1_000_000,
            max_stack: Some(STACK_SIZE - (64 << 20)),
            max_memory: None,
        };
        let mut s = Session { interp, env: Interp::env_with_imports(&[]) };
        s.eval(&parse(MODULE));
        s
    }

    fn eval(&mut self, node: &Node) -> Value {
        self.interp.steps = 0;
        self.interp.depth = 0;
        match self.interp.eval(node, &mut self.env) {
            Ok(v) => v,
            Err(e) => panic!("({}) {}", e.kind(), e.message()),
        }
    }
}

fn parse(src: &str) -> Node {
    let parsed = syntax::parse(src);
    assert!(parsed.errors.is_empty(), "syntax errors in {src}: {:?}", parsed.errors);
    parsed.root
}

/// Benchmarks `expr` (after `setup`; `{n}` stands for the size) for each
/// size, checking its answer once.
fn group(c: &mut Criterion, name: &str, sizes: &[usize], setup: &str, expr: &str, expect: fn(usize) -> i64) {
    let max = std::env::var("PERSISTENT_BENCH_MAX").ok().and_then(|v| v.parse::<usize>().ok()).unwrap_or(usize::MAX);
    let mut g = c.benchmark_group(name);
    g.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    for &n in sizes.iter().filter(|&&n| n <= max) {
        let mut s = Session::new();
        s.eval(&parse(&setup.replace("{n}", &n.to_string())));
        let node = parse(&expr.replace("{n}", &n.to_string()));
        let got = s.eval(&node);
        assert_eq!(got, Value::Int(expect(n)), "{name}/{n}: got {}", inspect::inspect(&got));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| b.iter(|| s.eval(&node)));
    }
    g.finish();
}

fn triangle(n: usize) -> i64 {
    (n as i64) * (n as i64 + 1) / 2
}

fn bench(c: &mut Criterion) {
    let list = "list = Enum.to_list(1..{n})";
    group(c, "sum", &DEEP_SIZES, list, "Bench.sum(list, 0)", triangle);
    group(c, "sum_chunked", &SIZES, list, "Bench.sum_chunked(list)", triangle);
    group(c, "prepend", &DEEP_SIZES, "nil", "length(Bench.build({n}, []))", |n| n as i64);
    group(c, "prepend_chunked", &SIZES, "nil", "length(Bench.build_chunked({n}))", |n| n as i64);
    group(c, "reduce_prepend", &SIZES, "nil", "length(Enum.reduce(1..{n}, [], &[&1 | &2]))", |n| n as i64);
    group(c, "map_put", &SIZES, "nil", "map_size(Enum.reduce(1..{n}, %{}, &Map.put(&2, &1, &1)))", |n| n as i64);
}

fn main() {
    // Function calls recurse on the native stack: give them the command line's.
    let run = std::thread::Builder::new().stack_size(STACK_SIZE).spawn(|| {
        let mut c = Criterion::default().configure_from_args();
        bench(&mut c);
        c.final_summary();
    });
    match run.map(|h| h.join()) {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => panic!("cannot start the benchmark thread: {e}"),
    }
}
