//! A PostgreSQL session for `ectoplasm repo --adapter postgres`: the
//! engine's [`PgExecutor`] over a socket (TCP, or a Unix socket when the
//! URL's `host` is a directory), with trust, cleartext password, MD5 or
//! SCRAM-SHA-256 authentication.

mod auth;
#[cfg(test)]
mod gallery;

use std::io::{Read, Write};
use std::time::Duration;

use engine::pg::wire::{self, Backend};
use engine::pg::{PgExecutor, Transport};

use crate::input::Failure;

/// What a `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?host=/socket/dir]` URL names.
#[derive(Clone, Debug, PartialEq)]
pub struct Url {
    pub user: String,
    pub password: Option<String>,
    pub host: String,
    pub port: u16,
    pub database: String,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Url {
    pub fn parse(url: &str) -> Result<Url, String> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| format!("expected a URL of the form postgres://USER@HOST[:PORT]/DATABASE, got {url:?}"))?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (percent_decode(u), Some(percent_decode(p))),
            None => (percent_decode(userinfo), None),
        };
        let (mut host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse::<u16>().map_err(|_| format!("the port {p:?} in the database URL is not a number"))?),
            None => (hostport.to_string(), 5432),
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            if let Some(h) = pair.strip_prefix("host=") {
                host = percent_decode(h);
            }
        }
        if host.is_empty() {
            host = "localhost".into();
        }
        let database = percent_decode(database);
        if database.is_empty() {
            return Err(format!("the database URL {url:?} names no database (postgres://USER@HOST/DATABASE)"));
        }
        let user = if user.is_empty() { std::env::var("USER").unwrap_or_else(|_| "postgres".into()) } else { user };
        Ok(Url { user, password, host, port, database })
    }
}

trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

/// A socket to the server, with the URL to open a new one.
pub struct Socket {
    url: Url,
    stream: Box<dyn Stream>,
}

fn open_stream(url: &Url) -> Result<Box<dyn Stream>, String> {
    let unreachable = |e: std::io::Error| format!("cannot connect to PostgreSQL at {}:{}: {e}", url.host, url.port);
    if url.host.starts_with('/') {
        #[cfg(unix)]
        {
            let path = format!("{}/.s.PGSQL.{}", url.host, url.port);
            let s = std::os::unix::net::UnixStream::connect(&path).map_err(unreachable)?;
            return Ok(Box::new(s));
        }
        #[cfg(not(unix))]
        return Err("Unix sockets are not available here".into());
    }
    let s = std::net::TcpStream::connect((url.host.as_str(), url.port)).map_err(unreachable)?;
    s.set_nodelay(true).ok();
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    Ok(Box::new(s))
}

impl Socket {
    pub fn connect(url: &Url) -> Result<Socket, String> {
        let mut sock = Socket { url: url.clone(), stream: open_stream(url)? };
        sock.startup()?;
        Ok(sock)
    }

    fn startup(&mut self) -> Result<(), String> {
        let msg = wire::startup(&[
            ("user", &self.url.user),
            ("database", &self.url.database),
            ("client_encoding", "UTF8"),
            ("application_name", "ectoplasm"),
            // Ecto's default `:timeout`: a runaway statement is stopped, never hangs the command
            ("statement_timeout", "15000"),
        ]);
        self.stream.write_all(&msg).map_err(|e| e.to_string())?;
        let mut scram: Option<auth::Scram> = None;
        let mut verified = false;
        loop {
            let (tag, body) = self.read_message()?;
            let msg = wire::parse_backend(&frame(tag, &body))?.pop();
            match msg {
                Some(Backend::Authentication(0, _)) if scram.is_some() && !verified => {
                    return Err("the server skipped the SCRAM signature that proves it knows the password; connection refused".into());
                }
                Some(Backend::Authentication(0, _)) => {}
                Some(Backend::Authentication(3, _)) => {
                    let mut out = Vec::new();
                    wire::password(&mut out, self.password()?);
                    self.stream.write_all(&out).map_err(|e| e.to_string())?;
                }
                Some(Backend::Authentication(5, salt)) => {
                    let digest = auth::md5_password(&self.url.user, self.password()?, &salt);
                    let mut out = Vec::new();
                    wire::password(&mut out, &digest);
                    self.stream.write_all(&out).map_err(|e| e.to_string())?;
                }
                Some(Backend::Authentication(10, mechanisms)) => {
                    let offered: Vec<&[u8]> = mechanisms.split(|b| *b == 0).filter(|m| !m.is_empty()).collect();
                    if !offered.contains(&&b"SCRAM-SHA-256"[..]) {
                        let names: Vec<String> = offered.iter().map(|m| String::from_utf8_lossy(m).into_owned()).collect();
                        return Err(format!(
                            "the server offers only the SASL mechanisms {} and this client speaks SCRAM-SHA-256",
                            names.join(", ")
                        ));
                    }
                    let pw = self.password()?;
                    let exchange = auth::Scram::new("", pw, &auth::client_nonce()?);
                    let mut out = Vec::new();
                    wire::sasl_initial_response(&mut out, "SCRAM-SHA-256", exchange.client_first().as_bytes());
                    self.stream.write_all(&out).map_err(|e| e.to_string())?;
                    scram = Some(exchange);
                }
                Some(Backend::Authentication(11, data)) => {
                    let exchange = scram.as_mut().ok_or("the server continued a SASL exchange that never began")?;
                    let reply = exchange.client_final(&String::from_utf8_lossy(&data))?;
                    let mut out = Vec::new();
                    wire::sasl_response(&mut out, reply.as_bytes());
                    self.stream.write_all(&out).map_err(|e| e.to_string())?;
                }
                Some(Backend::Authentication(12, data)) => {
                    let exchange = scram.as_ref().ok_or("the server ended a SASL exchange that never began")?;
                    exchange.verify_server_final(&String::from_utf8_lossy(&data))?;
                    verified = true;
                }
                Some(Backend::Authentication(kind, _)) => {
                    return Err(format!(
                        "the server asks for an authentication method this client does not speak (code {kind}); \
                         use trust, password, md5 or scram-sha-256 authentication"
                    ))
                }
                Some(Backend::Error(f)) => return Err(engine::pg::error_message(&f, None)),
                Some(Backend::ReadyForQuery(_)) => return Ok(()),
                _ => {}
            }
        }
    }

    fn password(&self) -> Result<&str, String> {
        self.url
            .password
            .as_deref()
            .ok_or_else(|| "the server asks for a password; put it in the URL (postgres://USER:PASSWORD@HOST/DB)".into())
    }

    fn read_message(&mut self) -> Result<(u8, Vec<u8>), String> {
        let mut head = [0u8; 5];
        self.stream.read_exact(&mut head).map_err(|e| format!("the connection to PostgreSQL was lost: {e}"))?;
        let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        let mut body = vec![0u8; (len.max(4) - 4) as usize];
        self.stream.read_exact(&mut body).map_err(|e| format!("the connection to PostgreSQL was lost: {e}"))?;
        Ok((head[0], body))
    }
}

fn frame(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5);
    out.push(tag);
    out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

impl Transport for Socket {
    fn roundtrip(&mut self, messages: &[u8]) -> Result<Vec<u8>, String> {
        self.stream.write_all(messages).map_err(|e| format!("the connection to PostgreSQL was lost: {e}"))?;
        let mut out = Vec::new();
        loop {
            let (tag, body) = self.read_message()?;
            out.extend_from_slice(&frame(tag, &body));
            if tag == b'Z' {
                return Ok(out);
            }
        }
    }

    fn reconnect(&mut self) -> Result<(), String> {
        let mut bye = Vec::new();
        wire::terminate(&mut bye);
        let _ = self.stream.write_all(&bye);
        *self = Socket::connect(&self.url)?;
        Ok(())
    }
}

/// Opens a session on the database `url` names.
pub fn open(url: &str) -> Result<PgExecutor<Socket>, Failure> {
    let url = Url::parse(url).map_err(|e| Failure(format!("ectoplasm: {e}")))?;
    let sock = Socket::connect(&url).map_err(|e| Failure(format!("ectoplasm: {e}")))?;
    Ok(PgExecutor::new(sock))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_database_urls() {
        let u = Url::parse("postgres://bob:s%40cret@127.0.0.1:5433/shop").unwrap();
        assert_eq!(
            u,
            Url { user: "bob".into(), password: Some("s@cret".into()), host: "127.0.0.1".into(), port: 5433, database: "shop".into() }
        );
        let u = Url::parse("postgresql://postgres@localhost/db?host=/tmp/pg").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("/tmp/pg", 5432));
        assert!(Url::parse("mysql://x@y/z").is_err());
        assert!(Url::parse("postgres://x@y").is_err());
    }

    /// The server to run against (`make test-pg` starts one and gives it).
    fn server() -> Option<PgExecutor<Socket>> {
        let Ok(url) = std::env::var("ECTOPLASM_TEST_PG_URL") else {
            eprintln!("skipped: ECTOPLASM_TEST_PG_URL names no PostgreSQL server (make test-pg gives one)");
            return None;
        };
        Some(open(&url).unwrap_or_else(|e| panic!("{}", e.0)))
    }

    /// The password roles of scripts/pg-cluster.sh log in, and a wrong or
    /// missing password is refused with the server's or this client's message.
    #[test]
    fn password_roles_log_in() {
        for (var, role) in [("ECTOPLASM_TEST_PG_SCRAM_URL", "ectoplasm_scram"), ("ECTOPLASM_TEST_PG_MD5_URL", "ectoplasm_md5")] {
            let Ok(url) = std::env::var(var) else {
                eprintln!("skipped: {var} names no role (make test-pg gives one)");
                continue;
            };
            let mut db = open(&url).unwrap_or_else(|e| panic!("{role}: {}", e.0));
            let r = db.execute("SELECT current_user::text", &[]).unwrap();
            assert_eq!(inspect(&term(&r.rows[0][0])), format!("{role:?}"));
            let wrong = url.replace("p%40ss", "p%40sS");
            let err = open(&wrong).err().expect("a wrong password is refused").0;
            assert!(err.contains("28P01"), "{role}: {err}");
            let parsed = Url::parse(&url).unwrap();
            let bare = format!("postgres://{}@{}:{}/{}", parsed.user, parsed.host, parsed.port, parsed.database);
            let err = open(&bare).err().expect("a missing password is refused").0;
            assert!(err.contains("the server asks for a password"), "{role}: {err}");
        }
    }

    fn term(v: &DbValue) -> Value {
        engine::pg::from_db(v)
    }

    use engine::executor::{DbValue, Executor};
    use engine::value::{inspect::inspect, Value};

    #[test]
    fn values_round_trip_through_a_server() {
        let Some(mut db) = server() else { return };
        db.execute("BEGIN", &[]).unwrap();
        db.execute(
            "CREATE TEMP TABLE t (i int, b bigint, s smallint, f float8, n numeric(10,2), ok boolean, name varchar(20), body text, \
             raw bytea, u uuid, d date, tm time, ts timestamp, tz timestamptz, j jsonb, tags text[], nums int[][])",
            &[],
        )
        .unwrap();
        let row = engine::syntax::parse(
            r#"[1, 9_000_000_000, -3, 1.5, Decimal.new("24.50"), true, "Ada", "é", <<0, 255>>, <<160, 0, 0, 0, 0, 0, 64, 0, 128, 0, 0, 0, 0, 0, 0, 1>>,
               ~D[2024-02-29], ~T[12:30:00.000001], ~N[2025-03-01 09:00:00.500000], ~U[2025-03-01 09:00:00.000000Z],
               %{"theme" => "dark", "n" => [1, nil]}, ["a", nil], [[1, 2], [3, 4]]]"#,
        );
        let mut interp = crate::common::interp();
        let values = interp.eval(&row.root, &mut engine::eval::Env::default()).unwrap();
        let sql = "INSERT INTO t VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)";
        let oids = db.param_types(sql).unwrap();
        let params: Vec<DbValue> =
            values.as_list().unwrap().iter().zip(&oids).map(|(v, oid)| engine::pg::to_db(v, *oid).unwrap()).collect();
        assert_eq!(db.execute(sql, &params).unwrap().changes, 1);
        let r = db.execute("SELECT * FROM t", &[]).unwrap();
        let got = Value::list(r.rows[0].iter().map(term).collect());
        assert_eq!(inspect(&got), inspect(&values));
        // a NULL in every column, and an expression Postgres computes
        db.execute("INSERT INTO t (i) VALUES (NULL)", &[]).unwrap();
        let r = db.execute("SELECT avg(n), count(*), sum(i) FROM t", &[]).unwrap();
        assert_eq!(inspect(&Value::list(r.rows[0].iter().map(term).collect())), r#"[Decimal.new("24.5000000000000000"), 2, 1]"#);
        // intervals, ranges and text search vectors as Postgrex's structs
        let r = db.execute("SELECT interval '1 mon 2 days 00:00:03.5', int4range(1, 5), to_tsvector('simple', 'a b a')", &[]).unwrap();
        assert_eq!(
            inspect(&Value::list(r.rows[0].iter().map(term).collect())),
            "[%Postgrex.Interval{months: 1, days: 2, secs: 3, microsecs: 500000}, \
             %Postgrex.Range{lower: 1, upper: 5, lower_inclusive: true, upper_inclusive: false}, \
             [%Postgrex.Lexeme{word: \"a\", positions: [{1, nil}, {3, nil}]}, %Postgrex.Lexeme{word: \"b\", positions: [{2, nil}]}]]"
        );
        // a type mismatch is Postgrex's encode error; a server error keeps its code
        let err = db.execute("SELECT $1::int", &[DbValue::Text("x".into())]).unwrap_err();
        assert_eq!(err.code, engine::pg::ENCODE_ERROR, "{}", err.message);
        let err = db.execute("SELECT nope FROM t", &[]).unwrap_err();
        assert!(err.message.starts_with("ERROR 42703 (undefined_column)"), "{}", err.message);
        let err = db.execute("SELECT 1", &[]).unwrap_err();
        assert!(err.message.starts_with("ERROR 25P02"), "{}", err.message);
        db.execute("ROLLBACK", &[]).unwrap();
    }
}
