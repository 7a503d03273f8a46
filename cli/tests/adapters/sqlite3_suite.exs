# Query assertions of ecto_sqlite3's connection tests (test/ecto/adapters/sqlite3/connection/*),
# rewritten as `ectoplasm sql` entries: each entry builds the query the test
# plans and returns `{operation, query}`; the expected SQLite3 SQL (or the
# error kind the test expects) is in sqlite3_suite.jsonl.
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
  aggregates_counts_1: fn ->
    query = Schema
          |> select([r], count(r.x))
    {:all, query}
  end,
  aggregates_raises_when_counting_a_source_1: fn ->
    query = Schema
          |> select([r], count(r))
    msg = ~r"The argument to `count/1` must be a column in SQLite3"
    {:all, query}
  end,
  aggregates_distinct_counts_1: fn ->
    query = Schema
          |> select([r], count(r.x, :distinct))
    {:all, query}
  end,
  aggregates_allows_naked_count_1: fn ->
    query = Schema
          |> select([r], count())
    {:all, query}
  end,
  aggregates_aggregate_count_with_a_filter_1: fn ->
    query = Schema
          |> select([r], count(r.x) |> filter(r.x > 10))
    {:all, query}
  end,
  aggregates_aggregate_count_with_a_more_complex_filter_1: fn ->
    query = Schema
          |> select([r], count(r.x) |> filter(r.x > 10 and r.x < 50))
    {:all, query}
  end,
  aggregates_aggregate_naked_count_with_a_filter_1: fn ->
    query = Schema
          |> select([r], count() |> filter(r.x > 10))
    {:all, query}
  end,
  associations_association_join_belongs_to_1: fn ->
    query = Schema2
          |> join(:inner, [c], p in assoc(c, :post))
          |> select([], true)
    {:all, query}
  end,
  associations_association_join_has_many_1: fn ->
    query = Schema
          |> join(:inner, [p], c in assoc(p, :comments))
          |> select([], true)
    {:all, query}
  end,
  associations_association_join_has_one_1: fn ->
    query = Schema
          |> join(:inner, [p], pp in assoc(p, :permalink))
          |> select([], true)
    {:all, query}
  end,
  coalesce_coalesce_1: fn ->
    query = Schema
          |> select([s], coalesce(s.x, 5))
    {:all, query}
  end,
  cte_cte_1: fn ->
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
  cte_reference_cte_in_union_1: fn ->
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
  cte_fragment_cte_1: fn ->
    query = Schema
          |> recursive_ctes(true)
          |> with_cte("tree", as: fragment("SELECT * FROM categories WHERE c.parent_id IS NULL\nUNION ALL\nSELECT * FROM categories AS c, category_tree AS ct WHERE ct.id = c.parent_id\n"))
          |> join(:inner, [p], c in "tree", on: c.id == p.category_id)
          |> select([r], r.x)
    {:all, query}
  end,
  cte_cte_update_all_1: fn ->
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
  cte_cte_delete_all_1: fn ->
    cte_query = from(x in Schema,
            order_by: [asc: :id],
            limit: 10,
            inner_join: q in Schema2,
            on: x.x == q.z,
            select: %{id: x.id}
          )
    query = Schema
          |> with_cte("target_rows", as: ^cte_query)
          |> select([r, t], r)
    {:delete_all, query}
  end,
  cte_parent_binding_subquery_and_cte_1: fn ->
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
  cte_interpolated_values_1: fn ->
    cte1 = "schema1"
          |> select([m], %{id: m.id, smth: ^true})
          |> where([], fragment("?", ^1))
    union = "schema1"
          |> select([m], {m.id, ^true})
          |> where([], fragment("?", ^5))
    union_all = "schema2"
          |> select([m], {m.id, ^false})
          |> where([], fragment("?", ^6))
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
    result = """
        WITH "cte1" AS (SELECT ss0."id" AS "id", ? AS "smth" FROM "schema1" AS ss0 WHERE (?)), \
        "cte2" AS (SELECT * FROM schema WHERE ?) \
        SELECT s0."id", ? FROM "schema" AS s0 INNER JOIN "schema2" AS s1 ON ? \
        INNER JOIN "schema2" AS s2 ON ? WHERE (?) AND (?) \
        GROUP BY ?, ? HAVING (?) AND (?) \
        UNION SELECT s0."id", ? FROM "schema1" AS s0 WHERE (?) \
        UNION ALL SELECT s0."id", ? FROM "schema2" AS s0 WHERE (?) \
        ORDER BY ? LIMIT ? OFFSET ?\
        """
    {:all, query}
  end,
  datetime_add_add_a_month_1: fn ->
    query = "schema"
          |> where([s], datetime_add(s.foo, 1, "month") > s.bar)
          |> select([], true)
    {:all, query}
  end,
  datetime_add_add_a_month_with_a_string_cast_1: fn ->
    query = "schema"
          |> where([s], datetime_add(type(s.foo, :string), 1, "month") > s.bar)
          |> select([], true)
    {:all, query}
  end,
  delete_all_delete_all_with_only_the_schema_1: fn ->
    query = Schema
          |> Ecto.Queryable.to_query()
    {:delete_all, query}
  end,
  delete_all_delete_all_with_filters_1: fn ->
    query = from(e in Schema)
          |> where([e], e.x == 123)
    {:delete_all, query}
  end,
  delete_all_join_in_a_delete_is_not_supported_1: fn ->
    {:delete_all, Schema
          |> join(:inner, [p], q in Schema2, on: p.x == q.z)}
  end,
  delete_all_join_in_a_delete_is_not_supported_2: fn ->
    {:delete_all, from(e in Schema)
          |> where([e], e.x == 123)
          |> join(:inner, [e], q in Schema2, on: e.x == q.z)}
  end,
  delete_all_join_in_a_delete_is_not_supported_3: fn ->
    {:delete_all, from(e in Schema,
            where: e.x == 123,
            join: assoc(e, :comments),
            join: assoc(e, :permalink)
          )}
  end,
  delete_all_delete_all_with_returning_1: fn ->
    query = Schema
          |> Ecto.Queryable.to_query()
          |> select([m], m)
    {:delete_all, query}
  end,
  delete_all_delete_all_with_prefix_1: fn ->
    {:delete_all, Schema
          |> Ecto.Queryable.to_query()
          |> Map.put(:prefix, "prefix")}
  end,
  delete_all_delete_all_with_prefix_2: fn ->
    {:delete_all, Schema
          |> from(prefix: "first")
          |> Map.put(:prefix, "prefix")}
  end,
  except_except_and_except_all_1: fn ->
    base_query = Schema
          |> select([r], r.x)
          |> order_by(fragment("rand"))
          |> offset(10)
          |> limit(5)
    except_query1 = Schema
          |> select([r], r.y)
          |> order_by([r], r.y)
          |> offset(20)
          |> limit(40)
    except_query2 = Schema
          |> select([r], r.z)
          |> order_by([r], r.z)
          |> offset(30)
          |> limit(60)
    query = base_query
          |> except(^except_query1)
          |> except(^except_query2)
    {:all, query}
  end,
  except_except_and_except_all_2: fn ->
    base_query = Schema
          |> select([r], r.x)
          |> order_by(fragment("rand"))
          |> offset(10)
          |> limit(5)
    except_query1 = Schema
          |> select([r], r.y)
          |> order_by([r], r.y)
          |> offset(20)
          |> limit(40)
    except_query2 = Schema
          |> select([r], r.z)
          |> order_by([r], r.z)
          |> offset(30)
          |> limit(60)
    query = base_query
          |> except(^except_query1)
          |> except(^except_query2)
    {:all, base_query
          |> except_all(^except_query1)
          |> except_all(^except_query2)}
  end,
  from_using_just_a_schema_1: fn ->
    query = Schema
          |> select([r], r.x)
    {:all, query}
  end,
  from_from_with_hints_1: fn ->
    query = Schema
          |> from(hints: "INDEXED BY FOO")
          |> select([r], r.x)
    {:all, query}
  end,
  from_a_single_column_1: fn ->
    query = "posts"
            |> select([r], r.x)
    {:all, query}
  end,
  from_using_a_fragment_1: fn ->
    query = "posts"
            |> select([r], fragment("?", r))
    {:all, query}
  end,
  from_uses_string_table_name_as_is_1: fn ->
    query = "Posts"
            |> select([:x])
    {:all, query}
  end,
  from_uses_string_table_name_as_is_2: fn ->
    query = "Posts"
            |> select([:x])
    query = "0posts"
            |> select([:x])
    {:all, query}
  end,
  from_raises_when_selecting_all_fields_without_a_schema_1: fn ->
    {:all, from(p in "posts", select: p)}
  end,
  from_from_with_subquery_1: fn ->
    query = "posts"
          |> select([r], %{x: r.x, y: r.y})
          |> subquery()
          |> select([r], r.x)
    {:all, query}
  end,
  from_select_all_columns_from_subquery_1: fn ->
    query = "posts"
          |> select([r], %{x: r.x, z: r.y})
          |> subquery()
          |> select([r], r)
    {:all, query}
  end,
  from_select_all_columns_from_deeply_nested_subquery_1: fn ->
    query = "posts"
          |> select([r], %{x: r.x, z: r.y})
          |> subquery()
          |> select([r], r)
          |> subquery()
          |> select([r], r)
    {:all, query}
  end,
  from_from_with_fragment_1: fn ->
    query = from(f in fragment("select ? as x", ^"abc"))
          |> select([f], f.x)
    {:all, query}
  end,
  from_from_with_fragment_2: fn ->
    query = from(f in fragment("select ? as x", ^"abc"))
          |> select([f], f.x)
    query = fragment("select ? as x", ^"abc")
          |> from()
          |> select(fragment("x"))
    {:all, query}
  end,
  from_from_with_fragment_3: fn ->
    query = from(f in fragment("select ? as x", ^"abc"))
          |> select([f], f.x)
    query = fragment("select ? as x", ^"abc")
          |> from()
          |> select(fragment("x"))
    query = from(f in fragment("select_rows(arg)"))
          |> select([f], f.x)
    {:all, query}
  end,
  from_from_with_fragment_4: fn ->
    query = from(f in fragment("select ? as x", ^"abc"))
          |> select([f], f.x)
    query = fragment("select ? as x", ^"abc")
          |> from()
          |> select(fragment("x"))
    query = from(f in fragment("select_rows(arg)"))
          |> select([f], f.x)
    {:all, from(f in fragment("select ? as x", ^"abc"))
          |> select([f], f)}
  end,
  group_by_group_by_can_reference_the_alias_of_a_selected_value_with_selected_as_1_1: fn ->
    query = "schema"
          |> select([s], selected_as(s.x, :integer))
          |> group_by(selected_as(:integer))
    {:all, query}
  end,
  group_by_having_1: fn ->
    query = Schema
          |> having([p], p.x == p.x)
          |> select([], true)
    {:all, query}
  end,
  group_by_having_2: fn ->
    query = Schema
          |> having([p], p.x == p.x)
          |> select([], true)
    query = Schema
          |> having([p], p.x == p.x)
          |> having([p], p.y == p.y)
          |> select([], true)
    {:all, query}
  end,
  group_by_or_having_1: fn ->
    query = Schema
          |> or_having([p], p.x == p.x)
          |> select([], true)
    {:all, query}
  end,
  group_by_or_having_2: fn ->
    query = Schema
          |> or_having([p], p.x == p.x)
          |> select([], true)
    query = Schema
          |> or_having([p], p.x == p.x)
          |> or_having([p], p.y == p.y)
          |> select([], true)
    {:all, query}
  end,
  group_by_group_by_1: fn ->
    query = Schema
          |> group_by([r], r.x)
          |> select([r], r.x)
    {:all, query}
  end,
  group_by_group_by_2: fn ->
    query = Schema
          |> group_by([r], r.x)
          |> select([r], r.x)
    query = Schema
          |> group_by([r], 2)
          |> select([r], r.x)
    {:all, query}
  end,
  group_by_group_by_3: fn ->
    query = Schema
          |> group_by([r], r.x)
          |> select([r], r.x)
    query = Schema
          |> group_by([r], 2)
          |> select([r], r.x)
    query = Schema
          |> group_by([r], [r.x, r.y])
          |> select([r], r.x)
    {:all, query}
  end,
  group_by_group_by_4: fn ->
    query = Schema
          |> group_by([r], r.x)
          |> select([r], r.x)
    query = Schema
          |> group_by([r], 2)
          |> select([r], r.x)
    query = Schema
          |> group_by([r], [r.x, r.y])
          |> select([r], r.x)
    query = Schema
          |> group_by([r], [])
          |> select([r], r.x)
    {:all, query}
  end,
  intersect_intersect_1: fn ->
    base_query = Schema
          |> select([r], r.x)
          |> order_by(fragment("rand"))
          |> offset(10)
          |> limit(5)
    intersect_query1 = Schema
          |> select([r], r.y)
          |> order_by([r], r.y)
          |> offset(20)
          |> limit(40)
    intersect_query2 = Schema
          |> select([r], r.z)
          |> order_by([r], r.z)
          |> offset(30)
          |> limit(60)
    query = base_query
          |> intersect(^intersect_query1)
          |> intersect(^intersect_query2)
    {:all, query}
  end,
  intersect_intersect_all_is_not_supported_1: fn ->
    base_query = Schema
          |> select([r], r.x)
          |> order_by(fragment("rand"))
          |> offset(10)
          |> limit(5)
    intersect_query1 = Schema
          |> select([r], r.y)
          |> order_by([r], r.y)
          |> offset(20)
          |> limit(40)
    intersect_query2 = Schema
          |> select([r], r.z)
          |> order_by([r], r.z)
          |> offset(30)
          |> limit(60)
    query = base_query
          |> intersect_all(^intersect_query1)
          |> intersect_all(^intersect_query2)
    {:all, query}
  end,
  join_join_1: fn ->
    query = Schema
          |> join(:inner, [p], q in Schema2, on: p.x == q.z)
          |> select([], true)
    {:all, query}
  end,
  join_join_2: fn ->
    query = Schema
          |> join(:inner, [p], q in Schema2, on: p.x == q.z)
          |> select([], true)
    query = Schema
          |> join(:inner, [p], q in Schema2, on: p.x == q.z)
          |> join(:inner, [], Schema, on: true)
          |> select([], true)
    {:all, query}
  end,
  join_join_with_hints_are_not_supported_1: fn ->
    {:all, Schema
          |> join(:inner, [p], q in Schema2,
            hints: ["USE INDEX FOO", "USE INDEX BAR"],
            on: true
          )
          |> select([], true)}
  end,
  join_join_with_nothing_bound_1: fn ->
    query = Schema
          |> join(:inner, [], q in Schema2, on: q.z == q.z)
          |> select([], true)
    {:all, query}
  end,
  join_join_without_schema_1: fn ->
    query = "posts"
          |> join(:inner, [p], q in "comments", on: p.x == q.z)
          |> select([], true)
    {:all, query}
  end,
  join_join_with_subquery_1: fn ->
    posts = subquery("posts" |> where(title: ^"hello") |> select([r], %{x: r.x, y: r.y}))
    query = "comments"
          |> join(:inner, [c], p in subquery(posts), on: true)
          |> select([_, p], p.x)
    {:all, query}
  end,
  join_join_with_subquery_2: fn ->
    posts = subquery("posts" |> where(title: ^"hello") |> select([r], %{x: r.x, y: r.y}))
    query = "comments"
          |> join(:inner, [c], p in subquery(posts), on: true)
          |> select([_, p], p.x)
    posts = "posts"
          |> where(title: ^"hello")
          |> select([r], %{x: r.x, z: r.y})
          |> subquery()
    query = "comments"
          |> join(:inner, [c], p in subquery(posts), on: true)
          |> select([_, p], p)
    {:all, query}
  end,
  join_join_with_subquery_3: fn ->
    posts = subquery("posts" |> where(title: ^"hello") |> select([r], %{x: r.x, y: r.y}))
    query = "comments"
          |> join(:inner, [c], p in subquery(posts), on: true)
          |> select([_, p], p.x)
    posts = "posts"
          |> where(title: ^"hello")
          |> select([r], %{x: r.x, z: r.y})
          |> subquery()
    query = "comments"
          |> join(:inner, [c], p in subquery(posts), on: true)
          |> select([_, p], p)
    posts = "posts"
          |> where(title: parent_as(:comment).subtitle)
          |> select([r], r.title)
          |> subquery()
    query = "comments"
          |> from(as: :comment)
          |> join(:inner, [c], p in subquery(posts), on: true)
          |> select([_, p], p)
    {:all, query}
  end,
  join_join_with_prefix_is_not_supported_1: fn ->
    {:all, Schema
          |> join(:inner, [p], q in Schema2, on: p.x == q.z)
          |> select([], true)
          |> Map.put(:prefix, "prefix")}
  end,
  join_join_with_prefix_is_not_supported_2: fn ->
    {:all, Schema
          |> from(prefix: "first")
          |> join(:inner, [p], q in Schema2, on: p.x == q.z, prefix: "second")
          |> select([], true)
          |> Map.put(:prefix, "prefix")}
  end,
  join_join_with_fragment_1: fn ->
    query = Schema
          |> join(
            :inner,
            [p],
            q in fragment(
              "SELECT * FROM schema2 AS s2 WHERE s2.id = ? AND s2.field = ?",
              p.x,
              ^10
            ),
            on: true
          )
          |> select([p], {p.id, ^0})
          |> where([p], p.id > 0 and p.id < ^100)
    {:all, query}
  end,
  join_join_with_fragment_and_on_defined_1: fn ->
    query = Schema
          |> join(:inner, [p], q in fragment("SELECT * FROM schema2"), on: q.id == p.id)
          |> select([p], {p.id, ^0})
    {:all, query}
  end,
  join_join_with_query_interpolation_1: fn ->
    inner = Ecto.Queryable.to_query(Schema2)
    query = from(p in Schema)
          |> join(:left, [p], c in ^inner, on: true)
          |> select([p, c], {p.id, c.id})
    {:all, query}
  end,
  join_lateral_join_with_fragment_is_not_supported_1: fn ->
    {:all, Schema
          |> join(
            :inner_lateral,
            [p],
            q in fragment(
              "SELECT * FROM schema2 AS s2 WHERE s2.id = ? AND s2.field = ?",
              p.x,
              ^10
            ),
            on: true
          )
          |> select([p, q], {p.id, q.z})
          |> where([p], p.id > 0 and p.id < ^100)}
  end,
  join_cross_lateral_join_with_fragment_is_not_supported_1: fn ->
    {:all, Schema
          |> join(
            :cross_lateral,
            [p],
            q in fragment(
              "SELECT * FROM schema2 AS s2 WHERE s2.id = ? AND s2.field = ?",
              p.x,
              ^10
            )
          )
          |> select([p, q], {p.id, q.z})
          |> where([p], p.id > 0 and p.id < ^100)}
  end,
  join_cross_join_1: fn ->
    query = from(p in Schema)
          |> join(:cross, [p], c in Schema2)
          |> select([p, c], {p.id, c.id})
    {:all, query}
  end,
  join_cross_join_with_fragment_1: fn ->
    query = from(p in Schema)
          |> join(:cross, [p], fragment("json_each(?)", p.j))
          |> select([p], {p.id})
    {:all, query}
  end,
  join_join_from_nested_selects_produces_correct_bindings_1: fn ->
    query = from(p in Schema, join: c in Schema2, on: true)
    query = from(p in query, join: c in Schema2, on: true, select: {p.id, c.id})
    query = query
    {:all, query}
  end,
  join_self_join_on_subquery_1: fn ->
    subquery = select(Schema, [r], %{x: r.x, y: r.y})
    query = subquery
            |> join(:inner, [c], p in subquery(subquery), on: true)
    {:all, query}
  end,
  join_self_join_on_subquery_with_fragment_1: fn ->
    subquery = select(Schema, [r], %{string: fragment("downcase(?)", ^"string")})
    query = subquery
            |> join(:inner, [c], p in subquery(subquery), on: true)
    {:all, query}
  end,
  join_join_on_subquery_with_simple_select_1: fn ->
    subquery = select(Schema, [r], %{x: ^999, w: ^888})
    query = Schema
            |> select([r], %{y: ^666})
            |> join(:inner, [c], p in subquery(subquery), on: true)
            |> where([a, b], a.x == ^111)
    {:all, query}
  end,
  json_extract_path_with_array_access_1: fn ->
    query = Schema
          |> select([s], json_extract_path(s.meta, [0, 1]))
    {:all, query}
  end,
  json_extract_path_with_simple_path_1: fn ->
    query = Schema
          |> select([s], json_extract_path(s.meta, ["a", "b"]))
    {:all, query}
  end,
  json_extract_path_with_a_single_quote_in_the_key_name_1: fn ->
    query = Schema
          |> select([s], json_extract_path(s.meta, ["'a"]))
    {:all, query}
  end,
  json_extract_path_with_a_double_quote_in_the_key_name_1: fn ->
    query = Schema
          |> select([s], json_extract_path(s.meta, ["\"a"]))
    {:all, query}
  end,
  json_extract_path_optimized_selects_with_integer_1: fn ->
    query = Schema
          |> where([s], s.meta["id"] == 123)
          |> select(true)
    {:all, query}
  end,
  json_extract_path_optimized_selects_with_string_1: fn ->
    query = Schema
          |> where([s], s.meta["id"] == "123")
          |> select(true)
    {:all, query}
  end,
  json_extract_path_optimized_deeply_nested_select_1: fn ->
    query = Schema
          |> where([s], s.meta["tags"][0]["name"] == "123")
          |> select(true)
    {:all, query}
  end,
  json_extract_path_optimized_array_access_1: fn ->
    query = Schema
          |> where([s], s.meta[0] == "123")
          |> select(true)
    {:all, query}
  end,
  json_extract_path_optimized_check_for_true_1: fn ->
    query = Schema
          |> where([s], s.meta["enabled"] == true)
          |> select(true)
    {:all, query}
  end,
  json_extract_path_optimized_check_for_false_1: fn ->
    query = Schema
          |> where([s], s.meta["extra"][0]["enabled"] == false)
          |> select(true)
    {:all, query}
  end,
  lock_locks_are_unsupported_1: fn ->
    {:all, Schema
          |> lock("FOR SHARE NOWAIT")
          |> select([], true)}
  end,
  lock_locks_are_unsupported_2: fn ->
    {:all, Schema
          |> lock([p], fragment("UPDATE on ?", p))
          |> select([], true)}
  end,
  order_by_default_1: fn ->
    query = Schema
          |> order_by([r], r.x)
          |> select([r], r.x)
    {:all, query}
  end,
  order_by_two_columns_with_default_1: fn ->
    query = Schema
          |> order_by([r], [r.x, r.y])
          |> select([r], r.x)
    {:all, query}
  end,
  order_by_two_columns_with_direction_specified_1: fn ->
    query = Schema
          |> order_by([r], asc: r.x, desc: r.y)
          |> select([r], r.x)
    {:all, query}
  end,
  order_by_two_columns_with_null_ordering_1: fn ->
    query = Schema
          |> order_by([r], asc_nulls_first: r.x, desc_nulls_first: r.y)
          |> select([r], r.x)
    {:all, query}
  end,
  order_by_two_columns_with_null_ordering_2: fn ->
    query = Schema
          |> order_by([r], asc_nulls_first: r.x, desc_nulls_first: r.y)
          |> select([r], r.x)
    query = Schema
          |> order_by([r], asc_nulls_last: r.x, desc_nulls_last: r.y)
          |> select([r], r.x)
    {:all, query}
  end,
  order_by_nothing_specified_1: fn ->
    query = Schema
          |> order_by([r], [])
          |> select([r], r.x)
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
  order_by_with_types_1: fn ->
    query = "schema3"
          |> order_by([e], type(fragment("?", e.binary), ^:decimal))
          |> select(true)
    {:all, query}
  end,
  select_select_1: fn ->
    query = Schema
          |> select([r], {r.x, r.y})
    {:all, query}
  end,
  select_select_2: fn ->
    query = Schema
          |> select([r], {r.x, r.y})
    query = Schema
          |> select([r], [r.x, r.y])
    {:all, query}
  end,
  select_select_3: fn ->
    query = Schema
          |> select([r], {r.x, r.y})
    query = Schema
          |> select([r], [r.x, r.y])
    query = Schema
          |> select([r], struct(r, [:x, :y]))
    {:all, query}
  end,
  select_distinct_true_with_binding_1: fn ->
    query = Schema
            |> distinct([r], true)
            |> select([r], {r.x, r.y})
    {:all, query}
  end,
  select_distinct_false_with_binding_1: fn ->
    query = Schema
            |> distinct([r], false)
            |> select([r], {r.x, r.y})
    {:all, query}
  end,
  select_distinct_true_without_binding_1: fn ->
    query = Schema
            |> distinct(true)
            |> select([r], {r.x, r.y})
    {:all, query}
  end,
  select_distinct_false_without_binding_1: fn ->
    query = Schema
            |> distinct(false)
            |> select([r], {r.x, r.y})
    {:all, query}
  end,
  select_distinct_with_multiple_columns_is_not_supported_1: fn ->
    query =
                           Schema
                           |> distinct([r], [r.x, r.y])
                           |> select([r], {r.x, r.y})
    {:all, query}
  end,
  select_where_1: fn ->
    query = Schema
          |> where([r], r.x == 42)
          |> where([r], r.y != 43)
          |> select([r], r.x)
    {:all, query}
  end,
  select_where_2: fn ->
    query = Schema
          |> where([r], r.x == 42)
          |> where([r], r.y != 43)
          |> select([r], r.x)
    query = Schema
          |> where([r], {r.x, r.y} > {1, 2})
          |> select([r], r.x)
    {:all, query}
  end,
  select_or_where_1: fn ->
    query = Schema
          |> or_where([r], r.x == 42)
          |> or_where([r], r.y != 43)
          |> select([r], r.x)
    {:all, query}
  end,
  select_or_where_2: fn ->
    query = Schema
          |> or_where([r], r.x == 42)
          |> or_where([r], r.y != 43)
          |> select([r], r.x)
    query = Schema
          |> or_where([r], r.x == 42)
          |> or_where([r], r.y != 43)
          |> where([r], r.z == 44)
          |> select([r], r.x)
    {:all, query}
  end,
  select_passing_now_for_the_fragment_1: fn ->
    query = Schema
            |> select([r], fragment("now"))
    {:all, query}
  end,
  select_passing_function_with_table_1: fn ->
    query = Schema
            |> select([r], fragment("fun(?)", r))
    {:all, query}
  end,
  select_passing_function_with_column_1: fn ->
    query = Schema
            |> select([r], fragment("downcase(?)", r.x))
    {:all, query}
  end,
  select_collating_with_literal_1: fn ->
    query = Schema
            |> select([r], fragment("? COLLATE ?", r.x, literal(^"es_ES")))
    {:all, query}
  end,
  select_collating_with_identifier_1: fn ->
    query = Schema
            |> select([r], fragment("? COLLATE ?", r.x, identifier(^"es_ES")))
    {:all, query}
  end,
  select_fragment_with_a_column_and_value_specified_1: fn ->
    value = 13
    query = Schema
            |> select([r], fragment("downcase(?, ?)", r.x, ^value))
    {:all, query}
  end,
  select_does_not_support_keywords_in_fragments_1: fn ->
    {:all, Schema
            |> select([], fragment(title: 2))}
  end,
  select_splicing_1: fn ->
    query = Schema
            |> select([r], r.x)
            |> where([r], fragment("? in (?,?,?)", r.x, ^1, splice(^[2, 3, 4]), ^5))
    {:all, query}
  end,
  select_translates_true_to_1_1: fn ->
    query = "schema"
            |> where(foo: true)
            |> select([], true)
    {:all, query}
  end,
  select_translates_false_to_0_1: fn ->
    query = "schema"
            |> where(foo: false)
            |> select([], true)
    {:all, query}
  end,
  select_binds_string_1: fn ->
    query = "schema"
            |> where(foo: "abc")
            |> select([], true)
    {:all, query}
  end,
  select_puts_binary_as_hex_literal_1: fn ->
    query = "schema"
            |> where(foo: <<0, ?a, ?b, ?c>>)
            |> select([], true)
    {:all, query}
  end,
  select_puts_integer_1: fn ->
    query = "schema"
            |> where(foo: 123)
            |> select([], true)
    {:all, query}
  end,
  select_puts_float_as_a_real_1: fn ->
    query = "schema"
            |> where(foo: 123.0)
            |> select([], true)
    {:all, query}
  end,
  select_aliasing_a_selected_value_with_selected_as_2_1: fn ->
    query = "schema"
          |> select([s], selected_as(s.x, :integer))
    {:all, query}
  end,
  select_aliasing_a_selected_value_with_selected_as_2_2: fn ->
    query = "schema"
          |> select([s], selected_as(s.x, :integer))
    query = "schema"
          |> select([s], s.x |> coalesce(0) |> sum() |> selected_as(:integer))
    {:all, query}
  end,
  select_is_nil_1: fn ->
    query = Schema
          |> select([r], is_nil(r.x))
    {:all, query}
  end,
  select_not_is_nil_1: fn ->
    query = Schema
          |> select([r], not is_nil(r.x))
    {:all, query}
  end,
  select_is_nil_with_comparison_1: fn ->
    query = "schema"
          |> select([r], r.x == is_nil(r.y))
    {:all, query}
  end,
  select_as_integer_1: fn ->
    query = Schema
            |> select([t], type(t.x + t.y, :integer))
    {:all, query}
  end,
  select_casting_uuid_1: fn ->
    query = Schema
            |> select([], type(^"601d74e4-a8d3-4b6e-8365-eddb4c893327", Ecto.UUID))
    {:all, query}
  end,
  select_casting_array_of_uuids_1: fn ->
    query = Schema
            |> select(
              [],
              type(^["601d74e4-a8d3-4b6e-8365-eddb4c893327"], {:array, Ecto.UUID})
            )
    {:all, query}
  end,
  select_nested_expressions_1: fn ->
    z = 123
    query = from(r in Schema, [])
          |> select([r], (r.x > 0 and r.y > ^(-z)) or true)
    {:all, query}
  end,
  select_empty_array_1: fn ->
    query = Schema
            |> select([e], 1 in [])
    {:all, query}
  end,
  select_empty_array_binded_1: fn ->
    query = Schema
            |> select([e], 1 in ^[])
    {:all, query}
  end,
  select_array_of_integers_1: fn ->
    query = Schema
            |> select([e], 1 in ^[1, 2, 3])
    {:all, query}
  end,
  select_array_of_integers_with_one_binded_1: fn ->
    query = Schema
            |> select([e], 1 in [1, ^2, 3])
    {:all, query}
  end,
  select_mixed_select_with_in_1: fn ->
    query = Schema
            |> select([e], e.x == ^0 or e.x in ^[1, 2, 3] or e.x == ^4)
    {:all, query}
  end,
  select_json_each_1: fn ->
    query = Schema
            |> select([e], e in [1, 2, 3])
    {:all, query}
  end,
  select_in_with_column_binding_1: fn ->
    query = Schema
            |> select([e], 1 in [1, e.x, 3])
    {:all, query}
  end,
  select_with_value_in_binded_in_and_out_1: fn ->
    query = Schema
            |> select([e], ^1 in [1, ^2, 3])
    {:all, query}
  end,
  select_in_subquery_1: fn ->
    posts = subquery("posts" |> where(title: ^"hello") |> select([p], p.id))
    query = "comments"
          |> where([c], c.post_id in subquery(posts))
          |> select([c], c.x)
    {:all, query}
  end,
  select_in_subquery_2: fn ->
    posts = subquery("posts" |> where(title: ^"hello") |> select([p], p.id))
    query = "comments"
          |> where([c], c.post_id in subquery(posts))
          |> select([c], c.x)
    posts = subquery(
            "posts"
            |> where(title: parent_as(:comment).subtitle)
            |> select([p], p.id)
          )
    query = "comments"
          |> from(as: :comment)
          |> where([c], c.post_id in subquery(posts))
          |> select([c], c.x)
    {:all, query}
  end,
  select_array_of_integers_fragment_is_not_supported_1: fn ->
    {:all, Schema
            |> select([], fragment("?", [1, 2, 3]))}
  end,
  select_array_of_strings_fragment_is_not_supported_1: fn ->
    {:all, Schema
            |> select([], fragment("?", ~w(abc def)))}
  end,
  select_empty_array_is_supported_1: fn ->
    query = Schema
            |> where([s], s.w == [])
            |> select([s], s.w)
    {:all, query}
  end,
  select_fragments_and_types_1: fn ->
    query = from(e in "schema",
              where:
                fragment(
                  "extract(? from ?) = ?",
                  ^"month",
                  e.start_time,
                  type(^"4", :integer)
                ),
              where:
                fragment(
                  "extract(? from ?) = ?",
                  ^"year",
                  e.start_time,
                  type(^"2015", :integer)
                ),
              select: true
            )
    {:all, query}
  end,
  select_fragments_allow_to_be_escaped_with_backslash_1: fn ->
    query = from(e in "schema",
              where: fragment("? = \"query\\?\"", e.start_time),
              select: true
            )
    {:all, query}
  end,
  select_equals_1: fn ->
    query = Schema
            |> select([r], r.x == 2)
    {:all, query}
  end,
  select_does_not_equal_1: fn ->
    query = Schema
            |> select([r], r.x != 2)
    {:all, query}
  end,
  select_lte_1: fn ->
    query = Schema
            |> select([r], r.x <= 2)
    {:all, query}
  end,
  select_gte_1: fn ->
    query = Schema
            |> select([r], r.x >= 2)
    {:all, query}
  end,
  select_lt_1: fn ->
    query = Schema
            |> select([r], r.x < 2)
    {:all, query}
  end,
  select_gt_1: fn ->
    query = Schema
            |> select([r], r.x > 2)
    {:all, query}
  end,
  select_add_1: fn ->
    query = Schema
            |> select([r], r.x + 2)
    {:all, query}
  end,
  select_subtract_1: fn ->
    query = Schema
            |> select([r], r.x - 2)
    {:all, query}
  end,
  select_multiply_1: fn ->
    query = Schema
            |> select([r], r.x * 2)
    {:all, query}
  end,
  select_divide_1: fn ->
    query = Schema
            |> select([r], r.x / 2)
    {:all, query}
  end,
  select_limit_specified_1: fn ->
    query = Schema
          |> limit([r], 3)
          |> select([], true)
    {:all, query}
  end,
  select_offset_specified_1: fn ->
    query = Schema
          |> offset([r], 5)
          |> select([], true)
    {:all, query}
  end,
  select_limit_and_offset_specified_1: fn ->
    query = Schema
          |> offset([r], 5)
          |> limit([r], 3)
          |> select([], true)
    {:all, query}
  end,
  string_escape_escapes_escaped_characters_1: fn ->
    query = "schema"
          |> where(foo: "'\\  ")
          |> select([], true)
    {:all, query}
  end,
  string_escape_escapes_single_quotes_1: fn ->
    query = "schema"
          |> where(foo: "'")
          |> select([], true)
    {:all, query}
  end,
  union_union_and_union_all_1: fn ->
    base_query = Schema
          |> select([r], r.x)
          |> order_by(fragment("rand"))
          |> offset(10)
          |> limit(5)
    union_query1 = Schema
          |> select([r], r.y)
          |> order_by([r], r.y)
          |> offset(20)
          |> limit(40)
    union_query2 = Schema
          |> select([r], r.z)
          |> order_by([r], r.z)
          |> offset(30)
          |> limit(60)
    query = base_query
          |> union(^union_query1)
          |> union(^union_query2)
    {:all, query}
  end,
  union_union_and_union_all_2: fn ->
    base_query = Schema
          |> select([r], r.x)
          |> order_by(fragment("rand"))
          |> offset(10)
          |> limit(5)
    union_query1 = Schema
          |> select([r], r.y)
          |> order_by([r], r.y)
          |> offset(20)
          |> limit(40)
    union_query2 = Schema
          |> select([r], r.z)
          |> order_by([r], r.z)
          |> offset(30)
          |> limit(60)
    query = base_query
          |> union(^union_query1)
          |> union(^union_query2)
    query = base_query
          |> union_all(^union_query1)
          |> union_all(^union_query2)
    {:all, query}
  end,
  union_parent_binding_subquery_and_combination_1: fn ->
    right_query = from(c in "right_categories", where: c.id == parent_as(:c).id, select: c.id)
    left_query = from(c in "left_categories", where: c.id == parent_as(:c).id, select: c.id)
    union_query = union(left_query, ^right_query)
    query = from(c in "categories",
            as: :c,
            where: c.id in subquery(union_query),
            select: c.id
          )
    {:all, query}
  end,
  update_all_update_all_1: fn ->
    query = from(m in Schema)
          |> update([m], set: [x: 0])
    {:update_all, query}
  end,
  update_all_update_all_2: fn ->
    query = from(m in Schema)
          |> update([m], set: [x: 0])
    query = from(m in Schema)
          |> update([m], set: [x: 0], inc: [y: 1, z: -3])
    {:update_all, query}
  end,
  update_all_update_all_3: fn ->
    query = from(m in Schema)
          |> update([m], set: [x: 0])
    query = from(m in Schema)
          |> update([m], set: [x: 0], inc: [y: 1, z: -3])
    query = from(e in Schema)
          |> where([e], e.x == 123)
          |> update([e], set: [x: 0])
    {:update_all, query}
  end,
  update_all_update_all_4: fn ->
    query = from(m in Schema)
          |> update([m], set: [x: 0])
    query = from(m in Schema)
          |> update([m], set: [x: 0], inc: [y: 1, z: -3])
    query = from(e in Schema)
          |> where([e], e.x == 123)
          |> update([e], set: [x: 0])
    query = from(m in Schema)
          |> update([m], set: [x: ^0])
    {:update_all, query}
  end,
  update_all_update_all_5: fn ->
    query = from(m in Schema)
          |> update([m], set: [x: 0])
    query = from(m in Schema)
          |> update([m], set: [x: 0], inc: [y: 1, z: -3])
    query = from(e in Schema)
          |> where([e], e.x == 123)
          |> update([e], set: [x: 0])
    query = from(m in Schema)
          |> update([m], set: [x: ^0])
    query = Schema
          |> join(:inner, [p], q in Schema2, on: p.x == q.z)
          |> update([_], set: [x: 0])
    {:update_all, query}
  end,
  update_all_update_all_6: fn ->
    query = from(m in Schema)
          |> update([m], set: [x: 0])
    query = from(m in Schema)
          |> update([m], set: [x: 0], inc: [y: 1, z: -3])
    query = from(e in Schema)
          |> where([e], e.x == 123)
          |> update([e], set: [x: 0])
    query = from(m in Schema)
          |> update([m], set: [x: ^0])
    query = Schema
          |> join(:inner, [p], q in Schema2, on: p.x == q.z)
          |> update([_], set: [x: 0])
    query = from(e in Schema)
          |> where([e], e.x == 123)
          |> update([e], set: [x: 0])
          |> join(:inner, [e], q in Schema2, on: e.x == q.z)
    {:update_all, query}
  end,
  update_all_update_all_with_returning_1: fn ->
    query = from(m in Schema)
          |> update([m], set: [x: 0])
          |> select([m], m)
    {:update_all, query}
  end,
  update_all_update_all_with_returning_2: fn ->
    query = from(m in Schema)
          |> update([m], set: [x: 0])
          |> select([m], m)
    query = from(m in Schema, update: [set: [x: ^1]])
          |> where([m], m.x == ^2)
          |> select([m], m.x == ^3)
    {:update_all, query}
  end,
  update_all_does_not_support_push_op_1: fn ->
    {:update_all, from(m in Schema)
          |> update([m], push: [w: 0])}
  end,
  update_all_does_not_support_pull_op_1: fn ->
    {:update_all, from(m in Schema)
          |> update([m], pull: [w: 0])}
  end,
  update_all_update_all_with_subquery_1: fn ->
    sub = from(p in Schema, where: p.x > ^10)
    query = Schema
          |> join(:inner, [p], p2 in subquery(sub), on: p.id == p2.id)
          |> update([_], set: [x: ^100])
    planned_query = query
    {:update_all, planned_query}
  end,
  update_all_update_all_with_prefix_1: fn ->
    {:update_all, from(m in Schema, update: [set: [x: 0]])
          |> Map.put(:prefix, "prefix")}
  end,
  update_all_update_all_with_left_join_1: fn ->
    query = from(m in Schema)
          |> join(:inner, [m], x in assoc(m, :comments))
          |> join(:left, [m, x], p in assoc(m, :permalink))
          |> update([m, x, p], set: [w: m.list2])
    {:update_all, query}
  end,
  windowing_one_window_1: fn ->
    query = Schema
          |> select([r], r.x)
          |> windows([r], w: [partition_by: r.x])
    {:all, query}
  end,
  windowing_two_windows_1: fn ->
    query = Schema
          |> select([r], r.x)
          |> windows([r], w1: [partition_by: r.x], w2: [partition_by: r.y])
    {:all, query}
  end,
  windowing_count_over_window_1: fn ->
    query = Schema
          |> windows([r], w: [partition_by: r.x])
          |> select([r], count(r.x) |> over(:w))
    {:all, query}
  end,
  windowing_count_over_all_1: fn ->
    query = Schema
          |> select([r], count(r.x) |> over)
    {:all, query}
  end,
  windowing_row_number_over_all_1: fn ->
    query = Schema
          |> select(row_number |> over)
    {:all, query}
  end,
  windowing_nth_value_over_all_1: fn ->
    query = Schema
          |> select([r], nth_value(r.x, 42) |> over)
    {:all, query}
  end,
  windowing_lag_2_over_all_1: fn ->
    query = Schema
          |> select([r], lag(r.x, 42) |> over)
    {:all, query}
  end,
  windowing_custom_aggregation_over_all_1: fn ->
    query = Schema
          |> select([r], fragment("custom_function(?)", r.x) |> over)
    {:all, query}
  end,
  windowing_partition_by_and_order_by_on_window_1: fn ->
    query = Schema
          |> windows([r], w: [partition_by: [r.x, r.z], order_by: r.x])
          |> select([r], r.x)
    {:all, query}
  end,
  windowing_partition_by_one_order_by_over_1: fn ->
    query = Schema
          |> select([r], count(r.x) |> over(partition_by: [r.x, r.z], order_by: r.x))
    {:all, query}
  end,
  windowing_frame_clause_1: fn ->
    query = Schema
          |> select(
            [r],
            count(r.x)
            |> over(
              partition_by: [r.x, r.z],
              order_by: r.x,
              frame: fragment("ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING")
            )
          )
    {:all, query}
  end,
  join_join_with_values: fn ->
    rows = [%{x: 1, y: 1}, %{x: 2, y: 2}]
    types = %{x: :integer, y: :integer}
    {:all, Schema |> join(:inner, [p], q in values(rows, types), on: [x: p.x(), y: p.y()]) |> select([p, q], {p.id, q.x})}
  end
]
