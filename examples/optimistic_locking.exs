# title: Optimistic locking
# description: Two editors load the same document; the second save finds a newer version in the database and fails instead of silently overwriting the first.
# %% Schema with a lock version
defmodule Docs.Document do
  use Ecto.Schema
  import Ecto.Changeset

  schema "documents" do
    field :title, :string
    field :body, :string
    field :lock_version, :integer, default: 1
    timestamps()
  end

  # optimistic_lock/3 adds "WHERE lock_version = <loaded value>" to the
  # UPDATE and increments the version in the same statement.
  def edit_changeset(document, attrs) do
    document
    |> cast(attrs, [:title, :body])
    |> validate_required([:title])
    |> optimistic_lock(:lock_version)
  end
end
# %% Migration
defmodule Docs.Migrations.CreateDocuments do
  use Ecto.Migration

  def change do
    create table(:documents) do
      add :title, :string, null: false
      add :body, :text
      add :lock_version, :integer, null: false, default: 1
      timestamps()
    end
  end
end

Ecto.Migrator.up(Repo, 1, Docs.Migrations.CreateDocuments)
# %% One document, opened twice
alias Docs.Document

%{id: id} = Repo.insert!(%Document{title: "Release plan", body: "Ship on Friday"})

# Two people load the same row: both copies have lock_version 1.
alice_copy = Repo.get!(Document, id)
bob_copy = Repo.get!(Document, id)
{alice_copy.lock_version, bob_copy.lock_version}
# %% The first save wins
{:ok, saved} = alice_copy |> Document.edit_changeset(%{body: "Ship on Monday"}) |> Repo.update()
saved.lock_version
# %% The second save is stale
# Bob's UPDATE matches no row (the version is now 2), so Ecto reports the
# struct as stale. With :stale_error_field that becomes a changeset error;
# without it, Repo.update raises Ecto.StaleEntryError.
{:error, changeset} =
  bob_copy
  |> Document.edit_changeset(%{body: "Ship next year"})
  |> Repo.update(stale_error_field: :lock_version, stale_error_message: "was changed by someone else")

changeset.errors
# %% Without stale_error_field it raises
try do
  bob_copy |> Document.edit_changeset(%{title: "Release plan (Bob)"}) |> Repo.update()
rescue
  e in Ecto.StaleEntryError -> e.message |> String.split("\n") |> hd()
end
# %% The database kept the first edit
Repo.one(from d in Document, where: d.id == ^id, select: {d.body, d.lock_version})
# %% Retrying from fresh data
# Reload, re-apply the change, and the save goes through.
{:ok, retried} =
  Document
  |> Repo.get!(id)
  |> Document.edit_changeset(%{body: "Ship on Monday, after the demo"})
  |> Repo.update()

{retried.body, retried.lock_version}
# %% Deletes are checked too
# A delete with a stale version deletes nothing and is stale as well.
stale_delete =
  bob_copy
  |> Ecto.Changeset.change()
  |> Ecto.Changeset.optimistic_lock(:lock_version)
  |> Repo.delete(stale_error_field: :lock_version)

{elem(stale_delete, 0), Repo.aggregate(Document, :count)}
