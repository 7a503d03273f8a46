defmodule Lib.Author do
  use Ecto.Schema
  @primary_key {:code, :string, autogenerate: false}
  schema "authors" do
    field :full_name, :string, source: :name
    field :born, :integer
    has_many :books, Lib.Book, foreign_key: :author_code, references: :code
    timestamps(inserted_at: :created_at, updated_at: false)
  end
end

defmodule Lib.Book do
  use Ecto.Schema
  @primary_key {:id, :binary_id, autogenerate: true}
  @foreign_key_type :string
  @timestamps_opts [type: :naive_datetime_usec]
  schema "books" do
    field :title, :string
    field :pages, :integer
    field :rating, :float, default: 0.0
    field :isbn, :string
    field :flags, {:array, :integer}, default: []
    belongs_to :author, Lib.Author, foreign_key: :author_code, references: :code, type: :string
    has_many :loans, Lib.Loan
    timestamps()
  end
  def changeset(b, attrs) do
    b |> cast(attrs, [:title, :pages, :rating, :isbn, :author_code, :flags]) |> validate_required([:title]) |> unique_constraint(:isbn) |> check_constraint(:pages, name: :pages_positive)
  end
end

defmodule Lib.Loan do
  use Ecto.Schema
  @foreign_key_type :binary_id
  schema "loans" do
    field :member, :string
    field :due_on, :date
    field :returned, :boolean, default: false
    belongs_to :book, Lib.Book
  end
end

defmodule Lib.Shelf do
  use Ecto.Schema
  @primary_key false
  schema "shelves" do
    field :room, :string, primary_key: true
    field :slot, :integer, primary_key: true
    field :label, :string
  end
end

defmodule Lib.Migration do
  use Ecto.Migration
  def change do
    create table(:authors, primary_key: false) do
      add :code, :string, primary_key: true
      add :name, :string
      add :born, :integer
      add :created_at, :naive_datetime
    end
    create table(:books, primary_key: false) do
      add :id, :binary_id, primary_key: true
      add :title, :string, null: false
      add :pages, :integer, check: %{name: "pages_positive", expr: "pages > 0"}
      add :rating, :float
      add :isbn, :string
      add :flags, {:array, :integer}
      add :author_code, references(:authors, column: :code, type: :string)
      timestamps(type: :naive_datetime_usec)
    end
    create unique_index(:books, [:isbn])
    create table(:loans) do
      add :member, :string
      add :due_on, :date
      add :returned, :boolean, default: false
      add :book_id, references(:books, type: :binary_id, on_delete: :delete_all)
    end
    create table(:shelves, primary_key: false) do
      add :room, :string, primary_key: true
      add :slot, :integer, primary_key: true
      add :label, :string
    end
  end
end

alias Lib.{Author, Book, Loan, Shelf}
setup_migrations = [Lib.Migration]

runs = [
  string_pk_and_source: fn repo ->
    a = repo.insert!(%Author{code: "TOLK", full_name: "J.R.R. Tolkien", born: 1892})
    {a.code, a.full_name, is_struct(a.created_at, NaiveDateTime), Map.has_key?(a, :updated_at)}
  end,
  string_pk_missing_raises: fn repo -> repo.insert(%Author{full_name: "Anon"}) end,
  binary_id_with_string_fk: fn repo ->
    {:ok, b} = Book.changeset(%Book{}, %{title: "The Hobbit", pages: "310", rating: "4.5", isbn: "978-0", author_code: "TOLK", flags: [1, 2]}) |> repo.insert()
    {String.length(b.id), b.author_code, b.flags, b.inserted_at.microsecond |> elem(1)}
  end,
  get_by_binary_id_and_preload_belongs_to: fn repo ->
    [b] = repo.all(Book)
    b2 = repo.get!(Book, b.id) |> repo.preload(:author)
    {b2.title, b2.author.full_name, b2.rating}
  end,
  has_many_with_references: fn repo ->
    a = repo.get!(Author, "TOLK") |> repo.preload(:books)
    Enum.map(a.books, & &1.title)
  end,
  loans_binary_fk: fn repo ->
    [b] = repo.all(Book)
    {:ok, l} = repo.insert(%Loan{member: "M1", due_on: ~D[2024-05-01], book_id: b.id})
    l = repo.preload(l, :book)
    {l.returned, l.book.title, repo.aggregate(from(l in Loan, where: l.book_id == ^b.id), :count)}
  end,
  composite_pk_insert_get: fn repo ->
    repo.insert!(%Shelf{room: "A", slot: 1, label: "Fantasy"})
    repo.insert!(%Shelf{room: "A", slot: 2, label: "SciFi"})
    {repo.get_by!(Shelf, room: "A", slot: 2).label, repo.aggregate(Shelf, :count)}
  end,
  composite_pk_update_delete: fn repo ->
    s = repo.get_by!(Shelf, room: "A", slot: 1)
    {:ok, s} = s |> change(label: "Myth") |> repo.update()
    {:ok, _} = repo.delete(s)
    repo.all(from s in Shelf, select: {s.room, s.slot, s.label})
  end,
  composite_pk_get_raises: fn repo -> repo.get(Shelf, "A") end,
  upsert_replace_all_except: fn repo ->
    {:ok, a} = repo.insert(%Author{code: "TOLK", full_name: "Tolkien", born: 1900}, on_conflict: {:replace_all_except, [:code, :created_at]}, conflict_target: :code)
    {a.full_name, repo.get!(Author, "TOLK").born}
  end,
  upsert_replace_all_conflict: fn repo ->
    repo.insert(%Author{code: "LEGU", full_name: "Le Guin", born: 1929}, on_conflict: :replace_all, conflict_target: [:code])
    |> then(fn {:ok, a} -> a.code end)
  end,
  check_constraint_books: fn repo ->
    Book.changeset(%Book{}, %{title: "Zero", pages: 0}) |> repo.insert() |> then(fn {:error, cs} -> cs.errors end)
  end,
  unique_isbn: fn repo ->
    Book.changeset(%Book{}, %{title: "Dup", isbn: "978-0"}) |> repo.insert() |> then(fn {:error, cs} -> {cs.errors, cs.changes} end)
  end,
  update_force_and_returning: fn repo ->
    [b] = repo.all(from b in Book, where: b.title == "The Hobbit")
    {:ok, b2} = b |> change() |> repo.update(force: true)
    {:ok, b3} = b |> change(pages: 320) |> repo.update(returning: [:pages, :rating])
    {b2.title, b3.pages, b3.rating}
  end,
  assoc_query_and_delete_all: fn repo ->
    a = repo.get!(Author, "TOLK")
    q = Ecto.assoc(a, :books)
    {repo.aggregate(q, :count), repo.delete_all(from l in Loan, where: l.member == "nobody")}
  end,
  build_assoc_insert: fn repo ->
    a = repo.get!(Author, "LEGU")
    {:ok, b} = a |> Ecto.build_assoc(:books, title: "Earthsea", pages: 200) |> repo.insert()
    {b.author_code, b.title, b.rating}
  end,
  order_by_nulls_and_limit_offset: fn repo ->
    repo.all(from b in Book, order_by: [asc: b.pages, desc: b.title], limit: 1, offset: 1, select: b.title)
  end,
  select_with_case_fragment: fn repo ->
    repo.all(from b in Book, order_by: b.title, select: {b.title, fragment("CASE WHEN ? > 250 THEN 'long' ELSE 'short' END", b.pages)})
  end,
  dynamic_filters: fn repo ->
    filters = [pages: 200, title: "Earthsea"]
    where = Enum.reduce(filters, dynamic(true), fn {k, v}, acc -> dynamic([b], ^acc and field(b, ^k) == ^v) end)
    repo.all(from b in Book, where: ^where, select: b.title)
  end,
  stale_update_of_deleted: fn repo ->
    [b] = repo.all(from b in Book, where: b.title == "Earthsea")
    repo.delete!(b)
    b |> change(pages: 1) |> repo.update()
  end,
  naive_usec_timestamps_roundtrip: fn repo ->
    [b] = repo.all(Book)
    {b.inserted_at == b.updated_at, is_integer(elem(b.inserted_at.microsecond, 0))}
  end,
  in_transaction_raise_rolls_back: fn repo ->
    try do
      repo.transaction(fn ->
        repo.insert!(%Author{code: "TMP", full_name: "Temp"})
        raise "boom"
      end)
    rescue
      e in RuntimeError -> {e.message, repo.get(Author, "TMP")}
    end
  end,
]
