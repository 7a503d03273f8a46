//! PostgreSQL's frontend/backend protocol (version 3.0) as bytes: the
//! messages a client sends and a parser for what the server answers. No
//! I/O: a transport (a socket, PGlite's `execProtocolRawSync`) carries them.

/// Appends one frontend message: its type byte, length and body.
fn message(out: &mut Vec<u8>, tag: u8, body: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    out.extend_from_slice(body);
}

fn cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

/// The StartupMessage (protocol 3.0) with its parameters.
pub fn startup(params: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&196_608i32.to_be_bytes());
    for (k, v) in params {
        cstr(&mut body, k);
        cstr(&mut body, v);
    }
    body.push(0);
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// A PasswordMessage (cleartext or an MD5 digest already computed).
pub fn password(out: &mut Vec<u8>, pw: &str) {
    let mut body = Vec::new();
    cstr(&mut body, pw);
    message(out, b'p', &body);
}

/// A SASLInitialResponse: the chosen mechanism and the client's first message.
pub fn sasl_initial_response(out: &mut Vec<u8>, mechanism: &str, data: &[u8]) {
    let mut body = Vec::new();
    cstr(&mut body, mechanism);
    body.extend_from_slice(&(data.len() as i32).to_be_bytes());
    body.extend_from_slice(data);
    message(out, b'p', &body);
}

/// A SASLResponse: the next message of the SASL exchange.
pub fn sasl_response(out: &mut Vec<u8>, data: &[u8]) {
    message(out, b'p', data);
}

/// Parse of the unnamed statement; parameter types are left to the server.
pub fn parse(out: &mut Vec<u8>, sql: &str) {
    let mut body = Vec::new();
    cstr(&mut body, "");
    cstr(&mut body, sql);
    body.extend_from_slice(&0i16.to_be_bytes());
    message(out, b'P', &body);
}

/// Describe of the unnamed statement (`S`) or portal (`P`).
pub fn describe(out: &mut Vec<u8>, what: u8) {
    message(out, b'D', &[what, 0]);
}

/// One bound parameter: its format (0 text, 1 binary) and bytes (`None`: NULL).
pub type Param = (i16, Option<Vec<u8>>);

/// Bind of the unnamed portal to the unnamed statement.
pub fn bind(out: &mut Vec<u8>, params: &[Param], result_formats: &[i16]) {
    let mut body = Vec::new();
    cstr(&mut body, "");
    cstr(&mut body, "");
    body.extend_from_slice(&(params.len() as i16).to_be_bytes());
    for (f, _) in params {
        body.extend_from_slice(&f.to_be_bytes());
    }
    body.extend_from_slice(&(params.len() as i16).to_be_bytes());
    for (_, v) in params {
        match v {
            None => body.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(b) => {
                body.extend_from_slice(&(b.len() as i32).to_be_bytes());
                body.extend_from_slice(b);
            }
        }
    }
    body.extend_from_slice(&(result_formats.len() as i16).to_be_bytes());
    for f in result_formats {
        body.extend_from_slice(&f.to_be_bytes());
    }
    message(out, b'B', &body);
}

/// Execute of the unnamed portal, all rows.
pub fn execute(out: &mut Vec<u8>) {
    let mut body = Vec::new();
    cstr(&mut body, "");
    body.extend_from_slice(&0i32.to_be_bytes());
    message(out, b'E', &body);
}

pub fn sync(out: &mut Vec<u8>) {
    message(out, b'S', &[]);
}

/// A simple Query (several statements, text results).
pub fn query(out: &mut Vec<u8>, sql: &str) {
    let mut body = Vec::new();
    cstr(&mut body, sql);
    message(out, b'Q', &body);
}

pub fn terminate(out: &mut Vec<u8>) {
    message(out, b'X', &[]);
}

/// One column of a RowDescription.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub type_oid: u32,
    pub format: i16,
}

/// The fields of an ErrorResponse or NoticeResponse, by their code letter
/// (`S` severity, `C` SQLSTATE, `M` message, `n` constraint, `t` table, ...).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorFields(pub Vec<(u8, String)>);

impl ErrorFields {
    pub fn get(&self, code: u8) -> Option<&str> {
        self.0.iter().find(|(c, _)| *c == code).map(|(_, v)| v.as_str())
    }
}

/// A backend message.
#[derive(Clone, Debug, PartialEq)]
pub enum Backend {
    /// `R`: 0 ok, 3 cleartext password, 5 MD5 (with salt), 10 SASL, ...
    Authentication(i32, Vec<u8>),
    ParameterStatus(String, String),
    BackendKeyData(i32, i32),
    /// `Z` with the transaction status (`I`, `T`, `E`).
    ReadyForQuery(u8),
    RowDescription(Vec<Field>),
    DataRow(Vec<Option<Vec<u8>>>),
    CommandComplete(String),
    Error(ErrorFields),
    Notice(ErrorFields),
    ParameterDescription(Vec<u32>),
    ParseComplete,
    BindComplete,
    CloseComplete,
    NoData,
    EmptyQuery,
    PortalSuspended,
    /// Anything else (notifications, copy messages): its type byte.
    Other(u8),
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.b.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
    fn i16(&mut self) -> Option<i16> {
        self.take(2).map(|s| i16::from_be_bytes([s[0], s[1]]))
    }
    fn i32(&mut self) -> Option<i32> {
        self.take(4).map(|s| i32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn cstr(&mut self) -> Option<String> {
        let rest = self.b.get(self.at..)?;
        let n = rest.iter().position(|&c| c == 0)?;
        let s = String::from_utf8_lossy(&rest[..n]).into_owned();
        self.at += n + 1;
        Some(s)
    }
}

fn error_fields(body: &[u8]) -> ErrorFields {
    let mut r = Reader { b: body, at: 0 };
    let mut out = Vec::new();
    while let Some(&code) = body.get(r.at) {
        if code == 0 {
            break;
        }
        r.at += 1;
        match r.cstr() {
            Some(v) => out.push((code, v)),
            None => break,
        }
    }
    ErrorFields(out)
}

fn decode_one(tag: u8, body: &[u8]) -> Option<Backend> {
    let mut r = Reader { b: body, at: 0 };
    Some(match tag {
        b'R' => {
            let kind = r.i32()?;
            Backend::Authentication(kind, body[4..].to_vec())
        }
        b'S' => Backend::ParameterStatus(r.cstr()?, r.cstr()?),
        b'K' => Backend::BackendKeyData(r.i32()?, r.i32()?),
        b'Z' => Backend::ReadyForQuery(*body.first()?),
        b'T' => {
            let n = r.i16()?.max(0) as usize;
            let mut fields = Vec::with_capacity(n);
            for _ in 0..n {
                let name = r.cstr()?;
                r.take(6)?; // table oid, column number
                let type_oid = r.i32()? as u32;
                r.take(6)?; // type size, type modifier
                let format = r.i16()?;
                fields.push(Field { name, type_oid, format });
            }
            Backend::RowDescription(fields)
        }
        b'D' => {
            let n = r.i16()?.max(0) as usize;
            let mut cols = Vec::with_capacity(n);
            for _ in 0..n {
                let len = r.i32()?;
                cols.push(if len < 0 { None } else { Some(r.take(len as usize)?.to_vec()) });
            }
            Backend::DataRow(cols)
        }
        b'C' => Backend::CommandComplete(r.cstr()?),
        b'E' => Backend::Error(error_fields(body)),
        b'N' => Backend::Notice(error_fields(body)),
        b't' => {
            let n = r.i16()?.max(0) as usize;
            let mut oids = Vec::with_capacity(n);
            for _ in 0..n {
                oids.push(r.i32()? as u32);
            }
            Backend::ParameterDescription(oids)
        }
        b'1' => Backend::ParseComplete,
        b'2' => Backend::BindComplete,
        b'3' => Backend::CloseComplete,
        b'n' => Backend::NoData,
        b'I' => Backend::EmptyQuery,
        b's' => Backend::PortalSuspended,
        other => Backend::Other(other),
    })
}

/// The length of the first complete message in `buf`, if there is one.
pub fn message_len(buf: &[u8]) -> Option<usize> {
    if buf.len() < 5 {
        return None;
    }
    let len = i32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]);
    let total = (len.max(4) as usize).checked_add(1)?;
    (buf.len() >= total).then_some(total)
}

/// Splits a byte stream into backend messages; an incomplete or malformed
/// message ends the list with an error.
pub fn parse_backend(mut buf: &[u8]) -> Result<Vec<Backend>, String> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let n = message_len(buf).ok_or("the server sent an incomplete message")?;
        let msg = decode_one(buf[0], &buf[5..n]).ok_or_else(|| format!("the server sent a malformed {:?} message", buf[0] as char))?;
        out.push(msg);
        buf = &buf[n..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_messages() {
        let mut out = Vec::new();
        parse(&mut out, "SELECT $1");
        assert_eq!(out[0], b'P');
        assert_eq!(message_len(&out), Some(out.len()));
        let mut server = vec![b'Z', 0, 0, 0, 5, b'I'];
        server.extend_from_slice(&[b'C', 0, 0, 0, 15]);
        server.extend_from_slice(b"INSERT 0 1\0");
        let msgs = parse_backend(&server).unwrap();
        assert_eq!(msgs, vec![Backend::ReadyForQuery(b'I'), Backend::CommandComplete("INSERT 0 1".into())]);
        assert!(parse_backend(&server[..8]).is_err());
    }

    #[test]
    fn frames_sasl_messages() {
        let mut out = Vec::new();
        sasl_initial_response(&mut out, "SCRAM-SHA-256", b"n,,n=,r=abc");
        let mut want = vec![b'p', 0, 0, 0, 33];
        want.extend_from_slice(b"SCRAM-SHA-256\0");
        want.extend_from_slice(&[0, 0, 0, 11]);
        want.extend_from_slice(b"n,,n=,r=abc");
        assert_eq!(out, want);
        out.clear();
        sasl_response(&mut out, b"c=biws");
        assert_eq!(out, b"p\0\0\0\x0ac=biws");
        // AuthenticationSASL hands over its mechanism list
        let mut server = vec![b'R', 0, 0, 0, 23, 0, 0, 0, 10];
        server.extend_from_slice(b"SCRAM-SHA-256\0\0");
        assert_eq!(parse_backend(&server).unwrap(), vec![Backend::Authentication(10, b"SCRAM-SHA-256\0\0".to_vec())]);
    }
}
