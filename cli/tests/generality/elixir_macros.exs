defmodule M.Macros do
  defmacro double(x), do: quote(do: unquote(x) * 2)
  defmacro my_unless(cond, do: block) do
    quote do
      if !unquote(cond), do: unquote(block), else: nil
    end
  end
  defmacro sum_all(list) do
    quote do: Enum.sum(unquote(list))
  end
  defmacro literal_info(x) do
    cond do
      is_integer(x) -> :int
      is_binary(x) -> :string
      true -> :expr
    end
  end
  defmacro make_fun(value) do
    quote do
      def answer, do: unquote(value)
    end
  end
  defmacro __using__(opts) do
    greeting = Keyword.get(opts, :greeting, "hi")
    quote do
      import M.Macros
      def greet(name), do: unquote(greeting) <> ", " <> name
      @tag_value :tagged
      def tag, do: @tag_value
    end
  end
end

defmodule M.User do
  use M.Macros, greeting: "hello"
  make_fun(42)
  def run(x), do: double(x) + 1
end

defmodule Shop.BaseSchema do
  defmacro __using__(_) do
    quote do
      use Ecto.Schema
      @primary_key {:id, :binary_id, autogenerate: true}
      @timestamps_opts [type: :utc_datetime]
    end
  end
end

defmodule Shop.Product do
  use Shop.BaseSchema
  schema "products" do
    field :name, :string
    timestamps()
  end
end

require M.Macros

changesets = [
  macro_double: M.Macros.double(21),
  macro_with_expr: (x = 5; M.Macros.double(x + 1)),
  macro_unless: [M.Macros.my_unless(false, do: :ran), M.Macros.my_unless(true, do: :ran)],
  macro_sum: M.Macros.sum_all([1, 2, 3]),
  macro_literal_info: [M.Macros.literal_info(1), M.Macros.literal_info("s"), M.Macros.literal_info(1 + 1)],
  using_defines: [M.User.greet("Ann"), M.User.tag(), M.User.answer(), M.User.run(10)],
  using_schema_base: %Shop.Product{name: "x"},
  using_schema_changeset: Ecto.Changeset.cast(%Shop.Product{}, %{"name" => "P"}, [:name]),
]
