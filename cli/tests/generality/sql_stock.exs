defmodule Stock.Item do
  use Ecto.Schema
  schema "items" do
    field :title, :string
    field :counter, :integer
    field :status, Ecto.Enum, values: [:a, :b]
  end
end
alias Stock.Item, as: Post
vals = [%{id: 1, text: "abc"}, %{id: 2, text: "xyz"}]
types = %{id: :integer, text: :string}
queries = [
  values_from_join: from(v1 in values(vals, types), join: v2 in values(vals, types), on: v1.id == v2.id),
  values_schema_types: from(v in values([%{id: 1, title: "x", status: :a}], Post), select: {v.id, v.title, v.status}),
  values_join_where: from(p in Post, join: v in values(vals, types), on: p.id == v.id, where: p.counter == ^0, select: {p.id, v.text}),
  values_delete: {:delete_all, from(p in Post, join: v in values(vals, types), on: p.id == v.id, where: p.counter == ^0)},
  values_update: {:update_all, from(p in Post, join: v in values(vals, types), on: p.id == v.id, update: [set: [title: v.text]])},
  values_cast_string_id: from(v in values([%{id: "7"}], %{id: :integer}), select: v.id),
  values_missing_type: fn -> from(v in values([%{id: 1, x: 2}], %{id: :integer}), select: v.id) end,
  values_missing_field: fn -> from(v in values([%{id: 1}, %{x: 2}], %{id: :integer, x: :integer}), select: v.id) end,
  values_empty: fn -> from(v in values([], %{id: :integer}), select: v.id) end,
  values_unknown_field: from(v in values(vals, types), select: v.nope),
  values_param_order: from(p in Post, where: p.counter > ^5, join: v in values(vals, types), on: v.id == p.id and v.text != ^"q", select: p.id),
]
