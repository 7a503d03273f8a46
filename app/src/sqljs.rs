//! SQLite in the browser: the one place that talks to sql.js.
//!
//! sql.js is loaded as a classic script (`sql-wasm.js`, next to `sql-wasm.wasm`
//! in the build output), which defines the global `initSqlJs`. In a page that
//! is a `<script>` tag; in a Web Worker it is `importScripts("sql-wasm.js")`.
//! Nothing here touches `window` or `document`, so the module works in both.
//!
//! [`SqlJs::load`] resolves once the SQLite wasm is compiled; [`SqlJs::open`]
//! gives an in-memory [`Database`], which implements the engine's
//! [`Executor`]. The rest of the app never sees a `JsValue`.

use engine::executor::{DbError, DbValue, Executor, QueryResult};
use js_sys::{Array, BigInt, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// sql.js's entry point; it caches its promise, so calling it again (for
    /// instance after the page started loading early) is cheap.
    #[wasm_bindgen(catch, js_name = initSqlJs)]
    fn init_sql_js(config: &JsValue) -> Result<js_sys::Promise, JsValue>;

    /// sql.js loaded with its wasm memory in view of the row reader
    /// (`public/sqljs-rows.js`).
    #[wasm_bindgen(catch, js_name = ectoplasmInitSqlJs)]
    fn init_sql_js_with_memory(wasm_url: &str) -> Result<js_sys::Promise, JsValue>;

    /// The object `initSqlJs` resolves to; `Database` is its constructor.
    #[derive(Clone)]
    type SqlJsStatic;

    #[wasm_bindgen(method, getter, js_name = Database)]
    fn database_class(this: &SqlJsStatic) -> js_sys::Function;

    type RawDatabase;

    #[wasm_bindgen(method, catch)]
    fn prepare(this: &RawDatabase, sql: &str) -> Result<RawStatement, JsValue>;

    #[wasm_bindgen(method, catch, js_name = iterateStatements)]
    fn iterate_statements(this: &RawDatabase, sql: &str) -> Result<RawStatementIterator, JsValue>;

    #[wasm_bindgen(method, js_name = getRowsModified)]
    fn rows_modified(this: &RawDatabase) -> f64;

    #[wasm_bindgen(method, js_name = export)]
    fn export_bytes(this: &RawDatabase) -> Uint8Array;

    #[wasm_bindgen(method)]
    fn close(this: &RawDatabase);

    type RawStatement;

    #[wasm_bindgen(method, catch)]
    fn bind(this: &RawStatement, values: &Array) -> Result<bool, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn step(this: &RawStatement) -> Result<bool, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn get(this: &RawStatement, params: &JsValue, config: &JsValue) -> Result<Array, JsValue>;

    #[wasm_bindgen(method, js_name = getColumnNames)]
    fn column_names(this: &RawStatement) -> Array;

    /// Every row of a statement at once (`public/sqljs-rows.js`), read
    /// through `sql`'s exported SQLite functions.
    #[wasm_bindgen(catch, js_name = ectoplasmReadRows)]
    fn read_rows_js(stmt: &RawStatement, sql: &SqlJsStatic) -> Result<PackedRows, JsValue>;

    /// Binds every parameter at once (`public/sqljs-rows.js`): tags 0 null,
    /// 1 number, 3 text, 4 blob; numbers in `nums`; texts (UTF-8) and
    /// blobs concatenated in `bytes`, each one's length in `lengths`.
    #[wasm_bindgen(catch, js_name = ectoplasmBindParams)]
    fn bind_packed_js(
        stmt: &RawStatement,
        sql: &SqlJsStatic,
        tags: &[u8],
        nums: &[f64],
        bytes: &[u8],
        lengths: &[u32],
    ) -> Result<f64, JsValue>;

    /// Frees what [`bind_packed_js`] returned, once its statement is freed.
    #[wasm_bindgen(js_name = ectoplasmFreeParams)]
    fn free_params_js(sql: &SqlJsStatic, ptr: f64);

    type PackedRows;

    #[wasm_bindgen(method, getter)]
    fn rows(this: &PackedRows) -> u32;
    #[wasm_bindgen(method, getter)]
    fn tags(this: &PackedRows) -> Uint8Array;
    #[wasm_bindgen(method, getter)]
    fn nums(this: &PackedRows) -> js_sys::Float64Array;
    #[wasm_bindgen(method, getter)]
    fn bytes(this: &PackedRows) -> Uint8Array;
    #[wasm_bindgen(method, getter)]
    fn lengths(this: &PackedRows) -> js_sys::Uint32Array;

    #[wasm_bindgen(method, js_name = getSQL)]
    fn sql(this: &RawStatement) -> String;

    #[wasm_bindgen(method)]
    fn free(this: &RawStatement) -> bool;

    type RawStatementIterator;

    #[wasm_bindgen(method, catch)]
    fn next(this: &RawStatementIterator) -> Result<IteratorStep, JsValue>;

    #[wasm_bindgen(method, js_name = getRemainingSQL)]
    fn remaining_sql(this: &RawStatementIterator) -> String;

    /// Frees the iterator and its current statement.
    #[wasm_bindgen(method, js_name = "return")]
    fn finish(this: &RawStatementIterator);

    type IteratorStep;

    #[wasm_bindgen(method, getter)]
    fn done(this: &IteratorStep) -> bool;

    #[wasm_bindgen(method, getter)]
    fn value(this: &IteratorStep) -> JsValue;
}

/// The loaded sql.js library.
pub struct SqlJs {
    module: SqlJsStatic,
}

impl SqlJs {
    /// Loads sql.js; `wasm_url` is where `sql-wasm.wasm` is served from
    /// (relative URLs resolve against the page, or the worker script).
    pub async fn load(wasm_url: &str) -> Result<SqlJs, DbError> {
        if has_row_reader() {
            let promise = init_sql_js_with_memory(wasm_url)
                .map_err(|e| DbError { code: 1, message: format!("sql.js is not loaded ({})", error_message(&e)) })?;
            let module = JsFuture::from(promise).await.map_err(js_error)?;
            return Ok(SqlJs { module: module.unchecked_into() });
        }
        let url = wasm_url.to_string();
        let locate = Closure::<dyn Fn(String) -> String>::new(move |_file: String| url.clone());
        let config = Object::new();
        Reflect::set(&config, &"locateFile".into(), &locate.into_js_value()).map_err(js_error)?;
        let promise =
            init_sql_js(&config).map_err(|e| DbError { code: 1, message: format!("sql.js is not loaded ({})", error_message(&e)) })?;
        let module = JsFuture::from(promise).await.map_err(js_error)?;
        Ok(SqlJs { module: module.unchecked_into() })
    }

    /// A new, empty in-memory database.
    pub fn open(&self) -> Result<Database, DbError> {
        let db = Reflect::construct(&self.module.database_class(), &Array::new()).map_err(js_error)?;
        Ok(Database { raw: db.unchecked_into(), module: self.module.clone() })
    }

    /// An in-memory database holding a copy of the SQLite file image `bytes`
    /// (what [`Database::export`] gives). SQLite reads the header lazily:
    /// bytes that are not a database fail at the first statement.
    pub fn open_image(&self, bytes: &[u8]) -> Result<Database, DbError> {
        let args = Array::of1(&Uint8Array::from(bytes));
        let db = Reflect::construct(&self.module.database_class(), &args).map_err(js_error)?;
        Ok(Database { raw: db.unchecked_into(), module: self.module.clone() })
    }
}

/// One sql.js database. Closed when dropped.
pub struct Database {
    raw: RawDatabase,
    /// sql.js itself, whose exported SQLite functions read result rows.
    module: SqlJsStatic,
}

impl Database {
    /// Splits off the first statement of `script` the way SQLite itself does
    /// (so semicolons inside strings, comments and trigger bodies are kept):
    /// `Ok(Some((statement, rest)))`, or `Ok(None)` when only whitespace or
    /// comments remain. The statement is compiled to find its end, so names it
    /// refers to must exist: run each statement before splitting off the next.
    pub fn split_first(&self, script: &str) -> Result<Option<(String, String)>, DbError> {
        let iter = self.raw.iterate_statements(script).map_err(js_error)?;
        let step = iter.next();
        let out = match step {
            Ok(step) if step.done() => Ok(None),
            Ok(step) => {
                let stmt: RawStatement = step.value().unchecked_into();
                Ok(Some((stmt.sql(), iter.remaining_sql())))
            }
            Err(e) => Err(js_error(e)),
        };
        iter.finish();
        out
    }

    /// The whole database as an SQLite file image.
    pub fn export(&self) -> Vec<u8> {
        self.raw.export_bytes().to_vec()
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        self.raw.close();
    }
}

/// Frees the prepared statement however `execute` leaves, then the memory
/// its parameters were bound from (a pointer into SQLite's memory, or 0).
struct Prepared<'a>(RawStatement, f64, &'a SqlJsStatic);

impl Drop for Prepared<'_> {
    fn drop(&mut self) {
        self.0.free();
        if self.1 != 0.0 {
            free_params_js(self.2, self.1);
        }
    }
}

impl Executor for Database {
    fn execute(&mut self, sql: &str, params: &[DbValue]) -> Result<QueryResult, DbError> {
        let mut stmt = Prepared(self.raw.prepare(sql).map_err(js_error)?, 0.0, &self.module);
        if !params.is_empty() {
            if has_row_reader() {
                stmt.1 = bind_packed(&stmt.0, &self.module, params)?;
            } else {
                let values: Array = params.iter().map(bind_value).collect();
                stmt.0.bind(&values).map_err(js_error)?;
            }
        }
        let columns: Vec<String> = stmt.0.column_names().iter().filter_map(|c| c.as_string()).collect();
        let rows = if has_row_reader() { read_packed(&stmt.0, &self.module, columns.len())? } else { read_one_by_one(&stmt.0)? };
        drop(stmt);
        // sqlite3_changes() keeps the count of the last INSERT, UPDATE or
        // DELETE through later statements of other kinds: report it only for those.
        let changes = if is_dml(sql) { self.raw.rows_modified() as u64 } else { 0 };
        Ok(QueryResult { columns, rows, changes })
    }
}

/// Whether `sql` is an INSERT, UPDATE, DELETE or REPLACE (the statements
/// whose changed rows SQLite counts).
pub fn is_dml(sql: &str) -> bool {
    let keyword: String = sql.trim_start().chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    ["INSERT", "UPDATE", "DELETE", "REPLACE"].iter().any(|k| k.eq_ignore_ascii_case(&keyword))
}

/// How a value is bound through sql.js's public API, which binds a JS
/// number as an SQLite INTEGER when it fits in 32 bits and as a REAL
/// otherwise, and has no 64-bit integer binding. So: larger integers travel
/// as their decimal text, and integral floats in the 32-bit range as text
/// such as `"2.0"`. Column affinity (and SQLite's arithmetic) turns such
/// text back into the same number; only a value read back untouched
/// (`SELECT ?`) shows up as TEXT.
enum Bound<'a> {
    Null,
    Number(f64),
    Text(std::borrow::Cow<'a, str>),
    Blob(&'a [u8]),
}

fn bound(value: &DbValue) -> Bound<'_> {
    match value {
        DbValue::Null => Bound::Null,
        DbValue::Integer(i) => match i32::try_from(*i) {
            Ok(small) => Bound::Number(f64::from(small)),
            Err(_) => Bound::Text(i.to_string().into()),
        },
        DbValue::Real(f) if f.is_finite() && f.fract() == 0.0 && f.abs() <= f64::from(i32::MAX) => Bound::Text(format!("{f:?}").into()),
        DbValue::Real(f) => Bound::Number(*f),
        DbValue::Text(s) => Bound::Text(s.as_str().into()),
        DbValue::Blob(b) => Bound::Blob(b),
        DbValue::Pg { bytes, .. } => Bound::Blob(bytes),
    }
}

/// The JS value sql.js binds for `value` (see [`Bound`]).
fn bind_value(value: &DbValue) -> JsValue {
    match bound(value) {
        Bound::Null => JsValue::NULL,
        Bound::Number(n) => JsValue::from(n),
        Bound::Text(t) => JsValue::from(t.as_ref()),
        Bound::Blob(b) => Uint8Array::from(b).into(),
    }
}

/// Every parameter in one call (`ectoplasmBindParams`), bound as
/// [`bind_value`] binds them: the texts and blobs copied once into SQLite's
/// memory, not converted and bound one call at a time. Returns that memory's
/// pointer (0 if none), to free after the statement (see [`Prepared`]).
fn bind_packed(stmt: &RawStatement, module: &SqlJsStatic, params: &[DbValue]) -> Result<f64, DbError> {
    let mut tags = Vec::with_capacity(params.len());
    let mut nums = Vec::new();
    let mut bytes = Vec::new();
    let mut lengths = Vec::new();
    for value in params {
        match bound(value) {
            Bound::Null => tags.push(0),
            Bound::Number(n) => {
                tags.push(1);
                nums.push(n);
            }
            Bound::Text(t) => {
                tags.push(3);
                bytes.extend_from_slice(t.as_bytes());
                lengths.push(t.len() as u32);
            }
            Bound::Blob(b) => {
                tags.push(4);
                bytes.extend_from_slice(b);
                lengths.push(b.len() as u32);
            }
        }
    }
    bind_packed_js(stmt, module, &tags, &nums, &bytes, &lengths).map_err(js_error)
}

/// Whether `public/sqljs-rows.js` is loaded (it is beside sql.js in the
/// page and the worker; without it rows are read, and parameters bound,
/// one value at a time).
fn has_row_reader() -> bool {
    thread_local! {
        static LOADED: bool = Reflect::get(&js_sys::global(), &"ectoplasmReadRows".into()).is_ok_and(|f| f.is_function());
    }
    LOADED.with(|l| *l)
}

/// Every row through `ectoplasmReadRows`: a handful of copies per
/// statement, not several calls into JavaScript per value.
fn read_packed(stmt: &RawStatement, module: &SqlJsStatic, width: usize) -> Result<Vec<Vec<DbValue>>, DbError> {
    let packed = read_rows_js(stmt, module).map_err(js_error)?;
    let tags = packed.tags().to_vec();
    let nums = packed.nums().to_vec();
    let bytes = packed.bytes().to_vec();
    let lengths = packed.lengths().to_vec();
    let mut num = nums.into_iter();
    let mut lengths = lengths.into_iter();
    let mut at = 0usize;
    let broken = || DbError { code: 1, message: "sql.js returned rows in an unexpected shape".to_string() };
    let mut next_bytes = || -> Result<&[u8], DbError> {
        let end = at + lengths.next().ok_or_else(broken)? as usize;
        let b = bytes.get(at..end).ok_or_else(broken)?;
        at = end;
        Ok(b)
    };
    let mut values = Vec::with_capacity(tags.len());
    for tag in tags {
        values.push(match tag {
            0 => DbValue::Null,
            // an integer within 2^53, exact as a double
            1 => DbValue::Integer(num.next().ok_or_else(broken)? as i64),
            2 => DbValue::Real(num.next().ok_or_else(broken)?),
            // SQLite's text is UTF-8 unless a blob was cast to it
            3 => DbValue::Text(String::from_utf8_lossy(next_bytes()?).into_owned()),
            4 => DbValue::Blob(next_bytes()?.to_vec()),
            5 => DbValue::Integer(std::str::from_utf8(next_bytes()?).ok().and_then(|s| s.parse().ok()).ok_or_else(broken)?),
            _ => return Err(broken()),
        });
    }
    let rows = packed.rows() as usize;
    if values.len() != rows * width {
        return Err(broken());
    }
    let mut out = Vec::with_capacity(rows);
    let mut it = values.into_iter();
    for _ in 0..rows {
        out.push(it.by_ref().take(width).collect());
    }
    Ok(out)
}

/// Every row through `Statement.step`/`get`, one value at a time.
fn read_one_by_one(stmt: &RawStatement) -> Result<Vec<Vec<DbValue>>, DbError> {
    let get_config = Object::new();
    Reflect::set(&get_config, &"useBigInt".into(), &JsValue::TRUE).map_err(js_error)?;
    let mut rows = Vec::new();
    while stmt.step().map_err(js_error)? {
        let row = stmt.get(&JsValue::NULL, &get_config).map_err(js_error)?;
        rows.push(row.iter().map(|v| read_value(&v)).collect::<Result<Vec<_>, _>>()?);
    }
    Ok(rows)
}

/// One column value from `Statement.get(null, {useBigInt: true})`.
fn read_value(v: &JsValue) -> Result<DbValue, DbError> {
    if v.is_null() || v.is_undefined() {
        Ok(DbValue::Null)
    } else if let Some(s) = v.as_string() {
        Ok(DbValue::Text(s))
    } else if v.is_bigint() {
        let big: BigInt = v.clone().unchecked_into();
        i64::try_from(big).map(DbValue::Integer).map_err(|_| DbError { code: 1, message: "integer out of range".to_string() })
    } else if let Some(f) = v.as_f64() {
        Ok(DbValue::Real(f))
    } else if let Some(bytes) = v.dyn_ref::<Uint8Array>() {
        Ok(DbValue::Blob(bytes.to_vec()))
    } else {
        Err(DbError { code: 1, message: "unexpected value from sql.js".to_string() })
    }
}

/// sql.js throws `Error`s carrying only SQLite's message; recover the
/// extended result code the native executor would report.
fn js_error(e: JsValue) -> DbError {
    let message = error_message(&e);
    DbError { code: sqlite_code(&message), message }
}

fn error_message(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        String::from(err.message())
    } else if let Some(s) = e.as_string() {
        s
    } else {
        "unknown error from sql.js".to_string()
    }
}

/// SQLite's extended result code for an error message.
pub fn sqlite_code(message: &str) -> i32 {
    const CODES: &[(&str, i32)] = &[
        ("UNIQUE constraint failed", 2067),     // SQLITE_CONSTRAINT_UNIQUE
        ("FOREIGN KEY constraint failed", 787), // SQLITE_CONSTRAINT_FOREIGNKEY
        ("CHECK constraint failed", 275),       // SQLITE_CONSTRAINT_CHECK
        ("NOT NULL constraint failed", 1299),   // SQLITE_CONSTRAINT_NOTNULL
        ("constraint failed", 19),              // SQLITE_CONSTRAINT
    ];
    CODES.iter().find(|(text, _)| message.contains(text)).map_or(1, |&(_, code)| code)
}
