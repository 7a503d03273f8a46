defmodule Hotel.Address do
  use Ecto.Schema
  @primary_key false
  embedded_schema do
    field :street, :string
    field :city, :string
    field :zip, :string
  end
end
defmodule Hotel.Amenity do
  use Ecto.Schema
  embedded_schema do
    field :label, :string
    field :fee, :decimal
  end
end
defmodule Hotel.Property do
  use Ecto.Schema
  @primary_key {:uuid, :binary_id, autogenerate: true}
  schema "properties" do
    field :name, :string
    field :stars, :integer
    field :tier, Ecto.Enum, values: [budget: 1, standard: 2, luxury: 3]
    field :opened_at, :utc_datetime_usec
    field :tags, {:array, :string}
    field :settings, :map
    field :secret_code, :string, redact: true
    field :display, :string, virtual: true
    embeds_one :address, Hotel.Address
    embeds_many :amenities, Hotel.Amenity
    has_many :rooms, Hotel.Room, foreign_key: :property_uuid, references: :uuid
    has_one :manager, Hotel.Staff, foreign_key: :property_uuid, references: :uuid, where: [role: :manager]
    has_many :bookings, through: [:rooms, :bookings]
    timestamps(type: :utc_datetime_usec, inserted_at: :created_at)
  end
end
defmodule Hotel.Staff do
  use Ecto.Schema
  schema "staff" do
    field :full_name, :string
    field :role, Ecto.Enum, values: [:manager, :clerk, :cleaner]
    belongs_to :property, Hotel.Property, foreign_key: :property_uuid, references: :uuid, type: :binary_id
  end
end
defmodule Hotel.Room do
  use Ecto.Schema
  schema "rooms" do
    field :number, :string, source: :room_no
    field :floor, :integer
    field :nightly_rate, :decimal
    field :smoking, :boolean, default: false
    belongs_to :property, Hotel.Property, foreign_key: :property_uuid, references: :uuid, type: :binary_id
    has_many :bookings, Hotel.Booking
    many_to_many :features, Hotel.Feature, join_through: "room_features", join_keys: [room_ref: :id, feature_ref: :id]
    timestamps(updated_at: false)
  end
end
defmodule Hotel.Feature do
  use Ecto.Schema
  schema "features" do
    field :code, :string
  end
end
defmodule Hotel.Guest do
  use Ecto.Schema
  schema "guests" do
    field :email, :string
    field :vip, :boolean
    field :birthday, :date
    field :loyalty_points, :integer
    has_many :bookings, Hotel.Booking
    many_to_many :rooms, Hotel.Room, join_through: Hotel.Booking
  end
end
defmodule Hotel.Booking do
  use Ecto.Schema
  schema "bookings" do
    field :check_in, :date
    field :check_out, :date
    field :status, Ecto.Enum, values: [:held, :confirmed, :cancelled]
    field :total, :decimal
    field :nights, :integer
    field :paid_at, :naive_datetime
    belongs_to :room, Hotel.Room
    belongs_to :guest, Hotel.Guest
    timestamps()
  end
end
defmodule Hotel.ArchivedStay do
  use Ecto.Schema
  @schema_prefix "archive"
  schema "stays" do
    field :nights, :integer
    belongs_to :guest, Hotel.Guest
  end
end
alias Hotel.{ArchivedStay, Property, Staff, Room, Feature, Guest, Booking}
prop_id = "5b9c4b0e-6a6e-4a51-9f3c-2e4d7d6b1a10"
day = ~D[2025-07-14]
stamp = ~U[2025-07-14 10:00:00.123456Z]
naive = ~N[2025-07-01 12:00:00]
statuses = [:held, :confirmed]
rate = Decimal.new("129.90")
col = :floor
queries = [
  prefix_schema_uuid_pk: from(p in Property, where: p.uuid == ^prop_id, select: p.name),
  whole_prefixed_schema: from(p in Property, where: p.stars > 3),
  enum_int_where: from(p in Property, where: p.tier == :luxury, select: p.uuid),
  enum_int_pin_in: from(p in Property, where: p.tier in ^[:budget, :standard], select: p.name),
  usec_pin: from(p in Property, where: p.opened_at < ^stamp, select: p.created_at),
  source_field_select_where: from(r in Room, where: r.number == "101", select: {r.id, r.number}),
  room_whole: from(r in Room, where: r.smoking == false),
  has_many_custom_refs: from(p in Property, join: r in assoc(p, :rooms), select: {p.name, r.number}),
  has_one_where: from(p in Property, left_join: m in assoc(p, :manager), select: {p.name, m.full_name}),
  through_custom_refs: from(p in Property, join: b in assoc(p, :bookings), select: count(b.id)),
  m2m_join_keys: from(r in Room, join: f in assoc(r, :features), where: f.code == ^"wifi", select: r.id),
  m2m_schema_through: from(g in Guest, join: r in assoc(g, :rooms), select: {g.email, r.floor}),
  belongs_to_uuid: from(r in Room, join: p in assoc(r, :property), where: p.stars >= 4, select: r.id),
  embed_json_path: from(p in Property, where: p.address["city"] == ^"Lisbon", select: p.address["zip"]),
  map_json_path_int: from(p in Property, select: p.settings["limits"][2]),
  json_extract_fn: from(p in Property, select: json_extract_path(p.settings, ["a", "b"])),
  array_in: from(p in Property, where: ^"pool" in p.tags, select: p.uuid),
  date_pin_range: from(b in Booking, where: b.check_in >= ^day and b.check_out <= ^Date.add(day, 7), select: b.id),
  naive_pin: from(b in Booking, where: b.paid_at > ^naive, select: b.id),
  enum_pin_list: from(b in Booking, where: b.status in ^statuses, select: b.id),
  decimal_compare: from(r in Room, where: r.nightly_rate < ^rate, select: r.nightly_rate),
  field_dynamic_name: from(r in Room, where: field(r, ^col) > 2, select: field(r, ^col)),
  keyword_where: from(r in Room, where: [floor: 3, smoking: false], select: r.id),
  select_nested: from(b in Booking, join: g in assoc(b, :guest), select: %{b: {b.id, [b.nights, g.email]}, g: %{vip: g.vip}}),
  select_merge_keyword: from(b in Booking, select: %{id: b.id}, select_merge: %{n: b.nights}, select_merge: %{t: b.total}),
  distinct_desc: from(b in Booking, distinct: [desc: b.guest_id], order_by: b.check_in, select: b.id),
  order_nulls: from(g in Guest, order_by: [desc_nulls_first: g.birthday, asc_nulls_last: g.loyalty_points], select: g.id),
  limit_pin_offset: from(g in Guest, limit: ^5, offset: 10, select: g.id),
  lock_update: from(b in Booking, where: b.id == ^1, lock: "FOR UPDATE SKIP LOCKED"),
  window_sum: from(b in Booking, select: {b.id, over(sum(b.total), :g)}, windows: [g: [partition_by: [b.guest_id, b.room_id], order_by: b.check_in]]),
  window_first_value: from(b in Booking, select: over(first_value(b.total), partition_by: b.room_id)),
  window_ntile: from(b in Booking, select: {over(ntile(4), order_by: b.total), over(percent_rank(), order_by: b.total), over(cume_dist(), order_by: b.total), over(dense_rank(), order_by: b.total)}),
  window_nth: from(b in Booking, select: {over(nth_value(b.total, 2), :w), over(last_value(b.id), :w)}, windows: [w: [order_by: b.id]]),
  fragment_everywhere: from(b in Booking, join: r in Room, on: fragment("? = ?", r.id, b.room_id), where: fragment("? > 0", b.nights), group_by: fragment("strftime('%Y', ?)", b.check_in), having: fragment("count(*) > ?", ^2), order_by: fragment("1"), select: {fragment("strftime('%Y', ?)", b.check_in), count()}),
  type_pin: from(b in Booking, where: b.total > type(^"100.5", :decimal), select: type(b.nights, :float)),
  is_nil_not: from(b in Booking, where: not is_nil(b.paid_at) and not (b.nights < 2), select: b.id),
  in_literal: from(b in Booking, where: b.nights in [1, 2, 3] and b.status in [:held], select: b.id),
  exists_sub: from(g in Guest, as: :g, where: exists(from(b in Booking, where: b.guest_id == parent_as(:g).id and b.status == :confirmed, select: 1)), select: g.id),
  in_subquery: from(r in Room, where: r.id in subquery(from(b in Booking, where: b.nights > 5, select: b.room_id)), select: r.id),
  date_helpers: from(b in Booking, where: b.check_in > ago(3, "month") and b.paid_at < from_now(1, "day") and date_add(b.check_in, ^2, "week") < b.check_out, select: datetime_add(b.paid_at, 30, "minute")),
  count_distinct_filter: from(b in Booking, select: {count(b.guest_id, :distinct), filter(count(b.id), b.status == :cancelled), filter(sum(b.total), b.nights > 2)}),
  coalesce_nested: from(g in Guest, select: coalesce(g.loyalty_points, coalesce(^0, 1))),
  union_q: from(g in Guest, select: g.email) |> union(^from(s in Staff, select: s.full_name)) |> union_all(^from(p in Property, select: p.name)),
  intersect_all: from(g in Guest, select: g.id) |> intersect_all(^from(b in Booking, select: b.guest_id)),
  cte_fragment: fn ->
    from(x in "big", select: x.id) |> with_cte("big", as: fragment("SELECT id FROM bookings WHERE total > ?", ^500))
  end,
  cte_schema_source: fn ->
    q = from(b in Booking, where: b.nights > 3)
    {"long_stays", Booking} |> with_cte("long_stays", as: ^q) |> select([l], l.id)
  end,
  update_set_inc: {:update_all, from(g in Guest, where: g.vip, update: [inc: [loyalty_points: ^-50], set: [vip: false]])},
  update_push_pull: {:update_all, from(p in Property, update: [push: [tags: "spa"], pull: [tags: ^"gym"]])},
  update_join_expr: {:update_all, from(b in Booking, join: r in assoc(b, :room), update: [set: [total: fragment("? * ?", r.nightly_rate, b.nights)]])},
  delete_join: {:delete_all, from(b in Booking, join: g in assoc(b, :guest), where: g.vip == false)},
  delete_prefixed: {:delete_all, from(p in Property, where: p.stars < 2)},
  exclude_where: from(g in Guest, where: g.vip, where: g.loyalty_points > 10, select: g.id) |> exclude(:where),
  first_by_email: Guest |> first(:email),
  prefixed_schema_whole: from(s in ArchivedStay, where: s.nights > 1),
  prefixed_schema_join: from(g in Guest, join: s in ArchivedStay, on: s.guest_id == g.id, select: {g.email, s.nights}),
  prefixed_put_query_prefix_overrides_not: ArchivedStay |> put_query_prefix("tenant") |> select([s], s.id),
  last_q: Guest |> order_by([g], g.email) |> last(),
  reverse: Guest |> order_by([g], [asc: g.email, desc_nulls_first: g.id]) |> reverse_order() |> select([g], g.id),
  selected_as_group: from(b in Booking, group_by: selected_as(:yr), select: %{yr: selected_as(fragment("strftime('%Y', ?)", b.check_in), :yr), n: count()}),
  parent_as_lateral: from(g in Guest, as: :guest, left_lateral_join: l in subquery(from(b in Booking, where: b.guest_id == parent_as(:guest).id, order_by: [desc: b.check_in], limit: 1, select: %{d: b.check_in})), on: true, select: {g.id, l.d}),
  dynamic_compose: fn ->
    base = dynamic([b], b.nights > ^1)
    vip = dynamic([guest: g], g.vip)
    d = dynamic([b], ^base and (^vip or b.total > ^rate))
    from(b in Booking, join: g in assoc(b, :guest), as: :guest, where: ^d, select: b.id)
  end,
  preload_no_sql: from(b in Booking, preload: [:guest, room: :features], where: b.nights == 1),
  preload_join: from(b in Booking, join: g in assoc(b, :guest), preload: [guest: g], select: b),
  struct_select: from(r in Room, select: struct(r, [:id, :number, :floor])),
  map_select: from(r in Room, select: map(r, [:id, :number])),
  error_unknown_field_source: from(r in Room, select: r.room_no),
  error_bad_enum: from(b in Booking, where: b.status == ^:lost, select: b.id),
  error_uuid_cast: from(p in Property, where: p.uuid == ^"not-a-uuid", select: p.name),
  error_compile_select_keyword: quote(do: from(b in Booking, select: b.id, select: b.nights)),
  join_without_on: quote(do: from(b in Booking, join: g in Guest, select: g.id)),
]
