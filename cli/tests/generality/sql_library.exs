defmodule Lib.Address do
  use Ecto.Schema
  @primary_key false
  embedded_schema do
    field :street, :string
    field :city, :string
    field :zip, :string
  end
end

defmodule Lib.Member do
  use Ecto.Schema
  @primary_key {:id, :binary_id, autogenerate: true}
  @foreign_key_type :binary_id
  @schema_prefix "library"
  schema "members" do
    field :full_name, :string, source: :name
    field :email, :string
    field :tier, Ecto.Enum, values: [basic: 1, gold: 2, platinum: 3]
    field :status, Ecto.Enum, values: [:active, :suspended]
    field :tags, {:array, :string}
    field :joined_on, :date
    embeds_one :address, Lib.Address
    has_many :loans, Lib.Loan
    has_many :active_loans, Lib.Loan, where: [returned_at: nil]
    has_one :card, Lib.Card
    many_to_many :favorite_books, Lib.Book, join_through: Lib.Favorite, join_keys: [member_id: :id, book_id: :isbn]
    timestamps(inserted_at: :created_at, type: :utc_datetime_usec)
  end
end

defmodule Lib.Card do
  use Ecto.Schema
  @foreign_key_type :binary_id
  schema "cards" do
    field :number, :string
    belongs_to :member, Lib.Member
  end
end

defmodule Lib.Author do
  use Ecto.Schema
  schema "authors" do
    field :name, :string
    field :born, :integer
    has_many :books, Lib.Book, preload_order: [desc: :published_year]
    has_many :loans, through: [:books, :loans]
  end
end

defmodule Lib.Book do
  use Ecto.Schema
  @primary_key {:isbn, :string, autogenerate: false}
  schema "books" do
    field :title, :string
    field :published_year, :integer
    field :price, :decimal
    field :meta, :map
    field :genres, {:array, Ecto.Enum}, values: [:fiction, :history, :science]
    belongs_to :author, Lib.Author
    has_many :loans, Lib.Loan, foreign_key: :book_isbn, references: :isbn
  end
end

defmodule Lib.Favorite do
  use Ecto.Schema
  @primary_key false
  schema "favorites" do
    belongs_to :member, Lib.Member, type: :binary_id
    belongs_to :book, Lib.Book, type: :string, references: :isbn, foreign_key: :book_id
    timestamps(updated_at: false)
  end
end

defmodule Lib.Loan do
  use Ecto.Schema
  @foreign_key_type :binary_id
  schema "loans" do
    field :due_on, :date
    field :returned_at, :naive_datetime
    field :fine, :decimal, default: Decimal.new("0.00")
    field :renewals, :integer, default: 0
    belongs_to :member, Lib.Member
    belongs_to :book, Lib.Book, foreign_key: :book_isbn, references: :isbn, type: :string
    timestamps()
  end
end

alias Lib.{Member, Card, Author, Book, Favorite, Loan}

member_uuid = "6f1c1b5e-8d3a-4a59-9c7e-6b1c2d3e4f50"
years = [1999, 2001]
today = ~D[2024-05-01]
tier = :gold

queries = [
  prefix_schema_bare: Member,
  source_field_where: from(m in Member, where: m.full_name == ^"Ann", select: m.full_name),
  binary_id_pin: from(m in Member, where: m.id == ^member_uuid, select: m.email),
  enum_integer_pin: from(m in Member, where: m.tier == ^tier, select: m.id),
  enum_integer_literal: from(m in Member, where: m.tier == :platinum, select: m.id),
  enum_in_list: from(m in Member, where: m.tier in [:gold, :platinum], select: m.id),
  array_enum_pin: from(b in Book, where: b.genres == ^[:fiction, :history], select: b.isbn),
  string_pk_schema: from(b in Book, where: b.published_year in ^years),
  has_many_where_assoc_join: from(m in Member, join: l in assoc(m, :active_loans), select: {m.id, l.id}),
  m2m_schema_join_keys: from(m in Member, join: b in assoc(m, :favorite_books), select: b.title),
  has_one_left_join: from(m in Member, left_join: c in assoc(m, :card), select: {m.id, c.number}),
  through_assoc: from(a in Author, join: l in assoc(a, :loans), select: {a.name, count(l.id)}, group_by: a.name),
  belongs_to_references: from(l in Loan, join: b in assoc(l, :book), where: b.price > ^Decimal.new("9.99"), select: b.title),
  assoc_chain: from(a in Author, join: b in assoc(a, :books), join: l in assoc(b, :loans), join: m in assoc(l, :member), select: {a.name, m.email}),
  preload_in_query: from(a in Author, join: b in assoc(a, :books), preload: [books: b]),
  json_path: from(b in Book, where: b.meta["publisher"]["name"] == ^"Penguin", select: b.meta["edition"]),
  json_extract_path_fn: from(b in Book, select: json_extract_path(b.meta, ["a", 0, "b"])),
  date_add_ago: from(l in Loan, where: l.due_on < date_add(^today, -7, "day") and l.inserted_at > ago(3, "month"), select: l.id),
  datetime_add_field: from(l in Loan, where: l.returned_at > datetime_add(l.inserted_at, 14, "day"), select: l.id),
  from_now: from(l in Loan, where: l.inserted_at < from_now(1, "week"), select: l.id),
  coalesce_sum: from(l in Loan, select: coalesce(sum(l.fine), 0)),
  case_fragment: from(l in Loan, select: fragment("CASE WHEN ? > 0 THEN 'late' ELSE 'ok' END", l.fine)),
  distinct_on_expr: from(l in Loan, distinct: [desc: l.member_id], order_by: l.due_on, select: l.id),
  order_nulls: from(l in Loan, order_by: [asc_nulls_last: l.returned_at, desc_nulls_first: l.fine], select: l.id),
  union_all_order_limit: fn ->
    a = from(b in Book, select: b.title, where: b.published_year < 1950)
    from(b in Book, select: b.title, where: b.published_year > 2000, union_all: ^a, order_by: 1, limit: 5)
  end,
  union_then_order: fn ->
    a = from(m in Member, select: m.email)
    b = from(c in Card, select: c.number)
    a |> union(^b) |> order_by(fragment("1")) |> limit(10)
  end,
  intersect_except: fn ->
    a = from(b in Book, select: b.author_id)
    b = from(au in Author, select: au.id)
    from(x in Author, select: x.id, intersect: ^a, except: ^b)
  end,
  subquery_in_select: from(a in Author, select: {a.name, subquery(from(b in Book, where: b.author_id == parent_as(:a).id, select: count()))}, as: :a),
  subquery_where_scalar: from(b in Book, where: b.price > subquery(from(x in Book, select: avg(x.price))), select: b.isbn),
  update_inc_set: {:update_all, from(l in Loan, where: is_nil(l.returned_at), update: [inc: [renewals: 1], set: [due_on: ^~D[2024-06-01]]])},
  update_push_pull: {:update_all, from(m in Member, update: [push: [tags: "vip"], pull: [tags: "new"]])},
  update_with_join: {:update_all, from(l in Loan, join: m in assoc(l, :member), where: m.status == :suspended, update: [set: [fine: l.fine * 2]])},
  delete_with_join: {:delete_all, from(l in Loan, join: b in assoc(l, :book), where: b.published_year < 1900)},
  delete_prefix: {:delete_all, from(m in Member, where: m.joined_on < ^~D[2000-01-01])},
  lock_for_update: from(b in Book, where: b.isbn == ^"123", lock: "FOR UPDATE"),
  limit_offset_pin: fn -> n = 3; from(b in Book, limit: ^n, offset: ^(n * 2), select: b.isbn) end,
  window_frame_partition: from(l in Loan, select: %{id: l.id, running: over(sum(l.fine), partition_by: [l.member_id, l.book_isbn], order_by: [asc: l.due_on, desc: l.id])}),
  window_named_multi: from(l in Loan, windows: [m: [partition_by: l.member_id]], select: {over(count(l.id), :m), over(first_value(l.id), :m), over(nth_value(l.id, 2), :m), over(ntile(4), :m), over(percent_rank(), :m), over(cume_dist(), :m), over(dense_rank(), :m)}),
  cte_recursive_union_all: fn ->
    base = from(a in Author, where: a.id == 1, select: %{id: a.id, depth: 0})
    step = from(a in Author, join: t in "tree", on: t.id == a.born, select: %{id: a.id, depth: t.depth + 1})
    from(t in "tree", select: {t.id, t.depth}) |> recursive_ctes(true) |> with_cte("tree", as: ^union_all(base, ^step))
  end,
  cte_query_used_in_join: fn ->
    cte = from(l in Loan, group_by: l.book_isbn, select: %{isbn: l.book_isbn, n: count(l.id)})
    from(b in Book, join: c in "counts", on: c.isbn == b.isbn, select: {b.title, c.n}) |> with_cte("counts", as: ^cte)
  end,
  type_casts: from(b in Book, select: {type(b.price, :float), type(^"5", :integer), type(b.published_year, :string)}),
  having_multiple: from(l in Loan, group_by: [l.member_id, l.book_isbn], having: count() > 1, having: sum(l.fine) > ^Decimal.new("1"), select: {l.member_id, count()}),
  exists_subquery_parent: from(m in Member, as: :m, where: exists(from(l in Loan, where: l.member_id == parent_as(:m).id and is_nil(l.returned_at)))),
  or_where_dynamic: fn ->
    d = dynamic([b], b.published_year > 2000)
    d = dynamic([b], ^d or b.price < 5)
    from(b in Book, where: ^d, select: b.isbn)
  end,
  in_subquery_field: from(m in Member, where: m.id in subquery(from(l in Loan, where: l.fine > 0, select: l.member_id)), select: m.email),
  count_distinct: from(l in Loan, select: {count(l.member_id, :distinct), avg(l.renewals), max(l.due_on), min(l.fine)}),
  not_in_list: from(b in Book, where: b.isbn not in ["a", "b"], select: b.isbn),
  like_ilike: from(b in Book, where: like(b.title, ^"%war%") or ilike(b.title, "%peace%"), select: b.isbn),
  field_dynamic: fn -> f = :title; from(b in Book, select: field(b, ^f), where: not is_nil(field(b, ^f))) end,
  select_merge_struct: from(b in Book, select: b, select_merge: %{title: "x"}),
  preload_nested_join: from(m in Member, left_join: l in assoc(m, :loans), left_join: b in assoc(l, :book), preload: [loans: {l, book: b}]),
  join_lateral_left: from(a in Author, as: :a, left_lateral_join: b in subquery(from(b in Book, where: b.author_id == parent_as(:a).id, limit: 1, select: %{t: b.title})), on: true, select: {a.id, b.t}),
  arithmetic: from(l in Loan, select: {l.fine * 1.5, l.renewals + 1, l.renewals - 1, l.renewals / 2}),
  filter_agg: from(l in Loan, select: filter(count(l.id), l.fine > 0)),
  bool_ops: from(b in Book, where: not (b.published_year > 2000 or is_nil(b.price)) and b.title != "x", select: b.isbn),
  assoc_join_prefix_card: from(c in Card, join: m in assoc(c, :member), select: m.email),
  count_on_query: {:all, from(b in Book, select: count(b.isbn, :distinct))},
  exclude_order: Book |> order_by(:title) |> exclude(:order_by) |> select([b], b.isbn),
  first_last: fn -> {first(Book), last(Book, :published_year)} |> elem(1) end,
  where_keyword_nil: fn -> from(l in Loan, where: [returned_at: nil]) end,
  order_by_list_atoms: from(b in Book, order_by: [:title, desc: :published_year], select: b.isbn),
  select_tuple_nested: from(b in Book, select: {b.isbn, [b.title, %{y: b.published_year}]}),
]
