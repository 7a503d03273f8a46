defmodule Lm.P do
  use Ecto.Schema
  schema "ps" do
    field :n, :integer
  end
end
alias Lm.P
queries = [
  with_ties_no_limit: fn -> P |> order_by(:n) |> with_ties(true) end,
  with_ties_pinned: fn -> t = true; from(p in P, order_by: p.n, limit: 2) |> with_ties(^t) end,
  limit_nil_pin: fn -> n = nil; from(p in P, limit: ^n, select: p.id) end,
  limit_twice_last_wins: P |> limit(5) |> limit(2) |> select([p], p.id),
  offset_string_pin: from(p in P, offset: ^"3", select: p.id),
  limit_negative: from(p in P, limit: -1, select: p.id),
]
