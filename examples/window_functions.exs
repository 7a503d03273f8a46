# title: Rankings with window functions
# description: Ranking sales reps within their region, running totals and top-N per group, with over/2 and named windows.
# %% Schema
defmodule Sales.Deal do
  use Ecto.Schema

  schema "deals" do
    field :rep, :string
    field :region, :string
    field :amount, :integer
    field :closed_on, :date
  end
end
# %% Migration
defmodule Sales.Migrations.CreateDeals do
  use Ecto.Migration

  def change do
    create table(:deals) do
      add :rep, :string, null: false
      add :region, :string, null: false
      add :amount, :integer, null: false
      add :closed_on, :date, null: false
    end
  end
end

Ecto.Migrator.up(Repo, 1, Sales.Migrations.CreateDeals)
# %% A quarter of deals
alias Sales.Deal

deals = [
  {"Ana", "North", 1200, ~D[2024-01-05]},
  {"Ben", "North", 800, ~D[2024-01-09]},
  {"Ana", "North", 300, ~D[2024-02-02]},
  {"Cleo", "North", 2000, ~D[2024-02-14]},
  {"Dev", "South", 950, ~D[2024-01-11]},
  {"Eve", "South", 950, ~D[2024-01-20]},
  {"Dev", "South", 400, ~D[2024-03-01]},
  {"Finn", "South", 150, ~D[2024-03-03]},
  {"Gus", "West", 3100, ~D[2024-02-20]}
]

Repo.insert_all(
  Deal,
  Enum.map(deals, fn {rep, region, amount, closed_on} ->
    %{rep: rep, region: region, amount: amount, closed_on: closed_on}
  end)
)
# %% Ranking deals within each region
# rank() leaves gaps after ties, dense_rank() does not, row_number() never ties.
Repo.all(
  from d in Deal,
    order_by: [d.region, desc: d.amount, asc: d.id],
    windows: [by_region: [partition_by: d.region, order_by: [desc: d.amount]]],
    select: %{
      region: d.region,
      rep: d.rep,
      amount: d.amount,
      rank: over(rank(), :by_region),
      dense_rank: over(dense_rank(), :by_region),
      row_number: over(row_number(), :by_region)
    }
)
# %% Each rep against the region
# Windows apply after GROUP BY: here reps are ranked by their total.
Repo.all(
  from d in Deal,
    group_by: [d.region, d.rep],
    order_by: [d.region, desc: sum(d.amount)],
    select: %{
      region: d.region,
      rep: d.rep,
      total: sum(d.amount),
      rank_in_region: over(rank(), partition_by: d.region, order_by: [desc: sum(d.amount)])
    }
)
# %% Running total by close date
# An aggregate with over/2 keeps every row and sees the rows of its window.
Repo.all(
  from d in Deal,
    order_by: [d.closed_on, d.id],
    select: {d.closed_on, d.rep, d.amount, over(sum(d.amount), order_by: [d.closed_on, d.id])}
)
# %% Top two deals per region
# Window functions cannot appear in WHERE, so the ranking goes in a
# subquery and the filter outside it.
ranked =
  from d in Deal,
    select: %{
      region: d.region,
      rep: d.rep,
      amount: d.amount,
      position: over(row_number(), partition_by: d.region, order_by: [desc: d.amount, asc: d.id])
    }

Repo.all(
  from r in subquery(ranked),
    where: r.position <= 2,
    order_by: [r.region, r.position],
    select: {r.region, r.position, r.rep, r.amount}
)
# %% Compared with the previous deal
# lag/2 reads a column from the previous row of the window.
Repo.all(
  from d in Deal,
    where: d.region == "North",
    order_by: d.closed_on,
    windows: [timeline: [order_by: d.closed_on]],
    select: {d.closed_on, d.amount, over(lag(d.amount, 1), :timeline)}
)
