defmodule Clinic.Dose do
  use Ecto.Schema
  @primary_key false
  embedded_schema do
    field :amount, :decimal
    field :unit, Ecto.Enum, values: [:mg, :ml, :g]
    field :per_day, :integer, default: 1
  end

  def changeset(dose, attrs) do
    dose
    |> cast(attrs, [:amount, :unit, :per_day])
    |> validate_required([:amount, :unit])
    |> validate_number(:amount, greater_than: 0, less_than_or_equal_to: Decimal.new("1000"))
    |> validate_inclusion(:per_day, 1..6)
  end
end

defmodule Clinic.Prescription do
  use Ecto.Schema
  @primary_key {:id, :binary_id, autogenerate: true}
  embedded_schema do
    field :drug, :string
    field :refills, :integer, default: 0
    embeds_one :dose, Clinic.Dose, on_replace: :update
  end

  def changeset(p, attrs) do
    p
    |> cast(attrs, [:drug, :refills])
    |> validate_required([:drug])
    |> validate_number(:refills, greater_than_or_equal_to: 0, less_than: 5, message: "refills out of range")
    |> cast_embed(:dose, required: true)
  end
end

defmodule Clinic.Doctor do
  use Ecto.Schema
  schema "doctors" do
    field :name, :string
    field :specialty, Ecto.Enum, values: [cardio: "CARD", neuro: "NEUR", general: "GEN"]
    has_many :appointments, Clinic.Appointment
  end

  def changeset(d, attrs), do: d |> cast(attrs, [:name, :specialty]) |> validate_required([:name])
end

defmodule Clinic.Patient do
  use Ecto.Schema
  @primary_key {:id, :binary_id, autogenerate: true}
  @foreign_key_type :binary_id
  schema "patients" do
    field :first_name, :string
    field :last_name, :string
    field :email, :string
    field :phone, :string
    field :birth_date, :date
    field :weight_kg, :decimal
    field :height_cm, :integer
    field :blood_type, Ecto.Enum, values: [:a_pos, :a_neg, :b_pos, :b_neg, :o_pos, :o_neg, :ab_pos, :ab_neg]
    field :allergies, {:array, Ecto.Enum}, values: [:penicillin, :latex, :nuts], default: []
    field :risk, Ecto.Enum, values: [low: 1, medium: 5, high: 10]
    field :consent, :boolean, default: false
    field :notes, :string
    field :password, :string, virtual: true, redact: true
    field :password_hash, :string, redact: true
    field :last_visit_at, :utc_datetime
    field :checked_in_at, :naive_datetime_usec
    field :metadata, :map, default: %{}
    field :scores, {:array, :integer}
    field :preferred_time, :time
    embeds_many :prescriptions, Clinic.Prescription, on_replace: :delete
    has_many :appointments, Clinic.Appointment, on_replace: :delete
    belongs_to :doctor, Clinic.Doctor, type: :id
    timestamps(type: :utc_datetime)
  end

  def changeset(p, attrs) do
    p
    |> cast(attrs, [:first_name, :last_name, :email, :phone, :birth_date, :weight_kg, :height_cm, :blood_type, :allergies, :risk, :consent, :notes, :password, :last_visit_at, :checked_in_at, :metadata, :scores, :preferred_time, :doctor_id])
    |> validate_required([:first_name, :last_name], message: "is mandatory")
    |> validate_format(:email, ~r/@/)
    |> validate_length(:phone, is: 10, message: "must be %{count} digits")
    |> validate_number(:height_cm, greater_than: 30, less_than: 300)
    |> validate_acceptance(:consent)
    |> unique_constraint(:email, name: :patients_email_index)
    |> foreign_key_constraint(:doctor_id)
  end
end

defmodule Clinic.Appointment do
  use Ecto.Schema
  @foreign_key_type :binary_id
  schema "appointments" do
    field :starts_at, :utc_datetime
    field :minutes, :integer, default: 30
    field :reason, :string
    field :status, Ecto.Enum, values: [:booked, :done, :cancelled], default: :booked
    belongs_to :patient, Clinic.Patient
    belongs_to :doctor, Clinic.Doctor, type: :id
    timestamps()
  end

  def changeset(a, attrs) do
    a
    |> cast(attrs, [:starts_at, :minutes, :reason, :status, :doctor_id])
    |> validate_required([:starts_at])
    |> validate_number(:minutes, greater_than: 0)
    |> validate_inclusion(:minutes, [15, 30, 45, 60])
    |> assoc_constraint(:doctor)
    |> check_constraint(:minutes, name: :minutes_positive)
  end
end

alias Clinic.{Patient, Appointment, Doctor, Prescription, Dose}

base = %{"first_name" => "Ana", "last_name" => "Lima"}

changesets = [
  valid_basic: Patient.changeset(%Patient{}, Map.merge(base, %{"email" => "ana@x.io", "phone" => "0123456789", "height_cm" => "170", "consent" => "true"})),
  required_custom_message: Patient.changeset(%Patient{}, %{"first_name" => "  "}),
  acceptance_false: Patient.changeset(%Patient{}, Map.put(base, "consent", false)),
  phone_is_length: Patient.changeset(%Patient{}, Map.put(base, "phone", "123")),
  integer_enum_cast: Patient.changeset(%Patient{}, Map.merge(base, %{"risk" => "high", "blood_type" => "o_neg"})),
  integer_enum_cast_invalid: Patient.changeset(%Patient{}, Map.merge(base, %{"risk" => "5", "blood_type" => "x"})),
  integer_enum_cast_atom: Patient.changeset(%Patient{}, Map.merge(base, %{risk: :medium})),
  array_enum_cast: Patient.changeset(%Patient{}, Map.merge(base, %{"allergies" => ["latex", "nuts"]})),
  array_enum_invalid: Patient.changeset(%Patient{}, Map.merge(base, %{"allergies" => ["latex", "dust"]})),
  decimal_casts: Patient.changeset(%Patient{}, Map.merge(base, %{"weight_kg" => "72.50"})),
  decimal_cast_float: Patient.changeset(%Patient{}, Map.merge(base, %{"weight_kg" => 72.5})),
  decimal_cast_invalid: Patient.changeset(%Patient{}, Map.merge(base, %{"weight_kg" => "72,5"})),
  date_casts: Patient.changeset(%Patient{}, Map.merge(base, %{"birth_date" => "1990-02-28", "preferred_time" => "09:30", "last_visit_at" => "2024-01-02T10:00:00Z", "checked_in_at" => "2024-01-02 10:00:00.123"})),
  date_cast_map: Patient.changeset(%Patient{}, Map.merge(base, %{"birth_date" => %{"year" => "1990", "month" => "2", "day" => "3"}, "preferred_time" => %{"hour" => 9, "minute" => 5}})),
  date_cast_invalid: Patient.changeset(%Patient{}, Map.merge(base, %{"birth_date" => "1990-02-30", "last_visit_at" => "2024-01-02T10:00:00+01:00"})),
  utc_datetime_offset: Patient.changeset(%Patient{}, Map.merge(base, %{"last_visit_at" => "2024-01-02T10:00:00+01:00"})),
  array_int_cast: Patient.changeset(%Patient{}, Map.merge(base, %{"scores" => ["1", "2", 3]})),
  array_int_invalid: Patient.changeset(%Patient{}, Map.merge(base, %{"scores" => "1,2"})),
  map_cast: Patient.changeset(%Patient{}, Map.merge(base, %{"metadata" => %{"a" => 1}})),
  map_cast_invalid: Patient.changeset(%Patient{}, Map.merge(base, %{"metadata" => [1, 2]})),
  redacted_password: Patient.changeset(%Patient{}, Map.merge(base, %{"password" => "secret"})),
  embeds_many_cast: Patient.changeset(%Patient{}, base) |> cast_embed(:prescriptions, with: &Prescription.changeset/2) |> then(fn cs -> cs end),
  embeds_many_nested: %Patient{} |> cast(Map.merge(base, %{"prescriptions" => [%{"drug" => "Ibuprofen", "dose" => %{"amount" => "200", "unit" => "mg"}}, %{"drug" => "", "dose" => %{"amount" => "-1"}}]}), [:first_name]) |> cast_embed(:prescriptions),
  embeds_many_map_index_params: %Patient{} |> cast(%{"prescriptions" => %{"1" => %{"drug" => "B", "dose" => %{"amount" => 1, "unit" => "ml"}}, "0" => %{"drug" => "A", "dose" => %{"amount" => 2, "unit" => "g"}}}}, []) |> cast_embed(:prescriptions),
  embed_required_missing: %Prescription{} |> Prescription.changeset(%{"drug" => "X"}),
  embed_invalid_type: %Prescription{} |> Prescription.changeset(%{"drug" => "X", "dose" => "strong"}),
  cast_assoc_new: %Patient{} |> cast(base, [:first_name, :last_name]) |> cast_assoc(:appointments, with: &Appointment.changeset/2) |> then(&(&1)),
  cast_assoc_nested_params: %Patient{} |> cast(Map.put(base, "appointments", [%{"starts_at" => "2024-03-01T10:00:00Z", "minutes" => "45"}, %{"minutes" => "20"}]), [:first_name]) |> cast_assoc(:appointments),
  cast_assoc_sort_drop: %Patient{} |> cast(Map.merge(base, %{"appointments" => %{"a" => %{"starts_at" => "2024-03-01T10:00:00Z"}, "b" => %{"starts_at" => "2024-03-02T10:00:00Z"}}, "appts_sort" => ["b", "a", "new"], "appts_drop" => ["a"]}), [:first_name]) |> cast_assoc(:appointments, sort_param: :appts_sort, drop_param: :appts_drop),
  put_assoc_structs: %Patient{} |> change() |> put_assoc(:appointments, [%Appointment{reason: "checkup"}, %{reason: "flu", minutes: 15}]),
  put_assoc_belongs_to_struct: %Appointment{} |> change() |> put_assoc(:doctor, %Doctor{id: 3, name: "House"}),
  put_assoc_belongs_to_map: %Appointment{} |> change() |> put_assoc(:doctor, %{name: "Grey"}),
  put_assoc_changeset: %Appointment{} |> change() |> put_assoc(:doctor, Doctor.changeset(%Doctor{}, %{"name" => "Who", "specialty" => "neuro"})),
  put_embed_list: %Patient{} |> change() |> put_embed(:prescriptions, [%{drug: "A"}, %Prescription{drug: "B"}]),
  string_enum_doctor: Doctor.changeset(%Doctor{}, %{"name" => "X", "specialty" => "CARD"}),
  string_enum_doctor_ok: Doctor.changeset(%Doctor{}, %{"name" => "X", "specialty" => "cardio"}),
  appointment_inclusion: Appointment.changeset(%Appointment{}, %{"starts_at" => "2024-03-01 10:00:00", "minutes" => "20"}),
  appointment_constraints: Appointment.changeset(%Appointment{}, %{"starts_at" => "2024-03-01T10:00:00Z"}),
  validate_subset: %Patient{} |> cast(%{"allergies" => ["latex"]}, [:allergies]) |> validate_subset(:allergies, [:nuts], message: "unsupported"),
  validate_exclusion: %Doctor{} |> cast(%{"name" => "admin"}, [:name]) |> validate_exclusion(:name, ~w(admin root)),
  validate_length_count_bytes: %Doctor{} |> cast(%{"name" => "héllo"}, [:name]) |> validate_length(:name, max: 5, count: :bytes),
  validate_length_list: %Patient{} |> cast(%{"scores" => [1, 2, 3]}, [:scores]) |> validate_length(:scores, min: 4),
  validate_length_min_max_msg: %Doctor{} |> cast(%{"name" => "A"}, [:name]) |> validate_length(:name, min: 2, max: 10, message: "bad size %{count}"),
  validate_number_equal_to: %Patient{} |> cast(%{"height_cm" => "5"}, [:height_cm]) |> validate_number(:height_cm, equal_to: 6),
  validate_number_not_equal: %Patient{} |> cast(%{"height_cm" => "5"}, [:height_cm]) |> validate_number(:height_cm, not_equal_to: 5),
  validate_number_decimal: %Patient{} |> cast(%{"weight_kg" => "0.0"}, [:weight_kg]) |> validate_number(:weight_kg, greater_than: Decimal.new("0.5")),
  validate_confirmation: %Patient{} |> cast(%{"password" => "abc", "password_confirmation" => "abd"}, [:password]) |> validate_confirmation(:password, required: true),
  validate_confirmation_missing: %Patient{} |> cast(%{"password" => "abc"}, [:password]) |> validate_confirmation(:password, required: true),
  validate_format_msg: %Patient{} |> cast(%{"email" => "x"}, [:email]) |> validate_format(:email, ~r/^[^@]+@[^@]+$/, message: "bad email"),
  validate_change_custom: %Patient{} |> cast(%{"first_name" => "bob"}, [:first_name]) |> validate_change(:first_name, fn :first_name, v -> if String.capitalize(v) == v, do: [], else: [first_name: {"must be capitalized", [validation: :capitalized]}] end),
  validate_required_trim_false: %Patient{} |> cast(%{"first_name" => "  "}, [:first_name], empty_values: []) |> validate_required(:first_name, trim: false),
  empty_values_custom: %Patient{} |> cast(%{"first_name" => "N/A", "notes" => ""}, [:first_name, :notes], empty_values: ["N/A"]),
  update_existing: Patient.changeset(%Patient{id: "6f1c1b5e-8d3a-4a59-9c7e-6b1c2d3e4f50", first_name: "Ana", last_name: "Lima", height_cm: 170}, %{"height_cm" => 170, "notes" => "ok"}),
  change_with_map: change(%Patient{first_name: "A"}, %{first_name: "A", last_name: "B"}),
  change_with_kw: change(%Patient{first_name: "A"}, last_name: "B", height_cm: 10),
  put_change_same_value: %Patient{first_name: "A"} |> change() |> put_change(:first_name, "A"),
  apply_action_insert: fn -> Patient.changeset(%Patient{}, base) |> apply_action(:insert) end,
  apply_action_invalid: fn -> Patient.changeset(%Patient{}, %{}) |> apply_action(:update) end,
  apply_action_bang: fn -> Patient.changeset(%Patient{}, %{}) |> apply_action!(:insert) end,
  apply_changes_value: fn -> Patient.changeset(%Patient{}, Map.put(base, "risk", "low")) |> apply_changes() |> Map.take([:first_name, :risk, :consent]) end,
  traverse_errors_nested: fn ->
    %Patient{} |> cast(%{"prescriptions" => [%{"drug" => ""}]}, []) |> cast_embed(:prescriptions) |> traverse_errors(fn {msg, opts} -> Enum.reduce(opts, msg, fn {k, v}, acc -> String.replace(acc, "%{#{k}}", to_string(v)) end) end)
  end,
  traverse_validations: fn -> Patient.changeset(%Patient{}, base) |> Map.get(:validations) end,
  error_cast_unknown_field: fn -> cast(%Patient{}, %{"x" => 1}, [:nope]) end,
  error_cast_assoc_embed: fn -> cast(%Patient{}, %{"prescriptions" => []}, [:prescriptions]) end,
  error_put_change_unknown: fn -> change(%Patient{}) |> put_change(:nope, 1) end,
  error_mixed_keys: fn -> cast(%Patient{}, %{"first_name" => "a", last_name: "b"}, [:first_name, :last_name]) end,
  schemaless_types: fn ->
    types = %{name: :string, age: :integer, tags: {:array, :string}, kind: {:parameterized, {Ecto.Enum, Ecto.ParameterizedType.init(Ecto.Enum, values: [:a, :b])}}}
    {%{}, types} |> cast(%{"name" => "x", "age" => "12", "tags" => ["a"], "kind" => "b"}, Map.keys(types)) |> validate_required([:name])
  end,
  schemaless_invalid: {%{age: 3}, %{age: :integer}} |> cast(%{"age" => "old"}, [:age]),
  get_field_vs_change: fn ->
    cs = change(%Patient{first_name: "A"}, %{last_name: "B"})
    {get_field(cs, :first_name), get_change(cs, :first_name), get_change(cs, :last_name), fetch_field(cs, :first_name), fetch_change(cs, :last_name), changed?(cs, :last_name, to: "B"), changed?(cs, :last_name, from: nil)}
  end,
  unique_constraint_opts: %Patient{} |> change() |> unique_constraint([:first_name, :last_name], name: :patients_name_idx, message: "dup") |> Map.get(:constraints),
  exclusion_constraint: %Appointment{} |> change() |> exclusion_constraint(:starts_at, name: :no_overlap) |> no_assoc_constraint(:patient) |> Map.get(:constraints),
  prepare_changes_value: fn -> %Patient{} |> change() |> prepare_changes(fn cs -> cs end) |> Map.get(:prepare) |> length() end,
  optimistic_lock_fn: fn -> %Appointment{minutes: 30} |> change() |> optimistic_lock(:minutes, &(&1 + 15)) end,
  merge_changesets: fn -> merge(change(%Patient{}, first_name: "A"), change(%Patient{}, last_name: "B")) end,
  cast_with_force_changes: %Patient{first_name: "A"} |> cast(%{"first_name" => "A"}, [:first_name], force_changes: true),
  validate_required_assoc: %Patient{} |> cast(%{}, []) |> cast_assoc(:appointments, required: true, required_message: "need one"),
  cast_embed_required_message: %Prescription{} |> cast(%{"drug" => "x"}, [:drug]) |> cast_embed(:dose, required: true, required_message: "dose needed"),
  cast_embed_invalid_message: %Prescription{} |> cast(%{"dose" => 3}, []) |> cast_embed(:dose, invalid_message: "bad dose"),
  cast_embed_update_existing: %Prescription{drug: "A", dose: %Dose{amount: Decimal.new("5"), unit: :mg}} |> cast(%{"dose" => %{"amount" => "7"}}, []) |> cast_embed(:dose),
  add_error_keys: %Patient{} |> change() |> add_error(:email, "taken by %{who}", who: "someone", validation: :custom),
  update_change_fn: %Patient{} |> change(first_name: " ana ") |> update_change(:first_name, &String.trim/1) |> update_change(:last_name, &String.trim/1),
  delete_change_fn: %Patient{} |> change(first_name: "x", last_name: "y") |> delete_change(:first_name),
  action_set: %Patient{} |> change() |> Map.put(:action, :validate),
]
