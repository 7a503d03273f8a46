# title: Soft deletes
# description: Rows are marked with deleted_at instead of being removed; queries compose a scope that hides them, and a deleted row can be restored.
# %% Schema with a deleted_at column
defmodule Notes.Note do
  use Ecto.Schema
  import Ecto.Query

  schema "notes" do
    field :title, :string
    field :body, :string
    field :deleted_at, :utc_datetime
    timestamps(type: :utc_datetime)
  end

  # Query helpers compose: each takes a query and returns a query.
  def not_deleted(query \\ __MODULE__), do: where(query, [n], is_nil(n.deleted_at))
  def only_deleted(query \\ __MODULE__), do: where(query, [n], not is_nil(n.deleted_at))
end
# %% Migration
defmodule Notes.Migrations.CreateNotes do
  use Ecto.Migration

  def change do
    create table(:notes) do
      add :title, :string, null: false
      add :body, :text
      add :deleted_at, :utc_datetime
      timestamps(type: :utc_datetime)
    end

    # Most queries only look at live rows.
    create index(:notes, [:title], where: "deleted_at IS NULL")
  end
end

Ecto.Migrator.up(Repo, 1, Notes.Migrations.CreateNotes)
# %% Some notes
alias Notes.Note

for title <- ["Groceries", "Ideas", "Old draft", "Meeting notes", "Scratch"] do
  Repo.insert!(%Note{title: title, body: "..."})
end

Repo.aggregate(Note, :count)
# %% Soft-deleting one note
# A plain update: the row stays, only deleted_at is set.
soft_delete = fn note ->
  note
  |> Ecto.Changeset.change(deleted_at: DateTime.utc_now() |> DateTime.truncate(:second))
  |> Repo.update()
end

{:ok, draft} = Repo.get_by!(Note, title: "Old draft") |> soft_delete.()
draft.deleted_at != nil
# %% Soft-deleting many at once
# update_all writes every matching row in one statement and returns the count.
{count, _} =
  Note.not_deleted()
  |> where([n], n.title in ["Scratch", "Ideas"])
  |> Repo.update_all(set: [deleted_at: ~U[2024-05-01 12:00:00Z]])

count
# %% Live notes
# The scope is just a where clause, so it combines with ordering, limits
# and aggregates.
Note.not_deleted() |> order_by(:title) |> select([n], n.title) |> Repo.all()
# %% The trash
Note.only_deleted() |> order_by(:title) |> select([n], {n.title, n.deleted_at}) |> Repo.all()
# %% Restoring
{1, _} =
  Note.only_deleted()
  |> where(title: "Ideas")
  |> Repo.update_all(set: [deleted_at: nil])

%{
  live: Repo.aggregate(Note.not_deleted(), :count),
  deleted: Repo.aggregate(Note.only_deleted(), :count),
  rows_in_table: Repo.aggregate(Note, :count)
}
# %% Emptying the trash for good
# A real DELETE, only for rows deleted before a cut-off.
{purged, _} =
  Note.only_deleted()
  |> where([n], n.deleted_at < ^~U[2024-06-01 00:00:00Z])
  |> Repo.delete_all()

{purged, Repo.aggregate(Note, :count)}
