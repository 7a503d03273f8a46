//! The planner: `Ecto.Query.Planner.plan/3` + `normalize/4` in one walk.
//!
//! Sources are resolved first (schemas, `{source, Schema}`, subqueries,
//! fragments, association joins expanded into their chain of joins), then
//! every clause is walked in Ecto's traversal order: pinned values are cast
//! and dumped for the adapter and numbered, fields are checked against
//! their schemas and renamed to their columns, literals compared to fields
//! are dumped, and the select is flattened into the list of fields the
//! adapter prints plus the shape that rebuilds rows into values.

use std::rc::Rc;

use super::expr::*;
use super::value::QueryError;
use crate::diag::Span;
use crate::eval::{EResult, Error, Exception, Interp};
use crate::schema::{AssocKind, Schema};
use crate::types::{self, Adapter, Type};
use crate::value::inspect::inspect;
use crate::value::{alias_name, Value};

/// The repo operation a query is planned for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    All,
    UpdateAll,
    DeleteAll,
    InsertAll,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::All => "all",
            Op::UpdateAll => "update_all",
            Op::DeleteAll => "delete_all",
            Op::InsertAll => "insert_all",
        }
    }

    pub fn from_name(s: &str) -> Option<Op> {
        Some(match s {
            "all" => Op::All,
            "update_all" => Op::UpdateAll,
            "delete_all" => Op::DeleteAll,
            "insert_all" => Op::InsertAll,
            _ => return None,
        })
    }
}

/// The SQL dialect (adapter) a query is planned and printed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn adapter(self) -> Adapter {
        match self {
            Dialect::Sqlite => Adapter::Sqlite,
            Dialect::Postgres => Adapter::Postgres,
        }
    }
}

/// What a subquery selects (`%Ecto.SubQuery{select: ...}`): its field
/// names and types, and whether it returns a schema source or a struct.
#[derive(Clone, Debug, PartialEq)]
pub struct SubSelect {
    pub kind: SubKind,
    /// field -> Some(type) for `{:value, type}`, None for nested shapes.
    pub fields: Vec<(String, Option<Type>)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SubKind {
    Source { table: Option<String>, schema: Option<String>, prefix: Option<Value> },
    Struct(String),
    Map,
}

/// A planned source.
#[derive(Clone, Debug)]
pub enum PSource {
    Table {
        table: Name,
        schema: Option<Rc<Schema>>,
        prefix: Option<Value>,
    },
    Subquery {
        planned: Rc<Planned>,
        info: Rc<SubSelect>,
    },
    Fragment {
        parts: Vec<FragPart>,
    },
    /// `values/2`: each field with its `Ecto.Type.type/1` term, the index
    /// of the first param (0-based, counted over the whole statement) and
    /// the number of rows.
    Values {
        types: Vec<(String, Value)>,
        start: usize,
        num_rows: usize,
    },
}

/// Type information about a source, used while planning.
#[derive(Clone, Debug)]
enum SrcInfo {
    Table {
        table: Name,
        schema: Option<Rc<Schema>>,
        prefix: Option<Value>,
    },
    Sub(Rc<SubSelect>),
    Fragment,
    /// `values/2`: the fields and their types.
    Values(Rc<Vec<(String, Type)>>),
}

#[derive(Clone, Debug)]
pub struct PJoin {
    pub qual: JoinQual,
    pub ix: usize,
    pub on: Expr,
    pub hints: Vec<String>,
}

/// A selected field: the expression and its alias (`expr AS "alias"`).
#[derive(Clone, Debug, PartialEq)]
pub struct SelField {
    pub alias: Option<String>,
    pub expr: Expr,
}

/// How a row turns back into a value (Ecto's select postprocess).
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// One column of the given type.
    Value(Type),
    /// A whole source: its fields (name, type) consume one column each.
    /// `schema` is None for `map/2` and schemaless sources.
    Source {
        ix: usize,
        schema: Option<Name>,
        source: Option<Name>,
        prefix: Option<Value>,
        fields: Rc<[(String, Type)]>,
    },
    /// The `from` source (loaded first, its columns come first).
    From,
    /// A literal that takes no column.
    Lit(Value),
    Tuple(Vec<Shape>),
    List(Vec<Shape>),
    Map(Vec<(Shape, Shape)>),
    MapUpdate(Box<Shape>, Vec<(Shape, Shape)>),
    Struct(String, Vec<(Shape, Shape)>),
    Merge(Box<Shape>, Box<Shape>),
}

#[derive(Clone, Debug)]
pub struct PSelect {
    pub fields: Vec<SelField>,
    pub shape: Shape,
    /// The shape of the `from` source when the select refers to it.
    pub from: Option<Shape>,
    /// Association preloads from joins: (path, shape) loaded after `from`.
    pub assocs: Vec<(Vec<String>, Shape)>,
}

#[derive(Clone, Debug)]
pub enum PCteBody {
    Query(Rc<Planned>),
    Fragment(Expr),
}

#[derive(Clone, Debug)]
pub struct PCte {
    pub name: String,
    pub materialized: Option<bool>,
    pub operation: Op,
    pub body: PCteBody,
}

#[derive(Clone, Debug)]
pub struct PWith {
    pub recursive: bool,
    pub ctes: Vec<PCte>,
}

/// A planned (normalized) query, ready for a printer.
#[derive(Clone, Debug)]
pub struct Planned {
    pub op: Op,
    pub sources: Vec<PSource>,
    pub from_hints: Vec<String>,
    pub joins: Vec<PJoin>,
    pub wheres: Vec<(BoolOp, Expr)>,
    pub havings: Vec<(BoolOp, Expr)>,
    pub group_bys: Vec<Vec<Expr>>,
    pub order_bys: Vec<Vec<(Dir, Expr)>>,
    pub distinct: Option<Distinct>,
    pub select: Option<PSelect>,
    pub limit: Option<(Expr, bool)>,
    pub offset: Option<Expr>,
    pub lock: Option<Lock>,
    pub windows: Vec<(String, WindowDef)>,
    pub combinations: Vec<(CombKind, Rc<Planned>)>,
    pub with: Option<PWith>,
    pub updates: Vec<(UpdateOp, String, Expr)>,
    pub preloads: Vec<Preload>,
    pub query: Rc<Query>,
}

impl PartialEq for Planned {
    fn eq(&self, other: &Planned) -> bool {
        std::ptr::eq(self, other)
    }
}

/// The result of planning a query for one adapter.
#[derive(Clone, Debug)]
pub struct PlanResult {
    pub planned: Rc<Planned>,
    /// Params as the driver receives them (dumped).
    pub params: Vec<Value>,
    /// Params after casting, before dumping.
    pub cast_params: Vec<Value>,
}

/// Parent chain for `parent_as/1`.
#[derive(Clone, Debug)]
struct Ctx {
    sources: Rc<Vec<SrcInfo>>,
    query: Rc<Query>,
    parent: Option<Rc<Ctx>>,
}

/// A query with its sources resolved and association joins expanded.
#[derive(Clone, Debug)]
struct Prepared {
    query: Rc<Query>,
    sources: Rc<Vec<SrcInfo>>,
    /// Subquery/fragment sources, normalized when the walk reaches them.
    pending: Vec<Pending>,
    from_params: Vec<Param>,
    joins: Vec<PrepJoin>,
    cte_names: Vec<String>,
}

#[derive(Clone, Debug)]
enum Pending {
    None,
    Sub(Box<Prepared>),
    Fragment(Vec<FragPart>),
    Values(Rc<Vec<(String, Type)>>, usize),
}

#[derive(Clone, Debug)]
struct PrepJoin {
    qual: JoinQual,
    ix: usize,
    on: JoinOn,
    hints: Vec<String>,
    /// Params of a fragment source.
    source_params: Vec<Param>,
}

/// A join's `on`: the query's own (by join position) or a built one.
#[derive(Clone, Debug)]
enum JoinOn {
    Query(usize),
    Own(Clause),
}

impl JoinOn {
    fn into_clause(self, q: &Query) -> Clause {
        match self {
            JoinOn::Own(c) => c,
            JoinOn::Query(k) => q.joins[k].on.clause.clone(),
        }
    }
}

impl Prepared {
    fn join_on<'a>(&'a self, j: &'a PrepJoin) -> &'a Clause {
        match &j.on {
            JoinOn::Own(c) => c,
            JoinOn::Query(k) => &self.query.joins[*k].on.clause,
        }
    }
}

/// Plans `query` for `op` and `dialect`: the SQL printers take the result.
pub fn plan(interp: &mut Interp, query: &Query, op: Op, dialect: Dialect) -> EResult<PlanResult> {
    plan_at(interp, query, op, dialect, 0)
}

/// Like [`plan`], numbering parameters from `counter` (Ecto's planner
/// counter: an upsert's update query follows the insert's values).
pub fn plan_at(interp: &mut Interp, query: &Query, op: Op, dialect: Dialect, counter: usize) -> EResult<PlanResult> {
    plan_rc(interp, Rc::new(query.clone()), op, dialect, counter)
}

/// Like [`plan_at`] for a shared query (a query value's own: no copy).
pub fn plan_rc(interp: &mut Interp, query: Rc<Query>, op: Op, dialect: Dialect, counter: usize) -> EResult<PlanResult> {
    // Ecto.Adapter.Queryable.prepare_query/4: `ensure_select(query, op == :all)`.
    let query = if op == Op::All && query.select.is_none() { Rc::new(ensure_select(Query::clone(&query), true)?) } else { query };
    let mut p = Planner { interp, dialect, params: vec![], cast_params: vec![], splices: vec![], base: counter };
    let prepared = p.prepare(query, None, &[])?;
    let planned = p.normalize(prepared, op, None, SelectMode::Top)?;
    Ok(PlanResult { planned: Rc::new(planned), params: p.params, cast_params: p.cast_params })
}

/// `Ecto.Query.Planner.ensure_select/2`
pub fn ensure_select(mut query: Query, required: bool) -> EResult<Query> {
    if query.select.is_some() || !required {
        return Ok(query);
    }
    match &query.from.source {
        Source::Table { schema: None, .. } => {
            return Err(QueryError::raise(
                "queries that do not have a schema need to explicitly pass a :select clause",
                &query,
                query.from.loc.span,
            ));
        }
        Source::Fragment(_) => {
            return Err(QueryError::raise(
                "queries from a fragment need to explicitly pass a :select clause or use the `:columns` option",
                &query,
                query.from.loc.span,
            ));
        }
        _ => {}
    }
    let loc = query.from.loc;
    query.select = Some(SelectExpr {
        clause: Clause { expr: Expr::Var(Bind::Ix(0)), params: vec![], subqueries: vec![], loc },
        take: vec![],
        aliases: vec![],
    });
    Ok(query)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum SelectMode {
    /// The outer query; literals are kept as fields only with combinations.
    Top,
    /// A combination query (literals kept).
    Combination,
    /// A subquery in from/join: fields aliased by the subquery's names.
    SubqueryAliased,
    /// A subquery in an expression (`in`, `exists`): no aliases.
    SubqueryWhere,
    /// A CTE: fields aliased by their keys.
    Cte,
}

struct Planner<'i> {
    interp: &'i mut Interp,
    dialect: Dialect,
    params: Vec<Value>,
    cast_params: Vec<Value>,
    /// (clause id, local splice param) -> first global index, used count.
    splices: Vec<(usize, usize, usize, usize)>,
    /// Index of the first parameter.
    base: usize,
}

fn qerr(msg: impl AsRef<str>, q: &Query, span: Span) -> Box<Error> {
    QueryError::raise(msg.as_ref(), q, span)
}

fn type_str(t: &Type) -> String {
    t.format()
}

/// Per-clause context while normalizing expressions.
struct Cl<'a> {
    kind: &'static str,
    params: &'a [Param],
    subqueries: &'a [Query],
    span: Span,
    id: usize,
}

static CLAUSE_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

fn next_id() -> usize {
    CLAUSE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl<'i> Planner<'i> {
    fn schema(&mut self, name: &str) -> Option<Rc<Schema>> {
        crate::schema::lookup(self.interp, name)
    }

    // ------------------------------------------------------------------
    // Phase 1: sources

    fn prepare(&mut self, query: Rc<Query>, parent: Option<Rc<Ctx>>, cte_names: &[String]) -> EResult<Prepared> {
        let mut cte_names: Vec<String> = cte_names.to_vec();
        if let Some(w) = &query.with_ctes {
            for c in &w.queries {
                cte_names.push(c.name.clone());
            }
        }
        let q = &*query;
        let (from_info, from_pending) = self.plan_source(
            q,
            Some(&query),
            &q.from.source,
            q.from.prefix.as_ref(),
            true,
            parent.clone(),
            &[],
            &cte_names,
            q.from.loc.span,
        )?;
        let from_copy = from_info.clone();
        let from_only = std::slice::from_ref(&from_copy);
        let mut sources = Vec::with_capacity(1 + q.joins.len());
        sources.push(from_info);
        let mut pending = Vec::with_capacity(1 + q.joins.len());
        pending.push(from_pending);
        // plan_joins
        let mut joins: Vec<PrepJoin> = Vec::with_capacity(q.joins.len());
        let mut tail: Vec<(SrcInfo, Pending)> = vec![];
        let mut offset = q.joins.len();
        for (counter0, join) in q.joins.iter().enumerate() {
            let counter = counter0 + 1;
            if let Some((owner_ix, assoc_name)) = &join.assoc {
                let owner_ix = *owner_ix;
                let owner_schema = match sources.get(owner_ix) {
                    Some(SrcInfo::Table { schema: Some(s), .. }) => s.clone(),
                    Some(SrcInfo::Table { table, schema: None, .. }) => {
                        return Err(qerr(
                            format!("cannot perform association join on {} because it does not have a schema", inspect(&Value::str(table))),
                            q,
                            join.loc.span,
                        ))
                    }
                    Some(SrcInfo::Sub(info)) => match &info.kind {
                        SubKind::Source { schema: Some(s), .. } | SubKind::Struct(s) => match self.schema(s) {
                            Some(s) => s,
                            None => return Err(qerr("can only perform association joins on sources with a schema", q, join.loc.span)),
                        },
                        _ => {
                            return Err(qerr(
                                "can only perform association joins on subqueries that return a source with schema in select",
                                q,
                                join.loc.span,
                            ))
                        }
                    },
                    Some(SrcInfo::Fragment) => return Err(qerr("cannot perform association joins on fragment sources", q, join.loc.span)),
                    Some(SrcInfo::Values(_)) => return Err(qerr("cannot perform association joins on values sources", q, join.loc.span)),
                    None => {
                        return Err(Error::raise(
                            "ArgumentError",
                            format!("could not find a source with index `{owner_ix}` in `{}`", sources.len()),
                            join.loc.span,
                        ))
                    }
                };
                let Some(assoc) = owner_schema.assoc(assoc_name) else {
                    return Err(qerr(
                        format!("could not find association `{assoc_name}` on schema {}", owner_schema.module),
                        q,
                        join.loc.span,
                    ));
                };
                let mut child = self.assoc_joins_query(&owner_schema, assoc, join.loc.span)?;
                // prefixes
                if child.prefix.is_none() {
                    child.prefix = q.prefix.clone();
                }
                if let Some(jp) = &join.prefix {
                    if child.from.prefix.is_none() {
                        child.from.prefix = Some(jp.clone());
                    }
                    for cj in child.joins.iter_mut() {
                        if cj.prefix.is_none() {
                            cj.prefix = Some(jp.clone());
                        }
                    }
                }
                let last_ix = child.joins.len();
                let source_ix = counter;
                // Plan the child's joins (plain sources only).
                let mut child_joins: Vec<PrepJoin> = vec![];
                let mut child_sources: Vec<SrcInfo> = vec![];
                for (k, cj) in child.joins.iter().enumerate() {
                    let (info, _p) = self.plan_source(
                        &child,
                        None,
                        cj.source.as_ref().unwrap_or(&q.from.source),
                        cj.prefix.as_ref(),
                        false,
                        parent.clone(),
                        from_only,
                        &cte_names,
                        join.loc.span,
                    )?;
                    child_sources.push(info);
                    child_joins.push(PrepJoin {
                        qual: cj.qual,
                        ix: k + 1,
                        on: JoinOn::Own(cj.on.clause.clone()),
                        hints: vec![],
                        source_params: vec![],
                    });
                }
                // Rewrite indexes: 0 -> owner, last -> counter, others -> +offset.
                let inc = offset;
                let rewrite = move |j: usize| -> usize {
                    if j == 0 {
                        owner_ix
                    } else if j == last_ix {
                        source_ix
                    } else if j > last_ix {
                        j
                    } else {
                        j + inc
                    }
                };
                let mut rewritten: Vec<PrepJoin> = child_joins
                    .into_iter()
                    .map(|mut j| {
                        let mut on = j.on.into_clause(&child);
                        on.expr = rewrite_ix(on.expr, &rewrite);
                        on.params = on.params.into_iter().map(|p| rewrite_param(p, &rewrite)).collect();
                        j.on = JoinOn::Own(on);
                        j.ix = rewrite(j.ix);
                        j.qual = join.qual;
                        j
                    })
                    .collect();
                // attach the join's own `on` to the last child join
                if let Some(last) = rewritten.last_mut() {
                    let on = std::mem::replace(&mut last.on, JoinOn::Query(0)).into_clause(&child);
                    last.on = JoinOn::Own(merge_and(on, join.on.clause.clone()));
                    last.hints = join.hints.clone();
                }
                // sources: the last child source is the current one, the rest are tails
                let current = child_sources.pop().unwrap_or(SrcInfo::Fragment);
                sources.push(current);
                pending.push(Pending::None);
                let n_tail = child_sources.len();
                for s in child_sources {
                    tail.push((s, Pending::None));
                }
                offset += n_tail;
                joins.extend(rewritten);
                continue;
            }
            if let Some(jq) = &join.source_query {
                let simple = jq.order_bys.is_empty()
                    && jq.limit.is_none()
                    && jq.offset.is_none()
                    && jq.group_bys.is_empty()
                    && jq.joins.is_empty()
                    && jq.havings.is_empty()
                    && jq.preloads.is_empty()
                    && jq.assocs.is_empty()
                    && jq.distinct.is_none()
                    && jq.lock.is_none();
                if !simple {
                    return Err(qerr(
                        "invalid query was interpolated in a join.\nIf you want to pass a query to a join, you must either:\n\n  1. Make sure the query only has `where` conditions (which will be converted to ON clauses)\n  2. Or wrap the query in a subquery by calling subquery(query)\n",
                        q,
                        join.loc.span,
                    ));
                }
                let prefix = jq.from.prefix.clone().or(join.prefix.clone());
                let (info, p) = self.plan_source(
                    jq,
                    None,
                    &jq.from.source,
                    prefix.as_ref(),
                    false,
                    parent.clone(),
                    from_only,
                    &cte_names,
                    join.loc.span,
                )?;
                // query_to_joins: wheres become the on (rewritten &0 -> counter)
                let mut on = Clause { expr: Expr::Lit(Value::Bool(true)), params: vec![], subqueries: vec![], loc: join.loc };
                for w in &jq.wheres {
                    let c = Clause {
                        expr: rewrite_ix(w.clause.expr.clone(), &|i| if i == 0 { counter } else { i + counter - 1 }),
                        params: w.clause.params.clone(),
                        subqueries: w.clause.subqueries.clone(),
                        loc: w.clause.loc,
                    };
                    on = merge_op(w.op, on, c);
                }
                on = merge_and(on, join.on.clause.clone());
                sources.push(info);
                pending.push(p);
                joins.push(PrepJoin {
                    qual: join.qual,
                    ix: counter,
                    on: JoinOn::Own(on),
                    hints: join.hints.clone(),
                    source_params: vec![],
                });
                continue;
            }
            let no_source;
            let src = match &join.source {
                Some(s) => s,
                None => {
                    no_source = Source::Table { table: None, schema: None };
                    &no_source
                }
            };
            let (info, p) =
                self.plan_source(q, Some(&query), src, join.prefix.as_ref(), false, parent.clone(), from_only, &cte_names, join.loc.span)?;
            sources.push(info);
            pending.push(p);
            joins.push(PrepJoin {
                qual: join.qual,
                ix: counter,
                on: JoinOn::Query(counter0),
                hints: join.hints.clone(),
                source_params: join.params.clone(),
            });
        }
        for (s, p) in tail {
            sources.push(s);
            pending.push(p);
        }
        Ok(Prepared { query: query.clone(), sources: Rc::new(sources), pending, from_params: q.from.params.clone(), joins, cte_names })
    }

    /// `plan_source/4`: a source to its type info (and pending subquery).
    #[allow(clippy::too_many_arguments)]
    fn plan_source(
        &mut self,
        query: &Query,
        query_rc: Option<&Rc<Query>>,
        source: &Source,
        prefix: Option<&Value>,
        is_from: bool,
        parent: Option<Rc<Ctx>>,
        parent_sources: &[SrcInfo],
        cte_names: &[String],
        span: Span,
    ) -> EResult<(SrcInfo, Pending)> {
        match source {
            Source::Table { table, schema } => {
                let schema_rc = match schema {
                    Some(s) => match self.schema(s) {
                        Some(rc) => Some(rc),
                        None => {
                            return Err(Error::raise(
                                "UndefinedFunctionError",
                                crate::eval::module_not_available(Value::module(s).as_atom().unwrap_or_default(), "__schema__", 1),
                                span,
                            ))
                        }
                    },
                    None => None,
                };
                // The schema's own table name is shared, not copied.
                let schema_table = |s: &Schema| s.query_info().table.clone();
                let table: Name = match (table, &schema_rc) {
                    (Some(t), Some(s)) if s.source.as_deref() == Some(t.as_str()) => schema_table(s).unwrap_or_else(|| t.into()),
                    (Some(t), _) => t.into(),
                    (None, Some(s)) => match schema_table(s) {
                        Some(t) => t,
                        None => return Err(qerr(format!("cannot join on embedded schema {}", s.module), query, span)),
                    },
                    (None, None) => "".into(),
                };
                let source_prefix = if is_from {
                    prefix.cloned()
                } else {
                    prefix.cloned().or_else(|| {
                        schema_rc.as_ref().and_then(|s| if matches!(s.prefix, Value::Nil) { None } else { Some(s.prefix.clone()) })
                    })
                };
                let prefix =
                    if cte_names.iter().any(|c| *c == table) { source_prefix } else { source_prefix.or_else(|| query.prefix.clone()) };
                Ok((SrcInfo::Table { table, schema: schema_rc, prefix }, Pending::None))
            }
            Source::Subquery(sub) => {
                let mut inner = sub.query.clone();
                // prefix || subquery.query.prefix || query.prefix
                inner.prefix = prefix.cloned().or(inner.prefix).or_else(|| query.prefix.clone());
                let ctx = Rc::new(Ctx {
                    sources: Rc::new(parent_sources.to_vec()),
                    query: query_rc.cloned().unwrap_or_else(|| Rc::new(query.clone())),
                    parent: parent.clone(),
                });
                let (prep, info) = self.prepare_subquery(inner, Some(ctx), cte_names, true)?;
                Ok((SrcInfo::Sub(Rc::new(info)), Pending::Sub(Box::new(prep))))
            }
            Source::Fragment(parts) => {
                if prefix.is_some() {
                    return Err(qerr(
                        format!("cannot set prefix: {} option for fragment sources", inspect(prefix.unwrap_or(&Value::Nil))),
                        query,
                        span,
                    ));
                }
                Ok((SrcInfo::Fragment, Pending::Fragment(parts.clone())))
            }
            Source::Values { types, num_rows } => {
                if let Some(p) = prefix {
                    return Err(qerr(format!("cannot set prefix: {} option for values sources", inspect(p)), query, span));
                }
                let typed: Vec<(String, Type)> = types.iter().map(|(k, t)| (k.clone(), Type::from_value(t).unwrap_or(Type::Any))).collect();
                let typed = Rc::new(typed);
                Ok((SrcInfo::Values(typed.clone()), Pending::Values(typed, *num_rows)))
            }
        }
    }

    /// `plan_subquery/6`: prepares the inner query and computes what it selects.
    fn prepare_subquery(
        &mut self,
        inner: Query,
        parent: Option<Rc<Ctx>>,
        cte_names: &[String],
        source: bool,
    ) -> EResult<(Prepared, SubSelect)> {
        let wrap = |e: Box<Error>, q: &Query| -> Box<Error> {
            match *e {
                Error::Raise(ex) if ex.kind == "Ecto.QueryError" || ex.kind == "Ecto.SubQueryError" || ex.kind == "Ecto.Query.CastError" => {
                    Box::new(Error::Raise(Exception {
                        kind: "Ecto.SubQueryError".into(),
                        message: format!("the following exception happened when compiling a subquery.\n\n    ** ({}) {}\n\nThe subquery originated from the following query:\n\n{}\n", ex.kind, ex.message, super::inspect::query_to_string(q)),
                        span: ex.span,
                        value: None,
                    }))
                }
                other => Box::new(other),
            }
        };
        let parent_query = parent.as_ref().map(|p| p.query.clone());
        let r = self.prepare_subquery_raw(inner, parent, cte_names, source);
        match (r, parent_query) {
            (Ok(x), _) => Ok(x),
            (Err(e), Some(pq)) => Err(wrap(e, &pq)),
            (Err(e), None) => Err(e),
        }
    }

    /// `plan_subquery/6` without wrapping errors in `Ecto.SubQueryError` (CTEs).
    fn prepare_subquery_raw(
        &mut self,
        inner: Query,
        parent: Option<Rc<Ctx>>,
        cte_names: &[String],
        source: bool,
    ) -> EResult<(Prepared, SubSelect)> {
        {
            if !inner.assocs.is_empty() || !inner.preloads.is_empty() {
                return Err(qerr("cannot preload associations in subquery", &inner, inner.from.loc.span));
            }
            let inner = ensure_select(inner, true)?;
            let mut prep = self.prepare(Rc::new(inner), parent.clone(), cte_names)?;
            let (kind, fields_exprs) = {
                let q = prep.query.clone();
                let fallback;
                let sel = match &q.select {
                    Some(s) => s,
                    None => {
                        fallback = unreachable_select(&q);
                        &fallback
                    }
                };
                self.subquery_select(&sel.clause.expr, sel, &prep, source)?
            };
            // rewrite the select to a map of the fields
            let map = Expr::Map(fields_exprs.iter().map(|(k, e)| (Expr::Lit(Value::atom(k)), e.clone())).collect());
            if let Some(s) = Rc::make_mut(&mut prep.query).select.as_mut() {
                s.clause.expr = map;
            }
            let ctx = self.ctx_of(&prep, parent.clone());
            let mut fields = vec![];
            for (k, e) in &fields_exprs {
                let t = self.expr_type(e, &prep, &ctx, "select")?;
                fields.push((k.clone(), t));
            }
            // selected_as aliases take the place of the key names
            let fields = normalize_subquery_types(fields, &fields_exprs);
            Ok((prep, SubSelect { kind, fields }))
        }
    }

    /// `subquery_select/3`: the fields a subquery selects as (key, expr).
    fn subquery_select(&mut self, expr: &Expr, sel: &SelectExpr, prep: &Prepared, source: bool) -> EResult<(SubKind, Vec<(String, Expr)>)> {
        let q = &*prep.query;
        match expr {
            Expr::Merge(l, r) => {
                let (lk, lf) = self.subquery_select(l, sel, prep, source)?;
                let (rk, rf) = self.subquery_select(r, sel, prep, source)?;
                let kind = if lk != SubKind::Map { lk } else { rk };
                let mut fields: Vec<(String, Expr)> = lf.into_iter().filter(|(k, _)| !rf.iter().any(|(rk, _)| rk == k)).collect();
                fields.extend(rf);
                Ok((kind, fields))
            }
            Expr::Struct(name, kv) => {
                let (_, f) = self.subquery_select(&Expr::Map(kv.clone()), sel, prep, source)?;
                Ok((SubKind::Struct(name.clone()), f))
            }
            Expr::MapUpdate(data, kv) => {
                let Expr::Var(Bind::Ix(ix)) = &**data else {
                    return self.subquery_select_error(expr, q, source);
                };
                let pairs = self.subquery_pairs(kv, expr, q)?;
                let (kind, all) = self.source_fields(*ix, sel, prep)?;
                let mut fields: Vec<(String, Expr)> = all
                    .into_iter()
                    .filter(|f| !pairs.iter().any(|(k, _)| k == f))
                    .map(|f| (f.clone(), Expr::Field(Bind::Ix(*ix), f.into())))
                    .collect();
                fields.extend(pairs);
                Ok((kind, fields))
            }
            Expr::Map(kv) => Ok((SubKind::Map, self.subquery_pairs(kv, expr, q)?)),
            Expr::Var(Bind::Ix(ix)) => {
                let (kind, all) = self.source_fields(*ix, sel, prep)?;
                Ok((kind, all.into_iter().map(|f| (f.clone(), Expr::Field(Bind::Ix(*ix), f.into()))).collect()))
            }
            Expr::Field(Bind::Ix(_), f) => Ok((SubKind::Map, vec![(f.to_string(), expr.clone())])),
            _ => self.subquery_select_error(expr, q, source),
        }
    }

    fn subquery_select_error(&mut self, expr: &Expr, q: &Query, source: bool) -> EResult<(SubKind, Vec<(String, Expr)>)> {
        if source {
            return Err(qerr(
                format!(
                    "subquery/cte must select a source (t), a field (t.field) or a map, got: `{}`",
                    super::inspect::expr_to_string(expr, &[], &[])
                ),
                q,
                q.from.loc.span,
            ));
        }
        Ok((SubKind::Map, vec![("result".to_string(), expr.clone())]))
    }

    fn subquery_pairs(&mut self, kv: &[(Expr, Expr)], whole: &Expr, q: &Query) -> EResult<Vec<(String, Expr)>> {
        let mut out = vec![];
        for (k, v) in kv {
            let Expr::Lit(kv_) = k else {
                return Err(qerr(
                    format!(
                        "only atom keys are allowed when selecting a map in subquery, got: `{}`",
                        super::inspect::expr_to_string(whole, &[], &[])
                    ),
                    q,
                    q.from.loc.span,
                ));
            };
            let Some(key) = kv_.as_atom() else {
                return Err(qerr(
                    format!(
                        "only atom keys are allowed when selecting a map in subquery, got: `{}`",
                        super::inspect::expr_to_string(whole, &[], &[])
                    ),
                    q,
                    q.from.loc.span,
                ));
            };
            let valid = !matches!(
                v,
                Expr::Tuple(_)
                    | Expr::List(_)
                    | Expr::Map(_)
                    | Expr::MapUpdate(..)
                    | Expr::Var(_)
                    | Expr::Struct(..)
                    | Expr::Lit(Value::Atom(_))
                    | Expr::Lit(Value::List(_))
            );
            if !valid {
                return Err(qerr(
                    format!(
                        "atoms, structs, maps, lists, tuples and sources are not allowed as map values in subquery, got: `{}`",
                        super::inspect::expr_to_string(whole, &[], &[])
                    ),
                    q,
                    q.from.loc.span,
                ));
            }
            out.push((key.to_string(), v.clone()));
        }
        Ok(out)
    }

    /// The field names a source contributes when selected whole (`take!`).
    fn source_fields(&mut self, ix: usize, sel: &SelectExpr, prep: &Prepared) -> EResult<(SubKind, Vec<String>)> {
        let q = &*prep.query;
        let take = sel.take.iter().find(|(i, _, _)| *i == ix);
        match prep.sources.get(ix) {
            Some(SrcInfo::Table { table, schema, prefix }) => {
                let fields: Vec<String> = match take {
                    Some((_, _, f)) => f.iter().filter_map(|v| v.as_atom().map(|a| a.to_string())).collect(),
                    None => match schema {
                        Some(s) => s.query_fields().map(|f| f.name.clone()).collect(),
                        None => {
                            return Err(qerr(
                                "subquery/cte must select a source (t), a field (t.field) or a map, got: `t`",
                                q,
                                q.from.loc.span,
                            ))
                        }
                    },
                };
                let kind_map = matches!(take, Some((_, TakeKind::Map, _)));
                let schema_name = if kind_map { None } else { schema.as_ref().map(|s| s.module.clone()) };
                Ok((
                    SubKind::Source { table: Some(table.to_string()), schema: schema_name, prefix: prefix.clone().or(q.prefix.clone()) },
                    fields,
                ))
            }
            Some(SrcInfo::Sub(info)) => {
                let fields: Vec<String> = match take {
                    Some((_, _, f)) => f.iter().filter_map(|v| v.as_atom().map(|a| a.to_string())).collect(),
                    None => info.fields.iter().map(|(k, _)| k.clone()).collect(),
                };
                Ok((info.kind.clone(), fields))
            }
            _ => Ok((SubKind::Map, vec![])),
        }
    }

    fn ctx_of(&self, prep: &Prepared, parent: Option<Rc<Ctx>>) -> Rc<Ctx> {
        Rc::new(Ctx { sources: prep.sources.clone(), query: prep.query.clone(), parent })
    }

    // ------------------------------------------------------------------
    // Associations

    /// `Ecto.Association.*.joins_query/1`: `from o in owner` plus the joins
    /// that reach the associated schema, `on` expressions included.
    fn assoc_joins_query(&mut self, owner: &Rc<Schema>, assoc: &crate::schema::Assoc, span: Span) -> EResult<Query> {
        let from_src = Source::Table { table: None, schema: Some(owner.module.clone()) };
        let mut q = Query::from_source(from_src, None);
        let mk_join = |src: Source, on: Expr| super::assoc::join_expr(src, on, span);
        let related_src = |a: &crate::schema::Assoc| Source::Table { table: a.related_source.clone(), schema: a.related.clone() };
        match &assoc.kind {
            AssocKind::Has { .. } | AssocKind::BelongsTo => {
                let on = Expr::call("==", vec![Expr::field(1, &assoc.related_key), Expr::field(0, &assoc.owner_key)]);
                q.joins.push(mk_join(related_src(assoc), on));
                super::assoc::combine_joins_query(&mut q, &assoc.where_, 1);
            }
            AssocKind::ManyToMany { join_through, join_keys, join_where, .. } => {
                let [(join_owner_key, owner_key), (join_related_key, related_key)] = join_keys.clone();
                let jt = super::assoc::through_source(join_through);
                q.joins.push(mk_join(jt, Expr::call("==", vec![Expr::field(1, &join_owner_key), Expr::field(0, &owner_key)])));
                q.joins.push(mk_join(
                    related_src(assoc),
                    Expr::call("==", vec![Expr::field(1, &join_related_key), Expr::field(2, &related_key)]),
                ));
                super::assoc::combine_joins_query(&mut q, &assoc.where_, 2);
                // join_where applies to the join table (binding 1), on the last join.
                super::assoc::combine_joins_query(&mut q, join_where, 1);
            }
            AssocKind::Through { through } => {
                let rels = self.resolve_through_forward(owner, through, span)?;
                let mut prev = rels[0].clone();
                for (k, cur) in rels.iter().enumerate().skip(1) {
                    let counter = k - 1;
                    let on = Expr::call("==", vec![Expr::field(counter, &prev.out_key), Expr::field(counter + 1, &cur.in_key)]);
                    q.joins.push(mk_join(cur.source.clone(), on));
                    super::assoc::combine_joins_query(&mut q, &cur.where_, counter + 1);
                    prev = cur.clone();
                }
            }
        }
        Ok(q)
    }

    fn resolve_through_forward(&mut self, owner: &Rc<Schema>, through: &[String], span: Span) -> EResult<Vec<Rel>> {
        // flatten nested throughs
        let flat = self.flatten_through(owner.clone(), through, span)?;
        // backward
        let mut list: Vec<Rel> = vec![Rel {
            source: Source::Table { table: None, schema: Some(owner.module.clone()) },
            out_key: String::new(),
            in_key: String::new(),
            where_: Value::list(vec![]),
        }];
        let mut cur_owner = owner.clone();
        for name in &flat {
            let Some(refl) = cur_owner.assoc(name).cloned() else {
                return Err(Error::raise(
                    "ArgumentError",
                    format!("schema {} does not have association {}", cur_owner.module, inspect(&Value::atom(name))),
                    span,
                ));
            };
            let mut owner_map = list.remove(0);
            match &refl.kind {
                AssocKind::ManyToMany { join_through, join_keys, join_where, .. } => {
                    let [(owner_join_key, owner_key), (related_join_key, related_key)] = join_keys.clone();
                    owner_map.in_key = owner_key;
                    let jt = super::assoc::through_source(join_through);
                    let join_map = Rel { source: jt, out_key: owner_join_key, in_key: related_join_key, where_: join_where.clone() };
                    let related_map = Rel {
                        source: Source::Table { table: refl.related_source.clone(), schema: refl.related.clone() },
                        out_key: related_key,
                        in_key: String::new(),
                        where_: refl.where_.clone(),
                    };
                    list.insert(0, owner_map);
                    list.insert(0, join_map);
                    list.insert(0, related_map);
                }
                _ => {
                    owner_map.in_key = refl.owner_key.clone();
                    let related_map = Rel {
                        source: Source::Table { table: refl.related_source.clone(), schema: refl.related.clone() },
                        out_key: refl.related_key.clone(),
                        in_key: String::new(),
                        where_: refl.where_.clone(),
                    };
                    list.insert(0, owner_map);
                    list.insert(0, related_map);
                }
            }
            let Some(next) = refl.related.as_deref().and_then(|r| self.schema(r)) else {
                return Err(Error::raise(
                    "ArgumentError",
                    format!("association {} has no related schema", inspect(&Value::atom(name))),
                    span,
                ));
            };
            cur_owner = next;
        }
        // forward: reverse and swap in/out
        list.reverse();
        let list: Vec<Rel> = list.into_iter().map(|r| Rel { out_key: r.in_key, in_key: r.out_key, ..r }).collect();
        // drop redundant hops (keep the first)
        let filtered: Vec<Rel> = list
            .into_iter()
            .enumerate()
            .filter(|(i, r)| *i == 0 || r.in_key != r.out_key || !is_empty_list(&r.where_))
            .map(|(_, r)| r)
            .collect();
        Ok(filtered)
    }

    fn flatten_through(&mut self, owner: Rc<Schema>, through: &[String], span: Span) -> EResult<Vec<String>> {
        let mut acc = vec![];
        let mut owner = owner;
        for name in through {
            let Some(refl) = owner.assoc(name).cloned() else {
                return Err(Error::raise(
                    "ArgumentError",
                    format!("schema {} does not have association {}", owner.module, inspect(&Value::atom(name))),
                    span,
                ));
            };
            match &refl.kind {
                AssocKind::Through { through: nested } => {
                    let inner = self.flatten_through(owner.clone(), nested, span)?;
                    // the owner after a nested through is the end of that chain
                    let mut o = owner.clone();
                    for n in &inner {
                        if let Some(r) = o.assoc(n).and_then(|a| a.related.clone()) {
                            if let Some(s) = self.schema(&r) {
                                o = s;
                            }
                        }
                    }
                    acc.extend(inner);
                    owner = o;
                }
                _ => {
                    acc.push(name.clone());
                    let related = refl.related.clone().unwrap_or_default();
                    owner = crate::schema::require(self.interp, &related, span)?;
                }
            }
        }
        Ok(acc)
    }

    // ------------------------------------------------------------------
    // Phase 2: normalize (traversal order)

    fn normalize(&mut self, mut prep: Prepared, op: Op, parent: Option<Rc<Ctx>>, mode: SelectMode) -> EResult<Planned> {
        let q = prep.query.clone();
        let ctx = self.ctx_of(&prep, parent.clone());
        // A CTE's query is only traversed (Ecto's `validate_and_increment(:with_cte, ...)`):
        // its operation's shape checks do not run, so an `:all` CTE may carry `update`.
        match op {
            _ if mode == SelectMode::Cte => {}
            Op::All | Op::InsertAll => {
                if !q.updates.is_empty() {
                    return Err(qerr(format!("`{}` does not allow `update` expressions", op.name()), &q, q.from.loc.span));
                }
            }
            Op::UpdateAll => {
                self.assert_update(&q, &prep, op)?;
                assert_only_filters(&q, op)?;
            }
            Op::DeleteAll => {
                if !q.updates.is_empty() {
                    return Err(qerr(format!("`{}` does not allow `update` expressions", op.name()), &q, q.from.loc.span));
                }
                assert_only_filters(&q, op)?;
            }
        }
        let mut out = Planned {
            op,
            sources: vec![],
            from_hints: q.from.hints.clone(),
            joins: Vec::with_capacity(prep.joins.len()),
            wheres: Vec::with_capacity(q.wheres.len()),
            havings: Vec::with_capacity(q.havings.len()),
            group_bys: Vec::with_capacity(q.group_bys.len()),
            order_bys: Vec::with_capacity(q.order_bys.len()),
            distinct: None,
            select: None,
            limit: None,
            offset: None,
            lock: q.lock.clone(),
            windows: vec![],
            combinations: vec![],
            with: None,
            updates: vec![],
            preloads: q.preloads.clone(),
            query: q.clone(),
        };
        // sources as they will be printed (subqueries filled in at from/join)
        let mut sources: Vec<Option<PSource>> = prep
            .sources
            .iter()
            .map(|s| match s {
                SrcInfo::Table { table, schema, prefix } => {
                    Some(PSource::Table { table: table.clone(), schema: schema.clone(), prefix: prefix.clone() })
                }
                _ => None,
            })
            .collect();
        let mut pending = std::mem::take(&mut prep.pending);

        let order: &[&str] = match op {
            Op::All | Op::InsertAll => &[
                "with_cte",
                "distinct",
                "select",
                "from",
                "join",
                "where",
                "group_by",
                "having",
                "windows",
                "combination",
                "order_by",
                "limit",
                "offset",
            ],
            Op::UpdateAll => &["with_cte", "from", "update", "join", "where", "select"],
            Op::DeleteAll => &["with_cte", "from", "join", "where", "select"],
        };
        for step in order {
            match *step {
                "with_cte" => {
                    if let Some(w) = &q.with_ctes {
                        let mut ctes = vec![];
                        for cte in &w.queries {
                            let operation = Op::from_name(&cte.operation).unwrap_or(Op::All);
                            let body = match &cte.query {
                                CteQuery::Query(cq) => {
                                    let mut cq = (**cq).clone();
                                    if cq.prefix.is_none() {
                                        cq.prefix = q.prefix.clone();
                                    }
                                    let (inner_prep, _) = self.prepare_subquery_raw(cq, Some(ctx.clone()), &prep.cte_names, true)?;
                                    let planned = self.normalize(inner_prep, operation, Some(ctx.clone()), SelectMode::Cte)?;
                                    PCteBody::Query(Rc::new(planned))
                                }
                                CteQuery::Fragment(c) => {
                                    let cl = Cl {
                                        kind: "with_cte",
                                        params: &c.params,
                                        subqueries: &c.subqueries,
                                        span: c.loc.span,
                                        id: next_id(),
                                    };
                                    PCteBody::Fragment(self.norm(&c.expr, &cl, &prep, &ctx)?)
                                }
                            };
                            ctes.push(PCte { name: cte.name.clone(), materialized: cte.materialized, operation, body });
                        }
                        out.with = Some(PWith { recursive: w.recursive, ctes });
                    }
                }
                "distinct" => {
                    if let Some(d) = &q.distinct {
                        let cl = Cl { kind: "distinct", params: &d.params, subqueries: &d.subqueries, span: d.loc.span, id: next_id() };
                        out.distinct = Some(match &d.expr {
                            Distinct::Bool(b) => Distinct::Bool(*b),
                            Distinct::Exprs(es) => {
                                let mut v = Vec::with_capacity(es.len());
                                for (dir, e) in es {
                                    v.push((*dir, self.norm(e, &cl, &prep, &ctx)?));
                                }
                                Distinct::Exprs(v)
                            }
                        });
                    }
                }
                "select" => {
                    if let Some(sel) = &q.select {
                        let ps = self.norm_select(sel, &prep, &ctx, mode, op)?;
                        out.select = Some(ps);
                    }
                }
                "from" => {
                    if !matches!(op, Op::All | Op::InsertAll) && matches!(q.from.source, Source::Subquery(_)) {
                        return Err(qerr(format!("`{}` does not allow subqueries in `from`", op.name()), &q, q.from.loc.span));
                    }
                    let src = self.norm_pending(&mut pending, 0, &prep, &ctx, "from", &prep.from_params, q.from.loc.span)?;
                    if let Some(s) = src {
                        sources[0] = Some(s);
                    }
                }
                "join" => {
                    for j in prep.joins.iter() {
                        let on = prep.join_on(j);
                        let src = self.norm_pending(&mut pending, j.ix, &prep, &ctx, "join", &j.source_params, on.loc.span)?;
                        if let Some(s) = src {
                            if let Some(slot) = sources.get_mut(j.ix) {
                                *slot = Some(s);
                            }
                        }
                        let cl = Cl { kind: "join", params: &on.params, subqueries: &on.subqueries, span: on.loc.span, id: next_id() };
                        let on = self.norm(&on.expr, &cl, &prep, &ctx)?;
                        out.joins.push(PJoin { qual: j.qual, ix: j.ix, on, hints: j.hints.clone() });
                    }
                }
                "where" => {
                    for w in &q.wheres {
                        let cl = Cl {
                            kind: "where",
                            params: &w.clause.params,
                            subqueries: &w.clause.subqueries,
                            span: w.clause.loc.span,
                            id: next_id(),
                        };
                        let e = self.norm(&w.clause.expr, &cl, &prep, &ctx)?;
                        out.wheres.push((w.op, e));
                    }
                }
                "group_by" => {
                    for g in &q.group_bys {
                        let cl = Cl { kind: "group_by", params: &g.params, subqueries: &g.subqueries, span: g.loc.span, id: next_id() };
                        let mut v = Vec::with_capacity(g.expr.len());
                        for e in &g.expr {
                            v.push(self.norm(e, &cl, &prep, &ctx)?);
                        }
                        if !v.is_empty() {
                            out.group_bys.push(v);
                        }
                    }
                }
                "having" => {
                    for h in &q.havings {
                        let cl = Cl {
                            kind: "having",
                            params: &h.clause.params,
                            subqueries: &h.clause.subqueries,
                            span: h.clause.loc.span,
                            id: next_id(),
                        };
                        let e = self.norm(&h.clause.expr, &cl, &prep, &ctx)?;
                        out.havings.push((h.op, e));
                    }
                }
                "windows" => {
                    for (name, w) in &q.windows {
                        let cl = Cl { kind: "windows", params: &w.params, subqueries: &w.subqueries, span: w.loc.span, id: next_id() };
                        let def = self.norm_window(&w.expr, &cl, &prep, &ctx)?;
                        out.windows.push((name.clone(), def));
                    }
                }
                "combination" => {
                    for (kind, cq) in &q.combinations {
                        let mut cq = cq.clone();
                        if cq.prefix.is_none() {
                            cq.prefix = q.prefix.clone();
                        }
                        let cq = ensure_select(cq, true)?;
                        let cprep = self.prepare(Rc::new(cq), parent.clone(), &prep.cte_names)?;
                        let planned = self.normalize(cprep, op, parent.clone(), SelectMode::Combination)?;
                        out.combinations.push((*kind, Rc::new(planned)));
                    }
                }
                "order_by" => {
                    for o in &q.order_bys {
                        let cl = Cl { kind: "order_by", params: &o.params, subqueries: &o.subqueries, span: o.loc.span, id: next_id() };
                        let mut v = Vec::with_capacity(o.expr.len());
                        for (d, e) in &o.expr {
                            v.push((*d, self.norm(e, &cl, &prep, &ctx)?));
                        }
                        if !v.is_empty() {
                            out.order_bys.push(v);
                        }
                    }
                }
                "limit" => {
                    if let Some(l) = &q.limit {
                        let cl = Cl {
                            kind: "limit",
                            params: &l.clause.params,
                            subqueries: &l.clause.subqueries,
                            span: l.clause.loc.span,
                            id: next_id(),
                        };
                        out.limit = Some((self.norm(&l.clause.expr, &cl, &prep, &ctx)?, l.with_ties));
                    }
                }
                "offset" => {
                    if let Some(o) = &q.offset {
                        let cl = Cl { kind: "offset", params: &o.params, subqueries: &o.subqueries, span: o.loc.span, id: next_id() };
                        out.offset = Some(self.norm(&o.expr, &cl, &prep, &ctx)?);
                    }
                }
                "update" => {
                    for u in &q.updates {
                        let cl = Cl { kind: "update", params: &u.params, subqueries: &u.subqueries, span: u.loc.span, id: next_id() };
                        for (op_, kw) in &u.expr {
                            for (field, e) in kw {
                                let col = field_source(prep.sources.first(), field);
                                let v = self.norm(e, &cl, &prep, &ctx)?;
                                out.updates.push((*op_, col, v));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        out.sources = sources
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                s.unwrap_or_else(|| match &prep.sources[i] {
                    SrcInfo::Table { table, schema, prefix } => {
                        PSource::Table { table: table.clone(), schema: schema.clone(), prefix: prefix.clone() }
                    }
                    _ => PSource::Fragment { parts: vec![] },
                })
            })
            .collect();
        // plan_assocs: preloaded join associations
        self.check_assocs(&q, &prep)?;
        Ok(out)
    }

    fn check_assocs(&mut self, q: &Query, prep: &Prepared) -> EResult<()> {
        fn walk(p: &mut Planner, q: &Query, prep: &Prepared, ix: usize, assocs: &[AssocPreload]) -> EResult<()> {
            if assocs.is_empty() {
                return Ok(());
            }
            let schema = match prep.sources.get(ix) {
                Some(SrcInfo::Table { schema: Some(s), .. }) => s.clone(),
                _ => {
                    return Err(qerr(
                        "can only preload sources with a schema (fragments, binaries, and subqueries that do not select a from/join schema are not supported)",
                        q,
                        q.from.loc.span,
                    ))
                }
            };
            for a in assocs {
                if schema.assoc(&a.name).is_none() {
                    return Err(qerr(format!("field `{}.{}` in preload is not an association", schema.module, a.name), q, q.from.loc.span));
                }
                if let Some(j) = prep.joins.iter().find(|j| j.ix == a.ix) {
                    if !matches!(j.qual, JoinQual::Inner | JoinQual::Left | JoinQual::InnerLateral | JoinQual::LeftLateral) {
                        return Err(qerr(
                            format!(
                                "association `{}.{}` in preload requires an inner, left or lateral join, got {} join",
                                schema.module,
                                a.name,
                                j.qual.as_atom()
                            ),
                            q,
                            q.from.loc.span,
                        ));
                    }
                }
                walk(p, q, prep, a.ix, &a.children)?;
            }
            Ok(())
        }
        walk(self, q, prep, 0, &q.assocs)
    }

    /// Normalizes a pending subquery/fragment source when the walk reaches it.
    #[allow(clippy::too_many_arguments)]
    fn norm_pending(
        &mut self,
        pending: &mut [Pending],
        ix: usize,
        prep: &Prepared,
        ctx: &Rc<Ctx>,
        kind: &'static str,
        params: &[Param],
        span: Span,
    ) -> EResult<Option<PSource>> {
        let Some(slot) = pending.get_mut(ix) else { return Ok(None) };
        match std::mem::replace(slot, Pending::None) {
            Pending::None => Ok(None),
            Pending::Sub(sub) => {
                let info = match &prep.sources[ix] {
                    SrcInfo::Sub(i) => i.clone(),
                    _ => Rc::new(SubSelect { kind: SubKind::Map, fields: vec![] }),
                };
                let q = sub.query.clone();
                let planned = self
                    .normalize(*sub, Op::All, Some(ctx.clone()), SelectMode::SubqueryAliased)
                    .map_err(|e| subquery_error(e, &prep.query))?;
                let _ = q;
                Ok(Some(PSource::Subquery { planned: Rc::new(planned), info }))
            }
            Pending::Fragment(parts) => {
                let cl = Cl { kind, params, subqueries: &[], span, id: next_id() };
                let f = self.norm(&Expr::Fragment(parts), &cl, prep, ctx)?;
                match f {
                    Expr::Fragment(parts) => Ok(Some(PSource::Fragment { parts })),
                    _ => Ok(None),
                }
            }
            Pending::Values(types, num_rows) => {
                // `cast_and_merge_params/5` on the source's params (cast with
                // the declared types), then `prewalk_source/6`'s schema types.
                let start = self.params.len() + self.base;
                for p in params {
                    if let Param::Value(v, qt) = p {
                        let pairs = self.cast_param(kind, v, qt, prep, ctx, span)?;
                        self.push(pairs);
                    }
                }
                let mut prim = Vec::with_capacity(types.len());
                for (k, t) in types.iter() {
                    prim.push((k.clone(), types::adapter::underlying(self.interp, t, span)?.to_value()));
                }
                Ok(Some(PSource::Values { types: prim, start, num_rows }))
            }
        }
    }

    fn assert_update(&mut self, q: &Query, prep: &Prepared, op: Op) -> EResult<()> {
        let schema = match prep.sources.first() {
            Some(SrcInfo::Table { schema: Some(s), .. }) => Some(s.clone()),
            _ => None,
        };
        let mut seen: Vec<&str> = vec![];
        for u in &q.updates {
            for (_, kw) in &u.expr {
                for (k, _) in kw {
                    if seen.contains(&k.as_str()) {
                        return Err(qerr(format!("duplicate field `{k}` for `{}`", op.name()), q, u.loc.span));
                    }
                    if let Some(s) = &schema {
                        match s.field(k) {
                            Some(f) if f.writable == crate::schema::Writable::Always => {}
                            _ => {
                                return Err(qerr(
                                    format!("cannot update non-updatable field `{}`", inspect(&Value::atom(k))),
                                    q,
                                    u.loc.span,
                                ))
                            }
                        }
                    }
                    seen.push(k);
                }
            }
        }
        if seen.is_empty() {
            return Err(qerr(format!("`{}` requires at least one field to be updated", op.name()), q, q.from.loc.span));
        }
        Ok(())
    }

    // ------------------------------------------------------------------
    // Expressions

    /// `get_ix!/3`: the binding index and the context (query) it lives in.
    #[allow(clippy::overly_complex_bool_expr)]
    fn get_ix(&self, b: &Bind, kind: &str, prep: &Prepared, ctx: &Rc<Ctx>, span: Span) -> EResult<(usize, Rc<Ctx>)> {
        match b {
            Bind::Ix(ix) => Ok((*ix, ctx.clone())),
            Bind::As(name) => match prep.query.alias_ix(name) {
                Some(ix) => Ok((ix, ctx.clone())),
                None => Err(qerr(format!("could not find named binding `as({})`", inspect(&Value::atom(name))), &prep.query, span)),
            },
            Bind::ParentAs(name) => {
                let mut cur = ctx.parent.clone();
                while let Some(p) = cur {
                    if let Some((_, ix)) = p.query.aliases.iter().find(|(n, _)| n == name) {
                        if kind == "select" && *ix >= p.sources.len().max(1) && false {
                            return Err(qerr(
                                "the parent_as in a subquery select used as a join can only access the `from` binding",
                                &prep.query,
                                span,
                            ));
                        }
                        return Ok((*ix, p.clone()));
                    }
                    cur = p.parent.clone();
                }
                Err(qerr(format!("could not find named binding `parent_as({})`", inspect(&Value::atom(name))), &prep.query, span))
            }
        }
    }

    /// `type!/6`: the type of `field` in source `ix`.
    #[allow(clippy::too_many_arguments)]
    fn field_type(
        &mut self,
        kind: &str,
        sources: &[SrcInfo],
        q: &Query,
        ix: usize,
        field: &str,
        allow_virtuals: bool,
        span: Span,
    ) -> EResult<Type> {
        let Some(src) = sources.get(ix) else {
            return Err(qerr(
                format!("invalid query has specified more bindings than bindings available in `{kind}` (look for `unknown_binding!` in the printed query below)"),
                q,
                span,
            ));
        };
        match src {
            SrcInfo::Fragment => Ok(Type::Any),
            SrcInfo::Values(types) => match types.iter().find(|(k, _)| k == field) {
                Some((_, t)) => Ok(t.clone()),
                None => Err(qerr(format!("field `{field}` in `{kind}` does not exist in values list"), q, span)),
            },
            SrcInfo::Table { schema: None, .. } => Ok(Type::Any),
            SrcInfo::Table { schema: Some(s), .. } => {
                if let Some(f) = s.field(field) {
                    return Ok(f.type_());
                }
                if allow_virtuals {
                    if let Some(f) = s.virtual_fields().find(|f| f.name == field) {
                        return Ok(f.type_());
                    }
                }
                if s.struct_fields.iter().any(|(k, _)| &**k == field) {
                    return Err(match s.assoc(field) {
                        Some(a) if matches!(a.kind, AssocKind::BelongsTo) => qerr(
                            format!(
                                "field `{field}` in `{kind}` is an association in schema {}. Did you mean to use `{}`?",
                                s.module, a.owner_key
                            ),
                            q,
                            span,
                        ),
                        Some(_) => qerr(format!("field `{field}` in `{kind}` is an association in schema {}", s.module), q, span),
                        None => qerr(format!("field `{field}` in `{kind}` is a virtual field in schema {}", s.module), q, span),
                    });
                }
                Err(qerr(format!("field `{field}` in `{kind}` does not exist in schema {}", s.module), q, span))
            }
            SrcInfo::Sub(info) => match info.fields.iter().find(|(k, _)| k == field) {
                Some((_, Some(t))) => Ok(t.clone()),
                Some((_, None)) => Ok(Type::Any),
                None => Err(qerr(format!("field `{field}` does not exist in subquery"), q, span)),
            },
        }
    }

    /// `field_type!/5`: resolves a builder type (with field references).
    fn resolve_qtype(
        &mut self,
        t: &QType,
        kind: &str,
        prep: &Prepared,
        ctx: &Rc<Ctx>,
        span: Span,
        allow_virtuals: bool,
    ) -> EResult<ResolvedType> {
        Ok(match t {
            QType::Any => ResolvedType::T(Type::Any),
            QType::Term(v) => ResolvedType::T(Type::from_value(v).unwrap_or(Type::Any)),
            QType::Field(b, f) => {
                let (ix, c) = self.get_ix(b, kind, prep, ctx, span)?;
                let t = self.field_type(kind, &c.sources, &c.query, ix, f, allow_virtuals, span)?;
                ResolvedType::T(t)
            }
            QType::Array(i) => match self.resolve_qtype(i, kind, prep, ctx, span, allow_virtuals)? {
                ResolvedType::T(t) => ResolvedType::T(Type::Array(Box::new(t))),
                other => other,
            },
            QType::In(i) => match self.resolve_qtype(i, kind, prep, ctx, span, allow_virtuals)? {
                ResolvedType::T(t) => ResolvedType::T(Type::In(Box::new(t))),
                other => other,
            },
            QType::Out(i) => match self.resolve_qtype(i, kind, prep, ctx, span, allow_virtuals)? {
                ResolvedType::T(t) => ResolvedType::Out(t),
                other => other,
            },
            QType::Splice(i) => match self.resolve_qtype(i, kind, prep, ctx, span, allow_virtuals)? {
                ResolvedType::T(t) => ResolvedType::Splice(t),
                other => other,
            },
            QType::Tuple(_) => ResolvedType::T(Type::Any),
            QType::SupertypeDatetime => ResolvedType::T(Type::SupertypeDatetime),
        })
    }

    /// `cast_param/6` + `dump_param/3`: returns the dumped values to push
    /// (several for `in`/`splice` on adapters that expand lists).
    #[allow(clippy::too_many_arguments)]
    fn cast_param(&mut self, kind: &str, v: &Value, qt: &QType, prep: &Prepared, ctx: &Rc<Ctx>, span: Span) -> EResult<Casted> {
        let q = &prep.query;
        if v.downcast::<super::value::DynamicExpr>().is_some() {
            return Err(qerr(
                "invalid dynamic expression\n\ndynamic expressions can only be interpolated at the top level of where, having, group_by, order_by, select, update or a join's on",
                q,
                span,
            ));
        }
        if let Some(items) = v.as_list() {
            if let Some(first) = items.first() {
                if matches!(first.as_tuple(), Some([k, _]) if k.is_atom()) {
                    return Err(qerr(
                        "invalid keyword list\n\nkeyword lists are only allowed at the top level of where, having, distinct, order_by, update or a join's on",
                        q,
                        span,
                    ));
                }
            }
        }
        if matches!(qt, QType::In(_))
            && (v.downcast::<super::value::QueryValue>().is_some() || v.downcast::<super::value::SubQueryValue>().is_some())
        {
            return Err(qerr(
                format!(
                    "an {} struct is not supported as right-side value of `in` operator\n\nDid you mean to write `expr in subquery(query)` instead?",
                    v.struct_name().unwrap_or("Ecto.Query")
                ),
                q,
                span,
            ));
        }
        let rt = self.resolve_qtype(qt, kind, prep, ctx, span, false)?;
        let ty = match rt {
            ResolvedType::T(t) => t,
            ResolvedType::Out(t) => match t {
                Type::Array(inner) => *inner,
                Type::Any => Type::Any,
                other => {
                    return Err(cast_error(
                        v,
                        &other,
                        format!(
                            "value `{}` in `{kind}` expected to be part of an array but matched type is {}",
                            inspect(v),
                            type_str(&other)
                        ),
                        q,
                        span,
                    ))
                }
            },
            ResolvedType::Splice(t) => {
                // {:splice, t}: cast and dump each element.
                let Some(items) = v.as_list() else {
                    return Err(cast_error(
                        v,
                        &t,
                        format!("value `{}` in `{kind}` cannot be cast to type {{:splice, {}}}", inspect(v), type_str(&t)),
                        q,
                        span,
                    ));
                };
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.cast_dump_one(kind, item, &t, q, span)?);
                }
                return Ok(Casted::Many(out));
            }
        };
        // `x in ^ids` over integers on SQLite (preloads, `where: p.id in ^ids`):
        // one parameter per integer, each cast and dumped to itself, as the
        // general path below finds.
        if let (Type::In(inner), Some(items), Dialect::Sqlite) = (&ty, v.as_list(), self.dialect) {
            if matches!(**inner, Type::Id | Type::Integer) && items.iter().all(|i| matches!(i, Value::Int(_))) {
                return Ok(Casted::Many(items.iter().map(|i| (i.clone(), i.clone())).collect()));
            }
        }
        let cast = match types::cast(self.interp, &ty, v, span)? {
            types::Cast::Ok(c) => c,
            _ => {
                return Err(cast_error(
                    v,
                    &ty,
                    format!("value `{}` in `{kind}` cannot be cast to type {}", inspect(v), type_str(&ty)),
                    q,
                    span,
                ))
            }
        };
        let dumped = match types::adapter_dump(self.interp, self.dialect.adapter(), &ty, &cast, span)? {
            Some(d) => d,
            None => {
                return Err(cast_error(v, &ty, format!("value `{}` cannot be dumped to type {}", inspect(&cast), type_str(&ty)), q, span))
            }
        };
        // {:in, list} from adapters that expand lists into several params
        if let Some([tag, list]) = dumped.as_tuple() {
            if tag.as_atom() == Some("in") {
                let casts = cast.as_list().map(|l| l.to_vec()).unwrap_or_default();
                let dumps = list.as_list().map(|l| l.to_vec()).unwrap_or_default();
                return Ok(Casted::Many(casts.into_iter().zip(dumps).collect()));
            }
        }
        Ok(Casted::One(cast, dumped))
    }

    fn cast_dump_one(&mut self, kind: &str, v: &Value, ty: &Type, q: &Query, span: Span) -> EResult<(Value, Value)> {
        let cast = match types::cast(self.interp, ty, v, span)? {
            types::Cast::Ok(c) => c,
            _ => {
                return Err(cast_error(
                    v,
                    ty,
                    format!("value `{}` in `{kind}` cannot be cast to type {}", inspect(v), type_str(ty)),
                    q,
                    span,
                ))
            }
        };
        let dumped = match types::adapter_dump(self.interp, self.dialect.adapter(), ty, &cast, span)? {
            Some(d) => d,
            None => {
                return Err(cast_error(v, ty, format!("value `{}` cannot be dumped to type {}", inspect(&cast), type_str(ty)), q, span))
            }
        };
        Ok((cast, dumped))
    }

    fn push(&mut self, pairs: Casted) -> (usize, usize) {
        let start = self.params.len() + self.base;
        match pairs {
            Casted::One(c, d) => {
                self.cast_params.push(c);
                self.params.push(d);
            }
            Casted::Many(pairs) => {
                self.cast_params.reserve(pairs.len());
                self.params.reserve(pairs.len());
                for (c, d) in pairs {
                    self.cast_params.push(c);
                    self.params.push(d);
                }
            }
        }
        (start, self.params.len() + self.base - start)
    }

    /// `prewalk/6` for one expression of a clause.
    fn norm(&mut self, e: &Expr, cl: &Cl, prep: &Prepared, ctx: &Rc<Ctx>) -> EResult<Expr> {
        let q = &prep.query;
        Ok(match e {
            Expr::Param(ix) => match cl.params.get(*ix) {
                Some(Param::Value(v, qt)) => {
                    let pairs = self.cast_param(cl.kind, v, qt, prep, ctx, cl.span)?;
                    let (start, _) = self.push(pairs);
                    Expr::Param(start)
                }
                Some(Param::Subquery(i)) => self.norm_subquery_expr(*i, cl, prep, ctx)?,
                None => Expr::Param(*ix),
            },
            Expr::Splice(ix) => {
                let key = (cl.id, *ix);
                if let Some(entry) = self.splices.iter_mut().find(|(c, l, _, _)| (*c, *l) == key) {
                    let idx = entry.2 + entry.3;
                    entry.3 += 1;
                    return Ok(Expr::Param(idx));
                }
                match cl.params.get(*ix) {
                    Some(Param::Value(v, qt)) => {
                        let pairs = self.cast_param(cl.kind, v, qt, prep, ctx, cl.span)?;
                        let (start, _) = self.push(pairs);
                        self.splices.push((cl.id, *ix, start, 1));
                        Expr::Param(start)
                    }
                    _ => Expr::Param(*ix),
                }
            }
            Expr::Subquery(i) => self.norm_subquery_expr(*i, cl, prep, ctx)?,
            Expr::Field(b, f) => {
                let (ix, c) = self.get_ix(b, cl.kind, prep, ctx, cl.span)?;
                let col = field_col(c.sources.get(ix), f);
                let bind = match b {
                    Bind::ParentAs(n) => Bind::ParentAs(n.clone()),
                    _ => Bind::Ix(ix),
                };
                if cl.kind == "select" {
                    self.field_type("select", &c.sources, &c.query, ix, f, false, cl.span)?;
                }
                Expr::Field(bind, col)
            }
            // a string field: no schema lookup, the name as it is
            Expr::FieldStr(b, f) => {
                let (ix, _) = self.get_ix(b, cl.kind, prep, ctx, cl.span)?;
                let bind = match b {
                    Bind::ParentAs(n) => Bind::ParentAs(n.clone()),
                    _ => Bind::Ix(ix),
                };
                Expr::FieldStr(bind, f.clone())
            }
            Expr::Var(b) => {
                let (ix, _) = self.get_ix(b, cl.kind, prep, ctx, cl.span)?;
                match b {
                    Bind::ParentAs(n) => Expr::Var(Bind::ParentAs(n.clone())),
                    _ => Expr::Var(Bind::Ix(ix)),
                }
            }
            Expr::Type(inner, qt) => {
                let arg = self.norm(inner, cl, prep, ctx)?;
                let t = match self.resolve_qtype(qt, cl.kind, prep, ctx, cl.span, true)? {
                    ResolvedType::T(t) | ResolvedType::Out(t) | ResolvedType::Splice(t) => t,
                };
                let prim = types::adapter::underlying(self.interp, &t, cl.span)?;
                Expr::TaggedPrim(Box::new(arg), prim.to_value())
            }
            Expr::Tagged(inner, qt) => {
                if let QType::Term(tv) = qt {
                    if Type::from_value(tv).map(|t| t.is_base()).unwrap_or(false) {
                        return Ok(Expr::TaggedPrim(inner.clone(), tv.clone()));
                    }
                }
                let v = match &**inner {
                    Expr::Lit(v) => v.clone(),
                    other => return self.norm(other, cl, prep, ctx),
                };
                let ty = match self.resolve_qtype(qt, cl.kind, prep, ctx, cl.span, false)? {
                    ResolvedType::T(t) => t,
                    ResolvedType::Out(t) => match t {
                        Type::Array(i) => *i,
                        Type::Any => Type::Any,
                        other => {
                            return Err(qerr(
                                format!(
                                    "value `{}` in `{}` expected to be part of an array but matched type is {}. Or the value is incompatible or it must be interpolated (using ^) so it may be cast accordingly",
                                    inspect(&v),
                                    cl.kind,
                                    type_str(&other)
                                ),
                                q,
                                cl.span,
                            ))
                        }
                    },
                    ResolvedType::Splice(t) => t,
                };
                let dumped = types::adapter_dump(self.interp, self.dialect.adapter(), &ty, &v, cl.span)?;
                match dumped {
                    Some(d) => {
                        let prim = types::adapter::underlying(self.interp, &ty, cl.span)?;
                        if d.is_binary() && matches!(prim, Type::BinaryId | Type::Binary) || (d.is_binary() && matches!(&prim, Type::Other(a) if &**a == "uuid")) {
                            return Err(qerr(
                                format!("cannot encode value `{}` of type `{}` within a query, please interpolate (using ^) instead", inspect(&v), type_str(&ty)),
                                q,
                                cl.span,
                            ));
                        }
                        Expr::Lit(d)
                    }
                    None => {
                        return Err(qerr(
                            format!(
                                "value `{}` cannot be dumped to type {}. Or the value is incompatible or it must be interpolated (using ^) so it may be cast accordingly",
                                inspect(&v),
                                type_str(&ty)
                            ),
                            q,
                            cl.span,
                        ))
                    }
                }
            }
            Expr::JsonPath(field, path) => {
                let Expr::Field(b, f) = &**field else {
                    return Ok(e.clone());
                };
                let (ix, c) = self.get_ix(b, cl.kind, prep, ctx, cl.span)?;
                let t = self.field_type(cl.kind, &c.sources, &c.query, ix, f, false, cl.span)?;
                self.validate_json_path(path, f, &t, cl.span)?;
                let col = field_col(c.sources.get(ix), f);
                let bind = match b {
                    Bind::ParentAs(n) => Bind::ParentAs(n.clone()),
                    _ => Bind::Ix(ix),
                };
                let mut np = vec![];
                for p in path {
                    np.push(match p {
                        PathElem::Field(fe) => PathElem::Field(Box::new(self.norm(fe, &Cl { kind: "where", ..*cl }, prep, ctx)?)),
                        other => other.clone(),
                    });
                }
                Expr::JsonPath(Box::new(Expr::Field(bind, col)), np)
            }
            Expr::SelectedAsRef(name) => {
                let ok = q.select.as_ref().map(|s| s.aliases.contains(name)).unwrap_or(false);
                if !ok {
                    return Err(Error::raise(
                        "ArgumentError",
                        format!(
                            "invalid alias: `{}`. Use `selected_as/2` to define aliases in the outer most `select` expression.",
                            inspect(&Value::atom(name))
                        ),
                        cl.span,
                    ));
                }
                e.clone()
            }
            Expr::Call(name, args) if name == "in" && args.len() == 2 => {
                let left = self.norm(&args[0], cl, prep, ctx)?;
                match &args[1] {
                    Expr::Param(ix) => match cl.params.get(*ix) {
                        Some(Param::Value(v, qt)) => {
                            let pairs = self.cast_param(cl.kind, v, qt, prep, ctx, cl.span)?;
                            let len = v.as_list().map(|l| l.len()).unwrap_or(0);
                            let (start, _) = self.push(pairs);
                            Expr::call("in", vec![left, Expr::ParamList(start, len)])
                        }
                        _ => Expr::call("in", vec![left, Expr::Param(*ix)]),
                    },
                    Expr::Subquery(i) => {
                        let right = self.norm_subquery_expr(*i, cl, prep, ctx)?;
                        if let Expr::PlannedSubquery(p) = &right {
                            let n = p.select.as_ref().map(|s| s.fields.len()).unwrap_or(0);
                            if n != 1 {
                                return Err(qerr(
                                    "subquery must return a single field in order to be used on the right-side of `in`",
                                    q,
                                    cl.span,
                                ));
                            }
                        }
                        Expr::call("in", vec![left, right])
                    }
                    other => {
                        let right = self.norm(other, cl, prep, ctx)?;
                        Expr::call("in", vec![left, right])
                    }
                }
            }
            Expr::Call(name, args)
                if (name == "exists" || name == "any" || name == "all") && args.len() == 1 && matches!(args[0], Expr::Subquery(_)) =>
            {
                let Expr::Subquery(i) = args[0] else { return Ok(e.clone()) };
                let sub = self.norm_subquery_expr(i, cl, prep, ctx)?;
                if name != "exists" {
                    if let Expr::PlannedSubquery(p) = &sub {
                        if p.select.as_ref().map(|s| s.fields.len()).unwrap_or(0) != 1 {
                            return Err(qerr(format!("subquery must return a single field in order to be used with {name}"), q, cl.span));
                        }
                    }
                }
                Expr::call(name, vec![sub])
            }
            Expr::Call(name, args) => {
                let mut out = Vec::with_capacity(args.len());
                for a in args {
                    out.push(self.norm(a, cl, prep, ctx)?);
                }
                Expr::Call(name.clone(), out)
            }
            Expr::Over(agg, over) => {
                let a = self.norm(agg, cl, prep, ctx)?;
                let o = match over {
                    Over::Named(n) => Over::Named(n.clone()),
                    Over::Inline(w) => Over::Inline(self.norm_window(w, cl, prep, ctx)?),
                };
                Expr::Over(Box::new(a), o)
            }
            Expr::Fragment(parts) => {
                let mut out = Vec::with_capacity(parts.len());
                for p in parts {
                    out.push(match p {
                        FragPart::Raw(s) => FragPart::Raw(s.clone()),
                        FragPart::Expr(x) => FragPart::Expr(self.norm(x, cl, prep, ctx)?),
                    });
                }
                Expr::Fragment(out)
            }
            Expr::Tuple(es) => Expr::Tuple(es.iter().map(|x| self.norm(x, cl, prep, ctx)).collect::<EResult<Vec<_>>>()?),
            Expr::List(es) => Expr::List(es.iter().map(|x| self.norm(x, cl, prep, ctx)).collect::<EResult<Vec<_>>>()?),
            Expr::Map(kv) => Expr::Map(
                kv.iter().map(|(k, v)| Ok((self.norm(k, cl, prep, ctx)?, self.norm(v, cl, prep, ctx)?))).collect::<EResult<Vec<_>>>()?,
            ),
            Expr::Struct(n, kv) => Expr::Struct(
                n.clone(),
                kv.iter().map(|(k, v)| Ok((self.norm(k, cl, prep, ctx)?, self.norm(v, cl, prep, ctx)?))).collect::<EResult<Vec<_>>>()?,
            ),
            Expr::MapUpdate(d, kv) => Expr::MapUpdate(
                Box::new(self.norm(d, cl, prep, ctx)?),
                kv.iter().map(|(k, v)| Ok((self.norm(k, cl, prep, ctx)?, self.norm(v, cl, prep, ctx)?))).collect::<EResult<Vec<_>>>()?,
            ),
            Expr::Merge(a, b) => Expr::Merge(Box::new(self.norm(a, cl, prep, ctx)?), Box::new(self.norm(b, cl, prep, ctx)?)),
            Expr::SelectedAs(x, n) => Expr::SelectedAs(Box::new(self.norm(x, cl, prep, ctx)?), n.clone()),
            other => other.clone(),
        })
    }

    fn norm_window(&mut self, w: &WindowDef, cl: &Cl, prep: &Prepared, ctx: &Rc<Ctx>) -> EResult<WindowDef> {
        let mut parts = vec![];
        for p in &w.parts {
            parts.push(match p {
                WindowPart::PartitionBy(es) => {
                    WindowPart::PartitionBy(es.iter().map(|x| self.norm(x, cl, prep, ctx)).collect::<EResult<Vec<_>>>()?)
                }
                WindowPart::OrderBy(es) => {
                    WindowPart::OrderBy(es.iter().map(|(d, x)| Ok((*d, self.norm(x, cl, prep, ctx)?))).collect::<EResult<Vec<_>>>()?)
                }
                WindowPart::Frame(x) => WindowPart::Frame(self.norm(x, cl, prep, ctx)?),
            });
        }
        Ok(WindowDef { parts })
    }

    /// A subquery inside an expression (`in`, `exists`, select values).
    fn norm_subquery_expr(&mut self, i: usize, cl: &Cl, prep: &Prepared, ctx: &Rc<Ctx>) -> EResult<Expr> {
        let Some(sq) = cl.subqueries.get(i) else {
            return Ok(Expr::Subquery(i));
        };
        let mut sq = sq.clone();
        if sq.prefix.is_none() {
            sq.prefix = prep.query.prefix.clone();
        }
        let (sprep, _info) = self.prepare_subquery(sq, Some(ctx.clone()), &prep.cte_names, false)?;
        // `prewalk_source/6`: only subqueries in `where` keep their fields unaliased.
        let mode = if cl.kind == "where" { SelectMode::SubqueryWhere } else { SelectMode::SubqueryAliased };
        let planned = self.normalize(sprep, Op::All, Some(ctx.clone()), mode).map_err(|e| subquery_error(e, &prep.query))?;
        Ok(Expr::PlannedSubquery(Rc::new(planned)))
    }

    fn validate_json_path(&mut self, path: &[PathElem], field: &str, ty: &Type, span: Span) -> EResult<()> {
        let Some(first) = path.first() else { return Ok(()) };
        let rest = &path[1..];
        match ty {
            Type::Embedded(params) => {
                let card = params.get_field("cardinality").and_then(|v| v.as_atom()).unwrap_or("one").to_string();
                let related = params.get_field("related").and_then(|v| v.as_atom()).map(|a| alias_name(a).to_string()).unwrap_or_default();
                match first {
                    PathElem::Key(_) | PathElem::Index(_) => {
                        if card == "one" {
                            let key = match first {
                                PathElem::Key(k) => k.clone(),
                                PathElem::Index(i) => i.to_string(),
                                _ => String::new(),
                            };
                            let schema = self.schema(&related);
                            let Some(s) = schema else { return Ok(()) };
                            let Some(t) = s.type_of(&key) else {
                                return Err(Error::raise("RuntimeError", format!("field `{key}` does not exist in {}", s.module), span));
                            };
                            let t = Type::from(t);
                            self.validate_json_path(rest, &key, &t, span)
                        } else {
                            if let PathElem::Key(k) = first {
                                return Err(Error::raise(
                                    "RuntimeError",
                                    format!("cannot use `{k}` to refer to an item in `embeds_many`"),
                                    span,
                                ));
                            }
                            let mut p = params.clone();
                            if let Value::Struct(s) = &p {
                                let mut s2 = (**s).clone();
                                s2.set("cardinality", Value::atom("one"));
                                p = Value::Struct(Rc::new(s2));
                            }
                            self.validate_json_path(rest, field, &Type::Embedded(p), span)
                        }
                    }
                    PathElem::Field(_) => Ok(()),
                }
            }
            other => {
                let prim = types::adapter::underlying(self.interp, other, span)?;
                match prim {
                    Type::Any | Type::Map | Type::MapOf(_) => Ok(()),
                    t => Err(Error::raise(
                        "RuntimeError",
                        format!("expected field `{field}` to be an embed or a map, got: `{}`", t.format()),
                        span,
                    )),
                }
            }
        }
    }

    // ------------------------------------------------------------------
    // select

    fn norm_select(&mut self, sel: &SelectExpr, prep: &Prepared, ctx: &Rc<Ctx>, mode: SelectMode, op: Op) -> EResult<PSelect> {
        let q = prep.query.clone();
        let keep_literals = match mode {
            SelectMode::Top => !q.combinations.is_empty() || op == Op::InsertAll,
            _ => true,
        };
        let cl =
            Cl { kind: "select", params: &sel.clause.params, subqueries: &sel.clause.subqueries, span: sel.clause.loc.span, id: next_id() };
        let mut st = Collect { fields: vec![], from: None, keep_literals };
        let shape = self.collect(&sel.clause.expr, sel, &cl, prep, ctx, &mut st, &[])?;
        let mut fields = vec![];
        let mut from_shape = None;
        if let Some((fshape, ffields)) = st.from.take() {
            fields.extend(ffields);
            from_shape = Some(fshape);
        } else if !q.preloads.is_empty() || !q.assocs.is_empty() {
            return Err(qerr("the binding used in `from` must be selected in `select` when using `preload`", &q, sel.clause.loc.span));
        }
        // assoc preloads (join preloads) come right after the from fields
        let mut assoc_shapes = vec![];
        if from_shape.is_some() {
            // `collect_assocs/6`: an association's fields come from the
            // from binding's take (`struct(p, [:id, comments: [:body]])`),
            // fetched by the association name, with the select's tag.
            let (tag, from_take) = match sel.take.iter().find(|(i, _, _)| *i == 0) {
                Some((_, k, f)) => (*k, Some(f.clone())),
                None => (TakeKind::Any, None),
            };
            let fetch = |take: &Option<Vec<Value>>, name: &str| -> Option<Vec<Value>> {
                take.as_ref()?.iter().find_map(|t| match t.as_tuple() {
                    Some([k, v]) if k.as_atom() == Some(name) => Some(match v {
                        Value::List(l) => l.to_vec(),
                        other => vec![other.clone()],
                    }),
                    _ => None,
                })
            };
            let merged = merge_assocs(&q.assocs);
            let mut stack: Vec<(Vec<String>, &AssocPreload, Option<Vec<Value>>)> =
                merged.iter().map(|a| (vec![a.name.clone()], a, fetch(&from_take, &a.name))).collect();
            stack.reverse();
            while let Some((path, a, take)) = stack.pop() {
                let t = take.as_ref().map(|f| (a.ix, tag, f.clone()));
                let (s, f) = self.source_take(a.ix, t.as_ref(), prep, &cl, &[])?;
                fields.extend(f);
                assoc_shapes.push((path.clone(), s));
                for c in a.children.iter().rev() {
                    let mut p = path.clone();
                    p.push(c.name.clone());
                    let ct = fetch(&take, &c.name);
                    stack.push((p, c, ct));
                }
            }
        }
        fields.extend(st.fields);
        let fields = match mode {
            SelectMode::SubqueryAliased => {
                let names: Vec<String> = match &shape {
                    Shape::Map(kv) => kv.iter().map(|(k, _)| shape_key(k)).collect(),
                    _ => vec![],
                };
                fields
                    .into_iter()
                    .enumerate()
                    .map(|(i, f)| if f.alias.is_some() { f } else { SelField { alias: names.get(i).cloned(), expr: f.expr } })
                    .collect()
            }
            SelectMode::Cte => {
                let names: Vec<String> = match &shape {
                    Shape::Map(kv) => kv.iter().map(|(k, _)| shape_key(k)).collect(),
                    _ => vec![],
                };
                fields
                    .into_iter()
                    .enumerate()
                    .map(|(i, f)| if f.alias.is_some() { f } else { SelField { alias: names.get(i).cloned(), expr: f.expr } })
                    .collect()
            }
            _ => fields,
        };
        Ok(PSelect { fields, shape, from: from_shape, assocs: assoc_shapes })
    }

    /// `take!/6`: the fields of a whole source.
    fn source_take(
        &mut self,
        ix: usize,
        take: Option<&(usize, TakeKind, Vec<Value>)>,
        prep: &Prepared,
        cl: &Cl,
        drop: &[String],
    ) -> EResult<(Shape, Vec<SelField>)> {
        let q = prep.query.clone();
        let field = |col: &str| SelField { alias: None, expr: Expr::Field(Bind::Ix(ix), col.into()) };
        match prep.sources.get(ix) {
            Some(SrcInfo::Table { table, schema, prefix }) => {
                let prefix = prefix.clone().or(q.prefix.clone());
                match take {
                    Some((_, kind, fields)) => {
                        if fields.is_empty() {
                            return Err(qerr(
                                format!("at least one field must be selected for binding `{ix}`, got an empty list"),
                                &q,
                                cl.span,
                            ));
                        }
                        if *kind == TakeKind::Struct && schema.is_none() {
                            return Err(qerr("struct/2 in select expects a source with a schema", &q, cl.span));
                        }
                        let mut types = vec![];
                        let mut sf = vec![];
                        for f in fields {
                            let Some(name) = f.as_atom() else { continue };
                            if drop.iter().any(|d| d == name) {
                                continue;
                            }
                            let (col, ty) = match schema.as_ref().and_then(|s| s.field(name)) {
                                Some(fd) => (fd.source.clone(), fd.type_()),
                                None => (name.to_string(), Type::Any),
                            };
                            types.push((name.to_string(), ty));
                            sf.push(field(&col));
                        }
                        let sname = if *kind == TakeKind::Map { None } else { schema.as_ref().map(|s| s.query_info().module.clone()) };
                        Ok((Shape::Source { ix, schema: sname, source: Some(table.clone()), prefix, fields: types.into() }, sf))
                    }
                    None => match schema {
                        Some(s) => {
                            let info = s.query_info();
                            let (types, sf): (Rc<[(String, Type)]>, Vec<SelField>) = if drop.is_empty() {
                                let sf = info
                                    .columns
                                    .iter()
                                    .map(|c| SelField { alias: None, expr: Expr::Field(Bind::Ix(ix), c.clone()) })
                                    .collect();
                                (info.shape.clone(), sf)
                            } else {
                                let mut types = vec![];
                                let mut sf = vec![];
                                for ((name, ty), c) in info.shape.iter().zip(&info.columns) {
                                    if drop.contains(name) {
                                        continue;
                                    }
                                    types.push((name.clone(), ty.clone()));
                                    sf.push(SelField { alias: None, expr: Expr::Field(Bind::Ix(ix), c.clone()) });
                                }
                                (types.into(), sf)
                            };
                            Ok((
                                Shape::Source { ix, schema: Some(info.module.clone()), source: Some(table.clone()), prefix, fields: types },
                                sf,
                            ))
                        }
                        None => Ok((Shape::Value(Type::Map), vec![SelField { alias: None, expr: Expr::Var(Bind::Ix(ix)) }])),
                    },
                }
            }
            Some(SrcInfo::Sub(info)) => {
                let available: Vec<String> = info.fields.iter().map(|(k, _)| k.clone()).collect();
                let requested: Vec<String> = match take {
                    Some((_, _, f)) => f.iter().filter_map(|v| v.as_atom().map(|a| a.to_string())).collect(),
                    None => available.clone(),
                };
                let mut types = vec![];
                for r in &requested {
                    match info.fields.iter().find(|(k, _)| k == r) {
                        Some((_, t)) => types.push((r.clone(), t.clone().unwrap_or(Type::Any))),
                        None => {
                            return Err(qerr(
                                format!(
                                    "field `{r}` is not available in the subquery. Subquery only returns fields: {}",
                                    inspect(&Value::list(available.iter().map(|a| Value::atom(a)).collect()))
                                ),
                                &q,
                                cl.span,
                            ))
                        }
                    }
                }
                let schema = match (&info.kind, take.map(|t| t.1)) {
                    (SubKind::Source { schema: Some(s), .. }, k) if k != Some(TakeKind::Map) => Some(Name::from(s)),
                    (SubKind::Struct(s), None) => Some(Name::from(s)),
                    _ => None,
                };
                Ok((
                    Shape::Source { ix, schema, source: None, prefix: None, fields: types.into() },
                    requested.iter().map(|r| field(r)).collect(),
                ))
            }
            Some(SrcInfo::Fragment) => Ok((Shape::Value(Type::Map), vec![SelField { alias: None, expr: Expr::Var(Bind::Ix(ix)) }])),
            Some(SrcInfo::Values(types)) => {
                let fields: Vec<(String, Type)> = types.iter().cloned().collect();
                let sel = fields.iter().map(|(k, _)| field(k)).collect();
                Ok((Shape::Source { ix, schema: None, source: None, prefix: None, fields: fields.into() }, sel))
            }
            None => Err(qerr(
                "invalid query has specified more bindings than bindings available in `select` (look for `unknown_binding!` in the printed query below)",
                &q,
                cl.span,
            )),
        }
    }

    /// `collect_fields/7`: walks a select expression, normalizing leaves
    /// into fields and building the shape.
    #[allow(clippy::too_many_arguments)]
    fn collect(
        &mut self,
        e: &Expr,
        sel: &SelectExpr,
        cl: &Cl,
        prep: &Prepared,
        ctx: &Rc<Ctx>,
        st: &mut Collect,
        drop: &[String],
    ) -> EResult<Shape> {
        match e {
            Expr::Var(Bind::Ix(0)) => {
                if st.from.is_none() {
                    let take = sel.take.iter().find(|(i, _, _)| *i == 0);
                    let (s, f) = self.source_take(0, take, prep, cl, drop)?;
                    st.from = Some((s, f));
                }
                Ok(Shape::From)
            }
            Expr::Var(Bind::Ix(ix)) => {
                let take = sel.take.iter().find(|(i, _, _)| i == ix);
                let (s, f) = self.source_take(*ix, take, prep, cl, drop)?;
                st.fields.extend(f);
                Ok(s)
            }
            Expr::Var(b) => {
                let (ix, _) = self.get_ix(b, "select", prep, ctx, cl.span)?;
                self.collect(&Expr::Var(Bind::Ix(ix)), sel, cl, prep, ctx, st, drop)
            }
            Expr::Merge(l, r) => {
                let ls = self.collect(l, sel, cl, prep, ctx, st, &[])?;
                let rs = self.collect(r, sel, cl, prep, ctx, st, &[])?;
                Ok(Shape::Merge(Box::new(ls), Box::new(rs)))
            }
            Expr::Tuple(es) => {
                let mut v = Vec::with_capacity(es.len());
                for x in es {
                    v.push(self.collect(x, sel, cl, prep, ctx, st, &[])?);
                }
                Ok(Shape::Tuple(v))
            }
            Expr::List(es) => {
                let mut v = Vec::with_capacity(es.len());
                for x in es {
                    v.push(self.collect(x, sel, cl, prep, ctx, st, &[])?);
                }
                Ok(Shape::List(v))
            }
            Expr::Map(kv) => {
                let mut v = Vec::with_capacity(kv.len());
                for (k, x) in kv {
                    let ks = self.collect(k, sel, cl, prep, ctx, st, &[])?;
                    let vs = self.collect(x, sel, cl, prep, ctx, st, &[])?;
                    v.push((ks, vs));
                }
                Ok(Shape::Map(v))
            }
            Expr::MapUpdate(d, kv) => {
                let drop: Vec<String> = kv
                    .iter()
                    .filter_map(|(k, _)| match k {
                        Expr::Lit(v) => v.as_atom().map(|a| a.to_string()),
                        _ => None,
                    })
                    .collect();
                let ds = self.collect(d, sel, cl, prep, ctx, st, &drop)?;
                let mut v = Vec::with_capacity(kv.len());
                for (k, x) in kv {
                    let ks = self.collect(k, sel, cl, prep, ctx, st, &[])?;
                    let vs = self.collect(x, sel, cl, prep, ctx, st, &[])?;
                    v.push((ks, vs));
                }
                Ok(Shape::MapUpdate(Box::new(ds), v))
            }
            Expr::Struct(name, kv) => {
                let mut v = Vec::with_capacity(kv.len());
                for (k, x) in kv {
                    let ks = self.collect(k, sel, cl, prep, ctx, st, &[])?;
                    let vs = self.collect(x, sel, cl, prep, ctx, st, &[])?;
                    v.push((ks, vs));
                }
                Ok(Shape::Struct(name.clone(), v))
            }
            Expr::SelectedAs(x, name) => {
                let t = self.expr_type(x, prep, ctx, "select")?;
                let n = self.norm(x, cl, prep, ctx)?;
                st.fields.push(SelField { alias: Some(name.clone()), expr: n });
                Ok(Shape::Value(t.unwrap_or(Type::Any)))
            }
            Expr::Lit(v) if !st.keep_literals => Ok(Shape::Lit(v.clone())),
            Expr::Lit(v) if v.is_atom() && !matches!(v, Value::Nil | Value::Bool(_)) => Ok(Shape::Lit(v.clone())),
            Expr::Over(_, Over::Named(w)) if !prep.query.windows.iter().any(|(n, _)| n == w) => {
                Err(qerr(format!("unknown window {} given to over/2", inspect(&Value::atom(w))), &prep.query, cl.span))
            }
            _ => {
                let t = self.expr_type(e, prep, ctx, "select")?;
                let n = self.norm(e, cl, prep, ctx)?;
                st.fields.push(SelField { alias: None, expr: n });
                Ok(Shape::Value(t.unwrap_or(Type::Any)))
            }
        }
    }

    /// The type `collect_fields` infers for a select leaf (`{:value, type}`).
    fn expr_type(&mut self, e: &Expr, prep: &Prepared, ctx: &Rc<Ctx>, kind: &str) -> EResult<Option<Type>> {
        const AGGS: &[&str] = &[
            "count",
            "avg",
            "min",
            "max",
            "sum",
            "row_number",
            "rank",
            "dense_rank",
            "percent_rank",
            "cume_dist",
            "ntile",
            "lag",
            "lead",
            "first_value",
            "last_value",
            "nth_value",
        ];
        Ok(Some(match e {
            Expr::Field(b, f) => {
                let (ix, c) = self.get_ix(b, kind, prep, ctx, prep.query.from.loc.span)?;
                self.field_type(kind, &c.sources, &c.query, ix, f, false, prep.query.from.loc.span)?
            }
            Expr::FieldStr(..) => Type::Any,
            Expr::Call(name, args) if AGGS.contains(&name.as_str()) && matches!(args.first(), Some(Expr::Field(..))) => match name.as_str()
            {
                "count" | "row_number" | "rank" | "dense_rank" | "ntile" => Type::Integer,
                _ => match self.expr_type(&args[0], prep, ctx, kind)? {
                    Some(t) => Type::Try(Box::new(t)),
                    None => Type::Any,
                },
            },
            Expr::Call(name, args) if name == "filter" && !args.is_empty() => return self.expr_type(&args[0], prep, ctx, kind),
            Expr::Over(agg, _) => return self.expr_type(agg, prep, ctx, kind),
            Expr::Call(name, args) if name == "coalesce" && args.len() == 2 => {
                let l = self.expr_type(&args[0], prep, ctx, kind)?;
                let r = self.expr_type(&args[1], prep, ctx, kind)?;
                if l == r {
                    return Ok(l);
                }
                Type::Any
            }
            Expr::Call(name, args) if name == "date_add" && !args.is_empty() => match self.expr_type(&args[0], prep, ctx, kind)? {
                Some(Type::Any) | None => Type::Date,
                Some(t) => t,
            },
            Expr::Call(name, args) if name == "datetime_add" && !args.is_empty() => match self.expr_type(&args[0], prep, ctx, kind)? {
                Some(Type::Any) | None => Type::NaiveDatetime,
                Some(t) => t,
            },
            Expr::Lit(Value::Str(_)) | Expr::Lit(Value::Bytes(_)) => Type::Binary,
            Expr::Lit(Value::Int(_)) => Type::Integer,
            Expr::Lit(Value::Float(_)) => Type::Float,
            Expr::Lit(Value::Bool(_)) => Type::Boolean,
            Expr::Tagged(_, QType::Term(t)) => Type::from_value(t).unwrap_or(Type::Any),
            Expr::Type(_, qt) => match self.resolve_qtype(qt, kind, prep, ctx, prep.query.from.loc.span, true)? {
                ResolvedType::T(t) | ResolvedType::Out(t) | ResolvedType::Splice(t) => t,
            },
            Expr::Call(name, args) if (name == "not" || name == "is_nil") && args.len() == 1 => Type::Boolean,
            Expr::Call(name, args)
                if args.len() == 2 && ["<", ">", "<=", ">=", "==", "!=", "and", "or", "like", "ilike"].contains(&name.as_str()) =>
            {
                Type::Boolean
            }
            Expr::SelectedAs(x, _) => return self.expr_type(x, prep, ctx, kind),
            _ => Type::Any,
        }))
    }
}

/// The (cast, dumped) values of one pinned parameter: most are one value,
/// lists expand to several on adapters that take them one by one.
enum Casted {
    One(Value, Value),
    Many(Vec<(Value, Value)>),
}

struct Collect {
    fields: Vec<SelField>,
    from: Option<(Shape, Vec<SelField>)>,
    keep_literals: bool,
}

fn shape_key(s: &Shape) -> String {
    match s {
        Shape::Lit(v) => v.as_atom().map(|a| a.to_string()).unwrap_or_else(|| inspect(v)),
        _ => String::new(),
    }
}

enum ResolvedType {
    T(Type),
    Out(Type),
    Splice(Type),
}

#[derive(Clone, Debug)]
struct Rel {
    source: Source,
    out_key: String,
    in_key: String,
    where_: Value,
}

fn is_empty_list(v: &Value) -> bool {
    matches!(v, Value::Nil) || v.as_list().map(|l| l.is_empty()).unwrap_or(false)
}

fn unreachable_select(q: &Query) -> SelectExpr {
    SelectExpr {
        clause: Clause { expr: Expr::Var(Bind::Ix(0)), params: vec![], subqueries: vec![], loc: q.from.loc },
        take: vec![],
        aliases: vec![],
    }
}

/// `normalize_subquery_types`: selected_as aliases rename fields.
fn normalize_subquery_types(types: Vec<(String, Option<Type>)>, exprs: &[(String, Expr)]) -> Vec<(String, Option<Type>)> {
    types
        .into_iter()
        .zip(exprs.iter())
        .map(|((k, t), (_, e))| match e {
            Expr::SelectedAs(_, alias) => (alias.clone(), t),
            _ => (k, t),
        })
        .collect()
}

/// `field_source/2` for an expression's field: its column as a shared name.
fn field_col(src: Option<&SrcInfo>, field: &Name) -> Name {
    match src {
        Some(SrcInfo::Table { schema: Some(s), .. }) => match s.field(field) {
            Some(f) => f.col().clone(),
            None => field.clone(),
        },
        _ => field.clone(),
    }
}

/// `field_source/2`: the column name of a field in a source.
fn field_source(src: Option<&SrcInfo>, field: &str) -> String {
    match src {
        Some(SrcInfo::Table { schema: Some(s), .. }) => s.field_source(field).unwrap_or(field).to_string(),
        _ => field.to_string(),
    }
}

fn cast_error(v: &Value, ty: &Type, msg: String, q: &Query, span: Span) -> Box<Error> {
    let _ = (v, ty);
    Box::new(Error::Raise(Exception { kind: "Ecto.Query.CastError".into(), message: QueryError::message(&msg, q), span, value: None }))
}

#[allow(clippy::boxed_local)]
fn subquery_error(e: Box<Error>, parent: &Query) -> Box<Error> {
    match *e {
        Error::Raise(ex) if ex.kind == "Ecto.QueryError" || ex.kind == "Ecto.Query.CastError" => Box::new(Error::Raise(Exception {
            kind: "Ecto.SubQueryError".into(),
            message: format!(
                "the following exception happened when compiling a subquery.\n\n    ** ({}) {}\n\nThe subquery originated from the following query:\n\n{}\n",
                ex.kind,
                ex.message,
                super::inspect::query_to_string(parent)
            ),
            span: ex.span,
            value: None,
        })),
        other => Box::new(other),
    }
}

fn assert_only_filters(q: &Query, op: Op) -> EResult<()> {
    let ok = q.order_bys.is_empty()
        && q.limit.is_none()
        && q.offset.is_none()
        && q.group_bys.is_empty()
        && q.havings.is_empty()
        && q.preloads.is_empty()
        && q.assocs.is_empty()
        && q.distinct.is_none()
        && q.lock.is_none()
        && q.windows.is_empty()
        && q.combinations.is_empty();
    if ok {
        return Ok(());
    }
    let msg = if op == Op::DeleteAll {
        format!("`{}` allows only `with_cte`, `where`, `select`, and `join` expressions. You can exclude unwanted expressions from a query by using Ecto.Query.exclude/2. Error found", op.name())
    } else {
        format!("`{}` allows only `with_cte`, `where` and `join` expressions. You can exclude unwanted expressions from a query by using Ecto.Query.exclude/2. Error found", op.name())
    };
    Err(qerr(msg, q, q.from.loc.span))
}

fn rewrite_ix(e: Expr, f: &dyn Fn(usize) -> usize) -> Expr {
    e.map(&mut |x| match x {
        Expr::Var(Bind::Ix(i)) => Expr::Var(Bind::Ix(f(i))),
        Expr::Field(Bind::Ix(i), n) => Expr::Field(Bind::Ix(f(i)), n),
        Expr::FieldStr(Bind::Ix(i), n) => Expr::FieldStr(Bind::Ix(f(i)), n),
        Expr::Tagged(v, t) => Expr::Tagged(v, rewrite_qtype(t, f)),
        Expr::Type(v, t) => Expr::Type(v, rewrite_qtype(t, f)),
        other => other,
    })
}

fn rewrite_qtype(t: QType, f: &dyn Fn(usize) -> usize) -> QType {
    match t {
        QType::Field(Bind::Ix(i), n) => QType::Field(Bind::Ix(f(i)), n),
        QType::Array(i) => QType::Array(Box::new(rewrite_qtype(*i, f))),
        QType::In(i) => QType::In(Box::new(rewrite_qtype(*i, f))),
        QType::Out(i) => QType::Out(Box::new(rewrite_qtype(*i, f))),
        QType::Splice(i) => QType::Splice(Box::new(rewrite_qtype(*i, f))),
        other => other,
    }
}

fn rewrite_param(p: Param, f: &dyn Fn(usize) -> usize) -> Param {
    match p {
        Param::Value(v, t) => Param::Value(v, rewrite_qtype(t, f)),
        other => other,
    }
}

/// `merge_expr_and_params(:and, left, right)`
fn merge_and(left: Clause, right: Clause) -> Clause {
    merge_op(BoolOp::And, left, right)
}

fn merge_op(op: BoolOp, left: Clause, right: Clause) -> Clause {
    let np = left.params.len();
    let ns = left.subqueries.len();
    let rexpr = super::merge::bump(right.expr, np, ns);
    let expr = if rexpr.is_true() {
        left.expr
    } else if left.expr.is_true() {
        rexpr
    } else {
        Expr::call(if op == BoolOp::And { "and" } else { "or" }, vec![left.expr, rexpr])
    };
    let mut params = left.params;
    params.extend(super::merge::bump_params(right.params, ns));
    let mut subqueries = left.subqueries;
    subqueries.extend(right.subqueries);
    Clause { expr, params, subqueries, loc: left.loc }
}

/// `merge_assocs/2` of Ecto's planner: join preloads of the same association
/// merged (the later one's children first), through a map, so each level
/// comes out in name order.
fn merge_assocs(assocs: &[AssocPreload]) -> Vec<AssocPreload> {
    let mut acc: std::collections::BTreeMap<String, AssocPreload> = std::collections::BTreeMap::new();
    for a in assocs {
        let children = merge_assocs(&a.children);
        match acc.get_mut(&a.name) {
            Some(current) if current.ix == a.ix => {
                let mut all = children;
                all.append(&mut current.children);
                current.children = merge_assocs(&all);
            }
            Some(_) => {}
            None => {
                acc.insert(a.name.clone(), AssocPreload { name: a.name.clone(), ix: a.ix, children });
            }
        }
    }
    acc.into_values().collect()
}
