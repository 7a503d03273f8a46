defmodule Js.Doc do
  use Ecto.Schema
  schema "docs" do
    field :data, :map
    field :key, :string
    field :n, :integer
  end
end
alias Js.Doc
k = "x\"y"
queries = [
  quote_in_key: from(d in Doc, select: d.data["it's"]),
  dquote_in_key: from(d in Doc, select: d.data[^k]),
  field_in_path: from(d in Doc, select: d.data[d.key]),
  field_int_in_path: from(d in Doc, select: d.data["arr"][d.n]),
  eq_true_nested: from(d in Doc, where: d.data["a"]["b"] == true, select: d.id),
  eq_string_top: from(d in Doc, where: d.data["a"] == "b", select: d.id),
  eq_int_path_last_int: from(d in Doc, where: d.data["a"][0] == 1, select: d.id),
  eq_dquote_value: from(d in Doc, where: d.data["a"] == "say \"hi\"", select: d.id),
  json_path_fn_field: from(d in Doc, select: json_extract_path(d.data, ["a", d.key])),
  type_json_path: from(d in Doc, select: type(d.data["n"], :integer)),
  json_path_compare_gt: from(d in Doc, where: d.data["n"] > 3, select: d.id),
  json_path_in_order: from(d in Doc, order_by: d.data["rank"], select: d.id),
  json_path_is_nil: from(d in Doc, where: is_nil(d.data["gone"]), select: d.id),
]
