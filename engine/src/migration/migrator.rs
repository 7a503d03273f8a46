//! `Ecto.Migrator` over an [`crate::executor::Executor`].
