// The cells of the page's Repo workload (scripts/repo-workload.mjs on
// SQLite, scripts/repo-workload-pg.mjs on PostgreSQL): the schemas with
// their tables (each database's DDL), N authors and N posts inserted with
// insert_all in one transaction, and Repo.all of the authors with their
// posts preloaded.
export const N = 10_000;

const SCHEMAS = `defmodule Author do
  use Ecto.Schema
  schema "authors" do
    field :name, :string
    has_many :posts, Post
  end
end

defmodule Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    belongs_to :author, Author
  end
end`;

/** The schemas, then each DDL statement as a `Repo.query!`. */
export const setup = (ddl) => [SCHEMAS, '', ...ddl.map((sql) => `Repo.query!(${JSON.stringify(sql)})`)].join('\n');

export const INSERTS = `Repo.transaction(fn ->
  Repo.insert_all(Author, Enum.map(1..${N}, &%{id: &1, name: "author #{&1}"}))
  Repo.insert_all(Post, Enum.map(1..${N}, &%{title: "post #{&1}", author_id: &1}))
end)`;

export const PRELOAD = `authors = Repo.all(from a in Author, preload: :posts)
length(authors)`;
