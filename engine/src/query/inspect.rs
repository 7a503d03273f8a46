//! `inspect/1` of queries: `#Ecto.Query<from p0 in Blog.Post, where: ...>`.

use super::expr::*;
use crate::value::inspect::inspect;
use crate::value::Value;

/// The body of `#Ecto.Query<...>`.
pub fn query_to_string(q: &Query) -> String {
    let names = binding_names(q);
    let mut parts: Vec<String> = vec![];
    let from = match &q.from.source {
        Source::Table { table: Some(t), schema: Some(s) } => format!("{{{}, {s}}}", inspect(&Value::string(t.clone()))),
        Source::Table { table: None, schema: Some(s) } => s.clone(),
        Source::Table { table: Some(t), schema: None } => inspect(&Value::string(t.clone())),
        Source::Table { .. } => "nil".into(),
        Source::Subquery(sq) => format!("subquery({})", from_one_line(&sq.query)),
        Source::Fragment(parts) => fragment_string(parts, &names, &q.from.params),
    };
    let from = match &q.from.source {
        Source::Table { table: Some(t), schema: Some(s) } if crate::value::alias_name(s).is_empty() => inspect(&Value::string(t.clone())),
        _ => from,
    };
    let mut head = format!("from {} in {from}", names[0]);
    if let Some(p) = &q.from.prefix {
        parts.push(format!("prefix: {}", inspect(p)));
    }
    if let Some(a) = &q.from.as_ {
        parts.insert(0, format!("as: {}", inspect(&Value::atom(a))));
    }
    for (i, j) in q.joins.iter().enumerate() {
        let name = &names[i + 1];
        let src = match (&j.assoc, &j.source) {
            (Some((ix, a)), _) => format!("assoc({}, {})", names.get(*ix).cloned().unwrap_or_default(), inspect(&Value::atom(a))),
            (_, Some(Source::Table { table: Some(t), schema: Some(s) })) => format!("{{{}, {s}}}", inspect(&Value::string(t.clone()))),
            (_, Some(Source::Table { table: None, schema: Some(s) })) => s.clone(),
            (_, Some(Source::Table { table: Some(t), .. })) => inspect(&Value::string(t.clone())),
            (_, Some(Source::Subquery(sq))) => format!("subquery({})", from_one_line(&sq.query)),
            (_, Some(Source::Fragment(p))) => fragment_string(p, &names, &j.params),
            _ => "nil".into(),
        };
        parts.push(format!("{}: {name} in {src}", j.qual.keyword()));
        if let Some(a) = &j.as_ {
            parts.push(format!("as: {}", inspect(&Value::atom(a))));
        }
        if !((j.assoc.is_some() || matches!(j.qual, JoinQual::Cross | JoinQual::CrossLateral)) && j.on.clause.expr.is_true()) {
            parts.push(format!("on: {}", expr_to_string(&j.on.clause.expr, &names, &j.on.clause.params)));
        }
    }
    for w in &q.wheres {
        let kw = if w.op == BoolOp::And { "where" } else { "or_where" };
        parts.push(format!("{kw}: {}", expr_to_string(&w.clause.expr, &names, &w.clause.params)));
    }
    for g in &q.group_bys {
        parts.push(format!("group_by: {}", list_string(&g.expr, &names, &g.params)));
    }
    for h in &q.havings {
        let kw = if h.op == BoolOp::And { "having" } else { "or_having" };
        parts.push(format!("{kw}: {}", expr_to_string(&h.clause.expr, &names, &h.clause.params)));
    }
    for o in &q.order_bys {
        parts.push(format!("order_by: {}", dir_list(&o.expr, &names, &o.params)));
    }
    if let Some(l) = &q.limit {
        parts.push(format!("limit: {}", expr_to_string(&l.clause.expr, &names, &l.clause.params)));
    }
    if let Some(o) = &q.offset {
        parts.push(format!("offset: {}", expr_to_string(&o.expr, &names, &o.params)));
    }
    if let Some(d) = &q.distinct {
        parts.push(match &d.expr {
            Distinct::Bool(b) => format!("distinct: {b}"),
            Distinct::Exprs(es) => format!("distinct: {}", dir_list(es, &names, &d.params)),
        });
    }
    for u in &q.updates {
        let ops: Vec<String> = u
            .expr
            .iter()
            .map(|(op, kw)| {
                let inner: Vec<String> = kw.iter().map(|(k, e)| format!("{k}: {}", expr_to_string(e, &names, &u.params))).collect();
                format!("{}: [{}]", op.as_atom(), inner.join(", "))
            })
            .collect();
        parts.push(format!("update: [{}]", ops.join(", ")));
    }
    if let Some(Lock::Str(s)) = &q.lock {
        parts.push(format!("lock: {}", inspect(&Value::string(s.clone()))));
    }
    if let Some(s) = &q.select {
        parts.push(format!("select: {}", expr_to_string(&s.clause.expr, &names, &s.clause.params)));
    }
    if !q.preloads.is_empty() {
        let p: Vec<String> = q.preloads.iter().map(preload_string).collect();
        parts.push(format!("preload: [{}]", p.join(", ")));
    }
    if parts.is_empty() {
        return head;
    }
    head.push_str(",\n  ");
    head.push_str(&parts.join(",\n  "));
    head
}

fn from_one_line(q: &Query) -> String {
    query_to_string(q)
}

fn preload_string(p: &Preload) -> String {
    match p {
        Preload::Assoc(n, children) if children.is_empty() => inspect(&Value::atom(n)),
        Preload::Assoc(n, children) => format!("[{n}: [{}]]", children.iter().map(preload_string).collect::<Vec<_>>().join(", ")),
        Preload::Custom(n, v, _) => format!("[{n}: {}]", inspect(v)),
    }
}

/// `p0`, `c1`, ... from each source's first letter.
pub fn binding_names(q: &Query) -> Vec<String> {
    let mut names = vec![];
    let letter = |s: &Source| -> String {
        match s {
            Source::Table { table: Some(t), .. } => t
                .chars()
                .next()
                .filter(|c| c.is_ascii_alphabetic())
                .map(|c| c.to_ascii_lowercase().to_string())
                .unwrap_or_else(|| "x".into()),
            Source::Table { table: None, schema: Some(s) } => crate::value::alias_name(s)
                .rsplit('.')
                .next()
                .and_then(|x| x.chars().next())
                .map(|c| c.to_ascii_lowercase().to_string())
                .unwrap_or_else(|| "x".into()),
            Source::Subquery(_) => "s".into(),
            Source::Fragment(_) => "f".into(),
            _ => "x".into(),
        }
    };
    names.push(format!("{}0", letter(&q.from.source)));
    for (i, j) in q.joins.iter().enumerate() {
        let l = match (&j.source, &j.assoc) {
            (Some(s), _) => letter(s),
            (None, Some((_, a))) => a.chars().next().map(|c| c.to_string()).unwrap_or_else(|| "x".into()),
            _ => "x".into(),
        };
        names.push(format!("{l}{}", i + 1));
    }
    names
}

fn list_string(es: &[Expr], names: &[String], params: &[Param]) -> String {
    if es.len() == 1 {
        return expr_to_string(&es[0], names, params);
    }
    format!("[{}]", es.iter().map(|e| expr_to_string(e, names, params)).collect::<Vec<_>>().join(", "))
}

fn dir_list(es: &[(Dir, Expr)], names: &[String], params: &[Param]) -> String {
    let v: Vec<String> = es.iter().map(|(d, e)| format!("{}: {}", d.as_atom(), expr_to_string(e, names, params))).collect();
    format!("[{}]", v.join(", "))
}

fn fragment_string(parts: &[FragPart], names: &[String], params: &[Param]) -> String {
    let mut text = String::new();
    let mut args = vec![];
    for p in parts {
        match p {
            FragPart::Raw(s) => text.push_str(&s.replace('?', "\\?")),
            FragPart::Expr(e) => {
                text.push('?');
                args.push(expr_to_string(e, names, params));
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

fn bind_name(b: &Bind, names: &[String]) -> String {
    match b {
        Bind::Ix(i) => names.get(*i).cloned().unwrap_or_else(|| format!("unknown_binding_{i}!")),
        Bind::As(a) => format!("as({})", inspect(&Value::atom(a))),
        Bind::ParentAs(a) => format!("parent_as({})", inspect(&Value::atom(a))),
    }
}

fn field_str(f: &str) -> String {
    let atom = inspect(&Value::atom(f));
    if atom.starts_with(":\"") {
        atom[1..].to_string()
    } else {
        f.to_string()
    }
}

const INFIX: &[&str] = &["==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "and", "or", "in"];

/// An expression as Ecto's inspect prints it (`p0.views > ^100`).
pub fn expr_to_string(e: &Expr, names: &[String], params: &[Param]) -> String {
    let rec = |x: &Expr| expr_to_string(x, names, params);
    match e {
        Expr::Lit(v) => inspect(v),
        Expr::Var(b) => bind_name(b, names),
        Expr::Field(b, f) => format!("{}.{}", bind_name(b, names), field_str(f)),
        Expr::Param(ix) => match params.get(*ix) {
            Some(Param::Value(v, _)) => format!("^{}", inspect(v)),
            _ => "^...".into(),
        },
        Expr::ParamList(..) | Expr::Splice(_) => "^...".into(),
        Expr::Tagged(v, _) => rec(v),
        Expr::TaggedPrim(v, t) => format!("type({}, {})", rec(v), inspect(t)),
        Expr::Type(v, t) => format!("type({}, {})", rec(v), qtype_str(t, names)),
        Expr::Call(name, args) if args.len() == 2 && INFIX.contains(&name.as_str()) => {
            let l = paren_if_op(&args[0], names, params);
            let r = paren_if_op(&args[1], names, params);
            format!("{l} {name} {r}")
        }
        Expr::Call(name, args) if name == "not" && args.len() == 1 => match &args[0] {
            Expr::Call(n, a) if n == "in" && a.len() == 2 => format!("{} not in {}", rec(&a[0]), rec(&a[1])),
            other => format!("not({})", rec(other)),
        },
        Expr::Call(name, args) => format!("{name}({})", args.iter().map(&rec).collect::<Vec<_>>().join(", ")),
        Expr::Tuple(es) => format!("{{{}}}", es.iter().map(&rec).collect::<Vec<_>>().join(", ")),
        Expr::List(es) => format!("[{}]", es.iter().map(&rec).collect::<Vec<_>>().join(", ")),
        Expr::Map(kv) => format!("%{{{}}}", kv_string(kv, names, params)),
        Expr::MapUpdate(d, kv) => format!("%{{{} | {}}}", rec(d), kv_string(kv, names, params)),
        Expr::Struct(n, kv) => format!("%{n}{{{}}}", kv_string(kv, names, params)),
        Expr::Merge(a, b) => format!("merge({}, {})", rec(a), rec(b)),
        Expr::Fragment(parts) => fragment_string(parts, names, params),
        Expr::FragmentKw(v) => format!("fragment({})", inspect(v)),
        Expr::Subquery(_) | Expr::PlannedSubquery(_) => "subquery(...)".into(),
        Expr::JsonPath(f, path) => {
            let mut s = rec(f);
            for p in path {
                match p {
                    PathElem::Key(k) => s.push_str(&format!("[{}]", inspect(&Value::string(k.clone())))),
                    PathElem::Index(i) => s.push_str(&format!("[{i}]")),
                    PathElem::Field(f) => s.push_str(&format!("[{}]", rec(f))),
                }
            }
            s
        }
        Expr::SelectedAs(x, n) => format!("selected_as({}, {})", rec(x), inspect(&Value::atom(n))),
        Expr::SelectedAsRef(n) => format!("selected_as({})", inspect(&Value::atom(n))),
        Expr::Over(a, Over::Named(w)) => format!("over({}, {})", rec(a), inspect(&Value::atom(w))),
        Expr::Over(a, Over::Inline(_)) => format!("over({}, [...])", rec(a)),
        Expr::Identifier(s) => format!("identifier({})", inspect(&Value::string(s.clone()))),
    }
}

fn paren_if_op(e: &Expr, names: &[String], params: &[Param]) -> String {
    match e {
        Expr::Call(n, a) if a.len() == 2 && INFIX.contains(&n.as_str()) && (n == "and" || n == "or") => {
            format!("({})", expr_to_string(e, names, params))
        }
        _ => expr_to_string(e, names, params),
    }
}

fn kv_string(kv: &[(Expr, Expr)], names: &[String], params: &[Param]) -> String {
    kv.iter()
        .map(|(k, v)| match k {
            Expr::Lit(Value::Atom(a)) => format!("{}: {}", crate::value::inspect::key(a), expr_to_string(v, names, params)),
            _ => format!("{} => {}", expr_to_string(k, names, params), expr_to_string(v, names, params)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn qtype_str(t: &QType, names: &[String]) -> String {
    match t {
        QType::Any => ":any".into(),
        QType::Term(v) => inspect(v),
        QType::Field(b, f) => format!("{}.{}", bind_name(b, names), field_str(f)),
        QType::Array(i) => format!("{{:array, {}}}", qtype_str(i, names)),
        QType::In(i) => format!("{{:in, {}}}", qtype_str(i, names)),
        QType::Out(i) => format!("{{:out, {}}}", qtype_str(i, names)),
        QType::Splice(i) => format!("{{:splice, {}}}", qtype_str(i, names)),
        QType::Tuple(_) => ":any".into(),
        QType::SupertypeDatetime => "{:supertype, :datetime}".into(),
    }
}
