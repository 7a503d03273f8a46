defmodule G.M do
  def kind(v) when is_integer(v) when is_float(v), do: :num
  def kind(_), do: :other
end
changesets = [
  multi_when_fn: Enum.map([1, "a", :b, 2.0], fn v when is_integer(v) when is_float(v) -> :num; _ -> :other end),
  multi_when_def: Enum.map([1, "a", 2.0], &G.M.kind/1),
  multi_when_case: (case 3.0 do x when is_integer(x) when is_float(x) -> {:n, x}; _ -> :no end),
]
