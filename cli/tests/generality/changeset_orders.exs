defmodule Bk.Line do
  use Ecto.Schema
  embedded_schema do
    field :sku, :string
    field :qty, :integer, default: 1
  end
  def changeset(l, a), do: l |> cast(a, [:sku, :qty]) |> validate_required([:sku]) |> validate_number(:qty, greater_than: 0)
end
defmodule Bk.Order do
  use Ecto.Schema
  schema "orders" do
    field :ref, :string
    field :note, :string
    field :total, :decimal
    field :state, Ecto.Enum, values: [new: 10, paid: 20, shipped: 30], default: :new
    field :version, :integer, default: 1
    field :tags, {:array, :string}
    embeds_many :lines, Bk.Line, on_replace: :delete
    belongs_to :customer, Bk.Customer
  end
end
defmodule Bk.Customer do
  use Ecto.Schema
  schema "customers" do
    field :name, :string
    has_many :orders, Bk.Order
  end
end
alias Bk.{Order, Line, Customer}
o = %Order{id: 9, ref: "R-1", total: Decimal.new("10.00"), lines: [%Line{id: "l1", sku: "A", qty: 2}]}
changesets = [
  unique_multi_field_name: change(%Order{}) |> unique_constraint([:ref, :customer_id]) |> exclusion_constraint(:ref) |> unique_constraint(:note, name: :orders_note_idx, match: :suffix),
  check_constraint_without_name: fn -> change(%Order{}) |> check_constraint(:total) end,
  foreign_key_custom_name_message: change(%Order{}) |> foreign_key_constraint(:customer_id, name: :fk_cust, message: "no such customer"),
  assoc_constraint_custom: change(%Order{}) |> assoc_constraint(:customer, message: "gone"),
  optimistic_lock_custom_incrementer: (cs = change(o) |> optimistic_lock(:version, fn v -> v + 10 end); {cs.filters, Enum.reduce(cs.prepare, cs, & &1.(&2)).changes}),
  enum_int_cast: [cast(%Order{}, %{"state" => "paid"}, [:state]).changes, cast(%Order{}, %{"state" => 20}, [:state]).changes, cast(%Order{}, %{"state" => "20"}, [:state]).errors],
  apply_action_bad_action: fn -> change(%Order{}) |> apply_action("insert") end,
  cast_assoc_field_in_permitted: fn -> cast(%Order{}, %{"lines" => []}, [:lines]) end,
  put_change_embed_maps: change(o) |> put_change(:lines, [%{id: "l1", qty: 5}, %{sku: "B"}]),
  put_embed_changeset: change(%Order{}) |> put_embed(:lines, [Line.changeset(%Line{}, %{sku: "Z", qty: 0})]),
  cast_embed_no_param_keeps: cast(o, %{"ref" => "R-2"}, [:ref]) |> cast_embed(:lines),
  cast_embed_invalid_child_makes_parent_invalid: cast(o, %{"lines" => [%{"id" => "l1", "qty" => "0"}]}, []) |> cast_embed(:lines),
  get_change_default_and_fetch: (cs = change(o, note: "n"); {get_change(cs, :ref, :none), fetch_change!(cs, :note), get_field(cs, :lines) |> length()}),
  fetch_change_bang_missing: fn -> change(o) |> fetch_change!(:note) end,
  validate_required_trim_false: cast(%Order{}, %{"ref" => "  "}, [:ref], empty_values: []) |> validate_required(:ref, trim: false) |> validate_required(:note),
  validate_length_array_is: cast(%Order{}, %{"tags" => ["a", "b"]}, [:tags]) |> validate_length(:tags, is: 3),
  validate_format_custom_message_fn: cast(%Order{}, %{"ref" => "x"}, [:ref]) |> validate_format(:ref, ~r/^R-\d+$/, message: "must look like R-123"),
  validate_number_message_and_nil: cast(%Order{}, %{"total" => nil}, [:total]) |> validate_number(:total, greater_than: 0),
  validate_inclusion_not_changed: change(o) |> validate_inclusion(:ref, ["X"]),
  validate_change_returns_keyword_errors: change(o, ref: "bad") |> validate_change(:ref, fn :ref, v -> [ref: {"is %{what}", [what: v]}, ref: "also wrong"] end),
  add_error_twice_same_field: change(o) |> add_error(:ref, "a") |> add_error(:ref, "b"),
  traverse_errors_interpolates_lists: cast(%Order{}, %{"tags" => ["x"]}, [:tags]) |> validate_subset(:tags, ["a", "b"]) |> traverse_errors(fn {msg, opts} -> {msg, opts[:enum]} end),
  changeset_changed_compare: (cs = change(o, total: Decimal.new("10.0")); {cs.changes, changed?(cs, :total)}),
  force_change_same: force_change(change(o), :ref, "R-1").changes,
  put_change_equal_removes_change: change(o, ref: "R-9") |> put_change(:ref, "R-1") |> Map.get(:changes),
  delete_change_missing: change(o) |> delete_change(:nope) |> Map.get(:changes),
  update_change_missing_field: change(o) |> update_change(:note, &String.upcase/1) |> Map.get(:changes),
  change_keyword_and_map: {change(o, %{note: "m"}).changes, change(o, note: "k").changes},
  apply_changes_embeds: cast(o, %{"lines" => [%{"id" => "l1", "qty" => 3}, %{"sku" => "N"}]}, []) |> cast_embed(:lines) |> apply_changes() |> Map.get(:lines),
  changeset_on_changeset_cast: cast(change(o, note: "first"), %{"ref" => "R-3"}, [:ref]) |> Map.take([:changes, :params]),
  empty_changeset_params_nil: change(o).params,
  validations_and_required_fields: (cs = cast(%Order{}, %{}, [:ref]) |> validate_required([:ref]) |> validate_length(:ref, max: 3) |> validate_format(:ref, ~r/R/); {cs.validations, cs.required}),
]
