//! sqlparser's AST → Ecto query code.
//!
//! A statement is translated into [`Q`]s (one per query level: the clauses
//! as Elixir text), rendered last, because a correlated subquery decides
//! whether its parent's binding needs `as:` only once it is read. Scopes
//! hold the bindings of the queries being read, innermost last; a column
//! of an outer scope becomes `parent_as(:var).field`. A column a schema
//! does not map sends the whole statement back with that table read as a
//! string source ([`TrError::Retry`]).

use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;

use sqlparser::ast::{
    BinaryOperator, CastKind, Distinct, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, InTarget,
    Join, JoinConstraint, JoinOperator, LimitClause, ObjectName, OrderBy, OrderByExpr, OrderByKind, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, Statement, TableFactor, TableObject, UnaryOperator,
    Value as SqlValue, WindowType,
};

use super::catalog::{AssocPath, Catalog, ColType, Column as Col};
use super::{ErrorKind, FromSqlError, Kind, Options, Proposal};

// ---------------------------------------------------------------- state

#[derive(Debug)]
pub(crate) enum TrError {
    Unsupported {
        message: String,
        nearest: Option<String>,
    },
    /// This table's schema lacks a column the SQL reads: read it as a string source.
    Retry(String),
}

type R<T> = Result<T, TrError>;

fn unsupported<T>(message: impl Into<String>) -> R<T> {
    Err(TrError::Unsupported { message: message.into(), nearest: None })
}

#[derive(Clone, Debug)]
enum Src {
    Schema(usize),
    /// A table without a schema: columns unknown.
    Table(String),
    /// A subquery or CTE with known columns.
    Derived(Vec<Col>),
}

struct Binding {
    /// How the SQL names it (alias, else table), lowercased.
    name: String,
    var: String,
    src: Src,
    as_: Rc<Cell<bool>>,
}

#[derive(Default)]
struct Scope {
    bindings: Vec<Binding>,
    /// Select aliases, for ORDER BY / GROUP BY / HAVING.
    aliases: Vec<(String, Ex)>,
}

struct CteInfo {
    name: String,
    cols: Vec<Col>,
}

#[derive(Clone, Copy, PartialEq)]
enum AliasMode {
    Never,
    First,
    Fallback,
}

struct Tr<'a> {
    cat: &'a Catalog,
    opts: &'a Options,
    scopes: Vec<Scope>,
    ctes: Vec<CteInfo>,
    notes: Vec<String>,
    params: Vec<String>,
    placeholder: usize,
    forced: HashSet<String>,
    vars: HashSet<String>,
    alias_mode: AliasMode,
}

// ---------------------------------------------------------------- expressions

const P_OR: u8 = 1;
const P_AND: u8 = 2;
const P_EQ: u8 = 3;
const P_CMP: u8 = 4;
const P_IN: u8 = 5;
const P_ADD: u8 = 6;
const P_MUL: u8 = 7;
const P_ATOM: u8 = 10;

#[derive(Clone, Debug, PartialEq)]
enum Lit {
    Int(String),
    Float(String),
    Str(String),
    Bool(bool),
    Null,
}

/// A translated expression.
#[derive(Clone, Debug)]
struct Ex {
    code: String,
    prec: u8,
    lit: Option<Lit>,
    ty: Option<ColType>,
    /// A whole schema binding (`p` selecting every field): its columns.
    whole: Option<Vec<Col>>,
    /// An Ecto aggregate (`filter/2` applies).
    agg: bool,
    /// A map (or untyped) field json paths apply to.
    field: bool,
}

impl Ex {
    fn atom(code: impl Into<String>) -> Ex {
        Ex { code: code.into(), prec: P_ATOM, lit: None, ty: None, whole: None, agg: false, field: false }
    }
    fn op(code: String, prec: u8) -> Ex {
        Ex { prec, ..Ex::atom(code) }
    }
    fn at(&self, min: u8) -> String {
        if self.prec < min {
            format!("({})", self.code)
        } else {
            self.code.clone()
        }
    }
}

pub(crate) fn string(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '#' if chars.peek() == Some(&'{') => out.push_str("\\#"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const RESERVED: &[&str] =
    &["do", "end", "fn", "in", "and", "or", "not", "when", "true", "false", "nil", "after", "else", "catch", "rescue"];

fn is_ident(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&s)
}

/// `name:` in a keyword list or map.
fn key(s: &str) -> String {
    let mut cs = s.chars();
    if matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_') && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{s}:")
    } else {
        format!("{}:", string(s))
    }
}

/// `:name`.
fn atom(s: &str) -> String {
    let k = key(s);
    format!(":{}", &k[..k.len() - 1])
}

fn field_of(var: &str, key: &str) -> String {
    if is_ident(key) {
        format!("{var}.{key}")
    } else {
        format!("field({var}, {})", atom(key))
    }
}

fn float(text: &str) -> String {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => {
            let s = format!("{v:?}");
            match s.find('e') {
                Some(i) if !s[..i].contains('.') => format!("{}.0{}", &s[..i], &s[i..]),
                _ => s,
            }
        }
        _ => text.to_string(),
    }
}

fn lit_text(l: &Lit) -> String {
    match l {
        Lit::Int(s) => s.clone(),
        Lit::Float(s) => float(s),
        Lit::Str(s) => string(s),
        Lit::Bool(b) => b.to_string(),
        Lit::Null => "nil".into(),
    }
}

fn lit_type(l: &Lit) -> &'static str {
    match l {
        Lit::Int(_) => ":integer",
        Lit::Float(_) => ":float",
        Lit::Bool(_) => ":boolean",
        Lit::Str(_) | Lit::Null => ":string",
    }
}

/// A literal next to a value of type `ty`: as written when Ecto can dump
/// it to that type, else typed by itself (`type(^"2024-01-01", :string)`),
/// so the SQL compares what the input compared.
fn lit_for(l: &Lit, ty: Option<&ColType>, pin: bool) -> String {
    // ecto_sqlite3 doubles the backslashes of the strings it writes into
    // the SQL: a string with one travels as a parameter.
    let pin = pin || matches!(l, Lit::Str(s) if s.contains('\\'));
    let plain = || if pin && *l != Lit::Null { format!("^{}", lit_text(l)) } else { lit_text(l) };
    let typed = || format!("type(^{}, {})", lit_text(l), lit_type(l));
    let Some(ty) = ty else { return plain() };
    match (l, ty) {
        (Lit::Null, _) => plain(),
        (Lit::Int(_), ColType::Integer) => plain(),
        (Lit::Int(s), ColType::Float) => float(&format!("{s}.0")),
        (Lit::Int(s), ColType::Boolean) if s == "0" || s == "1" => (s == "1").to_string(),
        (Lit::Float(_), ColType::Float) => plain(),
        (Lit::Str(_), ColType::String) => plain(),
        (Lit::Str(d), ColType::Date) if is_iso_date(d) => format!("^~D[{d}]"),
        (Lit::Bool(_), ColType::Boolean) => plain(),
        (_, ColType::Any) => plain(),
        _ => typed(),
    }
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

fn ident_lower(i: &Ident) -> String {
    i.value.to_lowercase()
}

fn object_last(n: &ObjectName) -> String {
    n.0.last().and_then(|p| p.as_ident()).map(|i| i.value.clone()).unwrap_or_else(|| n.to_string())
}

// ---------------------------------------------------------------- queries under construction

struct FromQ {
    var: String,
    source: String,
    as_: Rc<Cell<bool>>,
}

struct JoinQ {
    keyword: &'static str,
    qual: &'static str,
    var: String,
    source: String,
    on: Option<String>,
    as_: Rc<Cell<bool>>,
}

#[derive(Default)]
struct Q {
    from: Option<FromQ>,
    joins: Vec<JoinQ>,
    wheres: Vec<String>,
    group_by: Vec<String>,
    having: Vec<String>,
    windows: Vec<(String, String)>,
    select: Option<String>,
    distinct: Option<String>,
    order_by: Vec<String>,
    limit: Option<String>,
    offset: Option<String>,
    update: Vec<String>,
    combos: Vec<(&'static str, String)>,
    ctes: Vec<(String, String, bool)>,
    recursive: bool,
}

fn list(items: &[String]) -> String {
    if items.len() == 1 && !items[0].contains(':') {
        items[0].clone()
    } else {
        format!("[{}]", items.join(", "))
    }
}

impl Q {
    fn vars(&self) -> Vec<String> {
        let mut v: Vec<String> = self.from.iter().map(|f| f.var.clone()).collect();
        v.extend(self.joins.iter().map(|j| j.var.clone()));
        v
    }

    fn and(parts: &[String]) -> String {
        if parts.len() == 1 {
            parts[0].clone()
        } else {
            parts.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(" and ")
        }
    }

    /// The clauses after the joins, in the order both forms write them:
    /// each keyword with its argument (`where` and `p.x == 1`).
    fn clauses(&self) -> Vec<(&str, String)> {
        let mut out: Vec<(&str, String)> = vec![];
        if !self.wheres.is_empty() {
            out.push(("where", Q::and(&self.wheres)));
        }
        if !self.group_by.is_empty() {
            out.push(("group_by", list(&self.group_by)));
        }
        if !self.having.is_empty() {
            out.push(("having", Q::and(&self.having)));
        }
        if !self.windows.is_empty() {
            let w: Vec<String> = self.windows.iter().map(|(n, d)| format!("{} {d}", key(n))).collect();
            out.push(("windows", format!("[{}]", w.join(", "))));
        }
        if let Some(d) = &self.distinct {
            out.push(("distinct", d.clone()));
        }
        if let Some(s) = &self.select {
            out.push(("select", s.clone()));
        }
        if !self.order_by.is_empty() {
            out.push(("order_by", format!("[{}]", self.order_by.join(", "))));
        }
        if let Some(l) = &self.limit {
            out.push(("limit", l.clone()));
        }
        if let Some(o) = &self.offset {
            out.push(("offset", o.clone()));
        }
        if !self.update.is_empty() {
            out.push(("update", format!("[{}]", self.update.join(", "))));
        }
        for (op, q) in &self.combos {
            out.push((*op, format!("^{q}")));
        }
        out
    }

    /// Keyword syntax; `indent` None writes one line.
    fn keyword(&self, indent: Option<&str>) -> String {
        let Some(from) = &self.from else { return String::new() };
        let mut parts = vec![];
        if from.as_.get() {
            parts.push(format!("as: {}", atom(&from.var)));
        }
        for j in &self.joins {
            parts.push(format!("{}: {} in {}", j.keyword, j.var, j.source));
            if j.as_.get() {
                parts.push(format!("as: {}", atom(&j.var)));
            }
            if let Some(on) = &j.on {
                parts.push(format!("on: {on}"));
            }
        }
        for (name, arg) in self.clauses() {
            parts.push(format!("{name}: {arg}"));
        }
        let head = format!("from({} in {}", from.var, from.source);
        let mut out = match indent {
            None => {
                let mut s = head;
                for p in &parts {
                    s.push_str(", ");
                    s.push_str(p);
                }
                s.push(')');
                s
            }
            Some(ind) if parts.is_empty() => format!("{head})").replace('\n', &format!("\n{ind}")),
            Some(ind) => {
                let mut s = head;
                s.push(',');
                let inner = format!("{ind}  ");
                for (i, p) in parts.iter().enumerate() {
                    s.push('\n');
                    s.push_str(&inner);
                    s.push_str(p);
                    if i + 1 < parts.len() {
                        s.push(',');
                    }
                }
                s.push('\n');
                s.push_str(ind);
                s.push(')');
                s
            }
        };
        out.push_str(&self.cte_pipes(indent));
        out
    }

    fn cte_pipes(&self, indent: Option<&str>) -> String {
        let mut out = String::new();
        let sep = match indent {
            None => " ".to_string(),
            Some(ind) => format!("\n{ind}"),
        };
        if self.recursive {
            out.push_str(&format!("{sep}|> recursive_ctes(true)"));
        }
        for (name, code, materialized) in &self.ctes {
            let m = if *materialized { ", materialized: true" } else { "" };
            out.push_str(&format!("{sep}|> with_cte({}, as: ^{code}{m})", string(name)));
        }
        out
    }

    /// The pipe form (top level only).
    fn pipe(&self) -> String {
        let Some(from) = &self.from else { return String::new() };
        let mut lines = vec![];
        let simple = from.source.starts_with(|c: char| c.is_ascii_uppercase()) || from.source.starts_with('"');
        if from.as_.get() || !simple {
            let as_ = if from.as_.get() { format!(", as: {}", atom(&from.var)) } else { String::new() };
            lines.push(format!("from({} in {}{as_})", from.var, from.source));
        } else {
            lines.push(from.source.clone());
        }
        let mut vars = vec![from.var.clone()];
        for j in &self.joins {
            let mut opts = String::new();
            if j.as_.get() {
                opts.push_str(&format!(", as: {}", atom(&j.var)));
            }
            if let Some(on) = &j.on {
                opts.push_str(&format!(", on: {on}"));
            }
            lines.push(format!("|> join({}, [{}], {} in {}{opts})", j.qual, vars.join(", "), j.var, j.source));
            vars.push(j.var.clone());
        }
        let b = format!("[{}]", self.vars().join(", "));
        for (name, arg) in self.clauses() {
            match name {
                // no bindings: `limit/2`, `offset/2` and the set operations
                "limit" | "offset" | "union" | "union_all" | "intersect" | "intersect_all" | "except" | "except_all" => {
                    lines.push(format!("|> {name}({arg})"))
                }
                // its keyword list as the last argument, without brackets
                "windows" => lines.push(format!("|> windows({b}, {})", &arg[1..arg.len() - 1])),
                _ => lines.push(format!("|> {name}({b}, {arg})")),
            }
        }
        let mut out = lines.join("\n");
        out.push_str(&self.cte_pipes(Some("")));
        out
    }

    fn inline(&self) -> String {
        self.keyword(None)
    }
}

// ---------------------------------------------------------------- statements

/// Translates one statement into `p` (code, or the error).
pub(crate) fn statement(cat: &Catalog, opts: &Options, st: &Statement, p: &mut Proposal) {
    let mut forced = HashSet::new();
    for _ in 0..16 {
        let mut tr = Tr {
            cat,
            opts,
            scopes: vec![],
            ctes: vec![],
            notes: vec![],
            params: vec![],
            placeholder: 0,
            forced: forced.clone(),
            vars: HashSet::new(),
            alias_mode: AliasMode::Never,
        };
        match tr.statement(st) {
            Ok((kind, code, query)) => {
                p.kind = kind;
                let mut block = String::new();
                for n in &tr.notes {
                    for (i, l) in n.lines().enumerate() {
                        block.push_str(if i == 0 { "# " } else { "#   " });
                        block.push_str(l);
                        block.push('\n');
                    }
                }
                block.push_str(&code);
                p.code = Some(block);
                p.query = Some(query);
                p.params = tr.params;
                p.notes = tr.notes;
                return;
            }
            Err(TrError::Retry(t)) => {
                if !forced.insert(t) {
                    break;
                }
            }
            Err(TrError::Unsupported { message, nearest }) => {
                p.error = Some(FromSqlError { kind: ErrorKind::Unsupported, message, line: Some(p.line), column: None, nearest });
                p.notes = tr.notes;
                return;
            }
        }
    }
    p.error = Some(FromSqlError {
        kind: ErrorKind::Unsupported,
        message: "the schemas and the SQL disagree on the tables' columns".into(),
        line: Some(p.line),
        column: None,
        nearest: None,
    });
}

/// What a query is read for: its select's shape.
#[derive(Clone, Debug)]
enum Shape {
    /// The statement's result: a value, a map in column order, or a tuple.
    Top,
    /// A member of UNION/EXCEPT/INTERSECT: positional (value or tuple).
    Positional,
    /// A source (subquery, CTE, insert_all): a map, keys given or from the columns.
    Named(Option<Vec<String>>),
    /// One value (`IN`, scalar subquery).
    Value,
    /// `EXISTS`: no select needed.
    Exists,
}

struct Item {
    name: Option<String>,
    ex: Ex,
}

impl<'a> Tr<'a> {
    fn statement(&mut self, st: &Statement) -> R<(Kind, String, String)> {
        match st {
            Statement::Query(q) => {
                let (eq, _) = self.query(q, &Shape::Top)?;
                let code = self.render_top(&eq);
                Ok((Kind::All, code.clone(), code))
            }
            Statement::Update(u) => self.update(u),
            Statement::Delete(d) => self.delete(d),
            Statement::Insert(i) => self.insert(i),
            other => {
                let head: String = other.to_string().split_whitespace().take(3).collect::<Vec<_>>().join(" ");
                unsupported(format!("`{head} ...` is not a query: Ecto writes SELECT, INSERT ... SELECT, UPDATE and DELETE"))
            }
        }
    }

    fn render_top(&self, q: &Q) -> String {
        if self.opts.pipe {
            q.pipe()
        } else {
            q.keyword(Some(""))
        }
    }

    fn note(&mut self, n: impl Into<String>) {
        let n = n.into();
        if !self.notes.contains(&n) {
            self.notes.push(n);
        }
    }

    // ------------------------------------------------------------ query levels

    fn query(&mut self, q: &Query, shape: &Shape) -> R<(Q, Vec<Col>)> {
        let mark = self.ctes.len();
        let mut ctes = vec![];
        let mut recursive = false;
        if let Some(w) = &q.with {
            recursive = w.recursive;
            for cte in &w.cte_tables {
                let name = cte.alias.name.value.clone();
                let names: Option<Vec<String>> = if cte.alias.columns.is_empty() {
                    None
                } else {
                    Some(cte.alias.columns.iter().map(|c| c.name.value.clone()).collect())
                };
                let materialized = matches!(cte.materialized, Some(sqlparser::ast::CteAsMaterialized::Materialized));
                let (code, cols) = if w.recursive {
                    self.recursive_cte(&name, &cte.query, names)?
                } else {
                    let (eq, cols) = self.query(&cte.query, &Shape::Named(names))?;
                    (eq.inline(), cols)
                };
                self.ctes.push(CteInfo { name: name.clone(), cols });
                ctes.push((name, code, materialized));
            }
        }
        let (limit, offset) = limits(q)?;
        let result = match &*q.body {
            SetExpr::Select(s) => self.select(s, q.order_by.as_ref(), limit, offset, shape),
            body => {
                let (mut eq, cols) = self.set_expr(body, shape)?;
                if let Some(ob) = &q.order_by {
                    eq.order_by = self.compound_order(ob, &cols)?;
                }
                if let Some(l) = limit {
                    eq.limit = Some(self.expr(l)?.code);
                }
                if let Some(o) = offset {
                    eq.offset = Some(self.expr(o)?.code);
                }
                Ok((eq, cols))
            }
        };
        self.ctes.truncate(mark);
        let (mut eq, cols) = result?;
        eq.ctes = ctes;
        eq.recursive = recursive;
        Ok((eq, cols))
    }

    fn recursive_cte(&mut self, name: &str, q: &Query, names: Option<Vec<String>>) -> R<(String, Vec<Col>)> {
        let SetExpr::SetOperation { left, op: SetOperator::Union, set_quantifier, right } = &*q.body else {
            let (eq, cols) = self.query(q, &Shape::Named(names))?;
            return Ok((eq.inline(), cols));
        };
        let (mut anchor, cols) = self.set_expr(left, &Shape::Named(names))?;
        self.ctes.push(CteInfo { name: name.to_string(), cols: cols.clone() });
        let keys: Vec<String> = cols.iter().map(|c| c.key.clone()).collect();
        let step = self.set_expr(right, &Shape::Named(Some(keys)));
        self.ctes.pop();
        let (step, _) = step?;
        let op = if matches!(set_quantifier, SetQuantifier::All) { "union_all" } else { "union" };
        anchor.combos.push((op, step.inline()));
        Ok((anchor.inline(), cols))
    }

    fn set_expr(&mut self, e: &SetExpr, shape: &Shape) -> R<(Q, Vec<Col>)> {
        match e {
            SetExpr::Select(s) => self.select(s, None, None, None, shape),
            SetExpr::Query(q) => self.query(q, shape),
            SetExpr::SetOperation { left, op, set_quantifier, right } => {
                let member = match shape {
                    Shape::Top | Shape::Positional => Shape::Positional,
                    other => other.clone(),
                };
                let (mut l, cols) = self.set_expr(left, &member)?;
                let right_shape = match member {
                    Shape::Named(_) => Shape::Named(Some(cols.iter().map(|c| c.key.clone()).collect())),
                    s => s,
                };
                let (r, _) = self.set_expr(right, &right_shape)?;
                let all = matches!(set_quantifier, SetQuantifier::All);
                let name = match (op, all) {
                    (SetOperator::Union, false) => "union",
                    (SetOperator::Union, true) => "union_all",
                    (SetOperator::Except | SetOperator::Minus, false) => "except",
                    (SetOperator::Except | SetOperator::Minus, true) => "except_all",
                    (SetOperator::Intersect, false) => "intersect",
                    (SetOperator::Intersect, true) => "intersect_all",
                };
                if !matches!(set_quantifier, SetQuantifier::All | SetQuantifier::Distinct | SetQuantifier::None) {
                    return unsupported(format!("{op} {set_quantifier} has no Ecto form"));
                }
                l.combos.push((name, r.inline()));
                Ok((l, cols))
            }
            SetExpr::Values(_) => unsupported("a VALUES list is not a query in Ecto; `Repo.insert_all/3` takes the rows as a list of maps"),
            other => unsupported(format!("`{}` is not a query Ecto can write", other.to_string().chars().take(40).collect::<String>())),
        }
    }

    /// ORDER BY of a compound query: positions (Ecto prints `order_by: [desc: 2]` as `ORDER BY 2 DESC`).
    fn compound_order(&mut self, ob: &OrderBy, cols: &[Col]) -> R<Vec<String>> {
        let OrderByKind::Expressions(items) = &ob.kind else { return unsupported("ORDER BY ALL has no Ecto form") };
        let mut out = vec![];
        for it in items {
            let pos = match &it.expr {
                Expr::Value(v) => match &v.value {
                    SqlValue::Number(n, _) => n.clone(),
                    _ => return unsupported("ORDER BY of a UNION takes a column name or position"),
                },
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                    let name = match &it.expr {
                        Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()).unwrap_or_default(),
                        _ => i_value(&it.expr),
                    };
                    match cols.iter().position(|c| c.sql.eq_ignore_ascii_case(&name)) {
                        Some(i) => (i + 1).to_string(),
                        None => return unsupported(format!("ORDER BY {name}: not a column of the UNION's first query")),
                    }
                }
                _ => return unsupported("ORDER BY of a UNION takes a column name or position"),
            };
            out.push(format!("{} {pos}", direction(it)));
        }
        Ok(out)
    }

    fn fresh_var(&mut self, hint: &str) -> String {
        let lower = hint.to_lowercase();
        let mut base: String = if is_ident(&lower) && lower.len() <= 12 {
            lower
        } else {
            lower.chars().find(|c| c.is_ascii_lowercase()).map(|c| c.to_string()).unwrap_or_else(|| "t".into())
        };
        if RESERVED.contains(&base.as_str()) {
            base.push('_');
        }
        let mut v = base.clone();
        let mut n = 1;
        while self.vars.contains(&v) {
            n += 1;
            v = format!("{base}{n}");
        }
        self.vars.insert(v.clone());
        v
    }

    /// A FROM or JOIN item: its binding (pushed onto the current scope) and Ecto source.
    fn source(&mut self, tf: &TableFactor) -> R<(String, String, bool)> {
        match tf {
            TableFactor::Table { name, alias, args: None, .. } => {
                let table = object_last(name);
                if name.0.len() > 1 {
                    let prefix = name.0[0].to_string();
                    if !["public", "main"].contains(&prefix.to_lowercase().as_str()) {
                        self.note(format!("the table's schema prefix `{prefix}` is left out (Ecto's `prefix:` option sets it)"));
                    }
                }
                let sql_name = alias.as_ref().map(|a| ident_lower(&a.name)).unwrap_or_else(|| table.to_lowercase());
                // Ecto's habit: a table without an alias binds its first letter.
                let hint = alias.as_ref().map(|a| a.name.value.clone()).unwrap_or_else(|| table.chars().take(1).collect());
                let var = self.fresh_var(&hint);
                let (src, code) = if let Some(c) = self.ctes.iter().rev().find(|c| c.name.eq_ignore_ascii_case(&table)) {
                    (Src::Derived(c.cols.clone()), string(&c.name))
                } else if let Some(i) = self.cat.table(&table).filter(|_| !self.forced.contains(&table.to_lowercase())) {
                    (Src::Schema(i), self.cat.tables[i].module.clone())
                } else {
                    (Src::Table(table.clone()), string(&table))
                };
                self.bind(sql_name, var.clone(), src);
                Ok((var, code, false))
            }
            TableFactor::Derived { lateral, subquery, alias, .. } => {
                let names: Option<Vec<String>> =
                    alias.as_ref().filter(|a| !a.columns.is_empty()).map(|a| a.columns.iter().map(|c| c.name.value.clone()).collect());
                let (eq, cols) = self.query(subquery, &Shape::Named(names))?;
                let sql_name = alias.as_ref().map(|a| ident_lower(&a.name)).unwrap_or_default();
                let var = self.fresh_var(alias.as_ref().map(|a| a.name.value.as_str()).unwrap_or("s"));
                self.bind(sql_name, var.clone(), Src::Derived(cols));
                Ok((var, format!("subquery({})", eq.inline()), *lateral))
            }
            TableFactor::NestedJoin { .. } => unsupported("parenthesized joins have no Ecto form: write the joins one after another"),
            other => unsupported(format!("`{other}` is not a source Ecto can read (a table, a CTE or a subquery)")),
        }
    }

    fn bind(&mut self, name: String, var: String, src: Src) {
        let scope = self.scopes.last_mut().expect("a scope");
        scope.bindings.push(Binding { name, var, src, as_: Rc::new(Cell::new(false)) });
    }

    fn select(
        &mut self,
        s: &Select,
        order: Option<&OrderBy>,
        limit: Option<&Expr>,
        offset: Option<&Expr>,
        shape: &Shape,
    ) -> R<(Q, Vec<Col>)> {
        self.scopes.push(Scope::default());
        let r = self.select_in_scope(s, order, limit, offset, shape);
        self.scopes.pop();
        r
    }

    fn select_in_scope(
        &mut self,
        s: &Select,
        order: Option<&OrderBy>,
        limit: Option<&Expr>,
        offset: Option<&Expr>,
        shape: &Shape,
    ) -> R<(Q, Vec<Col>)> {
        let mut q = Q::default();
        if s.from.is_empty() {
            return self.constant_select(s, shape);
        }
        for (i, twj) in s.from.iter().enumerate() {
            let (var, source, lateral) = self.source(&twj.relation)?;
            let as_ = self.scopes.last().and_then(|sc| sc.bindings.last()).map(|b| b.as_.clone()).unwrap_or_default();
            if i == 0 {
                if lateral {
                    return unsupported("a LATERAL subquery cannot come first");
                }
                q.from = Some(FromQ { var, source, as_ });
            } else {
                q.joins.push(JoinQ {
                    keyword: if lateral { "inner_lateral_join" } else { "cross_join" },
                    qual: if lateral { ":inner_lateral" } else { ":cross" },
                    var,
                    source,
                    on: if lateral { Some("true".into()) } else { None },
                    as_,
                });
            }
            let mut k = 0;
            while k < twj.joins.len() {
                if let Some(pair) = twj.joins.get(k + 1) {
                    if self.through_join(&twj.joins[k], pair, s, order, &mut q)? {
                        k += 2;
                        continue;
                    }
                }
                self.join(&twj.joins[k], &mut q)?;
                k += 1;
            }
        }
        if s.from.len() > 1 {
            self.note("tables listed in FROM are joined with `cross_join`; the WHERE clause keeps the join conditions");
        }
        if let Some(w) = &s.selection {
            q.wheres.push(self.expr(w)?.code);
        }
        // The select list first: ORDER BY, GROUP BY and HAVING may name its aliases.
        let items = self.items(&s.projection)?;
        for it in &items {
            if let Some(n) = &it.name {
                let ex = it.ex.clone();
                self.scopes.last_mut().expect("a scope").aliases.push((n.to_lowercase(), ex));
            }
        }
        match &s.group_by {
            GroupByExpr::Expressions(exprs, mods) => {
                if !mods.is_empty() {
                    return unsupported("GROUP BY modifiers (ROLLUP, CUBE, ...) have no Ecto form");
                }
                self.alias_mode = AliasMode::Fallback;
                let r: R<Vec<String>> = exprs
                    .iter()
                    .map(|e| match e {
                        // A position, as written (never pinned).
                        Expr::Value(v) if matches!(v.value, SqlValue::Number(..)) => Ok(v.value.to_string()),
                        e => self.expr(e).map(|x| x.code),
                    })
                    .collect();
                self.alias_mode = AliasMode::Never;
                q.group_by = r?;
            }
            GroupByExpr::All(_) => return unsupported("GROUP BY ALL has no Ecto form: list the expressions"),
        }
        if let Some(h) = &s.having {
            self.alias_mode = AliasMode::Fallback;
            let r = self.expr(h);
            self.alias_mode = AliasMode::Never;
            q.having.push(r?.code);
        }
        for w in &s.named_window {
            let sqlparser::ast::NamedWindowExpr::WindowSpec(spec) = &w.1 else {
                return unsupported("a window defined by another window's name has no Ecto form");
            };
            let opts = self.window_opts(spec)?;
            q.windows.push((w.0.value.clone(), format!("[{}]", opts.join(", "))));
        }
        let mut order_items: Vec<&OrderByExpr> = match order.map(|o| &o.kind) {
            Some(OrderByKind::Expressions(v)) => v.iter().collect(),
            Some(OrderByKind::All(_)) => return unsupported("ORDER BY ALL has no Ecto form"),
            None => vec![],
        };
        match &s.distinct {
            None | Some(Distinct::All) => {}
            Some(Distinct::Distinct) => q.distinct = Some("true".into()),
            Some(Distinct::On(exprs)) => {
                // Ecto puts DISTINCT ON's expressions first in ORDER BY itself.
                let mut d = vec![];
                for e in exprs {
                    let dir = match order_items.first() {
                        Some(o) if o.expr == *e => {
                            let dir = direction(o);
                            order_items.remove(0);
                            dir
                        }
                        _ => "asc:".to_string(),
                    };
                    d.push(format!("{dir} {}", self.expr(e)?.code));
                }
                q.distinct = Some(format!("[{}]", d.join(", ")));
                self.note("DISTINCT ON is PostgreSQL's: SQLite has no such clause");
            }
        }
        self.alias_mode = AliasMode::First;
        let mut ob = vec![];
        for o in order_items {
            let e = match &o.expr {
                Expr::Value(v) if matches!(v.value, SqlValue::Number(..)) => Ok(Ex::atom(v.value.to_string())),
                e => self.expr(e),
            };
            match e {
                Ok(e) => ob.push(format!("{} {}", direction(o), e.code)),
                Err(err) => {
                    self.alias_mode = AliasMode::Never;
                    return Err(err);
                }
            }
        }
        self.alias_mode = AliasMode::Never;
        q.order_by = ob;
        if let Some(l) = limit {
            q.limit = Some(self.expr(l)?.code);
        }
        if let Some(o) = offset {
            q.offset = Some(self.expr(o)?.code);
        }
        let single_binding = self.scopes.last().map(|s| s.bindings.len() == 1).unwrap_or(false);
        let (select, cols) = self.shape_select(items, shape, single_binding)?;
        q.select = select;
        Ok((q, cols))
    }

    /// `SELECT 1 AS n` (no FROM): a fragment source with the constants as arguments.
    fn constant_select(&mut self, s: &Select, shape: &Shape) -> R<(Q, Vec<Col>)> {
        let mut parts = vec![];
        let mut args = vec![];
        let mut cols = vec![];
        for (i, it) in s.projection.iter().enumerate() {
            let (e, name) = match it {
                SelectItem::UnnamedExpr(e) => (e, None),
                SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.value.clone())),
                _ => return unsupported("SELECT * needs a FROM"),
            };
            let name = match (shape, name) {
                (Shape::Named(Some(keys)), _) if i < keys.len() => keys[i].clone(),
                (_, Some(n)) if is_ident(&n) => n,
                _ => format!("c{}", i + 1),
            };
            let ex = self.expr(e)?;
            if ex.lit.is_none() && reads_a_field(&ex.code) {
                return unsupported("a SELECT without FROM has no Ecto form unless it selects constants");
            }
            parts.push(format!("? AS {name}"));
            args.push(ex.code);
            cols.push(Col { sql: name.clone(), key: name, ty: None });
        }
        self.note("Ecto queries need a source: the FROM-less SELECT becomes a fragment source, its constants passed as arguments");
        let var = self.fresh_var("f");
        let source = format!("fragment({}, {})", string(&format!("SELECT {}", parts.join(", "))), args.join(", "));
        let mut q = Q { from: Some(FromQ { var: var.clone(), source, as_: Rc::new(Cell::new(false)) }), ..Q::default() };
        let fields: Vec<String> = cols.iter().map(|c| field_of(&var, &c.key)).collect();
        q.select = Some(match shape {
            Shape::Named(_) => {
                format!("%{{{}}}", cols.iter().zip(&fields).map(|(c, f)| format!("{} {f}", key(&c.key))).collect::<Vec<_>>().join(", "))
            }
            _ if fields.len() == 1 => fields[0].clone(),
            _ => format!("{{{}}}", fields.join(", ")),
        });
        Ok((q, cols))
    }

    fn join(&mut self, j: &Join, q: &mut Q) -> R<()> {
        let (keyword, qual, constraint) = match &j.join_operator {
            JoinOperator::Join(c) | JoinOperator::Inner(c) => ("join", ":inner", Some(c)),
            JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => ("left_join", ":left", Some(c)),
            JoinOperator::Right(c) | JoinOperator::RightOuter(c) => ("right_join", ":right", Some(c)),
            JoinOperator::FullOuter(c) => ("full_join", ":full", Some(c)),
            JoinOperator::CrossJoin(c) => ("cross_join", ":cross", Some(c)),
            other => return unsupported(format!("{other:?} joins have no Ecto form").replace("(None)", "")),
        };
        let before: Vec<(String, Src, String)> = self
            .scopes
            .last()
            .map(|s| s.bindings.iter().map(|b| (b.name.clone(), b.src.clone(), b.var.clone())).collect())
            .unwrap_or_default();
        let (var, mut source, lateral) = self.source(&j.relation)?;
        let (keyword, qual) = match (lateral, keyword) {
            (false, _) => (keyword, qual),
            (true, "left_join") => ("left_lateral_join", ":left_lateral"),
            (true, "join" | "cross_join") => ("inner_lateral_join", ":inner_lateral"),
            (true, _) => return unsupported("only INNER and LEFT joins can be LATERAL in Ecto"),
        };
        if lateral {
            self.note("LATERAL joins are PostgreSQL's: SQLite has none");
        }
        let as_ = self.scopes.last().and_then(|s| s.bindings.last()).map(|b| b.as_.clone()).unwrap_or_default();
        let mut on = None;
        match constraint {
            Some(JoinConstraint::On(e)) => {
                let (assoc, rest) = self.assoc_join(&var, e, &before);
                let rest_code = match rest {
                    Some(rest) => {
                        let parts: R<Vec<String>> = rest.iter().map(|c| self.expr(c).map(|x| x.at(P_AND + 1))).collect();
                        Some(parts?.join(" and "))
                    }
                    None => None,
                };
                match assoc {
                    Some(a) => {
                        source = a;
                        on = rest_code;
                    }
                    None => on = Some(self.expr(e)?.code),
                }
            }
            Some(JoinConstraint::Using(cols)) => {
                let mut parts = vec![];
                for c in cols {
                    let col = object_last(c);
                    let left = before
                        .iter()
                        .rev()
                        .find(|(_, src, _)| self.src_has(src, &col) == Some(true))
                        .or(before.last())
                        .ok_or_else(|| TrError::Unsupported { message: "USING without a table on its left".into(), nearest: None })?;
                    let (lname, _, _) = left.clone();
                    let l = self.column(Some(&lname), &col)?;
                    let r = self.column(
                        Some(&self.scopes.last().and_then(|s| s.bindings.last()).map(|b| b.name.clone()).unwrap_or_default()),
                        &col,
                    )?;
                    parts.push(format!("{} == {}", l.code, r.code));
                }
                self.note("JOIN ... USING is written as `on:` over the same columns (SELECT * then lists both tables' copies)");
                on = Some(parts.join(" and "));
            }
            Some(JoinConstraint::Natural) => {
                let new_src = self.scopes.last().and_then(|s| s.bindings.last()).map(|b| b.src.clone());
                let nearest = self.natural_on(&before, new_src.as_ref(), &var);
                return Err(TrError::Unsupported {
                    message: "NATURAL JOIN has no Ecto form: Ecto joins name their condition with `on:` (or `assoc/2`)".into(),
                    nearest: nearest.map(|on| format!("{keyword}: {var} in {source}, on: {on}")),
                });
            }
            Some(JoinConstraint::None) | None => {
                if keyword != "cross_join" {
                    on = Some("true".into());
                }
            }
            Some(other) => return unsupported(format!("join constraint `{other:?}` has no Ecto form")),
        }
        if lateral && on.is_none() {
            on = Some("true".into());
        }
        q.joins.push(JoinQ { keyword, qual, var, source, on, as_ });
        Ok(())
    }

    /// `JOIN jt ON jt.owner_join = o.owner_column JOIN r ON r.related_column
    /// = jt.related_join`, the join table of a `many_to_many` and its
    /// related table (both inner, or both left, joins), is
    /// `join: r in assoc(o, :name)` when nothing else reads the join table.
    fn through_join(&mut self, j1: &Join, j2: &Join, s: &Select, order: Option<&OrderBy>, q: &mut Q) -> R<bool> {
        fn kind(j: &Join) -> Option<(&'static str, &'static str, &Expr)> {
            match &j.join_operator {
                JoinOperator::Join(JoinConstraint::On(e)) | JoinOperator::Inner(JoinConstraint::On(e)) => Some(("join", ":inner", e)),
                JoinOperator::Left(JoinConstraint::On(e)) | JoinOperator::LeftOuter(JoinConstraint::On(e)) => {
                    Some(("left_join", ":left", e))
                }
                _ => None,
            }
        }
        let (Some((keyword, qual, on1)), Some((keyword2, _, on2))) = (kind(j1), kind(j2)) else { return Ok(false) };
        if keyword != keyword2 {
            return Ok(false);
        }
        let table_of = |tf: &TableFactor| match tf {
            TableFactor::Table { name, alias, args: None, .. } => {
                let table = object_last(name);
                let sql_name = alias.as_ref().map(|a| ident_lower(&a.name)).unwrap_or_else(|| table.to_lowercase());
                Some((table, sql_name))
            }
            _ => None,
        };
        let (Some((jt, jname)), Some((rt, rname))) = (table_of(&j1.relation), table_of(&j2.relation)) else { return Ok(false) };
        let shadowed = |t: &str| self.ctes.iter().any(|c| c.name.eq_ignore_ascii_case(t)) || self.forced.contains(&t.to_lowercase());
        if shadowed(&jt) || shadowed(&rt) {
            return Ok(false);
        }
        let Some(ri) = self.cat.table(&rt) else { return Ok(false) };
        // Each ON is one equality between the join table and the other side.
        let eq = |e: &Expr, side: &str| -> Option<(String, String, String)> {
            let Expr::BinaryOp { left, op: BinaryOperator::Eq, right } = e else { return None };
            let ((lq, lc), (rq, rc)) = (qualified(left)?, qualified(right)?);
            if lq == side && rq != side {
                Some((lc, rq, rc))
            } else if rq == side && lq != side {
                Some((rc, lq, lc))
            } else {
                None
            }
        };
        let Some((owner_join, oq, owner_col)) = eq(on1, &jname) else { return Ok(false) };
        let Some((related_join, rq2, related_col)) = eq(on2, &jname) else { return Ok(false) };
        if rq2 != rname {
            return Ok(false);
        }
        let Some(owner) = self.scopes.last().and_then(|sc| sc.bindings.iter().find(|b| b.name == oq)) else { return Ok(false) };
        let (Src::Schema(oi), ovar) = (&owner.src, owner.var.clone()) else { return Ok(false) };
        let related_module = &self.cat.tables[ri].module;
        let found = self.cat.tables[*oi].assocs.iter().find(|a| {
            &a.module == related_module
                && matches!(&a.path, AssocPath::Through { join_table, owner_column, owner_join: oj, related_join: rj, related_column }
                    if join_table.eq_ignore_ascii_case(&jt) && owner_column.eq_ignore_ascii_case(&owner_col)
                        && oj.eq_ignore_ascii_case(&owner_join) && rj.eq_ignore_ascii_case(&related_join)
                        && related_column.eq_ignore_ascii_case(&related_col))
        });
        let Some(assoc) = found.map(|a| a.name.clone()) else { return Ok(false) };
        // Nothing but the two conditions may name the join table.
        let mut text = s.to_string();
        if let Some(o) = order {
            text.push(' ');
            text.push_str(&o.to_string());
        }
        if mentions(&text, &jname) != 2 || (jname != jt.to_lowercase() && mentions(&text, &jt.to_lowercase()) > 0) {
            return Ok(false);
        }
        let (var, _, _) = self.source(&j2.relation)?;
        let as_ = self.scopes.last().and_then(|sc| sc.bindings.last()).map(|b| b.as_.clone()).unwrap_or_default();
        q.joins.push(JoinQ { keyword, qual, var, source: format!("assoc({ovar}, {})", atom(&assoc)), on: None, as_ });
        Ok(true)
    }

    fn natural_on(&self, before: &[(String, Src, String)], new_src: Option<&Src>, var: &str) -> Option<String> {
        let new_cols = self.src_cols(new_src?)?;
        let mut parts = vec![];
        for c in &new_cols {
            for (_, src, v) in before {
                if let Some(cols) = self.src_cols(src) {
                    if let Some(lc) = cols.iter().find(|x| x.sql.eq_ignore_ascii_case(&c.sql)) {
                        parts.push(format!("{} == {}", field_of(v, &lc.key), field_of(var, &c.key)));
                        break;
                    }
                }
            }
        }
        if parts.is_empty() {
            None
        } else {
            Some(parts.join(" and "))
        }
    }

    fn src_cols(&self, src: &Src) -> Option<Vec<Col>> {
        match src {
            Src::Schema(i) => Some(self.cat.tables[*i].fields.clone()),
            Src::Derived(c) => Some(c.clone()),
            Src::Table(_) => None,
        }
    }

    /// Whether a source has a column (None: unknown).
    fn src_has(&self, src: &Src, col: &str) -> Option<bool> {
        self.src_cols(src).map(|cols| cols.iter().any(|c| c.sql.eq_ignore_ascii_case(col)))
    }

    /// `assoc(p, :comments)` when one conjunct of ON is an association's
    /// keys; the other conjuncts stay in `on:`.
    fn assoc_join<'e>(&self, var: &str, on: &'e Expr, before: &[(String, Src, String)]) -> (Option<String>, Option<Vec<&'e Expr>>) {
        let new = match self.scopes.last().and_then(|s| s.bindings.last()) {
            Some(b) => b,
            None => return (None, None),
        };
        let Src::Schema(ni) = new.src else { return (None, None) };
        let new_table = &self.cat.tables[ni];
        let mut conj = vec![];
        conjuncts(on, &mut conj);
        for (k, c) in conj.iter().enumerate() {
            let Expr::BinaryOp { left, op: BinaryOperator::Eq, right } = c else { continue };
            let (Some((lq, lc)), Some((rq, rc))) = (qualified(left), qualified(right)) else { continue };
            let (other_q, other_c, new_c) = if lq == new.name && rq != new.name {
                (rq, rc, lc)
            } else if rq == new.name && lq != new.name {
                (lq, lc, rc)
            } else {
                continue;
            };
            let Some((_, Src::Schema(oi), ovar)) = before.iter().find(|(n, _, _)| *n == other_q) else { continue };
            let owner = &self.cat.tables[*oi];
            let found = owner.assocs.iter().find(|a| {
                a.module == new_table.module
                    && matches!(&a.path, AssocPath::Direct { owner_column, related_column }
                        if owner_column.eq_ignore_ascii_case(&other_c) && related_column.eq_ignore_ascii_case(&new_c))
            });
            if let Some(a) = found {
                let rest: Vec<&Expr> = conj.iter().enumerate().filter(|(i, _)| *i != k).map(|(_, e)| *e).collect();
                let _ = var;
                return (Some(format!("assoc({ovar}, {})", atom(&a.name))), if rest.is_empty() { None } else { Some(rest) });
            }
        }
        (None, None)
    }

    // ------------------------------------------------------------ select list

    fn items(&mut self, projection: &[SelectItem]) -> R<Vec<Item>> {
        let mut items = vec![];
        for it in projection {
            match it {
                SelectItem::UnnamedExpr(e) => {
                    let name = match e {
                        Expr::Identifier(i) => Some(i.value.clone()),
                        Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()),
                        _ => None,
                    };
                    items.push(Item { name, ex: self.expr(e)? });
                }
                SelectItem::ExprWithAlias { expr, alias } => items.push(Item { name: Some(alias.value.clone()), ex: self.expr(expr)? }),
                SelectItem::Wildcard(_) => {
                    let n = self.scopes.last().map(|s| s.bindings.len()).unwrap_or(0);
                    for i in 0..n {
                        items.extend(self.whole(i)?);
                    }
                }
                SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                    let want = object_last(name).to_lowercase();
                    let i = self
                        .scopes
                        .last()
                        .and_then(|s| s.bindings.iter().position(|b| b.name == want))
                        .ok_or_else(|| TrError::Unsupported { message: format!("{name}.*: no table {name} in FROM"), nearest: None })?;
                    items.extend(self.whole(i)?);
                }
                other => return unsupported(format!("`{other}` has no Ecto form")),
            }
        }
        Ok(items)
    }

    /// Every column of the i-th binding of the current scope.
    fn whole(&mut self, i: usize) -> R<Vec<Item>> {
        let scope = self.scopes.last().expect("a scope");
        let b = &scope.bindings[i];
        match &b.src {
            Src::Schema(t) => {
                let cols = self.cat.tables[*t].fields.clone();
                Ok(vec![Item { name: None, ex: Ex { whole: Some(cols), ..Ex::atom(b.var.clone()) } }])
            }
            Src::Derived(cols) => Ok(cols
                .iter()
                .map(|c| Item { name: Some(c.sql.clone()), ex: Ex { ty: c.ty, field: true, ..Ex::atom(field_of(&b.var, &c.key)) } })
                .collect()),
            Src::Table(t) => Err(TrError::Unsupported {
                message: format!(
                    "SELECT * over `{t}`, a table no schema maps: Ecto needs the columns (`select: %{{id: {v}.id, ...}}`) or a schema for `{t}`",
                    v = b.var
                ),
                nearest: None,
            }),
        }
    }

    fn shape_select(&mut self, items: Vec<Item>, shape: &Shape, single_binding: bool) -> R<(Option<String>, Vec<Col>)> {
        let single_binding_schema = self.scopes.last().and_then(|s| s.bindings.first()).is_some_and(|b| matches!(b.src, Src::Schema(_)));
        let name_of = |it: &Item| it.name.clone();
        match shape {
            // Ecto needs a select over a source without a schema.
            Shape::Exists if single_binding_schema => Ok((None, vec![])),
            Shape::Exists => Ok((Some("1".into()), vec![])),
            Shape::Value => {
                if items.len() != 1 {
                    return unsupported("a subquery used as a value selects one column");
                }
                Ok((Some(items[0].ex.code.clone()), vec![]))
            }
            Shape::Top | Shape::Positional => {
                let cols: Vec<Col> =
                    items.iter().map(|it| Col { sql: name_of(it).unwrap_or_default(), key: String::new(), ty: None }).collect();
                if items.len() == 1 && items[0].ex.whole.is_some() && single_binding && matches!(shape, Shape::Top) {
                    return Ok((None, cols));
                }
                let codes: Vec<String> = items.iter().map(|it| self.selected(&it.ex)).collect();
                if items.len() == 1 {
                    return Ok((Some(codes[0].clone()), cols));
                }
                let names: Vec<Option<String>> = items.iter().map(name_of).collect();
                let mut seen = HashSet::new();
                let as_map = matches!(shape, Shape::Top)
                    && items.iter().all(|it| it.ex.whole.is_none())
                    && names.iter().all(|n| n.as_deref().map(|n| is_ident(n) && seen.insert(n.to_string())).unwrap_or(false));
                if as_map {
                    let pairs: Vec<String> =
                        names.iter().zip(&codes).map(|(n, c)| format!("{} {c}", key(n.as_deref().unwrap_or_default()))).collect();
                    Ok((Some(format!("%{{{}}}", pairs.join(", "))), cols))
                } else {
                    Ok((Some(format!("{{{}}}", codes.join(", "))), cols))
                }
            }
            Shape::Named(keys) => {
                if keys.is_none() && items.len() == 1 {
                    if let Some(cols) = &items[0].ex.whole {
                        return Ok((Some(items[0].ex.code.clone()), cols.clone()));
                    }
                }
                // Expand whole bindings into their fields.
                let mut flat: Vec<(Option<String>, Ex)> = vec![];
                for it in items {
                    match &it.ex.whole {
                        Some(cols) => {
                            for c in cols {
                                let ex = Ex { ty: c.ty, field: true, ..Ex::atom(field_of(&it.ex.code, &c.key)) };
                                flat.push((Some(c.sql.clone()), ex));
                            }
                        }
                        None => flat.push((it.name.clone(), it.ex)),
                    }
                }
                let mut used = HashSet::new();
                let mut pairs = vec![];
                let mut cols = vec![];
                for (i, (name, ex)) in flat.into_iter().enumerate() {
                    let mut k = match keys {
                        Some(ks) if i < ks.len() => ks[i].clone(),
                        _ => name.clone().unwrap_or_else(|| format!("c{}", i + 1)),
                    };
                    if !used.insert(k.to_lowercase()) {
                        let mut n = 2;
                        while !used.insert(format!("{k}_{n}").to_lowercase()) {
                            n += 1;
                        }
                        k = format!("{k}_{n}");
                    }
                    pairs.push(format!("{} {}", key(&k), ex.code));
                    cols.push(Col { sql: k.clone(), key: k, ty: ex.ty });
                }
                Ok((Some(format!("%{{{}}}", pairs.join(", "))), cols))
            }
        }
    }

    /// A selected expression: a bare literal would stay out of Ecto's SQL,
    /// so it travels typed (`type(^1, :integer)`).
    fn selected(&self, ex: &Ex) -> String {
        match &ex.lit {
            Some(l) => format!("type(^{}, {})", lit_text(l), lit_type(l)),
            None => ex.code.clone(),
        }
    }

    // ------------------------------------------------------------ columns

    fn column(&mut self, qual: Option<&str>, col: &str) -> R<Ex> {
        let depth = self.scopes.len();
        let lc = col.to_lowercase();
        if qual.is_none() && self.alias_mode == AliasMode::First {
            if let Some(ex) = self.alias(&lc) {
                return Ok(ex);
            }
        }
        for si in (0..depth).rev() {
            let found = match qual {
                Some(q) => {
                    let q = q.to_lowercase();
                    self.scopes[si].bindings.iter().position(|b| b.name == q)
                }
                None => {
                    let bs = &self.scopes[si].bindings;
                    bs.iter().position(|b| self.src_has(&b.src, &lc) == Some(true)).or_else(|| {
                        if self.alias_mode == AliasMode::Fallback && self.alias(&lc).is_some() {
                            return None;
                        }
                        bs.iter().position(|b| self.src_has(&b.src, &lc).is_none())
                    })
                }
            };
            let Some(bi) = found else { continue };
            let b = &self.scopes[si].bindings[bi];
            let (key, ty) = match &b.src {
                Src::Schema(t) => match self.cat.tables[*t].fields.iter().find(|c| c.sql.eq_ignore_ascii_case(col)) {
                    Some(c) => (c.key.clone(), c.ty),
                    None => return Err(TrError::Retry(self.cat.tables[*t].table.to_lowercase())),
                },
                Src::Derived(cols) => match cols.iter().find(|c| c.sql.eq_ignore_ascii_case(col)) {
                    Some(c) => (c.key.clone(), c.ty),
                    None => return unsupported(format!("no column `{col}` in `{}`", b.name)),
                },
                Src::Table(_) => (col.to_string(), None),
            };
            let var = if si + 1 == depth {
                b.var.clone()
            } else {
                b.as_.set(true);
                format!("parent_as({})", atom(&b.var))
            };
            let json_ok = matches!(ty, None | Some(ColType::Json));
            return Ok(Ex { ty, field: json_ok, ..Ex::atom(field_of(&var, &key)) });
        }
        if qual.is_none() {
            if let Some(ex) = self.alias(&lc) {
                return Ok(ex);
            }
        }
        // A column no schema maps: the first schema table of this query lacks it.
        if qual.is_none() {
            let t = self.scopes.last().and_then(|s| {
                s.bindings.iter().find_map(|b| match b.src {
                    Src::Schema(t) => Some(t),
                    _ => None,
                })
            });
            if let Some(t) = t {
                return Err(TrError::Retry(self.cat.tables[t].table.to_lowercase()));
            }
        }
        match qual {
            Some(q) => unsupported(format!("`{q}.{col}`: no table `{q}` in FROM")),
            None => unsupported(format!("column `{col}`: no table in FROM has it")),
        }
    }

    fn alias(&self, name: &str) -> Option<Ex> {
        self.scopes.last()?.aliases.iter().find(|(n, _)| n == name).map(|(_, e)| {
            let mut e = e.clone();
            if let Some(l) = &e.lit {
                e.code = format!("type(^{}, {})", lit_text(l), lit_type(l));
                e.lit = None;
            }
            e
        })
    }

    // ------------------------------------------------------------ expressions

    fn fragment(&mut self, template: &str, args: Vec<String>, why: &str) -> Ex {
        self.note(why.to_string());
        let mut s = format!("fragment({}", string(template));
        for a in args {
            s.push_str(", ");
            s.push_str(&a);
        }
        s.push(')');
        Ex::atom(s)
    }

    fn lit(&self, l: Lit) -> Ex {
        let code = lit_for(&l, None, self.opts.pin_literals);
        Ex { lit: Some(l), ..Ex::atom(code) }
    }

    /// A literal retyped next to `other`.
    fn retype(&self, e: &Ex, other: &Ex) -> String {
        match &e.lit {
            Some(l) => lit_for(l, other.ty.as_ref(), self.opts.pin_literals),
            None => e.code.clone(),
        }
    }

    fn expr(&mut self, e: &Expr) -> R<Ex> {
        match e {
            Expr::Identifier(i) => {
                if i.quote_style == Some('\'') {
                    return Ok(self.lit(Lit::Str(i.value.clone())));
                }
                self.column(None, &i.value)
            }
            Expr::CompoundIdentifier(parts) => match parts.len() {
                0 => unsupported("empty identifier"),
                1 => self.column(None, &parts[0].value),
                n => self.column(Some(&parts[n - 2].value), &parts[n - 1].value),
            },
            Expr::Value(v) => self.value(&v.value),
            Expr::TypedString(ts) => {
                self.note(format!("`{ts}`: the typed literal is written as its text"));
                self.value(&ts.value.value)
            }
            Expr::Nested(inner) => {
                let mut x = self.expr(inner)?;
                if x.lit.is_none() && x.prec < P_ATOM {
                    x.code = format!("({})", x.code);
                    x.prec = P_ATOM;
                }
                Ok(x)
            }
            Expr::IsNull(x) => Ok(Ex::atom(format!("is_nil({})", self.expr(x)?.code))),
            Expr::IsNotNull(x) => Ok(Ex::atom(format!("not is_nil({})", self.expr(x)?.code))),
            Expr::UnaryOp { op, expr } => self.unary(op, expr),
            Expr::BinaryOp { left, op, right } => self.binary(left, op, right),
            Expr::Between { expr, negated, low, high } => {
                let x = self.expr(expr)?;
                let lo = self.expr(low)?;
                let hi = self.expr(high)?;
                let code = format!("{} >= {} and {} <= {}", x.at(P_CMP + 1), self.retype(&lo, &x), x.at(P_CMP + 1), self.retype(&hi, &x));
                Ok(if *negated { Ex::atom(format!("not({code})")) } else { Ex::op(code, P_AND) })
            }
            Expr::In { expr, target: InTarget::List(list), negated, .. } => {
                let x = self.expr(expr)?;
                let mut items = vec![];
                for it in list {
                    let v = self.expr(it)?;
                    items.push(self.retype(&v, &x));
                }
                let op = if *negated { "not in" } else { "in" };
                Ok(Ex::op(format!("{} {op} [{}]", x.at(P_IN + 1), items.join(", ")), P_IN))
            }
            Expr::In { expr, target: InTarget::Subquery(subquery), negated, .. } => {
                let x = self.expr(expr)?;
                let (q, _) = self.subquery(subquery, &Shape::Value)?;
                let code = format!("{} in subquery({q})", x.at(P_IN + 1));
                Ok(if *negated { Ex::atom(format!("not({code})")) } else { Ex::op(code, P_IN) })
            }
            Expr::Exists { subquery, negated } => {
                let (q, _) = self.subquery(subquery, &Shape::Exists)?;
                let code = format!("exists({q})");
                Ok(Ex::atom(if *negated { format!("not {code}") } else { code }))
            }
            Expr::Subquery(q) => {
                let (q, _) = self.subquery(q, &Shape::Value)?;
                Ok(Ex::atom(format!("subquery({q})")))
            }
            Expr::Like { negated, any: false, expr, pattern, escape_char } => {
                self.like("like", "LIKE", *negated, expr, pattern, escape_char.as_deref())
            }
            Expr::ILike { negated, any: false, expr, pattern, escape_char } => {
                self.note("ILIKE is PostgreSQL's: SQLite has none (its LIKE ignores ASCII case already)");
                self.like("ilike", "ILIKE", *negated, expr, pattern, escape_char.as_deref())
            }
            Expr::Function(f) => self.function(f),
            Expr::Case { operand: None, conditions, else_result: Some(other), .. } if matches!(conditions.as_slice(), [c] if matches!(&c.condition, Expr::IsNull(x) if **x == **other)) =>
            {
                // CASE WHEN x IS NULL THEN y ELSE x END
                let x = self.expr(other)?;
                let y = self.expr(&conditions[0].result)?;
                let y = self.retype(&y, &x);
                Ok(Ex { ty: x.ty, ..Ex::atom(format!("coalesce({}, {y})", x.code)) })
            }
            Expr::Case { operand, conditions, else_result, .. } => {
                let mut t = String::from("CASE");
                let mut args = vec![];
                if let Some(o) = operand {
                    t.push_str(" ?");
                    args.push(self.expr(o)?.code);
                }
                for c in conditions {
                    t.push_str(" WHEN ? THEN ?");
                    args.push(self.expr(&c.condition)?.code);
                    args.push(self.expr(&c.result)?.code);
                }
                if let Some(e) = else_result {
                    t.push_str(" ELSE ?");
                    args.push(self.expr(e)?.code);
                }
                t.push_str(" END");
                Ok(self.fragment(&t, args, "Ecto has no CASE expression: it is a fragment, each branch an argument"))
            }
            Expr::Cast { kind, expr, data_type, .. } => {
                let x = self.expr(expr)?;
                let t = match kind {
                    CastKind::TryCast | CastKind::SafeCast => "TRY_CAST",
                    _ => "CAST",
                };
                Ok(self.fragment(
                    &format!("{t}(? AS {data_type})"),
                    vec![x.code],
                    "Ecto's type/2 casts to Ecto types; a SQL CAST is a fragment",
                ))
            }
            Expr::Extract { field, expr, .. } => {
                let x = self.expr(expr)?;
                Ok(self.fragment(&format!("EXTRACT({field} FROM ?)"), vec![x.code], "Ecto has no EXTRACT: it is a fragment"))
            }
            Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => {
                let name = if matches!(e, Expr::Ceil { .. }) { "CEIL" } else { "FLOOR" };
                let x = self.expr(expr)?;
                Ok(self.fragment(&format!("{name}(?)"), vec![x.code], "SQL functions Ecto has no macro for are fragments"))
            }
            Expr::Substring { expr, substring_from, substring_for, special, .. } => {
                let mut args = vec![self.expr(expr)?.code];
                let mut t = String::from("substr(?");
                for (kw, part) in [("FROM", substring_from), ("FOR", substring_for)] {
                    if let Some(p) = part {
                        args.push(self.expr(p)?.code);
                        t.push_str(if *special {
                            ", ?"
                        } else if kw == "FROM" {
                            " FROM ?"
                        } else {
                            " FOR ?"
                        });
                    }
                }
                t.push(')');
                if !*special {
                    t = t.replacen("substr(", "substring(", 1);
                }
                Ok(self.fragment(&t, args, "SQL functions Ecto has no macro for are fragments"))
            }
            Expr::Trim { expr, trim_where: None, trim_what: None, trim_characters: None } => {
                let x = self.expr(expr)?;
                Ok(self.fragment("trim(?)", vec![x.code], "SQL functions Ecto has no macro for are fragments"))
            }
            Expr::Collate { expr, collation } => {
                let x = self.expr(expr)?;
                Ok(self.fragment(&format!("? COLLATE {collation}"), vec![x.code], "Ecto has no COLLATE: it is a fragment"))
            }
            Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                let op = if matches!(e, Expr::IsDistinctFrom(..)) { "IS DISTINCT FROM" } else { "IS NOT DISTINCT FROM" };
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                Ok(self.fragment(&format!("? {op} ?"), vec![a.code, b.code], "Ecto has no IS DISTINCT FROM: it is a fragment"))
            }
            Expr::IsTrue(x) | Expr::IsFalse(x) | Expr::IsNotTrue(x) | Expr::IsNotFalse(x) => {
                let t = match e {
                    Expr::IsTrue(_) => "? IS TRUE",
                    Expr::IsFalse(_) => "? IS FALSE",
                    Expr::IsNotTrue(_) => "? IS NOT TRUE",
                    _ => "? IS NOT FALSE",
                };
                let x = self.expr(x)?;
                Ok(self.fragment(t, vec![x.code], "Ecto has no IS TRUE/IS FALSE: it is a fragment"))
            }
            Expr::AnyOp { left, compare_op: BinaryOperator::Eq, right, .. } => {
                let l = self.expr(left)?;
                let r = self.expr(right)?;
                self.note("arrays are PostgreSQL's: `x in array_field` is `x = ANY(array_field)` there");
                Ok(Ex::op(format!("{} in {}", l.at(P_IN + 1), r.at(P_IN + 1)), P_IN))
            }
            Expr::CompoundFieldAccess { root, access_chain } => {
                let mut x = self.expr(root)?;
                for a in access_chain {
                    match a {
                        sqlparser::ast::AccessExpr::Subscript(sqlparser::ast::Subscript::Index { index }) => {
                            let i = self.expr(index)?;
                            x = self.fragment(
                                "?[?]",
                                vec![x.code, i.code],
                                "Ecto has no array subscript: it is a fragment (PostgreSQL arrays count from 1)",
                            );
                        }
                        _ => return unsupported(format!("`{e}` has no Ecto form")),
                    }
                }
                Ok(x)
            }
            Expr::Array(arr) => {
                let mut args = vec![];
                for el in &arr.elem {
                    args.push(self.expr(el)?.code);
                }
                let t = format!("ARRAY[{}]", vec!["?"; args.len()].join(", "));
                Ok(self.fragment(&t, args, "an ARRAY[...] constructor is a fragment (a pinned list, `^[...]`, is the Ecto way for values)"))
            }
            Expr::Interval(_) => {
                self.note(
                    "an INTERVAL literal is constant SQL text in a fragment (Ecto's `ago/2` and `date_add/3` are the idiomatic forms)",
                );
                Ok(Ex::atom(format!("fragment({})", string(&e.to_string()))))
            }
            Expr::Wildcard(_) => unsupported("`*` is not a value"),
            other => unsupported(format!("`{other}` has no Ecto form")),
        }
    }

    fn subquery(&mut self, q: &Query, shape: &Shape) -> R<(String, Vec<Col>)> {
        let mode = self.alias_mode;
        self.alias_mode = AliasMode::Never;
        let r = self.query(q, shape);
        self.alias_mode = mode;
        let (eq, cols) = r?;
        Ok((eq.inline(), cols))
    }

    fn value(&mut self, v: &SqlValue) -> R<Ex> {
        Ok(match v {
            SqlValue::Number(n, _) => {
                if n.contains(['.', 'e', 'E']) {
                    self.lit(Lit::Float(n.clone()))
                } else if let Some(hex) = n.strip_prefix("0x").or_else(|| n.strip_prefix("0X")) {
                    let v = i128::from_str_radix(hex, 16)
                        .map_err(|_| TrError::Unsupported { message: format!("number {n}"), nearest: None })?;
                    self.lit(Lit::Int(v.to_string()))
                } else {
                    self.lit(Lit::Int(n.clone()))
                }
            }
            SqlValue::SingleQuotedString(s)
            | SqlValue::DoubleQuotedString(s)
            | SqlValue::EscapedStringLiteral(s)
            | SqlValue::UnicodeStringLiteral(s)
            | SqlValue::NationalStringLiteral(s) => {
                if s.contains('\\') {
                    self.note("a string with a backslash is pinned (`^\"...\"`): ecto_sqlite3 doubles backslashes in the strings it writes into the SQL");
                }
                self.lit(Lit::Str(s.clone()))
            }
            SqlValue::DollarQuotedString(d) => self.lit(Lit::Str(d.value.clone())),
            SqlValue::Boolean(b) => self.lit(Lit::Bool(*b)),
            SqlValue::Null => Ex { lit: Some(Lit::Null), ..Ex::atom("nil") },
            SqlValue::Placeholder(p) => {
                let name = if p == "?" {
                    self.placeholder += 1;
                    format!("p{}", self.placeholder)
                } else if let Some(n) = p.strip_prefix('$').or_else(|| p.strip_prefix('?')) {
                    format!("p{n}")
                } else {
                    let n = p.trim_start_matches([':', '@', '$']).to_lowercase();
                    if is_ident(&n) {
                        n
                    } else {
                        format!("p_{}", n.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>())
                    }
                };
                if !self.params.contains(&name) {
                    self.params.push(name.clone());
                }
                Ex::atom(format!("^{name}"))
            }
            other => return unsupported(format!("the literal `{other}` has no Ecto form")),
        })
    }

    fn unary(&mut self, op: &UnaryOperator, expr: &Expr) -> R<Ex> {
        let x = self.expr(expr)?;
        match op {
            UnaryOperator::Not => Ok(Ex::atom(format!("not({})", x.code))),
            UnaryOperator::Plus => Ok(x),
            UnaryOperator::Minus => match &x.lit {
                Some(Lit::Int(s)) => Ok(self.lit(Lit::Int(format!("-{s}")))),
                Some(Lit::Float(s)) => Ok(self.lit(Lit::Float(format!("-{s}")))),
                _ => Ok(Ex::atom(format!("-{}", x.at(P_ATOM)))),
            },
            other => Ok(self.fragment(&format!("{other}?"), vec![x.code], "Ecto has no such operator: it is a fragment")),
        }
    }

    fn like(&mut self, f: &str, sql: &str, negated: bool, expr: &Expr, pattern: &Expr, escape: Option<&Expr>) -> R<Ex> {
        let x = self.expr(expr)?;
        let p = self.expr(pattern)?;
        if let Some(esc) = escape {
            let esc = self.expr(esc)?;
            let not = if negated { "NOT " } else { "" };
            return Ok(self.fragment(
                &format!("? {not}{sql} ? ESCAPE ?"),
                vec![x.code, p.code, esc.code],
                "Ecto's like/2 has no ESCAPE: it is a fragment",
            ));
        }
        let code = format!("{f}({}, {})", x.code, p.code);
        Ok(Ex::atom(if negated { format!("not {code}") } else { code }))
    }

    fn binary(&mut self, left: &Expr, op: &BinaryOperator, right: &Expr) -> R<Ex> {
        use BinaryOperator as B;
        // JSON paths: `meta -> 'a' ->> 'b'` is `m.meta["a"]["b"]`.
        if matches!(op, B::LongArrow) {
            if let Some(x) = self.json_path(left, right)? {
                return Ok(x);
            }
        }
        let l = self.expr(left)?;
        let r = self.expr(right)?;
        let cmp = |s: &mut Self, sym: &str, prec: u8| -> R<Ex> {
            if l.lit == Some(Lit::Null) || r.lit == Some(Lit::Null) {
                return Ok(s.fragment(
                    &format!("? {op} ?"),
                    vec![l.code.clone(), r.code.clone()],
                    "a comparison with NULL is never true; `is_nil/1` is the test",
                ));
            }
            let lc = s.retype(&l, &r);
            let rc = s.retype(&r, &l);
            let lx = Ex { code: lc, ..l.clone() };
            let rx = Ex { code: rc, ..r.clone() };
            Ok(Ex::op(format!("{} {sym} {}", lx.at(prec + 1), rx.at(prec + 1)), prec))
        };
        let arith = |sym: &str, prec: u8| {
            let ty = l.ty.or(r.ty);
            let lc = Ex { code: self.retype(&l, &r), ..l.clone() };
            let rc = Ex { code: self.retype(&r, &l), ..r.clone() };
            Ex { ty, ..Ex::op(format!("{} {sym} {}", lc.at(prec), rc.at(prec + 1)), prec) }
        };
        match op {
            B::And => Ok(Ex::op(format!("{} and {}", l.at(P_AND), r.at(P_AND)), P_AND)),
            B::Or => Ok(Ex::op(format!("{} or {}", l.at(P_OR), r.at(P_OR)), P_OR)),
            B::Eq => cmp(self, "==", P_EQ),
            B::NotEq => cmp(self, "!=", P_EQ),
            B::Lt => cmp(self, "<", P_CMP),
            B::LtEq => cmp(self, "<=", P_CMP),
            B::Gt => cmp(self, ">", P_CMP),
            B::GtEq => cmp(self, ">=", P_CMP),
            B::Plus => Ok(arith("+", P_ADD)),
            B::Minus => Ok(arith("-", P_ADD)),
            B::Multiply => Ok(arith("*", P_MUL)),
            B::Divide => Ok(arith("/", P_MUL)),
            B::StringConcat => Ok(self.fragment("? || ?", vec![l.code, r.code], "Ecto has no string concatenation: `||` is a fragment")),
            B::Arrow => Ok(self.fragment(
                "? -> ?",
                vec![l.code, r.code],
                "`->` returns JSON text; Ecto's `x.field[\"key\"]` reads the value (`->>`)",
            )),
            other => Ok(self.fragment(
                &format!("? {other} ?"),
                vec![l.code, r.code],
                &format!("Ecto has no `{other}` operator: it is a fragment"),
            )),
        }
    }

    /// `base -> k1 -> ... ->> kn` over a map field, as `base["k1"]...["kn"]`.
    fn json_path(&mut self, left: &Expr, right: &Expr) -> R<Option<Ex>> {
        let mut keys = vec![right];
        let mut base = left;
        while let Expr::BinaryOp { left, op: BinaryOperator::Arrow, right } = base {
            keys.push(right);
            base = left;
        }
        keys.reverse();
        let b = self.expr(base)?;
        if !b.field {
            return Ok(None);
        }
        let mut code = b.code.clone();
        for k in keys {
            match k {
                Expr::Value(v) => match &v.value {
                    // SQLite's `x ->> '$.a.b'` takes a JSON path.
                    SqlValue::SingleQuotedString(s) if s.starts_with('$') => match json_path_keys(k) {
                        Some(keys) => code.push_str(&keys),
                        None => return Ok(None),
                    },
                    SqlValue::SingleQuotedString(s) => code.push_str(&format!("[{}]", string(s))),
                    SqlValue::Number(n, _) if !n.contains('.') => code.push_str(&format!("[{n}]")),
                    _ => return Ok(None),
                },
                _ => return Ok(None),
            }
        }
        Ok(Some(Ex::atom(code)))
    }

    /// `count/sum/avg/min/max(CASE WHEN c THEN x END)` (no ELSE, or ELSE
    /// NULL) is the aggregate of `x` over the rows where `c` holds: Ecto's
    /// `filter/2` (SQL's `FILTER (WHERE c)`); `count` of a constant is
    /// `count()`. Not over a window, nor with a FILTER of its own.
    fn case_aggregate(&mut self, f: &Function, lname: &str, distinct: bool, args: &[Expr]) -> R<Option<Ex>> {
        if !matches!(lname, "count" | "sum" | "avg" | "min" | "max") || distinct || f.filter.is_some() || f.over.is_some() {
            return Ok(None);
        }
        let [Expr::Case { operand: None, conditions, else_result, .. }] = args else { return Ok(None) };
        let [when] = conditions.as_slice() else { return Ok(None) };
        let null_else = match else_result.as_deref() {
            None => true,
            Some(Expr::Value(v)) => matches!(v.value, SqlValue::Null),
            Some(_) => false,
        };
        if !null_else {
            return Ok(None);
        }
        let constant = matches!(&when.result, Expr::Value(v) if !matches!(v.value, SqlValue::Null | SqlValue::Placeholder(_)));
        let cond = self.expr(&when.condition)?;
        let agg = if lname == "count" && constant {
            Ex { agg: true, ty: Some(ColType::Integer), ..Ex::atom("count()") }
        } else {
            let x = self.expr(&when.result)?;
            let ty = if lname == "count" { Some(ColType::Integer) } else { x.ty };
            Ex { agg: true, ty, ..Ex::atom(format!("{lname}({})", x.code)) }
        };
        self.note(format!("{lname}(CASE WHEN ... END) is the aggregate over the rows the condition keeps: filter/2"));
        Ok(Some(Ex { agg: true, ty: agg.ty, ..Ex::atom(format!("filter({}, {})", agg.code, cond.code)) }))
    }

    fn function(&mut self, f: &Function) -> R<Ex> {
        let name = object_last(&f.name);
        let lname = name.to_lowercase();
        let (distinct, args, wildcard) = match &f.args {
            FunctionArguments::None => (false, vec![], false),
            FunctionArguments::Subquery(_) => return unsupported(format!("{name}(SELECT ...) has no Ecto form")),
            FunctionArguments::List(l) => {
                if !l.clauses.is_empty() {
                    return unsupported(format!("`{f}`: clauses inside a function call have no Ecto form"));
                }
                let distinct = matches!(l.duplicate_treatment, Some(sqlparser::ast::DuplicateTreatment::Distinct));
                let mut args = vec![];
                let mut wildcard = false;
                for a in &l.args {
                    match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => args.push(e.clone()),
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => wildcard = true,
                        _ => return unsupported(format!("`{f}` has no Ecto form")),
                    }
                }
                (distinct, args, wildcard)
            }
        };
        if let Some(x) = self.case_aggregate(f, &lname, distinct, &args)? {
            return Ok(x);
        }
        let mut xs = vec![];
        for a in &args {
            xs.push(self.expr(a)?);
        }
        let codes: Vec<String> = xs.iter().map(|x| x.code.clone()).collect();
        let generic = |s: &mut Self, why: &str| -> Ex {
            let mut t = format!("{name}(");
            if distinct {
                t.push_str("DISTINCT ");
            }
            if wildcard {
                t.push('*');
            }
            t.push_str(&vec!["?"; codes.len()].join(", "));
            t.push(')');
            s.fragment(&t, codes.clone(), why)
        };
        let mut x = match (lname.as_str(), xs.len()) {
            // Ecto types count as :integer and the others as their argument.
            ("count", 0) if wildcard => Ex { agg: true, ty: Some(ColType::Integer), ..Ex::atom("count()") },
            ("count", 1) if distinct => Ex { agg: true, ty: Some(ColType::Integer), ..Ex::atom(format!("count({}, :distinct)", codes[0])) },
            ("count", 1) => Ex { agg: true, ty: Some(ColType::Integer), ..Ex::atom(format!("count({})", codes[0])) },
            ("sum" | "avg" | "min" | "max", 1) if !distinct => Ex { agg: true, ty: xs[0].ty, ..Ex::atom(format!("{lname}({})", codes[0])) },
            ("coalesce" | "ifnull", n) if n >= 2 => {
                let mut acc = self.retype(&xs[n - 1], &xs[0]);
                for i in (0..n - 1).rev() {
                    let c = if i == 0 { xs[0].code.clone() } else { self.retype(&xs[i], &xs[0]) };
                    acc = format!("coalesce({c}, {acc})");
                }
                Ex { ty: xs[0].ty, ..Ex::atom(acc) }
            }
            ("json_extract", 2) if xs[0].field => match json_path_keys(&args[1]) {
                Some(keys) => Ex::atom(format!("{}{}", xs[0].code, keys)),
                None => generic(self, "a JSON path that is not constant is a fragment"),
            },
            ("row_number" | "rank" | "dense_rank" | "percent_rank" | "cume_dist", 0) if f.over.is_some() => Ex::atom(format!("{lname}()")),
            ("ntile" | "first_value" | "last_value" | "nth_value" | "lag" | "lead", _) if f.over.is_some() && !distinct => {
                Ex::atom(format!("{lname}({})", codes.join(", ")))
            }
            _ if distinct => generic(self, &format!("Ecto's aggregates take DISTINCT only in count/2: {name}(DISTINCT ...) is a fragment")),
            _ => generic(self, &format!("Ecto has no {name}/{}: it is a fragment", xs.len())),
        };
        if let Some(filter) = &f.filter {
            let cond = self.expr(filter)?;
            if x.agg {
                x = Ex { agg: true, ..Ex::atom(format!("filter({}, {})", x.code, cond.code)) };
            } else {
                return unsupported(format!("`{f}`: FILTER applies to Ecto's aggregates (count, sum, avg, min, max)"));
            }
        }
        if let Some(over) = &f.over {
            match over {
                WindowType::NamedWindow(w) => x = Ex::atom(format!("over({}, {})", x.code, atom(&w.value))),
                WindowType::WindowSpec(spec) => {
                    if spec.window_name.is_some() {
                        return unsupported("a window extending a named window has no Ecto form");
                    }
                    let opts = self.window_opts(spec)?;
                    x = if opts.is_empty() {
                        Ex::atom(format!("over({})", x.code))
                    } else {
                        Ex::atom(format!("over({}, {})", x.code, opts.join(", ")))
                    };
                }
            }
        }
        Ok(x)
    }

    fn window_opts(&mut self, spec: &sqlparser::ast::WindowSpec) -> R<Vec<String>> {
        let mut opts = vec![];
        if !spec.partition_by.is_empty() {
            let p: R<Vec<String>> = spec.partition_by.iter().map(|e| self.expr(e).map(|x| x.code)).collect();
            opts.push(format!("partition_by: {}", list(&p?)));
        }
        if !spec.order_by.is_empty() {
            let mut o = vec![];
            for it in &spec.order_by {
                o.push(format!("{} {}", direction(it), self.expr(&it.expr)?.code));
            }
            opts.push(format!("order_by: [{}]", o.join(", ")));
        }
        if let Some(frame) = &spec.window_frame {
            self.note("a window frame is written as a fragment, as Ecto's over/2 asks");
            let text = match &frame.end_bound {
                Some(end) => format!("{} BETWEEN {} AND {end}", frame.units, frame.start_bound),
                None => format!("{} {}", frame.units, frame.start_bound),
            };
            opts.push(format!("frame: fragment({})", string(&text)));
        }
        Ok(opts)
    }

    // ------------------------------------------------------------ writes

    fn write_source(&mut self, tf: &TableFactor) -> R<FromQ> {
        let (var, source, _) = self.source(tf)?;
        let as_ = self.scopes.last().and_then(|s| s.bindings.last()).map(|b| b.as_.clone()).unwrap_or_default();
        Ok(FromQ { var, source, as_ })
    }

    fn update(&mut self, u: &sqlparser::ast::Update) -> R<(Kind, String, String)> {
        if !u.table.joins.is_empty() {
            return unsupported("UPDATE over joined tables has no Ecto form: join in the query given to update_all");
        }
        self.scopes.push(Scope::default());
        let r = (|| {
            let mut q = Q { from: Some(self.write_source(&u.table.relation)?), ..Q::default() };
            if let Some(from) = &u.from {
                let (sqlparser::ast::UpdateTableFromKind::BeforeSet(t) | sqlparser::ast::UpdateTableFromKind::AfterSet(t)) = from;
                for twj in t {
                    let (var, source, _) = self.source(&twj.relation)?;
                    let as_ = self.scopes.last().and_then(|s| s.bindings.last()).map(|b| b.as_.clone()).unwrap_or_default();
                    q.joins.push(JoinQ { keyword: "join", qual: ":inner", var, source, on: Some("true".into()), as_ });
                    for j in &twj.joins {
                        self.join(j, &mut q)?;
                    }
                }
            }
            if let Some(w) = &u.selection {
                q.wheres.push(self.expr(w)?.code);
            }
            let table = self.scopes[0].bindings[0].name.clone();
            let mut set = vec![];
            let mut inc = vec![];
            for a in &u.assignments {
                let sqlparser::ast::AssignmentTarget::ColumnName(col) = &a.target else {
                    return unsupported("a tuple assignment has no Ecto form");
                };
                let col = object_last(col);
                let target = self.column(Some(&table), &col)?;
                let field = target.code.rsplit('.').next().unwrap_or(&col).to_string();
                let field = if target.code.starts_with("field(") { col.clone() } else { field };
                if let Expr::BinaryOp { left, op: op @ (BinaryOperator::Plus | BinaryOperator::Minus), right } = &a.value {
                    let same = matches!(&**left, Expr::Identifier(i) if i.value.eq_ignore_ascii_case(&col))
                        || matches!(&**left, Expr::CompoundIdentifier(p) if p.last().is_some_and(|i| i.value.eq_ignore_ascii_case(&col)));
                    let n = self.expr(right)?;
                    if same && matches!(n.lit, Some(Lit::Int(_) | Lit::Float(_))) {
                        let v = if matches!(op, BinaryOperator::Minus) {
                            format!("-{}", lit_text(n.lit.as_ref().unwrap_or(&Lit::Null)))
                        } else {
                            n.code
                        };
                        inc.push(format!("{} {v}", key(&field)));
                        continue;
                    }
                }
                let v = self.expr(&a.value)?;
                set.push(format!("{} {}", key(&field), self.retype(&v, &target)));
            }
            if !set.is_empty() {
                q.update.push(format!("set: [{}]", set.join(", ")));
            }
            if !inc.is_empty() {
                q.update.push(format!("inc: [{}]", inc.join(", ")));
            }
            if let Some(ret) = &u.returning {
                let items = self.items(ret)?;
                q.select = self.shape_select(items, &Shape::Top, false)?.0;
            }
            Ok(q)
        })();
        self.scopes.pop();
        let q = r?;
        let query = q.keyword(Some("  "));
        let code = format!("Repo.update_all(\n  {query},\n  []\n)");
        Ok((Kind::UpdateAll, code, q.inline()))
    }

    fn delete(&mut self, d: &sqlparser::ast::Delete) -> R<(Kind, String, String)> {
        let (sqlparser::ast::FromTable::WithFromKeyword(tables) | sqlparser::ast::FromTable::WithoutKeyword(tables)) = &d.from;
        let Some(first) = tables.first() else { return unsupported("DELETE without a table") };
        if tables.len() > 1 || !d.tables.is_empty() {
            return unsupported("DELETE from several tables has no Ecto form");
        }
        self.scopes.push(Scope::default());
        let r = (|| {
            let mut q = Q { from: Some(self.write_source(&first.relation)?), ..Q::default() };
            for j in &first.joins {
                self.join(j, &mut q)?;
            }
            for twj in d.using.iter().flatten() {
                let (var, source, _) = self.source(&twj.relation)?;
                let as_ = self.scopes.last().and_then(|s| s.bindings.last()).map(|b| b.as_.clone()).unwrap_or_default();
                q.joins.push(JoinQ { keyword: "join", qual: ":inner", var, source, on: Some("true".into()), as_ });
            }
            if let Some(w) = &d.selection {
                q.wheres.push(self.expr(w)?.code);
            }
            if let Some(ret) = &d.returning {
                let items = self.items(ret)?;
                q.select = self.shape_select(items, &Shape::Top, false)?.0;
            }
            Ok(q)
        })();
        self.scopes.pop();
        let q = r?;
        let code = if q.wheres.is_empty() && q.joins.is_empty() && q.select.is_none() && !q.from.as_ref().is_some_and(|f| f.as_.get()) {
            format!("Repo.delete_all({})", q.from.as_ref().map(|f| f.source.clone()).unwrap_or_default())
        } else {
            format!("Repo.delete_all(\n  {}\n)", q.keyword(Some("  ")))
        };
        Ok((Kind::DeleteAll, code, q.inline()))
    }

    fn insert(&mut self, ins: &sqlparser::ast::Insert) -> R<(Kind, String, String)> {
        let TableObject::TableName(name) = &ins.table else { return unsupported("INSERT into a table function has no Ecto form") };
        let table = object_last(name);
        let target = self.cat.table(&table).filter(|_| !self.forced.contains(&table.to_lowercase()));
        if ins.on.is_some() {
            self.note("ON CONFLICT is `on_conflict:`/`conflict_target:` options of insert_all, not part of the query");
        }
        let cols: Vec<String> = ins.columns.iter().map(object_last).collect();
        let keys: Vec<String> = match target {
            Some(t) => {
                let fields = &self.cat.tables[t].fields;
                if cols.is_empty() {
                    fields.iter().map(|f| f.key.clone()).collect()
                } else {
                    let mut ks = vec![];
                    for c in &cols {
                        match fields.iter().find(|f| f.sql.eq_ignore_ascii_case(c)) {
                            Some(f) => ks.push(f.key.clone()),
                            None => return Err(TrError::Retry(table.to_lowercase())),
                        }
                    }
                    ks
                }
            }
            None if cols.is_empty() => {
                return unsupported(format!(
                    "INSERT INTO {table} without a column list: Ecto needs the columns (or a schema for `{table}`)"
                ))
            }
            None => cols.clone(),
        };
        let dest = match target {
            Some(t) => self.cat.tables[t].module.clone(),
            None => string(&table),
        };
        let Some(source) = &ins.source else { return unsupported("INSERT without VALUES or SELECT") };
        if let SetExpr::Values(values) = &*source.body {
            self.scopes.push(Scope::default());
            let r = (|| {
                let mut rows = vec![];
                for row in &values.rows {
                    let mut pairs = vec![];
                    for (k, e) in keys.iter().zip(row.content.iter()) {
                        let x = self.expr(e)?;
                        pairs.push(format!("{} {}", key(k), x.code));
                    }
                    rows.push(format!("%{{{}}}", pairs.join(", ")));
                }
                Ok(rows)
            })();
            self.scopes.pop();
            let rows = r?;
            let code = format!("Repo.insert_all({dest}, [\n  {}\n])", rows.join(",\n  "));
            return Ok((Kind::InsertAll, code.clone(), code));
        }
        let (q, _) = self.query(source, &Shape::Named(Some(keys)))?;
        let code = format!("Repo.insert_all(\n  {dest},\n  {}\n)", q.keyword(Some("  ")));
        Ok((Kind::InsertAll, code, q.inline()))
    }
}

// ---------------------------------------------------------------- helpers

fn i_value(e: &Expr) -> String {
    match e {
        Expr::Identifier(i) => i.value.clone(),
        _ => String::new(),
    }
}

fn direction(o: &OrderByExpr) -> String {
    let desc = matches!(o.options.sort, Some(sqlparser::ast::OrderBySort::Desc));
    let dir = if desc { "desc" } else { "asc" };
    match o.options.nulls_first {
        None => format!("{dir}:"),
        Some(true) => format!("{dir}_nulls_first:"),
        Some(false) => format!("{dir}_nulls_last:"),
    }
}

fn limits(q: &Query) -> R<(Option<&Expr>, Option<&Expr>)> {
    let (mut limit, offset) = match &q.limit_clause {
        None => (None, None),
        Some(LimitClause::LimitOffset { limit, offset, limit_by }) => {
            if !limit_by.is_empty() {
                return unsupported("LIMIT BY has no Ecto form");
            }
            (limit.as_ref(), offset.as_ref().map(|o| &o.value))
        }
        Some(LimitClause::OffsetCommaLimit { offset, limit }) => (Some(limit), Some(offset)),
    };
    if let Some(f) = &q.fetch {
        if f.percent || f.with_ties {
            return unsupported("FETCH ... PERCENT / WITH TIES has no Ecto form");
        }
        limit = f.quantity.as_ref();
    }
    Ok((limit, offset))
}

fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        Expr::Nested(inner) => conjuncts(inner, out),
        other => out.push(other),
    }
}

/// Whether Elixir code reads a binding's field (`p.title`), outside its
/// strings: `7.5 / 2` does not.
pub(crate) fn reads_a_field(code: &str) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    let mut token = String::new();
    for c in code.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                token.clear();
            }
            '.' if token.starts_with(|t: char| t.is_ascii_alphabetic() || t == '_') => return true,
            c if c.is_ascii_alphanumeric() || c == '_' => token.push(c),
            _ => token.clear(),
        }
    }
    false
}

/// How many times `name.` qualifies a column in `sql` (any case, quoted or not).
fn mentions(sql: &str, name: &str) -> usize {
    let lower = sql.to_lowercase();
    let mut n = 0;
    for pat in [format!("{name}."), format!("\"{name}\".")] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(&pat) {
            let start = from + at;
            let before = lower[..start].chars().next_back();
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || (c == '"' && !pat.starts_with('"'))) {
                n += 1;
            }
            from = start + pat.len();
        }
    }
    n
}

/// `t.c` → (t, c), lowercased.
fn qualified(e: &Expr) -> Option<(String, String)> {
    match e {
        Expr::CompoundIdentifier(p) if p.len() >= 2 => Some((ident_lower(&p[p.len() - 2]), ident_lower(&p[p.len() - 1]))),
        _ => None,
    }
}

/// `'$.a.b[0]'` → `["a"]["b"][0]`.
fn json_path_keys(e: &Expr) -> Option<String> {
    let Expr::Value(v) = e else { return None };
    let SqlValue::SingleQuotedString(p) = &v.value else { return None };
    let mut rest = p.strip_prefix('$')?;
    let mut out = String::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let k = &r[..end];
            if k.is_empty() || k.contains('"') {
                return None;
            }
            out.push_str(&format!("[{}]", string(k)));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let n: u64 = r[..end].parse().ok()?;
            out.push_str(&format!("[{n}]"));
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}
