defmodule Wn.Sale do
  use Ecto.Schema
  schema "sales" do
    field :region, :string
    field :rep, :string
    field :amount, :decimal
    field :sold_on, :date
  end
end
alias Wn.Sale
queries = [
  over_empty: from(s in Sale, select: {s.id, over(sum(s.amount))}),
  over_empty_list: from(s in Sale, select: over(count(), [])),
  two_windows: from(s in Sale, windows: [r: [partition_by: s.region], t: [order_by: [desc: s.sold_on, asc: s.id]]], select: {over(rank(), :r), over(row_number(), :t)}),
  windows_pipe_twice: Sale |> windows([s], a: [partition_by: s.rep]) |> windows([s], b: [order_by: s.amount]) |> select([s], {over(count(s.id), :a), over(lag(s.amount, 2, 0), :b)}),
  filter_over: from(s in Sale, select: over(filter(count(), s.amount > 100), partition_by: s.region)),
  window_frame_range: from(s in Sale, select: over(avg(s.amount), order_by: s.sold_on, frame: fragment("RANGE BETWEEN INTERVAL '7 days' PRECEDING AND CURRENT ROW"))),
  window_partition_list_order_nulls: from(s in Sale, select: over(dense_rank(), partition_by: [s.region, s.rep], order_by: [desc_nulls_last: s.amount])),
  window_in_order_by: from(s in Sale, order_by: over(row_number(), partition_by: s.region), select: s.id),
  window_in_subquery_filter: from(x in subquery(from(s in Sale, select: %{id: s.id, rn: over(row_number(), partition_by: s.region, order_by: [desc: s.amount])})), where: x.rn <= 3, select: x.id),
  error_unknown_window_fn: quote(do: from(s in Sale, select: over(median(s.amount), :w))),
  window_lead_with_default: from(s in Sale, select: over(lead(s.amount, 1, 0), order_by: s.sold_on)),
  window_first_last_nth: from(s in Sale, windows: [w: [partition_by: s.region, order_by: s.sold_on, frame: fragment("ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING")]], select: {over(first_value(s.amount), :w), over(last_value(s.amount), :w), over(nth_value(s.amount, 2), :w)}),
]
