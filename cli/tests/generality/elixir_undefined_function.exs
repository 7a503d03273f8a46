defmodule U.M do
  def f, do: 1
end
changesets = [
  a: (try do apply(Foo, :bar, []) rescue e -> {e, Exception.message(e)} end),
  b: (try do apply(String, :nope, [1]) rescue e -> {e, Exception.message(e)} end),
  c: (try do apply(U.M, :g, []) rescue e -> {e, Exception.message(e)} end),
  d: (try do U.M.g() rescue e in UndefinedFunctionError -> {e.module, e.function, e.arity} end),
]
