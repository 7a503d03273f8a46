defmodule Cx.Ev do
  use Ecto.Schema
  schema "events" do
    field :day, :date
    field :at, :utc_datetime
    field :at_us, :utc_datetime_usec
    field :nat, :naive_datetime
    field :cnt, :integer
    field :ratio, :float
    field :name, :string
    field :flag, :boolean
    field :amount, :decimal
    field :t, :time
    field :ids, {:array, :integer}
    field :meta, :map
    field :uid, Ecto.UUID
  end
end
alias Cx.Ev
queries = [
  bad_date_string: from(e in Ev, where: e.day == ^"2024-13-01", select: e.id),
  bad_utc_string: from(e in Ev, where: e.at > ^"nope", select: e.id),
  utc_from_string: from(e in Ev, where: e.at > ^"2024-05-01T10:00:00Z", select: e.id),
  utc_from_naive: from(e in Ev, where: e.at > ^~N[2024-05-01 10:00:00], select: e.id),
  utc_from_date: from(e in Ev, where: e.at > ^~D[2024-05-01], select: e.id),
  utc_usec_from_sec: from(e in Ev, where: e.at_us > ^~U[2024-05-01 10:00:00Z], select: e.id),
  naive_from_string_space: from(e in Ev, where: e.nat < ^"2024-05-01 10:00:00", select: e.id),
  naive_from_date: from(e in Ev, where: e.nat < ^~D[2024-05-01], select: e.id),
  date_from_datetime: from(e in Ev, where: e.day == ^~U[2024-05-01 10:00:00Z], select: e.id),
  date_from_naive: from(e in Ev, where: e.day == ^~N[2024-05-01 10:00:00], select: e.id),
  float_for_integer: from(e in Ev, where: e.cnt == ^1.5, select: e.id),
  integer_for_float: from(e in Ev, where: e.ratio == ^2, select: e.id),
  integer_for_string: from(e in Ev, where: e.name == ^5, select: e.id),
  string_true_bool: from(e in Ev, where: e.flag == ^"true", select: e.id),
  string_one_bool: from(e in Ev, where: e.flag == ^"1", select: e.id),
  decimal_for_integer: from(e in Ev, where: e.cnt == ^Decimal.new("3"), select: e.id),
  string_decimal: from(e in Ev, where: e.amount > ^"12.50", select: e.id),
  float_decimal_literal: from(e in Ev, where: e.amount > 1.5, select: e.id),
  time_string: from(e in Ev, where: e.t > ^"10:30:00", select: e.id),
  time_usec_trunc: from(e in Ev, where: e.t > ^~T[10:30:00.123], select: e.id),
  array_string_ints: from(e in Ev, where: e.ids == ^["1", "2"], select: e.id),
  map_pin_atom_keys: from(e in Ev, where: e.meta == ^%{a: 1}, select: e.id),
  uuid_upper: from(e in Ev, where: e.uid == ^"A5B4C3D2-0000-4000-8000-000000000001", select: e.id),
  uuid_binary16: from(e in Ev, where: e.uid == ^<<165, 180, 195, 210, 0, 0, 64, 0, 128, 0, 0, 0, 0, 0, 0, 1>>, select: e.id),
  string_float: from(e in Ev, where: e.ratio > ^"0.5", select: e.id),
  integer_neg_string: from(e in Ev, where: e.cnt > ^"-3", select: e.id),
  integer_space_string: from(e in Ev, where: e.cnt > ^" 3", select: e.id),
  literal_date_string: from(e in Ev, where: e.day > "2024-01-01", select: e.id),
  literal_int_for_float: from(e in Ev, where: e.ratio > 1, select: e.id),
  literal_float_for_int: from(e in Ev, where: e.cnt > 1.0, select: e.id),
  literal_string_decimal: from(e in Ev, where: e.amount > "1.5", select: e.id),
  in_list_cast_strings: from(e in Ev, where: e.cnt in ^["1", "2"], select: e.id),
  in_list_literal_strings_for_int: from(e in Ev, where: e.cnt in ["1", "2"], select: e.id),
]
