//! The playground's examples gallery, run cell by cell on an in-memory
//! SQLite database: no cell may fail, and each example's point must hold
//! (the Multi's rollback leaves the data as it was, and so on).

use engine::executor::native::SqliteExecutor;
use engine::playground::examples::{self, Notebook};
use engine::playground::{CellResult, StatementKind, Workspace};

/// Examples in `examples/` that are not in the shipped list yet, with
/// what they are waiting for.
const PENDING: &[(&str, &str)] = &[];

struct Run {
    notebook: Notebook,
    results: Vec<CellResult>,
}

impl Run {
    fn cell(&self, title: &str) -> &CellResult {
        let i = self
            .notebook
            .cells
            .iter()
            .position(|c| c.title.as_deref() == Some(title))
            .unwrap_or_else(|| panic!("{}: no cell titled {title:?}", self.notebook.title));
        &self.results[i]
    }

    fn value(&self, title: &str) -> &str {
        self.cell(title).inspect.as_deref().unwrap_or("")
    }
}

fn failures(id: &str, nb: &Notebook, results: &[CellResult]) -> Vec<String> {
    let mut out = Vec::new();
    for (cell, r) in nb.cells.iter().zip(results) {
        for d in &r.diagnostics {
            out.push(format!(
                "{id} / {}: ({}) {} at {:?}",
                cell.title.as_deref().unwrap_or("(untitled)"),
                d.diagnostic.kind,
                d.diagnostic.message,
                d.from
            ));
        }
    }
    out
}

fn run_source(source: &str) -> Run {
    let notebook = examples::parse(source);
    let exec = SqliteExecutor::in_memory().expect("in-memory database");
    let mut ws = Workspace::with_executor(Box::new(exec));
    // 2025-01-01T00:00:00Z
    ws.set_now(Box::new(|| 1_735_689_600_000_000));
    let results = notebook.cells.iter().map(|c| ws.run_cell(&c.source)).collect();
    Run { notebook, results }
}

fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(256 << 20).spawn(f).expect("thread").join().expect("no panic")
}

fn check(id: &str, run: &Run) {
    let has_rollback = |r: &CellResult| r.statements.iter().any(|s| s.kind == StatementKind::Rollback);
    match id {
        "blog" => {
            assert_eq!(run.cell("Preload: one query per association").query_count, 4);
            assert!(run.value("Associations are not loaded by default").contains("NotLoaded"));
            assert_eq!(run.cell("Join and preload in one query").query_count, 1);
        }
        "changesets" => {
            assert_eq!(run.value("Casting and validating: nothing touches the database"), "false");
            assert_eq!(run.cell("An invalid changeset never reaches the database").query_count, 0);
            assert!(run.value("The unique index turns into a changeset error").contains("constraint: :unique"));
            assert!(run.value("Updating only what changed").ends_with(", true, 1}"));
        }
        "multi" => {
            assert!(has_rollback(run.cell("A transfer that fails halfway")));
            assert!(run.value("A transfer that fails halfway").starts_with("{:debit,"));
            assert_eq!(run.value("Nothing changed"), r#"{1, [{"alice", 70}, {"bob", 50}]}"#);
            assert_eq!(run.value("Still untouched"), r#"[{"alice", 70}, {"bob", 50}]"#);
        }
        "upserts" => {
            assert_eq!(run.value("A counter in one statement"), r#"[{"/", 3}, {"/pricing", 2}, {"/docs", 1}]"#);
            assert!(run.value("on_conflict: :nothing").starts_with("{nil, \"Kettle\"}"));
        }
        "soft_deletes" => {
            assert_eq!(run.value("Restoring"), "%{deleted: 2, live: 3, rows_in_table: 5}");
            assert_eq!(run.value("Emptying the trash for good"), "{1, 4}");
        }
        "audit_trail" => {
            assert!(has_rollback(run.cell("A rejected change leaves no trace")));
            assert_eq!(run.value("Deleting is audited too"), "{0, 4}");
        }
        "multi_tenancy" => {
            assert_eq!(run.value("Reading as one tenant"), r#"["Acme roadmap", "Acme hiring"]"#);
            assert_eq!(run.value("Another tenant's row is simply not there"), "nil");
            assert_eq!(run.value("The database refuses cross-tenant references"), "{:rejected, :foreign_key}");
        }
        "polymorphic" => {
            assert!(run.value("Notes go to the table of their parent").contains(r#"{"project_notes", "Budget approved"}"#));
            assert_eq!(run.value("Counting across parents"), r#"[{"list", 1}, {"project", 2}]"#);
        }
        "optimistic_locking" => {
            assert!(run.value("The second save is stale").contains("was changed by someone else"));
            assert_eq!(run.value("The database kept the first edit"), r#"{"Ship on Monday", 2}"#);
            assert_eq!(run.value("Retrying from fresh data"), r#"{"Ship on Monday, after the demo", 3}"#);
        }
        "recursive_cte" => {
            assert_eq!(run.cell("The whole tree in one query").query_count, 1);
            assert!(run.cell("Drawn as an outline").output.contains("\n      Espresso machines\n"));
            assert_eq!(run.value("Breadcrumbs: walking up instead of down"), r#""Home > Kitchen > Coffee > Espresso machines""#);
        }
        "window_functions" => {
            let ranks = run.value("Ranking deals within each region");
            assert!(ranks.contains(r#"rank: 1, region: "South", rep: "Eve""#), "{ranks}");
        }
        "dynamic_filters" => {
            assert_eq!(run.value("Kitchen items in stock, most expensive first"), r#"[{"Espresso maker", 240}, {"Chef's knife", 89}]"#);
            assert_eq!(run.value("A text search"), r#"["Espresso maker", "Office chair"]"#);
        }
        other => panic!("no checks for example {other}"),
    }
}

#[test]
fn every_shipped_example_runs() {
    on_big_stack(|| {
        let mut errors = Vec::new();
        for e in examples::EXAMPLES {
            let run = run_source(e.source);
            let f = failures(e.id, &run.notebook, &run.results);
            if !f.is_empty() {
                errors.extend(f);
                continue;
            }
            if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(e.id, &run))) {
                let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
                errors.push(format!("{}: {}", e.id, msg.unwrap_or_default()));
            }
        }
        assert!(errors.is_empty(), "\n{}", errors.join("\n"));
    });
}

#[test]
fn running_a_migration_cell_again_is_harmless() {
    on_big_stack(|| {
        let exec = SqliteExecutor::in_memory().expect("in-memory database");
        let mut ws = Workspace::with_executor(Box::new(exec));
        let cell = "defmodule M do\n  use Ecto.Migration\n  def change do\n    create table(:things) do\n      add :name, :string\n    end\n  end\nend\n\nEcto.Migrator.up(Repo, 1, M)";
        assert_eq!(ws.run_cell(cell).inspect.as_deref(), Some(":ok"));
        let again = ws.run_cell(cell);
        assert_eq!(again.inspect.as_deref(), Some(":already_up"), "{:?}", again.diagnostics);
        assert!(again.statements.iter().all(|s| !s.sql.starts_with("CREATE TABLE \"things\"")));
        let down = ws.run_cell("Ecto.Migrator.down(Repo, 1, M)");
        assert_eq!(down.inspect.as_deref(), Some(":ok"));
        assert!(down.statements.iter().any(|s| s.sql == "DROP TABLE \"things\""));
        assert!(down.output.contains("[info] == Running 1 M.change/0 backward\n"), "{}", down.output);
        assert!(down.output.contains("[info] drop table things\n"), "{}", down.output);
        let r = ws.run_cell("Ecto.Migrator.run(Repo, [{1, M}], :up, all: true)");
        assert_eq!(r.inspect.as_deref(), Some("[1]"), "{:?}", r.diagnostics);
        let r = ws.run_cell("Ecto.Migrator.run(Repo, [{1, M}], :up, all: true, log: false)");
        assert_eq!((r.inspect.as_deref(), r.output.as_str()), (Some("[]"), ""));
        let r = ws.run_cell("Ecto.Migrator.run(Repo, [{1, M}], :up, all: true)");
        assert!(r.output.ends_with(" [info] Migrations already up\n"), "{}", r.output);
    });
}

#[test]
fn a_user_defined_repo_shares_the_connection_and_the_log() {
    on_big_stack(|| {
        let exec = SqliteExecutor::in_memory().expect("in-memory database");
        let mut ws = Workspace::with_executor(Box::new(exec));
        let cells = [
            "defmodule MyApp.Repo do\n  use Ecto.Repo, otp_app: :my_app, adapter: Ecto.Adapters.SQLite3\nend",
            "defmodule MyApp.Item do\n  use Ecto.Schema\n  schema \"items\" do\n    field :name, :string\n  end\nend",
            "defmodule MyApp.Migration do\n  use Ecto.Migration\n  def change do\n    create table(:items) do\n      add :name, :string\n    end\n  end\nend\nEcto.Migrator.up(MyApp.Repo, 1, MyApp.Migration)",
            "alias MyApp.{Repo, Item}\nRepo.insert!(%Item{name: \"a\"})\n{:ok, _} = Repo.transaction(fn -> Repo.insert!(%Item{name: \"b\"}) end)\nEcto.Multi.new() |> Ecto.Multi.insert(:c, %Item{name: \"c\"}) |> Repo.transaction()\nRepo.all(from i in Item, order_by: i.id, select: i.name)",
        ];
        let results: Vec<CellResult> = cells.iter().map(|c| ws.run_cell(c)).collect();
        for r in &results {
            assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        }
        let last = &results[3];
        assert_eq!(last.inspect.as_deref(), Some(r#"["a", "b", "c"]"#));
        let kinds: Vec<StatementKind> = last.statements.iter().map(|s| s.kind).collect();
        use StatementKind::*;
        assert_eq!(kinds, vec![Query, Begin, Query, Commit, Begin, Query, Commit, Query]);
        assert_eq!(last.query_count, 4);
        // The built-in Repo sees the same database.
        assert_eq!(ws.run_cell("Ectoplasm.Repo.aggregate(MyApp.Item, :count)").inspect.as_deref(), Some("3"));
    });
}

#[test]
fn every_example_file_is_shipped_or_pending() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("examples dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".exs")).map(String::from))
        .collect();
    files.sort();
    for f in &files {
        let shipped = examples::find(f).is_some();
        let pending = PENDING.iter().any(|(id, _)| id == f);
        assert!(shipped != pending, "{f}: must be either shipped or pending (shipped: {shipped}, pending: {pending})");
        let source = std::fs::read_to_string(dir.join(format!("{f}.exs"))).expect("read");
        let nb = examples::parse(&source);
        assert!(!nb.title.is_empty() && !nb.description.is_empty(), "{f}: title and description");
        for c in &nb.cells {
            let errors = Workspace::check(&c.source);
            assert!(errors.is_empty(), "{f} / {:?}: {errors:?}", c.title);
        }
    }
}

/// Runs every file in `examples/`, shipped or not, and prints what fails:
/// `cargo test -p ectoplasm-cli --test examples report -- --ignored --nocapture`
/// (`EXAMPLE=id` for one of them, `EXAMPLE_FILE=path` for any notebook,
/// `VERBOSE=1` for every cell's statements and value).
#[test]
#[ignore]
fn report_all_examples() {
    on_big_stack(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        let mut names: Vec<_> = std::fs::read_dir(&dir).expect("examples dir").filter_map(|e| e.ok()).map(|e| e.path()).collect();
        names.sort();
        // EXAMPLE_FILE=path runs one notebook from anywhere instead.
        if let Ok(file) = std::env::var("EXAMPLE_FILE") {
            names = vec![std::path::PathBuf::from(file)];
        }
        let only = std::env::var("EXAMPLE").ok();
        for path in names {
            let id = path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
            if only.as_deref().is_some_and(|o| o != id) {
                continue;
            }
            let source = std::fs::read_to_string(&path).expect("read");
            let run = run_source(&source);
            let f = failures(&id, &run.notebook, &run.results);
            println!("== {id}: {} of {} cells ok", run.results.iter().filter(|r| r.diagnostics.is_empty()).count(), run.results.len());
            for line in &f {
                println!("   {line}");
            }
            if std::env::var("VERBOSE").is_ok() {
                for (c, r) in run.notebook.cells.iter().zip(&run.results) {
                    println!("-- {}", c.title.as_deref().unwrap_or(""));
                    print!("{}", r.output);
                    for s in &r.statements {
                        println!(
                            "   [{:?}] {} {:?}{}",
                            s.kind,
                            s.sql,
                            s.params,
                            s.error.as_deref().map(|e| format!(" ERROR {e}")).unwrap_or_default()
                        );
                    }
                    println!("   => {}", r.inspect.as_deref().unwrap_or("(error)"));
                }
            }
            if f.is_empty() && examples::find(&id).is_some() {
                let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&id, &run)));
                println!("   checks: {}", if checked.is_ok() { "pass" } else { "FAIL" });
            }
        }
    });
}
