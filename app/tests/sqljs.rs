//! The sql.js executor against the real sql.js, under Node (`make test-wasm`).
#![cfg(target_arch = "wasm32")]

use ectoplasm_app::console::run_script;
use ectoplasm_app::sqljs::{sqlite_code, Database, SqlJs};
use engine::executor::{DbValue, Executor};
use wasm_bindgen_test::wasm_bindgen_test;

async fn db() -> Database {
    SqlJs::load("sql-wasm.wasm").await.expect("sql.js loads").open().expect("a database opens")
}

fn select_one(db: &mut Database, sql: &str, params: &[DbValue]) -> Vec<DbValue> {
    let mut result = db.execute(sql, params).expect("query runs");
    assert_eq!(result.rows.len(), 1, "{sql}");
    result.rows.remove(0)
}

#[wasm_bindgen_test]
async fn values_come_back_with_their_sqlite_types() {
    let mut db = db().await;
    let row = select_one(&mut db, "SELECT NULL, 42, -9223372036854775808, 9223372036854775807, 1.5, 'héllo', x'00ff10'", &[]);
    assert_eq!(
        row,
        vec![
            DbValue::Null,
            DbValue::Integer(42),
            DbValue::Integer(i64::MIN),
            DbValue::Integer(i64::MAX),
            DbValue::Real(1.5),
            DbValue::Text("héllo".into()),
            DbValue::Blob(vec![0, 255, 16]),
        ]
    );
}

/// Many rows of every type, texts outside the Basic Multilingual Plane and
/// empty ones among them: the batched reader splits them where they were.
#[wasm_bindgen_test]
async fn many_rows_come_back_in_order_with_every_value_in_place() {
    let mut db = db().await;
    db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB)", &[]).expect("table");
    let texts = ["", "a😀b", "", "é", "𝄞𝄞", "plain"];
    for (n, text) in texts.iter().enumerate() {
        let blob = if n % 2 == 0 { DbValue::Blob(vec![n as u8; n]) } else { DbValue::Null };
        let params = [DbValue::Integer(n as i64 - 3), DbValue::Real(n as f64 / 4.0), DbValue::Text((*text).into()), blob];
        db.execute("INSERT INTO t VALUES (?, ?, ?, ?)", &params).expect("insert");
    }
    let result = db.execute("SELECT i, r, s, b, NULL FROM t ORDER BY rowid", &[]).expect("select");
    assert_eq!(result.columns, vec!["i", "r", "s", "b", "NULL"]);
    assert_eq!(result.rows.len(), texts.len());
    for (n, row) in result.rows.iter().enumerate() {
        let blob = if n % 2 == 0 { DbValue::Blob(vec![n as u8; n]) } else { DbValue::Null };
        assert_eq!(
            row,
            &vec![DbValue::Integer(n as i64 - 3), DbValue::Real(n as f64 / 4.0), DbValue::Text(texts[n].into()), blob, DbValue::Null],
            "row {n}"
        );
    }
    let none = db.execute("SELECT * FROM t WHERE i > 100", &[]).expect("select");
    assert!(none.rows.is_empty());
}

#[wasm_bindgen_test]
async fn parameters_are_bound_by_position() {
    let mut db = db().await;
    let params = [DbValue::Null, DbValue::Integer(7), DbValue::Real(0.25), DbValue::Text("it's".into()), DbValue::Blob(vec![1, 2, 3])];
    let row = select_one(&mut db, "SELECT ?1, ?2, ?3, ?4, ?5, typeof(?1), typeof(?2), typeof(?3)", &params);
    assert_eq!(&row[..5], &params[..]);
    let types = ["null", "integer", "real"].map(|t| DbValue::Text(t.into()));
    assert_eq!(&row[5..], &types[..]);
}

#[wasm_bindgen_test]
async fn wide_integers_and_whole_floats_keep_their_values_in_typed_columns() {
    let mut db = db().await;
    db.execute("CREATE TABLE t (i INTEGER, r REAL, n NUMERIC, s TEXT)", &[]).expect("create");
    let big = 9_007_199_254_740_993_i64; // 2^53 + 1: no JS number holds it
    let params = [DbValue::Integer(big), DbValue::Real(2.0), DbValue::Integer(-5_000_000_000), DbValue::Real(3.0)];
    let inserted = db.execute("INSERT INTO t VALUES (?1, ?2, ?3, ?4)", &params).expect("insert");
    assert_eq!(inserted.changes, 1);
    let sql = "SELECT i, r, n, s, i + 1, r / 4, typeof(r) FROM t WHERE i = ?1";
    let row = select_one(&mut db, sql, &[DbValue::Integer(big)]);
    assert_eq!(
        row,
        vec![
            DbValue::Integer(big),
            DbValue::Real(2.0),
            DbValue::Integer(-5_000_000_000),
            DbValue::Text("3.0".into()),
            DbValue::Integer(big + 1),
            DbValue::Real(0.5),
            DbValue::Text("real".into()),
        ]
    );
}

#[wasm_bindgen_test]
async fn changes_count_only_inserts_updates_and_deletes() {
    let mut db = db().await;
    assert_eq!(db.execute("CREATE TABLE t (x)", &[]).expect("create").changes, 0);
    assert_eq!(db.execute("INSERT INTO t VALUES (1), (2), (3)", &[]).expect("insert").changes, 3);
    assert_eq!(db.execute("CREATE INDEX t_x ON t (x)", &[]).expect("index").changes, 0);
    let updated = db.execute("UPDATE t SET x = x + 10 WHERE x > ?1", &[DbValue::Integer(1)]).expect("update");
    assert_eq!(updated.changes, 2);
    let deleted = db.execute("DELETE FROM t WHERE x = 12 RETURNING x", &[]).expect("delete");
    assert_eq!(deleted.columns, vec!["x".to_string()]);
    assert_eq!(deleted.rows, vec![vec![DbValue::Integer(12)]]);
    assert_eq!(deleted.changes, 1);
    assert_eq!(db.execute("SELECT count(*) FROM t", &[]).expect("count").rows, vec![vec![DbValue::Integer(2)]]);
}

#[wasm_bindgen_test]
async fn errors_carry_sqlite_extended_codes() {
    let mut db = db().await;
    db.execute("PRAGMA foreign_keys = ON", &[]).expect("pragma");
    db.execute("CREATE TABLE p (id INTEGER PRIMARY KEY)", &[]).expect("create p");
    db.execute(
        "CREATE TABLE c (id INTEGER PRIMARY KEY, email TEXT UNIQUE,
           age INTEGER NOT NULL CHECK (age >= 0), p_id INTEGER REFERENCES p (id))",
        &[],
    )
    .expect("create c");
    db.execute("INSERT INTO c (email, age) VALUES ('a', 1)", &[]).expect("insert");
    let code = |db: &mut Database, sql: &str| db.execute(sql, &[]).expect_err(sql).code;
    assert_eq!(code(&mut db, "INSERT INTO c (email, age) VALUES ('a', 2)"), 2067);
    assert_eq!(code(&mut db, "INSERT INTO c (email, age) VALUES ('b', -1)"), 275);
    assert_eq!(code(&mut db, "INSERT INTO c (email, age) VALUES ('b', NULL)"), 1299);
    assert_eq!(code(&mut db, "INSERT INTO c (email, age, p_id) VALUES ('b', 1, 99)"), 787);
    let syntax = db.execute("SELEC 1", &[]).expect_err("syntax error");
    assert_eq!(syntax.code, 1);
    assert!(syntax.message.contains("syntax error"), "{}", syntax.message);
    assert_eq!(sqlite_code("no such table: x"), 1);
}

#[wasm_bindgen_test]
async fn scripts_split_where_sqlite_does() {
    let mut db = db().await;
    let script = "CREATE TABLE t (x TEXT); -- a comment; with a semicolon
        CREATE TRIGGER t_ins AFTER INSERT ON t WHEN new.x <> 'from trigger;'
          BEGIN INSERT INTO t VALUES ('from trigger;'); END;
        INSERT INTO t VALUES ('a;b'); /* trailing; comment */
        SELECT x FROM t ORDER BY x;
        -- only a comment left";
    let outcome = run_script(&mut db, script);
    assert_eq!(outcome.error, None);
    assert_eq!(outcome.statements.len(), 4);
    assert!(outcome.statements[1].sql.ends_with("END;"), "{}", outcome.statements[1].sql);
    let rows = &outcome.statements[3].result.rows;
    assert_eq!(rows, &vec![vec![DbValue::Text("a;b".into())], vec![DbValue::Text("from trigger;".into())]]);

    let failed = run_script(&mut db, "SELECT 1; SELECT * FROM missing; SELECT 3;");
    assert_eq!(failed.statements.len(), 1);
    let error = failed.error.expect("an error");
    assert_eq!(error.sql, "SELECT * FROM missing; SELECT 3;");
    assert!(error.error.message.contains("no such table: missing"), "{}", error.error.message);
}
