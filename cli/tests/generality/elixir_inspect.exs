defmodule P.User do
  @derive {Inspect, only: [:name]}
  defstruct [:name, :password, :age]
end
defmodule P.Acct do
  @derive {Inspect, except: [:secret]}
  defstruct [:id, :secret]
end
defmodule P.S do
  use Ecto.Schema
  @derive {Inspect, except: [:token]}
  schema "s" do
    field :name, :string
    field :token, :string
    field :pw, :string, redact: true
  end
end
defmodule P.Money do
  defstruct [:amount, :cur]
end
defimpl Inspect, for: P.Money do
  import Inspect.Algebra
  def inspect(m, opts), do: concat(["#Money<", to_doc(m.amount, opts), " ", m.cur, ">"])
end
defmodule P.Stack do
  defstruct items: []
end
defimpl Inspect, for: P.Stack do
  def inspect(s, _opts), do: "#Stack<#{length(s.items)}>"
end
changesets = [
  only: %P.User{name: "a", password: "p", age: 3},
  except: %P.Acct{id: 1, secret: "s"},
  schema_except: %P.S{name: "n", token: "t", pw: "x"},
  redacted_changeset: Ecto.Changeset.change(%P.S{}, pw: "secret", name: "n"),
  inspect_in_string: inspect(%P.User{name: "a"}),
  money: %P.Money{amount: Decimal.new("1.50"), cur: "EUR"},
  nested: [%P.Stack{items: [1]}, {%P.Money{amount: 1, cur: "X"}}],
  in_string: "v=#{inspect(%P.Stack{})}",
]
