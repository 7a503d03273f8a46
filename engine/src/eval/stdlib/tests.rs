//! Data-driven tests: Elixir expression → expected `inspect` output.

use crate::eval::Interp;
use crate::syntax;
use crate::value::{inspect, Value};

fn run(src: &str) -> String {
    let parsed = syntax::parse(src);
    assert!(parsed.errors.is_empty(), "syntax errors in {src}: {:?}", parsed.errors);
    let mut interp = crate::interp();
    let mut env = Interp::env_with_imports(&[]);
    match interp.eval(&parsed.root, &mut env) {
        Ok(v) => inspect::inspect_full(&v),
        Err(e) => format!("** ({}) {}", e.kind(), e.message()),
    }
}

fn check(cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (src, want) in cases {
        let got = run(src);
        if got != *want {
            failures.push(format!("{src}\n    want: {want}\n    got:  {got}"));
        }
    }
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn enum_functions() {
    check(&[
        ("Enum.map(1..5, &(&1 * &1))", "[1, 4, 9, 16, 25]"),
        ("Enum.filter(1..10, &(rem(&1, 3) == 0))", "[3, 6, 9]"),
        ("Enum.reject([1, nil, 2, false], &is_nil/1)", "[1, 2, false]"),
        ("Enum.reduce([1, 2, 3], [], fn x, acc -> [x | acc] end)", "[3, 2, 1]"),
        ("Enum.sum([0.1, 0.2, 0.3])", "0.6000000000000001"),
        ("Enum.sort([3, 1, 2], :desc)", "[3, 2, 1]"),
        ("Enum.sort([[1], \"str\", :atom, 3, {1, 2}, %{a: 1}, 2.5, nil])", "[2.5, 3, :atom, nil, {1, 2}, %{a: 1}, [1], \"str\"]"),
        ("Enum.sort_by([%{n: 2, k: :a}, %{n: 1, k: :b}, %{n: 2, k: :c}], & &1.n, :desc) |> Enum.map(& &1.k)", "[:a, :c, :b]"),
        ("Enum.sort([~D[2024-01-05], ~D[2023-12-20]], Date)", "[~D[2023-12-20], ~D[2024-01-05]]"),
        ("Enum.sort([~D[2024-01-05], ~D[2023-12-20]], {:desc, Date})", "[~D[2024-01-05], ~D[2023-12-20]]"),
        ("Enum.group_by(~w(apple avocado banana), &String.first/1)", "%{\"a\" => [\"apple\", \"avocado\"], \"b\" => [\"banana\"]}"),
        ("Enum.frequencies(~w(a b a c a b))", "%{\"a\" => 3, \"b\" => 2, \"c\" => 1}"),
        ("Enum.chunk_every(1..7, 3)", "[[1, 2, 3], [4, 5, 6], [7]]"),
        ("Enum.chunk_every(1..7, 3, 3, :discard)", "[[1, 2, 3], [4, 5, 6]]"),
        ("Enum.chunk_every([1, 2, 3, 4], 2, 1, :discard)", "[[1, 2], [2, 3], [3, 4]]"),
        ("Enum.chunk_every([1, 2, 3], 2, 2, [:pad])", "[[1, 2], [3, :pad]]"),
        ("Enum.take([1, 2, 3, 4], -1)", "[4]"),
        ("Enum.slice(10..20, 2..4)", "[12, 13, 14]"),
        ("Enum.slice([1, 2, 3, 4, 5], 1..-2//1)", "[2, 3, 4]"),
        ("Enum.at([10, 20, 30], -1)", "30"),
        ("Enum.zip([1, 2, 3], [:a, :b])", "[{1, :a}, {2, :b}]"),
        ("Enum.with_index(~w(x y), 1)", "[{\"x\", 1}, {\"y\", 2}]"),
        ("Enum.max([], fn -> :empty end)", ":empty"),
        ("Enum.min_max([3, 1, 2])", "{1, 3}"),
        ("Enum.scan([1, 2, 3, 4], &+/2)", "[1, 3, 6, 10]"),
        ("Enum.dedup([1, 1, 2, 1, 1])", "[1, 2, 1]"),
        ("Enum.into([a: 1], %{b: 2})", "%{a: 1, b: 2}"),
        ("Enum.join([1, :two, \"three\"], \", \")", "\"1, two, three\""),
        ("Enum.map_reduce([1, 2, 3], 0, fn x, acc -> {x * 2, acc + x} end)", "{[2, 4, 6], 6}"),
        ("Enum.reduce_while(1..10, 0, fn x, acc -> if x > 3, do: {:halt, acc}, else: {:cont, acc + x} end)", "6"),
        ("Enum.split_with(1..6, &(rem(&1, 2) == 0))", "{[2, 4, 6], [1, 3, 5]}"),
        ("Enum.count([])", "0"),
        (
            "Enum.map(42, & &1)",
            "** (Protocol.UndefinedError) protocol Enumerable not implemented for type Integer\n\nGot value:\n\n    42\n",
        ),
        (
            "Enum.map(~D[2024-01-01], & &1)",
            "** (Protocol.UndefinedError) protocol Enumerable not implemented for type Date (a struct)\n\nGot value:\n\n    ~D[2024-01-01]\n",
        ),
        ("Enum.flat_map([1, 2], &[&1, &1 * 10])", "[1, 10, 2, 20]"),
        ("Enum.uniq_by([{1, :a}, {2, :a}, {3, :b}], &elem(&1, 1))", "[{1, :a}, {3, :b}]"),
        ("Enum.chunk_by([1, 1, 2, 3, 3], & &1)", "[[1, 1], [2], [3, 3]]"),
        ("Enum.product([2, 3])", "6"),
        ("Enum.to_list(Date.range(~D[2024-01-30], ~D[2024-02-01]))", "[~D[2024-01-30], ~D[2024-01-31], ~D[2024-02-01]]"),
        ("for x <- 1..4, y <- [:a, :b], rem(x, 2) == 0, do: {x, y}", "[{2, :a}, {2, :b}, {4, :a}, {4, :b}]"),
        ("for n <- [3, 8, 1, 9], reduce: {0, 0} do\n {c, s} -> {c + 1, s + n}\nend", "{4, 21}"),
        ("{for(<<c <- \"abc\">>, do: c), for(<<c <- \"HAL\">>, into: \"\", do: <<c + 1>>)}", "{[97, 98, 99], \"IBM\"}"),
        ("for x <- [1, 2, 2], uniq: true, into: MapSet.new(), do: x", "MapSet.new([1, 2])"),
    ]);
}

#[test]
fn map_keyword_list_functions() {
    check(&[
        ("Map.update(%{a: 1}, :z, 0, &(&1 + 1))", "%{a: 1, z: 0}"),
        ("Map.merge(%{a: 1, b: 2}, %{b: 3}, fn _k, v1, v2 -> v1 + v2 end)", "%{a: 1, b: 5}"),
        ("Map.take(%{a: 1, b: 2}, [:a, :x])", "%{a: 1}"),
        ("Map.new(1..3, &{&1, &1 * &1})", "%{1 => 1, 2 => 4, 3 => 9}"),
        ("Map.filter(%{a: 1, b: 5}, fn {_k, v} -> v > 2 end)", "%{b: 5}"),
        ("Map.fetch!(%{a: 1}, :k)", "** (KeyError) key :k not found in: %{a: 1}"),
        ("Map.put([], :a, 1)", "** (BadMapError) expected a map, got: []"),
        ("Map.pop(%{a: 1}, :a)", "{1, %{}}"),
        ("Keyword.put([color: \"red\", size: 2, color: \"blue\"], :color, \"green\")", "[color: \"green\", size: 2]"),
        ("Keyword.merge([a: 1, b: 2], [a: 9, c: 3])", "[b: 2, a: 9, c: 3]"),
        ("Keyword.get_values([a: 1, b: 2, a: 3], :a)", "[1, 3]"),
        ("List.flatten([1, [2, [3, [4]]]])", "[1, 2, 3, 4]"),
        ("List.insert_at([1, 2, 3], -1, 4)", "[1, 2, 3, 4]"),
        ("List.keyfind([a: 1, b: 2], :b, 0)", "{:b, 2}"),
        ("List.wrap(nil)", "[]"),
        ("Tuple.append({:a}, :b)", "{:a, :b}"),
        ("MapSet.new([3, 1, 3, 2]) |> MapSet.put(0) |> MapSet.to_list()", "[0, 1, 2, 3]"),
        ("get_in(%{a: %{b: [1, 2]}}, [:a, :b])", "[1, 2]"),
        ("put_in(%{a: %{b: 1}}, [:a, :b], 2)", "%{a: %{b: 2}}"),
        ("p = %{u: %{roles: [:r]}}\nupdate_in(p.u.roles, &[:e | &1])", "%{u: %{roles: [:e, :r]}}"),
        ("p = %{u: %{n: 1}}\nput_in(p[:u][:n], 5)", "%{u: %{n: 5}}"),
        ("get_in([%{a: 1}, %{a: 2}], [Access.all(), :a])", "[1, 2]"),
        ("update_in(%{l: [1, 2]}, [:l, Access.at(0)], &(&1 * 10))", "%{l: [10, 2]}"),
        ("pop_in(%{a: %{b: 1, c: 2}}, [:a, :b])", "{1, %{a: %{c: 2}}}"),
        ("Access.get([mode: :fast], :mode)", ":fast"),
    ]);
}

#[test]
fn string_integer_float_functions() {
    check(&[
        ("String.upcase(\"straße\")", "\"STRASSE\""),
        ("String.capitalize(\"hELLO wORLD\")", "\"Hello world\""),
        ("String.trim_trailing(\"path///\", \"/\")", "\"path\""),
        ("String.split(\"a,b,,c\", \",\", trim: true)", "[\"a\", \"b\", \"c\"]"),
        ("String.split(\"k=v=w\", \"=\", parts: 2)", "[\"k\", \"v=w\"]"),
        ("String.split(\"  many   spaces here \")", "[\"many\", \"spaces\", \"here\"]"),
        ("String.split(\"abc\", \"\")", "[\"\", \"a\", \"b\", \"c\", \"\"]"),
        ("String.replace(\"a-b-c\", \"-\", \"+\", global: false)", "\"a+b-c\""),
        ("Enum.map([\"héllo\", \"日本\", \"👍🏽\"], &{String.length(&1), byte_size(&1)})", "[{5, 6}, {2, 6}, {1, 8}]"),
        ("String.slice(\"elixir\", -3..-1)", "\"xir\""),
        ("String.slice(\"elixir\", 2, 10)", "\"ixir\""),
        ("String.pad_leading(\"42\", 5, \"0\")", "\"00042\""),
        ("String.reverse(\"año\")", "\"oña\""),
        ("String.graphemes(\"ne\\u0301e\")", "[\"n\", \"e\u{301}\", \"e\"]"),
        ("String.to_integer(\"ff\", 16)", "255"),
        ("String.to_integer(\"12x\")", "** (ArgumentError) errors were found at the given arguments:\n\n  * 1st argument: not a textual representation of an integer\n"),
        ("Integer.to_string(255, 16)", "\"FF\""),
        ("Integer.parse(\"42abc\")", "{42, \"abc\"}"),
        ("Integer.parse(\"7f\", 16)", "{127, \"\"}"),
        ("Integer.digits(9051)", "[9, 0, 5, 1]"),
        ("{Float.round(3.14159, 2), Float.round(2.5), Float.ceil(1.21, 1), Float.floor(-1.5)}", "{3.14, 3.0, 1.3, -2.0}"),
        ("Float.round(5.5675, 3)", "5.567"),
        ("{round(2.5), round(-2.5), trunc(-3.9)}", "{3, -3, -3}"),
        ("Float.parse(\"1.5abc\")", "{1.5, \"abc\"}"),
        ("String.to_float(\"2.50\")", "2.5"),
        ("to_charlist(\"hi\")", "[104, 105]"),
        ("Regex.run(~r/(\\w+)@(\\w+)\\.com/, \"mail ann@example.com now\")", "[\"ann@example.com\", \"ann\", \"example\"]"),
        ("Regex.scan(~r/\\d+/, \"a1 b22 c333\")", "[[\"1\"], [\"22\"], [\"333\"]]"),
        ("Regex.replace(~r/(\\w+)=(\\d+)/, \"a=1 b=2\", \"\\\\2:\\\\1\")", "\"1:a 2:b\""),
        ("Regex.named_captures(~r/(?<key>\\w+)=(?<val>\\d+)/, \"limit=50\")", "%{\"key\" => \"limit\", \"val\" => \"50\"}"),
        ("String.replace(\"a1b22\", ~r/\\d+/, fn m -> \"<\" <> m <> \">\" end)", "\"a<1>b<22>\""),
        ("Regex.split(~r/\\s*,\\s*/, \"a , b,c\")", "[\"a\", \"b\", \"c\"]"),
    ]);
}

#[test]
fn calendar_functions() {
    check(&[
        ("Date.add(~D[2024-02-28], 2)", "~D[2024-03-01]"),
        ("Date.diff(~D[2024-12-25], ~D[2024-01-01])", "359"),
        ("Date.day_of_week(~D[2024-07-04])", "4"),
        ("Date.new(2024, 2, 30)", "{:error, :invalid_date}"),
        ("Date.from_iso8601(\"15/06/2023\")", "{:error, :invalid_format}"),
        ("Date.shift(~D[2024-01-31], month: 1)", "~D[2024-02-29]"),
        ("NaiveDateTime.add(~N[2024-01-31 23:00:00], 3600)", "~N[2024-02-01 00:00:00]"),
        ("NaiveDateTime.diff(~N[2024-01-02 00:00:00], ~N[2024-01-01 12:00:00])", "43200"),
        ("NaiveDateTime.truncate(~N[2024-03-01 10:20:30.987654], :second)", "~N[2024-03-01 10:20:30]"),
        ("DateTime.from_iso8601(\"2024-05-01T10:00:00+02:00\")", "{:ok, ~U[2024-05-01 08:00:00Z], 7200}"),
        ("DateTime.add(~U[2024-12-31 23:59:59Z], 1)", "~U[2025-01-01 00:00:00Z]"),
        ("Time.add(~T[23:30:00], 3600)", "~T[00:30:00]"),
        ("NaiveDateTime.add(~N[2024-01-01 00:00:00], 1500, :millisecond)", "~N[2024-01-01 00:00:01.500]"),
        ("DateTime.to_unix(~U[2024-01-01 00:00:00Z])", "1704067200"),
        ("DateTime.from_unix(0)", "{:ok, ~U[1970-01-01 00:00:00Z]}"),
        ("Calendar.strftime(~N[2024-03-05 14:07:09], \"%Y-%m-%d %H:%M:%S %B %a %-d %I%p\")", "\"2024-03-05 14:07:09 March Tue 5 02PM\""),
    ]);
}

#[test]
fn decimal_and_json_functions() {
    check(&[
        ("Decimal.add(Decimal.new(\"0.1\"), Decimal.new(\"0.2\"))", "Decimal.new(\"0.3\")"),
        ("Decimal.mult(Decimal.new(\"19.99\"), 3)", "Decimal.new(\"59.97\")"),
        ("Decimal.compare(Decimal.new(\"1.0\"), Decimal.new(\"1\"))", ":eq"),
        ("Decimal.round(Decimal.new(\"2.345\"), 2)", "Decimal.new(\"2.35\")"),
        ("Decimal.round(Decimal.new(\"2.345\"), 2, :floor)", "Decimal.new(\"2.34\")"),
        ("Decimal.to_string(Decimal.new(\"1E+3\"), :normal)", "\"1000\""),
        ("Decimal.div(Decimal.new(1), Decimal.new(3))", "Decimal.new(\"0.3333333333333333333333333333\")"),
        ("Decimal.div(1, 0)", "** (Decimal.Error) division by zero"),
        ("Decimal.new(\"1.20\")", "Decimal.new(\"1.20\")"),
        ("Decimal.from_float(1.5)", "Decimal.new(\"1.5\")"),
        ("Decimal.to_integer(Decimal.new(\"42.0\"))", "42"),
        ("Decimal.equal?(Decimal.new(\"2.0\"), 2)", "true"),
        ("Decimal.sub(Decimal.new(\"1\"), Decimal.new(\"1.50\"))", "Decimal.new(\"-0.50\")"),
        (
            "Jason.encode!(%{name: \"Ann\", tags: [\"a\"], n: nil})",
            "\"{\\\"n\\\":null,\\\"name\\\":\\\"Ann\\\",\\\"tags\\\":[\\\"a\\\"]}\"",
        ),
        ("Jason.decode!(~s({\"a\": [1, 2.5, true]}))", "%{\"a\" => [1, 2.5, true]}"),
        ("Jason.decode(\"{\")", "{:error, %Jason.DecodeError{position: 1, token: nil, data: \"{\"}}"),
        (
            "Jason.encode!(%{a: [1, %{b: \"x\"}]}, pretty: true)",
            "\"{\\n  \\\"a\\\": [\\n    1,\\n    {\\n      \\\"b\\\": \\\"x\\\"\\n    }\\n  ]\\n}\"",
        ),
        ("Jason.decode!(~s({\"a\": 1}), keys: :atoms)", "%{a: 1}"),
    ]);
}

#[test]
fn processes_erlang_and_kernel_additions() {
    check(&[
        ("{:math.pow(2, 10), :math.sqrt(16)}", "{1024.0, 4.0}"),
        (":erlang.element(1, {:a, :b})", ":a"),
        ("apply(Enum, :sum, [[1, 2]])", "3"),
        ("apply(fn a -> a + 1 end, [1])", "2"),
        ("Process.put(:k, 1)\nProcess.get(:k)", "1"),
        ("send(self(), {:hi, 1})\nreceive do\n {:hi, n} -> n + 1\nafter\n 0 -> :none\nend", "2"),
        ("receive do\n x -> x\nafter\n 10 -> :timeout\nend", ":timeout"),
        ("match?({:ok, _}, {:ok, 1})", "true"),
        ("match?(x when x > 5, 3)", "false"),
        ("import Bitwise\n{band(12, 10), bor(12, 10), 12 &&& 10, 1 <<< 4, bxor(5, 1)}", "{8, 14, 8, 16, 4}"),
        (
            "{Base.encode64(\"hello\"), Base.decode64!(\"aGVsbG8=\"), Base.encode16(\"hi\", case: :lower)}",
            "{\"aGVsbG8=\", \"hello\", \"6869\"}",
        ),
        ("URI.encode_query(%{\"a\" => \"b c\", \"d\" => 1})", "\"a=b+c&d=1\""),
        ("t = Task.async(fn -> 1 + 1 end)\nTask.await(t)", "2"),
        ("{:ok, pid} = Agent.start_link(fn -> 0 end)\nAgent.update(pid, &(&1 + 5))\nAgent.get(pid, & &1)", "5"),
        ("{:lists.seq(1, 5), :lists.reverse([1, 2, 3]), :maps.get(:a, %{a: 1})}", "{[1, 2, 3, 4, 5], [3, 2, 1], 1}"),
        ("{floor(3.7), ceil(1.2), binary_part(\"hello\", 1, 3)}", "{3, 2, \"ell\"}"),
        ("<<n::16, rest::binary>> = <<1, 2, 3>>\n{n, rest}", "{258, <<3>>}"),
        ("<<a::binary-size(2), b::binary>> = \"hello\"\n{a, b}", "{\"he\", \"llo\"}"),
        ("<<x::utf8, _::binary>> = \"é!\"\nx", "233"),
        ("<<1::16, 255::8>>", "<<0, 1, 255>>"),
        ("<<a, b, rest::binary>> = \"hello\"\n{a, b, rest}", "{104, 101, \"llo\"}"),
        ("inspect(self())", "\"#PID<0.110.0>\""),
        (":erlang.float_to_binary(3.14159, decimals: 2)", "\"3.14\""),
    ]);
}

#[test]
fn protocols_guards_delegates_exceptions() {
    let prelude = r#"
defmodule Shape do
  defstruct [:kind, :size]
end
defprotocol Area do
  def area(shape)
end
defimpl Area, for: Shape do
  def area(%Shape{size: s}), do: s * s
end
defimpl Area, for: [Integer, Float] do
  def area(n), do: n
end
defmodule Guards do
  defguard is_even_pos(n) when is_integer(n) and n > 0 and rem(n, 2) == 0
  def check(n) when is_even_pos(n), do: :yes
  def check(_), do: :no
  defdelegate up(s), to: String, as: :upcase
  @spec typed(integer) :: integer
  def typed(x), do: x
end
defmodule MyError do
  defexception [:code, message: "default"]
  def message(%{code: c}), do: "code #{c}"
end
defmodule Money do
  defstruct [:cents]
  defimpl String.Chars do
    def to_string(%Money{cents: c}), do: "$#{c}"
  end
end
defmodule Cnt do
  @enforce_keys [:id]
  defstruct [:id, n: 0]
end
"#;
    let cases: Vec<(String, &str)> = [
        ("{Area.area(%Shape{size: 3}), Area.area(7), Area.area(1.5)}", "{9, 7, 1.5}"),
        ("Area.area(\"x\")", "** (Protocol.UndefinedError) protocol Area not implemented for type BitString\n\nGot value:\n\n    \"x\"\n"),
        ("{Guards.check(4), Guards.check(3), Guards.up(\"abc\"), Guards.typed(1)}", "{:yes, :no, \"ABC\", 1}"),
        ("try do\n raise MyError, code: 7\nrescue\n e in MyError -> {Exception.message(e), e.message}\nend", "{\"code 7\", \"default\"}"),
        ("{\"#{%Money{cents: 5}}\", to_string(%Money{cents: 6}), Enum.join([%Money{cents: 1}], \",\")}", "{\"$5\", \"$6\", \"$1\"}"),
        ("struct!(Cnt, n: 1)", "** (ArgumentError) the following keys must also be given when building struct Cnt: [:id]"),
        ("%Cnt{id: 1}", "%Cnt{id: 1, n: 0}"),
        ("try do\n 1 / 0\nrescue\n e in ArithmeticError -> Exception.message(e)\nend", "\"bad argument in arithmetic expression\""),
    ]
    .iter()
    .map(|(src, want)| (format!("{prelude}\n{src}"), *want))
    .collect();
    let refs: Vec<(&str, &str)> = cases.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    check(&refs);
}

/// Calls every registered function at every registered arity with a range
/// of argument shapes: none may panic (errors are fine).
#[test]
fn no_builtin_panics_on_odd_arguments() {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let samples: Vec<Value> = vec![
        Value::Nil,
        Value::Int(0),
        Value::Int(-3),
        Value::Int(i64::MAX),
        Value::Float(2.5),
        Value::str(""),
        Value::str("héllo, wörld"),
        Value::atom("x"),
        Value::list(vec![]),
        Value::list(vec![Value::Int(1), Value::Int(2)]),
        Value::keyword(vec![("a", Value::Int(1))]),
        Value::tuple(vec![]),
        Value::tuple(vec![Value::Int(1), Value::str("a")]),
        Value::map(Default::default()),
        Value::Range(1, 3, 1),
        Value::Int(i64::MIN),
        Value::Float(-0.5),
        Value::str("1.5"),
        Value::Decimal(std::rc::Rc::new(crate::value::Decimal::parse("12.50").expect("decimal"))),
        Value::Date(crate::value::Date { year: 2024, month: 2, day: 29 }),
        Value::Time(crate::value::Time { hour: 23, minute: 59, second: 59, micro: 5, precision: 6 }),
        Value::NaiveDateTime(crate::value::NaiveDateTime {
            date: crate::value::Date { year: 9999, month: 12, day: 31 },
            time: crate::value::Time { hour: 23, minute: 0, second: 0, micro: 0, precision: 0 },
        }),
        Value::DateTime(crate::value::DateTime {
            naive: crate::value::NaiveDateTime {
                date: crate::value::Date { year: 1, month: 1, day: 1 },
                time: crate::value::Time { hour: 0, minute: 0, second: 0, micro: 0, precision: 0 },
            },
        }),
        Value::keyword(vec![("day", Value::Int(i64::MAX)), ("hour", Value::Int(i64::MIN))]),
        Value::list(vec![Value::list(vec![Value::Int(1)]), Value::tuple(vec![Value::atom("a"), Value::Int(1)])]),
    ];
    let interp = crate::interp();
    let funs = interp.builtins.functions();
    let mut shared = crate::interp();
    shared.limits.max_steps = 100_000;
    let mut panics = Vec::new();
    for (m, n, arities) in funs {
        // Functions that legitimately wait or loop on their input are skipped.
        if matches!(n, "duplicate" | "seq") {
            continue;
        }
        for arity in arities {
            let mut arg_sets: Vec<Vec<Value>> = Vec::new();
            for k in 0..samples.len() {
                arg_sets.push((0..arity).map(|j| samples[(k + j * 3) % samples.len()].clone()).collect());
                arg_sets.push((0..arity).map(|j| samples[(k + j * 5 + 1) % samples.len()].clone()).collect());
                arg_sets.push(vec![samples[k].clone(); arity]);
            }
            for args in arg_sets {
                let f = shared.builtins.function(m, n, arity);
                if let Some(f) = f {
                    shared.steps = 0;
                    let r = catch_unwind(AssertUnwindSafe(|| f(&mut shared, args.clone(), crate::diag::Span::NONE)));
                    if r.is_err() {
                        panics.push(format!("{m}.{n}/{arity} with {args:?}"));
                        shared = crate::interp();
                    }
                }
            }
        }
    }
    assert!(panics.is_empty(), "{} panics:\n{}", panics.len(), panics.join("\n"));
}

#[test]
fn generality_round_one() {
    check(&[
        ("Enum.slide([:a, :b, :c, :d], 0, 2)", "[:b, :c, :a, :d]"),
        ("Enum.slide([:a, :b, :c, :d, :e, :f, :g], 1..3, 5)", "[:a, :e, :f, :b, :c, :d, :g]"),
        ("Enum.slide([:a, :b, :c, :d, :e, :f, :g], 3..5, 1)", "[:a, :d, :e, :f, :b, :c, :g]"),
        ("{String.upcase(\"ß\", :ascii), String.downcase(\"ÉA\", :ascii), String.capitalize(\"éLAN\", :ascii)}", "{\"ß\", \"Éa\", \"élan\"}"),
        ("String.split(\"a1b2c\", ~r/\\d/, include_captures: true)", "[\"a\", \"1\", \"b\", \"2\", \"c\"]"),
        ("String.splitter(\"a b c\", \" \") |> Enum.to_list()", "[\"a\", \"b\", \"c\"]"),
        ("{Module.concat([School, Student]), Module.concat(\"Elixir.A\", B), Module.split(School.Student)}", "{School.Student, A.B, [\"School\", \"Student\"]}"),
        ("Integer.extended_gcd(240, 46)", "{2, -9, 47}"),
        ("String.bag_distance(\"abc\", \"abd\")", "0.6666666666666667"),
        ("Function.identity(3)", "3"),
        ("try do exit(:boom) catch :exit, reason -> {:exit, reason} end", "{:exit, :boom}"),
        ("try do raise \"x\" catch :error, %RuntimeError{message: m} -> m end", "\"x\""),
        ("try do throw(1) catch kind, v -> {kind, v} end", "{:throw, 1}"),
        ("try do raise \"x\" rescue _ in ArgumentError -> :arg catch :error, _ -> :caught after :ok end", ":caught"),
        ("List.first(:not_list)", "** (FunctionClauseError) no function clause matching in List.first/2"),
        ("x = nil\nx.name", "** (UndefinedFunctionError) function nil.name/0 is undefined. If you are using the dot syntax, such as map.field or module.function(), make sure the left side of the dot is an atom or a map"),
    ]);
}

#[test]
fn generality_round_two() {
    check(&[
        ("defmodule G.A do\n  defmodule Inner do\n    def hi, do: :hi\n  end\n  alias __MODULE__.Inner\n  def call, do: Inner.hi()\nend\nG.A.call()", ":hi"),
        ("defmodule G.U do\n  @derive {Inspect, only: [:name]}\n  defstruct [:name, :pw]\nend\ninspect(%G.U{name: \"a\", pw: \"p\"})", "\"#G.U<name: \\\"a\\\", ...>\""),
        ("defmodule G.V do\n  @derive {Inspect, except: [:pw]}\n  defstruct [:id, :pw]\nend\n%G.V{id: 1}", "#G.V<id: 1, ...>"),
        ("defmodule G.M do\n  defstruct [:n]\nend\ndefimpl Inspect, for: G.M do\n  def inspect(m, _), do: \"#M<#{m.n}>\"\nend\ninspect([%G.M{n: 2}])", "\"[#M<2>]\""),
        ("%ArgumentError{message: \"m\"}", "%ArgumentError{message: \"m\"}"),
        ("try do Map.fetch!(%{}, :x) rescue e in KeyError -> {e.key, e.term} end", "{:x, %{}}"),
        ("try do raise KeyError, key: :k, term: [] rescue e -> {e.key, e.term} end", "{:k, []}"),
    ]);
}

#[test]
fn lazy_streams() {
    check(&[
        ("Stream.iterate(1, &(&1 * 2)) |> Enum.take(5)", "[1, 2, 4, 8, 16]"),
        ("Stream.iterate(1, &(&1 * 2)) |> Stream.map(&(&1 + 1)) |> Enum.take(3)", "[2, 3, 5]"),
        ("Stream.cycle([1, 2]) |> Enum.take(5)", "[1, 2, 1, 2, 1]"),
        ("Stream.unfold({0, 1}, fn {a, b} -> {a, {b, a + b}} end) |> Enum.take(8)", "[0, 1, 1, 2, 3, 5, 8, 13]"),
        ("Stream.unfold(3, fn 0 -> nil; n -> {n, n - 1} end) |> Enum.to_list()", "[3, 2, 1]"),
        ("Stream.iterate(1, &(&1 + 1)) |> Stream.filter(&(rem(&1, 2) == 0)) |> Stream.take_while(&(&1 < 9)) |> Enum.to_list()", "[2, 4, 6, 8]"),
        ("Stream.iterate(1, &(&1 * 3)) |> Enum.find(&(&1 > 100))", "243"),
        ("Enum.zip(Stream.iterate(1, &(&1 + 1)), [:a, :b])", "[{1, :a}, {2, :b}]"),
        ("Stream.repeatedly(fn -> :x end) |> Stream.with_index(1) |> Enum.take(2)", "[x: 1, x: 2]"),
        ("Stream.iterate(1, &(&1 + 1)) |> Stream.chunk_every(2) |> Enum.take(2)", "[[1, 2], [3, 4]]"),
        ("Stream.iterate(1, &(&1 + 1)) |> Stream.take(100) |> Enum.sum()", "5050"),
        ("Stream.iterate(1, &(&1 + 1)) |> Enum.reduce_while(0, fn x, acc -> if acc + x > 10, do: {:halt, acc}, else: {:cont, acc + x} end)", "10"),
        ("for x <- Stream.iterate(1, &(&1 + 1)) |> Stream.take(3), do: x * 10", "[10, 20, 30]"),
    ]);
}

#[test]
fn doc_examples_round_one() {
    check(&[
        ("Keyword.merge([a: 1, b: 2], [a: 3, d: 4, a: 5], fn :a, v1, v2 -> v1 + v2 end)", "[b: 2, a: 4, d: 4, a: 5]"),
        ("Keyword.validate([three: 3, four: 4], [one: 1, two: 2])", "{:error, [:four, :three]}"),
        ("String.downcase(\"ΣΣ\")", "\"σσ\""),
        ("String.split(\"no\\u00a0break\")", "[\"no\\u00A0break\"]"),
        ("List.to_charlist([?a, \"bc\"])", "[97, 98, 99]"),
        ("first..last//step = 1..9//2\n{first, last, step}", "{1, 9, 2}"),
        ("a..b = 3..7\n{a, b}", "{3, 7}"),
        ("String.slice(\"elixir\", ..)", "\"elixir\""),
    ]);
}

#[test]
fn generality_round_three() {
    check(&[
        ("defmodule G.H do\n  def add(a, b \\\\ 1)\n  def add(a, b) when is_integer(b), do: a + b\n  def add(a, b), do: {a, b}\nend\n{G.H.add(2), G.H.add(2, 3), G.H.add(2, :x), (&G.H.add/2).(1, 1)}", "{3, 5, {2, :x}, 2}"),
        ("<<\"é\"::utf8, 0x1F600::utf8>>", "\"é😀\""),
        ("byte_size(<<\"ab\"::utf16>>)", "4"),
    ]);
}

#[test]
fn big_integers() {
    check(&[
        ("2 ** 100", "1267650600228229401496703205376"),
        ("Enum.reduce(1..25, 1, &*/2)", "15511210043330985984000000"),
        ("9_223_372_036_854_775_807 + 1", "9223372036854775808"),
        ("-9_223_372_036_854_775_808 - 1", "-9223372036854775809"),
        ("{div(2 ** 100, 3), rem(2 ** 100, 7), 2 ** 64 - 2 ** 64}", "{422550200076076467165567735125, 2, 0}"),
        (
            "{\"#{2 ** 70}\", Integer.to_string(2 ** 70, 16), inspect(2 ** 70, base: :hex)}",
            "{\"1180591620717411303424\", \"400000000000000000\", \"0x400000000000000000\"}",
        ),
        ("String.to_integer(\"123456789012345678901234567890\")", "123456789012345678901234567890"),
        ("{2 ** 64 > 2 ** 63, 2 ** 64 == 1.8446744073709552e19, is_integer(2 ** 70)}", "{true, true, true}"),
    ]);
}

/// Lists built by prepending (cons cells), their tails and slices, and
/// persistent maps and sets answer as before: same values, order and inspect.
#[test]
fn persistent_lists_maps_and_sets() {
    check(&[
        ("(l = Enum.reduce(1..20, [], &[&1 | &2]); [a, b | rest] = l; {a, b, length(rest), hd(rest)})", "{20, 19, 18, 18}"),
        ("Enum.reduce(1..20, [], &[&1 | &2]) == Enum.to_list(20..1//-1)", "true"),
        ("Enum.reduce(1..20, [], &[&1 | &2]) > Enum.to_list(20..2//-1)", "true"),
        ("Enum.reduce(1..20, [], &[&1 | &2]) < [20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 | :x]", "false"),
        ("Enum.reduce(1..12, [], &[&1 | &2])", "[12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]"),
        ("tl(tl(Enum.to_list(1..5)))", "[3, 4, 5]"),
        ("tl([1])", "[]"),
        ("hd([])", "** (ArgumentError) errors were found at the given arguments:\n\n  * 1st argument: not a nonempty list\n"),
        ("tl(:a)", "** (ArgumentError) errors were found at the given arguments:\n\n  * 1st argument: not a nonempty list\n"),
        ("String.duplicate(\"ab\", -1)", "** (FunctionClauseError) no function clause matching in String.duplicate/2"),
        ("length(Enum.reduce(1..30, [], &[&1 | &2]))", "30"),
        ("Enum.drop(Enum.reduce(1..20, [], &[&1 | &2]), 17)", "[3, 2, 1]"),
        ("Enum.drop(Enum.reduce(1..20, [], &[&1 | &2]), 25)", "[]"),
        ("{Enum.at(Enum.reduce(1..20, [], &[&1 | &2]), 19), Enum.at(Enum.reduce(1..20, [], &[&1 | &2]), 20, :none), Enum.at(Enum.reduce(1..20, [], &[&1 | &2]), -2)}", "{1, :none, 2}"),
        ("{Enum.fetch(Enum.reduce(1..20, [], &[&1 | &2]), 20), Enum.fetch(Enum.reduce(1..20, [], &[&1 | &2]), 3), Enum.fetch!(Enum.reduce(1..20, [], &[&1 | &2]), 0)}", "{:error, {:ok, 17}, 20}"),
        ("Enum.fetch!(Enum.reduce(1..20, [], &[&1 | &2]), 20)", "** (Enum.OutOfBoundsError) out of bounds error"),
        ("Enum.take(Enum.reduce(1..20, [], &[&1 | &2]), 3)", "[20, 19, 18]"),
        ("{List.first(Enum.reduce(1..20, [], &[&1 | &2])), List.last(Enum.reduce(1..20, [], &[&1 | &2])), List.first([]), List.last([], :d)}", "{20, 1, nil, :d}"),
        ("List.first(:x)", "** (FunctionClauseError) no function clause matching in List.first/2"),
        ("{:lists.nthtail(2, [1, 2, 3]), :lists.nthtail(5, [1, 2, 3])}", "{[3], []}"),
        ("[0 | Enum.to_list(1..20)] |> Enum.sum()", "210"),
        ("length([1, 2] ++ Enum.to_list(3..20))", "20"),
        ("[1, 2 | Enum.to_list(3..20)] == Enum.to_list(1..20)", "true"),
        ("[1, 2 | :tail]", "[1, 2 | :tail]"),
        ("[1 | [2 | [3 | []]]]", "[1, 2, 3]"),
        ("(defmodule S do def sum([], a), do: a; def sum([h | t], a), do: sum(t, a + h) end; S.sum(Enum.reduce(1..100, [], &[&1 | &2]), 0))", "5050"),
        ("inspect([?a | ~c\"bcdefghijklmnop\"])", "\"~c\\\"abcdefghijklmnop\\\"\""),
        ("match?([_, _ | _], Enum.reduce(1..20, [], &[&1 | &2]))", "true"),
        ("Enum.reverse(Enum.reduce(1..20, [], &[&1 | &2])) == Enum.to_list(1..20)", "true"),
        ("{Enum.empty?(Enum.reduce(1..20, [], &[&1 | &2])), Enum.empty?([]), Enum.count(Enum.reduce(1..20, [], &[&1 | &2]))}", "{false, true, 20}"),
        ("Enum.reduce(1..20, [], &[&1 | &2]) |> Enum.map(&(&1 * 2)) |> Enum.take(-2)", "[4, 2]"),
        ("(l = Enum.reduce(1..20, [], &[&1 | &2]); {inspect(l), l == tl([0 | l]), hd(tl(l))})", "{\"[20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]\", true, 19}"),
        ("(l = Enum.reduce(1..20, [], &[&1 | &2]); m = [:x | l]; {length(m), Enum.at(m, 20), List.last(m)})", "{21, 1, 1}"),
        ("{MapSet.difference(MapSet.new([1, 2, 3]), MapSet.new([2, 4])), MapSet.symmetric_difference(MapSet.new([1, 2, 3]), MapSet.new([2, 4])), MapSet.intersection(MapSet.new([1, 2, 3]), MapSet.new([2, 4])), MapSet.union(MapSet.new([1, 2, 3]), MapSet.new([2, 4]))}", "{MapSet.new([1, 3]), MapSet.new([1, 3, 4]), MapSet.new([2]), MapSet.new([1, 2, 3, 4])}"),
        ("{MapSet.disjoint?(MapSet.new([1, 2]), MapSet.new([3])), MapSet.disjoint?(MapSet.new([1, 2]), MapSet.new([2, 3])), MapSet.subset?(MapSet.new([1]), MapSet.new([1, 2]))}", "{true, false, true}"),
        ("(m = %{a: 1}; m2 = Map.put(m, :b, 2); {m, m2, Map.delete(m2, :a), m2})", "{%{a: 1}, %{a: 1, b: 2}, %{b: 2}, %{a: 1, b: 2}}"),
        ("Enum.reduce(1..5, %{}, &Map.put(&2, &1, &1 * &1))", "%{1 => 1, 2 => 4, 3 => 9, 4 => 16, 5 => 25}"),
        ("%{%{b: 1} => 1, [1] => 2, {1} => 3, :a => 4, 1 => 5, \"s\" => 6}", "%{1 => 5, :a => 4, {1} => 3, %{b: 1} => 1, [1] => 2, \"s\" => 6}"),
        ("{Map.keys(%{b: 2, a: 1}), Map.values(%{b: 2, a: 1}), Map.to_list(%{b: 2, a: 1})}", "{[:a, :b], [1, 2], [a: 1, b: 2]}"),
        ("%{1 => :a, 1.0 => :b}", "%{1 => :a, 1.0 => :b}"),
        ("MapSet.new([3, 1, 2, 1.0])", "MapSet.new([1, 1.0, 2, 3])"),
        ("Jason.encode!(%{b: [1, 2 | [3]], a: Enum.reduce(1..10, [], &[&1 | &2])})", "\"{\\\"a\\\":[10,9,8,7,6,5,4,3,2,1],\\\"b\\\":[1,2,3]}\""),
        ("Enum.frequencies(~w(a b a))", "%{\"a\" => 2, \"b\" => 1}"),
        ("Ecto.Multi.new() |> Ecto.Multi.put(:a, 1) |> Ecto.Multi.append(Ecto.Multi.new() |> Ecto.Multi.put(:b, 2)) |> Ecto.Multi.to_list()", "[a: {:put, 1}, b: {:put, 2}]"),
    ]);
}

#[test]
fn fidelity_with_elixir_1_18() {
    check(&[
        // atoms that need quotes, and atoms with `@`
        (r#"[:a@b, :+, :"A.b", :"foo bar", :"9a", :"a-b", :Foo, :"Elixir.foo", :"::", :..//]"#, r#"[:a@b, :+, :"A.b", :"foo bar", :"9a", :"a-b", :Foo, :"Elixir.foo", :"::", :..//]"#),
        (r#"String.to_atom("node@host.x")"#, r#":"node@host.x""#),
        // keyword lists with keys that need quotes
        (r#"["foo bar": 1, "a-b": 2, ok: 3, Foo: 4, "a@b": 5]"#, r#"["foo bar": 1, "a-b": 2, ok: 3, Foo: 4, a@b: 5]"#),
        // to_string and interpolation of module aliases keep `Elixir.`
        (r##"{to_string(Foo), "#{Foo.Bar}", to_string(:foo), Atom.to_string(Foo)}"##, r#"{"Elixir.Foo", "Elixir.Foo.Bar", "foo", "Elixir.Foo"}"#),
        (r#"to_string([:a])"#, "** (ArgumentError) cannot convert the given list to a string.\n\nTo be converted to a string, a list must either be empty or only contain the following elements:\n\n  * strings\n  * integers representing Unicode code points\n  * a list containing one of these three elements\n\nPlease check the given list or call inspect/1 to get the list representation, got:\n\n:a"),
        // membership: `in` and lists:member/2 match exactly, the key functions compare with ==
        ("{1 in [1.0], 1.0 in [1], 2.0 in [1, 2], 1.0 in 1..3, Enum.member?([1.0], 1), :lists.member(1, [1.0])}", "{false, false, false, false, false, false}"),
        ("{List.keyfind([{1.0, :a}], 1, 0), List.keymember?([{1.0, :a}], 1, 0), :lists.keyfind(1, 1, [{1.0, :a}]), List.keydelete([{1.0, :a}, {1, :b}], 1, 0)}", "{{1.0, :a}, true, {1.0, :a}, [{1, :b}]}"),
        ("case 1.0 do x when x in [1, 2] -> :in; _ -> :out end", ":out"),
        // exceptions are structs with `__exception__: true`, which inspect leaves out
        ("{Map.keys(%RuntimeError{}), %RuntimeError{message: \"m\"}}", "{[:__exception__, :__struct__, :message], %RuntimeError{message: \"m\"}}"),
        ("try do :erlang.error(:custom) catch :error, r -> r end", ":custom"),
        ("Regex.opts(~r/x/iu)", "[:unicode, :ucp, :caseless]"),
        ("Regex.names(~r/(?<y>\\d)(?<m>\\d)/)", "[\"m\", \"y\"]"),
        // inspect escapes as Code.Identifier.escape/4
        (r#"["\x7F", "\u200B", "a\u00A0b", "\uFEFF"]"#, r#"["\d", "\u200B", "a\u00A0b", "\uFEFF"]"#),
        (r#"{String.trim("\u00A0 x \u2003"), String.split("a\u00A0b c"), String.upcase(<<255, ?a>>)}"#, r#"{"x", ["a\u00A0b", "c"], <<255, 65>>}"#),
        // calendar
        ("{Date.from_iso8601(\"20240101\"), DateTime.to_iso8601(~U[2024-01-01 10:00:00Z], :basic), Date.range(~D[2024-01-01], ~D[2024-01-02]).first_in_iso_days}", "{{:error, :invalid_format}, \"20240101T100000Z\", 739251}"),
        ("Calendar.strftime(~N[2024-03-05 00:07:09.123456], \"%3f %f\")", "\"123456 123456\""),
        ("(require Integer; {Integer.is_even(4), Integer.is_odd(4)})", "{true, false}"),
        ("Integer.is_even(4)", "** (UndefinedFunctionError) function Integer.is_even/1 is undefined or private"),
    ]);
}

#[test]
fn exunit_assertions() {
    let msg = |code: &str| format!("import ExUnit.Assertions\ntry do\n  {code}\nrescue\n  e -> Exception.message(e)\nend");
    check(&[
        ("import ExUnit.Assertions\nassert {:ok, v} = {:ok, 3}\nv * 2", "6"),
        ("import ExUnit.Assertions\n{assert(1 < 2), refute(1 > 2), refute(nil)}", "{true, false, nil}"),
        (&msg("assert 1 + 1 == 3"), r#""\n\nAssertion with == failed\ncode:  assert 1 + 1 == 3\nleft:  2\nright: 3\n""#),
        (&msg("assert 2 > 2"), r#""\n\nAssertion with > failed, both sides are exactly equal\ncode: assert 2 > 2\nleft: 2\n""#),
        (
            &msg("x = 1\n  assert %{a: ^x} = %{a: 2}"),
            r#""\n\nmatch (=) failed\n     The following variables were pinned:\n       x = 1\ncode:  assert %{a: ^x} = %{a: 2}\nleft:  %{a: ^x}\nright: %{a: 2}\n""#,
        ),
        (
            &msg("assert String.contains?(\"ab\", String.upcase(\"z\"))"),
            r#""\n\nExpected truthy, got false\ncode: assert String.contains?(\"ab\", String.upcase(\"z\"))\narguments:\n\n         # 1\n         \"ab\"\n\n         # 2\n         \"Z\"\n\n""#,
        ),
        (&msg("assert_raise ArgumentError, fn -> :ok end"), r#""\n\nExpected exception ArgumentError but nothing was raised\n""#),
        (
            &msg("assert_received :never"),
            r#""\n\nAssertion failed, no matching message after 0ms\n     The process mailbox is empty.\ncode: assert_received :never\n""#,
        ),
        (
            "import ExUnit.Assertions\nsend(self(), {:n, 1})\nsend(self(), {:n, 5})\n{assert_received({:n, x} when x > 2), x}",
            "{{:n, 5}, 5}",
        ),
        (
            "import ExUnit.Assertions\n{catch_throw(throw(:t)), catch_exit(exit(:e)), catch_error(raise \"r\")}",
            "{:t, :e, %RuntimeError{message: \"r\"}}",
        ),
        ("%ExUnit.AssertionError{}.context", ":=="),
    ]);
    // with the source known, quoted code carries its lines
    let src = "import ExUnit.Assertions\ntry do\n  assert 1 == 2\nrescue\n  e -> e.expr\nend";
    let mut interp = crate::interp();
    interp.set_source(src);
    let v = interp.eval(&syntax::parse(src).root, &mut Interp::env_with_imports(&[])).map(|v| inspect::inspect(&v));
    assert_eq!(v.ok().as_deref(), Some("{:assert, [line: 3], [{:==, [line: 3], [1, 2]}]}"));
}

#[test]
fn quoted_terms_and_macro_to_string() {
    check(&[
        ("quote(do: check(1, 2))", "{:check, [], [1, 2]}"),
        ("quote(do: a.b)", "{{:., [], [{:a, [], nil}, :b]}, [no_parens: true], []}"),
        ("Macro.to_string(quote(do: Enum.map(list, &(&1 * 2)) |> Enum.sum()))", r#""Enum.map(list, &(&1 * 2)) |> Enum.sum()""#),
        ("Macro.to_string(quote(do: %{\"a\" => 1, b: [c: 2]}))", r#""%{\"a\" => 1, b: [c: 2]}""#),
        ("Macro.to_string(quote(do: Enum.map(posts, & &1.title)))", r#""Enum.map(posts, & &1.title)""#),
        ("Macro.to_string(quote(do: & &1))", r#""& &1""#),
        ("Macro.to_string(quote(do: (a + b) * c - -d))", r#""(a + b) * c - -d""#),
        ("Macro.to_string(quote(do: m[:k].name))", r#""m[:k].name""#),
        ("Macro.to_string(quote(do: fn {:ok, x} -> x end))", r#""fn {:ok, x} -> x end""#),
        ("Macro.to_string(quote(do: &String.upcase/1))", r#""&String.upcase/1""#),
        ("Macro.to_string(quote(do: \"hi #{name}!\"))", r#""\"hi \#{name}!\"""#),
        ("Macro.to_string(quote(do: x not in [1, 2]))", r#""x not in [1, 2]""#),
        ("Macro.to_string(quote(do: if(a, do: b, else: c)))", r#""if a do\n  b\nelse\n  c\nend""#),
    ]);
}

#[test]
fn telemetry_handlers() {
    check(&[
        (
            "parent = self()\n:telemetry.attach(\"h\", [:a, :b], fn e, m, md, c -> send(parent, {e, m, md, c}) end, :cfg)\n:telemetry.execute([:a, :b], %{n: 1}, %{k: 2})\n{:telemetry.attach(\"h\", [:x], fn _, _, _, _ -> :ok end, nil), :telemetry.detach(\"h\"), :telemetry.detach(\"h\"), receive do m -> m after 0 -> nil end}",
            "{{:error, :already_exists}, :ok, {:error, :not_found}, {[:a, :b], %{n: 1}, %{k: 2}, :cfg}}",
        ),
        (
            ":telemetry.attach(\"bad\", [:c], fn _, _, _, _ -> raise \"x\" end, nil)\n{:telemetry.execute([:c], %{}, %{}), :telemetry.list_handlers([:c])}",
            "{:ok, []}",
        ),
    ]);
}

#[test]
fn huge_counts_stop_before_allocating() {
    let huge = "9223372036854775807";
    for src in [
        format!("Tuple.duplicate({{}}, {huge})"),
        format!("List.duplicate(1, {huge})"),
        format!(":lists.duplicate({huge}, 1)"),
        format!("String.duplicate(\"ab\", {huge})"),
        format!(":binary.copy(\"ab\", {huge})"),
        format!("String.pad_leading(\"a\", {huge})"),
        format!(":lists.seq(-1, {huge})"),
        format!(":lists.seq({huge}, -1, -1)"),
        format!("Enum.to_list(-1..{huge})"),
        "Tuple.duplicate(1, 100_000_000)".to_string(),
    ] {
        let got = run(&src);
        assert!(got.starts_with("** (RuntimeError) evaluation stopped: out of memory"), "{src}: {got}");
    }
    check(&[
        ("Tuple.duplicate(:a, -1)", "** (ArgumentError) Tuple.duplicate/2 expected a non-negative size, got: -1"),
        (":binary.copy(\"ab\", 2)", "\"abab\""),
        (":lists.seq(9223372036854775806, 9223372036854775807)", "[9223372036854775806, 9223372036854775807]"),
        (":lists.seq(1, 10, 4)", "[1, 5, 9]"),
        (":lists.seq(5, 1, -2)", "[5, 3, 1]"),
        ("Enum.to_list(9223372036854775806..9223372036854775807)", "[9223372036854775806, 9223372036854775807]"),
    ]);
}

#[test]
fn integers_beyond_i64_are_exact() {
    check(&[
        ("Integer.floor_div(-9223372036854775808, -1)", "9223372036854775808"),
        ("Integer.gcd(-9223372036854775808, 0)", "9223372036854775808"),
        ("trunc(1.0e20)", "100000000000000000000"),
        ("round(-1.0e19)", "-10000000000000000000"),
        ("floor(-1.5e19)", "-15000000000000000000"),
        ("ceil(9.3e18)", "9300000000000000000"),
        ("trunc(2.5)", "2"),
        ("Integer.parse(\"99999999999999999999999rest\")", "{99999999999999999999999, \"rest\"}"),
        ("Integer.parse(\"-ffffffffffffffffff\", 16)", "{-4722366482869645213695, \"\"}"),
        ("Bitwise.bsl(1, 64)", "18446744073709551616"),
        ("Bitwise.bsl(-3, 70)", "-3541774862152233910272"),
    ]);
}

#[test]
fn huge_numbers_stop_quickly() {
    let started = std::time::Instant::now();
    let long = "9".repeat(1_000_000);
    assert!(run(&format!("String.to_integer(\"{long}\")")).starts_with("** (ArgumentError)"));
    assert!(run("Decimal.new(\"1e1000000000\") |> Decimal.to_string(:normal)").contains("out of memory"));
    assert_eq!(run("Decimal.new(\"1e1000000000\") |> Decimal.to_float()"), "** (ArgumentError) cannot convert 1E+1000000000 to float");
    let digits = "7".repeat(50_000);
    assert_eq!(run(&format!("String.to_integer(\"{digits}\") |> rem(1000)")), "777");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
}

#[test]
fn decimal_integer_division_of_far_apart_exponents_is_refused_at_once() {
    let started = std::time::Instant::now();
    for src in ["Decimal.rem(Decimal.new(\"1e1000000000\"), 9223372036854775807)", "Decimal.div_int(Decimal.new(\"1e1000000000\"), 7)"] {
        assert!(run(src).starts_with("** (Decimal.Error)"), "{src}: {}", run(src));
    }
    check(&[("Decimal.rem(Decimal.new(\"1e20\"), 7) |> Decimal.to_string()", "\"2\"")]);
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[test]
fn iso_parsing_refuses_non_ascii_text() {
    check(&[
        ("Time.from_iso8601(\"10:00:\u{d7ff}00\")", "{:error, :invalid_format}"),
        ("Date.from_iso8601(\"2024-0\u{e9}-1\")", "{:error, :invalid_format}"),
        ("NaiveDateTime.from_iso8601(\"2024-01-01T10:0\u{a0}:00\")", "{:error, :invalid_format}"),
        ("DateTime.from_iso8601(\"2024-01-01T10:00:00+0\u{e9}0\")", "{:error, :invalid_format}"),
        ("Time.from_iso8601(\"10:00:00\")", "{:ok, ~T[10:00:00]}"),
    ]);
}

#[test]
fn regexes_without_u_read_bytes_with_latin1_classes() {
    check(&[
        ("Regex.scan(~r/[\\w.]+/, \"a.b ñ c_d\")", "[[\"a.b\"], [<<195>>], [\"c_d\"]]"),
        ("Regex.run(~r/./, \"é\")", "[<<195>>]"),
        ("Regex.run(~r/./u, \"é\")", "[\"é\"]"),
        ("Regex.run(~r/\\w+/, \"ñandú\", return: :index)", "[{0, 1}]"),
        ("{\"ñ\" =~ ~r/^\\w$/, \"ñ\" =~ ~r/^\\w$/u}", "{false, true}"),
        ("Regex.scan(~r/\\d/, \"a1b2ü3\", return: :index, offset: 3)", "[[{3, 1}], [{6, 1}]]"),
        ("String.replace(\"naïve\", ~r/[^a-z]/, \"?\")", "\"na??ve\""),
        ("String.split(\"héllo wörld\", ~r/\\s+/)", "[\"héllo\", \"wörld\"]"),
        ("Regex.split(~r/é/, \"aébéc\")", "[\"a\", \"b\", \"c\"]"),
        ("Regex.run(~r/(.)/, <<255, 65>>)", "[<<255>>, <<255>>]"),
        ("Regex.run(~r/é/i, \"CAFÉ café\", return: :index)", "[{9, 2}]"),
    ]);
}

#[test]
fn global_matching_follows_re_run() {
    check(&[
        ("Regex.scan(~r/a*/, \"baaac\")", "[[\"\"], [\"aaa\"], [\"\"], [\"\"]]"),
        ("Regex.replace(~r/a*/, \"baaac\", \"-\")", "\"-b--c-\""),
        ("Regex.split(~r{}, \"abc\")", "[\"\", \"a\", \"b\", \"c\", \"\"]"),
        ("Regex.split(~r{a(?<second>b)c}, \"abc\")", "[\"\", \"\"]"),
        ("Regex.split(~r{a(?<second>b)c}, \"abc\", on: [:second])", "[\"a\", \"c\"]"),
        ("Regex.split(~r{(x)}, \"Elixir\", include_captures: true)", "[\"Eli\", \"x\", \"ir\"]"),
        ("Regex.split(~r{a(?<second>b)c}, \"abc\", on: [:second], include_captures: true)", "[\"a\", \"b\", \"c\"]"),
        ("String.split(\" a  b \", ~r/\\s+/, trim: true)", "[\"a\", \"b\"]"),
        ("String.split(\"a,b,,c\", ~r/,/, parts: 3)", "[\"a\", \"b\", \",c\"]"),
        ("Regex.scan(~r/^a/, \"aaa\", offset: 1)", "[]"),
    ]);
}

#[test]
fn bitstrings_of_any_length() {
    check(&[
        ("<<1::3>>", "<<1::size(3)>>"),
        ("<<97, 1::3>>", "<<97, 1::size(3)>>"),
        ("for <<x::4 <- <<0xAB>> >>, do: x", "[10, 11]"),
        ("{bit_size(<<1::3, 2::7>>), byte_size(<<1::3, 2::7>>)}", "{10, 2}"),
        ("{is_binary(<<1::1>>), is_bitstring(<<1::1>>)}", "{false, true}"),
        ("<<a::3, b::5>> = <<0xFF>>\n{a, b}", "{7, 31}"),
        ("<<h::1, rest::bitstring>> = <<0x80, 1>>\n{h, rest}", "{1, <<0, 1::size(7)>>}"),
        ("<<1::1, 0::1, 1::1>> == <<5::3>>", "true"),
        ("Enum.sort([<<1::1>>, <<0>>, \"a\", <<1::3>>])", "[<<0>>, <<1::size(3)>>, \"a\", <<1::size(1)>>]"),
        ("for <<r::8, g::8, b::8 <- <<1, 2, 3, 4, 5, 6, 7>> >>, do: {r, g, b}", "[{1, 2, 3}, {4, 5, 6}]"),
        ("for <<c::utf8 <- \"hé\">>, do: c", "[104, 233]"),
        ("<<-1::4>>", "<<15::size(4)>>"),
        ("<<x::signed-4, _::4>> = <<0xF0>>\nx", "-1"),
        ("<<(<<1::3>>)::bitstring, 1::5>>", "\"!\""),
        ("<<x::bits-size(3), _::bits>> = <<0xE0>>\nx", "<<7::size(3)>>"),
        ("match?(<<_::binary>>, <<1::3>>)", "false"),
        (
            "x = <<1::3>>\nx <> \"a\"",
            "** (ArgumentError) construction of binary failed: segment 1 of type 'binary': expected a binary but got: <<1::size(3)>>",
        ),
    ]);
}

#[test]
fn pinned_map_keys_in_patterns() {
    check(&[
        ("k = :a\ncase %{a: 1} do\n  %{^k => v} -> v\nend", "1"),
        ("k = \"x\"\n%{^k => v} = %{\"x\" => 5}\nv", "5"),
        ("k = :b\nmatch?(%{^k => _}, %{a: 1})", "false"),
    ]);
}

#[test]
fn durations() {
    check(&[
        ("Duration.new!(year: 1, week: 3, hour: 4, second: 1)", "%Duration{year: 1, week: 3, hour: 4, second: 1}"),
        ("Duration.add(Duration.new!(week: 2, day: 1), Duration.new!(day: 2))", "%Duration{week: 2, day: 3}"),
        (
            "Duration.subtract(Duration.new!(microsecond: {400, 6}), Duration.new!(microsecond: {600, 3}))",
            "%Duration{microsecond: {-200, 6}}",
        ),
        ("Duration.multiply(Duration.new!(day: 1, minute: 15, second: -10), 3)", "%Duration{day: 3, minute: 45, second: -30}"),
        ("Duration.from_iso8601(\"-PT10H-30M\")", "{:ok, %Duration{hour: -10, minute: 30}}"),
        ("Duration.from_iso8601(\"PT4.650S\")", "{:ok, %Duration{second: 4, microsecond: {650000, 3}}}"),
        ("Duration.to_iso8601(Duration.new!(second: 1, microsecond: {-1_200_000, 4}))", "\"PT-0.2000S\""),
        ("Duration.to_string(Duration.new!(day: 40, hour: 12, minute: 42, second: 12))", "\"40d 12h 42min 12s\""),
        ("Date.shift(~D[2016-01-03], Duration.new!(month: 2))", "~D[2016-03-03]"),
        ("{to_timeout(hour: 24) == to_timeout(day: 1), to_timeout(second: 2)}", "{true, 2000}"),
        ("%Duration{}", "%Duration{}"),
        (
            "Duration.new!(foo: 1)",
            "** (ArgumentError) unknown unit :foo. Expected :year, :month, :week, :day, :hour, :minute, :second, :microsecond",
        ),
    ]);
}

#[test]
fn pretty_inspect_lays_out_like_inspect_algebra() {
    check(&[
        (
            "inspect(Enum.to_list(1..30), pretty: true)",
            "\"[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,\\n 23, 24, 25, 26, 27, 28, 29, 30]\"",
        ),
        (
            "inspect({:parameterized, {Ecto.Enum, %{embed_as: :self, mappings: [a: \"a\", b: \"b\"], type: :string, on_dump: %{a: \"a\", b: \"b\"}}}}, pretty: true)",
            "\"{:parameterized,\\n {Ecto.Enum,\\n  %{\\n    embed_as: :self,\\n    mappings: [a: \\\"a\\\", b: \\\"b\\\"],\\n    on_dump: %{a: \\\"a\\\", b: \\\"b\\\"},\\n    type: :string\\n  }}}\"",
        ),
        ("inspect(%{a: 1}, pretty: true)", "\"%{a: 1}\""),
        ("inspect(Enum.to_list(1..30), pretty: true, width: :infinity) |> String.contains?(\"\\n\")", "false"),
        (
            "inspect(Enum.map(1..8, &{&1, \"item number #{&1}\"}), pretty: true) |> String.split(\"\\n\") |> length()",
            "10",
        ),
    ]);
}

#[test]
fn stream_transform_zip_with_and_chunk_while() {
    check(&[
        ("Stream.transform(1..5, 0, fn x, acc -> {[x + acc], acc + x} end) |> Enum.to_list()", "[1, 3, 6, 10, 15]"),
        ("Stream.transform([1, 2, 3, 4], 0, fn x, n -> if n == 2, do: {:halt, n}, else: {[x], n + 1} end) |> Enum.to_list()", "[1, 2]"),
        ("Stream.zip_with([1, 2], [3, 4], &+/2) |> Enum.to_list()", "[4, 6]"),
        (
            "Stream.chunk_while(1..5, [], fn x, acc -> if rem(x, 2) == 0, do: {:cont, Enum.reverse([x | acc]), []}, else: {:cont, [x | acc]} end, fn [] -> {:cont, []}; acc -> {:cont, Enum.reverse(acc), []} end) |> Enum.to_list()",
            "[[1, 2], [3, 4], [5]]",
        ),
    ]);
}
