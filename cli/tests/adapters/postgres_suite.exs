# Query assertions of ecto_sql's Postgres adapter tests (postgres_test.exs),
# rewritten as `ectoplasm sql` entries: each entry builds the query the test
# plans and returns `{operation, query}`; the expected Postgres SQL (or the
# error kind the test expects) is in postgres_suite.jsonl.
# `import Ecto.Query` is implicit.

defmodule Schema do
  use Ecto.Schema

  schema "schema" do
    field :x, :integer
    field :y, :integer
    field :z, :integer
    field :w, {:array, :integer}
    field :meta, :map
    has_many :comments, Schema2, references: :x, foreign_key: :z
    has_one :permalink, Schema3, references: :y, foreign_key: :id
  end
end

defmodule Schema2 do
  use Ecto.Schema

  schema "schema2" do
    belongs_to :post, Schema, references: :x, foreign_key: :z
  end
end

defmodule Schema3 do
  use Ecto.Schema

  schema "schema3" do
    field :list1, {:array, :string}
    field :list2, {:array, :integer}
    field :binary, :binary
  end
end

queries = [
  from_1: fn ->
    query = Schema |> select([r], r.x)
    {:all, query}
  end,
  from_with_hints_list_1: fn ->
    query = Schema
          |> from(hints: ["TABLESAMPLE system_rows(1)"])
          |> select([r], r.x)
    {:all, query}
  end,
  from_with_hints_string_1: fn ->
    query = Schema
          |> from(hints: "TABLESAMPLE system_rows(1)")
          |> select([r], r.x)
    {:all, query}
  end,
  from_without_schema_1: fn ->
    query = "posts" |> select([r], r.x)
    {:all, query}
  end,
  from_without_schema_2: fn ->
    query = "posts" |> select([r], r.x)
    query = "posts" |> select([r], fragment("?", r))
    {:all, query}
  end,
  from_without_schema_3: fn ->
    query = "posts" |> select([r], r.x)
    query = "posts" |> select([r], fragment("?", r))
    query = "Posts" |> select([:x])
    {:all, query}
  end,
  from_without_schema_4: fn ->
    query = "posts" |> select([r], r.x)
    query = "posts" |> select([r], fragment("?", r))
    query = "Posts" |> select([:x])
    query = "0posts" |> select([:x])
    {:all, query}
  end,
  from_without_schema_5: fn ->
    query = "posts" |> select([r], r.x)
    query = "posts" |> select([r], fragment("?", r))
    query = "Posts" |> select([:x])
    query = "0posts" |> select([:x])
    {:all, from(p in "posts", select: p)}
  end,
  from_with_subquery_1: fn ->
    query = subquery("posts" |> select([r], %{x: r.x, y: r.y})) |> select([r], r.x)
    {:all, query}
  end,
  from_with_subquery_2: fn ->
    query = subquery("posts" |> select([r], %{x: r.x, y: r.y})) |> select([r], r.x)
    query = subquery("posts" |> select([r], %{x: r.x, z: r.y})) |> select([r], r)
    {:all, query}
  end,
  from_with_subquery_3: fn ->
    query = subquery("posts" |> select([r], %{x: r.x, y: r.y})) |> select([r], r.x)
    query = subquery("posts" |> select([r], %{x: r.x, z: r.y})) |> select([r], r)
    query = subquery(subquery("posts" |> select([r], %{x: r.x, z: r.y})) |> select([r], r))
          |> select([r], r)
    {:all, query}
  end,
  from_with_fragment_1: fn ->
    query = from(f in fragment("select ? as x", ^"abc"), select: f.x)
    {:all, query}
  end,
  from_with_fragment_2: fn ->
    query = from(f in fragment("select ? as x", ^"abc"), select: f.x)
    query = from(fragment("select ? as x", ^"abc"), select: fragment("x"))
    {:all, query}
  end,
  from_with_fragment_3: fn ->
    query = from(f in fragment("select ? as x", ^"abc"), select: f.x)
    query = from(fragment("select ? as x", ^"abc"), select: fragment("x"))
    query = from(f in fragment("select_rows(arg)"), select: f.x)
    {:all, query}
  end,
  from_with_fragment_4: fn ->
    query = from(f in fragment("select ? as x", ^"abc"), select: f.x)
    query = from(fragment("select ? as x", ^"abc"), select: fragment("x"))
    query = from(f in fragment("select_rows(arg)"), select: f.x)
    {:all, from(f in fragment("select ? as x", ^"abc"), select: f)}
  end,
  cte_1: fn ->
    initial_query = "categories"
          |> where([c], is_nil(c.parent_id))
          |> select([c], %{id: c.id, depth: fragment("1")})
    iteration_query = "categories"
          |> join(:inner, [c], t in "tree", on: t.id == c.parent_id)
          |> select([c, t], %{id: c.id, depth: fragment("? + 1", t.depth)})
    cte_query = initial_query |> union_all(^iteration_query)
    query = Schema
          |> recursive_ctes(true)
          |> with_cte("tree", as: ^cte_query)
          |> join(:inner, [r], t in "tree", on: t.id == r.category_id)
          |> select([r, t], %{x: r.x, category_id: t.id, depth: type(t.depth, :integer)})
    {:all, query}
  end,
  materialized_cte_1: fn ->
    initial_query = "categories"
          |> where([c], is_nil(c.parent_id))
          |> select([c], %{id: c.id, depth: fragment("1")})
    iteration_query = "categories"
          |> join(:inner, [c], t in "tree", on: t.id == c.parent_id)
          |> select([c, t], %{id: c.id, depth: fragment("? + 1", t.depth)})
    cte_query = initial_query |> union_all(^iteration_query)
    query = Schema
          |> recursive_ctes(true)
          |> with_cte("tree", as: ^cte_query, materialized: true)
          |> join(:inner, [r], t in "tree", on: t.id == r.category_id)
          |> select([r, t], %{x: r.x, category_id: t.id, depth: type(t.depth, :integer)})
    {:all, query}
  end,
  not_materialized_cte_1: fn ->
    initial_query = "categories"
          |> where([c], is_nil(c.parent_id))
          |> select([c], %{id: c.id, depth: fragment("1")})
    iteration_query = "categories"
          |> join(:inner, [c], t in "tree", on: t.id == c.parent_id)
          |> select([c, t], %{id: c.id, depth: fragment("? + 1", t.depth)})
    cte_query = initial_query |> union_all(^iteration_query)
    query = Schema
          |> recursive_ctes(true)
          |> with_cte("tree", as: ^cte_query, materialized: false)
          |> join(:inner, [r], t in "tree", on: t.id == r.category_id)
          |> select([r, t], %{x: r.x, category_id: t.id, depth: type(t.depth, :integer)})
    {:all, query}
  end,
  reference_cte_in_union_1: fn ->
    comments_scope_query = "comments"
          |> where([c], is_nil(c.deleted_at))
          |> select([c], %{entity_id: c.entity_id, text: c.text})
    posts_query = "posts"
          |> join(:inner, [p], c in "comments_scope", on: c.entity_id == p.guid)
          |> select([p, c], [p.title, c.text])
    videos_query = "videos"
          |> join(:inner, [v], c in "comments_scope", on: c.entity_id == v.guid)
          |> select([v, c], [v.title, c.text])
    query = posts_query
          |> union_all(^videos_query)
          |> with_cte("comments_scope", as: ^comments_scope_query)
    {:all, query}
  end,
  fragment_cte_1: fn ->
    query = Schema
          |> recursive_ctes(true)
          |> with_cte("tree", as: fragment("SELECT * FROM categories WHERE c.parent_id IS NULL\nUNION ALL\nSELECT * FROM categories AS c, category_tree AS ct WHERE ct.id = c.parent_id\n"))
          |> join(:inner, [p], c in "tree", on: c.id == p.category_id)
          |> select([r], r.x)
    {:all, query}
  end,
  cte_update_all_1: fn ->
    cte_query = from(x in Schema,
            order_by: [asc: :id],
            limit: 10,
            lock: "FOR UPDATE SKIP LOCKED",
            select: %{id: x.id}
          )
    query = Schema
          |> with_cte("target_rows", as: ^cte_query)
          |> join(:inner, [row], target in "target_rows", on: target.id == row.id)
          |> select([r, t], r)
          |> update(set: [x: 123])
    {:update_all, query}
  end,
  cte_delete_all_1: fn ->
    cte_query = from(x in Schema,
            order_by: [asc: :id],
            limit: 10,
            lock: "FOR UPDATE SKIP LOCKED",
            select: %{id: x.id}
          )
    query = Schema
          |> with_cte("target_rows", as: ^cte_query)
          |> join(:inner, [row], target in "target_rows", on: target.id == row.id)
          |> select([r, t], r)
    {:delete_all, query}
  end,
  parent_binding_subquery_and_cte_1: fn ->
    initial_query = "categories"
          |> where([c], c.id == parent_as(:parent_category).id)
          |> select([:id, :parent_id])
    iteration_query = "categories"
          |> join(:inner, [c], t in "tree", on: t.parent_id == c.id)
          |> select([:id, :parent_id])
    cte_query = initial_query |> union_all(^iteration_query)
    breadcrumbs_query = "tree"
          |> recursive_ctes(true)
          |> with_cte("tree", as: ^cte_query)
          |> select([t], %{breadcrumbs: fragment("STRING_AGG(?, ' / ')", t.id)})
    query = from(c in "categories",
            as: :parent_category,
            left_lateral_join: b in subquery(breadcrumbs_query),
            on: true,
            select: %{id: c.id, breadcrumbs: b.breadcrumbs}
          )
    {:all, query}
  end,
  parent_binding_subquery_and_combination_1: fn ->
    right_query = from(c in "right_categories", where: c.id == parent_as(:c).id, select: c.id)
    left_query = from(c in "left_categories", where: c.id == parent_as(:c).id, select: c.id)
    union_query = union(left_query, ^right_query)
    query = from(c in "categories", as: :c, where: c.id in subquery(union_query), select: c.id)
    {:all, query}
  end,
  cte_with_update_statement_1: fn ->
    cte_query = "categories"
          |> where([c], is_nil(c.parent_id))
          |> update([c], set: [desc: "Root category"])
          |> select([c], %{id: c.id, desc: c.desc})
    query = "update_categories"
          |> with_cte("search_categories", as: ^cte_query)
          |> with_cte("delete_categories", as: ^cte_query, operation: :delete_all)
          |> with_cte("update_categories", as: ^cte_query, operation: :update_all)
          |> select([c], %{id: c.id, desc: c.desc})
    {:all, query}
  end,
  select_1: fn ->
    query = Schema |> select([r], {r.x, r.y})
    {:all, query}
  end,
  select_2: fn ->
    query = Schema |> select([r], {r.x, r.y})
    query = Schema |> select([r], [r.x, r.y])
    {:all, query}
  end,
  select_3: fn ->
    query = Schema |> select([r], {r.x, r.y})
    query = Schema |> select([r], [r.x, r.y])
    query = Schema |> select([r], struct(r, [:x, :y]))
    {:all, query}
  end,
  aggregates_1: fn ->
    query = Schema |> select([r], count(r.x))
    {:all, query}
  end,
  aggregates_2: fn ->
    query = Schema |> select([r], count(r.x))
    query = Schema |> select([r], count(r.x, :distinct))
    {:all, query}
  end,
  aggregates_3: fn ->
    query = Schema |> select([r], count(r.x))
    query = Schema |> select([r], count(r.x, :distinct))
    query = Schema |> select([r], count())
    {:all, query}
  end,
  aggregate_filters_1: fn ->
    query = Schema |> select([r], count(r.x) |> filter(r.x > 10))
    {:all, query}
  end,
  aggregate_filters_2: fn ->
    query = Schema |> select([r], count(r.x) |> filter(r.x > 10))
    query = Schema |> select([r], count(r.x) |> filter(r.x > 10 and r.x < 50))
    {:all, query}
  end,
  aggregate_filters_3: fn ->
    query = Schema |> select([r], count(r.x) |> filter(r.x > 10))
    query = Schema |> select([r], count(r.x) |> filter(r.x > 10 and r.x < 50))
    query = Schema |> select([r], count() |> filter(r.x > 10))
    {:all, query}
  end,
  distinct_1: fn ->
    query = Schema |> distinct([r], r.x) |> select([r], {r.x, r.y})
    {:all, query}
  end,
  distinct_2: fn ->
    query = Schema |> distinct([r], r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], desc: r.x) |> select([r], {r.x, r.y})
    {:all, query}
  end,
  distinct_3: fn ->
    query = Schema |> distinct([r], r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], desc: r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], 2) |> select([r], r.x)
    {:all, query}
  end,
  distinct_4: fn ->
    query = Schema |> distinct([r], r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], desc: r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], 2) |> select([r], r.x)
    query = Schema |> distinct([r], [r.x, r.y]) |> select([r], {r.x, r.y})
    {:all, query}
  end,
  distinct_5: fn ->
    query = Schema |> distinct([r], r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], desc: r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], 2) |> select([r], r.x)
    query = Schema |> distinct([r], [r.x, r.y]) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], asc: r.x, desc: r.y) |> select([r], {r.x, r.y})
    {:all, query}
  end,
  distinct_6: fn ->
    query = Schema |> distinct([r], r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], desc: r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], 2) |> select([r], r.x)
    query = Schema |> distinct([r], [r.x, r.y]) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], asc: r.x, desc: r.y) |> select([r], {r.x, r.y})
    query = Schema
          |> distinct([r], asc_nulls_first: r.x, desc_nulls_last: r.y)
          |> select([r], {r.x, r.y})
    {:all, query}
  end,
  distinct_7: fn ->
    query = Schema |> distinct([r], r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], desc: r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], 2) |> select([r], r.x)
    query = Schema |> distinct([r], [r.x, r.y]) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], asc: r.x, desc: r.y) |> select([r], {r.x, r.y})
    query = Schema
          |> distinct([r], asc_nulls_first: r.x, desc_nulls_last: r.y)
          |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], true) |> select([r], {r.x, r.y})
    {:all, query}
  end,
  distinct_8: fn ->
    query = Schema |> distinct([r], r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], desc: r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], 2) |> select([r], r.x)
    query = Schema |> distinct([r], [r.x, r.y]) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], asc: r.x, desc: r.y) |> select([r], {r.x, r.y})
    query = Schema
          |> distinct([r], asc_nulls_first: r.x, desc_nulls_last: r.y)
          |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], true) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], false) |> select([r], {r.x, r.y})
    {:all, query}
  end,
  distinct_9: fn ->
    query = Schema |> distinct([r], r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], desc: r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], 2) |> select([r], r.x)
    query = Schema |> distinct([r], [r.x, r.y]) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], asc: r.x, desc: r.y) |> select([r], {r.x, r.y})
    query = Schema
          |> distinct([r], asc_nulls_first: r.x, desc_nulls_last: r.y)
          |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], true) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], false) |> select([r], {r.x, r.y})
    query = Schema |> distinct(true) |> select([r], {r.x, r.y})
    {:all, query}
  end,
  distinct_10: fn ->
    query = Schema |> distinct([r], r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], desc: r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], 2) |> select([r], r.x)
    query = Schema |> distinct([r], [r.x, r.y]) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], asc: r.x, desc: r.y) |> select([r], {r.x, r.y})
    query = Schema
          |> distinct([r], asc_nulls_first: r.x, desc_nulls_last: r.y)
          |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], true) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], false) |> select([r], {r.x, r.y})
    query = Schema |> distinct(true) |> select([r], {r.x, r.y})
    query = Schema |> distinct(false) |> select([r], {r.x, r.y})
    {:all, query}
  end,
  distinct_11: fn ->
    query = Schema |> distinct([r], r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], desc: r.x) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], 2) |> select([r], r.x)
    query = Schema |> distinct([r], [r.x, r.y]) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], asc: r.x, desc: r.y) |> select([r], {r.x, r.y})
    query = Schema
          |> distinct([r], asc_nulls_first: r.x, desc_nulls_last: r.y)
          |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], true) |> select([r], {r.x, r.y})
    query = Schema |> distinct([r], false) |> select([r], {r.x, r.y})
    query = Schema |> distinct(true) |> select([r], {r.x, r.y})
    query = Schema |> distinct(false) |> select([r], {r.x, r.y})
    query = from(row in Schema, as: :r, select: row.x)
          |> distinct(
            exists(
              from other_schema in "schema",
                where: other_schema.x == parent_as(:r).x,
                select: [other_schema.x]
            )
          )
    {:all, query}
  end,
  distinct_with_order_by_1: fn ->
    query = Schema |> order_by([r], [r.y]) |> distinct([r], desc: r.x) |> select([r], r.x)
    {:all, query}
  end,
  distinct_with_order_by_2: fn ->
    query = Schema |> order_by([r], [r.y]) |> distinct([r], desc: r.x) |> select([r], r.x)
    query = Schema
          |> order_by([r], [r.y])
          |> distinct([r], desc_nulls_last: r.x)
          |> select([r], r.x)
    {:all, query}
  end,
  distinct_with_order_by_3: fn ->
    query = Schema |> order_by([r], [r.y]) |> distinct([r], desc: r.x) |> select([r], r.x)
    query = Schema
          |> order_by([r], [r.y])
          |> distinct([r], desc_nulls_last: r.x)
          |> select([r], r.x)
    query = Schema |> order_by([r], desc: r.x) |> distinct([r], desc: r.x) |> select([r], r.x)
    {:all, query}
  end,
  distinct_with_order_by_4: fn ->
    query = Schema |> order_by([r], [r.y]) |> distinct([r], desc: r.x) |> select([r], r.x)
    query = Schema
          |> order_by([r], [r.y])
          |> distinct([r], desc_nulls_last: r.x)
          |> select([r], r.x)
    query = Schema |> order_by([r], desc: r.x) |> distinct([r], desc: r.x) |> select([r], r.x)
    {:all, Schema
               |> order_by([r], desc: r.x)
               |> distinct([r], desc: r.x)
               |> select([r], r.x)}
  end,
  coalesce_1: fn ->
    query = Schema |> select([s], coalesce(s.x, 5))
    {:all, query}
  end,
  coalesce_with_subquery_1: fn ->
    squery = from s in Schema, select: s.x
    query = Schema |> select([s], coalesce(subquery(squery), 5))
    {:all, query}
  end,
  where_1: fn ->
    query = Schema |> where([r], r.x == 42) |> where([r], r.y != 43) |> select([r], r.x)
    {:all, query}
  end,
  where_2: fn ->
    query = Schema |> where([r], r.x == 42) |> where([r], r.y != 43) |> select([r], r.x)
    query = Schema |> where([r], {r.x, r.y} > {1, 2}) |> select([r], r.x)
    {:all, query}
  end,
  or_where_1: fn ->
    query = Schema |> or_where([r], r.x == 42) |> or_where([r], r.y != 43) |> select([r], r.x)
    {:all, query}
  end,
  or_where_2: fn ->
    query = Schema |> or_where([r], r.x == 42) |> or_where([r], r.y != 43) |> select([r], r.x)
    query = Schema
          |> or_where([r], r.x == 42)
          |> or_where([r], r.y != 43)
          |> where([r], r.z == 44)
          |> select([r], r.x)
    {:all, query}
  end,
  order_by_1: fn ->
    query = Schema |> order_by([r], r.x) |> select([r], r.x)
    {:all, query}
  end,
  order_by_2: fn ->
    query = Schema |> order_by([r], r.x) |> select([r], r.x)
    query = Schema |> order_by([r], [r.x, r.y]) |> select([r], r.x)
    {:all, query}
  end,
  order_by_3: fn ->
    query = Schema |> order_by([r], r.x) |> select([r], r.x)
    query = Schema |> order_by([r], [r.x, r.y]) |> select([r], r.x)
    query = Schema |> order_by([r], asc: r.x, desc: r.y) |> select([r], r.x)
    {:all, query}
  end,
  order_by_4: fn ->
    query = Schema |> order_by([r], r.x) |> select([r], r.x)
    query = Schema |> order_by([r], [r.x, r.y]) |> select([r], r.x)
    query = Schema |> order_by([r], asc: r.x, desc: r.y) |> select([r], r.x)
    query = Schema
          |> order_by([r], asc_nulls_first: r.x, desc_nulls_first: r.y)
          |> select([r], r.x)
    {:all, query}
  end,
  order_by_5: fn ->
    query = Schema |> order_by([r], r.x) |> select([r], r.x)
    query = Schema |> order_by([r], [r.x, r.y]) |> select([r], r.x)
    query = Schema |> order_by([r], asc: r.x, desc: r.y) |> select([r], r.x)
    query = Schema
          |> order_by([r], asc_nulls_first: r.x, desc_nulls_first: r.y)
          |> select([r], r.x)
    query = from(row in Schema, as: :r)
          |> order_by(
            asc:
              exists(
                from other_schema in "schema",
                  where: other_schema.x == parent_as(:r).x,
                  select: [other_schema.x]
              )
          )
          |> select([r], r.x)
    {:all, query}
  end,
  order_by_6: fn ->
    query = Schema |> order_by([r], r.x) |> select([r], r.x)
    query = Schema |> order_by([r], [r.x, r.y]) |> select([r], r.x)
    query = Schema |> order_by([r], asc: r.x, desc: r.y) |> select([r], r.x)
    query = Schema
          |> order_by([r], asc_nulls_first: r.x, desc_nulls_first: r.y)
          |> select([r], r.x)
    query = from(row in Schema, as: :r)
          |> order_by(
            asc:
              exists(
                from other_schema in "schema",
                  where: other_schema.x == parent_as(:r).x,
                  select: [other_schema.x]
              )
          )
          |> select([r], r.x)
    query = Schema
          |> order_by([r], asc_nulls_last: r.x, desc_nulls_last: r.y)
          |> select([r], r.x)
    {:all, query}
  end,
  order_by_7: fn ->
    query = Schema |> order_by([r], r.x) |> select([r], r.x)
    query = Schema |> order_by([r], [r.x, r.y]) |> select([r], r.x)
    query = Schema |> order_by([r], asc: r.x, desc: r.y) |> select([r], r.x)
    query = Schema
          |> order_by([r], asc_nulls_first: r.x, desc_nulls_first: r.y)
          |> select([r], r.x)
    query = from(row in Schema, as: :r)
          |> order_by(
            asc:
              exists(
                from other_schema in "schema",
                  where: other_schema.x == parent_as(:r).x,
                  select: [other_schema.x]
              )
          )
          |> select([r], r.x)
    query = Schema
          |> order_by([r], asc_nulls_last: r.x, desc_nulls_last: r.y)
          |> select([r], r.x)
    query = Schema |> order_by([r], []) |> select([r], r.x)
    {:all, query}
  end,
  union_and_union_all_1: fn ->
    base_query = Schema |> select([r], r.x) |> order_by(fragment("rand")) |> offset(10) |> limit(5)
    union_query1 = Schema |> select([r], r.y) |> order_by([r], r.y) |> offset(20) |> limit(40)
    union_query2 = Schema |> select([r], r.z) |> order_by([r], r.z) |> offset(30) |> limit(60)
    query = base_query |> union(^union_query1) |> union(^union_query2)
    {:all, query}
  end,
  union_and_union_all_2: fn ->
    base_query = Schema |> select([r], r.x) |> order_by(fragment("rand")) |> offset(10) |> limit(5)
    union_query1 = Schema |> select([r], r.y) |> order_by([r], r.y) |> offset(20) |> limit(40)
    union_query2 = Schema |> select([r], r.z) |> order_by([r], r.z) |> offset(30) |> limit(60)
    query = base_query |> union(^union_query1) |> union(^union_query2)
    query = base_query |> union_all(^union_query1) |> union_all(^union_query2)
    {:all, query}
  end,
  except_and_except_all_1: fn ->
    base_query = Schema |> select([r], r.x) |> order_by(fragment("rand")) |> offset(10) |> limit(5)
    except_query1 = Schema |> select([r], r.y) |> order_by([r], r.y) |> offset(20) |> limit(40)
    except_query2 = Schema |> select([r], r.z) |> order_by([r], r.z) |> offset(30) |> limit(60)
    query = base_query |> except(^except_query1) |> except(^except_query2)
    {:all, query}
  end,
  except_and_except_all_2: fn ->
    base_query = Schema |> select([r], r.x) |> order_by(fragment("rand")) |> offset(10) |> limit(5)
    except_query1 = Schema |> select([r], r.y) |> order_by([r], r.y) |> offset(20) |> limit(40)
    except_query2 = Schema |> select([r], r.z) |> order_by([r], r.z) |> offset(30) |> limit(60)
    query = base_query |> except(^except_query1) |> except(^except_query2)
    query = base_query |> except_all(^except_query1) |> except_all(^except_query2)
    {:all, query}
  end,
  intersect_and_intersect_all_1: fn ->
    base_query = Schema |> select([r], r.x) |> order_by(fragment("rand")) |> offset(10) |> limit(5)
    intersect_query1 = Schema |> select([r], r.y) |> order_by([r], r.y) |> offset(20) |> limit(40)
    intersect_query2 = Schema |> select([r], r.z) |> order_by([r], r.z) |> offset(30) |> limit(60)
    query = base_query |> intersect(^intersect_query1) |> intersect(^intersect_query2)
    {:all, query}
  end,
  intersect_and_intersect_all_2: fn ->
    base_query = Schema |> select([r], r.x) |> order_by(fragment("rand")) |> offset(10) |> limit(5)
    intersect_query1 = Schema |> select([r], r.y) |> order_by([r], r.y) |> offset(20) |> limit(40)
    intersect_query2 = Schema |> select([r], r.z) |> order_by([r], r.z) |> offset(30) |> limit(60)
    query = base_query |> intersect(^intersect_query1) |> intersect(^intersect_query2)
    query = base_query |> intersect_all(^intersect_query1) |> intersect_all(^intersect_query2)
    {:all, query}
  end,
  limit_and_offset_1: fn ->
    query = Schema |> limit([r], 3) |> select([], true)
    {:all, query}
  end,
  limit_and_offset_2: fn ->
    query = Schema |> limit([r], 3) |> select([], true)
    query = Schema |> offset([r], 5) |> select([], true)
    {:all, query}
  end,
  limit_and_offset_3: fn ->
    query = Schema |> limit([r], 3) |> select([], true)
    query = Schema |> offset([r], 5) |> select([], true)
    query = Schema |> offset([r], 5) |> limit([r], 3) |> select([], true)
    {:all, query}
  end,
  limit_with_ties_option_1: fn ->
    query = Schema
          |> order_by([r], r.x)
          |> limit([r], 3)
          |> with_ties(true)
          |> select([], true)
    {:all, query}
  end,
  limit_with_ties_option_2: fn ->
    query = Schema
          |> order_by([r], r.x)
          |> limit([r], 3)
          |> with_ties(true)
          |> select([], true)
    msg = ~r"PostgreSQL adapter requires an `order_by` clause if the `:with_ties` limit option is `true`"
    query = Schema |> limit([r], 3) |> with_ties(true) |> select([], true)
    {:all, query}
  end,
  lock_1: fn ->
    query = Schema |> lock("FOR SHARE NOWAIT") |> select([], true)
    {:all, query}
  end,
  lock_2: fn ->
    query = Schema |> lock("FOR SHARE NOWAIT") |> select([], true)
    query = Schema |> lock([p], fragment("UPDATE on ?", p)) |> select([], true)
    {:all, query}
  end,
  string_escape_1: fn ->
    query = "schema" |> where(foo: "'\\  ") |> select([], true)
    {:all, query}
  end,
  string_escape_2: fn ->
    query = "schema" |> where(foo: "'\\  ") |> select([], true)
    query = "schema" |> where(foo: "'") |> select([], true)
    {:all, query}
  end,
  binary_ops_1: fn ->
    query = Schema |> select([r], r.x == 2)
    {:all, query}
  end,
  binary_ops_2: fn ->
    query = Schema |> select([r], r.x == 2)
    query = Schema |> select([r], r.x != 2)
    {:all, query}
  end,
  binary_ops_3: fn ->
    query = Schema |> select([r], r.x == 2)
    query = Schema |> select([r], r.x != 2)
    query = Schema |> select([r], r.x <= 2)
    {:all, query}
  end,
  binary_ops_4: fn ->
    query = Schema |> select([r], r.x == 2)
    query = Schema |> select([r], r.x != 2)
    query = Schema |> select([r], r.x <= 2)
    query = Schema |> select([r], r.x >= 2)
    {:all, query}
  end,
  binary_ops_5: fn ->
    query = Schema |> select([r], r.x == 2)
    query = Schema |> select([r], r.x != 2)
    query = Schema |> select([r], r.x <= 2)
    query = Schema |> select([r], r.x >= 2)
    query = Schema |> select([r], r.x < 2)
    {:all, query}
  end,
  binary_ops_6: fn ->
    query = Schema |> select([r], r.x == 2)
    query = Schema |> select([r], r.x != 2)
    query = Schema |> select([r], r.x <= 2)
    query = Schema |> select([r], r.x >= 2)
    query = Schema |> select([r], r.x < 2)
    query = Schema |> select([r], r.x > 2)
    {:all, query}
  end,
  binary_ops_7: fn ->
    query = Schema |> select([r], r.x == 2)
    query = Schema |> select([r], r.x != 2)
    query = Schema |> select([r], r.x <= 2)
    query = Schema |> select([r], r.x >= 2)
    query = Schema |> select([r], r.x < 2)
    query = Schema |> select([r], r.x > 2)
    query = Schema |> select([r], r.x + 2)
    {:all, query}
  end,
  is_nil_1: fn ->
    query = Schema |> select([r], is_nil(r.x))
    {:all, query}
  end,
  is_nil_2: fn ->
    query = Schema |> select([r], is_nil(r.x))
    query = Schema |> select([r], not is_nil(r.x))
    {:all, query}
  end,
  is_nil_3: fn ->
    query = Schema |> select([r], is_nil(r.x))
    query = Schema |> select([r], not is_nil(r.x))
    query = "schema" |> select([r], r.x == is_nil(r.y))
    {:all, query}
  end,
  fragments_1: fn ->
    query = Schema |> select([r], fragment("now"))
    {:all, query}
  end,
  fragments_2: fn ->
    query = Schema |> select([r], fragment("now"))
    query = Schema |> select([r], fragment("fun(?)", r))
    {:all, query}
  end,
  fragments_3: fn ->
    query = Schema |> select([r], fragment("now"))
    query = Schema |> select([r], fragment("fun(?)", r))
    query = Schema |> select([r], fragment("downcase(?)", r.x))
    {:all, query}
  end,
  fragments_4: fn ->
    query = Schema |> select([r], fragment("now"))
    query = Schema |> select([r], fragment("fun(?)", r))
    query = Schema |> select([r], fragment("downcase(?)", r.x))
    query = Schema |> select([r], fragment("? COLLATE ?", r.x, identifier(^"es_ES")))
    {:all, query}
  end,
  fragments_5: fn ->
    query = Schema |> select([r], fragment("now"))
    query = Schema |> select([r], fragment("fun(?)", r))
    query = Schema |> select([r], fragment("downcase(?)", r.x))
    query = Schema |> select([r], fragment("? COLLATE ?", r.x, identifier(^"es_ES")))
    query = Schema |> select([r], r.x) |> limit(fragment("?", constant(^1)))
    {:all, query}
  end,
  fragments_6: fn ->
    query = Schema |> select([r], fragment("now"))
    query = Schema |> select([r], fragment("fun(?)", r))
    query = Schema |> select([r], fragment("downcase(?)", r.x))
    query = Schema |> select([r], fragment("? COLLATE ?", r.x, identifier(^"es_ES")))
    query = Schema |> select([r], r.x) |> limit(fragment("?", constant(^1)))
    query = Schema |> select(fragment("?", constant(^"let's escape")))
    {:all, query}
  end,
  fragments_7: fn ->
    query = Schema |> select([r], fragment("now"))
    query = Schema |> select([r], fragment("fun(?)", r))
    query = Schema |> select([r], fragment("downcase(?)", r.x))
    query = Schema |> select([r], fragment("? COLLATE ?", r.x, identifier(^"es_ES")))
    query = Schema |> select([r], r.x) |> limit(fragment("?", constant(^1)))
    query = Schema |> select(fragment("?", constant(^"let's escape")))
    query = Schema
          |> select([r], r.x)
          |> where([r], fragment("? in (?,?,?)", r.x, ^1, splice(^[2, 3, 4]), ^5))
    {:all, query}
  end,
  fragments_8: fn ->
    query = Schema |> select([r], fragment("now"))
    query = Schema |> select([r], fragment("fun(?)", r))
    query = Schema |> select([r], fragment("downcase(?)", r.x))
    query = Schema |> select([r], fragment("? COLLATE ?", r.x, identifier(^"es_ES")))
    query = Schema |> select([r], r.x) |> limit(fragment("?", constant(^1)))
    query = Schema |> select(fragment("?", constant(^"let's escape")))
    query = Schema
          |> select([r], r.x)
          |> where([r], fragment("? in (?,?,?)", r.x, ^1, splice(^[2, 3, 4]), ^5))
    value = 13
    query = Schema |> select([r], fragment("downcase(?, ?)", r.x, ^value))
    {:all, query}
  end,
  fragments_9: fn ->
    query = Schema |> select([r], fragment("now"))
    query = Schema |> select([r], fragment("fun(?)", r))
    query = Schema |> select([r], fragment("downcase(?)", r.x))
    query = Schema |> select([r], fragment("? COLLATE ?", r.x, identifier(^"es_ES")))
    query = Schema |> select([r], r.x) |> limit(fragment("?", constant(^1)))
    query = Schema |> select(fragment("?", constant(^"let's escape")))
    query = Schema
          |> select([r], r.x)
          |> where([r], fragment("? in (?,?,?)", r.x, ^1, splice(^[2, 3, 4]), ^5))
    value = 13
    query = Schema |> select([r], fragment("downcase(?, ?)", r.x, ^value))
    query = Schema |> select([], fragment(title: 2))
    {:all, query}
  end,
  fragments_10: fn ->
    query = Schema |> select([r], fragment("now"))
    query = Schema |> select([r], fragment("fun(?)", r))
    query = Schema |> select([r], fragment("downcase(?)", r.x))
    query = Schema |> select([r], fragment("? COLLATE ?", r.x, identifier(^"es_ES")))
    query = Schema |> select([r], r.x) |> limit(fragment("?", constant(^1)))
    query = Schema |> select(fragment("?", constant(^"let's escape")))
    query = Schema
          |> select([r], r.x)
          |> where([r], fragment("? in (?,?,?)", r.x, ^1, splice(^[2, 3, 4]), ^5))
    value = 13
    query = Schema |> select([r], fragment("downcase(?, ?)", r.x, ^value))
    query = Schema |> select([], fragment(title: 2))
    query = Schema |> select([r], fragment("?::integer", r.x and r.y))
    {:all, query}
  end,
  fragments_11: fn ->
    query = Schema |> select([r], fragment("now"))
    query = Schema |> select([r], fragment("fun(?)", r))
    query = Schema |> select([r], fragment("downcase(?)", r.x))
    query = Schema |> select([r], fragment("? COLLATE ?", r.x, identifier(^"es_ES")))
    query = Schema |> select([r], r.x) |> limit(fragment("?", constant(^1)))
    query = Schema |> select(fragment("?", constant(^"let's escape")))
    query = Schema
          |> select([r], r.x)
          |> where([r], fragment("? in (?,?,?)", r.x, ^1, splice(^[2, 3, 4]), ^5))
    value = 13
    query = Schema |> select([r], fragment("downcase(?, ?)", r.x, ^value))
    query = Schema |> select([], fragment(title: 2))
    query = Schema |> select([r], fragment("?::integer", r.x and r.y))
    query = Schema |> select([r], fragment("?::integer", r.x or r.y))
    {:all, query}
  end,
  literals_1: fn ->
    query = "schema" |> where(foo: true) |> select([], true)
    {:all, query}
  end,
  literals_2: fn ->
    query = "schema" |> where(foo: true) |> select([], true)
    query = "schema" |> where(foo: false) |> select([], true)
    {:all, query}
  end,
  literals_3: fn ->
    query = "schema" |> where(foo: true) |> select([], true)
    query = "schema" |> where(foo: false) |> select([], true)
    query = "schema" |> where(foo: "abc") |> select([], true)
    {:all, query}
  end,
  literals_4: fn ->
    query = "schema" |> where(foo: true) |> select([], true)
    query = "schema" |> where(foo: false) |> select([], true)
    query = "schema" |> where(foo: "abc") |> select([], true)
    query = "schema" |> where(foo: <<0, ?a, ?b, ?c>>) |> select([], true)
    {:all, query}
  end,
  literals_5: fn ->
    query = "schema" |> where(foo: true) |> select([], true)
    query = "schema" |> where(foo: false) |> select([], true)
    query = "schema" |> where(foo: "abc") |> select([], true)
    query = "schema" |> where(foo: <<0, ?a, ?b, ?c>>) |> select([], true)
    query = "schema" |> where(foo: 123) |> select([], true)
    {:all, query}
  end,
  literals_6: fn ->
    query = "schema" |> where(foo: true) |> select([], true)
    query = "schema" |> where(foo: false) |> select([], true)
    query = "schema" |> where(foo: "abc") |> select([], true)
    query = "schema" |> where(foo: <<0, ?a, ?b, ?c>>) |> select([], true)
    query = "schema" |> where(foo: 123) |> select([], true)
    query = "schema" |> where(foo: 123.0) |> select([], true)
    {:all, query}
  end,
  aliasing_a_selected_value_with_selected_as_2_1: fn ->
    query = "schema" |> select([s], selected_as(s.x, :integer))
    {:all, query}
  end,
  aliasing_a_selected_value_with_selected_as_2_2: fn ->
    query = "schema" |> select([s], selected_as(s.x, :integer))
    query = "schema" |> select([s], s.x |> coalesce(0) |> sum() |> selected_as(:integer))
    {:all, query}
  end,
  group_by_can_reference_the_alias_of_a_selected_value_with_selected_as_1_1: fn ->
    query = "schema"
          |> select([s], selected_as(s.x, :integer))
          |> group_by(selected_as(:integer))
    {:all, query}
  end,
  order_by_can_reference_the_alias_of_a_selected_value_with_selected_as_1_1: fn ->
    query = "schema"
          |> select([s], selected_as(s.x, :integer))
          |> order_by(selected_as(:integer))
    {:all, query}
  end,
  order_by_can_reference_the_alias_of_a_selected_value_with_selected_as_1_2: fn ->
    query = "schema"
          |> select([s], selected_as(s.x, :integer))
          |> order_by(selected_as(:integer))
    query = "schema"
          |> select([s], selected_as(s.x, :integer))
          |> order_by(desc: selected_as(:integer))
    {:all, query}
  end,
  datetime_add_1: fn ->
    query = "schema"
          |> where([s], datetime_add(s.foo, 1, "month") > s.bar)
          |> select([], true)
    {:all, query}
  end,
  datetime_add_2: fn ->
    query = "schema"
          |> where([s], datetime_add(s.foo, 1, "month") > s.bar)
          |> select([], true)
    query = "schema"
          |> where([s], datetime_add(type(s.foo, :string), 1, "month") > s.bar)
          |> select([], true)
    {:all, query}
  end,
  tagged_type_1: fn ->
    query = Schema |> select([t], type(t.x + t.y, :integer))
    {:all, query}
  end,
  tagged_type_2: fn ->
    query = Schema |> select([t], type(t.x + t.y, :integer))
    query = Schema |> select([], type(^"601d74e4-a8d3-4b6e-8365-eddb4c893327", Ecto.UUID))
    {:all, query}
  end,
  tagged_type_3: fn ->
    query = Schema |> select([t], type(t.x + t.y, :integer))
    query = Schema |> select([], type(^"601d74e4-a8d3-4b6e-8365-eddb4c893327", Ecto.UUID))
    query = Schema
          |> select([], type(^["601d74e4-a8d3-4b6e-8365-eddb4c893327"], {:array, Ecto.UUID}))
    {:all, query}
  end,
  json_extract_path_1: fn ->
    query = Schema |> select([s], json_extract_path(s.meta, [0, 1]))
    {:all, query}
  end,
  json_extract_path_2: fn ->
    query = Schema |> select([s], json_extract_path(s.meta, [0, 1]))
    query = Schema |> select([s], json_extract_path(s.meta, ["a", "b"]))
    {:all, query}
  end,
  json_extract_path_3: fn ->
    query = Schema |> select([s], json_extract_path(s.meta, [0, 1]))
    query = Schema |> select([s], json_extract_path(s.meta, ["a", "b"]))
    query = Schema |> select([s], json_extract_path(s.meta, ["'a"]))
    {:all, query}
  end,
  json_extract_path_4: fn ->
    query = Schema |> select([s], json_extract_path(s.meta, [0, 1]))
    query = Schema |> select([s], json_extract_path(s.meta, ["a", "b"]))
    query = Schema |> select([s], json_extract_path(s.meta, ["'a"]))
    query = Schema |> select([s], json_extract_path(s.meta, ["\"a"]))
    {:all, query}
  end,
  json_extract_path_5: fn ->
    query = Schema |> select([s], json_extract_path(s.meta, [0, 1]))
    query = Schema |> select([s], json_extract_path(s.meta, ["a", "b"]))
    query = Schema |> select([s], json_extract_path(s.meta, ["'a"]))
    query = Schema |> select([s], json_extract_path(s.meta, ["\"a"]))
    query = Schema |> select([s], json_extract_path(s.meta, [s.x]))
    {:all, query}
  end,
  json_extract_path_6: fn ->
    query = Schema |> select([s], json_extract_path(s.meta, [0, 1]))
    query = Schema |> select([s], json_extract_path(s.meta, ["a", "b"]))
    query = Schema |> select([s], json_extract_path(s.meta, ["'a"]))
    query = Schema |> select([s], json_extract_path(s.meta, ["\"a"]))
    query = Schema |> select([s], json_extract_path(s.meta, [s.x]))
    query = Schema |> select([s], json_extract_path(s.meta, ["a", s.x, 0]))
    {:all, query}
  end,
  json_extract_path_7: fn ->
    query = Schema |> select([s], json_extract_path(s.meta, [0, 1]))
    query = Schema |> select([s], json_extract_path(s.meta, ["a", "b"]))
    query = Schema |> select([s], json_extract_path(s.meta, ["'a"]))
    query = Schema |> select([s], json_extract_path(s.meta, ["\"a"]))
    query = Schema |> select([s], json_extract_path(s.meta, [s.x]))
    query = Schema |> select([s], json_extract_path(s.meta, ["a", s.x, 0]))
    squery = Schema
          |> where([s], is_nil(json_extract_path(s.meta, [parent_as(:s).x])))
          |> select([s], s.x)
    query = Schema |> from(as: :s) |> where([s], s.x in subquery(squery)) |> select([s], s.x)
    {:all, query}
  end,
  optimized_json_extract_path_1: fn ->
    query = Schema |> where([s], s.meta["id"] == 123) |> select(true)
    {:all, query}
  end,
  optimized_json_extract_path_2: fn ->
    query = Schema |> where([s], s.meta["id"] == 123) |> select(true)
    query = Schema |> where([s], s.meta["id"] == "123") |> select(true)
    {:all, query}
  end,
  optimized_json_extract_path_3: fn ->
    query = Schema |> where([s], s.meta["id"] == 123) |> select(true)
    query = Schema |> where([s], s.meta["id"] == "123") |> select(true)
    query = Schema |> where([s], s.meta["tags"][0]["name"] == "123") |> select(true)
    {:all, query}
  end,
  optimized_json_extract_path_4: fn ->
    query = Schema |> where([s], s.meta["id"] == 123) |> select(true)
    query = Schema |> where([s], s.meta["id"] == "123") |> select(true)
    query = Schema |> where([s], s.meta["tags"][0]["name"] == "123") |> select(true)
    query = Schema |> where([s], s.meta[0] == "123") |> select(true)
    {:all, query}
  end,
  optimized_json_extract_path_5: fn ->
    query = Schema |> where([s], s.meta["id"] == 123) |> select(true)
    query = Schema |> where([s], s.meta["id"] == "123") |> select(true)
    query = Schema |> where([s], s.meta["tags"][0]["name"] == "123") |> select(true)
    query = Schema |> where([s], s.meta[0] == "123") |> select(true)
    query = Schema |> where([s], s.meta["enabled"] == true) |> select(true)
    {:all, query}
  end,
  optimized_json_extract_path_6: fn ->
    query = Schema |> where([s], s.meta["id"] == 123) |> select(true)
    query = Schema |> where([s], s.meta["id"] == "123") |> select(true)
    query = Schema |> where([s], s.meta["tags"][0]["name"] == "123") |> select(true)
    query = Schema |> where([s], s.meta[0] == "123") |> select(true)
    query = Schema |> where([s], s.meta["enabled"] == true) |> select(true)
    query = Schema |> where([s], s.meta["extra"][0]["enabled"] == false) |> select(true)
    {:all, query}
  end,
  optimized_json_extract_path_7: fn ->
    query = Schema |> where([s], s.meta["id"] == 123) |> select(true)
    query = Schema |> where([s], s.meta["id"] == "123") |> select(true)
    query = Schema |> where([s], s.meta["tags"][0]["name"] == "123") |> select(true)
    query = Schema |> where([s], s.meta[0] == "123") |> select(true)
    query = Schema |> where([s], s.meta["enabled"] == true) |> select(true)
    query = Schema |> where([s], s.meta["extra"][0]["enabled"] == false) |> select(true)
    query = Schema |> where([s], s.meta[s.x][0]["name"] == "123") |> select(true)
    {:all, query}
  end,
  nested_expressions_1: fn ->
    z = 123
    query = from(r in Schema, []) |> select([r], (r.x > 0 and r.y > ^(-z)) or true)
    {:all, query}
  end,
  in_expression_1: fn ->
    query = Schema |> select([e], 1 in [])
    {:all, query}
  end,
  in_expression_2: fn ->
    query = Schema |> select([e], 1 in [])
    query = Schema |> select([e], 1 in [1, e.x, 3])
    {:all, query}
  end,
  in_expression_3: fn ->
    query = Schema |> select([e], 1 in [])
    query = Schema |> select([e], 1 in [1, e.x, 3])
    query = Schema |> select([e], 1 in ^[])
    {:all, query}
  end,
  in_expression_4: fn ->
    query = Schema |> select([e], 1 in [])
    query = Schema |> select([e], 1 in [1, e.x, 3])
    query = Schema |> select([e], 1 in ^[])
    query = Schema |> select([e], 1 in ^[1, 2, 3])
    {:all, query}
  end,
  in_expression_5: fn ->
    query = Schema |> select([e], 1 in [])
    query = Schema |> select([e], 1 in [1, e.x, 3])
    query = Schema |> select([e], 1 in ^[])
    query = Schema |> select([e], 1 in ^[1, 2, 3])
    query = Schema |> select([e], 1 in [1, ^2, 3])
    {:all, query}
  end,
  in_expression_6: fn ->
    query = Schema |> select([e], 1 in [])
    query = Schema |> select([e], 1 in [1, e.x, 3])
    query = Schema |> select([e], 1 in ^[])
    query = Schema |> select([e], 1 in ^[1, 2, 3])
    query = Schema |> select([e], 1 in [1, ^2, 3])
    query = Schema |> select([e], ^1 in [1, ^2, 3])
    {:all, query}
  end,
  in_expression_7: fn ->
    query = Schema |> select([e], 1 in [])
    query = Schema |> select([e], 1 in [1, e.x, 3])
    query = Schema |> select([e], 1 in ^[])
    query = Schema |> select([e], 1 in ^[1, 2, 3])
    query = Schema |> select([e], 1 in [1, ^2, 3])
    query = Schema |> select([e], ^1 in [1, ^2, 3])
    query = Schema |> select([e], ^1 in ^[1, 2, 3])
    {:all, query}
  end,
  in_expression_8: fn ->
    query = Schema |> select([e], 1 in [])
    query = Schema |> select([e], 1 in [1, e.x, 3])
    query = Schema |> select([e], 1 in ^[])
    query = Schema |> select([e], 1 in ^[1, 2, 3])
    query = Schema |> select([e], 1 in [1, ^2, 3])
    query = Schema |> select([e], ^1 in [1, ^2, 3])
    query = Schema |> select([e], ^1 in ^[1, 2, 3])
    query = Schema |> select([e], 1 in e.w)
    {:all, query}
  end,
  in_expression_9: fn ->
    query = Schema |> select([e], 1 in [])
    query = Schema |> select([e], 1 in [1, e.x, 3])
    query = Schema |> select([e], 1 in ^[])
    query = Schema |> select([e], 1 in ^[1, 2, 3])
    query = Schema |> select([e], 1 in [1, ^2, 3])
    query = Schema |> select([e], ^1 in [1, ^2, 3])
    query = Schema |> select([e], ^1 in ^[1, 2, 3])
    query = Schema |> select([e], 1 in e.w)
    query = Schema |> select([e], 1 in fragment("foo"))
    {:all, query}
  end,
  in_expression_10: fn ->
    query = Schema |> select([e], 1 in [])
    query = Schema |> select([e], 1 in [1, e.x, 3])
    query = Schema |> select([e], 1 in ^[])
    query = Schema |> select([e], 1 in ^[1, 2, 3])
    query = Schema |> select([e], 1 in [1, ^2, 3])
    query = Schema |> select([e], ^1 in [1, ^2, 3])
    query = Schema |> select([e], ^1 in ^[1, 2, 3])
    query = Schema |> select([e], 1 in e.w)
    query = Schema |> select([e], 1 in fragment("foo"))
    query = Schema |> select([e], e.x == ^0 or e.x in ^[1, 2, 3] or e.x == ^4)
    {:all, query}
  end,
  in_subquery_1: fn ->
    posts = subquery("posts" |> where(title: ^"hello") |> select([p], p.id))
    query = "comments" |> where([c], c.post_id in subquery(posts)) |> select([c], c.x)
    {:all, query}
  end,
  in_subquery_2: fn ->
    posts = subquery("posts" |> where(title: ^"hello") |> select([p], p.id))
    query = "comments" |> where([c], c.post_id in subquery(posts)) |> select([c], c.x)
    posts = subquery("posts" |> where(title: parent_as(:comment).subtitle) |> select([p], p.id))
    query = "comments"
          |> from(as: :comment)
          |> where([c], c.post_id in subquery(posts))
          |> select([c], c.x)
    {:all, query}
  end,
  having_1: fn ->
    query = Schema |> having([p], p.x == p.x) |> select([], true)
    {:all, query}
  end,
  having_2: fn ->
    query = Schema |> having([p], p.x == p.x) |> select([], true)
    query = Schema |> having([p], p.x == p.x) |> having([p], p.y == p.y) |> select([], true)
    {:all, query}
  end,
  or_having_1: fn ->
    query = Schema |> or_having([p], p.x == p.x) |> select([], true)
    {:all, query}
  end,
  or_having_2: fn ->
    query = Schema |> or_having([p], p.x == p.x) |> select([], true)
    query = Schema
          |> or_having([p], p.x == p.x)
          |> or_having([p], p.y == p.y)
          |> select([], true)
    {:all, query}
  end,
  group_by_1: fn ->
    query = Schema |> group_by([r], r.x) |> select([r], r.x)
    {:all, query}
  end,
  group_by_2: fn ->
    query = Schema |> group_by([r], r.x) |> select([r], r.x)
    query = Schema |> group_by([r], 2) |> select([r], r.x)
    {:all, query}
  end,
  group_by_3: fn ->
    query = Schema |> group_by([r], r.x) |> select([r], r.x)
    query = Schema |> group_by([r], 2) |> select([r], r.x)
    query = Schema |> group_by([r], [r.x, r.y]) |> select([r], r.x)
    {:all, query}
  end,
  group_by_4: fn ->
    query = Schema |> group_by([r], r.x) |> select([r], r.x)
    query = Schema |> group_by([r], 2) |> select([r], r.x)
    query = Schema |> group_by([r], [r.x, r.y]) |> select([r], r.x)
    query = Schema |> group_by([r], []) |> select([r], r.x)
    {:all, query}
  end,
  group_by_5: fn ->
    query = Schema |> group_by([r], r.x) |> select([r], r.x)
    query = Schema |> group_by([r], 2) |> select([r], r.x)
    query = Schema |> group_by([r], [r.x, r.y]) |> select([r], r.x)
    query = Schema |> group_by([r], []) |> select([r], r.x)
    query = from(row in Schema, as: :r, select: row.x)
          |> group_by(
            [r],
            exists(
              from other_schema in "schema",
                where: other_schema.x == parent_as(:r).x,
                select: [other_schema.x]
            )
          )
    {:all, query}
  end,
  arrays_and_sigils_1: fn ->
    query = Schema |> select([], fragment("?", [1, 2, 3]))
    {:all, query}
  end,
  arrays_and_sigils_2: fn ->
    query = Schema |> select([], fragment("?", [1, 2, 3]))
    query = Schema |> select([], fragment("?", ~w(abc def)))
    {:all, query}
  end,
  arrays_and_sigils_3: fn ->
    query = Schema |> select([], fragment("?", [1, 2, 3]))
    query = Schema |> select([], fragment("?", ~w(abc def)))
    query = Schema |> where([s], s.w == []) |> select([s], s.w)
    {:all, query}
  end,
  interpolated_values_1: fn ->
    cte1 = "schema1" |> select([m], %{id: m.id, smth: ^true}) |> where([], fragment("?", ^1))
    union = "schema1" |> select([m], {m.id, ^true}) |> where([], fragment("?", ^5))
    union_all = "schema2" |> select([m], {m.id, ^false}) |> where([], fragment("?", ^6))
    query = "schema"
          |> with_cte("cte1", as: ^cte1)
          |> with_cte("cte2", as: fragment("SELECT * FROM schema WHERE ?", ^2))
          |> select([m], {m.id, ^true})
          |> join(:inner, [], Schema2, on: fragment("?", ^true))
          |> join(:inner, [], Schema2, on: fragment("?", ^false))
          |> where([], fragment("?", ^true))
          |> where([], fragment("?", ^false))
          |> having([], fragment("?", ^true))
          |> having([], fragment("?", ^false))
          |> group_by([], fragment("?", ^3))
          |> group_by([], fragment("?", ^4))
          |> union(^union)
          |> union_all(^union_all)
          |> order_by([], fragment("?", ^7))
          |> limit([], ^8)
          |> offset([], ^9)
    result = "WITH \"cte1\" AS (SELECT ss0.\"id\" AS \"id\", $1 AS \"smth\" FROM \"schema1\" AS ss0 WHERE ($2)), " <>
            "\"cte2\" AS (SELECT * FROM schema WHERE $3) " <>
            "SELECT s0.\"id\", $4 FROM \"schema\" AS s0 INNER JOIN \"schema2\" AS s1 ON $5 " <>
            "INNER JOIN \"schema2\" AS s2 ON $6 WHERE ($7) AND ($8) " <>
            "GROUP BY $9, $10 HAVING ($11) AND ($12) " <>
            "UNION (SELECT s0.\"id\", $13 FROM \"schema1\" AS s0 WHERE ($14)) " <>
            "UNION ALL (SELECT s0.\"id\", $15 FROM \"schema2\" AS s0 WHERE ($16)) " <>
            "ORDER BY $17 LIMIT $18 OFFSET $19"
    {:all, query}
  end,
  order_by_and_types_1: fn ->
    query = "schema3"
          |> order_by([e], type(fragment("?", e.binary), ^:decimal))
          |> select(true)
    {:all, query}
  end,
  fragments_and_types_1: fn ->
    query = from(e in "schema",
              where: fragment("extract(? from ?) = ?", ^"month", e.start_time, type(^"4", :integer)),
              where:
                fragment("extract(? from ?) = ?", ^"year", e.start_time, type(^"2015", :integer)),
              select: true
            )
    result = "SELECT TRUE FROM \"schema\" AS s0 " <>
            "WHERE (extract($1 from s0.\"start_time\") = $2::bigint) " <>
            "AND (extract($3 from s0.\"start_time\") = $4::bigint)"
    {:all, query}
  end,
  fragments_allow_to_be_escaped_with_backslash_1: fn ->
    query = from(e in "schema",
              where: fragment("? = \"query\\?\"", e.start_time),
              select: true
            )
    result = "SELECT TRUE FROM \"schema\" AS s0 " <>
            "WHERE (s0.\"start_time\" = \"query?\")"
    {:all, query}
  end,
  update_all_1: fn ->
    query = from(m in Schema, update: [set: [x: 0]])
    {:update_all, query}
  end,
  update_all_2: fn ->
    query = from(m in Schema, update: [set: [x: 0]])
    query = from(m in Schema, update: [set: [x: 0], inc: [y: 1, z: -3]])
    {:update_all, query}
  end,
  update_all_3: fn ->
    query = from(m in Schema, update: [set: [x: 0]])
    query = from(m in Schema, update: [set: [x: 0], inc: [y: 1, z: -3]])
    query = from(e in Schema, where: e.x == 123, update: [set: [x: 0]])
    {:update_all, query}
  end,
  update_all_4: fn ->
    query = from(m in Schema, update: [set: [x: 0]])
    query = from(m in Schema, update: [set: [x: 0], inc: [y: 1, z: -3]])
    query = from(e in Schema, where: e.x == 123, update: [set: [x: 0]])
    query = from(m in Schema, update: [set: [x: ^0]])
    {:update_all, query}
  end,
  update_all_5: fn ->
    query = from(m in Schema, update: [set: [x: 0]])
    query = from(m in Schema, update: [set: [x: 0], inc: [y: 1, z: -3]])
    query = from(e in Schema, where: e.x == 123, update: [set: [x: 0]])
    query = from(m in Schema, update: [set: [x: ^0]])
    query = Schema
          |> join(:inner, [p], q in Schema2, on: p.x == q.z)
          |> update([_], set: [x: 0])
    {:update_all, query}
  end,
  update_all_6: fn ->
    query = from(m in Schema, update: [set: [x: 0]])
    query = from(m in Schema, update: [set: [x: 0], inc: [y: 1, z: -3]])
    query = from(e in Schema, where: e.x == 123, update: [set: [x: 0]])
    query = from(m in Schema, update: [set: [x: ^0]])
    query = Schema
          |> join(:inner, [p], q in Schema2, on: p.x == q.z)
          |> update([_], set: [x: 0])
    query = from(e in Schema,
            where: e.x == 123,
            update: [set: [x: 0]],
            join: q in Schema2,
            on: e.x == q.z
          )
    {:update_all, query}
  end,
  update_all_with_returning_1: fn ->
    query = from(m in Schema, update: [set: [x: 0]]) |> select([m], m)
    {:update_all, query}
  end,
  update_all_with_returning_2: fn ->
    query = from(m in Schema, update: [set: [x: 0]]) |> select([m], m)
    query = from(m in Schema, update: [set: [x: ^1]])
          |> where([m], m.x == ^2)
          |> select([m], m.x == ^3)
    {:update_all, query}
  end,
  update_all_array_ops_1: fn ->
    query = from(m in Schema, update: [push: [w: 0]])
    {:update_all, query}
  end,
  update_all_array_ops_2: fn ->
    query = from(m in Schema, update: [push: [w: 0]])
    query = from(m in Schema, update: [pull: [w: 0]])
    {:update_all, query}
  end,
  update_all_with_subquery_1: fn ->
    sub = from(p in Schema, where: p.x > ^10)
    query = Schema
          |> join(:inner, [p], p2 in subquery(sub), on: p.id == p2.id)
          |> update([_], set: [x: ^100])
    planned_query = query
    {:update_all, planned_query}
  end,
  update_all_with_prefix_1: fn ->
    query = from(m in Schema, update: [set: [x: 0]]) |> Map.put(:prefix, "prefix")
    {:update_all, query}
  end,
  update_all_with_prefix_2: fn ->
    query = from(m in Schema, update: [set: [x: 0]]) |> Map.put(:prefix, "prefix")
    query = from(m in Schema, prefix: "first", update: [set: [x: 0]])
          |> Map.put(:prefix, "prefix")
    {:update_all, query}
  end,
  update_all_with_left_join_1: fn ->
    query = from(m in Schema,
            join: x in assoc(m, :comments),
            left_join: p in assoc(m, :permalink),
            update: [set: [w: m.list2]]
          )
    {:update_all, query}
  end,
  update_all_with_left_join_but_no_inner_join_1: fn ->
    query = from(m in Schema,
            left_join: p in assoc(m, :permalink),
            left_join: x in assoc(m, :permalink),
            update: [set: [w: m.list2]]
          )
    {:update_all, query}
  end,
  delete_all_1: fn ->
    query = Schema |> Ecto.Queryable.to_query()
    {:delete_all, query}
  end,
  delete_all_2: fn ->
    query = Schema |> Ecto.Queryable.to_query()
    query = from(e in Schema, where: e.x == 123)
    {:delete_all, query}
  end,
  delete_all_3: fn ->
    query = Schema |> Ecto.Queryable.to_query()
    query = from(e in Schema, where: e.x == 123)
    query = Schema |> join(:inner, [p], q in Schema2, on: p.x == q.z)
    {:delete_all, query}
  end,
  delete_all_4: fn ->
    query = Schema |> Ecto.Queryable.to_query()
    query = from(e in Schema, where: e.x == 123)
    query = Schema |> join(:inner, [p], q in Schema2, on: p.x == q.z)
    query = from(e in Schema, where: e.x == 123, join: q in Schema2, on: e.x == q.z)
    {:delete_all, query}
  end,
  delete_all_5: fn ->
    query = Schema |> Ecto.Queryable.to_query()
    query = from(e in Schema, where: e.x == 123)
    query = Schema |> join(:inner, [p], q in Schema2, on: p.x == q.z)
    query = from(e in Schema, where: e.x == 123, join: q in Schema2, on: e.x == q.z)
    query = from(e in Schema, where: e.x == 123, join: assoc(e, :comments), join: assoc(e, :permalink))
    {:delete_all, query}
  end,
  delete_all_with_returning_1: fn ->
    query = Schema |> Ecto.Queryable.to_query() |> select([m], m)
    {:delete_all, query}
  end,
  delete_all_with_prefix_1: fn ->
    query = Schema |> Ecto.Queryable.to_query() |> Map.put(:prefix, "prefix")
    {:delete_all, query}
  end,
  delete_all_with_prefix_2: fn ->
    query = Schema |> Ecto.Queryable.to_query() |> Map.put(:prefix, "prefix")
    query = Schema |> from(prefix: "first") |> Map.put(:prefix, "prefix")
    {:delete_all, query}
  end,
  one_window_1: fn ->
    query = Schema
            |> select([r], r.x)
            |> windows([r], w: [partition_by: r.x])
    {:all, query}
  end,
  window_with_subquery_1: fn ->
    query = from(row in Schema, as: :r)
            |> select([r], r.x)
            |> windows([r],
              w: [
                order_by:
                  exists(
                    from other_schema in "schema",
                      where: other_schema.x == parent_as(:r).x,
                      select: [other_schema.x]
                  )
              ]
            )
    {:all, query}
  end,
  two_windows_1: fn ->
    query = Schema
            |> select([r], r.x)
            |> windows([r], w1: [partition_by: r.x], w2: [partition_by: r.y])
    {:all, query}
  end,
  count_over_window_1: fn ->
    query = Schema
            |> windows([r], w: [partition_by: r.x])
            |> select([r], count(r.x) |> over(:w))
    {:all, query}
  end,
  count_over_all_1: fn ->
    query = Schema
            |> select([r], count(r.x) |> over)
    {:all, query}
  end,
  row_number_over_all_1: fn ->
    query = Schema
            |> select(row_number |> over)
    {:all, query}
  end,
  nth_value_over_all_1: fn ->
    query = Schema
            |> select([r], nth_value(r.x, 42) |> over)
    {:all, query}
  end,
  lag_2_over_all_1: fn ->
    query = Schema
            |> select([r], lag(r.x, 42) |> over)
    {:all, query}
  end,
  custom_aggregation_over_all_1: fn ->
    query = Schema
            |> select([r], fragment("custom_function(?)", r.x) |> over)
    {:all, query}
  end,
  partition_by_and_order_by_on_window_1: fn ->
    query = Schema
            |> windows([r], w: [partition_by: [r.x, r.z], order_by: r.x])
            |> select([r], r.x)
    {:all, query}
  end,
  partition_by_one_order_by_over_1: fn ->
    query = Schema
            |> select([r], count(r.x) |> over(partition_by: [r.x, r.z], order_by: r.x))
    query = query
    {:all, query}
  end,
  frame_clause_1: fn ->
    query = select(
              Schema,
              [r],
              count(r.x)
              |> over(
                partition_by: [r.x, r.z],
                order_by: r.x,
                frame: fragment("ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING")
              )
            )
    query = query
    {:all, query}
  end,
  join_1: fn ->
    query = Schema |> join(:inner, [p], q in Schema2, on: p.x == q.z) |> select([], true)
    {:all, query}
  end,
  join_2: fn ->
    query = Schema |> join(:inner, [p], q in Schema2, on: p.x == q.z) |> select([], true)
    query = Schema
          |> join(:inner, [p], q in Schema2, on: p.x == q.z)
          |> join(:inner, [], Schema, on: true)
          |> select([], true)
    {:all, query}
  end,
  join_with_hints_1: fn ->
    {:all, Schema
          |> join(:inner, [p], q in Schema2, hints: ["USE INDEX FOO", "USE INDEX BAR"], on: true)
          |> select([], true)}
  end,
  join_with_nothing_bound_1: fn ->
    query = Schema |> join(:inner, [], q in Schema2, on: q.z == q.z) |> select([], true)
    {:all, query}
  end,
  join_without_schema_1: fn ->
    query = "posts" |> join(:inner, [p], q in "comments", on: p.x == q.z) |> select([], true)
    {:all, query}
  end,
  join_with_subquery_1: fn ->
    posts = subquery("posts" |> where(title: ^"hello") |> select([r], %{x: r.x, y: r.y}))
    query = "comments"
          |> join(:inner, [c], p in subquery(posts), on: true)
          |> select([_, p], p.x)
    {:all, query}
  end,
  join_with_subquery_2: fn ->
    posts = subquery("posts" |> where(title: ^"hello") |> select([r], %{x: r.x, y: r.y}))
    query = "comments"
          |> join(:inner, [c], p in subquery(posts), on: true)
          |> select([_, p], p.x)
    posts = subquery("posts" |> where(title: ^"hello") |> select([r], %{x: r.x, z: r.y}))
    query = "comments"
          |> join(:inner, [c], p in subquery(posts), on: true)
          |> select([_, p], p)
    {:all, query}
  end,
  join_with_subquery_3: fn ->
    posts = subquery("posts" |> where(title: ^"hello") |> select([r], %{x: r.x, y: r.y}))
    query = "comments"
          |> join(:inner, [c], p in subquery(posts), on: true)
          |> select([_, p], p.x)
    posts = subquery("posts" |> where(title: ^"hello") |> select([r], %{x: r.x, z: r.y}))
    query = "comments"
          |> join(:inner, [c], p in subquery(posts), on: true)
          |> select([_, p], p)
    posts = subquery("posts" |> where(title: parent_as(:comment).subtitle) |> select([r], r.title))
    query = "comments"
          |> from(as: :comment)
          |> join(:inner, [c], p in subquery(posts), on: true)
          |> select([_, p], p)
    {:all, query}
  end,
  join_with_prefix_1: fn ->
    query = Schema
          |> join(:inner, [p], q in Schema2, on: p.x == q.z)
          |> select([], true)
          |> Map.put(:prefix, "prefix")
    {:all, query}
  end,
  join_with_prefix_2: fn ->
    query = Schema
          |> join(:inner, [p], q in Schema2, on: p.x == q.z)
          |> select([], true)
          |> Map.put(:prefix, "prefix")
    query = Schema
          |> from(prefix: "first")
          |> join(:inner, [p], q in Schema2, on: p.x == q.z, prefix: "second")
          |> select([], true)
          |> Map.put(:prefix, "prefix")
    {:all, query}
  end,
  join_with_fragment_1: fn ->
    query = Schema
          |> join(
            :inner,
            [p],
            q in fragment("SELECT * FROM schema2 AS s2 WHERE s2.id = ? AND s2.field = ?", p.x, ^10),
            on: true
          )
          |> select([p], {p.id, ^0})
          |> where([p], p.id > 0 and p.id < ^100)
    {:all, query}
  end,
  join_with_fragment_and_on_defined_1: fn ->
    query = Schema
          |> join(:inner, [p], q in fragment("SELECT * FROM schema2"), on: q.id == p.id)
          |> select([p], {p.id, ^0})
    {:all, query}
  end,
  join_with_query_interpolation_1: fn ->
    inner = Ecto.Queryable.to_query(Schema2)
    query = from(p in Schema, left_join: c in ^inner, on: true, select: {p.id, c.id})
    {:all, query}
  end,
  lateral_join_with_fragment_1: fn ->
    query = Schema
          |> join(
            :inner_lateral,
            [p],
            q in fragment("SELECT * FROM schema2 AS s2 WHERE s2.id = ? AND s2.field = ?", p.x, ^10),
            on: true
          )
          |> select([p, q], {p.id, q.z})
          |> where([p], p.id > 0 and p.id < ^100)
    {:all, query}
  end,
  cross_lateral_join_with_fragment_1: fn ->
    query = Schema
          |> join(
            :cross_lateral,
            [p],
            q in fragment("SELECT * FROM schema2 AS s2 WHERE s2.id = ? AND s2.field = ?", p.x, ^10)
          )
          |> select([p, q], {p.id, q.z})
          |> where([p], p.id > 0 and p.id < ^100)
    {:all, query}
  end,
  cross_join_1: fn ->
    query = from(p in Schema, cross_join: c in Schema2, select: {p.id, c.id})
    {:all, query}
  end,
  cross_join_with_fragment_1: fn ->
    query = from(p in Schema, cross_join: fragment("jsonb_each(?)", p.j), select: {p.id})
    {:all, query}
  end,
  join_produces_correct_bindings_1: fn ->
    query = from(p in Schema, join: c in Schema2, on: true)
    query = from(p in query, join: c in Schema2, on: true, select: {p.id, c.id})
    query = query
    {:all, query}
  end,
  self_join_on_subquery_1: fn ->
    subquery = select(Schema, [r], %{x: r.x, y: r.y})
    query = subquery |> join(:inner, [c], p in subquery(subquery), on: true)
    {:all, query}
  end,
  self_join_on_subquery_with_fragment_1: fn ->
    subquery = select(Schema, [r], %{string: fragment("downcase(?)", ^"string")})
    query = subquery |> join(:inner, [c], p in subquery(subquery), on: true)
    {:all, query}
  end,
  join_on_subquery_with_simple_select_1: fn ->
    subquery = select(Schema, [r], %{x: ^999, w: ^888})
    query = Schema
            |> select([r], %{y: ^666})
            |> join(:inner, [c], p in subquery(subquery), on: true)
            |> where([a, b], a.x == ^111)
    {:all, query}
  end,
  association_join_belongs_to_1: fn ->
    query = Schema2 |> join(:inner, [c], p in assoc(c, :post)) |> select([], true)
    {:all, query}
  end,
  association_join_has_many_1: fn ->
    query = Schema |> join(:inner, [p], c in assoc(p, :comments)) |> select([], true)
    {:all, query}
  end,
  association_join_has_one_1: fn ->
    query = Schema |> join(:inner, [p], pp in assoc(p, :permalink)) |> select([], true)
    {:all, query}
  end,
  field_2_with_string_name_1: fn ->
    {:all, from(s in "schema", select: field(s, "x"))}
  end,
  field_2_with_string_name_2: fn ->
    {:all, from(s in "schema", as: :schema, select: field(as(:schema), "x"))}
  end,
  values_list_all: fn ->
    values = [%{bid: "8a6a8f5e-1c3b-4a8e-9a57-6f4b1d2c3e4f", num: 1}, %{num: 2, bid: "8a6a8f5e-1c3b-4a8e-9a57-6f4b1d2c3e4f"}]
    types = %{bid: Ecto.UUID, num: :integer}
    {:all, from(v1 in values(values, types), join: v2 in values(values, types), on: v1.bid == v2.bid, select: v2, where: v1.num == ^2)}
  end,
  values_list_delete_all: fn ->
    values = [%{bid: "8a6a8f5e-1c3b-4a8e-9a57-6f4b1d2c3e4f", num: 1}, %{num: 2, bid: "8a6a8f5e-1c3b-4a8e-9a57-6f4b1d2c3e4f"}]
    types = %{bid: Ecto.UUID, num: :integer}
    {:delete_all, from(s in "schema", join: v in values(values, types), on: s.x == v.num, where: v.num == ^2)}
  end,
  values_list_update_all: fn ->
    values = [%{bid: "8a6a8f5e-1c3b-4a8e-9a57-6f4b1d2c3e4f", num: 1}, %{num: 2, bid: "8a6a8f5e-1c3b-4a8e-9a57-6f4b1d2c3e4f"}]
    types = %{bid: Ecto.UUID, num: :integer}
    {:update_all, from(s in "schema", join: v in values(values, types), on: s.x == v.num, where: v.num == ^2, update: [set: [y: v.num]])}
  end
]
