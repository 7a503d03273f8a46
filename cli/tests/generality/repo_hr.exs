defmodule HR.Dept do
  use Ecto.Schema
  schema "depts" do
    field :name, :string
    field :budget, :decimal
    has_many :employees, HR.Emp, on_delete: :delete_all
    has_many :managers, HR.Emp, where: [role: :manager]
    timestamps(type: :utc_datetime_usec)
  end
end

defmodule HR.Emp do
  use Ecto.Schema
  schema "emps" do
    field :name, :string
    field :role, Ecto.Enum, values: [staff: 1, manager: 2, director: 3], default: :staff
    field :salary, :integer
    field :active, :boolean, default: true
    field :skills, {:array, :string}, default: []
    field :hired_on, :date
    field :email, :string, source: :mail
    belongs_to :dept, HR.Dept
    has_many :reviews, HR.Review
    timestamps()
  end

  def changeset(e, attrs) do
    e
    |> cast(attrs, [:name, :role, :salary, :active, :skills, :hired_on, :email, :dept_id])
    |> validate_required([:name, :salary])
    |> validate_number(:salary, greater_than: 0)
    |> unique_constraint(:email)
    |> foreign_key_constraint(:dept_id)
  end
end

defmodule HR.Review do
  use Ecto.Schema
  schema "reviews" do
    field :score, :integer
    field :note, :string
    belongs_to :emp, HR.Emp
  end
end

defmodule HR.Migration do
  use Ecto.Migration
  def change do
    create table(:depts) do
      add :name, :string, null: false
      add :budget, :decimal, precision: 12, scale: 2
      timestamps(type: :utc_datetime_usec)
    end
    create table(:emps) do
      add :name, :string, null: false
      add :role, :integer, default: 1
      add :salary, :integer, null: false
      add :active, :boolean, default: true
      add :skills, {:array, :string}
      add :hired_on, :date
      add :mail, :string
      add :dept_id, references(:depts, on_delete: :nothing)
      timestamps()
    end
    create unique_index(:emps, [:mail])
    create table(:reviews) do
      add :score, :integer
      add :note, :text
      add :emp_id, references(:emps, on_delete: :delete_all)
    end
  end
end

alias HR.{Dept, Emp, Review}
setup_migrations = [HR.Migration]

runs = [
  seed: fn repo ->
    eng = repo.insert!(%Dept{name: "Eng", budget: Decimal.new("100000.50")})
    ops = repo.insert!(%Dept{name: "Ops"})
    for {n, r, s, d, m} <- [{"Ann", :director, 300, eng, "ann@x"}, {"Bob", :manager, 200, eng, "bob@x"}, {"Cy", :staff, 100, eng, "cy@x"}, {"Di", :manager, 150, ops, "di@x"}] do
      %Emp{} |> Emp.changeset(%{name: n, role: r, salary: s, dept_id: d.id, email: m, hired_on: ~D[2020-01-15], skills: ["a"]}) |> repo.insert!()
    end
    {eng.id, ops.id, repo.aggregate(Emp, :count)}
  end,
  build_assoc_insert: fn repo ->
    d = repo.get_by!(Dept, name: "Ops")
    e = Ecto.build_assoc(d, :employees, name: "Eve", salary: 90, email: "eve@x")
    e = repo.insert!(e)
    {e.dept_id == d.id, e.role, e.active, e.skills}
  end,
  ecto_assoc_query: fn repo ->
    d = repo.get_by!(Dept, name: "Eng")
    repo.all(from e in Ecto.assoc(d, :employees), order_by: e.name, select: e.name)
  end,
  assoc_where_preload: fn repo ->
    repo.all(from d in Dept, order_by: d.id, preload: [:managers]) |> Enum.map(&{&1.name, Enum.map(&1.managers, fn m -> m.name end)})
  end,
  get_with_string_id: fn repo -> repo.get(Emp, "1") |> then(&{&1.name, &1.email, &1.role}) end,
  get_by_nil_error: fn repo -> repo.get_by(Emp, email: nil) end,
  select_map_struct: fn repo ->
    repo.all(from e in Emp, where: e.role == :manager, order_by: e.id, select: map(e, [:id, :name, :role]))
  end,
  select_struct_fields: fn repo ->
    repo.all(from e in Emp, order_by: e.id, limit: 2, select: struct(e, [:name, :salary])) |> Enum.map(&{&1.name, &1.salary, &1.email})
  end,
  group_by_role: fn repo ->
    repo.all(from e in Emp, group_by: e.role, order_by: e.role, select: {e.role, count(e.id), sum(e.salary)})
  end,
  join_select_tuple: fn repo ->
    repo.all(from e in Emp, join: d in assoc(e, :dept), where: d.name == "Eng", order_by: [desc: e.salary], select: {d.name, e.name, e.salary})
  end,
  aggregate_join: fn repo ->
    repo.aggregate(from(e in Emp, join: d in assoc(e, :dept), where: d.name == "Eng"), :avg, :salary)
  end,
  exists_limit: fn repo -> repo.exists?(from e in Emp, where: e.salary > 1000, limit: 1) end,
  update_all_enum_source: fn repo ->
    repo.update_all(from(e in Emp, where: e.name == "Cy"), set: [role: :manager, email: "cy@new"])
  end,
  update_changeset_enum: fn repo ->
    e = repo.get_by!(Emp, name: "Cy")
    {:ok, e2} = e |> Emp.changeset(%{role: "director", skills: ["x", "y"]}) |> repo.update()
    {e2.role, e2.skills, repo.get!(Emp, e.id).skills}
  end,
  insert_returning_true: fn repo ->
    {:ok, e} = %Emp{name: "Fay", salary: 10} |> repo.insert(returning: true)
    {e.role, e.active, is_integer(e.id)}
  end,
  insert_invalid_salary: fn repo ->
    {:error, cs} = %Emp{} |> Emp.changeset(%{name: "Gus", salary: -5}) |> repo.insert()
    {cs.valid?, cs.errors}
  end,
  unique_email_error: fn repo ->
    {:error, cs} = %Emp{} |> Emp.changeset(%{name: "Ann2", salary: 5, email: "ann@x"}) |> repo.insert()
    cs.errors
  end,
  multi_full: fn repo ->
    Multi.new()
    |> Multi.one(:dept, from(d in Dept, where: d.name == "Ops"))
    |> Multi.all(:emps, fn %{dept: d} -> from(e in Emp, where: e.dept_id == ^d.id, order_by: e.id) end)
    |> Multi.update(:raise, fn %{emps: [first | _]} -> change(first, salary: first.salary + 1) end)
    |> Multi.delete(:del, fn %{emps: emps} -> List.last(emps) end)
    |> Multi.exists?(:any_director, from(e in Emp, where: e.role == :director))
    |> Multi.insert_or_update(:upsert, fn %{raise: e} -> change(e, name: "Di2") end)
    |> repo.transaction()
    |> then(fn {:ok, m} -> {m.dept.name, length(m.emps), m.raise.salary, m.del.name, m.any_director, m.upsert.name} end)
  end,
  multi_run_raises: fn repo ->
    try do
      Multi.new() |> Multi.insert(:d, %Dept{name: "Tmp"}) |> Multi.run(:boom, fn _, _ -> raise "bad" end) |> repo.transaction()
    rescue
      e in RuntimeError -> {:rescued, e.message, repo.exists?(from d in Dept, where: d.name == "Tmp")}
    end
  end,
  transact_ok: fn repo ->
    repo.transact(fn ->
      d = repo.insert!(%Dept{name: "R&D"})
      {:ok, d.name}
    end)
  end,
  transact_error: fn repo ->
    r = repo.transact(fn ->
      repo.insert!(%Dept{name: "Nope"})
      {:error, :nope}
    end)
    {r, repo.exists?(from d in Dept, where: d.name == "Nope")}
  end,
  in_transaction_flag: fn repo -> {repo.in_transaction?(), repo.transaction(fn -> repo.in_transaction?() end)} end,
  delete_with_has_many_delete_all: fn repo ->
    d = repo.insert!(%Dept{name: "Temp"})
    repo.insert!(%Emp{name: "T1", salary: 1, dept_id: d.id})
    {:ok, _} = repo.delete(d)
    repo.exists?(from e in Emp, where: e.name == "T1")
  end,
  preload_nested_assoc_reviews: fn repo ->
    ann = repo.get_by!(Emp, name: "Ann")
    repo.insert_all(Review, [%{score: 5, note: "great", emp_id: ann.id}, %{score: 4, note: "good", emp_id: ann.id}])
    d = repo.get_by!(Dept, name: "Eng") |> repo.preload(employees: {from(e in Emp, order_by: e.id), reviews: from(r in Review, order_by: r.score)})
    Enum.map(d.employees, &{&1.name, Enum.map(&1.reviews, fn r -> r.score end)})
  end,
  load_types_roundtrip: fn repo ->
    d = repo.get_by!(Dept, name: "Eng")
    e = repo.get_by!(Emp, name: "Ann")
    {d.budget, is_struct(d.inserted_at, DateTime), d.inserted_at.microsecond |> elem(1), e.hired_on, e.active, e.role}
  end,
  raw_query_enum_int: fn repo -> repo.query!("SELECT role, count(*) FROM emps GROUP BY role ORDER BY role").rows end,
  update_all_returning_structs: fn repo ->
    {n, rows} = repo.update_all(from(e in Emp, where: e.role == :staff, select: e), inc: [salary: 5])
    {n, Enum.map(rows, &{&1.name, &1.salary})}
  end,
  delete_all_join_subquery: fn repo ->
    repo.delete_all(from r in Review, where: r.emp_id in subquery(from e in Emp, where: e.name == "Ann", select: e.id))
  end,
  stale_update: fn repo ->
    e = repo.get_by!(Emp, name: "Bob")
    repo.delete!(e)
    e |> change(salary: 1) |> repo.update()
  end,
]
