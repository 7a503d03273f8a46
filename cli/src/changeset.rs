//! `ectoplasm changeset`.

pub fn run(_source: &str) -> Result<(), String> {
    Err("ectoplasm changeset: not available yet".to_string())
}
