//! Printer and reversal tests against the recorded corpus: every command
//! term in `ddl.jsonl` (as Ecto inspected it) is parsed back into a value,
//! printed by both adapters and compared with the recorded statements.

use std::rc::Rc;

use crate::value::{Atom, MapT, Struct, Value};

use super::runner::reverse;
use super::{postgres, sqlite};

/// A small reader for inspected Elixir terms (what `*_commands` hold).
struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn new(s: &'a str) -> Self {
        Reader { s: s.as_bytes(), i: 0 }
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && (self.s[self.i] as char).is_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&self) -> u8 {
        self.s.get(self.i).copied().unwrap_or(0)
    }

    fn eat(&mut self, c: u8) {
        self.ws();
        assert_eq!(self.peek() as char, c as char, "at {} in {}", self.i, String::from_utf8_lossy(self.s));
        self.i += 1;
    }

    fn ident(&mut self) -> String {
        let start = self.i;
        while self.i < self.s.len() {
            let c = self.s[self.i] as char;
            if c.is_alphanumeric() || c == '_' || c == '.' || c == '?' || c == '!' {
                self.i += 1;
            } else {
                break;
            }
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    fn string(&mut self) -> String {
        self.eat(b'"');
        let mut out = Vec::new();
        while self.peek() != b'"' {
            if self.peek() == b'\\' {
                self.i += 1;
                let c = self.peek();
                out.push(match c {
                    b'n' => b'\n',
                    b't' => b'\t',
                    other => other,
                });
            } else {
                out.push(self.peek());
            }
            self.i += 1;
        }
        self.i += 1;
        String::from_utf8(out).unwrap_or_default()
    }

    /// `key: ` if one follows.
    fn keyword_key(&mut self) -> Option<String> {
        self.ws();
        let save = self.i;
        let c = self.peek() as char;
        if c.is_alphabetic() || c == '_' {
            let id = self.ident();
            if self.peek() == b':' && self.s.get(self.i + 1) == Some(&b' ') {
                self.i += 1;
                return Some(id);
            }
        }
        self.i = save;
        None
    }

    fn items(&mut self, close: u8) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            self.ws();
            if self.peek() == close {
                self.i += 1;
                return out;
            }
            if let Some(k) = self.keyword_key() {
                let v = self.value();
                out.push(Value::tuple(vec![Value::atom(&k), v]));
            } else {
                out.push(self.value());
            }
            self.ws();
            if self.peek() == b',' {
                self.i += 1;
            }
        }
    }

    #[allow(clippy::mutable_key_type)]
    fn value(&mut self) -> Value {
        self.ws();
        match self.peek() {
            b'"' => Value::string(self.string()),
            b'[' => {
                self.i += 1;
                Value::list(self.items(b']'))
            }
            b'{' => {
                self.i += 1;
                Value::tuple(self.items(b'}'))
            }
            b':' => {
                self.i += 1;
                if self.peek() == b'"' {
                    Value::atom(&self.string())
                } else {
                    Value::atom(&self.ident())
                }
            }
            b'%' => {
                self.i += 1;
                if self.peek() == b'{' {
                    self.i += 1;
                    let mut m = MapT::new();
                    loop {
                        self.ws();
                        if self.peek() == b'}' {
                            self.i += 1;
                            break;
                        }
                        if let Some(k) = self.keyword_key() {
                            let v = self.value();
                            m.insert(Value::atom(&k), v);
                        } else {
                            let k = self.value();
                            self.ws();
                            self.eat(b'=');
                            self.eat(b'>');
                            let v = self.value();
                            m.insert(k, v);
                        }
                        self.ws();
                        if self.peek() == b',' {
                            self.i += 1;
                        }
                    }
                    Value::map(m)
                } else {
                    let name = self.ident();
                    self.eat(b'{');
                    let fields = self.items(b'}');
                    let fields = fields
                        .into_iter()
                        .map(|p| {
                            let t = p.as_tuple().unwrap_or(&[]).to_vec();
                            (Atom::from(t[0].as_atom().unwrap_or_default()), t[1].clone())
                        })
                        .collect();
                    Value::Struct(Rc::new(Struct { module: Atom::from(format!("Elixir.{name}").as_str()), fields }))
                }
            }
            c if c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                self.i += 1;
                while self.i < self.s.len() && (self.s[self.i].is_ascii_digit() || b".e-".contains(&self.s[self.i])) {
                    self.i += 1;
                }
                let t = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0");
                if t.contains('.') {
                    Value::Float(t.parse().unwrap_or(0.0))
                } else {
                    Value::Int(t.parse().unwrap_or(0))
                }
            }
            _ => {
                let id = self.ident();
                match id.as_str() {
                    "nil" => Value::Nil,
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    other => Value::module(other),
                }
            }
        }
    }
}

pub(crate) fn term(s: &str) -> Value {
    Reader::new(s).value()
}

fn corpus() -> Vec<serde_json::Value> {
    include_str!("testdata/ddl.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus line is JSON"))
        .collect()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
}

type Printer = fn(&Value) -> crate::eval::EResult<Vec<String>>;

#[test]
fn printers_match_recorded_statements() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in corpus() {
        let name = entry["name"].as_str().unwrap_or("?").to_string();
        for (adapter, printer) in [("sqlite", sqlite::execute_ddl as Printer), ("postgres", postgres::execute_ddl as Printer)] {
            let cmds_key = if entry.get("commands").is_some() { "commands".to_string() } else { format!("{adapter}_commands") };
            let commands: Vec<Value> = strings(&entry[&cmds_key]).iter().map(|c| term(c)).collect();
            let mut got = Vec::new();
            let mut error = None;
            for c in &commands {
                match printer(c) {
                    Ok(s) => got.extend(s),
                    Err(e) => {
                        error = Some(e.kind().to_string());
                        break;
                    }
                }
            }
            match entry[adapter].as_array() {
                Some(_) => {
                    let want = strings(&entry[adapter]);
                    if error.is_some() || got != want {
                        failures.push(format!("{name}/{adapter}:\n  want {want:?}\n  got  {got:?} {error:?}"));
                    }
                }
                None => {
                    let want_type = entry[format!("{adapter}_error_type")].as_str().unwrap_or("");
                    // An irreversible rollback fails before any command reaches the adapter.
                    if !commands.is_empty() && error.as_deref() != Some(want_type) {
                        failures.push(format!("{name}/{adapter}: want {want_type}, got {error:?} / {got:?}"));
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 40);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn reversing_change_matches_recorded_rollback() {
    let entries = corpus();
    let get = |n: &str| entries.iter().find(|e| e["name"] == n).cloned().expect("entry");
    let up = get("change_migration_up");
    let down = get("change_migration_rolled_back");
    let forward: Vec<Value> = strings(&up["sqlite_commands"]).iter().map(|c| term(c)).collect();
    let want: Vec<Value> = strings(&down["sqlite_commands"]).iter().map(|c| term(c)).collect();
    let got: Vec<Value> = forward.iter().rev().map(|c| reverse(c).expect("reversible")).collect();
    assert_eq!(got, want);
}

#[test]
fn remove_without_type_is_irreversible() {
    let cmd = term(
        "{:alter, %Ecto.Migration.Table{name: \"products\", prefix: nil, comment: nil, primary_key: true, engine: nil, options: nil, modifiers: nil}, [{:remove, :legacy_code}]}",
    );
    assert!(reverse(&cmd).is_none());
    assert_eq!(super::describe(&cmd).ok().as_deref(), Some("alter table products"));
}

#[test]
fn modify_with_from_reverses() {
    let cmd = term(
        "{:alter, %Ecto.Migration.Table{name: \"products\", prefix: nil, comment: nil, primary_key: true, engine: nil, options: nil, modifiers: nil}, [{:modify, :price, :decimal, [precision: 14, scale: 2, null: true, from: {:decimal, [precision: 10, scale: 2]}]}]}",
    );
    let want = term(
        "{:alter, %Ecto.Migration.Table{name: \"products\", prefix: nil, comment: nil, primary_key: true, engine: nil, options: nil, modifiers: nil}, [{:modify, :price, :decimal, [from: {:decimal, [precision: 14, scale: 2, null: true]}, precision: 10, scale: 2]}]}",
    );
    assert_eq!(reverse(&cmd), Some(want));
}

#[test]
fn floats_print_like_erlang() {
    use super::float_to_string as f;
    assert_eq!(f(1.5), "1.5");
    assert_eq!(f(100.0), "100.0");
    assert_eq!(f(1000.0), "1.0e3");
    assert_eq!(f(0.001), "0.001");
    assert_eq!(f(0.0001), "1.0e-4");
    assert_eq!(f(123456789.0), "123456789.0");
    assert_eq!(f(-2.25), "-2.25");
    assert_eq!(f(0.1), "0.1");
    assert_eq!(f(1.0e20), "1.0e20");
    assert_eq!(f(12.0), "12.0");
    assert_eq!(f(0.0), "0.0");
}

#[cfg(feature = "rusqlite")]
#[test]
fn sqlite_statements_run_on_sqlite() {
    use crate::executor::{native::SqliteExecutor, Executor};
    // Tables the corpus refers to, so foreign keys and alters have targets.
    let mut db = SqliteExecutor::in_memory().expect("db");
    let mut ran = 0;
    for entry in corpus() {
        let Some(stmts) = entry["sqlite"].as_array() else { continue };
        let name = entry["name"].as_str().unwrap_or("");
        // Each entry runs on a fresh database seeded with what it expects to exist.
        db = SqliteExecutor::in_memory().expect("db");
        let texts: Vec<&str> = stmts.iter().filter_map(|s| s.as_str()).collect();
        for (object, seed) in [
            ("products", "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, sku TEXT, category_id INTEGER, price DECIMAL, legacy TEXT, legacy_code TEXT, old_price DECIMAL)"),
            ("accounts", "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT)"),
            ("posts", "CREATE TABLE posts (id INTEGER PRIMARY KEY, published INTEGER)"),
            ("products_category_id_index", "CREATE INDEX products_category_id_index ON products (category_id)"),
            ("products_sku_index", "CREATE INDEX products_sku_index ON products (sku)"),
            ("audit_log", "CREATE TABLE audit_log (id INTEGER PRIMARY KEY)"),
            ("audit_log_event_idx", "CREATE INDEX audit_log_event_idx ON audit_log (id)"),
            ("published_posts", "CREATE VIEW published_posts AS SELECT * FROM posts"),
        ] {
            let created = texts.iter().any(|t| {
                t.starts_with("CREATE")
                    && (t.contains(&format!(" \"{object}\" ")) || t.contains(&format!(" {object} ")))
                    && !t.contains(&format!("ON \"{object}\""))
                    && !t.contains(&format!("ON {object} "))
            });
            if created || (name == "change_migration_rolled_back" && seed.contains("products")) {
                continue;
            }
            // Best effort: a seed may depend on a table the entry creates itself.
            let _ = db.execute(seed, &[]);
        }
        if name == "change_migration_rolled_back" {
            for s in strings(&corpus().iter().find(|e| e["name"] == "change_migration_up").expect("up")["sqlite"]) {
                db.execute(&s, &[]).expect("up statement");
            }
        }
        for s in stmts.iter().filter_map(|s| s.as_str()) {
            if let Err(e) = db.execute(s, &[]) {
                panic!("{name}: {s}\n  {e}");
            }
            ran += 1;
        }
    }
    let _ = db;
    assert!(ran > 30);
}

#[cfg(feature = "rusqlite")]
#[test]
fn migrator_records_versions_like_ecto() {
    use super::migrator::{ExecutorDb, Migration, Migrator, Outcome, Strategy};
    use super::{Adapter, Direction, MigrationSource};
    use crate::executor::native::SqliteExecutor;
    use crate::value::NaiveDateTime;
    use std::cell::RefCell;

    let table =
        "%Ecto.Migration.Table{name: \"users\", prefix: nil, comment: nil, primary_key: true, engine: nil, options: nil, modifiers: nil}";
    let create =
        term(&format!("{{:create, {table}, [{{:add, :id, :bigserial, [primary_key: true]}}, {{:add, :name, :string, [null: false]}}]}}"));
    let index = term("{:create, %Ecto.Migration.Index{table: \"users\", prefix: nil, name: :users_name_index, columns: [:name], unique: true, concurrently: false, using: nil, include: [], only: false, nulls_distinct: nil, where: nil, comment: nil, options: nil}}");
    let source = MigrationSource::Commands(vec![create, index]);
    let now = NaiveDateTime::parse("2024-05-01T09:15:30").expect("datetime");

    let db = Rc::new(RefCell::new(ExecutorDb::new(SqliteExecutor::in_memory().expect("db"))));
    let mut interp = crate::interp();
    let mut migrator = Migrator::new(db.clone(), Adapter::Sqlite);
    assert_eq!(migrator.up(&mut interp, 1, &source, now).ok(), Some(Outcome::Ok));
    let log: Vec<String> = db.borrow().log.iter().map(|l| l.sql.clone()).collect();
    assert_eq!(
        log,
        vec![
            "CREATE TABLE IF NOT EXISTS \"schema_migrations\" (\"version\" INTEGER PRIMARY KEY, \"inserted_at\" TEXT)",
            "SELECT s0.\"version\" FROM \"schema_migrations\" AS s0",
            "begin",
            "CREATE TABLE \"users\" (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT, \"name\" TEXT NOT NULL)",
            "CREATE UNIQUE INDEX \"users_name_index\" ON \"users\" (\"name\")",
            "INSERT INTO \"schema_migrations\" (\"version\",\"inserted_at\") VALUES (?1,?2)",
            "commit",
        ]
    );
    assert_eq!(
        db.borrow().log[5].params,
        vec![crate::executor::DbValue::Integer(1), crate::executor::DbValue::Text("2024-05-01T09:15:30".into())]
    );
    assert_eq!(migrator.up(&mut interp, 1, &source, now).ok(), Some(Outcome::AlreadyUp));

    let migrations = vec![Migration { version: 1, name: "create_users".into(), source: source.clone() }];
    let status = migrator.status(&mut interp, &migrations).ok().unwrap_or_default();
    assert_eq!(status, vec![(Direction::Up, 1, "create_users".to_string())]);

    db.borrow_mut().log.clear();
    let done = migrator.run(&mut interp, &migrations, Direction::Down, Strategy::All, now).ok();
    assert_eq!(done, Some(vec![1]));
    let log: Vec<String> = db.borrow().log.iter().map(|l| l.sql.clone()).collect();
    assert_eq!(
        log[3..],
        [
            "begin",
            "DROP INDEX \"users_name_index\"",
            "DROP TABLE \"users\"",
            "DELETE FROM \"schema_migrations\" AS s0 WHERE (s0.\"version\" = CAST(? AS INTEGER))",
            "commit",
        ]
    );
    assert_eq!(migrator.versions(&mut interp).ok(), Some(vec![]));

    // A failing statement rolls the migration back.
    let bad = MigrationSource::Commands(vec![term("\"CREATE TABLE broken (\"")]);
    assert!(migrator.up(&mut interp, 2, &bad, now).is_err());
    assert_eq!(db.borrow().log.last().map(|l| l.sql.as_str()), Some("rollback"));
    assert_eq!(migrator.versions(&mut interp).ok(), Some(vec![]));
}

/// Evaluates Elixir source (module definitions) with `import Ecto.Migration`.
#[cfg(feature = "rusqlite")]
fn eval_source(interp: &mut crate::eval::Interp, src: &str) {
    let parsed = crate::syntax::parse(src);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let mut env = crate::eval::Interp::env_with_imports(&["Ecto.Migration"]);
    if let Err(e) = interp.eval(&parsed.root, &mut env) {
        panic!("{}: {}", e.kind(), e.message());
    }
}

#[cfg(feature = "rusqlite")]
#[test]
fn setup_migration_statements_match_recorded_run() {
    use super::migrator::{ExecutorDb, Migrator, Outcome};
    use super::{Adapter, MigrationSource};
    use crate::executor::native::SqliteExecutor;
    use std::cell::RefCell;

    let mut interp = crate::interp();
    eval_source(&mut interp, include_str!("testdata/store_migration.exs"));
    let db = Rc::new(RefCell::new(ExecutorDb::new(SqliteExecutor::in_memory().expect("db"))));
    let mut migrator = Migrator::new(db.clone(), Adapter::Sqlite);
    let now = crate::value::NaiveDateTime::parse("2024-05-01T09:15:30").expect("datetime");
    let source = MigrationSource::Module("Store.Migration".into());
    match migrator.up(&mut interp, 0, &source, now) {
        Ok(o) => assert_eq!(o, Outcome::Ok),
        Err(e) => panic!("{}: {}", e.kind(), e.message()),
    }
    let recorded: serde_json::Value = serde_json::from_str(include_str!("testdata/setup_migration.json")).expect("json");
    let want = strings(&recorded["sqlite_statements"]);
    let got: Vec<String> = db.borrow().log.iter().map(|l| l.sql.clone()).collect();
    assert_eq!(got, want);
}

#[cfg(feature = "rusqlite")]
#[test]
fn ecto_migrator_builtins_run_migrations() {
    use super::migrator::{set_provider, ExecutorDb, SharedDb};
    use super::Adapter;
    use crate::executor::native::SqliteExecutor;
    use std::cell::RefCell;

    let mut interp = crate::interp();
    let db = Rc::new(RefCell::new(ExecutorDb::new(SqliteExecutor::in_memory().expect("db"))));
    let shared: SharedDb = db.clone();
    set_provider(&mut interp, Rc::new(move |_i, _repo| Ok((shared.clone(), Adapter::Sqlite))), None);
    eval_source(
        &mut interp,
        r#"
        defmodule M1 do
          use Ecto.Migration
          def change do
            create table(:notes) do
              add :body, :text
            end
          end
        end
        defmodule M2 do
          use Ecto.Migration
          def up, do: execute("CREATE INDEX notes_body ON notes (body)")
          def down, do: execute("DROP INDEX notes_body")
        end
        "#,
    );
    let run = |interp: &mut crate::eval::Interp, code: &str| -> String {
        let parsed = crate::syntax::parse(code);
        let mut env = crate::eval::Interp::env_with_imports(&[]);
        match interp.eval(&parsed.root, &mut env) {
            Ok(v) => crate::value::inspect::inspect(&v),
            Err(e) => format!("{}: {}", e.kind(), e.message()),
        }
    };
    assert_eq!(run(&mut interp, "Ecto.Migrator.run(:repo, [{1, M1}, {2, M2}], :up, all: true)"), "[1, 2]");
    assert_eq!(run(&mut interp, "Ecto.Migrator.migrated_versions(:repo)"), "[1, 2]");
    assert_eq!(run(&mut interp, "Ecto.Migrator.up(:repo, 2, M2)"), ":already_up");
    assert_eq!(run(&mut interp, "Ecto.Migrator.run(:repo, [{1, M1}, {2, M2}], :down, step: 1)"), "[2]");
    assert_eq!(run(&mut interp, "Ecto.Migrator.migrations(:repo, [{1, M1}, {2, M2}])"), "[{:up, 1, M1}, {:down, 2, M2}]");
    assert_eq!(run(&mut interp, "Ecto.Migrator.down(:repo, 1, M1)"), ":ok");
    let log: Vec<String> = db.borrow().log.iter().map(|l| l.sql.clone()).collect();
    assert!(log.contains(&"DROP TABLE \"notes\"".to_string()), "{log:?}");
    assert!(log.contains(&"DROP INDEX notes_body".to_string()), "{log:?}");
}
