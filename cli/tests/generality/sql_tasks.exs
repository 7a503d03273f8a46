defmodule En.Task do
  use Ecto.Schema
  schema "tasks" do
    field :state, Ecto.Enum, values: [:todo, :doing, :done]
    field :prio, Ecto.Enum, values: [low: 1, mid: 5, high: 10]
    field :labels, {:array, Ecto.Enum}, values: [:bug, :feature]
    field :title, :string
  end
end
alias En.Task
queries = [
  enum_string_pin: from(t in Task, where: t.state == ^"doing", select: t.id),
  enum_int_string_pin: from(t in Task, where: t.prio == ^"high", select: t.id),
  enum_int_raw_int_pin: from(t in Task, where: t.prio == ^10, select: t.id),
  enum_update_literal: {:update_all, from(t in Task, update: [set: [state: :done, prio: :low]])},
  enum_update_pin_string: {:update_all, from(t in Task, update: [set: [state: ^"todo"]])},
  enum_array_contains_pin: from(t in Task, where: ^:bug in t.labels, select: t.id),
  enum_array_eq_literal_pin: from(t in Task, where: t.labels == ^[:bug, :feature], select: t.id),
  enum_in_literal_ints: from(t in Task, where: t.prio in [:low, :mid], select: t.prio),
  enum_not_in_pin: from(t in Task, where: t.state not in ^[:done], select: t.id),
  enum_bad_int_pin: from(t in Task, where: t.prio == ^3, select: t.id),
  enum_order_by_group: from(t in Task, group_by: t.state, order_by: t.state, select: {t.state, count()}),
  enum_type_cast: from(t in Task, select: type(^"done", t.state)),
  enum_coalesce_literal: from(t in Task, select: coalesce(t.state, :todo)),
  enum_keyword_where: from(t in Task, where: [state: :doing, prio: ^:mid], select: t.id),
  enum_push_pg: {:update_all, from(t in Task, update: [push: [labels: :bug]])},
]
