defmodule Au.User do
  use Ecto.Schema
  @derive {Inspect, except: [:hashed_password]}
  schema "users" do
    field :email, :string
    field :hashed_password, :string
    field :password, :string, virtual: true, redact: true
  end
end
defmodule Au.Token do
  use Ecto.Schema
  schema "tokens" do
    field :value, :string, redact: true
    field :kind, :string
  end
end
changesets = [
  derive_except_schema: %Au.User{email: "a@b", hashed_password: "h", password: "p"},
  redact_schema_struct: %Au.Token{value: "secret", kind: "api"},
  changeset_with_redacted_change: Ecto.Changeset.cast(%Au.Token{}, %{"value" => "s3", "kind" => "k"}, [:value, :kind]),
  changeset_user_password: Ecto.Changeset.cast(%Au.User{}, %{"password" => "pw", "email" => "x@y"}, [:password, :email]),
  inspect_changeset_string: inspect(Ecto.Changeset.cast(%Au.Token{}, %{"value" => "s3"}, [:value])),
]
