# title: Trees with recursive CTEs
# description: A category tree stored as parent_id links, walked in a single query with recursive_ctes/2 and with_cte/3: the whole tree with depths and paths, a subtree as structs, and breadcrumbs.
# %% Schema
defmodule Catalog.Category do
  use Ecto.Schema

  schema "categories" do
    field :name, :string
    belongs_to :parent, Catalog.Category
    has_many :children, Catalog.Category, foreign_key: :parent_id
  end
end
# %% Migration
defmodule Catalog.Migrations.CreateCategories do
  use Ecto.Migration

  def change do
    create table(:categories) do
      add :name, :string, null: false
      add :parent_id, references(:categories, on_delete: :delete_all)
    end

    create index(:categories, [:parent_id])
  end
end

Ecto.Migrator.up(Repo, 1, Catalog.Migrations.CreateCategories)
# %% A small tree
alias Catalog.Category

tree = [
  {"Home", ["Kitchen", "Garden"]},
  {"Kitchen", ["Coffee", "Cookware"]},
  {"Coffee", ["Espresso machines", "Grinders"]},
  {"Garden", ["Tools"]},
  {"Books", ["Cooking", "Gardening"]}
]

ids =
  Enum.reduce(tree, %{}, fn {parent, children}, ids ->
    ids = Map.put_new_lazy(ids, parent, fn -> Repo.insert!(%Category{name: parent}).id end)

    Enum.reduce(children, ids, fn child, ids ->
      Map.put(ids, child, Repo.insert!(%Category{name: child, parent_id: ids[parent]}).id)
    end)
  end)

map_size(ids)
# %% The whole tree in one query
# The first part of the union selects the roots; the second joins each
# category to the rows already found, one level deeper each time.
roots =
  from c in Category,
    where: is_nil(c.parent_id),
    select: %{id: c.id, name: c.name, depth: 0, path: c.name}

children =
  from c in Category,
    join: t in "category_tree",
    on: c.parent_id == t.id,
    select: %{id: c.id, name: c.name, depth: t.depth + 1, path: fragment("? || ' / ' || ?", t.path, c.name)}

tree_query = roots |> union_all(^children)

"category_tree"
|> recursive_ctes(true)
|> with_cte("category_tree", as: ^tree_query)
|> order_by([t], t.path)
|> select([t], %{depth: t.depth, path: t.path})
|> Repo.all()
# %% Drawn as an outline
"category_tree"
|> recursive_ctes(true)
|> with_cte("category_tree", as: ^tree_query)
|> order_by([t], t.path)
|> select([t], {t.depth, t.name})
|> Repo.all()
|> Enum.map_join("\n", fn {depth, name} -> String.duplicate("  ", depth) <> name end)
|> IO.puts()
# %% A subtree, loaded as Category structs
# Querying {"subtree", Category} casts the CTE rows to the schema. The
# structs remember "subtree" as their source.
kitchen = Repo.get_by!(Category, name: "Kitchen")

below = from c in Category, join: s in "subtree", on: c.parent_id == s.id
subtree_query = Category |> where([c], c.id == ^kitchen.id) |> union_all(^below)

subtree =
  {"subtree", Category}
  |> recursive_ctes(true)
  |> with_cte("subtree", as: ^subtree_query)
  |> order_by([c], c.name)
  |> Repo.all()

{Enum.map(subtree, & &1.name), hd(subtree).__meta__.source}
# %% Breadcrumbs: walking up instead of down
espresso = Repo.get_by!(Category, name: "Espresso machines")

start =
  from c in Category,
    where: c.id == ^espresso.id,
    select: %{id: c.id, name: c.name, parent_id: c.parent_id, level: 0}

up =
  from c in Category,
    join: a in "ancestors",
    on: c.id == a.parent_id,
    select: %{id: c.id, name: c.name, parent_id: c.parent_id, level: a.level + 1}

ancestors_query = start |> union_all(^up)

"ancestors"
|> recursive_ctes(true)
|> with_cte("ancestors", as: ^ancestors_query)
|> order_by([a], desc: a.level)
|> select([a], a.name)
|> Repo.all()
|> Enum.join(" > ")
# %% Compare: preloads need one query per level
Repo.all(from c in Category, where: is_nil(c.parent_id), order_by: c.name, preload: [children: :children])
|> Enum.map(fn root -> {root.name, Enum.map(root.children, &{&1.name, Enum.map(&1.children, fn c -> c.name end)})} end)
