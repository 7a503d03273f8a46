defmodule IoT.Device do
  use Ecto.Schema
  @primary_key {:id, :binary_id, autogenerate: true}
  @foreign_key_type :binary_id
  schema "devices" do
    field :serial, :string
    field :model, Ecto.Enum, values: [:t100, :t200, :h50]
    field :labels, {:array, :string}, default: []
    field :config, :map
    field :active, :boolean, default: true
    field :firmware, :string, source: :fw_version
    belongs_to :site, IoT.Site, type: :id
    has_many :readings, IoT.Reading
    has_one :latest, IoT.Reading, where: [kind: :temp]
    timestamps(type: :utc_datetime_usec)
  end
end

defmodule IoT.Site do
  use Ecto.Schema
  schema "sites" do
    field :name, :string
    field :region, :string
    field :lat, :float
    field :lng, :float
    has_many :devices, IoT.Device
    has_many :readings, through: [:devices, :readings]
  end
end

defmodule IoT.Reading do
  use Ecto.Schema
  @foreign_key_type :binary_id
  schema "readings" do
    field :kind, Ecto.Enum, values: [:temp, :humidity, :battery]
    field :value, :float
    field :raw, :binary
    field :taken_at, :utc_datetime_usec
    field :day, :date
    belongs_to :device, IoT.Device
  end
end

alias IoT.{Device, Site, Reading}
since = ~U[2024-05-01 00:00:00.123456Z]
hours = 6
label = "outdoor"
ids = ["6f1c1b5e-8d3a-4a59-9c7e-6b1c2d3e4f50", "00000000-0000-0000-0000-000000000001"]
kind = :humidity
field_name = :region
limit_n = 3

queries = [
  usec_pin: from(r in Reading, where: r.taken_at >= ^since, select: r.id),
  datetime_add_pins: from(r in Reading, where: r.taken_at > datetime_add(^since, ^hours, "hour"), select: r.id),
  date_add_field_pin: from(r in Reading, where: r.day < date_add(r.day, ^hours, "day"), select: r.id),
  array_contains: from(d in Device, where: ^label in d.labels, select: d.serial),
  binary_id_in: from(d in Device, where: d.id in ^ids, select: d.serial),
  binary_id_join_pin: from(r in Reading, join: d in assoc(r, :device), where: d.id == ^hd(ids), select: r.value),
  enum_pin_var: from(r in Reading, where: r.kind == ^kind, select: avg(r.value)),
  source_field: from(d in Device, where: d.firmware == "1.2", select: {d.firmware, d.serial}, order_by: d.firmware),
  dynamic_field_group: from(s in Site, group_by: field(s, ^field_name), select: {field(s, ^field_name), count(s.id)}),
  has_one_where_join: from(d in Device, join: l in assoc(d, :latest), select: {d.serial, l.value}),
  through_join: from(s in Site, join: r in assoc(s, :readings), group_by: s.id, select: {s.id, max(r.value)}),
  subquery_limit_pin: from(s in subquery(from(r in Reading, order_by: [desc: r.taken_at], limit: ^limit_n, select: %{id: r.id, v: r.value})), select: avg(s.v)),
  row_number_filter: fn ->
    ranked = from(r in Reading, select: %{id: r.id, device_id: r.device_id, rn: over(row_number(), partition_by: r.device_id, order_by: [desc: r.taken_at])})
    from(x in subquery(ranked), where: x.rn == 1, select: x.id)
  end,
  or_having: from(r in Reading, group_by: r.device_id, having: count(r.id) > 10, or_having: avg(r.value) > 50.0, select: r.device_id),
  type_casts_more: from(r in Reading, select: {type(^"3.5", r.value), type(r.day, :string), type(^["a"], {:array, :string})}),
  json_access_pinned_key: fn -> k = "interval"; from(d in Device, select: d.config[^k]) end,
  json_path_nested_int: from(d in Device, where: d.config["thresholds"][0] > 5, select: d.id),
  update_fragment: {:update_all, from(d in Device, update: [set: [firmware: fragment("upper(?)", d.firmware)]])},
  update_multiple_ops: {:update_all, from(d in Device, where: d.active, update: [set: [active: false], push: [labels: "retired"]])},
  update_pinned_values: {:update_all, from(r in Reading, where: r.kind == :battery, update: [set: [value: ^0.0, day: ^~D[2024-01-01]]])},
  delete_subquery_in: {:delete_all, from(r in Reading, where: r.device_id in subquery(from(d in Device, where: not d.active, select: d.id)))},
  union_three: fn ->
    a = from(s in Site, select: s.name)
    b = from(d in Device, select: d.serial)
    c = from(r in Reading, select: type(r.kind, :string))
    a |> union_all(^b) |> union(^c)
  end,
  with_cte_then_join: fn ->
    recent = from(r in Reading, where: r.taken_at > ago(1, "day"), select: %{device_id: r.device_id, v: r.value})
    Device |> with_cte("recent", as: ^recent) |> join(:inner, [d], r in "recent", on: r.device_id == d.id) |> select([d, r], {d.serial, r.v})
  end,
  reverse_order: Reading |> order_by([r], [desc: r.taken_at, asc: r.id]) |> reverse_order() |> select([r], r.id),
  first_default_order: first(Site),
  last_default_order: last(Site),
  named_binding_checks: fn ->
    q = from(d in Device, as: :device)
    q = if has_named_binding?(q, :site), do: q, else: join(q, :left, [device: d], s in assoc(d, :site), as: :site)
    select(q, [device: d, site: s], {d.serial, s.name})
  end,
  with_named_binding: fn ->
    q = from(d in Device, as: :device)
    q = with_named_binding(q, :site, fn q, b -> join(q, :inner, [device: d], s in assoc(d, :site), as: ^b) end)
    where(q, [site: s], s.region == "EU") |> select([device: d], d.id)
  end,
  preload_join_nested: from(s in Site, join: d in assoc(s, :devices), left_join: r in assoc(d, :readings), preload: [devices: {d, readings: r}]),
  select_struct_assoc: from(s in Site, join: d in assoc(s, :devices), select: {struct(s, [:id, :name]), map(d, [:serial])}),
  select_merge_map: from(s in Site, select: %{id: s.id}, select_merge: %{n: s.name}, select_merge: %{r: s.region}),
  count_star_subquery: from(s in subquery(from(r in Reading, distinct: r.device_id, select: %{d: r.device_id})), select: count()),
  distinct_asc_desc: from(r in Reading, distinct: [asc: r.device_id, desc: r.day], select: r.id),
  in_empty_list: from(r in Reading, where: r.id in [], select: r.id),
  in_pinned_empty: from(r in Reading, where: r.id in ^[], select: r.id),
  not_in_subquery: from(d in Device, where: d.id not in subquery(from(r in Reading, select: r.device_id)), select: d.id),
  fragment_keyword_pg: from(d in Device, where: fragment("? @> ?", d.labels, ^["a"]), select: d.id),
  binary_param: from(r in Reading, where: r.raw == ^<<1, 2, 3>>, select: r.id),
  float_ops: from(s in Site, where: s.lat * 2 > ^1.5 and s.lng / 3 < 10, select: s.id),
  boolean_literal_where: from(d in Device, where: d.active == true and not d.active == false, select: d.id),
  nil_pin_error: fn -> v = nil; from(d in Device, where: d.serial == ^v) end,
  string_concat_fragment: from(s in Site, select: fragment("? || ' (' || ? || ')'", s.name, s.region)),
  coalesce_chain: from(s in Site, select: coalesce(s.region, coalesce(s.name, "n/a"))),
  limit_offset_subq: from(s in Site, where: s.id in subquery(from(x in Site, order_by: x.id, limit: 2, offset: 1, select: x.id)), select: s.name),
  lateral_pg: from(s in Site, as: :s, inner_lateral_join: d in subquery(from(d in Device, where: d.site_id == parent_as(:s).id, limit: 1, select: %{serial: d.serial})), on: true, select: {s.name, d.serial}),
  cte_materialized_false: fn -> from(x in "c", select: x.id) |> with_cte("c", as: ^from(s in Site, select: %{id: s.id}), materialized: false) end,
  error_unknown_field: fn -> from(d in Device, select: d.nope) end,
  error_bad_cast: fn -> from(r in Reading, where: r.value == ^"abc") end,
  error_assoc_missing: fn -> from(d in Device, join: x in assoc(d, :nothing)) end,
  error_enum_bad: fn -> from(r in Reading, where: r.kind == ^:pressure) end,
]
