//! Smaller stdlib functions: Module.concat/split, Function.identity,
//! Integer.extended_gcd, String.splitter and String.bag_distance.

use super::raise;
use crate::diag::Span;
use crate::eval::{args, Builtins, EResult};
use crate::value::{inspect, Value};

pub fn register(b: &mut Builtins) {
    b.add("Module", "concat", &[1, 2], |_, a, s| {
        let parts: Vec<Value> = match a.as_slice() {
            [l] => args::list("Module.concat/1", l, s)?.to_vec(),
            [x, y] => vec![x.clone(), y.clone()],
            _ => vec![],
        };
        module_concat(&parts, s)
    });
    b.add("Module", "safe_concat", &[1, 2], |_, a, s| {
        let parts: Vec<Value> = match a.as_slice() {
            [l] => args::list("Module.safe_concat/1", l, s)?.to_vec(),
            [x, y] => vec![x.clone(), y.clone()],
            _ => vec![],
        };
        module_concat(&parts, s)
    });
    b.add("Module", "split", &[1], |_, a, s| {
        let name = match &a[0] {
            Value::Str(t) => t.to_string(),
            v => v.as_atom().map(str::to_string).unwrap_or_default(),
        };
        match name.strip_prefix("Elixir.") {
            Some(rest) => Ok(Value::list(rest.split('.').map(Value::str).collect())),
            None => Err(raise("ArgumentError", format!("expected an Elixir module, got: {}", inspect::inspect(&a[0])), s)),
        }
    });
    b.add("Function", "identity", &[1], |_, a, _| Ok(a[0].clone()));
    // Enough of Inspect.Algebra for `defimpl Inspect` bodies that build strings.
    b.add("Inspect.Algebra", "to_doc", &[2], |i, a, s| {
        let v = apply_user_inspect(i, &a[0], s);
        Ok(Value::string(inspect::inspect(&v)))
    });
    b.add("Inspect.Algebra", "concat", &[1, 2], |i, a, s| {
        let parts: Vec<Value> = match a.as_slice() {
            [l] => args::list("Inspect.Algebra.concat/1", l, s)?.to_vec(),
            [x, y] => vec![x.clone(), y.clone()],
            _ => vec![],
        };
        let mut out = String::new();
        for p in parts {
            out.push_str(&crate::eval::core::to_string(&p, s).inspect_err(|_e| {
                let _ = &i;
            })?);
        }
        Ok(Value::string(out))
    });
    b.add("Inspect.Algebra", "string", &[1], |_, a, _| Ok(a[0].clone()));
    b.add("Inspect.Algebra", "empty", &[0], |_, _, _| Ok(Value::str("")));
    b.add("Integer", "extended_gcd", &[2], |_, a, s| {
        let x = args::int("Integer.extended_gcd/2", &a[0], s)?;
        let y = args::int("Integer.extended_gcd/2", &a[1], s)?;
        let (g, u, v) = extended_gcd(x, y);
        Ok(Value::tuple(vec![Value::Int(g), Value::Int(u), Value::Int(v)]))
    });
    b.add("String", "splitter", &[2, 3], |i, a, s| i.call("String", "split", a, s));
    b.add("String", "bag_distance", &[2], |_, a, s| {
        let x = args::string("String.bag_distance/2", &a[0], s)?;
        let y = args::string("String.bag_distance/2", &a[1], s)?;
        Ok(Value::Float(bag_distance(x, y)))
    });
}

/// `Module.concat/1`: aliases and strings joined with dots under `Elixir.`.
fn module_concat(parts: &[Value], s: Span) -> EResult<Value> {
    let mut names: Vec<String> = Vec::new();
    for p in parts {
        let piece = match p {
            Value::Nil => continue,
            Value::Str(t) => t.to_string(),
            v => match v.as_atom() {
                Some(a) => a.to_string(),
                None => return Err(raise("FunctionClauseError", "no function clause matching in Module.concat/1", s)),
            },
        };
        let piece = piece.strip_prefix("Elixir.").map(str::to_string).unwrap_or(piece);
        if !piece.is_empty() {
            names.push(piece);
        }
    }
    Ok(Value::module(&names.join(".")))
}

/// Bézout coefficients, computed as `Integer.extended_gcd/2` does.
fn extended_gcd(a: i64, b: i64) -> (i64, i64, i64) {
    match (a, b) {
        (0, 0) => return (0, 0, 0),
        (0, b) => return if b > 0 { (b, 0, 1) } else { (b.wrapping_neg(), 0, -1) },
        (a, 0) => return if a > 0 { (a, 1, 0) } else { (a.wrapping_neg(), -1, 0) },
        _ => {}
    }
    let (mut r1, mut r0, mut s1, mut s0, mut t1, mut t0) = (b, a, 0i64, 1i64, 1i64, 0i64);
    loop {
        let d = r0.wrapping_div(r1);
        let r2 = r0.wrapping_sub(d.wrapping_mul(r1));
        if r2 == 0 {
            return if r1 > 0 { (r1, s1, t1) } else { (r1.wrapping_neg(), s1.wrapping_neg(), t1.wrapping_neg()) };
        }
        (r1, r0, s1, s0, t1, t0) = (r2, r1, s0.wrapping_sub(d.wrapping_mul(s1)), s1, t0.wrapping_sub(d.wrapping_mul(t1)), t1);
    }
}

/// `String.bag_distance/2`: 1 - (largest bag difference / longest length).
fn bag_distance(x: &str, y: &str) -> f64 {
    use std::collections::HashMap;
    use unicode_segmentation::UnicodeSegmentation;
    let gx: Vec<&str> = x.graphemes(true).collect();
    let gy: Vec<&str> = y.graphemes(true).collect();
    let longest = gx.len().max(gy.len());
    if longest == 0 {
        return 1.0;
    }
    let mut bag: HashMap<&str, i64> = HashMap::new();
    for g in &gx {
        *bag.entry(g).or_default() += 1;
    }
    for g in &gy {
        *bag.entry(g).or_default() -= 1;
    }
    let pos: i64 = bag.values().filter(|v| **v > 0).sum();
    let neg: i64 = -bag.values().filter(|v| **v < 0).sum::<i64>();
    1.0 - (pos.max(neg) as f64) / (longest as f64)
}

/// A struct already rendered by a user `defimpl Inspect`.
struct RawInspect {
    module: String,
    text: String,
}

impl crate::value::OpaqueValue for RawInspect {
    fn module(&self) -> &str {
        &self.module
    }
    fn inspect(&self) -> String {
        self.text.clone()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Replaces the structs that have a user `defimpl Inspect` by what their
/// `inspect/2` returns, so the pure `inspect` prints them.
pub fn apply_user_inspect(interp: &mut crate::eval::Interp, v: &Value, s: Span) -> Value {
    if !interp.modules.keys().any(|m| m.starts_with("Elixir.Inspect.")) {
        return v.clone();
    }
    walk_inspect(interp, v, s, 0)
}

fn walk_inspect(interp: &mut crate::eval::Interp, v: &Value, s: Span, depth: usize) -> Value {
    if depth > 64 {
        return v.clone();
    }
    match v {
        Value::List(l) => Value::list(l.iter().map(|x| walk_inspect(interp, x, s, depth + 1)).collect()),
        Value::Tuple(t) => Value::tuple(t.iter().map(|x| walk_inspect(interp, x, s, depth + 1)).collect()),
        Value::Map(m) => Value::map(m.iter().map(|(k, x)| (k.clone(), walk_inspect(interp, x, s, depth + 1))).collect()),
        Value::Struct(st) => {
            let name = st.name().to_string();
            let impl_module = format!("Elixir.Inspect.{name}");
            let has_impl = interp.modules.get(impl_module.as_str()).is_some_and(|m| m.functions.contains_key(&("inspect".to_string(), 2)));
            if has_impl {
                let opts = Value::keyword(vec![]);
                if let Ok(Value::Str(text)) = interp.call(&format!("Inspect.{name}"), "inspect", vec![v.clone(), opts], s) {
                    return Value::Opaque(std::rc::Rc::new(RawInspect { module: name, text: text.to_string() }));
                }
                return v.clone();
            }
            let mut st2 = (**st).clone();
            for (_, x) in st2.fields.iter_mut() {
                *x = walk_inspect(interp, x, s, depth + 1);
            }
            Value::Struct(std::rc::Rc::new(st2))
        }
        _ => v.clone(),
    }
}
