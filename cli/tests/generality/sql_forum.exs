defmodule Err.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :views, :integer
    field :published, :boolean
    field :tags, {:array, :string}
    field :status, Ecto.Enum, values: [:draft, :live]
    has_many :comments, Err.Comment
  end
end
defmodule Err.Comment do
  use Ecto.Schema
  schema "comments" do
    field :body, :string
    belongs_to :post, Err.Post
  end
end
alias Err.{Post, Comment}
queries = [
  literal_string_vs_int: from(p in Post, where: p.views > "ten", select: p.id),
  literal_string_vs_bool: from(p in Post, where: p.published == "yes", select: p.id),
  literal_string_int_castable: from(p in Post, where: p.views > "10", select: p.id),
  literal_atom_enum_bad: from(p in Post, where: p.status == :gone, select: p.id),
  literal_string_enum: from(p in Post, where: p.status == "live", select: p.id),
  compile_concat: quote(do: from(p in Post, select: p.title <> "x")),
  compile_regex_match: quote(do: from(p in Post, where: p.title =~ "x")),
  preload_without_selecting: from(p in Post, preload: :comments, select: p.id),
  preload_join_without_selecting: from(p in Post, join: c in assoc(p, :comments), preload: [comments: c], select: p.id),
  preload_schemaless: from(p in "posts", preload: :comments, select: p.id),
  struct_unknown_field: from(p in Post, select: struct(p, [:id, :nonexistent])),
  map_unknown_field: from(p in Post, select: map(p, [:id, :nonexistent])),
  distinct_unknown: from(p in Post, distinct: [p.nonexistent], select: p.id),
  array_pin_string: from(p in Post, where: p.tags == ^"x", select: p.id),
  exclude_bad: fn -> from(p in Post) |> exclude(:nonsense) end,
  first_unknown_field: Post |> first(:nonexistent),
  unknown_window: from(p in Post, windows: [w: [partition_by: p.id]], select: over(count(), :v)),
  selected_as_undefined: from(p in Post, select: p.id, order_by: selected_as(:nope)),
  all_with_update: {:all, from(p in Post, update: [set: [views: 0]])},
  update_all_with_order: {:update_all, from(p in Post, order_by: p.id, update: [set: [views: 0]])},
  delete_all_with_group: {:delete_all, from(p in Post, group_by: p.id)},
  update_all_with_select_group: {:update_all, from(p in Post, group_by: p.id, update: [set: [views: 0]])},
  compile_limit_field: quote(do: from(p in Post, limit: p.views)),
  compile_in_non_list: quote(do: from(p in Post, where: p.views in 5)),
  compile_bad_join_qual: quote(do: from(p in Post, join: c in Comment, on: c.post_id == p.id, as: "c")),
  runtime_join_qual: fn -> qual = :sideways; Post |> join(qual, [p], c in Comment, on: true) end,
  runtime_order_dir: fn -> dir = :up; from(p in Post, order_by: [{^dir, :id}]) end,
  compile_unbound_binding: quote(do: from(p in Post, where: c.id == 1)),
  runtime_pin_in_not_list: fn -> v = 5; from(p in Post, where: p.id in ^v) end,
  compile_fragment_arity: quote(do: from(p in Post, where: fragment("? = ?", p.id))),
  compile_update_bad_op: quote(do: from(p in Post, update: [bump: [views: 1]])),
  prefix_on_join_pg: from(p in Post, join: c in Comment, on: c.post_id == p.id, prefix: "other", select: c.id),
  update_field_not_in_schema: {:update_all, from(p in Post, update: [set: [nonexistent: 1]])},
  update_inc_non_number: {:update_all, from(p in Post, update: [inc: [views: ^"x"]])},
  cast_in_list: from(p in Post, where: p.views in ^["a"], select: p.id),
  select_virtual: from(p in Post, select: p.comments),
  where_on_assoc_field: from(p in Post, where: p.comments == 1),
]
