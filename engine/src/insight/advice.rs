//! Index advice: from the planned query (its filters, join keys and
//! ordering, binding by binding), the database's indexes and its row
//! counts, the indexes worth creating, as Ecto migration code with the DDL
//! each adapter would run.
//!
//! The rules, for each table a query reads (top level and subqueries):
//!
//! * A table of fewer than [`MIN_ROWS`] rows gets nothing: SQLite reads
//!   such a table in a page or two, so an index only costs writes.
//! * **Filters.** Conditions `and`-ed together on one binding, on a column
//!   itself (never through a function, `fragment`, `type/2` or `like`,
//!   which no plain index serves): equality and `in` columns first, in the
//!   order written, then one range column (`<`, `>=`, ...) or, failing
//!   that, the `order_by` columns of the same binding, so the rows come out
//!   sorted. `is_nil(x.c)` (or `not is_nil`) next to other columns becomes
//!   a partial index (`where: "c IS NULL"`); alone, its column is the
//!   index. `order_by` alone counts only with a `limit` (the first rows
//!   read in index order). A filter `or`-ed together gets one index per
//!   branch, and none when a branch cannot use any.
//! * **Join keys.** Each column compared with `==` to a column of another
//!   binding (`on:` or `where:`) needs an index so SQLite can look rows up
//!   by it from either side.
//! * **Nothing** when the primary key or an existing index already starts
//!   with one of the equality columns (or with the range or ordering
//!   column, when there are none): SQLite already searches by it.
//! * **Unique:** a suggestion whose columns are exactly a schema's
//!   `unique_constraint` is `unique_index`, the index that constraint needs.

use serde::{Deserialize, Serialize};

use crate::erd::catalog::Catalog;
use crate::query::expr::{Bind, Dir, Expr};
use crate::query::plan::{PSource, Planned};

use super::plan::ClauseRef;

/// Tables with fewer rows get no advice.
pub const MIN_ROWS: u64 = 100;

/// One index worth creating.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexAdvice {
    pub table: String,
    pub columns: Vec<String>,
    pub unique: bool,
    /// The partial index's condition (`deleted_at IS NULL`).
    #[serde(rename = "where")]
    pub where_: Option<String>,
    /// `create index(:posts, [:author_id])`
    pub migration: String,
    /// Why, in one line.
    pub reason: String,
    /// The DDL ecto_sqlite3 runs for it.
    pub sqlite: Vec<String>,
    /// The DDL ecto_sql's Postgres adapter runs for it.
    pub postgres: Vec<String>,
    /// The binding of the top-level query it serves, when it is one.
    pub binding: Option<usize>,
    /// The clauses that call for it.
    pub clauses: Vec<ClauseRef>,
}

/// A condition no index is suggested for, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub table: Option<String>,
    pub column: Option<String>,
    pub reason: String,
}

/// What the database says about one table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableFacts {
    pub name: String,
    pub rows: u64,
    /// Existing indexes' columns (the primary key first when there is one).
    pub indexes: Vec<Vec<String>>,
    /// Column sets of the schema's `unique_constraint`s on this table.
    #[serde(default)]
    pub unique_constraints: Vec<Vec<String>>,
}

impl TableFacts {
    /// Whether the primary key or an index starts with `column`.
    pub fn leads(&self, column: &str) -> bool {
        self.indexes.iter().any(|i| i.first().is_some_and(|c| c == column))
    }

    /// Whether an index starts with exactly these columns (in any order).
    pub fn covers(&self, columns: &[String]) -> bool {
        self.indexes.iter().any(|i| i.len() >= columns.len() && columns.iter().all(|c| i[..columns.len()].contains(c)))
    }

    /// From SQLite's catalog: primary key and indexes of `name`.
    pub fn from_catalog(catalog: &Catalog, name: &str, rows: u64) -> TableFacts {
        let mut indexes = vec![];
        if let Some(t) = catalog.table(name) {
            let mut pk: Vec<_> = t.columns.iter().filter(|c| c.pk > 0).collect();
            crate::sort::sort_by_key(&mut pk, |c| c.pk);
            if !pk.is_empty() {
                indexes.push(pk.iter().map(|c| c.name.clone()).collect());
            } else if !catalog.postgres {
                // rowid tables without a declared key still search by rowid
                indexes.push(vec!["rowid".to_string()]);
            }
            indexes.extend(t.indexes.iter().map(|i| i.columns.clone()));
        }
        TableFacts { name: name.to_string(), rows, indexes, unique_constraints: vec![] }
    }
}

/// The database as advice sees it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    pub tables: Vec<TableFacts>,
}

impl Facts {
    pub fn table(&self, name: &str) -> Option<&TableFacts> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// The advice and the notes for one query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Advice {
    pub advice: Vec<IndexAdvice>,
    pub notes: Vec<Note>,
}

/// How one binding is read.
#[derive(Clone, Debug, Default)]
struct Access {
    eq: Vec<String>,
    range: Vec<String>,
    nulls: Vec<(String, bool)>,
    join_keys: Vec<String>,
    order: Vec<String>,
    limited: bool,
}

impl Access {
    fn is_empty(&self) -> bool {
        self.eq.is_empty() && self.range.is_empty() && self.nulls.is_empty() && self.join_keys.is_empty() && self.order.is_empty()
    }
}

fn push_unique(v: &mut Vec<String>, c: &str) {
    if !v.iter().any(|x| x == c) {
        v.push(c.to_string());
    }
}

/// One binding of one query scope.
#[derive(Clone, Debug)]
struct Group {
    scope: usize,
    ix: usize,
    table: String,
    /// The binding of the top-level query.
    top: Option<usize>,
    access: Access,
    /// An `or` branch: stands alone.
    branch: bool,
}

struct Collector {
    groups: Vec<Group>,
    notes: Vec<Note>,
    scopes: usize,
}

impl Collector {
    fn group(&mut self, scope: usize, ix: usize, p: &Planned, top: bool) -> Option<&mut Access> {
        let table = match p.sources.get(ix)? {
            PSource::Table { table, .. } => table.to_string(),
            _ => return None,
        };
        let pos = match self.groups.iter().position(|g| g.scope == scope && g.ix == ix && !g.branch) {
            Some(pos) => pos,
            None => {
                self.groups.push(Group { scope, ix, table, top: top.then_some(ix), access: Access::default(), branch: false });
                self.groups.len() - 1
            }
        };
        Some(&mut self.groups[pos].access)
    }

    fn table_of(p: &Planned, ix: usize) -> Option<String> {
        match p.sources.get(ix)? {
            PSource::Table { table, .. } => Some(table.to_string()),
            _ => None,
        }
    }

    fn note(&mut self, p: &Planned, field: Option<(usize, &str)>, reason: &str) {
        let table = field.and_then(|(ix, _)| Collector::table_of(p, ix));
        let note = Note { table, column: field.map(|(_, c)| c.to_string()), reason: reason.to_string() };
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }
}

/// A field of a binding of this scope.
fn field(e: &Expr) -> Option<(usize, &str)> {
    match e {
        Expr::Field(Bind::Ix(ix), name) => Some((*ix, name.as_str())),
        _ => None,
    }
}

/// A value known when the statement runs: a parameter, a literal, a list
/// of them, or a subquery.
/// Anything that reads no column of the query (`ago(1, "day")`,
/// `type(^x, :integer)`) is one value for the whole statement.
fn is_value(e: &Expr) -> bool {
    let mut reads_column = false;
    e.walk(&mut |x| {
        reads_column |= matches!(x, Expr::Field(..) | Expr::FieldStr(..) | Expr::Var(_) | Expr::SelectedAsRef(_) | Expr::Over(..));
    });
    !reads_column
}

/// The first field anywhere in `e` (for notes).
fn any_field(e: &Expr) -> Option<(usize, String)> {
    let mut found = None;
    e.walk(&mut |x| {
        if found.is_none() {
            if let Some((ix, c)) = field(x) {
                found = Some((ix, c.to_string()));
            }
        }
    });
    found
}

const RANGE_OPS: [&str; 4] = ["<", "<=", ">", ">="];

/// Reads one condition into per-binding accesses; `false` when it holds
/// nothing an index can serve.
fn term(c: &mut Collector, p: &Planned, scope: usize, top: bool, e: &Expr) -> bool {
    match e {
        Expr::Call(op, args) if op == "and" && args.len() == 2 => {
            let a = term(c, p, scope, top, &args[0]);
            let b = term(c, p, scope, top, &args[1]);
            a || b
        }
        Expr::Call(op, args) if op == "or" && args.len() == 2 => {
            let mut branches = vec![];
            flatten_or(e, &mut branches);
            let mut all = vec![];
            let mut usable = true;
            for b in branches {
                let mut sub = Collector { groups: vec![], notes: vec![], scopes: c.scopes };
                let ok = term(&mut sub, p, scope, top, b);
                for n in sub.notes {
                    if !c.notes.contains(&n) {
                        c.notes.push(n);
                    }
                }
                c.scopes = c.scopes.max(sub.scopes);
                usable &=
                    ok && sub.groups.iter().any(|g| !g.access.eq.is_empty() || !g.access.range.is_empty() || !g.access.nulls.is_empty());
                all.extend(sub.groups);
            }
            if usable {
                c.groups.extend(all.into_iter().map(|mut g| {
                    g.branch = true;
                    g
                }));
                true
            } else {
                if let Some((ix, col)) = any_field(e) {
                    c.note(p, Some((ix, &col)), "an `or` with a branch no index can serve: SQLite scans anyway");
                }
                false
            }
        }
        Expr::Call(op, args) if args.len() == 2 && (op == "==" || op == "in" || RANGE_OPS.contains(&op.as_str())) => {
            let (l, r) = (&args[0], &args[1]);
            match (field(l), field(r)) {
                (Some((i, a)), Some((j, b))) if i != j && op == "==" => {
                    if let Some(acc) = c.group(scope, i, p, top) {
                        push_unique(&mut acc.join_keys, a);
                    }
                    if let Some(acc) = c.group(scope, j, p, top) {
                        push_unique(&mut acc.join_keys, b);
                    }
                    true
                }
                (Some((i, a)), None) if is_value(r) => add_cmp(c, p, scope, top, op, i, a),
                (None, Some((j, b))) if is_value(l) && op != "in" => {
                    let flipped = match op.as_str() {
                        "<" => ">",
                        "<=" => ">=",
                        ">" => "<",
                        ">=" => "<=",
                        o => o,
                    };
                    add_cmp(c, p, scope, top, flipped, j, b)
                }
                _ => {
                    if let Some((ix, col)) = any_field(e) {
                        c.note(p, Some((ix, &col)), "the column is inside a function or expression: no plain index serves it");
                    }
                    false
                }
            }
        }
        Expr::Call(op, args) if op == "is_nil" && args.len() == 1 => match field(&args[0]) {
            Some((i, col)) => {
                if let Some(acc) = c.group(scope, i, p, top) {
                    if !acc.nulls.iter().any(|(n, _)| n == col) {
                        acc.nulls.push((col.to_string(), true));
                    }
                }
                true
            }
            None => false,
        },
        Expr::Call(op, args) if op == "not" && args.len() == 1 => match &args[0] {
            Expr::Call(n, inner) if n == "is_nil" && inner.len() == 1 => match field(&inner[0]) {
                Some((i, col)) => {
                    if let Some(acc) = c.group(scope, i, p, top) {
                        if !acc.nulls.iter().any(|(n, _)| n == col) {
                            acc.nulls.push((col.to_string(), false));
                        }
                    }
                    true
                }
                None => false,
            },
            other => {
                if let Some((ix, col)) = any_field(other) {
                    c.note(p, Some((ix, &col)), "a negated condition: an index cannot find what is not there");
                }
                false
            }
        },
        Expr::Call(op, args) if (op == "like" || op == "ilike") && !args.is_empty() => {
            if let Some((ix, col)) = any_field(&args[0]) {
                let reason = match args.get(1) {
                    Some(Expr::Lit(v)) if v.as_str().is_some_and(|s| s.starts_with('%') || s.starts_with('_')) => {
                        "`like` with a leading wildcard: no index can serve it"
                    }
                    _ => "`like` in SQLite is case-insensitive: a plain index cannot serve it",
                };
                c.note(p, Some((ix, &col)), reason);
            }
            false
        }
        Expr::Call(op, args) if op == "!=" && args.len() == 2 => {
            if let Some((ix, col)) = any_field(e) {
                c.note(p, Some((ix, &col)), "`!=` matches most rows: an index does not help");
            }
            false
        }
        Expr::Call(op, args) if op == "exists" && args.len() == 1 => true,
        Expr::Lit(_) => false,
        other => {
            if let Some((ix, col)) = any_field(other) {
                c.note(p, Some((ix, &col)), "the column is inside a function or expression: no plain index serves it");
            }
            false
        }
    }
}

fn flatten_or<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e {
        Expr::Call(op, args) if op == "or" && args.len() == 2 => {
            flatten_or(&args[0], out);
            flatten_or(&args[1], out);
        }
        other => out.push(other),
    }
}

fn add_cmp(c: &mut Collector, p: &Planned, scope: usize, top: bool, op: &str, ix: usize, col: &str) -> bool {
    let Some(acc) = c.group(scope, ix, p, top) else { return false };
    if op == "==" || op == "in" {
        push_unique(&mut acc.eq, col);
    } else {
        push_unique(&mut acc.range, col);
    }
    true
}

/// Walks a planned query and its subqueries.
fn collect(c: &mut Collector, p: &Planned, top: bool, depth: usize) {
    if depth > 16 {
        return;
    }
    let scope = c.scopes;
    c.scopes += 1;
    // where: one conjunction unless an `or_where` joins it
    let any_or = p.wheres.iter().skip(1).any(|(op, _)| *op == crate::query::expr::BoolOp::Or);
    if any_or {
        let mut acc: Option<Expr> = None;
        for (op, e) in &p.wheres {
            acc = Some(match acc {
                None => e.clone(),
                Some(a) => Expr::call(if *op == crate::query::expr::BoolOp::Or { "or" } else { "and" }, vec![a, e.clone()]),
            });
        }
        if let Some(e) = acc {
            term(c, p, scope, top, &e);
        }
    } else {
        for (_, e) in &p.wheres {
            term(c, p, scope, top, e);
        }
    }
    for j in &p.joins {
        term(c, p, scope, top, &j.on);
        // a joined table is known to the query even when only its key is used
        let _ = c.group(scope, j.ix, p, top);
    }
    // order_by: the columns of one binding, all in one direction
    let order: Vec<&(Dir, Expr)> = p.order_bys.iter().flatten().collect();
    if let Some(first) = order.first() {
        let asc = |d: Dir| matches!(d, Dir::Asc | Dir::AscNullsFirst);
        let desc = |d: Dir| matches!(d, Dir::Desc | Dir::DescNullsLast);
        let same_dir = order.iter().all(|(d, _)| asc(*d)) || order.iter().all(|(d, _)| desc(*d));
        let fields: Option<Vec<(usize, &str)>> = order.iter().map(|(_, e)| field(e)).collect();
        if let (true, Some(fields)) = (same_dir, fields) {
            let ix = fields.first().map(|f| f.0);
            if let Some(ix) = ix.filter(|ix| fields.iter().all(|f| f.0 == *ix)) {
                let limited = p.limit.is_some();
                if let Some(acc) = c.group(scope, ix, p, top) {
                    for (_, col) in &fields {
                        push_unique(&mut acc.order, col);
                    }
                    acc.limited = limited;
                }
            }
        } else if let Some((ix, col)) = any_field(&first.1) {
            c.note(p, Some((ix, &col)), "an `order_by` over several bindings, directions or expressions: no one index gives that order");
        }
    }
    // subqueries: in sources, in conditions, in combinations
    for s in &p.sources {
        if let PSource::Subquery { planned, .. } = s {
            collect(c, planned, false, depth + 1);
        }
    }
    let mut subs = vec![];
    for e in p.wheres.iter().chain(p.havings.iter()).map(|(_, e)| e).chain(p.joins.iter().map(|j| &j.on)) {
        e.walk(&mut |x| {
            if let Expr::PlannedSubquery(s) = x {
                subs.push(s.clone());
            }
        });
    }
    for s in subs {
        collect(c, &s, false, depth + 1);
    }
    for (_, q) in &p.combinations {
        collect(c, q, false, depth + 1);
    }
}

/// A suggestion before it is printed.
#[derive(Clone, Debug, PartialEq)]
struct Want {
    table: String,
    columns: Vec<String>,
    where_: Option<String>,
    reason: String,
    top: Option<usize>,
    kind: WantKind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum WantKind {
    Filter,
    Join,
    Order,
}

fn list(cols: &[String]) -> String {
    cols.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
}

fn wants_for(g: &Group, t: &TableFacts, notes: &mut Vec<Note>) -> Vec<Want> {
    let a = &g.access;
    let mut out = vec![];
    let rows = t.rows;
    let want = |columns: Vec<String>, where_: Option<String>, reason: String, kind: WantKind| Want {
        table: g.table.clone(),
        columns,
        where_,
        reason,
        top: g.top,
        kind,
    };
    // join keys
    for k in &a.join_keys {
        if t.leads(k) {
            continue;
        }
        out.push(want(
            vec![k.clone()],
            None,
            format!("`{}` ({rows} rows) is joined on `{k}`, which no index starts with: each lookup by it scans the table", g.table),
            WantKind::Join,
        ));
    }
    // filters
    let served = a.eq.iter().find(|c| t.leads(c));
    if let Some(col) = served {
        let _ = col;
        return out;
    }
    let mut cols = a.eq.clone();
    let mut where_ = None;
    let mut kind = WantKind::Filter;
    let reason;
    if !cols.is_empty() {
        let mut tail = String::new();
        if let Some(r) = a.range.first() {
            push_unique(&mut cols, r);
            tail = format!(", then by a range on `{r}`");
        } else if !a.order.is_empty() {
            for o in &a.order {
                push_unique(&mut cols, o);
            }
            tail = format!(", then ordered by {}", list(&a.order));
        }
        if !a.nulls.is_empty() {
            where_ = Some(null_condition(&a.nulls));
        }
        reason = format!("`{}` ({rows} rows) is filtered by {} with no index to search by{tail}", g.table, list(&a.eq));
    } else if let Some(r) = a.range.first() {
        if t.leads(r) {
            return out;
        }
        cols.push(r.clone());
        if !a.nulls.is_empty() {
            where_ = Some(null_condition(&a.nulls));
        }
        reason = format!("`{}` ({rows} rows) is filtered by a range on `{r}` with no index to search by", g.table);
    } else if let Some((n, is_null)) = a.nulls.first() {
        if t.leads(n) {
            return out;
        }
        cols.push(n.clone());
        reason = format!(
            "`{}` ({rows} rows) is filtered by `{n}` being {}null with no index to search by",
            g.table,
            if *is_null { "" } else { "not " }
        );
    } else if !a.order.is_empty() && a.limited {
        if t.leads(&a.order[0]) {
            return out;
        }
        cols = a.order.clone();
        kind = WantKind::Order;
        reason =
            format!("`{}` ({rows} rows) is sorted by {} to keep the first rows: an index gives them in order", g.table, list(&a.order));
    } else {
        if !a.order.is_empty() && a.join_keys.is_empty() {
            notes.push(Note {
                table: Some(g.table.clone()),
                column: a.order.first().cloned(),
                reason: "an `order_by` of every row: sorting is cheaper than reading the table in index order".into(),
            });
        }
        return out;
    }
    if t.covers(&cols) {
        return out;
    }
    // a join key the filter index starts with is served by it
    out.retain(|w| !(w.kind == WantKind::Join && cols.first() == w.columns.first()));
    out.push(want(cols, where_, reason, kind));
    out
}

fn null_condition(nulls: &[(String, bool)]) -> String {
    nulls.iter().map(|(c, is_null)| format!("{c} IS {}NULL", if *is_null { "" } else { "NOT " })).collect::<Vec<_>>().join(" AND ")
}

/// The advice for a planned query on a database described by `facts`.
pub fn advise(planned: &Planned, facts: &Facts) -> Advice {
    let mut c = Collector { groups: vec![], notes: vec![], scopes: 0 };
    collect(&mut c, planned, true, 0);
    let mut notes = c.notes;
    let mut wants: Vec<Want> = vec![];
    for g in &c.groups {
        if g.access.is_empty() {
            continue;
        }
        let Some(t) = facts.table(&g.table) else { continue };
        if t.rows < MIN_ROWS {
            let note = Note {
                table: Some(g.table.clone()),
                column: None,
                reason: format!("`{}` has {} rows (fewer than {MIN_ROWS}): a scan is as fast as an index", g.table, t.rows),
            };
            if !notes.contains(&note) {
                notes.push(note);
            }
            continue;
        }
        for w in wants_for(g, t, &mut notes) {
            // one index per table and column list; a longer one with the same start serves both
            if wants.iter().any(|x| x.table == w.table && x.columns.starts_with(&w.columns) && x.where_ == w.where_) {
                continue;
            }
            wants.retain(|x| !(x.table == w.table && w.columns.starts_with(&x.columns) && x.where_ == w.where_));
            wants.push(w);
        }
    }
    // in the order of the query's bindings (`from` first), subqueries last
    crate::sort::sort_by_key(&mut wants, |w| w.top.unwrap_or(usize::MAX));
    let map = planned_clauses(planned);
    let advice = wants
        .into_iter()
        .map(|w| {
            let unique = facts.table(&w.table).is_some_and(|t| {
                w.where_.is_none()
                    && t.unique_constraints.iter().any(|u| u.len() == w.columns.len() && u.iter().all(|c| w.columns.contains(c)))
            });
            let clauses = clauses_for(&map, &w);
            render(w, unique, clauses)
        })
        .collect();
    Advice { advice, notes }
}

fn planned_clauses(p: &Planned) -> super::plan::QueryMap {
    super::plan::QueryMap::of(p)
}

fn clauses_for(map: &super::plan::QueryMap, w: &Want) -> Vec<ClauseRef> {
    let mut out = vec![];
    if let Some(b) = w.top {
        match w.kind {
            WantKind::Join => out.extend(map.sources.get(b).cloned().flatten()),
            WantKind::Filter => {
                out.extend(map.sources.get(b).cloned().flatten());
                out.extend(map.wheres.iter().cloned());
            }
            WantKind::Order => out.extend(map.order_bys.iter().cloned()),
        }
    }
    out
}

/// An atom as Elixir writes it: `:posts`, `:"my-table"`.
fn atom(name: &str) -> String {
    crate::value::inspect::inspect(&crate::value::Value::atom(name))
}

fn render(w: Want, unique: bool, clauses: Vec<ClauseRef>) -> IndexAdvice {
    let cols: Vec<&str> = w.columns.iter().map(String::as_str).collect();
    let fun = if unique { "unique_index" } else { "index" };
    let mut migration = format!("create {fun}({}, [{}]", atom(&w.table), cols.iter().map(|c| atom(c)).collect::<Vec<_>>().join(", "));
    if let Some(cond) = &w.where_ {
        migration.push_str(&format!(", where: {}", crate::value::inspect::inspect(&crate::value::Value::string(cond.clone()))));
    }
    migration.push(')');
    let ddl = |adapter: crate::migration::Adapter| -> Vec<String> {
        let Ok(index) = crate::migration::dsl::index_struct(&w.table, &cols, unique, w.where_.as_deref()) else { return vec![] };
        let cmd = crate::value::Value::tuple(vec![crate::value::Value::atom("create"), index]);
        let r = match adapter {
            crate::migration::Adapter::Sqlite => crate::migration::sqlite::execute_ddl(&cmd),
            crate::migration::Adapter::Postgres => crate::migration::postgres::execute_ddl(&cmd),
        };
        r.unwrap_or_default()
    };
    let sqlite = ddl(crate::migration::Adapter::Sqlite);
    let postgres = ddl(crate::migration::Adapter::Postgres);
    let reason = if unique { format!("{}; the schema's `unique_constraint` needs it unique", w.reason) } else { w.reason };
    IndexAdvice {
        table: w.table,
        columns: w.columns,
        unique,
        where_: w.where_,
        migration,
        reason,
        sqlite,
        postgres,
        binding: w.top,
        clauses,
    }
}
