//! Migrations on the Repo's connection: the migrator's database is the
//! installed [`super::Conn`], so its statements land in the same log.

use std::cell::RefCell;
use std::rc::Rc;

use crate::diag::Span;
use crate::eval::{EResult, Interp};
use crate::executor::{DbValue, QueryResult};
use crate::migration::migrator::{set_provider, MigratorDb, SharedDb};
use crate::migration::Adapter;

use super::errors::raise_db;
use super::util::column_value;
use super::with_conn;

/// The Repo connection as the migrator's database.
pub struct ConnDb;

impl MigratorDb for ConnDb {
    fn execute(&mut self, interp: &mut Interp, sql: &str, params: &[DbValue]) -> EResult<QueryResult> {
        let params = params.iter().map(column_value).collect();
        with_conn(interp, Span::NONE, |c| c.query(sql, params))?.map_err(|e| raise_db(&e, Span::NONE))
    }

    fn begin(&mut self, interp: &mut Interp) -> EResult<()> {
        with_conn(interp, Span::NONE, |c| c.begin())?.map_err(|e| raise_db(&e, Span::NONE))
    }

    fn commit(&mut self, interp: &mut Interp) -> EResult<()> {
        with_conn(interp, Span::NONE, |c| c.commit())?.map(|_| ()).map_err(|e| raise_db(&e, Span::NONE))
    }

    fn rollback(&mut self, interp: &mut Interp) -> EResult<()> {
        with_conn(interp, Span::NONE, |c| c.rollback())?.map_err(|e| raise_db(&e, Span::NONE))
    }
}

/// The shared handle the migrator uses.
pub fn shared_db() -> SharedDb {
    Rc::new(RefCell::new(ConnDb))
}

/// Makes `Ecto.Migrator.up/run/...` use the Repo's connection.
pub fn install_migrator(interp: &mut Interp) {
    let provider: crate::migration::migrator::DbProvider = Rc::new(|i: &mut Interp, _repo: &crate::value::Value| {
        Ok((shared_db(), if super::postgres(i) { Adapter::Postgres } else { Adapter::Sqlite }))
    });
    set_provider(interp, provider, None);
}
