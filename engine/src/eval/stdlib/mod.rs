//! The slice of Elixir's standard library that Ecto code uses.
use super::Builtins;

pub fn register(_b: &mut Builtins) {}
