//! `inspect/1` of queries, as `Inspect.Ecto.Query` renders them:
//! `#Ecto.Query<from p0 in Blog.Post, where: p0.views > ^100, select: p0.id>`
//! and the multi-line form used inside `Ecto.QueryError` messages.

use super::expr::*;
use crate::value::inspect::inspect;
use crate::value::{alias_name, Value};

/// `Inspect.Ecto.Query.to_string/1`: the clauses joined by `,\n  `.
pub fn query_to_string(q: &Query) -> String {
    to_list(q).into_iter().map(|(k, s)| if k.is_empty() { s } else { format!("{k}: {s}") }).collect::<Vec<_>>().join(",\n  ")
}

/// The single-line `#Ecto.Query<...>` rendering (with CTEs appended).
pub fn query_inspect(q: &Query) -> String {
    let list: Vec<String> = to_list(q).into_iter().map(|(k, s)| if k.is_empty() { s } else { format!("{k}: {s}") }).collect();
    let mut out = format!("#Ecto.Query<{}>", list.join(", "));
    if let Some(w) = &q.with_ctes {
        if !w.queries.is_empty() {
            if w.recursive {
                out.push_str("\n|> recursive_ctes(true)");
            }
            for c in &w.queries {
                let body = match &c.query {
                    CteQuery::Query(q) => query_inspect(q),
                    CteQuery::Fragment(cl) => expr_to_string(&cl.expr, &[], &cl.params),
                };
                let mat = match c.materialized {
                    None => "nil".to_string(),
                    Some(b) => b.to_string(),
                };
                out.push_str(&format!("\n|> with_cte(\"{}\", materialized: {mat}, as: {body})", c.name));
            }
        }
    }
    out
}

fn source_name(s: &Source) -> String {
    match s {
        Source::Table { schema: Some(m), .. } => alias_name(m).rsplit('.').next().unwrap_or("").to_string(),
        Source::Table { table: Some(t), .. } => t.clone(),
        Source::Table { .. } => "query".into(),
        Source::Subquery(sq) => source_name(&sq.query.from.source),
        Source::Fragment(_) => "fragment".into(),
        Source::Values { .. } => "values".into(),
    }
}

/// `generate_letters/1` + `generate_names/1`: `p0`, `c1`, ...
pub fn binding_names(q: &Query) -> Vec<String> {
    let mut sources = vec![source_name(&q.from.source)];
    for j in &q.joins {
        sources.push(match (&j.assoc, &j.source, &j.source_query) {
            (Some((_, a)), _, _) => a.clone(),
            (_, _, Some(jq)) => source_name(&jq.from.source),
            (_, Some(s), _) => source_name(s),
            _ => "query".into(),
        });
    }
    sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let l = s.chars().next().map(|c| c.to_lowercase().to_string()).unwrap_or_default();
            format!("{l}{i}")
        })
        .collect()
}

fn inspect_source(s: &Source, names: &[String], params: &[Param]) -> String {
    match s {
        Source::Subquery(sq) => format!("subquery({})", query_to_string(&sq.query)),
        Source::Table { table: Some(t), schema: None } => inspect(&Value::string(t.clone())),
        Source::Table { table: None, schema: Some(m) } => alias_name(m).to_string(),
        Source::Table { table: Some(t), schema: Some(m) } => {
            if crate::schema::default_source(m).as_deref() == Some(t.as_str()) {
                alias_name(m).to_string()
            } else {
                format!("{{{}, {}}}", inspect(&Value::string(t.clone())), alias_name(m))
            }
        }
        Source::Table { .. } => "nil".into(),
        Source::Fragment(parts) => fragment_string(parts, names, params),
        Source::Values { types, .. } => {
            format!("values ({})", types.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", "))
        }
    }
}

fn as_and_prefix(as_: &Option<String>, prefix: &Option<Value>) -> Vec<(String, String)> {
    let mut v = vec![];
    if let Some(a) = as_ {
        v.push(("as".into(), inspect(&Value::atom(a))));
    }
    if let Some(p) = prefix {
        v.push(("prefix".into(), inspect(p)));
    }
    v
}

fn to_list(q: &Query) -> Vec<(String, String)> {
    let names = binding_names(q);
    let mut out: Vec<(String, String)> = vec![];
    out.push((String::new(), format!("from {} in {}", names[0], inspect_source(&q.from.source, &names, &q.from.params))));
    out.extend(as_and_prefix(&q.from.as_, &q.from.prefix));
    for (i, j) in q.joins.iter().enumerate() {
        let name = names.get(i + 1).cloned().unwrap_or_default();
        let kw = j.qual.keyword().to_string();
        match &j.assoc {
            Some((ix, a)) => {
                out.push((kw, format!("{name} in assoc({}, {})", names.get(*ix).cloned().unwrap_or_default(), inspect(&Value::atom(a)))));
                out.extend(as_and_prefix(&j.as_, &j.prefix));
                if !j.on.clause.expr.is_true() {
                    out.push(("on".into(), clause_to_string(&j.on.clause, &names)));
                }
            }
            None => {
                let src = match (&j.source, &j.source_query) {
                    (_, Some(jq)) => format!("^{}", query_inspect(jq)),
                    (Some(s), _) => inspect_source(s, &names, &j.params),
                    _ => "nil".into(),
                };
                out.push((kw, format!("{name} in {src}")));
                out.extend(as_and_prefix(&j.as_, &j.prefix));
                out.push(("on".into(), clause_to_string(&j.on.clause, &names)));
            }
        }
    }
    for w in &q.wheres {
        let kw = if w.op == BoolOp::And { "where" } else { "or_where" };
        out.push((kw.into(), clause_to_string(&w.clause, &names)));
    }
    for g in &q.group_bys {
        out.push(("group_by".into(), list_string(&g.expr, &names, &g.params)));
    }
    for h in &q.havings {
        let kw = if h.op == BoolOp::And { "having" } else { "or_having" };
        out.push((kw.into(), clause_to_string(&h.clause, &names)));
    }
    for (name, w) in &q.windows {
        out.push(("windows".into(), format!("[{name}: [{}]]", window_string(&w.expr, &names, &w.params))));
    }
    for (kind, cq) in &q.combinations {
        out.push((kind.as_atom().into(), format!("({})", query_to_string(cq))));
    }
    for o in &q.order_bys {
        out.push(("order_by".into(), dir_list(&o.expr, &names, &o.params)));
    }
    if let Some(l) = &q.limit {
        out.push(("limit".into(), clause_to_string(&l.clause, &names)));
        if l.with_ties {
            out.push(("with_ties".into(), "true".into()));
        }
    }
    if let Some(o) = &q.offset {
        out.push(("offset".into(), expr_to_string(&o.expr, &names, &o.params)));
    }
    match &q.lock {
        Some(Lock::Str(s)) => out.push(("lock".into(), inspect(&Value::string(s.clone())))),
        Some(Lock::Fragment(e)) => out.push(("lock".into(), expr_to_string(e, &names, &[]))),
        None => {}
    }
    if let Some(d) = &q.distinct {
        out.push((
            "distinct".into(),
            match &d.expr {
                Distinct::Bool(b) => b.to_string(),
                Distinct::Exprs(es) => dir_list(es, &names, &d.params),
            },
        ));
    }
    for u in &q.updates {
        let ops: Vec<String> = u
            .expr
            .iter()
            .map(|(op, kw)| {
                let inner: Vec<String> =
                    kw.iter().map(|(k, e)| format!("{} {}", crate::value::inspect::key(k), expr_to_string(e, &names, &u.params))).collect();
                format!("{}: [{}]", op.as_atom(), inner.join(", "))
            })
            .collect();
        out.push(("update".into(), format!("[{}]", ops.join(", "))));
    }
    if let Some(s) = &q.select {
        out.push(("select".into(), select_string(&s.clause.expr, &names, s)));
    }
    if !q.preloads.is_empty() {
        let p: Vec<String> = q.preloads.iter().map(preload_string).collect();
        out.push(("preload".into(), format!("[{}]", p.join(", "))));
    }
    if !q.assocs.is_empty() {
        out.push(("preload".into(), assocs_string(&q.assocs, &names)));
    }
    out
}

fn assocs_string(assocs: &[AssocPreload], names: &[String]) -> String {
    let items: Vec<String> = assocs
        .iter()
        .map(|a| {
            let b = names.get(a.ix).cloned().unwrap_or_default();
            if a.children.is_empty() {
                format!("{} {b}", crate::value::inspect::key(&a.name))
            } else {
                let children = assocs_string(&a.children, names);
                let children = children.strip_prefix('[').and_then(|c| c.strip_suffix(']')).unwrap_or(&children);
                format!("{} {{{b}, {children}}}", crate::value::inspect::key(&a.name))
            }
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// A preload as the query's `preloads` field holds it: `:posts`,
/// `{:posts, :comments}`, `{:posts, [...]}` or `{:posts, query}`.
pub fn preload_value(p: &Preload) -> Value {
    match p {
        Preload::Assoc(n, children) if children.is_empty() => Value::atom(n),
        Preload::Assoc(n, children) if children.len() == 1 => Value::tuple(vec![Value::atom(n), preload_value(&children[0])]),
        Preload::Assoc(n, children) => Value::tuple(vec![Value::atom(n), Value::list(children.iter().map(preload_value).collect())]),
        Preload::Custom(n, v, _) => Value::tuple(vec![Value::atom(n), v.clone()]),
    }
}

fn preload_string(p: &Preload) -> String {
    match p {
        Preload::Assoc(n, children) if children.is_empty() => inspect(&Value::atom(n)),
        Preload::Assoc(n, children) => {
            format!("{{{}, [{}]}}", inspect(&Value::atom(n)), children.iter().map(preload_string).collect::<Vec<_>>().join(", "))
        }
        Preload::Custom(n, v, _) => format!("{{{}, {}}}", inspect(&Value::atom(n)), inspect(v)),
    }
}

/// A literal as `Macro.to_string/1` writes it: strings always as string
/// literals (escaped), the rest as `inspect` shows them.
fn literal(v: &Value) -> String {
    match v {
        Value::Str(s) => {
            let mut out = String::new();
            crate::value::inspect::quote_str(&mut out, s, '"');
            out
        }
        Value::List(items) if items.iter().any(|i| matches!(i, Value::Str(_))) => {
            format!("[{}]", items.iter().map(literal).collect::<Vec<_>>().join(", "))
        }
        other => inspect(other),
    }
}

/// A call's last argument as `Macro.to_string/1` writes it: a keyword
/// list without its brackets.
fn last_arg(shown: &str, v: &Value) -> String {
    if v.as_list().is_some_and(|l| !l.is_empty() && l.iter().all(|i| matches!(i.as_tuple(), Some([Value::Atom(_), _])))) {
        shown.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(shown).to_string()
    } else {
        shown.to_string()
    }
}

fn select_string(e: &Expr, names: &[String], sel: &SelectExpr) -> String {
    let ctx = Ctx { names, params: &sel.clause.params, take: &sel.take, subqueries: &sel.clause.subqueries };
    ctx.expr(e, 0)
}

fn list_string(es: &[Expr], names: &[String], params: &[Param]) -> String {
    format!("[{}]", es.iter().map(|e| expr_to_string(e, names, params)).collect::<Vec<_>>().join(", "))
}

fn dir_list(es: &[(Dir, Expr)], names: &[String], params: &[Param]) -> String {
    let v: Vec<String> = es.iter().map(|(d, e)| format!("{}: {}", d.as_atom(), expr_to_string(e, names, params))).collect();
    format!("[{}]", v.join(", "))
}

fn window_string(w: &WindowDef, names: &[String], params: &[Param]) -> String {
    let v: Vec<String> = w
        .parts
        .iter()
        .map(|p| match p {
            WindowPart::PartitionBy(es) => format!("partition_by: {}", list_string(es, names, params)),
            WindowPart::OrderBy(es) => format!("order_by: {}", dir_list(es, names, params)),
            WindowPart::Frame(e) => format!("frame: {}", expr_to_string(e, names, params)),
        })
        .collect();
    v.join(", ")
}

fn fragment_string(parts: &[FragPart], names: &[String], params: &[Param]) -> String {
    let ctx = Ctx { names, params, take: &[], subqueries: &[] };
    ctx.fragment(parts)
}

/// An expression as `Macro.to_string/1` prints Ecto's escaped AST.
pub fn expr_to_string(e: &Expr, names: &[String], params: &[Param]) -> String {
    Ctx { names, params, take: &[], subqueries: &[] }.expr(e, 0)
}

/// A clause's expression, its subqueries shown in full.
fn clause_to_string(c: &Clause, names: &[String]) -> String {
    Ctx { names, params: &c.params, take: &[], subqueries: &c.subqueries }.expr(&c.expr, 0)
}

struct Ctx<'a> {
    names: &'a [String],
    params: &'a [Param],
    /// The clause's subqueries (`Expr::Subquery` indexes them).
    subqueries: &'a [Query],
    take: &'a [(usize, TakeKind, Vec<Value>)],
}

/// Binary operator precedence and associativity (left = true).
fn binop(name: &str) -> Option<(u8, bool)> {
    Some(match name {
        "*" | "/" => (11, true),
        "+" | "-" => (10, true),
        "in" => (8, true),
        "<" | ">" | "<=" | ">=" => (6, true),
        "==" | "!=" => (5, true),
        "and" => (4, true),
        "or" => (3, true),
        _ => return None,
    })
}

impl Ctx<'_> {
    fn bind(&self, b: &Bind) -> String {
        match b {
            Bind::Ix(i) => self.names.get(*i).cloned().unwrap_or_else(|| format!("unknown_binding_{i}!")),
            Bind::As(a) => format!("as({})", inspect(&Value::atom(a))),
            Bind::ParentAs(a) => format!("parent_as({})", inspect(&Value::atom(a))),
        }
    }

    fn var(&self, b: &Bind) -> String {
        if let Bind::Ix(ix) = b {
            if let Some((_, kind, fields)) = self.take.iter().find(|(i, _, _)| i == ix) {
                let f = inspect(&Value::list(fields.clone()));
                return match (kind, ix) {
                    (TakeKind::Any, 0) => f,
                    (k, _) => format!("{}({}, {f})", k.as_atom(), self.bind(b)),
                };
            }
        }
        self.bind(b)
    }

    fn field(&self, b: &Bind, f: &str) -> String {
        let atom = inspect(&Value::atom(f));
        if atom.starts_with(":\"") {
            format!("field({}, {})", self.bind(b), inspect(&Value::string(f.to_string())))
        } else {
            format!("{}.{f}", self.bind(b))
        }
    }

    fn param(&self, ix: usize) -> String {
        if HIDE_PARAMS.with(|h| h.get()) {
            return "^...".into();
        }
        match self.params.get(ix) {
            // A list is shown as one whatever its elements (Ecto keeps its
            // head from reading as a charlist).
            Some(Param::Value(Value::List(items), _)) if !items.is_empty() => {
                format!("^[{}]", items.iter().map(literal).collect::<Vec<_>>().join(", "))
            }
            Some(Param::Value(v, _)) => format!("^{}", literal(v)),
            _ => "^...".into(),
        }
    }

    fn fragment(&self, parts: &[FragPart]) -> String {
        let mut text = String::new();
        let mut args = vec![];
        for p in parts {
            match p {
                FragPart::Raw(s) => text.push_str(s),
                FragPart::Expr(e) => {
                    text.push('?');
                    args.push(self.expr(e, 0));
                }
            }
        }
        let mut out = format!("fragment({}", inspect(&Value::string(text)));
        for a in args {
            out.push_str(", ");
            out.push_str(&a);
        }
        out.push(')');
        out
    }

    fn kv(&self, kv: &[(Expr, Expr)]) -> String {
        kv.iter()
            .map(|(k, v)| match k {
                Expr::Lit(Value::Atom(a)) => format!("{} {}", crate::value::inspect::key(a), self.expr(v, 0)),
                _ => format!("{} => {}", self.expr(k, 0), self.expr(v, 0)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Prints `e` in a context requiring precedence `min`.
    fn expr(&self, e: &Expr, min: u8) -> String {
        match e {
            Expr::Lit(v) => literal(v),
            Expr::Var(b) => self.var(b),
            Expr::Field(b, f) => self.field(b, f),
            Expr::FieldStr(b, f) => format!("field({}, {})", self.bind(b), inspect(&Value::string(f.to_string()))),
            Expr::Param(ix) => self.param(*ix),
            Expr::ParamList(..) | Expr::Splice(_) => "^...".into(),
            Expr::Tagged(v, _) => self.expr(v, min),
            Expr::TaggedPrim(v, t) => format!("type({}, {})", self.expr(v, 0), inspect(t)),
            Expr::Type(v, t) => format!("type({}, {})", self.expr(v, 0), self.qtype(t)),
            Expr::Call(name, args) if args.len() == 2 && binop(name).is_some() => {
                let (prec, _left) = binop(name).unwrap_or((0, true));
                let l = self.expr(&args[0], prec);
                let r = self.expr(&args[1], prec + 1);
                let s = format!("{l} {name} {r}");
                if prec < min {
                    format!("({s})")
                } else {
                    s
                }
            }
            Expr::Call(name, args) if name == "not" && args.len() == 1 => match &args[0] {
                Expr::Call(n, a) if n == "in" && a.len() == 2 => {
                    let s = format!("{} not in {}", self.expr(&a[0], 9), self.expr(&a[1], 9));
                    if 8 < min {
                        format!("({s})")
                    } else {
                        s
                    }
                }
                other => {
                    let inner = self.expr(other, 0);
                    if matches!(other, Expr::Call(n, a) if a.len() == 2 && binop(n).is_some()) {
                        format!("not ({inner})")
                    } else {
                        format!("not {inner}")
                    }
                }
            },
            Expr::Call(name, args) if name == "-" && args.len() == 1 => format!("-{}", self.expr(&args[0], 12)),
            Expr::Call(name, args) => format!("{name}({})", args.iter().map(|a| self.expr(a, 0)).collect::<Vec<_>>().join(", ")),
            Expr::Tuple(es) => format!("{{{}}}", es.iter().map(|a| self.expr(a, 0)).collect::<Vec<_>>().join(", ")),
            Expr::List(es) => format!("[{}]", es.iter().map(|a| self.expr(a, 0)).collect::<Vec<_>>().join(", ")),
            Expr::Map(kv) => format!("%{{{}}}", self.kv(kv)),
            Expr::MapUpdate(d, kv) => format!("%{{{} | {}}}", self.expr(d, 0), self.kv(kv)),
            Expr::Struct(n, kv) => format!("%{}{{{}}}", alias_name(n), self.kv(kv)),
            Expr::Merge(a, b) => format!("merge({}, {})", self.expr(a, 0), self.expr(b, 0)),
            Expr::Fragment(parts) => self.fragment(parts),
            Expr::FragmentKw(v) => format!("fragment({})", last_arg(&inspect(v), v)),
            Expr::Subquery(i) => match self.subqueries.get(*i) {
                Some(q) => format!("subquery({})", query_inspect(q)),
                None => "subquery(...)".into(),
            },
            Expr::PlannedSubquery(p) => format!("subquery({})", query_to_string(&p.query)),
            Expr::JsonPath(f, path) => {
                let mut s = self.expr(f, 0);
                for p in path {
                    match p {
                        PathElem::Key(k) => s.push_str(&format!("[{}]", inspect(&Value::string(k.clone())))),
                        PathElem::Index(i) => s.push_str(&format!("[{i}]")),
                        PathElem::Field(f) => s.push_str(&format!("[{}]", self.expr(f, 0))),
                    }
                }
                s
            }
            Expr::SelectedAs(x, n) => format!("selected_as({}, {})", self.expr(x, 0), inspect(&Value::atom(n))),
            Expr::SelectedAsRef(n) => format!("selected_as({})", inspect(&Value::atom(n))),
            Expr::Over(a, Over::Named(w)) => format!("over({}, {})", self.expr(a, 0), inspect(&Value::atom(w))),
            // An empty window is the empty keyword list Ecto stores for it.
            Expr::Over(a, Over::Inline(w)) if w.parts.is_empty() => format!("over({}, [])", self.expr(a, 0)),
            Expr::Over(a, Over::Inline(w)) => format!("over({}, {})", self.expr(a, 0), window_string(w, self.names, self.params)),
            Expr::Identifier(s) => format!("identifier({})", inspect(&Value::string(s.clone()))),
        }
    }

    fn qtype(&self, t: &QType) -> String {
        match t {
            QType::Any => ":any".into(),
            QType::Term(v) => inspect(v),
            QType::Field(b, f) => self.field(b, f),
            QType::Array(i) => format!("{{:array, {}}}", self.qtype(i)),
            QType::In(i) => format!("{{:in, {}}}", self.qtype(i)),
            QType::Out(i) => format!("{{:out, {}}}", self.qtype(i)),
            QType::Splice(i) => format!("{{:splice, {}}}", self.qtype(i)),
            QType::Tuple(_) => ":any".into(),
            QType::SupertypeDatetime => "{:supertype, :datetime}".into(),
        }
    }
}

thread_local! {
    static HIDE_PARAMS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The query as an adapter's error shows it: after planning, pinned values
/// are gone and print as `^...`.
pub fn planned_query_to_string(q: &Query) -> String {
    HIDE_PARAMS.with(|h| h.set(true));
    let s = query_to_string(q);
    HIDE_PARAMS.with(|h| h.set(false));
    s
}
