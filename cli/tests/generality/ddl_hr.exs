defmodule HR.CreateDepartments do
  use Ecto.Migration

  def change do
    create table(:departments, prefix: "hr") do
      add :name, :string, null: false, size: 100
      add :budget, :decimal, precision: 15, scale: 2, default: 0
      add :code, :string, null: false
      timestamps(type: :utc_datetime)
    end

    create unique_index(:departments, [:code], prefix: "hr")
    create index(:departments, [:name, :budget], prefix: "hr", name: "dept_name_budget")

    create table(:employees, primary_key: false) do
      add :id, :uuid, primary_key: true, default: fragment("gen_random_uuid()")
      add :department_id, references(:departments, prefix: "hr", on_delete: :nilify_all)
      add :manager_id, references(:employees, type: :uuid, on_delete: :nilify_all)
      add :email, :citext, null: false
      add :salary, :integer, null: false, check: %{name: "salary_positive", expr: "salary > 0"}
      add :hired_on, :date, null: false, default: fragment("CURRENT_DATE")
      add :skills, {:array, :text}, default: []
      timestamps(inserted_at: :created_at, updated_at: :modified_at)
    end

    create unique_index(:employees, [:email], where: "email IS NOT NULL")
    create index(:employees, [:manager_id, :department_id])
  end
end

defmodule HR.AlterEmployees do
  use Ecto.Migration

  def change do
    alter table(:employees) do
      add :title, :string, default: "Engineer"
      add_if_not_exists :phone, :string, size: 20
      remove :skills, {:array, :text}, default: []
      modify :salary, :bigint, from: :integer
    end

    rename table(:employees), :hired_on, to: :started_on
    create_if_not_exists index(:employees, [:title])
  end
end

defmodule HR.UpDown do
  use Ecto.Migration

  def up do
    execute "CREATE EXTENSION IF NOT EXISTS citext"
    create table(:reviews) do
      add :employee_id, references(:employees, type: :uuid, on_delete: :delete_all), null: false
      add :score, :smallint
      add :body, :text
    end
    flush()
    execute(fn -> repo().query!("SELECT 1") end)
  end

  def down do
    drop_if_exists table(:reviews)
    execute "DROP EXTENSION citext"
  end
end

defmodule HR.Identity do
  use Ecto.Migration
  def change do
    create table(:badges, primary_key: [type: :identity]) do
      add :label, :string
    end
    create table(:shifts, primary_key: [name: :shift_id, type: :uuid]) do
      add :starts_at, :utc_datetime_usec
      add :ends_at, :utc_datetime_usec
    end
    create constraint(:shifts, :ends_after_start, check: "ends_at > starts_at")
    create constraint(:shifts, :no_overlap, exclude: ~s|gist (int4range("starts_at", "ends_at") WITH &&)|)
  end
end

migrations = [
  create_departments: HR.CreateDepartments,
  create_departments_down: {:down, HR.CreateDepartments},
  alter_employees: HR.AlterEmployees,
  alter_employees_down: {:down, HR.AlterEmployees},
  up_down_down: {:down, HR.UpDown},
  identity: HR.Identity,
  identity_down: {:down, HR.Identity},
  modify_references: fn ->
    alter table(:employees) do
      modify :department_id, references(:departments, on_delete: :delete_all), from: references(:departments, on_delete: :nilify_all)
      modify :email, :string, null: true, comment: "work email"
      modify :title, :text, default: nil
    end
  end,
  remove_if_exists: fn ->
    alter table(:employees) do
      remove_if_exists :phone, :string
      remove :title
    end
  end,
  references_options: fn ->
    create table(:payslips) do
      add :employee_id, references(:employees, column: :uuid, type: :binary_id, match: :full, on_delete: :delete_all, validate: false)
      add :period, :string
      add :amount_cents, :bigint, null: false
      add :currency, :string, size: 3, default: "EUR"
      add :paid, :boolean, default: true
      add :rate, :float, default: 1.0
      add :meta, :map, default: %{"k" => [1, 2]}
      add :emp_ref, references(:employees, prefix: "hr", with: [period: :period], match: :simple)
    end
  end,
  index_options: fn ->
    create index(:payslips, [:period], concurrently: true)
    create unique_index(:payslips, [:employee_id, :period], nulls_distinct: false)
    create index(:payslips, ["(amount_cents / 100)"], name: :payslips_amount_idx, comment: "by euros")
    create index(:payslips, [desc: :amount_cents, asc_nulls_last: :period])
    drop_if_exists index(:payslips, [:period], concurrently: true)
    drop index(:payslips, [:employee_id, :period]), mode: :cascade
  end,
  drop_table_cascade: fn ->
    drop table(:payslips), mode: :cascade
    drop_if_exists table(:old_payslips, prefix: "archive")
  end,
  rename_table_prefix: fn ->
    rename table(:payslips, prefix: "hr"), to: table(:salary_slips, prefix: "hr")
  end,
  table_comment_and_options: fn ->
    create table(:audit, comment: "audit trail", engine: :innodb, options: "WITH (fillfactor=70)") do
      add :action, :string, comment: "what happened"
      add :at, :naive_datetime_usec, default: fragment("now()")
    end
  end,
  timestamps_naive_usec_default: fn ->
    create table(:checkins) do
      timestamps(type: :naive_datetime_usec, default: fragment("CURRENT_TIMESTAMP"), null: true)
    end
  end,
  create_index_using_hash: fn ->
    create index(:employees, [:email], using: "hash")
  end,
  execute_two_way: fn ->
    execute "ALTER TABLE employees ADD COLUMN x int", "ALTER TABLE employees DROP COLUMN x"
  end,
  rename_column_down: {:down, fn -> rename table(:employees), :title, to: :job_title end},
  create_table_down: {:down, fn ->
    create table(:temp) do
      add :v, :integer
    end
    create index(:temp, [:v])
  end},
  alter_down_add: {:down, fn ->
    alter table(:employees) do
      add :nick, :string
      modify :salary, :bigint, from: :integer
    end
  end},
  error_modify_without_from_down: {:down, fn ->
    alter table(:employees) do
      modify :salary, :bigint
    end
  end},
  drop_constraint_if_exists: fn ->
    drop_if_exists constraint(:shifts, :no_overlap)
  end,
  add_column_primary_key_serial: fn ->
    create table(:things, primary_key: false) do
      add :id, :bigserial, primary_key: true
      add :kind, :string, primary_key: true
    end
  end,
  column_types_misc: fn ->
    create table(:misc) do
      add :a, :numeric
      add :b, :serial
      add :c, :jsonb
      add :d, :"varchar(40)"
      add :e, :time_usec
      add :f, :interval
      add :g, {:map, :string}
      add :h, :char, size: 2
      add :i, :bytea
      add :j, :decimal, precision: 5
      add :k, :string, size: 255, null: false, default: ""
    end
  end,
]
