defmodule CE.S do
  defstruct [:a]
  def f(x), do: x
end
changesets = [
  e_undefined_var: quote(do: x + 1),
  e_undefined_local: quote(do: foo(1)),
  e_unknown_struct: quote(do: %CE.Nope{}),
  e_struct_unknown_key: quote(do: %CE.S{b: 1}),
  e_underscore_value: quote(do: (_x = 1; _ + 1)),
  e_pin_outside_match: quote(do: ^x),
  e_bad_pattern_call: quote(do: (foo(x) = 1)),
  e_wrong_arity_local_capture: quote(do: &foo/1),
  e_undefined_remote_ok_at_compile: quote(do: CE.S.nope(1)),
  e_case_no_clauses: quote(do: (case 1 do end)),
  e_cond_no_do: quote(do: cond),
  e_def_outside_module: quote(do: def(f(x), do: x)),
  e_bad_fn_arity_mix: quote(do: fn 1 -> 1; 1, 2 -> 2 end),
  e_duplicate_key_map_literal: quote(do: %{a: 1, a: 2}),
  e_string_interp_undefined: quote(do: "#{y}"),
  e_match_on_call_result_ok: quote(do: ({a, b} = {1, 2}; a + b)),
  e_unused_ok: quote(do: (x = 1; x)),
  e_atom_call_invalid: quote(do: :foo.()),
  e_binary_size_var_undefined: quote(do: (<<x::size(n)>> = <<1>>)),
  e_for_undefined_in_body: quote(do: for(x <- [1], do: y)),
  e_with_undefined: quote(do: with({:ok, a} <- {:ok, 1}, do: b)),
  e_module_attr_outside: quote(do: @foo),
  e_raise_not_exception: fn -> raise CE.S end,
  e_raise_undefined_module: fn -> raise CE.Missing, "x" end,
]
