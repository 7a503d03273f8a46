//! A single-process model of processes: pids and references, `send/2` to a
//! mailbox and `receive` from it, the process dictionary, and eager `Task`
//! and `Agent` (their functions run at once, in order).

use std::any::Any;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::raise;
use crate::diag::Span;
use crate::eval::{args, match_pattern, Builtins, EResult, Env, Interp};
use crate::syntax::ast::{Kind, Node};
use crate::value::{inspect, OpaqueValue, Struct, Value};

/// `#PID<0.N.0>` and `#Reference<0.0.0.N>`.
#[derive(Debug)]
pub struct Handle {
    kind: &'static str,
    id: u64,
}

impl OpaqueValue for Handle {
    fn module(&self) -> &str {
        self.kind
    }

    fn inspect(&self) -> String {
        match self.kind {
            "PID" => format!("#PID<0.{}.0>", self.id),
            _ => format!("#Reference<0.0.0.{}>", self.id),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn equals(&self, other: &dyn OpaqueValue) -> bool {
        other.as_any().downcast_ref::<Handle>().is_some_and(|o| o.kind == self.kind && o.id == self.id)
    }
}

#[derive(Default)]
struct Procs {
    next_pid: u64,
    next_ref: u64,
    mailbox: Vec<Value>,
    dict: BTreeMap<Value, Value>,
    /// Agent states by pid id.
    agents: BTreeMap<u64, Value>,
    /// Names registered with `name:`.
    names: BTreeMap<Value, u64>,
    /// Task results by the task's reference id.
    results: BTreeMap<u64, Value>,
}

const SELF_PID: u64 = 110;

fn pid(id: u64) -> Value {
    Value::Opaque(Rc::new(Handle { kind: "PID", id }))
}

fn pid_id(v: &Value) -> Option<u64> {
    v.downcast::<Handle>().filter(|h| h.kind == "PID").map(|h| h.id)
}

fn new_pid(i: &mut Interp) -> u64 {
    let p = i.ext::<Procs>();
    if p.next_pid == 0 {
        p.next_pid = SELF_PID + 1;
    }
    let id = p.next_pid;
    p.next_pid += 1;
    id
}

fn new_ref(i: &mut Interp) -> Value {
    let p = i.ext::<Procs>();
    p.next_ref += 1;
    let id = 100 + p.next_ref;
    Value::Opaque(Rc::new(Handle { kind: "Reference", id }))
}

pub fn register(b: &mut Builtins) {
    b.add("Kernel", "self", &[0], |_, _, _| Ok(pid(SELF_PID)));
    b.add("Kernel", "make_ref", &[0], |i, _, _| Ok(new_ref(i)));
    b.add("Kernel", "is_pid", &[1], |_, a, _| Ok(Value::Bool(pid_id(&a[0]).is_some())));
    b.add("Kernel", "is_reference", &[1], |_, a, _| Ok(Value::Bool(a[0].downcast::<Handle>().is_some_and(|h| h.kind == "Reference"))));
    b.add("Kernel", "is_port", &[1], |_, _, _| Ok(Value::Bool(false)));
    b.add("Kernel", "node", &[0, 1], |_, _, _| Ok(Value::atom("nonode@nohost")));
    b.add("Kernel", "send", &[2], send);
    b.add("Process", "send", &[2, 3], send);
    b.add("Kernel", "spawn", &[1, 3], |i, a, s| {
        run_fun(i, &a, s)?;
        Ok(pid(new_pid(i)))
    });
    b.add("Kernel", "spawn_link", &[1, 3], |i, a, s| {
        run_fun(i, &a, s)?;
        Ok(pid(new_pid(i)))
    });
    b.add_macro("Kernel", "receive", &[1], receive);
    b.add("Process", "put", &[2], |i, a, _| Ok(i.ext::<Procs>().dict.insert(a[0].clone(), a[1].clone()).unwrap_or(Value::Nil)));
    b.add("Process", "get", &[0, 1, 2], |i, a, _| {
        let d = &i.ext::<Procs>().dict;
        Ok(match a.first() {
            None => Value::list(d.iter().map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()])).collect()),
            Some(k) => d.get(k).cloned().unwrap_or_else(|| a.get(1).cloned().unwrap_or(Value::Nil)),
        })
    });
    b.add("Process", "delete", &[1], |i, a, _| Ok(i.ext::<Procs>().dict.remove(&a[0]).unwrap_or(Value::Nil)));
    b.add("Process", "get_keys", &[0], |i, _, _| Ok(Value::list(i.ext::<Procs>().dict.keys().cloned().collect())));
    b.add("Process", "sleep", &[1], |i, a, _| {
        super::calendar::sleep(i, a[0].as_int().unwrap_or(0));
        Ok(Value::atom("ok"))
    });
    b.add("Process", "alive?", &[1], |_, _, _| Ok(Value::Bool(true)));
    b.add("Process", "flag", &[2], |_, _, _| Ok(Value::Bool(false)));
    b.add("Process", "info", &[1, 2], |i, a, _| {
        let mailbox = i.ext::<Procs>().mailbox.clone();
        let item = |key: &str| match key {
            "messages" => Some(Value::list(mailbox.clone())),
            "message_queue_len" => Some(Value::Int(mailbox.len() as i64)),
            _ => None,
        };
        Ok(match a.get(1) {
            None => Value::list(vec![]),
            Some(Value::Atom(k)) => match item(k) {
                Some(v) => Value::tuple(vec![Value::atom(k), v]),
                None => Value::Nil,
            },
            Some(Value::List(keys)) => Value::list(
                keys.iter().filter_map(|k| k.as_atom().and_then(|k| item(k).map(|v| Value::tuple(vec![Value::atom(k), v])))).collect(),
            ),
            Some(_) => Value::Nil,
        })
    });
    b.add("Process", "whereis", &[1], |i, a, _| Ok(i.ext::<Procs>().names.get(&a[0]).map(|id| pid(*id)).unwrap_or(Value::Nil)));
    b.add("Process", "register", &[2], |i, a, _| {
        if let Some(id) = pid_id(&a[0]) {
            i.ext::<Procs>().names.insert(a[1].clone(), id);
        }
        Ok(Value::Bool(true))
    });
    b.add("Process", "exit", &[2], |_, _, _| Ok(Value::Bool(true)));
    b.add("Process", "monitor", &[1], |i, _, _| Ok(new_ref(i)));
    b.add("Process", "list", &[0], |_, _, _| Ok(Value::list(vec![pid(SELF_PID)])));

    // Task: run now, keep the result in the task struct.
    b.add("Task", "async", &[1, 3], |i, a, s| {
        let r = run_fun(i, &a, s)?;
        let owner = pid(SELF_PID);
        let p = pid(new_pid(i));
        let rf = new_ref(i);
        if let Some(h) = rf.downcast::<Handle>() {
            let id = h.id;
            i.ext::<Procs>().results.insert(id, r);
        }
        Ok(task_struct(p, rf, owner))
    });
    b.add("Task", "start", &[1, 3], |i, a, s| {
        run_fun(i, &a, s)?;
        Ok(Value::ok(pid(new_pid(i))))
    });
    b.add("Task", "start_link", &[1, 3], |i, a, s| {
        run_fun(i, &a, s)?;
        Ok(Value::ok(pid(new_pid(i))))
    });
    b.add("Task", "await", &[1, 2], |i, a, s| task_result(i, &a[0], s));
    b.add("Task", "yield", &[1, 2], |i, a, s| Ok(Value::ok(task_result(i, &a[0], s)?)));
    b.add("Task", "await_many", &[1, 2], |i, a, s| {
        let l = args::list("Task.await_many/2", &a[0], s)?.to_vec();
        let mut out = Vec::new();
        for t in l {
            out.push(task_result(i, &t, s)?);
        }
        Ok(Value::list(out))
    });
    b.add("Task", "yield_many", &[1, 2], |i, a, s| {
        let l = args::list("Task.yield_many/2", &a[0], s)?.to_vec();
        let mut out = Vec::new();
        for t in l {
            let r = task_result(i, &t, s)?;
            out.push(Value::tuple(vec![t, Value::ok(r)]));
        }
        Ok(Value::list(out))
    });
    b.add("Task", "async_stream", &[2, 3, 4, 5], |i, a, s| {
        // (enumerable, fun, opts) or (enumerable, module, fun, args, opts)
        let items = super::enumerate(i, &a[0], s)?;
        let mut out = Vec::new();
        for x in items {
            let r = if let Value::Fun(_) = &a[1] {
                i.apply(&a[1], vec![x], s)?
            } else if a.len() < 4 {
                return Err(args::arg_error("Task.async_stream/3", "a function", &a[1], s));
            } else {
                let m = args::atom("Task.async_stream/5", &a[1], s)?.to_string();
                let f = args::atom("Task.async_stream/5", &a[2], s)?.to_string();
                let mut fa = vec![x];
                fa.extend(a.get(3).and_then(|l| l.as_list()).unwrap_or_default().iter().cloned());
                i.call(crate::value::alias_name(&m), &f, fa, s)?
            };
            out.push(Value::ok(r));
        }
        Ok(Value::list(out))
    });
    b.add("Task", "shutdown", &[1, 2], |i, a, s| Ok(Value::ok(task_result(i, &a[0], s)?)));

    // Agent: state kept by pid.
    b.add("Agent", "start_link", &[1, 2, 3, 4], agent_start);
    b.add("Agent", "start", &[1, 2, 3, 4], agent_start);
    b.add("Agent", "get", &[2, 3, 4], |i, a, s| {
        let id = agent_id(i, &a[0], s)?;
        let st = i.ext::<Procs>().agents.get(&id).cloned().unwrap_or(Value::Nil);
        i.apply(&a[1], vec![st], s)
    });
    b.add("Agent", "update", &[2, 3, 4], |i, a, s| {
        let id = agent_id(i, &a[0], s)?;
        let st = i.ext::<Procs>().agents.get(&id).cloned().unwrap_or(Value::Nil);
        let new = i.apply(&a[1], vec![st], s)?;
        i.ext::<Procs>().agents.insert(id, new);
        Ok(Value::atom("ok"))
    });
    b.add("Agent", "cast", &[2, 4], |i, a, s| {
        let id = agent_id(i, &a[0], s)?;
        let st = i.ext::<Procs>().agents.get(&id).cloned().unwrap_or(Value::Nil);
        let new = i.apply(&a[1], vec![st], s)?;
        i.ext::<Procs>().agents.insert(id, new);
        Ok(Value::atom("ok"))
    });
    b.add("Agent", "get_and_update", &[2, 3, 4], |i, a, s| {
        let id = agent_id(i, &a[0], s)?;
        let st = i.ext::<Procs>().agents.get(&id).cloned().unwrap_or(Value::Nil);
        let r = i.apply(&a[1], vec![st], s)?;
        match r.as_tuple() {
            Some([g, new]) => {
                i.ext::<Procs>().agents.insert(id, new.clone());
                Ok(g.clone())
            }
            _ => Err(raise(
                "ArgumentError",
                format!("Agent.get_and_update/3 expects the function to return {{get, new_state}}, got: {}", inspect::inspect(&r)),
                s,
            )),
        }
    });
    b.add("Agent", "stop", &[1, 2, 3], |i, a, s| {
        let id = agent_id(i, &a[0], s)?;
        i.ext::<Procs>().agents.remove(&id);
        Ok(Value::atom("ok"))
    });
}

/// The messages in this process's mailbox, oldest first.
pub(crate) fn mailbox(i: &mut Interp) -> Vec<Value> {
    i.ext::<Procs>().mailbox.clone()
}

/// What a test process would not share with its parent: the mailbox.
pub(crate) struct Isolated(Vec<Value>);

/// Starts a process of its own: an empty mailbox until `restore`.
pub(crate) fn isolate(i: &mut Interp) -> Isolated {
    Isolated(std::mem::take(&mut i.ext::<Procs>().mailbox))
}

/// Back in the parent: its mailbox again (the child's messages are gone).
pub(crate) fn restore(i: &mut Interp, saved: Isolated) {
    i.ext::<Procs>().mailbox = saved.0;
}

/// Takes the `k`th message out of the mailbox (a receive matched it).
pub(crate) fn take_message(i: &mut Interp, k: usize) {
    let mb = &mut i.ext::<Procs>().mailbox;
    if k < mb.len() {
        mb.remove(k);
    }
}

fn run_fun(i: &mut Interp, a: &[Value], s: Span) -> EResult<Value> {
    if a.len() == 3 {
        let m = args::atom("spawn/3", &a[0], s)?.to_string();
        let f = args::atom("spawn/3", &a[1], s)?.to_string();
        let fa = args::list("spawn/3", &a[2], s)?.to_vec();
        return i.call(crate::value::alias_name(&m), &f, fa, s);
    }
    i.apply(&a[0], vec![], s)
}

fn send(i: &mut Interp, a: Vec<Value>, _: Span) -> EResult<Value> {
    // Only messages to this process are observable (by `receive`).
    let to_self = pid_id(&a[0]) == Some(SELF_PID) || i.ext::<Procs>().names.get(&a[0]) == Some(&SELF_PID);
    if to_self {
        i.ext::<Procs>().mailbox.push(a[1].clone());
    }
    Ok(a[1].clone())
}

fn task_struct(p: Value, rf: Value, owner: Value) -> Value {
    let f = |k: &str, v: Value| (Rc::from(k), v);
    Value::Struct(Rc::new(Struct {
        module: Rc::from("Elixir.Task"),
        fields: vec![
            f("mfa", Value::tuple(vec![Value::atom("erlang"), Value::atom("apply"), Value::Int(2)])),
            f("owner", owner),
            f("pid", p),
            f("ref", rf),
        ],
    }))
}

fn task_result(i: &mut Interp, t: &Value, s: Span) -> EResult<Value> {
    match t {
        Value::Struct(st) if st.name() == "Task" => {
            let id = st.get("ref").and_then(|r| r.downcast::<Handle>()).map(|h| h.id).unwrap_or(0);
            Ok(i.ext::<Procs>().results.get(&id).cloned().unwrap_or(Value::Nil))
        }
        other => Err(raise("FunctionClauseError", format!("no function clause matching in Task.await/2: {}", inspect::inspect(other)), s)),
    }
}

fn agent_start(i: &mut Interp, a: Vec<Value>, s: Span) -> EResult<Value> {
    let (init, opts) = if a.len() >= 3 {
        let m = args::atom("Agent.start_link/4", &a[0], s)?.to_string();
        let f = args::atom("Agent.start_link/4", &a[1], s)?.to_string();
        let fa = args::list("Agent.start_link/4", &a[2], s)?.to_vec();
        (i.call(crate::value::alias_name(&m), &f, fa, s)?, a.get(3).cloned())
    } else {
        (i.apply(&a[0], vec![], s)?, a.get(1).cloned())
    };
    let id = new_pid(i);
    let p = i.ext::<Procs>();
    p.agents.insert(id, init);
    if let Some(name) = opts.as_ref().and_then(|o| o.keyword_get("name")) {
        p.names.insert(name.clone(), id);
    }
    Ok(Value::ok(pid(id)))
}

fn agent_id(i: &mut Interp, v: &Value, s: Span) -> EResult<u64> {
    if let Some(id) = pid_id(v) {
        return Ok(id);
    }
    i.ext::<Procs>()
        .names
        .get(v)
        .copied()
        .ok_or_else(|| raise("ArgumentError", format!("no process associated with {}", inspect::inspect(v)), s))
}

/// `receive do clauses after timeout -> body end` over this process's mailbox.
fn receive(i: &mut Interp, a: &[Node], env: &mut Env, s: Span) -> EResult<Value> {
    let opts = &a[0];
    let clauses = match opts.keyword_get("do") {
        Some(Node { kind: Kind::Clauses(c), .. }) => c.clone(),
        _ => vec![],
    };
    let messages = i.ext::<Procs>().mailbox.clone();
    for (k, msg) in messages.iter().enumerate() {
        for c in &clauses {
            let Some(p) = c.args.first() else { continue };
            let mut inner = env.clone();
            if match_pattern(i, p, msg, &mut inner)? && i.guard_ok(c.guard.as_ref(), &mut inner)? {
                i.ext::<Procs>().mailbox.remove(k);
                let v = i.eval(&c.body, &mut inner)?;
                return Ok(v);
            }
        }
    }
    match opts.keyword_get("after") {
        Some(Node { kind: Kind::Clauses(c), .. }) if !c.is_empty() => {
            let mut inner = env.clone();
            i.eval(&c[0].body, &mut inner)
        }
        _ => Err(raise(
            "RuntimeError",
            "receive would wait forever: no message in the mailbox matches (only messages sent to self() arrive here)",
            s,
        )),
    }
}
