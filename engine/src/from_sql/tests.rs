//! SQL in, Ecto out, proved: every query of `testdata/queries.sql` is
//! translated with the schemas of `testdata/schemas.exs`, evaluated, and
//! run beside the input on the database `testdata/seed.sql` fills; the rows
//! must be equal. PostgreSQL-only shapes (`testdata/postgres.sql`) must
//! evaluate and print PostgreSQL SQL.

use super::proof::{self, Comparison};
use super::{propose, ErrorKind, Kind, Options, Proposal};
use crate::playground::Workspace;
use crate::schema::SchemaRegistry;

const SCHEMAS: &str = include_str!("testdata/schemas.exs");
const SEED: &str = include_str!("testdata/seed.sql");
const QUERIES: &str = include_str!("testdata/queries.sql");
const POSTGRES: &str = include_str!("testdata/postgres.sql");

fn registry(ws: &mut Workspace) -> SchemaRegistry {
    let reg = std::mem::take(ws.interp.ext::<SchemaRegistry>());
    let copy = SchemaRegistry { schemas: reg.schemas.clone(), ..SchemaRegistry::default() };
    *ws.interp.ext::<SchemaRegistry>() = reg;
    copy
}

#[cfg(feature = "rusqlite")]
fn seeded() -> Workspace {
    use crate::executor::native::SqliteExecutor;
    use crate::executor::Executor;
    let mut exec = SqliteExecutor::in_memory().expect("in-memory database");
    for (_, st) in crate::erd::import::split_statements(SEED) {
        exec.execute(&st, &[]).unwrap_or_else(|e| panic!("seed: {e}: {st}"));
    }
    let mut ws = Workspace::with_executor(Box::new(exec));
    let r = ws.run_cell(SCHEMAS);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    ws
}

fn schemas_only() -> Workspace {
    let mut ws = Workspace::new();
    let r = ws.run_cell(SCHEMAS);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    ws
}

fn one(sql: &str, opts: &Options) -> Proposal {
    let ws = &mut schemas_only();
    let mut ps = propose(sql, &registry(ws), opts);
    assert_eq!(ps.len(), 1, "{sql}");
    ps.remove(0)
}

fn code(sql: &str) -> String {
    let p = one(sql, &Options::default());
    p.code.unwrap_or_else(|| panic!("{sql}: {:?}", p.error))
}

#[cfg(feature = "rusqlite")]
fn prove_all(opts: &Options) {
    let mut ws = seeded();
    let reg = registry(&mut ws);
    let proposals = propose(QUERIES, &reg, opts);
    assert!(proposals.len() >= 90, "{} queries", proposals.len());
    let mut failures = vec![];
    for p in &proposals {
        let Some(_) = &p.code else {
            failures.push(format!("{}: {:?}", p.sql, p.error));
            continue;
        };
        let pr = proof::prove(&mut ws, p);
        match &pr.comparison {
            Comparison::Equal { .. } => {}
            other => failures.push(format!("{}\n{}\n=> {} {:?}", p.sql, p.code.as_deref().unwrap_or(""), other.summary(), pr.eval_error)),
        }
        assert!(pr.postgres.sql.is_some() || pr.postgres.error.is_some());
    }
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), proposals.len(), failures.join("\n\n"));
}

#[cfg(feature = "rusqlite")]
#[test]
fn every_query_returns_the_same_rows() {
    prove_all(&Options::default());
}

#[cfg(feature = "rusqlite")]
#[test]
fn the_pipe_form_returns_the_same_rows() {
    prove_all(&Options { pipe: true, ..Options::default() });
}

#[cfg(feature = "rusqlite")]
#[test]
fn pinned_literals_return_the_same_rows() {
    prove_all(&Options { pin_literals: true, ..Options::default() });
}

#[test]
fn postgres_shapes_evaluate_and_print_postgres_sql() {
    let mut ws = schemas_only();
    ws.run_cell("p1 = 3");
    let reg = registry(&mut ws);
    let proposals = propose(POSTGRES, &reg, &Options::default());
    assert_eq!(proposals.len(), POSTGRES.lines().filter(|l| !l.trim().is_empty()).count());
    for p in &proposals {
        assert!(p.code.is_some(), "{}: {:?}", p.sql, p.error);
        let pr = proof::prove(&mut ws, p);
        assert!(pr.eval_error.is_none(), "{}: {:?}\n{}", p.sql, pr.eval_error, p.code.as_deref().unwrap_or(""));
        assert!(pr.postgres.sql.is_some(), "{}: {:?}\n{}", p.sql, pr.postgres.error, p.code.as_deref().unwrap_or(""));
    }
}

#[test]
fn the_issue_example_joins_by_association_and_selects_in_order() {
    let c = code("SELECT p.title, count(c.id) FROM posts p LEFT JOIN comments c ON c.post_id = p.id GROUP BY p.id");
    assert_eq!(c, "from(p in Blog.Post,\n  left_join: c in assoc(p, :comments),\n  group_by: p.id,\n  select: {p.title, count(c.id)}\n)");
}

#[test]
fn many_to_many_joins_through_their_join_table_are_assoc_joins() {
    let c = code("SELECT p.title, t.name FROM posts p JOIN posts_tags pt ON pt.post_id = p.id JOIN tags t ON t.id = pt.tag_id");
    assert!(c.contains("join: t in assoc(p, :tags)") && !c.contains("posts_tags"), "{c}");
    let c = code("SELECT t.name FROM tags t LEFT JOIN posts_tags pt ON t.id = pt.tag_id LEFT JOIN posts p ON pt.post_id = p.id");
    assert!(c.contains("left_join: p in assoc(t, :posts)"), "{c}");
    // The join table read elsewhere, joins of two kinds, or keys that are
    // not the association's: the joins stay as written.
    for sql in [
        "SELECT p.title, pt.tag_id FROM posts p JOIN posts_tags pt ON pt.post_id = p.id JOIN tags t ON t.id = pt.tag_id",
        "SELECT p.title FROM posts p JOIN posts_tags pt ON pt.post_id = p.id JOIN tags t ON t.id = pt.tag_id ORDER BY pt.tag_id",
        "SELECT p.title FROM posts p JOIN posts_tags pt ON pt.post_id = p.id LEFT JOIN tags t ON t.id = pt.tag_id",
        "SELECT p.title FROM posts p JOIN posts_tags pt ON pt.tag_id = p.id JOIN tags t ON t.id = pt.post_id",
    ] {
        let c = code(sql);
        assert!(c.contains("\"posts_tags\"") && !c.contains("assoc(p, :tags)"), "{sql}\n{c}");
    }
}

#[test]
fn case_inside_an_aggregate_is_filter_and_a_null_test_is_coalesce() {
    let c = code("SELECT count(CASE WHEN views > 100 THEN 1 END), sum(CASE WHEN published THEN views ELSE NULL END) FROM posts");
    assert!(c.contains("filter(count(), p.views > 100)") && c.contains("filter(sum(p.views), p.published)"), "{c}");
    let c = code("SELECT CASE WHEN rating IS NULL THEN 0 ELSE rating END FROM posts");
    assert!(c.contains("coalesce(p.rating, 0.0)") && !c.contains("fragment"), "{c}");
    // With an ELSE of its own, a CASE is not a filter (sum over no rows is NULL, not 0).
    let c = code("SELECT sum(CASE WHEN published THEN 1 ELSE 0 END) FROM posts");
    assert!(c.contains("fragment(\"CASE WHEN ? THEN ? ELSE ? END\""), "{c}");
}

#[test]
fn a_select_without_from_takes_constant_expressions_only() {
    assert!(super::translate::reads_a_field("fragment(\"? || ?\", p.title, \"x\")"));
    assert!(!super::translate::reads_a_field("fragment(\"? % ?\", 7.5, \"a.b\") + 1.0e3"));
    let p = one("SELECT 7.5 / 2, 'a.b' || 'c'", &Options::default());
    assert!(p.code.is_some(), "{:?}", p.error);
}

#[test]
fn fields_are_named_by_their_source() {
    let c = code("SELECT c.body FROM comments c WHERE c.body = 'nice'");
    assert!(c.contains("select: c.content") && c.contains("where: c.content == \"nice\""), "{c}");
}

#[test]
fn correlated_subqueries_use_parent_as() {
    let c = code("SELECT u.name FROM users u WHERE EXISTS (SELECT 1 FROM posts p WHERE p.author_id = u.id)");
    assert!(c.contains("as: :u") && c.contains("exists(from(p in Blog.Post, where: p.author_id == parent_as(:u).id))"), "{c}");
}

#[test]
fn placeholders_become_pins() {
    let p = one("SELECT id FROM posts WHERE author_id = $1 AND views > $2", &Options::default());
    assert_eq!(p.params, vec!["p1", "p2"]);
    assert!(p.code.unwrap().contains("p.author_id == ^p1 and p.views > ^p2"));
    let p = one("SELECT id FROM posts WHERE author_id = ? AND views > ?", &Options::default());
    assert_eq!(p.params, vec!["p1", "p2"]);
}

#[test]
fn literals_are_pinned_on_request() {
    let p = one("SELECT id FROM posts WHERE title = 'x' LIMIT 5", &Options { pin_literals: true, ..Options::default() });
    assert!(p.code.as_deref().unwrap().contains("p.title == ^\"x\""), "{:?}", p.code);
}

#[test]
fn tables_without_schemas_are_string_sources() {
    let c = code("SELECT a.action FROM audit_log a WHERE a.ref_id = 3");
    assert!(c.starts_with("from(a in \"audit_log\""), "{c}");
    let p = one("SELECT * FROM audit_log a JOIN posts p ON p.id = a.ref_id", &Options::default());
    let e = p.error.expect("an error");
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert!(e.message.contains("audit_log"), "{}", e.message);
}

#[test]
fn natural_join_is_refused_with_the_nearest_form() {
    let p = one("SELECT * FROM comments NATURAL JOIN posts", &Options::default());
    let e = p.error.expect("an error");
    assert!(e.message.contains("NATURAL JOIN"));
    assert!(e.nearest.as_deref().is_some_and(|n| n.contains("on: c.id == p.id")), "{:?}", e.nearest);
}

#[test]
fn parse_errors_carry_line_and_column() {
    let ps = propose("SELECT 1 FROM posts;\n\nSELECT FROM WHERE (;", &SchemaRegistry::default(), &Options::default());
    assert_eq!(ps.len(), 2);
    let e = ps[1].error.as_ref().expect("a parse error");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert_eq!(e.line, Some(3));
    assert!(e.column.is_some(), "{e:?}");
    // A statement that ends too soon: sqlparser names no position, the
    // error points just past its last character.
    let ps = propose("SELECT 1;\nSELECT id\nFROM posts WHERE;", &SchemaRegistry::default(), &Options::default());
    let e = ps[1].error.as_ref().expect("a parse error");
    assert_eq!((e.line, e.column), (Some(3), Some(17)), "{e:?}");
}

#[test]
fn a_proposal_becomes_a_cell_that_runs_it() {
    let p = one("SELECT title FROM posts WHERE id = $1", &Options::default());
    let cell = p.cell().expect("a cell");
    assert!(cell.starts_with("# Bind p1 (the SQL's parameters) before running this cell.\nquery = from(p in Blog.Post,"), "{cell}");
    assert!(cell.ends_with(")\nRepo.all(query)"), "{cell}");
    assert!(crate::syntax::parse(&cell).errors.is_empty(), "{cell}");
    let p = one("DELETE FROM comments WHERE approved = false", &Options { pipe: true, ..Options::default() });
    assert_eq!(p.cell(), p.code);
    assert!(one("SELECT FROM WHERE (", &Options::default()).cell().is_none());
}

#[test]
fn writes_become_repo_calls() {
    let p = one("UPDATE posts SET views = views + 1, title = 'x' WHERE id = 3", &Options::default());
    assert_eq!(p.kind, Kind::UpdateAll);
    let c = p.code.unwrap();
    assert!(c.starts_with("Repo.update_all(") && c.contains("update: [set: [title: \"x\"], inc: [views: 1]]"), "{c}");
    let p = one("DELETE FROM comments WHERE approved = false", &Options::default());
    assert_eq!(p.kind, Kind::DeleteAll);
    assert!(p.code.unwrap().starts_with("Repo.delete_all("));
    let p = one("INSERT INTO tags (name) SELECT title FROM posts WHERE views > 400", &Options::default());
    assert_eq!(p.kind, Kind::InsertAll);
    let c = p.code.unwrap();
    assert!(c.contains("Blog.Tag") && c.contains("select: %{name: p.title}"), "{c}");
}

#[test]
fn writes_evaluate_to_their_sql() {
    let mut ws = schemas_only();
    let reg = registry(&mut ws);
    for sql in ["UPDATE posts SET views = views + 1 WHERE id = 3", "DELETE FROM comments WHERE approved = false"] {
        let p = propose(sql, &reg, &Options::default()).remove(0);
        let pr = proof::prove(&mut ws, &p);
        assert!(pr.sqlite.sql.is_some(), "{sql}: {:?} {:?}", pr.sqlite.error, pr.eval_error);
    }
}

#[test]
fn bad_input_never_panics() {
    let reg = SchemaRegistry::default();
    for sql in [
        "",
        ";;;",
        "SELECT",
        "SELECT * FROM",
        "DROP TABLE x",
        "SELECT a FROM b WHERE c IN (SELECT",
        "VALUES (1)",
        "SELECT 1",
        "WITH x AS (SELECT 1) SELECT * FROM x",
    ] {
        let _ = propose(sql, &reg, &Options::default());
    }
}

#[test]
fn comparison_reports_the_first_difference() {
    use crate::executor::DbValue::*;
    let a = vec![vec![Integer(1)], vec![Integer(2)]];
    let b = vec![vec![Integer(2)], vec![Real(1.0)]];
    assert_eq!(proof::compare_rows(&a, &b, false), Comparison::Equal { rows: 2, ordered: false });
    assert!(matches!(proof::compare_rows(&a, &b, true), Comparison::Different { .. }));
    assert_eq!(Comparison::Equal { rows: 1248, ordered: true }.summary(), "equal on 1,248 rows");
}
