defmodule Er.Tag do
  use Ecto.Schema
  embedded_schema do
    field :name, :string
  end
end
defmodule Er.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :views, :integer
    embeds_many :tags, Er.Tag
    has_many :comments, Er.Comment
    belongs_to :author, Er.Author
  end
end
defmodule Er.Comment do
  use Ecto.Schema
  schema "comments" do
    field :body, :string
    belongs_to :post, Er.Post
  end
end
defmodule Er.Author do
  use Ecto.Schema
  schema "authors" do
    field :name, :string
  end
end
alias Er.{Post, Tag, Comment}
changesets = [
  error_validate_required_unknown: fn -> change(%Post{}) |> validate_required([:nope]) end,
  error_validate_required_has_many: fn -> change(%Post{}) |> validate_required([:comments]) end,
  error_cast_embed_on_assoc: fn -> cast(%Post{}, %{}, []) |> cast_embed(:comments) end,
  error_cast_assoc_on_embed: fn -> cast(%Post{}, %{}, []) |> cast_assoc(:tags) end,
  error_put_assoc_on_field: fn -> change(%Post{}) |> put_assoc(:title, "x") end,
  error_cast_non_struct: fn -> cast(%{}, %{"a" => 1}, [:a]) end,
  error_change_non_struct: fn -> change(5) end,
  error_validate_length_on_integer: fn -> change(%Post{}, views: 5) |> validate_length(:views, min: 1) end,
  error_cast_embed_not_loaded_assoc: fn -> cast(%Post{} |> Ecto.put_meta(state: :loaded), %{"comments" => [%{"body" => "x"}]}, []) |> cast_assoc(:comments) end,
  error_put_embed_wrong_struct: fn -> change(%Post{}) |> put_embed(:tags, [%Comment{}]) end,
  error_cast_assoc_belongs_to_invalid: cast(%Post{}, %{"author" => "bob"}, []) |> cast_assoc(:author),
  error_validate_inclusion_nil_list: fn -> change(%Post{}, title: "x") |> validate_inclusion(:title, nil) end,
  error_apply_action_bang_valid: change(%Post{}, title: "ok") |> apply_action!(:insert) |> Map.get(:title),
  error_traverse_non_changeset: fn -> traverse_errors(%Post{}, & &1) end,
  error_optimistic_lock_unknown: fn -> change(%Post{}) |> optimistic_lock(:nope) end,
  error_unique_constraint_unknown_field_ok: change(%Post{}) |> unique_constraint(:nope) |> Map.get(:constraints) |> length(),
]
