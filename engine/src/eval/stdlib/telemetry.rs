//! The `:telemetry` library: handlers attached by id to event names,
//! `execute/3` calling each handler of an event at once in the caller (so a
//! handler's `send(self(), ...)` lands in this process's mailbox), `span/3`,
//! and a handler that raises being detached, as telemetry does.
//! Engine areas emit their own events through [`execute`].

use super::raise;
use crate::diag::Span;
use crate::eval::{Builtins, EResult, Error, Interp};
use crate::value::{inspect, MapT, Value};

#[derive(Clone)]
struct Handler {
    id: Value,
    event: Value,
    function: Value,
    config: Value,
}

#[derive(Default)]
struct Handlers(Vec<Handler>);

pub fn register(b: &mut Builtins) {
    b.add("telemetry", "attach", &[4], |i, a, s| {
        let events = Value::list(vec![a[1].clone()]);
        attach(i, &a[0], &events, &a[2], &a[3], "attach", s)
    });
    b.add("telemetry", "attach_many", &[4], |i, a, s| attach(i, &a[0], &a[1], &a[2], &a[3], "attach_many", s));
    b.add("telemetry", "detach", &[1], |i, a, _| {
        let hs = &mut i.ext::<Handlers>().0;
        let before = hs.len();
        hs.retain(|h| h.id != a[0]);
        Ok(if hs.len() < before { Value::atom("ok") } else { Value::error(Value::atom("not_found")) })
    });
    b.add("telemetry", "execute", &[2, 3], |i, a, s| {
        let metadata = a.get(2).cloned().unwrap_or_else(|| Value::map(MapT::new()));
        let measurements = match &a[1] {
            Value::Int(_) | Value::Float(_) => Value::map([(Value::atom("value"), a[1].clone())].into_iter().collect()),
            other => other.clone(),
        };
        execute(i, &a[0], measurements, metadata, s)?;
        Ok(Value::atom("ok"))
    });
    b.add("telemetry", "list_handlers", &[1], |i, a, _| {
        let prefix = a[0].as_list().map(<[Value]>::to_vec).unwrap_or_default();
        let out = i
            .ext::<Handlers>()
            .0
            .iter()
            .filter(|h| h.event.as_list().is_some_and(|e| e.starts_with(&prefix)))
            .map(|h| {
                Value::map(
                    [
                        (Value::atom("id"), h.id.clone()),
                        (Value::atom("event_name"), h.event.clone()),
                        (Value::atom("function"), h.function.clone()),
                        (Value::atom("config"), h.config.clone()),
                    ]
                    .into_iter()
                    .collect(),
                )
            })
            .collect();
        Ok(Value::list(out))
    });
    b.add("telemetry", "span", &[3], span);
}

fn attach(i: &mut Interp, id: &Value, events: &Value, function: &Value, config: &Value, name: &str, s: Span) -> EResult<Value> {
    let valid_fun = matches!(function, Value::Fun(f) if f.arity() == 4);
    let events = events.as_list().map(<[Value]>::to_vec).unwrap_or_default();
    let valid_events =
        !events.is_empty() && events.iter().all(|e| e.as_list().is_some_and(|l| !l.is_empty() && l.iter().all(Value::is_atom)));
    if !valid_fun || !valid_events {
        return Err(raise("FunctionClauseError", format!("no function clause matching in :telemetry.{name}/4"), s));
    }
    let hs = &mut i.ext::<Handlers>().0;
    if hs.iter().any(|h| &h.id == id) {
        return Ok(Value::error(Value::atom("already_exists")));
    }
    for event in events {
        hs.push(Handler { id: id.clone(), event, function: function.clone(), config: config.clone() });
    }
    Ok(Value::atom("ok"))
}

/// Whether any handler is attached at all.
pub fn any_handlers(i: &mut Interp) -> bool {
    !i.ext::<Handlers>().0.is_empty()
}

/// Whether any handler listens to `event`.
pub fn has_handlers(i: &mut Interp, event: &Value) -> bool {
    i.ext::<Handlers>().0.iter().any(|h| &h.event == event)
}

/// `:telemetry.execute/3`: calls each handler of `event` in the order they
/// were attached. A handler that fails is detached (telemetry logs it);
/// only the evaluator's own limits stop the caller.
pub fn execute(i: &mut Interp, event: &Value, measurements: Value, metadata: Value, s: Span) -> EResult<()> {
    let handlers: Vec<Handler> = i.ext::<Handlers>().0.iter().filter(|h| &h.event == event).cloned().collect();
    for h in handlers {
        let args = vec![event.clone(), measurements.clone(), metadata.clone(), h.config.clone()];
        match i.apply(&h.function, args, s) {
            Ok(_) => {}
            Err(e) if matches!(*e, Error::Limit(..)) => return Err(e),
            Err(_) => i.ext::<Handlers>().0.retain(|x| x.id != h.id),
        }
    }
    Ok(())
}

fn event_with(prefix: &Value, last: &str) -> Value {
    let mut items = prefix.as_list().map(<[Value]>::to_vec).unwrap_or_default();
    items.push(Value::atom(last));
    Value::list(items)
}

fn map_put(m: &Value, pairs: Vec<(&str, Value)>) -> Value {
    let mut out = m.as_map().cloned().unwrap_or_default();
    for (k, v) in pairs {
        out.insert(Value::atom(k), v);
    }
    Value::map(out)
}

/// `:telemetry.span/3`: `:start`, then `:stop` with the function's metadata
/// or `:exception` with the error, sharing one span context.
fn span(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let (prefix, start_md, fun) = (&a[0], &a[1], &a[2]);
    let context = i.call("Kernel", "make_ref", vec![], s)?;
    let start_time = i.call("System", "monotonic_time", vec![], s)?;
    let system_time = i.call("System", "system_time", vec![], s)?;
    let measurements =
        Value::map([(Value::atom("monotonic_time"), start_time.clone()), (Value::atom("system_time"), system_time)].into_iter().collect());
    execute(i, &event_with(prefix, "start"), measurements, map_put(start_md, vec![("telemetry_span_context", context.clone())]), s)?;
    let result = i.apply(fun, vec![], s);
    let stop_time = i.call("System", "monotonic_time", vec![], s)?;
    let duration = i.call("Kernel", "-", vec![stop_time.clone(), start_time], s)?;
    let times = |extra: Option<&Value>| {
        let mut m = extra.and_then(|e| e.as_map().cloned()).unwrap_or_default();
        m.insert(Value::atom("duration"), duration.clone());
        m.insert(Value::atom("monotonic_time"), stop_time.clone());
        Value::map(m)
    };
    match result {
        Ok(v) => {
            let (value, extra, stop_md) = match v.as_tuple() {
                Some([r, md]) => (r.clone(), None, md.clone()),
                Some([r, m, md]) => (r.clone(), Some(m.clone()), md.clone()),
                _ => return Err(raise("CaseClauseError", format!("no case clause matching: {}", inspect::inspect(&v)), s)),
            };
            let md = map_put(&stop_md, vec![("telemetry_span_context", context)]);
            execute(i, &event_with(prefix, "stop"), times(extra.as_ref()), md, s)?;
            Ok(value)
        }
        Err(e) => {
            let (kind, reason) = match &*e {
                Error::Raise(ex) if ex.kind == "exit" => ("exit", ex.value.clone().unwrap_or(Value::Nil)),
                Error::Raise(ex) => ("error", crate::eval::core::exception_value(ex)),
                Error::Throw(v, _) => ("throw", v.clone()),
                _ => return Err(e),
            };
            let md = map_put(
                start_md,
                vec![
                    ("kind", Value::atom(kind)),
                    ("reason", reason),
                    ("stacktrace", Value::list(vec![])),
                    ("telemetry_span_context", context),
                ],
            );
            execute(i, &event_with(prefix, "exception"), times(None), md, s)?;
            Err(e)
        }
    }
}
