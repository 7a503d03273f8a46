defmodule Tracker.User do
  use Ecto.Schema
  schema "users" do
    field :handle, :string
    field :email, :string
    field :admin, :boolean, default: false
    field :deactivated_at, :utc_datetime
    has_many :owned_projects, Tracker.Project, foreign_key: :owner_id
    has_many :assignments, Tracker.Assignment, foreign_key: :assignee_id
    has_many :assigned_issues, through: [:assignments, :issue]
    has_many :active_projects, Tracker.Project, foreign_key: :owner_id, where: [archived: false, deleted_at: nil]
  end
end
defmodule Tracker.Project do
  use Ecto.Schema
  schema "projects" do
    field :key, :string
    field :title, :string
    field :archived, :boolean
    field :deleted_at, :naive_datetime
    field :visibility, Ecto.Enum, values: [:private, :internal, :public]
    belongs_to :owner, Tracker.User
    has_many :issues, Tracker.Issue
    has_many :open_issues, Tracker.Issue, where: [state: {:in, [:open, :triaged]}]
    has_many :labelled, Tracker.Issue, where: [labels: {:not, nil}]
    has_many :urgent, Tracker.Issue, where: [priority: {:fragment, "? >= 3"}]
    many_to_many :members, Tracker.User, join_through: "project_members", join_where: [role: "maintainer"], where: [admin: false]
    has_many :assignees, through: [:issues, :assignments, :user]
  end
end
defmodule Tracker.Issue do
  use Ecto.Schema
  schema "issues" do
    field :number, :integer
    field :title, :string
    field :state, Ecto.Enum, values: [:open, :triaged, :closed]
    field :priority, :integer
    field :estimate, :decimal
    field :labels, {:array, :string}
    field :due_on, :date
    field :closed_at, :utc_datetime
    field :props, :map
    belongs_to :project, Tracker.Project
    belongs_to :parent, Tracker.Issue
    has_many :subtasks, Tracker.Issue, foreign_key: :parent_id
    has_many :assignments, Tracker.Assignment
    timestamps(type: :utc_datetime)
  end
end
defmodule Tracker.Assignment do
  use Ecto.Schema
  schema "assignments" do
    belongs_to :issue, Tracker.Issue
    belongs_to :user, Tracker.User, foreign_key: :assignee_id
    field :hours, :float
  end
end
alias Tracker.{User, Project, Issue, Assignment}
proj = %Project{id: 12}
issue = %Issue{id: 5, project_id: 12, parent_id: 2}
states = [:open]
threshold = 2
queries = [
  assoc_where_kw: from(u in User, join: p in assoc(u, :active_projects), select: {u.id, p.key}),
  assoc_where_in: from(p in Project, join: i in assoc(p, :open_issues), select: i.id),
  assoc_where_not_nil: from(p in Project, join: i in assoc(p, :labelled), select: i.id),
  assoc_where_fragment: from(p in Project, join: i in assoc(p, :urgent), select: i.id),
  m2m_join_where: from(p in Project, join: m in assoc(p, :members), select: m.handle),
  through_three: from(p in Project, join: u in assoc(p, :assignees), select: u.handle),
  through_belongs_to_end: from(u in User, join: i in assoc(u, :assigned_issues), select: i.title),
  assoc_join_extra_on: from(p in Project, join: i in assoc(p, :issues), on: i.priority > 2, select: i.id),
  self_ref_children: from(i in Issue, left_join: s in assoc(i, :subtasks), group_by: i.id, select: {i.id, count(s.id)}),
  ecto_assoc_has_many: Ecto.assoc(proj, :issues),
  ecto_assoc_where: Ecto.assoc(proj, :open_issues),
  ecto_assoc_belongs_to: Ecto.assoc(issue, :parent),
  ecto_assoc_m2m: Ecto.assoc(proj, :members),
  ecto_assoc_through: Ecto.assoc(proj, :assignees),
  ecto_assoc_list: Ecto.assoc([proj, %Project{id: 13}], :issues),
  ecto_assoc_composed: Ecto.assoc(proj, :issues) |> where([i], i.priority > ^threshold) |> order_by(desc: :number) |> select([i], i.number),
  fragment_source: from(f in fragment("SELECT generate_series(1, ?) AS n", ^3), select: f.n),
  fragment_join: from(i in Issue, join: x in fragment("SELECT unnest(?) AS l", i.labels), on: true, select: x.l),
  type_date_pin: from(i in Issue, where: i.due_on < type(^"2025-02-01", :date), select: i.id),
  type_array_pin: from(i in Issue, where: fragment("? && ?", i.labels, type(^["bug"], {:array, :string})), select: i.id),
  type_uuid_pin: from(i in Issue, select: type(^"a5b4c3d2-0000-4000-8000-000000000001", Ecto.UUID)),
  type_field_string: from(i in Issue, select: type(i.priority, :string)),
  type_fragment: from(i in Issue, select: type(fragment("max(?)", i.estimate), :decimal)),
  type_enum: from(i in Issue, where: i.state == type(^"closed", i.state), select: i.id),
  field_string_name: from(i in Issue, where: field(i, "priority") > ^"3", select: field(i, "title")),
  json_bool_int: from(i in Issue, where: i.props["flags"]["blocked"] == true and i.props["rank"] == 1, select: i.id),
  json_param_compare: from(i in Issue, where: i.props["owner"] == ^"amy", select: i.props["owner"]),
  json_extract_path_pinned: fn -> path = ["a", 0]; from(i in Issue, select: json_extract_path(i.props, ^path)) end,
  in_enum_pin_var: from(i in Issue, where: i.state in ^states, select: i.id),
  not_in_literal: from(i in Issue, where: i.priority not in [1, 2], select: i.id),
  in_empty_literal: from(i in Issue, where: i.id in [], select: i.id),
  in_mixed_list: from(i in Issue, where: i.priority in [1, ^threshold, 3], select: i.id),
  array_field_in_list: from(i in Issue, where: i.labels == ["a", "b"], select: i.id),
  nested_bool: from(i in Issue, where: (i.priority > 1 or i.priority < -1) and not (i.state == :closed or is_nil(i.due_on)), select: i.id),
  or_where_after_kw: from(i in Issue, where: [state: :open], or_where: [state: :triaged, priority: 3], select: i.id),
  where_kw_pinned_list: fn -> kw = [state: :open, priority: 2]; from(i in Issue, where: ^kw, select: i.id) end,
  order_by_assoc_field: from(i in Issue, join: p in assoc(i, :project), order_by: [asc: p.key, desc: i.number], select: i.id),
  order_by_expr_nulls: from(i in Issue, order_by: [desc_nulls_last: coalesce(i.priority, 0) + 1], select: i.id),
  order_by_selected_as_asc: from(i in Issue, select: %{n: selected_as(i.number, :n)}, order_by: selected_as(:n)),
  group_by_multiple_having_or: from(i in Issue, group_by: [i.project_id, i.state], having: count() > 3 or max(i.priority) == 5, select: {i.project_id, i.state, count()}),
  distinct_multi_pg: from(i in Issue, distinct: [i.project_id, desc: i.priority], select: i.id),
  distinct_expr_true: from(i in Issue, distinct: true, order_by: i.title, select: {i.title, i.state}),
  limit_expr_offset_pin: from(i in Issue, limit: 10, offset: ^(2 * 10), select: i.id),
  subquery_in_select_with_params: from(p in Project, as: :p, select: %{id: p.id, n: subquery(from(i in Issue, where: i.project_id == parent_as(:p).id and i.priority > ^threshold, select: count()))}),
  subquery_any_pg: from(i in Issue, where: i.priority > all(from(x in Issue, where: x.project_id == 1, select: x.priority)), select: i.id),
  exists_with_pins_ordering: from(p in Project, as: :p, where: p.id > ^1, where: exists(from(i in Issue, where: i.project_id == parent_as(:p).id and i.priority == ^5)), where: p.key != ^"X", select: p.id),
  cte_with_params_numbering: fn ->
    c = from(i in Issue, where: i.priority > ^4, select: %{id: i.id})
    from(i in Issue, join: h in "hot", on: h.id == i.id, where: i.number < ^100, select: i.id) |> with_cte("hot", as: ^c)
  end,
  union_with_params_numbering: from(i in Issue, where: i.priority == ^1, select: i.id) |> union(^from(i in Issue, where: i.priority == ^2, select: i.id)) |> where([i], i.id > ^0),
  window_with_params: from(i in Issue, select: {i.id, over(sum(i.priority), partition_by: i.project_id, order_by: [desc: i.number], frame: fragment("ROWS ? PRECEDING", ^2))}),
  filter_avg_pin: from(i in Issue, select: filter(avg(i.estimate), i.priority > ^2)),
  count_star_filter: from(i in Issue, select: filter(count(), i.state == :closed)),
  update_inc_join_cond: {:update_all, from(i in Issue, join: p in assoc(i, :project), where: p.archived, update: [set: [state: :closed, closed_at: fragment("now()")], inc: [priority: -1]])},
  update_pinned_enum: {:update_all, from(i in Issue, where: i.id in ^[1, 2], update: [set: [state: ^:triaged, labels: ^["x"]]])},
  update_dynamic_set: fn -> {:update_all, from(i in Issue, update: [set: [title: fragment("? || ?", i.title, ^"!")]])} end,
  update_with_select: {:update_all, from(i in Issue, where: i.id == 1, update: [set: [priority: 0]], select: {i.id, i.priority})},
  delete_with_select_pg: {:delete_all, from(i in Issue, where: i.state == :closed, select: i.id)},
  delete_with_cte: fn ->
    old = from(i in Issue, where: i.closed_at < ^~U[2024-01-01 00:00:00Z], select: %{id: i.id})
    {:delete_all, Issue |> with_cte("old", as: ^old) |> where([i], i.id in subquery(from(o in "old", select: o.id)))}
  end,
  error_compile_nil_compare: quote(do: from(i in Issue, where: i.due_on == nil)),
  error_compile_mixed_select_fields: quote(do: from(i in Issue, select: [:id, ^:title])),
  error_compile_short_circuit: quote(do: from(i in Issue, where: i.priority > 1 && i.priority < 5)),
  error_compile_match: quote(do: from(i in Issue, where: i.priority = 1)),
  error_compile_atom_select: quote(do: from(i in Issue, select: :title)),
  error_compile_unknown_fun: quote(do: from(i in Issue, where: lower(i.title) == "x")),
  error_compile_bad_interval: quote(do: from(i in Issue, where: i.due_on > date_add(i.due_on, 1, "fortnight"))),
  error_runtime_assoc_not_assoc: fn -> from(i in Issue, join: x in assoc(i, :title), select: x.id) end,
  error_field_is_assoc: from(i in Issue, select: i.project),
  error_virtual_in_query: from(i in Issue, where: i.missing_field == 1),
  error_select_merge_incompatible: fn -> from(i in Issue, select: {i.id}, select_merge: [i.title]) end,
  error_limit_not_integer: from(i in Issue, limit: ^"ten", select: i.id),
  error_distinct_on_sqlite_only: from(i in Issue, distinct: i.project_id, select: i.id),
  error_subquery_field_missing: from(s in subquery(from(i in Issue, select: %{a: i.id})), select: s.b),
  error_cast_map_key_pin: from(i in Issue, where: i.estimate > ^"abc", select: i.id),
  error_parent_as_unbound: fn -> from(i in Issue, where: exists(from(x in Issue, where: x.id == parent_as(:nope).id))) end,
]
