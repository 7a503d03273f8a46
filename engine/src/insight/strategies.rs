//! A query's preloads loaded three ways, with the Ecto code of each and
//! what it cost: separate preload queries (`preload: [:comments]`, one
//! query per association), a join preload (`left_join: c in assoc(p,
//! :comments), preload: [comments: c]`, one query whose rows repeat the
//! parent) and a preload query (`preload: [comments: ^from(c in Comment)]`,
//! a query Ecto runs for the association with the parents' keys).

use serde::{Deserialize, Serialize};

use crate::diag::Span;
use crate::eval::{EResult, Error, Interp};
use crate::query::expr::{Preload, Query, Source};
use crate::repo::StatementKind;
use crate::value::inspect::inspect;
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    Separate,
    Join,
    PreloadQuery,
}

/// One way of loading the data, measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategyResult {
    pub strategy: Strategy,
    /// The query as Ecto code (`inspect` of the query).
    pub code: String,
    /// SQL statements one `Repo.all` sends.
    pub queries: usize,
    /// Rows those statements return, in all.
    pub rows: usize,
    pub median_us: u64,
    /// The error, when this way cannot load the data.
    pub error: Option<String>,
}

/// The three strategies for `queryable` (which must preload), each run `k`
/// times through `repo` (the Repo module) on the interpreter's database.
pub fn compare(interp: &mut Interp, repo: &Value, queryable: &Value, k: usize, clock: &dyn Fn() -> u64) -> EResult<Vec<StrategyResult>> {
    let q = crate::query::to_query(interp, queryable, Span::NONE)?;
    let names: Vec<(String, Vec<Preload>)> = q
        .preloads
        .iter()
        .map(|p| match p {
            Preload::Assoc(n, c) | Preload::Custom(n, _, c) => (n.clone(), c.clone()),
        })
        .collect();
    if names.is_empty() {
        return Err(Error::raise("ArgumentError", "the query has no preloads to compare", Span::NONE));
    }
    let mut base = q.clone();
    base.preloads.clear();
    let owner = match &q.from.source {
        Source::Table { schema: Some(s), .. } => crate::schema::lookup(interp, s),
        _ => None,
    };
    let base_v = base.into_value();
    // the join preload: one left join per association
    let mut joins = String::new();
    let mut preload = vec![];
    for (i, (name, _)) in names.iter().enumerate() {
        joins.push_str(&format!(", left_join: a{i} in assoc(x, {})", inspect(&Value::atom(name))));
        preload.push(format!("{} a{i}", atom_key(name)));
    }
    let join_src = format!("from(x in q{joins}, preload: [{}])", preload.join(", "));
    // the preload query: the related schema's query for each association
    let mut custom = vec![];
    let mut custom_code = vec![];
    let mut vars: Vec<(String, Value)> = vec![("q".into(), base_v.clone())];
    for (i, (name, _)) in names.iter().enumerate() {
        let related = owner.as_ref().and_then(|s| s.assocs.iter().find(|a| a.field == *name)).and_then(|a| a.related.clone());
        match related {
            Some(r) => {
                let related_q = crate::query::to_query(interp, &Value::module(&r), Span::NONE)?.into_value();
                vars.push((format!("r{i}"), related_q));
                custom.push(format!("{} ^r{i}", atom_key(name)));
                custom_code.push(format!("{} ^from(r in {r})", atom_key(name)));
            }
            None => {
                custom.push(inspect(&Value::atom(name)));
                custom_code.push(inspect(&Value::atom(name)));
            }
        }
    }
    let custom_src = format!("from(x in q, preload: [{}])", custom.join(", "));
    let mut out = vec![];
    for (strategy, value) in [
        (Strategy::Separate, Ok(queryable.clone())),
        (Strategy::Join, eval(interp, &join_src, &vars)),
        (Strategy::PreloadQuery, eval(interp, &custom_src, &vars)),
    ] {
        out.push(match value {
            Ok(v) => {
                let mut r = measure(interp, repo, strategy, &v, k, clock);
                if strategy == Strategy::PreloadQuery {
                    // the code as written (inspect shows the query's struct instead)
                    let base = crate::query::inspect::query_to_string(&crate::query::to_query(interp, &base_v, Span::NONE)?);
                    r.code = format!("{base},\n  preload: [{}]", custom_code.join(", "));
                }
                r
            }
            Err(e) => StrategyResult { strategy, code: String::new(), queries: 0, rows: 0, median_us: 0, error: Some(e.message()) },
        });
    }
    Ok(out)
}

fn atom_key(name: &str) -> String {
    // `comments:` or `"odd name":`
    let a = inspect(&Value::atom(name));
    match a.strip_prefix(':') {
        Some(rest) => format!("{rest}:"),
        None => format!("{a}:"),
    }
}

fn eval(interp: &mut Interp, src: &str, vars: &[(String, Value)]) -> EResult<Value> {
    let parsed = crate::syntax::parse(src);
    let mut env = Interp::env_with_imports(&["Ecto.Query"]);
    for (k, v) in vars {
        env.set(k, v.clone());
    }
    interp.eval(&parsed.root, &mut env)
}

fn measure(interp: &mut Interp, repo: &Value, strategy: Strategy, q: &Value, k: usize, clock: &dyn Fn() -> u64) -> StrategyResult {
    let code = crate::query::to_query(interp, q, Span::NONE).map(|q: Query| crate::query::inspect::query_to_string(&q)).unwrap_or_default();
    let vars = [("q".to_string(), q.clone()), ("repo".to_string(), repo.clone())];
    let mut times = vec![];
    let (mut queries, mut rows) = (0, 0);
    crate::repo::take_log(interp);
    for _ in 0..k.max(1) {
        let start = clock();
        let r = eval(interp, "repo.all(q)", &vars);
        times.push(clock().saturating_sub(start));
        let log = crate::repo::take_log(interp);
        if let Err(e) = r {
            return StrategyResult { strategy, code, queries: 0, rows: 0, median_us: 0, error: Some(e.message()) };
        }
        let stmts: Vec<_> = log.iter().filter(|e| e.kind == StatementKind::Query).collect();
        queries = stmts.len();
        rows = stmts.iter().map(|e| e.outcome.as_ref().map_or(0, |(r, _)| *r)).sum();
    }
    StrategyResult { strategy, code, queries, rows, median_us: super::median(&times), error: None }
}
