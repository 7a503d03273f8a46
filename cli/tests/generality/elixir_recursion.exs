# Body recursion goes as deep as the BEAM's heap-grown stacks allow.
defmodule Walk do
  def count(0), do: 0
  def count(n), do: 1 + count(n - 1)

  def sum([]), do: 0
  def sum([h | t]), do: h + sum(t)

  def flatten([]), do: []
  def flatten([h | t]) when is_list(h), do: flatten(h) ++ flatten(t)
  def flatten([h | t]), do: [h | flatten(t)]
end

changesets = [
  count_deep: Walk.count(10_000),
  sum_long_list: Walk.sum(Enum.to_list(1..20_000)),
  through_callbacks: Enum.map(1..3, fn x -> Walk.count(x * 1_000) end),
  flatten_nested: Walk.flatten([1, [2, [3, [4]]], Enum.to_list(5..5_000)]) |> length(),
  anonymous_recursion: (fn -> f = fn f, n -> if n == 0, do: 0, else: n + f.(f, n - 1) end; f.(f, 5_000) end).(),
]
