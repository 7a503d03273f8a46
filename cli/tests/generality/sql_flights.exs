defmodule Fl.Flight do
  use Ecto.Schema
  schema "flights" do
    field :code, :string
    field :departs_at, :utc_datetime
    field :seats, :integer
    belongs_to :airline, Fl.Airline
    has_many :tickets, Fl.Ticket
  end
end
defmodule Fl.Airline do
  use Ecto.Schema
  schema "airlines" do
    field :name, :string
    field :country, :string
    has_many :flights, Fl.Flight
  end
end
defmodule Fl.Ticket do
  use Ecto.Schema
  schema "tickets" do
    field :price, :decimal
    field :class, Ecto.Enum, values: [:economy, :business, :first]
    belongs_to :flight, Fl.Flight
  end
end
alias Fl.{Flight, Airline, Ticket}
queries = [
  subquery_source_whole_map: from(s in subquery(from(f in Flight, select: %{code: f.code, seats: f.seats})), select: s),
  subquery_source_struct_assoc_join: from(f in subquery(from(f in Flight, where: f.seats > 100)), join: a in assoc(f, :airline), select: {f.code, a.name}),
  subquery_source_whole_struct: from(f in subquery(from(f in Flight, where: f.seats > 100))),
  subquery_join_named: from(a in Airline, join: s in subquery(from(f in Flight, group_by: f.airline_id, select: %{aid: f.airline_id, total: sum(f.seats)})), as: :totals, on: s.aid == a.id, where: as(:totals).total > 1000, select: a.name),
  nested_parent_as_two_levels: from(a in Airline, as: :airline, where: exists(from(f in Flight, as: :flight, where: f.airline_id == parent_as(:airline).id and exists(from(t in Ticket, where: t.flight_id == parent_as(:flight).id and t.class == :first)), select: 1)), select: a.id),
  grandparent_as: from(a in Airline, as: :airline, where: exists(from(f in Flight, where: f.airline_id == parent_as(:airline).id and exists(from(t in Ticket, where: t.flight_id == 1 and parent_as(:airline).country == "PT")))), select: a.id),
  union_in_subquery_with_outer_order: from(s in subquery(from(f in Flight, select: %{c: f.code}) |> union(^from(a in Airline, select: %{c: a.name}))), order_by: s.c, select: s.c),
  subquery_in_where_with_pin_before: from(f in Flight, where: f.seats > ^10 and f.airline_id in subquery(from(a in Airline, where: a.country == ^"PT", select: a.id)) and f.code != ^"X", select: f.id),
  cte_schema_join: fn ->
    busy = from(f in Flight, where: f.seats > ^200)
    Airline |> with_cte("busy", as: ^busy) |> join(:inner, [a], b in {"busy", Flight}, on: b.airline_id == a.id) |> select([a, b], {a.name, b.code})
  end,
  cte_recursive_union: fn ->
    base = from(f in Flight, where: is_nil(f.airline_id), select: %{id: f.id, lvl: 0})
    step = from(f in Flight, join: c in "chain", on: c.id == f.airline_id, select: %{id: f.id, lvl: c.lvl + 1})
    from(c in "chain", select: {c.id, c.lvl}) |> recursive_ctes(true) |> with_cte("chain", as: ^union(base, ^step))
  end,
  subquery_aggregate_of_aggregate: from(s in subquery(from(t in Ticket, group_by: t.flight_id, select: %{fid: t.flight_id, rev: sum(t.price)})), select: {avg(s.rev), max(s.rev)}),
  subquery_selected_as: from(s in subquery(from(f in Flight, select: %{code: f.code, n: selected_as(f.seats * 2, :dbl)})), select: s.dbl),
  scalar_subquery_in_select_pinned: fn -> c = :business; from(f in Flight, as: :f, select: {f.code, subquery(from(t in Ticket, where: t.flight_id == parent_as(:f).id and t.class == ^c, select: count()))}) end,
  in_subquery_tuple_like: from(t in Ticket, where: t.flight_id in subquery(from(f in Flight, where: f.departs_at > ^~U[2025-01-01 00:00:00Z], select: f.id)), select: t.id),
  lateral_subquery_pg: from(a in Airline, as: :a, inner_lateral_join: f in subquery(from(f in Flight, where: f.airline_id == parent_as(:a).id, order_by: [desc: f.departs_at], limit: 3, select: %{code: f.code})), on: true, select: {a.name, f.code}),
]
