defmodule Vet.Vaccine do
  use Ecto.Schema
  embedded_schema do
    field :name, :string
    field :given_on, :date
    field :booster, :boolean, default: false
  end
  def changeset(v, attrs), do: v |> cast(attrs, [:name, :given_on, :booster]) |> validate_required([:name])
end

defmodule Vet.Chip do
  use Ecto.Schema
  @primary_key false
  embedded_schema do
    field :code, :string
    field :vendor, :string, default: "Acme"
  end
  def changeset(c, attrs), do: c |> cast(attrs, [:code, :vendor]) |> validate_length(:code, is: 15)
end

defmodule Vet.Owner do
  use Ecto.Schema
  schema "owners" do
    field :name, :string
    field :phone, :string
    has_many :pets, Vet.Pet, on_replace: :nilify
    has_one :card, Vet.Card, on_replace: :delete
  end
  def changeset(o, attrs), do: o |> cast(attrs, [:name, :phone]) |> validate_required([:name]) |> no_assoc_constraint(:pets, message: "still has pets") |> no_assoc_constraint(:card)
end

defmodule Vet.Card do
  use Ecto.Schema
  schema "cards" do
    field :number, :string
    belongs_to :owner, Vet.Owner
  end
  def changeset(c, attrs), do: c |> cast(attrs, [:number]) |> validate_required([:number])
end

defmodule Vet.Tag do
  use Ecto.Schema
  schema "tags" do
    field :label, :string
  end
  def changeset(t, attrs), do: t |> cast(attrs, [:label]) |> validate_required([:label])
end

defmodule Vet.Pet do
  use Ecto.Schema
  schema "pets" do
    field :name, :string
    field :species, Ecto.Enum, values: [:dog, :cat, :rabbit, :parrot]
    field :weight_kg, :decimal
    field :born_on, :date
    field :neutered, :boolean, default: false
    field :notes, {:array, :map}, default: []
    field :feeding, {:map, :float}
    embeds_one :chip, Vet.Chip, on_replace: :raise
    embeds_many :vaccines, Vet.Vaccine, on_replace: :mark_as_invalid
    belongs_to :owner, Vet.Owner, on_replace: :update
    many_to_many :tags, Vet.Tag, join_through: "pets_tags", on_replace: :delete
    timestamps(type: :naive_datetime_usec)
  end

  def changeset(p, attrs) do
    p
    |> cast(attrs, [:name, :species, :weight_kg, :born_on, :neutered, :notes, :feeding, :owner_id])
    |> validate_required([:name, :species])
    |> validate_number(:weight_kg, greater_than: 0, less_than: 200)
    |> cast_embed(:chip)
    |> cast_embed(:vaccines)
    |> unique_constraint([:name, :owner_id], error_key: :name)
  end
end

alias Vet.{Pet, Owner, Card, Tag, Chip, Vaccine}

pet = %Pet{id: 1, name: "Rex", species: :dog, owner_id: 1,
  chip: %Chip{code: "123456789012345"},
  vaccines: [%Vaccine{id: "v1", name: "rabies", given_on: ~D[2023-01-01]}],
  owner: %Owner{id: 1, name: "Ann"},
  tags: [%Tag{id: 1, label: "good"}, %Tag{id: 2, label: "loud"}]}

changesets = [
  pet_new_full: Pet.changeset(%Pet{}, %{"name" => "Tom", "species" => "cat", "weight_kg" => "4.20", "born_on" => "2020-05-05", "neutered" => "1", "notes" => [%{"at" => "2024-01-01", "text" => "ok"}], "feeding" => %{"morning" => "0.5", "evening" => 1}, "chip" => %{"code" => "999999999999999"}, "vaccines" => [%{"name" => "fvrcp", "given_on" => "2024-02-02"}, %{"name" => "rabies", "booster" => "true"}]}),
  pet_invalid_nested: Pet.changeset(%Pet{}, %{"name" => "Tom", "species" => "hamster", "weight_kg" => "0", "chip" => %{"code" => "1"}, "vaccines" => [%{"given_on" => "not a date"}], "notes" => ["x"], "feeding" => %{"am" => "lots"}}),
  pet_embed_raise_on_replace: fn -> Pet.changeset(pet, %{"chip" => %{"code" => "000000000000000"}}) end,
  pet_embed_mark_invalid: Pet.changeset(pet, %{"vaccines" => [%{"name" => "new one"}]}),
  pet_embed_update_by_id: Pet.changeset(pet, %{"vaccines" => [%{"id" => "v1", "booster" => true}]}),
  pet_embed_nil_param: Pet.changeset(%Pet{}, %{"name" => "Pip", "species" => "parrot", "chip" => nil}),
  pet_embed_invalid_type: Pet.changeset(%Pet{}, %{"name" => "Pip", "species" => "parrot", "chip" => "abc", "vaccines" => %{"a" => 1}}),
  pet_put_assoc_owner_update: pet |> change() |> put_assoc(:owner, %{name: "Bob"}),
  pet_put_assoc_tags_replace: pet |> change() |> put_assoc(:tags, [%Tag{id: 2, label: "loud"}, %Tag{label: "new"}]),
  pet_put_assoc_tags_changesets: pet |> change() |> put_assoc(:tags, [Tag.changeset(%Tag{}, %{label: ""})]),
  pet_cast_assoc_tags: pet |> cast(%{"tags" => [%{"id" => 1, "label" => "great"}, %{"label" => "fresh"}]}, []) |> cast_assoc(:tags),
  pet_put_embed_list: %Pet{} |> change() |> put_embed(:vaccines, [%{name: "a"}, %Vaccine{name: "b"}]),
  pet_put_embed_nil: pet |> change() |> put_embed(:vaccines, []),
  pet_change_embed_directly: change(%Pet{}, chip: %Chip{code: "x"}),
  pet_get_embed_assoc: (cs = Pet.changeset(pet, %{"vaccines" => [%{"id" => "v1", "name" => "rabies-2"}]}); {get_embed(cs, :vaccines, :struct) |> Enum.map(& &1.name), get_assoc(change(pet), :tags, :struct) |> length(), get_embed(cs, :chip, :changeset).valid?}),
  pet_apply_changes_nested: Pet.changeset(%Pet{}, %{"name" => "N", "species" => "dog", "chip" => %{"code" => "123456789012345"}, "vaccines" => [%{"name" => "x"}]}) |> apply_changes() |> Map.take([:name, :chip, :vaccines]),
  owner_cast_has_one: Owner.changeset(%Owner{}, %{"name" => "Cy", "card" => %{"number" => "C-1"}}) |> cast_assoc(:card),
  owner_has_one_replace_delete: Owner.changeset(%Owner{id: 3, name: "Cy", card: %Card{id: 9, number: "old"}}, %{"card" => %{"number" => "new"}}) |> cast_assoc(:card),
  owner_has_one_nil: Owner.changeset(%Owner{id: 3, name: "Cy", card: %Card{id: 9, number: "old"}}, %{"card" => nil}) |> cast_assoc(:card),
  owner_has_many_nilify: Owner.changeset(%Owner{id: 3, name: "Cy", pets: [%Pet{id: 5, name: "A", species: :cat}]}, %{"pets" => []}) |> cast_assoc(:pets),
  owner_has_many_required_empty: Owner.changeset(%Owner{pets: []}, %{"name" => "Dee", "pets" => []}) |> cast_assoc(:pets, required: true),
  owner_cast_assoc_not_loaded_update: fn -> Owner.changeset(%Owner{id: 5, name: "X"} |> Ecto.put_meta(state: :loaded), %{"pets" => [%{"name" => "y"}]}) |> cast_assoc(:pets) end,
  owner_cast_assoc_invalid_param: Owner.changeset(%Owner{pets: []}, %{"pets" => "nope"}) |> cast_assoc(:pets),
  owner_cast_assoc_id_not_found: Owner.changeset(%Owner{id: 3, pets: [%Pet{id: 5, name: "A", species: :cat}]}, %{"pets" => [%{"id" => "77", "name" => "ghost", "species" => "dog"}]}) |> cast_assoc(:pets),
  traverse_errors_2_arity: Pet.changeset(%Pet{}, %{"weight_kg" => "500", "chip" => %{"code" => "12"}}) |> traverse_errors(fn {msg, opts} -> Enum.reduce(opts, msg, fn {key, value}, acc -> String.replace(acc, "%{#{key}}", to_string(value)) end) end),
  merge_changesets: merge(change(%Pet{}, name: "A") |> add_error(:name, "x"), change(%Pet{}, species: :dog) |> validate_required(:born_on)),
  merge_different_data_raises: fn -> merge(change(%Pet{}), change(%Owner{})) end,
  changeset_struct_fields: (cs = Pet.changeset(%Pet{}, %{"name" => "Z"}); %{action: cs.action, valid: cs.valid?, required: cs.required, params: cs.params, repo: cs.repo, types_name: cs.types[:name]}),
  changeset_inspect_forms: [inspect(change(%Tag{}, label: "x")), inspect(%Ecto.Changeset{}), inspect(Tag.changeset(%Tag{}, %{}))],
  unsafe_validate_unique_no_repo: fn -> change(%Tag{}, label: "x") |> unsafe_validate_unique(:label, nil) end,
  validate_required_assoc_field: change(%Owner{}) |> validate_required([:name, :card]),
  validate_length_on_embeds_list: Pet.changeset(%Pet{}, %{"name" => "A", "species" => "dog", "vaccines" => [%{"name" => "a"}, %{"name" => "b"}, %{"name" => "c"}]}) |> validate_length(:vaccines, max: 2),
  validate_format_non_string: fn -> change(%Pet{}, born_on: ~D[2020-01-01]) |> validate_format(:born_on, ~r/2020/) end,
  validate_inclusion_with_enum_atoms: change(%Pet{}, species: :rabbit) |> validate_inclusion(:species, [:dog, :cat], message: "we only treat %{enum}?"),
  validate_number_decimal_strings: change(%Pet{}, weight_kg: Decimal.new("12.5")) |> validate_number(:weight_kg, less_than: Decimal.new("10"), greater_than: 1),
  validate_number_float_vs_int: change(%Pet{}, weight_kg: Decimal.new("3")) |> validate_number(:weight_kg, equal_to: 3.0),
  schemaless_with_embed_types: {%{}, %{tags: {:array, :string}, meta: :map, price: :decimal, at: :utc_datetime}} |> cast(%{"tags" => "a,b", "meta" => %{}, "price" => 10, "at" => "2024-02-30T00:00:00Z"}, [:tags, :meta, :price, :at]),
  schemaless_struct_data: {%Tag{}, %{label: :string, extra: :integer}} |> cast(%{"label" => "L", "extra" => "5"}, [:label, :extra]),
  cast_with_atom_params_list_permitted_strings: fn -> cast(%Tag{}, %{label: "x"}, ["label"]) end,
  cast_non_map_params: fn -> cast(%Tag{}, [label: "x"], [:label]) end,
  change_with_invalid_key: fn -> change(%Tag{}, nope: 1) end,
  put_change_unknown_field: fn -> change(%Tag{}) |> put_change(:nope, 1) end,
  get_field_unknown: fn -> change(%Tag{}) |> get_field(:nope) end,
  timestamps_usec_struct: %Pet{inserted_at: ~N[2024-01-01 00:00:00.000000]},
]
