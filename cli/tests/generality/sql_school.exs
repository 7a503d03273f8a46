defmodule Edu.Course do
  use Ecto.Schema
  schema "courses" do
    field :title, :string
    field :credits, :integer
    field :level, Ecto.Enum, values: [:intro, :advanced]
    field :starts_on, :date
    has_many :enrollments, Edu.Enrollment
    many_to_many :students, Edu.Student, join_through: Edu.Enrollment
  end
end
defmodule Edu.Student do
  use Ecto.Schema
  schema "students" do
    field :name, :string
    field :gpa, :decimal
    field :year, :integer
    has_many :enrollments, Edu.Enrollment
  end
end
defmodule Edu.Enrollment do
  use Ecto.Schema
  schema "enrollments" do
    field :grade, :string
    field :score, :float
    belongs_to :course, Edu.Course
    belongs_to :student, Edu.Student
    timestamps()
  end
end
alias Edu.{Course, Student, Enrollment}
order = [desc: :credits, asc: :title]
fields = [:id, :title]
min_credits = 3
queries = [
  pinned_order_kw: from(c in Course, order_by: ^order, select: c.id),
  pinned_select_fields: from(c in Course, select: ^fields),
  pinned_select_struct_fields: Course |> select([c], struct(c, ^fields)),
  pinned_distinct: from(c in Course, distinct: ^true, select: c.level),
  dynamic_named: fn ->
    d = dynamic([enrollment: e], e.score > 50.0)
    from(c in Course, join: e in assoc(c, :enrollments), as: :enrollment, where: ^d, select: c.id)
  end,
  dynamic_in_having: fn ->
    h = dynamic([c, e], avg(e.score) > ^70.0)
    from(c in Course, join: e in assoc(c, :enrollments), group_by: c.id, having: ^h, select: c.id)
  end,
  dynamic_select: fn ->
    s = dynamic([c], c.credits * 2)
    from(c in Course, select: %{double: ^s, t: c.title})
  end,
  dynamic_order_by: fn ->
    o = [desc: dynamic([c], c.credits)]
    from(c in Course, order_by: ^o, select: c.id)
  end,
  dynamic_combined_list: fn ->
    filters = [title: "Math", level: :intro]
    d = Enum.reduce(filters, dynamic(true), fn {k, v}, acc -> dynamic([c], ^acc and field(c, ^k) == ^v) end)
    from(c in Course, where: ^d, select: c.id)
  end,
  m2m_join_schema: from(s in Student, join: c in assoc(s, :enrollments), join: co in assoc(c, :course), select: {s.name, co.title}),
  m2m_through_schema: from(c in Course, join: s in assoc(c, :students), where: s.year == 2, select: s.name),
  join_prefix: from(c in Course, join: e in Enrollment, prefix: "archive", on: e.course_id == c.id, select: e.id),
  query_prefix: from(c in Course, prefix: "tenant_a", select: c.id),
  put_prefix: Course |> Ecto.Query.put_query_prefix("p1") |> select([c], c.id),
  exclude_select: Course |> select([c], c.id) |> exclude(:select),
  lock_share: from(c in Course, lock: "FOR SHARE", select: c.id),
  hints: from(c in Course, hints: ["USE INDEX (idx)"], select: c.id),
  count_fields: from(e in Enrollment, select: {count(e.id), count(e.grade, :distinct), count()}),
  min_max_dates: from(c in Course, select: {min(c.starts_on), max(c.starts_on)}),
  sum_float: from(e in Enrollment, select: sum(e.score)),
  select_nested_maps: from(e in Enrollment, join: s in assoc(e, :student), select: %{enrollment: %{id: e.id, score: e.score}, student: s.name}),
  select_literal_types: from(c in Course, select: {1, 1.5, "s", true, nil, :atom, [1, 2]}),
  where_in_fields: from(c in Course, where: c.credits in [1, 2, ^min_credits], select: c.id),
  where_array_literal_pinned: from(c in Course, where: c.id in ^[1, 2], select: c.title),
  nil_comparison_error: quote(do: from(c in Course, where: c.title == nil)),
  where_not_in_pinned: from(c in Course, where: c.level not in ^[:intro], select: c.id),
  update_set_nil: {:update_all, from(c in Course, update: [set: [starts_on: nil]])},
  update_inc_negative: {:update_all, from(c in Course, update: [inc: [credits: -1]])},
  update_with_select_returning: {:update_all, from(c in Course, where: c.id == 1, update: [set: [title: "x"]], select: c.title)},
  delete_with_select: {:delete_all, from(e in Enrollment, where: e.score < 10.0, select: e.id)},
  update_all_error_no_update: fn -> {:update_all, from(c in Course, where: c.id == 1)} end,
  subquery_aggregate_from: from(x in subquery(from(e in Enrollment, group_by: e.student_id, select: %{sid: e.student_id, avg: avg(e.score)})), where: x.avg > 80, select: count()),
  join_subquery_assoc_style: from(s in Student, left_join: best in subquery(from(e in Enrollment, group_by: e.student_id, select: %{student_id: e.student_id, best: max(e.score)})), on: best.student_id == s.id, select: {s.name, best.best}),
  cte_with_assoc: fn ->
    top = from(e in Enrollment, where: e.score > 90.0, select: %{student_id: e.student_id})
    from(s in Student, join: t in "top", on: t.student_id == s.id, select: s.name) |> with_cte("top", as: ^top)
  end,
  union_all_with_order_in_parts: fn ->
    a = from(c in Course, select: c.title, order_by: c.title, limit: 3)
    b = from(s in Student, select: s.name)
    union_all(a, ^b)
  end,
  window_frame_rows: from(e in Enrollment, select: over(avg(e.score), partition_by: e.course_id, order_by: e.inserted_at, frame: fragment("ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"))),
  window_over_no_opts: from(e in Enrollment, select: {e.id, over(count(e.id))}),
  selected_as_group: from(e in Enrollment, group_by: selected_as(:c), select: %{c: selected_as(e.course_id, :c), n: count()}),
  enum_in_select_case: from(c in Course, where: c.level == :advanced and c.credits >= ^min_credits, select: c.level),
  fragment_with_pinned_list: from(c in Course, where: fragment("? = ANY(?)", c.id, ^[1, 2]), select: c.id),
  coalesce_with_pin: from(s in Student, select: coalesce(s.gpa, ^Decimal.new("0"))),
  type_to_decimal: from(e in Enrollment, select: type(sum(e.score), :decimal)),
  datetime_compare_now: from(e in Enrollment, where: e.inserted_at > ago(7, "day") and e.inserted_at < from_now(0, "second"), select: e.id),
  date_add_field_literal: from(c in Course, where: date_add(c.starts_on, 1, "month") > ^~D[2024-01-01], select: c.id),
  string_functions_fragment: from(s in Student, where: fragment("lower(?)", s.name) == ^"ann", select: s.id),
  first_with_order: Course |> order_by(desc: :credits) |> first() |> select([c], c.id),
  last_no_order: Enrollment |> last() |> select([e], e.id),
  limit_1_one: from(c in Course, limit: 1),
  offset_only: from(c in Course, offset: 5, select: c.id),
  bool_and_or_mix: from(c in Course, where: (c.credits > 3 or c.level == :intro) and not is_nil(c.starts_on), select: c.id),
  dyn_a: fn ->
    d = dynamic([enrollment: e], e.score > 50.0)
    from(c in Course, join: e in assoc(c, :enrollments), as: :enrollment, where: ^d, select: c.id)
  end,
  dyn_b: fn ->
    d = dynamic([enrollment: e], e.score > 50.0)
    q = from(c in Course, join: e in assoc(c, :enrollments), as: :enrollment)
    from(c in q, where: ^d, select: c.id)
  end,
  dyn_c: fn ->
    d = dynamic([course: c], c.title == "x")
    from(c in Course, as: :course, where: ^d, select: c.id)
  end,
  dyn_d: fn ->
    d = dynamic([e: e], e.score > 1.0)
    Course |> join(:inner, [c], e in assoc(c, :enrollments), as: :e) |> where(^d) |> select([c], c.id)
  end,
  dyn_e: fn ->
    d = dynamic([c, e], e.score > 1.0 or c.title == "y")
    Course |> join(:inner, [c], e in assoc(c, :enrollments)) |> where(^d) |> select([c], c.id)
  end,
  dyn_f: fn ->
    on = dynamic([c, e], e.course_id == c.id and e.score > 0.0)
    from(c in Course, join: e in Enrollment, on: ^on, select: c.id)
  end,
  dyn_g: fn ->
    s = dynamic([c], c.title)
    from(c in Course, select: %{t: ^s})
  end,
  dyn_h: fn ->
    s = dynamic([c], c.title)
    from(c in Course, select: map(c, [:id]), select_merge: %{t: ^s})
  end,
  dyn_i: fn ->
    g = dynamic([c], c.title)
    from(c in Course, group_by: ^[g], select: count())
  end,
  dyn_j: fn ->
    s = dynamic([c], c.title)
    from(c in Course, select: ^%{t: s, n: 1})
  end,
  dyn_k: fn ->
    s = dynamic([e: e], e.score)
    from(c in Course, join: e in assoc(c, :enrollments), as: :e, select: ^%{id: dynamic([c], c.id), score: s})
  end,
]
