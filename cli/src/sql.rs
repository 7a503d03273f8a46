//! `ectoplasm sql`.

pub fn run(_source: &str) -> Result<(), String> {
    Err("ectoplasm sql: not available yet".to_string())
}
