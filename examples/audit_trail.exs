# title: Audit trail
# description: Every change to a record writes an audit entry in the same transaction, with who made it and what changed, using Ecto.Multi.
# %% Schemas
defmodule Wiki.Page do
  use Ecto.Schema
  import Ecto.Changeset

  schema "pages" do
    field :slug, :string
    field :title, :string
    field :body, :string
    timestamps()
  end

  def changeset(page, attrs) do
    page
    |> cast(attrs, [:slug, :title, :body])
    |> validate_required([:slug, :title])
    |> unique_constraint(:slug)
  end
end

defmodule Wiki.AuditEntry do
  use Ecto.Schema

  schema "audit_entries" do
    field :action, Ecto.Enum, values: [:insert, :update, :delete]
    field :table, :string
    field :record_id, :integer
    field :actor, :string
    # What changed, stored as JSON text.
    field :changes, :map
    timestamps(updated_at: false)
  end
end
# %% Migration
defmodule Wiki.Migrations.CreatePages do
  use Ecto.Migration

  def change do
    create table(:pages) do
      add :slug, :string, null: false
      add :title, :string, null: false
      add :body, :text
      timestamps()
    end

    create unique_index(:pages, [:slug])

    create table(:audit_entries) do
      add :action, :string, null: false
      add :table, :string, null: false
      add :record_id, :integer, null: false
      add :actor, :string, null: false
      add :changes, :map, null: false, default: %{}
      timestamps(updated_at: false)
    end

    create index(:audit_entries, [:table, :record_id])
  end
end

Ecto.Migrator.up(Repo, 1, Wiki.Migrations.CreatePages)
# %% The audited operations
# Each function builds a Multi: the change itself, then an entry that reads
# the saved record from the previous step. Both commit or neither does.
defmodule Wiki.Audited do
  alias Ecto.Multi
  alias Wiki.AuditEntry

  def insert(changeset, actor), do: run(:insert, changeset, actor)
  def update(changeset, actor), do: run(:update, changeset, actor)
  def delete(changeset, actor), do: run(:delete, changeset, actor)

  defp run(action, changeset, actor) do
    Multi.new()
    |> apply_action(action, changeset)
    |> Multi.insert(:audit, fn %{record: record} ->
      %AuditEntry{
        action: action,
        table: record.__meta__.source,
        record_id: record.id,
        actor: actor,
        changes: changeset.changes
      }
    end)
    |> Repo.transaction()
    |> case do
      {:ok, %{record: record}} -> {:ok, record}
      {:error, _step, reason, _changes} -> {:error, reason}
    end
  end

  defp apply_action(multi, :insert, changeset), do: Multi.insert(multi, :record, changeset)
  defp apply_action(multi, :update, changeset), do: Multi.update(multi, :record, changeset)
  defp apply_action(multi, :delete, changeset), do: Multi.delete(multi, :record, changeset)
end
# %% Creating and editing a page
alias Wiki.{Page, AuditEntry, Audited}

{:ok, page} = %Page{} |> Page.changeset(%{slug: "ecto", title: "Ecto", body: "A toolkit"}) |> Audited.insert("ada")
{:ok, page} = page |> Page.changeset(%{body: "A toolkit for data mapping"}) |> Audited.update("grace")
{:ok, page} = page |> Page.changeset(%{title: "Ecto 3", body: "A toolkit for data mapping and queries"}) |> Audited.update("ada")

page.title
# %% A rejected change leaves no trace
# The unique index fails the first step; the audit entry is never written.
{:error, changeset} = %Page{} |> Page.changeset(%{slug: "ecto", title: "Duplicate"}) |> Audited.insert("mallory")
changeset.errors
# %% The trail of one page
# The changes column comes back as a map with string keys: it went through JSON.
Repo.all(
  from a in AuditEntry,
    where: a.table == "pages" and a.record_id == ^page.id,
    order_by: a.id,
    select: {a.action, a.actor, a.changes}
)
# %% Who changed what
Repo.all(
  from a in AuditEntry,
    group_by: a.actor,
    order_by: a.actor,
    select: {a.actor, count(a.id)}
)
# %% Deleting is audited too
{:ok, _} = page |> Ecto.Changeset.change() |> Audited.delete("grace")
{Repo.aggregate(Page, :count), Repo.aggregate(AuditEntry, :count)}
