# title: Changeset validations
# description: Casting user input, validations that run in memory, and constraints that only the database can check, turned into errors instead of exceptions.
# %% Schema and changeset
defmodule Accounts.User do
  use Ecto.Schema
  import Ecto.Changeset

  schema "users" do
    field :email, :string
    field :name, :string
    field :age, :integer
    field :role, Ecto.Enum, values: [:reader, :editor, :admin], default: :reader
    field :password, :string, virtual: true, redact: true
    field :password_hash, :string, redact: true
    timestamps()
  end

  def registration_changeset(user, attrs) do
    user
    |> cast(attrs, [:email, :name, :age, :role, :password])
    |> validate_required([:email, :name, :password])
    |> update_change(:email, &String.downcase/1)
    |> validate_format(:email, ~r/^[^\s]+@[^\s]+$/, message: "must have the @ sign and no spaces")
    |> validate_length(:name, min: 2, max: 40)
    |> validate_length(:password, min: 8)
    |> validate_confirmation(:password, message: "does not match password")
    |> validate_number(:age, greater_than_or_equal_to: 13)
    |> unique_constraint(:email)
    |> put_password_hash()
  end

  # Only touch the hash when the changeset is valid and a password was given.
  # (A stand-in: a real app would call Argon2 or Bcrypt here.)
  defp put_password_hash(%Ecto.Changeset{valid?: true, changes: %{password: password}} = changeset) do
    put_change(changeset, :password_hash, "hashed:" <> String.reverse(password))
  end

  defp put_password_hash(changeset), do: changeset
end
# %% Migration
defmodule Accounts.Migrations.CreateUsers do
  use Ecto.Migration

  def change do
    create table(:users) do
      add :email, :string, null: false
      add :name, :string, null: false
      add :age, :integer
      add :role, :string, null: false, default: "reader"
      add :password_hash, :string, null: false
      timestamps()
    end

    create unique_index(:users, [:email])
  end
end

Ecto.Migrator.up(Repo, 1, Accounts.Migrations.CreateUsers)
# %% Casting and validating: nothing touches the database
alias Accounts.User

params = %{
  "email" => "not an email",
  "name" => "A",
  "age" => "twelve",
  "role" => "superuser",
  "password" => "short",
  "password_confirmation" => "shorter"
}

changeset = User.registration_changeset(%User{}, params)
changeset.valid?
# %% Errors, keyed by field
# Cast errors (age, role) stop further validations of that field.
changeset.errors
# %% Errors as messages, the way a form shows them
traverse_errors(changeset, fn {msg, opts} ->
  Regex.replace(~r"%{(\w+)}", msg, fn _, key ->
    opts |> Keyword.get(String.to_existing_atom(key), key) |> to_string()
  end)
end)
# %% An invalid changeset never reaches the database
# Repo.insert returns {:error, changeset} with the action set, and runs no SQL.
{:error, failed} = Repo.insert(changeset)
failed.action
# %% A valid registration
{:ok, ada} =
  %User{}
  |> User.registration_changeset(%{
    "email" => "Ada@Example.com",
    "name" => "Ada",
    "age" => "36",
    "role" => "admin",
    "password" => "correct horse",
    "password_confirmation" => "correct horse"
  })
  |> Repo.insert()

# The virtual password is not stored; the email was downcased.
{ada.email, ada.role, ada.age}
# %% The unique index turns into a changeset error
# The validations pass, the INSERT fails on users_email_index, and
# unique_constraint/3 maps that failure to an error on :email.
{:error, duplicate} =
  %User{}
  |> User.registration_changeset(%{
    "email" => "ada@example.com",
    "name" => "Another Ada",
    "password" => "12345678",
    "password_confirmation" => "12345678"
  })
  |> Repo.insert()

duplicate.errors
# %% Updating only what changed
# An UPDATE sets just the changed fields (and updated_at); an update
# without changes sends nothing.
{:ok, ada} = ada |> change(name: "Ada Lovelace") |> Repo.update()
{:ok, same} = ada |> change(name: "Ada Lovelace") |> Repo.update()
{ada.name, same.updated_at == ada.updated_at, Repo.aggregate(User, :count)}
