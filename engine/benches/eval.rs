//! Evaluator benchmarks: Elixir programs whose cost is the evaluator's own
//! (calls, tail calls, body recursion, closures through `Enum`).
//!
//! ```text
//! cargo bench -p ectoplasm-engine --bench eval
//! ```

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use engine::eval::{Env, Interp, Limits};
use engine::syntax;

const MODULE: &str = r#"
defmodule B do
  def fib(0), do: 0
  def fib(1), do: 1
  def fib(n), do: fib(n - 1) + fib(n - 2)

  def loop(0, acc), do: acc
  def loop(n, acc), do: loop(n - 1, acc + 1)

  def deep(0), do: 0
  def deep(n), do: 1 + deep(n - 1)
end
"#;

fn prepared() -> (Interp, Env) {
    let mut interp = engine::interp();
    interp.limits = Limits { max_steps: u64::MAX, max_depth: 10_000_000, max_native_depth: 1_000, max_stack: None, max_memory: None };
    let mut env = Interp::env_with_imports(&[]);
    let parsed = syntax::parse(MODULE);
    interp.eval(&parsed.root, &mut env).expect("the module compiles");
    (interp, env)
}

fn bench(c: &mut Criterion, name: &str, src: &str) {
    let (mut interp, env) = prepared();
    let parsed = syntax::parse(src);
    c.bench_function(name, |b| {
        b.iter(|| {
            interp.steps = 0;
            let mut env = env.clone();
            interp.eval(&parsed.root, &mut env).expect("evaluates")
        })
    });
}

fn programs(c: &mut Criterion) {
    bench(c, "fib_24", "B.fib(24)");
    bench(c, "loop_1m_tail", "B.loop(1_000_000, 0)");
    bench(c, "deep_100k_body", "B.deep(100_000)");
    bench(c, "reduce_1m", "Enum.reduce(1..1_000_000, 0, fn x, acc -> x + acc end)");
    bench(c, "map_rows_20k", "Enum.map(1..20_000, &%{id: &1, name: \"author #{&1}\"})");
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(5));
    targets = programs
}
criterion_main!(benches);
