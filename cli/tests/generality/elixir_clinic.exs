defmodule Vet.Pet do
  @enforce_keys [:name]
  defstruct [:name, species: :dog, age: 0, vaccinations: []]
end

defmodule Vet.Owner do
  @derive {Inspect, only: [:name]}
  defstruct [:name, :phone, :email]
end

defmodule Vet.Secret do
  @derive {Inspect, except: [:pin]}
  defstruct [:label, :pin, :note]
end

defprotocol Vet.Describe do
  @fallback_to_any true
  def describe(x)
end

defimpl Vet.Describe, for: Vet.Pet do
  def describe(p), do: "#{p.name} the #{p.species}"
end

defimpl Vet.Describe, for: Integer do
  def describe(n), do: "number #{n}"
end

defimpl Vet.Describe, for: Any do
  def describe(_), do: "something"
end

defmodule Vet.BillingError do
  defexception [:message, :amount]
end

defmodule Vet.NotFound do
  defexception message: "pet not found"
end

defmodule Vet.Custom do
  defexception [:id]
  @impl true
  def message(e), do: "custom failure for #{e.id}"
end

changesets = [
  struct_defaults: %Vet.Pet{name: "Rex"},
  struct_update: %{%Vet.Pet{name: "Rex"} | age: 3},
  derive_only: %Vet.Owner{name: "Ann", phone: "555", email: "a@b"},
  derive_except: %Vet.Secret{label: "door", pin: 1234, note: "x"},
  protocol_dispatch: [Vet.Describe.describe(%Vet.Pet{name: "Tom", species: :cat}), Vet.Describe.describe(5), Vet.Describe.describe("x")],
  enforce_keys_error: fn -> struct!(Vet.Pet, age: 2) end,
  raise_custom: fn -> raise Vet.BillingError, message: "over limit", amount: 5 end,
  raise_default_msg: fn -> raise Vet.NotFound end,
  rescue_message: (try do raise Vet.Custom, id: 7 rescue e -> {e.__struct__, Exception.message(e)} end),
  inspect_exception: %Vet.BillingError{message: "m", amount: 1},
  rescue_runtime: (try do raise "boom" rescue e in RuntimeError -> e end),
  rescue_argument: (try do String.to_integer("x1") rescue e -> e end),
  match_error: fn -> {:ok, _} = {:error, :nope} end,
  case_clause: fn -> case 5 do 1 -> :one end end,
  cond_clause: fn -> cond do 1 > 2 -> :x end end,
  protocol_wrong_arity: fn -> Vet.Describe.describe() end,
  with_else: (with {:ok, a} <- {:ok, 1}, {:ok, b} <- {:error, 2} do a + b else {:error, x} -> {:failed, x} end),
  arithmetic_error: fn -> 1 / 0 end,
  key_error: fn -> Map.fetch!(%{a: 1}, :b) end,
  key_error_dot: fn -> m = %{a: 1}; m.b end,
  bad_map: fn -> x = 5; x.field end,
  protocol_undefined: fn -> Enum.map(5, & &1) end,
  undefined_fun: fn -> Vet.Pet.nope() end,
  throw_catch: (try do throw(:x) catch kind, v -> {kind, v} end),
  exit_catch: (try do exit(:bye) catch :exit, r -> {:exited, r} end),
  after_block: (try do :body after :ignored end),
  error_tuple_reraise: fn -> try do raise ArgumentError, "first" rescue e -> reraise e, __STACKTRACE__ end end,
  float_round: [Float.round(2.675, 2), Float.round(1.005, 2), Float.ceil(1.01, 1), Float.floor(-1.01, 1), 1.0e-7, 123456789.0, 1.0e21, 1.0e20, 0.1 * 3],
  float_to_string: [Float.to_string(0.1), Float.to_string(1.0e100), :erlang.float_to_binary(1.5, decimals: 3), Float.parse("3.14abc"), Float.parse("x")],
  integer_funcs: [Integer.to_string(255, 16), Integer.digits(1234), Integer.undigits([1, 2]), Integer.parse("12abc"), Integer.gcd(12, 18), Integer.is_even(4), rem(-7, 3), div(-7, 3), Integer.floor_div(-7, 3), Integer.mod(-7, 3)],
  string_funcs: [String.pad_leading("7", 3, "0"), String.split("a,b,,c", ","), String.split("a,b,,c", ",", trim: true), String.split(" a  b "), String.slice("hello", 1..3), String.slice("hello", -3, 2), String.capitalize("éCOLE"), String.replace("aaa", "a", "b", global: false), String.trim_trailing("xx..", "."), String.duplicate("ab", 3), String.reverse("abc"), String.contains?("abc", ["x", "b"]), String.starts_with?("abc", "ab"), String.to_atom("hi"), String.jaro_distance("martha", "marhta")],
  string_graphemes: [String.length("héllo"), byte_size("héllo"), String.graphemes("e\u0301a"), String.codepoints("e\u0301"), String.upcase("straße"), String.split_at("hello", 2), String.at("abc", -1), String.first(""), String.myers_difference("abc", "adc")],
  enum_funcs: [Enum.chunk_every([1, 2, 3, 4, 5], 2), Enum.chunk_every([1, 2, 3, 4], 3, 1, :discard), Enum.group_by(~w(apple avocado banana), &String.first/1), Enum.frequencies(~w(a b a)), Enum.zip([1, 2], [:a, :b]), Enum.with_index([:a, :b], 1), Enum.reduce_while(1..10, 0, fn x, acc -> if acc > 5, do: {:halt, acc}, else: {:cont, acc + x} end), Enum.split_with(1..6, &(rem(&1, 2) == 0)), Enum.min_max([3, 1, 2]), Enum.sort_by([%{n: 2}, %{n: 1}], & &1.n, :desc), Enum.dedup([1, 1, 2, 1]), Enum.uniq_by([1, 2, 3, 4], &rem(&1, 2)), Enum.flat_map([1, 2], &[&1, &1]), Enum.scan(1..4, &+/2), Enum.take_while(1..10, &(&1 < 4)), Enum.into([a: 1], %{}), Enum.join([1, 2, 3], "-"), Enum.map_join([1, 2], ", ", &inspect/1), Enum.count(1..10, &(rem(&1, 3) == 0)), Enum.sum([1, 2.5]), Enum.product([2, 3]), Enum.max_by([], & &1, fn -> :none end), Enum.at([1, 2], 5, :default), Enum.slide([1, 2, 3, 4], 0, 2)],
  comprehensions: [for(x <- 1..3, y <- [:a, :b], do: {x, y}), for(x <- 1..10, rem(x, 3) == 0, do: x * x), for({k, v} <- %{a: 1, b: 2}, into: %{}, do: {v, k}), for(x <- [1, 2, 2, 3], uniq: true, do: x), for(x <- 1..4, reduce: 0, do: (acc -> acc + x)), for(<<c <- "abc">>, do: c), for(<<r::8, g::8, b::8 <- <<1, 2, 3, 4, 5, 6>> >>, do: {r, g, b}), for(x <- ~w(a b), into: "", do: String.upcase(x))],
  bitstrings: [<<1::4, 2::4>>, <<"abc", 0>>, <<x::16>> = <<1, 2>>, <<a::binary-size(2), rest::binary>> = "hello", <<1.5::float>>, <<-1::signed-16>>, <<256::little-16>>],
  charlists: [~c"abc", [104, 105], [1, 2, 3], ~c"caf\u00e9", String.to_charlist("ok"), List.to_string([?a, ?b]), [?a | ~c"bc"], ~c"it's \"q\"", [7, 8, 9, 10, 13]],
  strings_escape: ["a\tb", "\e[0m", "nul\0byte", "\x7F", "emoji 🐶", "quote\"s", "#{1}\#{x}", <<0xE9>>, "\r\n", "\u200b"],
  mapset_ops: [MapSet.new([3, 1, 2]), MapSet.union(MapSet.new([1]), MapSet.new([2])), MapSet.member?(MapSet.new([:a]), :a), MapSet.difference(MapSet.new(1..5), MapSet.new([2, 4])), MapSet.new(), MapSet.to_list(MapSet.new(["b", "a"]))],
  regex_inspect: [~r/ab+c/i, ~r{a/b}, Regex.run(~r/(\d+)-(\d+)/, "10-20"), Regex.scan(~r/\w/, "a b"), Regex.named_captures(~r/(?<y>\d{4})/, "in 2024"), Regex.replace(~r/a/, "banana", "o"), String.match?("x1", ~r/\d/), Regex.split(~r/\s*,\s*/, "a , b,c"), ~r/x/u, Regex.source(~r/x+/)],
  big_map: Map.new(1..40, fn i -> {:"k#{i}", i} end),
  big_map_int: Map.new(1..35, fn i -> {i, i * i} end),
  keyword_ops: [Keyword.get([a: 1, a: 2], :a), Keyword.get_values([a: 1, a: 2], :a), Keyword.put([a: 1, a: 2, b: 3], :a, 9), Keyword.delete([a: 1, b: 2, a: 3], :a), Keyword.merge([a: 1, b: 2], [b: 3, c: 4]), Keyword.take([a: 1, b: 2], [:b]), Keyword.keys([x: 1, y: 2]), Keyword.update([a: 1], :a, 0, &(&1 + 1)), Keyword.pop([a: 1, b: 2], :a), Keyword.validate([a: 1], [:a, b: 2])],
  map_ops: [Map.update(%{a: 1}, :b, 0, &(&1 + 1)), Map.merge(%{a: 1, b: 2}, %{b: 3}, fn _k, v1, v2 -> v1 + v2 end), Map.split(%{a: 1, b: 2, c: 3}, [:a, :c]), Map.take(%{a: 1}, [:a, :z]), Map.filter(%{a: 1, b: 2}, fn {_, v} -> v > 1 end), Map.reject(%{a: 1, b: 2}, fn {_, v} -> v > 1 end), Map.get_and_update(%{a: 1}, :a, &{&1, &1 * 10}), Map.from_struct(%Vet.Pet{name: "R"}), Map.to_list(%{b: 1, a: 2}), Map.new([{"x", 1}]), Map.pop(%{a: 1}, :a), Map.keys(%{"b" => 1, "a" => 2}), Map.replace(%{a: 1}, :b, 2), Map.intersect(%{a: 1, b: 2}, %{b: 3})],
  list_ops: [List.flatten([1, [2, [3]]]), List.wrap(nil), List.wrap(1), List.delete_at([1, 2, 3], 1), List.insert_at([1, 2], -1, :x), List.keyfind([a: 1, b: 2], :b, 0), List.keystore([a: 1], :b, 0, {:b, 2}), List.last([1, 2]), List.zip([[1, 2], [3, 4]]), List.duplicate(:z, 3), List.update_at([1, 2], 0, &(&1 * 10)), List.starts_with?([1, 2, 3], [1, 2]), List.first([]), [1, 2] ++ [3], [1, 2, 3, 1] -- [1]],
  tuple_ops: [Tuple.to_list({1, 2}), Tuple.append({1}, 2), Tuple.insert_at({1, 3}, 1, 2), Tuple.delete_at({1, 2, 3}, 0), elem({:a, :b}, 1), put_elem({:a, :b}, 0, :z), tuple_size({}), Tuple.duplicate(0, 3)],
  dates: [Date.add(~D[2024-02-28], 1), Date.diff(~D[2024-03-01], ~D[2024-02-01]), Date.day_of_week(~D[2024-06-01]), Date.beginning_of_month(~D[2024-06-15]), Date.end_of_month(~D[2023-02-10]), Date.leap_year?(~D[2000-01-01]), Date.to_iso8601(~D[2024-01-05]), Date.from_iso8601("2024-13-01"), Date.new(2024, 2, 30), Date.range(~D[2024-01-01], ~D[2024-01-03]) |> Enum.to_list(), Date.shift(~D[2024-01-31], month: 1), Date.compare(~D[2024-01-01], ~D[2023-01-01]), Date.utc_today() |> is_struct(Date)],
  datetimes: [DateTime.from_naive!(~N[2024-01-01 10:00:00], "Etc/UTC"), DateTime.add(~U[2024-01-01 00:00:00Z], 3600), DateTime.diff(~U[2024-01-02 00:00:00Z], ~U[2024-01-01 00:00:00Z], :hour), DateTime.to_iso8601(~U[2024-01-01 10:00:00.123Z]), DateTime.from_iso8601("2024-01-01T10:00:00+02:00"), DateTime.truncate(~U[2024-01-01 10:00:00.123456Z], :second), DateTime.to_unix(~U[2024-01-01 00:00:00Z]), DateTime.from_unix!(0), DateTime.to_date(~U[2024-05-05 23:00:00Z])],
  naive: [NaiveDateTime.add(~N[2024-01-01 00:00:00], 90, :minute), NaiveDateTime.new!(~D[2024-01-01], ~T[10:00:00]), NaiveDateTime.to_string(~N[2024-01-01 10:00:00.5]), NaiveDateTime.diff(~N[2024-01-01 01:00:00], ~N[2024-01-01 00:00:00]), NaiveDateTime.beginning_of_day(~N[2024-01-01 10:11:12]), NaiveDateTime.from_iso8601!("2024-01-01 10:00:00")],
  times: [Time.add(~T[23:30:00], 3600), Time.diff(~T[10:00:00], ~T[09:30:00]), Time.new(25, 0, 0), ~T[10:00:00.123], Time.truncate(~T[10:00:00.123456], :millisecond), Time.to_iso8601(~T[08:05:00]), Time.from_seconds_after_midnight(3661)],
  ranges: [1..10//2, Range.new(1, 10, 3), Enum.to_list(5..1//-2), Range.size(1..10//3), 1..0//-1, Enum.reverse(1..3), 0 in 1..3, Enum.sum(1..100)],
  pids_refs: [is_pid(self()), is_reference(make_ref())],
  inspect_opts: [inspect("a\nb"), inspect(:foo), inspect([1, 2, 3], limit: 2), inspect(%{a: 1}, pretty: true), inspect(1.0), inspect(~c"ab"), inspect(~c"ab", charlists: :as_lists), inspect("abc", binaries: :as_binaries), inspect(255, base: :hex), inspect({:a, "b"})],
  string_conversions: [to_string(:abc), to_string(1.5), to_string([?a, "b"]), String.to_float("1.5"), Integer.to_string(-5), Atom.to_string(:"a b"), String.to_existing_atom("ok"), inspect(String.to_charlist("x"))],
  kernel_misc: [max(1, 2.0), min(:a, 1), abs(-3), trunc(3.7), round(2.5), round(-2.5), ceil(1.1), floor(-1.1), is_nil(nil), 7 |> div(2), 2 ** 10, 2 ** -1, 10 / 4, Bitwise.band(12, 10), Bitwise.bsl(1, 4), :erlang.phash2(:x) |> is_integer()],
]
