# title: Ecto.Multi: all or nothing
# description: A money transfer built from named steps. When one step fails, the transaction rolls back and the data is left exactly as it was.
# %% Schemas
defmodule Bank.Account do
  use Ecto.Schema
  import Ecto.Changeset

  schema "accounts" do
    field :owner, :string
    field :balance, :integer
    timestamps()
  end

  def balance_changeset(account, delta) do
    account
    |> change(balance: account.balance + delta)
    |> check_constraint(:balance, name: :balance_must_not_be_negative, message: "insufficient funds")
  end
end

defmodule Bank.Transfer do
  use Ecto.Schema

  schema "transfers" do
    field :amount, :integer
    belongs_to :from_account, Bank.Account
    belongs_to :to_account, Bank.Account
    timestamps(updated_at: false)
  end
end
# %% Migration
defmodule Bank.Migrations.CreateAccounts do
  use Ecto.Migration

  def change do
    create table(:accounts) do
      add :owner, :string, null: false
      add :balance, :integer, null: false, check: %{name: "balance_must_not_be_negative", expr: "balance >= 0"}
      timestamps()
    end

    create table(:transfers) do
      add :amount, :integer, null: false
      add :from_account_id, references(:accounts), null: false
      add :to_account_id, references(:accounts), null: false
      timestamps(updated_at: false)
    end
  end
end

Ecto.Migrator.up(Repo, 1, Bank.Migrations.CreateAccounts)
# %% Two accounts
alias Bank.{Account, Transfer}

alice = Repo.insert!(%Account{owner: "alice", balance: 100})
bob = Repo.insert!(%Account{owner: "bob", balance: 20})

Repo.all(from a in Account, order_by: a.id, select: {a.owner, a.balance})
# %% The transfer, as data
# A Multi is only a description of the steps; nothing runs until
# Repo.transaction/1. Later steps see the results of earlier ones.
defmodule Bank do
  alias Ecto.Multi

  def transfer(from, to, amount) do
    Multi.new()
    |> Multi.insert(:transfer, %Transfer{from_account_id: from.id, to_account_id: to.id, amount: amount})
    |> Multi.update(:credit, Account.balance_changeset(to, amount))
    |> Multi.update(:debit, Account.balance_changeset(from, -amount))
    |> Multi.run(:receipt, fn _repo, %{transfer: t, debit: d, credit: c} ->
      {:ok, "transfer ##{t.id}: #{d.owner} -> #{c.owner} (#{t.amount})"}
    end)
  end
end

Bank.transfer(alice, bob, 30)
|> Ecto.Multi.to_list()
|> Enum.map(fn {name, operation} -> {name, elem(operation, 0)} end)
# %% A transfer that succeeds
{:ok, %{receipt: receipt}} = Bank.transfer(alice, bob, 30) |> Repo.transaction()
receipt
# %% A transfer that fails halfway
# Alice now has 70. The transfer row and Bob's credit are written, then the
# debit violates the CHECK constraint: check_constraint/3 turns it into a
# changeset error, the Multi stops there and everything is rolled back.
alice = Repo.get!(Account, alice.id)
bob = Repo.get!(Account, bob.id)

{:error, failed_step, failed_value, changes_so_far} = Bank.transfer(alice, bob, 500) |> Repo.transaction()
{failed_step, failed_value.errors, Map.keys(changes_so_far)}
# %% Nothing changed
# One transfer (the first), and the balances the first transfer left.
{Repo.aggregate(Transfer, :count), Repo.all(from a in Account, order_by: a.id, select: {a.owner, a.balance})}
# %% Failing on purpose with Multi.run
# A step returning {:error, value} stops the transaction the same way.
Ecto.Multi.new()
|> Ecto.Multi.update_all(:fees, Account, inc: [balance: -1])
|> Ecto.Multi.run(:audit, fn _repo, %{fees: {count, _}} ->
  if count > 1, do: {:error, :fees_need_approval}, else: {:ok, count}
end)
|> Repo.transaction()
# %% Still untouched
Repo.all(from a in Account, order_by: a.id, select: {a.owner, a.balance})
