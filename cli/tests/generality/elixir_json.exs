defmodule J.Point do
  @derive Jason.Encoder
  defstruct [:x, :y]
end
defmodule J.Secret do
  @derive {Jason.Encoder, only: [:name]}
  defstruct [:name, :token]
end
defmodule J.Plain do
  defstruct [:a]
end
defmodule J.Temp do
  defstruct [:c]
  defimpl Jason.Encoder do
    def encode(%{c: c}, opts), do: Jason.Encode.map(%{celsius: c, fahrenheit: c * 9 / 5 + 32}, opts)
  end
end
defmodule J.Shape do
  @type t :: %__MODULE__{}
  defstruct sides: 0
  @spec area(t()) :: number()
  @doc "Area"
  def area(%__MODULE__{sides: s}), do: s * 1.5
  @moduledoc false
end
changesets = [
  derive_encoder: Jason.encode!(%J.Point{x: 1, y: 2}),
  derive_only: Jason.encode!(%J.Secret{name: "n", token: "t"}),
  no_encoder: fn -> Jason.encode!(%J.Plain{a: 1}) end,
  custom_encoder: Jason.encode!(%J.Temp{c: 100}),
  typespec_doc_attrs: J.Shape.area(%J.Shape{sides: 4}),
  encode_nested_list_of_structs: Jason.encode!(%{points: [%J.Point{x: 0, y: 0}]}),
  decode_floats_ints: Jason.decode!("[1, 1.0, -0, 1e2, 1E-2, 12345678901234567890]"),
  encode_float_forms: Jason.encode!([1.0, 0.1, 1.0e20, 1.5e-7, 100.0]),
  encode_map_key_types: Jason.encode!(%{1 => "a", :b => 2, "c" => 3}),
  encode_unicode_escape: Jason.encode!("tab\t \u0001 é ☃", escape: :unicode_safe),
  decode_strings_copy: Jason.decode!(~s({"k":"v"}), strings: :copy),
]
