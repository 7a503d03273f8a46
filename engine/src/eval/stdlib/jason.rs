//! Jason (and Elixir 1.18's JSON): encode!/decode! and their {:ok, _}
//! variants, with Jason's output format.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::raise;
use crate::diag::Span;
use crate::eval::{args, Builtins, EResult, Error, Interp};
use crate::value::{inspect, MapT, Struct, Value};

pub fn register(b: &mut Builtins) {
    // the helpers a hand-written `Jason.Encoder` implementation calls
    for f in ["map", "list", "value", "keyword", "struct"] {
        b.add("Jason.Encode", f, &[2], |i, a, s| encode_value(i, &a[0], &Opts::from(None), s).map(Value::string));
    }
    b.add("Jason.Encode", "string", &[2], |_, a, s| {
        let t = crate::eval::core::to_string(&a[0], s)?;
        let mut out = String::new();
        escape_str(&t, Opts::from(None).escape, &mut out);
        Ok(Value::string(out))
    });
    b.add("Jason.Encode", "atom", &[2], |i, a, s| encode_value(i, &a[0], &Opts::from(None), s).map(Value::string));
    b.add("Jason.Encode", "integer", &[1], |i, a, s| encode_value(i, &a[0], &Opts::from(None), s).map(Value::string));
    b.add("Jason.Encode", "float", &[1], |i, a, s| encode_value(i, &a[0], &Opts::from(None), s).map(Value::string));
    for m in ["Jason", "JSON", "Poison"] {
        b.add(m, "encode!", &[1, 2], |i, a, s| {
            let opts = Opts::from(a.get(1));
            encode_value(i, &a[0], &opts, s).map(Value::string)
        });
        b.add(m, "encode", &[1, 2], |i, a, s| {
            let opts = Opts::from(a.get(1));
            match encode_value(i, &a[0], &opts, s) {
                Ok(t) => Ok(Value::ok(Value::string(t))),
                Err(e) => match *e {
                    Error::Raise(ex) if ex.kind.starts_with("Jason") || ex.kind.starts_with("Protocol") => {
                        Ok(Value::error(error_struct(&ex.kind, &ex.message)))
                    }
                    other => Err(Box::new(other)),
                },
            }
        });
        b.add(m, "encode_to_iodata!", &[1, 2], |i, a, s| {
            let opts = Opts::from(a.get(1));
            encode_value(i, &a[0], &opts, s).map(Value::string)
        });
        b.add(m, "decode!", &[1, 2], |_, a, s| {
            let t = args::string("Jason.decode!/2", &a[0], s)?;
            let keys = Keys::from(a.get(1));
            decode_str(t, keys).map_err(|(pos, msg)| {
                Box::new(Error::Raise(crate::eval::Exception {
                    kind: "Jason.DecodeError".into(),
                    message: msg.clone(),
                    span: s,
                    value: Some(decode_error(pos, &msg, t)),
                }))
            })
        });
        b.add(m, "decode", &[1, 2], |_, a, s| {
            let t = args::string("Jason.decode/2", &a[0], s)?;
            let keys = Keys::from(a.get(1));
            Ok(match decode_str(t, keys) {
                Ok(v) => Value::ok(v),
                Err((pos, msg)) => Value::error(decode_error(pos, &msg, t)),
            })
        });
    }
    b.add("Jason.Formatter", "pretty_print", &[1, 2], |_, a, s| {
        let t = args::string("Jason.Formatter.pretty_print/1", &a[0], s)?;
        let v = decode_str(t, Keys::Strings).map_err(|(_, m)| raise("Jason.DecodeError", m, s))?;
        let mut out = String::new();
        write_json(&v, &Opts { pretty: true, escape: Escape::Json }, 0, &mut out);
        Ok(Value::string(out))
    });
}

#[derive(Clone, Copy, PartialEq)]
enum Escape {
    Json,
    Unicode,
    Html,
    Javascript,
}

struct Opts {
    pretty: bool,
    escape: Escape,
}

impl Opts {
    fn from(v: Option<&Value>) -> Opts {
        let mut o = Opts { pretty: false, escape: Escape::Json };
        if let Some(kw) = v {
            o.pretty = kw.keyword_get("pretty").is_some_and(|p| p.is_truthy());
            o.escape = match kw.keyword_get("escape").and_then(|e| e.as_atom()) {
                Some("unicode_safe") => Escape::Unicode,
                Some("html_safe") => Escape::Html,
                Some("javascript_safe") => Escape::Javascript,
                _ => Escape::Json,
            };
        }
        o
    }
}

#[derive(Clone, Copy)]
enum Keys {
    Strings,
    Atoms,
}

impl Keys {
    fn from(v: Option<&Value>) -> Keys {
        match v.and_then(|o| o.keyword_get("keys")).and_then(|k| k.as_atom()) {
            Some("atoms") | Some("atoms!") => Keys::Atoms,
            _ => Keys::Strings,
        }
    }
}

fn error_struct(kind: &str, message: &str) -> Value {
    let module = if kind.starts_with("Protocol") { "Elixir.Protocol.UndefinedError" } else { "Elixir.Jason.EncodeError" };
    Value::Struct(Rc::new(Struct::exception(module, vec![("message", Value::str(message))])))
}

fn decode_error(pos: usize, msg: &str, data: &str) -> Value {
    let _ = msg; // Jason's token is nil for both "unexpected byte" and "unexpected end"
    let token = Value::Nil;
    Value::Struct(Rc::new(Struct::exception(
        "Elixir.Jason.DecodeError",
        vec![("position", Value::Int(pos as i64)), ("token", token), ("data", Value::str(data))],
    )))
}

// ---- encoding -------------------------------------------------------------------------------

/// A JSON value prepared from an Elixir term (maps keep Elixir's order).
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
    /// JSON text a user `Jason.Encoder` implementation produced.
    Raw(String),
}

fn encode_value(i: &mut Interp, v: &Value, o: &Opts, s: Span) -> EResult<String> {
    let j = to_j(i, v, s, 0)?;
    let mut out = String::new();
    write_j(&j, o, 0, &mut out);
    Ok(out)
}

/// Jason's `Any` implementation explains, for a struct, how to derive the encoder.
fn not_implemented(v: &Value, s: Span) -> Box<Error> {
    let advice = if v.struct_name().is_some() {
        ", Jason.Encoder protocol must always be explicitly implemented.\n\n\
         If you own the struct, you can derive the implementation specifying which fields should be encoded to JSON:\n\n    \
         @derive {Jason.Encoder, only: [....]}\n    defstruct ...\n\n\
         It is also possible to encode all fields, although this should be used carefully to avoid accidentally leaking private information when new fields are added:\n\n    \
         @derive Jason.Encoder\n    defstruct ...\n\n\
         Finally, if you don't own the struct you want to encode to JSON, you may use Protocol.derive/3 placed outside of any module:\n\n    \
         Protocol.derive(Jason.Encoder, NameOfTheStruct, only: [...])\n    Protocol.derive(Jason.Encoder, NameOfTheStruct)\n"
    } else {
        ""
    };
    raise(
        "Protocol.UndefinedError",
        format!(
            "protocol Jason.Encoder not implemented for type {}{advice}\n\nGot value:\n\n    {}\n",
            super::value_type(v),
            inspect::inspect(v)
        ),
        s,
    )
}

fn key_text(k: &Value, s: Span) -> EResult<String> {
    Ok(match k {
        Value::Str(t) => t.to_string(),
        Value::Atom(a) => a.to_string(),
        Value::Nil => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Float(f) => inspect::float(*f),
        other => {
            return Err(raise(
                "Protocol.UndefinedError",
                format!("protocol String.Chars not implemented for {}", inspect::inspect(other)),
                s,
            ))
        }
    })
}

fn to_j(i: &mut Interp, v: &Value, s: Span, depth: usize) -> EResult<J> {
    if depth > 500 {
        return Err(raise("Jason.EncodeError", "nesting too deep", s));
    }
    Ok(match v {
        Value::Nil => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(n) => J::Num(n.to_string()),
        Value::Float(f) => J::Num(inspect::float(*f)),
        Value::Atom(a) => J::Str(crate::value::alias_name(a).to_string()),
        Value::Str(t) => J::Str(t.to_string()),
        Value::Bytes(_) => return Err(raise("Jason.EncodeError", format!("invalid byte in string: {}", inspect::inspect(v)), s)),
        Value::List(items) => {
            if let Some(kw) = v.as_keyword() {
                if !kw.is_empty() && items.iter().all(|x| x.as_tuple().is_some()) {
                    // Keyword lists are not objects in Jason: tuples are not encodable.
                    return Err(not_implemented(&items[0], s));
                }
            }
            J::Arr(items.iter().map(|x| to_j(i, x, s, depth + 1)).collect::<EResult<_>>()?)
        }
        Value::Map(m) => {
            let mut out = Vec::new();
            for (k, x) in m.iter() {
                out.push((key_text(k, s)?, to_j(i, x, s, depth + 1)?));
            }
            J::Obj(out)
        }
        Value::Decimal(d) => J::Str(d.to_scientific()),
        Value::Date(d) => J::Str(d.iso()),
        Value::Time(t) => J::Str(t.iso()),
        Value::NaiveDateTime(n) => J::Str(n.iso('T')),
        Value::DateTime(d) => J::Str(d.iso()),
        Value::MapSet(set) => J::Arr(set.iter().map(|x| to_j(i, x, s, depth + 1)).collect::<EResult<_>>()?),
        Value::Struct(st) => {
            // `defimpl Jason.Encoder, for: Mod`: its encode/2 returns iodata
            let imp = format!("Elixir.Jason.Encoder.{}", st.name());
            if i.user_function(&imp, "encode", 2, false).is_some() {
                let out = i.call(&imp, "encode", vec![v.clone(), Value::list(vec![])], s)?;
                return Ok(J::Raw(crate::eval::core::to_string(&out, s)?));
            }
            let Some(fields) = derived_fields(i, st) else { return Err(not_implemented(v, s)) };
            let mut out = Vec::new();
            for (k, x) in fields {
                out.push((k, to_j(i, &x, s, depth + 1)?));
            }
            J::Obj(out)
        }
        Value::Opaque(o) if o.module() == "Jason.Fragment" => J::Num(o.inspect()),
        other => return Err(not_implemented(other, s)),
    })
}

/// The fields a struct encodes, when its module derives `Jason.Encoder`
/// (`@derive Jason.Encoder` or `@derive {Jason.Encoder, only: [...]}`).
fn derived_fields(i: &mut Interp, st: &Struct) -> Option<Vec<(String, Value)>> {
    let module = i.modules.get(&*st.module)?;
    let derive = module.attributes.get("derive")?;
    let entries: Vec<Value> = match derive {
        Value::List(l) => l.to_vec(),
        other => vec![other.clone()],
    };
    for e in entries {
        let (m, opts) = match &e {
            Value::Tuple(t) if t.len() == 2 => (t[0].clone(), Some(t[1].clone())),
            other => (other.clone(), None),
        };
        let name = m.as_atom().map(crate::value::alias_name).unwrap_or_default();
        if name != "Jason.Encoder" && name != "JSON.Encoder" {
            continue;
        }
        let only: Option<Vec<String>> = opts
            .as_ref()
            .and_then(|o| o.keyword_get("only"))
            .and_then(|l| l.as_list())
            .map(|l| l.iter().filter_map(|x| x.as_atom().map(str::to_string)).collect());
        let except: Vec<String> = opts
            .as_ref()
            .and_then(|o| o.keyword_get("except"))
            .and_then(|l| l.as_list())
            .map(|l| l.iter().filter_map(|x| x.as_atom().map(str::to_string)).collect())
            .unwrap_or_default();
        let mut out = Vec::new();
        match only {
            Some(keys) => {
                for k in keys {
                    if let Some(v) = st.get(&k) {
                        out.push((k, v.clone()));
                    }
                }
            }
            None => {
                let mut m: BTreeMap<String, Value> = BTreeMap::new();
                for (k, v) in &st.fields {
                    if &**k != "__meta__" && !except.iter().any(|e| e == &**k) {
                        m.insert(k.to_string(), v.clone());
                    }
                }
                out.extend(m);
            }
        }
        return Some(out);
    }
    None
}

fn escape_str(t: &str, esc: Escape, out: &mut String) {
    out.push('"');
    for c in t.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            '/' if esc == Escape::Html => out.push_str("\\/"),
            '<' | '>' | '&' if esc == Escape::Html => out.push_str(&format!("\\u{:04X}", c as u32)),
            '\u{2028}' | '\u{2029}' if matches!(esc, Escape::Javascript | Escape::Html) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if esc == Escape::Unicode && (c as u32) > 0x7f => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04X}", u));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_j(j: &J, o: &Opts, level: usize, out: &mut String) {
    let nl = |out: &mut String, lvl: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(lvl));
    };
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) | J::Raw(n) => out.push_str(n),
        J::Str(t) => escape_str(t, o.escape, out),
        J::Arr(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (k, x) in items.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                if o.pretty {
                    nl(out, level + 1);
                }
                write_j(x, o, level + 1, out);
            }
            if o.pretty {
                nl(out, level);
            }
            out.push(']');
        }
        J::Obj(items) => {
            if items.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (k, (key, x)) in items.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                if o.pretty {
                    nl(out, level + 1);
                }
                escape_str(key, o.escape, out);
                out.push(':');
                if o.pretty {
                    out.push(' ');
                }
                write_j(x, o, level + 1, out);
            }
            if o.pretty {
                nl(out, level);
            }
            out.push('}');
        }
    }
}

/// Writes an already decoded value (for the formatter).
fn write_json(v: &Value, o: &Opts, level: usize, out: &mut String) {
    fn conv(v: &Value) -> J {
        match v {
            Value::Nil => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(n) => J::Num(n.to_string()),
            Value::Float(f) => J::Num(inspect::float(*f)),
            Value::Str(t) => J::Str(t.to_string()),
            Value::List(l) => J::Arr(l.iter().map(conv).collect()),
            Value::Map(m) => J::Obj(m.iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), conv(v))).collect()),
            other => J::Str(inspect::inspect(other)),
        }
    }
    write_j(&conv(v), o, level, out);
}

// ---- decoding -------------------------------------------------------------------------------

struct Parser<'a> {
    b: &'a [u8],
    pos: usize,
    keys: Keys,
    depth: usize,
}

type PResult<T> = Result<T, (usize, String)>;

fn decode_str(t: &str, keys: Keys) -> PResult<Value> {
    let mut p = Parser { b: t.as_bytes(), pos: 0, keys, depth: 0 };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.pos != p.b.len() {
        return Err(p.unexpected());
    }
    Ok(v)
}

impl Parser<'_> {
    fn unexpected(&self) -> (usize, String) {
        match self.b.get(self.pos) {
            Some(c) => (self.pos, format!("unexpected byte at position {}: 0x{:02X} ({:?})", self.pos, c, *c as char)),
            None => (self.pos, "unexpected end of input at position ".to_string() + &self.pos.to_string()),
        }
    }

    fn ws(&mut self) {
        while self.pos < self.b.len() && matches!(self.b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn lit(&mut self, word: &[u8], v: Value) -> PResult<Value> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.unexpected())
        }
    }

    fn value(&mut self) -> PResult<Value> {
        self.depth += 1;
        if self.depth > 1000 {
            return Err((self.pos, "nesting too deep".into()));
        }
        let r = match self.b.get(self.pos) {
            None => Err(self.unexpected()),
            Some(b'n') => self.lit(b"null", Value::Nil),
            Some(b't') => self.lit(b"true", Value::Bool(true)),
            Some(b'f') => self.lit(b"false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::string),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                } else {
                    loop {
                        self.ws();
                        items.push(self.value()?);
                        self.ws();
                        match self.b.get(self.pos) {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.unexpected()),
                        }
                    }
                }
                Ok(Value::list(items))
            }
            Some(b'{') => {
                self.pos += 1;
                let mut m = MapT::new();
                self.ws();
                if self.b.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.ws();
                        if self.b.get(self.pos) != Some(&b'"') {
                            return Err(self.unexpected());
                        }
                        let k = self.string()?;
                        self.ws();
                        if self.b.get(self.pos) != Some(&b':') {
                            return Err(self.unexpected());
                        }
                        self.pos += 1;
                        self.ws();
                        let v = self.value()?;
                        let key = match self.keys {
                            Keys::Strings => Value::string(k),
                            Keys::Atoms => Value::atom(&k),
                        };
                        m.insert(key, v);
                        self.ws();
                        match self.b.get(self.pos) {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.unexpected()),
                        }
                    }
                }
                Ok(Value::map(m))
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => self.number(),
            Some(_) => Err(self.unexpected()),
        };
        self.depth -= 1;
        r
    }

    fn number(&mut self) -> PResult<Value> {
        let start = self.pos;
        if self.b.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let digits_start = self.pos;
        while self.pos < self.b.len() && self.b[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
        if self.pos == digits_start {
            return Err(self.unexpected());
        }
        if self.b[digits_start] == b'0' && self.pos - digits_start > 1 {
            return Err((digits_start + 1, format!("unexpected byte at position {}", digits_start + 1)));
        }
        let mut is_float = false;
        if self.b.get(self.pos) == Some(&b'.') {
            is_float = true;
            self.pos += 1;
            let f = self.pos;
            while self.pos < self.b.len() && self.b[self.pos].is_ascii_digit() {
                self.pos += 1;
            }
            if self.pos == f {
                return Err(self.unexpected());
            }
        }
        if matches!(self.b.get(self.pos), Some(b'e' | b'E')) {
            is_float = true;
            self.pos += 1;
            if matches!(self.b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            let f = self.pos;
            while self.pos < self.b.len() && self.b[self.pos].is_ascii_digit() {
                self.pos += 1;
            }
            if self.pos == f {
                return Err(self.unexpected());
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.pos]).unwrap_or("0");
        if is_float {
            text.parse::<f64>().map(Value::Float).map_err(|_| (start, "invalid number".into()))
        } else {
            match text.parse::<i64>() {
                Ok(n) => Ok(Value::Int(n)),
                Err(_) => {
                    crate::value::bigint::BigInt::parse(text, 10).map(Value::from_bigint).ok_or_else(|| (start, "invalid number".into()))
                }
            }
        }
    }

    fn string(&mut self) -> PResult<String> {
        self.pos += 1; // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.b.get(self.pos) else { return Err(self.unexpected()) };
            match c {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(&e) = self.b.get(self.pos) else { return Err(self.unexpected()) };
                    self.pos += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) && self.b[self.pos..].starts_with(b"\\u") {
                                self.pos += 2;
                                let lo = self.hex4()?;
                                0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                            } else {
                                hi
                            };
                            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut buf = [0; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err((self.pos - 1, format!("unexpected byte at position {}", self.pos - 1))),
                    }
                }
                c if c < 0x20 => return Err(self.unexpected()),
                c => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| (self.pos, "invalid UTF-8".into()))
    }

    fn hex4(&mut self) -> PResult<u32> {
        let h = self.b.get(self.pos..self.pos + 4).ok_or_else(|| self.unexpected())?;
        let t = std::str::from_utf8(h).map_err(|_| self.unexpected())?;
        let v = u32::from_str_radix(t, 16).map_err(|_| self.unexpected())?;
        self.pos += 4;
        Ok(v)
    }
}
