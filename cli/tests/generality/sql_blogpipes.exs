defmodule Pp.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :score, :integer
    has_many :comments, Pp.Comment
  end
end
defmodule Pp.Comment do
  use Ecto.Schema
  schema "comments" do
    field :body, :string
    belongs_to :post, Pp.Post
  end
end
alias Pp.{Post, Comment}
queries = [
  where_kw_no_binding: Post |> where(title: "x", score: ^3),
  order_by_kw_no_binding: Post |> order_by(desc: :title) |> select([:id]),
  select_take_pipe: select(Post, [:id, :title]),
  select_take_pinned_pipe: select(Post, ^[:id]),
  limit_offset_pipe: Post |> limit(5) |> offset(10) |> select([p], p.id),
  distinct_pipe: Post |> distinct(true) |> select([p], p.title),
  distinct_atoms_pipe_pg: Post |> distinct([:title, desc: :score]) |> select([p], p.id),
  group_by_atoms_pipe: Post |> group_by([:score]) |> select([p], {p.score, count(p.id)}),
  join_assoc_no_on_pipe: Post |> join(:left, [p], c in assoc(p, :comments)) |> select([p, c], {p.id, c.body}),
  from_no_binding_kw: from(Post, where: [score: 1], select: [:id]),
  from_binding_list: from([p] in Post, where: p.score > 1, select: p.id),
  multiple_bindings_list: from([p, c] in (from(p in Post, join: c in assoc(p, :comments))), where: c.body != "", select: {p.id, c.id}),
  binding_with_underscore: Post |> join(:inner, [p], c in Comment, on: c.post_id == p.id) |> where([_, c], c.body == "hi") |> select([p, ...], p.id),
  last_binding_ellipsis: Post |> join(:inner, [p], c in Comment, on: c.post_id == p.id) |> where([..., c], c.body == "hi") |> select([p], p.id),
  ellipsis_middle: from(p in Post, join: c in assoc(p, :comments), join: p2 in Post, on: p2.id == c.post_id) |> where([p, ..., x], x.score > p.score) |> select([..., c, _], c.body),
  having_pipe: Post |> group_by([p], p.score) |> having([p], count(p.id) > 1) |> select([p], p.score),
  or_having_pipe: Post |> group_by([p], p.score) |> having([p], count(p.id) > 1) |> or_having([p], p.score < 0) |> select([p], p.score),
  lock_pipe_pg: Post |> lock("FOR SHARE NOWAIT") |> select([p], p.id),
  windows_pipe: Post |> windows([p], w: [partition_by: p.score]) |> select([p], {p.id, over(row_number(), :w)}),
  update_pipe_kw: {:update_all, Post |> update(set: [title: "t"], inc: [score: 2])},
  preload_pipe_sql: Post |> preload(:comments) |> preload([p], comments: :post),
  subquery_pipe_join: Post |> join(:inner, [p], s in subquery(from c in Comment, group_by: c.post_id, select: %{pid: c.post_id, n: count()}), on: s.pid == p.id) |> select([p, s], {p.title, s.n}),
  select_merge_pipe_source: Post |> select_merge([p], %{title: p.title}) |> where([p], p.id == 1),
  reverse_order_no_order: Post |> reverse_order() |> select([p], p.id),
  first_pipe_with_order_kw: Post |> order_by(asc: :score) |> first() |> select([p], p.id),
  exclude_then_order: Post |> order_by(:title) |> exclude(:order_by) |> order_by(:score) |> select([p], p.id),
]
