types = %{name: :string, email: :string, age: :integer, tags: {:array, :string}, born: :date, role: {:parameterized, {Ecto.Enum, Ecto.ParameterizedType.init(Ecto.Enum, values: [:a, :b])}}, score: :decimal, meta: :map}
data = %{name: "Old", age: 1}
changesets = [
  sl_cast_all: {data, types} |> cast(%{"name" => "N", "email" => "e@x", "age" => "30", "tags" => ["x"], "born" => "2000-01-01", "role" => "a", "score" => "1.5", "meta" => %{"k" => 1}}, Map.keys(types)),
  sl_validate: {%{}, types} |> cast(%{"name" => "", "age" => "-1", "email" => "bad"}, Map.keys(types)) |> validate_required([:name]) |> validate_number(:age, greater_than: 0) |> validate_format(:email, ~r/@/),
  sl_apply_action_ok: fn -> {%{}, types} |> cast(%{"name" => "N"}, [:name]) |> apply_action(:insert) end,
  sl_apply_action_error: fn -> {%{}, types} |> cast(%{"age" => "x"}, [:age]) |> apply_action(:validate) end,
  sl_change: Ecto.Changeset.change({data, types}, %{name: "Z"}),
  sl_data_struct_types: {%{}, %{a: :integer}} |> cast(%{"a" => "1", "b" => "2"}, [:a]),
  sl_get_field: fn -> cs = {data, types} |> cast(%{"age" => "5"}, [:age]); {get_field(cs, :age), get_field(cs, :name), get_change(cs, :name)} end,
  sl_apply_changes: fn -> {data, types} |> cast(%{"age" => "5"}, [:age]) |> apply_changes() end,
  sl_validate_inclusion_subset: {%{}, types} |> cast(%{"tags" => ["x", "z"], "name" => "q"}, [:tags, :name]) |> validate_subset(:tags, ["x", "y"]) |> validate_inclusion(:name, ["a"]),
  sl_cast_embed_error: fn -> {%{}, %{x: :map}} |> cast(%{"x" => %{}}, [:x]) |> cast_embed(:x) end,
  sl_unique_constraint: {%{}, types} |> cast(%{"email" => "a@b"}, [:email]) |> unique_constraint(:email) |> Map.get(:constraints),
  sl_empty_values_default: {%{}, %{s: :string, i: :integer}} |> cast(%{"s" => "  ", "i" => ""}, [:s, :i]),
  sl_traverse: fn -> {%{}, types} |> cast(%{"age" => "x", "born" => "bad"}, [:age, :born]) |> traverse_errors(fn {m, _} -> m end) end,
  sl_types_keyword_error: fn -> {%{}, [a: :string]} |> cast(%{"a" => "1"}, [:a]) end,
]
