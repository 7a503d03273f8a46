defmodule Mu.Acc do
  use Ecto.Schema
  schema "accs" do
    field :owner, :string
    field :cents, :integer, default: 0
  end
end
defmodule Mu.Ops do
  def check_balance(repo, %{from: from}, min) do
    if from.cents >= min, do: {:ok, :enough}, else: {:error, :insufficient}
  end
end
defmodule Mu.M do
  use Ecto.Migration
  def change do
    create table(:accs) do
      add :owner, :string
      add :cents, :integer
    end
  end
end
alias Mu.Acc
setup_migrations = [Mu.M]
runs = [
  seed: fn repo -> repo.insert_all(Acc, [%{owner: "a", cents: 500}, %{owner: "b", cents: 100}]) end,
  multi_one_all_exists: fn repo ->
    Multi.new()
    |> Multi.one(:from, from(a in Acc, where: a.owner == "a"))
    |> Multi.all(:all, from(a in Acc, order_by: a.id, select: a.owner))
    |> Multi.exists?(:has_b, from(a in Acc, where: a.owner == "b"))
    |> Multi.run(:check, Mu.Ops, :check_balance, [300])
    |> repo.transaction()
    |> then(fn {:ok, r} -> {r.from.owner, r.all, r.has_b, r.check} end)
  end,
  multi_error_step: fn repo ->
    Multi.new() |> Multi.put(:x, 1) |> Multi.error(:fail, :boom) |> Multi.put(:y, 2) |> repo.transaction()
  end,
  multi_append_prepend: fn repo ->
    a = Multi.new() |> Multi.put(:a, 1)
    b = Multi.new() |> Multi.put(:b, 2)
    {Multi.append(a, b) |> Multi.to_list() |> Enum.map(&elem(&1, 0)), Multi.prepend(a, b) |> Multi.to_list() |> Enum.map(&elem(&1, 0)), repo.transaction(Multi.append(a, b))}
  end,
  multi_run_module_insufficient: fn repo ->
    Multi.new()
    |> Multi.one(:from, from(a in Acc, where: a.owner == "b"))
    |> Multi.run(:check, Mu.Ops, :check_balance, [300])
    |> repo.transaction()
  end,
  multi_transfer: fn repo ->
    Multi.new()
    |> Multi.update_all(:debit, from(a in Acc, where: a.owner == "a"), inc: [cents: -50])
    |> Multi.update_all(:credit, from(a in Acc, where: a.owner == "b"), inc: [cents: 50])
    |> Multi.run(:totals, fn repo, _ -> {:ok, repo.all(from a in Acc, order_by: a.owner, select: {a.owner, a.cents})} end)
    |> repo.transaction()
  end,
  multi_invalid_changeset_no_queries: fn repo ->
    cs = %Acc{} |> cast(%{"cents" => "x"}, [:cents])
    Multi.new() |> Multi.insert(:acc, cs) |> Multi.put(:after, 1) |> repo.transaction()
  end,
  multi_run_raise: fn repo ->
    Multi.new() |> Multi.run(:bad, fn _, _ -> :not_a_tuple end) |> repo.transaction()
  end,
]
