defmodule Store.Migration do
  use Ecto.Migration

  def change do
    create table(:users) do
      add :name, :string, null: false
      add :email, :string, null: false
      add :age, :integer
      add :lock_version, :integer, default: 1, null: false
      timestamps()
    end

    create unique_index(:users, [:email])

    create table(:tags) do
      add :name, :string, null: false
    end

    create unique_index(:tags, [:name])

    create table(:posts) do
      add :title, :string, null: false
      add :views, :integer, default: 0, null: false
      add :published, :boolean, default: false, null: false
      add :deleted_at, :naive_datetime
      add :author_id, references(:users, on_delete: :delete_all)
      timestamps()
    end

    create table(:posts_tags, primary_key: false) do
      add :post_id, references(:posts, on_delete: :delete_all), null: false
      add :tag_id, references(:tags, on_delete: :delete_all), null: false
    end

    create unique_index(:posts_tags, [:post_id, :tag_id])

    create table(:comments) do
      add :body, :text, null: false
      add :post_id, references(:posts, on_delete: :delete_all), null: false
      add :inserted_at, :utc_datetime, null: false
    end

    create table(:products) do
      add :sku, :string, null: false
      add :name, :string, null: false
      add :price, :decimal, precision: 10, scale: 2, null: false
      add :stock, :integer, default: 0, null: false, check: %{name: "stock_non_negative", expr: "stock >= 0"}
      timestamps()
    end

    create unique_index(:products, [:sku])

    create table(:orders) do
      add :status, :string, null: false, default: "open"
      add :total, :decimal, precision: 10, scale: 2
      add :user_id, references(:users, on_delete: :restrict), null: false
      timestamps()
    end

    create table(:line_items) do
      add :quantity, :integer, null: false
      add :unit_price, :decimal, precision: 10, scale: 2
      add :order_id, references(:orders, on_delete: :delete_all), null: false
      add :product_id, references(:products), null: false
    end
  end
end
