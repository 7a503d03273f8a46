//! Completion for the playground's editor: Ecto functions (Repo, the
//! imported `Ecto.Query` and `Ecto.Changeset` functions, `Ecto.Multi`),
//! schema fields and associations from the workspace's schema registry,
//! and the workspace's variables.
//!
//! It reads the text before the cursor rather than the syntax tree, since
//! the code being typed is usually incomplete: `p.` after `from p in Post`
//! (or `join: c in assoc(p, :comments)`, or `[p]` in a pipeline that starts
//! with `Post`) offers `Post`'s fields and associations; `post.` offers the
//! fields of the struct bound to `post`; `:` offers the fields and
//! associations of the schemas the current expression names.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use serde::Serialize;

use super::Workspace;
use crate::schema::{Schema, SchemaRegistry};
use crate::value::{alias_name, Value};

/// What a completion names (the editor picks an icon from it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CompletionKind {
    Function,
    Field,
    Assoc,
    Keyword,
    Variable,
    Module,
}

/// One suggestion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    /// A short description: `Ecto.Query.where/3`, `:string`, `has_many Blog.Comment`.
    pub detail: String,
}

/// Suggestions for the word that spans `from..to` (byte offsets; `to` is the cursor).
/// The editor filters them by the text typed so far.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Completions {
    pub from: usize,
    pub to: usize,
    pub items: Vec<Completion>,
}

const REPO: &[(&str, &str)] = &[
    ("all", "all(queryable, opts \\\\ [])"),
    ("one", "one(queryable, opts \\\\ [])"),
    ("one!", "one!(queryable, opts \\\\ [])"),
    ("get", "get(queryable, id, opts \\\\ [])"),
    ("get!", "get!(queryable, id, opts \\\\ [])"),
    ("get_by", "get_by(queryable, clauses, opts \\\\ [])"),
    ("get_by!", "get_by!(queryable, clauses, opts \\\\ [])"),
    ("insert", "insert(struct_or_changeset, opts \\\\ [])"),
    ("insert!", "insert!(struct_or_changeset, opts \\\\ [])"),
    ("update", "update(changeset, opts \\\\ [])"),
    ("update!", "update!(changeset, opts \\\\ [])"),
    ("delete", "delete(struct_or_changeset, opts \\\\ [])"),
    ("delete!", "delete!(struct_or_changeset, opts \\\\ [])"),
    ("insert_or_update", "insert_or_update(changeset, opts \\\\ [])"),
    ("insert_or_update!", "insert_or_update!(changeset, opts \\\\ [])"),
    ("insert_all", "insert_all(schema_or_source, entries, opts \\\\ [])"),
    ("update_all", "update_all(queryable, updates, opts \\\\ [])"),
    ("delete_all", "delete_all(queryable, opts \\\\ [])"),
    ("aggregate", "aggregate(queryable, aggregate, field \\\\ nil, opts \\\\ [])"),
    ("exists?", "exists?(queryable, opts \\\\ [])"),
    ("preload", "preload(structs_or_struct_or_nil, preloads, opts \\\\ [])"),
    ("reload", "reload(struct_or_structs, opts \\\\ [])"),
    ("reload!", "reload!(struct_or_structs, opts \\\\ [])"),
    ("transaction", "transaction(fun_or_multi, opts \\\\ [])"),
    ("rollback", "rollback(value)"),
    ("in_transaction?", "in_transaction?()"),
    ("query", "query(sql, params \\\\ [], opts \\\\ [])"),
    ("query!", "query!(sql, params \\\\ [], opts \\\\ [])"),
    ("stream", "stream(queryable, opts \\\\ [])"),
];

const QUERY: &[(&str, &str)] = &[
    ("from", "from(expr, kw \\\\ [])"),
    ("where", "where(query, binding \\\\ [], expr)"),
    ("or_where", "or_where(query, binding \\\\ [], expr)"),
    ("select", "select(query, binding \\\\ [], expr)"),
    ("select_merge", "select_merge(query, binding \\\\ [], expr)"),
    ("join", "join(query, qual, binding \\\\ [], expr, opts \\\\ [])"),
    ("order_by", "order_by(query, binding \\\\ [], expr)"),
    ("group_by", "group_by(query, binding \\\\ [], expr)"),
    ("having", "having(query, binding \\\\ [], expr)"),
    ("or_having", "or_having(query, binding \\\\ [], expr)"),
    ("limit", "limit(query, binding \\\\ [], expr)"),
    ("offset", "offset(query, binding \\\\ [], expr)"),
    ("distinct", "distinct(query, binding \\\\ [], expr)"),
    ("preload", "preload(query, bindings \\\\ [], expr)"),
    ("lock", "lock(query, binding \\\\ [], expr)"),
    ("windows", "windows(query, binding \\\\ [], expr)"),
    ("update", "update(query, binding \\\\ [], expr)"),
    ("exclude", "exclude(query, field)"),
    ("subquery", "subquery(query, opts \\\\ [])"),
    ("dynamic", "dynamic(binding \\\\ [], expr)"),
    ("first", "first(queryable, order_by \\\\ nil)"),
    ("last", "last(queryable, order_by \\\\ nil)"),
    ("union", "union(query, other)"),
    ("union_all", "union_all(query, other)"),
    ("except", "except(query, other)"),
    ("intersect", "intersect(query, other)"),
    ("with_cte", "with_cte(query, name, as: query)"),
    ("recursive_ctes", "recursive_ctes(query, boolean)"),
    ("reverse_order", "reverse_order(query)"),
    ("has_named_binding?", "has_named_binding?(query, name)"),
    // Query expressions (Ecto.Query.API).
    ("fragment", "fragment(sql, args) · Ecto.Query.API"),
    ("field", "field(binding, name) · Ecto.Query.API"),
    ("assoc", "assoc(binding, name) · Ecto.Query.API"),
    ("count", "count(expr) · Ecto.Query.API"),
    ("sum", "sum(expr) · Ecto.Query.API"),
    ("avg", "avg(expr) · Ecto.Query.API"),
    ("min", "min(expr) · Ecto.Query.API"),
    ("max", "max(expr) · Ecto.Query.API"),
    ("coalesce", "coalesce(expr, default) · Ecto.Query.API"),
    ("is_nil", "is_nil(expr) · Ecto.Query.API"),
    ("like", "like(string, pattern) · Ecto.Query.API"),
    ("ilike", "ilike(string, pattern) · Ecto.Query.API"),
    ("type", "type(expr, type) · Ecto.Query.API"),
    ("ago", "ago(count, interval) · Ecto.Query.API"),
    ("date_add", "date_add(date, count, interval) · Ecto.Query.API"),
    ("datetime_add", "datetime_add(datetime, count, interval) · Ecto.Query.API"),
    ("over", "over(window_function, window) · Ecto.Query.API"),
    ("row_number", "row_number() · window function"),
    ("rank", "rank() · window function"),
    ("as", "as(name) · Ecto.Query.API"),
    ("parent_as", "parent_as(name) · Ecto.Query.API"),
    ("selected_as", "selected_as(expr, name) · Ecto.Query.API"),
    ("exists", "exists(subquery) · Ecto.Query.API"),
    ("json_extract_path", "json_extract_path(json, path) · Ecto.Query.API"),
    ("literal", "literal(name) · Ecto.Query.API"),
    ("struct", "struct(binding, fields) · Ecto.Query.API"),
    ("map", "map(binding, fields) · Ecto.Query.API"),
];

const CHANGESET: &[(&str, &str)] = &[
    ("cast", "cast(data, params, permitted, opts \\\\ [])"),
    ("change", "change(data, changes \\\\ %{})"),
    ("validate_required", "validate_required(changeset, fields, opts \\\\ [])"),
    ("validate_length", "validate_length(changeset, field, opts)"),
    ("validate_format", "validate_format(changeset, field, format, opts \\\\ [])"),
    ("validate_number", "validate_number(changeset, field, opts)"),
    ("validate_inclusion", "validate_inclusion(changeset, field, data, opts \\\\ [])"),
    ("validate_exclusion", "validate_exclusion(changeset, field, data, opts \\\\ [])"),
    ("validate_subset", "validate_subset(changeset, field, data, opts \\\\ [])"),
    ("validate_change", "validate_change(changeset, field, metadata \\\\ [], validator)"),
    ("validate_acceptance", "validate_acceptance(changeset, field, opts \\\\ [])"),
    ("validate_confirmation", "validate_confirmation(changeset, field, opts \\\\ [])"),
    ("unsafe_validate_unique", "unsafe_validate_unique(changeset, fields, repo, opts \\\\ [])"),
    ("unique_constraint", "unique_constraint(changeset, field_or_fields, opts \\\\ [])"),
    ("foreign_key_constraint", "foreign_key_constraint(changeset, field, opts \\\\ [])"),
    ("assoc_constraint", "assoc_constraint(changeset, assoc, opts \\\\ [])"),
    ("no_assoc_constraint", "no_assoc_constraint(changeset, assoc, opts \\\\ [])"),
    ("check_constraint", "check_constraint(changeset, field, opts \\\\ [])"),
    ("exclusion_constraint", "exclusion_constraint(changeset, field, opts \\\\ [])"),
    ("put_change", "put_change(changeset, key, value)"),
    ("force_change", "force_change(changeset, key, value)"),
    ("delete_change", "delete_change(changeset, key)"),
    ("get_change", "get_change(changeset, key, default \\\\ nil)"),
    ("get_field", "get_field(changeset, key, default \\\\ nil)"),
    ("fetch_change", "fetch_change(changeset, key)"),
    ("fetch_field", "fetch_field(changeset, key)"),
    ("put_assoc", "put_assoc(changeset, name, value, opts \\\\ [])"),
    ("cast_assoc", "cast_assoc(changeset, name, opts \\\\ [])"),
    ("put_embed", "put_embed(changeset, name, value, opts \\\\ [])"),
    ("cast_embed", "cast_embed(changeset, name, opts \\\\ [])"),
    ("add_error", "add_error(changeset, key, message, keys \\\\ [])"),
    ("apply_changes", "apply_changes(changeset)"),
    ("apply_action", "apply_action(changeset, action)"),
    ("apply_action!", "apply_action!(changeset, action)"),
    ("traverse_errors", "traverse_errors(changeset, msg_func)"),
    ("optimistic_lock", "optimistic_lock(data_or_changeset, field, incrementer \\\\ ...)"),
    ("prepare_changes", "prepare_changes(changeset, function)"),
];

const MULTI: &[(&str, &str)] = &[
    ("new", "new()"),
    ("insert", "insert(multi, name, changeset_or_struct_or_fun, opts \\\\ [])"),
    ("update", "update(multi, name, changeset_or_fun, opts \\\\ [])"),
    ("delete", "delete(multi, name, changeset_or_struct_fun, opts \\\\ [])"),
    ("insert_or_update", "insert_or_update(multi, name, changeset_or_fun, opts \\\\ [])"),
    ("insert_all", "insert_all(multi, name, schema_or_source, entries_or_fun, opts \\\\ [])"),
    ("update_all", "update_all(multi, name, queryable_or_fun, updates, opts \\\\ [])"),
    ("delete_all", "delete_all(multi, name, queryable_or_fun, opts \\\\ [])"),
    ("run", "run(multi, name, fun)"),
    ("put", "put(multi, name, value)"),
    ("one", "one(multi, name, queryable_or_fun, opts \\\\ [])"),
    ("all", "all(multi, name, queryable_or_fun, opts \\\\ [])"),
    ("exists?", "exists?(multi, name, queryable_or_fun, opts \\\\ [])"),
    ("merge", "merge(multi, merge)"),
    ("append", "append(lhs, rhs)"),
    ("prepend", "prepend(lhs, rhs)"),
    ("to_list", "to_list(multi)"),
    ("inspect", "inspect(multi, opts \\\\ [])"),
];

const MIGRATOR: &[(&str, &str)] = &[
    ("up", "up(repo, version, module, opts \\\\ [])"),
    ("down", "down(repo, version, module, opts \\\\ [])"),
    ("run", "run(repo, migrations, direction, opts)"),
    ("migrations", "migrations(repo)"),
];

/// Options of the keyword form of `from`.
const FROM_KEYWORDS: &[&str] = &[
    "where:",
    "or_where:",
    "select:",
    "select_merge:",
    "join:",
    "inner_join:",
    "left_join:",
    "right_join:",
    "full_join:",
    "cross_join:",
    "inner_lateral_join:",
    "left_lateral_join:",
    "on:",
    "as:",
    "order_by:",
    "group_by:",
    "having:",
    "limit:",
    "offset:",
    "distinct:",
    "preload:",
    "lock:",
    "windows:",
    "update:",
    "prefix:",
    "hints:",
];

const ELIXIR_KEYWORDS: &[&str] = &[
    "defmodule",
    "def",
    "defp",
    "do",
    "end",
    "fn",
    "case",
    "cond",
    "if",
    "else",
    "unless",
    "with",
    "alias",
    "import",
    "true",
    "false",
    "nil",
    "when",
    "in",
];

const MODULES: &[(&str, &str)] = &[
    ("Repo", "the playground's Ecto.Repo (SQLite)"),
    ("Ecto.Query", "query macros (imported)"),
    ("Ecto.Changeset", "changeset functions (imported)"),
    ("Ecto.Multi", "transactions built as data"),
    ("Multi", "alias of Ecto.Multi"),
    ("Ecto.Migrator", "runs migrations"),
    ("Ecto.Schema", "use Ecto.Schema"),
    ("Ecto.Migration", "use Ecto.Migration"),
    ("Enum", "Elixir's Enum"),
    ("IO", "Elixir's IO"),
    ("Map", "Elixir's Map"),
];

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '?' || c == '!'
}

fn funs(module: &str, list: &[(&str, &str)], kind: CompletionKind) -> Vec<Completion> {
    list.iter().map(|(name, sig)| Completion { label: name.to_string(), kind, detail: format!("{module}.{sig}") }).collect()
}

/// Whether `offset` (on the cursor's line) is inside a string or a comment.
fn in_string_or_comment(line: &str) -> bool {
    let mut in_str = false;
    let mut escaped = false;
    for c in line.chars() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
        } else if c == '"' {
            in_str = true;
        } else if c == '#' {
            return true;
        }
    }
    in_str
}

/// The aliases `alias` lines in `src` set up: `alias A.B` (`B`),
/// `alias A.B, as: C` and `alias A.{B, C}`.
fn source_aliases(src: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in src.lines() {
        let Some(rest) = line.trim_start().strip_prefix("alias ") else { continue };
        let rest = rest.trim();
        if let Some((base, group)) = rest.split_once(".{") {
            for name in group.trim_end_matches('}').split(',') {
                let name = name.trim();
                if !name.is_empty() {
                    let short = name.rsplit('.').next().unwrap_or(name);
                    out.insert(short.to_string(), format!("{}.{name}", base.trim()));
                }
            }
        } else if let Some((module, as_)) = rest.split_once(", as:") {
            out.insert(as_.trim().to_string(), module.trim().to_string());
        } else {
            let module: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.').collect();
            if let Some(short) = module.rsplit('.').next().filter(|s| !s.is_empty()) {
                out.insert(short.to_string(), module.clone());
            }
        }
    }
    out
}

/// Module names written in `text` (`Blog.Post`, `Post`), in order, without repeats.
fn alias_tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev_ok = i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == '.' || chars[i - 1] == ':');
        if c.is_ascii_uppercase() && prev_ok {
            let start = i;
            while i < chars.len() && (is_ident(chars[i]) || (chars[i] == '.' && chars.get(i + 1).is_some_and(|c| c.is_ascii_uppercase()))) {
                i += 1;
            }
            let tok: String = chars[start..i].iter().collect();
            if !out.contains(&tok) {
                out.push(tok);
            }
        } else {
            i += 1;
        }
    }
    out
}

struct Context<'a> {
    ws: &'a mut Workspace,
    before: &'a str,
    aliases: HashMap<String, String>,
}

impl Context<'_> {
    /// The full module name an alias as written refers to.
    fn resolve(&self, written: &str) -> String {
        let (first, rest) = written.split_once('.').map_or((written, None), |(f, r)| (f, Some(r)));
        let full = self.aliases.get(first).cloned().or_else(|| self.ws.env.aliases.get(first).cloned());
        match (full, rest) {
            (Some(f), Some(r)) => format!("{f}.{r}"),
            (Some(f), None) => f,
            (None, _) => written.to_string(),
        }
    }

    fn schema(&mut self, module: &str) -> Option<Rc<Schema>> {
        self.ws.interp.ext::<SchemaRegistry>().get(module).cloned()
    }

    fn schema_written(&mut self, written: &str) -> Option<Rc<Schema>> {
        let full = self.resolve(written);
        self.schema(&full)
    }

    /// The schema a query binding or variable named `var` stands for.
    fn var_schema(&mut self, var: &str) -> Option<Rc<Schema>> {
        let before = self.before;
        // `var in Schema` / `var in assoc(other, :name)` (from and join).
        let needle = format!("{var} in ");
        let mut found = None;
        for (i, _) in before.match_indices(&needle) {
            let ok = i == 0 || !before[..i].chars().next_back().is_some_and(is_ident);
            if ok {
                found = Some(i + needle.len());
            }
        }
        if let Some(at) = found {
            let rest = before[at..].trim_start();
            if let Some(args) = rest.strip_prefix("assoc(") {
                let other: String = args.chars().take_while(|c| is_ident(*c)).collect();
                let name: String = args.split_once(':').map(|(_, n)| n.chars().take_while(|c| is_ident(*c)).collect()).unwrap_or_default();
                if other != var {
                    if let Some(s) = self.var_schema(&other) {
                        return self.assoc_schema(&s, &name);
                    }
                }
            } else {
                let written: String = rest.chars().take_while(|c| is_ident(*c) || *c == '.').collect();
                if written.starts_with(|c: char| c.is_ascii_uppercase()) {
                    if let Some(s) = self.schema_written(&written) {
                        return Some(s);
                    }
                }
            }
        }
        // A variable of the workspace holding a struct.
        if let Some(Value::Struct(s)) = self.ws.env.get(var).cloned() {
            if let Some(schema) = self.schema(alias_name(&s.module)) {
                return Some(schema);
            }
        }
        // `var = ...Schema...` earlier in the cell: the first schema named there.
        let assign = format!("{var} = ");
        if let Some(i) = before.rfind(&assign).filter(|&i| i == 0 || !before[..i].chars().next_back().is_some_and(is_ident)) {
            let line = before[i + assign.len()..].lines().next().unwrap_or("");
            for tok in alias_tokens(line) {
                if let Some(s) = self.schema_written(&tok) {
                    return Some(s);
                }
            }
        }
        // `[var]` in a pipeline whose head is a schema: `Post |> where([p], p.`
        let list = format!("[{var}");
        if let Some(i) = before.rfind(&list) {
            let head = pipeline_head(&before[..i]);
            if let Some(tok) = alias_tokens(head).into_iter().next() {
                return self.schema_written(&tok);
            }
        }
        None
    }

    fn assoc_schema(&mut self, owner: &Schema, name: &str) -> Option<Rc<Schema>> {
        let related = owner.assoc(name)?.related.clone()?;
        self.schema(&related)
    }

    /// The members of the value or binding written as `target` (`p`, `post.author`).
    fn members(&mut self, target: &str) -> Option<Vec<Completion>> {
        let mut parts = target.split('.');
        let first = parts.next()?;
        let mut schema = self.var_schema(first);
        let mut value = self.ws.env.get(first).cloned();
        for part in parts {
            value = value.and_then(|v| v.as_struct().and_then(|s| s.get(part).cloned()));
            schema = match schema {
                Some(s) => match self.assoc_schema(&s, part) {
                    Some(r) => Some(r),
                    None => s.embed(part).map(|e| e.related.clone()).and_then(|m| self.schema(&m)),
                },
                None => None,
            };
        }
        if let Some(s) = schema {
            return Some(schema_members(&s));
        }
        match value? {
            Value::Struct(s) => Some(
                s.fields
                    .iter()
                    .filter(|(k, _)| !k.starts_with("__"))
                    .map(|(k, _)| Completion { label: k.to_string(), kind: CompletionKind::Field, detail: s.name().to_string() })
                    .collect(),
            ),
            Value::Map(m) => Some(
                m.keys()
                    .filter_map(|k| k.as_atom())
                    .map(|k| Completion { label: k.to_string(), kind: CompletionKind::Field, detail: "map key".to_string() })
                    .collect(),
            ),
            _ => None,
        }
    }

    /// Functions of a module written as `target` (`Repo`, `Ecto.Query`, `Blog.Post`).
    fn module_functions(&mut self, target: &str) -> Vec<Completion> {
        let full = self.resolve(target);
        let kind = CompletionKind::Function;
        match full.as_str() {
            "Ecto.Query" => funs("Ecto.Query", QUERY, kind),
            "Ecto.Changeset" => funs("Ecto.Changeset", CHANGESET, kind),
            "Ecto.Multi" | "Multi" => funs("Ecto.Multi", MULTI, kind),
            "Ecto.Migrator" => funs("Ecto.Migrator", MIGRATOR, kind),
            m if m == "Repo" || m.ends_with(".Repo") => funs("Repo", REPO, kind),
            m => {
                let mut out = self.user_functions(m);
                if let Some(s) = self.schema(m) {
                    out.push(Completion { label: "__schema__".into(), kind, detail: format!("{}.__schema__/1,2", s.module) });
                    out.push(Completion { label: "__struct__".into(), kind, detail: format!("{}.__struct__/0,1", s.module) });
                }
                out
            }
        }
    }

    /// The public functions a `defmodule` of the workspace defined, by name.
    fn user_functions(&self, module: &str) -> Vec<Completion> {
        let Some(m) = self.ws.interp.modules.get(format!("Elixir.{module}").as_str()) else { return Vec::new() };
        let mut funs: Vec<(&str, usize)> = m
            .functions
            .iter()
            .filter(|(_, clauses)| clauses.iter().all(|c| !c.private))
            .map(|((name, arity), _)| (name.as_str(), *arity))
            .collect();
        crate::sort::sort(&mut funs);
        let mut out: Vec<Completion> = Vec::new();
        for (name, arity) in funs {
            match out.iter_mut().find(|c| c.label == name) {
                Some(c) => c.detail.push_str(&format!(",{arity}")),
                None => out.push(Completion {
                    label: name.to_string(),
                    kind: CompletionKind::Function,
                    detail: format!("{module}.{name}/{arity}"),
                }),
            }
        }
        out
    }
}

/// The first line of the pipeline `text` ends in: walks up while lines
/// start with `|>` (or the line above ends with `|>`).
fn pipeline_head(text: &str) -> &str {
    let lines: Vec<&str> = text.lines().collect();
    let Some(mut i) = lines.len().checked_sub(1) else { return "" };
    while i > 0 {
        let cur = lines[i].trim_start();
        let above = lines[i - 1].trim_end();
        if cur.starts_with("|>") || above.ends_with("|>") {
            i -= 1;
        } else {
            break;
        }
    }
    lines[i]
}

fn schema_members(s: &Schema) -> Vec<Completion> {
    let mut out: Vec<Completion> = s
        .fields
        .iter()
        .map(|f| Completion {
            label: f.name.clone(),
            kind: CompletionKind::Field,
            detail: if f.virtual_ { format!("{} (virtual)", f.ty.format()) } else { f.ty.format() },
        })
        .collect();
    for a in &s.assocs {
        let kind = match (&a.kind, a.cardinality) {
            (crate::schema::AssocKind::BelongsTo, _) => "belongs_to",
            (crate::schema::AssocKind::ManyToMany { .. }, _) => "many_to_many",
            (_, crate::schema::Cardinality::One) => "has_one",
            (_, crate::schema::Cardinality::Many) => "has_many",
        };
        let related = a.related.as_deref().unwrap_or("(through)");
        out.push(Completion { label: a.field.clone(), kind: CompletionKind::Assoc, detail: format!("{kind} {related}") });
    }
    out
}

fn dedup(items: Vec<Completion>) -> Vec<Completion> {
    let mut seen = HashSet::new();
    items.into_iter().filter(|c| seen.insert(c.label.clone())).collect()
}

impl Workspace {
    /// Completions at byte `cursor` of a cell's source, or `None` where
    /// there is nothing to offer (inside strings and comments, after
    /// whitespace). Nothing is evaluated.
    pub fn complete(&mut self, src: &str, cursor: usize) -> Option<Completions> {
        let cursor = cursor.min(src.len());
        let before = src.get(..cursor)?;
        let line = before.rsplit('\n').next().unwrap_or(before);
        if in_string_or_comment(line) {
            return None;
        }
        let word_start = before.char_indices().rev().take_while(|(_, c)| is_ident(*c)).last().map_or(cursor, |(i, _)| i);
        let prefix = &before[word_start..];
        let prev = before[..word_start].chars().next_back();
        let aliases = source_aliases(src);
        let mut cx = Context { ws: self, before, aliases };
        let items = match prev {
            Some('.') => {
                let head = &before[..word_start - 1];
                let target_start =
                    head.char_indices().rev().take_while(|(_, c)| is_ident(*c) || *c == '.').last().map_or(head.len(), |(i, _)| i);
                let target = &head[target_start..];
                if target.is_empty() || target.ends_with('.') {
                    return None;
                }
                if target.starts_with(|c: char| c.is_ascii_uppercase()) {
                    cx.module_functions(target)
                } else if target.starts_with(|c: char| c.is_lowercase() || c == '_') {
                    cx.members(target)?
                } else {
                    return None;
                }
            }
            Some(':') if !before[..word_start - 1].ends_with(':') => {
                // Atoms: fields and associations of the schemas in this expression.
                let start = before.rfind("\n\n").map_or(0, |i| i + 2);
                let end = src[cursor..].find("\n\n").map_or(src.len(), |i| cursor + i);
                let mut out = Vec::new();
                let mut mentioned = alias_tokens(&src[start..end]);
                // The module being defined, when the cursor is inside its body.
                if let Some(i) = before.rfind("defmodule ") {
                    let name: String = before[i + 10..].chars().take_while(|c| is_ident(*c) || *c == '.').collect();
                    mentioned.insert(0, name);
                }
                for tok in mentioned {
                    if let Some(s) = cx.schema_written(&tok) {
                        out.extend(schema_members(&s));
                    }
                }
                out
            }
            _ if prefix.is_empty() => return None,
            _ if prefix.starts_with(|c: char| c.is_ascii_uppercase()) => {
                let mut out: Vec<Completion> = MODULES
                    .iter()
                    .map(|(m, d)| Completion { label: m.to_string(), kind: CompletionKind::Module, detail: d.to_string() })
                    .collect();
                let mut shorts: Vec<(String, String)> = cx.aliases.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                shorts.extend(cx.ws.env.aliases.iter().map(|(k, v)| (k.clone(), v.clone())));
                crate::sort::sort(&mut shorts);
                for (short, full) in shorts {
                    out.push(Completion { label: short, kind: CompletionKind::Module, detail: full });
                }
                let mut schemas: Vec<String> = cx.ws.interp.ext::<SchemaRegistry>().schemas.keys().cloned().collect();
                crate::sort::sort(&mut schemas);
                for s in schemas {
                    out.push(Completion { label: s.clone(), kind: CompletionKind::Module, detail: "schema".to_string() });
                }
                out
            }
            _ => {
                let mut out = Vec::new();
                let mut vars: Vec<String> = cx.ws.env.vars.keys().map(|k| k.to_string()).collect();
                for l in before.lines() {
                    if let Some((lhs, _)) = l.split_once(" = ") {
                        let lhs = lhs.trim();
                        if !lhs.is_empty() && lhs.chars().all(is_ident) && lhs.starts_with(|c: char| c.is_lowercase() || c == '_') {
                            vars.push(lhs.to_string());
                        }
                    }
                }
                crate::sort::sort(&mut vars);
                for v in vars {
                    out.push(Completion { label: v, kind: CompletionKind::Variable, detail: "variable".to_string() });
                }
                let stmt_start = before.rfind("\n\n").map_or(0, |i| i + 2);
                if before[stmt_start..].contains("from ") || before[stmt_start..].contains("from(") {
                    out.extend(FROM_KEYWORDS.iter().map(|k| Completion {
                        label: k.to_string(),
                        kind: CompletionKind::Keyword,
                        detail: "from/2 option".into(),
                    }));
                }
                out.extend(funs("Ecto.Query", QUERY, CompletionKind::Function));
                out.extend(funs("Ecto.Changeset", CHANGESET, CompletionKind::Function));
                out.extend(ELIXIR_KEYWORDS.iter().map(|k| Completion {
                    label: k.to_string(),
                    kind: CompletionKind::Keyword,
                    detail: "Elixir".into(),
                }));
                out
            }
        };
        let items = dedup(items);
        if items.is_empty() {
            return None;
        }
        Some(Completions { from: word_start, to: cursor, items })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws() -> Workspace {
        let mut ws = Workspace::new();
        let r = ws.run_cell(
            "defmodule Blog.Author do\n  use Ecto.Schema\n  schema \"authors\" do\n    field :name, :string\n    has_many :posts, Blog.Post\n  end\nend\n\
             defmodule Blog.Post do\n  use Ecto.Schema\n  schema \"posts\" do\n    field :title, :string\n    field :views, :integer\n    belongs_to :author, Blog.Author\n  end\nend\n\
             alias Blog.{Author, Post}\npost = %Post{title: \"x\"}",
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        ws
    }

    fn labels(c: &Option<Completions>) -> Vec<String> {
        c.as_ref().map(|c| c.items.iter().map(|i| i.label.clone()).collect()).unwrap_or_default()
    }

    fn at_end(ws: &mut Workspace, src: &str) -> Option<Completions> {
        ws.complete(src, src.len())
    }

    #[test]
    fn query_bindings_offer_schema_fields_and_associations() {
        let mut ws = ws();
        let c = at_end(&mut ws, "from p in Post, where: p.ti");
        let l = labels(&c);
        assert!(
            l.contains(&"title".to_string())
                && l.contains(&"views".to_string())
                && l.contains(&"author".to_string())
                && l.contains(&"author_id".to_string()),
            "{l:?}"
        );
        let c = c.expect("completions");
        assert_eq!((c.from, c.to), (25, 27));
        let author = c.items.iter().find(|i| i.label == "author").expect("assoc");
        assert_eq!((author.kind, author.detail.as_str()), (CompletionKind::Assoc, "belongs_to Blog.Author"));
        let views = c.items.iter().find(|i| i.label == "views").expect("field");
        assert_eq!(views.detail, ":integer");
    }

    #[test]
    fn joins_through_assoc_and_pipeline_bindings() {
        let mut ws = ws();
        let l = labels(&at_end(&mut ws, "from a in Author, join: p in assoc(a, :posts), select: p."));
        assert!(l.contains(&"title".to_string()), "{l:?}");
        let l = labels(&at_end(&mut ws, "Blog.Author\n|> where([a], a."));
        assert!(l.contains(&"name".to_string()) && l.contains(&"posts".to_string()), "{l:?}");
    }

    #[test]
    fn structs_in_the_workspace_and_in_the_cell() {
        let mut ws = ws();
        let l = labels(&at_end(&mut ws, "post."));
        assert!(l.contains(&"title".to_string()) && l.contains(&"author".to_string()), "{l:?}");
        let l = labels(&at_end(&mut ws, "a = Repo.get!(Author, 1)\na."));
        assert!(l.contains(&"name".to_string()), "{l:?}");
        let l = labels(&at_end(&mut ws, "post.author."));
        assert!(l.contains(&"posts".to_string()), "{l:?}");
    }

    #[test]
    fn module_functions_and_imports() {
        let mut ws = ws();
        let l = labels(&at_end(&mut ws, "Repo.al"));
        assert!(l.contains(&"all".to_string()) && l.contains(&"preload".to_string()) && !l.contains(&"cast".to_string()), "{l:?}");
        let l = labels(&at_end(&mut ws, "Ecto.Changeset.va"));
        assert!(l.contains(&"validate_required".to_string()), "{l:?}");
        let l = labels(&at_end(&mut ws, "q = from p in Post, wh"));
        assert!(
            l.contains(&"where:".to_string())
                && l.contains(&"where".to_string())
                && l.contains(&"post".to_string())
                && l.contains(&"q".to_string()),
            "{l:?}"
        );
        let r =
            ws.run_cell("defmodule Blog.Post.Query do\n  def recent(q), do: q\n  def recent(q, n), do: {q, n}\n  defp hidden, do: 1\nend");
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let c = at_end(&mut ws, "Blog.Post.Query.re").expect("user functions");
        assert_eq!(
            c.items.iter().map(|i| (i.label.as_str(), i.detail.as_str())).collect::<Vec<_>>(),
            vec![("recent", "Blog.Post.Query.recent/1,2")]
        );
        let l = labels(&at_end(&mut ws, "Po"));
        assert!(l.contains(&"Post".to_string()) && l.contains(&"Blog.Post".to_string()) && l.contains(&"Repo".to_string()), "{l:?}");
    }

    #[test]
    fn atoms_offer_the_expression_s_schema_members() {
        let mut ws = ws();
        let l = labels(&at_end(&mut ws, "Repo.all(Post) |> Repo.preload(:au"));
        assert!(l.contains(&"author".to_string()), "{l:?}");
        let l = labels(&at_end(&mut ws, "%Post{} |> cast(%{}, [:ti"));
        assert!(l.contains(&"title".to_string()), "{l:?}");
    }

    #[test]
    fn nothing_in_strings_comments_or_unknown_places() {
        let mut ws = ws();
        assert!(at_end(&mut ws, "\"Repo.al").is_none());
        assert!(at_end(&mut ws, "# Repo.al").is_none());
        assert!(at_end(&mut ws, "x = 1 ").is_none());
        assert!(at_end(&mut ws, "nope.").is_none());
        assert!(ws.complete("é", 1).is_none());
    }
}
