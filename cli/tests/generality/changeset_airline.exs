defmodule Air.Seat do
  use Ecto.Schema

  @primary_key false
  embedded_schema do
    field :row, :integer
    field :letter, :string
    field :class, Ecto.Enum, values: [:economy, :business, :first], default: :economy
  end

  def changeset(seat, attrs) do
    seat
    |> cast(attrs, [:row, :letter, :class])
    |> validate_required([:row, :letter])
    |> validate_number(:row, greater_than: 0, less_than_or_equal_to: 60)
    |> validate_format(:letter, ~r/^[A-K]$/)
  end
end

defmodule Air.Passenger do
  use Ecto.Schema

  embedded_schema do
    field :full_name, :string
    field :passport, :string, redact: true
    field :birth_date, :date
    field :meal, Ecto.Enum, values: [veg: "V", halal: "H", regular: "R"]
  end

  def changeset(p, attrs) do
    p
    |> cast(attrs, [:full_name, :passport, :birth_date, :meal])
    |> validate_required([:full_name, :passport])
    |> validate_length(:passport, is: 9)
  end

  def child_changeset(p, attrs, index) do
    p
    |> cast(attrs, [:full_name])
    |> put_change(:meal, if(rem(index, 2) == 0, do: :veg, else: :regular))
  end
end

defmodule Air.Airline do
  use Ecto.Schema

  schema "airlines" do
    field :code, :string
    field :name, :string
    has_many :flights, Air.Flight
  end

  def changeset(a, attrs), do: a |> cast(attrs, [:code, :name]) |> validate_required([:code]) |> validate_length(:code, is: 2)
end

defmodule Air.Flight do
  use Ecto.Schema

  schema "flights" do
    field :number, :string
    field :departs_at, :utc_datetime
    field :arrives_at, :naive_datetime_usec
    field :duration_min, :integer
    field :fare, :decimal
    field :load_factor, :float
    field :status, Ecto.Enum, values: [:scheduled, :boarding, :departed, :cancelled], default: :scheduled
    field :gates, {:array, :string}, default: []
    field :extras, {:map, :integer}
    field :meta, :any, virtual: true
    belongs_to :airline, Air.Airline
    has_many :bookings, Air.Booking
    timestamps(type: :utc_datetime)
  end

  def changeset(f, attrs) do
    f
    |> cast(attrs, [:number, :departs_at, :arrives_at, :duration_min, :fare, :load_factor, :status, :gates, :extras, :airline_id])
    |> validate_required([:number, :departs_at])
    |> validate_format(:number, ~r/^[A-Z]{2}\d{1,4}$/, message: "bad flight number")
    |> validate_number(:fare, greater_than_or_equal_to: Decimal.new("0"), message: "fare must be >= %{number}")
    |> validate_number(:load_factor, greater_than_or_equal_to: 0.0, less_than_or_equal_to: 1.0)
    |> validate_inclusion(:duration_min, 10..1200)
    |> validate_length(:gates, max: 2, message: "at most %{count} gates")
    |> unique_constraint(:number, name: :flights_number_departs_at_index)
    |> foreign_key_constraint(:airline_id)
    |> check_constraint(:fare, name: :fare_positive, message: "fare must be positive")
  end
end

defmodule Air.Booking do
  use Ecto.Schema

  schema "bookings" do
    field :reference, :string
    field :email, :string
    field :email_confirmation, :string, virtual: true
    field :accept_terms, :boolean, virtual: true
    field :paid_cents, :integer, default: 0
    field :channels, {:array, Ecto.Enum}, values: [:web, :app, :phone]
    field :lock_version, :integer, default: 1
    embeds_one :seat, Air.Seat, on_replace: :update
    embeds_many :passengers, Air.Passenger, on_replace: :delete
    belongs_to :flight, Air.Flight
    timestamps()
  end

  def changeset(b, attrs) do
    b
    |> cast(attrs, [:reference, :email, :paid_cents, :channels, :flight_id])
    |> validate_required([:reference, :email], message: "required!")
    |> validate_confirmation(:email, required: true)
    |> validate_acceptance(:accept_terms)
    |> validate_subset(:channels, [:web, :app])
    |> validate_exclusion(:reference, ["XXXXXX", "000000"])
    |> cast_embed(:seat)
    |> cast_embed(:passengers, required: true, required_message: "add a passenger")
    |> assoc_constraint(:flight)
    |> unique_constraint([:reference], message: "reference taken")
  end
end

alias Air.{Flight, Booking, Airline, Seat, Passenger}

base_flight = %Flight{id: 7, number: "AB12", departs_at: ~U[2024-03-01 10:00:00Z], fare: Decimal.new("120.00"), gates: ["A1"]}

changesets = [
  flight_full_cast: Flight.changeset(%Flight{}, %{"number" => "KL1234", "departs_at" => "2024-06-01T08:30:00Z", "arrives_at" => "2024-06-01T12:45:00.250", "duration_min" => "255", "fare" => "199.99", "load_factor" => "0.85", "status" => "boarding", "gates" => ["D4", "D5"], "extras" => %{"bags" => "2", "pets" => 0}, "airline_id" => "3"}),
  flight_invalid_values: Flight.changeset(%Flight{}, %{number: "kl1", departs_at: "tomorrow", duration_min: "5", fare: "-1", load_factor: "1.5", status: "landed", gates: ["a", "b", "c"], extras: %{"bags" => "many"}}),
  flight_datetime_forms: Flight.changeset(%Flight{}, %{number: "AA1", departs_at: "2024-06-01 08:30:00", arrives_at: ~N[2024-06-01 12:00:00]}),
  flight_datetime_offset: Flight.changeset(%Flight{}, %{number: "AA1", departs_at: "2024-06-01T08:30:00+02:00"}),
  flight_datetime_map: Flight.changeset(%Flight{}, %{number: "AA1", departs_at: %{"year" => "2024", "month" => "6", "day" => "1", "hour" => "8", "minute" => "5"}}),
  flight_datetime_with_usec: Flight.changeset(%Flight{}, %{number: "AA1", departs_at: "2024-06-01T08:30:00.999Z", arrives_at: "2024-06-01T12:00:00Z"}),
  flight_update_same_values: Flight.changeset(base_flight, %{number: "AB12", fare: "120.0", gates: ["A1"]}),
  flight_update_changed: Flight.changeset(base_flight, %{"fare" => 99, "status" => :cancelled, "gates" => []}),
  flight_nil_required: Flight.changeset(base_flight, %{number: nil, departs_at: ""}),
  flight_fare_float: Flight.changeset(%Flight{}, %{number: "AB1", departs_at: ~U[2024-01-01 00:00:00Z], fare: 10.5}),
  flight_decimal_forms: Enum.map(["1e3", "1.50", " 2 ", "0.1e-2", "abc", "1_000", "-0"], fn s -> Ecto.Type.cast(:decimal, s) end),
  flight_integer_forms: Enum.map(["42", " 42", "4.0", "+7", "-0", "1e2", 4.0, 4.5], fn s -> Ecto.Type.cast(:integer, s) end),
  flight_float_forms: Enum.map(["1", "1.5", ".5", "1e3", "1.", "nan", 3, Decimal.new("2.5")], fn s -> Ecto.Type.cast(:float, s) end),
  flight_boolean_forms: Enum.map(["true", "false", "1", "0", "yes", "TRUE", 1, nil], fn s -> Ecto.Type.cast(:boolean, s) end),
  flight_time_forms: Enum.map(["10:30", "10:30:15", "10:30:15.123", "25:00:00", %{"hour" => 9, "minute" => 5}, ~T[10:00:00.123456]], fn s -> Ecto.Type.cast(:time, s) end),
  flight_date_forms: Enum.map(["2024-02-29", "2023-02-29", "2024-1-5", ~N[2024-01-05 10:00:00], ~U[2024-01-05 23:00:00Z], %{year: 2024, month: 1, day: 5}], fn s -> Ecto.Type.cast(:date, s) end),
  flight_usec_forms: Enum.map(["2024-01-01T10:00:00", "2024-01-01T10:00:00.5Z", ~U[2024-01-01 10:00:00Z]], fn s -> {Ecto.Type.cast(:naive_datetime_usec, s), Ecto.Type.cast(:utc_datetime_usec, s)} end),
  flight_array_map_types: [Ecto.Type.cast({:array, :integer}, ["1", 2]), Ecto.Type.cast({:array, :integer}, "1,2"), Ecto.Type.cast({:map, :string}, %{a: "x"}), Ecto.Type.cast({:map, :integer}, %{"a" => "x"}), Ecto.Type.cast(:map, [a: 1]), Ecto.Type.cast(:any, {1, 2}), Ecto.Type.cast({:array, :date}, ["2024-01-01", "bad"])],
  flight_enum_cast: Enum.map(["scheduled", :departed, "DEPARTED", 1, nil], fn v -> Ecto.Type.cast(Ecto.ParameterizedType.init(Ecto.Enum, values: [:scheduled, :departed]), v) end),
  flight_enum_helpers: {Ecto.Enum.values(Flight, :status), Ecto.Enum.mappings(Booking, :channels), Ecto.Enum.dump_values(Air.Passenger, :meal), Ecto.Enum.mappings(Air.Passenger, :meal)},
  booking_valid_nested: Booking.changeset(%Booking{}, %{"reference" => "ABC123", "email" => "p@x.io", "email_confirmation" => "p@x.io", "accept_terms" => "true", "channels" => ["web"], "seat" => %{"row" => "12", "letter" => "C"}, "passengers" => [%{"full_name" => "Ana Lima", "passport" => "P12345678", "meal" => "veg"}]}),
  booking_all_errors: Booking.changeset(%Booking{}, %{"reference" => "XXXXXX", "email" => "p@x.io", "email_confirmation" => "other", "accept_terms" => "false", "channels" => ["web", "phone"], "seat" => %{"row" => "99", "letter" => "Z", "class" => "premium"}, "passengers" => [%{"full_name" => "A", "passport" => "short"}, %{}]}),
  booking_missing_confirmation: Booking.changeset(%Booking{}, %{reference: "R1", email: "a@b"}),
  booking_empty_passengers: Booking.changeset(%Booking{}, %{reference: "R1", email: "a@b", email_confirmation: "a@b", passengers: []}),
  booking_channels_invalid_enum: Booking.changeset(%Booking{}, %{channels: ["web", "fax"]}),
  booking_replace_embeds: Booking.changeset(%Booking{id: 1, reference: "R", email: "e", seat: %Seat{row: 1, letter: "A"}, passengers: [%Passenger{id: "p1", full_name: "Old", passport: "123456789"}]}, %{"email_confirmation" => "e", "seat" => %{"row" => 2}, "passengers" => [%{"id" => "p1", "full_name" => "Renamed"}, %{"full_name" => "New", "passport" => "987654321"}]}),
  booking_drop_all_passengers: Booking.changeset(%Booking{id: 1, reference: "R", email: "e", passengers: [%Passenger{id: "p1", full_name: "Old", passport: "123456789"}]}, %{"email_confirmation" => "e", "passengers" => []}),
  booking_sort_drop: %Booking{reference: "R", email: "e"} |> cast(%{"passengers" => %{"0" => %{"full_name" => "Zed", "passport" => "111111111"}, "1" => %{"full_name" => "Amy", "passport" => "222222222"}, "2" => %{"full_name" => "Gone", "passport" => "333333333"}}, "order" => ["1", "0", "new"], "drop" => ["2"]}, []) |> cast_embed(:passengers, sort_param: :order, drop_param: :drop),
  booking_with_index: %Booking{} |> cast(%{"passengers" => [%{"full_name" => "Kid A"}, %{"full_name" => "Kid B"}]}, []) |> cast_embed(:passengers, with: &Passenger.child_changeset/3),
  booking_inspect_redacted: Passenger.changeset(%Passenger{}, %{full_name: "X Y", passport: "123456789"}),
  booking_apply_action_ok: Booking.changeset(%Booking{}, %{"reference" => "OK1", "email" => "p@x.io", "email_confirmation" => "p@x.io", "passengers" => [%{"full_name" => "Ana", "passport" => "P12345678"}]}) |> apply_action(:insert),
  booking_apply_action_error: Booking.changeset(%Booking{}, %{}) |> apply_action(:update),
  booking_apply_action_bang: fn -> Booking.changeset(%Booking{}, %{}) |> apply_action!(:insert) end,
  booking_traverse_custom: Booking.changeset(%Booking{}, %{"passengers" => [%{"passport" => "1"}], "seat" => %{}}) |> traverse_errors(fn cs, field, {msg, opts} -> "#{cs.data.__struct__ |> Module.split() |> List.last()}.#{field}: #{msg} #{inspect(Keyword.keys(opts))}" end),
  booking_traverse_validations: Booking.changeset(%Booking{}, %{"email" => "e"}) |> traverse_validations(fn {k, v} -> {k, v} end),
  booking_validations_list: Booking.changeset(%Booking{}, %{}).validations,
  booking_constraints_list: Booking.changeset(%Booking{}, %{}) |> constraints(),
  airline_assoc_cast: Airline.changeset(%Airline{}, %{"code" => "KL", "flights" => [%{"number" => "KL1", "departs_at" => "2024-01-01T00:00:00Z"}, %{"number" => "bad"}]}) |> cast_assoc(:flights),
  airline_assoc_with_fun: Airline.changeset(%Airline{}, %{code: "AF", flights: [%{number: "AF1"}]}) |> cast_assoc(:flights, with: fn f, attrs -> f |> cast(attrs, [:number]) |> validate_length(:number, min: 5) end),
  airline_put_assoc_structs: %Airline{} |> change(code: "LH") |> put_assoc(:flights, [%Flight{number: "LH1"}, %{number: "LH2"}]),
  airline_data_inspect: %Airline{id: 1, code: "BA", name: "British"},
  flight_loaded_meta: Ecto.put_meta(%Flight{id: 3}, state: :loaded),
  flight_meta_source: Ecto.put_meta(%Flight{}, source: "old_flights", prefix: "archive"),
  flight_change_types: change(base_flight, number: "XY9", fare: Decimal.new("120.00"), gates: ["A1"]),
  flight_force_change: force_change(base_flight, :number, "AB12"),
  flight_update_change: base_flight |> change(%{number: "ab99"}) |> update_change(:number, &String.upcase/1),
  flight_fetch_funcs: (cs = Flight.changeset(base_flight, %{number: "ZZ1"}); {fetch_field(cs, :number), fetch_change(cs, :fare), get_field(cs, :fare), fetch_field!(cs, :gates), changed?(cs, :number), changed?(cs, :number, from: "AB12", to: "ZZ1"), changed?(cs, :fare)}),
  flight_put_change_nil_same: change(%Flight{number: nil}, number: nil),
  flight_empty_values_opt: cast(%Flight{}, %{"number" => "N/A", "fare" => ""}, [:number, :fare], empty_values: ["N/A"]),
  flight_empty_values_trim: cast(%Flight{}, %{"number" => "   ", "gates" => []}, [:number, :gates]),
  flight_cast_unknown_field: fn -> cast(%Flight{}, %{"nope" => 1}, [:nope]) end,
  flight_cast_mixed_keys: fn -> cast(%Flight{}, %{"number" => "A", number: "B"}, [:number]) end,
  flight_validate_change_custom: Flight.changeset(%Flight{}, %{number: "AB1", departs_at: "2024-01-01T00:00:00Z", duration_min: 30}) |> validate_change(:duration_min, :sanity, fn :duration_min, v -> if v < 60, do: [duration_min: {"too short: %{min}", min: 60}], else: [] end),
  flight_prepare_changes: (cs = change(%Flight{}, number: "ab1") |> prepare_changes(fn cs -> update_change(cs, :number, &String.upcase/1) end); {length(cs.prepare), cs.changes}),
  flight_validate_number_equal: change(%Flight{}, duration_min: 90) |> validate_number(:duration_min, equal_to: 60) |> validate_number(:duration_min, not_equal_to: 90),
  flight_validate_length_bytes: change(%Flight{}, number: "ÅÅÅ") |> validate_length(:number, max: 4, count: :bytes) |> validate_length(:number, min: 3, count: :graphemes),
  flight_validate_inclusion_range: change(%Flight{}, load_factor: 1.2, duration_min: 5) |> validate_inclusion(:duration_min, 10..20) |> validate_exclusion(:load_factor, [1.2], message: "reserved"),
  flight_unsafe_opts: change(%Flight{}) |> validate_required(:number, trim: false) |> validate_required([]),
  flight_add_error_keys: change(%Flight{}) |> add_error(:number, "taken by %{who}", who: "BA", validation: :custom) |> add_error(:fare, "bad"),
  schemaless_trip: {%{}, %{from: :string, to: :string, pax: :integer, when: :date}} |> cast(%{"from" => "AMS", "to" => "AMS", "pax" => "0", "when" => "2024-13-01"}, [:from, :to, :pax, :when]) |> validate_required([:from, :to]) |> validate_number(:pax, greater_than: 0) |> validate_change(:to, fn :to, to -> [to: "same as origin"] end),
  schemaless_apply: {%{pax: 1}, %{pax: :integer, note: :string}} |> cast(%{"note" => "hi"}, [:pax, :note]) |> apply_changes(),
  error_validate_unknown_type: fn -> change(%Flight{}, gates: ["x"]) |> validate_number(:gates, greater_than: 1) end,
  error_cast_assoc_not_assoc: fn -> cast(%Airline{}, %{}, []) |> cast_assoc(:name) end,
  error_put_assoc_on_replace: fn -> %Airline{id: 1, flights: [%Flight{id: 1}]} |> change() |> put_assoc(:flights, []) end,
  error_invalid_changeset_raise: fn -> Air.Booking.changeset(%Booking{}, %{}) |> apply_action!(:insert) end,
]
