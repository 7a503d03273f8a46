//! SQL printers: ecto_sqlite3's and ecto_sql Postgres' `Connection` modules.
//!
//! One walk over a [`Planned`] query writing into one `String`; the dialect
//! decides the details (placeholders, literals, casts, joins, arrays, JSON
//! paths, intervals). Errors come out in the order the adapters compute the
//! sections (SQLite and Postgres build `from` before `select`, Postgres
//! `distinct` before both), so the first error an adapter would raise is the
//! one returned; the text is written in SQL order.

use std::borrow::Cow;

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

/// Appends the decimal digits of `v`.
fn push_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

fn push_i64(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    push_u64(out, v.unsigned_abs());
}

/// Source aliases of one query level (`u0`, `sp1`, `f2`), with its parent
/// for `parent_as/1`.
struct Names<'a> {
    /// The alias letter of each source: the table's first letter, `s`, `f`.
    letters: Vec<char>,
    as_prefix: String,
    planned: &'a Planned,
    parent: Option<&'a Names<'a>>,
}

impl Names<'_> {
    /// Appends source `ix`'s alias (nothing for an unknown index).
    fn push(&self, out: &mut String, ix: usize) {
        if let Some(c) = self.letters.get(ix) {
            out.push_str(&self.as_prefix);
            out.push(*c);
            push_u64(out, ix as u64);
        }
    }

    fn name(&self, ix: usize) -> String {
        let mut s = String::new();
        self.push(&mut s, ix);
        s
    }
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

fn check_name(dialect: Dialect, name: &str) -> EResult<()> {
    if dialect == Dialect::Postgres && name.contains('"') {
        return Err(arg_error(&format!("bad literal/field/index/table name {} (\" is not permitted)", inspect(&Value::str(name)))));
    }
    Ok(())
}

/// Appends `quote_name/1` of `name`.
fn push_quoted(out: &mut String, dialect: Dialect, name: &str) -> EResult<()> {
    check_name(dialect, name)?;
    out.push('"');
    out.push_str(name);
    out.push('"');
    Ok(())
}

/// `quote_name/1`
pub fn quote_name(dialect: Dialect, name: &str) -> EResult<String> {
    let mut s = String::with_capacity(name.len() + 2);
    push_quoted(&mut s, dialect, name)?;
    Ok(s)
}

fn prefix_text(p: &Value) -> Cow<'_, str> {
    match p {
        Value::Str(s) => Cow::Borrowed(&**s),
        other => match other.as_atom() {
            Some(a) => Cow::Borrowed(a),
            None => Cow::Owned(inspect(other)),
        },
    }
}

/// The errors of `quote_table/2` (SQLite) / `quote_name/2` (Postgres).
fn check_table(dialect: Dialect, prefix: Option<&Value>, table: &str) -> EResult<()> {
    match (dialect, prefix) {
        (_, None) | (_, Some(Value::Nil)) => check_name(dialect, table),
        (Dialect::Sqlite, Some(p)) if p.is_atom() || p.is_binary() => Err(arg_error("SQLite3 does not support table prefixes")),
        (Dialect::Sqlite, Some(_)) => check_name(dialect, table),
        (Dialect::Postgres, Some(p)) => {
            check_name(dialect, &prefix_text(p))?;
            check_name(dialect, table)
        }
    }
}

/// Appends `quote_table/2` (SQLite) / `quote_name/2` (Postgres).
fn push_table(out: &mut String, dialect: Dialect, prefix: Option<&Value>, table: &str) -> EResult<()> {
    check_table(dialect, prefix, table)?;
    match (dialect, prefix) {
        (Dialect::Postgres, Some(p)) if !matches!(p, Value::Nil) => {
            push_quoted(out, dialect, &prefix_text(p))?;
            out.push('.');
            push_quoted(out, dialect, table)
        }
        _ => push_quoted(out, dialect, table),
    }
}

/// `quote_table/2` (SQLite) / `quote_name/2` (Postgres).
pub fn quote_table(dialect: Dialect, prefix: Option<&Value>, table: &str) -> EResult<String> {
    let mut s = String::with_capacity(table.len() + 2);
    push_table(&mut s, dialect, prefix, table)?;
    Ok(s)
}

/// Appends `s` escaped as the inside of a SQL string literal.
fn push_escaped(out: &mut String, dialect: Dialect, s: &str) {
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' if dialect == Dialect::Sqlite => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
}

/// Appends `s` escaped as a string literal inside a JSON path or document
/// (`"` is escaped too).
fn push_escaped_json(out: &mut String, dialect: Dialect, s: &str) {
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' if dialect == Dialect::Sqlite => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

fn push_hex(out: &mut String, b: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for x in b {
        out.push(DIGITS[(x >> 4) as usize] as char);
        out.push(DIGITS[(x & 15) as usize] as char);
    }
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

/// Whether printing source `ix` can fail (subqueries and fragments).
fn source_can_fail(p: &Planned, ix: usize) -> bool {
    matches!(p.sources.get(ix), Some(PSource::Subquery { .. } | PSource::Fragment { .. }))
}

/// A rough size for a query's SQL, to write it without regrowing.
fn size_hint(p: &Planned) -> usize {
    let fields = p.select.as_ref().map(|s| s.fields.len()).unwrap_or(0);
    96 + 24 * fields + 48 * (p.joins.len() + p.wheres.len() + p.order_bys.len())
}

impl Printer {
    pub fn new(dialect: Dialect) -> Printer {
        Printer { dialect, returning: false }
    }

    fn q(&self, out: &mut String, name: &str) -> EResult<()> {
        push_quoted(out, self.dialect, name)
    }

    fn create_names<'a>(&self, p: &'a Planned, as_prefix: &str, parent: Option<&'a Names<'a>>) -> EResult<Names<'a>> {
        let mut letters = Vec::with_capacity(p.sources.len());
        for s in &p.sources {
            match s {
                PSource::Table { table, prefix, .. } => {
                    check_table(self.dialect, prefix.as_ref(), table)?;
                    letters.push(create_alias(table));
                }
                PSource::Subquery { .. } => letters.push('s'),
                PSource::Fragment { .. } => letters.push('f'),
                PSource::Values { .. } => letters.push('v'),
            }
        }
        Ok(Names { letters, as_prefix: as_prefix.to_string(), planned: p, parent })
    }

    /// `Repo.all`'s SQL.
    fn all(&mut self, out: &mut String, p: &Planned, as_prefix: &str, parent: Option<&Names>) -> EResult<()> {
        let n;
        let mut distinct: (Cow<'static, str>, &[(Dir, Expr)]) = (Cow::Borrowed(""), &[]);
        match self.dialect {
            Dialect::Sqlite => {
                n = self.create_names(p, as_prefix, parent)?;
            }
            Dialect::Postgres => {
                n = self.create_names(p, as_prefix, parent)?;
                distinct = self.pg_distinct(p, &n)?;
            }
        }
        self.cte(out, p, &n)?;
        // `from` is computed before `select`: when it can fail, compute it first.
        if source_can_fail(p, 0) {
            let mut from = String::new();
            self.from(&mut from, p, &n)?;
            self.select(out, p, &n, &distinct.0)?;
            out.push_str(&from);
        } else {
            self.select(out, p, &n, &distinct.0)?;
            self.from(out, p, &n)?;
        }
        self.join(out, p, &n)?;
        self.boolean(out, " WHERE ", p.wheres.iter().map(|(o, e)| (*o, e)), &n)?;
        self.group_by(out, p, &n)?;
        self.boolean(out, " HAVING ", p.havings.iter().map(|(o, e)| (*o, e)), &n)?;
        self.window(out, p, &n)?;
        self.combinations(out, p, as_prefix, parent)?;
        self.order_by(out, p, distinct.1, &n)?;
        self.limit(out, p, &n)?;
        self.offset(out, p, &n)?;
        if self.dialect == Dialect::Postgres {
            match &p.lock {
                None => {}
                Some(Lock::Str(s)) => {
                    out.push(' ');
                    out.push_str(s);
                }
                Some(Lock::Fragment(e)) => {
                    out.push(' ');
                    self.expr(out, e, &n)?;
                }
            }
        }
        Ok(())
    }

    /// `update_all/2`
    pub fn update_all(&mut self, p: &Planned, prefix_sql: Option<&str>) -> EResult<String> {
        let mut out = String::with_capacity(size_hint(p));
        self.update_all_into(&mut out, p, prefix_sql)?;
        Ok(out)
    }

    fn update_all_into(&mut self, out: &mut String, p: &Planned, prefix_sql: Option<&str>) -> EResult<()> {
        let n = self.create_names(p, "", None)?;
        self.cte(out, p, &n)?;
        match prefix_sql {
            Some(s) => {
                if source_can_fail(p, 0) {
                    self.source_sql(&mut String::new(), p, 0, &n)?;
                }
                out.push_str(s);
            }
            None => {
                out.push_str("UPDATE ");
                self.source_sql(out, p, 0, &n)?;
                out.push_str(" AS ");
                self.push_source_name(out, p, 0, &n)?;
                out.push_str(" SET ");
            }
        }
        self.update_fields(out, p, &n)?;
        let mut wheres = self.using_join(out, p, "update_all", "FROM", &n)?;
        wheres.extend(p.wheres.iter().map(|(o, e)| (*o, e)));
        self.boolean(out, " WHERE ", wheres, &n)?;
        self.returning(out, p, &n)
    }

    /// `delete_all/1`
    fn delete_all(&mut self, out: &mut String, p: &Planned) -> EResult<()> {
        match self.dialect {
            Dialect::Sqlite => {
                if !p.joins.is_empty() {
                    return Err(arg_error("JOINS are not supported on DELETE statements by SQLite"));
                }
                let n = self.create_names(p, "", None)?;
                self.cte(out, p, &n)?;
                out.push_str("DELETE");
                self.from(out, p, &n)?;
                self.boolean(out, " WHERE ", p.wheres.iter().map(|(o, e)| (*o, e)), &n)?;
                self.returning(out, p, &n)
            }
            Dialect::Postgres => {
                let n = self.create_names(p, "", None)?;
                self.cte(out, p, &n)?;
                out.push_str("DELETE FROM ");
                self.source_sql(out, p, 0, &n)?;
                out.push_str(" AS ");
                self.push_source_name(out, p, 0, &n)?;
                let mut wheres = self.using_join(out, p, "delete_all", "USING", &n)?;
                wheres.extend(p.wheres.iter().map(|(o, e)| (*o, e)));
                self.boolean(out, " WHERE ", wheres, &n)?;
                self.returning(out, p, &n)
            }
        }
    }

    fn returning(&mut self, out: &mut String, p: &Planned, n: &Names) -> EResult<()> {
        match &p.select {
            None => Ok(()),
            Some(s) => {
                let prev = self.returning;
                self.returning = self.dialect == Dialect::Sqlite;
                out.push_str(" RETURNING ");
                let r = self.select_fields(out, &s.fields, n, p);
                self.returning = prev;
                r
            }
        }
    }

    /// The SQL of source `ix` (quoted table, subquery or fragment).
    fn source_sql(&mut self, out: &mut String, p: &Planned, ix: usize, n: &Names) -> EResult<()> {
        match p.sources.get(ix) {
            Some(PSource::Table { table, prefix, .. }) => push_table(out, self.dialect, prefix.as_ref(), table),
            Some(PSource::Subquery { planned, .. }) => self.subquery(out, planned, n),
            Some(PSource::Fragment { parts }) => self.fragment(out, parts, n),
            Some(PSource::Values { types, start, num_rows }) => {
                self.values_list(out, types, *start, *num_rows);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// `values_list/3` in parentheses: Postgres `(VALUES ($1::bigint,...),...)`;
    /// SQLite names the columns in a `SELECT column1 AS f, ...` around it.
    fn values_list(&self, out: &mut String, types: &[(String, Value)], start: usize, num_rows: usize) {
        out.push('(');
        if self.dialect == Dialect::Sqlite {
            out.push_str("SELECT ");
            for (i, (k, _)) in types.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str("column");
                push_u64(out, i as u64 + 1);
                out.push_str(" AS ");
                out.push_str(k);
            }
            out.push_str(" FROM (");
        }
        out.push_str("VALUES ");
        let mut idx = start + 1;
        for row in 0..num_rows {
            if row > 0 {
                out.push(',');
            }
            out.push('(');
            for (i, (_, ty)) in types.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('$');
                push_u64(out, idx as u64);
                out.push_str("::");
                match self.dialect {
                    Dialect::Postgres => push_tagged_to_db(out, ty),
                    Dialect::Sqlite => out.push_str(&sqlite_column_type(ty)),
                }
                idx += 1;
            }
            out.push(')');
        }
        if self.dialect == Dialect::Sqlite {
            out.push(')');
        }
        out.push(')');
    }

    /// The alias after a source (`get_source/4`): Postgres names a values
    /// list's columns after it (`v1 ("id","name")`).
    fn push_source_name(&self, out: &mut String, p: &Planned, ix: usize, n: &Names) -> EResult<()> {
        n.push(out, ix);
        if self.dialect == Dialect::Postgres {
            if let Some(PSource::Values { types, .. }) = p.sources.get(ix) {
                out.push_str(" (");
                for (i, (k, _)) in types.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.q(out, k)?;
                }
                out.push(')');
            }
        }
        Ok(())
    }

    fn sub_prefix(n: &Names) -> String {
        let mut s = String::with_capacity(n.as_prefix.len() + 1);
        s.push('s');
        s.push_str(&n.as_prefix);
        s
    }

    fn subquery(&mut self, out: &mut String, sp: &Planned, n: &Names) -> EResult<()> {
        out.push('(');
        self.all(out, sp, &Self::sub_prefix(n), Some(n))?;
        out.push(')');
        Ok(())
    }

    /// Postgres `distinct/3`: the select's `DISTINCT [ON (...)]` and the
    /// expressions `order_by` starts with.
    fn pg_distinct<'p>(&mut self, p: &'p Planned, n: &Names) -> EResult<(Cow<'static, str>, &'p [(Dir, Expr)])> {
        match &p.distinct {
            None | Some(Distinct::Bool(false)) => Ok((Cow::Borrowed(""), &[])),
            Some(Distinct::Bool(true)) => Ok((Cow::Borrowed(" DISTINCT"), &[])),
            Some(Distinct::Exprs(es)) if es.is_empty() => Ok((Cow::Borrowed(""), &[])),
            Some(Distinct::Exprs(es)) => {
                let mut s = String::from(" DISTINCT ON (");
                self.sep_list(&mut s, es, ", ", |this, s, (_, e)| this.expr(s, e, n))?;
                s.push(')');
                Ok((Cow::Owned(s), es))
            }
        }
    }

    fn select(&mut self, out: &mut String, p: &Planned, n: &Names, pg_distinct: &str) -> EResult<()> {
        let fields: &[SelField] = p.select.as_ref().map(|s| s.fields.as_slice()).unwrap_or(&[]);
        match self.dialect {
            Dialect::Sqlite => {
                let distinct = match &p.distinct {
                    None | Some(Distinct::Bool(false)) => "",
                    Some(Distinct::Bool(true)) => "DISTINCT ",
                    Some(Distinct::Exprs(_)) => return Err(query_error("DISTINCT with multiple columns is not supported by SQLite3", p)),
                };
                out.push_str("SELECT ");
                out.push_str(distinct);
            }
            Dialect::Postgres => {
                out.push_str("SELECT");
                out.push_str(pg_distinct);
                out.push(' ');
            }
        }
        self.select_fields(out, fields, n, p)
    }

    fn select_fields(&mut self, out: &mut String, fields: &[SelField], n: &Names, p: &Planned) -> EResult<()> {
        if fields.is_empty() {
            out.push_str(if self.dialect == Dialect::Postgres { "TRUE" } else { "1" });
            return Ok(());
        }
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match (&f.alias, &f.expr) {
                (None, Expr::Var(Bind::Ix(ix))) => match p.sources.get(*ix) {
                    Some(PSource::Fragment { .. }) if self.dialect == Dialect::Postgres => {
                        return Err(query_error(
                            &format!(
                                "PostgreSQL adapter does not support selecting all fields from fragment {}. Please specify exactly which fields you want to select",
                                n.name(*ix)
                            ),
                            p,
                        ))
                    }
                    // ecto_sqlite3 names a fragment source `{nil, "f<ix>", nil}`:
                    // selecting all of it raises, with no source name in the text.
                    Some(PSource::Fragment { .. }) => {
                        return Err(query_error(
                            "SQLite3 does not support selecting all fields from  without a schema. Please specify a schema or specify exactly which fields you want to select",
                            p,
                        ))
                    }
                    Some(PSource::Table { table, schema: None, prefix }) => {
                        let shown = quote_table(self.dialect, prefix.as_ref(), table).unwrap_or_else(|_| table.to_string());
                        return Err(query_error(
                            &match self.dialect {
                                Dialect::Postgres => format!(
                                    "PostgreSQL adapter does not support selecting all fields from {shown} without a schema. Please specify a schema or specify exactly which fields you want to select"
                                ),
                                Dialect::Sqlite => format!(
                                    "SQLite3 does not support selecting all fields from {shown} without a schema. Please specify a schema or specify exactly which fields you want to select"
                                ),
                            },
                            p,
                        ));
                    }
                    _ => n.push(out, *ix),
                },
                (Some(a), e) => {
                    self.expr(out, e, n)?;
                    out.push_str(" AS ");
                    self.q(out, a)?;
                }
                (None, e) => self.expr(out, e, n)?,
            }
        }
        Ok(())
    }

    fn from(&mut self, out: &mut String, p: &Planned, n: &Names) -> EResult<()> {
        out.push_str(" FROM ");
        self.source_sql(out, p, 0, n)?;
        out.push_str(" AS ");
        self.push_source_name(out, p, 0, n)?;
        for h in &p.from_hints {
            out.push(' ');
            out.push_str(h);
        }
        Ok(())
    }

    fn cte(&mut self, out: &mut String, p: &Planned, n: &Names) -> EResult<()> {
        let Some(w) = &p.with else { return Ok(()) };
        if w.ctes.is_empty() {
            return Ok(());
        }
        out.push_str("WITH ");
        if w.recursive {
            out.push_str("RECURSIVE ");
        }
        for (i, c) in w.ctes.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let mat = match (self.dialect, c.materialized) {
                (Dialect::Postgres, Some(true)) => "MATERIALIZED",
                (Dialect::Postgres, Some(false)) => "NOT MATERIALIZED",
                _ => "",
            };
            if let Err(e) = check_name(self.dialect, &c.name) {
                // The body is printed before the name.
                self.cte_body(&mut String::new(), c, n)?;
                return Err(e);
            }
            self.q(out, &c.name)?;
            out.push_str(" AS ");
            out.push_str(mat);
            self.cte_body(out, c, n)?;
        }
        out.push(' ');
        Ok(())
    }

    fn cte_body(&mut self, out: &mut String, c: &PCte, n: &Names) -> EResult<()> {
        match &c.body {
            PCteBody::Query(q) => {
                match (self.dialect, c.operation) {
                    (Dialect::Postgres, Op::UpdateAll) => {
                        out.push('(');
                        self.update_all_into(out, q, None)?;
                    }
                    (Dialect::Postgres, Op::DeleteAll) => {
                        out.push('(');
                        self.delete_all(out, q)?;
                    }
                    (Dialect::Postgres, Op::InsertAll) => {
                        return Err(query_error("Postgres adapter does not support CTE operation :insert_all", q))
                    }
                    _ => {
                        out.push('(');
                        self.all(out, q, &Self::sub_prefix(n), Some(n))?;
                    }
                }
                out.push(')');
                Ok(())
            }
            PCteBody::Fragment(e) => self.expr(out, e, n),
        }
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

    fn join_on(&mut self, out: &mut String, qual: JoinQual, on: &Expr, n: &Names) -> EResult<()> {
        let cross = match self.dialect {
            Dialect::Postgres => matches!(qual, JoinQual::Cross | JoinQual::CrossLateral),
            Dialect::Sqlite => qual == JoinQual::Cross,
        };
        if cross && on.is_true() {
            return Ok(());
        }
        out.push_str(" ON ");
        self.expr(out, on, n)
    }

    fn join(&mut self, out: &mut String, p: &Planned, n: &Names) -> EResult<()> {
        self.joins_of(out, p, &p.joins, n)
    }

    fn joins_of(&mut self, out: &mut String, p: &Planned, joins: &[PJoin], n: &Names) -> EResult<()> {
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
            if self.dialect == Dialect::Postgres {
                out.push(' ');
            }
            // The source is printed before the qualifier is checked.
            if source_can_fail(p, j.ix) {
                let start = out.len();
                self.source_sql(out, p, j.ix, n)?;
                let qual = self.join_qual(j.qual, p)?;
                out.insert_str(start, qual);
            } else {
                let qual = self.join_qual(j.qual, p)?;
                out.push_str(qual);
                self.source_sql(out, p, j.ix, n)?;
            }
            out.push_str(" AS ");
            self.push_source_name(out, p, j.ix, n)?;
            self.join_on(out, j.qual, &j.on, n)?;
        }
        Ok(())
    }

    /// The joins of `update_all`/`delete_all` (`FROM`/`USING`), returning
    /// their `on` conditions, which go in front of the `where`s.
    fn using_join<'p>(
        &mut self,
        out: &mut String,
        p: &'p Planned,
        kind: &str,
        prefix: &str,
        n: &Names,
    ) -> EResult<Vec<(BoolOp, &'p Expr)>> {
        if p.joins.is_empty() {
            return Ok(vec![]);
        }
        let sources = |this: &mut Printer, out: &mut String, joins: &[PJoin]| -> EResult<()> {
            for (i, j) in joins.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                this.source_sql(out, p, j.ix, n)?;
                out.push_str(" AS ");
                this.push_source_name(out, p, j.ix, n)?;
            }
            Ok(())
        };
        let ons = |joins: &'p [PJoin]| -> Vec<(BoolOp, &'p Expr)> {
            joins.iter().filter(|j| !j.on.is_true()).map(|j| (BoolOp::And, &j.on)).collect()
        };
        match self.dialect {
            Dialect::Postgres if kind == "update_all" => {
                let split = p.joins.iter().position(|j| j.qual != JoinQual::Inner).unwrap_or(p.joins.len());
                let (inner, other) = p.joins.split_at(split);
                if inner.is_empty() && !other.is_empty() {
                    return Err(query_error("Need at least one inner join at the beginning to use other joins with update_all", p));
                }
                out.push(' ');
                out.push_str(prefix);
                out.push(' ');
                sources(self, out, inner)?;
                self.joins_of(out, p, other, n)?;
                Ok(ons(inner))
            }
            Dialect::Postgres => {
                out.push(' ');
                out.push_str(prefix);
                out.push(' ');
                for (i, j) in p.joins.iter().enumerate() {
                    if j.qual != JoinQual::Inner {
                        return Err(query_error(
                            &format!("PostgreSQL supports only inner joins on {kind}, got: `{}`", j.qual.as_atom()),
                            p,
                        ));
                    }
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.source_sql(out, p, j.ix, n)?;
                    out.push_str(" AS ");
                    self.push_source_name(out, p, j.ix, n)?;
                }
                Ok(ons(&p.joins))
            }
            Dialect::Sqlite => {
                out.push(' ');
                out.push_str(prefix);
                out.push(' ');
                for (i, j) in p.joins.iter().enumerate() {
                    if !j.hints.is_empty() {
                        return Err(query_error("join hints are not supported by SQLite3", p));
                    }
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.source_sql(out, p, j.ix, n)?;
                    out.push_str(" AS ");
                    self.push_source_name(out, p, j.ix, n)?;
                }
                Ok(ons(&p.joins))
            }
        }
    }

    fn update_fields(&mut self, out: &mut String, p: &Planned, n: &Names) -> EResult<()> {
        for (i, (op, key, value)) in p.updates.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.q(out, key)?;
            match (self.dialect, op) {
                (_, UpdateOp::Set) => {
                    out.push_str(" = ");
                }
                (Dialect::Postgres, UpdateOp::Inc) => {
                    out.push_str(" = ");
                    n.push(out, 0);
                    out.push('.');
                    self.q(out, key)?;
                    out.push_str(" + ");
                }
                (Dialect::Sqlite, UpdateOp::Inc) => {
                    out.push_str(" = ");
                    self.q(out, key)?;
                    out.push_str(" + ");
                }
                (Dialect::Postgres, UpdateOp::Push) | (Dialect::Postgres, UpdateOp::Pull) => {
                    out.push_str(if *op == UpdateOp::Push { " = array_append(" } else { " = array_remove(" });
                    n.push(out, 0);
                    out.push('.');
                    self.q(out, key)?;
                    out.push_str(", ");
                    self.expr(out, value, n)?;
                    out.push(')');
                    continue;
                }
                (Dialect::Sqlite, _) => return Err(query_error("Arrays are not supported for SQLite3", p)),
            }
            self.expr(out, value, n)?;
        }
        Ok(())
    }

    /// ` WHERE (a) AND (b)`: consecutive conditions with the same operator
    /// chain; a change of operator wraps what came before in parens.
    fn boolean<'e>(&mut self, out: &mut String, name: &str, exprs: impl IntoIterator<Item = (BoolOp, &'e Expr)>, n: &Names) -> EResult<()> {
        let mut it = exprs.into_iter();
        let Some((mut op, first)) = it.next() else {
            return Ok(());
        };
        out.push_str(name);
        let start = out.len();
        self.paren_expr(out, first, n)?;
        for (o, e) in it {
            if o != op {
                out.insert(start, '(');
                out.push(')');
            }
            out.push_str(if o == BoolOp::And { " AND " } else { " OR " });
            self.paren_expr(out, e, n)?;
            op = o;
        }
        Ok(())
    }

    fn group_by(&mut self, out: &mut String, p: &Planned, n: &Names) -> EResult<()> {
        if p.group_bys.is_empty() {
            return Ok(());
        }
        out.push_str(" GROUP BY ");
        for (gi, g) in p.group_bys.iter().enumerate() {
            if gi > 0 {
                out.push_str(", ");
            }
            self.sep_list(out, g, ", ", |this, out, e| this.top_level_expr(out, e, n))?;
        }
        Ok(())
    }

    fn window(&mut self, out: &mut String, p: &Planned, n: &Names) -> EResult<()> {
        if p.windows.is_empty() {
            return Ok(());
        }
        out.push_str(" WINDOW ");
        for (i, (name, w)) in p.windows.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.q(out, name)?;
            out.push_str(" AS ");
            self.window_exprs(out, w, n)?;
        }
        Ok(())
    }

    fn window_exprs(&mut self, out: &mut String, w: &WindowDef, n: &Names) -> EResult<()> {
        out.push('(');
        for (pi, part) in w.parts.iter().enumerate() {
            if pi > 0 {
                out.push(' ');
            }
            match part {
                WindowPart::PartitionBy(es) => {
                    out.push_str("PARTITION BY ");
                    self.sep_list(out, es, ", ", |this, out, e| this.expr(out, e, n))?;
                }
                WindowPart::OrderBy(es) => {
                    out.push_str("ORDER BY ");
                    self.sep_list(out, es, ", ", |this, out, (d, e)| this.order_by_expr(out, *d, e, n))?;
                }
                WindowPart::Frame(e) => self.expr(out, e, n)?,
            }
        }
        out.push(')');
        Ok(())
    }

    fn combinations(&mut self, out: &mut String, p: &Planned, as_prefix: &str, parent: Option<&Names>) -> EResult<()> {
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
            out.push(' ');
            out.push_str(kw);
            match self.dialect {
                Dialect::Postgres => {
                    out.push_str(" (");
                    self.all(out, cq, as_prefix, parent)?;
                    out.push(')');
                }
                Dialect::Sqlite => {
                    out.push(' ');
                    self.all(out, cq, as_prefix, parent)?;
                }
            }
        }
        Ok(())
    }

    fn order_by(&mut self, out: &mut String, p: &Planned, distinct: &[(Dir, Expr)], n: &Names) -> EResult<()> {
        if p.order_bys.is_empty() {
            return Ok(());
        }
        // order_by_concat: the distinct expressions, then the order_bys
        // past their common prefix with them.
        let mut common = 0;
        for (a, d) in p.order_bys.iter().flatten().zip(distinct) {
            if a != d {
                break;
            }
            common += 1;
        }
        out.push_str(" ORDER BY ");
        self.sep_list(out, distinct.iter().chain(p.order_bys.iter().flatten().skip(common)), ", ", |this, out, (d, e)| {
            this.order_by_expr(out, *d, e, n)
        })?;
        Ok(())
    }

    fn order_by_expr(&mut self, out: &mut String, d: Dir, e: &Expr, n: &Names) -> EResult<()> {
        self.top_level_expr(out, e, n)?;
        out.push_str(match d {
            Dir::Asc => "",
            Dir::AscNullsLast => " ASC NULLS LAST",
            Dir::AscNullsFirst => " ASC NULLS FIRST",
            Dir::Desc => " DESC",
            Dir::DescNullsLast => " DESC NULLS LAST",
            Dir::DescNullsFirst => " DESC NULLS FIRST",
        });
        Ok(())
    }

    fn limit(&mut self, out: &mut String, p: &Planned, n: &Names) -> EResult<()> {
        match &p.limit {
            None => Ok(()),
            Some((e, true)) if self.dialect == Dialect::Postgres => {
                if p.order_bys.is_empty() {
                    return Err(query_error(
                        "PostgreSQL adapter requires an `order_by` clause if the `:with_ties` limit option is `true`",
                        p,
                    ));
                }
                out.push_str(" FETCH FIRST ");
                self.expr(out, e, n)?;
                out.push_str(" ROWS WITH TIES");
                Ok(())
            }
            Some((e, _)) => {
                out.push_str(" LIMIT ");
                self.expr(out, e, n)
            }
        }
    }

    fn offset(&mut self, out: &mut String, p: &Planned, n: &Names) -> EResult<()> {
        match &p.offset {
            None => Ok(()),
            Some(e) => {
                out.push_str(" OFFSET ");
                self.expr(out, e, n)
            }
        }
    }

    fn paren_expr(&mut self, out: &mut String, e: &Expr, n: &Names) -> EResult<()> {
        out.push('(');
        self.expr(out, e, n)?;
        out.push(')');
        Ok(())
    }

    fn maybe_paren(&mut self, out: &mut String, e: &Expr, n: &Names) -> EResult<()> {
        let wrap = is_binary_op(e, self.dialect) || matches!(e, Expr::Call(name, args) if name == "is_nil" && args.len() == 1);
        if wrap {
            self.paren_expr(out, e, n)
        } else {
            self.expr(out, e, n)
        }
    }

    /// SQLite prints subqueries at the top of group_by/order_by without parens.
    fn top_level_expr(&mut self, out: &mut String, e: &Expr, n: &Names) -> EResult<()> {
        if self.dialect == Dialect::Sqlite {
            if let Expr::PlannedSubquery(sp) = e {
                return self.all(out, sp, &Self::sub_prefix(n), Some(n));
            }
        }
        self.expr(out, e, n)
    }

    fn fragment(&mut self, out: &mut String, parts: &[FragPart], n: &Names) -> EResult<()> {
        let start = out.len();
        for p in parts {
            match p {
                FragPart::Raw(s) => out.push_str(s),
                FragPart::Expr(e) => self.maybe_paren(out, e, n)?,
            }
        }
        if let Some(FragPart::Raw(f)) = parts.first() {
            let t = f.trim_start();
            let starts_select = t.len() >= 6 && t.as_bytes()[..6].eq_ignore_ascii_case(b"select");
            let is_select = match self.dialect {
                Dialect::Postgres => starts_select && t[6..].starts_with(|c: char| c.is_whitespace()),
                Dialect::Sqlite => starts_select,
            };
            if is_select {
                out.insert(start, '(');
                out.push(')');
            }
        }
        Ok(())
    }

    fn parent_source(&self, out: &mut String, name: &str, n: &Names) -> EResult<()> {
        let mut cur = n.parent;
        while let Some(p) = cur {
            if let Some((_, ix)) = p.planned.query.aliases.iter().find(|(a, _)| a == name) {
                p.push(out, *ix);
                return Ok(());
            }
            cur = p.parent;
        }
        Err(query_error(&format!("could not find named binding `parent_as({})`", inspect(&Value::atom(name))), n.planned))
    }

    fn field_name(&self, out: &mut String, b: &Bind, n: &Names) -> EResult<()> {
        match b {
            Bind::Ix(ix) => {
                n.push(out, *ix);
                Ok(())
            }
            Bind::ParentAs(name) => self.parent_source(out, name, n),
            Bind::As(name) => match n.planned.query.aliases.iter().find(|(a, _)| a == name) {
                Some((_, ix)) => {
                    n.push(out, *ix);
                    Ok(())
                }
                None => Err(query_error(&format!("could not find named binding `as({})`", inspect(&Value::atom(name))), n.planned)),
            },
        }
    }

    fn interval_sqlite(&mut self, out: &mut String, count: &Expr, interval: &str, n: &Names) -> EResult<()> {
        match interval {
            "microsecond" => {
                self.expr(&mut String::new(), count, n)?;
                Err(arg_error("SQLite does not support microsecond precision in datetime intervals"))
            }
            "millisecond" => {
                out.push('(');
                self.expr(out, count, n)?;
                out.push_str(" / 1000.0) || ' seconds'");
                Ok(())
            }
            "week" => {
                out.push('(');
                self.expr(out, count, n)?;
                out.push_str(" * 7) || ' days'");
                Ok(())
            }
            other => {
                self.expr(out, count, n)?;
                out.push_str(" || ' ");
                out.push_str(other);
                out.push('\'');
                Ok(())
            }
        }
    }

    fn interval_pg(&mut self, out: &mut String, count: &Expr, interval: &str, n: &Names) -> EResult<()> {
        match count {
            Expr::Lit(Value::Int(i)) => {
                out.push_str("interval '");
                push_i64(out, *i);
            }
            Expr::Lit(Value::Float(f)) => {
                out.push_str("interval '");
                out.push_str(&float_compact(*f));
            }
            other => {
                out.push('(');
                self.expr(out, other, n)?;
                out.push_str("::numeric * interval '1 ");
                out.push_str(interval);
                out.push_str("')");
                return Ok(());
            }
        }
        out.push(' ');
        out.push_str(interval);
        out.push('\'');
        Ok(())
    }

    fn json_path_pg(&mut self, out: &mut String, e: &Expr, path: &[PathElem], n: &Names) -> EResult<()> {
        if path.is_empty() {
            return self.expr(out, e, n);
        }
        let push_path = |this: &mut Printer, out: &mut String| -> EResult<()> {
            for (i, p) in path.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match p {
                    PathElem::Key(k) => {
                        out.push('\'');
                        push_escaped(out, this.dialect, k);
                        out.push('\'');
                    }
                    PathElem::Index(i) => push_i64(out, *i),
                    PathElem::Field(f) => this.expr(out, f, n)?,
                }
            }
            Ok(())
        };
        out.push('(');
        // The path is computed before the expression.
        if path.iter().any(|p| matches!(p, PathElem::Field(_))) {
            let mut ps = String::new();
            push_path(self, &mut ps)?;
            self.expr(out, e, n)?;
            out.push_str("#>array[");
            out.push_str(&ps);
        } else {
            self.expr(out, e, n)?;
            out.push_str("#>array[");
            push_path(self, out)?;
        }
        out.push_str("]::text[])");
        Ok(())
    }

    /// ` IN (items)`, each item printed by `each`, after whatever `before`
    /// prints; the items are computed first: when `before` fails, an item's
    /// error wins.
    fn in_list_after<T>(
        &mut self,
        out: &mut String,
        items: &[T],
        mut each: impl FnMut(&mut Printer, &mut String, &T) -> EResult<()>,
        before: impl FnOnce(&mut Printer, &mut String) -> EResult<()>,
    ) -> EResult<()> {
        if let Err(e) = before(self, out) {
            let mut scratch = String::new();
            for x in items {
                each(self, &mut scratch, x)?;
            }
            return Err(e);
        }
        out.push_str(" IN (");
        self.sep_list(out, items, ",", each)?;
        out.push(')');
        Ok(())
    }

    /// `items` separated by `sep`, each printed by `each`.
    fn sep_list<T>(
        &mut self,
        out: &mut String,
        items: impl IntoIterator<Item = T>,
        sep: &str,
        mut each: impl FnMut(&mut Printer, &mut String, T) -> EResult<()>,
    ) -> EResult<()> {
        for (i, x) in items.into_iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            each(self, out, x)?;
        }
        Ok(())
    }

    fn push_placeholders(out: &mut String, len: usize) {
        for i in 0..len {
            if i > 0 {
                out.push(',');
            }
            out.push('?');
        }
    }

    /// The SQL of a literal.
    fn lit(&mut self, out: &mut String, v: &Value, n: &Names) -> EResult<()> {
        let d = self.dialect;
        match v {
            Value::List(_) if d == Dialect::Sqlite => return Err(query_error("Array literals are not supported by SQLite3", n.planned)),
            Value::List(items) => {
                if items.is_empty() {
                    out.push_str("'{}'");
                } else {
                    out.push_str("ARRAY[");
                    self.sep_list(out, items.iter(), ",", |this, out, x| this.lit(out, x, n))?;
                    out.push(']');
                }
            }
            Value::Decimal(dec) => out.push_str(&dec.to_normal()),
            Value::Nil => out.push_str("NULL"),
            Value::Bool(b) => out.push_str(match (d, b) {
                (Dialect::Postgres, true) => "TRUE",
                (Dialect::Postgres, false) => "FALSE",
                (Dialect::Sqlite, true) => "1",
                (Dialect::Sqlite, false) => "0",
            }),
            Value::Str(s) => {
                out.push('\'');
                push_escaped(out, d, s);
                out.push('\'');
            }
            Value::Int(i) => push_i64(out, *i),
            Value::Float(f) => match d {
                Dialect::Postgres => {
                    out.push_str(&fmt_float(*f));
                    out.push_str("::float");
                }
                Dialect::Sqlite => {
                    out.push_str("CAST(");
                    out.push_str(&fmt_float(*f));
                    out.push_str(" AS REAL)");
                }
            },
            other => {
                let shown = inspect(other);
                return Err(query_error(
                    &match d {
                        Dialect::Postgres => format!("unsupported expression: {shown}"),
                        Dialect::Sqlite => format!("unsupported expression {shown}"),
                    },
                    n.planned,
                ));
            }
        }
        Ok(())
    }

    /// The SQL of an expression.
    fn expr(&mut self, out: &mut String, e: &Expr, n: &Names) -> EResult<()> {
        let d = self.dialect;
        let p = n.planned;
        match e {
            Expr::Param(ix) => match d {
                Dialect::Postgres => {
                    out.push('$');
                    push_u64(out, *ix as u64 + 1);
                }
                Dialect::Sqlite => out.push('?'),
            },
            Expr::ParamList(start, len) => match d {
                Dialect::Postgres => {
                    out.push('$');
                    push_u64(out, *start as u64 + 1);
                }
                Dialect::Sqlite => Self::push_placeholders(out, *len),
            },
            Expr::Field(b, f) => {
                if self.returning && matches!(b, Bind::Ix(_)) {
                    return self.q(out, f);
                }
                self.field_name(out, b, n)?;
                out.push('.');
                self.q(out, f)?;
            }
            // ecto_sqlite3 has no clause for a field named by a string
            Expr::FieldStr(b, f) if d == Dialect::Sqlite => {
                let source = match b {
                    Bind::Ix(ix) => format!("{{:&, [], [{ix}]}}"),
                    _ => "{:&, [], [0]}".to_string(),
                };
                let shown = format!("{{{{:., [type: :any], [{source}, {}]}}, [], []}}", inspect(&Value::string(f.to_string())));
                return Err(query_error(&format!("unsupported expression {shown}"), n.planned));
            }
            Expr::FieldStr(b, f) => {
                self.field_name(out, b, n)?;
                out.push('.');
                self.q(out, f)?;
            }
            Expr::Var(b) => self.field_name(out, b, n)?,
            Expr::Call(name, args) if name == "in" && args.len() == 2 => {
                let (left, right) = (&args[0], &args[1]);
                let false_ = if d == Dialect::Postgres { "false" } else { "0" };
                match right {
                    Expr::Lit(Value::List(l)) if l.is_empty() => out.push_str(false_),
                    Expr::Lit(Value::Str(s)) if d == Dialect::Sqlite && &**s == "[]" => out.push('0'),
                    Expr::Lit(Value::List(l)) => {
                        self.in_list_after(out, l, |this, out, v| this.lit(out, v, n), |this, out| this.expr(out, left, n))?
                    }
                    Expr::List(items) if items.is_empty() => out.push_str(false_),
                    Expr::List(items) => {
                        self.in_list_after(out, items, |this, out, x| this.expr(out, x, n), |this, out| this.expr(out, left, n))?
                    }
                    Expr::ParamList(start, len) => match d {
                        Dialect::Postgres => {
                            self.expr(out, left, n)?;
                            out.push_str(" = ANY($");
                            push_u64(out, *start as u64 + 1);
                            out.push(')');
                        }
                        Dialect::Sqlite if *len == 0 => out.push('0'),
                        Dialect::Sqlite => {
                            self.expr(out, left, n)?;
                            out.push_str(" IN (");
                            Self::push_placeholders(out, *len);
                            out.push(')');
                        }
                    },
                    Expr::PlannedSubquery(_) => {
                        self.expr(out, left, n)?;
                        out.push_str(" IN ");
                        self.expr(out, right, n)?;
                    }
                    other => {
                        self.expr(out, left, n)?;
                        match d {
                            Dialect::Postgres => {
                                out.push_str(" = ANY(");
                                self.expr(out, other, n)?;
                                out.push(')');
                            }
                            Dialect::Sqlite => {
                                out.push_str(" IN (SELECT value FROM JSON_EACH(");
                                self.expr(out, other, n)?;
                                out.push_str("))");
                            }
                        }
                    }
                }
            }
            Expr::Call(name, args) if name == "is_nil" && args.len() == 1 => {
                self.expr(out, &args[0], n)?;
                out.push_str(" IS NULL");
            }
            Expr::Call(name, args) if name == "not" && args.len() == 1 => {
                out.push_str("NOT (");
                self.expr(out, &args[0], n)?;
                out.push(')');
            }
            Expr::PlannedSubquery(sp) => self.subquery(out, sp, n)?,
            Expr::FragmentKw(_) => {
                return Err(query_error(
                    match d {
                        Dialect::Postgres => "PostgreSQL adapter does not support keyword or interpolated fragments",
                        Dialect::Sqlite => "SQLite3 adapter does not support keyword or interpolated fragments",
                    },
                    p,
                ))
            }
            Expr::Fragment(parts) => self.fragment(out, parts, n)?,
            Expr::Identifier(s) => self.q(out, s)?,
            Expr::SelectedAsRef(name) => self.q(out, name)?,
            Expr::Call(name, args) if (name == "datetime_add" || name == "date_add") && args.len() == 3 => {
                let interval = match &args[2] {
                    Expr::Lit(Value::Str(s)) => &**s,
                    _ => "",
                };
                let date = name == "date_add";
                match d {
                    Dialect::Postgres => {
                        let typed = matches!(args[0], Expr::TaggedPrim(..));
                        if date {
                            out.push('(');
                        }
                        self.expr(out, &args[0], n)?;
                        if !typed {
                            out.push_str(if date { "::date" } else { "::timestamp" });
                        }
                        out.push_str(" + ");
                        self.interval_pg(out, &args[1], interval, n)?;
                        if date {
                            out.push_str(")::date");
                        }
                    }
                    Dialect::Sqlite => {
                        out.push_str(if date { "CAST (strftime('%Y-%m-%d'," } else { "CAST (strftime('%Y-%m-%dT%H:%M:%f000Z'," });
                        self.expr(out, &args[0], n)?;
                        out.push(',');
                        self.interval_sqlite(out, &args[1], interval, n)?;
                        out.push_str(") AS TEXT)");
                    }
                }
            }
            Expr::Call(name, _) if name == "ilike" && d == Dialect::Sqlite => {
                return Err(query_error("ilike is not supported by SQLite3", p))
            }
            Expr::JsonPath(f, path) => match d {
                Dialect::Postgres => self.json_path_pg(out, f, path, n)?,
                Dialect::Sqlite => {
                    if path.iter().any(|el| matches!(el, PathElem::Field(_))) {
                        // ecto_sqlite3's path mapper only has binary and integer clauses.
                        return Err(Error::raise(
                            "FunctionClauseError",
                            "no function clause matching in anonymous fn/1 in Ecto.Adapters.SQLite3.Connection.expr/3",
                            Span::default(),
                        ));
                    }
                    out.push_str("json_extract(");
                    self.expr(out, f, n)?;
                    out.push_str(", '$");
                    for el in path {
                        match el {
                            PathElem::Key(k) => {
                                out.push('.');
                                push_escaped_json(out, d, k);
                            }
                            PathElem::Index(i) => {
                                out.push('[');
                                push_i64(out, *i);
                                out.push(']');
                            }
                            PathElem::Field(_) => {}
                        }
                    }
                    out.push_str("')");
                }
            },
            Expr::Call(name, args) if name == "filter" && args.len() == 2 => {
                self.expr(out, &args[0], n)?;
                out.push_str(" FILTER (WHERE ");
                self.expr(out, &args[1], n)?;
                out.push(')');
            }
            Expr::Over(agg, over) => {
                self.expr(out, agg, n)?;
                out.push_str(" OVER ");
                match over {
                    Over::Named(w) => self.q(out, w)?,
                    Over::Inline(w) => self.window_exprs(out, w, n)?,
                }
            }
            Expr::Tuple(es) => {
                out.push('(');
                self.sep_list(out, es, ",", |this, out, x| this.expr(out, x, n))?;
                out.push(')');
            }
            Expr::Call(name, args) if name == "count" && args.is_empty() => out.push_str("count(*)"),
            Expr::Call(name, args)
                if name == "count" && d == Dialect::Sqlite && args.len() == 2 && args[1] == Expr::Lit(Value::atom("distinct")) =>
            {
                out.push_str("count(distinct ");
                self.expr(out, &args[0], n)?;
                out.push(')');
            }
            Expr::Call(name, args) if name == "count" && d == Dialect::Sqlite && args.len() == 1 && matches!(args[0], Expr::Var(_)) => {
                return Err(query_error("The argument to `count/1` must be a column in SQLite3", p))
            }
            Expr::Call(name, args) if name == "exists" && d == Dialect::Sqlite && args.len() == 1 => {
                out.push_str("exists");
                self.expr(out, &args[0], n)?;
            }
            Expr::Call(name, args) if name == "==" && d == Dialect::Postgres && args.len() == 2 && json_eq_literal(args).is_some() => {
                let (f, path) = json_eq_literal(args).unwrap_or((&args[0], &[]));
                match path.split_last() {
                    Some((PathElem::Key(last), init)) => {
                        out.push('(');
                        self.json_path_pg(out, f, init, n)?;
                        out.push_str("@>'{\"");
                        push_escaped_json(out, d, last);
                        out.push_str("\": ");
                        match &args[1] {
                            Expr::Lit(Value::Str(s)) => {
                                out.push('"');
                                push_escaped_json(out, d, s);
                                out.push('"');
                            }
                            Expr::Lit(Value::Int(i)) => push_i64(out, *i),
                            Expr::Lit(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
                            _ => {}
                        }
                        out.push_str("}')");
                    }
                    _ => {
                        self.maybe_paren(out, &args[0], n)?;
                        out.push_str(" = ");
                        self.maybe_paren(out, &args[1], n)?;
                    }
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
                    Some(op) => {
                        self.maybe_paren(out, &args[0], n)?;
                        out.push_str(op);
                        self.maybe_paren(out, &args[1], n)?;
                    }
                    None => {
                        out.push_str(name);
                        out.push('(');
                        out.push_str(modifier);
                        self.sep_list(out, args, ", ", |this, out, x| this.expr(out, x, n))?;
                        out.push(')');
                    }
                }
            }
            Expr::List(_) if d == Dialect::Sqlite => {
                return Err(query_error("Array literals are not supported by SQLite3", p));
            }
            Expr::List(items) => {
                if items.is_empty() {
                    out.push_str("'{}'");
                } else {
                    out.push_str("ARRAY[");
                    self.sep_list(out, items, ",", |this, out, x| this.expr(out, x, n))?;
                    out.push(']');
                }
            }
            Expr::TaggedPrim(inner, ty) => self.tagged(out, inner, ty, n)?,
            Expr::Lit(v) => self.lit(out, v, n)?,
            other => {
                let shown = super::inspect::expr_to_string(other, &[], &[]);
                return Err(query_error(
                    &match d {
                        Dialect::Postgres => format!("unsupported expression: {shown}"),
                        Dialect::Sqlite => format!("unsupported expression {shown}"),
                    },
                    p,
                ));
            }
        }
        Ok(())
    }

    fn tagged(&mut self, out: &mut String, inner: &Expr, ty: &Value, n: &Names) -> EResult<()> {
        let d = self.dialect;
        let tname = ty.as_atom().unwrap_or("");
        if tname == "binary" {
            if let Expr::Lit(v) = inner {
                if let Some(b) = v.as_bytes() {
                    match d {
                        Dialect::Sqlite => {
                            out.push_str("x'");
                            push_hex(out, b);
                            out.push('\'');
                        }
                        Dialect::Postgres => {
                            out.push_str("'\\x");
                            push_hex(out, b);
                            out.push_str("'::bytea");
                        }
                    }
                    return Ok(());
                }
            }
        }
        match d {
            Dialect::Postgres => {
                self.maybe_paren(out, inner, n)?;
                out.push_str("::");
                push_tagged_to_db(out, ty);
            }
            Dialect::Sqlite => {
                out.push_str("CAST(");
                self.expr(out, inner, n)?;
                out.push_str(" AS ");
                match tname {
                    "binary_id" | "uuid" => out.push_str("TEXT"),
                    "decimal" | "float" => out.push_str("REAL"),
                    _ => out.push_str(&sqlite_column_type(ty)),
                }
                out.push(')');
            }
        }
        Ok(())
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
fn push_tagged_to_db(out: &mut String, ty: &Value) {
    if let Some([outer, inner]) = ty.as_tuple() {
        if outer.as_atom() == Some("array") {
            push_tagged_to_db(out, inner);
            out.push_str("[]");
            return;
        }
    }
    match ty.as_atom() {
        Some("id") | Some("integer") => out.push_str("bigint"),
        _ => out.push_str(&ecto_to_db(ty)),
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

/// ecto_sqlite3 refuses a lock on the query it is asked to print
/// (`all/1`); the queries printed inside it (CTEs, subqueries, set
/// operations: `all/2`) drop theirs.
fn no_sqlite_lock(dialect: Dialect, p: &Planned) -> EResult<()> {
    if dialect == Dialect::Sqlite && p.lock.is_some() {
        return Err(arg_error("locks are not supported by SQLite3"));
    }
    Ok(())
}

/// The SQL of a planned query for its operation.
pub fn to_sql(p: &Planned, dialect: Dialect) -> EResult<String> {
    let mut pr = Printer::new(dialect);
    let mut out = String::with_capacity(size_hint(p));
    match p.op {
        Op::All | Op::InsertAll => {
            no_sqlite_lock(dialect, p)?;
            pr.all(&mut out, p, "", None)?
        }
        Op::UpdateAll => pr.update_all_into(&mut out, p, None)?,
        Op::DeleteAll => pr.delete_all(&mut out, p)?,
    }
    Ok(out)
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
                PSource::Values { .. } => "v0".to_string(),
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
                        let mut s = String::from("(");
                        no_sqlite_lock(dialect, q)?;
                        Printer::new(dialect).all(&mut s, q, "", None)?;
                        s.push(')');
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
