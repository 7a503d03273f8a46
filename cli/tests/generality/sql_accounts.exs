defmodule Up.Acct do
  use Ecto.Schema
  schema "accts" do
    field :name, :string
    field :balance, :integer
    field :tags, {:array, :string}
    field :note, :string
  end
end
alias Up.Acct
queries = [
  update_dynamic_value: fn ->
    d = dynamic([a], fragment("upper(?)", a.name))
    {:update_all, from(a in Acct, update: [set: [name: ^d]])}
  end,
  update_dynamic_value_with_param: fn ->
    d = dynamic([a], a.balance * ^2)
    {:update_all, from(a in Acct, where: a.id > ^5, update: [set: [balance: ^d, note: ^"x"]])}
  end,
  update_runtime_kw_whole: fn ->
    u = [set: [note: "n"], inc: [balance: 3]]
    {:update_all, Acct |> update(^u)}
  end,
  update_pinned_field_name: fn ->
    f = :note
    {:update_all, from(a in Acct, update: [set: [{^f, "z"}]])}
  end,
  update_subquery_value_pg: {:update_all, from(a in Acct, update: [set: [balance: subquery(from(b in Acct, select: max(b.balance)))]])},
]
