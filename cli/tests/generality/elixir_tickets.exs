defmodule Tix.Event do
  @enforce_keys [:name, :starts_at]
  defstruct [:name, :starts_at, :venue, capacity: 100, sold: 0, prices: %{}]

  def remaining(%__MODULE__{capacity: c, sold: s}), do: c - s
  def sell(%__MODULE__{} = e, n) when n > 0 do
    if e.sold + n > e.capacity, do: {:error, :sold_out}, else: {:ok, %{e | sold: e.sold + n}}
  end
end

defmodule Tix.SoldOut do
  defexception [:event, message: "sold out"]
end

defmodule Tix.Invalid do
  defexception [:field, :reason]
  def message(%{field: f, reason: r}), do: "#{f} is invalid: #{r}"
end

defmodule Tix.Pricing do
  @vat 0.21
  @tiers %{standard: 30, vip: 120}
  def price(tier, qty \\ 1), do: Map.fetch!(@tiers, tier) * qty
  def with_vat(amount), do: Float.round(amount * (1 + @vat), 2)
  def tiers, do: @tiers
  def classify(n) when n in 1..3, do: :small
  def classify(n) when n in 4..10, do: :group
  def classify(_), do: :bulk
  def guard_demo(x) when is_binary(x) or is_atom(x), do: :named
  def guard_demo(x) when is_list(x) and length(x) > 2, do: :long_list
  def guard_demo(%{} = m) when map_size(m) == 0, do: :empty_map
  def guard_demo(_), do: :other
end

ev = %Tix.Event{name: "Jazz Night", starts_at: ~N[2024-07-01 20:00:00], venue: "Blue Hall", capacity: 3}

defmodule My.Err do
  defexception [:message]
  @impl true
  def exception(value) do
    %My.Err{message: "did not get what was expected, got: #{inspect(value)}"}
  end
end
defmodule My.Plain do
  defexception message: "plain default"
end
defmodule My.Fields do
  defexception [:code, :message]
end
changesets = [
  struct_enforce_missing: fn -> struct!(Tix.Event, name: "x") end,
  struct_literal_missing_enforced: quote(do: %Tix.Event{name: "x"}),
  struct_unknown_key: fn -> struct!(Tix.Event, name: "x", starts_at: nil, color: :red) end,
  struct_fn_ignores_unknown: struct(Tix.Event, name: "x", color: :red),
  struct_inspect: ev,
  struct_is_map: {is_map(ev), is_struct(ev), is_struct(ev, Tix.Event), ev.__struct__, Map.keys(ev) |> length()},
  struct_functions: [Tix.Event.remaining(ev), Tix.Event.sell(ev, 2), Tix.Event.sell(ev, 5)],
  struct_fn_clause_error: fn -> Tix.Event.sell(ev, 0) end,
  struct_update_unknown_key: fn -> %{ev | color: :red} end,
  struct_match: (case ev do %Tix.Event{venue: v, capacity: c} when c < 10 -> {v, c}; _ -> :other end),
  exception_default_msg: fn -> raise Tix.SoldOut, event: "x" end,
  exception_message_fn: fn -> raise Tix.Invalid, field: :email, reason: "missing @" end,
  exception_struct_inspect: [%Tix.SoldOut{event: "x"}, Tix.Invalid.exception(field: :a, reason: "b")],
  exception_rescue_kinds: (for f <- [fn -> raise "plain" end, fn -> raise ArgumentError end, fn -> raise ArgumentError, "bad arg" end, fn -> :erlang.error(:badarith) end, fn -> Integer.parse(nil) end, fn -> String.to_existing_atom("surely_not_an_atom_xyz") end, fn -> apply(String, :nope, []) end, fn -> Keyword.fetch!([], :k) end, fn -> [] |> Enum.fetch!(2) end, fn -> List.first(5) end, fn -> raise Tix.Invalid, field: :f, reason: :r end] do
    try do
      f.()
    rescue
      e -> {e.__struct__, Exception.message(e)}
    end
  end),
  exception_error_tuple: (try do raise KeyError, key: :a, term: %{} rescue e in KeyError -> {e.key, e.term, Exception.message(e)} end),
  exception_message_struct: [Exception.message(%ArgumentError{message: "y"}), Exception.message(%MatchError{term: 1}), Exception.message(%KeyError{key: :k, term: [a: 1]})],
  try_else_after: (try do {:ok, 1} rescue _ -> :err else {:ok, v} -> v + 1 after :done end),
  catch_throw_value: (try do Enum.each(1..10, fn i -> if i == 4, do: throw({:found, i}) end) catch {:found, i} -> i end),
  catch_exit: (try do exit({:shutdown, 1}) catch :exit, {:shutdown, n} -> n end),
  catch_error_kind: (try do :erlang.error(:custom) catch :error, r -> r end),
  nested_raise_reraise: fn -> try do raise ArgumentError, "inner" rescue e -> raise RuntimeError, "outer: " <> e.message end end,
  pricing: [Tix.Pricing.price(:vip), Tix.Pricing.price(:standard, 3), Tix.Pricing.with_vat(100), Tix.Pricing.tiers(), Enum.map([1, 5, 20], &Tix.Pricing.classify/1)],
  pricing_missing_key: fn -> Tix.Pricing.price(:gold) end,
  guards: Enum.map(["a", :b, [1, 2, 3], [1], %{}, %{a: 1}, 5], &Tix.Pricing.guard_demo/1),
  function_clause_multiple: fn -> Tix.Pricing.classify("x") |> then(fn :bulk -> Tix.Pricing.classify(nil) end) end,
  bad_arity_anon: fn -> (fn x -> x end).(1, 2) end,
  bad_function: fn -> f = :not_a_fun; f.(1) end,
  match_error_nested: fn -> [a, b] = [1, 2, 3]; {a, b} end,
  match_error_map: fn -> %{name: n} = %{title: "x"}; n end,
  case_clause_tuple: fn -> case {:error, "x"} do {:ok, v} -> v end end,
  with_clause_error: fn -> with {:ok, v} <- {:error, 1} do v else :nope -> 0 end end,
  try_clause_error: fn -> try do :x else :y -> 1 end end,
  badarith: fn -> 1 + :a end,
  badarg_atom_to_string: fn -> Atom.to_string("s") end,
  string_to_atom_nonbinary: fn -> String.to_atom(1) end,
  enum_empty_error: fn -> Enum.max([]) end,
  enum_reduce_empty: fn -> Enum.reduce([], &+/2) end,
  integer_overflowish: [Integer.pow(2, 70), 2 ** 64 - 1, div(10 ** 20, 3), rem(-(10 ** 20), 7)],
  list_to_tuple_and_back: {List.to_tuple([1, 2]), Tuple.to_list({:a, {:b}})},
  sigils: [~w(a b)a, ~w(x y)c, ~s(a"b), ~S(a\nb), ~c(hi), ~r/a+/iu, ~D[2024-01-01], ~T[12:00:00], ~N[2024-01-01 12:00:00], ~U[2024-01-01 12:00:00Z]],
  inspect_atoms: [:"Elixir.Foo", Foo, :"foo-bar", :"1a", :a1, :+, :"+", :&&, :"a b", :"é", :Ünicode, :"with\"quote", :nil, :true, :!, :"?", :ok?, :"ok?!", :@, :"@x", :..., :"..//", :"//", :|>, :<>, :"::", :"\\\\"],
  inspect_strings: ["é", "\u0000", "\a\b\f\v", "tab\t", "multi\nline", "\u00ad", "🦀 crab", "back\\slash", "\#{not}", <<255, 0>>, <<"ok", 128>>, "a" <> <<0>>],
  inspect_lists: [[], [[]], [1 | [2 | [3]]], [?a, ?b], [0], [10], [7, 8], ~c"\n", [a: 1, b: 2], [{:a, 1}, {"b", 2}], [{:"a b", 1}], [a: [b: [c: 1]]], [{:a, 1, 2}]],
  inspect_maps: [%{}, %{"a" => 1, "B" => 2, "b" => 3}, %{1 => :a, 1.0 => :b}, %{[1] => :l, {1} => :t, %{} => :m}, %{nil: 1, true: 2}, %{:a => 1, "a" => 2}, %{"a b": 1}, %{__struct__: "NotAStruct"}],
  inspect_numbers: [-0, 1_000, -1.5, 1.0e-10, 5.0e-324, 1.7976931348623157e308, 0.1 + 0.7, 3.0 * 1.1, 100 / 3, 2 / 3, 1 / 3 * 3, 1.0e100, 123456789012345678, -9223372036854775808, 0xFFFF_FFFF_FFFF_FFFF],
  inspect_tuples_nested: {{}, {1}, {:ok, {:error, {nil}}}, {[], %{}, ""}},
  inspect_limit_infinity: Enum.to_list(1..60),
  inspect_long_string: String.duplicate("ab", 300),
  inspect_charlist_printable: [~c"hello world", ~c"tab\tx", [955], ~c"é", [128], [65, 66, 300]],
  custom_a: fn -> raise My.Err, :foo end,
  custom_b: fn -> raise My.Err end,
  custom_c: (try do raise My.Err, value: 1 rescue e -> {e, Exception.message(e)} end),
  custom_d: fn -> raise My.Plain, "given" end,
  custom_e: fn -> raise My.Plain end,
  custom_f: {My.Plain.exception([]), My.Plain.message(%My.Plain{}), My.Fields.exception(code: 3)},
  custom_g: (try do raise My.Fields, code: 7 rescue e -> {e, Exception.message(e)} end),
  custom_h: fn -> raise My.Fields, code: 7 end,
  custom_i: [:..., :"..//", :"::", :<-, :->, :"\\\\", :<<>>, :===],
  custom_j: 0xFFFF_FFFF_FFFF_FFFF,
  custom_k: (try do :x else :y -> 1 end),
  custom_l: fn -> try do :x else :y -> 1 end end,
  custom_m: (try do raise My.Plain rescue e in [My.Plain, ArgumentError] -> e.message end),
  rescued_a: (try do {:ok, _} = {:error, 1} rescue e -> e end),
  rescued_b: (try do Map.fetch!(%{}, :k) rescue e -> e end),
  rescued_c: (try do case 1 do 2 -> 1 end rescue e -> e end),
  rescued_d: (try do 1 / 0 rescue e -> e end),
  rescued_e: (try do %{}.x rescue e -> e end),
  rescued_f: (try do String.to_integer("x") rescue e -> e end),
  rescued_g: (try do Enum.fetch!([], 1) rescue e -> e end),
  rescued_i: (try do raise "x" rescue e -> e end),
  rescued_j: (try do :erlang.error(:custom) rescue e -> e end),
  rescued_k: (try do raise KeyError, key: :a, term: %{} rescue e in KeyError -> {e, e.key, Exception.message(e)} end),
  rescued_l: (for r <- [:badarith, {:badmatch, 1}, :custom, {:badkey, :k}] do try do :erlang.error(r) rescue e -> {e, Exception.message(e)} end end),
  rescued_m: (try do with {:ok, x} <- :nope, do: x, else: (:other -> 1) rescue e -> {e, Exception.message(e)} end),
]
