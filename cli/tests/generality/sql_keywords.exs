defmodule Kw.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
  end
end
alias Kw.Post
queries = [
  on_without_join: quote(do: from(p in Post, on: true)),
  as_not_after_from: quote(do: from(p in Post, where: true, as: :p)),
  prefix_after_where: quote(do: from(p in Post, where: true, prefix: "x")),
  duplicate_alias: quote(do: from(p in Post, as: :p, join: q in Post, as: :p, on: true)),
  binding_count_mismatch: quote(do: from([p, q] in Post, select: p.id)),
  from_non_queryable: fn -> from(p in 123, select: p) end,
  from_atom_not_schema: fn -> from(p in :nope, select: p.id) end,
  select_empty_tuple: from(p in Post, select: {}),
  select_pinned_nil: from(p in Post, select: ^nil),
  where_true_literal: from(p in Post, where: true, select: p.id),
  where_false_literal: from(p in Post, where: false, select: p.id),
  where_pinned_bool: from(p in Post, where: ^true, select: p.id),
  join_on_pinned_kw: fn -> kw = [id: 1]; from(p in Post, join: q in Post, on: ^kw, select: q.id) end,
  hints_from: from(p in Post, hints: "USE INDEX (x)", select: p.id),
  hints_unsafe_fragment: fn -> h = "INDEXED BY i"; from(p in Post, hints: [unsafe_fragment(^h)], select: p.id) end,
  hints_join_sqlite: from(p in Post, join: q in Post, hints: ["INDEXED BY i"], on: q.id == p.id, select: p.id),
]
