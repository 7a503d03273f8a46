defmodule Sh.Order do
  use Ecto.Schema
  schema "orders" do
    field :total, :decimal
    field :status, :string
    field :placed_at, :utc_datetime
    belongs_to :customer, Sh.Customer
    has_many :items, Sh.Item
  end
end
defmodule Sh.Customer do
  use Ecto.Schema
  schema "customers" do
    field :name, :string
    field :tier, :integer
    has_many :orders, Sh.Order
  end
end
defmodule Sh.Item do
  use Ecto.Schema
  schema "items" do
    field :qty, :integer
    field :sku, :string
    belongs_to :order, Sh.Order
  end
end
alias Sh.{Order, Customer, Item}
fields = [:id, :total]
queries = [
  select_merge_dynamic_map: fn ->
    extra = %{cust: dynamic([o, c], c.name), n: dynamic([o], o.id + 1)}
    from(o in Order, join: c in assoc(o, :customer), select: %{id: o.id}) |> select_merge([o], ^extra)
  end,
  group_by_dynamic_list: fn ->
    g = [dynamic([o], o.status), dynamic([o], o.customer_id)]
    from(o in Order, group_by: ^g, select: {o.status, count()})
  end,
  order_by_dynamic_nulls: fn ->
    from(o in Order, order_by: ^[desc_nulls_last: dynamic([o], o.placed_at), asc: :id], select: o.id)
  end,
  having_dynamic: fn ->
    h = dynamic([o], sum(o.total) > ^100)
    from(o in Order, group_by: o.customer_id, having: ^h, select: o.customer_id)
  end,
  distinct_dynamic: fn ->
    from(o in Order, distinct: ^[desc: dynamic([o], o.customer_id)], select: o.id)
  end,
  map_pinned_fields: from(o in Order, select: map(o, ^fields)),
  struct_nested_assoc_take: from(o in Order, join: c in assoc(o, :customer), preload: [customer: c], select: struct(o, [:id, customer: [:id, :name]])),
  map_with_preload_join: from(o in Order, join: i in assoc(o, :items), preload: [items: i], select: map(o, [:id, :status, items: [:qty]])),
  exclude_select_after_merge: from(o in Order, select: %{id: o.id}, select_merge: %{s: o.status}) |> exclude(:select) |> select([o], o.total),
  subquery_select_merge_struct: from(s in subquery(from(o in Order, select: o, select_merge: %{status: "x"})), select: s.status),
  dynamic_join_on: fn ->
    on = dynamic([o, c], c.id == o.customer_id and c.tier > ^1)
    from(o in Order, join: c in Customer, on: ^on, select: o.id)
  end,
  dynamic_in_update: fn ->
    {:update_all, from(o in Order, update: [set: [status: ^"archived"]], where: ^dynamic([o], o.total < ^5))}
  end,
  dynamic_with_subquery: fn ->
    sq = from(i in Item, where: i.qty > ^10, select: i.order_id)
    d = dynamic([o], o.id in subquery(sq) and o.status == ^"open")
    from(o in Order, where: ^d, select: o.id)
  end,
  dynamic_parent_as_exists: fn ->
    d = dynamic([o], exists(from(i in Item, where: i.order_id == parent_as(:order).id and i.qty > ^2)))
    from(o in Order, as: :order, where: ^d, select: o.id)
  end,
  where_kw_pinned_nil_value: fn -> from(o in Order, where: [status: ^nil], select: o.id) end,
  select_dynamic_top: fn -> from(o in Order, select: ^dynamic([o], o.total * 2)) end,
  select_struct_pinned_fields_join: from(o in Order, join: c in assoc(o, :customer), select: {struct(o, ^fields), map(c, [:name])}),
  preload_assoc_query_fn: from(o in Order, preload: [items: ^from(i in Item, order_by: i.sku)]),
]
