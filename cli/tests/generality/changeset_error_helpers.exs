defmodule P.User do
  use Ecto.Schema
  schema "users" do
    field :nick, :string
    field :score, :integer
  end
end
cs = Ecto.Changeset.cast(%P.User{}, %{"nick" => "a", "score" => "-1"}, [:nick, :score]) |> Ecto.Changeset.validate_length(:nick, min: 3) |> Ecto.Changeset.validate_number(:score, greater_than: 0) |> Ecto.Changeset.validate_inclusion(:nick, ["abc"])
changesets = [
  phoenix_translate: Ecto.Changeset.traverse_errors(cs, fn {msg, opts} ->
    Regex.replace(~r"%{(\w+)}", msg, fn _, key ->
      opts |> Keyword.get(String.to_existing_atom(key), key) |> to_string()
    end)
  end),
  phoenix_translate_reduce: Ecto.Changeset.traverse_errors(cs, fn {msg, opts} ->
    Enum.reduce(opts, msg, fn {key, value}, acc -> String.replace(acc, "%{#{key}}", fn _ -> to_string(value) end) end)
  end),
]
