//! Live SQL preview: the SQL and params Ecto would send for the query
//! expression under the cursor, for SQLite and PostgreSQL, computed
//! without touching the database.

use serde::Serialize;

use super::Workspace;
use crate::diag::Span;
use crate::eval::core::visit;
use crate::query::{self, Dialect, Op};
use crate::syntax::{self, Kind, Node};
use crate::value::{inspect, Value};

/// One dialect's rendering: SQL and inspected params, or the error Ecto raises.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DialectSql {
    pub sql: Option<String>,
    pub params: Vec<String>,
    pub error: Option<String>,
    pub error_kind: Option<String>,
}

/// The preview for the expression at the cursor.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SqlPreview {
    /// `all`, `update_all` or `delete_all`.
    pub op: &'static str,
    /// The byte span of the previewed expression.
    pub span: Span,
    pub sqlite: DialectSql,
    pub postgres: DialectSql,
}

/// Repo functions whose first argument is a queryable, and the operation.
fn repo_op(name: &str) -> Option<Op> {
    Some(match name {
        "all" | "one" | "one!" | "stream" | "exists?" | "aggregate" => Op::All,
        "update_all" => Op::UpdateAll,
        "delete_all" => Op::DeleteAll,
        _ => return None,
    })
}

/// Whether evaluating `n` could have effects beyond building a value
/// (database calls, module definitions, output).
fn has_effects(n: &Node) -> bool {
    let mut effects = false;
    visit(n, &mut |n| match &n.kind {
        Kind::Dot { target, .. } => {
            if let Kind::Alias(parts) = &target.kind {
                let last = parts.last().map(String::as_str).unwrap_or("");
                if matches!(last, "Repo" | "IO" | "Multi" | "Migrator" | "Process" | "File" | "System") {
                    effects = true;
                }
            }
            if let Kind::Var(v) = &target.kind {
                if v == "repo" {
                    effects = true;
                }
            }
        }
        Kind::Call { name, .. } if matches!(name.as_str(), "defmodule" | "def" | "defp" | "raise" | "throw" | "send" | "spawn") => {
            effects = true
        }
        Kind::AnonCall { .. } => effects = true,
        _ => {}
    });
    effects
}

/// Finds the query expression inside a top-level expression: the right
/// side of an assignment, the queryable given to a Repo function, or the
/// expression itself.
fn query_expr(n: &Node) -> (Op, &Node) {
    match &n.kind {
        Kind::BinOp { op, rhs, .. } if op == "=" => query_expr(rhs),
        Kind::Dot { target, name, args, .. } if matches!(&target.kind, Kind::Alias(p) if p.last().is_some_and(|l| l == "Repo")) => {
            match (repo_op(name), args.first()) {
                (Some(op), Some(q)) => (op, q),
                _ => (Op::All, n),
            }
        }
        Kind::BinOp { op, lhs, rhs } if op == "|>" => match &rhs.kind {
            Kind::Dot { target, name, .. } if matches!(&target.kind, Kind::Alias(p) if p.last().is_some_and(|l| l == "Repo")) => {
                (repo_op(name).unwrap_or(Op::All), lhs)
            }
            // `Repo.all(q) |> Enum.map(...)`: the query is on the left.
            Kind::Dot { target, .. } if matches!(&target.kind, Kind::Alias(p) if p.last().is_some_and(|l| l != "Query")) => query_expr(lhs),
            _ => (Op::All, n),
        },
        _ => (Op::All, n),
    }
}

impl Workspace {
    /// The SQL for the query expression at byte `cursor` of a cell's
    /// source, evaluated against the workspace's bindings and schemas
    /// (nothing is executed and nothing is kept). `None` when the
    /// expression there is not a query.
    pub fn preview_sql(&mut self, src: &str, cursor: usize) -> Option<SqlPreview> {
        self.preview_sql_after(&[], src, cursor)
    }

    /// [`Workspace::preview_sql`] after `earlier` cells not run yet: their
    /// definitions and pure bindings count for the preview, as the current
    /// cell's do.
    pub fn preview_sql_after(&mut self, earlier: &[&str], src: &str, cursor: usize) -> Option<SqlPreview> {
        self.with_query_at(earlier, src, cursor, |ws, op, q, span| {
            let mut render = |dialect| match query::sql_and_params(&mut ws.interp, &q, op, dialect, span) {
                Ok((sql, params)) => {
                    DialectSql { sql: Some(sql), params: params.iter().map(inspect::inspect).collect(), error: None, error_kind: None }
                }
                Err(e) => DialectSql { sql: None, params: vec![], error: Some(e.message()), error_kind: Some(e.kind().to_string()) },
            };
            let sqlite = render(Dialect::Sqlite);
            let postgres = render(Dialect::Postgres);
            SqlPreview { op: op.name(), span, sqlite, postgres }
        })
    }

    /// Finds the query expression at byte `cursor` of `src` as the SQL
    /// preview does (after the definitions of `earlier` cells and the
    /// cell's own earlier bindings, nothing that reaches the database),
    /// evaluates it and, when it is a queryable, calls `f` with the
    /// operation, the queryable and the expression's span, still inside the
    /// sandbox (definitions typed but not run are visible to `f`, and
    /// forgotten afterwards).
    pub fn with_query_at<T>(
        &mut self,
        earlier: &[&str],
        src: &str,
        cursor: usize,
        f: impl FnOnce(&mut Workspace, Op, Value, Span) -> T,
    ) -> Option<T> {
        let parsed = syntax::parse(src);
        let top = super::expression_at(&parsed.root, cursor)?;
        let (op, expr) = query_expr(top);
        if has_effects(expr) || matches!(expr.kind, Kind::Error) {
            return None;
        }
        // Earlier expressions of the cell may bind what this one uses, or
        // define the modules and aliases it names: those are evaluated for
        // the preview (never anything that reaches the database) and the
        // definitions are forgotten afterwards.
        let items = block_items(&parsed.root);
        let before = items.iter().take_while(|i| i.span.end <= top.span.start).count();
        self.sandboxed(earlier, &items[..before], |ws, env| {
            let v = ws.interp.eval(expr, env).ok()?;
            let (op, q) = match v.as_tuple() {
                Some([tag, q]) => match tag.as_atom() {
                    Some("update_all") => (Op::UpdateAll, q.clone()),
                    Some("delete_all") => (Op::DeleteAll, q.clone()),
                    _ => (op, v.clone()),
                },
                _ => (op, v.clone()),
            };
            if !is_queryable(&q) {
                return None;
            }
            Some(f(ws, op, q, expr.span))
        })
    }
}

impl Workspace {
    /// The ER model as the notebook reads while it is typed: what ran, with
    /// the definitions of `pending` (cells not run yet, or edited since)
    /// evaluated on top, as the SQL preview evaluates them (never anything
    /// that reaches the database), then forgotten. `cells` are every cell's
    /// source, for locations.
    pub fn er_model_with(&mut self, pending: &[&str], cells: &[&str]) -> crate::erd::ErModel {
        if pending.is_empty() {
            return self.er_model(cells);
        }
        self.sandboxed(pending, &[], |ws, _| ws.er_model(cells))
    }

    /// The schemas as "From SQL" reads them ([`crate::from_sql::Catalog`]),
    /// with the definitions of `pending` (cells not run, or edited since)
    /// evaluated on top, as for the ER model.
    pub fn sql_catalog_with(&mut self, pending: &[&str]) -> crate::from_sql::Catalog {
        self.sandboxed(pending, &[], |ws, _| crate::from_sql::Catalog::new(ws.interp.ext::<crate::schema::SchemaRegistry>()))
    }

    /// Proves each proposal ([`crate::from_sql::proof::prove_in`]) with the
    /// definitions of `pending` on top: its SQL for both adapters and, for a
    /// `SELECT`, both queries run on the workspace's database and compared.
    pub fn prove_from_sql_with(&mut self, pending: &[&str], proposals: &[crate::from_sql::Proposal]) -> Vec<crate::from_sql::proof::Proof> {
        self.sandboxed(pending, &[], |ws, env| proposals.iter().map(|p| crate::from_sql::proof::prove_in(ws, env, p)).collect())
    }

    /// Runs `f` with the definitions (and effect-free bindings) of the
    /// `cells` and then of `items` evaluated on top of the workspace, under a
    /// small step limit; afterwards every definition is forgotten.
    fn sandboxed<T>(&mut self, cells: &[&str], items: &[Node], f: impl FnOnce(&mut Workspace, &mut crate::eval::Env) -> T) -> T {
        let mut env = self.env.clone();
        let saved_limits = self.interp.limits;
        self.interp.limits.max_steps = 200_000;
        self.interp.steps = 0;
        let mut saved = None;
        for cell in cells {
            let parsed = syntax::parse(cell);
            self.prepare(block_items(&parsed.root), &mut env, &mut saved);
        }
        self.prepare(items, &mut env, &mut saved);
        let out = f(self, &mut env);
        self.interp.limits = saved_limits;
        self.interp.output.clear();
        if let Some(saved) = saved {
            saved.restore(&mut self.interp);
        }
        out
    }

    /// Evaluates what `items` define (modules, aliases, imports) and bind
    /// without effects; the first definition saves the interpreter's.
    fn prepare(&mut self, items: &[Node], env: &mut crate::eval::Env, saved: &mut Option<Definitions>) {
        for item in items {
            if is_definition(item) {
                if saved.is_none() {
                    *saved = Some(Definitions::save(&mut self.interp));
                }
                let _ = self.interp.eval(item, env);
                continue;
            }
            if has_effects(item) {
                continue;
            }
            if let Kind::BinOp { op, .. } = &item.kind {
                if op == "=" {
                    let _ = self.interp.eval(item, env);
                }
            }
        }
    }
}

fn block_items(root: &Node) -> &[Node] {
    match &root.kind {
        Kind::Block(items) => items,
        _ => std::slice::from_ref(root),
    }
}

/// What defining modules changes in an interpreter, kept to be put back
/// after a preview defined some.
struct Definitions {
    modules: crate::eval::FastMap<crate::value::Atom, crate::eval::Module>,
    structs: std::collections::HashMap<crate::value::Atom, std::rc::Rc<Vec<(crate::value::Atom, Value)>>>,
    schemas: std::collections::HashMap<String, std::rc::Rc<crate::schema::Schema>>,
}

impl Definitions {
    fn save(interp: &mut crate::eval::Interp) -> Definitions {
        Definitions {
            modules: interp.modules.clone(),
            structs: interp.structs.clone(),
            schemas: interp.ext::<crate::schema::SchemaRegistry>().schemas.clone(),
        }
    }

    fn restore(self, interp: &mut crate::eval::Interp) {
        interp.modules = self.modules;
        interp.structs = self.structs;
        interp.note_definitions_changed();
        let registry = interp.ext::<crate::schema::SchemaRegistry>();
        registry.schemas = self.schemas;
        registry.building.clear();
    }
}

/// A module definition or a lexical directive (`alias`, `import`,
/// `require`) whose evaluation touches no database: a module body's own
/// code (outside its functions) has no effects.
fn is_definition(n: &Node) -> bool {
    match &n.kind {
        Kind::Call { name, args, .. } => match name.as_str() {
            "alias" | "import" | "require" => true,
            "defmodule" => args.get(1).and_then(|opts| opts.keyword_get("do")).is_some_and(|body| !module_body_effects(body)),
            _ => false,
        },
        _ => false,
    }
}

fn module_body_effects(body: &Node) -> bool {
    let items: &[Node] = match &body.kind {
        Kind::Block(items) => items,
        _ => std::slice::from_ref(body),
    };
    items.iter().any(|item| match &item.kind {
        // function bodies run when called, not when defined
        Kind::Call { name, .. }
            if matches!(name.as_str(), "def" | "defp" | "defmacro" | "defmacrop" | "defguard" | "defguardp" | "defdelegate") =>
        {
            false
        }
        Kind::Call { .. } if is_definition(item) => false,
        _ => has_effects(item),
    })
}

/// Queries, schemas (modules with a source) and `{source, schema}` pairs.
fn is_queryable(v: &Value) -> bool {
    match v {
        Value::Opaque(o) => o.module() == "Ecto.Query",
        Value::Atom(a) => a.starts_with("Elixir."),
        Value::Tuple(t) => t.len() == 2 && t[0].is_binary(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws() -> Workspace {
        let mut ws = Workspace::new();
        let r = ws.run_cell(
            "defmodule Post do\n  use Ecto.Schema\n  schema \"posts\" do\n    field :title, :string\n    field :views, :integer\n  end\nend\nmin = 10",
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        ws
    }

    #[test]
    fn previews_the_query_under_the_cursor_in_both_dialects() {
        let mut ws = ws();
        let src = "q = from p in Post, where: p.views > ^min, select: p.title\nRepo.all(q)";
        let p = ws.preview_sql(src, 5).expect("preview");
        assert_eq!(p.sqlite.sql.as_deref(), Some("SELECT p0.\"title\" FROM \"posts\" AS p0 WHERE (p0.\"views\" > ?)"));
        assert_eq!(p.postgres.sql.as_deref(), Some("SELECT p0.\"title\" FROM \"posts\" AS p0 WHERE (p0.\"views\" > $1)"));
        assert_eq!(p.sqlite.params, vec!["10"]);
        // The Repo call on the next line previews its queryable (bound above in the same cell).
        let p = ws.preview_sql(src, src.len() - 2).expect("preview of Repo.all(q)");
        assert_eq!(p.op, "all");
        assert!(p.sqlite.sql.is_some());
    }

    #[test]
    fn a_schema_defined_above_in_the_same_cell_previews_before_the_cell_runs() {
        let mut ws = Workspace::new();
        let src = "defmodule Shelf.Item do\n  use Ecto.Schema\n  schema \"items\" do\n    field :name, :string\n    field :qty, :integer\n  end\nend\nalias Shelf.Item\nmin = 2\nRepo.all(from i in Item, where: i.qty > ^min, select: i.name)";
        let p = ws.preview_sql(src, src.len() - 3).expect("preview");
        assert_eq!(p.sqlite.sql.as_deref(), Some("SELECT i0.\"name\" FROM \"items\" AS i0 WHERE (i0.\"qty\" > ?)"));
        assert_eq!(p.postgres.sql.as_deref(), Some("SELECT i0.\"name\" FROM \"items\" AS i0 WHERE (i0.\"qty\" > $1)"));
        assert_eq!(p.sqlite.params, vec!["2"]);
        // The preview defined nothing: the module exists once the cell runs.
        let r = ws.run_cell("Shelf.Item.__schema__(:source)");
        assert!(!r.diagnostics.is_empty(), "the module is not defined before its cell runs");
        // A module whose body would reach the database is not evaluated.
        let src =
            "defmodule Seeds do\n  Repo.insert_all(\"items\", [%{name: \"x\"}])\n  def ok, do: 1\nend\nfrom i in \"items\", select: i.name";
        assert!(ws.preview_sql(src, src.len() - 3).is_some());
        assert!(!ws.run_cell("Seeds.ok()").diagnostics.is_empty(), "Seeds was never defined");
        assert!(ws.run_cell("defmodule Seeds2 do\n  def ok, do: 1\nend\nSeeds2.ok()").diagnostics.is_empty());
    }

    #[test]
    fn update_all_and_errors() {
        let mut ws = ws();
        let p = ws.preview_sql("Post |> where([p], p.views < 1) |> Repo.delete_all()", 3).expect("preview");
        assert_eq!(p.op, "delete_all");
        assert_eq!(p.sqlite.sql.as_deref(), Some("DELETE FROM \"posts\" AS p0 WHERE (p0.\"views\" < 1)"));
        let p = ws.preview_sql("from p in Post, select: p.nope", 3).expect("preview");
        assert_eq!(p.sqlite.error_kind.as_deref(), Some("Ecto.QueryError"));
    }

    #[test]
    fn a_repo_call_piped_into_other_functions_previews_its_query() {
        let mut ws = ws();
        let src = "Repo.all(from p in Post, where: p.views > 1)\n|> Enum.map(& &1.title)";
        let p = ws.preview_sql(src, 20).expect("preview");
        assert_eq!(
            p.sqlite.sql.as_deref(),
            Some("SELECT p0.\"id\", p0.\"title\", p0.\"views\" FROM \"posts\" AS p0 WHERE (p0.\"views\" > 1)")
        );
    }

    #[test]
    fn no_preview_for_values_or_effects() {
        let mut ws = ws();
        assert!(ws.preview_sql("1 + 2", 1).is_none());
        assert!(ws.preview_sql("IO.puts(\"x\")", 1).is_none());
    }
}

#[cfg(test)]
mod er_preview_tests {
    use crate::playground::Workspace;

    #[test]
    fn a_schema_typed_but_not_run_is_in_the_model_and_forgotten_after() {
        let mut ws = Workspace::new();
        let typed = "defmodule Shop.Item do\n  use Ecto.Schema\n  schema \"items\" do\n    field :sku, :string\n  end\nend\nRepo.insert!(%Shop.Item{sku: \"a\"})";
        let model = ws.er_model_with(&[typed], &[typed]);
        let items = model.table("items").expect("the typed schema is drawn");
        assert_eq!(items.fields.iter().filter_map(|f| f.name.clone()).collect::<Vec<_>>(), ["id", "sku"]);
        assert_eq!(items.location.as_ref().map(|l| l.cell), Some(0));
        assert!(ws.er_model(&[]).tables.is_empty(), "nothing stays defined");
    }
}
