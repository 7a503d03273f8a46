defmodule Music.Artist do
  use Ecto.Schema
  @primary_key {:id, :binary_id, autogenerate: true}
  @foreign_key_type :binary_id
  schema "artists" do
    field :name, :string
    field :country, :string
    field :genres, {:array, :string}, default: []
    field :popularity, :float
    field :meta, :map, default: %{}
    has_many :albums, Music.Album
    has_many :tracks, through: [:albums, :tracks]
    timestamps(type: :naive_datetime_usec)
  end
end
defmodule Music.Album do
  use Ecto.Schema
  @foreign_key_type :binary_id
  schema "albums" do
    field :title, :string
    field :released_on, :date
    field :kind, Ecto.Enum, values: [:lp, :ep, :single]
    field :price, :decimal
    belongs_to :artist, Music.Artist
    has_many :tracks, Music.Track, preload_order: [asc: :position]
  end
end
defmodule Music.Track do
  use Ecto.Schema
  schema "tracks" do
    field :title, :string
    field :position, :integer
    field :duration_ms, :integer
    field :explicit, :boolean, default: false
    field :isrc, :string
    field :duration, :time
    belongs_to :album, Music.Album
    many_to_many :playlists, Music.Playlist, join_through: Music.PlaylistTrack
  end
end
defmodule Music.Playlist do
  use Ecto.Schema
  schema "playlists" do
    field :name, :string
    field :public, :boolean
    field :owner_id, :integer
    many_to_many :tracks, Music.Track, join_through: Music.PlaylistTrack, on_replace: :delete
  end
end
defmodule Music.PlaylistTrack do
  use Ecto.Schema
  @primary_key false
  schema "playlist_tracks" do
    belongs_to :playlist, Music.Playlist, primary_key: true
    belongs_to :track, Music.Track, primary_key: true
    field :added_at, :utc_datetime
  end
end
defmodule Music.Play do
  use Ecto.Schema
  schema "plays" do
    field :listener_id, :integer
    field :played_at, :utc_datetime
    field :seconds, :integer
    field :source, Ecto.Enum, values: [app: "a", web: "w"]
    belongs_to :track, Music.Track
  end
end
alias Music.{Artist, Album, Track, Playlist, PlaylistTrack, Play}
artist_id = "0d0b7b8e-1f6e-4c56-8f0f-8b6f5c6d2e11"
sort = [desc: :popularity]
group_fields = [:country]
since = ~U[2025-03-01 00:00:00Z]
usec = ~U[2025-03-01 00:00:00.500000Z]
kinds = ~w(lp ep)a
queries = [
  uuid_pk_pin: from(a in Artist, where: a.id == ^artist_id, select: a.name),
  uuid_fk_pin: from(al in Album, where: al.artist_id == ^artist_id, select: al.title),
  string_id_cast: from(t in Track, where: t.id == ^"42", select: t.title),
  string_date_cast: from(al in Album, where: al.released_on >= ^"2024-01-31", select: al.id),
  int_decimal_cast: from(al in Album, where: al.price == ^10, select: al.id),
  float_decimal_cast: from(al in Album, where: al.price > ^9.5, select: al.id),
  naive_from_utc: from(a in Artist, where: a.inserted_at > ^since, select: a.id),
  utc_truncates_usec: from(p in Play, where: p.played_at >= ^usec, select: p.id),
  time_pin: from(t in Track, where: t.duration < ^~T[00:03:30], select: t.id),
  enum_string_mapping: from(p in Play, where: p.source == :web and p.source in ^[:app], select: p.source),
  array_pin_eq: from(a in Artist, where: a.genres == ^["rock", "pop"], select: a.id),
  map_pin_eq: from(a in Artist, where: a.meta == ^%{"label" => "indie"}, select: a.id),
  array_contains: from(a in Artist, where: "jazz" in a.genres, select: a.id),
  sigil_w_in: from(al in Album, where: al.kind in ~w(lp ep)a, select: al.id),
  pinned_kinds: from(al in Album, where: al.kind in ^kinds, select: al.id),
  map_key_access: from(a in Artist, where: a.meta["label"]["name"] == "XL", select: a.meta["founded"]),
  map_pinned_key: fn -> k = "label"; from(a in Artist, select: a.meta[^k]) end,
  subquery_from_merge: from(s in subquery(from(t in Track, group_by: t.album_id, select: %{album_id: t.album_id, total: sum(t.duration_ms)})), join: al in Album, on: al.id == s.album_id, select: %{title: al.title, total: s.total}),
  subquery_whole_schema: from(t in subquery(from(t in Track, where: t.explicit)), select: t.title),
  subquery_select_merge: from(t in subquery(from(t in Track, select: %{id: t.id}, select_merge: %{len: t.duration_ms})), where: t.len > 100, select: t.id),
  subquery_scalar_select: from(al in Album, as: :al, select: {al.id, subquery(from(t in Track, where: t.album_id == parent_as(:al).id, select: count()))}),
  group_by_pinned: from(a in Artist, group_by: ^group_fields, select: {a.country, count()}),
  order_by_pinned_kw: from(a in Artist, order_by: ^sort, select: a.name),
  order_by_pinned_atoms: from(a in Artist, order_by: ^[:country, :name], select: a.name),
  prepend_order: Artist |> order_by([a], a.name) |> prepend_order_by([a], desc: a.popularity) |> select([a], a.id),
  with_ties: from(t in Track, order_by: [desc: t.duration_ms], limit: 3, select: t.id) |> with_ties(true),
  or_having: from(t in Track, group_by: t.album_id, having: count() > 10, or_having: sum(t.duration_ms) > 3600000, select: t.album_id),
  having_pin: from(t in Track, group_by: t.album_id, having: avg(t.duration_ms) > ^200000, select: {t.album_id, avg(t.duration_ms)}),
  m2m_schema: from(p in Playlist, join: t in assoc(p, :tracks), where: p.public, select: {p.name, t.title}),
  through_uuid: from(a in Artist, join: t in assoc(a, :tracks), where: t.explicit, select: a.name),
  nested_assoc_join: from(a in Artist, join: al in assoc(a, :albums), join: t in assoc(al, :tracks), join: p in assoc(t, :playlists), select: {a.name, p.name}),
  join_on_keyword_pin: from(t in Track, join: p in Play, on: [track_id: t.id, listener_id: ^5], select: p.id),
  join_string_source: from(t in Track, join: pt in "playlist_tracks", on: pt.track_id == t.id, select: {t.id, pt.playlist_id}),
  select_literal_values: from(t in Track, select: {t.id, true, nil, 1.5, "x", [1, 2]}),
  select_map_pinned_key: fn -> key = :name; from(a in Artist, select: %{^key => a.name}) end,
  select_struct_update: from(t in Track, select: %{t | title: "hidden"}),
  select_merge_struct: from(t in Track, select_merge: %{title: fragment("upper(?)", t.title)}),
  select_merge_then_select_merge: from(t in Track, select: %{id: t.id}, select_merge: ^%{kind: "track"}),
  aggregates_sql: from(t in Track, select: {min(t.duration_ms), max(t.duration_ms), avg(t.duration_ms), sum(t.duration_ms), count(t.id), count()}),
  count_distinct_expr: from(p in Play, select: count(p.listener_id, :distinct)),
  not_like: from(t in Track, where: not like(t.title, "%(live)%"), select: t.id),
  ilike_pin: from(a in Artist, where: ilike(a.name, ^"%the%"), select: a.id),
  arith_mix: from(t in Track, select: {t.duration_ms / 1000, t.duration_ms * 1.0, -t.position, t.position - 1}),
  string_concat: from(a in Artist, select: fragment("? || ' (' || ? || ')'", a.name, a.country)),
  datetime_add_pin: from(p in Play, where: p.played_at > datetime_add(^since, ^-2, "day"), select: p.id),
  date_add_neg: from(al in Album, where: al.released_on > date_add(^~D[2025-01-01], -1, "year"), select: al.id),
  ago_pinned: fn -> n = 3; from(p in Play, where: p.played_at > ago(^n, "hour"), select: p.id) end,
  from_now_float: from(p in Play, where: p.played_at < from_now(1.5, "day"), select: p.id),
  datetime_add_usec: from(a in Artist, select: datetime_add(a.inserted_at, 10, "second")),
  exists_no_parent: from(a in Artist, where: exists(from(al in Album, where: al.kind == :single)), select: a.id),
  cte_recursive_join: fn ->
    initial = from(t in Track, where: t.position == 1, select: %{id: t.id, depth: 1})
    step = from(t in Track, join: c in "chain", on: t.id == c.id + 1, select: %{id: t.id, depth: c.depth + 1})
    from(t in Track, join: c in "chain", on: c.id == t.id, select: {t.title, c.depth})
    |> recursive_ctes(true)
    |> with_cte("chain", as: ^union_all(initial, ^step))
  end,
  two_ctes: fn ->
    a = from(p in Play, select: %{tid: p.track_id, n: count()}, group_by: p.track_id)
    b = from(t in Track, where: t.explicit, select: %{id: t.id})
    from(x in "counts", join: y in "explicit", on: y.id == x.tid, select: x.n)
    |> with_cte("counts", as: ^a)
    |> with_cte("explicit", as: ^b)
  end,
  cte_in_subquery_where: fn ->
    top = from(p in Play, group_by: p.track_id, order_by: [desc: count()], limit: 10, select: %{track_id: p.track_id})
    Track |> with_cte("top", as: ^top) |> where([t], t.id in subquery(from(x in "top", select: x.track_id))) |> select([t], t.title)
  end,
  union_order_by_limit_sub: from(a in Artist, select: a.name, order_by: a.name, limit: 5) |> union(^from(p in Playlist, select: p.name, limit: 2)),
  except_q: from(t in Track, select: t.id) |> except(^from(pt in PlaylistTrack, select: pt.track_id)),
  union_in_subquery: from(s in subquery(from(a in Album, select: %{id: a.id}) |> union_all(^from(t in Track, select: %{id: t.album_id}))), select: count(s.id)),
  update_set_pinned_kw: fn -> changes = [title: "Remaster", position: 1]; {:update_all, from(t in Track, where: t.id == 3, update: [set: ^changes])} end,
  update_inc_dec: {:update_all, from(t in Track, update: [inc: [position: -1]], where: t.position > 5)},
  update_from_subquery_join: {:update_all, from(al in Album, join: s in subquery(from(t in Track, group_by: t.album_id, select: %{album_id: t.album_id, n: count()})), on: s.album_id == al.id, update: [set: [price: s.n]])},
  update_with_prefix: {:update_all, from(t in Track, prefix: "archive", update: [set: [explicit: true]])},
  update_pipe_multiple: {:update_all, Track |> update([t], set: [explicit: true]) |> update([t], inc: [position: 1])},
  update_set_nil_and_datetime: {:update_all, from(p in Play, update: [set: [played_at: ^since, seconds: nil]])},
  delete_in_subquery_pipe: {:delete_all, Play |> where([p], p.track_id in subquery(from(t in Track, where: t.explicit, select: t.id)))},
  delete_with_limit_error: {:delete_all, from(p in Play, limit: 10)},
  exclude_many: from(t in Track, join: al in assoc(t, :album), where: al.kind == :lp, order_by: t.id, group_by: t.id, having: count() > 1, distinct: true, limit: 2, offset: 3, select: t.id) |> exclude(:join) |> exclude(:group_by) |> exclude(:having) |> exclude(:distinct) |> exclude(:offset) |> exclude(:where),
  exclude_select_keeps_rest: from(t in Track, select: t.id, where: t.position == 1) |> exclude(:select),
  hints_pg: from(t in Track, hints: ["INDEXED BY tracks_idx"], select: t.id),
  first_with_existing_order: from(t in Track, order_by: t.position) |> first(),
  last_pipe: Track |> last(:position),
  first_by_list: Track |> first([desc: :position]) |> select([t], t.id),
  join_after_select_keyword: quote(do: from(t in Track, where: t.id == 1, select: t.id, join: p in Play)),
  error_exists_needs_subquery: quote(do: from(t in Track, where: exists(t.id))),
  field_string_name: quote(do: from(t in Track, select: field(t, "title"))),
  error_bad_cast_integer: from(t in Track, where: t.position == ^"first", select: t.id),
  error_array_cast: from(a in Artist, where: a.genres == ^[1, 2], select: a.id),
  error_missing_binding: fn -> from(t in Track, where: as(:album).kind == :lp, select: t.id) end,
  error_update_non_updatable: {:update_all, from(pt in PlaylistTrack, update: [set: [nosuch: 1]])},
  select_merge_into_non_map: from(t in Track, select: t.id, select_merge: %{x: 1}),
]
