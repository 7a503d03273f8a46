//! The Repo's telemetry: one `[prefix..., :query]` event per statement the
//! connection runs, with ecto_sql's measurements and metadata (`log/5` in
//! `Ecto.Adapters.SQL`), delivered through `:telemetry` at once, in the
//! caller. The prefix is the Repo's `telemetry_prefix` (by default its
//! module name, underscored: `[:my_app, :repo]`); the `telemetry_event:`
//! option sends a call's events elsewhere and `telemetry_options:` reach
//! the metadata as `options`.

use super::{conn::LogEntry, current_repo, util, RepoState, StatementKind};
use crate::diag::Span;
use crate::eval::stdlib::telemetry;
use crate::eval::{EResult, Interp};
use crate::value::{MapT, Value};

/// What a statement's event says beyond the statement itself: its source
/// table and cast parameters (queries), and the options of the Repo call.
#[derive(Clone, Default)]
pub(crate) struct Context {
    pub source: Option<String>,
    pub cast_params: Option<Value>,
}

/// The Repo's event name: its prefix and `:query`.
pub fn default_event(interp: &mut Interp) -> Value {
    let prefix = match interp.ext::<RepoState>().telemetry_prefix.clone() {
        Some(p) => p,
        None => {
            let repo = current_repo(interp);
            let name = repo.as_atom().map(crate::value::alias_name).unwrap_or("Repo").to_string();
            Value::list(name.split('.').map(|part| Value::atom(&underscore(part))).collect())
        }
    };
    let mut items = prefix.as_list().map(<[Value]>::to_vec).unwrap_or_default();
    items.push(Value::atom("query"));
    Value::list(items)
}

/// `Macro.underscore/1` of one alias segment.
fn underscore(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

/// The options of the Repo call being run (`telemetry_event`, `telemetry_options`).
fn call_opts(interp: &mut Interp) -> Value {
    interp.ext::<RepoState>().call_opts.clone().unwrap_or_else(|| Value::list(vec![]))
}

/// The event a statement of the current call goes to (`None`: none).
fn event_for(interp: &mut Interp, opts: &Value) -> Option<Value> {
    let found = opts.as_keyword().and_then(|kw| kw.into_iter().rev().find(|(k, _)| *k == "telemetry_event").map(|(_, v)| v.clone()));
    match found {
        Some(Value::Nil | Value::Bool(false)) => None,
        Some(v) => Some(v),
        None => Some(default_event(interp)),
    }
}

/// Whether the current call's statements go to another event than the Repo's.
pub(crate) fn off_event(interp: &mut Interp) -> bool {
    let opts = call_opts(interp);
    opts.as_keyword().is_some_and(|kw| kw.iter().any(|(k, _)| *k == "telemetry_event"))
}

/// Runs `f` with `ctx` describing the statements it runs.
pub(crate) fn with_context<T>(interp: &mut Interp, ctx: Context, f: impl FnOnce(&mut Interp) -> T) -> T {
    let prev = interp.ext::<RepoState>().statement.replace(ctx);
    let out = f(interp);
    interp.ext::<RepoState>().statement = prev;
    out
}

/// Runs `f` as a Repo call with options `opts`.
pub(crate) fn with_call_opts<T>(interp: &mut Interp, opts: Option<Value>, f: impl FnOnce(&mut Interp) -> T) -> T {
    let prev = std::mem::replace(&mut interp.ext::<RepoState>().call_opts, opts);
    let out = f(interp);
    interp.ext::<RepoState>().call_opts = prev;
    out
}

/// Whether statements should keep their results for events.
pub(crate) fn listening(interp: &mut Interp) -> bool {
    telemetry::any_handlers(interp)
}

/// Emits the event of each statement in `entries`.
pub(crate) fn emit(interp: &mut Interp, entries: Vec<LogEntry>, span: Span) -> EResult<()> {
    let opts = call_opts(interp);
    let Some(event) = event_for(interp, &opts) else { return Ok(()) };
    if !telemetry::has_handlers(interp, &event) {
        return Ok(());
    }
    let ctx = interp.ext::<RepoState>().statement.clone().unwrap_or_default();
    let repo = current_repo(interp);
    let options = opts.keyword_get("telemetry_options").cloned().unwrap_or_else(|| Value::list(vec![]));
    let postgres = super::postgres(interp);
    for e in entries {
        let control = e.kind != StatementKind::Query;
        let native = |micros: u64| Value::Int(micros.max(1) as i64 * 1000);
        let query_time = e.micros.max(1) * 1000;
        let mut m = MapT::new();
        let mut total = query_time;
        m.insert(Value::atom("query_time"), native(e.micros));
        if !control && e.outcome.is_ok() {
            m.insert(Value::atom("decode_time"), native(1));
            total += 1000;
        }
        if !e.in_transaction {
            m.insert(Value::atom("queue_time"), native(1));
            m.insert(Value::atom("idle_time"), native(1));
            total += 1000;
        }
        m.insert(Value::atom("total_time"), Value::Int(total as i64));
        let sql = match e.kind {
            StatementKind::Query => e.sql.clone(),
            StatementKind::Begin => "begin".into(),
            StatementKind::Commit => "commit".into(),
            StatementKind::Rollback => "rollback".into(),
        };
        let result = match (&e.outcome, &e.result) {
            // Postgrex's result of BEGIN/COMMIT/ROLLBACK has no rows nor count
            (Ok(_), _) if postgres && control => Value::ok(util::make_struct(
                "Postgrex.Result",
                vec![
                    ("command", Value::atom(&sql)),
                    ("columns", Value::Nil),
                    ("rows", Value::Nil),
                    ("num_rows", Value::Nil),
                    ("connection_id", Value::Int(0)),
                    ("messages", Value::list(vec![])),
                ],
            )),
            (Ok(_), Some(r)) if postgres => Value::ok(util::postgrex_result(&sql, r)),
            (Ok(_), Some(r)) => Value::ok(util::exqlite_result(&sql, r)),
            (Ok((rows, changes)), None) => {
                let n = if control {
                    0
                } else if util::is_dml(&sql) {
                    *changes as i64
                } else {
                    *rows as i64
                };
                let command = if control { Value::atom(&sql) } else { Value::atom("execute") };
                Value::ok(util::make_struct(
                    if postgres { "Postgrex.Result" } else { "Exqlite.Result" },
                    vec![
                        ("command", command),
                        ("columns", Value::list(vec![])),
                        ("rows", Value::list(vec![])),
                        ("num_rows", Value::Int(n)),
                    ],
                ))
            }
            (Err(message), _) => {
                let err = crate::executor::DbError { code: e.error_code, message: message.clone() };
                Value::error(super::errors::exqlite_error_value(&err, Some(&sql)))
            }
        };
        let (source, cast_params) = if control {
            (Value::Nil, Value::Nil)
        } else {
            (ctx.source.as_deref().map(Value::str).unwrap_or(Value::Nil), ctx.cast_params.clone().unwrap_or(Value::Nil))
        };
        let md: MapT = [
            ("type", Value::atom("ecto_sql_query")),
            ("repo", repo.clone()),
            ("result", result),
            ("params", Value::list(e.params.clone())),
            ("cast_params", cast_params),
            ("query", Value::string(sql)),
            ("source", source),
            ("stacktrace", Value::Nil),
            ("options", options.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (Value::atom(k), v))
        .collect();
        telemetry::execute(interp, &event, Value::map(m), Value::map(md), span)?;
    }
    Ok(())
}
