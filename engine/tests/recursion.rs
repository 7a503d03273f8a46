//! Recursion as on the BEAM: calls in tail position run in constant space,
//! body recursion lives on the heap (bounded by `max_depth`, not by the
//! host's stack), and the clocks tick.

use engine::eval::{Interp, Limits};
use engine::syntax::parse;
use engine::value::inspect::inspect;
use engine::value::Value;

const MODULE: &str = r#"
defmodule R do
  def loop(0, acc), do: acc
  def loop(n, acc), do: loop(n - 1, acc + 1)

  def sum([]), do: 0
  def sum([h | t]), do: h + sum(t)

  def deep(0), do: 0
  def deep(n), do: 1 + deep(n - 1)

  # tail calls through if, case, cond, a block and a private function
  def count(n, acc) do
    x = n - 1
    cond do
      n == 0 -> acc
      true ->
        if x >= 0 do
          case rem(x, 2) do
            0 -> step(x, acc)
            _ -> count(x, acc + 1)
          end
        end
    end
  end
  defp step(x, acc), do: __MODULE__.count(x, acc + 1)

  def even?(0), do: true
  def even?(n), do: odd?(n - 1)
  def odd?(0), do: false
  def odd?(n), do: even?(n - 1)

  def map([], _f), do: []
  def map([h | t], f), do: [f.(h) | map(t, f)]
end
"#;

/// Evaluates `MODULE` then `expr` with `limits`.
fn eval(expr: &str, limits: Limits) -> Result<Value, String> {
    let src = format!("{MODULE}\n{expr}");
    let p = parse(&src);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let mut interp = engine::interp();
    interp.limits = limits;
    let mut env = Interp::env_with_imports(&[]);
    interp.eval(&p.root, &mut env).map_err(|e| e.message())
}

/// Small bounds: any use of the host's stack or heap per iteration shows.
fn tight() -> Limits {
    Limits { max_steps: u64::MAX, max_depth: 1_000, max_native_depth: 20, max_stack: None, max_memory: None }
}

fn ok(expr: &str, limits: Limits) -> String {
    inspect(&eval(expr, limits).unwrap_or_else(|e| panic!("{expr}: {e}")))
}

#[test]
fn tail_calls_run_in_constant_space() {
    assert_eq!(ok("R.loop(300_000, 0)", tight()), "300000");
    assert_eq!(ok("R.count(100_000, 0)", tight()), "100000");
    assert_eq!(ok("R.even?(100_001)", tight()), "false");
    let closure = "f = fn 0, acc, _ -> acc; n, acc, g -> g.(n - 1, acc + n, g) end\nf.(100_000, 0, f)";
    assert_eq!(ok(closure, tight()), "5000050000");
    let piped = "defmodule P do\n def go(0), do: :done\n def go(n), do: n |> Kernel.-(1) |> go()\nend\nP.go(100_000)";
    assert_eq!(ok(piped, tight()), ":done");
}

#[test]
fn body_recursion_lives_on_the_heap() {
    let limits = Limits { max_depth: 200_000, ..tight() };
    assert_eq!(ok("R.deep(150_000)", limits), "150000");
    assert_eq!(ok("R.sum(Enum.to_list(1..20_000))", limits), "200010000");
    assert_eq!(ok("R.map([1, 2, 3], &(&1 * 10))", limits), "[10, 20, 30]");
}

#[test]
fn deeper_recursion_ends_in_the_evaluators_error() {
    let err = eval("R.deep(5_000)", tight()).expect_err("too deep");
    assert_eq!(err, "evaluation stopped: call depth exceeded 1000 (infinite recursion?)");
    // the interpreter is usable afterwards
    assert_eq!(ok("R.deep(500)", tight()), "500");
}

#[test]
fn recursion_through_builtins_is_bounded_by_the_native_depth() {
    let src = "defmodule N do\n def f(0), do: 0\n def f(n), do: Enum.sum([f(n - 1)]) + 0\n def g(0), do: 0\n def g(n), do: Enum.map([n], fn x -> g(x - 1) end) |> hd()\nend\nN.g(100)";
    let err = eval(src, tight()).expect_err("nested through Enum callbacks");
    assert_eq!(err, "evaluation stopped: call depth exceeded 20 (infinite recursion?)");
}

#[test]
fn the_clocks_tick() {
    let limits = Limits::default();
    let src = "t0 = System.monotonic_time()\n_ = R.loop(200_000, 0)\nt1 = System.monotonic_time()\nt1 - t0";
    match eval(src, limits) {
        Ok(Value::Int(d)) => assert!(d > 0, "{d}"),
        other => panic!("{other:?}"),
    }
    match eval("{t, r} = :timer.tc(fn -> R.loop(100_000, 0) end)\n{t > 0, r}", limits) {
        Ok(v) => assert_eq!(inspect(&v), "{true, 100000}"),
        other => panic!("{other:?}"),
    }
    let slept = "t0 = System.monotonic_time(:millisecond)\nProcess.sleep(250)\nSystem.monotonic_time(:millisecond) - t0 >= 250";
    assert_eq!(ok(slept, limits), "true");
    assert_eq!(ok("System.convert_time_unit(1, :second, :native)", limits), "1000000000");
    assert_eq!(ok("System.convert_time_unit(-1500, :millisecond, :second)", limits), "-2");
    assert_eq!(ok("System.system_time(:second) > 1_700_000_000", limits), "true");
}

#[test]
fn a_program_holding_too_much_memory_stops_with_the_evaluators_error() {
    thread_local! {
        static HELD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }
    fn held() -> usize {
        HELD.with(|h| {
            h.set(h.get() + (1 << 20));
            h.get()
        })
    }
    let src = format!("{MODULE}\nR.deep(10_000_000)");
    let p = parse(&src);
    let mut interp = engine::interp();
    interp.limits = Limits { max_depth: 100_000_000, max_memory: Some(64 << 20), ..tight() };
    interp.memory_in_use = Some(held);
    let mut env = Interp::env_with_imports(&[]);
    let err = interp.eval(&p.root, &mut env).expect_err("stops");
    assert_eq!(err.message(), "evaluation stopped: out of memory (more than 64 MB in use; is there an endless loop or recursion?)");
}
