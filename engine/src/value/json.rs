//! The conformance JSON encoding of values (see the corpus README):
//! atoms become strings, tuples `{"$tuple": [...]}`, structs objects with
//! `"$struct"`, non-UTF-8 binaries `{"$binary_hex": ...}`, and so on.

use serde_json::{json, Map, Value as Json};

use super::{inspect, Value};

/// Encodes with the default rules.
pub fn encode(v: &Value) -> Json {
    encode_with(v, &|_| None)
}

/// Encodes, letting `hook` replace the encoding of any sub-value (used for
/// changesets, whose encoding depends on the output kind).
pub fn encode_with(v: &Value, hook: &dyn Fn(&Value) -> Option<Json>) -> Json {
    if let Some(j) = hook(v) {
        return j;
    }
    let enc = |x: &Value| encode_with(x, hook);
    match v {
        Value::Nil => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        // serde_json cannot hold it: a marker that `finish` turns into digits.
        Value::BigInt(b) => Json::String(format!("{BIGINT_MARK}{b}")),
        Value::Int(i) => json!(i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map(Json::Number).unwrap_or(Json::Null),
        Value::Atom(a) => Json::String(a.to_string()),
        Value::Str(s) => Json::String(s.to_string()),
        Value::Bytes(b) => json!({ "$binary_hex": hex(b) }),
        Value::Bits(_) => json!({ "$inspect": super::inspect::inspect(v) }),
        Value::List(items) => Json::Array(items.iter().map(enc).collect()),
        Value::Tuple(items) => json!({ "$tuple": items.iter().map(enc).collect::<Vec<_>>() }),
        Value::Map(m) => {
            let mut obj = Map::new();
            for (k, v) in m.iter() {
                obj.insert(key_string(k), enc(v));
            }
            Json::Object(obj)
        }
        Value::Struct(s) => {
            if s.name() == "Ecto.Association.NotLoaded" {
                return json!({ "$not_loaded": true });
            }
            let mut obj = Map::new();
            obj.insert("$struct".into(), Json::String(s.name().to_string()));
            for (k, v) in s.fields.iter() {
                if &**k != "__meta__" {
                    obj.insert(k.to_string(), enc(v));
                }
            }
            Json::Object(obj)
        }
        Value::Decimal(d) => json!({ "$decimal": d.to_scientific() }),
        Value::Date(d) => Json::String(d.iso()),
        Value::Time(t) => Json::String(t.iso()),
        Value::NaiveDateTime(n) => Json::String(n.iso('T')),
        Value::DateTime(d) => Json::String(d.iso()),
        Value::Range(a, b, s) => json!({ "$struct": "Range", "first": a, "last": b, "step": s }),
        Value::MapSet(set) => {
            let mut obj = Map::new();
            for k in set.iter() {
                obj.insert(key_string(k), json!([]));
            }
            json!({ "$struct": "MapSet", "map": obj })
        }
        Value::Regex(r) => json!({ "$regex": r.source, "opts": r.opts_list().iter().map(enc).collect::<Vec<_>>() }),
        Value::Quoted(n) => enc(&super::quoted::plain(n)),
        other => json!({ "$inspect": inspect::inspect_full(other) }),
    }
}

/// Object keys: atoms and strings as text, anything else as its inspect form.
pub fn key_string(k: &Value) -> String {
    match k {
        Value::Atom(a) => a.to_string(),
        Value::Str(s) => s.to_string(),
        Value::Nil => "nil".into(),
        Value::Bool(b) => b.to_string(),
        other => inspect::inspect_full(other),
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The prefix of the string that stands for an integer too large for
/// serde_json in an encoded value.
pub const BIGINT_MARK: &str = "\u{0}bigint:";

/// Turns the big integer markers of serialized JSON text into plain numbers.
pub fn finish(text: String) -> String {
    const QUOTED: &str = "\"\\u0000bigint:";
    if !text.contains(QUOTED) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find(QUOTED) {
        out.push_str(&rest[..i]);
        let after = &rest[i + QUOTED.len()..];
        match after.find('"') {
            Some(end) => {
                out.push_str(&after[..end]);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
