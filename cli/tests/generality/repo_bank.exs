defmodule Bank.Customer do
  use Ecto.Schema

  schema "customers" do
    field :name, :string
    field :tier, Ecto.Enum, values: [:basic, :gold], default: :basic
    field :tags, {:array, :string}, default: []
    has_many :accounts, Bank.Account
    has_many :entries, through: [:accounts, :entries]
    has_one :primary_account, Bank.Account, where: [kind: :checking]
    timestamps(type: :utc_datetime_usec)
  end

  def changeset(c, attrs) do
    c |> cast(attrs, [:name, :tier, :tags]) |> validate_required([:name]) |> unique_constraint(:name, name: :customers_lower_name_index, message: "name in use")
  end
end

defmodule Bank.Account do
  use Ecto.Schema

  schema "accounts" do
    field :iban, :string
    field :kind, Ecto.Enum, values: [:checking, :savings]
    field :balance, :decimal, default: Decimal.new("0.00")
    field :version, :integer, default: 1
    field :opened_on, :date
    belongs_to :customer, Bank.Customer
    has_many :entries, Bank.Entry, preload_order: [asc: :id]
  end

  def changeset(a, attrs) do
    a
    |> cast(attrs, [:iban, :kind, :balance, :opened_on, :customer_id])
    |> validate_required([:iban, :kind])
    |> unique_constraint(:iban)
    |> check_constraint(:balance, name: :balance_not_negative, message: "insufficient funds")
    |> assoc_constraint(:customer)
  end
end

defmodule Bank.Entry do
  use Ecto.Schema

  schema "entries" do
    field :amount, :decimal
    field :memo, :string
    field :posted_at, :naive_datetime
    belongs_to :account, Bank.Account
  end
end

defmodule Bank.Transfer do
  use Ecto.Schema
  @primary_key {:id, :binary_id, autogenerate: true}
  schema "transfers" do
    field :amount, :decimal
    field :status, :string, read_after_writes: true
    field :ref, :string
    timestamps(updated_at: false)
  end
end

defmodule Bank.Migration do
  use Ecto.Migration

  def change do
    create table(:customers) do
      add :name, :string, null: false
      add :tier, :string, default: "basic"
      add :tags, {:array, :string}
      timestamps(type: :utc_datetime_usec)
    end

    create unique_index(:customers, ["lower(name)"], name: :customers_lower_name_index)

    create table(:accounts) do
      add :iban, :string, null: false
      add :kind, :string, null: false
      add :balance, :decimal, default: 0, check: %{name: "balance_not_negative", expr: "balance >= 0"}
      add :version, :integer, default: 1
      add :opened_on, :date
      add :customer_id, references(:customers, on_delete: :nilify_all)
    end

    create unique_index(:accounts, [:iban])

    create table(:entries) do
      add :amount, :decimal, null: false
      add :memo, :string
      add :posted_at, :naive_datetime
      add :account_id, references(:accounts, on_delete: :delete_all)
    end

    create table(:transfers, primary_key: false) do
      add :id, :binary_id, primary_key: true
      add :amount, :decimal
      add :status, :string, default: "pending"
      add :ref, :string
      timestamps(updated_at: false)
    end

    create unique_index(:transfers, [:ref])
  end
end

alias Bank.{Customer, Account, Entry, Transfer}
setup_migrations = [Bank.Migration]

runs = [
  seed_customers: fn repo ->
    {:ok, ana} = repo.insert(Customer.changeset(%Customer{}, %{name: "Ana", tier: "gold", tags: ["vip"]}))
    bo = repo.insert!(%Customer{name: "Bo"})
    {ana.id, ana.tier, ana.tags, bo.id, bo.tags, is_struct(ana.inserted_at, DateTime)}
  end,
  unique_on_expression_index: fn repo ->
    repo.insert(Customer.changeset(%Customer{}, %{name: "Ana"}))
  end,
  seed_accounts: fn repo ->
    {2, rows} = repo.insert_all(Account, [
      %{iban: "NL01", kind: :checking, balance: Decimal.new("100.00"), customer_id: 1, opened_on: ~D[2020-01-15]},
      %{iban: "NL02", kind: :savings, balance: Decimal.new("2500.50"), customer_id: 1, opened_on: ~D[2021-06-01]}
    ], returning: [:id, :iban, :kind])
    {:ok, a3} = repo.insert(Account.changeset(%Account{}, %{iban: "BE03", kind: "checking", customer_id: 2}))
    {rows, a3.balance, a3.version}
  end,
  check_constraint_named: fn repo ->
    acc = repo.get_by!(Account, iban: "NL01")
    {:error, cs} = repo.update(Account.changeset(acc, %{balance: "-5"}))
    {cs.errors, cs.action, cs.valid?}
  end,
  assoc_constraint_missing_parent: fn repo ->
    repo.insert(Account.changeset(%Account{}, %{iban: "XX99", kind: :savings, customer_id: 999}))
  end,
  insert_all_entries_placeholders: fn repo ->
    now = ~N[2024-03-01 09:00:00]
    entries = for {acc, amt, memo} <- [{1, "10.00", "coffee"}, {1, "-2.50", "refund"}, {2, "100.00", "salary"}, {3, "5", "gift"}] do
      %{account_id: acc, amount: Decimal.new(amt), memo: memo, posted_at: {:placeholder, :now}}
    end
    repo.insert_all(Entry, entries, placeholders: %{now: now})
  end,
  insert_all_from_query: fn repo ->
    q = from e in Entry, where: e.amount > 50, select: %{account_id: e.account_id, amount: e.amount, memo: "copy"}
    {n, _} = repo.insert_all(Entry, q)
    {n, repo.aggregate(Entry, :count)}
  end,
  aggregate_variants: fn repo ->
    {repo.aggregate(Entry, :sum, :amount), repo.aggregate(Entry, :avg, :amount), repo.aggregate(Entry, :max, :posted_at), repo.aggregate(from(e in Entry, where: e.account_id == 1), :count, :id), repo.aggregate(Entry, :min, :memo), repo.aggregate(from(e in Entry, limit: 2), :count)}
  end,
  preload_through_and_where: fn repo ->
    ana = repo.get!(Customer, 1) |> repo.preload([:entries, :primary_account])
    {Enum.map(ana.entries, & &1.memo), ana.primary_account.iban}
  end,
  preload_nested_keyword_with_query: fn repo ->
    c = repo.one!(from c in Customer, where: c.name == "Ana", preload: [accounts: [entries: ^from(e in Entry, order_by: [desc: e.amount])]])
    for a <- c.accounts, do: {a.iban, Enum.map(a.entries, &Decimal.to_string(&1.amount))}
  end,
  preload_function: fn repo ->
    accounts = repo.all(from a in Account, order_by: a.id)
    loaded = repo.preload(accounts, entries: fn ids -> repo.all(from e in Entry, where: e.account_id in ^ids and e.amount > 0) end)
    Enum.map(loaded, &{&1.iban, length(&1.entries)})
  end,
  preload_in_query_join: fn repo ->
    repo.all(from a in Account, join: c in assoc(a, :customer), where: c.tier == :gold, preload: [customer: c], select: a, order_by: a.iban)
    |> Enum.map(&{&1.iban, &1.customer.name})
  end,
  stream_in_transaction: fn repo ->
    repo.transaction(fn ->
      from(e in Entry, order_by: e.id, select: e.memo) |> repo.stream(max_rows: 2) |> Enum.take(3)
    end)
  end,
  stream_outside_transaction: fn repo ->
    repo.stream(Entry) |> Enum.to_list()
  end,
  binary_id_read_after_writes: fn repo ->
    {:ok, t} = repo.insert(%Transfer{amount: Decimal.new("12.34"), ref: "T1"})
    {byte_size(t.id), t.status, t.amount}
  end,
  upsert_conflict_target_replace: fn repo ->
    {:ok, t} = repo.insert(%Transfer{amount: Decimal.new("99"), ref: "T1", status: "done"}, on_conflict: {:replace, [:amount, :status]}, conflict_target: :ref, returning: true)
    {t.amount, t.status, repo.aggregate(Transfer, :count)}
  end,
  upsert_conflict_nothing_binary_id: fn repo ->
    {:ok, t} = repo.insert(%Transfer{amount: Decimal.new("1"), ref: "T1"}, on_conflict: :nothing, conflict_target: [:ref])
    {t.id, t.amount}
  end,
  upsert_keyword_update: fn repo ->
    repo.insert(%Transfer{amount: Decimal.new("5"), ref: "T1"}, on_conflict: [set: [status: "retried"], inc: [amount: 1]], conflict_target: :ref, returning: [:amount, :status])
    |> then(fn {:ok, t} -> {t.amount, t.status} end)
  end,
  upsert_without_target_raises: fn repo ->
    repo.insert(%Transfer{ref: "T1"}, on_conflict: :replace_all)
  end,
  upsert_conflict_target_unsafe_fragment: fn repo ->
    repo.insert_all(Customer, [%{name: "ana", inserted_at: ~U[2024-01-01 00:00:00.000000Z], updated_at: ~U[2024-01-01 00:00:00.000000Z]}], on_conflict: :nothing, conflict_target: {:unsafe_fragment, "(lower(name))"})
  end,
  optimistic_lock_update: fn repo ->
    acc = repo.get_by!(Account, iban: "BE03")
    {:ok, acc2} = acc |> Account.changeset(%{balance: "10"}) |> optimistic_lock(:version) |> repo.update()
    stale = acc |> change(balance: Decimal.new("20")) |> optimistic_lock(:version) |> repo.update(stale_error_field: :version, stale_error_message: "changed meanwhile")
    {acc2.version, stale}
  end,
  delete_stale_raises: fn repo ->
    repo.delete!(%Account{id: 12345})
  end,
  delete_allow_stale: fn repo ->
    repo.delete(%Account{id: 12345}, allow_stale: true)
  end,
  update_all_inc_returning: fn repo ->
    from(a in Account, where: a.kind == :savings, select: {a.iban, a.balance}) |> repo.update_all(inc: [version: 1], set: [opened_on: ~D[2022-02-02]])
  end,
  update_all_with_query_update: fn repo ->
    q = from a in Account, where: a.customer_id == 2, update: [set: [balance: fragment("balance + ?", 1)]]
    {repo.update_all(q, []), repo.one(from a in Account, where: a.customer_id == 2, select: a.balance)}
  end,
  multi_full: fn repo ->
    multi =
      Multi.new()
      |> Multi.insert(:cust, Customer.changeset(%Customer{}, %{name: "Cy"}))
      |> Multi.insert(:acct, fn %{cust: c} -> Account.changeset(%Account{}, %{iban: "DE04", kind: :checking, customer_id: c.id}) end)
      |> Multi.update(:acct2, fn %{acct: a} -> change(a, balance: Decimal.new("50")) end)
      |> Multi.insert_all(:entries, Entry, fn %{acct: a} -> [%{account_id: a.id, amount: Decimal.new("50"), memo: "open"}] end)
      |> Multi.update_all(:bump, from(a in Account, where: a.iban == "DE04"), inc: [version: 1])
      |> Multi.put(:note, "hello")
      |> Multi.run(:check, fn repo, %{acct: a} -> {:ok, repo.aggregate(from(e in Entry, where: e.account_id == ^a.id), :count)} end)
      |> Multi.delete_all(:purge, from(e in Entry, where: e.memo == "copy"))
    {:ok, res} = repo.transaction(multi)
    {Map.keys(res), res.acct2.balance, res.entries, res.bump, res.note, res.check, res.purge}
  end,
  multi_failure_changes: fn repo ->
    Multi.new()
    |> Multi.insert(:ok_one, %Customer{name: "Dee"})
    |> Multi.insert(:dup, Customer.changeset(%Customer{}, %{name: "ANA"}))
    |> Multi.run(:never, fn _, _ -> {:ok, :ran} end)
    |> repo.transaction()
    |> case do
      {:error, name, %Ecto.Changeset{} = cs, changes} -> {name, cs.errors, Map.keys(changes)}
    end
  end,
  multi_run_error_value: fn repo ->
    Multi.new() |> Multi.run(:a, fn _, _ -> {:ok, 1} end) |> Multi.run(:b, fn _, %{a: a} -> {:error, {:too_small, a}} end) |> repo.transaction()
  end,
  multi_to_list_names: fn _repo ->
    m = Multi.new() |> Multi.insert(:c, %Customer{name: "x"}) |> Multi.run(:r, fn _, _ -> {:ok, 1} end) |> Multi.put(:p, 1)
    Enum.map(Multi.to_list(m), &elem(&1, 0))
  end,
  multi_merge: fn repo ->
    Multi.new()
    |> Multi.run(:count, fn repo, _ -> {:ok, repo.aggregate(Customer, :count)} end)
    |> Multi.merge(fn %{count: n} -> Multi.new() |> Multi.put(:double, n * 2) end)
    |> repo.transaction()
  end,
  multi_duplicate_name_raises: fn _repo ->
    Multi.new() |> Multi.put(:a, 1) |> Multi.put(:a, 2)
  end,
  transaction_rollback_value: fn repo ->
    r = repo.transaction(fn ->
      repo.insert!(%Customer{name: "Ghost"})
      repo.rollback({:nope, 42})
    end)
    {r, repo.exists?(from c in Customer, where: c.name == "Ghost")}
  end,
  transaction_in_transaction: fn repo ->
    repo.transaction(fn ->
      inner = repo.transaction(fn -> repo.in_transaction?() end)
      {inner, repo.in_transaction?()}
    end)
  end,
  no_results_error: fn repo -> repo.one!(from c in Customer, where: c.name == "Nobody") end,
  get_by_bang_multiple: fn repo -> repo.get_by!(Account, customer_id: 1) end,
  update_invalid_changeset_raises: fn repo ->
    repo.update!(Account.changeset(repo.get!(Account, 1), %{iban: nil}))
  end,
  insert_not_null_raises: fn repo -> repo.insert(%Account{kind: :checking}) end,
  unique_without_constraint_raises: fn repo -> repo.insert(%Account{iban: "NL01", kind: :checking}) end,
  delete_all_returning_and_reload: fn repo ->
    {n, rows} = repo.delete_all(from(e in Entry, where: e.memo == "gift", select: e.memo))
    {n, rows, repo.reload(%Entry{id: 4}), repo.reload!(repo.get!(Account, 1)).iban}
  end,
  nilify_on_delete: fn repo ->
    {:ok, _} = repo.delete(repo.get!(Customer, 2))
    repo.get_by(Account, iban: "BE03") |> Map.take([:iban, :customer_id])
  end,
  select_merge_and_map: fn repo ->
    repo.all(from a in Account, where: not is_nil(a.customer_id), order_by: [desc: a.balance], select: %{iban: a.iban}, select_merge: %{bal: a.balance})
  end,
  query_raw: fn repo ->
    r = repo.query!("SELECT iban, balance FROM accounts WHERE balance > ? ORDER BY iban", [10])
    {r.columns, r.rows, r.num_rows}
  end,
]
