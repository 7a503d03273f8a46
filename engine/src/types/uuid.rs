//! `Ecto.UUID`: canonical hex strings outside, 16 raw bytes in the database.

use crate::value::Value;

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

const DASHES: [usize; 4] = [8, 13, 18, 23];

fn is_dashed_shape(b: &[u8]) -> bool {
    b.len() == 36 && DASHES.iter().all(|&i| b[i] == b'-')
}

/// Formats 16 bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lowercase).
pub fn encode(raw: &[u8]) -> String {
    let mut s = String::with_capacity(36);
    for (i, byte) in raw.iter().enumerate() {
        if i == 4 || i == 6 || i == 8 || i == 10 {
            s.push('-');
        }
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

/// `Ecto.UUID.cast/1`: a 36-character hex string with dashes (lowercased)
/// or any 16-byte binary (encoded).
pub fn cast(v: &Value) -> Option<Value> {
    let b = v.as_bytes()?;
    if is_dashed_shape(b) {
        let mut out = String::with_capacity(36);
        for (i, &c) in b.iter().enumerate() {
            if DASHES.contains(&i) {
                out.push('-');
            } else {
                hex_val(c)?;
                out.push(c.to_ascii_lowercase() as char);
            }
        }
        return Some(Value::string(out));
    }
    if b.len() == 16 {
        return Some(Value::string(encode(b)));
    }
    None
}

/// `Ecto.UUID.dump/1`: the 16 raw bytes of a dashed hex string.
pub fn dump(v: &Value) -> Option<Value> {
    let b = v.as_bytes()?;
    if !is_dashed_shape(b) {
        return None;
    }
    let digits: Vec<u8> = b.iter().enumerate().filter(|(i, _)| !DASHES.contains(i)).map(|(_, &c)| c).collect();
    let mut raw = Vec::with_capacity(16);
    for pair in digits.chunks(2) {
        raw.push(hex_val(pair[0])? * 16 + hex_val(pair[1])?);
    }
    Some(Value::binary(&raw))
}

/// `Ecto.UUID.load/1`: 16 raw bytes → dashed string. A value that already
/// looks like a dashed string is an error in Ecto (it raises).
pub enum Load {
    Ok(Value),
    AlreadyString,
    Error,
}

pub fn load(v: &Value) -> Load {
    match v.as_bytes() {
        Some(b) if b.len() == 16 => Load::Ok(Value::string(encode(b))),
        Some(b) if is_dashed_shape(b) => Load::AlreadyString,
        _ => Load::Error,
    }
}

/// A version-4 UUID string from 16 random bytes.
pub fn from_random(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    encode(&bytes)
}
