defmodule Blog.User do
  use Ecto.Schema
  schema "users" do
    field :name, :string
    field :email, :string
    field :age, :integer
    field :settings, :map
    has_many :posts, Blog.Post, foreign_key: :author_id
    has_many :comments, Blog.Comment
  end
end
defmodule Blog.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :body, :string
    field :views, :integer
    field :rating, :float
    field :published, :boolean
    field :published_on, :date
    field :meta, :map
    belongs_to :author, Blog.User
    belongs_to :category, Blog.Category
    has_many :comments, Blog.Comment
    many_to_many :tags, Blog.Tag, join_through: "posts_tags"
  end
end
defmodule Blog.Comment do
  use Ecto.Schema
  schema "comments" do
    field :content, :string, source: :body
    field :approved, :boolean
    belongs_to :post, Blog.Post
    belongs_to :user, Blog.User
  end
end
defmodule Blog.Tag do
  use Ecto.Schema
  schema "tags" do
    field :name, :string
    many_to_many :posts, Blog.Post, join_through: "posts_tags"
  end
end
defmodule Blog.Category do
  use Ecto.Schema
  schema "categories" do
    field :name, :string
    belongs_to :parent, Blog.Category
  end
end
