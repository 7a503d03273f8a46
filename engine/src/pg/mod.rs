//! PostgreSQL as the Repo's database, without I/O: the wire protocol's
//! messages ([`wire`]), the binary codec of values by type OID
//! ([`codec`]) and [`PgExecutor`], an [`Executor`] over any [`Transport`]
//! that carries a batch of frontend messages to the server and brings
//! back its answers (a socket on the command line, PGlite's
//! `execProtocolRawSync` in the page).
//!
//! Each statement takes two round trips, as Postgrex's prepare and execute:
//! Parse + Describe (the server infers the parameter types:
//! [`Executor::param_types`]) and Bind + Execute. Parameters and columns
//! are [`DbValue::Pg`] (type OID, format, bytes): the Repo encodes its
//! terms for the inferred types with [`to_db`] and decodes columns with
//! [`from_db`], as Postgrex's extensions do.

pub mod codec;
pub mod wire;

use crate::executor::{DbError, DbValue, Executor, QueryResult};
use crate::value::Value;
use wire::{Backend, ErrorFields};

/// The [`DbError`] code of an error the server reported (a `Postgrex.Error`);
/// the message is Postgrex's (`ERROR 23505 (unique_violation) ...`).
pub const PG_ERROR: i32 = -2;
/// The code of a parameter Postgrex cannot encode (`DBConnection.EncodeError`).
pub const ENCODE_ERROR: i32 = -3;
/// The code of a statement given the wrong number of parameters (Postgrex's `ArgumentError`).
pub const ARGUMENT_ERROR: i32 = -4;

/// Carries frontend messages to the server.
pub trait Transport {
    /// Sends `messages` (ending with Sync) and returns every backend
    /// message up to and including ReadyForQuery, as bytes.
    fn roundtrip(&mut self, messages: &[u8]) -> Result<Vec<u8>, String>;

    /// Opens a new session after the old one was dropped (the default keeps it).
    fn reconnect(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// The condition name of a SQLSTATE code (PostgreSQL's `errcodes.txt`,
/// as Postgrex's `Postgrex.ErrorCode`).
pub fn condition_name(code: &str) -> &'static str {
    match code {
        "23000" => "integrity_constraint_violation",
        "23001" => "restrict_violation",
        "23502" => "not_null_violation",
        "23503" => "foreign_key_violation",
        "23505" => "unique_violation",
        "23514" => "check_violation",
        "23P01" => "exclusion_violation",
        "22000" => "data_exception",
        "22001" => "string_data_right_truncation",
        "22003" => "numeric_value_out_of_range",
        "22007" => "invalid_datetime_format",
        "22008" => "datetime_field_overflow",
        "22012" => "division_by_zero",
        "22023" => "invalid_parameter_value",
        "22P02" => "invalid_text_representation",
        "22021" => "character_not_in_repertoire",
        "2202E" => "array_subscript_error",
        "22004" => "null_value_not_allowed",
        "25001" => "active_sql_transaction",
        "25P01" => "no_active_sql_transaction",
        "25P02" => "in_failed_sql_transaction",
        "25006" => "read_only_sql_transaction",
        "3B001" => "invalid_savepoint_specification",
        "3D000" => "invalid_catalog_name",
        "3F000" => "invalid_schema_name",
        "40001" => "serialization_failure",
        "40P01" => "deadlock_detected",
        "42000" => "syntax_error_or_access_rule_violation",
        "42601" => "syntax_error",
        "42501" => "insufficient_privilege",
        "42703" => "undefined_column",
        "42702" => "ambiguous_column",
        "42803" => "grouping_error",
        "42804" => "datatype_mismatch",
        "42809" => "wrong_object_type",
        "42830" => "invalid_foreign_key",
        "42846" => "cannot_coerce",
        "42883" => "undefined_function",
        "42P01" => "undefined_table",
        "42P02" => "undefined_parameter",
        "42P07" => "duplicate_table",
        "42P10" => "invalid_column_reference",
        "42P16" => "invalid_table_definition",
        "42P18" => "indeterminate_datatype",
        "42701" => "duplicate_column",
        "42710" => "duplicate_object",
        "42704" => "undefined_object",
        "42725" => "ambiguous_function",
        "42P08" => "ambiguous_parameter",
        "0A000" => "feature_not_supported",
        "21000" => "cardinality_violation",
        "55P03" => "lock_not_available",
        "55000" => "object_not_in_prerequisite_state",
        "57014" => "query_canceled",
        "P0001" => "raise_exception",
        "XX000" => "internal_error",
        "08P01" => "protocol_violation",
        _ => "unknown",
    }
}

/// `Postgrex.Error.message/1` of an ErrorResponse: severity, code and
/// condition, the message, then the query (when given), the table,
/// constraint, ... and the detail.
pub fn error_message(f: &ErrorFields, query: Option<&str>) -> String {
    let code = f.get(b'C').unwrap_or("XX000");
    let mut out = format!("{} {code} ({}) {}", f.get(b'S').unwrap_or("ERROR"), condition_name(code), f.get(b'M').unwrap_or(""));
    if let Some(q) = query {
        out.push_str(&format!("\n\n    query: {q}"));
    }
    let meta: Vec<String> = [(b's', "schema"), (b't', "table"), (b'c', "column"), (b'd', "data_type"), (b'n', "constraint")]
        .iter()
        .filter_map(|(c, name)| f.get(*c).map(|v| format!("\n    {name}: {v}")))
        .collect();
    if !meta.is_empty() {
        out.push('\n');
        out.push_str(&meta.concat());
    }
    if let Some(d) = f.get(b'D') {
        out.push_str(&format!("\n\n{d}"));
    }
    out
}

/// The SQLSTATE, condition and constraint name of a [`PG_ERROR`] message.
pub fn error_parts(message: &str) -> Option<(String, Option<String>)> {
    let rest = message.split_once(' ')?.1;
    let code = rest.split(' ').next()?.to_string();
    let constraint = message.lines().find_map(|l| l.strip_prefix("    constraint: ")).map(str::to_string);
    Some((code, constraint))
}

/// An [`Executor`] on a PostgreSQL session reached through a [`Transport`].
pub struct PgExecutor<T: Transport> {
    pub transport: T,
    /// The statement the server holds as its unnamed prepared statement,
    /// with its parameter types and columns (Bind can reuse it).
    prepared: Option<(String, Vec<u32>, Vec<wire::Field>)>,
    /// The transaction status of the last ReadyForQuery (`I`, `T` or `E`).
    pub status: u8,
}

fn transport_error(e: String) -> DbError {
    DbError { code: crate::executor::CONNECTION_ERROR, message: e }
}

fn server_error(f: &ErrorFields) -> DbError {
    DbError { code: PG_ERROR, message: error_message(f, None) }
}

/// A database value as the term Postgrex decodes (a column that does not
/// decode stays its bytes); SQLite-shaped values as they are.
pub fn from_db(v: &DbValue) -> Value {
    match v {
        DbValue::Pg { oid, format, bytes } => codec::decode(*oid, *format, bytes).unwrap_or_else(|_| Value::binary(bytes)),
        DbValue::Null => Value::Nil,
        DbValue::Integer(i) => Value::Int(*i),
        DbValue::Real(f) => Value::Float(*f),
        DbValue::Text(s) => Value::str(s),
        DbValue::Blob(b) => Value::binary(b),
    }
}

/// A term encoded as Postgrex encodes a parameter of type `oid`.
pub fn to_db(v: &Value, oid: u32) -> Result<DbValue, codec::EncodeError> {
    Ok(match codec::encode_param(v, oid)? {
        (_, None) => DbValue::Null,
        (format, Some(bytes)) => DbValue::Pg { oid, format, bytes },
    })
}

/// The row count of a CommandComplete tag (`INSERT 0 3`, `UPDATE 2`, `SELECT 5`).
pub fn tag_count(tag: &str) -> Option<u64> {
    tag.rsplit(' ').next()?.parse().ok()
}

impl<T: Transport> PgExecutor<T> {
    pub fn new(transport: T) -> PgExecutor<T> {
        PgExecutor { transport, prepared: None, status: b'I' }
    }

    fn exchange(&mut self, msgs: &[u8]) -> Result<Vec<Backend>, DbError> {
        let bytes = self.transport.roundtrip(msgs).map_err(transport_error)?;
        let msgs = wire::parse_backend(&bytes).map_err(transport_error)?;
        if let Some(Backend::ReadyForQuery(s)) = msgs.last() {
            self.status = *s;
        }
        Ok(msgs)
    }

    /// Parse + Describe: the parameter types and the result columns.
    fn prepare(&mut self, sql: &str) -> Result<(Vec<u32>, Vec<wire::Field>), DbError> {
        self.prepared = None;
        let mut msgs = Vec::new();
        wire::parse(&mut msgs, sql);
        wire::describe(&mut msgs, b'S');
        wire::sync(&mut msgs);
        let mut oids = Vec::new();
        let mut fields = Vec::new();
        for m in self.exchange(&msgs)? {
            match m {
                Backend::Error(f) => return Err(server_error(&f)),
                Backend::ParameterDescription(o) => oids = o,
                Backend::RowDescription(f) => fields = f,
                _ => {}
            }
        }
        Ok((oids, fields))
    }

    /// Runs a statement; the columns' type OIDs and the command tag are
    /// returned with the result. Parameters that are not [`DbValue::Pg`]
    /// are encoded for the types the server infers.
    pub fn run(&mut self, sql: &str, params: &[DbValue]) -> Result<(QueryResult, Vec<u32>, String), DbError> {
        let (oids, fields) = match self.prepared.take() {
            Some((s, o, f)) if s == sql => (o, f),
            _ => self.prepare(sql)?,
        };
        if oids.len() != params.len() {
            return Err(DbError {
                code: ARGUMENT_ERROR,
                message: format!("parameters must be of length {} for query {sql:?}", oids.len()),
            });
        }
        let mut bound = Vec::with_capacity(params.len());
        for (p, oid) in params.iter().zip(&oids) {
            bound.push(match p {
                DbValue::Pg { format, bytes, .. } => (*format, Some(bytes.clone())),
                other => codec::encode_param(&from_db(other), *oid).map_err(|e| DbError { code: ENCODE_ERROR, message: e.0 })?,
            });
        }
        let formats: Vec<i16> = fields.iter().map(|f| codec::binary_format(f.type_oid) as i16).collect();
        let mut msgs = Vec::new();
        wire::bind(&mut msgs, &bound, &formats);
        wire::execute(&mut msgs);
        wire::sync(&mut msgs);
        let mut rows = Vec::new();
        let mut tag = String::new();
        let mut error = None;
        for m in self.exchange(&msgs)? {
            match m {
                Backend::Error(f) => error = Some(server_error(&f)),
                Backend::DataRow(cols) => {
                    let mut row = Vec::with_capacity(cols.len());
                    for (i, c) in cols.into_iter().enumerate() {
                        let (oid, fmt) = fields.get(i).map_or((codec::TEXT, 0), |f| (f.type_oid, formats[i]));
                        row.push(match c {
                            None => DbValue::Null,
                            Some(bytes) => DbValue::Pg { oid, format: fmt, bytes },
                        });
                    }
                    rows.push(row);
                }
                Backend::CommandComplete(t) => tag = t,
                _ => {}
            }
        }
        if let Some(e) = error {
            return Err(e);
        }
        let changes = tag_count(&tag).unwrap_or(rows.len() as u64);
        let columns = fields.iter().map(|f| f.name.clone()).collect();
        let types = fields.iter().map(|f| f.type_oid).collect();
        Ok((QueryResult { columns, rows, changes }, types, tag))
    }
}

impl<T: Transport> Executor for PgExecutor<T> {
    fn execute(&mut self, sql: &str, params: &[DbValue]) -> Result<QueryResult, DbError> {
        self.run(sql, params).map(|(r, _, _)| r)
    }

    fn reconnect(&mut self) -> Result<(), DbError> {
        self.transport.reconnect().map_err(transport_error)
    }

    fn postgres(&self) -> bool {
        true
    }

    fn transaction_failed(&self) -> bool {
        self.status == b'E'
    }

    fn param_types(&mut self, sql: &str) -> Result<Vec<u32>, DbError> {
        let (oids, fields) = self.prepare(sql)?;
        self.prepared = Some((sql.to_string(), oids.clone(), fields));
        Ok(oids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_carry_code_and_constraint() {
        let f = ErrorFields(vec![
            (b'S', "ERROR".into()),
            (b'C', "23505".into()),
            (b'M', "duplicate key value violates unique constraint \"users_email_index\"".into()),
            (b't', "users".into()),
            (b'n', "users_email_index".into()),
            (b'D', "Key (email)=(a@b) already exists.".into()),
        ]);
        let m = error_message(&f, None);
        assert!(m.starts_with("ERROR 23505 (unique_violation) duplicate key"), "{m}");
        assert_eq!(error_parts(&m), Some(("23505".into(), Some("users_email_index".into()))));
        assert_eq!(tag_count("INSERT 0 3"), Some(3));
        assert_eq!(tag_count("BEGIN"), None);
    }
}
