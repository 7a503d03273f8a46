# title: PostgreSQL: upserts with RETURNING
# description: on_conflict with conflict_target and returning gives back the row as stored, whether it was inserted or updated, in one statement. Opens on PostgreSQL.
# database: postgres
# %% Schemas
defmodule Store.Stock do
  use Ecto.Schema

  schema "stock" do
    field :sku, :string
    field :name, :string
    field :quantity, :integer, default: 0
    timestamps()
  end
end
# %% Migration
defmodule Store.Migrations.CreateStock do
  use Ecto.Migration

  def change do
    create table(:stock) do
      add :sku, :string, null: false
      add :name, :string, null: false
      add :quantity, :integer, null: false, default: 0
      timestamps()
    end

    # conflict_target: :sku needs a unique index (or constraint) on it.
    create unique_index(:stock, [:sku])
  end
end

Ecto.Migrator.up(Repo, 1, Store.Migrations.CreateStock)
# %% A first delivery
alias Store.Stock

{:ok, first} =
  Repo.insert(%Stock{sku: "TEA-1", name: "Green tea", quantity: 10},
    on_conflict: [inc: [quantity: 10]],
    conflict_target: :sku,
    returning: true
  )

{first.id, first.quantity}
# %% The same delivery again
# The row exists, so the update runs: RETURNING hands back the stored row,
# its real id and the quantity after the increment.
{:ok, again} =
  Repo.insert(%Stock{sku: "TEA-1", name: "Green tea", quantity: 10},
    on_conflict: [inc: [quantity: 10]],
    conflict_target: :sku,
    returning: true
  )

{again.id == first.id, again.quantity}
# %% Replacing columns, returning some
# {:replace, fields} takes the new name; returning: [...] reads back only
# the columns it lists.
{:ok, renamed} =
  Repo.insert(%Stock{sku: "TEA-1", name: "Sencha green tea", quantity: 0},
    on_conflict: {:replace, [:name, :updated_at]},
    conflict_target: :sku,
    returning: [:id, :name, :quantity]
  )

{renamed.name, renamed.quantity}
# %% on_conflict: :nothing returns nothing
# Nothing was written, so there is no row to return: the id is nil.
{:ok, skipped} =
  Repo.insert(%Stock{sku: "TEA-1", name: "ignored"}, on_conflict: :nothing, conflict_target: :sku, returning: true)

{skipped.id, skipped.name}
# %% A bulk upsert that returns its rows
now = ~N[2025-01-01 09:00:00]

deliveries = [
  %{sku: "TEA-1", name: "Sencha green tea", quantity: 5, inserted_at: now, updated_at: now},
  %{sku: "COF-1", name: "Coffee beans", quantity: 20, inserted_at: now, updated_at: now},
  %{sku: "COC-1", name: "Cocoa", quantity: 8, inserted_at: now, updated_at: now}
]

{count, rows} =
  Repo.insert_all(Stock, deliveries,
    on_conflict: {:replace, [:quantity, :updated_at]},
    conflict_target: [:sku],
    returning: [:sku, :quantity]
  )

{count, Enum.map(rows, &{&1.sku, &1.quantity})}
