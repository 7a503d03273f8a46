defmodule Tix.Seat do
  use Ecto.Schema
  @primary_key false
  embedded_schema do
    field :row, :string
    field :num, :integer
  end
end

defmodule Tix.Venue do
  use Ecto.Schema
  schema "venues" do
    field :name, :string
    field :city, :string
    has_many :events, Tix.Event
    has_many :tickets, through: [:events, :tickets]
  end
end

defmodule Tix.Event do
  use Ecto.Schema
  schema "events" do
    field :title, :string
    field :starts_at, :utc_datetime
    field :price, :decimal
    field :status, Ecto.Enum, values: [draft: 0, on_sale: 1, sold_out: 2], default: :draft
    field :tags, {:array, :string}, default: []
    field :meta, :map, default: %{}
    belongs_to :venue, Tix.Venue
    has_many :tickets, Tix.Ticket, on_replace: :delete
    many_to_many :artists, Tix.Artist, join_through: Tix.Lineup, on_replace: :delete
    timestamps(type: :utc_datetime_usec)
  end

  def changeset(e, attrs) do
    e
    |> cast(attrs, [:title, :starts_at, :price, :status, :tags, :meta, :venue_id])
    |> validate_required([:title])
    |> cast_assoc(:tickets, with: &Tix.Ticket.changeset/2)
    |> foreign_key_constraint(:venue_id)
  end
end

defmodule Tix.Ticket do
  use Ecto.Schema
  schema "tickets" do
    field :holder, :string
    field :code, :string
    embeds_one :seat, Tix.Seat
    belongs_to :event, Tix.Event
  end
  def changeset(t, attrs) do
    t |> cast(attrs, [:holder, :code]) |> cast_embed(:seat, with: fn s, a -> cast(s, a, [:row, :num]) end) |> validate_required([:holder]) |> unique_constraint(:code, name: "tickets_code_index")
  end
end

defmodule Tix.Artist do
  use Ecto.Schema
  schema "artists" do
    field :name, :string
    many_to_many :events, Tix.Event, join_through: Tix.Lineup
  end
end

defmodule Tix.Lineup do
  use Ecto.Schema
  @primary_key false
  schema "lineups" do
    belongs_to :event, Tix.Event, primary_key: true
    belongs_to :artist, Tix.Artist, primary_key: true
    field :slot, :integer
  end
end

defmodule Tix.Migration do
  use Ecto.Migration
  def change do
    create table(:venues) do
      add :name, :string, null: false
      add :city, :string
    end
    create table(:events) do
      add :title, :string, null: false
      add :starts_at, :utc_datetime
      add :price, :decimal, precision: 8, scale: 2
      add :status, :integer, default: 0
      add :tags, {:array, :string}
      add :meta, :map
      add :venue_id, references(:venues, on_delete: :restrict)
      timestamps(type: :utc_datetime_usec)
    end
    create table(:tickets) do
      add :holder, :string
      add :code, :string
      add :seat, :map
      add :event_id, references(:events, on_delete: :delete_all)
    end
    create unique_index(:tickets, [:code])
    create table(:artists) do
      add :name, :string
    end
    create table(:lineups, primary_key: false) do
      add :event_id, references(:events, on_delete: :delete_all), primary_key: true
      add :artist_id, references(:artists, on_delete: :delete_all), primary_key: true
      add :slot, :integer
    end
  end
end

alias Tix.{Venue, Event, Ticket, Artist, Lineup, Seat}
setup_migrations = [Tix.Migration]

runs = [
  insert_nested_assocs: fn repo ->
    venue = repo.insert!(%Venue{name: "Arena", city: "Lyon"})
    {:ok, ev} = %Event{venue_id: venue.id} |> Event.changeset(%{title: "Rock", price: "49.90", starts_at: "2024-09-01T19:30:00Z", status: :on_sale, tags: ["loud"], meta: %{"age" => 18}, tickets: [%{holder: "Ann", code: "A1", seat: %{row: "F", num: 12}}, %{holder: "Bo", code: "B2"}]}) |> repo.insert()
    {ev.id, ev.status, Enum.map(ev.tickets, &{&1.id, &1.holder, &1.event_id, &1.seat}), ev.meta}
  end,
  reload_embeds_and_enums: fn repo ->
    ev = repo.get!(Event, 1) |> repo.preload(:tickets)
    {ev.status, ev.price, ev.starts_at, ev.tags, ev.meta, Enum.map(ev.tickets, & &1.seat)}
  end,
  raw_enum_integer_storage: fn repo ->
    repo.query!("SELECT status, tags, meta FROM events").rows
  end,
  update_has_many_replace: fn repo ->
    ev = repo.get!(Event, 1) |> repo.preload(:tickets)
    {:ok, ev2} = ev |> Event.changeset(%{tickets: [%{id: 1, holder: "Ann Smith"}, %{holder: "Cy", code: "C3"}]}) |> repo.update()
    {Enum.map(ev2.tickets, &{&1.id, &1.holder}), repo.aggregate(Ticket, :count)}
  end,
  insert_duplicate_child_code: fn repo ->
    {:error, cs} = %Event{} |> Event.changeset(%{title: "Jazz", tickets: [%{holder: "Dee", code: "A1"}]}) |> repo.insert()
    {cs.valid?, Enum.map(cs.changes.tickets, & &1.errors), repo.aggregate(Event, :count)}
  end,
  many_to_many_put_assoc: fn repo ->
    a1 = repo.insert!(%Artist{name: "Nina"})
    a2 = repo.insert!(%Artist{name: "Otis"})
    ev = repo.get!(Event, 1) |> repo.preload(:artists)
    {:ok, ev} = ev |> change() |> put_assoc(:artists, [a1, a2]) |> repo.update()
    {Enum.map(ev.artists, & &1.name), repo.all(from l in Lineup, order_by: l.artist_id, select: {l.event_id, l.artist_id, l.slot})}
  end,
  many_to_many_preload_and_remove: fn repo ->
    ev = repo.get!(Event, 1) |> repo.preload(artists: from(a in Artist, order_by: [desc: a.name]))
    names = Enum.map(ev.artists, & &1.name)
    {:ok, ev} = ev |> change() |> put_assoc(:artists, Enum.take(ev.artists, 1)) |> repo.update()
    {names, Enum.map(ev.artists, & &1.name), repo.aggregate(Lineup, :count)}
  end,
  preload_through_has_many: fn repo ->
    v = repo.get!(Venue, 1) |> repo.preload(:tickets)
    Enum.map(v.tickets, & &1.code) |> Enum.sort()
  end,
  preload_nested_list_and_nil: fn repo ->
    [t1 | _] = tickets = repo.all(from t in Ticket, order_by: t.id, preload: [event: [:venue, :artists]])
    {length(tickets), t1.event.venue.name, Enum.map(t1.event.artists, & &1.name), repo.preload(nil, :event), repo.preload([], :event)}
  end,
  preload_already_loaded_kept: fn repo ->
    ev = repo.get!(Event, 1) |> repo.preload(:tickets)
    ev = %{ev | tickets: []} |> repo.preload(:tickets)
    {length(ev.tickets), length(repo.preload(ev, :tickets, force: true).tickets)}
  end,
  restrict_delete_raises: fn repo ->
    repo.delete(repo.get!(Venue, 1))
  end,
  no_assoc_constraint_delete: fn repo ->
    repo.get!(Venue, 1) |> change() |> no_assoc_constraint(:events) |> repo.delete()
  end,
  insert_or_update_both: fn repo ->
    {:ok, v} = %Venue{name: "Club", city: "Nice"} |> change() |> repo.insert_or_update()
    {:ok, v2} = repo.get!(Venue, v.id) |> change(city: "Nantes") |> repo.insert_or_update()
    {v.id, v2.city}
  end,
  select_struct_and_map_fields: fn repo ->
    {repo.all(from e in Event, select: struct(e, [:id, :title])), repo.all(from e in Event, select: map(e, [:title, :status])), repo.one(from e in Event, select: %{e | title: "x"}) |> Map.take([:title, :id])}
  end,
  distinct_group_having: fn repo ->
    repo.all(from t in Ticket, join: e in assoc(t, :event), group_by: e.title, having: count(t.id) > 1, select: {e.title, count(t.id)})
  end,
  subquery_and_exists: fn repo ->
    sub = from t in Ticket, where: t.event_id == parent_as(:e).id, select: 1
    repo.all(from e in Event, as: :e, where: exists(sub), select: e.title)
  end,
  update_all_join: fn repo ->
    from(t in Ticket, join: e in Event, on: e.id == t.event_id, where: e.status == :on_sale, update: [set: [holder: fragment("upper(?)", t.holder)]]) |> repo.update_all([])
  end,
  multi_insert_or_update_and_delete: fn repo ->
    Multi.new()
    |> Multi.insert_or_update(:venue, change(%Venue{}, name: "Hall 9"))
    |> Multi.insert(:event, fn %{venue: v} -> Event.changeset(%Event{venue_id: v.id}, %{title: "Pop"}) end)
    |> Multi.delete(:gone, fn %{event: e} -> e end)
    |> Multi.delete_all(:tickets, Ticket)
    |> repo.transaction()
    |> then(fn {:ok, r} -> {r.venue.name, r.gone.__meta__.state, r.tickets} end)
  end,
  multi_error_from_db: fn repo ->
    Multi.new()
    |> Multi.insert(:t1, Ticket.changeset(%Ticket{}, %{holder: "X", code: "Z9"}))
    |> Multi.insert(:t2, Ticket.changeset(%Ticket{}, %{holder: "Y", code: "Z9"}))
    |> repo.transaction()
    |> case do
      {:error, :t2, cs, done} -> {cs.errors, Map.keys(done), repo.aggregate(Ticket, :count)}
    end
  end,
  get_by_with_nil_raises: fn repo -> repo.get_by(Event, title: nil) end,
  get_invalid_id_type: fn repo -> repo.get(Event, "abc") end,
  insert_all_on_conflict_returning: fn repo ->
    repo.insert_all(Ticket, [%{code: "Z9", holder: "New"}, %{code: "Q1", holder: "Q"}], on_conflict: {:replace, [:holder]}, conflict_target: [:code], returning: [:code, :holder])
  end,
  load_and_dump: fn repo ->
    r = repo.query!("SELECT id, title, price, status, starts_at FROM events ORDER BY id LIMIT 1")
    Enum.map(r.rows, &repo.load(Event, {r.columns, &1})) |> Enum.map(&Map.take(&1, [:id, :title, :price, :status, :starts_at]))
  end,
  query_error: fn repo -> repo.query("SELECT * FROM nope") end,
  aggregate_on_empty: fn repo -> {repo.aggregate(from(t in Ticket, where: t.id < 0), :sum, :id), repo.aggregate(from(t in Ticket, where: t.id < 0), :count)} end,
]
