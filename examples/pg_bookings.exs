# title: PostgreSQL: no double bookings
# description: An exclusion constraint keeps two bookings of one room from overlapping, and exclusion_constraint/3 turns a violation into a changeset error. Opens on PostgreSQL.
# database: postgres
# %% Schemas
defmodule Hotel.Room do
  use Ecto.Schema

  schema "rooms" do
    field :number, :string
    has_many :bookings, Hotel.Booking
  end
end

defmodule Hotel.Booking do
  use Ecto.Schema
  import Ecto.Changeset

  schema "bookings" do
    field :guest, :string
    field :check_in, :date
    field :check_out, :date
    belongs_to :room, Hotel.Room
  end

  def changeset(booking, attrs) do
    booking
    |> cast(attrs, [:guest, :check_in, :check_out, :room_id])
    |> validate_required([:guest, :check_in, :check_out, :room_id])
    |> check_constraint(:check_out, name: :check_out_after_check_in, message: "must be after check-in")
    |> exclusion_constraint(:check_in, name: :no_double_booking, message: "the room is taken on these dates")
  end
end
# %% Migration
# Two bookings conflict when they are for the same room (two one-value
# ranges overlap) and their stays overlap ([check_in, check_out): the day
# one guest leaves, the next can arrive). Both are range types, which GiST
# indexes without any extension.
defmodule Hotel.Migrations.CreateBookings do
  use Ecto.Migration

  def change do
    create table(:rooms) do
      add :number, :string, null: false
    end

    create table(:bookings) do
      add :guest, :string, null: false
      add :check_in, :date, null: false
      add :check_out, :date, null: false
      add :room_id, references(:rooms), null: false
    end

    create constraint(:bookings, :check_out_after_check_in, check: "check_out > check_in")

    create constraint(:bookings, :no_double_booking,
             exclude: ~s|gist (int8range(room_id, room_id, '[]') WITH &&, daterange(check_in, check_out) WITH &&)|
           )
  end
end

Ecto.Migrator.up(Repo, 1, Hotel.Migrations.CreateBookings)
# %% Rooms and a first booking
alias Hotel.{Room, Booking}

sea = Repo.insert!(%Room{number: "101"})
garden = Repo.insert!(%Room{number: "102"})

{:ok, ada} =
  %Booking{}
  |> Booking.changeset(%{guest: "Ada", room_id: sea.id, check_in: ~D[2025-07-01], check_out: ~D[2025-07-05]})
  |> Repo.insert()

{ada.guest, ada.check_in, ada.check_out}
# %% An overlapping stay is refused
# The database checks the constraint; the changeset names it, so the error
# comes back as {:error, changeset} instead of an exception.
{:error, changeset} =
  %Booking{}
  |> Booking.changeset(%{guest: "Grace", room_id: sea.id, check_in: ~D[2025-07-03], check_out: ~D[2025-07-08]})
  |> Repo.insert()

changeset.errors
# %% Back to back is fine
# Ada leaves on the 5th, Grace arrives on the 5th: the ranges do not overlap.
{:ok, _} =
  %Booking{}
  |> Booking.changeset(%{guest: "Grace", room_id: sea.id, check_in: ~D[2025-07-05], check_out: ~D[2025-07-08]})
  |> Repo.insert()

# The same dates in another room are fine too.
{:ok, _} =
  %Booking{}
  |> Booking.changeset(%{guest: "Linus", room_id: garden.id, check_in: ~D[2025-07-02], check_out: ~D[2025-07-06]})
  |> Repo.insert()

Repo.all(
  from b in Booking,
    join: r in assoc(b, :room),
    order_by: [r.number, b.check_in],
    select: {r.number, b.guest, b.check_in, b.check_out}
)
# %% Who is in on a given night
# The same range test in a query: which bookings cover the night of the 4th?
night = ~D[2025-07-04]

Repo.all(
  from b in Booking,
    where: fragment("daterange(?, ?) @> ?::date", b.check_in, b.check_out, ^night),
    order_by: b.guest,
    select: b.guest
)
# %% A stay that ends before it starts
# The check constraint is reported the same way.
{:error, changeset} =
  %Booking{}
  |> Booking.changeset(%{guest: "Alan", room_id: garden.id, check_in: ~D[2025-08-10], check_out: ~D[2025-08-09]})
  |> Repo.insert()

changeset.errors
