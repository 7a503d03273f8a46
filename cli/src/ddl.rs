//! `ectoplasm ddl`.

pub fn run(_source: &str) -> Result<(), String> {
    Err("ectoplasm ddl: not available yet".to_string())
}
