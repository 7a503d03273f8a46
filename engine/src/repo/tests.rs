//! Repo tests against a real SQLite database (rusqlite).

#![cfg(feature = "rusqlite")]

use crate::eval::{Env, Interp};
use crate::executor::native::SqliteExecutor;
use crate::executor::Executor;
use crate::value::inspect::inspect;

use super::{install, take_log, StatementKind};

const SCHEMAS: &str = r#"
defmodule T.User do
  use Ecto.Schema
  schema "users" do
    field :name, :string
    field :email, :string
    field :age, :integer
    field :active, :boolean, default: true
    has_many :posts, T.Post
    timestamps()
  end

  def changeset(user, attrs) do
    user
    |> cast(attrs, [:name, :email, :age])
    |> validate_required([:name, :email])
    |> unique_constraint(:email)
  end
end

defmodule T.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    belongs_to :user, T.User
  end
end
"#;

const DDL: &[&str] = &[
    "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER, active INTEGER, inserted_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE UNIQUE INDEX users_email_index ON users (email)",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, user_id INTEGER REFERENCES users(id))",
];

struct Session {
    interp: Interp,
    env: Env,
}

impl Session {
    fn with(mut exec: SqliteExecutor, ddl: bool) -> Session {
        exec.execute("PRAGMA foreign_keys = ON", &[]).expect("pragma");
        if ddl {
            for s in DDL {
                exec.execute(s, &[]).expect("ddl");
            }
        }
        let mut interp = crate::interp();
        install(&mut interp, Box::new(exec));
        interp.ext::<super::RepoState>().now = Some(Box::new(|| 1_714_554_930_000_000));
        let mut env = Interp::env_with_imports(&["Ecto.Query", "Ecto.Changeset"]);
        env.add_alias("Multi", "Ecto.Multi");
        let mut s = Session { interp, env };
        s.eval(SCHEMAS);
        take_log(&mut s.interp);
        s
    }

    fn new() -> Session {
        Session::with(SqliteExecutor::in_memory().expect("db"), true)
    }

    /// Evaluates code; returns `inspect` of the value or `** (Kind) message`.
    fn eval(&mut self, src: &str) -> String {
        let parsed = crate::syntax::parse(src);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        match self.interp.eval(&parsed.root, &mut self.env) {
            Ok(v) => inspect(&v),
            Err(e) => format!("** ({}) {}", e.kind(), e.message()),
        }
    }

    /// The statements since the last call, as `sql [params]` lines.
    fn log(&mut self) -> Vec<String> {
        take_log(&mut self.interp)
            .into_iter()
            .map(|e| match e.kind {
                StatementKind::Query => format!("{} {}", e.sql, inspect(&crate::value::Value::list(e.params))),
                _ => e.sql,
            })
            .collect()
    }
}

#[test]
fn insert_struct_and_changeset() {
    let mut s = Session::new();
    let out =
        s.eval(r#"u = Repo.insert!(%T.User{name: "Ann", email: "ann@x.io", age: 30}); {u.id, u.name, u.__meta__.state, u.inserted_at}"#);
    assert_eq!(out, r#"{1, "Ann", :loaded, ~N[2024-05-01 09:15:30]}"#);
    assert_eq!(
        s.log(),
        vec![
            r#"INSERT INTO "users" ("active","age","email","name","inserted_at","updated_at") VALUES (?1,?2,?3,?4,?5,?6) RETURNING "id" [1, 30, "ann@x.io", "Ann", "2024-05-01T09:15:30", "2024-05-01T09:15:30"]"#
        ]
    );
    let out =
        s.eval(r#"{:error, cs} = %T.User{} |> T.User.changeset(%{name: "B", email: "ann@x.io"}) |> Repo.insert(); {cs.action, cs.errors}"#);
    assert_eq!(out, r#"{:insert, [email: {"has already been taken", [constraint: :unique, constraint_name: "users_email_index"]}]}"#);
    let out = s.eval(r#"%T.User{} |> change(name: "C", email: "ann@x.io") |> Repo.insert()"#);
    assert!(out.starts_with("** (Ecto.ConstraintError)"), "{out}");
    let out = s.eval(r#"Repo.insert!(T.User.changeset(%T.User{}, %{}))"#);
    assert!(out.starts_with("** (Ecto.InvalidChangesetError)"), "{out}");
}

#[test]
fn update_delete_and_stale() {
    let mut s = Session::new();
    s.eval(r#"u = Repo.insert!(%T.User{name: "Ann", email: "a@x.io"})"#);
    s.log();
    let out = s.eval(r#"{:ok, u2} = u |> change(age: 41) |> Repo.update(); u2.age"#);
    assert_eq!(out, "41");
    assert_eq!(s.log(), vec![r#"UPDATE "users" SET "age" = ?, "updated_at" = ? WHERE "id" = ? [41, "2024-05-01T09:15:30", 1]"#]);
    let out = s.eval(r#"{:ok, same} = u |> change() |> Repo.update(); same == u"#);
    assert_eq!(out, "true");
    assert!(s.log().is_empty());
    let out = s.eval(r#"{:ok, d} = Repo.delete(u); d.__meta__.state"#);
    assert_eq!(out, ":deleted");
    let out = s.eval(r#"u |> change(age: 1) |> Repo.update()"#);
    assert!(out.starts_with("** (Ecto.StaleEntryError)"), "{out}");
    let out = s.eval(r#"{:error, cs} = u |> change(age: 1) |> Repo.update(stale_error_field: :age); cs.errors"#);
    assert_eq!(out, r#"[age: {"is stale", [stale: true]}]"#);
}

#[test]
fn transactions_commit_rollback_and_nest() {
    let mut s = Session::new();
    let out = s.eval(r#"Repo.transaction(fn -> Repo.query!("INSERT INTO posts (title) VALUES (?)", ["a"]).num_rows end)"#);
    assert_eq!(out, "{:ok, 1}");
    assert_eq!(s.log(), vec!["begin", r#"INSERT INTO posts (title) VALUES (?) ["a"]"#, "commit"]);
    let out = s.eval(r#"Repo.transaction(fn -> Repo.query!("INSERT INTO posts (title) VALUES ('b')"); Repo.rollback(:nope) end)"#);
    assert_eq!(out, "{:error, :nope}");
    assert_eq!(s.log(), vec!["begin", r#"INSERT INTO posts (title) VALUES ('b') []"#, "rollback"]);
    let out = s.eval(
        r#"Repo.transaction(fn ->
             inner = Repo.transaction(fn -> Repo.rollback(:inner) end)
             {inner, Repo.in_transaction?()}
           end)"#,
    );
    assert_eq!(out, "{:error, :rollback}");
    assert_eq!(s.log(), vec!["begin", "rollback"]);
    let out = s.eval(r#"Repo.transaction(fn repo -> repo.query!("SELECT count(*) FROM posts").rows end)"#);
    assert_eq!(out, "{:ok, [[1]]}");
    let out = s.eval(r#"Repo.transaction(fn -> raise "boom" end)"#);
    assert_eq!(out, "** (RuntimeError) boom");
    assert_eq!(s.log(), vec!["begin", "SELECT count(*) FROM posts []", "commit", "begin", "rollback"]);
    assert_eq!(s.eval("Repo.rollback(1)"), "** (RuntimeError) cannot call rollback outside of transaction");
    assert_eq!(s.eval(r#"Repo.transact(fn -> {:error, :bad} end)"#), "{:error, :bad}");
    assert_eq!(s.eval(r#"Repo.transact(fn -> {:ok, 2} end)"#), "{:ok, 2}");
}

#[test]
fn multi_runs_in_order_and_fails_atomically() {
    let mut s = Session::new();
    let out = s.eval(
        r#"Multi.new()
           |> Multi.insert(:user, T.User.changeset(%T.User{}, %{name: "M", email: "m@x.io"}))
           |> Multi.run(:count, fn repo, %{user: u} -> {:ok, {u.id, repo.query!("SELECT count(*) FROM users").rows}} end)
           |> Multi.put(:answer, 42)
           |> Repo.transaction()
           |> then(fn {:ok, r} -> {r.count, r.answer} end)"#,
    );
    assert_eq!(out, "{{1, [[1]]}, 42}");
    let out = s.eval(
        r#"Multi.new()
           |> Multi.insert(:user, %T.User{name: "N", email: "n@x.io"})
           |> Multi.run(:fail, fn _repo, _ -> {:error, :nope} end)
           |> Multi.put(:never, 1)
           |> Repo.transaction()
           |> then(fn {:error, name, value, %{user: %T.User{}} = so_far} -> {name, value, map_size(so_far)} end)"#,
    );
    assert_eq!(out, "{:fail, :nope, 1}");
    assert_eq!(s.eval(r#"Repo.query!("SELECT count(*) FROM users").rows"#), "[[1]]");
    s.log();
    let out = s.eval(
        r#"Multi.new()
           |> Multi.put(:a, 1)
           |> Multi.insert(:bad, T.User.changeset(%T.User{}, %{}))
           |> Repo.transaction()
           |> then(fn {:error, :bad, cs, so_far} -> {cs.action, cs.valid?, so_far} end)"#,
    );
    assert_eq!(out, "{:insert, false, %{}}");
    assert!(s.log().is_empty(), "an invalid changeset is rejected before begin");
    assert_eq!(s.eval("Repo.transaction(Multi.new())"), "{:ok, %{}}");
    let out = s.eval(
        r#"Multi.new()
           |> Multi.put(:a, 1)
           |> Multi.merge(fn %{a: a} -> Multi.new() |> Multi.put(:b, a + 1) end)
           |> Multi.append(Multi.new() |> Multi.put(:c, 3))
           |> Repo.transaction()"#,
    );
    assert_eq!(out, "{:ok, %{a: 1, b: 2, c: 3}}");
}

#[test]
fn failed_multis_and_rolled_back_transactions_leave_the_file_unchanged() {
    let dir = std::env::temp_dir().join(format!("ectoplasm-atomic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("db.sqlite3");
    let _ = std::fs::remove_file(&path);
    let path_str = path.to_str().expect("utf-8 path").to_string();
    let mut s = Session::with(SqliteExecutor::open(&path_str).expect("db"), true);
    s.eval(r#"Repo.insert!(%T.User{name: "Keep", email: "keep@x.io"})"#);
    let before = std::fs::read(&path).expect("read db");

    let out = s.eval(
        r#"Multi.new()
           |> Multi.insert(:u1, %T.User{name: "X", email: "x@x.io"})
           |> Multi.run(:bump, fn repo, _ -> {:ok, repo.query!("UPDATE users SET age = 99")} end)
           |> Multi.insert(:dup, %T.User{name: "Y", email: "keep@x.io"} |> change() |> unique_constraint(:email))
           |> Repo.transaction()
           |> elem(1)"#,
    );
    assert_eq!(out, ":dup");
    assert_eq!(std::fs::read(&path).expect("read db"), before, "a failed Multi changes nothing");

    let out = s.eval(
        r#"Repo.transaction(fn ->
             Repo.insert!(%T.User{name: "Z", email: "z@x.io"})
             Repo.query!("DELETE FROM users")
             Repo.rollback(:undo)
           end)"#,
    );
    assert_eq!(out, "{:error, :undo}");
    assert_eq!(std::fs::read(&path).expect("read db"), before, "a rolled back transaction changes nothing");

    let out = s.eval(r#"Repo.transaction(fn -> Repo.insert!(%T.User{name: "W", email: "w@x.io"}); raise ArgumentError, "stop" end)"#);
    assert_eq!(out, "** (ArgumentError) stop");
    assert_eq!(std::fs::read(&path).expect("read db"), before, "an exception rolls back");

    s.eval(r#"Repo.insert!(%T.User{name: "New", email: "new@x.io"})"#);
    assert_ne!(std::fs::read(&path).expect("read db"), before, "a commit does change the file");
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn raw_queries() {
    let mut s = Session::new();
    let out = s.eval(r#"Repo.query!("SELECT 1 AS one, 'a' AS two, NULL AS three")"#);
    assert_eq!(out, r#"%Exqlite.Result{command: :execute, columns: ["one", "two", "three"], rows: [[1, "a", nil]], num_rows: 1}"#);
    let out = s.eval(r#"{:error, e} = Repo.query("SELECT * FROM nope"); e.message"#);
    assert_eq!(out, r#""no such table: nope""#);
    let out = s.eval(r#"Repo.query!("SELECT * FROM nope")"#);
    assert_eq!(out, "** (Exqlite.Error) no such table: nope\nSELECT * FROM nope");
    let out = s.eval(r#"Ecto.Adapters.SQL.query!(Repo, "SELECT ? + ?", [1, 2]).rows"#);
    assert_eq!(out, "[[3]]");
}

#[test]
fn insert_all_with_placeholders_returning_and_upserts() {
    let mut s = Session::new();
    let out = s.eval(
        r#"ts = ~N[2024-01-01 09:00:00]
           Repo.insert_all(T.User, [%{name: "a", email: "a@x", inserted_at: {:placeholder, :ts}, updated_at: {:placeholder, :ts}},
                                    %{name: "b", email: "b@x", inserted_at: {:placeholder, :ts}, updated_at: {:placeholder, :ts}}],
                           placeholders: %{ts: ts}, returning: [:id, :name])
           |> then(fn {n, [a, b]} -> {n, [{a.id, a.name}, {b.id, b.name}]} end)"#,
    );
    assert_eq!(out, r#"{2, [{1, "a"}, {2, "b"}]}"#);
    assert_eq!(
        s.log(),
        vec![
            r#"INSERT INTO "users" ("email","inserted_at","name","updated_at") VALUES (?2,?1,?3,?1),(?4,?1,?5,?1) RETURNING "name","id" ["2024-01-01T09:00:00", "a@x", "a", "b@x", "b"]"#
        ]
    );
    let out = s.eval(r#"Repo.insert_all("posts", [[title: "t1"], [title: "t2"]])"#);
    assert_eq!(out, "{2, nil}");
    let out = s.eval(
        r#"now = ~N[2024-02-01 10:00:00]
           Repo.insert_all(T.User, [%{name: "a2", email: "a@x", inserted_at: now, updated_at: now}],
             on_conflict: {:replace_all_except, [:id, :inserted_at]}, conflict_target: [:email])"#,
    );
    assert_eq!(out, "{1, nil}");
    assert_eq!(
        s.log(),
        vec![
            r#"INSERT INTO "posts" ("title") VALUES (?1),(?2) ["t1", "t2"]"#,
            r#"INSERT INTO "users" ("email","inserted_at","name","updated_at") VALUES (?1,?2,?3,?4) ON CONFLICT ("email") DO UPDATE SET "updated_at" = EXCLUDED."updated_at","active" = EXCLUDED."active","age" = EXCLUDED."age","name" = EXCLUDED."name" ["a@x", "2024-02-01T10:00:00", "a2", "2024-02-01T10:00:00"]"#,
        ]
    );
    let out = s.eval(r#"{:ok, u} = Repo.insert(%T.User{name: "z", email: "b@x"}, on_conflict: :nothing, conflict_target: :email); u.id"#);
    assert_eq!(out, "nil");
    let out = s.eval(
        r#"{:ok, u} = Repo.insert(%T.User{name: "z", email: "b@x", age: 1}, on_conflict: [inc: [age: 5]], conflict_target: :email); u.id"#,
    );
    assert_eq!(out, "2");
    let log = s.log();
    assert_eq!(
        log[1],
        r#"INSERT INTO "users" AS u0 ("active","age","email","name","inserted_at","updated_at") VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT ("email") DO UPDATE SET "age" = "age" + ? RETURNING "id" [1, 1, "b@x", "z", "2024-05-01T09:15:30", "2024-05-01T09:15:30", 5]"#
    );
}

#[test]
fn user_defined_repo_module_delegates() {
    let mut s = Session::new();
    s.eval(
        r#"defmodule MyApp.Repo do
             use Ecto.Repo, otp_app: :my_app, adapter: Ecto.Adapters.SQLite3
           end"#,
    );
    let out = s.eval(r#"MyApp.Repo.insert!(%T.User{name: "R", email: "r@x"}).id"#);
    assert_eq!(out, "1");
    let out = s.eval(r#"MyApp.Repo.transaction(fn repo -> repo end)"#);
    assert_eq!(out, "{:ok, MyApp.Repo}");
}

#[test]
fn queries_through_the_planner() {
    let mut s = Session::new();
    s.eval(
        r#"ann = Repo.insert!(%T.User{name: "Ann", email: "a@x", age: 30})
           bob = Repo.insert!(%T.User{name: "Bob", email: "b@x", age: 40})
           Repo.insert_all(T.Post, [%{title: "p1", user_id: ann.id}, %{title: "p2", user_id: ann.id}, %{title: "p3", user_id: bob.id}])"#,
    );
    s.log();
    assert_eq!(s.eval("Repo.get(T.User, 1).name"), r#""Ann""#);
    assert_eq!(s.eval(r#"Repo.get_by!(T.User, email: "b@x").age"#), "40");
    assert_eq!(s.eval("Repo.get(T.User, 99)"), "nil");
    assert!(s.eval("Repo.get!(T.User, 99)").starts_with("** (Ecto.NoResultsError)"));
    assert!(s.eval("Repo.one(T.User)").starts_with("** (Ecto.MultipleResultsError)"));
    assert_eq!(s.eval("Repo.all(from u in T.User, order_by: [desc: u.id], select: {u.id, u.name})"), r#"[{2, "Bob"}, {1, "Ann"}]"#);
    assert_eq!(s.eval("Repo.exists?(from u in T.User, where: u.age > 35)"), "true");
    assert_eq!(s.eval("Repo.aggregate(T.User, :count)"), "2");
    assert_eq!(s.eval("Repo.aggregate(T.User, :sum, :age)"), "70");
    assert_eq!(s.eval("Repo.aggregate(from(u in T.User, order_by: u.age, limit: 1), :max, :age)"), "30");
    s.log();
    assert_eq!(s.eval("Repo.update_all(from(u in T.User, where: u.name == \"Bob\"), inc: [age: 1])"), "{1, nil}");
    assert_eq!(s.eval("Repo.delete_all(from p in T.Post, where: p.title == \"p3\", select: p.title)"), r#"{1, ["p3"]}"#);
    assert_eq!(
        s.log(),
        vec![
            r#"UPDATE "users" AS u0 SET "age" = "age" + ? WHERE (u0."name" = 'Bob') [1]"#,
            r#"DELETE FROM "posts" AS p0 WHERE (p0."title" = 'p3') RETURNING "title" []"#,
        ]
    );
    let out = s.eval("Repo.all(from u in T.User, order_by: u.id) |> Repo.preload(:posts) |> Enum.map(&{&1.name, Enum.map(&1.posts, fn p -> p.title end)})");
    assert_eq!(out, r#"[{"Ann", ["p1", "p2"]}, {"Bob", []}]"#);
    assert_eq!(
        s.log()[1],
        r#"SELECT p0."id", p0."title", p0."user_id", p0."user_id" FROM "posts" AS p0 WHERE (p0."user_id" IN (?,?)) ORDER BY p0."user_id" [2, 1]"#
    );
    let out = s.eval("Repo.all(from p in T.Post, order_by: p.id, preload: :user) |> Enum.map(& &1.user.name)");
    assert_eq!(out, r#"["Ann", "Ann"]"#);
    let out = s.eval(
        "Repo.all(from u in T.User, left_join: p in assoc(u, :posts), order_by: [u.id, p.id], preload: [posts: p]) |> Enum.map(&{&1.name, length(&1.posts)})",
    );
    assert_eq!(out, r#"[{"Ann", 2}, {"Bob", 0}]"#);
    let out = s.eval("u = Repo.get!(T.User, 1); Repo.query!(\"UPDATE users SET age = 99\"); Repo.reload(u).age");
    assert_eq!(out, "99");
}

#[test]
fn insert_all_from_a_query_and_streams() {
    let mut s = Session::new();
    s.eval(r#"Repo.insert_all(T.User, [%{name: "a", email: "a@x", inserted_at: ~N[2024-01-01 00:00:00], updated_at: ~N[2024-01-01 00:00:00]}])"#);
    s.log();
    let out = s.eval(r#"Repo.insert_all("posts", from(u in T.User, select: %{title: u.name, user_id: u.id}))"#);
    assert_eq!(out, "{1, nil}");
    assert_eq!(s.log(), vec![r#"INSERT INTO "posts" ("title","user_id") SELECT u0."name", u0."id" FROM "users" AS u0 []"#]);
    // a stream is only reduced inside a transaction
    assert_eq!(s.eval("Repo.stream(T.Post) |> Enum.to_list()"), "** (RuntimeError) cannot reduce stream outside of transaction");
    s.log();
    assert_eq!(s.eval("Repo.transaction(fn -> Repo.stream(from p in T.Post, select: p.title) |> Enum.to_list() end)"), r#"{:ok, ["a"]}"#);
    // declared, fetched once (fewer rows than max_rows: the last fetch), deallocated
    let select = r#"SELECT p0."title" FROM "posts" AS p0 []"#;
    assert_eq!(s.log(), vec!["begin", select, select, select, "commit"]);
}

#[test]
fn telemetry_event_per_statement() {
    let mut s = Session::new();
    let out = s.eval(
        r#"
        parent = self()
        :telemetry.attach("t", [:ectoplasm, :repo, :query], fn _, m, md, _ -> send(parent, {md.query, md.source, md.params, elem(md.result, 0), m |> Map.keys() |> Enum.sort()}) end, nil)
        Repo.transaction(fn -> Repo.insert!(%T.User{name: "A", email: "a@x.io"}) end)
        Repo.all(from(u in T.User, where: u.age > ^3, select: u.id), telemetry_event: [:elsewhere])
        Repo.all(from u in T.User, select: u.id)
        :telemetry.detach("t")
        collect = fn f, acc -> receive do m -> f.(f, [m | acc]) after 0 -> Enum.reverse(acc) end end
        collect.(collect, []) |> Enum.map(fn {q, s, p, r, m} -> {String.slice(q, 0, 11), s, length(p), r, m} end)
        "#,
    );
    assert_eq!(
        out,
        r#"[{"begin", nil, 0, :ok, [:idle_time, :query_time, :queue_time, :total_time]}, {"INSERT INTO", "users", 5, :ok, [:decode_time, :query_time, :total_time]}, {"commit", nil, 0, :ok, [:query_time, :total_time]}, {"SELECT u0.\"", "users", 0, :ok, [:decode_time, :idle_time, :query_time, :queue_time, :total_time]}]"#
    );
    let log = take_log(&mut s.interp);
    assert_eq!(log.iter().filter(|e| e.off_event).count(), 1);
}

#[test]
fn to_sql_and_explain_on_the_repo() {
    let mut s = Session::new();
    assert_eq!(
        s.eval(r#"Repo.to_sql(:all, from(u in T.User, where: u.email == ^"a@x.io", select: u.id))"#),
        r#"{"SELECT u0.\"id\" FROM \"users\" AS u0 WHERE (u0.\"email\" = ?)", ["a@x.io"]}"#
    );
    assert_eq!(
        s.eval(r#"Repo.explain(:all, from(u in T.User, where: u.age > ^30, order_by: u.name))"#),
        r#""QUERY PLAN\n|--SCAN u0\n`--USE TEMP B-TREE FOR ORDER BY""#
    );
    // ecto_sql runs it in a transaction that is rolled back
    let log = s.log();
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(log[0], "begin");
    assert!(log[1].starts_with("EXPLAIN QUERY PLAN SELECT "), "{log:?}");
    assert_eq!(log[2], "rollback");
    let table = s.eval(r#"Ecto.Adapters.SQL.explain(Repo, :all, T.Post, type: :instructions, wrap_in_transaction: false)"#);
    assert!(table.starts_with(r#""+------+"#) && table.contains(r#"| addr | opcode "#), "{table}");
    assert!(s.log()[0].starts_with("EXPLAIN SELECT "));
}
