defmodule T.Emb do
  use Ecto.Schema
  embedded_schema do
    field :x, :integer
  end
  def changeset(e, a), do: cast(e, a, [:x]) |> validate_number(:x, greater_than: 0)
end
defmodule T.S do
  use Ecto.Schema
  schema "s" do
    field :i, :integer
    field :f, :float
    field :d, :decimal
    field :b, :boolean
    field :s, :string
    field :u, :binary_id
    field :uu, Ecto.UUID
    field :date, :date
    field :t, :time
    field :tu, :time_usec
    field :nd, :naive_datetime
    field :ndu, :naive_datetime_usec
    field :ud, :utc_datetime
    field :udu, :utc_datetime_usec
    field :m, :map
    field :mi, {:map, :integer}
    field :ai, {:array, :integer}
    field :bin, :binary
    field :atom_enum, Ecto.Enum, values: [:a, :b]
    embeds_one :e, T.Emb
    embeds_many :es, T.Emb
  end
end
c = fn params -> cast(%T.S{}, params, [:i, :f, :d, :b, :s, :u, :uu, :date, :t, :tu, :nd, :ndu, :ud, :udu, :m, :mi, :ai, :bin, :atom_enum]) end
changesets = [
  int_forms: c.(%{"i" => " 12 "}),
  int_float_str: c.(%{"i" => "12.0"}),
  int_float: c.(%{"i" => 12.0}),
  int_neg: c.(%{"i" => "-5"}),
  int_plus: c.(%{"i" => "+5"}),
  float_exp: c.(%{"f" => "1e3"}),
  float_int: c.(%{"f" => 3}),
  float_dot: c.(%{"f" => "1."}),
  float_dec: c.(%{"f" => Decimal.new("1.5")}),
  dec_exp: c.(%{"d" => "1e3"}),
  dec_nan: c.(%{"d" => "NaN"}),
  dec_int: c.(%{"d" => 5}),
  dec_spaces: c.(%{"d" => " 1.5"}),
  bool_forms: c.(%{"b" => "1"}),
  bool_on: c.(%{"b" => "on"}),
  bool_false_str: c.(%{"b" => "false"}),
  bool_zero: c.(%{"b" => 0}),
  string_int: c.(%{"s" => 5}),
  string_atom: c.(%{"s" => :atom}),
  uuid_upper: c.(%{"u" => "6F1C1B5E-8D3A-4A59-9C7E-6B1C2D3E4F50", "uu" => "6f1c1b5e8d3a4a599c7e6b1c2d3e4f50"}),
  uuid_bad: c.(%{"u" => "nope", "uu" => <<1, 2>>}),
  uuid_raw16: c.(%{"uu" => <<111, 28, 27, 94, 141, 58, 74, 89, 156, 126, 107, 28, 45, 62, 79, 80>>}),
  date_from_datetime_str: c.(%{"date" => "2024-01-02T10:00:00"}),
  date_from_naive: c.(%{"date" => ~N[2024-01-02 10:00:00]}),
  date_from_datetime: c.(%{"date" => ~U[2024-01-02 10:00:00Z]}),
  date_map_bad: c.(%{"date" => %{"year" => "2024", "month" => "13", "day" => "1"}}),
  date_map_empty: c.(%{"date" => %{"year" => "", "month" => "", "day" => ""}}),
  time_usec_trunc: c.(%{"t" => "10:00:00.123456", "tu" => "10:00:00.5"}),
  time_from_naive: c.(%{"t" => ~N[2024-01-02 10:20:30]}),
  naive_from_date_str: c.(%{"nd" => "2024-01-02"}),
  naive_t_no_secs: c.(%{"nd" => "2024-01-02T10:00"}),
  naive_with_z: c.(%{"nd" => "2024-01-02T10:00:00Z", "ndu" => "2024-01-02 10:00:00.123Z"}),
  naive_offset: c.(%{"nd" => "2024-01-02T10:00:00+02:00"}),
  naive_from_utc: c.(%{"nd" => ~U[2024-01-02 10:00:00.123456Z], "ndu" => ~N[2024-01-02 10:00:00]}),
  utc_trunc_usec: c.(%{"ud" => "2024-01-02T10:00:00.999999Z", "udu" => "2024-01-02T10:00:00Z"}),
  utc_from_naive_struct: c.(%{"ud" => ~N[2024-01-02 10:00:00], "udu" => ~N[2024-01-02 10:00:00.1]}),
  utc_map: c.(%{"ud" => %{"year" => 2024, "month" => 1, "day" => 2, "hour" => 3, "minute" => 4}}),
  utc_map_second: c.(%{"udu" => %{year: 2024, month: 1, day: 2, hour: 3, minute: 4, second: 5, microsecond: {7, 6}}}),
  utc_no_offset_str: c.(%{"ud" => "2024-01-02 10:00:00"}),
  map_kw: c.(%{"m" => [a: 1]}),
  map_of_int: c.(%{"mi" => %{"a" => "1", "b" => 2}}),
  map_of_int_bad: c.(%{"mi" => %{"a" => "x"}}),
  array_nil_elem: c.(%{"ai" => [1, nil]}),
  array_empty: c.(%{"ai" => []}),
  array_str_nums: c.(%{"ai" => ["1", " 2"]}),
  binary_any: c.(%{"bin" => <<0, 255>>}),
  binary_int: c.(%{"bin" => 5}),
  enum_atom_direct: c.(%{"atom_enum" => :b}),
  enum_bad_atom: c.(%{"atom_enum" => :c}),
  enum_empty: c.(%{"atom_enum" => ""}),
  empty_strings_nil: c.(%{"i" => "", "s" => "", "date" => "", "m" => ""}),
  whitespace_string: c.(%{"s" => "   "}),
  nil_values: cast(%T.S{i: 5, s: "x"}, %{"i" => nil, "s" => nil}, [:i, :s]),
  atom_keys: c.(%{i: "7", s: "x"}),
  embed_one_struct: %T.S{} |> cast(%{"e" => %{"x" => "3"}}, []) |> cast_embed(:e),
  embed_one_invalid: %T.S{} |> cast(%{"e" => %{"x" => "-3"}}, []) |> cast_embed(:e),
  embed_one_nil: %T.S{e: %T.Emb{x: 1}} |> cast(%{"e" => nil}, []) |> cast_embed(:e),
  embed_many_empty: %T.S{} |> cast(%{"es" => []}, []) |> cast_embed(:es),
  embed_many_with_ids: %T.S{es: [%T.Emb{id: "a", x: 1}, %T.Emb{id: "b", x: 2}]} |> cast(%{"es" => [%{"id" => "b", "x" => "20"}, %{"x" => "3"}]}, []) |> cast_embed(:es, on_replace: :delete),
  embed_many_replace_raise: fn -> %T.S{es: [%T.Emb{id: "a", x: 1}]} |> cast(%{"es" => [%{"x" => "3"}]}, []) |> cast_embed(:es) end,
  get_embed: fn -> cs = %T.S{} |> cast(%{"e" => %{"x" => "3"}}, []) |> cast_embed(:e); {get_embed(cs, :e), get_embed(cs, :e, :struct)} end,
  apply_changes_embeds: fn -> %T.S{} |> cast(%{"e" => %{"x" => "3"}, "es" => [%{"x" => 1}]}, []) |> cast_embed(:e) |> cast_embed(:es) |> apply_changes() |> then(&{&1.e, Enum.map(&1.es, fn e -> e.x end)}) end,
  traverse_2arity: fn -> %T.S{} |> cast(%{"i" => "x", "e" => %{"x" => "0"}}, [:i]) |> cast_embed(:e) |> traverse_errors(fn _cs, field, {msg, _} -> "#{field}: #{msg}" end) end,
  enum_helpers: fn -> {Ecto.Enum.values(T.S, :atom_enum), Ecto.Enum.dump_values(T.S, :atom_enum), Ecto.Enum.mappings(T.S, :atom_enum)} end,
  schema_reflection: fn -> {T.S.__schema__(:source), T.S.__schema__(:primary_key), T.S.__schema__(:type, :mi), T.S.__schema__(:embeds), length(T.S.__schema__(:fields))} end,
  fetch_field_bang: fn -> fetch_field!(change(%T.S{i: 1}), :i) end,
  get_field_default: fn -> get_field(change(%T.S{}), :i, 99) end,
  validate_required_embed: %T.S{} |> cast(%{}, []) |> cast_embed(:e) |> validate_required([:e, :i]),
  validate_inclusion_enum_values: %T.S{} |> cast(%{"s" => "z"}, [:s]) |> validate_inclusion(:s, Ecto.Enum.dump_values(T.S, :atom_enum)),
  validate_length_codepoints: %T.S{} |> cast(%{"s" => "e\u0301"}, [:s]) |> validate_length(:s, is: 2, count: :codepoints),
  validate_format_on_int: fn -> %T.S{} |> cast(%{"i" => "5"}, [:i]) |> validate_format(:i, ~r/5/) end,
  validate_number_float_bound_decimal: %T.S{} |> cast(%{"d" => "2.5"}, [:d]) |> validate_number(:d, less_than: 2.0),
  validate_number_on_string_raises: fn -> %T.S{} |> cast(%{"s" => "5"}, [:s]) |> validate_number(:s, greater_than: 1) end,
  validate_number_bad_opt: fn -> %T.S{} |> cast(%{"i" => "5"}, [:i]) |> validate_number(:i, bigger_than: 1) end,
  unique_error_key: %T.S{} |> change() |> unique_constraint([:s, :i], error_key: :combo) |> Map.get(:constraints),
  check_constraint_msg: %T.S{} |> change() |> check_constraint(:i, name: :i_pos, message: "must be positive", match: :prefix) |> Map.get(:constraints),
  change_embed_struct: change(%T.Emb{x: 1}, x: 2),
  put_embed_changeset: %T.S{} |> change() |> put_embed(:e, T.Emb.changeset(%T.Emb{}, %{"x" => "0"})),
  put_change_embed_map: %T.S{} |> change() |> put_change(:e, %{x: 5}),
  force_change_same: %T.S{i: 1} |> change() |> force_change(:i, 1),
  changes_keys: c.(%{"i" => "1", "s" => "a", "b" => "true"}) |> Map.get(:changes) |> Map.keys(),
  cast_empty_values_option: cast(%T.S{}, %{"s" => "-", "i" => ""}, [:s, :i], empty_values: ["-" | Ecto.Changeset.empty_values()]),
  validate_acceptance_atom_params: %T.S{} |> cast(%{b: true}, [:b]) |> validate_acceptance(:b),
  errors_on_style: fn ->
    cs = c.(%{"i" => "x", "f" => "y"})
    Ecto.Changeset.traverse_errors(cs, fn {msg, opts} -> Regex.replace(~r"%{(\w+)}", msg, fn _, key -> opts |> Keyword.get(String.to_existing_atom(key), key) |> to_string() end) end)
  end,
]
