//! Ecto.Query: the query model, the builder from Elixir syntax, the planner
//! and the SQLite/PostgreSQL printers.
