//! Tokens of the Elixir subset.
