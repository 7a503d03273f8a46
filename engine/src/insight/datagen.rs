//! Rows generated at scale for one table, from the schema's field types
//! (`Ecto.Enum` values included) and the table's columns (nullability,
//! defaults, foreign keys, unique indexes), with the validations a
//! changeset declares (`validate_length`, `validate_inclusion`,
//! `validate_number`). Foreign keys point at parent rows read from the
//! database, uniformly or with a few heavy parents. Deterministic for a
//! seed (splitmix64).
//!
//! [`Generator::step`] inserts the next batch in one transaction with the
//! statement Repo's `insert_all` prints (`INSERT INTO "t" ("a","b") VALUES
//! (?1,?2),(?3,?4)...`), so the page can show progress and stop between
//! batches.
//!
//! On PostgreSQL (`Executor::postgres`) the columns are planned from
//! PostgreSQL's declared types (`jsonb`, arrays such as `text[]`, `uuid`,
//! `timestamp(0) without time zone`, ...), the statement uses `$N`
//! placeholders, and each value is bound as a text-format parameter that
//! the server reads with its type's input function (`{"a","b"}` for an
//! array, JSON text for `jsonb`). The last batch ends with `ANALYZE` of
//! the table, so the planner knows how many rows it has.

use serde::{Deserialize, Serialize};

use crate::erd::catalog::{affinity, Affinity, CatalogTable};
use crate::executor::{DbError, DbValue, Executor};
use crate::playground::tables::{int, quote_ident};
use crate::schema::types::EctoType;
use crate::schema::Schema;

/// The most rows one generation inserts.
pub const MAX_ROWS: usize = 200_000;
/// Rows inserted by one [`Generator::step`].
pub const STEP_ROWS: usize = 10_000;
/// The most parameters one statement binds (SQLite's default limit is 32766).
const MAX_PARAMS: usize = 32_000;

/// splitmix64: small, fast and good enough for test data.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An integer in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi as i128 - lo as i128 + 1) as u128;
        (lo as i128 + (self.next_u64() as u128 % span) as i128) as i64
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> Option<&'a T> {
        (!xs.is_empty()).then(|| &xs[(self.next_u64() % xs.len() as u64) as usize])
    }
}

/// How child rows spread over their parents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Skew {
    /// Every parent equally likely.
    #[default]
    Uniform,
    /// A few heavy parents: the parent at rank `r` (of `n`) is chosen as
    /// `n * u^4` for a uniform `u`, so the first tenth of the parents gets
    /// more than half of the rows (Zipf-like).
    Heavy,
}

/// What the caller chooses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenOptions {
    #[serde(default = "default_rows")]
    pub rows: usize,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub skew: Skew,
}

fn default_rows() -> usize {
    1_000
}

impl Default for GenOptions {
    fn default() -> GenOptions {
        GenOptions { rows: default_rows(), seed: 0, skew: Skew::Uniform }
    }
}

/// A validation read from a changeset function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Validation {
    Length { field: String, min: Option<i64>, max: Option<i64> },
    Inclusion { field: String, values: Vec<String> },
    Number { field: String, min: Option<f64>, max: Option<f64> },
}

/// How one column's values are made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnGen {
    Integer {
        min: i64,
        max: i64,
    },
    Float {
        min: f64,
        max: f64,
    },
    /// Dumped as 1/0, as ecto_sqlite3 stores booleans.
    Boolean,
    Text {
        min_len: usize,
        max_len: usize,
    },
    /// One of these values (an `Ecto.Enum`'s dumped values, an inclusion).
    OneOf {
        values: Vec<DbValue>,
    },
    Date,
    /// ISO 8601 without zone (`2024-03-01T12:00:00`), as Ecto dumps
    /// naive and UTC datetimes for SQLite.
    DateTime {
        usec: bool,
    },
    Time,
    Decimal,
    Uuid,
    /// A JSON object (`{"word": "maple", "n": 12}`), for `jsonb`/`json`
    /// columns and `:map` fields.
    Json,
    /// A PostgreSQL array of 0 to 3 values made by `of`.
    Array {
        of: Box<ColumnGen>,
    },
    /// A parent's key, read from `parent_table`.
    Foreign {
        parent_table: String,
        parent_column: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnPlan {
    pub name: String,
    pub gen: ColumnGen,
    /// Share of NULLs (0 for `NOT NULL` columns).
    pub null_rate: f64,
    pub unique: bool,
}

/// The columns a generation fills (the autoincrement key is left to SQLite).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenPlan {
    pub table: String,
    pub columns: Vec<ColumnPlan>,
    /// A unique index (or primary key) over several filled columns, such as
    /// a join table's `(post_id, tag_id)`: a row that would repeat a
    /// combination is skipped (`ON CONFLICT DO NOTHING`), so fewer rows
    /// than asked may go in.
    #[serde(default)]
    pub unique_together: Vec<Vec<String>>,
    /// Planned for PostgreSQL (see the module's notes).
    #[serde(default)]
    pub postgres: bool,
}

/// Why a generation cannot start or go on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum GenError {
    NoSuchTable(String),
    /// A required foreign key whose parent table has no rows.
    NoParents {
        column: String,
        parent: String,
    },
    Db(DbError),
}

impl std::fmt::Display for GenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GenError::NoSuchTable(t) => write!(f, "no table `{t}` in the database"),
            GenError::NoParents { column, parent } => {
                write!(f, "`{column}` must point at a row of `{parent}`, which has none: generate `{parent}` first")
            }
            GenError::Db(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for GenError {}

impl From<DbError> for GenError {
    fn from(e: DbError) -> GenError {
        GenError::Db(e)
    }
}

fn schema_gen(ty: &EctoType) -> Option<ColumnGen> {
    Some(match ty {
        EctoType::Id | EctoType::Integer => ColumnGen::Integer { min: 0, max: 10_000 },
        EctoType::Float => ColumnGen::Float { min: 0.0, max: 1000.0 },
        EctoType::Boolean => ColumnGen::Boolean,
        EctoType::String => ColumnGen::Text { min_len: 4, max_len: 24 },
        EctoType::Decimal => ColumnGen::Decimal,
        EctoType::Date => ColumnGen::Date,
        EctoType::Time | EctoType::TimeUsec => ColumnGen::Time,
        EctoType::NaiveDatetime | EctoType::UtcDatetime => ColumnGen::DateTime { usec: false },
        EctoType::NaiveDatetimeUsec | EctoType::UtcDatetimeUsec => ColumnGen::DateTime { usec: true },
        EctoType::Uuid | EctoType::BinaryId => ColumnGen::Uuid,
        EctoType::Enum(e) => ColumnGen::OneOf {
            values: e
                .mappings
                .iter()
                .map(|(_, v)| match v {
                    crate::value::Value::Int(i) => DbValue::Integer(*i),
                    other => DbValue::Text(other.as_str().map(str::to_string).unwrap_or_default()),
                })
                .collect(),
        },
        _ => return None,
    })
}

/// A field's values on PostgreSQL: as on SQLite, plus maps and arrays.
fn pg_schema_gen(ty: &EctoType) -> Option<ColumnGen> {
    match ty {
        EctoType::Map | EctoType::MapOf(_) => Some(ColumnGen::Json),
        EctoType::Array(of) => pg_schema_gen(of).map(|of| ColumnGen::Array { of: Box::new(of) }),
        other => schema_gen(other),
    }
}

/// A column's values from PostgreSQL's declared type (`format_type`'s words).
fn pg_type_gen(declared: &str) -> ColumnGen {
    let t = declared.trim().to_ascii_lowercase();
    if let Some(of) = t.strip_suffix("[]") {
        return ColumnGen::Array { of: Box::new(pg_type_gen(of)) };
    }
    let base = t.split('(').next().unwrap_or("").trim();
    match base {
        "smallint" => ColumnGen::Integer { min: 0, max: 10_000 },
        "integer" | "bigint" => ColumnGen::Integer { min: 0, max: 10_000 },
        "real" | "double precision" => ColumnGen::Float { min: 0.0, max: 1000.0 },
        "numeric" => ColumnGen::Decimal,
        "boolean" => ColumnGen::Boolean,
        "date" => ColumnGen::Date,
        "uuid" => ColumnGen::Uuid,
        "json" | "jsonb" => ColumnGen::Json,
        _ if base.starts_with("timestamp") => ColumnGen::DateTime { usec: !t.starts_with("timestamp(0)") },
        _ if base.starts_with("time") => ColumnGen::Time,
        _ => ColumnGen::Text { min_len: 4, max_len: 24 },
    }
}

fn affinity_gen(declared: &str) -> ColumnGen {
    let t = declared.to_ascii_uppercase();
    if t.contains("BOOL") {
        return ColumnGen::Boolean;
    }
    if t.contains("DATETIME") || t.contains("TIMESTAMP") {
        return ColumnGen::DateTime { usec: false };
    }
    if t == "DATE" {
        return ColumnGen::Date;
    }
    if t.contains("UUID") {
        return ColumnGen::Uuid;
    }
    if t.contains("DECIMAL") || t.contains("NUMERIC") {
        return ColumnGen::Decimal;
    }
    match affinity(declared) {
        Affinity::Integer => ColumnGen::Integer { min: 0, max: 10_000 },
        Affinity::Real => ColumnGen::Float { min: 0.0, max: 1000.0 },
        _ => ColumnGen::Text { min_len: 4, max_len: 24 },
    }
}

/// Plans the columns of `table`: each column's kind from the schema's
/// field (when a schema maps it) or the declared type, nulls only where
/// the column allows them, foreign keys from the catalog, uniqueness from
/// single-column unique indexes, narrowed by `validations`.
pub fn plan_table(exec: &mut dyn Executor, table: &str, schema: Option<&Schema>, validations: &[Validation]) -> Result<GenPlan, GenError> {
    let catalog = crate::erd::catalog::read(exec)?;
    let t = catalog.table(table).ok_or_else(|| GenError::NoSuchTable(table.to_string()))?;
    Ok(plan_columns(t, catalog.postgres, schema, validations))
}

/// [`plan_table`] on an SQLite catalog already read.
pub fn plan_from_catalog(t: &CatalogTable, schema: Option<&Schema>, validations: &[Validation]) -> GenPlan {
    plan_columns(t, false, schema, validations)
}

fn plan_columns(t: &CatalogTable, postgres: bool, schema: Option<&Schema>, validations: &[Validation]) -> GenPlan {
    let pk: Vec<&str> = t.columns.iter().filter(|c| c.pk > 0).map(|c| c.name.as_str()).collect();
    let mut columns = vec![];
    for c in &t.columns {
        let field = schema.and_then(|s| s.fields.iter().find(|f| f.source == c.name && !f.virtual_));
        // SQLite assigns the rowid; PostgreSQL a serial key's default (nextval)
        let integer_key = pk == [c.name.as_str()] && affinity(&c.ty) == Affinity::Integer && (!postgres || c.default.is_some());
        if integer_key {
            continue;
        }
        let unique = pk == [c.name.as_str()] || t.indexes.iter().any(|i| i.unique && i.columns == [c.name.clone()]);
        let from_field = field.and_then(|f| if postgres { pg_schema_gen(&f.ty) } else { schema_gen(&f.ty) });
        let mut gen = match (t.fk_from(&c.name), from_field) {
            (Some(fk), _) => ColumnGen::Foreign { parent_table: fk.table.clone(), parent_column: fk.to.clone() },
            (None, Some(g)) => g,
            (None, None) if postgres => pg_type_gen(&c.ty),
            (None, None) => affinity_gen(&c.ty),
        };
        let fname = field.map(|f| f.name.as_str()).unwrap_or(&c.name);
        for v in validations {
            match (v, &mut gen) {
                (Validation::Length { field, min, max }, ColumnGen::Text { min_len, max_len }) if field == fname => {
                    if let Some(m) = min {
                        *min_len = (*m).max(0) as usize;
                    }
                    if let Some(m) = max {
                        *max_len = (*m).max(0) as usize;
                    }
                    if *max_len < *min_len {
                        *max_len = *min_len;
                    }
                }
                (Validation::Inclusion { field, values }, _) if field == fname && !values.is_empty() => {
                    gen = ColumnGen::OneOf { values: values.iter().map(|s| DbValue::Text(s.clone())).collect() };
                }
                (Validation::Number { field, min, max }, ColumnGen::Integer { min: lo, max: hi }) if field == fname => {
                    if let Some(m) = min {
                        *lo = m.ceil() as i64;
                    }
                    if let Some(m) = max {
                        *hi = m.floor() as i64;
                    }
                    if *hi < *lo {
                        *hi = *lo;
                    }
                }
                (Validation::Number { field, min, max }, ColumnGen::Float { min: lo, max: hi }) if field == fname => {
                    if let Some(m) = min {
                        *lo = *m;
                    }
                    if let Some(m) = max {
                        *hi = *m;
                    }
                }
                _ => {}
            }
        }
        // timestamps are always set; other nullable columns get a few NULLs
        let timestamp = matches!(c.name.as_str(), "inserted_at" | "updated_at");
        let null_rate = if c.not_null || unique || timestamp || c.default.is_some() { 0.0 } else { 0.05 };
        columns.push(ColumnPlan { name: c.name.clone(), gen, null_rate, unique });
    }
    let filled = |cols: &[String]| cols.len() > 1 && cols.iter().all(|c| columns.iter().any(|p| p.name == *c));
    let mut unique_together: Vec<Vec<String>> =
        t.indexes.iter().filter(|i| i.unique && filled(&i.columns)).map(|i| i.columns.clone()).collect();
    let pk_cols: Vec<String> = pk.iter().map(|c| c.to_string()).collect();
    if filled(&pk_cols) && !unique_together.contains(&pk_cols) {
        unique_together.push(pk_cols);
    }
    GenPlan { table: t.name.clone(), columns, unique_together, postgres }
}

/// How far a generation got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Rows in the table that this generation added.
    pub inserted: usize,
    pub total: usize,
    pub done: bool,
    /// Rows made so far (more than `inserted` when rows that would repeat a
    /// unique combination were skipped).
    #[serde(default)]
    pub attempted: usize,
}

/// A generation under way: each [`Generator::step`] inserts the next batch.
pub struct Generator {
    plan: GenPlan,
    opts: GenOptions,
    rng: Rng,
    /// Rows made so far, and how many of them went in.
    attempted: usize,
    inserted: usize,
    /// Per column: the parents' keys (foreign keys only).
    parents: Vec<Vec<DbValue>>,
    /// Per column: the next value of a unique counter (so values never repeat).
    unique_base: Vec<i64>,
    /// The SQL for a full batch, printed once.
    sql_cache: Option<(usize, String)>,
}

const WORDS: &[&str] = &[
    "ash", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris", "juniper", "kestrel", "lumen", "maple", "nectar",
    "orbit", "pebble", "quill", "river", "sable", "tundra", "umber", "violet", "willow", "xenon", "yarrow", "zephyr",
];

impl Generator {
    /// Reads the parents' keys and the current maxima of unique columns.
    pub fn new(exec: &mut dyn Executor, plan: GenPlan, opts: GenOptions) -> Result<Generator, GenError> {
        let mut parents = vec![];
        let mut unique_base = vec![];
        for c in &plan.columns {
            let keys = match &c.gen {
                ColumnGen::Foreign { parent_table, parent_column } => {
                    let col = parent_column.as_deref().map(quote_ident).unwrap_or_else(|| "rowid".to_string());
                    // PostgreSQL's keys come back as text, bound again as text
                    let col = if plan.postgres { format!("{col}::text") } else { col };
                    let r = exec.execute(&format!("SELECT {col} FROM {} ORDER BY {col}", quote_ident(parent_table)), &[])?;
                    let mut keys: Vec<DbValue> = r.rows.into_iter().filter_map(|mut row| row.drain(..).next()).collect();
                    if plan.postgres {
                        keys = keys.iter().map(|k| DbValue::Text(crate::playground::tables::text(Some(k)))).collect();
                    }
                    if keys.is_empty() && c.null_rate == 0.0 {
                        return Err(GenError::NoParents { column: c.name.clone(), parent: parent_table.clone() });
                    }
                    keys
                }
                _ => vec![],
            };
            parents.push(keys);
            // unique values continue after the rows already there
            let base = if c.unique { count(exec, &plan.table)? as i64 } else { 0 };
            unique_base.push(base);
        }
        let opts = GenOptions { rows: opts.rows.min(MAX_ROWS), ..opts };
        let rng = Rng::new(opts.seed ^ 0x5EED_0000_0000_0000);
        Ok(Generator { plan, opts, rng, attempted: 0, inserted: 0, parents, unique_base, sql_cache: None })
    }

    pub fn plan(&self) -> &GenPlan {
        &self.plan
    }

    pub fn progress(&self) -> Progress {
        Progress { inserted: self.inserted, total: self.opts.rows, done: self.attempted >= self.opts.rows, attempted: self.attempted }
    }

    /// The next row's values, column by column.
    fn row(&mut self, n: usize, out: &mut Vec<DbValue>) {
        for (i, c) in self.plan.columns.iter().enumerate() {
            let rng = &mut self.rng;
            if c.null_rate > 0.0 && rng.unit() < c.null_rate {
                out.push(DbValue::Null);
                continue;
            }
            let k = self.unique_base[i] + n as i64;
            let v = match &c.gen {
                ColumnGen::Integer { min, max } if c.unique => DbValue::Integer(min + k),
                ColumnGen::Integer { min, max } => DbValue::Integer(rng.range(*min, *max)),
                ColumnGen::Float { min, max } => DbValue::Real(((min + rng.unit() * (max - min)) * 100.0).round() / 100.0),
                ColumnGen::Boolean => DbValue::Integer(rng.range(0, 1)),
                ColumnGen::Text { min_len, max_len } => DbValue::Text(text_value(rng, *min_len, *max_len, c.unique.then_some(k))),
                ColumnGen::OneOf { values } => rng.pick(values).cloned().unwrap_or(DbValue::Null),
                ColumnGen::Date => DbValue::Text(date(rng.range(0, 3 * 365))),
                ColumnGen::DateTime { usec } => {
                    let secs = rng.range(0, 3 * 365 * 86_400);
                    let frac = if *usec { format!(".{:06}", rng.range(0, 999_999)) } else { String::new() };
                    DbValue::Text(format!("{}T{}{frac}", date(secs / 86_400), time(secs % 86_400)))
                }
                ColumnGen::Time => DbValue::Text(time(rng.range(0, 86_399))),
                ColumnGen::Decimal => DbValue::Text(format!("{}.{:02}", rng.range(0, 9_999), rng.range(0, 99))),
                ColumnGen::Uuid => DbValue::Text(uuid(rng)),
                ColumnGen::Json => DbValue::Text(json_value(rng)),
                ColumnGen::Array { of } => {
                    let n = rng.range(0, 3);
                    let items: Vec<String> = (0..n).map(|_| array_item(rng, of)).collect();
                    DbValue::Text(format!("{{{}}}", items.join(",")))
                }
                ColumnGen::Foreign { .. } => {
                    let keys = &self.parents[i];
                    if keys.is_empty() {
                        DbValue::Null
                    } else {
                        let u = rng.unit();
                        let ix = match self.opts.skew {
                            Skew::Uniform => (u * keys.len() as f64) as usize,
                            Skew::Heavy => (u.powi(4) * keys.len() as f64) as usize,
                        };
                        keys[ix.min(keys.len() - 1)].clone()
                    }
                }
            };
            out.push(if self.plan.postgres { pg_param(&c.gen, v) } else { v });
        }
    }

    /// Inserts the next batch (up to [`STEP_ROWS`] rows, in one transaction).
    pub fn step(&mut self, exec: &mut dyn Executor) -> Result<Progress, GenError> {
        let left = self.opts.rows.saturating_sub(self.attempted);
        let n = left.min(STEP_ROWS);
        if n == 0 {
            return Ok(self.progress());
        }
        let cols = self.plan.columns.len().max(1);
        let per_stmt = (MAX_PARAMS / cols).clamp(1, 1_000);
        exec.execute("BEGIN", &[])?;
        let result = self.insert_rows(exec, n, per_stmt);
        let changed = match result {
            Ok(changed) => {
                exec.execute("COMMIT", &[])?;
                changed
            }
            Err(e) => {
                let _ = exec.execute("ROLLBACK", &[]);
                return Err(e);
            }
        };
        self.attempted += n;
        self.inserted += changed;
        if self.plan.postgres && self.attempted >= self.opts.rows {
            // PGlite runs no autovacuum: the planner learns of the rows now.
            exec.execute(&format!("ANALYZE {}", quote_ident(&self.plan.table)), &[])?;
        }
        Ok(self.progress())
    }

    /// Inserts `n` rows; how many went in.
    fn insert_rows(&mut self, exec: &mut dyn Executor, n: usize, per_stmt: usize) -> Result<usize, GenError> {
        let mut done = 0;
        let mut changed = 0;
        let mut params = Vec::with_capacity(per_stmt * self.plan.columns.len());
        while done < n {
            let m = (n - done).min(per_stmt);
            params.clear();
            for r in 0..m {
                self.row(self.attempted + done + r, &mut params);
            }
            let sql = self.sql(m);
            let r = exec.execute(&sql, &params)?;
            // without a unique combination to skip, every row goes in
            changed += if self.plan.unique_together.is_empty() { m } else { (r.changes as usize).min(m) };
            done += m;
        }
        Ok(changed)
    }

    /// `insert_all`'s statement for `rows` rows.
    fn sql(&mut self, rows: usize) -> String {
        if let Some((n, s)) = &self.sql_cache {
            if *n == rows {
                return s.clone();
            }
        }
        let header: Vec<String> = self.plan.columns.iter().map(|c| c.name.clone()).collect();
        let cells = vec![vec![crate::repo::sql::Cell::Param; header.len()]; rows];
        let on_conflict = if self.plan.unique_together.is_empty() {
            crate::repo::sql::OnConflict::Raise
        } else {
            crate::repo::sql::OnConflict::Nothing(crate::repo::sql::ConflictTarget::none())
        };
        let pg = self.plan.postgres;
        let sql = crate::repo::sql::insert(&crate::value::Value::Nil, &self.plan.table, &header, &cells, &on_conflict, &[], 0, pg)
            .unwrap_or_else(|_| format!("INSERT INTO {} DEFAULT VALUES", quote_ident(&self.plan.table)));
        if self.sql_cache.as_ref().is_none_or(|(n, _)| *n < rows) {
            self.sql_cache = Some((rows, sql.clone()));
        }
        sql
    }

    /// Steps until done.
    pub fn run(&mut self, exec: &mut dyn Executor) -> Result<Progress, GenError> {
        loop {
            let p = self.step(exec)?;
            if p.done {
                return Ok(p);
            }
        }
    }
}

/// A value as a text-format PostgreSQL parameter: the server reads it with
/// the input function of the column's type (booleans as `t`/`f`).
fn pg_param(gen: &ColumnGen, v: DbValue) -> DbValue {
    let text = match (gen, v) {
        (_, DbValue::Null) => return DbValue::Null,
        (ColumnGen::Boolean, DbValue::Integer(i)) => if i != 0 { "t" } else { "f" }.to_string(),
        (_, DbValue::Integer(i)) => i.to_string(),
        (_, DbValue::Real(f)) => f.to_string(),
        (_, DbValue::Text(s)) => s,
        (_, other) => return other,
    };
    DbValue::Pg { oid: 0, format: 0, bytes: text.into_bytes() }
}

/// A small JSON object.
fn json_value(rng: &mut Rng) -> String {
    let word = rng.pick(WORDS).unwrap_or(&"x");
    format!("{{\"word\": \"{word}\", \"n\": {}, \"ok\": {}}}", rng.range(0, 1000), rng.range(0, 1) == 1)
}

/// One element of an array literal (`{...}`), quoted where it is text.
fn array_item(rng: &mut Rng, of: &ColumnGen) -> String {
    let quoted = |s: String| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    match of {
        ColumnGen::Integer { min, max } => rng.range(*min, *max).to_string(),
        ColumnGen::Float { min, max } => format!("{:.2}", min + rng.unit() * (max - min)),
        ColumnGen::Boolean => if rng.range(0, 1) == 1 { "t" } else { "f" }.to_string(),
        ColumnGen::Decimal => format!("{}.{:02}", rng.range(0, 9_999), rng.range(0, 99)),
        ColumnGen::Uuid => uuid(rng),
        ColumnGen::Date => date(rng.range(0, 3 * 365)),
        ColumnGen::Json => quoted(json_value(rng)),
        ColumnGen::OneOf { values } => match rng.pick(values) {
            Some(DbValue::Integer(i)) => i.to_string(),
            Some(DbValue::Text(s)) => quoted(s.clone()),
            _ => "NULL".to_string(),
        },
        _ => quoted(text_value(rng, 3, 12, None)),
    }
}

fn count(exec: &mut dyn Executor, table: &str) -> Result<u64, DbError> {
    let r = exec.execute(&format!("SELECT count(*) FROM {}", quote_ident(table)), &[])?;
    Ok(int(r.rows.first().and_then(|r| r.first())).max(0) as u64)
}

fn text_value(rng: &mut Rng, min_len: usize, max_len: usize, unique: Option<i64>) -> String {
    let target = rng.range(min_len as i64, max_len.max(min_len) as i64) as usize;
    let mut s = String::new();
    let suffix = unique.map(|k| format!("{k}")).unwrap_or_default();
    while s.len() + suffix.len() < target {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(rng.pick(WORDS).unwrap_or(&"x"));
    }
    let keep = target.saturating_sub(suffix.len());
    let mut s: String = s.chars().take(keep).collect();
    s = s.trim_end().to_string();
    if unique.is_some() {
        if !s.is_empty() {
            s.push('-');
        }
        s.push_str(&suffix);
    }
    while s.chars().count() < min_len {
        s.push('x');
    }
    s
}

/// `days` after 2023-01-01 as `YYYY-MM-DD`.
fn date(days: i64) -> String {
    let base = crate::value::Date { year: 2023, month: 1, day: 1 }.to_days();
    crate::value::Date::from_days(base + days).iso()
}

fn time(secs: i64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    let a = (a & !0xF000) | 0x4000; // version 4
    let b = (b & !(0xC000_0000_0000_0000)) | 0x8000_0000_0000_0000; // variant
    format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFFF, b >> 48, b & 0xFFFF_FFFF_FFFF)
}

/// The validations changeset functions declare, by table, read from the
/// source text of the schema modules (`validate_length(:title, min: 3,
/// max: 80)`, `validate_inclusion(:status, ["a", "b"])`,
/// `validate_number(:views, greater_than_or_equal_to: 0)`).
pub fn validations(interp: &mut crate::eval::Interp, source: &str) -> Vec<(String, Validation)> {
    use crate::syntax::Kind;
    let parsed = crate::syntax::parse(source);
    let mut out = vec![];
    for (module, body) in super::modules(&parsed.root) {
        let Some(schema) = crate::schema::lookup(interp, &module) else { continue };
        let Some(table) = schema.source.clone() else { continue };
        super::walk(body, 0, &mut |n| {
            let (name, args) = match &n.kind {
                Kind::Call { name, args, .. } | Kind::Dot { name, args, .. } => (name.as_str(), args),
                _ => return,
            };
            let field = args.iter().find_map(|a| a.as_atom().map(str::to_string));
            let Some(field) = field else { return };
            let opts = args.iter().rev().find_map(|a| a.as_keyword());
            let num = |k: &str| -> Option<f64> {
                opts.as_ref()?.iter().find(|(key, _)| *key == k).and_then(|(_, v)| match &v.kind {
                    Kind::Int(i) => Some(*i as f64),
                    Kind::Float(f) => Some(*f),
                    _ => None,
                })
            };
            let v = match name {
                "validate_length" => {
                    let is = num("is");
                    Validation::Length { field, min: num("min").or(is).map(|x| x as i64), max: num("max").or(is).map(|x| x as i64) }
                }
                "validate_number" => Validation::Number {
                    field,
                    min: num("greater_than_or_equal_to").or(num("greater_than").map(|x| x + 1.0)).or(num("equal_to")),
                    max: num("less_than_or_equal_to").or(num("less_than").map(|x| x - 1.0)).or(num("equal_to")),
                },
                "validate_inclusion" => {
                    let values = args.iter().find_map(|a| match &a.kind {
                        Kind::List(items) if a.as_keyword().is_none() => items.iter().map(|i| i.as_plain_str()).collect::<Option<Vec<_>>>(),
                        _ => None,
                    });
                    match values {
                        Some(values) => Validation::Inclusion { field, values },
                        None => return,
                    }
                }
                _ => return,
            };
            out.push((table.clone(), v));
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::erd::catalog::{CatalogColumn, CatalogFk};

    fn col(name: &str, ty: &str, pk: i64, default: Option<&str>) -> CatalogColumn {
        CatalogColumn { name: name.into(), ty: ty.into(), not_null: pk > 0, default: default.map(str::to_string), pk }
    }

    #[test]
    fn postgres_columns_are_planned_from_their_types_and_bound_as_text() {
        let t = CatalogTable {
            name: "posts".into(),
            columns: vec![
                col("id", "bigint", 1, Some("nextval('posts_id_seq'::regclass)")),
                col("tags", "character varying(255)[]", 0, None),
                col("meta", "jsonb", 0, None),
                col("token", "uuid", 0, None),
                col("at", "timestamp(0) without time zone", 0, None),
                col("on", "time(0) without time zone", 0, None),
                col("ok", "boolean", 0, None),
                col("author_id", "bigint", 0, None),
            ],
            foreign_keys: vec![CatalogFk {
                id: 0,
                from: "author_id".into(),
                table: "authors".into(),
                to: Some("id".into()),
                on_delete: "NO ACTION".into(),
            }],
            indexes: vec![],
        };
        let plan = plan_columns(&t, true, None, &[]);
        assert!(plan.postgres);
        let gens: Vec<(&str, &ColumnGen)> = plan.columns.iter().map(|c| (c.name.as_str(), &c.gen)).collect();
        assert_eq!(gens[0], ("tags", &ColumnGen::Array { of: Box::new(ColumnGen::Text { min_len: 4, max_len: 24 }) }));
        assert_eq!(gens[1], ("meta", &ColumnGen::Json));
        assert_eq!(gens[2], ("token", &ColumnGen::Uuid));
        assert_eq!(gens[3], ("at", &ColumnGen::DateTime { usec: false }));
        assert_eq!(gens[4], ("on", &ColumnGen::Time));
        assert_eq!(gens[5], ("ok", &ColumnGen::Boolean));
        assert!(matches!(gens[6].1, ColumnGen::Foreign { .. }));
        // A key without a default is filled on PostgreSQL (no rowid).
        let mut keyed = t.clone();
        keyed.columns[0].default = None;
        assert_eq!(plan_columns(&keyed, true, None, &[]).columns[0].name, "id");

        let text = |v: DbValue| match v {
            DbValue::Pg { oid: 0, format: 0, bytes } => String::from_utf8(bytes).unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(text(pg_param(&ColumnGen::Boolean, DbValue::Integer(1))), "t");
        assert_eq!(text(pg_param(&ColumnGen::Integer { min: 0, max: 9 }, DbValue::Integer(7))), "7");
        assert_eq!(pg_param(&ColumnGen::Json, DbValue::Null), DbValue::Null);
        let mut rng = Rng::new(1);
        let json: serde_json::Value = serde_json::from_str(&json_value(&mut rng)).unwrap();
        assert!(json.get("word").is_some());
        let item = array_item(&mut rng, &ColumnGen::Text { min_len: 4, max_len: 24 });
        assert!(item.starts_with('"') && item.ends_with('"'), "{item}");
        assert_eq!(array_item(&mut rng, &ColumnGen::Boolean).len(), 1);
    }
}
