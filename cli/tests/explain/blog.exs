defmodule Blog.Migrations.Create do
  use Ecto.Migration
  def change do
    create table(:authors) do
      add :name, :string
      add :email, :string
    end
    create table(:posts) do
      add :title, :string
      add :views, :integer
      add :published, :boolean, default: false
      add :deleted_at, :naive_datetime
      add :author_id, references(:authors)
      timestamps()
    end
    create table(:comments) do
      add :body, :string
      add :post_id, references(:posts)
      timestamps()
    end
    create index(:comments, [:body])
  end
end

defmodule Blog.Author do
  use Ecto.Schema
  schema "authors" do
    field :name, :string
    field :email, :string
    has_many :posts, Blog.Post
  end
  def changeset(a, attrs), do: a |> Ecto.Changeset.cast(attrs, [:name, :email]) |> Ecto.Changeset.unique_constraint(:email)
end

defmodule Blog.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :views, :integer
    field :published, :boolean
    field :deleted_at, :naive_datetime
    belongs_to :author, Blog.Author
    has_many :comments, Blog.Comment
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

setup_migrations = [Blog.Migrations.Create]

runs = [
  fill: fn repo ->
    now = ~N[2024-01-01 00:00:00]
    repo.insert_all(Blog.Author, Enum.map(1..200, fn i -> %{name: "a#{i}", email: "a#{i}@x"} end))
    for chunk <- Enum.chunk_every(1..2000, 500) do
      repo.insert_all(Blog.Post, Enum.map(chunk, fn i -> %{title: "t#{i}", views: i, author_id: rem(i, 200) + 1, inserted_at: now, updated_at: now} end))
    end
    for chunk <- Enum.chunk_every(1..5000, 500) do
      repo.insert_all(Blog.Comment, Enum.map(chunk, fn i -> %{body: "b#{i}", post_id: rem(i, 2000) + 1, inserted_at: now, updated_at: now} end))
    end
    :ok
  end
]

queries = [
  by_author: from(p in Blog.Post, where: p.author_id == ^3),
  join_filter: from(p in Blog.Post, join: c in assoc(p, :comments), where: p.views > 10 and c.body == "x", select: {p.title, c.body}),
  pk: from(p in Blog.Post, where: p.id == ^3),
  like: from(p in Blog.Post, where: like(p.title, "%x")),
  lower: from(p in Blog.Post, where: fragment("lower(?)", p.title) == ^"x"),
  comp: from(c in Blog.Comment, where: c.post_id == ^1, order_by: c.inserted_at),
  partial: from(p in Blog.Post, where: p.author_id == ^1 and is_nil(p.deleted_at)),
  email: from(a in Blog.Author, where: a.email == ^"x"),
  top: from(p in Blog.Post, order_by: [desc: p.views], limit: 10),
  orq: from(p in Blog.Post, where: p.title == ^"a" or p.views == ^3),
  sub: from(p in Blog.Post, where: p.id in subquery(from c in Blog.Comment, where: c.body == "x", select: c.post_id))
]
