use super::sql::{self, ConflictTarget, InsertCell, OnConflict};
use super::*;
use crate::eval::Interp;
use crate::syntax;

const SCHEMAS: &str = r#"
defmodule T.User do
  use Ecto.Schema
  schema "users" do
    field :name, :string
    field :age, :integer
    field :active, :boolean, default: true
    has_many :posts, T.Post, foreign_key: :author_id
    timestamps()
  end
end
defmodule T.Post do
  use Ecto.Schema
  schema "posts" do
    field :title, :string
    field :views, :integer
    field :rating, :float
    field :meta, :map
    belongs_to :author, T.User
    many_to_many :tags, T.Tag, join_through: "posts_tags"
  end
end
defmodule T.Tag do
  use Ecto.Schema
  schema "tags" do
    field :name, :string
  end
end
alias T.{User, Post, Tag}
"#;

fn eval(src: &str) -> (Interp, Value) {
    let parsed = syntax::parse(&format!("{SCHEMAS}\n{src}"));
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let mut interp = crate::interp();
    let mut env = Interp::env_with_imports(&["Ecto.Query"]);
    let v = interp.eval_file(&parsed.root, &mut env).unwrap_or_else(|e| panic!("{}: {}", e.kind(), e.message()));
    (interp, v)
}

fn check(src: &str, op: Op, sqlite: &str, pg: &str) {
    let (mut interp, v) = eval(src);
    let (s, _, _) = to_sql(&mut interp, &v, op, Dialect::Sqlite, crate::Span::NONE).unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(s, sqlite);
    let (p, _, _) = to_sql(&mut interp, &v, op, Dialect::Postgres, crate::Span::NONE).unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(p, pg);
}

fn check_err(src: &str, op: Op, kind: &str) {
    let parsed = syntax::parse(&format!("{SCHEMAS}\n{src}"));
    let mut interp = crate::interp();
    let mut env = Interp::env_with_imports(&["Ecto.Query"]);
    let r = interp.eval_file(&parsed.root, &mut env).and_then(|v| to_sql(&mut interp, &v, op, Dialect::Postgres, crate::Span::NONE));
    match r {
        Ok((sql, _, _)) => panic!("expected {kind}, got {sql}"),
        Err(e) => assert_eq!(e.kind(), kind, "{}", e.message()),
    }
}

#[test]
fn where_select_and_params() {
    check(
        "from(p in Post, where: p.views > ^100 and p.rating <= ^4.5, select: p.id)",
        Op::All,
        r#"SELECT p0."id" FROM "posts" AS p0 WHERE ((p0."views" > ?) AND (p0."rating" <= ?))"#,
        r#"SELECT p0."id" FROM "posts" AS p0 WHERE ((p0."views" > $1) AND (p0."rating" <= $2))"#,
    );
    check(
        "from(u in User, where: u.active == true, select: u.name)",
        Op::All,
        r#"SELECT u0."name" FROM "users" AS u0 WHERE (u0."active" = 1)"#,
        r#"SELECT u0."name" FROM "users" AS u0 WHERE (u0."active" = TRUE)"#,
    );
}

#[test]
fn whole_schema_and_assoc_joins() {
    check(
        "User",
        Op::All,
        r#"SELECT u0."id", u0."name", u0."age", u0."active", u0."inserted_at", u0."updated_at" FROM "users" AS u0"#,
        r#"SELECT u0."id", u0."name", u0."age", u0."active", u0."inserted_at", u0."updated_at" FROM "users" AS u0"#,
    );
    check(
        "from(p in Post, join: t in assoc(p, :tags), where: t.name == ^\"x\", select: p.id)",
        Op::All,
        r#"SELECT p0."id" FROM "posts" AS p0 INNER JOIN "posts_tags" AS p2 ON p2."post_id" = p0."id" INNER JOIN "tags" AS t1 ON p2."tag_id" = t1."id" WHERE (t1."name" = ?)"#,
        r#"SELECT p0."id" FROM "posts" AS p0 INNER JOIN "posts_tags" AS p2 ON p2."post_id" = p0."id" INNER JOIN "tags" AS t1 ON p2."tag_id" = t1."id" WHERE (t1."name" = $1)"#,
    );
}

#[test]
fn subqueries_and_updates() {
    check(
        "from(u in User, where: u.id in subquery(from(p in Post, where: p.views > ^1, select: p.author_id)), select: u.name)",
        Op::All,
        r#"SELECT u0."name" FROM "users" AS u0 WHERE (u0."id" IN (SELECT sp0."author_id" FROM "posts" AS sp0 WHERE (sp0."views" > ?)))"#,
        r#"SELECT u0."name" FROM "users" AS u0 WHERE (u0."id" IN (SELECT sp0."author_id" FROM "posts" AS sp0 WHERE (sp0."views" > $1)))"#,
    );
    check(
        "from(p in Post, where: p.author_id == ^7, update: [set: [title: \"t\", rating: ^1.0], inc: [views: 1]])",
        Op::UpdateAll,
        r#"UPDATE "posts" AS p0 SET "title" = 't', "views" = "views" + 1, "rating" = ? WHERE (p0."author_id" = ?)"#,
        r#"UPDATE "posts" AS p0 SET "title" = 't', "views" = p0."views" + 1, "rating" = $1 WHERE (p0."author_id" = $2)"#,
    );
}

#[test]
fn errors() {
    check_err("from(p in Post, select: p.nope)", Op::All, "Ecto.QueryError");
    check_err("from(p in Post, where: p.views > ^\"lots\", select: p.id)", Op::All, "Ecto.Query.CastError");
    check_err("from(p in \"posts\")", Op::All, "Ecto.QueryError");
    check_err("from(p in Post, where: p.views > x, select: p.id)", Op::All, "Ecto.Query.CompileError");
}

#[test]
fn repo_statements() {
    let header: Vec<String> = ["email", "name", "inserted_at"].iter().map(|s| s.to_string()).collect();
    let row = vec![InsertCell::Param, InsertCell::Param, InsertCell::Param];
    let s =
        sql::insert(Dialect::Sqlite, None, "users", &header, std::slice::from_ref(&row), &OnConflict::Raise, &["id".into()], 0).unwrap();
    assert_eq!(s, r#"INSERT INTO "users" ("email","name","inserted_at") VALUES (?1,?2,?3) RETURNING "id""#);
    let p = sql::insert(Dialect::Postgres, None, "users", &header, &[row.clone(), row], &OnConflict::Raise, &[], 0).unwrap();
    assert_eq!(p, r#"INSERT INTO "users" ("email","name","inserted_at") VALUES ($1,$2,$3),($4,$5,$6)"#);
    let oc = OnConflict::Replace(vec!["name".into(), "email".into()], ConflictTarget::Fields(vec!["email".into()]));
    let s = sql::insert(Dialect::Sqlite, None, "users", &header, &[vec![InsertCell::Param; 3]], &oc, &["id".into()], 0).unwrap();
    assert_eq!(
        s,
        r#"INSERT INTO "users" ("email","name","inserted_at") VALUES (?1,?2,?3) ON CONFLICT ("email") DO UPDATE SET "name" = EXCLUDED."name","email" = EXCLUDED."email" RETURNING "id""#
    );
    let s = sql::insert(
        Dialect::Sqlite,
        None,
        "users",
        &header,
        &[vec![InsertCell::Param; 3]],
        &OnConflict::Nothing(ConflictTarget::Fields(vec!["email".into()])),
        &[],
        0,
    )
    .unwrap();
    assert_eq!(s, r#"INSERT INTO "users" ("email","name","inserted_at") VALUES (?1,?2,?3) ON CONFLICT ("email") DO NOTHING"#);
    let u = sql::update(
        Dialect::Sqlite,
        None,
        "users",
        &["age".into(), "lock_version".into()],
        &[("id".into(), false), ("lock_version".into(), false)],
        &[],
    )
    .unwrap();
    assert_eq!(u, r#"UPDATE "users" SET "age" = ?, "lock_version" = ? WHERE "id" = ? AND "lock_version" = ?"#);
    let u = sql::update(Dialect::Postgres, None, "users", &["age".into()], &[("id".into(), false), ("x".into(), true)], &["age".into()])
        .unwrap();
    assert_eq!(u, r#"UPDATE "users" SET "age" = $1 WHERE "id" = $2 AND "x" IS NULL RETURNING "age""#);
    let d = sql::delete(Dialect::Sqlite, None, "comments", &[("id".into(), false)], &[]).unwrap();
    assert_eq!(d, r#"DELETE FROM "comments" WHERE "id" = ?"#);
    let d = sql::insert(Dialect::Sqlite, None, "users", &[], &[vec![]], &OnConflict::Raise, &["id".into()], 0).unwrap();
    assert_eq!(d, r#"INSERT INTO "users" DEFAULT VALUES RETURNING "id""#);
}

#[test]
fn upsert_with_update_query() {
    let (mut interp, v) = eval("from(p in Post, update: [inc: [views: ^10]])");
    let q = to_query(&mut interp, &v, crate::Span::NONE).unwrap();
    let header: Vec<String> = ["title", "views"].iter().map(|s| s.to_string()).collect();
    for (d, expected) in [
        (
            Dialect::Sqlite,
            r#"INSERT INTO "posts" AS p0 ("title","views") VALUES (?1,?2) ON CONFLICT ("title") DO UPDATE SET "views" = "views" + ? RETURNING "id""#,
        ),
        (
            Dialect::Postgres,
            r#"INSERT INTO "posts" AS p0 ("title","views") VALUES ($1,$2) ON CONFLICT ("title") DO UPDATE SET "views" = p0."views" + $3 RETURNING "id""#,
        ),
    ] {
        let r = plan_at(&mut interp, &q, Op::UpdateAll, d, 2).unwrap();
        let oc = OnConflict::Query(r.planned.clone(), ConflictTarget::Fields(vec!["title".into()]));
        let s = sql::insert(d, None, "posts", &header, &[vec![InsertCell::Param; 2]], &oc, &["id".into()], 0).unwrap();
        assert_eq!(s, expected);
        assert_eq!(r.params, vec![Value::Int(10)]);
    }
}

/// From the adapters' own test suites: a query is a struct (its prefix can
/// be set as a map field), a bare window function name is its zero-arity
/// call, and ecto_sqlite3 drops a lock inside a CTE or subquery but
/// refuses one on the query it prints.
#[test]
fn adapter_suite_shapes() {
    check(
        "from(u in User, select: over(row_number, partition_by: u.age)) |> select_merge([u], %{})",
        Op::All,
        "SELECT row_number() OVER (PARTITION BY u0.\"age\") FROM \"users\" AS u0",
        "SELECT row_number() OVER (PARTITION BY u0.\"age\") FROM \"users\" AS u0",
    );
    check(
        "from(u in User, select: rank |> over())",
        Op::All,
        "SELECT rank() OVER () FROM \"users\" AS u0",
        "SELECT rank() OVER () FROM \"users\" AS u0",
    );
    let (mut interp, q) = eval("q = from(t in Tag, select: t.name)\n%{Map.put(q, :prefix, \"p\") | prefix: \"other\"}");
    let (pg, _, _) = to_sql(&mut interp, &q, Op::All, Dialect::Postgres, crate::Span::NONE).unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(pg, "SELECT t0.\"name\" FROM \"other\".\"tags\" AS t0");
    check_err("%{from(t in Tag) | nope: 1}", Op::All, "KeyError");
    let cte = "Tag |> with_cte(\"t\", as: ^from(t in Tag, lock: \"FOR UPDATE\", select: %{id: t.id})) |> select([t], t.id)";
    let (mut interp, q) = eval(cte);
    let (s, _, _) = to_sql(&mut interp, &q, Op::All, Dialect::Sqlite, crate::Span::NONE).unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(s, "WITH \"t\" AS (SELECT st0.\"id\" AS \"id\" FROM \"tags\" AS st0) SELECT t0.\"id\" FROM \"tags\" AS t0");
    let (mut interp, q) = eval("from(t in Tag, lock: \"FOR UPDATE\")");
    let err = to_sql(&mut interp, &q, Op::All, Dialect::Sqlite, crate::Span::NONE).expect_err("refused");
    assert_eq!(err.message(), "locks are not supported by SQLite3");
}

/// `inspect/1` of a query is `Macro.to_string/1` of its clauses: string
/// literals escaped, a pinned list shown as a list, a keyword list last in a
/// tuple without brackets, subqueries in full, named windows as keyword lists.
#[test]
fn inspect_writes_clauses_as_macro_to_string_does() {
    let cases = [
        (r#"from(p in Post, select: <<7, 8>>)"#, r#"#Ecto.Query<from p0 in T.Post, select: "\a\b">"#),
        (
            r#"bytes = <<1, 200>> |> binary_part(0, 1); from(p in Post, select: {p.id, ^bytes})"#,
            r#"#Ecto.Query<from p0 in T.Post, select: {p0.id, ^"\x01"}>"#,
        ),
        (r#"from(p in Post, where: p.views in ^~c"ab")"#, r#"#Ecto.Query<from p0 in T.Post, where: p0.views in ^[97, 98]>"#),
        (
            r#"from(u in User, join: p in assoc(u, :posts), preload: [posts: {p, author: u}])"#,
            r#"#Ecto.Query<from u0 in T.User, join: p1 in assoc(u0, :posts), preload: [posts: {p1, author: u0}]>"#,
        ),
        (
            r#"ids = from(t in Tag, where: t.name == ^"x", select: t.id); from(p in Post, where: p.id in subquery(ids))"#,
            r#"#Ecto.Query<from p0 in T.Post, where: p0.id in subquery(#Ecto.Query<from t0 in T.Tag, where: t0.name == ^"x", select: t0.id>)>"#,
        ),
        (
            r#"from(p in Post, windows: [w: [partition_by: p.author_id]], select: over(count(), :w))"#,
            r#"#Ecto.Query<from p0 in T.Post, windows: [w: [partition_by: [p0.author_id]]], select: over(count(), :w)>"#,
        ),
        (r#"from(p in Post, select: count(p.id) |> over())"#, r#"#Ecto.Query<from p0 in T.Post, select: over(count(p0.id), [])>"#),
    ];
    let mut failures = vec![];
    for (src, want) in cases {
        let (_, v) = eval(src);
        let got = crate::value::inspect::inspect(&v);
        if got != want {
            failures.push(format!("{src}\n  want {want}\n  got  {got}"));
        }
    }
    let (_, v) = eval("from(p in Post, where: p.views > 1, select: p.id) |> Inspect.Ecto.Query.to_string()");
    assert_eq!(v, Value::string("from p0 in T.Post,\n  where: p0.views > 1,\n  select: p0.id".to_string()));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `%Ecto.Query{}` is a struct to programs: its fields read and match.
#[test]
fn query_struct_fields_read_and_match() {
    let cases = [
        (r#"from(p in Post, as: :post, join: a in assoc(p, :author), as: :author).aliases"#, "%{author: 1, post: 0}"),
        (r#"(from p in Post, where: p.views > 1, or_where: p.views < 0).wheres |> Enum.map(& &1.op)"#, "[:and, :or]"),
        (r#"from(p in Post).wheres == [] and from(p in Post).limit == nil"#, "true"),
        (r#"length(from(p in Post, join: t in assoc(p, :tags), left_join: a in assoc(p, :author)).joins)"#, "2"),
        (r#"from(p in Post, preload: [:tags, author: :posts]).preloads"#, "[:tags, {:author, :posts}]"),
        (r#"Map.put(from(p in Post), :prefix, "archive").prefix"#, "\"archive\""),
        (r#"from(p in Post).from.source"#, "{\"posts\", T.Post}"),
        (r#"case from(p in Post, limit: 5) do %Ecto.Query{limit: nil} -> :unlimited; %Ecto.Query{} -> :limited end"#, ":limited"),
    ];
    let mut failures = vec![];
    for (src, want) in cases {
        let (_, v) = eval(src);
        let got = crate::value::inspect::inspect(&v);
        if got != want {
            failures.push(format!("{src}\n  want {want}\n  got  {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
