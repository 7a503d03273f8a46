# title: PostgreSQL: full-text search
# description: to_tsvector and plainto_tsquery in fragments, ranked results with highlights, and the GIN expression index that serves them. Opens on PostgreSQL.
# database: postgres
# %% Schemas
defmodule Docs.Article do
  use Ecto.Schema

  schema "articles" do
    field :title, :string
    field :body, :string
    timestamps()
  end
end
# %% Migration
# The index is on the same expression the queries search, so PostgreSQL can
# use it instead of reading every article.
defmodule Docs.Migrations.CreateArticles do
  use Ecto.Migration

  def change do
    create table(:articles) do
      add :title, :string, null: false
      add :body, :text, null: false
      timestamps()
    end

    create index(:articles, ["to_tsvector('english', title || ' ' || body)"],
             using: "GIN",
             name: :articles_search_index
           )
  end
end

Ecto.Migrator.up(Repo, 1, Docs.Migrations.CreateArticles)
# %% Articles
alias Docs.Article

for {title, body} <- [
      {"Running migrations", "Migrations change the database schema. Run them with mix ecto.migrate."},
      {"Writing queries", "Queries are composed from keyword lists or pipes and run by the repository."},
      {"Preloading associations", "Preloads load associated rows in a separate query or through a join."},
      {"Search in PostgreSQL", "Full-text search ranks documents by how well they match a query."}
    ] do
  Repo.insert!(%Article{title: title, body: body})
end

Repo.aggregate(Article, :count)
# %% A document as PostgreSQL sees it
# to_tsvector stems words and drops stop words: "running" is stored as "run".
Repo.one(
  from a in Article,
    where: a.title == "Running migrations",
    select: fragment("to_tsvector('english', ? || ' ' || ?)::text", a.title, a.body)
)
# %% Searching
# plainto_tsquery turns what a user typed into a query: "run the migration"
# matches "Running migrations" although no word is spelled the same.
search = "run the migration"

Repo.all(
  from a in Article,
    where: fragment("to_tsvector('english', ? || ' ' || ?) @@ plainto_tsquery('english', ?)", a.title, a.body, ^search),
    select: a.title
)
# %% Ranked, with highlights
# ts_rank orders the matches, ts_headline marks the words that matched.
search = "query"

Repo.all(
  from a in Article,
    where: fragment("to_tsvector('english', ? || ' ' || ?) @@ plainto_tsquery('english', ?)", a.title, a.body, ^search),
    order_by: [
      desc: fragment("ts_rank(to_tsvector('english', ? || ' ' || ?), plainto_tsquery('english', ?))", a.title, a.body, ^search),
      asc: a.id
    ],
    select: {a.title, fragment("ts_headline('english', ?, plainto_tsquery('english', ?))", a.body, ^search)}
)
# %% A reusable search
# The same fragment, kept in one function and composed into other queries.
defmodule Docs.Search do
  import Ecto.Query

  def matching(query, text) do
    from a in query,
      where: fragment("to_tsvector('english', ? || ' ' || ?) @@ plainto_tsquery('english', ?)", a.title, a.body, ^text)
  end
end

Article
|> Docs.Search.matching("associated rows")
|> select([a], a.title)
|> Repo.all()
