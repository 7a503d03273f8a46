defmodule Sch.Base do
  defmacro __using__(_) do
    quote do
      use Ecto.Schema
      @timestamps_opts [type: :utc_datetime_usec]
      @foreign_key_type :binary_id
    end
  end
end
defmodule Sch.Room do
  use Ecto.Schema
  @primary_key {:code, :string, autogenerate: false}
  @timestamps_opts [type: :utc_datetime, inserted_at: :added_at]
  schema "rooms" do
    field :capacity, :integer
    field :building, :string, source: :bldg
    timestamps()
  end
end
defmodule Sch.Teacher do
  use Ecto.Schema
  @field_source_mapper fn name -> String.upcase(Atom.to_string(name)) |> String.to_atom() end
  schema "teachers" do
    field :full_name, :string
    field :hired, :date
  end
end
defmodule Sch.Lesson do
  use Ecto.Schema
  @derive {Jason.Encoder, only: [:id]}
  schema "lessons" do
    field :weekday, Ecto.Enum, values: [mon: 1, tue: 2, wed: 3, thu: 4, fri: 5]
    field :starts, :time
    field :ends, :time_usec
    field :topic, :string, default: "tbd"
    field :ref, Ecto.UUID
    field :period, :id
    field :blob, :binary
    belongs_to :room, Sch.Room, references: :code, type: :string, foreign_key: :room_code
    belongs_to :teacher, Sch.Teacher, define_field: false
    field :teacher_id, :integer
    timestamps(updated_at: :changed_at, type: :naive_datetime)
  end
end
alias Sch.{Room, Teacher, Lesson}
queries = [
  string_pk_whole: from(r in Room, where: r.code == ^"B12"),
  field_source_mapper: from(t in Teacher, where: t.full_name == ^"Ada", select: {t.id, t.hired}),
  field_source_mapper_whole: Teacher,
  lesson_whole: Lesson,
  belongs_to_refs_string: from(l in Lesson, join: r in assoc(l, :room), select: {l.id, r.capacity}),
  define_field_false_join: from(l in Lesson, join: t in assoc(l, :teacher), select: t.full_name),
  enum_int_select_where: from(l in Lesson, where: l.weekday in [:mon, :fri], select: l.weekday),
  time_usec_pin: from(l in Lesson, where: l.ends > ^~T[09:00:00.250000] and l.starts < ^~T[10:00:00], select: l.id),
  uuid_type_pin: from(l in Lesson, where: l.ref == ^"7d1c2e9a-3b4f-4a6d-9e8f-0a1b2c3d4e5f", select: l.id),
  id_type_string: from(l in Lesson, where: l.period == ^"7", select: l.id),
  binary_pin: from(l in Lesson, where: l.blob == ^"plain", select: l.id),
  naive_ts: from(l in Lesson, where: l.changed_at > ^~N[2025-01-01 00:00:00], select: l.inserted_at),
  room_ts: from(r in Room, order_by: r.added_at, select: r.updated_at),
  preload_assoc_nested_join: from(l in Lesson, left_join: r in assoc(l, :room), left_join: t in assoc(l, :teacher), preload: [room: r, teacher: t]),
]
