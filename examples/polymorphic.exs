# title: Polymorphic associations
# description: Todo items that belong to lists or to projects, kept with real foreign keys: one join table per parent with many_to_many, and notes in one table per parent with an abstract schema.
# %% Schemas
# Todo items can hang off lists and projects. Instead of a parent_type /
# parent_id pair (which no foreign key can check), each parent has its
# own join table, and many_to_many manages it.
defmodule Todo.TodoItem do
  use Ecto.Schema
  import Ecto.Changeset

  schema "todo_items" do
    field :description, :string
    field :done, :boolean, default: false
    timestamps()
  end

  def changeset(item, params \\ %{}) do
    item
    |> cast(params, [:description, :done])
    |> validate_required([:description])
  end
end

defmodule Todo.TodoList do
  use Ecto.Schema
  import Ecto.Changeset

  schema "todo_lists" do
    field :title, :string
    many_to_many :todo_items, Todo.TodoItem, join_through: "todo_list_items"
    has_many :notes, {"todo_list_notes", Todo.Note}, foreign_key: :assoc_id
    timestamps()
  end

  def changeset(list, params \\ %{}) do
    list
    |> cast(params, [:title])
    |> cast_assoc(:todo_items, required: true)
  end
end

defmodule Todo.Project do
  use Ecto.Schema
  import Ecto.Changeset

  schema "projects" do
    field :name, :string
    many_to_many :todo_items, Todo.TodoItem, join_through: "project_items"
    has_many :notes, {"project_notes", Todo.Note}, foreign_key: :assoc_id
    timestamps()
  end

  def changeset(project, params \\ %{}) do
    project
    |> cast(params, [:name])
    |> cast_assoc(:todo_items, required: true)
  end
end

# Notes use the other technique: one schema, one table per parent. The
# schema's own table never exists; each association names its table.
defmodule Todo.Note do
  use Ecto.Schema

  schema "abstract table: notes" do
    field :body, :string
    field :assoc_id, :integer
    timestamps()
  end
end
# %% Migration
defmodule Todo.Migrations.CreateTodos do
  use Ecto.Migration

  def change do
    create table(:todo_lists) do
      add :title, :string
      timestamps()
    end

    create table(:projects) do
      add :name, :string
      timestamps()
    end

    create table(:todo_items) do
      add :description, :string
      add :done, :boolean, default: false, null: false
      timestamps()
    end

    # Join tables without schemas need no primary key or timestamps.
    create table(:todo_list_items, primary_key: false) do
      add :todo_item_id, references(:todo_items, on_delete: :delete_all)
      add :todo_list_id, references(:todo_lists, on_delete: :delete_all)
    end

    create table(:project_items, primary_key: false) do
      add :todo_item_id, references(:todo_items, on_delete: :delete_all)
      add :project_id, references(:projects, on_delete: :delete_all)
    end

    # One notes table per parent, each with a real foreign key.
    create table(:todo_list_notes) do
      add :body, :text, null: false
      add :assoc_id, references(:todo_lists, on_delete: :delete_all), null: false
      timestamps()
    end

    create table(:project_notes) do
      add :body, :text, null: false
      add :assoc_id, references(:projects, on_delete: :delete_all), null: false
      timestamps()
    end
  end
end

Ecto.Migrator.up(Repo, 1, Todo.Migrations.CreateTodos)
# %% Nested params, the shape a form sends
# cast_assoc inserts the items and the rows of the right join table.
alias Todo.{TodoItem, TodoList, Project, Note}

{:ok, groceries} =
  %TodoList{}
  |> TodoList.changeset(%{
    "title" => "Groceries",
    "todo_items" => [%{"description" => "bread"}, %{"description" => "eggs"}]
  })
  |> Repo.insert()

{:ok, launch} =
  %Project{}
  |> Project.changeset(%{
    "name" => "Launch",
    "todo_items" => [
      %{"description" => "write the announcement"},
      %{"description" => "book the venue", "done" => "true"}
    ]
  })
  |> Repo.insert()

{Enum.map(groceries.todo_items, & &1.description), Enum.map(launch.todo_items, & &1.description)}
# %% Every item is a plain todo item
# One table for all items, whoever owns them.
Repo.all(from i in TodoItem, order_by: i.id, select: {i.id, i.description, i.done})
# %% Owners are reached through their own join table
Repo.all(
  from p in Project,
    join: i in assoc(p, :todo_items),
    where: not i.done,
    select: {p.name, i.description}
)
# %% Notes go to the table of their parent
# build_assoc sets assoc_id and points the struct at "todo_list_notes";
# inserting a bare %Note{} would use the abstract table and fail.
Repo.insert!(Ecto.build_assoc(groceries, :notes, body: "Check the fridge first"))
Repo.insert!(Ecto.build_assoc(launch, :notes, body: "Budget approved"))
Repo.insert!(Ecto.build_assoc(launch, :notes, body: "Venue shortlist in the shared drive"))

launch = Repo.preload(launch, :notes)
Enum.map(launch.notes, &{&1.__meta__.source, &1.body})
# %% Querying one concrete table
Repo.all(from n in {"project_notes", Note}, order_by: n.id, select: n.body)
# %% Counting across parents
# A union over the concrete tables gives the polymorphic view when needed.
list_notes = from n in {"todo_list_notes", Note}, select: %{kind: "list", body: n.body}
project_notes = from n in {"project_notes", Note}, select: %{kind: "project", body: n.body}

Repo.all(
  from n in subquery(union_all(list_notes, ^project_notes)),
    group_by: n.kind,
    order_by: n.kind,
    select: {n.kind, count()}
)
