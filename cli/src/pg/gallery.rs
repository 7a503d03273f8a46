//! The gallery's PostgreSQL examples on a real server, cell by cell as the
//! page runs them on PGlite: no cell may fail, and each example shows what
//! it is about. Each runs in a schema of its own (on the search path), so
//! it starts from nothing whatever else the database holds.
//! `make test-pg` gives the server (`ECTOPLASM_TEST_PG_URL`); `VERBOSE=1`
//! prints every statement and value.

use engine::executor::Executor;
use engine::playground::examples::{self, POSTGRES_EXAMPLES};
use engine::playground::{CellResult, Workspace};

use super::open;

fn run(id: &str, source: &str, url: &str) -> (examples::Notebook, Vec<CellResult>) {
    let mut exec = open(url).unwrap_or_else(|e| panic!("{}", e.0));
    let schema = format!("gallery_{id}");
    for sql in
        [format!("DROP SCHEMA IF EXISTS {schema} CASCADE"), format!("CREATE SCHEMA {schema}"), format!("SET search_path TO {schema}")]
    {
        exec.execute(&sql, &[]).unwrap_or_else(|e| panic!("{sql}: {}", e.message));
    }
    let notebook = examples::parse(source);
    let mut ws = Workspace::with_executor(Box::new(exec));
    // 2025-01-01T00:00:00Z
    ws.set_now(Box::new(|| 1_735_689_600_000_000));
    let results = notebook.cells.iter().map(|c| ws.run_cell(&c.source)).collect();
    (notebook, results)
}

fn value<'a>(nb: &examples::Notebook, results: &'a [CellResult], title: &str) -> &'a str {
    let i = nb.cells.iter().position(|c| c.title.as_deref() == Some(title)).unwrap_or_else(|| panic!("no cell {title:?}"));
    results[i].inspect.as_deref().unwrap_or("")
}

fn sql<'a>(nb: &examples::Notebook, results: &'a [CellResult], title: &str) -> Vec<&'a str> {
    let i = nb.cells.iter().position(|c| c.title.as_deref() == Some(title)).unwrap_or_else(|| panic!("no cell {title:?}"));
    results[i].statements.iter().map(|s| s.sql.as_str()).collect()
}

fn check(id: &str, nb: &examples::Notebook, r: &[CellResult]) {
    match id {
        "pg_arrays_jsonb" => {
            assert_eq!(
                value(nb, r, "A tag is in the array"),
                r#"[{"Ecto on PostgreSQL", ["elixir", "ecto", "postgres"]}, {"Changesets explained", ["elixir", "ecto"]}]"#
            );
            assert_eq!(
                sql(nb, r, "A tag is in the array"),
                [r#"SELECT p0."title", p0."tags" FROM "posts" AS p0 WHERE ($1 = ANY(p0."tags")) ORDER BY p0."id""#]
            );
            assert_eq!(
                value(nb, r, "Array functions through fragments"),
                r#"[{"Ecto on PostgreSQL", 3, 3}, {"Arrays are values", 1, 1}, {"Changesets explained", 2, 2}, {"Draft without tags", nil, 0}]"#
            );
            assert_eq!(value(nb, r, "Overlap: any of several tags"), r#"["Ecto on PostgreSQL", "Arrays are values"]"#);
            assert_eq!(value(nb, r, "Adding a tag in place"), r#"{1, ["postgres", "featured"]}"#);
            assert_eq!(
                value(nb, r, "Reading a jsonb key"),
                r#"[{"Ecto on PostgreSQL", "dark", nil}, {"Arrays are values", "light", nil}, {"Changesets explained", "dark", "wide"}, {"Draft without tags", nil, nil}]"#
            );
            assert_eq!(value(nb, r, "Filtering by a jsonb key"), r#"["Ecto on PostgreSQL", "Changesets explained"]"#);
            assert_eq!(value(nb, r, "Containment with @>"), r#"["Ecto on PostgreSQL"]"#);
        }
        "pg_full_text" => {
            assert!(
                value(nb, r, "A document as PostgreSQL sees it").contains("'run':1"),
                "{}",
                value(nb, r, "A document as PostgreSQL sees it")
            );
            assert_eq!(value(nb, r, "Searching"), r#"["Running migrations"]"#);
            let ranked = value(nb, r, "Ranked, with highlights");
            assert!(ranked.starts_with(r#"[{"Writing queries", "<b>Queries</b> are composed"#), "{ranked}");
            assert_eq!(value(nb, r, "A reusable search"), r#"["Preloading associations"]"#);
        }
        "pg_distinct_on" => {
            assert_eq!(
                sql(nb, r, "The latest reading of each sensor"),
                [
                    r#"SELECT DISTINCT ON (r0."sensor") r0."sensor", r0."celsius", r0."taken_at" FROM "readings" AS r0 ORDER BY r0."sensor", r0."taken_at" DESC"#
                ]
            );
            assert_eq!(
                value(nb, r, "The latest reading of each sensor"),
                r#"[{"attic", Decimal.new("31.20"), ~U[2025-01-01 10:00:00Z]}, {"cellar", Decimal.new("11.80"), ~U[2025-01-01 10:00:00Z]}, {"kitchen", Decimal.new("23.40"), ~U[2025-01-01 10:00:00Z]}]"#
            );
            assert_eq!(
                value(nb, r, "The earliest instead"),
                r#"[{"attic", ~U[2025-01-01 09:00:00Z]}, {"cellar", ~U[2025-01-01 08:00:00Z]}, {"kitchen", ~U[2025-01-01 08:00:00Z]}]"#
            );
            assert_eq!(value(nb, r, "Filtering the latest readings"), r#"[{"attic", Decimal.new("31.20")}]"#);
            assert_eq!(value(nb, r, "distinct: true is DISTINCT"), r#"["attic", "cellar", "kitchen"]"#);
        }
        "pg_upsert_returning" => {
            assert_eq!(value(nb, r, "A first delivery"), "{1, 10}");
            assert_eq!(value(nb, r, "The same delivery again"), "{true, 20}");
            assert_eq!(
                sql(nb, r, "The same delivery again"),
                [
                    r#"INSERT INTO "stock" AS s0 ("name","quantity","sku","inserted_at","updated_at") VALUES ($1,$2,$3,$4,$5) ON CONFLICT ("sku") DO UPDATE SET "quantity" = s0."quantity" + $6 RETURNING "id","updated_at","inserted_at","quantity","name","sku""#
                ]
            );
            assert_eq!(value(nb, r, "Replacing columns, returning some"), r#"{"Sencha green tea", 20}"#);
            assert_eq!(value(nb, r, "on_conflict: :nothing returns nothing"), r#"{nil, "ignored"}"#);
            assert_eq!(value(nb, r, "A bulk upsert that returns its rows"), r#"{3, [{"TEA-1", 5}, {"COF-1", 20}, {"COC-1", 8}]}"#);
        }
        "pg_bookings" => {
            assert_eq!(
                value(nb, r, "An overlapping stay is refused"),
                r#"[check_in: {"the room is taken on these dates", [constraint: :exclusion, constraint_name: "no_double_booking"]}]"#
            );
            assert_eq!(
                value(nb, r, "Back to back is fine"),
                r#"[{"101", "Ada", ~D[2025-07-01], ~D[2025-07-05]}, {"101", "Grace", ~D[2025-07-05], ~D[2025-07-08]}, {"102", "Linus", ~D[2025-07-02], ~D[2025-07-06]}]"#
            );
            assert_eq!(value(nb, r, "Who is in on a given night"), r#"["Ada", "Linus"]"#);
            assert_eq!(
                value(nb, r, "A stay that ends before it starts"),
                r#"[check_out: {"must be after check-in", [constraint: :check, constraint_name: "check_out_after_check_in"]}]"#
            );
        }
        other => panic!("no checks for example {other}"),
    }
}

#[test]
fn postgres_examples_run_on_a_server() {
    let Ok(url) = std::env::var("ECTOPLASM_TEST_PG_URL") else {
        eprintln!("skipped: ECTOPLASM_TEST_PG_URL names no PostgreSQL server (make test-pg gives one)");
        return;
    };
    let verbose = std::env::var("VERBOSE").is_ok();
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            for e in POSTGRES_EXAMPLES {
                let (nb, results) = run(e.id, e.source, &url);
                assert!(nb.postgres, "{}: # database: postgres", e.id);
                for (cell, r) in nb.cells.iter().zip(&results) {
                    if verbose {
                        println!("-- {} / {}", e.id, cell.title.as_deref().unwrap_or(""));
                        print!("{}", r.output);
                        for s in &r.statements {
                            println!(
                                "   {} {:?}{}",
                                s.sql,
                                s.params,
                                s.error.as_deref().map(|e| format!(" ERROR {e}")).unwrap_or_default()
                            );
                        }
                        println!("   => {}", r.inspect.as_deref().unwrap_or("(error)"));
                    }
                    let failed: Vec<String> = r.diagnostics.iter().map(|d| d.diagnostic.message.clone()).collect();
                    assert!(failed.is_empty(), "{} / {:?}: {failed:?}", e.id, cell.title);
                }
                check(e.id, &nb, &results);
            }
        })
        .expect("thread")
        .join()
        .expect("every PostgreSQL example runs");
}
