//! JSON as Jason writes and reads it: how ecto_sqlite3 stores maps, arrays
//! and embeds in TEXT columns, and how Postgres receives embeds.

use std::rc::Rc;

use super::cast::fwrite_g;
use crate::value::{MapT, Value};

fn escape_into(out: &mut String, s: &str) {
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

/// `Jason.encode!/1`; `None` where Jason raises (tuples, non-UTF-8
/// binaries, structs without an encoder, functions, ...).
pub fn encode(v: &Value) -> Option<String> {
    let mut out = String::new();
    encode_into(&mut out, v)?;
    Some(out)
}

fn encode_key(v: &Value) -> Option<String> {
    Some(match v {
        Value::Str(s) => s.to_string(),
        Value::Atom(_) | Value::Nil | Value::Bool(_) => v.as_atom()?.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => fwrite_g(*f),
        _ => return None,
    })
}

fn encode_into(out: &mut String, v: &Value) -> Option<()> {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Atom(a) => escape_into(out, a),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&fwrite_g(*f)),
        Value::Str(s) => escape_into(out, s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_into(out, item)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                escape_into(out, &encode_key(k)?);
                out.push(':');
                encode_into(out, item)?;
            }
            out.push('}');
        }
        Value::Decimal(d) => escape_into(out, &d.to_scientific()),
        Value::Date(d) => escape_into(out, &d.iso()),
        Value::Time(t) => escape_into(out, &t.iso()),
        Value::NaiveDateTime(n) => escape_into(out, &n.iso('T')),
        Value::DateTime(d) => escape_into(out, &d.iso()),
        _ => return None,
    }
    Some(())
}

/// `Jason.decode/1`: objects become maps with string keys.
pub fn decode(s: &str) -> Option<Value> {
    let parsed: serde_json::Value = serde_json::from_str(s).ok()?;
    Some(from_serde(&parsed))
}

fn from_serde(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else if let Some(f) = n.as_f64() {
                // Jason keeps integers written without `.`/`e` as integers.
                let text = n.to_string();
                if !text.contains(['.', 'e', 'E']) && f.fract() == 0.0 && f.abs() < 9.2e18 {
                    Value::Int(f as i64)
                } else {
                    Value::Float(f)
                }
            } else {
                Value::Nil
            }
        }
        serde_json::Value::String(s) => Value::Str(Rc::from(s.as_str())),
        serde_json::Value::Array(items) => Value::list(items.iter().map(from_serde).collect()),
        serde_json::Value::Object(o) => {
            let mut m = MapT::new();
            for (k, item) in o {
                m.insert(Value::str(k), from_serde(item));
            }
            Value::map(m)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::inspect::inspect;

    /// Floats whose shortest form a fast, inexact parser gets wrong by one
    /// unit in the last place. Some are written with more digits than an
    /// f64 holds on purpose: that is the text a parser has to round.
    #[allow(clippy::excessive_precision)]
    const AWKWARD: [f64; 12] = [
        0.30000000000000004,
        1e-7,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        7.4109846876186982e-323,
        -0.0,
        0.09437000000002627,
        0.09437000000002628,
        2.2250738585072009e-308,
        9007199254740993.0,
        1.7976931348623157e308,
    ];

    #[test]
    fn floats_in_map_columns_load_bit_identical() {
        for x in AWKWARD {
            let text = encode(&Value::Float(x)).expect("a float encodes");
            match decode(&text) {
                Some(Value::Float(y)) => assert_eq!(y.to_bits(), x.to_bits(), "{text} decoded as {y:?}"),
                other => panic!("{text}: {}", other.map(|v| inspect(&v)).unwrap_or_default()),
            }
        }
    }

    #[test]
    fn the_json_lines_keep_an_inspected_floats_shortest_form() {
        for x in AWKWARD {
            let v = Value::Float(x);
            let line = serde_json::to_string(&crate::value::json::encode(&v)).expect("serializes");
            let back: serde_json::Value = serde_json::from_str(&line).expect("parses");
            let y = back.as_f64().expect("a number");
            assert_eq!(y.to_bits(), x.to_bits(), "{line}");
            assert_eq!(inspect(&Value::Float(y)), inspect(&v));
        }
    }
}
