defmodule School.AddRooms do
  use Ecto.Migration
  @disable_ddl_transaction true
  @disable_migration_lock true

  def change do
    create table(:rooms, primary_key: false) do
      add :code, :string, primary_key: true, size: 8
      add :capacity, :integer, null: false, default: 30
    end

    create index(:rooms, [:capacity], concurrently: false)

    if direction() == :up do
      execute "INSERT INTO rooms (code) VALUES ('A1')"
    end
  end
end

defmodule School.UpOnly do
  use Ecto.Migration

  def up do
    alter table(:rooms) do
      add :wing, :string
    end
    flush()
    execute "UPDATE rooms SET wing = 'north'"
    create unique_index(:rooms, [:wing, :code], name: "rooms_wing_code")
  end
end

defmodule School.Reversible do
  use Ecto.Migration

  def change do
    create table(:periods) do
      add :starts, :time, null: false
      add :ends, :time
      add :room_code, references(:rooms, column: :code, type: :string, on_delete: :nilify_all)
      timestamps()
    end
    create constraint(:periods, :ends_after_starts, check: "ends > starts")
    rename table(:periods), :ends, to: :finishes
  end
end

migrations = [
  add_rooms: School.AddRooms,
  add_rooms_down: {:down, School.AddRooms},
  up_only: School.UpOnly,
  up_only_down: {:down, School.UpOnly},
  reversible: School.Reversible,
  reversible_down: {:down, School.Reversible},
  fn_with_direction: fn ->
    create_if_not_exists table(:terms) do
      add :name, :string
    end
    create_if_not_exists unique_index(:terms, [:name])
  end,
  fn_with_direction_down: {:down, fn ->
    create_if_not_exists table(:terms) do
      add :name, :string
    end
    create_if_not_exists unique_index(:terms, [:name])
  end},
  alter_multiple_down: {:down, fn ->
    alter table(:rooms) do
      add :floor, :integer, default: 0
      add :building_id, references(:buildings, on_delete: :delete_all)
      remove :wing, :string, default: "north"
      modify :capacity, :bigint, from: :integer
    end
  end},
]
