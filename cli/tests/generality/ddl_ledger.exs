defmodule Ledger.CreateAccounts do
  use Ecto.Migration

  def change do
    create_if_not_exists table(:accounts) do
      add :code, :string, size: 20, null: false
      add :name, :string, null: false
      add :kind, :string, null: false, default: "asset"
      add :parent_id, references(:accounts, on_delete: :restrict, on_update: :update_all)
      add :balance_cents, :bigint, default: 0, null: false
      add :closed, :boolean, default: false
      add :opened_on, :date, default: fragment("CURRENT_DATE")
      timestamps(type: :utc_datetime_usec)
    end

    create unique_index(:accounts, [:code], name: :accounts_code_uniq)
    create index(:accounts, [:parent_id], where: "closed = false")
  end
end

defmodule Ledger.CreateEntries do
  use Ecto.Migration

  def change do
    create table(:journal_entries, primary_key: false) do
      add :id, :uuid, primary_key: true
      add :posted_at, :naive_datetime, null: false
      add :memo, :text
      add :tags, {:array, :string}, default: []
      add :attachments, {:array, :map}
      add :amount, :decimal, precision: 18, scale: 2, null: false, default: 0
      add :rate, :float, default: 0.5
      add :debit_id, references(:accounts, on_delete: :delete_all), null: false
      add :credit_id, references(:accounts, on_delete: :nilify_all, name: :entries_credit_fk)
    end

    create index(:journal_entries, [:debit_id, :credit_id], unique: true)
    create constraint(:journal_entries, :amount_positive, check: "amount > 0")
  end
end

defmodule Ledger.AlterAccounts do
  use Ecto.Migration

  def change do
    alter table(:accounts) do
      add :currency, :string, size: 3, default: "USD", null: false
      add :owner_id, references(:users, type: :bigint, on_delete: :nothing)
      timestamps(inserted_at: :created_on, updated_at: false, type: :date, default: fragment("CURRENT_DATE"))
    end

    rename table(:accounts), to: table(:ledger_accounts)
    rename index(:ledger_accounts, [:code], name: :accounts_code_uniq), to: :ledger_accounts_code_uniq
  end
end

defmodule Ledger.UpDown do
  use Ecto.Migration

  def up do
    alter table(:journal_entries) do
      modify :memo, :string, size: 500, null: false, default: ""
      remove :rate
    end

    drop_if_exists constraint(:journal_entries, :amount_positive)
    execute "UPDATE journal_entries SET memo = '' WHERE memo IS NULL"
  end

  def down do
    alter table(:journal_entries) do
      modify :memo, :text, null: true
      add :rate, :float
    end
  end
end

migrations = [
  create_accounts: Ledger.CreateAccounts,
  create_accounts_down: {:down, Ledger.CreateAccounts},
  create_entries: Ledger.CreateEntries,
  create_entries_down: {:down, Ledger.CreateEntries},
  alter_accounts: Ledger.AlterAccounts,
  alter_accounts_down: {:down, Ledger.AlterAccounts},
  up_down: Ledger.UpDown,
  up_down_rollback: {:down, Ledger.UpDown},
  index_concurrent_include: fn ->
    create index(:journal_entries, [:posted_at], concurrently: true, include: [:memo], prefix: "books")
  end,
  index_unique_where_name_string: fn ->
    create unique_index("journal_entries", [:memo], name: "entries_memo_idx", where: "memo IS NOT NULL")
  end,
  drop_index_variants: fn ->
    drop index(:journal_entries, [:posted_at])
    drop_if_exists index(:journal_entries, [:memo], name: :entries_memo_idx)
  end,
  drop_index_concurrently: fn ->
    drop index(:journal_entries, [:posted_at], concurrently: true)
  end,
  add_if_not_exists_and_remove_if_exists: fn ->
    alter table(:journal_entries) do
      add_if_not_exists :source, :string, default: "manual"
      add_if_not_exists :batch_id, references(:batches)
      remove_if_exists :attachments, {:array, :map}
    end
  end,
  modify_with_from_tuple: fn ->
    alter table(:journal_entries) do
      modify :memo, :text, null: false, from: {:string, null: true}
      modify :credit_id, references(:accounts, on_delete: :restrict), from: references(:accounts, on_delete: :nilify_all)
    end
  end,
  modify_with_from_tuple_down: {:down, fn ->
    alter table(:journal_entries) do
      modify :memo, :text, null: false, from: {:string, null: true}
    end
  end},
  create_constraint_not_valid: fn ->
    create constraint(:journal_entries, :memo_len, check: "length(memo) < 1000", validate: false)
    drop constraint(:journal_entries, :old_check)
  end,
  generated_column: fn ->
    create table(:balances) do
      add :debit, :integer
      add :credit, :integer
      add :net, :integer, generated: "ALWAYS AS (debit - credit) STORED"
    end
  end,
  defaults_various: fn ->
    create table(:settings) do
      add :on, :boolean, default: true
      add :off, :boolean, default: false
      add :ratio, :decimal, default: Decimal.new("1.25")
      add :neg, :integer, default: -1
      add :list_default, {:array, :integer}, default: [1, 2, 3]
      add :empty_map, :map, default: %{}
      add :quote, :string, default: "O'Brien"
    end
  end,
  table_prefix_and_references_prefix: fn ->
    create table(:postings, prefix: "books") do
      add :entry_id, references(:journal_entries, type: :uuid, prefix: "books", on_delete: :delete_all)
      add :account_id, references(:accounts, prefix: "books")
    end
  end,
  create_table_if_not_exists_down: {:down, fn ->
    create_if_not_exists table(:tmp_sums) do
      add :total, :integer
    end
    create_if_not_exists index(:tmp_sums, [:total])
  end},
  rename_table_down: {:down, fn -> rename table(:accounts), to: table(:ledger_accounts) end},
  drop_table_irreversible_down: {:down, fn -> drop table(:postings) end},
  execute_irreversible_down: {:down, fn -> execute "VACUUM" end},
  remove_typed_down: {:down, fn ->
    alter table(:journal_entries) do
      remove :memo, :text, null: true
      remove :debit_id, references(:accounts)
    end
  end},
  alter_timestamps_down: {:down, fn ->
    alter table(:journal_entries) do
      timestamps()
    end
  end},
  raw_create_index: {:raw, {:create, %Ecto.Migration.Index{table: "x", name: "x_a_index", columns: [:a]}}},
  error_add_references_sqlite_alter: fn ->
    alter table(:journal_entries) do
      add :reviewer_id, references(:users, on_delete: :delete_all)
    end
  end,
  primary_key_options: fn ->
    create table(:periods, primary_key: [name: :period_id, type: :serial]) do
      add :label, :string
    end
  end,
  comment_on_table_alter: fn ->
    alter table(:journal_entries, comment: "double entry rows") do
      add :note, :string, comment: "free text"
    end
  end,
  remove_if_exists_ref: fn ->
    alter table(:journal_entries) do
      remove_if_exists :batch_id, references(:batches)
      remove :credit_id, references(:accounts, name: :entries_credit_fk)
    end
  end,
  modify_ref_null: fn ->
    alter table(:journal_entries) do
      modify :debit_id, references(:accounts, on_delete: :delete_all), null: true, from: {references(:accounts), null: false}
    end
  end,
  modify_ref_null_down: {:down, fn ->
    alter table(:journal_entries) do
      modify :debit_id, references(:accounts, on_delete: :delete_all), null: true, from: {references(:accounts), null: false}
    end
  end},
  index_only_nulls: fn ->
    create index(:entries, [:a], only: true)
    create unique_index(:entries, [:b], nulls_distinct: true, comment: "b idx", prefix: "books")
  end,
  drop_index_cascade: fn ->
    drop index(:entries, [:a]), mode: :cascade
    drop constraint(:entries, :c1), mode: :cascade
  end,
  constraint_prefix_comment: fn ->
    create constraint(:entries, :pos, check: "a > 0", prefix: "books", comment: "positive")
    create constraint(:entries, :excl, exclude: ~s|gist (room WITH =)|, validate: false)
  end,
  constraint_down: {:down, fn ->
    create constraint(:entries, :pos, check: "a > 0")
  end},
  index_with_expr_and_order: fn ->
    create index(:entries, ["lower(name)", :kind], name: :entries_lower_name_kind)
    create index(:entries, [desc: :posted_at, asc_nulls_first: :id])
  end,
  drop_index_concurrently_sqlite: fn ->
    drop_if_exists index(:entries, [:a], concurrently: true)
  end,
  rollback_concurrent_create: {:down, fn ->
    create index(:entries, [:a], concurrently: true)
  end},
  create_table_pk_false_no_cols: fn ->
    create table(:pairs, primary_key: false) do
      add :left_id, references(:items), primary_key: true
      add :right_id, references(:items), primary_key: true
      timestamps(updated_at: false)
    end
  end,
  references_with_type_serial_and_prefix: fn ->
    create table(:children) do
      add :parent_code, references(:parents, column: :code, type: :string, size: 10)
      add :owner_uuid, references(:owners, type: :uuid, column: :uuid, on_delete: :delete_all, on_update: :nilify_all)
    end
  end,
  alter_modify_type_only: fn ->
    alter table(:children) do
      modify :parent_code, :string, size: 40
      modify :note, :text, collation: "C"
    end
  end,
  execute_fn_anon: fn ->
    execute(fn -> :ok end)
  end,
  rename_column_and_table: fn ->
    rename table(:children), :parent_code, to: :parent_ref
    rename table(:children, prefix: "old"), to: table(:kids)
  end,
  alter_add_timestamps_opts: fn ->
    alter table(:children) do
      timestamps(type: :naive_datetime_usec, null: true)
    end
  end,
  column_types_more: fn ->
    create table(:typed) do
      add :a, :smallint
      add :b, :real
      add :c, :double
      add :d, :citext
      add :e, :utc_datetime, precision: 3
      add :f, :string, size: 50, collate: "C"
      add :g, :decimal, precision: 10
      add :h, :binary, size: 16
      add :i, :integer, primary_key: false, null: false, default: 5, comment: "five"
      add :j, {:array, :uuid}
      add :k, :duration
      add :l, :naive_datetime, precision: 6
    end
  end,
]
