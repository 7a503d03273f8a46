defmodule Lib.Helpers do
  @moduledoc false
  @rates %{standard: 0.2, reduced: 0.05}
  @statuses ~w(open closed)a
  import Enum, only: [map: 2, sum: 1]
  alias __MODULE__.Inner

  defmodule Inner do
    def hello, do: :inner
  end

  def rates, do: @rates
  def statuses, do: @statuses
  def tax(amount, kind \\ :standard) when is_number(amount), do: amount * Map.fetch!(@rates, kind)
  def total(list), do: list |> map(& &1 * 2) |> sum()
  def inner, do: Inner.hello()
  def me, do: __MODULE__
  def classify(%{age: age}) when age >= 18, do: :adult
  def classify(%{age: _}), do: :minor
  def classify(_), do: :unknown
  def sum_digits(n) when n < 10, do: n
  def sum_digits(n), do: rem(n, 10) + sum_digits(div(n, 10))
  def fizz(n) do
    case {rem(n, 3), rem(n, 5)} do
      {0, 0} -> "FizzBuzz"
      {0, _} -> "Fizz"
      {_, 0} -> "Buzz"
      _ -> Integer.to_string(n)
    end
  end
  def parse("cmd:" <> rest), do: {:cmd, rest}
  def parse(<<c::utf8, _::binary>>) when c in ?0..?9, do: :digit
  def parse(_), do: :other
  def count_words(s), do: s |> String.downcase() |> String.split(~r/[^\w]+/, trim: true) |> Enum.frequencies()
  def nested_default(a, opts \\ [x: 1]), do: {a, opts[:x]}
  defp secret, do: 42
  def reveal, do: secret()
  def multi_return(x) do
    if x > 0 do
      {:ok, x}
    else
      {:error, "non-positive: #{x}"}
    end
  end
end

defmodule Lib.Account do
  @enforce_keys [:owner]
  defstruct [:owner, balance: 0, history: []]

  def deposit(%__MODULE__{} = acc, amt) when amt > 0 do
    %{acc | balance: acc.balance + amt, history: [{:deposit, amt} | acc.history]}
  end
  def withdraw(%__MODULE__{balance: b}, amt) when amt > b, do: {:error, :insufficient}
  def withdraw(acc, amt), do: {:ok, %{acc | balance: acc.balance - amt}}
end

defmodule Lib.Stack do
  defstruct items: []
  def push(%__MODULE__{items: i} = s, x), do: %{s | items: [x | i]}
  def pop(%__MODULE__{items: []}), do: {:error, :empty}
  def pop(%__MODULE__{items: [h | t]} = s), do: {:ok, h, %{s | items: t}}
end

defimpl String.Chars, for: Lib.Account do
  def to_string(a), do: "#{a.owner}: #{a.balance}"
end

defimpl Inspect, for: Lib.Stack do
  def inspect(s, _opts), do: "#Stack<#{length(s.items)}>"
end

changesets = [
  module_attrs: {Lib.Helpers.rates(), Lib.Helpers.statuses()},
  default_args: {Lib.Helpers.tax(100), Lib.Helpers.tax(100, :reduced)},
  import_only: Lib.Helpers.total([1, 2, 3]),
  nested_module_alias: {Lib.Helpers.inner(), Lib.Helpers.me(), Lib.Helpers.Inner.hello()},
  multi_clause_maps: Enum.map([%{age: 20}, %{age: 3}, %{}], &Lib.Helpers.classify/1),
  recursion_digits: Lib.Helpers.sum_digits(98765),
  fizzbuzz: Enum.map(1..15, &Lib.Helpers.fizz/1),
  binary_prefix_match: Enum.map(["cmd:run", "7up", "x"], &Lib.Helpers.parse/1),
  word_count: Lib.Helpers.count_words("The cat, the HAT; a cat!"),
  default_kw: {Lib.Helpers.nested_default(1), Lib.Helpers.nested_default(1, x: 5)},
  private_via_public: Lib.Helpers.reveal(),
  if_else_tuple: {Lib.Helpers.multi_return(3), Lib.Helpers.multi_return(-1)},
  struct_update_flow: fn ->
    acc = %Lib.Account{owner: "ann"} |> Lib.Account.deposit(50) |> Lib.Account.deposit(25)
    {acc, Lib.Account.withdraw(acc, 100), elem(Lib.Account.withdraw(acc, 10), 1).balance}
  end,
  string_chars_impl: fn -> acc = %Lib.Account{owner: "bo", balance: 3}; {to_string(acc), "acct=#{acc}"} end,
  inspect_impl: fn -> s = %Lib.Stack{} |> Lib.Stack.push(1) |> Lib.Stack.push(2); {s, inspect(s), Lib.Stack.pop(s)} end,
  enforce_keys_error: quote(do: %Lib.Account{balance: 1}),
  pipe_into_anon: 5 |> (fn x -> x * x end).(),
  pipe_then: [3, 1, 2] |> Enum.sort() |> then(fn [h | _] -> h end),
  capture_arity: Enum.map([[1, 2], [3]], &length/1),
  capture_with_args: Enum.map(["a", "b"], &String.duplicate(&1, 2)),
  capture_tuple: Enum.map([1, 2], &{&1, &1 * 10}),
  capture_list: Enum.map([1, 2], &[&1]),
  anon_closure: fn -> base = 10; add = fn x -> x + base end; Enum.map([1, 2], add) end,
  reduce_into_map: Enum.reduce(~w(a b a), %{}, fn w, acc -> Map.update(acc, w, 1, &(&1 + 1)) end),
  unless_else: unless(false, do: :a, else: :b),
  case_pin: fn -> x = 2; case 2 do ^x -> :same; _ -> :diff end end,
  case_guard_or: fn -> case :b do v when v == :a or v == :b -> :ab; _ -> :no end end,
  cond_multi: fn -> n = 0; cond do n < 0 -> :neg; n == 0 -> :zero; true -> :pos end end,
  match_nested: fn -> %{a: [%{b: {x, _}} | _]} = %{a: [%{b: {1, 2}}, 3]}; x end,
  match_list_head_tail: fn -> [a, b | rest] = Enum.to_list(1..5); {a, b, rest} end,
  match_keyword: fn -> [a: x, b: y] = [a: 1, b: 2]; x + y end,
  match_string_concat: fn -> "Hello " <> name = "Hello World"; name end,
  match_underscore_var: fn -> {_ignored, kept} = {1, 2}; kept end,
  match_same_var_twice: fn -> {x, x} = {1, 1}; x end,
  match_failure_same_var: fn -> {x, x} = {1, 2}; x end,
  tuple_ops: {tuple_size({1, 2, 3}), elem({:a, :b}, 0), put_elem({1, 2}, 1, :x), Tuple.to_list({1, {2, 3}})},
  list_ops: {[1 | [2, 3]], [1, 2] ++ [3], [1, 2, 3] -- [2], hd([1, 2]), tl([1, 2]), length([]), [h | _] = [9, 8]},
  keyword_sugar: [{:a, 1}, {:b, 2}],
  map_update_syntax: fn -> m = %{a: 1, b: 2}; %{m | a: 10} end,
  map_string_keys_access: %{"k" => 1}["k"],
  nested_access: %{a: %{b: %{c: 42}}}.a.b.c,
  atom_comparisons: {:a < :b, nil == false, is_nil(false), :ok == :"ok"},
  number_formats: {1_000, 0x1F, 0b101, 0o17, 1.5e-3, ?A, ?\n, ?é},
  integer_float_ops: {5 / 2, div(5, 2), 2 * 3.0, 10 - 2.5, -(-3), +3},
  string_ops: {"ab" <> "cd", "a" == "a", "abc" =~ "b", String.length("héllo"), "#{1}#{:a}#{"s"}"},
  boolean_ops: {true and false, true or false, not true, nil || 1, false && 1, 1 && 2},
  comparison_chain: {1 < 2, 2 >= 2, 1 == 1.0, 1 === 1.0, :a != :b},
  range_ops: {Enum.to_list(1..3), Enum.to_list(3..1//-1), 1..10//2 |> Enum.to_list(), Enum.member?(1..3, 2)},
  for_filters_into: for(x <- 1..10, rem(x, 2) == 0, x > 4, into: [], do: x * x),
  for_nested_pattern: for({name, %{age: age}} <- [{"a", %{age: 1}}, {"b", %{age: 2}}], do: "#{name}#{age}"),
  for_string_into: for(c <- ~w(a b c), into: "", do: String.upcase(c)),
  for_map_filter: for({k, v} <- %{a: 1, b: 2, c: 3}, v > 1, into: %{}, do: {v, k}),
  with_pattern_guards: fn ->
    with %{"name" => name} when byte_size(name) > 0 <- %{"name" => "x"},
         {age, ""} <- Integer.parse("42") do
      {name, age}
    end
  end,
  raise_reraise: fn ->
    try do
      try do
        raise ArgumentError, "inner"
      rescue
        e -> reraise e, __STACKTRACE__
      end
    rescue
      e in ArgumentError -> {:outer, e.message}
    end
  end,
  exception_message_fn: fn -> Exception.message(%ArgumentError{message: "m"}) end,
  raise_with_struct_opts: fn -> try do raise KeyError, key: :k, term: %{} rescue e -> {e.__struct__, e.key} end end,
  error_enforce_runtime: fn -> struct!(Lib.Account, balance: 1) end,
  error_function_clause_guard: fn -> Lib.Helpers.tax("100") end,
  error_undefined_private: fn -> Lib.Helpers.secret() end,
  error_match_in_fn_head: fn -> Lib.Account.deposit(%Lib.Account{owner: "x"}, -5) end,
  error_bad_key_update: fn -> acc = %Lib.Account{owner: "x"}; %{acc | nope: 1} end,
  error_bad_struct_literal_key: quote(do: %Lib.Account{owner: "x", nope: 1}),
  error_undefined_module_fn: fn -> Lib.Nope.run() end,
  error_arity_mismatch: fn -> Lib.Helpers.tax() end,
]
