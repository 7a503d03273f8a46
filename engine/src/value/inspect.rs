//! `inspect/1` as Elixir prints values.
use super::Value;

pub fn inspect(_v: &Value) -> String {
    String::new()
}
