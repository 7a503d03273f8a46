# title: PostgreSQL: the latest row per group
# description: DISTINCT ON with a matching order_by picks one row per group, here each sensor's latest reading, in one query. Opens on PostgreSQL.
# database: postgres
# %% Schemas
defmodule Metrics.Reading do
  use Ecto.Schema

  schema "readings" do
    field :sensor, :string
    field :celsius, :decimal
    field :taken_at, :utc_datetime
  end
end
# %% Migration
defmodule Metrics.Migrations.CreateReadings do
  use Ecto.Migration

  def change do
    create table(:readings) do
      add :sensor, :string, null: false
      add :celsius, :decimal, precision: 5, scale: 2, null: false
      add :taken_at, :utc_datetime, null: false
    end

    # Serves "latest per sensor": sensor first, then time.
    create index(:readings, [:sensor, :taken_at])
  end
end

Ecto.Migrator.up(Repo, 1, Metrics.Migrations.CreateReadings)
# %% Readings
alias Metrics.Reading

start = ~U[2025-01-01 08:00:00Z]

rows =
  for {sensor, hour, celsius} <- [
        {"kitchen", 0, "21.50"},
        {"kitchen", 1, "22.10"},
        {"kitchen", 2, "23.40"},
        {"cellar", 0, "12.00"},
        {"cellar", 2, "11.80"},
        {"attic", 1, "27.90"},
        {"attic", 2, "31.20"}
      ] do
    %{sensor: sensor, celsius: Decimal.new(celsius), taken_at: DateTime.add(start, hour * 3600)}
  end

Repo.insert_all(Reading, rows)
# %% The latest reading of each sensor
# distinct: [asc: r.sensor] is DISTINCT ON (sensor): the first row of each
# sensor in the query's order wins, so the order_by puts the newest first.
Repo.all(
  from r in Reading,
    distinct: [asc: r.sensor],
    order_by: [desc: r.taken_at],
    select: {r.sensor, r.celsius, r.taken_at}
)
# %% The earliest instead
# Only the order changes.
Repo.all(
  from r in Reading,
    distinct: [asc: r.sensor],
    order_by: [asc: r.taken_at],
    select: {r.sensor, r.taken_at}
)
# %% Filtering the latest readings
# In a subquery, the latest readings are a table to filter like any other.
latest = from r in Reading, distinct: [asc: r.sensor], order_by: [desc: r.taken_at]

Repo.all(
  from l in subquery(latest),
    where: l.celsius > ^Decimal.new("25"),
    select: {l.sensor, l.celsius}
)
# %% distinct: true is DISTINCT
# Without expressions, distinct removes duplicate rows.
Repo.all(from r in Reading, distinct: true, order_by: r.sensor, select: r.sensor)
