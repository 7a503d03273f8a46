//! PostgreSQL's own plan: `EXPLAIN (ANALYZE, FORMAT JSON)` of the query's
//! statement with its bound params, inside a transaction that is rolled
//! back (as ecto_sql's `explain/3` runs it), read into the same
//! [`Plan`] the SQLite plan fills: one [`PlanNode`] per plan node, with
//! PostgreSQL's node type, relation, index, estimated and actual rows and
//! times.
//!
//! A statement that changes rows (`update_all`, `delete_all`) is planned
//! without `ANALYZE`: its estimates only, nothing runs.

use serde_json::Value as Json;

use super::plan::{ClauseRef, NodeKind, Plan, PlanNode, PlanRow, QueryMap, LARGE_TABLE_ROWS};
use crate::executor::{DbError, DbValue, Executor};
use crate::value::Value;

/// The params of `sql` encoded as Postgrex encodes them for the types the
/// server infers (`Executor::param_types`).
pub fn bind(exec: &mut dyn Executor, sql: &str, values: &[Value]) -> Result<Vec<DbValue>, DbError> {
    let oids = exec.param_types(sql)?;
    if oids.len() != values.len() {
        return Err(DbError {
            code: crate::pg::ARGUMENT_ERROR,
            message: format!("parameters must be of length {} for query {sql:?}", oids.len()),
        });
    }
    values
        .iter()
        .zip(&oids)
        .map(|(v, oid)| crate::pg::to_db(v, *oid).map_err(|e| DbError { code: crate::pg::ENCODE_ERROR, message: e.0 }))
        .collect()
}

/// The JSON text of a `json` column (binary or text format: both are the text).
fn json_text(v: Option<&DbValue>) -> Option<String> {
    match v? {
        DbValue::Text(s) => Some(s.clone()),
        DbValue::Pg { oid, bytes, .. } if *oid == crate::pg::codec::JSONB => std::str::from_utf8(bytes.get(1..)?).ok().map(str::to_string),
        DbValue::Pg { bytes, .. } => std::str::from_utf8(bytes).ok().map(str::to_string),
        _ => None,
    }
}

/// Runs `EXPLAIN (ANALYZE, FORMAT JSON) sql` (without `ANALYZE` when
/// `analyze` is false) with `values` bound, in a transaction rolled back;
/// the plan's JSON as PostgreSQL gives it.
pub fn explain(exec: &mut dyn Executor, sql: &str, values: &[Value], analyze: bool) -> Result<Json, DbError> {
    let statement = if analyze { format!("EXPLAIN (ANALYZE, FORMAT JSON) {sql}") } else { format!("EXPLAIN (FORMAT JSON) {sql}") };
    exec.execute("BEGIN", &[])?;
    let result = bind(exec, &statement, values).and_then(|params| exec.execute(&statement, &params));
    let rolled_back = exec.execute("ROLLBACK", &[]);
    let result = result?;
    rolled_back?;
    let text = json_text(result.rows.first().and_then(|r| r.first()))
        .ok_or_else(|| DbError { code: crate::pg::PG_ERROR, message: "EXPLAIN gave no plan".to_string() })?;
    serde_json::from_str(&text)
        .map_err(|e| DbError { code: crate::pg::PG_ERROR, message: format!("EXPLAIN's plan could not be read: {e}") })
}

fn num(n: &Json, key: &str) -> Option<f64> {
    n.get(key).and_then(Json::as_f64)
}

fn string(n: &Json, key: &str) -> Option<String> {
    n.get(key).and_then(Json::as_str).map(str::to_string)
}

/// How PostgreSQL's node types map onto the plan's kinds.
fn kind_of(node_type: &str) -> NodeKind {
    match node_type {
        "Seq Scan" | "Parallel Seq Scan" => NodeKind::Scan,
        "Index Scan" | "Index Only Scan" | "Bitmap Heap Scan" | "Bitmap Index Scan" => NodeKind::Search,
        "Sort" | "Incremental Sort" => NodeKind::TempBtree,
        "Subquery Scan" | "CTE Scan" => NodeKind::CoRoutine,
        "Materialize" | "Memoize" => NodeKind::Materialize,
        "Append" | "Merge Append" | "SetOp" | "Recursive Union" => NodeKind::Compound,
        "BitmapOr" | "BitmapAnd" => NodeKind::MultiIndexOr,
        "Result" => NodeKind::Constant,
        _ => NodeKind::Other,
    }
}

/// PostgreSQL's text format's first line of a node: `Seq Scan on posts p0`,
/// `Index Scan using posts_title_index on posts p0`, `Hash Join`.
fn headline(n: &Json) -> String {
    let ty = string(n, "Node Type").unwrap_or_default();
    let mut out = match (string(n, "Join Type"), ty.as_str()) {
        (Some(j), "Hash Join" | "Merge Join" | "Nested Loop") if j != "Inner" => format!("{ty} {j}"),
        _ => ty.clone(),
    };
    if let Some(ix) = string(n, "Index Name") {
        out.push_str(&format!(" using {ix}"));
    }
    if let Some(rel) = string(n, "Relation Name") {
        out.push_str(&format!(" on {rel}"));
        if let Some(alias) = string(n, "Alias").filter(|a| *a != rel) {
            out.push_str(&format!(" {alias}"));
        }
    } else if let Some(cte) = string(n, "CTE Name") {
        out.push_str(&format!(" on {cte}"));
    }
    out
}

/// The conditions a node applies, as PostgreSQL prints them.
fn conditions(n: &Json) -> Vec<String> {
    ["Index Cond", "Recheck Cond", "Hash Cond", "Merge Cond", "Join Filter", "Filter", "Sort Key", "Group Key"]
        .iter()
        .filter_map(|k| match n.get(*k)? {
            Json::String(s) => Some(format!("{k}: {s}")),
            Json::Array(xs) => Some(format!("{k}: {}", xs.iter().filter_map(Json::as_str).collect::<Vec<_>>().join(", "))),
            _ => None,
        })
        .collect()
}

/// Reads `EXPLAIN (FORMAT JSON)`'s answer into the plan, each node tied to
/// the query's bindings and clauses. `rows_of` gives a table's row count
/// when known.
pub fn build(json: &Json, map: &QueryMap, rows_of: &dyn Fn(&str) -> Option<u64>) -> Plan {
    let top = json.as_array().and_then(|a| a.first()).unwrap_or(json);
    let mut plan = Plan {
        postgres: true,
        analyzed: top.get("Execution Time").is_some(),
        planning_ms: num(top, "Planning Time"),
        execution_ms: num(top, "Execution Time"),
        ..Plan::default()
    };
    if let Some(root) = top.get("Plan") {
        walk(root, 0, map, rows_of, &mut plan, 0);
    }
    plan
}

fn walk(n: &Json, parent: i64, map: &QueryMap, rows_of: &dyn Fn(&str) -> Option<u64>, plan: &mut Plan, depth: usize) {
    if depth > 200 {
        return;
    }
    let id = plan.nodes.len() as i64 + 1;
    let at = plan.nodes.len();
    let node = node(n, id, parent, map, rows_of);
    plan.rows.push(PlanRow { id, parent, detail: node.detail.clone() });
    plan.nodes.push(node);
    match plan.nodes.iter().position(|x| x.id == parent) {
        Some(p) => plan.nodes[p].children.push(at),
        None => plan.roots.push(at),
    }
    for child in n.get("Plans").and_then(Json::as_array).into_iter().flatten() {
        walk(child, id, map, rows_of, plan, depth + 1);
    }
}

fn node(n: &Json, id: i64, parent: i64, map: &QueryMap, rows_of: &dyn Fn(&str) -> Option<u64>) -> PlanNode {
    let ty = string(n, "Node Type").unwrap_or_default();
    let kind = kind_of(&ty);
    let relation = string(n, "Relation Name");
    let alias = string(n, "Alias");
    let found = alias.as_deref().and_then(|a| map.aliases.iter().find(|(x, _, _)| x == a));
    let table = relation.clone().or_else(|| found.map(|(_, t, _)| t.clone()));
    let binding = found.and_then(|(_, t, b)| if relation.as_deref().is_none_or(|r| r == t) { *b } else { None });
    let table_rows = table.as_deref().and_then(rows_of);
    let index = string(n, "Index Name");
    let filter = string(n, "Filter");
    let constraint = string(n, "Index Cond").or_else(|| string(n, "Recheck Cond"));
    let estimated_rows = num(n, "Plan Rows");
    let actual_rows = num(n, "Actual Rows");
    let loops = num(n, "Actual Loops");
    let actual_ms = num(n, "Actual Total Time");
    let rows_removed = num(n, "Rows Removed by Filter");
    let mut detail = headline(n);
    let conds = conditions(n);
    if !conds.is_empty() {
        detail.push_str(&format!(" ({})", conds.join("; ")));
    }
    let t = table.clone().unwrap_or_default();
    let words = match ty.as_str() {
        "Seq Scan" | "Parallel Seq Scan" => {
            let f = filter.as_deref().map(|f| format!(", keeping rows where {f}")).unwrap_or_default();
            format!("sequential scan of `{t}` (every row read){f}")
        }
        "Index Scan" => format!("index scan of `{t}` using index `{}`", index.clone().unwrap_or_default()),
        "Index Only Scan" => {
            format!("index-only scan of `{t}` using index `{}` (the table is not read)", index.clone().unwrap_or_default())
        }
        "Bitmap Index Scan" => format!("bitmap of the matching rows from index `{}`", index.clone().unwrap_or_default()),
        "Bitmap Heap Scan" => format!("rows of `{t}` fetched from an index's bitmap"),
        "Sort" | "Incremental Sort" => {
            let method = string(n, "Sort Method").map(|m| format!(" ({m})")).unwrap_or_default();
            format!("sort{method}")
        }
        "Hash" => "hash table built from its input".to_string(),
        "Hash Join" | "Merge Join" | "Nested Loop" => {
            format!("{} join ({})", string(n, "Join Type").unwrap_or_else(|| "inner".into()).to_ascii_lowercase(), ty.to_ascii_lowercase())
        }
        "Limit" => "the first rows only (limit)".to_string(),
        "Aggregate" | "HashAggregate" | "GroupAggregate" => format!("aggregate ({})", ty.to_ascii_lowercase()),
        "Unique" => "duplicates removed (distinct)".to_string(),
        "Result" => "a computed row".to_string(),
        other => other.to_ascii_lowercase(),
    };
    let large = table_rows.is_some_and(|r| r >= LARGE_TABLE_ROWS);
    let (flagged, flag) = match kind {
        NodeKind::Scan if large => {
            let removed = rows_removed.map(|r| format!(", the filter removed {r}")).unwrap_or_default();
            (true, Some(format!("sequential scan of {} rows{removed}", table_rows.unwrap_or(0))))
        }
        NodeKind::TempBtree if string(n, "Sort Space Type").as_deref() == Some("Disk") => (true, Some("the sort spilled to disk".into())),
        _ => match (estimated_rows, actual_rows) {
            (Some(e), Some(a)) if (e.max(1.0) / a.max(1.0)).max(a.max(1.0) / e.max(1.0)) >= 10.0 && (e.max(a)) >= 100.0 => {
                (true, Some(format!("estimated {e} rows, got {a}: the table's statistics are stale (run ANALYZE)")))
            }
            _ => (false, None),
        },
    };
    let mut clauses: Vec<ClauseRef> = vec![];
    match kind {
        NodeKind::Scan | NodeKind::Search => {
            clauses.extend(binding.and_then(|b| map.sources.get(b).cloned().flatten()));
            if binding == Some(0) && (filter.is_some() || constraint.is_some()) {
                clauses.extend(map.wheres.iter().cloned());
            }
        }
        NodeKind::TempBtree => clauses.extend(map.order_bys.iter().cloned()),
        _ if ty == "HashAggregate" || ty == "GroupAggregate" => clauses.extend(map.group_bys.iter().cloned()),
        _ if ty == "Unique" => clauses.extend(map.distinct.iter().cloned()),
        _ => {}
    }
    PlanNode {
        id,
        parent,
        detail,
        kind,
        words,
        table,
        alias,
        binding,
        index,
        constraint,
        covering: ty == "Index Only Scan",
        automatic: false,
        table_rows,
        flagged,
        flag,
        clauses,
        children: vec![],
        node_type: Some(ty),
        filter,
        estimated_rows,
        actual_rows,
        loops,
        actual_ms,
        rows_removed,
        cost: num(n, "Total Cost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_explain_json() {
        let json: Json = serde_json::from_str(
            r#"[{"Plan": {"Node Type": "Sort", "Plan Rows": 5, "Actual Rows": 3, "Actual Loops": 1, "Total Cost": 9.5,
                "Actual Total Time": 0.2, "Sort Key": ["p0.title"], "Sort Method": "quicksort",
                "Plans": [{"Node Type": "Seq Scan", "Relation Name": "posts", "Alias": "p0", "Plan Rows": 5,
                           "Actual Rows": 3, "Actual Loops": 1, "Filter": "(views > 10)", "Rows Removed by Filter": 4997,
                           "Total Cost": 9.0, "Actual Total Time": 0.1}]},
               "Planning Time": 0.05, "Execution Time": 0.3}]"#,
        )
        .unwrap();
        let map = QueryMap { aliases: vec![("p0".into(), "posts".into(), Some(0))], ..QueryMap::default() };
        let plan = build(&json, &map, &|t| (t == "posts").then_some(5000));
        assert!(plan.postgres && plan.analyzed);
        assert_eq!(plan.execution_ms, Some(0.3));
        assert_eq!(plan.roots, vec![0]);
        assert_eq!(plan.nodes[0].children, vec![1]);
        let scan = &plan.nodes[1];
        assert_eq!(scan.kind, NodeKind::Scan);
        assert_eq!(scan.node_type.as_deref(), Some("Seq Scan"));
        assert_eq!(scan.table.as_deref(), Some("posts"));
        assert_eq!(scan.binding, Some(0));
        assert_eq!((scan.estimated_rows, scan.actual_rows, scan.rows_removed), (Some(5.0), Some(3.0), Some(4997.0)));
        assert!(scan.flagged, "{scan:?}");
        assert!(scan.detail.starts_with("Seq Scan on posts p0 (Filter: (views > 10))"), "{}", scan.detail);
        assert!(plan.nodes[0].detail.contains("Sort Key: p0.title"), "{}", plan.nodes[0].detail);
    }
}
