//! The query model: `%Ecto.Query{}` and its expression trees.
//!
//! Expressions mirror Ecto's escaped AST one to one (`{:&, [], [0]}` is
//! [`Expr::Var`], `{{:., [], [&0, :title]}, [], []}` is [`Expr::Field`],
//! `{:^, [], [0]}` is [`Expr::Param`], calls are [`Expr::Call`]), so the
//! planner and printers follow Ecto's rules clause by clause. Pinned values
//! live beside the expression in its clause's `params`, each with the
//! quoted type the builder inferred for it.

use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use crate::diag::Span;
use crate::value::Value;

/// A shared name (field, column, function): cloning it is a reference
/// count, so planning copies no strings. Compares and prints as its text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Rc<str>);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(Rc::from(s))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(Rc::from(s))
    }
}

impl From<&String> for Name {
    fn from(s: &String) -> Name {
        Name(Rc::from(s.as_str()))
    }
}

impl From<Rc<str>> for Name {
    fn from(s: Rc<str>) -> Name {
        Name(s)
    }
}

impl From<&Rc<str>> for Name {
    fn from(s: &Rc<str>) -> Name {
        Name(s.clone())
    }
}

impl From<Name> for Rc<str> {
    fn from(n: Name) -> Rc<str> {
        n.0
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == &*other.0
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == &*other.0
    }
}

/// A binding reference: `&ix`, `as(:name)` or `parent_as(:name)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Bind {
    Ix(usize),
    As(String),
    ParentAs(String),
}

/// A type as the builder infers it (`quoted_type`) and as `type/2` names it.
#[derive(Clone, Debug, PartialEq)]
pub enum QType {
    Any,
    /// A type term: `:integer`, `:atom`, `{:array, :string}` (when fully
    /// literal), `Ecto.UUID`, `{:parameterized, ...}`.
    Term(Value),
    /// The type of a field: `{ix, :field}`.
    Field(Bind, String),
    Array(Box<QType>),
    /// `{:in, t}`: the right side of `x in ^list`.
    In(Box<QType>),
    /// `{:out, t}`: the element of an array (update push/pull).
    Out(Box<QType>),
    /// `{:splice, t}`
    Splice(Box<QType>),
    Tuple(Vec<QType>),
    /// `{:supertype, :datetime}`
    SupertypeDatetime,
}

impl QType {
    pub fn atom(name: &str) -> QType {
        QType::Term(Value::atom(name))
    }

    pub fn is_atom(&self, name: &str) -> bool {
        matches!(self, QType::Term(v) if v.as_atom() == Some(name))
    }
}

/// One piece of a fragment.
#[derive(Clone, Debug, PartialEq)]
pub enum FragPart {
    Raw(String),
    Expr(Expr),
}

/// A window definition (`windows: [w: [...]]` or inline in `over/2`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct WindowDef {
    /// In written order among `partition_by`, `order_by`, `frame` (Ecto sorts them).
    pub parts: Vec<WindowPart>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum WindowPart {
    PartitionBy(Vec<Expr>),
    OrderBy(Vec<(Dir, Expr)>),
    Frame(Expr),
}

/// `over(agg, :name)` or `over(agg, [partition_by: ...])`.
#[derive(Clone, Debug, PartialEq)]
pub enum Over {
    Named(String),
    Inline(WindowDef),
}

/// An element of a JSON path: `"key"`, `0` or a field.
#[derive(Clone, Debug, PartialEq)]
pub enum PathElem {
    Key(String),
    Index(i64),
    Field(Box<Expr>),
}

/// Order direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Asc,
    AscNullsLast,
    AscNullsFirst,
    Desc,
    DescNullsLast,
    DescNullsFirst,
}

impl Dir {
    pub fn from_atom(a: &str) -> Option<Dir> {
        Some(match a {
            "asc" => Dir::Asc,
            "asc_nulls_last" => Dir::AscNullsLast,
            "asc_nulls_first" => Dir::AscNullsFirst,
            "desc" => Dir::Desc,
            "desc_nulls_last" => Dir::DescNullsLast,
            "desc_nulls_first" => Dir::DescNullsFirst,
            _ => return None,
        })
    }

    pub fn as_atom(self) -> &'static str {
        match self {
            Dir::Asc => "asc",
            Dir::AscNullsLast => "asc_nulls_last",
            Dir::AscNullsFirst => "asc_nulls_first",
            Dir::Desc => "desc",
            Dir::DescNullsLast => "desc_nulls_last",
            Dir::DescNullsFirst => "desc_nulls_first",
        }
    }

    pub fn reverse(self) -> Dir {
        match self {
            Dir::Desc => Dir::Asc,
            Dir::DescNullsLast => Dir::AscNullsFirst,
            Dir::DescNullsFirst => Dir::AscNullsLast,
            Dir::Asc => Dir::Desc,
            Dir::AscNullsLast => Dir::DescNullsFirst,
            Dir::AscNullsFirst => Dir::DescNullsLast,
        }
    }
}

/// An escaped query expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A literal: nil, booleans, numbers, strings, atoms, lists of literals,
    /// Decimals (after dumping), binaries.
    Lit(Value),
    /// `{:&, [], [ix]}` or a named binding used as a whole.
    Var(Bind),
    /// `x.field` / `field(x, :field)`. After planning the name is the column
    /// (`field_source`).
    Field(Bind, Name),
    /// `field(x, "name")`: a field named by a string, taken as it is (type
    /// `:any`, no schema lookup, no `field_source`).
    FieldStr(Bind, Name),
    /// `{:^, [], [ix]}`. Before planning `ix` indexes the clause's params;
    /// after, the statement's params.
    Param(usize),
    /// `x in ^list` after planning: first index and number of values.
    ParamList(usize, usize),
    /// `%Ecto.Query.Tagged{value, type}` (a literal or expression with a type).
    Tagged(Box<Expr>, QType),
    /// Planned `%Tagged{}`: the primitive type term used for casting in SQL.
    TaggedPrim(Box<Expr>, Value),
    /// `type(expr, type)` before planning.
    Type(Box<Expr>, QType),
    /// `{name, [], args}`: operators and SQL functions (`==`, `and`,
    /// `is_nil`, `count`, `coalesce`, `like`, `datetime_add`, `exists`, ...).
    Call(Name, Vec<Expr>),
    /// `{:{}, [], elems}`
    Tuple(Vec<Expr>),
    /// A list expression (select lists, `in` with a non-literal list).
    List(Vec<Expr>),
    /// `%{k => v}` in select.
    Map(Vec<(Expr, Expr)>),
    /// `%{data | k => v}` in select.
    MapUpdate(Box<Expr>, Vec<(Expr, Expr)>),
    /// `%Mod{k => v}` in select (module without `Elixir.`).
    Struct(String, Vec<(Expr, Expr)>),
    /// `merge(left, right)` in select.
    Merge(Box<Expr>, Box<Expr>),
    Fragment(Vec<FragPart>),
    /// `fragment(^kw)` / keyword fragments (rejected by the SQL adapters).
    FragmentKw(Value),
    /// `{:subquery, i}`: the i-th subquery of the clause.
    Subquery(usize),
    /// A planned subquery (after normalization).
    PlannedSubquery(Rc<super::plan::Planned>),
    JsonPath(Box<Expr>, Vec<PathElem>),
    /// `selected_as(expr, :name)` (select root only).
    SelectedAs(Box<Expr>, String),
    /// `selected_as(:name)` referring to an alias.
    SelectedAsRef(String),
    Over(Box<Expr>, Over),
    /// `identifier(^"name")` in fragments.
    Identifier(String),
    /// `splice(^list)` before planning: the clause param index.
    Splice(usize),
}

impl Expr {
    pub fn field(ix: usize, name: &str) -> Expr {
        Expr::Field(Bind::Ix(ix), name.into())
    }

    pub fn call(name: &str, args: Vec<Expr>) -> Expr {
        Expr::Call(name.into(), args)
    }

    pub fn is_true(&self) -> bool {
        matches!(self, Expr::Lit(Value::Bool(true)))
    }

    /// Walks the tree, visiting every node before its children.
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Tagged(e, _) | Expr::TaggedPrim(e, _) | Expr::Type(e, _) | Expr::SelectedAs(e, _) => e.walk(f),
            Expr::Over(e, over) => {
                e.walk(f);
                if let Over::Inline(w) = over {
                    w.walk(f);
                }
            }
            Expr::Call(_, args) | Expr::Tuple(args) | Expr::List(args) => args.iter().for_each(|a| a.walk(f)),
            Expr::Map(kv) | Expr::Struct(_, kv) => kv.iter().for_each(|(k, v)| {
                k.walk(f);
                v.walk(f)
            }),
            Expr::MapUpdate(d, kv) => {
                d.walk(f);
                kv.iter().for_each(|(k, v)| {
                    k.walk(f);
                    v.walk(f)
                })
            }
            Expr::Merge(a, b) => {
                a.walk(f);
                b.walk(f)
            }
            Expr::Fragment(parts) => parts.iter().for_each(|p| {
                if let FragPart::Expr(e) = p {
                    e.walk(f)
                }
            }),
            Expr::JsonPath(e, path) => {
                e.walk(f);
                for p in path {
                    if let PathElem::Field(e) = p {
                        e.walk(f)
                    }
                }
            }
            _ => {}
        }
    }

    /// Rewrites every node bottom-up.
    pub fn map(self, f: &mut dyn FnMut(Expr) -> Expr) -> Expr {
        let mapped = match self {
            Expr::Tagged(e, t) => Expr::Tagged(Box::new(e.map(f)), t),
            Expr::TaggedPrim(e, t) => Expr::TaggedPrim(Box::new(e.map(f)), t),
            Expr::Type(e, t) => Expr::Type(Box::new(e.map(f)), t),
            Expr::SelectedAs(e, n) => Expr::SelectedAs(Box::new(e.map(f)), n),
            Expr::Over(e, over) => {
                let over = match over {
                    Over::Inline(w) => Over::Inline(w.map(f)),
                    o => o,
                };
                Expr::Over(Box::new(e.map(f)), over)
            }
            Expr::Call(n, args) => Expr::Call(n, args.into_iter().map(|a| a.map(f)).collect()),
            Expr::Tuple(args) => Expr::Tuple(args.into_iter().map(|a| a.map(f)).collect()),
            Expr::List(args) => Expr::List(args.into_iter().map(|a| a.map(f)).collect()),
            Expr::Map(kv) => Expr::Map(kv.into_iter().map(|(k, v)| (k.map(f), v.map(f))).collect()),
            Expr::Struct(n, kv) => Expr::Struct(n, kv.into_iter().map(|(k, v)| (k.map(f), v.map(f))).collect()),
            Expr::MapUpdate(d, kv) => Expr::MapUpdate(Box::new(d.map(f)), kv.into_iter().map(|(k, v)| (k.map(f), v.map(f))).collect()),
            Expr::Merge(a, b) => Expr::Merge(Box::new(a.map(f)), Box::new(b.map(f))),
            Expr::Fragment(parts) => Expr::Fragment(
                parts
                    .into_iter()
                    .map(|p| match p {
                        FragPart::Expr(e) => FragPart::Expr(e.map(f)),
                        raw => raw,
                    })
                    .collect(),
            ),
            Expr::JsonPath(e, path) => Expr::JsonPath(
                Box::new(e.map(f)),
                path.into_iter()
                    .map(|p| match p {
                        PathElem::Field(e) => PathElem::Field(Box::new(e.map(f))),
                        other => other,
                    })
                    .collect(),
            ),
            other => other,
        };
        f(mapped)
    }
}

impl WindowDef {
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        for p in &self.parts {
            match p {
                WindowPart::PartitionBy(es) => es.iter().for_each(|e| e.walk(f)),
                WindowPart::OrderBy(es) => es.iter().for_each(|(_, e)| e.walk(f)),
                WindowPart::Frame(e) => e.walk(f),
            }
        }
    }

    pub fn map(self, f: &mut dyn FnMut(Expr) -> Expr) -> WindowDef {
        WindowDef {
            parts: self
                .parts
                .into_iter()
                .map(|p| match p {
                    WindowPart::PartitionBy(es) => WindowPart::PartitionBy(es.into_iter().map(|e| e.map(f)).collect()),
                    WindowPart::OrderBy(es) => WindowPart::OrderBy(es.into_iter().map(|(d, e)| (d, e.map(f))).collect()),
                    WindowPart::Frame(e) => WindowPart::Frame(e.map(f)),
                })
                .collect(),
        }
    }
}

/// A pinned value with the type it is cast to, or a subquery placeholder.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    Value(Value, QType),
    /// `{:subquery, i}`: the params of the clause's i-th subquery go here.
    Subquery(usize),
}

/// Source position for errors (`file:line`).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Loc {
    pub span: Span,
}

/// Where a `from` or `join` is written in the source (its `x in Source`
/// and `on:`), for tools that highlight it (the query plan's nodes).
/// Not part of a query's identity: always equal.
#[derive(Clone, Copy, Debug, Default)]
pub struct Written(pub Span);

impl PartialEq for Written {
    fn eq(&self, _: &Written) -> bool {
        true
    }
}

/// Common clause: an expression, its params and subqueries.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Clause<E = Expr> {
    pub expr: E,
    pub params: Vec<Param>,
    pub subqueries: Vec<Query>,
    pub loc: Loc,
}

/// `:and` / `:or` of a `BooleanExpr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolOp {
    And,
    Or,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BoolExpr {
    pub op: BoolOp,
    pub clause: Clause,
}

/// What a query reads from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// `{source, schema}`: a table (and maybe the schema module). The table
    /// is None for `{nil, Schema}` in a join before planning.
    Table {
        table: Option<String>,
        schema: Option<String>,
    },
    Subquery(Box<SubQuery>),
    Fragment(Vec<FragPart>),
    /// `values(list, types)`: the fields (sorted, as `MapSet.to_list/1`
    /// gives them) with their type terms, and the number of rows. The
    /// values themselves are the source's params, row by row.
    Values {
        types: Vec<(String, Value)>,
        num_rows: usize,
    },
}

/// `%Ecto.SubQuery{}`
#[derive(Clone, Debug, PartialEq)]
pub struct SubQuery {
    pub query: Query,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FromExpr {
    pub source: Source,
    pub as_: Option<String>,
    pub prefix: Option<Value>,
    pub params: Vec<Param>,
    pub hints: Vec<String>,
    pub loc: Loc,
    pub written: Written,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinQual {
    Inner,
    InnerLateral,
    Left,
    LeftLateral,
    Right,
    Full,
    Cross,
    CrossLateral,
}

impl JoinQual {
    pub fn from_atom(a: &str) -> Option<JoinQual> {
        Some(match a {
            "inner" => JoinQual::Inner,
            "inner_lateral" => JoinQual::InnerLateral,
            "left" => JoinQual::Left,
            "left_lateral" => JoinQual::LeftLateral,
            "right" => JoinQual::Right,
            "full" => JoinQual::Full,
            "cross" => JoinQual::Cross,
            "cross_lateral" => JoinQual::CrossLateral,
            _ => return None,
        })
    }

    pub fn as_atom(self) -> &'static str {
        match self {
            JoinQual::Inner => "inner",
            JoinQual::InnerLateral => "inner_lateral",
            JoinQual::Left => "left",
            JoinQual::LeftLateral => "left_lateral",
            JoinQual::Right => "right",
            JoinQual::Full => "full",
            JoinQual::Cross => "cross",
            JoinQual::CrossLateral => "cross_lateral",
        }
    }

    /// The keyword of the keyword syntax (`left_join`).
    pub fn keyword(self) -> &'static str {
        match self {
            JoinQual::Inner => "join",
            JoinQual::InnerLateral => "inner_lateral_join",
            JoinQual::Left => "left_join",
            JoinQual::LeftLateral => "left_lateral_join",
            JoinQual::Right => "right_join",
            JoinQual::Full => "full_join",
            JoinQual::Cross => "cross_join",
            JoinQual::CrossLateral => "cross_lateral_join",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct JoinExpr {
    pub qual: JoinQual,
    /// None for association joins (before planning).
    pub source: Option<Source>,
    /// A query interpolated as join source (`join: c in ^query`).
    pub source_query: Option<Box<Query>>,
    pub on: BoolExpr,
    /// `assoc(x, :name)`: the owner binding index and association.
    pub assoc: Option<(usize, String)>,
    pub as_: Option<String>,
    pub ix: Option<usize>,
    pub prefix: Option<Value>,
    pub params: Vec<Param>,
    pub hints: Vec<String>,
    pub loc: Loc,
    pub written: Written,
}

/// `select`: expression plus `take` (for `struct/2`/`map/2`) and aliases.
#[derive(Clone, Debug, PartialEq)]
pub struct SelectExpr {
    pub clause: Clause,
    /// binding index -> (kind :any/:map/:struct, fields)
    pub take: Vec<(usize, TakeKind, Vec<Value>)>,
    /// `selected_as` names in definition order.
    pub aliases: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TakeKind {
    Any,
    Map,
    Struct,
}

impl TakeKind {
    pub fn as_atom(self) -> &'static str {
        match self {
            TakeKind::Any => "any",
            TakeKind::Map => "map",
            TakeKind::Struct => "struct",
        }
    }
}

/// `limit` (with ties) and `offset`.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitExpr {
    pub clause: Clause,
    pub with_ties: bool,
}

/// One CTE: name, options and the query (or a fragment).
#[derive(Clone, Debug, PartialEq)]
pub struct Cte {
    pub name: String,
    pub materialized: Option<bool>,
    /// `:all`, `:update_all`, `:delete_all`
    pub operation: String,
    pub query: CteQuery,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CteQuery {
    Query(Box<Query>),
    Fragment(Clause),
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct WithExpr {
    pub recursive: bool,
    pub queries: Vec<Cte>,
}

/// `:union`, `:union_all`, `:except`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CombKind {
    Union,
    UnionAll,
    Except,
    ExceptAll,
    Intersect,
    IntersectAll,
}

impl CombKind {
    pub fn from_name(a: &str) -> Option<CombKind> {
        Some(match a {
            "union" => CombKind::Union,
            "union_all" => CombKind::UnionAll,
            "except" => CombKind::Except,
            "except_all" => CombKind::ExceptAll,
            "intersect" => CombKind::Intersect,
            "intersect_all" => CombKind::IntersectAll,
            _ => return None,
        })
    }

    pub fn as_atom(self) -> &'static str {
        match self {
            CombKind::Union => "union",
            CombKind::UnionAll => "union_all",
            CombKind::Except => "except",
            CombKind::ExceptAll => "except_all",
            CombKind::Intersect => "intersect",
            CombKind::IntersectAll => "intersect_all",
        }
    }
}

/// `update: [set: ..., inc: ...]` ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateOp {
    Set,
    Inc,
    Push,
    Pull,
}

impl UpdateOp {
    pub fn from_atom(a: &str) -> Option<UpdateOp> {
        Some(match a {
            "set" => UpdateOp::Set,
            "inc" => UpdateOp::Inc,
            "push" => UpdateOp::Push,
            "pull" => UpdateOp::Pull,
            _ => return None,
        })
    }

    pub fn as_atom(self) -> &'static str {
        match self {
            UpdateOp::Set => "set",
            UpdateOp::Inc => "inc",
            UpdateOp::Push => "push",
            UpdateOp::Pull => "pull",
        }
    }
}

/// One `update` clause: `[{op, [{field, expr}]}]`.
pub type UpdateKw = Vec<(UpdateOp, Vec<(String, Expr)>)>;

/// A preload entry: `:comments`, `comments: :author`, `comments: ^query`.
#[derive(Clone, Debug, PartialEq)]
pub enum Preload {
    Assoc(String, Vec<Preload>),
    /// `assoc: ^query_or_fun` (and its nested preloads).
    Custom(String, Value, Vec<Preload>),
}

/// An association preloaded from a join: `preload: [comments: c]`.
#[derive(Clone, Debug, PartialEq)]
pub struct AssocPreload {
    pub name: String,
    pub ix: usize,
    pub children: Vec<AssocPreload>,
}

/// `%Ecto.Query{}`
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub prefix: Option<Value>,
    pub from: FromExpr,
    pub joins: Vec<JoinExpr>,
    /// name -> binding index, in insertion order.
    pub aliases: Vec<(String, usize)>,
    pub wheres: Vec<BoolExpr>,
    pub select: Option<SelectExpr>,
    pub order_bys: Vec<Clause<Vec<(Dir, Expr)>>>,
    pub limit: Option<LimitExpr>,
    pub offset: Option<Clause>,
    pub group_bys: Vec<Clause<Vec<Expr>>>,
    pub combinations: Vec<(CombKind, Query)>,
    pub updates: Vec<Clause<UpdateKw>>,
    pub havings: Vec<BoolExpr>,
    pub preloads: Vec<Preload>,
    pub assocs: Vec<AssocPreload>,
    /// `distinct: true/false` or `distinct: [asc: expr]`.
    pub distinct: Option<Clause<Distinct>>,
    pub lock: Option<Lock>,
    pub windows: Vec<(String, Clause<WindowDef>)>,
    pub with_ctes: Option<WithExpr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Distinct {
    Bool(bool),
    Exprs(Vec<(Dir, Expr)>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Lock {
    Str(String),
    Fragment(Expr),
}

impl Query {
    /// A query reading from `source`.
    pub fn from_source(source: Source, prefix: Option<Value>) -> Query {
        Query {
            prefix: None,
            from: FromExpr { source, as_: None, prefix, params: vec![], hints: vec![], loc: Loc::default(), written: Written::default() },
            joins: vec![],
            aliases: vec![],
            wheres: vec![],
            select: None,
            order_bys: vec![],
            limit: None,
            offset: None,
            group_bys: vec![],
            combinations: vec![],
            updates: vec![],
            havings: vec![],
            preloads: vec![],
            assocs: vec![],
            distinct: None,
            lock: None,
            windows: vec![],
            with_ctes: None,
        }
    }

    /// `Schema.__schema__(:query)`
    pub fn from_schema(schema: &crate::schema::Schema) -> Option<Query> {
        let source = schema.source.clone()?;
        let prefix = match &schema.prefix {
            Value::Nil => None,
            p => Some(p.clone()),
        };
        Some(Query::from_source(Source::Table { table: Some(source), schema: Some(schema.module.clone()) }, prefix))
    }

    pub fn alias_ix(&self, name: &str) -> Option<usize> {
        self.aliases.iter().find(|(n, _)| n == name).map(|(_, ix)| *ix)
    }

    /// `Ecto.Query.Builder.count_binds/1`
    pub fn count_binds(&self) -> usize {
        1 + self.joins.len()
    }

    /// The schema module of the `from` source, if any.
    pub fn from_schema_name(&self) -> Option<&str> {
        match &self.from.source {
            Source::Table { schema: Some(s), .. } => Some(s),
            _ => None,
        }
    }
}
