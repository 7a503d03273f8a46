defmodule Sh.Item do
  use Ecto.Schema
  schema "items" do
    field :name, :string
    field :qty, :integer, default: 0
    timestamps()
  end
end
defmodule Sh.M do
  use Ecto.Migration
  def change do
    create table(:items) do
      add :name, :string, null: false
      add :qty, :integer
      timestamps()
    end
  end
end
alias Sh.Item
setup_migrations = [Sh.M]
runs = [
  update_struct_not_changeset: fn repo -> repo.update(%Item{id: 1, name: "x"}) end,
  insert_map_not_struct: fn repo -> repo.insert(%{name: "x"}) end,
  insert_all_empty: fn repo -> repo.insert_all(Item, []) end,
  insert_all_bad_field: fn repo -> repo.insert_all(Item, [%{nope: 1}]) end,
  insert_all_invalid_type: fn repo -> repo.insert_all(Item, [%{name: 123}]) end,
  get_nil_id: fn repo -> repo.get(Item, nil) end,
  all_on_string_source: fn repo -> repo.insert!(%Item{name: "a", qty: 2}); repo.all(from i in "items", select: %{name: i.name, qty: i.qty}) end,
  delete_not_loaded_struct: fn repo -> repo.delete(%Item{name: "b"}) end,
  preload_unknown_assoc: fn repo -> repo.preload(repo.get!(Item, 1), :nope) end,
  one_bang_multiple: fn repo -> repo.insert!(%Item{name: "c"}); repo.one!(Item) end,
  update_all_invalid_field: fn repo -> repo.update_all(Item, set: [nope: 1]) end,
  aggregate_invalid: fn repo -> repo.aggregate(Item, :median, :qty) end,
  transaction_nested_rollback_outer: fn repo ->
    repo.transaction(fn ->
      repo.insert!(%Item{name: "d"})
      inner = repo.transaction(fn -> repo.rollback(:inner) end)
      {inner, repo.aggregate(Item, :count)}
    end)
  end,
  rollback_outside_transaction: fn repo -> repo.rollback(:x) end,
  query_bang_error: fn repo -> repo.query!("SELEKT 1") end,
  query_params: fn repo -> repo.query!("SELECT ? + ?, ?", [1, 2, "x"]) |> Map.take([:columns, :rows, :num_rows]) end,
  exists_true_false: fn repo -> {repo.exists?(Item), repo.exists?(from i in Item, where: i.qty > 100)} end,
  insert_with_id_given: fn repo -> {:ok, i} = repo.insert(%Item{id: 100, name: "e"}); {i.id, repo.get!(Item, 100).name} end,
  insert_duplicate_pk_raises: fn repo -> repo.insert(%Item{id: 100, name: "f"}) end,
]
