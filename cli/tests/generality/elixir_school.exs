defmodule School.Student do
  defstruct [:id, :name, grade: 1, scores: %{}, tags: MapSet.new()]
end

defmodule School.Grades do
  @pass 60
  @moduledoc "grading"
  def letter(score) when score >= 90, do: "A"
  def letter(score) when score >= 80, do: "B"
  def letter(score) when score >= @pass, do: "C"
  def letter(_), do: "F"

  def avg([]), do: nil
  def avg(list), do: Enum.sum(list) / length(list)

  def stats(list) do
    {min, max} = Enum.min_max(list)
    %{min: min, max: max, avg: avg(list)}
  end

  defp private_helper(x), do: x
  def uses_private(x), do: private_helper(x) * 2

  def kw_opts(opts \\ []) do
    limit = Keyword.get(opts, :limit, 10)
    {limit, Keyword.fetch(opts, :order)}
  end

  def pipeline(text) do
    text
    |> String.split()
    |> Enum.map(&String.downcase/1)
    |> Enum.frequencies()
    |> Enum.sort_by(fn {w, c} -> {-c, w} end)
    |> Enum.take(3)
  end
end

defmodule School.Shape do
  defstruct [:kind, :size]
  def area(%__MODULE__{kind: :square, size: s}), do: s * s
  def area(%__MODULE__{kind: :circle, size: r}), do: Float.round(3.14159 * r * r, 2)
end

defprotocol School.Describe do
  def describe(x)
end

defimpl School.Describe, for: School.Shape do
  def describe(s), do: "shape #{s.kind}"
end

defimpl School.Describe, for: Integer do
  def describe(n), do: "int #{n}"
end

students = [
  %School.Student{id: 1, name: "Ava", grade: 3, scores: %{math: 91, art: 78}},
  %School.Student{id: 2, name: "Ben", grade: 2, scores: %{math: 55, art: 88}},
  %School.Student{id: 3, name: "Cai", grade: 3, scores: %{math: 72, art: 95}}
]

changesets = [
  struct_inspect: hd(students),
  struct_default_mapset: %School.Student{},
  letters: Enum.map([95, 85, 65, 10], &School.Grades.letter/1),
  stats: School.Grades.stats([3, 9, 4]),
  avg_empty: School.Grades.avg([]),
  private_call: School.Grades.uses_private(4),
  default_opts: {School.Grades.kw_opts(), School.Grades.kw_opts(limit: 3, order: :asc)},
  pipeline: School.Grades.pipeline("the cat The dog the Cat a"),
  protocol_dispatch: {School.Describe.describe(%School.Shape{kind: :circle, size: 1}), School.Describe.describe(7)},
  shape_areas: Enum.map([%School.Shape{kind: :square, size: 3}, %School.Shape{kind: :circle, size: 2}], &School.Shape.area/1),
  group_by_grade: Enum.group_by(students, & &1.grade, & &1.name),
  sort_by_math_desc: students |> Enum.sort_by(& &1.scores.math, :desc) |> Enum.map(& &1.name),
  map_reduce: Enum.map_reduce([1, 2, 3], 0, fn x, acc -> {x * 2, acc + x} end),
  reduce_while: Enum.reduce_while(1..10, 0, fn x, acc -> if acc + x > 10, do: {:halt, acc}, else: {:cont, acc + x} end),
  chunk_by: Enum.chunk_by([1, 1, 2, 3, 3, 3, 1], & &1),
  chunk_while: Enum.chunk_while(1..10, [], fn i, acc -> if rem(i, 3) == 0, do: {:cont, Enum.reverse([i | acc]), []}, else: {:cont, [i | acc]} end, fn [] -> {:cont, []}; acc -> {:cont, Enum.reverse(acc), []} end),
  zip_unzip: {Enum.zip([[1, 2], [:a, :b], ["x", "y"]]), Enum.unzip([{1, :a}, {2, :b}])},
  enum_misc: {Enum.sum_by([1, 2, 3], &(&1 * 2)), Enum.product([2, 3, 4]), Enum.count_until(1..100, 5), Enum.find_index([5, 6, 7], &(&1 == 6)), Enum.find_value([1, 2, 3], &(&1 > 1 && &1 * 10))},
  enum_min_max_by_opts: {Enum.min_by([], & &1, fn -> :none end), Enum.max_by(["aa", "b"], &String.length/1), Enum.min_max_by(["aaa", "b", "cc"], &String.length/1)},
  enum_sort_with_fn: {Enum.sort([3, 1, 2], &(&1 >= &2)), Enum.sort_by(["b", "A", "c"], &String.downcase/1), Enum.sort([%{a: 2}, %{a: 1}], &(&1.a <= &2.a))},
  enum_take_every_random_free: {Enum.take_every(1..10, 3), Enum.drop_every(1..6, 2), Enum.split(1..5, 2), Enum.split_while([1, 2, 3, 1], &(&1 < 3))},
  enum_reduce_map: Enum.reduce(%{a: 1, b: 2}, 0, fn {_k, v}, acc -> v + acc end),
  enum_into_mapset: Enum.into([1, 2, 2], MapSet.new()) |> MapSet.to_list(),
  enum_flat_map_reduce: Enum.flat_map_reduce([1, 2, 3], 0, fn x, acc -> {[x, x], acc + x} end),
  enum_uniq_by_and_dedup_by: {Enum.uniq_by([{1, :a}, {2, :a}, {3, :b}], &elem(&1, 1)), Enum.dedup_by([{1, :a}, {2, :a}, {3, :b}], &elem(&1, 1))},
  enum_with_index_fn: Enum.with_index([:a, :b], fn el, i -> {i, el} end),
  enum_slide_and_reverse_slice: {Enum.slide([:a, :b, :c, :d], 0, 2), Enum.reverse_slice([1, 2, 3, 4, 5], 1, 3)},
  enum_zip_reduce: Enum.zip_reduce([1, 2], [3, 4], 0, fn a, b, acc -> a * b + acc end),
  enum_each_returns_ok: Enum.each([1], &(&1)),
  enum_filter_map_keys: %{b: 2, a: 1, c: 3} |> Enum.filter(fn {_, v} -> v > 1 end) |> Enum.into(%{}),
  enum_join_default: Enum.join(["a", "b"]),
  enum_at_negative: {Enum.at(1..5, -2), Enum.fetch([1], 3), Enum.fetch!([1, 2], 1)},
  stream_more: {Stream.cycle([1, 2]) |> Enum.take(5), Stream.unfold(5, fn 0 -> nil; n -> {n, n - 1} end) |> Enum.to_list(), 1..10 |> Stream.filter(&(rem(&1, 2) == 0)) |> Stream.take_while(&(&1 < 8)) |> Enum.to_list(), Stream.with_index([:a, :b]) |> Enum.to_list()},
  stream_chunk: Stream.chunk_every(1..5, 2) |> Enum.to_list(),
  map_ops: {Map.pop(%{a: 1}, :a), Map.pop(%{a: 1}, :b, :none), Map.split(%{a: 1, b: 2, c: 3}, [:a, :c]), Map.replace(%{a: 1}, :a, 2), Map.put_new(%{a: 1}, :a, 3), Map.get_lazy(%{}, :x, fn -> 9 end)},
  map_more: {Map.reject(%{a: 1, b: 2}, fn {_, v} -> v > 1 end), Map.map(%{a: 1}, fn {_, v} -> v * 10 end), Map.intersect(%{a: 1, b: 2}, %{b: 3}), Map.equal?(%{a: 1}, %{a: 1.0}), Map.from_keys([:a, :b], 0), Map.update!(%{n: 1}, :n, &(&1 + 1))},
  map_get_and_update: Map.get_and_update(%{a: 1}, :a, fn v -> {v, v + 1} end),
  map_fetch: {Map.fetch(%{a: 1}, :a), Map.fetch(%{a: 1}, :b)},
  map_nested_update: update_in(%{a: %{b: [1, 2]}}, [:a, :b], &Enum.reverse/1),
  get_in_access_fns: {get_in(%{a: [%{b: 1}, %{b: 2}]}, [:a, Access.all(), :b]), get_in([a: [b: 1]], [:a, :b]), get_in(%{list: [10, 20]}, [:list, Access.at(1)])},
  put_in_kw: put_in([a: [b: 1]], [:a, :b], 2),
  pop_in: pop_in(%{a: %{b: 1, c: 2}}, [:a, :b]),
  keyword_more: {Keyword.delete([a: 1, b: 2, a: 3], :a), Keyword.take([a: 1, b: 2], [:b]), Keyword.drop([a: 1, b: 2], [:b]), Keyword.has_key?([a: 1], :a), Keyword.update([a: 1], :a, 0, &(&1 + 1)), Keyword.put_new([a: 1], :b, 2), Keyword.values([a: 1, b: 2]), Keyword.keyword?([{:a, 1}]), Keyword.split([a: 1, b: 2], [:a]), Keyword.pop([a: 1, b: 2], :a), Keyword.validate([a: 1], [:a, b: 2])},
  list_more: {List.foldl([1, 2, 3], 0, &(&1 + &2)), List.foldr([1, 2, 3], [], &[&1 | &2]), List.zip([[1, 2], [3, 4]]), List.replace_at([1, 2, 3], 1, :x), List.update_at([1, 2], 0, &(&1 * 10)), List.keydelete([a: 1, b: 2], :a, 0), List.keyreplace([a: 1], :a, 0, {:a, 9}), List.keystore([a: 1], :b, 0, {:b, 2}), List.keysort([b: 2, a: 1], 0), List.starts_with?([1, 2, 3], [1, 2]), List.to_tuple([1, 2]), List.pop_at([1, 2, 3], 1), List.ascii_printable?(~c"abc")},
  string_more: {String.split_at("hello", 2), String.at("hello", 1), String.first("héllo"), String.last("héllo"), String.trim_leading("xxhix", "x"), String.replace_prefix("foobar", "foo", ""), String.replace_suffix("foobar", "bar", "!"), String.jaro_distance("martha", "marhta"), String.myers_difference("abc", "adc")},
  string_more2: {String.valid?("abc"), String.printable?("a\u0000"), String.to_charlist("hé"), String.chunk("abc1", :printable), String.splitter("a b c", " ") |> Enum.to_list(), String.replace("aaa", "a", "b", global: false), String.replace("abc", ~r/[ab]/, "x"), String.match?("abc", ~r/b/), String.count("banana", "a")},
  string_pad_and_slice: {String.pad_leading("7", 3), String.pad_trailing("ab", 5, "12"), String.slice("hello", 1..-1//1), String.slice("hello", -2, 2), String.slice("hello", 10, 2), binary_part("hello", 1, 3)},
  string_case_helpers: {String.upcase("ß", :ascii), String.downcase("ÉA", :ascii), String.capitalize("élan"), String.equivalent?("a", "a")},
  string_to_existing_and_number: {String.to_existing_atom("ok"), String.to_float("1.5e2"), Float.parse("3.14abc"), Float.parse("x"), Integer.parse("-12 rest")},
  integer_more: {Integer.to_string(-255, 16), Integer.to_charlist(42), Integer.undigits([1, 2, 3]), Integer.gcd(12, 18), Integer.is_even(4), Integer.is_odd(4), Integer.mod(-7, 3), Integer.floor_div(-7, 2), Integer.digits(255, 2), Integer.extended_gcd(240, 46)},
  float_more: {Float.floor(3.789, 1), Float.ceil(-3.2), Float.round(1.005, 2), Float.to_string(1.0e20), Float.to_string(123.456), Float.ratio(0.75), 1.0e-5, 100000000000000000.0, 0.1 * 3, 1 / 3},
  tuple_more: {Tuple.delete_at({1, 2, 3}, 0), Tuple.insert_at({1, 3}, 1, 2), Tuple.duplicate(:x, 3), Tuple.sum({1, 2}), Tuple.product({2, 3})},
  atom_more: {Atom.to_string(:ok), Atom.to_charlist(:ok), :erlang.atom_to_binary(:ok), String.to_atom("Elixir.Foo"), Foo, inspect(Foo), Module.concat([School, Student]), Module.split(School.Student)},
  inspect_more: {inspect(%{"a" => 1}), inspect([1, [2, [3]]]), inspect({:ok, "x"}), inspect(~c"abc"), inspect([?a, 0]), inspect(<<1, 2>>), inspect(1.0), inspect(-0.0), inspect(:"hello world"), inspect(nil), inspect(MapSet.new([:b, :a])), inspect(1..10//2), inspect(~r/a.b/i), inspect(&String.upcase/1), inspect(%School.Shape{kind: :x})},
  inspect_opts_more: {inspect("a\nb"), inspect("héllo", binaries: :as_binaries), inspect(12345678, limit: 3), inspect([1, 2, 3], pretty: true), inspect(%{a: %{b: %{c: 1}}}), inspect(:a, as: :x), inspect('single')},
  charlists: {~c"abc" ++ ~c"d", List.to_string([?h, ?i]), to_charlist("x"), [104, 105] == ~c"hi", ~c"a\nb"},
  string_interp_and_heredoc: """
  Name: #{hd(students).name}
    indented
  done
  """,
  sigils_more: {~w(a b)c, ~r/\d+/.source, Regex.source(~r/x/), ~D[2024-01-02].year, ~T[10:20:30].minute, ~N[2024-01-02 03:04:05].second, ~U[2024-01-02 03:04:05Z].hour},
  regex_more: {Regex.split(~r/[,;]\s*/, "a, b;c"), Regex.run(~r/(\d)(\d)/, "a12b", capture: :all_but_first), Regex.scan(~r/(a)(b)?/, "ab a"), Regex.replace(~r/(\w+)@/, "x@y", "\\1 at "), Regex.replace(~r/a/, "banana", fn m -> String.upcase(m) end), Regex.compile("a+"), Regex.escape("a.b"), Regex.run(~r/x/, "abc"), Regex.run(~r/(?<y>\d{4})/, "in 2024", capture: ["y"])},
  date_more: {Date.utc_today() |> is_struct(Date), Date.beginning_of_month(~D[2024-02-15]), Date.end_of_month(~D[2024-02-15]), Date.leap_year?(~D[2024-01-01]), Date.days_in_month(~D[2023-02-01]), Date.range(~D[2024-01-01], ~D[2024-01-03]) |> Enum.to_list(), Date.before?(~D[2024-01-01], ~D[2024-01-02]), Date.after?(~D[2024-01-01], ~D[2024-01-02]), Date.day_of_year(~D[2024-03-01]), Date.quarter_of_year(~D[2024-05-01]), Date.to_string(~D[2024-01-05]), Date.from_iso8601!("2024-02-29"), Date.to_erl(~D[2024-01-02]), Date.from_erl!({2024, 1, 2})},
  datetime_more: {DateTime.to_iso8601(~U[2024-01-02 03:04:05Z]), DateTime.to_unix(~U[2024-01-01 00:00:00Z]), DateTime.from_unix!(1_700_000_000), DateTime.to_date(~U[2024-01-02 03:04:05Z]), DateTime.to_naive(~U[2024-01-02 03:04:05Z]), DateTime.truncate(~U[2024-01-02 03:04:05.123456Z], :millisecond), DateTime.compare(~U[2024-01-01 00:00:00Z], ~U[2024-01-01 00:00:01Z]), DateTime.diff(~U[2024-01-02 00:00:00Z], ~U[2024-01-01 00:00:00Z], :hour), DateTime.from_naive!(~N[2024-01-01 10:00:00], "Etc/UTC"), DateTime.new!(~D[2024-01-01], ~T[10:00:00])},
  naive_more: {NaiveDateTime.new!(2024, 1, 2, 3, 4, 5), NaiveDateTime.new(~D[2024-01-01], ~T[00:00:00]), NaiveDateTime.from_iso8601!("2024-01-02T03:04:05.120"), NaiveDateTime.to_date(~N[2024-01-02 03:04:05]), NaiveDateTime.to_time(~N[2024-01-02 03:04:05]), NaiveDateTime.add(~N[2024-01-01 00:00:00], 2, :day), NaiveDateTime.diff(~N[2024-01-01 00:01:00], ~N[2024-01-01 00:00:00], :minute), NaiveDateTime.beginning_of_day(~N[2024-01-01 10:00:00]), NaiveDateTime.shift(~N[2024-01-31 00:00:00], month: 1, hour: 2), NaiveDateTime.to_string(~N[2024-01-02 03:04:05.000100])},
  time_more: {Time.new!(10, 0, 0), Time.diff(~T[10:00:00], ~T[09:30:00]), Time.compare(~T[10:00:00], ~T[09:00:00]), Time.to_string(~T[01:02:03.456]), Time.from_iso8601("25:00:00"), Time.truncate(~T[01:02:03.456789], :second), Time.to_seconds_after_midnight(~T[01:00:00])},
  calendar_strftime: {Calendar.strftime(~N[2024-03-05 14:07:09], "%Y/%m/%d %H:%M:%S"), Calendar.strftime(~D[2024-03-05], "%a %b %-d %j"), Calendar.strftime(~U[2024-03-05 14:07:09Z], "%I:%M %p %Z")},
  decimal_inspect: {Decimal.new("1E-7"), Decimal.new("100"), Decimal.mult(Decimal.new("1.10"), Decimal.new("2.0")), Decimal.to_string(Decimal.new("1.23E+5")), Decimal.to_string(Decimal.new("1.23E+5"), :scientific), Decimal.to_string(Decimal.new("-0.00001"), :normal), Decimal.add(Decimal.new("1e2"), 1)},
  jason_more: {Jason.encode!([1, "a", nil, true, 1.5]), Jason.encode!(%{"k" => %{b: [1]}}), Jason.decode!("[1, {\"a\": null}]"), Jason.decode("{bad"), Jason.encode!("é\"\n"), Jason.decode!(~s({"a":1}), keys: :atoms), Jason.encode!(%{a: 1}, pretty: true)},
  uri_and_base: {URI.encode_query(%{"a" => 1, "b" => "x y"}), URI.decode_query("a=1&b=2"), URI.parse("https://ex.com:8080/p?q=1").host, Base.encode64("hello"), Base.decode64!("aGVsbG8="), Base.encode16("hi"), Base.url_encode64(<<255, 254>>, padding: false)},
  try_rescue: fn ->
    try do
      raise ArgumentError, "bad arg"
    rescue
      e in ArgumentError -> {:rescued, e.message}
    end
  end,
  try_rescue_generic: fn ->
    try do
      1 / 0
    rescue
      e -> {e.__struct__, Exception.message(e)}
    end
  end,
  try_catch_throw: fn ->
    try do
      throw(:oops)
    catch
      :throw, v -> {:caught, v}
    end
  end,
  try_after_else: fn ->
    try do
      {:ok, 1}
    rescue
      _ -> :error
    else
      {:ok, n} -> n + 1
    after
      :ignored
    end
  end,
  catch_exit: fn ->
    try do
      exit(:boom)
    catch
      :exit, reason -> {:exit, reason}
    end
  end,
  custom_exception: fn ->
    defmodule School.GradeError do
      defexception message: "bad grade", grade: nil
    end
    try do
      raise School.GradeError, grade: 7
    rescue
      e in School.GradeError -> {e.message, e.grade}
    end
  end,
  raise_runtime_message: fn ->
    try do
      raise "plain"
    rescue
      e -> {e.__struct__, e.message}
    end
  end,
  with_multiple_else: fn ->
    check = fn x ->
      with {:ok, n} when n > 0 <- {:ok, x}, true <- n < 10 do
        :good
      else
        {:ok, _} -> :not_positive
        false -> :too_big
      end
    end
    Enum.map([5, -1, 20], check)
  end,
  case_map_patterns: fn ->
    Enum.map([%{type: "a", v: 1}, %{type: "b"}, %{}], fn
      %{type: "a", v: v} -> v
      %{type: t} -> t
      _ -> nil
    end)
  end,
  binary_patterns: fn ->
    <<a::8, b::binary-size(2), rest::binary>> = "xyzw!"
    <<n::16>> = <<1, 2>>
    {a, b, rest, n}
  end,
  guards_more: fn ->
    f = fn
      x when is_integer(x) and x in 1..5 -> :small
      x when is_map_key(x, :k) -> :has_k
      x when is_list(x) and length(x) > 2 -> :long
      x when x in [:a, :b] -> :ab
      _ -> :other
    end
    Enum.map([3, %{k: 1}, [1, 2, 3], :b, 9], f)
  end,
  comprehension_more: {for(x <- 1..3, y <- 1..3, x < y, do: {x, y}), for(x <- [1, 2, 3], into: %{}, do: {x, x * x}), for(<<c::utf8 <- "héllo">>, c != ?l, into: "", do: <<c::utf8>>), for({k, v} <- [a: 1, b: 2], do: "#{k}#{v}"), for(x <- 1..4, uniq: true, do: rem(x, 2))},
  recursion_anon: fn ->
    fact = fn
      0, _ -> 1
      n, f -> n * f.(n - 1, f)
    end
    fact.(5, fact)
  end,
  string_to_atom_keys: Map.new(%{"a" => 1, "b" => 2}, fn {k, v} -> {String.to_atom(k), v} end),
  mapset_more: {MapSet.union(MapSet.new([1, 2]), MapSet.new([2, 3])), MapSet.difference(MapSet.new([1, 2]), MapSet.new([2])), MapSet.intersection(MapSet.new([1, 2]), MapSet.new([2])), MapSet.subset?(MapSet.new([1]), MapSet.new([1, 2])), MapSet.delete(MapSet.new([1, 2]), 1), MapSet.new([1, 2], &(&1 * 2))},
  range_more: {Range.new(1, 5), Range.size(1..10//3), Enum.sum(1..100), 5 in 1..10, Enum.to_list(-3..-1), Enum.count(1..0//-1), Range.to_list(3..1//-1)},
  process_dict: fn -> Process.put(:k, 1); Process.get(:k) end,
  agent_like: fn -> send(self(), :msg); receive do :msg -> :got after 0 -> :none end end,
  error_key_error: fn -> Keyword.fetch!([a: 1], :b) end,
  error_arithmetic: fn -> :a + 1 end,
  error_function_clause: fn -> School.Grades.letter(nil) |> String.length() |> Kernel.+(nil) end,
  error_protocol_undefined: fn -> Enum.map(%School.Shape{}, & &1) end,
  error_raise_custom: fn -> raise School.GradeError end,
  error_badarity: fn -> (fn x -> x end).(1, 2) end,
  error_cond_clause: fn -> cond do false -> 1 end end,
  error_with_clause: fn -> with {:ok, x} <- :nope, do: x, else: (:other -> 1) end,
  error_hd_empty: fn -> hd([]) end,
  error_elem_range: fn -> elem({1}, 3) end,
  error_date_new_bang: fn -> Date.new!(2024, 2, 31) end,
  error_decimal_error: fn -> Decimal.new("abc") end,
  error_jason_decode: fn -> Jason.decode!("{") end,
  error_struct_missing_key: fn -> struct!(School.Shape, color: :red) end,
  error_update_missing_key: fn -> %{%{a: 1} | b: 2} end,
  error_list_to_atom: fn -> List.first(:not_list) end,
  error_throw_uncaught: fn -> throw(:up) end,
  error_exit_uncaught: fn -> exit(:bye) end,
  error_enum_empty: fn -> Enum.max([]) end,
  error_reduce_empty: fn -> Enum.reduce([], &(&1 + &2)) end,
  error_integer_parse: fn -> String.to_integer("1.5") end,
  error_unicode: fn -> String.upcase(<<255>>) end,
]
