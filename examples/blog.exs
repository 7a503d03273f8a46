# title: Blog: associations and preloads
# description: Authors, posts, comments and tags wired with belongs_to, has_many and many_to_many, loaded with preload in separate queries or through a join.
# %% Schemas
defmodule Blog.Author do
  use Ecto.Schema

  schema "authors" do
    field :name, :string
    has_many :posts, Blog.Post
    timestamps()
  end
end

defmodule Blog.Post do
  use Ecto.Schema

  schema "posts" do
    field :title, :string
    field :body, :string
    belongs_to :author, Blog.Author
    has_many :comments, Blog.Comment
    many_to_many :tags, Blog.Tag, join_through: "posts_tags"
    timestamps()
  end
end

defmodule Blog.Comment do
  use Ecto.Schema

  schema "comments" do
    field :body, :string
    belongs_to :post, Blog.Post
    timestamps()
  end
end

defmodule Blog.Tag do
  use Ecto.Schema

  schema "tags" do
    field :name, :string
    many_to_many :posts, Blog.Post, join_through: "posts_tags"
  end
end
# %% Migration
defmodule Blog.Migrations.CreateBlog do
  use Ecto.Migration

  def change do
    create table(:authors) do
      add :name, :string, null: false
      timestamps()
    end

    create table(:posts) do
      add :title, :string, null: false
      add :body, :text
      add :author_id, references(:authors, on_delete: :delete_all), null: false
      timestamps()
    end

    create index(:posts, [:author_id])

    create table(:comments) do
      add :body, :text, null: false
      add :post_id, references(:posts, on_delete: :delete_all), null: false
      timestamps()
    end

    create index(:comments, [:post_id])

    create table(:tags) do
      add :name, :string, null: false
    end

    create unique_index(:tags, [:name])

    create table(:posts_tags, primary_key: false) do
      add :post_id, references(:posts, on_delete: :delete_all), null: false
      add :tag_id, references(:tags, on_delete: :delete_all), null: false
    end

    create unique_index(:posts_tags, [:post_id, :tag_id])
    create index(:posts_tags, [:tag_id])
  end
end

Ecto.Migrator.up(Repo, 1, Blog.Migrations.CreateBlog)
# %% Seed data
alias Blog.{Author, Post, Comment, Tag}

elixir = Repo.insert!(%Tag{name: "elixir"})
ecto = Repo.insert!(%Tag{name: "ecto"})
sql = Repo.insert!(%Tag{name: "sql"})

ada = Repo.insert!(%Author{name: "Ada"})
grace = Repo.insert!(%Author{name: "Grace"})

# Children in a has_many are inserted along with their parent, in the
# same transaction; put_assoc links existing tags through posts_tags.
%Post{
  author_id: ada.id,
  title: "Preloading without N+1",
  comments: [%Comment{body: "Finally clicked for me"}, %Comment{body: "What about joins?"}]
}
|> change()
|> put_assoc(:tags, [elixir, ecto])
|> Repo.insert!()

%Post{author_id: ada.id, title: "Changesets are data"}
|> change()
|> put_assoc(:tags, [ecto])
|> Repo.insert!()

%Post{author_id: grace.id, title: "Indexes you forgot", comments: [%Comment{body: "Saved my weekend"}]}
|> change()
|> put_assoc(:tags, [sql])
|> Repo.insert!()

Repo.aggregate(Post, :count)
# %% Associations are not loaded by default
post = Repo.get_by!(Post, title: "Changesets are data")
post.author
# %% Preload: one query per association
# The posts come first; then one query each for authors, comments and tags,
# whatever the number of posts.
Post
|> order_by(:id)
|> Repo.all()
|> Repo.preload([:author, :comments, :tags])
|> Enum.map(fn p -> %{title: p.title, author: p.author.name, comments: length(p.comments), tags: Enum.map(p.tags, & &1.name)} end)
# %% Nested preloads with a custom query
# Preload queries can be ordered and filtered like any other query.
newest_first = from c in Comment, order_by: [desc: c.id]

Repo.all(from a in Author, order_by: a.name, preload: [posts: [comments: ^newest_first]])
|> Enum.map(fn a -> {a.name, Enum.map(a.posts, &{&1.title, Enum.map(&1.comments, fn c -> c.body end)})} end)
# %% Join and preload in one query
# With a join, preload: [author: a] fills the association from the joined
# rows instead of running another query.
Repo.all(
  from p in Post,
    join: a in assoc(p, :author),
    where: a.name == "Ada",
    order_by: p.id,
    preload: [author: a]
)
|> Enum.map(&{&1.title, &1.author.name})
# %% Counting through an association
Repo.all(
  from t in Tag,
    left_join: p in assoc(t, :posts),
    group_by: t.id,
    order_by: [desc: count(p.id), asc: t.name],
    select: {t.name, count(p.id)}
)
