# title: Multi-tenancy with foreign keys
# description: Every row carries its organization's org_id; a Repo callback scopes every query to one tenant, and composite foreign keys stop rows from pointing across tenants.
# %% A Repo that scopes every query
# prepare_query/3 runs before every query the Repo sends (not inserts).
# Queries must say which organization they are for, or opt out explicitly.
defmodule MyApp.Repo do
  use Ecto.Repo, otp_app: :my_app, adapter: Ecto.Adapters.SQLite3

  require Ecto.Query

  @impl true
  def prepare_query(_operation, query, opts) do
    cond do
      opts[:skip_org_id] || opts[:ecto_query] in [:schema_migration, :preload] ->
        {query, opts}

      org_id = opts[:org_id] ->
        {Ecto.Query.where(query, org_id: ^org_id), opts}

      true ->
        raise "expected org_id or skip_org_id to be set"
    end
  end
end
# %% Schemas
defmodule MyApp.Organization do
  use Ecto.Schema

  @primary_key {:org_id, :id, autogenerate: true}
  schema "orgs" do
    field :name, :string
    timestamps()
  end
end

defmodule MyApp.Post do
  use Ecto.Schema

  schema "posts" do
    field :title, :string
    field :org_id, :integer
    has_many :comments, MyApp.Comment
    timestamps()
  end
end

defmodule MyApp.Comment do
  use Ecto.Schema

  schema "comments" do
    field :body, :string
    field :org_id, :integer
    belongs_to :post, MyApp.Post
    timestamps()
  end
end
# %% Migration
# A comment's (post_id, org_id) must match a post's (id, org_id): a comment
# can only point at a post of its own organization.
defmodule MyApp.Migrations.CreateTenantTables do
  use Ecto.Migration

  def change do
    create table(:orgs, primary_key: false) do
      add :org_id, :bigserial, primary_key: true
      add :name, :string, null: false
      timestamps()
    end

    create table(:posts) do
      add :title, :string, null: false
      add :org_id, references(:orgs, column: :org_id), null: false
      timestamps()
    end

    create unique_index(:posts, [:id, :org_id])

    create table(:comments) do
      add :body, :string, null: false
      add :org_id, :integer, null: false
      add :post_id, references(:posts, with: [org_id: :org_id]), null: false
      timestamps()
    end
  end
end

Ecto.Migrator.up(MyApp.Repo, 1, MyApp.Migrations.CreateTenantTables)
# %% Two tenants
alias MyApp.{Repo, Organization, Post, Comment}

acme = Repo.insert!(%Organization{name: "Acme"})
globex = Repo.insert!(%Organization{name: "Globex"})

acme_post = Repo.insert!(%Post{title: "Acme roadmap", org_id: acme.org_id})
Repo.insert!(%Post{title: "Acme hiring", org_id: acme.org_id})
globex_post = Repo.insert!(%Post{title: "Globex secrets", org_id: globex.org_id})

Repo.insert!(%Comment{body: "Ship it", org_id: acme.org_id, post_id: acme_post.id})
Repo.insert!(%Comment{body: "Classified", org_id: globex.org_id, post_id: globex_post.id})

{acme.org_id, globex.org_id}
# %% Reading as one tenant
# The same query, scoped by the Repo: only Acme's posts come back.
Repo.all(from(p in Post, order_by: p.id, select: p.title), org_id: acme.org_id)
# %% Forgetting the tenant is an error, not a leak
try do
  Repo.all(Post)
rescue
  e in RuntimeError -> e.message
end
# %% Opting out, on purpose
Repo.aggregate(Post, :count, skip_org_id: true)
# %% Scoped reads work with get and preload
# Preload queries come from Ecto itself (ecto_query: :preload), so the
# callback lets them through: the post was already scoped.
post = Repo.get!(Post, acme_post.id, org_id: acme.org_id) |> Repo.preload(:comments)
{post.title, Enum.map(post.comments, & &1.body)}
# %% Another tenant's row is simply not there
Repo.get(Post, globex_post.id, org_id: acme.org_id)
# %% The database refuses cross-tenant references
# An Acme comment on a Globex post breaks the composite foreign key.
# SQLite does not name the failed foreign key, so Ecto raises.
try do
  Repo.insert!(%Comment{body: "Sneaky", org_id: acme.org_id, post_id: globex_post.id})
rescue
  e in Ecto.ConstraintError -> {:rejected, e.type}
end
# %% Nothing leaked
Repo.all(from(c in Comment, order_by: c.id, select: {c.org_id, c.body}), skip_org_id: true)
