# title: Dynamic filters
# description: A search form's parameters turned into one query with dynamic/2: optional filters, a join added only when a filter needs it, and sorting chosen at runtime.
# %% Schemas
defmodule Store.Brand do
  use Ecto.Schema

  schema "brands" do
    field :name, :string
    field :country, :string
  end
end

defmodule Store.Product do
  use Ecto.Schema

  schema "products" do
    field :name, :string
    field :category, :string
    field :price, :integer
    field :stock, :integer
    field :released_on, :date
    belongs_to :brand, Store.Brand
  end
end
# %% Migration
defmodule Store.Migrations.CreateCatalog do
  use Ecto.Migration

  def change do
    create table(:brands) do
      add :name, :string, null: false
      add :country, :string
    end

    create table(:products) do
      add :name, :string, null: false
      add :category, :string, null: false
      add :price, :integer, null: false
      add :stock, :integer, null: false, default: 0
      add :released_on, :date
      add :brand_id, references(:brands), null: false
    end

    create index(:products, [:category, :price])
  end
end

Ecto.Migrator.up(Repo, 1, Store.Migrations.CreateCatalog)
# %% A catalog
alias Store.{Brand, Product}

acme = Repo.insert!(%Brand{name: "Acme", country: "US"})
nord = Repo.insert!(%Brand{name: "Nordform", country: "SE"})

Repo.insert_all(Product, [
  %{name: "Espresso maker", category: "kitchen", price: 240, stock: 3, released_on: ~D[2023-03-01], brand_id: nord.id},
  %{name: "Milk frother", category: "kitchen", price: 45, stock: 0, released_on: ~D[2022-11-15], brand_id: acme.id},
  %{name: "Chef's knife", category: "kitchen", price: 89, stock: 12, released_on: ~D[2021-06-30], brand_id: nord.id},
  %{name: "Desk lamp", category: "office", price: 60, stock: 7, released_on: ~D[2024-01-10], brand_id: nord.id},
  %{name: "Office chair", category: "office", price: 320, stock: 2, released_on: ~D[2023-09-01], brand_id: acme.id},
  %{name: "Stapler", category: "office", price: 12, stock: 40, released_on: ~D[2020-02-02], brand_id: acme.id}
])
# %% The search
# Each parameter refines a dynamic expression; unknown or empty ones are
# ignored. Filtering by brand needs the brands table, so the join is added
# only when that filter is present, as a named binding dynamic/2 can use.
defmodule Store.Search do
  import Ecto.Query
  alias Store.Product

  def search(params) do
    Product
    |> maybe_join_brand(params)
    |> where(^filter_where(params))
    |> order_by(^filter_order_by(params["sort"]))
  end

  defp maybe_join_brand(query, %{"brand" => brand}) when brand != "" do
    join(query, :inner, [p], b in assoc(p, :brand), as: :brand)
  end

  defp maybe_join_brand(query, _params), do: query

  defp filter_where(params) do
    Enum.reduce(params, dynamic(true), fn
      {_key, ""}, dynamic ->
        dynamic

      {"q", text}, dynamic ->
        dynamic([p], ^dynamic and like(p.name, ^"%#{text}%"))

      {"category", category}, dynamic ->
        dynamic([p], ^dynamic and p.category == ^category)

      {"max_price", max}, dynamic ->
        dynamic([p], ^dynamic and p.price <= ^String.to_integer(max))

      {"in_stock", "true"}, dynamic ->
        dynamic([p], ^dynamic and p.stock > 0)

      {"released_after", date}, dynamic ->
        dynamic([p], ^dynamic and p.released_on > ^Date.from_iso8601!(date))

      {"brand", brand}, dynamic ->
        dynamic([brand: b], ^dynamic and b.name == ^brand)

      {_key, _value}, dynamic ->
        dynamic
    end)
  end

  defp filter_order_by("price_desc"), do: [desc: :price, asc: :id]
  defp filter_order_by("newest"), do: [desc: dynamic([p], p.released_on)]
  defp filter_order_by(_), do: [asc: :name]
end
# %% No filters: everything, by name
%{} |> Store.Search.search() |> select([p], p.name) |> Repo.all()
# %% Kitchen items in stock, most expensive first
%{"category" => "kitchen", "in_stock" => "true", "sort" => "price_desc", "q" => ""}
|> Store.Search.search()
|> select([p], {p.name, p.price})
|> Repo.all()
# %% Through the brand join
%{"brand" => "Acme", "max_price" => "100", "sort" => "newest"}
|> Store.Search.search()
|> select([p, brand: b], {p.name, b.name, p.price})
|> Repo.all()
# %% A text search
# The pinned value is a parameter: user input never becomes SQL text.
# SQLite's LIKE ignores ASCII case, so "o" also finds "Office chair".
%{"q" => "o", "released_after" => "2023-01-01"}
|> Store.Search.search()
|> select([p], p.name)
|> Repo.all()
# %% Queries are plain data
# Before running anything, the built query shows how the pieces composed.
Store.Search.search(%{"category" => "office", "max_price" => "100"})
