defmodule Syn.M do
  @moduledoc """
  Docs with #{1 + 1} and "quotes".
  """
  @type t :: %__MODULE__{a: integer() | nil}
  @callback foo(integer) :: :ok
  defstruct a: nil, b: %{}

  @doc "adds"
  @spec add(number, number) :: number
  def add(a, b \\ 1)
  def add(a, b) when is_integer(a) and is_integer(b), do: a + b
  def add(a, b), do: a + b * 1.0

  defguard is_pos(x) when is_integer(x) and x > 0
  def pos?(x) when is_pos(x), do: true
  def pos?(_), do: false

  defmacro twice(x) do
    quote do
      unquote(x) * 2
    end
  end

  def uses_unless(x) do
    unless x do
      :no
    else
      :yes
    end
  end

  def multi(
        a,
        b
      ) do
    a
    |> Kernel.+(b)
    |> Integer.to_string()
  end
end


changesets = [
  sigil_delims: {~r{a/b}, ~w[a b c], ~s|x "y"|, ~S"no #{interp}", ~c(abc), ~w<x y>a, ~r/x/iu},
  heredoc_indent: """
    two spaces
      four
    """,
  single_quoted_charlist: 'abc',
  atoms: [:"quoted atom", :+, :&&, :., :"Elixir.Foo", :a?, :b!, :_x, :@],
  keyword_quoted_keys: ["my key": 1, "other-key": 2, normal: 3],
  map_arrow_and_kw: %{"a" => 1, :b => 2, c: 3},
  bin_modifiers: fn -> <<x::16, y::binary-size(2), rest::bits>> = <<0, 5, "ab", "cd">>; {x, y, rest} end,
  bin_construct: <<1::8, 2::16-big, "str", 3.5::float-32>> |> byte_size(),
  utf8_segments: <<"é"::utf8, 0x1F600::utf8>>,
  default_args: {Syn.M.add(2), Syn.M.add(2, 3), Syn.M.add(2.0)},
  defguard_use: {Syn.M.pos?(3), Syn.M.pos?(-1)},
  unless_else: Syn.M.uses_unless(nil),
  multiline_call: Syn.M.multi(1, 2),
  nested_capture: Enum.map([{1, 2}], &elem(&1, 1)),
  capture_remote_arity: (&Syn.M.add/2).(1, 2),
  pipe_kernel_op: 5 |> Kernel.-(2) |> Kernel.*(3),
  operators_misc: {5 in 1..10, 5 not in [1], !false, -(-1), +1, 7 - -3, [1 | [2]], {} == {}, %{} == %{}},
  string_escapes: "\a\b\t\e\x41\u00e9\u{1F600}\0",
  interp_nested_quotes: "a #{"b #{"c"}"} d #{inspect(%{k: "v"})}",
  if_do_inline: if(true, do: 1, else: 2),
  case_inline: case 1 do 1 -> :one; _ -> :other end,
  fn_multi_clause_inline: (fn 0 -> :z; n when n > 0 -> :p; _ -> :n end).(-5),
  comprehension_opts: for(x <- 1..3, reduce: 0, do: (acc -> acc + x)),
  for_uniq_into: for(x <- [1, 1, 2], uniq: true, into: MapSet.new(), do: x * 2),
  ranges: {1..10//3, ..} |> elem(0),
  struct_nested_update: fn -> s = %Syn.M{a: 1}; %Syn.M{s | b: %{x: 1}} end,
  trailing_comma_list: [1, 2, 3,],
  keyword_in_call: Keyword.get([a: 1], :a, 0),
  do_block_with_parens: (if true do
    :block
  end),
  comment_inside: [
    1,
    # a comment
    2
  ],
  pipe_multiline:
    [3, 1, 2]
    |> Enum.sort()
    |> Enum.map(fn x ->
      x * 10
    end),
  anonymous_fn_block: (fn x ->
    y = x + 1
    y * 2
  end).(1),
  with_else_inline: with({:ok, a} <- {:ok, 1}, do: a, else: (_ -> 0)),
  access_syntax: %{a: [b: 1]}[:a][:b],
  nested_struct_pattern: fn -> %Syn.M{a: a} = %Syn.M{a: 5}; a end,
  raise_in_if: fn -> if false, do: raise("x"), else: :ok end,
  module_attribute_outside: __MODULE__,
  bitwise: fn -> import Bitwise; {5 &&& 3, 5 ||| 3, 5 ^^^ 3, 1 <<< 3, 16 >>> 2, bnot(0)} end,
  string_concat_match: fn -> <<"pre", rest::binary>> = "prefix"; rest end,
  send_receive_after: fn -> receive do x -> x after 10 -> :timeout end end,
]
