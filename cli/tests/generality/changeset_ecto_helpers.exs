defmodule Eh.Line do
  use Ecto.Schema
  embedded_schema do
    field :sku, :string
    field :at, :utc_datetime
  end
end
defmodule Eh.Cart do
  use Ecto.Schema
  schema "carts" do
    field :owner, :string
    embeds_many :lines, Eh.Line
    has_many :notes, Eh.Note
  end
end
defmodule Eh.Note do
  use Ecto.Schema
  schema "notes" do
    belongs_to :cart, Eh.Cart
  end
end
c = %Eh.Cart{id: 1, owner: "o", lines: [%Eh.Line{id: "x", sku: "S", at: ~U[2024-01-01 00:00:00Z]}], notes: [%Eh.Note{id: 2}]}
changesets = [
  assoc_loaded: [Ecto.assoc_loaded?(c.notes), Ecto.assoc_loaded?(%Eh.Cart{}.notes)],
  reset_fields: Ecto.reset_fields(c, [:notes, :owner]) |> Map.take([:owner, :notes]),
  get_meta: [Ecto.get_meta(c, :state), Ecto.get_meta(c, :source), Ecto.get_meta(c, :prefix)],
  embedded_dump: Ecto.embedded_dump(hd(c.lines), :json),
  embedded_load: Ecto.embedded_load(Eh.Line, %{"sku" => "L", "at" => "2024-02-02T00:00:00Z"}, :json),
  primary_key: [Ecto.primary_key(c), Ecto.primary_key!(c)],
  schema_reflection: [Eh.Cart.__schema__(:fields), Eh.Cart.__schema__(:source), Eh.Cart.__schema__(:primary_key), Eh.Cart.__schema__(:associations), Eh.Cart.__schema__(:embeds), Eh.Cart.__schema__(:type, :owner), Eh.Line.__schema__(:fields)],
  assoc_reflection: Eh.Cart.__schema__(:association, :notes) |> Map.take([:field, :cardinality, :related, :related_key, :owner_key]),
  build_assoc: Ecto.build_assoc(c, :notes),
]
