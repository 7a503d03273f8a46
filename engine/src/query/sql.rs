//! SQL printers: ecto_sqlite3's and ecto_sql Postgres' `Connection` modules.
//!
//! One walk over a [`Planned`] query; the dialect decides the details
//! (placeholders, literals, casts, joins, arrays, JSON paths, intervals).
//! Sections are computed in the order the adapters compute them, so the
//! first error an adapter would raise is the one returned.

use super::expr::*;
use super::plan::*;
use crate::diag::Span;
use crate::eval::{EResult, Error};
use crate::value::inspect::{float as fmt_float, inspect};
use crate::value::Value;

fn query_error(msg: &str, p: &Planned) -> Box<Error> {
    let text = format!("{msg} in query:\n\n{}\n", super::inspect::planned_query_to_string(&p.query));
    Error::raise("Ecto.QueryError", text, Span::NONE)
}

fn arg_error(msg: &str) -> Box<Error> {
    Error::raise("ArgumentError", msg, Span::NONE)
}

/// Source names of one query level, with its parent for `parent_as/1`.
struct Names<'a> {
    names: Vec<String>,
    /// The quoted table (`"users"`, `"prefix"."users"`), None for subqueries/fragments.
    tables: Vec<Option<String>>,
    as_prefix: String,
    planned: &'a Planned,
    parent: Option<&'a Names<'a>>,
}

pub struct Printer {
    pub dialect: Dialect,
    /// SQLite's RETURNING prints bare column names.
    returning: bool,
}

const BINARY_OPS: &[(&str, &str)] = &[
    ("==", " = "),
    ("!=", " != "),
    ("<=", " <= "),
    (">=", " >= "),
    ("<", " < "),
    (">", " > "),
    ("+", " + "),
    ("-", " - "),
    ("*", " * "),
    ("/", " / "),
    ("and", " AND "),
    ("or", " OR "),
    ("like", " LIKE "),
];

/// `quote_name/1`
pub fn quote_name(dialect: Dialect, name: &str) -> EResult<String> {
    if dialect == Dialect::Postgres && name.contains('"') {
        return Err(arg_error(&format!("bad literal/field/index/table name {} (\" is not permitted)", inspect(&Value::str(name)))));
    }
    Ok(format!("\"{name}\""))
}

/// `quote_table/2` (SQLite) / `quote_name/2` (Postgres).
pub fn quote_table(dialect: Dialect, prefix: Option<&Value>, table: &str) -> EResult<String> {
    match (dialect, prefix) {
        (_, None) | (_, Some(Value::Nil)) => quote_name(dialect, table),
        (Dialect::Sqlite, Some(p)) if p.is_atom() || p.is_binary() => Err(arg_error("SQLite3 does not support table prefixes")),
        (Dialect::Sqlite, Some(_)) => quote_name(dialect, table),
        (Dialect::Postgres, Some(p)) => {
            let pre = match p {
                Value::Str(s) => s.to_string(),
                other => other.as_atom().map(|a| a.to_string()).unwrap_or_else(|| inspect(other)),
            };
            Ok(format!("{}.{}", quote_name(dialect, &pre)?, quote_name(dialect, table)?))
        }
    }
}

fn escape_string(dialect: Dialect, s: &str) -> String {
    let s = s.replace('\'', "''");
    match dialect {
        Dialect::Sqlite => s.replace('\\', "\\\\"),
        Dialect::Postgres => s,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn create_alias(table: &str) -> char {
    match table.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => c,
        _ => 't',
    }
}

fn is_binary_op(e: &Expr, dialect: Dialect) -> bool {
    match e {
        Expr::Call(name, args) if args.len() == 2 => {
            BINARY_OPS.iter().any(|(o, _)| o == name) || (dialect == Dialect::Postgres && name == "ilike")
        }
        _ => false,
    }
}

impl Printer {
    pub fn new(dialect: Dialect) -> Printer {
        Printer { dialect, returning: false }
    }

    fn q(&self, name: &str) -> EResult<String> {
        quote_name(self.dialect, name)
    }

    fn create_names<'a>(&self, p: &'a Planned, as_prefix: &str, parent: Option<&'a Names<'a>>) -> EResult<Names<'a>> {
        let mut names = vec![];
        let mut tables = vec![];
        for (pos, s) in p.sources.iter().enumerate() {
            match s {
                PSource::Table { table, prefix, .. } => {
                    names.push(format!("{as_prefix}{}{pos}", create_alias(table)));
                    tables.push(Some(quote_table(self.dialect, prefix.as_ref(), table)?));
                }
                PSource::Subquery { .. } => {
                    names.push(format!("{as_prefix}s{pos}"));
                    tables.push(None);
                }
                PSource::Fragment { .. } => {
                    names.push(format!("{as_prefix}f{pos}"));
                    tables.push(None);
                }
            }
        }
        Ok(Names { names, tables, as_prefix: as_prefix.to_string(), planned: p, parent })
    }

    /// `Repo.all`'s SQL.
    fn all(&mut self, p: &Planned, as_prefix: &str, parent: Option<&Names>) -> EResult<String> {
        match self.dialect {
            Dialect::Sqlite => {
                if p.lock.is_some() {
                    return Err(arg_error("locks are not supported by SQLite3"));
                }
                let n = self.create_names(p, as_prefix, parent)?;
                let cte = self.cte(p, &n)?;
                let from = self.from(p, &n)?;
                let select = self.select(p, &n, "")?;
                let join = self.join(p, &n)?;
                let where_ = self.boolean(" WHERE ", &p.wheres, &n)?;
                let group_by = self.group_by(p, &n)?;
                let having = self.boolean(" HAVING ", &p.havings, &n)?;
                let window = self.window(p, &n)?;
                let combinations = self.combinations(p, as_prefix, parent)?;
                let order_by = self.order_by(p, &[], &n)?;
                let limit = self.limit(p, &n)?;
                let offset = self.offset(p, &n)?;
                Ok([cte, select, from, join, where_, group_by, having, window, combinations, order_by, limit, offset].concat())
            }
            Dialect::Postgres => {
                let n = self.create_names(p, as_prefix, parent)?;
                let (select_distinct, order_by_distinct) = self.pg_distinct(p, &n)?;
                let cte = self.cte(p, &n)?;
                let from = self.from(p, &n)?;
                let select = self.select(p, &n, &select_distinct)?;
                let join = self.join(p, &n)?;
                let where_ = self.boolean(" WHERE ", &p.wheres, &n)?;
                let group_by = self.group_by(p, &n)?;
                let having = self.boolean(" HAVING ", &p.havings, &n)?;
                let window = self.window(p, &n)?;
                let combinations = self.combinations(p, as_prefix, parent)?;
                let order_by = self.order_by(p, &order_by_distinct, &n)?;
                let limit = self.limit(p, &n)?;
                let offset = self.offset(p, &n)?;
                let lock = match &p.lock {
                    None => String::new(),
                    Some(Lock::Str(s)) => format!(" {s}"),
                    Some(Lock::Fragment(e)) => format!(" {}", self.expr(e, &n)?),
                };
                Ok([cte, select, from, join, where_, group_by, having, window, combinations, order_by, limit, offset, lock].concat())
            }
        }
    }

    /// `update_all/2`
    pub fn update_all(&mut self, p: &Planned, prefix_sql: Option<&str>) -> EResult<String> {
        let n = self.create_names(p, "", None)?;
        let cte = self.cte(p, &n)?;
        let (from, name) = self.get_source(p, 0, &n)?;
        let fields = self.update_fields(p, &n, prefix_sql.is_some())?;
        let (join, wheres) = self.using_join(p, "update_all", "FROM", &n)?;
        let prefix = match prefix_sql {
            Some(s) => s.to_string(),
            None => format!("UPDATE {from} AS {name} SET "),
        };
        let mut all_wheres = wheres;
        all_wheres.extend(p.wheres.iter().cloned());
        let where_ = self.boolean(" WHERE ", &all_wheres, &n)?;
        let returning = self.returning(p, &n)?;
        Ok([cte, prefix, fields, join, where_, returning].concat())
    }

    /// `delete_all/1`
    pub fn delete_all(&mut self, p: &Planned) -> EResult<String> {
        match self.dialect {
            Dialect::Sqlite => {
                if !p.joins.is_empty() {
                    return Err(arg_error("JOINS are not supported on DELETE statements by SQLite"));
                }
                let n = self.create_names(p, "", None)?;
                let cte = self.cte(p, &n)?;
                let from = self.from(p, &n)?;
                let where_ = self.boolean(" WHERE ", &p.wheres, &n)?;
                let returning = self.returning(p, &n)?;
                Ok([cte, "DELETE".to_string(), from, where_, returning].concat())
            }
            Dialect::Postgres => {
                let n = self.create_names(p, "", None)?;
                let cte = self.cte(p, &n)?;
                let (from, name) = self.get_source(p, 0, &n)?;
                let (join, wheres) = self.using_join(p, "delete_all", "USING", &n)?;
                let mut all_wheres = wheres;
                all_wheres.extend(p.wheres.iter().cloned());
                let where_ = self.boolean(" WHERE ", &all_wheres, &n)?;
                let returning = self.returning(p, &n)?;
                Ok([cte, format!("DELETE FROM {from} AS {name}"), join, where_, returning].concat())
            }
        }
    }

    fn returning(&mut self, p: &Planned, n: &Names) -> EResult<String> {
        match &p.select {
            None => Ok(String::new()),
            Some(s) => {
                let prev = self.returning;
                self.returning = self.dialect == Dialect::Sqlite;
                let r = self.select_fields(&s.fields, n, p);
                self.returning = prev;
                Ok(format!(" RETURNING {}", r?))
            }
        }
    }

    fn get_source(&mut self, p: &Planned, ix: usize, n: &Names) -> EResult<(String, String)> {
        let name = n.names.get(ix).cloned().unwrap_or_default();
        if let Some(Some(t)) = n.tables.get(ix) {
            return Ok((t.clone(), name));
        }
        let expr = match p.sources.get(ix) {
            Some(PSource::Subquery { planned, .. }) => self.subquery(planned, n)?,
            Some(PSource::Fragment { parts }) => self.fragment(parts, n)?,
            _ => String::new(),
        };
        Ok((expr, name))
    }

    fn subquery(&mut self, sp: &Planned, n: &Names) -> EResult<String> {
        let as_prefix = format!("s{}", n.as_prefix);
        Ok(format!("({})", self.all(sp, &as_prefix, Some(n))?))
    }

    fn pg_distinct(&mut self, p: &Planned, n: &Names) -> EResult<(String, Vec<(Dir, Expr)>)> {
        match &p.distinct {
            None | Some(Distinct::Bool(false)) => Ok((String::new(), vec![])),
            Some(Distinct::Bool(true)) => Ok((" DISTINCT".into(), vec![])),
            Some(Distinct::Exprs(es)) if es.is_empty() => Ok((String::new(), vec![])),
            Some(Distinct::Exprs(es)) => {
                let parts: Vec<String> = es.iter().map(|(_, e)| self.expr(e, n)).collect::<EResult<_>>()?;
                Ok((format!(" DISTINCT ON ({})", parts.join(", ")), es.clone()))
            }
        }
    }

    fn select(&mut self, p: &Planned, n: &Names, pg_distinct: &str) -> EResult<String> {
        let fields: &[SelField] = p.select.as_ref().map(|s| s.fields.as_slice()).unwrap_or(&[]);
        match self.dialect {
            Dialect::Sqlite => {
                let distinct = match &p.distinct {
                    None | Some(Distinct::Bool(false)) => "",
                    Some(Distinct::Bool(true)) => "DISTINCT ",
                    Some(Distinct::Exprs(_)) => return Err(query_error("DISTINCT with multiple columns is not supported by SQLite3", p)),
                };
                Ok(format!("SELECT {distinct}{}", self.select_fields(fields, n, p)?))
            }
            Dialect::Postgres => Ok(format!("SELECT{pg_distinct} {}", self.select_fields(fields, n, p)?)),
        }
    }

    fn select_fields(&mut self, fields: &[SelField], n: &Names, p: &Planned) -> EResult<String> {
        if fields.is_empty() {
            return Ok(if self.dialect == Dialect::Postgres { "TRUE".into() } else { "1".into() });
        }
        let mut out = vec![];
        for f in fields {
            let s = match (&f.alias, &f.expr) {
                (None, Expr::Var(Bind::Ix(ix))) => match p.sources.get(*ix) {
                    Some(PSource::Fragment { .. }) if self.dialect == Dialect::Postgres => {
                        return Err(query_error(
                            &format!(
                                "PostgreSQL adapter does not support selecting all fields from fragment {}. Please specify exactly which fields you want to select",
                                n.names[*ix]
                            ),
                            p,
                        ))
                    }
                    Some(PSource::Table { table, schema: None, .. }) => {
                        return Err(query_error(
                            &match self.dialect {
                                Dialect::Postgres => format!(
                                    "PostgreSQL adapter does not support selecting all fields from {} without a schema. Please specify a schema or specify exactly which fields you want to select",
                                    n.tables[*ix].clone().unwrap_or_else(|| table.clone())
                                ),
                                Dialect::Sqlite => format!(
                                    "SQLite3 does not support selecting all fields from {} without a schema. Please specify a schema or specify exactly which fields you want to select",
                                    n.tables[*ix].clone().unwrap_or_else(|| table.clone())
                                ),
                            },
                            p,
                        ))
                    }
                    _ => n.names.get(*ix).cloned().unwrap_or_default(),
                },
                (Some(a), e) => format!("{} AS {}", self.expr(e, n)?, self.q(a)?),
                (None, e) => self.expr(e, n)?,
            };
            out.push(s);
        }
        Ok(out.join(", "))
    }

    fn from(&mut self, p: &Planned, n: &Names) -> EResult<String> {
        let (from, name) = self.get_source(p, 0, n)?;
        let hints: String = p.from_hints.iter().map(|h| format!(" {h}")).collect();
        Ok(format!(" FROM {from} AS {name}{hints}"))
    }

    fn cte(&mut self, p: &Planned, n: &Names) -> EResult<String> {
        let Some(w) = &p.with else { return Ok(String::new()) };
        if w.ctes.is_empty() {
            return Ok(String::new());
        }
        let mut parts = vec![];
        for c in &w.ctes {
            let mat = match (self.dialect, c.materialized) {
                (Dialect::Postgres, Some(true)) => "MATERIALIZED",
                (Dialect::Postgres, Some(false)) => "NOT MATERIALIZED",
                _ => "",
            };
            let body = match &c.body {
                PCteBody::Query(q) => {
                    let as_prefix = format!("s{}", n.as_prefix);
                    match (self.dialect, c.operation) {
                        (Dialect::Postgres, Op::UpdateAll) => format!("({})", self.update_all(q, None)?),
                        (Dialect::Postgres, Op::DeleteAll) => format!("({})", self.delete_all(q)?),
                        (Dialect::Postgres, Op::InsertAll) => {
                            return Err(query_error("Postgres adapter does not support CTE operation :insert_all", q))
                        }
                        _ => format!("({})", self.all(q, &as_prefix, Some(n))?),
                    }
                }
                PCteBody::Fragment(e) => self.expr(e, n)?,
            };
            parts.push(format!("{} AS {mat}{body}", self.q(&c.name)?));
        }
        Ok(format!("WITH {}{} ", if w.recursive { "RECURSIVE " } else { "" }, parts.join(", ")))
    }

    fn join_qual(&self, qual: JoinQual, p: &Planned) -> EResult<&'static str> {
        Ok(match self.dialect {
            Dialect::Postgres => match qual {
                JoinQual::Inner => "INNER JOIN ",
                JoinQual::InnerLateral => "INNER JOIN LATERAL ",
                JoinQual::Left => "LEFT OUTER JOIN ",
                JoinQual::LeftLateral => "LEFT OUTER JOIN LATERAL ",
                JoinQual::Right => "RIGHT OUTER JOIN ",
                JoinQual::Full => "FULL OUTER JOIN ",
                JoinQual::Cross => "CROSS JOIN ",
                JoinQual::CrossLateral => "CROSS JOIN LATERAL ",
            },
            Dialect::Sqlite => match qual {
                JoinQual::Inner => " INNER JOIN ",
                JoinQual::Left => " LEFT OUTER JOIN ",
                JoinQual::Right => " RIGHT OUTER JOIN ",
                JoinQual::Full => " FULL OUTER JOIN ",
                JoinQual::Cross => " CROSS JOIN ",
                other => {
                    return Err(query_error(&format!("join `{}` not supported by SQLite3", inspect(&Value::atom(other.as_atom()))), p))
                }
            },
        })
    }

    fn join_on(&mut self, qual: JoinQual, on: &Expr, n: &Names) -> EResult<String> {
        let cross = match self.dialect {
            Dialect::Postgres => matches!(qual, JoinQual::Cross | JoinQual::CrossLateral),
            Dialect::Sqlite => qual == JoinQual::Cross,
        };
        if cross && on.is_true() {
            return Ok(String::new());
        }
        Ok(format!(" ON {}", self.expr(on, n)?))
    }

    fn join(&mut self, p: &Planned, n: &Names) -> EResult<String> {
        self.joins_of(p, &p.joins, n)
    }

    fn joins_of(&mut self, p: &Planned, joins: &[PJoin], n: &Names) -> EResult<String> {
        if joins.is_empty() {
            return Ok(String::new());
        }
        let mut parts = vec![];
        for j in joins {
            if !j.hints.is_empty() {
                return Err(query_error(
                    match self.dialect {
                        Dialect::Postgres => "table hints are not supported by PostgreSQL",
                        Dialect::Sqlite => "join hints are not supported by SQLite3",
                    },
                    p,
                ));
            }
            let (src, name) = self.get_source(p, j.ix, n)?;
            let qual = self.join_qual(j.qual, p)?;
            let on = self.join_on(j.qual, &j.on, n)?;
            parts.push(format!("{qual}{src} AS {name}{on}"));
        }
        Ok(match self.dialect {
            Dialect::Postgres => format!(" {}", parts.join(" ")),
            Dialect::Sqlite => parts.concat(),
        })
    }

    fn using_join(&mut self, p: &Planned, kind: &str, prefix: &str, n: &Names) -> EResult<(String, Vec<(BoolOp, Expr)>)> {
        if p.joins.is_empty() {
            return Ok((String::new(), vec![]));
        }
        match self.dialect {
            Dialect::Postgres if kind == "update_all" => {
                let split = p.joins.iter().position(|j| j.qual != JoinQual::Inner).unwrap_or(p.joins.len());
                let (inner, other) = p.joins.split_at(split);
                if inner.is_empty() && !other.is_empty() {
                    return Err(query_error("Need at least one inner join at the beginning to use other joins with update_all", p));
                }
                let mut froms = vec![];
                for j in inner {
                    let (src, name) = self.get_source(p, j.ix, n)?;
                    froms.push(format!("{src} AS {name}"));
                }
                let clauses = self.joins_of(p, other, n)?;
                let wheres = inner.iter().filter(|j| !j.on.is_true()).map(|j| (BoolOp::And, j.on.clone())).collect();
                Ok((format!(" {prefix} {}{clauses}", froms.join(", ")), wheres))
            }
            Dialect::Postgres => {
                let mut froms = vec![];
                for j in &p.joins {
                    if j.qual != JoinQual::Inner {
                        return Err(query_error(
                            &format!("PostgreSQL supports only inner joins on {kind}, got: `{}`", j.qual.as_atom()),
                            p,
                        ));
                    }
                    let (src, name) = self.get_source(p, j.ix, n)?;
                    froms.push(format!("{src} AS {name}"));
                }
                let wheres = p.joins.iter().filter(|j| !j.on.is_true()).map(|j| (BoolOp::And, j.on.clone())).collect();
                Ok((format!(" {prefix} {}", froms.join(", ")), wheres))
            }
            Dialect::Sqlite => {
                let mut froms = vec![];
                for j in &p.joins {
                    if !j.hints.is_empty() {
                        return Err(query_error("join hints are not supported by SQLite3", p));
                    }
                    let (src, name) = self.get_source(p, j.ix, n)?;
                    froms.push(format!("{src} AS {name}"));
                }
                let wheres = p.joins.iter().filter(|j| !j.on.is_true()).map(|j| (BoolOp::And, j.on.clone())).collect();
                Ok((format!(" {prefix} {}", froms.join(", ")), wheres))
            }
        }
    }

    fn update_fields(&mut self, p: &Planned, n: &Names, _on_conflict: bool) -> EResult<String> {
        let mut parts = vec![];
        for (op, key, value) in &p.updates {
            let qk = self.q(key)?;
            let s = match (self.dialect, op) {
                (_, UpdateOp::Set) => format!("{qk} = {}", self.expr(value, n)?),
                (Dialect::Postgres, UpdateOp::Inc) => format!("{qk} = {}.{qk} + {}", n.names[0], self.expr(value, n)?),
                (Dialect::Sqlite, UpdateOp::Inc) => format!("{qk} = {qk} + {}", self.expr(value, n)?),
                (Dialect::Postgres, UpdateOp::Push) => format!("{qk} = array_append({}.{qk}, {})", n.names[0], self.expr(value, n)?),
                (Dialect::Postgres, UpdateOp::Pull) => format!("{qk} = array_remove({}.{qk}, {})", n.names[0], self.expr(value, n)?),
                (Dialect::Sqlite, _) => return Err(query_error("Arrays are not supported for SQLite3", p)),
            };
            parts.push(s);
        }
        Ok(parts.join(", "))
    }

    fn boolean(&mut self, name: &str, exprs: &[(BoolOp, Expr)], n: &Names) -> EResult<String> {
        let Some(((first_op, first), rest)) = exprs.split_first() else {
            return Ok(String::new());
        };
        let mut op = *first_op;
        let mut acc = self.paren_expr(first, n)?;
        for (o, e) in rest {
            let opstr = if *o == BoolOp::And { " AND " } else { " OR " };
            let pe = self.paren_expr(e, n)?;
            if *o == op {
                acc = format!("{acc}{opstr}{pe}");
            } else {
                acc = format!("({acc}){opstr}{pe}");
            }
            op = *o;
        }
        Ok(format!("{name}{acc}"))
    }

    fn group_by(&mut self, p: &Planned, n: &Names) -> EResult<String> {
        if p.group_bys.is_empty() {
            return Ok(String::new());
        }
        let mut parts = vec![];
        for g in &p.group_bys {
            let items: Vec<String> = g.iter().map(|e| self.top_level_expr(e, n)).collect::<EResult<_>>()?;
            parts.push(items.join(", "));
        }
        Ok(format!(" GROUP BY {}", parts.join(", ")))
    }

    fn window(&mut self, p: &Planned, n: &Names) -> EResult<String> {
        if p.windows.is_empty() {
            return Ok(String::new());
        }
        let mut parts = vec![];
        for (name, w) in &p.windows {
            parts.push(format!("{} AS {}", self.q(name)?, self.window_exprs(w, n)?));
        }
        Ok(format!(" WINDOW {}", parts.join(", ")))
    }

    fn window_exprs(&mut self, w: &WindowDef, n: &Names) -> EResult<String> {
        let mut parts = vec![];
        for part in &w.parts {
            parts.push(match part {
                WindowPart::PartitionBy(es) => {
                    let v: Vec<String> = es.iter().map(|e| self.expr(e, n)).collect::<EResult<_>>()?;
                    format!("PARTITION BY {}", v.join(", "))
                }
                WindowPart::OrderBy(es) => {
                    let v: Vec<String> = es.iter().map(|(d, e)| self.order_by_expr(*d, e, n)).collect::<EResult<_>>()?;
                    format!("ORDER BY {}", v.join(", "))
                }
                WindowPart::Frame(e) => self.expr(e, n)?,
            });
        }
        Ok(format!("({})", parts.join(" ")))
    }

    fn combinations(&mut self, p: &Planned, as_prefix: &str, parent: Option<&Names>) -> EResult<String> {
        let mut out = String::new();
        for (kind, cq) in &p.combinations {
            let (kw, supported) = match kind {
                CombKind::Union => ("UNION", true),
                CombKind::UnionAll => ("UNION ALL", true),
                CombKind::Except => ("EXCEPT", true),
                CombKind::ExceptAll => ("EXCEPT ALL", self.dialect == Dialect::Postgres),
                CombKind::Intersect => ("INTERSECT", true),
                CombKind::IntersectAll => ("INTERSECT ALL", self.dialect == Dialect::Postgres),
            };
            if !supported {
                let msg =
                    if *kind == CombKind::ExceptAll { "SQLite3 does not support EXCEPT ALL" } else { "SQLite3 does not INTERSECT ALL" };
                return Err(query_error(msg, cq));
            }
            let sql = self.all(cq, as_prefix, parent)?;
            match self.dialect {
                Dialect::Postgres => out.push_str(&format!(" {kw} ({sql})")),
                Dialect::Sqlite => out.push_str(&format!(" {kw} {sql}")),
            }
        }
        Ok(out)
    }

    fn order_by(&mut self, p: &Planned, distinct: &[(Dir, Expr)], n: &Names) -> EResult<String> {
        if p.order_bys.is_empty() {
            return Ok(String::new());
        }
        let all: Vec<(Dir, Expr)> = p.order_bys.iter().flatten().cloned().collect();
        // order_by_concat: keep the common prefix once
        let mut merged: Vec<(Dir, Expr)> = vec![];
        let mut i = 0;
        while i < distinct.len() && i < all.len() && distinct[i] == all[i] {
            merged.push(all[i].clone());
            i += 1;
        }
        merged.extend(distinct[i..].iter().cloned());
        merged.extend(all[i..].iter().cloned());
        let parts: Vec<String> = merged.iter().map(|(d, e)| self.order_by_expr(*d, e, n)).collect::<EResult<_>>()?;
        Ok(format!(" ORDER BY {}", parts.join(", ")))
    }

    fn order_by_expr(&mut self, d: Dir, e: &Expr, n: &Names) -> EResult<String> {
        let s = self.top_level_expr(e, n)?;
        Ok(match d {
            Dir::Asc => s,
            Dir::AscNullsLast => format!("{s} ASC NULLS LAST"),
            Dir::AscNullsFirst => format!("{s} ASC NULLS FIRST"),
            Dir::Desc => format!("{s} DESC"),
            Dir::DescNullsLast => format!("{s} DESC NULLS LAST"),
            Dir::DescNullsFirst => format!("{s} DESC NULLS FIRST"),
        })
    }

    fn limit(&mut self, p: &Planned, n: &Names) -> EResult<String> {
        match &p.limit {
            None => Ok(String::new()),
            Some((e, true)) if self.dialect == Dialect::Postgres => {
                if p.order_bys.is_empty() {
                    return Err(query_error(
                        "PostgreSQL adapter requires an `order_by` clause if the `:with_ties` limit option is `true`",
                        p,
                    ));
                }
                Ok(format!(" FETCH FIRST {} ROWS WITH TIES", self.expr(e, n)?))
            }
            Some((e, _)) => Ok(format!(" LIMIT {}", self.expr(e, n)?)),
        }
    }

    fn offset(&mut self, p: &Planned, n: &Names) -> EResult<String> {
        match &p.offset {
            None => Ok(String::new()),
            Some(e) => Ok(format!(" OFFSET {}", self.expr(e, n)?)),
        }
    }

    fn paren_expr(&mut self, e: &Expr, n: &Names) -> EResult<String> {
        Ok(format!("({})", self.expr(e, n)?))
    }

    fn maybe_paren(&mut self, e: &Expr, n: &Names) -> EResult<String> {
        let wrap = is_binary_op(e, self.dialect) || matches!(e, Expr::Call(name, args) if name == "is_nil" && args.len() == 1);
        if wrap {
            self.paren_expr(e, n)
        } else {
            self.expr(e, n)
        }
    }

    /// SQLite prints subqueries at the top of group_by/order_by without parens.
    fn top_level_expr(&mut self, e: &Expr, n: &Names) -> EResult<String> {
        if self.dialect == Dialect::Sqlite {
            if let Expr::PlannedSubquery(sp) = e {
                let as_prefix = format!("s{}", n.as_prefix);
                return self.all(sp, &as_prefix, Some(n));
            }
        }
        self.expr(e, n)
    }

    fn fragment(&mut self, parts: &[FragPart], n: &Names) -> EResult<String> {
        let mut out = String::new();
        let mut first_raw: Option<&str> = None;
        for (i, p) in parts.iter().enumerate() {
            match p {
                FragPart::Raw(s) => {
                    if i == 0 {
                        first_raw = Some(s);
                    }
                    out.push_str(s)
                }
                FragPart::Expr(e) => out.push_str(&self.maybe_paren(e, n)?),
            }
        }
        if let Some(f) = first_raw {
            let t = f.trim_start().to_ascii_lowercase();
            let is_select = match self.dialect {
                Dialect::Postgres => t.starts_with("select") && t[6..].starts_with(|c: char| c.is_whitespace()),
                Dialect::Sqlite => t.starts_with("select"),
            };
            if is_select {
                return Ok(format!("({out})"));
            }
        }
        Ok(out)
    }

    fn parent_source(&self, name: &str, n: &Names) -> EResult<String> {
        let mut cur = n.parent;
        while let Some(p) = cur {
            if let Some((_, ix)) = p.planned.aliases.iter().find(|(a, _)| a == name) {
                return Ok(p.names.get(*ix).cloned().unwrap_or_default());
            }
            cur = p.parent;
        }
        Err(query_error(&format!("could not find named binding `parent_as({})`", inspect(&Value::atom(name))), n.planned))
    }

    fn field_name(&self, b: &Bind, n: &Names) -> EResult<String> {
        match b {
            Bind::Ix(ix) => Ok(n.names.get(*ix).cloned().unwrap_or_default()),
            Bind::ParentAs(name) => self.parent_source(name, n),
            Bind::As(name) => match n.planned.aliases.iter().find(|(a, _)| a == name) {
                Some((_, ix)) => Ok(n.names.get(*ix).cloned().unwrap_or_default()),
                None => Err(query_error(&format!("could not find named binding `as({})`", inspect(&Value::atom(name))), n.planned)),
            },
        }
    }

    fn interval_sqlite(&mut self, count: &Expr, interval: &str, n: &Names) -> EResult<String> {
        let c = self.expr(count, n)?;
        Ok(match interval {
            "microsecond" => return Err(arg_error("SQLite does not support microsecond precision in datetime intervals")),
            "millisecond" => format!("({c} / 1000.0) || ' seconds'"),
            "week" => format!("({c} * 7) || ' days'"),
            other => format!("{c} || ' {other}'"),
        })
    }

    fn interval_pg(&mut self, count: &Expr, interval: &str, n: &Names) -> EResult<String> {
        Ok(match count {
            Expr::Lit(Value::Int(i)) => format!("interval '{i} {interval}'"),
            Expr::Lit(Value::Float(f)) => format!("interval '{} {interval}'", float_compact(*f)),
            other => format!("({}::numeric * interval '1 {interval}')", self.expr(other, n)?),
        })
    }

    fn json_path_pg(&mut self, e: &Expr, path: &[PathElem], n: &Names) -> EResult<String> {
        if path.is_empty() {
            return self.expr(e, n);
        }
        let mut parts = vec![];
        for p in path {
            parts.push(match p {
                PathElem::Key(k) => format!("'{}'", escape_string(self.dialect, k)),
                PathElem::Index(i) => i.to_string(),
                PathElem::Field(f) => self.expr(f, n)?,
            });
        }
        Ok(format!("({}#>array[{}]::text[])", self.expr(e, n)?, parts.join(",")))
    }

    /// The SQL of an expression.
    fn expr(&mut self, e: &Expr, n: &Names) -> EResult<String> {
        let d = self.dialect;
        let p = n.planned;
        Ok(match e {
            Expr::Param(ix) => match d {
                Dialect::Postgres => format!("${}", ix + 1),
                Dialect::Sqlite => "?".into(),
            },
            Expr::ParamList(start, len) => match d {
                Dialect::Postgres => format!("${}", start + 1),
                Dialect::Sqlite => vec!["?"; *len].join(","),
            },
            Expr::Field(b, f) => {
                if self.returning && matches!(b, Bind::Ix(_)) {
                    return self.q(f);
                }
                format!("{}.{}", self.field_name(b, n)?, self.q(f)?)
            }
            Expr::Var(b) => self.field_name(b, n)?,
            Expr::Call(name, args) if name == "in" && args.len() == 2 => {
                let (left, right) = (&args[0], &args[1]);
                match right {
                    Expr::Lit(Value::List(l)) if l.is_empty() => {
                        if d == Dialect::Postgres {
                            "false".into()
                        } else {
                            "0".into()
                        }
                    }
                    Expr::Lit(Value::Str(s)) if d == Dialect::Sqlite && &**s == "[]" => "0".into(),
                    Expr::Lit(Value::List(l)) => {
                        let items: Vec<String> = l.iter().map(|v| self.expr(&Expr::Lit(v.clone()), n)).collect::<EResult<_>>()?;
                        format!("{} IN ({})", self.expr(left, n)?, items.join(","))
                    }
                    Expr::List(items) if items.is_empty() => {
                        if d == Dialect::Postgres {
                            "false".into()
                        } else {
                            "0".into()
                        }
                    }
                    Expr::List(items) => {
                        let items: Vec<String> = items.iter().map(|v| self.expr(v, n)).collect::<EResult<_>>()?;
                        format!("{} IN ({})", self.expr(left, n)?, items.join(","))
                    }
                    Expr::ParamList(start, len) => match d {
                        Dialect::Postgres => format!("{} = ANY(${})", self.expr(left, n)?, start + 1),
                        Dialect::Sqlite if *len == 0 => "0".into(),
                        Dialect::Sqlite => format!("{} IN ({})", self.expr(left, n)?, vec!["?"; *len].join(",")),
                    },
                    Expr::PlannedSubquery(_) => format!("{} IN {}", self.expr(left, n)?, self.expr(right, n)?),
                    other => match d {
                        Dialect::Postgres => format!("{} = ANY({})", self.expr(left, n)?, self.expr(other, n)?),
                        Dialect::Sqlite => format!("{} IN (SELECT value FROM JSON_EACH({}))", self.expr(left, n)?, self.expr(other, n)?),
                    },
                }
            }
            Expr::Call(name, args) if name == "is_nil" && args.len() == 1 => format!("{} IS NULL", self.expr(&args[0], n)?),
            Expr::Call(name, args) if name == "not" && args.len() == 1 => format!("NOT ({})", self.expr(&args[0], n)?),
            Expr::PlannedSubquery(sp) => self.subquery(sp, n)?,
            Expr::FragmentKw(_) => {
                return Err(query_error(
                    match d {
                        Dialect::Postgres => "PostgreSQL adapter does not support keyword or interpolated fragments",
                        Dialect::Sqlite => "SQLite3 adapter does not support keyword or interpolated fragments",
                    },
                    p,
                ))
            }
            Expr::Fragment(parts) => self.fragment(parts, n)?,
            Expr::Identifier(s) => self.q(s)?,
            Expr::SelectedAsRef(name) => self.q(name)?,
            Expr::Call(name, args) if name == "datetime_add" && args.len() == 3 => {
                let interval = match &args[2] {
                    Expr::Lit(Value::Str(s)) => s.to_string(),
                    _ => String::new(),
                };
                match d {
                    Dialect::Postgres => {
                        let typed = matches!(args[0], Expr::TaggedPrim(..));
                        format!(
                            "{}{} + {}",
                            self.expr(&args[0], n)?,
                            if typed { "" } else { "::timestamp" },
                            self.interval_pg(&args[1], &interval, n)?
                        )
                    }
                    Dialect::Sqlite => format!(
                        "CAST (strftime('%Y-%m-%dT%H:%M:%f000Z',{},{}) AS TEXT)",
                        self.expr(&args[0], n)?,
                        self.interval_sqlite(&args[1], &interval, n)?
                    ),
                }
            }
            Expr::Call(name, args) if name == "date_add" && args.len() == 3 => {
                let interval = match &args[2] {
                    Expr::Lit(Value::Str(s)) => s.to_string(),
                    _ => String::new(),
                };
                match d {
                    Dialect::Postgres => {
                        let typed = matches!(args[0], Expr::TaggedPrim(..));
                        format!(
                            "({}{} + {})::date",
                            self.expr(&args[0], n)?,
                            if typed { "" } else { "::date" },
                            self.interval_pg(&args[1], &interval, n)?
                        )
                    }
                    Dialect::Sqlite => {
                        format!(
                            "CAST (strftime('%Y-%m-%d',{},{}) AS TEXT)",
                            self.expr(&args[0], n)?,
                            self.interval_sqlite(&args[1], &interval, n)?
                        )
                    }
                }
            }
            Expr::Call(name, _) if name == "ilike" && d == Dialect::Sqlite => {
                return Err(query_error("ilike is not supported by SQLite3", p))
            }
            Expr::JsonPath(f, path) => match d {
                Dialect::Postgres => self.json_path_pg(f, path, n)?,
                Dialect::Sqlite => {
                    let mut ps = String::new();
                    for el in path {
                        match el {
                            PathElem::Key(k) => ps.push_str(&format!(".{}", escape_string(d, k).replace('"', "\\\""))),
                            PathElem::Index(i) => ps.push_str(&format!("[{i}]")),
                            PathElem::Field(_) => return Err(query_error("SQLite3 does not support fields in JSON paths", p)),
                        }
                    }
                    format!("json_extract({}, '${ps}')", self.expr(f, n)?)
                }
            },
            Expr::Call(name, args) if name == "filter" && args.len() == 2 => {
                format!("{} FILTER (WHERE {})", self.expr(&args[0], n)?, self.expr(&args[1], n)?)
            }
            Expr::Over(agg, Over::Named(w)) => format!("{} OVER {}", self.expr(agg, n)?, self.q(w)?),
            Expr::Over(agg, Over::Inline(w)) => format!("{} OVER {}", self.expr(agg, n)?, self.window_exprs(w, n)?),
            Expr::Tuple(es) => {
                let v: Vec<String> = es.iter().map(|x| self.expr(x, n)).collect::<EResult<_>>()?;
                format!("({})", v.join(","))
            }
            Expr::Call(name, args) if name == "count" && args.is_empty() => "count(*)".into(),
            Expr::Call(name, args)
                if name == "count" && d == Dialect::Sqlite && args.len() == 2 && args[1] == Expr::Lit(Value::atom("distinct")) =>
            {
                format!("count(distinct {})", self.expr(&args[0], n)?)
            }
            Expr::Call(name, args) if name == "count" && d == Dialect::Sqlite && args.len() == 1 && matches!(args[0], Expr::Var(_)) => {
                return Err(query_error("The argument to `count/1` must be a column in SQLite3", p))
            }
            Expr::Call(name, args) if name == "exists" && d == Dialect::Sqlite && args.len() == 1 => {
                format!("exists{}", self.expr(&args[0], n)?)
            }
            Expr::Call(name, args) if name == "==" && d == Dialect::Postgres && args.len() == 2 && json_eq_literal(args).is_some() => {
                let (f, path) = json_eq_literal(args).unwrap_or((&args[0], &[]));
                match path.split_last() {
                    Some((PathElem::Key(last), init)) => {
                        let extracted = self.json_path_pg(f, init, n)?;
                        let right = match &args[1] {
                            Expr::Lit(Value::Str(s)) => format!("\"{}\"", escape_string(d, s).replace('"', "\\\"")),
                            Expr::Lit(Value::Int(i)) => i.to_string(),
                            Expr::Lit(Value::Bool(b)) => b.to_string(),
                            _ => String::new(),
                        };
                        format!("({extracted}@>'{{\"{}\": {right}}}')", escape_string(d, last).replace('"', "\\\""))
                    }
                    _ => format!("{} = {}", self.maybe_paren(&args[0], n)?, self.maybe_paren(&args[1], n)?),
                }
            }
            Expr::Call(name, args) => {
                let (modifier, args): (&str, &[Expr]) = match args.as_slice() {
                    [rest, Expr::Lit(Value::Atom(a))] if &**a == "distinct" => {
                        if d == Dialect::Sqlite {
                            return Err(query_error("Distinct not supported in expressions", p));
                        }
                        ("DISTINCT ", std::slice::from_ref(rest))
                    }
                    _ => ("", args.as_slice()),
                };
                let op = if args.len() == 2 {
                    BINARY_OPS.iter().find(|(o, _)| o == name).map(|(_, s)| *s).or(if d == Dialect::Postgres && name == "ilike" {
                        Some(" ILIKE ")
                    } else {
                        None
                    })
                } else {
                    None
                };
                match op {
                    Some(op) => format!("{}{op}{}", self.maybe_paren(&args[0], n)?, self.maybe_paren(&args[1], n)?),
                    None => {
                        let v: Vec<String> = args.iter().map(|x| self.expr(x, n)).collect::<EResult<_>>()?;
                        format!("{name}({modifier}{})", v.join(", "))
                    }
                }
            }
            Expr::List(_) | Expr::Lit(Value::List(_)) if d == Dialect::Sqlite => {
                return Err(query_error("Array literals are not supported by SQLite3", p));
            }
            Expr::List(items) => {
                if items.is_empty() {
                    "'{}'".into()
                } else {
                    let v: Vec<String> = items.iter().map(|x| self.expr(x, n)).collect::<EResult<_>>()?;
                    format!("ARRAY[{}]", v.join(","))
                }
            }
            Expr::Lit(Value::List(items)) => {
                if items.is_empty() {
                    "'{}'".into()
                } else {
                    let v: Vec<String> = items.iter().map(|x| self.expr(&Expr::Lit(x.clone()), n)).collect::<EResult<_>>()?;
                    format!("ARRAY[{}]", v.join(","))
                }
            }
            Expr::Lit(Value::Decimal(dec)) => dec.to_normal(),
            Expr::TaggedPrim(inner, ty) => self.tagged(inner, ty, n)?,
            Expr::Lit(Value::Nil) => "NULL".into(),
            Expr::Lit(Value::Bool(b)) => match (d, b) {
                (Dialect::Postgres, true) => "TRUE".into(),
                (Dialect::Postgres, false) => "FALSE".into(),
                (Dialect::Sqlite, true) => "1".into(),
                (Dialect::Sqlite, false) => "0".into(),
            },
            Expr::Lit(Value::Str(s)) => format!("'{}'", escape_string(d, s)),
            Expr::Lit(Value::Int(i)) => i.to_string(),
            Expr::Lit(Value::Float(f)) => match d {
                Dialect::Postgres => format!("{}::float", fmt_float(*f)),
                Dialect::Sqlite => format!("CAST({} AS REAL)", fmt_float(*f)),
            },
            other => {
                let shown = match other {
                    Expr::Lit(v) => inspect(v),
                    x => super::inspect::expr_to_string(x, &[], &[]),
                };
                return Err(query_error(
                    &match d {
                        Dialect::Postgres => format!("unsupported expression: {shown}"),
                        Dialect::Sqlite => format!("unsupported expression {shown}"),
                    },
                    p,
                ));
            }
        })
    }

    fn tagged(&mut self, inner: &Expr, ty: &Value, n: &Names) -> EResult<String> {
        let d = self.dialect;
        let tname = ty.as_atom().unwrap_or("");
        if tname == "binary" {
            if let Expr::Lit(v) = inner {
                if let Some(b) = v.as_bytes() {
                    return Ok(match d {
                        Dialect::Sqlite => format!("x'{}'", hex(b)),
                        Dialect::Postgres => format!("'\\x{}'::bytea", hex(b)),
                    });
                }
            }
        }
        Ok(match d {
            Dialect::Postgres => format!("{}::{}", self.maybe_paren(inner, n)?, tagged_to_db(ty)),
            Dialect::Sqlite => match tname {
                "binary_id" | "uuid" => format!("CAST({} AS TEXT)", self.expr(inner, n)?),
                "decimal" | "float" => format!("CAST({} AS REAL)", self.expr(inner, n)?),
                _ => format!("CAST({} AS {})", self.expr(inner, n)?, sqlite_column_type(ty)),
            },
        })
    }
}

/// `json_extract_path(...) == literal`: the path pieces.
fn json_eq_literal(args: &[Expr]) -> Option<(&Expr, &[PathElem])> {
    match (&args[0], &args[1]) {
        (Expr::JsonPath(f, path), Expr::Lit(Value::Str(_) | Value::Int(_) | Value::Bool(_))) => Some((f, path)),
        _ => None,
    }
}

/// `:erlang.float_to_binary(f, [:compact, decimals: 16])`
fn float_compact(f: f64) -> String {
    let s = format!("{f:.16}");
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0")
    } else {
        s.to_string()
    }
}

/// ecto_sqlite3's `DataType.column_type/2` for casts.
pub fn sqlite_column_type(ty: &Value) -> String {
    if let Some([outer, _]) = ty.as_tuple() {
        return match outer.as_atom() {
            Some("array") | Some("map") => "TEXT".into(),
            _ => "TEXT".into(),
        };
    }
    match ty.as_atom().unwrap_or("") {
        "id" | "serial" | "bigserial" | "boolean" | "integer" | "bigint" => "INTEGER".into(),
        "string" => "TEXT".into(),
        "float" => "NUMERIC".into(),
        "binary" => "BLOB".into(),
        "date" | "utc_datetime" | "utc_datetime_usec" | "naive_datetime" | "naive_datetime_usec" | "time" | "time_usec" | "timestamp" => {
            "TEXT".into()
        }
        "decimal" => "DECIMAL".into(),
        "array" | "binary_id" | "map" | "uuid" => "TEXT".into(),
        other => other.to_ascii_uppercase(),
    }
}

/// Postgres `tagged_to_db/1`
fn tagged_to_db(ty: &Value) -> String {
    if let Some([outer, inner]) = ty.as_tuple() {
        if outer.as_atom() == Some("array") {
            return format!("{}[]", tagged_to_db(inner));
        }
    }
    match ty.as_atom() {
        Some("id") | Some("integer") => "bigint".into(),
        _ => ecto_to_db(ty),
    }
}

/// Postgres `ecto_to_db/1`
pub fn ecto_to_db(ty: &Value) -> String {
    if let Some([outer, inner]) = ty.as_tuple() {
        return match outer.as_atom() {
            Some("array") => format!("{}[]", ecto_to_db(inner)),
            Some("map") => "jsonb".into(),
            _ => inspect(ty),
        };
    }
    match ty.as_atom().unwrap_or("") {
        "id" => "integer".into(),
        "identity" => "bigint".into(),
        "serial" => "serial".into(),
        "bigserial" => "bigserial".into(),
        "binary_id" => "uuid".into(),
        "string" => "varchar".into(),
        "bitstring" => "varbit".into(),
        "binary" => "bytea".into(),
        "map" => "jsonb".into(),
        "time_usec" => "time".into(),
        "utc_datetime" | "utc_datetime_usec" | "naive_datetime" | "naive_datetime_usec" => "timestamp".into(),
        "duration" => "interval".into(),
        other => other.to_string(),
    }
}

/// The SQL of a planned query for its operation.
pub fn to_sql(p: &Planned, dialect: Dialect) -> EResult<String> {
    let mut pr = Printer::new(dialect);
    match p.op {
        Op::All | Op::InsertAll => pr.all(p, "", None),
        Op::UpdateAll => pr.update_all(p, None),
        Op::DeleteAll => pr.delete_all(p),
    }
}

// ---------------------------------------------------------------------------
// Repo statements: insert / update / delete (the adapters' `insert/8`,
// `update/5` and `delete/4`).

/// A cell of an `INSERT ... VALUES` row.
#[derive(Clone, Debug)]
pub enum InsertCell {
    /// A bound value (`?N` / `$N`).
    Param,
    /// `nil` in Ecto's rows: `DEFAULT` (an error on SQLite).
    Default,
    /// `{:placeholder, index}`
    Placeholder(usize),
    /// `{%Ecto.Query{}, params_count}`: a subquery value.
    Query(std::rc::Rc<Planned>, usize),
}

/// `conflict_target`
#[derive(Clone, Debug)]
pub enum ConflictTarget {
    Fields(Vec<String>),
    UnsafeFragment(String),
    /// `{:constraint, name}` (not supported by SQLite).
    Constraint(String),
}

impl ConflictTarget {
    fn is_empty(&self) -> bool {
        matches!(self, ConflictTarget::Fields(f) if f.is_empty())
    }
}

/// The `on_conflict` tuple the adapters receive.
#[derive(Clone, Debug)]
pub enum OnConflict {
    Raise,
    Nothing(ConflictTarget),
    /// `{fields, _, targets}`: `DO UPDATE SET f = EXCLUDED.f, ...`
    Replace(Vec<String>, ConflictTarget),
    /// `{:replace_all, _, targets}` (SQLite only; replaces the header).
    ReplaceAll(ConflictTarget),
    /// `{query, _, targets}`: `DO UPDATE SET ...` from an update query.
    Query(std::rc::Rc<Planned>, ConflictTarget),
}

fn quote_names(dialect: Dialect, names: &[String]) -> EResult<String> {
    let v: Vec<String> = names.iter().map(|n| quote_name(dialect, n)).collect::<EResult<_>>()?;
    Ok(v.join(","))
}

fn returning_names(dialect: Dialect, returning: &[String]) -> EResult<String> {
    if returning.is_empty() {
        return Ok(String::new());
    }
    Ok(format!(" RETURNING {}", quote_names(dialect, returning)?))
}

fn conflict_target(dialect: Dialect, t: &ConflictTarget, required: bool) -> EResult<String> {
    match t {
        ConflictTarget::Fields(f) if f.is_empty() => {
            if required && dialect == Dialect::Postgres {
                return Err(arg_error("the :conflict_target option is required on upserts by PostgreSQL"));
            }
            Ok(String::new())
        }
        ConflictTarget::Fields(f) => Ok(format!("({}) ", quote_names(dialect, f)?)),
        ConflictTarget::UnsafeFragment(s) => Ok(format!("{s} ")),
        ConflictTarget::Constraint(c) => match dialect {
            Dialect::Sqlite => Err(arg_error("Upsert in SQLite3 does not support ON CONSTRAINT")),
            Dialect::Postgres => Ok(format!("ON CONSTRAINT {} ", quote_name(dialect, c)?)),
        },
    }
}

fn replace(dialect: Dialect, fields: &[String]) -> EResult<String> {
    let v: Vec<String> = fields
        .iter()
        .map(|f| {
            let q = quote_name(dialect, f)?;
            Ok(format!("{q} = EXCLUDED.{q}"))
        })
        .collect::<EResult<_>>()?;
    Ok(format!("UPDATE SET {}", v.join(",")))
}

/// `insert(prefix, table, header, rows, on_conflict, returning, placeholders)`
#[allow(clippy::too_many_arguments)]
pub fn insert(
    dialect: Dialect,
    prefix: Option<&Value>,
    table: &str,
    header: &[String],
    rows: &[Vec<InsertCell>],
    on_conflict: &OnConflict,
    returning: &[String],
    placeholders: usize,
) -> EResult<String> {
    let table_sql = quote_table(dialect, prefix, table)?;
    let insert_as = match on_conflict {
        OnConflict::Query(q, _) => {
            let name = q.sources.first().map(|s| match s {
                PSource::Table { table, .. } => format!("{}0", create_alias(table)),
                PSource::Subquery { .. } => "s0".to_string(),
                PSource::Fragment { .. } => "f0".to_string(),
            });
            format!(" AS {}", name.unwrap_or_default())
        }
        _ => String::new(),
    };
    if dialect == Dialect::Sqlite && header.is_empty() && rows.len() == 1 && rows[0].is_empty() && placeholders == 0 {
        return Ok(format!("INSERT INTO {table_sql}{insert_as} DEFAULT VALUES{}", returning_names(dialect, returning)?));
    }
    let counter_offset = placeholders + 1;
    let values = if header.is_empty() {
        format!(" VALUES {}", vec!["(DEFAULT)"; rows.len()].join(","))
    } else {
        let mut counter = counter_offset;
        let mut row_sql = vec![];
        for row in rows {
            let mut cells = vec![];
            for cell in row {
                cells.push(match cell {
                    InsertCell::Default => match dialect {
                        Dialect::Sqlite => {
                            return Err(arg_error("Cell-wise default values are not supported on INSERT statements by SQLite3"))
                        }
                        Dialect::Postgres => "DEFAULT".to_string(),
                    },
                    InsertCell::Query(q, n) => {
                        let s = format!("({})", Printer::new(dialect).all(q, "", None)?);
                        counter += n;
                        s
                    }
                    InsertCell::Placeholder(i) => match dialect {
                        Dialect::Sqlite => format!("?{i}"),
                        Dialect::Postgres => format!("${i}"),
                    },
                    InsertCell::Param => {
                        let s = match dialect {
                            Dialect::Sqlite => format!("?{counter}"),
                            Dialect::Postgres => format!("${counter}"),
                        };
                        counter += 1;
                        s
                    }
                });
            }
            row_sql.push(format!("({})", cells.join(",")));
        }
        format!(" ({}) VALUES {}", quote_names(dialect, header)?, row_sql.join(","))
    };
    let conflict = match on_conflict {
        OnConflict::Raise => String::new(),
        OnConflict::Nothing(t) => format!(" ON CONFLICT {}DO NOTHING", conflict_target(dialect, t, false)?),
        OnConflict::Replace(fields, t) => format!(" ON CONFLICT {}DO {}", conflict_target(dialect, t, true)?, replace(dialect, fields)?),
        OnConflict::ReplaceAll(t) => {
            if dialect == Dialect::Sqlite && t.is_empty() {
                return Err(arg_error("Upsert in SQLite3 requires :conflict_target"));
            }
            format!(" ON CONFLICT {}DO {}", conflict_target(dialect, t, true)?, replace(dialect, header)?)
        }
        OnConflict::Query(q, t) => {
            let target = conflict_target(dialect, t, true)?;
            let upd = Printer::new(dialect).update_all(q, Some("UPDATE SET "))?;
            format!(" ON CONFLICT {target}DO {upd}")
        }
    };
    Ok(format!("INSERT INTO {table_sql}{insert_as}{values}{conflict}{}", returning_names(dialect, returning)?))
}

/// `update(prefix, table, fields, filters, returning)`: `filters` are
/// (column, value is nil).
pub fn update(
    dialect: Dialect,
    prefix: Option<&Value>,
    table: &str,
    fields: &[String],
    filters: &[(String, bool)],
    returning: &[String],
) -> EResult<String> {
    let mut counter = 1;
    let mut set = vec![];
    for f in fields {
        set.push(match dialect {
            Dialect::Sqlite => format!("{} = ?", quote_name(dialect, f)?),
            Dialect::Postgres => {
                let s = format!("{} = ${counter}", quote_name(dialect, f)?);
                counter += 1;
                s
            }
        });
    }
    let filters = filters_sql(dialect, filters, &mut counter)?;
    Ok(format!(
        "UPDATE {} SET {} WHERE {filters}{}",
        quote_table(dialect, prefix, table)?,
        set.join(", "),
        returning_names(dialect, returning)?
    ))
}

/// `delete(prefix, table, filters, returning)`
pub fn delete(dialect: Dialect, prefix: Option<&Value>, table: &str, filters: &[(String, bool)], returning: &[String]) -> EResult<String> {
    let mut counter = 1;
    let filters = filters_sql(dialect, filters, &mut counter)?;
    Ok(format!("DELETE FROM {} WHERE {filters}{}", quote_table(dialect, prefix, table)?, returning_names(dialect, returning)?))
}

fn filters_sql(dialect: Dialect, filters: &[(String, bool)], counter: &mut usize) -> EResult<String> {
    let mut out = vec![];
    for (f, is_nil) in filters {
        let q = quote_name(dialect, f)?;
        if *is_nil {
            out.push(format!("{q} IS NULL"));
            continue;
        }
        out.push(match dialect {
            Dialect::Sqlite => format!("{q} = ?"),
            Dialect::Postgres => {
                let s = format!("{q} = ${counter}");
                *counter += 1;
                s
            }
        });
    }
    Ok(out.join(" AND "))
}
