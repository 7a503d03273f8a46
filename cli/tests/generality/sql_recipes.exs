defmodule Rec.Author do
  use Ecto.Schema
  schema "authors" do
    field :name, :string
    field :score, :integer
    has_many :recipes, Rec.Recipe
  end
end
defmodule Rec.Recipe do
  use Ecto.Schema
  schema "recipes" do
    field :title, :string
    field :minutes, :integer
    field :rating, :float
    field :tags, {:array, :string}
    field :published_at, :utc_datetime
    belongs_to :author, Rec.Author
    timestamps()
  end
end
defmodule Rec.Queries do
  import Ecto.Query
  alias Rec.Recipe
  def base, do: from(r in Recipe, as: :recipe)
  def quick(q, max), do: where(q, [recipe: r], r.minutes <= ^max)
  def by_tag(q, tag), do: from(r in q, where: ^tag in r.tags)
  def newest(q), do: order_by(q, [r], desc: r.published_at)
  def with_author(q) do
    if has_named_binding?(q, :author), do: q, else: join(q, :inner, [recipe: r], a in assoc(r, :author), as: :author)
  end
end
alias Rec.{Author, Recipe, Queries}
n = 2
field_name = :minutes
queries = [
  qualified_calls: Ecto.Query.from(r in Recipe, select: r.id) |> Ecto.Query.where([r], r.minutes > 5),
  module_composition: Queries.base() |> Queries.quick(30) |> Queries.by_tag("vegan") |> Queries.newest() |> Queries.with_author() |> Queries.with_author() |> select([recipe: r, author: a], {r.title, a.name}),
  no_paren_from: fn ->
    q = from r in Recipe, where: r.rating > 4.0, select: r.title
    q
  end,
  distinct_atom: from(r in Recipe, distinct: :author_id, select: r.id),
  group_by_atom: from(r in Recipe, group_by: :author_id, select: {r.author_id, count()}),
  group_by_atom_list_order: from(r in Recipe, group_by: [:author_id, :minutes], order_by: :minutes, select: r.author_id),
  pipe_in_select: from(r in Recipe, select: r.rating |> avg() |> coalesce(0.0)),
  not_call_paren: from(r in Recipe, where: not(is_nil(r.published_at)), select: r.id),
  arith_compare: from(r in Recipe, where: r.minutes + 10 > 30 and r.minutes * 2 <= ^n * 30, select: r.id),
  type_sum: from(r in Recipe, select: type(sum(r.minutes), :integer)),
  type_avg_float: from(r in Recipe, group_by: r.author_id, select: {r.author_id, type(avg(r.rating), :float)}),
  join_and_on: from(a in Author, join: r in Recipe, on: r.author_id == a.id and r.rating > 3.0, select: {a.name, r.title}),
  having_pinned_count: from(a in Author, join: r in assoc(a, :recipes), group_by: a.id, having: count(r.id) >= ^n, select: a.name),
  fragment_array_contains: from(r in Recipe, where: fragment("? @> ?", r.tags, ^["quick", "easy"]), select: r.id),
  dynamic_field_filter: fn ->
    d = dynamic([r], field(r, ^field_name) < ^20)
    from(r in Recipe, where: ^d, select: r.id)
  end,
  subquery_with_prefix: from(s in subquery(from(r in Recipe, select: %{id: r.id}), prefix: "arch"), select: s.id),
  first_with_field: Ecto.Query.first(Recipe, :published_at) |> select([r], r.id),
  select_tuple_with_assoc_count: from(a in Author, left_join: r in assoc(a, :recipes), group_by: [a.id, a.name], order_by: [desc: count(r.id)], select: {a.name, count(r.id)}),
  where_in_pinned_strings: fn -> titles = ~w(soup stew); from(r in Recipe, where: r.title in ^titles, select: r.id) end,
  multiple_wheres_kw: from(r in Recipe, where: r.minutes > 1, where: r.minutes < 100, or_where: r.rating == 5.0, select: r.id),
  select_in_subquery_where_eq: from(r in Recipe, where: r.minutes == subquery(from(x in Recipe, select: max(x.minutes))), select: r.id),
  exists_reduce: fn ->
    base = from(r in Recipe, select: r.id)
    Enum.reduce(["a", "b"], base, fn t, q -> where(q, [r], ^t in r.tags) end)
  end,
  or_where_dynamic_list: fn ->
    conds = Enum.map([10, 20], fn m -> dynamic([r], r.minutes == ^m) end)
    combined = Enum.reduce(conds, false, fn c, acc -> dynamic([r], ^acc or ^c) end)
    from(r in Recipe, where: ^combined, select: r.id)
  end,
  join_pipe_keyword_on: Recipe |> join(:left, [r], a in Author, on: [id: r.author_id]) |> select([r, a], {r.id, a.name}),
  join_pipe_as_named: Recipe |> join(:inner, [r], a in assoc(r, :author), as: :a) |> where([a: a], a.score > 10) |> select([r], r.id),
  update_pipe_from_module: {:update_all, Queries.base() |> Queries.quick(5) |> update([r], set: [title: "fast"])},
  subquery_in_from_pipe: from(r in Recipe, select: %{a: r.author_id, m: max(r.minutes)}, group_by: r.author_id) |> subquery() |> where([s], s.m > 60) |> select([s], s.a),
  count_distinct_on_select: from(r in Recipe, select: count(r.author_id, :distinct), where: r.minutes > 0),
  select_datetime_fields: from(r in Recipe, select: {r.inserted_at, r.updated_at, r.published_at}),
]
