defmodule Rec.Recipe do
  defstruct [:title, servings: 2, ingredients: [], tags: MapSet.new()]
end

defimpl String.Chars, for: Rec.Recipe do
  def to_string(r), do: "Recipe(#{r.title})"
end

defmodule Rec.Money do
  defstruct [:cents, currency: :eur]
  defimpl Inspect do
    import Inspect.Algebra
    def inspect(%{cents: c, currency: cur}, opts) do
      concat(["#Money<", to_doc(c / 100, opts), " ", to_doc(cur, opts), ">"])
    end
  end
end

defmodule Rec.Util do
  def slugify(s) do
    s |> String.downcase() |> String.replace(~r/[^a-z0-9]+/, "-") |> String.trim("-")
  end
  def scale(%Rec.Recipe{} = r, n), do: %{r | servings: r.servings * n}
  defmacro double(x), do: quote(do: unquote(x) * 2)
  def with_default(opts \\ []) do
    Keyword.get(opts, :size, :medium)
  end
  def priv_call(x), do: helper(x)
  defp helper(x), do: {:helped, x}
end

r = %Rec.Recipe{title: "Pancakes", ingredients: [{"flour", 200}, {"milk", 300}, {"egg", 2}]}

changesets = [
  io_puts_returns_ok: IO.puts("hello from a cell"),
  io_inspect_returns_value: IO.inspect([1, 2], label: "list"),
  string_chars_impl: {to_string(r), "#{r}"},
  inspect_impl: [%Rec.Money{cents: 1250}, inspect(%Rec.Money{cents: 5, currency: :usd})],
  slugify: Rec.Util.slugify("  Crème Brûlée & Co!! "),
  struct_update_fn: Rec.Util.scale(r, 3).servings,
  default_args: {Rec.Util.with_default(), Rec.Util.with_default(size: :large)},
  private_fn_error: fn -> Rec.Util.helper(1) end,
  private_through_public: Rec.Util.priv_call(2),
  stream_funcs: [Stream.map(1..3, &(&1 * 2)) |> Enum.to_list(), Stream.iterate(1, &(&1 * 2)) |> Enum.take(5), Stream.cycle([:a, :b]) |> Enum.take(3), Stream.unfold(3, fn 0 -> nil; n -> {n, n - 1} end) |> Enum.to_list(), Stream.with_index([:x, :y]) |> Enum.to_list(), Stream.chunk_every(1..5, 2) |> Enum.to_list(), Stream.take_while(1..100, &(&1 < 4)) |> Enum.to_list(), Stream.zip([1, 2], [3, 4]) |> Enum.to_list(), Stream.repeatedly(fn -> 1 end) |> Enum.take(2), Stream.dedup([1, 1, 2]) |> Enum.to_list(), Stream.flat_map([1, 2], &[&1, &1]) |> Enum.to_list(), Stream.filter(1..6, &(rem(&1, 2) == 0)) |> Stream.map(&(&1 + 1)) |> Enum.sum()],
  access_funcs: [get_in(%{a: [%{b: 1}, %{b: 2}]}, [:a, Access.all(), :b]), get_in([%{n: 1}, %{n: 2}], [Access.at(1), :n]), update_in(%{items: [%{q: 1}, %{q: 2}]}, [:items, Access.all(), :q], &(&1 * 10)), get_in(%{a: %{b: nil}}, [:a, :b, :c]), put_in(%{a: %{}}, [:a, :b], 1), get_in(r, [Access.key(:title)]), pop_in(%{a: %{b: 1, c: 2}}, [:a, :b]), get_in([a: [b: 3]], [:a, :b]), Access.fetch(%{x: 1}, :x), get_in(%{"k" => [1, 2, 3]}, ["k", Access.filter(&(&1 > 1))]), update_in([1, 2, 3], [Access.at(0)], &(&1 + 100)), get_and_update_in(%{a: 1}, [:a], &{&1, &1 + 1})],
  access_struct_error: fn -> r[:title] end,
  sort_dates: [Enum.sort([~D[2024-03-01], ~D[2023-12-31], ~D[2024-01-15]], Date), Enum.sort_by([%{d: ~D[2024-03-01]}, %{d: ~D[2023-12-31]}], & &1.d, {:desc, Date}), Enum.max([~D[2024-03-01], ~D[2023-12-31]], Date), Enum.min_by([%{t: ~T[10:00:00]}, %{t: ~T[09:00:00]}], & &1.t, Time)],
  strftime: [Calendar.strftime(~U[2024-03-05 14:07:09Z], "%Y-%m-%d %H:%M:%S %p %A %B %j %a %b %y %I %%"), Calendar.strftime(~D[2024-03-05], "%d/%m/%Y"), Calendar.strftime(~N[2024-03-05 00:07:09.123456], "%-d %-m %f %3f")],
  integer_bases: [Integer.to_string(10, 2), Integer.parse("ff", 16), String.to_integer("777", 8), Integer.to_charlist(42), Integer.digits(255, 16), 0x1F + 0b11],
  string_more: [String.split("a-b_c", ["-", "_"]), String.split("abc", "", trim: true), String.split("a b c", " ", parts: 2), String.splitter("a,b", ",") |> Enum.to_list(), String.replace_prefix("foobar", "foo", ""), String.replace_suffix("a.txt", ".txt", ".md"), String.ends_with?("x.exs", [".ex", ".exs"]), String.to_charlist("hé"), String.normalize("é", :nfd) |> String.length(), String.valid?(<<0xFF>>), String.printable?("a\x01"), String.chunk("ab12", :valid), String.pad_trailing("ab", 5, "*"), String.trim_leading("00012", "0"), String.next_grapheme("abc"), String.bag_distance("abc", "abd"), String.replace("a.b.c", ".", fn m -> "[" <> m <> "]" end)],
  number_formatting: [:erlang.float_to_binary(3.14159, decimals: 2), Float.round(3.14159, 3), Integer.to_string(1_000_000) |> String.graphemes() |> Enum.reverse() |> Enum.chunk_every(3) |> Enum.join(","), Float.to_string(2.0e-10), 1.0e10, 12345678.9, 0.000123, 1.0e-5, -0.0, 2.5e15, 100.0, 1.23456789012e8],
  tuple_and_kernel: [tuple_size({1, 2, 3}), elem({1, 2}, 0), is_function(&String.upcase/1, 1), function_exported?(String, :upcase, 1), Kernel.is_map_key(%{a: 1}, :a), :erlang.element(1, {:x}), node() |> is_atom(), binary_part("hello", 1, 3), :binary.copy("ab", 2), hd([1, 2]), tl([1, 2]), length([1, 2, 3])],
  enum_more: [Enum.sort_by(["bb", "a", "ccc"], &String.length/1), Enum.sort(["b", "B", "a"]), Enum.sort([3, 1, 2], &>=/2), Enum.reduce(1..5, &*/2), Enum.map_reduce([1, 2, 3], 0, fn x, acc -> {x * 2, acc + x} end), Enum.chunk_by([1, 1, 2, 3, 3], & &1), Enum.find_index([5, 6, 7], &(&1 == 6)), Enum.find_value([1, 2, 3], &(&1 > 1 && &1 * 10)), Enum.zip_with([[1, 2], [3, 4]], fn [a, b] -> a + b end), Enum.unzip([{1, :a}, {2, :b}]), Enum.take_random([1], 1)],
  enum_more2: [Enum.to_list(%{a: 1}), Enum.into(%{a: 1}, []), Enum.sum_by([%{p: 1}, %{p: 2}], & &1.p), Enum.product_by([1, 2, 3], &(&1 + 1)), Enum.min_max_by(["aa", "b"], &String.length/1), Enum.reverse([1, 2], [3]), Enum.split([1, 2, 3], 1), Enum.fetch([1], 3), Enum.fetch!([1], 0)],
]
