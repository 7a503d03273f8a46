defmodule Cat.Dimensions do
  use Ecto.Schema
  @primary_key false
  embedded_schema do
    field :w, :integer
    field :h, :integer
  end
  def changeset(d, a), do: cast(d, a, [:w, :h])
end

defmodule Cat.Variant do
  use Ecto.Schema
  embedded_schema do
    field :color, :string
    field :qty, :integer, default: 0
  end
  def changeset(d, a), do: cast(d, a, [:color, :qty])
end

defmodule Cat.Brand do
  use Ecto.Schema
  schema "brands" do
    field :name, :string
    field :country, :string
    has_many :items, Cat.Item
    has_one :logo, Cat.Logo
    timestamps(type: :utc_datetime)
  end

  def changeset(b, attrs) do
    b |> cast(attrs, [:name, :country]) |> validate_required([:name]) |> unique_constraint(:name)
  end
end

defmodule Cat.Logo do
  use Ecto.Schema
  schema "logos" do
    field :url, :string
    belongs_to :brand, Cat.Brand
  end
end

defmodule Cat.Item do
  use Ecto.Schema
  schema "items" do
    field :title, :string
    field :price, :decimal
    field :status, Ecto.Enum, values: [draft: 0, live: 1, retired: 2], default: :draft
    field :tags, {:array, :string}, default: []
    field :attrs, :map
    field :rating, :float
    field :released_on, :date
    field :version, :integer, default: 1
    embeds_one :dims, Cat.Dimensions, on_replace: :update
    embeds_many :variants, Cat.Variant, on_replace: :delete
    belongs_to :brand, Cat.Brand
    has_many :reviews, Cat.Review, preload_order: [desc: :stars]
    many_to_many :collections, Cat.Collection, join_through: Cat.CollectionItem, on_replace: :delete
    timestamps()
  end

  def changeset(i, attrs) do
    i
    |> cast(attrs, [:title, :price, :status, :tags, :attrs, :rating, :released_on, :brand_id])
    |> validate_required([:title, :price])
    |> validate_number(:price, greater_than: 0)
    |> cast_embed(:dims)
    |> cast_embed(:variants)
    |> foreign_key_constraint(:brand_id)
  end
end

defmodule Cat.Review do
  use Ecto.Schema
  schema "reviews" do
    field :stars, :integer
    field :body, :string
    belongs_to :item, Cat.Item
    timestamps(updated_at: false)
  end
end

defmodule Cat.Collection do
  use Ecto.Schema
  schema "collections" do
    field :name, :string
    many_to_many :items, Cat.Item, join_through: Cat.CollectionItem
  end
end

defmodule Cat.CollectionItem do
  use Ecto.Schema
  @primary_key false
  schema "collection_items" do
    belongs_to :collection, Cat.Collection, primary_key: true
    belongs_to :item, Cat.Item, primary_key: true
    field :position, :integer
  end
end

defmodule Cat.Migration do
  use Ecto.Migration
  def change do
    create table(:brands) do
      add :name, :string, null: false
      add :country, :string
      timestamps(type: :utc_datetime)
    end
    create unique_index(:brands, [:name])
    create table(:logos) do
      add :url, :string
      add :brand_id, references(:brands, on_delete: :delete_all)
    end
    create table(:items) do
      add :title, :string, null: false
      add :price, :decimal, null: false
      add :status, :integer, default: 0
      add :tags, {:array, :string}
      add :attrs, :map
      add :rating, :float
      add :released_on, :date
      add :version, :integer, default: 1
      add :dims, :map
      add :variants, {:array, :map}
      add :brand_id, references(:brands, on_delete: :nilify_all)
      timestamps()
    end
    create table(:reviews) do
      add :stars, :integer
      add :body, :text
      add :item_id, references(:items, on_delete: :delete_all)
      timestamps(updated_at: false)
    end
    create table(:collections) do
      add :name, :string
    end
    create table(:collection_items, primary_key: false) do
      add :collection_id, references(:collections), primary_key: true
      add :item_id, references(:items), primary_key: true
      add :position, :integer
    end
  end
end

alias Cat.{Brand, Logo, Item, Review, Collection, CollectionItem, Dimensions, Variant}
setup_migrations = [Cat.Migration]

runs = [
  insert_brand_with_logo: fn repo ->
    {:ok, b} = %Brand{} |> Brand.changeset(%{name: "Acme", country: "US"}) |> put_assoc(:logo, %Logo{url: "a.png"}) |> repo.insert()
    {b.id, b.logo.id, b.logo.brand_id, b.inserted_at == b.updated_at}
  end,
  insert_item_with_embeds: fn repo ->
    {:ok, i} = %Item{} |> Item.changeset(%{"title" => "Lamp", "price" => "19.90", "brand_id" => 1, "dims" => %{"w" => 10, "h" => 20}, "variants" => [%{"color" => "red", "qty" => 2}, %{"color" => "blue"}], "tags" => ["home"], "attrs" => %{"watt" => 40}, "status" => "live"}) |> repo.insert()
    {i.id, i.dims, Enum.map(i.variants, &{&1.color, &1.qty, is_binary(&1.id)}), i.status}
  end,
  read_back_embeds: fn repo ->
    i = repo.get!(Item, 1)
    {i.dims, Enum.map(i.variants, & &1.color), i.attrs, i.tags, i.status, i.price}
  end,
  insert_all_returning: fn repo ->
    now = ~N[2024-01-01 00:00:00]
    {n, rows} = repo.insert_all(Item, [
      %{title: "Desk", price: Decimal.new("120.00"), brand_id: 1, status: :live, inserted_at: now, updated_at: now, tags: []},
      %{title: "Chair", price: Decimal.new("45.5"), brand_id: nil, status: :retired, inserted_at: now, updated_at: now, tags: ["office", "seat"]}
    ], returning: true)
    {n, Enum.map(rows, &{&1.id, &1.title, &1.status, &1.tags, &1.version})}
  end,
  insert_all_select_query: fn repo ->
    repo.insert_all(Collection, [%{name: "Sale"}, %{name: "New"}])
    q = from(i in Item, where: i.status == :live, select: %{item_id: i.id, collection_id: 1, position: i.id})
    repo.insert_all(CollectionItem, q)
  end,
  insert_reviews: fn repo ->
    for {s, b} <- [{5, "great"}, {3, "ok"}, {4, "good"}], do: repo.insert!(%Review{stars: s, body: b, item_id: 1})
    repo.insert!(%Review{stars: 1, body: "bad", item_id: 2})
    repo.aggregate(Review, :count)
  end,
  preload_order_and_has_one: fn repo ->
    i = repo.get!(Item, 1) |> repo.preload([:reviews, brand: :logo])
    {Enum.map(i.reviews, & &1.stars), i.brand.name, i.brand.logo.url}
  end,
  preload_m2m_join_schema: fn repo ->
    c = repo.get!(Collection, 1) |> repo.preload(items: from(i in Item, order_by: [desc: i.id]))
    Enum.map(c.items, & &1.title)
  end,
  preload_function: fn repo ->
    brands = repo.all(Brand) |> repo.preload(items: fn ids -> repo.all(from i in Item, where: i.brand_id in ^ids) end)
    Enum.map(brands, &{&1.name, length(&1.items)})
  end,
  preload_nested_query_keyword: fn repo ->
    repo.all(from b in Brand, preload: [items: [reviews: ^from(r in Review, where: r.stars >= 4)]])
    |> Enum.map(fn b -> Enum.map(b.items, fn i -> {i.title, Enum.map(i.reviews, & &1.stars)} end) end)
  end,
  preload_join_nested: fn repo ->
    repo.all(from i in Item, left_join: r in assoc(i, :reviews), left_join: b in assoc(i, :brand), where: i.id == 1, preload: [reviews: r, brand: b])
    |> Enum.map(fn i -> {i.title, length(i.reviews), i.brand && i.brand.name} end)
  end,
  preload_already_loaded_force: fn repo ->
    i = repo.get!(Item, 1) |> repo.preload(:reviews)
    repo.insert!(%Review{stars: 2, body: "meh", item_id: 1})
    {length(repo.preload(i, :reviews).reviews), length(repo.preload(i, :reviews, force: true).reviews)}
  end,
  aggregate_variants: fn repo ->
    %{
      count: repo.aggregate(Review, :count, :id),
      avg: repo.aggregate(Review, :avg, :stars),
      sum: repo.aggregate(from(r in Review, where: r.item_id == 1), :sum, :stars),
      max: repo.aggregate(Item, :max, :price),
      min: repo.aggregate(Item, :min, :released_on),
      distinct: repo.aggregate(from(r in Review, distinct: true, select: r.item_id), :count)
    }
  end,
  group_by_select_map: fn repo ->
    repo.all(from r in Review, group_by: r.item_id, order_by: r.item_id, select: %{item: r.item_id, n: count(r.id), avg: avg(r.stars)})
  end,
  update_embeds: fn repo ->
    i = repo.get!(Item, 1)
    {:ok, u} = i |> Item.changeset(%{"dims" => %{"w" => 11}, "variants" => [%{"color" => "green"}]}) |> repo.update()
    {u.dims, Enum.map(u.variants, & &1.color), repo.get!(Item, 1).dims}
  end,
  update_all_variants: fn repo ->
    a = repo.update_all(Item, set: [rating: 4.5])
    b = repo.update_all(from(i in Item, where: i.status == :retired), inc: [version: 1], set: [title: "Old chair"])
    c = repo.update_all(from(i in Item, where: i.id == 1, select: {i.id, i.version}), inc: [version: 2])
    {a, b, c}
  end,
  delete_all_returning: fn repo ->
    repo.delete_all(from(r in Review, where: r.stars < 3, select: r.body))
  end,
  transaction_nested_rollback: fn repo ->
    r = repo.transaction(fn ->
      repo.insert!(%Brand{name: "Inner"})
      inner = repo.transaction(fn -> repo.rollback(:inner_fail) end)
      {:inner, inner}
    end)
    {r, repo.exists?(from b in Brand, where: b.name == "Inner")}
  end,
  transaction_raise: fn repo ->
    try do
      repo.transaction(fn ->
        repo.insert!(%Brand{name: "Boom"})
        raise "boom"
      end)
    rescue
      e in RuntimeError -> {:rescued, e.message, repo.exists?(from b in Brand, where: b.name == "Boom")}
    end
  end,
  multi_run_merge: fn repo ->
    Multi.new()
    |> Multi.put(:name, "Zed")
    |> Multi.insert(:brand, fn %{name: n} -> Brand.changeset(%Brand{}, %{name: n}) end)
    |> Multi.merge(fn %{brand: b} -> Multi.new() |> Multi.insert(:logo, %Logo{url: "z.png", brand_id: b.id}) end)
    |> Multi.run(:count, fn repo, _ -> {:ok, repo.aggregate(Logo, :count)} end)
    |> Multi.delete_all(:gone, from(l in Logo, where: l.url == "nothing"))
    |> Multi.update_all(:bump, from(i in Item, where: i.id == 1), inc: [version: 1])
    |> repo.transaction()
    |> then(fn {:ok, m} -> {m.name, m.brand.name, m.logo.url, m.count, m.gone, m.bump} end)
  end,
  multi_error_run: fn repo ->
    Multi.new()
    |> Multi.insert(:b, %Brand{name: "Temp"})
    |> Multi.run(:fail, fn _repo, %{b: b} -> {:error, {:nope, b.name}} end)
    |> repo.transaction()
    |> then(fn {:error, name, val, changes} -> {name, val, Map.keys(changes)} end)
  end,
  multi_to_list_names: fn _repo ->
    Multi.new() |> Multi.insert(:a, %Brand{name: "x"}) |> Multi.update_all(:u, Item, set: [rating: 1.0]) |> Multi.to_list() |> Enum.map(&elem(&1, 0))
  end,
  upsert_nothing_returns_nil_id: fn repo ->
    {:ok, b} = repo.insert(%Brand{name: "Acme"}, on_conflict: :nothing)
    {b.id, b.name}
  end,
  upsert_replace_all: fn repo ->
    {:ok, b} = repo.insert(%Brand{name: "Acme", country: "CA"}, on_conflict: :replace_all, conflict_target: :name)
    {b.name, b.country, repo.get_by!(Brand, name: "Acme").country}
  end,
  upsert_query_update: fn repo ->
    {:ok, b} = repo.insert(%Brand{name: "Acme", country: "MX"}, on_conflict: from(b in Brand, update: [set: [country: "XX"]]), conflict_target: [:name], returning: true)
    {b.id, b.country}
  end,
  upsert_set_keyword: fn repo ->
    repo.insert_all(Brand, [%{name: "Acme", country: "FR", inserted_at: ~U[2024-01-01 00:00:00Z], updated_at: ~U[2024-01-01 00:00:00Z]}], on_conflict: [set: [country: "DE"]], conflict_target: :name, returning: [:country])
  end,
  unique_constraint_error_message: fn repo ->
    {:error, cs} = %Brand{} |> Brand.changeset(%{name: "Acme"}) |> repo.insert()
    cs.errors
  end,
  fk_constraint_error: fn repo ->
    {:error, cs} = %Item{} |> Item.changeset(%{title: "X", price: 1, brand_id: 999}) |> repo.insert()
    cs.errors
  end,
  not_null_violation_raises: fn repo ->
    repo.insert(%Item{price: Decimal.new(1)})
  end,
  stream_in_transaction: fn repo ->
    repo.transaction(fn -> repo.stream(from r in Review, select: r.stars, order_by: r.id) |> Enum.to_list() end)
  end,
  get_by_multiple: fn repo ->
    {repo.get_by(Item, title: "Lamp", status: :live) |> then(&(&1 && &1.id)), repo.get_by(Item, [title: "Lamp"], []) |> then(&(&1 && &1.id))}
  end,
  all_by_keyword_where: fn repo ->
    repo.all(from i in Item, where: [status: :live], select: i.title, order_by: i.title)
  end,
  one_bang_none: fn repo -> repo.one!(from i in Item, where: i.id == -1) end,
  delete_stale: fn repo ->
    repo.delete(%Brand{id: 777, name: "ghost"} |> Ecto.put_meta(state: :loaded))
  end,
  delete_bang_struct: fn repo ->
    b = repo.insert!(%Brand{name: "Short"})
    d = repo.delete!(b)
    {d.__meta__.state, repo.get(Brand, b.id)}
  end,
  update_no_changes_no_query: fn repo ->
    b = repo.get_by!(Brand, name: "Short")
  end,
  insert_item_with_m2m: fn repo ->
    c = repo.get!(Collection, 2)
    {:ok, i} = %Item{title: "Rug", price: Decimal.new("80")} |> change() |> put_assoc(:collections, [c]) |> repo.insert()
    repo.all(from ci in CollectionItem, where: ci.item_id == ^i.id, select: {ci.collection_id, ci.position})
  end,
  replace_m2m: fn repo ->
    i = repo.get_by!(Item, title: "Rug") |> repo.preload(:collections)
    c1 = repo.get!(Collection, 1)
    {:ok, u} = i |> change() |> put_assoc(:collections, [c1]) |> repo.update()
    {Enum.map(u.collections, & &1.name), repo.all(from ci in CollectionItem, where: ci.item_id == ^i.id, select: ci.collection_id)}
  end,
  exists_with_join: fn repo ->
    repo.exists?(from i in Item, join: r in assoc(i, :reviews), where: r.stars == 5)
  end,
  load_raw: fn repo ->
    %{columns: c, rows: rows} = repo.query!("SELECT id, title, price FROM items ORDER BY id LIMIT 1")
    Enum.map(rows, &repo.load(Item, {c, &1})) |> Enum.map(&{&1.id, &1.title, &1.price})
  end,
]
