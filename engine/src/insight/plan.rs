//! `EXPLAIN QUERY PLAN` read through the `Executor`, as a tree whose nodes
//! are named in words and tied to the table, binding and Ecto clause they
//! concern.

use serde::{Deserialize, Serialize};

use crate::diag::Span;
use crate::executor::{DbError, DbValue, Executor};
use crate::playground::tables::{int, text};
use crate::query::plan::{PSource, Planned};

/// One row of `EXPLAIN QUERY PLAN`, as SQLite reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    pub id: i64,
    pub parent: i64,
    pub detail: String,
}

/// What a plan node does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// Every row of a table (`SCAN t`), possibly in an index's order.
    Scan,
    /// Rows found through an index or the primary key (`SEARCH t USING ...`).
    Search,
    /// A temporary B-tree that sorts or deduplicates (`USE TEMP B-TREE FOR ...`).
    TempBtree,
    /// A subquery run once, or once per outer row (`CORRELATED ...`).
    Subquery,
    /// A subquery or CTE run as a co-routine, row by row.
    CoRoutine,
    /// A subquery or CTE computed into a temporary table.
    Materialize,
    /// `UNION`, `INTERSECT`, `EXCEPT` and their parts.
    Compound,
    /// An `OR` answered by several indexes (`MULTI-INDEX OR`).
    MultiIndexOr,
    /// A Bloom filter in front of a join.
    BloomFilter,
    /// A row of constants (`SCAN CONSTANT ROW`).
    Constant,
    Other,
}

/// One clause of the Ecto query: what it is (`from`, `join`, `where`,
/// `order_by`, `group_by`, `distinct`) and where it is in the source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseRef {
    pub clause: String,
    pub start: u32,
    pub end: u32,
}

impl ClauseRef {
    fn new(clause: &str, span: Span) -> Option<ClauseRef> {
        (!span.is_none()).then(|| ClauseRef { clause: clause.into(), start: span.start, end: span.end })
    }
}

/// A plan row with its meaning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanNode {
    pub id: i64,
    pub parent: i64,
    /// SQLite's text, unchanged.
    pub detail: String,
    pub kind: NodeKind,
    /// The node in words: "full scan of `posts`".
    pub words: String,
    /// The table (its name, not the query's alias) the node reads, if any.
    pub table: Option<String>,
    /// The alias SQLite names (`p0`), as in the SQL.
    pub alias: Option<String>,
    /// The query binding (0 = `from`, 1.. = joins) of the top-level query.
    pub binding: Option<usize>,
    pub index: Option<String>,
    /// The index (or primary key) constraint: `post_id=?`.
    pub constraint: Option<String>,
    pub covering: bool,
    pub automatic: bool,
    /// Rows in `table` (counted), when known.
    pub table_rows: Option<u64>,
    /// A full scan of a large table, or a temporary sort: where time goes.
    pub flagged: bool,
    /// Why it is flagged, in words.
    pub flag: Option<String>,
    /// The Ecto clauses that produced the node (to highlight in the editor).
    pub clauses: Vec<ClauseRef>,
    /// Children's positions in [`Plan::nodes`].
    pub children: Vec<usize>,
    /// PostgreSQL only (`EXPLAIN (ANALYZE, FORMAT JSON)`): its node type
    /// (`Seq Scan`, `Index Scan`, `Hash Join`, ...).
    #[serde(default)]
    pub node_type: Option<String>,
    /// The node's `Filter`.
    #[serde(default)]
    pub filter: Option<String>,
    /// The planner's estimate of the rows (per loop).
    #[serde(default)]
    pub estimated_rows: Option<f64>,
    /// The rows it gave (per loop), when analyzed.
    #[serde(default)]
    pub actual_rows: Option<f64>,
    #[serde(default)]
    pub loops: Option<f64>,
    /// Milliseconds until its last row (per loop), when analyzed.
    #[serde(default)]
    pub actual_ms: Option<f64>,
    /// Rows its filter read and dropped.
    #[serde(default)]
    pub rows_removed: Option<f64>,
    /// The planner's total cost.
    #[serde(default)]
    pub cost: Option<f64>,
}

/// The plan: rows as reported and the tree built from them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub rows: Vec<PlanRow>,
    /// One node per row, in SQLite's order.
    pub nodes: Vec<PlanNode>,
    /// Positions of the nodes whose parent is 0.
    pub roots: Vec<usize>,
    /// PostgreSQL's own plan ([`super::pg_plan`]) rather than SQLite's.
    #[serde(default)]
    pub postgres: bool,
    /// The statement ran (`EXPLAIN ANALYZE`): actual rows and times are known.
    #[serde(default)]
    pub analyzed: bool,
    #[serde(default)]
    pub planning_ms: Option<f64>,
    #[serde(default)]
    pub execution_ms: Option<f64>,
}

/// Tables whose full scan is flagged have at least this many rows.
pub const LARGE_TABLE_ROWS: u64 = 1_000;

/// Runs `EXPLAIN QUERY PLAN sql` with the statement's own params.
pub fn explain(exec: &mut dyn Executor, sql: &str, params: &[DbValue]) -> Result<Vec<PlanRow>, DbError> {
    let r = exec.execute(&format!("EXPLAIN QUERY PLAN {sql}"), params)?;
    let col = |name: &str, fallback: usize| r.columns.iter().position(|c| c == name).unwrap_or(fallback);
    let (id, parent, detail) = (col("id", 0), col("parent", 1), col("detail", 3));
    Ok(r.rows.iter().map(|row| PlanRow { id: int(row.get(id)), parent: int(row.get(parent)), detail: text(row.get(detail)) }).collect())
}

/// What a detail says, before it is tied to the query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub kind: Option<NodeKind>,
    pub name: Option<String>,
    pub index: Option<String>,
    pub constraint: Option<String>,
    pub covering: bool,
    pub automatic: bool,
    pub primary_key: bool,
    /// For temporary B-trees: `ORDER BY`, `GROUP BY`, `DISTINCT`, ...
    pub purpose: Option<String>,
}

/// Reads one `detail` text (SQLite 3.36+ wording).
pub fn parse_detail(detail: &str) -> Parsed {
    let mut p = Parsed::default();
    let d = detail.trim();
    if let Some(rest) = d.strip_prefix("SCAN ").or_else(|| d.strip_prefix("SEARCH ")) {
        let search = d.starts_with("SEARCH");
        if rest.starts_with("CONSTANT ROW") || rest.ends_with("CONSTANT ROWS") {
            p.kind = Some(NodeKind::Constant);
            return p;
        }
        p.kind = Some(if search { NodeKind::Search } else { NodeKind::Scan });
        let (name, tail) = match rest.split_once(' ') {
            Some((n, t)) => (n, t),
            None => (rest, ""),
        };
        p.name = Some(name.to_string());
        if let Some(using) = tail.strip_prefix("USING ") {
            let mut u = using;
            if let Some(r) = u.strip_prefix("AUTOMATIC ") {
                p.automatic = true;
                u = r;
            }
            if let Some(r) = u.strip_prefix("PARTIAL ") {
                u = r;
            }
            if let Some(r) = u.strip_prefix("COVERING ") {
                p.covering = true;
                u = r;
            }
            if let Some(r) = u.strip_prefix("INTEGER PRIMARY KEY").or_else(|| u.strip_prefix("PRIMARY KEY")) {
                p.primary_key = true;
                u = r;
            } else if let Some(r) = u.strip_prefix("INDEX") {
                u = r.trim_start();
                if !u.starts_with('(') && !u.is_empty() {
                    let (ix, r2) = u.split_once(' ').unwrap_or((u, ""));
                    p.index = Some(ix.to_string());
                    u = r2;
                }
            }
            let u = u.trim();
            if let Some(c) = u.strip_prefix('(').and_then(|c| c.strip_suffix(')')) {
                p.constraint = Some(c.to_string());
            }
        }
        return p;
    }
    if let Some(rest) = d.strip_prefix("USE TEMP B-TREE FOR ") {
        p.kind = Some(NodeKind::TempBtree);
        p.purpose = Some(rest.to_string());
        return p;
    }
    if d.contains("SUBQUERY") && !d.starts_with("LEFT-MOST") {
        p.kind = Some(NodeKind::Subquery);
        return p;
    }
    if let Some(rest) = d.strip_prefix("CO-ROUTINE ") {
        p.kind = Some(NodeKind::CoRoutine);
        p.name = Some(rest.to_string());
        return p;
    }
    if let Some(rest) = d.strip_prefix("MATERIALIZE ") {
        p.kind = Some(NodeKind::Materialize);
        p.name = Some(rest.to_string());
        return p;
    }
    if d.starts_with("COMPOUND")
        || d.starts_with("LEFT-MOST")
        || d.starts_with("UNION")
        || d.starts_with("INTERSECT")
        || d.starts_with("EXCEPT")
    {
        p.kind = Some(NodeKind::Compound);
        return p;
    }
    if d.starts_with("MULTI-INDEX OR") || d.starts_with("INDEX ") {
        p.kind = Some(NodeKind::MultiIndexOr);
        return p;
    }
    if let Some(rest) = d.strip_prefix("BLOOM FILTER ON ") {
        p.kind = Some(NodeKind::BloomFilter);
        let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        p.name = Some(name.to_string());
        p.constraint = tail.trim().strip_prefix('(').and_then(|c| c.strip_suffix(')')).map(str::to_string);
        return p;
    }
    p
}

/// Where the query's sources and clauses are, to tie nodes to them.
#[derive(Clone, Debug, Default)]
pub struct QueryMap {
    /// Each alias SQLite may name: alias, table, binding of the top-level query.
    pub aliases: Vec<(String, String, Option<usize>)>,
    /// Per binding of the top-level query: its `from`/`join` clause.
    pub sources: Vec<Option<ClauseRef>>,
    pub wheres: Vec<ClauseRef>,
    pub order_bys: Vec<ClauseRef>,
    pub group_bys: Vec<ClauseRef>,
    pub distinct: Option<ClauseRef>,
}

impl QueryMap {
    /// Reads a planned query (and its subqueries, whose aliases SQLite names too).
    pub fn of(p: &Planned) -> QueryMap {
        let mut m = QueryMap::default();
        collect_aliases(p, "", true, &mut m.aliases, 0);
        let q = &p.query;
        m.sources.push(ClauseRef::new("from", q.from.written.0));
        for j in &q.joins {
            m.sources.push(ClauseRef::new("join", j.written.0));
        }
        m.wheres = q.wheres.iter().filter_map(|w| ClauseRef::new("where", w.clause.loc.span)).collect();
        m.order_bys = q.order_bys.iter().filter_map(|o| ClauseRef::new("order_by", o.loc.span)).collect();
        m.group_bys = q.group_bys.iter().filter_map(|o| ClauseRef::new("group_by", o.loc.span)).collect();
        m.distinct = q.distinct.as_ref().and_then(|d| ClauseRef::new("distinct", d.loc.span));
        m
    }

    fn lookup(&self, alias: &str) -> Option<&(String, String, Option<usize>)> {
        self.aliases.iter().find(|(a, _, _)| a == alias).or_else(|| self.aliases.iter().find(|(_, t, _)| t == alias))
    }
}

fn collect_aliases(p: &Planned, prefix: &str, top: bool, out: &mut Vec<(String, String, Option<usize>)>, depth: usize) {
    if depth > 32 {
        return;
    }
    for (ix, s) in p.sources.iter().enumerate() {
        match s {
            PSource::Table { table, .. } => {
                let letter = match table.chars().next() {
                    Some(c) if c.is_ascii_alphabetic() => c,
                    _ => 't',
                };
                out.push((format!("{prefix}{letter}{ix}"), table.to_string(), top.then_some(ix)));
            }
            PSource::Subquery { planned, .. } => collect_aliases(planned, &format!("{prefix}s"), false, out, depth + 1),
            _ => {}
        }
    }
    for (_, c) in &p.combinations {
        collect_aliases(c, prefix, false, out, depth + 1);
    }
    let mut subs = vec![];
    for (_, e) in p.wheres.iter().chain(p.havings.iter()) {
        e.walk(&mut |x| {
            if let crate::query::expr::Expr::PlannedSubquery(s) = x {
                subs.push(s.clone());
            }
        });
    }
    for s in subs {
        collect_aliases(&s, &format!("{prefix}s"), false, out, depth + 1);
    }
}

/// Builds the tree, names each node and ties it to the query. `rows_of`
/// gives a table's row count when known.
pub fn build(rows: Vec<PlanRow>, map: &QueryMap, rows_of: &dyn Fn(&str) -> Option<u64>) -> Plan {
    let mut nodes: Vec<PlanNode> = rows.iter().map(|r| node(r, map, rows_of)).collect();
    let mut roots = vec![];
    for i in 0..nodes.len() {
        let parent = nodes[i].parent;
        match nodes.iter().position(|n| n.id == parent).filter(|&p| p != i) {
            Some(p) if parent != 0 => nodes[p].children.push(i),
            _ => roots.push(i),
        }
    }
    Plan { rows, nodes, roots, ..Plan::default() }
}

fn node(r: &PlanRow, map: &QueryMap, rows_of: &dyn Fn(&str) -> Option<u64>) -> PlanNode {
    let p = parse_detail(&r.detail);
    let kind = p.kind.unwrap_or(NodeKind::Other);
    let found = p.name.as_deref().and_then(|n| map.lookup(n));
    let table =
        found.map(|(_, t, _)| t.clone()).or_else(|| if matches!(kind, NodeKind::Scan | NodeKind::Search) { p.name.clone() } else { None });
    let binding = found.and_then(|(_, _, b)| *b);
    let table_rows = table.as_deref().and_then(rows_of);
    let t = table.clone().unwrap_or_else(|| p.name.clone().unwrap_or_default());
    let using = |p: &Parsed| {
        let cov = if p.covering { "covering " } else { "" };
        if p.primary_key {
            "the primary key".to_string()
        } else if p.automatic {
            format!("an automatic {cov}index SQLite builds for this statement")
        } else {
            format!("{cov}index `{}`", p.index.clone().unwrap_or_default())
        }
    };
    let words = match kind {
        NodeKind::Scan if p.name.as_deref().is_some_and(|n| n.starts_with('(')) => {
            format!("scan of {}", p.name.clone().unwrap_or_default())
        }
        NodeKind::Scan if p.index.is_some() || p.primary_key => format!("full scan of `{t}` in the order of {}", using(&p)),
        NodeKind::Scan => format!("full scan of `{t}`"),
        NodeKind::Search => {
            let on = p.constraint.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
            format!("search of `{t}` using {}{on}", using(&p))
        }
        NodeKind::TempBtree => format!("temporary B-tree for {}", p.purpose.clone().unwrap_or_default()),
        NodeKind::Subquery => r.detail.to_ascii_lowercase(),
        NodeKind::CoRoutine => format!("co-routine `{}` (rows produced on demand)", p.name.clone().unwrap_or_default()),
        NodeKind::Materialize => format!("materialized `{}` (computed into a temporary table)", p.name.clone().unwrap_or_default()),
        NodeKind::Compound => format!("compound query: {}", r.detail.to_ascii_lowercase()),
        NodeKind::MultiIndexOr => "OR answered by several indexes".to_string(),
        NodeKind::BloomFilter => format!("Bloom filter on `{t}`"),
        NodeKind::Constant => "a row of constants".to_string(),
        NodeKind::Other => r.detail.clone(),
    };
    let mut clauses = vec![];
    let source_clause = binding.and_then(|b| map.sources.get(b).cloned().flatten());
    let (flagged, flag) = match kind {
        NodeKind::Scan if p.index.is_none() && !p.primary_key && table_rows.is_some_and(|n| n >= LARGE_TABLE_ROWS) => {
            (true, Some(format!("full scan of {} rows", table_rows.unwrap_or(0))))
        }
        NodeKind::Search if p.automatic => {
            (true, Some("SQLite builds a temporary index for this statement: a real index would last".into()))
        }
        NodeKind::TempBtree => (true, Some("rows are sorted in a temporary B-tree".into())),
        NodeKind::Subquery if r.detail.starts_with("CORRELATED") => (true, Some("runs once per outer row".into())),
        _ => (false, None),
    };
    match kind {
        NodeKind::Scan | NodeKind::Search | NodeKind::BloomFilter => {
            clauses.extend(source_clause);
            if p.constraint.is_some() && binding.is_some() {
                clauses.extend(map.wheres.iter().cloned());
            }
        }
        NodeKind::TempBtree => {
            let purpose = p.purpose.as_deref().unwrap_or("");
            if purpose.contains("ORDER BY") {
                clauses.extend(map.order_bys.iter().cloned());
            } else if purpose.contains("GROUP BY") {
                clauses.extend(map.group_bys.iter().cloned());
            } else if purpose.contains("DISTINCT") {
                clauses.extend(map.distinct.iter().cloned());
            }
        }
        _ => {}
    }
    PlanNode {
        id: r.id,
        parent: r.parent,
        detail: r.detail.clone(),
        kind,
        words,
        table,
        alias: p.name.clone(),
        binding,
        index: p.index.clone(),
        constraint: p.constraint.clone(),
        covering: p.covering,
        automatic: p.automatic,
        table_rows,
        flagged,
        flag,
        clauses,
        children: vec![],
        node_type: None,
        filter: None,
        estimated_rows: None,
        actual_rows: None,
        loops: None,
        actual_ms: None,
        rows_removed: None,
        cost: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_details() {
        let p = parse_detail("SEARCH c1 USING INDEX comments_post_id_index (post_id=?)");
        assert_eq!(p.kind, Some(NodeKind::Search));
        assert_eq!(p.name.as_deref(), Some("c1"));
        assert_eq!(p.index.as_deref(), Some("comments_post_id_index"));
        assert_eq!(p.constraint.as_deref(), Some("post_id=?"));
        let p = parse_detail("SEARCH p0 USING INTEGER PRIMARY KEY (rowid=?)");
        assert!(p.primary_key);
        let p = parse_detail("SEARCH c1 USING AUTOMATIC COVERING INDEX (post_id=?)");
        assert!(p.automatic && p.covering);
        assert_eq!(p.index, None);
        let p = parse_detail("SCAN p0 USING COVERING INDEX posts_title_index");
        assert_eq!((p.kind, p.covering, p.index.as_deref()), (Some(NodeKind::Scan), true, Some("posts_title_index")));
        assert_eq!(parse_detail("USE TEMP B-TREE FOR ORDER BY").purpose.as_deref(), Some("ORDER BY"));
        assert_eq!(parse_detail("CORRELATED SCALAR SUBQUERY 1").kind, Some(NodeKind::Subquery));
        assert_eq!(parse_detail("SCAN CONSTANT ROW").kind, Some(NodeKind::Constant));
        assert_eq!(parse_detail("MATERIALIZE s1").kind, Some(NodeKind::Materialize));
    }
}
