defmodule Lib.Stack do
  defstruct items: []
  def new, do: %__MODULE__{}
  def push(%__MODULE__{items: i} = s, x), do: %{s | items: [x | i]}
  def pop(%__MODULE__{items: []}), do: {:error, :empty}
  def pop(%__MODULE__{items: [h | t]} = s), do: {:ok, h, %{s | items: t}}
  defimpl Enumerable do
    def count(s), do: {:ok, length(s.items)}
    def member?(s, x), do: {:ok, x in s.items}
    def reduce(s, acc, fun), do: Enumerable.List.reduce(s.items, acc, fun)
    def slice(_), do: {:error, __MODULE__}
  end
end
defmodule Lib.Counter do
  use Agent
  def start(n), do: Agent.start_link(fn -> n end)
end
defmodule Lib.Fmt do
  def money(cents) when is_integer(cents) do
    units = div(cents, 100)
    rest = rem(cents, 100) |> Integer.to_string() |> String.pad_leading(2, "0")
    "€#{units},#{rest}"
  end
  def pluralize(1, word), do: "1 #{word}"
  def pluralize(n, word), do: "#{n} #{word}s"
end
changesets = [
  stack_ops: (s = Lib.Stack.new() |> Lib.Stack.push(1) |> Lib.Stack.push(2); {Lib.Stack.pop(s), Lib.Stack.pop(Lib.Stack.new())}),
  enumerable_impl: (s = Lib.Stack.new() |> Lib.Stack.push(1) |> Lib.Stack.push(2) |> Lib.Stack.push(3); {Enum.count(s), Enum.member?(s, 2), Enum.map(s, &(&1 * 10)), Enum.sum(s), Enum.to_list(s)}),
  fmt: [Lib.Fmt.money(123456), Lib.Fmt.money(5), Lib.Fmt.pluralize(1, "cat"), Lib.Fmt.pluralize(3, "dog")],
  pipeline: "The quick brown fox jumps over the lazy dog" |> String.downcase() |> String.split() |> Enum.map(&String.length/1) |> Enum.frequencies() |> Enum.sort_by(fn {k, v} -> {-v, k} end),
  word_count: "a b a c b a" |> String.split() |> Enum.reduce(%{}, fn w, acc -> Map.update(acc, w, 1, &(&1 + 1)) end),
  nested_update: %{user: %{profile: %{tags: ["a"]}}} |> update_in([:user, :profile, :tags], &["b" | &1]) |> put_in([:user, :name], "Z"),
  kernel_destructure: (with {:ok, %{"id" => id}} <- Jason.decode(~s({"id": 7})), true <- id > 5 do {:big, id} end),
  case_guards_multi: Enum.map([{:ok, 1}, {:error, "x"}, :other, {:ok, -1}], fn
    {:ok, n} when n > 0 -> :positive
    {:ok, _} -> :non_positive
    {:error, msg} when is_binary(msg) -> {:err, msg}
    _ -> :unknown
  end),
  recursion_tail: (defmodule Lib.Math do
    def fib(n), do: fib(n, 0, 1)
    defp fib(0, a, _), do: a
    defp fib(n, a, b), do: fib(n - 1, b, a + b)
  end; Lib.Math.fib(90)),
  agent: (fn -> {:ok, pid} = Lib.Counter.start(5); Agent.update(pid, &(&1 * 2)); Agent.get(pid, & &1) end).(),
  list_comprehension_nested: for(x <- 1..3, y <- 1..3, x < y, into: [], do: {x, y}),
  string_builder: Enum.map_join(1..3, "\n", fn i -> String.duplicate("*", i) end),
  tuple_pattern_swap: (fn {a, b} -> {b, a} end).({1, 2}),
  keyword_opts_fn: (fn opts -> {Keyword.get(opts, :size, 10), Keyword.fetch(opts, :color)} end).(color: :red),
  anonymous_recursion: (fact = fn f, 0 -> 1; f, n -> n * f.(f, n - 1) end; fact.(fact, 10)),
  capture_with_args: Enum.map([1, 2, 3], &Integer.to_string(&1, 2)),
  pin_in_fn: (x = 2; Enum.filter([1, 2, 3, 2], &match?(^x, &1))),
  sigil_interpolation: [~s(#{1 + 1} apples), ~S(#{1 + 1} apples), ~w(#{:a} b)],
  range_ops: [Enum.slice(1..10, 2, 3), Range.shift(1..3, 1), Enum.take(10..1//-3, 10), Enum.member?(1..10//2, 4)],
  mapset_set_ops: [MapSet.subset?(MapSet.new([1]), MapSet.new([1, 2])), MapSet.disjoint?(MapSet.new([1]), MapSet.new([2])), MapSet.intersection(MapSet.new(1..5), MapSet.new(3..8)) |> MapSet.to_list(), MapSet.symmetric_difference(MapSet.new([1, 2]), MapSet.new([2, 3]))],
]
