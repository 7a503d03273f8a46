//! `Jason.encode_to_iodata!/1`, as the adapters use it for map and list
//! column defaults.

use crate::eval::EResult;
use crate::value::{inspect::inspect, Value};

use super::float_to_string;

pub fn encode(v: &Value) -> EResult<String> {
    let mut out = String::new();
    write(v, &mut out)?;
    Ok(out)
}

fn write(v: &Value, out: &mut String) -> EResult<()> {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float_to_string(*f)),
        Value::Atom(a) => string(a, out),
        Value::Str(s) => string(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, val)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let key = match k {
                    Value::Str(s) => s.to_string(),
                    Value::Atom(a) => a.to_string(),
                    Value::Nil | Value::Bool(_) => k.as_atom().unwrap_or_default().to_string(),
                    other => super::to_s(other)?,
                };
                string(&key, out);
                out.push(':');
                write(val, out)?;
            }
            out.push('}');
        }
        Value::Decimal(d) => string(&d.to_scientific(), out),
        Value::Date(d) => string(&d.iso(), out),
        Value::Time(t) => string(&t.iso(), out),
        Value::NaiveDateTime(n) => string(&n.iso('T'), out),
        Value::DateTime(d) => string(&d.iso(), out),
        other => {
            return Err(crate::eval::Error::raise(
                "Protocol.UndefinedError",
                format!("protocol Jason.Encoder not implemented for {}", inspect(other)),
                crate::diag::Span::NONE,
            ))
        }
    }
    Ok(())
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
