//! The functions and macros of `Ecto.Migration` (`create table(...) do ... end`,
//! `add/3`, `index/3`, `references/2`, `execute/2`, ...), registered as
//! built-ins. They build the same command terms as Ecto and queue them in the
//! runner state ([`super::runner`]).

use crate::diag::Span;
use crate::eval::{Builtins, EResult, Env, Error, Interp};
use crate::syntax::ast::Node;
use crate::value::{inspect::inspect, Value};

use super::runner::{self, state};
use super::structs::{put, struct_bang};
use super::{as_struct, field, is_atom, is_keyword, kw, kw_pop, kw_put, kw_put_new, to_s, COMMAND, CONSTRAINT, INDEX, REFERENCE, TABLE};

const M: &str = "Ecto.Migration";

pub fn register(b: &mut Builtins) {
    b.add_macro(M, "__using__", &[1], using);
    b.add_macro(M, "create", &[2], create_block);
    b.add_macro(M, "create_if_not_exists", &[2], create_if_not_exists_block);
    b.add_macro(M, "alter", &[2], alter_block);
    b.add(M, "create", &[1], create);
    b.add(M, "create_if_not_exists", &[1], create_if_not_exists);
    b.add(M, "drop", &[1, 2], drop);
    b.add(M, "drop_if_exists", &[1, 2], drop_if_exists);
    b.add(M, "table", &[1, 2], table);
    b.add(M, "index", &[2, 3], index);
    b.add(M, "unique_index", &[2, 3], unique_index);
    b.add(M, "constraint", &[2, 3], constraint);
    b.add(M, "references", &[1, 2], references);
    b.add(M, "execute", &[1, 2], execute);
    b.add(M, "execute_file", &[1, 2], execute_file);
    b.add(M, "direction", &[0], direction);
    b.add(M, "repo", &[0], repo);
    b.add(M, "prefix", &[0], prefix);
    b.add(M, "add", &[2, 3], add);
    b.add(M, "add_if_not_exists", &[2, 3], add_if_not_exists);
    b.add(M, "modify", &[2, 3], modify);
    b.add(M, "remove", &[1, 2, 3], remove);
    b.add(M, "remove_if_exists", &[1, 2], remove_if_exists);
    b.add(M, "rename", &[2, 3], rename);
    b.add(M, "fragment", &[1], fragment);
    b.add(M, "timestamps", &[0, 1], timestamps);
    b.add(M, "flush", &[0], flush);
    super::migrator::builtins::register(b);
}

fn clause(fun: &str, args: &[Value], span: Span) -> Box<Error> {
    Error::raise(
        "FunctionClauseError",
        format!(
            "no function clause matching in Ecto.Migration.{fun}/{} with arguments: {}",
            args.len(),
            args.iter().map(inspect).collect::<Vec<_>>().join(", ")
        ),
        span,
    )
}

fn arg_error(msg: impl Into<String>, span: Span) -> Box<Error> {
    Error::raise("ArgumentError", msg, span)
}

fn empty() -> Value {
    Value::list(vec![])
}

/// An optional trailing argument (`opts \\ []`).
fn opt(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or_else(empty)
}

fn ok() -> Value {
    Value::atom("ok")
}

/// `use Ecto.Migration`
fn using(interp: &mut Interp, _args: &[Node], env: &mut Env, _span: Span) -> EResult<Value> {
    super::install(interp);
    if let Some(m) = env.module.clone() {
        if let Some(module) = interp.modules.get_mut(&*m) {
            for attr in ["disable_ddl_transaction", "disable_migration_lock"] {
                module.attributes.entry(attr.to_string()).or_insert(Value::Bool(false));
            }
        }
    }
    env.add_import(M);
    Ok(Value::Nil)
}

/// The value of a repo configuration key for the running migration.
fn repo_config(interp: &mut Interp, key: &str, default: Value, span: Span) -> EResult<Value> {
    let st = state(interp, span)?;
    Ok(kw(&st.config, key).cloned().unwrap_or(default))
}

/// `Ecto.Migration.__prefix__/1`
fn with_prefix(interp: &mut Interp, object: &Value, span: Span) -> EResult<Value> {
    let Some(s) = object.as_struct().filter(|s| s.has("prefix")) else {
        if let Value::Map(m) = object {
            if m.contains_key(&Value::atom("prefix")) {
                return Ok(object.clone());
            }
        }
        return Err(Error::raise(
            "FunctionClauseError",
            format!("no function clause matching in Ecto.Migration.__prefix__/1 with arguments: {}", inspect(object)),
            span,
        ));
    };
    let runner_prefix = state(interp, span)?.prefix.clone();
    let prefix = field(s, "prefix");
    if matches!(prefix, Value::Nil) {
        let value = match runner_prefix {
            Some(p) => Value::string(p),
            None => repo_config(interp, "migration_default_prefix", Value::Nil, span)?,
        };
        return Ok(put(object, "prefix", value));
    }
    match runner_prefix {
        None => Ok(object.clone()),
        Some(rp) if rp == to_s(prefix)? => Ok(object.clone()),
        Some(rp) => Err(Error::raise(
            "Ecto.MigrationError",
            format!("the :prefix option `{}` does not match the migrator prefix `{rp}`", to_s(prefix)?),
            span,
        )),
    }
}

/// `Ecto.Migration.__primary_key__/1`: `{name, type, opts}` or `None`.
fn primary_key(interp: &mut Interp, table: &Value, span: Span) -> EResult<Option<(Value, Value, Value)>> {
    let pk = as_struct(table, TABLE).map(|t| field(t, "primary_key").clone()).unwrap_or(Value::Nil);
    match pk {
        Value::Bool(false) => Ok(None),
        Value::Bool(true) => match repo_config(interp, "migration_primary_key", empty(), span)? {
            Value::Bool(false) => Ok(None),
            opts @ Value::List(_) => Ok(Some(pk_opts_to_tuple(&opts))),
            other => Err(Error::raise("CaseClauseError", format!("no case clause matching: {}", inspect(&other)), span)),
        },
        opts @ Value::List(_) => Ok(Some(pk_opts_to_tuple(&opts))),
        _ => Err(arg_error(":primary_key option must be either a boolean or a keyword list of options", span)),
    }
}

fn pk_opts_to_tuple(opts: &Value) -> (Value, Value, Value) {
    let opts = kw_put(opts, "primary_key", Value::Bool(true));
    let (name, opts) = kw_pop(&opts, "name", Value::atom("id"));
    let (ty, opts) = kw_pop(&opts, "type", Value::atom("bigserial"));
    (name, ty, opts)
}

fn create_block(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    expand_create(interp, args, env, span, "create")
}

fn create_if_not_exists_block(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    expand_create(interp, args, env, span, "create_if_not_exists")
}

fn do_block<'a>(args: &'a [Node], fun: &str, span: Span) -> EResult<Option<&'a Node>> {
    match args.get(1).and_then(|n| n.as_keyword()) {
        Some(pairs) => match pairs.as_slice() {
            [("do", block)] => Ok(Some(block)),
            _ => Err(Error::raise("CompileError", format!("Ecto.Migration.{fun}/2 expects a do block"), span)),
        },
        None => Err(Error::raise("UndefinedFunctionError", format!("function Ecto.Migration.{fun}/2 is undefined or private"), span)),
    }
}

fn match_table(object: &Value, span: Span) -> EResult<()> {
    if as_struct(object, TABLE).is_none() {
        return Err(Error::raise("MatchError", format!("no match of right hand side value: {}", inspect(object)), span));
    }
    Ok(())
}

fn expand_create(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span, op: &str) -> EResult<Value> {
    let block = do_block(args, op, span)?;
    let table = interp.eval(&args[0], env)?;
    match_table(&table, span)?;
    let prefixed = with_prefix(interp, &table, span)?;
    runner::start_command(interp, Value::atom(op), prefixed, span)?;
    if let Some((name, ty, opts)) = primary_key(interp, &table, span)? {
        add(interp, vec![name, ty, opts], span)?;
    }
    if let Some(block) = block {
        interp.eval(block, env)?;
    }
    runner::end_command(interp, span)?;
    Ok(table)
}

fn alter_block(interp: &mut Interp, args: &[Node], env: &mut Env, span: Span) -> EResult<Value> {
    let block = do_block(args, "alter", span)?;
    let table = interp.eval(&args[0], env)?;
    match_table(&table, span)?;
    let prefixed = with_prefix(interp, &table, span)?;
    runner::start_command(interp, Value::atom("alter"), prefixed, span)?;
    if let Some(block) = block {
        interp.eval(block, env)?;
    }
    runner::end_command(interp, span)?;
    Ok(ok())
}

fn create(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let object = &args[0];
    if as_struct(object, INDEX).is_some() || as_struct(object, CONSTRAINT).is_some() {
        let prefixed = with_prefix(interp, object, span)?;
        runner::execute(interp, Value::tuple(vec![Value::atom("create"), prefixed]), span)?;
        return Ok(object.clone());
    }
    if as_struct(object, TABLE).is_some() {
        do_create(interp, object, "create", span)?;
        return Ok(object.clone());
    }
    Err(clause("create", &args, span))
}

fn create_if_not_exists(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let object = &args[0];
    if as_struct(object, INDEX).is_some() {
        let prefixed = with_prefix(interp, object, span)?;
        runner::execute(interp, Value::tuple(vec![Value::atom("create_if_not_exists"), prefixed]), span)?;
        return Ok(ok());
    }
    if as_struct(object, TABLE).is_some() {
        do_create(interp, object, "create_if_not_exists", span)?;
        return Ok(ok());
    }
    Err(clause("create_if_not_exists", &args, span))
}

fn do_create(interp: &mut Interp, table: &Value, op: &str, span: Span) -> EResult<()> {
    let columns = match primary_key(interp, table, span)? {
        Some((name, ty, opts)) => vec![Value::tuple(vec![Value::atom("add"), name, ty, opts])],
        None => vec![],
    };
    let prefixed = with_prefix(interp, table, span)?;
    runner::execute(interp, Value::tuple(vec![Value::atom(op), prefixed, Value::list(columns)]), span)
}

fn drop_cmd(interp: &mut Interp, args: Vec<Value>, span: Span, op: &str) -> EResult<Value> {
    let object = &args[0];
    let opts = opt(&args, 1);
    if !matches!(object, Value::Map(_) | Value::Struct(_)) || !matches!(opts, Value::List(_)) {
        return Err(clause(op, &args, span));
    }
    let mode = kw(&opts, "mode").cloned().unwrap_or(Value::atom("restrict"));
    let prefixed = with_prefix(interp, object, span)?;
    runner::execute(interp, Value::tuple(vec![Value::atom(op), prefixed, mode]), span)?;
    Ok(object.clone())
}

fn drop(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    drop_cmd(interp, args, span, "drop")
}

fn drop_if_exists(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    drop_cmd(interp, args, span, "drop_if_exists")
}

/// `table`, `index` and `constraint` take atom or string table names.
fn name_string(v: &Value) -> Option<Value> {
    match v {
        Value::Str(_) => Some(v.clone()),
        v if is_atom(v) => Some(Value::string(to_s(v).unwrap_or_default())),
        _ => None,
    }
}

fn table(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let opts = opt(&args, 1);
    match name_string(&args[0]) {
        Some(name) if matches!(opts, Value::List(_)) => struct_bang(TABLE, &[("name", name)], &opts, span),
        _ => Err(clause("table", &args, span)),
    }
}

fn index(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    build_index(&args, opt(&args, 2), span, "index")
}

fn unique_index(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let opts = opt(&args, 2);
    let Some(items) = opts.as_list() else {
        return Err(clause("unique_index", &args, span));
    };
    let mut all = vec![Value::tuple(vec![Value::atom("unique"), Value::Bool(true)])];
    all.extend(items.iter().cloned());
    build_index(&args, Value::list(all), span, "unique_index")
}

/// `index(table, columns, opts)` (or `unique_index`) as a value, with its
/// default name: what `create index(...)` hands to the DDL printers.
pub fn index_struct(table: &str, columns: &[&str], unique: bool, where_: Option<&str>) -> EResult<Value> {
    let mut opts = vec![];
    if unique {
        opts.push(Value::tuple(vec![Value::atom("unique"), Value::Bool(true)]));
    }
    if let Some(w) = where_ {
        opts.push(Value::tuple(vec![Value::atom("where"), Value::string(w.to_string())]));
    }
    let args = [Value::string(table.to_string()), Value::list(columns.iter().map(|c| Value::atom(c)).collect())];
    build_index(&args, Value::list(opts), Span::NONE, if unique { "unique_index" } else { "index" })
}

fn build_index(args: &[Value], opts: Value, span: Span, fun: &str) -> EResult<Value> {
    let Some(table) = name_string(&args[0]) else {
        return Err(clause(fun, args, span));
    };
    let columns = match &args[1] {
        c if is_atom(c) => Value::list(vec![c.clone()]),
        c @ Value::List(_) => c.clone(),
        _ => return Err(clause(fun, args, span)),
    };
    if !matches!(opts, Value::List(_)) {
        return Err(clause(fun, args, span));
    }
    // validate_index_opts!
    if kw(&opts, "nulls_distinct").is_some_and(|v| !matches!(v, Value::Nil)) && kw(&opts, "unique") != Some(&Value::Bool(true)) {
        return Err(arg_error("the `nulls_distinct` option can only be used with unique indexes", span));
    }
    let wheres = opts.as_keyword().map(|kw| kw.iter().filter(|(k, _)| *k == "where").count()).unwrap_or(0);
    if wheres > 1 {
        return Err(arg_error(
            "only one `where` keyword is supported when declaring a partial index. To specify multiple conditions, write a single WHERE clause using AND between them",
            span,
        ));
    }
    let index = struct_bang(INDEX, &[("table", table), ("columns", columns)], &opts, span)?;
    let s = index.as_struct().cloned().ok_or_else(|| clause(fun, args, span))?;
    if field(&s, "name").is_truthy() {
        return Ok(index);
    }
    let name = default_index_name(&s)?;
    Ok(put(&index, "name", Value::atom(&name)))
}

fn default_index_name(index: &crate::value::Struct) -> EResult<String> {
    let mut parts = vec![field(index, "table").clone()];
    flatten(field(index, "columns"), &mut parts);
    parts.push(Value::str("index"));
    let names = parts.iter().map(column_name).collect::<EResult<Vec<_>>>()?;
    Ok(names.join("_"))
}

fn flatten(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::List(items) => items.iter().for_each(|i| flatten(i, out)),
        other => out.push(other.clone()),
    }
}

fn column_name(c: &Value) -> EResult<String> {
    if let Some([_dir, column]) = c.as_tuple() {
        return column_name(column);
    }
    let s = to_s(c)?;
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            out.push(ch);
        } else {
            // PCRE without the unicode flag works on bytes.
            for _ in 0..ch.len_utf8() {
                out.push('_');
            }
        }
    }
    Ok(out.trim_end_matches('_').to_string())
}

fn constraint(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let opts = opt(&args, 2);
    match name_string(&args[0]) {
        Some(table) if matches!(opts, Value::List(_)) => {
            struct_bang(CONSTRAINT, &[("table", table), ("name", args[1].clone())], &opts, span)
        }
        _ => Err(clause("constraint", &args, span)),
    }
}

fn references(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let opts = opt(&args, 1);
    let Some(table) = name_string(&args[0]).filter(|_| matches!(opts, Value::List(_))) else {
        return Err(clause("references", &args, span));
    };
    if !is_keyword(&opts) {
        return Err(arg_error(format!("expected a keyword list as the second argument, got: {}", inspect(&opts)), span));
    }
    let reference_options: Vec<Value> = opts
        .as_list()
        .unwrap_or(&[])
        .iter()
        .filter(|p| matches!(p.as_tuple(), Some([k, _]) if k.as_atom() == Some("prefix")))
        .cloned()
        .collect();
    // foreign_key_repo_opts(): the repo's primary key type and foreign key options.
    let mut base = Vec::new();
    if let pk @ Value::List(_) = repo_config(interp, "migration_primary_key", empty(), span)? {
        if let Some(ty) = kw(&pk, "type") {
            base.push(Value::tuple(vec![Value::atom("type"), ty.clone()]));
        }
    }
    if let Value::List(fk) = repo_config(interp, "migration_foreign_key", empty(), span)? {
        base = keyword_merge(&base, &fk);
    }
    let merged = keyword_merge(&base, opts.as_list().unwrap_or(&[]));
    let opts = kw_put(&Value::list(merged), "options", Value::list(reference_options));
    let reference = struct_bang(REFERENCE, &[("table", table)], &opts, span)?;
    let r = reference.as_struct().cloned().ok_or_else(|| clause("references", &args, span))?;
    check_on_delete(field(&r, "on_delete"), span)?;
    check_on_update(field(&r, "on_update"), span)?;
    Ok(reference)
}

/// `Keyword.merge/2`: entries of `a` whose key is not in `b`, then `b`.
fn keyword_merge(a: &[Value], b: &[Value]) -> Vec<Value> {
    let key = |v: &Value| v.as_tuple().and_then(|t| t.first().cloned());
    let bkeys: Vec<Value> = b.iter().filter_map(key).collect();
    let mut out: Vec<Value> = a.iter().filter(|p| key(p).is_none_or(|k| !bkeys.contains(&k))).cloned().collect();
    out.extend(b.iter().cloned());
    out
}

fn check_on_delete(v: &Value, span: Span) -> EResult<()> {
    if matches!(v.as_atom(), Some("nothing" | "delete_all" | "nilify_all" | "default_all" | "restrict")) {
        return Ok(());
    }
    if let Some([option, columns]) = v.as_tuple() {
        if matches!(option.as_atom(), Some("nilify" | "default")) {
            if let Value::List(cols) = columns {
                if cols.iter().all(is_atom) {
                    return Ok(());
                }
                return Err(arg_error(
                    format!("expected `columns` in `{{{}, columns}}` to be a list of atoms, got: {}", inspect(option), inspect(columns)),
                    span,
                ));
            }
        }
    }
    Err(arg_error(format!("unknown :on_delete value: {}", inspect(v)), span))
}

fn check_on_update(v: &Value, span: Span) -> EResult<()> {
    if matches!(v.as_atom(), Some("nothing" | "update_all" | "nilify_all" | "restrict")) {
        return Ok(());
    }
    Err(arg_error(format!("unknown :on_update value: {}", inspect(v)), span))
}

fn executable(v: &Value) -> bool {
    match v {
        Value::Str(_) | Value::Bytes(_) | Value::List(_) => true,
        Value::Fun(f) => f.arity() == 0,
        _ => false,
    }
}

fn execute(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    if !args.iter().all(executable) {
        return Err(clause("execute", &args, span));
    }
    let command = match args.as_slice() {
        [one] => one.clone(),
        [up, down] => {
            let mut s = super::structs::default_struct(COMMAND).ok_or_else(|| clause("execute", &args, span))?;
            s.set("up", up.clone());
            s.set("down", down.clone());
            Value::Struct(std::rc::Rc::new(s))
        }
        _ => return Err(clause("execute", &args, span)),
    };
    runner::execute(interp, command, span)?;
    Ok(ok())
}

fn execute_file(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let path = args.first().and_then(|v| v.as_str()).unwrap_or_default().to_string();
    Err(Error::raise("File.Error", format!("could not read file \"{path}\": files are not available here"), span))
}

fn direction(interp: &mut Interp, _args: Vec<Value>, span: Span) -> EResult<Value> {
    Ok(Value::atom(state(interp, span)?.migrator_direction.atom()))
}

fn repo(interp: &mut Interp, _args: Vec<Value>, span: Span) -> EResult<Value> {
    Ok(state(interp, span)?.repo.clone())
}

fn prefix(interp: &mut Interp, _args: Vec<Value>, span: Span) -> EResult<Value> {
    Ok(state(interp, span)?.prefix.clone().map(Value::string).unwrap_or(Value::Nil))
}

fn validate_precision(opts: &Value, column: &Value, span: Span) -> EResult<()> {
    let scale = kw(opts, "scale").is_some_and(|v| v.is_truthy());
    let precision = kw(opts, "precision").is_some_and(|v| v.is_truthy());
    if scale && !precision {
        return Err(arg_error(format!("column {} is missing precision option", to_s(column)?), span));
    }
    Ok(())
}

fn validate_type(ty: &Value, span: Span) -> EResult<()> {
    let invalid = || {
        arg_error(
            format!(
                "invalid migration type: {}. Expected one of:\n\n  * an atom, such as :string\n  * a quoted atom, such as :\"integer unsigned\"\n  * a tuple representing a composite type, such as {{:array, :integer}} or {{:map, :string}}\n  * a reference, such as references(:users)\n\nEcto types are automatically translated to database types. All other types\nare sent to the database as is.\n\nTypes defined through Ecto.Type or Ecto.ParameterizedType aren't allowed,\nuse their underlying types instead.\n",
                inspect(ty)
            ),
            span,
        )
    };
    if let Some(a) = ty.as_atom() {
        if a == "datetime" {
            return Err(arg_error(
                "the :datetime type in migrations is not supported, please use :utc_datetime or :naive_datetime instead",
                span,
            ));
        }
        if a.starts_with("Elixir.") {
            return Err(invalid());
        }
        return Ok(());
    }
    if let Some([outer, sub]) = ty.as_tuple() {
        if is_atom(outer) {
            if is_atom(sub) {
                return validate_type(sub, span);
            }
            if let Some(items) = sub.as_tuple() {
                for t in items {
                    validate_type(t, span)?;
                }
                return Ok(());
            }
        }
    }
    if as_struct(ty, REFERENCE).is_some() {
        return Ok(());
    }
    Err(invalid())
}

fn column_sub(interp: &mut Interp, args: Vec<Value>, span: Span, op: &str) -> EResult<Value> {
    let opts = opt(&args, 2);
    if !is_atom(&args[0]) || !matches!(opts, Value::List(_)) {
        return Err(clause(op, &args, span));
    }
    validate_precision(&opts, &args[0], span)?;
    validate_type(&args[1], span)?;
    runner::subcommand(interp, Value::tuple(vec![Value::atom(op), args[0].clone(), args[1].clone(), opts]), span)?;
    Ok(ok())
}

fn add(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    column_sub(interp, args, span, "add")
}

fn add_if_not_exists(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    column_sub(interp, args, span, "add_if_not_exists")
}

fn modify(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    column_sub(interp, args, span, "modify")
}

fn remove(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    if !is_atom(&args[0]) {
        return Err(clause("remove", &args, span));
    }
    let sub = match args.as_slice() {
        [column] => Value::tuple(vec![Value::atom("remove"), column.clone()]),
        [column, ty, rest @ ..] => {
            validate_type(ty, span)?;
            let opts = rest.first().cloned().unwrap_or_else(empty);
            Value::tuple(vec![Value::atom("remove"), column.clone(), ty.clone(), opts])
        }
        _ => return Err(clause("remove", &args, span)),
    };
    runner::subcommand(interp, sub, span)?;
    Ok(ok())
}

fn remove_if_exists(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    if !is_atom(&args[0]) {
        return Err(clause("remove_if_exists", &args, span));
    }
    let sub = match args.as_slice() {
        [column] => Value::tuple(vec![Value::atom("remove_if_exists"), column.clone()]),
        [column, ty] => {
            validate_type(ty, span)?;
            Value::tuple(vec![Value::atom("remove_if_exists"), column.clone(), ty.clone()])
        }
        _ => return Err(clause("remove_if_exists", &args, span)),
    };
    runner::subcommand(interp, sub, span)?;
    Ok(ok())
}

/// `[to: value]` exactly.
fn to_opt(v: &Value) -> Option<&Value> {
    match v.as_list() {
        Some([pair]) => match pair.as_tuple() {
            Some([k, v]) if k.as_atom() == Some("to") => Some(v),
            _ => None,
        },
        _ => None,
    }
}

fn rename(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    match args.as_slice() {
        [current, opts] => {
            let Some(to) = to_opt(opts) else {
                return Err(clause("rename", &args, span));
            };
            if as_struct(current, TABLE).is_some() && as_struct(to, TABLE).is_some() {
                let cur = with_prefix(interp, current, span)?;
                let new = with_prefix(interp, to, span)?;
                runner::execute(interp, Value::tuple(vec![Value::atom("rename"), cur, new]), span)?;
                return Ok(to.clone());
            }
            if as_struct(current, INDEX).is_some() {
                let cur = with_prefix(interp, current, span)?;
                runner::execute(interp, Value::tuple(vec![Value::atom("rename"), cur, to.clone()]), span)?;
                return Ok(put(current, "name", to.clone()));
            }
            Err(clause("rename", &args, span))
        }
        [table, column, opts] => {
            let to = to_opt(opts);
            match to {
                Some(to) if as_struct(table, TABLE).is_some() && is_atom(column) && is_atom(to) => {
                    let t = with_prefix(interp, table, span)?;
                    runner::execute(interp, Value::tuple(vec![Value::atom("rename"), t, column.clone(), to.clone()]), span)?;
                    Ok(table.clone())
                }
                _ => Err(clause("rename", &args, span)),
            }
        }
        _ => Err(clause("rename", &args, span)),
    }
}

fn fragment(_interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    match &args[0] {
        s @ (Value::Str(_) | Value::Bytes(_)) => Ok(Value::tuple(vec![Value::atom("fragment"), s.clone()])),
        _ => Err(clause("fragment", &args, span)),
    }
}

fn timestamps(interp: &mut Interp, args: Vec<Value>, span: Span) -> EResult<Value> {
    let opts = opt(&args, 0);
    let Some(items) = opts.as_list() else {
        return Err(clause("timestamps", &args, span));
    };
    let config = match repo_config(interp, "migration_timestamps", empty(), span)? {
        Value::List(c) => c.to_vec(),
        _ => vec![],
    };
    let opts = Value::list(keyword_merge(&config, items));
    let opts = kw_put_new(&opts, "null", Value::Bool(false));
    let (ty, opts) = kw_pop(&opts, "type", Value::atom("naive_datetime"));
    let (inserted_at, opts) = kw_pop(&opts, "inserted_at", Value::atom("inserted_at"));
    let (updated_at, opts) = kw_pop(&opts, "updated_at", Value::atom("updated_at"));
    if inserted_at != Value::Bool(false) {
        add(interp, vec![inserted_at, ty.clone(), opts.clone()], span)?;
    }
    if updated_at != Value::Bool(false) {
        return add(interp, vec![updated_at, ty, opts], span);
    }
    Ok(Value::Nil)
}

fn flush(interp: &mut Interp, _args: Vec<Value>, span: Span) -> EResult<Value> {
    let st = state(interp, span)?;
    let (down, module) = (st.migrator_direction == super::Direction::Down, st.module.clone());
    if down && !module.is_some_and(|m| runner::exports(interp, &m, "down", 0)) {
        return Err(Error::raise("RuntimeError", "calling flush() inside change when doing rollback is not supported.", span));
    }
    runner::flush(interp, span)?;
    Ok(Value::Nil)
}
