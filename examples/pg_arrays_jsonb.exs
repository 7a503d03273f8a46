# title: PostgreSQL: arrays and jsonb
# description: Tags in a text array and settings in a jsonb column, queried with in, array functions, JSON paths and containment. Opens on PostgreSQL.
# database: postgres
# %% Schemas
defmodule Blog.Post do
  use Ecto.Schema

  schema "posts" do
    field :title, :string
    field :tags, {:array, :string}, default: []
    field :settings, :map, default: %{}
    timestamps()
  end
end
# %% Migration
defmodule Blog.Migrations.CreatePosts do
  use Ecto.Migration

  def change do
    create table(:posts) do
      add :title, :string, null: false
      add :tags, {:array, :string}, null: false, default: []
      add :settings, :map, null: false, default: %{}
      timestamps()
    end

    # GIN indexes answer containment and overlap (@>, &&) on arrays and jsonb.
    create index(:posts, [:tags], using: "GIN")
    create index(:posts, [:settings], using: "GIN")
  end
end

Ecto.Migrator.up(Repo, 1, Blog.Migrations.CreatePosts)
# %% Some posts
alias Blog.Post

for {title, tags, settings} <- [
      {"Ecto on PostgreSQL", ["elixir", "ecto", "postgres"], %{"theme" => "dark", "comments" => true}},
      {"Arrays are values", ["postgres"], %{"theme" => "light", "comments" => false}},
      {"Changesets explained", ["elixir", "ecto"], %{"theme" => "dark", "layout" => %{"width" => "wide"}}},
      {"Draft without tags", [], %{}}
    ] do
  Repo.insert!(%Post{title: title, tags: tags, settings: settings})
end

Repo.aggregate(Post, :count)
# %% A tag is in the array
# `^tag in p.tags` is `$1 = ANY(tags)`: the array is a value, not a join table.
tag = "ecto"
Repo.all(from p in Post, where: ^tag in p.tags, order_by: p.id, select: {p.title, p.tags})
# %% Array functions through fragments
# array_length/2 counts along a dimension; an empty array has no length (nil).
Repo.all(
  from p in Post,
    order_by: p.id,
    select: {p.title, fragment("array_length(?, 1)", p.tags), fragment("cardinality(?)", p.tags)}
)
# %% Overlap: any of several tags
# A list parameter travels as one PostgreSQL array.
wanted = ["postgres", "rust"]
Repo.all(from p in Post, where: fragment("? && ?", p.tags, ^wanted), order_by: p.id, select: p.title)
# %% Adding a tag in place
# update_all's push: is array_append, pull: is array_remove.
{updated, _} = Repo.update_all(from(p in Post, where: p.title == "Arrays are values"), push: [tags: "featured"])
{updated, Repo.get_by!(Post, title: "Arrays are values").tags}
# %% Reading a jsonb key
# json_extract_path/2 and p.settings["theme"] are the same #> path; keys that
# are missing read as nil.
Repo.all(
  from p in Post,
    order_by: p.id,
    select: {p.title, json_extract_path(p.settings, ["theme"]), p.settings["layout"]["width"]}
)
# %% Filtering by a jsonb key
# The pinned value is sent as jsonb, so "dark" is compared as a JSON string.
theme = "dark"
Repo.all(from p in Post, where: p.settings["theme"] == ^theme, order_by: p.id, select: p.title)
# %% Containment with @>
# Does the document contain this one? The GIN index on settings can answer it.
Repo.all(from p in Post, where: fragment("? @> ?", p.settings, ^%{"comments" => true}), select: p.title)
