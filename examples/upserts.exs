# title: Upserts
# description: Insert-or-update in one statement with on_conflict and conflict_target, from doing nothing to counters and replacing selected columns.
# %% Schemas
defmodule Shop.Product do
  use Ecto.Schema

  schema "products" do
    field :sku, :string
    field :name, :string
    field :price, :decimal
    field :stock, :integer, default: 0
    timestamps()
  end
end

defmodule Shop.PageView do
  use Ecto.Schema

  @primary_key false
  schema "page_views" do
    field :path, :string, primary_key: true
    field :count, :integer, default: 1
  end
end
# %% Migration
defmodule Shop.Migrations.CreateProducts do
  use Ecto.Migration

  def change do
    create table(:products) do
      add :sku, :string, null: false
      add :name, :string, null: false
      add :price, :decimal, precision: 10, scale: 2, null: false
      add :stock, :integer, null: false, default: 0
      timestamps()
    end

    create unique_index(:products, [:sku])

    create table(:page_views, primary_key: false) do
      add :path, :string, primary_key: true
      add :count, :integer, null: false, default: 1
    end
  end
end

Ecto.Migrator.up(Repo, 1, Shop.Migrations.CreateProducts)
# %% A first insert
alias Shop.{Product, PageView}

kettle = Repo.insert!(%Product{sku: "KET-1", name: "Kettle", price: Decimal.new("24.50"), stock: 5})
{kettle.id, kettle.name}
# %% on_conflict: :nothing
# The row already exists, so nothing is written. Ecto cannot know the id of
# the existing row: the returned struct has id nil.
{:ok, ignored} =
  Repo.insert(%Product{sku: "KET-1", name: "Kettle (again)", price: Decimal.new("1.00")},
    on_conflict: :nothing,
    conflict_target: :sku
  )

{ignored.id, Repo.get_by!(Product, sku: "KET-1").name}
# %% Replacing some columns
# {:replace, fields} takes the new values from the row being inserted.
{:ok, _} =
  Repo.insert(%Product{sku: "KET-1", name: "Kettle Pro", price: Decimal.new("29.90"), stock: 99},
    on_conflict: {:replace, [:name, :price, :updated_at]},
    conflict_target: :sku
  )

Repo.one(from p in Product, where: p.sku == "KET-1", select: {p.name, p.price, p.stock})
# %% Updating from a query
# A keyword list is an update: here stock is incremented instead of replaced.
Repo.insert!(%Product{sku: "KET-1", name: "ignored", price: Decimal.new("0")},
  on_conflict: [inc: [stock: 10]],
  conflict_target: :sku
)

Repo.one(from p in Product, where: p.sku == "KET-1", select: {p.name, p.stock})
# %% A counter in one statement
for path <- ["/", "/pricing", "/", "/", "/pricing", "/docs"] do
  Repo.insert!(%PageView{path: path}, on_conflict: [inc: [count: 1]], conflict_target: :path)
end

Repo.all(from v in PageView, order_by: [desc: v.count, asc: v.path], select: {v.path, v.count})
# %% Bulk upserts with insert_all
# Existing SKUs are replaced except for their id and inserted_at; new ones
# are inserted. The count is the number of rows written.
now = NaiveDateTime.utc_now() |> NaiveDateTime.truncate(:second)

rows = [
  %{sku: "KET-1", name: "Kettle Pro 2", price: Decimal.new("31.00"), stock: 7, inserted_at: now, updated_at: now},
  %{sku: "MUG-1", name: "Mug", price: Decimal.new("7.25"), stock: 40, inserted_at: now, updated_at: now},
  %{sku: "POT-1", name: "Teapot", price: Decimal.new("19.00"), stock: 3, inserted_at: now, updated_at: now}
]

{count, _} =
  Repo.insert_all(Product, rows,
    on_conflict: {:replace_all_except, [:id, :inserted_at]},
    conflict_target: [:sku]
  )

{count, Repo.all(from p in Product, order_by: p.sku, select: {p.sku, p.name, p.stock})}
